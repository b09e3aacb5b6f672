/* cut.c: cut amounts, range mode and exact-plan mode. */
#include "bargain/cut.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"
#include "core/money.h"

int cut_plan_feasible(int64_t distance, int64_t min, int64_t max, int64_t cuts)
{
	if (cuts < 1 || cuts > CUT_TARGET_MAX || min < 1 || max < min || distance < 1)
		return 0;
	/* Bounded amounts keep cuts * max far from overflowing. */
	if (distance > MONEY_MAX_FEN || max > MONEY_MAX_FEN)
		return 0;
	return cuts * min <= distance && distance <= cuts * max;
}

void cut_plan_seed(const void *key, size_t key_size, int64_t bargain_id, unsigned char seed[CUT_SEED_SIZE])
{
	char message[48];
	int length = snprintf(message, sizeof(message), "cut-plan:%lld", (long long)bargain_id);
	crypto_hmac_sha256(key, key_size, message, (size_t)length, seed);
}

/* splitmix64: a small, fast generator; the seed carries the secrecy. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double next_unit(uint64_t *state)
{
	return (double)(next_random(state) >> 11) * (1.0 / 9007199254740992.0);
}

static int descending(const void *a, const void *b)
{
	int64_t left = *(const int64_t *)a, right = *(const int64_t *)b;
	return (left < right) - (left > right);
}

int cut_plan_make(const unsigned char seed[CUT_SEED_SIZE], int64_t distance, int64_t min, int64_t max,
		  int64_t cuts, int64_t *plan)
{
	if (!cut_plan_feasible(distance, min, max, cuts))
		return -1;
	uint64_t state;
	memcpy(&state, seed, sizeof(state));
	for (int i = 1; i < CUT_SEED_SIZE / 8; i++) {
		uint64_t more;
		memcpy(&more, seed + 8 * i, sizeof(more));
		state ^= more * (uint64_t)(2 * i + 1);
	}

	/* Everything above the minimum is spread by decaying weights: a
	 * harmonic curve (a big first cut) plus a flat part (so the tail stays
	 * well above the minimum), each weight jittered by +-20%. Each slot can
	 * take at most max - min extra; what a full slot cannot take flows to
	 * the others (water filling). */
	int64_t extra = distance - cuts * min;
	int64_t room = max - min;
	double weights[CUT_TARGET_MAX];
	double shares[CUT_TARGET_MAX];
	int full[CUT_TARGET_MAX];
	for (int64_t i = 0; i < cuts; i++) {
		weights[i] = (1.0 / (double)(i + 1) + 0.15) * (0.8 + 0.4 * next_unit(&state));
		full[i] = 0;
		shares[i] = 0;
	}
	double left = (double)extra;
	for (int round = 0; round < CUT_TARGET_MAX && left > 1e-9; round++) {
		double total = 0;
		for (int64_t i = 0; i < cuts; i++)
			if (!full[i])
				total += weights[i];
		if (total <= 0)
			break;
		double spread = left;
		left = 0;
		for (int64_t i = 0; i < cuts; i++) {
			if (full[i])
				continue;
			shares[i] += spread * weights[i] / total;
			if (shares[i] >= (double)room) {
				left += shares[i] - (double)room;
				shares[i] = (double)room;
				full[i] = 1;
			}
		}
	}

	/* Whole fen: round down, then hand the fen still missing to the slots
	 * with room, front first (the front is meant to be larger anyway). */
	int64_t given = 0;
	for (int64_t i = 0; i < cuts; i++) {
		int64_t whole = (int64_t)shares[i];
		if (whole > room)
			whole = room;
		if (whole < 0)
			whole = 0;
		plan[i] = min + whole;
		given += whole;
	}
	int64_t missing = extra - given;
	while (missing > 0) {
		int64_t progressed = 0;
		for (int64_t i = 0; i < cuts && missing > 0; i++) {
			if (plan[i] < max) {
				int64_t add = max - plan[i] < missing ? max - plan[i] : missing;
				if (add > 1 && i + 1 < cuts)
					add = 1 + (missing - 1) / cuts; /* spread, don't pile */
				if (add > max - plan[i])
					add = max - plan[i];
				plan[i] += add;
				missing -= add;
				progressed += add;
			}
		}
		if (progressed == 0)
			return -1; /* cannot happen when feasible */
	}
	/* Jitter may have swapped neighbours: the first cut is the largest and
	 * the plan decays. */
	qsort(plan, (size_t)cuts, sizeof(plan[0]), descending);
	return 0;
}

int64_t cut_range_amount(int64_t remaining, int64_t min, int64_t max, uint64_t random)
{
	uint64_t span = (uint64_t)(max - min) + 1;
	/* The caller's random is uniform; reducing it modulo a span far below
	 * 2^64 leaves a bias under 2^-40, immaterial for a price cut. */
	int64_t amount = min + (int64_t)(random % span);
	return amount < remaining ? amount : remaining;
}

/* test_ops.c: unit tests of fcgi/ops/ops.c (the shared counters, worker
 * slots and the password-hash cap) and of ops_routes.c's address check. */
#include "unit.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ops/ops.h"
#include "ops/ops_routes.h"

START_TEST(addresses_outside_loopback_and_the_list_refused)
{
	ck_assert(!ops_client_allowed(NULL, ""));
	ck_assert(!ops_client_allowed("", ""));
	ck_assert(!ops_client_allowed("10.0.0.1", ""));
	ck_assert(!ops_client_allowed("10.0.0.1", "10.0.0.2 10.0.1.0/24"));
	ck_assert(!ops_client_allowed("10.0.0.1", "10.0.0.1/abc"));
	ck_assert(!ops_client_allowed("10.0.0.1", "not-an-address"));
	ck_assert(!ops_client_allowed("not-an-address", "10.0.0.0/8"));
	ck_assert(!ops_client_allowed("2001:db8::1", "2001:db9::/32"));
	ck_assert(!ops_client_allowed("128.0.0.1", ""));
}
END_TEST

START_TEST(loopback_and_listed_addresses_allowed)
{
	ck_assert(ops_client_allowed("127.0.0.1", NULL));
	ck_assert(ops_client_allowed("127.8.9.10", ""));
	ck_assert(ops_client_allowed("::1", ""));
	ck_assert(ops_client_allowed("10.0.0.2", "10.0.0.2 10.0.1.0/24"));
	ck_assert(ops_client_allowed("10.0.1.77", "10.0.0.2,10.0.1.0/24"));
	ck_assert(ops_client_allowed("10.0.1.77", "10.0.1.64/26"));
	ck_assert(!ops_client_allowed("10.0.1.63", "10.0.1.64/26"));
	ck_assert(ops_client_allowed("2001:db8::1", "2001:db8::/32"));
}
END_TEST

START_TEST(statuses_map_to_their_slots)
{
	ck_assert_int_eq(ops_status_codes[ops_status_index(200)], 200);
	ck_assert_int_eq(ops_status_codes[ops_status_index(503)], 503);
	ck_assert_int_eq(ops_status_index(299), 31);
	ck_assert_int_eq(ops_status_index(0), 31);
}
END_TEST

START_TEST(without_a_segment_everything_is_a_no_op)
{
	ck_assert_ptr_null(ops_shared);
	ck_assert(ops_hash_acquire());
	ops_hash_release();
	ops_request_begin();
	ops_request_end(3, 200, 1500, false);
	ops_count_help();
	ck_assert_int_eq(ops_slot_claim(1), -1);
}
END_TEST

START_TEST(counters_are_summed_over_processes_and_survive_them)
{
	ck_assert_int_eq(ops_shared_create(1), 0);
	for (int child = 0; child < 3; child++) {
		int slot = ops_slot_claim(1);
		ck_assert_int_ge(slot, 0);
		pid_t pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			ops_worker_attach(slot);
			for (int i = 0; i < 100; i++) {
				ops_request_begin();
				ops_request_end(2, 201, 3000, i == 0);
				ops_request_idle();
			}
			ops_count_help();
			ops_count_fraud("shadow");
			ops_count_fraud("nonsense");
			ops_statement_begin("SELECT 1");
			ops_statement_end(1062);
			ops_count_read(OPS_READ_REPLICA); /* read replica */
			ops_count_read(OPS_READ_PRIMARY_LAG);
			ops_count_read(OPS_READ_DOORS); /* out of range: not counted */
			ops_replica_lag(child);
			_exit(0);
		}
		ops_slot_started(slot, pid);
		int status;
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ops_worker_ended(pid, true);
	}
	const struct ops_counters *c = &ops_shared->counters;
	ck_assert_uint_eq(c->accepted, 300);
	ck_assert_uint_eq(c->requests[2][ops_status_index(201)], 300);
	ck_assert_uint_eq(c->duration_count[2], 300);
	ck_assert_uint_eq(c->duration_buckets[2][2], 300); /* 3 ms: in the 5 ms bucket */
	ck_assert_uint_eq(c->duration_sum_us[2], 900000);
	ck_assert_uint_eq(c->slow_requests, 3);
	ck_assert_uint_eq(c->helps, 3);
	ck_assert_uint_eq(c->fraud_decisions[OPS_FRAUD_SHADOW], 3);
	ck_assert_uint_eq(c->db_statements, 3);
	ck_assert_uint_eq(c->db_error_code[0], 1062);
	ck_assert_uint_eq(c->db_errors[0], 3);
	ck_assert_uint_eq(c->worker_restarts, 3);
	ck_assert_uint_eq(c->db_reads[OPS_READ_REPLICA], 3);
	ck_assert_uint_eq(c->db_reads[OPS_READ_PRIMARY_LAG], 3);
	ck_assert_uint_eq(c->db_reads[OPS_READ_PRIMARY_DOWN], 0);
	ck_assert_int_eq(c->replica_lag_s, 2); /* the last child's measure */
	ck_assert_int_eq(c->replica_measures, 3);
	for (int i = 0; i < ops_shared->slot_high; i++)
		ck_assert_int_eq(ops_shared->workers[i].state, OPS_EMPTY);
}
END_TEST

START_TEST(the_hash_cap_holds_and_a_dead_holder_frees_its_token)
{
	if (ops_shared == NULL)
		ck_assert_int_eq(ops_shared_create(1), 0);
	ops_set_hash_cap(1);
	int first = ops_slot_claim(1), second = ops_slot_claim(1);
	/* this process plays both workers in turn; the master knows them by
	 * made-up pids */
	ops_worker_attach(first);
	ops_slot_started(first, 1001);
	ck_assert(ops_hash_acquire());
	ops_worker_attach(second);
	ops_slot_started(second, 1002);
	ck_assert(!ops_hash_acquire()); /* the cap is 1 */
	ops_set_hash_cap(2);
	ck_assert(ops_hash_acquire());
	ops_hash_release();
	ops_set_hash_cap(1);
	ck_assert(!ops_hash_acquire());
	/* the holder dies without releasing: the master frees its token */
	ops_worker_ended(1001, true);
	ck_assert(ops_hash_acquire());
	ops_hash_release();
	ops_worker_ended(1002, false);
}
END_TEST

START_TEST(an_address_that_keeps_trying_goes_before_a_flood_of_new_ones)
{
	if (ops_shared == NULL)
		ck_assert_int_eq(ops_shared_create(1), 0);
	memset(ops_shared->line, 0, sizeof(ops_shared->line));
	int64_t t = 1000000;
	char flood[32];
	/* nobody in line: anyone may try */
	ck_assert(ops_hash_line_turn("10.0.0.1", t));
	/* a flood of addresses refused once each never gets in line */
	for (int i = 0; i < 500; i++) {
		snprintf(flood, sizeof(flood), "10.9.%d.%d", i / 200, i % 200);
		ops_hash_line_refused(flood, t + i / 10);
	}
	ck_assert(ops_hash_line_turn("10.0.0.1", t + 50));
	/* the real login, refused twice 50 ms apart, is in line from its
	 * first refusal: a new address must wait, it may try */
	ops_hash_line_refused("10.0.0.1", t + 50);
	ops_hash_line_refused("10.0.0.1", t + 100);
	ck_assert(!ops_hash_line_turn("10.9.9.9", t + 110));
	ck_assert(ops_hash_line_turn("10.0.0.1", t + 150));
	/* a second address that keeps trying comes after it */
	ops_hash_line_refused("10.0.0.2", t + 120);
	ops_hash_line_refused("10.0.0.2", t + 170);
	ck_assert(!ops_hash_line_turn("10.0.0.2", t + 180));
	/* served: out of line, and the next one's turn */
	ops_hash_line_served("10.0.0.1");
	ck_assert(ops_hash_line_turn("10.0.0.2", t + 190));
	ck_assert(!ops_hash_line_turn("10.9.9.9", t + 190));
	/* one that stops trying loses its place after OPS_HASH_LINE_LIVE_MS */
	ck_assert(ops_hash_line_turn("10.9.9.9", t + 170 + OPS_HASH_LINE_LIVE_MS + 1));
	/* no address: no line */
	ck_assert(ops_hash_line_turn("", t));
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("ops");
	TCase *bad = tcase_create("bad_input");
	tcase_add_test(bad, addresses_outside_loopback_and_the_list_refused);
	tcase_add_test(bad, without_a_segment_everything_is_a_no_op);
	suite_add_tcase(suite, bad);
	TCase *good = tcase_create("shared");
	tcase_add_test(good, loopback_and_listed_addresses_allowed);
	tcase_add_test(good, statuses_map_to_their_slots);
	tcase_add_test(good, counters_are_summed_over_processes_and_survive_them);
	tcase_add_test(good, the_hash_cap_holds_and_a_dead_holder_frees_its_token);
	tcase_add_test(good, an_address_that_keeps_trying_goes_before_a_flood_of_new_ones);
	suite_add_tcase(suite, good);
	return suite;
}

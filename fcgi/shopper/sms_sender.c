/* sms_sender.c: the sender process. The master starts it (pool.c) when the
 * configured SMS provider delivers messages itself (aliyun, tencent).
 *
 * The login request only queues: it inserts the message into sms_outbox
 * ('pending', due now) in its own transaction, so no request ever waits on
 * a provider. This process polls for due rows, claims one at a time (a
 * conditional UPDATE that also pushes its due time out by a lease, so a
 * second sender during a reload cannot send it twice, and a sender killed
 * mid-send leaves it to be tried again), calls the provider and writes the
 * outcome on the row: 'sent' with the provider's id and answer; 'failed'
 * when the provider refuses the message for good; otherwise still
 * 'pending', due again after a backoff (2, 4, 8 ... up to 60 s), so an
 * outage delays codes and loses none. A code that has expired meanwhile is
 * not sent any more ('expired'): it could not log anyone in. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "db/db.h"
#include "shopper/sms.h"

#define SENDER_POLL_MS 300
#define SENDER_BATCH 20
#define SENDER_BACKOFF_MAX_S 60
/* Longer than a send can take (SMS_SEND_TIMEOUT_MS plus connect). */
#define SENDER_LEASE_S 30

static volatile sig_atomic_t sender_stop;

static void on_stop(int signal_number)
{
	(void)signal_number;
	sender_stop = 1;
}

static const char *const sql_due =
	"SELECT id, phone, body, attempts, TIMESTAMPDIFF(SECOND, '1970-01-01', created_at) FROM sms_outbox "
	"WHERE status = 'pending' AND next_attempt_at <= TIMESTAMPADD(SECOND, ?, '1970-01-01') ORDER BY next_attempt_at, id LIMIT ?";
static const char *const sql_claim =
	"UPDATE sms_outbox SET attempts = attempts + 1, next_attempt_at = TIMESTAMPADD(SECOND, ?, '1970-01-01') "
	"WHERE id = ? AND status = 'pending' AND attempts = ? AND next_attempt_at <= TIMESTAMPADD(SECOND, ?, '1970-01-01')";
static const char *const sql_expired =
	"UPDATE sms_outbox SET status = 'expired', provider_answer = 'code expired before delivery' "
	"WHERE id = ? AND status = 'pending'";
static const char *const sql_outcome =
	"UPDATE sms_outbox SET status = ?, next_attempt_at = TIMESTAMPADD(SECOND, ?, '1970-01-01'), sent_at = IF(? = 'sent', "
	"TIMESTAMPADD(SECOND, ?, '1970-01-01'), NULL), provider_ref = NULLIF(?, ''), provider_answer = ? WHERE id = ? AND status = 'pending'";

static int64_t backoff_s(int64_t attempts)
{
	int64_t delay = 1;
	for (int64_t i = 0; i < attempts && delay < SENDER_BACKOFF_MAX_S; i++)
		delay *= 2;
	return delay < SENDER_BACKOFF_MAX_S ? delay : SENDER_BACKOFF_MAX_S;
}

/* Claims and delivers one due row; returns true when it was sent. */
static bool deliver_one(struct unit *unit, const struct sms_provider *provider, int64_t id, const char *phone,
			const char *body, int64_t attempts, int64_t created_at)
{
	int64_t now = clock_now();
	struct db_rows rows;
	if (db_exec(unit, &rows, sql_claim, "iiii", now + SENDER_LEASE_S, id, attempts, now) != DB_OK ||
	    rows.affected != 1)
		return false; /* another sender has it */
	if (created_at + unit->config->sms_code_ttl_s <= now) {
		db_exec(unit, NULL, sql_expired, "i", id);
		log_warn("sms %lld: code expired after %lld attempts, not sent", (long long)id, (long long)attempts);
		return false;
	}
	struct sms_receipt receipt;
	enum sms_outcome outcome = provider->deliver(unit->config, phone, body, &receipt);
	now = clock_now();
	const char *status = outcome == SMS_SENT ? "sent" : outcome == SMS_REFUSED ? "failed" : "pending";
	int64_t next = outcome == SMS_RETRY ? now + backoff_s(attempts) : now;
	if (db_exec(unit, NULL, sql_outcome, "sisissi", status, next, status, now, receipt.ref, receipt.answer, id) !=
	    DB_OK)
		log_error("sms %lld: outcome %s not recorded", (long long)id, status);
	/* the answer names the provider's code, never the number or the code */
	if (outcome == SMS_SENT)
		log_info("sms %lld: sent through %s (attempt %lld)", (long long)id, provider->name, (long long)attempts + 1);
	else
		log_warn("sms %lld: %s through %s (attempt %lld): %s", (long long)id,
			 outcome == SMS_REFUSED ? "refused" : "not sent yet", provider->name, (long long)attempts + 1,
			 receipt.answer);
	return outcome == SMS_SENT;
}

int sms_sender_run(const struct config *config)
{
	struct sigaction action;
	memset(&action, 0, sizeof(action));
	action.sa_handler = on_stop;
	sigaction(SIGTERM, &action, NULL);
	sigaction(SIGINT, &action, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);

	const struct sms_provider *provider = sms_provider_find(config->sms_provider);
	if (provider == NULL || provider->deliver == NULL) {
		log_error("sms sender: provider %s delivers nothing", config->sms_provider);
		return 1;
	}
	struct db db;
	memset(&db, 0, sizeof(db));
	if (db_connect(&db, config) != 0)
		log_warn("sms sender: database not reachable yet; trying again");
	struct arena arena;
	arena_init(&arena);
	struct unit unit = { .arena = &arena, .db = &db, .config = config };
	log_info("sms sender: started, provider %s", provider->name);
	while (!sender_stop) {
		unit.now = clock_now();
		struct db_rows due;
		int result = db_exec(&unit, &due, sql_due, "ii", unit.now, (int64_t)SENDER_BATCH);
		int handled = 0;
		for (int r = 0; result == DB_OK && r < due.row_count && !sender_stop; r++, handled++)
			deliver_one(&unit, provider, db_int(&due, r, 0), db_text(&due, r, 1), db_text(&due, r, 2),
				    db_int(&due, r, 3), db_int(&due, r, 4));
		arena_reset(&arena);
		if (handled < SENDER_BATCH) {
			struct timespec pause = { 0, SENDER_POLL_MS * 1000000L };
			nanosleep(&pause, NULL); /* a SIGTERM cuts it short */
		}
	}
	arena_destroy(&arena);
	db_close(&db);
	log_info("sms sender: stopped");
	return 0;
}

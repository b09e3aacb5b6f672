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
#include "shopper/shopper_store.h"
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

static int64_t backoff_s(int64_t attempts)
{
	int64_t delay = 1;
	for (int64_t i = 0; i < attempts && delay < SENDER_BACKOFF_MAX_S; i++)
		delay *= 2;
	return delay < SENDER_BACKOFF_MAX_S ? delay : SENDER_BACKOFF_MAX_S;
}

/* Claims and delivers one due message; returns true when it was sent. */
static bool deliver_one(struct unit *unit, const struct sms_provider *provider, const struct sms_outbox_due *message)
{
	unit->now = clock_now();
	bool claimed;
	if (sms_outbox_claim(unit, message, unit->now + SENDER_LEASE_S, &claimed) != DB_OK || !claimed)
		return false; /* another sender has it */
	if (message->created_at + unit->config->sms_code_ttl_s <= unit->now) {
		sms_outbox_expire(unit, message->id);
		log_warn("sms %lld: code expired after %lld attempts, not sent", (long long)message->id,
			 (long long)message->attempts);
		return false;
	}
	struct sms_receipt receipt;
	enum sms_outcome outcome = provider->deliver(unit->config, message->phone, message->body, &receipt);
	unit->now = clock_now();
	const char *status = outcome == SMS_SENT ? "sent" : outcome == SMS_REFUSED ? "failed" : "pending";
	int64_t next = outcome == SMS_RETRY ? unit->now + backoff_s(message->attempts) : unit->now;
	if (sms_outbox_record(unit, message->id, status, next, receipt.ref, receipt.answer) != DB_OK)
		log_error("sms %lld: outcome %s not recorded", (long long)message->id, status);
	/* the answer names the provider's code, never the number or the code */
	if (outcome == SMS_SENT)
		log_info("sms %lld: sent through %s (attempt %lld)", (long long)message->id, provider->name,
			 (long long)message->attempts + 1);
	else
		log_warn("sms %lld: %s through %s (attempt %lld): %s", (long long)message->id,
			 outcome == SMS_REFUSED ? "refused" : "not sent yet", provider->name,
			 (long long)message->attempts + 1, receipt.answer);
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
		struct sms_outbox_due *due;
		int count;
		int result = sms_outbox_due_list(&unit, SENDER_BATCH, &due, &count);
		int handled = 0;
		for (int i = 0; result == DB_OK && i < count && !sender_stop; i++, handled++)
			deliver_one(&unit, provider, &due[i]);
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

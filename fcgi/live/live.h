/* live.h: live progress pushed to watchers (API.md, "Live updates").
 *
 * After a change to a bargain commits (a cut, a help, a success, an expiry,
 * an order), the worker publishes the bargain's new state to nginx's
 * publish/subscribe module (nchan) on two channels: the owner's ("b<id>",
 * the bargain object with its newest cuts and "cuts_count", the shape of
 * GET /bargains/{id}) and the share landing's ("s<share code>", the
 * landing's shape). nginx holds
 * the subscribers' connections and keeps each channel's last message, so a
 * watcher costs the pool nothing after its one authorisation.
 *
 * A publish never fails the request that caused it: it runs after the
 * commit, is bounded by live_timeout_ms, and a failure is logged and
 * counted; the next change or a reconnect repairs what a watcher missed.
 *
 * Only a bargain that may have a watcher is published (live_watch.h): a
 * stream's opening arms its watch, and a change nobody watches costs
 * nothing here. */
#ifndef KANJIA_LIVE_H
#define KANJIA_LIVE_H

#include <stdbool.h>
#include <stdint.h>

#define LIVE_OWNER_CUTS 20   /* the newest cuts in the owner's message */
#define LIVE_RECENT_HELPS 10 /* helps in the landing's message: as many as the landing */

struct config;
struct request;
struct bargain;
struct bargain_live;

/* Whether a change of bargain_id at now is to be published: live updates
 * are on and someone may watch it. A help asks before its write, to have
 * the messages' cuts brought back with it. */
bool live_wanted(const struct config *config, int64_t bargain_id, int64_t now);

/* A stream of bargain_id was authorised (live_routes.c): arms its watch,
 * and when a change of it went unpublished publishes its state as it is
 * now, so that nchan hands the new subscriber the current state. */
void live_watch_began(struct request *request, int64_t bargain_id);

/* Publishes bargain_id's state as it is now in the database, on both of its
 * channels. Call it only after the transaction that changed the bargain
 * has committed. Leaves the request's answer (status, error, reply) as it
 * found it, whatever happens; does nothing when live_socket is empty or
 * nobody may watch it (live_wanted). */
void live_bargain_changed(struct request *request, int64_t bargain_id);

/* The same for a change whose writer brought back what the messages show
 * (a help: bargain_help()'s answer, its newest cuts from its CALL and the
 * landing's item and initiator from its load): bargain as it committed it,
 * nothing read. Without known->cuts_json, live_bargain_changed(). */
void live_bargain_known(struct request *request, const struct bargain *bargain, const struct bargain_live *known);

/* After the sweeper closed expired bargains at request->work.now: publishes
 * each of them (at most LIVE_SWEEP_MAX, within LIVE_SWEEP_BUDGET_MS). */
void live_bargains_swept(struct request *request);

/* This worker's publish counters since it started: messages nchan took,
 * and publishes that failed (either channel of a change counts). */
struct live_counters {
	int64_t published;
	int64_t failed;
};
struct live_counters live_counters(void);

#endif

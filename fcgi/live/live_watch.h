/* live_watch.h: which bargains may have a watcher on a live stream now, so
 * that a change nobody watches is not published (live.h).
 *
 * A publish costs nginx, the pool and MariaDB about as much as the help
 * that caused it (two POSTs to nchan, the newest cuts read back); on launch
 * day most helps land on bargains whose owner and friends have closed the
 * page. So every stream's opening arms its bargain's watch (nginx asks the
 * pool to authorise each one: live_routes.c), and a change is published
 * only while the watch holds.
 *
 * How long a watch holds: nginx closes a stream that got no message for
 * LIVE_STREAM_IDLE_S (nchan_subscriber_timeout on the stream locations of
 * the nginx configs; pings do not count), and the browser reopens it at once,
 * which authorises it, and so arms the watch again. A publish that reached
 * a subscriber (nchan answers 201, not 202) restarted that subscriber's idle
 * clock, so it extends the watch too. A watch therefore holds for as long as
 * any subscriber can be connected without having been authorised again:
 * LIVE_WATCH_HOLD_S, the idle time and a minute to reconnect.
 *
 * A change nobody watched is noted in its slot (live_watch_unpublished);
 * the next stream's opening on that bargain publishes the state as it is
 * then (live_watch_arm answers true), so a new subscriber gets the current
 * state from nchan's buffer, not one from before the changes that were not
 * published, and a bargain that did not change keeps its stream silent
 * until it does. A slot notes one bargain; a second one's unpublished
 * change makes it "several", and every stream opening in that slot then
 * publishes.
 *
 * The watches live in a file next to nginx's publisher socket
 * (<live_socket>.watch), mapped by every pool that publishes to it: the app
 * hosts of one machine share one nginx and so one set of watches. Bargains
 * are folded into LIVE_WATCH_SLOTS slots; two sharing a slot cost each
 * other a publish, never a missed one. Without the file (it cannot be
 * created) every change is published, as if always watched. */
#ifndef KANJIA_LIVE_WATCH_H
#define KANJIA_LIVE_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#define LIVE_WATCH_SLOTS 65536
#define LIVE_STREAM_IDLE_S 300 /* nchan_subscriber_timeout in nginx/local.conf.in and nginx/kanjia.conf */
#define LIVE_WATCH_HOLD_S (LIVE_STREAM_IDLE_S + 60)

/* The watches, per slot: until when its bargains may be watched (Unix
 * seconds; 0, or in the past: lapsed), and which of them changed without a
 * publish (0 none, a bargain id, LIVE_WATCH_SEVERAL). */
struct live_watches {
	int64_t until[LIVE_WATCH_SLOTS];
	int64_t unpublished[LIVE_WATCH_SLOTS];
};

#define LIVE_WATCH_SEVERAL (-1)

/* The watches this process shares for the publisher at live_socket, mapped
 * at the first call (and again when live_socket changes). NULL when they
 * cannot be had (logged once; live_socket empty: none): publish every change. */
struct live_watches *live_watches_for(const char *live_socket);

/* A stream of bargain_id opened at now: the watch holds until now +
 * LIVE_WATCH_HOLD_S at least. Returns true when a change of it may have
 * gone unpublished: publish the current state (read after this call). */
bool live_watch_arm(struct live_watches *watches, int64_t bargain_id, int64_t now);

/* A change of bargain_id committed at now while its watch had lapsed:
 * notes it for the next arm, then looks at the watch again. Returns true
 * when a stream opened meanwhile: publish after all (its arm may not have
 * seen the note). */
bool live_watch_unpublished(struct live_watches *watches, int64_t bargain_id, int64_t now);

/* A publish of bargain_id reached a subscriber at now: the same hold,
 * without the question. */
void live_watch_extend(struct live_watches *watches, int64_t bargain_id, int64_t now);

/* Whether a change of bargain_id at now may have a watcher. */
bool live_watch_held(const struct live_watches *watches, int64_t bargain_id, int64_t now);

#endif

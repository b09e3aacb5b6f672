/* live_routes.c: who may open a live stream (API.md, "Live updates").
 *
 * nginx serves the streams themselves (nchan's subscriber locations); for
 * each new stream it asks the pool once, with nchan_authorize_request, on
 * the stream's own path. A 2xx lets the stream open; anything else is
 * passed to the client as it is, so the client sees the API's own 401 and
 * 404 envelopes. nginx turns ?token= into the Authorization header of that
 * request (EventSource cannot set headers), so the ordinary auth phase
 * checks the owner. Reached without nchan in front (an nginx without the
 * module), these answer 204 with no stream: the pages then poll. */
#include "live/live_routes.h"

#include "bargain/bargain.h"
#include "http/http.h"
#include "live/live.h"

/* The owner's stream: only the bargain's owner; 404 for anyone else's, as
 * GET /bargains/{id} answers. */
static int live_authorize_owner(struct request *request)
{
	int64_t bargain_id = http_path_id(request, 0);
	int status = http_outcome(request, bargain_owned(&request->work, bargain_id, request->session.user_id));
	if (status != 0)
		return status;
	live_watch_began(request, bargain_id); /* before nchan subscribes it */
	return http_reply(request, 204, NULL);
}

/* The share stream: public, but only for a share code that exists, so a
 * scanner cannot make nginx hold channels for codes that lead nowhere. */
static int live_authorize_share(struct request *request)
{
	int64_t bargain_id = 0;
	int status = http_outcome(request, bargain_code_known(&request->work, request->path_params[0], &bargain_id));
	if (status != 0)
		return status;
	live_watch_began(request, bargain_id);
	return http_reply(request, 204, NULL);
}

/* The routes this file serves; server/routes.c lists the table. */
static const struct route routes[] = {
	{ "GET", "/api/v1/bargains/{id}/events", live_authorize_owner, AUTH_SHOPPER, 0, NULL },
	{ "GET", "/api/v1/s/{code}/events", live_authorize_share, AUTH_NONE, 0, NULL },
};

const struct route_table live_route_table = { routes, sizeof(routes) / sizeof(routes[0]) };

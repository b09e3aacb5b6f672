/* http_status.h: the statuses kanjia answers with, as one X-macro list. */
#ifndef KANJIA_HTTP_STATUS_H
#define KANJIA_HTTP_STATUS_H

#define HTTP_STATUS_LIST(X) \
	X(200, "OK") \
	X(201, "Created") \
	X(202, "Accepted") \
	X(204, "No Content") \
	X(304, "Not Modified") \
	X(400, "Bad Request") \
	X(401, "Unauthorized") \
	X(403, "Forbidden") \
	X(404, "Not Found") \
	X(405, "Method Not Allowed") \
	X(409, "Conflict") \
	X(410, "Gone") \
	X(413, "Payload Too Large") \
	X(415, "Unsupported Media Type") \
	X(422, "Unprocessable Entity") \
	X(429, "Too Many Requests") \
	X(500, "Internal Server Error") \
	X(503, "Service Unavailable")

#endif

/* Answers of the node API: whole replies with a Content-Length, JSON
 * errors ({"error": "..."}), chunked streams, and waiting on a local file
 * descriptor while noticing a client that went away. Every reply closes
 * the connection afterwards (one request per connection). */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "clock.h"

static const char *reason(int status)
{
	switch (status) {
	case 101:
		return "Switching Protocols";
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 413:
		return "Payload Too Large";
	case 414:
		return "URI Too Long";
	case 426:
		return "Upgrade Required";
	case 431:
		return "Request Header Fields Too Large";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Internal Server Error";
	}
}

static int send_all(struct api_conn *c, const void *data, size_t len)
{
	struct sk_err err = {0};

	return tls_conn_wait_write(c->tls, data, len, sk_now_ms() + API_WRITE_MS, &err);
}

static int flush(struct api_conn *c)
{
	struct sk_err err = {0};

	return tls_conn_wait_flush(c->tls, sk_now_ms() + API_WRITE_MS, &err);
}

int api_reply(struct api_conn *c, int status, const char *type, const char *body, size_t len)
{
	char head[256];
	int n = snprintf(head, sizeof head,
			 "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\n\r\n",
			 status, reason(status), type, len);

	if (send_all(c, head, (size_t)n) < 0 || (len && send_all(c, body, len) < 0))
		return -1;
	return flush(c);
}

int api_reply_error(struct api_conn *c, int status, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (c->streaming) /* too late for a status: end the body early instead */
		return -1;
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "error", msg);
	char *text = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (!text)
		return -1;
	size_t len = strlen(text);
	text[len] = '\n'; /* replaces the NUL: the body is sent by length */
	int rc = api_reply(c, status, "application/json", text, len + 1);
	free(text);
	return rc;
}

int api_stream_begin(struct api_conn *c, const char *type)
{
	char head[256];
	int n = snprintf(head, sizeof head,
			 "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nTransfer-Encoding: chunked\r\n"
			 "Connection: close\r\n\r\n",
			 type);

	c->streaming = 1;
	if (send_all(c, head, (size_t)n) < 0)
		return -1;
	return flush(c);
}

int api_stream_write(struct api_conn *c, const void *data, size_t len)
{
	char size[24];
	int n = snprintf(size, sizeof size, "%zx\r\n", len);

	if (len == 0)
		return 0;
	if (send_all(c, size, (size_t)n) < 0 || send_all(c, data, len) < 0 ||
	    send_all(c, "\r\n", 2) < 0)
		return -1;
	return flush(c);
}

int api_stream_end(struct api_conn *c)
{
	c->streaming = 0;
	if (send_all(c, "0\r\n\r\n", 5) < 0)
		return -1;
	return flush(c);
}

/* The client sends nothing after its request: anything readable is its
 * close_notify, its end, or an error. */
static int client_alive(struct api_conn *c)
{
	unsigned char junk[512];

	if (tls_conn_pump(c->tls) < 0)
		return 0;
	while (tls_conn_read(c->tls, junk, sizeof junk) > 0)
		;
	return 1;
}

int api_wait(struct api_conn *c, int other_fd, int ms)
{
	struct pollfd p[2] = {{.fd = c->fd, .events = POLLIN | POLLRDHUP},
			      {.fd = other_fd, .events = POLLIN}};

	if (poll(p, other_fd >= 0 ? 2 : 1, ms) < 0 && errno != EINTR)
		return -1;
	if (p[0].revents && !client_alive(c))
		return -1;
	if (p[0].revents & (POLLHUP | POLLERR | POLLRDHUP))
		return -1;
	return other_fd >= 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR)) ? 1 : 0;
}

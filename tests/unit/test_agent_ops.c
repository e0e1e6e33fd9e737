/* The agent's operability parts: node API request parsing (hostile input
 * included), following a rotating log and resuming one, the log
 * shipper's bounded queue, alone and against a collector on a loopback
 * socket (what is sent again when the connection ends, reset or closed);
 * console stamps and the saved host ports read as the sscanf they
 * replaced did. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent/agent_internal.h"
#include "agent/api_http.h"
#include "agent/logfiles.h"
#include "agent/logship_internal.h"
#include "check.h"

static int parse(const char *head, struct api_request *r, int *status)
{
	struct sk_err err = {0};
	return api_request_parse(head, strlen(head), r, status, &err);
}

TEST(api_request_good)
{
	struct api_request r;
	int status = 0;

	CHECK(parse("GET /v1/tasks/t-1/logs?tail=10&follow=&container=web HTTP/1.1\r\n"
		    "Host: x\r\nUser-Agent: y\r\n\r\n",
		    &r, &status) == 0);
	CHECK_STREQ(r.method, "GET");
	CHECK(r.nseg == 4);
	CHECK_STREQ(r.seg[2], "t-1");
	CHECK_STREQ(api_param(&r, "tail"), "10");
	CHECK_STREQ(api_param(&r, "follow"), "");
	CHECK_STREQ(api_param(&r, "container"), "web");
	CHECK(api_param(&r, "since") == NULL);
	CHECK(r.content_length == -1 && !r.upgrade_exec);
	CHECK(parse("POST /v1/tasks/a%2Db/exec HTTP/1.1\r\nContent-Length: 12\r\n"
		    "Connection: keep-alive, Upgrade\r\nUpgrade: skiff-exec/1\r\n\r\n",
		    &r, &status) == 0);
	CHECK_STREQ(r.seg[2], "a-b");
	CHECK(r.content_length == 12 && r.upgrade_exec);
	CHECK(api_head_end("GET / HTTP/1.1\r\n\r\nrest", 22) == 18);
	CHECK(api_head_end("GET / HTTP/1.1\r\n", 16) == 0);
}

TEST(api_request_hostile)
{
	static const struct {
		const char *head;
		int status;
	} cases[] = {
	    {"GET /v1/tasks/../node HTTP/1.1\r\n\r\n", 400},
	    {"GET /v1/tasks/a%2Fb/logs HTTP/1.1\r\n\r\n", 400},
	    {"GET /v1/tasks/a%00b/logs HTTP/1.1\r\n\r\n", 400},
	    {"GET /v1/tasks/a%0d%0ab/logs HTTP/1.1\r\n\r\n", 400},
	    {"GET /v1/node%2 HTTP/1.1\r\n\r\n", 400},
	    {"GET /v1/node?tail=1&tail=2 HTTP/1.1\r\n\r\n", 400},
	    {"GET /v1/node HTTP/1.1\n\n", 400},
	    {"GET /v1/node HTTP/2.0\r\n\r\n", 505},
	    {"get /v1/node HTTP/1.1\r\n\r\n", 400},
	    {"GET http://x/v1/node HTTP/1.1\r\n\r\n", 400},
	    {"GET /v1/node#x HTTP/1.1\r\n\r\n", 400},
	    {"GET /v1/node HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n", 400},
	    {"GET /v1/node HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
	    {"GET /v1/node HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n", 413},
	    {"POST /v1/node HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 501},
	    {"GET /v1/node HTTP/1.1\r\n folded\r\n\r\n", 400},
	    {"GET /v1/node HTTP/1.1\r\nBad Name: x\r\n\r\n", 400},
	    {"GET /v1/node HTTP/1.1\r\nX: a\x01"
	     "b\r\n\r\n",
	     400},
	    {"\r\n\r\n", 400},
	};
	struct api_request r;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int status = 0;
		if (parse(cases[i].head, &r, &status) == 0 || status != cases[i].status)
			printf("  case %zu: status %d, want %d\n", i, status, cases[i].status);
		CHECK(status == cases[i].status);
	}
	/* too many headers, too long a target, a NUL in the head */
	char big[API_MAX_HEAD];
	size_t n = (size_t)snprintf(big, sizeof big, "GET /v1/node HTTP/1.1\r\n");
	for (int i = 0; i < API_MAX_HEADERS + 1; i++)
		n += (size_t)snprintf(big + n, sizeof big - n, "X%d: y\r\n", i);
	snprintf(big + n, sizeof big - n, "\r\n");
	int status = 0;
	CHECK(parse(big, &r, &status) < 0 && status == 431);
	memset(big, 'a', 1100);
	memcpy(big, "GET /", 5);
	snprintf(big + 1100, sizeof big - 1100, " HTTP/1.1\r\n\r\n");
	CHECK(parse(big, &r, &status) < 0 && status == 414);
	struct sk_err err = {0};
	CHECK(api_request_parse("GET / HTTP/1.1\r\n\0\r\n\r\n", 22, &r, &status, &err) < 0);
}

static void append(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
	CHECK(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
}

struct lines {
	char all[512];
};

static int collect(void *ctx, const char *line, size_t len)
{
	struct lines *l = ctx;
	size_t n = strlen(l->all);
	snprintf(l->all + n, sizeof l->all - n, "%.*s|", (int)len, line);
	return 0;
}

TEST(logreader_follows_rotation)
{
	char dir[] = "/tmp/skiff-logreader-XXXXXX", path[64], old[70];
	static struct logreader r;
	struct lines l = {""};

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/c.log", dir);
	snprintf(old, sizeof old, "%s.1", path);
	append(path, "one\ntw");
	logreader_open(&r, path);
	logreader_lines(&r, collect, &l);
	CHECK_STREQ(l.all, "one|");
	append(path, "o\nthree\n");
	rename(path, old); /* the writer rotates ... */
	append(path, "four\n");
	logreader_lines(&r, collect, &l);
	CHECK_STREQ(l.all, "one|two|three|four|");
	/* a saved position resumes in the rotated file */
	ino_t ino;
	off_t off;
	CHECK(logreader_position(&r, &ino, &off) == 0 && off == 5);
	logreader_close(&r);
	memset(&l, 0, sizeof l);
	logreader_open(&r, path);
	logreader_lines(&r, collect, &l);
	CHECK_STREQ(l.all, "one|two|three|four|");
	logreader_close(&r);
	memset(&l, 0, sizeof l);
	logreader_resume(&r, path, ino, 4);
	logreader_lines(&r, collect, &l);
	CHECK_STREQ(l.all, "|");
	logreader_close(&r);
	unlink(path), unlink(old), rmdir(dir);
}

/* The shipper drops a source and adds it again later from its saved
 * position; the new reader may sit where the old one did, with the old
 * one's half line still in it. */
TEST(logreader_resumed_in_used_memory)
{
	char dir[] = "/tmp/skiff-logreader-XXXXXX", path[64];
	struct logreader *r = malloc(sizeof *r);
	struct lines l = {""};
	ino_t ino;
	off_t off;

	CHECK(r && mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/c.log", dir);
	append(path, "one\ntw");
	logreader_open(r, path);
	logreader_lines(r, collect, &l);
	CHECK(logreader_position(r, &ino, &off) == 0 && off == 4 && r->len == 2);
	logreader_close(r);
	append(path, "o\nthree\n");
	memset(&l, 0, sizeof l);
	logreader_resume(r, path, ino, off);
	logreader_lines(r, collect, &l);
	CHECK_STREQ(l.all, "two|three|");
	logreader_close(r);
	memset(&l, 0, sizeof l);
	logreader_open(r, path);
	logreader_lines(r, collect, &l);
	CHECK_STREQ(l.all, "one|two|three|");
	logreader_close(r);
	free(r);
	unlink(path), rmdir(dir);
}

TEST(ship_queue_drops_oldest_and_counts)
{
	static struct ls_dest d;
	struct sk_err err = {0};
	char frame[100];

	CHECK(ls_dest_init(&d, "tcp://127.0.0.1:9", NULL, 1000, &err) == 0);
	for (int i = 0; i < 20; i++) {
		memset(frame, 'a' + i, sizeof frame);
		ls_dest_push(&d, frame, sizeof frame);
	}
	/* 104 bytes an entry: 9 fit in 1000, the 11 oldest were dropped */
	CHECK((d.q.end - d.q.start) / 104 == 9);
	CHECK(d.q.dropped == 11 && d.q.dropped_total == 11);
	CHECK(d.q.buf[d.q.start + 4] == 'a' + 11);
	/* a frame larger than the whole queue is dropped too */
	static char huge[2000];
	ls_dest_push(&d, huge, sizeof huge);
	CHECK(d.q.dropped == 12);
	free(d.q.buf);
}

/* A collector's listening socket on 127.0.0.1; its port in *port. */
static int listener(int *port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 4) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		return -1;
	*port = ntohs(sa.sin_port);
	return fd;
}

/* Steps the shipper at time now until cond holds (at most 2 s). */
#define STEP_UNTIL(d, now, cond)                                                                   \
	for (int tries_ = 0; tries_ < 200 && !(cond); tries_++) {                                  \
		struct pollfd p_ = {.fd = (d)->fd, .events = ls_dest_events(d)};                   \
		if (p_.fd >= 0)                                                                    \
			poll(&p_, 1, 10);                                                          \
		ls_dest_step((d), p_.fd >= 0 ? p_.revents : 0, "h", (now));                        \
	}

/* Reads what the collector got: n bytes, within 2 s. */
static size_t collect_bytes(int fd, size_t n)
{
	char buf[4096];
	size_t got = 0;
	struct pollfd p = {.fd = fd, .events = POLLIN};

	while (got < n && poll(&p, 1, 2000) > 0) {
		ssize_t r = read(fd, buf, sizeof buf);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return got;
}

TEST(ship_queue_resends_what_was_acknowledged_lately)
{
	static struct ls_dest d;
	struct sk_err err = {0};
	char frame[100], address[64];
	int port, lfd = listener(&port), c;
	int64_t now = 1000000;

	CHECK(lfd >= 0);
	snprintf(address, sizeof address, "tcp://127.0.0.1:%d", port);
	CHECK(ls_dest_init(&d, address, NULL, 4096, &err) == 0);
	for (int i = 0; i < 3; i++) {
		memset(frame, 'a' + i, sizeof frame);
		ls_dest_push(&d, frame, sizeof frame);
	}
	/* sent; the collector's kernel acknowledges, its process reads nothing */
	STEP_UNTIL(&d, now, d.fd >= 0 && !d.connecting);
	CHECK((c = accept(lfd, NULL, NULL)) >= 0);
	STEP_UNTIL(&d, now, d.q.start == d.q.end);
	CHECK(d.q.start == 3 * 104 && d.q.held == 0);
	/* it closes with the data unread: a reset, and all three go again */
	close(c);
	STEP_UNTIL(&d, now + 100, d.fd < 0);
	CHECK(d.fd < 0 && d.q.start == 0 && d.q.sent == 0 && d.q.end == 3 * 104);
	now += LS_RETRY_MAX_MS;
	STEP_UNTIL(&d, now, d.fd >= 0 && !d.connecting);
	CHECK((c = accept(lfd, NULL, NULL)) >= 0);
	STEP_UNTIL(&d, now, d.q.start == d.q.end);
	CHECK(collect_bytes(c, 3 * 100) == 3 * 100); /* on the wire: the frames alone */
	/* LS_HOLD_MS later they are not kept any more */
	now += LS_HOLD_MS;
	ls_dest_step(&d, 0, "h", now);
	CHECK(d.q.end == 0 && d.q.held == 0);
	/* one more, read by a relay that then closes cleanly (the collector
	 * behind it had closed first): it goes again all the same */
	ls_dest_push(&d, frame, sizeof frame);
	STEP_UNTIL(&d, now, d.q.start == d.q.end);
	CHECK(collect_bytes(c, 100) == 100);
	shutdown(c, SHUT_WR);
	STEP_UNTIL(&d, now + 100, d.fd < 0);
	CHECK(d.fd < 0 && d.q.start == 0 && d.q.sent == 0 && d.q.end == 104);
	close(c);
	now += LS_RETRY_MAX_MS;
	STEP_UNTIL(&d, now, d.fd >= 0 && !d.connecting);
	CHECK((c = accept(lfd, NULL, NULL)) >= 0);
	STEP_UNTIL(&d, now, d.q.start == d.q.end);
	CHECK(collect_bytes(c, 100) == 100);
	/* a close LS_HOLD_MS after the acknowledgement: nothing goes again */
	now += LS_HOLD_MS;
	shutdown(c, SHUT_WR);
	STEP_UNTIL(&d, now, d.fd < 0);
	CHECK(d.fd < 0 && d.q.start == d.q.end && d.q.sent == d.q.end);
	close(c);
	close(lfd);
	free(d.q.buf);
}

/* Each line once through sscanf("[%lld.%3d]%n"), as console_time read
 * stamps, and once through logship_console_stamp. */
TEST(console_stamps_read_as_sscanf_did)
{
	static const char *const lines[] = {
	    "[   12.345] init: ready",
	    "[0.001]",
	    "[12.3456] x",
	    "[12.34] x",
	    "[ -3.+12]x",
	    "[1. 5] x",
	    "[1.]",
	    "[.5] x",
	    "12.345] x",
	    "[12,345] x",
	    "[12.345 x",
	    "",
	    "[",
	    "[99999999999.999]",
	};
	for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
		long long s = 0, want_s = 0;
		int ms = 0, want_ms = 0, n = 0;
		size_t len = strlen(lines[i]);

		int ok = sscanf(lines[i], "[%lld.%3d]%n", &want_s, &want_ms, &n) == 2 && n > 0;
		size_t got = logship_console_stamp(lines[i], len, &s, &ms);
		CHECK(got == (ok ? (size_t)n : 0));
		if (ok)
			CHECK(s == want_s && ms == want_ms);
	}
	/* a stamp that runs past the line is none */
	long long s;
	int ms;
	CHECK(logship_console_stamp("[1.234]", 6, &s, &ms) == 0);
	CHECK(logship_console_stamp("[1.234]", 7, &s, &ms) == 7 && s == 1 && ms == 234);
}

/* The ports file as ports_save writes it, and what fscanf("%u %u %u %u")
 * stopped at. */
TEST(saved_ports_parse)
{
	struct port_binding p[4];

	CHECK(ports_parse("0 6 80 32768\n1 17 53 53\n", p, 4) == 2);
	CHECK(p[0].container == 0 && p[0].proto == 6 && p[0].container_port == 80 &&
	      p[0].host_port == 32768);
	CHECK(p[1].container == 1 && p[1].proto == 17 && p[1].host_port == 53);
	CHECK(ports_parse("0 6 80 1\n0 6 81 x\n0 6 82 3\n", p, 4) == 1);
	CHECK(ports_parse("0 6 80\n", p, 4) == 0);
	CHECK(ports_parse("", p, 4) == 0);
	CHECK(ports_parse("0 6 1 1 0 6 2 2 0 6 3 3", p, 2) == 2 && p[1].container_port == 2);
}

int main(void)
{
	RUN(api_request_good);
	RUN(api_request_hostile);
	RUN(logreader_follows_rotation);
	RUN(logreader_resumed_in_used_memory);
	RUN(ship_queue_drops_oldest_and_counts);
	RUN(ship_queue_resends_what_was_acknowledged_lately);
	RUN(console_stamps_read_as_sscanf_did);
	RUN(saved_ports_parse);
	return check_summary();
}

/* Wire formats of logs and exec: RFC 5424 frames and collector addresses
 * (lib/syslog.c), CRI log records (lib/crilog.c), exec stream frames
 * (lib/nodeapi_frame.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "crilog.h"
#include "nodeapi.h"
#include "syslog.h"

TEST(syslog_frame_is_octet_counted_rfc5424)
{
	char buf[SYSLOG_MAX_FRAME];
	struct syslog_msg m = {.facility = 3,
			       .severity = SYSLOG_ERR,
			       .time_us = 1714564800123456,
			       .hostname = "node 1",
			       .app = "web",
			       .msgid = "stderr",
			       .text = "boom\n",
			       .text_len = 5};
	m.sd_name[0] = "task", m.sd_value[0] = "t-1";
	m.sd_name[1] = "odd", m.sd_value[1] = "a\"b]c\\";
	m.nsd = 2;
	size_t n = syslog_frame(&m, buf, sizeof buf);
	buf[n] = '\0';
	const char *want = "<27>1 2024-05-01T12:00:00.123456Z node_1 web - stderr "
			   "[skiff@32473 task=\"t-1\" odd=\"a\\\"b\\]c\\\\\"] boom";
	char head[16];
	snprintf(head, sizeof head, "%zu ", strlen(want));
	CHECK(strncmp(buf, head, strlen(head)) == 0);
	CHECK_STREQ(buf + strlen(head), want);
}

TEST(syslog_frame_cuts_long_text_and_fills_empty_fields)
{
	static char text[20000];
	char buf[SYSLOG_MAX_FRAME];
	struct syslog_msg m = {.facility = 99, .severity = SYSLOG_INFO, .time_us = 0, .text = text};

	memset(text, 'x', sizeof text);
	m.text_len = sizeof text;
	size_t n = syslog_frame(&m, buf, sizeof buf);
	CHECK(n > 0 && n <= SYSLOG_MAX_FRAME);
	long len = strtol(buf, NULL, 10);
	CHECK(len == (long)(n - (size_t)(strchr(buf, ' ') - buf) - 1));
	CHECK(len <= SYSLOG_MAX_MSG);
	/* facility out of range: daemon; empty host, app, msgid: "-" */
	CHECK(strncmp(strchr(buf, ' ') + 1, "<30>1 1970-01-01T00:00:00.000000Z - - - - - xxx",
		      47) == 0);
}

TEST(syslog_addresses)
{
	struct syslog_addr a;
	struct sk_err err = {0};

	CHECK(syslog_addr_parse("tcp://10.0.2.2:514", &a, &err) == 0 && !a.tls);
	CHECK_STREQ(a.host, "10.0.2.2");
	CHECK_STREQ(a.port, "514");
	CHECK(syslog_addr_parse("tcp+tls://[fd00::1]:6514", &a, &err) == 0 && a.tls);
	CHECK_STREQ(a.host, "fd00::1");
	CHECK(syslog_addr_parse("udp://h:514", &a, &err) < 0 && strstr(err.msg, "udp://h:514"));
	CHECK(syslog_addr_parse("tcp://h", &a, &err) < 0);
	CHECK(syslog_addr_parse("tcp://h:0", &a, &err) < 0);
	CHECK(syslog_addr_parse("tcp://h:99999", &a, &err) < 0);
	CHECK(syslog_addr_parse("tcp://:514", &a, &err) < 0);
	CHECK(syslog_addr_parse("tcp://h:514/x", &a, &err) < 0);
	CHECK(syslog_facility("daemon") == 3 && syslog_facility("local7") == 23);
	CHECK(syslog_facility("local8") < 0 && syslog_facility("bogus") < 0);
}

TEST(cri_records_round_trip)
{
	char buf[256];
	struct crilog_rec r = {.ns = 1714564800123456789,
			       .err = 1,
			       .partial = 1,
			       .text = "half",
			       .len = 4},
			  back;
	size_t n = crilog_format(buf, sizeof buf, &r);

	CHECK(n == strlen("2024-05-01T12:00:00.123456789Z stderr P half\n"));
	CHECK(memcmp(buf, "2024-05-01T12:00:00.123456789Z stderr P half\n", n) == 0);
	CHECK(crilog_parse(buf, n - 1, &back) == 0);
	CHECK(back.ns == r.ns && back.err && back.partial && back.len == 4);
	CHECK(memcmp(back.text, "half", 4) == 0);
	CHECK(crilog_parse("2024-05-01T12:00:00Z stdout F ", 30, &back) == 0 && back.len == 0);
	CHECK(crilog_parse("2024-05-01T12:00:00Z stdin F x", 30, &back) < 0);
	CHECK(crilog_parse("2024-05-01T12:00:00Z stdout X x", 31, &back) < 0);
	CHECK(crilog_parse("yesterday stdout F x", 20, &back) < 0);
}

TEST(rfc3339_times)
{
	CHECK(crilog_parse_time("1970-01-01T00:00:00Z", 20) == 0);
	CHECK(crilog_parse_time("2024-05-01T14:00:00+02:00", 25) ==
	      crilog_parse_time("2024-05-01T12:00:00Z", 20));
	CHECK(crilog_parse_time("2024-05-01T12:00:00.5Z", 22) ==
	      crilog_parse_time("2024-05-01T12:00:00Z", 20) + 500000000);
	CHECK(crilog_parse_time("2024-02-29T00:00:00Z", 20) == 1709164800LL * 1000000000);
	CHECK(crilog_parse_time("2024-13-01T00:00:00Z", 20) < 0);
	CHECK(crilog_parse_time("2024-05-01 12:00:00Z", 20) < 0);
	CHECK(crilog_parse_time("2024-05-01T12:00:00.Z", 21) < 0);
	CHECK(crilog_parse_time("2024-05-01T12:00:00+2:00", 24) < 0);
}

struct frames {
	int types[8];
	size_t lens[8];
	int n;
};

static int on_frame(void *ctx, int type, const unsigned char *p, size_t len, struct sk_err *err)
{
	struct frames *f = ctx;
	if (f->n < 8) {
		f->types[f->n] = type;
		f->lens[f->n++] = len;
	}
	return 0;
}

TEST(exec_frames_any_split)
{
	unsigned char stream[64];
	size_t len = 0;

	frame_header(stream, FRAME_STDOUT, 5);
	memcpy(stream + 8, "hello", 5);
	frame_header(stream + 13, FRAME_STDIN_EOF, 0);
	frame_header(stream + 21, FRAME_EXIT, 4);
	memcpy(stream + 29, "\0\0\0\7", 4);
	len = 33;
	for (size_t step = 1; step <= len; step++) {
		struct frame_parser *p = malloc(sizeof *p);
		struct frames f = {0};
		struct sk_err err = {0};
		frame_parser_init(p);
		for (size_t off = 0; off < len; off += step)
			CHECK(frame_feed(p, stream + off, off + step > len ? len - off : step,
					 on_frame, &f, &err) == 0);
		CHECK(f.n == 3 && f.types[0] == FRAME_STDOUT && f.lens[0] == 5);
		CHECK(f.types[1] == FRAME_STDIN_EOF && f.lens[1] == 0);
		CHECK(f.types[2] == FRAME_EXIT && f.lens[2] == 4);
		free(p);
	}
}

TEST(exec_frames_refuse_bad_headers)
{
	struct frame_parser *p = malloc(sizeof *p);
	struct frames f = {0};
	struct sk_err err = {0};
	unsigned char h[8];

	frame_parser_init(p);
	frame_header(h, FRAME_STDIN, FRAME_MAX_LEN + 1);
	CHECK(frame_feed(p, h, 8, on_frame, &f, &err) < 0 && strstr(err.msg, "at most"));
	frame_parser_init(p);
	frame_header(h, 9, 0);
	CHECK(frame_feed(p, h, 8, on_frame, &f, &err) < 0);
	frame_parser_init(p);
	frame_header(h, FRAME_STDIN, 1);
	h[2] = 1;
	CHECK(frame_feed(p, h, 8, on_frame, &f, &err) < 0);
	CHECK(f.n == 0);
	free(p);
}

int main(void)
{
	RUN(syslog_frame_is_octet_counted_rfc5424);
	RUN(syslog_frame_cuts_long_text_and_fills_empty_fields);
	RUN(syslog_addresses);
	RUN(cri_records_round_trip);
	RUN(rfc3339_times);
	RUN(exec_frames_any_split);
	RUN(exec_frames_refuse_bad_headers);
	return check_summary();
}

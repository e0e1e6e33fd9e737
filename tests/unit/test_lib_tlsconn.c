/* Mutual TLS between a tls_conn client and server over a socketpair, with
 * certificates from lib/x509_issue.c: who is accepted and who is refused,
 * and data both ways. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "tls_conn.h"
#include "x509_issue.h"

static char dir[] = "/tmp/skiff-tlsconn-XXXXXX";

static void save(const char *name, const char *ext, const char *text)
{
	char path[128];
	snprintf(path, sizeof path, "%s/%s.%s", dir, name, ext);
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

/* NAME.crt/.key signed by CA (NULL: a self-signed CA). */
static void issue(const char *name, enum x509_kind kind, const char *o, const char *ca)
{
	struct x509_key k;
	struct x509_request r = {.kind = kind, .cn = name, .o = o};
	struct tls_identity *issuer = NULL;
	struct sk_err err = {0};
	unsigned char *der = NULL;
	char *pem = NULL, crt[128], key[128];
	size_t len;

	r.not_before = time(NULL) - 60;
	r.not_after = time(NULL) + 3600;
	CHECK(x509_key_generate(&k, &err) == 0);
	r.subject_key = &k;
	if (ca) {
		snprintf(crt, sizeof crt, "%s/%s.crt", dir, ca);
		snprintf(key, sizeof key, "%s/%s.key", dir, ca);
		CHECK(tls_identity_load("CA", crt, key, &issuer, &err) == 0);
	}
	CHECK(x509_issue(&r, issuer, &der, &len, &err) == 0);
	CHECK(x509_cert_pem(der, len, &pem, &err) == 0);
	save(name, "crt", pem);
	free(pem);
	CHECK(x509_key_pem(&k, &pem, &err) == 0);
	save(name, "key", pem);
	free(pem);
	free(der);
	tls_identity_free(issuer);
}

static struct tls_identity *identity(const char *name)
{
	struct tls_identity *id = NULL;
	struct sk_err err = {0};
	char crt[128], key[128];

	snprintf(crt, sizeof crt, "%s/%s.crt", dir, name);
	snprintf(key, sizeof key, "%s/%s.key", dir, name);
	CHECK(tls_identity_load("test", crt, key, &id, &err) == 0);
	return id;
}

static void anchors(const char *ca, struct tls_anchors *a)
{
	struct sk_err err = {0};
	char crt[128];

	snprintf(crt, sizeof crt, "%s/%s.crt", dir, ca);
	CHECK(tls_anchors_load(crt, a, &err) == 0);
}

struct outcome {
	int client_ok, server_ok;
	char client_why[300], server_why[300], got[64];
	char server_peer[128];
};

/* Client CLIENT (trusting CA "ca") talks to server SERVER (trusting CA
 * "ca"); the client may require a common name. Both run here, pumped in
 * turns over a non-blocking socketpair. */
static void talk(const char *client, const char *server, const char *client_ca, const char *want_cn,
		 struct outcome *o)
{
	int sv[2];
	struct tls_anchors ca = {0}, cca = {0};
	struct tls_identity *cid = identity(client), *sid = identity(server);
	struct tls_conn *c = NULL, *s = NULL;
	struct sk_err err = {0};

	memset(o, 0, sizeof *o);
	anchors("ca", &ca);
	anchors(client_ca, &cca);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
	struct tls_conn_opts so = {.id = sid, .ca = &ca, .peer_role = X509_ROLE_OPERATOR};
	struct tls_conn_opts co = {
	    .id = cid, .ca = &cca, .peer_role = X509_ROLE_NODE, .peer_cn = want_cn};
	CHECK(tls_conn_server(sv[0], &so, &s, &err) == 0);
	CHECK(tls_conn_client(sv[1], &co, &c, &err) == 0);
	int cdead = 0, sdead = 0;
	for (int i = 0; i < 200 && !(cdead && sdead); i++) {
		if (!cdead && tls_conn_ready(c) && !o->client_ok) {
			o->client_ok = 1;
			tls_conn_write(c, "ping", 4);
			tls_conn_flush(c);
		}
		if (!cdead && tls_conn_pump(c) < 0) {
			cdead = 1;
			close(sv[1]);
		}
		if (!sdead && tls_conn_pump(s) < 0) {
			sdead = 1;
			close(sv[0]);
		}
		if (!sdead && tls_conn_ready(s)) {
			o->server_ok = 1;
			size_t n = tls_conn_read(s, o->got, sizeof o->got - 1);
			if (n) {
				o->got[n] = '\0';
				break;
			}
		}
	}
	tls_conn_describe(c, o->client_why, sizeof o->client_why);
	tls_conn_describe(s, o->server_why, sizeof o->server_why);
	snprintf(o->server_peer, sizeof o->server_peer, "%s", tls_conn_peer(s)->cn);
	tls_conn_free(c);
	tls_conn_free(s);
	if (!cdead)
		close(sv[1]);
	if (!sdead)
		close(sv[0]);
	tls_identity_free(cid);
	tls_identity_free(sid);
	tls_anchors_free(&ca);
	tls_anchors_free(&cca);
}

TEST(operator_and_node_talk)
{
	struct outcome o;

	talk("alice", "node1", "ca", "node1", &o);
	CHECK(o.client_ok && o.server_ok);
	CHECK_STREQ(o.got, "ping");
	CHECK_STREQ(o.server_peer, "alice");
}

TEST(refusals)
{
	struct outcome o;

	/* a node's certificate is not an operator's */
	talk("node2", "node1", "ca", NULL, &o);
	CHECK(!o.got[0] && strstr(o.server_why, "has role \"skiff:node\", not \"skiff:operator\""));
	/* another CA's operator */
	talk("mallory", "node1", "ca", NULL, &o);
	CHECK(!o.got[0] && strstr(o.server_why, "not signed by the cluster CA"));
	/* the client expects another node */
	talk("alice", "node1", "ca", "node2", &o);
	CHECK(!o.got[0] && strstr(o.client_why, "CN=node1's, not node2's"));
	/* an operator posing as a node */
	talk("alice", "alice", "ca", NULL, &o);
	CHECK(!o.got[0] && strstr(o.client_why, "not \"skiff:node\""));
	/* the client trusts another CA */
	talk("alice", "node1", "other", NULL, &o);
	CHECK(!o.got[0] && strstr(o.client_why, "not signed by the cluster CA"));
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	issue("ca", X509_CA, "skiff", NULL);
	issue("other", X509_CA, "skiff", NULL);
	issue("node1", X509_SERVER_CLIENT, X509_ROLE_NODE, "ca");
	issue("node2", X509_SERVER_CLIENT, X509_ROLE_NODE, "ca");
	issue("alice", X509_CLIENT, X509_ROLE_OPERATOR, "ca");
	issue("mallory", X509_CLIENT, X509_ROLE_OPERATOR, "other");
	RUN(operator_and_node_talk);
	RUN(refusals);
	char cmd[64];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return check_summary();
}

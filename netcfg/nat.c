/* nftables rules for the container bridge, spoken directly over
 * nfnetlink with libnl's message builder (libnftnl/libmnl sources were not
 * available to build against musl, and the handful of expressions needed
 * here fit in this file). Everything lives in table "ip skiff":
 *   postrouting (nat, prio 100): ip saddr SUBNET oifname != BRIDGE masquerade
 *   p-TAG / o-TAG (nat prerouting / output, prio -100), one pair per task:
 *     fib daddr type local meta l4proto P th dport H dnat to IP:C
 * so that detaching a task deletes its two chains and nothing else. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <stdlib.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "internal.h"

#define TABLE "skiff"

struct batch {
	char buf[16384];
	size_t len;
	int n_acks;
	bool full;
};

static void append(struct batch *b, struct nl_msg *m)
{
	struct nlmsghdr *h;
	size_t len;

	if (!m) {
		b->full = true;
		return;
	}
	h = nlmsg_hdr(m);
	len = NLMSG_ALIGN(h->nlmsg_len);
	h->nlmsg_seq = (uint32_t)b->len + 1; /* unique within the batch */
	if (b->len + len > sizeof b->buf)
		b->full = true;
	else
		memcpy(b->buf + b->len, h, len), b->len += len;
	if (h->nlmsg_flags & NLM_F_ACK)
		b->n_acks++;
	nlmsg_free(m);
}

static struct nl_msg *msg_new(int type, int flags)
{
	struct nl_msg *m = nlmsg_alloc();
	struct nfgenmsg g = {.nfgen_family = NFPROTO_IPV4, .version = NFNETLINK_V0};
	struct nlmsghdr *h;

	if (type == NFNL_MSG_BATCH_BEGIN || type == NFNL_MSG_BATCH_END) {
		g.nfgen_family = AF_UNSPEC;
		g.res_id = htons(NFNL_SUBSYS_NFTABLES);
	} else {
		type |= NFNL_SUBSYS_NFTABLES << 8;
		flags |= NLM_F_ACK;
	}
	if (!m || !(h = nlmsg_put(m, NL_AUTO_PORT, 0, type, sizeof g, NLM_F_REQUEST | flags))) {
		nlmsg_free(m);
		return NULL;
	}
	memcpy(nlmsg_data(h), &g, sizeof g);
	return m;
}

static void begin(struct batch *b)
{
	b->len = 0;
	b->n_acks = 0;
	b->full = false;
	append(b, msg_new(NFNL_MSG_BATCH_BEGIN, 0));
}

static void put_be32(struct nl_msg *m, int attr, uint32_t v)
{
	nla_put_u32(m, attr, htonl(v));
}

static void put_data(struct nl_msg *m, int attr, const void *data, int len)
{
	struct nlattr *n = nla_nest_start(m, attr);

	nla_put(m, NFTA_DATA_VALUE, len, data);
	nla_nest_end(m, n);
}

static void table_msg(struct batch *b, int type, int flags)
{
	struct nl_msg *m = msg_new(type, flags);

	if (m)
		nla_put_string(m, NFTA_TABLE_NAME, TABLE);
	append(b, m);
}

static void chain_msg(struct batch *b, int type, const char *name, int hook, int prio)
{
	struct nl_msg *m = msg_new(type, type == NFT_MSG_NEWCHAIN ? NLM_F_CREATE : 0);
	struct nlattr *h;

	if (m) {
		nla_put_string(m, NFTA_CHAIN_TABLE, TABLE);
		nla_put_string(m, NFTA_CHAIN_NAME, name);
	}
	if (m && type == NFT_MSG_NEWCHAIN) {
		h = nla_nest_start(m, NFTA_CHAIN_HOOK);
		put_be32(m, NFTA_HOOK_HOOKNUM, (uint32_t)hook);
		put_be32(m, NFTA_HOOK_PRIORITY, (uint32_t)prio);
		nla_nest_end(m, h);
		nla_put_string(m, NFTA_CHAIN_TYPE, "nat");
	}
	append(b, m);
}

static void flush_msg(struct batch *b, const char *chain)
{
	struct nl_msg *m = msg_new(NFT_MSG_DELRULE, 0);

	if (m) {
		nla_put_string(m, NFTA_RULE_TABLE, TABLE);
		nla_put_string(m, NFTA_RULE_CHAIN, chain);
	}
	append(b, m);
}

/* ---- expressions ---- */

static struct nlattr *expr(struct nl_msg *m, const char *name, struct nlattr **data)
{
	struct nlattr *elem = nla_nest_start(m, NFTA_LIST_ELEM);

	nla_put_string(m, NFTA_EXPR_NAME, name);
	*data = nla_nest_start(m, NFTA_EXPR_DATA);
	return elem;
}

static void expr_end(struct nl_msg *m, struct nlattr *elem, struct nlattr *data)
{
	nla_nest_end(m, data);
	nla_nest_end(m, elem);
}

static void e_payload(struct nl_msg *m, int base, int offset, int len)
{
	struct nlattr *d, *e = expr(m, "payload", &d);

	put_be32(m, NFTA_PAYLOAD_DREG, NFT_REG_1);
	put_be32(m, NFTA_PAYLOAD_BASE, (uint32_t)base);
	put_be32(m, NFTA_PAYLOAD_OFFSET, (uint32_t)offset);
	put_be32(m, NFTA_PAYLOAD_LEN, (uint32_t)len);
	expr_end(m, e, d);
}

static void e_meta(struct nl_msg *m, int key)
{
	struct nlattr *d, *e = expr(m, "meta", &d);

	put_be32(m, NFTA_META_KEY, (uint32_t)key);
	put_be32(m, NFTA_META_DREG, NFT_REG_1);
	expr_end(m, e, d);
}

static void e_cmp(struct nl_msg *m, int op, const void *data, int len)
{
	struct nlattr *d, *e = expr(m, "cmp", &d);

	put_be32(m, NFTA_CMP_SREG, NFT_REG_1);
	put_be32(m, NFTA_CMP_OP, (uint32_t)op);
	put_data(m, NFTA_CMP_DATA, data, len);
	expr_end(m, e, d);
}

static void e_mask(struct nl_msg *m, const void *mask, int len)
{
	struct nlattr *d, *e = expr(m, "bitwise", &d);
	static const unsigned char zero[16];

	put_be32(m, NFTA_BITWISE_SREG, NFT_REG_1);
	put_be32(m, NFTA_BITWISE_DREG, NFT_REG_1);
	put_be32(m, NFTA_BITWISE_LEN, (uint32_t)len);
	put_data(m, NFTA_BITWISE_MASK, mask, len);
	put_data(m, NFTA_BITWISE_XOR, zero, len);
	expr_end(m, e, d);
}

static void e_fib_local(struct nl_msg *m)
{
	struct nlattr *d, *e = expr(m, "fib", &d);
	uint32_t local = RTN_LOCAL;

	put_be32(m, NFTA_FIB_DREG, NFT_REG_1);
	put_be32(m, NFTA_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
	put_be32(m, NFTA_FIB_FLAGS, NFTA_FIB_F_DADDR);
	expr_end(m, e, d);
	e_cmp(m, NFT_CMP_EQ, &local, sizeof local);
}

static void e_immediate(struct nl_msg *m, int reg, const void *data, int len)
{
	struct nlattr *d, *e = expr(m, "immediate", &d);

	put_be32(m, NFTA_IMMEDIATE_DREG, (uint32_t)reg);
	put_data(m, NFTA_IMMEDIATE_DATA, data, len);
	expr_end(m, e, d);
}

static void e_dnat(struct nl_msg *m)
{
	struct nlattr *d, *e = expr(m, "nat", &d);

	put_be32(m, NFTA_NAT_TYPE, NFT_NAT_DNAT);
	put_be32(m, NFTA_NAT_FAMILY, NFPROTO_IPV4);
	put_be32(m, NFTA_NAT_REG_ADDR_MIN, NFT_REG_1);
	put_be32(m, NFTA_NAT_REG_PROTO_MIN, NFT_REG_2);
	expr_end(m, e, d);
}

static void e_masq(struct nl_msg *m)
{
	struct nlattr *d, *e = expr(m, "masq", &d);

	expr_end(m, e, d);
}

static struct nl_msg *rule_begin(const char *chain, struct nlattr **list)
{
	struct nl_msg *m = msg_new(NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND);

	if (m) {
		nla_put_string(m, NFTA_RULE_TABLE, TABLE);
		nla_put_string(m, NFTA_RULE_CHAIN, chain);
		*list = nla_nest_start(m, NFTA_RULE_EXPRESSIONS);
	}
	return m;
}

static void masq_rule(struct batch *b, const char *bridge, const struct netcfg_prefix *subnet)
{
	struct nlattr *list;
	struct nl_msg *m = rule_begin("postrouting", &list);
	unsigned char mask[4] = {0}, net[4], ifname[IFNAMSIZ] = {0};

	for (int bit = 0; bit < subnet->len; bit++)
		mask[bit / 8] |= (unsigned char)(0x80 >> (bit % 8));
	for (int i = 0; i < 4; i++)
		net[i] = subnet->addr[i] & mask[i];
	snprintf((char *)ifname, sizeof ifname, "%s", bridge);
	if (m) {
		e_payload(m, NFT_PAYLOAD_NETWORK_HEADER, 12, 4); /* ip saddr */
		e_mask(m, mask, 4);
		e_cmp(m, NFT_CMP_EQ, net, 4);
		e_meta(m, NFT_META_OIFNAME);
		e_cmp(m, NFT_CMP_NEQ, ifname, IFNAMSIZ);
		e_masq(m);
		nla_nest_end(m, list);
	}
	append(b, m);
}

static void dnat_rule(struct batch *b, const char *chain, const struct netcfg_prefix *ip,
		      const struct netcfg_port_map *p)
{
	struct nlattr *list;
	struct nl_msg *m = rule_begin(chain, &list);
	uint8_t proto = (uint8_t)p->proto;
	uint16_t hport = htons(p->host_port), cport = htons(p->container_port);

	if (m) {
		e_fib_local(m);
		e_meta(m, NFT_META_L4PROTO);
		e_cmp(m, NFT_CMP_EQ, &proto, 1);
		e_payload(m, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2); /* dport */
		e_cmp(m, NFT_CMP_EQ, &hport, 2);
		e_immediate(m, NFT_REG_1, ip->addr, 4);
		e_immediate(m, NFT_REG_2, &cport, 2);
		e_dnat(m);
		nla_nest_end(m, list);
	}
	append(b, m);
}

/* ---- sending ---- */

static int read_acks(struct nc_sock *s, struct batch *b, struct sk_err *err)
{
	int acks = 0;

	while (acks < b->n_acks) {
		struct sockaddr_nl peer;
		unsigned char *buf = NULL;
		int n = nl_recv(s->sk, &peer, &buf, NULL), e = 0;
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		if (n <= 0)
			return sk_fail(err, EIO, "nftables: no answer from the kernel");
		for (; nlmsg_ok(h, n); h = nlmsg_next(h, &n))
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *me = nlmsg_data(h);
				acks++;
				if (me->error && !e)
					e = -me->error;
			}
		free(buf);
		if (e)
			return sk_fail(err, e, "nftables");
	}
	return 0;
}

static int commit(struct batch *b, struct sk_err *err)
{
	struct nc_sock s;
	int r;

	append(b, msg_new(NFNL_MSG_BATCH_END, 0));
	if (b->full)
		return sk_fail(err, ENOMEM, "nftables: batch too large");
	if (nc_sock_open(&s, NETLINK_NETFILTER, err) < 0)
		return -1;
	r = nl_sendto(s.sk, b->buf, b->len);
	if (r < 0)
		r = sk_fail(err, nc_errno(&s, r), "nftables: send");
	else
		r = read_acks(&s, b, err);
	nc_sock_close(&s);
	return r;
}

int nc_nat_masquerade(const char *bridge, const struct netcfg_prefix *subnet, struct sk_err *err)
{
	static struct batch b;

	begin(&b);
	table_msg(&b, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	chain_msg(&b, NFT_MSG_NEWCHAIN, "postrouting", NF_INET_POST_ROUTING, 100);
	flush_msg(&b, "postrouting");
	masq_rule(&b, bridge, subnet);
	return commit(&b, err) < 0 ? sk_wrap(err, "masquerade") : 0;
}

int nc_nat_remove_all(struct sk_err *err)
{
	static struct batch b;

	begin(&b);
	table_msg(&b, NFT_MSG_DELTABLE, 0);
	if (commit(&b, err) < 0 && err->errnum != ENOENT)
		return sk_wrap(err, "remove table %s", TABLE);
	return 0;
}

int nc_nat_ports_add(const char *tag, const struct netcfg_prefix *ip,
		     const struct netcfg_port_map *maps, size_t n, struct sk_err *err)
{
	static struct batch b;
	char pre[32], out[32];

	snprintf(pre, sizeof pre, "p-%s", tag);
	snprintf(out, sizeof out, "o-%s", tag);
	begin(&b);
	table_msg(&b, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	chain_msg(&b, NFT_MSG_NEWCHAIN, pre, NF_INET_PRE_ROUTING, -100);
	chain_msg(&b, NFT_MSG_NEWCHAIN, out, NF_INET_LOCAL_OUT, -100);
	flush_msg(&b, pre);
	flush_msg(&b, out);
	for (size_t i = 0; i < n; i++) {
		dnat_rule(&b, pre, ip, &maps[i]);
		dnat_rule(&b, out, ip, &maps[i]);
	}
	return commit(&b, err) < 0 ? sk_wrap(err, "port mappings") : 0;
}

int nc_nat_ports_remove(const char *tag, struct sk_err *err)
{
	static struct batch b;
	char pre[32], out[32];

	snprintf(pre, sizeof pre, "p-%s", tag);
	snprintf(out, sizeof out, "o-%s", tag);
	begin(&b);
	flush_msg(&b, pre);
	chain_msg(&b, NFT_MSG_DELCHAIN, pre, 0, 0);
	flush_msg(&b, out);
	chain_msg(&b, NFT_MSG_DELCHAIN, out, 0, 0);
	if (commit(&b, err) < 0 && err->errnum != ENOENT)
		return sk_wrap(err, "remove port mappings");
	return 0;
}

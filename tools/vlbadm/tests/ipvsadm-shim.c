// SPDX-License-Identifier: GPL-2.0
/*
 * ipvsadm-shim: an LD_PRELOAD library that lets Debian's real ipvsadm run on a
 * machine without ip_vs, so its exact output and parsing can be compared with
 * vlbadm's on the host. It replaces the few libnl calls libipvs makes: the
 * family resolves to a made-up id, requests are logged to $SHIM_LOG in the
 * same canonical text form the vlbadm tests print, and dump requests are
 * answered from the state file $SHIM_STATE (tests/state format, see
 * state.c). /proc/net/ip_vs_conn is served from $SHIM_CONN. $SHIM_ERRNO makes
 * every configuration request fail with that errno. Test-only code.
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/ip_vs.h>
#include <linux/netlink.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"

typedef int (*nl_cb_t)(void *msg, void *arg);
typedef int (*nl_errcb_t)(void *nla, struct nlmsgerr *err, void *arg);

static nl_cb_t valid_cb;
static void *valid_arg;
static nl_errcb_t err_cb;
static void *err_arg;
static struct state st;
static int st_loaded;
static unsigned char replies[1 << 22];
static size_t replies_len;
static int pending_errno;

#define FAMILY_ID 0x42

int genl_connect(void *sk) { (void)sk; return 0; }
int genl_ctrl_resolve(void *sk, const char *name) { (void)sk; (void)name; return FAMILY_ID; }

int nl_socket_modify_cb(void *sk, int type, int kind, nl_cb_t func, void *arg)
{
	(void)sk; (void)type; (void)kind;
	valid_cb = func;
	valid_arg = arg;
	return 0;
}

int nl_socket_modify_err_cb(void *sk, int kind, nl_errcb_t func, void *arg)
{
	(void)sk; (void)kind;
	err_cb = func;
	err_arg = arg;
	return 0;
}

static void load_state(void)
{
	const char *p = getenv("SHIM_STATE");

	if (st_loaded)
		return;
	st_loaded = 1;
	state_init(&st);
	if (p && state_load(&st, p)) {
		fprintf(stderr, "shim: cannot load %s\n", p);
		exit(99);
	}
}

/* --- building replies ---------------------------------------------------- */

static struct nlmsghdr *cur;

static void msg_begin(int cmd)
{
	cur = (struct nlmsghdr *)(replies + replies_len);
	memset(cur, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	cur->nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN;
	cur->nlmsg_type = FAMILY_ID;
	((struct genlmsghdr *)NLMSG_DATA(cur))->cmd = cmd;
	((struct genlmsghdr *)NLMSG_DATA(cur))->version = 1;
}

static void msg_end(void)
{
	replies_len += NLMSG_ALIGN(cur->nlmsg_len);
}

static struct nlattr *put(int type, const void *data, size_t len)
{
	struct nlattr *a = (struct nlattr *)((char *)cur + NLMSG_ALIGN(cur->nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memset((char *)a + NLA_HDRLEN, 0, NLA_ALIGN(len));
	if (data)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	cur->nlmsg_len = NLMSG_ALIGN(cur->nlmsg_len) + NLA_ALIGN(a->nla_len);
	return a;
}

static void put_u8(int t, uint8_t v) { put(t, &v, 1); }
static void put_u16(int t, uint16_t v) { put(t, &v, 2); }
static void put_u32(int t, uint32_t v) { put(t, &v, 4); }
static void put_u64(int t, uint64_t v) { put(t, &v, 8); }

static struct nlattr *nest_start(int type)
{
	struct nlattr *a = put(type | NLA_F_NESTED, NULL, 0);
	return a;
}

static void nest_end(struct nlattr *a)
{
	a->nla_len = (char *)cur + cur->nlmsg_len - (char *)a;
}

static void put_stats(int type, const struct state_stats *s, int wide)
{
	struct nlattr *n = nest_start(type);

	if (wide) {
		put_u64(IPVS_STATS_ATTR_CONNS, s->conns);
		put_u64(IPVS_STATS_ATTR_INPKTS, s->inpkts);
		put_u64(IPVS_STATS_ATTR_OUTPKTS, s->outpkts);
		put_u64(IPVS_STATS_ATTR_CPS, s->cps);
		put_u64(IPVS_STATS_ATTR_INPPS, s->inpps);
		put_u64(IPVS_STATS_ATTR_OUTPPS, s->outpps);
		put_u64(IPVS_STATS_ATTR_INBPS, s->inbps);
		put_u64(IPVS_STATS_ATTR_OUTBPS, s->outbps);
	} else {
		put_u32(IPVS_STATS_ATTR_CONNS, s->conns);
		put_u32(IPVS_STATS_ATTR_INPKTS, s->inpkts);
		put_u32(IPVS_STATS_ATTR_OUTPKTS, s->outpkts);
		put_u32(IPVS_STATS_ATTR_CPS, s->cps);
		put_u32(IPVS_STATS_ATTR_INPPS, s->inpps);
		put_u32(IPVS_STATS_ATTR_OUTPPS, s->outpps);
		put_u32(IPVS_STATS_ATTR_INBPS, s->inbps);
		put_u32(IPVS_STATS_ATTR_OUTBPS, s->outbps);
	}
	put_u64(IPVS_STATS_ATTR_INBYTES, s->inbytes);
	put_u64(IPVS_STATS_ATTR_OUTBYTES, s->outbytes);
	nest_end(n);
}

static uint32_t ipvs_netmask(const struct state_svc *s)
{
	if (s->af == AF_INET6)
		return s->netmask;
	return s->netmask ? htonl(~0u << (32 - s->netmask)) : 0;
}

static void put_svc(const struct state_svc *s, int full)
{
	struct nlattr *n = nest_start(IPVS_CMD_ATTR_SERVICE);
	struct ip_vs_flags fl = { s->flags, ~0u };
	unsigned char addr[16] = { 0 };

	put_u16(IPVS_SVC_ATTR_AF, s->af);
	if (s->fwmark) {
		put_u32(IPVS_SVC_ATTR_FWMARK, s->fwmark);
	} else {
		memcpy(addr, s->addr, s->af == AF_INET ? 4 : 16);
		put_u16(IPVS_SVC_ATTR_PROTOCOL, s->protocol);
		put(IPVS_SVC_ATTR_ADDR, addr, 16);
		put_u16(IPVS_SVC_ATTR_PORT, htons(s->port));
	}
	if (full) {
		put(IPVS_SVC_ATTR_SCHED_NAME, s->sched, strlen(s->sched) + 1);
		put(IPVS_SVC_ATTR_FLAGS, &fl, sizeof(fl));
		put_u32(IPVS_SVC_ATTR_TIMEOUT, s->timeout);
		put_u32(IPVS_SVC_ATTR_NETMASK, ipvs_netmask(s));
		put_stats(IPVS_SVC_ATTR_STATS, &s->stats, 0);
		put_stats(IPVS_SVC_ATTR_STATS64, &s->stats, 1);
	}
	nest_end(n);
}

static void put_dest(const struct state_dest *d)
{
	struct nlattr *n = nest_start(IPVS_CMD_ATTR_DEST);
	unsigned char addr[16] = { 0 };

	memcpy(addr, d->addr, d->af == AF_INET ? 4 : 16);
	put(IPVS_DEST_ATTR_ADDR, addr, 16);
	put_u16(IPVS_DEST_ATTR_PORT, htons(d->port));
	put_u32(IPVS_DEST_ATTR_FWD_METHOD, d->fwd);
	put_u32(IPVS_DEST_ATTR_WEIGHT, d->weight);
	put_u8(IPVS_DEST_ATTR_TUN_TYPE, d->tun_type);
	put_u16(IPVS_DEST_ATTR_TUN_PORT, htons(d->tun_port));
	put_u16(IPVS_DEST_ATTR_TUN_FLAGS, d->tun_flags);
	put_u32(IPVS_DEST_ATTR_U_THRESH, d->u_thresh);
	put_u32(IPVS_DEST_ATTR_L_THRESH, d->l_thresh);
	put_u32(IPVS_DEST_ATTR_ACTIVE_CONNS, d->active);
	put_u32(IPVS_DEST_ATTR_INACT_CONNS, d->inact);
	put_u32(IPVS_DEST_ATTR_PERSIST_CONNS, d->persist);
	put_u16(IPVS_DEST_ATTR_ADDR_FAMILY, d->af);
	put_stats(IPVS_DEST_ATTR_STATS, &d->stats, 0);
	put_stats(IPVS_DEST_ATTR_STATS64, &d->stats, 1);
	nest_end(n);
}

/* --- reading requests ---------------------------------------------------- */

static const char *cmd_names[] = {
	[IPVS_CMD_NEW_SERVICE] = "NEW_SERVICE", [IPVS_CMD_SET_SERVICE] = "SET_SERVICE",
	[IPVS_CMD_DEL_SERVICE] = "DEL_SERVICE", [IPVS_CMD_GET_SERVICE] = "GET_SERVICE",
	[IPVS_CMD_NEW_DEST] = "NEW_DEST", [IPVS_CMD_SET_DEST] = "SET_DEST",
	[IPVS_CMD_DEL_DEST] = "DEL_DEST", [IPVS_CMD_GET_DEST] = "GET_DEST",
	[IPVS_CMD_NEW_DAEMON] = "NEW_DAEMON", [IPVS_CMD_DEL_DAEMON] = "DEL_DAEMON",
	[IPVS_CMD_GET_DAEMON] = "GET_DAEMON", [IPVS_CMD_SET_CONFIG] = "SET_CONFIG",
	[IPVS_CMD_GET_CONFIG] = "GET_CONFIG", [IPVS_CMD_SET_INFO] = "SET_INFO",
	[IPVS_CMD_GET_INFO] = "GET_INFO", [IPVS_CMD_ZERO] = "ZERO",
	[IPVS_CMD_FLUSH] = "FLUSH",
};

#define FOR_ATTR(a, start, len) \
	for (a = (struct nlattr *)(start); \
	     (char *)a + NLA_HDRLEN <= (char *)(start) + (len) && a->nla_len >= NLA_HDRLEN; \
	     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len)))

static void *adata(struct nlattr *a) { return (char *)a + NLA_HDRLEN; }
static uint16_t ag16(struct nlattr *a) { uint16_t v; memcpy(&v, adata(a), 2); return v; }
static uint32_t ag32(struct nlattr *a) { uint32_t v; memcpy(&v, adata(a), 4); return v; }

/* The request as a state_svc / state_dest, written in canonical text. */
static void parse_svc(struct nlattr *n, struct state_svc *s, int *has)
{
	struct nlattr *a;
	unsigned char addr[16] = { 0 };

	memset(s, 0, sizeof(*s));
	*has = 0;
	FOR_ATTR(a, adata(n), n->nla_len - NLA_HDRLEN) {
		switch (a->nla_type & NLA_TYPE_MASK) {
		case IPVS_SVC_ATTR_AF: s->af = ag16(a); break;
		case IPVS_SVC_ATTR_PROTOCOL: s->protocol = ag16(a); break;
		case IPVS_SVC_ATTR_ADDR: memcpy(addr, adata(a), 16); break;
		case IPVS_SVC_ATTR_PORT: s->port = ntohs(ag16(a)); break;
		case IPVS_SVC_ATTR_FWMARK: s->fwmark = ag32(a); break;
		case IPVS_SVC_ATTR_SCHED_NAME:
			snprintf(s->sched, sizeof(s->sched), "%s", (char *)adata(a));
			*has = 1;
			break;
		case IPVS_SVC_ATTR_FLAGS: memcpy(&s->flags, adata(a), 4); break;
		case IPVS_SVC_ATTR_TIMEOUT: s->timeout = ag32(a); break;
		case IPVS_SVC_ATTR_NETMASK: s->netmask = ag32(a); break;
		}
	}
	memcpy(s->addr, addr, 16);
	if (*has && s->af == AF_INET) {
		/* ipvsadm's be32 mask to a prefix length; -1 if not contiguous */
		uint32_t m = ntohl(s->netmask);
		int plen = 0;

		while (plen < 32 && (m & (0x80000000u >> plen)))
			plen++;
		s->netmask = (plen == 32 || (m << plen) == 0) ? (unsigned)plen : (unsigned)-1;
	}
}

static void parse_dest(struct nlattr *n, struct state_dest *d, int *has)
{
	struct nlattr *a;

	memset(d, 0, sizeof(*d));
	*has = 0;
	FOR_ATTR(a, adata(n), n->nla_len - NLA_HDRLEN) {
		switch (a->nla_type & NLA_TYPE_MASK) {
		case IPVS_DEST_ATTR_ADDR: memcpy(d->addr, adata(a), 16); break;
		case IPVS_DEST_ATTR_PORT: d->port = ntohs(ag16(a)); break;
		case IPVS_DEST_ATTR_ADDR_FAMILY: d->af = ag16(a); break;
		case IPVS_DEST_ATTR_FWD_METHOD: d->fwd = ag32(a); *has = 1; break;
		case IPVS_DEST_ATTR_WEIGHT: d->weight = ag32(a); break;
		case IPVS_DEST_ATTR_U_THRESH: d->u_thresh = ag32(a); break;
		case IPVS_DEST_ATTR_L_THRESH: d->l_thresh = ag32(a); break;
		case IPVS_DEST_ATTR_TUN_TYPE: d->tun_type = *(uint8_t *)adata(a); break;
		case IPVS_DEST_ATTR_TUN_PORT: d->tun_port = ntohs(ag16(a)); break;
		case IPVS_DEST_ATTR_TUN_FLAGS: d->tun_flags = ag16(a); break;
		}
	}
}

static void log_request(struct nlmsghdr *h)
{
	const char *path = getenv("SHIM_LOG");
	struct genlmsghdr *g = NLMSG_DATA(h);
	struct nlattr *a, *svc = NULL, *dest = NULL;
	uint32_t t[3] = { 0 };
	int has_t = 0;
	FILE *f;

	if (!path)
		return;
	f = fopen(path, "a");
	if (!f)
		return;
	FOR_ATTR(a, (char *)g + GENL_HDRLEN, h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN) {
		switch (a->nla_type & NLA_TYPE_MASK) {
		case IPVS_CMD_ATTR_SERVICE: svc = a; break;
		case IPVS_CMD_ATTR_DEST: dest = a; break;
		case IPVS_CMD_ATTR_TIMEOUT_TCP: t[0] = ag32(a); has_t = 1; break;
		case IPVS_CMD_ATTR_TIMEOUT_TCP_FIN: t[1] = ag32(a); has_t = 1; break;
		case IPVS_CMD_ATTR_TIMEOUT_UDP: t[2] = ag32(a); has_t = 1; break;
		}
	}
	fprintf(f, "%s%s", cmd_names[g->cmd], h->nlmsg_flags & NLM_F_DUMP ? " dump" : "");
	if (svc) {
		struct state_svc s;
		int full;

		parse_svc(svc, &s, &full);
		fputc(' ', f);
		state_print_svc(f, &s, g->cmd == IPVS_CMD_NEW_SERVICE ||
				g->cmd == IPVS_CMD_SET_SERVICE);
	}
	if (dest) {
		struct state_dest d;
		int full;

		parse_dest(dest, &d, &full);
		fputc(' ', f);
		state_print_dest(f, &d, g->cmd == IPVS_CMD_NEW_DEST ||
				 g->cmd == IPVS_CMD_SET_DEST);
	}
	if (has_t)
		fprintf(f, " timeouts=%u,%u,%u", t[0], t[1], t[2]);
	fputc('\n', f);
	fclose(f);
}

static int svc_match(const struct state_svc *s, struct nlattr *n)
{
	struct state_svc r;
	int full;

	parse_svc(n, &r, &full);
	if (r.af != s->af)
		return 0;
	if (r.fwmark || s->fwmark)
		return r.fwmark == s->fwmark;
	return r.protocol == s->protocol && r.port == s->port &&
	       !memcmp(r.addr, s->addr, s->af == AF_INET ? 4 : 16);
}

int nl_send_auto_complete(void *sk, void *msg)
{
	static struct nlmsghdr *(*hdr_fn)(void *);
	struct nlmsghdr *h;
	struct genlmsghdr *g;
	struct nlattr *a, *svc = NULL;
	int i, j;
	(void)sk;

	if (!hdr_fn)
		hdr_fn = (struct nlmsghdr *(*)(void *))dlsym(RTLD_DEFAULT, "nlmsg_hdr");
	h = hdr_fn(msg);
	g = NLMSG_DATA(h);
	load_state();
	replies_len = 0;
	pending_errno = 0;
	log_request(h);
	FOR_ATTR(a, (char *)g + GENL_HDRLEN, h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN)
		if ((a->nla_type & NLA_TYPE_MASK) == IPVS_CMD_ATTR_SERVICE)
			svc = a;

	switch (g->cmd) {
	case IPVS_CMD_GET_INFO:
		msg_begin(IPVS_CMD_SET_INFO);
		put_u32(IPVS_INFO_ATTR_VERSION, 0x010201);
		put_u32(IPVS_INFO_ATTR_CONN_TAB_SIZE, st.size);
		msg_end();
		break;
	case IPVS_CMD_GET_CONFIG:
		msg_begin(IPVS_CMD_SET_CONFIG);
		put_u32(IPVS_CMD_ATTR_TIMEOUT_TCP, st.t_tcp);
		put_u32(IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, st.t_fin);
		put_u32(IPVS_CMD_ATTR_TIMEOUT_UDP, st.t_udp);
		msg_end();
		break;
	case IPVS_CMD_GET_SERVICE:
		for (i = 0; i < st.nsvc; i++) {
			if (!(h->nlmsg_flags & NLM_F_DUMP) && !(svc && svc_match(&st.svc[i], svc)))
				continue;
			msg_begin(IPVS_CMD_NEW_SERVICE);
			put_svc(&st.svc[i], 1);
			msg_end();
		}
		if (!(h->nlmsg_flags & NLM_F_DUMP) && !replies_len)
			pending_errno = ESRCH;
		break;
	case IPVS_CMD_GET_DEST:
		for (i = 0; i < st.nsvc; i++) {
			if (!svc || !svc_match(&st.svc[i], svc))
				continue;
			for (j = 0; j < st.svc[i].ndest; j++) {
				msg_begin(IPVS_CMD_NEW_DEST);
				put_dest(&st.svc[i].dest[j]);
				msg_end();
			}
		}
		break;
	case IPVS_CMD_GET_DAEMON:
		break;
	default:
		if (getenv("SHIM_ERRNO"))
			pending_errno = atoi(getenv("SHIM_ERRNO"));
		break;
	}
	return 0;
}

int nl_recvmsgs_default(void *sk)
{
	static void *(*convert)(struct nlmsghdr *);
	static void (*msgfree)(void *);
	size_t off = 0;
	(void)sk;

	if (!convert) {
		convert = (void *(*)(struct nlmsghdr *))dlsym(RTLD_DEFAULT, "nlmsg_convert");
		msgfree = (void (*)(void *))dlsym(RTLD_DEFAULT, "nlmsg_free");
	}
	if (pending_errno) {
		struct nlmsgerr e = { .error = -pending_errno };

		if (err_cb)
			err_cb(NULL, &e, err_arg);
		return -pending_errno;
	}
	while (off < replies_len) {
		struct nlmsghdr *h = (struct nlmsghdr *)(replies + off);
		void *m = convert(h);

		if (valid_cb)
			valid_cb(m, valid_arg);
		msgfree(m);
		off += NLMSG_ALIGN(h->nlmsg_len);
	}
	return 0;
}

FILE *fopen(const char *path, const char *mode)
{
	static FILE *(*real)(const char *, const char *);

	if (!real)
		real = (FILE *(*)(const char *, const char *))dlsym(RTLD_NEXT, "fopen");
	if (!strcmp(path, "/proc/net/ip_vs_conn") && getenv("SHIM_CONN"))
		path = getenv("SHIM_CONN");
	return real(path, mode);
}

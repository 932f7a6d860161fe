// SPDX-License-Identifier: GPL-2.0
/*
 * Listings, byte for byte as ipvsadm 1.31 prints them (-L with every format
 * option, -S, -c, --timeout), from a struct vlbadm_table. Only the version
 * line differs ("vlb version ..."). The sort is ipvsadm's too, including its
 * comparators that subtract unsigned addresses into an int: addresses more
 * than 2^31 apart compare the "wrong" way round, and since glibc's qsort is
 * used on the kernel's dump order exactly as ipvsadm uses it, the result is
 * the one ipvsadm would print for the same dump.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "vlbadm.h"

static int wrap32(uint32_t v)
{
	return (int)v;	/* ipvsadm's implicit unsigned -> int conversion */
}

static uint32_t addr_word(const union vlb_addr *a, int i)
{
	uint32_t w;

	memcpy(&w, a->b + 4 * i, 4);
	return ntohl(w);
}

int vlbadm_cmp_services(const void *a, const void *b)
{
	const struct vlb_service *s1 = a, *s2 = b;
	int r, i;

	r = wrap32(s1->fwmark - s2->fwmark);
	if (r)
		return r;
	r = s1->af - s2->af;
	if (r)
		return r;
	r = s1->protocol - s2->protocol;
	if (r)
		return r;
	if (s1->af == AF_INET6)
		for (i = 0; !r && i < 4; i++)
			r = wrap32(addr_word(&s1->addr, i) - addr_word(&s2->addr, i));
	else
		r = wrap32(addr_word(&s1->addr, 0) - addr_word(&s2->addr, 0));
	if (r)
		return r;
	return s1->port - s2->port;
}

/* ipvsadm looks only at the first dest's family, not at both. */
int vlbadm_cmp_dests(const void *a, const void *b)
{
	const struct vlb_dest *d1 = a, *d2 = b;
	int r = 0, i;

	if (d1->af == AF_INET6)
		for (i = 0; !r && i < 4; i++)
			r = wrap32(addr_word(&d1->addr, i) - addr_word(&d2->addr, i));
	else
		r = wrap32(addr_word(&d1->addr, 0) - addr_word(&d2->addr, 0));
	if (r)
		return r;
	return d1->port - d2->port;
}

void vlbadm_sort(struct vlbadm_table *t, unsigned int format)
{
	int i;

	if (format & FMT_NOSORT)
		return;
	qsort(t->svcs, (size_t)t->nsvcs, sizeof(*t->svcs), vlbadm_cmp_services);
	for (i = 0; i < t->nsvcs; i++)
		qsort(t->svcs[i].dests, (size_t)t->svcs[i].ndests,
		      sizeof(*t->svcs[i].dests), vlbadm_cmp_dests);
}

void vlbadm_print_number(FILE *f, uint64_t n, unsigned int format)
{
	unsigned long long i = n;

	if (format & FMT_EXACT) {
		char tmp[32];
		int len = snprintf(tmp, sizeof(tmp), "%llu", i);

		fprintf(f, "%*llu", len <= 8 ? 9 : len + 1, i);
	} else if (i < 100000000ULL) {
		fprintf(f, "%9llu", i);
	} else if (i < 1000000000ULL) {
		fprintf(f, "%8lluK", i / 1000);
	} else if (i < 100000000000ULL) {
		fprintf(f, "%8lluM", i / 1000000);
	} else if (i < 100000000000000ULL) {
		fprintf(f, "%8lluG", i / 1000000000ULL);
	} else {
		fprintf(f, "%8lluT", i / 1000000000000ULL);
	}
}

void vlbadm_print_title(FILE *f, unsigned int format)
{
	if (format & FMT_STATS)
		fprintf(f, "%-33s %8s %8s %8s %8s %8s\n  -> RemoteAddress:Port\n",
			"Prot LocalAddress:Port", "Conns", "InPkts", "OutPkts",
			"InBytes", "OutBytes");
	else if (format & FMT_RATE)
		fprintf(f, "%-33s %8s %8s %8s %8s %8s\n  -> RemoteAddress:Port\n",
			"Prot LocalAddress:Port", "CPS", "InPPS", "OutPPS", "InBPS",
			"OutBPS");
	else if (format & FMT_THRESHOLDS)
		fprintf(f, "%-33s %-10s %-10s %-10s %-10s\n  -> RemoteAddress:Port\n",
			"Prot LocalAddress:Port", "Uthreshold", "Lthreshold",
			"ActiveConn", "InActConn");
	else if (format & FMT_PERSISTENTCONN)
		fprintf(f, "%-33s %-9s %-11s %-10s %-10s\n  -> RemoteAddress:Port\n",
			"Prot LocalAddress:Port", "Weight", "PersistConn", "ActiveConn",
			"InActConn");
	else if (format & FMT_TUN_INFO)
		fprintf(f, "Prot LocalAddress:Port Scheduler Flags\n"
			"  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn\n");
	else if (!(format & FMT_RULE))
		fprintf(f, "Prot LocalAddress:Port Scheduler Flags\n"
			"  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n");
}

const char *vlbadm_fwd_name(uint32_t fwd)
{
	switch (fwd & VLB_CONN_F_FWD_MASK) {
	case VLB_FWD_MASQ:
		return "Masq";
	case VLB_FWD_LOCAL:
		return "Local";
	case VLB_FWD_TUNNEL:
		return "Tunnel";
	case VLB_FWD_DROUTE:
		return "Route";
	default:
		return "Unknown";
	}
}

static const char *fwd_switch(uint32_t fwd)
{
	switch (fwd & VLB_CONN_F_FWD_MASK) {
	case VLB_FWD_MASQ:
		return "-m";
	case VLB_FWD_TUNNEL:
		return "-i";
	default:
		return "-g";	/* Local is chosen by the kernel; saved as -g */
	}
}

static const char *const tun_names[] = { "ipip", "gue", "gre" };
static const char *const tun_flag_short[] = { "-c", "+c", "r+c" };
static const char *const tun_flag_opt[] = { "--tun-nocsum", "--tun-csum", "--tun-remcsum" };

static const char *tun_name(unsigned int t)
{
	return t <= __VLB_TUN_MAX ? tun_names[t] : "unknown";
}

static unsigned int tun_flag(unsigned int fl)
{
	return fl <= __VLB_TUN_F_MAX ? fl : 0;
}

/* "sh-fallback,sh-port" and the like; "" when no scheduler flag is set. */
static void sched_flags_str(char *buf, size_t len, const struct vlb_service *s)
{
	int sh = !strcmp(s->sched, "sh"), mh = !strcmp(s->sched, "mh");
	size_t n;

	buf[0] = '\0';
	if (sh || mh) {
		if (s->flags & VLB_SVC_F_SCHED1)
			strncat(buf, sh ? "sh-fallback," : "mh-fallback,", len - strlen(buf) - 1);
		if (s->flags & VLB_SVC_F_SCHED2)
			strncat(buf, sh ? "sh-port," : "mh-port,", len - strlen(buf) - 1);
	} else {
		if (s->flags & VLB_SVC_F_SCHED1)
			strncat(buf, "flag-1,", len - strlen(buf) - 1);
		if (s->flags & VLB_SVC_F_SCHED2)
			strncat(buf, "flag-2,", len - strlen(buf) - 1);
		if (s->flags & VLB_SVC_F_SCHED3)
			strncat(buf, "flag-3,", len - strlen(buf) - 1);
	}
	n = strlen(buf);
	if (n)
		buf[n - 1] = '\0';
}

#define SVC_SCHED_FLAGS (VLB_SVC_F_SCHED1 | VLB_SVC_F_SCHED2 | VLB_SVC_F_SCHED3)

static uint16_t svc_proto(const struct vlb_service *s)
{
	return s->fwmark ? 0 : s->protocol;	/* fwmark: ports stay numeric */
}

void vlbadm_svc_rule_name(char *buf, size_t len, const struct vlb_service *s,
			  unsigned int format)
{
	char vname[64];

	if (s->fwmark) {
		if (format & FMT_RULE)
			snprintf(buf, len, s->af == AF_INET6 ? "-f %d -6" : "-f %d",
				 (int)s->fwmark);
		else
			snprintf(buf, len, s->af == AF_INET6 ? "FWM  %d IPv6" : "FWM  %d",
				 (int)s->fwmark);
		return;
	}
	vlbadm_addrport(vname, sizeof(vname), s->af, &s->addr, s->port, s->protocol, format);
	if (format & FMT_RULE) {
		snprintf(buf, len, "%s %s", s->protocol == IPPROTO_UDP ? "-u" : "-t", vname);
	} else {
		snprintf(buf, len, "%-4s %s", s->protocol == IPPROTO_UDP ? "UDP" :
			 s->protocol == IPPROTO_TCP ? "TCP" : "SCTP", vname);
		if (s->af != AF_INET6 && len > 33)
			buf[33] = '\0';
	}
}

static void print_mask(FILE *f, const char *word, const struct vlb_service *s)
{
	struct in_addr m;

	if (s->af == AF_INET && s->netmask != 32) {
		m.s_addr = vlbadm_prefix_to_mask(s->netmask);
		fprintf(f, " %s %s", word, inet_ntoa(m));
	} else if (s->af == AF_INET6 && s->netmask != 128) {
		fprintf(f, " %s %i", word, (int)s->netmask);
	}
}

void vlbadm_print_svc_rule(FILE *f, const char *cmd, const struct vlb_service *s,
			   unsigned int format)
{
	char name[128], flags[64];

	vlbadm_svc_rule_name(name, sizeof(name), s, format | FMT_RULE);
	fprintf(f, "%s %s -s %s", cmd, name, s->sched);
	if (s->flags & VLB_SVC_F_PERSISTENT) {
		fprintf(f, " -p %u", s->timeout);
		print_mask(f, "-M", s);
	}
	if (s->flags & VLB_SVC_F_ONEPACKET)
		fprintf(f, " -o");
	if (s->flags & SVC_SCHED_FLAGS) {
		sched_flags_str(flags, sizeof(flags), s);
		fprintf(f, " -b %s", flags);
	}
	fputc('\n', f);
}

void vlbadm_print_dest_rule(FILE *f, const char *cmd, const struct vlb_service *s,
			    const struct vlb_dest *d, unsigned int format)
{
	char svc[128], dname[64];

	vlbadm_svc_rule_name(svc, sizeof(svc), s, format | FMT_RULE);
	vlbadm_addrport(dname, sizeof(dname), d->af, &d->addr, d->port, svc_proto(s), format);
	fprintf(f, "%s %s -r %s %s -w %d", cmd, svc, dname, fwd_switch(d->fwd), (int)d->weight);
	if ((d->fwd & VLB_CONN_F_FWD_MASK) == VLB_FWD_TUNNEL) {
		fprintf(f, " --tun-type %s", tun_name(d->tun_type));
		if (d->tun_type == VLB_TUN_GUE)
			fprintf(f, " --tun-port %d %s", d->tun_port,
				tun_flag_opt[tun_flag(d->tun_flags)]);
		else if (d->tun_type == VLB_TUN_GRE)
			fprintf(f, " %s", tun_flag_opt[tun_flag(d->tun_flags)]);
	}
	fputc('\n', f);
}

/*
 * ipvsadm takes a destination's counters from IPVS's 32-bit stats
 * attribute (only the byte counters are 64-bit there), so its listings show
 * them modulo 2^32. Reproduced for identical output; --json has them whole.
 */
static struct vlb_stats dest_stats_ipvsadm(const struct vlb_stats *in)
{
	struct vlb_stats st = *in;

	st.conns &= 0xffffffffu;
	st.inpkts &= 0xffffffffu;
	st.outpkts &= 0xffffffffu;
	st.cps &= 0xffffffffu;
	st.inpps &= 0xffffffffu;
	st.outpps &= 0xffffffffu;
	st.inbps &= 0xffffffffu;
	st.outbps &= 0xffffffffu;
	return st;
}

static void print_dest(FILE *f, const struct vlb_service *s, const struct vlb_dest *d,
		       unsigned int format)
{
	struct vlb_stats st = dest_stats_ipvsadm(&d->stats);
	char dname[64], tun[64];

	if (format & FMT_RULE) {
		vlbadm_print_dest_rule(f, "-a", s, d, format);
		return;
	}
	vlbadm_addrport(dname, sizeof(dname), d->af, &d->addr, d->port, svc_proto(s), format);
	if (d->af != AF_INET6)
		dname[28] = '\0';
	if (format & FMT_STATS) {
		fprintf(f, "  -> %-28s", dname);
		vlbadm_print_number(f, st.conns, format);
		vlbadm_print_number(f, st.inpkts, format);
		vlbadm_print_number(f, st.outpkts, format);
		vlbadm_print_number(f, st.inbytes, format);
		vlbadm_print_number(f, st.outbytes, format);
		fputc('\n', f);
	} else if (format & FMT_RATE) {
		fprintf(f, "  -> %-28s %8llu %8llu %8llu", dname,
			(unsigned long long)st.cps,
			(unsigned long long)st.inpps,
			(unsigned long long)st.outpps);
		vlbadm_print_number(f, st.inbps, format);
		vlbadm_print_number(f, st.outbps, format);
		fputc('\n', f);
	} else if (format & FMT_THRESHOLDS) {
		fprintf(f, "  -> %-28s %-10u %-10u %-10u %-10u\n", dname,
			d->u_thresh, d->l_thresh, d->active, d->inact);
	} else if (format & FMT_PERSISTENTCONN) {
		fprintf(f, "  -> %-28s %-9u %-11u %-10u %-10u\n", dname,
			d->weight, d->persist, d->active, d->inact);
	} else if (format & FMT_TUN_INFO) {
		if ((d->fwd & VLB_CONN_F_FWD_MASK) != VLB_FWD_TUNNEL)
			snprintf(tun, sizeof(tun), "n/a");
		else if (d->tun_type == VLB_TUN_GUE)
			snprintf(tun, sizeof(tun), "%s:%d:%s", tun_name(d->tun_type),
				 d->tun_port, tun_flag_short[tun_flag(d->tun_flags)]);
		else if (d->tun_type == VLB_TUN_GRE)
			snprintf(tun, sizeof(tun), "%s:%s", tun_name(d->tun_type),
				 tun_flag_short[tun_flag(d->tun_flags)]);
		else
			snprintf(tun, sizeof(tun), "%s", tun_name(d->tun_type));
		fprintf(f, "  -> %-28s %-7s %-13s %-6d %-10u %-10u\n", dname,
			vlbadm_fwd_name(d->fwd), tun, (int)d->weight, d->active, d->inact);
	} else {
		fprintf(f, "  -> %-28s %-7s %-6d %-10u %-10u\n", dname,
			vlbadm_fwd_name(d->fwd), (int)d->weight, d->active, d->inact);
	}
}

void vlbadm_print_service(FILE *f, const struct vlb_service *s, unsigned int format)
{
	char name[128], flags[64];
	const struct vlb_stats *st = &s->stats;
	int i;

	if (format & FMT_RULE) {
		vlbadm_print_svc_rule(f, "-A", s, format);
	} else {
		vlbadm_svc_rule_name(name, sizeof(name), s, format);
		if (format & (FMT_STATS | FMT_RATE)) {
			int rate = !(format & FMT_STATS);

			fprintf(f, "%-33s", name);
			vlbadm_print_number(f, rate ? st->cps : st->conns, format);
			vlbadm_print_number(f, rate ? st->inpps : st->inpkts, format);
			vlbadm_print_number(f, rate ? st->outpps : st->outpkts, format);
			vlbadm_print_number(f, rate ? st->inbps : st->inbytes, format);
			vlbadm_print_number(f, rate ? st->outbps : st->outbytes, format);
		} else {
			fprintf(f, "%s %s", name, s->sched);
			if (s->flags & SVC_SCHED_FLAGS) {
				sched_flags_str(flags, sizeof(flags), s);
				fprintf(f, " (%s)", flags);
			}
			if (s->flags & VLB_SVC_F_PERSISTENT) {
				fprintf(f, " persistent %u", s->timeout);
				print_mask(f, "mask", s);
			}
			if (s->flags & VLB_SVC_F_ONEPACKET)
				fprintf(f, " ops");
		}
		fputc('\n', f);
	}
	for (i = 0; i < s->ndests; i++)
		print_dest(f, s, &s->dests[i], format);
}

void vlbadm_print_all(FILE *f, const struct vlbadm_table *t, unsigned int format)
{
	int i;

	if (!(format & FMT_RULE)) {
		fprintf(f, "vlb version %u.%u.%u (size=%d)\n", (t->version >> 16) & 0xff,
			(t->version >> 8) & 0xff, t->version & 0xff, (int)t->conn_tab_size);
		vlbadm_print_title(f, format);
	}
	for (i = 0; i < t->nsvcs; i++)
		vlbadm_print_service(f, &t->svcs[i], format);
}

void vlbadm_print_timeout(FILE *f, const struct vlbadm_table *t)
{
	fprintf(f, "Timeout (tcp tcpfin udp): %d %d %d\n", (int)t->t_tcp,
		(int)t->t_tcpfin, (int)t->t_udp);
}

static const char *const tcp_state_names[] = {
	"NONE", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT", "TIME_WAIT",
	"CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "SYNACK",
};

static const char *conn_proto_name(uint16_t p)
{
	switch (p) {
	case IPPROTO_TCP:
		return "TCP";
	case IPPROTO_UDP:
		return "UDP";
	case IPPROTO_SCTP:
		return "SCTP";
	case 0:
		return "IP";
	default:
		return "ERR!";
	}
}

static const char *conn_state_name(const struct vlb_conn *c)
{
	if (c->protocol == IPPROTO_UDP || c->state == VLB_CONN_S_UDP)
		return "UDP";
	if (c->state < __VLB_TCP_S_MAX)
		return tcp_state_names[c->state];
	return "ERR!";
}

void vlbadm_print_conns(FILE *f, const struct vlbadm_table *t, unsigned int format)
{
	int i;

	fprintf(f, "IPVS connection entries\n");
	if (format & FMT_PERSISTENTCONN)
		fprintf(f, "pro expire %-11s %-18s %-18s %-18s %-16s %s\n", "state",
			"source", "virtual", "destination", "pe name", "pe_data");
	else
		fprintf(f, "pro expire %-11s %-18s %-18s %s\n", "state", "source",
			"virtual", "destination");
	for (i = 0; i < t->nconns; i++) {
		const struct vlb_conn *c = &t->conns[i];
		char cname[64], vname[64], dname[64], expire[16];
		unsigned int secs = c->expires / 1000;

		vlbadm_addrport(cname, sizeof(cname), c->af, &c->caddr, c->cport,
				c->protocol, format);
		vlbadm_addrport(vname, sizeof(vname), c->af, &c->vaddr, c->vport,
				c->protocol, format);
		vlbadm_addrport(dname, sizeof(dname), c->dest_af ? c->dest_af : c->af,
				&c->daddr, c->dport, c->protocol, format);
		snprintf(expire, sizeof(expire), "%02u:%02u", secs / 60, secs % 60);
		fprintf(f, "%-3s %-6s %-11s %-18s %-18s %s\n", conn_proto_name(c->protocol),
			expire, conn_state_name(c), cname, vname, dname);
	}
}

void vlbadm_table_free(struct vlbadm_table *t)
{
	int i;

	for (i = 0; i < t->nsvcs; i++)
		free(t->svcs[i].dests);
	free(t->svcs);
	free(t->conns);
	t->svcs = NULL;
	t->conns = NULL;
	t->nsvcs = t->nconns = 0;
}

unsigned int vlbadm_listing_needs(struct vlbadm_cmd *c)
{
	if (c->cmd == CMD_SAVE)
		c->format |= FMT_RULE;
	if (c->options & OPT(CONNECTION))
		return VLBADM_GET_CONNS;
	if (c->options & OPT(SERVICE))
		return VLBADM_GET_ONE;
	if (c->options & OPT(TIMEOUT))
		return VLBADM_GET_TIMEOUTS;
	return VLBADM_GET_SVCS;
}

void vlbadm_print_listing(FILE *f, struct vlbadm_cmd *c, struct vlbadm_table *t)
{
	unsigned int what = vlbadm_listing_needs(c);

	vlbadm_sort(t, c->format);
	if (c->format & FMT_JSON) {
		vlbadm_json_all(f, t, !!(what & (VLBADM_GET_SVCS | VLBADM_GET_ONE)),
				!!(what & VLBADM_GET_TIMEOUTS), !!(what & VLBADM_GET_CONNS));
	} else if (what == VLBADM_GET_CONNS) {
		vlbadm_print_conns(f, t, c->format);
	} else if (what == VLBADM_GET_TIMEOUTS) {
		vlbadm_print_timeout(f, t);
	} else if (what == VLBADM_GET_ONE) {
		vlbadm_print_title(f, c->format);
		if (t->nsvcs)
			vlbadm_print_service(f, &t->svcs[0], c->format);
	} else {
		vlbadm_print_all(f, t, c->format);
	}
}

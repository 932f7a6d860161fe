// SPDX-License-Identifier: GPL-2.0
/*
 * --json: the same data as the text listings as one JSON document, always
 * with numeric addresses and exact counters, so scripts need no parsing of
 * ipvsadm's columns. Keys are documented in vlbadm(8).
 */
#include <inttypes.h>
#include <string.h>
#include <sys/socket.h>

#include "vlbadm.h"

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void json_stats(FILE *f, const struct vlb_stats *s)
{
	fprintf(f, "\"stats\":{\"conns\":%llu,\"inpkts\":%llu,\"outpkts\":%llu,"
		"\"inbytes\":%llu,\"outbytes\":%llu},",
		(unsigned long long)s->conns, (unsigned long long)s->inpkts,
		(unsigned long long)s->outpkts, (unsigned long long)s->inbytes,
		(unsigned long long)s->outbytes);
	fprintf(f, "\"rates\":{\"cps\":%llu,\"inpps\":%llu,\"outpps\":%llu,"
		"\"inbps\":%llu,\"outbps\":%llu}",
		(unsigned long long)s->cps, (unsigned long long)s->inpps,
		(unsigned long long)s->outpps, (unsigned long long)s->inbps,
		(unsigned long long)s->outbps);
}

static const char *af_name(int af)
{
	return af == AF_INET6 ? "inet6" : "inet";
}

static const char *proto_name(uint16_t p)
{
	return p == IPPROTO_TCP ? "tcp" : p == IPPROTO_UDP ? "udp" : "ip";
}

static void json_dest(FILE *f, const struct vlb_dest *d)
{
	static const char *const tun[] = { "ipip", "gue", "gre" };
	static const char *const csum[] = { "nocsum", "csum", "remcsum" };
	char a[64];
	const char *fwd = vlbadm_fwd_name(d->fwd);

	fprintf(f, "{\"af\":\"%s\",\"address\":", af_name(d->af));
	json_str(f, vlbadm_ntop(d->af, &d->addr, a, sizeof(a)));
	fprintf(f, ",\"port\":%u,\"forward\":\"%s\",\"weight\":%u,"
		"\"u_threshold\":%u,\"l_threshold\":%u,\"active_conns\":%u,"
		"\"inact_conns\":%u,\"persist_conns\":%u,",
		d->port, fwd, d->weight, d->u_thresh, d->l_thresh, d->active,
		d->inact, d->persist);
	if ((d->fwd & VLB_CONN_F_FWD_MASK) == VLB_FWD_TUNNEL && d->tun_type <= __VLB_TUN_MAX) {
		fprintf(f, "\"tunnel\":{\"type\":\"%s\",\"port\":%u,\"csum\":\"%s\"},",
			tun[d->tun_type], d->tun_port,
			csum[d->tun_flags <= __VLB_TUN_F_MAX ? d->tun_flags : 0]);
	}
	json_stats(f, &d->stats);
	fputc('}', f);
}

static void json_service(FILE *f, const struct vlb_service *s)
{
	char a[64];
	int i;

	fprintf(f, "{\"af\":\"%s\",", af_name(s->af));
	if (s->fwmark) {
		fprintf(f, "\"fwmark\":%u,", s->fwmark);
	} else {
		fprintf(f, "\"protocol\":\"%s\",\"address\":", proto_name(s->protocol));
		json_str(f, vlbadm_ntop(s->af, &s->addr, a, sizeof(a)));
		fprintf(f, ",\"port\":%u,", s->port);
	}
	fprintf(f, "\"scheduler\":");
	json_str(f, s->sched);
	fprintf(f, ",\"flags\":%u,\"persistent\":%s,", s->flags,
		s->flags & VLB_SVC_F_PERSISTENT ? "true" : "false");
	if (s->flags & VLB_SVC_F_PERSISTENT)
		fprintf(f, "\"timeout\":%u,", s->timeout);
	fprintf(f, "\"netmask\":%u,\"ops\":%s,", s->netmask,
		s->flags & VLB_SVC_F_ONEPACKET ? "true" : "false");
	json_stats(f, &s->stats);
	fprintf(f, ",\"destinations\":[");
	for (i = 0; i < s->ndests; i++) {
		if (i)
			fputc(',', f);
		json_dest(f, &s->dests[i]);
	}
	fprintf(f, "]}");
}

static void json_conn(FILE *f, const struct vlb_conn *c)
{
	static const char *const states[] = {
		"NONE", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT",
		"TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "SYNACK",
	};
	char a[64];

	fprintf(f, "{\"af\":\"%s\",\"protocol\":\"%s\",\"client\":", af_name(c->af),
		proto_name(c->protocol));
	json_str(f, vlbadm_ntop(c->af, &c->caddr, a, sizeof(a)));
	fprintf(f, ",\"client_port\":%u,\"virtual\":", c->cport);
	json_str(f, vlbadm_ntop(c->af, &c->vaddr, a, sizeof(a)));
	fprintf(f, ",\"virtual_port\":%u,\"destination\":", c->vport);
	json_str(f, vlbadm_ntop(c->dest_af ? c->dest_af : c->af, &c->daddr, a, sizeof(a)));
	fprintf(f, ",\"destination_port\":%u,", c->dport);
	if (c->fwmark)
		fprintf(f, "\"fwmark\":%u,", c->fwmark);
	fprintf(f, "\"state\":\"%s\",\"expires_ms\":%u,\"forward\":\"%s\",\"template\":%s}",
		c->protocol == IPPROTO_UDP || c->state == VLB_CONN_S_UDP ? "UDP" :
		c->state < __VLB_TCP_S_MAX ? states[c->state] : "ERR!",
		c->expires, vlbadm_fwd_name(c->flags), c->flags & VLB_CONN_F_TEMPLATE ?
		"true" : "false");
}

void vlbadm_json_all(FILE *f, const struct vlbadm_table *t, int with_svcs,
		     int with_timeouts, int with_conns)
{
	int i;

	fprintf(f, "{\"version\":\"%u.%u.%u\",\"conn_tab_size\":%u,"
		"\"conn_count\":%u,\"conn_max\":%u,\"conn_drops\":%" PRIu64,
		(t->version >> 16) & 0xff, (t->version >> 8) & 0xff, t->version & 0xff,
		t->conn_tab_size, t->conn_count, t->conn_max, t->conn_drops);
	if (with_timeouts)
		fprintf(f, ",\"timeouts\":{\"tcp\":%u,\"tcpfin\":%u,\"udp\":%u}",
			t->t_tcp, t->t_tcpfin, t->t_udp);
	if (with_svcs) {
		fprintf(f, ",\"services\":[");
		for (i = 0; i < t->nsvcs; i++) {
			if (i)
				fputc(',', f);
			json_service(f, &t->svcs[i]);
		}
		fputc(']', f);
	}
	if (with_conns) {
		fprintf(f, ",\"connections\":[");
		for (i = 0; i < t->nconns; i++) {
			if (i)
				fputc(',', f);
			json_conn(f, &t->conns[i]);
		}
		fputc(']', f);
	}
	fprintf(f, "}\n");
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Loader and printer of the test fixture format described in state.h. The
 * printer is also the canonical form in which both ipvsadm's requests (seen
 * by the shim) and vlbadm's requests (built by the unit tests) are written,
 * so a plain diff tells whether the two tools asked for the same thing.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "state.h"

void state_init(struct state *st)
{
	memset(st, 0, sizeof(*st));
	st->size = 4096;
	st->t_tcp = 900;
	st->t_fin = 120;
	st->t_udp = 300;
}

void state_free(struct state *st)
{
	int i;

	for (i = 0; i < st->nsvc; i++)
		free(st->svc[i].dest);
	free(st->svc);
	state_init(st);
}

static void parse_stats(const char *v, struct state_stats *s)
{
	unsigned long long n[10] = { 0 };

	sscanf(v, "%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu", &n[0], &n[1],
	       &n[2], &n[3], &n[4], &n[5], &n[6], &n[7], &n[8], &n[9]);
	s->conns = n[0]; s->inpkts = n[1]; s->outpkts = n[2];
	s->inbytes = n[3]; s->outbytes = n[4]; s->cps = n[5];
	s->inpps = n[6]; s->outpps = n[7]; s->inbps = n[8]; s->outbps = n[9];
}

static unsigned int num(const char *v)
{
	return (unsigned int)strtoul(v, NULL, 0);
}

int state_load(struct state *st, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024];

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *save = NULL, *tok = strtok_r(line, " \t\n", &save);
		struct state_svc *s = NULL;
		struct state_dest *d = NULL;
		char *addr = NULL;

		if (!tok || tok[0] == '#')
			continue;
		if (!strcmp(tok, "size")) {
			st->size = num(strtok_r(NULL, " \t\n", &save));
			continue;
		}
		if (!strcmp(tok, "timeout")) {
			st->t_tcp = num(strtok_r(NULL, " \t\n", &save));
			st->t_fin = num(strtok_r(NULL, " \t\n", &save));
			st->t_udp = num(strtok_r(NULL, " \t\n", &save));
			continue;
		}
		if (!strcmp(tok, "svc")) {
			st->svc = realloc(st->svc, (st->nsvc + 1) * sizeof(*st->svc));
			s = &st->svc[st->nsvc++];
			memset(s, 0, sizeof(*s));
			s->af = AF_INET;
			s->protocol = 6;
			s->netmask = 32;
			strcpy(s->sched, "wlc");
		} else if (!strcmp(tok, "dest") && st->nsvc) {
			s = &st->svc[st->nsvc - 1];
			s->dest = realloc(s->dest, (s->ndest + 1) * sizeof(*s->dest));
			d = &s->dest[s->ndest++];
			memset(d, 0, sizeof(*d));
			d->af = s->af;
			d->weight = 1;
			d->fwd = 3;
			s = NULL;
		} else {
			fclose(f);
			return -1;
		}
		while ((tok = strtok_r(NULL, " \t\n", &save))) {
			char *v = strchr(tok, '=');

			if (!v)
				continue;
			*v++ = '\0';
			if (!strcmp(tok, "af")) {
				if (s) {
					s->af = num(v);
					if (s->af == AF_INET6 && s->netmask == 32)
						s->netmask = 128;
				} else {
					d->af = num(v);
				}
			} else if (!strcmp(tok, "addr")) {
				addr = v;
			} else if (!strcmp(tok, "port")) {
				*(s ? &s->port : &d->port) = num(v);
			} else if (!strcmp(tok, "stats")) {
				parse_stats(v, s ? &s->stats : &d->stats);
			} else if (s) {
				if (!strcmp(tok, "proto")) s->protocol = num(v);
				else if (!strcmp(tok, "fwmark")) s->fwmark = num(v);
				else if (!strcmp(tok, "sched")) snprintf(s->sched, sizeof(s->sched), "%s", v);
				else if (!strcmp(tok, "flags")) s->flags = num(v);
				else if (!strcmp(tok, "timeout")) s->timeout = num(v);
				else if (!strcmp(tok, "netmask")) s->netmask = num(v);
			} else {
				if (!strcmp(tok, "fwd")) d->fwd = num(v);
				else if (!strcmp(tok, "weight")) d->weight = num(v);
				else if (!strcmp(tok, "u")) d->u_thresh = num(v);
				else if (!strcmp(tok, "l")) d->l_thresh = num(v);
				else if (!strcmp(tok, "active")) d->active = num(v);
				else if (!strcmp(tok, "inact")) d->inact = num(v);
				else if (!strcmp(tok, "persist")) d->persist = num(v);
				else if (!strcmp(tok, "tuntype")) d->tun_type = num(v);
				else if (!strcmp(tok, "tunport")) d->tun_port = num(v);
				else if (!strcmp(tok, "tunflags")) d->tun_flags = num(v);
			}
		}
		if (addr) {
			int af = s ? s->af : d->af;

			inet_pton(af, addr, s ? s->addr : d->addr);
		}
	}
	fclose(f);
	return 0;
}

static const char *ntop(int af, const unsigned char *a, char *buf)
{
	if (!inet_ntop(af == AF_INET6 ? AF_INET6 : AF_INET, a, buf, INET6_ADDRSTRLEN))
		strcpy(buf, "?");
	return buf;
}

void state_print_svc(FILE *f, const struct state_svc *s, int full)
{
	char buf[INET6_ADDRSTRLEN];

	if (s->fwmark)
		fprintf(f, "svc af=%d fwmark=%u", s->af, s->fwmark);
	else
		fprintf(f, "svc af=%d proto=%u addr=%s port=%u", s->af, s->protocol,
			ntop(s->af, s->addr, buf), s->port);
	if (!full)
		return;
	fprintf(f, " sched=%s flags=%#x", s->sched, s->flags);
	if (s->flags & 1)
		fprintf(f, " timeout=%u", s->timeout);
	fprintf(f, " netmask=%d", (int)s->netmask);
}

void state_print_dest(FILE *f, const struct state_dest *d, int full)
{
	char buf[INET6_ADDRSTRLEN];

	fprintf(f, "dest af=%d addr=%s port=%u", d->af, ntop(d->af, d->addr, buf), d->port);
	if (!full)
		return;
	fprintf(f, " fwd=%u weight=%u u=%u l=%u", d->fwd, d->weight, d->u_thresh, d->l_thresh);
	if (d->fwd == 2) {
		fprintf(f, " tuntype=%u tunflags=%u", d->tun_type, d->tun_flags);
		if (d->tun_type == 1)
			fprintf(f, " tunport=%u", d->tun_port);
	}
}

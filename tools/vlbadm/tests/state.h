/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A test fixture: a whole vlb/IPVS configuration (services, destinations,
 * counters, timeouts) in a small text format, loaded by both the ipvsadm
 * shim and the vlbadm unit tests so that the two tools can be made to list
 * the very same configuration. One line per object:
 *
 *   size 4096
 *   timeout 900 120 300
 *   svc af=2 proto=6 addr=10.0.0.1 port=80 sched=wlc flags=0 timeout=0 netmask=32 stats=...
 *   dest af=2 addr=192.168.10.1 port=80 fwd=0 weight=1 u=0 l=0 active=1 inact=2 persist=0 stats=...
 *
 * stats= holds ten comma-separated numbers: conns, inpkts, outpkts, inbytes,
 * outbytes, cps, inpps, outpps, inbps, outbps. A dest belongs to the svc
 * above it. Netmasks are prefix lengths (vlb's form).
 */
#ifndef VLB_TEST_STATE_H
#define VLB_TEST_STATE_H

#include <stdint.h>
#include <stdio.h>

struct state_stats {
	uint64_t conns, inpkts, outpkts, inbytes, outbytes;
	uint64_t cps, inpps, outpps, inbps, outbps;
};

struct state_dest {
	int af;
	unsigned char addr[16];
	unsigned int port, fwd, weight, u_thresh, l_thresh;
	unsigned int active, inact, persist;
	unsigned int tun_type, tun_port, tun_flags;
	struct state_stats stats;
};

struct state_svc {
	int af;
	unsigned int protocol, port, fwmark, flags, timeout, netmask;
	unsigned char addr[16];
	char sched[32];
	struct state_stats stats;
	int ndest;
	struct state_dest *dest;
};

struct state {
	unsigned int size, t_tcp, t_fin, t_udp;
	int nsvc;
	struct state_svc *svc;
};

void state_init(struct state *st);
int state_load(struct state *st, const char *path);
void state_free(struct state *st);
/* Canonical request text; @full adds the settable fields. */
void state_print_svc(FILE *f, const struct state_svc *s, int full);
void state_print_dest(FILE *f, const struct state_dest *d, int full);

#endif

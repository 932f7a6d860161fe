/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VRRP's parts that know nothing of sockets or the event loop, so that the
 * host tests can drive them: the advert codec (vrrp_pkt.c) and the state
 * machine of one instance (vrrp.c), which is given the time and returns
 * what to do as a set of actions.
 */
#ifndef VLBD_VRRP_H
#define VLBD_VRRP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vlbadm.h"		/* union vlb_addr */

#define IPPROTO_VRRP 112
#define VRRP_MCAST4 "224.0.0.18"
#define VRRP_MCAST6 "ff02::12"

/* --- vrrp_pkt.c ------------------------------------------------------------ */

struct vrrp_adv {
	int version;			/* 2 or 3 */
	int vrid;
	int priority;
	int adv_cs;			/* v3: centiseconds; v2: seconds * 100 */
	int naddr;
	const uint8_t *addrs;		/* naddr addresses of the family, in the packet */
};

/* Internet checksum of @len bytes, folded, not inverted. */
uint32_t vrrp_csum_add(uint32_t sum, const void *data, size_t len);
uint16_t vrrp_csum_fold(uint32_t sum);
/*
 * Writes an advert into @buf (at least 8 + 16 * n + 8 bytes): @src and @dst
 * are the IP header's, for v3's pseudo-header. Returns its length.
 */
size_t vrrp_pkt_build(uint8_t *buf, int version, int af, int vrid, int priority, int adv_cs,
		      const union vlb_addr *addrs, int naddr, const union vlb_addr *src,
		      const union vlb_addr *dst);
/* Parses and checks an advert; -1 with @why set when it is not acceptable. */
int vrrp_pkt_parse(const uint8_t *buf, size_t len, int af, const union vlb_addr *src,
		   const union vlb_addr *dst, struct vrrp_adv *adv, char *why, size_t whylen);

/* --- vrrp.c: the state machine ------------------------------------------ */

enum vrrp_state { VRRP_INIT, VRRP_BACKUP, VRRP_MASTER, VRRP_FAULT };

/* What the caller must do, in this order. */
enum {
	VRRP_ACT_SEND0 = 1 << 0,	/* send a priority-0 advert */
	VRRP_ACT_BACKUP = 1 << 1,	/* entered BACKUP (remove VIPs if held) */
	VRRP_ACT_FAULT = 1 << 2,	/* entered FAULT (remove VIPs if held) */
	VRRP_ACT_MASTER = 1 << 3,	/* entered MASTER: add VIPs, GARP */
	VRRP_ACT_SEND = 1 << 4,		/* send an advert now */
	VRRP_ACT_STOP = 1 << 5,		/* stopped (remove VIPs if held) */
};

struct vrrp_sm {
	/* configuration */
	int version;
	int adv_cs;			/* our advert interval */
	int nopreempt;
	double preempt_delay;
	int init_master;
	int af;
	union vlb_addr self;		/* primary address, for ties */
	/* state */
	int prio;			/* effective priority 1..255 */
	int state;
	int master_adv_cs;		/* learned from the master (v3) */
	double down_at;			/* BACKUP/INIT: master down timer */
	double adv_at;			/* MASTER: next advert */
	double preempt_at;		/* preempt_delay running until, 0 none */
	/* counters */
	unsigned long long rx, tx, rx_prio0, tx_prio0, to_master, transitions;
	unsigned long long rx_dropped;
};

void vrrp_sm_init(struct vrrp_sm *sm);
double vrrp_skew(const struct vrrp_sm *sm);		/* seconds */
double vrrp_master_down(const struct vrrp_sm *sm);	/* seconds */
int vrrp_sm_start(struct vrrp_sm *sm, double now);
/* An advert from @src; -1 when it must be dropped (v2 interval mismatch). */
int vrrp_sm_rx(struct vrrp_sm *sm, const struct vrrp_adv *adv, const union vlb_addr *src,
	       double now);
int vrrp_sm_timer(struct vrrp_sm *sm, double now);
double vrrp_sm_next(const struct vrrp_sm *sm);	/* next deadline, 0: none */
int vrrp_sm_fault(struct vrrp_sm *sm, double now);
int vrrp_sm_recover(struct vrrp_sm *sm, double now);	/* FAULT -> BACKUP */
int vrrp_sm_stop(struct vrrp_sm *sm);
/* Sync groups: move to @state because another member did. */
int vrrp_sm_force(struct vrrp_sm *sm, int state, double now);
const char *vrrp_state_name(int state);


/* --- run time: vrrp_loop.c, vrrp_net.c, vip.c, track.c, notify.c ------------ */

struct event;
struct vlbd_vrrp;
struct vlbd_vscript;
struct vlbd_conf;
struct vlbd_vip;

struct vlbd_notify_job {
	char **argv;
	char *user;
	struct vlbd_notify_job *next;
};

/* Scripts of one instance or sync group, one at a time, in order. */
struct vlbd_notify_q {
	const char *owner;		/* for log lines */
	struct vlbd_notify_job *head, *tail;
	pid_t running;
	unsigned long long runs;
};

struct vlbd_vrrp_rt {
	struct vlbd_vrrp *cfg;
	struct vrrp_sm sm;
	int ifindex;
	int fd;				/* raw socket, -1 none */
	struct event *rx_ev;
	struct event *timer;
	struct event *garp_ev;		/* the second GARP burst */
	int holding;			/* VIPs added */
	int own_fault;			/* its interface or a tracker says fault */
	char fault_why[160];
	struct vlbd_notify_q q;
	char qname[96];			/* the queue's owner, for logs */
	double state_since;		/* monotonic */
	unsigned long long rx_bad;	/* dropped: checksum, TTL, format */
	unsigned long long addr_mismatch; /* accepted, other VIP list */
	double addr_logged;
	char last_bad[160];
};

/* vrrp_net.c */
int vlbd_vrrp_sock_open(struct vlbd_vrrp_rt *rt);
void vlbd_vrrp_sock_close(struct vlbd_vrrp_rt *rt);
int vlbd_vrrp_send(struct vlbd_vrrp_rt *rt, int priority);
/* Reads one packet: 1 and @adv/@src filled, 0 nothing (or dropped), -1 error. */
int vlbd_vrrp_recv(struct vlbd_vrrp_rt *rt, uint8_t *buf, size_t len, struct vrrp_adv *adv,
		   union vlb_addr *src);
/* The instance's primary address (unicast_src_ip or the interface's). */
int vlbd_vrrp_primary(struct vlbd_vrrp_rt *rt, union vlb_addr *out);

/* vip.c */
int vlbd_vip_init(void);
void vlbd_vip_fini(void);
int vlbd_vip_add(struct vlbd_vrrp_rt *rt);
void vlbd_vip_del(struct vlbd_vrrp_rt *rt);
/* Removes addresses of @rt present at start, left by a killed vlbd. */
void vlbd_vip_clear(struct vlbd_vrrp_rt *rt);
void vlbd_vip_garp(struct vlbd_vrrp_rt *rt);
int vlbd_vip_change(struct vlbd_vip *old, int nold, struct vlbd_vip *new, int nnew,
		    const char *ifname, int holding);

/* track.c */
int vlbd_track_init(void);
void vlbd_track_fini(void);
int vlbd_link_up(const char *ifname);		/* 1 up, 0 down or missing */
int vlbd_vscripts_start(struct vlbd_conf *c, struct vlbd_conf *old);
void vlbd_vscripts_stop(struct vlbd_conf *c);
int vlbd_vscript_reaped(pid_t pid, int status);

/* notify.c */
void vlbd_notify_queue(struct vlbd_notify_q *q, const char *cmd, const char *user,
		       const char *const *extra);
int vlbd_notify_reaped(pid_t pid, int status);
void vlbd_notify_drain(struct vlbd_notify_q *q, double timeout);
void vlbd_notify_free(struct vlbd_notify_q *q);

/* vrrp_loop.c */
void vlbd_vrrp_reeval(void);		/* trackers changed */

#endif /* VLBD_VRRP_H */

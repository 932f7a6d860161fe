// SPDX-License-Identifier: GPL-2.0
/*
 * The VRRP state machine of one instance, RFC 5798 section 6.4 with
 * keepalived's choices where users rely on them, and nothing else: no
 * sockets, no timers, no clock. The caller passes the time in and does the
 * returned actions, so the host tests drive it with a fake clock.
 *
 *   Skew_Time = (256 - Priority) * Master_Adver_Interval / 256
 *   Master_Down_Interval = 3 * Master_Adver_Interval + Skew_Time
 *
 * v3 learns Master_Adver_Interval from the master's adverts; v2 uses its
 * own and drops adverts with another interval, as keepalived does. An
 * instance starts in BACKUP, or, with `state MASTER`, in INIT for one
 * advert interval plus skew (so it notifies once, not BACKUP then
 * MASTER); priority 255 (the address owner) becomes master at once. A
 * backup accepts adverts of equal or higher priority, and lower ones too
 * with nopreempt or while preempt_delay runs; otherwise it ignores them
 * and preempts when its down timer expires. A master yields to a higher
 * priority, or an equal one from a higher primary address; it answers a
 * lower one with an advert of its own at once (keepalived's "forcing a new
 * election", which ends a split brain within one packet); a priority-0
 * advert makes backups wait only their skew.
 */
#include <string.h>
#include <sys/socket.h>

#include "vrrp.h"

const char *vrrp_state_name(int state)
{
	switch (state) {
	case VRRP_BACKUP: return "BACKUP";
	case VRRP_MASTER: return "MASTER";
	case VRRP_FAULT: return "FAULT";
	default: return "INIT";
	}
}

void vrrp_sm_init(struct vrrp_sm *sm)
{
	memset(sm, 0, sizeof(*sm));
	sm->version = 3;
	sm->adv_cs = 100;
	sm->master_adv_cs = 100;
	sm->prio = 100;
	sm->af = AF_INET;
}

static double master_adv(const struct vrrp_sm *sm)
{
	return (sm->version == 3 ? sm->master_adv_cs : sm->adv_cs) / 100.0;
}

double vrrp_skew(const struct vrrp_sm *sm)
{
	/* v2: (256 - prio) / 256 seconds, which is the same with 1 s adverts */
	if (sm->version == 2)
		return (256 - sm->prio) / 256.0;
	return (256 - sm->prio) * master_adv(sm) / 256.0;
}

double vrrp_master_down(const struct vrrp_sm *sm)
{
	return 3 * master_adv(sm) + vrrp_skew(sm);
}

static int set_state(struct vrrp_sm *sm, int state)
{
	if (sm->state == state)
		return 0;
	sm->state = state;
	sm->transitions++;
	if (state == VRRP_MASTER)
		sm->to_master++;
	return state == VRRP_MASTER ? VRRP_ACT_MASTER : state == VRRP_BACKUP ? VRRP_ACT_BACKUP :
	       state == VRRP_FAULT ? VRRP_ACT_FAULT : 0;
}

static int become_master(struct vrrp_sm *sm, double now)
{
	sm->down_at = 0;
	sm->preempt_at = 0;
	sm->adv_at = now + sm->adv_cs / 100.0;
	sm->tx++;
	return set_state(sm, VRRP_MASTER) | VRRP_ACT_SEND;
}

static int become_backup(struct vrrp_sm *sm, double now)
{
	sm->adv_at = 0;
	sm->down_at = now + vrrp_master_down(sm);
	return set_state(sm, VRRP_BACKUP);
}

int vrrp_sm_start(struct vrrp_sm *sm, double now)
{
	sm->master_adv_cs = sm->adv_cs;
	sm->preempt_at = 0;
	if (sm->prio == 255)
		return become_master(sm, now);
	if (sm->init_master) {
		sm->state = VRRP_INIT;
		sm->down_at = now + sm->adv_cs / 100.0 + vrrp_skew(sm);
		return 0;
	}
	return become_backup(sm, now);
}

static int addr_cmp(int af, const uint8_t *a, const union vlb_addr *b)
{
	return memcmp(a, af == AF_INET ? (const void *)&b->in : (const void *)&b->in6,
		      af == AF_INET ? 4 : 16);
}

int vrrp_sm_rx(struct vrrp_sm *sm, const struct vrrp_adv *adv, const union vlb_addr *src,
	       double now)
{
	int act = 0;

	if (sm->state == VRRP_FAULT)
		return 0;
	if (sm->version == 2 && adv->adv_cs != sm->adv_cs) {
		sm->rx_dropped++;
		return -1;
	}
	sm->rx++;
	if (adv->priority == 0)
		sm->rx_prio0++;
	if (sm->state == VRRP_MASTER) {
		const uint8_t *s = sm->af == AF_INET ? (const uint8_t *)&src->in :
			(const uint8_t *)&src->in6;

		if (adv->priority == 0) {
			/* the old master leaves: take over at once */
			sm->adv_at = now + sm->adv_cs / 100.0;
			sm->tx++;
			return VRRP_ACT_SEND;
		}
		if (adv->priority > sm->prio ||
		    (adv->priority == sm->prio && addr_cmp(sm->af, s, &sm->self) > 0)) {
			if (sm->version == 3)
				sm->master_adv_cs = adv->adv_cs;
			return become_backup(sm, now);
		}
		/* lower: assert ourselves now rather than at the next tick */
		sm->adv_at = now + sm->adv_cs / 100.0;
		sm->tx++;
		return VRRP_ACT_SEND;
	}
	/* BACKUP or INIT */
	if (adv->priority == 0) {
		sm->down_at = now + vrrp_skew(sm);
		return 0;
	}
	if (!sm->nopreempt && adv->priority < sm->prio && sm->prio != 255) {
		if (sm->preempt_delay <= 0)
			return 0;		/* ignore it: preempt at the down timer */
		if (!sm->preempt_at)
			sm->preempt_at = now + sm->preempt_delay;
		if (now >= sm->preempt_at)
			return 0;
	} else if (sm->prio == 255 && adv->priority < 255) {
		return 0;
	} else if (adv->priority >= sm->prio) {
		sm->preempt_at = 0;
	}
	if (sm->version == 3)
		sm->master_adv_cs = adv->adv_cs;
	sm->down_at = now + vrrp_master_down(sm);
	if (sm->state == VRRP_INIT)
		act = become_backup(sm, now);
	return act;
}

int vrrp_sm_timer(struct vrrp_sm *sm, double now)
{
	if (sm->state == VRRP_MASTER && sm->adv_at && now >= sm->adv_at) {
		sm->adv_at += sm->adv_cs / 100.0;
		if (sm->adv_at <= now)		/* we ran late: no burst */
			sm->adv_at = now + sm->adv_cs / 100.0;
		sm->tx++;
		return VRRP_ACT_SEND;
	}
	if ((sm->state == VRRP_BACKUP || sm->state == VRRP_INIT) && sm->down_at &&
	    now >= sm->down_at)
		return become_master(sm, now);
	return 0;
}

double vrrp_sm_next(const struct vrrp_sm *sm)
{
	if (sm->state == VRRP_MASTER)
		return sm->adv_at;
	if (sm->state == VRRP_BACKUP || sm->state == VRRP_INIT)
		return sm->down_at;
	return 0;
}

int vrrp_sm_fault(struct vrrp_sm *sm, double now)
{
	int act = 0;

	(void)now;
	if (sm->state == VRRP_FAULT)
		return 0;
	if (sm->state == VRRP_MASTER) {
		sm->tx_prio0++;
		act |= VRRP_ACT_SEND0;
	}
	sm->down_at = sm->adv_at = 0;
	return act | set_state(sm, VRRP_FAULT);
}

int vrrp_sm_recover(struct vrrp_sm *sm, double now)
{
	if (sm->state != VRRP_FAULT)
		return 0;
	sm->master_adv_cs = sm->adv_cs;
	sm->preempt_at = 0;
	return become_backup(sm, now);
}

int vrrp_sm_stop(struct vrrp_sm *sm)
{
	int act = VRRP_ACT_STOP;

	if (sm->state == VRRP_MASTER) {
		sm->tx_prio0++;
		act |= VRRP_ACT_SEND0;
	}
	sm->state = VRRP_INIT;
	sm->down_at = sm->adv_at = 0;
	return act;
}

int vrrp_sm_force(struct vrrp_sm *sm, int state, double now)
{
	if (sm->state == state)
		return 0;
	switch (state) {
	case VRRP_MASTER:
		if (sm->state == VRRP_FAULT)
			return 0;
		return become_master(sm, now);
	case VRRP_BACKUP:
		if (sm->state == VRRP_FAULT)
			return 0;
		return become_backup(sm, now);
	case VRRP_FAULT:
		return vrrp_sm_fault(sm, now);
	}
	return 0;
}

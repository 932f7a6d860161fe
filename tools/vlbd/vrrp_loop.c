// SPDX-License-Identifier: GPL-2.0
/*
 * The VRRP instances at run time: vrrp.c's state machine on vlbd's
 * libevent loop. Each instance has its socket (vrrp_net.c), one timer
 * armed at the machine's next deadline, and a notify queue (notify.c).
 * Actions are done in a fixed order: a priority-0 advert, the VIPs
 * removed, the VIPs added and announced (vip.c), the advert, then the log
 * line, the notify scripts and the sync group's members. Trackers
 * (track.c) and the instance's own interface give the effective priority
 * and FAULT; a sync group is in FAULT when any member's trackers say so,
 * and its members follow each other into MASTER and BACKUP.
 *
 * Reload matches instances by (virtual_router_id, family, interface,
 * version, unicast or not), as keepalived does, and keeps the state,
 * timers and counters of every match; only what changed is applied (the
 * VIP difference, the priority, the timers from the next advert on). An
 * instance that is gone stops as at shutdown: priority-0 advert if it was
 * master, VIPs removed, notify_stop.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "vlbd.h"
#include "vrrp.h"
#include "check.h"

static struct vlbd_conf *cur;
static int in_sync;

static void arm(struct vlbd_vrrp_rt *rt)
{
	double next = vrrp_sm_next(&rt->sm);
	struct timeval tv;

	if (!next) {
		evtimer_del(rt->timer);
		return;
	}
	vlbd_timeval(&tv, next - vlbd_now());
	evtimer_add(rt->timer, &tv);
}

static void notify_state(struct vlbd_notify_q *q, const struct vlbd_notify_cmds *n,
			 const char *kind, const char *name, int state, int prio)
{
	const char *cmd = state == VRRP_MASTER ? n->master : state == VRRP_BACKUP ? n->backup :
			  state == VRRP_FAULT ? n->fault : n->stop;
	int idx = state == VRRP_MASTER ? 0 : state == VRRP_BACKUP ? 1 :
		  state == VRRP_FAULT ? 2 : 3;
	char p[8];
	const char *extra[5] = { kind, name, state == VRRP_INIT ? "STOP" : vrrp_state_name(state),
				 p, NULL };

	snprintf(p, sizeof(p), "%d", prio);
	vlbd_notify_queue(q, cmd, n->user[idx], NULL);
	vlbd_notify_queue(q, n->generic, n->user[4], extra);
}

static void group_follow(struct vlbd_vrrp_rt *rt, int state);

static void garp_cb(evutil_socket_t fd, short what, void *arg)
{
	struct vlbd_vrrp_rt *rt = arg;

	(void)fd;
	(void)what;
	if (rt->holding)
		vlbd_vip_garp(rt);
}

static void do_actions(struct vlbd_vrrp_rt *rt, int act, int prev, const char *why)
{
	struct vlbd_vrrp *v = rt->cfg;

	if (act & VRRP_ACT_SEND0 && vlbd_vrrp_send(rt, 0))
		vlbd_log(LOG_WARNING, "vrrp_instance %s: cannot send the priority-0 advert: %s",
			 v->name, strerror(errno));
	if (act & (VRRP_ACT_BACKUP | VRRP_ACT_FAULT | VRRP_ACT_STOP)) {
		if (rt->holding)
			vlbd_vip_del(rt);
		evtimer_del(rt->garp_ev);
	}
	if (act & VRRP_ACT_MASTER) {
		struct timeval tv;

		vlbd_vip_add(rt);
		vlbd_vip_garp(rt);
		vlbd_timeval(&tv, v->garp_delay);
		if (v->garp_delay > 0)
			evtimer_add(rt->garp_ev, &tv);
	}
	if (act & VRRP_ACT_SEND && vlbd_vrrp_send(rt, rt->sm.prio))
		vlbd_log(LOG_DEBUG, "vrrp_instance %s: cannot send an advert: %s", v->name,
			 strerror(errno));
	if (act & (VRRP_ACT_MASTER | VRRP_ACT_BACKUP | VRRP_ACT_FAULT)) {
		rt->state_since = vlbd_now();
		vlbd_log(LOG_NOTICE, "vrrp_instance %s: %s -> %s (priority %d%s%s)", v->name,
			 vrrp_state_name(prev), vrrp_state_name(rt->sm.state), rt->sm.prio,
			 why ? ", " : "", why ? why : "");
		notify_state(&rt->q, &v->notify, "INSTANCE", v->name, rt->sm.state, rt->sm.prio);
		group_follow(rt, rt->sm.state);
	}
	if (rt->timer)
		arm(rt);
}

/* A member moved to @state: the others follow, then the group notifies. */
static void group_follow(struct vlbd_vrrp_rt *rt, int state)
{
	struct vlbd_vsync *g = rt->cfg->sync;
	int i, all = 1;

	if (!g)
		return;
	if (!in_sync) {
		in_sync = 1;
		for (i = 0; i < g->nmembers; i++) {
			struct vlbd_vrrp_rt *m = g->inst[i]->rt;
			int prev, act;

			if (!m || m == rt || m->sm.state == state)
				continue;
			prev = m->sm.state;
			act = vrrp_sm_force(&m->sm, state, vlbd_now());
			if (act)
				do_actions(m, act, prev, "sync group");
		}
		in_sync = 0;
	}
	for (i = 0; i < g->nmembers; i++)
		if (g->inst[i]->rt && g->inst[i]->rt->sm.state != state)
			all = 0;
	if (all && g->state != state && g->q) {
		g->state = state;
		vlbd_log(LOG_NOTICE, "vrrp_sync_group %s: %s", g->name, vrrp_state_name(state));
		notify_state(g->q, &g->notify, "GROUP", g->name, state, 0);
	}
}

/*
 * An advert whose address list is not ours is accepted, as RFC 9568 (and
 * keepalived since 2.3.3) wants, so that routers reloaded one at a time
 * do not both become master; it is counted and logged once a minute.
 */
static void check_addrs(struct vlbd_vrrp_rt *rt, const struct vrrp_adv *adv,
			const union vlb_addr *src)
{
	const struct vlbd_vrrp *v = rt->cfg;
	size_t alen = v->af == AF_INET ? 4 : 16;
	int i, same = adv->naddr == v->nvips;

	for (i = 0; same && i < v->nvips; i++)
		if (memcmp(adv->addrs + alen * (size_t)i, &v->vips[i].addr, alen))
			same = 0;
	if (same)
		return;
	rt->addr_mismatch++;
	if (vlbd_now() - rt->addr_logged > 60 || !rt->addr_logged) {
		char a[INET6_ADDRSTRLEN];

		rt->addr_logged = vlbd_now();
		inet_ntop(v->af, src, a, sizeof(a));
		vlbd_log(LOG_WARNING, "vrrp_instance %s: the advert from %s lists %d address%s, "
			 "not our %d in the same order; accepted (logged once a minute)",
			 v->name, a, adv->naddr, adv->naddr == 1 ? "" : "es", v->nvips);
	}
}

static void rx_cb(evutil_socket_t fd, short what, void *arg)
{
	static uint8_t buf[65536];
	struct vlbd_vrrp_rt *rt = arg;
	struct vrrp_adv adv;
	union vlb_addr src;
	int n, k;

	(void)fd;
	(void)what;
	for (k = 0; k < 64 && rt->fd >= 0; k++) {
		int prev = rt->sm.state, act;

		n = vlbd_vrrp_recv(rt, buf, sizeof(buf), &adv, &src);
		if (n <= 0)
			break;
		if (adv.priority)
			check_addrs(rt, &adv, &src);
		act = vrrp_sm_rx(&rt->sm, &adv, &src, vlbd_now());
		if (act < 0) {
			char a[INET6_ADDRSTRLEN];

			inet_ntop(rt->cfg->af, &src, a, sizeof(a));
			rt->rx_bad++;
			snprintf(rt->last_bad, sizeof(rt->last_bad),
				 "from %s: advert_int %.0fs, ours is %.0fs (version 2 must match)", a,
				 adv.adv_cs / 100.0, rt->cfg->adv_cs / 100.0);
			continue;
		}
		if (act)
			do_actions(rt, act, prev, act & VRRP_ACT_BACKUP ? "an advert from a "
				   "higher priority" : NULL);
		else
			arm(rt);
	}
}

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct vlbd_vrrp_rt *rt = arg;
	double now = vlbd_now(), due = vrrp_sm_next(&rt->sm);
	int prev = rt->sm.state, act;

	(void)fd;
	(void)what;
	if ((prev == VRRP_BACKUP || prev == VRRP_INIT) && rt->fd >= 0) {
		/*
		 * After a stall (a busy host, a slow start) the master's advert
		 * and this timer are ready at once, and libevent may run the
		 * timer first: read what has arrived before calling the master
		 * dead.
		 */
		rx_cb(rt->fd, EV_READ, rt);
		if (rt->sm.state != prev)
			return;
		now = vlbd_now();
		due = vrrp_sm_next(&rt->sm);
		if (!due || now < due) {
			arm(rt);
			return;
		}
	}
	if (due && now - due > rt->cfg->adv_cs / 100.0)
		vlbd_log(LOG_WARNING, "vrrp_instance %s: the timer ran %.0f ms late (a busy "
			 "host can make a backup take over)", rt->cfg->name, (now - due) * 1000);
	act = vrrp_sm_timer(&rt->sm, now);
	do_actions(rt, act, prev, act & VRRP_ACT_MASTER ? "no advert from a master" : NULL);
}

static void drop_sock(struct vlbd_vrrp_rt *rt)
{
	if (rt->rx_ev)
		event_free(rt->rx_ev);
	rt->rx_ev = NULL;
	vlbd_vrrp_sock_close(rt);
}

static int ensure_sock(struct vlbd_vrrp_rt *rt)
{
	if (rt->fd >= 0)
		return 0;
	if (vlbd_vrrp_sock_open(rt)) {
		snprintf(rt->fault_why, sizeof(rt->fault_why), "cannot open its socket on %s: %s",
			 rt->cfg->ifname, strerror(errno));
		return -1;
	}
	rt->rx_ev = event_new(vlbd_base, rt->fd, EV_READ | EV_PERSIST, rx_cb, rt);
	if (!rt->rx_ev || event_add(rt->rx_ev, NULL) < 0) {
		drop_sock(rt);
		snprintf(rt->fault_why, sizeof(rt->fault_why), "out of memory");
		return -1;
	}
	return 0;
}

/* The effective priority and whether the instance's trackers say FAULT. */
static void eval_own(struct vlbd_vrrp_rt *rt)
{
	struct vlbd_vrrp *v = rt->cfg;
	int prio = v->priority, fault = 0, i;

	rt->fault_why[0] = '\0';
	if (!vlbd_link_up(v->ifname)) {
		snprintf(rt->fault_why, sizeof(rt->fault_why), "interface %s is down or missing",
			 v->ifname);
		fault = 1;
		drop_sock(rt);
	} else if (ensure_sock(rt)) {
		fault = 1;
	}
	for (i = 0; i < v->ntifs; i++) {
		const struct vlbd_track_if *t = &v->tifs[i];
		int up = vlbd_link_up(t->name) ^ t->reverse;

		if (!t->weight && !up) {
			if (!fault)
				snprintf(rt->fault_why, sizeof(rt->fault_why),
					 "tracked interface %s is down", t->name);
			fault = 1;
		} else if ((t->weight > 0 && up) || (t->weight < 0 && !up)) {
			prio += t->weight;
		}
	}
	for (i = 0; i < v->ntss; i++) {
		const struct vlbd_track_script *t = &v->tss[i];
		int ok = t->s->ok ^ t->reverse;

		if (!t->weight && !ok) {
			if (!fault)
				snprintf(rt->fault_why, sizeof(rt->fault_why),
					 "vrrp_script %s failed", t->name);
			fault = 1;
		} else if ((t->weight > 0 && ok) || (t->weight < 0 && !ok)) {
			prio += t->weight;
		}
	}
	if (v->priority == 255)
		prio = 255;
	else if (prio < 1)
		prio = 1;
	else if (prio > 254)
		prio = 254;
	if (prio != rt->sm.prio && rt->sm.transitions)
		vlbd_log(LOG_NOTICE, "vrrp_instance %s: priority %d -> %d", v->name, rt->sm.prio,
			 prio);
	rt->sm.prio = prio;
	rt->own_fault = fault;
	if (!fault)
		vlbd_vrrp_primary(rt, &rt->sm.self);
}

static void reeval_all(struct vlbd_conf *c)
{
	int i, j;

	for (i = 0; i < c->nvrrp; i++)
		if (c->vrrp[i].rt)
			eval_own(c->vrrp[i].rt);
	for (i = 0; i < c->nvrrp; i++) {
		struct vlbd_vrrp_rt *rt = c->vrrp[i].rt;
		struct vlbd_vsync *g = c->vrrp[i].sync;
		const char *why = rt ? rt->fault_why : NULL;
		int fault, prev, act;

		if (!rt)
			continue;
		fault = rt->own_fault;
		for (j = 0; g && j < g->nmembers && !fault; j++)
			if (g->inst[j]->rt && g->inst[j]->rt->own_fault) {
				fault = 1;
				why = "a member of its sync group is in FAULT";
			}
		prev = rt->sm.state;
		if (fault && prev != VRRP_FAULT) {
			act = vrrp_sm_fault(&rt->sm, vlbd_now());
			do_actions(rt, act, prev, why);
		} else if (!fault && prev == VRRP_FAULT) {
			act = vrrp_sm_recover(&rt->sm, vlbd_now());
			do_actions(rt, act, prev, "its trackers are up again");
		}
	}
}

void vlbd_vrrp_reeval(void)
{
	if (cur)
		reeval_all(cur);
}

static void sm_config(struct vlbd_vrrp_rt *rt)
{
	const struct vlbd_vrrp *v = rt->cfg;

	rt->sm.version = v->version;
	rt->sm.adv_cs = v->adv_cs;
	rt->sm.nopreempt = v->nopreempt;
	rt->sm.preempt_delay = v->preempt_delay;
	rt->sm.init_master = v->init_master;
	rt->sm.af = v->af;
}

static int start_one(struct vlbd_vrrp *v)
{
	struct vlbd_vrrp_rt *rt = calloc(1, sizeof(*rt));
	int act;

	if (!rt)
		return -1;
	v->rt = rt;
	rt->cfg = v;
	rt->fd = -1;
	snprintf(rt->qname, sizeof(rt->qname), "vrrp_instance %s", v->name);
	rt->q.owner = rt->qname;
	vrrp_sm_init(&rt->sm);
	sm_config(rt);
	rt->sm.prio = v->priority;
	rt->timer = evtimer_new(vlbd_base, timer_cb, rt);
	rt->garp_ev = evtimer_new(vlbd_base, garp_cb, rt);
	if (!rt->timer || !rt->garp_ev)
		return -1;
	rt->state_since = vlbd_now();
	/* a vlbd killed while master left its addresses behind */
	vlbd_vip_clear(rt);
	eval_own(rt);
	if (rt->own_fault) {
		rt->sm.state = VRRP_FAULT;
		rt->sm.transitions++;
		vlbd_log(LOG_NOTICE, "vrrp_instance %s: starting in FAULT (%s)", v->name,
			 rt->fault_why);
		notify_state(&rt->q, &v->notify, "INSTANCE", v->name, VRRP_FAULT, rt->sm.prio);
		return 0;
	}
	act = vrrp_sm_start(&rt->sm, vlbd_now());
	if (rt->sm.state == VRRP_INIT)
		vlbd_log(LOG_NOTICE, "vrrp_instance %s: state MASTER: waiting %.2f s for a master "
			 "to show", v->name, rt->sm.down_at - vlbd_now());
	do_actions(rt, act, VRRP_INIT, "starting");
	return 0;
}

static void free_rt(struct vlbd_vrrp_rt *rt)
{
	drop_sock(rt);
	if (rt->timer)
		event_free(rt->timer);
	if (rt->garp_ev)
		event_free(rt->garp_ev);
	vlbd_notify_free(&rt->q);
	free(rt);
}

/* Shutdown, or gone in a reload: priority 0, VIPs away, notify_stop queued. */
static void stop_now(struct vlbd_vrrp *v)
{
	struct vlbd_vrrp_rt *rt = v->rt;
	int act, prev;

	if (!rt)
		return;
	prev = rt->sm.state;
	act = vrrp_sm_stop(&rt->sm);
	do_actions(rt, act, prev, NULL);
	vlbd_log(LOG_NOTICE, "vrrp_instance %s: %s -> stopped%s", v->name, vrrp_state_name(prev),
		 act & VRRP_ACT_SEND0 ? " (sent priority 0)" : "");
	notify_state(&rt->q, &v->notify, "INSTANCE", v->name, VRRP_INIT, 0);
}

/* Then its scripts finish, for up to @drain seconds, and it is freed. */
static void stop_finish(struct vlbd_vrrp *v, double drain)
{
	if (!v->rt)
		return;
	vlbd_notify_drain(&v->rt->q, drain);
	free_rt(v->rt);
	v->rt = NULL;
}

static int alloc_groups(struct vlbd_conf *c, struct vlbd_conf *old)
{
	int i, j;

	for (i = 0; i < c->nvsyncs; i++) {
		struct vlbd_vsync *g = &c->vsyncs[i];

		for (j = 0; old && j < old->nvsyncs; j++)
			if (old->vsyncs[j].q && !strcmp(old->vsyncs[j].name, g->name)) {
				g->q = old->vsyncs[j].q;
				g->state = old->vsyncs[j].state;
				old->vsyncs[j].q = NULL;
			}
		if (!g->q) {
			size_t len = strlen(g->name) + 32;

			g->q = calloc(1, sizeof(*g->q) + len);
			if (!g->q)
				return -1;
			snprintf((char *)(g->q + 1), len, "vrrp_sync_group %s", g->name);
			g->q->owner = (char *)(g->q + 1);
			g->state = -1;
		}
	}
	return 0;
}

static void free_groups(struct vlbd_conf *c, double drain)
{
	int i;

	for (i = 0; i < c->nvsyncs; i++) {
		struct vlbd_vsync *g = c->vsyncs[i].q ? &c->vsyncs[i] : NULL;

		if (!g)
			continue;
		if (drain >= 0) {
			notify_state(g->q, &g->notify, "GROUP", g->name, VRRP_INIT, 0);
			vlbd_notify_drain(g->q, drain);
		}
		vlbd_notify_free(g->q);
		free(g->q);
		g->q = NULL;
	}
}

int vlbd_vrrp_start(struct vlbd_conf *c)
{
	int i;

	cur = c;
	if (!c->nvrrp)
		return 0;
	if (vlbd_vip_init() || vlbd_track_init())
		return -1;
	if (vlbd_vscripts_start(c, NULL) || alloc_groups(c, NULL))
		return -1;
	for (i = 0; i < c->nvrrp; i++)
		if (start_one(&c->vrrp[i]))
			return -1;
	reeval_all(c);
	return 0;
}

static int same_key(const struct vlbd_vrrp *a, const struct vlbd_vrrp *b)
{
	return a->vrid == b->vrid && a->af == b->af && !strcmp(a->ifname, b->ifname) &&
	       a->version == b->version && !a->npeers == !b->npeers;
}

static int same_peers(const struct vlbd_vrrp *a, const struct vlbd_vrrp *b)
{
	return a->npeers == b->npeers && a->src_set == b->src_set &&
	       !memcmp(&a->src, &b->src, sizeof(a->src)) &&
	       (!a->npeers || !memcmp(a->peers, b->peers, (size_t)a->npeers * sizeof(*a->peers)));
}

void vlbd_vrrp_reload(struct vlbd_conf *old, struct vlbd_conf *new)
{
	int i, j;

	/* masters advertise first, so backups restart their timers (keepalived #754) */
	for (i = 0; i < old->nvrrp; i++)
		if (old->vrrp[i].rt && old->vrrp[i].rt->sm.state == VRRP_MASTER)
			vlbd_vrrp_send(old->vrrp[i].rt, old->vrrp[i].rt->sm.prio);
	if (new->nvrrp && (vlbd_vip_init() || vlbd_track_init()))
		vlbd_log(LOG_ERR, "reload: cannot set up rtnetlink for VRRP");
	vlbd_vscripts_stop(old);
	vlbd_vscripts_start(new, old);
	alloc_groups(new, old);
	for (i = 0; i < new->nvrrp; i++) {
		struct vlbd_vrrp *v = &new->vrrp[i];

		for (j = 0; j < old->nvrrp; j++) {
			struct vlbd_vrrp *o = &old->vrrp[j];
			struct vlbd_vrrp_rt *rt = o->rt;
			int added;

			if (!rt || !same_key(o, v))
				continue;
			o->rt = NULL;
			v->rt = rt;
			rt->cfg = v;
			snprintf(rt->qname, sizeof(rt->qname), "vrrp_instance %s", v->name);
			added = vlbd_vip_change(o->vips, o->nvips, v->vips, v->nvips, v->ifname,
						rt->holding);
			added += vlbd_vip_change(o->evips, o->nevips, v->evips, v->nevips,
						 v->ifname, rt->holding);
			if (rt->holding && added) {
				vlbd_vip_add(rt);
				vlbd_vip_garp(rt);
			}
			if (!same_peers(o, v))
				drop_sock(rt);
			sm_config(rt);
			break;
		}
	}
	for (j = 0; j < old->nvrrp; j++)
		stop_now(&old->vrrp[j]);
	for (j = 0; j < old->nvrrp; j++)
		stop_finish(&old->vrrp[j], 2);
	free_groups(old, -1);
	cur = new;
	for (i = 0; i < new->nvrrp; i++)
		if (!new->vrrp[i].rt && start_one(&new->vrrp[i]))
			vlbd_log(LOG_ERR, "reload: cannot start vrrp_instance %s", new->vrrp[i].name);
	reeval_all(new);
	for (i = 0; i < new->nvrrp; i++)
		if (new->vrrp[i].rt)
			arm(new->vrrp[i].rt);
}

void vlbd_vrrp_stop(struct vlbd_conf *c)
{
	int i;

	/* every instance lets go first, then their scripts finish */
	for (i = 0; i < c->nvrrp; i++)
		stop_now(&c->vrrp[i]);
	for (i = 0; i < c->nvrrp; i++)
		stop_finish(&c->vrrp[i], 5);
	free_groups(c, 5);
	vlbd_vscripts_stop(c);
	vlbd_track_fini();
	vlbd_vip_fini();
	cur = NULL;
}

int vlbd_vrrp_reaped(pid_t pid, int status)
{
	return vlbd_vscript_reaped(pid, status) || vlbd_notify_reaped(pid, status);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Reconciliation with vlb.ko: what the module should hold for each
 * virtual_server (its services, and as destinations the healthy real
 * servers at their current weight, inhibited ones at weight 0, or the
 * sorry server alone while quorum is lost) is compared with what it does
 * hold, read back by netlink dumps, and only the difference is sent, in
 * one batch. The same code serves start-up (vlbd found the module already
 * configured: a restart must not flap anything, so the initial health of
 * each server is taken from the module), a health change, and a reload.
 * Services the configuration does not name are never touched; a service
 * it names belongs to it wholly, destinations included. With --check-only
 * nothing is read or sent: the health of every server is only logged.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <linux/genetlink.h>

#include "vlbd.h"
#include "vlbnl.h"

static struct vlb_nl nl;
static int nl_open;
static struct vlbd_vs *dirty;
static struct event *sync_ev;
static int resync_all;
static struct vlbd_conf *cur;
/* --check-only: health is checked and logged, the module is left alone. */
int vlbd_check_only;

struct dump {
	struct vlb_service *s;
	int n;
};

static int svc_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump *d = data;
	const struct nlattr *tb[VLB_A_MAX + 1];
	struct vlb_service *n;

	if (vlb_nl_parse(nlh, tb, VLB_A_MAX) < 0 || !tb[VLB_A_SERVICE])
		return MNL_CB_ERROR;
	n = realloc(d->s, (size_t)(d->n + 1) * sizeof(*n));
	if (!n)
		return MNL_CB_ERROR;
	d->s = n;
	if (vlbadm_decode_service(tb[VLB_A_SERVICE], &d->s[d->n]) < 0)
		return MNL_CB_ERROR;
	d->n++;
	return MNL_CB_OK;
}

static int dest_cb(const struct nlmsghdr *nlh, void *data)
{
	struct vlb_service *s = data;
	const struct nlattr *tb[VLB_A_MAX + 1];
	struct vlb_dest *n;

	if (vlb_nl_parse(nlh, tb, VLB_A_MAX) < 0 || !tb[VLB_A_DEST])
		return MNL_CB_ERROR;
	n = realloc(s->dests, (size_t)(s->ndests + 1) * sizeof(*n));
	if (!n)
		return MNL_CB_ERROR;
	s->dests = n;
	if (vlbadm_decode_dest(tb[VLB_A_DEST], &s->dests[s->ndests]) < 0)
		return MNL_CB_ERROR;
	s->ndests++;
	return MNL_CB_OK;
}

static void dump_free(struct dump *d)
{
	int i;

	for (i = 0; i < d->n; i++)
		free(d->s[i].dests);
	free(d->s);
	d->s = NULL;
	d->n = 0;
}

static int dump_services(struct dump *d)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int err, tries;

	for (tries = 0; tries < 5; tries++) {
		struct nlmsghdr *nlh = vlb_nl_put_header(&nl, buf, VLB_CMD_GET_SERVICE,
							 NLM_F_DUMP);

		dump_free(d);
		err = vlb_nl_request(&nl, nlh, svc_cb, d);
		if (err != -EINTR)
			break;
	}
	return err;
}

/* The destinations of @s into s->dests; -ESRCH when there is no service. */
static int dump_dests(struct vlb_service *s)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int err, tries;

	for (tries = 0; tries < 5; tries++) {
		struct nlmsghdr *nlh = vlb_nl_put_header(&nl, buf, VLB_CMD_GET_DEST, NLM_F_DUMP);

		free(s->dests);
		s->dests = NULL;
		s->ndests = 0;
		vlbadm_put_service(nlh, s, 0);
		err = vlb_nl_request(&nl, nlh, dest_cb, s);
		if (err != -EINTR)
			break;
	}
	return err;
}

static struct vlb_service *find_svc(struct dump *d, const struct vlb_service *s)
{
	int i;

	for (i = 0; i < d->n; i++)
		if (vlbd_svc_eq(&d->s[i], s))
			return &d->s[i];
	return NULL;
}

static void svc_name(const struct vlb_service *s, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (s->fwmark) {
		snprintf(buf, len, "FWM %u", s->fwmark);
		return;
	}
	inet_ntop(s->af, &s->addr, a, sizeof(a));
	snprintf(buf, len, s->af == AF_INET6 ? "%s [%s]:%u" : "%s %s:%u",
		 s->protocol == IPPROTO_UDP ? "UDP" : "TCP", a, s->port);
}

int vlbd_nl_init(void)
{
	int err = vlb_nl_open(&nl, VLB_GENL_NAME);

	if (err == -ENOENT) {
		vlbd_log(LOG_ERR, "the generic netlink family \"%s\" is not registered: "
			 "is the vlb module loaded (modprobe vlb)?", VLB_GENL_NAME);
		return -1;
	}
	if (err) {
		vlbd_log(LOG_ERR, "cannot open the vlb netlink family: %s", strerror(-err));
		return -1;
	}
	/* scripts forked for MISC_CHECK must not inherit the socket */
	fcntl(mnl_socket_get_fd(nl.sock), F_SETFD, FD_CLOEXEC);
	nl_open = 1;
	return 0;
}

void vlbd_nl_fini(void)
{
	if (nl_open)
		vlb_nl_close(&nl);
	nl_open = 0;
	if (sync_ev)
		event_free(sync_ev);
	sync_ev = NULL;
}

/* --- what the module should hold -------------------------------------- */

static int base_weight(const struct vlbd_rs *rs)
{
	int i, w = rs->weight;

	for (i = 0; i < rs->nchecks; i++)
		if (rs->checks[i].misc_dynamic && rs->checks[i].dyn_weight >= 0)
			w = rs->checks[i].dyn_weight;
	return w;
}

void vlbd_rs_weight(const struct vlbd_rs *rs, int *weight, int *present)
{
	int w = base_weight(rs);
	double age;

	if (!rs->up) {
		*present = rs->inhibit;
		*weight = 0;
		return;
	}
	*present = 1;
	age = vlbd_now() - rs->up_since;
	if (rs->slow_start > 0 && age < rs->slow_start && w > 0) {
		int ramp = (int)((double)w * age / rs->slow_start);

		w = ramp < 1 ? 1 : ramp;
	}
	*weight = w;
}

void vlbd_vs_update_quorum(struct vlbd_vs *vs, int log)
{
	char name[160];
	long live = 0;
	int i, was = vs->quorum_up;

	for (i = 0; i < vs->nrs; i++)
		if (vs->rs[i].up)
			live += base_weight(&vs->rs[i]);
	if (vs->quorum_up && (live < (long)vs->quorum - vs->hysteresis || live == 0))
		vs->quorum_up = 0;
	else if (!vs->quorum_up && live >= (long)vs->quorum + vs->hysteresis && live > 0)
		vs->quorum_up = 1;
	if (log && was != vs->quorum_up) {
		vlbd_vs_name(vs, name, sizeof(name));
		vlbd_log(LOG_NOTICE, "%s: quorum %s (live weight %ld, quorum %d, hysteresis %d)%s",
			 name, vs->quorum_up ? "gained" : "lost", live, vs->quorum,
			 vs->hysteresis, vs->sorry ? (vs->quorum_up ? ": sorry server out" :
						       ": sorry server in") : "");
	}
}

struct want {
	const struct vlbd_rs *rs;
	int weight;
};

static int wanted(const struct vlbd_vs *vs, struct want *w)
{
	int i, n = 0, present, weight;

	if (!vs->quorum_up && vs->sorry) {
		w[0].rs = vs->sorry;
		w[0].weight = 1;
		return 1;
	}
	for (i = 0; i < vs->nrs; i++) {
		vlbd_rs_weight(&vs->rs[i], &weight, &present);
		if (present) {
			w[n].rs = &vs->rs[i];
			w[n++].weight = weight;
		}
	}
	return n;
}

static void put_dest(struct nlmsghdr *nlh, const struct vlbd_vs *vs, const struct vlbd_rs *rs,
		     int weight, int full)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, VLB_A_DEST);

	mnl_attr_put(nlh, VLB_DEST_A_ADDR, rs->af == AF_INET6 ? 16 : 4, &rs->addr);
	mnl_attr_put_u16(nlh, VLB_DEST_A_PORT, htons(rs->port));
	if (rs->af != vs->af)
		mnl_attr_put_u16(nlh, VLB_DEST_A_AF, (uint16_t)rs->af);
	if (full) {
		mnl_attr_put_u32(nlh, VLB_DEST_A_FWD_METHOD, (uint32_t)vs->fwd);
		mnl_attr_put_u32(nlh, VLB_DEST_A_WEIGHT, (uint32_t)weight);
		if (vs->fwd == VLB_FWD_TUNNEL) {
			mnl_attr_put_u8(nlh, VLB_DEST_A_TUN_TYPE, (uint8_t)vs->tun_type);
			mnl_attr_put_u16(nlh, VLB_DEST_A_TUN_FLAGS, (uint16_t)vs->tun_flags);
			if (vs->tun_type == VLB_TUN_GUE)
				mnl_attr_put_u16(nlh, VLB_DEST_A_TUN_PORT,
						 htons((uint16_t)vs->tun_port));
		}
	}
	mnl_attr_nest_end(nlh, nest);
}

static void batch_err(unsigned long cookie, int err, const char *ext, void *data)
{
	(void)cookie;
	(void)data;
	vlbd_log(LOG_ERR, "the module refused a change: %s%s%s", strerror(-err),
		 ext && ext[0] ? ": " : "", ext ? ext : "");
}

static int svc_request(int cmd, const struct vlb_service *s, int full)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], name[160];
	struct nlmsghdr *nlh = vlb_nl_put_header(&nl, buf, (uint8_t)cmd, 0);
	int err;

	vlbadm_put_service(nlh, s, full);
	err = vlb_nl_request(&nl, nlh, NULL, NULL);
	if (err) {
		svc_name(s, name, sizeof(name));
		vlbd_log(LOG_ERR, "%s %s: %s%s%s", cmd == VLB_CMD_NEW_SERVICE ? "adding" :
			 cmd == VLB_CMD_SET_SERVICE ? "changing" : "deleting", name,
			 strerror(-err), nl.ext_msg[0] ? ": " : "", nl.ext_msg);
	}
	return err;
}

static int svc_attrs_differ(const struct vlb_service *k, const struct vlb_service *want)
{
	return strcmp(k->sched, want->sched) || k->flags != want->flags ||
	       ((want->flags & VLB_SVC_F_PERSISTENT) && k->timeout != want->timeout) ||
	       k->netmask != want->netmask;
}

/*
 * Brings one kernel service of @vs to what it should be; @have is what the
 * module holds (NULL: unknown, look). Returns the number of changes made,
 * or <0 when something failed (the next sync starts from a fresh dump).
 */
static int sync_svc(struct vlbd_vs *vs, const struct vlb_service *want_svc,
		    const struct vlb_service *have, struct vlb_nl_batch *bt)
{
	struct vlb_service cur_svc = *want_svc;
	struct want *w = calloc((size_t)vs->nrs + 1, sizeof(*w));
	char name[160];
	int n, i, j, err, changes = 0, *keep;

	if (!w)
		return -ENOMEM;
	cur_svc.dests = NULL;
	cur_svc.ndests = 0;
	svc_name(want_svc, name, sizeof(name));
	if (have && svc_attrs_differ(have, want_svc)) {
		if (svc_request(VLB_CMD_SET_SERVICE, want_svc, 1) == 0) {
			vlbd_log(LOG_INFO, "%s: scheduler or persistence changed", name);
			changes++;
		}
	}
	err = dump_dests(&cur_svc);
	if (err == -ESRCH) {
		err = svc_request(VLB_CMD_NEW_SERVICE, want_svc, 1);
		if (err) {
			free(w);
			return err;
		}
		vlbd_log(LOG_INFO, "%s: service added", name);
		changes++;
	} else if (err) {
		vlbd_log(LOG_ERR, "%s: cannot read its destinations: %s", name, strerror(-err));
		free(w);
		return err;
	}
	keep = calloc((size_t)cur_svc.ndests + 1, sizeof(*keep));
	if (!keep) {
		free(cur_svc.dests);
		free(w);
		return -ENOMEM;
	}
	n = wanted(vs, w);
	for (i = 0; i < n; i++) {
		const struct vlbd_rs *rs = w[i].rs;
		struct vlb_dest *d = NULL;
		struct nlmsghdr *nlh;
		int cmd = VLB_CMD_NEW_DEST;
		char rn[64];

		for (j = 0; j < cur_svc.ndests && !d; j++)
			if (cur_svc.dests[j].af == rs->af && cur_svc.dests[j].port == rs->port &&
			    vlbd_addr_eq(rs->af, &cur_svc.dests[j].addr, &rs->addr)) {
				d = &cur_svc.dests[j];
				keep[j] = 1;
			}
		if (d) {
			if (d->weight == (uint32_t)w[i].weight && d->fwd == (uint32_t)vs->fwd &&
			    (vs->fwd != VLB_FWD_TUNNEL ||
			     (d->tun_type == vs->tun_type && d->tun_flags == vs->tun_flags &&
			      d->tun_port == vs->tun_port)))
				continue;
			cmd = VLB_CMD_SET_DEST;
		}
		nlh = vlb_nl_batch_current(bt);
		if (!nlh)
			break;
		nlh = vlb_nl_put_header(&nl, nlh, (uint8_t)cmd, 0);
		vlbadm_put_service(nlh, want_svc, 0);
		put_dest(nlh, vs, rs, w[i].weight, 1);
		vlb_nl_batch_add(bt, 0);
		changes++;
		vlbd_rs_name(rs, rn, sizeof(rn));
		vlbd_log(LOG_INFO, "%s: %s %s weight %d", name,
			 cmd == VLB_CMD_NEW_DEST ? "adding" : "setting", rn, w[i].weight);
	}
	for (j = 0; j < cur_svc.ndests; j++) {
		struct vlb_dest *d = &cur_svc.dests[j];
		struct vlbd_rs tmp = { .af = d->af, .addr = d->addr, .port = d->port };
		struct nlmsghdr *nlh;
		char rn[64];

		if (keep[j])
			continue;
		nlh = vlb_nl_batch_current(bt);
		if (!nlh)
			break;
		nlh = vlb_nl_put_header(&nl, nlh, VLB_CMD_DEL_DEST, 0);
		vlbadm_put_service(nlh, want_svc, 0);
		put_dest(nlh, vs, &tmp, 0, 0);
		vlb_nl_batch_add(bt, 0);
		changes++;
		vlbd_rs_name(&tmp, rn, sizeof(rn));
		vlbd_log(LOG_INFO, "%s: removing %s", name, rn);
	}
	free(keep);
	free(cur_svc.dests);
	free(w);
	return changes;
}

static int sync_vs(struct vlbd_vs *vs, struct dump *d)
{
	struct vlb_nl_batch bt;
	int i, rc = 0, r;

	if (vlb_nl_batch_init(&bt, &nl, batch_err, NULL) < 0)
		return -ENOMEM;
	for (i = 0; i < vs->nsvcs; i++) {
		r = sync_svc(vs, &vs->svcs[i], d ? find_svc(d, &vs->svcs[i]) : NULL, &bt);
		if (r < 0)
			rc = r;
	}
	r = vlb_nl_batch_flush(&bt);
	if (r < 0 || bt.failed)
		rc = r < 0 ? r : -EIO;
	vlb_nl_batch_free(&bt);
	return rc;
}

static void sync_cb(evutil_socket_t fd, short what, void *arg)
{
	struct vlbd_vs *vs, *next;
	int failed = 0, i;

	(void)fd;
	(void)what;
	(void)arg;
	if (resync_all && cur) {
		resync_all = 0;
		for (i = 0; i < cur->nvs; i++)
			cur->vs[i].dirty = 1;
		dirty = NULL;
		for (i = 0; i < cur->nvs; i++) {
			cur->vs[i].next_dirty = dirty;
			dirty = &cur->vs[i];
		}
	}
	for (vs = dirty, dirty = NULL; vs; vs = next) {
		next = vs->next_dirty;
		vs->dirty = 0;
		vs->next_dirty = NULL;
		if (!vlbd_check_only && sync_vs(vs, NULL) < 0)
			failed = 1;
	}
	if (failed) {
		/* the module changed under us, or refused: try again shortly */
		struct timeval tv = { 1, 0 };

		resync_all = 1;
		event_add(sync_ev, &tv);
	}
}

void vlbd_vs_changed(struct vlbd_vs *vs)
{
	vlbd_vs_update_quorum(vs, 1);
	if (!vs->dirty) {
		vs->dirty = 1;
		vs->next_dirty = dirty;
		dirty = vs;
	}
	if (sync_ev)
		event_active(sync_ev, EV_TIMEOUT, 0);
}

/* --- start-up and reload ------------------------------------------------ */

static void set_checkers(struct vlbd_rs *rs)
{
	int k;

	for (k = 0; k < rs->nchecks; k++) {
		rs->checks[k].up = rs->up;
		rs->checks[k].fails = rs->checks[k].oks = 0;
	}
}

/*
 * The initial health of @vs's servers: what the module holds says what the
 * last vlbd decided (a destination with weight > 0 is up; one that is
 * absent, or at weight 0 when inhibit_on_failure is set, is down), so a
 * restart changes nothing. A service the module does not have starts with
 * every server up, or down with alpha.
 */
static void initial_state(struct vlbd_vs *vs, struct dump *d)
{
	struct vlb_service *have = NULL;
	int i, j;

	for (i = 0; i < vs->nsvcs && !have; i++)
		have = find_svc(d, &vs->svcs[i]);
	if (have && !have->dests && have->num_dests)
		dump_dests(have);
	for (i = 0; i < vs->nrs; i++) {
		struct vlbd_rs *rs = &vs->rs[i];

		rs->up = !rs->alpha;
		if (have) {
			rs->up = 0;
			for (j = 0; j < have->ndests; j++) {
				struct vlb_dest *k = &have->dests[j];

				if (k->af == rs->af && k->port == rs->port &&
				    vlbd_addr_eq(rs->af, &k->addr, &rs->addr) && k->weight > 0)
					rs->up = 1;
			}
		}
		rs->up_since = vlbd_now() - (rs->slow_start > 0 ? rs->slow_start : 0);
		set_checkers(rs);
	}
	vs->quorum_up = 0;
	vlbd_vs_update_quorum(vs, 0);
	if (have && vs->sorry) {
		/* keep the sorry server in if the module has it and nothing else */
		int only_sorry = have->ndests > 0;

		for (j = 0; j < have->ndests; j++) {
			struct vlb_dest *k = &have->dests[j];

			if (!(k->af == vs->sorry->af && k->port == vs->sorry->port &&
			      vlbd_addr_eq(k->af, &k->addr, &vs->sorry->addr)))
				only_sorry = 0;
		}
		if (only_sorry)
			vs->quorum_up = 0;
	}
}

static int ensure_sync_ev(void)
{
	if (!sync_ev)
		sync_ev = event_new(vlbd_base, -1, 0, sync_cb, NULL);
	return sync_ev ? 0 : -1;
}

int vlbd_reconcile_start(struct vlbd_conf *c)
{
	struct dump d = { 0 };
	int i, err, rc = 0;

	if (ensure_sync_ev())
		return -1;
	if (vlbd_check_only) {
		/* nothing to read: every server starts as without a module */
		for (i = 0; i < c->nvs; i++)
			initial_state(&c->vs[i], &d);
		cur = c;
		return 0;
	}
	err = dump_services(&d);
	if (err) {
		vlbd_log(LOG_ERR, "cannot read the module's services: %s", strerror(-err));
		dump_free(&d);
		return -1;
	}
	for (i = 0; i < c->nvs; i++)
		initial_state(&c->vs[i], &d);
	for (i = 0; i < c->nvs; i++)
		if (sync_vs(&c->vs[i], &d) < 0)
			rc = -1;
	dump_free(&d);
	cur = c;
	return rc;
}

static int same_vs(const struct vlbd_vs *a, const struct vlbd_vs *b)
{
	if (a->kind != b->kind || a->af != b->af)
		return 0;
	switch (a->kind) {
	case VS_GROUP:
		return !strcmp(a->group, b->group);
	case VS_FWMARK:
		return a->fwmark == b->fwmark;
	default:
		return a->port == b->port && a->protocol == b->protocol &&
		       vlbd_addr_eq(a->af, &a->addr, &b->addr);
	}
}

static int checker_eq(const struct vlbd_checker *a, const struct vlbd_checker *b)
{
	return a->type == b->type && a->connect_port == b->connect_port &&
	       a->connect_ip_set == b->connect_ip_set &&
	       (!a->connect_ip_set || !memcmp(&a->connect.ss, &b->connect.ss, a->connect.len));
}

/* Moves the health of matching servers from @o to @n. */
static void migrate(struct vlbd_vs *n, const struct vlbd_vs *o)
{
	int i, j, k;

	n->quorum_up = o->quorum_up;
	for (i = 0; i < n->nrs; i++) {
		struct vlbd_rs *rs = &n->rs[i];
		const struct vlbd_rs *old = NULL;

		for (j = 0; j < o->nrs; j++)
			if (o->rs[j].af == rs->af && o->rs[j].port == rs->port &&
			    vlbd_addr_eq(rs->af, &o->rs[j].addr, &rs->addr))
				old = &o->rs[j];
		if (!old) {
			/* a new server in a known service: as at start */
			rs->up = !rs->alpha;
			rs->up_since = vlbd_now() - (rs->slow_start > 0 ? rs->slow_start : 0);
			set_checkers(rs);
			continue;
		}
		rs->up = old->up;
		rs->up_since = old->up_since;
		rs->transitions = old->transitions;
		set_checkers(rs);
		for (k = 0; k < rs->nchecks && k < old->nchecks; k++) {
			struct vlbd_checker *ck = &rs->checks[k];
			const struct vlbd_checker *oc = &old->checks[k];

			if (!checker_eq(ck, oc))
				continue;
			ck->up = oc->up;
			ck->fails = oc->fails;
			ck->oks = oc->oks;
			ck->dyn_weight = oc->dyn_weight;
			ck->nchecks = oc->nchecks;
			ck->nfails = oc->nfails;
		}
		/* the server's state follows its checkers, as always */
		for (k = 0, rs->up = 1; k < rs->nchecks; k++)
			rs->up &= rs->checks[k].up;
	}
	vlbd_vs_update_quorum(n, 1);
}

int vlbd_reconcile_reload(struct vlbd_conf *old, struct vlbd_conf *new)
{
	struct dump d = { 0 };
	int i, j, k, err, rc = 0;

	if (ensure_sync_ev())
		return -1;
	err = vlbd_check_only ? 0 : dump_services(&d);
	if (err) {
		vlbd_log(LOG_ERR, "cannot read the module's services: %s", strerror(-err));
		dump_free(&d);
		return -1;
	}
	for (i = 0; i < new->nvs; i++) {
		struct vlbd_vs *vs = &new->vs[i];
		const struct vlbd_vs *o = NULL;

		for (j = 0; j < old->nvs && !o; j++)
			if (same_vs(vs, &old->vs[j]))
				o = &old->vs[j];
		if (o)
			migrate(vs, o);
		else
			initial_state(vs, &d);
	}
	/* services the old configuration had and the new one does not */
	for (i = 0; i < old->nvs; i++)
		for (j = 0; j < old->vs[i].nsvcs; j++) {
			const struct vlb_service *s = &old->vs[i].svcs[j];
			int kept = 0;

			for (k = 0; k < new->nvs && !kept; k++) {
				int l;

				for (l = 0; l < new->vs[k].nsvcs; l++)
					if (vlbd_svc_eq(s, &new->vs[k].svcs[l]))
						kept = 1;
			}
			if (!kept && !vlbd_check_only && find_svc(&d, s)) {
				char name[160];

				svc_name(s, name, sizeof(name));
				if (svc_request(VLB_CMD_DEL_SERVICE, s, 0) == 0)
					vlbd_log(LOG_INFO, "%s: service deleted (no longer configured)",
						 name);
				else
					rc = -1;
			}
		}
	dirty = NULL;
	for (i = 0; i < new->nvs; i++) {
		new->vs[i].dirty = 0;
		if (!vlbd_check_only && sync_vs(&new->vs[i], &d) < 0)
			rc = -1;
	}
	dump_free(&d);
	cur = new;
	return rc;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The checkers' schedule and state machine, common to every kind. A
 * checker runs one attempt at a time (connect, request, script) from a
 * timer. While it is up, a failure is retried after delay_before_retry and
 * the checker goes down at the (retry+1)th consecutive failure; while it is
 * down it is tried every delay_loop and comes back after `rise`
 * consecutive successes (keepalived brings it back after one). A real
 * server is up when all its checkers are; its weight may then ramp up
 * over slow_start seconds. What that means for the module is worked out
 * by reconcile.c, told through vlbd_vs_changed().
 */
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "vlbd.h"
#include "check.h"

static const char *const kind_names[] = {
	[CHK_TCP] = "TCP_CHECK", [CHK_HTTP] = "HTTP_GET",
	[CHK_SSL] = "SSL_GET", [CHK_MISC] = "MISC_CHECK",
};

void vlbd_check_target(const struct vlbd_checker *ck, struct sockaddr_storage *ss,
		       socklen_t *len)
{
	const struct vlbd_rs *rs = ck->rs;
	uint16_t port = ck->connect_port ? (uint16_t)ck->connect_port : rs->port;

	memset(ss, 0, sizeof(*ss));
	if (ck->connect_ip_set) {
		memcpy(ss, &ck->connect.ss, ck->connect.len);
		*len = ck->connect.len;
	} else if (rs->af == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_addr = rs->addr.in;
		*len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = rs->addr.in6;
		*len = sizeof(*sin6);
	}
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

void vlbd_timeval(struct timeval *tv, double secs)
{
	if (secs < 0)
		secs = 0;
	tv->tv_sec = (time_t)secs;
	tv->tv_usec = (suseconds_t)((secs - (double)tv->tv_sec) * 1e6);
}

static void arm(struct vlbd_checker *ck, double secs)
{
	struct timeval tv;

	vlbd_timeval(&tv, secs);
	evtimer_add(ck->timer, &tv);
}

static void ramp_cb(evutil_socket_t fd, short what, void *arg)
{
	struct vlbd_rs *rs = arg;
	struct timeval tv = { 1, 0 };

	(void)fd;
	(void)what;
	vlbd_vs_changed(rs->vs);
	if (rs->up && vlbd_now() - rs->up_since < rs->slow_start)
		evtimer_add(rs->ramp, &tv);
}

/* The server's state follows its checkers: up when every one is. */
static void rs_update(struct vlbd_rs *rs)
{
	char vs[160], name[64];
	int i, up = 1;

	for (i = 0; i < rs->nchecks; i++)
		up &= rs->checks[i].up;
	if (up != rs->up) {
		rs->up = up;
		rs->transitions++;
		vlbd_vs_name(rs->vs, vs, sizeof(vs));
		vlbd_rs_name(rs, name, sizeof(name));
		vlbd_log(LOG_NOTICE, "%s: real server %s is %s%s", vs, name, up ? "up" : "down",
			 up ? "" : rs->inhibit ? " (inhibited: weight 0)" : " (removed)");
		if (up && rs->slow_start > 0) {
			struct timeval tv = { 1, 0 };

			rs->up_since = vlbd_now();
			if (!rs->ramp)
				rs->ramp = evtimer_new(vlbd_base, ramp_cb, rs);
			if (rs->ramp)
				evtimer_add(rs->ramp, &tv);
		}
	}
	vlbd_vs_changed(rs->vs);
}

void vlbd_check_done(struct vlbd_checker *ck, int ok, int weight, const char *why)
{
	struct vlbd_rs *rs = ck->rs;
	char vs[160], name[64];
	int changed = 0;
	double next = ck->t.delay_loop;

	ck->att = NULL;
	ck->nchecks++;
	ck->last_latency = vlbd_now() - ck->started;
	ck->last_ok = ok;
	snprintf(ck->last_why, sizeof(ck->last_why), "%s", why);
	vlbd_vs_name(rs->vs, vs, sizeof(vs));
	vlbd_rs_name(rs, name, sizeof(name));
	if (ok) {
		ck->fails = 0;
		if (!ck->up && ++ck->oks >= ck->t.rise) {
			ck->up = 1;
			ck->oks = 0;
			changed = 1;
			vlbd_log(LOG_INFO, "%s: %s of %s succeeded %d time%s: up", vs,
				 kind_names[ck->type], name, ck->t.rise, ck->t.rise > 1 ? "s" : "");
		} else if (!ck->up) {
			vlbd_log(LOG_DEBUG, "%s: %s of %s succeeded (%d of %d)", vs,
				 kind_names[ck->type], name, ck->oks, ck->t.rise);
		}
		if (ck->misc_dynamic && weight >= 0 && weight != ck->dyn_weight) {
			ck->dyn_weight = weight;
			changed = 1;
		}
	} else {
		ck->nfails++;
		ck->oks = 0;
		if (ck->up) {
			if (++ck->fails > ck->t.retry) {
				ck->up = 0;
				ck->fails = 0;
				changed = 1;
				vlbd_log(LOG_INFO, "%s: %s of %s failed %d time%s (%s): down", vs,
					 kind_names[ck->type], name, ck->t.retry + 1,
					 ck->t.retry ? "s" : "", why);
			} else {
				next = ck->t.delay_before_retry;
				vlbd_log(LOG_DEBUG, "%s: %s of %s failed (%s), retry %d of %d", vs,
					 kind_names[ck->type], name, why, ck->fails, ck->t.retry);
			}
		} else {
			vlbd_log(LOG_DEBUG, "%s: %s of %s failed (%s)", vs,
				 kind_names[ck->type], name, why);
		}
	}
	arm(ck, next);
	if (changed)
		rs_update(rs);
}

static void run_cb(evutil_socket_t fd, short what, void *arg)
{
	struct vlbd_checker *ck = arg;
	int rc;

	(void)fd;
	(void)what;
	if (ck->att)
		return;		/* cannot happen: re-armed only when done */
	ck->started = vlbd_now();
	switch (ck->type) {
	case CHK_TCP:
		rc = vlbd_tcp_start(ck);
		break;
	case CHK_HTTP:
	case CHK_SSL:
		rc = vlbd_http_start(ck);
		break;
	default:
		rc = vlbd_misc_start(ck);
		break;
	}
	if (rc < 0)
		vlbd_check_done(ck, 0, -1, "cannot start the check");
}

void vlbd_attempt_cancel(struct vlbd_checker *ck)
{
	if (ck->att) {
		struct vlbd_attempt *a = ck->att;

		ck->att = NULL;
		a->cancel(a);
	}
}

int vlbd_checks_start(struct vlbd_conf *c, int fresh)
{
	int i, j, k;

	for (i = 0; i < c->nvs; i++)
		for (j = 0; j < c->vs[i].nrs; j++) {
			struct vlbd_rs *rs = &c->vs[i].rs[j];

			if (rs->up && rs->slow_start > 0 && vlbd_now() - rs->up_since < rs->slow_start) {
				struct timeval tv = { 1, 0 };

				rs->ramp = evtimer_new(vlbd_base, ramp_cb, rs);
				if (rs->ramp)
					evtimer_add(rs->ramp, &tv);
			}
			for (k = 0; k < rs->nchecks; k++) {
				struct vlbd_checker *ck = &rs->checks[k];
				double w = fresh ? ck->t.warmup : ck->t.delay_loop;

				ck->timer = evtimer_new(vlbd_base, run_cb, ck);
				if (!ck->timer)
					return -1;
				/* spread the first attempts over warmup */
				arm(ck, w > 0 ? w * ((double)random() / RAND_MAX) : 0);
			}
		}
	return 0;
}

void vlbd_checks_stop(struct vlbd_conf *c)
{
	int i, j, k;

	for (i = 0; i < c->nvs; i++)
		for (j = 0; j < c->vs[i].nrs; j++) {
			struct vlbd_rs *rs = &c->vs[i].rs[j];

			if (rs->ramp)
				event_free(rs->ramp);
			rs->ramp = NULL;
			for (k = 0; k < rs->nchecks; k++) {
				struct vlbd_checker *ck = &rs->checks[k];

				vlbd_attempt_cancel(ck);
				if (ck->timer)
					event_free(ck->timer);
				ck->timer = NULL;
			}
		}
}

// SPDX-License-Identifier: GPL-2.0
/*
 * What VRRP instances track. Links: an rtnetlink socket subscribed to
 * RTMGRP_LINK wakes vrrp_loop.c on every link change, which then asks
 * each tracked interface's flags (up and running: administratively up
 * with carrier), so a missing interface is simply down. Scripts
 * (vrrp_script): each runs every `interval` on the loop, forked the way
 * MISC_CHECK forks, never two copies at once; one still running at
 * `timeout` is killed and counts as a failure. `fall` consecutive failures
 * make it KO, `rise` successes OK again; a change re-evaluates the
 * instances. On reload a script whose command, interval and user are
 * unchanged keeps its state.
 */
#include <errno.h>
#include <event2/event.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "vlbd.h"
#include "vrrp.h"
#include "check.h"

static struct mnl_socket *link_nl;
static struct event *link_ev;
static int ioctl_fd = -1;

int vlbd_link_up(const char *ifname)
{
	struct ifreq ifr = { 0 };

	if (ioctl_fd < 0)
		ioctl_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl_fd < 0 || ioctl(ioctl_fd, SIOCGIFFLAGS, &ifr))
		return 0;
	return (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
}

static void link_cb(evutil_socket_t fd, short what, void *arg)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int any = 0;

	(void)fd;
	(void)what;
	(void)arg;
	while (mnl_socket_recvfrom(link_nl, buf, sizeof(buf)) > 0)
		any = 1;
	/* ENOBUFS (overrun) too: the state is asked afresh anyway */
	if (any || errno == ENOBUFS)
		vlbd_vrrp_reeval();
}

int vlbd_track_init(void)
{
	int fd;

	if (link_nl)
		return 0;
	link_nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!link_nl || mnl_socket_bind(link_nl, RTMGRP_LINK, MNL_SOCKET_AUTOPID) < 0) {
		vlbd_log(LOG_ERR, "rtnetlink link notifications: %s", strerror(errno));
		if (link_nl)
			mnl_socket_close(link_nl);
		link_nl = NULL;
		return -1;
	}
	fd = mnl_socket_get_fd(link_nl);
	link_ev = event_new(vlbd_base, fd, EV_READ | EV_PERSIST, link_cb, NULL);
	if (!link_ev || event_add(link_ev, NULL) < 0)
		return -1;
	return 0;
}

void vlbd_track_fini(void)
{
	if (link_ev)
		event_free(link_ev);
	link_ev = NULL;
	if (link_nl)
		mnl_socket_close(link_nl);
	link_nl = NULL;
	if (ioctl_fd >= 0)
		close(ioctl_fd);
	ioctl_fd = -1;
}

/* --- vrrp_script ------------------------------------------------------- */

static struct vlbd_conf *scripts_conf;

static void arm(struct vlbd_vscript *sc, double secs)
{
	struct timeval tv;

	vlbd_timeval(&tv, secs);
	evtimer_add(sc->timer, &tv);
}

static void result(struct vlbd_vscript *sc, int ok, const char *why)
{
	int was = sc->ok;

	sc->runs++;
	if (ok) {
		sc->oks++;
		sc->fails = 0;
		if (!sc->ok && sc->oks >= sc->rise)
			sc->ok = 1;
	} else {
		sc->failures++;
		sc->fails++;
		sc->oks = 0;
		if (sc->ok && sc->fails >= sc->fall)
			sc->ok = 0;
	}
	if (sc->ok != was) {
		vlbd_log(LOG_NOTICE, "vrrp_script %s: %s (%s)", sc->name,
			 sc->ok ? "succeeded" : "failed", why);
		vlbd_vrrp_reeval();
	} else {
		vlbd_log(LOG_DEBUG, "vrrp_script %s: %s", sc->name, why);
	}
}

static void script_timer(evutil_socket_t fd, short what, void *arg)
{
	struct vlbd_vscript *sc = arg;
	char **argv;
	int argc, i;

	(void)fd;
	(void)what;
	if (sc->pid > 0) {
		/* the timeout: kill it; the reap reports the failure */
		if (!sc->timed_out) {
			sc->timed_out = 1;
			kill(-sc->pid, SIGKILL);
		}
		return;
	}
	argv = vlbd_split_args(sc->script, &argc);
	if (!argv || !argc) {
		free(argv);
		arm(sc, sc->interval);
		return;
	}
	sc->timed_out = 0;
	sc->pid = vlbd_spawn(argv, sc->user);
	for (i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
	if (sc->pid < 0) {
		sc->pid = 0;
		result(sc, 0, strerror(errno));
		arm(sc, sc->interval);
		return;
	}
	arm(sc, sc->timeout);
}

int vlbd_vscript_reaped(pid_t pid, int status)
{
	struct vlbd_conf *c = scripts_conf;
	char why[64];
	int i;

	for (i = 0; c && i < c->nvscripts; i++) {
		struct vlbd_vscript *sc = &c->vscripts[i];

		if (sc->pid != pid)
			continue;
		sc->pid = 0;
		if (sc->timed_out)
			snprintf(why, sizeof(why), "timed out after %gs", sc->timeout);
		else if (WIFEXITED(status))
			snprintf(why, sizeof(why), "exit status %d", WEXITSTATUS(status));
		else
			snprintf(why, sizeof(why), "killed by signal %d",
				 WIFSIGNALED(status) ? WTERMSIG(status) : 0);
		result(sc, !sc->timed_out && WIFEXITED(status) && !WEXITSTATUS(status), why);
		evtimer_del(sc->timer);
		arm(sc, sc->interval);
		return 1;
	}
	return 0;
}

int vlbd_vscripts_start(struct vlbd_conf *c, struct vlbd_conf *old)
{
	int i, j;

	scripts_conf = c;
	for (i = 0; i < c->nvscripts; i++) {
		struct vlbd_vscript *sc = &c->vscripts[i], *o = NULL;

		sc->ok = !sc->init_fail;
		for (j = 0; old && j < old->nvscripts; j++)
			if (!strcmp(old->vscripts[j].name, sc->name) &&
			    !strcmp(old->vscripts[j].script, sc->script) &&
			    old->vscripts[j].interval == sc->interval &&
			    !!old->vscripts[j].user == !!sc->user &&
			    (!sc->user || !strcmp(old->vscripts[j].user, sc->user)))
				o = &old->vscripts[j];
		if (o) {
			sc->ok = o->ok;
			sc->oks = o->oks;
			sc->fails = o->fails;
			sc->runs = o->runs;
			sc->failures = o->failures;
		}
		if (!sc->used)
			continue;
		sc->timer = evtimer_new(vlbd_base, script_timer, sc);
		if (!sc->timer)
			return -1;
		arm(sc, o ? sc->interval : 0);
	}
	return 0;
}

void vlbd_vscripts_stop(struct vlbd_conf *c)
{
	int i;

	for (i = 0; i < c->nvscripts; i++) {
		struct vlbd_vscript *sc = &c->vscripts[i];

		if (sc->timer)
			event_free(sc->timer);
		sc->timer = NULL;
		if (sc->pid > 0) {
			kill(-sc->pid, SIGKILL);
			waitpid(sc->pid, NULL, 0);
			sc->pid = 0;
		}
	}
	if (scripts_conf == c)
		scripts_conf = NULL;
}

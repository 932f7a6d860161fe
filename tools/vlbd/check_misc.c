// SPDX-License-Identifier: GPL-2.0
/*
 * MISC_CHECK: fork and exec the script (its argv split from misc_path the
 * way the lexer splits words, no shell), in a process group of its own so
 * that a timeout reaches whatever it started, as script_user (or the
 * check's `user`) when one is set. Exit 0 is success, anything else a
 * failure; with misc_dynamic, exit 2..255 is success with weight exit-2.
 * At misc_timeout the group gets SIGTERM, and SIGKILL a second later; the
 * result is known only once the child is reaped, so a hung script never
 * has a second copy started beside it (keepalived's pile-up, PR #429),
 * and a killed one never changes the weight (#2720).
 */
#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "vlbd.h"
#include "check.h"

struct misc_attempt {
	struct vlbd_attempt a;
	pid_t pid;
	struct event *timer;
	int timed_out;
	struct misc_attempt *next;
};

static struct misc_attempt *running;
/* Set by main.c from global_defs: who scripts run as. */
const char *vlbd_script_user;
const char *vlbd_script_group;

static void unlink_attempt(struct misc_attempt *m)
{
	struct misc_attempt **pp;

	for (pp = &running; *pp; pp = &(*pp)->next)
		if (*pp == m) {
			*pp = m->next;
			break;
		}
}

/* Cancelled (reload, exit): the child is killed and reaped blindly. */
static void misc_cancel(struct vlbd_attempt *a)
{
	struct misc_attempt *m = (struct misc_attempt *)a;

	kill(-m->pid, SIGKILL);
	waitpid(m->pid, NULL, 0);
	unlink_attempt(m);
	event_free(m->timer);
	free(m);
}

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct misc_attempt *m = arg;
	struct timeval tv = { 1, 0 };

	(void)fd;
	(void)what;
	if (!m->timed_out) {
		m->timed_out = 1;
		kill(-m->pid, SIGTERM);
		evtimer_add(m->timer, &tv);
	} else {
		kill(-m->pid, SIGKILL);
	}
}

void vlbd_misc_reap(void)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		struct misc_attempt *m;
		struct vlbd_checker *ck;
		char why[96];
		int ok = 0, weight = -1;

		for (m = running; m; m = m->next)
			if (m->pid == pid)
				break;
		if (!m) {
			vlbd_vrrp_reaped(pid, status);
			continue;
		}
		ck = m->a.ck;
		unlink_attempt(m);
		event_free(m->timer);
		if (m->timed_out) {
			snprintf(why, sizeof(why), "timed out after %gs", ck->misc_timeout);
		} else if (WIFEXITED(status)) {
			int code = WEXITSTATUS(status);

			ok = code == 0 || (ck->misc_dynamic && code >= 2);
			if (ck->misc_dynamic && code >= 2)
				weight = code - 2;
			snprintf(why, sizeof(why), "exit status %d", code);
		} else {
			snprintf(why, sizeof(why), "killed by signal %d",
				 WIFSIGNALED(status) ? WTERMSIG(status) : 0);
		}
		free(m);
		vlbd_check_done(ck, ok, weight, why);
	}
}

int vlbd_misc_start(struct vlbd_checker *ck)
{
	struct misc_attempt *m = calloc(1, sizeof(*m));
	struct timeval tv;
	char **argv;
	int argc, i;

	if (!m)
		return -1;
	argv = vlbd_split_args(ck->misc_path, &argc);
	if (!argv || !argc) {
		free(argv);
		free(m);
		return -1;
	}
	m->timer = evtimer_new(vlbd_base, timer_cb, m);
	if (m->timer)
		m->pid = vlbd_spawn(argv, ck->user);
	for (i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
	if (!m->timer || m->pid < 0) {
		vlbd_log(LOG_ERR, "MISC_CHECK %s: cannot start: %s", ck->misc_path,
			 strerror(errno));
		if (m->timer)
			event_free(m->timer);
		free(m);
		return -1;
	}
	m->a.ck = ck;
	m->a.cancel = misc_cancel;
	m->next = running;
	running = m;
	vlbd_timeval(&tv, ck->misc_timeout);
	evtimer_add(m->timer, &tv);
	ck->att = &m->a;
	return 0;
}

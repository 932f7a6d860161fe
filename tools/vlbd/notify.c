// SPDX-License-Identifier: GPL-2.0
/*
 * Notify scripts (notify_master, notify_backup, notify_fault, notify_stop
 * and the generic notify, which gets "INSTANCE"|"GROUP", the name, the
 * state and the priority as its last four arguments). Each instance and
 * each sync group has a queue: a script starts only when the one before it
 * has exited, so they run in the order of the transitions and never two at
 * once for the same instance (keepalived forks them all at once and they
 * race: its issues #996, #1055, #1991). A script that never exits holds
 * its queue; the log says which. Children are started the way MISC_CHECK
 * starts them (signals blocked across fork, own process group, stdin and
 * stdout on /dev/null), and found again by pid when SIGCHLD reaps them.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "vlbd.h"
#include "vrrp.h"

/* Every queue with a script running, to find it by pid. */
static struct vlbd_notify_q **busy;
static int nbusy, capbusy;

pid_t vlbd_spawn(char *const argv[], const char *user)
{
	const char *u = user ? user : vlbd_script_user;
	sigset_t all, old;
	pid_t pid;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid = fork();
	if (pid == 0) {
		int fd, i;

		setpgid(0, 0);
		for (i = 1; i < NSIG; i++)
			signal(i, SIG_DFL);
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			if (fd > 2)
				close(fd);
		}
		if (u) {
			struct passwd *pw = getpwnam(u);
			gid_t gid;

			if (!pw)
				_exit(126);
			gid = pw->pw_gid;
			if (!user && vlbd_script_group) {
				struct group *gr = getgrnam(vlbd_script_group);

				if (!gr)
					_exit(126);
				gid = gr->gr_gid;
			}
			if (setgid(gid) || initgroups(pw->pw_name, gid) || setuid(pw->pw_uid))
				_exit(126);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid > 0)
		setpgid(pid, pid);
	return pid;
}

static void free_job(struct vlbd_notify_job *j)
{
	int i;

	for (i = 0; j->argv[i]; i++)
		free(j->argv[i]);
	free(j->argv);
	free(j->user);
	free(j);
}

static void set_busy(struct vlbd_notify_q *q, int on)
{
	int i;

	for (i = 0; i < nbusy; i++)
		if (busy[i] == q) {
			if (!on)
				busy[i] = busy[--nbusy];
			return;
		}
	if (!on)
		return;
	if (nbusy == capbusy) {
		int cap = capbusy ? 2 * capbusy : 16;
		struct vlbd_notify_q **n = realloc(busy, (size_t)cap * sizeof(*n));

		if (!n)
			return;
		busy = n;
		capbusy = cap;
	}
	busy[nbusy++] = q;
}

/* Starts the head of @q if nothing runs. */
static void kick(struct vlbd_notify_q *q)
{
	while (!q->running && q->head) {
		struct vlbd_notify_job *j = q->head;
		pid_t pid = vlbd_spawn(j->argv, j->user);

		q->head = j->next;
		if (!q->head)
			q->tail = NULL;
		if (pid < 0) {
			vlbd_log(LOG_ERR, "%s: cannot run %s: %s", q->owner, j->argv[0],
				 strerror(errno));
			free_job(j);
			continue;
		}
		vlbd_log(LOG_INFO, "%s: running %s", q->owner, j->argv[0]);
		q->running = pid;
		q->runs++;
		set_busy(q, 1);
		free_job(j);
	}
}

void vlbd_notify_queue(struct vlbd_notify_q *q, const char *cmd, const char *user,
		       const char *const *extra)
{
	struct vlbd_notify_job *j;
	char **argv, **n;
	int argc, k = 0, i;

	if (!cmd)
		return;
	argv = vlbd_split_args(cmd, &argc);
	if (!argv || !argc) {
		free(argv);
		return;
	}
	while (extra && extra[k])
		k++;
	n = realloc(argv, (size_t)(argc + k + 1) * sizeof(*n));
	j = calloc(1, sizeof(*j));
	if (!n || !j) {
		free(j);
		for (i = 0; i < argc; i++)
			free((n ? n : argv)[i]);
		free(n ? n : argv);
		vlbd_log(LOG_ERR, "%s: out of memory for a notify script", q->owner);
		return;
	}
	argv = n;
	for (i = 0; i < k; i++)
		argv[argc + i] = strdup(extra[i]);
	argv[argc + k] = NULL;
	for (i = 0; i < argc + k; i++)
		if (!argv[i])
			argv[i] = strdup("");
	j->argv = argv;
	j->user = user ? strdup(user) : NULL;
	if (q->tail)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
	kick(q);
}

int vlbd_notify_reaped(pid_t pid, int status)
{
	int i;

	for (i = 0; i < nbusy; i++) {
		struct vlbd_notify_q *q = busy[i];

		if (q->running != pid)
			continue;
		if (WIFEXITED(status) && WEXITSTATUS(status))
			vlbd_log(LOG_WARNING, "%s: a notify script exited with status %d",
				 q->owner, WEXITSTATUS(status));
		else if (WIFSIGNALED(status))
			vlbd_log(LOG_WARNING, "%s: a notify script was killed by signal %d",
				 q->owner, WTERMSIG(status));
		q->running = 0;
		set_busy(q, 0);
		kick(q);
		return 1;
	}
	return 0;
}

/* At exit: let the running script and the queued ones finish, in order. */
void vlbd_notify_drain(struct vlbd_notify_q *q, double timeout)
{
	double end = vlbd_now() + timeout;

	while (q->running || q->head) {
		int status;
		pid_t r;

		if (!q->running)
			kick(q);
		if (!q->running)
			break;
		r = waitpid(q->running, &status, WNOHANG);
		if (r == q->running) {
			q->running = 0;
			set_busy(q, 0);
			continue;
		}
		if (r < 0 && errno == ECHILD) {
			/* reaped elsewhere */
			q->running = 0;
			set_busy(q, 0);
			continue;
		}
		if (vlbd_now() > end) {
			vlbd_log(LOG_WARNING, "%s: notify scripts still running at exit; "
				 "leaving them", q->owner);
			break;
		}
		nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
	}
}

void vlbd_notify_free(struct vlbd_notify_q *q)
{
	while (q->head) {
		struct vlbd_notify_job *j = q->head;

		q->head = j->next;
		free_job(j);
	}
	q->tail = NULL;
	set_busy(q, 0);
	q->running = 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Logging: to stderr with a level prefix (the default, and what systemd's
 * journal wants from a Type=notify service), or to syslog's daemon
 * facility with -S. Debug messages are dropped unless -D was given, so the
 * per-attempt chatter of thousands of checkers costs nothing by default.
 */
#include <stdio.h>
#include <syslog.h>
#include <time.h>

#include "vlbd.h"

static int log_where = VLBD_LOG_STDERR;
static int log_debug;

void vlbd_log_open(int where, int debug)
{
	log_where = where;
	log_debug = debug;
	if (where == VLBD_LOG_SYSLOG)
		openlog("vlbd", LOG_PID, LOG_DAEMON);
}

void vlbd_vlog(int prio, const char *fmt, va_list ap)
{
	static const char *const names[] = {
		"emerg", "alert", "crit", "error", "warning", "notice", "info", "debug"
	};

	if (prio == LOG_DEBUG && !log_debug)
		return;
	if (log_where == VLBD_LOG_SYSLOG) {
		vsyslog(prio, fmt, ap);
		return;
	}
	fprintf(stderr, "vlbd: %s: ", names[prio & 7]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	fflush(stderr);
}

void vlbd_log(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlbd_vlog(prio, fmt, ap);
	va_end(ap);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * TCP_CHECK, and the non-blocking connect every network checker starts
 * with: a socket bound to bindto/bind_port when given, connect() in
 * progress when it returns. The TCP check succeeds when the handshake
 * completes within connect_timeout; the connection is then closed at once.
 */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vlbd.h"
#include "check.h"

int vlbd_check_connect(struct vlbd_checker *ck)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1;

	vlbd_check_target(ck, &ss, &len);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (ck->bind.set || ck->bind_port) {
		struct sockaddr_storage b;
		socklen_t blen;

		if (ck->bind.set) {
			memcpy(&b, &ck->bind.ss, ck->bind.len);
			blen = ck->bind.len;
		} else {
			memset(&b, 0, sizeof(b));
			b.ss_family = ss.ss_family;
			blen = ss.ss_family == AF_INET ? sizeof(struct sockaddr_in) :
							 sizeof(struct sockaddr_in6);
		}
		if (b.ss_family == AF_INET)
			((struct sockaddr_in *)&b)->sin_port = htons((uint16_t)ck->bind_port);
		else
			((struct sockaddr_in6 *)&b)->sin6_port = htons((uint16_t)ck->bind_port);
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&b, blen) < 0)
			goto fail;
	}
	if (connect(fd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS)
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

struct tcp_attempt {
	struct vlbd_attempt a;
	int fd;
	struct event *ev;
};

static void tcp_free(struct tcp_attempt *t)
{
	event_free(t->ev);
	close(t->fd);
	free(t);
}

static void tcp_cancel(struct vlbd_attempt *a)
{
	tcp_free((struct tcp_attempt *)a);
}

static void tcp_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tcp_attempt *t = arg;
	struct vlbd_checker *ck = t->a.ck;
	socklen_t len = sizeof(int);
	int err = 0;
	char why[128];

	if (what & EV_TIMEOUT) {
		tcp_free(t);
		vlbd_check_done(ck, 0, -1, "connect timed out");
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	tcp_free(t);
	if (err) {
		snprintf(why, sizeof(why), "connect: %s", strerror(err));
		vlbd_check_done(ck, 0, -1, why);
	} else {
		vlbd_check_done(ck, 1, -1, "connected");
	}
}

int vlbd_tcp_start(struct vlbd_checker *ck)
{
	struct tcp_attempt *t = calloc(1, sizeof(*t));
	struct timeval tv;

	if (!t)
		return -1;
	t->fd = vlbd_check_connect(ck);
	if (t->fd < 0) {
		free(t);
		return -1;
	}
	t->ev = event_new(vlbd_base, t->fd, EV_WRITE, tcp_cb, t);
	if (!t->ev) {
		close(t->fd);
		free(t);
		return -1;
	}
	t->a.ck = ck;
	t->a.cancel = tcp_cancel;
	vlbd_timeval(&tv, ck->t.connect_timeout);
	event_add(t->ev, &tv);
	ck->att = &t->a;
	return 0;
}

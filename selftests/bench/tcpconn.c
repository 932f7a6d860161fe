// SPDX-License-Identifier: GPL-2.0
/*
 * The two ends of the benchmark's new-connections-per-second measurement,
 * one small epoll program because a Python or shell client under an
 * emulated CPU measures itself rather than the balancer.
 *
 *   tcpconn server PORT
 *       Listens on 0.0.0.0:PORT (every address of the namespace, so one
 *       process serves 1,000 real-server addresses); each accepted
 *       connection gets one byte and is closed at once. Prints "ready".
 *   tcpconn client ADDR PORT PARALLEL WARMUP_S SECONDS
 *       Keeps PARALLEL connections to ADDR:PORT in flight. A connection is
 *       complete when the server's byte and its FIN have arrived (a whole
 *       TCP lifetime through the balancer); the client then closes it and
 *       opens the next. After WARMUP_S seconds it prints "start", after
 *       SECONDS more "end COMPLETED FAILED USEC" (the connections that
 *       completed and failed in that window, and its exact length), and
 *       exits. The caller samples the CPU counters at the two lines.
 *
 * A failed connection (refused, reset, timed out after 3 s) is counted and
 * replaced, so a balancer that drops some cannot stall the measurement.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CONN_TIMEOUT_NS	(3ULL * 1000000000ULL)
#define MAX_PARALLEL	4096

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "tcpconn: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void __attribute__((noreturn)) server(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(port) };
	struct epoll_event ev = { .events = EPOLLIN };
	int one = 1, lfd, ep;

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (lfd < 0)
		die("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("bind");
	if (listen(lfd, 4096) < 0)
		die("listen");
	ep = epoll_create1(0);
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) < 0)
		die("epoll");
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		struct epoll_event out;
		int fd;

		if (epoll_wait(ep, &out, 1, -1) < 0 && errno != EINTR)
			die("epoll_wait");
		/* Drain the accept queue: one byte, then close. */
		while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
			if (write(fd, "x", 1) < 0) {
				/* The client gave up already; nothing to do. */
			}
			close(fd);
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != ECONNABORTED && errno != EINTR)
			die("accept");
	}
}

struct slot {
	int fd;
	uint64_t started;
};

static struct slot slots[MAX_PARALLEL];
static struct sockaddr_in dst;
static int ep;
static uint64_t done, failed;

static void slot_open(int i)
{
	/* Not EPOLLOUT: connected is not done; errors are always reported. */
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP,
				  .data.u32 = (uint32_t)i };
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		die("socket");
	if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) < 0 &&
	    errno != EINPROGRESS)
		die("connect");
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		die("epoll_ctl");
	slots[i].fd = fd;
	slots[i].started = now_ns();
}

static void slot_close(int i, int ok)
{
	/*
	 * A graceful close: the server closed first, so the TIME_WAIT is
	 * its own and the client's port is free again at once.
	 */
	close(slots[i].fd);
	if (ok)
		done++;
	else
		failed++;
	slot_open(i);
}

static int client(const char *addr, int port, int parallel, double warmup,
		  double seconds)
{
	struct epoll_event evs[256];
	uint64_t t_start, t_end, t_check = 0, d0 = 0, f0 = 0;
	int i, n, phase = 0;

	dst.sin_family = AF_INET;
	dst.sin_port = htons(port);
	if (inet_pton(AF_INET, addr, &dst.sin_addr) != 1) {
		fprintf(stderr, "tcpconn: bad address %s\n", addr);
		return 2;
	}
	if (parallel < 1 || parallel > MAX_PARALLEL) {
		fprintf(stderr, "tcpconn: PARALLEL must be 1..%d\n", MAX_PARALLEL);
		return 2;
	}
	ep = epoll_create1(0);
	if (ep < 0)
		die("epoll_create1");
	t_start = now_ns() + (uint64_t)(warmup * 1e9);
	t_end = t_start + (uint64_t)(seconds * 1e9);
	for (i = 0; i < parallel; i++)
		slot_open(i);
	for (;;) {
		uint64_t t = now_ns();

		if (phase == 0 && t >= t_start) {
			printf("start\n");
			fflush(stdout);
			d0 = done;
			f0 = failed;
			t_start = t;
			phase = 1;
		} else if (phase == 1 && t >= t_end) {
			printf("end %llu %llu %llu\n",
			       (unsigned long long)(done - d0),
			       (unsigned long long)(failed - f0),
			       (unsigned long long)((t - t_start) / 1000));
			fflush(stdout);
			return 0;
		}
		/* Connections that got no answer in time are replaced. */
		if (t - t_check > 100000000ULL) {
			t_check = t;
			for (i = 0; i < parallel; i++)
				if (t - slots[i].started > CONN_TIMEOUT_NS)
					slot_close(i, 0);
		}
		n = epoll_wait(ep, evs, 256, 10);
		if (n < 0 && errno != EINTR)
			die("epoll_wait");
		for (int k = 0; k < n; k++) {
			char buf[16];
			ssize_t r;

			i = (int)evs[k].data.u32;
			if (evs[k].events & (EPOLLERR | EPOLLHUP) &&
			    !(evs[k].events & EPOLLIN)) {
				slot_close(i, 0);
				continue;
			}
			/* Read the byte and the EOF that follows it. */
			while ((r = read(slots[i].fd, buf, sizeof(buf))) > 0)
				;
			if (r == 0)
				slot_close(i, 1);
			else if (errno != EAGAIN)
				slot_close(i, 0);
		}
	}
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "server"))
		server(atoi(argv[2]));
	if (argc == 7 && !strcmp(argv[1], "client"))
		return client(argv[2], atoi(argv[3]), atoi(argv[4]),
			      atof(argv[5]), atof(argv[6]));
	fprintf(stderr, "usage: tcpconn server PORT\n"
			"       tcpconn client ADDR PORT PARALLEL WARMUP_S SECONDS\n");
	return 2;
}

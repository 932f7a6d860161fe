// SPDX-License-Identifier: GPL-2.0
/*
 * vlbd: the keepalived-like daemon of vlb. Reads a keepalived.conf-style
 * file, health-checks the real servers on one libevent loop and keeps the
 * module's services and destinations to what the checks say. Runs in the
 * foreground (systemd's Type=notify: READY=1 once the module matches the
 * configuration, RELOADING=1 around a SIGHUP). SIGHUP reloads
 * transactionally: a file with any error is refused and the running
 * configuration stays. SIGTERM and SIGINT stop the checks and leave the
 * module as it is, so the datapath keeps forwarding.
 */
#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "vlbd.h"

struct event_base *vlbd_base;
#define conf vlbd_conf_current
static const char *conf_path = VLBD_DEFAULT_CONF;
static const char *pid_path;

double vlbd_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vlbd [OPTIONS]\n"
		"Health-check real servers and keep vlb's services in line, as keepalived\n"
		"does for IPVS. The configuration is keepalived.conf's syntax: see vlbd.conf(5).\n"
		"\n"
		"  -f, --use-file FILE   configuration file (default " VLBD_DEFAULT_CONF ")\n"
		"  -t, --config-test     check the configuration, print every error, exit\n"
		"                        0 if it is valid and 1 if not\n"
		"  -d, --dump-conf       with -t: print the configuration as understood,\n"
		"                        every default filled in\n"
		"  -l, --log WHERE       stderr (default) or syslog\n"
		"  -S, --syslog          same as --log syslog\n"
		"  -D, --log-detail      log every check attempt too\n"
		"  -p, --pid FILE        write the process id to FILE\n"
		"  -n, --check-only      run the checks and log the servers' health, but\n"
		"                        leave the module alone (no module needed)\n"
		"  -s, --status          print the state of the running vlbd (from the\n"
		"                        endpoint the file's http_status names)\n"
		"  -v, --version         print the version and exit\n"
		"  -h, --help            this help\n"
		"\n"
		"Signals: HUP reloads the configuration (refused, with the errors logged,\n"
		"if it has any), TERM and INT stop vlbd and leave the module's services in\n"
		"place.\n");
}

/* sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET. */
static void notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len;
	int fd;

	if (!path || !path[0] || strlen(path) >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, path, strlen(path));
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa, len) < 0)
		vlbd_log(LOG_WARNING, "cannot notify systemd: %s", strerror(errno));
	close(fd);
}

static void notify_reloading(void)
{
	char msg[96];
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000);
	notify(msg);
}

static void set_script_user(struct vlbd_conf *c)
{
	vlbd_script_user = c->script_user;
	vlbd_script_group = c->script_group;
}

static void reload(void)
{
	struct vlbd_errs e = { 0 };
	struct vlbd_conf *n;

	notify_reloading();
	vlbd_log(LOG_NOTICE, "reloading %s", conf_path);
	vlbd_reloads++;
	n = vlbd_conf_load(conf_path, &e);
	if (!n) {
		vlbd_reload_failures++;
		vlbd_log(LOG_ERR, "reload refused: %d error%s in %s; the running configuration "
			 "stays", e.count, e.count == 1 ? "" : "s", conf_path);
		notify("READY=1\nSTATUS=reload refused: the configuration has errors");
		return;
	}
	vlbd_vrrp_reload(conf, n);
	vlbd_checks_stop(conf);
	if (vlbd_reconcile_reload(conf, n) < 0)
		vlbd_log(LOG_WARNING, "reload: some changes failed; retrying from a fresh dump");
	set_script_user(n);
	vlbd_conf_free(conf);
	conf = n;
	vlbd_status_apply(conf);
	if (vlbd_checks_start(conf, 0) < 0)
		vlbd_log(LOG_ERR, "reload: cannot start the checks");
	vlbd_log(LOG_NOTICE, "reloaded: %d virtual server%s, %d vrrp_instance%s", conf->nvs,
		 conf->nvs == 1 ? "" : "s", conf->nvrrp, conf->nvrrp == 1 ? "" : "s");
	notify("READY=1\nSTATUS=running");
}

static void signal_cb(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	(void)arg;
	switch (sig) {
	case SIGHUP:
		reload();
		break;
	case SIGCHLD:
		vlbd_misc_reap();
		break;
	default:
		vlbd_log(LOG_NOTICE, "signal %d: stopping; the module's services stay in place",
			 (int)sig);
		notify("STOPPING=1");
		event_base_loopbreak(vlbd_base);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "use-file", required_argument, NULL, 'f' },
		{ "config-test", no_argument, NULL, 't' },
		{ "dump-conf", no_argument, NULL, 'd' },
		{ "log", required_argument, NULL, 'l' },
		{ "syslog", no_argument, NULL, 'S' },
		{ "log-detail", no_argument, NULL, 'D' },
		{ "pid", required_argument, NULL, 'p' },
		{ "check-only", no_argument, NULL, 'n' },
		{ "status", no_argument, NULL, 's' },
		{ "version", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static const int sigs[] = { SIGHUP, SIGTERM, SIGINT, SIGCHLD };
	struct event *sigev[4];
	struct vlbd_errs e = { 0 };
	int test = 0, dump = 0, status = 0, where = VLBD_LOG_STDERR, debug = 0, c, i;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:tdl:SDp:nsvh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			conf_path = optarg;
			break;
		case 't':
			test = 1;
			break;
		case 'd':
			dump = 1;
			break;
		case 'l':
			if (!strcmp(optarg, "syslog")) {
				where = VLBD_LOG_SYSLOG;
			} else if (!strcmp(optarg, "stderr")) {
				where = VLBD_LOG_STDERR;
			} else {
				fprintf(stderr, "vlbd: --log: '%s' is not stderr or syslog\n", optarg);
				return 2;
			}
			break;
		case 'S':
			where = VLBD_LOG_SYSLOG;
			break;
		case 'D':
			debug = 1;
			break;
		case 'p':
			pid_path = optarg;
			break;
		case 'n':
			vlbd_check_only = 1;
			break;
		case 's':
			status = 1;
			break;
		case 'v':
			printf("vlbd " VLBD_VERSION "\n");
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		case ':':
			fprintf(stderr, "vlbd: option %s needs an argument (vlbd -h for help)\n",
				argv[optind - 1]);
			return 2;
		default:
			fprintf(stderr, "vlbd: unknown option %s (vlbd -h for help)\n",
				argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vlbd: unexpected argument '%s' (vlbd -h for help)\n", argv[optind]);
		return 2;
	}
	if (dump && !test) {
		fprintf(stderr, "vlbd: --dump-conf goes with --config-test\n");
		return 2;
	}

	if (status) {
		e.out = stderr;
		conf = vlbd_conf_load(conf_path, &e);
		if (!conf)
			return 1;
		c = vlbd_status_client(conf);
		vlbd_conf_free(conf);
		return c;
	}
	if (test) {
		e.out = stderr;
		conf = vlbd_conf_load(conf_path, &e);
		if (!conf) {
			fprintf(stderr, "%s: %d error%s\n", conf_path, e.count,
				e.count == 1 ? "" : "s");
			return 1;
		}
		if (dump)
			vlbd_conf_dump(stdout, conf);
		vlbd_conf_free(conf);
		return 0;
	}

	vlbd_log_open(where, debug);
	conf = vlbd_conf_load(conf_path, &e);
	if (!conf) {
		vlbd_log(LOG_ERR, "%s: %d error%s, not starting", conf_path, e.count,
			 e.count == 1 ? "" : "s");
		return 1;
	}
	set_script_user(conf);
	{
		/* one socket per check in flight: thousands of servers need
		 * more than the usual soft limit of 1024 */
		struct rlimit rl;

		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	srandom((unsigned int)(time(NULL) ^ getpid()));
	signal(SIGPIPE, SIG_IGN);
	vlbd_base = event_base_new();
	if (!vlbd_base) {
		vlbd_log(LOG_ERR, "cannot create the event loop");
		return 1;
	}
	for (i = 0; i < 4; i++) {
		sigev[i] = evsignal_new(vlbd_base, sigs[i], signal_cb, NULL);
		if (!sigev[i] || evsignal_add(sigev[i], NULL) < 0) {
			vlbd_log(LOG_ERR, "cannot catch signal %d", sigs[i]);
			return 1;
		}
	}
	if (vlbd_tls_init() < 0) {
		vlbd_log(LOG_ERR, "cannot set up OpenSSL");
		return 1;
	}
	if (!vlbd_check_only && !conf->nvs && conf->nvrrp) {
		/* a director that only holds addresses needs no module */
		vlbd_log(LOG_NOTICE, "no virtual_server: running VRRP alone, without the module "
			 "(virtual servers a reload adds are checked, not programmed)");
		vlbd_check_only = 1;
	}
	if (!vlbd_check_only && vlbd_nl_init() < 0)
		return 1;
	if (vlbd_reconcile_start(conf) < 0)
		vlbd_log(LOG_WARNING, "some changes to the module failed; retrying");
	if (vlbd_checks_start(conf, 1) < 0) {
		vlbd_log(LOG_ERR, "cannot start the checks");
		return 1;
	}
	if (vlbd_vrrp_start(conf) < 0) {
		vlbd_log(LOG_ERR, "cannot start VRRP");
		return 1;
	}
	vlbd_started_at = (double)time(NULL);
	if (vlbd_status_apply(conf) < 0)
		return 1;
	if (pid_path) {
		FILE *f = fopen(pid_path, "w");

		if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f)) {
			vlbd_log(LOG_ERR, "%s: %s", pid_path, strerror(errno));
			return 1;
		}
	}
	vlbd_log(LOG_NOTICE, "started: %d virtual server%s, %d vrrp_instance%s from %s",
		 conf->nvs, conf->nvs == 1 ? "" : "s", conf->nvrrp, conf->nvrrp == 1 ? "" : "s",
		 conf_path);
	notify("READY=1\nSTATUS=running");
	event_base_dispatch(vlbd_base);

	vlbd_vrrp_stop(conf);
	vlbd_checks_stop(conf);
	vlbd_status_stop();
	vlbd_nl_fini();
	for (i = 0; i < 4; i++)
		event_free(sigev[i]);
	vlbd_conf_free(conf);
	event_base_free(vlbd_base);
	if (pid_path)
		unlink(pid_path);
	return 0;
}

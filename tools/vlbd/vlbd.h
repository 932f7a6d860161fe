/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vlbd: the types shared by the daemon's parts. The configuration model
 * (struct vlbd_conf and what hangs off it) is also the run-time state: a
 * real server carries its health, a checker its counters and its socket,
 * so that a reload can hand the state of unchanged servers from the old
 * tree to the new one by matching them. conf.c/lexer.c build the tree and
 * never touch the kernel; reconcile.c turns it into netlink requests;
 * check*.c run the health checks on one libevent loop; main.c ties it up.
 */
#ifndef VLBD_H
#define VLBD_H

#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <linux/vlb.h>

#include "vlbadm.h"		/* union vlb_addr, struct vlb_service/dest */

#define VLBD_VERSION "0.1.0"
#define VLBD_DEFAULT_CONF "/etc/vlbd/vlbd.conf"
#define VLBD_MAX_WEIGHT 65535

/* --- lexer.c --------------------------------------------------------- */

enum vlbd_tok_type { TOK_WORD, TOK_OPEN, TOK_CLOSE, TOK_EOL, TOK_EOF };

struct vlbd_tok {
	enum vlbd_tok_type type;
	char *text;		/* TOK_WORD: unquoted, unescaped */
	const char *file;	/* owned by the token list */
	int line;
};

struct vlbd_toklist {
	struct vlbd_tok *t;
	int n, cap;
	char **files;		/* names of every file read, for tokens */
	int nfiles;
};

struct vlbd_errs;
/* Reads @path and everything it includes; errors go to @e. */
int vlbd_lex_file(struct vlbd_toklist *tl, const char *path, struct vlbd_errs *e);
void vlbd_toklist_free(struct vlbd_toklist *tl);
/* Splits a command line into argv the way the lexer reads words. */
char **vlbd_split_args(const char *s, int *argc);
/*
 * fork+exec @argv (PATH searched) as @user (default script_user), stdin and
 * stdout on /dev/null, in a process group of its own so that a timeout can
 * kill what it started. Signals stay blocked from before fork() until the
 * child has put back the default handlers: libevent's handler, run in the
 * child, would write to the pipe it shares with vlbd, so a SIGTERM reaching
 * a child that has not run yet would stop vlbd itself. The pid, or -1.
 * Used by MISC_CHECK, vrrp_script and notify scripts (notify.c).
 */
pid_t vlbd_spawn(char *const argv[], const char *user);

/* Addresses of family @af, and services by identity, as the module keys them. */
static inline int vlbd_addr_eq(int af, const union vlb_addr *a,
			       const union vlb_addr *b)
{
	return !memcmp(a, b, af == AF_INET ? 4 : 16);
}

static inline int vlbd_svc_eq(const struct vlb_service *a,
			      const struct vlb_service *b)
{
	if (a->af != b->af || !a->fwmark != !b->fwmark)
		return 0;
	if (a->fwmark)
		return a->fwmark == b->fwmark;
	return a->protocol == b->protocol && a->port == b->port &&
	       vlbd_addr_eq(a->af, &a->addr, &b->addr);
}

/* --- errors ---------------------------------------------------------- */

struct vlbd_errs {
	int count;		/* errors */
	int warnings;
	/* When set, messages go here instead of the log (vlbd -t: stderr). */
	FILE *out;
};

void vlbd_conf_err(struct vlbd_errs *e, const char *file, int line,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void vlbd_conf_warn(struct vlbd_errs *e, const char *file, int line,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* --- the model ------------------------------------------------------- */

enum vlbd_check_type { CHK_TCP, CHK_HTTP, CHK_SSL, CHK_MISC };

struct vlbd_sockaddr {
	int set;
	struct sockaddr_storage ss;
	socklen_t len;
};

/* Options every level (virtual_server, real_server, checker) may give. */
struct vlbd_timing {
	double delay_loop;		/* s; <0: unset (inherit) */
	double connect_timeout;
	double delay_before_retry;
	double warmup;
	int retry;			/* <0: unset */
	int rise;
};

struct vlbd_url {
	char *path;
	char *virtualhost;
	char digest[33];		/* lower-case hex, "" if none */
	uint64_t status[10];		/* bit per code 0..639, 100..599 used */
	int has_status;
	const char *file;
	int line;
};

struct vlbd_rs;
struct vlbd_checker;

/* One check in flight; each kind embeds this first. */
struct vlbd_attempt {
	struct vlbd_checker *ck;
	void (*cancel)(struct vlbd_attempt *a);	/* frees it, no result */
};

struct vlbd_checker {
	enum vlbd_check_type type;
	const char *file;
	int line;
	struct vlbd_timing t;		/* resolved after parsing */
	struct vlbd_sockaddr connect;	/* connect_ip/connect_port */
	int connect_ip_set, connect_port;
	struct vlbd_sockaddr bind;	/* bindto / bind_port */
	int bind_port;
	char *virtualhost;
	struct vlbd_url *urls;
	int nurls;
	char *misc_path;
	double misc_timeout;		/* <0: delay_loop */
	int misc_dynamic;
	char *user;			/* MISC_CHECK user */

	/* run time */
	struct vlbd_rs *rs;
	int up;
	int fails, oks;			/* consecutive */
	int dyn_weight;			/* misc_dynamic: -1 none */
	unsigned long long nchecks, nfails;
	double started;			/* of the attempt in flight */
	double last_latency;		/* s, of the last attempt */
	int last_ok;
	char last_why[96];
	struct event *timer;
	struct vlbd_attempt *att;	/* the attempt in flight */
	pid_t pid;			/* MISC_CHECK child */
};

struct vlbd_vs;

struct vlbd_rs {
	const char *file;
	int line;
	struct vlbd_vs *vs;
	int af;
	union vlb_addr addr;
	uint16_t port;
	int weight;
	int inhibit;			/* -1 unset: inherit */
	int alpha;
	double slow_start;		/* <0 unset */
	struct vlbd_timing t;
	struct vlbd_checker *checks;
	int nchecks;
	int is_sorry;

	/* run time */
	int up;
	double up_since;		/* monotonic s, for slow_start */
	struct event *ramp;
	int transitions;
};

enum vlbd_vs_kind { VS_ADDR, VS_FWMARK, VS_GROUP };

struct vlbd_vsg_entry {
	int fwmark;			/* else af/addr range/port */
	int af;
	union vlb_addr addr;
	uint16_t port;
};

struct vlbd_vsg {
	char *name;
	const char *file;
	int line;
	struct vlbd_vsg_entry *e;
	int n;
	int used;
};

struct vlbd_vs {
	const char *file;
	int line;
	enum vlbd_vs_kind kind;
	int af;
	union vlb_addr addr;
	uint16_t port;
	uint32_t fwmark;
	char *group;
	struct vlbd_vsg *vsg;

	int protocol;			/* IPPROTO_TCP/UDP, 0 unset */
	char sched[VLB_SCHED_NAME_MAX];
	int fwd;			/* enum vlb_fwd_method, -1 unset */
	int tun_type, tun_port, tun_flags;
	int persistent;
	uint32_t persist_timeout;
	int granularity;		/* prefix, -1 unset */
	int quorum, hysteresis;
	int alpha, inhibit;
	double slow_start;
	int def_weight;			/* virtual_server's `weight` */
	uint32_t sched_flags;		/* sh-/mh-port, -fallback, ops */
	char *virtualhost;		/* default for HTTP_GET/SSL_GET */
	struct vlbd_timing t;
	struct vlbd_rs *rs;
	int nrs;
	struct vlbd_rs *sorry;

	/* run time: the kernel services this one stands for */
	struct vlb_service *svcs;
	int nsvcs;
	int quorum_up;
	int dirty;
	struct vlbd_vs *next_dirty;
};

/* --- VRRP (vrrp*.c, vip.c, track.c, notify.c) -------------------------- */

#define VLBD_IFNAMSIZ 16

/* One address of virtual_ipaddress{} or virtual_ipaddress_excluded{}. */
struct vlbd_vip {
	int af;
	union vlb_addr addr;
	int prefix;
	char dev[VLBD_IFNAMSIZ];	/* "" : the instance's interface */
	char label[VLBD_IFNAMSIZ];	/* "" : none */
	int excluded;			/* not carried in adverts */
	const char *file;
	int line;
	/* run time */
	int added;			/* we added it (and so remove it) */
};

/* vrrp_script NAME { ... } */
struct vlbd_vscript {
	char *name;
	const char *file;
	int line;
	char *script;
	double interval, timeout;	/* timeout <0: interval */
	int weight;			/* -253..253 */
	int reverse;
	int rise, fall;
	int init_fail;
	char *user;
	int used;
	/* run time */
	int ok;				/* the state trackers see */
	int oks, fails;			/* consecutive */
	unsigned long long runs, failures;
	pid_t pid;
	int timed_out;
	struct event *timer;
};

struct vlbd_track_if {
	char name[VLBD_IFNAMSIZ];
	int weight, weight_set;
	int reverse;
	const char *file;
	int line;
};

struct vlbd_track_script {
	char *name;
	int weight, weight_set;		/* unset: the script's own weight */
	int reverse;
	struct vlbd_vscript *s;
	const char *file;
	int line;
};

struct vlbd_notify_cmds {
	char *master, *backup, *fault, *stop, *generic;
	char *user[5];			/* optional user for each, or NULL */
	const char *file[5];		/* where each was given */
	int line[5];
};

struct vlbd_vsync;
struct vlbd_vrrp_rt;		/* run-time state: vrrp_loop.c */

struct vlbd_vrrp {
	char *name;
	const char *file;
	int line;
	int init_master;		/* state MASTER */
	char ifname[VLBD_IFNAMSIZ];
	int vrid;			/* 1..255 */
	int priority;			/* 1..255; -1 unset */
	int adv_cs;			/* advert_int in centiseconds */
	int version;			/* 2 or 3; 0 unset */
	int nopreempt;
	double preempt_delay;
	int af;				/* of the addresses and peers */
	struct vlbd_vip *vips;		/* carried in adverts */
	int nvips;
	struct vlbd_vip *evips;		/* excluded */
	int nevips;
	int src_set;
	union vlb_addr src;		/* unicast_src_ip */
	union vlb_addr *peers;		/* unicast_peer{} */
	int npeers, peer_af;
	struct vlbd_track_if *tifs;
	int ntifs;
	struct vlbd_track_script *tss;
	int ntss;
	struct vlbd_notify_cmds notify;
	double garp_delay;		/* garp_master_delay; <0 unset */
	int garp_repeat;		/* garp_master_repeat; <0 unset */
	struct vlbd_vsync *sync;
	/* run time */
	struct vlbd_vrrp_rt *rt;
};

/* vrrp_sync_group NAME { group { ... } notify_* } */
struct vlbd_vsync {
	char *name;
	const char *file;
	int line;
	char **members;
	int nmembers;
	struct vlbd_vrrp **inst;	/* resolved */
	struct vlbd_notify_cmds notify;
	/* run time */
	int state;			/* enum vrrp_state, of the group */
	struct vlbd_notify_q *q;
};

struct vlbd_conf {
	char *path;
	char *router_id;
	int script_security;
	char *script_user, *script_group;
	struct vlbd_vs *vs;
	int nvs;
	struct vlbd_vsg *vsg;
	int nvsg;
	int http_set;			/* http_status ADDRESS PORT */
	struct sockaddr_storage http_addr;
	socklen_t http_len;
	struct vlbd_vrrp *vrrp;
	int nvrrp;
	struct vlbd_vscript *vscripts;
	int nvscripts;
	struct vlbd_vsync *vsyncs;
	int nvsyncs;
	int vrrp_version;		/* global_defs vrrp_version, default 2 */
	double garp_delay;		/* vrrp_garp_master_delay, default 5 */
	int garp_repeat;		/* vrrp_garp_master_repeat, default 5 */
	struct vlbd_toklist toks;	/* keeps file names alive */
};

/* conf.c: parse @path; returns NULL and counts the errors in @e. */
struct vlbd_conf *vlbd_conf_load(const char *path, struct vlbd_errs *e);
void vlbd_conf_free(struct vlbd_conf *c);
/* For messages: "TCP 10.0.0.1:80", "FWM 7", "group web" and "10.0.2.11:80". */
void vlbd_vs_name(const struct vlbd_vs *vs, char *buf, size_t len);
void vlbd_rs_name(const struct vlbd_rs *rs, char *buf, size_t len);
void vlbd_conf_dump(FILE *f, const struct vlbd_conf *c);
void vlbd_conf_dump_vrrp(FILE *f, const struct vlbd_conf *c);

/* --- log.c ----------------------------------------------------------- */

enum { VLBD_LOG_STDERR, VLBD_LOG_SYSLOG };
void vlbd_log_open(int where, int debug);
void vlbd_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vlbd_vlog(int prio, const char *fmt, va_list ap);

/* --- run time (main.c, check.c) ---------------------------------------- */

struct event_base;
extern struct event_base *vlbd_base;
double vlbd_now(void);		/* monotonic seconds */

/* check.c */
int vlbd_checks_start(struct vlbd_conf *c, int fresh);
void vlbd_checks_stop(struct vlbd_conf *c);
/* An attempt finished: @ok, and for misc_dynamic a weight or -1. */
void vlbd_check_done(struct vlbd_checker *ck, int ok, int weight, const char *why);
/* Start one attempt of each kind (check_tcp.c, check_http.c, check_misc.c). */
int vlbd_tcp_start(struct vlbd_checker *ck);
int vlbd_http_start(struct vlbd_checker *ck);
int vlbd_misc_start(struct vlbd_checker *ck);
void vlbd_attempt_cancel(struct vlbd_checker *ck);
void vlbd_misc_reap(void);
extern const char *vlbd_script_user, *vlbd_script_group;
int vlbd_tls_init(void);
/* The address a checker connects to. */
void vlbd_check_target(const struct vlbd_checker *ck, struct sockaddr_storage *ss,
		       socklen_t *len);

/* status.c: the HTTP endpoint (/metrics, /status, /status.txt) */
int vlbd_status_apply(struct vlbd_conf *c);	/* (re)bind as c says */
void vlbd_status_stop(void);
void vlbd_status_text(FILE *f, const struct vlbd_conf *c);
/* vlbd --status: fetch /status.txt from the endpoint @c names. */
int vlbd_status_client(const struct vlbd_conf *c);
extern unsigned long long vlbd_reloads, vlbd_reload_failures;
extern double vlbd_started_at;		/* wall clock */
extern struct vlbd_conf *vlbd_conf_current;

/* vrrp_loop.c: the VRRP instances */
int vlbd_vrrp_start(struct vlbd_conf *c);
void vlbd_vrrp_reload(struct vlbd_conf *old, struct vlbd_conf *new);
void vlbd_vrrp_stop(struct vlbd_conf *c);
/* A child exited that check_misc.c did not start: 1 if it was VRRP's. */
int vlbd_vrrp_reaped(pid_t pid, int status);

/* reconcile.c */
extern int vlbd_check_only;
int vlbd_nl_init(void);
void vlbd_nl_fini(void);
/* Initial health from what the module holds; then apply everything. */
int vlbd_reconcile_start(struct vlbd_conf *c);
/* Reload: move state from @old to @new, apply the difference. */
int vlbd_reconcile_reload(struct vlbd_conf *old, struct vlbd_conf *new);
void vlbd_vs_changed(struct vlbd_vs *vs);
void vlbd_rs_weight(const struct vlbd_rs *rs, int *weight, int *present);
void vlbd_vs_update_quorum(struct vlbd_vs *vs, int log);

#endif /* VLBD_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * The configuration parser: keepalived.conf's grammar (the subset vlbd
 * implements, plus vlb's `rise` and `slow_start`) into struct vlbd_conf.
 * Every block has a table of its keywords; a keyword that is unknown, in
 * the wrong block, given twice, with the wrong number of arguments or a
 * bad value is an error naming the file and line, and parsing carries on
 * so that one run of `vlbd -t` reports every mistake. keepalived keywords
 * vlbd does not implement are errors too, with a message saying so, where
 * keepalived would log and carry on. After parsing, defaults are filled
 * in along virtual_server -> real_server -> checker and the whole is
 * checked: duplicate services and servers, families, missing groups.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <math.h>
#include <netdb.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "vlbd.h"

void vlbd_conf_err(struct vlbd_errs *e, const char *file, int line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	e->count++;
	if (e->out)
		fprintf(e->out, "%s:%d: %s\n", file, line, msg);
	else
		vlbd_log(LOG_ERR, "%s:%d: %s", file, line, msg);
}

void vlbd_conf_warn(struct vlbd_errs *e, const char *file, int line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	e->warnings++;
	if (e->out)
		fprintf(e->out, "%s:%d: warning: %s\n", file, line, msg);
	else
		vlbd_log(LOG_WARNING, "%s:%d: warning: %s", file, line, msg);
}

/* --- statements ------------------------------------------------------- */

struct stmt {
	const char *kw;
	char **args;		/* borrowed from the tokens */
	int nargs;
	const char *file;
	int line;
	int block;		/* a { follows */
};

struct parser {
	struct vlbd_toklist *tl;
	int pos;
	struct vlbd_errs *e;
	struct vlbd_conf *c;
};

#define ERR(p, s, ...) vlbd_conf_err((p)->e, (s)->file, (s)->line, __VA_ARGS__)

static struct vlbd_tok *tok(struct parser *p)
{
	return &p->tl->t[p->pos];
}

/* Skips a block whose { is the current token, braces balanced. */
static void skip_block(struct parser *p)
{
	int depth = 0;

	for (;;) {
		struct vlbd_tok *t = tok(p);

		if (t->type == TOK_EOF)
			return;
		p->pos++;
		if (t->type == TOK_OPEN)
			depth++;
		else if (t->type == TOK_CLOSE && --depth == 0)
			return;
	}
}

/*
 * The next statement of the block: 1 and @s filled, or 0 at the block's
 * "}" (consumed) or at the end of the input (@s->file/line say where).
 */
static int next_stmt(struct parser *p, struct stmt *s, char **argbuf, int argmax)
{
	for (;;) {
		struct vlbd_tok *t = tok(p);

		memset(s, 0, sizeof(*s));
		s->file = t->file;
		s->line = t->line;
		switch (t->type) {
		case TOK_EOL:
			p->pos++;
			continue;
		case TOK_EOF:
			return 0;
		case TOK_CLOSE:
			p->pos++;
			return 0;
		case TOK_OPEN:
			ERR(p, s, "a block ({) without a keyword");
			skip_block(p);
			continue;
		case TOK_WORD:
			break;
		}
		s->kw = t->text;
		s->args = argbuf;
		p->pos++;
		while (tok(p)->type == TOK_WORD) {
			if (s->nargs < argmax)
				argbuf[s->nargs] = tok(p)->text;
			s->nargs++;
			p->pos++;
		}
		if (tok(p)->type == TOK_OPEN) {
			s->block = 1;
		} else if (tok(p)->type == TOK_EOL) {
			/* keepalived allows the { of a block on the next line */
			int q = p->pos;

			while (p->tl->t[q].type == TOK_EOL)
				q++;
			if (p->tl->t[q].type == TOK_OPEN) {
				s->block = 1;
				p->pos = q;
			}
		}
		return 1;
	}
}

/* --- values ------------------------------------------------------------ */

static int get_long(const char *str, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(str, &end, 10);
	if (errno || end == str || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int num_arg(struct parser *p, struct stmt *s, int i, long min, long max, long *out)
{
	if (get_long(s->args[i], min, max, out) == 0)
		return 0;
	ERR(p, s, "%s: '%s' is not a whole number from %ld to %ld", s->kw, s->args[i], min, max);
	return -1;
}

static int timer_arg(struct parser *p, struct stmt *s, int i, double min, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s->args[i], &end);
	if (errno || end == s->args[i] || *end || !isfinite(v) || v < min || v > 86400 * 31 ||
	    !isdigit((unsigned char)s->args[i][0])) {
		ERR(p, s, "%s: '%s' is not a time in seconds (%s)", s->kw, s->args[i],
		    min > 0 ? "more than 0" : "0 or more");
		return -1;
	}
	if (v < min) {
		ERR(p, s, "%s: '%s' is not a time in seconds (more than 0)", s->kw, s->args[i]);
		return -1;
	}
	*out = v;
	return 0;
}

/* A flag keyword: bare means on, or one on|off|true|false|yes|no. */
static int bool_arg(struct parser *p, struct stmt *s, int *out)
{
	static const char *const on[] = { "on", "true", "yes", "1" };
	static const char *const off[] = { "off", "false", "no", "0" };
	unsigned int i;

	if (!s->nargs) {
		*out = 1;
		return 0;
	}
	for (i = 0; i < 4; i++) {
		if (!strcasecmp(s->args[0], on[i])) {
			*out = 1;
			return 0;
		}
		if (!strcasecmp(s->args[0], off[i])) {
			*out = 0;
			return 0;
		}
	}
	ERR(p, s, "%s: '%s' is not on, off, true, false, yes or no", s->kw, s->args[0]);
	return -1;
}

static int parse_ip(const char *str, int *af, union vlb_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, str, &a->in) == 1) {
		*af = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, str, &a->in6) == 1) {
		*af = AF_INET6;
		return 0;
	}
	return -1;
}

static int ip_arg(struct parser *p, struct stmt *s, int i, int *af, union vlb_addr *a)
{
	if (parse_ip(s->args[i], af, a) == 0)
		return 0;
	ERR(p, s, "%s: '%s' is not an IPv4 or IPv6 address", s->kw, s->args[i]);
	return -1;
}

static int port_arg(struct parser *p, struct stmt *s, int i, int min, uint16_t *port)
{
	long v;

	if (get_long(s->args[i], min, 65535, &v) == 0) {
		*port = (uint16_t)v;
		return 0;
	}
	ERR(p, s, "%s: '%s' is not a port number (%d..65535)", s->kw, s->args[i], min);
	return -1;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d) {
		fprintf(stderr, "vlbd: out of memory\n");
		exit(1);
	}
	return d;
}

static void *xgrow(void *ptr, int n, size_t size)
{
	/* one element more, zeroed */
	char *q = realloc(ptr, (size_t)(n + 1) * size);

	if (!q) {
		fprintf(stderr, "vlbd: out of memory\n");
		exit(1);
	}
	memset(q + (size_t)n * size, 0, size);
	return q;
}

static void timing_unset(struct vlbd_timing *t)
{
	t->delay_loop = t->connect_timeout = t->delay_before_retry = t->warmup = -1;
	t->retry = t->rise = -1;
}

/* --- keyword tables -------------------------------------------------- */

typedef void (*kw_fn)(struct parser *p, struct stmt *s, void *ctx);

struct keyword {
	const char *name;
	kw_fn fn;
	int min, max;		/* arguments */
	int block;		/* takes a { } block */
	int repeat;		/* may be given more than once */
};

/* keepalived keywords that vlbd refuses by name, and why. */
static const struct {
	const char *name;
	const char *why;
} unsupported[] = {
	{ "static_ipaddress", "static addresses are not implemented" },
	{ "static_routes", "static routes are not implemented" },
	{ "static_rules", "static rules are not implemented" },
	{ "bfd_instance", "BFD is not implemented" },
	{ "notification_email", "e-mail alerts are not implemented" },
	{ "notification_email_from", "e-mail alerts are not implemented" },
	{ "smtp_server", "e-mail alerts are not implemented" },
	{ "smtp_connect_timeout", "e-mail alerts are not implemented" },
	{ "smtp_alert", "e-mail alerts are not implemented" },
	{ "lvs_sync_daemon", "the connection sync daemon is not implemented" },
	{ "nb_get_retry", "it was renamed retry (keepalived 2.x)" },
	{ "SMTP_CHECK", "only TCP_CHECK, HTTP_GET, SSL_GET and MISC_CHECK are implemented" },
	{ "DNS_CHECK", "only TCP_CHECK, HTTP_GET, SSL_GET and MISC_CHECK are implemented" },
	{ "UDP_CHECK", "only TCP_CHECK, HTTP_GET, SSL_GET and MISC_CHECK are implemented" },
	{ "PING_CHECK", "only TCP_CHECK, HTTP_GET, SSL_GET and MISC_CHECK are implemented" },
	{ "FILE_CHECK", "only TCP_CHECK, HTTP_GET, SSL_GET and MISC_CHECK are implemented" },
	{ "BFD_CHECK", "only TCP_CHECK, HTTP_GET, SSL_GET and MISC_CHECK are implemented" },
	{ "notify_up", "notify scripts are not implemented" },
	{ "notify_down", "notify scripts are not implemented" },
	{ "quorum_up", "notify scripts are not implemented" },
	{ "quorum_down", "notify scripts are not implemented" },
	{ "persistence_engine", "persistence engines are not implemented" },
	{ "regex", "body regular expressions are not implemented" },
	{ "ha_suspend", "vlbd checks real servers on the backup too, so that a takeover finds them known" },
	{ "omega", "notify scripts are not implemented" },
	{ "sorry_server_inhibit", "not implemented" },
	{ "sorry_server_lvs_method", "not implemented" },
	{ "uthreshold", "connection thresholds are not implemented in vlbd" },
	{ "lthreshold", "connection thresholds are not implemented in vlbd" },
	{ "http_protocol", "only HTTP/1.0 is implemented" },
	{ "enable_sni", "SNI is always sent when virtualhost is set" },
	{ "lvs_flush", "vlbd never flushes what it does not own" },
	{ "lvs_flush_on_stop", "vlbd leaves services in place when it stops" },
};

static const char *known_in(const char *kw, const char *where);

/*
 * Runs the statements of one block against @kws until its "}". @opened is
 * the statement that opened it, for "missing }".
 */
static void parse_block(struct parser *p, const struct keyword *kws, void *ctx,
			const struct stmt *opened, const char *where)
{
	char *argbuf[64];
	int seen[64] = { 0 };
	struct stmt s;

	for (;;) {
		const struct keyword *k;
		unsigned int i;

		if (!next_stmt(p, &s, argbuf, 64)) {
			if (tok(p)->type == TOK_EOF && opened)
				vlbd_conf_err(p->e, opened->file, opened->line,
					      "%s: the block is not closed (missing })",
					      opened->kw);
			return;
		}
		for (k = kws; k->name; k++)
			if (!strcmp(k->name, s.kw))
				break;
		if (!k->name) {
			for (i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++)
				if (!strcmp(unsupported[i].name, s.kw))
					break;
			if (i < sizeof(unsupported) / sizeof(unsupported[0]))
				ERR(p, &s, "%s is not supported by vlbd: %s", s.kw,
				    unsupported[i].why);
			else if (known_in(s.kw, where))
				ERR(p, &s, "'%s' belongs in %s, not in %s", s.kw,
				    known_in(s.kw, where), where);
			else
				ERR(p, &s, "unknown keyword '%s' in %s", s.kw, where);
			if (s.block)
				skip_block(p);
			continue;
		}
		if (k->block && !s.block) {
			ERR(p, &s, "%s needs a { } block", s.kw);
			continue;
		} else if (!k->block && s.block) {
			ERR(p, &s, "%s does not take a { } block", s.kw);
		} else if (s.nargs > 64) {
			ERR(p, &s, "%s: too many arguments", s.kw);
		} else if (s.nargs < k->min || (k->max >= 0 && s.nargs > k->max)) {
			if (k->min == k->max)
				ERR(p, &s, "%s takes %d argument%s, not %d", s.kw, k->min,
				    k->min == 1 ? "" : "s", s.nargs);
			else if (k->max < 0)
				ERR(p, &s, "%s takes at least %d argument%s, not %d", s.kw,
				    k->min, k->min == 1 ? "" : "s", s.nargs);
			else
				ERR(p, &s, "%s takes %d to %d arguments, not %d", s.kw, k->min,
				    k->max, s.nargs);
		} else if (!k->repeat && seen[k - kws]) {
			ERR(p, &s, "%s is given twice in this %s (first on line %d)", s.kw,
			    where, seen[k - kws]);
		} else {
			seen[k - kws] = s.line;
			k->fn(p, &s, ctx);
			continue;
		}
		if (s.block)
			skip_block(p);
	}
}

/* Enter the { of the current statement, for the handlers of block keywords. */
static void enter(struct parser *p)
{
	if (tok(p)->type == TOK_OPEN)
		p->pos++;
}

/* --- timing, shared by every level --------------------------------------- */

#define TIMING_FN(field, min)						\
static void kw_##field(struct parser *p, struct stmt *s, void *ctx)	\
{									\
	struct vlbd_timing *t = ctx;					\
	timer_arg(p, s, 0, min, &t->field);				\
}
TIMING_FN(delay_loop, 0.001)
TIMING_FN(connect_timeout, 0.001)
TIMING_FN(delay_before_retry, 0)
TIMING_FN(warmup, 0)

static void kw_retry(struct parser *p, struct stmt *s, void *ctx)
{
	struct vlbd_timing *t = ctx;
	long v;

	if (num_arg(p, s, 0, 0, 1000, &v) == 0)
		t->retry = (int)v;
}

static void kw_rise(struct parser *p, struct stmt *s, void *ctx)
{
	struct vlbd_timing *t = ctx;
	long v;

	if (num_arg(p, s, 0, 1, 1000, &v) == 0)
		t->rise = (int)v;
}

/*
 * The timing keywords sit at the start of a block's context struct
 * (struct vlbd_timing first), so one set of handlers serves all levels.
 */
#define TIMING_KEYWORDS							\
	{ "delay_loop", kw_delay_loop, 1, 1, 0, 0 },			\
	{ "connect_timeout", kw_connect_timeout, 1, 1, 0, 0 },		\
	{ "delay_before_retry", kw_delay_before_retry, 1, 1, 0, 0 },	\
	{ "warmup", kw_warmup, 1, 1, 0, 0 },				\
	{ "retry", kw_retry, 1, 1, 0, 0 },				\
	{ "rise", kw_rise, 1, 1, 0, 0 }

/* --- checkers -------------------------------------------------------- */

struct ck_ctx {
	struct vlbd_timing t;		/* first: see TIMING_KEYWORDS */
	struct vlbd_checker *ck;
	struct vlbd_url *url;
};

static void kw_connect_ip(struct parser *p, struct stmt *s, void *ctx)
{
	struct vlbd_checker *ck = ((struct ck_ctx *)ctx)->ck;
	union vlb_addr a;
	int af;

	if (ip_arg(p, s, 0, &af, &a))
		return;
	ck->connect_ip_set = 1;
	memset(&ck->connect, 0, sizeof(ck->connect));
	ck->connect.set = 1;
	if (af == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ck->connect.ss;

		sin->sin_family = AF_INET;
		sin->sin_addr = a.in;
		ck->connect.len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ck->connect.ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = a.in6;
		ck->connect.len = sizeof(*sin6);
	}
}

static void kw_connect_port(struct parser *p, struct stmt *s, void *ctx)
{
	uint16_t port;

	if (port_arg(p, s, 0, 1, &port) == 0)
		((struct ck_ctx *)ctx)->ck->connect_port = port;
}

static void kw_bindto(struct parser *p, struct stmt *s, void *ctx)
{
	struct vlbd_checker *ck = ((struct ck_ctx *)ctx)->ck;
	union vlb_addr a;
	int af;

	if (ip_arg(p, s, 0, &af, &a))
		return;
	memset(&ck->bind, 0, sizeof(ck->bind));
	ck->bind.set = 1;
	if (af == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ck->bind.ss;

		sin->sin_family = AF_INET;
		sin->sin_addr = a.in;
		ck->bind.len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ck->bind.ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = a.in6;
		ck->bind.len = sizeof(*sin6);
	}
}

static void kw_bind_port(struct parser *p, struct stmt *s, void *ctx)
{
	uint16_t port;

	if (port_arg(p, s, 0, 1, &port) == 0)
		((struct ck_ctx *)ctx)->ck->bind_port = port;
}

static void kw_ck_virtualhost(struct parser *p, struct stmt *s, void *ctx)
{
	struct vlbd_checker *ck = ((struct ck_ctx *)ctx)->ck;

	(void)p;
	free(ck->virtualhost);
	ck->virtualhost = xstrdup(s->args[0]);
}

static void kw_url_path(struct parser *p, struct stmt *s, void *ctx)
{
	struct vlbd_url *u = ((struct ck_ctx *)ctx)->url;
	const char *c;

	if (s->args[0][0] != '/') {
		ERR(p, s, "path: '%s' must start with /", s->args[0]);
		return;
	}
	for (c = s->args[0]; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f) {
			ERR(p, s, "path: '%s' holds a blank or control character", s->args[0]);
			return;
		}
	u->path = xstrdup(s->args[0]);
}

static void kw_url_digest(struct parser *p, struct stmt *s, void *ctx)
{
	struct vlbd_url *u = ((struct ck_ctx *)ctx)->url;
	const char *d = s->args[0];
	int i;

	for (i = 0; d[i]; i++)
		if (!isxdigit((unsigned char)d[i]))
			break;
	if (i != 32 || d[i]) {
		ERR(p, s, "digest: '%s' is not an MD5 digest (32 hexadecimal digits)", d);
		return;
	}
	for (i = 0; i < 32; i++)
		u->digest[i] = (char)tolower((unsigned char)d[i]);
	u->digest[32] = '\0';
}

static void set_status(struct vlbd_url *u, long lo, long hi)
{
	long i;

	for (i = lo; i <= hi; i++)
		u->status[i / 64] |= 1ULL << (i % 64);
	u->has_status = 1;
}

/* status_code 200 | 200-299 | 2xx, several of them. */
static void kw_url_status(struct parser *p, struct stmt *s, void *ctx)
{
	struct vlbd_url *u = ((struct ck_ctx *)ctx)->url;
	int i;

	for (i = 0; i < s->nargs; i++) {
		const char *a = s->args[i], *dash = strchr(a, '-');
		long lo, hi;

		if (strlen(a) == 3 && a[0] >= '1' && a[0] <= '5' &&
		    tolower((unsigned char)a[1]) == 'x' && tolower((unsigned char)a[2]) == 'x') {
			set_status(u, (a[0] - '0') * 100, (a[0] - '0') * 100 + 99);
			continue;
		}
		if (dash) {
			char lo_s[16];
			size_t n = (size_t)(dash - a);

			if (n < sizeof(lo_s)) {
				memcpy(lo_s, a, n);
				lo_s[n] = '\0';
				if (!get_long(lo_s, 100, 599, &lo) && !get_long(dash + 1, 100, 599, &hi) &&
				    lo <= hi) {
					set_status(u, lo, hi);
					continue;
				}
			}
		} else if (!get_long(a, 100, 599, &lo)) {
			set_status(u, lo, lo);
			continue;
		}
		ERR(p, s, "status_code: '%s' is not a status code (100..599), a range "
		    "(200-299) or a class (2xx)", a);
	}
}

static void kw_url_virtualhost(struct parser *p, struct stmt *s, void *ctx)
{
	struct vlbd_url *u = ((struct ck_ctx *)ctx)->url;

	(void)p;
	free(u->virtualhost);
	u->virtualhost = xstrdup(s->args[0]);
}

static const struct keyword url_kws[] = {
	{ "path", kw_url_path, 1, 1, 0, 0 },
	{ "digest", kw_url_digest, 1, 1, 0, 0 },
	{ "status_code", kw_url_status, 1, -1, 0, 1 },
	{ "virtualhost", kw_url_virtualhost, 1, 1, 0, 0 },
	{ NULL, NULL, 0, 0, 0, 0 }
};

static void kw_url(struct parser *p, struct stmt *s, void *ctx)
{
	struct ck_ctx *cc = ctx;
	struct vlbd_checker *ck = cc->ck;
	struct vlbd_url *u;

	ck->urls = xgrow(ck->urls, ck->nurls, sizeof(*ck->urls));
	u = &ck->urls[ck->nurls++];
	u->file = s->file;
	u->line = s->line;
	cc->url = u;
	enter(p);
	parse_block(p, url_kws, cc, s, "url");
	if (!u->path)
		ERR(p, s, "url: path is missing");
	if (!u->has_status)
		set_status(u, 200, 299);
	cc->url = NULL;
}

static void kw_misc_path(struct parser *p, struct stmt *s, void *ctx)
{
	struct vlbd_checker *ck = ((struct ck_ctx *)ctx)->ck;

	if (!s->args[0][0]) {
		ERR(p, s, "misc_path is empty");
		return;
	}
	ck->misc_path = xstrdup(s->args[0]);
}

static void kw_misc_timeout(struct parser *p, struct stmt *s, void *ctx)
{
	timer_arg(p, s, 0, 0.001, &((struct ck_ctx *)ctx)->ck->misc_timeout);
}

static void kw_misc_dynamic(struct parser *p, struct stmt *s, void *ctx)
{
	bool_arg(p, s, &((struct ck_ctx *)ctx)->ck->misc_dynamic);
}

static void kw_misc_user(struct parser *p, struct stmt *s, void *ctx)
{
	struct vlbd_checker *ck = ((struct ck_ctx *)ctx)->ck;

	if (s->nargs > 1) {
		ERR(p, s, "user: a group is not supported here, only the user");
		return;
	}
	if (!getpwnam(s->args[0])) {
		ERR(p, s, "user: no such user '%s'", s->args[0]);
		return;
	}
	ck->user = xstrdup(s->args[0]);
}

#define CONNECT_KEYWORDS						\
	{ "connect_ip", kw_connect_ip, 1, 1, 0, 0 },			\
	{ "connect_port", kw_connect_port, 1, 1, 0, 0 },		\
	{ "bindto", kw_bindto, 1, 1, 0, 0 },				\
	{ "bind_port", kw_bind_port, 1, 1, 0, 0 }

static const struct keyword tcp_kws[] = {
	TIMING_KEYWORDS,
	CONNECT_KEYWORDS,
	{ NULL, NULL, 0, 0, 0, 0 }
};

static const struct keyword http_kws[] = {
	TIMING_KEYWORDS,
	CONNECT_KEYWORDS,
	{ "url", kw_url, 0, 0, 1, 1 },
	{ "virtualhost", kw_ck_virtualhost, 1, 1, 0, 0 },
	{ NULL, NULL, 0, 0, 0, 0 }
};

static const struct keyword misc_kws[] = {
	TIMING_KEYWORDS,
	{ "misc_path", kw_misc_path, 1, 1, 0, 0 },
	{ "misc_timeout", kw_misc_timeout, 1, 1, 0, 0 },
	{ "misc_dynamic", kw_misc_dynamic, 0, 1, 0, 0 },
	{ "user", kw_misc_user, 1, 2, 0, 0 },
	{ NULL, NULL, 0, 0, 0, 0 }
};

static const char *const check_names[] = {
	[CHK_TCP] = "TCP_CHECK", [CHK_HTTP] = "HTTP_GET",
	[CHK_SSL] = "SSL_GET", [CHK_MISC] = "MISC_CHECK",
};

static void add_checker(struct parser *p, struct stmt *s, struct vlbd_rs *rs,
			enum vlbd_check_type type)
{
	static const struct keyword *const tables[] = {
		[CHK_TCP] = tcp_kws, [CHK_HTTP] = http_kws,
		[CHK_SSL] = http_kws, [CHK_MISC] = misc_kws,
	};
	struct ck_ctx cc = { .url = NULL };
	struct vlbd_checker *ck;

	rs->checks = xgrow(rs->checks, rs->nchecks, sizeof(*rs->checks));
	ck = &rs->checks[rs->nchecks++];
	ck->type = type;
	ck->file = s->file;
	ck->line = s->line;
	ck->misc_timeout = -1;
	ck->dyn_weight = -1;
	timing_unset(&cc.t);
	cc.ck = ck;
	enter(p);
	parse_block(p, tables[type], &cc, s, check_names[type]);
	ck->t = cc.t;
	if ((type == CHK_HTTP || type == CHK_SSL) && !ck->nurls)
		ERR(p, s, "%s needs at least one url { path ... } block", s->kw);
	if (type == CHK_MISC && !ck->misc_path)
		ERR(p, s, "MISC_CHECK needs misc_path");
}

/* --- real_server ------------------------------------------------------ */

struct rs_ctx {
	struct vlbd_timing t;		/* first: see TIMING_KEYWORDS */
	struct vlbd_rs *rs;
};

static void kw_rs_weight(struct parser *p, struct stmt *s, void *ctx)
{
	long v;

	if (num_arg(p, s, 0, 0, VLBD_MAX_WEIGHT, &v) == 0)
		((struct rs_ctx *)ctx)->rs->weight = (int)v;
}

static void kw_rs_inhibit(struct parser *p, struct stmt *s, void *ctx)
{
	bool_arg(p, s, &((struct rs_ctx *)ctx)->rs->inhibit);
}

static void kw_rs_alpha(struct parser *p, struct stmt *s, void *ctx)
{
	bool_arg(p, s, &((struct rs_ctx *)ctx)->rs->alpha);
}

static void kw_rs_slow_start(struct parser *p, struct stmt *s, void *ctx)
{
	timer_arg(p, s, 0, 0, &((struct rs_ctx *)ctx)->rs->slow_start);
}

#define CHECK_FN(name, type)						\
static void kw_##name(struct parser *p, struct stmt *s, void *ctx)	\
{									\
	add_checker(p, s, ((struct rs_ctx *)ctx)->rs, type);		\
}
CHECK_FN(tcp_check, CHK_TCP)
CHECK_FN(http_get, CHK_HTTP)
CHECK_FN(ssl_get, CHK_SSL)
CHECK_FN(misc_check, CHK_MISC)

static const struct keyword rs_kws[] = {
	TIMING_KEYWORDS,
	{ "weight", kw_rs_weight, 1, 1, 0, 0 },
	{ "inhibit_on_failure", kw_rs_inhibit, 0, 1, 0, 0 },
	{ "alpha", kw_rs_alpha, 0, 1, 0, 0 },
	{ "slow_start", kw_rs_slow_start, 1, 1, 0, 0 },
	{ "TCP_CHECK", kw_tcp_check, 0, 0, 1, 1 },
	{ "HTTP_GET", kw_http_get, 0, 0, 1, 1 },
	{ "SSL_GET", kw_ssl_get, 0, 0, 1, 1 },
	{ "MISC_CHECK", kw_misc_check, 0, 0, 1, 1 },
	{ NULL, NULL, 0, 0, 0, 0 }
};

/* --- virtual_server --------------------------------------------------- */

struct vs_ctx {
	struct vlbd_timing t;		/* first: see TIMING_KEYWORDS */
	struct vlbd_vs *vs;
	int port_given;			/* per real server, for defaults */
};

static struct vlbd_rs *new_rs(struct parser *p, struct stmt *s, struct vlbd_vs *vs,
			      int sorry)
{
	struct vlbd_rs *rs = calloc(1, sizeof(*rs));
	uint16_t port = 0;

	if (!rs) {
		fprintf(stderr, "vlbd: out of memory\n");
		exit(1);
	}
	rs->file = s->file;
	rs->line = s->line;
	rs->vs = vs;
	rs->weight = -1;
	rs->inhibit = -1;
	rs->alpha = -1;
	rs->slow_start = -1;
	rs->is_sorry = sorry;
	timing_unset(&rs->t);
	if (ip_arg(p, s, 0, &rs->af, &rs->addr) ||
	    (s->nargs > 1 && port_arg(p, s, 1, 0, &port))) {
		free(rs);
		return NULL;
	}
	/* no port: the service's for an address service, none for fwmark */
	rs->port = s->nargs > 1 ? port : (vs->kind == VS_ADDR ? vs->port : 0);
	return rs;
}

static void kw_real_server(struct parser *p, struct stmt *s, void *ctx)
{
	struct vlbd_vs *vs = ((struct vs_ctx *)ctx)->vs;
	struct rs_ctx rc;
	struct vlbd_rs *rs = new_rs(p, s, vs, 0);

	if (!rs) {
		skip_block(p);
		return;
	}
	rc.rs = rs;
	rc.t = rs->t;
	enter(p);
	parse_block(p, rs_kws, &rc, s, "real_server");
	rs->t = rc.t;
	vs->rs = xgrow(vs->rs, vs->nrs, sizeof(*vs->rs));
	vs->rs[vs->nrs++] = *rs;
	free(rs);
}

static void kw_sorry_server(struct parser *p, struct stmt *s, void *ctx)
{
	struct vlbd_vs *vs = ((struct vs_ctx *)ctx)->vs;
	struct vlbd_rs *rs = new_rs(p, s, vs, 1);

	if (rs) {
		rs->weight = 1;
		vs->sorry = rs;
	}
}

static const char *const scheds[] = {
	"rr", "wrr", "lc", "wlc", "sed", "nq", "sh", "mh", "fo", "p2c", "twos", NULL
};

static void kw_lb_algo(struct parser *p, struct stmt *s, void *ctx)
{
	struct vlbd_vs *vs = ((struct vs_ctx *)ctx)->vs;
	int i;

	for (i = 0; scheds[i]; i++)
		if (!strcmp(scheds[i], s->args[0])) {
			snprintf(vs->sched, sizeof(vs->sched), "%s", scheds[i]);
			return;
		}
	if (!strcmp(s->args[0], "lblc") || !strcmp(s->args[0], "lblcr") ||
	    !strcmp(s->args[0], "dh") || !strcmp(s->args[0], "ovf"))
		ERR(p, s, "%s: the scheduler '%s' is not available in vlb (it has rr, wrr, lc, "
		    "wlc, sed, nq, sh, mh, fo, p2c and twos)", s->kw, s->args[0]);
	else
		ERR(p, s, "%s: unknown scheduler '%s' (vlb has rr, wrr, lc, wlc, sed, nq, sh, "
		    "mh, fo, p2c and twos)", s->kw, s->args[0]);
}

/* lb_kind NAT | DR | TUN [type ipip|gue port N|gre] [nocsum|csum|remcsum] */
static void kw_lb_kind(struct parser *p, struct stmt *s, void *ctx)
{
	struct vlbd_vs *vs = ((struct vs_ctx *)ctx)->vs;
	const char *m = s->args[0];
	int i;

	if (!strcasecmp(m, "NAT") || !strcasecmp(m, "masq")) {
		vs->fwd = VLB_FWD_MASQ;
	} else if (!strcasecmp(m, "DR")) {
		vs->fwd = VLB_FWD_DROUTE;
	} else if (!strcasecmp(m, "TUN")) {
		vs->fwd = VLB_FWD_TUNNEL;
	} else {
		ERR(p, s, "%s: '%s' is not NAT, DR or TUN", s->kw, m);
		return;
	}
	if (vs->fwd != VLB_FWD_TUNNEL && s->nargs > 1) {
		ERR(p, s, "%s: %s takes no options", s->kw, m);
		return;
	}
	for (i = 1; i < s->nargs; i++) {
		const char *o = s->args[i];

		if (!strcmp(o, "type") && i + 1 < s->nargs) {
			const char *t = s->args[++i];

			if (!strcmp(t, "ipip")) {
				vs->tun_type = VLB_TUN_IPIP;
			} else if (!strcmp(t, "gre")) {
				vs->tun_type = VLB_TUN_GRE;
			} else if (!strcmp(t, "gue") && i + 2 < s->nargs &&
				   !strcmp(s->args[i + 1], "port")) {
				uint16_t port;

				if (port_arg(p, s, i + 2, 1, &port))
					return;
				vs->tun_type = VLB_TUN_GUE;
				vs->tun_port = port;
				i += 2;
			} else {
				ERR(p, s, "%s: tunnel type '%s' is not ipip, gre or gue port N",
				    s->kw, t);
				return;
			}
		} else if (!strcmp(o, "nocsum")) {
			vs->tun_flags = VLB_TUN_F_NOCSUM;
		} else if (!strcmp(o, "csum")) {
			vs->tun_flags = VLB_TUN_F_CSUM;
		} else if (!strcmp(o, "remcsum")) {
			vs->tun_flags = VLB_TUN_F_REMCSUM;
		} else {
			ERR(p, s, "%s: unknown tunnel option '%s'", s->kw, o);
			return;
		}
	}
}

static void kw_persistence_timeout(struct parser *p, struct stmt *s, void *ctx)
{
	struct vlbd_vs *vs = ((struct vs_ctx *)ctx)->vs;
	long v = VLB_PERSIST_TIMEOUT_DEFAULT;

	if (s->nargs && num_arg(p, s, 0, 1, VLB_PERSIST_TIMEOUT_MAX, &v))
		return;
	vs->persistent = 1;
	vs->persist_timeout = (uint32_t)v;
}

static int mask_prefix(const char *str, int *prefix)
{
	struct in_addr a;
	uint32_t m;
	long v;
	int n = 0;

	if (!get_long(str, 0, 128, &v)) {
		*prefix = (int)v;
		return 0;
	}
	if (inet_pton(AF_INET, str, &a) != 1)
		return -1;
	m = ntohl(a.s_addr);
	while (m & 0x80000000u) {
		n++;
		m <<= 1;
	}
	if (m)
		return -1;	/* not contiguous */
	*prefix = n;
	return 0;
}

static void kw_granularity(struct parser *p, struct stmt *s, void *ctx)
{
	struct vlbd_vs *vs = ((struct vs_ctx *)ctx)->vs;

	if (mask_prefix(s->args[0], &vs->granularity))
		ERR(p, s, "%s: '%s' is not a netmask (255.255.255.0) or a prefix length",
		    s->kw, s->args[0]);
}

static void kw_protocol(struct parser *p, struct stmt *s, void *ctx)
{
	struct vlbd_vs *vs = ((struct vs_ctx *)ctx)->vs;

	if (!strcasecmp(s->args[0], "TCP"))
		vs->protocol = IPPROTO_TCP;
	else if (!strcasecmp(s->args[0], "UDP"))
		vs->protocol = IPPROTO_UDP;
	else if (!strcasecmp(s->args[0], "SCTP"))
		ERR(p, s, "protocol: SCTP is not supported by vlb");
	else
		ERR(p, s, "protocol: '%s' is not TCP or UDP", s->args[0]);
}

static void kw_quorum(struct parser *p, struct stmt *s, void *ctx)
{
	long v;

	if (num_arg(p, s, 0, 1, 1L << 30, &v) == 0)
		((struct vs_ctx *)ctx)->vs->quorum = (int)v;
}

static void kw_hysteresis(struct parser *p, struct stmt *s, void *ctx)
{
	long v;

	if (num_arg(p, s, 0, 0, 1L << 30, &v) == 0)
		((struct vs_ctx *)ctx)->vs->hysteresis = (int)v;
}

static void kw_vs_alpha(struct parser *p, struct stmt *s, void *ctx)
{
	bool_arg(p, s, &((struct vs_ctx *)ctx)->vs->alpha);
}

static void kw_vs_inhibit(struct parser *p, struct stmt *s, void *ctx)
{
	bool_arg(p, s, &((struct vs_ctx *)ctx)->vs->inhibit);
}

static void kw_vs_slow_start(struct parser *p, struct stmt *s, void *ctx)
{
	timer_arg(p, s, 0, 0, &((struct vs_ctx *)ctx)->vs->slow_start);
}

static void kw_vs_weight(struct parser *p, struct stmt *s, void *ctx)
{
	long v;

	if (num_arg(p, s, 0, 0, VLBD_MAX_WEIGHT, &v) == 0)
		((struct vs_ctx *)ctx)->vs->def_weight = (int)v;
}

/* sh-port, sh-fallback, mh-port, mh-fallback, ops: flags, no argument */
static void kw_vs_flag(struct parser *p, struct stmt *s, void *ctx)
{
	struct vlbd_vs *vs = ((struct vs_ctx *)ctx)->vs;
	const char *k = s->kw;

	(void)p;
	if (!strcmp(k, "ops"))
		vs->sched_flags |= VLB_SVC_F_ONEPACKET;
	else if (!strcmp(k + 3, "fallback"))
		vs->sched_flags |= VLB_SVC_F_SCHED1;
	else
		vs->sched_flags |= VLB_SVC_F_SCHED2;
}

static void kw_vs_virtualhost(struct parser *p, struct stmt *s, void *ctx)
{
	struct vlbd_vs *vs = ((struct vs_ctx *)ctx)->vs;

	(void)p;
	free(vs->virtualhost);
	vs->virtualhost = xstrdup(s->args[0]);
}

static const struct keyword vs_kws[] = {
	TIMING_KEYWORDS,
	{ "lb_algo", kw_lb_algo, 1, 1, 0, 0 },
	{ "lvs_sched", kw_lb_algo, 1, 1, 0, 0 },
	{ "lb_kind", kw_lb_kind, 1, 6, 0, 0 },
	{ "lvs_method", kw_lb_kind, 1, 6, 0, 0 },
	{ "persistence_timeout", kw_persistence_timeout, 0, 1, 0, 0 },
	{ "persistence_granularity", kw_granularity, 1, 1, 0, 0 },
	{ "protocol", kw_protocol, 1, 1, 0, 0 },
	{ "sorry_server", kw_sorry_server, 1, 2, 0, 0 },
	{ "quorum", kw_quorum, 1, 1, 0, 0 },
	{ "hysteresis", kw_hysteresis, 1, 1, 0, 0 },
	{ "alpha", kw_vs_alpha, 0, 1, 0, 0 },
	{ "inhibit_on_failure", kw_vs_inhibit, 0, 1, 0, 0 },
	{ "slow_start", kw_vs_slow_start, 1, 1, 0, 0 },
	{ "weight", kw_vs_weight, 1, 1, 0, 0 },
	{ "virtualhost", kw_vs_virtualhost, 1, 1, 0, 0 },
	{ "sh-port", kw_vs_flag, 0, 0, 0, 0 },
	{ "sh-fallback", kw_vs_flag, 0, 0, 0, 0 },
	{ "mh-port", kw_vs_flag, 0, 0, 0, 0 },
	{ "mh-fallback", kw_vs_flag, 0, 0, 0, 0 },
	{ "ops", kw_vs_flag, 0, 0, 0, 0 },
	{ "real_server", kw_real_server, 1, 2, 1, 1 },
	{ NULL, NULL, 0, 0, 0, 0 }
};

static void kw_virtual_server(struct parser *p, struct stmt *s, void *ctx)
{
	struct vlbd_conf *c = p->c;
	struct vlbd_vs *vs;
	struct vs_ctx vc;
	int bad = 0;
	long v;

	(void)ctx;
	c->vs = xgrow(c->vs, c->nvs, sizeof(*c->vs));
	vs = &c->vs[c->nvs];
	vs->file = s->file;
	vs->line = s->line;
	vs->fwd = -1;
	vs->granularity = -1;
	vs->quorum = 1;
	vs->inhibit = 0;
	vs->slow_start = 0;
	vs->def_weight = 1;
	if (s->nargs < 1) {
		ERR(p, s, "virtual_server needs IP PORT, fwmark N or group NAME");
		bad = 1;
	} else if (!strcmp(s->args[0], "fwmark")) {
		vs->kind = VS_FWMARK;
		vs->af = AF_INET;
		if (s->nargs < 2 || s->nargs > 3) {
			ERR(p, s, "virtual_server fwmark takes a mark and optionally inet or inet6");
			bad = 1;
		} else if (get_long(s->args[1], 1, 0xffffffffL, &v)) {
			ERR(p, s, "virtual_server: fwmark '%s' is not a number from 1 to 4294967295",
			    s->args[1]);
			bad = 1;
		} else {
			vs->fwmark = (uint32_t)v;
			if (s->nargs == 3 && !strcmp(s->args[2], "inet6"))
				vs->af = AF_INET6;
			else if (s->nargs == 3 && strcmp(s->args[2], "inet")) {
				ERR(p, s, "virtual_server: '%s' is not inet or inet6", s->args[2]);
				bad = 1;
			}
		}
	} else if (!strcmp(s->args[0], "group")) {
		vs->kind = VS_GROUP;
		if (s->nargs != 2) {
			ERR(p, s, "virtual_server group takes one group name");
			bad = 1;
		} else {
			vs->group = xstrdup(s->args[1]);
		}
	} else {
		vs->kind = VS_ADDR;
		if (s->nargs != 2) {
			ERR(p, s, "virtual_server takes IP PORT, fwmark N or group NAME");
			bad = 1;
		} else if (ip_arg(p, s, 0, &vs->af, &vs->addr) ||
			   port_arg(p, s, 1, 0, &vs->port)) {
			bad = 1;
		}
	}
	if (bad) {
		skip_block(p);
		return;
	}
	c->nvs++;
	timing_unset(&vc.t);
	vc.vs = vs;
	enter(p);
	parse_block(p, vs_kws, &vc, s, "virtual_server");
	/* the block may have grown c->vs: vs is still valid, nothing added */
	vs->t = vc.t;
}

/* virtual_server_group NAME { IP [PORT] | IP-LAST PORT | fwmark N [inet|inet6] } */
static void kw_vsg(struct parser *p, struct stmt *s, void *ctx)
{
	struct vlbd_conf *c = p->c;
	struct vlbd_vsg *g;
	char *argbuf[8];
	struct stmt e;
	int i;

	(void)ctx;
	for (i = 0; i < c->nvsg; i++)
		if (!strcmp(c->vsg[i].name, s->args[0])) {
			ERR(p, s, "virtual_server_group %s is defined twice (first on %s:%d)",
			    s->args[0], c->vsg[i].file, c->vsg[i].line);
			skip_block(p);
			return;
		}
	c->vsg = xgrow(c->vsg, c->nvsg, sizeof(*c->vsg));
	g = &c->vsg[c->nvsg++];
	g->name = xstrdup(s->args[0]);
	g->file = s->file;
	g->line = s->line;
	enter(p);
	for (;;) {
		struct vlbd_vsg_entry en = { 0 };
		char ipbuf[64], *dash;
		long last = -1, v;
		int nargs;

		if (!next_stmt(p, &e, argbuf, 8)) {
			if (tok(p)->type == TOK_EOF)
				ERR(p, s, "virtual_server_group: the block is not closed (missing })");
			break;
		}
		nargs = e.nargs;
		if (e.block) {
			ERR(p, &e, "virtual_server_group entries take no block");
			skip_block(p);
			continue;
		}
		if (!strcmp(e.kw, "fwmark")) {
			if (nargs < 1 || nargs > 2 || get_long(e.args[0], 1, 0xffffffffL, &v)) {
				ERR(p, &e, "fwmark: give a mark from 1 to 4294967295 and optionally "
				    "inet or inet6");
				continue;
			}
			en.fwmark = (int)1;
			en.port = 0;
			en.addr.in.s_addr = (uint32_t)v;	/* the mark */
			en.af = AF_INET;
			if (nargs == 2 && !strcmp(e.args[1], "inet6"))
				en.af = AF_INET6;
			else if (nargs == 2 && strcmp(e.args[1], "inet")) {
				ERR(p, &e, "fwmark: '%s' is not inet or inet6", e.args[1]);
				continue;
			}
		} else {
			snprintf(ipbuf, sizeof(ipbuf), "%s", e.kw);
			dash = strrchr(ipbuf, '-');
			if (dash) {
				*dash = '\0';
				if (get_long(dash + 1, 0, 65535, &last)) {
					ERR(p, &e, "'%s' is not an address or a range (10.0.0.1-10)",
					    e.kw);
					continue;
				}
			}
			if (strchr(ipbuf, '/')) {
				ERR(p, &e, "'%s': prefixes are not supported in a group, use a "
				    "range (10.0.0.1-10)", e.kw);
				continue;
			}
			if (parse_ip(ipbuf, &en.af, &en.addr)) {
				ERR(p, &e, "'%s' is not an IPv4 or IPv6 address", e.kw);
				continue;
			}
			if (nargs > 1) {
				ERR(p, &e, "a group entry is IP [PORT]");
				continue;
			}
			if (nargs == 1 && get_long(e.args[0], 0, 65535, &v)) {
				ERR(p, &e, "'%s' is not a port number (0..65535)", e.args[0]);
				continue;
			}
			en.port = nargs == 1 ? (uint16_t)v : 0;
			if (last >= 0) {
				unsigned int first = en.af == AF_INET ?
					ntohl(en.addr.in.s_addr) & 0xff :
					((unsigned int)en.addr.b[14] << 8) | en.addr.b[15];

				if ((en.af == AF_INET && last > 255) || last < (long)first) {
					ERR(p, &e, "'%s': the range must end at or after its start, "
					    "within the last %s", e.kw,
					    en.af == AF_INET ? "byte" : "16 bits");
					continue;
				}
				/* expand the range here: each address a service */
				for (v = (long)first; v <= last; v++) {
					struct vlbd_vsg_entry x = en;

					if (en.af == AF_INET) {
						x.addr.in.s_addr = htonl((ntohl(en.addr.in.s_addr) &
									 ~0xffu) | (uint32_t)v);
					} else {
						x.addr.b[14] = (unsigned char)(v >> 8);
						x.addr.b[15] = (unsigned char)v;
					}
					g->e = xgrow(g->e, g->n, sizeof(*g->e));
					g->e[g->n++] = x;
				}
				continue;
			}
		}
		g->e = xgrow(g->e, g->n, sizeof(*g->e));
		g->e[g->n++] = en;
	}
	if (!g->n)
		ERR(p, s, "virtual_server_group %s is empty", g->name);
}

/* --- VRRP: vrrp_script, vrrp_instance, vrrp_sync_group --------------------- */

static int ifname_arg(struct parser *p, struct stmt *s, const char *str, char *out)
{
	size_t n = strlen(str);

	if (!n || n >= VLBD_IFNAMSIZ || strchr(str, '/') || strchr(str, ':') ||
	    !strcmp(str, ".") || !strcmp(str, "..")) {
		ERR(p, s, "%s: '%s' is not an interface name (1 to %d characters, no / or :)",
		    s->kw, str, VLBD_IFNAMSIZ - 1);
		return -1;
	}
	memcpy(out, str, n + 1);
	return 0;
}

/* notify_* "command" [user [group]]: user is checked to exist. */
static void set_cmd(struct parser *p, struct stmt *s, char **cmd, char **user,
		    struct vlbd_notify_cmds *n, int idx)
{
	n->file[idx] = s->file;
	n->line[idx] = s->line;
	if (!s->args[0][0]) {
		ERR(p, s, "%s: the command is empty", s->kw);
		return;
	}
	if (s->nargs > 1 && !getpwnam(s->args[1])) {
		ERR(p, s, "%s: no such user '%s'", s->kw, s->args[1]);
		return;
	}
	if (s->nargs > 2) {
		ERR(p, s, "%s: a group is not supported here, only the user", s->kw);
		return;
	}
	free(*cmd);
	*cmd = xstrdup(s->args[0]);
	free(*user);
	*user = s->nargs > 1 ? xstrdup(s->args[1]) : NULL;
}

#define NOTIFY_FN(field, idx)						\
static void kw_notify_##field(struct parser *p, struct stmt *s, void *ctx) \
{									\
	struct vlbd_notify_cmds *n = ctx;				\
	set_cmd(p, s, &n->field, &n->user[idx], n, idx);		\
}
NOTIFY_FN(master, 0)
NOTIFY_FN(backup, 1)
NOTIFY_FN(fault, 2)
NOTIFY_FN(stop, 3)
NOTIFY_FN(generic, 4)

/*
 * The notify keywords take a struct vlbd_notify_cmds as context; instance
 * and sync group blocks pass theirs through these wrappers.
 */
#define NOTIFY_KEYWORDS(pfx)						\
	{ "notify_master", pfx##notify_master, 1, 3, 0, 0 },		\
	{ "notify_backup", pfx##notify_backup, 1, 3, 0, 0 },		\
	{ "notify_fault", pfx##notify_fault, 1, 3, 0, 0 },		\
	{ "notify_stop", pfx##notify_stop, 1, 3, 0, 0 },		\
	{ "notify", pfx##notify_generic, 1, 3, 0, 0 }

/* vrrp_script */

struct vs_script_ctx {
	struct vlbd_vscript *sc;
};

static void kw_vs_script(struct parser *p, struct stmt *s, void *ctx)
{
	struct vlbd_vscript *sc = ((struct vs_script_ctx *)ctx)->sc;

	if (!s->args[0][0]) {
		ERR(p, s, "script is empty");
		return;
	}
	free(sc->script);
	sc->script = xstrdup(s->args[0]);
}

static void kw_vs_interval(struct parser *p, struct stmt *s, void *ctx)
{
	timer_arg(p, s, 0, 0.001, &((struct vs_script_ctx *)ctx)->sc->interval);
}

static void kw_vs_timeout(struct parser *p, struct stmt *s, void *ctx)
{
	timer_arg(p, s, 0, 0.001, &((struct vs_script_ctx *)ctx)->sc->timeout);
}

/* weight N [reverse]: keepalived's -253..253 */
static int weight_args(struct parser *p, struct stmt *s, int first, int *w, int *rev)
{
	long v;

	if (get_long(s->args[first], -253, 253, &v)) {
		ERR(p, s, "%s: weight '%s' is not a whole number from -253 to 253", s->kw,
		    s->args[first]);
		return -1;
	}
	*w = (int)v;
	if (s->nargs > first + 1) {
		if (strcmp(s->args[first + 1], "reverse")) {
			ERR(p, s, "%s: '%s' is not reverse", s->kw, s->args[first + 1]);
			return -1;
		}
		*rev = 1;
	}
	return 0;
}

static void kw_vs_weight_s(struct parser *p, struct stmt *s, void *ctx)
{
	struct vlbd_vscript *sc = ((struct vs_script_ctx *)ctx)->sc;

	weight_args(p, s, 0, &sc->weight, &sc->reverse);
}

static void kw_vs_rise(struct parser *p, struct stmt *s, void *ctx)
{
	long v;

	if (num_arg(p, s, 0, 1, 1000, &v) == 0)
		((struct vs_script_ctx *)ctx)->sc->rise = (int)v;
}

static void kw_vs_fall(struct parser *p, struct stmt *s, void *ctx)
{
	long v;

	if (num_arg(p, s, 0, 1, 1000, &v) == 0)
		((struct vs_script_ctx *)ctx)->sc->fall = (int)v;
}

static void kw_vs_init_fail(struct parser *p, struct stmt *s, void *ctx)
{
	bool_arg(p, s, &((struct vs_script_ctx *)ctx)->sc->init_fail);
}

static void kw_vs_user(struct parser *p, struct stmt *s, void *ctx)
{
	struct vlbd_vscript *sc = ((struct vs_script_ctx *)ctx)->sc;

	if (s->nargs > 1) {
		ERR(p, s, "user: a group is not supported here, only the user");
		return;
	}
	if (!getpwnam(s->args[0])) {
		ERR(p, s, "user: no such user '%s'", s->args[0]);
		return;
	}
	free(sc->user);
	sc->user = xstrdup(s->args[0]);
}

static const struct keyword vscript_kws[] = {
	{ "script", kw_vs_script, 1, 1, 0, 0 },
	{ "interval", kw_vs_interval, 1, 1, 0, 0 },
	{ "timeout", kw_vs_timeout, 1, 1, 0, 0 },
	{ "weight", kw_vs_weight_s, 1, 2, 0, 0 },
	{ "rise", kw_vs_rise, 1, 1, 0, 0 },
	{ "fall", kw_vs_fall, 1, 1, 0, 0 },
	{ "init_fail", kw_vs_init_fail, 0, 1, 0, 0 },
	{ "user", kw_vs_user, 1, 2, 0, 0 },
	{ NULL, NULL, 0, 0, 0, 0 }
};

static void kw_vrrp_script(struct parser *p, struct stmt *s, void *ctx)
{
	struct vlbd_conf *c = p->c;
	struct vs_script_ctx sc;
	int i;

	(void)ctx;
	for (i = 0; i < c->nvscripts; i++)
		if (!strcmp(c->vscripts[i].name, s->args[0])) {
			ERR(p, s, "vrrp_script %s is given twice (first on line %d)", s->args[0],
			    c->vscripts[i].line);
			skip_block(p);
			return;
		}
	c->vscripts = xgrow(c->vscripts, c->nvscripts, sizeof(*c->vscripts));
	sc.sc = &c->vscripts[c->nvscripts++];
	sc.sc->name = xstrdup(s->args[0]);
	sc.sc->file = s->file;
	sc.sc->line = s->line;
	sc.sc->interval = 1;
	sc.sc->timeout = -1;
	sc.sc->rise = sc.sc->fall = 1;
	enter(p);
	parse_block(p, vscript_kws, &sc, s, "vrrp_script");
	if (!sc.sc->script)
		ERR(p, s, "vrrp_script %s: script is missing", s->args[0]);
}

/* vrrp_instance */

struct vi_ctx {
	struct vlbd_vrrp *v;
	int excluded;
};

static void kw_vi_state(struct parser *p, struct stmt *s, void *ctx)
{
	struct vlbd_vrrp *v = ((struct vi_ctx *)ctx)->v;

	if (!strcmp(s->args[0], "MASTER"))
		v->init_master = 1;
	else if (!strcmp(s->args[0], "BACKUP"))
		v->init_master = 0;
	else
		ERR(p, s, "state: '%s' is not MASTER or BACKUP", s->args[0]);
}

static void kw_vi_interface(struct parser *p, struct stmt *s, void *ctx)
{
	ifname_arg(p, s, s->args[0], ((struct vi_ctx *)ctx)->v->ifname);
}

static void kw_vi_vrid(struct parser *p, struct stmt *s, void *ctx)
{
	long v;

	if (num_arg(p, s, 0, 1, 255, &v) == 0)
		((struct vi_ctx *)ctx)->v->vrid = (int)v;
}

static void kw_vi_priority(struct parser *p, struct stmt *s, void *ctx)
{
	long v;

	if (num_arg(p, s, 0, 1, 255, &v) == 0)
		((struct vi_ctx *)ctx)->v->priority = (int)v;
}

static void kw_vi_advert_int(struct parser *p, struct stmt *s, void *ctx)
{
	double d;

	if (timer_arg(p, s, 0, 0.001, &d))
		return;
	if (d < 0.01 || d > 40.95) {
		ERR(p, s, "advert_int: '%s' is not from 0.01 to 40.95 seconds", s->args[0]);
		return;
	}
	if (fabs(d * 100 - round(d * 100)) > 1e-6) {
		ERR(p, s, "advert_int: '%s' is not a whole number of centiseconds", s->args[0]);
		return;
	}
	((struct vi_ctx *)ctx)->v->adv_cs = (int)lround(d * 100);
}

static void kw_vi_version(struct parser *p, struct stmt *s, void *ctx)
{
	long v;

	if (num_arg(p, s, 0, 2, 3, &v) == 0)
		((struct vi_ctx *)ctx)->v->version = (int)v;
}

static void kw_vi_nopreempt(struct parser *p, struct stmt *s, void *ctx)
{
	(void)p;
	(void)s;
	((struct vi_ctx *)ctx)->v->nopreempt = 1;
}

static void kw_vi_preempt(struct parser *p, struct stmt *s, void *ctx)
{
	(void)p;
	(void)s;
	((struct vi_ctx *)ctx)->v->nopreempt = 0;
}

static void kw_vi_preempt_delay(struct parser *p, struct stmt *s, void *ctx)
{
	double d;

	if (timer_arg(p, s, 0, 0, &d))
		return;
	if (d > 1000) {
		ERR(p, s, "preempt_delay: '%s' is more than 1000 seconds", s->args[0]);
		return;
	}
	((struct vi_ctx *)ctx)->v->preempt_delay = d;
}

/* ADDR[/PREFIX] [dev IF] [label LABEL] [brd ADDR] [scope SCOPE] */
static void vip_line(struct parser *p, struct stmt *s, struct vlbd_vrrp *v, int excluded)
{
	char a[INET6_ADDRSTRLEN + 8], *slash;
	struct vlbd_vip vip = { 0 }, **list;
	int *n, i;

	if (strlen(s->kw) >= sizeof(a)) {
		ERR(p, s, "'%s' is not an IPv4 or IPv6 address", s->kw);
		return;
	}
	strcpy(a, s->kw);
	slash = strchr(a, '/');
	if (slash)
		*slash++ = '\0';
	if (parse_ip(a, &vip.af, &vip.addr)) {
		ERR(p, s, "'%s' is not an IPv4 or IPv6 address", s->kw);
		return;
	}
	vip.prefix = vip.af == AF_INET ? 32 : 128;
	if (slash) {
		long pl;

		if (get_long(slash, 0, vip.prefix, &pl)) {
			ERR(p, s, "%s: the prefix length is not from 0 to %d", s->kw, vip.prefix);
			return;
		}
		vip.prefix = (int)pl;
	}
	for (i = 0; i < s->nargs; i++) {
		const char *o = s->args[i];

		if (i + 1 >= s->nargs) {
			ERR(p, s, "%s: '%s' needs a value", s->kw, o);
			return;
		}
		if (!strcmp(o, "dev")) {
			if (ifname_arg(p, s, s->args[++i], vip.dev))
				return;
		} else if (!strcmp(o, "label")) {
			if (strlen(s->args[i + 1]) >= VLBD_IFNAMSIZ) {
				ERR(p, s, "%s: label '%s' is longer than %d characters", s->kw,
				    s->args[i + 1], VLBD_IFNAMSIZ - 1);
				return;
			}
			strcpy(vip.label, s->args[++i]);
		} else if (!strcmp(o, "brd") || !strcmp(o, "broadcast")) {
			int af;
			union vlb_addr b;

			if (parse_ip(s->args[++i], &af, &b) || af != AF_INET || vip.af != AF_INET) {
				ERR(p, s, "%s: brd '%s' is not an IPv4 address", s->kw, s->args[i]);
				return;
			}
		} else if (!strcmp(o, "scope")) {
			const char *sc = s->args[++i];

			if (strcmp(sc, "global") && strcmp(sc, "link") && strcmp(sc, "host") &&
			    strcmp(sc, "site")) {
				ERR(p, s, "%s: scope '%s' is not global, site, link or host", s->kw,
				    sc);
				return;
			}
		} else {
			ERR(p, s, "%s: '%s' is not dev, label, brd or scope (the options vlbd "
			    "supports)", s->kw, o);
			return;
		}
	}
	vip.excluded = excluded;
	vip.file = s->file;
	vip.line = s->line;
	list = excluded ? &v->evips : &v->vips;
	n = excluded ? &v->nevips : &v->nvips;
	*list = xgrow(*list, *n, sizeof(**list));
	(*list)[(*n)++] = vip;
}

static void parse_vips(struct parser *p, const struct stmt *opened, struct vlbd_vrrp *v,
		       int excluded)
{
	char *argbuf[16];
	struct stmt s;

	enter(p);
	while (next_stmt(p, &s, argbuf, 16)) {
		if (s.block) {
			ERR(p, &s, "%s: an address does not take a { } block", s.kw);
			skip_block(p);
			continue;
		}
		if (s.nargs > 16) {
			ERR(p, &s, "%s: too many options", s.kw);
			continue;
		}
		vip_line(p, &s, v, excluded);
	}
	if (tok(p)->type == TOK_EOF)
		vlbd_conf_err(p->e, opened->file, opened->line,
			      "%s: the block is not closed (missing })", opened->kw);
}

static void kw_vi_vips(struct parser *p, struct stmt *s, void *ctx)
{
	parse_vips(p, s, ((struct vi_ctx *)ctx)->v, 0);
}

static void kw_vi_evips(struct parser *p, struct stmt *s, void *ctx)
{
	parse_vips(p, s, ((struct vi_ctx *)ctx)->v, 1);
}

static void kw_vi_src(struct parser *p, struct stmt *s, void *ctx)
{
	struct vlbd_vrrp *v = ((struct vi_ctx *)ctx)->v;
	int af;

	if (ip_arg(p, s, 0, &af, &v->src))
		return;
	v->src_set = af;
}

/* A block of one word per line (unicast_peer, group, track_*): calls @fn. */
static void word_block(struct parser *p, const struct stmt *opened, void *ctx,
		       void (*fn)(struct parser *, struct stmt *, void *))
{
	char *argbuf[8];
	struct stmt s;

	enter(p);
	while (next_stmt(p, &s, argbuf, 8)) {
		if (s.block) {
			ERR(p, &s, "%s does not take a { } block here", s.kw);
			skip_block(p);
			continue;
		}
		fn(p, &s, ctx);
	}
	if (tok(p)->type == TOK_EOF)
		vlbd_conf_err(p->e, opened->file, opened->line,
			      "%s: the block is not closed (missing })", opened->kw);
}

static void peer_line(struct parser *p, struct stmt *s, void *ctx)
{
	struct vlbd_vrrp *v = ctx;
	union vlb_addr a;
	int af, i;

	if (s->nargs) {
		ERR(p, s, "unicast_peer %s: '%s' is not supported (only the address)", s->kw,
		    s->args[0]);
		return;
	}
	if (parse_ip(s->kw, &af, &a)) {
		ERR(p, s, "unicast_peer: '%s' is not an IPv4 or IPv6 address", s->kw);
		return;
	}
	if (v->npeers && af != v->peer_af) {
		ERR(p, s, "unicast_peer %s: every peer must be of the same address family",
		    s->kw);
		return;
	}
	for (i = 0; i < v->npeers; i++)
		if (!memcmp(&v->peers[i], &a, sizeof(a))) {
			ERR(p, s, "unicast_peer %s is given twice", s->kw);
			return;
		}
	v->peers = xgrow(v->peers, v->npeers, sizeof(*v->peers));
	v->peers[v->npeers++] = a;
	v->peer_af = af;
}

static void kw_vi_peers(struct parser *p, struct stmt *s, void *ctx)
{
	word_block(p, s, ((struct vi_ctx *)ctx)->v, peer_line);
}

static void tif_line(struct parser *p, struct stmt *s, void *ctx)
{
	struct vlbd_vrrp *v = ctx;
	struct vlbd_track_if t = { 0 };

	if (ifname_arg(p, s, s->kw, t.name))
		return;
	if (s->nargs) {
		if (strcmp(s->args[0], "weight") || s->nargs < 2 || s->nargs > 3) {
			ERR(p, s, "track_interface %s: expected 'weight N [reverse]'", s->kw);
			return;
		}
		if (weight_args(p, s, 1, &t.weight, &t.reverse))
			return;
		t.weight_set = 1;
	}
	t.file = s->file;
	t.line = s->line;
	v->tifs = xgrow(v->tifs, v->ntifs, sizeof(*v->tifs));
	v->tifs[v->ntifs++] = t;
}

static void kw_vi_tifs(struct parser *p, struct stmt *s, void *ctx)
{
	word_block(p, s, ((struct vi_ctx *)ctx)->v, tif_line);
}

static void tss_line(struct parser *p, struct stmt *s, void *ctx)
{
	struct vlbd_vrrp *v = ctx;
	struct vlbd_track_script t = { 0 };

	if (s->nargs) {
		if (strcmp(s->args[0], "weight") || s->nargs < 2 || s->nargs > 3) {
			ERR(p, s, "track_script %s: expected 'weight N [reverse]'", s->kw);
			return;
		}
		if (weight_args(p, s, 1, &t.weight, &t.reverse))
			return;
		t.weight_set = 1;
	}
	t.name = xstrdup(s->kw);
	t.file = s->file;
	t.line = s->line;
	v->tss = xgrow(v->tss, v->ntss, sizeof(*v->tss));
	v->tss[v->ntss++] = t;
}

static void kw_vi_tss(struct parser *p, struct stmt *s, void *ctx)
{
	word_block(p, s, ((struct vi_ctx *)ctx)->v, tss_line);
}

#define VI_NOTIFY(field)						\
static void vi_notify_##field(struct parser *p, struct stmt *s, void *ctx) \
{									\
	kw_notify_##field(p, s, &((struct vi_ctx *)ctx)->v->notify);	\
}
VI_NOTIFY(master)
VI_NOTIFY(backup)
VI_NOTIFY(fault)
VI_NOTIFY(stop)
VI_NOTIFY(generic)

static void kw_vi_garp_delay(struct parser *p, struct stmt *s, void *ctx)
{
	timer_arg(p, s, 0, 0, &((struct vi_ctx *)ctx)->v->garp_delay);
}

static void kw_vi_garp_repeat(struct parser *p, struct stmt *s, void *ctx)
{
	long v;

	if (num_arg(p, s, 0, 1, 100, &v) == 0)
		((struct vi_ctx *)ctx)->v->garp_repeat = (int)v;
}

static void kw_auth_type(struct parser *p, struct stmt *s, void *ctx)
{
	(void)ctx;
	if (strcasecmp(s->args[0], "NONE") && strcmp(s->args[0], "0"))
		ERR(p, s, "auth_type %s is not supported: vlbd sends and accepts only "
		    "adverts without authentication (type 0), as RFC 3768 and RFC 5798 "
		    "want; remove the authentication block on every router", s->args[0]);
}

static void kw_auth_pass(struct parser *p, struct stmt *s, void *ctx)
{
	(void)ctx;
	ERR(p, s, "auth_pass is not supported: vlbd does not authenticate adverts");
}

static const struct keyword auth_kws[] = {
	{ "auth_type", kw_auth_type, 1, 1, 0, 0 },
	{ "auth_pass", kw_auth_pass, 1, 1, 0, 0 },
	{ NULL, NULL, 0, 0, 0, 0 }
};

static void kw_vi_auth(struct parser *p, struct stmt *s, void *ctx)
{
	enter(p);
	parse_block(p, auth_kws, ctx, s, "authentication");
}

static const struct keyword vi_kws[] = {
	{ "state", kw_vi_state, 1, 1, 0, 0 },
	{ "interface", kw_vi_interface, 1, 1, 0, 0 },
	{ "virtual_router_id", kw_vi_vrid, 1, 1, 0, 0 },
	{ "priority", kw_vi_priority, 1, 1, 0, 0 },
	{ "advert_int", kw_vi_advert_int, 1, 1, 0, 0 },
	{ "version", kw_vi_version, 1, 1, 0, 0 },
	{ "nopreempt", kw_vi_nopreempt, 0, 0, 0, 0 },
	{ "preempt", kw_vi_preempt, 0, 0, 0, 0 },
	{ "preempt_delay", kw_vi_preempt_delay, 1, 1, 0, 0 },
	{ "virtual_ipaddress", kw_vi_vips, 0, 0, 1, 1 },
	{ "virtual_ipaddress_excluded", kw_vi_evips, 0, 0, 1, 1 },
	{ "unicast_src_ip", kw_vi_src, 1, 1, 0, 0 },
	{ "unicast_peer", kw_vi_peers, 0, 0, 1, 1 },
	{ "track_interface", kw_vi_tifs, 0, 0, 1, 1 },
	{ "track_script", kw_vi_tss, 0, 0, 1, 1 },
	{ "garp_master_delay", kw_vi_garp_delay, 1, 1, 0, 0 },
	{ "garp_master_repeat", kw_vi_garp_repeat, 1, 1, 0, 0 },
	{ "authentication", kw_vi_auth, 0, 0, 1, 0 },
	NOTIFY_KEYWORDS(vi_),
	{ NULL, NULL, 0, 0, 0, 0 }
};

static void kw_vrrp_instance(struct parser *p, struct stmt *s, void *ctx)
{
	struct vlbd_conf *c = p->c;
	struct vi_ctx vc = { 0 };
	int i;

	(void)ctx;
	for (i = 0; i < c->nvrrp; i++)
		if (!strcmp(c->vrrp[i].name, s->args[0])) {
			ERR(p, s, "vrrp_instance %s is given twice (first on line %d)", s->args[0],
			    c->vrrp[i].line);
			skip_block(p);
			return;
		}
	c->vrrp = xgrow(c->vrrp, c->nvrrp, sizeof(*c->vrrp));
	vc.v = &c->vrrp[c->nvrrp++];
	vc.v->name = xstrdup(s->args[0]);
	vc.v->file = s->file;
	vc.v->line = s->line;
	vc.v->priority = -1;
	vc.v->adv_cs = 100;
	vc.v->garp_delay = -1;
	vc.v->garp_repeat = -1;
	enter(p);
	parse_block(p, vi_kws, &vc, s, "vrrp_instance");
}

/* vrrp_sync_group */

static void member_line(struct parser *p, struct stmt *s, void *ctx)
{
	struct vlbd_vsync *g = ctx;
	int i;

	if (s->nargs) {
		ERR(p, s, "group: one instance name per line ('%s')", s->args[0]);
		return;
	}
	for (i = 0; i < g->nmembers; i++)
		if (!strcmp(g->members[i], s->kw)) {
			ERR(p, s, "group: %s is listed twice", s->kw);
			return;
		}
	g->members = xgrow(g->members, g->nmembers, sizeof(*g->members));
	g->members[g->nmembers++] = xstrdup(s->kw);
}

static void kw_sg_group(struct parser *p, struct stmt *s, void *ctx)
{
	word_block(p, s, ctx, member_line);
}

#define SG_NOTIFY(field)						\
static void sg_notify_##field(struct parser *p, struct stmt *s, void *ctx) \
{									\
	kw_notify_##field(p, s, &((struct vlbd_vsync *)ctx)->notify);	\
}
SG_NOTIFY(master)
SG_NOTIFY(backup)
SG_NOTIFY(fault)
SG_NOTIFY(stop)
SG_NOTIFY(generic)

static const struct keyword sg_kws[] = {
	{ "group", kw_sg_group, 0, 0, 1, 0 },
	NOTIFY_KEYWORDS(sg_),
	{ NULL, NULL, 0, 0, 0, 0 }
};

static void kw_vrrp_sync_group(struct parser *p, struct stmt *s, void *ctx)
{
	struct vlbd_conf *c = p->c;
	struct vlbd_vsync *g;
	int i;

	(void)ctx;
	for (i = 0; i < c->nvsyncs; i++)
		if (!strcmp(c->vsyncs[i].name, s->args[0])) {
			ERR(p, s, "vrrp_sync_group %s is given twice (first on line %d)",
			    s->args[0], c->vsyncs[i].line);
			skip_block(p);
			return;
		}
	c->vsyncs = xgrow(c->vsyncs, c->nvsyncs, sizeof(*c->vsyncs));
	g = &c->vsyncs[c->nvsyncs++];
	g->name = xstrdup(s->args[0]);
	g->file = s->file;
	g->line = s->line;
	enter(p);
	parse_block(p, sg_kws, g, s, "vrrp_sync_group");
	if (!g->nmembers)
		ERR(p, s, "vrrp_sync_group %s has no group { } of instances", g->name);
}

/* --- global_defs and the top level ------------------------------------- */

static void kw_router_id(struct parser *p, struct stmt *s, void *ctx)
{
	(void)p;
	(void)ctx;
	free(p->c->router_id);
	p->c->router_id = xstrdup(s->args[0]);
}

static void kw_script_security(struct parser *p, struct stmt *s, void *ctx)
{
	(void)ctx;
	bool_arg(p, s, &p->c->script_security);
}

static void kw_script_user(struct parser *p, struct stmt *s, void *ctx)
{
	(void)ctx;
	if (!getpwnam(s->args[0])) {
		ERR(p, s, "script_user: no such user '%s'", s->args[0]);
		return;
	}
	if (s->nargs > 1 && !getgrnam(s->args[1])) {
		ERR(p, s, "script_user: no such group '%s'", s->args[1]);
		return;
	}
	p->c->script_user = xstrdup(s->args[0]);
	if (s->nargs > 1)
		p->c->script_group = xstrdup(s->args[1]);
}

/* vlb: http_status ADDRESS PORT, the status and metrics endpoint */
static void kw_http_status(struct parser *p, struct stmt *s, void *ctx)
{
	union vlb_addr a;
	uint16_t port;
	int af;

	(void)ctx;
	if (ip_arg(p, s, 0, &af, &a) || port_arg(p, s, 1, 1, &port))
		return;
	memset(&p->c->http_addr, 0, sizeof(p->c->http_addr));
	if (af == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&p->c->http_addr;

		sin->sin_family = AF_INET;
		sin->sin_addr = a.in;
		sin->sin_port = htons(port);
		p->c->http_len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&p->c->http_addr;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = a.in6;
		sin6->sin6_port = htons(port);
		p->c->http_len = sizeof(*sin6);
	}
	p->c->http_set = 1;
}

static void kw_vrrp_version(struct parser *p, struct stmt *s, void *ctx)
{
	long v;

	(void)ctx;
	if (num_arg(p, s, 0, 2, 3, &v) == 0)
		p->c->vrrp_version = (int)v;
}

static void kw_garp_delay(struct parser *p, struct stmt *s, void *ctx)
{
	(void)ctx;
	timer_arg(p, s, 0, 0, &p->c->garp_delay);
}

static void kw_garp_repeat(struct parser *p, struct stmt *s, void *ctx)
{
	long v;

	(void)ctx;
	if (num_arg(p, s, 0, 1, 100, &v) == 0)
		p->c->garp_repeat = (int)v;
}

static const struct keyword global_kws[] = {
	{ "router_id", kw_router_id, 1, 1, 0, 0 },
	{ "http_status", kw_http_status, 2, 2, 0, 0 },
	{ "enable_script_security", kw_script_security, 0, 1, 0, 0 },
	{ "script_user", kw_script_user, 1, 2, 0, 0 },
	{ "vrrp_version", kw_vrrp_version, 1, 1, 0, 0 },
	{ "vrrp_garp_master_delay", kw_garp_delay, 1, 1, 0, 0 },
	{ "vrrp_garp_master_repeat", kw_garp_repeat, 1, 1, 0, 0 },
	{ NULL, NULL, 0, 0, 0, 0 }
};

static void kw_global_defs(struct parser *p, struct stmt *s, void *ctx)
{
	enter(p);
	parse_block(p, global_kws, ctx, s, "global_defs");
}

static const struct keyword top_kws[] = {
	{ "global_defs", kw_global_defs, 0, 0, 1, 1 },
	{ "virtual_server", kw_virtual_server, 0, 3, 1, 1 },
	{ "virtual_server_group", kw_vsg, 1, 1, 1, 1 },
	{ "vrrp_script", kw_vrrp_script, 1, 1, 1, 1 },
	{ "vrrp_instance", kw_vrrp_instance, 1, 1, 1, 1 },
	{ "vrrp_sync_group", kw_vrrp_sync_group, 1, 1, 1, 1 },
	{ NULL, NULL, 0, 0, 0, 0 }
};

/* Where else @kw is a keyword, for "misplaced" messages; NULL if nowhere. */
static const char *known_in(const char *kw, const char *where)
{
	static const struct {
		const struct keyword *kws;
		const char *name;
	} blocks[] = {
		{ top_kws, "the top level" }, { global_kws, "global_defs" },
		{ vs_kws, "virtual_server" }, { rs_kws, "real_server" },
		{ http_kws, "HTTP_GET or SSL_GET" }, { misc_kws, "MISC_CHECK" },
		{ url_kws, "url" }, { vi_kws, "vrrp_instance" },
		{ vscript_kws, "vrrp_script" }, { sg_kws, "vrrp_sync_group" },
		{ auth_kws, "authentication" },
	};
	unsigned int i;
	const struct keyword *k;

	for (i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++) {
		if (!strcmp(blocks[i].name, where))
			continue;
		for (k = blocks[i].kws; k->name; k++)
			if (!strcmp(k->name, kw))
				return blocks[i].name;
	}
	return NULL;
}

/* --- after parsing: defaults and checks -------------------------------- */

static void pick(double *v, double a, double b, double def)
{
	if (*v >= 0)
		return;
	*v = a >= 0 ? a : b >= 0 ? b : def;
}

static void picki(int *v, int a, int b, int def)
{
	if (*v >= 0)
		return;
	*v = a >= 0 ? a : b >= 0 ? b : def;
}

void vlbd_vs_name(const struct vlbd_vs *vs, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	switch (vs->kind) {
	case VS_FWMARK:
		snprintf(buf, len, "FWM %u%s", vs->fwmark, vs->af == AF_INET6 ? " IPv6" : "");
		break;
	case VS_GROUP:
		snprintf(buf, len, "group %s", vs->group);
		break;
	default:
		inet_ntop(vs->af, &vs->addr, a, sizeof(a));
		snprintf(buf, len, vs->af == AF_INET6 ? "%s [%s]:%u" : "%s %s:%u",
			 vs->protocol == IPPROTO_UDP ? "UDP" : "TCP", a, vs->port);
	}
}

void vlbd_rs_name(const struct vlbd_rs *rs, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(rs->af, &rs->addr, a, sizeof(a));
	snprintf(buf, len, rs->af == AF_INET6 ? "[%s]:%u" : "%s:%u", a, rs->port);
}

static void add_svc(struct vlbd_vs *vs, int af, int fwmark, const union vlb_addr *a,
		    uint16_t port)
{
	struct vlb_service *k;

	vs->svcs = xgrow(vs->svcs, vs->nsvcs, sizeof(*vs->svcs));
	k = &vs->svcs[vs->nsvcs++];
	k->af = (uint16_t)af;
	if (fwmark) {
		k->fwmark = a->in.s_addr;
	} else {
		k->protocol = (uint16_t)vs->protocol;
		k->addr = *a;
		k->port = port;
	}
	snprintf(k->sched, sizeof(k->sched), "%s", vs->sched);
	k->flags = (vs->persistent ? VLB_SVC_F_PERSISTENT : 0) | vs->sched_flags;
	k->timeout = vs->persistent ? vs->persist_timeout : 0;
	k->netmask = vs->granularity >= 0 ? (uint32_t)vs->granularity : af == AF_INET6 ? 128 : 32;
}

static void check_script(struct vlbd_errs *e, struct vlbd_conf *c, struct vlbd_checker *ck)
{
	char **argv;
	struct stat st;
	int argc, i;

	argv = vlbd_split_args(ck->misc_path, &argc);
	if (!argv)
		return;
	if (!argc) {
		vlbd_conf_err(e, ck->file, ck->line, "misc_path is empty");
	} else if (argv[0][0] != '/') {
		vlbd_conf_err(e, ck->file, ck->line, "misc_path: '%s' must be an absolute path",
			      argv[0]);
	} else if (stat(argv[0], &st) || !S_ISREG(st.st_mode) || access(argv[0], X_OK)) {
		vlbd_conf_err(e, ck->file, ck->line, "misc_path: '%s' is not an executable file",
			      argv[0]);
	} else if (c->script_security) {
		/* as keepalived: the script and the directories above it
		 * must be writable by root alone */
		char *path = strdup(argv[0]), *slash;

		while (path && path[0]) {
			if (stat(path, &st) == 0 &&
			    ((st.st_mode & (S_IWGRP | S_IWOTH)) || st.st_uid != 0)) {
				vlbd_conf_err(e, ck->file, ck->line,
					      "misc_path: '%s' is writable by a user other than "
					      "root (enable_script_security)", path);
				break;
			}
			slash = strrchr(path, '/');
			if (!slash)
				break;
			*slash = '\0';
		}
		free(path);
	}
	for (i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
}

static void finish(struct vlbd_conf *c, struct vlbd_errs *e)
{
	int i, j, k, l;

	for (i = 0; i < c->nvs; i++) {
		struct vlbd_vs *vs = &c->vs[i];
		char name[128];

		if (!vs->sched[0])
			snprintf(vs->sched, sizeof(vs->sched), "wlc");
		if (vs->fwd < 0)
			vs->fwd = VLB_FWD_MASQ;
		if (vs->kind == VS_FWMARK && vs->protocol)
			vlbd_conf_warn(e, vs->file, vs->line,
				       "protocol is meaningless for a fwmark service: ignored");
		if (!vs->protocol)
			vs->protocol = IPPROTO_TCP;
		if ((vs->sched_flags & VLB_SVC_F_ONEPACKET) && vs->kind != VS_FWMARK &&
		    vs->protocol != IPPROTO_UDP)
			vlbd_conf_err(e, vs->file, vs->line,
				      "ops (one-packet scheduling) is for UDP and fwmark services only");
		if ((vs->sched_flags & (VLB_SVC_F_SCHED1 | VLB_SVC_F_SCHED2)) &&
		    strcmp(vs->sched, "sh") && strcmp(vs->sched, "mh"))
			vlbd_conf_err(e, vs->file, vs->line,
				      "sh-port, sh-fallback, mh-port and mh-fallback need lb_algo "
				      "sh or mh, not %s", vs->sched);
		if (vs->kind == VS_ADDR && vs->port == 0 && !vs->persistent)
			vlbd_conf_err(e, vs->file, vs->line,
				      "virtual_server with port 0 (every port) must be "
				      "persistent (persistence_timeout)");
		if (vs->kind == VS_GROUP) {
			for (j = 0; j < c->nvsg; j++)
				if (!strcmp(c->vsg[j].name, vs->group))
					vs->vsg = &c->vsg[j];
			if (!vs->vsg) {
				vlbd_conf_err(e, vs->file, vs->line,
					      "virtual_server group %s: no such virtual_server_group",
					      vs->group);
				continue;
			}
			vs->vsg->used = 1;
			vs->af = vs->vsg->e[0].af;
			for (j = 0; j < vs->vsg->n; j++) {
				struct vlbd_vsg_entry *en = &vs->vsg->e[j];

				if (en->af != vs->af) {
					vlbd_conf_err(e, vs->file, vs->line,
						      "virtual_server_group %s mixes IPv4 and IPv6",
						      vs->group);
					break;
				}
				if (!en->fwmark && en->port == 0 && !vs->persistent) {
					vlbd_conf_err(e, vs->file, vs->line,
						      "virtual_server group %s has an entry without a "
						      "port: the service must be persistent", vs->group);
					break;
				}
				add_svc(vs, en->af, en->fwmark, &en->addr, en->port);
			}
		} else if (vs->kind == VS_FWMARK) {
			union vlb_addr m = { .in.s_addr = vs->fwmark };

			add_svc(vs, vs->af, 1, &m, 0);
		} else {
			add_svc(vs, vs->af, 0, &vs->addr, vs->port);
		}
		if (vs->granularity > (vs->af == AF_INET6 ? 128 : 32))
			vlbd_conf_err(e, vs->file, vs->line,
				      "persistence_granularity /%d is too long for %s",
				      vs->granularity, vs->af == AF_INET6 ? "IPv6" : "IPv4");
		if (vs->granularity >= 0 && !vs->persistent)
			vlbd_conf_warn(e, vs->file, vs->line,
				       "persistence_granularity without persistence_timeout "
				       "has no effect");
		/* a kernel service belongs to one virtual_server only */
		for (j = 0; j < i; j++)
			for (k = 0; k < vs->nsvcs; k++)
				for (l = 0; l < c->vs[j].nsvcs; l++)
					if (vlbd_svc_eq(&vs->svcs[k], &c->vs[j].svcs[l])) {
						vlbd_vs_name(&c->vs[j], name, sizeof(name));
						vlbd_conf_err(e, vs->file, vs->line,
							      "this virtual_server duplicates %s "
							      "(%s:%d)", name, c->vs[j].file,
							      c->vs[j].line);
						goto next_vs;
					}
next_vs:
		if (vs->sorry && vs->sorry->af != vs->af && vs->fwd != VLB_FWD_TUNNEL)
			vlbd_conf_err(e, vs->sorry->file, vs->sorry->line,
				      "sorry_server: the address family differs from the "
				      "service's (only TUN may mix them)");
		for (j = 0; j < vs->nrs; j++) {
			struct vlbd_rs *rs = &vs->rs[j];

			rs->vs = vs;
			if (rs->af != vs->af && vs->fwd != VLB_FWD_TUNNEL)
				vlbd_conf_err(e, rs->file, rs->line,
					      "real_server: the address family differs from the "
					      "service's (only TUN may mix them)");
			for (k = 0; k < j; k++)
				if (rs->af == vs->rs[k].af && rs->port == vs->rs[k].port &&
				    vlbd_addr_eq(rs->af, &rs->addr, &vs->rs[k].addr)) {
					vlbd_rs_name(rs, name, sizeof(name));
					vlbd_conf_err(e, rs->file, rs->line,
						      "real_server %s is given twice (first on line %d)",
						      name, vs->rs[k].line);
				}
			if (vs->sorry && rs->af == vs->sorry->af && rs->port == vs->sorry->port &&
			    vlbd_addr_eq(rs->af, &rs->addr, &vs->sorry->addr))
				vlbd_conf_err(e, rs->file, rs->line,
					      "real_server is also the sorry_server");
			if (rs->weight < 0)
				rs->weight = vs->def_weight;
			picki(&rs->inhibit, vs->inhibit, -1, 0);
			picki(&rs->alpha, vs->alpha, -1, 0);
			pick(&rs->slow_start, vs->slow_start, -1, 0);
			for (k = 0; k < rs->nchecks; k++) {
				struct vlbd_checker *ck = &rs->checks[k];
				int http = ck->type == CHK_HTTP || ck->type == CHK_SSL;

				ck->rs = rs;
				if (http && !ck->virtualhost && vs->virtualhost)
					ck->virtualhost = xstrdup(vs->virtualhost);
				pick(&ck->t.delay_loop, rs->t.delay_loop, vs->t.delay_loop, 60);
				pick(&ck->t.connect_timeout, rs->t.connect_timeout,
				     vs->t.connect_timeout, 5);
				pick(&ck->t.delay_before_retry, rs->t.delay_before_retry,
				     vs->t.delay_before_retry, http ? 3 : 1);
				pick(&ck->t.warmup, rs->t.warmup, vs->t.warmup, ck->t.delay_loop);
				picki(&ck->t.retry, rs->t.retry, vs->t.retry,
				      ck->type == CHK_MISC ? 0 : 1);
				picki(&ck->t.rise, rs->t.rise, vs->t.rise, 1);
				if (ck->type == CHK_MISC) {
					if (ck->misc_timeout < 0)
						ck->misc_timeout = ck->t.delay_loop;
					if (ck->misc_path)
						check_script(e, c, ck);
				} else if (!ck->connect_port && !rs->port) {
					vlbd_conf_err(e, ck->file, ck->line,
						      "%s: the real server has no port: give "
						      "connect_port", check_names[ck->type]);
				}
				if (ck->bind.set && ck->connect_ip_set &&
				    ck->bind.ss.ss_family != ck->connect.ss.ss_family)
					vlbd_conf_err(e, ck->file, ck->line,
						      "%s: bindto and connect_ip are of different "
						      "address families", check_names[ck->type]);
				else if (ck->bind.set && !ck->connect_ip_set &&
					 ck->bind.ss.ss_family != rs->af)
					vlbd_conf_err(e, ck->file, ck->line,
						      "%s: bindto is not of the real server's "
						      "address family", check_names[ck->type]);
			}
		}
	}
	for (i = 0; i < c->nvsg; i++)
		if (!c->vsg[i].used)
			vlbd_conf_warn(e, c->vsg[i].file, c->vsg[i].line,
				       "virtual_server_group %s is not used by any virtual_server",
				       c->vsg[i].name);
}

/* A script's program: absolute, or found on PATH as keepalived does. */
static int script_program(const char *cmd, char *out, size_t len)
{
	static const char *const path[] = {
		"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"
	};
	struct stat st;
	char **argv;
	int argc, i, rc = -1;
	unsigned int j;

	argv = vlbd_split_args(cmd, &argc);
	if (!argv)
		return -1;
	if (argc && strchr(argv[0], '/')) {
		snprintf(out, len, "%s", argv[0]);
		rc = argv[0][0] == '/' && !stat(out, &st) && S_ISREG(st.st_mode) &&
		     !access(out, X_OK) ? 0 : -1;
	} else if (argc) {
		for (j = 0; j < sizeof(path) / sizeof(path[0]) && rc; j++) {
			snprintf(out, len, "%s/%s", path[j], argv[0]);
			if (!stat(out, &st) && S_ISREG(st.st_mode) && !access(out, X_OK))
				rc = 0;
		}
		if (rc)
			snprintf(out, len, "%s", argv[0]);
	}
	for (i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
	return rc;
}

static void check_cmd(struct vlbd_errs *e, const char *file, int line, const char *kw,
		      const char *cmd)
{
	char prog[4096];

	if (cmd && script_program(cmd, prog, sizeof(prog)))
		vlbd_conf_err(e, file, line, "%s: '%s' is not an executable file (an absolute "
			      "path, or a program on PATH)", kw, prog);
}

static void check_notify(struct vlbd_errs *e, const struct vlbd_notify_cmds *n)
{
	check_cmd(e, n->file[0], n->line[0], "notify_master", n->master);
	check_cmd(e, n->file[1], n->line[1], "notify_backup", n->backup);
	check_cmd(e, n->file[2], n->line[2], "notify_fault", n->fault);
	check_cmd(e, n->file[3], n->line[3], "notify_stop", n->stop);
	check_cmd(e, n->file[4], n->line[4], "notify", n->generic);
}

static void finish_vrrp(struct vlbd_conf *c, struct vlbd_errs *e)
{
	int i, j, k;

	for (i = 0; i < c->nvscripts; i++) {
		struct vlbd_vscript *sc = &c->vscripts[i];

		if (sc->timeout < 0)
			sc->timeout = sc->interval;
		check_cmd(e, sc->file, sc->line, "script", sc->script);
	}
	for (i = 0; i < c->nvrrp; i++) {
		struct vlbd_vrrp *v = &c->vrrp[i];
		const char *n = v->name;

		if (!v->ifname[0])
			vlbd_conf_err(e, v->file, v->line, "vrrp_instance %s: interface is missing",
				      n);
		if (!v->vrid)
			vlbd_conf_err(e, v->file, v->line,
				      "vrrp_instance %s: virtual_router_id is missing", n);
		if (!v->nvips)
			vlbd_conf_err(e, v->file, v->line,
				      "vrrp_instance %s: virtual_ipaddress is missing or empty", n);
		v->af = v->nvips ? v->vips[0].af : v->npeers ? v->peer_af : AF_INET;
		for (j = 1; j < v->nvips; j++)
			if (v->vips[j].af != v->af)
				vlbd_conf_err(e, v->vips[j].file, v->vips[j].line,
					      "virtual_ipaddress: IPv4 and IPv6 are mixed in one "
					      "instance (put the other family in "
					      "virtual_ipaddress_excluded)");
		if (v->nvips > 255)
			vlbd_conf_err(e, v->file, v->line, "vrrp_instance %s: more than 255 "
				      "virtual addresses do not fit in an advert: use "
				      "virtual_ipaddress_excluded", n);
		if (v->npeers && v->peer_af != v->af)
			vlbd_conf_err(e, v->file, v->line, "vrrp_instance %s: unicast_peer and "
				      "virtual_ipaddress are of different address families", n);
		if (v->src_set && v->src_set != v->af)
			vlbd_conf_err(e, v->file, v->line, "vrrp_instance %s: unicast_src_ip is "
				      "not of the instance's address family", n);
		if (v->src_set && !v->npeers)
			vlbd_conf_err(e, v->file, v->line, "vrrp_instance %s: unicast_src_ip "
				      "without unicast_peer (adverts would go to multicast)", n);
		if (!v->version)
			v->version = v->af == AF_INET6 ? 3 : c->vrrp_version;
		if (v->af == AF_INET6 && v->version == 2)
			vlbd_conf_err(e, v->file, v->line, "vrrp_instance %s: VRRP version 2 has "
				      "no IPv6: use version 3", n);
		if (v->version == 2 && (v->adv_cs % 100 || v->adv_cs > 25500))
			vlbd_conf_err(e, v->file, v->line, "vrrp_instance %s: advert_int %g: "
				      "VRRP version 2 carries whole seconds (1 to 255); use "
				      "version 3 for fractions", n, v->adv_cs / 100.0);
		if (v->priority < 0)
			v->priority = v->init_master ? 255 : 100;
		if (v->nopreempt && v->priority == 255)
			vlbd_conf_err(e, v->file, v->line, "vrrp_instance %s: nopreempt with "
				      "priority 255: the address owner always preempts", n);
		if (v->nopreempt && v->init_master) {
			vlbd_conf_warn(e, v->file, v->line, "vrrp_instance %s: nopreempt with "
				       "state MASTER: starting as BACKUP", n);
			v->init_master = 0;
		}
		if (v->garp_delay < 0)
			v->garp_delay = c->garp_delay;
		if (v->garp_repeat < 0)
			v->garp_repeat = c->garp_repeat;
		for (j = 0; j < v->ntss; j++) {
			struct vlbd_track_script *t = &v->tss[j];

			for (k = 0; k < c->nvscripts; k++)
				if (!strcmp(c->vscripts[k].name, t->name))
					t->s = &c->vscripts[k];
			if (!t->s) {
				vlbd_conf_err(e, t->file, t->line,
					      "track_script %s: no such vrrp_script", t->name);
				continue;
			}
			t->s->used = 1;
			if (!t->weight_set) {
				t->weight = t->s->weight;
				t->reverse = t->s->reverse;
			}
		}
		check_notify(e, &v->notify);
		for (j = 0; j < i; j++) {
			struct vlbd_vrrp *o = &c->vrrp[j];

			if (o->vrid == v->vrid && o->af == v->af && !strcmp(o->ifname, v->ifname) &&
			    v->vrid && (!o->npeers || !v->npeers))
				vlbd_conf_err(e, v->file, v->line, "vrrp_instance %s: "
					      "virtual_router_id %d on %s is also %s's (%s:%d)", n,
					      v->vrid, v->ifname, o->name, o->file, o->line);
		}
	}
	for (i = 0; i < c->nvscripts; i++)
		if (!c->vscripts[i].used)
			vlbd_conf_warn(e, c->vscripts[i].file, c->vscripts[i].line,
				       "vrrp_script %s is not tracked by any vrrp_instance",
				       c->vscripts[i].name);
	for (i = 0; i < c->nvsyncs; i++) {
		struct vlbd_vsync *g = &c->vsyncs[i];

		g->inst = calloc((size_t)g->nmembers + 1, sizeof(*g->inst));
		if (!g->inst) {
			fprintf(stderr, "vlbd: out of memory\n");
			exit(1);
		}
		check_notify(e, &g->notify);
		for (j = 0; j < g->nmembers; j++) {
			for (k = 0; k < c->nvrrp; k++)
				if (!strcmp(c->vrrp[k].name, g->members[j]))
					g->inst[j] = &c->vrrp[k];
			if (!g->inst[j]) {
				vlbd_conf_err(e, g->file, g->line, "vrrp_sync_group %s: no "
					      "vrrp_instance %s", g->name, g->members[j]);
				continue;
			}
			if (g->inst[j]->sync) {
				vlbd_conf_err(e, g->file, g->line, "vrrp_sync_group %s: %s is "
					      "already in vrrp_sync_group %s", g->name,
					      g->members[j], g->inst[j]->sync->name);
				continue;
			}
			g->inst[j]->sync = g;
		}
	}
}

struct vlbd_conf *vlbd_conf_load(const char *path, struct vlbd_errs *e)
{
	struct vlbd_conf *c = calloc(1, sizeof(*c));
	struct parser p = { 0 };
	int errs = e->count;

	if (!c)
		return NULL;
	c->path = xstrdup(path);
	c->vrrp_version = 2;
	c->garp_delay = 5;
	c->garp_repeat = 5;
	if (vlbd_lex_file(&c->toks, path, e) < 0) {
		vlbd_conf_err(e, path, 0, "out of memory");
		vlbd_conf_free(c);
		return NULL;
	}
	p.tl = &c->toks;
	p.e = e;
	p.c = c;
	parse_block(&p, top_kws, NULL, NULL, "the top level");
	if (tok(&p)->type != TOK_EOF) {
		vlbd_conf_err(e, tok(&p)->file, tok(&p)->line, "a } without a block to close");
		/* carry on: the rest may hold more errors */
		p.pos++;
		parse_block(&p, top_kws, NULL, NULL, "the top level");
	}
	finish(c, e);
	finish_vrrp(c, e);
	if (e->count > errs) {
		vlbd_conf_free(c);
		return NULL;
	}
	return c;
}

static void free_notify(struct vlbd_notify_cmds *n)
{
	int i;

	free(n->master);
	free(n->backup);
	free(n->fault);
	free(n->stop);
	free(n->generic);
	for (i = 0; i < 5; i++)
		free(n->user[i]);
}

static void conf_free_vrrp(struct vlbd_conf *c)
{
	int i, j;

	for (i = 0; i < c->nvrrp; i++) {
		struct vlbd_vrrp *v = &c->vrrp[i];

		free(v->name);
		free(v->vips);
		free(v->evips);
		free(v->peers);
		free(v->tifs);
		for (j = 0; j < v->ntss; j++)
			free(v->tss[j].name);
		free(v->tss);
		free_notify(&v->notify);
	}
	free(c->vrrp);
	for (i = 0; i < c->nvscripts; i++) {
		free(c->vscripts[i].name);
		free(c->vscripts[i].script);
		free(c->vscripts[i].user);
	}
	free(c->vscripts);
	for (i = 0; i < c->nvsyncs; i++) {
		struct vlbd_vsync *g = &c->vsyncs[i];

		free(g->name);
		for (j = 0; j < g->nmembers; j++)
			free(g->members[j]);
		free(g->members);
		free(g->inst);
		free_notify(&g->notify);
	}
	free(c->vsyncs);
}

void vlbd_conf_free(struct vlbd_conf *c)
{
	int i, j, k, l;

	if (!c)
		return;
	for (i = 0; i < c->nvs; i++) {
		struct vlbd_vs *vs = &c->vs[i];

		for (j = 0; j < vs->nrs; j++) {
			for (k = 0; k < vs->rs[j].nchecks; k++) {
				struct vlbd_checker *ck = &vs->rs[j].checks[k];

				for (l = 0; l < ck->nurls; l++) {
					free(ck->urls[l].path);
					free(ck->urls[l].virtualhost);
				}
				free(ck->urls);
				free(ck->virtualhost);
				free(ck->misc_path);
				free(ck->user);
			}
			free(vs->rs[j].checks);
		}
		free(vs->rs);
		free(vs->sorry);
		free(vs->group);
		free(vs->virtualhost);
		free(vs->svcs);
	}
	free(c->vs);
	for (i = 0; i < c->nvsg; i++) {
		free(c->vsg[i].name);
		free(c->vsg[i].e);
	}
	free(c->vsg);
	conf_free_vrrp(c);
	free(c->router_id);
	free(c->script_user);
	free(c->script_group);
	free(c->path);
	vlbd_toklist_free(&c->toks);
	free(c);
}

/* --- dump (vlbd -t -d): the model with every default filled in ----------- */

static const char *fwd_name(int fwd)
{
	switch (fwd) {
	case VLB_FWD_DROUTE: return "DR";
	case VLB_FWD_TUNNEL: return "TUN";
	default: return "NAT";
	}
}

void vlbd_conf_dump(FILE *f, const struct vlbd_conf *c)
{
	char name[160], a[INET6_ADDRSTRLEN];
	int i, j, k, l;

	fprintf(f, "router_id %s\n", c->router_id ? c->router_id : "-");
	fprintf(f, "script_security %d script_user %s\n", c->script_security,
		c->script_user ? c->script_user : "-");
	if (c->http_set) {
		char port[8];

		getnameinfo((struct sockaddr *)&c->http_addr, c->http_len, a, sizeof(a), port,
			    sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV);
		fprintf(f, "http_status %s %s\n", a, port);
	}
	for (i = 0; i < c->nvs; i++) {
		const struct vlbd_vs *vs = &c->vs[i];

		vlbd_vs_name(vs, name, sizeof(name));
		fprintf(f, "virtual_server %s: %s %s", name, vs->sched, fwd_name(vs->fwd));
		if (vs->fwd == VLB_FWD_TUNNEL)
			fprintf(f, " tun %d/%d/%d", vs->tun_type, vs->tun_port, vs->tun_flags);
		fprintf(f, " quorum %d hysteresis %d\n", vs->quorum, vs->hysteresis);
		for (j = 0; j < vs->nsvcs; j++) {
			const struct vlb_service *k2 = &vs->svcs[j];

			if (k2->fwmark) {
				fprintf(f, "  service FWM %u af %d", k2->fwmark, k2->af);
			} else {
				inet_ntop(k2->af, &k2->addr, a, sizeof(a));
				fprintf(f, "  service %s %s %u", k2->protocol == IPPROTO_UDP ?
					"UDP" : "TCP", a, k2->port);
			}
			fprintf(f, " flags %u timeout %u netmask %u\n", k2->flags, k2->timeout,
				k2->netmask);
		}
		if (vs->sorry) {
			vlbd_rs_name(vs->sorry, name, sizeof(name));
			fprintf(f, "  sorry_server %s\n", name);
		}
		for (j = 0; j < vs->nrs; j++) {
			const struct vlbd_rs *rs = &vs->rs[j];

			vlbd_rs_name(rs, name, sizeof(name));
			fprintf(f, "  real_server %s weight %d inhibit %d alpha %d slow_start %g\n",
				name, rs->weight, rs->inhibit, rs->alpha, rs->slow_start);
			for (k = 0; k < rs->nchecks; k++) {
				const struct vlbd_checker *ck = &rs->checks[k];
				struct sockaddr_storage ss;
				socklen_t len;
				char port[8];

				vlbd_check_target(ck, &ss, &len);
				getnameinfo((struct sockaddr *)&ss, len, a, sizeof(a), port,
					    sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV);
				fprintf(f, "    %s", check_names[ck->type]);
				if (ck->type != CHK_MISC)
					fprintf(f, " to %s port %s", a, port);
				fprintf(f, " delay_loop %g connect_timeout %g retry %d "
					"delay_before_retry %g warmup %g rise %d\n", ck->t.delay_loop,
					ck->t.connect_timeout, ck->t.retry, ck->t.delay_before_retry,
					ck->t.warmup, ck->t.rise);
				if (ck->bind.set) {
					getnameinfo((struct sockaddr *)&ck->bind.ss, ck->bind.len, a,
						    sizeof(a), NULL, 0, NI_NUMERICHOST);
					fprintf(f, "      bindto %s port %d\n", a, ck->bind_port);
				}
				if (ck->virtualhost)
					fprintf(f, "      virtualhost %s\n", ck->virtualhost);
				for (l = 0; l < ck->nurls; l++) {
					const struct vlbd_url *u = &ck->urls[l];
					int code, first = -1;

					fprintf(f, "      url %s%s%s status", u->path,
						u->digest[0] ? " digest " : "", u->digest);
					for (code = 100; code <= 600; code++) {
						int on = code < 600 &&
							 (u->status[code / 64] >> (code % 64)) & 1;

						if (on && first < 0)
							first = code;
						if (!on && first >= 0) {
							if (first == code - 1)
								fprintf(f, " %d", first);
							else
								fprintf(f, " %d-%d", first, code - 1);
							first = -1;
						}
					}
					if (u->virtualhost)
						fprintf(f, " virtualhost %s", u->virtualhost);
					fprintf(f, "\n");
				}
				if (ck->type == CHK_MISC)
					fprintf(f, "      misc_path \"%s\" timeout %g dynamic %d user %s\n",
						ck->misc_path, ck->misc_timeout, ck->misc_dynamic,
						ck->user ? ck->user : "-");
			}
		}
	}
	vlbd_conf_dump_vrrp(f, c);
}

static void dump_vip(FILE *f, const char *kw, const struct vlbd_vip *vip)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(vip->af, &vip->addr, a, sizeof(a));
	fprintf(f, "  %s %s/%d", kw, a, vip->prefix);
	if (vip->dev[0])
		fprintf(f, " dev %s", vip->dev);
	if (vip->label[0])
		fprintf(f, " label %s", vip->label);
	fputc('\n', f);
}

static void dump_notify(FILE *f, const struct vlbd_notify_cmds *n)
{
	const char *const names[] = { "master", "backup", "fault", "stop", "notify" };
	const char *cmds[] = { n->master, n->backup, n->fault, n->stop, n->generic };
	int i;

	for (i = 0; i < 5; i++)
		if (cmds[i])
			fprintf(f, "  notify %s \"%s\" user %s\n", names[i], cmds[i],
				n->user[i] ? n->user[i] : "-");
}

void vlbd_conf_dump_vrrp(FILE *f, const struct vlbd_conf *c)
{
	char a[INET6_ADDRSTRLEN];
	int i, j;

	for (i = 0; i < c->nvscripts; i++) {
		const struct vlbd_vscript *sc = &c->vscripts[i];

		fprintf(f, "vrrp_script %s: \"%s\" interval %g timeout %g weight %d%s rise %d "
			"fall %d init_fail %d user %s\n", sc->name, sc->script, sc->interval,
			sc->timeout, sc->weight, sc->reverse ? " reverse" : "", sc->rise, sc->fall,
			sc->init_fail, sc->user ? sc->user : "-");
	}
	for (i = 0; i < c->nvrrp; i++) {
		const struct vlbd_vrrp *v = &c->vrrp[i];

		fprintf(f, "vrrp_instance %s: %s vrid %d on %s v%d priority %d advert_int %g "
			"%s preempt_delay %g garp %g/%d%s%s\n", v->name,
			v->af == AF_INET6 ? "IPv6" : "IPv4", v->vrid, v->ifname, v->version,
			v->priority, v->adv_cs / 100.0, v->init_master ? "MASTER" : "BACKUP",
			v->preempt_delay, v->garp_delay, v->garp_repeat,
			v->nopreempt ? " nopreempt" : "", "");
		if (v->sync)
			fprintf(f, "  sync_group %s\n", v->sync->name);
		for (j = 0; j < v->nvips; j++)
			dump_vip(f, "vip", &v->vips[j]);
		for (j = 0; j < v->nevips; j++)
			dump_vip(f, "excluded", &v->evips[j]);
		if (v->src_set) {
			inet_ntop(v->af, &v->src, a, sizeof(a));
			fprintf(f, "  unicast_src_ip %s\n", a);
		}
		for (j = 0; j < v->npeers; j++) {
			inet_ntop(v->af, &v->peers[j], a, sizeof(a));
			fprintf(f, "  unicast_peer %s\n", a);
		}
		for (j = 0; j < v->ntifs; j++)
			fprintf(f, "  track_interface %s weight %d%s%s\n", v->tifs[j].name,
				v->tifs[j].weight, v->tifs[j].reverse ? " reverse" : "",
				v->tifs[j].weight_set ? "" : " (fault)");
		for (j = 0; j < v->ntss; j++)
			fprintf(f, "  track_script %s weight %d%s%s\n", v->tss[j].name,
				v->tss[j].weight, v->tss[j].reverse ? " reverse" : "",
				v->tss[j].weight ? "" : " (fault)");
		dump_notify(f, &v->notify);
	}
	for (i = 0; i < c->nvsyncs; i++) {
		const struct vlbd_vsync *g = &c->vsyncs[i];

		fprintf(f, "vrrp_sync_group %s:", g->name);
		for (j = 0; j < g->nmembers; j++)
			fprintf(f, " %s", g->members[j]);
		fputc('\n', f);
		dump_notify(f, &g->notify);
	}
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The command line, exactly as ipvsadm 1.31 (Debian) reads it: popt-style
 * options (short clusters, attached values, --long[=value], an optional
 * argument for -p), the first option must be the command, the same
 * option-versus-command matrix, the same checks in the same order and the
 * same messages and exit statuses (2 for a bad command line, 255 for the
 * errors ipvsadm reports through popt). vlb-only additions: --json and
 * --monitor; what vlb lacks (sync daemons, SCTP, --pe) is refused clearly.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "vlbadm.h"

#define DEF_SCHED	"wlc"
#define MAX_TIMEOUT	(86400 * 31)

enum {
	TAG_SET = 256, TAG_START_DAEMON, TAG_STOP_DAEMON, TAG_MCAST_INTERFACE,
	TAG_TIMEOUT, TAG_DAEMON, TAG_STATS, TAG_RATE, TAG_THRESHOLDS,
	TAG_PERSISTENTCONN, TAG_NO_SORT, TAG_SORT, TAG_PERSISTENCE_ENGINE,
	TAG_SCTP_SERVICE, TAG_MCAST_GROUP, TAG_MCAST_PORT, TAG_MCAST_TTL,
	TAG_SYNC_MAXLEN, TAG_TUN_INFO, TAG_TUN_TYPE, TAG_TUN_PORT,
	TAG_TUN_NOCSUM, TAG_TUN_CSUM, TAG_TUN_REMCSUM, TAG_JSON, TAG_MONITOR,
};

enum { ARG_NONE, ARG_REQUIRED, ARG_OPTIONAL };

struct option_def {
	const char *name;
	char short_name;
	int arg;
	int tag;
};

static const struct option_def options_table[] = {
	{ "add-service", 'A', ARG_NONE, 'A' },
	{ "edit-service", 'E', ARG_NONE, 'E' },
	{ "delete-service", 'D', ARG_NONE, 'D' },
	{ "clear", 'C', ARG_NONE, 'C' },
	{ "list", 'L', ARG_NONE, 'L' },
	{ "list", 'l', ARG_NONE, 'l' },
	{ "zero", 'Z', ARG_NONE, 'Z' },
	{ "add-server", 'a', ARG_NONE, 'a' },
	{ "edit-server", 'e', ARG_NONE, 'e' },
	{ "delete-server", 'd', ARG_NONE, 'd' },
	{ "set", 0, ARG_NONE, TAG_SET },
	{ "help", 'h', ARG_NONE, 'h' },
	{ "version", 'v', ARG_NONE, 'v' },
	{ "restore", 'R', ARG_NONE, 'R' },
	{ "save", 'S', ARG_NONE, 'S' },
	{ "start-daemon", 0, ARG_REQUIRED, TAG_START_DAEMON },
	{ "stop-daemon", 0, ARG_REQUIRED, TAG_STOP_DAEMON },
	{ "monitor", 0, ARG_NONE, TAG_MONITOR },
	{ "tcp-service", 't', ARG_REQUIRED, 't' },
	{ "udp-service", 'u', ARG_REQUIRED, 'u' },
	{ "sctp-service", 0, ARG_REQUIRED, TAG_SCTP_SERVICE },
	{ "fwmark-service", 'f', ARG_REQUIRED, 'f' },
	{ "scheduler", 's', ARG_REQUIRED, 's' },
	{ "persistent", 'p', ARG_OPTIONAL, 'p' },
	{ "netmask", 'M', ARG_REQUIRED, 'M' },
	{ "real-server", 'r', ARG_REQUIRED, 'r' },
	{ "masquerading", 'm', ARG_NONE, 'm' },
	{ "ipip", 'i', ARG_NONE, 'i' },
	{ "gatewaying", 'g', ARG_NONE, 'g' },
	{ "weight", 'w', ARG_REQUIRED, 'w' },
	{ "u-threshold", 'x', ARG_REQUIRED, 'x' },
	{ "l-threshold", 'y', ARG_REQUIRED, 'y' },
	{ "numeric", 'n', ARG_NONE, 'n' },
	{ "connection", 'c', ARG_NONE, 'c' },
	{ "mcast-interface", 0, ARG_REQUIRED, TAG_MCAST_INTERFACE },
	{ "syncid", 0, ARG_REQUIRED, 'I' },
	{ "timeout", 0, ARG_NONE, TAG_TIMEOUT },
	{ "daemon", 0, ARG_NONE, TAG_DAEMON },
	{ "stats", 0, ARG_NONE, TAG_STATS },
	{ "rate", 0, ARG_NONE, TAG_RATE },
	{ "thresholds", 0, ARG_NONE, TAG_THRESHOLDS },
	{ "persistent-conn", 0, ARG_NONE, TAG_PERSISTENTCONN },
	{ "nosort", 0, ARG_NONE, TAG_NO_SORT },
	{ "sort", 0, ARG_NONE, TAG_SORT },
	{ "exact", 'X', ARG_NONE, 'X' },
	{ "ipv6", '6', ARG_NONE, '6' },
	{ "ops", 'o', ARG_NONE, 'o' },
	{ "pe", 0, ARG_REQUIRED, TAG_PERSISTENCE_ENGINE },
	{ "sched-flags", 'b', ARG_REQUIRED, 'b' },
	{ "mcast-group", 0, ARG_REQUIRED, TAG_MCAST_GROUP },
	{ "mcast-port", 0, ARG_REQUIRED, TAG_MCAST_PORT },
	{ "mcast-ttl", 0, ARG_REQUIRED, TAG_MCAST_TTL },
	{ "sync-maxlen", 0, ARG_REQUIRED, TAG_SYNC_MAXLEN },
	{ "tun-info", 0, ARG_NONE, TAG_TUN_INFO },
	{ "tun-type", 0, ARG_REQUIRED, TAG_TUN_TYPE },
	{ "tun-port", 0, ARG_REQUIRED, TAG_TUN_PORT },
	{ "tun-nocsum", 0, ARG_NONE, TAG_TUN_NOCSUM },
	{ "tun-csum", 0, ARG_NONE, TAG_TUN_CSUM },
	{ "tun-remcsum", 0, ARG_NONE, TAG_TUN_REMCSUM },
	{ "json", 0, ARG_NONE, TAG_JSON },
	{ NULL, 0, 0, 0 }
};

static const char *const optnames[] = {
	"numeric", "connection", "service-address", "scheduler", "persistent",
	"netmask", "real-server", "forwarding-method", "weight", "u-threshold",
	"l-threshold", "mcast-interface", "timeout", "daemon", "stats", "rate",
	"thresholds", "persistent-conn", "nosort", "syncid", "exact", "ops", "pe",
	"sched-flags", "mcast-group", "mcast-port", "mcast-ttl", "sync-maxlen",
	"tun-info", "tun-type", "tun-port", "tun-nocsum", "tun-csum", "tun-remcsum",
	"json",
};

static const char *const cmdnames[] = {
	"add-service", "edit-service", "delete-service", "flush", "list",
	"add-server", "delete-server", "edit-server", "set", "start-daemon",
	"stop-daemon", "restore", "save", "zero", "monitor",
};

/*
 * Which option goes with which command: ' ' optional, 'x' illegal,
 * '+' compulsory, '1' at most one of the '1's. ipvsadm's table (columns in
 * enum vlbadm_opt_bit order), plus the monitor row.
 */
static const char commands_v_options[][OPTB_NUMBER + 1] = {
	/* add-service */	"xx+   xxxxxxxxxxxxxxx   xxxxxxxxxx",
	/* edit-service */	"xx+   xxxxxxxxxxxxxxx   xxxxxxxxxx",
	/* delete-service */	"xx+xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	/* flush */		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	/* list */		" 11xxxxxxxxx11       xxxxxxx xxxxx",
	/* add-server */	"xx+xxx+    xxxxxxxxxxxxxxxxxx     ",
	/* delete-server */	"xx+xxx+xxxxxxxxxxxxxxxxxxxxxxxxxxx",
	/* edit-server */	"xx+xxx+    xxxxxxxxxxxxxxxxxx     ",
	/* set */		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	/* start-daemon */	"xxxxxxxxxxx xxxxxxx xxxx    xxxxxx",
	/* stop-daemon */	"xxxxxxxxxxxxxxxxxxx xxxxxxxxxxxxxx",
	/* restore */		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	/* save */		" xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	/* zero */		"xx xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	/* monitor */		" xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
};

/* Tunnel options per tunnel type: tun-port, tun-nocsum, tun-csum, tun-remcsum. */
static const char *const tunnames[] = { "ipip", "gue", "gre" };
static const char tunnel_v_options[3][5] = { "xxxx", "+111", "x11x" };
static const int tunnel_opts[4] = {
	OPTB_TUN_PORT, OPTB_TUN_NOCSUM, OPTB_TUN_CSUM, OPTB_TUN_REMCSUM
};

/* Exit statuses: ipvsadm's fail() is 2, popt trouble and tryhelp are 255. */
#define EXIT_USAGE	2
#define EXIT_POPT	255

struct parser {
	int argc;
	char **argv;
	int idx;		/* next argv element */
	const char *cluster;	/* rest of a short-option cluster, or NULL */
	const char *cur_arg;	/* the argv element being parsed */
	char **leftovers;
	int nleft, leftpos;
	int dashdash;
	char *err;
	size_t errlen;
};

static int fail(struct parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->err, p->errlen, fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

static int tryhelp(struct parser *p)
{
	const char *prog = p->argv[0];

	snprintf(p->err, p->errlen, "Try `%s -h' or '%s --help' for more information.",
		 prog, prog);
	return EXIT_POPT;
}

#define POPT_BADOPT	(-1)
#define POPT_NOARG	(-2)
#define POPT_UNWANTED	(-3)
#define POPT_END	(-4)

static const struct option_def *find_long(const char *name, size_t len)
{
	const struct option_def *o;

	for (o = options_table; o->name; o++)
		if (strlen(o->name) == len && !strncmp(o->name, name, len))
			return o;
	return NULL;
}

static const struct option_def *find_short(char c)
{
	const struct option_def *o;

	for (o = options_table; o->name; o++)
		if (o->short_name == c)
			return o;
	return NULL;
}

/*
 * The next option as popt returns it: its tag (>= 0), POPT_END when argv is
 * used up, or a POPT_* error. Non-option words are kept as leftovers.
 */
static int next_opt(struct parser *p, const char **optarg)
{
	const struct option_def *o;
	const char *a;

	*optarg = NULL;
	if (!p->cluster) {
		for (;;) {
			if (p->idx >= p->argc)
				return POPT_END;
			a = p->argv[p->idx++];
			if (p->dashdash || a[0] != '-' || a[1] == '\0') {
				p->leftovers[p->nleft++] = (char *)a;
				continue;
			}
			if (!strcmp(a, "--")) {
				p->dashdash = 1;
				continue;
			}
			break;
		}
		p->cur_arg = a;
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);

			o = find_long(a + 2, len);
			if (!o)
				return POPT_BADOPT;
			if (o->arg == ARG_NONE) {
				if (eq)
					return POPT_UNWANTED;
				return o->tag;
			}
			if (eq) {
				*optarg = eq + 1;
			} else if (p->idx < p->argc &&
				   (o->arg == ARG_REQUIRED || p->argv[p->idx][0] != '-')) {
				*optarg = p->argv[p->idx++];
			} else if (o->arg == ARG_REQUIRED) {
				return POPT_NOARG;
			}
			return o->tag;
		}
		p->cluster = a + 1;
	}
	o = find_short(*p->cluster);
	if (!o) {
		p->cluster = NULL;
		return POPT_BADOPT;
	}
	p->cluster++;
	if (o->arg == ARG_NONE) {
		if (!*p->cluster)
			p->cluster = NULL;
		return o->tag;
	}
	if (*p->cluster) {
		*optarg = *p->cluster == '=' ? p->cluster + 1 : p->cluster;
	} else if (p->idx < p->argc &&
		   (o->arg == ARG_REQUIRED || p->argv[p->idx][0] != '-')) {
		*optarg = p->argv[p->idx++];
	} else if (o->arg == ARG_REQUIRED) {
		p->cluster = NULL;
		return POPT_NOARG;
	}
	p->cluster = NULL;
	return o->tag;
}

static const char *popt_strerror(int e)
{
	switch (e) {
	case POPT_NOARG:
		return "missing argument";
	case POPT_UNWANTED:
		return "option does not take an argument";
	default:
		return "unknown option";
	}
}

static int set_option(struct parser *p, struct vlbadm_cmd *c, int bit)
{
	if (c->options & (1ULL << bit))
		return fail(p, "multiple '%s' options specified", optnames[bit]);
	c->options |= 1ULL << bit;
	return 0;
}

static long parse_timeout(struct parser *p, const char *s, long min, long max, int *rc)
{
	long n;

	if (!s)
		return VLB_PERSIST_TIMEOUT_DEFAULT;
	n = vlbadm_number(s, min, max);
	if (n < 0)
		*rc = fail(p, "invalid timeout value `%s' specified", s);
	return n;
}

static int parse_fwmark(struct parser *p, const char *s, uint32_t *mark)
{
	unsigned long l;
	char *end;

	errno = 0;
	l = strtoul(s, &end, 10);
	if (*end != '\0' || end == s || errno == ERANGE || l == 0 || l > UINT_MAX)
		return fail(p, "invalid fwmark value `%s' specified", s);
	*mark = (uint32_t)l;
	return 0;
}

static int host_netmask(const char *s, uint32_t *mask)
{
	union vlb_addr a;
	uint16_t af = 0, port = 0;
	uint32_t dummy;
	struct in_addr in;

	if (inet_aton(s, &in)) {
		*mask = in.s_addr;
		return 1;
	}
	/* ipvsadm also takes a host name here; resolve it the same way. */
	if (!strchr(s, ':') &&
	    vlbadm_parse_service(s, 0, &af, &a, &port, &dummy) == 1 && af == AF_INET) {
		*mask = a.in.s_addr;
		return 1;
	}
	return 0;
}

static int parse_sched_flags(struct parser *p, struct vlbadm_cmd *c)
{
	const char *sched = c->svc.sched[0] ? c->svc.sched : DEF_SCHED;
	char buf[sizeof(c->sched_flags_arg)], *save = NULL, *flag;

	strcpy(buf, c->sched_flags_arg);
	for (flag = strtok_r(buf, ",", &save); flag; flag = strtok_r(NULL, ",", &save)) {
		if (!strcmp(flag, "flag-1")) {
			c->svc.flags |= VLB_SVC_F_SCHED1;
		} else if (!strcmp(flag, "flag-2")) {
			c->svc.flags |= VLB_SVC_F_SCHED2;
		} else if (!strcmp(flag, "flag-3")) {
			c->svc.flags |= VLB_SVC_F_SCHED3;
		} else if (!strcmp(flag, "sh-fallback") || !strcmp(flag, "mh-fallback")) {
			c->svc.flags |= VLB_SVC_F_SCHED1;
			if (strncmp(sched, flag, 2) || sched[2])
				return fail(p, "incompatible scheduler flag `%s'", flag);
		} else if (!strcmp(flag, "sh-port") || !strcmp(flag, "mh-port")) {
			c->svc.flags |= VLB_SVC_F_SCHED2;
			if (strncmp(sched, flag, 2) || sched[2])
				return fail(p, "incompatible scheduler flag `%s'", flag);
		} else {
			return fail(p, "invalid scheduler flag `%s'", flag);
		}
	}
	return 0;
}

static int parse_tun_type(const char *s)
{
	int i;

	for (i = 0; i < 3; i++)
		if (!strcmp(s, tunnames[i]))
			return i;
	return -1;
}

/* One option after the command; 0 or an exit status. */
static int handle_option(struct parser *p, struct vlbadm_cmd *c, int tag, const char *optarg)
{
	int rc = 0, parse;
	long n;

	switch (tag) {
	case 't':
	case 'u':
	case TAG_SCTP_SERVICE:
		if ((rc = set_option(p, c, OPTB_SERVICE)))
			return rc;
		if (tag == TAG_SCTP_SERVICE)
			return fail(p, "SCTP services are not supported by vlb");
		c->svc.protocol = tag == 't' ? IPPROTO_TCP : IPPROTO_UDP;
		parse = vlbadm_parse_service(optarg, c->svc.protocol, &c->svc.af,
					     &c->svc.addr, &c->svc.port, &c->netmask_raw);
		if (!(parse & 1))
			return fail(p, "illegal virtual server address[:port] specified");
		break;
	case 'f':
		if ((rc = set_option(p, c, OPTB_SERVICE)))
			return rc;
		/* ipvsadm: an IPv4 "TCP" service until -6 says otherwise */
		c->svc.af = AF_INET;
		c->svc.protocol = IPPROTO_TCP;
		return parse_fwmark(p, optarg, &c->svc.fwmark);
	case 's':
		if ((rc = set_option(p, c, OPTB_SCHEDULER)))
			return rc;
		snprintf(c->svc.sched, sizeof(c->svc.sched), "%s", optarg);
		break;
	case 'p':
		if ((rc = set_option(p, c, OPTB_PERSISTENT)))
			return rc;
		c->svc.flags |= VLB_SVC_F_PERSISTENT;
		n = parse_timeout(p, optarg, 1, MAX_TIMEOUT, &rc);
		c->svc.timeout = (uint32_t)n;
		return rc;
	case 'M':
		if ((rc = set_option(p, c, OPTB_NETMASK)))
			return rc;
		snprintf(c->netmask_arg, sizeof(c->netmask_arg), "%s", optarg);
		if (c->svc.af != AF_INET6) {
			if (!host_netmask(optarg, &c->netmask_raw))
				return fail(p, "illegal virtual server persistent mask specified");
		} else {
			n = atoi(optarg);
			if (n < 1 || n > 128)
				return fail(p, "illegal ipv6 netmask specified");
			c->netmask_raw = (uint32_t)n;
		}
		break;
	case 'r': {
		uint16_t port = c->svc.port, af = c->svc.af;
		union vlb_addr addr = c->svc.addr;
		uint32_t mask = 0;

		if ((rc = set_option(p, c, OPTB_SERVER)))
			return rc;
		parse = vlbadm_parse_service(optarg, c->svc.protocol, &af, &addr, &port, &mask);
		c->dest.af = af;
		c->dest.addr = addr;
		c->dest.port = port;
		if (!(parse & 1))
			return fail(p, "illegal real server address[:port] specified");
		if (parse == 1)
			c->dest.port = c->svc.port;
		break;
	}
	case 'i':
	case 'g':
	case 'm':
		if ((rc = set_option(p, c, OPTB_FORWARD)))
			return rc;
		c->dest.fwd = tag == 'i' ? VLB_FWD_TUNNEL :
			      tag == 'g' ? VLB_FWD_DROUTE : VLB_FWD_MASQ;
		break;
	case 'w':
		if ((rc = set_option(p, c, OPTB_WEIGHT)))
			return rc;
		n = vlbadm_number(optarg, 0, INT_MAX);
		if (n < 0)
			return fail(p, "illegal weight specified");
		c->dest.weight = (uint32_t)n;
		break;
	case 'x':
		if ((rc = set_option(p, c, OPTB_UTHRESHOLD)))
			return rc;
		n = vlbadm_number(optarg, 0, INT_MAX);
		if (n < 0)
			return fail(p, "illegal u_threshold specified");
		c->dest.u_thresh = (uint32_t)n;
		break;
	case 'y':
		if ((rc = set_option(p, c, OPTB_LTHRESHOLD)))
			return rc;
		n = vlbadm_number(optarg, 0, INT_MAX);
		if (n < 0)
			return fail(p, "illegal l_threshold specified");
		c->dest.l_thresh = (uint32_t)n;
		break;
	case 'c':
		return set_option(p, c, OPTB_CONNECTION);
	case 'n':
		c->format |= FMT_NUMERIC;
		return set_option(p, c, OPTB_NUMERIC);
	case TAG_MCAST_INTERFACE:
		return set_option(p, c, OPTB_MCAST);
	case 'I':
		if ((rc = set_option(p, c, OPTB_SYNCID)))
			return rc;
		if (vlbadm_number(optarg, 0, 255) < 0)
			return fail(p, "illegal syncid specified");
		break;
	case TAG_TIMEOUT:
		return set_option(p, c, OPTB_TIMEOUT);
	case TAG_DAEMON:
		return set_option(p, c, OPTB_DAEMON);
	case TAG_STATS:
		c->format |= FMT_STATS;
		return set_option(p, c, OPTB_STATS);
	case TAG_RATE:
		c->format |= FMT_RATE;
		return set_option(p, c, OPTB_RATE);
	case TAG_THRESHOLDS:
		c->format |= FMT_THRESHOLDS;
		return set_option(p, c, OPTB_THRESHOLDS);
	case TAG_PERSISTENTCONN:
		c->format |= FMT_PERSISTENTCONN;
		return set_option(p, c, OPTB_PERSISTENTCONN);
	case TAG_NO_SORT:
		c->format |= FMT_NOSORT;
		return set_option(p, c, OPTB_NOSORT);
	case TAG_SORT:
		break;		/* the default; kept for compatibility */
	case 'X':
		c->format |= FMT_EXACT;
		return set_option(p, c, OPTB_EXACT);
	case '6':
		if (!c->svc.fwmark)
			return fail(p, "-6 used before -f\n");
		c->svc.af = AF_INET6;
		c->netmask_raw = 128;
		break;
	case 'o':
		c->svc.flags |= VLB_SVC_F_ONEPACKET;
		return set_option(p, c, OPTB_ONEPACKET);
	case TAG_PERSISTENCE_ENGINE:
		return set_option(p, c, OPTB_PE);
	case 'b':
		if ((rc = set_option(p, c, OPTB_SCHED_FLAGS)))
			return rc;
		snprintf(c->sched_flags_arg, sizeof(c->sched_flags_arg), "%s", optarg);
		break;
	case TAG_MCAST_GROUP:
		return set_option(p, c, OPTB_MCAST_GROUP);
	case TAG_MCAST_PORT:
		return set_option(p, c, OPTB_MCAST_PORT);
	case TAG_MCAST_TTL:
		return set_option(p, c, OPTB_MCAST_TTL);
	case TAG_SYNC_MAXLEN:
		return set_option(p, c, OPTB_SYNC_MAXLEN);
	case TAG_TUN_INFO:
		c->format |= FMT_TUN_INFO;
		return set_option(p, c, OPTB_TUN_INFO);
	case TAG_TUN_TYPE:
		if ((rc = set_option(p, c, OPTB_TUN_TYPE)))
			return rc;
		parse = parse_tun_type(optarg);
		if (parse < 0)
			return fail(p, "illegal tunnel type specified");
		c->dest.tun_type = (uint8_t)parse;
		break;
	case TAG_TUN_PORT:
		if ((rc = set_option(p, c, OPTB_TUN_PORT)))
			return rc;
		n = vlbadm_number(optarg, 1, 65535);
		if (n < 0)
			return fail(p, "illegal tunnel port specified");
		c->dest.tun_port = (uint16_t)n;
		break;
	case TAG_TUN_NOCSUM:
		c->dest.tun_flags = VLB_TUN_F_NOCSUM;
		return set_option(p, c, OPTB_TUN_NOCSUM);
	case TAG_TUN_CSUM:
		c->dest.tun_flags = VLB_TUN_F_CSUM;
		return set_option(p, c, OPTB_TUN_CSUM);
	case TAG_TUN_REMCSUM:
		c->dest.tun_flags = VLB_TUN_F_REMCSUM;
		return set_option(p, c, OPTB_TUN_REMCSUM);
	case TAG_JSON:
		c->format |= FMT_JSON;
		return set_option(p, c, OPTB_JSON);
	default:
		return fail(p, "invalid option `%s'", p->cur_arg);
	}
	return rc;
}

static int generic_opt_check(struct parser *p, const struct vlbadm_cmd *c)
{
	const char *row = commands_v_options[c->cmd - 1];
	int j, last = -1;

	for (j = 0; j < OPTB_NUMBER; j++) {
		if (!(c->options & (1ULL << j))) {
			if (row[j] == '+')
				return fail(p, "You need to supply the '%s' option for the '%s' command",
					    optnames[j], cmdnames[c->cmd - 1]);
			continue;
		}
		if (row[j] == 'x')
			return fail(p, "Illegal '%s' option with the '%s' command",
				    optnames[j], cmdnames[c->cmd - 1]);
		if (row[j] == '1') {
			if (last < 0) {
				last = j;
				continue;
			}
			return fail(p, "The option '%s' conflicts with the '%s' option in the '%s' command",
				    optnames[j], optnames[last], cmdnames[c->cmd - 1]);
		}
	}
	if ((c->options & OPT(JSON)) && c->cmd != CMD_LIST)
		return fail(p, "Illegal 'json' option with the '%s' command",
			    cmdnames[c->cmd - 1]);
	return 0;
}

static int tunnel_opt_check(struct parser *p, const struct vlbadm_cmd *c)
{
	const char *row = tunnel_v_options[c->dest.tun_type];
	int j, last = -1;

	for (j = 0; j < 4; j++) {
		int bit = tunnel_opts[j];

		if (!(c->options & (1ULL << bit))) {
			if (row[j] == '+')
				return fail(p, "You need to supply the '%s' option for the '%s' tunnel type",
					    optnames[bit], tunnames[c->dest.tun_type]);
			continue;
		}
		if (row[j] == 'x')
			return fail(p, "Illegal '%s' option with the '%s' tunnel type",
				    optnames[bit], tunnames[c->dest.tun_type]);
		if (row[j] == '1') {
			if (last < 0) {
				last = bit;
				continue;
			}
			return fail(p, "The option '%s' conflicts with the '%s' option in the '%s' tunnel type",
				    optnames[bit], optnames[last], tunnames[c->dest.tun_type]);
		}
	}
	return 0;
}

/* What ipvsadm checks after parsing, plus turning its netmask into a prefix. */
static int process_checks(struct parser *p, struct vlbadm_cmd *c)
{
	int rc;

	if (c->cmd > CMD_MONITOR)
		return 0;
	if ((rc = generic_opt_check(p, c)))
		return rc;

	if (c->cmd == CMD_ADD || c->cmd == CMD_EDIT) {
		if (!c->svc.fwmark && !c->svc.port && !(c->svc.flags & VLB_SVC_F_PERSISTENT))
			return fail(p, "Zero port specified for non-persistent service");
		if ((c->svc.flags & VLB_SVC_F_ONEPACKET) && !c->svc.fwmark &&
		    c->svc.protocol != IPPROTO_UDP)
			return fail(p, "One-Packet Scheduling is only for UDP virtual services");
		if (!c->svc.sched[0])
			strcpy(c->svc.sched, DEF_SCHED);
		if (c->options & OPT(PE))
			return fail(p, "Persistence engines (--pe) are not supported by vlb");
	}

	if (c->cmd == CMD_ADDDEST || c->cmd == CMD_EDITDEST) {
		/* DR and tunnelled packets keep their port: ipvsadm forces it */
		if (!c->svc.fwmark &&
		    (c->dest.fwd == VLB_FWD_TUNNEL || c->dest.fwd == VLB_FWD_DROUTE))
			c->dest.port = c->svc.port;
		if (c->dest.af != c->svc.af && c->dest.fwd != VLB_FWD_TUNNEL)
			return fail(p, "Different address family is allowed only for tunneling servers");
		if (c->dest.fwd != VLB_FWD_TUNNEL &&
		    (c->options & (OPT(TUN_TYPE) | OPT(TUN_PORT) | OPT(TUN_NOCSUM) |
				   OPT(TUN_CSUM) | OPT(TUN_REMCSUM))))
			return fail(p, "Tunnel options conflict with forward method");
		if ((rc = tunnel_opt_check(p, c)))
			return rc;
	}

	if (c->cmd == CMD_LIST &&
	    (c->options & (OPT(CONNECTION) | OPT(TIMEOUT) | OPT(DAEMON))) &&
	    ((c->options & (OPT(STATS) | OPT(RATE) | OPT(THRESHOLDS))) ||
	     ((c->options & (OPT(TIMEOUT) | OPT(DAEMON))) &&
	      (c->options & OPT(PERSISTENTCONN)))))
		return fail(p, "options conflicts in the list command");

	if (c->cmd == CMD_STARTDAEMON || c->cmd == CMD_STOPDAEMON)
		return fail(p, "vlb has no connection synchronisation daemon: --%s is not supported",
			    cmdnames[c->cmd - 1]);

	/* vlb takes a prefix length where IPVS takes a dotted mask */
	if (c->svc.af == AF_INET6) {
		c->svc.netmask = c->netmask_raw <= 128 ? c->netmask_raw : 128;
	} else {
		int plen = vlbadm_mask_to_prefix(c->netmask_raw);

		if (plen < 0)
			return fail(p, "illegal virtual server persistent mask specified: "
				    "%s is not a contiguous netmask (vlb takes a prefix length)",
				    c->netmask_arg);
		c->svc.netmask = (uint32_t)plen;
	}
	return 0;
}

int vlbadm_parse(int argc, char **argv, struct vlbadm_cmd *c, int in_restore,
		 char *err, size_t errlen)
{
	struct parser p = {
		.argc = argc, .argv = argv, .idx = 1, .err = err, .errlen = errlen,
	};
	const char *optarg;
	int tag, rc = 0;

	memset(c, 0, sizeof(*c));
	c->progname = argv[0];
	c->dest.weight = 1;
	c->dest.fwd = VLB_FWD_DROUTE;
	c->netmask_raw = 0xffffffffu;
	err[0] = '\0';
	p.leftovers = calloc((size_t)argc + 1, sizeof(char *));
	if (!p.leftovers) {
		snprintf(err, errlen, "out of memory");
		return 1;
	}

	/* The first option must be the command. */
	tag = next_opt(&p, &optarg);
	switch (tag) {
	case 'A': c->cmd = CMD_ADD; break;
	case 'E': c->cmd = CMD_EDIT; break;
	case 'D': c->cmd = CMD_DEL; break;
	case 'a': c->cmd = CMD_ADDDEST; break;
	case 'e': c->cmd = CMD_EDITDEST; break;
	case 'd': c->cmd = CMD_DELDEST; break;
	case 'C': c->cmd = CMD_FLUSH; break;
	case 'L':
	case 'l': c->cmd = CMD_LIST; break;
	case 'Z': c->cmd = CMD_ZERO; break;
	case TAG_SET: c->cmd = CMD_TIMEOUT; break;
	case 'R': c->cmd = CMD_RESTORE; break;
	case 'S': c->cmd = CMD_SAVE; break;
	case TAG_MONITOR: c->cmd = CMD_MONITOR; break;
	case TAG_START_DAEMON:
	case TAG_STOP_DAEMON:
		c->cmd = tag == TAG_START_DAEMON ? CMD_STARTDAEMON : CMD_STOPDAEMON;
		if (strcmp(optarg, "master") && strcmp(optarg, "backup")) {
			rc = fail(&p, tag == TAG_START_DAEMON ?
				  "illegal start-daemon parameter specified" :
				  "illegal start_daemon specified");
			goto out;
		}
		break;
	case 'h':
		c->cmd = CMD_HELP;
		goto out;
	case 'v':
		c->cmd = CMD_VERSION;
		goto out;
	default:
		rc = tryhelp(&p);
		goto out;
	}

	while ((tag = next_opt(&p, &optarg)) >= 0) {
		if (tag == TAG_MONITOR || tag == TAG_SET || tag == TAG_START_DAEMON ||
		    tag == TAG_STOP_DAEMON || (tag < 128 && strchr("hvAEDaedCLlZRS", tag)))
			tag = -100;	/* a second command: "invalid option" */
		rc = handle_option(&p, c, tag < 0 ? 0 : tag, optarg);
		if (rc)
			goto out;
	}
	if (tag != POPT_END) {
		snprintf(err, errlen, "%s: %s", p.cur_arg, popt_strerror(tag));
		rc = EXIT_POPT;
		goto out;
	}

	if (c->cmd == CMD_TIMEOUT) {
		int i;

		if (p.nleft - p.leftpos < 3) {
			rc = fail(&p, "--set option requires 3 timeout values");
			goto out;
		}
		for (i = 0; i < 3; i++) {
			long n = parse_timeout(&p, p.leftovers[p.leftpos++], 0, MAX_TIMEOUT, &rc);

			if (rc)
				goto out;
			c->timeouts[i] = (uint32_t)n;
		}
	}
	if (p.leftpos < p.nleft) {
		rc = fail(&p, "unexpected argument %s", p.leftovers[p.leftpos]);
		goto out;
	}
	if (c->sched_flags_arg[0] && (rc = parse_sched_flags(&p, c)))
		goto out;
	rc = process_checks(&p, c);
	if (!rc && c->cmd == CMD_RESTORE && in_restore)
		rc = tryhelp(&p);	/* ipvsadm: no -R inside -R */
out:
	free(p.leftovers);
	return rc;
}

void vlbadm_version(FILE *f)
{
	fprintf(f, "vlbadm v" VLBADM_VERSION " (ipvsadm v1.31 compatible, netlink family "
		VLB_GENL_NAME " v%d)\n", VLB_GENL_VERSION);
}

void vlbadm_usage(FILE *f, const char *p)
{
	vlbadm_version(f);
	fprintf(f,
		"Usage:\n"
		"  %s -A|E virtual-service [-s scheduler] [-p [timeout]] [-M netmask] [-b sched-flags] [-o]\n"
		"  %s -D virtual-service\n"
		"  %s -C\n"
		"  %s -R\n"
		"  %s -S [-n]\n"
		"  %s -a|e virtual-service -r server-address [options]\n"
		"  %s -d virtual-service -r server-address\n"
		"  %s -L|l [virtual-service] [options]\n"
		"  %s -Z [virtual-service]\n"
		"  %s --set tcp tcpfin udp\n"
		"  %s --monitor [-n]\n"
		"  %s -h\n\n",
		p, p, p, p, p, p, p, p, p, p, p, p);
	fprintf(f,
		"Commands:\n"
		"Either long or short options are allowed.\n"
		"  --add-service     -A        add virtual service with options\n"
		"  --edit-service    -E        edit virtual service with options\n"
		"  --delete-service  -D        delete virtual service\n"
		"  --clear           -C        clear the whole table\n"
		"  --restore         -R        restore rules from stdin\n"
		"  --save            -S        save rules to stdout\n"
		"  --add-server      -a        add real server with options\n"
		"  --edit-server     -e        edit real server with options\n"
		"  --delete-server   -d        delete real server\n"
		"  --list            -L|-l     list the table\n"
		"  --zero            -Z        zero counters in a service or all services\n"
		"  --set tcp tcpfin udp        set connection timeout values\n"
		"  --monitor                   print configuration changes as they happen\n"
		"  --help            -h        display this help message\n"
		"  --version         -v        display the version\n\n");
	fprintf(f,
		"virtual-service:\n"
		"  --tcp-service|-t  service-address   service-address is host[:port]\n"
		"  --udp-service|-u  service-address   service-address is host[:port]\n"
		"  --fwmark-service|-f fwmark          fwmark is an integer greater than zero\n\n");
	fprintf(f,
		"Options:\n"
		"  --ipv6         -6                   fwmark entry uses IPv6\n"
		"  --scheduler    -s scheduler         one of the schedulers vlb.ko provides,\n"
		"                                      the default scheduler is %s.\n"
		"  --persistent   -p [timeout]         persistent service (default timeout %d s)\n"
		"  --netmask      -M netmask           persistent granularity mask: a dotted\n"
		"                                      contiguous IPv4 mask or an IPv6 prefix length\n"
		"  --real-server  -r server-address    server-address is host (and port)\n"
		"  --gatewaying   -g                   gatewaying (direct routing) (default)\n"
		"  --ipip         -i                   ipip encapsulation (tunneling)\n"
		"  --masquerading -m                   masquerading (NAT)\n"
		"  --tun-type      type                one of ipip|gue|gre,\n"
		"                                      the default tunnel type is ipip.\n"
		"  --tun-port      port                tunnel destination port\n"
		"  --tun-nocsum                        tunnel encapsulation without checksum\n"
		"  --tun-csum                          tunnel encapsulation with checksum\n"
		"  --tun-remcsum                       tunnel encapsulation with remote checksum\n"
		"  --weight       -w weight            capacity of real server (0..2147483647)\n"
		"  --u-threshold  -x uthreshold        upper threshold of connections\n"
		"  --l-threshold  -y lthreshold        lower threshold of connections\n"
		"  --connection   -c                   output of current connections\n"
		"  --timeout                           output of timeout (tcp tcpfin udp)\n"
		"  --stats                             output of statistics information\n"
		"  --rate                              output of rate information\n"
		"  --exact        -X                   expand numbers (display exact values)\n"
		"  --thresholds                        output of thresholds information\n"
		"  --persistent-conn                   output of persistent connection info\n"
		"  --tun-info                          output of tunnel information\n"
		"  --nosort                            disable sorting output of service/server entries\n"
		"  --sort                              does nothing, for backwards compatibility\n"
		"  --json                              list as one JSON document\n"
		"  --ops          -o                   one-packet scheduling\n"
		"  --numeric      -n                   numeric output of addresses and ports\n"
		"  --sched-flags  -b flags             scheduler flags (comma-separated):\n"
		"                                      flag-1|flag-2|flag-3, sh-fallback|sh-port\n"
		"                                      (sh), mh-fallback|mh-port (mh)\n\n"
		"vlb has no connection sync daemon: --start-daemon, --stop-daemon and their\n"
		"options are refused, and -L --daemon prints nothing. See vlbadm(8).\n",
		DEF_SCHED, VLB_PERSIST_TIMEOUT_DEFAULT);
}

/*
 * -R input: words separated by blanks, "double" or 'single' quotes group,
 * '#' starts a comment; a first word "ipvsadm" or "vlbadm" (or a path ending
 * in one) is dropped so ipvsadm-written files and scripts restore as they are.
 */
char **vlbadm_split_line(const char *line, const char *prog, int *argc,
			 char *err, size_t errlen)
{
	size_t cap = 8, n = 1, len = strlen(line);
	char **argv = calloc(cap, sizeof(char *));
	char *word = malloc(len + 1);
	const char *s = line;

	err[0] = '\0';
	if (!argv || !word)
		goto nomem;
	argv[0] = strdup(prog);
	if (!argv[0])
		goto nomem;
	for (;;) {
		size_t w = 0;
		int have = 0;

		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			s++;
		if (!*s || *s == '#')
			break;
		while (*s && *s != ' ' && *s != '\t' && *s != '\n' && *s != '\r') {
			if (*s == '"' || *s == '\'') {
				char q = *s++;

				while (*s && *s != q)
					word[w++] = *s++;
				if (*s != q) {
					snprintf(err, errlen, "unterminated quote");
					goto fail;
				}
				s++;
				have = 1;
				continue;
			}
			word[w++] = *s++;
			have = 1;
		}
		if (!have)
			continue;
		word[w] = '\0';
		if (n == 1) {
			const char *base = strrchr(word, '/');

			base = base ? base + 1 : word;
			if (!strcmp(base, "ipvsadm") || !strcmp(base, "vlbadm"))
				continue;
		}
		if (n + 2 > cap) {
			char **nv = realloc(argv, (cap *= 2) * sizeof(char *));

			if (!nv)
				goto nomem;
			argv = nv;
		}
		argv[n] = strdup(word);
		if (!argv[n])
			goto nomem;
		argv[++n] = NULL;
	}
	free(word);
	if (n == 1) {
		vlbadm_free_argv(argv);
		*argc = 0;
		return NULL;
	}
	*argc = (int)n;
	return argv;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	free(word);
	vlbadm_free_argv(argv);
	*argc = 0;
	return NULL;
}

void vlbadm_free_argv(char **argv)
{
	size_t i;

	if (!argv)
		return;
	for (i = 0; argv[i]; i++)
		free(argv[i]);
	free(argv);
}

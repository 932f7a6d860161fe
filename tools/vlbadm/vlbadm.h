/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vlbadm: the types shared by the admin tool's parts. The tool is split so
 * that everything but netlink.c, restore.c and monitor.c runs without a
 * kernel: parse.c turns an ipvsadm-style argv into a struct vlbadm_cmd,
 * list.c and json.c print a struct vlbadm_table the way ipvsadm 1.31 does,
 * addr.c converts addresses and names. The unit tests drive those directly.
 */
#ifndef VLBADM_H
#define VLBADM_H

#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/vlb.h>

#define VLBADM_VERSION "0.1.0"

/* Commands, in ipvsadm's order (its option matrix is indexed by them). */
enum vlbadm_cmd_id {
	CMD_NONE,
	CMD_ADD,
	CMD_EDIT,
	CMD_DEL,
	CMD_FLUSH,
	CMD_LIST,
	CMD_ADDDEST,
	CMD_DELDEST,
	CMD_EDITDEST,
	CMD_TIMEOUT,
	CMD_STARTDAEMON,
	CMD_STOPDAEMON,
	CMD_RESTORE,
	CMD_SAVE,
	CMD_ZERO,
	CMD_MONITOR,		/* vlbadm only; not in the matrix */
	CMD_HELP,
	CMD_VERSION,
};

/* Option bits, in ipvsadm's order, again because of the matrix. */
enum vlbadm_opt_bit {
	OPTB_NUMERIC, OPTB_CONNECTION, OPTB_SERVICE, OPTB_SCHEDULER,
	OPTB_PERSISTENT, OPTB_NETMASK, OPTB_SERVER, OPTB_FORWARD, OPTB_WEIGHT,
	OPTB_UTHRESHOLD, OPTB_LTHRESHOLD, OPTB_MCAST, OPTB_TIMEOUT, OPTB_DAEMON,
	OPTB_STATS, OPTB_RATE, OPTB_THRESHOLDS, OPTB_PERSISTENTCONN, OPTB_NOSORT,
	OPTB_SYNCID, OPTB_EXACT, OPTB_ONEPACKET, OPTB_PE, OPTB_SCHED_FLAGS,
	OPTB_MCAST_GROUP, OPTB_MCAST_PORT, OPTB_MCAST_TTL, OPTB_SYNC_MAXLEN,
	OPTB_TUN_INFO, OPTB_TUN_TYPE, OPTB_TUN_PORT, OPTB_TUN_NOCSUM,
	OPTB_TUN_CSUM, OPTB_TUN_REMCSUM,
	OPTB_NUMBER,
	OPTB_JSON = OPTB_NUMBER,	/* vlbadm only */
};
#define OPT(b) (1ULL << OPTB_##b)

/* Listing formats. */
#define FMT_NUMERIC		0x0001
#define FMT_RULE		0x0002
#define FMT_STATS		0x0004
#define FMT_RATE		0x0008
#define FMT_THRESHOLDS		0x0010
#define FMT_PERSISTENTCONN	0x0020
#define FMT_NOSORT		0x0040
#define FMT_EXACT		0x0080
#define FMT_TUN_INFO		0x0100
#define FMT_JSON		0x0200

union vlb_addr {
	struct in_addr in;
	struct in6_addr in6;
	unsigned char b[16];
};

struct vlb_stats {
	uint64_t conns, inpkts, outpkts, inbytes, outbytes;
	uint64_t cps, inpps, outpps, inbps, outbps;
};

struct vlb_dest {
	uint16_t af;
	union vlb_addr addr;	/* network order, zero padded */
	uint16_t port;		/* host order */
	uint32_t fwd;		/* enum vlb_fwd_method */
	uint32_t weight;
	uint32_t u_thresh, l_thresh;
	uint8_t tun_type;
	uint16_t tun_port;	/* host order */
	uint16_t tun_flags;
	uint32_t active, inact, persist;
	struct vlb_stats stats;
};

struct vlb_service {
	uint16_t af;
	uint16_t protocol;	/* IPPROTO_TCP/UDP; 0 for fwmark services */
	union vlb_addr addr;
	uint16_t port;		/* host order */
	uint32_t fwmark;
	char sched[VLB_SCHED_NAME_MAX];
	uint32_t flags;		/* enum vlb_svc_flags */
	uint32_t timeout;	/* seconds */
	uint32_t netmask;	/* prefix length */
	uint32_t num_dests;
	struct vlb_stats stats;
	struct vlb_dest *dests;
	int ndests;
};

struct vlb_conn {
	uint16_t af, dest_af, protocol;
	union vlb_addr caddr, vaddr, daddr;
	uint16_t cport, vport, dport;	/* host order */
	uint32_t fwmark;
	uint8_t state;
	uint32_t expires;		/* milliseconds */
	uint32_t flags;
};

/* What a listing shows: filled from the kernel or, in tests, a fixture. */
struct vlbadm_table {
	uint32_t version;		/* 0x00MMmmpp */
	uint32_t conn_tab_size;
	uint32_t conn_count, conn_max;	/* entries now, and the limit */
	uint64_t conn_drops;		/* new flows refused: table full */
	uint32_t t_tcp, t_tcpfin, t_udp;
	struct vlb_service *svcs;
	int nsvcs;
	struct vlb_conn *conns;
	int nconns;
};

/* A parsed command line: what ipvsadm calls an ipvs_command_entry. */
struct vlbadm_cmd {
	int cmd;
	uint64_t options;
	unsigned int format;
	struct vlb_service svc;
	struct vlb_dest dest;
	/* ipvsadm's netmask while parsing: be32 mask for IPv4, prefix for IPv6 */
	uint32_t netmask_raw;
	char netmask_arg[64];
	char sched_flags_arg[128];
	uint32_t timeouts[3];
	const char *progname;
};

/* parse.c */
#define VLBADM_ERRLEN 512
/*
 * Parse argv (argv[0] the program name) into @c. Returns 0 when @c holds a
 * command to run, else the exit status, with the message in @err (an empty
 * message means none is printed). @in_restore is set for -R lines.
 */
int vlbadm_parse(int argc, char **argv, struct vlbadm_cmd *c, int in_restore,
		 char *err, size_t errlen);
void vlbadm_usage(FILE *f, const char *prog);
void vlbadm_version(FILE *f);
/* Split a -R input line into argv (argv[0] = @prog); NULL if empty. */
char **vlbadm_split_line(const char *line, const char *prog, int *argc,
			 char *err, size_t errlen);
void vlbadm_free_argv(char **argv);

/* addr.c */
long vlbadm_number(const char *s, long min, long max);
int vlbadm_parse_service(const char *arg, uint16_t protocol, uint16_t *af,
			 union vlb_addr *addr, uint16_t *port, uint32_t *netmask);
int vlbadm_mask_to_prefix(uint32_t be_mask);
uint32_t vlbadm_prefix_to_mask(unsigned int plen);
/* ipvsadm's addrport_to_anyname: at most 59 characters. */
void vlbadm_addrport(char *buf, size_t len, int af, const union vlb_addr *a,
		     uint16_t port, uint16_t proto, unsigned int format);
const char *vlbadm_ntop(int af, const union vlb_addr *a, char *buf, size_t len);

/* What a listing needs from the kernel. */
#define VLBADM_GET_SVCS		0x1
#define VLBADM_GET_ONE		0x2
#define VLBADM_GET_TIMEOUTS	0x4
#define VLBADM_GET_CONNS	0x8

/* list.c */
int vlbadm_cmp_services(const void *a, const void *b);
int vlbadm_cmp_dests(const void *a, const void *b);
void vlbadm_sort(struct vlbadm_table *t, unsigned int format);
void vlbadm_print_number(FILE *f, uint64_t n, unsigned int format);
void vlbadm_print_title(FILE *f, unsigned int format);
void vlbadm_print_service(FILE *f, const struct vlb_service *s, unsigned int format);
void vlbadm_print_all(FILE *f, const struct vlbadm_table *t, unsigned int format);
void vlbadm_print_timeout(FILE *f, const struct vlbadm_table *t);
void vlbadm_print_conns(FILE *f, const struct vlbadm_table *t, unsigned int format);
void vlbadm_svc_rule_name(char *buf, size_t len, const struct vlb_service *s,
			  unsigned int format);
void vlbadm_print_svc_rule(FILE *f, const char *cmd, const struct vlb_service *s,
			   unsigned int format);
void vlbadm_print_dest_rule(FILE *f, const char *cmd, const struct vlb_service *s,
			    const struct vlb_dest *d, unsigned int format);
const char *vlbadm_fwd_name(uint32_t fwd);
void vlbadm_table_free(struct vlbadm_table *t);
/* What -L/-S with these options needs fetched, and printing it. */
unsigned int vlbadm_listing_needs(struct vlbadm_cmd *c);
void vlbadm_print_listing(FILE *f, struct vlbadm_cmd *c, struct vlbadm_table *t);

/* json.c */
void vlbadm_json_all(FILE *f, const struct vlbadm_table *t, int with_svcs,
		     int with_timeouts, int with_conns);

/* netlink.c */
struct vlb_nl;
int vlbadm_open(struct vlb_nl **nl);
void vlbadm_close(struct vlb_nl *nl);
int vlbadm_run(struct vlb_nl *nl, struct vlbadm_cmd *c);
/* Fill @t: info always, then what VLBADM_GET_* says. */
int vlbadm_fetch(struct vlb_nl *nl, struct vlbadm_table *t, unsigned int what,
		 const struct vlb_service *one);
const char *vlbadm_strerror(int cmd, int err);
void vlbadm_print_kernel_error(const char *prefix, int cmd, int err, const char *ext);

/* request.c: @c as a request for family @family in @buf; its length or <0 */
struct nlmsghdr;
int vlbadm_build_request(uint16_t family, uint32_t seq, const struct vlbadm_cmd *c,
			 void *buf, size_t len);
int vlbadm_request_cmd(int cmd);
void vlbadm_put_service(struct nlmsghdr *nlh, const struct vlb_service *s, int full);
/* Parse a VLB_A_SERVICE / VLB_A_DEST / VLB_A_CONN nest (decode.c). */
struct nlattr;
int vlbadm_decode_service(const struct nlattr *nest, struct vlb_service *s);
int vlbadm_decode_dest(const struct nlattr *nest, struct vlb_dest *d);
int vlbadm_decode_conn(const struct nlattr *nest, struct vlb_conn *c);

/* restore.c */
int vlbadm_restore(struct vlb_nl *nl, FILE *in, const char *prog);

/* monitor.c */
int vlbadm_monitor(struct vlb_nl *nl, unsigned int format);

#endif /* VLBADM_H */

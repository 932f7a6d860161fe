/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * vlb: the generic netlink API between the vlb.ko load balancer and its tools.
 *
 * Family VLB_GENL_NAME ("vlb"), version VLB_GENL_VERSION (1), no family
 * header after struct genlmsghdr. The family is per network namespace: every
 * command acts on the namespace of the socket that sends it. Every command,
 * GETs included, needs CAP_NET_ADMIN in the user namespace that owns that
 * network namespace (GENL_UNS_ADMIN_PERM).
 *
 * Attributes are validated strictly: an unknown attribute, a wrong type or
 * length, a flag bit outside the defined mask or an out-of-range value fails
 * the whole request with an errno and an extended ACK message naming the
 * offending attribute (NLMSGERR_ATTR_MSG and NLMSGERR_ATTR_OFFS). A request
 * that fails changes nothing.
 *
 * Addresses (VLB_SVC_A_ADDR, VLB_DEST_A_ADDR, VLB_CONN_A_*ADDR) are binary,
 * network byte order, exactly 4 bytes for AF_INET and 16 bytes for AF_INET6.
 * Ports are NLA_BE16 (network byte order).
 *
 * A service is identified by VLB_SVC_A_AF plus either VLB_SVC_A_FWMARK, or
 * VLB_SVC_A_PROTOCOL + VLB_SVC_A_ADDR + VLB_SVC_A_PORT. A destination of a
 * service is identified by VLB_DEST_A_ADDR + VLB_DEST_A_PORT (and
 * VLB_DEST_A_AF when it differs from the service's family).
 *
 * Commands
 * --------
 *
 * VLB_CMD_NEW_SERVICE (do): add a virtual service.
 *     VLB_A_SERVICE: NLA_NESTED
 *         VLB_SVC_A_AF: NLA_U16, AF_INET or AF_INET6 (required)
 *         VLB_SVC_A_PROTOCOL: NLA_U16, IPPROTO_TCP or IPPROTO_UDP
 *         VLB_SVC_A_ADDR: NLA_BINARY, 4 or 16 bytes
 *         VLB_SVC_A_PORT: NLA_BE16; 0 only for a persistent service
 *         VLB_SVC_A_FWMARK: NLA_U32, 1..2^32-1, instead of the three above
 *         VLB_SVC_A_SCHED_NAME: NLA_NUL_STRING, at most VLB_SCHED_NAME_MAX
 *                               bytes with the NUL; default "wlc"
 *         VLB_SVC_A_FLAGS: NLA_U32, a set of enum vlb_svc_flags; default 0
 *         VLB_SVC_A_TIMEOUT: NLA_U32, persistence timeout in seconds,
 *                            1..2678400; default 360 when persistent
 *         VLB_SVC_A_NETMASK: NLA_U32, persistence granularity as a prefix
 *                            length, 0..32 (IPv4) or 0..128 (IPv6); default
 *                            32 or 128
 *     Fails with EEXIST if the service exists, ENOENT for an unknown
 *     scheduler, EINVAL for a bad combination (named in the extack).
 *
 * VLB_CMD_SET_SERVICE (do): change a service. Same attributes as NEW; the
 *     identity selects the service, and each of SCHED_NAME, FLAGS, TIMEOUT
 *     and NETMASK that is present replaces the current value (absent ones
 *     are kept). ESRCH if there is no such service.
 *
 * VLB_CMD_DEL_SERVICE (do): delete a service and all its destinations.
 *     VLB_A_SERVICE with the identity only. ESRCH if there is none.
 *
 * VLB_CMD_GET_SERVICE (do or dump): with NLM_F_DUMP, every service of the
 *     namespace, one VLB_CMD_NEW_SERVICE message each; as a do, the one
 *     service named by the identity in VLB_A_SERVICE. Each reply holds
 *     VLB_A_SERVICE with the identity, SCHED_NAME, FLAGS, TIMEOUT, NETMASK,
 *     VLB_SVC_A_NUM_DESTS (NLA_U32) and VLB_SVC_A_STATS.
 *
 * VLB_CMD_NEW_DEST (do): add a destination (real server) to a service.
 *     VLB_A_SERVICE: the service identity
 *     VLB_A_DEST: NLA_NESTED
 *         VLB_DEST_A_ADDR: NLA_BINARY, 4 or 16 bytes (required)
 *         VLB_DEST_A_PORT: NLA_BE16 (required; 0 only for fwmark and
 *                          port-0 services, meaning "keep the packet's
 *                          port")
 *         VLB_DEST_A_AF: NLA_U16, default the service's; may differ only
 *                        for VLB_FWD_TUNNEL
 *         VLB_DEST_A_FWD_METHOD: NLA_U32, enum vlb_fwd_method; default
 *                                VLB_FWD_DROUTE
 *         VLB_DEST_A_WEIGHT: NLA_U32, 0..INT_MAX; default 1. 0 quiesces.
 *         VLB_DEST_A_U_THRESH: NLA_U32, 0 (none)..INT_MAX
 *         VLB_DEST_A_L_THRESH: NLA_U32, 0..U_THRESH (0 means 3/4 of it)
 *         VLB_DEST_A_TUN_TYPE: NLA_U8, enum vlb_tun_type (tunnel only)
 *         VLB_DEST_A_TUN_PORT: NLA_BE16, GUE only, non-zero
 *         VLB_DEST_A_TUN_FLAGS: NLA_U16, enum vlb_tun_flags (tunnel only)
 *     EEXIST if the destination exists, ESRCH if the service does not.
 *
 * VLB_CMD_SET_DEST (do): change a destination. Present attributes replace
 *     the current values. ENOENT if there is no such destination.
 *
 * VLB_CMD_DEL_DEST (do): remove a destination. Its connections stay until
 *     they expire. ENOENT if there is no such destination.
 *
 * VLB_CMD_GET_DEST (dump): every destination of the service named in the
 *     request's VLB_A_SERVICE, one VLB_CMD_NEW_DEST message each, holding
 *     VLB_A_SERVICE (identity) and VLB_A_DEST with ADDR, PORT, AF,
 *     FWD_METHOD, WEIGHT, U_THRESH, L_THRESH, TUN_TYPE, TUN_PORT, TUN_FLAGS,
 *     ACTIVE_CONNS, INACT_CONNS, PERSIST_CONNS (NLA_U32) and STATS.
 *
 * VLB_CMD_FLUSH (do): delete every service of the namespace.
 *
 * VLB_CMD_ZERO (do): zero the counters and rates of the service named in
 *     VLB_A_SERVICE and its destinations, or of everything when absent.
 *
 * VLB_CMD_SET_CONFIG (do): set protocol timeouts, in seconds; each of
 *     VLB_A_TIMEOUT_TCP (established), VLB_A_TIMEOUT_TCP_FIN (FIN_WAIT) and
 *     VLB_A_TIMEOUT_UDP (NLA_U32) is optional, 0 keeps the current value,
 *     at most 2678400 (31 days).
 *
 * VLB_CMD_GET_CONFIG (do): replies VLB_CMD_SET_CONFIG with the three
 *     timeouts.
 *
 * VLB_CMD_GET_INFO (do): replies VLB_CMD_GET_INFO with VLB_A_VERSION
 *     (NLA_U32, 0x00MMmmpp), VLB_A_CONN_TAB_SIZE (NLA_U32, the current
 *     number of buckets of the connection table), VLB_A_CONN_COUNT (NLA_U32,
 *     entries in it, persistence templates included), VLB_A_CONN_MAX
 *     (NLA_U32, the limit set by the net.vlb.conn_max sysctl) and
 *     VLB_A_CONN_DROPS (NLA_U64, new flows refused because the table was
 *     full, since the namespace began).
 *
 * VLB_CMD_GET_CONN (dump): every connection of the namespace, one
 *     VLB_CMD_GET_CONN message each holding VLB_A_CONN: NLA_NESTED with
 *     VLB_CONN_A_AF, PROTOCOL (NLA_U16), CADDR, CPORT, VADDR, VPORT, DADDR,
 *     DPORT, DEST_AF, FWMARK (NLA_U32, when the service is a fwmark one),
 *     STATE (NLA_U8: enum vlb_tcp_state, or VLB_CONN_S_UDP),
 *     EXPIRES (NLA_U32, milliseconds left) and FLAGS (NLA_U32).
 *
 * Dumps of any size are split across as many messages as needed; the last
 * is NLMSG_DONE. A change made during a dump sets NLM_F_DUMP_INTR.
 *
 * Counters: VLB_SVC_A_STATS and VLB_DEST_A_STATS are NLA_NESTED with
 * VLB_STATS_A_CONNS, INPKTS, OUTPKTS, INBYTES, OUTBYTES (totals since the
 * last zero) and CPS, INPPS, OUTPPS, INBPS, OUTBPS (rates estimated over a
 * moving average as IPVS does), all NLA_U64 (with VLB_STATS_A_PAD).
 *
 * Persistence templates (services with VLB_SVC_F_PERSISTENT) are listed
 * by VLB_CMD_GET_CONN with VLB_CONN_F_TEMPLATE in FLAGS, client port 0,
 * STATE VLB_TCP_S_NONE and, for a firewall-mark service, PROTOCOL 0 and
 * the mark as VADDR, as IPVS lists them.
 *
 * Sysctls (per namespace, /proc/sys/net/vlb/): expire_nodest_conn,
 * expire_quiescent_template and sloppy_tcp (0 or 1, default 0) behave as
 * IPVS's of the same names (a UDP datagram of an expired connection is
 * scheduled anew); conn_max (1..2^30 entries; default one per KiB of RAM,
 * at least 65536: at 128 bytes an entry, an eighth of the memory) bounds
 * the connection table: past it new flows are dropped, counted in
 * VLB_A_CONN_DROPS, while known connections go on.
 *
 * Notifications: the multicast group VLB_GENL_MCGRP_CONFIG ("config")
 * receives one message per configuration change, after it is applied:
 * VLB_CMD_NEW_SERVICE, VLB_CMD_SET_SERVICE, VLB_CMD_DEL_SERVICE (with
 * VLB_A_SERVICE), VLB_CMD_NEW_DEST, VLB_CMD_SET_DEST, VLB_CMD_DEL_DEST (with
 * VLB_A_SERVICE and VLB_A_DEST), VLB_CMD_FLUSH and VLB_CMD_SET_CONFIG. Only
 * sockets in the same namespace receive them.
 */

#ifndef _UAPI_LINUX_VLB_H
#define _UAPI_LINUX_VLB_H

#include <linux/types.h>

#define VLB_GENL_NAME		"vlb"
#define VLB_GENL_VERSION	1
#define VLB_GENL_MCGRP_CONFIG	"config"

#define VLB_SCHED_NAME_MAX	16
#define VLB_PERSIST_TIMEOUT_DEFAULT	360
#define VLB_PERSIST_TIMEOUT_MAX	2678400
#define VLB_TIMEOUT_MAX		2678400

enum vlb_cmd {
	VLB_CMD_UNSPEC,
	VLB_CMD_NEW_SERVICE,
	VLB_CMD_SET_SERVICE,
	VLB_CMD_DEL_SERVICE,
	VLB_CMD_GET_SERVICE,
	VLB_CMD_NEW_DEST,
	VLB_CMD_SET_DEST,
	VLB_CMD_DEL_DEST,
	VLB_CMD_GET_DEST,
	VLB_CMD_FLUSH,
	VLB_CMD_ZERO,
	VLB_CMD_SET_CONFIG,
	VLB_CMD_GET_CONFIG,
	VLB_CMD_GET_INFO,
	VLB_CMD_GET_CONN,
	__VLB_CMD_MAX
};
#define VLB_CMD_MAX (__VLB_CMD_MAX - 1)

enum vlb_attr {
	VLB_A_UNSPEC,
	VLB_A_SERVICE,
	VLB_A_DEST,
	VLB_A_TIMEOUT_TCP,
	VLB_A_TIMEOUT_TCP_FIN,
	VLB_A_TIMEOUT_UDP,
	VLB_A_VERSION,
	VLB_A_CONN_TAB_SIZE,
	VLB_A_CONN,
	VLB_A_CONN_COUNT,
	VLB_A_CONN_MAX,
	VLB_A_CONN_DROPS,
	VLB_A_PAD,
	__VLB_A_MAX
};
#define VLB_A_MAX (__VLB_A_MAX - 1)

enum vlb_svc_attr {
	VLB_SVC_A_UNSPEC,
	VLB_SVC_A_AF,
	VLB_SVC_A_PROTOCOL,
	VLB_SVC_A_ADDR,
	VLB_SVC_A_PORT,
	VLB_SVC_A_FWMARK,
	VLB_SVC_A_SCHED_NAME,
	VLB_SVC_A_FLAGS,
	VLB_SVC_A_TIMEOUT,
	VLB_SVC_A_NETMASK,
	VLB_SVC_A_STATS,
	VLB_SVC_A_NUM_DESTS,
	__VLB_SVC_A_MAX
};
#define VLB_SVC_A_MAX (__VLB_SVC_A_MAX - 1)

/* Service flags; the values are IPVS's, so scripts and habits carry over. */
enum vlb_svc_flags {
	VLB_SVC_F_PERSISTENT	= 0x0001,	/* -p */
	VLB_SVC_F_ONEPACKET	= 0x0004,	/* -o, UDP and fwmark only */
	VLB_SVC_F_SCHED1	= 0x0008,	/* sh-fallback, mh-fallback */
	VLB_SVC_F_SCHED2	= 0x0010,	/* sh-port, mh-port */
	VLB_SVC_F_SCHED3	= 0x0020,
	__VLB_SVC_F_ALL		= 0x003d
};

enum vlb_dest_attr {
	VLB_DEST_A_UNSPEC,
	VLB_DEST_A_ADDR,
	VLB_DEST_A_PORT,
	VLB_DEST_A_AF,
	VLB_DEST_A_FWD_METHOD,
	VLB_DEST_A_WEIGHT,
	VLB_DEST_A_U_THRESH,
	VLB_DEST_A_L_THRESH,
	VLB_DEST_A_TUN_TYPE,
	VLB_DEST_A_TUN_PORT,
	VLB_DEST_A_TUN_FLAGS,
	VLB_DEST_A_ACTIVE_CONNS,
	VLB_DEST_A_INACT_CONNS,
	VLB_DEST_A_PERSIST_CONNS,
	VLB_DEST_A_STATS,
	__VLB_DEST_A_MAX
};
#define VLB_DEST_A_MAX (__VLB_DEST_A_MAX - 1)

/* Forwarding methods; values as IPVS's IP_VS_CONN_F_FWD_MASK codes. */
enum vlb_fwd_method {
	VLB_FWD_MASQ	= 0,	/* NAT, -m */
	VLB_FWD_LOCAL	= 1,	/* chosen by the kernel for local addresses */
	VLB_FWD_TUNNEL	= 2,	/* IP-in-IP, -i */
	VLB_FWD_DROUTE	= 3,	/* direct routing, -g */
	__VLB_FWD_MAX	= 3
};

enum vlb_tun_type {
	VLB_TUN_IPIP	= 0,
	VLB_TUN_GUE	= 1,
	VLB_TUN_GRE	= 2,
	__VLB_TUN_MAX	= 2
};

enum vlb_tun_flags {
	VLB_TUN_F_NOCSUM	= 0,
	VLB_TUN_F_CSUM		= 1,
	VLB_TUN_F_REMCSUM	= 2,
	__VLB_TUN_F_MAX		= 2
};

enum vlb_stats_attr {
	VLB_STATS_A_UNSPEC,
	VLB_STATS_A_CONNS,
	VLB_STATS_A_INPKTS,
	VLB_STATS_A_OUTPKTS,
	VLB_STATS_A_INBYTES,
	VLB_STATS_A_OUTBYTES,
	VLB_STATS_A_CPS,
	VLB_STATS_A_INPPS,
	VLB_STATS_A_OUTPPS,
	VLB_STATS_A_INBPS,
	VLB_STATS_A_OUTBPS,
	VLB_STATS_A_PAD,
	__VLB_STATS_A_MAX
};
#define VLB_STATS_A_MAX (__VLB_STATS_A_MAX - 1)

enum vlb_conn_attr {
	VLB_CONN_A_UNSPEC,
	VLB_CONN_A_AF,
	VLB_CONN_A_PROTOCOL,
	VLB_CONN_A_CADDR,
	VLB_CONN_A_CPORT,
	VLB_CONN_A_VADDR,
	VLB_CONN_A_VPORT,
	VLB_CONN_A_DADDR,
	VLB_CONN_A_DPORT,
	VLB_CONN_A_DEST_AF,
	VLB_CONN_A_FWMARK,
	VLB_CONN_A_STATE,
	VLB_CONN_A_EXPIRES,
	VLB_CONN_A_FLAGS,
	__VLB_CONN_A_MAX
};
#define VLB_CONN_A_MAX (__VLB_CONN_A_MAX - 1)

/* Connection states, in IPVS's order so listings read the same. */
enum vlb_tcp_state {
	VLB_TCP_S_NONE,
	VLB_TCP_S_ESTABLISHED,
	VLB_TCP_S_SYN_SENT,
	VLB_TCP_S_SYN_RECV,
	VLB_TCP_S_FIN_WAIT,
	VLB_TCP_S_TIME_WAIT,
	VLB_TCP_S_CLOSE,
	VLB_TCP_S_CLOSE_WAIT,
	VLB_TCP_S_LAST_ACK,
	VLB_TCP_S_LISTEN,
	VLB_TCP_S_SYNACK,
	__VLB_TCP_S_MAX
};
#define VLB_CONN_S_UDP	0xff

/* Connection flags reported by VLB_CONN_A_FLAGS. */
enum vlb_conn_flags {
	VLB_CONN_F_FWD_MASK	= 0x0007,	/* enum vlb_fwd_method */
	VLB_CONN_F_TEMPLATE	= 0x1000,	/* persistence template */
	VLB_CONN_F_INACTIVE	= 0x0010,
};

#endif /* _UAPI_LINUX_VLB_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the packet path knows about TCP and UDP: reading ports and flags
 * from a packet, the TCP state machine that drives per-state timeouts and
 * the active/inactive counts, and rewriting ports and the L4 checksum when
 * an address or port changes under NAT.
 */
#ifndef _VLB_PROTO_H
#define _VLB_PROTO_H

#include <linux/skbuff.h>
#include <linux/netfilter.h>
#include <linux/tcp.h>
#include <linux/udp.h>

#include "vlb.h"

struct vlb_conn;

/* TCP flags the state machine looks at. */
#define VLB_TCPF_SYN	0x01
#define VLB_TCPF_ACK	0x02
#define VLB_TCPF_FIN	0x04
#define VLB_TCPF_RST	0x08

/* A parsed packet: the addresses and ports of its L3/L4 headers. */
struct vlb_pkt {
	union nf_inet_addr saddr;
	union nf_inet_addr daddr;
	unsigned int thoff;		/* offset of the L4 header */
	__be16 sport, dport;
	u8 af;
	u8 protocol;
	u8 tcp_flags;			/* VLB_TCPF_*, TCP only */
};

/*
 * The helpers a packet calls on its way through are inline: under the
 * emulated CPUs vlb is tested on, and natively to a lesser degree, a call
 * costs more than most of them do.
 */

/* Fill the L4 part of p (ports, flags); false if it is not TCP or UDP. */
static inline bool vlb_proto_parse(const struct sk_buff *skb,
				   struct vlb_pkt *p)
{
	switch (p->protocol) {
	case IPPROTO_TCP: {
		struct tcphdr _th;
		const struct tcphdr *th;

		th = skb_header_pointer(skb, p->thoff, sizeof(_th), &_th);
		if (!th)
			return false;
		p->sport = th->source;
		p->dport = th->dest;
		p->tcp_flags = (th->syn ? VLB_TCPF_SYN : 0) |
			       (th->ack ? VLB_TCPF_ACK : 0) |
			       (th->fin ? VLB_TCPF_FIN : 0) |
			       (th->rst ? VLB_TCPF_RST : 0);
		return true;
	}
	case IPPROTO_UDP: {
		struct udphdr _uh;
		const struct udphdr *uh;

		uh = skb_header_pointer(skb, p->thoff, sizeof(_uh), &_uh);
		if (!uh)
			return false;
		p->sport = uh->source;
		p->dport = uh->dest;
		p->tcp_flags = 0;
		return true;
	}
	}
	return false;
}

/* A TCP segment that may open a connection: SYN without ACK or RST. */
static inline bool vlb_pkt_is_syn(const struct vlb_pkt *p)
{
	return p->protocol == IPPROTO_TCP &&
	       (p->tcp_flags & (VLB_TCPF_SYN | VLB_TCPF_ACK | VLB_TCPF_RST)) ==
	       VLB_TCPF_SYN;
}

/* State of a new connection opened by the packet p. */
static inline u8 vlb_proto_initial_state(const struct vlb_pkt *p)
{
	/* The director has seen the client's SYN: IPVS calls it SYN_RECV. */
	return p->protocol == IPPROTO_TCP ? VLB_TCP_S_SYN_RECV : VLB_CONN_S_UDP;
}

void vlb_tcp_state_update(struct vlb_conn *cp, u8 tcp_flags, int dir);

/* Advance the connection's state for a packet seen in direction dir. */
static inline void vlb_proto_state_update(struct vlb_conn *cp,
					  const struct vlb_pkt *p, int dir)
{
	if (p->protocol == IPPROTO_TCP)
		vlb_tcp_state_update(cp, p->tcp_flags, dir);
}

/*
 * A connection in this state counts as active on its destination, as IPVS
 * counts them (ip_vs_proto_tcp.c set_tcp_state): a TCP connection while
 * ESTABLISHED, and in no other state, handshake included: half-open
 * connections (a SYN flood) weigh on the least-connection schedulers as
 * inactive ones. UDP has no state: always inactive.
 */
static inline bool vlb_proto_state_active(u8 protocol, u8 state)
{
	return protocol == IPPROTO_TCP && state == VLB_TCP_S_ESTABLISHED;
}

/* A closed connection whose tuple a new SYN may take over. */
static inline bool vlb_proto_state_reusable(u8 protocol, u8 state)
{
	return protocol == IPPROTO_TCP &&
	       (state == VLB_TCP_S_TIME_WAIT || state == VLB_TCP_S_CLOSE);
}

/* IPVS's defaults for the states whose timeout cannot be set, in seconds. */
extern const u16 vlb_tcp_timeouts[__VLB_TCP_S_MAX];

/* The idle timeout of a connection in its current state, in jiffies. */
static inline unsigned long vlb_proto_timeout(const struct vlb_net *vn,
					      u8 protocol, u8 state)
{
	if (protocol != IPPROTO_TCP)
		return READ_ONCE(vn->timeout_udp);
	switch (state) {
	case VLB_TCP_S_ESTABLISHED:
		return READ_ONCE(vn->timeout_tcp);
	case VLB_TCP_S_FIN_WAIT:
		return READ_ONCE(vn->timeout_tcp_fin);
	}
	if (state >= __VLB_TCP_S_MAX)
		state = VLB_TCP_S_NONE;
	return vlb_tcp_timeouts[state] * HZ;
}

/* Bytes from the L4 header start that a NAT rewrite writes to. */
static inline unsigned int vlb_proto_nat_len(u8 protocol)
{
	/* Up to and including the checksum field. */
	return protocol == IPPROTO_TCP ?
	       offsetofend(struct tcphdr, check) :
	       sizeof(struct udphdr);
}

/*
 * Rewrite the source (src true) or destination port of the L4 header at
 * p->thoff to port, and fix its checksum for that and for the change of
 * the address (of family p->af) from old_addr to new_addr. The header must
 * be writable.
 */
void vlb_proto_nat(struct sk_buff *skb, const struct vlb_pkt *p, bool src,
		   const union nf_inet_addr *old_addr,
		   const union nf_inet_addr *new_addr, __be16 port);

#endif /* _VLB_PROTO_H */

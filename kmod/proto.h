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

/* Fill the L4 part of p (ports, flags); false if it is not TCP or UDP. */
bool vlb_proto_parse(const struct sk_buff *skb, struct vlb_pkt *p);

/* A TCP segment that may open a connection: SYN without ACK or RST. */
static inline bool vlb_pkt_is_syn(const struct vlb_pkt *p)
{
	return p->protocol == IPPROTO_TCP &&
	       (p->tcp_flags & (VLB_TCPF_SYN | VLB_TCPF_ACK | VLB_TCPF_RST)) ==
	       VLB_TCPF_SYN;
}

/* State of a new connection opened by the packet p. */
u8 vlb_proto_initial_state(const struct vlb_pkt *p);

/* Advance the connection's state for a packet seen in direction dir. */
void vlb_proto_state_update(struct vlb_conn *cp, const struct vlb_pkt *p,
			    int dir);

/* A connection in this state counts as active on its destination. */
bool vlb_proto_state_active(u8 protocol, u8 state);

/* A closed connection whose tuple a new SYN may take over. */
bool vlb_proto_state_reusable(u8 protocol, u8 state);

/* The idle timeout of a connection in its current state, in jiffies. */
unsigned long vlb_proto_timeout(const struct vlb_net *vn, u8 protocol,
				u8 state);

/* Bytes from the L4 header start that a NAT rewrite writes to. */
unsigned int vlb_proto_nat_len(u8 protocol);

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

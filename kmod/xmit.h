/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Forwarding a packet of a balanced connection: the header rewrites of each
 * method, the routing decision they need, and the refusal sent when a
 * service has no destination to offer.
 */
#ifndef _VLB_XMIT_H
#define _VLB_XMIT_H

#include <linux/skbuff.h>
#include <linux/netfilter.h>

struct vlb_conn;
struct vlb_pkt;

/*
 * NAT, client -> real server: the destination address and port become the
 * real server's. At PRE_ROUTING an IPv4 packet gets the input route kept
 * for the real server (route.c) where that is the kernel's choice too, and
 * the kernel routes it otherwise; at LOCAL_OUT it is routed again here.
 * 0 or a negative errno (drop).
 */
int vlb_xmit_nat_in_v4(struct sk_buff *skb, const struct vlb_conn *cp,
		       const struct vlb_pkt *p,
		       const struct nf_hook_state *state);
int vlb_xmit_nat_in_v6(struct sk_buff *skb, const struct vlb_conn *cp,
		       const struct vlb_pkt *p,
		       const struct nf_hook_state *state);

/*
 * NAT, real server -> client: the source becomes the virtual address and
 * port. For IPv4 the route is looked up first, on the real server's source
 * address, so that reverse-path and martian checks judge the packet as it
 * arrived.
 */
int vlb_xmit_nat_out_v4(struct sk_buff *skb, const struct vlb_conn *cp,
			const struct vlb_pkt *p,
			const struct nf_hook_state *state);
int vlb_xmit_nat_out_v6(struct sk_buff *skb, const struct vlb_conn *cp,
			const struct vlb_pkt *p,
			const struct nf_hook_state *state);

/*
 * Direct routing and tunnelling: the packet keeps the virtual address as
 * its destination and goes to the real server itself, over the link to it
 * (DR) or inside an outer IP header addressed to it (TUN: IPIP, IPv4 or
 * IPv6 outer header after the real server's family), and the real server
 * answers the client directly. At PRE_ROUTING vlb routes and sends the
 * packet as a router would (TTL, path MTU with ICMP errors to the client)
 * and returns NF_STOLEN; at LOCAL_OUT a DR packet only gets its new route
 * and NF_ACCEPT. NF_DROP when it cannot be sent.
 */
unsigned int vlb_xmit_dr(struct sk_buff *skb, const struct vlb_conn *cp,
			 const struct nf_hook_state *state);
unsigned int vlb_xmit_tunnel(struct sk_buff *skb, const struct vlb_conn *cp,
			     const struct nf_hook_state *state);

/* No destination: tell the client with an ICMP port unreachable. */
void vlb_xmit_reject_v4(struct sk_buff *skb,
			const struct nf_hook_state *state);
void vlb_xmit_reject_v6(struct sk_buff *skb,
			const struct nf_hook_state *state);

#endif /* _VLB_XMIT_H */

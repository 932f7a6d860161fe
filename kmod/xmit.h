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
 * real server's. At PRE_ROUTING the kernel routes the packet afterwards;
 * at LOCAL_OUT it is routed again here. 0 or a negative errno (drop).
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

/* No destination: tell the client with an ICMP port unreachable. */
void vlb_xmit_reject_v4(struct sk_buff *skb,
			const struct nf_hook_state *state);
void vlb_xmit_reject_v6(struct sk_buff *skb,
			const struct nf_hook_state *state);

#endif /* _VLB_XMIT_H */

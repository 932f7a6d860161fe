/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The routes vlb keeps for its packets (route.c): a destination's output
 * route for direct routing and tunnels, and its input route for NAT.
 */
#ifndef _VLB_ROUTE_H
#define _VLB_ROUTE_H

#include <linux/netfilter.h>
#include <net/dst.h>

#include "vlb.h"

/*
 * The route to destination d's address daddr, and the source address to
 * reach it from (when saddr is given), from d's per-CPU cache. flags
 * FLOWI_FLAG_KNOWN_NH for direct routing. NULL if there is none or the
 * address is the director's own. The caller owns a reference.
 */
struct dst_entry *vlb_route_out(struct net *net, struct vlb_dest *d,
				const union nf_inet_addr *daddr,
				union nf_inet_addr *saddr, u8 flags);

/*
 * Route a NAT packet just rewritten to destination d at PRE_ROUTING, IPv4,
 * as the kernel would (see route.c), or leave it to the kernel. 0, or the
 * kernel's error for a packet to drop.
 */
int vlb_route_in_v4(struct sk_buff *skb, const struct vlb_dest *d,
		    const struct nf_hook_state *state);

#endif /* _VLB_ROUTE_H */

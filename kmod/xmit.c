// SPDX-License-Identifier: GPL-2.0
/*
 * Forwarding methods. vlb rewrites packets in the PRE_ROUTING hook, before
 * the kernel's own route lookup, and then hands them back to the stack:
 * for NAT the rewritten packet is simply routed and forwarded like any
 * other (the director needs ip_forward=1, as with IPVS), so vlb never
 * builds or queues packets itself and the virtual address need not be a
 * local one. Packets the director sends itself to a virtual service are
 * seen at LOCAL_OUT and routed again after the rewrite.
 */
#include <linux/ip.h>
#include <linux/icmp.h>
#include <linux/netfilter_ipv4.h>
#include <net/ip.h>
#include <net/dst_metadata.h>
#include <net/icmp.h>
#include <net/route.h>

#include "conn.h"
#include "proto.h"
#include "xmit.h"

int vlb_xmit_nat_in_v4(struct sk_buff *skb, const struct vlb_conn *cp,
		       const struct vlb_pkt *p,
		       const struct nf_hook_state *state)
{
	__be32 old, new = cp->daddr.ip;
	struct iphdr *iph;

	if (skb_ensure_writable(skb, p->thoff + vlb_proto_nat_len(p->protocol)))
		return -ENOMEM;
	iph = ip_hdr(skb);
	old = iph->daddr;
	vlb_proto_nat_v4(skb, p, false, old, new, cp->dport);
	csum_replace4(&iph->check, old, new);
	iph->daddr = new;

	if (state->hook == NF_INET_LOCAL_OUT)
		return ip_route_me_harder(state->net, state->sk, skb,
					  RTN_UNSPEC);
	/* Whatever route came with the packet was for the old address. */
	if (skb_valid_dst(skb))
		skb_dst_drop(skb);
	return 0;
}

int vlb_xmit_nat_out_v4(struct sk_buff *skb, const struct vlb_conn *cp,
			const struct vlb_pkt *p,
			const struct nf_hook_state *state)
{
	__be32 old, new = cp->vaddr.ip;
	struct iphdr *iph;
	int err;

	if (skb_ensure_writable(skb, p->thoff + vlb_proto_nat_len(p->protocol)))
		return -ENOMEM;
	iph = ip_hdr(skb);
	old = iph->saddr;

	/*
	 * Route now, while the source is still the real server's: after the
	 * rewrite it is the virtual address, which the director may own, and
	 * the input route would reject a packet arriving from outside with a
	 * local source as a martian.
	 */
	if (state->hook == NF_INET_PRE_ROUTING && !skb_valid_dst(skb)) {
		err = ip_route_input_noref(skb, iph->daddr, old, iph->tos,
					   state->in);
		if (err)
			return err;
	}

	vlb_proto_nat_v4(skb, p, true, old, new, cp->vport);
	csum_replace4(&iph->check, old, new);
	iph->saddr = new;
	return 0;
}

void vlb_xmit_reject_v4(struct sk_buff *skb,
			const struct nf_hook_state *state)
{
	const struct iphdr *iph = ip_hdr(skb);

	/* icmp_send() needs the input route to find its way and source. */
	if (state->hook == NF_INET_PRE_ROUTING && !skb_valid_dst(skb) &&
	    ip_route_input_noref(skb, iph->daddr, iph->saddr, iph->tos,
				 state->in))
		return;
	icmp_send(skb, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0);
}

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
#include <linux/icmpv6.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <net/ip.h>
#include <net/dst_metadata.h>
#include <net/icmp.h>
#include <net/route.h>
#include <net/ipv6.h>

#include "conn.h"
#include "proto.h"
#include "xmit.h"

int vlb_xmit_nat_in_v4(struct sk_buff *skb, const struct vlb_conn *cp,
		       const struct vlb_pkt *p,
		       const struct nf_hook_state *state)
{
	struct iphdr *iph;

	if (skb_ensure_writable(skb, p->thoff + vlb_proto_nat_len(p->protocol)))
		return -ENOMEM;
	iph = ip_hdr(skb);
	vlb_proto_nat(skb, p, false, &p->daddr, &cp->daddr, cp->dport);
	csum_replace4(&iph->check, iph->daddr, cp->daddr.ip);
	iph->daddr = cp->daddr.ip;

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
	struct iphdr *iph;
	int err;

	if (skb_ensure_writable(skb, p->thoff + vlb_proto_nat_len(p->protocol)))
		return -ENOMEM;
	iph = ip_hdr(skb);

	/*
	 * Route now, while the source is still the real server's: after the
	 * rewrite it is the virtual address, which the director may own, and
	 * the input route would reject a packet arriving from outside with a
	 * local source as a martian.
	 */
	if (state->hook == NF_INET_PRE_ROUTING && !skb_valid_dst(skb)) {
		err = ip_route_input_noref(skb, iph->daddr, iph->saddr,
					   iph->tos, state->in);
		if (err)
			return err;
	}

	vlb_proto_nat(skb, p, true, &p->saddr, &cp->vaddr, cp->vport);
	csum_replace4(&iph->check, iph->saddr, cp->vaddr.ip);
	iph->saddr = cp->vaddr.ip;
	return 0;
}

int vlb_xmit_nat_in_v6(struct sk_buff *skb, const struct vlb_conn *cp,
		       const struct vlb_pkt *p,
		       const struct nf_hook_state *state)
{
	if (skb_ensure_writable(skb, p->thoff + vlb_proto_nat_len(p->protocol)))
		return -ENOMEM;
	/* IPv6 has no header checksum: only L4's covers the address. */
	vlb_proto_nat(skb, p, false, &p->daddr, &cp->daddr, cp->dport);
	ipv6_hdr(skb)->daddr = cp->daddr.in6;

	if (state->hook == NF_INET_LOCAL_OUT)
		return ip6_route_me_harder(state->net, state->sk, skb);
	if (skb_valid_dst(skb))
		skb_dst_drop(skb);
	return 0;
}

int vlb_xmit_nat_out_v6(struct sk_buff *skb, const struct vlb_conn *cp,
			const struct vlb_pkt *p,
			const struct nf_hook_state *state)
{
	if (skb_ensure_writable(skb, p->thoff + vlb_proto_nat_len(p->protocol)))
		return -ENOMEM;
	/*
	 * IPv6 input does not judge the source address, so unlike IPv4 the
	 * kernel may route the packet after the rewrite.
	 */
	vlb_proto_nat(skb, p, true, &p->saddr, &cp->vaddr, cp->vport);
	ipv6_hdr(skb)->saddr = cp->vaddr.in6;
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

void vlb_xmit_reject_v6(struct sk_buff *skb,
			const struct nf_hook_state *state)
{
	const struct nf_ipv6_ops *v6ops = nf_get_ipv6_ops();

	/* Give icmpv6_send() the input route it expects, as for IPv4. */
	if (state->hook == NF_INET_PRE_ROUTING && !skb_valid_dst(skb)) {
		if (!v6ops || !v6ops->route_input)
			return;
		v6ops->route_input(skb);
		if (!skb_dst(skb) || skb_dst(skb)->error)
			return;
	}
	icmpv6_send(skb, ICMPV6_DEST_UNREACH, ICMPV6_PORT_UNREACH, 0);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Forwarding methods. vlb rewrites packets in the PRE_ROUTING hook, before
 * the kernel's own route lookup, and then hands them back to the stack:
 * for NAT the rewritten packet is simply routed and forwarded like any
 * other (the director needs ip_forward=1, as with IPVS), so the virtual
 * address need not be a local one. Packets the director sends itself to a
 * virtual service are seen at LOCAL_OUT and routed again after the rewrite.
 *
 * Direct routing and tunnelling cannot be left to the kernel's routing:
 * the packet's destination stays the virtual address, but it must go to
 * one real server. vlb routes it to the real server's address itself and
 * sends it on that route (with an outer header first for a tunnel), doing
 * what forwarding would: TTL, path MTU, ICMP errors back to the client.
 * Routes come from a per-destination cache (route.c), so a packet
 * allocates nothing; a tunnel header goes into the skb's headroom.
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
#include <net/ip6_route.h>
#include <net/addrconf.h>
#include <net/ip_tunnels.h>
#include <net/dsfield.h>
#include <net/udp.h>
#include <net/ip6_checksum.h>
#include <net/gue.h>
#include <net/gre.h>

#include "conn.h"
#include "proto.h"
#include "route.h"
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
	return vlb_route_in_v4(skb, cp->dest, state);
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

/*
 * Send an ICMP error about skb to its source. icmp_send() and
 * icmpv6_send() need the packet's input route to find their way back and
 * pick a source address: at PRE_ROUTING vlb runs before routing, so route
 * the packet as it arrived first.
 */
static void vlb_icmp_v4(struct sk_buff *skb, const struct nf_hook_state *state,
			int type, int code, __be32 info)
{
	const struct iphdr *iph = ip_hdr(skb);

	if (state->hook == NF_INET_PRE_ROUTING && !skb_valid_dst(skb) &&
	    ip_route_input_noref(skb, iph->daddr, iph->saddr, iph->tos,
				 state->in))
		return;
	icmp_send(skb, type, code, info);
}

static void vlb_icmp_v6(struct sk_buff *skb, const struct nf_hook_state *state,
			u8 type, u8 code, u32 info)
{
	const struct nf_ipv6_ops *v6ops = nf_get_ipv6_ops();

	if (state->hook == NF_INET_PRE_ROUTING && !skb_valid_dst(skb)) {
		if (!v6ops || !v6ops->route_input)
			return;
		v6ops->route_input(skb);
		if (!skb_dst(skb) || skb_dst(skb)->error)
			return;
	}
	icmpv6_send(skb, type, code, info);
}

void vlb_xmit_reject_v4(struct sk_buff *skb,
			const struct nf_hook_state *state)
{
	vlb_icmp_v4(skb, state, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0);
}

void vlb_xmit_reject_v6(struct sk_buff *skb,
			const struct nf_hook_state *state)
{
	vlb_icmp_v6(skb, state, ICMPV6_DEST_UNREACH, ICMPV6_PORT_UNREACH, 0);
}

/*
 * Whether a packet of this family is too big for the path MTU mtu and may
 * not be fragmented on the way: the sender must hear of it. A datagram
 * reassembled by nf_defrag counts with its largest fragment.
 */
static bool vlb_too_big(const struct sk_buff *skb, u8 af, unsigned int mtu)
{
	if (skb->len <= mtu)
		return false;
	if (af == AF_INET) {
		if (!(ip_hdr(skb)->frag_off & htons(IP_DF)))
			return false;
		if (IPCB(skb)->frag_max_size > mtu)
			return true;
	} else if (IP6CB(skb)->frag_max_size > mtu) {
		return true;
	}
	if (skb->ignore_df)
		return false;
	return !(skb_is_gso(skb) && skb_gso_validate_network_len(skb, mtu));
}

static void vlb_too_big_error(struct sk_buff *skb, u8 af, unsigned int mtu,
			      const struct nf_hook_state *state)
{
	if (af == AF_INET6)
		vlb_icmp_v6(skb, state, ICMPV6_PKT_TOOBIG, 0, mtu);
	else
		vlb_icmp_v4(skb, state, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED,
			    htonl(mtu));
}

/*
 * A packet the director forwards, as opposed to one it sends itself, has
 * its TTL or hop limit decreased; one that would reach zero is answered
 * with time exceeded, as any router does.
 */
static int vlb_forward_ttl(struct sk_buff *skb, u8 af,
			   const struct nf_hook_state *state)
{
	if (state->hook != NF_INET_PRE_ROUTING)
		return 0;
	if (af == AF_INET6) {
		if (ipv6_hdr(skb)->hop_limit <= 1) {
			vlb_icmp_v6(skb, state, ICMPV6_TIME_EXCEED,
				    ICMPV6_EXC_HOPLIMIT, 0);
			return -EHOSTUNREACH;
		}
		if (skb_ensure_writable(skb, sizeof(struct ipv6hdr)))
			return -ENOMEM;
		ipv6_hdr(skb)->hop_limit--;
		return 0;
	}
	if (ip_hdr(skb)->ttl <= 1) {
		vlb_icmp_v4(skb, state, ICMP_TIME_EXCEEDED, ICMP_EXC_TTL, 0);
		return -EHOSTUNREACH;
	}
	if (skb_ensure_writable(skb, sizeof(struct iphdr)))
		return -ENOMEM;
	ip_decrease_ttl(ip_hdr(skb));
	return 0;
}

unsigned int vlb_xmit_dr(struct sk_buff *skb, const struct vlb_conn *cp,
			 const struct nf_hook_state *state)
{
	struct dst_entry *dst;
	unsigned int mtu;

	/* DR needs the real server on a link of the director's: same family. */
	dst = vlb_route_out(state->net, cp->dest, &cp->daddr, NULL,
			FLOWI_FLAG_KNOWN_NH);
	if (!dst)
		return NF_DROP;

	if (state->hook == NF_INET_LOCAL_OUT) {
		/* The director's own packet: LOCAL_OUT sends it on this route. */
		skb_dst_drop(skb);
		skb_dst_set(skb, dst);
		return NF_ACCEPT;
	}

	mtu = dst_mtu(dst);
	if (vlb_forward_ttl(skb, cp->af, state))
		goto drop;
	if (vlb_too_big(skb, cp->af, mtu)) {
		vlb_too_big_error(skb, cp->af, mtu, state);
		goto drop;
	}

	skb_dst_drop(skb);
	skb_dst_set(skb, dst);
	if (cp->af == AF_INET)
		IPCB(skb)->flags |= IPSKB_FORWARDED;
	else
		IP6CB(skb)->flags |= IP6SKB_FORWARDED;
	/* The TTL changed: a checksum of the whole packet no longer holds. */
	skb_forward_csum(skb);
	/* A receive timestamp must not read as a departure time to fq. */
	skb_clear_tstamp(skb);
	/*
	 * Straight to the output, past LOCAL_OUT, whose hooks (vlb's own
	 * among them) would take the packet for a new one of the director.
	 */
	dst_output(state->net, NULL, skb);
	return NF_STOLEN;
drop:
	dst_release(dst);
	return NF_DROP;
}

/*
 * The outer header of a tunnelled packet. The inner packet's DF bit and
 * DSCP/ECN carry over; an IPv6 inner packet may not be fragmented on its
 * way, so DF is set for it too unless its size forces the outer header to
 * be fragmented (a path MTU below IPv6's minimum of 1280).
 */
static void vlb_push_outer(struct sk_buff *skb, struct net *net,
			   struct dst_entry *dst, const union nf_inet_addr *saddr,
			   const union nf_inet_addr *daddr, u8 outer_af,
			   u8 inner_proto, u8 dsfield, bool df, __be32 flowlabel)
{
	if (outer_af == AF_INET6) {
		struct ipv6hdr *ip6h;

		skb_push(skb, sizeof(*ip6h));
		skb_reset_network_header(skb);
		memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
		ip6h = ipv6_hdr(skb);
		ip6_flow_hdr(ip6h, dsfield, flowlabel);
		ip6h->payload_len = 0;		/* ip6_local_out() sets it */
		ip6h->nexthdr = inner_proto;
		ip6h->hop_limit = ip6_dst_hoplimit(dst);
		ip6h->saddr = saddr->in6;
		ip6h->daddr = daddr->in6;
		/* Allow fragmenting the outer packet when DF is off. */
		skb->ignore_df = !df;
	} else {
		struct iphdr *iph;

		skb_push(skb, sizeof(*iph));
		skb_reset_network_header(skb);
		memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
		iph = ip_hdr(skb);
		iph->version = 4;
		iph->ihl = sizeof(*iph) >> 2;
		iph->tos = dsfield;
		iph->tot_len = 0;		/* ip_local_out() sets it */
		iph->frag_off = df ? htons(IP_DF) : 0;
		iph->ttl = ip4_dst_hoplimit(dst);
		iph->protocol = inner_proto;
		iph->saddr = saddr->ip;
		iph->daddr = daddr->ip;
		ip_select_ident_segs(net, skb, NULL,
				     skb_is_gso(skb) ?
				     max_t(u16, skb_shinfo(skb)->gso_segs, 1) : 1);
	}
}

/*
 * The encapsulation between the outer IP header and the inner packet, as
 * Linux's own fou/gue and gre devices read it, and as IPVS writes it:
 *  GUE: UDP to the destination's tunnel port, from a source port of the
 *       flow's hash (receivers spread flows over their queues by it), then
 *       a 4-byte GUE header (version 0) naming the inner protocol. With
 *       remote checksum offload and an inner checksum still to be filled
 *       in, a private flags word and the REMCSUM option (where the inner
 *       checksum starts and goes) follow: the receiver derives it from the
 *       outer UDP checksum, so the director touches no payload.
 *  GRE: 4 bytes, the inner EtherType, plus checksum and reserved field
 *       when checksummed.
 */
struct vlb_encap {
	u8 type;			/* enum vlb_tun_type */
	u16 flags;			/* enum vlb_tun_flags */
	__be16 port;
	unsigned int len;		/* bytes after the outer IP header */
	bool remcsum;			/* the GUE REMCSUM option goes in */
};

#define VLB_GUE_REMCSUM_LEN	(GUE_LEN_PRIV + GUE_PLEN_REMCSUM)
#define VLB_GRE_CSUM_LEN	4	/* checksum + reserved1 */

static void vlb_encap_init(struct vlb_encap *e, const struct vlb_dest *d,
			   const struct sk_buff *skb)
{
	e->type = READ_ONCE(d->tun_type);
	e->flags = READ_ONCE(d->tun_flags);
	e->port = READ_ONCE(d->tun_port);
	e->remcsum = false;
	switch (e->type) {
	case VLB_TUN_GUE:
		e->len = sizeof(struct udphdr) + sizeof(struct guehdr);
		/* Only a checksum left to the hardware can be left remote. */
		if (e->flags == VLB_TUN_F_REMCSUM &&
		    skb->ip_summed == CHECKSUM_PARTIAL) {
			e->remcsum = true;
			e->len += VLB_GUE_REMCSUM_LEN;
		}
		break;
	case VLB_TUN_GRE:
		e->len = sizeof(struct gre_base_hdr);
		if (e->flags == VLB_TUN_F_CSUM)
			e->len += VLB_GRE_CSUM_LEN;
		break;
	default:
		e->len = 0;
	}
}

/* The GSO types that let the stack segment the encapsulated packet. */
static int vlb_encap_gso_type(const struct vlb_encap *e, u8 outer_af)
{
	int ipxip = outer_af == AF_INET6 ? SKB_GSO_IPXIP6 : SKB_GSO_IPXIP4;

	switch (e->type) {
	case VLB_TUN_GUE:
		/*
		 * The UDP tunnel segmenter hands the inner packet to the
		 * IP-in-IP segmenter of the outer family, which wants its
		 * own type too.
		 */
		if (e->flags == VLB_TUN_F_NOCSUM)
			return ipxip | SKB_GSO_UDP_TUNNEL;
		return ipxip | SKB_GSO_UDP_TUNNEL_CSUM |
		       (e->remcsum ? SKB_GSO_TUNNEL_REMCSUM : 0);
	case VLB_TUN_GRE:
		return e->flags == VLB_TUN_F_CSUM ? SKB_GSO_GRE_CSUM :
						    SKB_GSO_GRE;
	}
	return ipxip;
}

/*
 * Push the GUE or GRE header in front of the inner packet (at skb->data)
 * and leave the transport header on it. The outer addresses are those of
 * the UDP pseudo-header. Returns the protocol of the outer IP header.
 */
static u8 vlb_push_encap(struct sk_buff *skb, const struct vlb_encap *e, u8 inner_proto,
			 __be16 sport, u8 outer_af,
			 const union nf_inet_addr *saddr,
			 const union nf_inet_addr *daddr)
{
	if (e->type == VLB_TUN_GUE) {
		struct guehdr *gueh;
		struct udphdr *uh;

		if (e->remcsum) {
			/* Offsets from the inner packet, i.e. after GUE. */
			u16 start = skb_checksum_start_offset(skb);
			__be16 *opt;
			__be32 *pflags;

			opt = skb_push(skb, GUE_PLEN_REMCSUM);
			opt[0] = htons(start);
			opt[1] = htons(start + skb->csum_offset);
			pflags = skb_push(skb, GUE_LEN_PRIV);
			*pflags = GUE_PFLAG_REMCSUM;
			/*
			 * The inner checksum stays unfinished on purpose; a
			 * segmented packet keeps its offload state for GSO.
			 */
			if (!skb_is_gso(skb)) {
				skb->ip_summed = CHECKSUM_NONE;
				skb->encapsulation = 0;
			}
		}
		gueh = skb_push(skb, sizeof(*gueh));
		gueh->word = 0;			/* version 0, control 0 */
		gueh->hlen = e->remcsum ? VLB_GUE_REMCSUM_LEN >> 2 : 0;
		gueh->proto_ctype = inner_proto;
		if (e->remcsum)
			gueh->flags = GUE_FLAG_PRIV;

		uh = skb_push(skb, sizeof(*uh));
		skb_reset_transport_header(skb);
		uh->source = sport;
		uh->dest = e->port;
		uh->len = htons(skb->len);
		uh->check = 0;
		/*
		 * A full checksum (offloaded where the device can) for CSUM
		 * and REMCSUM; none for NOCSUM, which IPv6 receivers take
		 * from tunnel sockets such as fou's (RFC 6935).
		 */
		if (outer_af == AF_INET6)
			udp6_set_csum(e->flags == VLB_TUN_F_NOCSUM, skb,
				      &saddr->in6, &daddr->in6, skb->len);
		else
			udp_set_csum(e->flags == VLB_TUN_F_NOCSUM, skb,
				     saddr->ip, daddr->ip, skb->len);
		return IPPROTO_UDP;
	}

	/* GRE */
	if (e->flags == VLB_TUN_F_CSUM) {
		__sum16 *csum = skb_push(skb, VLB_GRE_CSUM_LEN);
		struct gre_base_hdr *greh;

		csum[0] = 0;
		csum[1] = 0;			/* reserved1 */
		greh = skb_push(skb, sizeof(*greh));
		skb_reset_transport_header(skb);
		greh->flags = GRE_CSUM;
		greh->protocol = inner_proto == IPPROTO_IPV6 ?
				 htons(ETH_P_IPV6) : htons(ETH_P_IP);
		/* GSO checksums each segment itself (SKB_GSO_GRE_CSUM). */
		if (!skb_is_gso(skb)) {
			if (skb->ip_summed == CHECKSUM_PARTIAL) {
				/* The inner sum is known once it is filled. */
				*csum = csum_fold(lco_csum(skb));
			} else {
				/* The sum of everything, left to the device. */
				skb->ip_summed = CHECKSUM_PARTIAL;
				skb->csum_start = skb_transport_header(skb) -
						  skb->head;
				skb->csum_offset = sizeof(*greh);
			}
		}
	} else {
		struct gre_base_hdr *greh = skb_push(skb, sizeof(*greh));

		skb_reset_transport_header(skb);
		greh->flags = 0;
		greh->protocol = inner_proto == IPPROTO_IPV6 ?
				 htons(ETH_P_IPV6) : htons(ETH_P_IP);
	}
	return IPPROTO_GRE;
}

unsigned int vlb_xmit_tunnel(struct sk_buff *skb, const struct vlb_conn *cp,
			     const struct nf_hook_state *state)
{
	struct vlb_dest *d = cp->dest;
	unsigned int hlen, mtu, dst_mtu_val;
	union nf_inet_addr saddr;
	struct dst_entry *dst;
	struct vlb_encap encap;
	__be32 flowlabel = 0;
	u8 dsfield, proto, outer_proto;
	__be16 sport = 0;
	bool df;

	vlb_encap_init(&encap, d, skb);
	/* The control plane accepts no other encapsulation. */
	if (encap.type > VLB_TUN_GRE)
		return NF_DROP;

	dst = vlb_route_out(state->net, d, &cp->daddr, &saddr, 0);
	if (!dst)
		return NF_DROP;
	hlen = encap.len + (d->af == AF_INET6 ? sizeof(struct ipv6hdr) :
						sizeof(struct iphdr));
	dst_mtu_val = dst_mtu(dst);
	mtu = dst_mtu_val > hlen ? dst_mtu_val - hlen : 0;

	if (vlb_forward_ttl(skb, cp->af, state))
		goto drop;
	if (cp->af == AF_INET6) {
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);

		proto = IPPROTO_IPV6;
		dsfield = ipv6_get_dsfield(ip6h);
		flowlabel = ip6_flowlabel(ip6h);
		/* Below IPv6's minimum MTU the outer packet is fragmented. */
		mtu = max_t(unsigned int, mtu, IPV6_MIN_MTU);
		df = skb->len + hlen <= dst_mtu_val;
	} else {
		const struct iphdr *iph = ip_hdr(skb);

		proto = IPPROTO_IPIP;
		dsfield = ipv4_get_dsfield(iph);
		df = !!(iph->frag_off & htons(IP_DF));
	}
	if (vlb_too_big(skb, cp->af, mtu)) {
		vlb_too_big_error(skb, cp->af, mtu, state);
		goto drop;
	}

	if (skb_cow_head(skb, LL_RESERVED_SPACE(dst->dev) + hlen))
		goto drop;
	/* From the inner headers, before they become the inner ones. */
	if (encap.type == VLB_TUN_GUE)
		sport = udp_flow_src_port(state->net, skb, 0, 0, false);
	/*
	 * The inner packet starts at its IP header, with no link layer: the
	 * tunnel segmenters find it at the inner "mac" header.
	 */
	skb_reset_mac_header(skb);
	/* Inner header offsets for GSO and checksum offload, before the push. */
	if (iptunnel_handle_offloads(skb, vlb_encap_gso_type(&encap, d->af)))
		goto drop;
	if (encap.type == VLB_TUN_GRE)
		skb_set_inner_protocol(skb, proto == IPPROTO_IPV6 ?
				       htons(ETH_P_IPV6) : htons(ETH_P_IP));
	else
		skb_set_inner_ipproto(skb, proto);

	skb_dst_drop(skb);
	skb_dst_set(skb, dst);
	skb_clear_tstamp(skb);
	outer_proto = proto;
	if (encap.type != VLB_TUN_IPIP)
		outer_proto = vlb_push_encap(skb, &encap, proto,
					     sport, d->af, &saddr, &cp->daddr);
	vlb_push_outer(skb, state->net, dst, &saddr, &cp->daddr, d->af,
		       outer_proto, dsfield, df, flowlabel);
	/*
	 * A new packet of the director's: through LOCAL_OUT, where vlb's own
	 * hook lets it pass (IPIP and GRE are not its protocols, GUE is sent
	 * without a socket). It carries the inner packet's "untracked".
	 */
	if (d->af == AF_INET6)
		ip6_local_out(state->net, NULL, skb);
	else
		ip_local_out(state->net, NULL, skb);
	return NF_STOLEN;
drop:
	dst_release(dst);
	return NF_DROP;
}

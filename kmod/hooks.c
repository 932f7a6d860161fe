// SPDX-License-Identifier: GPL-2.0
/*
 * The netfilter hooks, IPv4 and IPv6: where packets enter vlb. IPVS
 * schedules at LOCAL_IN, which forces the virtual address to be local to
 * the director; vlb instead hooks PRE_ROUTING after defragmentation and the
 * raw table but before conntrack, so a packet to a virtual service is
 * rewritten before the kernel routes it, and a NAT reply is rewritten back
 * at the same place. Each packet costs one connection lookup (two for
 * traffic that belongs to no connection: as client->service, then as
 * server->client), and a new flow additionally a service lookup, a
 * scheduler call and one allocation. Packets vlb handles are marked
 * untracked, so that conntrack, loaded or not, never keeps state that
 * contradicts the balancing; nothing here links against nf_conntrack.
 * LOCAL_OUT catches connections the director itself opens to a virtual
 * service.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/netfilter/nf_conntrack.h>

#include "conn.h"
#include "proto.h"
#include "xmit.h"

/* After defrag (-400) and the raw table (-300), before conntrack (-200). */
#define VLB_HOOK_PRIORITY	(NF_IP_PRI_RAW + 10)
#define VLB_HOOK_PRIORITY6	(NF_IP6_PRI_RAW + 10)

static void vlb_untrack(struct sk_buff *skb)
{
#if IS_ENABLED(CONFIG_NF_CONNTRACK)
	/* Both are inline: no symbol of nf_conntrack is needed. */
	nf_reset_ct(skb);
	nf_ct_set(skb, NULL, IP_CT_UNTRACKED);
#endif
}

static void vlb_count(struct vlb_net *vn, const struct vlb_conn *cp,
		      int dir, unsigned int len)
{
	struct vlb_dest *d = cp->dest;

	if (dir == VLB_DIR_IN) {
		vlb_stats_in(&d->stats, len);
		vlb_stats_in(&d->svc->stats, len);
		vlb_stats_in(&vn->tot_stats, len);
	} else {
		vlb_stats_out(&d->stats, len);
		vlb_stats_out(&d->svc->stats, len);
		vlb_stats_out(&vn->tot_stats, len);
	}
}

static bool vlb_fwd_supported(u8 fwd)
{
	return fwd == VLB_FWD_MASQ;
}

static int vlb_xmit(struct sk_buff *skb, const struct vlb_conn *cp,
		    const struct vlb_pkt *p, int dir,
		    const struct nf_hook_state *state)
{
	if (!vlb_fwd_supported(vlb_conn_fwd(cp)))
		return -EOPNOTSUPP;
	if (p->af == AF_INET6)
		return dir == VLB_DIR_IN ?
		       vlb_xmit_nat_in_v6(skb, cp, p, state) :
		       vlb_xmit_nat_out_v6(skb, cp, p, state);
	return dir == VLB_DIR_IN ? vlb_xmit_nat_in_v4(skb, cp, p, state) :
				   vlb_xmit_nat_out_v4(skb, cp, p, state);
}

/* A packet of a known connection, in either direction. */
static unsigned int vlb_handle(struct vlb_net *vn, struct sk_buff *skb,
			       struct vlb_conn *cp, const struct vlb_pkt *p,
			       int dir, const struct nf_hook_state *state)
{
	unsigned int len = skb->len;

	vlb_proto_state_update(cp, p, dir);
	if (vlb_xmit(skb, cp, p, dir, state))
		return NF_DROP;
	vlb_conn_refresh(cp, vlb_proto_timeout(vn, cp->protocol,
					       vlb_conn_state(cp)));
	vlb_count(vn, cp, dir, len);
	vlb_untrack(skb);
	return NF_ACCEPT;
}

/* A packet that opens a flow, if it is for a virtual service. */
static unsigned int vlb_new_flow(struct vlb_net *vn, struct sk_buff *skb,
				 const struct vlb_pkt *p,
				 const struct nf_hook_state *state)
{
	struct vlb_conn_key key = {
		.caddr = &p->saddr, .cport = p->sport,
		.addr = &p->daddr, .port = p->dport,
		.af = p->af, .protocol = p->protocol, .dir = VLB_DIR_IN,
	};
	struct vlb_service *svc;
	struct vlb_dest *dest;
	struct vlb_conn *cp;
	bool created;
	u8 fwd, st;

	/* Only a SYN opens a TCP connection; the rest is not ours. */
	if (p->protocol == IPPROTO_TCP && !vlb_pkt_is_syn(p))
		return NF_ACCEPT;
	svc = vlb_svc_find(vn, p->af, p->protocol, &p->daddr, p->dport,
			   skb->mark);
	if (!svc)
		return NF_ACCEPT;

	dest = vlb_schedule(svc, skb, &p->saddr, p->sport);
	if (!dest) {
		/* As IPVS: refuse, so that TCP clients fail fast. */
		if (p->af == AF_INET6)
			vlb_xmit_reject_v6(skb, state);
		else
			vlb_xmit_reject_v4(skb, state);
		return NF_DROP;
	}
	fwd = READ_ONCE(dest->fwd);
	if (!vlb_fwd_supported(fwd) || dest->af != p->af) {
		net_warn_ratelimited("forwarding method %u (family %u to %u) is not implemented yet, dropping\n",
				     fwd, p->af, dest->af);
		return NF_DROP;
	}

	st = vlb_proto_initial_state(p);
	cp = vlb_conn_new(vn, &key, &dest->addr, dest->port ?: p->dport, dest,
			  st, vlb_proto_timeout(vn, p->protocol, st), &created);
	if (IS_ERR(cp))
		return NF_DROP;
	if (created) {
		vlb_stats_conn(&dest->stats);
		vlb_stats_conn(&dest->svc->stats);
		vlb_stats_conn(&vn->tot_stats);
	}
	return vlb_handle(vn, skb, cp, p, VLB_DIR_IN, state);
}

static unsigned int vlb_packet(struct vlb_net *vn, struct sk_buff *skb,
			       const struct vlb_pkt *p,
			       const struct nf_hook_state *state)
{
	struct vlb_conn_key key = {
		.caddr = &p->saddr, .cport = p->sport,
		.addr = &p->daddr, .port = p->dport,
		.af = p->af, .protocol = p->protocol, .dir = VLB_DIR_IN,
	};
	struct vlb_conn *cp;

	cp = vlb_conn_lookup(vn, &key);
	if (cp) {
		bool gone = !test_bit(VLB_DEST_FL_AVAILABLE, &cp->dest->flags);

		if (!gone && !vlb_proto_state_reusable(cp->protocol,
						       vlb_conn_state(cp)))
			return vlb_handle(vn, skb, cp, p, VLB_DIR_IN, state);
		/*
		 * A new SYN on a closed connection, or on one whose real
		 * server was removed, starts over with a fresh scheduling
		 * decision. Other packets to a removed server are dropped
		 * (IPVS does the same) until the connection expires.
		 */
		if (vlb_pkt_is_syn(p)) {
			vlb_conn_expire_now(vn, cp);
			return vlb_new_flow(vn, skb, p, state);
		}
		if (gone)
			return NF_DROP;
		return vlb_handle(vn, skb, cp, p, VLB_DIR_IN, state);
	}

	/* A reply from a real server: hashed by its destination, the client. */
	if (state->hook == NF_INET_PRE_ROUTING) {
		key.caddr = &p->daddr;
		key.cport = p->dport;
		key.addr = &p->saddr;
		key.port = p->sport;
		key.dir = VLB_DIR_OUT;
		cp = vlb_conn_lookup(vn, &key);
		if (cp && vlb_conn_fwd(cp) == VLB_FWD_MASQ)
			return vlb_handle(vn, skb, cp, p, VLB_DIR_OUT, state);
	}

	return vlb_new_flow(vn, skb, p, state);
}

static unsigned int vlb_hook_v4(void *priv, struct sk_buff *skb,
				const struct nf_hook_state *state)
{
	const struct iphdr *iph = ip_hdr(skb);
	struct vlb_pkt p;

	if (iph->protocol != IPPROTO_TCP && iph->protocol != IPPROTO_UDP)
		return NF_ACCEPT;
	/*
	 * Without nf_defrag_ipv4 fragments arrive one by one and only the
	 * first has ports: leave them all alone rather than split a datagram.
	 */
	if (ip_is_fragment(iph) || iph->ihl < 5)
		return NF_ACCEPT;

	p.af = AF_INET;
	p.protocol = iph->protocol;
	p.saddr.ip = iph->saddr;
	p.daddr.ip = iph->daddr;
	p.thoff = skb_network_offset(skb) + iph->ihl * 4;
	if (!vlb_proto_parse(skb, &p))
		return NF_ACCEPT;
	return vlb_packet(vlb_net(state->net), skb, &p, state);
}

static unsigned int vlb_hook_v6(void *priv, struct sk_buff *skb,
				const struct nf_hook_state *state)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	unsigned int thoff = 0;
	int frag_flags = 0;
	struct vlb_pkt p;
	int protocol;

	/* The transport header, past any extension headers. */
	protocol = ipv6_find_hdr(skb, &thoff, -1, NULL, &frag_flags);
	if (protocol != IPPROTO_TCP && protocol != IPPROTO_UDP)
		return NF_ACCEPT;
	/* As for IPv4: no fragments until vlb reassembles them. */
	if (frag_flags & IP6_FH_F_FRAG)
		return NF_ACCEPT;

	p.af = AF_INET6;
	p.protocol = protocol;
	p.saddr.in6 = ip6h->saddr;
	p.daddr.in6 = ip6h->daddr;
	p.thoff = thoff;
	if (!vlb_proto_parse(skb, &p))
		return NF_ACCEPT;
	return vlb_packet(vlb_net(state->net), skb, &p, state);
}

static const struct nf_hook_ops vlb_hook_ops[] = {
	{
		.hook		= vlb_hook_v4,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_PRE_ROUTING,
		.priority	= VLB_HOOK_PRIORITY,
	},
	{
		.hook		= vlb_hook_v4,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_LOCAL_OUT,
		.priority	= VLB_HOOK_PRIORITY,
	},
	{
		.hook		= vlb_hook_v6,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_PRE_ROUTING,
		.priority	= VLB_HOOK_PRIORITY6,
	},
	{
		.hook		= vlb_hook_v6,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_LOCAL_OUT,
		.priority	= VLB_HOOK_PRIORITY6,
	},
};

int vlb_hooks_net_enable(struct vlb_net *vn)
{
	int err;

	if (vn->hooks_registered)
		return 0;
	err = nf_register_net_hooks(vn->net, vlb_hook_ops,
				    ARRAY_SIZE(vlb_hook_ops));
	if (!err)
		vn->hooks_registered = true;
	return err;
}

void vlb_hooks_net_disable(struct vlb_net *vn)
{
	if (!vn->hooks_registered)
		return;
	/* Returns after every CPU has left the hooks. */
	nf_unregister_net_hooks(vn->net, vlb_hook_ops,
				ARRAY_SIZE(vlb_hook_ops));
	vn->hooks_registered = false;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The netfilter hooks, IPv4 and IPv6: where packets enter vlb. IPVS
 * schedules at LOCAL_IN, which forces the virtual address to be local to
 * the director; vlb instead hooks PRE_ROUTING after defragmentation and the
 * raw table but before conntrack, so a packet to a virtual service is
 * rewritten before the kernel routes it, and a NAT reply is rewritten back
 * at the same place. Each packet costs one connection lookup (two for a
 * client packet from an address a NAT destination may have: as
 * server->client first, then as client->service), and a new flow
 * additionally a service lookup, a scheduler call and one allocation.
 * Packets vlb handles are marked untracked, so that conntrack, loaded or
 * not, never keeps state that contradicts the balancing; nothing here
 * links against nf_conntrack.
 * LOCAL_OUT catches connections the director itself opens to a virtual
 * service.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/route.h>
#include <net/dst_metadata.h>
#include <net/ip6_checksum.h>
#include <net/ip6_route.h>
#include <net/addrconf.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/ipv4/nf_defrag_ipv4.h>
#include <net/netfilter/ipv6/nf_defrag_ipv6.h>

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

/*
 * Whether vlb can forward to d a packet of family af. Only a tunnel (any
 * of IPIP, GUE and GRE) can cross address families.
 */
static bool vlb_fwd_supported(const struct vlb_dest *d, u8 af)
{
	switch (READ_ONCE(d->fwd)) {
	case VLB_FWD_MASQ:
	case VLB_FWD_DROUTE:
		return d->af == af;
	case VLB_FWD_TUNNEL:
		return READ_ONCE(d->tun_type) <= VLB_TUN_GRE;
	}
	return false;
}

/*
 * An ICMP error from the client side about a DR or TUN connection goes to
 * the real server unchanged, the way the connection's packets do.
 */
static unsigned int vlb_icmp_to_server(struct vlb_net *vn, struct sk_buff *skb,
				       const struct vlb_conn *cp,
				       unsigned int len,
				       const struct nf_hook_state *state)
{
	unsigned int verdict = vlb_conn_fwd(cp) == VLB_FWD_DROUTE ?
			       vlb_xmit_dr(skb, cp, state) :
			       vlb_xmit_tunnel(skb, cp, state);

	if (verdict != NF_DROP)
		vlb_count(vn, cp, VLB_DIR_IN, len);
	return verdict;
}

/* Send the packet on its way: a netfilter verdict. */
static unsigned int vlb_xmit(struct sk_buff *skb, const struct vlb_conn *cp,
			     const struct vlb_pkt *p, int dir,
			     const struct nf_hook_state *state)
{
	int err;

	switch (vlb_conn_fwd(cp)) {
	case VLB_FWD_MASQ:
		if (cp->dest->af != cp->af)
			return NF_DROP;
		break;
	case VLB_FWD_DROUTE:
		/* The destination's method is read twice on a new flow. */
		if (cp->dest->af != cp->af)
			return NF_DROP;
		return vlb_xmit_dr(skb, cp, state);
	case VLB_FWD_TUNNEL:
		return vlb_xmit_tunnel(skb, cp, state);
	default:
		return NF_DROP;
	}
	if (p->af == AF_INET6)
		err = dir == VLB_DIR_IN ? vlb_xmit_nat_in_v6(skb, cp, p, state) :
					  vlb_xmit_nat_out_v6(skb, cp, p, state);
	else
		err = dir == VLB_DIR_IN ? vlb_xmit_nat_in_v4(skb, cp, p, state) :
					  vlb_xmit_nat_out_v4(skb, cp, p, state);
	return err ? NF_DROP : NF_ACCEPT;
}

/* A packet of a known connection, in either direction. */
static unsigned int vlb_handle(struct vlb_net *vn, struct sk_buff *skb,
			       struct vlb_conn *cp, const struct vlb_pkt *p,
			       int dir, const struct nf_hook_state *state)
{
	unsigned int len = skb->len, verdict;

	vlb_proto_state_update(cp, p, dir);
	/* Before the transmit: DR and TUN hand the skb over for good. */
	vlb_untrack(skb);
	verdict = vlb_xmit(skb, cp, p, dir, state);
	if (verdict == NF_DROP)
		return NF_DROP;
	/* cp stays valid: netfilter hooks run under rcu_read_lock(). */
	vlb_conn_refresh(cp, vlb_proto_timeout(vn, cp->protocol,
					       vlb_conn_state(cp)));
	vlb_count(vn, cp, dir, len);
	return verdict;
}

/*
 * Persistence: the client's template, if it has a usable one, names its
 * destination; otherwise the scheduler picks one and a template records
 * it. A template to a removed destination is dropped; one to a quiesced
 * (weight 0) destination is kept, as IPVS keeps it, unless the
 * expire_quiescent_template sysctl says otherwise. NULL if there is no
 * destination, ERR_PTR if no template could be made.
 */
static struct vlb_dest *vlb_persist_schedule(struct vlb_net *vn,
					     struct vlb_service *svc,
					     struct sk_buff *skb,
					     const struct vlb_pkt *p,
					     struct vlb_conn **tplp)
{
	struct vlb_conn *tpl;
	struct vlb_dest *d;

	tpl = vlb_tpl_lookup(vn, svc, &p->saddr, p->protocol);
	if (tpl) {
		d = tpl->dest;
		if (test_bit(VLB_DEST_FL_AVAILABLE, &d->flags) &&
		    !(READ_ONCE(vn->sysctl.expire_quiescent_template) &&
		      READ_ONCE(d->weight) <= 0))
			goto found;
		vlb_conn_expire_now(vn, tpl);
	}
	d = vlb_schedule(svc, skb, &p->saddr, p->sport);
	if (!d)
		return NULL;
	tpl = vlb_tpl_new(vn, svc, &p->saddr, p->protocol, d);
	if (IS_ERR(tpl))
		return ERR_CAST(tpl);
	d = tpl->dest;		/* another CPU's template may have won */
found:
	vlb_conn_refresh(tpl, (unsigned long)READ_ONCE(svc->timeout) * HZ);
	*tplp = tpl;
	return d;
}

/* Only a SYN opens a TCP connection, or any segment with sloppy_tcp. */
static bool vlb_pkt_opens(const struct vlb_net *vn, const struct vlb_pkt *p)
{
	if (p->protocol != IPPROTO_TCP || vlb_pkt_is_syn(p))
		return true;
	return READ_ONCE(vn->sysctl.sloppy_tcp) &&
	       !(p->tcp_flags & VLB_TCPF_RST);
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
	struct vlb_conn *cp, *tpl = NULL;
	struct vlb_service *svc;
	struct vlb_dest *dest;
	bool created;
	u32 flags;
	u8 st;

	if (!vlb_pkt_opens(vn, p))
		return NF_ACCEPT;
	svc = vlb_svc_find(vn, p->af, p->protocol, &p->daddr, p->dport,
			   skb->mark);
	if (!svc)
		return NF_ACCEPT;

	flags = READ_ONCE(svc->flags);
	if (flags & VLB_SVC_F_PERSISTENT) {
		dest = vlb_persist_schedule(vn, svc, skb, p, &tpl);
		if (IS_ERR(dest))
			return NF_DROP;
	} else {
		dest = vlb_schedule(svc, skb, &p->saddr, p->sport);
	}
	if (!dest) {
		/* As IPVS: refuse, so that TCP clients fail fast. */
		if (p->af == AF_INET6)
			vlb_xmit_reject_v6(skb, state);
		else
			vlb_xmit_reject_v4(skb, state);
		return NF_DROP;
	}
	if (!vlb_fwd_supported(dest, p->af)) {
		net_warn_ratelimited("vlb: forwarding method %u (tunnel type %u, family %u to %u) is not supported, dropping\n",
				     READ_ONCE(dest->fwd), READ_ONCE(dest->tun_type),
				     p->af, dest->af);
		return NF_DROP;
	}

	/*
	 * One-packet scheduling: every UDP datagram is balanced on its own
	 * and leaves nothing in the table (NAT replies then pass untouched,
	 * as with IPVS).
	 */
	if ((flags & VLB_SVC_F_ONEPACKET) && p->protocol == IPPROTO_UDP) {
		struct vlb_conn one;

		vlb_conn_init_onepacket(&one, &key, dest,
					dest->port ?: p->dport);
		vlb_stats_conn(&dest->stats);
		vlb_stats_conn(&dest->svc->stats);
		vlb_stats_conn(&vn->tot_stats);
		return vlb_handle(vn, skb, &one, p, VLB_DIR_IN, state);
	}

	st = vlb_proto_initial_state(p);
	cp = vlb_conn_new(vn, &key, &dest->addr, dest->port ?: p->dport, dest,
			  st, 0, vlb_proto_timeout(vn, p->protocol, st),
			  &created);
	if (IS_ERR(cp))
		return NF_DROP;
	if (created && tpl)
		vlb_tpl_attach(tpl, cp);
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

	/*
	 * What the director sends at LOCAL_OUT without a socket is not a
	 * client's: notably vlb's own GUE packets, which must not be taken
	 * for a flow to a service (a fwmark one would match their mark).
	 * Kernel replies (TCP resets, ICMP) come from control sockets.
	 */
	if (state->hook == NF_INET_LOCAL_OUT && !state->sk)
		return NF_ACCEPT;

	/*
	 * A reply from a real server: hashed by its destination, the client.
	 * Only a NAT destination's address can send one, and one that can
	 * is looked up as a reply first: under NAT half the packets are
	 * replies, which would otherwise miss once as client packets. A
	 * 4-tuple cannot be both (TCP and UDP sockets are unique by it).
	 */
	if (state->hook == NF_INET_PRE_ROUTING &&
	    atomic_read(vlb_nat_slot(vn, p->af, &p->saddr))) {
		struct vlb_conn_key rkey = {
			.caddr = &p->daddr, .cport = p->dport,
			.addr = &p->saddr, .port = p->sport,
			.af = p->af, .protocol = p->protocol,
			.dir = VLB_DIR_OUT,
		};

		cp = vlb_conn_lookup(vn, &rkey);
		if (cp && vlb_conn_fwd(cp) == VLB_FWD_MASQ)
			return vlb_handle(vn, skb, cp, p, VLB_DIR_OUT, state);
	}

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
		 * (IPVS does the same) until the connection expires, or,
		 * with expire_nodest_conn, the connection goes at once:
		 * a UDP datagram is then scheduled anew, so a client that
		 * keeps its port does not talk into a void for minutes.
		 */
		if (vlb_pkt_is_syn(p)) {
			vlb_conn_expire_now(vn, cp);
			return vlb_new_flow(vn, skb, p, state);
		}
		if (!gone)
			return vlb_handle(vn, skb, cp, p, VLB_DIR_IN, state);
		if (!READ_ONCE(vn->sysctl.expire_nodest_conn))
			return NF_DROP;
		vlb_conn_expire_now(vn, cp);
		if (p->protocol == IPPROTO_UDP)
			return vlb_new_flow(vn, skb, p, state);
		return NF_DROP;
	}

	return vlb_new_flow(vn, skb, p, state);
}

/*
 * ICMP errors about a balanced connection. An error quotes the start of
 * the packet it is about, which belongs to the connection and went the
 * other way: a packet from the service to the client (the error comes from
 * the client's side and goes to the real server) or, under NAT, one from
 * the client to the real server after its rewrite (the error comes from
 * the real server's side, or from the director itself at LOCAL_OUT, and
 * goes to the client). The quoted addresses and ports find the connection
 * with the same one lookup a packet costs; the error then travels as that
 * connection's packets do, its quoted header rewritten the way NAT
 * rewrote the packet, so that the sender's stack finds its socket (port
 * unreachable, path MTU discovery). The quoted L4 checksum is left alone,
 * as nobody checks it; the ICMP checksum is recomputed: errors are rare.
 */
struct vlb_icmp {
	unsigned int ioff;		/* the ICMP header */
	unsigned int coff;		/* the quoted IP header */
	unsigned int cthoff;		/* the quoted L4 header */
	union nf_inet_addr qsaddr, qdaddr;
	__be16 qsport, qdport;
	u8 protocol;
};

static struct vlb_conn *vlb_icmp_conn(struct vlb_net *vn, u8 af,
				      const struct vlb_icmp *ic, int *dir)
{
	struct vlb_conn_key key = {
		/* About service -> client: travels to the service. */
		.caddr = &ic->qdaddr, .cport = ic->qdport,
		.addr = &ic->qsaddr, .port = ic->qsport,
		.af = af, .protocol = ic->protocol, .dir = VLB_DIR_IN,
	};
	struct vlb_conn *cp;

	cp = vlb_conn_lookup(vn, &key);
	if (cp) {
		*dir = VLB_DIR_IN;
		return cp;
	}
	/* About client -> real server under NAT: travels to the client. */
	key.caddr = &ic->qsaddr;
	key.cport = ic->qsport;
	key.addr = &ic->qdaddr;
	key.port = ic->qdport;
	key.dir = VLB_DIR_OUT;
	cp = vlb_conn_lookup(vn, &key);
	if (cp && vlb_conn_fwd(cp) == VLB_FWD_MASQ && cp->dest->af == af) {
		*dir = VLB_DIR_OUT;
		return cp;
	}
	return NULL;
}

/* The quoted ports (TCP and UDP start alike), into ic. */
static bool vlb_icmp_ports(const struct sk_buff *skb, struct vlb_icmp *ic)
{
	__be16 _ports[2];
	const __be16 *ports;

	if (ic->protocol != IPPROTO_TCP && ic->protocol != IPPROTO_UDP)
		return false;
	ports = skb_header_pointer(skb, ic->cthoff, sizeof(_ports), _ports);
	if (!ports)
		return false;
	ic->qsport = ports[0];
	ic->qdport = ports[1];
	return true;
}

static void vlb_icmp_rewrite_ports(struct sk_buff *skb,
				   const struct vlb_icmp *ic, int dir,
				   const struct vlb_conn *cp)
{
	__be16 *ports = (__be16 *)(skb->data + ic->cthoff);

	if (dir == VLB_DIR_IN)
		ports[0] = cp->dport;	/* it came from the real server */
	else
		ports[1] = cp->vport;	/* it went to the virtual service */
}

/*
 * "Fragmentation needed" about a packet the director itself sent: with vlb
 * that is mostly an outer tunnel packet (IPIP, IPv6-in-IP, GRE, GUE) to a
 * real server, which no tunnel device of the kernel owns, so nothing else
 * would learn that the path to the server narrowed. Record the path MTU
 * on the route, as a tunnel device's error handler would; the next packet
 * to that server then meets the smaller MTU and the client hears of it.
 * The helpers read the quoted header at skb->data.
 */
static bool vlb_outer_proto(u8 protocol)
{
	return protocol == IPPROTO_IPIP || protocol == IPPROTO_IPV6 ||
	       protocol == IPPROTO_GRE || protocol == IPPROTO_UDP;
}

static void vlb_icmp_outer_v4(struct net *net, struct sk_buff *skb,
			      unsigned int coff, u32 mtu)
{
	const struct iphdr *ciph;

	if (!pskb_may_pull(skb, coff + sizeof(struct iphdr)))
		return;
	ciph = (const struct iphdr *)(skb->data + coff);
	if (!vlb_outer_proto(ciph->protocol) ||
	    inet_addr_type(net, ciph->saddr) != RTN_LOCAL)
		return;
	__skb_pull(skb, coff);
	ipv4_update_pmtu(skb, net, mtu, 0, ciph->protocol);
	__skb_push(skb, coff);
}

static void vlb_icmp_outer_v6(struct net *net, struct sk_buff *skb,
			      unsigned int coff, __be32 mtu, u8 protocol)
{
	const struct ipv6hdr *ciph;

	if (!vlb_outer_proto(protocol) ||
	    !pskb_may_pull(skb, coff + sizeof(struct ipv6hdr)))
		return;
	ciph = (const struct ipv6hdr *)(skb->data + coff);
	if (!ipv6_chk_addr(net, &ciph->saddr, NULL, 0))
		return;
	__skb_pull(skb, coff);
	ip6_update_pmtu(skb, net, mtu, 0, 0, sock_net_uid(net, NULL));
	__skb_push(skb, coff);
}

static unsigned int vlb_icmp_v4(struct vlb_net *vn, struct sk_buff *skb,
				const struct nf_hook_state *state)
{
	const struct iphdr *iph = ip_hdr(skb);
	struct iphdr _ciph, *ciph, *oiph;
	struct icmphdr _ich, *ich;
	unsigned int len = skb->len;
	struct vlb_icmp ic = {};
	struct vlb_conn *cp;
	u32 frag_mtu = 0;
	int dir;

	ic.ioff = skb_network_offset(skb) + iph->ihl * 4;
	ich = skb_header_pointer(skb, ic.ioff, sizeof(_ich), &_ich);
	if (!ich || (ich->type != ICMP_DEST_UNREACH &&
		     ich->type != ICMP_TIME_EXCEEDED &&
		     ich->type != ICMP_PARAMETERPROB))
		return NF_ACCEPT;
	if (ich->type == ICMP_DEST_UNREACH && ich->code == ICMP_FRAG_NEEDED &&
	    state->hook == NF_INET_PRE_ROUTING)
		frag_mtu = ntohs(ich->un.frag.mtu);
	ic.coff = ic.ioff + sizeof(struct icmphdr);
	ciph = skb_header_pointer(skb, ic.coff, sizeof(_ciph), &_ciph);
	if (!ciph || ciph->ihl < 5 || (ciph->frag_off & htons(IP_OFFSET)))
		return NF_ACCEPT;
	ic.cthoff = ic.coff + ciph->ihl * 4;
	ic.protocol = ciph->protocol;
	ic.qsaddr.ip = ciph->saddr;
	ic.qdaddr.ip = ciph->daddr;
	if (!vlb_icmp_ports(skb, &ic))
		goto not_ours;

	cp = vlb_icmp_conn(vn, AF_INET, &ic, &dir);
	if (!cp)
		goto not_ours;
	/* The director's own errors go to clients only (NAT). */
	if (state->hook == NF_INET_LOCAL_OUT && dir != VLB_DIR_OUT)
		return NF_ACCEPT;

	vlb_untrack(skb);
	if (dir == VLB_DIR_IN && vlb_conn_fwd(cp) != VLB_FWD_MASQ)
		return vlb_icmp_to_server(vn, skb, cp, len, state);

	if (skb_ensure_writable(skb, ic.cthoff + 2 * sizeof(__be16)))
		return NF_DROP;
	oiph = ip_hdr(skb);
	ciph = (struct iphdr *)(skb->data + ic.coff);
	if (dir == VLB_DIR_IN) {
		/* Client side -> real server: undo the source NAT. */
		csum_replace4(&ciph->check, ciph->saddr, cp->daddr.ip);
		ciph->saddr = cp->daddr.ip;
		csum_replace4(&oiph->check, oiph->daddr, cp->daddr.ip);
		oiph->daddr = cp->daddr.ip;
		if (skb_valid_dst(skb))
			skb_dst_drop(skb);
	} else {
		/* As for NAT replies: route before the source becomes the VIP. */
		if (state->hook == NF_INET_PRE_ROUTING && !skb_valid_dst(skb) &&
		    ip_route_input_noref(skb, oiph->daddr, oiph->saddr,
					 oiph->tos, state->in))
			return NF_DROP;
		csum_replace4(&ciph->check, ciph->daddr, cp->vaddr.ip);
		ciph->daddr = cp->vaddr.ip;
		csum_replace4(&oiph->check, oiph->saddr, cp->vaddr.ip);
		oiph->saddr = cp->vaddr.ip;
	}
	vlb_icmp_rewrite_ports(skb, &ic, dir, cp);
	ich = (struct icmphdr *)(skb->data + ic.ioff);
	ich->checksum = 0;
	ich->checksum = csum_fold(skb_checksum(skb, ic.ioff, skb->len - ic.ioff,
					       0));
	skb->ip_summed = CHECKSUM_NONE;
	vlb_count(vn, cp, dir, len);
	return NF_ACCEPT;

not_ours:
	if (frag_mtu)
		vlb_icmp_outer_v4(state->net, skb, ic.coff, frag_mtu);
	return NF_ACCEPT;
}

static unsigned int vlb_icmp_v6(struct vlb_net *vn, struct sk_buff *skb,
				unsigned int thoff,
				const struct nf_hook_state *state)
{
	struct ipv6hdr _ciph, *ciph, *oiph;
	struct icmp6hdr _ich, *ich;
	unsigned int len = skb->len;
	struct vlb_icmp ic = {};
	struct vlb_conn *cp;
	__be32 frag_mtu = 0;
	__be16 frag_off;
	u8 nexthdr;
	int off, dir;

	ic.ioff = thoff;
	ich = skb_header_pointer(skb, ic.ioff, sizeof(_ich), &_ich);
	/* Errors are types 1 to 4; 128 and up (echo, ND, MLD) are not. */
	if (!ich || ich->icmp6_type < ICMPV6_DEST_UNREACH ||
	    ich->icmp6_type > ICMPV6_PARAMPROB)
		return NF_ACCEPT;
	if (ich->icmp6_type == ICMPV6_PKT_TOOBIG &&
	    state->hook == NF_INET_PRE_ROUTING)
		frag_mtu = ich->icmp6_mtu;
	ic.coff = ic.ioff + sizeof(struct icmp6hdr);
	ciph = skb_header_pointer(skb, ic.coff, sizeof(_ciph), &_ciph);
	if (!ciph)
		return NF_ACCEPT;
	nexthdr = ciph->nexthdr;
	off = ipv6_skip_exthdr(skb, ic.coff + sizeof(_ciph), &nexthdr,
			       &frag_off);
	if (off < 0 || (frag_off & htons(~0x7)))
		return NF_ACCEPT;
	ic.cthoff = off;
	ic.protocol = nexthdr;
	ic.qsaddr.in6 = ciph->saddr;
	ic.qdaddr.in6 = ciph->daddr;
	if (!vlb_icmp_ports(skb, &ic))
		goto not_ours;

	cp = vlb_icmp_conn(vn, AF_INET6, &ic, &dir);
	if (!cp)
		goto not_ours;
	if (state->hook == NF_INET_LOCAL_OUT && dir != VLB_DIR_OUT)
		return NF_ACCEPT;

	vlb_untrack(skb);
	if (dir == VLB_DIR_IN && vlb_conn_fwd(cp) != VLB_FWD_MASQ)
		return vlb_icmp_to_server(vn, skb, cp, len, state);

	if (skb_ensure_writable(skb, ic.cthoff + 2 * sizeof(__be16)))
		return NF_DROP;
	oiph = ipv6_hdr(skb);
	ciph = (struct ipv6hdr *)(skb->data + ic.coff);
	if (dir == VLB_DIR_IN) {
		ciph->saddr = cp->daddr.in6;
		oiph->daddr = cp->daddr.in6;
		if (skb_valid_dst(skb))
			skb_dst_drop(skb);
	} else {
		ciph->daddr = cp->vaddr.in6;
		oiph->saddr = cp->vaddr.in6;
	}
	vlb_icmp_rewrite_ports(skb, &ic, dir, cp);
	/* The ICMPv6 checksum covers a pseudo-header of the outer addresses. */
	ich = (struct icmp6hdr *)(skb->data + ic.ioff);
	ich->icmp6_cksum = 0;
	ich->icmp6_cksum = csum_ipv6_magic(&oiph->saddr, &oiph->daddr,
					   skb->len - ic.ioff, IPPROTO_ICMPV6,
					   skb_checksum(skb, ic.ioff,
							skb->len - ic.ioff, 0));
	skb->ip_summed = CHECKSUM_NONE;
	vlb_count(vn, cp, dir, len);
	return NF_ACCEPT;

not_ours:
	if (frag_mtu)
		vlb_icmp_outer_v6(state->net, skb, ic.coff, frag_mtu, nexthdr);
	return NF_ACCEPT;
}

static unsigned int vlb_hook_v4(void *priv, struct sk_buff *skb,
				const struct nf_hook_state *state)
{
	const struct iphdr *iph = ip_hdr(skb);
	struct vlb_net *vn = priv;
	struct vlb_pkt p;

	if (iph->protocol == IPPROTO_ICMP && !ip_is_fragment(iph))
		return vlb_icmp_v4(vn, skb, state);
	if (iph->protocol != IPPROTO_TCP && iph->protocol != IPPROTO_UDP)
		return NF_ACCEPT;
	/*
	 * nf_defrag has reassembled what it could: a fragment still here
	 * (an incomplete datagram) has no ports to go by; leave it alone.
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
	return vlb_packet(vn, skb, &p, state);
}

static unsigned int vlb_hook_v6(void *priv, struct sk_buff *skb,
				const struct nf_hook_state *state)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	struct vlb_net *vn = priv;
	unsigned int thoff = 0;
	int frag_flags = 0;
	struct vlb_pkt p;
	int protocol;

	/* The transport header, past any extension headers. */
	protocol = ipv6_find_hdr(skb, &thoff, -1, NULL, &frag_flags);
	if (protocol == IPPROTO_ICMPV6 && !(frag_flags & IP6_FH_F_FRAG))
		return vlb_icmp_v6(vn, skb, thoff, state);
	if (protocol != IPPROTO_TCP && protocol != IPPROTO_UDP)
		return NF_ACCEPT;
	/* As for IPv4: what nf_defrag could not reassemble. */
	if (frag_flags & IP6_FH_F_FRAG)
		return NF_ACCEPT;

	p.af = AF_INET6;
	p.protocol = protocol;
	p.saddr.in6 = ip6h->saddr;
	p.daddr.in6 = ip6h->daddr;
	p.thoff = thoff;
	if (!vlb_proto_parse(skb, &p))
		return NF_ACCEPT;
	return vlb_packet(vn, skb, &p, state);
}

/* The template of each namespace's vn->hook_ops. */
static const struct nf_hook_ops vlb_hook_ops[VLB_NUM_HOOKS] = {
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

/*
 * Fragments must be reassembled before vlb sees them, or only the first
 * of a datagram (the one with the ports) could be balanced. nf_defrag does
 * that at priority -400 whether or not conntrack is loaded, as it does
 * for IPVS; both are reference counted per namespace.
 */
static int vlb_defrag_enable(struct net *net)
{
	int err;

	err = nf_defrag_ipv4_enable(net);
	if (err)
		return err;
#if IS_ENABLED(CONFIG_IPV6)
	err = nf_defrag_ipv6_enable(net);
	if (err) {
		nf_defrag_ipv4_disable(net);
		return err;
	}
#endif
	return 0;
}

static void vlb_defrag_disable(struct net *net)
{
#if IS_ENABLED(CONFIG_IPV6)
	nf_defrag_ipv6_disable(net);
#endif
	nf_defrag_ipv4_disable(net);
}

int vlb_hooks_net_enable(struct vlb_net *vn)
{
	unsigned int i;
	int err;

	if (vn->hooks_registered)
		return 0;
	err = vlb_defrag_enable(vn->net);
	if (err)
		return err;
	memcpy(vn->hook_ops, vlb_hook_ops, sizeof(vn->hook_ops));
	for (i = 0; i < VLB_NUM_HOOKS; i++)
		vn->hook_ops[i].priv = vn;
	err = nf_register_net_hooks(vn->net, vn->hook_ops, VLB_NUM_HOOKS);
	if (err) {
		vlb_defrag_disable(vn->net);
		return err;
	}
	vn->hooks_registered = true;
	return 0;
}

void vlb_hooks_net_disable(struct vlb_net *vn)
{
	if (!vn->hooks_registered)
		return;
	/* Returns after every CPU has left the hooks. */
	nf_unregister_net_hooks(vn->net, vn->hook_ops, VLB_NUM_HOOKS);
	vlb_defrag_disable(vn->net);
	vn->hooks_registered = false;
}

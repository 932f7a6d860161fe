// SPDX-License-Identifier: GPL-2.0
/*
 * The routes vlb keeps so that a packet need not be routed from scratch:
 * per destination, the output route to the real server that direct
 * routing and tunnels send on, and the input route the kernel gives a NAT
 * packet rewritten to it; per namespace, the set of the director's own
 * IPv4 addresses that the second one needs to judge a source as the
 * kernel would. All of them follow the kernel's route generation: a
 * change of routes or addresses makes dst_check() refuse a kept route and
 * the address set stale, and the next packet takes the kernel's way.
 */
#include <linux/inetdevice.h>
#include <linux/rtnetlink.h>
#include <linux/hash.h>
#include <net/ip.h>
#include <net/ip_fib.h>
#include <net/route.h>
#include <net/ipv6.h>
#include <net/ip6_route.h>
#include <net/addrconf.h>

#include "route.h"

/*
 * The director's own IPv4 addresses as of route generation genid, in an
 * open-addressed table at most half full: one or two probes answer whether
 * a source is local, where inet_addr_type() would cost a FIB lookup.
 */
struct vlb_laddrs {
	struct rcu_head rcu;
	int genid;			/* rt_genid_ipv4() when built */
	u32 bits;
	__be32 slot[];			/* 0: empty */
};

static u32 vlb_laddr_slot(const struct vlb_laddrs *la, __be32 addr)
{
	return hash_32((__force u32)addr, la->bits);
}

static bool vlb_laddr_local(struct vlb_net *vn, __be32 addr)
{
	const struct vlb_laddrs *la = rcu_dereference(vn->laddrs);
	u32 mask, i;

	if (unlikely(!la || la->genid != rt_genid_ipv4(vn->net))) {
		/* Built anew in process context; meanwhile the FIB answers. */
		schedule_work(&vn->laddrs_work);
		return inet_addr_type(vn->net, addr) == RTN_LOCAL;
	}
	mask = (1U << la->bits) - 1;
	for (i = vlb_laddr_slot(la, addr); la->slot[i]; i = (i + 1) & mask) {
		if (la->slot[i] == addr)
			return true;
	}
	return false;
}

static void vlb_laddr_add(struct vlb_laddrs *la, __be32 addr)
{
	u32 mask = (1U << la->bits) - 1, i;

	for (i = vlb_laddr_slot(la, addr); la->slot[i]; i = (i + 1) & mask) {
		if (la->slot[i] == addr)
			return;
	}
	la->slot[i] = addr;
}

/*
 * Every address of every device (what the kernel's source validation
 * looks up), under RTNL so that none changes meanwhile. The generation is
 * read first: a route change after it only makes the set stale early.
 */
static void vlb_laddrs_build(struct work_struct *work)
{
	struct vlb_net *vn = container_of(work, struct vlb_net, laddrs_work);
	struct vlb_laddrs *la, *old;
	struct net_device *dev;
	struct in_device *in_dev;
	struct in_ifaddr *ifa;
	unsigned int n = 0, bits;
	int genid;

	rtnl_lock();
	genid = rt_genid_ipv4(vn->net);
	for_each_netdev(vn->net, dev) {
		in_dev = __in_dev_get_rtnl(dev);
		if (!in_dev)
			continue;
		in_dev_for_each_ifa_rtnl(ifa, in_dev)
			n++;
	}
	bits = max_t(unsigned int, 4, order_base_2(2 * n + 1));
	la = kvzalloc(struct_size(la, slot, 1U << bits), GFP_KERNEL);
	if (!la) {
		rtnl_unlock();
		return;
	}
	la->genid = genid;
	la->bits = bits;
	for_each_netdev(vn->net, dev) {
		in_dev = __in_dev_get_rtnl(dev);
		if (!in_dev)
			continue;
		in_dev_for_each_ifa_rtnl(ifa, in_dev) {
			if (ifa->ifa_local)
				vlb_laddr_add(la, ifa->ifa_local);
		}
	}
	rtnl_unlock();
	old = rcu_replace_pointer(vn->laddrs, la, true);
	if (old)
		kvfree_rcu(old, rcu);
}

void vlb_route_net_init(struct vlb_net *vn)
{
	INIT_WORK(&vn->laddrs_work, vlb_laddrs_build);
}

/* After the hooks are gone: nothing can schedule a build any more. */
void vlb_route_net_exit(struct vlb_net *vn)
{
	cancel_work_sync(&vn->laddrs_work);
	kvfree(rcu_replace_pointer(vn->laddrs, NULL, true));
}

/*
 * The route to a real server, and the source address to reach it from
 * (when saddr is given). NULL if there is none, or if the address is the
 * director's own: a real server is another machine.
 */
static struct dst_entry *vlb_route_v4(struct net *net, __be32 daddr,
				      __be32 *saddr, u8 flags)
{
	struct flowi4 fl4 = { .daddr = daddr, .flowi4_flags = flags };
	struct rtable *rt;

	rt = ip_route_output_key(net, &fl4);
	if (IS_ERR(rt))
		return NULL;
	if (rt->rt_type != RTN_UNICAST) {
		ip_rt_put(rt);
		return NULL;
	}
	if (saddr)
		*saddr = fl4.saddr;
	return &rt->dst;
}

static struct dst_entry *vlb_route_v6(struct net *net,
				      const struct in6_addr *daddr,
				      struct in6_addr *saddr, u8 flags)
{
	struct flowi6 fl6 = { .daddr = *daddr, .flowi6_flags = flags };
	struct dst_entry *dst;

	dst = ip6_route_output(net, NULL, &fl6);
	if (dst->error || (dst->dev->flags & IFF_LOOPBACK))
		goto fail;
	if (saddr && ipv6_dev_get_saddr(net, dst->dev, daddr, 0, saddr))
		goto fail;
	return dst;
fail:
	dst_release(dst);
	return NULL;
}

/*
 * flags FLOWI_FLAG_KNOWN_NH (direct routing): the packet's destination is
 * not the address routed to, and the link-layer next hop must be the
 * latter, the real server, even on a route without a gateway. The FIB
 * cannot cache such a route and makes one for each lookup: hence a cache
 * per destination, which the kernel invalidates when routing changes.
 * A route for a tunnel works for DR too and the reverse, so one cache
 * serves both, whatever the destination's method is edited to.
 */
struct dst_entry *vlb_route_out(struct net *net, struct vlb_dest *d,
			       const union nf_inet_addr *daddr,
			       union nf_inet_addr *saddr, u8 flags)
{
	union nf_inet_addr sa = {};
	struct dst_entry *dst;

	/* The cache is per CPU: LOCAL_OUT may run with BHs enabled. */
	local_bh_disable();
	if (d->af == AF_INET6) {
		dst = dst_cache_get_ip6(&d->dst_cache, &sa.in6);
		if (!dst) {
			dst = vlb_route_v6(net, &daddr->in6, &sa.in6, flags);
			if (dst)
				dst_cache_set_ip6(&d->dst_cache, dst, &sa.in6);
		}
	} else {
		struct rtable *rt = dst_cache_get_ip4(&d->dst_cache, &sa.ip);

		dst = rt ? &rt->dst : NULL;
		if (!dst) {
			dst = vlb_route_v4(net, daddr->ip, &sa.ip, flags);
			if (dst)
				dst_cache_set_ip4(&d->dst_cache, dst, sa.ip);
		}
	}
	local_bh_enable();
	if (dst && saddr)
		*saddr = sa;
	return dst;
}

/*
 * The input route of a rewritten NAT packet, IPv4. After the rewrite the
 * kernel would route the packet to the real server: a FIB lookup, source
 * validation and early demux for every packet, which cost the director
 * more than the rest of vlb's work on it. Where the outcome cannot depend
 * on the packet's source, vlb instead hands it the route the kernel gave
 * the last packet to that real server from the same device and TOS, kept
 * per destination and CPU: the very route object the kernel caches in its
 * next hop, so the packet then goes through ip_forward(), the FORWARD and
 * POST_ROUTING hooks and the rest of the PRE_ROUTING ones exactly as
 * before. The kernel bumps its route generation on every change of routes
 * or addresses, and dst_check() then refuses the kept route.
 *
 * The source cannot matter without policy rules, route classes and custom
 * local routes, with rp_filter and accept_local off on the input device
 * (Debian's defaults), and with the martian checks of route input done
 * here: then the kernel only refuses sources of the director's own and
 * martian ones. Anything else, IPv6 and packets with IP options take the
 * kernel's way, as do packets whose route is multipath (chosen by source),
 * a hairpin that may warrant a redirect, or not a plain forward.
 */
struct vlb_rt_in {
	struct dst_entry *dst;		/* holds a reference */
	int iif;
	u8 tos;
};

/* DSCP, which both 6.1's and later kernels' route lookups key on. */
#define VLB_RT_IN_TOS_MASK	0xfc

static bool vlb_rt_in_usable(struct vlb_net *vn, struct in_device *in_dev,
			     __be32 saddr)
{
	struct net *net = vn->net;

	if (fib4_has_custom_rules(net) ||
	    READ_ONCE(net->ipv4.fib_has_custom_local_routes) ||
	    fib_num_tclassid_users(net))
		return false;
	if (!IN_DEV_FORWARD(in_dev) || IN_DEV_RPFILTER(in_dev) ||
	    IN_DEV_ACCEPT_LOCAL(in_dev))
		return false;
	if (ipv4_is_multicast(saddr) || ipv4_is_lbcast(saddr) ||
	    ipv4_is_zeronet(saddr) ||
	    (ipv4_is_loopback(saddr) && !IN_DEV_NET_ROUTE_LOCALNET(in_dev, net)))
		return false;
	return !vlb_laddr_local(vn, saddr);
}

/*
 * Whether a route may serve every packet from in_dev: a plain forward, on
 * one path. A hairpin (out where it came in) with redirects on is left to
 * the kernel, which may tell the client of a better next hop.
 */
static bool vlb_rt_in_shareable(const struct sk_buff *skb,
				struct in_device *in_dev)
{
	const struct rtable *rt = skb_rtable(skb);

	return rt->rt_type == RTN_UNICAST && !rt->dst.error &&
	       !(rt->rt_flags & (RTCF_LOCAL | RTCF_BROADCAST |
				 RTCF_MULTICAST)) &&
	       !(IPCB(skb)->flags & (IPSKB_MULTIPATH | IPSKB_DOREDIRECT)) &&
	       (rt->dst.dev != in_dev->dev || !IN_DEV_TX_REDIRECTS(in_dev));
}

int vlb_route_in_v4(struct sk_buff *skb, const struct vlb_dest *d,
		    const struct nf_hook_state *state)
{
	const struct iphdr *iph = ip_hdr(skb);
	struct net_device *dev = state->in;
	u8 tos = iph->tos & VLB_RT_IN_TOS_MASK;
	struct in_device *in_dev;
	struct vlb_rt_in *c;
	int err;

	in_dev = __in_dev_get_rcu(dev);
	if (!d->rt_in || !in_dev || iph->ihl != 5 ||
	    !vlb_rt_in_usable(d->svc->vn, in_dev, iph->saddr))
		return 0;	/* the kernel routes it */

	/* PRE_ROUTING runs in softirq: the CPU's entry is ours alone. */
	c = this_cpu_ptr(d->rt_in);
	if (c->dst && !dst_check(c->dst, 0)) {
		/* Packets still carrying it hold it by RCU or a reference. */
		dst_release(c->dst);
		c->dst = NULL;
	}
	if (likely(c->dst && c->iif == dev->ifindex && c->tos == tos &&
		   (c->dst->dev != dev || !IN_DEV_TX_REDIRECTS(in_dev)))) {
		skb_dst_drop(skb);
		/* c holds the route: the packet needs no reference of its own. */
		skb_dst_set_noref(skb, c->dst);
		return 0;
	}
	/* The kernel's own lookup, whose route the next packets then share. */
	skb_dst_drop(skb);
	err = ip_route_input_noref(skb, iph->daddr, iph->saddr, iph->tos, dev);
	if (err || !vlb_rt_in_shareable(skb, in_dev) ||
	    !dst_hold_safe(skb_dst(skb)))
		return err;
	dst_release(c->dst);
	c->dst = skb_dst(skb);
	c->iif = dev->ifindex;
	c->tos = tos;
	return 0;
}

int vlb_route_dest_init(struct vlb_dest *d)
{
	int err;

	err = dst_cache_init(&d->dst_cache, GFP_KERNEL);
	if (err)
		return err;
	/* An IPv6 destination only takes IPv4 packets through a tunnel. */
	if (d->af == AF_INET) {
		d->rt_in = alloc_percpu(struct vlb_rt_in);
		if (!d->rt_in) {
			dst_cache_destroy(&d->dst_cache);
			return -ENOMEM;
		}
	}
	return 0;
}

void vlb_route_dest_free(struct vlb_dest *d)
{
	int cpu;

	dst_cache_destroy(&d->dst_cache);
	if (!d->rt_in)
		return;
	for_each_possible_cpu(cpu)
		dst_release(per_cpu_ptr(d->rt_in, cpu)->dst);
	free_percpu(d->rt_in);
}

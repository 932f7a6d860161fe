// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "vlb": the only way to configure the module.
 * Every command runs in the namespace of the requesting socket and needs
 * CAP_NET_ADMIN over it. Attributes are validated strictly by the policies
 * below, then every value and combination is checked before anything
 * changes, so a request either applies completely or fails with an errno
 * and an extended ACK naming the attribute at fault. Dumps keep an id
 * cursor (services and destinations live in xarrays by id), so a dump costs
 * time linear in what it returns however many messages it spans; the
 * generation counter vn->gen marks dumps interrupted by a change. The
 * "config" multicast group hears about every change once it is applied.
 * The uapi header documents each command.
 */

#include <linux/in.h>
#include <linux/in6.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "vlb.h"

enum { VLB_MCGRP_CONFIG_IDX };

static const struct nla_policy svc_policy[VLB_SVC_A_MAX + 1] = {
	[VLB_SVC_A_AF]		= { .type = NLA_U16 },
	[VLB_SVC_A_PROTOCOL]	= { .type = NLA_U16 },
	[VLB_SVC_A_ADDR]	= { .type = NLA_BINARY,
				    .len = sizeof(struct in6_addr) },
	[VLB_SVC_A_PORT]	= { .type = NLA_BE16 },
	[VLB_SVC_A_FWMARK]	= { .type = NLA_U32 },
	/* the length is checked by hand, for a clearer message */
	[VLB_SVC_A_SCHED_NAME]	= { .type = NLA_NUL_STRING },
	[VLB_SVC_A_FLAGS]	= { .type = NLA_U32 },
	[VLB_SVC_A_TIMEOUT]	= { .type = NLA_U32 },
	[VLB_SVC_A_NETMASK]	= { .type = NLA_U32 },
	[VLB_SVC_A_STATS]	= { .type = NLA_REJECT,
				    .reject_message = "counters are read-only" },
	[VLB_SVC_A_NUM_DESTS]	= { .type = NLA_REJECT,
				    .reject_message = "NUM_DESTS is read-only" },
};

static const struct nla_policy dest_policy[VLB_DEST_A_MAX + 1] = {
	[VLB_DEST_A_ADDR]	= { .type = NLA_BINARY,
				    .len = sizeof(struct in6_addr) },
	[VLB_DEST_A_PORT]	= { .type = NLA_BE16 },
	[VLB_DEST_A_AF]		= { .type = NLA_U16 },
	[VLB_DEST_A_FWD_METHOD]	= { .type = NLA_U32 },
	[VLB_DEST_A_WEIGHT]	= { .type = NLA_U32 },
	[VLB_DEST_A_U_THRESH]	= { .type = NLA_U32 },
	[VLB_DEST_A_L_THRESH]	= { .type = NLA_U32 },
	[VLB_DEST_A_TUN_TYPE]	= { .type = NLA_U8 },
	[VLB_DEST_A_TUN_PORT]	= { .type = NLA_BE16 },
	[VLB_DEST_A_TUN_FLAGS]	= { .type = NLA_U16 },
	[VLB_DEST_A_ACTIVE_CONNS] = { .type = NLA_REJECT,
				      .reject_message = "counters are read-only" },
	[VLB_DEST_A_INACT_CONNS] = { .type = NLA_REJECT,
				     .reject_message = "counters are read-only" },
	[VLB_DEST_A_PERSIST_CONNS] = { .type = NLA_REJECT,
				       .reject_message = "counters are read-only" },
	[VLB_DEST_A_STATS]	= { .type = NLA_REJECT,
				    .reject_message = "counters are read-only" },
};

static const struct nla_policy vlb_policy[VLB_A_MAX + 1] = {
	[VLB_A_SERVICE]		= NLA_POLICY_NESTED(svc_policy),
	[VLB_A_DEST]		= NLA_POLICY_NESTED(dest_policy),
	[VLB_A_TIMEOUT_TCP]	= { .type = NLA_U32 },
	[VLB_A_TIMEOUT_TCP_FIN]	= { .type = NLA_U32 },
	[VLB_A_TIMEOUT_UDP]	= { .type = NLA_U32 },
	[VLB_A_VERSION]		= { .type = NLA_REJECT,
				    .reject_message = "VERSION is read-only" },
	[VLB_A_CONN_TAB_SIZE]	= { .type = NLA_REJECT,
				    .reject_message = "CONN_TAB_SIZE is read-only" },
	[VLB_A_CONN]		= { .type = NLA_REJECT,
				    .reject_message = "connections are read-only" },
	[VLB_A_CONN_COUNT]	= { .type = NLA_REJECT,
				    .reject_message = "CONN_COUNT is read-only" },
	[VLB_A_CONN_MAX]	= { .type = NLA_REJECT,
				    .reject_message = "CONN_MAX is set by the net.vlb.conn_max sysctl" },
	[VLB_A_CONN_DROPS]	= { .type = NLA_REJECT,
				    .reject_message = "CONN_DROPS is read-only" },
	[VLB_A_PAD]		= { .type = NLA_REJECT,
				    .reject_message = "PAD is not an input" },
};

/* Fail with @err, blaming @attr. */
#define BAD_ATTR(extack, attr, err, msg) ({			\
	NL_SET_ERR_MSG_ATTR(extack, attr, msg);			\
	err;							\
})

/* Fail with -EINVAL because attribute @type of @nest is missing. */
#define MISSING(extack, nest, type, msg) ({			\
	NL_SET_ERR_ATTR_MISS(extack, nest, type);		\
	NL_SET_ERR_MSG(extack, msg);			\
	-EINVAL;						\
})

static unsigned int addr_len(int af)
{
	return af == AF_INET ? sizeof(struct in_addr) : sizeof(struct in6_addr);
}

static unsigned int max_prefix(int af)
{
	return af == AF_INET ? 32 : 128;
}

static int check_af(struct nlattr *attr, int af, struct netlink_ext_ack *extack)
{
	if (af == AF_INET || (af == AF_INET6 && IS_ENABLED(CONFIG_IPV6)))
		return 0;
	return BAD_ATTR(extack, attr, -EAFNOSUPPORT,
			"address family must be AF_INET or AF_INET6");
}

static int get_addr(struct nlattr *attr, int af, union nf_inet_addr *addr,
		    struct netlink_ext_ack *extack)
{
	if (nla_len(attr) != addr_len(af))
		return BAD_ATTR(extack, attr, -EINVAL,
				"address length does not match the address family (4 bytes for IPv4, 16 for IPv6)");
	memset(addr, 0, sizeof(*addr));
	nla_memcpy(addr, attr, addr_len(af));
	return 0;
}

/* ---- services ---- */

static int parse_svc_nest(struct nlattr *nest, struct nlattr **sa,
			  struct netlink_ext_ack *extack)
{
	if (!nest)
		return MISSING(extack, NULL, VLB_A_SERVICE, "service missing");
	return nla_parse_nested(sa, VLB_SVC_A_MAX, nest, svc_policy, extack);
}

/* The identity: AF plus either FWMARK or PROTOCOL, ADDR and PORT. */
static int parse_svc_key(struct nlattr *nest, struct nlattr **sa,
			 struct vlb_svc_key *key, struct netlink_ext_ack *extack)
{
	int err;

	memset(key, 0, sizeof(*key));
	if (!sa[VLB_SVC_A_AF])
		return MISSING(extack, nest, VLB_SVC_A_AF,
			       "service address family missing");
	key->af = nla_get_u16(sa[VLB_SVC_A_AF]);
	err = check_af(sa[VLB_SVC_A_AF], key->af, extack);
	if (err)
		return err;

	if (sa[VLB_SVC_A_FWMARK]) {
		static const int others[] = { VLB_SVC_A_PROTOCOL,
					      VLB_SVC_A_ADDR, VLB_SVC_A_PORT };
		int i;

		for (i = 0; i < ARRAY_SIZE(others); i++) {
			if (sa[others[i]])
				return BAD_ATTR(extack, sa[others[i]], -EINVAL,
						"a fwmark service has no protocol, address or port");
		}
		key->fwmark = nla_get_u32(sa[VLB_SVC_A_FWMARK]);
		if (!key->fwmark)
			return BAD_ATTR(extack, sa[VLB_SVC_A_FWMARK], -EINVAL,
					"fwmark must not be 0");
		return 0;
	}

	if (!sa[VLB_SVC_A_PROTOCOL])
		return MISSING(extack, nest, VLB_SVC_A_PROTOCOL,
			       "service needs a fwmark, or a protocol, address and port");
	if (!sa[VLB_SVC_A_ADDR])
		return MISSING(extack, nest, VLB_SVC_A_ADDR,
			       "service needs a fwmark, or a protocol, address and port");
	if (!sa[VLB_SVC_A_PORT])
		return MISSING(extack, nest, VLB_SVC_A_PORT,
			       "service needs a fwmark, or a protocol, address and port");
	key->protocol = nla_get_u16(sa[VLB_SVC_A_PROTOCOL]);
	if (key->protocol != IPPROTO_TCP && key->protocol != IPPROTO_UDP)
		return BAD_ATTR(extack, sa[VLB_SVC_A_PROTOCOL], -EPROTONOSUPPORT,
				"protocol must be TCP or UDP");
	err = get_addr(sa[VLB_SVC_A_ADDR], key->af, &key->addr, extack);
	if (err)
		return err;
	key->port = nla_get_be16(sa[VLB_SVC_A_PORT]);
	return 0;
}

/*
 * The options of NEW_SERVICE (svc NULL: defaults first) or SET_SERVICE
 * (the service's values first), then the checks of the merged result.
 */
static int parse_svc_conf(struct nlattr **sa, const struct vlb_service *svc,
			  struct vlb_svc_conf *conf,
			  struct netlink_ext_ack *extack)
{
	const struct vlb_svc_key *key = &conf->key;
	struct nlattr *a;
	bool was_persistent;

	conf->sched = NULL;
	if (svc) {
		conf->flags = svc->flags;
		conf->timeout = svc->timeout;
		conf->netmask = svc->netmask;
	} else {
		conf->flags = 0;
		conf->timeout = 0;
		conf->netmask = max_prefix(key->af);
	}
	was_persistent = conf->flags & VLB_SVC_F_PERSISTENT;

	a = sa[VLB_SVC_A_SCHED_NAME];
	if (a) {
		if (nla_len(a) > VLB_SCHED_NAME_MAX)
			return BAD_ATTR(extack, a, -EINVAL,
					"scheduler name is longer than 15 characters");
		conf->sched = vlb_sched_find(nla_data(a));
		if (!conf->sched)
			return BAD_ATTR(extack, a, -ENOENT, "unknown scheduler");
	} else if (!svc) {
		conf->sched = &vlb_sched_wlc;
	}

	a = sa[VLB_SVC_A_FLAGS];
	if (a) {
		conf->flags = nla_get_u32(a);
		if (conf->flags & ~__VLB_SVC_F_ALL)
			return BAD_ATTR(extack, a, -EINVAL,
					"unknown service flags");
	}

	a = sa[VLB_SVC_A_TIMEOUT];
	if (a) {
		conf->timeout = nla_get_u32(a);
		if (conf->timeout < 1 ||
		    conf->timeout > VLB_PERSIST_TIMEOUT_MAX)
			return BAD_ATTR(extack, a, -EINVAL,
					"persistence timeout must be 1..2678400 seconds");
	} else if ((conf->flags & VLB_SVC_F_PERSISTENT) && !was_persistent &&
		   !conf->timeout) {
		conf->timeout = VLB_PERSIST_TIMEOUT_DEFAULT;
	}

	a = sa[VLB_SVC_A_NETMASK];
	if (a) {
		conf->netmask = nla_get_u32(a);
		if (conf->netmask > max_prefix(key->af))
			return BAD_ATTR(extack, a, -EINVAL,
					"netmask must be a prefix length of 0..32 for IPv4, 0..128 for IPv6");
	}

	if ((conf->flags & VLB_SVC_F_ONEPACKET) && !key->fwmark &&
	    key->protocol != IPPROTO_UDP)
		return BAD_ATTR(extack, sa[VLB_SVC_A_FLAGS], -EINVAL,
				"one-packet scheduling is only for UDP and fwmark services");
	if (!key->fwmark && !key->port &&
	    !(conf->flags & VLB_SVC_F_PERSISTENT))
		return BAD_ATTR(extack, sa[VLB_SVC_A_FLAGS] ?: sa[VLB_SVC_A_PORT],
				-EINVAL,
				"port 0 is only allowed for a persistent service");
	return 0;
}

static struct vlb_service *find_svc(struct vlb_net *vn, struct nlattr *nest,
				    struct nlattr **sa,
				    struct netlink_ext_ack *extack, int *err)
{
	struct vlb_service *svc;
	struct vlb_svc_key key;

	*err = parse_svc_key(nest, sa, &key, extack);
	if (*err)
		return NULL;
	svc = vlb_svc_lookup(vn, &key);
	if (!svc) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "no such service");
		*err = -ESRCH;
	}
	return svc;
}

/* ---- messages ---- */

static int put_stats(struct sk_buff *skb, int type, const struct vlb_stats *s)
{
	struct vlb_stats_snap tot, rate;
	struct nlattr *nest;

	vlb_stats_read(s, &tot, &rate);
	nest = nla_nest_start(skb, type);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, VLB_STATS_A_CONNS, tot.conns,
			      VLB_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, VLB_STATS_A_INPKTS, tot.inpkts,
			      VLB_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, VLB_STATS_A_OUTPKTS, tot.outpkts,
			      VLB_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, VLB_STATS_A_INBYTES, tot.inbytes,
			      VLB_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, VLB_STATS_A_OUTBYTES, tot.outbytes,
			      VLB_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, VLB_STATS_A_CPS, rate.conns,
			      VLB_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, VLB_STATS_A_INPPS, rate.inpkts,
			      VLB_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, VLB_STATS_A_OUTPPS, rate.outpkts,
			      VLB_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, VLB_STATS_A_INBPS, rate.inbytes,
			      VLB_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, VLB_STATS_A_OUTBPS, rate.outbytes,
			      VLB_STATS_A_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int put_svc_key(struct sk_buff *skb, const struct vlb_service *svc)
{
	if (nla_put_u16(skb, VLB_SVC_A_AF, svc->af))
		return -EMSGSIZE;
	if (svc->fwmark)
		return nla_put_u32(skb, VLB_SVC_A_FWMARK, svc->fwmark);
	if (nla_put_u16(skb, VLB_SVC_A_PROTOCOL, svc->protocol) ||
	    nla_put(skb, VLB_SVC_A_ADDR, addr_len(svc->af), &svc->addr) ||
	    nla_put_be16(skb, VLB_SVC_A_PORT, svc->port))
		return -EMSGSIZE;
	return 0;
}

/* VLB_A_SERVICE with the identity only, or with everything. */
static int put_svc(struct sk_buff *skb, const struct vlb_service *svc,
		   bool full)
{
	struct vlb_scheduler *sched;
	struct nlattr *nest;

	nest = nla_nest_start(skb, VLB_A_SERVICE);
	if (!nest)
		return -EMSGSIZE;
	if (put_svc_key(skb, svc))
		goto cancel;
	if (full) {
		sched = rcu_dereference_protected(svc->sched,
						  lockdep_is_held(&svc->vn->lock));
		if (nla_put_string(skb, VLB_SVC_A_SCHED_NAME, sched->name) ||
		    nla_put_u32(skb, VLB_SVC_A_FLAGS, svc->flags) ||
		    nla_put_u32(skb, VLB_SVC_A_TIMEOUT, svc->timeout) ||
		    nla_put_u32(skb, VLB_SVC_A_NETMASK, svc->netmask) ||
		    nla_put_u32(skb, VLB_SVC_A_NUM_DESTS, svc->num_dests) ||
		    put_stats(skb, VLB_SVC_A_STATS, &svc->stats))
			goto cancel;
	}
	nla_nest_end(skb, nest);
	return 0;
cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static int put_dest(struct sk_buff *skb, const struct vlb_dest *d)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, VLB_A_DEST);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put(skb, VLB_DEST_A_ADDR, addr_len(d->af), &d->addr) ||
	    nla_put_be16(skb, VLB_DEST_A_PORT, d->port) ||
	    nla_put_u16(skb, VLB_DEST_A_AF, d->af) ||
	    nla_put_u32(skb, VLB_DEST_A_FWD_METHOD, d->fwd) ||
	    nla_put_u32(skb, VLB_DEST_A_WEIGHT, d->weight) ||
	    nla_put_u32(skb, VLB_DEST_A_U_THRESH, d->u_thresh) ||
	    nla_put_u32(skb, VLB_DEST_A_L_THRESH, d->l_thresh) ||
	    nla_put_u8(skb, VLB_DEST_A_TUN_TYPE, d->tun_type) ||
	    nla_put_be16(skb, VLB_DEST_A_TUN_PORT, d->tun_port) ||
	    nla_put_u16(skb, VLB_DEST_A_TUN_FLAGS, d->tun_flags) ||
	    nla_put_u32(skb, VLB_DEST_A_ACTIVE_CONNS,
			atomic_read(&d->activeconns)) ||
	    nla_put_u32(skb, VLB_DEST_A_INACT_CONNS,
			atomic_read(&d->inactconns)) ||
	    nla_put_u32(skb, VLB_DEST_A_PERSIST_CONNS,
			atomic_read(&d->persistconns)) ||
	    put_stats(skb, VLB_DEST_A_STATS, &d->stats)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int put_config(struct sk_buff *skb, const struct vlb_net *vn)
{
	if (nla_put_u32(skb, VLB_A_TIMEOUT_TCP,
			READ_ONCE(vn->timeout_tcp) / HZ) ||
	    nla_put_u32(skb, VLB_A_TIMEOUT_TCP_FIN,
			READ_ONCE(vn->timeout_tcp_fin) / HZ) ||
	    nla_put_u32(skb, VLB_A_TIMEOUT_UDP,
			READ_ONCE(vn->timeout_udp) / HZ))
		return -EMSGSIZE;
	return 0;
}

/* ---- notifications, sent under vn->lock so they arrive in order ---- */

static void notify(struct vlb_net *vn, u8 cmd, const struct vlb_service *svc,
		   const struct vlb_dest *d)
{
	struct sk_buff *skb;
	void *hdr;

	if (!genl_has_listeners(&vlb_genl_family, vn->net,
				VLB_MCGRP_CONFIG_IDX))
		return;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		goto lost;
	hdr = genlmsg_put(skb, 0, 0, &vlb_genl_family, 0, cmd);
	if (!hdr)
		goto lost_free;
	if ((svc && put_svc(skb, svc, !d)) || (d && put_dest(skb, d)) ||
	    (cmd == VLB_CMD_SET_CONFIG && put_config(skb, vn)))
		goto lost_free;
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&vlb_genl_family, vn->net, skb, 0,
				VLB_MCGRP_CONFIG_IDX, GFP_KERNEL);
	return;
lost_free:
	nlmsg_free(skb);
lost:
	/* Tell listeners they missed an event rather than stay silent. */
	genl_set_err(&vlb_genl_family, vn->net, 0, VLB_MCGRP_CONFIG_IDX,
		     -ENOBUFS);
}

void vlb_genl_notify_service(struct vlb_net *vn, u8 cmd,
			     const struct vlb_service *svc)
{
	notify(vn, cmd, svc, NULL);
}

void vlb_genl_notify_dest(struct vlb_net *vn, u8 cmd,
			  const struct vlb_service *svc,
			  const struct vlb_dest *d)
{
	notify(vn, cmd, svc, d);
}

/* ---- service commands ---- */

static struct vlb_net *info_vn(struct genl_info *info)
{
	return vlb_net(genl_info_net(info));
}

static int cmd_new_service(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *nest = info->attrs[VLB_A_SERVICE];
	struct nlattr *sa[VLB_SVC_A_MAX + 1];
	struct vlb_net *vn = info_vn(info);
	struct vlb_svc_conf conf;
	struct vlb_service *svc;
	int err;

	err = parse_svc_nest(nest, sa, info->extack);
	if (err)
		return err;
	err = parse_svc_key(nest, sa, &conf.key, info->extack);
	if (err)
		return err;
	err = parse_svc_conf(sa, NULL, &conf, info->extack);
	if (err)
		return err;

	mutex_lock(&vn->lock);
	if (vlb_svc_lookup(vn, &conf.key)) {
		NL_SET_ERR_MSG_ATTR(info->extack, nest,
				    "service already exists");
		err = -EEXIST;
		goto out;
	}
	err = vlb_svc_add(vn, &conf, &svc);
	if (err) {
		NL_SET_ERR_MSG(info->extack, "cannot add the service");
		goto out;
	}
	vlb_genl_notify_service(vn, VLB_CMD_NEW_SERVICE, svc);
out:
	mutex_unlock(&vn->lock);
	return err;
}

static int cmd_set_service(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *nest = info->attrs[VLB_A_SERVICE];
	struct nlattr *sa[VLB_SVC_A_MAX + 1];
	struct vlb_net *vn = info_vn(info);
	struct vlb_svc_conf conf;
	struct vlb_service *svc;
	int err;

	err = parse_svc_nest(nest, sa, info->extack);
	if (err)
		return err;
	mutex_lock(&vn->lock);
	svc = find_svc(vn, nest, sa, info->extack, &err);
	if (!svc)
		goto out;
	conf.key = svc->key;
	err = parse_svc_conf(sa, svc, &conf, info->extack);
	if (err)
		goto out;
	err = vlb_svc_edit(svc, &conf);
	if (err) {
		NL_SET_ERR_MSG(info->extack, "cannot change the scheduler");
		goto out;
	}
	vlb_genl_notify_service(vn, VLB_CMD_SET_SERVICE, svc);
out:
	mutex_unlock(&vn->lock);
	return err;
}

static int cmd_del_service(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *nest = info->attrs[VLB_A_SERVICE];
	struct nlattr *sa[VLB_SVC_A_MAX + 1];
	struct vlb_net *vn = info_vn(info);
	struct vlb_service *svc;
	int err;

	err = parse_svc_nest(nest, sa, info->extack);
	if (err)
		return err;
	mutex_lock(&vn->lock);
	svc = find_svc(vn, nest, sa, info->extack, &err);
	if (svc) {
		vlb_svc_hold(svc);
		vlb_svc_del(svc);
		vlb_genl_notify_service(vn, VLB_CMD_DEL_SERVICE, svc);
		vlb_svc_put(svc);
	}
	mutex_unlock(&vn->lock);
	return err;
}

static int cmd_get_service(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *nest = info->attrs[VLB_A_SERVICE];
	struct nlattr *sa[VLB_SVC_A_MAX + 1];
	struct vlb_net *vn = info_vn(info);
	struct vlb_service *svc;
	struct sk_buff *msg;
	void *hdr;
	int err;

	err = parse_svc_nest(nest, sa, info->extack);
	if (err)
		return err;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&vn->lock);
	svc = find_svc(vn, nest, sa, info->extack, &err);
	if (!svc)
		goto err_unlock;
	err = -EMSGSIZE;
	hdr = genlmsg_put_reply(msg, info, &vlb_genl_family, 0,
				VLB_CMD_NEW_SERVICE);
	if (!hdr || put_svc(msg, svc, true))
		goto err_unlock;
	genlmsg_end(msg, hdr);
	mutex_unlock(&vn->lock);
	return genlmsg_reply(msg, info);

err_unlock:
	mutex_unlock(&vn->lock);
	nlmsg_free(msg);
	return err;
}

/*
 * cb->args[0] is the id to resume from: services are visited by increasing
 * id, so each message costs O(log n) to find its first service, never a walk
 * from the start.
 */
static int dump_services(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct vlb_net *vn = vlb_net(sock_net(skb->sk));
	unsigned long id = cb->args[0];
	struct vlb_service *svc;
	void *hdr;

	mutex_lock(&vn->lock);
	cb->seq = vn->gen;
	while ((svc = vlb_svc_next(vn, &id))) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &vlb_genl_family,
				  NLM_F_MULTI, VLB_CMD_NEW_SERVICE);
		if (!hdr)
			break;
		genl_dump_check_consistent(cb, hdr);
		if (put_svc(skb, svc, true)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		id++;
	}
	cb->args[0] = id;
	mutex_unlock(&vn->lock);
	return skb->len;
}

/* ---- destination commands ---- */

static int parse_dest_nest(struct nlattr *nest, struct nlattr **da,
			   struct netlink_ext_ack *extack)
{
	if (!nest)
		return MISSING(extack, NULL, VLB_A_DEST, "destination missing");
	return nla_parse_nested(da, VLB_DEST_A_MAX, nest, dest_policy, extack);
}

/* The identity of a destination of @svc: ADDR, PORT and maybe AF. */
static int parse_dest_key(struct vlb_service *svc, struct nlattr *nest,
			  struct nlattr **da, struct vlb_dest_key *key,
			  struct netlink_ext_ack *extack)
{
	int err;

	memset(key, 0, sizeof(*key));
	key->svc = svc;
	key->af = svc->af;
	if (da[VLB_DEST_A_AF]) {
		key->af = nla_get_u16(da[VLB_DEST_A_AF]);
		err = check_af(da[VLB_DEST_A_AF], key->af, extack);
		if (err)
			return err;
	}
	if (!da[VLB_DEST_A_ADDR])
		return MISSING(extack, nest, VLB_DEST_A_ADDR,
			       "destination address missing");
	if (!da[VLB_DEST_A_PORT])
		return MISSING(extack, nest, VLB_DEST_A_PORT,
			       "destination port missing");
	err = get_addr(da[VLB_DEST_A_ADDR], key->af, &key->addr, extack);
	if (err)
		return err;
	key->port = nla_get_be16(da[VLB_DEST_A_PORT]);
	/* 0 keeps the packet's port: for services that match any port */
	if (!key->port && !svc->fwmark && svc->port)
		return BAD_ATTR(extack, da[VLB_DEST_A_PORT], -EINVAL,
				"destination port 0 is only allowed for fwmark and port-0 services");
	return 0;
}


/* Defaults (d NULL) or @d's values, then the request's, then the checks. */
static int parse_dest_conf(struct vlb_service *svc, struct nlattr *nest,
			   struct nlattr **da, const struct vlb_dest *d,
			   struct vlb_dest_conf *conf,
			   struct netlink_ext_ack *extack)
{
	struct nlattr *a;

	if (d) {
		conf->fwd = d->fwd;
		conf->tun_type = d->tun_type;
		conf->tun_port = d->tun_port;
		conf->tun_flags = d->tun_flags;
		conf->weight = d->weight;
		conf->u_thresh = d->u_thresh;
		conf->l_thresh = d->l_thresh;
	} else {
		conf->fwd = VLB_FWD_DROUTE;
		conf->tun_type = VLB_TUN_IPIP;
		conf->tun_port = 0;
		conf->tun_flags = VLB_TUN_F_NOCSUM;
		conf->weight = 1;
		conf->u_thresh = 0;
		conf->l_thresh = 0;
	}

	a = da[VLB_DEST_A_FWD_METHOD];
	if (a) {
		if (nla_get_u32(a) > __VLB_FWD_MAX)
			return BAD_ATTR(extack, a, -EINVAL,
					"unknown forwarding method");
		/* IPVS picks "local" itself; it is not a method to ask for */
		if (nla_get_u32(a) == VLB_FWD_LOCAL)
			return BAD_ATTR(extack, a, -EINVAL,
					"the local forwarding method cannot be set");
		conf->fwd = nla_get_u32(a);
	}
	/* u32 on the wire, int in IPVS: above INT_MAX reads as negative */
	a = da[VLB_DEST_A_WEIGHT];
	if (a) {
		if (nla_get_u32(a) > INT_MAX)
			return BAD_ATTR(extack, a, -ERANGE,
					"weight must be 0..2147483647");
		conf->weight = nla_get_u32(a);
	}
	a = da[VLB_DEST_A_U_THRESH];
	if (a) {
		if (nla_get_u32(a) > INT_MAX)
			return BAD_ATTR(extack, a, -ERANGE,
					"upper threshold must be 0..2147483647");
		conf->u_thresh = nla_get_u32(a);
	}
	a = da[VLB_DEST_A_L_THRESH];
	if (a) {
		if (nla_get_u32(a) > INT_MAX)
			return BAD_ATTR(extack, a, -ERANGE,
					"lower threshold must be 0..2147483647");
		conf->l_thresh = nla_get_u32(a);
	}
	if (conf->l_thresh > conf->u_thresh)
		return BAD_ATTR(extack, da[VLB_DEST_A_L_THRESH] ?:
				da[VLB_DEST_A_U_THRESH], -ERANGE,
				"lower threshold is above the upper threshold");

	if (conf->key.af != svc->af && conf->fwd != VLB_FWD_TUNNEL)
		return BAD_ATTR(extack, da[VLB_DEST_A_FWD_METHOD] ?:
				da[VLB_DEST_A_AF], -EINVAL,
				"only a tunnel destination may differ from the service's address family");

	if (conf->fwd != VLB_FWD_TUNNEL) {
		static const int tun[] = { VLB_DEST_A_TUN_TYPE,
					   VLB_DEST_A_TUN_PORT,
					   VLB_DEST_A_TUN_FLAGS };
		int i;

		for (i = 0; i < ARRAY_SIZE(tun); i++) {
			if (da[tun[i]])
				return BAD_ATTR(extack, da[tun[i]], -EINVAL,
						"tunnel options need the tunnel forwarding method");
		}
		conf->tun_type = VLB_TUN_IPIP;
		conf->tun_port = 0;
		conf->tun_flags = VLB_TUN_F_NOCSUM;
		return 0;
	}

	a = da[VLB_DEST_A_TUN_TYPE];
	if (a) {
		if (nla_get_u8(a) > __VLB_TUN_MAX)
			return BAD_ATTR(extack, a, -EINVAL,
					"unknown tunnel type");
		conf->tun_type = nla_get_u8(a);
	}
	a = da[VLB_DEST_A_TUN_FLAGS];
	if (a) {
		if (nla_get_u16(a) > __VLB_TUN_F_MAX)
			return BAD_ATTR(extack, a, -EINVAL,
					"unknown tunnel flags");
		conf->tun_flags = nla_get_u16(a);
	}
	a = da[VLB_DEST_A_TUN_PORT];
	if (conf->tun_type != VLB_TUN_GUE) {
		if (a)
			return BAD_ATTR(extack, a, -EINVAL,
					"a tunnel port is only for GUE");
		conf->tun_port = 0;
	} else {
		if (a) {
			conf->tun_port = nla_get_be16(a);
			if (!conf->tun_port)
				return BAD_ATTR(extack, a, -EINVAL,
						"GUE tunnel port must not be 0");
		}
		if (!conf->tun_port)
			return MISSING(extack, nest, VLB_DEST_A_TUN_PORT,
				       "a GUE tunnel needs a port");
	}
	return 0;
}

/*
 * The common start of every destination command: the service (ESRCH) and
 * the destination's identity; *dp is the destination if it exists.
 */
static int find_dest(struct vlb_net *vn, struct genl_info *info,
		     struct nlattr **da, struct vlb_service **svcp,
		     struct vlb_dest_key *key, struct vlb_dest **dp)
{
	struct nlattr *nest = info->attrs[VLB_A_SERVICE];
	struct nlattr *sa[VLB_SVC_A_MAX + 1];
	int err;

	err = parse_svc_nest(nest, sa, info->extack);
	if (err)
		return err;
	err = parse_dest_nest(info->attrs[VLB_A_DEST], da, info->extack);
	if (err)
		return err;
	*svcp = find_svc(vn, nest, sa, info->extack, &err);
	if (!*svcp)
		return err;
	err = parse_dest_key(*svcp, info->attrs[VLB_A_DEST], da, key,
			     info->extack);
	if (err)
		return err;
	*dp = vlb_dest_lookup(*svcp, key);
	return 0;
}

static int cmd_new_dest(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *da[VLB_DEST_A_MAX + 1];
	struct vlb_net *vn = info_vn(info);
	struct vlb_dest_conf conf;
	struct vlb_service *svc;
	struct vlb_dest *d;
	int err;

	mutex_lock(&vn->lock);
	err = find_dest(vn, info, da, &svc, &conf.key, &d);
	if (err)
		goto out;
	if (d) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VLB_A_DEST],
				    "destination already exists");
		err = -EEXIST;
		goto out;
	}
	err = parse_dest_conf(svc, info->attrs[VLB_A_DEST], da, NULL, &conf,
			      info->extack);
	if (err)
		goto out;
	err = vlb_dest_add(svc, &conf, &d);
	if (err) {
		NL_SET_ERR_MSG(info->extack, "cannot add the destination");
		goto out;
	}
	vlb_genl_notify_dest(vn, VLB_CMD_NEW_DEST, svc, d);
out:
	mutex_unlock(&vn->lock);
	return err;
}

static int no_such_dest(struct genl_info *info)
{
	NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VLB_A_DEST],
			    "no such destination");
	return -ENOENT;
}

static int cmd_set_dest(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *da[VLB_DEST_A_MAX + 1];
	struct vlb_net *vn = info_vn(info);
	struct vlb_dest_conf conf;
	struct vlb_service *svc;
	struct vlb_dest *d;
	int err;

	mutex_lock(&vn->lock);
	err = find_dest(vn, info, da, &svc, &conf.key, &d);
	if (err)
		goto out;
	if (!d) {
		err = no_such_dest(info);
		goto out;
	}
	err = parse_dest_conf(svc, info->attrs[VLB_A_DEST], da, d, &conf,
			      info->extack);
	if (err)
		goto out;
	vlb_dest_edit(d, &conf);
	vlb_genl_notify_dest(vn, VLB_CMD_SET_DEST, svc, d);
out:
	mutex_unlock(&vn->lock);
	return err;
}

static int cmd_del_dest(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *da[VLB_DEST_A_MAX + 1];
	struct vlb_net *vn = info_vn(info);
	struct vlb_dest_key key;
	struct vlb_service *svc;
	struct vlb_dest *d;
	int err;

	mutex_lock(&vn->lock);
	err = find_dest(vn, info, da, &svc, &key, &d);
	if (err)
		goto out;
	if (!d) {
		err = no_such_dest(info);
		goto out;
	}
	vlb_dest_hold(d);
	vlb_dest_del(d);
	vlb_genl_notify_dest(vn, VLB_CMD_DEL_DEST, svc, d);
	vlb_dest_put(d);
out:
	mutex_unlock(&vn->lock);
	return err;
}

/*
 * cb->args[0] holds the service's id and cb->args[1] the next destination
 * id. The service is looked up in the first call rather than in a ->start
 * callback: before 6.7 ->start has no extended ACK to explain a failure.
 */
static int dump_dests(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct vlb_net *vn = vlb_net(sock_net(skb->sk));
	struct nlattr *sa[VLB_SVC_A_MAX + 1];
	unsigned long id = cb->args[1];
	struct vlb_service *svc;
	struct nlattr *nest;
	struct vlb_dest *d;
	void *hdr;
	int err;

	mutex_lock(&vn->lock);
	cb->seq = vn->gen;
	if (!cb->args[2]) {
		nest = vlb_genl_dump_attrs(cb)[VLB_A_SERVICE];
		err = parse_svc_nest(nest, sa, cb->extack);
		if (err)
			goto err_unlock;
		svc = find_svc(vn, nest, sa, cb->extack, &err);
		if (!svc)
			goto err_unlock;
		cb->args[0] = svc->id;
		cb->args[2] = 1;
	} else {
		/* Ids are allocated cyclically: a deleted one is not reused. */
		svc = vlb_svc_by_id(vn, cb->args[0]);
		if (!svc)
			goto out;
	}
	while ((d = vlb_dest_next(svc, &id))) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &vlb_genl_family,
				  NLM_F_MULTI, VLB_CMD_NEW_DEST);
		if (!hdr)
			break;
		genl_dump_check_consistent(cb, hdr);
		if (put_svc(skb, svc, false) || put_dest(skb, d)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		id++;
	}
	cb->args[1] = id;
out:
	mutex_unlock(&vn->lock);
	return skb->len;
err_unlock:
	mutex_unlock(&vn->lock);
	return err;
}

/* ---- namespace-wide commands ---- */

static int cmd_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct vlb_net *vn = info_vn(info);

	mutex_lock(&vn->lock);
	vlb_svc_flush(vn);
	notify(vn, VLB_CMD_FLUSH, NULL, NULL);
	mutex_unlock(&vn->lock);
	return 0;
}

static int cmd_zero(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *nest = info->attrs[VLB_A_SERVICE];
	struct nlattr *sa[VLB_SVC_A_MAX + 1];
	struct vlb_net *vn = info_vn(info);
	struct vlb_service *svc;
	int err = 0;

	if (nest) {
		err = parse_svc_nest(nest, sa, info->extack);
		if (err)
			return err;
	}
	mutex_lock(&vn->lock);
	if (nest) {
		svc = find_svc(vn, nest, sa, info->extack, &err);
		if (svc)
			vlb_svc_zero(svc);
	} else {
		list_for_each_entry(svc, &vn->svc_list, list)
			vlb_svc_zero(svc);
		vlb_stats_zero(&vn->tot_stats);
	}
	mutex_unlock(&vn->lock);
	return err;
}

static int cmd_set_config(struct sk_buff *skb, struct genl_info *info)
{
	static const int types[] = { VLB_A_TIMEOUT_TCP, VLB_A_TIMEOUT_TCP_FIN,
				     VLB_A_TIMEOUT_UDP };
	struct vlb_net *vn = info_vn(info);
	unsigned long *timeouts[ARRAY_SIZE(types)] = {
		&vn->timeout_tcp, &vn->timeout_tcp_fin, &vn->timeout_udp,
	};
	u32 secs[ARRAY_SIZE(types)] = { };
	int i;

	for (i = 0; i < ARRAY_SIZE(types); i++) {
		struct nlattr *a = info->attrs[types[i]];

		if (!a)
			continue;
		secs[i] = nla_get_u32(a);
		if (secs[i] > VLB_TIMEOUT_MAX)
			return BAD_ATTR(info->extack, a, -EINVAL,
					"timeout must be at most 2678400 seconds");
	}
	mutex_lock(&vn->lock);
	for (i = 0; i < ARRAY_SIZE(types); i++) {
		if (secs[i])
			WRITE_ONCE(*timeouts[i], (unsigned long)secs[i] * HZ);
	}
	notify(vn, VLB_CMD_SET_CONFIG, NULL, NULL);
	mutex_unlock(&vn->lock);
	return 0;
}

static int reply_simple(struct genl_info *info, u8 cmd,
			int (*fill)(struct sk_buff *, struct vlb_net *),
			struct vlb_net *vn)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &vlb_genl_family, 0, cmd);
	if (!hdr || fill(msg, vn)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int fill_config(struct sk_buff *msg, struct vlb_net *vn)
{
	return put_config(msg, vn);
}

static int fill_info(struct sk_buff *msg, struct vlb_net *vn)
{
	if (nla_put_u32(msg, VLB_A_VERSION, VLB_VERSION_CODE) ||
	    nla_put_u32(msg, VLB_A_CONN_TAB_SIZE, vlb_conn_tab_size(vn)) ||
	    nla_put_u32(msg, VLB_A_CONN_COUNT, vlb_conn_count(vn)) ||
	    nla_put_u32(msg, VLB_A_CONN_MAX, READ_ONCE(vn->sysctl.conn_max)) ||
	    nla_put_u64_64bit(msg, VLB_A_CONN_DROPS, vlb_conn_drops(vn),
			      VLB_A_PAD))
		return -EMSGSIZE;
	return 0;
}

static int cmd_get_config(struct sk_buff *skb, struct genl_info *info)
{
	return reply_simple(info, VLB_CMD_SET_CONFIG, fill_config,
			    info_vn(info));
}

static int cmd_get_info(struct sk_buff *skb, struct genl_info *info)
{
	return reply_simple(info, VLB_CMD_GET_INFO, fill_info, info_vn(info));
}

static int dump_conns(struct sk_buff *skb, struct netlink_callback *cb)
{
	return vlb_conn_dump(vlb_net(sock_net(skb->sk)), skb, cb);
}

/* ---- the family ---- */

static const struct genl_ops vlb_genl_ops[] = {
	{
		.cmd	= VLB_CMD_NEW_SERVICE,
		.doit	= cmd_new_service,
		.flags	= GENL_UNS_ADMIN_PERM,
	}, {
		.cmd	= VLB_CMD_SET_SERVICE,
		.doit	= cmd_set_service,
		.flags	= GENL_UNS_ADMIN_PERM,
	}, {
		.cmd	= VLB_CMD_DEL_SERVICE,
		.doit	= cmd_del_service,
		.flags	= GENL_UNS_ADMIN_PERM,
	}, {
		.cmd	= VLB_CMD_GET_SERVICE,
		.doit	= cmd_get_service,
		.dumpit	= dump_services,
		.flags	= GENL_UNS_ADMIN_PERM,
	}, {
		.cmd	= VLB_CMD_NEW_DEST,
		.doit	= cmd_new_dest,
		.flags	= GENL_UNS_ADMIN_PERM,
	}, {
		.cmd	= VLB_CMD_SET_DEST,
		.doit	= cmd_set_dest,
		.flags	= GENL_UNS_ADMIN_PERM,
	}, {
		.cmd	= VLB_CMD_DEL_DEST,
		.doit	= cmd_del_dest,
		.flags	= GENL_UNS_ADMIN_PERM,
	}, {
		.cmd	= VLB_CMD_GET_DEST,
		.dumpit	= dump_dests,
		.flags	= GENL_UNS_ADMIN_PERM,
	}, {
		.cmd	= VLB_CMD_FLUSH,
		.doit	= cmd_flush,
		.flags	= GENL_UNS_ADMIN_PERM,
	}, {
		.cmd	= VLB_CMD_ZERO,
		.doit	= cmd_zero,
		.flags	= GENL_UNS_ADMIN_PERM,
	}, {
		.cmd	= VLB_CMD_SET_CONFIG,
		.doit	= cmd_set_config,
		.flags	= GENL_UNS_ADMIN_PERM,
	}, {
		.cmd	= VLB_CMD_GET_CONFIG,
		.doit	= cmd_get_config,
		.flags	= GENL_UNS_ADMIN_PERM,
	}, {
		.cmd	= VLB_CMD_GET_INFO,
		.doit	= cmd_get_info,
		.flags	= GENL_UNS_ADMIN_PERM,
	}, {
		.cmd	= VLB_CMD_GET_CONN,
		.dumpit	= dump_conns,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
};

static const struct genl_multicast_group vlb_mcgrps[] = {
	[VLB_MCGRP_CONFIG_IDX] = { .name = VLB_GENL_MCGRP_CONFIG },
};

struct genl_family vlb_genl_family __ro_after_init = {
	.name		= VLB_GENL_NAME,
	.version	= VLB_GENL_VERSION,
	.maxattr	= VLB_A_MAX,
	.policy		= vlb_policy,
	.netnsok	= true,
	/* vn->lock serialises per namespace; no global genl_mutex needed */
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.ops		= vlb_genl_ops,
	.n_ops		= ARRAY_SIZE(vlb_genl_ops),
	.mcgrps		= vlb_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(vlb_mcgrps),
};

int __init vlb_genl_init(void)
{
	return genl_register_family(&vlb_genl_family);
}

void vlb_genl_exit(void)
{
	genl_unregister_family(&vlb_genl_family);
}

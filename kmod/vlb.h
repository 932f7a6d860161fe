/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Types and functions shared between the module's files: the per-namespace
 * state, services, destinations, counters, schedulers and the interface
 * between the control plane (service.c, netlink.c, sched_*.c, stats.c) and
 * the packet path (conn.c, hooks.c, xmit.c, proto.c).
 */
#ifndef _VLB_VLB_H
#define _VLB_VLB_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/rculist.h>
#include <linux/refcount.h>
#include <linux/u64_stats_sync.h>
#include <linux/netfilter.h>
#include <linux/skbuff.h>
#include <linux/workqueue.h>
#include <linux/mutex.h>
#include <linux/rhashtable-types.h>
#include <linux/hash.h>
#include <linux/xarray.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/dst_cache.h>
#include <linux/vlb.h>

#include "compat.h"

#define VLB_VERSION_CODE	0x000100	/* 0.1.0 */
#define VLB_VERSION_STRING	"0.1.0"

/* ---- counters (stats.c) ---- */

struct vlb_cpu_stats {
	u64_stats_t conns;
	u64_stats_t inpkts;
	u64_stats_t outpkts;
	u64_stats_t inbytes;
	u64_stats_t outbytes;
	struct u64_stats_sync syncp;
};

/* A snapshot of totals or of rates, in VLB_STATS_A_* order. */
struct vlb_stats_snap {
	u64 conns, inpkts, outpkts, inbytes, outbytes;
};

struct vlb_stats {
	struct vlb_cpu_stats __percpu *cpu;
	/* control plane only, under vlb_net.lock or est lock */
	struct vlb_stats_snap zero_base;	/* totals at the last zero */
	struct vlb_stats_snap est_last;		/* totals at the last tick */
	struct vlb_stats_snap est_rate;		/* scaled averages */
	struct list_head est_list;		/* on vlb_net.est_list */
};

int vlb_stats_init(struct vlb_stats *s);
void vlb_stats_free(struct vlb_stats *s);

/* Packet path: per-CPU, lockless, softirq context. */
static inline void vlb_stats_in(struct vlb_stats *s, unsigned int len)
{
	struct vlb_cpu_stats *c = this_cpu_ptr(s->cpu);

	u64_stats_update_begin(&c->syncp);
	u64_stats_inc(&c->inpkts);
	u64_stats_add(&c->inbytes, len);
	u64_stats_update_end(&c->syncp);
}

static inline void vlb_stats_out(struct vlb_stats *s, unsigned int len)
{
	struct vlb_cpu_stats *c = this_cpu_ptr(s->cpu);

	u64_stats_update_begin(&c->syncp);
	u64_stats_inc(&c->outpkts);
	u64_stats_add(&c->outbytes, len);
	u64_stats_update_end(&c->syncp);
}

static inline void vlb_stats_conn(struct vlb_stats *s)
{
	struct vlb_cpu_stats *c = this_cpu_ptr(s->cpu);

	u64_stats_update_begin(&c->syncp);
	u64_stats_inc(&c->conns);
	u64_stats_update_end(&c->syncp);
}

/* ---- per-namespace state ---- */

#define VLB_NUM_HOOKS		4	/* PRE_ROUTING, LOCAL_OUT x IPv4, IPv6 */
#define VLB_NAT_SLOT_BITS	6
#define VLB_NAT_SLOTS		(1U << VLB_NAT_SLOT_BITS)

struct vlb_net {
	struct net *net;
	struct mutex lock;		/* serialises configuration */
	/* owned by service.c */
	void *svc_tab;			/* service lookup structure */
	struct list_head svc_list;	/* every service, under lock */
	unsigned int num_services;
	u32 gen;			/* bumped on every change, for dumps */
	struct vlb_stats tot_stats;	/* whole-namespace totals */
	struct list_head est_list;
	struct delayed_work est_work;
	/* timeouts in jiffies, read locklessly by the packet path */
	unsigned long timeout_tcp;	/* ESTABLISHED */
	unsigned long timeout_tcp_fin;	/* FIN_WAIT */
	unsigned long timeout_udp;
	/* sysctls under net/vlb/ (sysctl.c), read locklessly */
	struct vlb_sysctl {
		int expire_nodest_conn;		/* reap conns of gone dests */
		int expire_quiescent_template;	/* templates to weight 0 */
		int sloppy_tcp;			/* any TCP segment opens */
		unsigned int conn_max;		/* table limit, entries */
	} sysctl;
	struct ctl_table_header *sysctl_hdr;
	/* owned by conn.c / hooks.c */
	void *conn_tab;
	bool hooks_registered;		/* and nf_defrag enabled */
	/*
	 * The hooks as registered in this namespace: their priv is this
	 * struct, so a packet finds it without net_generic()'s RCU calls.
	 */
	struct nf_hook_ops hook_ops[VLB_NUM_HOOKS];
	/* owned by route.c: the director's own IPv4 addresses */
	struct vlb_laddrs __rcu *laddrs;
	struct work_struct laddrs_work;
	/*
	 * How many destinations that are or were NAT ones (and still exist)
	 * hash to each slot by address: a packet from an address whose slot
	 * is 0 cannot be a NAT reply, so hooks.c skips that lookup.
	 */
	atomic_t nat_addrs[VLB_NAT_SLOTS];
};

/*
 * An address folded to 32 bits, for the cheap unkeyed hashes of the packet
 * path (a NAT slot, a table shard); only the first word of an IPv4 one is
 * read, as packets leave the rest unset.
 */
static inline u32 vlb_addr_fold(int af, const union nf_inet_addr *a)
{
	u32 v = (__force u32)a->ip;

	if (af == AF_INET6)
		v ^= (__force u32)(a->all[1] ^ a->all[2] ^ a->all[3]);
	return v;
}

static inline atomic_t *vlb_nat_slot(struct vlb_net *vn, int af,
				     const union nf_inet_addr *a)
{
	return &vn->nat_addrs[hash_32(vlb_addr_fold(af, a),
				      VLB_NAT_SLOT_BITS)];
}

extern unsigned int vlb_net_id;

static inline struct vlb_net *vlb_net(const struct net *net)
{
	return net_generic(net, vlb_net_id);
}

/* ---- services and destinations (service.c) ---- */

struct vlb_scheduler;
struct vlb_service;
struct vlb_rt_in;
struct vlb_laddrs;

/* Hash keys (control plane): zero-padded so they hash as plain bytes. */
struct vlb_svc_key {
	union nf_inet_addr addr;
	u32 fwmark;
	u16 af;
	u16 protocol;
	__be16 port;
	u16 pad;
};

struct vlb_dest_key {
	const struct vlb_service *svc;
	union nf_inet_addr addr;
	u16 af;
	__be16 port;
	u32 pad;
};

struct vlb_dest {
	/*
	 * What a scheduler's walk of the list reads comes first, so that it
	 * costs one cache line per destination (lc, wlc, sed, nq, wrr).
	 */
	struct list_head list;		/* svc->dests, RCU */
	int weight;			/* READ_ONCE on the packet path */
	atomic_t activeconns;
	atomic_t inactconns;
	atomic_t persistconns;
	unsigned long flags;		/* VLB_DEST_FL_* bits */
	struct vlb_service *svc;	/* holds a service reference */
	u16 af;
	union nf_inet_addr addr;
	__be16 port;
	u8 fwd;				/* enum vlb_fwd_method */
	u8 tun_type;
	__be16 tun_port;
	u16 tun_flags;
	u32 u_thresh, l_thresh;
	refcount_t refcnt;		/* list membership + each connection */
	struct vlb_stats stats;
	struct rcu_head rcu;
	struct dst_cache dst_cache;	/* route.c: route to it (DR, TUN) */
	struct vlb_rt_in __percpu *rt_in;	/* route.c: input route (NAT) */
	/* service.c may add private members after this line */
	struct rhash_head hnode;	/* vlb_svc_tab.dest_ht, by key */
	struct vlb_dest_key key;
	u32 id;				/* in svc->dest_xa: dump cursor */
	long sched_cw;			/* wrr current weight, sched lock */
};

#define VLB_DEST_FL_AVAILABLE	0	/* linked in its service */
#define VLB_DEST_FL_OVERLOAD	1	/* over its upper threshold */
#define VLB_DEST_FL_NAT		2	/* counted in vn->nat_addrs */

struct vlb_service {
	struct vlb_net *vn;
	u16 af;
	u16 protocol;			/* IPPROTO_TCP / IPPROTO_UDP */
	union nf_inet_addr addr;
	__be16 port;
	u32 fwmark;
	u32 flags;			/* enum vlb_svc_flags */
	u32 timeout;			/* persistence, seconds */
	u32 netmask;			/* persistence prefix length */
	struct list_head dests;		/* RCU list of vlb_dest */
	unsigned int num_dests;
	struct vlb_scheduler __rcu *sched;
	void __rcu *sched_data;
	refcount_t refcnt;		/* table + each destination */
	struct vlb_stats stats;
	struct rcu_head rcu;
	/* service.c may add private members after this line */
	struct list_head list;		/* vn->svc_list */
	struct rhash_head hnode;	/* vlb_svc_tab.svc_ht, by key */
	struct vlb_svc_key key;
	u32 id;				/* in vlb_svc_tab.svc_xa: dump cursor */
	struct xarray dest_xa;		/* dests by id, for resumable dumps */
	u32 dest_next_id;
};

/*
 * Packet path lookup, under rcu_read_lock(). fwmark is the skb's mark; a
 * fwmark service wins over an address one. Returns NULL or a service that
 * stays valid until rcu_read_unlock(); take a reference (vlb_svc_hold) to
 * keep it longer.
 */
struct vlb_service *vlb_svc_find(struct vlb_net *vn, int af, u8 protocol,
				 const union nf_inet_addr *addr, __be16 port,
				 u32 fwmark);

static inline void vlb_svc_hold(struct vlb_service *svc)
{
	refcount_inc(&svc->refcnt);
}

void vlb_svc_put(struct vlb_service *svc);

static inline void vlb_dest_hold(struct vlb_dest *d)
{
	refcount_inc(&d->refcnt);
}

void vlb_dest_put(struct vlb_dest *d);

/*
 * For a dest found under RCU (e.g. from the scheduler) that may be leaving
 * its service: take a reference unless the last one is already gone.
 */
static inline bool vlb_dest_tryhold(struct vlb_dest *d)
{
	return refcount_inc_not_zero(&d->refcnt);
}

/*
 * Connection accounting, called by conn.c when a connection is bound to or
 * leaves a destination, or changes between active and inactive. Keeps the
 * overload flag of the thresholds up to date (vlb_dest_check_overload(),
 * service.c), when the destination has any.
 */
void vlb_dest_check_overload(struct vlb_dest *d);

static inline void vlb_dest_conn_bind(struct vlb_dest *d, bool active)
{
	atomic_inc(active ? &d->activeconns : &d->inactconns);
	if (READ_ONCE(d->u_thresh))
		vlb_dest_check_overload(d);
}

static inline void vlb_dest_conn_unbind(struct vlb_dest *d, bool active)
{
	atomic_dec(active ? &d->activeconns : &d->inactconns);
	if (READ_ONCE(d->u_thresh))
		vlb_dest_check_overload(d);
}

/* The total does not change, so neither does the overload state. */
static inline void vlb_dest_conn_switch(struct vlb_dest *d, bool now_active)
{
	if (now_active) {
		atomic_inc(&d->activeconns);
		atomic_dec(&d->inactconns);
	} else {
		atomic_inc(&d->inactconns);
		atomic_dec(&d->activeconns);
	}
}

/* Templates count apart: IPVS's PersistConn, no part of the overload. */
static inline void vlb_dest_tpl_bind(struct vlb_dest *d)
{
	atomic_inc(&d->persistconns);
}

static inline void vlb_dest_tpl_unbind(struct vlb_dest *d)
{
	atomic_dec(&d->persistconns);
}

/* ---- schedulers (sched.c, sched_*.c) ---- */

struct vlb_scheduler {
	struct list_head list;
	const char *name;
	struct module *owner;
	/* control plane, under vn->lock; may sleep */
	int (*init_service)(struct vlb_service *svc);
	/* @state: the service's sched_data as init_service left it */
	void (*done_service)(struct vlb_service *svc, void *state);
	int (*update_service)(struct vlb_service *svc);	/* dests changed */
	/* packet path, under rcu_read_lock(), softirq */
	struct vlb_dest *(*schedule)(struct vlb_service *svc,
				     const struct sk_buff *skb,
				     const union nf_inet_addr *caddr,
				     __be16 cport);
};

/*
 * Pick a destination for a new connection; NULL when none is available.
 * The returned dest is valid under rcu_read_lock(); the caller takes a
 * reference before storing it.
 */
struct vlb_dest *vlb_schedule(struct vlb_service *svc,
			      const struct sk_buff *skb,
			      const union nf_inet_addr *caddr, __be16 cport);

static inline bool vlb_dest_usable(const struct vlb_dest *d)
{
	return READ_ONCE(d->weight) > 0 &&
	       !test_bit(VLB_DEST_FL_OVERLOAD, &d->flags);
}

/* ---- sysctls (sysctl.c) ---- */

int vlb_sysctl_net_init(struct vlb_net *vn);
void vlb_sysctl_net_exit(struct vlb_net *vn);

/* ---- connection table and packet path (conn.c, hooks.c) ---- */

int vlb_conn_net_init(struct vlb_net *vn);
void vlb_conn_net_exit(struct vlb_net *vn);	/* frees every connection */
/* Drop every connection of a service or destination being deleted. */
void vlb_conn_flush_service(struct vlb_net *vn, struct vlb_service *svc);
unsigned int vlb_conn_tab_size(struct vlb_net *vn);
unsigned int vlb_conn_count(struct vlb_net *vn);	/* templates included */
u64 vlb_conn_drops(struct vlb_net *vn);	/* refused: table full */
/* Drop the persistence templates of a service whose persistence changed. */
void vlb_conn_flush_templates(struct vlb_net *vn, struct vlb_service *svc);

/* Connection dump for VLB_CMD_GET_CONN; resumable through cb->args. */
struct netlink_callback;
int vlb_conn_dump(struct vlb_net *vn, struct sk_buff *skb,
		  struct netlink_callback *cb);

/*
 * The routes the packet path keeps (route.c): per destination, a cache of
 * the route to it for direct routing and tunnels and one of the input
 * route of its NAT packets; per namespace, the director's own addresses.
 * service.c calls dest_init once a destination is allocated (zeroed;
 * process context) and dest_free when it is freed (from its RCU callback
 * is fine). A destination that never had init works too, it only looks
 * its routes up for every packet. main.c calls net_exit once the hooks
 * are gone.
 */
int vlb_route_dest_init(struct vlb_dest *d);
void vlb_route_dest_free(struct vlb_dest *d);
void vlb_route_net_init(struct vlb_net *vn);
void vlb_route_net_exit(struct vlb_net *vn);

/* Netfilter hooks, registered when the first service appears in a netns. */
int vlb_hooks_net_enable(struct vlb_net *vn);
void vlb_hooks_net_disable(struct vlb_net *vn);

int vlb_conn_module_init(void);		/* slab caches etc. */
void vlb_conn_module_exit(void);

/* ---- netlink (netlink.c) ---- */

extern struct genl_family vlb_genl_family;	/* for dump messages */

int vlb_genl_init(void);
void vlb_genl_exit(void);
/* Announce a change to the "config" multicast group. */
void vlb_genl_notify_service(struct vlb_net *vn, u8 cmd,
			     const struct vlb_service *svc);
void vlb_genl_notify_dest(struct vlb_net *vn, u8 cmd,
			  const struct vlb_service *svc,
			  const struct vlb_dest *d);

/* ---- control plane internals (main.c, service.c, sched*.c, stats.c) ---- */

/* stats.c: snapshots, zeroing and the per-namespace rate estimator. */
void vlb_stats_read(const struct vlb_stats *s, struct vlb_stats_snap *tot,
		    struct vlb_stats_snap *rate);
void vlb_stats_zero(struct vlb_stats *s);
void vlb_est_add(struct vlb_net *vn, struct vlb_stats *s);
void vlb_est_del(struct vlb_stats *s);
void vlb_est_net_init(struct vlb_net *vn);
void vlb_est_net_exit(struct vlb_net *vn);

/* sched.c: the registry and binding of schedulers to services. */
struct vlb_sched_state {
	const struct vlb_scheduler *owner;	/* whose state this is */
};

extern struct vlb_scheduler vlb_sched_rr, vlb_sched_wrr, vlb_sched_lc,
	vlb_sched_wlc;

int vlb_sched_module_init(void);
void vlb_sched_module_exit(void);
struct vlb_scheduler *vlb_sched_find(const char *name);
int vlb_sched_bind(struct vlb_service *svc, struct vlb_scheduler *sched);
int vlb_sched_swap(struct vlb_service *svc, struct vlb_scheduler *sched);
void vlb_sched_update(struct vlb_service *svc);
void vlb_sched_free_state(struct vlb_service *svc);
struct vlb_dest *vlb_sched_first_usable(struct vlb_service *svc);

/* service.c: configuration, all under vn->lock. */
struct vlb_svc_conf {
	struct vlb_svc_key key;
	struct vlb_scheduler *sched;	/* NULL: keep (SET) */
	u32 flags, timeout, netmask;
};

struct vlb_dest_conf {
	struct vlb_dest_key key;
	u8 fwd;
	u8 tun_type;
	__be16 tun_port;
	u16 tun_flags;
	int weight;
	u32 u_thresh, l_thresh;
};

int vlb_svc_net_init(struct vlb_net *vn);
void vlb_svc_net_exit(struct vlb_net *vn);
struct vlb_service *vlb_svc_lookup(struct vlb_net *vn,
				   const struct vlb_svc_key *key);
struct vlb_service *vlb_svc_next(struct vlb_net *vn, unsigned long *id);
struct vlb_service *vlb_svc_by_id(struct vlb_net *vn, unsigned long id);
int vlb_svc_add(struct vlb_net *vn, const struct vlb_svc_conf *conf,
		struct vlb_service **svcp);
int vlb_svc_edit(struct vlb_service *svc, const struct vlb_svc_conf *conf);
void vlb_svc_del(struct vlb_service *svc);
void vlb_svc_flush(struct vlb_net *vn);
void vlb_svc_zero(struct vlb_service *svc);
struct vlb_dest *vlb_dest_lookup(struct vlb_service *svc,
				 const struct vlb_dest_key *key);
struct vlb_dest *vlb_dest_next(struct vlb_service *svc, unsigned long *id);
int vlb_dest_add(struct vlb_service *svc, const struct vlb_dest_conf *conf,
		 struct vlb_dest **destp);
void vlb_dest_edit(struct vlb_dest *d, const struct vlb_dest_conf *conf);
void vlb_dest_del(struct vlb_dest *d);

#endif /* _VLB_VLB_H */

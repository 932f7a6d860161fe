// SPDX-License-Identifier: GPL-2.0
/*
 * Virtual services and their destinations, per network namespace. All
 * changes happen under vn->lock; the packet path reads without locks, under
 * RCU: services are found through a resizable hash table keyed by
 * (af, protocol, address, port) or (af, fwmark), and destinations through
 * each service's RCU list. A second hash table, of every destination in the
 * namespace, makes the control plane's destination lookups O(1) however
 * large a service grows, and xarrays of services and destinations by id give
 * dumps a cursor that survives between messages. A destination holds a
 * reference on its service and every connection one on its destination, so
 * deleting either only unlinks it; the memory goes, after a grace period,
 * with the last reference.
 */

#include <linux/rhashtable.h>
#include <linux/jhash.h>
#include <linux/slab.h>
#include <net/ipv6.h>

#include "vlb.h"

struct vlb_svc_tab {
	struct rhashtable svc_ht;	/* services by vlb_svc_key */
	struct rhashtable dest_ht;	/* destinations by vlb_dest_key */
	struct xarray svc_xa;		/* services by id */
	u32 svc_next_id;
	/* read locklessly by vlb_svc_find() to skip lookups that can't hit */
	unsigned int num_fwmark;	/* fwmark services */
	unsigned int num_port0;		/* address services with port 0 */
};

/*
 * Every new flow looks its service up: hash and compare the fields a key
 * of its family uses, in a few instructions, rather than all 28 bytes with
 * jhash2() and memcmp(). The IPv6 address is folded before the seeded
 * hash; services are the operator's, not an attacker's, to choose.
 */
static u32 svc_key_hash(const void *data, u32 len, u32 seed)
{
	const struct vlb_svc_key *k = data;

	return jhash_3words(vlb_addr_fold(k->af, &k->addr),
			    ((u32)k->protocol << 16) | (__force u16)k->port,
			    k->fwmark ^ ((u32)k->af << 24), seed);
}

static int svc_key_cmp(struct rhashtable_compare_arg *arg, const void *obj)
{
	const struct vlb_svc_key *k = arg->key;
	const struct vlb_svc_key *o = &((const struct vlb_service *)obj)->key;

	if (k->port != o->port || k->protocol != o->protocol ||
	    k->af != o->af || k->fwmark != o->fwmark)
		return 1;
	if (k->af == AF_INET6)
		return !ipv6_addr_equal(&k->addr.in6, &o->addr.in6);
	return k->addr.ip != o->addr.ip;
}

static const struct rhashtable_params svc_params = {
	.head_offset		= offsetof(struct vlb_service, hnode),
	.key_offset		= offsetof(struct vlb_service, key),
	.key_len		= sizeof(struct vlb_svc_key),
	.automatic_shrinking	= true,
	.hashfn			= svc_key_hash,
	.obj_cmpfn		= svc_key_cmp,
};

static const struct rhashtable_params dest_params = {
	.head_offset		= offsetof(struct vlb_dest, hnode),
	.key_offset		= offsetof(struct vlb_dest, key),
	.key_len		= sizeof(struct vlb_dest_key),
	.automatic_shrinking	= true,
};

static struct vlb_svc_tab *svc_tab(const struct vlb_net *vn)
{
	return vn->svc_tab;
}

/* Dumps compare generations; 0 would read as "not started". */
static void bump_gen(struct vlb_net *vn)
{
	vn->gen = vn->gen + 1 ?: 1;
}

struct vlb_service *vlb_svc_find(struct vlb_net *vn, int af, u8 protocol,
				 const union nf_inet_addr *addr, __be16 port,
				 u32 fwmark)
{
	struct vlb_svc_tab *t = svc_tab(vn);
	struct vlb_service *svc;
	struct vlb_svc_key key;

	memset(&key, 0, sizeof(key));
	key.af = af;
	if (fwmark && READ_ONCE(t->num_fwmark)) {
		key.fwmark = fwmark;
		svc = rhashtable_lookup(&t->svc_ht, &key, svc_params);
		if (svc)
			return svc;
		key.fwmark = 0;
	}
	key.protocol = protocol;
	if (af == AF_INET)
		key.addr.ip = addr->ip;
	else
		key.addr.in6 = addr->in6;
	key.port = port;
	svc = rhashtable_lookup(&t->svc_ht, &key, svc_params);
	if (!svc && port && READ_ONCE(t->num_port0)) {
		/* A persistent port-0 service takes every port of its VIP. */
		key.port = 0;
		svc = rhashtable_lookup(&t->svc_ht, &key, svc_params);
	}
	return svc;
}

struct vlb_service *vlb_svc_lookup(struct vlb_net *vn,
				   const struct vlb_svc_key *key)
{
	lockdep_assert_held(&vn->lock);
	return rhashtable_lookup_fast(&svc_tab(vn)->svc_ht, key, svc_params);
}

/* The service with the lowest id >= *id, for dumps; under vn->lock. */
struct vlb_service *vlb_svc_next(struct vlb_net *vn, unsigned long *id)
{
	lockdep_assert_held(&vn->lock);
	return xa_find(&svc_tab(vn)->svc_xa, id, ULONG_MAX, XA_PRESENT);
}

struct vlb_service *vlb_svc_by_id(struct vlb_net *vn, unsigned long id)
{
	lockdep_assert_held(&vn->lock);
	return xa_load(&svc_tab(vn)->svc_xa, id);
}

static void svc_free_rcu(struct rcu_head *head)
{
	struct vlb_service *svc = container_of(head, struct vlb_service, rcu);

	vlb_sched_free_state(svc);
	vlb_stats_free(&svc->stats);
	xa_destroy(&svc->dest_xa);
	kfree(svc);
}

/* May run in softirq, from the last connection of the last destination. */
void vlb_svc_put(struct vlb_service *svc)
{
	if (refcount_dec_and_test(&svc->refcnt))
		call_rcu(&svc->rcu, svc_free_rcu);
}

int vlb_svc_add(struct vlb_net *vn, const struct vlb_svc_conf *conf,
		struct vlb_service **svcp)
{
	struct vlb_svc_tab *t = svc_tab(vn);
	struct vlb_service *svc;
	int err;

	lockdep_assert_held(&vn->lock);
	svc = kzalloc(sizeof(*svc), GFP_KERNEL);
	if (!svc)
		return -ENOMEM;
	svc->vn = vn;
	svc->key = conf->key;
	svc->af = conf->key.af;
	svc->protocol = conf->key.protocol;
	svc->addr = conf->key.addr;
	svc->port = conf->key.port;
	svc->fwmark = conf->key.fwmark;
	svc->flags = conf->flags;
	svc->timeout = conf->timeout;
	svc->netmask = conf->netmask;
	INIT_LIST_HEAD(&svc->dests);
	refcount_set(&svc->refcnt, 1);
	xa_init_flags(&svc->dest_xa, XA_FLAGS_ALLOC1);

	err = vlb_stats_init(&svc->stats);
	if (err)
		goto err_free;
	err = vlb_sched_bind(svc, conf->sched);
	if (err)
		goto err_stats;
	/* Idempotent: registers the hooks with the namespace's first service. */
	err = vlb_hooks_net_enable(vn);
	if (err)
		goto err_sched;
	err = xa_alloc_cyclic(&t->svc_xa, &svc->id, svc, xa_limit_32b,
			      &t->svc_next_id, GFP_KERNEL);
	if (err < 0)
		goto err_sched;
	err = rhashtable_insert_fast(&t->svc_ht, &svc->hnode, svc_params);
	if (err)
		goto err_xa;

	list_add_tail(&svc->list, &vn->svc_list);
	vn->num_services++;
	if (svc->fwmark)
		WRITE_ONCE(t->num_fwmark, t->num_fwmark + 1);
	else if (!svc->port)
		WRITE_ONCE(t->num_port0, t->num_port0 + 1);
	vlb_est_add(vn, &svc->stats);
	bump_gen(vn);
	*svcp = svc;
	return 0;

err_xa:
	xa_erase(&t->svc_xa, svc->id);
err_sched:
	if (conf->sched->done_service)
		conf->sched->done_service(svc,
					  rcu_access_pointer(svc->sched_data));
	vlb_sched_free_state(svc);
err_stats:
	vlb_stats_free(&svc->stats);
err_free:
	kfree(svc);
	return err;
}

/* @conf is the complete new configuration; conf->sched NULL keeps it. */
int vlb_svc_edit(struct vlb_service *svc, const struct vlb_svc_conf *conf)
{
	bool tpl_stale;
	int err;

	lockdep_assert_held(&svc->vn->lock);
	if (conf->sched) {
		err = vlb_sched_swap(svc, conf->sched);
		if (err)
			return err;
	}
	/*
	 * Templates made under another granularity, or for a service that is
	 * no longer persistent, would never be found again: drop them now
	 * rather than let them hold clients to their servers.
	 */
	tpl_stale = (svc->flags & VLB_SVC_F_PERSISTENT) &&
		    (!(conf->flags & VLB_SVC_F_PERSISTENT) ||
		     conf->netmask != svc->netmask);
	WRITE_ONCE(svc->flags, conf->flags);
	WRITE_ONCE(svc->timeout, conf->timeout);
	WRITE_ONCE(svc->netmask, conf->netmask);
	if (tpl_stale)
		vlb_conn_flush_templates(svc->vn, svc);
	bump_gen(svc->vn);
	return 0;
}

static void dest_free_rcu(struct rcu_head *head)
{
	struct vlb_dest *d = container_of(head, struct vlb_dest, rcu);

	vlb_route_dest_free(d);
	vlb_stats_free(&d->stats);
	kfree(d);
}

/*
 * From before a destination can forward by NAT until no connection can
 * point at it any more, its address counts in vn->nat_addrs: a reply to
 * a connection made while it was a NAT one still finds it after an edit.
 */
static void dest_nat_mark(struct vlb_dest *d, u8 fwd)
{
	if (fwd == VLB_FWD_MASQ &&
	    !test_and_set_bit(VLB_DEST_FL_NAT, &d->flags))
		atomic_inc(vlb_nat_slot(d->svc->vn, d->af, &d->addr));
}

/*
 * May run in softirq. The service reference is dropped at once rather than
 * from the RCU callback: the service's own grace period starts no earlier
 * than the destination's, so a reader that still sees d->svc is covered, and
 * module unload never has to wait for callbacks queued by callbacks.
 */
void vlb_dest_put(struct vlb_dest *d)
{
	struct vlb_service *svc = d->svc;

	if (refcount_dec_and_test(&d->refcnt)) {
		if (test_bit(VLB_DEST_FL_NAT, &d->flags))
			atomic_dec(vlb_nat_slot(svc->vn, d->af, &d->addr));
		call_rcu(&d->rcu, dest_free_rcu);
		vlb_svc_put(svc);
	}
}

/* Take @d out of every structure and drop the list's reference. */
static void dest_unlink(struct vlb_dest *d)
{
	struct vlb_service *svc = d->svc;

	list_del_rcu(&d->list);
	clear_bit(VLB_DEST_FL_AVAILABLE, &d->flags);
	rhashtable_remove_fast(&svc_tab(svc->vn)->dest_ht, &d->hnode,
			       dest_params);
	xa_erase(&svc->dest_xa, d->id);
	svc->num_dests--;
	vlb_est_del(&d->stats);
	vlb_dest_put(d);
}

/* Delete @svc and all its destinations; the caller may hold a reference. */
void vlb_svc_del(struct vlb_service *svc)
{
	struct vlb_net *vn = svc->vn;
	struct vlb_svc_tab *t = svc_tab(vn);
	struct vlb_scheduler *sched;
	struct vlb_dest *d, *tmp;

	lockdep_assert_held(&vn->lock);
	rhashtable_remove_fast(&t->svc_ht, &svc->hnode, svc_params);
	xa_erase(&t->svc_xa, svc->id);
	list_del(&svc->list);
	vn->num_services--;
	if (svc->fwmark)
		WRITE_ONCE(t->num_fwmark, t->num_fwmark - 1);
	else if (!svc->port)
		WRITE_ONCE(t->num_port0, t->num_port0 - 1);
	vlb_est_del(&svc->stats);

	list_for_each_entry_safe(d, tmp, &svc->dests, list) {
		dest_unlink(d);
		/* 100,000 destinations take a while to unlink. */
		cond_resched();
	}
	/*
	 * A connection may still hold the service and call the scheduler:
	 * let it forget the destinations just removed.
	 */
	vlb_sched_update(svc);
	sched = rcu_dereference_protected(svc->sched,
					  lockdep_is_held(&vn->lock));
	if (sched->done_service)
		sched->done_service(svc, rcu_access_pointer(svc->sched_data));
	vlb_conn_flush_service(vn, svc);
	bump_gen(vn);
	vlb_svc_put(svc);
}

void vlb_svc_flush(struct vlb_net *vn)
{
	struct vlb_service *svc, *tmp;

	lockdep_assert_held(&vn->lock);
	list_for_each_entry_safe(svc, tmp, &vn->svc_list, list)
		vlb_svc_del(svc);
}

void vlb_svc_zero(struct vlb_service *svc)
{
	struct vlb_dest *d;

	lockdep_assert_held(&svc->vn->lock);
	vlb_stats_zero(&svc->stats);
	list_for_each_entry(d, &svc->dests, list)
		vlb_stats_zero(&d->stats);
}

struct vlb_dest *vlb_dest_lookup(struct vlb_service *svc,
				 const struct vlb_dest_key *key)
{
	lockdep_assert_held(&svc->vn->lock);
	return rhashtable_lookup_fast(&svc_tab(svc->vn)->dest_ht, key,
				      dest_params);
}

struct vlb_dest *vlb_dest_next(struct vlb_service *svc, unsigned long *id)
{
	lockdep_assert_held(&svc->vn->lock);
	return xa_find(&svc->dest_xa, id, ULONG_MAX, XA_PRESENT);
}

static unsigned int dest_total(const struct vlb_dest *d)
{
	return atomic_read(&d->activeconns) + atomic_read(&d->inactconns);
}

/*
 * IPVS's hysteresis: overloaded from u_thresh connections (active plus
 * inactive) on, usable again below l_thresh, or below 3/4 of u_thresh when
 * l_thresh is 0. The bit is tested first so the common case only reads.
 */
void vlb_dest_check_overload(struct vlb_dest *d)
{
	u32 u = READ_ONCE(d->u_thresh), l = READ_ONCE(d->l_thresh);
	u64 total = dest_total(d);
	bool over = test_bit(VLB_DEST_FL_OVERLOAD, &d->flags);

	if (!u) {
		if (over)
			clear_bit(VLB_DEST_FL_OVERLOAD, &d->flags);
	} else if (total >= u) {
		if (!over)
			set_bit(VLB_DEST_FL_OVERLOAD, &d->flags);
	} else if (over && (l ? total < l : total * 4 < (u64)u * 3)) {
		clear_bit(VLB_DEST_FL_OVERLOAD, &d->flags);
	}
}

static void dest_apply(struct vlb_dest *d, const struct vlb_dest_conf *conf)
{
	WRITE_ONCE(d->fwd, conf->fwd);
	WRITE_ONCE(d->tun_type, conf->tun_type);
	WRITE_ONCE(d->tun_port, conf->tun_port);
	WRITE_ONCE(d->tun_flags, conf->tun_flags);
	WRITE_ONCE(d->weight, conf->weight);
	WRITE_ONCE(d->u_thresh, conf->u_thresh);
	WRITE_ONCE(d->l_thresh, conf->l_thresh);
}

int vlb_dest_add(struct vlb_service *svc, const struct vlb_dest_conf *conf,
		 struct vlb_dest **destp)
{
	struct vlb_net *vn = svc->vn;
	struct vlb_dest *d;
	int err;

	lockdep_assert_held(&vn->lock);
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	d->svc = svc;
	d->key = conf->key;
	d->key.svc = svc;
	d->af = conf->key.af;
	d->addr = conf->key.addr;
	d->port = conf->key.port;
	dest_apply(d, conf);
	refcount_set(&d->refcnt, 1);
	err = vlb_stats_init(&d->stats);
	if (err)
		goto err_free;
	err = vlb_route_dest_init(d);
	if (err)
		goto err_stats;
	err = xa_alloc_cyclic(&svc->dest_xa, &d->id, d, xa_limit_32b,
			      &svc->dest_next_id, GFP_KERNEL);
	if (err < 0)
		goto err_xmit;
	err = rhashtable_insert_fast(&svc_tab(vn)->dest_ht, &d->hnode,
				     dest_params);
	if (err)
		goto err_xa;

	vlb_svc_hold(svc);
	set_bit(VLB_DEST_FL_AVAILABLE, &d->flags);
	dest_nat_mark(d, conf->fwd);
	/* Publishes every field above to the packet path. */
	list_add_tail_rcu(&d->list, &svc->dests);
	svc->num_dests++;
	vlb_est_add(vn, &d->stats);
	vlb_sched_update(svc);
	bump_gen(vn);
	*destp = d;
	return 0;

err_xa:
	xa_erase(&svc->dest_xa, d->id);
err_xmit:
	vlb_route_dest_free(d);
err_stats:
	vlb_stats_free(&d->stats);
err_free:
	kfree(d);
	return err;
}

void vlb_dest_edit(struct vlb_dest *d, const struct vlb_dest_conf *conf)
{
	lockdep_assert_held(&d->svc->vn->lock);
	/* Counted first: a connection may be made as soon as fwd changes. */
	dest_nat_mark(d, conf->fwd);
	smp_mb__after_atomic();
	dest_apply(d, conf);
	vlb_dest_check_overload(d);
	vlb_sched_update(d->svc);
	bump_gen(d->svc->vn);
}

/* Connections keep @d (unlinked) until they expire. */
void vlb_dest_del(struct vlb_dest *d)
{
	struct vlb_service *svc = d->svc;

	lockdep_assert_held(&svc->vn->lock);
	dest_unlink(d);
	vlb_sched_update(svc);
	bump_gen(svc->vn);
}

int vlb_svc_net_init(struct vlb_net *vn)
{
	struct vlb_svc_tab *t;
	int err;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	err = rhashtable_init(&t->svc_ht, &svc_params);
	if (err)
		goto err_free;
	err = rhashtable_init(&t->dest_ht, &dest_params);
	if (err)
		goto err_svc_ht;
	xa_init_flags(&t->svc_xa, XA_FLAGS_ALLOC1);
	vn->svc_tab = t;
	return 0;

err_svc_ht:
	rhashtable_destroy(&t->svc_ht);
err_free:
	kfree(t);
	return err;
}

/* Every service is gone and no packet can reach the tables any more. */
void vlb_svc_net_exit(struct vlb_net *vn)
{
	struct vlb_svc_tab *t = svc_tab(vn);

	WARN_ON(!list_empty(&vn->svc_list));
	rhashtable_destroy(&t->dest_ht);
	rhashtable_destroy(&t->svc_ht);
	xa_destroy(&t->svc_xa);
	kfree(t);
	vn->svc_tab = NULL;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The connection table of a network namespace. Every connection is hashed
 * once, on its client address and port (and protocol): a packet from the
 * client carries them as source, a NAT reply from the real server as
 * destination, so one hash finds the connection from either direction and
 * the key's direction picks which of the virtual or real address and port
 * must match as well. The table is one or more rhashtables (shards, chosen
 * by the client address and port): lookups are lockless under RCU, inserts
 * take one bucket lock, and each shard resizes itself in the background as
 * connections come and go. Shards exist so that the operator can give the
 * table a floor (the conn_tab_bits module parameter, as IPVS has), which
 * one rhashtable cannot hold above 2^15 buckets: a director that expects a
 * million connections then does not rehash its way up to them. Connections
 * are allocated from a slab cache on a new flow only and freed after an RCU
 * grace period.
 *
 * Nothing carries a timer. A connection stops matching packets the moment
 * it has been idle for longer than its state's timeout, as if an IPVS
 * timer had removed it; a delayed work item per namespace walks a slice
 * of the table every VLB_GC_INTERVAL and frees what has expired, so the
 * cost of expiry is spread evenly, does not depend on how often packets
 * arrive, and how late the walk comes only costs memory.
 */
#include <linux/slab.h>
#include <linux/jhash.h>
#include <linux/hash.h>
#include <linux/module.h>
#include <linux/mm.h>
#include <net/ipv6.h>
#include <net/genetlink.h>

#include "conn.h"
#include "proto.h"

struct vlb_conn_tab {
	struct vlb_net *vn;
	unsigned int shard_bits;	/* 2^shard_bits shards in ht[] */
	atomic_t count;			/* entries in all shards */
	struct delayed_work gc_work;
	unsigned int gc_shard, gc_slot;	/* where the GC walk stopped */
	u64 __percpu *drops;		/* new flows refused: table full */
	struct rhashtable ht[];
};

/*
 * The floor of every namespace's table, in buckets, as IPVS's parameter of
 * the same name sizes its (fixed) table. A shard starts at, and never
 * shrinks below, 2^VLB_SHARD_MAX_BITS buckets once there is more than one.
 */
static unsigned int conn_tab_bits = 8;
module_param(conn_tab_bits, uint, 0444);
MODULE_PARM_DESC(conn_tab_bits,
		 "Log2 of the least number of buckets of each namespace's connection table (8-24, default 8); it grows past that by itself");

#define VLB_TAB_MIN_BITS	8
#define VLB_TAB_MAX_BITS	24
#define VLB_SHARD_MAX_BITS	15	/* rhashtable's min_size is a u16 */

#define VLB_GC_INTERVAL		(HZ / 4)
#define VLB_GC_MIN_BUDGET	1024U	/* buckets and entries per run */
#define VLB_GC_MAX_BUDGET	(1U << 17)
/* How long an expired template waits for its connections, as in IPVS. */
#define VLB_TPL_GRACE		(60 * HZ)

static struct kmem_cache *vlb_conn_cachep;

static inline bool vlb_addr_equal(u8 af, const union nf_inet_addr *a,
				  const union nf_inet_addr *b)
{
	if (af == AF_INET6)
		return ipv6_addr_equal(&a->in6, &b->in6);
	return a->ip == b->ip;
}

static inline u32 vlb_conn_hash(u8 af, u8 protocol,
				const union nf_inet_addr *caddr, __be16 cport,
				u32 seed)
{
	u32 v = ((u32)(__force u16)cport << 16) | ((u32)protocol << 8) | af;

	if (af == AF_INET6)
		return jhash2((__force const u32 *)caddr->all, 4, seed ^ v);
	return jhash_2words((__force u32)caddr->ip, v, seed);
}

static u32 vlb_conn_key_hashfn(const void *data, u32 len, u32 seed)
{
	const struct vlb_conn_key *k = data;

	return vlb_conn_hash(k->af, k->protocol, k->caddr, k->cport, seed);
}

static u32 vlb_conn_obj_hashfn(const void *data, u32 len, u32 seed)
{
	const struct vlb_conn *cp = data;

	return vlb_conn_hash(cp->af, cp->protocol, &cp->caddr, cp->cport, seed);
}

static int vlb_conn_obj_cmpfn(struct rhashtable_compare_arg *arg,
			      const void *obj)
{
	const struct vlb_conn_key *k = arg->key;
	const struct vlb_conn *cp = obj;
	bool tpl = READ_ONCE(cp->sf) & VLB_CONN_SF_TEMPLATE;

	if (cp->cport != k->cport || cp->protocol != k->protocol ||
	    cp->af != k->af || tpl != (k->dir == VLB_DIR_TPL))
		return 1;
	if (k->dir != VLB_DIR_OUT) {
		if (cp->vport != k->port ||
		    !vlb_addr_equal(cp->af, &cp->vaddr, k->addr))
			return 1;
	} else {
		if (cp->dport != k->port ||
		    !vlb_addr_equal(cp->af, &cp->daddr, k->addr))
			return 1;
	}
	return !vlb_addr_equal(cp->af, &cp->caddr, k->caddr);
}

/* min_size and max_size are set per table, in vlb_conn_net_init(). */
static const struct rhashtable_params vlb_conn_params = {
	.head_offset		= offsetof(struct vlb_conn, node),
	.key_len		= sizeof(struct vlb_conn_key),
	.automatic_shrinking	= true,
	.hashfn			= vlb_conn_key_hashfn,
	.obj_hashfn		= vlb_conn_obj_hashfn,
	.obj_cmpfn		= vlb_conn_obj_cmpfn,
};

/*
 * The shard of a client address and port. Not keyed: an attacker who
 * crowds one shard only makes that shard grow, as the whole table would;
 * the buckets within it are chosen by rhashtable's seeded hash.
 */
static inline struct rhashtable *vlb_conn_shard(struct vlb_conn_tab *ct, u8 af,
					       const union nf_inet_addr *caddr,
					       __be16 cport)
{
	if (!ct->shard_bits)
		return &ct->ht[0];
	return &ct->ht[hash_32(vlb_addr_fold(af, caddr) ^ (__force u16)cport,
			       ct->shard_bits)];
}

static inline struct rhashtable *vlb_conn_key_shard(struct vlb_conn_tab *ct,
						   const struct vlb_conn_key *k)
{
	return vlb_conn_shard(ct, k->af, k->caddr, k->cport);
}

static inline bool vlb_conn_expired(const struct vlb_conn *cp, u32 now)
{
	return (s32)(now - READ_ONCE(cp->expires)) >= 0;
}

/*
 * Past its timeout a connection is gone for packets, whenever the GC gets
 * to it. Not a template: the GC decides whether one lives on for the
 * connections it controls.
 */
static inline bool vlb_conn_stale(const struct vlb_conn *cp,
				  const struct vlb_conn_key *key)
{
	return key->dir != VLB_DIR_TPL && vlb_conn_expired(cp, vlb_tick_now());
}

struct vlb_conn *vlb_conn_lookup(struct vlb_net *vn,
				 const struct vlb_conn_key *key)
{
	struct vlb_conn *cp;

	cp = rhashtable_lookup(vlb_conn_key_shard(vn->conn_tab, key), key,
			       vlb_conn_params);
	return cp && vlb_conn_stale(cp, key) ? NULL : cp;
}

static bool vlb_conn_unlink(struct vlb_conn_tab *ct, struct vlb_conn *cp);

/*
 * The addresses, ports and state of a connection from the key of its
 * first packet; the unused bytes of IPv4 addresses are zeroed.
 */
static void vlb_conn_init(struct vlb_conn *cp, const struct vlb_conn_key *key,
			  const union nf_inet_addr *daddr, __be16 dport,
			  struct vlb_dest *dest, u32 sf)
{
	memset(&cp->caddr, 0, sizeof(cp->caddr));
	memset(&cp->vaddr, 0, sizeof(cp->vaddr));
	memset(&cp->daddr, 0, sizeof(cp->daddr));
	if (key->af == AF_INET6) {
		cp->caddr = *key->caddr;
		cp->vaddr = *key->addr;
	} else {
		cp->caddr.ip = key->caddr->ip;
		cp->vaddr.ip = key->addr->ip;
	}
	if (dest->af == AF_INET6)
		cp->daddr = *daddr;
	else
		cp->daddr.ip = daddr->ip;
	cp->cport = key->cport;
	cp->vport = key->port;
	cp->dport = dport;
	cp->af = key->af;
	cp->protocol = key->protocol;
	cp->sf = sf | ((u32)READ_ONCE(dest->fwd) << VLB_CONN_SF_FWD_SHIFT);
	cp->dest = dest;
}

struct vlb_conn *vlb_conn_new(struct vlb_net *vn,
			      const struct vlb_conn_key *key,
			      const union nf_inet_addr *daddr, __be16 dport,
			      struct vlb_dest *dest, u8 state, u32 sf_bits,
			      unsigned long timeout, bool *created)
{
	struct vlb_conn_tab *ct = vn->conn_tab;
	struct vlb_conn *cp, *old;
	struct rhashtable *ht;
	bool active;

	*created = false;
	/*
	 * The bound that keeps a SYN flood from taking the memory: past it
	 * new flows are refused before anything is allocated, and known
	 * connections go on as before. Concurrent inserts may overshoot by
	 * one per CPU.
	 */
	if (unlikely((unsigned int)atomic_read(&ct->count) >=
		     READ_ONCE(vn->sysctl.conn_max))) {
		this_cpu_inc(*ct->drops);
		return ERR_PTR(-ENOSPC);
	}
	cp = kmem_cache_alloc(vlb_conn_cachep, GFP_ATOMIC | __GFP_NOWARN);
	if (!cp)
		return ERR_PTR(-ENOMEM);
	/* The scheduler saw dest under RCU: it may be on its way out. */
	if (!vlb_dest_tryhold(dest)) {
		kmem_cache_free(vlb_conn_cachep, cp);
		return ERR_PTR(-ENOENT);
	}

	vlb_conn_init(cp, key, daddr, dport, dest, state | sf_bits);
	cp->expires = vlb_tick_now() + vlb_jiffies_to_ticks(timeout);

	/*
	 * Account before publishing: once in the table the connection can be
	 * unlinked (and unbound) by the GC or a service flush at any time.
	 */
	active = vlb_proto_state_active(cp->protocol, state);
	if (sf_bits & VLB_CONN_SF_TEMPLATE)
		vlb_dest_tpl_bind(dest);
	else
		vlb_dest_conn_bind(dest, active);
	ht = vlb_conn_key_shard(ct, key);
	old = rhashtable_lookup_get_insert_key(ht, key, &cp->node,
					       vlb_conn_params);
	if (unlikely(!IS_ERR_OR_NULL(old) && vlb_conn_stale(old, key))) {
		/* Expired, not yet freed: this flow takes its place. */
		vlb_conn_unlink(ct, old);
		old = rhashtable_lookup_get_insert_key(ht, key, &cp->node,
						       vlb_conn_params);
	}
	if (likely(!old)) {
		atomic_inc(&ct->count);
		*created = true;
		return cp;
	}

	/* Lost a race with another CPU for the same flow, or no memory. */
	if (sf_bits & VLB_CONN_SF_TEMPLATE)
		vlb_dest_tpl_unbind(dest);
	else
		vlb_dest_conn_unbind(dest, active);
	vlb_dest_put(dest);
	kmem_cache_free(vlb_conn_cachep, cp);
	return old;
}

void vlb_conn_set_state(struct vlb_conn *cp, u8 state, u32 set_bits)
{
	u32 old = READ_ONCE(cp->sf), new;
	bool was, now;

	do {
		if (old & VLB_CONN_SF_DEAD)
			return;
		new = (old & ~VLB_CONN_SF_STATE) | set_bits | state;
	} while (!try_cmpxchg(&cp->sf, &old, new));

	was = vlb_proto_state_active(cp->protocol, old & VLB_CONN_SF_STATE);
	now = vlb_proto_state_active(cp->protocol, state);
	if (was != now)
		vlb_dest_conn_switch(cp->dest, now);
}

static void vlb_conn_free_rcu(struct rcu_head *head)
{
	struct vlb_conn *cp = container_of(head, struct vlb_conn, rcu);

	vlb_dest_put(cp->dest);
	kmem_cache_free(vlb_conn_cachep, cp);
}

/* Mark dead and undo the destination accounting, exactly once. */
static u32 vlb_conn_kill(struct vlb_conn *cp)
{
	u32 old = READ_ONCE(cp->sf);

	while (!try_cmpxchg(&cp->sf, &old, old | VLB_CONN_SF_DEAD))
		;
	if (old & VLB_CONN_SF_TEMPLATE)
		vlb_dest_tpl_unbind(cp->dest);
	else
		vlb_dest_conn_unbind(cp->dest,
				     vlb_proto_state_active(cp->protocol,
							    old & VLB_CONN_SF_STATE));
	return old;
}

/* A connection under a template ended: the template no longer waits. */
static void vlb_tpl_unhold(struct vlb_conn *tpl);

static void vlb_tpl_put(struct vlb_net *vn, const struct vlb_conn *cp)
{
	struct vlb_conn *tpl;

	rcu_read_lock();
	tpl = vlb_tpl_lookup(vn, cp->dest->svc, &cp->caddr, cp->protocol);
	if (tpl)
		vlb_tpl_unhold(tpl);
	rcu_read_unlock();
}

/*
 * Remove a connection from the table. Whoever removes it (GC, flush, a
 * reused tuple) does the accounting and frees it; the others find it gone.
 */
static bool vlb_conn_unlink(struct vlb_conn_tab *ct, struct vlb_conn *cp)
{
	if (rhashtable_remove_fast(vlb_conn_shard(ct, cp->af, &cp->caddr,
						  cp->cport),
				   &cp->node, vlb_conn_params))
		return false;
	atomic_dec(&ct->count);
	if (vlb_conn_kill(cp) & VLB_CONN_SF_CTL)
		vlb_tpl_put(ct->vn, cp);
	call_rcu(&cp->rcu, vlb_conn_free_rcu);
	return true;
}

/*
 * Expire a connection the GC found idle. A template that still controls
 * connections gets another VLB_TPL_GRACE instead, so that a client keeps
 * its real server while any of its connections lives.
 */
static void vlb_conn_gc_one(struct vlb_conn_tab *ct, struct vlb_conn *cp)
{
	u32 sf = READ_ONCE(cp->sf);

	if ((sf & VLB_CONN_SF_TEMPLATE) && (sf >> VLB_CONN_SF_NCTL_SHIFT)) {
		WRITE_ONCE(cp->expires, vlb_tick_now() +
			   vlb_jiffies_to_ticks(VLB_TPL_GRACE));
		return;
	}
	vlb_conn_unlink(ct, cp);
}

void vlb_conn_expire_now(struct vlb_net *vn, struct vlb_conn *cp)
{
	vlb_conn_unlink(vn->conn_tab, cp);
}

/* The buckets of all shards; bit 0 set if any of them is resizing. */
static unsigned int vlb_conn_tab_buckets(struct vlb_conn_tab *ct)
{
	const struct bucket_table *tbl;
	unsigned int size = 0, i;

	for (i = 0; i < 1U << ct->shard_bits; i++) {
		tbl = rht_dereference_rcu(ct->ht[i].tbl, &ct->ht[i]);
		/* Sizes are powers of two >= 256: bit 0 is free. */
		size += tbl->size;
		if (rcu_access_pointer(tbl->future_tbl))
			size |= 1;
	}
	return size;
}

/*
 * The GC walks the buckets itself rather than with an rhashtable_iter,
 * whose budget could only count entries: a sparse table (a floor set with
 * conn_tab_bits, or one emptied by a flush) would then be scanned whole on
 * every run. Here a run visits a budget of buckets and entries together,
 * so a pass over any table takes about 32 runs. An entry moved by a
 * concurrent resize may be missed until the next pass, or seen twice.
 */
static void vlb_conn_gc(struct work_struct *work)
{
	struct vlb_conn_tab *ct = container_of(to_delayed_work(work),
					       struct vlb_conn_tab, gc_work);
	unsigned int nshards = 1U << ct->shard_bits, budget;
	struct bucket_table *tbl;
	struct rhash_head *pos;
	struct vlb_conn *cp;
	long left;
	u32 now;

	rcu_read_lock();
	/*
	 * A full pass takes about 32 runs (8 s) until the budget caps it:
	 * expired entries no longer match, so a later pass only holds
	 * their memory longer.
	 */
	budget = (vlb_conn_tab_buckets(ct) + atomic_read(&ct->count)) / 32;
	left = clamp_t(unsigned int, budget, VLB_GC_MIN_BUDGET,
		       VLB_GC_MAX_BUDGET);
	now = vlb_tick_now();
	while (left > 0) {
		tbl = rht_dereference_rcu(ct->ht[ct->gc_shard].tbl,
					  &ct->ht[ct->gc_shard]);
		if (ct->gc_slot >= tbl->size) {
			/* The next shard; after the last, in a later run. */
			ct->gc_slot = 0;
			ct->gc_shard = (ct->gc_shard + 1) & (nshards - 1);
			if (!ct->gc_shard)
				break;
			continue;
		}
		/* Unlinking leaves cp->node.next intact for the walk. */
		rht_for_each_entry_rcu(cp, pos, tbl, ct->gc_slot, node) {
			left--;
			if (vlb_conn_expired(cp, now))
				vlb_conn_gc_one(ct, cp);
		}
		left--;
		if (!(++ct->gc_slot & 1023) && need_resched()) {
			rcu_read_unlock();
			cond_resched();
			rcu_read_lock();
		}
	}
	rcu_read_unlock();
	queue_delayed_work(system_power_efficient_wq, &ct->gc_work,
			   VLB_GC_INTERVAL);
}

/*
 * The shards and their floor: conn_tab_bits buckets in all, in shards of
 * at most 2^VLB_SHARD_MAX_BITS buckets each.
 */
int vlb_conn_net_init(struct vlb_net *vn)
{
	unsigned int shard_bits, i;
	struct rhashtable_params params = vlb_conn_params;
	struct vlb_conn_tab *ct;
	int err = -ENOMEM;

	shard_bits = conn_tab_bits > VLB_SHARD_MAX_BITS ?
		     conn_tab_bits - VLB_SHARD_MAX_BITS : 0;
	ct = kvzalloc(struct_size(ct, ht, 1U << shard_bits), GFP_KERNEL);
	if (!ct)
		return -ENOMEM;
	ct->shard_bits = shard_bits;
	ct->drops = alloc_percpu(u64);
	if (!ct->drops)
		goto err_free;
	params.min_size = 1U << (conn_tab_bits - shard_bits);
	/* 2^30 buckets in all; conn_max (at most 2^30) stops it first. */
	params.max_size = 1U << (30 - shard_bits);
	for (i = 0; i < 1U << shard_bits; i++) {
		err = rhashtable_init(&ct->ht[i], &params);
		if (err)
			goto err_destroy;
	}
	ct->vn = vn;
	INIT_DELAYED_WORK(&ct->gc_work, vlb_conn_gc);
	vn->conn_tab = ct;
	queue_delayed_work(system_power_efficient_wq, &ct->gc_work,
			   VLB_GC_INTERVAL);
	return 0;

err_destroy:
	while (i--)
		rhashtable_destroy(&ct->ht[i]);
	free_percpu(ct->drops);
err_free:
	kvfree(ct);
	return err;
}

/* Only when nothing else can see the connection any more. */
static void vlb_conn_free_now(void *ptr, void *arg)
{
	struct vlb_conn *cp = ptr;

	vlb_conn_kill(cp);
	vlb_dest_put(cp->dest);
	kmem_cache_free(vlb_conn_cachep, cp);
}

void vlb_conn_net_exit(struct vlb_net *vn)
{
	struct vlb_conn_tab *ct = vn->conn_tab;
	unsigned int i;

	if (!ct)
		return;
	/* No packet can reach the table after this (it waits for readers). */
	vlb_hooks_net_disable(vn);
	cancel_delayed_work_sync(&ct->gc_work);
	for (i = 0; i < 1U << ct->shard_bits; i++)
		rhashtable_free_and_destroy(&ct->ht[i], vlb_conn_free_now,
					    NULL);
	/*
	 * Connections unlinked earlier still hold their destination in a
	 * pending RCU callback: let them drop it while the namespace's
	 * services still exist.
	 */
	rcu_barrier();
	vn->conn_tab = NULL;
	free_percpu(ct->drops);
	kvfree(ct);
}

/* Unlink every entry of svc (only its templates if tpl_only). */
static void vlb_conn_flush(struct vlb_net *vn, struct vlb_service *svc,
			   bool tpl_only)
{
	struct vlb_conn_tab *ct = vn->conn_tab;
	struct rhashtable_iter iter;
	unsigned int n = 0, i;
	struct vlb_conn *cp;

	if (!ct)
		return;
	for (i = 0; i < 1U << ct->shard_bits; i++) {
		rhashtable_walk_enter(&ct->ht[i], &iter);
		rhashtable_walk_start(&iter);
		while ((cp = rhashtable_walk_next(&iter))) {
			if (IS_ERR(cp)) {
				if (PTR_ERR(cp) == -EAGAIN)
					continue;
				break;
			}
			if (cp->dest->svc == svc &&
			    (!tpl_only ||
			     (READ_ONCE(cp->sf) & VLB_CONN_SF_TEMPLATE)))
				vlb_conn_unlink(ct, cp);
			if (!(++n & 1023)) {
				rhashtable_walk_stop(&iter);
				cond_resched();
				rhashtable_walk_start(&iter);
			}
		}
		rhashtable_walk_stop(&iter);
		rhashtable_walk_exit(&iter);
	}
}

void vlb_conn_flush_service(struct vlb_net *vn, struct vlb_service *svc)
{
	vlb_conn_flush(vn, svc, false);
}

void vlb_conn_flush_templates(struct vlb_net *vn, struct vlb_service *svc)
{
	vlb_conn_flush(vn, svc, true);
}

unsigned int vlb_conn_count(struct vlb_net *vn)
{
	struct vlb_conn_tab *ct = vn->conn_tab;

	return ct ? atomic_read(&ct->count) : 0;
}

u64 vlb_conn_drops(struct vlb_net *vn)
{
	struct vlb_conn_tab *ct = vn->conn_tab;
	u64 sum = 0;
	int cpu;

	if (!ct)
		return 0;
	for_each_possible_cpu(cpu)
		sum += READ_ONCE(*per_cpu_ptr(ct->drops, cpu));
	return sum;
}

/*
 * The template key of a client: its address masked to the service's
 * persistence granularity, client port 0, and the service's address and
 * port, or for a firewall-mark service the mark in place of the address,
 * port 0 and protocol 0 (IPPROTO_IP), so one template covers TCP and UDP.
 */
struct vlb_tpl_key {
	struct vlb_conn_key key;
	union nf_inet_addr caddr, vaddr;
};

static void vlb_tpl_key(struct vlb_tpl_key *tk, const struct vlb_service *svc,
			const union nf_inet_addr *caddr, u8 protocol)
{
	u32 plen = READ_ONCE(svc->netmask);

	memset(&tk->caddr, 0, sizeof(tk->caddr));
	memset(&tk->vaddr, 0, sizeof(tk->vaddr));
	if (svc->af == AF_INET6) {
		ipv6_addr_prefix(&tk->caddr.in6, &caddr->in6,
				 min_t(u32, plen, 128));
	} else {
		tk->caddr.ip = plen ? caddr->ip &
				      htonl(~0U << (32 - min_t(u32, plen, 32))) :
				      0;
	}
	if (svc->fwmark) {
		tk->vaddr.ip = htonl(svc->fwmark);
		protocol = 0;
	} else {
		tk->vaddr = svc->addr;
	}
	tk->key.caddr = &tk->caddr;
	tk->key.addr = &tk->vaddr;
	tk->key.cport = 0;
	tk->key.port = svc->fwmark ? 0 : svc->port;
	tk->key.af = svc->af;
	tk->key.protocol = protocol;
	tk->key.dir = VLB_DIR_TPL;
}

struct vlb_conn *vlb_tpl_lookup(struct vlb_net *vn,
				const struct vlb_service *svc,
				const union nf_inet_addr *caddr, u8 protocol)
{
	struct vlb_tpl_key tk;

	vlb_tpl_key(&tk, svc, caddr, protocol);
	return vlb_conn_lookup(vn, &tk.key);
}

struct vlb_conn *vlb_tpl_new(struct vlb_net *vn, struct vlb_service *svc,
			     const union nf_inet_addr *caddr, u8 protocol,
			     struct vlb_dest *dest)
{
	struct vlb_tpl_key tk;
	bool created;

	vlb_tpl_key(&tk, svc, caddr, protocol);
	return vlb_conn_new(vn, &tk.key, &dest->addr, dest->port, dest,
			    VLB_TCP_S_NONE, VLB_CONN_SF_TEMPLATE,
			    (unsigned long)READ_ONCE(svc->timeout) * HZ,
			    &created);
}

/* Count one more connection; false if tpl is dead or the count stuck. */
static bool vlb_tpl_hold(struct vlb_conn *tpl)
{
	u32 old = READ_ONCE(tpl->sf);

	do {
		if (old & VLB_CONN_SF_DEAD)
			return false;
		if ((old >> VLB_CONN_SF_NCTL_SHIFT) == VLB_CONN_SF_NCTL_MAX)
			return false;	/* saturated: no longer counts */
	} while (!try_cmpxchg(&tpl->sf, &old, old + VLB_CONN_SF_NCTL_ONE));
	return true;
}

static void vlb_tpl_unhold(struct vlb_conn *tpl)
{
	u32 old = READ_ONCE(tpl->sf), n;

	do {
		n = old >> VLB_CONN_SF_NCTL_SHIFT;
		if (!n || n == VLB_CONN_SF_NCTL_MAX)
			return;
	} while (!try_cmpxchg(&tpl->sf, &old, old - VLB_CONN_SF_NCTL_ONE));
}

void vlb_tpl_attach(struct vlb_conn *tpl, struct vlb_conn *cp)
{
	u32 old;

	if (!vlb_tpl_hold(tpl))
		return;
	old = READ_ONCE(cp->sf);
	do {
		if (old & VLB_CONN_SF_DEAD) {
			vlb_tpl_unhold(tpl);
			return;
		}
	} while (!try_cmpxchg(&cp->sf, &old, old | VLB_CONN_SF_CTL));
}

void vlb_conn_init_onepacket(struct vlb_conn *cp,
			     const struct vlb_conn_key *key,
			     struct vlb_dest *dest, __be16 dport)
{
	memset(cp, 0, sizeof(*cp));
	vlb_conn_init(cp, key, &dest->addr, dport, dest, VLB_CONN_S_UDP);
}

unsigned int vlb_conn_tab_size(struct vlb_net *vn)
{
	struct vlb_conn_tab *ct = vn->conn_tab;
	unsigned int size;

	if (!ct)
		return 0;
	rcu_read_lock();
	size = vlb_conn_tab_buckets(ct) & ~1U;
	rcu_read_unlock();
	return size;
}

static int vlb_conn_fill(struct sk_buff *skb, struct netlink_callback *cb,
			 const struct vlb_conn *cp)
{
	const struct vlb_dest *d = cp->dest;
	const struct vlb_service *svc = d->svc;
	u32 sf = READ_ONCE(cp->sf);
	u8 state = sf & VLB_CONN_SF_STATE;
	int alen = cp->af == AF_INET6 ? 16 : 4;
	int dlen = d->af == AF_INET6 ? 16 : 4;
	s32 left = (s32)(READ_ONCE(cp->expires) - vlb_tick_now());
	u32 flags, expires;
	struct nlattr *nest;
	void *hdr;

	expires = left > 0 ? jiffies_to_msecs((unsigned long)left <<
					      VLB_TICK_SHIFT) : 0;
	flags = (sf & VLB_CONN_SF_FWD_MASK) >> VLB_CONN_SF_FWD_SHIFT;
	if (!vlb_proto_state_active(cp->protocol, state))
		flags |= VLB_CONN_F_INACTIVE;
	if (sf & VLB_CONN_SF_TEMPLATE)
		flags |= VLB_CONN_F_TEMPLATE;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &vlb_genl_family, NLM_F_MULTI, VLB_CMD_GET_CONN);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(cb, hdr);
	nest = nla_nest_start(skb, VLB_A_CONN);
	if (!nest ||
	    nla_put_u16(skb, VLB_CONN_A_AF, cp->af) ||
	    nla_put_u16(skb, VLB_CONN_A_PROTOCOL, cp->protocol) ||
	    nla_put(skb, VLB_CONN_A_CADDR, alen, &cp->caddr) ||
	    nla_put_be16(skb, VLB_CONN_A_CPORT, cp->cport) ||
	    nla_put(skb, VLB_CONN_A_VADDR, alen, &cp->vaddr) ||
	    nla_put_be16(skb, VLB_CONN_A_VPORT, cp->vport) ||
	    nla_put(skb, VLB_CONN_A_DADDR, dlen, &cp->daddr) ||
	    nla_put_be16(skb, VLB_CONN_A_DPORT, cp->dport) ||
	    nla_put_u16(skb, VLB_CONN_A_DEST_AF, d->af) ||
	    (svc->fwmark && nla_put_u32(skb, VLB_CONN_A_FWMARK, svc->fwmark)) ||
	    nla_put_u8(skb, VLB_CONN_A_STATE, state) ||
	    nla_put_u32(skb, VLB_CONN_A_EXPIRES, expires) ||
	    nla_put_u32(skb, VLB_CONN_A_FLAGS, flags)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
}

/*
 * Walk the shards and their buckets in order; cb->args[0] is the next
 * shard, cb->args[1] the next bucket in it and cb->args[2] how many
 * entries of that bucket were already sent, so each call resumes where the
 * last stopped and a full dump costs one pass. A resize between two calls
 * (or under way) moves entries between buckets: the dump still ends, but
 * may miss or repeat some, and says so with NLM_F_DUMP_INTR. Entries past
 * their timeout are left out as packets no longer match them (templates
 * excepted, as in vlb_conn_stale()); the GC may not have freed them yet.
 */
int vlb_conn_dump(struct vlb_net *vn, struct sk_buff *skb,
		  struct netlink_callback *cb)
{
	struct vlb_conn_tab *ct = vn->conn_tab;
	unsigned int shard = cb->args[0], slot = cb->args[1];
	unsigned int skip = cb->args[2], idx;
	u32 now = vlb_tick_now(), sf;
	struct bucket_table *tbl;
	struct rhash_head *pos;
	struct vlb_conn *cp;

	if (!ct)
		return 0;
	rcu_read_lock();
	cb->seq = vlb_conn_tab_buckets(ct);
	for (; shard < 1U << ct->shard_bits; shard++, slot = 0) {
		tbl = rht_dereference_rcu(ct->ht[shard].tbl, &ct->ht[shard]);
		for (; slot < tbl->size; slot++) {
			idx = 0;
			rht_for_each_entry_rcu(cp, pos, tbl, slot, node) {
				if (idx++ < skip)
					continue;
				sf = READ_ONCE(cp->sf);
				if (!(sf & VLB_CONN_SF_TEMPLATE) &&
				    vlb_conn_expired(cp, now))
					continue;
				if (vlb_conn_fill(skb, cb, cp)) {
					skip = idx - 1;
					goto out;
				}
			}
			skip = 0;
		}
	}
out:
	rcu_read_unlock();
	cb->args[0] = shard;
	cb->args[1] = slot;
	cb->args[2] = skip;
	return skb->len;
}

int vlb_conn_module_init(void)
{
	/* The memory budget; see the comment above struct vlb_conn. */
	BUILD_BUG_ON(sizeof(struct vlb_conn) > VLB_CONN_SIZE_MAX);
	BUILD_BUG_ON(__VLB_FWD_MAX > (VLB_CONN_SF_FWD_MASK >>
				      VLB_CONN_SF_FWD_SHIFT));

	if (conn_tab_bits < VLB_TAB_MIN_BITS ||
	    conn_tab_bits > VLB_TAB_MAX_BITS) {
		pr_err("vlb: conn_tab_bits=%u is out of range (%u to %u)\n",
		       conn_tab_bits, VLB_TAB_MIN_BITS, VLB_TAB_MAX_BITS);
		return -EINVAL;
	}

	/*
	 * No SLAB_HWCACHE_ALIGN: it would round 96 bytes up to 128. Never
	 * merged, so /proc/slabinfo shows what connections cost.
	 */
	vlb_conn_cachep = kmem_cache_create("vlb_conn", sizeof(struct vlb_conn),
					    0, VLB_SLAB_NO_MERGE, NULL);
	return vlb_conn_cachep ? 0 : -ENOMEM;
}

void vlb_conn_module_exit(void)
{
	/* Wait for the last vlb_conn_free_rcu() before the cache goes. */
	rcu_barrier();
	kmem_cache_destroy(vlb_conn_cachep);
}

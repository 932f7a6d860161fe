// SPDX-License-Identifier: GPL-2.0
/*
 * Maglev hashing (mh): consistent hashing with a lookup table of a prime
 * number of slots, 4093 as IPVS's default. Each destination has a
 * permutation of the slots, offset + j * skip (mod M), both from a keyed
 * hash of its address and port, so it does not depend on list order; the
 * destinations take turns, each as many per round as its weight divided by
 * the weights' gcd, claiming their next free preferred slot until the table
 * is full. A destination added or removed thus moves only about its share
 * of slots. A new connection takes the slot of a keyed hash of its client
 * address, and of its port too with mh-port (VLB_SVC_F_SCHED2): O(1).
 *
 * A destination set to weight 0 keeps the slots of its last positive
 * weight, as IPVS's last_weight: quiescing it moves no other client, and
 * its clients come back when it returns. Its new connections are refused,
 * or with mh-fallback (VLB_SVC_F_SCHED1) rehashed with a salt until a
 * usable destination comes up (at most M probes). A destination added with
 * weight 0 gets no slot until it has a weight. Every change rebuilds the
 * table in process context, O(n + M log M), and publishes it whole with
 * RCU. Only the first M destinations of a service can hold slots.
 */

#include <linux/gcd.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "sched_ext.h"

#define MH_TAB_SIZE	4093		/* prime */
#define MH_EMPTY	U16_MAX		/* no destination */
#define MH_MAX_TURNS	64		/* slots one dest claims per round */

struct mh_dest {
	u32 id;			/* in svc->dest_xa */
	u32 weight;		/* the weight its slots were given for */
};

struct mh_state {
	struct vlb_sched_state hdr;
	struct rcu_head rcu;
	hsiphash_key_t key;		/* clients */
	hsiphash_key_t key_offset;	/* permutations */
	hsiphash_key_t key_skip;
	unsigned int ndests;
	u16 slot[MH_TAB_SIZE];		/* index in dests[], or MH_EMPTY */
	struct mh_dest dests[];
};

/* Per-destination build state, process context only. */
struct mh_perm {
	u32 pos, skip, turns;
};

/* The weight @d last had in @old, for a destination now at weight 0. */
static u32 mh_last_weight(const struct mh_state *old, const struct vlb_dest *d)
{
	unsigned int i;

	if (!old)
		return 0;
	for (i = 0; i < old->ndests; i++)
		if (old->dests[i].id == d->id)
			return old->dests[i].weight;
	return 0;
}

static struct mh_state *mh_build(struct vlb_service *svc,
				 const struct mh_state *old)
{
	unsigned int n = 0, i, filled = 0, maxn = svc->num_dests;
	u32 g = 0, maxw = 0, shift = 0;
	struct mh_perm *perm = NULL;
	struct mh_state *st;
	struct vlb_dest *d;

	maxn = min_t(unsigned int, maxn, MH_TAB_SIZE);
	st = kzalloc(struct_size(st, dests, maxn), GFP_KERNEL);
	if (!st)
		return NULL;
	st->hdr.owner = &vlb_sched_mh;
	if (old) {
		st->key = old->key;
		st->key_offset = old->key_offset;
		st->key_skip = old->key_skip;
	} else {
		get_random_bytes(&st->key, sizeof(st->key));
		get_random_bytes(&st->key_offset, sizeof(st->key_offset));
		get_random_bytes(&st->key_skip, sizeof(st->key_skip));
	}
	for (i = 0; i < MH_TAB_SIZE; i++)
		st->slot[i] = MH_EMPTY;

	/* Those that get slots: positive weight, or a weight before 0. */
	list_for_each_entry(d, &svc->dests, list) {
		int w = READ_ONCE(d->weight);
		u32 uw = w > 0 ? w : mh_last_weight(old, d);

		if (!uw || n == maxn)
			continue;
		st->dests[n].id = d->id;
		st->dests[n].weight = uw;
		g = gcd(g, uw);
		maxw = max(maxw, uw);
		n++;
	}
	st->ndests = n;
	if (!n)
		return st;

	perm = kmalloc_array(n, sizeof(*perm), GFP_KERNEL);
	if (!perm) {
		kfree(st);
		return NULL;
	}
	/* Scale the turns so that one round stays short. */
	while ((maxw / g) >> shift > MH_MAX_TURNS)
		shift++;
	i = 0;
	list_for_each_entry(d, &svc->dests, list) {
		if (i == n || st->dests[i].id != d->id)
			continue;
		perm[i].pos = vlb_sched_hash_dest(&st->key_offset, d) %
			      MH_TAB_SIZE;
		perm[i].skip = vlb_sched_hash_dest(&st->key_skip, d) %
			       (MH_TAB_SIZE - 1) + 1;
		perm[i].turns = max_t(u32, (st->dests[i].weight / g) >> shift,
				      1);
		i++;
	}

	while (filled < MH_TAB_SIZE) {
		for (i = 0; i < n && filled < MH_TAB_SIZE; i++) {
			u32 t;

			for (t = 0; t < perm[i].turns && filled < MH_TAB_SIZE;
			     t++) {
				/* A full permutation: a free slot comes up. */
				while (st->slot[perm[i].pos] != MH_EMPTY) {
					perm[i].pos += perm[i].skip;
					if (perm[i].pos >= MH_TAB_SIZE)
						perm[i].pos -= MH_TAB_SIZE;
				}
				st->slot[perm[i].pos] = i;
				filled++;
			}
		}
	}
	kfree(perm);
	return st;
}

static int mh_init_service(struct vlb_service *svc)
{
	struct mh_state *st = mh_build(svc, NULL);

	if (!st)
		return -ENOMEM;
	rcu_assign_pointer(svc->sched_data, st);
	return 0;
}

static int mh_update_service(struct vlb_service *svc)
{
	struct mh_state *old, *st;

	old = rcu_dereference_protected(svc->sched_data,
					lockdep_is_held(&svc->vn->lock));
	if (!old || old->hdr.owner != &vlb_sched_mh)
		return 0;
	st = mh_build(svc, old);
	if (!st)
		return -ENOMEM;
	rcu_assign_pointer(svc->sched_data, st);
	kfree_rcu(old, rcu);
	return 0;
}

static struct vlb_dest *mh_lookup(struct vlb_service *svc,
				  const struct mh_state *st,
				  const union nf_inet_addr *caddr,
				  __be16 cport, bool use_port, u32 salt)
{
	u32 h = vlb_sched_hash_client(&st->key, svc->af, caddr, cport,
				      use_port, salt);
	struct vlb_dest *d;
	u16 i = st->slot[h % MH_TAB_SIZE];

	if (i >= st->ndests)
		return NULL;
	d = vlb_sched_dest_by_id(svc, st->dests[i].id);
	return d && vlb_dest_usable(d) ? d : NULL;
}

static struct vlb_dest *mh_schedule(struct vlb_service *svc,
				    const struct sk_buff *skb,
				    const union nf_inet_addr *caddr,
				    __be16 cport)
{
	struct mh_state *st = rcu_dereference(svc->sched_data);
	u32 flags = READ_ONCE(svc->flags);
	bool use_port = flags & VLB_SVC_F_SCHED2;
	struct vlb_dest *d;
	u32 salt;

	if (unlikely(!st || st->hdr.owner != &vlb_sched_mh))
		return vlb_sched_first_usable(svc);
	if (!st->ndests)
		return NULL;
	d = mh_lookup(svc, st, caddr, cport, use_port, 0);
	if (d || !(flags & VLB_SVC_F_SCHED1))
		return d;
	for (salt = 1; salt < MH_TAB_SIZE; salt++) {
		d = mh_lookup(svc, st, caddr, cport, use_port, salt);
		if (d)
			return d;
	}
	return NULL;
}

struct vlb_scheduler vlb_sched_mh = {
	.name		= "mh",
	.owner		= THIS_MODULE,
	.init_service	= mh_init_service,
	.update_service	= mh_update_service,
	.schedule	= mh_schedule,
};

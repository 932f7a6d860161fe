// SPDX-License-Identifier: GPL-2.0
/*
 * Weighted power of two choices (p2c, also under IPVS's name "twos"): draw
 * two destinations at random, each with probability proportional to its
 * weight, and send the new connection to the one with the lower load per
 * unit of weight, (256 * active + inactive) / weight as wlc. IPVS's twos
 * walks the list twice per connection; here update_service builds a Walker
 * alias table over the destinations of positive weight (Vose's method, in
 * fixed point) and publishes it with RCU, so a draw is O(1): a uniform
 * column, then a biased coin between it and its alias. A draw that lands
 * on an overloaded destination is redrawn a few times before a full scan,
 * which only happens when most of the weight is overloaded.
 */

#include <linux/math64.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "sched_ext.h"

#define P2C_TRIES	4	/* rounds of two draws before the scan */

struct p2c_entry {
	u32 id;			/* in svc->dest_xa */
	u32 prob;		/* keep this column if rand32 < prob... */
	u32 alias;		/* ...else take this one */
};

struct p2c_state {
	struct vlb_sched_state hdr;
	struct rcu_head rcu;
	unsigned int ndests;
	struct p2c_entry e[];
};

static bool p2c_owner_ok(const struct vlb_sched_state *hdr)
{
	return hdr->owner == &vlb_sched_p2c || hdr->owner == &vlb_sched_twos;
}

static struct p2c_state *p2c_build(struct vlb_service *svc,
				   const struct vlb_scheduler *owner)
{
	unsigned int n = 0, maxn = svc->num_dests, i, ns = 0, nl = 0;
	u32 *small = NULL, *large;
	u64 *res = NULL, total = 0;
	struct p2c_state *st;
	struct vlb_dest *d;

	st = kzalloc(struct_size(st, e, maxn), GFP_KERNEL);
	if (!st)
		return NULL;
	st->hdr.owner = owner;
	if (!maxn)
		return st;
	res = kvmalloc_array(maxn, sizeof(*res), GFP_KERNEL);
	small = kvmalloc_array(2 * maxn, sizeof(*small), GFP_KERNEL);
	if (!res || !small) {
		kvfree(res);
		kvfree(small);
		kfree(st);
		return NULL;
	}
	large = small + maxn;

	list_for_each_entry(d, &svc->dests, list) {
		int w = READ_ONCE(d->weight);

		if (w <= 0 || n == maxn)
			continue;
		st->e[n].id = d->id;
		res[n] = w;
		total += w;
		n++;
	}
	st->ndests = n;

	/*
	 * Vose: in units where the average column holds @total, a column is
	 * n * weight. Pair each short column with a tall one that tops it
	 * up; the tall one keeps the rest, and is short or tall again.
	 */
	for (i = 0; i < n; i++) {
		res[i] *= n;
		st->e[i].alias = i;
		if (res[i] < total)
			small[ns++] = i;
		else
			large[nl++] = i;
	}
	while (ns && nl) {
		u32 s = small[--ns], l = large[nl - 1];

		st->e[s].prob = (u32)mul_u64_u64_div_u64(res[s], 1ULL << 32,
							 total);
		st->e[s].alias = l;
		res[l] -= total - res[s];
		if (res[l] < total) {
			nl--;
			small[ns++] = l;
		}
	}
	/* What is left is full, up to rounding. */
	while (nl)
		st->e[large[--nl]].prob = U32_MAX;
	while (ns)
		st->e[small[--ns]].prob = U32_MAX;
	kvfree(res);
	kvfree(small);
	return st;
}

static int p2c_init(struct vlb_service *svc, const struct vlb_scheduler *owner)
{
	struct p2c_state *st = p2c_build(svc, owner);

	if (!st)
		return -ENOMEM;
	rcu_assign_pointer(svc->sched_data, st);
	return 0;
}

static int p2c_init_service(struct vlb_service *svc)
{
	return p2c_init(svc, &vlb_sched_p2c);
}

static int twos_init_service(struct vlb_service *svc)
{
	return p2c_init(svc, &vlb_sched_twos);
}

static int p2c_update_service(struct vlb_service *svc)
{
	struct p2c_state *old, *st;

	old = rcu_dereference_protected(svc->sched_data,
					lockdep_is_held(&svc->vn->lock));
	if (!old || !p2c_owner_ok(&old->hdr))
		return 0;
	st = p2c_build(svc, old->hdr.owner);
	if (!st)
		return -ENOMEM;
	rcu_assign_pointer(svc->sched_data, st);
	kfree_rcu(old, rcu);
	return 0;
}

/* One weighted draw; NULL if it lands on an unusable destination. */
static struct vlb_dest *p2c_draw(struct vlb_service *svc,
				 const struct p2c_state *st)
{
	u64 r = get_random_u64();
	u32 col = reciprocal_scale((u32)r, st->ndests);
	struct vlb_dest *d;

	if ((u32)(r >> 32) >= st->e[col].prob)
		col = st->e[col].alias;
	d = vlb_sched_dest_by_id(svc, st->e[col].id);
	return d && vlb_dest_usable(d) ? d : NULL;
}

static u64 p2c_overhead(const struct vlb_dest *d)
{
	return ((u64)atomic_read(&d->activeconns) << 8) +
	       atomic_read(&d->inactconns);
}

/* Is @a less loaded per unit of weight than @b? */
static bool p2c_lighter(const struct vlb_dest *a, const struct vlb_dest *b)
{
	u64 wa = max(READ_ONCE(a->weight), 1);
	u64 wb = max(READ_ONCE(b->weight), 1);

	return p2c_overhead(a) * wb < p2c_overhead(b) * wa;
}

/* The slow path: least load per weight over every usable destination. */
static struct vlb_dest *p2c_scan(struct vlb_service *svc)
{
	struct vlb_dest *d, *least = NULL;

	list_for_each_entry_rcu(d, &svc->dests, list) {
		if (vlb_dest_usable(d) && (!least || p2c_lighter(d, least)))
			least = d;
	}
	return least;
}

static struct vlb_dest *p2c_schedule(struct vlb_service *svc,
				     const struct sk_buff *skb,
				     const union nf_inet_addr *caddr,
				     __be16 cport)
{
	struct p2c_state *st = rcu_dereference(svc->sched_data);
	struct vlb_dest *a, *b;
	int tries;

	if (unlikely(!st || !p2c_owner_ok(&st->hdr)))
		return vlb_sched_first_usable(svc);
	if (!st->ndests)
		return NULL;
	for (tries = 0; tries < P2C_TRIES; tries++) {
		a = p2c_draw(svc, st);
		b = p2c_draw(svc, st);
		if (a && b)
			return p2c_lighter(b, a) ? b : a;
		if (a || b)
			return a ?: b;
	}
	return p2c_scan(svc);
}

struct vlb_scheduler vlb_sched_p2c = {
	.name		= "p2c",
	.owner		= THIS_MODULE,
	.init_service	= p2c_init_service,
	.update_service	= p2c_update_service,
	.schedule	= p2c_schedule,
};

struct vlb_scheduler vlb_sched_twos = {
	.name		= "twos",
	.owner		= THIS_MODULE,
	.init_service	= twos_init_service,
	.update_service	= p2c_update_service,
	.schedule	= p2c_schedule,
};

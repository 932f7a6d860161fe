// SPDX-License-Identifier: GPL-2.0
/*
 * Weighted round robin, the smooth variant nginx uses rather than IPVS's
 * interleaved one: on every pick each usable destination's current weight
 * grows by its weight, the largest wins (the first listed among equals)
 * and gives back the sum of weights. Weights 5, 1, 1 give a a b a c a a,
 * spreading the light destinations across the cycle instead of bunching
 * them at its end.
 *
 * The sequence repeats after sum(weight / gcd) picks, so it is computed
 * once per configuration into a table of destination ids and a pick is one
 * atomic increment and a table read: O(1), no lock. Every change of the
 * destinations restarts the sequence; a small table is built at once, a
 * large one by a worker, and until it is published picks walk the list
 * (O(n), under a spinlock) along the very same sequence, so switching over
 * is seamless. A configuration whose table would be too big to build is
 * served by the walk for good. A destination over its threshold is passed
 * over (the table's next entries are tried) as IPVS's wrr passes it over.
 */

#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/gcd.h>
#include <linux/mm.h>

#include "vlb.h"
#include "sched_ext.h"

/* Built in the caller when period x destinations is at most this. */
#define WRR_SYNC_COST		(1UL << 16)
/* Never built beyond these: the walk serves such configurations. */
#define WRR_MAX_PERIOD		(1UL << 20)
#define WRR_MAX_COST		(1UL << 26)
/* Table entries tried past an overloaded destination before the walk. */
#define WRR_SKIP_TRIES		8

struct wrr_table {
	struct rcu_head rcu;
	u32 period;
	u32 ids[];		/* destination ids, one period */
};

/* What a build works from: the weights as they were at the change. */
struct wrr_snap {
	u32 gen;
	u32 n;
	u32 ids[];		/* then n weights after them */
};

struct wrr_state {
	struct vlb_sched_state hdr;
	struct vlb_service *svc;
	spinlock_t lock;		/* the walk: every dest's sched_cw */
	atomic_long_t picks;		/* since the sequence restarted */
	struct wrr_table __rcu *tab;
	/* builds: gen and snap under build_lock */
	spinlock_t build_lock;
	u32 gen;
	struct wrr_snap *snap;		/* waiting for the worker */
	struct work_struct work;
};

static void wrr_table_free_rcu(struct rcu_head *head)
{
	kvfree(container_of(head, struct wrr_table, rcu));
}

/* The nginx algorithm over one period, on plain arrays. */
static struct wrr_table *wrr_build(const struct wrr_snap *sn, bool may_sleep)
{
	const u32 *w = sn->ids + sn->n;
	struct wrr_table *tab;
	u64 period = 0;
	s64 *cw;
	u32 i, k, best;

	for (i = 0; i < sn->n; i++)
		period += w[i];
	if (!period || period > WRR_MAX_PERIOD ||
	    period * sn->n > WRR_MAX_COST)
		return NULL;
	cw = kvcalloc(sn->n, sizeof(*cw), GFP_KERNEL);
	tab = kvmalloc(struct_size(tab, ids, period), GFP_KERNEL);
	if (!cw || !tab) {
		kvfree(cw);
		kvfree(tab);
		return NULL;
	}
	tab->period = period;
	for (k = 0; k < period; k++) {
		best = 0;
		for (i = 0; i < sn->n; i++) {
			cw[i] += w[i];
			if (cw[i] > cw[best])
				best = i;
		}
		cw[best] -= period;
		tab->ids[k] = sn->ids[best];
		if (may_sleep && !(k & 1023))
			cond_resched();
	}
	kvfree(cw);
	return tab;
}

/* Publish tab (NULL: none) if it was built for the current generation. */
static void wrr_publish(struct wrr_state *st, struct wrr_table *tab, u32 gen)
{
	struct wrr_table *old = NULL;

	spin_lock_bh(&st->build_lock);
	if (gen == st->gen) {
		old = rcu_replace_pointer(st->tab, tab,
					  lockdep_is_held(&st->build_lock));
		tab = NULL;
	}
	spin_unlock_bh(&st->build_lock);
	if (old)
		call_rcu(&old->rcu, wrr_table_free_rcu);
	kvfree(tab);	/* outdated by a newer change */
}

static void wrr_work(struct work_struct *work)
{
	struct wrr_state *st = container_of(work, struct wrr_state, work);
	struct wrr_snap *sn;

	spin_lock_bh(&st->build_lock);
	sn = st->snap;
	st->snap = NULL;
	spin_unlock_bh(&st->build_lock);
	if (!sn)
		return;
	wrr_publish(st, wrr_build(sn, true), sn->gen);
	kfree(sn);
}

/*
 * The destinations changed (under vn->lock): restart the sequence from
 * all-zero current weights, drop the table, and build the new one.
 */
static int wrr_restart(struct wrr_state *st)
{
	struct vlb_service *svc = st->svc;
	struct wrr_snap *sn;
	struct vlb_dest *d;
	struct wrr_table *old;
	u32 n = 0, g = 0, i, gen;
	u64 period = 0;

	list_for_each_entry(d, &svc->dests, list) {
		int w = READ_ONCE(d->weight);

		if (w > 0) {
			n++;
			g = gcd(g, w);
		}
	}
	sn = n ? kmalloc(struct_size(sn, ids, 2 * n), GFP_KERNEL) : NULL;
	if (sn) {
		i = 0;
		list_for_each_entry(d, &svc->dests, list) {
			int w = READ_ONCE(d->weight);

			if (w <= 0)
				continue;
			sn->ids[i] = d->id;
			sn->ids[n + i] = w / g;
			period += w / g;
			i++;
		}
		sn->n = n;
	}

	spin_lock_bh(&st->lock);
	list_for_each_entry(d, &svc->dests, list)
		d->sched_cw = 0;
	atomic_long_set(&st->picks, 0);
	spin_lock(&st->build_lock);
	gen = ++st->gen;
	old = rcu_replace_pointer(st->tab, NULL,
				  lockdep_is_held(&st->build_lock));
	kfree(st->snap);
	st->snap = NULL;
	if (sn) {
		sn->gen = gen;
		if (period * n > WRR_SYNC_COST) {
			st->snap = sn;
			sn = NULL;
			queue_work(system_unbound_wq, &st->work);
		}
	}
	spin_unlock(&st->build_lock);
	spin_unlock_bh(&st->lock);
	if (old)
		call_rcu(&old->rcu, wrr_table_free_rcu);
	if (sn) {
		wrr_publish(st, wrr_build(sn, true), gen);
		kfree(sn);
	}
	return 0;
}

static int wrr_init_service(struct vlb_service *svc)
{
	struct wrr_state *st = kzalloc(sizeof(*st), GFP_KERNEL);

	if (!st)
		return -ENOMEM;
	st->hdr.owner = &vlb_sched_wrr;
	st->svc = svc;
	spin_lock_init(&st->lock);
	spin_lock_init(&st->build_lock);
	INIT_WORK(&st->work, wrr_work);
	wrr_restart(st);
	rcu_assign_pointer(svc->sched_data, st);
	return 0;
}

static struct wrr_state *wrr_state(struct vlb_service *svc)
{
	struct wrr_state *st = rcu_dereference_protected(svc->sched_data,
					lockdep_is_held(&svc->vn->lock));

	return st && st->hdr.owner == &vlb_sched_wrr ? st : NULL;
}

static int wrr_update_service(struct vlb_service *svc)
{
	struct wrr_state *st = wrr_state(svc);

	return st ? wrr_restart(st) : 0;
}

/*
 * The service is going or changes scheduler; sched.c frees st after a
 * grace period (no reader can reach it from here on). Stop the worker
 * and let the table go with it.
 */
static void wrr_done_service(struct vlb_service *svc, void *state)
{
	struct wrr_state *st = state;
	struct wrr_table *tab;

	if (!st || st->hdr.owner != &vlb_sched_wrr)
		return;
	cancel_work_sync(&st->work);
	kfree(st->snap);
	st->snap = NULL;
	tab = rcu_replace_pointer(st->tab, NULL, true);
	if (tab)
		call_rcu(&tab->rcu, wrr_table_free_rcu);
}

/* The walk: one nginx step over the live list. */
static struct vlb_dest *wrr_walk(struct wrr_state *st, struct vlb_service *svc)
{
	struct vlb_dest *d, *best = NULL;
	long total = 0;

	spin_lock_bh(&st->lock);
	list_for_each_entry_rcu(d, &svc->dests, list) {
		int w = READ_ONCE(d->weight);

		if (w <= 0 || test_bit(VLB_DEST_FL_OVERLOAD, &d->flags))
			continue;
		d->sched_cw += w;
		total += w;
		if (!best || d->sched_cw > best->sched_cw)
			best = d;
	}
	if (best)
		best->sched_cw -= total;
	atomic_long_inc(&st->picks);
	spin_unlock_bh(&st->lock);
	return best;
}

static struct vlb_dest *wrr_schedule(struct vlb_service *svc,
				     const struct sk_buff *skb,
				     const union nf_inet_addr *caddr,
				     __be16 cport)
{
	struct wrr_state *st = rcu_dereference(svc->sched_data);
	struct wrr_table *tab;
	struct vlb_dest *d;
	unsigned long k;
	int i;

	if (unlikely(!st || st->hdr.owner != &vlb_sched_wrr))
		return vlb_sched_first_usable(svc);
	tab = rcu_dereference(st->tab);
	if (!tab)
		return wrr_walk(st, svc);
	k = atomic_long_fetch_inc(&st->picks);
	for (i = 0; i < WRR_SKIP_TRIES; i++, k++) {
		d = vlb_sched_dest_by_id(svc, tab->ids[k % tab->period]);
		if (d && vlb_dest_usable(d))
			return d;
	}
	return vlb_sched_first_usable(svc);
}

struct vlb_scheduler vlb_sched_wrr = {
	.name		= "wrr",
	.owner		= THIS_MODULE,
	.init_service	= wrr_init_service,
	.done_service	= wrr_done_service,
	.update_service	= wrr_update_service,
	.schedule	= wrr_schedule,
};

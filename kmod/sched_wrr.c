// SPDX-License-Identifier: GPL-2.0
/*
 * Weighted round robin, the smooth variant nginx uses rather than IPVS's
 * interleaved one: on every pick each usable destination's current weight
 * grows by its weight, the largest wins and gives back the sum of weights.
 * Weights 5, 1, 1 give a a b a c a a, spreading the light destinations
 * across the cycle instead of bunching them at its end. A pick is O(n) under
 * a per-service spinlock; adding, changing or removing a destination costs
 * nothing, because a new destination starts at 0 and the sum of current
 * weights is preserved by every pick.
 */

#include <linux/slab.h>
#include <linux/spinlock.h>

#include "vlb.h"

struct wrr_state {
	struct vlb_sched_state hdr;
	spinlock_t lock;		/* protects every dest's sched_cw */
};

static int wrr_init_service(struct vlb_service *svc)
{
	struct wrr_state *st = kzalloc(sizeof(*st), GFP_KERNEL);
	struct vlb_dest *d;

	if (!st)
		return -ENOMEM;
	st->hdr.owner = &vlb_sched_wrr;
	spin_lock_init(&st->lock);
	/* Start a fresh cycle; no reader uses the counters before publish. */
	list_for_each_entry(d, &svc->dests, list)
		d->sched_cw = 0;
	rcu_assign_pointer(svc->sched_data, st);
	return 0;
}

static struct vlb_dest *wrr_schedule(struct vlb_service *svc,
				     const struct sk_buff *skb,
				     const union nf_inet_addr *caddr,
				     __be16 cport)
{
	struct wrr_state *st = rcu_dereference(svc->sched_data);
	struct vlb_dest *d, *best = NULL;
	long total = 0;

	if (unlikely(!st || st->hdr.owner != &vlb_sched_wrr))
		return vlb_sched_first_usable(svc);

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
	spin_unlock_bh(&st->lock);
	return best;
}

struct vlb_scheduler vlb_sched_wrr = {
	.name		= "wrr",
	.owner		= THIS_MODULE,
	.init_service	= wrr_init_service,
	.schedule	= wrr_schedule,
};

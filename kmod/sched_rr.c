// SPDX-License-Identifier: GPL-2.0
/*
 * Round robin: each new connection goes to the next usable destination after
 * the one picked last. The cursor is the id of the last pick, kept under a
 * per-service spinlock and turned back into a destination through the
 * service's xarray: a removed destination leaves the xarray before its last
 * reference can go, so a reader never follows a cursor into memory that a
 * grace period could free. A pick is O(1) unless many destinations in a
 * row are quiesced or overloaded.
 */

#include <linux/slab.h>
#include <linux/spinlock.h>

#include "vlb.h"

struct rr_state {
	struct vlb_sched_state hdr;
	spinlock_t lock;		/* protects cur_id */
	u32 cur_id;			/* id of the last pick, if any */
	bool cur_valid;
};

static int rr_init_service(struct vlb_service *svc)
{
	struct rr_state *st = kzalloc(sizeof(*st), GFP_KERNEL);

	if (!st)
		return -ENOMEM;
	st->hdr.owner = &vlb_sched_rr;
	spin_lock_init(&st->lock);
	rcu_assign_pointer(svc->sched_data, st);
	return 0;
}

static struct vlb_dest *rr_schedule(struct vlb_service *svc,
				    const struct sk_buff *skb,
				    const union nf_inet_addr *caddr,
				    __be16 cport)
{
	struct rr_state *st = rcu_dereference(svc->sched_data);
	struct list_head *last;
	struct vlb_dest *d;

	if (unlikely(!st || st->hdr.owner != &vlb_sched_rr))
		return vlb_sched_first_usable(svc);

	spin_lock_bh(&st->lock);
	d = st->cur_valid ? xa_load(&svc->dest_xa, st->cur_id) : NULL;
	last = d ? &d->list : &svc->dests;
	/* From the one after the cursor to the end... */
	d = list_entry(last, struct vlb_dest, list);
	list_for_each_entry_continue_rcu(d, &svc->dests, list) {
		if (vlb_dest_usable(d))
			goto found;
	}
	/* ...then from the head up to and including the cursor. */
	list_for_each_entry_rcu(d, &svc->dests, list) {
		if (vlb_dest_usable(d))
			goto found;
		if (&d->list == last)
			break;
	}
	spin_unlock_bh(&st->lock);
	return NULL;
found:
	st->cur_id = d->id;
	st->cur_valid = true;
	spin_unlock_bh(&st->lock);
	return d;
}

struct vlb_scheduler vlb_sched_rr = {
	.name		= "rr",
	.owner		= THIS_MODULE,
	.init_service	= rr_init_service,
	.schedule	= rr_schedule,
};

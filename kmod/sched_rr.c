// SPDX-License-Identifier: GPL-2.0
/*
 * Round robin: each new connection goes to the next usable destination after
 * the one picked last. The cursor points at the last pick and is kept under
 * a per-service spinlock; when its destination leaves the list,
 * update_service (called after every removal, under the same lock) moves it
 * back to the head, so it never outlives the destination: a pick that saw
 * the destination in the list finished before the removal could take the
 * lock. A pick is O(1) unless many destinations in a row are quiesced or
 * overloaded.
 */

#include <linux/slab.h>
#include <linux/spinlock.h>

#include "vlb.h"

struct rr_state {
	struct vlb_sched_state hdr;
	spinlock_t lock;		/* protects cur */
	struct vlb_dest *cur;		/* the last pick, NULL: none yet */
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
	last = st->cur ? &st->cur->list : &svc->dests;
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
	st->cur = d;
	spin_unlock_bh(&st->lock);
	return d;
}

/* Destinations changed: forget the cursor if its destination left. */
static int rr_update_service(struct vlb_service *svc)
{
	struct rr_state *st = rcu_dereference_protected(svc->sched_data,
				lockdep_is_held(&svc->vn->lock));

	if (!st || st->hdr.owner != &vlb_sched_rr)
		return 0;
	spin_lock_bh(&st->lock);
	if (st->cur && !test_bit(VLB_DEST_FL_AVAILABLE, &st->cur->flags))
		st->cur = NULL;
	spin_unlock_bh(&st->lock);
	return 0;
}

struct vlb_scheduler vlb_sched_rr = {
	.name		= "rr",
	.owner		= THIS_MODULE,
	.init_service	= rr_init_service,
	.update_service	= rr_update_service,
	.schedule	= rr_schedule,
};

// SPDX-License-Identifier: GPL-2.0
/*
 * Round robin: each new connection goes to the next usable destination after
 * the one picked last. The cursor is a list position kept under a
 * per-service spinlock; a pick is O(1) unless many destinations in a row
 * are quiesced or overloaded. When the destination under the cursor is
 * removed the cursor goes back to the head of the list, so it never points
 * at memory that a grace period could free.
 */

#include <linux/slab.h>
#include <linux/spinlock.h>

#include "vlb.h"

struct rr_state {
	struct vlb_sched_state hdr;
	spinlock_t lock;		/* protects cur */
	struct list_head *cur;		/* last pick, or &svc->dests */
};

static int rr_init_service(struct vlb_service *svc)
{
	struct rr_state *st = kzalloc(sizeof(*st), GFP_KERNEL);

	if (!st)
		return -ENOMEM;
	st->hdr.owner = &vlb_sched_rr;
	spin_lock_init(&st->lock);
	st->cur = &svc->dests;
	rcu_assign_pointer(svc->sched_data, st);
	return 0;
}

static int rr_update_service(struct vlb_service *svc)
{
	struct rr_state *st;
	struct vlb_dest *d;

	st = rcu_dereference_protected(svc->sched_data,
				       lockdep_is_held(&svc->vn->lock));
	if (!st || st->hdr.owner != &vlb_sched_rr)
		return 0;
	spin_lock_bh(&st->lock);
	if (st->cur != &svc->dests) {
		d = list_entry(st->cur, struct vlb_dest, list);
		if (!test_bit(VLB_DEST_FL_AVAILABLE, &d->flags))
			st->cur = &svc->dests;
	}
	spin_unlock_bh(&st->lock);
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
	last = st->cur;
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
	st->cur = &d->list;
	spin_unlock_bh(&st->lock);
	return d;
}

struct vlb_scheduler vlb_sched_rr = {
	.name		= "rr",
	.owner		= THIS_MODULE,
	.init_service	= rr_init_service,
	.update_service	= rr_update_service,
	.schedule	= rr_schedule,
};

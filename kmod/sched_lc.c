// SPDX-License-Identifier: GPL-2.0
/*
 * Least-connection (lc) and weighted least-connection (wlc, the default).
 * The load of a destination is IPVS's overhead, active * 256 + inactive: an
 * established connection weighs as much as 256 idle ones. lc picks the
 * least loaded usable destination; wlc the least load per unit of weight,
 * compared by cross multiplication so no division is needed. Both scan the
 * RCU list without a lock; ties go to the destination added first. The
 * products fit in 64 bits while a destination has fewer than 2^24 active
 * connections.
 */

#include "vlb.h"

static u64 dest_overhead(const struct vlb_dest *d)
{
	return ((u64)atomic_read(&d->activeconns) << 8) +
	       atomic_read(&d->inactconns);
}

static struct vlb_dest *lc_schedule(struct vlb_service *svc,
				    const struct sk_buff *skb,
				    const union nf_inet_addr *caddr,
				    __be16 cport)
{
	struct vlb_dest *d, *least = NULL;
	u64 loh = 0, doh;

	list_for_each_entry_rcu(d, &svc->dests, list) {
		if (!vlb_dest_usable(d))
			continue;
		doh = dest_overhead(d);
		if (!least || doh < loh) {
			least = d;
			loh = doh;
		}
	}
	return least;
}

static struct vlb_dest *wlc_schedule(struct vlb_service *svc,
				     const struct sk_buff *skb,
				     const union nf_inet_addr *caddr,
				     __be16 cport)
{
	struct vlb_dest *d, *least = NULL;
	u64 loh = 0, lw = 0, doh;

	list_for_each_entry_rcu(d, &svc->dests, list) {
		int w = READ_ONCE(d->weight);

		if (w <= 0 || test_bit(VLB_DEST_FL_OVERLOAD, &d->flags))
			continue;
		doh = dest_overhead(d);
		/* doh / w < loh / lw, without dividing */
		if (!least || loh * w > doh * lw) {
			least = d;
			loh = doh;
			lw = w;
		}
	}
	return least;
}

struct vlb_scheduler vlb_sched_lc = {
	.name		= "lc",
	.owner		= THIS_MODULE,
	.schedule	= lc_schedule,
};

struct vlb_scheduler vlb_sched_wlc = {
	.name		= "wlc",
	.owner		= THIS_MODULE,
	.schedule	= wlc_schedule,
};

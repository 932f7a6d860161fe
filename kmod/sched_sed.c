// SPDX-License-Identifier: GPL-2.0
/*
 * Shortest expected delay (sed) and never queue (nq), as IPVS defines them.
 * sed sends a new connection where it would expect to finish first: to the
 * usable destination with the least (active + 1) / weight, inactive
 * connections not counted. nq takes the first usable destination that has
 * no active connection at all and otherwise decides as sed. Exact least-
 * connection semantics need every destination's current count, so both
 * scan the RCU list without a lock, comparing by cross multiplication;
 * ties go to the destination added first.
 */

#include "sched_ext.h"

/* The usable destination with the least (active + 1) / weight. */
static struct vlb_dest *sed_pick(struct vlb_service *svc, bool never_queue)
{
	struct vlb_dest *d, *least = NULL;
	u64 loh = 0, lw = 0, doh;

	list_for_each_entry_rcu(d, &svc->dests, list) {
		int w = READ_ONCE(d->weight);
		int active;

		if (w <= 0 || test_bit(VLB_DEST_FL_OVERLOAD, &d->flags))
			continue;
		active = atomic_read(&d->activeconns);
		if (never_queue && !active)
			return d;
		doh = (u64)active + 1;
		/* doh / w < loh / lw, without dividing */
		if (!least || loh * w > doh * lw) {
			least = d;
			loh = doh;
			lw = w;
		}
	}
	return least;
}

static struct vlb_dest *sed_schedule(struct vlb_service *svc,
				     const struct sk_buff *skb,
				     const union nf_inet_addr *caddr,
				     __be16 cport)
{
	return sed_pick(svc, false);
}

static struct vlb_dest *nq_schedule(struct vlb_service *svc,
				    const struct sk_buff *skb,
				    const union nf_inet_addr *caddr,
				    __be16 cport)
{
	return sed_pick(svc, true);
}

struct vlb_scheduler vlb_sched_sed = {
	.name		= "sed",
	.owner		= THIS_MODULE,
	.schedule	= sed_schedule,
};

struct vlb_scheduler vlb_sched_nq = {
	.name		= "nq",
	.owner		= THIS_MODULE,
	.schedule	= nq_schedule,
};

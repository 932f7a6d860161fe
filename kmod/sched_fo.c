// SPDX-License-Identifier: GPL-2.0
/*
 * Weighted failover (fo), as IPVS: every new connection goes to the usable
 * destination of highest weight, the first added among equals. IPVS scans
 * the list on every connection; here update_service keeps the destinations
 * of positive weight sorted by weight (then list order), so a pick takes
 * the first of them that is not overloaded, O(1) unless the best ones are
 * over their thresholds. The order is published with RCU, whole.
 */

#include <linux/slab.h>
#include <linux/sort.h>

#include "sched_ext.h"

struct fo_state {
	struct vlb_sched_state hdr;
	struct rcu_head rcu;
	unsigned int ndests;
	u32 ids[];		/* by weight descending, then list order */
};

struct fo_entry {
	int weight;
	u32 pos, id;
};

static int fo_cmp(const void *a, const void *b)
{
	const struct fo_entry *x = a, *y = b;

	if (x->weight != y->weight)
		return x->weight > y->weight ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static struct fo_state *fo_build(struct vlb_service *svc)
{
	unsigned int n = 0, maxn = svc->num_dests, i;
	struct fo_entry *e = NULL;
	struct fo_state *st;
	struct vlb_dest *d;

	st = kzalloc(struct_size(st, ids, maxn), GFP_KERNEL);
	if (!st)
		return NULL;
	st->hdr.owner = &vlb_sched_fo;
	if (maxn) {
		e = kvmalloc_array(maxn, sizeof(*e), GFP_KERNEL);
		if (!e) {
			kfree(st);
			return NULL;
		}
	}
	list_for_each_entry(d, &svc->dests, list) {
		int w = READ_ONCE(d->weight);

		if (w <= 0 || n == maxn)
			continue;
		e[n].weight = w;
		e[n].pos = n;
		e[n].id = d->id;
		n++;
	}
	sort(e, n, sizeof(*e), fo_cmp, NULL);
	for (i = 0; i < n; i++)
		st->ids[i] = e[i].id;
	st->ndests = n;
	kvfree(e);
	return st;
}

static int fo_init_service(struct vlb_service *svc)
{
	struct fo_state *st = fo_build(svc);

	if (!st)
		return -ENOMEM;
	rcu_assign_pointer(svc->sched_data, st);
	return 0;
}

static int fo_update_service(struct vlb_service *svc)
{
	struct fo_state *old, *st;

	old = rcu_dereference_protected(svc->sched_data,
					lockdep_is_held(&svc->vn->lock));
	if (!old || old->hdr.owner != &vlb_sched_fo)
		return 0;
	st = fo_build(svc);
	if (!st)
		return -ENOMEM;
	rcu_assign_pointer(svc->sched_data, st);
	kfree_rcu(old, rcu);
	return 0;
}

static struct vlb_dest *fo_schedule(struct vlb_service *svc,
				    const struct sk_buff *skb,
				    const union nf_inet_addr *caddr,
				    __be16 cport)
{
	struct fo_state *st = rcu_dereference(svc->sched_data);
	struct vlb_dest *d;
	unsigned int i;

	if (unlikely(!st || st->hdr.owner != &vlb_sched_fo))
		return vlb_sched_first_usable(svc);
	for (i = 0; i < st->ndests; i++) {
		d = vlb_sched_dest_by_id(svc, st->ids[i]);
		if (d && vlb_dest_usable(d))
			return d;
	}
	return NULL;
}

struct vlb_scheduler vlb_sched_fo = {
	.name		= "fo",
	.owner		= THIS_MODULE,
	.init_service	= fo_init_service,
	.update_service	= fo_update_service,
	.schedule	= fo_schedule,
};

// SPDX-License-Identifier: GPL-2.0
/*
 * Source hashing (sh), as IPVS: a table of 256 buckets, filled by walking
 * the destinations in list order and giving each as many consecutive
 * buckets as its weight (at least one, so a quiesced destination keeps its
 * place and its clients come back to it when it returns). A new connection
 * takes the bucket of a keyed hash of its client address, and of its port
 * too with sh-port (VLB_SVC_F_SCHED2). When that destination is unusable
 * the connection is refused, or with sh-fallback (VLB_SVC_F_SCHED1) the
 * hash is salted and retried up to 256 times. A pick is O(1); every change
 * of the destinations rebuilds the table (so, as in IPVS, most clients
 * move: use mh for consistent hashing) and publishes it with RCU.
 */

#include <linux/random.h>
#include <linux/slab.h>

#include "sched_ext.h"

#define SH_TAB_SIZE	256

struct sh_state {
	struct vlb_sched_state hdr;
	struct rcu_head rcu;
	hsiphash_key_t key;		/* per service, kept across rebuilds */
	unsigned int ndests;		/* 0: the buckets are empty */
	u32 bucket[SH_TAB_SIZE];	/* destination ids */
};

static struct sh_state *sh_build(struct vlb_service *svc,
				 const hsiphash_key_t *key)
{
	struct sh_state *st = kzalloc(sizeof(*st), GFP_KERNEL);
	struct vlb_dest *d = NULL;
	unsigned int i, used = 0;

	if (!st)
		return NULL;
	st->hdr.owner = &vlb_sched_sh;
	if (key)
		st->key = *key;
	else
		get_random_bytes(&st->key, sizeof(st->key));
	st->ndests = svc->num_dests;
	if (list_empty(&svc->dests))
		return st;
	d = list_first_entry(&svc->dests, struct vlb_dest, list);
	for (i = 0; i < SH_TAB_SIZE; i++) {
		st->bucket[i] = d->id;
		if (++used >= max(READ_ONCE(d->weight), 1)) {
			used = 0;
			if (list_is_last(&d->list, &svc->dests))
				d = list_first_entry(&svc->dests,
						     struct vlb_dest, list);
			else
				d = list_next_entry(d, list);
		}
	}
	return st;
}

static int sh_init_service(struct vlb_service *svc)
{
	struct sh_state *st = sh_build(svc, NULL);

	if (!st)
		return -ENOMEM;
	rcu_assign_pointer(svc->sched_data, st);
	return 0;
}

static int sh_update_service(struct vlb_service *svc)
{
	struct sh_state *old, *st;

	old = rcu_dereference_protected(svc->sched_data,
					lockdep_is_held(&svc->vn->lock));
	if (!old || old->hdr.owner != &vlb_sched_sh)
		return 0;
	st = sh_build(svc, &old->key);
	if (!st)
		return -ENOMEM;
	rcu_assign_pointer(svc->sched_data, st);
	kfree_rcu(old, rcu);
	return 0;
}

static struct vlb_dest *sh_schedule(struct vlb_service *svc,
				    const struct sk_buff *skb,
				    const union nf_inet_addr *caddr,
				    __be16 cport)
{
	struct sh_state *st = rcu_dereference(svc->sched_data);
	u32 flags = READ_ONCE(svc->flags);
	bool use_port = flags & VLB_SVC_F_SCHED2;
	struct vlb_dest *d;
	unsigned int salt;
	u32 h;

	if (unlikely(!st || st->hdr.owner != &vlb_sched_sh))
		return vlb_sched_first_usable(svc);
	if (!st->ndests)
		return NULL;
	h = vlb_sched_hash_client(&st->key, svc->af, caddr, cport, use_port, 0);
	d = vlb_sched_dest_by_id(svc, st->bucket[h % SH_TAB_SIZE]);
	if (d && vlb_dest_usable(d))
		return d;
	if (!(flags & VLB_SVC_F_SCHED1))
		return NULL;
	for (salt = 1; salt <= SH_TAB_SIZE; salt++) {
		h = vlb_sched_hash_client(&st->key, svc->af, caddr, cport,
					  use_port, salt);
		d = vlb_sched_dest_by_id(svc, st->bucket[h % SH_TAB_SIZE]);
		if (d && vlb_dest_usable(d))
			return d;
	}
	return NULL;
}

struct vlb_scheduler vlb_sched_sh = {
	.name		= "sh",
	.owner		= THIS_MODULE,
	.init_service	= sh_init_service,
	.update_service	= sh_update_service,
	.schedule	= sh_schedule,
};

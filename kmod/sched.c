// SPDX-License-Identifier: GPL-2.0
/*
 * The scheduler registry and the binding of a scheduler to a service. A
 * scheduler's private state, if it has any, is one kmalloc'd block that
 * starts with struct vlb_sched_state and hangs off svc->sched_data; the
 * packet path reads svc->sched and svc->sched_data without a lock, so when
 * a service switches schedulers the two pointers can briefly disagree. The
 * state therefore names its owner, and a scheduler that finds state that is
 * not its own falls back to the first usable destination for that one
 * connection. The registry frees the state, after a grace period, so that
 * no scheduler has to reason about readers.
 */

#include <linux/slab.h>

#include "vlb.h"
#include "sched_ext.h"

static LIST_HEAD(sched_list);
static DEFINE_MUTEX(sched_mutex);

static void sched_register(struct vlb_scheduler *sched)
{
	mutex_lock(&sched_mutex);
	list_add_tail(&sched->list, &sched_list);
	mutex_unlock(&sched_mutex);
}

static void sched_unregister(struct vlb_scheduler *sched)
{
	mutex_lock(&sched_mutex);
	list_del(&sched->list);
	mutex_unlock(&sched_mutex);
}

int vlb_sched_module_init(void)
{
	sched_register(&vlb_sched_rr);
	sched_register(&vlb_sched_wrr);
	sched_register(&vlb_sched_lc);
	sched_register(&vlb_sched_wlc);
	sched_register(&vlb_sched_sed);
	sched_register(&vlb_sched_nq);
	sched_register(&vlb_sched_sh);
	sched_register(&vlb_sched_mh);
	sched_register(&vlb_sched_fo);
	sched_register(&vlb_sched_p2c);
	sched_register(&vlb_sched_twos);
	return 0;
}

void vlb_sched_module_exit(void)
{
	sched_unregister(&vlb_sched_twos);
	sched_unregister(&vlb_sched_p2c);
	sched_unregister(&vlb_sched_fo);
	sched_unregister(&vlb_sched_mh);
	sched_unregister(&vlb_sched_sh);
	sched_unregister(&vlb_sched_nq);
	sched_unregister(&vlb_sched_sed);
	sched_unregister(&vlb_sched_wlc);
	sched_unregister(&vlb_sched_lc);
	sched_unregister(&vlb_sched_wrr);
	sched_unregister(&vlb_sched_rr);
}

/*
 * Every scheduler is built into vlb.ko, so a scheduler found here lives as
 * long as any service that uses it; no module reference is needed.
 */
struct vlb_scheduler *vlb_sched_find(const char *name)
{
	struct vlb_scheduler *sched, *found = NULL;

	mutex_lock(&sched_mutex);
	list_for_each_entry(sched, &sched_list, list) {
		if (!strcmp(sched->name, name)) {
			found = sched;
			break;
		}
	}
	mutex_unlock(&sched_mutex);
	return found;
}

/* Bind the first scheduler of a service that is not yet visible. */
int vlb_sched_bind(struct vlb_service *svc, struct vlb_scheduler *sched)
{
	int err = 0;

	if (sched->init_service)
		err = sched->init_service(svc);
	if (err)
		return err;
	RCU_INIT_POINTER(svc->sched, sched);
	return 0;
}

/*
 * Switch a live service to another scheduler: the new one initialises its
 * state, both pointers are published, and the old state is freed only when
 * no reader can still hold it. Under vn->lock; sleeps.
 */
int vlb_sched_swap(struct vlb_service *svc, struct vlb_scheduler *sched)
{
	struct vlb_scheduler *old;
	void *old_state;
	int err = 0;

	old = rcu_dereference_protected(svc->sched,
					lockdep_is_held(&svc->vn->lock));
	if (old == sched)
		return 0;
	old_state = rcu_dereference_protected(svc->sched_data,
					      lockdep_is_held(&svc->vn->lock));
	if (sched->init_service)
		err = sched->init_service(svc);
	if (err)
		return err;
	/* A stateless scheduler leaves the old state in place: drop it. */
	if (rcu_access_pointer(svc->sched_data) == old_state)
		RCU_INIT_POINTER(svc->sched_data, NULL);
	rcu_assign_pointer(svc->sched, sched);
	synchronize_rcu();
	if (old->done_service)
		old->done_service(svc, old_state);
	kfree(old_state);
	return 0;
}

/* The destinations of @svc changed; under vn->lock. */
void vlb_sched_update(struct vlb_service *svc)
{
	struct vlb_scheduler *sched;

	sched = rcu_dereference_protected(svc->sched,
					  lockdep_is_held(&svc->vn->lock));
	/* None of the built-in schedulers can fail here. */
	if (sched->update_service)
		WARN_ON_ONCE(sched->update_service(svc));
}

/* From the service's RCU free: no reader is left. */
void vlb_sched_free_state(struct vlb_service *svc)
{
	kfree(rcu_access_pointer(svc->sched_data));
	RCU_INIT_POINTER(svc->sched_data, NULL);
}

struct vlb_dest *vlb_sched_first_usable(struct vlb_service *svc)
{
	struct vlb_dest *d;

	list_for_each_entry_rcu(d, &svc->dests, list) {
		if (vlb_dest_usable(d))
			return d;
	}
	return NULL;
}

struct vlb_dest *vlb_schedule(struct vlb_service *svc,
			      const struct sk_buff *skb,
			      const union nf_inet_addr *caddr, __be16 cport)
{
	const struct vlb_scheduler *sched = rcu_dereference(svc->sched);

	if (unlikely(!sched))
		return NULL;
	return sched->schedule(svc, skb, caddr, cport);
}

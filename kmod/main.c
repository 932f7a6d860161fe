// SPDX-License-Identifier: GPL-2.0
/*
 * Module entry and exit, and the per-namespace state. Each network
 * namespace gets a struct vlb_net through net_generic(): its services, its
 * connection table, its timeouts and its counters, created when the
 * namespace appears (or the module loads) and torn down when it goes (or
 * the module unloads), services and live connections included. Subsystems
 * come up in order and go down in reverse; the generic netlink family is
 * registered last so no request can arrive before the state it needs.
 */

#include <linux/module.h>
#include <linux/rcupdate.h>

#include "vlb.h"

unsigned int vlb_net_id __read_mostly;

static int __net_init vlb_net_init(struct net *net)
{
	struct vlb_net *vn = vlb_net(net);
	int err;

	vn->net = net;
	mutex_init(&vn->lock);
	INIT_LIST_HEAD(&vn->svc_list);
	vn->gen = 1;
	/* IPVS's defaults, so habits and scripts carry over. */
	vn->timeout_tcp = 900 * HZ;
	vn->timeout_tcp_fin = 120 * HZ;
	vn->timeout_udp = 300 * HZ;

	err = vlb_sysctl_net_init(vn);
	if (err)
		return err;
	err = vlb_stats_init(&vn->tot_stats);
	if (err)
		goto err_sysctl;
	err = vlb_svc_net_init(vn);
	if (err)
		goto err_stats;
	err = vlb_conn_net_init(vn);
	if (err)
		goto err_svc;
	vlb_est_net_init(vn);
	vlb_route_net_init(vn);
	return 0;

err_svc:
	vlb_svc_net_exit(vn);
err_stats:
	vlb_stats_free(&vn->tot_stats);
err_sysctl:
	vlb_sysctl_net_exit(vn);
	return err;
}

static void __net_exit vlb_net_exit(struct net *net)
{
	struct vlb_net *vn = vlb_net(net);

	/* The estimator takes vn->lock: stop it before taking the lock. */
	vlb_est_net_exit(vn);
	/*
	 * Connections go first, all at once, with no packet left to make
	 * new ones: deleting the services then finds no connection to
	 * flush, where a flush per service would walk the table each time.
	 */
	vlb_hooks_net_disable(vn);
	vlb_conn_net_exit(vn);
	vlb_route_net_exit(vn);
	mutex_lock(&vn->lock);
	vlb_svc_flush(vn);
	mutex_unlock(&vn->lock);
	vlb_svc_net_exit(vn);
	vlb_stats_free(&vn->tot_stats);
	vlb_sysctl_net_exit(vn);
	mutex_destroy(&vn->lock);
}

static struct pernet_operations vlb_net_ops = {
	.init	= vlb_net_init,
	.exit	= vlb_net_exit,
	.id	= &vlb_net_id,
	.size	= sizeof(struct vlb_net),
};

static int __init vlb_init(void)
{
	int err;

	err = vlb_sched_module_init();
	if (err)
		return err;
	err = vlb_conn_module_init();
	if (err)
		goto err_sched;
	err = register_pernet_subsys(&vlb_net_ops);
	if (err)
		goto err_conn;
	err = vlb_genl_init();
	if (err)
		goto err_pernet;
	pr_info("vlb " VLB_VERSION_STRING " loaded\n");
	return 0;

err_pernet:
	unregister_pernet_subsys(&vlb_net_ops);
err_conn:
	rcu_barrier();
	vlb_conn_module_exit();
err_sched:
	vlb_sched_module_exit();
	return err;
}

static void __exit vlb_exit(void)
{
	vlb_genl_exit();
	unregister_pernet_subsys(&vlb_net_ops);
	/*
	 * Freed connections drop destinations and services from RCU
	 * callbacks, which queue callbacks of their own: wait for both
	 * rounds before the slab caches and the module text go away.
	 */
	rcu_barrier();
	vlb_conn_module_exit();
	vlb_sched_module_exit();
	rcu_barrier();
}

module_init(vlb_init);
module_exit(vlb_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vlb: an IPVS-style layer-4 load balancer");
MODULE_VERSION(VLB_VERSION_STRING);
MODULE_ALIAS_GENL_FAMILY(VLB_GENL_NAME);

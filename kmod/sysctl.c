// SPDX-License-Identifier: GPL-2.0
/*
 * The per-namespace sysctls under /proc/sys/net/vlb/: the IPVS knobs that
 * operators rely on when they drain or replace real servers
 * (expire_nodest_conn, expire_quiescent_template) or fail a director over
 * (sloppy_tcp), under IPVS's names and with its defaults, and the limit
 * on the connection table that IPVS lacks (conn_max). Each namespace gets
 * its own copy of the table pointing into its struct vlb_net; the packet
 * path reads the values with READ_ONCE and no lock.
 */
#include <linux/sysctl.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <net/net_namespace.h>

#include "vlb.h"

static unsigned int conn_max_min = 1;
static unsigned int conn_max_max = 1U << 30;

static const struct ctl_table vlb_sysctl_template[] = {
	{
		.procname	= "expire_nodest_conn",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= SYSCTL_ONE,
	},
	{
		.procname	= "expire_quiescent_template",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= SYSCTL_ONE,
	},
	{
		.procname	= "sloppy_tcp",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= SYSCTL_ONE,
	},
	{
		.procname	= "conn_max",
		.maxlen		= sizeof(unsigned int),
		.mode		= 0644,
		.proc_handler	= proc_douintvec_minmax,
		.extra1		= &conn_max_min,
		.extra2		= &conn_max_max,
	},
	{ }
};

/*
 * Enough connections to fill an eighth of RAM at 128 bytes each: a SYN
 * flood cannot take the machine's memory, and a real load fits (a 16 GiB
 * director tracks 16 million connections).
 */
static unsigned int vlb_conn_max_default(void)
{
	u64 n = (u64)totalram_pages() << PAGE_SHIFT >> 10;

	return clamp_t(u64, n, 65536, conn_max_max);
}

int vlb_sysctl_net_init(struct vlb_net *vn)
{
	struct ctl_table *tbl;

	vn->sysctl.conn_max = vlb_conn_max_default();
	tbl = kmemdup(vlb_sysctl_template, sizeof(vlb_sysctl_template),
		      GFP_KERNEL);
	if (!tbl)
		return -ENOMEM;
	tbl[0].data = &vn->sysctl.expire_nodest_conn;
	tbl[1].data = &vn->sysctl.expire_quiescent_template;
	tbl[2].data = &vn->sysctl.sloppy_tcp;
	tbl[3].data = &vn->sysctl.conn_max;
	vn->sysctl_hdr = vlb_register_net_sysctl(vn->net, "net/vlb", tbl,
						 ARRAY_SIZE(vlb_sysctl_template));
	if (!vn->sysctl_hdr) {
		kfree(tbl);
		return -ENOMEM;
	}
	return 0;
}

void vlb_sysctl_net_exit(struct vlb_net *vn)
{
	const struct ctl_table *tbl;

	if (!vn->sysctl_hdr)
		return;
	tbl = vn->sysctl_hdr->ctl_table_arg;
	unregister_net_sysctl_table(vn->sysctl_hdr);
	vn->sysctl_hdr = NULL;
	kfree(tbl);
}

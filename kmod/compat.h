/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel interfaces that differ between the oldest kernel vlb supports
 * (6.1) and current ones, wrapped so that the rest of the module is written
 * once. Keep this small: add a helper here only when a real difference
 * shows up, and key it on the version that introduced the change.
 */
#ifndef _VLB_COMPAT_H
#define _VLB_COMPAT_H

#include <linux/version.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <linux/sysctl.h>
#include <linux/slab.h>

/* skb_gso_validate_network_len() moved to <net/gso.h> in 6.5. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#include <net/gso.h>
#else
#include <linux/skbuff.h>
#endif

/*
 * The attributes parsed (and validated against the op's policy) from a dump
 * request. 6.2 moved them from struct genl_dumpit_info into a struct
 * genl_info reached through genl_info_dump().
 */
static inline struct nlattr **vlb_genl_dump_attrs(struct netlink_callback *cb)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	return genl_info_dump(cb)->attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

/*
 * Per-namespace sysctl tables: 6.1 finds the end of a table by its empty
 * sentinel entry, 6.6 and later take the number of entries (and newer
 * kernels want no sentinel). @n counts the entries with the sentinel.
 */
static inline struct ctl_table_header *
vlb_register_net_sysctl(struct net *net, const char *path,
			struct ctl_table *tbl, size_t n)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	return register_net_sysctl_sz(net, path, tbl, n - 1);
#else
	return register_net_sysctl(net, path, tbl);
#endif
}

/*
 * A slab cache that is never merged with another of the same size, so that
 * /proc/slabinfo reports its memory alone. SLAB_NO_MERGE came in 6.5;
 * before that SLAB_NOLEAKTRACE, which only opts out of kmemleak, is one of
 * the flags that forbid merging.
 */
#ifdef SLAB_NO_MERGE
#define VLB_SLAB_NO_MERGE	SLAB_NO_MERGE
#else
#define VLB_SLAB_NO_MERGE	SLAB_NOLEAKTRACE
#endif

#endif /* _VLB_COMPAT_H */

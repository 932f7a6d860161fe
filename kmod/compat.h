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

#endif /* _VLB_COMPAT_H */

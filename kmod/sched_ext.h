/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the schedulers added after rr, wrr, lc and wlc share: their
 * declarations for the registry, and the table plumbing of the ones that
 * keep a table (sh, mh, fo, p2c). Such a table names destinations by their
 * id in svc->dest_xa, not by pointer: a destination removed from its
 * service may be freed before update_service publishes a table without it,
 * and an RCU reader that starts in between would otherwise follow a stale
 * pointer. xa_load() of an erased id simply returns NULL.
 */
#ifndef _VLB_SCHED_EXT_H
#define _VLB_SCHED_EXT_H

#include <linux/siphash.h>
#include <linux/xarray.h>

#include "vlb.h"

extern struct vlb_scheduler vlb_sched_sed, vlb_sched_nq, vlb_sched_sh,
	vlb_sched_mh, vlb_sched_fo, vlb_sched_p2c, vlb_sched_twos;

/* The live destination of a table entry, or NULL if it left the service. */
static inline struct vlb_dest *vlb_sched_dest_by_id(struct vlb_service *svc,
						    u32 id)
{
	struct vlb_dest *d = xa_load(&svc->dest_xa, id);

	if (!d || !test_bit(VLB_DEST_FL_AVAILABLE, &d->flags))
		return NULL;
	return d;
}

/*
 * Keyed hash of a client: its address, its port when @use_port, and a salt
 * that the fallback probes vary. Only the bytes of the family are hashed,
 * so the unused part of an IPv4 nf_inet_addr does not matter.
 */
static inline u32 vlb_sched_hash_client(const hsiphash_key_t *key, u16 af,
					const union nf_inet_addr *caddr,
					__be16 cport, bool use_port, u32 salt)
{
	u32 port = use_port ? (__force u16)cport : 0;

	if (af == AF_INET6) {
		u32 buf[6];

		memcpy(buf, caddr->all, sizeof(caddr->all));
		buf[4] = port;
		buf[5] = salt;
		return hsiphash(buf, sizeof(buf), key);
	}
	return hsiphash_3u32((__force u32)caddr->ip, port, salt, key);
}

/* Keyed hash of a destination's address and port (mh permutations). */
static inline u32 vlb_sched_hash_dest(const hsiphash_key_t *key,
				      const struct vlb_dest *d)
{
	u32 buf[5];

	memcpy(buf, d->addr.all, sizeof(d->addr.all));
	buf[4] = (__force u16)d->port | ((u32)d->af << 16);
	if (d->af != AF_INET6)
		memset(&buf[1], 0, 3 * sizeof(u32));
	return hsiphash(buf, sizeof(buf), key);
}

#endif /* _VLB_SCHED_EXT_H */

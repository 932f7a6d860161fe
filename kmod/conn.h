/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The connection: what the packet path remembers about one balanced flow
 * (client, virtual and real address and port, protocol state, expiry and
 * the chosen destination), and the per-namespace table that finds it from a
 * packet of either direction with one hash of the client's address and
 * port. The table is an rhashtable, so it grows and shrinks with the number
 * of connections; expiry is done by a per-namespace worker that scans the
 * table incrementally, so no connection carries a timer.
 */
#ifndef _VLB_CONN_H
#define _VLB_CONN_H

#include <linux/rhashtable.h>
#include <linux/jiffies.h>
#include <linux/netfilter.h>

#include "vlb.h"

/*
 * Expiry times are kept in 32 bits, in units of 2^VLB_TICK_SHIFT jiffies:
 * coarse enough that the longest timeout (31 days) stays far below 2^31
 * units even at HZ=1000, fine enough (at most 40 ms at HZ=100) that nobody
 * notices. It saves 4 bytes per connection over an unsigned long.
 */
#define VLB_TICK_SHIFT	2

static inline u32 vlb_tick_now(void)
{
	return (u32)(jiffies >> VLB_TICK_SHIFT);
}

static inline u32 vlb_jiffies_to_ticks(unsigned long j)
{
	return (u32)((j + (1UL << VLB_TICK_SHIFT) - 1) >> VLB_TICK_SHIFT);
}

/* Packet direction relative to the connection. */
enum vlb_dir {
	VLB_DIR_IN,	/* client -> virtual service */
	VLB_DIR_OUT,	/* real server -> client (NAT replies) */
	VLB_DIR_TPL,	/* a persistence template, see vlb_tpl_lookup() */
};

/* Bits of vlb_conn.sf above the 8-bit state. */
#define VLB_CONN_SF_STATE	0x00ffU
#define VLB_CONN_SF_DEAD	0x0100U	/* unlinked, accounting done */
#define VLB_CONN_SF_FIN_IN	0x0200U	/* client sent a FIN */
#define VLB_CONN_SF_FIN_OUT	0x0400U	/* server sent a FIN */
#define VLB_CONN_SF_TEMPLATE	0x0800U	/* a persistence template */
/* The forwarding method, fixed at creation, lives in spare bits of sf. */
#define VLB_CONN_SF_FWD_SHIFT	12
#define VLB_CONN_SF_FWD_MASK	(0x7U << VLB_CONN_SF_FWD_SHIFT)
#define VLB_CONN_SF_CTL		0x8000U	/* counted by its template */
/*
 * A template counts the connections it controls in the top 16 bits, so
 * that it outlives its timeout while they last (as in IPVS). The count
 * saturates: a template past 65535 connections stays until they all
 * stop coming back for 60 seconds.
 */
#define VLB_CONN_SF_NCTL_SHIFT	16
#define VLB_CONN_SF_NCTL_ONE	(1U << VLB_CONN_SF_NCTL_SHIFT)
#define VLB_CONN_SF_NCTL_MAX	0xffffU

/*
 * One connection. Kept at 96 bytes so that, with the rhashtable buckets
 * (8 bytes each, 1.3 to 2.7 per entry as the table grows by doubling), a
 * connection costs less than 128 bytes. Do not add a member without
 * checking VLB_CONN_SIZE_MAX below.
 *
 * Everything but node, sf and expires is written once before the
 * connection is published and read locklessly afterwards. sf changes with
 * cmpxchg so that a state change and its active/inactive accounting on
 * the destination happen exactly once, even against a concurrent expiry.
 */
struct vlb_conn {
	struct rhash_head node;		/* in a shard of vlb_conn_tab */
	/*
	 * What tells most entries of a bucket apart from a packet's key
	 * comes next to the link the lookup follows: passing over one costs
	 * a single cache line.
	 */
	__be16 cport, vport, dport;
	u8 af;				/* AF_INET or AF_INET6 */
	u8 protocol;			/* IPPROTO_TCP or IPPROTO_UDP */
	u32 sf;				/* state | VLB_CONN_SF_* */
	u32 expires;			/* in vlb_tick_now() units */
	union nf_inet_addr caddr;	/* client */
	union nf_inet_addr vaddr;	/* virtual service */
	union nf_inet_addr daddr;	/* real server */
	struct vlb_dest *dest;		/* holds a reference */
	struct rcu_head rcu;
};

#define VLB_CONN_SIZE_MAX	96

/* The fields a packet offers to find its connection. */
struct vlb_conn_key {
	const union nf_inet_addr *caddr;
	const union nf_inet_addr *addr;	/* vaddr (IN) or daddr (OUT) */
	__be16 cport;
	__be16 port;			/* vport (IN, TPL) or dport (OUT) */
	u8 af;
	u8 protocol;
	u8 dir;				/* enum vlb_dir */
};

static inline u8 vlb_conn_state(const struct vlb_conn *cp)
{
	return READ_ONCE(cp->sf) & VLB_CONN_SF_STATE;
}

static inline u8 vlb_conn_fwd(const struct vlb_conn *cp)
{
	return (READ_ONCE(cp->sf) & VLB_CONN_SF_FWD_MASK) >>
	       VLB_CONN_SF_FWD_SHIFT;
}

static inline struct vlb_service *vlb_conn_svc(const struct vlb_conn *cp)
{
	return cp->dest->svc;
}

/* Under rcu_read_lock(); the result is valid until rcu_read_unlock(). */
struct vlb_conn *vlb_conn_lookup(struct vlb_net *vn,
				 const struct vlb_conn_key *key);

/*
 * Create a connection to dest (which the caller found under RCU) in the
 * given state, or return the one another CPU created for the same key
 * first (*created false). ERR_PTR on failure. Softirq context.
 */
struct vlb_conn *vlb_conn_new(struct vlb_net *vn,
			      const struct vlb_conn_key *key,
			      const union nf_inet_addr *daddr, __be16 dport,
			      struct vlb_dest *dest, u8 state, u32 sf_bits,
			      unsigned long timeout, bool *created);

/*
 * Fill a connection on the stack for a packet that is forwarded without
 * one (one-packet scheduling): vlb_xmit() and the counters take it like a
 * real one. The caller holds rcu_read_lock() for dest.
 */
void vlb_conn_init_onepacket(struct vlb_conn *cp,
			     const struct vlb_conn_key *key,
			     struct vlb_dest *dest, __be16 dport);

/*
 * Persistence templates: one per client (its address masked with the
 * service's netmask) and service, in the same table as connections, with
 * client port 0 and, for a firewall-mark service, the mark as its virtual
 * address and protocol 0, as IPVS lists them. Under rcu_read_lock().
 */
struct vlb_conn *vlb_tpl_lookup(struct vlb_net *vn,
				const struct vlb_service *svc,
				const union nf_inet_addr *caddr, u8 protocol);
/* A new template to dest, or the one another CPU made first. */
struct vlb_conn *vlb_tpl_new(struct vlb_net *vn, struct vlb_service *svc,
			     const union nf_inet_addr *caddr, u8 protocol,
			     struct vlb_dest *dest);
/*
 * Count the new connection cp under tpl, so that tpl lasts while cp does;
 * nothing happens if either is already on its way out.
 */
void vlb_tpl_attach(struct vlb_conn *tpl, struct vlb_conn *cp);

/*
 * Move to a new state (and set extra VLB_CONN_SF_* bits), fixing the
 * destination's active/inactive counts. No-op on a dead connection.
 */
void vlb_conn_set_state(struct vlb_conn *cp, u8 state, u32 set_bits);

/* Restart the idle timer of a connection. */
static inline void vlb_conn_refresh(struct vlb_conn *cp, unsigned long timeout)
{
	u32 exp = vlb_tick_now() + vlb_jiffies_to_ticks(timeout);

	/* Skip the store, and the cache line bounce, when nothing changed. */
	if (READ_ONCE(cp->expires) != exp)
		WRITE_ONCE(cp->expires, exp);
}

/* Unlink a connection now (e.g. a new SYN reusing a closed tuple). */
void vlb_conn_expire_now(struct vlb_net *vn, struct vlb_conn *cp);

#endif /* _VLB_CONN_H */

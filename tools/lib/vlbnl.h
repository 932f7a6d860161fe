/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vlbnl: a small generic netlink client on libmnl, shared by vlbadm and vlbd.
 * It resolves a family and its multicast groups, sends one request and waits
 * for its acknowledgement or the end of its dump, sends many requests in one
 * sendmsg() and collects their acknowledgements, and receives notifications.
 * Errors come back as negative errno values; the kernel's extended ACK
 * message, when there is one, is kept in vlb_nl.ext_msg until the next call.
 */
#ifndef VLBNL_H
#define VLBNL_H

#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>
#include <libmnl/libmnl.h>

#define VLB_NL_MAX_GROUPS	8
#define VLB_NL_RECV_SIZE	(64 * 1024)

struct vlb_nl_group {
	char name[32];
	uint32_t id;
};

struct vlb_nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	uint16_t family;		/* resolved family id */
	uint32_t version;		/* family version */
	int ngroups;
	struct vlb_nl_group groups[VLB_NL_MAX_GROUPS];
	char ext_msg[256];		/* last extended ACK message, or "" */
	uint32_t ext_offset;		/* NLMSGERR_ATTR_OFFS, 0 if none */
	char *rbuf;
};

/* Called for every data message of a reply; return MNL_CB_OK to go on. */
typedef int (*vlb_nl_cb)(const struct nlmsghdr *nlh, void *data);

/*
 * Open a generic netlink socket and resolve @family. Returns 0, -ENOENT if
 * the family is not registered, or another negative errno.
 */
int vlb_nl_open(struct vlb_nl *nl, const char *family);
void vlb_nl_close(struct vlb_nl *nl);

/* Start a request in @buf: nlmsghdr + genlmsghdr for @cmd, with @flags. */
struct nlmsghdr *vlb_nl_put_header(struct vlb_nl *nl, void *buf, uint8_t cmd,
				   uint16_t flags);

/*
 * Send @nlh and receive until its ACK (a do) or NLMSG_DONE (a dump, when
 * NLM_F_DUMP is set); every data message goes to @cb. Returns 0 or a
 * negative errno; -EINTR when a dump was interrupted by a change
 * (NLM_F_DUMP_INTR: the caller should start over).
 */
int vlb_nl_request(struct vlb_nl *nl, struct nlmsghdr *nlh, vlb_nl_cb cb,
		   void *data);

/*
 * Batches: requests are put one after another in a buffer and sent with one
 * sendmsg() when it fills up or on vlb_nl_batch_flush(); every request asks
 * for an ACK, and @err_cb hears about each one that failed, with the cookie
 * given when it was added (vlbadm passes the input line number).
 */
typedef void (*vlb_nl_batch_err_cb)(unsigned long cookie, int err,
				    const char *ext_msg, void *data);

struct vlb_nl_batch {
	struct vlb_nl *nl;
	struct mnl_nlmsg_batch *b;
	char *buf;
	unsigned long *cookies;
	uint32_t first_seq;
	unsigned int count, max;
	unsigned int failed;
	vlb_nl_batch_err_cb err_cb;
	void *data;
};

int vlb_nl_batch_init(struct vlb_nl_batch *bt, struct vlb_nl *nl,
		      vlb_nl_batch_err_cb err_cb, void *data);
/* Where to build the next request (at least VLB_NL_BATCH_MSG_MAX bytes). */
void *vlb_nl_batch_current(struct vlb_nl_batch *bt);
#define VLB_NL_BATCH_MSG_MAX	1024
/* The request at vlb_nl_batch_current() is complete: queue it. */
int vlb_nl_batch_add(struct vlb_nl_batch *bt, unsigned long cookie);
/* Send what is queued, wait for every ACK. Returns 0 or the first error. */
int vlb_nl_batch_flush(struct vlb_nl_batch *bt);
void vlb_nl_batch_free(struct vlb_nl_batch *bt);

/* Multicast: the id of group @name of the family (0 if none), subscribe. */
uint32_t vlb_nl_group_id(const struct vlb_nl *nl, const char *name);
int vlb_nl_subscribe(struct vlb_nl *nl, const char *group);
/*
 * Receive notifications forever (until @cb returns MNL_CB_STOP or an error).
 * Returns 0 after a stop, or a negative errno (-ENOBUFS: events were lost).
 */
int vlb_nl_listen(struct vlb_nl *nl, vlb_nl_cb cb, void *data);

/* Parse the attributes of a generic netlink message into tb[0..max]. */
int vlb_nl_parse(const struct nlmsghdr *nlh, const struct nlattr **tb, int max);
int vlb_nl_parse_nested(const struct nlattr *nest, const struct nlattr **tb, int max);

#endif /* VLBNL_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * vlbnl: generic netlink requests, dumps, batches and notifications on
 * libmnl. One socket per struct vlb_nl; requests are synchronous (send, then
 * read until the ACK or NLMSG_DONE with the same sequence number), so any
 * message that is not ours (a stale reply, a notification) is skipped. Extended
 * ACKs are asked for on open, and NETLINK_CAP_ACK keeps ACKs small, which
 * matters when a batch of thousands of requests is acknowledged at once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/genetlink.h>

#include "vlbnl.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

/* Acknowledgements of a whole batch must fit in the receive buffer. */
#define VLB_NL_RCVBUF		(8 * 1024 * 1024)
#define VLB_NL_BATCH_BYTES	(64 * 1024)
#define VLB_NL_BATCH_COUNT	512

struct parse_ctx {
	const struct nlattr **tb;
	int max;
};

static int parse_attr_cb(const struct nlattr *attr, void *data)
{
	struct parse_ctx *ctx = data;
	int type = mnl_attr_get_type(attr);

	if (type >= 0 && type <= ctx->max)
		ctx->tb[type] = attr;
	return MNL_CB_OK;
}

int vlb_nl_parse(const struct nlmsghdr *nlh, const struct nlattr **tb, int max)
{
	struct parse_ctx ctx = { tb, max };

	memset(tb, 0, sizeof(*tb) * (max + 1));
	if (mnl_attr_parse(nlh, GENL_HDRLEN, parse_attr_cb, &ctx) < 0)
		return -EBADMSG;
	return 0;
}

int vlb_nl_parse_nested(const struct nlattr *nest, const struct nlattr **tb, int max)
{
	struct parse_ctx ctx = { tb, max };

	memset(tb, 0, sizeof(*tb) * (max + 1));
	if (mnl_attr_parse_nested(nest, parse_attr_cb, &ctx) < 0)
		return -EBADMSG;
	return 0;
}

/*
 * The errno of an NLMSG_ERROR (0 for an ACK) and its extended ACK, which
 * follows the echoed request (or only its header, with NLM_F_CAPPED).
 */
static int parse_error(struct vlb_nl *nl, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	unsigned int off;

	nl->ext_msg[0] = '\0';
	nl->ext_offset = 0;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
		return -EBADMSG;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return e->error;
	off = sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if (mnl_nlmsg_size(off) > nlh->nlmsg_len)
		return e->error;
	mnl_attr_for_each(attr, nlh, off) {
		switch (mnl_attr_get_type(attr)) {
		case NLMSGERR_ATTR_MSG:
			if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
				snprintf(nl->ext_msg, sizeof(nl->ext_msg), "%s",
					 mnl_attr_get_str(attr));
			break;
		case NLMSGERR_ATTR_OFFS:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
				nl->ext_offset = mnl_attr_get_u32(attr);
			break;
#ifdef NLMSGERR_ATTR_MISS_TYPE
		case NLMSGERR_ATTR_MISS_TYPE:
			if (!nl->ext_msg[0] && mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
				snprintf(nl->ext_msg, sizeof(nl->ext_msg),
					 "missing attribute (type %u)",
					 mnl_attr_get_u32(attr));
			break;
#endif
		}
	}
	return e->error;
}

/* NLMSG_DONE carries the dump's error (int) and possibly an extended ACK. */
static int parse_done(struct vlb_nl *nl, const struct nlmsghdr *nlh)
{
	const struct nlattr *attr;
	int err = 0;

	nl->ext_msg[0] = '\0';
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(int))
		return 0;
	memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		mnl_attr_for_each(attr, nlh, sizeof(int)) {
			if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
			    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
				snprintf(nl->ext_msg, sizeof(nl->ext_msg), "%s",
					 mnl_attr_get_str(attr));
		}
	}
	return err;
}

static void set_rcvbuf(int fd)
{
	int size = VLB_NL_RCVBUF;

	/* FORCE needs CAP_NET_ADMIN; without it the rmem_max cap applies. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
}

struct nlmsghdr *vlb_nl_put_header(struct vlb_nl *nl, void *buf, uint8_t cmd,
				   uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = nl->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = nl->version ? nl->version : 1;
	return nlh;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct vlb_nl *nl = data;
	const struct nlattr *tb[CTRL_ATTR_MAX + 1];
	const struct nlattr *grp;

	if (vlb_nl_parse(nlh, tb, CTRL_ATTR_MAX) < 0 || !tb[CTRL_ATTR_FAMILY_ID])
		return MNL_CB_ERROR;
	nl->family = mnl_attr_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	if (tb[CTRL_ATTR_VERSION])
		nl->version = mnl_attr_get_u32(tb[CTRL_ATTR_VERSION]);
	if (!tb[CTRL_ATTR_MCAST_GROUPS])
		return MNL_CB_OK;
	mnl_attr_for_each_nested(grp, tb[CTRL_ATTR_MCAST_GROUPS]) {
		const struct nlattr *g[CTRL_ATTR_MCAST_GRP_MAX + 1];

		if (nl->ngroups == VLB_NL_MAX_GROUPS)
			break;
		if (vlb_nl_parse_nested(grp, g, CTRL_ATTR_MCAST_GRP_MAX) < 0 ||
		    !g[CTRL_ATTR_MCAST_GRP_NAME] || !g[CTRL_ATTR_MCAST_GRP_ID])
			continue;
		snprintf(nl->groups[nl->ngroups].name, sizeof(nl->groups[0].name),
			 "%s", mnl_attr_get_str(g[CTRL_ATTR_MCAST_GRP_NAME]));
		nl->groups[nl->ngroups].id = mnl_attr_get_u32(g[CTRL_ATTR_MCAST_GRP_ID]);
		nl->ngroups++;
	}
	return MNL_CB_OK;
}

int vlb_nl_open(struct vlb_nl *nl, const char *family)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int one = 1, err;

	memset(nl, 0, sizeof(*nl));
	nl->rbuf = malloc(VLB_NL_RECV_SIZE);
	if (!nl->rbuf)
		return -ENOMEM;
	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock) {
		err = -errno;
		goto fail;
	}
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto fail;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	/* Older kernels lack these; the tools then just print less. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	set_rcvbuf(mnl_socket_get_fd(nl->sock));

	nl->family = GENL_ID_CTRL;
	nlh = vlb_nl_put_header(nl, buf, CTRL_CMD_GETFAMILY, NLM_F_ACK);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, family);
	nl->version = 0;
	err = vlb_nl_request(nl, nlh, family_cb, nl);
	if (err)
		goto fail;
	return 0;
fail:
	vlb_nl_close(nl);
	return err;
}

void vlb_nl_close(struct vlb_nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
	free(nl->rbuf);
	nl->rbuf = NULL;
}

static ssize_t nl_recv(struct vlb_nl *nl)
{
	ssize_t n;

	do {
		n = mnl_socket_recvfrom(nl->sock, nl->rbuf, VLB_NL_RECV_SIZE);
	} while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

int vlb_nl_request(struct vlb_nl *nl, struct nlmsghdr *nlh, vlb_nl_cb cb, void *data)
{
	int dump = !!(nlh->nlmsg_flags & NLM_F_DUMP);
	uint32_t seq = nlh->nlmsg_seq;
	int intr = 0, cb_err = 0;

	/* A do needs the ACK to know it is over; a dump ends with DONE. */
	if (!dump)
		nlh->nlmsg_flags |= NLM_F_ACK;
	nl->ext_msg[0] = '\0';
	nl->ext_offset = 0;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;

	for (;;) {
		ssize_t n = nl_recv(nl);
		const struct nlmsghdr *h = (const struct nlmsghdr *)nl->rbuf;
		int len = (int)n;

		if (n < 0)
			return (int)n;
		for (; mnl_nlmsg_ok(h, len); h = mnl_nlmsg_next(h, &len)) {
			int err;

			if (h->nlmsg_seq != seq || h->nlmsg_pid != nl->portid)
				continue;
			if (h->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = 1;
			switch (h->nlmsg_type) {
			case NLMSG_NOOP:
				continue;
			case NLMSG_OVERRUN:
				return -ENOBUFS;
			case NLMSG_ERROR:
				err = parse_error(nl, h);
				if (err || !dump)
					return err ? err : cb_err;
				continue;
			case NLMSG_DONE:
				err = parse_done(nl, h);
				if (err)
					return err;
				return intr ? -EINTR : cb_err;
			}
			if (cb && !cb_err) {
				int r = cb(h, data);

				if (r == MNL_CB_ERROR)
					cb_err = errno ? -errno : -EBADMSG;
				else if (r == MNL_CB_STOP && !dump)
					return 0;
			}
		}
	}
}

int vlb_nl_batch_init(struct vlb_nl_batch *bt, struct vlb_nl *nl,
		      vlb_nl_batch_err_cb err_cb, void *data)
{
	memset(bt, 0, sizeof(*bt));
	bt->nl = nl;
	bt->err_cb = err_cb;
	bt->data = data;
	bt->max = VLB_NL_BATCH_COUNT;
	/* libmnl's limit leaves room for one more message than we queue. */
	bt->buf = malloc(VLB_NL_BATCH_BYTES + 2 * VLB_NL_BATCH_MSG_MAX);
	bt->cookies = calloc(bt->max, sizeof(*bt->cookies));
	if (!bt->buf || !bt->cookies)
		goto fail;
	bt->b = mnl_nlmsg_batch_start(bt->buf, VLB_NL_BATCH_BYTES + VLB_NL_BATCH_MSG_MAX);
	if (!bt->b)
		goto fail;
	return 0;
fail:
	vlb_nl_batch_free(bt);
	return -ENOMEM;
}

void vlb_nl_batch_free(struct vlb_nl_batch *bt)
{
	if (bt->b)
		mnl_nlmsg_batch_stop(bt->b);
	free(bt->buf);
	free(bt->cookies);
	memset(bt, 0, sizeof(*bt));
}

void *vlb_nl_batch_current(struct vlb_nl_batch *bt)
{
	if (bt->count == bt->max ||
	    mnl_nlmsg_batch_size(bt->b) + VLB_NL_BATCH_MSG_MAX > VLB_NL_BATCH_BYTES) {
		if (vlb_nl_batch_flush(bt) == -ENOMEM)
			return NULL;
	}
	return mnl_nlmsg_batch_current(bt->b);
}

int vlb_nl_batch_add(struct vlb_nl_batch *bt, unsigned long cookie)
{
	struct nlmsghdr *nlh = mnl_nlmsg_batch_current(bt->b);

	if (nlh->nlmsg_len > VLB_NL_BATCH_MSG_MAX)
		return -EMSGSIZE;
	if (bt->count == 0)
		bt->first_seq = nlh->nlmsg_seq;
	/* Sequence numbers of a batch are consecutive: the ACK finds its line. */
	nlh->nlmsg_seq = bt->first_seq + bt->count;
	nlh->nlmsg_flags |= NLM_F_ACK;
	bt->cookies[bt->count++] = cookie;
	bt->nl->seq = nlh->nlmsg_seq;
	mnl_nlmsg_batch_next(bt->b);
	return 0;
}

int vlb_nl_batch_flush(struct vlb_nl_batch *bt)
{
	struct vlb_nl *nl = bt->nl;
	unsigned int acked = 0;
	int first_err = 0;

	if (!bt->count)
		return 0;
	if (mnl_socket_sendto(nl->sock, mnl_nlmsg_batch_head(bt->b),
			      mnl_nlmsg_batch_size(bt->b)) < 0) {
		first_err = -errno;
		goto out;
	}
	while (acked < bt->count) {
		ssize_t n = nl_recv(nl);
		const struct nlmsghdr *h = (const struct nlmsghdr *)nl->rbuf;
		int len = (int)n;

		if (n < 0) {
			/* ACKs were lost: we cannot tell which request failed. */
			first_err = (int)n;
			goto out;
		}
		for (; mnl_nlmsg_ok(h, len); h = mnl_nlmsg_next(h, &len)) {
			uint32_t idx = h->nlmsg_seq - bt->first_seq;
			int err;

			if (h->nlmsg_type != NLMSG_ERROR || h->nlmsg_pid != nl->portid ||
			    idx >= bt->count)
				continue;
			acked++;
			err = parse_error(nl, h);
			if (!err)
				continue;
			bt->failed++;
			if (!first_err)
				first_err = err;
			if (bt->err_cb)
				bt->err_cb(bt->cookies[idx], err, nl->ext_msg, bt->data);
		}
	}
out:
	bt->count = 0;
	mnl_nlmsg_batch_reset(bt->b);
	return first_err;
}

uint32_t vlb_nl_group_id(const struct vlb_nl *nl, const char *name)
{
	int i;

	for (i = 0; i < nl->ngroups; i++)
		if (!strcmp(nl->groups[i].name, name))
			return nl->groups[i].id;
	return 0;
}

int vlb_nl_subscribe(struct vlb_nl *nl, const char *group)
{
	uint32_t id = vlb_nl_group_id(nl, group);

	if (!id)
		return -ENOENT;
	if (mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &id, sizeof(id)) < 0)
		return -errno;
	return 0;
}

int vlb_nl_listen(struct vlb_nl *nl, vlb_nl_cb cb, void *data)
{
	for (;;) {
		ssize_t n = nl_recv(nl);
		const struct nlmsghdr *h = (const struct nlmsghdr *)nl->rbuf;
		int len = (int)n;

		if (n < 0)
			return (int)n;
		for (; mnl_nlmsg_ok(h, len); h = mnl_nlmsg_next(h, &len)) {
			if (h->nlmsg_type < NLMSG_MIN_TYPE || h->nlmsg_type != nl->family)
				continue;
			if (cb(h, data) == MNL_CB_STOP)
				return 0;
		}
	}
}

// SPDX-License-Identifier: GPL-2.0
/*
 * A parsed command as a vlb netlink request. Kept apart from the socket code
 * so the unit tests can build every request on the host and compare it with
 * what ipvsadm sends for the same command line. Like ipvsadm, -E and -e send
 * every setting, so whatever the command line leaves out goes back to its
 * default; the persistence timeout is sent only with -p (vlb rejects 0).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "vlbadm.h"

static size_t addr_len(int af)
{
	return af == AF_INET6 ? 16 : 4;
}

void vlbadm_put_service(struct nlmsghdr *nlh, const struct vlb_service *s, int full)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, VLB_A_SERVICE);

	mnl_attr_put_u16(nlh, VLB_SVC_A_AF, s->af);
	if (s->fwmark) {
		mnl_attr_put_u32(nlh, VLB_SVC_A_FWMARK, s->fwmark);
	} else {
		mnl_attr_put_u16(nlh, VLB_SVC_A_PROTOCOL, s->protocol);
		mnl_attr_put(nlh, VLB_SVC_A_ADDR, addr_len(s->af), &s->addr);
		mnl_attr_put_u16(nlh, VLB_SVC_A_PORT, htons(s->port));
	}
	if (full) {
		mnl_attr_put_strz(nlh, VLB_SVC_A_SCHED_NAME, s->sched);
		mnl_attr_put_u32(nlh, VLB_SVC_A_FLAGS, s->flags);
		if (s->flags & VLB_SVC_F_PERSISTENT)
			mnl_attr_put_u32(nlh, VLB_SVC_A_TIMEOUT, s->timeout);
		mnl_attr_put_u32(nlh, VLB_SVC_A_NETMASK, s->netmask);
	}
	mnl_attr_nest_end(nlh, nest);
}

static void put_dest(struct nlmsghdr *nlh, const struct vlb_dest *d,
		     const struct vlb_service *s, int full)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, VLB_A_DEST);

	mnl_attr_put(nlh, VLB_DEST_A_ADDR, addr_len(d->af), &d->addr);
	mnl_attr_put_u16(nlh, VLB_DEST_A_PORT, htons(d->port));
	if (d->af != s->af)
		mnl_attr_put_u16(nlh, VLB_DEST_A_AF, d->af);
	if (full) {
		mnl_attr_put_u32(nlh, VLB_DEST_A_FWD_METHOD, d->fwd);
		mnl_attr_put_u32(nlh, VLB_DEST_A_WEIGHT, d->weight);
		mnl_attr_put_u32(nlh, VLB_DEST_A_U_THRESH, d->u_thresh);
		mnl_attr_put_u32(nlh, VLB_DEST_A_L_THRESH, d->l_thresh);
		if (d->fwd == VLB_FWD_TUNNEL) {
			mnl_attr_put_u8(nlh, VLB_DEST_A_TUN_TYPE, d->tun_type);
			mnl_attr_put_u16(nlh, VLB_DEST_A_TUN_FLAGS, d->tun_flags);
			if (d->tun_type == VLB_TUN_GUE)
				mnl_attr_put_u16(nlh, VLB_DEST_A_TUN_PORT, htons(d->tun_port));
		}
	}
	mnl_attr_nest_end(nlh, nest);
}

int vlbadm_request_cmd(int cmd)
{
	switch (cmd) {
	case CMD_ADD: return VLB_CMD_NEW_SERVICE;
	case CMD_EDIT: return VLB_CMD_SET_SERVICE;
	case CMD_DEL: return VLB_CMD_DEL_SERVICE;
	case CMD_ADDDEST: return VLB_CMD_NEW_DEST;
	case CMD_EDITDEST: return VLB_CMD_SET_DEST;
	case CMD_DELDEST: return VLB_CMD_DEL_DEST;
	case CMD_FLUSH: return VLB_CMD_FLUSH;
	case CMD_ZERO: return VLB_CMD_ZERO;
	case CMD_TIMEOUT: return VLB_CMD_SET_CONFIG;
	default: return -1;
	}
}

int vlbadm_build_request(uint16_t family, uint32_t seq, const struct vlbadm_cmd *c,
			 void *buf, size_t len)
{
	int gcmd = vlbadm_request_cmd(c->cmd);
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;

	if (gcmd < 0)
		return -EINVAL;
	if (len < 512)
		return -ENOSPC;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = (uint8_t)gcmd;
	g->version = VLB_GENL_VERSION;

	switch (c->cmd) {
	case CMD_ADD:
	case CMD_EDIT:
		vlbadm_put_service(nlh, &c->svc, 1);
		break;
	case CMD_DEL:
		vlbadm_put_service(nlh, &c->svc, 0);
		break;
	case CMD_ADDDEST:
	case CMD_EDITDEST:
	case CMD_DELDEST:
		vlbadm_put_service(nlh, &c->svc, 0);
		put_dest(nlh, &c->dest, &c->svc, c->cmd != CMD_DELDEST);
		break;
	case CMD_ZERO:
		if (c->options & OPT(SERVICE))
			vlbadm_put_service(nlh, &c->svc, 0);
		break;
	case CMD_TIMEOUT:
		mnl_attr_put_u32(nlh, VLB_A_TIMEOUT_TCP, c->timeouts[0]);
		mnl_attr_put_u32(nlh, VLB_A_TIMEOUT_TCP_FIN, c->timeouts[1]);
		mnl_attr_put_u32(nlh, VLB_A_TIMEOUT_UDP, c->timeouts[2]);
		break;
	}
	return (int)nlh->nlmsg_len;
}

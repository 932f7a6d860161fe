// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's service, destination and connection nests as vlbadm's
 * structs. Used by the listings, by --monitor and by the unit tests, which
 * decode the requests vlbadm builds. Unknown attributes are ignored so a
 * newer module works with an older vlbadm.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "vlbadm.h"
#include "vlbnl.h"

static void get_addr(const struct nlattr *a, union vlb_addr *out)
{
	size_t len = mnl_attr_get_payload_len(a);

	memset(out, 0, sizeof(*out));
	memcpy(out, mnl_attr_get_payload(a), len > sizeof(*out) ? sizeof(*out) : len);
}

static uint16_t get_be16(const struct nlattr *a)
{
	return ntohs(mnl_attr_get_u16(a));
}

static void decode_stats(const struct nlattr *nest, struct vlb_stats *st)
{
	const struct nlattr *tb[VLB_STATS_A_MAX + 1];
	uint64_t *dst[VLB_STATS_A_MAX + 1] = {
		[VLB_STATS_A_CONNS] = &st->conns, [VLB_STATS_A_INPKTS] = &st->inpkts,
		[VLB_STATS_A_OUTPKTS] = &st->outpkts, [VLB_STATS_A_INBYTES] = &st->inbytes,
		[VLB_STATS_A_OUTBYTES] = &st->outbytes, [VLB_STATS_A_CPS] = &st->cps,
		[VLB_STATS_A_INPPS] = &st->inpps, [VLB_STATS_A_OUTPPS] = &st->outpps,
		[VLB_STATS_A_INBPS] = &st->inbps, [VLB_STATS_A_OUTBPS] = &st->outbps,
	};
	int i;

	if (vlb_nl_parse_nested(nest, tb, VLB_STATS_A_MAX) < 0)
		return;
	for (i = 0; i <= VLB_STATS_A_MAX; i++)
		if (tb[i] && dst[i] && mnl_attr_get_payload_len(tb[i]) == 8)
			*dst[i] = mnl_attr_get_u64(tb[i]);
}

int vlbadm_decode_service(const struct nlattr *nest, struct vlb_service *s)
{
	const struct nlattr *tb[VLB_SVC_A_MAX + 1];

	memset(s, 0, sizeof(*s));
	if (vlb_nl_parse_nested(nest, tb, VLB_SVC_A_MAX) < 0 || !tb[VLB_SVC_A_AF])
		return -EBADMSG;
	s->af = mnl_attr_get_u16(tb[VLB_SVC_A_AF]);
	s->netmask = s->af == AF_INET6 ? 128 : 32;
	if (tb[VLB_SVC_A_FWMARK])
		s->fwmark = mnl_attr_get_u32(tb[VLB_SVC_A_FWMARK]);
	if (tb[VLB_SVC_A_PROTOCOL] && !s->fwmark)
		s->protocol = mnl_attr_get_u16(tb[VLB_SVC_A_PROTOCOL]);
	if (tb[VLB_SVC_A_ADDR])
		get_addr(tb[VLB_SVC_A_ADDR], &s->addr);
	if (tb[VLB_SVC_A_PORT])
		s->port = get_be16(tb[VLB_SVC_A_PORT]);
	if (tb[VLB_SVC_A_SCHED_NAME])
		snprintf(s->sched, sizeof(s->sched), "%s",
			 mnl_attr_get_str(tb[VLB_SVC_A_SCHED_NAME]));
	if (tb[VLB_SVC_A_FLAGS])
		s->flags = mnl_attr_get_u32(tb[VLB_SVC_A_FLAGS]);
	if (tb[VLB_SVC_A_TIMEOUT])
		s->timeout = mnl_attr_get_u32(tb[VLB_SVC_A_TIMEOUT]);
	if (tb[VLB_SVC_A_NETMASK])
		s->netmask = mnl_attr_get_u32(tb[VLB_SVC_A_NETMASK]);
	if (tb[VLB_SVC_A_NUM_DESTS])
		s->num_dests = mnl_attr_get_u32(tb[VLB_SVC_A_NUM_DESTS]);
	if (tb[VLB_SVC_A_STATS])
		decode_stats(tb[VLB_SVC_A_STATS], &s->stats);
	return 0;
}

int vlbadm_decode_dest(const struct nlattr *nest, struct vlb_dest *d)
{
	const struct nlattr *tb[VLB_DEST_A_MAX + 1];

	memset(d, 0, sizeof(*d));
	if (vlb_nl_parse_nested(nest, tb, VLB_DEST_A_MAX) < 0 || !tb[VLB_DEST_A_ADDR])
		return -EBADMSG;
	get_addr(tb[VLB_DEST_A_ADDR], &d->addr);
	d->af = mnl_attr_get_payload_len(tb[VLB_DEST_A_ADDR]) == 16 ? AF_INET6 : AF_INET;
	if (tb[VLB_DEST_A_AF])
		d->af = mnl_attr_get_u16(tb[VLB_DEST_A_AF]);
	if (tb[VLB_DEST_A_PORT])
		d->port = get_be16(tb[VLB_DEST_A_PORT]);
	if (tb[VLB_DEST_A_FWD_METHOD])
		d->fwd = mnl_attr_get_u32(tb[VLB_DEST_A_FWD_METHOD]);
	if (tb[VLB_DEST_A_WEIGHT])
		d->weight = mnl_attr_get_u32(tb[VLB_DEST_A_WEIGHT]);
	if (tb[VLB_DEST_A_U_THRESH])
		d->u_thresh = mnl_attr_get_u32(tb[VLB_DEST_A_U_THRESH]);
	if (tb[VLB_DEST_A_L_THRESH])
		d->l_thresh = mnl_attr_get_u32(tb[VLB_DEST_A_L_THRESH]);
	if (tb[VLB_DEST_A_TUN_TYPE])
		d->tun_type = mnl_attr_get_u8(tb[VLB_DEST_A_TUN_TYPE]);
	if (tb[VLB_DEST_A_TUN_PORT])
		d->tun_port = get_be16(tb[VLB_DEST_A_TUN_PORT]);
	if (tb[VLB_DEST_A_TUN_FLAGS])
		d->tun_flags = mnl_attr_get_u16(tb[VLB_DEST_A_TUN_FLAGS]);
	if (tb[VLB_DEST_A_ACTIVE_CONNS])
		d->active = mnl_attr_get_u32(tb[VLB_DEST_A_ACTIVE_CONNS]);
	if (tb[VLB_DEST_A_INACT_CONNS])
		d->inact = mnl_attr_get_u32(tb[VLB_DEST_A_INACT_CONNS]);
	if (tb[VLB_DEST_A_PERSIST_CONNS])
		d->persist = mnl_attr_get_u32(tb[VLB_DEST_A_PERSIST_CONNS]);
	if (tb[VLB_DEST_A_STATS])
		decode_stats(tb[VLB_DEST_A_STATS], &d->stats);
	return 0;
}

int vlbadm_decode_conn(const struct nlattr *nest, struct vlb_conn *c)
{
	const struct nlattr *tb[VLB_CONN_A_MAX + 1];

	memset(c, 0, sizeof(*c));
	if (vlb_nl_parse_nested(nest, tb, VLB_CONN_A_MAX) < 0 || !tb[VLB_CONN_A_AF])
		return -EBADMSG;
	c->af = mnl_attr_get_u16(tb[VLB_CONN_A_AF]);
	c->dest_af = tb[VLB_CONN_A_DEST_AF] ? mnl_attr_get_u16(tb[VLB_CONN_A_DEST_AF]) : c->af;
	if (tb[VLB_CONN_A_PROTOCOL])
		c->protocol = mnl_attr_get_u16(tb[VLB_CONN_A_PROTOCOL]);
	if (tb[VLB_CONN_A_CADDR])
		get_addr(tb[VLB_CONN_A_CADDR], &c->caddr);
	if (tb[VLB_CONN_A_VADDR])
		get_addr(tb[VLB_CONN_A_VADDR], &c->vaddr);
	if (tb[VLB_CONN_A_DADDR])
		get_addr(tb[VLB_CONN_A_DADDR], &c->daddr);
	if (tb[VLB_CONN_A_CPORT])
		c->cport = get_be16(tb[VLB_CONN_A_CPORT]);
	if (tb[VLB_CONN_A_VPORT])
		c->vport = get_be16(tb[VLB_CONN_A_VPORT]);
	if (tb[VLB_CONN_A_DPORT])
		c->dport = get_be16(tb[VLB_CONN_A_DPORT]);
	if (tb[VLB_CONN_A_FWMARK])
		c->fwmark = mnl_attr_get_u32(tb[VLB_CONN_A_FWMARK]);
	if (tb[VLB_CONN_A_STATE])
		c->state = mnl_attr_get_u8(tb[VLB_CONN_A_STATE]);
	if (tb[VLB_CONN_A_EXPIRES])
		c->expires = mnl_attr_get_u32(tb[VLB_CONN_A_EXPIRES]);
	if (tb[VLB_CONN_A_FLAGS])
		c->flags = mnl_attr_get_u32(tb[VLB_CONN_A_FLAGS]);
	return 0;
}

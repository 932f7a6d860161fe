// SPDX-License-Identifier: GPL-2.0
/*
 * --monitor: one line per configuration change announced on the family's
 * "config" multicast group, in -S syntax after the action ("new", "set",
 * "del", "flush"), numeric, flushed at once so a test can read it from a
 * pipe. Runs until interrupted.
 */
#include <errno.h>
#include <string.h>
#include <linux/genetlink.h>

#include "vlbadm.h"
#include "vlbnl.h"

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[VLB_A_MAX + 1];
	unsigned int format = *(unsigned int *)data;
	struct vlb_service s = { 0 };
	struct vlb_dest d = { 0 };
	char name[128], dname[64];

	if (vlb_nl_parse(nlh, tb, VLB_A_MAX) < 0)
		return MNL_CB_OK;
	if (tb[VLB_A_SERVICE] && vlbadm_decode_service(tb[VLB_A_SERVICE], &s) < 0)
		return MNL_CB_OK;
	if (tb[VLB_A_DEST] && vlbadm_decode_dest(tb[VLB_A_DEST], &d) < 0)
		return MNL_CB_OK;

	switch (g->cmd) {
	case VLB_CMD_NEW_SERVICE:
	case VLB_CMD_SET_SERVICE:
		if (!tb[VLB_A_SERVICE])
			return MNL_CB_OK;
		printf(g->cmd == VLB_CMD_NEW_SERVICE ? "new " : "set ");
		vlbadm_print_svc_rule(stdout, g->cmd == VLB_CMD_NEW_SERVICE ? "-A" : "-E",
				      &s, format);
		break;
	case VLB_CMD_DEL_SERVICE:
		if (!tb[VLB_A_SERVICE])
			return MNL_CB_OK;
		vlbadm_svc_rule_name(name, sizeof(name), &s, format | FMT_RULE);
		printf("del -D %s\n", name);
		break;
	case VLB_CMD_NEW_DEST:
	case VLB_CMD_SET_DEST:
		if (!tb[VLB_A_SERVICE] || !tb[VLB_A_DEST])
			return MNL_CB_OK;
		printf(g->cmd == VLB_CMD_NEW_DEST ? "new " : "set ");
		vlbadm_print_dest_rule(stdout, g->cmd == VLB_CMD_NEW_DEST ? "-a" : "-e",
				       &s, &d, format);
		break;
	case VLB_CMD_DEL_DEST:
		if (!tb[VLB_A_SERVICE] || !tb[VLB_A_DEST])
			return MNL_CB_OK;
		vlbadm_svc_rule_name(name, sizeof(name), &s, format | FMT_RULE);
		vlbadm_addrport(dname, sizeof(dname), d.af, &d.addr, d.port,
				s.fwmark ? 0 : s.protocol, format);
		printf("del -d %s -r %s\n", name, dname);
		break;
	case VLB_CMD_FLUSH:
		printf("flush\n");
		break;
	case VLB_CMD_SET_CONFIG: {
		struct vlbadm_table t = { 0 };
		const struct nlattr *a;

		if ((a = tb[VLB_A_TIMEOUT_TCP]))
			t.t_tcp = mnl_attr_get_u32(a);
		if ((a = tb[VLB_A_TIMEOUT_TCP_FIN]))
			t.t_tcpfin = mnl_attr_get_u32(a);
		if ((a = tb[VLB_A_TIMEOUT_UDP]))
			t.t_udp = mnl_attr_get_u32(a);
		printf("set --set %u %u %u\n", t.t_tcp, t.t_tcpfin, t.t_udp);
		break;
	}
	default:
		printf("unknown command %u\n", g->cmd);
		break;
	}
	fflush(stdout);
	return MNL_CB_OK;
}

int vlbadm_monitor(struct vlb_nl *nl, unsigned int format)
{
	int err;

	format |= FMT_NUMERIC;	/* a name lookup per event would lag */
	err = vlb_nl_subscribe(nl, VLB_GENL_MCGRP_CONFIG);
	if (err) {
		fprintf(stderr, "cannot subscribe to the \"%s\" group: %s\n",
			VLB_GENL_MCGRP_CONFIG, strerror(-err));
		return 1;
	}
	for (;;) {
		err = vlb_nl_listen(nl, event_cb, &format);
		if (err != -ENOBUFS)
			break;
		/* The socket overflowed: say so, and go on with what comes next. */
		fprintf(stderr, "vlbadm: events were lost (receive buffer overflow)\n");
		printf("lost\n");
		fflush(stdout);
	}
	fprintf(stderr, "vlbadm: %s\n", strerror(-err));
	return 1;
}

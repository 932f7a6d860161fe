// SPDX-License-Identifier: GPL-2.0
/*
 * vlbadm's conversation with vlb.ko: fetching what the listings show and
 * running one parsed command. Errors are printed the way ipvsadm prints
 * them (its wording for the errno of each command), preceded by the
 * kernel's extended ACK message when there is one; exit statuses are
 * ipvsadm's (255 for a failed change, 1 for a failed listing).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/genetlink.h>

#include "vlbadm.h"
#include "vlbnl.h"

int vlbadm_open(struct vlb_nl **out)
{
	struct vlb_nl *nl = calloc(1, sizeof(*nl));
	int err;

	if (!nl) {
		fprintf(stderr, "Memory allocation problem\n");
		return 1;
	}
	err = vlb_nl_open(nl, VLB_GENL_NAME);
	if (err) {
		if (err == -ENOENT)
			fprintf(stderr, "Can't initialize vlb: the generic netlink family \"%s\" "
				"is not registered\nIs the vlb kernel module loaded (modprobe vlb)?\n",
				VLB_GENL_NAME);
		else
			fprintf(stderr, "Can't initialize vlb: %s\n", strerror(-err));
		free(nl);
		return 2;
	}
	*out = nl;
	return 0;
}

void vlbadm_close(struct vlb_nl *nl)
{
	if (!nl)
		return;
	vlb_nl_close(nl);
	free(nl);
}

const char *vlbadm_strerror(int cmd, int err)
{
	switch (err) {
	case EEXIST:
		if (cmd == CMD_ADD)
			return "Service already exists";
		if (cmd == CMD_ADDDEST)
			return "Destination already exists";
		break;
	case ESRCH:
		if (cmd == CMD_EDIT || cmd == CMD_DEL || cmd == CMD_ZERO || cmd == CMD_LIST)
			return "No such service";
		if (cmd == CMD_ADDDEST || cmd == CMD_EDITDEST || cmd == CMD_DELDEST)
			return "Service not defined";
		break;
	case ENOENT:
		if (cmd == CMD_ADD || cmd == CMD_EDIT)
			return "Scheduler or persistence engine not found";
		if (cmd == CMD_EDITDEST || cmd == CMD_DELDEST)
			return "No such destination";
		break;
	case EPERM:
		return "Permission denied (you must be root)";
	case ENOPROTOOPT:
		return "Protocol not available";
	case ENOMEM:
		return "Memory allocation problem";
	case EOPNOTSUPP:
		return "Operation not supported with IPv6";
	case EAFNOSUPPORT:
		return "Operation not supported with specified address family";
	case EMSGSIZE:
		return "Module is wrong version";
	}
	return strerror(err);
}

void vlbadm_print_kernel_error(const char *prefix, int cmd, int err, const char *ext)
{
	const char *meaning = vlbadm_strerror(cmd, err);

	if (ext && ext[0])
		fprintf(stderr, "%s%s (%s)\n", prefix, ext, meaning);
	else if (err == EINVAL)
		fprintf(stderr, "%sInvalid operation.  Possibly wrong module version, "
			"address not unicast, ...\n", prefix);
	else
		fprintf(stderr, "%s%s\n", prefix, meaning);
}

/* --- fetching ------------------------------------------------------------ */

static int info_cb(const struct nlmsghdr *nlh, void *data)
{
	struct vlbadm_table *t = data;
	const struct nlattr *tb[VLB_A_MAX + 1];

	if (vlb_nl_parse(nlh, tb, VLB_A_MAX) < 0)
		return MNL_CB_ERROR;
	if (tb[VLB_A_VERSION])
		t->version = mnl_attr_get_u32(tb[VLB_A_VERSION]);
	if (tb[VLB_A_CONN_TAB_SIZE])
		t->conn_tab_size = mnl_attr_get_u32(tb[VLB_A_CONN_TAB_SIZE]);
	if (tb[VLB_A_CONN_COUNT])
		t->conn_count = mnl_attr_get_u32(tb[VLB_A_CONN_COUNT]);
	if (tb[VLB_A_CONN_MAX])
		t->conn_max = mnl_attr_get_u32(tb[VLB_A_CONN_MAX]);
	if (tb[VLB_A_CONN_DROPS])
		t->conn_drops = mnl_attr_get_u64(tb[VLB_A_CONN_DROPS]);
	if (tb[VLB_A_TIMEOUT_TCP])
		t->t_tcp = mnl_attr_get_u32(tb[VLB_A_TIMEOUT_TCP]);
	if (tb[VLB_A_TIMEOUT_TCP_FIN])
		t->t_tcpfin = mnl_attr_get_u32(tb[VLB_A_TIMEOUT_TCP_FIN]);
	if (tb[VLB_A_TIMEOUT_UDP])
		t->t_udp = mnl_attr_get_u32(tb[VLB_A_TIMEOUT_UDP]);
	return MNL_CB_OK;
}

static int svc_cb(const struct nlmsghdr *nlh, void *data)
{
	struct vlbadm_table *t = data;
	const struct nlattr *tb[VLB_A_MAX + 1];
	struct vlb_service *n;

	if (vlb_nl_parse(nlh, tb, VLB_A_MAX) < 0 || !tb[VLB_A_SERVICE])
		return MNL_CB_ERROR;
	if (!(t->nsvcs & (t->nsvcs - 1)) || !t->nsvcs) {
		n = realloc(t->svcs, (size_t)(t->nsvcs ? 2 * t->nsvcs : 16) * sizeof(*n));
		if (!n) {
			errno = ENOMEM;
			return MNL_CB_ERROR;
		}
		t->svcs = n;
	}
	if (vlbadm_decode_service(tb[VLB_A_SERVICE], &t->svcs[t->nsvcs]) < 0) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	t->nsvcs++;
	return MNL_CB_OK;
}

struct dest_ctx {
	struct vlb_service *s;
	int cap;
};

static int dest_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dest_ctx *ctx = data;
	struct vlb_service *s = ctx->s;
	const struct nlattr *tb[VLB_A_MAX + 1];

	if (vlb_nl_parse(nlh, tb, VLB_A_MAX) < 0 || !tb[VLB_A_DEST])
		return MNL_CB_ERROR;
	if (s->ndests == ctx->cap) {
		struct vlb_dest *n;

		ctx->cap = ctx->cap ? 2 * ctx->cap : 8;
		n = realloc(s->dests, (size_t)ctx->cap * sizeof(*n));
		if (!n) {
			errno = ENOMEM;
			return MNL_CB_ERROR;
		}
		s->dests = n;
	}
	if (vlbadm_decode_dest(tb[VLB_A_DEST], &s->dests[s->ndests]) < 0) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	s->ndests++;
	return MNL_CB_OK;
}

static int conn_cb(const struct nlmsghdr *nlh, void *data)
{
	struct vlbadm_table *t = data;
	const struct nlattr *tb[VLB_A_MAX + 1];

	if (vlb_nl_parse(nlh, tb, VLB_A_MAX) < 0 || !tb[VLB_A_CONN])
		return MNL_CB_ERROR;
	if (!t->nconns || !(t->nconns & (t->nconns - 1))) {
		struct vlb_conn *n = realloc(t->conns, (size_t)(t->nconns ? 2 * t->nconns : 16) *
					     sizeof(*n));

		if (!n) {
			errno = ENOMEM;
			return MNL_CB_ERROR;
		}
		t->conns = n;
	}
	if (vlbadm_decode_conn(tb[VLB_A_CONN], &t->conns[t->nconns]) < 0) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	t->nconns++;
	return MNL_CB_OK;
}

static int get_dests(struct vlb_nl *nl, struct vlb_service *s)
{
	char buf[512];
	struct nlmsghdr *nlh = vlb_nl_put_header(nl, buf, VLB_CMD_GET_DEST, NLM_F_DUMP);
	struct dest_ctx ctx = { s, 0 };

	vlbadm_put_service(nlh, s, 0);
	return vlb_nl_request(nl, nlh, dest_cb, &ctx);
}

static int fetch_once(struct vlb_nl *nl, struct vlbadm_table *t, unsigned int what,
		      const struct vlb_service *one)
{
	char buf[512];
	struct nlmsghdr *nlh;
	int err, i;

	nlh = vlb_nl_put_header(nl, buf, VLB_CMD_GET_INFO, 0);
	err = vlb_nl_request(nl, nlh, info_cb, t);
	if (err)
		return err;
	if (what & VLBADM_GET_TIMEOUTS) {
		nlh = vlb_nl_put_header(nl, buf, VLB_CMD_GET_CONFIG, 0);
		err = vlb_nl_request(nl, nlh, info_cb, t);
		if (err)
			return err;
	}
	if (what & (VLBADM_GET_SVCS | VLBADM_GET_ONE)) {
		if (what & VLBADM_GET_ONE) {
			nlh = vlb_nl_put_header(nl, buf, VLB_CMD_GET_SERVICE, 0);
			vlbadm_put_service(nlh, one, 0);
		} else {
			nlh = vlb_nl_put_header(nl, buf, VLB_CMD_GET_SERVICE, NLM_F_DUMP);
		}
		err = vlb_nl_request(nl, nlh, svc_cb, t);
		if (err)
			return err;
		for (i = 0; i < t->nsvcs; i++) {
			err = get_dests(nl, &t->svcs[i]);
			if (err)
				return err;
		}
	}
	if (what & VLBADM_GET_CONNS) {
		nlh = vlb_nl_put_header(nl, buf, VLB_CMD_GET_CONN, NLM_F_DUMP);
		err = vlb_nl_request(nl, nlh, conn_cb, t);
	}
	return err;
}

int vlbadm_fetch(struct vlb_nl *nl, struct vlbadm_table *t, unsigned int what,
		 const struct vlb_service *one)
{
	int tries, err = 0;

	/* A dump that raced with a change is started over, a few times. */
	for (tries = 0; tries < 5; tries++) {
		memset(t, 0, sizeof(*t));
		err = fetch_once(nl, t, what, one);
		if (err != -EINTR)
			break;
		vlbadm_table_free(t);
	}
	return err;
}

/* --- running a command --------------------------------------------------- */

static int do_list(struct vlb_nl *nl, struct vlbadm_cmd *c)
{
	struct vlbadm_table t;
	unsigned int what;
	int err;

	if (c->options & OPT(DAEMON))
		return 0;	/* vlb has no sync daemon, so none is running */
	what = vlbadm_listing_needs(c);

	err = vlbadm_fetch(nl, &t, what, &c->svc);
	if (err) {
		vlbadm_print_kernel_error("", CMD_LIST, -err, nl->ext_msg);
		vlbadm_table_free(&t);
		return 1;
	}
	vlbadm_print_listing(stdout, c, &t);
	vlbadm_table_free(&t);
	return fflush(stdout) ? 1 : 0;
}

int vlbadm_run(struct vlb_nl *nl, struct vlbadm_cmd *c)
{
	char buf[1024];
	int err;

	switch (c->cmd) {
	case CMD_LIST:
	case CMD_SAVE:
		return do_list(nl, c);
	case CMD_RESTORE:
		return vlbadm_restore(nl, stdin, c->progname);
	case CMD_MONITOR:
		return vlbadm_monitor(nl, c->format);
	}
	err = vlbadm_build_request(nl->family, ++nl->seq, c, buf, sizeof(buf));
	if (err < 0) {
		fprintf(stderr, "%s\n", strerror(-err));
		return 255;
	}
	err = vlb_nl_request(nl, (struct nlmsghdr *)buf, NULL, NULL);
	if (err) {
		vlbadm_print_kernel_error("", c->cmd, -err, nl->ext_msg);
		return 255;
	}
	return 0;
}

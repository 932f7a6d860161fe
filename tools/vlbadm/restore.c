// SPDX-License-Identifier: GPL-2.0
/*
 * -R: rules from stdin, in ipvsadm -S syntax (a leading "ipvsadm" or
 * "vlbadm" word, blank lines and # comments are fine). Every line is parsed
 * before anything is sent, so a bad line changes nothing; then the changes
 * go to the kernel in batches of hundreds of requests per sendmsg(), which
 * is what makes tens of thousands of lines restore in seconds. A line the
 * kernel refuses is reported with its number, and the others still apply,
 * as with ipvsadm.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vlbadm.h"
#include "vlbnl.h"

struct restore_line {
	unsigned long lineno;
	struct vlbadm_cmd cmd;
};

struct restore_ctx {
	struct restore_line *lines;
	size_t n, cap;
	unsigned int failed;
};

static void batch_err(unsigned long cookie, int err, const char *ext, void *data)
{
	struct restore_ctx *ctx = data;
	const struct restore_line *l = &ctx->lines[cookie];
	char prefix[64];

	snprintf(prefix, sizeof(prefix), "line %lu: ", l->lineno);
	vlbadm_print_kernel_error(prefix, l->cmd.cmd, -err, ext);
	ctx->failed++;
}

static int read_lines(struct restore_ctx *ctx, FILE *in, const char *prog)
{
	char *line = NULL, err[VLBADM_ERRLEN];
	size_t cap = 0;
	unsigned long lineno = 0;
	int bad = 0;

	while (getline(&line, &cap, in) >= 0) {
		struct vlbadm_cmd c;
		char **argv;
		int argc, rc;

		lineno++;
		argv = vlbadm_split_line(line, prog, &argc, err, sizeof(err));
		if (!argv) {
			if (err[0]) {
				fprintf(stderr, "line %lu: %s\n", lineno, err);
				bad = 1;
			}
			continue;
		}
		rc = vlbadm_parse(argc, argv, &c, 1, err, sizeof(err));
		vlbadm_free_argv(argv);
		if (rc || c.cmd == CMD_HELP || c.cmd == CMD_VERSION || c.cmd == CMD_MONITOR) {
			if (!rc)
				snprintf(err, sizeof(err), "this command cannot be restored");
			fprintf(stderr, "line %lu: %s\n", lineno, err);
			bad = bad ? bad : (rc ? rc : 2);
			continue;
		}
		c.progname = prog;
		if (ctx->n == ctx->cap) {
			struct restore_line *nl;

			ctx->cap = ctx->cap ? 2 * ctx->cap : 256;
			nl = realloc(ctx->lines, ctx->cap * sizeof(*nl));
			if (!nl) {
				fprintf(stderr, "Memory allocation problem\n");
				free(line);
				return 1;
			}
			ctx->lines = nl;
		}
		ctx->lines[ctx->n].lineno = lineno;
		ctx->lines[ctx->n].cmd = c;
		ctx->n++;
	}
	free(line);
	if (ferror(in)) {
		fprintf(stderr, "error reading the rules: %s\n", strerror(errno));
		return 1;
	}
	return bad;
}

int vlbadm_restore(struct vlb_nl *nl, FILE *in, const char *prog)
{
	struct restore_ctx ctx = { 0 };
	struct vlb_nl_batch bt;
	size_t i;
	int rc, err = 0;

	rc = read_lines(&ctx, in, prog);
	if (rc) {
		fprintf(stderr, "nothing restored\n");
		free(ctx.lines);
		return rc;
	}
	if (vlb_nl_batch_init(&bt, nl, batch_err, &ctx) < 0) {
		fprintf(stderr, "Memory allocation problem\n");
		free(ctx.lines);
		return 1;
	}
	for (i = 0; i < ctx.n; i++) {
		struct vlbadm_cmd *c = &ctx.lines[i].cmd;
		void *buf;
		int len;

		if (vlbadm_request_cmd(c->cmd) < 0) {
			/* -L or -S in the middle: show the state so far */
			if ((err = vlb_nl_batch_flush(&bt)) == -ENOBUFS)
				break;
			if (vlbadm_run(nl, c))
				ctx.failed++;
			continue;
		}
		buf = vlb_nl_batch_current(&bt);
		if (!buf) {
			err = -ENOMEM;
			break;
		}
		len = vlbadm_build_request(nl->family, 0, c, buf, VLB_NL_BATCH_MSG_MAX);
		if (len < 0 || vlb_nl_batch_add(&bt, (unsigned long)i) < 0) {
			fprintf(stderr, "line %lu: request too large\n", ctx.lines[i].lineno);
			ctx.failed++;
			continue;
		}
	}
	if (!err)
		err = vlb_nl_batch_flush(&bt);
	if (err == -ENOBUFS || err == -ENOMEM || (err < 0 && !bt.failed && !ctx.failed)) {
		fprintf(stderr, "restore aborted: %s; the kernel state is unknown\n",
			strerror(-err));
		ctx.failed++;
	}
	vlb_nl_batch_free(&bt);
	free(ctx.lines);
	return ctx.failed ? 255 : 0;
}

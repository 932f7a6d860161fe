// SPDX-License-Identifier: GPL-2.0
/*
 * vlbadm: administer the vlb load balancer with ipvsadm's command line.
 * Parse first (so -h and bad command lines work without the module), then
 * open the netlink family and run the one command.
 */
#include <string.h>

#include "vlbadm.h"

int main(int argc, char **argv)
{
	char err[VLBADM_ERRLEN];
	struct vlbadm_cmd c;
	struct vlb_nl *nl;
	int rc;

	if (argc == 1) {
		/* like ipvsadm: no arguments lists the table */
		memset(&c, 0, sizeof(c));
		c.cmd = CMD_LIST;
		c.progname = argv[0];
	} else {
		rc = vlbadm_parse(argc, argv, &c, 0, err, sizeof(err));
		if (rc) {
			if (err[0])
				fprintf(stderr, "%s\n", err);
			return rc;
		}
	}
	if (c.cmd == CMD_HELP) {
		vlbadm_usage(stdout, argv[0]);
		return 0;
	}
	if (c.cmd == CMD_VERSION) {
		vlbadm_version(stdout);
		return 0;
	}
	rc = vlbadm_open(&nl);
	if (rc)
		return rc;
	rc = vlbadm_run(nl, &c);
	vlbadm_close(nl);
	return rc;
}

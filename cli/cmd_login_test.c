/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fedjit login-test NAME [--idp NAME]: a device-flow login through fedjit-helper
 * (op=login-test, helper_run.c) that stores nothing and shows the verified claims and
 * what provisioning would do.
 */

#include <stdbool.h>

#include "cli/cli.h"
#include "common/config.h"
#include "pam/proto/proto.h"

int fedjit_cmd_login_test(struct fedjit_cli *cli, int argc, char **argv)
{
	struct fedjit_cli_helper_run run = {.helper = FEDJIT_HELPER_PATH};
	_cleanup_msg_ struct fedjit_msg *req = fedjit_msg_new();
	const struct fedjit_config *config;
	const struct fedjit_idp *idp_conf = NULL;
	const char *name = NULL, *idp = NULL;
	unsigned timeout;
	bool help;
	int r = fedjit_cli_helper_options(
	        "login-test",
	        "Usage: fedjit login-test NAME [--idp NAME] [--debug] [--helper PATH]\n"
	        "Run a device flow for the login name NAME through fedjit-helper without PAM,\n"
	        "print the verified claims and the account provisioning would create. Nothing\n"
	        "is stored (dry run).\n",
	        argc, argv, &run, &idp, &name, &help);

	if (r != 0 || help)
		return r;
	if (!req)
		return fedjit_cli_error("out of memory");
	r = fedjit_cli_config(cli, true, &config);
	if (r != 0)
		return r;
	if (idp && !(idp_conf = fedjit_config_idp(config, idp)))
		return fedjit_cli_error("no IdP %s in the configuration", idp);
	/* The helper ends the flow at the IdP's timeout: wait a little longer. */
	timeout = fedjit_config_login_timeout(config, idp_conf) + 30;
	r = fedjit_cli_helper_request(cli, req, "login-test", run.debug, timeout);
	if (r != 0)
		return r;
	if (fedjit_msg_add(req, "user", name) < 0 || fedjit_msg_add(req, "idp", idp) < 0 ||
	    fedjit_msg_add_bool(req, "dry_run", true) < 0 ||
	    fedjit_msg_add_bool(req, "interactive", true) < 0 ||
	    fedjit_msg_add(req, "service", "fedjit-login-test") < 0)
		return fedjit_cli_error("building the request failed");
	return fedjit_cli_helper_run(&run, req, true, timeout);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pre-flow check (fedjit_provision_precheck): before any device flow, is the PAM
 * user a name this IdP would sign in or provision? A name provisioning would refuse is
 * unknown_user at once, so the PAM stack goes on to other modules.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/macro.h"
#include "pam/provision/provision_private.h"

static int precheck(struct prov_run *run, const char *requested)
{
	const struct fedjit_idp *idp = run->ctx->idp;
	const struct fedjit_prov_nss *nss = fedjit_prov_nss(run);
	char reason[FEDJIT_REASON_SIZE];
	uint32_t uid;
	bool name_known = idp->username_from == FEDJIT_USERNAME_FROM_CLAIM &&
	                  idp->prompt != FEDJIT_PROMPT_USERNAME_PASSWORD_CONSENT;
	int r;

	r = fedjit_idp_login(run->ctx->config, idp, requested, strlen(requested), &run->login,
	                     reason, sizeof(reason));
	if (r < 0)
		goto unknown;
	run->domain = run->login.domain;
	r = fedjit_store_open(run->db_file, FEDJIT_STORE_RDONLY, &run->store);
	if (r >= 0) {
		r = fedjit_prov_store_has_user(run, run->login.canonical);
		fedjit_store_close(run->store);
		run->store = NULL;
	}
	if (r > 0) {
		fedjit_prov_result(run, "ok", NULL, "a stored account");
		return 1;
	}
	if (r < 0 && r != -ENOENT)
		return r;
	if (idp->provisioning == FEDJIT_PROVISIONING_NONE) {
		snprintf(reason, sizeof(reason), "not a fedjit account and provisioning is off");
		goto unknown;
	}
	if (name_known && fedjit_name_policy_check(run->domain, FEDJIT_NAME_USER, run->login.local,
	                                           reason, sizeof(reason)) < 0)
		goto unknown;
	struct fedjit_prov_name_memo memo = {.nss = nss};
	r = fedjit_name_check_reserved(run->ctx->config, run->domain, run->login.canonical,
	                               fedjit_prov_user_by_name_once, &memo, reason,
	                               sizeof(reason));
	if (r == -EPERM)
		goto unknown;
	if (r < 0)
		return r;
	r = fedjit_prov_user_by_name_once(run->login.canonical, &uid, &memo);
	if (r < 0)
		return r;
	if (r > 0 && !idp->associate_existing) {
		snprintf(reason, sizeof(reason), "%s exists outside fedjit", run->login.canonical);
		goto unknown;
	}
	fedjit_prov_result(run, "ok", NULL, "would be provisioned");
	return 1;
unknown:
	fedjit_prov_result(run, "unknown_user", NULL, "%s", reason);
	return 0;
}

int fedjit_provision_precheck(const struct fedjit_prov_ctx *ctx, const char *requested_user,
                              struct fedjit_prov_result *ret)
{
	struct prov_run run;
	int r;

	fedjit_prov_run_init(&run, ctx, ret);
	r = precheck(&run, requested_user);
	if (r < 0)
		fedjit_prov_result(&run, "error", NULL, "checking %s: %s", requested_user,
		                   strerror(-r));
	return r;
}

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

static int precheck(struct prov_run *run, const struct fedjit_login *requested)
{
	const struct fedjit_idp *idp = run->ctx->idp;
	const struct fedjit_prov_nss *nss = fedjit_prov_nss(run);
	char reason[FEDJIT_REASON_SIZE];
	uint32_t uid;
	bool name_known = idp->username_from == FEDJIT_USERNAME_FROM_CLAIM &&
	                  idp->prompt != FEDJIT_PROMPT_USERNAME_PASSWORD_CONSENT;
	int r;

	r = fedjit_idp_login_from(run->ctx->config, idp, requested, &run->login, reason,
	                          sizeof(reason));
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

int fedjit_provision_precheck(const struct fedjit_prov_ctx *ctx,
                              const struct fedjit_login *requested, struct fedjit_prov_result *ret)
{
	struct prov_run run;
	int r;

	fedjit_prov_run_init(&run, ctx, ret);
	r = precheck(&run, requested);
	if (r < 0)
		fedjit_prov_result(&run, "error", NULL, "checking %s: %s", requested->canonical,
		                   strerror(-r));
	return r;
}

int fedjit_provision_preauth_only(const struct fedjit_prov_ctx *ctx,
                                  const struct fedjit_login *login)
{
	/* the IdP and the checks of nss/preauth.c, in the same order */
	const struct fedjit_idp *idp = fedjit_config_idp_for_login(ctx->config, login);
	struct fedjit_prov_result res;
	struct prov_run run;
	struct fedjit_login l;
	uint32_t uid;
	int r;

	if (!idp || !fedjit_idp_preauth_enabled(idp) ||
	    fedjit_idp_login_from(ctx->config, idp, login, &l, NULL, 0) < 0 ||
	    fedjit_name_policy_check(l.domain, FEDJIT_NAME_USER, l.local, NULL, 0) < 0)
		return 0;
	fedjit_prov_run_init(&run, ctx, &res);
	struct fedjit_prov_name_memo memo = {.nss = fedjit_prov_nss(&run)};
	r = fedjit_name_check_reserved(ctx->config, l.domain, l.canonical,
	                               fedjit_prov_user_by_name_once, &memo, NULL, 0);
	if (r == -EPERM)
		return 0;
	if (r < 0)
		return r;
	/* Another source has it: its account, not fedjit's to refuse (nss/preauth.c
	 * shows sshd nothing for names in /etc/passwd; other sources listed before
	 * fedjit answer sshd themselves). */
	r = fedjit_prov_user_by_name_once(l.canonical, &uid, &memo);
	return r < 0 ? r : r == 0;
}

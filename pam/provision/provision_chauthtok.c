/* SPDX-License-Identifier: Apache-2.0 */
/*
 * op=chauthtok (fedjit_provision_chauthtok): a new local password for a stored account,
 * asked through the conversation (the current one first when one is set) and kept as a
 * yescrypt hash in the root-only secret store.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "common/escape.h"
#include "common/macro.h"
#include "pam/provision/provision_private.h"

static int chauthtok(struct prov_run *run, const struct fedjit_login *user)
{
	struct fedjit_secret_store *ss = NULL;
	struct fedjit_user *u = NULL;
	_cleanup_secret_ char *old = NULL;
	_cleanup_secret_ char *answer = NULL;
	int r;

	run->login = *user;
	r = fedjit_store_open(run->db_file, FEDJIT_STORE_RDONLY, &run->store);
	if (r >= 0) {
		r = fedjit_store_get_user(run->store, run->login.canonical, &u);
		fedjit_store_close(run->store);
		run->store = NULL;
	}
	if (r == -ENOENT) {
		fedjit_prov_result(run, "unknown_user", NULL, "%s is not a fedjit account",
		                   run->login.canonical);
		return 0;
	}
	if (r < 0)
		return r;
	snprintf(run->res->account, sizeof(run->res->account), "%s", u->name);
	snprintf(run->name, sizeof(run->name), "%s", u->name);
	const struct fedjit_idp *idp = fedjit_config_idp(run->ctx->config, u->idp);
	/* A first local password only where the account's IdP makes local passwords
	 * part of its accounts (the password prompt modes); anywhere else it would
	 * be a way to sign in (pam_unix, offline) that the IdP never approved. */
	bool may_create = idp && (idp->prompt == FEDJIT_PROMPT_PASSWORD_CONSENT ||
	                          idp->prompt == FEDJIT_PROMPT_USERNAME_PASSWORD_CONSENT);
	r = (u->flags & FEDJIT_USER_LOCKED) ? 1 : 0;
	fedjit_user_free(u);
	if (r) {
		fedjit_prov_result(run, "locked", "This account is locked.", "account is locked");
		return 0;
	}
	if (!run->ctx->conv) {
		fedjit_prov_result(run, "error", NULL, "a new password needs a person to ask");
		return 0;
	}
	r = fedjit_secret_open(run->secret_db_file, FEDJIT_STORE_CREATE | run->ctx->store_flags,
	                       &ss);
	if (r < 0)
		return r;
	r = fedjit_secret_get_password_hash(ss, run->name, &old);
	if (r == 0) {
		r = fedjit_prov_ask(run, FEDJIT_CONV_ECHO_OFF, "Current local password: ", &answer);
		if (r >= 0)
			r = fedjit_password_verify(answer, old);
		if (r == 0 || r == -ECANCELED) {
			fedjit_prov_result(run, "denied", "The current password is not right.",
			                   "current local password wrong");
			r = 0;
			goto out;
		}
	} else if (r == -ENOENT && !may_create) {
		fedjit_prov_result(
		        run, "unsupported",
		        "The password of this account is managed by its identity provider.",
		        "no local password, and its IdP's prompt mode sets none");
		r = 0;
		goto out;
	} else if (r == -ENOENT) {
		r = 1;
	}
	if (r < 0)
		goto out;
	r = fedjit_prov_prompt_password(run, run->login.local);
	if (r == 0)
		r = fedjit_secret_set_password_hash(ss, run->name, run->pwhash);
	if (r == 0)
		fedjit_prov_result(run, "ok", NULL, "local password changed");
	if (r > 0)
		r = 0;
out:
	fedjit_secret_close(ss);
	return r;
}

int fedjit_provision_chauthtok(const struct fedjit_prov_ctx *ctx, const struct fedjit_login *user,
                               struct fedjit_prov_result *ret)
{
	struct prov_run run;
	int r;

	fedjit_prov_run_init(&run, ctx, ret);
	r = chauthtok(&run, user);
	fedjit_secret_free(run.pwhash);
	if (r < 0)
		fedjit_prov_result(&run, "error", NULL, "changing the password of %s: %s",
		                   user->canonical, strerror(-r));
	syslog(LOG_AUTHPRIV | (strcmp(ret->status, "ok") == 0 ? LOG_INFO : LOG_NOTICE),
	       "provisioning: chauthtok account=%s status=%s: %s",
	       FEDJIT_ESC_FIELD(ret->account[0] ? ret->account : user->canonical), ret->status,
	       fedjit_escape((char[FEDJIT_ESCAPE_SIZE]){0}, FEDJIT_ESCAPE_SIZE, ret->log,
	                     FEDJIT_ESCAPE_LINE));
	return r;
}

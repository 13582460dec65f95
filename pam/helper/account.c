/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The helper's operations that need no IdP: op=account (pam_sm_acct_mgmt) and
 * op=chauthtok, answered from the store in the root parent.
 *
 * op=account: not a fedjit account -> unknown_user (PAM_USER_UNKNOWN: other modules
 * decide); locked -> locked; its IdP no longer configured -> idp_removed; else ok with
 * idp/issuer/subject/account. allowed_groups is enforced at authentication (binding.c),
 * where the IdP's groups claim is at hand; the store keeps local groups only.
 * op=chauthtok: not a fedjit account -> unknown_user; phase=prelim -> ok; phase=update
 * -> the person sets a new local password (fedjit_helper_chauthtok, binding.c: the
 * current one first when one is set), stored as a yescrypt hash in the secret store.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/names.h"
#include "common/store.h"
#include "pam/helper/helper.h"

int fedjit_helper_lookup_user(struct fedjit_helper *h, const char *name, struct fedjit_user **ret)
{
	struct fedjit_store *s = NULL;
	int r;

	r = fedjit_store_open(h->db_file, FEDJIT_STORE_RDONLY, &s);
	if (r < 0)
		return r;
	r = fedjit_store_get_user(s, name, ret);
	fedjit_store_close(s);
	return r;
}

/* msg=result status=ok, with the account's identity when u is given. */
static int send_account_ok(struct fedjit_helper *h, const struct fedjit_user *u)
{
	int r;

	h->done = true;
	r = fedjit_msg_start(h->msg, "result");
	if (r >= 0)
		r = fedjit_msg_add(h->msg, "status", "ok");
	if (r >= 0 && u)
		r = fedjit_msg_add(h->msg, "idp", u->idp);
	if (r >= 0 && u)
		r = fedjit_msg_add(h->msg, "issuer", u->issuer);
	if (r >= 0 && u)
		r = fedjit_msg_add(h->msg, "subject", u->subject);
	if (r >= 0 && u)
		r = fedjit_msg_add(h->msg, "account", u->name);
	if (r >= 0)
		r = fedjit_msg_send(h->module_fd, h->msg, fedjit_proto_now_usec() + 5000000);
	return r;
}

int fedjit_helper_parse_login(struct fedjit_helper *h, const char *user, struct fedjit_login *ret)
{
	char reason[256];
	int r;

	r = fedjit_login_parse(h->config, NULL, user, strlen(user), ret, reason, sizeof(reason));
	if (r < 0)
		return fedjit_helper_result(h, "unknown_user", NULL, "%s", reason) ?: 1;
	snprintf(h->account, sizeof(h->account), "%s", ret->canonical);
	return 0;
}

int fedjit_helper_account_op(struct fedjit_helper *h, const char *op, const char *user,
                             const char *phase)
{
	struct fedjit_login login;
	struct fedjit_user *u = NULL;
	int r;

	r = fedjit_helper_parse_login(h, user, &login);
	if (r != 0)
		return r < 0 ? r : 0; /* unknown_user was sent */
	r = fedjit_helper_lookup_user(h, login.canonical, &u);
	if (r == -ENOENT)
		return fedjit_helper_result(h, "unknown_user", NULL, "%s: not a fedjit account",
		                            op);
	if (r < 0)
		return fedjit_helper_result(h, "error", NULL, "store %s: %s", h->db_file,
		                            fedjit_store_strerror(r));
	if (strcmp(op, "chauthtok") == 0) {
		fedjit_user_free(u);
		/* prelim: a fedjit account, the module may go on; update: the new password */
		if (phase && strcmp(phase, "prelim") == 0)
			return send_account_ok(h, NULL);
		return fedjit_helper_chauthtok(h, login.canonical);
	}
	if (strcmp(op, "account") != 0) {
		fedjit_user_free(u);
		return fedjit_helper_result(h, "unsupported", NULL, "op=%s is not supported yet",
		                            op);
	}
	if (u->flags & FEDJIT_USER_LOCKED)
		r = fedjit_helper_result(h, "locked", "This account is locked.",
		                         "account: %s is locked", u->name);
	else if (!u->idp || !fedjit_config_idp(h->config, u->idp))
		r = fedjit_helper_result(h, "idp_removed",
		                         "The identity provider of this account is gone.",
		                         "account: IdP %s of %s is no longer configured",
		                         u->idp ? u->idp : "-", u->name);
	else
		r = send_account_ok(h, u);
	fedjit_user_free(u);
	return r;
}

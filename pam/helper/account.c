/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The helper's operations on a stored account: op=account (pam_sm_acct_mgmt) and
 * op=chauthtok, answered in the root parent.
 *
 * op=account, after any authentication (a device flow, an SSH key, a local password,
 * GSSAPI): the one decision of pam/provision/access.h without an identity, from the store
 * and the account state record of the private store (what the IdP said last: lock reason,
 * IdP groups, last verification). Not a fedjit account -> unknown_user (PAM_USER_UNKNOWN:
 * other modules decide), except a name that exists only as sshd's pre-authentication
 * entry -> not_provisioned, a refusal whatever else is in the stack; locked, disabled,
 * idp_removed, not_allowed (the groups of the last verification), unverified; else ok
 * with idp/issuer/subject/account.
 * op=chauthtok: not a fedjit account -> unknown_user; phase=prelim -> ok; phase=update
 * -> the person sets a new local password (fedjit_helper_chauthtok, binding.c: the
 * current one first when one is set), stored as a yescrypt hash in the secret store.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <syslog.h>
#include <time.h>

#include "common/account_state.h"
#include "common/names.h"
#include "common/store.h"
#include "pam/helper/helper.h"
#include "pam/provision/access.h"

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

int fedjit_helper_parse_login(struct fedjit_helper *h, const char *user)
{
	char reason[256];
	int r;

	r = fedjit_login_parse(h->config, NULL, user, strlen(user), &h->login, reason,
	                       sizeof(reason));
	if (r < 0)
		return fedjit_helper_result(h, "unknown_user", NULL, "%s", reason) ?: 1;
	snprintf(h->account, sizeof(h->account), "%s", h->login.canonical);
	return 0;
}

const char *fedjit_helper_secret_db(const struct fedjit_helper *h)
{
	return h->config->global.secret_db_file ? h->config->global.secret_db_file
	                                        : FEDJIT_SECRET_DB_FILE;
}

int fedjit_helper_load_state(struct fedjit_helper *h, const char *name,
                             struct fedjit_account_state **ret)
{
	struct fedjit_store *s = NULL;
	int r;

	*ret = NULL;
	r = fedjit_store_open(h->db_file, FEDJIT_STORE_RDONLY, &s);
	if (r >= 0) {
		r = fedjit_store_get_state(s, name, ret);
		fedjit_store_close(s);
	}
	return r == -ENOENT ? 0 : r; /* no store, or no record: nothing recorded */
}

int fedjit_helper_account_decision(struct fedjit_helper *h, const struct fedjit_user *u,
                                   struct fedjit_access *ret, const char **ret_what)
{
	_cleanup_state_ struct fedjit_account_state *st = NULL;
	int preauth = 0, r;

	if (!u) {
		preauth = fedjit_helper_preauth_only(h);
		if (preauth < 0) {
			*ret_what = "checking for sshd's pre-authentication entry";
			return preauth;
		}
	} else {
		r = fedjit_helper_load_state(h, u->name, &st);
		if (r < 0) {
			*ret_what = "reading the account state";
			return r;
		}
	}
	fedjit_access_decide(
	        &(struct fedjit_access_in){
	                .config = h->config,
	                .name = h->login.canonical,
	                .named = u,
	                .state = st,
	                .preauth_only = preauth > 0,
	                .now = time(NULL),
	        },
	        ret);
	return 0;
}

/* op=account: revalidation when due, then the one decision (pam/provision/access.h)
 * without an identity. */
static int account_phase(struct fedjit_helper *h, struct fedjit_user **u)
{
	struct fedjit_reval_outcome o = {.status = "fresh"};
	struct fedjit_access a;
	const char *what = "";
	char reval[1200] = "";
	int r = 0;

	if (*u)
		r = fedjit_helper_revalidate_if_due(h, *u, &o);
	if (r < 0)
		return fedjit_helper_result(h, "error", NULL, "account: revalidation: %s",
		                            strerror(-r));
	if (strcmp(o.status, "fresh") != 0) {
		/* what the revalidation changed (a lock, groups) is what is decided on */
		snprintf(reval, sizeof(reval), "; revalidation: %s: %s", o.status, o.log);
		fedjit_user_free(*u);
		*u = NULL;
		r = fedjit_helper_lookup_user(h, h->login.canonical, u);
		if (r < 0 && r != -ENOENT)
			return fedjit_helper_result(h, "error", NULL, "store %s: %s", h->db_file,
			                            fedjit_store_strerror(r));
	}
	r = fedjit_helper_account_decision(h, *u, &a, &what);
	if (r < 0)
		return fedjit_helper_result(h, "error", NULL, "account: %s: %s", what,
		                            strerror(-r));
	if (a.reason == FEDJIT_ACCESS_OK) {
		if (reval[0])
			syslog(LOG_INFO, "%s: user %s: account%s", h->service, h->account, reval);
		return send_account_ok(h, *u);
	}
	return fedjit_helper_result(h, a.status, a.message, "account: %s%s", a.log, reval);
}

int fedjit_helper_account_op(struct fedjit_helper *h, const char *op, const char *phase)
{
	struct fedjit_user *u = NULL;
	int r;

	r = fedjit_helper_lookup_user(h, h->login.canonical, &u);
	if (r < 0 && r != -ENOENT)
		return fedjit_helper_result(h, "error", NULL, "store %s: %s", h->db_file,
		                            fedjit_store_strerror(r));
	if (strcmp(op, "account") == 0) {
		r = account_phase(h, &u);
		fedjit_user_free(u);
		return r;
	}
	if (!u)
		return fedjit_helper_result(h, "unknown_user", NULL, "%s: not a fedjit account",
		                            op);
	fedjit_user_free(u);
	if (strcmp(op, "chauthtok") == 0) {
		/* prelim: a fedjit account, the module may go on; update: the new password */
		if (phase && strcmp(phase, "prelim") == 0)
			return send_account_ok(h, NULL);
		return fedjit_helper_chauthtok(h);
	}
	return fedjit_helper_result(h, "unsupported", NULL, "op=%s is not supported yet", op);
}

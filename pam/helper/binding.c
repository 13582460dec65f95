/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Binding a verified federated identity to the account the PAM user names
 * (ARCHITECTURE.md invariants 3 and 4): an account is owned by exactly one (issuer,
 * subject); a name claim never authenticates an existing account. Runs in the root
 * parent, after the network child reported the verified identity.
 *
 * When the IdP provisions (provisioning = always or as-in-username), provisioning decides
 * instead (provision_calls.c, pam/provision/provision.h): it binds existing accounts by
 * the same rules, re-syncs their attributes and groups, and creates new ones. With
 * provisioning = none nothing can be created and the binding below answers, with the
 * same decision (pam/provision/access.h), and records the verification for the account
 * the identity owns (common/account_state.h) as provisioning does.
 */

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "common/account_state.h"
#include "common/escape.h"
#include "common/macro.h"
#include "common/store.h"
#include "pam/helper/helper.h"
#include "pam/provision/access.h"
#include "pam/provision/provision.h"

/* Sends msg=result status=ok for the account the identity owns (chosen: see
 * fedjit_prov_result). */
int fedjit_helper_send_ok(struct fedjit_helper *h, const char *issuer, const char *subject,
                          const char *account, bool chosen)
{
	int r = fedjit_msg_start(h->msg, "result");

	if (r >= 0)
		r = fedjit_msg_add(h->msg, "status", "ok");
	if (r >= 0)
		r = fedjit_msg_add(h->msg, "idp", h->idp->name);
	if (r >= 0)
		r = fedjit_msg_add(h->msg, "issuer", issuer);
	if (r >= 0)
		r = fedjit_msg_add(h->msg, "subject", subject);
	if (r >= 0)
		r = fedjit_msg_add(h->msg, "account", account);
	if (r >= 0 && chosen)
		r = fedjit_msg_add_bool(h->msg, "chosen", true);
	syslog(LOG_INFO, "%s: user %s: authenticated by %s as (%s, %s)", FEDJIT_ESC(h->service),
	       h->account, h->idp->name, FEDJIT_ESC(issuer), FEDJIT_ESC(subject));
	if (r >= 0) {
		h->done = true;
		r = fedjit_msg_send(h->module_fd, h->msg, h->deadline_usec);
	}
	return r;
}

int fedjit_helper_bind(struct fedjit_helper *h, const char *issuer, const char *subject,
                       const struct fedjit_msg *identity)
{
	struct fedjit_store *s = NULL;
	struct fedjit_user *owned = NULL, *named = NULL;
	_cleanup_state_ struct fedjit_account_state *st = NULL;
	_cleanup_free_ char *groups_buf = NULL;
	struct fedjit_identity id;
	struct fedjit_access a;
	int r;

	if (h->idp->provisioning != FEDJIT_PROVISIONING_NONE)
		return fedjit_helper_provision(h, issuer, subject, identity);

	r = fedjit_identity_from_msg(identity, &id, &groups_buf);
	if (r < 0)
		return fedjit_helper_result(h, "error", NULL, "%s: identity (%s, %s): %s",
		                            h->idp->name, FEDJIT_ESC(issuer), FEDJIT_ESC(subject),
		                            strerror(-r));
	/* The store is opened only here and closed before anything can reach NSS. */
	r = fedjit_store_open(h->db_file, FEDJIT_STORE_RDONLY, &s);
	if (r >= 0) {
		r = fedjit_store_get_user_by_link(s, issuer, subject, &owned);
		if (r == -ENOENT)
			r = fedjit_store_get_user(s, h->login.canonical, &named);
		fedjit_store_close(s);
	}
	if (r < 0 && r != -ENOENT)
		return fedjit_helper_result(h, "error", NULL, "store %s: %s", h->db_file,
		                            fedjit_store_strerror(r));
	if (owned) {
		r = fedjit_helper_load_state(h, owned->name, &st);
		if (r < 0) {
			fedjit_user_free(owned);
			return fedjit_helper_result(h, "error", NULL, "secret store %s: %s",
			                            fedjit_helper_secret_db(h),
			                            fedjit_store_strerror(r));
		}
	}
	/* the one decision (pam/provision/access.h), as provisioning takes it */
	fedjit_access_decide(
	        &(struct fedjit_access_in){
	                .config = h->config,
	                .idp = h->idp,
	                .name = h->login.canonical,
	                .id = &id,
	                .owned = owned,
	                .named = named,
	                .state = st,
	                .now = time(NULL),
	        },
	        &a);
	if (owned)
		fedjit_helper_record_login(h, &id, owned->name, a.reason == FEDJIT_ACCESS_OK);
	if (a.reason == FEDJIT_ACCESS_OK)
		r = fedjit_helper_send_ok(h, issuer, subject, owned->name, false);
	else
		r = fedjit_helper_result(h, a.status, a.message,
		                         "%s: identity (%s, %s) [claimed name %s]: %s",
		                         h->idp->name, FEDJIT_ESC(issuer), FEDJIT_ESC(subject),
		                         FEDJIT_ESC(id.username), a.log);
	fedjit_user_free(owned);
	fedjit_user_free(named);
	return r;
}

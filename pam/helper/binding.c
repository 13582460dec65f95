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
 * provisioning = none nothing can be created and the binding below answers.
 */

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <syslog.h>

#include "common/escape.h"
#include "common/macro.h"
#include "common/store.h"
#include "pam/helper/helper.h"
#include "pam/provision/provision.h" /* the refusal texts of allowed_groups */

/* allowed_groups: the identity's groups claim (LF separated) must name one of them. */
static bool groups_allowed(const struct fedjit_idp *idp, const char *groups)
{
	if (!idp->allowed_groups)
		return true;
	for (const char *p = groups; p && *p;) {
		size_t n = strcspn(p, "\n");

		for (char **a = idp->allowed_groups; *a; a++)
			if (strlen(*a) == n && strncmp(*a, p, n) == 0)
				return true;
		p += n;
		if (*p)
			p++;
	}
	return false;
}

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
	const char *claimed = fedjit_msg_get(identity, "username");
	const char *groups_claim = fedjit_msg_get(identity, "groups_claim");
	bool no_groups_claim = groups_claim && strcmp(groups_claim, "absent") == 0;
	int r;

	if (h->idp->provisioning != FEDJIT_PROVISIONING_NONE)
		return fedjit_helper_provision(h, issuer, subject, identity);

	/* The store is opened only here and closed before anything can reach NSS. */
	r = fedjit_store_open(h->db_file, FEDJIT_STORE_RDONLY, &s);
	if (r == -ENOENT)
		return fedjit_helper_result(h, "no_account", "There is no account for you here.",
		                            "%s: identity (%s, %s) owns no account (no store yet)",
		                            h->idp->name, FEDJIT_ESC(issuer), FEDJIT_ESC(subject));
	if (r < 0)
		return fedjit_helper_result(h, "error", NULL, "store %s: %s", h->db_file,
		                            fedjit_store_strerror(r));
	r = fedjit_store_get_user_by_link(s, issuer, subject, &owned);
	if (r == -ENOENT)
		r = fedjit_store_get_user(s, h->account, &named);
	fedjit_store_close(s);

	if (owned) {
		if (strcmp(owned->name, h->account) != 0) {
			r = fedjit_helper_result(
			        h, "wrong_account",
			        "You signed in as someone who does not own this account.",
			        "%s: identity (%s, %s) [claimed name %s] owns account %s, not %s",
			        h->idp->name, FEDJIT_ESC(issuer), FEDJIT_ESC(subject),
			        FEDJIT_ESC(claimed), owned->name, h->account);
		} else if (!groups_allowed(h->idp, fedjit_msg_get(identity, "groups")) &&
		           no_groups_claim) {
			r = fedjit_helper_result(
			        h, "not_allowed", FEDJIT_NO_GROUPS_CLAIM_MESSAGE,
			        "%s: identity (%s, %s): " FEDJIT_NO_GROUPS_CLAIM_LOG, h->idp->name,
			        FEDJIT_ESC(issuer), FEDJIT_ESC(subject), h->idp->groups_claim,
			        h->idp->scopes);
		} else if (!groups_allowed(h->idp, fedjit_msg_get(identity, "groups"))) {
			r = fedjit_helper_result(
			        h, "not_allowed", "You are not in a group allowed to sign in here.",
			        "%s: identity (%s, %s) is in none of allowed_groups", h->idp->name,
			        FEDJIT_ESC(issuer), FEDJIT_ESC(subject));
		} else if (owned->flags & FEDJIT_USER_LOCKED) {
			r = fedjit_helper_result(h, "locked", "This account is locked.",
			                         "%s: identity (%s, %s) owns locked account %s",
			                         h->idp->name, FEDJIT_ESC(issuer),
			                         FEDJIT_ESC(subject), owned->name);
		} else {
			r = fedjit_helper_send_ok(h, issuer, subject, owned->name, false);
		}
		fedjit_user_free(owned);
		return r;
	}
	if (named) {
		r = fedjit_helper_result(h, "wrong_account",
		                         "You signed in as someone who does not own this account.",
		                         "%s: identity (%s, %s) [claimed name %s] tried account %s "
		                         "owned by (%s, %s)",
		                         h->idp->name, FEDJIT_ESC(issuer), FEDJIT_ESC(subject),
		                         FEDJIT_ESC(claimed), named->name,
		                         FEDJIT_ESC(named->issuer), FEDJIT_ESC(named->subject));
		fedjit_user_free(named);
		return r;
	}
	if (r != -ENOENT)
		return fedjit_helper_result(h, "error", NULL, "store %s: %s", h->db_file,
		                            fedjit_store_strerror(r));
	return fedjit_helper_result(h, "no_account", "There is no account for you here.",
	                            "%s: identity (%s, %s) [claimed name %s] owns no account and "
	                            "provisioning is off",
	                            h->idp->name, FEDJIT_ESC(issuer), FEDJIT_ESC(subject),
	                            FEDJIT_ESC(claimed));
}

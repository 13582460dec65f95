/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Binding a verified federated identity to the account the PAM user names (DESIGN.md
 * invariants 3 and 4): an account is owned by exactly one (issuer, subject); a name claim
 * never authenticates an existing account. Runs in the root parent, after the network
 * child reported the verified identity.
 *
 * When the IdP provisions (provisioning = always or as-in-username), one call to
 * fedjit_provision_login() (provision.h) decides instead: it binds existing accounts by
 * the same rules, re-syncs their attributes and groups, and creates new ones, asking the
 * person through the module (consent, password) when the IdP's prompt says so. With
 * provisioning = none nothing can be created and the binding below answers as before.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "common/macro.h"
#include "common/store.h"
#include "pam/helper/helper.h"
#include "pam/provision/provision.h"

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
static int send_ok(struct fedjit_helper *h, const char *issuer, const char *subject,
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
	syslog(LOG_INFO, "%s: user %s: authenticated by %s as (%s, %s)", h->service, h->account,
	       h->idp->name, issuer, subject);
	if (r >= 0) {
		h->done = true;
		r = fedjit_msg_send(h->module_fd, h->msg, h->deadline_usec);
	}
	return r;
}

/* The provisioning context of this request; conv asks through the module. */
static struct fedjit_prov_ctx prov_ctx(struct fedjit_helper *h, struct fedjit_proto_conv *conv)
{
	*conv = (struct fedjit_proto_conv){.fd = h->module_fd};
	return (struct fedjit_prov_ctx){
	        .config = h->config,
	        .idp = h->idp,
	        .db_file = h->db_file,
	        .service = h->service,
	        .switch_user = h->switch_user,
	        .conv = fedjit_provision_proto_conv,
	        .conv_userdata = conv,
	};
}

int fedjit_helper_precheck(struct fedjit_helper *h, const char *user)
{
	struct fedjit_proto_conv conv;
	struct fedjit_prov_ctx ctx = prov_ctx(h, &conv);
	struct fedjit_prov_result res;
	int r = fedjit_provision_precheck(&ctx, user, &res);

	if (r > 0)
		return 0;
	return fedjit_helper_result(h, res.status, NULL, "%s: %s", h->idp->name, res.log) ?: 1;
}

int fedjit_helper_chauthtok(struct fedjit_helper *h, const char *user)
{
	struct fedjit_proto_conv conv;
	struct fedjit_prov_ctx ctx = prov_ctx(h, &conv);
	struct fedjit_prov_result res;

	(void)fedjit_provision_chauthtok(&ctx, user, &res);
	return fedjit_helper_result(h, res.status, res.message[0] ? res.message : NULL, "%s",
	                            res.log);
}

int fedjit_helper_send_approved(struct fedjit_helper *h)
{
	int r = fedjit_msg_start(h->msg, "approved");

	return r < 0 ? r : fedjit_msg_send(h->module_fd, h->msg, h->deadline_usec);
}

/* provisioning != none: provisioning binds, re-syncs or creates (provision.h). */
static int provision(struct fedjit_helper *h, const char *issuer, const char *subject,
                     const struct fedjit_msg *identity)
{
	struct fedjit_identity id;
	struct fedjit_proto_conv conv;
	struct fedjit_prov_ctx ctx = prov_ctx(h, &conv);
	struct fedjit_prov_result res;
	_cleanup_free_ char *groups = NULL;
	int r = fedjit_identity_from_msg(identity, &id, &groups);

	if (r < 0)
		return fedjit_helper_result(h, "error", NULL, "%s: identity (%s, %s): %s",
		                            h->idp->name, issuer, subject, strerror(-r));
	r = fedjit_helper_send_approved(h);
	if (r < 0)
		return fedjit_helper_result(h, "error", NULL, "module gone: %s", strerror(-r));
	r = fedjit_provision_login(&ctx, &id, h->account, &res);
	if (r < 0 || strcmp(res.status, "ok") != 0)
		return fedjit_helper_result(h, res.status, res.message[0] ? res.message : NULL,
		                            "%s", res.log);
	return send_ok(h, id.issuer, id.subject, res.account, res.chosen);
}

int fedjit_helper_bind(struct fedjit_helper *h, const char *issuer, const char *subject,
                       const struct fedjit_msg *identity)
{
	struct fedjit_store *s = NULL;
	struct fedjit_user *owned = NULL, *named = NULL;
	const char *claimed = fedjit_msg_get(identity, "username");
	int r;

	if (h->idp->provisioning != FEDJIT_PROVISIONING_NONE)
		return provision(h, issuer, subject, identity);

	/* The store is opened only here and closed before anything can reach NSS. */
	r = fedjit_store_open(h->db_file, FEDJIT_STORE_RDONLY, &s);
	if (r == -ENOENT)
		return fedjit_helper_result(h, "no_account", "There is no account for you here.",
		                            "%s: identity (%s, %s) owns no account (no store yet)",
		                            h->idp->name, issuer, subject);
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
			        h->idp->name, issuer, subject, claimed ? claimed : "-", owned->name,
			        h->account);
		} else if (!groups_allowed(h->idp, fedjit_msg_get(identity, "groups"))) {
			r = fedjit_helper_result(
			        h, "not_allowed", "You are not in a group allowed to sign in here.",
			        "%s: identity (%s, %s) is in none of allowed_groups", h->idp->name,
			        issuer, subject);
		} else if (owned->flags & FEDJIT_USER_LOCKED) {
			r = fedjit_helper_result(h, "locked", "This account is locked.",
			                         "%s: identity (%s, %s) owns locked account %s",
			                         h->idp->name, issuer, subject, owned->name);
		} else {
			r = send_ok(h, issuer, subject, owned->name, false);
		}
		fedjit_user_free(owned);
		return r;
	}
	if (named) {
		r = fedjit_helper_result(h, "wrong_account",
		                         "You signed in as someone who does not own this account.",
		                         "%s: identity (%s, %s) [claimed name %s] tried account %s "
		                         "owned by (%s, %s)",
		                         h->idp->name, issuer, subject, claimed ? claimed : "-",
		                         named->name, named->issuer ? named->issuer : "-",
		                         named->subject ? named->subject : "-");
		fedjit_user_free(named);
		return r;
	}
	if (r != -ENOENT)
		return fedjit_helper_result(h, "error", NULL, "store %s: %s", h->db_file,
		                            fedjit_store_strerror(r));
	return fedjit_helper_result(h, "no_account", "There is no account for you here.",
	                            "%s: identity (%s, %s) [claimed name %s] owns no account and "
	                            "provisioning is off",
	                            h->idp->name, issuer, subject, claimed ? claimed : "-");
}

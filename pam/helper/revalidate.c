/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Revalidation in the root parent (ARCHITECTURE.md invariant 10): ask an account's IdP
 * again, without the person, with the refresh token kept from its last device-flow
 * login, and act on the answer. For op=revalidate (`fedjit revalidate`, its timer) and
 * for the account phase (account.c) when the last verification is older than the
 * IdP's revalidate_after. The statuses are pam/proto/proto.h's REVALIDATION.
 *
 *   locked, or its IdP gone        not asked (a lock is never lifted here)
 *   verified within revalidate_after, not forced
 *                                  fresh: not asked
 *   no refresh token for the IdP's issuer and client_id, or one past the expiry
 *   the IdP gave it                no_token: not asked (the attempt is recorded)
 *   the network child's refresh grant (refresh_flow.c):
 *     an identity with claims      ok: the subject must be the account's; then the
 *                                  same decision and re-sync as a login
 *                                  (fedjit_provision_login, ctx.revalidation): claims,
 *                                  groups (a group removed at the IdP removes the
 *                                  mapped local group), last_verified, the rotated
 *                                  refresh token
 *     an identity without claims   (no new ID token, no UserInfo claims) the grant
 *                                  is alive, nothing else is known. The rotated
 *                                  token is kept; then, when the IdP's allowed_groups,
 *                                  group_map or create_groups need the groups: error,
 *                                  not a verification (the groups can be neither
 *                                  confirmed nor taken away: they stay, bounded by the
 *                                  offline policy like an IdP that cannot be asked);
 *                                  else ok: last_verified, the groups stay (unused)
 *     invalid_grant, another subject
 *                                  disabled: locked (reason "disabled at the IdP",
 *                                  refresh token erased), sessions ended, audited
 *     unreachable, timeout, error  nothing changes but the record of the attempt
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "common/account_state.h"
#include "common/audit.h"
#include "common/macro.h"
#include "common/sessions.h"
#include "common/store.h"
#include "pam/helper/helper.h"
#include "pam/provision/provision.h"

/* The longest a revalidation may take: the network child's deadline. */
#define REVAL_TIMEOUT_MAX 60
/* What the module leaves the account phase by default (pam_fedjit.c ACCOUNT_TIMEOUT),
 * less the margin after which the module kills the helper. */
#define REVAL_ACCOUNT_TIMEOUT 25

/* The store with its private store, where the account state records are. */
static int open_store(struct fedjit_helper *h, bool write, struct fedjit_store **ret)
{
	return fedjit_store_open(h->db_file, write ? FEDJIT_STORE_POINT : FEDJIT_STORE_RDONLY, ret);
}

static void record_check(struct fedjit_helper *h, const char *name, enum fedjit_check_result c)
{
	struct fedjit_store *store = NULL;
	int r = open_store(h, true, &store);

	if (r >= 0)
		r = fedjit_store_record_check(store, name, c, (int64_t)time(NULL));
	fedjit_store_close(store);
	if (r < 0)
		syslog(LOG_ERR, "revalidation of %s: recording the attempt: %s", name,
		       fedjit_store_strerror(r));
}

static void outcome(struct fedjit_reval_outcome *ret, const char *status, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static void outcome(struct fedjit_reval_outcome *ret, const char *status, const char *fmt, ...)
{
	va_list ap;

	ret->status = status;
	va_start(ap, fmt);
	vsnprintf(ret->log, sizeof(ret->log), fmt, ap);
	va_end(ap);
}

/* The refresh token to ask with: held, for this IdP's issuer and client, not past the
 * expiry the IdP gave it. 1 and *ret, 0 none (why in *ret_why), -errno. */
static int usable_token(struct fedjit_helper *h, const char *name,
                        struct fedjit_refresh_token **ret, const char **ret_why)
{
	struct fedjit_store *store = NULL;
	struct fedjit_refresh_token *t = NULL;
	int r = open_store(h, false, &store);

	*ret_why = "no refresh token held";
	if (r == -ENOENT)
		return 0;
	if (r >= 0)
		r = fedjit_store_get_refresh_token(store, name, &t);
	fedjit_store_close(store);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (strcmp(t->issuer, h->idp->issuer) != 0 || strcmp(t->client_id, h->idp->client_id) != 0)
		*ret_why = "the refresh token held was issued to another issuer or client_id";
	else if (t->expires > 0 && t->expires <= (int64_t)time(NULL))
		*ret_why = "the refresh token held is past the expiry the IdP gave it";
	else {
		*ret = t;
		return 1;
	}
	fedjit_refresh_token_free(t); /* not presented: that is no revocation */
	return 0;
}

/* The IdP refused: lock as "disabled at the IdP" (the user record's flag first, so the
 * next login is refused even if the rest fails), erase the token, end the sessions,
 * audit. */
static void lock_disabled(struct fedjit_helper *h, const struct fedjit_user *u, const char *why,
                          struct fedjit_reval_outcome *ret)
{
	struct fedjit_store *s = NULL;
	struct fedjit_sessions_result sr = {0};
	char reason[600];
	int r;

	r = open_store(h, true, &s);
	if (r >= 0)
		r = fedjit_store_set_locked(s, u->name, true);
	if (r >= 0)
		r = fedjit_store_set_lock_reason(s, u->name, FEDJIT_LOCK_IDP);
	if (r >= 0)
		r = fedjit_store_record_check(s, u->name, FEDJIT_CHECK_DISABLED,
		                              (int64_t)time(NULL));
	fedjit_store_close(s);
	snprintf(reason, sizeof(reason), "disabled at the IdP: %s", why);
	fedjit_audit_account(FEDJIT_AUDIT_LOCK, u->name, u->uid, "revalidation", reason, r >= 0);
	if (r < 0) {
		outcome(ret, "error", "%s; locking %s failed: %s", why, u->name,
		        fedjit_store_strerror(r));
		return;
	}
	/* The one place a revalidation ends sessions (common/sessions.h). */
	r = fedjit_sessions_end(u->uid, FEDJIT_SESSIONS_GRACE_MS, &sr);
	ret->sessions_ended = sr.logind || sr.found > 0;
	outcome(ret, "disabled",
	        "%s; locked (disabled at the IdP), refresh token erased; sessions: %s%s", why,
	        sr.text[0] ? sr.text : "none running",
	        r < 0 && r != -EBUSY ? " (ending them failed)" : "");
}

/* An identity without claims (why: the child's claims_missing): the grant is alive.
 * Without the groups the configuration decides by, that is no verification. */
static int verified_bare(struct fedjit_helper *h, const struct fedjit_user *u, const char *why,
                         struct fedjit_reval_outcome *ret)
{
	const struct fedjit_idp *idp = h->idp;

	if (idp->allowed_groups || idp->n_group_map > 0 || idp->create_groups) {
		record_check(h, u->name, FEDJIT_CHECK_ERROR);
		outcome(ret, "error",
		        "the refresh grant succeeded without a new ID token and without claims "
		        "(%.300s): the groups that allowed_groups, group_map or create_groups "
		        "need are not confirmed, so this is no verification (the groups stay; "
		        "the account logs in for revalidate_after + offline_grace after its last "
		        "verification)",
		        why);
		return 0;
	}

	struct fedjit_store *store = NULL;
	_cleanup_state_ struct fedjit_account_state *old = NULL;
	struct fedjit_account_state st;
	int64_t now = (int64_t)time(NULL);
	int r = open_store(h, true, &store);

	if (r >= 0) {
		r = fedjit_store_get_state(store, u->name, &old);
		if (r == -ENOENT)
			r = 0;
	}
	if (r >= 0) {
		st = old ? *old : (struct fedjit_account_state){0};
		st.last_verified = now;
		st.verified_by = FEDJIT_VERIFIED_REFRESH;
		st.last_check = now;
		st.check_result = FEDJIT_CHECK_OK;
		r = fedjit_store_record_verified(store, u->name, &st, NULL);
	}
	fedjit_store_close(store);
	if (r < 0)
		return r;
	ret->last_verified = now;
	ret->access = "ok";
	outcome(ret, "ok",
	        "the refresh grant succeeded without a new ID token and without claims "
	        "(%.300s); no setting uses groups",
	        why);
	return 0;
}

/* A rotated refresh token, kept before anything else: the one the IdP replaced is dead,
 * and presenting it again would read as a revocation (invalid_grant). */
static int keep_rotated(struct fedjit_helper *h, const struct fedjit_user *u,
                        const struct fedjit_identity *id)
{
	struct fedjit_store *store = NULL;
	int64_t now = (int64_t)time(NULL);
	struct fedjit_refresh_token tok = {
	        .obtained = now,
	        .expires = id->refresh_expires_in > 0 ? now + id->refresh_expires_in : 0,
	        .issuer = h->idp->issuer,
	        .client_id = h->idp->client_id,
	        .token = (char *)id->refresh_token,
	};
	int r = open_store(h, true, &store);

	if (r >= 0)
		r = fedjit_store_set_refresh_token(store, u->name, &tok);
	fedjit_store_close(store);
	if (r < 0)
		syslog(LOG_ERR,
		       "revalidation of %s: keeping the rotated refresh token failed: %s (the next "
		       "revalidation may find the old one refused)",
		       u->name, fedjit_store_strerror(r));
	return r;
}

/* The child's identity: the account's subject, then a re-sync as at a login. */
static int verified(struct fedjit_helper *h, const struct fedjit_user *u,
                    const struct fedjit_msg *m, struct fedjit_reval_outcome *ret)
{
	struct fedjit_identity id;
	_cleanup_free_ char *groups = NULL;
	struct fedjit_prov_result res;
	bool claims = true;
	int r = fedjit_identity_from_msg(m, &id, &groups);

	if (r < 0)
		return r;
	if (strcmp(id.issuer, u->issuer) != 0 || strcmp(id.subject, u->subject) != 0) {
		lock_disabled(h, u, "the IdP answered for another subject", ret);
		return 0;
	}
	if (id.refresh_token && keep_rotated(h, u, &id) >= 0)
		ret->token_rotated = true;
	id.refresh_token = NULL; /* kept, whatever the re-sync decides */
	if (fedjit_msg_get_bool(m, "claims", &claims) == 0 && !claims)
		return verified_bare(h, u, fedjit_msg_get(m, "claims_missing") ?: "-", ret);
	const struct fedjit_prov_ctx ctx = {
	        .config = h->config,
	        .idp = h->idp,
	        .db_file = h->db_file,
	        .service = h->service,
	        .revalidation = true,
	};
	r = fedjit_provision_login(&ctx, &id, &h->login, &res);
	if (r < 0) {
		outcome(ret, "error", "re-sync: %s", res.log);
		return 0;
	}
	ret->groups_changed = res.groups_changed;
	ret->last_verified = (int64_t)time(NULL);
	ret->access = res.status;
	outcome(ret, "ok", "verified by the IdP; %s", res.log);
	return 0;
}

int fedjit_helper_revalidate(struct fedjit_helper *h, const struct fedjit_user *u, bool force,
                             struct fedjit_reval_outcome *ret)
{
	_cleanup_state_ struct fedjit_account_state *st = NULL;
	struct fedjit_refresh_token *tok = NULL;
	struct fedjit_helper_reval rv = {.subject = u->subject};
	int64_t now = (int64_t)time(NULL);
	uint64_t timeout;
	const char *why = "";
	int r;

	*ret = (struct fedjit_reval_outcome){.status = "error"};
	h->idp = u->idp ? fedjit_config_idp(h->config, u->idp) : NULL;
	r = fedjit_helper_load_state(h, u->name, &st);
	if (r < 0)
		return r;
	ret->last_verified = st ? st->last_verified : 0;
	if (u->flags & FEDJIT_USER_LOCKED) {
		outcome(ret, "locked", "locked (%s): not asked",
		        fedjit_lock_reason_string(st && st->lock_reason ? st->lock_reason
		                                                        : FEDJIT_LOCK_ADMIN));
		return 0;
	}
	if (!h->idp) {
		outcome(ret, "idp_removed", "its IdP %s is not configured any more",
		        u->idp ? u->idp : "-");
		return 0;
	}
	if (!force && st && st->last_verified > 0 &&
	    (h->idp->revalidate_after == 0 || now - st->last_verified < h->idp->revalidate_after)) {
		outcome(ret, "fresh", "verified %lld s ago", (long long)(now - st->last_verified));
		return 0;
	}
	r = usable_token(h, u->name, &tok, &why);
	if (r < 0)
		return r;
	if (r == 0) {
		record_check(h, u->name, FEDJIT_CHECK_NO_TOKEN);
		outcome(ret, "no_token", "%s", why);
		return 0;
	}
	ret->token_held = true;
	rv.token = strdup(tok->token);
	fedjit_refresh_token_free(tok);
	if (!rv.token)
		return -ENOMEM;

	/* the network child, as for a login, bounded */
	timeout = h->request_timeout ? h->request_timeout : REVAL_TIMEOUT_MAX;
	if (timeout > REVAL_TIMEOUT_MAX)
		timeout = REVAL_TIMEOUT_MAX;
	if (h->idp->timeout && timeout > h->idp->timeout)
		timeout = h->idp->timeout;
	h->deadline_usec = fedjit_proto_now_usec() + timeout * 1000000;
	h->reval = &rv;
	r = fedjit_helper_load_idp(h);
	if (r == 0)
		r = fedjit_helper_run_login(h);
	h->reval = NULL;
	h->done = false; /* the caller answers */
	fedjit_secret_free(rv.token);

	if (r >= 0 && strcmp(rv.status, "identity") == 0)
		r = verified(h, u, rv.identity, ret);
	else if (r >= 0 && strcmp(rv.status, "disabled") == 0)
		lock_disabled(h, u, rv.log, ret);
	else if (r >= 0) {
		bool down =
		        strcmp(rv.status, "unreachable") == 0 || strcmp(rv.status, "timeout") == 0;

		record_check(h, u->name, down ? FEDJIT_CHECK_UNREACHABLE : FEDJIT_CHECK_ERROR);
		outcome(ret, down ? "unreachable" : "error", "%.900s",
		        rv.log[0] ? rv.log : "the network child gave no answer");
	}
	fedjit_msg_free(rv.identity);
	if (r >= 0)
		syslog(strcmp(ret->status, "ok") == 0 ? LOG_INFO : LOG_NOTICE,
		       "%s: revalidation of %s: %s: %s", h->service, u->name, ret->status,
		       ret->log);
	return r;
}

/* What the result says beside the status (pam/proto/proto.h REVALIDATION). */
static int send_outcome(struct fedjit_helper *h, const struct fedjit_user *u,
                        const struct fedjit_reval_outcome *o)
{
	_cleanup_state_ struct fedjit_account_state *st = NULL;
	struct fedjit_store *store = NULL;
	struct fedjit_msg *m = h->msg;
	int held = 0, r;

	(void)fedjit_helper_load_state(h, u->name, &st);
	if (open_store(h, false, &store) >= 0) {
		held = fedjit_store_has_refresh_token(store, u->name);
		fedjit_store_close(store);
	}
	syslog(strcmp(o->status, "ok") == 0 || strcmp(o->status, "fresh") == 0 ? LOG_INFO
	                                                                       : LOG_NOTICE,
	       "%s: user %s: %s: %s", h->service, u->name, o->status, o->log);
	h->done = true;
	r = fedjit_msg_start(m, "result");
	if (r >= 0)
		r = fedjit_msg_add(m, "status", o->status);
	if (r >= 0 && fedjit_msg_add(m, "log", o->log) < 0)
		r = fedjit_msg_add(m, "log", "(reason not printable)");
	if (r >= 0)
		r = fedjit_msg_add(m, "account", u->name);
	if (r >= 0 && u->idp)
		r = fedjit_msg_add(m, "idp", u->idp);
	if (r >= 0)
		r = fedjit_msg_add_uint(m, "last_verified",
		                        st && st->last_verified > 0 ? (uint64_t)st->last_verified
		                                                    : 0);
	if (r >= 0)
		r = fedjit_msg_add(m, "lock_reason",
		                   !(u->flags & FEDJIT_USER_LOCKED) &&
		                                   strcmp(o->status, "disabled") != 0
		                           ? "none"
		                   : st && st->lock_reason == FEDJIT_LOCK_IDP ? "idp"
		                                                              : "administrator");
	if (r >= 0)
		r = fedjit_msg_add_bool(m, "refresh_token", held > 0);
	if (r >= 0)
		r = fedjit_msg_add_bool(m, "groups_changed", o->groups_changed);
	if (r >= 0)
		r = fedjit_msg_add_bool(m, "token_rotated", o->token_rotated);
	if (r >= 0)
		r = fedjit_msg_add_bool(m, "sessions_ended", o->sessions_ended);
	if (r >= 0 && strcmp(o->status, "ok") == 0 && o->access)
		r = fedjit_msg_add(m, "access", o->access);
	if (r >= 0 && strcmp(o->status, "unreachable") == 0) {
		const struct fedjit_idp *idp = fedjit_config_idp(h->config, u->idp);
		int64_t last = st ? st->last_verified : 0, now = (int64_t)time(NULL);
		bool ok =
		        idp && last > 0 &&
		        now - last <= (int64_t)idp->revalidate_after + (int64_t)idp->offline_grace;

		r = fedjit_msg_add_bool(m, "offline_ok", ok);
	}
	return r < 0 ? r : fedjit_msg_send(h->module_fd, m, fedjit_proto_now_usec() + 5000000);
}

int fedjit_helper_revalidate_op(struct fedjit_helper *h, bool force)
{
	struct fedjit_user *u = NULL;
	struct fedjit_reval_outcome o;
	int r = fedjit_helper_lookup_user(h, h->login.canonical, &u);

	if (r == -ENOENT)
		return fedjit_helper_result(h, "unknown_user", NULL,
		                            "revalidate: %s: not a fedjit account",
		                            h->login.canonical);
	if (r < 0)
		return fedjit_helper_result(h, "error", NULL, "store %s: %s", h->db_file,
		                            fedjit_store_strerror(r));
	r = fedjit_helper_revalidate(h, u, force, &o);
	if (r < 0)
		r = fedjit_helper_result(h, "error", NULL, "revalidate %s: %s", u->name,
		                         strerror(-r));
	else
		r = send_outcome(h, u, &o);
	fedjit_user_free(u);
	return r;
}

int fedjit_helper_revalidate_if_due(struct fedjit_helper *h, const struct fedjit_user *u,
                                    struct fedjit_reval_outcome *ret)
{
	_cleanup_state_ struct fedjit_account_state *st = NULL;
	const struct fedjit_idp *idp = u->idp ? fedjit_config_idp(h->config, u->idp) : NULL;
	int64_t now = (int64_t)time(NULL);
	int r;

	*ret = (struct fedjit_reval_outcome){.status = "fresh"};
	if (!idp || idp->revalidate_after == 0 || (u->flags & FEDJIT_USER_LOCKED))
		return 0; /* the decision answers these */
	r = fedjit_helper_load_state(h, u->name, &st);
	if (r < 0)
		return r;
	if (st && st->last_verified > 0 && now - st->last_verified <= idp->revalidate_after)
		return 0;
	/* an IdP that did not answer a minute ago is not asked at every login */
	if (st && st->check_result == FEDJIT_CHECK_UNREACHABLE && now - st->last_check < 60) {
		ret->status = "unreachable";
		snprintf(ret->log, sizeof(ret->log), "the IdP did not answer %lld s ago",
		         (long long)(now - st->last_check));
		return 0;
	}
	if (!h->request_timeout || h->request_timeout > REVAL_ACCOUNT_TIMEOUT)
		h->request_timeout = REVAL_ACCOUNT_TIMEOUT;
	return fedjit_helper_revalidate(h, u, true, ret);
}

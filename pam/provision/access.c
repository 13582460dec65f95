/* SPDX-License-Identifier: Apache-2.0 */
/* The one access decision and its table (access.h says the order). */
#include "pam/provision/access.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/escape.h"
#include "common/macro.h"
#include "pam/provision/provision.h"

/*
 * THE TABLE: one row per reason. status is what the helper answers (the
 * module maps it to a PAM code per operation: pam_fedjit(8)); message is what
 * the person is shown (NULL: the module's text for the status, or nothing for
 * ok and unknown_user); the log line says why, for the administrator (its
 * format is a macro so the compiler checks every use of it).
 */
#define LOG_OK       "account %s may be used"
#define LOG_NEW      "no account %s yet: it may be provisioned"
#define LOG_NOT_OURS "%s is not a fedjit account"
#define LOG_NOT_PROVISIONED                                                        \
	"%s has no account (deleted, or never created): it exists only as sshd's " \
	"pre-authentication entry; refused whatever else authenticated it"
#define LOG_OWNS_OTHER      "the identity owns account %s, not %s"
#define LOG_OWNED_BY_OTHER  "account %s belongs to another identity (%s, %s)"
#define LOG_NO_ACCOUNT      "no account for this identity (asked for %s) and IdP %s does not provision"
#define LOG_LOCKED          "account %s is locked by the administrator"
#define LOG_DISABLED        "account %s is locked: disabled at the IdP (a revalidation was refused)"
#define LOG_IDP_REMOVED     "the IdP %s of account %s is not configured any more"
#define LOG_NOT_ALLOWED     "%s is in none of allowed_groups of IdP %s (%s groups: %s)"
#define LOG_NO_GROUPS_CLAIM "%s: " FEDJIT_NO_GROUPS_CLAIM_LOG " (IdP %s, %s)"
#define LOG_GROUPS_UNKNOWN                                                                      \
	"IdP %s has allowed_groups and no groups of %s are recorded yet (no device-flow login " \
	"since they are kept)"
#define LOG_STALE                                                               \
	"%s was last verified by IdP %s %s; allowed without a new check: %u s " \
	"(revalidate_after) + %u s (offline_grace)"

static const struct {
	const char *status;
	const char *message;
	const char *log;
} table[FEDJIT_ACCESS_REASON_COUNT] = {
        [FEDJIT_ACCESS_OK] = {"ok", NULL, LOG_OK},
        [FEDJIT_ACCESS_NEW] = {"ok", NULL, LOG_NEW},
        [FEDJIT_ACCESS_NOT_OURS] = {"unknown_user", NULL, LOG_NOT_OURS},
        [FEDJIT_ACCESS_NOT_PROVISIONED] =
                {"not_provisioned",
                 "There is no account for you here yet: sign in with your identity provider.",
                 LOG_NOT_PROVISIONED},
        [FEDJIT_ACCESS_OWNS_OTHER] = {"wrong_account",
                                      "You signed in as someone who does not own this account.",
                                      LOG_OWNS_OTHER},
        [FEDJIT_ACCESS_OWNED_BY_OTHER] = {"wrong_account",
                                          "You signed in as someone who does not own this "
                                          "account.",
                                          LOG_OWNED_BY_OTHER},
        [FEDJIT_ACCESS_NO_ACCOUNT] = {"no_account", "There is no account for you here.",
                                      LOG_NO_ACCOUNT},
        [FEDJIT_ACCESS_LOCKED] = {"locked", "This account is locked.", LOG_LOCKED},
        [FEDJIT_ACCESS_DISABLED] = {"disabled",
                                    "This account was disabled by its identity provider.",
                                    LOG_DISABLED},
        [FEDJIT_ACCESS_IDP_REMOVED] = {"idp_removed",
                                       "The identity provider of this account is no longer "
                                       "available.",
                                       LOG_IDP_REMOVED},
        [FEDJIT_ACCESS_NOT_ALLOWED] = {"not_allowed", "You are not allowed to sign in here.",
                                       LOG_NOT_ALLOWED},
        [FEDJIT_ACCESS_NO_GROUPS_CLAIM] = {"not_allowed", FEDJIT_NO_GROUPS_CLAIM_MESSAGE,
                                           LOG_NO_GROUPS_CLAIM},
        [FEDJIT_ACCESS_GROUPS_UNKNOWN] = {"unverified",
                                          "Your identity provider has not confirmed your "
                                          "groups here yet: sign in with it once.",
                                          LOG_GROUPS_UNKNOWN},
        [FEDJIT_ACCESS_STALE] = {"unverified",
                                 "Your identity provider could not confirm this account "
                                 "recently enough: sign in with it, or try again when it can "
                                 "be reached.",
                                 LOG_STALE},
};

const char *fedjit_access_status(enum fedjit_access_reason reason)
{
	return reason < FEDJIT_ACCESS_REASON_COUNT ? table[reason].status : "error";
}

const char *fedjit_access_message(enum fedjit_access_reason reason)
{
	return reason < FEDJIT_ACCESS_REASON_COUNT ? table[reason].message : NULL;
}

/* The groups for the log: escaped, comma separated, bounded. */
static const char *groups_text(const char *const *v, size_t n, bool claim, char *out, size_t size)
{
	size_t o = 0;
	char one[4 * 64 + 8];

	if (!claim)
		return "no groups claim";
	if (n == 0)
		return "none";
	out[0] = '\0';
	for (size_t i = 0; i < n && o + 8 < size; i++) {
		fedjit_escape(one, sizeof(one), v[i], FEDJIT_ESCAPE_ASCII);
		o += (size_t)snprintf(out + o, size - o, "%s%s", i ? "," : "", one);
	}
	if (o >= size)
		snprintf(out + size - 4, 4, "...");
	return out;
}

static void __attribute__((format(printf, 3, 4)))
set(struct fedjit_access *ret, enum fedjit_access_reason reason, const char *fmt, ...)
{
	va_list ap;

	ret->reason = reason;
	ret->status = table[reason].status;
	ret->message = table[reason].message;
	va_start(ap, fmt);
	vsnprintf(ret->log, sizeof(ret->log), fmt, ap);
	va_end(ap);
}

bool fedjit_access_identity_allowed(const struct fedjit_idp *idp, const struct fedjit_identity *id)
{
	if (!idp->allowed_groups)
		return true;
	for (size_t j = 0; j < id->n_groups; j++)
		for (size_t i = 0; i < idp->n_allowed_groups; i++)
			if (id->groups[j] && strcmp(idp->allowed_groups[i], id->groups[j]) == 0)
				return true;
	return false;
}

/* Outside allowed_groups of idp: not_allowed, saying when the token (of this login,
 * source "token", or of the last verification) had no groups claim at all. */
static void refuse_groups(struct fedjit_access *ret, const char *name, const struct fedjit_idp *idp,
                          const char *source, const char *const *groups, size_t n, bool claim)
{
	char g[1024];

	if (!claim)
		set(ret, FEDJIT_ACCESS_NO_GROUPS_CLAIM, LOG_NO_GROUPS_CLAIM, name,
		    idp->groups_claim, idp->scopes, idp->name, source);
	else
		set(ret, FEDJIT_ACCESS_NOT_ALLOWED, LOG_NOT_ALLOWED, name, idp->name, source,
		    groups_text(groups, n, claim, g, sizeof(g)));
}

/* "3 h 5 min ago", "never" */
static const char *age_text(int64_t then, int64_t now, char *buf, size_t size)
{
	int64_t d = now - then;

	if (then <= 0)
		return "never";
	if (d < 0)
		d = 0;
	if (d < 120)
		snprintf(buf, size, "%" PRId64 " s ago", d);
	else
		snprintf(buf, size, "%" PRId64 " h %" PRId64 " min ago", d / 3600, d % 3600 / 60);
	return buf;
}

/* Steps 5 to 9 of access.h for account u (its own IdP's settings). */
static void judge_account(const struct fedjit_access_in *in, const struct fedjit_user *u,
                          struct fedjit_access *ret)
{
	const struct fedjit_account_state *st = in->state;
	const struct fedjit_idp *idp = u->idp ? fedjit_config_idp(in->config, u->idp) : NULL;
	char name[4 * 64 + 8], age[64];
	bool allowed;

	fedjit_escape(name, sizeof(name), u->name, FEDJIT_ESCAPE_ASCII);
	ret->account = u;
	if (u->flags & FEDJIT_USER_LOCKED) {
		if (st && st->lock_reason == FEDJIT_LOCK_IDP)
			set(ret, FEDJIT_ACCESS_DISABLED, LOG_DISABLED, name);
		else
			set(ret, FEDJIT_ACCESS_LOCKED, LOG_LOCKED, name);
		return;
	}
	if (!idp) {
		set(ret, FEDJIT_ACCESS_IDP_REMOVED, LOG_IDP_REMOVED, u->idp ? u->idp : "-", name);
		return;
	}
	if (idp->allowed_groups) {
		if (in->id) {
			allowed = fedjit_access_identity_allowed(idp, in->id);
			if (!allowed)
				refuse_groups(ret, name, idp, "token", in->id->groups,
				              in->id->n_groups, in->id->groups_claim);
		} else if (!st || st->verified_by == FEDJIT_VERIFIED_NEVER) {
			set(ret, FEDJIT_ACCESS_GROUPS_UNKNOWN, LOG_GROUPS_UNKNOWN, idp->name, name);
			return;
		} else {
			allowed = fedjit_account_state_in_groups(st, idp->allowed_groups);
			if (!allowed)
				refuse_groups(ret, name, idp, "last verified",
				              (const char *const *)st->groups, st->n_groups,
				              st->groups_claim);
		}
		if (!allowed)
			return;
	}
	/* The offline policy: a login with an identity is a verification itself. */
	if (!in->id && idp->revalidate_after > 0) {
		int64_t last = st ? st->last_verified : 0;
		int64_t limit = (int64_t)idp->revalidate_after + (int64_t)idp->offline_grace;

		if (last <= 0 || in->now - last > limit) {
			set(ret, FEDJIT_ACCESS_STALE, LOG_STALE, name, idp->name,
			    age_text(last, in->now, age, sizeof(age)), idp->revalidate_after,
			    idp->offline_grace);
			return;
		}
	}
	set(ret, FEDJIT_ACCESS_OK, LOG_OK, name);
}

void fedjit_access_decide(const struct fedjit_access_in *in, struct fedjit_access *ret)
{
	const struct fedjit_identity *id = in->id;
	char name[4 * 64 + 8], other[4 * 64 + 8], iss[4 * 128 + 8], sub[4 * 128 + 8];

	*ret = (struct fedjit_access){0};
	fedjit_escape(name, sizeof(name), in->name, FEDJIT_ESCAPE_ASCII);
	if (id) {
		if (in->owned && strcmp(in->owned->name, in->name) != 0) {
			set(ret, FEDJIT_ACCESS_OWNS_OTHER, LOG_OWNS_OTHER,
			    fedjit_escape(other, sizeof(other), in->owned->name,
			                  FEDJIT_ESCAPE_ASCII),
			    name);
			return;
		}
		if (!in->owned && in->named) {
			set(ret, FEDJIT_ACCESS_OWNED_BY_OTHER, LOG_OWNED_BY_OTHER, name,
			    fedjit_escape(iss, sizeof(iss), in->named->issuer, FEDJIT_ESCAPE_ASCII),
			    fedjit_escape(sub, sizeof(sub), in->named->subject,
			                  FEDJIT_ESCAPE_ASCII));
			return;
		}
		if (!in->owned) {
			if (in->idp->provisioning == FEDJIT_PROVISIONING_NONE)
				set(ret, FEDJIT_ACCESS_NO_ACCOUNT, LOG_NO_ACCOUNT, name,
				    in->idp->name);
			else if (!fedjit_access_identity_allowed(in->idp, id))
				refuse_groups(ret, name, in->idp, "token", id->groups, id->n_groups,
				              id->groups_claim);
			else
				set(ret, FEDJIT_ACCESS_NEW, LOG_NEW, name);
			return;
		}
		judge_account(in, in->owned, ret);
		return;
	}
	if (!in->named) {
		if (in->preauth_only)
			set(ret, FEDJIT_ACCESS_NOT_PROVISIONED, LOG_NOT_PROVISIONED, name);
		else
			set(ret, FEDJIT_ACCESS_NOT_OURS, LOG_NOT_OURS, name);
		return;
	}
	judge_account(in, in->named, ret);
}

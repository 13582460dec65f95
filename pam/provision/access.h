/* SPDX-License-Identifier: Apache-2.0 */
/*
 * May this identity, or this login, use this account? The one decision, and
 * its one table of refusals (ARCHITECTURE.md invariants 3, 4 and 10). Every
 * path that lets a person in asks it with what it knows, in the same order:
 *   - a device-flow login (op=login) with the verified identity: the binding of
 *     provisioning = none (pam/helper/binding.c) and provisioning's sign-in of
 *     an existing account or its check before a new one (provision.c,
 *     provision_new.c);
 *   - `fedjit login-test` (op=login-test): the same call as the login, in the
 *     dry run;
 *   - the account phase (op=account, pam/helper/account.c) after any other
 *     authentication (SSH key, local password, GSSAPI): no identity; what the
 *     IdP said last comes from the account state record
 *     (common/account_state.h).
 *
 * THE ORDER (the first that applies decides):
 *   With an identity (a login):
 *     1. it owns another account than the one asked for    wrong_account
 *     2. it owns none, and the account asked for exists     wrong_account
 *     3. it owns none, nothing exists:
 *          the IdP does not provision                        no_account
 *          the identity is outside allowed_groups            not_allowed
 *          else                                              ok (new: the
 *                                                            name checks of
 *                                                            provisioning follow)
 *   Without (the account phase):
 *     4. no account of that name:
 *          sshd's pre-auth entry would answer it             not_provisioned
 *          else                                              unknown_user
 *   The account (owned, or of that name):
 *     5. locked by the administrator                         locked
 *        locked because the IdP refused a revalidation       disabled
 *     6. its IdP is not configured any more                  idp_removed
 *     7. the groups outside allowed_groups of its IdP        not_allowed
 *        (the identity's groups claim at a login, else the groups of the last
 *        verification; none recorded yet: unverified). When the token had no
 *        groups claim at all, the refusal says so (a scope or a mapper missing
 *        at the IdP is the usual cause, not the person's groups).
 *     8. without an identity, and the IdP's revalidate_after is on: last
 *        verified longer ago than revalidate_after + offline_grace
 *                                                            unverified
 *     9.                                                     ok
 *
 * What each refusal says to the person and in the log is the table in
 * access.c; the log line is one line, attacker-influenced strings (names from
 * claims, group names, subjects) escaped.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/account_state.h"
#include "common/config.h"
#include "common/record.h"

struct fedjit_identity;

enum fedjit_access_reason {
	FEDJIT_ACCESS_OK = 0,          /* the account may be used */
	FEDJIT_ACCESS_NEW,             /* no account yet: provisioning may create one */
	FEDJIT_ACCESS_NOT_OURS,        /* not a fedjit account: other modules decide */
	FEDJIT_ACCESS_NOT_PROVISIONED, /* only sshd's pre-auth entry has that name */
	FEDJIT_ACCESS_OWNS_OTHER,      /* the identity owns another account */
	FEDJIT_ACCESS_OWNED_BY_OTHER,  /* the account belongs to another identity */
	FEDJIT_ACCESS_NO_ACCOUNT,      /* no account, and the IdP does not provision */
	FEDJIT_ACCESS_LOCKED,          /* locked by the administrator */
	FEDJIT_ACCESS_DISABLED,        /* locked: disabled at the IdP */
	FEDJIT_ACCESS_IDP_REMOVED,     /* the account's IdP is gone from the configuration */
	FEDJIT_ACCESS_NOT_ALLOWED,     /* outside allowed_groups */
	FEDJIT_ACCESS_NO_GROUPS_CLAIM, /* allowed_groups, and the token had no groups claim */
	FEDJIT_ACCESS_GROUPS_UNKNOWN,  /* allowed_groups, and no groups recorded yet */
	FEDJIT_ACCESS_STALE,           /* not verified within revalidate_after + offline_grace */
	FEDJIT_ACCESS_REASON_COUNT,
};

struct fedjit_access_in {
	const struct fedjit_config *config;
	/* The IdP of the login (the one that ran the device flow); NULL without
	 * an identity. A stored account is judged by its own IdP's settings. */
	const struct fedjit_idp *idp;
	const char *name; /* the canonical account name asked for */
	/* The verified identity of a login; NULL in the account phase. */
	const struct fedjit_identity *id;
	const struct fedjit_user *owned; /* the account id owns (its link), NULL: none */
	const struct fedjit_user *named; /* the stored account called name, NULL: none */
	/* What the IdP said last about the account decided on; NULL: nothing recorded. */
	const struct fedjit_account_state *state;
	bool preauth_only; /* no account: would sshd's pre-auth entry answer name? */
	int64_t now;       /* unix seconds, for the offline policy */
};

struct fedjit_access {
	enum fedjit_access_reason reason;
	const char *status;  /* the pam/proto/proto.h result status */
	const char *message; /* for the person (static), NULL: none */
	char log[640];       /* for the administrator: one line, escaped */
	/* The account decided on (in->owned or in->named), NULL when none. */
	const struct fedjit_user *account;
};

/* Decide (see above). Always fills *ret. */
void fedjit_access_decide(const struct fedjit_access_in *in, struct fedjit_access *ret);

/* The row of the table for a reason: status, message (NULL when the status
 * says it all). For tests and documentation. */
const char *fedjit_access_status(enum fedjit_access_reason reason);
const char *fedjit_access_message(enum fedjit_access_reason reason);

/* Is the identity in allowed_groups of idp (no allowed_groups: yes)? */
bool fedjit_access_identity_allowed(const struct fedjit_idp *idp, const struct fedjit_identity *id);

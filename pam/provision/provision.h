/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Just-in-time provisioning (issue 5): from a verified identity to a
 * committed account, in fedjit-helper's root parent, after the network child
 * reported the identity. One call per login: fedjit_provision_login().
 *
 * WHAT IT DECIDES (ARCHITECTURE.md invariants 3, 4, 5):
 *  1. The login name (PAM user) is parsed in the domain the IdP provisions
 *     (account_plan.h fedjit_idp_login).
 *  2. An account linked to (issuer, subject) decides everything: it must be
 *     the PAM user's account (else wrong_account), not locked (locked), and
 *     its IdP must still be configured (idp_removed). Its attributes (gecos,
 *     email) and groups are re-synced from the claims; the uid never changes;
 *     unfinished background work (FEDJIT_USER_PENDING) is redone.
 *  3. No link: a stored account of that name belongs to someone else
 *     (wrong_account: a name claim never authenticates an existing account).
 *     provisioning = none: no_account. allowed_groups: not_allowed.
 *  4. The local name: the username claim (folded, validated, the domain's
 *     username_regex), or the name derived from (issuer, subject), or the
 *     person's choice (prompt = username+...). It must equal the PAM user
 *     (else wrong_account, nothing created; the message names the account
 *     the person should sign in as), except with the username prompt, where
 *     the account is created under the chosen name and the person is told
 *     to sign in with it. Reserved names and system accounts are refused.
 *     A name that exists in another NSS source is refused unless the IdP has
 *     associate_existing = yes and its uid is in or above the domain's range:
 *     then the identity is linked to it (a store record with the existing
 *     uid, gid, home and shell; logged as a warning).
 *  5. The entry is the account plan (common/account_plan.h), ids checked
 *     against the store and every other NSS source. For service sshd the
 *     entry must equal the pre-auth entry sshd was shown, else the login
 *     fails (invariant 5).
 *  6. Prompts (consent, password, username) go through the conversation
 *     callback before anything is written; "no" creates nothing. Consent and
 *     password hash go to the secret store before the account commits.
 *  7. One transaction: JIT groups, account, uid index, link, private group,
 *     supplementary groups (blocking mode). The account carries
 *     FEDJIT_USER_PENDING until home, groups (non-blocking) and the hook are
 *     done, so a crash at any point leaves either no account or an account
 *     whose remaining work the next login redoes.
 *  8. Blocking: home (from skel, owned by the user, home_mode) and the hook
 *     run before the call returns; a failure deletes the account again.
 *     Non-blocking: they run in a detached worker (double fork, setsid);
 *     failures are logged and retried at the next login.
 *
 * The process must have FEDJIT_NSS_BYPASS=1 in its environment (the call sets
 * it when missing): the store stays open across the lookups of other sources.
 *
 * HOOK: provision_hook is split at blanks into argv (no shell) and executed
 * with stdin/stdout/stderr on /dev/null, a 60 s limit, and only this
 * environment: PATH=/usr/sbin:/usr/bin:/sbin:/bin, FEDJIT_EVENT=create,
 * FEDJIT_USER, FEDJIT_UID, FEDJIT_GID, FEDJIT_HOME, FEDJIT_SHELL,
 * FEDJIT_DOMAIN, FEDJIT_IDP, FEDJIT_ISSUER, FEDJIT_SUBJECT, FEDJIT_GROUPS
 * (local group names, comma separated). Exit status 0 is success.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/config.h"
#include "common/names.h"

/* What the network child verified: the claims, already picked per the IdP's
 * claim names. Strings may be NULL when the claim was absent. */
struct fedjit_identity {
	const char *issuer;
	const char *subject;
	const char *username;      /* username_claim */
	const char *gecos;         /* gecos_claim */
	const char *email;         /* email_claim */
	int email_verified;        /* the email_verified claim: 1 true, 0 false, -1 absent */
	const char *const *groups; /* groups_claim values */
	size_t n_groups;
	bool groups_claim; /* the token had the groups claim (perhaps empty) */
	/* The refresh token the IdP issued with this login (secret; NULL: none)
	 * and its lifetime in seconds when the IdP said (0: not said). Kept in the
	 * private store for revalidation (common/account_state.h). */
	const char *refresh_token;
	int64_t refresh_expires_in;
};

/* allowed_groups refused an identity whose token had no groups claim at all: what the
 * person is told, and the log line (printf format: the claim name, the scopes). */
#define FEDJIT_NO_GROUPS_CLAIM_MESSAGE                                                  \
	"You are not allowed to sign in here: the identity provider did not say which " \
	"groups you are in."
#define FEDJIT_NO_GROUPS_CLAIM_LOG                                                           \
	"the identity provider sent no %s claim, so allowed_groups cannot match: request a " \
	"scope that carries it (scopes = %s), or the person is in no group there"

enum fedjit_conv_style {
	FEDJIT_CONV_ECHO_ON = 0,
	FEDJIT_CONV_ECHO_OFF,
	FEDJIT_CONV_INFO,
};

/*
 * Ask the person (ECHO_*): 0 and *ret_answer (malloc'd; the caller scrubs and
 * frees it), -ECANCELED when the person gave no usable answer, another
 * negative errno when the conversation is gone. INFO: show text; 0 or error,
 * ret_answer is NULL.
 */
typedef int (*fedjit_conv_fn)(enum fedjit_conv_style style, const char *text, char **ret_answer,
                              void *userdata);

/*
 * Lookups in the other NSS sources (fedjit bypassed). 1 and the id when found,
 * 0 when not, negative errno on failure. NULL ops: getpwnam_r and friends.
 */
struct fedjit_prov_nss {
	int (*user_by_name)(const char *name, uint32_t *ret_uid, void *userdata);
	int (*user_entry)(const char *name, uint32_t *ret_gid, char **ret_home, char **ret_shell,
	                  void *userdata); /* for associate_existing; strings malloc'd */
	int (*uid_exists)(uint32_t uid, void *userdata);
	int (*group_by_name)(const char *name, uint32_t *ret_gid, void *userdata);
	int (*group_by_gid)(uint32_t gid, char **ret_name, void *userdata); /* malloc'd */
	void *userdata;
};

struct fedjit_prov_ctx {
	const struct fedjit_config *config;
	const struct fedjit_idp *idp;
	const char *db_file;        /* NULL: global db_file, else FEDJIT_DB_FILE */
	const char *secret_db_file; /* NULL: global secret_db_file, else FEDJIT_SECRET_DB_FILE */
	unsigned store_flags;       /* added to the open flags (FEDJIT_STORE_NOSYNC: tests) */
	const char *service;        /* PAM service, for logs and the sshd rule */
	bool switch_user;           /* the module can make the login continue as another
	                               name (pam_fedjit's service_switches_user) */
	fedjit_conv_fn conv;        /* NULL: nobody to ask (prompts other than silent fail) */
	void *conv_userdata;
	const struct fedjit_prov_nss *nss; /* NULL: the system's lookups */
	int64_t now;                       /* 0: time(NULL) */
	/* Tests: the pre-auth entry sshd saw is recomputed from these files
	 * (NULL: /etc/passwd, /etc/group). */
	const char *passwd_file, *group_file;
	/* Tests: wait for the non-blocking worker instead of detaching it. */
	bool wait_worker;
	/* Benchmarks: stop after the commit (home, hook and background group sync
	 * are left to the next login: the account stays pending). */
	bool commit_only;
	/* Dry run (fedjit login-test): non-NULL to decide only. The same decision
	 * as a login, but nothing is written (the store is opened read-only, an
	 * empty scratch store stands in for a missing one; no secret store, no
	 * prompt, no home, no hook, no audit line); what provisioning would do
	 * goes here (provision_dry.c). */
	struct fedjit_prov_dry *dry_run;
	/* A revalidation (op=revalidate, or the account phase revalidating): the
	 * identity comes from a refresh grant, not a login. The same decision and
	 * re-sync, except: recorded as verified by refresh (check ok), last_login
	 * untouched, groups re-synced before the call returns whatever the IdP's
	 * mode (the session that follows must have the IdP's groups), audited as
	 * "revalidation". Existing accounts only: an identity without one is
	 * refused (no_account). */
	bool revalidation;
};

/* What a dry run found (the result's status ok; refusals are the result). */
enum fedjit_prov_would {
	FEDJIT_PROV_WOULD_REFUSE = 0,
	FEDJIT_PROV_WOULD_CREATE, /* a new account (or, with associate, a new link) */
	FEDJIT_PROV_WOULD_EXIST,  /* the identity owns the account: sign-in, re-sync */
};

struct fedjit_prov_dry {
	enum fedjit_prov_would would;
	bool associate;  /* create: link the existing local account of that name */
	char home[4096]; /* FEDJIT_PLAN_PATH_MAX */
	char shell[4096];
	char gecos[256]; /* as the account would carry it (sanitized claim) */
	char domain[FEDJIT_DOMAIN_NAME_MAX + 1];
	char *groups; /* local group names, comma separated; malloc'd, free() */
};

enum fedjit_prov_action {
	FEDJIT_PROV_NONE = 0, /* refused, or nothing to do */
	FEDJIT_PROV_CREATED,
	FEDJIT_PROV_LINKED, /* associate_existing */
	FEDJIT_PROV_UPDATED,
};

struct fedjit_prov_result {
	const char *status; /* a pam/proto/proto.h result status (static string) */
	enum fedjit_prov_action action;
	char account[FEDJIT_CANONICAL_MAX + 1]; /* the account the identity owns ("" if none) */
	bool chosen;         /* status ok: account was created in this login under a name the person
	                chose, which is not the login name (the module switches PAM_USER) */
	uint32_t uid, gid;   /* its uid and primary gid (status ok) */
	char message[256];   /* for the person ("" for none) */
	char log[768];       /* for the administrator, no secrets */
	pid_t worker;        /* non-blocking: the worker's pid, or 0 */
	bool groups_changed; /* the re-sync changed the supplementary groups */
};

/*
 * The login name is parsed once, by the caller, with fedjit_login_parse
 * (default domain PRIMARY), and travels with the login as that struct:
 * provisioning places it in the IdP's domain (account_plan.h
 * fedjit_idp_login_from) without parsing the text again.
 */

/*
 * Provision (or bind, or update) the account of identity for the login name
 * requested. Always fills *ret (status "error" on internal trouble) and
 * writes the audit line; returns 0 when a decision was reached (ret->status
 * says which) or a negative errno with status "error". The identity's
 * verification (time, IdP groups, refresh token) is recorded in the secret
 * store for the account it owns (common/account_state.h).
 */
int fedjit_provision_login(const struct fedjit_prov_ctx *ctx, const struct fedjit_identity *id,
                           const struct fedjit_login *requested, struct fedjit_prov_result *ret);

/*
 * Record a verified login of id for account (it owns it) in the private store:
 * the account state (common/account_state.h) and, with keep_token, the
 * refresh token id carries. For the logins that do not provision
 * (provisioning = none); fedjit_provision_login does it itself. Failures are
 * logged, never fatal.
 */
void fedjit_provision_record_login(const struct fedjit_prov_ctx *ctx,
                                   const struct fedjit_identity *id, const char *account,
                                   bool keep_token);

/*
 * Before any device flow (pam/proto/proto.h): is requested a name this IdP
 * handles? 1 (handled: stored, or would be provisioned), 0 (not: *ret has
 * status unknown_user and the reason), negative errno.
 */
int fedjit_provision_precheck(const struct fedjit_prov_ctx *ctx,
                              const struct fedjit_login *requested, struct fedjit_prov_result *ret);

/*
 * The account phase of a name that has no account: would sshd's
 * pre-authentication entry (nss/preauth.c) answer it? The same rules,
 * recomputed: the IdP that would provision it gives pre-auth entries and
 * accepts the name in its domain, the name passes the domain's policy and is
 * not reserved, and no other NSS source (the NSS module's files, or any other
 * source: then it is not fedjit's to refuse) has it. 1 yes, 0 no, negative
 * errno. ctx->idp is not used.
 */
int fedjit_provision_preauth_only(const struct fedjit_prov_ctx *ctx,
                                  const struct fedjit_login *login);

/*
 * op=chauthtok: the person sets a new local password for user (a stored
 * account); the current one is asked and checked first when one is set. The
 * hash (yescrypt) goes to the secret store only. 0 with status ok / denied /
 * unknown_user / locked, or a negative errno.
 */
int fedjit_provision_chauthtok(const struct fedjit_prov_ctx *ctx, const struct fedjit_login *user,
                               struct fedjit_prov_result *ret);

/* Minimum policy of local passwords: 0, or -EINVAL with a reason for the person. */
int fedjit_password_check(const char *password, const char *user, char *reason, size_t size);
/* yescrypt hash of password into *ret_hash (scrub + free: fedjit_secret_free). */
int fedjit_password_hash(const char *password, char **ret_hash);
/* 1 when password matches hash, 0 when not, negative errno. */
int fedjit_password_verify(const char *password, const char *hash);

/* ---- over the module <-> helper protocol (provision_proto.c) ---- */

struct fedjit_msg;

/*
 * The identity of a msg=identity frame from the network child. Strings point
 * into m (valid while m is unchanged); the groups line list is split into
 * *ret_groups_buf (free() it; NULL when there are no groups). 0, -EBADMSG
 * (issuer or subject missing), -ENOMEM.
 */
int fedjit_identity_from_msg(const struct fedjit_msg *m, struct fedjit_identity *ret,
                             char **ret_groups_buf);

/* Userdata of fedjit_provision_proto_conv: the module's socket. */
struct fedjit_proto_conv {
	int fd;
};
/* A fedjit_conv_fn asking through msg=prompt / msg=answer, showing through msg=info. */
int fedjit_provision_proto_conv(enum fedjit_conv_style style, const char *text, char **ret_answer,
                                void *userdata);

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fedjit-helper: the program pam_fedjit.so runs for every login (FEDJIT_HELPER_PATH).
 *
 * Process shape (ARCHITECTURE.md invariant 1):
 *   root parent   started by the module with the socketpair on fd 3 (pam/proto/proto.h); reads
 *                 the configuration, the root-only secrets and CA file, the cache
 *                 (cache.h); forks the network child; forwards msg=device; writes fresh
 *                 documents to the cache; binds the verified identity to the account
 *                 through the store (binding.c); answers msg=result. It never parses a
 *                 byte from the network except what the child hands over, and that only
 *                 with the same strict validators before caching.
 *   network child forked after the secrets were read (it inherits them in memory; the
 *                 parent scrubs its copy at once), drops to the helper user with
 *                 no_new_privs and limits (privdrop.h), then does all IdP traffic
 *                 (device_flow.h) and reports over a pipe (ipc.h).
 * The parent kills the child at the deadline (the request's timeout, capped by the
 * IdP's `timeout`), when the module's socket closes (the person went away), and on any
 * protocol violation.
 *
 * Trust: the child's verdict on the ID token is trusted: the TLS-authenticated IdP data
 * exists only in the child, so a subverted child could claim any identity of that IdP.
 * The separation protects the host and root from the network-facing code (memory safety
 * bugs in curl/OpenSSL/jansson/our parsers run as an unprivileged, non-dumpable user with
 * no files to write), not the authentication decision itself.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/config.h"
#include "common/names.h"
#include "pam/helper/ratelimit.h"
#include "pam/proto/proto.h"

struct fedjit_helper {
	struct fedjit_config *config;
	const struct fedjit_idp *idp;
	const char *cache_dir;
	const char *db_file;
	/* The PAM user, parsed once (fedjit_helper_parse_login, default domain
	 * PRIMARY) for every op that has one; it travels with the login down to
	 * provisioning, which places a bare name in its IdP's domain from it. */
	struct fedjit_login login;
	char account[256]; /* login.canonical, for log lines ("?" before the parse) */
	char service[64];
	char rhost[256];            /* the request's rhost (PAM_RHOST), "" when none */
	struct fedjit_ratelimit rl; /* the device flow's slots (ratelimit.h) */
	bool switch_user;           /* request: the module may switch PAM_USER (provision.h) */
	bool debug;
	bool idp_test;             /* op=idp-test: check the IdP, no login (idp_test.c) */
	bool login_test;           /* op=login-test: a dry-run login (login_test.c) */
	struct fedjit_msg *claims; /* login-test: the child's msg=claims, until the identity */
	uint64_t deadline_usec;
	int module_fd;
	struct fedjit_msg *msg; /* scratch for frames to the module */

	/* read by the root parent for the child; scrubbed after fork */
	char *secret;
	char *key_pem;
	char *ca_blob;
	size_t ca_blob_len;
	char *cached_discovery;
	size_t cached_discovery_len;
	char *cached_jwks;
	size_t cached_jwks_len;
	char *jwks_uri; /* of the cached discovery document, NULL when none */
	bool jwks_refetch_allowed;

	uint64_t request_timeout; /* the request's timeout= in seconds, 0: none given */
	/* op=revalidate, and the account phase revalidating (revalidate.c): the network
	 * child runs the refresh grant; its outcome is kept here instead of being sent */
	struct fedjit_helper_reval *reval;

	pid_t child;
	int child_fd;
	bool child_eof; /* the child closed its pipe: it is exiting */
	unsigned http_requests;
	bool done; /* msg=result sent */
};

/* What the network child said about a revalidation (revalidate.c). */
struct fedjit_helper_reval {
	char *token;         /* the refresh token, for the child (secret; scrubbed after fork) */
	const char *subject; /* the account's */
	char status[32];     /* "identity", or the status of the fail / result; "" none */
	char log[2048];
	struct fedjit_msg *identity; /* status "identity": the frame (owned) */
};

/* Sends msg=result (once) and logs it: status per pam/proto/proto.h, message for the person
 * (may be NULL), the formatted reason for the administrator. Returns 0 or -errno. */
int fedjit_helper_result(struct fedjit_helper *h, const char *status, const char *message,
                         const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Runs the network child and the parent's side until a result was sent (with h->reval:
 * until the child's outcome is in h->reval; nothing is sent). */
int fedjit_helper_run_login(struct fedjit_helper *h);
/* h->idp's secrets (client secret or key, CA file) and the cached documents, read as
 * root before the network child is forked (main.c). 0, or != 0 after a result was sent
 * (with h->reval: recorded there). */
int fedjit_helper_load_idp(struct fedjit_helper *h);

/*
 * Revalidation (revalidate.c; pam/proto/proto.h REVALIDATION says the statuses). Asks
 * u's IdP again with the refresh token held for it, through the network child; then
 * re-syncs as a login would (ok), locks it "disabled at the IdP" and ends its sessions
 * (disabled), or records the attempt (unreachable, no_token, error). force: ask even
 * when verified within revalidate_after (else "fresh"). Fills *ret; 0 or -errno.
 */
struct fedjit_user;
struct fedjit_reval_outcome {
	const char *status; /* ok, fresh, disabled, unreachable, no_token, locked, idp_removed,
	                       error */
	char log[1024];
	int64_t last_verified;
	bool token_held, groups_changed, token_rotated, sessions_ended;
	const char *access; /* ok: the account decision after the re-sync (ok, not_allowed) */
};
int fedjit_helper_revalidate(struct fedjit_helper *h, const struct fedjit_user *u, bool force,
                             struct fedjit_reval_outcome *ret);
/* op=revalidate: h->login's account, the result to the requester. */
int fedjit_helper_revalidate_op(struct fedjit_helper *h, bool force);
/* The account phase: revalidate u when its IdP's revalidate_after has passed since the
 * last verification (not when locked, its IdP gone, revalidate_after 0, or the IdP did
 * not answer within the last minute). *ret status "fresh" when nothing was asked. */
int fedjit_helper_revalidate_if_due(struct fedjit_helper *h, const struct fedjit_user *u,
                                    struct fedjit_reval_outcome *ret);

/* Parse the PAM user as a login name into h->login and h->account (account.c),
 * once per request. 0, or != 0 when it is not one: 1 after msg=result
 * unknown_user was sent, or the -errno of sending it. */
int fedjit_helper_parse_login(struct fedjit_helper *h, const char *user);

/* op=account and op=chauthtok (account.c) for h->login: answered from the stores (the
 * account phase may revalidate with the IdP first: revalidate.c). phase: the request's
 * phase (chauthtok: prelim or update), may be NULL. */
int fedjit_helper_account_op(struct fedjit_helper *h, const char *op, const char *phase);
/* The secret store's path (the configuration's, or FEDJIT_SECRET_DB_FILE). */
const char *fedjit_helper_secret_db(const struct fedjit_helper *h);
/* The account state record of name (read-only): 0 and *ret (NULL when nothing is
 * recorded; fedjit_account_state_free), or a negative errno. */
struct fedjit_account_state;
int fedjit_helper_load_state(struct fedjit_helper *h, const char *name,
                             struct fedjit_account_state **ret);
/* Record the verification of id for account (provisioning = none: binding.c), with its
 * refresh token when keep_token (fedjit_provision_record_login). */
struct fedjit_identity;
void fedjit_helper_record_login(struct fedjit_helper *h, const struct fedjit_identity *id,
                                const char *account, bool keep_token);
/* The decision of pam/provision/access.h for the stored account u of h->login (NULL:
 * none) without an identity, as the account phase takes it: 0 and *ret, or -errno
 * with *ret_what saying what failed. */
struct fedjit_access;
struct fedjit_user;
int fedjit_helper_account_decision(struct fedjit_helper *h, const struct fedjit_user *u,
                                   struct fedjit_access *ret, const char **ret_what);
/* Would sshd's pre-auth entry answer h->login (fedjit_provision_preauth_only)? 1, 0,
 * -errno. */
int fedjit_helper_preauth_only(struct fedjit_helper *h);
/* The store record of name: 0 and *ret (fedjit_user_free), -ENOENT, or another -errno.
 * Opens and closes the store (never held across NSS calls). */
struct fedjit_user;
int fedjit_helper_lookup_user(struct fedjit_helper *h, const char *name, struct fedjit_user **ret);

/*
 * Binding (ARCHITECTURE.md invariants 3, 4): the verified (issuer, subject) must own the account
 * the PAM user names. Opens the store read-only, looks up the link, closes the store
 * before returning. Sends the result itself (ok, wrong_account, no_account, error).
 */
/*
 * Before the device flow, for a name not in the store whose IdP provisions: would
 * provisioning take it (fedjit_provision_precheck)? 0: go on; otherwise the result
 * (unknown_user, so the PAM stack can go on to other modules) was sent: 1, or -errno.
 */
int fedjit_helper_precheck(struct fedjit_helper *h);
/* op=chauthtok phase=update for a stored account (fedjit_provision_chauthtok): asks
 * the person through the module, sends the result. */
int fedjit_helper_chauthtok(struct fedjit_helper *h);

/* Tells the module the device flow ended with a verified identity (msg=approved), so
 * it stops reminding the person to approve while slower work (provisioning, its
 * prompts, a home directory, a hook) follows. */
int fedjit_helper_send_approved(struct fedjit_helper *h);
int fedjit_helper_bind(struct fedjit_helper *h, const char *issuer, const char *subject,
                       const struct fedjit_msg *identity);
/* Sends msg=result status=ok for the account the identity owns (chosen: the person chose
 * the new account's name, pam/provision/provision.h). Returns 0 or -errno. */
int fedjit_helper_send_ok(struct fedjit_helper *h, const char *issuer, const char *subject,
                          const char *account, bool chosen);
/* The login of an IdP that provisions (provision_calls.c): provisioning binds, re-syncs or
 * creates, then the result is sent. Returns 0 or -errno. */
int fedjit_helper_provision(struct fedjit_helper *h, const char *issuer, const char *subject,
                            const struct fedjit_msg *identity);

/*
 * op=login-test (login_test.c), after the network child verified the identity: sends
 * msg=approved, the claims, and msg=result with what provisioning would do
 * (provision.h dry run; nothing is stored).
 */
int fedjit_helper_login_test(struct fedjit_helper *h, const char *issuer, const char *subject,
                             const struct fedjit_msg *identity);

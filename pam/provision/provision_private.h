/* SPDX-License-Identifier: Apache-2.0 */
/* Provisioning internals shared by the files of pam/provision (see provision.h). */
#pragma once

#include <stdarg.h>

#include "common/account_plan.h"
#include "common/account_state.h"
#include "common/store.h"
#include "pam/provision/access.h"
#include "pam/provision/provision.h"

/* A local group the account belongs to (supplementary). */
struct prov_group {
	char name[FEDJIT_NAME_MAX + 1];
	uint32_t gid;
	bool create; /* a JIT group to create in the store (group_map or create_groups) */
};

struct prov_groups {
	struct prov_group *v;
	size_t n;
};

/* Answers of the other NSS sources kept during one commit (provision_memo.c). */
enum prov_memo_kind { PROV_MEMO_UID, PROV_MEMO_GID, PROV_MEMO_GROUP, PROV_MEMO_USER };
struct prov_memo_answer {
	enum prov_memo_kind kind;
	uint32_t id;                    /* PROV_MEMO_UID, PROV_MEMO_GID */
	char name[FEDJIT_NAME_MAX + 1]; /* PROV_MEMO_GROUP, PROV_MEMO_USER */
	int r;                          /* 1 taken / found, 0 free / not found */
	uint32_t gid;                   /* PROV_MEMO_GROUP found: its gid */
};
/* An account asks about 2 ids plus its group_map groups; a full memo asks. */
#define PROV_MEMO_SIZE 32
struct prov_memo {
	bool on;
	bool warming; /* the pass before the lock: nothing is logged twice */
	size_t n;
	struct prov_memo_answer v[PROV_MEMO_SIZE];
};

/* Everything one provisioning call works with. */
struct prov_run {
	const struct fedjit_prov_ctx *ctx;
	const struct fedjit_identity *id;
	struct fedjit_prov_result *res;
	struct fedjit_store *store; /* open read-write during the decision and commit */
	const char *db_file;
	const char *secret_db_file;
	int64_t now;

	struct fedjit_login login; /* the PAM user, placed in the IdP's domain */
	const struct fedjit_domain *domain;
	char local[FEDJIT_NAME_MAX + 1];     /* local part of the new account */
	char name[FEDJIT_CANONICAL_MAX + 1]; /* canonical name of the new account */
	bool chosen;                         /* the person picked the name */
	char *pwhash;                        /* from the password prompt (secret) */
	char *consent;                       /* the consent text shown and agreed to */
	struct fedjit_plan_lookups lookups;  /* store + other sources (provision_lookup.c) */
	struct prov_memo memo;               /* other sources' answers, during a commit */
};

/* Fill run from ctx (paths, clock, lookups) and *ret with status "error";
 * sets FEDJIT_NSS_BYPASS=1 when missing. */
void fedjit_prov_run_init(struct prov_run *run, const struct fedjit_prov_ctx *ctx,
                          struct fedjit_prov_result *ret);

/* ---- results and audit (provision_audit.c) ---- */

/* Set the result: status, message for the person (may be NULL), log line. */
void fedjit_prov_result(struct prov_run *run, const char *status, const char *message,
                        const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* One authpriv syslog line per account created / linked / updated / refused, and
 * the account events of common/audit.h (ADD_USER, ADD_GROUP). */
void fedjit_prov_audit(struct prov_run *run);
void fedjit_prov_audit_group(struct prov_run *run, const char *group, uint32_t gid);
/* A re-sync's groups: the account's supplementary gids before it (*ret NULL and
 * 0 for none; free()), 0 or -errno; after the commit, audit_groups writes the
 * FEDJIT_AUDIT_GROUPS record when they changed (actor: "login", "revalidation"). */
int fedjit_prov_groups_before(struct fedjit_store *s, const char *name, uint32_t **ret,
                              size_t *ret_n);
bool fedjit_prov_audit_groups(struct fedjit_store *s, const struct fedjit_user *u,
                              const char *actor, const uint32_t *before, size_t n_before);

/* ---- lookups (provision_lookup.c) ---- */

/* The ctx's NSS ops, or the system's (getpwnam_r & co.). */
const struct fedjit_prov_nss *fedjit_prov_nss(const struct prov_run *run);
/*
 * The other sources' answer about one user name, asked once: the reserved-name
 * check and the "exists outside fedjit" check ask the same question back to
 * back, and on a system with nss_systemd every lookup walks a dozen paths.
 * Zero-initialise with .nss set; pass fedjit_prov_user_by_name_once and the
 * memo where a fedjit_name_lookup_fn is wanted.
 */
struct fedjit_prov_name_memo {
	const struct fedjit_prov_nss *nss;
	const char *name; /* the name answered for (borrowed), NULL: none yet */
	int r;
	uint32_t uid;
};
int fedjit_prov_user_by_name_once(const char *name, uint32_t *ret_uid, void *memo);
/* Plan lookups: the store (run->store) plus every other NSS source. */
struct fedjit_plan_lookups fedjit_prov_plan_lookups(struct prov_run *run);
/* The entry sshd was shown before authentication (store + /etc files only). */
int fedjit_prov_preauth_plan(struct prov_run *run, const char *name,
                             struct fedjit_account_plan *ret);
/* 1 when a user of that name exists in the store, 0 when not, negative errno. */
int fedjit_prov_store_has_user(struct prov_run *run, const char *name);

/* ---- other sources' answers during a commit (provision_memo.c) ---- */

/* Forget the answers and stop remembering. */
void fedjit_prov_memo_stop(struct prov_run *run);
/* Start remembering, then ask what the transaction will: the account plan of
 * run->name (plan) and the identity's groups (groups), answers ignored. Call
 * right before the store is locked; fedjit_prov_memo_stop after the commit. */
void fedjit_prov_memo_warm(struct prov_run *run, bool plan, bool groups);
/* Through the memo when it is on: 1 taken (found), 0 free, negative errno. */
int fedjit_prov_other_uid_taken(struct prov_run *run, uint32_t uid);
int fedjit_prov_other_gid_taken(struct prov_run *run, uint32_t gid);
int fedjit_prov_other_group_gid(struct prov_run *run, const char *name, uint32_t *ret_gid);
/* Is there a user of that name in another NSS source? 1, 0, or negative errno. */
int fedjit_prov_other_user_exists(struct prov_run *run, const char *name);

/* ---- what the login verified (provision_state.c) ---- */

/* The state record of name from run->store's private store: 0 and *ret
 * (fedjit_account_state_free), -ENOENT (nothing recorded), negative errno. */
int fedjit_prov_load_state(const struct prov_run *run, const char *name,
                           struct fedjit_account_state **ret);
/* The state a verification of id at now records (groups point into id). */
void fedjit_prov_state_from_identity(const struct fedjit_identity *id, int64_t now,
                                     struct fedjit_account_state *ret);
/* The refresh token of run->id as a record (strings point into run); false: none. */
bool fedjit_prov_token_from_identity(const struct prov_run *run, struct fedjit_refresh_token *ret);
/* Record run->id's verification of account name (and, with keep_token, its
 * refresh token) in the private store: in run->store's transaction or batch
 * when there is one (run->store is opened for it when closed). A state or
 * token the record cannot hold is left out (logged), so that inside a batch
 * only the store itself can fail it. 0 or a logged negative errno. */
int fedjit_prov_record_verified(struct prov_run *run, const char *name, bool keep_token);

/* ---- groups (provision_groups.c) ---- */
/* The local groups of the identity (group_map, create_groups), gids resolved
 * or allocated against the store and other sources; with create, missing JIT
 * groups are created in the store at once (inside the caller's batch), so the
 * next allocation sees them. Unusable IdP group names are skipped, logged. */
int fedjit_prov_groups_compute(struct prov_run *run, bool create, struct prov_groups *ret);
/* Sorted unique gids (malloc'd; *ret NULL when n == 0). */
int fedjit_prov_groups_gids(const struct prov_groups *g, uint32_t **ret, size_t *ret_n);
/* "a,b,c" (malloc'd). */
char *fedjit_prov_groups_join(const struct prov_groups *g);
void fedjit_prov_groups_free(struct prov_groups *g);

/* ---- prompts (provision_prompt.c) ---- */

/* username+password+consent: the person picks the local name (bounded re-asks);
 * fills run->local and run->name. 0, or 1 when the person gave up (result set). */
int fedjit_prov_prompt_username(struct prov_run *run);
/* Shows the claim -> attribute mapping and groups, asks yes/no; fills
 * run->consent. 0 agreed, 1 refused or gave up (result set), negative errno. */
int fedjit_prov_prompt_consent(struct prov_run *run, const struct prov_groups *g);
/* The consent record for run->consent (strings point into run and the config). */
void fedjit_prov_consent_record(const struct prov_run *run, struct fedjit_consent *ret);
/* New password, twice, policy-checked; fills run->pwhash. 0, 1 (gave up). */
int fedjit_prov_prompt_password(struct prov_run *run, const char *user);
/* Ask once; *ret scrub + free. */
int fedjit_prov_ask(struct prov_run *run, enum fedjit_conv_style style, const char *text,
                    char **ret);
void fedjit_prov_tell(struct prov_run *run, const char *text);

/* ---- home, hook, worker (provision_finish.c) ---- */

/* What the finishing work needs, copied so a detached worker can run it. */
struct prov_finish {
	const struct fedjit_domain *domain;
	const struct fedjit_idp *idp;
	char name[FEDJIT_CANONICAL_MAX + 1];
	uint32_t uid, gid;
	char home[FEDJIT_PLAN_PATH_MAX];
	char shell[FEDJIT_PLAN_PATH_MAX];
	bool make_home;    /* false for an associated (existing) account */
	bool new_home;     /* the account is new or unfinished: an existing home must
	                      already be its own (provision_new.c check_home) */
	bool home_created; /* set by fedjit_prov_finish_run when it made the home */
	char *groups;      /* for the hook's FEDJIT_GROUPS; malloc'd */
};

/* Home from skel (atomic: built aside, renamed into place) then the hook. */
int fedjit_prov_finish_run(struct prov_finish *f, const struct fedjit_identity *id, char *err,
                           size_t err_size);
/* Remove the home if fedjit_prov_finish_run made it (rollback of a blocking provisioning). */
void fedjit_prov_finish_remove_home(const struct prov_finish *f);

/* ---- dry run (provision_dry.c, fedjit_prov_ctx.dry_run) ---- */

/* The store read-only into run->store; a missing store is an empty scratch
 * store that lives only in this process (nothing is created at db_file). */
int fedjit_prov_dry_store_open(struct prov_run *run);
/* Fill ctx->dry_run (entry, the groups the identity would get) and the result
 * (status ok, uid, gid); run->res->account is the caller's. 0 or -errno. */
int fedjit_prov_dry_report(struct prov_run *run, enum fedjit_prov_would would, uint32_t uid,
                           uint32_t gid, const char *home, const char *shell, const char *domain);

/* ---- the main flow (provision.c, provision_new.c) ---- */

/* Claim text into a passwd-safe field of at most max bytes (out: max + 1). */
void fedjit_prov_sanitize(const char *in, char *out, size_t max);
/* After the commit: home, hook (blocking: now, rollback on failure when asked;
 * non-blocking: the worker). < 0 with the result set when it failed. */
int fedjit_prov_complete(struct prov_run *run, const struct fedjit_user *u, bool make_home,
                         const struct prov_groups *g, bool rollback);
/* An identity without an account: decide, ask, commit. 0 (result set), -EAGAIN
 * (it got an account meanwhile: bind instead), negative errno. */
int fedjit_prov_decide_new(struct prov_run *run);

/* Non-blocking: the detached worker's body (groups, home, hook, clear PENDING). */
int fedjit_prov_background(struct prov_run *run, struct prov_finish *f);
/* Start it detached (double fork, setsid); run->res->worker = the worker pid. */
int fedjit_prov_spawn_worker(struct prov_run *run, struct prov_finish *f);

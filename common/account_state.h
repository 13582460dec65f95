/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the IdP last said about an account, and how to ask it again: the
 * account state record and the refresh token record, both in the root-only
 * private store beside the account's private record (ARCHITECTURE.md
 * invariants 8 and 10; they lived in the secret store first, and
 * common/store_state_move.c moves them). Neither is ever in the
 * world-readable store: the IdP groups of a person are personal data, and a
 * refresh token is a credential.
 *
 * The byte formats are documented in common/record_state.c, beside their
 * codecs; the keys ("state/NAME", "refresh/NAME") in common/key.c.
 *
 * THE STATE RECORD (one per account, keyed by the account name):
 *   last_verified  when the IdP last vouched for the account's identity: a
 *                  device-flow login, or a refresh grant that answered with
 *                  the account's subject. 0: never (an account from before
 *                  this record existed, or one never verified since).
 *   verified_by    how that was (login or refresh).
 *   last_check / check_result
 *                  the last revalidation attempt and what came of it (an
 *                  unreachable IdP changes nothing else).
 *   lock_reason    why the account is locked, when its user record says it is
 *                  (FEDJIT_USER_LOCKED): the administrator, or the IdP
 *                  (revalidation found the grant revoked or the account gone).
 *                  A locked account without a state record, or with reason
 *                  NONE, was locked by the administrator. Revalidation never
 *                  lifts a lock.
 *   groups_claim, groups
 *                  the IdP groups of the last verification, as the groups
 *                  claim named them (not the local groups they map to), and
 *                  whether the token had the claim at all: the account phase
 *                  checks allowed_groups against them for every login method.
 *
 * THE REFRESH TOKEN RECORD: the token, the issuer and client_id it was issued
 * to (a token is only ever presented to that IdP with that client: after a
 * change of either it is not used, and that is not a revocation), when it was
 * obtained and, when the IdP said, when it expires. Replaced when the IdP
 * rotates it; erased on lock, delete and purge. Returned copies are scrubbed
 * on free.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/record.h"

#define FEDJIT_STATE_GROUPS_MAX   512  /* IdP groups kept (the ID token's limit) */
#define FEDJIT_STATE_GROUP_MAX    256  /* bytes of one IdP group name */
#define FEDJIT_REFRESH_TOKEN_MAX  8192 /* bytes of a refresh token we keep */
#define FEDJIT_REFRESH_CLIENT_MAX 1024 /* bytes of the client_id */

enum fedjit_lock_reason {
	FEDJIT_LOCK_NONE = 0,  /* not locked (or locked by the administrator before
	                          reasons were recorded: see above) */
	FEDJIT_LOCK_ADMIN = 1, /* fedjit user lock */
	FEDJIT_LOCK_IDP = 2,   /* "disabled at the IdP": revalidation was refused */
};

enum fedjit_verified_by {
	FEDJIT_VERIFIED_NEVER = 0,
	FEDJIT_VERIFIED_LOGIN = 1,   /* a device-flow login */
	FEDJIT_VERIFIED_REFRESH = 2, /* a refresh grant (revalidation) */
};

enum fedjit_check_result {
	FEDJIT_CHECK_NONE = 0,        /* never revalidated */
	FEDJIT_CHECK_OK = 1,          /* the IdP vouched again */
	FEDJIT_CHECK_UNREACHABLE = 2, /* no answer from the IdP: nothing changed */
	FEDJIT_CHECK_DISABLED = 3,    /* refused by the IdP: locked */
	FEDJIT_CHECK_NO_TOKEN = 4,    /* nothing to revalidate with */
	FEDJIT_CHECK_ERROR = 5,       /* anything else (logged) */
};
#define FEDJIT_CHECK_RESULT_MAX FEDJIT_CHECK_ERROR

/*
 * The state of one account. In the allocating form (fedjit_account_state_get,
 * the decoder) struct, group pointers and strings are one heap block: free
 * with fedjit_account_state_free(). As encoder input, groups may point
 * anywhere; n_groups must be 0 when groups_claim is false.
 */
struct fedjit_account_state {
	int64_t last_verified; /* unix seconds, 0: never */
	int64_t last_check;    /* unix seconds of the last revalidation attempt, 0: never */
	uint8_t verified_by;   /* enum fedjit_verified_by */
	uint8_t check_result;  /* enum fedjit_check_result */
	uint8_t lock_reason;   /* enum fedjit_lock_reason */
	bool groups_claim;     /* the last verified token carried the groups claim */
	char **groups;         /* n_groups IdP group names (then NULL in the heap form) */
	size_t n_groups;
};

/* A refresh token; one heap block, scrubbed and freed by fedjit_refresh_token_free(). */
struct fedjit_refresh_token {
	int64_t obtained; /* unix seconds */
	int64_t expires;  /* unix seconds, 0: the IdP did not say */
	char *issuer;     /* the IdP's issuer it was issued by */
	char *client_id;  /* the client it was issued to */
	char *token;      /* the secret */
};

/* ---- codec (record_state.c): same contract as record.h ---- */

int fedjit_record_encode_state(const struct fedjit_account_state *st, TDB_DATA *ret);
int fedjit_record_decode_state(TDB_DATA d, struct fedjit_account_state **ret);
/* The encoded token record holds the secret: scrub dptr before free(). */
int fedjit_record_encode_refresh(const struct fedjit_refresh_token *t, TDB_DATA *ret);
int fedjit_record_decode_refresh(TDB_DATA d, struct fedjit_refresh_token **ret);

void fedjit_account_state_free(struct fedjit_account_state *st);
void fedjit_refresh_token_free(struct fedjit_refresh_token *t);
static inline void fedjit_account_state_freep(struct fedjit_account_state **p)
{
	fedjit_account_state_free(*p);
}
static inline void fedjit_refresh_token_freep(struct fedjit_refresh_token **p)
{
	fedjit_refresh_token_free(*p);
}
#define _cleanup_state_   __attribute__((cleanup(fedjit_account_state_freep)))
#define _cleanup_refresh_ __attribute__((cleanup(fedjit_refresh_token_freep)))

/* A static name for a lock reason / check result ("administrator", "disabled at the
 * IdP", ...; "unknown" for values outside the enums). */
const char *fedjit_lock_reason_string(unsigned reason);
const char *fedjit_check_result_string(unsigned result);

/* Does the last verification's group list name one of allowed (NULL-terminated)?
 * NULL allowed: true. No groups claim: false. */
bool fedjit_account_state_in_groups(const struct fedjit_account_state *st, char *const *allowed);

/* ---- in the private store (store_state.c); s from fedjit_store_open ----
 * Only a root opener has the private store: without it every call fails with
 * -EACCES. Writes are one transaction of the store, or join its batch. */

struct fedjit_store;

/* *ret: fedjit_account_state_free. -ENOENT: no record (never verified since). */
int fedjit_store_get_state(struct fedjit_store *s, const char *name,
                           struct fedjit_account_state **ret);
/* Replace the record. */
int fedjit_store_set_state(struct fedjit_store *s, const char *name,
                           const struct fedjit_account_state *st);

/* *ret: fedjit_refresh_token_free (scrubs). -ENOENT: none held. */
int fedjit_store_get_refresh_token(struct fedjit_store *s, const char *name,
                                   struct fedjit_refresh_token **ret);
/* 1 when a refresh token is held for name, 0 when not, negative errno. */
int fedjit_store_has_refresh_token(struct fedjit_store *s, const char *name);
/* Replace (t != NULL) or erase (t == NULL) the token. */
int fedjit_store_set_refresh_token(struct fedjit_store *s, const char *name,
                                   const struct fedjit_refresh_token *t);

/*
 * A verification (device-flow login or refresh grant): state st replaces the
 * record, except its lock_reason (the stored one is kept: only
 * fedjit_store_set_lock_reason changes it) and, when st->last_check is 0 (a
 * login), last_check and check_result (the last revalidation stays on
 * record), and, in the same transaction, token replaces the refresh token
 * when given (the IdP issued or rotated one); token NULL keeps the one held.
 * A record that does not decode is replaced. -EINVAL for a token the record
 * cannot hold (check with fedjit_record_encode_refresh first inside a batch:
 * a failed write cancels the batch).
 */
int fedjit_store_record_verified(struct fedjit_store *s, const char *name,
                                 const struct fedjit_account_state *st,
                                 const struct fedjit_refresh_token *token);

/* A revalidation attempt that changed nothing else (unreachable, no token, an
 * error): last_check = when, check_result = result; a record is created when
 * there is none (last_verified 0). */
int fedjit_store_record_check(struct fedjit_store *s, const char *name,
                              enum fedjit_check_result result, int64_t when);

/*
 * The account was locked (reason ADMIN or IDP) or unlocked (NONE): the state
 * record's lock_reason is set (a record is created when there is none) and, on
 * a lock, the refresh token is erased, in one transaction. The lock flag of
 * the user record (fedjit_store_set_locked) is the caller's: lock there first,
 * then here (or both in one batch). Unlocking keeps everything else (the next
 * login or revalidation brings a new token).
 */
int fedjit_store_set_lock_reason(struct fedjit_store *s, const char *name,
                                 enum fedjit_lock_reason reason);

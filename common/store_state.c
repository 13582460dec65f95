/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The account state and refresh token records (common/account_state.h) in
 * the root-only private store, beside the account's private record: a write
 * joins the store's transaction (or batch), so a login records what the IdP
 * said in the same commit as the account's other changes. Without the
 * private store (not root) every call fails with -EACCES.
 *
 * MOVED HERE. These records lived in the secret store first (one more
 * durable commit per login); store_state_move.c moves them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/account_state.h"
#include "common/store_private.h"

static void data_scrub_free(TDB_DATA *d)
{
	if (d->dptr) {
		explicit_bzero(d->dptr, d->dsize);
		free(d->dptr);
	}
	*d = (TDB_DATA){0};
}

/* name's record under the key keyfn builds, copied into a (free it either
 * way). Until the records have moved out of the secret store (a read-only
 * opener never moves them: store_state_move.c), one the private store does
 * not have yet is read there. */
static int state_snap(struct fedjit_store *s,
                      int (*keyfn)(char *buf, const char *name, TDB_DATA *ret), const char *name,
                      struct fedjit_snap *a)
{
	char kb[FEDJIT_KEY_MAX];
	TDB_DATA key;
	int r;

	if (!s->priv)
		return -EACCES;
	if (keyfn(kb, name, &key) < 0)
		return -ENOENT; /* a name no record can have */
	r = fedjit_store_copy_key(s->priv, key, a);
	if (r == -ENOENT && fedjit_store_needs_state_move(s))
		r = fedjit_store_legacy_state(key, a);
	return r;
}

int fedjit_store_get_state(struct fedjit_store *s, const char *name,
                           struct fedjit_account_state **ret)
{
	struct fedjit_snap a = {0};
	int r = state_snap(s, fedjit_key_state, name, &a);

	if (r >= 0)
		r = fedjit_record_decode_state(a.d, ret);
	fedjit_snap_scrub_free(&a);
	return r;
}

int fedjit_store_get_refresh_token(struct fedjit_store *s, const char *name,
                                   struct fedjit_refresh_token **ret)
{
	struct fedjit_snap a = {0};
	int r = state_snap(s, fedjit_key_refresh, name, &a);

	if (r >= 0)
		r = fedjit_record_decode_refresh(a.d, ret);
	fedjit_snap_scrub_free(&a);
	return r;
}

int fedjit_store_has_refresh_token(struct fedjit_store *s, const char *name)
{
	struct fedjit_refresh_token *t = NULL;
	int r = fedjit_store_get_refresh_token(s, name, &t);

	fedjit_refresh_token_free(t);
	return r == 0 ? 1 : r == -ENOENT ? 0 : r;
}

/* Inside a transaction: write (st / t non-NULL) or delete the record. */
static int put_state(struct fedjit_store *s, const char *name,
                     const struct fedjit_account_state *st)
{
	char kb[FEDJIT_KEY_MAX];
	TDB_DATA key, data = {0};
	int r = fedjit_key_state(kb, name, &key);

	if (r >= 0)
		r = fedjit_record_encode_state(st, &data);
	if (r >= 0)
		r = fedjit_store_tx_store(s->priv, key, data);
	data_scrub_free(&data);
	return r;
}

static int put_refresh(struct fedjit_store *s, const char *name,
                       const struct fedjit_refresh_token *t)
{
	char kb[FEDJIT_KEY_MAX];
	TDB_DATA key, data = {0};
	int r = fedjit_key_refresh(kb, name, &key);

	if (r < 0)
		return r;
	if (!t)
		return fedjit_store_tx_delete(s->priv, key);
	r = fedjit_record_encode_refresh(t, &data);
	if (r >= 0)
		r = fedjit_store_tx_store(s->priv, key, data);
	data_scrub_free(&data);
	return r;
}

int fedjit_row_delete_state(struct fedjit_store *s, const char *name)
{
	char kb[FEDJIT_KEY_MAX];
	TDB_DATA key;
	int r = fedjit_store_priv_tx(s);

	if (r < 0)
		return r;
	if (fedjit_key_state(kb, name, &key) < 0)
		return -EINVAL;
	r = fedjit_store_tx_delete(s->priv, key);
	if (r >= 0)
		r = put_refresh(s, name, NULL);
	return r;
}

/* Begin a transaction of s with the private store in it. */
static int state_tx_begin(struct fedjit_store *s)
{
	int r;

	if (!s->priv)
		return -EACCES;
	r = fedjit_store_tx_begin(s);
	if (r < 0)
		return r;
	r = fedjit_store_priv_tx(s);
	if (r < 0)
		return fedjit_store_tx_end(s, r);
	return 0;
}

int fedjit_store_set_state(struct fedjit_store *s, const char *name,
                           const struct fedjit_account_state *st)
{
	int r = state_tx_begin(s);

	if (r < 0)
		return r;
	return fedjit_store_tx_end(s, put_state(s, name, st));
}

int fedjit_store_set_refresh_token(struct fedjit_store *s, const char *name,
                                   const struct fedjit_refresh_token *t)
{
	int r = state_tx_begin(s);

	if (r < 0)
		return r;
	return fedjit_store_tx_end(s, put_refresh(s, name, t));
}

/*
 * The read-modify-write of name's state record: begin a transaction and read
 * the record inside it (no other writer can change it meanwhile: a lock
 * committed by the administrator is kept). *st is the record, or fresh (all
 * zero: never verified, not locked) when there is none or it does not decode
 * (it is replaced: inside a login's batch a failed read would cancel the
 * login's other writes). 1 found, 0 fresh, negative errno with the
 * transaction ended. End with state_end().
 */
static int state_begin(struct fedjit_store *s, const char *name, struct fedjit_account_state **st,
                       struct fedjit_account_state *fresh)
{
	int r = state_tx_begin(s);

	if (r < 0)
		return r;
	*fresh = (struct fedjit_account_state){0};
	*st = NULL;
	r = fedjit_store_get_state(s, name, st);
	if (r == 0)
		return 1;
	*st = fresh;
	if (r == -ENOENT || r == -EBADMSG)
		return 0;
	return fedjit_store_tx_end(s, r);
}

static int state_end(struct fedjit_store *s, struct fedjit_account_state *st,
                     const struct fedjit_account_state *fresh, int r)
{
	if (st != fresh)
		fedjit_account_state_free(st);
	return fedjit_store_tx_end(s, r);
}

int fedjit_store_record_verified(struct fedjit_store *s, const char *name,
                                 const struct fedjit_account_state *st,
                                 const struct fedjit_refresh_token *token)
{
	struct fedjit_account_state *old, fresh, next;
	int found, r;

	if (!st)
		return -EINVAL;
	found = state_begin(s, name, &old, &fresh);
	if (found < 0)
		return found;
	/* the lock reason is not the verification's to change */
	next = *st;
	next.lock_reason = old->lock_reason;
	if (found && next.last_check == 0) { /* a login: the last revalidation stays */
		next.last_check = old->last_check;
		next.check_result = old->check_result;
	}
	r = put_state(s, name, &next);
	if (r >= 0 && token)
		r = put_refresh(s, name, token);
	return state_end(s, old, &fresh, r);
}

int fedjit_store_set_lock_reason(struct fedjit_store *s, const char *name,
                                 enum fedjit_lock_reason reason)
{
	struct fedjit_account_state *st, fresh;
	int r;

	if (reason > FEDJIT_LOCK_IDP)
		return -EINVAL;
	r = state_begin(s, name, &st, &fresh);
	if (r < 0)
		return r;
	st->lock_reason = reason;
	r = put_state(s, name, st);
	if (r >= 0 && reason != FEDJIT_LOCK_NONE)
		r = put_refresh(s, name, NULL);
	return state_end(s, st, &fresh, r);
}

int fedjit_store_record_check(struct fedjit_store *s, const char *name,
                              enum fedjit_check_result result, int64_t when)
{
	struct fedjit_account_state *st, fresh;
	int r;

	if (result > FEDJIT_CHECK_RESULT_MAX)
		return -EINVAL;
	r = state_begin(s, name, &st, &fresh);
	if (r < 0)
		return r;
	st->last_check = when;
	st->check_result = (uint8_t)result;
	return state_end(s, st, &fresh, put_state(s, name, st));
}

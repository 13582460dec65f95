/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The account state and refresh token records of the secret store
 * (common/account_state.h). Each write is one transaction of the secret store.
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

int fedjit_secret_get_state(struct fedjit_secret_store *ss, const char *name,
                            struct fedjit_account_state **ret)
{
	struct fedjit_snap a = {0};
	int r = fedjit_secret_snap(ss, fedjit_key_state, name, &a);

	if (r >= 0)
		r = fedjit_record_decode_state(a.d, ret);
	fedjit_snap_scrub_free(&a);
	return r;
}

int fedjit_secret_get_refresh_token(struct fedjit_secret_store *ss, const char *name,
                                    struct fedjit_refresh_token **ret)
{
	struct fedjit_snap a = {0};
	int r = fedjit_secret_snap(ss, fedjit_key_refresh, name, &a);

	if (r >= 0)
		r = fedjit_record_decode_refresh(a.d, ret);
	fedjit_snap_scrub_free(&a);
	return r;
}

int fedjit_secret_has_refresh_token(struct fedjit_secret_store *ss, const char *name)
{
	struct fedjit_refresh_token *t = NULL;
	int r = fedjit_secret_get_refresh_token(ss, name, &t);

	fedjit_refresh_token_free(t);
	return r == 0 ? 1 : r == -ENOENT ? 0 : r;
}

/* Inside a transaction: write (st / t non-NULL) or delete the record. */
static int put_state(struct fedjit_secret_store *ss, const char *name,
                     const struct fedjit_account_state *st)
{
	char kb[FEDJIT_KEY_MAX];
	TDB_DATA key, data = {0};
	int r = fedjit_key_state(kb, name, &key);

	if (r >= 0)
		r = fedjit_record_encode_state(st, &data);
	if (r >= 0)
		r = fedjit_store_tx_store(&ss->st, key, data);
	data_scrub_free(&data);
	return r;
}

static int put_refresh(struct fedjit_secret_store *ss, const char *name,
                       const struct fedjit_refresh_token *t)
{
	char kb[FEDJIT_KEY_MAX];
	TDB_DATA key, data = {0};
	int r = fedjit_key_refresh(kb, name, &key);

	if (r < 0)
		return r;
	if (!t)
		return fedjit_store_tx_delete(&ss->st, key);
	r = fedjit_record_encode_refresh(t, &data);
	if (r >= 0)
		r = fedjit_store_tx_store(&ss->st, key, data);
	data_scrub_free(&data);
	return r;
}

int fedjit_secret_set_state(struct fedjit_secret_store *ss, const char *name,
                            const struct fedjit_account_state *st)
{
	int r = fedjit_store_tx_begin(&ss->st);

	if (r < 0)
		return r;
	return fedjit_store_tx_end(&ss->st, put_state(ss, name, st));
}

int fedjit_secret_set_refresh_token(struct fedjit_secret_store *ss, const char *name,
                                    const struct fedjit_refresh_token *t)
{
	int r = fedjit_store_tx_begin(&ss->st);

	if (r < 0)
		return r;
	return fedjit_store_tx_end(&ss->st, put_refresh(ss, name, t));
}

/*
 * The read-modify-write of name's state record: begin a transaction and read
 * the record inside it (no other writer can change it meanwhile: a lock
 * committed by the administrator is kept). *st is the record, or fresh (all
 * zero: never verified, not locked) when there is none. 1 found, 0 fresh,
 * negative errno with the transaction cancelled. End with state_end().
 */
static int state_begin(struct fedjit_secret_store *ss, const char *name,
                       struct fedjit_account_state **st, struct fedjit_account_state *fresh)
{
	int r = fedjit_store_tx_begin(&ss->st);

	if (r < 0)
		return r;
	*fresh = (struct fedjit_account_state){0};
	*st = NULL;
	r = fedjit_secret_get_state(ss, name, st);
	if (r == 0)
		return 1;
	*st = fresh;
	if (r == -ENOENT)
		return 0;
	return fedjit_store_tx_end(&ss->st, r);
}

static int state_end(struct fedjit_secret_store *ss, struct fedjit_account_state *st,
                     const struct fedjit_account_state *fresh, int r)
{
	if (st != fresh)
		fedjit_account_state_free(st);
	return fedjit_store_tx_end(&ss->st, r);
}

int fedjit_secret_record_verified(struct fedjit_secret_store *ss, const char *name,
                                  const struct fedjit_account_state *st,
                                  const struct fedjit_refresh_token *token)
{
	struct fedjit_account_state *old, fresh, next;
	int found, r;

	if (!st)
		return -EINVAL;
	found = state_begin(ss, name, &old, &fresh);
	if (found < 0)
		return found;
	/* the lock reason is not the verification's to change */
	next = *st;
	next.lock_reason = old->lock_reason;
	if (found && next.last_check == 0) { /* a login: the last revalidation stays */
		next.last_check = old->last_check;
		next.check_result = old->check_result;
	}
	r = put_state(ss, name, &next);
	if (r >= 0 && token)
		r = put_refresh(ss, name, token);
	return state_end(ss, old, &fresh, r);
}

int fedjit_secret_set_lock_reason(struct fedjit_secret_store *ss, const char *name,
                                  enum fedjit_lock_reason reason)
{
	struct fedjit_account_state *st, fresh;
	int r;

	if (reason > FEDJIT_LOCK_IDP)
		return -EINVAL;
	r = state_begin(ss, name, &st, &fresh);
	if (r < 0)
		return r;
	st->lock_reason = reason;
	r = put_state(ss, name, st);
	if (r >= 0 && reason != FEDJIT_LOCK_NONE)
		r = put_refresh(ss, name, NULL);
	return state_end(ss, st, &fresh, r);
}

int fedjit_secret_record_check(struct fedjit_secret_store *ss, const char *name,
                               enum fedjit_check_result result, int64_t when)
{
	struct fedjit_account_state *st, fresh;
	int r;

	if (result > FEDJIT_CHECK_RESULT_MAX)
		return -EINVAL;
	r = state_begin(ss, name, &st, &fresh);
	if (r < 0)
		return r;
	st->last_check = when;
	st->check_result = (uint8_t)result;
	return state_end(ss, st, &fresh, put_state(ss, name, st));
}

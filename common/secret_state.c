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

int fedjit_secret_record_verified(struct fedjit_secret_store *ss, const char *name,
                                  const struct fedjit_account_state *st,
                                  const struct fedjit_refresh_token *token)
{
	struct fedjit_account_state *old = NULL, next;
	int r;

	if (!st)
		return -EINVAL;
	r = fedjit_store_tx_begin(&ss->st);
	if (r < 0)
		return r;
	/* the lock reason is not the verification's to change (read inside the
	 * transaction: a lock committed meanwhile is kept) */
	next = *st;
	r = fedjit_secret_get_state(ss, name, &old);
	next.lock_reason = r == 0 ? old->lock_reason : FEDJIT_LOCK_NONE;
	if (r == 0 && next.last_check == 0) { /* a login: the last revalidation stays */
		next.last_check = old->last_check;
		next.check_result = old->check_result;
	}
	r = r == -ENOENT ? 0 : r;
	if (r >= 0)
		r = put_state(ss, name, &next);
	if (r >= 0 && token)
		r = put_refresh(ss, name, token);
	fedjit_account_state_free(old);
	return fedjit_store_tx_end(&ss->st, r);
}

int fedjit_secret_set_lock_reason(struct fedjit_secret_store *ss, const char *name,
                                  enum fedjit_lock_reason reason)
{
	struct fedjit_account_state *st = NULL, fresh = {0};
	int r;

	if (reason > FEDJIT_LOCK_IDP)
		return -EINVAL;
	r = fedjit_store_tx_begin(&ss->st);
	if (r < 0)
		return r;
	/* read inside the transaction: no other writer can change it meanwhile */
	r = fedjit_secret_get_state(ss, name, &st);
	if (r == -ENOENT) {
		st = &fresh;
		r = 0;
	}
	if (r >= 0) {
		st->lock_reason = reason;
		r = put_state(ss, name, st);
	}
	if (r >= 0 && reason != FEDJIT_LOCK_NONE)
		r = put_refresh(ss, name, NULL);
	if (st != &fresh)
		fedjit_account_state_free(st);
	return fedjit_store_tx_end(&ss->st, r);
}

int fedjit_secret_record_check(struct fedjit_secret_store *ss, const char *name,
                               enum fedjit_check_result result, int64_t when)
{
	struct fedjit_account_state *st = NULL, fresh = {0};
	int r;

	if (result > FEDJIT_CHECK_RESULT_MAX)
		return -EINVAL;
	r = fedjit_store_tx_begin(&ss->st);
	if (r < 0)
		return r;
	r = fedjit_secret_get_state(ss, name, &st);
	if (r == -ENOENT) {
		st = &fresh;
		r = 0;
	}
	if (r >= 0) {
		st->last_check = when;
		st->check_result = (uint8_t)result;
		r = put_state(ss, name, st);
	}
	if (st != &fresh)
		fedjit_account_state_free(st);
	return fedjit_store_tx_end(&ss->st, r);
}

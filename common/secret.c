/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The root-only secret store (FEDJIT_SECRET_DB_FILE, 0600): local password
 * hashes and consent records, keyed by account name (the account state and
 * refresh token records were here too, before they moved to the private
 * store: store_state_move.c; deleting an account's secrets deletes what is
 * left of them). Same file handling, locking and transactions as the
 * account store; its own version key.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/macro.h"
#include "common/store_private.h"

int fedjit_secret_open(const char *path, unsigned flags, struct fedjit_secret_store **ret)
{
	struct fedjit_secret_store *ss = calloc(1, sizeof(*ss));
	int r;

	if (!ss)
		return -ENOMEM;
	r = fedjit_store_open_internal(&ss->st, path ? path : FEDJIT_SECRET_DB_FILE, flags, 0600,
	                               FEDJIT_SECRET_STORE_VERSION, true, NULL);
	if (r < 0) {
		free(ss);
		return r;
	}
	*ret = ss;
	return 0;
}

void fedjit_secret_close(struct fedjit_secret_store *ss)
{
	if (!ss)
		return;
	fedjit_store_close_internal(&ss->st);
	free(ss);
}

static int put_or_delete(struct fedjit_store *s, TDB_DATA key, int r, TDB_DATA data, bool del)
{
	if (r < 0)
		return r;
	r = fedjit_store_tx_begin(s);
	if (r >= 0)
		r = fedjit_store_tx_end(s, del ? fedjit_store_tx_delete(s, key)
		                               : fedjit_store_tx_store(s, key, data));
	if (data.dptr) {
		explicit_bzero(data.dptr, data.dsize);
		free(data.dptr);
	}
	return r;
}

/* Copy name's record under the key keyfn builds into a (free it either way). */
int fedjit_secret_snap(struct fedjit_secret_store *ss,
                       int (*keyfn)(char *buf, const char *name, TDB_DATA *ret), const char *name,
                       struct fedjit_snap *a)
{
	char kb[FEDJIT_KEY_MAX];
	TDB_DATA key;

	if (!ss || keyfn(kb, name, &key) < 0)
		return -ENOENT; /* a name no record can have */
	return fedjit_store_copy_key(&ss->st, key, a);
}

void fedjit_snap_scrub_free(struct fedjit_snap *a)
{
	explicit_bzero(a->inline_buf, sizeof(a->inline_buf));
	if (a->heap)
		explicit_bzero(a->heap, a->d.dsize);
	fedjit_snap_free(a);
}

int fedjit_secret_set_password_hash(struct fedjit_secret_store *ss, const char *name,
                                    const char *hash)
{
	char kb[FEDJIT_KEY_MAX];
	TDB_DATA key, data = {0};
	int r = fedjit_key_pwhash(kb, name, &key);

	if (r < 0)
		return r;
	if (hash)
		r = fedjit_record_encode_pwhash(hash, &data);
	return put_or_delete(&ss->st, key, r, data, !hash);
}

int fedjit_secret_get_password_hash(struct fedjit_secret_store *ss, const char *name,
                                    char **ret_hash)
{
	struct fedjit_snap a = {0};
	int r = fedjit_secret_snap(ss, fedjit_key_pwhash, name, &a);

	if (r >= 0)
		r = fedjit_record_decode_pwhash(a.d, ret_hash);
	fedjit_snap_scrub_free(&a);
	return r;
}

int fedjit_secret_parse_password_hash(struct fedjit_secret_store *ss, const char *name,
                                      int (*fn)(const char *hash, void *userdata), void *userdata)
{
	struct fedjit_snap a = {0};
	const char *hash;
	int r = fedjit_secret_snap(ss, fedjit_key_pwhash, name, &a);

	if (r >= 0)
		r = fedjit_record_view_pwhash(a.d, &hash);
	if (r >= 0)
		r = fn(hash, userdata);
	fedjit_snap_scrub_free(&a);
	return r;
}

int fedjit_secret_set_consent(struct fedjit_secret_store *ss, const char *name,
                              const struct fedjit_consent *c)
{
	char kb[FEDJIT_KEY_MAX];
	TDB_DATA key, data = {0};
	int r = fedjit_key_consent(kb, name, &key);

	if (r < 0)
		return r;
	if (!c)
		return -EINVAL;
	r = fedjit_record_encode_consent(c, &data);
	return put_or_delete(&ss->st, key, r, data, false);
}

int fedjit_secret_get_consent(struct fedjit_secret_store *ss, const char *name,
                              struct fedjit_consent **ret)
{
	struct fedjit_snap a = {0};
	int r = fedjit_secret_snap(ss, fedjit_key_consent, name, &a);

	if (r >= 0)
		r = fedjit_record_decode_consent(a.d, ret);
	fedjit_snap_free(&a);
	return r;
}

int fedjit_secret_delete_user(struct fedjit_secret_store *ss, const char *name)
{
	/* every per-account record of the secret store (and the state records of
	 * before the move) */
	static int (*const keys[])(char *, const char *, TDB_DATA *) = {
	        fedjit_key_pwhash,
	        fedjit_key_consent,
	        fedjit_key_state,
	        fedjit_key_refresh,
	};
	char kb[FEDJIT_KEY_MAX];
	TDB_DATA k;
	int r;

	if (fedjit_key_pwhash(kb, name, &k) < 0)
		return -EINVAL;
	r = fedjit_store_tx_begin(&ss->st);
	if (r < 0)
		return r;
	for (size_t i = 0; i < FEDJIT_ELEMENTSOF(keys) && r >= 0; i++) {
		r = keys[i](kb, name, &k);
		if (r >= 0)
			r = fedjit_store_tx_delete(&ss->st, k);
	}
	return fedjit_store_tx_end(&ss->st, r);
}

struct secret_names {
	struct fedjit_strv sv;
	int r;
};

static int secret_names_cb(TDB_DATA key, TDB_DATA data, void *p)
{
	struct secret_names *sn = p;
	const char *rest;
	size_t len;
	enum fedjit_key_kind kind = fedjit_key_classify(key, &rest, &len);

	if (kind != FEDJIT_KEY_PWHASH && kind != FEDJIT_KEY_CONSENT && kind != FEDJIT_KEY_STATE &&
	    kind != FEDJIT_KEY_REFRESH)
		return 0;
	sn->r = fedjit_strv_push(&sn->sv, rest, len);
	return sn->r;
}

int fedjit_secret_list_users(struct fedjit_secret_store *ss, char ***ret, size_t *ret_n)
{
	struct secret_names sn = {0};
	int r = fedjit_store_walk(&ss->st, 0, secret_names_cb, &sn);

	if (r < 0) {
		fedjit_strv_free(sn.sv.v);
		return r;
	}
	if (!sn.sv.v && !(sn.sv.v = calloc(1, sizeof(char *))))
		return -ENOMEM;
	fedjit_strv_sort(sn.sv.v, sn.sv.n);
	/* A name with several records was collected once per record. */
	size_t m = 0;
	for (size_t i = 0; i < sn.sv.n; i++) {
		if (m > 0 && strcmp(sn.sv.v[m - 1], sn.sv.v[i]) == 0)
			free(sn.sv.v[i]);
		else
			sn.sv.v[m++] = sn.sv.v[i];
	}
	sn.sv.v[m] = NULL;
	sn.sv.n = m;
	*ret = sn.sv.v;
	if (ret_n)
		*ret_n = sn.sv.n;
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The move of the account state and refresh token records from the secret
 * store, where they lived first, into the private store (store_state.c),
 * where a login writes them in the same commit as the account's other
 * records: one durable commit per returning login instead of two.
 *
 * WHO MOVES. The store does not know where the secret store is (that is the
 * configuration's secret_db_file): the helper and the admin tool tell it once
 * per process, with the store it belongs to (fedjit_store_set_legacy_secret;
 * no other store ever takes its records: not a dry run's scratch store, not
 * a copy). Then the next read-write opener of that store, when its private
 * store has no "state-moved" marker, moves the
 * records (store.c; the package's postinst runs `fedjit db recover`, which
 * is one): every record of the secret store that the private store does not
 * have yet is copied, and the marker set, in one commit of the private
 * store; then the copies in the secret store are deleted. Until then a
 * reader that finds no record in the private store reads the secret store's
 * (store_state.c), without waiting for any lock: a read-only opener never
 * moves anything, so it never waits for a writer. A crash
 * before the commit moves nothing (the next opener starts again); after it,
 * the marker stands and the secret store's copies are never read again (they
 * are deleted with their account, or by `fedjit db recover`). Records already
 * in the private store win: they were written later.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "common/macro.h"
#include "common/store_private.h"

static const char *legacy_db, *legacy_secret;

void fedjit_store_set_legacy_secret(const char *db_path, const char *secret_path)
{
	legacy_db = db_path;
	legacy_secret = db_path ? secret_path : NULL;
}

bool fedjit_store_needs_state_move(struct fedjit_store *s)
{
	char kb[FEDJIT_KEY_MAX];
	TDB_DATA key;

	/* only the store the secret store belongs to (never a dry run's scratch
	 * store, nor a copy named on the admin tool's command line) */
	if (!legacy_secret || !s->priv || !s->path || strcmp(s->path, legacy_db) != 0)
		return false;
	fedjit_key_state_moved(kb, &key);
	return fedjit_store_exists(s->priv, key) == 0;
}

struct move {
	struct fedjit_store *s;
	struct fedjit_strv keys; /* the secret store's keys to delete afterwards */
	unsigned moved;
	int r;
};

/* Collect the secret store's key (to delete it afterwards). */
static int collect_cb(TDB_DATA key, TDB_DATA data, void *p)
{
	struct move *m = p;

	(void)data;
	m->r = fedjit_strv_push(&m->keys, (const char *)key.dptr, key.dsize);
	return m->r < 0 ? m->r : 0;
}

/* Collect it, and copy the record unless the private store has one. */
static int move_cb(TDB_DATA key, TDB_DATA data, void *p)
{
	struct move *m = p;
	int r = collect_cb(key, data, p);

	if (r >= 0 && fedjit_store_exists(m->s->priv, key) == 0) {
		r = fedjit_store_tx_store(m->s->priv, key, data);
		m->moved += r >= 0;
		m->r = r;
	}
	return r < 0 ? r : 0;
}

/* Delete the moved records from the secret store (one transaction). */
static int delete_moved(struct fedjit_secret_store *ss, const struct fedjit_strv *keys)
{
	int r = fedjit_store_tx_begin(&ss->st);

	if (r < 0)
		return r;
	for (size_t i = 0; r >= 0 && i < keys->n; i++)
		r = fedjit_store_tx_delete(
		        &ss->st, (TDB_DATA){(unsigned char *)keys->v[i], strlen(keys->v[i])});
	return fedjit_store_tx_end(&ss->st, r);
}

int fedjit_store_legacy_state(TDB_DATA key, struct fedjit_snap *a)
{
	struct fedjit_secret_store *ss = NULL;
	int r = legacy_secret ? fedjit_secret_open(legacy_secret, FEDJIT_STORE_RDONLY, &ss)
	                      : -ENOENT;

	if (r < 0)
		return r == -ENOENT || r == -EACCES ? -ENOENT : r;
	r = fedjit_store_copy_key(&ss->st, key, a);
	fedjit_secret_close(ss);
	return r;
}

int fedjit_store_move_state(struct fedjit_store *s)
{
	struct fedjit_secret_store *ss = NULL;
	struct move m = {.s = s};
	char kb[FEDJIT_KEY_MAX];
	TDB_DATA key, one = {0};
	int r;

	if (!fedjit_store_needs_state_move(s))
		return 0;
	r = fedjit_secret_open(legacy_secret, 0, &ss);
	if (r < 0 && r != -ENOENT)
		return r;
	r = fedjit_store_batch_begin(s);
	if (r < 0)
		goto out;
	r = fedjit_store_priv_tx(s);
	fedjit_key_state_moved(kb, &key);
	/* another opener may have moved them while this one waited for the lock */
	if (r >= 0 && fedjit_store_exists(s->priv, key) == 1) {
		r = fedjit_store_batch_end(s, -ECANCELED) == -ECANCELED ? 0 : -EIO;
		goto out;
	}
	if (r >= 0 && ss)
		r = fedjit_store_walk(&ss->st, FEDJIT_KEY_STATE, move_cb, &m);
	if (r >= 0 && ss)
		r = fedjit_store_walk(&ss->st, FEDJIT_KEY_REFRESH, move_cb, &m);
	if (r >= 0)
		r = m.r;
	if (r >= 0)
		r = fedjit_record_encode_version(1, &one);
	if (r >= 0)
		r = fedjit_store_tx_store(s->priv, key, one);
	free(one.dptr);
	r = fedjit_store_batch_end(s, r);
	if (r >= 0 && m.keys.n > 0) {
		int q = delete_moved(ss, &m.keys);

		if (q < 0)
			syslog(LOG_AUTHPRIV | LOG_WARNING,
			       "store: %s: the account state records moved to the private store "
			       "are still in the secret store %s too (%s); `fedjit db recover` "
			       "deletes them",
			       s->path, legacy_secret, fedjit_store_strerror(q));
	}
	if (r >= 0 && m.keys.n > 0)
		syslog(LOG_AUTHPRIV | LOG_NOTICE,
		       "store: %s: moved %u account state and refresh token records from %s "
		       "into the private store",
		       s->path, m.moved, legacy_secret);
out:
	fedjit_strv_free(m.keys.v);
	fedjit_secret_close(ss);
	return r;
}

int fedjit_store_drop_moved_state(struct fedjit_store *s, struct fedjit_secret_store *ss)
{
	struct move m = {.s = s};
	char kb[FEDJIT_KEY_MAX];
	TDB_DATA key;
	int r;

	fedjit_key_state_moved(kb, &key);
	if (!s->priv || !ss || fedjit_store_exists(s->priv, key) != 1)
		return 0;
	/* the marker stands: these copies are never read again */
	r = fedjit_store_walk(&ss->st, FEDJIT_KEY_STATE, collect_cb, &m);
	if (r >= 0)
		r = fedjit_store_walk(&ss->st, FEDJIT_KEY_REFRESH, collect_cb, &m);
	if (r >= 0 && m.keys.n > 0)
		r = delete_moved(ss, &m.keys);
	fedjit_strv_free(m.keys.v);
	return r < 0 ? r : (int)m.keys.n;
}

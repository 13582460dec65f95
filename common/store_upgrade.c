/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The upgrade of a store of version 1, whose user records held personal data
 * (issuer, subject, email, domain, IdP, creation and last login) and whose
 * (issuer, subject) links were in the world-readable file, to version 2
 * (record.c: what lives where). The next root opener does it, like a
 * recovery (store.c): the helper at the first login, any `fedjit` command,
 * `fedjit db recover` in the package's maintainer scripts.
 *
 * Under the writers' lock, held throughout (logins wait, up to the lock's
 * deadline; the NSS module reads on, both formats):
 *  1. one commit pair: the private store gets the "upgrading" marker, then
 *     the store version 2 (from here on an older fedjit refuses the store
 *     instead of misreading it);
 *  2. the store's hash chains in order, a batch of about UPGRADE_BATCH
 *     records at a time, each batch one commit pair (private store first):
 *     a format 1 user becomes its account record and a format 2 user
 *     record, a link moves to the private store, a format 1 group gets its
 *     member offsets (format 2);
 *  3. the store's live records are copied into a new file beside it, which
 *     is synced and renamed over it: tdb leaves the bytes of deleted records
 *     (and the old data of its recovery area) in the file, and the old
 *     records were personal data in a world-readable file;
 *  4. the marker goes.
 * A crash anywhere leaves the marker (or version 1): the next root opener
 * starts again, and every step is idempotent (a record already converted is
 * left alone). Memory is one batch, whatever the size of the store. The
 * opener's handle refers to the replaced file afterwards: fedjit_store_open
 * opens the store again.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "common/macro.h"
#include "common/store_private.h"

#define UPGRADE_BATCH 10000

struct keys {
	TDB_DATA *v;
	size_t n, cap;
	int err;
};

static void keys_clear(struct keys *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->v[i].dptr);
	k->n = 0;
}

/* A record that the upgrade changes: a format 1 user or group, a link. */
static int collect_cb(TDB_DATA key, TDB_DATA data, void *p)
{
	struct keys *k = p;
	const char *rest;
	size_t len;
	enum fedjit_key_kind kind = fedjit_key_classify(key, &rest, &len);

	bool old = (kind == FEDJIT_KEY_USER || kind == FEDJIT_KEY_GROUP) && data.dsize &&
	           data.dptr[0] == 1; /* format 1 */

	if (!old && kind != FEDJIT_KEY_LINK)
		return 0;
	if (k->n == k->cap) {
		size_t cap = k->cap ? 2 * k->cap : 1024;
		TDB_DATA *v = reallocarray(k->v, cap, sizeof(*v));

		if (!v)
			return k->err = -ENOMEM;
		k->v = v;
		k->cap = cap;
	}
	k->v[k->n].dptr = malloc(key.dsize);
	if (!k->v[k->n].dptr)
		return k->err = -ENOMEM;
	memcpy(k->v[k->n].dptr, key.dptr, key.dsize);
	k->v[k->n++].dsize = key.dsize;
	return 0;
}

static int snap_cb(TDB_DATA data, void *p)
{
	return fedjit_snap_place(data.dptr, data.dsize, p);
}

static int convert(struct fedjit_store *s, TDB_DATA key)
{
	const char *rest;
	size_t len;
	enum fedjit_key_kind kind = fedjit_key_classify(key, &rest, &len);
	struct fedjit_snap a = {0};
	int r = fedjit_store_parse_key(s, key, snap_cb, &a);

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (kind == FEDJIT_KEY_LINK) {
		/* moved as it is: the checker judges it in its new place */
		r = fedjit_store_priv_tx(s);
		if (r >= 0)
			r = fedjit_store_tx_store(s->priv, key, a.d);
		if (r >= 0)
			r = fedjit_store_tx_delete(s, key);
	} else if (kind == FEDJIT_KEY_USER) {
		struct fedjit_user *u = NULL;

		/* a corrupt record stays as it is, for the checker to report */
		if (fedjit_record_decode_user(a.d, &u) == 0 && strlen(u->name) == len &&
		    memcmp(u->name, rest, len) == 0)
			r = fedjit_row_put_user(s, u);
		fedjit_user_free(u);
	} else {
		struct fedjit_group *g = NULL;

		if (fedjit_record_decode_group(a.d, &g) == 0 && strlen(g->name) == len &&
		    memcmp(g->name, rest, len) == 0)
			r = fedjit_row_put_group(s, g);
		fedjit_group_free(g);
	}
	fedjit_snap_free(&a);
	return r;
}

/* The marker and the version (step 1), or the marker gone (step 4: the
 * private store alone, the store's file being new by then). */
static int mark(struct fedjit_store *s, bool begin)
{
	char kb[FEDJIT_KEY_MAX];
	TDB_DATA key, data = {0};
	int r;

	fedjit_key_upgrading(kb, &key);
	if (!begin) {
		r = fedjit_store_tx_begin(s->priv);
		if (r < 0)
			return r;
		return fedjit_store_tx_end(s->priv, fedjit_store_tx_delete(s->priv, key));
	}
	r = fedjit_store_tx_begin(s);
	if (r < 0)
		return r;
	r = fedjit_store_priv_tx(s);
	if (r >= 0)
		r = fedjit_record_encode_version(FEDJIT_STORE_VERSION, &data);
	if (r >= 0)
		r = fedjit_store_tx_store(s->priv, key, data);
	if (r >= 0) {
		fedjit_key_version(kb, &key);
		r = fedjit_store_tx_store(s, key, data);
	}
	free(data.dptr);
	return fedjit_store_tx_end(s, r);
}

bool fedjit_store_needs_upgrade(struct fedjit_store *s)
{
	char kb[FEDJIT_KEY_MAX];
	struct fedjit_snap sn = {0};
	TDB_DATA key;
	bool marked;

	if (s->version < FEDJIT_STORE_VERSION)
		return true;
	if (!s->priv)
		return false;
	fedjit_key_upgrading(kb, &key);
	marked = fedjit_store_copy_key(s->priv, key, &sn) == 0;
	fedjit_snap_free(&sn);
	return marked;
}

struct copy {
	struct tdb_context *to;
	int err;
};

static int copy_cb(struct tdb_context *from, TDB_DATA key, TDB_DATA data, void *p)
{
	struct copy *c = p;

	if (tdb_store(c->to, key, data, TDB_INSERT) != 0) {
		c->err = -EIO;
		return 1;
	}
	return 0;
}

/* Step 3: the live records into a new file, renamed over the store. */
static int compact(struct fedjit_store *s)
{
	char tmp[PATH_MAX];
	struct copy c = {0};
	int r = 0, fd;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.upgrade", s->path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	unlink(tmp);
	/* not live until renamed: no locks, no transactions, one sync at the end */
	c.to = tdb_open_ex(tmp, (int)tdb_hash_size(s->tdb),
	                   TDB_NOLOCK | TDB_NOSYNC | TDB_NOMMAP | TDB_SEQNUM |
	                           TDB_INCOMPATIBLE_HASH,
	                   O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644, NULL, NULL);
	if (!c.to)
		return -errno ? -errno : -EIO;
	if (fchmod(tdb_fd(c.to), 0644) < 0 ||
	    (tdb_traverse_read(s->tdb, copy_cb, &c) < 0 && c.err == 0))
		r = -EIO;
	if (r == 0)
		r = c.err;
	if (r == 0 && fdatasync(tdb_fd(c.to)) < 0)
		r = -errno;
	tdb_close(c.to);
	if (r == 0 && rename(tmp, s->path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	fd = open(s->path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		/* the directory entry: a sync of the file's directory */
		char dir[PATH_MAX];
		char *slash;

		snprintf(dir, sizeof(dir), "%s", s->path);
		slash = strrchr(dir, '/');
		close(fd);
		if (slash && slash != dir) {
			*slash = '\0';
			fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (fd >= 0) {
				(void)fsync(fd);
				close(fd);
			}
		}
	}
	return 0;
}

static int upgrade(struct fedjit_store *s, size_t *ret_n)
{
	struct keys k = {0};
	uint32_t chains = fedjit_read_chains(s), c = 0;
	int r = mark(s, true);

	while (r >= 0 && c < chains) {
		/* the next chains' records, up to a batch; converting them changes
		 * no other chain (a record stays in its key's chain) */
		for (; c < chains && k.n < UPGRADE_BATCH && r >= 0; c++)
			r = fedjit_read_chain(s, c, collect_cb, &k);
		if (k.err < 0)
			r = k.err;
		if (r < 0 || k.n == 0)
			continue;
		r = fedjit_store_tx_begin(s);
		for (size_t i = 0; r >= 0 && i < k.n; i++)
			r = convert(s, k.v[i]);
		if (r > 0)
			r = 0;
		r = fedjit_store_tx_end(s, r);
		*ret_n += k.n;
		keys_clear(&k);
	}
	keys_clear(&k);
	free(k.v);
	if (r >= 0)
		r = compact(s);
	return r < 0 ? r : mark(s, false);
}

int fedjit_store_upgrade(struct fedjit_store *s)
{
	size_t n = 0;
	bool ran = false;
	int r;

	if (!s->priv)
		return -EACCES;
	r = fedjit_store_wlock(s);
	if (r < 0)
		return r;
	/* another opener may have done it while this one waited for the lock */
	TDB_DATA key, data;
	char kb[FEDJIT_KEY_MAX];
	uint32_t v;

	fedjit_key_version(kb, &key);
	data = tdb_fetch(s->tdb, key);
	if (data.dptr && fedjit_record_decode_version(data, &v) == 0)
		s->version = v;
	free(data.dptr);
	if (fedjit_store_needs_upgrade(s)) {
		ran = true;
		r = upgrade(s, &n);
		if (r < 0)
			syslog(LOG_AUTHPRIV | LOG_ERR,
			       "store: %s: upgrade to version %d stopped (%s); the next root "
			       "opener goes on",
			       s->path, FEDJIT_STORE_VERSION, fedjit_store_strerror(r));
		else
			syslog(LOG_AUTHPRIV | LOG_NOTICE,
			       "store: %s: upgraded to version %d (%zu records converted; "
			       "personal data now in the private store)",
			       s->path, FEDJIT_STORE_VERSION, n);
	}
	if (r >= 0)
		s->version = FEDJIT_STORE_VERSION;
	fedjit_store_wunlock(s);
	return r < 0 ? r : ran ? 1 : 0;
}

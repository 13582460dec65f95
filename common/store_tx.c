/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Transactions of the store and its private store (store.h): begin, writes
 * with failure injection, and the commit of one or both files.
 *
 * A write operation of the API is one transaction of the store; the first
 * write it makes to the private store joins a transaction of that file too
 * (under the same writers' lock). Nothing is committed that was not
 * written: a transaction that wrote nothing, or only bytes a record already
 * had, is cancelled (no fsync), so a returning login that changes only its
 * last-login time commits the private store alone.
 *
 * TWO FILES. tdb commits one file at a time, so an operation that writes
 * both cannot be atomic across them. Both are prepared first (tdb writes and
 * syncs each one's recovery data, which is where a full disk shows), then
 * committed one after the other, in the order that leaves only harmless
 * states behind a crash between the two commits: the private store first
 * when records are added (creation), the store first when they are removed
 * (deletion). Either way a crash can leave private records without a user,
 * never a user without its private records; such leftovers are ignored by
 * every lookup (a link counts only when its account record and user agree)
 * and deleted by the next creation that meets them or by `fedjit db check
 * --repair` (store_repair.c).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "common/store_private.h"

unsigned fedjit_store_debug_fail_after;
void (*fedjit_store_debug_commit_hook)(void);
void (*fedjit_store_debug_between_hook)(void);

/* The file at s->path is still the one s has open (a restore renames a new
 * store over it: a writer that opened the old one must not commit into it). */
static int same_file(struct fedjit_store *s)
{
	struct stat a, b;

	if (stat(s->path, &a) < 0)
		return errno == ENOENT ? -ESTALE : -errno;
	if (fstat(tdb_fd(s->tdb), &b) < 0)
		return -errno;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino ? 0 : -ESTALE;
}

int fedjit_store_tx_begin(struct fedjit_store *s)
{
	int r;

	if (s->flags & FEDJIT_STORE_RDONLY)
		return -EROFS;
	/* Inside a batch every operation joins the batch's transaction (tdb
	 * nesting is disabled: its error semantics are too subtle). */
	if (s->batch)
		return s->batch_failed ? -ECANCELED : 0;
	/* The writers' lock, with its deadline (store_lock.c); tdb itself takes
	 * no lock (TDB_NOLOCK), so nothing below can wait for a reader. */
	r = fedjit_store_wlock(s);
	if (r < 0)
		return r;
	r = same_file(s);
	if (r < 0 || tdb_transaction_start(s->tdb) != 0) {
		fedjit_store_wunlock(s);
		return r < 0 ? r : -EIO;
	}
	s->dirty = false;
	s->public_first = false;
	return 0;
}

int fedjit_store_priv_tx(struct fedjit_store *s)
{
	struct fedjit_store *p = s->priv;
	int r;

	if (!p)
		return -EACCES;
	if (tdb_transaction_active(p->tdb))
		return 0;
	r = fedjit_store_wlock(p); /* nests: the store's own lock */
	if (r < 0)
		return r;
	r = same_file(p);
	if (r < 0 || tdb_transaction_start(p->tdb) != 0) {
		fedjit_store_wunlock(p);
		return r < 0 ? r : -EIO;
	}
	p->dirty = false;
	return 0;
}

static int debug_fail(void)
{
	if (fedjit_store_debug_fail_after > 0 && --fedjit_store_debug_fail_after == 0)
		return -EIO;
	return 0;
}

/* tdb reports every failed write as TDB_ERR_IO and does not keep errno; a full
 * disk (the file could not grow) is worth telling apart for the administrator:
 * a failed write with less free space left than half the file (tdb grows the
 * file by at least a quarter) is taken as one. */
static int write_error(struct fedjit_store *s)
{
	struct statvfs sv;
	struct stat st;
	int fd = tdb_fd(s->tdb);

	if (fd >= 0 && fstatvfs(fd, &sv) == 0 && fstat(fd, &st) == 0 &&
	    (uint64_t)sv.f_bavail * sv.f_frsize < (uint64_t)st.st_size / 2)
		return -ENOSPC;
	return -EIO;
}

static int same_bytes(TDB_DATA key, TDB_DATA data, void *p)
{
	const TDB_DATA *want = p;

	return data.dsize == want->dsize && memcmp(data.dptr, want->dptr, data.dsize) == 0;
}

int fedjit_store_tx_store(struct fedjit_store *s, TDB_DATA key, TDB_DATA data)
{
	if (debug_fail() < 0)
		return -EIO;
	/* The same bytes again: no write, so no commit needed for it. */
	if (tdb_parse_record(s->tdb, key, same_bytes, &data) == 1)
		return 0;
	if (tdb_store(s->tdb, key, data, TDB_REPLACE) != 0)
		return write_error(s);
	s->dirty = true;
	return 0;
}

int fedjit_store_tx_delete(struct fedjit_store *s, TDB_DATA key)
{
	if (debug_fail() < 0)
		return -EIO;
	if (tdb_delete(s->tdb, key) == 0) {
		s->dirty = true;
		return 0;
	}
	return tdb_error(s->tdb) == TDB_ERR_NOEXIST ? 0 : -EIO;
}

/*
 * The commit proper of up to two files (first, then second; either may be
 * NULL), with every signal that can be blocked held back: a SIGTERM or
 * SIGINT (a deadline, a parent that died, Ctrl-C) then lands after the commit
 * instead of in the middle of it, where it would leave a recovery record
 * armed until the next root opener repairs the file. SIGKILL cannot be
 * blocked: the PAM module sends it only after waiting long enough for a
 * commit (pam/proto/spawn.c). Both files are prepared (recovery data written
 * and synced, record armed) before either is committed, so that a failure
 * there (a full disk) cancels both. Returns 0, or a negative errno with
 * nothing committed, or -EIO/-ENOSPC when the second commit failed after the
 * first one stood (the crash case above).
 */
static int commit(struct fedjit_store *first, struct fedjit_store *second)
{
	struct fedjit_store *f[2] = {first, second};
	sigset_t all, old;
	int r = 0, i;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 0; i < 2; i++)
		if (f[i])
			fedjit_live_lock(tdb_fd(f[i]->tdb), true);
	for (i = 0; i < 2 && r == 0; i++)
		if (f[i] && tdb_transaction_prepare_commit(f[i]->tdb) != 0)
			r = write_error(f[i]);
	if (r == 0 && fedjit_store_debug_commit_hook)
		fedjit_store_debug_commit_hook();
	for (i = 0; i < 2; i++) {
		if (!f[i])
			continue;
		if (i == 1 && f[0] && r == 0 && fedjit_store_debug_between_hook)
			fedjit_store_debug_between_hook();
		if (r < 0)
			tdb_transaction_cancel(f[i]->tdb);
		else if (tdb_transaction_commit(f[i]->tdb) != 0)
			r = write_error(f[i]);
	}
	for (i = 0; i < 2; i++)
		if (f[i])
			fedjit_live_lock(tdb_fd(f[i]->tdb), false);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}

int fedjit_store_tx_end(struct fedjit_store *s, int r)
{
	struct fedjit_store *p = s->priv;

	if (s->batch) {
		/* A failed operation may have written half of its records: the
		 * whole batch is cancelled at its end. */
		if (r < 0)
			s->batch_failed = true;
		return r;
	}
	if (p && !(p->tdb && tdb_transaction_active(p->tdb)))
		p = NULL;
	if (r >= 0) {
		struct fedjit_store *pub = s->dirty ? s : NULL, *prv = p && p->dirty ? p : NULL;

		int q = 0;

		if (pub || prv)
			q = s->public_first ? commit(pub, prv) : commit(prv, pub);
		if (q < 0)
			r = q;
		/* what was not committed (nothing to commit) is cancelled */
		if (!pub && tdb_transaction_active(s->tdb))
			tdb_transaction_cancel(s->tdb);
		if (p && !prv && tdb_transaction_active(p->tdb))
			tdb_transaction_cancel(p->tdb);
	} else {
		tdb_transaction_cancel(s->tdb);
		if (p)
			tdb_transaction_cancel(p->tdb);
	}
	if (p)
		fedjit_store_wunlock(p);
	fedjit_store_wunlock(s);
	return r;
}

int fedjit_store_batch_begin(struct fedjit_store *s)
{
	int r;

	if (s->batch)
		return -EBUSY;
	r = fedjit_store_tx_begin(s);
	if (r < 0)
		return r;
	s->batch = true;
	s->batch_failed = false;
	return 0;
}

int fedjit_store_batch_end(struct fedjit_store *s, int r)
{
	if (!s->batch)
		return -EINVAL;
	s->batch = false;
	if (s->batch_failed && r >= 0)
		r = -ECANCELED;
	return fedjit_store_tx_end(s, r);
}

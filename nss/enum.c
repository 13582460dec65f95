/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Enumeration (setpwent/getpwent_r/endpwent and the group and shadow ones).
 *
 * The only state kept between calls: one iterator per database, each behind
 * its own mutex, holding the key of the last entry returned. Each
 * getXXent_r walks tdb's keys from there (tdb_nextkey) to the next user or
 * group record and copies it, in one consistent snapshot (db.c). The
 * iterator moves only when the entry was packed: after ERANGE the next call
 * (with a bigger buffer) returns the same entry. Order is tdb's, not sorted.
 * An entry deleted while an enumeration stands on it ends that enumeration
 * (tdb cannot continue from a key that is gone); enumerations are not
 * snapshots of the whole database, as with every NSS source.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nss-fedjit.h"

FEDJIT_NSS_PROTOTYPES(__attribute__((visibility("default"))));

struct iter {
	pthread_mutex_t lock;
	enum fedjit_key_kind kind;
	TDB_DATA pos; /* malloc'd key of the last entry returned; dptr NULL: at the start */
	bool done;
};

static struct iter pw_iter = {PTHREAD_MUTEX_INITIALIZER, FEDJIT_KEY_USER, {NULL, 0}, false};
static struct iter gr_iter = {PTHREAD_MUTEX_INITIALIZER, FEDJIT_KEY_GROUP, {NULL, 0}, false};
static struct iter sp_iter = {PTHREAD_MUTEX_INITIALIZER, FEDJIT_KEY_USER, {NULL, 0}, false};

static void iter_rewind(struct iter *it)
{
	pthread_mutex_lock(&it->lock);
	free(it->pos.dptr);
	it->pos = (TDB_DATA){NULL, 0};
	it->done = false;
	pthread_mutex_unlock(&it->lock);
}

struct next_req {
	const struct iter *it;
	TDB_DATA key; /* malloc'd: the entry found */
	struct fedjit_nss_scratch *s;
	size_t off, len;
};

static int read_next(struct tdb_context *tdb, void *userdata)
{
	struct next_req *q = userdata;
	TDB_DATA k;

	free(q->key.dptr);
	q->key = (TDB_DATA){NULL, 0};
	q->s->len = 0;

	k = q->it->pos.dptr ? tdb_nextkey(tdb, q->it->pos) : tdb_firstkey(tdb);
	while (k.dptr) {
		const char *rest;
		size_t rest_len;
		if (fedjit_key_classify(k, &rest, &rest_len) == q->it->kind) {
			int r = fedjit_nss_fetch(tdb, k, q->s, &q->off, &q->len);
			if (r == 0) {
				q->key = k;
				return 0;
			}
			if (r != -ENOENT) {
				free(k.dptr);
				return r;
			}
		}
		TDB_DATA next = tdb_nextkey(tdb, k);
		free(k.dptr);
		k = next;
	}
	return -ENOENT; /* the end (or the position vanished) */
}

/*
 * Copy the next entry into s; on success *ret_key is its key (malloc'd), to
 * be made the position once the entry is packed.
 */
static int iter_next(struct iter *it, struct fedjit_nss_scratch *s, TDB_DATA *ret_rec,
                     TDB_DATA *ret_key)
{
	struct next_req q = {.it = it, .s = s};

	if (it->done)
		return -ENOENT;
	int r = fedjit_nss_db_read(fedjit_nss_db_path(), read_next, &q);
	if (r < 0) {
		free(q.key.dptr);
		if (r == -ENOENT)
			it->done = true;
		return r;
	}
	*ret_rec = (TDB_DATA){(unsigned char *)s->p + q.off, q.len};
	*ret_key = q.key;
	return 0;
}

static void iter_advance(struct iter *it, TDB_DATA key)
{
	free(it->pos.dptr);
	it->pos = key;
}

enum nss_status _nss_fedjit_setpwent(int stayopen)
{
	iter_rewind(&pw_iter);
	return NSS_STATUS_SUCCESS;
}

enum nss_status _nss_fedjit_endpwent(void)
{
	iter_rewind(&pw_iter);
	return NSS_STATUS_SUCCESS;
}

/* Shared by getpwent_r and getspent_r: the next user as a passwd copy. */
static int next_user(struct iter *it, struct fedjit_nss_user_copy *u, TDB_DATA *ret_key)
{
	struct fedjit_user_view v;
	TDB_DATA rec;

	fedjit_nss_scratch_init(&u->scratch);
	int r = iter_next(it, &u->scratch, &rec, ret_key);
	if (r >= 0) {
		r = fedjit_record_view_user(rec, &v);
		if (r < 0)
			free(ret_key->dptr);
	}
	if (r < 0) {
		fedjit_nss_scratch_done(&u->scratch);
		return r;
	}
	fedjit_nss_pw_from_view(&v, &u->pw);
	return 0;
}

enum nss_status _nss_fedjit_getpwent_r(struct passwd *pw, char *buf, size_t buflen, int *errnop)
{
	int saved = errno, r;
	struct fedjit_nss_user_copy u;
	TDB_DATA key;

	if (fedjit_nss_bypassed())
		return fedjit_nss_bypass_status(errnop);
	pthread_mutex_lock(&pw_iter.lock);
	r = next_user(&pw_iter, &u, &key);
	if (r >= 0) {
		r = fedjit_nss_pack_passwd(&u.pw, pw, buf, buflen);
		fedjit_nss_scratch_done(&u.scratch);
		if (r >= 0)
			iter_advance(&pw_iter, key);
		else
			free(key.dptr);
	}
	pthread_mutex_unlock(&pw_iter.lock);
	return fedjit_nss_finish(r, errnop, saved);
}

enum nss_status _nss_fedjit_setgrent(int stayopen)
{
	iter_rewind(&gr_iter);
	return NSS_STATUS_SUCCESS;
}

enum nss_status _nss_fedjit_endgrent(void)
{
	iter_rewind(&gr_iter);
	return NSS_STATUS_SUCCESS;
}

enum nss_status _nss_fedjit_getgrent_r(struct group *gr, char *buf, size_t buflen, int *errnop)
{
	int saved = errno, r;
	struct fedjit_nss_scratch s;
	struct fedjit_group_view v;
	struct fedjit_nss_gr g;
	TDB_DATA rec, key = {NULL, 0};

	if (fedjit_nss_bypassed())
		return fedjit_nss_bypass_status(errnop);
	fedjit_nss_scratch_init(&s);
	pthread_mutex_lock(&gr_iter.lock);
	r = iter_next(&gr_iter, &s, &rec, &key);
	if (r >= 0)
		r = fedjit_record_view_group(rec, &v);
	if (r >= 0) {
		fedjit_nss_gr_from_view(&v, &g);
		r = fedjit_nss_pack_group(&g, gr, buf, buflen);
	}
	if (r >= 0)
		iter_advance(&gr_iter, key);
	else
		free(key.dptr);
	pthread_mutex_unlock(&gr_iter.lock);
	fedjit_nss_scratch_done(&s);
	return fedjit_nss_finish(r, errnop, saved);
}

enum nss_status _nss_fedjit_setspent(int stayopen)
{
	iter_rewind(&sp_iter);
	return NSS_STATUS_SUCCESS;
}

enum nss_status _nss_fedjit_endspent(void)
{
	iter_rewind(&sp_iter);
	return NSS_STATUS_SUCCESS;
}

enum nss_status _nss_fedjit_getspent_r(struct spwd *sp, char *buf, size_t buflen, int *errnop)
{
	int saved = errno, r;
	struct fedjit_nss_user_copy u;
	TDB_DATA key;

	if (fedjit_nss_bypassed())
		return fedjit_nss_bypass_status(errnop);
	if (geteuid() != 0)
		return fedjit_nss_finish(-EACCES, errnop, saved);
	pthread_mutex_lock(&sp_iter.lock);
	r = next_user(&sp_iter, &u, &key);
	if (r >= 0) {
		r = fedjit_nss_shadow_pack_user(&u, sp, buf, buflen);
		fedjit_nss_scratch_done(&u.scratch);
		if (r >= 0)
			iter_advance(&sp_iter, key);
		else
			free(key.dptr);
	}
	pthread_mutex_unlock(&sp_iter.lock);
	return fedjit_nss_finish(r, errnop, saved);
}

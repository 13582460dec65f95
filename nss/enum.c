/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Enumeration (setpwent/getpwent_r/endpwent and the group and shadow ones).
 *
 * The only state kept between calls: one iterator per database, each behind
 * its own mutex, holding a position: a tdb hash chain and how many matching
 * records of it were returned. Each getXXent_r walks the chains from there
 * (fedjit_read_chain, the store's reader) to the next user or group record
 * and copies it, in one consistent read (common/store_snap.c). The iterator moves only when the entry was
 * packed: after ERANGE the next call (with a bigger buffer) returns the same
 * entry. Order is tdb's, not sorted. An enumeration is not a snapshot of the
 * whole database (no NSS source's is): records added or removed while it
 * runs may be missed or, rarely, seen twice.
 *
 * (tdb_firstkey/tdb_nextkey would need no chain arithmetic, but tdb_nextkey
 * compares the key it remembers from its previous call, which the lookups
 * on the same handle change, with memcmp over the caller's key length:
 * reading past tdb's own buffer. AddressSanitizer caught it.)
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nss/nss_fedjit.h"

FEDJIT_NSS_PROTOTYPES(__attribute__((visibility("default"))));

struct iter {
	pthread_mutex_t lock;
	enum fedjit_key_kind kind;
	uint32_t chain; /* position: the chain, */
	uint32_t skip;  /* and how many matching records of it were returned */
	bool done;
};

static struct iter pw_iter = {PTHREAD_MUTEX_INITIALIZER, FEDJIT_KEY_USER, 0, 0, false};
static struct iter gr_iter = {PTHREAD_MUTEX_INITIALIZER, FEDJIT_KEY_GROUP, 0, 0, false};
static struct iter sp_iter = {PTHREAD_MUTEX_INITIALIZER, FEDJIT_KEY_USER, 0, 0, false};

static void iter_rewind(struct iter *it)
{
	pthread_mutex_lock(&it->lock);
	it->chain = 0;
	it->skip = 0;
	it->done = false;
	pthread_mutex_unlock(&it->lock);
}

struct next_req {
	const struct iter *it;
	uint32_t chain, skip; /* where the entry found was */
	struct fedjit_nss_scratch *s;
	size_t off, len;
	/* per chain */
	uint32_t seen;
	bool found;
	int error;
};

static int chain_cb(TDB_DATA key, TDB_DATA data, void *userdata)
{
	struct next_req *q = userdata;
	const char *rest;
	size_t rest_len;

	if (fedjit_key_classify(key, &rest, &rest_len) != q->it->kind || q->seen++ < q->skip)
		return 0;
	long off = data.dsize ? fedjit_nss_scratch_append(q->s, data.dptr, data.dsize)
	                      : (long)q->s->len;
	if (off < 0) {
		q->error = (int)off;
		return 1;
	}
	q->off = (size_t)off;
	q->len = data.dsize;
	q->found = true;
	return 1; /* stop */
}

static int read_next(struct fedjit_store *st, void *userdata)
{
	struct next_req *q = userdata;
	uint32_t n_chains = fedjit_read_chains(st);

	q->s->len = 0;
	q->skip = q->it->skip;
	for (q->chain = q->it->chain; q->chain < n_chains; q->chain++, q->skip = 0) {
		uint32_t next = fedjit_read_next_chain(st, q->chain);
		if (next != q->chain) {
			q->chain = next - 1; /* the loop steps on to next */
			q->skip = 0;
			continue;
		}
		q->seen = 0;
		q->found = false;
		q->error = 0;
		int r = fedjit_read_chain(st, q->chain, chain_cb, q);
		if (r < 0)
			return r; /* -EAGAIN: a torn chain, retried */
		if (q->error < 0)
			return q->error;
		if (q->found) {
			q->skip++;
			return 0;
		}
	}
	return -ENOENT; /* the end */
}

/* Copy the next entry into s; *ret_next is the position after it. */
static int iter_next(struct iter *it, struct fedjit_nss_scratch *s, TDB_DATA *ret_rec,
                     struct next_req *ret_next)
{
	struct next_req q = {.it = it, .s = s};

	if (it->done)
		return -ENOENT;
	int r = fedjit_nss_db_read(fedjit_nss_db_path(), read_next, &q);
	if (r < 0) {
		if (r == -ENOENT)
			it->done = true;
		return r;
	}
	*ret_rec = (TDB_DATA){(unsigned char *)s->p + q.off, q.len};
	*ret_next = q;
	return 0;
}

static void iter_advance(struct iter *it, const struct next_req *next)
{
	it->chain = next->chain;
	it->skip = next->skip;
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
static int next_user(struct iter *it, struct fedjit_nss_user_copy *u, struct next_req *ret_next)
{
	struct fedjit_user_view v;
	TDB_DATA rec;

	fedjit_nss_scratch_init(&u->scratch);
	int r = iter_next(it, &u->scratch, &rec, ret_next);
	if (r >= 0)
		r = fedjit_record_view_user(rec, &v);
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
	struct next_req next;

	if (fedjit_nss_bypassed())
		return fedjit_nss_bypass_status(errnop);
	pthread_mutex_lock(&pw_iter.lock);
	r = next_user(&pw_iter, &u, &next);
	if (r >= 0) {
		r = fedjit_nss_pack_passwd(&u.pw, pw, buf, buflen);
		fedjit_nss_scratch_done(&u.scratch);
		if (r >= 0)
			iter_advance(&pw_iter, &next);
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
	TDB_DATA rec;
	struct next_req next;

	if (fedjit_nss_bypassed())
		return fedjit_nss_bypass_status(errnop);
	fedjit_nss_scratch_init(&s);
	pthread_mutex_lock(&gr_iter.lock);
	for (;;) {
		r = iter_next(&gr_iter, &s, &rec, &next);
		if (r >= 0)
			r = fedjit_record_view_group(rec, &v);
		/* Another source's group (record.h): that source lists it. */
		if (r < 0 || v.origin != FEDJIT_GROUP_FOREIGN)
			break;
		iter_advance(&gr_iter, &next);
	}
	if (r >= 0) {
		fedjit_nss_gr_from_view(&v, &g);
		r = fedjit_nss_pack_group(&g, gr, buf, buflen);
	}
	if (r >= 0)
		iter_advance(&gr_iter, &next);
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
	struct next_req next;

	if (fedjit_nss_bypassed())
		return fedjit_nss_bypass_status(errnop);
	if (geteuid() != 0)
		return fedjit_nss_finish(-EACCES, errnop, saved);
	pthread_mutex_lock(&sp_iter.lock);
	r = next_user(&sp_iter, &u, &next);
	if (r >= 0) {
		r = fedjit_nss_shadow_pack_user(&u, sp, buf, buflen);
		fedjit_nss_scratch_done(&u.scratch);
		if (r >= 0)
			iter_advance(&sp_iter, &next);
	}
	pthread_mutex_unlock(&sp_iter.lock);
	return fedjit_nss_finish(r, errnop, saved);
}

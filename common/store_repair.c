/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fedjit_store_repair: fix what can be fixed without a judgement, in one
 * transaction (`fedjit db check --repair`). The user and group records are
 * the truth; index records only serve lookups:
 *  - an index (uid/N, gid/N) or identity link that points to a record that
 *    does not exist, or to one with another id or identity, is deleted;
 *  - a supplementary gid list whose user does not exist is deleted;
 *  - an account record (private store) whose user does not exist or has
 *    another uid is deleted: what a crash between the commits of the two
 *    files leaves (store_tx.c), or a record of an earlier account of the name;
 *  - a link left in the world-readable store moves to the private store;
 *  - a user without its uid index or its link, a group without its gid
 *    index, gets it written, when the key is free and no other record of the
 *    same kind claims the same id.
 * Nothing else is touched: corrupt records, duplicate ids, memberships that
 * disagree, private groups without their user. Which side is right there is
 * the administrator's decision.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/macro.h"
#include "common/store_private.h"

struct keys {
	TDB_DATA *v;
	size_t n, cap;
	int err;
};

static int collect_key(TDB_DATA key, TDB_DATA data, void *p)
{
	struct keys *k = p;

	if (k->n == k->cap) {
		size_t cap = k->cap ? 2 * k->cap : 256;
		TDB_DATA *v = reallocarray(k->v, cap, sizeof(*v));

		if (!v) {
			return k->err = -ENOMEM;
		}
		k->v = v;
		k->cap = cap;
	}
	k->v[k->n].dptr = malloc(key.dsize ? key.dsize : 1);
	if (!k->v[k->n].dptr)
		return k->err = -ENOMEM;
	memcpy(k->v[k->n].dptr, key.dptr, key.dsize);
	k->v[k->n].dsize = key.dsize;
	k->n++;
	return 0;
}

/* The record under a user/ or group/ key (fedjit_row_load_*: 0, -ENOENT,
 * -EBADMSG for a corrupt one or one for another name). */
static int load_record(struct fedjit_store *s, TDB_DATA key, struct fedjit_user **ret_u,
                       struct fedjit_group **ret_g)
{
	const char *rest = NULL;
	size_t len = 0;
	enum fedjit_key_kind kind = fedjit_key_classify(key, &rest, &len);
	_cleanup_free_ char *name = rest ? strndup(rest, len) : NULL;

	if (!name)
		return -ENOMEM;
	return kind == FEDJIT_KEY_USER ? fedjit_row_load_user(s, name, ret_u)
	                               : fedjit_row_load_group(s, name, ret_g);
}

static bool same_key(TDB_DATA a, TDB_DATA b)
{
	return a.dsize == b.dsize && memcmp(a.dptr, b.dptr, a.dsize) == 0;
}

struct repair {
	struct fedjit_store *s;
	fedjit_check_report_fn report;
	void *userdata;
	int fixed;
	/* ids claimed by user / group records, for "no other record claims it" */
	uint32_t *uids, *gids;
	size_t n_uids, n_gids;
};

__attribute__((format(printf, 2, 3))) static void fixed(struct repair *rp, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rp->fixed++;
	if (rp->report)
		rp->report(msg, rp->userdata);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* How many records claim id (v sorted). */
static size_t count_id(const uint32_t *v, size_t n, uint32_t id)
{
	const uint32_t *hit = n ? bsearch(&id, v, n, sizeof(*v), cmp_u32) : NULL;
	size_t lo, hi;

	if (!hit)
		return 0;
	lo = hi = (size_t)(hit - v);
	while (lo > 0 && v[lo - 1] == id)
		lo--;
	while (hi + 1 < n && v[hi + 1] == id)
		hi++;
	return hi - lo + 1;
}

/* An index or link key: delete it unless it points to a record that builds
 * exactly this key back. */
static int check_index(struct repair *rp, struct fedjit_store *in, TDB_DATA key,
                       enum fedjit_key_kind kind)
{
	char kb[FEDJIT_KEY_MAX];
	_cleanup_free_ char *name = NULL;
	struct fedjit_user *u = NULL;
	struct fedjit_group *g = NULL;
	TDB_DATA back = {0};
	bool ok = false, missing;
	int r = fedjit_store_parse_key(in, key, fedjit_row_decode_name_cb, &name);

	if (r < 0)
		return r == -EBADMSG ? 0 : r; /* corrupt: reported, not repaired */
	if (kind == FEDJIT_KEY_GID) {
		r = fedjit_row_load_group(rp->s, name, &g);
		if (r == 0 && fedjit_key_gid(kb, g->gid, &back) == 0)
			ok = same_key(key, back);
		fedjit_group_free(g);
	} else {
		r = fedjit_row_load_user(rp->s, name, &u);
		if (r == 0 && kind == FEDJIT_KEY_UID && fedjit_key_uid(kb, u->uid, &back) == 0)
			ok = same_key(key, back);
		if (r == 0 && kind == FEDJIT_KEY_LINK &&
		    fedjit_key_link(kb, u->issuer, u->subject, &back) == 0)
			ok = same_key(key, back);
		fedjit_user_free(u);
	}
	if (r == -EBADMSG || ok)
		return 0;
	if (r < 0 && r != -ENOENT)
		return r;
	missing = r == -ENOENT;
	r = fedjit_store_tx_delete(in, key);
	if (r < 0)
		return r;
	if (kind == FEDJIT_KEY_LINK) {
		const char *rest = NULL;
		size_t len = 0;

		(void)fedjit_key_classify(key, &rest, &len);
		if (!rest || !memchr(rest, '\0', len)) {
			fixed(rp, "malformed link to %s: removed", name);
			return 0;
		}
		fixed(rp, "link (%s, %.*s): pointed to %s user %s: removed", rest,
		      (int)(len - strlen(rest) - 1), rest + strlen(rest) + 1,
		      missing ? "missing" : "mismatched", name);
	} else {
		fixed(rp, "%.*s: pointed to %s %s %s: removed", (int)key.dsize,
		      (const char *)key.dptr, missing ? "missing" : "mismatched",
		      kind == FEDJIT_KEY_GID ? "group" : "user", name);
	}
	return 0;
}

static int check_user(struct repair *rp, TDB_DATA key)
{
	char kb[FEDJIT_KEY_MAX];
	struct fedjit_user *u = NULL;
	TDB_DATA k;
	int r = load_record(rp->s, key, &u, NULL);

	if (r < 0)
		return r == -EBADMSG ? 0 : r;
	if (fedjit_key_uid(kb, u->uid, &k) == 0 && !fedjit_store_exists(rp->s, k) &&
	    count_id(rp->uids, rp->n_uids, u->uid) == 1) {
		r = fedjit_row_put_name(rp->s, k, u->name);
		if (r == 0)
			fixed(rp, "user %s: uid index uid/%u: written", u->name, (unsigned)u->uid);
	}
	if (r == 0 && rp->s->priv && fedjit_key_link(kb, u->issuer, u->subject, &k) == 0 &&
	    !fedjit_store_exists(rp->s->priv, k)) {
		r = fedjit_row_put_link(rp->s, u->issuer, u->subject, u->name);
		if (r == 0)
			fixed(rp, "user %s: identity link: written", u->name);
	}
	fedjit_user_free(u);
	return r;
}

static int check_group(struct repair *rp, TDB_DATA key)
{
	char kb[FEDJIT_KEY_MAX];
	struct fedjit_group *g = NULL;
	TDB_DATA k;
	int r = load_record(rp->s, key, NULL, &g);

	if (r < 0)
		return r == -EBADMSG ? 0 : r;
	if (fedjit_key_gid(kb, g->gid, &k) == 0 && !fedjit_store_exists(rp->s, k) &&
	    count_id(rp->gids, rp->n_gids, g->gid) == 1) {
		r = fedjit_row_put_name(rp->s, k, g->name);
		if (r == 0)
			fixed(rp, "group %s: gid index gid/%u: written", g->name, (unsigned)g->gid);
	}
	fedjit_group_free(g);
	return r;
}

static int check_gids(struct repair *rp, TDB_DATA key, const char *rest, size_t len)
{
	char kb[FEDJIT_KEY_MAX];
	_cleanup_free_ char *name = strndup(rest, len);
	TDB_DATA k;
	int r;

	if (!name)
		return -ENOMEM;
	if (fedjit_key_user(kb, name, &k) < 0 || fedjit_store_exists(rp->s, k))
		return 0;
	r = fedjit_store_tx_delete(rp->s, key);
	if (r == 0)
		fixed(rp, "gids/%s: list of a missing user: removed", name);
	return r;
}

/* A link in the world-readable store (format 1 leftovers): to the private
 * store, unless a link is there already. */
static int move_link(struct repair *rp, TDB_DATA key)
{
	struct fedjit_snap a = {0};
	int r = fedjit_store_copy_key(rp->s, key, &a);

	if (r >= 0 && !fedjit_store_exists(rp->s->priv, key) &&
	    (r = fedjit_store_priv_tx(rp->s)) >= 0)
		r = fedjit_store_tx_store(rp->s->priv, key, a.d);
	if (r >= 0)
		r = fedjit_store_tx_delete(rp->s, key);
	if (r >= 0)
		fixed(rp, "a link in the world-readable store: moved to the private store");
	fedjit_snap_free(&a);
	/* and judged there */
	return r == -ENOENT ? 0 : r < 0 ? r : check_index(rp, rp->s->priv, key, FEDJIT_KEY_LINK);
}

/* An account record whose user is missing or has another uid. */
static int check_account(struct repair *rp, TDB_DATA key, const char *rest, size_t len)
{
	char kb[FEDJIT_KEY_MAX];
	_cleanup_free_ char *name = strndup(rest, len);
	struct fedjit_user *u = NULL;
	struct fedjit_account_view a;
	struct fedjit_snap sn = {0};
	TDB_DATA k;
	bool stale, missing;
	int r;

	if (!name)
		return -ENOMEM;
	r = fedjit_store_copy_key(rp->s->priv, key, &sn);
	if (r < 0 || fedjit_record_view_account(sn.d, &a) < 0) {
		fedjit_snap_free(&sn);
		return r == -ENOENT || r >= 0 ? 0 : r; /* corrupt: reported, not repaired */
	}
	r = fedjit_key_user(kb, name, &k) < 0 ? -ENOENT : fedjit_row_load_user(rp->s, name, &u);
	missing = r == -ENOENT;
	stale = missing || (r == 0 && u->uid != a.uid);
	fedjit_user_free(u);
	fedjit_snap_free(&sn);
	if (r < 0 && r != -ENOENT)
		return r == -EBADMSG ? 0 : r;
	if (!stale)
		return 0;
	r = fedjit_store_priv_tx(rp->s);
	if (r >= 0)
		r = fedjit_store_tx_delete(rp->s->priv, key);
	if (r >= 0)
		fixed(rp, "account/%s: account record of %s: removed", name,
		      missing ? "a missing user" : "another uid");
	return r;
}

/* A state or refresh token record of a user that is not there (a crash
 * between the two files' commits of a deletion) goes. */
static int check_state(struct repair *rp, TDB_DATA key, const char *rest, size_t len,
                       enum fedjit_key_kind kind)
{
	_cleanup_free_ char *name = strndup(rest, len);
	struct fedjit_user *u = NULL;
	char kb[FEDJIT_KEY_MAX];
	TDB_DATA k;
	int r;

	if (!name)
		return -ENOMEM;
	r = fedjit_key_user(kb, name, &k) < 0 ? -ENOENT : fedjit_row_load_user(rp->s, name, &u);
	fedjit_user_free(u);
	if (r != -ENOENT)
		return r == -EBADMSG || r >= 0 ? 0 : r;
	r = fedjit_store_priv_tx(rp->s);
	if (r >= 0)
		r = fedjit_store_tx_delete(rp->s->priv, key);
	if (r >= 0)
		fixed(rp, "%s/%s: %s of a missing user: removed",
		      kind == FEDJIT_KEY_STATE ? "state" : "refresh", name,
		      kind == FEDJIT_KEY_STATE ? "account state" : "refresh token");
	return r;
}

/* The ids user and group records claim (decodable records only). */
static int collect_ids(struct repair *rp, const struct keys *k)
{
	rp->uids = calloc(k->n + 1, sizeof(uint32_t));
	rp->gids = calloc(k->n + 1, sizeof(uint32_t));
	if (!rp->uids || !rp->gids)
		return -ENOMEM;
	for (size_t i = 0; i < k->n; i++) {
		const char *rest;
		size_t len;
		enum fedjit_key_kind kind = fedjit_key_classify(k->v[i], &rest, &len);
		struct fedjit_user *u = NULL;
		struct fedjit_group *g = NULL;

		if (kind == FEDJIT_KEY_USER && load_record(rp->s, k->v[i], &u, NULL) == 0) {
			rp->uids[rp->n_uids++] = u->uid;
			fedjit_user_free(u);
		} else if (kind == FEDJIT_KEY_GROUP && load_record(rp->s, k->v[i], NULL, &g) == 0) {
			rp->gids[rp->n_gids++] = g->gid;
			fedjit_group_free(g);
		}
	}
	if (rp->n_uids > 1)
		qsort(rp->uids, rp->n_uids, sizeof(uint32_t), cmp_u32);
	if (rp->n_gids > 1)
		qsort(rp->gids, rp->n_gids, sizeof(uint32_t), cmp_u32);
	return 0;
}

static int do_repair(struct repair *rp, struct keys *k, struct keys *pk)
{
	int r = fedjit_store_walk(rp->s, 0, collect_key, k);

	if (r >= 0 && rp->s->priv) {
		r = fedjit_store_priv_tx(rp->s);
		if (r >= 0)
			r = fedjit_store_walk(rp->s->priv, 0, collect_key, pk);
	}
	if (k->err < 0 || pk->err < 0)
		return k->err < 0 ? k->err : pk->err;
	if (r < 0)
		return r;
	r = collect_ids(rp, k);
	/* Stale indexes and private records go first, so that the records' own
	 * indexes can then be written under keys a stale one held. */
	for (size_t i = 0; r >= 0 && i < pk->n; i++) {
		const char *rest;
		size_t len;
		enum fedjit_key_kind kind = fedjit_key_classify(pk->v[i], &rest, &len);

		if (kind == FEDJIT_KEY_LINK)
			r = check_index(rp, rp->s->priv, pk->v[i], kind);
		else if (kind == FEDJIT_KEY_ACCOUNT)
			r = check_account(rp, pk->v[i], rest, len);
		else if (kind == FEDJIT_KEY_STATE || kind == FEDJIT_KEY_REFRESH)
			r = check_state(rp, pk->v[i], rest, len, kind);
	}
	for (size_t i = 0; r >= 0 && i < k->n; i++) {
		const char *rest;
		size_t len;
		enum fedjit_key_kind kind = fedjit_key_classify(k->v[i], &rest, &len);

		if (kind == FEDJIT_KEY_LINK && rp->s->priv && rp->s->version >= 2)
			r = move_link(rp, k->v[i]);
		else if (kind == FEDJIT_KEY_UID || kind == FEDJIT_KEY_GID ||
		         kind == FEDJIT_KEY_LINK)
			r = check_index(rp, rp->s, k->v[i], kind);
		else if (kind == FEDJIT_KEY_GIDS)
			r = check_gids(rp, k->v[i], rest, len);
	}
	for (size_t i = 0; r >= 0 && i < k->n; i++) {
		const char *rest;
		size_t len;
		enum fedjit_key_kind kind = fedjit_key_classify(k->v[i], &rest, &len);

		if (kind == FEDJIT_KEY_USER)
			r = check_user(rp, k->v[i]);
		else if (kind == FEDJIT_KEY_GROUP)
			r = check_group(rp, k->v[i]);
	}
	return r;
}

static void keys_free(struct keys *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->v[i].dptr);
	free(k->v);
}

int fedjit_store_repair(struct fedjit_store *s, fedjit_check_report_fn report, void *userdata)
{
	struct repair rp = {.s = s, .report = report, .userdata = userdata};
	struct keys k = {0}, pk = {0};
	int r = fedjit_store_tx_begin(s);

	if (r < 0)
		return r;
	r = fedjit_store_tx_end(s, do_repair(&rp, &k, &pk));
	keys_free(&k);
	keys_free(&pk);
	free(rp.uids);
	free(rp.gids);
	return r < 0 ? r : rp.fixed;
}

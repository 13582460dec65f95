/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Store reads for the helper and the admin tool: lookups that call back with a
 * view of a private copy, copies for callers that keep what they read, and
 * iteration. The NSS module reads through the same snapshot reader
 * (store_snap.c, store_lookup.c), not through these functions.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/macro.h"
#include "common/store_private.h"

/* ---- lookups ----
 *
 * Each lookup copies the raw record bytes once into a private copy, inside
 * one validated read (store_lookup.c: the index hop; store_snap.c: why it is
 * consistent without locks), and decodes the copy in place with a view
 * decoder; the callback's view points into that copy.
 */

/* The record asked for into a (free it either way). */
static int lookup_copy(struct fedjit_store *s, enum fedjit_lookup_kind kind, const char *name,
                       uint32_t id, const TDB_DATA *via, struct fedjit_snap *a)
{
	struct fedjit_lookup q = {
	        .kind = kind,
	        .name = name,
	        .id = id,
	        .via = via,
	        .place = fedjit_snap_place,
	        .userdata = a,
	};

	return fedjit_read(s, fedjit_lookup, &q);
}

/* Decode a user copy; it must be the one asked for (by name or uid). */
static int user_view(TDB_DATA d, const char *want_name, uint32_t want_uid,
                     struct fedjit_user_view *v)
{
	int r = fedjit_record_view_user(d, v);

	if (r < 0)
		return r;
	/* An index that points at a record with another id (or a record under
	 * another name's key) is corruption, not a match. */
	if ((want_uid && v->uid != want_uid) || (want_name && strcmp(v->name, want_name) != 0))
		return -EBADMSG;
	return 0;
}

static int group_view(TDB_DATA d, const char *want_name, uint32_t want_gid,
                      struct fedjit_group_view *v)
{
	int r = fedjit_record_view_group(d, v);

	if (r < 0)
		return r;
	if ((want_gid && v->gid != want_gid) || (want_name && strcmp(v->name, want_name) != 0))
		return -EBADMSG;
	return 0;
}

int fedjit_store_personal(struct fedjit_store *s, struct fedjit_user_view *v,
                          struct fedjit_snap *sn)
{
	char kb[FEDJIT_KEY_MAX];
	struct fedjit_account_view a;
	TDB_DATA key;
	int r;

	if (v->format != 2)
		return 1; /* a format 1 record holds it itself */
	if (!s->priv || fedjit_key_account(kb, v->name, &key) < 0)
		return 0;
	r = fedjit_store_copy_key(s->priv, key, sn);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	/* a record of another uid: left by an earlier account of the name */
	if (fedjit_record_view_account(sn->d, &a) < 0 || a.uid != v->uid)
		return 0;
	fedjit_user_view_set_account(v, &a);
	return 1;
}

/*
 * By name, or by uid when name is NULL; with the personal data when s has the
 * private store. The user record and the account record are two reads (two
 * files): a commit between them (a deletion, a name given to a new account)
 * shows as a missing or foreign account record, and a read-only handle
 * reads both again (twice at most; then the personal fields stay empty).
 */
static int parse_user(struct fedjit_store *s, const char *name, uint32_t uid,
                      fedjit_user_view_fn fn, void *userdata)
{
	struct fedjit_snap a = {0}, b = {0};
	struct fedjit_user_view v;
	int r;

	for (int attempt = 0;; attempt++) {
		r = lookup_copy(s, FEDJIT_LOOKUP_USER, name, uid, NULL, &a);
		if (r >= 0)
			r = user_view(a.d, name, uid, &v);
		if (r >= 0)
			r = fedjit_store_personal(s, &v, &b);
		if (r != 0 || !s->priv || !(s->flags & FEDJIT_STORE_RDONLY) || attempt == 2)
			break;
		fedjit_snap_free(&a);
		fedjit_snap_free(&b);
	}
	if (r >= 0)
		r = fn(&v, userdata);
	fedjit_snap_free(&a);
	fedjit_snap_free(&b);
	return r;
}

static int parse_group(struct fedjit_store *s, const char *name, uint32_t gid,
                       fedjit_group_view_fn fn, void *userdata)
{
	struct fedjit_snap a = {0};
	struct fedjit_group_view v;
	int r = lookup_copy(s, FEDJIT_LOOKUP_GROUP, name, gid, NULL, &a);

	if (r >= 0)
		r = group_view(a.d, name, gid, &v);
	if (r >= 0)
		r = fn(&v, userdata);
	fedjit_snap_free(&a);
	return r;
}

int fedjit_store_parse_user(struct fedjit_store *s, const char *name, fedjit_user_view_fn fn,
                            void *userdata)
{
	return parse_user(s, name, 0, fn, userdata);
}

int fedjit_store_parse_user_by_uid(struct fedjit_store *s, uint32_t uid, fedjit_user_view_fn fn,
                                   void *userdata)
{
	return parse_user(s, NULL, uid, fn, userdata);
}

int fedjit_store_parse_group(struct fedjit_store *s, const char *name, fedjit_group_view_fn fn,
                             void *userdata)
{
	return parse_group(s, name, 0, fn, userdata);
}

int fedjit_store_parse_group_by_gid(struct fedjit_store *s, uint32_t gid, fedjit_group_view_fn fn,
                                    void *userdata)
{
	return parse_group(s, NULL, gid, fn, userdata);
}

int fedjit_store_parse_gids(struct fedjit_store *s, const char *name, fedjit_gids_view_fn fn,
                            void *userdata)
{
	struct fedjit_snap a = {0};
	struct fedjit_gids_view v;
	int r = lookup_copy(s, FEDJIT_LOOKUP_GIDS, name, 0, NULL, &a);

	if (r >= 0) {
		r = fedjit_record_view_gids(a.d, &v);
	} else if (r == -ENOENT) {
		/* No list: an empty one if the user exists. */
		r = lookup_copy(s, FEDJIT_LOOKUP_USER, name, 0, NULL, &a);
		v = (struct fedjit_gids_view){.n = 0, .raw = (const unsigned char *)""};
	}
	if (r >= 0)
		r = fn(&v, userdata);
	fedjit_snap_free(&a);
	return r;
}

/* ---- copies ---- */

static int copy_user_cb(const struct fedjit_user_view *v, void *p)
{
	return fedjit_user_from_view(v, p);
}

static int copy_group_cb(const struct fedjit_group_view *v, void *p)
{
	return fedjit_group_from_view(v, p);
}

int fedjit_store_get_user(struct fedjit_store *s, const char *name, struct fedjit_user **ret)
{
	return fedjit_store_parse_user(s, name, copy_user_cb, ret);
}

int fedjit_store_get_user_by_uid(struct fedjit_store *s, uint32_t uid, struct fedjit_user **ret)
{
	return fedjit_store_parse_user_by_uid(s, uid, copy_user_cb, ret);
}

struct link_check {
	const char *issuer, *subject;
	struct fedjit_user **ret;
};

static int link_user_cb(const struct fedjit_user_view *v, void *p)
{
	const struct link_check *lc = p;

	/* the link counts only when the account record says the same */
	if (strcmp(v->issuer, lc->issuer) != 0 || strcmp(v->subject, lc->subject) != 0)
		return -ENOENT;
	return fedjit_user_from_view(v, lc->ret);
}

int fedjit_store_get_user_by_link(struct fedjit_store *s, const char *issuer, const char *subject,
                                  struct fedjit_user **ret)
{
	char kb[FEDJIT_KEY_MAX];
	struct fedjit_snap a = {0};
	struct link_check lc = {issuer, subject, ret};
	const char *name;
	TDB_DATA key;
	int r;

	if (fedjit_key_link(kb, issuer, subject, &key) < 0)
		return -ENOENT;
	/* a store not yet upgraded keeps its links itself */
	r = fedjit_store_copy_key(s->priv ? s->priv : s, key, &a);
	if (r >= 0)
		r = fedjit_record_view_name(a.d, &name);
	if (r >= 0)
		r = parse_user(s, name, 0, link_user_cb, &lc);
	fedjit_snap_free(&a);
	/* a stale link (a crash's leftover, see store_tx.c) is no link */
	return r == -EBADMSG ? -ENOENT : r;
}

int fedjit_store_get_group(struct fedjit_store *s, const char *name, struct fedjit_group **ret)
{
	return fedjit_store_parse_group(s, name, copy_group_cb, ret);
}

int fedjit_store_get_group_by_gid(struct fedjit_store *s, uint32_t gid, struct fedjit_group **ret)
{
	return fedjit_store_parse_group_by_gid(s, gid, copy_group_cb, ret);
}

struct gids_copy {
	uint32_t *gids;
	size_t n;
};

static int copy_gids_cb(const struct fedjit_gids_view *v, void *p)
{
	struct gids_copy *c = p;

	c->gids = malloc(sizeof(uint32_t) * (v->n ? v->n : 1));
	if (!c->gids)
		return -ENOMEM;
	for (uint32_t i = 0; i < v->n; i++)
		c->gids[i] = fedjit_gids_view_at(v, i);
	c->n = v->n;
	return 0;
}

int fedjit_store_get_gids(struct fedjit_store *s, const char *name, uint32_t **ret_gids,
                          size_t *ret_n)
{
	struct gids_copy c = {0};
	int r = fedjit_store_parse_gids(s, name, copy_gids_cb, &c);

	if (r < 0)
		return r;
	*ret_gids = c.gids;
	*ret_n = c.n;
	return 0;
}

/* ---- iteration ---- */

struct walk {
	struct fedjit_store *s;
	bool personal; /* users: with their account records */
	enum fedjit_key_kind kind;
	fedjit_user_view_fn user_fn;
	fedjit_group_view_fn group_fn;
	fedjit_link_fn link_fn;
	void *userdata;
	int r;     /* first non-zero return (stop/abort) */
	int count; /* records visited */
};

static int walk_one(struct walk *w, TDB_DATA key, TDB_DATA data)
{
	const char *rest;
	size_t rest_len;
	int r;

	if (fedjit_key_classify(key, &rest, &rest_len) != w->kind)
		return 0;
	if (w->kind == FEDJIT_KEY_LINK) {
		const char *sep = memchr(rest, '\0', rest_len), *name;
		char subject[FEDJIT_RECORD_STRING_MAX + 1];
		size_t n = sep ? (size_t)(rest + rest_len - sep - 1) : 0;

		r = fedjit_record_view_name(data, &name);
		if (r == 0 && (!sep || sep == rest || n == 0 || n >= sizeof(subject)))
			r = -EBADMSG;
		if (r == 0) {
			memcpy(subject, sep + 1, n);
			subject[n] = '\0';
			r = w->link_fn(rest, subject, name, w->userdata);
		}
	} else if (w->kind == FEDJIT_KEY_USER) {
		struct fedjit_user_view v;
		struct fedjit_snap sn = {0};

		r = fedjit_record_view_user(data, &v);
		if (r == 0 && (strlen(v.name) != rest_len || memcmp(v.name, rest, rest_len) != 0))
			r = -EBADMSG;
		if (r == 0 && w->personal)
			r = fedjit_store_personal(w->s, &v, &sn) < 0 ? -EIO : 0;
		if (r == 0)
			r = w->user_fn(&v, w->userdata);
		fedjit_snap_free(&sn);
	} else {
		struct fedjit_group_view v;

		r = fedjit_record_view_group(data, &v);
		if (r == 0 && (strlen(v.name) != rest_len || memcmp(v.name, rest, rest_len) != 0))
			r = -EBADMSG;
		if (r == 0)
			r = w->group_fn(&v, w->userdata);
	}
	if (r != 0) {
		w->r = r;
		return 1;
	}
	w->count++;
	return 0;
}

/*
 * The records of one chain, copied in one validated read (a chain at a time:
 * a walk of a million users takes seconds, longer than commits leave the
 * store alone). Each copy is [key length, data length, key, data], 8-aligned.
 */
struct chain_copy {
	enum fedjit_key_kind kind; /* 0: every record */
	unsigned char *p;
	size_t len, cap;
	uint32_t chain;
};

static int chain_copy_cb(TDB_DATA key, TDB_DATA data, void *p)
{
	struct chain_copy *c = p;
	const char *rest;
	size_t rest_len, need = 8 + ((key.dsize + data.dsize + 7) & ~(size_t)7);

	if (c->kind && fedjit_key_classify(key, &rest, &rest_len) != c->kind)
		return 0;
	if (c->len + need > c->cap) {
		size_t cap = c->cap ? c->cap : 4096;
		while (cap < c->len + need)
			cap *= 2;
		unsigned char *np = realloc(c->p, cap);
		if (!np)
			return -ENOMEM;
		c->p = np;
		c->cap = cap;
	}
	uint32_t lens[2] = {(uint32_t)key.dsize, (uint32_t)data.dsize};
	memcpy(c->p + c->len, lens, 8);
	memcpy(c->p + c->len + 8, key.dptr, key.dsize);
	memcpy(c->p + c->len + 8 + key.dsize, data.dptr, data.dsize);
	c->len += need;
	return 0;
}

static int chain_copy_body(struct fedjit_store *s, void *p)
{
	struct chain_copy *c = p;

	c->len = 0; /* a retry starts over */
	return fedjit_read_chain(s, c->chain, chain_copy_cb, c);
}

static int walk_chains(struct fedjit_store *s, enum fedjit_key_kind kind, fedjit_chain_fn fn,
                       void *userdata)
{
	struct chain_copy c = {.kind = kind};
	uint32_t n = fedjit_read_chains(s);
	int r = 0;

	for (c.chain = 0; c.chain < n && r == 0; c.chain++) {
		uint32_t next = fedjit_read_next_chain(s, c.chain);
		if (next != c.chain) {
			c.chain = next - 1; /* the loop steps on to next */
			continue;
		}
		r = fedjit_read(s, chain_copy_body, &c);
		for (size_t off = 0; r == 0 && off < c.len;) {
			uint32_t lens[2];

			memcpy(lens, c.p + off, 8);
			TDB_DATA key = {c.p + off + 8, lens[0]};
			TDB_DATA data = {c.p + off + 8 + lens[0], lens[1]};
			off += 8 + ((lens[0] + lens[1] + 7) & ~(size_t)7);
			r = fn(key, data, userdata);
		}
	}
	free(c.p);
	return r;
}

struct tdb_walk {
	enum fedjit_key_kind kind;
	fedjit_chain_fn fn;
	void *userdata;
	int r;
};

static int tdb_walk_cb(struct tdb_context *tdb, TDB_DATA key, TDB_DATA data, void *p)
{
	struct tdb_walk *w = p;
	const char *rest;
	size_t len;

	if (w->kind && fedjit_key_classify(key, &rest, &len) != w->kind)
		return 0;
	w->r = w->fn(key, data, w->userdata);
	return w->r != 0;
}

int fedjit_store_walk(struct fedjit_store *s, enum fedjit_key_kind kind, fedjit_chain_fn fn,
                      void *userdata)
{
	int r;

	if (!(s->flags & FEDJIT_STORE_RDONLY)) {
		struct tdb_walk w = {kind, fn, userdata, 0};
		bool tx = tdb_transaction_active(s->tdb);

		if (!tx && (r = fedjit_store_wlock(s)) < 0)
			return r;
		r = tx ? tdb_traverse(s->tdb, tdb_walk_cb, &w)
		       : tdb_traverse_read(s->tdb, tdb_walk_cb, &w);
		if (!tx)
			fedjit_store_wunlock(s);
		return w.r != 0 ? w.r : r < 0 ? -EIO : 0;
	}
	bool locked = !(s->flags & (FEDJIT_STORE_NOLOCK | FEDJIT_STORE_NORECOVER)) &&
	              fedjit_store_wlock(s) == 0;
	r = walk_chains(s, kind, fn, userdata);
	if (locked)
		fedjit_store_wunlock(s);
	return r;
}

static int walk_cb(TDB_DATA key, TDB_DATA data, void *p)
{
	return walk_one(p, key, data);
}

static int walk(struct fedjit_store *s, struct walk *w)
{
	int r = fedjit_store_walk(s, w->kind, walk_cb, w);

	if (w->r != 0)
		return w->r;
	if (r < 0)
		return r;
	return w->count;
}

static int copy_key_body(struct fedjit_store *s, void *p)
{
	void **a = p;

	return fedjit_read_get(s, *(TDB_DATA *)a[0], fedjit_snap_place, a[1]);
}

int fedjit_store_copy_key(struct fedjit_store *s, TDB_DATA key, struct fedjit_snap *sn)
{
	void *a[2] = {&key, sn};

	return fedjit_read(s, copy_key_body, a);
}

int fedjit_store_foreach_user(struct fedjit_store *s, fedjit_user_view_fn fn, void *userdata)
{
	struct walk w = {.s = s,
	                 .personal = true,
	                 .kind = FEDJIT_KEY_USER,
	                 .user_fn = fn,
	                 .userdata = userdata};

	return walk(s, &w);
}

int fedjit_store_foreach_user_public(struct fedjit_store *s, fedjit_user_view_fn fn, void *userdata)
{
	struct walk w = {.s = s, .kind = FEDJIT_KEY_USER, .user_fn = fn, .userdata = userdata};

	return walk(s, &w);
}

int fedjit_store_foreach_group(struct fedjit_store *s, fedjit_group_view_fn fn, void *userdata)
{
	struct walk w = {.kind = FEDJIT_KEY_GROUP, .group_fn = fn, .userdata = userdata};

	return walk(s, &w);
}

int fedjit_store_foreach_link(struct fedjit_store *s, fedjit_link_fn fn, void *userdata)
{
	struct walk w = {.s = s, .kind = FEDJIT_KEY_LINK, .link_fn = fn, .userdata = userdata};
	int r = s->priv ? walk(s->priv, &w) : 0;

	if (w.r != 0 || r < 0)
		return w.r != 0 ? w.r : r;
	/* a store not yet upgraded (read without the right to upgrade it) */
	return walk(s, &w);
}

static int names_add(struct fedjit_strv *ns, const char *name)
{
	return fedjit_strv_push(ns, name, strlen(name));
}

static int user_name_cb(const struct fedjit_user_view *v, void *p)
{
	return names_add(p, v->name);
}

static int group_name_cb(const struct fedjit_group_view *v, void *p)
{
	return names_add(p, v->name);
}

static int names_finish(struct fedjit_strv *ns, int r, char ***ret, size_t *ret_n)
{
	if (r >= 0 && !ns->v) {
		ns->v = calloc(1, sizeof(char *));
		if (!ns->v)
			return -ENOMEM;
	}
	if (r < 0) {
		if (ns->v)
			ns->v[ns->n] = NULL;
		fedjit_strv_free(ns->v);
		return r;
	}
	fedjit_strv_sort(ns->v, ns->n);
	*ret = ns->v;
	if (ret_n)
		*ret_n = ns->n;
	return 0;
}

int fedjit_store_list_users(struct fedjit_store *s, char ***ret, size_t *ret_n)
{
	struct fedjit_strv ns = {0};

	return names_finish(&ns, fedjit_store_foreach_user_public(s, user_name_cb, &ns), ret,
	                    ret_n);
}

int fedjit_store_list_groups(struct fedjit_store *s, char ***ret, size_t *ret_n)
{
	struct fedjit_strv ns = {0};

	return names_finish(&ns, fedjit_store_foreach_group(s, group_name_cb, &ns), ret, ret_n);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Store reads: zero-copy lookups through tdb_parse_record (the NSS hot path),
 * copies for everyone else, and iteration.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "store-private.h"

/* ---- zero-copy lookups ---- */

struct user_cb {
	fedjit_user_view_fn fn;
	void *userdata;
	uint32_t want_uid;     /* 0: any */
	const char *want_name; /* NULL: any */
};

static int user_data_cb(TDB_DATA data, void *p)
{
	struct user_cb *c = p;
	struct fedjit_user_view v;
	int r = fedjit_record_view_user(data, &v);

	if (r < 0)
		return r;
	/* An index that points at a record with another id (or a record under
	 * another name's key) is corruption, not a match. */
	if ((c->want_uid && v.uid != c->want_uid) ||
	    (c->want_name && strcmp(v.name, c->want_name) != 0))
		return -EBADMSG;
	return c->fn(&v, c->userdata);
}

/* The name an index or link record points to, copied into buf. */
static int name_data_cb(TDB_DATA data, void *p)
{
	const char *name;
	int r = fedjit_record_view_name(data, &name);

	if (r < 0)
		return r;
	memcpy(p, name, strlen(name) + 1); /* at most FEDJIT_RECORD_NAME_MAX + 1 */
	return 0;
}

static int parse_user_locked(struct fedjit_store *s, const char *name, uint32_t want_uid,
                             fedjit_user_view_fn fn, void *userdata)
{
	char kb[FEDJIT_KEY_MAX];
	struct user_cb c = {
	        .fn = fn, .userdata = userdata, .want_uid = want_uid, .want_name = name};
	TDB_DATA key;

	if (fedjit_key_user(kb, name, &key) < 0)
		return -ENOENT; /* a name no record can have */
	return fedjit_store_parse_key(s, key, user_data_cb, &c);
}

int fedjit_store_parse_user(struct fedjit_store *s, const char *name, fedjit_user_view_fn fn,
                            void *userdata)
{
	int r = fedjit_store_rlock(s);

	if (r < 0)
		return r;
	r = parse_user_locked(s, name, 0, fn, userdata);
	fedjit_store_runlock(s);
	return r;
}

int fedjit_store_parse_user_by_uid(struct fedjit_store *s, uint32_t uid, fedjit_user_view_fn fn,
                                   void *userdata)
{
	char kb[FEDJIT_KEY_MAX], name[FEDJIT_RECORD_NAME_MAX + 1];
	TDB_DATA key;
	int r;

	if (uid == 0 || uid == UINT32_MAX)
		return -ENOENT;
	fedjit_key_uid(kb, uid, &key);
	r = fedjit_store_rlock(s);
	if (r < 0)
		return r;
	r = fedjit_store_parse_key(s, key, name_data_cb, name);
	if (r >= 0) {
		r = parse_user_locked(s, name, uid, fn, userdata);
		if (r == -ENOENT)
			r = -EBADMSG; /* a dangling index */
	}
	fedjit_store_runlock(s);
	return r;
}

struct group_cb {
	fedjit_group_view_fn fn;
	void *userdata;
	uint32_t want_gid;
	const char *want_name;
};

static int group_data_cb(TDB_DATA data, void *p)
{
	struct group_cb *c = p;
	struct fedjit_group_view v;
	int r = fedjit_record_view_group(data, &v);

	if (r < 0)
		return r;
	if ((c->want_gid && v.gid != c->want_gid) ||
	    (c->want_name && strcmp(v.name, c->want_name) != 0))
		return -EBADMSG;
	return c->fn(&v, c->userdata);
}

static int parse_group_locked(struct fedjit_store *s, const char *name, uint32_t want_gid,
                              fedjit_group_view_fn fn, void *userdata)
{
	char kb[FEDJIT_KEY_MAX];
	struct group_cb c = {
	        .fn = fn, .userdata = userdata, .want_gid = want_gid, .want_name = name};
	TDB_DATA key;

	if (fedjit_key_group(kb, name, &key) < 0)
		return -ENOENT;
	return fedjit_store_parse_key(s, key, group_data_cb, &c);
}

int fedjit_store_parse_group(struct fedjit_store *s, const char *name, fedjit_group_view_fn fn,
                             void *userdata)
{
	int r = fedjit_store_rlock(s);

	if (r < 0)
		return r;
	r = parse_group_locked(s, name, 0, fn, userdata);
	fedjit_store_runlock(s);
	return r;
}

int fedjit_store_parse_group_by_gid(struct fedjit_store *s, uint32_t gid, fedjit_group_view_fn fn,
                                    void *userdata)
{
	char kb[FEDJIT_KEY_MAX], name[FEDJIT_RECORD_NAME_MAX + 1];
	TDB_DATA key;
	int r;

	if (gid == 0 || gid == UINT32_MAX)
		return -ENOENT;
	fedjit_key_gid(kb, gid, &key);
	r = fedjit_store_rlock(s);
	if (r < 0)
		return r;
	r = fedjit_store_parse_key(s, key, name_data_cb, name);
	if (r >= 0) {
		r = parse_group_locked(s, name, gid, fn, userdata);
		if (r == -ENOENT)
			r = -EBADMSG;
	}
	fedjit_store_runlock(s);
	return r;
}

struct gids_cb {
	fedjit_gids_view_fn fn;
	void *userdata;
};

static int gids_data_cb(TDB_DATA data, void *p)
{
	struct gids_cb *c = p;
	struct fedjit_gids_view v;
	int r = fedjit_record_view_gids(data, &v);

	return r < 0 ? r : c->fn(&v, c->userdata);
}

int fedjit_store_parse_gids(struct fedjit_store *s, const char *name, fedjit_gids_view_fn fn,
                            void *userdata)
{
	char kb[FEDJIT_KEY_MAX];
	struct gids_cb c = {.fn = fn, .userdata = userdata};
	TDB_DATA key;
	int r;

	if (fedjit_key_gids(kb, name, &key) < 0)
		return -ENOENT;
	r = fedjit_store_rlock(s);
	if (r < 0)
		return r;
	r = fedjit_store_parse_key(s, key, gids_data_cb, &c);
	if (r == -ENOENT) {
		/* No list: an empty one if the user exists. */
		fedjit_key_user(kb, name, &key);
		if (fedjit_store_exists(s, key)) {
			struct fedjit_gids_view empty = {.n = 0, .raw = (const unsigned char *)""};
			r = fn(&empty, userdata);
		}
	}
	fedjit_store_runlock(s);
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

int fedjit_store_get_user_by_link(struct fedjit_store *s, const char *issuer, const char *subject,
                                  struct fedjit_user **ret)
{
	char kb[FEDJIT_KEY_MAX], name[FEDJIT_RECORD_NAME_MAX + 1];
	struct fedjit_user *u = NULL;
	TDB_DATA key;
	int r;

	if (fedjit_key_link(kb, issuer, subject, &key) < 0)
		return -ENOENT;
	r = fedjit_store_rlock(s);
	if (r < 0)
		return r;
	r = fedjit_store_parse_key(s, key, name_data_cb, name);
	if (r >= 0) {
		r = parse_user_locked(s, name, 0, copy_user_cb, &u);
		if (r == -ENOENT)
			r = -EBADMSG;
	}
	fedjit_store_runlock(s);
	if (r < 0)
		return r;
	/* The link must be the account's own identity. */
	if (strcmp(u->issuer, issuer) != 0 || strcmp(u->subject, subject) != 0) {
		fedjit_user_free(u);
		return -EBADMSG;
	}
	*ret = u;
	return 0;
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
	enum fedjit_key_kind kind;
	fedjit_user_view_fn user_fn;
	fedjit_group_view_fn group_fn;
	void *userdata;
	int r;     /* first non-zero return (stop/abort) */
	int count; /* records visited */
};

static int walk_cb(struct tdb_context *tdb, TDB_DATA key, TDB_DATA data, void *p)
{
	struct walk *w = p;
	const char *rest;
	size_t rest_len;
	int r;

	if (fedjit_key_classify(key, &rest, &rest_len) != w->kind)
		return 0;
	if (w->kind == FEDJIT_KEY_USER) {
		struct fedjit_user_view v;

		r = fedjit_record_view_user(data, &v);
		if (r == 0 && (strlen(v.name) != rest_len || memcmp(v.name, rest, rest_len) != 0))
			r = -EBADMSG;
		if (r == 0)
			r = w->user_fn(&v, w->userdata);
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

static int walk(struct fedjit_store *s, struct walk *w)
{
	int r = fedjit_store_rlock(s);

	if (r < 0)
		return r;
	if (tdb_transaction_active(s->tdb))
		r = tdb_traverse(s->tdb, walk_cb, w);
	else
		r = tdb_traverse_read(s->tdb, walk_cb, w);
	fedjit_store_runlock(s);
	if (w->r != 0)
		return w->r;
	if (r < 0)
		return -EIO;
	return w->count;
}

int fedjit_store_foreach_user(struct fedjit_store *s, fedjit_user_view_fn fn, void *userdata)
{
	struct walk w = {.kind = FEDJIT_KEY_USER, .user_fn = fn, .userdata = userdata};

	return walk(s, &w);
}

int fedjit_store_foreach_group(struct fedjit_store *s, fedjit_group_view_fn fn, void *userdata)
{
	struct walk w = {.kind = FEDJIT_KEY_GROUP, .group_fn = fn, .userdata = userdata};

	return walk(s, &w);
}

struct names {
	char **v;
	size_t n, cap;
};

static int names_add(struct names *ns, const char *name)
{
	if (ns->n + 1 >= ns->cap) {
		size_t cap = ns->cap ? ns->cap * 2 : 16;
		char **v = realloc(ns->v, cap * sizeof(char *));

		if (!v)
			return -ENOMEM;
		ns->v = v;
		ns->cap = cap;
	}
	ns->v[ns->n] = strdup(name);
	if (!ns->v[ns->n])
		return -ENOMEM;
	ns->v[++ns->n] = NULL;
	return 0;
}

static int user_name_cb(const struct fedjit_user_view *v, void *p)
{
	return names_add(p, v->name);
}

static int group_name_cb(const struct fedjit_group_view *v, void *p)
{
	return names_add(p, v->name);
}

static int names_finish(struct names *ns, int r, char ***ret, size_t *ret_n)
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
	struct names ns = {0};

	return names_finish(&ns, fedjit_store_foreach_user(s, user_name_cb, &ns), ret, ret_n);
}

int fedjit_store_list_groups(struct fedjit_store *s, char ***ret, size_t *ret_n)
{
	struct names ns = {0};

	return names_finish(&ns, fedjit_store_foreach_group(s, group_name_cb, &ns), ret, ret_n);
}

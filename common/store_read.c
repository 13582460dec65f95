/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Store reads: zero-copy lookups through tdb_parse_record (the NSS hot path),
 * copies for everyone else, and iteration.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/macro.h"
#include "common/store_private.h"

/* ---- lookups ----
 *
 * Each lookup copies the raw record bytes out of the mapping once
 * (fedjit_store_lookup: consistent without locks on read-only handles, see
 * store_snap.c) and decodes the copy in place with a view decoder; the
 * callback's view points into that copy.
 */

/* Index/link record -> the key of the record it names. */
static int hop_user(TDB_DATA rec1, char *kb, TDB_DATA *ret)
{
	const char *name;
	int r = fedjit_record_view_name(rec1, &name);

	return r < 0 ? r : fedjit_key_user(kb, name, ret);
}

static int hop_group(TDB_DATA rec1, char *kb, TDB_DATA *ret)
{
	const char *name;
	int r = fedjit_record_view_name(rec1, &name);

	return r < 0 ? r : fedjit_key_group(kb, name, ret);
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

/*
 * Copy the user (group if is_group) record named by name, or, when name is
 * NULL, the one id's index record points at. *ret_d is the copy of that
 * record (in a or b); free both snaps either way.
 */
static int snap_entry(struct fedjit_store *s, bool is_group, const char *name, uint32_t id,
                      struct fedjit_snap *a, struct fedjit_snap *b, TDB_DATA *ret_d)
{
	char kb[FEDJIT_KEY_MAX];
	TDB_DATA key;
	int r;

	if (name) {
		r = is_group ? fedjit_key_group(kb, name, &key) : fedjit_key_user(kb, name, &key);
		if (r < 0)
			return -ENOENT; /* a name no record can have */
		r = fedjit_store_lookup(s, key, NULL, a, b);
		if (r >= 0)
			*ret_d = a->d;
		return r;
	}
	if (id == 0 || id == UINT32_MAX)
		return -ENOENT;
	if (is_group)
		fedjit_key_gid(kb, id, &key);
	else
		fedjit_key_uid(kb, id, &key);
	r = fedjit_store_lookup(s, key, is_group ? hop_group : hop_user, a, b);
	if (r >= 0)
		*ret_d = b->d;
	return r;
}

/* By name, or by uid when name is NULL. */
static int parse_user(struct fedjit_store *s, const char *name, uint32_t uid,
                      fedjit_user_view_fn fn, void *userdata)
{
	struct fedjit_snap a = {0}, b = {0};
	struct fedjit_user_view v;
	TDB_DATA d;
	int r;

	r = snap_entry(s, false, name, uid, &a, &b, &d);
	if (r >= 0)
		r = user_view(d, name, uid, &v);
	if (r >= 0)
		r = fn(&v, userdata);
	fedjit_snap_free(&a);
	fedjit_snap_free(&b);
	return r;
}

static int parse_group(struct fedjit_store *s, const char *name, uint32_t gid,
                       fedjit_group_view_fn fn, void *userdata)
{
	struct fedjit_snap a = {0}, b = {0};
	struct fedjit_group_view v;
	TDB_DATA d;
	int r;

	r = snap_entry(s, true, name, gid, &a, &b, &d);
	if (r >= 0)
		r = group_view(d, name, gid, &v);
	if (r >= 0)
		r = fn(&v, userdata);
	fedjit_snap_free(&a);
	fedjit_snap_free(&b);
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
	char kb[FEDJIT_KEY_MAX];
	struct fedjit_snap a = {0}, b = {0};
	struct fedjit_gids_view v;
	TDB_DATA key;
	int r;

	if (fedjit_key_gids(kb, name, &key) < 0)
		return -ENOENT;
	r = fedjit_store_lookup(s, key, NULL, &a, &b);
	if (r >= 0) {
		r = fedjit_record_view_gids(a.d, &v);
	} else if (r == -ENOENT) {
		/* No list: an empty one if the user exists. */
		fedjit_key_user(kb, name, &key);
		r = fedjit_store_lookup(s, key, NULL, &a, &b);
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

int fedjit_store_get_user_by_link(struct fedjit_store *s, const char *issuer, const char *subject,
                                  struct fedjit_user **ret)
{
	char kb[FEDJIT_KEY_MAX];
	struct fedjit_snap a = {0}, b = {0};
	struct fedjit_user_view v;
	TDB_DATA key;
	int r;

	if (fedjit_key_link(kb, issuer, subject, &key) < 0)
		return -ENOENT;
	r = fedjit_store_lookup(s, key, hop_user, &a, &b);
	if (r >= 0)
		r = user_view(b.d, NULL, 0, &v);
	/* The link must be the account's own identity. */
	if (r >= 0 && (strcmp(v.issuer, issuer) != 0 || strcmp(v.subject, subject) != 0))
		r = -EBADMSG;
	if (r >= 0)
		r = fedjit_user_from_view(&v, ret);
	fedjit_snap_free(&a);
	fedjit_snap_free(&b);
	return r;
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
	fedjit_link_fn link_fn;
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

int fedjit_store_foreach_link(struct fedjit_store *s, fedjit_link_fn fn, void *userdata)
{
	struct walk w = {.kind = FEDJIT_KEY_LINK, .link_fn = fn, .userdata = userdata};

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

	return names_finish(&ns, fedjit_store_foreach_user(s, user_name_cb, &ns), ret, ret_n);
}

int fedjit_store_list_groups(struct fedjit_store *s, char ***ret, size_t *ret_n)
{
	struct fedjit_strv ns = {0};

	return names_finish(&ns, fedjit_store_foreach_group(s, group_name_cb, &ns), ret, ret_n);
}

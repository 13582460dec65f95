/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one write API of the store. Every public function here is one tdb
 * transaction: do_*() does the work inside it and any error cancels it all.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "store-private.h"

/* ---- record helpers (inside a transaction: no locking) ---- */

static int decode_user_cb(TDB_DATA data, void *p)
{
	return fedjit_record_decode_user(data, p);
}

static int decode_group_cb(TDB_DATA data, void *p)
{
	return fedjit_record_decode_group(data, p);
}

static int decode_name_cb(TDB_DATA data, void *p)
{
	return fedjit_record_decode_name(data, p);
}

struct gids_out {
	uint32_t **gids;
	size_t *n;
};

static int decode_gids_cb(TDB_DATA data, void *p)
{
	struct gids_out *o = p;

	return fedjit_record_decode_gids(data, o->gids, o->n);
}

static int load_user(struct fedjit_store *s, const char *name, struct fedjit_user **ret)
{
	char kb[FEDJIT_KEY_MAX];
	struct fedjit_user *u = NULL;
	TDB_DATA key;
	int r;

	if (fedjit_key_user(kb, name, &key) < 0)
		return -ENOENT;
	r = fedjit_store_parse_key(s, key, decode_user_cb, &u);
	if (r < 0)
		return r;
	if (strcmp(u->name, name) != 0) {
		fedjit_user_free(u);
		return -EBADMSG;
	}
	*ret = u;
	return 0;
}

static int load_group(struct fedjit_store *s, const char *name, struct fedjit_group **ret)
{
	char kb[FEDJIT_KEY_MAX];
	struct fedjit_group *g = NULL;
	TDB_DATA key;
	int r;

	if (fedjit_key_group(kb, name, &key) < 0)
		return -ENOENT;
	r = fedjit_store_parse_key(s, key, decode_group_cb, &g);
	if (r < 0)
		return r;
	if (strcmp(g->name, name) != 0) {
		fedjit_group_free(g);
		return -EBADMSG;
	}
	*ret = g;
	return 0;
}

/* The group with this gid, or -ENOENT when no group of this store has it. */
static int load_group_by_gid(struct fedjit_store *s, uint32_t gid, struct fedjit_group **ret)
{
	char kb[FEDJIT_KEY_MAX];
	_cleanup_free_ char *name = NULL;
	struct fedjit_group *g;
	TDB_DATA key;
	int r;

	fedjit_key_gid(kb, gid, &key);
	r = fedjit_store_parse_key(s, key, decode_name_cb, &name);
	if (r < 0)
		return r;
	r = load_group(s, name, &g);
	if (r == -ENOENT || (r == 0 && g->gid != gid)) {
		if (r == 0)
			fedjit_group_free(g);
		return -EBADMSG; /* dangling or wrong index */
	}
	if (r < 0)
		return r;
	*ret = g;
	return 0;
}

/* A missing list is an empty one. *ret_gids is always a heap pointer. */
static int load_gids(struct fedjit_store *s, const char *name, uint32_t **ret_gids, size_t *ret_n)
{
	char kb[FEDJIT_KEY_MAX];
	struct gids_out o = {ret_gids, ret_n};
	TDB_DATA key;
	int r;

	fedjit_key_gids(kb, name, &key);
	r = fedjit_store_parse_key(s, key, decode_gids_cb, &o);
	if (r == -ENOENT) {
		*ret_gids = malloc(sizeof(uint32_t));
		*ret_n = 0;
		return *ret_gids ? 0 : -ENOMEM;
	}
	return r;
}

static int put_encoded(struct fedjit_store *s, TDB_DATA key, int r, TDB_DATA data)
{
	if (r < 0)
		return r;
	r = fedjit_store_tx_store(s, key, data);
	free(data.dptr);
	return r;
}

static int put_user(struct fedjit_store *s, const struct fedjit_user *u)
{
	char kb[FEDJIT_KEY_MAX];
	TDB_DATA key, data = {0};
	int r = fedjit_key_user(kb, u->name, &key);

	if (r < 0)
		return r;
	r = fedjit_record_encode_user(u, &data);
	return put_encoded(s, key, r, data);
}

static int put_group(struct fedjit_store *s, const struct fedjit_group *g)
{
	char kb[FEDJIT_KEY_MAX];
	TDB_DATA key, data = {0};
	int r = fedjit_key_group(kb, g->name, &key);

	if (r < 0)
		return r;
	r = fedjit_record_encode_group(g, &data);
	return put_encoded(s, key, r, data);
}

static int put_name(struct fedjit_store *s, TDB_DATA key, const char *name)
{
	TDB_DATA data = {0};
	int r = fedjit_record_encode_name(name, &data);

	return put_encoded(s, key, r, data);
}

static int put_gids(struct fedjit_store *s, const char *name, const uint32_t *gids, size_t n)
{
	char kb[FEDJIT_KEY_MAX];
	TDB_DATA key, data = {0};
	int r = fedjit_key_gids(kb, name, &key);

	if (r < 0)
		return r;
	r = fedjit_record_encode_gids(gids, n, &data);
	return put_encoded(s, key, r, data);
}

/* Delete an index/link record only if it points to name. */
static int delete_if_points_to(struct fedjit_store *s, TDB_DATA key, const char *name)
{
	_cleanup_free_ char *target = NULL;
	int r = fedjit_store_parse_key(s, key, decode_name_cb, &target);

	if (r == -ENOENT || r == -EBADMSG)
		return r == -EBADMSG ? fedjit_store_tx_delete(s, key) : 0;
	if (r < 0)
		return r;
	return strcmp(target, name) == 0 ? fedjit_store_tx_delete(s, key) : 0;
}

static int exists_user_key(struct fedjit_store *s, int (*builder)(char *, const char *, TDB_DATA *),
                           const char *name)
{
	char kb[FEDJIT_KEY_MAX];
	TDB_DATA key;

	return builder(kb, name, &key) == 0 && fedjit_store_exists(s, key);
}

static int exists_id_key(struct fedjit_store *s, int (*builder)(char *, uint32_t, TDB_DATA *),
                         uint32_t id)
{
	char kb[FEDJIT_KEY_MAX];
	TDB_DATA key;

	return builder(kb, id, &key) == 0 && fedjit_store_exists(s, key);
}

/* ---- group membership ---- */

static int group_set_member(struct fedjit_store *s, uint32_t gid, const char *user, bool member)
{
	struct fedjit_group *g = NULL;
	_cleanup_free_ char **members = NULL;
	size_t n = 0;
	bool found = false;
	int r = load_group_by_gid(s, gid, &g);

	if (r == -ENOENT)
		return 0; /* a foreign group (/etc/group): nothing to keep in step */
	if (r < 0)
		return r;
	members = calloc(g->n_members + 2, sizeof(char *));
	if (!members) {
		fedjit_group_free(g);
		return -ENOMEM;
	}
	for (size_t i = 0; i < g->n_members; i++) {
		if (strcmp(g->members[i], user) == 0) {
			found = true;
			if (!member)
				continue;
		}
		members[n++] = g->members[i];
	}
	if (member && !found)
		members[n++] = (char *)user;
	if (found != member) {
		struct fedjit_group ng = *g;

		ng.members = members;
		ng.n_members = n;
		r = put_group(s, &ng);
	}
	fedjit_group_free(g);
	return r;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Sorted, without duplicates and without the primary gid (always implied). */
static int normalize_gids(const uint32_t *gids, size_t n, uint32_t primary, uint32_t **ret,
                          size_t *ret_n)
{
	uint32_t *v = malloc(sizeof(uint32_t) * (n ? n : 1));
	size_t m = 0;

	if (!v)
		return -ENOMEM;
	if (n)
		memcpy(v, gids, n * sizeof(uint32_t));
	qsort(v, n, sizeof(uint32_t), cmp_u32);
	for (size_t i = 0; i < n; i++)
		if (v[i] != primary && (m == 0 || v[m - 1] != v[i]))
			v[m++] = v[i];
	*ret = v;
	*ret_n = m;
	return 0;
}

static bool gid_in(const uint32_t *v, size_t n, uint32_t gid)
{
	return bsearch(&gid, v, n, sizeof(uint32_t), cmp_u32) != NULL;
}

/* ---- create ---- */

static int do_create(struct fedjit_store *s, const struct fedjit_user *u, const char *primary_group,
                     const uint32_t *gids, size_t n_gids)
{
	char kb[FEDJIT_KEY_MAX];
	_cleanup_free_ uint32_t *supp = NULL;
	TDB_DATA key, probe = {0};
	size_t n_supp;
	int r;

	/* Validate everything the format checks before touching anything. */
	r = fedjit_record_encode_user(u, &probe);
	if (r < 0)
		return r;
	free(probe.dptr);
	if (fedjit_key_link(kb, u->issuer, u->subject, &key) < 0)
		return -EINVAL;
	if (exists_user_key(s, fedjit_key_user, u->name))
		return -FEDJIT_STORE_ENAME;
	if (exists_id_key(s, fedjit_key_uid, u->uid))
		return -FEDJIT_STORE_EUID;
	if (fedjit_store_exists(s, key))
		return -FEDJIT_STORE_ELINK;

	if (!primary_group) {
		struct fedjit_group g = {.name = u->name,
		                         .gid = u->gid,
		                         .origin = FEDJIT_GROUP_PRIVATE,
		                         .domain = u->domain};

		if (exists_user_key(s, fedjit_key_group, u->name))
			return -FEDJIT_STORE_EGROUP;
		if (exists_id_key(s, fedjit_key_gid, u->gid))
			return -FEDJIT_STORE_EGID;
		r = put_group(s, &g);
		if (r < 0)
			return r;
		fedjit_key_gid(kb, u->gid, &key);
		r = put_name(s, key, u->name);
		if (r < 0)
			return r;
	} else {
		struct fedjit_group *g = NULL;

		r = load_group(s, primary_group, &g);
		if (r == 0) {
			bool same = g->gid == u->gid;

			fedjit_group_free(g);
			if (!same)
				return -EINVAL; /* the caller computed the gid from elsewhere */
		} else if (r == -ENOENT) {
			struct fedjit_group ng = {.name = (char *)primary_group,
			                          .gid = u->gid,
			                          .origin = FEDJIT_GROUP_SHARED_PRIMARY,
			                          .domain = u->domain};

			if (exists_id_key(s, fedjit_key_gid, u->gid))
				return -FEDJIT_STORE_EGID;
			r = put_group(s, &ng);
			if (r < 0)
				return r;
			fedjit_key_gid(kb, u->gid, &key);
			r = put_name(s, key, primary_group);
			if (r < 0)
				return r;
		} else {
			return r;
		}
	}

	r = normalize_gids(gids, n_gids, u->gid, &supp, &n_supp);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n_supp; i++) {
		r = group_set_member(s, supp[i], u->name, true);
		if (r < 0)
			return r;
	}
	r = put_gids(s, u->name, supp, n_supp);
	if (r < 0)
		return r;
	r = put_user(s, u);
	if (r < 0)
		return r;
	fedjit_key_uid(kb, u->uid, &key);
	r = put_name(s, key, u->name);
	if (r < 0)
		return r;
	fedjit_key_link(kb, u->issuer, u->subject, &key);
	return put_name(s, key, u->name);
}

int fedjit_store_create_account(struct fedjit_store *s, const struct fedjit_user *user,
                                const char *primary_group, const uint32_t *gids, size_t n_gids)
{
	int r = fedjit_store_tx_begin(s);

	if (r < 0)
		return r;
	return fedjit_store_tx_end(s, do_create(s, user, primary_group, gids, n_gids));
}

/* ---- update ---- */

static int set_groups(struct fedjit_store *s, const char *name, uint32_t primary,
                      const uint32_t *gids, size_t n_gids)
{
	_cleanup_free_ uint32_t *old = NULL, *new = NULL;
	size_t n_old, n_new;
	int r = load_gids(s, name, &old, &n_old);

	if (r < 0)
		return r;
	r = normalize_gids(gids, n_gids, primary, &new, &n_new);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n_old; i++)
		if (!gid_in(new, n_new, old[i]) &&
		    (r = group_set_member(s, old[i], name, false)) < 0)
			return r;
	for (size_t i = 0; i < n_new; i++)
		if (!gid_in(old, n_old, new[i]) &&
		    (r = group_set_member(s, new[i], name, true)) < 0)
			return r;
	return put_gids(s, name, new, n_new);
}

static int do_update(struct fedjit_store *s, const struct fedjit_user *u, const uint32_t *gids,
                     size_t n_gids, unsigned what)
{
	struct fedjit_user *old = NULL;
	int r = load_user(s, u->name, &old);

	if (r < 0)
		return r;
	if (what & FEDJIT_UPDATE_ATTRS) {
		struct fedjit_user nu = *old;

		if (u->uid != old->uid || u->gid != old->gid || u->created != old->created ||
		    !u->issuer || strcmp(u->issuer, old->issuer) != 0 || !u->subject ||
		    strcmp(u->subject, old->subject) != 0 || !u->domain ||
		    strcmp(u->domain, old->domain) != 0) {
			r = -FEDJIT_STORE_EIMMUTABLE;
			goto out;
		}
		nu.gecos = u->gecos;
		nu.home = u->home;
		nu.shell = u->shell;
		nu.email = u->email;
		nu.idp = u->idp;
		nu.flags = u->flags;
		nu.last_login = u->last_login;
		r = put_user(s, &nu);
		if (r < 0)
			goto out;
	}
	if (what & FEDJIT_UPDATE_GROUPS)
		r = set_groups(s, old->name, old->gid, gids, n_gids);
out:
	fedjit_user_free(old);
	return r;
}

int fedjit_store_update_account(struct fedjit_store *s, const struct fedjit_user *user,
                                const uint32_t *gids, size_t n_gids, unsigned what)
{
	int r;

	if (!user || !user->name || (what & ~(FEDJIT_UPDATE_ATTRS | FEDJIT_UPDATE_GROUPS)))
		return -EINVAL;
	r = fedjit_store_tx_begin(s);
	if (r < 0)
		return r;
	return fedjit_store_tx_end(s, do_update(s, user, gids, n_gids, what));
}

struct user_edit {
	bool set_login;
	int64_t last_login;
	uint32_t set, clear;
};

static int do_edit(struct fedjit_store *s, const char *name, const struct user_edit *e)
{
	struct fedjit_user *u = NULL;
	int r = load_user(s, name, &u);

	if (r < 0)
		return r;
	if (e->set_login)
		u->last_login = e->last_login;
	u->flags = (u->flags | e->set) & ~e->clear;
	r = put_user(s, u);
	fedjit_user_free(u);
	return r;
}

static int edit_user(struct fedjit_store *s, const char *name, const struct user_edit *e)
{
	int r;

	if (!name || ((e->set | e->clear) & ~FEDJIT_USER_FLAGS_KNOWN))
		return -EINVAL;
	r = fedjit_store_tx_begin(s);
	if (r < 0)
		return r;
	return fedjit_store_tx_end(s, do_edit(s, name, e));
}

int fedjit_store_set_last_login(struct fedjit_store *s, const char *name, int64_t when)
{
	struct user_edit e = {.set_login = true, .last_login = when};

	return edit_user(s, name, &e);
}

int fedjit_store_set_flags(struct fedjit_store *s, const char *name, uint32_t set, uint32_t clear)
{
	struct user_edit e = {.set = set, .clear = clear};

	return edit_user(s, name, &e);
}

int fedjit_store_set_locked(struct fedjit_store *s, const char *name, bool locked)
{
	struct user_edit e = {.set = locked ? FEDJIT_USER_LOCKED : 0,
	                      .clear = locked ? 0 : FEDJIT_USER_LOCKED};

	return edit_user(s, name, &e);
}

int fedjit_store_set_locked_by_link(struct fedjit_store *s, const char *issuer, const char *subject,
                                    bool locked, char **ret_name)
{
	struct user_edit e = {.set = locked ? FEDJIT_USER_LOCKED : 0,
	                      .clear = locked ? 0 : FEDJIT_USER_LOCKED};
	char kb[FEDJIT_KEY_MAX];
	char *name = NULL;
	TDB_DATA key;
	int r;

	if (fedjit_key_link(kb, issuer, subject, &key) < 0)
		return -ENOENT;
	r = fedjit_store_tx_begin(s);
	if (r < 0)
		return r;
	r = fedjit_store_parse_key(s, key, decode_name_cb, &name);
	if (r >= 0)
		r = do_edit(s, name, &e);
	if (r == -ENOENT && name)
		r = -EBADMSG; /* the link points nowhere */
	r = fedjit_store_tx_end(s, r);
	if (r >= 0 && ret_name)
		*ret_name = name;
	else
		free(name);
	return r;
}

/* ---- delete ---- */

/* Remove a group and its gid index; its members' lists lose the gid. */
static int delete_group_rows(struct fedjit_store *s, const struct fedjit_group *g)
{
	char kb[FEDJIT_KEY_MAX];
	TDB_DATA key;
	int r;

	for (size_t i = 0; i < g->n_members; i++) {
		_cleanup_free_ uint32_t *gids = NULL;
		size_t n, m = 0;

		if (!exists_user_key(s, fedjit_key_user, g->members[i]))
			continue;
		r = load_gids(s, g->members[i], &gids, &n);
		if (r < 0)
			return r;
		for (size_t j = 0; j < n; j++)
			if (gids[j] != g->gid)
				gids[m++] = gids[j];
		if (m != n && (r = put_gids(s, g->members[i], gids, m)) < 0)
			return r;
	}
	fedjit_key_group(kb, g->name, &key);
	r = fedjit_store_tx_delete(s, key);
	if (r < 0)
		return r;
	fedjit_key_gid(kb, g->gid, &key);
	return delete_if_points_to(s, key, g->name);
}

static int do_delete(struct fedjit_store *s, const char *name)
{
	char kb[FEDJIT_KEY_MAX];
	struct fedjit_user *u = NULL;
	struct fedjit_group *pg = NULL;
	_cleanup_free_ uint32_t *gids = NULL;
	size_t n;
	TDB_DATA key;
	int r = load_user(s, name, &u);

	if (r < 0)
		return r;
	r = load_gids(s, name, &gids, &n);
	for (size_t i = 0; r >= 0 && i < n; i++)
		r = group_set_member(s, gids[i], name, false);
	if (r < 0)
		goto out;
	/* Its private group goes with it; a shared primary group stays. */
	r = load_group_by_gid(s, u->gid, &pg);
	if (r == 0 && pg->origin == FEDJIT_GROUP_PRIVATE && strcmp(pg->name, name) == 0)
		r = delete_group_rows(s, pg);
	else if (r == -ENOENT)
		r = 0;
	if (r < 0)
		goto out;
	fedjit_key_gids(kb, name, &key);
	r = fedjit_store_tx_delete(s, key);
	if (r < 0)
		goto out;
	fedjit_key_uid(kb, u->uid, &key);
	r = delete_if_points_to(s, key, name);
	if (r < 0)
		goto out;
	if (fedjit_key_link(kb, u->issuer, u->subject, &key) == 0) {
		r = delete_if_points_to(s, key, name);
		if (r < 0)
			goto out;
	}
	fedjit_key_user(kb, name, &key);
	r = fedjit_store_tx_delete(s, key);
out:
	fedjit_group_free(pg);
	fedjit_user_free(u);
	return r;
}

int fedjit_store_delete_account(struct fedjit_store *s, const char *name)
{
	int r;

	if (!name)
		return -EINVAL;
	r = fedjit_store_tx_begin(s);
	if (r < 0)
		return r;
	return fedjit_store_tx_end(s, do_delete(s, name));
}

struct purge {
	const char *idp;
	char **names;
	size_t n, cap;
};

static int purge_cb(const struct fedjit_user_view *v, void *p)
{
	struct purge *pg = p;

	if (strcmp(v->idp, pg->idp) != 0)
		return 0;
	if (pg->n + 1 >= pg->cap) {
		size_t cap = pg->cap ? pg->cap * 2 : 16;
		char **nv = realloc(pg->names, cap * sizeof(char *));

		if (!nv)
			return -ENOMEM;
		pg->names = nv;
		pg->cap = cap;
	}
	pg->names[pg->n] = strdup(v->name);
	if (!pg->names[pg->n])
		return -ENOMEM;
	pg->names[++pg->n] = NULL;
	return 0;
}

int fedjit_store_purge_idp(struct fedjit_store *s, const char *idp_name, char ***ret_names)
{
	struct purge pg = {.idp = idp_name};
	int r;

	if (!idp_name)
		return -EINVAL;
	r = fedjit_store_tx_begin(s);
	if (r < 0)
		return r;
	/* Collect first: a traversal must not delete under itself. */
	r = fedjit_store_foreach_user(s, purge_cb, &pg);
	for (size_t i = 0; r >= 0 && i < pg.n; i++)
		r = do_delete(s, pg.names[i]);
	r = fedjit_store_tx_end(s, r);
	if (!pg.names && r >= 0) {
		pg.names = calloc(1, sizeof(char *));
		if (!pg.names)
			r = -ENOMEM;
	}
	if (r < 0 || !ret_names) {
		fedjit_strv_free(pg.names);
		return r < 0 ? r : (int)pg.n;
	}
	fedjit_strv_sort(pg.names, pg.n);
	*ret_names = pg.names;
	return (int)pg.n;
}

/* ---- groups ---- */

static int do_ensure_group(struct fedjit_store *s, const char *name, uint32_t gid,
                           const char *domain, enum fedjit_group_origin origin, uint32_t *ret_gid)
{
	char kb[FEDJIT_KEY_MAX];
	struct fedjit_group *g = NULL;
	struct fedjit_group ng = {
	        .name = (char *)name, .gid = gid, .origin = origin, .domain = (char *)domain};
	TDB_DATA key;
	int r = load_group(s, name, &g);

	if (r == 0) {
		if (ret_gid)
			*ret_gid = g->gid;
		fedjit_group_free(g);
		return 0;
	}
	if (r != -ENOENT)
		return r;
	if (exists_id_key(s, fedjit_key_gid, gid))
		return -FEDJIT_STORE_EGID;
	r = put_group(s, &ng);
	if (r < 0)
		return r;
	fedjit_key_gid(kb, gid, &key);
	r = put_name(s, key, name);
	if (r < 0)
		return r;
	if (ret_gid)
		*ret_gid = gid;
	return 1;
}

int fedjit_store_ensure_group(struct fedjit_store *s, const char *name, uint32_t gid,
                              const char *domain, enum fedjit_group_origin origin,
                              uint32_t *ret_gid)
{
	int r;

	if (!name)
		return -EINVAL;
	r = fedjit_store_tx_begin(s);
	if (r < 0)
		return r;
	return fedjit_store_tx_end(s, do_ensure_group(s, name, gid, domain, origin, ret_gid));
}

struct primary_probe {
	uint32_t gid;
	bool found;
};

static int primary_user_cb(const struct fedjit_user_view *v, void *p)
{
	struct primary_probe *pp = p;

	if (v->gid != pp->gid)
		return 0;
	pp->found = true;
	return 1;
}

static int do_delete_group(struct fedjit_store *s, const char *name)
{
	struct fedjit_group *g = NULL;
	struct primary_probe pp = {0};
	int r = load_group(s, name, &g);

	if (r < 0)
		return r;
	pp.gid = g->gid;
	r = fedjit_store_foreach_user(s, primary_user_cb, &pp);
	if (pp.found)
		r = -EBUSY;
	else if (r >= 0)
		r = delete_group_rows(s, g);
	fedjit_group_free(g);
	return r;
}

int fedjit_store_delete_group(struct fedjit_store *s, const char *name)
{
	int r;

	if (!name)
		return -EINVAL;
	r = fedjit_store_tx_begin(s);
	if (r < 0)
		return r;
	return fedjit_store_tx_end(s, do_delete_group(s, name));
}

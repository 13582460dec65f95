/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Record-level helpers for the write API (store_write.c, store_delete.c):
 * load, store and delete single records and keep group members in step, all
 * inside the caller's transaction (no locking of their own).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/macro.h"
#include "common/store_private.h"

/* ---- record helpers (inside a transaction: no locking) ---- */

static int decode_group_cb(TDB_DATA data, void *p)
{
	return fedjit_record_decode_group(data, p);
}

int fedjit_row_decode_name_cb(TDB_DATA data, void *p)
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

static int snap_cb(TDB_DATA data, void *p)
{
	return fedjit_snap_place(data.dptr, data.dsize, p);
}

int fedjit_row_load_user_ex(struct fedjit_store *s, const char *name, struct fedjit_user **ret,
                            bool *ret_personal)
{
	char kb[FEDJIT_KEY_MAX];
	struct fedjit_snap a = {0}, b = {0};
	struct fedjit_user_view v;
	TDB_DATA key;
	int r, personal = 0;

	if (fedjit_key_user(kb, name, &key) < 0)
		return -ENOENT;
	r = fedjit_store_parse_key(s, key, snap_cb, &a);
	if (r >= 0)
		r = fedjit_record_view_user(a.d, &v);
	if (r >= 0 && strcmp(v.name, name) != 0)
		r = -EBADMSG;
	if (r >= 0)
		r = personal = fedjit_store_personal(s, &v, &b);
	if (r >= 0)
		r = fedjit_user_from_view(&v, ret);
	fedjit_snap_free(&a);
	fedjit_snap_free(&b);
	if (r >= 0 && ret_personal)
		*ret_personal = personal > 0;
	return r < 0 ? r : 0;
}

int fedjit_row_load_user(struct fedjit_store *s, const char *name, struct fedjit_user **ret)
{
	return fedjit_row_load_user_ex(s, name, ret, NULL);
}

int fedjit_row_load_group(struct fedjit_store *s, const char *name, struct fedjit_group **ret)
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
int fedjit_row_load_group_by_gid(struct fedjit_store *s, uint32_t gid, struct fedjit_group **ret)
{
	char kb[FEDJIT_KEY_MAX];
	_cleanup_free_ char *name = NULL;
	struct fedjit_group *g;
	TDB_DATA key;
	int r;

	fedjit_key_gid(kb, gid, &key);
	r = fedjit_store_parse_key(s, key, fedjit_row_decode_name_cb, &name);
	if (r < 0)
		return r;
	r = fedjit_row_load_group(s, name, &g);
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
int fedjit_row_load_gids(struct fedjit_store *s, const char *name, uint32_t **ret_gids,
                         size_t *ret_n)
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

int fedjit_row_put_user(struct fedjit_store *s, const struct fedjit_user *u)
{
	return fedjit_row_put_user_ex(s, u, true);
}

int fedjit_row_put_user_ex(struct fedjit_store *s, const struct fedjit_user *u, bool personal)
{
	char kb[FEDJIT_KEY_MAX];
	TDB_DATA key, data = {0};
	int r = fedjit_key_user(kb, u->name, &key);

	if (r < 0)
		return r;
	r = fedjit_record_encode_user(u, &data);
	r = put_encoded(s, key, r, data);
	if (r < 0 || !personal)
		return r;
	r = fedjit_store_priv_tx(s);
	if (r < 0)
		return r;
	fedjit_key_account(kb, u->name, &key);
	data = (TDB_DATA){0};
	r = fedjit_record_encode_account(u, &data);
	return put_encoded(s->priv, key, r, data);
}

int fedjit_row_put_link(struct fedjit_store *s, const char *issuer, const char *subject,
                        const char *name)
{
	char kb[FEDJIT_KEY_MAX];
	TDB_DATA key;
	int r = fedjit_key_link(kb, issuer, subject, &key);

	if (r < 0)
		return r;
	r = fedjit_store_priv_tx(s);
	if (r < 0)
		return r;
	return fedjit_row_put_name(s->priv, key, name);
}

int fedjit_row_link_owner(struct fedjit_store *s, const char *issuer, const char *subject,
                          char **ret_name)
{
	char kb[FEDJIT_KEY_MAX];
	char *name = NULL;
	struct fedjit_user *u = NULL;
	bool personal = false;
	TDB_DATA key;
	int r;

	if (fedjit_key_link(kb, issuer, subject, &key) < 0)
		return 0;
	/* a store not yet upgraded keeps its links itself */
	r = fedjit_store_parse_key(s->priv ? s->priv : s, key, fedjit_row_decode_name_cb, &name);
	if (r == -ENOENT || r == -EBADMSG)
		return 0;
	if (r < 0)
		return r;
	r = fedjit_row_load_user_ex(s, name, &u, &personal);
	if (r == 0 && personal && strcmp(u->issuer, issuer) == 0 &&
	    strcmp(u->subject, subject) == 0) {
		fedjit_user_free(u);
		*ret_name = name;
		return 1;
	}
	fedjit_user_free(u);
	free(name);
	return r == -ENOENT || r == -EBADMSG || r == 0 ? 0 : r;
}

int fedjit_row_delete_personal(struct fedjit_store *s, const char *name, const char *issuer,
                               const char *subject)
{
	char kb[FEDJIT_KEY_MAX];
	TDB_DATA key;
	int r;

	if (!s->priv)
		return 0;
	r = fedjit_store_priv_tx(s);
	if (r < 0)
		return r;
	if (fedjit_key_account(kb, name, &key) == 0 &&
	    (r = fedjit_store_tx_delete(s->priv, key)) < 0)
		return r;
	r = fedjit_row_delete_state(s, name);
	if (r < 0)
		return r;
	if (fedjit_key_link(kb, issuer, subject, &key) < 0)
		return 0; /* no identity known: no link to find */
	return fedjit_row_delete_if_points_to(s->priv, key, name);
}

int fedjit_row_put_group(struct fedjit_store *s, const struct fedjit_group *g)
{
	char kb[FEDJIT_KEY_MAX];
	TDB_DATA key, data = {0};
	int r = fedjit_key_group(kb, g->name, &key);

	if (r < 0)
		return r;
	r = fedjit_record_encode_group(g, &data);
	return put_encoded(s, key, r, data);
}

int fedjit_row_put_name(struct fedjit_store *s, TDB_DATA key, const char *name)
{
	TDB_DATA data = {0};
	int r = fedjit_record_encode_name(name, &data);

	return put_encoded(s, key, r, data);
}

int fedjit_row_put_gids(struct fedjit_store *s, const char *name, const uint32_t *gids, size_t n)
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
int fedjit_row_delete_if_points_to(struct fedjit_store *s, TDB_DATA key, const char *name)
{
	_cleanup_free_ char *target = NULL;
	int r = fedjit_store_parse_key(s, key, fedjit_row_decode_name_cb, &target);

	if (r == -ENOENT || r == -EBADMSG)
		return r == -EBADMSG ? fedjit_store_tx_delete(s, key) : 0;
	if (r < 0)
		return r;
	return strcmp(target, name) == 0 ? fedjit_store_tx_delete(s, key) : 0;
}

int fedjit_row_exists_name_key(struct fedjit_store *s,
                               int (*builder)(char *, const char *, TDB_DATA *), const char *name)
{
	char kb[FEDJIT_KEY_MAX];
	TDB_DATA key;

	return builder(kb, name, &key) == 0 && fedjit_store_exists(s, key);
}

int fedjit_row_exists_id_key(struct fedjit_store *s, int (*builder)(char *, uint32_t, TDB_DATA *),
                             uint32_t id)
{
	char kb[FEDJIT_KEY_MAX];
	TDB_DATA key;

	return builder(kb, id, &key) == 0 && fedjit_store_exists(s, key);
}

/* ---- group membership ---- */

int fedjit_row_set_member(struct fedjit_store *s, uint32_t gid, const char *user, bool member)
{
	struct fedjit_group *g = NULL;
	_cleanup_free_ char **members = NULL;
	size_t n = 0;
	bool found = false;
	int r = fedjit_row_load_group_by_gid(s, gid, &g);

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
	if (found != member && n == 0 && g->origin == FEDJIT_GROUP_FOREIGN) {
		/* Another source's group keeps a record only for its federated
		 * members: the last one gone, so is the record. */
		char kb[FEDJIT_KEY_MAX];
		TDB_DATA key;

		fedjit_key_group(kb, g->name, &key);
		r = fedjit_store_tx_delete(s, key);
		if (r >= 0) {
			fedjit_key_gid(kb, g->gid, &key);
			r = fedjit_row_delete_if_points_to(s, key, g->name);
		}
	} else if (found != member) {
		struct fedjit_group ng = *g;

		ng.members = members;
		ng.n_members = n;
		r = fedjit_row_put_group(s, &ng);
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
int fedjit_row_normalize_gids(const uint32_t *gids, size_t n, uint32_t primary, uint32_t **ret,
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

bool fedjit_row_gid_in(const uint32_t *v, size_t n, uint32_t gid)
{
	return bsearch(&gid, v, n, sizeof(uint32_t), cmp_u32) != NULL;
}

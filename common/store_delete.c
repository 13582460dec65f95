/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The write API, part two: deleting accounts, purging an IdP, and group
 * management. Each public function is one transaction (see store_write.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/macro.h"
#include "common/store_private.h"

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

		if (!fedjit_row_exists_name_key(s, fedjit_key_user, g->members[i]))
			continue;
		r = fedjit_row_load_gids(s, g->members[i], &gids, &n);
		if (r < 0)
			return r;
		for (size_t j = 0; j < n; j++)
			if (gids[j] != g->gid)
				gids[m++] = gids[j];
		if (m != n && (r = fedjit_row_put_gids(s, g->members[i], gids, m)) < 0)
			return r;
	}
	fedjit_key_group(kb, g->name, &key);
	r = fedjit_store_tx_delete(s, key);
	if (r < 0)
		return r;
	fedjit_key_gid(kb, g->gid, &key);
	return fedjit_row_delete_if_points_to(s, key, g->name);
}

static int do_delete(struct fedjit_store *s, const char *name)
{
	char kb[FEDJIT_KEY_MAX];
	struct fedjit_user *u = NULL;
	struct fedjit_group *pg = NULL;
	_cleanup_free_ uint32_t *gids = NULL;
	size_t n;
	TDB_DATA key;
	int r = fedjit_row_load_user(s, name, &u);

	/* the store first, then the private store (store_tx.c) */
	s->public_first = true;
	if (r < 0)
		return r;
	r = fedjit_row_load_gids(s, name, &gids, &n);
	for (size_t i = 0; r >= 0 && i < n; i++)
		r = fedjit_row_set_member(s, gids[i], name, false);
	if (r < 0)
		goto out;
	/* Its private group goes with it; a shared primary group stays. */
	r = fedjit_row_load_group_by_gid(s, u->gid, &pg);
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
	r = fedjit_row_delete_if_points_to(s, key, name);
	if (r < 0)
		goto out;
	/* a link left in a store not yet upgraded */
	if (fedjit_key_link(kb, u->issuer, u->subject, &key) == 0) {
		r = fedjit_row_delete_if_points_to(s, key, name);
		if (r < 0)
			goto out;
	}
	fedjit_key_user(kb, name, &key);
	r = fedjit_store_tx_delete(s, key);
	if (r >= 0)
		r = fedjit_row_delete_personal(s, name, u->issuer, u->subject);
out:
	fedjit_group_free(pg);
	fedjit_user_free(u);
	return r;
}

/* Run a by-name delete in its own transaction (committed on success). */
static int delete_in_tx(struct fedjit_store *s, const char *name,
                        int (*do_it)(struct fedjit_store *s, const char *name))
{
	int r;

	if (!name)
		return -EINVAL;
	r = fedjit_store_tx_begin(s);
	if (r < 0)
		return r;
	return fedjit_store_tx_end(s, do_it(s, name));
}

int fedjit_store_delete_account(struct fedjit_store *s, const char *name)
{
	return delete_in_tx(s, name, do_delete);
}

struct purge {
	const char *idp;
	struct fedjit_strv names;
};

static int purge_cb(const struct fedjit_user_view *v, void *p)
{
	struct purge *pg = p;

	if (strcmp(v->idp, pg->idp) != 0)
		return 0;
	return fedjit_strv_push(&pg->names, v->name, strlen(v->name));
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
	for (size_t i = 0; r >= 0 && i < pg.names.n; i++)
		r = do_delete(s, pg.names.v[i]);
	r = fedjit_store_tx_end(s, r);
	if (!pg.names.v && r >= 0) {
		pg.names.v = calloc(1, sizeof(char *));
		if (!pg.names.v)
			r = -ENOMEM;
	}
	if (r < 0 || !ret_names) {
		fedjit_strv_free(pg.names.v);
		return r < 0 ? r : (int)pg.names.n;
	}
	fedjit_strv_sort(pg.names.v, pg.names.n);
	*ret_names = pg.names.v;
	return (int)pg.names.n;
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
	int r = fedjit_row_load_group(s, name, &g);

	if (r == 0) {
		if (ret_gid)
			*ret_gid = g->gid;
		fedjit_group_free(g);
		return 0;
	}
	if (r != -ENOENT)
		return r;
	if (fedjit_row_exists_id_key(s, fedjit_key_gid, gid))
		return -FEDJIT_STORE_EGID;
	r = fedjit_row_put_group(s, &ng);
	if (r < 0)
		return r;
	fedjit_key_gid(kb, gid, &key);
	r = fedjit_row_put_name(s, key, name);
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

static int do_create_group(struct fedjit_store *s, const struct fedjit_group *g)
{
	char kb[FEDJIT_KEY_MAX];
	TDB_DATA key;
	int r;

	if (fedjit_row_exists_name_key(s, fedjit_key_group, g->name))
		return -FEDJIT_STORE_EGROUP;
	if (fedjit_row_exists_id_key(s, fedjit_key_gid, g->gid))
		return -FEDJIT_STORE_EGID;
	r = fedjit_row_put_group(s, g);
	if (r < 0)
		return r;
	fedjit_key_gid(kb, g->gid, &key);
	return fedjit_row_put_name(s, key, g->name);
}

int fedjit_store_create_group(struct fedjit_store *s, const struct fedjit_group *g)
{
	int r;

	if (!g || !g->name)
		return -EINVAL;
	r = fedjit_store_tx_begin(s);
	if (r < 0)
		return r;
	return fedjit_store_tx_end(s, do_create_group(s, g));
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
	int r = fedjit_row_load_group(s, name, &g);

	if (r < 0)
		return r;
	pp.gid = g->gid;
	r = fedjit_store_foreach_user_public(s, primary_user_cb, &pp);
	if (pp.found)
		r = -EBUSY;
	else if (r >= 0)
		r = delete_group_rows(s, g);
	fedjit_group_free(g);
	return r;
}

int fedjit_store_delete_group(struct fedjit_store *s, const char *name)
{
	return delete_in_tx(s, name, do_delete_group);
}

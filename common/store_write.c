/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one write API of the store (this file: create, update, flags; deletes
 * and groups: store_delete.c). Every public function is one tdb
 * transaction: do_*() does the work inside it and any error cancels it all.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/macro.h"
#include "common/store_private.h"

/* ---- create ---- */

static int do_create(struct fedjit_store *s, const struct fedjit_user *u, const char *primary_group,
                     const uint32_t *gids, size_t n_gids)
{
	char kb[FEDJIT_KEY_MAX];
	_cleanup_free_ uint32_t *supp = NULL;
	TDB_DATA key, probe = {0};
	size_t n_supp;
	int r;

	/* Validate everything the formats check before touching anything. */
	r = fedjit_record_encode_user(u, &probe);
	if (r < 0)
		return r;
	free(probe.dptr);
	r = fedjit_record_encode_account(u, &probe);
	if (r < 0)
		return r;
	free(probe.dptr);
	if (fedjit_key_link(kb, u->issuer, u->subject, &key) < 0)
		return -EINVAL;
	if (fedjit_row_exists_name_key(s, fedjit_key_user, u->name))
		return -FEDJIT_STORE_ENAME;
	if (fedjit_row_exists_id_key(s, fedjit_key_uid, u->uid))
		return -FEDJIT_STORE_EUID;
	/* A live link refuses; a stale one (a crash's leftover) is replaced below,
	 * as is an account record of this name that has no user. */
	_cleanup_free_ char *owner = NULL;
	r = fedjit_row_link_owner(s, u->issuer, u->subject, &owner);
	if (r != 0)
		return r > 0 ? -FEDJIT_STORE_ELINK : r;

	if (primary_group && strcmp(primary_group, FEDJIT_STORE_PRIMARY_FOREIGN) == 0) {
		/* another source's group: nothing to write */
	} else if (!primary_group) {
		struct fedjit_group g = {.name = u->name,
		                         .gid = u->gid,
		                         .origin = FEDJIT_GROUP_PRIVATE,
		                         .domain = u->domain};

		if (fedjit_row_exists_name_key(s, fedjit_key_group, u->name))
			return -FEDJIT_STORE_EGROUP;
		if (fedjit_row_exists_id_key(s, fedjit_key_gid, u->gid))
			return -FEDJIT_STORE_EGID;
		r = fedjit_row_put_group(s, &g);
		if (r < 0)
			return r;
		fedjit_key_gid(kb, u->gid, &key);
		r = fedjit_row_put_name(s, key, u->name);
		if (r < 0)
			return r;
	} else {
		struct fedjit_group *g = NULL;

		r = fedjit_row_load_group(s, primary_group, &g);
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

			if (fedjit_row_exists_id_key(s, fedjit_key_gid, u->gid))
				return -FEDJIT_STORE_EGID;
			r = fedjit_row_put_group(s, &ng);
			if (r < 0)
				return r;
			fedjit_key_gid(kb, u->gid, &key);
			r = fedjit_row_put_name(s, key, primary_group);
			if (r < 0)
				return r;
		} else {
			return r;
		}
	}

	r = fedjit_row_normalize_gids(gids, n_gids, u->gid, &supp, &n_supp);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n_supp; i++) {
		r = fedjit_row_set_member(s, supp[i], u->name, true);
		if (r < 0)
			return r;
	}
	r = fedjit_row_put_gids(s, u->name, supp, n_supp);
	if (r < 0)
		return r;
	r = fedjit_row_put_user(s, u);
	if (r < 0)
		return r;
	/* A new account starts without a state or token (a crash's leftovers
	 * of an earlier account of this name go). */
	if (s->priv && (r = fedjit_row_delete_state(s, u->name)) < 0)
		return r;
	fedjit_key_uid(kb, u->uid, &key);
	r = fedjit_row_put_name(s, key, u->name);
	if (r < 0)
		return r;
	return fedjit_row_put_link(s, u->issuer, u->subject, u->name);
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
	int r = fedjit_row_load_gids(s, name, &old, &n_old);

	if (r < 0)
		return r;
	r = fedjit_row_normalize_gids(gids, n_gids, primary, &new, &n_new);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n_old; i++)
		if (!fedjit_row_gid_in(new, n_new, old[i]) &&
		    (r = fedjit_row_set_member(s, old[i], name, false)) < 0)
			return r;
	/* Every gid of the new list, not only the added ones: a group record
	 * written since (another source's group, FEDJIT_GROUP_FOREIGN) gets the
	 * members it lacks. A member already there costs no write. */
	for (size_t i = 0; i < n_new; i++)
		if ((r = fedjit_row_set_member(s, new[i], name, true)) < 0)
			return r;
	return fedjit_row_put_gids(s, name, new, n_new);
}

static int do_update(struct fedjit_store *s, const struct fedjit_user *u, const uint32_t *gids,
                     size_t n_gids, unsigned what)
{
	struct fedjit_user *old = NULL;
	bool personal = false;
	int r = fedjit_row_load_user_ex(s, u->name, &old, &personal);

	if (r < 0)
		return r;
	if (what & FEDJIT_UPDATE_ATTRS) {
		struct fedjit_user nu = *old;

		if (!personal || u->uid != old->uid || u->gid != old->gid ||
		    u->created != old->created || !u->issuer ||
		    strcmp(u->issuer, old->issuer) != 0 || !u->subject ||
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
		r = fedjit_row_put_user(s, &nu);
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
	bool personal = false;
	int r = fedjit_row_load_user_ex(s, name, &u, &personal);

	if (r < 0)
		return r;
	if (e->set_login)
		u->last_login = e->last_login;
	u->flags = (u->flags | e->set) & ~e->clear;
	/* an account whose account record is missing can still be locked */
	r = e->set_login && !personal ? -ENOENT : fedjit_row_put_user_ex(s, u, personal);
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
	char *name = NULL;
	int r;

	if (!issuer || !subject)
		return -ENOENT;
	r = fedjit_store_tx_begin(s);
	if (r < 0)
		return r;
	r = fedjit_row_link_owner(s, issuer, subject, &name);
	if (r == 0)
		r = -ENOENT; /* no live link */
	if (r > 0)
		r = do_edit(s, name, &e);
	r = fedjit_store_tx_end(s, r);
	if (r >= 0 && ret_name)
		*ret_name = name;
	else
		free(name);
	return r;
}

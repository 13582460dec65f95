/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Stage 1 of `fedjit db restore`: the dump on its own. Strict types, no
 * unknown keys, valid names and ids, no duplicate name, uid, gid or identity,
 * every primary gid a group of the dump, memberships that agree with the
 * users' group lists, private groups that belong to their user, links that
 * match the users' identities, secrets only of users of the dump. Every
 * problem is reported (up to 50 printed), none is fixed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/dump.h"
#include "common/config.h"
#include "common/idalloc.h"
#include "common/names.h"

void fedjit_dump_problem(struct fedjit_dump *rs, const char *fmt, ...)
{
	va_list ap;

	if (rs->errors++ >= 50) /* enough to act on; the count comes at the end */
		return;
	fflush(stdout);
	fputs("fedjit: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- stage 1: the dump itself ---- */

static bool only_keys(json_t *o, const char *const *keys)
{
	const char *k;
	json_t *v;

	json_object_foreach(o, k, v)
	{
		bool known = false;

		for (size_t i = 0; keys[i] && !known; i++)
			known = strcmp(keys[i], k) == 0;
		if (!known)
			return false;
	}
	return true;
}

static const char *str(json_t *o, const char *key, bool *ok)
{
	const char *s = json_string_value(json_object_get(o, key));

	if (!s)
		*ok = false;
	return s ? s : "";
}

static uint32_t id(json_t *o, const char *key, bool *ok)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > (json_int_t)UINT32_MAX) {
		*ok = false;
		return 0;
	}
	return (uint32_t)json_integer_value(v);
}

static int64_t timestamp(json_t *o, const char *key, bool *ok)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		*ok = false;
		return 0;
	}
	return json_integer_value(v);
}

static bool boolean(json_t *o, const char *key, bool *ok)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_boolean(v))
		*ok = false;
	return json_is_true(v);
}

/* An account name: a local name, or local@domain of a fully qualified domain,
 * exactly as names.h builds canonical names. */
static bool account_name_ok(const char *name)
{
	char local[FEDJIT_NAME_MAX + 1], canonical[FEDJIT_CANONICAL_MAX + 1];
	const char *at = strchr(name, '@');
	size_t len = at ? (size_t)(at - name) : strlen(name);
	struct fedjit_domain d = {
	        .name = (char *)(at ? at + 1 : FEDJIT_DEFAULT_DOMAIN),
	        .fully_qualified = at != NULL,
	};

	if (len > FEDJIT_NAME_MAX)
		return false;
	memcpy(local, name, len);
	local[len] = '\0';
	return fedjit_name_validate(local, NULL, 0) == 0 &&
	       fedjit_name_canonical(&d, local, canonical, NULL, 0) == 0 &&
	       strcmp(canonical, name) == 0;
}

static void parse_user(struct fedjit_dump *rs, size_t i, json_t *o)
{
	static const char *const keys[] = {"name",   "uid",     "gid",        "gecos",  "home",
	                                   "shell",  "domain",  "idp",        "issuer", "subject",
	                                   "email",  "created", "last_login", "locked", "pending",
	                                   "groups", NULL};
	struct fedjit_dump_user *ru = &rs->users[i];
	struct fedjit_user *u = &ru->u;
	bool ok = json_is_object(o), locked, pending;
	json_t *groups, *g;
	size_t k;

	if (!ok || !only_keys(o, keys)) {
		fedjit_dump_problem(rs, "users[%zu]: not a user object (or unknown keys)", i);
		return;
	}
	u->name = (char *)str(o, "name", &ok);
	u->uid = id(o, "uid", &ok);
	u->gid = id(o, "gid", &ok);
	u->gecos = (char *)str(o, "gecos", &ok);
	u->home = (char *)str(o, "home", &ok);
	u->shell = (char *)str(o, "shell", &ok);
	u->domain = (char *)str(o, "domain", &ok);
	u->idp = (char *)str(o, "idp", &ok);
	u->issuer = (char *)str(o, "issuer", &ok);
	u->subject = (char *)str(o, "subject", &ok);
	u->email = (char *)str(o, "email", &ok);
	u->created = timestamp(o, "created", &ok);
	u->last_login = timestamp(o, "last_login", &ok);
	locked = boolean(o, "locked", &ok);
	pending = boolean(o, "pending", &ok);
	u->flags = (locked ? FEDJIT_USER_LOCKED : 0) | (pending ? FEDJIT_USER_PENDING : 0);
	groups = json_object_get(o, "groups");
	if (!ok || !json_is_array(groups)) {
		fedjit_dump_problem(rs, "users[%zu] (%s): a field is missing or has the wrong type",
		                    i, u->name);
		return;
	}
	if (!account_name_ok(u->name))
		fedjit_dump_problem(rs, "users[%zu]: '%s' is not a valid account name", i, u->name);
	if (fedjit_id_excluded(u->uid) || fedjit_id_excluded(u->gid))
		fedjit_dump_problem(
		        rs, "user %s: uid %" PRIu32 " / gid %" PRIu32 " is never handed out",
		        u->name, u->uid, u->gid);
	if (!*u->issuer || !*u->subject || !*u->domain || !*u->idp || u->home[0] != '/')
		fedjit_dump_problem(
		        rs,
		        "user %s: issuer, subject, domain, idp and an absolute home are required",
		        u->name);
	ru->n_gids = json_array_size(groups);
	ru->gids = calloc(ru->n_gids ? ru->n_gids : 1, sizeof(uint32_t));
	if (!ru->gids) {
		fedjit_dump_problem(rs, "out of memory");
		return;
	}
	json_array_foreach(groups, k, g)
	{
		if (!json_is_integer(g) || json_integer_value(g) < 0 ||
		    json_integer_value(g) > (json_int_t)UINT32_MAX ||
		    (uint32_t)json_integer_value(g) == u->gid)
			fedjit_dump_problem(rs, "user %s: groups[%zu] is not a supplementary gid",
			                    u->name, k);
		ru->gids[k] = (uint32_t)json_integer_value(g);
	}
}

static void parse_group(struct fedjit_dump *rs, size_t i, json_t *o)
{
	static const char *const keys[] = {"name", "gid", "origin", "domain", "members", NULL};
	struct fedjit_dump_group *rg = &rs->groups[i];
	bool ok = json_is_object(o);
	json_t *members, *m;
	size_t k;

	if (!ok || !only_keys(o, keys)) {
		fedjit_dump_problem(rs, "groups[%zu]: not a group object (or unknown keys)", i);
		return;
	}
	rg->g.name = (char *)str(o, "name", &ok);
	rg->g.gid = id(o, "gid", &ok);
	rg->g.domain = (char *)str(o, "domain", &ok);
	rg->origin = fedjit_group_origin_from_string(str(o, "origin", &ok));
	members = json_object_get(o, "members");
	if (!ok || !json_is_array(members) || rg->origin < 0) {
		fedjit_dump_problem(rs,
		                    "groups[%zu] (%s): a field is missing or has the wrong type", i,
		                    rg->g.name);
		return;
	}
	rg->g.origin = (uint8_t)rg->origin;
	if (!account_name_ok(rg->g.name))
		fedjit_dump_problem(rs, "groups[%zu]: '%s' is not a valid group name", i,
		                    rg->g.name);
	if (fedjit_id_excluded(rg->g.gid))
		fedjit_dump_problem(rs, "group %s: gid %" PRIu32 " is never handed out", rg->g.name,
		                    rg->g.gid);
	rg->g.n_members = json_array_size(members);
	rg->g.members = calloc(rg->g.n_members + 1, sizeof(char *));
	if (!rg->g.members) {
		fedjit_dump_problem(rs, "out of memory");
		return;
	}
	json_array_foreach(members, k, m)
	{
		if (!json_is_string(m))
			fedjit_dump_problem(rs, "group %s: members[%zu] is not a name", rg->g.name,
			                    k);
		rg->g.members[k] = (char *)(json_string_value(m) ? json_string_value(m) : "");
	}
}

static int cmp_user_name(const void *a, const void *b)
{
	return strcmp(((const struct fedjit_dump_user *)a)->u.name,
	              ((const struct fedjit_dump_user *)b)->u.name);
}

static int cmp_group_name(const void *a, const void *b)
{
	return strcmp(((const struct fedjit_dump_group *)a)->g.name,
	              ((const struct fedjit_dump_group *)b)->g.name);
}

static int cmp_u32p(const void *a, const void *b)
{
	uint32_t x = **(uint32_t *const *)a, y = **(uint32_t *const *)b;

	return x < y ? -1 : x > y;
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static struct fedjit_dump_user *user_by_name(struct fedjit_dump *rs, const char *name)
{
	struct fedjit_dump_user key = {.u.name = (char *)name};

	return bsearch(&key, rs->users, rs->n_users, sizeof(key), cmp_user_name);
}

static int cmp_group_gidp(const void *a, const void *b)
{
	uint32_t x = (*(struct fedjit_dump_group *const *)a)->g.gid,
	         y = (*(struct fedjit_dump_group *const *)b)->g.gid;

	return x < y ? -1 : x > y;
}

static struct fedjit_dump_group *group_by_gid(struct fedjit_dump *rs, uint32_t gid)
{
	struct fedjit_dump_group key = {.g.gid = gid}, *kp = &key, **found;

	found = bsearch(&kp, rs->by_gid, rs->n_groups, sizeof(kp), cmp_group_gidp);
	return found ? *found : NULL;
}

/* Duplicate ids among n pointers to uint32_t (sorted in place). */
static void dup_ids(struct fedjit_dump *rs, uint32_t **v, size_t n, const char *what)
{
	qsort(v, n, sizeof(*v), cmp_u32p);
	for (size_t i = 1; i < n; i++)
		if (*v[i] == *v[i - 1])
			fedjit_dump_problem(rs, "%s %" PRIu32 " appears twice", what, *v[i]);
}

static void check_relations(struct fedjit_dump *rs)
{
	size_t n_links = 0;
	uint32_t **ids = calloc(rs->n_users + rs->n_groups + 1, sizeof(*ids));
	char **idents = calloc(rs->n_users + 1, sizeof(*idents));
	size_t *counted = calloc(rs->n_groups + 1, sizeof(size_t));
	json_t *links = json_object_get(rs->root, "links"), *l;
	size_t k;

	rs->by_gid = calloc(rs->n_groups + 1, sizeof(*rs->by_gid));
	if (!ids || !idents || !counted || !rs->by_gid) {
		fedjit_dump_problem(rs, "out of memory");
		goto out;
	}
	qsort(rs->users, rs->n_users, sizeof(*rs->users), cmp_user_name);
	qsort(rs->groups, rs->n_groups, sizeof(*rs->groups), cmp_group_name);
	for (size_t i = 1; i < rs->n_users; i++)
		if (strcmp(rs->users[i].u.name, rs->users[i - 1].u.name) == 0)
			fedjit_dump_problem(rs, "user %s appears twice", rs->users[i].u.name);
	for (size_t i = 1; i < rs->n_groups; i++)
		if (strcmp(rs->groups[i].g.name, rs->groups[i - 1].g.name) == 0)
			fedjit_dump_problem(rs, "group %s appears twice", rs->groups[i].g.name);
	for (size_t i = 0; i < rs->n_users; i++)
		ids[i] = &rs->users[i].u.uid;
	dup_ids(rs, ids, rs->n_users, "uid");
	for (size_t i = 0; i < rs->n_groups; i++) {
		ids[i] = &rs->groups[i].g.gid;
		rs->by_gid[i] = &rs->groups[i];
	}
	dup_ids(rs, ids, rs->n_groups, "gid");
	qsort(rs->by_gid, rs->n_groups, sizeof(*rs->by_gid), cmp_group_gidp);

	/* Identities: "issuer\n subject" cannot collide (neither holds NUL; the
	 * pair is compared as issuer, then subject, through asprintf with \x01). */
	for (size_t i = 0; i < rs->n_users; i++)
		if (asprintf(&idents[i], "%s\x01%s", rs->users[i].u.issuer,
		             rs->users[i].u.subject) < 0)
			idents[i] = NULL;
	qsort(idents, rs->n_users, sizeof(*idents), cmp_strp);
	for (size_t i = 1; i < rs->n_users; i++)
		if (idents[i] && idents[i - 1] && strcmp(idents[i], idents[i - 1]) == 0)
			fedjit_dump_problem(rs, "identity %s owns two accounts", idents[i]);

	/* Primary groups, private groups, memberships. */
	for (size_t i = 0; i < rs->n_users; i++) {
		struct fedjit_dump_user *ru = &rs->users[i];
		struct fedjit_dump_group *pg = group_by_gid(rs, ru->u.gid);

		if (!pg) {
			fedjit_dump_problem(
			        rs, "user %s: primary gid %" PRIu32 " is not a group of the dump",
			        ru->u.name, ru->u.gid);
			continue;
		}
		if (pg->origin == FEDJIT_GROUP_PRIVATE && strcmp(pg->g.name, ru->u.name) != 0)
			fedjit_dump_problem(
			        rs, "user %s: primary group %s is another user's private group",
			        ru->u.name, pg->g.name);
		ru->primary_group = pg->origin == FEDJIT_GROUP_PRIVATE ? NULL : pg->g.name;
		for (size_t j = 0; j < ru->n_gids; j++) {
			struct fedjit_dump_group *sg = group_by_gid(rs, ru->gids[j]);

			if (sg)
				counted[sg - rs->groups]++;
		}
	}
	for (size_t i = 0; i < rs->n_groups; i++) {
		struct fedjit_dump_group *rg = &rs->groups[i];
		struct fedjit_dump_user *owner = user_by_name(rs, rg->g.name);

		if (rg->origin == FEDJIT_GROUP_PRIVATE && (!owner || owner->u.gid != rg->g.gid))
			fedjit_dump_problem(rs, "group %s: private group without its user",
			                    rg->g.name);
		qsort(rg->g.members, rg->g.n_members, sizeof(char *), cmp_strp);
		for (size_t j = 0; j < rg->g.n_members; j++) {
			struct fedjit_dump_user *m = user_by_name(rs, rg->g.members[j]);
			bool listed = false;

			if (j > 0 && strcmp(rg->g.members[j], rg->g.members[j - 1]) == 0)
				fedjit_dump_problem(rs, "group %s: member %s twice", rg->g.name,
				                    rg->g.members[j]);
			for (size_t q = 0; m && q < m->n_gids && !listed; q++)
				listed = m->gids[q] == rg->g.gid;
			if (!listed)
				fedjit_dump_problem(
				        rs,
				        "group %s: member %s is not a user of the dump listing gid "
				        "%" PRIu32,
				        rg->g.name, rg->g.members[j], rg->g.gid);
		}
		if (counted[i] != rg->g.n_members)
			fedjit_dump_problem(rs,
			                    "group %s: %zu users list gid %" PRIu32
			                    " but it has %zu members",
			                    rg->g.name, counted[i], rg->g.gid, rg->g.n_members);
	}

	/* Links: optional; when present, exactly the users' identities. */
	if (links && !json_is_array(links)) {
		fedjit_dump_problem(rs, "links: not an array");
		goto out;
	}
	json_array_foreach(links, k, l)
	{
		const char *issuer = json_string_value(json_object_get(l, "issuer"));
		const char *subject = json_string_value(json_object_get(l, "subject"));
		const char *account = json_string_value(json_object_get(l, "account"));
		struct fedjit_dump_user *u = account ? user_by_name(rs, account) : NULL;

		n_links++;
		if (!issuer || !subject || !u || strcmp(u->u.issuer, issuer) != 0 ||
		    strcmp(u->u.subject, subject) != 0 || json_object_size(l) != 3)
			fedjit_dump_problem(rs, "links[%zu]: does not match a user's identity", k);
	}
	if (links && n_links != rs->n_users)
		fedjit_dump_problem(rs, "links: %zu links for %zu users", n_links, rs->n_users);
out:
	for (size_t i = 0; idents && i < rs->n_users; i++)
		free(idents[i]);
	free(idents);
	free(ids);
	free(counted);
}

int fedjit_dump_load(struct fedjit_dump *rs, const char *file)
{
	static const char *const keys[] = {"fedjit_dump", "users",   "groups",
	                                   "links",       "secrets", NULL};
	json_error_t err;
	json_t *users, *groups, *v;
	size_t i;

	rs->root = strcmp(file, "-") == 0 ? json_loadf(stdin, JSON_REJECT_DUPLICATES, &err)
	                                  : json_load_file(file, JSON_REJECT_DUPLICATES, &err);
	if (!rs->root)
		return fedjit_cli_error("%s:%d: not a JSON dump: %s", file, err.line, err.text);
	users = json_object_get(rs->root, "users");
	groups = json_object_get(rs->root, "groups");
	if (!json_is_object(rs->root) || !only_keys(rs->root, keys) ||
	    json_integer_value(json_object_get(rs->root, "fedjit_dump")) != 1 ||
	    !json_is_array(users) || !json_is_array(groups))
		return fedjit_cli_error("%s: not a fedjit dump (format 1: fedjit_dump, users, "
		                        "groups, links, secrets)",
		                        file);
	rs->n_users = json_array_size(users);
	rs->n_groups = json_array_size(groups);
	rs->users = calloc(rs->n_users + 1, sizeof(*rs->users));
	rs->groups = calloc(rs->n_groups + 1, sizeof(*rs->groups));
	if (!rs->users || !rs->groups)
		return fedjit_cli_error("out of memory");
	json_array_foreach(users, i, v) parse_user(rs, i, v);
	json_array_foreach(groups, i, v) parse_group(rs, i, v);
	rs->secrets = json_object_get(rs->root, "secrets");
	if (rs->secrets) {
		json_t *h = json_object_get(rs->secrets, "password_hashes");
		json_t *c = json_object_get(rs->secrets, "consents");
		const char *name;

		if (!json_is_object(rs->secrets) || !json_is_object(h) || !json_is_object(c))
			fedjit_dump_problem(rs,
			                    "secrets: needs password_hashes and consents objects");
		json_object_foreach(h, name, v)
		{
			if (!json_is_string(v))
				fedjit_dump_problem(
				        rs, "secrets: password hash of %s is not a string", name);
		}
		json_object_foreach(c, name, v)
		{
			if (!json_is_integer(json_object_get(v, "when")) ||
			    !json_is_integer(json_object_get(v, "text_version")) ||
			    !json_is_string(json_object_get(v, "idp")) ||
			    !json_is_string(json_object_get(v, "what")))
				fedjit_dump_problem(rs, "secrets: consent of %s is malformed",
				                    name);
		}
	}
	if (rs->errors == 0)
		check_relations(rs);
	if (rs->errors == 0 && rs->secrets) {
		const char *kinds[] = {"password_hashes", "consents"};
		const char *name;

		for (size_t k = 0; k < 2; k++)
			json_object_foreach(json_object_get(rs->secrets, kinds[k]), name, v)
			{
				if (!user_by_name(rs, name))
					fedjit_dump_problem(
					        rs,
					        "secrets: %s of %s, who is not a user of "
					        "the dump",
					        kinds[k], name);
			}
	}
	if (rs->errors)
		return fedjit_cli_error("%s: %u problem%s in the dump; nothing changed", file,
		                        rs->errors, rs->errors == 1 ? "" : "s");
	return 0;
}

void fedjit_dump_clear(struct fedjit_dump *rs)
{
	for (size_t i = 0; rs->users && i < rs->n_users; i++)
		free(rs->users[i].gids);
	for (size_t i = 0; rs->groups && i < rs->n_groups; i++)
		free(rs->groups[i].g.members);
	free(rs->users);
	free(rs->groups);
	free(rs->by_gid);
	json_decref(rs->root);
}

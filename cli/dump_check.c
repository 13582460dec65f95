/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Stage 1 of `fedjit db restore`: the dump on its own. Strict types, no
 * unknown keys, valid names and ids, no duplicate name, uid, gid or identity,
 * every primary gid a group of the dump, memberships that agree with the
 * users' group lists, private groups that belong to their user, links that
 * match the users' identities, secrets only of users of the dump. Every
 * problem is reported (up to 50 printed), none is fixed.
 *
 * The dump is read in one pass, element by element (dump_stream.c), into
 * compact records: the order `fedjit db dump` writes (users before links and
 * secrets) is required, so that links and secrets are checked as they come.
 */
#include <errno.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/dump.h"
#include "common/macro.h"
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

/* ---- the arena: strings, gid lists and member arrays of the dump ---- */

struct fedjit_dump_block {
	struct fedjit_dump_block *next;
	size_t used, size;
	max_align_t data[];
};

#define BLOCK_SIZE (1u << 20)

static void *arena_alloc(struct fedjit_dump *rs, size_t n, size_t align)
{
	struct fedjit_dump_block *b = rs->arena;
	size_t at = b ? (b->used + align - 1) & ~(align - 1) : 0;

	if (!b || at + n > b->size) {
		size_t size = n > BLOCK_SIZE ? n : BLOCK_SIZE;

		b = malloc(sizeof(*b) + size);
		if (!b)
			return NULL;
		b->next = rs->arena;
		b->size = size;
		rs->arena = b;
		at = 0;
	}
	b->used = at + n;
	return (char *)b->data + at;
}

static const char *keep(struct fedjit_dump *rs, const char *s)
{
	size_t n = strlen(s) + 1;
	char *c = arena_alloc(rs, n, 1);

	if (!c) {
		fedjit_dump_problem(rs, "out of memory");
		return "";
	}
	return memcpy(c, s, n);
}

/* Room for one more element of *v (n of cap, each size bytes). */
static void *grow(struct fedjit_dump *rs, void *v, size_t *n, size_t *cap, size_t size)
{
	void **pv = v;

	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 1024;
		void *nv = reallocarray(*pv, nc, size);

		if (!nv) {
			fedjit_dump_problem(rs, "out of memory");
			return NULL;
		}
		*pv = nv;
		*cap = nc;
	}
	return memset((char *)*pv + (*n)++ * size, 0, size);
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

static const char *str(struct fedjit_dump *rs, json_t *o, const char *key, bool *ok)
{
	const char *s = json_string_value(json_object_get(o, key));

	if (!s)
		*ok = false;
	return s ? keep(rs, s) : "";
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

static void parse_user(struct fedjit_dump *rs, size_t i, json_t *o, struct fedjit_dump_user *ru)
{
	static const char *const keys[] = {"name",   "uid",     "gid",        "gecos",  "home",
	                                   "shell",  "domain",  "idp",        "issuer", "subject",
	                                   "email",  "created", "last_login", "locked", "pending",
	                                   "groups", NULL};
	struct fedjit_user *u = &ru->u;
	bool ok = json_is_object(o), locked, pending;
	json_t *groups, *g;
	size_t k;

	if (!ok || !only_keys(o, keys)) {
		fedjit_dump_problem(rs, "users[%zu]: not a user object (or unknown keys)", i);
		return;
	}
	u->name = (char *)str(rs, o, "name", &ok);
	u->uid = id(o, "uid", &ok);
	u->gid = id(o, "gid", &ok);
	u->gecos = (char *)str(rs, o, "gecos", &ok);
	u->home = (char *)str(rs, o, "home", &ok);
	u->shell = (char *)str(rs, o, "shell", &ok);
	u->domain = (char *)str(rs, o, "domain", &ok);
	u->idp = (char *)str(rs, o, "idp", &ok);
	u->issuer = (char *)str(rs, o, "issuer", &ok);
	u->subject = (char *)str(rs, o, "subject", &ok);
	u->email = (char *)str(rs, o, "email", &ok);
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
	ru->gids =
	        arena_alloc(rs, (ru->n_gids ? ru->n_gids : 1) * sizeof(uint32_t), sizeof(uint32_t));
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

static void parse_group(struct fedjit_dump *rs, size_t i, json_t *o, struct fedjit_dump_group *rg)
{
	static const char *const keys[] = {"name", "gid", "origin", "domain", "members", NULL};
	bool ok = json_is_object(o);
	json_t *members, *m;
	size_t k;

	if (!ok || !only_keys(o, keys)) {
		fedjit_dump_problem(rs, "groups[%zu]: not a group object (or unknown keys)", i);
		return;
	}
	rg->g.name = (char *)str(rs, o, "name", &ok);
	rg->g.gid = id(o, "gid", &ok);
	rg->g.domain = (char *)str(rs, o, "domain", &ok);
	const char *origin = json_string_value(json_object_get(o, "origin"));
	rg->origin = fedjit_group_origin_from_string(origin ? origin : "");
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
	rg->g.members = arena_alloc(rs, (rg->g.n_members + 1) * sizeof(char *), sizeof(char *));
	if (!rg->g.members) {
		fedjit_dump_problem(rs, "out of memory");
		return;
	}
	json_array_foreach(members, k, m)
	{
		if (!json_is_string(m))
			fedjit_dump_problem(rs, "group %s: members[%zu] is not a name", rg->g.name,
			                    k);
		rg->g.members[k] =
		        (char *)(json_string_value(m) ? keep(rs, json_string_value(m)) : "");
	}
	rg->g.members[rg->g.n_members] = NULL;
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

static int cmp_identity(const void *a, const void *b)
{
	const struct fedjit_user *x = *(const struct fedjit_user *const *)a,
	                         *y = *(const struct fedjit_user *const *)b;
	int r = strcmp(x->issuer, y->issuer);

	return r ? r : strcmp(x->subject, y->subject);
}

static void check_relations(struct fedjit_dump *rs)
{
	uint32_t **ids = calloc(rs->n_users + rs->n_groups + 1, sizeof(*ids));
	struct fedjit_user **idents = calloc(rs->n_users + 1, sizeof(*idents));
	size_t *counted = calloc(rs->n_groups + 1, sizeof(size_t));

	rs->by_gid = calloc(rs->n_groups + 1, sizeof(*rs->by_gid));
	if (!ids || !idents || !counted || !rs->by_gid) {
		fedjit_dump_problem(rs, "out of memory");
		goto out;
	}
	qsort(rs->groups, rs->n_groups, sizeof(*rs->groups), cmp_group_name);
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

	/* Identities: (issuer, subject) pairs, sorted. */
	for (size_t i = 0; i < rs->n_users; i++)
		idents[i] = &rs->users[i].u;
	if (rs->n_users > 1)
		qsort(idents, rs->n_users, sizeof(*idents), cmp_identity);
	for (size_t i = 1; i < rs->n_users; i++)
		if (cmp_identity(&idents[i], &idents[i - 1]) == 0)
			fedjit_dump_problem(rs, "identity %s\x01%s owns two accounts",
			                    idents[i]->issuer, idents[i]->subject);

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

out:
	free(idents);
	free(ids);
	free(counted);
}

/* ---- reading: the dump's members, one element at a time ---- */

struct load {
	struct fedjit_dump *rs;
	const char *file;
	unsigned seen;             /* bit per top-level member */
	bool users_done, users_ok; /* users read; and sorted, all well-formed */
};

static int user_elem(struct fedjit_jstream *js, json_t *v, size_t i, void *p)
{
	struct load *ld = p;
	struct fedjit_dump_user *ru =
	        grow(ld->rs, &ld->rs->users, &ld->rs->n_users, &ld->rs->cap_users, sizeof(*ru));

	if (!ru)
		return -ENOMEM;
	parse_user(ld->rs, i, v, ru);
	return 0;
}

static int group_elem(struct fedjit_jstream *js, json_t *v, size_t i, void *p)
{
	struct load *ld = p;
	struct fedjit_dump_group *rg =
	        grow(ld->rs, &ld->rs->groups, &ld->rs->n_groups, &ld->rs->cap_groups, sizeof(*rg));

	if (!rg)
		return -ENOMEM;
	parse_group(ld->rs, i, v, rg);
	return 0;
}

/* Links: optional; when present, exactly the users' identities. */
static int link_elem(struct fedjit_jstream *js, json_t *l, size_t k, void *p)
{
	struct load *ld = p;
	const char *issuer = json_string_value(json_object_get(l, "issuer"));
	const char *subject = json_string_value(json_object_get(l, "subject"));
	const char *account = json_string_value(json_object_get(l, "account"));
	struct fedjit_dump_user *u = account && ld->users_ok ? user_by_name(ld->rs, account) : NULL;

	ld->rs->n_links++;
	if (!issuer || !subject || !u || strcmp(u->u.issuer, issuer) != 0 ||
	    strcmp(u->u.subject, subject) != 0 || json_object_size(l) != 3)
		fedjit_dump_problem(ld->rs, "links[%zu]: does not match a user's identity", k);
	return 0;
}

static int hash_member(struct fedjit_jstream *js, const char *name, void *p)
{
	struct load *ld = p;
	json_t *v = fedjit_jstream_value(js);
	struct fedjit_dump_hash *h;

	if (!v)
		return -EBADMSG;
	if (!json_is_string(v))
		fedjit_dump_problem(ld->rs, "secrets: password hash of %s is not a string", name);
	else if (!ld->users_ok || !user_by_name(ld->rs, name))
		fedjit_dump_problem(ld->rs,
		                    "secrets: password_hashes of %s, who is not a user of the dump",
		                    name);
	else if ((h = grow(ld->rs, &ld->rs->hashes, &ld->rs->n_hashes, &ld->rs->cap_hashes,
	                   sizeof(*h))))
		*h = (struct fedjit_dump_hash){keep(ld->rs, name),
		                               keep(ld->rs, json_string_value(v))};
	if (json_is_string(v))
		explicit_bzero((char *)json_string_value(v), json_string_length(v));
	json_decref(v);
	return 0;
}

static int consent_member(struct fedjit_jstream *js, const char *name, void *p)
{
	struct load *ld = p;
	json_t *v = fedjit_jstream_value(js);
	struct fedjit_dump_consent *c;

	if (!v)
		return -EBADMSG;
	if (!json_is_integer(json_object_get(v, "when")) ||
	    !json_is_integer(json_object_get(v, "text_version")) ||
	    !json_is_string(json_object_get(v, "idp")) ||
	    !json_is_string(json_object_get(v, "what")))
		fedjit_dump_problem(ld->rs, "secrets: consent of %s is malformed", name);
	else if (!ld->users_ok || !user_by_name(ld->rs, name))
		fedjit_dump_problem(ld->rs,
		                    "secrets: consents of %s, who is not a user of the dump", name);
	else if ((c = grow(ld->rs, &ld->rs->consents, &ld->rs->n_consents, &ld->rs->cap_consents,
	                   sizeof(*c))))
		*c = (struct fedjit_dump_consent){
		        .name = keep(ld->rs, name),
		        .c = {.when = json_integer_value(json_object_get(v, "when")),
		              .text_version = (uint32_t)json_integer_value(
		                      json_object_get(v, "text_version")),
		              .idp = (char *)keep(ld->rs,
		                                  json_string_value(json_object_get(v, "idp"))),
		              .what = (char *)keep(ld->rs,
		                                   json_string_value(json_object_get(v, "what")))}};
	json_decref(v);
	return 0;
}

static int secrets_member(struct fedjit_jstream *js, const char *key, void *p)
{
	struct load *ld = p;

	if (strcmp(key, "password_hashes") == 0 && !(ld->seen & 0x100)) {
		ld->seen |= 0x100;
		return fedjit_jstream_object(js, hash_member, ld);
	}
	if (strcmp(key, "consents") == 0 && !(ld->seen & 0x200)) {
		ld->seen |= 0x200;
		return fedjit_jstream_object(js, consent_member, ld);
	}
	fedjit_dump_problem(ld->rs, "secrets: unknown or repeated member %s", key);
	return -EBADMSG;
}

static int top_member(struct fedjit_jstream *js, const char *key, void *p)
{
	static const char *const keys[] = {"fedjit_dump", "users", "groups", "links", "secrets"};
	struct load *ld = p;
	unsigned bit = 0;
	int r;

	for (unsigned k = 0; k < FEDJIT_ELEMENTSOF(keys); k++)
		if (strcmp(key, keys[k]) == 0)
			bit = 1u << k;
	if (!bit || (ld->seen & bit))
		return -EPROTO;
	ld->seen |= bit;
	/* links and secrets are checked against the users as they come */
	if ((bit == 8 || bit == 16) && !ld->users_done)
		return -EPROTO;
	switch (bit) {
	case 1: {
		json_t *v = fedjit_jstream_value(js);
		bool ok = v && json_is_integer(v) && json_integer_value(v) == 1;

		json_decref(v);
		return ok ? 0 : -EPROTO;
	}
	case 2:
		r = fedjit_jstream_array(js, user_elem, ld);
		if (r < 0)
			return r;
		ld->users_done = true;
		/* a malformed user has no name to sort by: the dump is refused anyway */
		if (ld->rs->errors)
			return 0;
		qsort(ld->rs->users, ld->rs->n_users, sizeof(*ld->rs->users), cmp_user_name);
		for (size_t i = 1; i < ld->rs->n_users; i++)
			if (strcmp(ld->rs->users[i].u.name, ld->rs->users[i - 1].u.name) == 0)
				fedjit_dump_problem(ld->rs, "user %s appears twice",
				                    ld->rs->users[i].u.name);
		ld->users_ok = ld->rs->errors == 0;
		return 0;
	case 4:
		return fedjit_jstream_array(js, group_elem, ld);
	case 8:
		ld->rs->have_links = true;
		return fedjit_jstream_array(js, link_elem, ld);
	default:
		ld->rs->have_secrets = true;
		return fedjit_jstream_object(js, secrets_member, ld);
	}
}

int fedjit_dump_load(struct fedjit_dump *rs, const char *file)
{
	struct fedjit_jstream js = {.line = 1};
	struct load ld = {.rs = rs, .file = file};
	int r;

	js.f = strcmp(file, "-") == 0 ? stdin : fopen(file, "re");
	if (!js.f)
		return fedjit_cli_error("%s: %s", file, strerror(errno));
	r = fedjit_jstream_object(&js, top_member, &ld);
	if (r == 0)
		r = fedjit_jstream_end(&js);
	if (js.f != stdin)
		fclose(js.f);
	if (r == -EPROTO || (r == 0 && (ld.seen & 7) != 7))
		return fedjit_cli_error("%s: not a fedjit dump (format 1: fedjit_dump, users, "
		                        "groups, then links and secrets, as fedjit db dump writes "
		                        "them)",
		                        file);
	if (r == -ENOMEM)
		return fedjit_cli_error("out of memory");
	if (r < 0)
		return fedjit_cli_error("%s: not a JSON dump: %s", file, js.error);
	if (rs->have_secrets && (ld.seen & 0x300) != 0x300)
		fedjit_dump_problem(rs, "secrets: needs password_hashes and consents objects");
	if (rs->errors == 0)
		check_relations(rs);
	if (rs->have_links && rs->n_links != rs->n_users)
		fedjit_dump_problem(rs, "links: %zu links for %zu users", rs->n_links, rs->n_users);
	if (rs->errors)
		return fedjit_cli_error("%s: %u problem%s in the dump; nothing changed", file,
		                        rs->errors, rs->errors == 1 ? "" : "s");
	return 0;
}

void fedjit_dump_clear(struct fedjit_dump *rs)
{
	struct fedjit_dump_block *b = rs->arena;

	while (b) {
		struct fedjit_dump_block *next = b->next;

		explicit_bzero(b->data, b->used); /* password hashes */
		free(b);
		b = next;
	}
	free(rs->users);
	free(rs->groups);
	free(rs->by_gid);
	free(rs->hashes);
	free(rs->consents);
	*rs = (struct fedjit_dump){0};
}

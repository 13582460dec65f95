/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The consistency checker: reads every record of the store and of its
 * private store (under the writers' lock where this process can take it),
 * then cross-checks records, indexes, account records, links and
 * memberships in memory (sorted arrays, O(n log n)). Used by `fedjit db
 * check` and the tests. Without the private store (not root) the account
 * records and links are not checked.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/account_state.h"
#include "common/macro.h"
#include "common/store_private.h"

struct idx {
	uint32_t id;
	char *name;
};

struct link {
	char *issuer, *subject, *name;
	bool priv; /* in the private store */
};

struct gids {
	char *name;
	uint32_t *v;
	size_t n;
};

/* a private account record */
struct acct {
	char *name;
	struct fedjit_user *u; /* the personal fields, name and uid */
};

struct check {
	fedjit_check_report_fn report;
	void *userdata;
	int problems;
	int err; /* an error that stops the check (ENOMEM) */
	bool have_version, have_priv_version;
	bool in_private; /* collecting the private store's records */
	bool with_private;
	uint32_t version;
	struct fedjit_user **users;
	size_t n_users;
	struct fedjit_group **groups;
	size_t n_groups;
	struct idx *uids, *gidx;
	size_t n_uids, n_gidx;
	struct link *links;
	size_t n_links;
	struct gids *gids;
	size_t n_gids;
	struct acct *accts;
	size_t n_accts;
	struct idx *states; /* state/ and refresh/ records (id: 0 state, 1 refresh) */
	size_t n_states;
};

__attribute__((format(printf, 2, 3))) static void problem(struct check *c, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->problems++;
	if (c->report)
		c->report(msg, c->userdata);
}

/*
 * Private records without their user (or of another uid or identity) are
 * what a crash between the commits of the two files leaves (store_tx.c):
 * lookups ignore them, the next creation or --repair removes them. Reported,
 * not counted: the store is consistent.
 */
__attribute__((format(printf, 2, 3))) static void leftover(struct check *c, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	int n = snprintf(msg, sizeof(msg), "note: ");

	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	if (c->report)
		c->report(msg, c->userdata);
}

/* Grow *v (of *n elements of size sz) by one; returns the new slot. */
static void *push(struct check *c, void *v, size_t *n, size_t sz)
{
	void **pv = v;
	void *nv;

	/* Double at powers of two. */
	if ((*n & (*n - 1)) == 0) {
		nv = realloc(*pv, (*n ? *n * 2 : 1) * sz);
		if (!nv) {
			c->err = -ENOMEM;
			return NULL;
		}
		*pv = nv;
	}
	return (char *)*pv + (*n)++ * sz;
}

/* "1234" -> 1234; no sign, no leading zero, fits in 32 bits, not 0. */
static bool parse_id(const char *s, size_t len, uint32_t *ret)
{
	uint64_t v = 0;

	if (len == 0 || len > 10 || s[0] == '0')
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > UINT32_MAX)
		return false;
	*ret = (uint32_t)v;
	return true;
}

static bool rest_is(const char *rest, size_t len, const char *name)
{
	return strlen(name) == len && memcmp(rest, name, len) == 0;
}

static void collect_one(struct check *c, TDB_DATA key, TDB_DATA data)
{
	const char *rest;
	size_t len;
	enum fedjit_key_kind kind = fedjit_key_classify(key, &rest, &len);
	int kl = (int)(key.dsize > 200 ? 200 : key.dsize);
	const char *k = (const char *)key.dptr;
	uint32_t id, version;
	char *name = NULL;

	const char *where = c->in_private ? "private store: " : "";

	/* what each file may hold (record.c: what lives where) */
	if (c->in_private ? kind != FEDJIT_KEY_VERSION && kind != FEDJIT_KEY_ACCOUNT &&
	                            kind != FEDJIT_KEY_LINK && kind != FEDJIT_KEY_UPGRADING &&
	                            kind != FEDJIT_KEY_STATE && kind != FEDJIT_KEY_REFRESH &&
	                            kind != FEDJIT_KEY_STATE_MOVED
	                  : kind == FEDJIT_KEY_ACCOUNT || kind == FEDJIT_KEY_UPGRADING ||
	                            kind == FEDJIT_KEY_STATE || kind == FEDJIT_KEY_REFRESH ||
	                            kind == FEDJIT_KEY_STATE_MOVED)
		kind = FEDJIT_KEY_UNKNOWN;
	switch (kind) {
	case FEDJIT_KEY_STATE_MOVED:
		if (fedjit_record_decode_version(data, &version) < 0)
			problem(c, "private store: state-moved: corrupt record");
		return;
	case FEDJIT_KEY_STATE:
	case FEDJIT_KEY_REFRESH: {
		bool is_state = kind == FEDJIT_KEY_STATE;
		struct fedjit_account_state *st = NULL;
		struct fedjit_refresh_token *t = NULL;
		struct idx *slot;
		int q = is_state ? fedjit_record_decode_state(data, &st)
		                 : fedjit_record_decode_refresh(data, &t);

		fedjit_account_state_free(st);
		fedjit_refresh_token_free(t);
		if (q < 0) {
			problem(c, "private store: %.*s: corrupt %s record", kl, k,
			        is_state ? "account state" : "refresh token");
			return;
		}
		slot = push(c, &c->states, &c->n_states, sizeof(*slot));
		if (!slot)
			return;
		*slot = (struct idx){is_state ? 0 : 1, strndup(rest, len)};
		if (!slot->name)
			c->err = -ENOMEM;
		return;
	}
	case FEDJIT_KEY_VERSION: {
		uint32_t max = c->in_private ? FEDJIT_PRIVATE_STORE_VERSION : FEDJIT_STORE_VERSION;

		if (fedjit_record_decode_version(data, &version) < 0)
			problem(c, "%sversion: corrupt record", where);
		else if (version > max)
			problem(c, "%sversion: %" PRIu32 " is newer than supported (%" PRIu32 ")",
			        where, version, max);
		else if (!c->in_private)
			c->version = version;
		if (c->in_private)
			c->have_priv_version = true;
		else
			c->have_version = true;
		return;
	}
	case FEDJIT_KEY_UPGRADING:
		problem(c,
		        "private store: the upgrade to version %d has not finished (it goes on "
		        "at the next root open)",
		        FEDJIT_STORE_VERSION);
		return;
	case FEDJIT_KEY_ACCOUNT: {
		struct fedjit_account_view a;
		struct fedjit_user_view v = {.name = "", .gecos = "", .home = "", .shell = ""};
		struct acct *slot;

		if (fedjit_record_view_account(data, &a) < 0) {
			problem(c, "private store: %.*s: corrupt account record", kl, k);
			return;
		}
		slot = push(c, &c->accts, &c->n_accts, sizeof(*slot));
		if (!slot)
			return;
		v.uid = a.uid;
		fedjit_user_view_set_account(&v, &a);
		*slot = (struct acct){strndup(rest, len), NULL};
		if (!slot->name || fedjit_user_from_view(&v, &slot->u) < 0)
			c->err = -ENOMEM;
		return;
	}
	case FEDJIT_KEY_USER: {
		struct fedjit_user *u = NULL, **slot;

		if (fedjit_record_decode_user(data, &u) < 0) {
			problem(c, "%.*s: corrupt user record", kl, k);
			return;
		}
		if (!rest_is(rest, len, u->name))
			problem(c, "%.*s: record is for user %s", kl, k, u->name);
		if (data.dptr[0] == 1 && c->version >= 2)
			problem(c,
			        "user %s: record of format 1 (personal data in the world-readable "
			        "store)",
			        u->name);
		slot = push(c, &c->users, &c->n_users, sizeof(*slot));
		if (!slot) {
			fedjit_user_free(u);
			return;
		}
		*slot = u;
		return;
	}
	case FEDJIT_KEY_GROUP: {
		struct fedjit_group *g = NULL, **slot;

		if (fedjit_record_decode_group(data, &g) < 0) {
			problem(c, "%.*s: corrupt group record", kl, k);
			return;
		}
		if (!rest_is(rest, len, g->name))
			problem(c, "%.*s: record is for group %s", kl, k, g->name);
		slot = push(c, &c->groups, &c->n_groups, sizeof(*slot));
		if (!slot) {
			fedjit_group_free(g);
			return;
		}
		*slot = g;
		return;
	}
	case FEDJIT_KEY_UID:
	case FEDJIT_KEY_GID: {
		bool is_uid = kind == FEDJIT_KEY_UID;
		struct idx *slot;

		if (!parse_id(rest, len, &id)) {
			problem(c, "%.*s: malformed key", kl, k);
			return;
		}
		if (fedjit_record_decode_name(data, &name) < 0) {
			problem(c, "%.*s: corrupt index record", kl, k);
			return;
		}
		slot = is_uid ? push(c, &c->uids, &c->n_uids, sizeof(*slot))
		              : push(c, &c->gidx, &c->n_gidx, sizeof(*slot));
		if (!slot) {
			free(name);
			return;
		}
		*slot = (struct idx){id, name};
		return;
	}
	case FEDJIT_KEY_LINK: {
		const char *sep = memchr(rest, '\0', len);
		struct link *slot;

		if (!sep || sep == rest || sep + 1 == rest + len) {
			problem(c, "%slink key without issuer and subject", where);
			return;
		}
		if (fedjit_record_decode_name(data, &name) < 0) {
			problem(c, "%slink %s: corrupt record", where, rest);
			return;
		}
		if (!c->in_private && c->version >= 2)
			problem(c, "link %s: in the world-readable store (personal data)", rest);
		slot = push(c, &c->links, &c->n_links, sizeof(*slot));
		if (!slot) {
			free(name);
			return;
		}
		*slot = (struct link){strdup(rest),
		                      strndup(sep + 1, (size_t)(rest + len - sep - 1)), name,
		                      c->in_private};
		if (!slot->issuer || !slot->subject)
			c->err = -ENOMEM;
		return;
	}
	case FEDJIT_KEY_GIDS: {
		struct gids g = {0}, *slot;

		if (fedjit_record_decode_gids(data, &g.v, &g.n) < 0) {
			problem(c, "%.*s: corrupt supplementary gid list", kl, k);
			return;
		}
		g.name = strndup(rest, len);
		slot = push(c, &c->gids, &c->n_gids, sizeof(*slot));
		if (!slot || !g.name) {
			c->err = -ENOMEM;
			free(g.v);
			free(g.name);
			return;
		}
		*slot = g;
		return;
	}
	default:
		problem(c, "%sunknown key \"%.*s\"", where, kl, k);
		return;
	}
}

static int collect_cb(TDB_DATA key, TDB_DATA data, void *p)
{
	struct check *c = p;

	collect_one(c, key, data);
	return c->err < 0 ? c->err : 0;
}

/* ---- sorting and lookup (empty arrays are NULL: never hand those to libc) ---- */

static void sort(void *v, size_t n, size_t sz, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(v, n, sz, cmp);
}

static void *search(const void *key, const void *v, size_t n, size_t sz,
                    int (*cmp)(const void *, const void *))
{
	return n ? bsearch(key, v, n, sz, cmp) : NULL;
}

static int cmp_user_name(const void *a, const void *b)
{
	return strcmp((*(struct fedjit_user *const *)a)->name,
	              (*(struct fedjit_user *const *)b)->name);
}

static int cmp_group_name(const void *a, const void *b)
{
	return strcmp((*(struct fedjit_group *const *)a)->name,
	              (*(struct fedjit_group *const *)b)->name);
}

static int cmp_idx(const void *a, const void *b)
{
	uint32_t x = ((const struct idx *)a)->id, y = ((const struct idx *)b)->id;

	return x < y ? -1 : x > y;
}

static int cmp_link(const void *a, const void *b)
{
	const struct link *x = a, *y = b;
	int r = strcmp(x->issuer, y->issuer);

	return r ? r : strcmp(x->subject, y->subject);
}

static int cmp_acct(const void *a, const void *b)
{
	return strcmp(((const struct acct *)a)->name, ((const struct acct *)b)->name);
}

static int cmp_gids(const void *a, const void *b)
{
	return strcmp(((const struct gids *)a)->name, ((const struct gids *)b)->name);
}

static struct fedjit_user *find_user(struct check *c, const char *name)
{
	struct fedjit_user key = {.name = (char *)name}, *kp = &key, **r;

	r = search(&kp, c->users, c->n_users, sizeof(*c->users), cmp_user_name);
	return r ? *r : NULL;
}

static struct fedjit_group *find_group(struct check *c, const char *name)
{
	struct fedjit_group key = {.name = (char *)name}, *kp = &key, **r;

	r = search(&kp, c->groups, c->n_groups, sizeof(*c->groups), cmp_group_name);
	return r ? *r : NULL;
}

static struct idx *find_idx(struct idx *v, size_t n, uint32_t id)
{
	struct idx key = {.id = id};

	return search(&key, v, n, sizeof(*v), cmp_idx);
}

static struct gids *find_gids(struct check *c, const char *name)
{
	struct gids key = {.name = (char *)name};

	return search(&key, c->gids, c->n_gids, sizeof(*c->gids), cmp_gids);
}

static bool has_gid(const struct gids *g, uint32_t gid)
{
	for (size_t i = 0; g && i < g->n; i++)
		if (g->v[i] == gid)
			return true;
	return false;
}

static bool is_member(const struct fedjit_group *g, const char *name)
{
	for (size_t i = 0; i < g->n_members; i++)
		if (strcmp(g->members[i], name) == 0)
			return true;
	return false;
}

/* The store group with this gid, via the gid index (NULL: foreign). */
static struct fedjit_group *group_by_gid(struct check *c, uint32_t gid)
{
	struct idx *i = find_idx(c->gidx, c->n_gidx, gid);
	struct fedjit_group *g = i ? find_group(c, i->name) : NULL;

	return g && g->gid == gid ? g : NULL;
}

/* ---- the checks ---- */

/*
 * Every user of format 2 gets the personal data of its account record (so that
 * the link checks below see its identity); account records without their
 * user, or of another uid, are reported.
 */
static void check_accounts(struct check *c)
{
	if (!c->with_private)
		return;
	for (size_t i = 0; i < c->n_users; i++) {
		struct fedjit_user *u = c->users[i], *m = NULL;
		struct acct key = {.name = u->name};
		struct acct *a = search(&key, c->accts, c->n_accts, sizeof(*c->accts), cmp_acct);

		if (u->issuer[0]) /* format 1: its own */
			continue;
		if (!a) {
			problem(c, "user %s: no account record in the private store", u->name);
			continue;
		}
		if (a->u->uid != u->uid)
			continue; /* reported below */
		struct fedjit_user merged = *u;
		merged.domain = a->u->domain;
		merged.idp = a->u->idp;
		merged.issuer = a->u->issuer;
		merged.subject = a->u->subject;
		merged.email = a->u->email;
		merged.created = a->u->created;
		merged.last_login = a->u->last_login;
		if (fedjit_user_dup(&merged, &m) < 0) {
			c->err = -ENOMEM;
			return;
		}
		fedjit_user_free(u);
		c->users[i] = m;
	}
	for (size_t i = 0; i < c->n_states; i++)
		if (!find_user(c, c->states[i].name))
			leftover(c,
			         "private store: %s/%s: %s of a missing user (ignored; --repair "
			         "removes it)",
			         c->states[i].id ? "refresh" : "state", c->states[i].name,
			         c->states[i].id ? "refresh token" : "account state");
	for (size_t i = 0; i < c->n_accts; i++) {
		struct fedjit_user *u = find_user(c, c->accts[i].name);

		if (!u)
			leftover(c,
			         "private store: account/%s: account record of a missing user "
			         "(ignored; --repair removes it)",
			         c->accts[i].name);
		else if (u->uid != c->accts[i].u->uid)
			leftover(c,
			         "private store: account/%s: for uid %" PRIu32 ", the user has uid "
			         "%" PRIu32 " (ignored; --repair removes it)",
			         c->accts[i].name, c->accts[i].u->uid, u->uid);
	}
}

static void check_users(struct check *c)
{
	for (size_t i = 0; i < c->n_users; i++) {
		struct fedjit_user *u = c->users[i];
		struct idx *ui = find_idx(c->uids, c->n_uids, u->uid);
		struct link lk = {.issuer = u->issuer, .subject = u->subject};
		struct link *l = search(&lk, c->links, c->n_links, sizeof(*c->links), cmp_link);
		struct gids *gl = find_gids(c, u->name);
		struct fedjit_group *pg = find_group(c, u->name);

		if (!ui)
			problem(c, "user %s: no uid index uid/%" PRIu32, u->name, u->uid);
		else if (strcmp(ui->name, u->name) != 0)
			problem(c, "user %s: uid/%" PRIu32 " points to %s", u->name, u->uid,
			        ui->name);
		/* no personal data known: reported by check_accounts, if at all */
		if (u->issuer[0] && !l)
			problem(c, "user %s: no link for its identity (%s, %s)", u->name, u->issuer,
			        u->subject);
		else if (u->issuer[0] && strcmp(l->name, u->name) != 0)
			problem(c, "user %s: its identity (%s, %s) links to %s", u->name, u->issuer,
			        u->subject, l->name);
		if (!gl)
			problem(c, "user %s: no supplementary gid list", u->name);
		for (size_t j = 0; gl && j < gl->n; j++) {
			struct fedjit_group *g = group_by_gid(c, gl->v[j]);

			if (g && !is_member(g, u->name))
				problem(c, "user %s: has gid %" PRIu32 " but is not a member of %s",
				        u->name, gl->v[j], g->name);
		}
		if (pg && pg->origin == FEDJIT_GROUP_PRIVATE && pg->gid != u->gid)
			problem(c,
			        "user %s: private group has gid %" PRIu32 ", user has gid %" PRIu32,
			        u->name, pg->gid, u->gid);
	}
}

static int cmp_user_uid(const void *a, const void *b)
{
	uint32_t x = (*(struct fedjit_user *const *)a)->uid,
	         y = (*(struct fedjit_user *const *)b)->uid;

	return x < y ? -1 : x > y;
}

static int cmp_group_gid(const void *a, const void *b)
{
	uint32_t x = (*(struct fedjit_group *const *)a)->gid,
	         y = (*(struct fedjit_group *const *)b)->gid;

	return x < y ? -1 : x > y;
}

static void check_duplicates(struct check *c)
{
	_cleanup_free_ struct fedjit_user **u = NULL;
	_cleanup_free_ struct fedjit_group **g = NULL;

	if (c->n_users > 1) {
		u = malloc(c->n_users * sizeof(*u));
		if (!u) {
			c->err = -ENOMEM;
			return;
		}
		memcpy(u, c->users, c->n_users * sizeof(*u));
		qsort(u, c->n_users, sizeof(*u), cmp_user_uid);
		for (size_t i = 1; i < c->n_users; i++)
			if (u[i]->uid == u[i - 1]->uid)
				problem(c, "uid %" PRIu32 " used by both %s and %s", u[i]->uid,
				        u[i - 1]->name, u[i]->name);
	}
	if (c->n_groups > 1) {
		g = malloc(c->n_groups * sizeof(*g));
		if (!g) {
			c->err = -ENOMEM;
			return;
		}
		memcpy(g, c->groups, c->n_groups * sizeof(*g));
		qsort(g, c->n_groups, sizeof(*g), cmp_group_gid);
		for (size_t i = 1; i < c->n_groups; i++)
			if (g[i]->gid == g[i - 1]->gid)
				problem(c, "gid %" PRIu32 " used by both groups %s and %s",
				        g[i]->gid, g[i - 1]->name, g[i]->name);
	}
}

static void check_indexes(struct check *c)
{
	for (size_t i = 0; i < c->n_uids; i++) {
		struct fedjit_user *u = find_user(c, c->uids[i].name);

		if (!u)
			problem(c, "uid/%" PRIu32 ": points to missing user %s", c->uids[i].id,
			        c->uids[i].name);
		else if (u->uid != c->uids[i].id)
			problem(c, "uid/%" PRIu32 ": points to %s, whose uid is %" PRIu32,
			        c->uids[i].id, u->name, u->uid);
	}
	for (size_t i = 0; i < c->n_gidx; i++) {
		struct fedjit_group *g = find_group(c, c->gidx[i].name);

		if (!g)
			problem(c, "gid/%" PRIu32 ": points to missing group %s", c->gidx[i].id,
			        c->gidx[i].name);
		else if (g->gid != c->gidx[i].id)
			problem(c, "gid/%" PRIu32 ": points to %s, whose gid is %" PRIu32,
			        c->gidx[i].id, g->name, g->gid);
	}
	for (size_t i = 0; i < c->n_links; i++) {
		struct link *l = &c->links[i];
		struct fedjit_user *u = find_user(c, l->name);

		void (*say)(struct check *, const char *, ...) = l->priv ? leftover : problem;

		if (!u)
			say(c, "link (%s, %s): points to missing user %s%s", l->issuer, l->subject,
			    l->name, l->priv ? " (ignored; --repair removes it)" : "");
		else if (strcmp(u->issuer, l->issuer) != 0 || strcmp(u->subject, l->subject) != 0)
			say(c, "link (%s, %s): points to %s, owned by (%s, %s)%s", l->issuer,
			    l->subject, u->name, u->issuer, u->subject,
			    l->priv ? " (ignored; --repair removes it)" : "");
	}
	for (size_t i = 0; i < c->n_gids; i++)
		if (!find_user(c, c->gids[i].name))
			problem(c, "gids/%s: supplementary list of a missing user",
			        c->gids[i].name);
}

static void check_groups(struct check *c)
{
	for (size_t i = 0; i < c->n_groups; i++) {
		struct fedjit_group *g = c->groups[i];
		struct idx *gi = find_idx(c->gidx, c->n_gidx, g->gid);

		if (!gi)
			problem(c, "group %s: no gid index gid/%" PRIu32, g->name, g->gid);
		else if (strcmp(gi->name, g->name) != 0)
			problem(c, "group %s: gid/%" PRIu32 " points to %s", g->name, g->gid,
			        gi->name);
		for (size_t j = 0; j < g->n_members; j++) {
			const char *m = g->members[j];

			if (!find_user(c, m))
				problem(c, "group %s: member %s does not exist", g->name, m);
			else if (!has_gid(find_gids(c, m), g->gid))
				problem(c, "group %s: member %s does not list gid %" PRIu32,
				        g->name, m, g->gid);
		}
		if (g->origin == FEDJIT_GROUP_PRIVATE) {
			struct fedjit_user *u = find_user(c, g->name);

			if (!u)
				problem(c, "group %s: private group of a missing user", g->name);
			else if (u->gid != g->gid)
				problem(c, "group %s: private group, but user %s has gid %" PRIu32,
				        g->name, u->name, u->gid);
		}
	}
}

static void check_free(struct check *c)
{
	for (size_t i = 0; i < c->n_users; i++)
		fedjit_user_free(c->users[i]);
	for (size_t i = 0; i < c->n_groups; i++)
		fedjit_group_free(c->groups[i]);
	for (size_t i = 0; i < c->n_uids; i++)
		free(c->uids[i].name);
	for (size_t i = 0; i < c->n_gidx; i++)
		free(c->gidx[i].name);
	for (size_t i = 0; i < c->n_links; i++) {
		free(c->links[i].issuer);
		free(c->links[i].subject);
		free(c->links[i].name);
	}
	for (size_t i = 0; i < c->n_gids; i++) {
		free(c->gids[i].name);
		free(c->gids[i].v);
	}
	for (size_t i = 0; i < c->n_accts; i++) {
		free(c->accts[i].name);
		fedjit_user_free(c->accts[i].u);
	}
	for (size_t i = 0; i < c->n_states; i++)
		free(c->states[i].name);
	free(c->accts);
	free(c->states);
	free(c->users);
	free(c->groups);
	free(c->uids);
	free(c->gidx);
	free(c->links);
	free(c->gids);
}

int fedjit_store_check(struct fedjit_store *s, fedjit_check_report_fn report, void *userdata)
{
	struct check c = {.report = report,
	                  .userdata = userdata,
	                  .version = s->version,
	                  .with_private = s->priv != NULL};
	int r = fedjit_store_walk(s, 0, collect_cb, &c);

	if (r >= 0 && c.err == 0 && s->priv) {
		c.in_private = true;
		r = fedjit_store_walk(s->priv, 0, collect_cb, &c);
		c.in_private = false;
	}
	if (c.err < 0 || r < 0) {
		check_free(&c);
		return c.err < 0 ? c.err : -EIO;
	}
	if (!c.have_version)
		problem(&c, "version: key missing");
	if (s->priv && !c.have_priv_version)
		problem(&c, "private store: version: key missing");
	sort(c.users, c.n_users, sizeof(*c.users), cmp_user_name);
	sort(c.groups, c.n_groups, sizeof(*c.groups), cmp_group_name);
	sort(c.uids, c.n_uids, sizeof(*c.uids), cmp_idx);
	sort(c.gidx, c.n_gidx, sizeof(*c.gidx), cmp_idx);
	sort(c.links, c.n_links, sizeof(*c.links), cmp_link);
	sort(c.gids, c.n_gids, sizeof(*c.gids), cmp_gids);
	sort(c.accts, c.n_accts, sizeof(*c.accts), cmp_acct);
	check_accounts(&c);
	check_users(&c);
	check_duplicates(&c);
	check_indexes(&c);
	check_groups(&c);
	r = c.err < 0 ? c.err : c.problems;
	check_free(&c);
	return r;
}

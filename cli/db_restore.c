/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fedjit db restore FILE: add the accounts and groups of a dump (format in
 * db_dump.c) to the store, all or nothing, in memory that grows with the
 * accounts' compact records, not with the JSON (dump_check.c reads it element
 * by element) nor with one huge transaction (the store is built beside
 * itself in batches and renamed into place: fedjit_store_replace_begin).
 *
 * Three stages, and nothing is written unless the first two pass:
 *  1. the dump itself (dump_check.c);
 *  2. against the configuration, when there is one: every account's domain
 *     is configured and its uid in that domain's uid range, every group's
 *     gid in its domain's gid range (a group without a domain: in some
 *     domain's); against the store: no name, uid, gid, group or identity that
 *     is already there (every conflict is reported);
 *  3. a copy of the store, under the writers' lock: shared and admin/JIT
 *     groups with their members, then the accounts, APPLY_BATCH accounts per transaction; any
 *     failure removes the copy (nothing changed); success renames it over
 *     the store. Secrets (a dump made with --secrets) go to the secret store
 *     after that (a separate file: not in the same transaction).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/dump.h"
#include "common/audit.h"
#include "common/macro.h"

#define APPLY_BATCH 5000

/* ---- stage 2: the configuration's ranges, conflicts with the store ---- */

static bool gid_in(const struct fedjit_domain *d, uint32_t gid)
{
	return gid >= d->gid_min && gid <= d->gid_max;
}

static void ranges(struct fedjit_dump *rs, const struct fedjit_config *config)
{
	for (size_t i = 0; i < rs->n_users; i++) {
		const struct fedjit_user *u = &rs->users[i].u;
		const struct fedjit_domain *d = fedjit_config_domain(config, u->domain);

		if (!d)
			fedjit_dump_problem(rs, "user %s: domain %s is not configured", u->name,
			                    u->domain);
		else if (u->uid < d->uid_min || u->uid > d->uid_max)
			fedjit_dump_problem(rs,
			                    "user %s: uid %" PRIu32 " is outside domain %s's "
			                    "uid range %" PRIu32 "-%" PRIu32,
			                    u->name, u->uid, d->name, d->uid_min, d->uid_max);
	}
	for (size_t i = 0; i < rs->n_groups; i++) {
		const struct fedjit_group *g = &rs->groups[i].g;
		const struct fedjit_domain *d =
		        g->domain && g->domain[0] ? fedjit_config_domain(config, g->domain) : NULL;
		bool ok = false;

		if (g->domain && g->domain[0] && !d) {
			fedjit_dump_problem(rs, "group %s: domain %s is not configured", g->name,
			                    g->domain);
			continue;
		}
		if (d)
			ok = gid_in(d, g->gid);
		for (size_t k = 0; !d && !ok && k < config->n_domains; k++)
			ok = gid_in(&config->domains[k], g->gid);
		if (!ok)
			fedjit_dump_problem(
			        rs, "group %s: gid %" PRIu32 " is outside %s%s's gid range",
			        g->name, g->gid, d ? "domain " : "every domain", d ? d->name : "");
	}
}

static void conflicts(struct fedjit_dump *rs, struct fedjit_store *s,
                      struct fedjit_secret_store *ss)
{
	for (size_t i = 0; i < rs->n_users; i++) {
		const struct fedjit_user *u = &rs->users[i].u;
		struct fedjit_user *got = NULL;

		if (fedjit_store_get_user(s, u->name, &got) != -ENOENT)
			fedjit_dump_problem(rs, "user %s: already in the store", u->name);
		fedjit_user_free(got);
		got = NULL;
		if (fedjit_store_get_user_by_uid(s, u->uid, &got) != -ENOENT)
			fedjit_dump_problem(rs, "user %s: uid %" PRIu32 " already used by %s",
			                    u->name, u->uid, got ? got->name : "?");
		fedjit_user_free(got);
		got = NULL;
		if (fedjit_store_get_user_by_link(s, u->issuer, u->subject, &got) != -ENOENT)
			fedjit_dump_problem(rs, "user %s: its identity already owns %s", u->name,
			                    got ? got->name : "?");
		fedjit_user_free(got);
	}
	for (size_t i = 0; i < rs->n_groups; i++) {
		const struct fedjit_group *g = &rs->groups[i].g;
		struct fedjit_group *got = NULL;

		if (fedjit_store_get_group(s, g->name, &got) != -ENOENT)
			fedjit_dump_problem(rs, "group %s: already in the store", g->name);
		fedjit_group_free(got);
		got = NULL;
		if (fedjit_store_get_group_by_gid(s, g->gid, &got) != -ENOENT)
			fedjit_dump_problem(rs, "group %s: gid %" PRIu32 " already used by %s",
			                    g->name, g->gid, got ? got->name : "?");
		fedjit_group_free(got);
	}
	for (size_t i = 0; ss && i < rs->n_hashes; i++) {
		_cleanup_secret_ char *hash = NULL;

		if (fedjit_secret_get_password_hash(ss, rs->hashes[i].name, &hash) != -ENOENT)
			fedjit_dump_problem(rs, "secrets: %s already has a password hash",
			                    rs->hashes[i].name);
	}
}

/* ---- stage 3: the batch ---- */

/* Into the copy (tmp), a transaction per APPLY_BATCH accounts. */
static int apply_batches(struct fedjit_dump *rs, struct fedjit_store *tmp)
{
	int r = fedjit_store_batch_begin(tmp);

	for (size_t i = 0; r >= 0 && i < rs->n_groups; i++) {
		const struct fedjit_dump_group *rg = &rs->groups[i];

		/* with their members: the accounts then find themselves in them
		 * and rewrite no group (a 200-member group would be written 200
		 * times, and the freed space makes every allocation slower) */
		if (rg->origin != FEDJIT_GROUP_PRIVATE)
			r = fedjit_store_create_group(tmp, &rg->g);
	}
	for (size_t i = 0; r >= 0 && i < rs->n_users; i++) {
		const struct fedjit_dump_user *ru = &rs->users[i];

		r = fedjit_store_create_account(tmp, &ru->u, ru->primary_group, ru->gids,
		                                ru->n_gids);
		if (r < 0) {
			fedjit_cli_error("user %s: %s", ru->u.name, fedjit_store_strerror(r));
			break;
		}
		if ((i + 1) % APPLY_BATCH == 0) {
			r = fedjit_store_batch_end(tmp, 0);
			if (r >= 0)
				r = fedjit_store_batch_begin(tmp);
		}
	}
	return fedjit_store_batch_end(tmp, r < 0 ? r : 0);
}

static int apply(struct fedjit_dump *rs, struct fedjit_store *s)
{
	struct fedjit_store *tmp = NULL;
	int r = fedjit_store_replace_begin(s, &tmp);

	if (r < 0)
		return r;
	return fedjit_store_replace_end(s, tmp, apply_batches(rs, tmp));
}

static int apply_secrets(struct fedjit_dump *rs, struct fedjit_secret_store *ss)
{
	int r;

	for (size_t i = 0; i < rs->n_hashes; i++) {
		r = fedjit_secret_set_password_hash(ss, rs->hashes[i].name, rs->hashes[i].hash);
		if (r < 0)
			return fedjit_cli_error("secrets of %s: %s", rs->hashes[i].name,
			                        fedjit_store_strerror(r));
	}
	for (size_t i = 0; i < rs->n_consents; i++) {
		r = fedjit_secret_set_consent(ss, rs->consents[i].name, &rs->consents[i].c);
		if (r < 0)
			return fedjit_cli_error("consent of %s: %s", rs->consents[i].name,
			                        fedjit_store_strerror(r));
	}
	return 0;
}

int fedjit_cmd_db_restore(struct fedjit_cli *cli, int argc, char **argv)
{
	struct fedjit_dump rs = {0};
	struct fedjit_store *s = NULL;
	struct fedjit_secret_store *ss = NULL;
	int r;

	if (argc == 2 && fedjit_cli_is_help(argv[1])) {
		printf("Usage: fedjit db restore FILE\n"
		       "Add the users and groups of a dump (fedjit db dump; FILE - reads stdin) to "
		       "the\nstore, all or nothing. The dump is validated first; any conflict "
		       "with the\nstore (name, uid, gid, identity) refuses the whole restore with "
		       "nothing changed.\n");
		return FEDJIT_EXIT_OK;
	}
	if (argc != 2)
		return fedjit_cli_usage_error("db restore", "name one dump file");
	r = fedjit_cli_need_root("writing the store");
	if (r != 0)
		return r;
	r = fedjit_dump_load(&rs, argv[1]);
	if (r != 0)
		goto out;
	const struct fedjit_config *config = NULL;
	r = fedjit_cli_config(cli, false, &config);
	if (r != 0)
		goto out;
	if (config)
		ranges(&rs, config);
	if (rs.errors) {
		r = fedjit_cli_error("%s: %u conflict%s with the configuration; nothing changed",
		                     argv[1], rs.errors, rs.errors == 1 ? "" : "s");
		goto out;
	}
	r = fedjit_cli_open_rw(cli, true, &s);
	if (r != 0)
		goto out;
	if (rs.have_secrets) {
		if (!fedjit_cli_secret_path(cli)) {
			r = fedjit_cli_error("the dump has secrets but there is no secret store "
			                     "(--secret-db); nothing changed");
			goto out;
		}
		r = fedjit_secret_open(fedjit_cli_secret_path(cli), FEDJIT_STORE_CREATE, &ss);
		if (r < 0) {
			r = fedjit_cli_error("%s: %s", fedjit_cli_secret_path(cli),
			                     fedjit_store_strerror(r));
			goto out;
		}
	}
	conflicts(&rs, s, ss);
	if (rs.errors) {
		r = fedjit_cli_error("%s: %u conflict%s with the configuration or the store; "
		                     "nothing changed",
		                     argv[1], rs.errors, rs.errors == 1 ? "" : "s");
		goto out;
	}
	r = apply(&rs, s);
	if (r < 0) {
		r = fedjit_cli_error("restore cancelled: %s; nothing changed",
		                     fedjit_store_strerror(r));
		goto out;
	}
	for (size_t i = 0; i < rs.n_users; i++) {
		char reason[300];

		snprintf(reason, sizeof(reason), "administrator restored a dump (%s)", argv[1]);
		fedjit_audit_account(FEDJIT_AUDIT_RESTORE, rs.users[i].u.name, rs.users[i].u.uid,
		                     "admin", reason, true);
	}
	r = ss ? apply_secrets(&rs, ss) : 0;
	if (r == 0)
		printf("restored %zu users and %zu groups\n", rs.n_users, rs.n_groups);
out:
	fedjit_secret_close(ss);
	fedjit_store_close(s);
	fedjit_dump_clear(&rs);
	return r;
}

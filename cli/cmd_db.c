/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fedjit db check|dump|recover: the store's consistency checker, a JSON dump,
 * and the roll-back of an interrupted commit.
 *
 * DUMP FORMAT (read back by `fedjit db restore`, db_restore.c):
 *   {
 *     "fedjit_dump": 1,
 *     "users":  [user objects (json_out.c), sorted by name],
 *     "groups": [group objects (json_out.c), sorted by name],
 *     "links":  [{"issuer", "subject", "account"}, sorted by account],
 *     "secrets": {                                  only with --secrets
 *       "password_hashes": {"NAME": "crypt(3) hash", ...},
 *       "consents": {"NAME": {"when", "text_version", "idp", "what"}, ...}
 *     }
 *   }
 * Links are the private store's (issuer, subject) -> account records that
 * count (their account record and user agree): one per user, its identity.
 * What a crash between the two files' commits left behind is not dumped.
 * Personal data (issuer, subject, email, domain, IdP, times, links) is in the
 * root-only private store: a dump by another user has it empty.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/macro.h"

/* ---- check ---- */

static void print_problem(const char *message, void *userdata)
{
	const char *path = userdata;

	printf("%s: %s\n", path, message);
}

static void print_repair(const char *message, void *userdata)
{
	const char *path = userdata;

	printf("%s: repaired: %s\n", path, message);
}

/* Secret records of accounts the store does not have (left by a crash
 * between the two stores' commits). Returns the number found, or -errno. */
static int check_secrets(struct fedjit_cli *cli, struct fedjit_store *s, bool repair)
{
	struct fedjit_secret_store *ss = NULL;
	char **names = NULL;
	size_t n = 0;
	int found = 0, r;

	if (geteuid() != 0 || !fedjit_cli_secret_path(cli))
		return 0;
	r = fedjit_cli_open_secret(cli, !repair, &ss);
	if (r != 0 || !ss)
		return r != 0 ? -EIO : 0;
	r = fedjit_secret_list_users(ss, &names, &n);
	for (size_t i = 0; r >= 0 && i < n; i++) {
		struct fedjit_user *u = NULL;
		int q = fedjit_store_get_user(s, names[i], &u);

		fedjit_user_free(u);
		if (q != -ENOENT)
			continue;
		found++;
		if (repair && fedjit_secret_delete_user(ss, names[i]) == 0) {
			printf("%s: secrets of missing account %s: removed\n",
			       fedjit_cli_secret_path(cli), names[i]);
			found--;
		} else {
			printf("%s: secrets of missing account %s\n", fedjit_cli_secret_path(cli),
			       names[i]);
		}
	}
	fedjit_strv_free(names);
	fedjit_secret_close(ss);
	return r < 0 ? r : found;
}

static int db_check(struct fedjit_cli *cli, int argc, char **argv)
{
	const char *path = fedjit_cli_db_path(cli);
	struct fedjit_store *s = NULL;
	bool repair = false;
	int r, problems, secret_problems;

	for (int i = 1; i < argc; i++) {
		if (fedjit_cli_is_help(argv[i])) {
			printf("Usage: fedjit db check [--repair]\n"
			       "Check the store's consistency: every record decodes, every index\n"
			       "and link points back, no id is used twice, memberships agree.\n"
			       "Exit 1 when there are problems. --repair (root) first fixes, in "
			       "one\n"
			       "transaction, what needs no judgement: stale or missing indexes "
			       "and\n"
			       "links, lists and secrets of accounts that do not exist. "
			       "Everything\n"
			       "else is reported for the administrator to decide.\n");
			return FEDJIT_EXIT_OK;
		} else if (strcmp(argv[i], "--repair") == 0) {
			repair = true;
		} else {
			return fedjit_cli_usage_error("db check", "unexpected argument '%s'",
			                              argv[i]);
		}
	}
	if (repair) {
		r = fedjit_cli_need_root("repairing the store");
		if (r != 0)
			return r;
	}
	r = repair ? fedjit_cli_open_rw(cli, false, &s) : fedjit_cli_open_ro(cli, &s);
	if (r != 0)
		return r;
	if (!s) {
		printf("%s: no store (no accounts yet)\n", path);
		return FEDJIT_EXIT_OK;
	}
	if (repair) {
		r = fedjit_store_repair(s, print_repair, (void *)path);
		if (r < 0) {
			fedjit_store_close(s);
			return fedjit_cli_error("%s: repair failed, nothing changed: %s", path,
			                        fedjit_store_strerror(r));
		}
	}
	problems = fedjit_store_check(s, print_problem, (void *)path);
	if (problems < 0) {
		fedjit_store_close(s);
		return fedjit_cli_error("%s: checking: %s", path, fedjit_store_strerror(problems));
	}
	secret_problems = check_secrets(cli, s, repair);
	fedjit_store_close(s);
	if (secret_problems < 0)
		return fedjit_cli_error("checking the secret store: %s",
		                        fedjit_store_strerror(secret_problems));
	problems += secret_problems;
	if (problems == 0) {
		printf("%s: consistent\n", path);
		return FEDJIT_EXIT_OK;
	}
	printf("%s: %d problem%s\n", path, problems, problems == 1 ? "" : "s");
	return FEDJIT_EXIT_ERROR;
}

/* ---- dump ---- */

struct collect {
	struct fedjit_user **users;
	struct fedjit_group **groups;
	size_t n_users, n_groups, cap_users, cap_groups;
};

static int grow(void **v, size_t *cap, size_t n)
{
	if (n < *cap)
		return 0;
	size_t ncap = *cap ? 2 * *cap : 256;
	void *nv = reallocarray(*v, ncap, sizeof(void *));

	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = ncap;
	return 0;
}

static int user_cb(const struct fedjit_user_view *v, void *p)
{
	struct collect *c = p;
	int r = grow((void **)&c->users, &c->cap_users, c->n_users);

	if (r < 0)
		return r;
	r = fedjit_user_from_view(v, &c->users[c->n_users]);
	if (r == 0)
		c->n_users++;
	return r;
}

static int group_cb(const struct fedjit_group_view *v, void *p)
{
	struct collect *c = p;
	int r = grow((void **)&c->groups, &c->cap_groups, c->n_groups);

	if (r < 0)
		return r;
	r = fedjit_group_from_view(v, &c->groups[c->n_groups]);
	if (r == 0)
		c->n_groups++;
	return r;
}

static int cmp_users(const void *a, const void *b)
{
	return strcmp((*(struct fedjit_user *const *)a)->name,
	              (*(struct fedjit_user *const *)b)->name);
}

static int cmp_groups(const void *a, const void *b)
{
	return strcmp((*(struct fedjit_group *const *)a)->name,
	              (*(struct fedjit_group *const *)b)->name);
}

struct link_collect {
	struct fedjit_store *s;
	json_t *links;
};

static int link_cb(const char *issuer, const char *subject, const char *name, void *p)
{
	struct link_collect *lc = p;
	struct fedjit_user *u = NULL;
	bool live = fedjit_store_get_user_by_link(lc->s, issuer, subject, &u) == 0 &&
	            strcmp(u->name, name) == 0;
	json_t *o;

	fedjit_user_free(u);
	if (!live)
		return 0;
	o = json_pack("{s:s, s:s, s:s}", "issuer", issuer, "subject", subject, "account", name);
	return o && json_array_append_new(lc->links, o) == 0 ? 0 : -ENOMEM;
}

static int cmp_links(const void *a, const void *b)
{
	return strcmp(json_string_value(json_object_get(*(json_t *const *)a, "account")),
	              json_string_value(json_object_get(*(json_t *const *)b, "account")));
}

static json_t *sorted_links(struct fedjit_store *s)
{
	json_t *links = json_array(), *sorted = json_array();
	struct link_collect lc = {s, links};
	json_t **v;
	size_t n;

	if (!links || !sorted || fedjit_store_foreach_link(s, link_cb, &lc) < 0) {
		json_decref(links);
		json_decref(sorted);
		return NULL;
	}
	n = json_array_size(links);
	v = calloc(n ? n : 1, sizeof(*v));
	for (size_t i = 0; v && i < n; i++)
		v[i] = json_array_get(links, i);
	if (v)
		qsort(v, n, sizeof(*v), cmp_links);
	for (size_t i = 0; v && i < n; i++)
		json_array_append(sorted, v[i]);
	free(v);
	json_decref(links);
	return sorted;
}

static json_t *dump_secrets(struct fedjit_cli *cli)
{
	struct fedjit_secret_store *ss = NULL;
	json_t *hashes = json_object(), *consents = json_object();
	char **names = NULL;
	size_t n = 0;

	if (fedjit_cli_open_secret(cli, true, &ss) != 0 || !hashes || !consents)
		goto fail;
	if (ss && fedjit_secret_list_users(ss, &names, &n) < 0)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		_cleanup_secret_ char *hash = NULL;
		struct fedjit_consent *c = NULL;

		if (fedjit_secret_get_password_hash(ss, names[i], &hash) == 0)
			json_object_set_new(hashes, names[i], json_string(hash));
		if (fedjit_secret_get_consent(ss, names[i], &c) == 0) {
			json_object_set_new(consents, names[i],
			                    json_pack("{s:I, s:I, s:s, s:s}", "when",
			                              (json_int_t)c->when, "text_version",
			                              (json_int_t)c->text_version, "idp", c->idp,
			                              "what", c->what));
			fedjit_consent_free(c);
		}
	}
	fedjit_strv_free(names);
	fedjit_secret_close(ss);
	return json_pack("{s:o, s:o}", "password_hashes", hashes, "consents", consents);
fail:
	fedjit_strv_free(names);
	fedjit_secret_close(ss);
	json_decref(hashes);
	json_decref(consents);
	return NULL;
}

static void collect_clear(struct collect *c)
{
	for (size_t i = 0; i < c->n_users; i++)
		fedjit_user_free(c->users[i]);
	for (size_t i = 0; i < c->n_groups; i++)
		fedjit_group_free(c->groups[i]);
	free(c->users);
	free(c->groups);
	*c = (struct collect){0};
}

/*
 * Users (with their gid lists), groups and links as JSON arrays. The reads
 * take several read locks one after another, so the caller compares the
 * store's sequence number around this to know it saw one committed state.
 * 0, or an exit status after the message.
 */
static int dump_store(struct fedjit_store *s, json_t *users, json_t *groups, json_t **ret_links)
{
	struct collect c = {0};
	int r = fedjit_store_foreach_user(s, user_cb, &c);

	if (r >= 0)
		r = fedjit_store_foreach_group(s, group_cb, &c);
	if (r < 0) {
		collect_clear(&c);
		return fedjit_cli_error("reading the store: %s", fedjit_store_strerror(r));
	}
	if (c.n_users > 0)
		qsort(c.users, c.n_users, sizeof(*c.users), cmp_users);
	if (c.n_groups > 0)
		qsort(c.groups, c.n_groups, sizeof(*c.groups), cmp_groups);
	r = 0;
	for (size_t i = 0; r == 0 && i < c.n_users; i++) {
		_cleanup_free_ uint32_t *gids = NULL;
		size_t n_gids = 0;
		int q = fedjit_store_get_gids(s, c.users[i]->name, &gids, &n_gids);

		if (q < 0 && q != -ENOENT)
			r = fedjit_cli_error("%s: %s", c.users[i]->name, fedjit_store_strerror(q));
		else if (json_array_append_new(users, fedjit_json_user(c.users[i], gids, n_gids)) <
		         0)
			r = fedjit_cli_error("%s: cannot be written as JSON", c.users[i]->name);
	}
	for (size_t i = 0; r == 0 && i < c.n_groups; i++)
		if (json_array_append_new(groups, fedjit_json_group(c.groups[i])) < 0)
			r = fedjit_cli_error("group %s: cannot be written as JSON",
			                     c.groups[i]->name);
	collect_clear(&c);
	if (r == 0) {
		*ret_links = sorted_links(s);
		if (!*ret_links)
			r = fedjit_cli_error("reading the identity links failed");
	}
	return r;
}

static int db_dump(struct fedjit_cli *cli, int argc, char **argv)
{
	struct fedjit_store *s = NULL;
	json_t *users = NULL, *groups = NULL, *links = NULL, *secrets = NULL;
	bool with_secrets = false;
	int r;

	for (int i = 1; i < argc; i++) {
		if (fedjit_cli_is_help(argv[i])) {
			printf("Usage: fedjit db dump [--secrets]\n"
			       "Write every record of the store as JSON to stdout: users (with\n"
			       "their groups), groups and identity links. --secrets (root) adds\n"
			       "the secret store's password hashes and consent records.\n");
			return FEDJIT_EXIT_OK;
		} else if (strcmp(argv[i], "--secrets") == 0) {
			with_secrets = true;
		} else {
			return fedjit_cli_usage_error("db dump", "unexpected argument '%s'",
			                              argv[i]);
		}
	}
	if (with_secrets && (r = fedjit_cli_need_root("reading the secret store")) != 0)
		return r;
	r = fedjit_cli_open_ro(cli, &s);
	if (r != 0)
		return r;
	if (s && !fedjit_store_has_private(s))
		fprintf(stderr, "fedjit: %s\n", FEDJIT_CLI_NO_PRIVATE);
	/* A commit between the reads (a login) would mix two states: read again
	 * until the sequence number stayed the same throughout. When writers keep
	 * committing, root holds them off with a transaction that is never
	 * committed (a snapshot; logins wait for the dump); others retry. */
	for (int attempt = 0;; attempt++) {
		bool snapshot = s && attempt >= 3 && geteuid() == 0;
		int seq;

		if (snapshot) {
			fedjit_store_close(s);
			s = NULL;
			if (fedjit_store_open(fedjit_cli_db_path(cli), 0, &s) < 0 ||
			    fedjit_store_batch_begin(s) < 0) {
				r = fedjit_cli_error("%s: cannot take a snapshot",
				                     fedjit_cli_db_path(cli));
				goto out;
			}
		}
		seq = s ? fedjit_store_seqnum(s) : 0;
		users = json_array();
		groups = json_array();
		links = s ? NULL : json_array();
		r = !users || !groups || (!s && !links) ? fedjit_cli_error("out of memory") : 0;
		if (r == 0 && s)
			r = dump_store(s, users, groups, &links);
		if (snapshot)
			(void)fedjit_store_batch_end(s, -ECANCELED);
		if (r != 0 || !s || snapshot || fedjit_store_seqnum(s) == seq)
			break;
		json_decref(users);
		json_decref(groups);
		json_decref(links);
		users = groups = links = NULL;
		if (attempt == 50) {
			r = fedjit_cli_error("the store kept changing while being read; try again");
			goto out;
		}
		usleep(1000u * (unsigned)attempt);
	}
	if (r != 0)
		goto out;
	if (with_secrets) {
		secrets = dump_secrets(cli);
		if (!secrets) {
			r = fedjit_cli_error("reading the secret store failed");
			goto out;
		}
	}
	r = fedjit_json_print(json_pack("{s:i, s:O, s:O, s:O, s:O*}", "fedjit_dump", 1, "users",
	                                users, "groups", groups, "links", links, "secrets",
	                                secrets));
out:
	json_decref(users);
	json_decref(groups);
	json_decref(links);
	json_decref(secrets);
	fedjit_store_close(s);
	return r;
}

/* ---- recover ---- */

/* A read-write open rolls back a commit its writer did not finish (common/store.c). */
static int db_recover(struct fedjit_cli *cli, int argc, char **argv)
{
	struct fedjit_store *s = NULL;
	struct fedjit_secret_store *ss = NULL;
	int r;

	if (argc == 2 && fedjit_cli_is_help(argv[1])) {
		printf("Usage: fedjit db recover\n"
		       "Open the store and the secret store for writing: a commit that a crash\n"
		       "left unfinished is rolled back (any root open does it; this is the\n"
		       "one to run from scripts). Nothing else changes.\n");
		return FEDJIT_EXIT_OK;
	}
	if (argc != 1)
		return fedjit_cli_usage_error("db recover", "unexpected argument '%s'", argv[1]);
	r = fedjit_cli_need_root("recovering the store");
	if (r != 0)
		return r;
	r = fedjit_store_open(fedjit_cli_db_path(cli), 0, &s);
	if (r < 0 && r != -ENOENT)
		return fedjit_cli_error("%s: %s", fedjit_cli_db_path(cli),
		                        fedjit_store_strerror(r));
	fedjit_store_close(s);
	printf("%s: %s\n", fedjit_cli_db_path(cli), r == -ENOENT ? "no store yet" : "ok");
	if (!fedjit_cli_secret_path(cli))
		return FEDJIT_EXIT_OK;
	r = fedjit_secret_open(fedjit_cli_secret_path(cli), 0, &ss);
	if (r < 0 && r != -ENOENT)
		return fedjit_cli_error("%s: %s", fedjit_cli_secret_path(cli),
		                        fedjit_store_strerror(r));
	fedjit_secret_close(ss);
	printf("%s: %s\n", fedjit_cli_secret_path(cli), r == -ENOENT ? "no store yet" : "ok");
	return FEDJIT_EXIT_OK;
}

static const struct fedjit_cli_verb verbs[] = {
        {"check", db_check, "check the store's consistency"},
        {"dump", db_dump, "write the store as JSON to stdout"},
        {"restore", fedjit_cmd_db_restore, "add the accounts of a dump (one transaction)"},
        {"recover", db_recover, "roll back a commit a crash left unfinished"},
        {NULL, NULL, NULL},
};

int fedjit_cmd_db(struct fedjit_cli *cli, int argc, char **argv)
{
	return fedjit_cli_dispatch(cli, "db", verbs, argc - 1, argv + 1);
}

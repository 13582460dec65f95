/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fedjit db check|recover: the store's consistency checker and the roll-back
 * of an interrupted commit.
 *
 * The dump (db_dump.c) and the restore (db_restore.c) have files of their own.
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

/* ---- recover ---- */

/* A read-write open rolls back a commit its writer did not finish, and moves
 * the account state records out of the secret store once (common/store.c,
 * store_state_move.c). */
static int db_recover(struct fedjit_cli *cli, int argc, char **argv)
{
	struct fedjit_store *s = NULL;
	struct fedjit_secret_store *ss = NULL;
	int r, dropped = 0;

	if (argc == 2 && fedjit_cli_is_help(argv[1])) {
		printf("Usage: fedjit db recover\n"
		       "Open the store and the secret store for writing: a commit that a crash\n"
		       "left unfinished is rolled back (any root open does it; this is the\n"
		       "one to run from scripts), and account state records of the secret\n"
		       "store (where fedjit kept them before) move to the private store.\n"
		       "Nothing else changes.\n");
		return FEDJIT_EXIT_OK;
	}
	if (argc != 1)
		return fedjit_cli_usage_error("db recover", "unexpected argument '%s'", argv[1]);
	r = fedjit_cli_need_root("recovering the store");
	if (r != 0)
		return r;
	fedjit_store_set_legacy_secret(fedjit_cli_db_path(cli), fedjit_cli_secret_path(cli));
	r = fedjit_store_open(fedjit_cli_db_path(cli), 0, &s);
	if (r < 0 && r != -ENOENT)
		return fedjit_cli_error("%s: %s", fedjit_cli_db_path(cli),
		                        fedjit_store_strerror(r));
	printf("%s: %s\n", fedjit_cli_db_path(cli), r == -ENOENT ? "no store yet" : "ok");
	if (!fedjit_cli_secret_path(cli)) {
		fedjit_store_close(s);
		return FEDJIT_EXIT_OK;
	}
	r = fedjit_secret_open(fedjit_cli_secret_path(cli), 0, &ss);
	if (r < 0 && r != -ENOENT) {
		fedjit_store_close(s);
		return fedjit_cli_error("%s: %s", fedjit_cli_secret_path(cli),
		                        fedjit_store_strerror(r));
	}
	/* what a crash left of the moved records in the secret store */
	if (r >= 0 && s)
		dropped = fedjit_store_drop_moved_state(s, ss);
	fedjit_store_close(s);
	fedjit_secret_close(ss);
	if (dropped < 0)
		return fedjit_cli_error("%s: deleting the moved account state records: %s",
		                        fedjit_cli_secret_path(cli),
		                        fedjit_store_strerror(dropped));
	printf("%s: %s", fedjit_cli_secret_path(cli), r == -ENOENT ? "no store yet" : "ok");
	if (dropped > 0)
		printf(" (%d moved account state records deleted)", dropped);
	putchar('\n');
	return FEDJIT_EXIT_OK;
}

static const struct fedjit_cli_verb verbs[] = {
        {"check", db_check, "check the store's consistency"},
        {"dump", fedjit_cmd_db_dump, "write the store as JSON to stdout"},
        {"restore", fedjit_cmd_db_restore, "add the accounts of a dump (one transaction)"},
        {"recover", db_recover, "roll back a commit a crash left unfinished"},
        {NULL, NULL, NULL},
};

int fedjit_cmd_db(struct fedjit_cli *cli, int argc, char **argv)
{
	return fedjit_cli_dispatch(cli, "db", verbs, argc - 1, argv + 1);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fedjit, the administrator's tool: shared state of one invocation and the
 * helpers every subcommand uses (configuration, store handles, messages,
 * confirmation, output). Exit statuses: 0 success, 1 error (message on
 * stderr), 2 usage error.
 */
#pragma once

/* What a reader that is not root is told (user list, user show, db dump). */
#define FEDJIT_CLI_NO_PRIVATE                                                                   \
	"not root: domain, IdP, identity, email, creation and last login are in the root-only " \
	"private store and not shown"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "common/config.h"
#include "common/store.h"

#define FEDJIT_EXIT_OK    0
#define FEDJIT_EXIT_ERROR 1
#define FEDJIT_EXIT_USAGE 2

struct fedjit_cli {
	const char *config_file; /* --config; NULL: the compiled-in default */
	const char *db_file;     /* --db; NULL: the configuration's or the default */
	const char *secret_file; /* --secret-db; with --db and without it: no secret store */
	bool config_loaded;
	int config_error;             /* of the last load: 0, -ENOENT, -EINVAL, ... */
	bool config_error_said;       /* its message was printed */
	struct fedjit_config *config; /* NULL when there is none (missing file) */
};

/* A subcommand: argv[0] is its own name; returns an exit status. */
typedef int (*fedjit_cli_cmd_fn)(struct fedjit_cli *cli, int argc, char **argv);

struct fedjit_cli_verb {
	const char *name;
	fedjit_cli_cmd_fn fn;
	const char *summary;
};

/* Messages: "fedjit: ..." on stderr. error() returns FEDJIT_EXIT_ERROR,
 * usage_error() FEDJIT_EXIT_USAGE (it adds a hint to --help). */
int fedjit_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int fedjit_cli_usage_error(const char *cmd, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
void fedjit_cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Run the verb named argv[0] of verbs (NULL-name terminated) for a command
 * group (e.g. "user"), handling "--help"/"help" and unknown verbs.
 */
int fedjit_cli_dispatch(struct fedjit_cli *cli, const char *group,
                        const struct fedjit_cli_verb *verbs, int argc, char **argv);
/* Is argv[i] --help / -h? (for the subcommands' own option loops) */
bool fedjit_cli_is_help(const char *arg);

/*
 * The configuration, loaded once. flags: FEDJIT_CONFIG_SKIP_SECRET_CHECKS for
 * everything that does not contact an IdP. 0 and *ret (NULL when the main file
 * does not exist and required is false), or an exit status after printing
 * the problems.
 */
int fedjit_cli_config(struct fedjit_cli *cli, bool required, const struct fedjit_config **ret);

/* Paths of the stores for this invocation (see struct fedjit_cli). */
const char *fedjit_cli_db_path(struct fedjit_cli *cli);
const char *fedjit_cli_secret_path(struct fedjit_cli *cli); /* NULL: none */

/*
 * Open the store. Read-only: a missing store is *ret = NULL and 0 ("no
 * accounts yet"). Writable: needs root ("writing the store needs root"),
 * create says whether a missing store may be created. Returns 0 or an exit
 * status after printing why.
 */
int fedjit_cli_open_ro(struct fedjit_cli *cli, struct fedjit_store **ret);
int fedjit_cli_open_rw(struct fedjit_cli *cli, bool create, struct fedjit_store **ret);
/* The secret store for writing; *ret NULL when there is none (no file, none
 * configured). 0 or an exit status. */
int fedjit_cli_open_secret(struct fedjit_cli *cli, bool readonly, struct fedjit_secret_store **ret);
/* Refuse a write when not root: 0, or an exit status after the message. */
int fedjit_cli_need_root(const char *what);

/* Print question on the controlling terminal and read one line from it into
 * buf (without the newline), echo off unless echo. 0 or -errno (-ENXIO and
 * friends: no terminal; -EIO: end of input). */
int fedjit_cli_ask(const char *question, bool echo, char *buf, size_t size);

/*
 * Ask "question [y/N] " on the controlling terminal and read the answer from
 * it. yes: --yes was given (no question). Returns 1 for yes, 0 for no, -1
 * when there is no terminal to ask (after saying so: use --yes).
 */
int fedjit_cli_confirm(bool yes, const char *question);

/* The options of a delete command: OPERAND [--remove-home] [--yes]. */
struct fedjit_cli_delete_opts {
	const char *operand;
	bool remove_home, yes;
};
/* Parse them for cmd ("user delete"); --help prints help (the usage text)
 * and sets *ret_help. one_operand: the usage error unless exactly one operand
 * is given. 0 or an exit status. */
int fedjit_cli_parse_delete_opts(const char *cmd, const char *help, const char *one_operand,
                                 int argc, char **argv, struct fedjit_cli_delete_opts *ret,
                                 bool *ret_help);

/* Remove a home directory tree without following symlinks: only an absolute
 * path of at least two components, without "." or "..", that is a directory
 * (not a symlink) owned by uid. 0, -ENOENT (nothing there), -EPERM (refused)
 * or another -errno. */
int fedjit_cli_remove_home(const char *path, uint32_t uid);

/* After accounts were deleted from the store: remove their secrets and, with
 * remove_home, their homes (homes/uids may be NULL without it), printing what
 * was removed. Returns an exit status. */
int fedjit_cli_after_delete(struct fedjit_cli *cli, char *const *names, const char *const *homes,
                            const uint32_t *uids, size_t n, bool remove_home);

/* Time for humans: "YYYY-MM-DD HH:MM" local time, "never" for 0. */
void fedjit_cli_format_time(int64_t t, char *buf, size_t size);

/* ---- tables (table.c) ---- */

struct fedjit_table;
/* A table with n_cols columns headed by the given titles; NULL on ENOMEM. */
struct fedjit_table *fedjit_table_new(size_t n_cols, const char *const *titles);
/* Append a row of n_cols cells (copied; NULL prints "-"). 0 or -ENOMEM. */
int fedjit_table_add(struct fedjit_table *t, const char *const *cells);
/* Print with every column as wide as its widest cell, two spaces apart, no
 * trailing blanks; control characters in cells are shown as '?'. */
void fedjit_table_print(const struct fedjit_table *t, FILE *out);
void fedjit_table_free(struct fedjit_table *t);

/* ---- JSON (json_out.c) ---- */

/* JSON of a user / a group record (NULL on ENOMEM). gids may be NULL. */
json_t *fedjit_json_user(const struct fedjit_user *u, const uint32_t *gids, size_t n_gids);
json_t *fedjit_json_group(const struct fedjit_group *g);
const char *fedjit_group_origin_to_string(unsigned origin);
int fedjit_group_origin_from_string(const char *s); /* -EINVAL when unknown */
/* Print j indented, with a final newline, to stdout; takes the reference.
 * Returns an exit status. */
int fedjit_json_print(json_t *j);

/* ---- naming one account (cmd_user.c) ---- */

/* NAME | --uid N | --idp NAME --subject SUB */
struct fedjit_cli_selector {
	const char *name;
	const char *idp, *subject;
	uint32_t uid;
	bool by_uid;
};
/* Parse the selector options of cmd (json: --json allowed when non-NULL;
 * keep_sessions: --keep-sessions likewise; allow_uid: --uid allowed). 0 (*help
 * set for --help) or an exit status. */
int fedjit_cli_parse_selector(const char *cmd, int argc, char **argv, bool allow_uid,
                              struct fedjit_cli_selector *sel, bool *json, bool *keep_sessions,
                              bool *help);
/* The account sel names; 0 and *ret (fedjit_user_free), or an exit status. */
int fedjit_cli_find_user(struct fedjit_cli *cli, struct fedjit_store *s,
                         const struct fedjit_cli_selector *sel, struct fedjit_user **ret);

/* ---- running fedjit-helper (helper_run.c) ---- */
struct fedjit_msg;
struct fedjit_cli_helper_run {
	const char *helper; /* path */
	bool debug;
	int steps_failed; /* idp test: steps reported as failed */
};
/* The options of the commands that run the helper (idp: --idp allowed when non-NULL)
 * and one operand. --help prints usage and sets *help. 0 or an exit status. */
int fedjit_cli_helper_options(const char *cmd, const char *usage, int argc, char **argv,
                              struct fedjit_cli_helper_run *run, const char **idp,
                              const char **name, bool *help);
/* Starts msg=request with the fields every op shares. 0 or an exit status. */
int fedjit_cli_helper_request(struct fedjit_cli *cli, struct fedjit_msg *m, const char *op,
                              bool debug, unsigned timeout);
/* Runs the helper with req (needs root), shows its conversation until the result.
 * login_test: print the login-test fields of the result. Returns the exit status. */
int fedjit_cli_helper_run(struct fedjit_cli_helper_run *run, struct fedjit_msg *req,
                          bool login_test, unsigned timeout);

/* ---- subcommands ---- */
int fedjit_cli_user_lock(struct fedjit_cli *cli, int argc, char **argv);
int fedjit_cli_user_unlock(struct fedjit_cli *cli, int argc, char **argv);
int fedjit_cli_user_delete(struct fedjit_cli *cli, int argc, char **argv);
int fedjit_cli_user_set(struct fedjit_cli *cli, int argc, char **argv);
int fedjit_cmd_user(struct fedjit_cli *cli, int argc, char **argv);
int fedjit_cmd_idp(struct fedjit_cli *cli, int argc, char **argv);
int fedjit_cmd_db(struct fedjit_cli *cli, int argc, char **argv);
int fedjit_cmd_db_dump(struct fedjit_cli *cli, int argc, char **argv);
int fedjit_cmd_db_restore(struct fedjit_cli *cli, int argc, char **argv);
int fedjit_cmd_config(struct fedjit_cli *cli, int argc, char **argv);
int fedjit_cmd_uid(struct fedjit_cli *cli, int argc, char **argv);
int fedjit_cmd_login_test(struct fedjit_cli *cli, int argc, char **argv);
int fedjit_cmd_idp_test(struct fedjit_cli *cli, int argc, char **argv);
int fedjit_cmd_revalidate(struct fedjit_cli *cli, int argc, char **argv);

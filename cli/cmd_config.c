/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fedjit config check: validate the whole configuration (the loader reports
 * every problem as FILE:LINE: message) with the secret-file checks the helper
 * applies, then print the effective settings, defaults filled in, in the
 * file's own syntax (fedjit_config_write).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "common/config.h"

static int print_config(const struct fedjit_config *c)
{
	printf("# effective configuration, read from:");
	for (size_t i = 0; i < c->n_files; i++)
		printf(" %s", c->files[i]);
	printf("\n");
	if (fedjit_config_write(c, stdout) < 0)
		return fedjit_cli_error("writing the configuration: %m");
	return FEDJIT_EXIT_OK;
}

/* The NSS module reads the stores at the paths it was built with (it never reads the
 * configuration's: it runs in every process, and a path from a file would be one more
 * thing each of them trusts). A store elsewhere is one that getent, sshd and sudo
 * never see: say so, without failing the check (a test setup may want exactly that). */
static void warn_store_path(const char *key, const char *value, const char *built_in)
{
	if (value && strcmp(value, built_in) != 0)
		fprintf(stderr,
		        "fedjit: warning: %s = %s: the NSS module (libnss_fedjit.so.2) reads %s, "
		        "the path it was built with; accounts stored elsewhere are not seen by "
		        "getent, sshd or sudo\n",
		        key, value, built_in);
}

static int config_check(struct fedjit_cli *cli, int argc, char **argv)
{
	const char *file = cli->config_file;
	struct fedjit_config *config = NULL;
	struct fedjit_diag diag = {0};
	bool quiet = false;
	int r;

	for (int i = 1; i < argc; i++) {
		if (fedjit_cli_is_help(argv[i])) {
			printf("Usage: fedjit config check [--config FILE] [--quiet]\n"
			       "Validate the configuration (with conf.d drop-ins unless a FILE is "
			       "named):\nevery problem is printed as FILE:LINE: message on stderr, "
			       "exit 1. When it is\nvalid, print the effective settings (defaults "
			       "filled in) unless --quiet.\n");
			return FEDJIT_EXIT_OK;
		} else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			file = argv[++i];
		} else if (strncmp(argv[i], "--config=", 9) == 0) {
			file = argv[i] + 9;
		} else if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0) {
			quiet = true;
		} else {
			return fedjit_cli_usage_error("config check", "unexpected argument '%s'",
			                              argv[i]);
		}
	}
	r = fedjit_config_load(file ? file : FEDJIT_CONF_FILE, file ? NULL : FEDJIT_CONF_DIR,
	                       &config, &diag);
	for (size_t i = 0; i < diag.n_lines; i++)
		fprintf(stderr, "%s\n", diag.lines[i]);
	if (r < 0) {
		if (diag.n_lines == 0)
			fedjit_cli_error("%s: %s", file ? file : FEDJIT_CONF_FILE,
			                 r == -ENOENT ? "no such file" : strerror(-r));
		fprintf(stderr, "fedjit: configuration invalid: %zu error%s\n", diag.n_lines,
		        diag.n_lines == 1 ? "" : "s");
		fedjit_diag_clear(&diag);
		return FEDJIT_EXIT_ERROR;
	}
	fedjit_diag_clear(&diag);
	warn_store_path("db_file", config->global.db_file, FEDJIT_DB_FILE);
	warn_store_path("secret_db_file", config->global.secret_db_file, FEDJIT_SECRET_DB_FILE);
	r = quiet ? FEDJIT_EXIT_OK : print_config(config);
	fedjit_config_free(config);
	return r;
}

static const struct fedjit_cli_verb verbs[] = {
        {"check", config_check, "validate the configuration and print the effective settings"},
        {NULL, NULL, NULL},
};

int fedjit_cmd_config(struct fedjit_cli *cli, int argc, char **argv)
{
	return fedjit_cli_dispatch(cli, "config", verbs, argc - 1, argv + 1);
}

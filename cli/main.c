/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fedjit: global options and the dispatch to the command groups.
 * man/fedjit.8 documents every command, option and exit status.
 */
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/config.h"

static const struct fedjit_cli_verb commands[] = {
        {"user", fedjit_cmd_user, "list, show, lock, unlock and delete accounts"},
        {"idp", fedjit_cmd_idp, "list, test and purge identity providers"},
        {"db", fedjit_cmd_db, "check, dump and restore the account store"},
        {"config", fedjit_cmd_config, "check the configuration"},
        {"uid", fedjit_cmd_uid, "which uid and gid a name would get, and why"},
        {"login-test", fedjit_cmd_login_test, "run a device flow without PAM (dry run)"},
        {"revalidate", fedjit_cmd_revalidate, "ask the IdP again about accounts"},
        {NULL, NULL, NULL},
};

static void help(void)
{
	printf("Usage: fedjit [--config FILE] [--db FILE] [--secret-db FILE] COMMAND ...\n"
	       "\n"
	       "Administer fedjit, federated login with just-in-time provisioning.\n"
	       "\n"
	       "Commands:\n");
	for (const struct fedjit_cli_verb *v = commands; v->name; v++)
		printf("  %-11s %s\n", v->name, v->summary);
	printf("\n"
	       "Options:\n"
	       "  --config FILE     configuration file (default %s)\n"
	       "  --db FILE         account store (default: the configuration's db_file, %s)\n"
	       "  --secret-db FILE  secret store (with --db: none unless given)\n"
	       "  -h, --help        this help; COMMAND --help for a command's\n"
	       "  --version         print the version\n"
	       "\n"
	       "Exit status: 0 success, 1 error, 2 usage error. See fedjit(8).\n",
	       FEDJIT_CONF_FILE, FEDJIT_DB_FILE);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
	        {"config", required_argument, NULL, 'c'},    {"db", required_argument, NULL, 'd'},
	        {"secret-db", required_argument, NULL, 's'}, {"help", no_argument, NULL, 'h'},
	        {"version", no_argument, NULL, 'V'},         {0},
	};
	struct fedjit_cli cli = {0};
	int c, r;

	setlocale(LC_ALL, "");
	/* This process holds the store open; the NSS module must not try to open
	 * it again in here (tdb: EBUSY). Other sources are still consulted. */
	if (setenv("FEDJIT_NSS_BYPASS", "1", 1) < 0)
		return fedjit_cli_error("setenv: %m");

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
		switch (c) {
		case 'c':
			cli.config_file = optarg;
			break;
		case 'd':
			cli.db_file = optarg;
			break;
		case 's':
			cli.secret_file = optarg;
			break;
		case 'h':
			help();
			return FEDJIT_EXIT_OK;
		case 'V':
			printf("fedjit %s\n", PACKAGE_VERSION);
			return FEDJIT_EXIT_OK;
		default:
			return fedjit_cli_usage_error(NULL, "unknown or incomplete option '%s'",
			                              argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		help();
		return FEDJIT_EXIT_USAGE;
	}
	r = fedjit_cli_dispatch(&cli, NULL, commands, argc - optind, argv + optind);
	fedjit_config_free(cli.config);
	if (fflush(stdout) != 0 || ferror(stdout))
		return fedjit_cli_error("writing output: %m");
	return r;
}

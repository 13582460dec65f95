/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What every subcommand shares: messages, the configuration, the store
 * handles (and who may write), confirmation on the terminal, home removal.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/config.h"
#include "common/macro.h"

static void vmsg(const char *prefix, const char *fmt, va_list ap)
{
	fflush(stdout);
	fprintf(stderr, "fedjit: %s", prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int fedjit_cli_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
	return FEDJIT_EXIT_ERROR;
}

void fedjit_cli_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

int fedjit_cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try 'fedjit%s%s --help'.\n", cmd ? " " : "", cmd ? cmd : "");
	return FEDJIT_EXIT_USAGE;
}

bool fedjit_cli_is_help(const char *arg)
{
	return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

int fedjit_cli_dispatch(struct fedjit_cli *cli, const char *group,
                        const struct fedjit_cli_verb *verbs, int argc, char **argv)
{
	if (argc < 1 || fedjit_cli_is_help(argv[0]) || strcmp(argv[0], "help") == 0) {
		printf("Usage: fedjit %s%sCOMMAND [OPTIONS]\n\nCommands:\n", group ? group : "",
		       group ? " " : "");
		for (const struct fedjit_cli_verb *v = verbs; v->name; v++)
			printf("  %-11s %s\n", v->name, v->summary);
		printf("\nfedjit %s%sCOMMAND --help shows a command's options.\n",
		       group ? group : "", group ? " " : "");
		return argc < 1 ? FEDJIT_EXIT_USAGE : FEDJIT_EXIT_OK;
	}
	for (const struct fedjit_cli_verb *v = verbs; v->name; v++)
		if (strcmp(v->name, argv[0]) == 0)
			return v->fn(cli, argc, argv);
	return fedjit_cli_usage_error(group, "unknown command '%s%s%s'", group ? group : "",
	                              group ? " " : "", argv[0]);
}

int fedjit_cli_config(struct fedjit_cli *cli, bool required, const struct fedjit_config **ret)
{
	const char *file = cli->config_file ? cli->config_file : FEDJIT_CONF_FILE;
	struct fedjit_diag diag = {0};

	if (!cli->config_loaded) {
		/* An explicit file is read alone, as pam_fedjit's config= argument. */
		cli->config_error = fedjit_config_load_flags(
		        file, cli->config_file ? NULL : FEDJIT_CONF_DIR,
		        FEDJIT_CONFIG_SKIP_SECRET_CHECKS, &cli->config, &diag);
		cli->config_loaded = true;
		/* A missing file is said below, only where it matters. */
		for (size_t i = 0; cli->config_error != -ENOENT && i < diag.n_lines; i++)
			fprintf(stderr, "%s\n", diag.lines[i]);
		fedjit_diag_clear(&diag);
	}
	if (cli->config_error == -ENOENT && !required) {
		*ret = NULL;
		return 0;
	}
	if (cli->config_error < 0 && cli->config_error_said)
		return FEDJIT_EXIT_ERROR;
	cli->config_error_said = cli->config_error < 0;
	if (cli->config_error == -ENOENT)
		return fedjit_cli_error("%s: no configuration file", file);
	if (cli->config_error == -EINVAL)
		return fedjit_cli_error("%s: the configuration has errors (see above; "
		                        "fedjit config check)",
		                        file);
	if (cli->config_error < 0)
		return fedjit_cli_error("%s: %s", file, strerror(-cli->config_error));
	*ret = cli->config;
	return 0;
}

const char *fedjit_cli_db_path(struct fedjit_cli *cli)
{
	const struct fedjit_config *c = NULL;

	if (cli->db_file)
		return cli->db_file;
	(void)fedjit_cli_config(cli, false, &c);
	if (c && c->global.db_file)
		return c->global.db_file;
	return FEDJIT_DB_FILE;
}

const char *fedjit_cli_secret_path(struct fedjit_cli *cli)
{
	const struct fedjit_config *c = NULL;

	if (cli->secret_file)
		return cli->secret_file;
	/* A store named on the command line is a test or a copy: never pair it
	 * with the system's secret store. */
	if (cli->db_file)
		return NULL;
	(void)fedjit_cli_config(cli, false, &c);
	if (c && c->global.secret_db_file)
		return c->global.secret_db_file;
	return FEDJIT_SECRET_DB_FILE;
}

int fedjit_cli_need_root(const char *what)
{
	if (geteuid() == 0)
		return 0;
	return fedjit_cli_error("%s needs root", what);
}

/* Without --db the configuration says where the stores are: a configuration
 * with errors cannot say (its db_file may be the broken line). */
static int paths_known(struct fedjit_cli *cli)
{
	const struct fedjit_config *c;

	if (cli->db_file)
		return 0;
	if (fedjit_cli_config(cli, false, &c) != 0)
		return fedjit_cli_error("cannot tell where the store is (--db FILE names it)");
	return 0;
}

/* Where the account state records were before the private store had them
 * (common/store_state_move.c): the secret store paired with this store. */
static void name_legacy_secret(struct fedjit_cli *cli)
{
	fedjit_store_set_legacy_secret(fedjit_cli_db_path(cli), fedjit_cli_secret_path(cli));
}

int fedjit_cli_open_ro(struct fedjit_cli *cli, struct fedjit_store **ret)
{
	const char *path = fedjit_cli_db_path(cli);
	int r = paths_known(cli);

	if (r != 0)
		return r;
	name_legacy_secret(cli);
	r = fedjit_store_open(path, FEDJIT_STORE_RDONLY, ret);

	if (r == -ENOENT) {
		*ret = NULL;
		return 0;
	}
	if (r < 0)
		return fedjit_cli_error("%s: %s", path, fedjit_store_strerror(r));
	return 0;
}

int fedjit_cli_open_rw(struct fedjit_cli *cli, bool create, struct fedjit_store **ret)
{
	const char *path = fedjit_cli_db_path(cli);
	int r = fedjit_cli_need_root("writing the store");

	if (r == 0)
		r = paths_known(cli);
	if (r != 0)
		return r;
	name_legacy_secret(cli);
	r = fedjit_store_open(path, create ? FEDJIT_STORE_CREATE : 0, ret);
	if (r == -ENOENT)
		return fedjit_cli_error("%s: no store (no accounts yet)", path);
	if (r < 0)
		return fedjit_cli_error("%s: %s", path, fedjit_store_strerror(r));
	return 0;
}

int fedjit_cli_open_secret(struct fedjit_cli *cli, bool readonly, struct fedjit_secret_store **ret)
{
	const char *path = fedjit_cli_secret_path(cli);
	int r;

	*ret = NULL;
	if (!path)
		return 0;
	r = fedjit_secret_open(path, readonly ? FEDJIT_STORE_RDONLY : 0, ret);
	if (r == -ENOENT) {
		*ret = NULL;
		return 0;
	}
	if (r < 0)
		return fedjit_cli_error("%s: %s", path, fedjit_store_strerror(r));
	return 0;
}

int fedjit_cli_ask(const char *question, bool echo, char *buf, size_t size)
{
	_cleanup_close_ int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	struct termios old, quiet;
	bool restore = false;
	FILE *tty;
	int r = 0;

	if (fd < 0)
		return -errno;
	tty = fdopen(fd, "r+");
	if (!tty)
		return -errno;
	fd = -1;
	/* Echo goes off (and type-ahead is dropped) before the question shows:
	 * whatever is typed after it is never echoed. */
	if (!echo && tcgetattr(fileno(tty), &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		restore = tcsetattr(fileno(tty), TCSAFLUSH, &quiet) == 0;
	}
	fprintf(tty, "%s", question);
	fflush(tty);
	if (!fgets(buf, (int)size, tty))
		r = -EIO;
	else
		buf[strcspn(buf, "\n")] = '\0';
	if (restore) {
		tcsetattr(fileno(tty), TCSAFLUSH, &old);
		fputc('\n', tty);
	}
	fclose(tty);
	return r;
}

int fedjit_cli_parse_delete_opts(const char *cmd, const char *help, const char *one_operand,
                                 int argc, char **argv, struct fedjit_cli_delete_opts *ret,
                                 bool *ret_help)
{
	static const struct option options[] = {
	        {"remove-home", no_argument, NULL, 'r'},
	        {"yes", no_argument, NULL, 'y'},
	        {"help", no_argument, NULL, 'h'},
	        {0},
	};
	struct fedjit_cli_delete_opts o = {0};
	int opt;

	*ret_help = false;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "hy", options, NULL)) != -1) {
		switch (opt) {
		case 'r':
			o.remove_home = true;
			break;
		case 'y':
			o.yes = true;
			break;
		case 'h':
			fputs(help, stdout);
			*ret_help = true;
			return FEDJIT_EXIT_OK;
		default:
			return fedjit_cli_usage_error(cmd, "unknown or incomplete option '%s'",
			                              argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return fedjit_cli_usage_error(cmd, "%s", one_operand);
	o.operand = argv[optind];
	*ret = o;
	return 0;
}

int fedjit_cli_confirm(bool yes, const char *question)
{
	char prompt[1024], answer[64];
	int r;

	if (yes)
		return 1;
	/* The answer comes from the terminal, never from a pipe on stdin: a
	 * script that means it says --yes. */
	snprintf(prompt, sizeof(prompt), "%s [y/N] ", question);
	r = fedjit_cli_ask(prompt, true, answer, sizeof(answer));
	if (r == -EIO)
		return 0;
	if (r < 0) {
		fedjit_cli_error("no terminal to ask for confirmation; use --yes");
		return -1;
	}
	return strcasecmp(answer, "y") == 0 || strcasecmp(answer, "yes") == 0;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	int r = type == FTW_DP ? rmdir(path) : unlink(path);

	return r < 0 ? -errno : 0;
}

int fedjit_cli_remove_home(const char *path, uint32_t uid)
{
	struct stat st;
	size_t parts = 0;
	int r;

	if (path[0] != '/')
		return -EPERM;
	for (const char *p = path; *p;) {
		size_t n;

		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (n == 0)
			break;
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return -EPERM;
		parts++;
		p += n;
	}
	if (parts < 2)
		return -EPERM;
	if (lstat(path, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != uid)
		return -EPERM;
	r = nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	if (r == -1)
		return -errno;
	return r;
}

void fedjit_cli_format_time(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0 || !localtime_r(&tt, &tm) || strftime(buf, size, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(buf, size, "%s", t == 0 ? "never" : "?");
}

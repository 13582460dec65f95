/* SPDX-License-Identifier: Apache-2.0 */
/* fedjit user list|show|lock|unlock|delete|set: the accounts in the store. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "common/macro.h"

/* ---- selecting one account ---- */

struct selector {
	const char *name;
	const char *idp, *subject;
	uint32_t uid;
	bool by_uid;
};

struct scan_ctx {
	const struct selector *sel;
	struct fedjit_user *found;
	int r;
};

static int scan_cb(const struct fedjit_user_view *v, void *p)
{
	struct scan_ctx *c = p;

	if (strcasecmp(v->idp, c->sel->idp) != 0 || strcmp(v->subject, c->sel->subject) != 0)
		return 0;
	c->r = fedjit_user_from_view(v, &c->found);
	return 1;
}

/*
 * The account a selector names. By identity, the IdP's issuer comes from the
 * configuration; for an IdP no longer configured the accounts that recorded
 * its name are searched. 0 and *ret, or an exit status after the message.
 */
static int find_user(struct fedjit_cli *cli, struct fedjit_store *s, const struct selector *sel,
                     struct fedjit_user **ret)
{
	const struct fedjit_config *config = NULL;
	const struct fedjit_idp *idp = NULL;
	char what[512];
	int r;

	if (sel->by_uid)
		snprintf(what, sizeof(what), "uid %" PRIu32, sel->uid);
	else if (sel->name)
		snprintf(what, sizeof(what), "%s", sel->name);
	else
		snprintf(what, sizeof(what), "identity (%s, %s)", sel->idp, sel->subject);
	if (!s)
		return fedjit_cli_error("no account %s (the store does not exist yet)", what);

	if (sel->by_uid) {
		r = fedjit_store_get_user_by_uid(s, sel->uid, ret);
	} else if (sel->name) {
		r = fedjit_store_get_user(s, sel->name, ret);
	} else {
		r = fedjit_cli_config(cli, false, &config);
		if (r != 0)
			return r;
		idp = config ? fedjit_config_idp(config, sel->idp) : NULL;
		if (idp) {
			r = fedjit_store_get_user_by_link(s, idp->issuer, sel->subject, ret);
		} else {
			struct scan_ctx c = {.sel = sel};

			r = fedjit_store_foreach_user(s, scan_cb, &c);
			if (r >= 0)
				r = c.found ? c.r : -ENOENT;
			if (r == 0)
				*ret = c.found;
		}
	}
	if (r == -ENOENT)
		return fedjit_cli_error("no account %s", what);
	if (r < 0)
		return fedjit_cli_error("%s: %s", what, fedjit_store_strerror(r));
	return 0;
}

/* Options shared by show, lock and unlock: NAME | --uid N | --idp NAME --subject SUB. */
static int parse_selector(const char *cmd, int argc, char **argv, bool allow_uid,
                          struct selector *sel, bool *json, bool *help)
{
	static const struct option options[] = {
	        {"uid", required_argument, NULL, 'u'},     {"idp", required_argument, NULL, 'i'},
	        {"subject", required_argument, NULL, 's'}, {"json", no_argument, NULL, 'j'},
	        {"help", no_argument, NULL, 'h'},          {0},
	};
	int c;

	*help = false;
	optind = 0;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case 'u': {
			char *end;
			unsigned long v;

			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (!allow_uid || errno || *end || end == optarg || v > UINT32_MAX ||
			    optarg[0] == '-')
				return fedjit_cli_usage_error(cmd, "--uid needs a number");
			sel->uid = (uint32_t)v;
			sel->by_uid = true;
			break;
		}
		case 'i':
			sel->idp = optarg;
			break;
		case 's':
			sel->subject = optarg;
			break;
		case 'j':
			if (!json)
				return fedjit_cli_usage_error(cmd, "--json is not an option here");
			*json = true;
			break;
		case 'h':
			*help = true;
			return 0;
		default:
			return fedjit_cli_usage_error(cmd, "unknown or incomplete option '%s'",
			                              argv[optind - 1]);
		}
	}
	if (optind < argc)
		sel->name = argv[optind++];
	if (optind < argc)
		return fedjit_cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if ((!!sel->idp) != (!!sel->subject))
		return fedjit_cli_usage_error(cmd, "--idp and --subject go together");
	if ((sel->name ? 1 : 0) + (sel->by_uid ? 1 : 0) + (sel->idp ? 1 : 0) != 1)
		return fedjit_cli_usage_error(cmd,
		                              "name one account: NAME%s or --idp NAME "
		                              "--subject SUB",
		                              allow_uid ? ", --uid N" : "");
	return 0;
}

/* ---- list ---- */

struct list_ctx {
	const char *idp, *domain;
	struct fedjit_user **v;
	size_t n, cap;
	int r;
};

static int list_cb(const struct fedjit_user_view *v, void *p)
{
	struct list_ctx *c = p;

	if (c->idp && strcasecmp(v->idp, c->idp) != 0)
		return 0;
	if (c->domain && strcasecmp(v->domain, c->domain) != 0)
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64;
		struct fedjit_user **nv = reallocarray(c->v, cap, sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		c->v = nv;
		c->cap = cap;
	}
	c->r = fedjit_user_from_view(v, &c->v[c->n]);
	if (c->r < 0)
		return c->r;
	c->n++;
	return 0;
}

static int cmp_user(const void *a, const void *b)
{
	return strcmp((*(struct fedjit_user *const *)a)->name,
	              (*(struct fedjit_user *const *)b)->name);
}

static int list_json(struct fedjit_store *s, struct list_ctx *c)
{
	json_t *arr = json_array();

	if (!arr)
		return fedjit_cli_error("out of memory");
	for (size_t i = 0; i < c->n; i++) {
		_cleanup_free_ uint32_t *gids = NULL;
		size_t n_gids = 0;
		int r = fedjit_store_get_gids(s, c->v[i]->name, &gids, &n_gids);

		if (r < 0 && r != -ENOENT) {
			json_decref(arr);
			return fedjit_cli_error("%s: %s", c->v[i]->name, fedjit_store_strerror(r));
		}
		if (json_array_append_new(arr, fedjit_json_user(c->v[i], gids, n_gids)) < 0) {
			json_decref(arr);
			return fedjit_cli_error("%s: cannot be written as JSON", c->v[i]->name);
		}
	}
	return fedjit_json_print(arr);
}

static int list_table(struct list_ctx *c)
{
	static const char *const titles[] = {"NAME",    "UID",     "DOMAIN",     "IDP",
	                                     "SUBJECT", "CREATED", "LAST LOGIN", "LOCKED"};
	struct fedjit_table *t = fedjit_table_new(FEDJIT_ELEMENTSOF(titles), titles);

	if (!t)
		return fedjit_cli_error("out of memory");
	for (size_t i = 0; i < c->n; i++) {
		const struct fedjit_user *u = c->v[i];
		char uid[16], created[32], last[32];
		const char *cells[] = {u->name,    uid,
		                       u->domain,  u->idp,
		                       u->subject, created,
		                       last,       u->flags & FEDJIT_USER_LOCKED ? "yes" : "no"};

		snprintf(uid, sizeof(uid), "%" PRIu32, u->uid);
		fedjit_cli_format_time(u->created, created, sizeof(created));
		fedjit_cli_format_time(u->last_login, last, sizeof(last));
		if (fedjit_table_add(t, cells) < 0) {
			fedjit_table_free(t);
			return fedjit_cli_error("out of memory");
		}
	}
	fedjit_table_print(t, stdout);
	fedjit_table_free(t);
	return FEDJIT_EXIT_OK;
}

static int user_list(struct fedjit_cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
	        {"idp", required_argument, NULL, 'i'},
	        {"domain", required_argument, NULL, 'd'},
	        {"json", no_argument, NULL, 'j'},
	        {"help", no_argument, NULL, 'h'},
	        {0},
	};
	struct list_ctx c = {0};
	struct fedjit_store *s = NULL;
	bool json = false;
	int opt, r;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 'i':
			c.idp = optarg;
			break;
		case 'd':
			c.domain = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			printf("Usage: fedjit user list [--idp NAME] [--domain NAME] [--json]\n"
			       "List the accounts in the store, sorted by name.\n");
			return FEDJIT_EXIT_OK;
		default:
			return fedjit_cli_usage_error(
			        "user list", "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return fedjit_cli_usage_error("user list", "unexpected argument '%s'",
		                              argv[optind]);
	r = fedjit_cli_open_ro(cli, &s);
	if (r != 0)
		return r;
	if (s) {
		r = fedjit_store_foreach_user(s, list_cb, &c);
		if (r < 0) {
			r = fedjit_cli_error("reading the store: %s", fedjit_store_strerror(r));
			goto out;
		}
	}
	if (c.n > 0)
		qsort(c.v, c.n, sizeof(*c.v), cmp_user);
	r = json ? list_json(s, &c) : list_table(&c);
out:
	for (size_t i = 0; i < c.n; i++)
		fedjit_user_free(c.v[i]);
	free(c.v);
	fedjit_store_close(s);
	return r;
}

/* ---- show ---- */

static void group_name(struct fedjit_store *s, uint32_t gid, char *buf, size_t size)
{
	struct fedjit_group *g = NULL;
	struct group *gr;

	if (fedjit_store_get_group_by_gid(s, gid, &g) == 0) {
		snprintf(buf, size, "%" PRIu32 "(%s)", gid, g->name);
		fedjit_group_free(g);
	} else if ((gr = getgrgid(gid))) { /* the fedjit NSS module is bypassed here */
		snprintf(buf, size, "%" PRIu32 "(%s)", gid, gr->gr_name);
	} else {
		snprintf(buf, size, "%" PRIu32, gid);
	}
}

/* "label: value", with control characters shown as '?' (the store keeps IdP
 * text as it came; a terminal must never get an escape sequence from it). */
static void field(const char *label, const char *value)
{
	printf("%-12s ", label);
	for (const char *p = value; *p; p++)
		putchar((unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p);
	putchar('\n');
}

static int show_text(struct fedjit_store *s, const struct fedjit_user *u, const uint32_t *gids,
                     size_t n_gids)
{
	char created[32], last[32], buf[300], num[16];

	fedjit_cli_format_time(u->created, created, sizeof(created));
	fedjit_cli_format_time(u->last_login, last, sizeof(last));
	field("name:", u->name);
	snprintf(num, sizeof(num), "%" PRIu32, u->uid);
	field("uid:", num);
	group_name(s, u->gid, buf, sizeof(buf));
	field("gid:", buf);
	field("gecos:", u->gecos);
	field("home:", u->home);
	field("shell:", u->shell);
	field("domain:", u->domain);
	field("idp:", u->idp);
	field("issuer:", u->issuer);
	field("subject:", u->subject);
	field("email:", u->email);
	field("created:", created);
	field("last login:", last);
	field("locked:", u->flags & FEDJIT_USER_LOCKED ? "yes" : "no");
	field("pending:", u->flags & FEDJIT_USER_PENDING ? "yes" : "no");
	printf("%-12s", "groups:");
	for (size_t i = 0; i < n_gids; i++) {
		group_name(s, gids[i], buf, sizeof(buf));
		printf(" %s", buf);
	}
	printf("\n");
	return FEDJIT_EXIT_OK;
}

static int user_show(struct fedjit_cli *cli, int argc, char **argv)
{
	struct selector sel = {0};
	struct fedjit_store *s = NULL;
	struct fedjit_user *u = NULL;
	_cleanup_free_ uint32_t *gids = NULL;
	size_t n_gids = 0;
	bool json = false, help;
	int r = parse_selector("user show", argc, argv, true, &sel, &json, &help);

	if (r != 0)
		return r;
	if (help) {
		printf("Usage: fedjit user show NAME|--uid N|--idp NAME --subject SUB [--json]\n"
		       "Show one account: its attributes, identity and groups.\n");
		return FEDJIT_EXIT_OK;
	}
	r = fedjit_cli_open_ro(cli, &s);
	if (r != 0)
		return r;
	r = find_user(cli, s, &sel, &u);
	if (r != 0)
		goto out;
	r = fedjit_store_get_gids(s, u->name, &gids, &n_gids);
	if (r < 0 && r != -ENOENT) {
		r = fedjit_cli_error("%s: %s", u->name, fedjit_store_strerror(r));
		goto out;
	}
	r = json ? fedjit_json_print(fedjit_json_user(u, gids, n_gids))
	         : show_text(s, u, gids, n_gids);
out:
	fedjit_user_free(u);
	fedjit_store_close(s);
	return r;
}

/* ---- lock / unlock ---- */

static int user_lock_unlock(struct fedjit_cli *cli, int argc, char **argv, bool lock)
{
	const char *cmd = lock ? "user lock" : "user unlock";
	struct selector sel = {0};
	struct fedjit_store *s = NULL;
	struct fedjit_user *u = NULL;
	bool help;
	int r = parse_selector(cmd, argc, argv, false, &sel, NULL, &help);

	if (r != 0)
		return r;
	if (help) {
		printf("Usage: fedjit %s NAME|--idp NAME --subject SUB\n"
		       "%s an account: a locked account is refused at login (PAM account "
		       "management).\n",
		       cmd, lock ? "Lock" : "Unlock");
		return FEDJIT_EXIT_OK;
	}
	r = fedjit_cli_open_rw(cli, false, &s);
	if (r != 0)
		return r;
	r = find_user(cli, s, &sel, &u);
	if (r != 0)
		goto out;
	/* By identity, the lock goes through the link so it hits exactly the
	 * account the identity owns. */
	if (sel.idp)
		r = fedjit_store_set_locked_by_link(s, u->issuer, u->subject, lock, NULL);
	else
		r = fedjit_store_set_locked(s, u->name, lock);
	if (r < 0) {
		r = fedjit_cli_error("%s: %s", u->name, fedjit_store_strerror(r));
		goto out;
	}
	printf("%s %s (uid %" PRIu32 ")\n", lock ? "locked" : "unlocked", u->name, u->uid);
	r = FEDJIT_EXIT_OK;
out:
	fedjit_user_free(u);
	fedjit_store_close(s);
	return r;
}

static int user_lock(struct fedjit_cli *cli, int argc, char **argv)
{
	return user_lock_unlock(cli, argc, argv, true);
}

static int user_unlock(struct fedjit_cli *cli, int argc, char **argv)
{
	return user_lock_unlock(cli, argc, argv, false);
}

/* ---- delete ---- */

static int user_delete(struct fedjit_cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
	        {"remove-home", no_argument, NULL, 'r'},
	        {"yes", no_argument, NULL, 'y'},
	        {"help", no_argument, NULL, 'h'},
	        {0},
	};
	struct fedjit_store *s = NULL;
	struct fedjit_user *u = NULL;
	bool remove_home = false, yes = false;
	char question[600];
	int opt, r;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "hy", options, NULL)) != -1) {
		switch (opt) {
		case 'r':
			remove_home = true;
			break;
		case 'y':
			yes = true;
			break;
		case 'h':
			printf("Usage: fedjit user delete NAME [--remove-home] [--yes]\n"
			       "Delete an account: its record, uid index, identity link, group "
			       "rows and "
			       "secrets;\nwith --remove-home its home directory too. Asks first "
			       "unless "
			       "--yes.\n");
			return FEDJIT_EXIT_OK;
		default:
			return fedjit_cli_usage_error("user delete",
			                              "unknown or incomplete option '%s'",
			                              argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return fedjit_cli_usage_error("user delete", "name one account");
	r = fedjit_cli_open_rw(cli, false, &s);
	if (r != 0)
		return r;
	r = fedjit_store_get_user(s, argv[optind], &u);
	if (r < 0) {
		r = fedjit_cli_error("%s: %s", argv[optind],
		                     r == -ENOENT ? "no such account" : fedjit_store_strerror(r));
		goto out;
	}
	snprintf(question, sizeof(question), "Delete account %s (uid %" PRIu32 ", idp %s)%s%s?",
	         u->name, u->uid, u->idp, remove_home ? " and its home " : "",
	         remove_home ? u->home : "");
	r = fedjit_cli_confirm(yes, question);
	if (r <= 0) {
		r = r < 0 ? FEDJIT_EXIT_ERROR : fedjit_cli_error("nothing deleted");
		goto out;
	}
	r = fedjit_store_delete_account(s, u->name);
	if (r < 0) {
		r = fedjit_cli_error("%s: %s", u->name, fedjit_store_strerror(r));
		goto out;
	}
	fedjit_store_close(s);
	s = NULL;
	printf("removed account %s (uid %" PRIu32 ")\n", u->name, u->uid);
	r = fedjit_cli_after_delete(cli, &u->name, (const char *const *)&u->home, &u->uid, 1,
	                            remove_home);
out:
	fedjit_user_free(u);
	fedjit_store_close(s);
	return r;
}

int fedjit_cli_after_delete(struct fedjit_cli *cli, char *const *names, const char *const *homes,
                            const uint32_t *uids, size_t n, bool remove_home)
{
	struct fedjit_secret_store *ss = NULL;
	int r, status = FEDJIT_EXIT_OK;

	r = fedjit_cli_open_secret(cli, false, &ss);
	if (r != 0)
		status = r;
	for (size_t i = 0; ss && i < n; i++) {
		r = fedjit_secret_delete_user(ss, names[i]);
		if (r < 0)
			status = fedjit_cli_error("%s: removing its secrets: %s", names[i],
			                          fedjit_store_strerror(r));
	}
	fedjit_secret_close(ss);
	for (size_t i = 0; remove_home && homes && i < n; i++) {
		r = fedjit_cli_remove_home(homes[i], uids[i]);
		if (r == 0)
			printf("removed home %s\n", homes[i]);
		else if (r == -ENOENT)
			printf("no home %s\n", homes[i]);
		else if (r == -EPERM)
			status = fedjit_cli_error("%s: not removed (not a directory owned by uid "
			                          "%" PRIu32 ", or not a safe path)",
			                          homes[i], uids[i]);
		else
			status = fedjit_cli_error("%s: removing it: %s", homes[i], strerror(-r));
	}
	return status;
}

/* ---- set: attributes come from the IdP or the configuration ---- */

static const struct {
	const char *attr;
	const char *why;
} attr_sources[] = {
        {"name", "comes from the IdP's username claim and is bound to the identity"},
        {"gecos", "comes from the IdP's gecos_claim and is re-synced at each login; change "
                  "it at the IdP"},
        {"email", "comes from the IdP's email_claim and is re-synced at each login; change "
                  "it at the IdP"},
        {"groups", "come from the IdP's groups claim and the group_map of fedjit.conf; they "
                   "are re-synced at each login"},
        {"home", "follows the domain's home template in fedjit.conf"},
        {"shell", "follows the domain's shell setting in fedjit.conf"},
        {"uid", "never changes under an existing account (ids are deterministic)"},
        {"gid", "never changes under an existing account (ids are deterministic)"},
        {"domain", "is part of the account's identity and never changes"},
        {"idp", "is part of the account's identity and never changes"},
        {"issuer", "is part of the account's identity and never changes"},
        {"subject", "is part of the account's identity and never changes"},
        {"locked", "is changed with fedjit user lock / fedjit user unlock"},
};

static int user_set(struct fedjit_cli *cli, int argc, char **argv)
{
	if (argc >= 2 && fedjit_cli_is_help(argv[1])) {
		printf("Usage: fedjit user set NAME ATTRIBUTE=VALUE\n"
		       "Refused for every attribute: they come from the IdP (re-synced at each "
		       "login)\nor from the configuration. The message names the source.\n");
		return FEDJIT_EXIT_OK;
	}
	if (argc < 3)
		return fedjit_cli_usage_error("user set", "usage: fedjit user set NAME ATTR=VALUE");
	for (int i = 2; i < argc; i++) {
		size_t len = strcspn(argv[i], "=");

		if (argv[i][len] != '=')
			return fedjit_cli_usage_error("user set", "'%s' is not ATTRIBUTE=VALUE",
			                              argv[i]);
		for (size_t k = 0; k < FEDJIT_ELEMENTSOF(attr_sources); k++)
			if (strlen(attr_sources[k].attr) == len &&
			    strncmp(attr_sources[k].attr, argv[i], len) == 0)
				return fedjit_cli_error("%s: refusing to set %s: it %s", argv[1],
				                        attr_sources[k].attr, attr_sources[k].why);
		return fedjit_cli_usage_error("user set", "unknown attribute '%.*s'", (int)len,
		                              argv[i]);
	}
	return FEDJIT_EXIT_ERROR;
}

static const struct fedjit_cli_verb verbs[] = {
        {"list", user_list, "list accounts"},
        {"show", user_show, "show one account"},
        {"lock", user_lock, "lock an account (by name or by federated identity)"},
        {"unlock", user_unlock, "unlock an account"},
        {"delete", user_delete, "delete an account"},
        {"set", user_set, "(refused: attributes come from the IdP or the configuration)"},
        {NULL, NULL, NULL},
};

int fedjit_cmd_user(struct fedjit_cli *cli, int argc, char **argv)
{
	return fedjit_cli_dispatch(cli, "user", verbs, argc - 1, argv + 1);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* fedjit user list|show (and the dispatch; the writes are in cmd_user_edit.c). */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/account_state.h"
#include "common/config.h"
#include "common/escape.h"
#include "common/macro.h"

/* ---- selecting one account ---- */

struct scan_ctx {
	const struct fedjit_cli_selector *sel;
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
int fedjit_cli_find_user(struct fedjit_cli *cli, struct fedjit_store *s,
                         const struct fedjit_cli_selector *sel, struct fedjit_user **ret)
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
int fedjit_cli_parse_selector(const char *cmd, int argc, char **argv, bool allow_uid,
                              struct fedjit_cli_selector *sel, bool *json, bool *keep_sessions,
                              bool *help)
{
	static const struct option options[] = {
	        {"uid", required_argument, NULL, 'u'},
	        {"idp", required_argument, NULL, 'i'},
	        {"subject", required_argument, NULL, 's'},
	        {"json", no_argument, NULL, 'j'},
	        {"keep-sessions", no_argument, NULL, 'k'},
	        {"help", no_argument, NULL, 'h'},
	        {0},
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
		case 'k':
			if (!keep_sessions)
				return fedjit_cli_usage_error(
				        cmd, "--keep-sessions is not an option here");
			*keep_sessions = true;
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
		if (!u->issuer[0]) {
			/* no personal data here (not root): unknown, not "never" */
			for (size_t k = 2; k <= 6; k++)
				cells[k] = "-";
		}
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
	if (s && !fedjit_store_has_private(s))
		fprintf(stderr, "fedjit: %s\n", FEDJIT_CLI_NO_PRIVATE);
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

/* "label: value", escaped (common/escape.h): the store keeps IdP text as it
 * came; a terminal must never get a line break or an escape sequence from it. */
static void field(const char *label, const char *value)
{
	printf("%-12s %s\n", label, FEDJIT_ESC(value));
}

/* ---- what the IdP last said (the private store, root only) ---- */

struct verification {
	bool known;                      /* the private store could be read */
	const char *unknown;             /* else why not */
	struct fedjit_account_state *st; /* NULL: no record */
	int refresh_token;               /* 1 held, 0 none */
};

static int read_verification(struct fedjit_store *s, const char *name, struct verification *v)
{
	int r;

	*v = (struct verification){0};
	if (!fedjit_store_has_private(s)) {
		v->unknown = "the private store needs root";
		return 0;
	}
	r = fedjit_store_get_state(s, name, &v->st);
	if (r == -ENOENT)
		r = 0;
	if (r == 0)
		r = fedjit_store_has_refresh_token(s, name);
	if (r < 0)
		return fedjit_cli_error("%s: reading its state: %s", name,
		                        fedjit_store_strerror(r));
	v->refresh_token = r;
	v->known = true;
	return 0;
}

/* A locked account without a recorded reason was locked by the administrator. */
static const char *lock_reason(const struct fedjit_user *u, const struct verification *v)
{
	if (!(u->flags & FEDJIT_USER_LOCKED))
		return "none";
	if (v->st && v->st->lock_reason == FEDJIT_LOCK_IDP)
		return fedjit_lock_reason_string(FEDJIT_LOCK_IDP);
	return fedjit_lock_reason_string(FEDJIT_LOCK_ADMIN);
}

static const char *verified_by(unsigned by)
{
	return by == FEDJIT_VERIFIED_LOGIN     ? "device-flow login"
	       : by == FEDJIT_VERIFIED_REFRESH ? "revalidation"
	                                       : "never";
}

static void show_verification(const struct fedjit_user *u, const struct verification *v)
{
	char when[32], buf[128];

	if (!v->known) {
		printf("%-12s unknown (%s)\n", "verified:", v->unknown);
		printf("%-12s %s\n", "lock reason:", u->flags & FEDJIT_USER_LOCKED ? "?" : "none");
		return;
	}
	if (v->st && v->st->last_verified) {
		fedjit_cli_format_time(v->st->last_verified, when, sizeof(when));
		snprintf(buf, sizeof(buf), "%s (%s)", when, verified_by(v->st->verified_by));
	} else {
		snprintf(buf, sizeof(buf), "never");
	}
	printf("%-12s %s\n", "verified:", buf);
	if (v->st && v->st->last_check) {
		fedjit_cli_format_time(v->st->last_check, when, sizeof(when));
		snprintf(buf, sizeof(buf), "%s (%s)", when,
		         fedjit_check_result_string(v->st->check_result));
	} else {
		snprintf(buf, sizeof(buf), "never");
	}
	printf("%-12s %s\n", "last check:", buf);
	printf("%-12s %s\n", "lock reason:", lock_reason(u, v));
	/* whether one is held, never the token */
	printf("%-12s %s\n", "refresh:", v->refresh_token ? "token held" : "none");
}

/*
 * The same for --json, as "verification" (null when unknown, as non-root):
 *   {"last_verified": UNIX (0 never), "verified_by": "never"|"login"|"refresh",
 *    "last_check": UNIX, "check_result": "never"|"ok"|"unreachable"|"disabled"|
 *    "no_token"|"error", "lock_reason": "none"|"administrator"|"idp",
 *    "refresh_token": true|false}
 * the words of op=revalidate's result (pam/proto/proto.h).
 */
static json_t *json_verification(const struct fedjit_user *u, const struct verification *v)
{
	static const char *const by[] = {"never", "login", "refresh"};
	static const char *const checks[] = {"never",    "ok",       "unreachable",
	                                     "disabled", "no_token", "error"};
	unsigned b = v->st ? v->st->verified_by : 0, c = v->st ? v->st->check_result : 0;
	const char *reason = "none";

	if (!v->known)
		return json_null();
	if (u->flags & FEDJIT_USER_LOCKED)
		reason = v->st && v->st->lock_reason == FEDJIT_LOCK_IDP ? "idp" : "administrator";
	return json_pack("{s:I, s:s, s:I, s:s, s:s, s:b}", "last_verified",
	                 (json_int_t)(v->st ? v->st->last_verified : 0), "verified_by",
	                 b < FEDJIT_ELEMENTSOF(by) ? by[b] : "unknown", "last_check",
	                 (json_int_t)(v->st ? v->st->last_check : 0), "check_result",
	                 c < FEDJIT_ELEMENTSOF(checks) ? checks[c] : "unknown", "lock_reason",
	                 reason, "refresh_token", v->refresh_token == 1);
}

static int show_text(struct fedjit_store *s, const struct fedjit_user *u, const uint32_t *gids,
                     size_t n_gids, const struct verification *v)
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
	show_verification(u, v);
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
	struct fedjit_cli_selector sel = {0};
	struct fedjit_store *s = NULL;
	struct fedjit_user *u = NULL;
	struct verification v = {0};
	_cleanup_free_ uint32_t *gids = NULL;
	size_t n_gids = 0;
	bool json = false, help;
	int r = fedjit_cli_parse_selector("user show", argc, argv, true, &sel, &json, NULL, &help);

	if (r != 0)
		return r;
	if (help) {
		printf("Usage: fedjit user show NAME|--uid N|--idp NAME --subject SUB [--json]\n"
		       "Show one account: its attributes, identity and groups, and (root) when "
		       "the\n"
		       "IdP last vouched for it, why it is locked, whether a refresh token is "
		       "held.\n");
		return FEDJIT_EXIT_OK;
	}
	r = fedjit_cli_open_ro(cli, &s);
	if (r != 0)
		return r;
	if (s && !fedjit_store_has_private(s))
		fprintf(stderr, "fedjit: %s\n", FEDJIT_CLI_NO_PRIVATE);
	r = fedjit_cli_find_user(cli, s, &sel, &u);
	if (r != 0)
		goto out;
	r = fedjit_store_get_gids(s, u->name, &gids, &n_gids);
	if (r < 0 && r != -ENOENT) {
		r = fedjit_cli_error("%s: %s", u->name, fedjit_store_strerror(r));
		goto out;
	}
	r = read_verification(s, u->name, &v);
	if (r != 0)
		goto out;
	if (json) {
		json_t *j = fedjit_json_user(u, gids, n_gids);

		if (j && json_object_set_new(j, "verification", json_verification(u, &v)) < 0) {
			json_decref(j);
			j = NULL;
		}
		r = fedjit_json_print(j);
	} else {
		r = show_text(s, u, gids, n_gids, &v);
	}
out:
	fedjit_account_state_free(v.st);
	fedjit_user_free(u);
	fedjit_store_close(s);
	return r;
}

static const struct fedjit_cli_verb verbs[] = {
        {"list", user_list, "list accounts"},
        {"show", user_show, "show one account"},
        {"lock", fedjit_cli_user_lock, "lock an account (by name or by federated identity)"},
        {"unlock", fedjit_cli_user_unlock, "unlock an account"},
        {"delete", fedjit_cli_user_delete, "delete an account"},
        {"set", fedjit_cli_user_set,
         "(refused: attributes come from the IdP or the configuration)"},
        {NULL, NULL, NULL},
};

int fedjit_cmd_user(struct fedjit_cli *cli, int argc, char **argv)
{
	return fedjit_cli_dispatch(cli, "user", verbs, argc - 1, argv + 1);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fedjit revalidate [--sessions] [--stale] [--all] [NAME...]: ask the IdP again about
 * accounts, without the person, through fedjit-helper's op=revalidate
 * (pam/proto/proto.h, REVALIDATION): one helper run per account, one after the
 * other, a line per account and a summary. The tool has no network code of its own
 * (ARCHITECTURE.md invariant 1).
 *
 * Which accounts:
 *   NAME...     those (asked even when verified recently: force=1)
 *   --all       every account that is not locked (force=1)
 *   --sessions  every account that is not locked and has a live session or a
 *               running process (common/sessions.h: logind's state files, utmp,
 *               /proc), force=1: what the timer runs, so that a person who is
 *               logged in is cut off within one period after the IdP disables
 *               them. Accounts without one cost nothing: the account phase
 *               revalidates them at their next login.
 *   --stale     every account that is not locked (force=0): the helper asks the
 *               IdP only when the last verification is older than the IdP's
 *               revalidate_after, and answers "fresh" otherwise
 * --sessions and --stale combine (an account chosen by both is asked once, with
 * force=1). Locked accounts are never chosen by a selection (revalidation never
 * lifts a lock); by NAME the helper says "locked".
 *
 * Exit status: 0 when every account was answered (ok, fresh, disabled, locked,
 * no refresh token); 1 when the IdP could not be reached for one, or the helper
 * failed, or a name is not an account; 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "cli/cli.h"
#include "common/config.h"
#include "common/macro.h"
#include "common/sessions.h"
#include "pam/proto/proto.h"
#include "pam/proto/spawn.h"

/* The helper's own cap on a revalidation is 60 s (proto.h); this is the
 * tool's bound on one helper run, above it. */
#define REVALIDATE_TIMEOUT 60
#define RUN_DEADLINE_SEC   (REVALIDATE_TIMEOUT + 30)

struct target {
	char *name;
	char *idp; /* the account's IdP, from the store; NULL: not an account */
	bool force;
};

struct selection {
	struct target *v;
	size_t n, cap;
};

/* How the runs ended, for the summary. */
enum outcome {
	OUT_OK,
	OUT_FRESH,
	OUT_DISABLED,
	OUT_LOCKED,
	OUT_NO_TOKEN,
	OUT_FAILED,
	OUT_MAX,
	OUT_UNREACHABLE = OUT_MAX, /* counted as failed */
};
static const char *const outcome_names[OUT_MAX] = {
        [OUT_OK] = "ok",
        [OUT_FRESH] = "fresh",
        [OUT_DISABLED] = "disabled at the IdP",
        [OUT_LOCKED] = "locked",
        [OUT_NO_TOKEN] = "without a refresh token",
        [OUT_FAILED] = "failed",
};

static int select_add(struct selection *sel, const char *name, const char *idp, bool force)
{
	for (size_t i = 0; i < sel->n; i++)
		if (strcmp(sel->v[i].name, name) == 0) {
			sel->v[i].force |= force;
			return 0;
		}
	if (sel->n == sel->cap) {
		size_t cap = sel->cap ? 2 * sel->cap : 32;
		struct target *nv = reallocarray(sel->v, cap, sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		sel->v = nv;
		sel->cap = cap;
	}
	sel->v[sel->n].name = strdup(name);
	sel->v[sel->n].idp = idp ? strdup(idp) : NULL;
	if (!sel->v[sel->n].name || (idp && !sel->v[sel->n].idp)) {
		free(sel->v[sel->n].name);
		free(sel->v[sel->n].idp);
		return -ENOMEM;
	}
	sel->v[sel->n++].force = force;
	return 0;
}

static void select_clear(struct selection *sel)
{
	for (size_t i = 0; i < sel->n; i++) {
		free(sel->v[i].name);
		free(sel->v[i].idp);
	}
	free(sel->v);
}

static int cmp_target(const void *a, const void *b)
{
	return strcmp(((const struct target *)a)->name, ((const struct target *)b)->name);
}

/* ---- selecting ---- */

struct walk {
	struct selection *sel;
	bool only_live; /* only the uids in live (sorted) */
	const uint32_t *live;
	size_t n_live;
	bool force;
};

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int walk_cb(const struct fedjit_user_view *v, void *userdata)
{
	struct walk *w = userdata;

	if (v->flags & FEDJIT_USER_LOCKED)
		return 0;
	if (w->only_live &&
	    (w->n_live == 0 || !bsearch(&v->uid, w->live, w->n_live, sizeof(*w->live), cmp_u32)))
		return 0;
	return select_add(w->sel, v->name, v->idp, w->force);
}

/* utmp names are account names: the store says which uid, fedjit's accounts only. */
static uint32_t utmp_lookup(const char *name, void *userdata)
{
	struct fedjit_store *s = userdata;
	struct fedjit_user *u = NULL;
	uint32_t uid = 0;

	if (fedjit_store_get_user(s, name, &u) == 0)
		uid = u->uid;
	fedjit_user_free(u);
	return uid;
}

/* Accounts named on the command line: their IdP from the store, when they are
 * accounts (the helper says what the others are). */
static int select_names(struct fedjit_cli *cli, char **names, int n, struct selection *sel)
{
	struct fedjit_store *s = NULL;
	int r = fedjit_cli_open_ro(cli, &s);

	if (r != 0)
		return r;
	for (int i = 0; r == 0 && i < n; i++) {
		struct fedjit_user *u = NULL;

		if (!s || fedjit_store_get_user(s, names[i], &u) < 0)
			u = NULL;
		if (select_add(sel, names[i], u ? u->idp : NULL, true) < 0)
			r = fedjit_cli_error("out of memory");
		fedjit_user_free(u);
	}
	fedjit_store_close(s);
	return r;
}

static int select_accounts(struct fedjit_cli *cli, bool all, bool sessions, bool stale,
                           struct selection *sel)
{
	struct fedjit_store *s = NULL;
	_cleanup_free_ uint32_t *live = NULL;
	size_t n_live = 0;
	int r = fedjit_cli_open_ro(cli, &s);

	if (r != 0)
		return r;
	if (!s)
		return 0; /* no store: no accounts */
	if (sessions) {
		r = fedjit_sessions_live_uids(NULL, NULL, utmp_lookup, s, &live, &n_live);
		if (r < 0) {
			fedjit_store_close(s);
			return fedjit_cli_error("finding the live sessions: %s", strerror(-r));
		}
		struct walk w = {.sel = sel,
		                 .only_live = true,
		                 .live = live,
		                 .n_live = n_live,
		                 .force = true};

		r = fedjit_store_foreach_user(s, walk_cb, &w);
	}
	if (r >= 0 && (all || stale)) {
		struct walk w = {.sel = sel, .force = all};

		r = fedjit_store_foreach_user(s, walk_cb, &w);
	}
	fedjit_store_close(s);
	if (r < 0)
		return fedjit_cli_error("reading the store: %s", fedjit_store_strerror(r));
	if (sel->n > 0)
		qsort(sel->v, sel->n, sizeof(*sel->v), cmp_target);
	return 0;
}

/* ---- one helper run ---- */

/* Read until msg=result (the helper sends nothing else for this op; anything
 * else is a newer helper's optional message). 0 and the result in m, or -errno. */
static int await_result(int fd, struct fedjit_msg *m, uint64_t deadline)
{
	for (;;) {
		int r = fedjit_msg_recv(fd, m, deadline);

		if (r < 0)
			return r;
		if (strcmp(fedjit_msg_type(m), "result") == 0)
			return 0;
	}
}

static bool flag(const struct fedjit_msg *m, const char *key)
{
	bool v = false;

	return fedjit_msg_get_bool(m, key, &v) == 0 && v;
}

/* One line about one account's result; its outcome. */
static enum outcome report(const char *name, const struct fedjit_msg *m)
{
	const char *status = fedjit_msg_get(m, "status") ?: "error";
	const char *message = fedjit_msg_get(m, "message");
	const char *log = fedjit_msg_get(m, "log");
	char extra[200] = "";
	enum outcome o;

	if (strcmp(status, "ok") == 0) {
		snprintf(extra, sizeof(extra), "verified now%s%s",
		         flag(m, "groups_changed") ? "; groups changed" : "",
		         flag(m, "token_rotated") ? "; refresh token rotated" : "");
		o = OUT_OK;
	} else if (strcmp(status, "fresh") == 0) {
		snprintf(extra, sizeof(extra), "verified recently; the IdP was not asked");
		o = OUT_FRESH;
	} else if (strcmp(status, "disabled") == 0) {
		snprintf(extra, sizeof(extra), "locked; %s",
		         flag(m, "sessions_ended") ? "sessions ended" : "no session to end");
		o = OUT_DISABLED;
	} else if (strcmp(status, "locked") == 0) {
		snprintf(extra, sizeof(extra), "not asked; lock reason: %s",
		         fedjit_msg_get(m, "lock_reason") ?: "?");
		o = OUT_LOCKED;
	} else if (strcmp(status, "no_token") == 0) {
		snprintf(extra, sizeof(extra),
		         "no refresh token held; the next device-flow login "
		         "brings one");
		o = OUT_NO_TOKEN;
	} else if (strcmp(status, "unreachable") == 0) {
		snprintf(extra, sizeof(extra), "nothing changed; %s",
		         flag(m, "offline_ok") ? "within the offline grace"
		                               : "past the offline grace");
		o = OUT_UNREACHABLE;
	} else {
		o = OUT_FAILED;
	}
	printf("%s: %s", name, strcmp(status, "disabled") == 0 ? "disabled at the IdP" : status);
	if (extra[0])
		printf(" (%s)", extra);
	if (message && (o == OUT_FAILED || o == OUT_UNREACHABLE))
		printf(": %s", message);
	if (log && (o == OUT_FAILED || o == OUT_UNREACHABLE))
		printf(" [%s]", log);
	printf("\n");
	if (strcmp(status, "unsupported") == 0)
		fedjit_cli_error(
		        "the helper does not implement op=revalidate (a helper from before "
		        "this tool?)");
	return o;
}

static enum outcome revalidate_one(struct fedjit_cli *cli, const char *helper, bool debug,
                                   const struct target *t)
{
	struct fedjit_helper_proc h = FEDJIT_HELPER_PROC_INIT;
	_cleanup_msg_ struct fedjit_msg *m = fedjit_msg_new();
	uint64_t deadline = fedjit_proto_now_usec() + (uint64_t)RUN_DEADLINE_SEC * 1000000;
	enum outcome o = OUT_FAILED;
	int r, wstatus = 0;

	if (!m) {
		fedjit_cli_error("out of memory");
		return OUT_FAILED;
	}
	if (fedjit_cli_helper_request(cli, m, "revalidate", debug, REVALIDATE_TIMEOUT) != 0 ||
	    fedjit_msg_add(m, "user", t->name) < 0 ||
	    fedjit_msg_add_bool(m, "force", t->force) < 0 ||
	    fedjit_msg_add(m, "service", "revalidate") < 0) {
		fedjit_cli_error("building the request failed");
		return OUT_FAILED;
	}
	fflush(stdout);
	r = fedjit_helper_spawn(helper, &h);
	if (r < 0) {
		printf("%s: error (starting %s: %s)\n", t->name, helper, strerror(-r));
		return OUT_FAILED;
	}
	r = fedjit_msg_send(h.fd, m, deadline);
	if (r >= 0)
		r = await_result(h.fd, m, deadline);
	if (r >= 0)
		o = report(t->name, m);
	else if (r == -ETIMEDOUT)
		printf("%s: error (the helper did not answer within %d s)\n", t->name,
		       RUN_DEADLINE_SEC);
	else
		printf("%s: error (the helper ended without a result: %s)\n", t->name,
		       strerror(-r));
	if (fedjit_helper_finish(&h, 2000000, &wstatus) == 0 && WIFEXITED(wstatus) &&
	    WEXITSTATUS(wstatus) == 127 && r < 0)
		fedjit_cli_error("%s could not be run", helper);
	return o;
}

/* ---- the command ---- */

static const char usage[] =
        "Usage: fedjit revalidate [--sessions] [--stale] [--all] [NAME...] [--helper PATH]\n"
        "                         [--debug]\n"
        "Ask the IdP again about accounts, with the refresh token of their last\n"
        "device-flow login: an account the IdP no longer knows is locked (\"disabled at\n"
        "the IdP\") and its sessions end; otherwise its groups are re-synced.\n"
        "  NAME...     these accounts, even when verified recently\n"
        "  --sessions  accounts with a live session or running process (the timer)\n"
        "  --stale     accounts verified longer ago than their IdP's revalidate_after\n"
        "  --all       every account that is not locked\n"
        "Exit status: 0 every account answered, 1 an IdP unreachable or an error.\n";

int fedjit_cmd_revalidate(struct fedjit_cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
	        {"all", no_argument, NULL, 'a'},
	        {"sessions", no_argument, NULL, 's'},
	        {"stale", no_argument, NULL, 'S'},
	        {"helper", required_argument, NULL, 'H'},
	        {"debug", no_argument, NULL, 'D'},
	        {"help", no_argument, NULL, 'h'},
	        {0},
	};
	const char *helper = FEDJIT_HELPER_PATH;
	struct selection sel = {0};
	unsigned counts[OUT_MAX] = {0};
	_cleanup_free_ enum outcome *outcome_of = NULL;
	bool all = false, sessions = false, stale = false, debug = false, failed = false;
	const struct fedjit_config *config;
	int opt, r;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 'a':
			all = true;
			break;
		case 's':
			sessions = true;
			break;
		case 'S':
			stale = true;
			break;
		case 'H':
			helper = optarg;
			break;
		case 'D':
			debug = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return FEDJIT_EXIT_OK;
		default:
			return fedjit_cli_usage_error("revalidate",
			                              "unknown or incomplete option '%s'",
			                              argv[optind - 1]);
		}
	}
	if ((all || sessions || stale) == (optind < argc))
		return fedjit_cli_usage_error("revalidate",
		                              "name accounts, or choose them with --sessions, "
		                              "--stale or --all");
	if (all && (sessions || stale))
		return fedjit_cli_usage_error("revalidate",
		                              "--all includes --sessions and --stale");
	/* The helper reads the secret store and the IdP's secrets, and drops root itself. */
	r = fedjit_cli_need_root("revalidate");
	if (r != 0)
		return r;
	r = fedjit_cli_config(cli, true, &config);
	if (r != 0)
		return r;
	r = optind < argc ? select_names(cli, argv + optind, argc - optind, &sel)
	                  : select_accounts(cli, all, sessions, stale, &sel);
	if (r == 0 && sel.n > 0 && !(outcome_of = calloc(sel.n, sizeof(*outcome_of))))
		r = fedjit_cli_error("out of memory");
	if (r != 0) {
		select_clear(&sel);
		return r;
	}
	for (size_t i = 0; i < sel.n; i++) {
		enum outcome o;
		bool down = false;

		/* An IdP that did not answer is not asked again in this run: a
		 * hanging IdP costs one timeout, not one per account. */
		for (size_t k = 0; sel.v[i].idp && k < i && !down; k++)
			down = sel.v[k].idp && strcmp(sel.v[k].idp, sel.v[i].idp) == 0 &&
			       outcome_of[k] == OUT_UNREACHABLE;
		if (down) {
			printf("%s: unreachable (not asked: IdP %s did not answer earlier in this "
			       "run)\n",
			       sel.v[i].name, sel.v[i].idp);
			o = OUT_UNREACHABLE;
		} else {
			o = revalidate_one(cli, helper, debug, &sel.v[i]);
		}
		outcome_of[i] = o;
		counts[o == OUT_UNREACHABLE ? OUT_FAILED : o]++;
		failed |= o == OUT_FAILED || o == OUT_UNREACHABLE;
	}
	printf("revalidated %zu account%s", sel.n, sel.n == 1 ? "" : "s");
	for (int o = 0, first = 1; o < OUT_MAX; o++)
		if (counts[o]) {
			printf("%s %u %s", first ? ":" : ",", counts[o], outcome_names[o]);
			first = 0;
		}
	printf("\n");
	select_clear(&sel);
	return failed ? FEDJIT_EXIT_ERROR : FEDJIT_EXIT_OK;
}

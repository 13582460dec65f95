/* SPDX-License-Identifier: Apache-2.0 */
/* fedjit user lock|unlock|delete|set: the commands that change accounts (or refuse to). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/account_state.h"
#include "common/audit.h"
#include "common/macro.h"
#include "common/sessions.h"

/* ---- lock / unlock ---- */

/* The lock reason in the private store (erasing the refresh token on a lock). */
static int record_lock_reason(struct fedjit_store *s, const char *name,
                              enum fedjit_lock_reason reason, enum fedjit_lock_reason *ret_before)
{
	struct fedjit_account_state *st = NULL;
	int r;

	*ret_before = FEDJIT_LOCK_NONE;
	if (fedjit_store_get_state(s, name, &st) == 0)
		*ret_before = (enum fedjit_lock_reason)st->lock_reason;
	fedjit_account_state_free(st);
	r = fedjit_store_set_lock_reason(s, name, reason);
	if (r < 0)
		return fedjit_cli_error("%s: recording the lock reason: %s", name,
		                        fedjit_store_strerror(r));
	return 0;
}

/* End the account's sessions (or say how many processes keep running) and
 * write the lock's audit record. Returns an exit status. */
static int after_lock(const struct fedjit_user *u, bool was_locked, bool keep_sessions)
{
	struct fedjit_sessions_result res;
	char reason[300];
	int r = FEDJIT_EXIT_OK;

	if (keep_sessions) {
		int n = fedjit_sessions_count_processes(u->uid);

		snprintf(res.text, sizeof(res.text), "kept (%d process%s running)", n < 0 ? 0 : n,
		         n == 1 ? "" : "es");
	} else if (fedjit_sessions_end(u->uid, FEDJIT_SESSIONS_GRACE_MS, &res) < 0) {
		r = fedjit_cli_error("%s (uid %" PRIu32 "): sessions not ended: %s", u->name,
		                     u->uid, res.text);
	}
	printf("sessions: %s\n", res.text);
	snprintf(reason, sizeof(reason), "administrator%s; sessions: %s",
	         was_locked ? " (was locked already)" : "", res.text);
	fedjit_audit_account(FEDJIT_AUDIT_LOCK, u->name, u->uid, "admin", reason, true);
	return r;
}

static const char lock_help[] =
        "Usage: fedjit user lock NAME|--idp NAME --subject SUB [--keep-sessions]\n"
        "Lock an account: it is refused at login (PAM account management), its refresh\n"
        "token is erased, and its running sessions and processes end (logind, then\n"
        "SIGTERM and SIGKILL) unless --keep-sessions.\n";
static const char unlock_help[] =
        "Usage: fedjit user unlock NAME|--idp NAME --subject SUB\n"
        "Unlock an account, whoever locked it (the administrator or a revalidation that\n"
        "found it disabled at the IdP). The next login or revalidation asks the IdP again.\n";

static int user_lock_unlock(struct fedjit_cli *cli, int argc, char **argv, bool lock)
{
	const char *cmd = lock ? "user lock" : "user unlock";
	struct fedjit_cli_selector sel = {0};
	struct fedjit_store *s = NULL;
	struct fedjit_user *u = NULL;
	enum fedjit_lock_reason before = FEDJIT_LOCK_NONE;
	bool help, keep = false, was_locked;
	int r = fedjit_cli_parse_selector(cmd, argc, argv, false, &sel, NULL, lock ? &keep : NULL,
	                                  &help);

	if (r != 0)
		return r;
	if (help) {
		fputs(lock ? lock_help : unlock_help, stdout);
		return FEDJIT_EXIT_OK;
	}
	r = fedjit_cli_open_rw(cli, false, &s);
	if (r != 0)
		return r;
	r = fedjit_cli_find_user(cli, s, &sel, &u);
	if (r != 0)
		goto out;
	was_locked = u->flags & FEDJIT_USER_LOCKED;
	/* By identity, the lock goes through the link so it hits exactly the
	 * account the identity owns. */
	if (sel.idp)
		r = fedjit_store_set_locked_by_link(s, u->issuer, u->subject, lock, NULL);
	else
		r = fedjit_store_set_locked(s, u->name, lock);
	if (r < 0) {
		fedjit_audit_account(lock ? FEDJIT_AUDIT_LOCK : FEDJIT_AUDIT_UNLOCK, u->name,
		                     u->uid, "admin", fedjit_store_strerror(r), false);
		r = fedjit_cli_error("%s: %s", u->name, fedjit_store_strerror(r));
		goto out;
	}
	r = record_lock_reason(s, u->name, lock ? FEDJIT_LOCK_ADMIN : FEDJIT_LOCK_NONE, &before);
	fedjit_store_close(s);
	s = NULL;
	printf("%s %s (uid %" PRIu32 ")\n", lock ? "locked" : "unlocked", u->name, u->uid);
	if (lock) {
		int r2 = after_lock(u, was_locked, keep);

		r = r ? r : r2;
	} else {
		char reason[200];

		snprintf(reason, sizeof(reason), "administrator; was %s",
		         !was_locked                 ? "not locked"
		         : before == FEDJIT_LOCK_IDP ? "disabled at the IdP"
		                                     : "locked by the administrator");
		fedjit_audit_account(FEDJIT_AUDIT_UNLOCK, u->name, u->uid, "admin", reason, true);
	}
out:
	fedjit_user_free(u);
	fedjit_store_close(s);
	return r;
}

int fedjit_cli_user_lock(struct fedjit_cli *cli, int argc, char **argv)
{
	return user_lock_unlock(cli, argc, argv, true);
}

int fedjit_cli_user_unlock(struct fedjit_cli *cli, int argc, char **argv)
{
	return user_lock_unlock(cli, argc, argv, false);
}

/* ---- delete ---- */

int fedjit_cli_user_delete(struct fedjit_cli *cli, int argc, char **argv)
{
	struct fedjit_cli_delete_opts o;
	struct fedjit_store *s = NULL;
	struct fedjit_user *u = NULL;
	char question[600];
	bool help;
	int r;

	r = fedjit_cli_parse_delete_opts(
	        "user delete",
	        "Usage: fedjit user delete NAME [--remove-home] [--yes]\n"
	        "Delete an account: its record, uid index, identity link, group rows and secrets;\n"
	        "with --remove-home its home directory too. Asks first unless --yes.\n",
	        "name one account", argc, argv, &o, &help);
	if (r != 0 || help)
		return r;
	r = fedjit_cli_open_rw(cli, false, &s);
	if (r != 0)
		return r;
	r = fedjit_store_get_user(s, o.operand, &u);
	if (r < 0) {
		r = fedjit_cli_error("%s: %s", o.operand,
		                     r == -ENOENT ? "no such account" : fedjit_store_strerror(r));
		goto out;
	}
	snprintf(question, sizeof(question), "Delete account %s (uid %" PRIu32 ", idp %s)%s%s?",
	         u->name, u->uid, u->idp, o.remove_home ? " and its home " : "",
	         o.remove_home ? u->home : "");
	r = fedjit_sessions_count_processes(u->uid);
	if (r > 0)
		fedjit_cli_warn("%s (uid %" PRIu32 ") has %d running process%s; they keep "
		                "running with a uid no name maps to",
		                u->name, u->uid, r, r == 1 ? "" : "es");
	r = fedjit_cli_confirm(o.yes, question);
	if (r <= 0) {
		r = r < 0 ? FEDJIT_EXIT_ERROR : fedjit_cli_error("nothing deleted");
		goto out;
	}
	r = fedjit_store_delete_account(s, u->name);
	fedjit_audit_account(FEDJIT_AUDIT_DELETE, u->name, u->uid, "admin",
	                     r < 0           ? fedjit_store_strerror(r)
	                     : o.remove_home ? "administrator, with its home"
	                                     : "administrator",
	                     r >= 0);
	if (r < 0) {
		r = fedjit_cli_error("%s: %s", u->name, fedjit_store_strerror(r));
		goto out;
	}
	fedjit_store_close(s);
	s = NULL;
	printf("removed account %s (uid %" PRIu32 ")\n", u->name, u->uid);
	r = fedjit_cli_after_delete(cli, &u->name, (const char *const *)&u->home, &u->uid, 1,
	                            o.remove_home);
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

int fedjit_cli_user_set(struct fedjit_cli *cli, int argc, char **argv)
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

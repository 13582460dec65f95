/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a login leaves for the account phase, and what a new account may not take:
 *  - the account state record (common/account_state.h) after every device-flow login
 *    of the account's owner, refused ones included; the refresh token only when the
 *    account may be used; a verification never changes a lock reason;
 *  - a new account never adopts a home that belongs to another uid (refused before
 *    anything is created, by the login and by its dry run alike), and takes over one
 *    its own uid owns (logged);
 *  - the decision of pam/provision/access.h on what was recorded: allowed_groups
 *    against the last verified groups, none recorded, the offline policy, escaping.
 * Needs root for the homes (chown): skips otherwise, except the pure decision tests.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/account_plan.h"
#include "pam/provision/provision_private.h"
#include "tests/unit/provision_fixture.h"

static struct fedjit_account_state *state_of(struct fx *f, const char *name)
{
	struct fedjit_store *s = NULL;
	struct fedjit_account_state *st = NULL;

	if (fedjit_store_open(f->db, FEDJIT_STORE_RDONLY, &s) < 0)
		return NULL;
	(void)fedjit_store_get_state(s, name, &st);
	fedjit_store_close(s);
	return st;
}

static char *token_of(struct fx *f, const char *name)
{
	struct fedjit_store *s = NULL;
	struct fedjit_refresh_token *t = NULL;
	char *copy = NULL;

	if (fedjit_store_open(f->db, FEDJIT_STORE_RDONLY, &s) < 0)
		return NULL;
	if (fedjit_store_get_refresh_token(s, name, &t) == 0)
		copy = strdup(t->token);
	fedjit_refresh_token_free(t);
	fedjit_store_close(s);
	return copy;
}

static void set_locked(struct fx *f, const char *name, enum fedjit_lock_reason why)
{
	struct fedjit_store *s = NULL;

	assert_int_equal(fedjit_store_open(f->db, 0, &s), 0);
	assert_int_equal(fedjit_store_set_locked(s, name, why != FEDJIT_LOCK_NONE), 0);
	assert_int_equal(fedjit_store_set_lock_reason(s, name, why), 0);
	fedjit_store_close(s);
}

static void test_login_records_state(void **state)
{
	struct fx *f = *state;
	struct fedjit_prov_result res;
	const char *groups[] = {"staff", "ops team", NULL};
	struct fedjit_identity id = fx_identity("sub-ana", "ana", groups);
	struct fedjit_account_state *st;
	char *tok;

	NEED_ROOT(f);
	fx_config(f, "", "provisioning = always\ndomain = PRIMARY\n");
	id.refresh_token = "rt-first";
	id.refresh_expires_in = 3600;
	assert_string_equal(fx_login(f, &id, "ana", &res), "ok");
	assert_int_equal(res.action, FEDJIT_PROV_CREATED);
	st = state_of(f, "ana");
	assert_non_null(st);
	assert_int_equal(st->last_verified, 1700000000);
	assert_int_equal(st->verified_by, FEDJIT_VERIFIED_LOGIN);
	assert_true(st->groups_claim);
	assert_int_equal(st->n_groups, 2);
	assert_string_equal(st->groups[1], "ops team");
	fedjit_account_state_free(st);
	tok = token_of(f, "ana");
	assert_non_null(tok);
	assert_string_equal(tok, "rt-first");
	free(tok);

	/* the next login: new groups (none, and no claim), the token rotated */
	id.groups = NULL;
	id.n_groups = 0;
	id.groups_claim = false;
	id.refresh_token = "rt-second";
	f->ctx.now = 1700000500;
	assert_string_equal(fx_login(f, &id, "ana", &res), "ok");
	st = state_of(f, "ana");
	assert_int_equal(st->last_verified, 1700000500);
	assert_false(st->groups_claim);
	assert_int_equal(st->n_groups, 0);
	fedjit_account_state_free(st);
	tok = token_of(f, "ana");
	assert_string_equal(tok, "rt-second");
	free(tok);

	/* a login without a new token keeps the one held */
	id.refresh_token = NULL;
	assert_string_equal(fx_login(f, &id, "ana", &res), "ok");
	tok = token_of(f, "ana");
	assert_string_equal(tok, "rt-second");
	free(tok);

	/* refused for allowed_groups: the groups that refused it are recorded (the
	 * account phase refuses SSH keys too), no token is kept */
	fx_config(f, "", "provisioning = always\ndomain = PRIMARY\nallowed_groups = admins\n");
	id.groups = groups;
	id.n_groups = 2;
	id.groups_claim = true;
	id.refresh_token = "rt-refused";
	f->ctx.now = 1700000600;
	assert_string_equal(fx_login(f, &id, "ana", &res), "not_allowed");
	st = state_of(f, "ana");
	assert_int_equal(st->last_verified, 1700000600);
	assert_int_equal(st->n_groups, 2);
	fedjit_account_state_free(st);
	tok = token_of(f, "ana");
	assert_string_equal(tok, "rt-second");
	free(tok);

	/* locked as disabled at the IdP: a device-flow login is refused with that
	 * reason, records the verification, keeps the reason, brings no token back */
	fx_config(f, "", "provisioning = always\ndomain = PRIMARY\n");
	set_locked(f, "ana", FEDJIT_LOCK_IDP);
	assert_null(token_of(f, "ana"));
	assert_string_equal(fx_login(f, &id, "ana", &res), "disabled");
	assert_non_null(strstr(res.log, "disabled at the IdP"));
	st = state_of(f, "ana");
	assert_int_equal(st->lock_reason, FEDJIT_LOCK_IDP);
	fedjit_account_state_free(st);
	assert_null(token_of(f, "ana"));
	/* the administrator's unlock, then a login: allowed, a token again */
	set_locked(f, "ana", FEDJIT_LOCK_NONE);
	assert_string_equal(fx_login(f, &id, "ana", &res), "ok");
	tok = token_of(f, "ana");
	assert_string_equal(tok, "rt-refused");
	free(tok);

	/* another identity's login records nothing for ana */
	struct fedjit_identity other = fx_identity("sub-zed", "ana", NULL);
	f->ctx.now = 1700009999;
	assert_string_equal(fx_login(f, &other, "ana", &res), "wrong_account");
	st = state_of(f, "ana");
	assert_int_not_equal(st->last_verified, 1700009999);
	fedjit_account_state_free(st);

	/* a dry run (fedjit login-test) writes nothing */
	struct fedjit_prov_dry dry = {0};
	f->ctx.dry_run = &dry;
	id.refresh_token = "rt-dry";
	assert_string_equal(fx_login(f, &id, "ana", &res), "ok");
	f->ctx.dry_run = NULL;
	free(dry.groups);
	st = state_of(f, "ana");
	assert_int_not_equal(st->last_verified, 1700009999);
	fedjit_account_state_free(st);
	tok = token_of(f, "ana");
	assert_string_equal(tok, "rt-refused");
	free(tok);
}

static void test_home_of_someone_else(void **state)
{
	struct fx *f = *state;
	struct fedjit_prov_result res;
	struct fedjit_identity id = fx_identity("sub-bea", "bea", NULL);
	struct fedjit_prov_dry dry = {0};
	struct fedjit_account_plan plan;
	char home[600];
	struct stat st;

	NEED_ROOT(f);
	fx_config(f, "", "provisioning = always\ndomain = PRIMARY\n");
	assert_int_equal(
	        fedjit_account_plan(fedjit_config_domain(f->config, "PRIMARY"), "bea", NULL, &plan),
	        0);
	/* a deleted account's home of another uid, with its keys */
	snprintf(home, sizeof(home), "%s/bea", f->home_root);
	assert_int_equal(mkdir(f->home_root, 0755), 0);
	assert_int_equal(mkdir(home, 0700), 0);
	assert_int_equal(chown(home, 4242, 4242), 0);

	f->ctx.dry_run = &dry; /* fedjit login-test says the same */
	assert_string_equal(fx_login(f, &id, "bea", &res), "error");
	f->ctx.dry_run = NULL;
	free(dry.groups);
	assert_non_null(strstr(res.log, "belongs to uid 4242"));
	assert_string_equal(fx_login(f, &id, "bea", &res), "error");
	assert_non_null(strstr(res.log, "belongs to uid 4242, not to the new uid"));
	assert_non_null(strstr(res.message, "belongs to someone else"));
	assert_int_equal(fx_count_users(f), 0);
	assert_int_equal(stat(home, &st), 0);
	assert_int_equal(st.st_uid, 4242); /* untouched */

	/* non-blocking: refused before the commit as well */
	fx_config(f, "", "provisioning = always\ndomain = PRIMARY\nmode = non-blocking\n");
	assert_string_equal(fx_login(f, &id, "bea", &res), "error");
	assert_int_equal(fx_count_users(f), 0);

	/* a file where the home goes: refused too */
	assert_int_equal(rmdir(home), 0);
	assert_int_equal(symlink("/etc", home), 0);
	assert_string_equal(fx_login(f, &id, "bea", &res), "error");
	assert_non_null(strstr(res.log, "is not a directory"));
	assert_int_equal(unlink(home), 0);

	/* owned by the new uid (a shared home, or this uid's earlier account): taken */
	fx_config(f, "", "provisioning = always\ndomain = PRIMARY\n");
	assert_int_equal(mkdir(home, 0700), 0);
	assert_int_equal(chown(home, plan.uid, plan.gid), 0);
	assert_string_equal(fx_login(f, &id, "bea", &res), "ok");
	assert_int_equal(res.action, FEDJIT_PROV_CREATED);
}

/* ---- the decision on what was recorded (no store needed) ---- */

static const struct fedjit_idp *idp_with(struct fedjit_config **cfg, const char *body)
{
	char conf[1024];

	snprintf(conf, sizeof(conf),
	         "[idp t]\nissuer = https://idp.example\nclient_id = x\nprovisioning = always\n"
	         "domain = PRIMARY\n%s",
	         body);
	fedjit_config_free(*cfg);
	*cfg = NULL;
	assert_int_equal(fedjit_config_parse_buffer("t.conf", conf, strlen(conf), 0, cfg, NULL), 0);
	return fedjit_config_idp(*cfg, "t");
}

static void test_decide_recorded(void **unused)
{
	struct fedjit_config *cfg = NULL;
	char *g[] = {"staff", "a\nb\\c\x1b[31m", NULL};
	struct fedjit_account_state st = {
	        .last_verified = 1000,
	        .verified_by = FEDJIT_VERIFIED_LOGIN,
	        .groups_claim = true,
	        .groups = g,
	        .n_groups = 2,
	};
	struct fedjit_user u = {.name = "ana", .idp = "t", .issuer = "i", .subject = "s"};
	struct fedjit_access_in in = {.name = "ana", .named = &u, .state = &st, .now = 1000};
	struct fedjit_access a;

	idp_with(&cfg, "allowed_groups = staff\n");
	in.config = cfg;
	fedjit_access_decide(&in, &a);
	assert_int_equal(a.reason, FEDJIT_ACCESS_OK);
	assert_ptr_equal(a.account, &u);

	/* outside: the log names the groups, escaped (one line, no terminal escape) */
	idp_with(&cfg, "allowed_groups = admins\n");
	in.config = cfg;
	fedjit_access_decide(&in, &a);
	assert_int_equal(a.reason, FEDJIT_ACCESS_NOT_ALLOWED);
	assert_string_equal(a.status, "not_allowed");
	assert_non_null(strstr(a.log, "last verified groups: staff,a\\x0ab\\x5cc\\x1b[31m"));
	assert_null(strchr(a.log, '\n'));
	assert_null(strchr(a.log, '\x1b'));

	/* nothing recorded yet: allowed_groups cannot be judged */
	in.state = NULL;
	fedjit_access_decide(&in, &a);
	assert_int_equal(a.reason, FEDJIT_ACCESS_GROUPS_UNKNOWN);
	assert_string_equal(a.status, "unverified");

	/* the offline policy: revalidate_after + offline_grace since the last verification */
	idp_with(&cfg, "revalidate_after = 100\noffline_grace = 50\n");
	in.config = cfg;
	in.state = &st;
	in.now = 1150;
	fedjit_access_decide(&in, &a);
	assert_int_equal(a.reason, FEDJIT_ACCESS_OK);
	in.now = 1151;
	fedjit_access_decide(&in, &a);
	assert_int_equal(a.reason, FEDJIT_ACCESS_STALE);
	assert_string_equal(a.status, "unverified");
	assert_non_null(strstr(a.log, "100 s (revalidate_after) + 50 s (offline_grace)"));
	in.state = NULL; /* never verified */
	fedjit_access_decide(&in, &a);
	assert_int_equal(a.reason, FEDJIT_ACCESS_STALE);
	assert_non_null(strstr(a.log, "last verified by IdP t never"));
	/* revalidate_after = 0: no offline policy */
	idp_with(&cfg, "revalidate_after = 0\n");
	in.config = cfg;
	fedjit_access_decide(&in, &a);
	assert_int_equal(a.reason, FEDJIT_ACCESS_OK);
	/* a login is a verification itself: no offline policy with an identity */
	struct fedjit_identity id = {.issuer = "i", .subject = "s"};
	idp_with(&cfg, "revalidate_after = 100\n");
	in.config = cfg;
	in.idp = fedjit_config_idp(cfg, "t");
	in.id = &id;
	in.owned = &u;
	fedjit_access_decide(&in, &a);
	assert_int_equal(a.reason, FEDJIT_ACCESS_OK);

	/* the lock comes first, and says whose lock */
	u.flags = FEDJIT_USER_LOCKED;
	in.state = &st;
	fedjit_access_decide(&in, &a);
	assert_int_equal(a.reason, FEDJIT_ACCESS_LOCKED);
	st.lock_reason = FEDJIT_LOCK_IDP;
	fedjit_access_decide(&in, &a);
	assert_int_equal(a.reason, FEDJIT_ACCESS_DISABLED);
	assert_string_equal(a.status, "disabled");
	assert_string_equal(fedjit_access_message(a.reason),
	                    "This account was disabled by its identity provider.");

	/* every reason has a status; every refusal a message except unknown_user */
	for (int r = 0; r < FEDJIT_ACCESS_REASON_COUNT; r++) {
		assert_non_null(fedjit_access_status(r));
		if (r != FEDJIT_ACCESS_OK && r != FEDJIT_ACCESS_NEW && r != FEDJIT_ACCESS_NOT_OURS)
			assert_non_null(fedjit_access_message(r));
	}
	fedjit_config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_login_records_state, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_home_of_someone_else, fx_setup, fx_teardown),
	        cmocka_unit_test(test_decide_recorded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

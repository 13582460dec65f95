/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Provisioning from verified claims to a committed account, against a
 * temporary store (pam/provision/provision.h): modes, names, binding, groups,
 * associate_existing, the sshd rule. Needs root for the homes (chown): skips
 * otherwise.
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
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/account_plan.h"
#include "pam/provision/provision_private.h"
#include "tests/unit/provision_fixture.h"

static void test_create_silent(void **state)
{
	struct fx *f = *state;
	struct fedjit_prov_result res;
	struct fedjit_account_plan plan;
	struct fedjit_identity id = fx_identity("sub-alice", "Alice", NULL);
	char path[600];
	struct stat st;

	NEED_ROOT(f);
	fx_config(f, "", "provisioning = always\ndomain = PRIMARY\n");
	assert_string_equal(fx_login(f, &id, "alice", &res), "ok");
	assert_int_equal(res.action, FEDJIT_PROV_CREATED);
	assert_string_equal(res.account, "alice");
	assert_int_equal(res.worker, 0);

	/* the account plan, computed the way nss/preauth.c does, is the account */
	assert_int_equal(fedjit_account_plan(fedjit_config_domain(f->config, "PRIMARY"), "alice",
	                                     NULL, &plan),
	                 0);
	struct fedjit_user *u = fx_user(f, "alice");
	assert_non_null(u);
	assert_int_equal(u->uid, plan.uid);
	assert_int_equal(u->gid, plan.gid);
	assert_string_equal(u->home, plan.home);
	assert_string_equal(u->shell, plan.shell);
	assert_string_equal(u->gecos, "Test Person");
	assert_string_equal(u->email, "person@example.org");
	assert_string_equal(u->issuer, "https://idp.example");
	assert_string_equal(u->subject, "sub-alice");
	assert_string_equal(u->idp, "t");
	assert_int_equal(u->flags, 0); /* not pending: everything finished */

	/* home from skel, owned by the user, home_mode */
	assert_int_equal(lstat(u->home, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(st.st_uid, u->uid);
	snprintf(path, sizeof(path), "%s/.profile", u->home);
	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(st.st_uid, u->uid);
	assert_int_equal(st.st_mode & 0777, 0644);
	snprintf(path, sizeof(path), "%s/.config/link", u->home);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(st.st_uid, u->uid);

	/* second login: the same account, re-synced */
	uint32_t uid = u->uid;
	fedjit_user_free(u);
	id.gecos = "Alice Renamed";
	assert_string_equal(fx_login(f, &id, "alice", &res), "ok");
	assert_int_equal(res.action, FEDJIT_PROV_UPDATED);
	u = fx_user(f, "alice");
	assert_int_equal(u->uid, uid);
	assert_string_equal(u->gecos, "Alice Renamed");
	fedjit_user_free(u);
	assert_int_equal(fx_count_users(f), 1);

	/* claims become passwd-safe fields: no ':' or newline, never half a character */
	char longer[401] = "";
	for (int i = 0; i < 200; i++)
		strcat(longer, "\xc3\xa9"); /* é */
	id.gecos = "A:B\nC";
	id.email = longer;
	assert_string_equal(fx_login(f, &id, "alice", &res), "ok");
	u = fx_user(f, "alice");
	assert_string_equal(u->gecos, "A B C");
	assert_int_equal(strlen(u->email), 254);
	fedjit_user_free(u);
}

static void test_provisioning_none(void **state)
{
	struct fx *f = *state;
	struct fedjit_prov_result res;
	struct fedjit_identity id = fx_identity("sub-alice", "alice", NULL);

	NEED_ROOT(f);
	fx_config(f, "", "provisioning = none\n");
	assert_string_equal(fx_login(f, &id, "alice", &res), "no_account");
	assert_non_null(strstr(res.log, "does not provision"));
	assert_int_equal(fx_count_users(f), 0);
}

static void test_as_in_username(void **state)
{
	struct fx *f = *state;
	struct fedjit_prov_result res;
	struct fedjit_identity id = fx_identity("sub-bob", "bob", NULL);

	NEED_ROOT(f);
	fx_config(f, "[domain CORP]\nuid_min = 300000\nuid_max = 399999\n",
	          "provisioning = as-in-username\n");
	assert_string_equal(fx_login(f, &id, "CORP/bob", &res), "ok");
	struct fedjit_user *u = fx_user(f, "bob");
	assert_non_null(u);
	assert_string_equal(u->domain, "CORP");
	assert_true(u->uid >= 300000 && u->uid <= 399999);
	assert_non_null(strstr(u->home, "/corp/bob"));
	fedjit_user_free(u);
	/* the same name again, spelled the other way: the same account */
	assert_string_equal(fx_login(f, &id, "bob@CORP", &res), "ok");
	assert_int_equal(res.action, FEDJIT_PROV_UPDATED);
	/* an unknown domain is refused */
	id = fx_identity("sub-x", "x", NULL);
	assert_string_equal(fx_login(f, &id, "NOPE/x", &res), "unknown_user");
	assert_int_equal(fx_count_users(f), 1);
}

static void test_hostile_claims(void **state)
{
	struct fx *f = *state;
	struct fedjit_prov_result res;
	char longname[201];
	const char *bad[] = {"root", "../x", "a:b", longname, "", "daemon", "x\ny"};

	NEED_ROOT(f);
	memset(longname, 'a', 200);
	longname[200] = '\0';
	fx_config(f, "", "provisioning = always\ndomain = PRIMARY\n");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct fedjit_identity id = fx_identity("sub-hostile", bad[i], NULL);
		const char *st = fx_login(f, &id, bad[i][0] ? bad[i] : "nobody1", &res);

		assert_string_not_equal(st, "ok");
		assert_true(res.log[0] != '\0');
	}
	/* the claim says root while the person asks for a harmless name */
	struct fedjit_identity id = fx_identity("sub-hostile", "root", NULL);
	assert_string_not_equal(fx_login(f, &id, "mallory", &res), "ok");
	assert_int_equal(fx_count_users(f), 0);
}

static void test_policy(void **state)
{
	struct fx *f = *state;
	struct fedjit_prov_result res;
	struct fedjit_identity id = fx_identity("sub-bob", "bob", NULL);

	NEED_ROOT(f);
	fx_config(f, "[domain PRIMARY]\nusername_regex = [a-z]{4,}\n",
	          "provisioning = always\ndomain = PRIMARY\n");
	assert_string_equal(fx_login(f, &id, "bob", &res), "error");
	assert_non_null(strstr(res.message, "username_regex"));
	assert_non_null(strstr(res.log, "username_regex"));
	assert_int_equal(fx_count_users(f), 0);
}

/* Entra, Okta and Google send user@domain: username_strip_suffix cuts the
 * listed suffixes off (any case); other suffixes stay and fail the name rules. */
static void test_strip_suffix(void **state)
{
	struct fx *f = *state;
	struct fedjit_prov_result res;
	struct fedjit_identity a = fx_identity("sub-a", "Alice@EXAMPLE.com", NULL);
	struct fedjit_identity b = fx_identity("sub-b", "bob@corp.example", NULL);
	struct fedjit_identity e = fx_identity("sub-e", "eve@evil.test", NULL);
	struct fedjit_identity o = fx_identity("sub-o", "@example.com", NULL);

	NEED_ROOT(f);
	fx_config(f, "",
	          "provisioning = always\ndomain = PRIMARY\n"
	          "username_strip_suffix = @example.com @corp.example\n");
	assert_string_equal(fx_login(f, &a, "alice", &res), "ok");
	assert_string_equal(res.account, "alice");
	assert_string_equal(fx_login(f, &b, "bob", &res), "ok");
	assert_string_equal(res.account, "bob");
	assert_string_not_equal(fx_login(f, &e, "eve", &res), "ok");
	assert_non_null(strstr(res.log, "eve@evil.test"));
	/* nothing left once the suffix is cut: not stripped, and refused */
	assert_string_not_equal(fx_login(f, &o, "nobody2", &res), "ok");
	assert_int_equal(fx_count_users(f), 2);

	/* without the key the claim is used as it is (and refused: '@') */
	fx_config(f, "", "provisioning = always\ndomain = PRIMARY\n");
	struct fedjit_identity c = fx_identity("sub-c", "carl@example.com", NULL);
	assert_string_not_equal(fx_login(f, &c, "carl", &res), "ok");
	assert_int_equal(fx_count_users(f), 2);
}

static void test_binding(void **state)
{
	struct fx *f = *state;
	struct fedjit_prov_result res;
	struct fedjit_identity a = fx_identity("sub-a", "alice", NULL);
	struct fedjit_identity b = fx_identity("sub-b", "alice", NULL);

	NEED_ROOT(f);
	fx_config(f, "", "provisioning = always\ndomain = PRIMARY\n");
	/* the claim names another account than the login: nothing created */
	assert_string_equal(fx_login(f, &a, "bob", &res), "wrong_account");
	assert_non_null(strstr(res.message, "alice"));
	assert_int_equal(fx_count_users(f), 0);
	assert_string_equal(fx_login(f, &a, "alice", &res), "ok");
	/* another identity whose name claim matches gets nothing */
	assert_string_equal(fx_login(f, &b, "alice", &res), "wrong_account");
	/* the owner cannot log in as someone else's account */
	struct fedjit_identity c = fx_identity("sub-c", "carl", NULL);
	assert_string_equal(fx_login(f, &c, "carl", &res), "ok");
	assert_string_equal(fx_login(f, &a, "carl", &res), "wrong_account");
	/* a rename at the IdP never moves the account */
	a.username = "alicia";
	assert_string_equal(fx_login(f, &a, "alice", &res), "ok");
	assert_int_equal(res.action, FEDJIT_PROV_UPDATED);
	assert_int_equal(fx_count_users(f), 2);
}

static void test_associate(void **state)
{
	struct fx *f = *state;
	struct fedjit_prov_result res;
	struct fedjit_identity id = fx_identity("sub-carol", "carol", NULL);
	struct fedjit_identity sys = fx_identity("sub-sys", "sys", NULL);
	struct fedjit_identity root = fx_identity("sub-root", "root", NULL);

	NEED_ROOT(f);
	fx_config(f, "", "provisioning = always\ndomain = PRIMARY\n");
	for (size_t i = 0; i < f->n_users; i++)
		f->user_lookups[i] = 0;
	assert_string_equal(fx_login(f, &id, "carol", &res), "unknown_user");
	assert_int_equal(fx_count_users(f), 0);
	/* the reserved-name check and the "exists elsewhere" check share one lookup */
	for (size_t i = 0; i < f->n_users; i++)
		if (strcmp(f->users[i].name, "carol") == 0)
			assert_int_equal(f->user_lookups[i], 1);

	fx_config(f, "", "provisioning = always\ndomain = PRIMARY\nassociate_existing = yes\n");
	assert_string_not_equal(fx_login(f, &sys, "sys", &res), "ok"); /* below the range */
	assert_string_not_equal(fx_login(f, &root, "root", &res), "ok");
	assert_int_equal(fx_count_users(f), 0);
	assert_string_equal(fx_login(f, &id, "carol", &res), "ok");
	assert_int_equal(res.action, FEDJIT_PROV_LINKED);
	struct fedjit_user *u = fx_user(f, "carol");
	assert_non_null(u);
	assert_int_equal(u->uid, 250000);
	assert_int_equal(u->gid, 250000);
	assert_string_equal(u->home, "/home/carol"); /* the existing home, not touched */
	fedjit_user_free(u);
	/* its primary group stays the other source's: no copy in the store */
	struct fedjit_store *s = NULL;
	struct fedjit_group *g = NULL;
	assert_int_equal(fedjit_store_open(f->db, FEDJIT_STORE_RDONLY, &s), 0);
	assert_int_equal(fedjit_store_get_group(s, "carol", &g), -ENOENT);
	assert_int_equal(fedjit_store_get_group_by_gid(s, 250000, &g), -ENOENT);
	fedjit_store_close(s);
	assert_string_equal(fx_login(f, &id, "carol", &res), "ok");
	assert_int_equal(res.action, FEDJIT_PROV_UPDATED);
}

static void test_groups(void **state)
{
	struct fx *f = *state;
	struct fedjit_prov_result res;
	const char *g1[] = {"admins", "devs", "ops", "Bad:Group", "root", NULL};
	const char *g2[] = {"devs", NULL};
	struct fedjit_identity id = fx_identity("sub-dan", "dan", g1);
	uint32_t gids[8];
	struct fedjit_store *s = NULL;
	struct fedjit_group *devs = NULL, *ops = NULL, *sudo = NULL;

	NEED_ROOT(f);
	fx_config(f, "",
	          "provisioning = always\ndomain = PRIMARY\ngroup_map = admins:sudo\n"
	          "group_map = devs:developers\ncreate_groups = yes\n");
	assert_string_equal(fx_login(f, &id, "dan", &res), "ok");
	assert_int_equal(fedjit_store_open(f->db, FEDJIT_STORE_RDONLY, &s), 0);
	assert_int_equal(fedjit_store_get_group(s, "developers", &devs), 0);
	assert_int_equal(fedjit_store_get_group(s, "ops", &ops), 0);
	assert_int_equal(devs->origin, FEDJIT_GROUP_JIT);
	assert_true(devs->gid >= 200000 && devs->gid <= 299999);
	assert_int_equal(devs->n_members, 1);
	assert_string_equal(devs->members[0], "dan");
	char **names = NULL;
	size_t ng = 0;
	assert_true(fedjit_store_list_groups(s, &names, &ng) >= 0);
	/* dan (private), developers, ops, and the record of the other source's
	 * sudo with its federated member; nothing for Bad:Group, root */
	assert_int_equal(ng, 4);
	fedjit_strv_free(names);
	assert_int_equal(fedjit_store_get_group(s, "sudo", &sudo), 0);
	assert_int_equal(sudo->origin, FEDJIT_GROUP_FOREIGN);
	assert_int_equal(sudo->gid, 27);
	assert_int_equal(sudo->n_members, 1);
	assert_string_equal(sudo->members[0], "dan");
	fedjit_group_free(sudo);
	fedjit_store_close(s);

	size_t n = fx_gids(f, "dan", gids, 8);
	assert_int_equal(n, 3); /* sudo (27), developers, ops; root and Bad:Group skipped */
	assert_int_equal(gids[0], 27);
	assert_true((gids[1] == devs->gid && gids[2] == ops->gid) ||
	            (gids[2] == devs->gid && gids[1] == ops->gid));
	fedjit_group_free(ops);

	/* removed at the IdP: removed here at the next login */
	id = fx_identity("sub-dan", "dan", g2);
	assert_string_equal(fx_login(f, &id, "dan", &res), "ok");
	n = fx_gids(f, "dan", gids, 8);
	assert_int_equal(n, 1);
	assert_int_equal(gids[0], devs->gid);
	fedjit_group_free(devs);
	/* sudo's record went with its last federated member */
	assert_int_equal(fedjit_store_open(f->db, FEDJIT_STORE_RDONLY, &s), 0);
	assert_int_equal(fedjit_store_get_group(s, "sudo", &sudo), -ENOENT);
	assert_int_equal(fedjit_store_get_group_by_gid(s, 27, &sudo), -ENOENT);
	assert_int_equal(fedjit_store_check(s, NULL, NULL), 0);
	fedjit_store_close(s);
}

static void test_allowed_groups(void **state)
{
	struct fx *f = *state;
	struct fedjit_prov_result res;
	const char *in[] = {"staff", NULL};
	struct fedjit_identity out = fx_identity("sub-eve", "eve", NULL);
	struct fedjit_identity ok = fx_identity("sub-fay", "fay", in);

	NEED_ROOT(f);
	fx_config(f, "", "provisioning = always\ndomain = PRIMARY\nallowed_groups = staff\n");
	assert_string_equal(fx_login(f, &out, "eve", &res), "not_allowed");
	assert_int_equal(fx_count_users(f), 0);
	assert_string_equal(fx_login(f, &ok, "fay", &res), "ok");
	/* left the group at the IdP: the existing account may not log in either */
	ok.groups = NULL;
	ok.n_groups = 0;
	assert_string_equal(fx_login(f, &ok, "fay", &res), "not_allowed");
}

static void test_sshd_preauth(void **state)
{
	struct fx *f = *state;
	struct fedjit_prov_result res;
	struct fedjit_account_plan plan;
	struct fedjit_identity id = fx_identity("sub-gil", "gil", NULL);
	char empty[600];

	NEED_ROOT(f);
	fx_config(f, "", "provisioning = always\ndomain = PRIMARY\n");
	fx_script(f, "empty-passwd", "", empty, sizeof(empty));
	f->ctx.passwd_file = f->ctx.group_file = empty;
	f->ctx.service = "sshd";
	/* another NSS source (not /etc/passwd) holds the uid sshd was shown */
	assert_int_equal(
	        fedjit_account_plan(fedjit_config_domain(f->config, "PRIMARY"), "gil", NULL, &plan),
	        0);
	f->users[f->n_users++] = (struct fx_entry){"ldapuser", plan.uid, plan.uid};
	assert_string_equal(fx_login(f, &id, "gil", &res), "error");
	assert_non_null(strstr(res.log, "sshd"));
	assert_int_equal(fx_count_users(f), 0);
	/* other services are not bound to a pre-auth entry */
	f->ctx.service = "login";
	assert_string_equal(fx_login(f, &id, "gil", &res), "ok");
	assert_int_not_equal(res.uid, plan.uid);
}

static void test_locked_and_removed_idp(void **state)
{
	struct fx *f = *state;
	struct fedjit_prov_result res;
	struct fedjit_identity id = fx_identity("sub-hal", "hal", NULL);
	struct fedjit_store *s = NULL;

	NEED_ROOT(f);
	fx_config(f, "", "provisioning = always\ndomain = PRIMARY\n");
	assert_string_equal(fx_login(f, &id, "hal", &res), "ok");
	assert_int_equal(fedjit_store_open(f->db, 0, &s), 0);
	assert_int_equal(fedjit_store_set_locked(s, "hal", true), 0);
	fedjit_store_close(s);
	assert_string_equal(fx_login(f, &id, "hal", &res), "locked");

	assert_int_equal(fedjit_store_open(f->db, 0, &s), 0);
	assert_int_equal(fedjit_store_set_locked(s, "hal", false), 0);
	fedjit_store_close(s);
	/* the same issuer under another IdP name: the account's IdP is gone */
	char conf[8192];
	snprintf(conf, sizeof(conf), "%s", f->conf);
	char *p = strstr(conf, "[idp t]");
	memcpy(p, "[idp u]", 7);
	struct fedjit_config *cfg = NULL;
	assert_int_equal(fedjit_config_parse_buffer("t2", conf, strlen(conf), 0, &cfg, NULL), 0);
	f->ctx.config = cfg;
	f->ctx.idp = fedjit_config_idp(cfg, "u");
	assert_string_equal(fx_login(f, &id, "hal", &res), "idp_removed");
	fedjit_config_free(cfg);
}

static void test_blocking_rollback(void **state)
{
	struct fx *f = *state;
	struct fedjit_prov_result res;
	struct fedjit_identity id = fx_identity("sub-ivy", "ivy", NULL);
	char hook[600], body[1200], conf[1400], home[700];
	struct stat st;

	NEED_ROOT(f);
	snprintf(body, sizeof(body), "env > %s/hook-env\nexit 3", f->dir);
	fx_script(f, "hook-fail", body, hook, sizeof(hook));
	snprintf(conf, sizeof(conf),
	         "provisioning = always\ndomain = PRIMARY\nprovision_hook = %s\n", hook);
	fx_config(f, "", conf);
	assert_string_equal(fx_login(f, &id, "ivy", &res), "error");
	assert_non_null(strstr(res.log, "status 3"));
	assert_non_null(strstr(res.log, "rolled back"));
	assert_int_equal(fx_count_users(f), 0);
	snprintf(home, sizeof(home), "%s/ivy", f->home_root);
	assert_int_equal(lstat(home, &st), -1); /* the home went with it */

	/* the documented environment, and nothing else */
	char envfile[400], line[512];
	snprintf(envfile, sizeof(envfile), "%s/hook-env", f->dir);
	FILE *fp = fopen(envfile, "r");
	assert_non_null(fp);
	bool user = false, pathvar = false, issuer = false;
	while (fgets(line, sizeof(line), fp)) {
		user |= strcmp(line, "FEDJIT_USER=ivy\n") == 0;
		pathvar |= strncmp(line, "PATH=", 5) == 0;
		issuer |= strcmp(line, "FEDJIT_ISSUER=https://idp.example\n") == 0;
		assert_null(strstr(line, "FEDJIT_NSS_BYPASS"));
	}
	fclose(fp);
	assert_true(user && pathvar && issuer);

	/* a hook that succeeds: created */
	fx_script(f, "hook-ok", "exit 0", hook, sizeof(hook));
	snprintf(conf, sizeof(conf),
	         "provisioning = always\ndomain = PRIMARY\nprovision_hook = %s\n", hook);
	fx_config(f, "", conf);
	assert_string_equal(fx_login(f, &id, "ivy", &res), "ok");
	assert_int_equal(fx_count_users(f), 1);
}

/* The other sources are asked before the store is locked and the transaction
 * reuses the answers (provision_memo.c): each question once. A failed answer
 * is not kept: the transaction asks again. */
static void test_other_sources_asked_once(void **state)
{
	struct fx *f = *state;
	struct fedjit_prov_result res;
	const char *groups[] = {"admins", NULL};
	struct fedjit_identity erin = fx_identity("sub-erin", "erin", groups);
	struct fedjit_identity fred = fx_identity("sub-fred", "fred", groups);
	uint32_t gids[4];

	NEED_ROOT(f);
	fx_config(f, "", "provisioning = always\ndomain = PRIMARY\ngroup_map = admins:sudo\n");
	assert_string_equal(fx_login(f, &erin, "erin", &res), "ok");
	assert_int_equal(f->uid_asks, 1);
	assert_int_equal(f->gid_asks, 1);
	/* the private group's name, then sudo's gid */
	assert_int_equal(f->group_name_asks, 2);
	assert_int_equal(fx_gids(f, "erin", gids, 4), 1);
	assert_int_equal(gids[0], 27);

	f->uid_asks = 0;
	f->fail_uid_asks = 1;
	assert_string_equal(fx_login(f, &fred, "fred", &res), "ok");
	assert_int_equal(f->uid_asks, 2);
	assert_int_equal(fx_count_users(f), 2);

	/* a later login re-syncs the groups: sudo asked once, before the lock */
	f->group_name_asks = 0;
	assert_string_equal(fx_login(f, &erin, "erin", &res), "ok");
	assert_int_equal(res.action, FEDJIT_PROV_UPDATED);
	assert_int_equal(f->group_name_asks, 1);
	assert_int_equal(fx_gids(f, "erin", gids, 4), 1);
}

/* The system's lookups (other NSS sources), against entries every system has. */
static void test_system_lookups(void **state)
{
	struct fedjit_prov_ctx ctx = {0};
	struct prov_run run = {.ctx = &ctx};
	const struct fedjit_prov_nss *nss = fedjit_prov_nss(&run);
	uint32_t id = 4242;
	char *home = NULL, *shell = NULL, *name = NULL;

	assert_int_equal(nss->user_by_name("root", &id, nss->userdata), 1);
	assert_int_equal(id, 0);
	id = 4242;
	assert_int_equal(nss->user_entry("root", &id, &home, &shell, nss->userdata), 1);
	assert_int_equal(id, 0);
	assert_non_null(home);
	free(home);
	free(shell);
	assert_int_equal(nss->uid_exists(0, nss->userdata), 1);
	id = 4242;
	assert_int_equal(nss->group_by_name("root", &id, nss->userdata), 1);
	assert_int_equal(id, 0);
	assert_int_equal(nss->group_by_gid(0, &name, nss->userdata), 1);
	assert_string_equal(name, "root");
	free(name);
	assert_int_equal(nss->user_by_name("no-such-user-fedjit", &id, nss->userdata), 0);
	assert_int_equal(nss->group_by_name("no-such-group-fedjit", &id, nss->userdata), 0);
	assert_int_equal(nss->uid_exists(3999999999u, nss->userdata), 0);
}

/* The home is built aside under a name of this process's own: what a killed run
 * left (its pid gone, or the name from before pids) is removed first, while another
 * live run's aside (two logins of the same new identity at once) is left to it. */
static void test_home_asides(void **state)
{
	struct fx *f = *state;
	struct fedjit_prov_result res;
	struct fedjit_identity id = fx_identity("sub-bob", "Bob", NULL);
	char dead[600], legacy[600], live[600], path[700];
	struct stat st;
	pid_t child;
	int status;

	NEED_ROOT(f);
	fx_config(f, "", "provisioning = always\ndomain = PRIMARY\n");
	child = fork(); /* a pid that is gone */
	assert_true(child >= 0);
	if (child == 0)
		_exit(0);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(mkdir(f->home_root, 0755) == 0 || errno == EEXIST);
	snprintf(dead, sizeof(dead), "%s/.fedjit-new.bob.%ld", f->home_root, (long)child);
	snprintf(legacy, sizeof(legacy), "%s/.fedjit-new.bob", f->home_root);
	snprintf(live, sizeof(live), "%s/.fedjit-new.bob.%ld", f->home_root, (long)getppid());
	assert_int_equal(mkdir(dead, 0700), 0);
	snprintf(path, sizeof(path), "%s/half-copied", dead);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(mkdir(legacy, 0700), 0);
	assert_int_equal(mkdir(live, 0700), 0);

	assert_string_equal(fx_login(f, &id, "bob", &res), "ok");
	assert_int_equal(res.action, FEDJIT_PROV_CREATED);
	snprintf(path, sizeof(path), "%s/bob/.profile", f->home_root);
	assert_int_equal(lstat(path, &st), 0); /* the home, from skel */
	assert_int_equal(lstat(dead, &st), -1);
	assert_int_equal(lstat(legacy, &st), -1);
	assert_int_equal(lstat(live, &st), 0); /* a live process's: not ours to remove */
	snprintf(path, sizeof(path), "%s/.fedjit-new.bob.%ld", f->home_root, (long)getpid());
	assert_int_equal(lstat(path, &st), -1); /* our own went into place */
	assert_int_equal(rmdir(live), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_create_silent, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_provisioning_none, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_as_in_username, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_hostile_claims, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_policy, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_binding, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_strip_suffix, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_associate, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_groups, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_allowed_groups, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_sshd_preauth, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_locked_and_removed_idp, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_blocking_rollback, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_home_asides, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_other_sources_asked_once, fx_setup,
	                                        fx_teardown),
	        cmocka_unit_test(test_system_lookups),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

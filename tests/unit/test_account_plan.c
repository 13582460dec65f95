/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for common/account_plan: the entry, the home template, the IdP's domain. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/account_plan.h"
#include "common/macro.h"

struct world {
	uint32_t taken_uid, taken_gid; /* one taken id each (0: none) */
	const char *group;             /* an existing group and its gid */
	uint32_t group_gid;
	int fail; /* returned by every callback when set */
};

static int uid_taken(uint32_t id, void *u)
{
	struct world *w = u;
	return w->fail ? w->fail : id == w->taken_uid;
}

static int gid_taken(uint32_t id, void *u)
{
	struct world *w = u;
	return w->fail ? w->fail : id == w->taken_gid;
}

static int group_gid(const char *name, uint32_t *ret, void *u)
{
	struct world *w = u;
	if (w->fail)
		return w->fail;
	if (!w->group || strcmp(name, w->group) != 0)
		return 0;
	*ret = w->group_gid;
	return 1;
}

static struct fedjit_plan_lookups lookups(struct world *w)
{
	return (struct fedjit_plan_lookups){uid_taken, gid_taken, group_gid, w};
}

static struct fedjit_domain dom(const char *name, const char *home, const char *shell)
{
	return (struct fedjit_domain){.name = (char *)name,
	                              .uid_min = 200000,
	                              .uid_max = 299999,
	                              .gid_min = 200000,
	                              .gid_max = 299999,
	                              .home = (char *)home,
	                              .shell = (char *)shell};
}

static void test_private_group(void **state)
{
	struct fedjit_domain d = dom("PRIMARY", "/home/%u", "/bin/zsh");
	struct world w = {0};
	struct fedjit_plan_lookups l = lookups(&w);
	struct fedjit_account_plan p;
	uint32_t uid, gid;

	assert_int_equal(fedjit_id_alloc_user(&d, "alice", FEDJIT_ID_INVALID, NULL, &uid, &gid), 0);
	assert_int_equal(fedjit_account_plan(&d, "alice", &l, &p), 0);
	assert_string_equal(p.name, "alice");
	assert_int_equal(p.uid, uid);
	assert_int_equal(p.gid, p.uid);
	assert_string_equal(p.home, "/home/alice");
	assert_string_equal(p.shell, "/bin/zsh");
	assert_null(p.primary_group);

	/* the hashed uid taken as a gid elsewhere: the next id that is free as both */
	w.taken_gid = uid;
	assert_int_equal(fedjit_account_plan(&d, "alice", &l, &p), 0);
	assert_int_not_equal(p.uid, uid);
	assert_int_equal(p.gid, p.uid);
}

static void test_shared_group(void **state)
{
	struct fedjit_domain d = dom("CORP", "/srv/%d/%u-%U-%%", NULL);
	struct world w = {.group = "staff", .group_gid = 4242};
	struct fedjit_plan_lookups l = lookups(&w);
	struct fedjit_account_plan p;
	uint32_t g;
	char home[128];

	d.primary_group = "staff";
	assert_int_equal(fedjit_account_plan(&d, "bob@corp", &l, &p), 0);
	assert_int_equal(p.gid, 4242);
	assert_true(p.primary_group_exists);
	assert_string_equal(p.primary_group, "staff");
	assert_string_equal(p.shell, FEDJIT_PLAN_SHELL);
	snprintf(home, sizeof(home), "/srv/corp/bob@corp-%u-%%", p.uid);
	assert_string_equal(p.home, home);

	/* a shared group that does not exist yet: the gid it will be created with */
	w.group = NULL;
	assert_int_equal(fedjit_id_alloc_group(&d, "staff", NULL, &g), 0);
	assert_int_equal(fedjit_account_plan(&d, "bob@corp", &l, &p), 0);
	assert_int_equal(p.gid, g);
	assert_false(p.primary_group_exists);
}

static void test_home_template(void **state)
{
	struct fedjit_domain d = dom("Eng", "/h/%d/%x%", NULL);
	char buf[64];

	assert_int_equal(fedjit_home_expand(&d, "c", 7, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/h/eng/x%");
	d.home = NULL;
	assert_int_equal(fedjit_home_expand(&d, "c", 7, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/home/c");
	d.home = "/home/%u/%u";
	assert_int_equal(fedjit_home_expand(&d, "abc", 7, buf, 14), 0);
	assert_string_equal(buf, "/home/abc/abc");
	assert_int_equal(fedjit_home_expand(&d, "abc", 7, buf, 13), -ENAMETOOLONG);
	assert_int_equal(fedjit_home_expand(&d, "abc", 7, buf, 0), -ENAMETOOLONG);
}

static void test_errors(void **state)
{
	struct fedjit_domain d = dom("PRIMARY", NULL, NULL);
	struct world w = {.fail = -EIO};
	struct fedjit_plan_lookups l = lookups(&w);
	struct fedjit_account_plan p = {.uid = 1};

	assert_int_equal(fedjit_account_plan(&d, "alice", &l, &p), -EIO);
	assert_int_equal(p.uid, 1); /* untouched */
	d.primary_group = "staff";
	assert_int_equal(fedjit_account_plan(&d, "alice", &l, &p), -EIO);
	w.fail = 0;
	d.primary_group = NULL;
	d.uid_min = d.uid_max = 200000;
	w.taken_uid = 200000;
	assert_int_equal(fedjit_account_plan(&d, "alice", &l, &p), -ENOSPC);
	char longname[FEDJIT_CANONICAL_MAX + 2];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(fedjit_account_plan(&d, longname, NULL, &p), -EINVAL);
}

static const char conf[] = "[domain CORP]\n"
                           "uid_min = 300000\n"
                           "uid_max = 399999\n"
                           "[domain OTHER]\n"
                           "uid_min = 400000\n"
                           "uid_max = 499999\n"
                           "[idp a]\n"
                           "issuer = https://a.example\n"
                           "client_id = x\n"
                           "provisioning = always\n"
                           "domain = CORP\n"
                           "domains = CORP\n"
                           "[idp b]\n"
                           "issuer = https://b.example\n"
                           "client_id = x\n"
                           "provisioning = as-in-username\n"
                           "domains = PRIMARY\n"
                           "[idp c]\n"
                           "issuer = https://c.example\n"
                           "client_id = x\n"
                           "username_from = subject\n"
                           "provisioning = as-in-username\n"
                           "domains = OTHER\n";

static void test_idp_login(void **state)
{
	struct fedjit_config *cfg = NULL;
	struct fedjit_diag diag = {0};
	struct fedjit_login l;
	char reason[FEDJIT_REASON_SIZE];
	int r = fedjit_config_parse_buffer("t.conf", conf, strlen(conf), 0, &cfg, &diag);

	for (size_t i = 0; i < diag.n_lines; i++)
		fprintf(stderr, "# %s\n", diag.lines[i]);
	assert_int_equal(r, 0);
	fedjit_diag_clear(&diag);
	const struct fedjit_idp *a = fedjit_config_idp(cfg, "a"), *b = fedjit_config_idp(cfg, "b"),
	                        *c = fedjit_config_idp(cfg, "c");

	/* always: a bare name lands in the IdP's domain */
	assert_int_equal(fedjit_idp_login(cfg, a, "Alice", 5, &l, reason, sizeof(reason)), 0);
	assert_string_equal(l.domain->name, "CORP");
	assert_string_equal(l.local, "alice");
	assert_int_equal(fedjit_idp_login(cfg, a, "PRIMARY/alice", 13, &l, reason, sizeof(reason)),
	                 -EPERM);
	assert_non_null(strstr(reason, "only into domain CORP"));
	/* as-in-username: the name's domain, which must be served */
	assert_int_equal(fedjit_idp_login(cfg, b, "alice", 5, &l, reason, sizeof(reason)), 0);
	assert_string_equal(l.domain->name, "PRIMARY");
	assert_int_equal(fedjit_idp_login(cfg, b, "CORP/alice", 10, &l, reason, sizeof(reason)),
	                 -EPERM);
	assert_int_equal(fedjit_idp_login(cfg, b, "NOPE/alice", 10, &l, reason, sizeof(reason)),
	                 -ENOENT);
	assert_int_equal(fedjit_idp_login(cfg, b, "a:b", 3, &l, reason, sizeof(reason)), -EINVAL);

	assert_true(fedjit_idp_preauth_enabled(a));
	assert_true(fedjit_idp_preauth_enabled(b));
	assert_false(fedjit_idp_preauth_enabled(c)); /* name not known before the login */
	fedjit_config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_private_group), cmocka_unit_test(test_shared_group),
	        cmocka_unit_test(test_home_template), cmocka_unit_test(test_errors),
	        cmocka_unit_test(test_idp_login),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

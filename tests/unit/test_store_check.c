/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store's consistency checker finds planted problems, and repair fixes
 * what needs no judgement. Every test works in its own temporary directory.
 */
#include "tests/unit/store_fixture.h"

/* ---- the checker finds planted problems ---- */

static void plant(struct fedjit_store *s, const char *key, size_t klen, const char *name)
{
	TDB_DATA v;

	assert_int_equal(fedjit_record_encode_name(name, &v), 0);
	put_raw(s, key, klen, v.dptr, v.dsize);
	free(v.dptr);
}

/* A name record into the private store (links live there). */
static void plant_private(struct fedjit_store *s, const char *key, size_t klen, const char *name)
{
	TDB_DATA k = {(unsigned char *)key, klen}, v;

	assert_int_equal(fedjit_record_encode_name(name, &v), 0);
	assert_int_equal(tdb_store(fedjit_store_private_tdb(s), k, v, TDB_REPLACE), 0);
	free(v.dptr);
}

static void del_raw(struct fedjit_store *s, const char *key)
{
	TDB_DATA k = {(unsigned char *)key, strlen(key)};

	assert_int_equal(tdb_delete(fedjit_store_tdb(s), k), 0);
}

static void expect_problem(struct fedjit_store *s, const char *needle)
{
	char msgs[8192];
	int r = check(s, msgs);

	if (!strstr(msgs, needle))
		fprintf(stderr, "# wanted \"%s\" in:\n%s", needle, msgs);
	assert_true(r > 0);
	assert_non_null(strstr(msgs, needle));
}

static void test_checker_finds_problems(void **state)
{
	struct fx *f = *state;
	char b[3][128];
	struct fedjit_user u;
	TDB_DATA d;

	open_rw(f);
	assert_int_equal(fedjit_store_ensure_group(f->s, "devs", 70000, "", FEDJIT_GROUP_JIT, NULL),
	                 1);
	const uint32_t supp[] = {70000};
	for (unsigned i = 0; i < 3; i++) {
		u = mkuser(b[i], sizeof(b[i]), i, "corp");
		assert_int_equal(fedjit_store_create_account(f->s, &u, NULL, supp, 1), 0);
	}
	assert_consistent(f->s);

	del_raw(f->s, "uid/200001");
	expect_problem(f->s, "user user1: no uid index uid/200001");
	plant(f->s, "uid/200001", 10, "user2");
	expect_problem(f->s, "uid/200001: points to user2, whose uid is 200002");
	plant(f->s, "uid/200001", 10, "user1");
	assert_consistent(f->s);

	plant(f->s, "link/https://idp.example\0ghost", 30, "ghost");
	expect_problem(f->s, "points to missing user ghost");
	{
		TDB_DATA k = {(unsigned char *)"link/https://idp.example\0ghost", 30};
		assert_int_equal(tdb_delete(fedjit_store_tdb(f->s), k), 0);
	}
	assert_consistent(f->s);

	/* A second user record with a taken uid. */
	u = mkuser(b[0], sizeof(b[0]), 9, "corp");
	u.uid = 200002;
	assert_int_equal(fedjit_record_encode_user(&u, &d), 0);
	put_raw(f->s, "user/user9", 10, d.dptr, d.dsize);
	free(d.dptr);
	expect_problem(f->s, "uid 200002 used by both");
	del_raw(f->s, "user/user9");
	assert_consistent(f->s);

	/* Corrupt records, unknown keys, version key gone. */
	put_raw(f->s, "user/user2", 10, "\x01garbage", 8);
	expect_problem(f->s, "user/user2: corrupt user record");
	put_raw(f->s, "whatever", 8, "x", 1);
	expect_problem(f->s, "unknown key \"whatever\"");
	del_raw(f->s, "version");
	expect_problem(f->s, "version: key missing");
}

static void test_checker_membership(void **state)
{
	struct fx *f = *state;
	char b[128];
	struct fedjit_user u = mkuser(b, sizeof(b), 1, "corp");
	const char *members[] = {"user1", "ghost"};
	struct fedjit_group g = {.name = "devs",
	                         .gid = 70000,
	                         .origin = FEDJIT_GROUP_JIT,
	                         .members = (char **)members,
	                         .n_members = 2};
	const uint32_t supp[] = {70000};
	TDB_DATA d;

	open_rw(f);
	assert_int_equal(fedjit_store_ensure_group(f->s, "devs", 70000, "", FEDJIT_GROUP_JIT, NULL),
	                 1);
	assert_int_equal(fedjit_store_create_account(f->s, &u, NULL, supp, 1), 0);
	assert_int_equal(fedjit_record_encode_group(&g, &d), 0);
	put_raw(f->s, "group/devs", 10, d.dptr, d.dsize);
	free(d.dptr);
	expect_problem(f->s, "group devs: member ghost does not exist");

	g.n_members = 0;
	assert_int_equal(fedjit_record_encode_group(&g, &d), 0);
	put_raw(f->s, "group/devs", 10, d.dptr, d.dsize);
	free(d.dptr);
	expect_problem(f->s, "user user1: has gid 70000 but is not a member of devs");

	del_raw(f->s, "group/user1");
	expect_problem(f->s, "gid/200001: points to missing group user1");
}

static void test_repair(void **state)
{
	struct fx *f = *state;
	char b1[128], b2[128], msgs[8192] = "";
	struct fedjit_user u1 = mkuser(b1, sizeof(b1), 1, "corp");
	struct fedjit_user u2 = mkuser(b2, sizeof(b2), 2, "corp");
	const char link[] = "link/https://idp.example\0ghost";

	open_rw(f);
	assert_int_equal(fedjit_store_create_account(f->s, &u1, NULL, NULL, 0), 0);
	assert_int_equal(fedjit_store_create_account(f->s, &u2, NULL, NULL, 0), 0);
	assert_int_equal(fedjit_store_repair(f->s, NULL, NULL), 0);

	del_raw(f->s, "uid/200001");                          /* missing uid index */
	del_raw(f->s, "gid/200002");                          /* missing gid index */
	plant(f->s, "uid/200777", 10, "ghost");               /* index of a missing user */
	plant(f->s, "uid/200002", 10, "user1");               /* index of the wrong user */
	plant_private(f->s, link, sizeof(link) - 1, "ghost"); /* link of a missing user */
	plant(f->s, "gids/ghost", 10, "x");                   /* list of a missing user */
	assert_true(check(f->s, msgs) > 0);
	assert_int_equal(fedjit_store_repair(f->s, report_collect, msgs), 7);
	assert_non_null(strstr(msgs, "uid/200777: pointed to missing user ghost: removed"));
	assert_non_null(strstr(msgs, "link (https://idp.example, ghost)"));
	assert_non_null(strstr(msgs, "user user1: uid index uid/200001: written"));
	assert_non_null(strstr(msgs, "group user2: gid index gid/200002: written"));
	assert_consistent(f->s);
	assert_int_equal(fedjit_store_repair(f->s, NULL, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_checker_finds_problems, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_checker_membership, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_repair, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

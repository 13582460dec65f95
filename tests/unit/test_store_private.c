/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The personal data split: the world-readable store holds no personal data,
 * the private store beside it (0600) does; a crash between the two files'
 * commits leaves only private records that lookups ignore and creation and
 * repair remove; a store of version 1 is upgraded by the next root opener and
 * read by the NSS module's handle (both formats) before that.
 */
#include <sys/mman.h>

#include "tests/unit/store_fixture.h"

static const char email[] = "someone@personal.example";

/* Whether the file at path holds the bytes s. */
static bool file_has(const char *path, const char *s)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	bool found;

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(m != MAP_FAILED);
	found = memmem(m, (size_t)st.st_size, s, strlen(s)) != NULL;
	munmap(m, (size_t)st.st_size);
	close(fd);
	return found;
}

static void priv_path(struct fx *f, char *buf)
{
	assert_int_equal(fedjit_store_private_path(f->path, buf, PATH_MAX), 0);
}

static void test_no_personal_data(void **state)
{
	struct fx *f = *state;
	char b[128], priv[PATH_MAX];
	struct fedjit_user u = mkuser(b, sizeof(b), 1, "corp"), *got = NULL;
	struct stat st;

	u.email = (char *)email;
	open_rw(f);
	assert_int_equal(fedjit_store_create_account(f->s, &u, NULL, NULL, 0), 0);
	/* a returning login's writes change the private store alone: the store
	 * file is not committed (its sequence number stays) */
	int seq = fedjit_store_seqnum(f->s);
	assert_int_equal(fedjit_store_set_last_login(f->s, u.name, 1700001234), 0);
	u.last_login = 1700001234;
	assert_int_equal(fedjit_store_update_account(f->s, &u, NULL, 0,
	                                             FEDJIT_UPDATE_ATTRS | FEDJIT_UPDATE_GROUPS),
	                 0);
	assert_int_equal(fedjit_store_seqnum(f->s), seq);
	fedjit_store_close(f->s);
	f->s = NULL;

	priv_path(f, priv);
	assert_false(file_has(f->path, email));
	assert_false(file_has(f->path, u.subject));
	assert_false(file_has(f->path, u.issuer));
	assert_true(file_has(priv, email));
	assert_true(file_has(priv, u.subject));
	assert_true(file_has(priv, u.issuer));
	assert_int_equal(stat(priv, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	/* root reads the account whole, through one handle */
	assert_int_equal(fedjit_store_open(f->path, FEDJIT_STORE_RDONLY, &f->s), 0);
	assert_true(fedjit_store_has_private(f->s));
	assert_int_equal(fedjit_store_get_user_by_link(f->s, u.issuer, u.subject, &got), 0);
	assert_string_equal(got->email, email);
	assert_true(got->last_login == 1700001234);
	assert_true(got->created == u.created);
	assert_string_equal(got->domain, "PRIMARY");
	fedjit_user_free(got);
	fedjit_store_close(f->s);

	/* the NSS module's handle never opens the private store */
	assert_int_equal(
	        fedjit_store_open(f->path, FEDJIT_STORE_RDONLY | FEDJIT_STORE_NORECOVER, &f->s), 0);
	assert_false(fedjit_store_has_private(f->s));
	assert_int_equal(fedjit_store_get_user(f->s, u.name, &got), 0);
	assert_int_equal(got->uid, u.uid);
	assert_string_equal(got->home, u.home);
	assert_string_equal(got->email, "");
	assert_string_equal(got->subject, "");
	fedjit_user_free(got);
}

/* A crash between the two commits (kill -9 in the child). */
static void die(void)
{
	_exit(9);
}

static void crash_between(struct fx *f, bool create, const struct fedjit_user *u)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		struct fedjit_store *s = NULL;

		if (fedjit_store_open(f->path, FEDJIT_STORE_NOSYNC, &s) < 0)
			_exit(1);
		fedjit_store_debug_between_hook = die;
		if (create)
			fedjit_store_create_account(s, u, NULL, NULL, 0);
		else
			fedjit_store_delete_account(s, u->name);
		_exit(2);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 9);
}

static void assert_absent(struct fx *f, const struct fedjit_user *u)
{
	struct fedjit_user *got = NULL;

	assert_int_equal(fedjit_store_get_user(f->s, u->name, &got), -ENOENT);
	assert_int_equal(fedjit_store_get_user_by_link(f->s, u->issuer, u->subject, &got), -ENOENT);
}

static void test_crash_between_commits(void **state)
{
	struct fx *f = *state;
	char b[128], msgs[8192];
	struct fedjit_user u = mkuser(b, sizeof(b), 1, "corp"), *got = NULL;

	open_rw(f);
	fedjit_store_close(f->s);
	f->s = NULL;

	/* creation: the private store committed, the store not: nothing shows,
	 * the store is consistent (with notes), and the next creation of the same
	 * identity succeeds over the leftovers */
	crash_between(f, true, &u);
	open_rw(f);
	assert_absent(f, &u);
	assert_int_equal(check(f->s, msgs), 0);
	assert_non_null(strstr(msgs, "note: private store: account/user1: account record of a "
	                             "missing user"));
	assert_int_equal(fedjit_store_create_account(f->s, &u, NULL, NULL, 0), 0);
	assert_int_equal(fedjit_store_get_user_by_link(f->s, u.issuer, u.subject, &got), 0);
	assert_string_equal(got->name, u.name);
	fedjit_user_free(got);
	assert_consistent(f->s);
	assert_int_equal(check(f->s, msgs), 0);
	assert_null(strstr(msgs, "note:"));
	fedjit_store_close(f->s);
	f->s = NULL;

	/* deletion: the store committed, the private store not: the account is
	 * gone, its link does not count, --repair removes the leftovers */
	crash_between(f, false, &u);
	open_rw(f);
	assert_absent(f, &u);
	assert_int_equal(check(f->s, msgs), 0);
	assert_non_null(strstr(msgs, "note:"));
	assert_int_equal(fedjit_store_repair(f->s, report_collect, msgs), 2);
	assert_int_equal(check(f->s, msgs), 0);
	assert_null(strstr(msgs, "note:"));
	/* a new account of the name, another identity: the old link is no owner */
	u.subject = "someone-else";
	assert_int_equal(fedjit_store_create_account(f->s, &u, NULL, NULL, 0), 0);
	assert_consistent(f->s);
}

/* Write user (and its link) in the formats of version 1 into a new store. */
static void put_v1(struct fedjit_store *s, const struct fedjit_user *u)
{
	char kb[FEDJIT_KEY_MAX], name[300];
	TDB_DATA key, d;
	struct tdb_context *tdb = fedjit_store_tdb(s);
	char *nomem[] = {NULL};
	struct fedjit_group g = {.name = u->name,
	                         .gid = u->gid,
	                         .origin = FEDJIT_GROUP_PRIVATE,
	                         .domain = u->domain,
	                         .members = nomem};

	snprintf(name, sizeof(name), "%s", u->name);
	assert_int_equal(fedjit_key_user(kb, name, &key), 0);
	assert_int_equal(fedjit_record_encode_user_v1(u, &d), 0);
	assert_int_equal(tdb_store(tdb, key, d, TDB_REPLACE), 0);
	free(d.dptr);
	fedjit_key_uid(kb, u->uid, &key);
	assert_int_equal(fedjit_record_encode_name(name, &d), 0);
	assert_int_equal(tdb_store(tdb, key, d, TDB_REPLACE), 0);
	assert_int_equal(fedjit_key_link(kb, u->issuer, u->subject, &key), 0);
	assert_int_equal(tdb_store(tdb, key, d, TDB_REPLACE), 0);
	fedjit_key_gid(kb, u->gid, &key);
	assert_int_equal(tdb_store(tdb, key, d, TDB_REPLACE), 0);
	free(d.dptr);
	fedjit_key_group(kb, name, &key);
	assert_int_equal(fedjit_record_encode_group_v1(&g, &d), 0);
	assert_int_equal(tdb_store(tdb, key, d, TDB_REPLACE), 0);
	free(d.dptr);
	fedjit_key_gids(kb, name, &key);
	assert_int_equal(fedjit_record_encode_gids(NULL, 0, &d), 0);
	assert_int_equal(tdb_store(tdb, key, d, TDB_REPLACE), 0);
	free(d.dptr);
}

static void make_v1_store(struct fx *f, struct fedjit_user *u, size_t n)
{
	char kb[FEDJIT_KEY_MAX], priv[PATH_MAX];
	TDB_DATA key, d;

	open_rw(f);
	for (size_t i = 0; i < n; i++)
		put_v1(f->s, &u[i]);
	fedjit_key_version(kb, &key);
	assert_int_equal(fedjit_record_encode_version(1, &d), 0);
	assert_int_equal(tdb_store(fedjit_store_tdb(f->s), key, d, TDB_REPLACE), 0);
	free(d.dptr);
	fedjit_store_close(f->s);
	f->s = NULL;
	/* a version 1 store had no private store */
	priv_path(f, priv);
	assert_int_equal(unlink(priv), 0);
	assert_true(file_has(f->path, email));
}

static void test_upgrade(void **state)
{
	struct fx *f = *state;
	char b[3][128], priv[PATH_MAX], msgs[8192];
	struct fedjit_user u[3], *got = NULL;

	for (unsigned i = 0; i < 3; i++) {
		u[i] = mkuser(b[i], sizeof(b[i]), i + 1, "corp");
		u[i].email = (char *)email;
	}
	make_v1_store(f, u, 3);

	/* before the upgrade, the NSS module's handle reads version 1 */
	assert_int_equal(
	        fedjit_store_open(f->path, FEDJIT_STORE_RDONLY | FEDJIT_STORE_NORECOVER, &f->s), 0);
	assert_int_equal(fedjit_store_get_user_by_uid(f->s, u[1].uid, &got), 0);
	assert_string_equal(got->name, u[1].name);
	fedjit_user_free(got);
	fedjit_store_close(f->s);
	f->s = NULL;
	assert_true(file_has(f->path, email));

	/* a read-only open of root upgrades it (like a recovery) */
	assert_int_equal(fedjit_store_open(f->path, FEDJIT_STORE_RDONLY, &f->s), 0);
	assert_true(fedjit_store_has_private(f->s));
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(
		        fedjit_store_get_user_by_link(f->s, u[i].issuer, u[i].subject, &got), 0);
		assert_string_equal(got->name, u[i].name);
		assert_string_equal(got->email, email);
		assert_true(got->created == u[i].created);
		fedjit_user_free(got);
	}
	assert_consistent(f->s);
	assert_int_equal(check(f->s, msgs), 0);
	assert_null(strstr(msgs, "note:"));
	fedjit_store_close(f->s);
	f->s = NULL;
	priv_path(f, priv);
	/* not one byte of it left in the world-readable file: tdb keeps the bytes
	 * of deleted records, so the upgrade rewrites the file */
	assert_false(file_has(f->path, email));
	assert_false(file_has(f->path, u[0].subject));
	assert_false(file_has(f->path, u[0].issuer));
	open_rw(f);
	{
		TDB_DATA k = tdb_firstkey(fedjit_store_tdb(f->s));
		size_t links = 0;

		while (k.dptr) {
			const char *rest;
			size_t len;
			TDB_DATA d = tdb_fetch(fedjit_store_tdb(f->s), k), n;

			if (fedjit_key_classify(k, &rest, &len) == FEDJIT_KEY_LINK)
				links++;
			assert_null(memmem(d.dptr, d.dsize, email, strlen(email)));
			assert_true(d.dsize == 0 ||
			            (k.dsize >= 5 && memcmp(k.dptr, "user/", 5) != 0) ||
			            d.dptr[0] == 2);
			free(d.dptr);
			n = tdb_nextkey(fedjit_store_tdb(f->s), k);
			free(k.dptr);
			k = n;
		}
		assert_int_equal(links, 0);
	}
	assert_true(file_has(priv, email));
	/* an upgraded store stays so: a write, a check */
	assert_int_equal(fedjit_store_set_locked(f->s, u[0].name, true), 0);
	assert_consistent(f->s);
}

/* An upgrade a crash interrupted goes on at the next root open. */
static void test_upgrade_resumes(void **state)
{
	struct fx *f = *state;
	char b[2][128], kb[FEDJIT_KEY_MAX];
	struct fedjit_user u[2], *got = NULL;
	TDB_DATA key, d;

	for (unsigned i = 0; i < 2; i++) {
		u[i] = mkuser(b[i], sizeof(b[i]), i + 1, "corp");
		u[i].email = (char *)email;
	}
	make_v1_store(f, u, 2);
	/* the state after step 1 of the upgrade: version 2, marker set, nothing
	 * converted yet */
	open_rw(f); /* upgrades all of it */
	fedjit_key_version(kb, &key);
	assert_int_equal(fedjit_record_encode_version(2, &d), 0);
	free(d.dptr);
	put_v1(f->s, &u[1]); /* back to format 1, as if the crash came first */
	fedjit_key_upgrading(kb, &key);
	assert_int_equal(fedjit_record_encode_version(2, &d), 0);
	assert_int_equal(tdb_store(fedjit_store_private_tdb(f->s), key, d, TDB_REPLACE), 0);
	free(d.dptr);
	fedjit_store_close(f->s);
	f->s = NULL;
	assert_true(file_has(f->path, email));

	open_rw(f);
	assert_int_equal(fedjit_store_get_user(f->s, u[1].name, &got), 0);
	assert_string_equal(got->email, email);
	fedjit_user_free(got);
	assert_consistent(f->s);
	assert_false(tdb_exists(fedjit_store_private_tdb(f->s), key));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_no_personal_data, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_crash_between_commits, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_upgrade, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_upgrade_resumes, setup, teardown),
	};

	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root (the private store and its lock file are root's)\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}

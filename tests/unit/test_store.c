/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store: opening rules, the write API (one transaction each), reads,
 * failure injection halfway through a transaction (test_store_check.c has the
 * consistency checker and repair),
 * batches and the secret store (test_store_concurrency.c has the
 * read-only handles against concurrent and dying writers).
 * Every test works in its own temporary directory.
 */
#include "tests/unit/store_fixture.h"

static void test_open_missing(void **state)
{
	struct fx *f = *state;
	struct fedjit_store *s = NULL;

	assert_int_equal(fedjit_store_open(f->path, FEDJIT_STORE_RDONLY, &s), -ENOENT);
	assert_int_equal(fedjit_store_open(f->path, 0, &s), -ENOENT);
	assert_int_equal(fedjit_store_open(f->path, FEDJIT_STORE_RDONLY | FEDJIT_STORE_CREATE, &s),
	                 -EINVAL);
	assert_null(s);
}

static void test_open_create(void **state)
{
	struct fx *f = *state;
	char sub[PATH_MAX];
	struct stat st;
	mode_t old = umask(077);

	open_rw(f);
	umask(old);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	snprintf(sub, sizeof(sub), "%s/sub", f->dir);
	assert_int_equal(stat(sub, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0755); /* whatever the umask */
	assert_consistent(f->s);
	/* Only the version key, no temporary file left behind: the store, its
	 * private store and the writers' lock file, both root-only. */
	assert_int_equal(count_keys(f->s), 1);
	{
		char cmd[PATH_MAX + 64], lock[PATH_MAX + 8], priv[PATH_MAX];

		snprintf(cmd, sizeof(cmd), "test $(ls '%s' | wc -l) -eq 3", sub);
		assert_int_equal(system(cmd), 0);
		snprintf(lock, sizeof(lock), "%s.lock", f->path);
		assert_int_equal(stat(lock, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0600);
		assert_int_equal(fedjit_store_private_path(f->path, priv, sizeof(priv)), 0);
		assert_string_equal(priv + strlen(priv) - strlen("/sub/fedjit.private.tdb"),
		                    "/sub/fedjit.private.tdb");
		assert_int_equal(stat(priv, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0600);
		assert_int_equal(st.st_uid, geteuid());
	}
	/* tdb allows one open per file per process. */
	struct fedjit_store *again = NULL;
	assert_int_equal(fedjit_store_open(f->path, 0, &again), -EBUSY);
	assert_int_equal(fedjit_store_open(f->path, FEDJIT_STORE_RDONLY, &again), -EBUSY);
	fedjit_store_close(f->s);
	f->s = NULL;
	assert_int_equal(fedjit_store_open(f->path, FEDJIT_STORE_RDONLY, &f->s), 0);
	assert_consistent(f->s);
}

static void test_open_symlink_and_junk(void **state)
{
	struct fx *f = *state;
	char link[PATH_MAX], junk[PATH_MAX], dir[PATH_MAX];
	struct fedjit_store *s = NULL;
	int fd;

	open_rw(f);
	fedjit_store_close(f->s);
	f->s = NULL;
	snprintf(link, sizeof(link), "%s/link.tdb", f->dir);
	assert_int_equal(symlink(f->path, link), 0);
	assert_int_equal(fedjit_store_open(link, FEDJIT_STORE_RDONLY, &s), -ELOOP);
	assert_int_equal(fedjit_store_open(link, 0, &s), -ELOOP);
	assert_int_equal(fedjit_store_open(link, FEDJIT_STORE_CREATE, &s), -ELOOP);

	snprintf(dir, sizeof(dir), "%s/adir.tdb", f->dir);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(fedjit_store_open(dir, FEDJIT_STORE_RDONLY, &s), -ENOTTY);

	/* Not a tdb at all: an error, not a crash, and not "missing". */
	snprintf(junk, sizeof(junk), "%s/junk.tdb", f->dir);
	fd = open(junk, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "this is not a tdb file at all, sorry", 36), 36);
	close(fd);
	assert_int_equal(fedjit_store_open(junk, FEDJIT_STORE_RDONLY, &s), -EIO);
	assert_int_equal(fedjit_store_open(junk, 0, &s), -EIO);
	/* Empty file. */
	fd = open(junk, O_WRONLY | O_TRUNC);
	close(fd);
	assert_int_equal(fedjit_store_open(junk, FEDJIT_STORE_RDONLY, &s), -EIO);
	assert_null(s);
}

static void test_version_key(void **state)
{
	struct fx *f = *state;
	const unsigned char newer[4] = {FEDJIT_STORE_VERSION + 1, 0, 0, 0};
	const unsigned char bad[3] = {1, 0, 0};
	struct fedjit_store *s = NULL;

	open_rw(f);
	put_raw(f->s, "version", 7, newer, 4);
	fedjit_store_close(f->s);
	f->s = NULL;
	assert_int_equal(fedjit_store_open(f->path, FEDJIT_STORE_RDONLY, &s), -EPROTONOSUPPORT);
	assert_int_equal(fedjit_store_open(f->path, 0, &s), -EPROTONOSUPPORT);
	assert_int_equal(fedjit_store_open(f->path, FEDJIT_STORE_CREATE, &s), -EPROTONOSUPPORT);
	assert_string_equal(fedjit_store_strerror(-EPROTONOSUPPORT),
	                    "store written by a newer fedjit (format version not supported)");

	/* A corrupt or missing version key is a corrupt store. */
	struct tdb_context *t = tdb_open(f->path, 0, 0, O_RDWR, 0);
	assert_non_null(t);
	TDB_DATA k = {(unsigned char *)"version", 7}, v = {(unsigned char *)bad, 3};
	assert_int_equal(tdb_store(t, k, v, TDB_REPLACE), 0);
	tdb_close(t);
	assert_int_equal(fedjit_store_open(f->path, FEDJIT_STORE_RDONLY, &s), -EBADMSG);
	t = tdb_open(f->path, 0, 0, O_RDWR, 0);
	assert_int_equal(tdb_delete(t, k), 0);
	tdb_close(t);
	assert_int_equal(fedjit_store_open(f->path, FEDJIT_STORE_RDONLY, &s), -EBADMSG);
	assert_null(s);
}

/* ---- create and read ---- */

static int view_cb(const struct fedjit_user_view *v, void *p)
{
	char *out = p;

	/* The NSS packer's way: one memcpy of the passwd block. */
	memcpy(out, v->pw_block, v->pw_block_len);
	return 42;
}

static void test_create_and_lookup(void **state)
{
	struct fx *f = *state;
	char b[128];
	struct fedjit_user u = mkuser(b, sizeof(b), 1, "corp"), *got = NULL;
	struct fedjit_group *g = NULL;
	const uint32_t gids[] = {27, 200001 /* its own primary gid: dropped */, 27};
	uint32_t *out = NULL;
	size_t n;
	char block[256];

	open_rw(f);
	assert_int_equal(fedjit_store_create_account(f->s, &u, NULL, gids, 3), 0);

	assert_int_equal(fedjit_store_get_user(f->s, "user1", &got), 0);
	assert_int_equal(got->uid, 200001);
	assert_string_equal(got->home, "/home/user1");
	assert_string_equal(got->subject, "corp-sub-1");
	fedjit_user_free(got);
	assert_int_equal(fedjit_store_get_user_by_uid(f->s, 200001, &got), 0);
	assert_string_equal(got->name, "user1");
	fedjit_user_free(got);
	assert_int_equal(
	        fedjit_store_get_user_by_link(f->s, "https://idp.example", "corp-sub-1", &got), 0);
	assert_string_equal(got->name, "user1");
	fedjit_user_free(got);

	assert_int_equal(fedjit_store_parse_user(f->s, "user1", view_cb, block), 42);
	assert_memory_equal(block, "user1\0x\0Test User\0/home/user1\0/bin/bash", 39);

	/* Its private group. */
	assert_int_equal(fedjit_store_get_group(f->s, "user1", &g), 0);
	assert_int_equal(g->gid, 200001);
	assert_int_equal(g->origin, FEDJIT_GROUP_PRIVATE);
	assert_int_equal(g->n_members, 0);
	fedjit_group_free(g);
	assert_int_equal(fedjit_store_get_group_by_gid(f->s, 200001, &g), 0);
	assert_string_equal(g->name, "user1");
	fedjit_group_free(g);

	/* Supplementary gids: deduplicated, primary dropped, foreign 27 kept. */
	assert_int_equal(fedjit_store_get_gids(f->s, "user1", &out, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(out[0], 27);
	free(out);

	/* Misses. */
	assert_int_equal(fedjit_store_get_user(f->s, "nobody", &got), -ENOENT);
	assert_int_equal(fedjit_store_get_user(f->s, "", &got), -ENOENT);
	assert_int_equal(fedjit_store_get_user_by_uid(f->s, 200002, &got), -ENOENT);
	assert_int_equal(fedjit_store_get_user_by_uid(f->s, 0, &got), -ENOENT);
	assert_int_equal(fedjit_store_get_user_by_link(f->s, "https://idp.example", "x", &got),
	                 -ENOENT);
	assert_int_equal(fedjit_store_get_group_by_gid(f->s, 27, &g), -ENOENT);
	assert_int_equal(fedjit_store_get_gids(f->s, "nobody", &out, &n), -ENOENT);
	assert_consistent(f->s);
}

static void test_duplicates(void **state)
{
	struct fx *f = *state;
	char b1[128], b2[128];
	struct fedjit_user u = mkuser(b1, sizeof(b1), 1, "corp"), v;
	int keys;

	open_rw(f);
	assert_int_equal(fedjit_store_create_account(f->s, &u, NULL, NULL, 0), 0);
	keys = count_keys(f->s);

	v = mkuser(b2, sizeof(b2), 2, "corp");
	v.name = "user1";
	assert_int_equal(fedjit_store_create_account(f->s, &v, NULL, NULL, 0), -FEDJIT_STORE_ENAME);
	v = mkuser(b2, sizeof(b2), 2, "corp");
	v.uid = u.uid;
	assert_int_equal(fedjit_store_create_account(f->s, &v, NULL, NULL, 0), -FEDJIT_STORE_EUID);
	v = mkuser(b2, sizeof(b2), 2, "corp");
	v.subject = u.subject;
	assert_int_equal(fedjit_store_create_account(f->s, &v, NULL, NULL, 0), -FEDJIT_STORE_ELINK);
	v = mkuser(b2, sizeof(b2), 2, "corp");
	v.gid = u.gid;
	assert_int_equal(fedjit_store_create_account(f->s, &v, NULL, NULL, 0), -FEDJIT_STORE_EGID);
	assert_int_equal(fedjit_store_ensure_group(f->s, "user2", 300000, "PRIMARY",
	                                           FEDJIT_GROUP_ADMIN, NULL),
	                 1);
	keys = count_keys(f->s);
	v = mkuser(b2, sizeof(b2), 2, "corp");
	assert_int_equal(fedjit_store_create_account(f->s, &v, NULL, NULL, 0),
	                 -FEDJIT_STORE_EGROUP);
	v.name = "bad:name";
	assert_int_equal(fedjit_store_create_account(f->s, &v, NULL, NULL, 0), -EINVAL);
	/* Nothing of the refused creations is left. */
	assert_int_equal(count_keys(f->s), keys);
	assert_consistent(f->s);
	/* The codes are distinct and have messages. */
	assert_string_equal(fedjit_store_strerror(-FEDJIT_STORE_ELINK),
	                    "federated identity already linked to an account");
}

static void test_shared_primary_and_groups(void **state)
{
	struct fx *f = *state;
	char b1[128], b2[128];
	struct fedjit_user u1 = mkuser(b1, sizeof(b1), 1, "corp");
	struct fedjit_user u2 = mkuser(b2, sizeof(b2), 2, "corp");
	struct fedjit_group *g = NULL;
	uint32_t gid = 0, *out = NULL;
	size_t n;

	open_rw(f);
	assert_int_equal(
	        fedjit_store_ensure_group(f->s, "devs", 70000, "PRIMARY", FEDJIT_GROUP_JIT, &gid),
	        1);
	assert_int_equal(gid, 70000);
	/* Ensuring again returns the existing gid, never a new one. */
	assert_int_equal(
	        fedjit_store_ensure_group(f->s, "devs", 70001, "PRIMARY", FEDJIT_GROUP_JIT, &gid),
	        0);
	assert_int_equal(gid, 70000);
	assert_int_equal(
	        fedjit_store_ensure_group(f->s, "ops", 70000, "PRIMARY", FEDJIT_GROUP_JIT, &gid),
	        -FEDJIT_STORE_EGID);

	u1.gid = u2.gid = 60000;
	const uint32_t supp[] = {70000, 27};
	assert_int_equal(fedjit_store_create_account(f->s, &u1, "staff", supp, 2), 0);
	assert_int_equal(fedjit_store_create_account(f->s, &u2, "staff", supp, 1), 0);
	assert_int_equal(fedjit_store_get_group(f->s, "staff", &g), 0);
	assert_int_equal(g->origin, FEDJIT_GROUP_SHARED_PRIMARY);
	assert_int_equal(g->gid, 60000);
	fedjit_group_free(g);
	/* A shared group under another gid is a caller error. */
	char b3[128];
	struct fedjit_user u3 = mkuser(b3, sizeof(b3), 3, "corp");
	assert_int_equal(fedjit_store_create_account(f->s, &u3, "staff", NULL, 0), -EINVAL);

	assert_int_equal(fedjit_store_get_group(f->s, "devs", &g), 0);
	assert_int_equal(g->n_members, 2);
	assert_string_equal(g->members[0], "user1");
	assert_string_equal(g->members[1], "user2");
	fedjit_group_free(g);
	assert_consistent(f->s);

	/* The shared primary group cannot go while in use. */
	assert_int_equal(fedjit_store_delete_group(f->s, "staff"), -EBUSY);
	/* Deleting a supplementary group takes it out of the members' lists. */
	assert_int_equal(fedjit_store_delete_group(f->s, "devs"), 0);
	assert_int_equal(fedjit_store_get_gids(f->s, "user1", &out, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(out[0], 27);
	free(out);
	assert_consistent(f->s);

	/* Deleting a user keeps the shared group. */
	assert_int_equal(fedjit_store_delete_account(f->s, "user1"), 0);
	assert_int_equal(fedjit_store_get_group(f->s, "staff", &g), 0);
	fedjit_group_free(g);
	assert_consistent(f->s);

	/* A primary group of another source (associate_existing): no group record,
	 * so gid 100 (users, say, from /etc/group) is not served twice. */
	char b4[128];
	struct fedjit_user u4 = mkuser(b4, sizeof(b4), 4, "corp");
	u4.gid = 100;
	assert_int_equal(
	        fedjit_store_create_account(f->s, &u4, FEDJIT_STORE_PRIMARY_FOREIGN, supp, 2), 0);
	assert_int_equal(fedjit_store_get_group_by_gid(f->s, 100, &g), -ENOENT);
	assert_int_equal(fedjit_store_get_group(f->s, "user4", &g), -ENOENT);
	assert_int_equal(fedjit_store_get_gids(f->s, "user4", &out, &n), 0);
	assert_int_equal(n, 2); /* recorded for initgroups */
	free(out);
	assert_consistent(f->s);
	assert_int_equal(fedjit_store_delete_account(f->s, "user4"), 0);
	assert_consistent(f->s);
}

/* A record of another source's group (FEDJIT_GROUP_FOREIGN): an account that
 * already had its gid joins it at the next group update, members follow the
 * lists, and the record goes with its last member. */
static void test_foreign_group(void **state)
{
	struct fx *f = *state;
	char b1[128], b2[128];
	struct fedjit_user u1 = mkuser(b1, sizeof(b1), 1, "corp"),
	                   u2 = mkuser(b2, sizeof(b2), 2, "corp");
	struct fedjit_group *g = NULL;
	const uint32_t sudo[] = {27};

	open_rw(f);
	assert_int_equal(fedjit_store_create_account(f->s, &u1, NULL, sudo, 1), 0);
	assert_int_equal(
	        fedjit_store_ensure_group(f->s, "sudo", 27, "", FEDJIT_GROUP_FOREIGN, NULL), 1);
	assert_int_equal(fedjit_store_create_account(f->s, &u2, NULL, sudo, 1), 0);
	assert_int_equal(fedjit_store_update_account(f->s, &u1, sudo, 1, FEDJIT_UPDATE_GROUPS), 0);
	assert_int_equal(fedjit_store_get_group_by_gid(f->s, 27, &g), 0);
	assert_string_equal(g->name, "sudo");
	assert_int_equal(g->origin, FEDJIT_GROUP_FOREIGN);
	assert_int_equal(g->n_members, 2);
	fedjit_group_free(g);
	assert_consistent(f->s);

	assert_int_equal(fedjit_store_update_account(f->s, &u1, NULL, 0, FEDJIT_UPDATE_GROUPS), 0);
	assert_int_equal(fedjit_store_get_group(f->s, "sudo", &g), 0);
	assert_int_equal(g->n_members, 1);
	assert_string_equal(g->members[0], "user2");
	fedjit_group_free(g);
	assert_int_equal(fedjit_store_delete_account(f->s, "user2"), 0);
	assert_int_equal(fedjit_store_get_group(f->s, "sudo", &g), -ENOENT);
	assert_int_equal(fedjit_store_get_group_by_gid(f->s, 27, &g), -ENOENT);
	assert_consistent(f->s);
}

static void test_update(void **state)
{
	struct fx *f = *state;
	char b[128];
	struct fedjit_user u = mkuser(b, sizeof(b), 1, "corp"), w, *got = NULL;
	struct fedjit_group *g = NULL;
	uint32_t *out = NULL;
	size_t n;

	open_rw(f);
	assert_int_equal(fedjit_store_ensure_group(f->s, "devs", 70000, "", FEDJIT_GROUP_JIT, NULL),
	                 1);
	assert_int_equal(fedjit_store_ensure_group(f->s, "ops", 70001, "", FEDJIT_GROUP_JIT, NULL),
	                 1);
	const uint32_t g1[] = {70000};
	assert_int_equal(fedjit_store_create_account(f->s, &u, NULL, g1, 1), 0);

	w = u;
	w.shell = "/bin/zsh";
	w.gecos = "Renamed";
	w.email = "u1@example.org";
	assert_int_equal(fedjit_store_update_account(f->s, &w, NULL, 0, FEDJIT_UPDATE_ATTRS), 0);
	assert_int_equal(fedjit_store_get_user(f->s, "user1", &got), 0);
	assert_string_equal(got->shell, "/bin/zsh");
	assert_string_equal(got->gecos, "Renamed");
	assert_string_equal(got->email, "u1@example.org");
	fedjit_user_free(got);

	/* Immutable attributes. */
	w = u;
	w.uid++;
	assert_int_equal(fedjit_store_update_account(f->s, &w, NULL, 0, FEDJIT_UPDATE_ATTRS),
	                 -FEDJIT_STORE_EIMMUTABLE);
	w = u;
	w.subject = "someone-else";
	assert_int_equal(fedjit_store_update_account(f->s, &w, NULL, 0, FEDJIT_UPDATE_ATTRS),
	                 -FEDJIT_STORE_EIMMUTABLE);
	w = u;
	w.gid = 1234;
	assert_int_equal(fedjit_store_update_account(f->s, &w, NULL, 0, FEDJIT_UPDATE_ATTRS),
	                 -FEDJIT_STORE_EIMMUTABLE);
	w = u;
	w.name = "ghost";
	assert_int_equal(fedjit_store_update_account(f->s, &w, NULL, 0, FEDJIT_UPDATE_ATTRS),
	                 -ENOENT);

	/* Re-sync groups: leave devs, join ops and sudo (27). */
	const uint32_t g2[] = {70001, 27};
	assert_int_equal(fedjit_store_update_account(f->s, &u, g2, 2, FEDJIT_UPDATE_GROUPS), 0);
	assert_int_equal(fedjit_store_get_gids(f->s, "user1", &out, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(out[0], 27);
	assert_int_equal(out[1], 70001);
	free(out);
	assert_int_equal(fedjit_store_get_group(f->s, "devs", &g), 0);
	assert_int_equal(g->n_members, 0);
	fedjit_group_free(g);
	assert_int_equal(fedjit_store_get_group(f->s, "ops", &g), 0);
	assert_int_equal(g->n_members, 1);
	fedjit_group_free(g);
	/* The groups-only update left the attributes alone. */
	assert_int_equal(fedjit_store_get_user(f->s, "user1", &got), 0);
	assert_string_equal(got->shell, "/bin/zsh");
	fedjit_user_free(got);
	assert_consistent(f->s);

	/* Last login, flags, lock by name and by identity. */
	assert_int_equal(fedjit_store_set_last_login(f->s, "user1", 1800000000), 0);
	assert_int_equal(fedjit_store_set_flags(f->s, "user1", FEDJIT_USER_PENDING, 0), 0);
	assert_int_equal(fedjit_store_set_locked(f->s, "user1", true), 0);
	assert_int_equal(fedjit_store_get_user(f->s, "user1", &got), 0);
	assert_true(got->last_login == 1800000000);
	assert_int_equal(got->flags, FEDJIT_USER_PENDING | FEDJIT_USER_LOCKED);
	fedjit_user_free(got);
	char *name = NULL;
	assert_int_equal(fedjit_store_set_locked_by_link(f->s, "https://idp.example", "corp-sub-1",
	                                                 false, &name),
	                 0);
	assert_string_equal(name, "user1");
	free(name);
	assert_int_equal(fedjit_store_set_flags(f->s, "user1", 0, FEDJIT_USER_PENDING), 0);
	assert_int_equal(fedjit_store_get_user(f->s, "user1", &got), 0);
	assert_int_equal(got->flags, 0);
	fedjit_user_free(got);
	assert_int_equal(
	        fedjit_store_set_locked_by_link(f->s, "https://idp.example", "nope", true, NULL),
	        -ENOENT);
	assert_int_equal(fedjit_store_set_locked(f->s, "ghost", true), -ENOENT);
	assert_int_equal(fedjit_store_set_flags(f->s, "user1", 1u << 9, 0), -EINVAL);
	assert_consistent(f->s);
}

static void test_delete_and_purge(void **state)
{
	struct fx *f = *state;
	char b[6][128];
	struct fedjit_user u;
	char **names = NULL, **left = NULL;
	struct fedjit_group *g = NULL;
	size_t n;
	int keys_empty;

	open_rw(f);
	keys_empty = count_keys(f->s);
	assert_int_equal(fedjit_store_ensure_group(f->s, "devs", 70000, "", FEDJIT_GROUP_JIT, NULL),
	                 1);
	const uint32_t supp[] = {70000, 27};
	for (unsigned i = 0; i < 6; i++) {
		u = mkuser(b[i], sizeof(b[i]), i, i % 2 ? "corp" : "social");
		assert_int_equal(fedjit_store_create_account(f->s, &u, NULL, supp, 2), 0);
	}
	assert_int_equal(fedjit_store_delete_account(f->s, "user0"), 0);
	assert_int_equal(fedjit_store_delete_account(f->s, "user0"), -ENOENT);
	assert_int_equal(fedjit_store_get_group(f->s, "user0", &g), -ENOENT);
	assert_consistent(f->s);

	assert_int_equal(fedjit_store_purge_idp(f->s, "corp", &names), 3);
	assert_string_equal(names[0], "user1");
	assert_string_equal(names[1], "user3");
	assert_string_equal(names[2], "user5");
	assert_null(names[3]);
	fedjit_strv_free(names);
	assert_int_equal(fedjit_store_purge_idp(f->s, "nobody", &names), 0);
	assert_null(names[0]);
	fedjit_strv_free(names);

	assert_int_equal(fedjit_store_list_users(f->s, &left, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(left[0], "user2");
	assert_string_equal(left[1], "user4");
	fedjit_strv_free(left);
	assert_int_equal(fedjit_store_get_group(f->s, "devs", &g), 0);
	assert_int_equal(g->n_members, 2);
	fedjit_group_free(g);
	assert_consistent(f->s);

	assert_int_equal(fedjit_store_purge_idp(f->s, "social", NULL), 2);
	assert_int_equal(fedjit_store_delete_group(f->s, "devs"), 0);
	/* Back to the version key alone. */
	assert_int_equal(count_keys(f->s), keys_empty);
	assert_consistent(f->s);
}

static int count_cb(const struct fedjit_user_view *v, void *p)
{
	(*(int *)p)++;
	return 0;
}

static int stop_cb(const struct fedjit_user_view *v, void *p)
{
	return 7;
}

static void test_iteration(void **state)
{
	struct fx *f = *state;
	char b[128];
	struct fedjit_user u;
	char **names = NULL;
	size_t n;
	int seen = 0;

	open_rw(f);
	assert_int_equal(fedjit_store_list_users(f->s, &names, &n), 0);
	assert_int_equal(n, 0);
	assert_null(names[0]);
	fedjit_strv_free(names);
	for (unsigned i = 0; i < 50; i++) {
		u = mkuser(b, sizeof(b), i, "corp");
		assert_int_equal(fedjit_store_create_account(f->s, &u, NULL, NULL, 0), 0);
	}
	assert_int_equal(fedjit_store_foreach_user(f->s, count_cb, &seen), 50);
	assert_int_equal(seen, 50);
	assert_int_equal(fedjit_store_foreach_user(f->s, stop_cb, NULL), 7);
	assert_int_equal(fedjit_store_list_groups(f->s, &names, &n), 0);
	assert_int_equal(n, 50);
	for (size_t i = 1; i < n; i++)
		assert_true(strcmp(names[i - 1], names[i]) < 0);
	fedjit_strv_free(names);
}

/* ---- failure injection: a transaction that fails halfway leaves nothing ---- */

static void test_fail_halfway(void **state)
{
	struct fx *f = *state;
	char b[128], b0[128];
	struct fedjit_user u = mkuser(b, sizeof(b), 1, "corp"), *got = NULL;
	struct fedjit_user u0 = mkuser(b0, sizeof(b0), 0, "corp");
	const uint32_t supp[] = {70000, 27};
	int keys, failures = 0;

	open_rw(f);
	assert_int_equal(fedjit_store_ensure_group(f->s, "devs", 70000, "", FEDJIT_GROUP_JIT, NULL),
	                 1);
	assert_int_equal(fedjit_store_create_account(f->s, &u0, NULL, supp, 2), 0);
	keys = count_keys(f->s);
	/* Fail the 1st, 2nd, ... write until the creation needs fewer writes. */
	for (unsigned k = 1;; k++) {
		fedjit_store_debug_fail_after = k;
		int r = fedjit_store_create_account(f->s, &u, NULL, supp, 2);

		if (r == 0)
			break;
		assert_int_equal(r, -EIO);
		failures++;
		assert_int_equal(fedjit_store_get_user(f->s, "user1", &got), -ENOENT);
		assert_int_equal(count_keys(f->s), keys);
		assert_consistent(f->s);
		assert_true(k < 100);
	}
	fedjit_store_debug_fail_after = 0;
	/* user, uid, link, gids, private group, gid index, devs membership. */
	assert_true(failures >= 7);
	assert_consistent(f->s);
	keys = count_keys(f->s);

	/* Same for a delete and a purge. */
	for (unsigned k = 1; k < 4; k++) {
		fedjit_store_debug_fail_after = k;
		assert_int_equal(fedjit_store_delete_account(f->s, "user1"), -EIO);
		assert_int_equal(count_keys(f->s), keys);
		fedjit_store_debug_fail_after = k + 3;
		assert_int_equal(fedjit_store_purge_idp(f->s, "corp", NULL), -EIO);
		assert_int_equal(count_keys(f->s), keys);
		assert_consistent(f->s);
	}
	fedjit_store_debug_fail_after = 0;
	assert_int_equal(fedjit_store_get_user(f->s, "user1", &got), 0);
	fedjit_user_free(got);
}

/* A batch commits all of its operations, or none when any one fails. */
static void test_batch(void **state)
{
	struct fx *f = *state;
	char b1[128], b2[128], b3[128];
	struct fedjit_user u1 = mkuser(b1, sizeof(b1), 1, "corp"), *got = NULL;
	struct fedjit_user u2 = mkuser(b2, sizeof(b2), 2, "corp");
	struct fedjit_user u3 = mkuser(b3, sizeof(b3), 3, "corp");
	int keys;

	open_rw(f);
	assert_int_equal(fedjit_store_batch_begin(f->s), 0);
	assert_int_equal(fedjit_store_batch_begin(f->s), -EBUSY);
	assert_int_equal(fedjit_store_create_account(f->s, &u1, NULL, NULL, 0), 0);
	/* Reads inside the batch see its writes. */
	assert_int_equal(fedjit_store_get_user(f->s, "user1", &got), 0);
	fedjit_user_free(got);
	assert_int_equal(fedjit_store_create_account(f->s, &u2, NULL, NULL, 0), 0);
	assert_int_equal(fedjit_store_batch_end(f->s, 0), 0);
	assert_consistent(f->s);
	keys = count_keys(f->s);

	/* A refused operation cancels the batch, the earlier ones included. */
	assert_int_equal(fedjit_store_batch_begin(f->s), 0);
	assert_int_equal(fedjit_store_create_account(f->s, &u3, NULL, NULL, 0), 0);
	assert_int_equal(fedjit_store_create_account(f->s, &u1, NULL, NULL, 0),
	                 -FEDJIT_STORE_ENAME);
	assert_int_equal(fedjit_store_set_locked(f->s, "user2", true), -ECANCELED);
	assert_int_equal(fedjit_store_batch_end(f->s, 0), -ECANCELED);
	assert_int_equal(fedjit_store_get_user(f->s, "user3", &got), -ENOENT);
	assert_int_equal(count_keys(f->s), keys);

	/* The caller's own error cancels too. */
	assert_int_equal(fedjit_store_batch_begin(f->s), 0);
	assert_int_equal(fedjit_store_create_account(f->s, &u3, NULL, NULL, 0), 0);
	assert_int_equal(fedjit_store_batch_end(f->s, -EINVAL), -EINVAL);
	assert_int_equal(fedjit_store_get_user(f->s, "user3", &got), -ENOENT);
	assert_int_equal(fedjit_store_batch_end(f->s, 0), -EINVAL);
	assert_consistent(f->s);
}

static int hash_cb(const char *hash, void *p)
{
	return strcmp(hash, p) == 0 ? 1 : -EILSEQ;
}

static void test_secret_store(void **state)
{
	struct fx *f = *state;
	struct fedjit_secret_store *ss = NULL;
	struct fedjit_consent c = {.when = 1700000000,
	                           .text_version = 2,
	                           .idp = "corp",
	                           .what = "name -> gecos"},
	                      *co = NULL;
	char *hash = NULL, **names = NULL;
	struct stat st;
	size_t n;
	mode_t old = umask(0);

	assert_int_equal(fedjit_secret_open(f->secret, FEDJIT_STORE_RDONLY, &ss), -ENOENT);
	assert_int_equal(
	        fedjit_secret_open(f->secret, FEDJIT_STORE_CREATE | FEDJIT_STORE_NOSYNC, &ss), 0);
	umask(old);
	assert_int_equal(stat(f->secret, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	assert_int_equal(fedjit_secret_get_password_hash(ss, "alice", &hash), -ENOENT);
	assert_int_equal(fedjit_secret_set_password_hash(ss, "alice", "$y$j9T$s$h"), 0);
	assert_int_equal(fedjit_secret_get_password_hash(ss, "alice", &hash), 0);
	assert_string_equal(hash, "$y$j9T$s$h");
	fedjit_secret_free(hash);
	assert_int_equal(fedjit_secret_parse_password_hash(ss, "alice", hash_cb, "$y$j9T$s$h"), 1);
	assert_int_equal(fedjit_secret_set_password_hash(ss, "alice", "bad:hash"), -EINVAL);

	assert_int_equal(fedjit_secret_set_consent(ss, "alice", &c), 0);
	assert_int_equal(fedjit_secret_set_consent(ss, "bob", &c), 0);
	assert_int_equal(fedjit_secret_get_consent(ss, "alice", &co), 0);
	assert_int_equal(co->text_version, 2);
	assert_string_equal(co->what, "name -> gecos");
	fedjit_consent_free(co);

	assert_int_equal(fedjit_secret_list_users(ss, &names, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "alice");
	assert_string_equal(names[1], "bob");
	fedjit_strv_free(names);

	assert_int_equal(fedjit_secret_set_password_hash(ss, "alice", NULL), 0);
	assert_int_equal(fedjit_secret_get_password_hash(ss, "alice", &hash), -ENOENT);
	assert_int_equal(fedjit_secret_delete_user(ss, "alice"), 0);
	assert_int_equal(fedjit_secret_delete_user(ss, "alice"), 0);
	assert_int_equal(fedjit_secret_get_consent(ss, "alice", &co), -ENOENT);
	fedjit_secret_close(ss);

	/* A secret store others can read is refused. */
	assert_int_equal(chmod(f->secret, 0644), 0);
	assert_int_equal(fedjit_secret_open(f->secret, FEDJIT_STORE_RDONLY, &ss), -EPERM);
	assert_int_equal(fedjit_secret_open(f->secret, 0, &ss), -EPERM);
	assert_int_equal(chmod(f->secret, 0600), 0);
	assert_int_equal(fedjit_secret_open(f->secret, FEDJIT_STORE_RDONLY, &ss), 0);
	assert_int_equal(fedjit_secret_get_consent(ss, "bob", &co), 0);
	fedjit_consent_free(co);
	assert_int_equal(fedjit_secret_set_password_hash(ss, "bob", "x"), -EROFS);
	fedjit_secret_close(ss);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_open_missing, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_open_create, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_open_symlink_and_junk, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_version_key, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_create_and_lookup, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_duplicates, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_shared_primary_and_groups, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_update, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_foreign_group, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_delete_and_purge, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_iteration, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_fail_halfway, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_secret_store, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_batch, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every entry point of libnss_fedjit, called through dlopen() the way glibc
 * calls it, against a store built by fixture.c. Every buffer size from 1 up
 * to the first one that works: below it TRYAGAIN/ERANGE and the buffer not
 * touched at all, from it on SUCCESS and nothing written past the size.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include "macro.h"
#include "nss-fedjit.h"
#include "store.h"

#define N_BULK 50
#define GUARD  64

static char tmpdir[] = "/tmp/fedjit-nss-test.XXXXXX";
static char db[256], secret[256];
static void *mod;

/* Declared for typeof only; the module is reached through dlsym. */
FEDJIT_NSS_PROTOTYPES(extern);

#define SYM(name) typeof(&_nss_fedjit_##name) name
static struct {
	SYM(getpwnam_r);
	SYM(getpwuid_r);
	SYM(setpwent);
	SYM(getpwent_r);
	SYM(endpwent);
	SYM(getgrnam_r);
	SYM(getgrgid_r);
	SYM(setgrent);
	SYM(getgrent_r);
	SYM(endgrent);
	SYM(initgroups_dyn);
	SYM(getspnam_r);
	SYM(setspent);
	SYM(getspent_r);
	SYM(endspent);
	SYM(block);
} nss;

static int setup(void **state)
{
	const char *top = getenv("top_builddir");
	char path[512];

	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(db, sizeof(db), "%s/fedjit.tdb", tmpdir);
	snprintf(secret, sizeof(secret), "%s/secret.tdb", tmpdir);
	if (fedjit_test_nss_fixture(db, secret, N_BULK) < 0)
		return -1;
	setenv("FEDJIT_NSS_DB", db, 1);
	setenv("FEDJIT_NSS_SECRET_DB", secret, 1);
	unsetenv("FEDJIT_NSS_BYPASS");

	snprintf(path, sizeof(path), "%s/nss/.libs/libnss_fedjittest.so", top ? top : ".");
	mod = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!mod) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		return -1;
	}
#define LOAD(name)                                                     \
	if (!(*(void **)&nss.name = dlsym(mod, "_nss_fedjit_" #name))) \
		return -1;
	LOAD(getpwnam_r) LOAD(getpwuid_r) LOAD(setpwent) LOAD(getpwent_r) LOAD(endpwent);
	LOAD(getgrnam_r) LOAD(getgrgid_r) LOAD(setgrent) LOAD(getgrent_r) LOAD(endgrent);
	LOAD(initgroups_dyn) LOAD(getspnam_r) LOAD(setspent) LOAD(getspent_r) LOAD(endspent);
	LOAD(block);
	return 0;
}

static int teardown(void **state)
{
	char cmd[512];
	/* the module stays loaded (-z nodelete, as glibc keeps NSS modules) */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The module looks for a replaced store file every FEDJIT_NSS_RECHECK_MS. */
static void recheck_wait(void)
{
	usleep((FEDJIT_NSS_RECHECK_MS + 50) * 1000);
}

/* ---- the buffer-size sweep ---- */

typedef enum nss_status (*call_fn)(void *result, char *buf, size_t len, int *errnop, void *ctx);

/*
 * Call fn with buffer sizes 1, 2, ... until it succeeds. Returns the size that
 * worked; result holds the entry, *ret_buf the buffer (caller frees).
 */
static size_t sweep(call_fn fn, void *result, void *ctx, char **ret_buf)
{
	for (size_t len = 1; len <= 65536; len++) {
		char *buf = malloc(len + GUARD);
		int err = 0;
		assert_non_null(buf);
		memset(buf, 0xa5, len + GUARD);
		errno = 4242;
		enum nss_status st = fn(result, buf, len, &err, ctx);
		if (st == NSS_STATUS_TRYAGAIN) {
			assert_int_equal(err, ERANGE);
			for (size_t i = 0; i < len + GUARD; i++)
				assert_int_equal((unsigned char)buf[i], 0xa5);
			free(buf);
			continue;
		}
		assert_int_equal(st, NSS_STATUS_SUCCESS);
		assert_int_equal(errno, 4242); /* errno preserved on success */
		for (size_t i = len; i < len + GUARD; i++)
			assert_int_equal((unsigned char)buf[i], 0xa5);
		*ret_buf = buf;
		return len;
	}
	fail_msg("no buffer size worked");
	return 0;
}

static enum nss_status call_pwnam(void *res, char *buf, size_t len, int *err, void *ctx)
{
	return nss.getpwnam_r(ctx, res, buf, len, err);
}

static enum nss_status call_pwuid(void *res, char *buf, size_t len, int *err, void *ctx)
{
	return nss.getpwuid_r(*(uid_t *)ctx, res, buf, len, err);
}

static enum nss_status call_grnam(void *res, char *buf, size_t len, int *err, void *ctx)
{
	return nss.getgrnam_r(ctx, res, buf, len, err);
}

static enum nss_status call_grgid(void *res, char *buf, size_t len, int *err, void *ctx)
{
	return nss.getgrgid_r(*(gid_t *)ctx, res, buf, len, err);
}

static enum nss_status call_spnam(void *res, char *buf, size_t len, int *err, void *ctx)
{
	return nss.getspnam_r(ctx, res, buf, len, err);
}

static enum nss_status call_pwent(void *res, char *buf, size_t len, int *err, void *ctx)
{
	return nss.getpwent_r(res, buf, len, err);
}

static enum nss_status call_grent(void *res, char *buf, size_t len, int *err, void *ctx)
{
	return nss.getgrent_r(res, buf, len, err);
}

static enum nss_status call_spent(void *res, char *buf, size_t len, int *err, void *ctx)
{
	return nss.getspent_r(res, buf, len, err);
}

static void check_alice(const struct passwd *pw)
{
	assert_string_equal(pw->pw_name, "alice");
	assert_string_equal(pw->pw_passwd, "x");
	assert_int_equal(pw->pw_uid, 200001);
	assert_int_equal(pw->pw_gid, 200001);
	assert_string_equal(pw->pw_gecos, "Alice Liddell");
	assert_string_equal(pw->pw_dir, "/home/alice");
	assert_string_equal(pw->pw_shell, "/bin/bash");
}

static void test_getpwnam(void **state)
{
	struct passwd pw;
	char *buf;
	size_t need = sweep(call_pwnam, &pw, "alice", &buf);
	check_alice(&pw);
	/* exactly the record's strings: name, x, gecos, home, shell with NULs */
	assert_int_equal(need, strlen("alice") + 1 + 2 + strlen("Alice Liddell") + 1 +
	                               strlen("/home/alice") + 1 + strlen("/bin/bash") + 1);
	free(buf);
}

static void test_getpwuid(void **state)
{
	struct passwd pw;
	uid_t uid = 200001;
	char *buf;
	sweep(call_pwuid, &pw, &uid, &buf);
	check_alice(&pw);
	free(buf);

	uid = FIX_BULK_UID + N_BULK - 1;
	sweep(call_pwuid, &pw, &uid, &buf);
	assert_string_equal(pw.pw_name, "u000049");
	free(buf);
}

static void test_misses(void **state)
{
	struct passwd pw;
	struct group gr;
	char buf[1024];
	int err = 0;

	static const char *const names[] = {"nosuchuser", "",       "a:b", "../x", "Alice",
	                                    "-x",         "root\n", "x@Y", "12345"};
	for (size_t i = 0; i < FEDJIT_ELEMENTSOF(names); i++) {
		err = 0;
		assert_int_equal(nss.getpwnam_r(names[i], &pw, buf, sizeof(buf), &err),
		                 NSS_STATUS_NOTFOUND);
		assert_int_equal(err, ENOENT);
		assert_int_equal(nss.getgrnam_r(names[i], &gr, buf, sizeof(buf), &err),
		                 NSS_STATUS_NOTFOUND);
	}
	char long_name[300];
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	assert_int_equal(nss.getpwnam_r(long_name, &pw, buf, sizeof(buf), &err),
	                 NSS_STATUS_NOTFOUND);
	assert_int_equal(nss.getpwuid_r(0, &pw, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
	assert_int_equal(nss.getpwuid_r(199999, &pw, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
	assert_int_equal(nss.getgrgid_r(27, &gr, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
}

static void check_devs(const struct group *gr)
{
	assert_string_equal(gr->gr_name, "devs");
	assert_int_equal(gr->gr_gid, 300001);
	assert_non_null(gr->gr_mem);
	assert_int_equal((uintptr_t)gr->gr_mem % _Alignof(char *), 0);
	size_t n = 0;
	bool a = false, b = false;
	for (; gr->gr_mem[n]; n++) {
		a |= strcmp(gr->gr_mem[n], "alice") == 0;
		b |= strcmp(gr->gr_mem[n], "bob") == 0;
	}
	assert_int_equal(n, 2);
	assert_true(a && b);
}

static void test_getgr(void **state)
{
	struct group gr;
	gid_t gid = 300001;
	char *buf;

	sweep(call_grnam, &gr, "devs", &buf);
	check_devs(&gr);
	free(buf);
	sweep(call_grgid, &gr, &gid, &buf);
	check_devs(&gr);
	free(buf);

	sweep(call_grnam, &gr, "empty", &buf);
	assert_int_equal(gr.gr_gid, 300003);
	assert_null(gr.gr_mem[0]);
	free(buf);

	/* a user private group */
	sweep(call_grnam, &gr, "alice", &buf);
	assert_int_equal(gr.gr_gid, 200001);
	free(buf);
}

/* Buffers at every misalignment: gr_mem must still come out aligned. */
static void test_getgr_alignment(void **state)
{
	char raw[1024 + 16];
	struct group gr;
	int err;

	for (size_t off = 0; off < 16; off++) {
		assert_int_equal(nss.getgrnam_r("devs", &gr, raw + off, 1024, &err),
		                 NSS_STATUS_SUCCESS);
		check_devs(&gr);
		assert_true((char *)gr.gr_mem >= raw + off);
	}
}

static void test_initgroups(void **state)
{
	long int start = 1, size = 1;
	gid_t *groups = malloc(sizeof(gid_t));
	int err = 0;

	groups[0] = 200001;
	errno = 4242;
	assert_int_equal(nss.initgroups_dyn("alice", 200001, &start, &size, &groups, 0, &err),
	                 NSS_STATUS_SUCCESS);
	assert_int_equal(errno, 4242);
	assert_int_equal(start, 4);
	bool devs = false, ops = false, sudo = false;
	for (long int i = 1; i < start; i++) {
		devs |= groups[i] == 300001;
		ops |= groups[i] == 300002;
		sudo |= groups[i] == FIX_SUDO_GID;
	}
	assert_true(devs && ops && sudo);

	/* again: nothing is added twice */
	assert_int_equal(nss.initgroups_dyn("alice", 200001, &start, &size, &groups, 0, &err),
	                 NSS_STATUS_SUCCESS);
	assert_int_equal(start, 4);

	/* a limit is honoured */
	start = 1;
	assert_int_equal(nss.initgroups_dyn("alice", 200001, &start, &size, &groups, 2, &err),
	                 NSS_STATUS_SUCCESS);
	assert_true(start <= 4);
	start = 1;
	size = 1;
	gid_t *small = malloc(sizeof(gid_t));
	small[0] = 1;
	assert_int_equal(nss.initgroups_dyn("alice", 200001, &start, &size, &small, 2, &err),
	                 NSS_STATUS_SUCCESS);
	assert_int_equal(start, 2);
	assert_int_equal(size, 2);
	free(small);

	start = 1;
	assert_int_equal(nss.initgroups_dyn("nosuchuser", 1, &start, &size, &groups, 0, &err),
	                 NSS_STATUS_NOTFOUND);
	assert_int_equal(nss.initgroups_dyn("a:b", 1, &start, &size, &groups, 0, &err),
	                 NSS_STATUS_NOTFOUND);
	free(groups);
}

static void check_sp(const char *name, const char *pwd, long expire)
{
	struct spwd sp;
	char *buf;
	sweep(call_spnam, &sp, (void *)name, &buf);
	assert_string_equal(sp.sp_namp, name);
	assert_string_equal(sp.sp_pwdp, pwd);
	assert_int_equal(sp.sp_lstchg, -1);
	assert_int_equal(sp.sp_max, -1);
	assert_int_equal(sp.sp_expire, expire);
	free(buf);
}

static void test_getspnam(void **state)
{
	if (geteuid() != 0)
		skip();
	check_sp("alice", "*", -1);
	check_sp("bob", FIX_BOB_HASH, -1);
	check_sp("carol", "!" FIX_CAROL_HASH, 1);
	check_sp("dave", "!*", 1);

	struct spwd sp;
	char buf[512];
	int err;
	assert_int_equal(nss.getspnam_r("nosuchuser", &sp, buf, sizeof(buf), &err),
	                 NSS_STATUS_NOTFOUND);

	/* not root: no shadow at all */
	assert_int_equal(seteuid(65534), 0);
	assert_int_equal(nss.getspnam_r("bob", &sp, buf, sizeof(buf), &err), NSS_STATUS_UNAVAIL);
	assert_int_equal(err, EACCES);
	assert_int_equal(seteuid(0), 0);
}

/* Enumerate with the sweep on every entry; return how many and check the names. */
static void test_enum_passwd(void **state)
{
	char seen[N_BULK] = {0};
	unsigned named = 0, total = 0;
	struct passwd pw;

	assert_int_equal(nss.setpwent(1), NSS_STATUS_SUCCESS);
	for (;;) {
		char *buf;
		/* probe for the end with a big buffer first: a sweep cannot see it */
		char big[4096];
		int err = 0;
		struct passwd probe;
		enum nss_status st = nss.getpwent_r(&probe, big, 1, &err);
		if (st == NSS_STATUS_NOTFOUND)
			break;
		assert_int_equal(st, NSS_STATUS_TRYAGAIN); /* 1 byte never fits */
		sweep(call_pwent, &pw, NULL, &buf);
		total++;
		if (pw.pw_uid >= FIX_BULK_UID) {
			unsigned i = pw.pw_uid - FIX_BULK_UID;
			assert_true(i < N_BULK);
			assert_false(seen[i]);
			seen[i] = 1;
		} else {
			named++;
		}
		free(buf);
	}
	nss.endpwent();
	assert_int_equal(named, 4);
	assert_int_equal(total, 4 + N_BULK);

	/* rewinding starts over */
	char buf[1024];
	int err;
	nss.setpwent(0);
	assert_int_equal(nss.getpwent_r(&pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	nss.endpwent();
}

static void test_enum_group(void **state)
{
	struct group gr;
	unsigned total = 0;
	bool devs = false;

	nss.setgrent(0);
	for (;;) {
		char *buf, big[8];
		int err = 0;
		struct group probe;
		if (nss.getgrent_r(&probe, big, 1, &err) == NSS_STATUS_NOTFOUND)
			break;
		sweep(call_grent, &gr, NULL, &buf);
		if (strcmp(gr.gr_name, "devs") == 0) {
			check_devs(&gr);
			devs = true;
		}
		total++;
		free(buf);
	}
	nss.endgrent();
	assert_true(devs);
	/* 3 shared groups + 4 + N_BULK private groups */
	assert_int_equal(total, 3 + 4 + N_BULK);
}

static void test_enum_shadow(void **state)
{
	if (geteuid() != 0)
		skip();
	struct spwd sp;
	unsigned total = 0;
	bool bob = false;

	nss.setspent(0);
	for (;;) {
		char *buf, big[8];
		int err = 0;
		struct spwd probe;
		if (nss.getspent_r(&probe, big, 1, &err) == NSS_STATUS_NOTFOUND)
			break;
		sweep(call_spent, &sp, NULL, &buf);
		if (strcmp(sp.sp_namp, "bob") == 0) {
			assert_string_equal(sp.sp_pwdp, FIX_BOB_HASH);
			bob = true;
		}
		total++;
		free(buf);
	}
	nss.endspent();
	assert_true(bob);
	assert_int_equal(total, 4 + N_BULK);
}

static void test_bypass(void **state)
{
	struct passwd pw;
	char buf[1024];
	int err = 0;

	/* the module holds the store open: this process cannot (tdb: EBUSY) */
	assert_int_equal(nss.getpwnam_r("alice", &pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	struct fedjit_store *s = NULL;
	assert_int_equal(fedjit_store_open(db, FEDJIT_STORE_RDONLY, &s), -EBUSY);

	setenv("FEDJIT_NSS_BYPASS", "1", 1);
	assert_int_equal(nss.getpwnam_r("alice", &pw, buf, sizeof(buf), &err), NSS_STATUS_UNAVAIL);
	/* switched off, it let go of the store */
	assert_int_equal(fedjit_store_open(db, FEDJIT_STORE_RDONLY, &s), 0);
	assert_int_equal(nss.getpwnam_r("alice", &pw, buf, sizeof(buf), &err), NSS_STATUS_UNAVAIL);
	fedjit_store_close(s);
	assert_int_equal(nss.getpwuid_r(200001, &pw, buf, sizeof(buf), &err), NSS_STATUS_UNAVAIL);
	unsetenv("FEDJIT_NSS_BYPASS");
	assert_int_equal(nss.getpwnam_r("alice", &pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);

	assert_int_equal(nss.block(1), 1);
	assert_int_equal(nss.getpwnam_r("alice", &pw, buf, sizeof(buf), &err), NSS_STATUS_UNAVAIL);
	long int start = 0, size = 0;
	gid_t *g = NULL;
	assert_int_equal(nss.initgroups_dyn("alice", 1, &start, &size, &g, 0, &err),
	                 NSS_STATUS_UNAVAIL);
	assert_int_equal(nss.block(0), 0);
	assert_int_equal(nss.getpwnam_r("alice", &pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
}

/* After fork the child reopens and answers; the parent keeps answering. */
static void test_fork(void **state)
{
	struct passwd pw;
	char buf[1024];
	int err;

	assert_int_equal(nss.getpwnam_r("bob", &pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		bool ok =
		        nss.getpwnam_r("alice", &pw, buf, sizeof(buf), &err) ==
		                NSS_STATUS_SUCCESS &&
		        pw.pw_uid == 200001 &&
		        nss.getpwuid_r(200002, &pw, buf, sizeof(buf), &err) == NSS_STATUS_SUCCESS &&
		        strcmp(pw.pw_name, "bob") == 0;
		_exit(ok ? 0 : 1);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(nss.getpwnam_r("alice", &pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
}

/* No store yet: NOTFOUND (the machine works before the first login). */
static void test_missing_db(void **state)
{
	struct passwd pw;
	struct group gr;
	char buf[1024], path[300];
	int err = 0;

	snprintf(path, sizeof(path), "%s/none.tdb", tmpdir);
	setenv("FEDJIT_NSS_DB", path, 1);
	assert_int_equal(nss.getpwnam_r("alice", &pw, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
	assert_int_equal(err, ENOENT);
	assert_int_equal(nss.getgrgid_r(300001, &gr, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
	nss.setpwent(0);
	assert_int_equal(nss.getpwent_r(&pw, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
	nss.endpwent();
	setenv("FEDJIT_NSS_DB", db, 1);
	assert_int_equal(nss.getpwnam_r("alice", &pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
}

/* Unreadable or corrupt: UNAVAIL with an errno, never TRYAGAIN, never a crash. */
static void test_corrupt_db(void **state)
{
	struct passwd pw;
	char buf[1024], path[300];
	int err = 0;

	snprintf(path, sizeof(path), "%s/garbage.tdb", tmpdir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	char junk[8192];
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(i * 7 + 3);
	assert_int_equal(write(fd, junk, sizeof(junk)), sizeof(junk));
	close(fd);
	setenv("FEDJIT_NSS_DB", path, 1);
	enum nss_status st = nss.getpwnam_r("alice", &pw, buf, sizeof(buf), &err);
	assert_int_equal(st, NSS_STATUS_UNAVAIL);
	assert_int_equal(err, EIO); /* at once: not a commit to wait for (EAGAIN) */
	st = nss.getpwuid_r(200001, &pw, buf, sizeof(buf), &err);
	assert_int_equal(st, NSS_STATUS_UNAVAIL);

	/* a tdb that is not a fedjit store (no version key) */
	snprintf(path, sizeof(path), "%s/foreign.tdb", tmpdir);
	struct tdb_context *t = tdb_open(path, 0, 0, O_RDWR | O_CREAT, 0644);
	assert_non_null(t);
	tdb_close(t);
	setenv("FEDJIT_NSS_DB", path, 1);
	assert_int_equal(nss.getpwnam_r("alice", &pw, buf, sizeof(buf), &err), NSS_STATUS_UNAVAIL);
	assert_int_equal(err, EBADMSG); /* no version key: not a fedjit store */

	/* unreadable (as a non-root user) */
	if (geteuid() == 0) {
		chmod(db, 0600);
		setenv("FEDJIT_NSS_DB", db, 1);
		recheck_wait(); /* an open handle stays usable; a new check fails */
		assert_int_equal(seteuid(65534), 0);
		st = nss.getpwnam_r("alice", &pw, buf, sizeof(buf), &err);
		assert_int_equal(seteuid(0), 0);
		chmod(db, 0644);
		assert_int_equal(st, NSS_STATUS_UNAVAIL);
		assert_int_equal(err, EACCES);
	}
	setenv("FEDJIT_NSS_DB", db, 1);
	assert_int_equal(nss.getpwnam_r("alice", &pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
}

/* The file replaced under a running process (restore from backup): seen within the recheck time. */
static void test_replaced_db(void **state)
{
	struct passwd pw;
	char buf[1024], path[300], cmd[1400];
	int err = 0;

	assert_int_equal(nss.getpwnam_r("u000001", &pw, buf, sizeof(buf), &err),
	                 NSS_STATUS_SUCCESS);
	snprintf(path, sizeof(path), "%s/other.tdb", tmpdir);
	assert_int_equal(fedjit_test_nss_fixture(path, NULL, 0), 0);
	snprintf(cmd, sizeof(cmd), "cp -p '%s' '%s.bak' && mv '%s' '%s'", db, db, path, db);
	assert_int_equal(system(cmd), 0);
	recheck_wait();
	assert_int_equal(nss.getpwnam_r("u000001", &pw, buf, sizeof(buf), &err),
	                 NSS_STATUS_NOTFOUND);
	assert_int_equal(nss.getpwnam_r("alice", &pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	snprintf(cmd, sizeof(cmd), "mv '%s.bak' '%s'", db, db);
	assert_int_equal(system(cmd), 0);
	recheck_wait();
	assert_int_equal(nss.getpwnam_r("u000001", &pw, buf, sizeof(buf), &err),
	                 NSS_STATUS_SUCCESS);
}

/* tdb's on-disk recovery marker (see nss/db.c): set it in a copy of the store. */
static void set_recovery_magic(const char *path, bool on)
{
	uint32_t rs, magic = on ? 0xf53bc0e7u : 0;
	int fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &rs, sizeof(rs), 44), sizeof(rs));
	assert_true(rs != 0); /* the fixture's commits made a recovery area */
	assert_int_equal(pwrite(fd, &magic, sizeof(magic), (off_t)rs + 20), sizeof(magic));
	close(fd);
}

/*
 * A writer that died in the middle of a commit leaves the recovery marker
 * set and holds no lock: UNAVAIL with EIO at once (no waiting, no TRYAGAIN),
 * for a new handle and for one already open; fine again once recovered. A
 * writer stuck in a commit (marker set, lock held): the reader gives up
 * after its bounded wait with EAGAIN.
 */
static void test_interrupted_commit(void **state)
{
	struct passwd pw;
	char buf[1024], path[300], cmd[700];
	int err = 0;

	snprintf(path, sizeof(path), "%s/crashed.tdb", tmpdir);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", db, path);
	assert_int_equal(system(cmd), 0);
	setenv("FEDJIT_NSS_DB", path, 1);
	assert_int_equal(nss.getpwnam_r("alice", &pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);

	set_recovery_magic(path, true); /* under the open handle */
	assert_int_equal(nss.getpwnam_r("alice", &pw, buf, sizeof(buf), &err), NSS_STATUS_UNAVAIL);
	assert_int_equal(err, EIO);
	set_recovery_magic(path, false);
	assert_int_equal(nss.getpwnam_r("alice", &pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);

	/* a fresh open of a file that needs recovery */
	set_recovery_magic(path, true);
	setenv("FEDJIT_NSS_DB", db, 1);
	assert_int_equal(nss.getpwnam_r("bob", &pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	setenv("FEDJIT_NSS_DB", path, 1);
	assert_int_equal(nss.getpwuid_r(200001, &pw, buf, sizeof(buf), &err), NSS_STATUS_UNAVAIL);
	assert_int_equal(err, EIO);

	/* a writer stuck mid-commit: another process holds tdb's all-record lock */
	int ready[2], done[2];
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(done), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(path, O_RDWR);
		struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 168};
		char c = fd >= 0 && fcntl(fd, F_SETLK, &fl) == 0 ? 'y' : 'n';
		(void)!write(ready[1], &c, 1);
		(void)!read(done[0], &c, 1); /* hold the lock until the parent is done */
		_exit(0);
	}
	char c = 0;
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_int_equal(c, 'y');
	assert_int_equal(nss.getpwnam_r("alice", &pw, buf, sizeof(buf), &err), NSS_STATUS_UNAVAIL);
	assert_int_equal(err, EAGAIN);
	assert_int_equal(write(done[1], "x", 1), 1);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	close(ready[0]);
	close(ready[1]);
	close(done[0]);
	close(done[1]);

	setenv("FEDJIT_NSS_DB", db, 1);
	assert_int_equal(nss.getpwnam_r("alice", &pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_getpwnam),        cmocka_unit_test(test_getpwuid),
	        cmocka_unit_test(test_misses),          cmocka_unit_test(test_getgr),
	        cmocka_unit_test(test_getgr_alignment), cmocka_unit_test(test_initgroups),
	        cmocka_unit_test(test_getspnam),        cmocka_unit_test(test_enum_passwd),
	        cmocka_unit_test(test_enum_group),      cmocka_unit_test(test_enum_shadow),
	        cmocka_unit_test(test_bypass),          cmocka_unit_test(test_fork),
	        cmocka_unit_test(test_missing_db),      cmocka_unit_test(test_corrupt_db),
	        cmocka_unit_test(test_replaced_db),     cmocka_unit_test(test_interrupted_commit),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

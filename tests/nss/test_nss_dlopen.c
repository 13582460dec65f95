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

#include "common/macro.h"
#include "common/store.h"
#include "tests/nss/fixture.h"
#include "tests/nss/harness.h"

#define nss          fedjit_test_nss
#define tmpdir       fedjit_test_tmpdir
#define db           fedjit_test_db
#define secret       fedjit_test_secret
#define recheck_wait fedjit_test_recheck_wait

#define N_BULK 50
#define GUARD  64

static int setup(void **state)
{
	return fedjit_test_nss_setup(N_BULK);
}

static int teardown(void **state)
{
	return fedjit_test_nss_teardown();
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
	assert_int_equal(nss.getgrgid_r(FIX_SUDO_GID + 1, &gr, buf, sizeof(buf), &err),
	                 NSS_STATUS_NOTFOUND);
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

	/* another source's group (sudo, 27): its federated members, by name and
	 * by gid, for glibc's [SUCCESS=merge] */
	gid = FIX_SUDO_GID;
	for (int by_gid = 0; by_gid < 2; by_gid++) {
		size_t n = 0;
		bool alice = false;

		sweep(by_gid ? call_grgid : call_grnam, &gr, by_gid ? (void *)&gid : "sudo", &buf);
		assert_string_equal(gr.gr_name, "sudo");
		assert_int_equal(gr.gr_gid, FIX_SUDO_GID);
		for (; gr.gr_mem[n]; n++)
			alice |= strcmp(gr.gr_mem[n], "alice") == 0;
		assert_true(alice);
		assert_int_equal(n, 1 + N_BULK);
		free(buf);
	}
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
		assert_string_not_equal(gr.gr_name, "sudo");
		total++;
		free(buf);
	}
	nss.endgrent();
	assert_true(devs);
	/* 3 shared groups + 4 + N_BULK private groups; not sudo, whose record
	 * only carries the federated members of /etc/group's sudo */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_getpwnam),        cmocka_unit_test(test_getpwuid),
	        cmocka_unit_test(test_misses),          cmocka_unit_test(test_getgr),
	        cmocka_unit_test(test_getgr_alignment), cmocka_unit_test(test_initgroups),
	        cmocka_unit_test(test_getspnam),        cmocka_unit_test(test_enum_passwd),
	        cmocka_unit_test(test_enum_group),      cmocka_unit_test(test_enum_shadow),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

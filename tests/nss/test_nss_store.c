/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libnss_fedjit and the store file over its life: switched off, after fork,
 * before the first account (no file), damaged, replaced, and a writer that
 * died or hangs in the middle of a commit. Through dlopen(), as glibc calls
 * the module.
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

static int setup(void **state)
{
	return fedjit_test_nss_setup(10);
}

static int teardown(void **state)
{
	return fedjit_test_nss_teardown();
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

	/* not a regular file: a FIFO must not hang the lookup (nor a directory) */
	snprintf(path, sizeof(path), "%s/fifo.tdb", tmpdir);
	assert_int_equal(mkfifo(path, 0644), 0);
	setenv("FEDJIT_NSS_DB", path, 1);
	assert_int_equal(nss.getpwnam_r("alice", &pw, buf, sizeof(buf), &err), NSS_STATUS_UNAVAIL);
	snprintf(path, sizeof(path), "%s/dir.tdb", tmpdir);
	assert_int_equal(mkdir(path, 0755), 0);
	setenv("FEDJIT_NSS_DB", path, 1);
	assert_int_equal(nss.getpwnam_r("alice", &pw, buf, sizeof(buf), &err), NSS_STATUS_UNAVAIL);

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

/* tdb's on-disk recovery marker (see common/store_snap.c): set it in a copy of the store. */
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
 * set and nobody holds the commit-in-flight byte: UNAVAIL with EIO at once
 * (no waiting, no TRYAGAIN), for a new handle and for one already open; fine
 * again once recovered. A writer stuck in a commit (marker set, the byte
 * held): the reader gives up after its bounded wait with EAGAIN.
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

	/* a writer stuck mid-commit: another process holds the commit-in-flight
	 * byte (common/store_snap.c, LIVE_OFS) */
	int ready[2], done[2];
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(done), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(path, O_RDONLY);
		struct flock fl = {
		        .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 12, .l_len = 1};
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
	        cmocka_unit_test(test_bypass),      cmocka_unit_test(test_fork),
	        cmocka_unit_test(test_missing_db),  cmocka_unit_test(test_corrupt_db),
	        cmocka_unit_test(test_replaced_db), cmocka_unit_test(test_interrupted_commit),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

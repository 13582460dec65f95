/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the helper's network child can still do after fedjit_privdrop_apply()
 * (pam/helper/privdrop.h), from the child's side, as root-started tests:
 * no capability in any set, and "write nowhere". Nowhere means here:
 *   - no new file in a root-owned directory (/, /etc, the store's directory);
 *   - no write to an existing root-owned file, not even one that is 0644;
 *   - nothing created even in a world-writable directory such as /tmp: no
 *     file (O_CREAT, O_TMPFILE), directory, node or link (seccomp: EACCES);
 *   - no byte written to any file at all, not even a 0666 one (RLIMIT_FSIZE
 *     0: EFBIG, and by default SIGXFSZ kills it);
 *   - no signal to, and no look into, its root parent.
 * (tests/unit/test_helper_privdrop.c checks ids, no_new_privs, dumpable,
 * limits and seccomp; the real helper's child reports capeff/capprm in
 * tests/harden/helper-limits.sh.)
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#include "pam/helper/privdrop.h"

struct dirs {
	char root_dir[64];  /* root-owned 0755 */
	char open_dir[64];  /* world-writable, sticky (like /tmp) */
	char root_file[96]; /* root-owned 0644 in root_dir */
	char open_file[96]; /* root-owned 0666, empty, in open_dir */
};

static int setup(void **state)
{
	struct dirs *d = calloc(1, sizeof(*d));
	int fd;

	if (!d)
		return -1;
	snprintf(d->root_dir, sizeof(d->root_dir), "/tmp/fedjit-privsep.XXXXXX");
	snprintf(d->open_dir, sizeof(d->open_dir), "/tmp/fedjit-privsep-open.XXXXXX");
	if (!mkdtemp(d->root_dir) || !mkdtemp(d->open_dir) || chmod(d->root_dir, 0755) < 0 ||
	    chmod(d->open_dir, 01777) < 0)
		return -1;
	snprintf(d->root_file, sizeof(d->root_file), "%s/store.tdb", d->root_dir);
	fd = open(d->root_file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, "data", 4) != 4)
		return -1;
	close(fd);
	/* an existing file anybody may write, in the world-writable directory */
	snprintf(d->open_file, sizeof(d->open_file), "%s/probe", d->open_dir);
	fd = open(d->open_file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0 || fchmod(fd, 0666) < 0)
		return -1;
	close(fd);
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	struct dirs *d = *state;
	char path[128];

	if (!d)
		return 0;
	unlink(d->root_file);
	rmdir(d->root_dir);
	snprintf(path, sizeof(path), "%s/probe", d->open_dir);
	unlink(path);
	rmdir(d->open_dir);
	free(d);
	return 0;
}

/* Runs fn in a child that dropped privileges to nobody; returns the wait status. */
static int in_child(int (*fn)(const struct dirs *), const struct dirs *d)
{
	struct fedjit_privdrop p = {.cpu_seconds = 30};
	int status = -1;
	pid_t pid;

	assert_int_equal(fedjit_privdrop_lookup("nobody", &p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (fedjit_privdrop_apply(&p) < 0)
			_exit(100);
		_exit(fn(d));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

/* 0 when every capability set in /proc/self/status is empty. */
static int no_caps(const struct dirs *d)
{
	static const char *const sets[] = {"CapInh:", "CapPrm:", "CapEff:", "CapAmb:"};
	char line[256];
	int seen = 0;
	FILE *f = fopen("/proc/self/status", "re");

	(void)d;
	if (!f)
		return 1;
	while (fgets(line, sizeof(line), f))
		for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++)
			if (strncmp(line, sets[i], strlen(sets[i])) == 0) {
				if (strtoull(line + strlen(sets[i]), NULL, 16) != 0)
					return 2 + (int)i;
				seen++;
			}
	fclose(f);
	return seen == 4 ? 0 : 10;
}

static void test_no_capabilities(void **state)
{
	int status;

	if (geteuid() != 0)
		skip();
	status = in_child(no_caps, *state);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static int refused(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC, 0644);

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return errno == EACCES || errno == EPERM || errno == EROFS;
}

/* The numbered check that failed, or 0. */
static int no_writes(const struct dirs *d)
{
	char path[160];
	int fd;

	signal(SIGXFSZ, SIG_IGN); /* see the errno instead of dying (test_write_kills) */
	if (!refused("/fedjit-privsep-probe", O_WRONLY | O_CREAT | O_EXCL))
		return 1;
	if (!refused("/etc/fedjit-privsep-probe", O_WRONLY | O_CREAT | O_EXCL))
		return 2;
	snprintf(path, sizeof(path), "%s/new", d->root_dir);
	if (!refused(path, O_WRONLY | O_CREAT | O_EXCL))
		return 3;
	if (!refused(d->root_file, O_WRONLY) || !refused(d->root_file, O_RDWR | O_APPEND))
		return 4;
	if (!refused(d->root_file, O_WRONLY | O_TRUNC))
		return 5;
	if (rename(d->root_file, path) == 0 || unlink(d->root_file) == 0 ||
	    chmod(d->root_file, 0666) == 0 || symlink("/etc/shadow", path) == 0)
		return 6;
	/* a world-writable directory: nothing can be created there */
	snprintf(path, sizeof(path), "%s/new", d->open_dir);
	if (open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600) >= 0 || errno != EACCES)
		return 13;
	if (creat(path, 0600) >= 0 || errno != EACCES)
		return 14;
	if (open(d->open_dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600) >= 0 || errno != EACCES)
		return 15;
	if (mkdir(path, 0700) == 0 || errno != EACCES)
		return 16;
	if (mkfifo(path, 0600) == 0 || errno != EACCES)
		return 17;
	if (symlink("/etc/passwd", path) == 0 || errno != EACCES)
		return 18;
	if (link(d->open_file, path) == 0 || errno != EACCES)
		return 19;
	/* ... and an existing file anybody may write stays empty */
	fd = open(d->open_file, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return 7;
	if (write(fd, "x", 1) != -1 || errno != EFBIG)
		return 8;
	if (ftruncate(fd, 4096) != -1 || errno != EFBIG)
		return 9;
	if (pwrite(fd, "x", 1, 0) != -1 || errno != EFBIG)
		return 10;
	close(fd);
	/* the root parent is out of reach */
	if (kill(getppid(), 0) != -1 || errno != EPERM)
		return 11;
	snprintf(path, sizeof(path), "/proc/%d/environ", (int)getppid());
	if (open(path, O_RDONLY | O_CLOEXEC) >= 0)
		return 12;
	return 0;
}

static void test_writes_nowhere(void **state)
{
	struct dirs *d = *state;
	struct stat st;
	char path[160];
	int status;

	if (geteuid() != 0)
		skip();
	status = in_child(no_writes, d);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* nothing changed on the parent's side */
	assert_int_equal(stat(d->root_file, &st), 0);
	assert_int_equal(st.st_size, 4);
	assert_int_equal(st.st_mode & 07777, 0644);
	snprintf(path, sizeof(path), "%s/new", d->open_dir);
	assert_int_equal(lstat(path, &st), -1); /* nothing was created */
	snprintf(path, sizeof(path), "%s/probe", d->open_dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 0);
}

static int write_once(const struct dirs *d)
{
	int fd = open(d->open_file, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return 1;
	(void)!write(fd, "x", 1);
	return 2; /* not reached: SIGXFSZ */
}

/* By default the first byte written to a file ends the child (the parent then
 * fails the login: "network child killed"). */
static void test_write_kills(void **state)
{
	int status;

	if (geteuid() != 0)
		skip();
	status = in_child(write_once, *state);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGXFSZ);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_no_capabilities, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_writes_nowhere, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_write_kills, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test tool for the fault tests (tests/harden/helper-faults.sh):
 *   store_tool hold PATH        open the store read-write, start a transaction
 *                               (fedjit_store_batch_begin) and write into it, print
 *                               "held", then keep it open until stdin reaches EOF or
 *                               the process is killed: a writer stuck mid-commit
 *   store_tool check PATH       fedjit_store_check: prints each problem and
 *                               "problems=N users=NAME,...", exit 0 when consistent
 *   store_tool user PATH NAME   read-only lookup as the NSS module does it: prints
 *                               "uid=N", exit 0 found, 1 not found, 2 error
 *   store_tool fill PATH        adds groups fill-N (one transaction each) until a
 *                               write fails (the file cannot grow: disk full), then
 *                               prints "groups=N error=MESSAGE"; exit 0 if one failed
 *   store_tool lockall PATH     as nobody: every lock a local user can take on the
 *                               store: a shared fcntl lock on every byte (process and
 *                               open file description locks), an exclusive flock(),
 *                               and tries an exclusive fcntl lock and the writers'
 *                               lock file PATH.lock; prints "held ..." with what it
 *                               got, then holds it all until stdin reaches EOF
 *   store_tool churn PATH       a writer with fsync'ed commits, forever: creates
 *                               accounts churn-N, deletes every third (for kill -9)
 *   store_tool armed PATH       prints "armed=1" when the file holds a commit whose
 *                               recovery record is armed (tdb's header at 44, the
 *                               record's magic at +20), else "armed=0"
 *   store_tool nssuser PATH NAME  a lookup as the NSS module does it (read-only,
 *                               never recovering); exit codes as for user
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "common/store.h"

static void report(const char *message, void *userdata)
{
	(void)userdata;
	printf("problem: %s\n", message);
}

static int hold(const char *path)
{
	struct fedjit_store *s = NULL;
	char buf[64];
	int r = fedjit_store_open(path, 0, &s);

	if (r < 0) {
		fprintf(stderr, "store_tool: open %s: %s\n", path, fedjit_store_strerror(r));
		return 2;
	}
	r = fedjit_store_batch_begin(s);
	if (r >= 0)
		r = fedjit_store_ensure_group(s, "harden-stuck", 299998, "PRIMARY",
		                              FEDJIT_GROUP_ADMIN, NULL);
	if (r < 0) {
		fprintf(stderr, "store_tool: transaction: %s\n", fedjit_store_strerror(r));
		fedjit_store_close(s);
		return 2;
	}
	printf("held\n");
	fflush(stdout);
	while (read(STDIN_FILENO, buf, sizeof(buf)) > 0)
		;
	fedjit_store_batch_end(s, -ECANCELED);
	fedjit_store_close(s);
	return 0;
}

static int check(const char *path)
{
	struct fedjit_store *s = NULL;
	char **names = NULL;
	size_t n = 0;
	int r = fedjit_store_open(path, FEDJIT_STORE_RDONLY, &s);

	if (r < 0) {
		fprintf(stderr, "store_tool: open %s: %s\n", path, fedjit_store_strerror(r));
		return 2;
	}
	r = fedjit_store_check(s, report, NULL);
	if (r >= 0 && fedjit_store_list_users(s, &names, &n) < 0)
		r = -EIO;
	printf("problems=%d users=", r);
	for (size_t i = 0; i < n; i++) {
		printf("%s%s", i ? "," : "", names[i]);
		free(names[i]);
	}
	printf("\n");
	free(names);
	fedjit_store_close(s);
	return r == 0 ? 0 : 1;
}

static int user(const char *path, const char *name, unsigned flags)
{
	struct fedjit_store *s = NULL;
	struct fedjit_user *u = NULL;
	int r = fedjit_store_open(path, FEDJIT_STORE_RDONLY | flags, &s);

	if (r >= 0)
		r = fedjit_store_get_user(s, name, &u);
	if (r >= 0) {
		printf("uid=%u\n", (unsigned)u->uid);
		fedjit_user_free(u);
	}
	fedjit_store_close(s);
	if (r == -ENOENT)
		return 1;
	if (r < 0) {
		fprintf(stderr, "store_tool: %s: %s\n", name, fedjit_store_strerror(r));
		return 2;
	}
	return 0;
}

static int fill(const char *path)
{
	struct fedjit_store *s = NULL;
	char name[32];
	unsigned n = 0;
	int r = fedjit_store_open(path, FEDJIT_STORE_NOSYNC, &s);

	if (r < 0) {
		fprintf(stderr, "store_tool: open %s: %s\n", path, fedjit_store_strerror(r));
		return 2;
	}
	for (; n < 1000000; n++) {
		snprintf(name, sizeof(name), "fill-%u", n);
		r = fedjit_store_ensure_group(s, name, 260000 + n, "PRIMARY", FEDJIT_GROUP_ADMIN,
		                              NULL);
		if (r < 0)
			break;
	}
	printf("groups=%u error=%s\n", n, r < 0 ? fedjit_store_strerror(r) : "none");
	fedjit_store_close(s);
	return r < 0 ? 0 : 1;
}

static const char *lock_result(int r)
{
	return r == 0 ? "yes" : strerror(errno);
}

static int lockall(const char *path)
{
	struct passwd *pw = getpwnam("nobody");
	char lpath[4096], buf[64];
	int fd1, fd2, fd3;

	if (!pw || setgroups(0, NULL) < 0 || setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0) {
		fprintf(stderr, "store_tool: cannot become nobody\n");
		return 2;
	}
	fd1 = open(path, O_RDONLY);
	fd2 = open(path, O_RDONLY);
	fd3 = open(path, O_RDONLY);
	if (fd1 < 0 || fd2 < 0 || fd3 < 0) {
		fprintf(stderr, "store_tool: open %s: %s\n", path, strerror(errno));
		return 2;
	}
	/* l_len 0: from l_start to the end of the file and beyond, every byte
	 * tdb has ever locked (0 open, 4 active, 8 transaction, 48 sequence
	 * number, 168.. chains and records) and the commit marker's (12) */
	struct flock rd = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
	struct flock wr = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
	int posix = fcntl(fd1, F_SETLK, &rd);
	const char *posix_s = lock_result(posix);
	int ofd = fcntl(fd2, F_OFD_SETLK, &rd);
	const char *ofd_s = lock_result(ofd);
	int fl = flock(fd3, LOCK_EX | LOCK_NB);
	const char *fl_s = lock_result(fl);
	int ex = fcntl(fd2, F_OFD_SETLK, &wr);
	const char *ex_s = lock_result(ex);
	snprintf(lpath, sizeof(lpath), "%s.lock", path);
	int lfd = open(lpath, O_RDONLY);
	printf("held shared-posix=%s shared-ofd=%s flock-exclusive=%s exclusive-fcntl=%s "
	       "lockfile-open=%s\n",
	       posix_s, ofd_s, fl_s, ex_s, lfd >= 0 ? "yes" : strerror(errno));
	fflush(stdout);
	while (read(STDIN_FILENO, buf, sizeof(buf)) > 0)
		;
	return 0;
}

static int churn(const char *path)
{
	struct fedjit_store *s = NULL;
	int r = fedjit_store_open(path, 0, &s);

	if (r < 0) {
		fprintf(stderr, "store_tool: open %s: %s\n", path, fedjit_store_strerror(r));
		return 2;
	}
	printf("churning\n");
	fflush(stdout);
	for (unsigned i = 0;; i++) {
		char name[32], home[64], sub[32];
		struct fedjit_user u = {
		        .name = name,
		        .uid = 270000 + i % 9000,
		        .gid = 270000 + i % 9000,
		        .gecos = "Churn",
		        .home = home,
		        .shell = "/bin/sh",
		        .domain = "PRIMARY",
		        .idp = "test",
		        .issuer = "https://churn.example",
		        .subject = sub,
		        .created = 1700000000,
		};

		snprintf(name, sizeof(name), "churn-%u", i % 9000);
		snprintf(home, sizeof(home), "/home/%s", name);
		snprintf(sub, sizeof(sub), "churn-%u", i % 9000);
		r = fedjit_store_create_account(s, &u, NULL, NULL, 0);
		if (r < 0 && r != -FEDJIT_STORE_ENAME)
			return 3;
		if (i % 3 == 2)
			(void)fedjit_store_delete_account(s, name);
	}
}

static int armed(const char *path)
{
	uint32_t rh = 0, magic = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || pread(fd, &rh, 4, 44) != 4)
		return 2;
	if (rh && pread(fd, &magic, 4, (off_t)rh + 20) != 4)
		return 2;
	close(fd);
	printf("armed=%d\n", magic == 0xf53bc0e7u);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "lockall") == 0)
		return lockall(argv[2]);
	if (argc == 3 && strcmp(argv[1], "churn") == 0)
		return churn(argv[2]);
	if (argc == 3 && strcmp(argv[1], "armed") == 0)
		return armed(argv[2]);
	if (argc == 4 && strcmp(argv[1], "nssuser") == 0)
		return user(argv[2], argv[3], FEDJIT_STORE_NORECOVER);
	if (argc == 3 && strcmp(argv[1], "hold") == 0)
		return hold(argv[2]);
	if (argc == 3 && strcmp(argv[1], "check") == 0)
		return check(argv[2]);
	if (argc == 3 && strcmp(argv[1], "fill") == 0)
		return fill(argv[2]);
	if (argc == 4 && strcmp(argv[1], "user") == 0)
		return user(argv[2], argv[3], 0);
	fprintf(stderr, "usage: store_tool hold|check|fill|lockall|churn|armed PATH | "
	                "user|nssuser PATH NAME\n");
	return 2;
}

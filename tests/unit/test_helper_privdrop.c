/* SPDX-License-Identifier: Apache-2.0 */
/* The network child's privilege drop, in a forked child (needs root: skipped otherwise):
 * ids, groups, no way back to root, no_new_privs, not dumpable, limits, cwd. */

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

#include "pam/helper/privdrop.h"

static void test_lookup(void **state)
{
	struct fedjit_privdrop p = {0};

	assert_int_equal(fedjit_privdrop_lookup("root", &p), -EPERM);
	assert_int_equal(fedjit_privdrop_lookup("no-such-user-fedjit", &p), -ESRCH);
	assert_int_equal(fedjit_privdrop_lookup("nobody", &p), 0);
	assert_true(p.uid != 0);
	assert_true(p.gid != 0);
}

/* Exit codes of the child: 0 all good, else the number of the failed check. */
static int child_checks(const struct fedjit_privdrop *p)
{
	struct rlimit rl;
	char buf[512], cwd[16];

	if (fedjit_privdrop_apply(p) < 0)
		return 1;
	if (getuid() != p->uid || geteuid() != p->uid || getgid() != p->gid || getegid() != p->gid)
		return 2;
	if (getgroups(0, NULL) != 0)
		return 3;
	if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0)
		return 4;
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return 5;
	if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
		return 6;
	if (getrlimit(RLIMIT_FSIZE, &rl) < 0 || rl.rlim_max != 0)
		return 7;
	if (getrlimit(RLIMIT_CORE, &rl) < 0 || rl.rlim_max != 0)
		return 8;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur != 64)
		return 9;
	if (getrlimit(RLIMIT_CPU, &rl) < 0 || rl.rlim_max != 30)
		return 10;
	if (!getcwd(cwd, sizeof(cwd)) || strcmp(cwd, "/") != 0)
		return 11;
	/* root-only files are out of reach */
	if (open("/etc/shadow", O_RDONLY) >= 0 || errno != EACCES)
		return 12;
	fedjit_privdrop_describe(buf, sizeof(buf));
	if (!strstr(buf, "nonewprivs=1") || !strstr(buf, "dumpable=0"))
		return 13;
#if defined(__x86_64__) || defined(__aarch64__)
	/* seccomp: no program can be run, no process traced */
	{
		char *const args[] = {"/bin/true", NULL};

		/* valgrind cannot survive a failed execve: that probe only runs natively */
		if (!RUNNING_ON_VALGRIND) {
			execv("/bin/true", args);
			if (errno != EPERM)
				return 14;
		}
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) == 0 || errno != EPERM)
			return 15;
		if (unshare(CLONE_NEWUSER) == 0 || errno != EPERM)
			return 16;
	}
#endif
	return 0;
}

static void test_apply(void **state)
{
	struct fedjit_privdrop p = {.cpu_seconds = 30};
	int status = -1;
	pid_t pid;

	if (geteuid() != 0)
		skip();
	assert_int_equal(fedjit_privdrop_lookup("nobody", &p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child_checks(&p));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_refuses_root(void **state)
{
	struct fedjit_privdrop p = {.uid = 0, .gid = 0};

	assert_int_equal(fedjit_privdrop_apply(&p), -EPERM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_lookup),
	        cmocka_unit_test(test_apply),
	        cmocka_unit_test(test_refuses_root),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

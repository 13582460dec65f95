/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The bounds on device flows (pam/helper/ratelimit.h): slots per host and per address,
 * spacing per (name, address), a dead holder frees its slot, nothing blocks, the state
 * directory and files must be root's own. Needs root (the state must be owned by root).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "pam/helper/ratelimit.h"

struct t {
	char dir[64], run[80];
	struct fedjit_global g;
};

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	if (!t || geteuid() != 0) {
		free(t);
		*state = NULL;
		return 0;
	}
	snprintf(t->dir, sizeof(t->dir), "/tmp/fedjit-rl-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->run, sizeof(t->run), "%s/run", t->dir);
	t->g = (struct fedjit_global){.run_dir = t->run,
	                              .max_device_flows = 3,
	                              .max_device_flows_per_address = 2,
	                              .device_flow_spacing = 10};
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;
	char cmd[128];

	if (t) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
		assert_int_equal(system(cmd), 0);
		free(t);
	}
	return 0;
}

#define NEED_ROOT(t)            \
	do {                    \
		if (!(t))       \
			skip(); \
	} while (0)

static enum fedjit_ratelimit_verdict begin(struct t *t, struct fedjit_ratelimit *rl,
                                           const char *name, const char *addr, time_t now)
{
	return fedjit_ratelimit_begin(rl, &t->g, name, addr, now);
}

static void test_slots(void **state)
{
	struct t *t = *state;
	struct fedjit_ratelimit a, b, c, d, e;
	struct stat st;

	NEED_ROOT(t);
	t->g.device_flow_spacing = 0;
	assert_int_equal(begin(t, &a, "u1", "192.0.2.1", 1000), FEDJIT_RATELIMIT_OK);
	assert_int_equal(begin(t, &b, "u2", "192.0.2.1", 1000), FEDJIT_RATELIMIT_OK);
	/* a third from the same address: the address bound */
	assert_int_equal(begin(t, &c, "u3", "192.0.2.1", 1000), FEDJIT_RATELIMIT_ADDRESS);
	assert_int_equal(begin(t, &c, "u3", "192.0.2.2", 1000), FEDJIT_RATELIMIT_OK);
	/* the fourth on the host: the host bound, whatever the address */
	assert_int_equal(begin(t, &d, "u4", "192.0.2.3", 1000), FEDJIT_RATELIMIT_HOST);
	/* no address (a local login) is an address of its own */
	assert_int_equal(begin(t, &d, "u4", NULL, 1000), FEDJIT_RATELIMIT_HOST);
	fedjit_ratelimit_end(&a, false);
	assert_int_equal(begin(t, &d, "u4", NULL, 1001), FEDJIT_RATELIMIT_OK);
	/* ending twice is harmless */
	fedjit_ratelimit_end(&a, false);
	assert_int_equal(begin(t, &e, "u5", "192.0.2.9", 1001), FEDJIT_RATELIMIT_HOST);
	fedjit_ratelimit_end(&b, false);
	fedjit_ratelimit_end(&c, false);
	fedjit_ratelimit_end(&d, false);
	/* the state is root's alone */
	assert_int_equal(stat(t->run, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
}

/* A slot held by a process that died (SIGKILL) is free at once: the kernel drops the lock. */
static void test_dead_holder(void **state)
{
	struct t *t = *state;
	struct fedjit_ratelimit a;
	int p[2], status;
	char c;
	pid_t pid;

	NEED_ROOT(t);
	t->g.max_device_flows = 1;
	t->g.device_flow_spacing = 0;
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct fedjit_ratelimit mine;
		char ok = fedjit_ratelimit_begin(&mine, &t->g, "u1", "192.0.2.1", 1000) ==
		                          FEDJIT_RATELIMIT_OK
		                  ? 'y'
		                  : 'n';
		if (write(p[1], &ok, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	assert_int_equal(read(p[0], &c, 1), 1);
	assert_int_equal(c, 'y');
	assert_int_equal(begin(t, &a, "u2", "192.0.2.2", 1000), FEDJIT_RATELIMIT_HOST);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(begin(t, &a, "u2", "192.0.2.2", 1000), FEDJIT_RATELIMIT_OK);
	fedjit_ratelimit_end(&a, false);
	close(p[0]);
	close(p[1]);
}

/* Spacing per (name, address) between starts; the person's answer lifts it. */
static void test_spacing(void **state)
{
	struct t *t = *state;
	struct fedjit_ratelimit a, b;

	NEED_ROOT(t);
	assert_int_equal(begin(t, &a, "alice", "192.0.2.1", 1000), FEDJIT_RATELIMIT_OK);
	assert_int_equal(begin(t, &b, "alice", "192.0.2.1", 1005), FEDJIT_RATELIMIT_SPACING);
	/* another name, another address: not this pair */
	assert_int_equal(begin(t, &b, "bob", "192.0.2.1", 1005), FEDJIT_RATELIMIT_OK);
	fedjit_ratelimit_end(&b, false);
	assert_int_equal(begin(t, &b, "alice", "192.0.2.7", 1005), FEDJIT_RATELIMIT_OK);
	fedjit_ratelimit_end(&b, false);
	/* the first flow failed (no identity): the next start waits for the spacing */
	fedjit_ratelimit_end(&a, false);
	assert_int_equal(begin(t, &b, "alice", "192.0.2.1", 1009), FEDJIT_RATELIMIT_SPACING);
	assert_int_equal(begin(t, &b, "alice", "192.0.2.1", 1010), FEDJIT_RATELIMIT_OK);
	/* this one the person answers (signs in or denies): not delayed */
	fedjit_ratelimit_end(&b, true);
	assert_int_equal(begin(t, &b, "alice", "192.0.2.1", 1011), FEDJIT_RATELIMIT_OK);
	fedjit_ratelimit_end(&b, false);
}

/* Nothing waits: a state file locked by someone else is a taken slot, not a wait. */
static void test_never_blocks(void **state)
{
	struct t *t = *state;
	struct fedjit_ratelimit a;
	char path[256];
	int fds[3];

	NEED_ROOT(t);
	t->g.device_flow_spacing = 0;
	assert_int_equal(begin(t, &a, "u", "192.0.2.1", 1000), FEDJIT_RATELIMIT_OK);
	fedjit_ratelimit_end(&a, false);
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/host.%d", t->run, i);
		fds[i] = open(path, O_RDWR | O_CREAT, 0600);
		assert_true(fds[i] >= 0);
		assert_int_equal(flock(fds[i], LOCK_EX), 0);
	}
	alarm(5);
	assert_int_equal(begin(t, &a, "u", "192.0.2.1", 1000), FEDJIT_RATELIMIT_HOST);
	alarm(0);
	for (int i = 0; i < 3; i++)
		close(fds[i]);
}

/* A state directory or file that is not root's own is not used: a symlinked or
 * group-accessible directory turns the limits off (logged), an unsafe slot file
 * counts as taken. */
static void test_unsafe_state(void **state)
{
	struct t *t = *state;
	struct fedjit_ratelimit a, b;
	char path[300], target[256];

	NEED_ROOT(t);
	t->g.device_flow_spacing = 0;
	t->g.max_device_flows = 1;
	snprintf(target, sizeof(target), "%s/elsewhere", t->dir);
	assert_int_equal(mkdir(target, 0700), 0);
	assert_int_equal(symlink(target, t->run), 0);
	assert_int_equal(begin(t, &a, "u", "192.0.2.1", 1000), FEDJIT_RATELIMIT_OK);
	assert_int_equal(a.dir_fd, -1); /* not used */
	fedjit_ratelimit_end(&a, false);
	snprintf(path, sizeof(path), "%s/host.0", target);
	assert_int_equal(access(path, F_OK), -1); /* nothing written through the link */
	assert_int_equal(unlink(t->run), 0);
	assert_int_equal(mkdir(t->run, 0750), 0);
	assert_int_equal(begin(t, &a, "u", "192.0.2.1", 1000), FEDJIT_RATELIMIT_OK);
	assert_int_equal(a.dir_fd, -1);
	assert_int_equal(chmod(t->run, 0700), 0);
	/* a slot file that is a symlink, or has a second link: taken, never followed */
	snprintf(path, sizeof(path), "%s/host.0", t->run);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(begin(t, &a, "u", "192.0.2.1", 1000), FEDJIT_RATELIMIT_HOST);
	assert_int_equal(unlink(path), 0);
	snprintf(target, sizeof(target), "%s/other", t->dir);
	assert_int_equal(close(open(target, O_RDWR | O_CREAT, 0600)), 0);
	assert_int_equal(link(target, path), 0);
	assert_int_equal(begin(t, &a, "u", "192.0.2.1", 1000), FEDJIT_RATELIMIT_HOST);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(begin(t, &b, "u", "192.0.2.1", 1000), FEDJIT_RATELIMIT_OK);
	fedjit_ratelimit_end(&b, false);
}

/* Hostile addresses make bounded, distinct file names. */
static void test_addresses(void **state)
{
	struct t *t = *state;
	struct fedjit_ratelimit a, b;
	char longaddr[300];

	NEED_ROOT(t);
	t->g.device_flow_spacing = 0;
	t->g.max_device_flows_per_address = 1;
	memset(longaddr, 'a', sizeof(longaddr) - 1);
	longaddr[sizeof(longaddr) - 1] = '\0';
	assert_int_equal(begin(t, &a, "u", "../../etc/x\n", 1000), FEDJIT_RATELIMIT_OK);
	/* the same after the unsafe bytes are replaced, but another address */
	assert_int_equal(begin(t, &b, "u", "../../etc/x_", 1000), FEDJIT_RATELIMIT_OK);
	fedjit_ratelimit_end(&a, false);
	fedjit_ratelimit_end(&b, false);
	assert_int_equal(begin(t, &a, "u", longaddr, 1000), FEDJIT_RATELIMIT_OK);
	assert_int_equal(begin(t, &b, "u", longaddr, 1000), FEDJIT_RATELIMIT_ADDRESS);
	fedjit_ratelimit_end(&a, false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_slots, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_dead_holder, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_spacing, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_never_blocks, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_unsafe_state, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_addresses, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

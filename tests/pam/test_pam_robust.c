/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pam_fedjit.so through libpam with helpers that misbehave (tests/pam/harness.h):
 * crashes, garbage, hangs past the deadline, the client going away, what the
 * helper inherits from the host, PAM_SILENT, and names that never reach the
 * helper. After every call no child is left (fedjit_pt_run asserts it).
 */
#include "tests/pam/harness.h"

/* A helper that crashes, exits, hangs or talks nonsense fails the login and
 * nothing else: this process goes on and no child is left. */
static void test_bad_helpers(void **state)
{
	static const struct outcome cases[] = {
	        {"crash", AUTH, PAM_SYSTEM_ERR, "failed"},
	        {"early", AUTH, PAM_SYSTEM_ERR, "failed"},
	        {"garbage", AUTH, PAM_SYSTEM_ERR, "failed"},
	        {"huge", AUTH, PAM_SYSTEM_ERR, "failed"},
	        {"badfirst", AUTH, PAM_SYSTEM_ERR, "failed"},
	        {"slowexit", AUTH, PAM_SUCCESS, NULL},
	};

	for (size_t i = 0; i < FEDJIT_ELEMENTSOF(cases); i++) {
		struct env *e;

		print_message("# %s\n", cases[i].user);
		fedjit_pt_teardown(state);
		fedjit_pt_setup(state);
		e = *state;
		fedjit_pt_service(e, "nowait");
		assert_int_equal(fedjit_pt_run(e, cases[i].what, cases[i].user, 0), cases[i].code);
		if (cases[i].message)
			assert_true(fedjit_pt_has_msg(&e->calls[e->ncalls - 1], PAM_ERROR_MSG,
			                              cases[i].message));
		/* Nothing the helper sent reached the person raw. */
		for (int c = 0; c < e->ncalls; c++)
			for (int j = 0; j < e->calls[c].n; j++)
				assert_null(strchr(e->calls[c].text[j], '\x1b'));
	}
	/* A helper path that cannot be executed. */
	strcpy(((struct env *)*state)->helper, "/nonexistent/fedjit-helper");
	fedjit_pt_service(*state, "");
	assert_int_equal(fedjit_pt_run(*state, AUTH, "ok", 0), PAM_SYSTEM_ERR);
}

/* The deadline kills a helper that hangs (and ignores SIGTERM). */
static void test_deadline(void **state)
{
	struct env *e = *state;

	fedjit_pt_service(e, "nowait timeout=1");
	assert_int_equal(fedjit_pt_run(e, AUTH, "hang", 0), PAM_AUTH_ERR);
	assert_true(fedjit_pt_has_msg(&e->calls[e->ncalls - 1], PAM_ERROR_MSG, "timed out"));
}

/* The person comes back from the Enter prompt after the module's deadline,
 * but the helper's result is already there: it is taken, not thrown away. */
static void test_result_waiting_past_deadline(void **state)
{
	struct env *e = *state;

	fedjit_pt_service(e, "timeout=1");
	e->prompt_delay = 7; /* timeout + the module's 5 s of slack + 1 */
	assert_int_equal(fedjit_pt_run(e, AUTH, "ok", 0), PAM_SUCCESS);
}

/* The client goes away at the Enter prompt: the module gives up and the
 * helper sees the socket close. */
static void test_client_gone(void **state)
{
	struct env *e = *state;

	fedjit_pt_service(e, "");
	e->fail_on_prompt = 1;
	assert_int_equal(fedjit_pt_run(e, AUTH, "byebye", 0), PAM_CONV_ERR);
	assert_non_null(strstr(fedjit_pt_helper_log(e), "eof"));
}

static void on_signal(int sig)
{
}

/* What the helper inherits: nothing of this process's fds, signal handlers,
 * mask or environment; SIGCHLD disposition restored afterwards. */
static void test_helper_environment(void **state)
{
	struct env *e = *state;
	struct sigaction sa = {.sa_handler = on_signal}, ign = {.sa_handler = SIG_IGN}, old, now;
	sigset_t mask, oldmask;
	int leak = open("/dev/null", O_RDONLY); /* not close-on-exec */
	const char *log;

	assert_true(leak >= 0);
	setenv("FEDJIT_TEST_SECRET", "must-not-leak", 1);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGCHLD, &ign, &old);
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR2);
	sigprocmask(SIG_BLOCK, &mask, &oldmask);
	fedjit_pt_service(e, "");
	assert_int_equal(fedjit_pt_run(e, AUTH, "envcheck", 0), PAM_SUCCESS);
	sigaction(SIGCHLD, &old, &now);
	assert_true(now.sa_handler == SIG_IGN);
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	signal(SIGUSR1, SIG_DFL);
	unsetenv("FEDJIT_TEST_SECRET");
	close(leak);
	log = fedjit_pt_helper_log(e);
	assert_non_null(strstr(log, "fds ok, 0 other"));
	assert_non_null(strstr(log, "env PATH=/usr/sbin:/usr/bin:/sbin:/bin\n"
	                            "env FEDJIT_NSS_BYPASS=1\nhandlers 0"));
	assert_null(strstr(log, "blocked"));
}

/* A host running with fds 0-2 closed (the socketpair then lands there). */
static void test_host_without_stdio(void **state)
{
	struct env *e = *state;
	int saved[3];
	int r;

	fedjit_pt_service(e, "");
	for (int fd = 0; fd < 3; fd++) {
		saved[fd] = fcntl(fd, F_DUPFD_CLOEXEC, 10);
		assert_true(saved[fd] >= 10);
		close(fd);
	}
	r = fedjit_pt_run(e, AUTH, "envcheck", 0);
	for (int fd = 0; fd < 3; fd++) {
		dup2(saved[fd], fd);
		close(saved[fd]);
	}
	assert_int_equal(r, PAM_SUCCESS);
	assert_non_null(strstr(fedjit_pt_helper_log(e), "fds ok, 0 other"));
}

static void test_silent(void **state)
{
	struct env *e = *state;

	fedjit_pt_service(e, "");
	/* The instructions are needed to sign in and stay; the refusal text goes. */
	assert_int_equal(fedjit_pt_run(e, AUTH, "denied", PAM_SILENT), PAM_AUTH_ERR);
	assert_int_equal(e->ncalls, 1);
	assert_true(fedjit_pt_has_msg(&e->calls[0], PAM_TEXT_INFO, "WDJB-MJHT"));
	assert_non_null(strstr(fedjit_pt_helper_log(e), "silent=1"));
}

/* Names fedjit does not handle never reach the helper. */
static void test_not_ours(void **state)
{
	struct env *e = *state;
	FILE *f;

	fedjit_pt_service(e, "");
	assert_int_equal(fedjit_pt_run(e, AUTH, "root", 0), PAM_USER_UNKNOWN);
	assert_int_equal(fedjit_pt_run(e, AUTH, "bad:name", 0), PAM_USER_UNKNOWN);
	assert_int_equal(fedjit_pt_run(e, ACCT, "x/y/z", 0), PAM_USER_UNKNOWN);
	assert_string_equal(fedjit_pt_helper_log(e), "");
	assert_int_equal(e->ncalls, 0);
	/* An unknown IdP in the arguments is a configuration error. */
	fedjit_pt_service(e, "idp=nope");
	assert_int_equal(fedjit_pt_run(e, AUTH, "ok", 0), PAM_AUTHINFO_UNAVAIL);
	/* No configuration file: fedjit is not set up, nobody is its user. */
	unlink(e->conf);
	assert_int_equal(fedjit_pt_run(e, AUTH, "ok", 0), PAM_USER_UNKNOWN);
	/* A broken one: fail closed, with the reason in syslog. */
	f = fopen(e->conf, "w");
	assert_non_null(f);
	fputs("[idp corp]\nissuer = http://plain.test\n", f);
	fclose(f);
	fedjit_pt_service(e, "");
	assert_int_equal(fedjit_pt_run(e, AUTH, "ok", 0), PAM_AUTHINFO_UNAVAIL);
	assert_string_equal(fedjit_pt_helper_log(e), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_bad_helpers, fedjit_pt_setup,
	                                        fedjit_pt_teardown),
	        cmocka_unit_test_setup_teardown(test_deadline, fedjit_pt_setup, fedjit_pt_teardown),
	        cmocka_unit_test_setup_teardown(test_result_waiting_past_deadline, fedjit_pt_setup,
	                                        fedjit_pt_teardown),
	        cmocka_unit_test_setup_teardown(test_client_gone, fedjit_pt_setup,
	                                        fedjit_pt_teardown),
	        cmocka_unit_test_setup_teardown(test_helper_environment, fedjit_pt_setup,
	                                        fedjit_pt_teardown),
	        cmocka_unit_test_setup_teardown(test_host_without_stdio, fedjit_pt_setup,
	                                        fedjit_pt_teardown),
	        cmocka_unit_test_setup_teardown(test_silent, fedjit_pt_setup, fedjit_pt_teardown),
	        cmocka_unit_test_setup_teardown(test_not_ours, fedjit_pt_setup, fedjit_pt_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

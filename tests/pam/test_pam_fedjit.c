/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pam_fedjit.so through libpam: pam_start_confdir() on service files this
 * test writes, the module loaded from the build tree, and tests/pam/fake-helper
 * in place of fedjit-helper. Asserts PAM return codes, what the person sees
 * and how it is grouped into conversation calls, deadlines, the helper's
 * environment, and that no child is ever left behind.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <security/pam_appl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/macro.h"

#define MAX_CALLS 16
#define MAX_MSGS  32

struct call {
	int n;
	int style[MAX_MSGS];
	char *text[MAX_MSGS];
};

struct env {
	char dir[256];
	char conf[300], confdir[300], log[310], go[310];
	char module[PATH_MAX + 64], helper[PATH_MAX + 64];
	int ncalls;
	struct call calls[MAX_CALLS];
	int prompts;
	int go_on_prompt;   /* create <conf>.go when this prompt (1-based) is asked */
	int fail_on_prompt; /* make this prompt's conversation call fail */
	bool permit_after;  /* pam_permit.so after the module in account and password */
};

static int conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	struct env *e = data;
	struct call *c;
	struct pam_response *r = calloc((size_t)n, sizeof(*r));

	assert_true(e->ncalls < MAX_CALLS);
	assert_true(n <= MAX_MSGS);
	assert_non_null(r);
	c = &e->calls[e->ncalls++];
	c->n = n;
	for (int i = 0; i < n; i++) {
		c->style[i] = msg[i]->msg_style;
		c->text[i] = strdup(msg[i]->msg);
		if (msg[i]->msg_style != PAM_PROMPT_ECHO_OFF &&
		    msg[i]->msg_style != PAM_PROMPT_ECHO_ON)
			continue;
		e->prompts++;
		if (e->prompts == e->fail_on_prompt) {
			free(r);
			return PAM_CONV_ERR;
		}
		if (e->prompts == e->go_on_prompt)
			close(open(e->go, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
		if (strstr(msg[i]->msg, "password"))
			r[i].resp = strdup("s3cret");
		else if (strstr(msg[i]->msg, "name"))
			r[i].resp = strdup("alice\x1b[2J"); /* refused: control character */
		else
			r[i].resp = strdup("");
	}
	*resp = r;
	return PAM_SUCCESS;
}

static const char *getenv_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return v && *v ? v : fallback;
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	const char *build = getenv_or("top_builddir", ".");
	FILE *f;

	assert_non_null(e);
	snprintf(e->dir, sizeof(e->dir), "%s/pamtest.XXXXXX", getenv_or("TMPDIR", "/tmp"));
	assert_non_null(mkdtemp(e->dir));
	snprintf(e->conf, sizeof(e->conf), "%s/fedjit.conf", e->dir);
	snprintf(e->confdir, sizeof(e->confdir), "%s/pam.d", e->dir);
	snprintf(e->log, sizeof(e->log), "%s.log", e->conf);
	snprintf(e->go, sizeof(e->go), "%s.go", e->conf);
	assert_non_null(realpath(build, e->module));
	strcpy(e->helper, e->module);
	strcat(e->module, "/pam/.libs/pam_fedjit.so");
	strcat(e->helper, "/tests/pam/fake-helper");
	assert_int_equal(mkdir(e->confdir, 0700), 0);
	f = fopen(e->conf, "w");
	assert_non_null(f);
	fputs("[idp corp]\nissuer = https://idp.test\nclient_id = fedjit\n", f);
	fclose(f);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	char cmd[600];

	for (int i = 0; i < e->ncalls; i++)
		for (int j = 0; j < e->calls[i].n; j++)
			free(e->calls[i].text[j]);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
	assert_int_equal(system(cmd), 0);
	free(e);
	return 0;
}

/* Writes the service file with these extra module arguments. */
static void service(struct env *e, const char *args)
{
	char path[400];
	FILE *f;

	snprintf(path, sizeof(path), "%s/fedjit-test", e->confdir);
	f = fopen(path, "w");
	assert_non_null(f);
	for (const char *const *t = (const char *const[]){"auth", "account", "password", NULL}; *t;
	     t++)
		fprintf(f, "%s required %s config=%s helper=%s %s\n", *t, e->module, e->conf,
		        e->helper, args);
	/* libpam turns a stack of nothing but PAM_IGNORE into a failure: with
	 * pam_permit after the module, PAM_IGNORE shows as success. */
	if (e->permit_after)
		fputs("account required pam_permit.so\npassword required pam_permit.so\n", f);
	fclose(f);
}

enum what { AUTH, ACCT, CHAUTHTOK };

static int run(struct env *e, enum what what, const char *user, int flags)
{
	struct pam_conv c = {conv, e};
	pam_handle_t *pamh = NULL;
	int r, st;

	assert_int_equal(pam_start_confdir("fedjit-test", user, &c, e->confdir, &pamh),
	                 PAM_SUCCESS);
	(void)pam_set_item(pamh, PAM_RHOST, "203.0.113.9");
	if (what == AUTH)
		r = pam_authenticate(pamh, flags);
	else if (what == ACCT)
		r = pam_acct_mgmt(pamh, flags);
	else
		r = pam_chauthtok(pamh, flags);
	pam_end(pamh, r);
	/* No helper is ever left behind, running or as a zombie. */
	assert_int_equal(waitpid(-1, &st, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	return r;
}

/* The helper's log, "" when it did not run. */
static char *helper_log(struct env *e)
{
	static char buf[8192];
	FILE *f = fopen(e->log, "r");
	size_t n = 0;

	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = 0;
	return buf;
}

static bool has_msg(const struct call *c, int style, const char *needle)
{
	for (int i = 0; i < c->n; i++)
		if (c->style[i] == style && strstr(c->text[i], needle))
			return true;
	return false;
}

/* The sign-in info, the QR code and the Enter prompt: one call. */
static void test_ok(void **state)
{
	struct env *e = *state;
	struct call *c = &e->calls[0];

	service(e, "timeout=90");
	assert_int_equal(run(e, AUTH, "ok", 0), PAM_SUCCESS);
	assert_int_equal(e->ncalls, 1);
	assert_int_equal(c->n, 3);
	assert_int_equal(c->style[0], PAM_TEXT_INFO);
	assert_non_null(strstr(c->text[0], "https://idp.test/device"));
	assert_non_null(strstr(c->text[0], "WDJB-MJHT"));
	assert_int_equal(c->style[1], PAM_TEXT_INFO);
	assert_non_null(strstr(c->text[1], "\xe2\x96\x88")); /* the QR code */
	assert_int_equal(c->style[2], PAM_PROMPT_ECHO_OFF);
	assert_non_null(strstr(c->text[2], "Press Enter once you have approved the sign-in"));
	assert_non_null(strstr(helper_log(e), "request op=login phase=- user=ok "
	                                      "service=fedjit-test rhost=203.0.113.9 tty=- "
	                                      "timeout=90 silent=0 debug=0 interactive=1 idp=-"));
}

static void test_noqr_and_case(void **state)
{
	struct env *e = *state;

	service(e, "noqr");
	/* Folded to the canonical "ok", which is the account the helper reports. */
	assert_int_equal(run(e, AUTH, "OK", 0), PAM_SUCCESS);
	assert_int_equal(e->ncalls, 1);
	assert_int_equal(e->calls[0].n, 2);
	assert_false(has_msg(&e->calls[0], PAM_TEXT_INFO, "\xe2\x96\x88"));
}

static void test_nowait(void **state)
{
	struct env *e = *state;

	service(e, "nowait");
	assert_int_equal(run(e, AUTH, "ok", 0), PAM_SUCCESS);
	assert_int_equal(e->ncalls, 1);
	assert_int_equal(e->calls[0].n, 2);
	assert_int_equal(e->prompts, 0);
}

/* The IdP's qr_code and wait_for_enter apply, whether the helper names the
 * IdP or the module infers it from the name's domain. */
static void test_idp_settings(void **state)
{
	struct env *e = *state;
	FILE *f = fopen(e->conf, "w");

	assert_non_null(f);
	fputs("[idp corp]\nissuer = https://idp.test\nclient_id = fedjit\nprovisioning = always\n"
	      "domain = PRIMARY\nqr_code = no\nwait_for_enter = no\n",
	      f);
	fclose(f);
	service(e, "");
	assert_int_equal(run(e, AUTH, "ok", 0), PAM_SUCCESS);
	assert_int_equal(run(e, AUTH, "anon", 0), PAM_SUCCESS);
	assert_int_equal(e->ncalls, 2);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(e->calls[i].n, 1);
		assert_int_equal(e->calls[i].style[0], PAM_TEXT_INFO);
	}
	/* The IdP's timeout is what the helper is given. */
	assert_non_null(strstr(helper_log(e), "timeout=300"));
}

/* Enter pressed before approval: told so, asked again, then success. */
static void test_enter_too_early(void **state)
{
	struct env *e = *state;

	service(e, "");
	e->go_on_prompt = 2;
	assert_int_equal(run(e, AUTH, "wait", 0), PAM_SUCCESS);
	assert_int_equal(e->ncalls, 2);
	assert_true(has_msg(&e->calls[1], PAM_TEXT_INFO, "not been approved yet"));
	assert_true(has_msg(&e->calls[1], PAM_TEXT_INFO, "WDJB-MJHT"));
	assert_int_equal(e->calls[1].style[e->calls[1].n - 1], PAM_PROMPT_ECHO_OFF);
}

/* Once the helper says the sign-in is approved, slow provisioning after it
 * brings no "not approved yet" reminder. */
static void test_approved(void **state)
{
	struct env *e = *state;

	service(e, "");
	assert_int_equal(run(e, AUTH, "approve", 0), PAM_SUCCESS);
	assert_int_equal(e->ncalls, 1);
	assert_int_equal(e->prompts, 1);
}

static void test_helper_text_batched(void **state)
{
	struct env *e = *state;
	struct call *c = &e->calls[0];

	service(e, "");
	assert_int_equal(run(e, AUTH, "info", 0), PAM_SUCCESS);
	assert_int_equal(e->ncalls, 2);
	assert_int_equal(c->n, 5);
	assert_true(c->style[0] == PAM_TEXT_INFO && strstr(c->text[0], "Hello"));
	assert_true(c->style[1] == PAM_ERROR_MSG && strstr(c->text[1], "Careful"));
	assert_int_equal(c->style[4], PAM_PROMPT_ECHO_OFF);
	assert_true(has_msg(&e->calls[1], PAM_TEXT_INFO, "creating your account"));
}

/* Much text before the device message: split over calls of at most 17
 * messages (PAM_MAX_NUM_MSG is 32 in Linux-PAM and sshd), nothing lost,
 * the instructions still with the prompt. */
static void test_chatty_helper(void **state)
{
	struct env *e = *state;
	struct call *last;
	int lines = 0;

	service(e, "");
	assert_int_equal(run(e, AUTH, "chatty", 0), PAM_SUCCESS);
	for (int i = 0; i < e->ncalls; i++) {
		assert_true(e->calls[i].n <= 17);
		for (int j = 0; j < e->calls[i].n; j++)
			lines += strncmp(e->calls[i].text[j], "line ", 5) == 0;
	}
	assert_int_equal(lines, 40);
	last = &e->calls[e->ncalls - 1];
	assert_true(has_msg(last, PAM_TEXT_INFO, "line 39"));
	assert_true(has_msg(last, PAM_TEXT_INFO, "WDJB-MJHT"));
	assert_int_equal(last->style[last->n - 1], PAM_PROMPT_ECHO_OFF);
}

static void test_prompts(void **state)
{
	struct env *e = *state;
	const char *log;

	service(e, "");
	assert_int_equal(run(e, AUTH, "prompt", 0), PAM_SUCCESS);
	assert_true(e->ncalls >= 2);
	assert_true(has_msg(&e->calls[0], PAM_PROMPT_ECHO_OFF, "New password"));
	assert_true(has_msg(&e->calls[1], PAM_PROMPT_ECHO_ON, "Pick a name"));
	log = helper_log(e);
	assert_non_null(strstr(log, "answer1 s3cret"));
	/* An answer the protocol cannot carry is a cancel, and the person is told. */
	assert_non_null(strstr(log, "answer2 (none) status=cancel"));
	assert_true(has_msg(&e->calls[e->ncalls - 1], PAM_ERROR_MSG, "cannot be used"));
}

struct outcome {
	const char *user;
	enum what what;
	int code;
	const char *message; /* error text the person gets, NULL: none */
};

static void test_outcomes(void **state)
{
	static const struct outcome cases[] = {
	        {"denied", AUTH, PAM_AUTH_ERR, "denied"},
	        {"expired", AUTH, PAM_AUTH_ERR, "expired"},
	        {"unreachable", AUTH, PAM_AUTHINFO_UNAVAIL, "cannot be reached"},
	        {"locked", AUTH, PAM_AUTH_ERR, "locked"},
	        {"oops", AUTH, PAM_AUTH_ERR, "failed"},
	        {"wrong", AUTH, PAM_AUTH_ERR, "does not own this account"},
	        {"noident", AUTH, PAM_AUTH_ERR, NULL},
	        {"unknown", AUTH, PAM_USER_UNKNOWN, NULL},
	        {"nodevice", AUTH, PAM_SUCCESS, NULL},
	        {"ok", ACCT, PAM_SUCCESS, NULL},
	        {"locked", ACCT, PAM_PERM_DENIED, "locked"},
	        {"notallowed", ACCT, PAM_PERM_DENIED, "not allowed"},
	        {"idpgone", ACCT, PAM_ACCT_EXPIRED, "no longer available"},
	        {"unknown", ACCT, PAM_USER_UNKNOWN, NULL},
	        {"unknown", CHAUTHTOK, PAM_USER_UNKNOWN, NULL},
	        {"nosuchop", ACCT, PAM_IGNORE, NULL},
	        {"nosuchop", CHAUTHTOK, PAM_IGNORE, NULL},
	};

	for (size_t i = 0; i < FEDJIT_ELEMENTSOF(cases); i++) {
		struct env *e = *state;
		const struct call *last;

		print_message("# %s (%d)\n", cases[i].user, cases[i].what);
		teardown(state);
		setup(state);
		e = *state;
		e->permit_after = cases[i].code == PAM_IGNORE;
		service(e, "");
		assert_int_equal(run(e, cases[i].what, cases[i].user, 0),
		                 cases[i].code == PAM_IGNORE ? PAM_SUCCESS : cases[i].code);
		last = e->ncalls ? &e->calls[e->ncalls - 1] : NULL;
		if (cases[i].message) {
			assert_non_null(last);
			assert_true(has_msg(last, PAM_ERROR_MSG, cases[i].message));
		} else if (cases[i].code != PAM_SUCCESS && last)
			assert_false(has_msg(last, PAM_ERROR_MSG, ""));
	}
}

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
		teardown(state);
		setup(state);
		e = *state;
		service(e, "nowait");
		assert_int_equal(run(e, cases[i].what, cases[i].user, 0), cases[i].code);
		if (cases[i].message)
			assert_true(
			        has_msg(&e->calls[e->ncalls - 1], PAM_ERROR_MSG, cases[i].message));
		/* Nothing the helper sent reached the person raw. */
		for (int c = 0; c < e->ncalls; c++)
			for (int j = 0; j < e->calls[c].n; j++)
				assert_null(strchr(e->calls[c].text[j], '\x1b'));
	}
	/* A helper path that cannot be executed. */
	strcpy(((struct env *)*state)->helper, "/nonexistent/fedjit-helper");
	service(*state, "");
	assert_int_equal(run(*state, AUTH, "ok", 0), PAM_SYSTEM_ERR);
}

/* The deadline kills a helper that hangs (and ignores SIGTERM). */
static void test_deadline(void **state)
{
	struct env *e = *state;

	service(e, "nowait timeout=1");
	assert_int_equal(run(e, AUTH, "hang", 0), PAM_AUTH_ERR);
	assert_true(has_msg(&e->calls[e->ncalls - 1], PAM_ERROR_MSG, "timed out"));
}

/* The client goes away at the Enter prompt: the module gives up and the
 * helper sees the socket close. */
static void test_client_gone(void **state)
{
	struct env *e = *state;

	service(e, "");
	e->fail_on_prompt = 1;
	assert_int_equal(run(e, AUTH, "byebye", 0), PAM_CONV_ERR);
	assert_non_null(strstr(helper_log(e), "eof"));
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
	service(e, "");
	assert_int_equal(run(e, AUTH, "envcheck", 0), PAM_SUCCESS);
	sigaction(SIGCHLD, &old, &now);
	assert_true(now.sa_handler == SIG_IGN);
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	signal(SIGUSR1, SIG_DFL);
	unsetenv("FEDJIT_TEST_SECRET");
	close(leak);
	log = helper_log(e);
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

	service(e, "");
	for (int fd = 0; fd < 3; fd++) {
		saved[fd] = fcntl(fd, F_DUPFD_CLOEXEC, 10);
		assert_true(saved[fd] >= 10);
		close(fd);
	}
	r = run(e, AUTH, "envcheck", 0);
	for (int fd = 0; fd < 3; fd++) {
		dup2(saved[fd], fd);
		close(saved[fd]);
	}
	assert_int_equal(r, PAM_SUCCESS);
	assert_non_null(strstr(helper_log(e), "fds ok, 0 other"));
}

static void test_silent(void **state)
{
	struct env *e = *state;

	service(e, "");
	/* The instructions are needed to sign in and stay; the refusal text goes. */
	assert_int_equal(run(e, AUTH, "denied", PAM_SILENT), PAM_AUTH_ERR);
	assert_int_equal(e->ncalls, 1);
	assert_true(has_msg(&e->calls[0], PAM_TEXT_INFO, "WDJB-MJHT"));
	assert_non_null(strstr(helper_log(e), "silent=1"));
}

/* Names fedjit does not handle never reach the helper. */
static void test_not_ours(void **state)
{
	struct env *e = *state;
	FILE *f;

	service(e, "");
	assert_int_equal(run(e, AUTH, "root", 0), PAM_USER_UNKNOWN);
	assert_int_equal(run(e, AUTH, "bad:name", 0), PAM_USER_UNKNOWN);
	assert_int_equal(run(e, ACCT, "x/y/z", 0), PAM_USER_UNKNOWN);
	assert_string_equal(helper_log(e), "");
	assert_int_equal(e->ncalls, 0);
	/* An unknown IdP in the arguments is a configuration error. */
	service(e, "idp=nope");
	assert_int_equal(run(e, AUTH, "ok", 0), PAM_AUTHINFO_UNAVAIL);
	/* No configuration file: fedjit is not set up, nobody is its user. */
	unlink(e->conf);
	assert_int_equal(run(e, AUTH, "ok", 0), PAM_USER_UNKNOWN);
	/* A broken one: fail closed, with the reason in syslog. */
	f = fopen(e->conf, "w");
	assert_non_null(f);
	fputs("[idp corp]\nissuer = http://plain.test\n", f);
	fclose(f);
	service(e, "");
	assert_int_equal(run(e, AUTH, "ok", 0), PAM_AUTHINFO_UNAVAIL);
	assert_string_equal(helper_log(e), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_ok, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_noqr_and_case, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_nowait, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_idp_settings, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_enter_too_early, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_helper_text_batched, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_approved, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_chatty_helper, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_prompts, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_outcomes, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_bad_helpers, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_deadline, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_client_gone, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_helper_environment, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_host_without_stdio, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_silent, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_not_ours, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

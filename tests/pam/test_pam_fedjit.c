/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pam_fedjit.so through libpam with a fake helper (tests/pam/harness.h): what
 * the person sees and how it is grouped into conversation calls, the IdP's
 * presentation settings, helper prompts, and every result status per PAM
 * operation including the binding check.
 */
#include "tests/pam/harness.h"
#include "tests/unit/syslog_capture.h"

/* The sign-in info, the QR code and the Enter prompt: one call. */
static void test_ok(void **state)
{
	struct env *e = *state;
	struct call *c = &e->calls[0];

	fedjit_pt_service(e, "timeout=90");
	assert_int_equal(fedjit_pt_run(e, AUTH, "ok", 0), PAM_SUCCESS);
	assert_int_equal(e->ncalls, 1);
	assert_int_equal(c->n, 3);
	assert_int_equal(c->style[0], PAM_TEXT_INFO);
	assert_non_null(strstr(c->text[0], "https://idp.test/device"));
	assert_non_null(strstr(c->text[0], "WDJB-MJHT"));
	assert_int_equal(c->style[1], PAM_TEXT_INFO);
	assert_non_null(strstr(c->text[1], "\xe2\x96\x88")); /* the QR code */
	assert_int_equal(c->style[2], PAM_PROMPT_ECHO_OFF);
	assert_non_null(strstr(c->text[2], "Press Enter once you have approved the sign-in"));
	assert_non_null(strstr(fedjit_pt_helper_log(e),
	                       "request op=login phase=- user=ok "
	                       "service=fedjit-test rhost=203.0.113.9 tty=- "
	                       "timeout=90 silent=0 debug=0 interactive=1 idp=-"));
}

static void test_noqr_and_case(void **state)
{
	struct env *e = *state;

	fedjit_pt_service(e, "noqr");
	/* Folded to the canonical "ok", which is the account the helper reports. */
	assert_int_equal(fedjit_pt_run(e, AUTH, "OK", 0), PAM_SUCCESS);
	assert_int_equal(e->ncalls, 1);
	assert_int_equal(e->calls[0].n, 2);
	assert_false(fedjit_pt_has_msg(&e->calls[0], PAM_TEXT_INFO, "\xe2\x96\x88"));
}

static void test_nowait(void **state)
{
	struct env *e = *state;

	fedjit_pt_service(e, "nowait");
	assert_int_equal(fedjit_pt_run(e, AUTH, "ok", 0), PAM_SUCCESS);
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
	fedjit_pt_service(e, "");
	assert_int_equal(fedjit_pt_run(e, AUTH, "ok", 0), PAM_SUCCESS);
	assert_int_equal(fedjit_pt_run(e, AUTH, "anon", 0), PAM_SUCCESS);
	assert_int_equal(e->ncalls, 2);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(e->calls[i].n, 1);
		assert_int_equal(e->calls[i].style[0], PAM_TEXT_INFO);
	}
	/* The IdP's timeout is what the helper is given. */
	assert_non_null(strstr(fedjit_pt_helper_log(e), "timeout=300"));
}

/* Enter pressed before approval: told so, asked again, then success. */
static void test_enter_too_early(void **state)
{
	struct env *e = *state;

	fedjit_pt_service(e, "");
	e->go_on_prompt = 2;
	assert_int_equal(fedjit_pt_run(e, AUTH, "wait", 0), PAM_SUCCESS);
	assert_int_equal(e->ncalls, 2);
	assert_true(fedjit_pt_has_msg(&e->calls[1], PAM_TEXT_INFO, "not been approved yet"));
	assert_true(fedjit_pt_has_msg(&e->calls[1], PAM_TEXT_INFO, "WDJB-MJHT"));
	assert_int_equal(e->calls[1].style[e->calls[1].n - 1], PAM_PROMPT_ECHO_OFF);
}

/* Enter pressed before approval, the approval seen within one poll interval
 * plus 3 s after it: the sign-in goes on, no reminder, no second prompt. */
static void test_enter_then_approved(void **state)
{
	struct env *e = *state;

	fedjit_pt_service(e, "");
	assert_int_equal(fedjit_pt_run(e, AUTH, "late", 0), PAM_SUCCESS);
	assert_int_equal(e->ncalls, 1);
	assert_int_equal(e->prompts, 1);
	assert_false(fedjit_pt_has_msg(&e->calls[0], PAM_TEXT_INFO, "not been approved yet"));
}

/* Once the helper says the sign-in is approved, slow provisioning after it
 * brings no "not approved yet" reminder. */
static void test_approved(void **state)
{
	struct env *e = *state;

	fedjit_pt_service(e, "");
	assert_int_equal(fedjit_pt_run(e, AUTH, "approve", 0), PAM_SUCCESS);
	assert_int_equal(e->ncalls, 1);
	assert_int_equal(e->prompts, 1);
}

static void test_helper_text_batched(void **state)
{
	struct env *e = *state;
	struct call *c = &e->calls[0];

	fedjit_pt_service(e, "");
	assert_int_equal(fedjit_pt_run(e, AUTH, "info", 0), PAM_SUCCESS);
	assert_int_equal(e->ncalls, 2);
	assert_int_equal(c->n, 5);
	assert_true(c->style[0] == PAM_TEXT_INFO && strstr(c->text[0], "Hello"));
	assert_true(c->style[1] == PAM_ERROR_MSG && strstr(c->text[1], "Careful"));
	assert_int_equal(c->style[4], PAM_PROMPT_ECHO_OFF);
	assert_true(fedjit_pt_has_msg(&e->calls[1], PAM_TEXT_INFO, "creating your account"));
}

/* Much text before the device message: split over calls of at most 17
 * messages (PAM_MAX_NUM_MSG is 32 in Linux-PAM and sshd), nothing lost,
 * the instructions still with the prompt. */
static void test_chatty_helper(void **state)
{
	struct env *e = *state;
	struct call *last;
	int lines = 0;

	fedjit_pt_service(e, "");
	assert_int_equal(fedjit_pt_run(e, AUTH, "chatty", 0), PAM_SUCCESS);
	for (int i = 0; i < e->ncalls; i++) {
		assert_true(e->calls[i].n <= 17);
		for (int j = 0; j < e->calls[i].n; j++)
			lines += strncmp(e->calls[i].text[j], "line ", 5) == 0;
	}
	assert_int_equal(lines, 40);
	last = &e->calls[e->ncalls - 1];
	assert_true(fedjit_pt_has_msg(last, PAM_TEXT_INFO, "line 39"));
	assert_true(fedjit_pt_has_msg(last, PAM_TEXT_INFO, "WDJB-MJHT"));
	assert_int_equal(last->style[last->n - 1], PAM_PROMPT_ECHO_OFF);
}

static void test_prompts(void **state)
{
	struct env *e = *state;
	const char *log;

	fedjit_pt_service(e, "");
	assert_int_equal(fedjit_pt_run(e, AUTH, "prompt", 0), PAM_SUCCESS);
	assert_true(e->ncalls >= 2);
	assert_true(fedjit_pt_has_msg(&e->calls[0], PAM_PROMPT_ECHO_OFF, "New password"));
	assert_true(fedjit_pt_has_msg(&e->calls[1], PAM_PROMPT_ECHO_ON, "Pick a name"));
	log = fedjit_pt_helper_log(e);
	assert_non_null(strstr(log, "answer1 s3cret"));
	/* An answer the protocol cannot carry is a cancel, and the person is told. */
	assert_non_null(strstr(log, "answer2 (none) status=cancel"));
	assert_true(fedjit_pt_has_msg(&e->calls[e->ncalls - 1], PAM_ERROR_MSG, "cannot be used"));
}

/* prompt = username+password+consent: the new account's chosen name becomes
 * PAM_USER where the service takes it back (login, or the switch_user
 * argument), and nowhere else. */
static void test_chosen_name(void **state)
{
	static const struct {
		const char *service, *args;
		int code;
		const char *final_user, *switch_user;
	} cases[] = {
	        {"login", "", PAM_SUCCESS, "chosen-name", "switch_user=1"},
	        {NULL, "switch_user", PAM_SUCCESS, "chosen-name", "switch_user=1"},
	        {NULL, "", PAM_AUTH_ERR, "chooser", "switch_user=-"},
	        {"sshd", "", PAM_AUTH_ERR, "chooser", "switch_user=-"},
	        {"sudo", "", PAM_AUTH_ERR, "chooser", "switch_user=-"},
	};

	for (size_t i = 0; i < FEDJIT_ELEMENTSOF(cases); i++) {
		struct env *e;

		print_message("# service %s args '%s'\n", cases[i].service ?: "fedjit-test",
		              cases[i].args);
		fedjit_pt_teardown(state);
		fedjit_pt_setup(state);
		e = *state;
		e->service = cases[i].service;
		fedjit_pt_service(e, cases[i].args);
		assert_int_equal(fedjit_pt_run(e, AUTH, "chooser", 0), cases[i].code);
		assert_string_equal(e->final_user, cases[i].final_user);
		assert_non_null(strstr(fedjit_pt_helper_log(e), cases[i].switch_user));
		if (cases[i].code != PAM_SUCCESS)
			assert_true(fedjit_pt_has_msg(&e->calls[e->ncalls - 1], PAM_ERROR_MSG,
			                              "does not own this account"));
	}
}

/* The helper's text reaches syslog as one line per message, whatever it holds
 * (common/escape.h): a helper that did not escape an IdP's line feed forges nothing. */
static void test_log_escaped(void **state)
{
	struct env *e = *state;
	struct syslog_capture cap;
	char *log;

	fedjit_pt_service(e, "");
	syslog_capture_start(&cap);
	assert_int_equal(fedjit_pt_run(e, AUTH, "hostile", 0), PAM_SUCCESS);
	log = syslog_capture_stop(&cap);
	assert_non_null(strstr(log, "claimed name x\\x0aFORGED-LOG: root signed in\\x09ok"));
	assert_non_null(strstr(log, "subject sub-1\\x0aFORGED-SUBJECT: root signed in"));
	assert_false(syslog_capture_has_line(log, "FORGED"));
	assert_null(strchr(log, '\t'));
	free(log);
}

/* A reserved service account name is not fedjit's: the stack goes on, no helper
 * (hence no device flow) is started. */
static void test_reserved_name(void **state)
{
	struct env *e = *state;

	fedjit_pt_service(e, "");
	assert_int_equal(fedjit_pt_run(e, AUTH, "jenkins", 0), PAM_USER_UNKNOWN);
	assert_int_equal(fedjit_pt_run(e, AUTH, "gitlab-runner", 0), PAM_USER_UNKNOWN);
	assert_string_equal(fedjit_pt_helper_log(e), "");
	assert_int_equal(e->ncalls, 0);
}

/* A sign-in the helper refused for the bounds on device flows: PAM_MAXTRIES (sshd
 * ends the connection, a stack with maxtries=die stops), a plain message, and no
 * syslog line per attempt (the helper logs them once per window). */
static void test_busy(void **state)
{
	struct env *e = *state;
	struct syslog_capture cap;
	char *log;

	fedjit_pt_service(e, "");
	syslog_capture_start(&cap);
	assert_int_equal(fedjit_pt_run(e, AUTH, "busy", 0), PAM_MAXTRIES);
	log = syslog_capture_stop(&cap);
	assert_true(fedjit_pt_has_msg(&e->calls[e->ncalls - 1], PAM_ERROR_MSG,
	                              "Too many sign-ins in progress; try again in a minute."));
	assert_null(strstr(log, "busy"));
	free(log);
}

static void test_outcomes(void **state)
{
	static const struct outcome cases[] = {
	        {"denied", AUTH, PAM_AUTH_ERR, "denied"},
	        {"expired", AUTH, PAM_AUTH_ERR, "expired"},
	        {"unreachable", AUTH, PAM_AUTHINFO_UNAVAIL, "cannot be reached"},
	        {"locked", AUTH, PAM_MAXTRIES, "locked"},
	        {"notallowed", AUTH, PAM_MAXTRIES, "not allowed"},
	        {"idpgone", AUTH, PAM_MAXTRIES, "no longer available"},
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
	        {"unknown", CHAUTHTOK, PAM_IGNORE, NULL},
	        {"nosuchop", ACCT, PAM_IGNORE, NULL},
	        {"nosuchop", CHAUTHTOK, PAM_IGNORE, NULL},
	};

	for (size_t i = 0; i < FEDJIT_ELEMENTSOF(cases); i++) {
		struct env *e = *state;
		const struct call *last;

		print_message("# %s (%d)\n", cases[i].user, cases[i].what);
		fedjit_pt_teardown(state);
		fedjit_pt_setup(state);
		e = *state;
		e->permit_after = cases[i].code == PAM_IGNORE;
		fedjit_pt_service(e, "");
		assert_int_equal(fedjit_pt_run(e, cases[i].what, cases[i].user, 0),
		                 cases[i].code == PAM_IGNORE ? PAM_SUCCESS : cases[i].code);
		last = e->ncalls ? &e->calls[e->ncalls - 1] : NULL;
		if (cases[i].message) {
			assert_non_null(last);
			assert_true(fedjit_pt_has_msg(last, PAM_ERROR_MSG, cases[i].message));
		} else if (cases[i].code != PAM_SUCCESS && last)
			assert_false(fedjit_pt_has_msg(last, PAM_ERROR_MSG, ""));
	}
}

/*
 * The password stack for names fedjit does not handle (a helper's
 * unknown_user, or a name the module itself refuses, such as root): no
 * opinion (PAM_IGNORE), but the new password is asked in the update phase and
 * left in PAM_AUTHTOK, for pam_unix's use_authtok below the module in the
 * stack pam-auth-update writes; nothing is asked in the prelim phase (two
 * prompts in all, the first one "New password"). That pam_unix then sets it:
 * tests/helper/helper-chauthtok.sh.
 */
static void test_chauthtok_not_ours(void **state)
{
	static const char *const users[] = {"unknown", "root"};

	for (size_t i = 0; i < FEDJIT_ELEMENTSOF(users); i++) {
		struct env *e;
		int prompts = 0;

		print_message("# %s\n", users[i]);
		fedjit_pt_teardown(state);
		fedjit_pt_setup(state);
		e = *state;
		e->permit_after = true;
		fedjit_pt_service(e, "");
		assert_int_equal(fedjit_pt_run(e, CHAUTHTOK, users[i], 0), PAM_SUCCESS);
		for (int j = 0; j < e->ncalls; j++)
			for (int k = 0; k < e->calls[j].n; k++)
				if (e->calls[j].style[k] == PAM_PROMPT_ECHO_OFF) {
					assert_non_null(strstr(e->calls[j].text[k],
					                       prompts ? "Retype new password"
					                               : "New password"));
					prompts++;
				}
		assert_int_equal(prompts, 2);
		/* The helper was asked twice (prelim, update) for the unknown name;
		 * never for root, which the module refuses itself. */
		assert_int_equal(strstr(fedjit_pt_helper_log(e), "op=chauthtok phase=update") !=
		                         NULL,
		                 i == 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_ok, fedjit_pt_setup, fedjit_pt_teardown),
	        cmocka_unit_test_setup_teardown(test_noqr_and_case, fedjit_pt_setup,
	                                        fedjit_pt_teardown),
	        cmocka_unit_test_setup_teardown(test_nowait, fedjit_pt_setup, fedjit_pt_teardown),
	        cmocka_unit_test_setup_teardown(test_idp_settings, fedjit_pt_setup,
	                                        fedjit_pt_teardown),
	        cmocka_unit_test_setup_teardown(test_enter_too_early, fedjit_pt_setup,
	                                        fedjit_pt_teardown),
	        cmocka_unit_test_setup_teardown(test_enter_then_approved, fedjit_pt_setup,
	                                        fedjit_pt_teardown),
	        cmocka_unit_test_setup_teardown(test_helper_text_batched, fedjit_pt_setup,
	                                        fedjit_pt_teardown),
	        cmocka_unit_test_setup_teardown(test_approved, fedjit_pt_setup, fedjit_pt_teardown),
	        cmocka_unit_test_setup_teardown(test_chatty_helper, fedjit_pt_setup,
	                                        fedjit_pt_teardown),
	        cmocka_unit_test_setup_teardown(test_prompts, fedjit_pt_setup, fedjit_pt_teardown),
	        cmocka_unit_test_setup_teardown(test_outcomes, fedjit_pt_setup, fedjit_pt_teardown),
	        cmocka_unit_test_setup_teardown(test_busy, fedjit_pt_setup, fedjit_pt_teardown),
	        cmocka_unit_test_setup_teardown(test_reserved_name, fedjit_pt_setup,
	                                        fedjit_pt_teardown),
	        cmocka_unit_test_setup_teardown(test_log_escaped, fedjit_pt_setup,
	                                        fedjit_pt_teardown),
	        cmocka_unit_test_setup_teardown(test_chosen_name, fedjit_pt_setup,
	                                        fedjit_pt_teardown),
	        cmocka_unit_test_setup_teardown(test_chauthtok_not_ours, fedjit_pt_setup,
	                                        fedjit_pt_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

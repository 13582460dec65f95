/* SPDX-License-Identifier: Apache-2.0 */
/* pam_fedjit.so argument parsing: every argument, bad values, unknown ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/macro.h"
#include "pam/args.h"

struct reports {
	int n;
	char last[128];
};

static void record(void *userdata, const char *arg, const char *why)
{
	struct reports *r = userdata;

	r->n++;
	snprintf(r->last, sizeof(r->last), "%s: %s", arg, why);
}

static void test_defaults(void **state)
{
	struct fedjit_pam_args a;
	struct reports rep = {0};

	memset(&a, 0xff, sizeof(a));
	fedjit_pam_args_parse(0, NULL, &a, record, &rep);
	assert_false(a.debug);
	assert_false(a.nowait);
	assert_false(a.noqr);
	assert_false(a.switch_user);
	assert_int_equal(a.timeout, 0);
	assert_null(a.idp);
	assert_null(a.config);
	assert_null(a.helper);
	assert_int_equal(rep.n, 0);
}

static void test_all(void **state)
{
	const char *argv[] = {"debug",    "nowait",           "noqr",           "timeout=90",
	                      "idp=corp", "config=/t/f.conf", "helper=/t/fake", "switch_user"};
	struct fedjit_pam_args a;
	struct reports rep = {0};

	fedjit_pam_args_parse((int)FEDJIT_ELEMENTSOF(argv), argv, &a, record, &rep);
	assert_true(a.debug);
	assert_true(a.nowait);
	assert_true(a.noqr);
	assert_true(a.switch_user);
	assert_int_equal(a.timeout, 90);
	assert_string_equal(a.idp, "corp");
	assert_string_equal(a.config, "/t/f.conf");
	assert_string_equal(a.helper, "/t/fake");
	assert_int_equal(rep.n, 0);
}

static void test_bad(void **state)
{
	static const char *const bad[] = {
	        "timeout=0",
	        "timeout=3601",
	        "timeout=-1",
	        "timeout=1x",
	        "timeout=",
	        "timeout= 5",
	        "timeout=99999999999999999999",
	        "idp=",
	        "config=rel",
	        "helper=bin/fake",
	        "helper=",
	        "debugx",
	        "Debug",
	        "timeout",
	        "qr",
	        "",
	};

	for (size_t i = 0; i < FEDJIT_ELEMENTSOF(bad); i++) {
		const char *argv[] = {"debug", bad[i], "timeout=7"};
		struct fedjit_pam_args a;
		struct reports rep = {0};

		fedjit_pam_args_parse(3, argv, &a, record, &rep);
		assert_int_equal(rep.n, 1);
		assert_non_null(strstr(rep.last, bad[i]));
		/* The good arguments around the bad one still apply. */
		assert_true(a.debug);
		assert_int_equal(a.timeout, 7);
		assert_null(a.idp);
		assert_null(a.config);
		assert_null(a.helper);
	}
}

static void test_last_wins_and_no_report_fn(void **state)
{
	const char *argv[] = {"timeout=5", "timeout=3600", "idp=a", "idp=b", "bogus", NULL};
	struct fedjit_pam_args a;

	fedjit_pam_args_parse(6, argv, &a, NULL, NULL);
	assert_int_equal(a.timeout, 3600);
	assert_string_equal(a.idp, "b");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_defaults),
	        cmocka_unit_test(test_all),
	        cmocka_unit_test(test_bad),
	        cmocka_unit_test(test_last_wins_and_no_report_fn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a federated identity can be granted, against a temporary store
 * (pam/provision/provision.h): claims reach logs, audit records and prompts
 * escaped; create_groups joins only fedjit's own groups; reserved names.
 * Needs root for the homes (chown): skips otherwise.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pam/provision/provision_private.h"
#include "tests/unit/provision_fixture.h"
#include "tests/unit/syslog_capture.h"

/* Hostile claims in the audit record, the group lines and the consent prompt:
 * one line each, the claims escaped (common/escape.h). */
static void test_escaped_sinks(void **state)
{
	struct fx *f = *state;
	struct fedjit_prov_result res;
	const char *groups[] = {"ops\nFORGED-GROUP: x", NULL};
	struct fedjit_identity id =
	        fx_identity("sub-zed\nFORGED-AUDIT: account=root", "zed", groups);
	struct syslog_capture cap;
	char *log;

	NEED_ROOT(f);
	id.gecos = "Zed\nFORGED-PROMPT: groups sudo\x1b[2J";
	id.email = "zed@example.org\r\n";
	fx_config(f, "",
	          "provisioning = always\ndomain = PRIMARY\nprompt = consent\n"
	          "create_groups = yes\n");
	fx_answers(f, "yes", NULL);
	syslog_capture_start(&cap);
	assert_string_equal(fx_login(f, &id, "zed", &res), "ok");
	log = syslog_capture_stop(&cap);

	/* the audit record: one line, the subject one field */
	assert_non_null(strstr(log, "provisioning: created account=zed idp=t "
	                            "issuer=https://idp.example "
	                            "subject=sub-zed\\x0aFORGED-AUDIT:\\x20account=root "));
	/* the skipped group: named, escaped */
	assert_non_null(strstr(log, "IdP group skipped"));
	assert_false(syslog_capture_has_line(log, "FORGED"));
	free(log);
	/* the consent prompt shows the claims escaped */
	assert_non_null(
	        strstr(f->transcript,
	               "full name   Zed\\x0aFORGED-PROMPT: groups sudo\\x1b[2J  (claim name)"));
	assert_non_null(strstr(f->transcript, "email       zed@example.org\\x0d\\x0a  (claim"));
	assert_null(strstr(f->transcript, "\nFORGED"));
	assert_null(strchr(f->transcript, '\x1b'));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_escaped_sinks, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

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
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pam/proto/proto.h"
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
	assert_non_null(strstr(log, "IdP group ops\\x0aFORGED-GROUP: x skipped"));
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

static bool has_gid(const uint32_t *v, size_t n, uint32_t gid)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == gid)
			return true;
	return false;
}

/*
 * create_groups never joins an existing local group: docker (another NSS
 * source, root-equivalent), carol (another user's private group outside
 * fedjit), erin (an account's private group in the store), frank (a user
 * outside fedjit without a group of that name yet). Only group_map may name
 * an existing group. Each skipped group is logged by name.
 */
static void test_groups_own_only(void **state)
{
	struct fx *f = *state;
	struct fedjit_prov_result res;
	const char *dan_groups[] = {"docker", "carol", "erin", "frank", "devs", "admins", NULL};
	struct fedjit_identity erin = fx_identity("sub-erin", "erin", NULL);
	struct fedjit_identity dan = fx_identity("sub-dan", "dan", dan_groups);
	struct fedjit_store *s = NULL;
	struct fedjit_group *devs = NULL, *erin_grp = NULL, *other = NULL;
	struct syslog_capture cap;
	uint32_t gids[16];
	size_t n;
	char *log;

	NEED_ROOT(f);
	f->groups[f->n_groups++] = (struct fx_entry){"docker", 998, 0};
	f->users[f->n_users++] = (struct fx_entry){"frank", 250100, 100};
	/* reserved_names = none: docker is refused for being a group, not for its name */
	fx_config(f, "[global]\nreserved_names = none\n",
	          "provisioning = always\ndomain = PRIMARY\ncreate_groups = yes\n"
	          "group_map = admins:sudo\n");
	assert_string_equal(fx_login(f, &erin, "erin", &res), "ok");
	syslog_capture_start(&cap);
	assert_string_equal(fx_login(f, &dan, "dan", &res), "ok");
	log = syslog_capture_stop(&cap);

	assert_int_equal(fedjit_store_open(f->db, FEDJIT_STORE_RDONLY, &s), 0);
	assert_int_equal(fedjit_store_get_group(s, "devs", &devs), 0);
	assert_int_equal(fedjit_store_get_group(s, "erin", &erin_grp), 0);
	assert_int_equal(devs->origin, FEDJIT_GROUP_JIT);
	assert_true(devs->gid >= 200000 && devs->gid <= 299999);
	/* no group of those names was made in the store */
	assert_int_equal(fedjit_store_get_group(s, "docker", &other), -ENOENT);
	assert_int_equal(fedjit_store_get_group(s, "carol", &other), -ENOENT);
	assert_int_equal(fedjit_store_get_group(s, "frank", &other), -ENOENT);
	assert_int_equal(erin_grp->n_members, 0); /* dan did not join erin's private group */
	fedjit_store_close(s);

	n = fx_gids(f, "dan", gids, 16);
	assert_int_equal(n, 2); /* sudo (group_map) and devs (created), nothing else */
	assert_true(has_gid(gids, n, 27));
	assert_true(has_gid(gids, n, devs->gid));
	assert_false(has_gid(gids, n, 998));
	assert_false(has_gid(gids, n, 250000));
	assert_false(has_gid(gids, n, erin_grp->gid));

	assert_non_null(strstr(log, "IdP group docker skipped: a group outside fedjit"));
	assert_non_null(strstr(log, "IdP group carol skipped: a group outside fedjit"));
	assert_non_null(strstr(log, "IdP group erin skipped: a private group of the store"));
	assert_non_null(strstr(log, "IdP group frank skipped: the name of a user outside fedjit"));
	free(log);
	fedjit_group_free(devs);
	fedjit_group_free(erin_grp);

	/* with the built-in reserved names docker is refused as a reserved name too;
	 * group_map may still name it: the administrator's decision */
	fx_config(f, "",
	          "provisioning = always\ndomain = PRIMARY\ncreate_groups = yes\n"
	          "group_map = admins:docker\n");
	syslog_capture_start(&cap);
	assert_string_equal(fx_login(f, &dan, "dan", &res), "ok");
	log = syslog_capture_stop(&cap);
	assert_non_null(strstr(log, "IdP group docker skipped: a reserved name"));
	free(log);
	n = fx_gids(f, "dan", gids, 16);
	assert_true(has_gid(gids, n, 998));
	assert_false(has_gid(gids, n, 250000));
}

/* A name or a link from the email claim needs email_verified = true (absent:
 * only with trust_email); other claims do not care. */
static void test_email_verified(void **state)
{
	struct fx *f = *state;
	struct fedjit_prov_result res;
	struct fedjit_identity vic = fx_identity("sub-vic", "victim@example.org", NULL);
	struct fedjit_identity car = fx_identity("sub-car", "carol@example.org", NULL);
	static const char email_idp[] = "provisioning = always\ndomain = PRIMARY\n"
	                                "username_claim = email\n"
	                                "username_strip_suffix = @example.org\n";
	char body[512];

	NEED_ROOT(f);
	fx_config(f, "", email_idp);
	vic.email_verified = 0;
	assert_string_equal(fx_login(f, &vic, "victim", &res), "error");
	assert_non_null(strstr(res.message, "not verified your email address"));
	assert_string_equal(res.log, "username_claim = email, but email_verified is false");
	vic.email_verified = -1;
	assert_string_equal(fx_login(f, &vic, "victim", &res), "error");
	assert_string_equal(res.log, "username_claim = email, but email_verified is absent (and "
	                             "trust_email is off)");
	assert_int_equal(fx_count_users(f), 0);

	/* associate_existing: carol exists outside fedjit; an unverified address
	 * does not link her account */
	snprintf(body, sizeof(body), "%sassociate_existing = yes\n", email_idp);
	fx_config(f, "", body);
	car.email_verified = 0;
	assert_string_equal(fx_login(f, &car, "carol", &res), "error");
	assert_int_equal(fx_count_users(f), 0);
	car.email_verified = 1;
	assert_string_equal(fx_login(f, &car, "carol", &res), "ok");
	assert_int_equal(res.action, FEDJIT_PROV_LINKED);

	/* trust_email: absent counts as verified, false never does */
	snprintf(body, sizeof(body), "%strust_email = yes\n", email_idp);
	fx_config(f, "", body);
	vic.email_verified = 0;
	assert_string_equal(fx_login(f, &vic, "victim", &res), "error");
	vic.email_verified = -1;
	assert_string_equal(fx_login(f, &vic, "victim", &res), "ok");
	assert_string_equal(res.account, "victim");

	/* the name from another claim: email_verified does not matter */
	struct fedjit_identity pat = fx_identity("sub-pat", "pat", NULL);
	pat.email_verified = 0;
	fx_config(f, "", "provisioning = always\ndomain = PRIMARY\n");
	assert_string_equal(fx_login(f, &pat, "pat", &res), "ok");
}

/* email_verified travels in msg=identity: 1, 0, absent; anything else is malformed. */
static void test_email_verified_proto(void **state)
{
	struct fedjit_msg *m = fedjit_msg_new();
	struct fedjit_identity id;
	char *buf = NULL;
	static const char *const values[] = {"1", "0", NULL, "yes"};
	static const int want[] = {1, 0, -1, -2};

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(fedjit_msg_start(m, "identity"), 0);
		assert_int_equal(fedjit_msg_add(m, "issuer", "https://idp.example"), 0);
		assert_int_equal(fedjit_msg_add(m, "subject", "s1"), 0);
		assert_int_equal(fedjit_msg_add(m, "email_verified", values[i]), 0);
		if (want[i] == -2) {
			assert_int_equal(fedjit_identity_from_msg(m, &id, &buf), -EBADMSG);
			continue;
		}
		assert_int_equal(fedjit_identity_from_msg(m, &id, &buf), 0);
		assert_int_equal(id.email_verified, want[i]);
		free(buf);
	}
	fedjit_msg_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_escaped_sinks, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_groups_own_only, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_email_verified, fx_setup, fx_teardown),
	        cmocka_unit_test(test_email_verified_proto),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

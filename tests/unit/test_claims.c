/* SPDX-License-Identifier: Apache-2.0 */
/* msg=claims (pam/helper/claims.h): the verified claims within one protocol value. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pam/helper/claims.h"

static struct fedjit_msg *build(json_t *claims)
{
	struct fedjit_msg *m = fedjit_msg_new();

	assert_non_null(m);
	assert_int_equal(fedjit_claims_msg(claims, m), 0);
	json_decref(claims);
	assert_string_equal(fedjit_msg_type(m), "claims");
	return m;
}

static json_t *parsed(const struct fedjit_msg *m)
{
	const char *text = fedjit_msg_get(m, "json");
	json_t *j;

	assert_non_null(text);
	assert_true(strlen(text) <= FEDJIT_PROTO_MAX_VALUE);
	for (const char *p = text; *p; p++) /* printable ASCII only */
		assert_true(*p >= 0x20 && *p < 0x7f);
	j = json_loads(text, 0, NULL);
	assert_true(json_is_object(j));
	return j;
}

static void small_object_whole(void **state)
{
	struct fedjit_msg *m = build(json_pack("{s:s, s:s, s:[s,s]}", "sub", "u-1", "iss",
	                                       "https://idp.test", "groups", "staff", "admins"));

	assert_string_equal(fedjit_msg_get(m, "json"),
	                    "{\"groups\":[\"staff\",\"admins\"],\"iss\":\"https://idp.test\","
	                    "\"sub\":\"u-1\"}");
	assert_null(fedjit_msg_get(m, "omitted"));
	fedjit_msg_free(m);
}

static void hostile_text_escaped(void **state)
{
	/* ESC, DEL, a C1 control and non-ASCII: all escaped, the value is accepted */
	struct fedjit_msg *m = build(
	        json_pack("{s:s, s:s}", "sub", "u-1", "name", "a\x1b[31m\x7f\xc2\x9b\xc3\xa9"));
	json_t *j = parsed(m);

	assert_string_equal(json_string_value(json_object_get(j, "name")),
	                    "a\x1b[31m\x7f\xc2\x9b\xc3\xa9");
	json_decref(j);
	fedjit_msg_free(m);
}

static void largest_left_out(void **state)
{
	char *big = malloc(5001), *mid = malloc(3001);
	struct fedjit_msg *m;
	json_t *j;

	assert_non_null(big);
	assert_non_null(mid);
	memset(big, 'x', 5000);
	big[5000] = '\0';
	memset(mid, 'y', 3000);
	mid[3000] = '\0';
	m = build(json_pack("{s:s, s:s, s:s, s:s}", "sub", "u-1", "name", big, "nickname", mid,
	                    "family_name", mid));
	j = parsed(m);
	assert_string_equal(fedjit_msg_get(m, "omitted"), "\"name\"");
	assert_null(json_object_get(j, "name"));
	assert_non_null(json_object_get(j, "nickname"));
	assert_string_equal(json_string_value(json_object_get(j, "sub")), "u-1");
	json_decref(j);
	fedjit_msg_free(m);
	free(big);
	free(mid);
}

static void many_left_out_named_escaped(void **state)
{
	char s[4001], key[32];
	json_t *o = json_object();
	struct fedjit_msg *m;
	const char *omitted;
	json_t *j;

	memset(s, 'z', 4000);
	s[4000] = '\0';
	for (int i = 0; i < 40; i++) {
		snprintf(key, sizeof(key), i == 0 ? "k\x1b%02d" : "k%02d", i);
		json_object_set_new(o, key, json_string(s));
	}
	json_object_set_new(o, "sub", json_string("u-1"));
	m = build(o);
	j = parsed(m);
	omitted = fedjit_msg_get(m, "omitted");
	assert_non_null(omitted);
	assert_non_null(strstr(omitted, "\"k\\u001B00\"")); /* the key escaped, too */
	assert_true(strlen(omitted) < 1024);
	assert_int_equal(json_object_size(j), 3); /* sub and two 4000-byte claims fit */
	json_decref(j);
	fedjit_msg_free(m);
}

static void not_an_object(void **state)
{
	struct fedjit_msg *m = fedjit_msg_new();
	json_t *a = json_array();

	assert_int_equal(fedjit_claims_msg(a, m), -EINVAL);
	json_decref(a);
	fedjit_msg_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(small_object_whole), cmocka_unit_test(hostile_text_escaped),
	        cmocka_unit_test(largest_left_out),   cmocka_unit_test(many_left_out_named_escaped),
	        cmocka_unit_test(not_an_object),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

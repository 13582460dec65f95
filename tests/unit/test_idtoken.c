/* SPDX-License-Identifier: Apache-2.0 */
/* ID token claim checks (iss, aud, azp, exp, nbf, iat, sub, nonce, max_age, acr), claim
 * limits and UserInfo merging, on tokens signed at test time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/macro.h"
#include "pam/idp/idtoken.h"
#include "tests/unit/idp_testutil.h"

#define ISS    "https://idp.example.test/realms/corp"
#define CLIENT "fedjit-client"
#define NOW    1800000000

static EVP_PKEY *key;
static struct fedjit_jwks *jwks;

static int setup(void **state)
{
	key = tu_keygen("P-256", 0);
	char *jwk = tu_jwk(key, "k1", "ES256");
	char *doc = tu_jwks((const char *const *)&jwk, 1);
	int r = fedjit_jwks_parse(doc, strlen(doc), &jwks, NULL);
	free(jwk);
	free(doc);
	return r;
}

static int teardown(void **state)
{
	EVP_PKEY_free(key);
	fedjit_jwks_free(jwks);
	return 0;
}

static struct fedjit_idtoken_expect expect(void)
{
	return (struct fedjit_idtoken_expect){
	        .issuer = ISS, .client_id = CLIENT, .now = NOW, .leeway = 60, .max_age = -1};
}

/* A valid token's claims with the members of `changes` (a JSON object text) set, or
 * removed where the value is null. */
static char *token(const char *changes)
{
	json_t *c = json_pack("{s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:b, s:[s,s]}", "iss", ISS,
	                      "aud", CLIENT, "sub", "248289761001", "exp", (json_int_t)NOW + 300,
	                      "iat", (json_int_t)NOW - 5, "preferred_username", "alice", "email",
	                      "alice@example.test", "email_verified", 1, "groups", "staff", "ops");
	assert_non_null(c);
	if (changes) {
		json_t *ch = json_loads(changes, 0, NULL), *v;
		const char *k;
		assert_non_null(ch);
		json_object_foreach(ch, k, v)
		{
			if (json_is_null(v))
				json_object_del(c, k);
			else
				json_object_set(c, k, v);
		}
		json_decref(ch);
	}
	char *payload = json_dumps(c, JSON_COMPACT);
	json_decref(c);
	char *t = tu_sign("{\"alg\":\"ES256\",\"kid\":\"k1\"}", payload, key, FEDJIT_JOSE_ES256);
	free(payload);
	return t;
}

static int check_x(const char *changes, const struct fedjit_idtoken_expect *x,
                   const char *want_reason)
{
	char *t = token(changes), *reason = NULL;
	struct fedjit_idtoken *tok = NULL;
	int r = fedjit_idtoken_verify(t, jwks, x, &tok, &reason);
	if (r == 0) {
		assert_non_null(tok);
		fedjit_idtoken_free(tok);
		assert_null(want_reason);
	} else {
		assert_null(tok);
		assert_non_null(reason);
		if (!want_reason || strncmp(reason, want_reason, strlen(want_reason)) != 0)
			fail_msg("reason \"%s\", expected \"%s\"", reason,
			         want_reason ? want_reason : "(success)");
	}
	free(reason);
	free(t);
	return r;
}

static int check(const char *changes, const char *want_reason)
{
	struct fedjit_idtoken_expect x = expect();
	return check_x(changes, &x, want_reason);
}

static void test_good_token(void **state)
{
	char *t = token("{\"acr\":\"mfa\",\"amr\":[\"pwd\",\"otp\"],\"auth_time\":1799999990,"
	                "\"name\":\"Alice A\",\"upn\":\"alice@corp\"}");
	struct fedjit_idtoken_expect x = expect();
	struct fedjit_idtoken *tok = NULL;
	assert_int_equal(fedjit_idtoken_verify(t, jwks, &x, &tok, NULL), 0);
	assert_string_equal(tok->iss, ISS);
	assert_string_equal(tok->sub, "248289761001");
	assert_int_equal(tok->n_aud, 1);
	assert_string_equal(tok->aud[0], CLIENT);
	assert_null(tok->azp);
	assert_string_equal(tok->acr, "mfa");
	assert_string_equal(tok->amr_json, "[\"pwd\",\"otp\"]");
	assert_int_equal(tok->exp, NOW + 300);
	assert_int_equal(tok->iat, NOW - 5);
	assert_int_equal(tok->nbf, -1);
	assert_int_equal(tok->auth_time, 1799999990);
	assert_string_equal(tok->preferred_username, "alice");
	assert_string_equal(tok->name, "Alice A");
	assert_string_equal(tok->email, "alice@example.test");
	assert_int_equal(tok->email_verified, 1);
	assert_int_equal(tok->n_groups, 2);
	assert_string_equal(tok->groups[0], "staff");
	assert_string_equal(tok->groups[1], "ops");
	assert_int_equal(tok->alg, FEDJIT_JOSE_ES256);
	assert_string_equal(tok->kid, "k1");
	assert_string_equal(fedjit_idtoken_claim_string(tok, "upn"), "alice@corp");
	assert_null(fedjit_idtoken_claim_string(tok, "exp"));
	assert_null(fedjit_idtoken_claim_string(tok, "nope"));
	fedjit_idtoken_free(tok);
	free(t);
}

static void test_issuer(void **state)
{
	assert_int_equal(check("{\"iss\":\"https://evil.example.test/realms/corp\"}", "iss:"),
	                 -EACCES);
	/* Exact compare: a trailing slash or a case change is another issuer. */
	assert_int_equal(check("{\"iss\":\"" ISS "/\"}", "iss:"), -EACCES);
	assert_int_equal(check("{\"iss\":\"HTTPS://idp.example.test/realms/corp\"}", "iss:"),
	                 -EACCES);
	assert_int_equal(check("{\"iss\":null}", "iss: missing"), -EBADMSG);
	assert_int_equal(check("{\"iss\":[\"" ISS "\"]}", "iss: missing"), -EBADMSG);
	/* ... and no scheme-less form for an issuer that is not Google */
	assert_int_equal(check("{\"iss\":\"idp.example.test/realms/corp\"}", "iss:"), -EACCES);
}

/* Google's ID tokens may say "accounts.google.com" for https://accounts.google.com. */
static void test_issuer_google(void **state)
{
	struct fedjit_idtoken_expect x = expect();
	struct fedjit_idtoken *tok = NULL;

	x.issuer = "https://accounts.google.com";
	char *t = token("{\"iss\":\"accounts.google.com\"}");
	assert_int_equal(fedjit_idtoken_verify(t, jwks, &x, &tok, NULL), 0);
	assert_string_equal(tok->iss, "https://accounts.google.com"); /* the configured form */
	fedjit_idtoken_free(tok);
	free(t);
	assert_int_equal(check_x("{\"iss\":\"https://accounts.google.com\"}", &x, NULL), 0);
	/* nothing looser: another host, http, a trailing slash */
	assert_int_equal(check_x("{\"iss\":\"accounts.google.com.evil.test\"}", &x, "iss:"),
	                 -EACCES);
	assert_int_equal(check_x("{\"iss\":\"http://accounts.google.com\"}", &x, "iss:"), -EACCES);
	assert_int_equal(check_x("{\"iss\":\"accounts.google.com/\"}", &x, "iss:"), -EACCES);
	/* the bare host is not an issuer of its own */
	x.issuer = "https://idp.example.test/realms/corp";
	assert_int_equal(check_x("{\"iss\":\"accounts.google.com\"}", &x, "iss:"), -EACCES);
}

static void test_audience(void **state)
{
	assert_int_equal(check("{\"aud\":\"other-client\"}", "aud:"), -EACCES);
	assert_int_equal(check("{\"aud\":[\"other\",\"third\"],\"azp\":\"other\"}", "aud:"),
	                 -EACCES);
	assert_int_equal(check("{\"aud\":null}", "aud: missing"), -EBADMSG);
	assert_int_equal(check("{\"aud\":[]}", "aud: missing"), -EBADMSG);
	assert_int_equal(check("{\"aud\":[\"" CLIENT "\", 3]}", "aud: not a string"), -EBADMSG);
	/* Several audiences: azp required and must be us. */
	assert_int_equal(check("{\"aud\":[\"" CLIENT "\",\"api\"]}", "azp: missing"), -EACCES);
	assert_int_equal(check("{\"aud\":[\"" CLIENT "\",\"api\"],\"azp\":\"api\"}", "azp:"),
	                 -EACCES);
	assert_int_equal(check("{\"aud\":[\"" CLIENT "\",\"api\"],\"azp\":\"" CLIENT "\"}", NULL),
	                 0);
	/* azp present with one audience must still be us. */
	assert_int_equal(check("{\"azp\":\"someone-else\"}", "azp:"), -EACCES);
	assert_int_equal(check("{\"aud\":[\"" CLIENT "\"]}", NULL), 0);
}

static void test_times(void **state)
{
	/* exp: required; in the past beyond the leeway is expired. */
	assert_int_equal(check("{\"exp\":1799999900}", "exp: token expired"), -ETIME);
	assert_int_equal(check("{\"exp\":1799999970}", NULL), 0);        /* 30 s ago, leeway 60 */
	assert_int_equal(check("{\"exp\":1799999940}", "exp:"), -ETIME); /* exactly at leeway */
	assert_int_equal(check("{\"exp\":null}", "exp: missing"), -EBADMSG);
	assert_int_equal(check("{\"exp\":\"1800000300\"}", "exp: not a valid"), -EBADMSG);
	assert_int_equal(check("{\"exp\":1800000300.5}", NULL), 0);
	assert_int_equal(check("{\"exp\":-5}", "exp: not a valid"), -EBADMSG);
	assert_int_equal(check("{\"exp\":1e300}", "exp: not a valid"), -EBADMSG);
	/* nbf: optional; in the future beyond the leeway is refused. */
	assert_int_equal(check("{\"nbf\":1800000600}", "nbf: token not valid"), -ETIME);
	assert_int_equal(check("{\"nbf\":1800000030}", NULL), 0);
	/* iat: required; far in the future is clock skew or forgery. */
	assert_int_equal(check("{\"iat\":1800003600}", "iat: issued"), -ETIME);
	assert_int_equal(check("{\"iat\":null}", "iat: missing"), -EBADMSG);
	/* With no leeway a token 1 s past exp is expired. */
	struct fedjit_idtoken_expect x = expect();
	x.leeway = 0;
	assert_int_equal(check_x("{\"exp\":1799999999}", &x, "exp:"), -ETIME);
}

static void test_subject(void **state)
{
	char changes[400], sub[300];
	assert_int_equal(check("{\"sub\":null}", "sub:"), -EBADMSG);
	assert_int_equal(check("{\"sub\":\"\"}", "sub:"), -EBADMSG);
	assert_int_equal(check("{\"sub\":42}", "sub:"), -EBADMSG);
	assert_int_equal(check("{\"sub\":\"a\\nb\"}", "sub:"), -EBADMSG);
	memset(sub, 'x', 256);
	sub[256] = 0;
	snprintf(changes, sizeof(changes), "{\"sub\":\"%s\"}", sub);
	assert_int_equal(check(changes, "sub:"), -E2BIG);
	sub[255] = 0;
	snprintf(changes, sizeof(changes), "{\"sub\":\"%s\"}", sub);
	assert_int_equal(check(changes, NULL), 0);
}

static void test_acr_nonce_max_age(void **state)
{
	const char *const acrs[] = {"urn:mfa", "gold", NULL};
	struct fedjit_idtoken_expect x = expect();
	x.acr_values = acrs;
	assert_int_equal(check_x("{\"acr\":\"gold\"}", &x, NULL), 0);
	assert_int_equal(check_x("{\"acr\":\"bronze\"}", &x, "acr:"), -EACCES);
	assert_int_equal(check_x(NULL, &x, "acr:"), -EACCES);
	assert_int_equal(check("{\"acr\":5}", "acr: not a string"), -EBADMSG);

	x = expect();
	x.nonce = "n-0S6_WzA2Mj";
	assert_int_equal(check_x("{\"nonce\":\"n-0S6_WzA2Mj\"}", &x, NULL), 0);
	assert_int_equal(check_x("{\"nonce\":\"other\"}", &x, "nonce:"), -EACCES);
	assert_int_equal(check_x(NULL, &x, "nonce:"), -EACCES);

	x = expect();
	x.max_age = 300;
	assert_int_equal(check_x("{\"auth_time\":1799999800}", &x, NULL), 0);
	assert_int_equal(check_x("{\"auth_time\":1799999000}", &x, "auth_time:"), -ETIME);
	assert_int_equal(check_x(NULL, &x, "auth_time: missing"), -ETIME);
}

static void test_duplicate_claims(void **state)
{
	/* A payload with "sub" twice: which one wins differs between parsers, so refuse. */
	char *t = tu_sign("{\"alg\":\"ES256\",\"kid\":\"k1\"}",
	                  "{\"iss\":\"" ISS "\",\"aud\":\"" CLIENT "\",\"sub\":\"alice\",\"sub\":"
	                  "\"root\",\"exp\":1800000300,\"iat\":1800000000}",
	                  key, FEDJIT_JOSE_ES256);
	struct fedjit_idtoken_expect x = expect();
	struct fedjit_idtoken *tok = NULL;
	char *reason = NULL;
	assert_int_equal(fedjit_idtoken_verify(t, jwks, &x, &tok, &reason), -EBADMSG);
	assert_non_null(strstr(reason, "duplicate"));
	free(reason);
	free(t);
}

static char *groups_json(size_t n, size_t len)
{
	size_t size = 16 + n * (len + 3);
	char *s = malloc(size), *p = s;
	p += sprintf(p, "{\"groups\":[");
	for (size_t i = 0; i < n; i++) {
		p += sprintf(p, "%s\"%0*zu\"", i ? "," : "", (int)len, i);
	}
	strcpy(p, "]}");
	return s;
}

static void test_group_limits(void **state)
{
	char *g = groups_json(FEDJIT_IDTOKEN_MAX_GROUPS + 1, 8);
	assert_int_equal(check(g, "groups: 513 groups"), -E2BIG);
	free(g);
	g = groups_json(FEDJIT_IDTOKEN_MAX_GROUPS, 8);
	assert_int_equal(check(g, NULL), 0);
	free(g);
	g = groups_json(2, FEDJIT_GROUP_MAX_LEN + 1);
	assert_int_equal(check(g, "groups: entry 0 exceeds"), -E2BIG);
	free(g);
	assert_int_equal(check("{\"groups\":[\"a\",{\"b\":1}]}", "groups: entry 1"), -EBADMSG);
	assert_int_equal(check("{\"groups\":7}", "groups: not an array"), -EBADMSG);

	/* A string that reads as a joined list is neither split nor one group. */
	assert_int_equal(
	        check("{\"groups\":\"admins,users\"}", "groups: a string that reads as a list"),
	        -EBADMSG);
	assert_int_equal(
	        check("{\"groups\":\"admins;users\"}", "groups: a string that reads as a list"),
	        -EBADMSG);
	assert_int_equal(
	        check("{\"groups\":\"admins\\nroot\"}", "groups: a string that reads as a list"),
	        -EBADMSG);
	assert_int_equal(check("{\"groups\":\"\"}", "groups: entry 0 is not a name"), -EBADMSG);
	/* in an array every entry is a name, whatever it holds */
	assert_int_equal(check("{\"groups\":[\"admins,users\"]}", NULL), 0);

	/* A single group as a string, spaces and all; a configured groups claim name. */
	char *t = token("{\"groups\":\"admins\",\"roles\":[\"r1\"]}");
	struct fedjit_idtoken_expect x = expect();
	struct fedjit_idtoken *tok = NULL;
	assert_int_equal(fedjit_idtoken_verify(t, jwks, &x, &tok, NULL), 0);
	assert_int_equal(tok->n_groups, 1);
	assert_string_equal(tok->groups[0], "admins");
	fedjit_idtoken_free(tok);
	free(t);
	t = token("{\"groups\":\"Domain Users\"}");
	assert_int_equal(fedjit_idtoken_verify(t, jwks, &x, &tok, NULL), 0);
	assert_int_equal(tok->n_groups, 1);
	assert_string_equal(tok->groups[0], "Domain Users");
	fedjit_idtoken_free(tok);
	free(t);
	t = token("{\"groups\":\"admins\",\"roles\":[\"r1\"]}");
	x.groups_claim = "roles";
	assert_int_equal(fedjit_idtoken_verify(t, jwks, &x, &tok, NULL), 0);
	assert_int_equal(tok->n_groups, 1);
	assert_string_equal(tok->groups[0], "r1");
	fedjit_idtoken_free(tok);
	free(t);
}

static void test_claim_limits(void **state)
{
	/* Too many claims. */
	char *s = malloc(FEDJIT_IDTOKEN_MAX_CLAIMS * 16 + 16), *p = s;
	p += sprintf(p, "{");
	for (int i = 0; i < FEDJIT_IDTOKEN_MAX_CLAIMS; i++)
		p += sprintf(p, "%s\"c%d\":1", i ? "," : "", i);
	strcpy(p, "}");
	assert_int_equal(check(s, "claims: more than"), -E2BIG);
	free(s);
	/* A string longer than FEDJIT_CLAIM_MAX_LEN anywhere. */
	s = malloc(FEDJIT_CLAIM_MAX_LEN + 64);
	p = s + sprintf(s, "{\"x\":{\"y\":[\"");
	memset(p, 'a', FEDJIT_CLAIM_MAX_LEN + 1);
	strcpy(p + FEDJIT_CLAIM_MAX_LEN + 1, "\"]}}");
	assert_int_equal(check(s, "claims: a string exceeds"), -E2BIG);
	free(s);
	/* Nesting deeper than FEDJIT_JSON_MAX_DEPTH. */
	char deep[128] = "{\"d\":";
	for (int i = 0; i < FEDJIT_JSON_MAX_DEPTH + 1; i++)
		strcat(deep, "[");
	for (int i = 0; i < FEDJIT_JSON_MAX_DEPTH + 1; i++)
		strcat(deep, "]");
	strcat(deep, "}");
	assert_int_equal(check(deep, "payload: JSON nested deeper"), -E2BIG);
}

static void test_profile_types(void **state)
{
	char *t = token("{\"email_verified\":\"false\",\"name\":[1],\"preferred_username\":null}");
	struct fedjit_idtoken_expect x = expect();
	struct fedjit_idtoken *tok = NULL;
	assert_int_equal(fedjit_idtoken_verify(t, jwks, &x, &tok, NULL), 0);
	assert_int_equal(tok->email_verified, 0);
	assert_null(tok->name);
	assert_null(tok->preferred_username);
	fedjit_idtoken_free(tok);
	free(t);
}

static void test_userinfo(void **state)
{
	char *t = token("{\"email\":null,\"groups\":null}");
	struct fedjit_idtoken_expect x = expect();
	struct fedjit_idtoken *tok = NULL;
	char *reason = NULL;
	assert_int_equal(fedjit_idtoken_verify(t, jwks, &x, &tok, NULL), 0);
	assert_null(tok->email);
	assert_int_equal(tok->n_groups, 0);

	const char *wrong = "{\"sub\":\"someone-else\",\"email\":\"mallory@example.test\"}";
	assert_int_equal(fedjit_idtoken_merge_userinfo(tok, wrong, strlen(wrong), NULL, &reason),
	                 -EACCES);
	assert_non_null(strstr(reason, "sub does not match"));
	free(reason);
	assert_null(tok->email);

	const char *ui = "{\"sub\":\"248289761001\",\"email\":\"alice@corp.test\","
	                 "\"preferred_username\":\"mallory\",\"groups\":[\"g1\"]}";
	assert_int_equal(fedjit_idtoken_merge_userinfo(tok, ui, strlen(ui), NULL, NULL), 0);
	assert_string_equal(tok->email, "alice@corp.test");
	assert_string_equal(tok->preferred_username, "alice"); /* the ID token wins */
	assert_int_equal(tok->n_groups, 1);
	assert_string_equal(tok->groups[0], "g1");

	const char *dup = "{\"sub\":\"248289761001\",\"sub\":\"x\"}";
	assert_int_equal(fedjit_idtoken_merge_userinfo(tok, dup, strlen(dup), NULL, NULL),
	                 -EBADMSG);
	fedjit_idtoken_free(tok);
	free(t);
}

/* Entra ID's groups overage: no groups claim, a distributed-claim reference instead. */
static void test_groups_elsewhere(void **state)
{
	const char *overage = "{\"groups\":null,\"_claim_names\":{\"groups\":\"src1\"},"
	                      "\"_claim_sources\":{\"src1\":{\"endpoint\":"
	                      "\"https://graph.windows.net/t/users/u/getMemberObjects\"}}}";
	struct {
		const char *changes, *claim;
		bool want;
	} cases[] = {
	        {overage, NULL, true},
	        {overage, "groups", true},
	        {overage, "roles", false}, /* another claim is configured */
	        {"{\"_claim_names\":{\"groups\":\"src1\"}}", NULL, false}, /* list present */
	        {"{\"groups\":null}", NULL, false},                        /* just none */
	        {"{\"groups\":null,\"_claim_names\":\"groups\"}", NULL, false},
	        {"{\"roles\":null,\"_claim_names\":{\"roles\":\"s\"}}", "roles", true},
	        {"{\"groups\":null,\"hasgroups\":true}", NULL, true},
	        {"{\"groups\":null,\"hasgroups\":false}", NULL, false},
	        {"{\"hasgroups\":true}", NULL, false}, /* the list came anyway */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *t = token(cases[i].changes);
		struct fedjit_idtoken_expect x = expect();
		struct fedjit_idtoken *tok = NULL;
		assert_int_equal(fedjit_idtoken_verify(t, jwks, &x, &tok, NULL), 0);
		assert_int_equal(fedjit_idtoken_groups_elsewhere(tok, cases[i].claim),
		                 cases[i].want);
		fedjit_idtoken_free(tok);
		free(t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_good_token),
	        cmocka_unit_test(test_issuer),
	        cmocka_unit_test(test_issuer_google),
	        cmocka_unit_test(test_audience),
	        cmocka_unit_test(test_times),
	        cmocka_unit_test(test_subject),
	        cmocka_unit_test(test_acr_nonce_max_age),
	        cmocka_unit_test(test_duplicate_claims),
	        cmocka_unit_test(test_group_limits),
	        cmocka_unit_test(test_claim_limits),
	        cmocka_unit_test(test_profile_types),
	        cmocka_unit_test(test_userinfo),
	        cmocka_unit_test(test_groups_elsewhere),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* JOSE layer: base64url, JWKS parsing and key choice, JWS signatures for every allowed
 * algorithm, and every forgery fedjit must refuse. Keys are generated at test time. */
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
#include "pam/idp/jwks.h"
#include "tests/unit/idp_testutil.h"

#define ISS    "https://idp.example.test/realms/corp"
#define CLIENT "fedjit-client"
#define NOW    1800000000

static EVP_PKEY *rsa, *rsa_other, *p256, *p384, *ed;
static struct fedjit_jwks *jwks;
static char *payload;

static int setup(void **state)
{
	rsa = tu_keygen("RSA", 2048);
	rsa_other = tu_keygen("RSA", 2048);
	p256 = tu_keygen("P-256", 0);
	p384 = tu_keygen("P-384", 0);
	ed = tu_keygen("ED25519", 0);
	char *k[] = {tu_jwk(rsa, "rsa", NULL), tu_jwk(p256, "p256", NULL),
	             tu_jwk(p384, "p384", NULL), tu_jwk(ed, "ed", NULL)};
	char *doc = tu_jwks((const char *const *)k, 4);
	int r = fedjit_jwks_parse(doc, strlen(doc), &jwks, NULL);
	for (size_t i = 0; i < 4; i++)
		free(k[i]);
	free(doc);
	if (asprintf(&payload,
	             "{\"iss\":\"%s\",\"aud\":\"%s\",\"sub\":\"u1\",\"exp\":%d,\"iat\":%d}", ISS,
	             CLIENT, NOW + 300, NOW - 10) < 0)
		return -1;
	return r;
}

static int teardown(void **state)
{
	EVP_PKEY *keys[] = {rsa, rsa_other, p256, p384, ed};
	for (size_t i = 0; i < 5; i++)
		EVP_PKEY_free(keys[i]);
	fedjit_jwks_free(jwks);
	free(payload);
	return 0;
}

static const struct fedjit_idtoken_expect expect = {
        .issuer = ISS, .client_id = CLIENT, .now = NOW, .leeway = 60, .max_age = -1};

/* Verifies token against the shared JWKS; returns the error and checks the reason starts
 * with want_reason (when the call fails). */
static int verify(const char *token, const char *want_reason)
{
	struct fedjit_idtoken *t = NULL;
	char *reason = NULL;
	int r = fedjit_idtoken_verify(token, jwks, &expect, &t, &reason);
	if (r == 0) {
		assert_non_null(t);
		assert_string_equal(t->sub, "u1");
		fedjit_idtoken_free(t);
	} else {
		assert_non_null(reason);
		if (want_reason && strncmp(reason, want_reason, strlen(want_reason)) != 0)
			fail_msg("reason \"%s\" does not start with \"%s\"", reason, want_reason);
	}
	free(reason);
	return r;
}

static int sign_verify(const char *header, EVP_PKEY *key, enum fedjit_jose_alg alg,
                       const char *want_reason)
{
	char *tok = tu_sign(header, payload, key, alg);
	int r = verify(tok, want_reason);
	free(tok);
	return r;
}

static void test_base64url(void **state)
{
	unsigned char *out;
	size_t len;
	char *enc;

	assert_int_equal(fedjit_base64url_decode("aGVsbG8", 7, &out, &len), 0);
	assert_int_equal(len, 5);
	assert_memory_equal(out, "hello", 5);
	free(out);
	assert_int_equal(fedjit_base64url_decode("", 0, &out, &len), 0);
	assert_int_equal(len, 0);
	free(out);
	assert_int_equal(fedjit_base64url_encode((const unsigned char *)"\xfb\xff", 2, &enc), 0);
	assert_string_equal(enc, "-_8");
	free(enc);
	/* padding, the standard alphabet, whitespace, impossible length, non-zero tail bits */
	const char *bad[] = {"aGVsbG8=", "+/8", "aGVs bG8", "aGVsb", "aGVsbG9", "aG\nVs"};
	for (size_t i = 0; i < FEDJIT_ELEMENTSOF(bad); i++)
		assert_int_equal(fedjit_base64url_decode(bad[i], strlen(bad[i]), &out, &len),
		                 -EBADMSG);
}

static void test_json_scrub(void **state)
{
	/* Values shared with another reference survive; the document goes. */
	json_t *shared = json_string("keep-me");
	json_t *doc = json_pack("{s:s, s:O, s:[s]}", "token", "secret", "shared", shared, "a", "x");
	assert_non_null(doc);
	assert_int_equal(shared->refcount, 2);
	fedjit_json_decref_scrub(doc);
	assert_int_equal(shared->refcount, 1);
	assert_string_equal(json_string_value(shared), "keep-me");
	json_decref(shared);
	fedjit_json_decref_scrub(NULL);

	json_t *j;
	const char *dup = "{\"a\":1,\"a\":2}";
	char *reason = NULL;
	assert_int_equal(fedjit_json_load_object(dup, strlen(dup), 100, &j, &reason), -EBADMSG);
	assert_non_null(strstr(reason, "duplicate"));
	free(reason);
	assert_int_equal(fedjit_json_load_object("{\"a\":\"x\\u0000y\"}", 14, 100, &j, NULL),
	                 -EBADMSG);
	assert_int_equal(fedjit_json_load_object("{}", 2, 1, &j, NULL), -E2BIG);
}

static void test_alg_names(void **state)
{
	assert_int_equal(fedjit_jose_alg_from_string("RS256"), FEDJIT_JOSE_RS256);
	assert_int_equal(fedjit_jose_alg_from_string("EdDSA"), FEDJIT_JOSE_EDDSA);
	const char *bad[] = {"none", "None", "HS256", "HS512", "rs256", "ES512", "RS256 ", ""};
	for (size_t i = 0; i < FEDJIT_ELEMENTSOF(bad); i++)
		assert_int_equal(fedjit_jose_alg_from_string(bad[i]), FEDJIT_JOSE_ALG_INVALID);
}

static void test_jwks_parse_skips(void **state)
{
	char *k[] = {
	        tu_jwk(rsa, "a", "RS256"),
	        tu_jwk(p256, "b", NULL),
	        strdup("{\"kty\":\"RSA\",\"use\":\"enc\",\"kid\":\"e\",\"n\":\"AQAB\",\"e\":"
	               "\"AQAB\"}"),
	        strdup("{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}"),
	        strdup("{\"kty\":\"OKP\",\"crv\":\"X25519\",\"x\":\"AAAA\"}"),
	        strdup("{\"kty\":\"EC\",\"crv\":\"P-521\",\"x\":\"AAAA\",\"y\":\"AAAA\"}"),
	        tu_jwk(rsa, "hs", "HS256"),        /* an allow-list miss: skipped */
	        tu_jwk(p256, "wrongalg", "ES384"), /* alg does not fit the curve: skipped */
	};
	char *doc = tu_jwks((const char *const *)k, FEDJIT_ELEMENTSOF(k));
	struct fedjit_jwks *s = NULL;
	assert_int_equal(fedjit_jwks_parse(doc, strlen(doc), &s, NULL), 0);
	assert_int_equal(s->n_keys, 2);
	assert_int_equal(s->n_skipped, 6);
	assert_string_equal(s->keys[0].kid, "a");
	assert_int_equal(s->keys[0].type, FEDJIT_JWK_RSA);
	assert_int_equal(s->keys[0].bits, 2048);
	assert_int_equal(s->keys[0].alg, FEDJIT_JOSE_RS256);
	assert_int_equal(s->keys[1].type, FEDJIT_JWK_EC_P256);
	fedjit_jwks_free(s);
	free(doc);
	for (size_t i = 0; i < FEDJIT_ELEMENTSOF(k); i++)
		free(k[i]);
}

static int parse_one(const char *jwk, char **reason)
{
	char *doc = tu_jwks(&jwk, 1);
	struct fedjit_jwks *s = NULL;
	int r = fedjit_jwks_parse(doc, strlen(doc), &s, reason);
	fedjit_jwks_free(s);
	free(doc);
	return r;
}

static void test_jwks_rejects(void **state)
{
	EVP_PKEY *small = tu_keygen("RSA", 1024);
	char *jwk = tu_jwk(small, "small", NULL), *reason = NULL;
	assert_int_equal(parse_one(jwk, &reason), -EBADMSG);
	assert_non_null(strstr(reason, "1024 bits"));
	free(reason);
	free(jwk);
	EVP_PKEY_free(small);

	/* A P-256 point off the curve: y of the real key with one bit flipped. */
	jwk = tu_jwk(p256, "p", NULL);
	char *y = strstr(jwk, "\"y\":\"") + 5;
	*y = *y == 'A' ? 'B' : 'A';
	assert_int_equal(parse_one(jwk, NULL), -EBADMSG);
	free(jwk);
	/* x of the wrong size; RSA without n; kid not a string */
	assert_int_equal(
	        parse_one("{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AAAA\",\"y\":\"AAAA\"}", NULL),
	        -EBADMSG);
	assert_int_equal(parse_one("{\"kty\":\"RSA\",\"e\":\"AQAB\"}", NULL), -EBADMSG);
	assert_int_equal(parse_one("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"AAAA\"}", NULL),
	                 -EBADMSG);
	jwk = tu_jwk(ed, NULL, NULL);
	jwk[strlen(jwk) - 1] = 0;
	char *with_kid;
	assert_true(asprintf(&with_kid, "%s,\"kid\":7}", jwk) > 0);
	assert_int_equal(parse_one(with_kid, NULL), -EBADMSG);
	free(with_kid);
	free(jwk);

	struct fedjit_jwks *s = NULL;
	const char *docs[] = {"{\"keys\":{}}", "[]", "{\"keys\":[],\"keys\":[]}", "{\"keys\":[1]}",
	                      "{\"keys\":[] "};
	for (size_t i = 0; i < FEDJIT_ELEMENTSOF(docs); i++)
		assert_int_equal(fedjit_jwks_parse(docs[i], strlen(docs[i]), &s, NULL), -EBADMSG);
}

static void test_jwks_limits(void **state)
{
	const char *k[FEDJIT_JWKS_MAX_KEYS + 1];
	for (size_t i = 0; i <= FEDJIT_JWKS_MAX_KEYS; i++)
		k[i] = "{\"kty\":\"oct\",\"k\":\"AA\"}";
	char *doc = tu_jwks(k, FEDJIT_JWKS_MAX_KEYS + 1);
	struct fedjit_jwks *s = NULL;
	assert_int_equal(fedjit_jwks_parse(doc, strlen(doc), &s, NULL), -E2BIG);
	free(doc);
	doc = tu_jwks(k, FEDJIT_JWKS_MAX_KEYS);
	assert_int_equal(fedjit_jwks_parse(doc, strlen(doc), &s, NULL), 0);
	assert_int_equal(s->n_keys, 0);
	fedjit_jwks_free(s);
	free(doc);

	size_t big = FEDJIT_JWKS_MAX_SIZE + 1;
	doc = malloc(big);
	memset(doc, ' ', big);
	memcpy(doc, "{\"keys\":[]}", 11);
	assert_int_equal(fedjit_jwks_parse(doc, big, &s, NULL), -E2BIG);
	free(doc);

	char deep[64] = "{\"keys\":[],\"x\":";
	for (int i = 0; i < 20; i++)
		strcat(deep, "[");
	assert_true(strlen(deep) < sizeof(deep) - 21);
	for (int i = 0; i < 20; i++)
		strcat(deep, "]");
	strcat(deep, "}");
	assert_int_equal(fedjit_jwks_parse(deep, strlen(deep), &s, NULL), -E2BIG);
}

static void test_jwks_find(void **state)
{
	const struct fedjit_jwk *k;
	assert_int_equal(fedjit_jwks_find(jwks, "rsa", FEDJIT_JOSE_PS384, &k), 0);
	assert_string_equal(k->kid, "rsa");
	assert_int_equal(fedjit_jwks_find(jwks, "nope", FEDJIT_JOSE_RS256, &k), -ENOKEY);
	assert_int_equal(fedjit_jwks_find(jwks, "rsa", FEDJIT_JOSE_ES256, &k), -EKEYREJECTED);
	assert_int_equal(fedjit_jwks_find(jwks, "p256", FEDJIT_JOSE_ES384, &k), -EKEYREJECTED);
	/* No kid: the unique compatible key, else refuse. */
	assert_int_equal(fedjit_jwks_find(jwks, NULL, FEDJIT_JOSE_ES384, &k), 0);
	assert_string_equal(k->kid, "p384");
	assert_int_equal(fedjit_jwks_find(jwks, NULL, FEDJIT_JOSE_EDDSA, &k), 0);

	char *two[] = {tu_jwk(rsa, NULL, NULL), tu_jwk(rsa_other, NULL, "RS512")};
	char *doc = tu_jwks((const char *const *)two, 2);
	struct fedjit_jwks *s;
	assert_int_equal(fedjit_jwks_parse(doc, strlen(doc), &s, NULL), 0);
	assert_int_equal(fedjit_jwks_find(s, NULL, FEDJIT_JOSE_RS512, &k), -ENOTUNIQ);
	assert_int_equal(fedjit_jwks_find(s, NULL, FEDJIT_JOSE_RS256, &k), 0);
	assert_ptr_equal(k, &s->keys[0]); /* the other is pinned to RS512 */
	assert_int_equal(fedjit_jwks_find(s, NULL, FEDJIT_JOSE_ES256, &k), -ENOKEY);
	fedjit_jwks_free(s);
	free(doc);
	free(two[0]);
	free(two[1]);
}

static void test_every_alg_verifies(void **state)
{
	static const struct {
		const char *header;
		enum fedjit_jose_alg alg;
		int key;
	} cases[] = {
	        {"{\"alg\":\"RS256\",\"kid\":\"rsa\",\"typ\":\"JWT\"}", FEDJIT_JOSE_RS256, 0},
	        {"{\"alg\":\"RS384\",\"kid\":\"rsa\"}", FEDJIT_JOSE_RS384, 0},
	        {"{\"alg\":\"RS512\",\"kid\":\"rsa\"}", FEDJIT_JOSE_RS512, 0},
	        {"{\"alg\":\"PS256\",\"kid\":\"rsa\"}", FEDJIT_JOSE_PS256, 0},
	        {"{\"alg\":\"PS384\",\"kid\":\"rsa\"}", FEDJIT_JOSE_PS384, 0},
	        {"{\"alg\":\"PS512\",\"kid\":\"rsa\"}", FEDJIT_JOSE_PS512, 0},
	        {"{\"alg\":\"ES256\",\"kid\":\"p256\"}", FEDJIT_JOSE_ES256, 1},
	        {"{\"alg\":\"ES384\",\"kid\":\"p384\"}", FEDJIT_JOSE_ES384, 2},
	        {"{\"alg\":\"EdDSA\",\"kid\":\"ed\"}", FEDJIT_JOSE_EDDSA, 3},
	        {"{\"alg\":\"EdDSA\"}", FEDJIT_JOSE_EDDSA, 3}, /* no kid, unique Ed25519 key */
	};
	EVP_PKEY *keys[] = {rsa, p256, p384, ed};
	for (size_t i = 0; i < FEDJIT_ELEMENTSOF(cases); i++) {
		assert_int_equal(
		        sign_verify(cases[i].header, keys[cases[i].key], cases[i].alg, NULL), 0);
	}
}

static void test_alg_none(void **state)
{
	char *h = tu_b64("{\"alg\":\"none\"}"), *p = tu_b64(payload), *tok;
	assert_true(asprintf(&tok, "%s.%s.", h, p) > 0);
	assert_int_equal(verify(tok, "token has an empty part"), -EBADMSG);
	free(tok);
	/* With a signature part, "none" is still refused for what it is. */
	assert_true(asprintf(&tok, "%s.%s.AAAA", h, p) > 0);
	assert_int_equal(verify(tok, "alg \"none\""), -EOPNOTSUPP);
	free(tok);
	free(h);
	free(p);
}

static void test_hs256_with_public_key(void **state)
{
	/* The classic confusion: HMAC keyed with the RSA public key the IdP publishes. */
	char *pem = tu_public_pem(rsa);
	char *tok = tu_sign_hs256("{\"alg\":\"HS256\",\"kid\":\"rsa\"}", payload, pem, strlen(pem));
	assert_int_equal(verify(tok, "alg: symmetric (HMAC)"), -EOPNOTSUPP);
	free(tok);
	free(pem);
}

static void test_header_refusals(void **state)
{
	assert_int_equal(sign_verify("{\"alg\":\"RS1\",\"kid\":\"rsa\"}", rsa, FEDJIT_JOSE_RS256,
	                             "alg: unsupported"),
	                 -EOPNOTSUPP);
	assert_int_equal(sign_verify("{\"alg\":\"RS256\",\"kid\":\"rsa\",\"crit\":[\"exp\"],"
	                             "\"exp\":1}",
	                             rsa, FEDJIT_JOSE_RS256, "crit"),
	                 -EOPNOTSUPP);
	assert_int_equal(sign_verify("{\"alg\":\"RS256\",\"kid\":\"rsa\",\"typ\":\"at+jwt\"}", rsa,
	                             FEDJIT_JOSE_RS256, "typ"),
	                 -EOPNOTSUPP);
	assert_int_equal(sign_verify("{\"kid\":\"rsa\"}", rsa, FEDJIT_JOSE_RS256, "JWS header"),
	                 -EBADMSG);
	assert_int_equal(sign_verify("{\"alg\":\"RS256\",\"alg\":\"none\"}", rsa, FEDJIT_JOSE_RS256,
	                             "JWS header"),
	                 -EBADMSG);
	/* An IdP restricted to ES256: an RS256 token is refused before any key is used. */
	struct fedjit_idtoken_expect x = expect;
	x.algs = FEDJIT_JOSE_ALG_BIT(FEDJIT_JOSE_ES256);
	char *tok = tu_sign("{\"alg\":\"RS256\",\"kid\":\"rsa\"}", payload, rsa, FEDJIT_JOSE_RS256);
	struct fedjit_idtoken *t = NULL;
	assert_int_equal(fedjit_idtoken_verify(tok, jwks, &x, &t, NULL), -EOPNOTSUPP);
	free(tok);
}

static void test_unknown_kid(void **state)
{
	assert_int_equal(sign_verify("{\"alg\":\"RS256\",\"kid\":\"rotated\"}", rsa_other,
	                             FEDJIT_JOSE_RS256, "kid: no key \"rotated\""),
	                 -ENOKEY);
	/* No kid and two RSA keys in the set would be ambiguous: also "refetch". */
}

/* Verifies a kid-less token signed with key (alg) against a set of the given JWKs. */
static int verify_in(const char *const *jwk, size_t n, EVP_PKEY *key, enum fedjit_jose_alg alg,
                     const char *want_reason)
{
	char *doc = tu_jwks(jwk, n), *header = NULL, *reason = NULL;
	struct fedjit_jwks *set = NULL;
	struct fedjit_idtoken *t = NULL;
	int r;

	assert_int_equal(fedjit_jwks_parse(doc, strlen(doc), &set, NULL), 0);
	assert_true(asprintf(&header, "{\"alg\":\"%s\"}", fedjit_jose_alg_to_string(alg)) > 0);
	char *tok = tu_sign(header, payload, key, alg);
	r = fedjit_idtoken_verify(tok, set, &expect, &t, &reason);
	if (r == 0)
		fedjit_idtoken_free(t);
	else if (want_reason && (!reason || strncmp(reason, want_reason, strlen(want_reason))))
		fail_msg("reason \"%s\" does not start with \"%s\"", reason ? reason : "",
		         want_reason);
	free(reason);
	free(tok);
	free(header);
	fedjit_jwks_free(set);
	free(doc);
	return r;
}

/* A token without kid (fedjit.conf(5), IDENTITY PROVIDERS): the one key of the set that
 * can verify its alg, never a guess among several and never one key after the other. */
static void test_no_kid(void **state)
{
	char *rsa_k = tu_jwk(rsa, "a", NULL), *other_k = tu_jwk(rsa_other, "b", NULL);
	char *other_rs512 = tu_jwk(rsa_other, "b", "RS512"), *ec_k = tu_jwk(p256, "c", NULL);
	char *other_enc = NULL;

	/* one RSA and one EC key: each alg has exactly one candidate */
	const char *mixed[] = {rsa_k, ec_k};
	assert_int_equal(verify_in(mixed, 2, rsa, FEDJIT_JOSE_RS256, NULL), 0);
	assert_int_equal(verify_in(mixed, 2, p256, FEDJIT_JOSE_ES256, NULL), 0);
	/* two RSA keys: refused, though one of them would verify (no trying in turn) */
	const char *two[] = {rsa_k, other_k};
	assert_int_equal(verify_in(two, 2, rsa, FEDJIT_JOSE_RS256,
	                           "kid: token has no kid and several keys could verify RS256"),
	                 -ENOKEY);
	assert_int_equal(verify_in(two, 2, rsa_other, FEDJIT_JOSE_RS256, "kid: token has no kid"),
	                 -ENOKEY);
	/* a key pinned to another alg, or for encryption, is no candidate */
	const char *pinned[] = {rsa_k, other_rs512};
	assert_int_equal(verify_in(pinned, 2, rsa, FEDJIT_JOSE_RS256, NULL), 0);
	/* ... while for RS512 both are: refused */
	assert_int_equal(verify_in(pinned, 2, rsa, FEDJIT_JOSE_RS512, "kid: token has no kid"),
	                 -ENOKEY);
	size_t len = strlen(other_k);
	assert_true(asprintf(&other_enc, "%.*s,\"use\":\"enc\"}", (int)(len - 1), other_k) > 0);
	const char *enc[] = {other_enc, rsa_k};
	assert_int_equal(verify_in(enc, 2, rsa, FEDJIT_JOSE_RS256, NULL), 0);
	/* the only key is the wrong one: a signature failure, not a key choice */
	const char *one[] = {other_k};
	assert_int_equal(verify_in(one, 1, rsa, FEDJIT_JOSE_RS256, "signature: does not verify"),
	                 -EPERM);
	free(rsa_k);
	free(other_k);
	free(other_rs512);
	free(ec_k);
	free(other_enc);
}

static void test_bad_signature(void **state)
{
	assert_int_equal(sign_verify("{\"alg\":\"RS256\",\"kid\":\"rsa\"}", rsa_other,
	                             FEDJIT_JOSE_RS256, "signature: does not verify"),
	                 -EPERM);
	assert_int_equal(sign_verify("{\"alg\":\"PS256\",\"kid\":\"rsa\"}", rsa, FEDJIT_JOSE_RS256,
	                             "signature"),
	                 -EPERM);
	/* One bit of the payload changed after signing. */
	char *tok =
	        tu_sign("{\"alg\":\"ES256\",\"kid\":\"p256\"}", payload, p256, FEDJIT_JOSE_ES256);
	char *dot = strchr(tok, '.');
	dot[1] = dot[1] == 'e' ? 'f' : 'e';
	assert_int_equal(verify(tok, "signature"), -EPERM);
	free(tok);
}

static void test_alg_key_mismatch(void **state)
{
	assert_int_equal(sign_verify("{\"alg\":\"ES256\",\"kid\":\"rsa\"}", p256, FEDJIT_JOSE_ES256,
	                             "key: kid \"rsa\" cannot verify ES256"),
	                 -EKEYREJECTED);
	assert_int_equal(
	        sign_verify("{\"alg\":\"ES384\",\"kid\":\"p256\"}", p384, FEDJIT_JOSE_ES384, "key"),
	        -EKEYREJECTED);
	assert_int_equal(
	        sign_verify("{\"alg\":\"EdDSA\",\"kid\":\"p256\"}", ed, FEDJIT_JOSE_EDDSA, "key"),
	        -EKEYREJECTED);
	assert_int_equal(
	        sign_verify("{\"alg\":\"RS256\",\"kid\":\"ed\"}", rsa, FEDJIT_JOSE_RS256, "key"),
	        -EKEYREJECTED);
}

static void test_ecdsa_signature_length(void **state)
{
	/* A DER-encoded ECDSA signature (what OpenSSL emits) is not a JWS signature. */
	char *tok =
	        tu_sign("{\"alg\":\"ES256\",\"kid\":\"p256\"}", payload, p256, FEDJIT_JOSE_ES256);
	char *sig = strrchr(tok, '.') + 1, *short_sig, *forged;
	unsigned char *raw;
	size_t l;
	assert_int_equal(fedjit_base64url_decode(sig, strlen(sig), &raw, &l), 0);
	assert_int_equal(l, 64);
	/* R || S with one byte missing: not a valid length, even if OpenSSL could parse it. */
	assert_int_equal(fedjit_base64url_encode(raw, 63, &short_sig), 0);
	sig[0] = 0;
	assert_true(asprintf(&forged, "%s%s", tok, short_sig) > 0);
	assert_int_equal(verify(forged, "signature"), -EPERM);
	free(forged);
	free(short_sig);
	free(raw);
	free(tok);
}

static void test_malformed_tokens(void **state)
{
	char *tok = tu_sign("{\"alg\":\"RS256\",\"kid\":\"rsa\"}", payload, rsa, FEDJIT_JOSE_RS256);
	char *copy = strdup(tok);
	copy[strlen(copy) - 10] = 0; /* truncated signature */
	assert_int_equal(verify(copy, "signature"), -EPERM);
	strcpy(copy, tok);
	*strrchr(copy, '.') = 0; /* two parts */
	assert_int_equal(verify(copy, "token is not header.payload.signature"), -EBADMSG);
	free(copy);
	assert_true(asprintf(&copy, "%s.AAAA", tok) > 0); /* four parts */
	assert_int_equal(verify(copy, "token is not"), -EBADMSG);
	free(copy);
	copy = strdup(tok);
	copy[3] = '*'; /* garbage base64 in the header */
	assert_int_equal(verify(copy, "header: invalid base64url"), -EBADMSG);
	free(copy);
	copy = strdup(tok);
	strrchr(copy, '.')[2] = '+'; /* standard alphabet in the signature */
	assert_int_equal(verify(copy, "signature: invalid base64url"), -EBADMSG);
	free(copy);
	assert_int_equal(verify("", "token is not"), -EBADMSG);
	assert_int_equal(verify("a..b", "token has an empty part"), -EBADMSG);
	assert_int_equal(verify("...", "token is not"), -EBADMSG);
	free(tok);

	/* Header that is not JSON, payload that is not an object. */
	char *h = tu_b64("not json"), *p = tu_b64(payload);
	assert_true(asprintf(&copy, "%s.%s.AAAA", h, p) > 0);
	assert_int_equal(verify(copy, "JWS header"), -EBADMSG);
	free(copy);
	free(h);
	free(p);
	tok = tu_sign("{\"alg\":\"RS256\",\"kid\":\"rsa\"}", "[1,2]", rsa, FEDJIT_JOSE_RS256);
	assert_int_equal(verify(tok, "payload"), -EBADMSG);
	free(tok);
}

static void test_oversized_token(void **state)
{
	size_t n = FEDJIT_IDTOKEN_MAX_SIZE + 1;
	char *tok = malloc(n + 1);
	memset(tok, 'A', n);
	tok[100] = tok[200] = '.';
	tok[n] = 0;
	assert_int_equal(verify(tok, "token longer than"), -E2BIG);
	free(tok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_base64url),
	        cmocka_unit_test(test_alg_names),
	        cmocka_unit_test(test_json_scrub),
	        cmocka_unit_test(test_jwks_parse_skips),
	        cmocka_unit_test(test_jwks_rejects),
	        cmocka_unit_test(test_jwks_limits),
	        cmocka_unit_test(test_jwks_find),
	        cmocka_unit_test(test_every_alg_verifies),
	        cmocka_unit_test(test_alg_none),
	        cmocka_unit_test(test_hs256_with_public_key),
	        cmocka_unit_test(test_header_refusals),
	        cmocka_unit_test(test_unknown_kid),
	        cmocka_unit_test(test_no_kid),
	        cmocka_unit_test(test_bad_signature),
	        cmocka_unit_test(test_alg_key_mismatch),
	        cmocka_unit_test(test_ecdsa_signature_length),
	        cmocka_unit_test(test_malformed_tokens),
	        cmocka_unit_test(test_oversized_token),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

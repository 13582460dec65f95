/* SPDX-License-Identifier: Apache-2.0 */
/* Client authentication: every method's output, and private_key_jwt assertions signed with
 * RSA, RSA-PSS, ECDSA and Ed25519 keys generated here and verified with OpenSSL. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <cmocka.h>

#include "pam/helper/client_auth.h"
#include "pam/idp/jose.h"

static char *key_pem(EVP_PKEY *pkey)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data, *out;
	long len;

	assert_non_null(bio);
	assert_int_equal(PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL), 1);
	len = BIO_get_mem_data(bio, &data);
	out = strndup(data, (size_t)len);
	BIO_free(bio);
	return out;
}

static EVP_PKEY *gen(const char *type)
{
	EVP_PKEY *k;

	if (strcmp(type, "RSA") == 0)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	else if (strcmp(type, "EC") == 0)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	else
		k = EVP_PKEY_Q_keygen(NULL, NULL, type);
	assert_non_null(k);
	return k;
}

static json_t *decode_part(const char *start, size_t len)
{
	unsigned char *raw = NULL;
	size_t raw_len = 0;
	json_t *j;

	assert_int_equal(fedjit_base64url_decode(start, len, &raw, &raw_len), 0);
	j = json_loadb((const char *)raw, raw_len, 0, NULL);
	free(raw);
	assert_non_null(j);
	return j;
}

/* Verifies a compact JWS with pkey and returns its claims. */
static json_t *verify(const char *jwt, EVP_PKEY *pkey, const char *alg, const EVP_MD *md)
{
	const char *dot1 = strchr(jwt, '.'), *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	unsigned char *sig = NULL, *der = NULL;
	size_t sig_len = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	json_t *hdr, *claims;
	int der_len;

	assert_non_null(dot2);
	hdr = decode_part(jwt, (size_t)(dot1 - jwt));
	assert_string_equal(json_string_value(json_object_get(hdr, "alg")), alg);
	json_decref(hdr);
	claims = decode_part(dot1 + 1, (size_t)(dot2 - dot1 - 1));
	assert_int_equal(fedjit_base64url_decode(dot2 + 1, strlen(dot2 + 1), &sig, &sig_len), 0);
	if (strcmp(alg, "ES256") == 0) {
		ECDSA_SIG *es = ECDSA_SIG_new();

		assert_int_equal(sig_len, 64);
		ECDSA_SIG_set0(es, BN_bin2bn(sig, 32, NULL), BN_bin2bn(sig + 32, 32, NULL));
		der_len = i2d_ECDSA_SIG(es, &der);
		ECDSA_SIG_free(es);
		free(sig);
		sig = der;
		sig_len = (size_t)der_len;
	}
	assert_int_equal(EVP_DigestVerifyInit(ctx, &pctx, md, NULL, pkey), 1);
	if (strcmp(alg, "PS256") == 0) {
		assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
		assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST), 1);
	}
	assert_int_equal(EVP_DigestVerify(ctx, sig, sig_len, (const unsigned char *)jwt,
	                                  (size_t)(dot2 - jwt)),
	                 1);
	if (strcmp(alg, "ES256") == 0)
		OPENSSL_free(sig);
	else
		free(sig);
	EVP_MD_CTX_free(ctx);
	return claims;
}

static void check_assertion(const char *type, const char *alg, const EVP_MD *md)
{
	EVP_PKEY *pkey = gen(type);
	char *pem = key_pem(pkey), *jwt = NULL;
	json_t *claims;

	assert_int_equal(fedjit_client_assertion(pem, alg, "fedjit-client", "https://idp/token",
	                                         1000, &jwt, NULL),
	                 0);
	claims = verify(jwt, pkey, alg, md);
	assert_string_equal(json_string_value(json_object_get(claims, "iss")), "fedjit-client");
	assert_string_equal(json_string_value(json_object_get(claims, "sub")), "fedjit-client");
	assert_string_equal(json_string_value(json_object_get(claims, "aud")), "https://idp/token");
	assert_int_equal(json_integer_value(json_object_get(claims, "iat")), 1000);
	assert_int_equal(json_integer_value(json_object_get(claims, "exp")), 1060);
	assert_true(strlen(json_string_value(json_object_get(claims, "jti"))) >= 20);
	json_decref(claims);
	free(jwt);
	free(pem);
	EVP_PKEY_free(pkey);
}

static void test_rs256(void **state)
{
	check_assertion("RSA", "RS256", EVP_sha256());
}

static void test_ps256(void **state)
{
	check_assertion("RSA", "PS256", EVP_sha256());
}

static void test_es256(void **state)
{
	check_assertion("EC", "ES256", EVP_sha256());
}

static void test_eddsa(void **state)
{
	check_assertion("ED25519", "EdDSA", NULL);
}

static void test_key_mismatch(void **state)
{
	EVP_PKEY *pkey = gen("EC");
	char *pem = key_pem(pkey), *jwt = NULL, *reason = NULL;

	assert_int_equal(fedjit_client_assertion(pem, "RS256", "c", "a", 1, &jwt, &reason),
	                 -EINVAL);
	assert_non_null(strstr(reason, "does not fit"));
	free(reason);
	reason = NULL;
	assert_int_equal(fedjit_client_assertion(pem, "HS256", "c", "a", 1, &jwt, &reason),
	                 -EINVAL);
	free(reason);
	reason = NULL;
	assert_int_equal(fedjit_client_assertion("garbage", "ES256", "c", "a", 1, &jwt, &reason),
	                 -EINVAL);
	free(reason);
	assert_null(jwt);
	free(pem);
	EVP_PKEY_free(pkey);
}

static void test_methods(void **state)
{
	struct fedjit_client_auth_params p = {.client_id = "my client", .secret = "s3cr:t&"};
	char *form = NULL, *user = NULL, *pass = NULL, *reason = NULL;

	p.method = FEDJIT_CLIENT_AUTH_NONE;
	assert_int_equal(fedjit_client_auth_apply(&p, &form, &user, &pass, NULL), 0);
	assert_string_equal(form, "client_id=my+client");
	assert_null(user);
	free(form);
	form = NULL;

	p.method = FEDJIT_CLIENT_AUTH_SECRET_POST;
	assert_int_equal(fedjit_client_auth_apply(&p, &form, &user, &pass, NULL), 0);
	assert_string_equal(form, "client_id=my+client&client_secret=s3cr%3At%26");
	free(form);
	form = NULL;

	/* RFC 6749 2.3.1: id and secret form-urlencoded before Basic encoding */
	p.method = FEDJIT_CLIENT_AUTH_SECRET_BASIC;
	assert_int_equal(fedjit_client_auth_apply(&p, &form, &user, &pass, NULL), 0);
	assert_null(form);
	assert_string_equal(user, "my+client");
	assert_string_equal(pass, "s3cr%3At%26");
	free(user);
	free(pass);

	p.secret = NULL;
	assert_int_equal(fedjit_client_auth_apply(&p, &form, &user, &pass, &reason), -EINVAL);
	free(reason);
	reason = NULL;
	p.method = FEDJIT_CLIENT_AUTH_PRIVATE_KEY_JWT;
	assert_int_equal(fedjit_client_auth_apply(&p, &form, &user, &pass, &reason), -EINVAL);
	free(reason);
	assert_null(form);
}

static void test_private_key_jwt_form(void **state)
{
	EVP_PKEY *pkey = gen("RSA");
	char *pem = key_pem(pkey), *form = NULL, *user = NULL, *pass = NULL;
	struct fedjit_client_auth_params p = {
	        .method = FEDJIT_CLIENT_AUTH_PRIVATE_KEY_JWT,
	        .client_id = "c1",
	        .key_pem = pem,
	        .audience = "https://idp/token",
	};

	assert_int_equal(fedjit_client_auth_apply(&p, &form, &user, &pass, NULL), 0);
	assert_non_null(strstr(form,
	                       "client_id=c1&client_assertion_type=urn%3Aietf%3Aparams%3A"
	                       "oauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion="));
	assert_null(user);
	free(form);
	free(pem);
	EVP_PKEY_free(pkey);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_rs256),
	        cmocka_unit_test(test_ps256),
	        cmocka_unit_test(test_es256),
	        cmocka_unit_test(test_eddsa),
	        cmocka_unit_test(test_key_mismatch),
	        cmocka_unit_test(test_methods),
	        cmocka_unit_test(test_private_key_jwt_form),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

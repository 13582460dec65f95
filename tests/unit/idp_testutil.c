/* SPDX-License-Identifier: Apache-2.0 */
/* See idp_testutil.h. Test code: failures abort, nothing is scrubbed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "tests/unit/idp_testutil.h"

#define CHECK(x)                                                                       \
	do {                                                                           \
		if (!(x)) {                                                            \
			fprintf(stderr, "%s:%d: %s failed\n", __FILE__, __LINE__, #x); \
			abort();                                                       \
		}                                                                      \
	} while (0)

EVP_PKEY *tu_keygen(const char *type, unsigned rsa_bits)
{
	EVP_PKEY *k;
	if (strcmp(type, "RSA") == 0)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)rsa_bits);
	else if (strcmp(type, "ED25519") == 0)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	else
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", type);
	CHECK(k);
	return k;
}

static char *b64(const unsigned char *p, size_t n)
{
	char *s;
	CHECK(fedjit_base64url_encode(p, n, &s) == 0);
	return s;
}

char *tu_b64(const char *s)
{
	return b64((const unsigned char *)s, strlen(s));
}

static char *bn_param_b64(EVP_PKEY *k, const char *name)
{
	BIGNUM *bn = NULL;
	CHECK(EVP_PKEY_get_bn_param(k, name, &bn));
	int n = BN_num_bytes(bn);
	unsigned char *buf = malloc((size_t)n);
	CHECK(buf);
	BN_bn2bin(bn, buf);
	char *s = b64(buf, (size_t)n);
	free(buf);
	BN_free(bn);
	return s;
}

char *tu_jwk(EVP_PKEY *key, const char *kid, const char *alg)
{
	char *members = NULL, *out = NULL;
	if (EVP_PKEY_is_a(key, "RSA")) {
		char *n = bn_param_b64(key, OSSL_PKEY_PARAM_RSA_N);
		char *e = bn_param_b64(key, OSSL_PKEY_PARAM_RSA_E);
		CHECK(asprintf(&members, "\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"%s\"", n, e) > 0);
		free(n);
		free(e);
	} else if (EVP_PKEY_is_a(key, "EC")) {
		unsigned char pt[1 + 2 * 48];
		size_t len;
		char crv[32];
		CHECK(EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, crv,
		                                     sizeof(crv), NULL));
		CHECK(EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt),
		                                      &len));
		CHECK(pt[0] == 4);
		size_t half = (len - 1) / 2;
		char *x = b64(pt + 1, half), *y = b64(pt + 1 + half, half);
		CHECK(asprintf(&members, "\"kty\":\"EC\",\"crv\":\"%s\",\"x\":\"%s\",\"y\":\"%s\"",
		               half == 32 ? "P-256" : "P-384", x, y) > 0);
		free(x);
		free(y);
	} else {
		unsigned char raw[32];
		size_t len = sizeof(raw);
		CHECK(EVP_PKEY_get_raw_public_key(key, raw, &len));
		char *x = b64(raw, len);
		CHECK(asprintf(&members, "\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"%s\"", x) >
		      0);
		free(x);
	}
	CHECK(asprintf(&out, "{%s%s%s%s%s%s%s}", members, kid ? ",\"kid\":\"" : "", kid ? kid : "",
	               kid ? "\"" : "", alg ? ",\"alg\":\"" : "", alg ? alg : "",
	               alg ? "\"" : "") > 0);
	free(members);
	return out;
}

char *tu_jwks(const char *const *jwks, size_t n)
{
	size_t len = 16;
	for (size_t i = 0; i < n; i++)
		len += strlen(jwks[i]) + 1;
	char *s = malloc(len);
	CHECK(s);
	strcpy(s, "{\"keys\":[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(s, ",");
		strcat(s, jwks[i]);
	}
	strcat(s, "]}");
	return s;
}

/* The digest table again, on purpose not fedjit_jose_alg_md: tu_sign is the
 * independent signer the verifier is checked against, so a wrong row in the
 * product table must make the tests fail rather than agree with itself. */
static const EVP_MD *md_of(enum fedjit_jose_alg alg)
{
	switch (alg) {
	case FEDJIT_JOSE_RS256:
	case FEDJIT_JOSE_PS256:
	case FEDJIT_JOSE_ES256:
		return EVP_sha256();
	case FEDJIT_JOSE_RS384:
	case FEDJIT_JOSE_PS384:
	case FEDJIT_JOSE_ES384:
		return EVP_sha384();
	case FEDJIT_JOSE_RS512:
	case FEDJIT_JOSE_PS512:
		return EVP_sha512();
	default:
		return NULL;
	}
}

static char *signing_input(const char *header, const char *payload)
{
	char *h = tu_b64(header), *p = tu_b64(payload), *s;
	CHECK(asprintf(&s, "%s.%s", h, p) > 0);
	free(h);
	free(p);
	return s;
}

char *tu_sign(const char *header, const char *payload, EVP_PKEY *key, enum fedjit_jose_alg alg)
{
	char *input = signing_input(header, payload), *out;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char sig[1024];
	size_t sig_len = sizeof(sig);

	CHECK(ctx);
	CHECK(EVP_DigestSignInit(ctx, &pctx, md_of(alg), NULL, key) == 1);
	if (alg >= FEDJIT_JOSE_PS256 && alg <= FEDJIT_JOSE_PS512) {
		CHECK(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1);
		CHECK(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1);
	}
	CHECK(EVP_DigestSign(ctx, sig, &sig_len, (unsigned char *)input, strlen(input)) == 1);
	EVP_MD_CTX_free(ctx);

	if (alg == FEDJIT_JOSE_ES256 || alg == FEDJIT_JOSE_ES384) {
		/* DER -> R || S, each left-padded to the curve size. */
		size_t half = alg == FEDJIT_JOSE_ES256 ? 32 : 48;
		const unsigned char *p = sig;
		ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)sig_len);
		CHECK(es);
		unsigned char raw[96];
		CHECK(BN_bn2binpad(ECDSA_SIG_get0_r(es), raw, (int)half) == (int)half);
		CHECK(BN_bn2binpad(ECDSA_SIG_get0_s(es), raw + half, (int)half) == (int)half);
		ECDSA_SIG_free(es);
		memcpy(sig, raw, 2 * half);
		sig_len = 2 * half;
	}
	char *s = b64(sig, sig_len);
	CHECK(asprintf(&out, "%s.%s", input, s) > 0);
	free(s);
	free(input);
	return out;
}

char *tu_sign_hs256(const char *header, const char *payload, const void *secret, size_t len)
{
	char *input = signing_input(header, payload), *out;
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned mac_len = 0;
	CHECK(HMAC(EVP_sha256(), secret, (int)len, (unsigned char *)input, strlen(input), mac,
	           &mac_len));
	char *s = b64(mac, mac_len);
	CHECK(asprintf(&out, "%s.%s", input, s) > 0);
	free(s);
	free(input);
	return out;
}

char *tu_public_pem(EVP_PKEY *key)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data, *out;
	CHECK(bio && PEM_write_bio_PUBKEY(bio, key));
	long n = BIO_get_mem_data(bio, &data);
	CHECK(n > 0 && (out = strndup(data, (size_t)n)));
	BIO_free(bio);
	return out;
}

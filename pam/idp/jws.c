/* SPDX-License-Identifier: Apache-2.0 */
/* Compact JWS: strict split, header checks, key choice and signature verification with
 * OpenSSL EVP. The payload is returned only after the signature verified. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/ecdsa.h>
#include <openssl/rsa.h>

#include "common/macro.h"
#include "pam/idp/jws.h"

#define JWS_HEADER_MAX    4096
#define JWS_SIGNATURE_MAX 1024 /* an RSA-8192 signature */

/* JWS ECDSA signatures are R || S, each the size of the curve order (RFC 7518 §3.4);
 * OpenSSL wants DER. The exact length is required: no other encoding is valid. */
static int ecdsa_raw_to_der(const unsigned char *sig, size_t sig_len, size_t half,
                            unsigned char **ret, size_t *ret_len)
{
	if (sig_len != 2 * half)
		return -EPERM;
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, (int)half, NULL), *s = BN_bin2bn(sig + half, (int)half, NULL);
	if (!es || !r || !s || !ECDSA_SIG_set0(es, r, s)) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(es);
		return -ENOMEM;
	}
	unsigned char *der = NULL;
	int l = i2d_ECDSA_SIG(es, &der);
	ECDSA_SIG_free(es);
	if (l <= 0)
		return -ENOMEM;
	*ret = der;
	*ret_len = (size_t)l;
	return 0;
}

int fedjit_jws_verify_signature(const struct fedjit_jwk *key, enum fedjit_jose_alg alg,
                                const unsigned char *data, size_t data_len,
                                const unsigned char *sig, size_t sig_len)
{
	unsigned char *der = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	int r;

	if (!fedjit_jwk_compatible(key, alg))
		return -EKEYREJECTED;
	if (alg == FEDJIT_JOSE_ES256 || alg == FEDJIT_JOSE_ES384) {
		r = ecdsa_raw_to_der(sig, sig_len, alg == FEDJIT_JOSE_ES256 ? 32 : 48, &der,
		                     &sig_len);
		if (r < 0)
			return r;
		sig = der;
	} else if (alg == FEDJIT_JOSE_EDDSA && sig_len != 64) {
		return -EPERM;
	} else if (key->type == FEDJIT_JWK_RSA && sig_len != (key->bits + 7) / 8) {
		return -EPERM;
	}

	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx) {
		r = -ENOMEM;
		goto out;
	}
	const EVP_MD *md = fedjit_jose_alg_md(alg);
	if (EVP_DigestVerifyInit(ctx, &pctx, md, NULL, key->pkey) <= 0) {
		r = -ENOMEM;
		goto out;
	}
	if (alg >= FEDJIT_JOSE_PS256 && alg <= FEDJIT_JOSE_PS512) {
		/* RFC 7518 §3.5: MGF1 with the same hash, salt as long as the hash. */
		if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
		    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) <= 0 ||
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) <= 0) {
			r = -ENOMEM;
			goto out;
		}
	}
	r = EVP_DigestVerify(ctx, sig, sig_len, data, data_len) == 1 ? 0 : -EPERM;
out:
	EVP_MD_CTX_free(ctx);
	OPENSSL_free(der);
	return r;
}

static int parse_header(const unsigned char *json, size_t len, unsigned algs,
                        struct fedjit_jws *jws, char **ret_reason)
{
	json_t *h = NULL;
	const char *alg, *kid, *typ;
	int r;

	r = fedjit_json_load_object((const char *)json, len, JWS_HEADER_MAX, &h, ret_reason);
	if (r < 0)
		return fedjit_reason(r, ret_reason, "JWS header is not a valid JSON object");
	json_t *a = json_object_get(h, "alg");
	if (!json_is_string(a)) {
		r = fedjit_reason(-EBADMSG, ret_reason, "JWS header without \"alg\"");
		goto out;
	}
	alg = json_string_value(a);
	enum fedjit_jose_alg e = fedjit_jose_alg_from_string(alg);
	if (e == FEDJIT_JOSE_ALG_INVALID) {
		r = fedjit_reason(-EOPNOTSUPP, ret_reason,
		                  strcasecmp(alg, "none") == 0 ? "alg \"none\" (unsigned) refused"
		                  : strncmp(alg, "HS", 2) == 0
		                          ? "alg: symmetric (HMAC) signatures refused"
		                          : "alg: unsupported signature algorithm");
		goto out;
	}
	if (algs && !(algs & FEDJIT_JOSE_ALG_BIT(e))) {
		r = fedjit_reason(-EOPNOTSUPP, ret_reason, "alg %s not allowed for this IdP", alg);
		goto out;
	}
	/* RFC 7515 §4.1.11: an extension we do not understand must not be ignored, and we
	 * understand none. */
	if (json_object_get(h, "crit")) {
		r = fedjit_reason(-EOPNOTSUPP, ret_reason, "crit: JWS header extensions refused");
		goto out;
	}
	if (fedjit_json_get_string(h, "typ", 64, &typ) < 0 ||
	    (typ && strcasecmp(typ, "JWT") != 0 && strcasecmp(typ, "application/jwt") != 0)) {
		r = fedjit_reason(-EOPNOTSUPP, ret_reason,
		                  "typ: not a JWT (an access token or a logout token?)");
		goto out;
	}
	r = fedjit_json_get_string(h, "kid", FEDJIT_JWK_MAX_KID, &kid);
	if (r < 0) {
		r = fedjit_reason(-EBADMSG, ret_reason, "kid: malformed");
		goto out;
	}
	jws->alg = e;
	if (kid && !(jws->kid = strdup(kid)))
		r = -ENOMEM;
out:
	json_decref(h);
	return r;
}

void fedjit_jws_done(struct fedjit_jws *jws)
{
	if (jws->payload) {
		explicit_bzero(jws->payload, jws->payload_len);
		free(jws->payload);
	}
	free(jws->kid);
	*jws = (struct fedjit_jws){0};
}

int fedjit_jws_verify(const char *compact, size_t max_len, const struct fedjit_jwks *jwks,
                      unsigned algs, struct fedjit_jws *ret, char **ret_reason)
{
	struct fedjit_jws jws = {0};
	unsigned char *header = NULL, *sig = NULL;
	size_t header_len, sig_len, payload_len;
	int r;

	if (!compact)
		return fedjit_reason(-EBADMSG, ret_reason, "no token");
	size_t len = strnlen(compact, max_len + 1);
	if (len > max_len)
		return fedjit_reason(-E2BIG, ret_reason, "token longer than %zu bytes", max_len);

	/* Exactly three non-empty parts: header.payload.signature (a JWE has five, an
	 * unsecured JWS an empty third). */
	const char *dot1 = memchr(compact, '.', len);
	const char *dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - compact)) : NULL;
	if (!dot1 || !dot2 || memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - compact)))
		return fedjit_reason(-EBADMSG, ret_reason, "token is not header.payload.signature");
	size_t h_len = (size_t)(dot1 - compact), p_len = (size_t)(dot2 - dot1 - 1);
	size_t s_len = len - (size_t)(dot2 + 1 - compact);
	if (h_len == 0 || p_len == 0 || s_len == 0)
		return fedjit_reason(-EBADMSG, ret_reason, "token has an empty part");
	if (s_len > (JWS_SIGNATURE_MAX + 2) / 3 * 4)
		return fedjit_reason(-EBADMSG, ret_reason, "signature: too long");

	if (fedjit_base64url_decode(compact, h_len, &header, &header_len) < 0) {
		r = fedjit_reason(-EBADMSG, ret_reason, "header: invalid base64url");
		goto out;
	}
	r = parse_header(header, header_len, algs, &jws, ret_reason);
	if (r < 0)
		goto out;

	const struct fedjit_jwk *key;
	r = fedjit_jwks_find(jwks, jws.kid, jws.alg, &key);
	if (r == -ENOKEY) {
		r = fedjit_reason(r, ret_reason, "kid: no key %s%s%s for %s in the JWKS",
		                  jws.kid ? "\"" : "", jws.kid ? jws.kid : "(no kid)",
		                  jws.kid ? "\"" : "", fedjit_jose_alg_to_string(jws.alg));
		goto out;
	}
	if (r == -ENOTUNIQ) {
		r = fedjit_reason(-ENOKEY, ret_reason,
		                  "kid: token has no kid and several keys could verify %s",
		                  fedjit_jose_alg_to_string(jws.alg));
		goto out;
	}
	if (r < 0) {
		r = fedjit_reason(-EKEYREJECTED, ret_reason, "key: kid \"%s\" cannot verify %s",
		                  jws.kid, fedjit_jose_alg_to_string(jws.alg));
		goto out;
	}

	if (fedjit_base64url_decode(dot2 + 1, s_len, &sig, &sig_len) < 0) {
		r = fedjit_reason(-EBADMSG, ret_reason, "signature: invalid base64url");
		goto out;
	}
	r = fedjit_jws_verify_signature(key, jws.alg, (const unsigned char *)compact,
	                                (size_t)(dot2 - compact), sig, sig_len);
	if (r == -EPERM)
		r = fedjit_reason(r, ret_reason, "signature: does not verify (%s)",
		                  fedjit_jose_alg_to_string(jws.alg));
	if (r < 0)
		goto out;

	if (fedjit_base64url_decode(dot1 + 1, p_len, &jws.payload, &payload_len) < 0) {
		r = fedjit_reason(-EBADMSG, ret_reason, "payload: invalid base64url");
		goto out;
	}
	jws.payload_len = payload_len;
	*ret = jws;
	jws = (struct fedjit_jws){0};
	r = 0;
out:
	fedjit_jws_done(&jws);
	free(header);
	free(sig);
	return r;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* OAuth client authentication: see client_auth.h. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "common/macro.h"
#include "pam/helper/client_auth.h"
#include "pam/helper/http.h"
#include "pam/idp/jose.h"

#define ASSERTION_LIFETIME 60

static bool key_fits(EVP_PKEY *pkey, enum fedjit_jose_alg alg)
{
	switch (alg) {
	case FEDJIT_JOSE_RS256:
	case FEDJIT_JOSE_RS384:
	case FEDJIT_JOSE_RS512:
	case FEDJIT_JOSE_PS256:
	case FEDJIT_JOSE_PS384:
	case FEDJIT_JOSE_PS512:
		return EVP_PKEY_is_a(pkey, "RSA") && EVP_PKEY_get_bits(pkey) >= 2048;
	case FEDJIT_JOSE_ES256:
		return EVP_PKEY_is_a(pkey, "EC") && EVP_PKEY_get_bits(pkey) == 256;
	case FEDJIT_JOSE_ES384:
		return EVP_PKEY_is_a(pkey, "EC") && EVP_PKEY_get_bits(pkey) == 384;
	case FEDJIT_JOSE_EDDSA:
		return EVP_PKEY_is_a(pkey, "ED25519");
	default:
		return false;
	}
}

/* JWS signature bytes (RFC 7518 §3): ECDSA's DER signature becomes R || S. */
static int sign(EVP_PKEY *pkey, enum fedjit_jose_alg alg, const char *input, unsigned char **ret,
                size_t *ret_len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char *sig = NULL;
	size_t sig_len = 0;
	int r = -EINVAL;

	if (!ctx)
		return -ENOMEM;
	if (EVP_DigestSignInit(ctx, &pctx, fedjit_jose_alg_md(alg), NULL, pkey) != 1)
		goto out;
	if (alg == FEDJIT_JOSE_PS256 || alg == FEDJIT_JOSE_PS384 || alg == FEDJIT_JOSE_PS512) {
		if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)
			goto out;
	}
	if (EVP_DigestSign(ctx, NULL, &sig_len, (const unsigned char *)input, strlen(input)) != 1)
		goto out;
	sig = malloc(sig_len);
	if (!sig) {
		r = -ENOMEM;
		goto out;
	}
	if (EVP_DigestSign(ctx, sig, &sig_len, (const unsigned char *)input, strlen(input)) != 1)
		goto out;

	if (alg == FEDJIT_JOSE_ES256 || alg == FEDJIT_JOSE_ES384) {
		size_t n = alg == FEDJIT_JOSE_ES256 ? 32 : 48;
		const unsigned char *p = sig;
		ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)sig_len);
		unsigned char *raw = es ? malloc(2 * n) : NULL;

		if (!es || !raw || BN_bn2binpad(ECDSA_SIG_get0_r(es), raw, (int)n) != (int)n ||
		    BN_bn2binpad(ECDSA_SIG_get0_s(es), raw + n, (int)n) != (int)n) {
			ECDSA_SIG_free(es);
			free(raw);
			goto out;
		}
		ECDSA_SIG_free(es);
		free(sig);
		sig = raw;
		sig_len = 2 * n;
	}
	*ret = sig;
	*ret_len = sig_len;
	sig = NULL;
	r = 0;
out:
	free(sig);
	EVP_MD_CTX_free(ctx);
	return r;
}

static int b64_json(json_t *obj, char **ret)
{
	char *s = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
	int r;

	if (!s)
		return -ENOMEM;
	r = fedjit_base64url_encode((const unsigned char *)s, strlen(s), ret);
	free(s);
	return r;
}

int fedjit_client_assertion(const char *key_pem, const char *alg_name, const char *client_id,
                            const char *audience, long now, char **ret, char **ret_reason)
{
	enum fedjit_jose_alg alg = fedjit_jose_alg_from_string(alg_name ? alg_name : "RS256");
	unsigned char jti_raw[16], *sig = NULL;
	char *jti = NULL, *h64 = NULL, *p64 = NULL, *s64 = NULL, *input = NULL, *jwt = NULL;
	json_t *hdr = NULL, *claims = NULL;
	EVP_PKEY *pkey = NULL;
	size_t sig_len = 0;
	BIO *bio = NULL;
	int r;

	if ((int)alg < 0)
		return fedjit_reason(-EINVAL, ret_reason, "private_key_alg %s is not supported",
		                     alg_name);
	if (!key_pem)
		return fedjit_reason(-EINVAL, ret_reason, "no private key for private_key_jwt");
	bio = BIO_new_mem_buf(key_pem, -1);
	if (!bio)
		return -ENOMEM;
	pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (!pkey)
		return fedjit_reason(-EINVAL, ret_reason, "private key is not a PEM private key");
	if (!key_fits(pkey, alg)) {
		r = fedjit_reason(-EINVAL, ret_reason, "private key does not fit %s",
		                  fedjit_jose_alg_to_string(alg));
		goto out;
	}
	r = -ENOMEM;
	if (RAND_bytes(jti_raw, sizeof(jti_raw)) != 1 ||
	    fedjit_base64url_encode(jti_raw, sizeof(jti_raw), &jti) < 0)
		goto out;
	hdr = json_pack("{s:s, s:s}", "alg", fedjit_jose_alg_to_string(alg), "typ", "JWT");
	claims = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "iss", client_id, "sub", client_id,
	                   "aud", audience, "jti", jti, "iat", (json_int_t)now, "exp",
	                   (json_int_t)(now + ASSERTION_LIFETIME));
	if (!hdr || !claims || b64_json(hdr, &h64) < 0 || b64_json(claims, &p64) < 0)
		goto out;
	if (asprintf(&input, "%s.%s", h64, p64) < 0) {
		input = NULL;
		goto out;
	}
	r = sign(pkey, alg, input, &sig, &sig_len);
	if (r < 0) {
		r = fedjit_reason(r, ret_reason, "signing the client assertion failed");
		goto out;
	}
	r = -ENOMEM;
	if (fedjit_base64url_encode(sig, sig_len, &s64) < 0)
		goto out;
	if (asprintf(&jwt, "%s.%s", input, s64) < 0)
		goto out;
	*ret = jwt;
	r = 0;
out:
	EVP_PKEY_free(pkey);
	json_decref(hdr);
	json_decref(claims);
	free(jti);
	free(h64);
	free(p64);
	free(s64);
	free(input);
	free(sig);
	return r;
}

int fedjit_client_auth_apply(const struct fedjit_client_auth_params *p, char **form,
                             char **ret_basic_user, char **ret_basic_password, char **ret_reason)
{
	char *assertion = NULL, *user = NULL, *pass = NULL;
	int r;

	switch (p->method) {
	case FEDJIT_CLIENT_AUTH_NONE:
		return fedjit_form_add(form, "client_id", p->client_id);
	case FEDJIT_CLIENT_AUTH_SECRET_POST:
		if (!p->secret)
			return fedjit_reason(-EINVAL, ret_reason, "no client secret");
		r = fedjit_form_add(form, "client_id", p->client_id);
		if (r < 0)
			return r;
		return fedjit_form_add(form, "client_secret", p->secret);
	case FEDJIT_CLIENT_AUTH_SECRET_BASIC:
		if (!p->secret)
			return fedjit_reason(-EINVAL, ret_reason, "no client secret");
		user = fedjit_form_encode(p->client_id);
		pass = fedjit_form_encode(p->secret);
		if (!user || !pass) {
			free(user);
			fedjit_secret_free(pass);
			return -ENOMEM;
		}
		*ret_basic_user = user;
		*ret_basic_password = pass;
		return 0;
	case FEDJIT_CLIENT_AUTH_PRIVATE_KEY_JWT:
		r = fedjit_client_assertion(p->key_pem, p->key_alg, p->client_id, p->audience,
		                            (long)time(NULL), &assertion, ret_reason);
		if (r < 0)
			return r;
		r = fedjit_form_add(form, "client_id", p->client_id);
		if (r >= 0)
			r = fedjit_form_add(
			        form, "client_assertion_type",
			        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
		if (r >= 0)
			r = fedjit_form_add(form, "client_assertion", assertion);
		fedjit_secret_free(assertion);
		return r;
	}
	return -EINVAL;
}

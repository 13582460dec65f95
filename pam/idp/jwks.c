/* SPDX-License-Identifier: Apache-2.0 */
/* JWKS parsing into OpenSSL public keys; the accepted shapes are documented in jwks.h. */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include "common/macro.h"
#include "pam/idp/jwks.h"

/* A key member that is not a well-formed key of a supported type: the reason says which. */
#define BAD(r, ...) fedjit_reason((r), ret_reason, __VA_ARGS__)

static int b64_member(json_t *jwk, const char *name, size_t max, unsigned char **ret,
                      size_t *ret_len)
{
	json_t *v = json_object_get(jwk, name);
	if (!json_is_string(v))
		return -EBADMSG;
	size_t l = json_string_length(v);
	if (l == 0 || l > (max + 2) / 3 * 4)
		return -EBADMSG;
	return fedjit_base64url_decode(json_string_value(v), l, ret, ret_len);
}

static int pkey_fromdata(const char *type, OSSL_PARAM *params, EVP_PKEY **ret)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY *pkey = NULL;
	int r = -EBADMSG;

	if (!ctx)
		return -ENOMEM;
	if (EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		goto out;
	/* fromdata does not promise to reject a point off the curve: check explicitly. */
	EVP_PKEY_CTX *check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	if (!check || EVP_PKEY_public_check(check) <= 0) {
		EVP_PKEY_CTX_free(check);
		EVP_PKEY_free(pkey);
		goto out;
	}
	EVP_PKEY_CTX_free(check);
	*ret = pkey;
	r = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	return r;
}

static int import_rsa(json_t *jwk, struct fedjit_jwk *key, char **ret_reason)
{
	unsigned char *n = NULL, *e = NULL;
	size_t n_len, e_len;
	BIGNUM *bn_n = NULL, *bn_e = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	int r;

	r = b64_member(jwk, "n", FEDJIT_JWK_RSA_MAX_BITS / 8 + 1, &n, &n_len);
	if (r < 0) {
		r = BAD(r, "RSA key: bad or oversized \"n\"");
		goto out;
	}
	r = b64_member(jwk, "e", 8, &e, &e_len);
	if (r < 0) {
		r = BAD(r, "RSA key: bad \"e\"");
		goto out;
	}
	bn_n = BN_bin2bn(n, (int)n_len, NULL);
	bn_e = BN_bin2bn(e, (int)e_len, NULL);
	if (!bn_n || !bn_e) {
		r = -ENOMEM;
		goto out;
	}
	int bits = BN_num_bits(bn_n);
	if (bits < FEDJIT_JWK_RSA_MIN_BITS || bits > FEDJIT_JWK_RSA_MAX_BITS) {
		r = BAD(-EBADMSG, "RSA key of %d bits (allowed %d..%d)", bits,
		        FEDJIT_JWK_RSA_MIN_BITS, FEDJIT_JWK_RSA_MAX_BITS);
		goto out;
	}
	if (!BN_is_odd(bn_e) || BN_is_one(bn_e)) {
		r = BAD(-EBADMSG, "RSA key with an invalid public exponent");
		goto out;
	}
	bld = OSSL_PARAM_BLD_new();
	if (!bld || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) ||
	    !(params = OSSL_PARAM_BLD_to_param(bld))) {
		r = -ENOMEM;
		goto out;
	}
	r = pkey_fromdata("RSA", params, &key->pkey);
	if (r < 0) {
		r = BAD(r, "RSA key rejected by OpenSSL");
		goto out;
	}
	key->type = FEDJIT_JWK_RSA;
	key->bits = (unsigned)bits;
out:
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn_n);
	BN_free(bn_e);
	free(n);
	free(e);
	return r;
}

static int import_ec(json_t *jwk, const char *crv, struct fedjit_jwk *key, char **ret_reason)
{
	const char *group = strcmp(crv, "P-256") == 0 ? "prime256v1" : "secp384r1";
	size_t size = strcmp(crv, "P-256") == 0 ? 32 : 48;
	unsigned char *x = NULL, *y = NULL, point[1 + 2 * 48];
	size_t x_len, y_len;
	int r;

	if (b64_member(jwk, "x", size, &x, &x_len) < 0 ||
	    b64_member(jwk, "y", size, &y, &y_len) < 0 || x_len != size || y_len != size) {
		r = BAD(-EBADMSG, "EC %s key: \"x\"/\"y\" missing or not %zu bytes", crv, size);
		goto out;
	}
	/* SEC 1 uncompressed point: 0x04 || X || Y. */
	point[0] = 0x04;
	memcpy(point + 1, x, size);
	memcpy(point + 1 + size, y, size);
	OSSL_PARAM params[] = {
	        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)group, 0),
	        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, 1 + 2 * size),
	        OSSL_PARAM_construct_end(),
	};
	r = pkey_fromdata("EC", params, &key->pkey);
	if (r < 0) {
		r = BAD(r, "EC %s key: point not on the curve", crv);
		goto out;
	}
	key->type = size == 32 ? FEDJIT_JWK_EC_P256 : FEDJIT_JWK_EC_P384;
	key->bits = (unsigned)size * 8;
out:
	free(x);
	free(y);
	return r;
}

static int import_ed25519(json_t *jwk, struct fedjit_jwk *key, char **ret_reason)
{
	unsigned char *x = NULL;
	size_t x_len;

	if (b64_member(jwk, "x", 32, &x, &x_len) < 0 || x_len != 32) {
		free(x);
		return BAD(-EBADMSG, "Ed25519 key: \"x\" missing or not 32 bytes");
	}
	key->pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, x, x_len);
	free(x);
	if (!key->pkey)
		return BAD(-EBADMSG, "Ed25519 key rejected by OpenSSL");
	key->type = FEDJIT_JWK_ED25519;
	key->bits = 256;
	return 0;
}

bool fedjit_jwk_compatible(const struct fedjit_jwk *key, enum fedjit_jose_alg alg)
{
	if (key->alg >= 0 && key->alg != (int)alg)
		return false;
	switch (key->type) {
	case FEDJIT_JWK_RSA:
		return alg >= FEDJIT_JOSE_RS256 && alg <= FEDJIT_JOSE_PS512;
	case FEDJIT_JWK_EC_P256:
		return alg == FEDJIT_JOSE_ES256;
	case FEDJIT_JWK_EC_P384:
		return alg == FEDJIT_JOSE_ES384;
	case FEDJIT_JWK_ED25519:
		return alg == FEDJIT_JOSE_EDDSA;
	}
	return false;
}

/* Returns 1 for a key to skip, 0 for a key imported into *key, negative for a bad key. */
static int parse_key(json_t *jwk, struct fedjit_jwk *key, char **ret_reason)
{
	const char *kty, *crv = NULL, *use, *alg, *kid;

	if (!json_is_object(jwk))
		return BAD(-EBADMSG, "\"keys\" entry is not an object");
	if (fedjit_json_get_string(jwk, "kty", 16, &kty) < 0 || !kty)
		return BAD(-EBADMSG, "key without a valid \"kty\"");
	if (fedjit_json_get_string(jwk, "use", 16, &use) < 0 ||
	    fedjit_json_get_string(jwk, "alg", 32, &alg) < 0 ||
	    fedjit_json_get_string(jwk, "crv", 16, &crv) < 0)
		return BAD(-EBADMSG, "key with a malformed \"use\", \"alg\" or \"crv\"");
	int r = fedjit_json_get_string(jwk, "kid", FEDJIT_JWK_MAX_KID, &kid);
	if (r < 0)
		return BAD(r, "key with a malformed or oversized \"kid\"");

	if (use && strcmp(use, "sig") != 0)
		return 1;
	json_t *ops = json_object_get(jwk, "key_ops");
	if (ops) {
		bool verify = false;
		size_t i;
		json_t *op;
		if (!json_is_array(ops))
			return BAD(-EBADMSG, "key with a malformed \"key_ops\"");
		json_array_foreach(ops, i, op) if (json_is_string(op) &&
		                                   strcmp(json_string_value(op), "verify") == 0)
		        verify = true;
		if (!verify)
			return 1;
	}
	key->alg = -1;
	if (alg) {
		enum fedjit_jose_alg a = fedjit_jose_alg_from_string(alg);
		if (a == FEDJIT_JOSE_ALG_INVALID)
			return 1;
		key->alg = a;
	}

	if (strcmp(kty, "RSA") == 0)
		r = import_rsa(jwk, key, ret_reason);
	else if (strcmp(kty, "EC") == 0 && crv &&
	         (strcmp(crv, "P-256") == 0 || strcmp(crv, "P-384") == 0))
		r = import_ec(jwk, crv, key, ret_reason);
	else if (strcmp(kty, "OKP") == 0 && crv && strcmp(crv, "Ed25519") == 0)
		r = import_ed25519(jwk, key, ret_reason);
	else
		return 1; /* oct (symmetric), other curves, X25519, ... */
	if (r < 0)
		return r;

	if (key->alg >= 0 && !fedjit_jwk_compatible(key, (enum fedjit_jose_alg)key->alg)) {
		EVP_PKEY_free(key->pkey);
		key->pkey = NULL;
		return 1;
	}
	if (kid) {
		key->kid = strdup(kid);
		if (!key->kid) {
			EVP_PKEY_free(key->pkey);
			key->pkey = NULL;
			return -ENOMEM;
		}
	}
	return 0;
}

void fedjit_jwks_free(struct fedjit_jwks *jwks)
{
	if (!jwks)
		return;
	for (size_t i = 0; i < jwks->n_keys; i++) {
		free(jwks->keys[i].kid);
		EVP_PKEY_free(jwks->keys[i].pkey);
	}
	free(jwks->keys);
	free(jwks);
}

int fedjit_jwks_parse(const char *data, size_t len, struct fedjit_jwks **ret, char **ret_reason)
{
	json_t *doc = NULL;
	struct fedjit_jwks *jwks = NULL;
	int r;

	r = fedjit_json_load_object(data, len, FEDJIT_JWKS_MAX_SIZE, &doc, ret_reason);
	if (r < 0)
		return r;
	json_t *keys = json_object_get(doc, "keys");
	if (!json_is_array(keys)) {
		r = BAD(-EBADMSG, "JWKS without a \"keys\" array");
		goto out;
	}
	size_t n = json_array_size(keys);
	if (n > FEDJIT_JWKS_MAX_KEYS) {
		r = BAD(-E2BIG, "JWKS with %zu keys (at most %d)", n, FEDJIT_JWKS_MAX_KEYS);
		goto out;
	}
	jwks = calloc(1, sizeof(*jwks));
	if (!jwks || (n > 0 && !(jwks->keys = calloc(n, sizeof(*jwks->keys))))) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		r = parse_key(json_array_get(keys, i), &jwks->keys[jwks->n_keys], ret_reason);
		if (r < 0) {
			if (ret_reason && *ret_reason) {
				char *s = NULL;
				if (asprintf(&s, "key %zu: %s", i, *ret_reason) >= 0) {
					free(*ret_reason);
					*ret_reason = s;
				}
			}
			goto out;
		}
		if (r > 0)
			jwks->n_skipped++;
		else
			jwks->n_keys++;
	}
	*ret = jwks;
	jwks = NULL;
	r = 0;
out:
	fedjit_jwks_free(jwks);
	json_decref(doc);
	return r;
}

int fedjit_jwks_find(const struct fedjit_jwks *jwks, const char *kid, enum fedjit_jose_alg alg,
                     const struct fedjit_jwk **ret)
{
	const struct fedjit_jwk *found = NULL;
	size_t n_match = 0, n_kid = 0;

	for (size_t i = 0; i < jwks->n_keys; i++) {
		const struct fedjit_jwk *k = &jwks->keys[i];
		if (kid) {
			if (!k->kid || strcmp(k->kid, kid) != 0)
				continue;
			n_kid++;
		}
		if (!fedjit_jwk_compatible(k, alg))
			continue;
		found = k;
		n_match++;
	}
	if (n_match == 1) {
		*ret = found;
		return 0;
	}
	if (n_match > 1)
		return -ENOTUNIQ;
	return kid && n_kid > 0 ? -EKEYREJECTED : -ENOKEY;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* JSON Web Key Sets (RFC 7517) as published at an IdP's jwks_uri, parsed into OpenSSL keys.
 *
 * Accepted keys (RFC 7518 §6, RFC 8037 §2):
 *   kty "RSA": n, e (base64url big-endian); modulus 2048..8192 bits, e odd and > 1.
 *   kty "EC":  crv "P-256" or "P-384", x and y of exactly the curve's size; the point must
 *              lie on the curve.
 *   kty "OKP": crv "Ed25519", x of 32 bytes.
 * Optional members: kid (<= 256 bytes), use, alg. Keys with use other than "sig", a
 * "key_ops" that lacks "verify", an unknown kty or crv, an alg outside the allow-list or not
 * matching the key type are skipped (an IdP may publish encryption keys or algorithms fedjit
 * does not use beside good ones). Private members ("d", "p", ...) are ignored, never used.
 * A key that claims a supported type but is malformed makes the whole set invalid: an IdP
 * that publishes broken keys is misconfigured and should be noticed.
 * Limits: document <= FEDJIT_JWKS_MAX_SIZE bytes, <= FEDJIT_JWKS_MAX_KEYS entries in "keys"
 * (skipped ones count), JSON depth <= FEDJIT_JSON_MAX_DEPTH, no duplicate JSON members. */
#pragma once

#include <stddef.h>

#include <openssl/evp.h>

#include "pam/idp/jose.h"

#define FEDJIT_JWKS_MAX_SIZE    (256 * 1024)
#define FEDJIT_JWKS_MAX_KEYS    64
#define FEDJIT_JWK_MAX_KID      256
#define FEDJIT_JWK_RSA_MIN_BITS 2048
#define FEDJIT_JWK_RSA_MAX_BITS 8192

enum fedjit_jwk_type {
	FEDJIT_JWK_RSA,
	FEDJIT_JWK_EC_P256,
	FEDJIT_JWK_EC_P384,
	FEDJIT_JWK_ED25519,
};

struct fedjit_jwk {
	char *kid; /* NULL when the key has none */
	enum fedjit_jwk_type type;
	int alg;        /* enum fedjit_jose_alg the key is pinned to, or -1 if no "alg" */
	unsigned bits;  /* key size in bits */
	EVP_PKEY *pkey; /* public key, owned by the set */
};

struct fedjit_jwks {
	size_t n_keys;
	struct fedjit_jwk *keys;
	size_t n_skipped; /* entries ignored (use != sig, unknown kty/crv/alg), for logging */
};

/* Parses a JWKS document of len bytes (need not be NUL-terminated). Returns 0 and a new
 * set (possibly with zero usable keys), -E2BIG over a limit, -EBADMSG for a malformed
 * document or key, -ENOMEM. On failure *ret_reason (if non-NULL) gets a malloc'd
 * message for the log. */
int fedjit_jwks_parse(const char *data, size_t len, struct fedjit_jwks **ret, char **ret_reason);
void fedjit_jwks_free(struct fedjit_jwks *jwks);

/* Can a key of this type verify alg? RSA: RS* and PS*; P-256: ES256 only; P-384: ES384
 * only; Ed25519: EdDSA only. A key pinned with "alg" verifies only that alg. */
bool fedjit_jwk_compatible(const struct fedjit_jwk *key, enum fedjit_jose_alg alg);

/* Chooses the key for a token header.
 * kid given: the key with exactly that kid; -ENOKEY when there is none (the caller may
 *   refetch the JWKS once: key rotation), -EKEYREJECTED when it exists but cannot verify
 *   alg (wrong type, or pinned to another alg).
 * kid NULL: the unique key compatible with alg; -ENOKEY when none, -ENOTUNIQ when several
 *   (guessing among keys would let any of them sign).
 * On success *ret is borrowed from the set. */
int fedjit_jwks_find(const struct fedjit_jwks *jwks, const char *kid, enum fedjit_jose_alg alg,
                     const struct fedjit_jwk **ret);

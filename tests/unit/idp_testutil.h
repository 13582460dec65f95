/* SPDX-License-Identifier: Apache-2.0 */
/* Test helpers for the IdP library: keys generated at test time with OpenSSL, their JWK
 * form, and compact JWS signing (including the forgeries an attacker would try). */
#pragma once

#include <stddef.h>

#include <openssl/evp.h>

#include "pam/idp/jose.h"

/* type: "RSA" (bits), "RSA-PSS" is not needed: PS* use plain RSA keys; "P-256", "P-384",
 * "ED25519". Aborts the test program on failure. */
EVP_PKEY *tu_keygen(const char *type, unsigned rsa_bits);

/* The public JWK of key as a JSON object text; kid and alg may be NULL (omitted). */
char *tu_jwk(EVP_PKEY *key, const char *kid, const char *alg);

/* {"keys":[jwk0, jwk1, ...]} from n JWK texts. */
char *tu_jwks(const char *const *jwks, size_t n);

/* Compact JWS of the given header and payload JSON texts, signed with key for alg
 * (alg decides the hash and padding; key must fit). */
char *tu_sign(const char *header, const char *payload, EVP_PKEY *key, enum fedjit_jose_alg alg);

/* header.payload.HMAC-SHA256(secret): the "HS256 keyed with the public key" attack. */
char *tu_sign_hs256(const char *header, const char *payload, const void *secret, size_t len);

/* The PEM SubjectPublicKeyInfo of key (what an attacker would use as the HMAC secret). */
char *tu_public_pem(EVP_PKEY *key);

/* base64url of a text. */
char *tu_b64(const char *s);

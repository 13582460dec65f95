/* SPDX-License-Identifier: Apache-2.0 */
/* JOSE building blocks shared by the JWKS, ID token and response parsers of the helper
 * program: the signature algorithm allow-list, strict base64url (RFC 7515 §2: no padding,
 * no whitespace, no characters outside the URL-safe alphabet) and strict JSON loading.
 *
 * This code belongs to the helper program only (pam/idp/libfedjit_idp.la); it is never linked
 * into pam_fedjit.so or the NSS module (ARCHITECTURE.md invariant 1). */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/types.h>

/* The only JWS algorithms fedjit accepts (RFC 7518 §3, RFC 8037 §3.1). "none", every
 * HS* algorithm and anything else are rejected before a key is looked at. */
enum fedjit_jose_alg {
	FEDJIT_JOSE_RS256,
	FEDJIT_JOSE_RS384,
	FEDJIT_JOSE_RS512,
	FEDJIT_JOSE_PS256,
	FEDJIT_JOSE_PS384,
	FEDJIT_JOSE_PS512,
	FEDJIT_JOSE_ES256,
	FEDJIT_JOSE_ES384,
	FEDJIT_JOSE_EDDSA, /* Ed25519 only */
	_FEDJIT_JOSE_ALG_MAX,
	FEDJIT_JOSE_ALG_INVALID = -EINVAL,
};

/* A set of algorithms as a bit mask (1u << alg); 0 means "every allowed algorithm". */
#define FEDJIT_JOSE_ALG_BIT(a) (1u << (unsigned)(a))
#define FEDJIT_JOSE_ALG_ALL    ((1u << _FEDJIT_JOSE_ALG_MAX) - 1u)

/* Maps "RS256" ... "EdDSA" (exact, case-sensitive) to the enum; anything else, including
 * "none" and "HS256", gives FEDJIT_JOSE_ALG_INVALID. */
enum fedjit_jose_alg fedjit_jose_alg_from_string(const char *s);
const char *fedjit_jose_alg_to_string(enum fedjit_jose_alg alg);
/* The digest the algorithm signs with (RFC 7518 §3.3-3.5): SHA-256/384/512 by the
 * number in its name; NULL for EdDSA, which hashes the message itself (RFC 8032). Used
 * alike to verify (jws.c) and to sign the client assertion (client_auth.c). */
const EVP_MD *fedjit_jose_alg_md(enum fedjit_jose_alg alg);

/* Strict base64url decoding without padding. Returns 0 and a malloc'd buffer (with one
 * extra NUL byte, not counted in *ret_len) or -EBADMSG for any character outside
 * [A-Za-z0-9_-], a '=' pad, an impossible length (len % 4 == 1) or non-zero unused bits. */
int fedjit_base64url_decode(const char *in, size_t len, unsigned char **ret, size_t *ret_len);
/* Encoding without padding; *ret is a NUL-terminated malloc'd string. */
int fedjit_base64url_encode(const unsigned char *in, size_t len, char **ret);

/* Nesting depth above which documents from the IdP are refused. jansson's own limit
 * (JSON_PARSER_MAX_DEPTH, 2048) is far too generous for an IdP response. */
#define FEDJIT_JSON_MAX_DEPTH 16

/* Loads an IdP-supplied JSON object: at most max_len bytes, an object at the top level,
 * duplicate keys rejected (JSON_REJECT_DUPLICATES), no NUL in strings, nesting at most
 * FEDJIT_JSON_MAX_DEPTH. Returns 0, -E2BIG (too long or too deep), -EBADMSG (not JSON, or
 * not an object) or -ENOMEM; on failure *ret_reason (if given) gets a malloc'd message. */
int fedjit_json_load_object(const char *data, size_t len, size_t max_len, json_t **ret,
                            char **ret_reason);

/* Reads an optional string member: 0 with *ret = NULL when absent, the borrowed string
 * when it is a string of 1..max_len bytes without control characters, -EBADMSG for a
 * wrong type or an empty string, -E2BIG when too long. */
int fedjit_json_get_string(json_t *obj, const char *key, size_t max_len, const char **ret);
/* Optional non-negative integer member: 0 with *ret = -1 when absent. Accepts only JSON
 * integers (a real or a string is -EBADMSG). */
int fedjit_json_get_int(json_t *obj, const char *key, int64_t *ret);

/* json_decref() that first zeroes every string value the call will free (values shared
 * with another reference survive untouched). For documents holding tokens, device codes or
 * personal data. The parser's own scratch buffer is out of this function's reach: the
 * helper installs a scrubbing allocator for that (json_scrub.h). */
void fedjit_json_decref_scrub(json_t *j);

/* printf into a malloc'd reason string for ret_reason out-parameters (NULL-safe: does
 * nothing when ret_reason is NULL). Returns r, so `return fedjit_reason(r, &p, ...)`. */
int fedjit_reason(int r, char **ret_reason, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

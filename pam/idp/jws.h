/* SPDX-License-Identifier: Apache-2.0 */
/* Compact JWS verification (RFC 7515 §5.2, RFC 7518 §3, RFC 8037 §3.1), internal to the
 * IdP library: idtoken.c uses it, then checks the claims. */
#pragma once

#include <stddef.h>

#include "pam/idp/jose.h"
#include "pam/idp/jwks.h"

struct fedjit_jws {
	enum fedjit_jose_alg alg;
	char *kid;              /* NULL if the header had none */
	unsigned char *payload; /* decoded, NUL-terminated, scrubbed by fedjit_jws_done() */
	size_t payload_len;
};

/* Splits, decodes and checks the header of compact (NUL-terminated, at most max_len bytes),
 * picks the key and verifies the signature. Return values as listed in idtoken.h (size,
 * syntax, algorithm, key, signature). On success *ret holds the verified payload. */
int fedjit_jws_verify(const char *compact, size_t max_len, const struct fedjit_jwks *jwks,
                      unsigned algs, struct fedjit_jws *ret, char **ret_reason);
void fedjit_jws_done(struct fedjit_jws *jws);

/* Verifies sig over data with key for alg (ECDSA signatures in the JWS form R || S). Returns
 * 0, -EPERM for a signature that does not verify, -ENOMEM. Exposed for tests. */
int fedjit_jws_verify_signature(const struct fedjit_jwk *key, enum fedjit_jose_alg alg,
                                const unsigned char *data, size_t data_len,
                                const unsigned char *sig, size_t sig_len);

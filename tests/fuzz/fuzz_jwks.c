/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for JWKS parsing (fedjit_jwks_parse) and key choice. The input is the
 * JWKS document as fetched from jwks_uri. */
#include <stdint.h>
#include <stdlib.h>

#include "pam/idp/jwks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fedjit_jwks *jwks = NULL;
	char *reason = NULL;

	int r = fedjit_jwks_parse((const char *)data, size, &jwks, &reason);
	if (r < 0) {
		if (!reason && r != -ENOMEM)
			abort();
		free(reason);
		return 0;
	}
	if (jwks->n_keys > FEDJIT_JWKS_MAX_KEYS)
		abort();
	for (size_t i = 0; i < jwks->n_keys; i++) {
		const struct fedjit_jwk *k = &jwks->keys[i], *found;
		if (!k->pkey)
			abort();
		if (k->type == FEDJIT_JWK_RSA &&
		    (k->bits < FEDJIT_JWK_RSA_MIN_BITS || k->bits > FEDJIT_JWK_RSA_MAX_BITS))
			abort();
		for (int a = 0; a < _FEDJIT_JOSE_ALG_MAX; a++) {
			/* A found key must fit the algorithm, whatever path chose it. */
			if (fedjit_jwks_find(jwks, k->kid, (enum fedjit_jose_alg)a, &found) == 0 &&
			    !fedjit_jwk_compatible(found, (enum fedjit_jose_alg)a))
				abort();
			if (fedjit_jwks_find(jwks, NULL, (enum fedjit_jose_alg)a, &found) == 0 &&
			    !fedjit_jwk_compatible(found, (enum fedjit_jose_alg)a))
				abort();
		}
	}
	fedjit_jwks_free(jwks);
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for OIDC discovery documents (fedjit_discovery_parse). The input is the
 * document; it is parsed for a fixed issuer, with and without a configured device endpoint. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pam/idp/discovery.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ISSUER "https://idp.example.test/realms/corp"

static void check_url(const char *url)
{
	if (url && (strncasecmp(url, "https://", 8) != 0 || fedjit_url_check_https(url, NULL) < 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const overrides[] = {NULL, "https://idp.example.test/device"};

	for (size_t i = 0; i < 2; i++) {
		struct fedjit_discovery *d = NULL;
		char *reason = NULL;
		static const char *const hosts[] = {"keys.example.test", NULL};
		int r = fedjit_discovery_parse((const char *)data, size, ISSUER, overrides[i],
		                               i ? hosts : NULL, &d, &reason);
		if (r < 0) {
			if (!reason && r != -ENOMEM)
				abort();
			free(reason);
			continue;
		}
		/* What the parser promises: the configured issuer, https endpoints only. */
		if (strcmp(d->issuer, ISSUER) != 0 || !d->token_endpoint || !d->jwks_uri ||
		    !d->device_authorization_endpoint)
			abort();
		check_url(d->token_endpoint);
		check_url(d->jwks_uri);
		check_url(d->device_authorization_endpoint);
		check_url(d->authorization_endpoint);
		check_url(d->userinfo_endpoint);
		if (d->id_token_algs & ~FEDJIT_JOSE_ALG_ALL)
			abort();
		fedjit_discovery_free(d);
	}
	return 0;
}

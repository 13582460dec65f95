/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for the device authorization and token endpoint responses. The first
 * byte chooses the parser ('D' device authorization, 'R' the refresh grant's token
 * response, anything else the token response); the rest is the response body. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pam/idp/token_response.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *reason = NULL;

	if (size == 0)
		return 0;
	const char *body = (const char *)data + 1;
	size_t len = size - 1;
	if (data[0] == 'D') {
		struct fedjit_device_auth *d = NULL;
		int r = fedjit_device_auth_parse(body, len, &d, &reason);
		if (r == 0) {
			if (d->err.error == FEDJIT_OAUTH_OK &&
			    (!d->device_code || !d->user_code || !d->verification_uri ||
			     d->interval < 1 || d->interval > FEDJIT_DEVICE_INTERVAL_MAX ||
			     d->expires_in < 1 || d->expires_in > FEDJIT_DEVICE_EXPIRES_MAX))
				abort();
			if (d->err.error != FEDJIT_OAUTH_OK &&
			    (!d->err.error_code || d->device_code))
				abort();
			fedjit_device_auth_free(d);
		} else if (!reason && r != -ENOMEM) {
			abort();
		}
	} else {
		struct fedjit_token_response *t = NULL;
		bool refresh = data[0] == 'R';
		int r = refresh ? fedjit_token_response_parse_refresh(body, len, &t, &reason)
		                : fedjit_token_response_parse(body, len, &t, &reason);
		if (r == 0) {
			/* only the refresh grant's answer may come without an ID token */
			if (t->err.error == FEDJIT_OAUTH_OK &&
			    (!t->access_token || (!refresh && !t->id_token) || !t->token_type))
				abort();
			if (t->refresh_expires_in < -1)
				abort();
			if (t->err.error != FEDJIT_OAUTH_OK &&
			    (!t->err.error_code || t->id_token ||
			     fedjit_oauth_error_from_string(t->err.error_code) != t->err.error))
				abort();
			fedjit_token_response_free(t);
		} else if (!reason && r != -ENOMEM) {
			abort();
		}
	}
	free(reason);
	return 0;
}

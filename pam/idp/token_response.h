/* SPDX-License-Identifier: Apache-2.0 */
/* The two JSON responses of the device grant, parsed strictly (types, sizes, characters):
 *
 * Device authorization response (RFC 8628 §3.2), HTTP 200:
 *   device_code (secret, <= 1024 bytes), user_code (<= 128), verification_uri (https,
 *   <= 2048; Google spells it "verification_url", accepted when the standard name is
 *   absent), verification_uri_complete (optional), expires_in (required, 1..86400 s),
 *   interval (optional, default 5, 1..600 s), message (optional, Entra ID: a ready-made
 *   sentence for the person; kept, <= 1024 bytes). An "error" member instead makes it an
 *   error response (RFC 6749 §5.2), reported like a token error below.
 *
 * Token response (RFC 6749 §5.1 / §5.2, OIDC Core §3.1.3.3):
 *   success: access_token, token_type, id_token required; expires_in, refresh_token, scope
 *            optional; refresh_expires_in optional (Keycloak: the refresh token's own
 *            lifetime, 0 for an offline token). Tokens are secrets: scrubbed on free.
 *   The refresh grant's response (RFC 6749 §6, OIDC Core §12.2) is the same except that
 *   id_token is optional (fedjit_token_response_parse_refresh).
 *   error:   error (required, RFC 6749 §5.2 charset, <= 128 bytes), error_description and
 *            error_uri optional. The code is kept and classified (enum below), since the
 *            polling loop must tell authorization_pending and slow_down from the end.
 * Either body <= FEDJIT_TOKEN_RESPONSE_MAX_SIZE; duplicate JSON members rejected. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "pam/idp/jose.h"

#define FEDJIT_DEVICE_AUTH_MAX_SIZE    (16 * 1024)
#define FEDJIT_TOKEN_RESPONSE_MAX_SIZE (256 * 1024)
#define FEDJIT_DEVICE_INTERVAL_DEFAULT 5
#define FEDJIT_DEVICE_INTERVAL_MAX     600
#define FEDJIT_DEVICE_EXPIRES_MAX      86400

enum fedjit_oauth_error {
	FEDJIT_OAUTH_OK = 0,
	FEDJIT_OAUTH_AUTHORIZATION_PENDING, /* keep polling */
	FEDJIT_OAUTH_SLOW_DOWN,             /* keep polling, interval += 5 s */
	FEDJIT_OAUTH_ACCESS_DENIED,         /* the person said no */
	FEDJIT_OAUTH_EXPIRED_TOKEN,         /* device code expired */
	FEDJIT_OAUTH_INVALID_GRANT,
	FEDJIT_OAUTH_INVALID_CLIENT,
	FEDJIT_OAUTH_INVALID_REQUEST,
	FEDJIT_OAUTH_INVALID_SCOPE,
	FEDJIT_OAUTH_UNAUTHORIZED_CLIENT,
	FEDJIT_OAUTH_UNSUPPORTED_GRANT_TYPE,
	FEDJIT_OAUTH_OTHER, /* any other code: see error_code */
};

/* "authorization_pending" -> FEDJIT_OAUTH_AUTHORIZATION_PENDING, ..., unknown -> OTHER. */
enum fedjit_oauth_error fedjit_oauth_error_from_string(const char *code);

struct fedjit_oauth_error_info {
	enum fedjit_oauth_error error; /* FEDJIT_OAUTH_OK when the response was a success */
	char *error_code;              /* the "error" string as sent, NULL on success */
	char *error_description;       /* NULL if absent; printable ASCII only, may be logged */
};

struct fedjit_device_auth {
	struct fedjit_oauth_error_info err; /* err.error != OK: no other field is set */
	char *device_code;                  /* secret: never log */
	char *user_code;
	char *verification_uri;
	char *verification_uri_complete; /* NULL if absent */
	char *message;                   /* NULL if absent */
	int64_t expires_in;
	int64_t interval;
};

struct fedjit_token_response {
	struct fedjit_oauth_error_info err; /* err.error != OK: no token field is set */
	char *access_token;                 /* secret */
	char *id_token;                     /* secret */
	char *refresh_token;                /* secret, NULL if absent */
	char *token_type;
	char *scope;                /* NULL if absent */
	int64_t expires_in;         /* -1 if absent */
	int64_t refresh_expires_in; /* -1 if absent */
};

/* Both return 0 with a new struct for a well-formed success or error response (check
 * ->err.error), or -E2BIG, -EBADMSG (bad JSON, wrong type, missing member, bad value),
 * -EPROTO (verification_uri not https), -ENOMEM; on failure *ret_reason (if non-NULL) gets a
 * malloc'd message without secrets. The body is not modified; the caller scrubs it. */
int fedjit_device_auth_parse(const char *data, size_t len, struct fedjit_device_auth **ret,
                             char **ret_reason);
void fedjit_device_auth_free(struct fedjit_device_auth *d);

int fedjit_token_response_parse(const char *data, size_t len, struct fedjit_token_response **ret,
                                char **ret_reason);
/* The refresh grant's response: as above, but id_token may be absent (t->id_token NULL). */
int fedjit_token_response_parse_refresh(const char *data, size_t len,
                                        struct fedjit_token_response **ret, char **ret_reason);
void fedjit_token_response_free(struct fedjit_token_response *t);

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OAuth client authentication for the device authorization and token requests
 * (RFC 6749 §2.3, OIDC Core §9, RFC 7523):
 *   none                 client_id in the form (public client)
 *   client_secret_basic  HTTP Basic with form-urlencoded id and secret (RFC 6749 §2.3.1)
 *   client_secret_post   client_id and client_secret in the form
 *   private_key_jwt      client_assertion_type + client_assertion: a JWT signed with the
 *                        configured PEM key (RS256/384/512, PS256/384/512, ES256/384, EdDSA)
 *                        iss = sub = client_id, aud = the token endpoint, jti random,
 *                        iat now, exp now + 60 s.
 *
 * Why not liboauth2's oauth2_http_ctx_auth_add(): its Basic credentials go into an opaque
 * oauth2_http_call_ctx_t that only oauth2_http_call() can use (and that call follows
 * redirects, see http.h); its private_key_jwt takes a JWK (not the PEM file
 * administrators have), signs RS256 only and refuses non-RSA keys. The assertion is
 * therefore signed here with OpenSSL 3 (already a helper dependency).
 *
 * The secret and the key are passed in memory: the root parent read them from root-only
 * files before the network child dropped privileges.
 */
#pragma once

#include "common/config.h"

struct fedjit_client_auth_params {
	enum fedjit_client_auth method;
	const char *client_id;
	const char *secret;   /* client_secret_*: the secret; NULL otherwise */
	const char *key_pem;  /* private_key_jwt: the PEM private key */
	const char *key_alg;  /* private_key_jwt: "RS256" (default), ... */
	const char *audience; /* private_key_jwt: the token endpoint */
};

/* Adds the client's credentials to a request: form parameters appended to *form (see
 * fedjit_form_add), and for client_secret_basic *ret_basic_user / *ret_basic_password
 * (malloc'd, form-urlencoded; secret: scrub). Returns 0, -EINVAL (missing secret or key,
 * bad alg, key not matching alg) with a reason, or -ENOMEM. */
int fedjit_client_auth_apply(const struct fedjit_client_auth_params *p, char **form,
                             char **ret_basic_user, char **ret_basic_password, char **ret_reason);

/* The signed client assertion alone (for tests). */
int fedjit_client_assertion(const char *key_pem, const char *alg, const char *client_id,
                            const char *audience, long now, char **ret, char **ret_reason);

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The network child's work: one device-flow login against one IdP (RFC 8628 with OIDC).
 *
 *   1. discovery: the cached document when the parent had a fresh one, else GET
 *      ISSUER/.well-known/openid-configuration (issuer checked, sent to the parent);
 *   2. JWKS: the cached set, else GET jwks_uri (sent to the parent);
 *   3. device authorization request (client auth, scope, acr_values) -> msg=device;
 *   4. token polling every `interval` s (default 5; slow_down adds 5 s), until success,
 *      access_denied, expired_token, another error, the device code's expiry or the
 *      deadline;
 *   5. ID token verification (fedjit_idtoken_verify); an unknown kid refetches the JWKS
 *      once when the parent allowed it (rate limit) and the keys in hand are older than
 *      the token request (the JWKS fetched at step 2 may predate a key the IdP
 *      published while the person signed in), and verifies again;
 *   6. optional userinfo (claims missing from the ID token, matched on sub);
 *   7. msg=identity, or msg=fail with a status and a reason at any step.
 * Everything goes to the parent over ipc_fd (ipc.h). Nothing is logged here: reasons
 * travel to the parent, which logs them; secrets never leave this process except the
 * user code inside msg=device (the person must see it).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/config.h"
#include "pam/helper/client_auth.h"
#include "pam/helper/http.h"

struct fedjit_flow {
	const struct fedjit_idp *idp;
	int ipc_fd;
	struct fedjit_http http;      /* CA blob set by the parent */
	const char *cached_discovery; /* NULL: fetch */
	size_t cached_discovery_len;
	const char *cached_jwks; /* NULL: fetch */
	size_t cached_jwks_len;
	bool jwks_refetch_allowed;
	struct fedjit_client_auth_params auth;
	uint64_t deadline_usec; /* fedjit_proto_now_usec() clock */
	bool debug;
	bool send_claims; /* login-test: msg=claims (claims.h) before msg=identity */
	/* op=revalidate (fedjit_refresh_run): the refresh token kept from the account's
	 * last login (a secret: scrubbed by the caller) and the account's subject. */
	const char *refresh_token;
	const char *subject;
};

/* Runs the login; returns 0 when a final message (identity or fail) was sent to the
 * parent, a negative errno when even that failed. */
int fedjit_flow_run(struct fedjit_flow *f);

/* op=idp-test instead of a login (idp_test.c): msg=check per step, then msg=tested. */
int fedjit_idp_test_run(struct fedjit_flow *f);

/*
 * op=revalidate instead of a login (refresh_flow.c): the refresh grant (RFC 6749 §6,
 * OIDC Core §12) with f->refresh_token, through the same discovery, client
 * authentication and ID token checks as a login:
 *   1. discovery and JWKS (cached or fetched, sent to the parent as for a login);
 *   2. POST token_endpoint grant_type=refresh_token refresh_token= (client auth as
 *      configured; no scope: the grant's own);
 *   3. a new ID token, when one comes, is verified exactly like a login's (signature,
 *      iss, aud/azp, exp/iat with leeway, required_acr) and, per OIDC Core §12.2, must
 *      carry the account's subject and no nonce (the device grant had none); then
 *      UserInfo when configured, as at a login;
 *   4. without a new ID token (RFC 6749 §6 allows it), the claims from UserInfo with
 *      the new access token, its sub the account's (another subject: disabled);
 *   5. msg=identity with the claims (and the rotated refresh token, if the IdP sent
 *      one), or, with neither an ID token nor UserInfo claims, msg=identity issuer=
 *      subject= claims=0 claims_missing=WHY (the grant is alive, nothing else is
 *      known) with the rotated token; msg=fail status=disabled for invalid_grant
 *      (revoked, expired, the person disabled), an HTTP 400 with an empty body once
 *      the IdP showed it accepts the client (refresh_empty_400; refresh_flow.c says
 *      how) or an ID token or UserInfo for another subject; status=unreachable for
 *      the network; status=error for anything else (a configuration problem is no
 *      reason to lock anyone).
 */
int fedjit_refresh_run(struct fedjit_flow *f);

/* SPDX-License-Identifier: Apache-2.0 */
/* OpenID Provider metadata (OIDC Discovery 1.0 §3, RFC 8414, RFC 8628 §4) as served at
 * ISSUER/.well-known/openid-configuration, validated before anything in it is used.
 *
 * Rules:
 *  - "issuer" must equal the configured issuer byte for byte (OIDC Discovery §4.3): no
 *    trailing-slash or case folding, so a document served for another issuer is refused.
 *    (Entra ID's multi-tenant documents, issuer ".../{tenantid}/v2.0", therefore never
 *    match: configure the tenant's own issuer.)
 *  - Required: "issuer", "token_endpoint", "jwks_uri", and a device authorization endpoint
 *    (the document's "device_authorization_endpoint", or the override argument when the
 *    IdP does not list it; the override wins when both exist).
 *  - Every endpoint used (and every optional one kept) is an absolute https URL with a
 *    host, no fragment, no userinfo, no whitespace or control characters, <= 2048 bytes.
 *  - Every endpoint of the document is on the issuer's host, or on one of the hosts the
 *    IdP's configuration lists (endpoint_hosts: Google's token endpoint is on
 *    oauth2.googleapis.com, its keys on www.googleapis.com). Host names compare without
 *    regard to case; ports do not matter. A document that names any other host is
 *    refused (-EPERM): whoever could hand one over (a network child exploited through
 *    curl or OpenSSL, a wrong document in the cache) would otherwise send every later
 *    login's device request, token request and key fetch to a host of their choosing.
 *    The configured device endpoint (root's configuration) is not checked.
 *  - Optional lists, kept as bit sets: "id_token_signing_alg_values_supported" (only
 *    allow-listed algorithms are kept; an IdP that lists none of them is refused, since no
 *    token it issues could be verified) and "token_endpoint_auth_methods_supported"
 *    (RFC 8414 default when absent: client_secret_basic).
 *  - Document <= FEDJIT_DISCOVERY_MAX_SIZE, JSON depth and duplicate rules of jose.h.
 *
 * Known IdPs: Keycloak, Okta, Authentik, Entra ID (v2.0 endpoint, ".../oauth2/v2.0/devicecode")
 * and Google (https://oauth2.googleapis.com/device/code) list the device endpoint in their
 * discovery documents; older or custom deployments may not, hence the override. */
#pragma once

#include <stddef.h>

#include "pam/idp/jose.h"

#define FEDJIT_DISCOVERY_MAX_SIZE (256 * 1024)
#define FEDJIT_URL_MAX_LEN        2048

/* token_endpoint_auth_methods_supported, as bits. */
enum {
	FEDJIT_AUTH_METHOD_NONE = 1u << 0,
	FEDJIT_AUTH_METHOD_CLIENT_SECRET_BASIC = 1u << 1,
	FEDJIT_AUTH_METHOD_CLIENT_SECRET_POST = 1u << 2,
	FEDJIT_AUTH_METHOD_PRIVATE_KEY_JWT = 1u << 3,
	FEDJIT_AUTH_METHOD_CLIENT_SECRET_JWT = 1u << 4,
};

struct fedjit_discovery {
	char *issuer;
	char *token_endpoint;
	char *jwks_uri;
	char *device_authorization_endpoint; /* from the document or the override */
	char *authorization_endpoint;        /* NULL if absent */
	char *userinfo_endpoint;             /* NULL if absent */
	unsigned id_token_algs;              /* FEDJIT_JOSE_ALG_BIT set; 0 = not advertised */
	unsigned auth_methods;               /* FEDJIT_AUTH_METHOD_* set */
};

/* Parses and validates a discovery document of len bytes for the configured issuer.
 * device_endpoint_override: NULL, or the configured device authorization endpoint (must be
 * https too). endpoint_hosts: NULL-terminated host names endpoints may be on besides the
 * issuer's (may be NULL). Returns 0 and a new struct, -EACCES on an issuer mismatch,
 * -EPERM for an endpoint on another host, -EPROTO for a
 * non-https or malformed URL, -ENOENT for a missing required member (incl. no device
 * endpoint), -EBADMSG for bad JSON or wrong types, -E2BIG over a limit, -ENOMEM; on failure
 * *ret_reason (if non-NULL) gets a malloc'd message. */
int fedjit_discovery_parse(const char *data, size_t len, const char *issuer,
                           const char *device_endpoint_override, const char *const *endpoint_hosts,
                           struct fedjit_discovery **ret, char **ret_reason);
void fedjit_discovery_free(struct fedjit_discovery *d);

/* The URL check used above, for configured URLs: 0, or -EPROTO with a reason. */
int fedjit_url_check_https(const char *url, char **ret_reason);

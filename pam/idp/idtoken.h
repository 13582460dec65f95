/* SPDX-License-Identifier: Apache-2.0 */
/* OpenID Connect ID token validation (OIDC Core §3.1.3.7 with the device grant of RFC 8628):
 * a compact JWS (RFC 7515) signed with an allow-listed asymmetric algorithm (jose.h),
 * verified with the JWKS key chosen by "kid", then every claim fedjit relies on.
 *
 * Order of checks, each failure with its own return value and a reason for the log:
 *   size (<= FEDJIT_IDTOKEN_MAX_SIZE)                          -E2BIG
 *   exactly three base64url parts, JSON header and payload    -EBADMSG
 *     (duplicate members, depth > FEDJIT_JSON_MAX_DEPTH, wrong types: -EBADMSG / -E2BIG)
 *   header: alg in the allow-list and in expect->algs, no "crit", typ absent or "JWT"
 *                                                             -EOPNOTSUPP
 *   key by kid (jwks.h fedjit_jwks_find)                      -ENOKEY (unknown kid: refetch
 *                                                             the JWKS once, then retry)
 *   key type/curve/pinned alg matches alg                     -EKEYREJECTED
 *   signature                                                 -EPERM   ("signature ...")
 *   claims: iss == expect->issuer (byte-exact)                -EACCES  ("iss ...")
 *           aud (string or array) contains client_id           -EACCES  ("aud ...")
 *           azp == client_id when present, required when aud has several values
 *                                                             -EACCES  ("azp ...")
 *           sub present, 1..255 bytes                         -EBADMSG ("sub ...")
 *           exp required, now < exp + leeway                  -ETIME   ("exp ...")
 *           nbf (optional) <= now + leeway                    -ETIME   ("nbf ...")
 *           iat required, <= now + leeway                     -ETIME   ("iat ...")
 *           nonce == expect->nonce when expect->nonce is set  -EACCES  ("nonce ...")
 *           auth_time required and now - auth_time <= max_age + leeway when
 *           expect->max_age >= 0                              -ETIME   ("auth_time ...")
 *           acr in expect->acr_values when that list is set   -EACCES  ("acr ...")
 *   claim limits: <= FEDJIT_IDTOKEN_MAX_CLAIMS members, strings <= FEDJIT_CLAIM_MAX_LEN,
 *           groups <= FEDJIT_IDTOKEN_MAX_GROUPS names of <= FEDJIT_GROUP_MAX_LEN bytes
 *                                                             -E2BIG
 *   groups claim (expect->groups_claim): absent or null (no groups), an array of
 *           non-empty strings, or one string taken as one group name; a string with
 *           a comma, semicolon, tab or line break reads as a joined list and is
 *           refused, as is any other type                     -EBADMSG ("groups ...")
 * Any other value: -ENOMEM. The reason never contains the token or its signature. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "pam/idp/jose.h"
#include "pam/idp/jwks.h"

#define FEDJIT_IDTOKEN_MAX_SIZE   (64 * 1024)
#define FEDJIT_IDTOKEN_MAX_CLAIMS 256
#define FEDJIT_CLAIM_MAX_LEN      4096
#define FEDJIT_SUB_MAX_LEN        255
#define FEDJIT_IDTOKEN_MAX_GROUPS 512
#define FEDJIT_GROUP_MAX_LEN      256

struct fedjit_idtoken_expect {
	const char *issuer;            /* required: compared byte for byte */
	const char *client_id;         /* required */
	int64_t now;                   /* seconds since the epoch */
	unsigned leeway;               /* seconds of clock skew tolerated (e.g. 60) */
	unsigned algs;                 /* FEDJIT_JOSE_ALG_BIT set; 0 = every allowed alg */
	const char *const *acr_values; /* NULL-terminated; NULL = acr not checked */
	const char *nonce;             /* NULL = not checked (the device grant has no nonce) */
	int64_t max_age;               /* < 0 = not checked */
	const char *groups_claim;      /* NULL = "groups" */
};

/* A verified ID token. Every string is owned by the struct. */
struct fedjit_idtoken {
	char *iss;
	char *sub;
	char **aud; /* n_aud entries */
	size_t n_aud;
	char *azp;      /* NULL if absent */
	char *acr;      /* NULL if absent */
	char *amr_json; /* NULL if absent; the amr array as compact JSON, for logs */
	int64_t exp, iat;
	int64_t nbf;              /* -1 if absent */
	int64_t auth_time;        /* -1 if absent */
	char *preferred_username; /* NULL if absent or not a string */
	char *name;               /* NULL if absent or not a string */
	char *email;              /* NULL if absent or not a string */
	int email_verified;       /* -1 absent, 0 false, 1 true */
	char **groups;            /* from expect->groups_claim: strings only, n_groups entries */
	size_t n_groups;
	enum fedjit_jose_alg alg; /* what the token was signed with */
	char *kid;                /* NULL if the header had none */
	json_t *claims;           /* the whole payload object, owned; read, do not modify */
};

/* Verifies compact_jws (NUL-terminated). On success *ret is a new token; on failure the
 * return value is listed above and *ret_reason (if non-NULL) gets a malloc'd reason. */
int fedjit_idtoken_verify(const char *compact_jws, const struct fedjit_jwks *jwks,
                          const struct fedjit_idtoken_expect *expect, struct fedjit_idtoken **ret,
                          char **ret_reason);

/* Scrubs and frees everything (claims are personal data). NULL-safe. */
void fedjit_idtoken_free(struct fedjit_idtoken *token);

/* A claim as a string (for configurable claim mappings such as username_claim = upn):
 * the borrowed string, or NULL when absent or not a string. */
const char *fedjit_idtoken_claim_string(const struct fedjit_idtoken *token, const char *name);

/*
 * True when the groups claim is absent and the claims point at it elsewhere instead:
 * a distributed claim (OIDC Core §5.6.2, "_claim_names": {"<claim>": "<source>"}).
 * Entra ID does this for a user in more than 200 groups (its "groups overage"; in
 * the implicit flow it sends "hasgroups": true instead, also taken here); the
 * list would have to be fetched from Microsoft Graph, which fedjit does not do.
 */
bool fedjit_idtoken_groups_elsewhere(const struct fedjit_idtoken *token, const char *groups_claim);

/* Fills claims missing from the ID token from a UserInfo response (OIDC Core §5.3.2):
 * its "sub" must equal token->sub (-EACCES otherwise); ID token claims always win;
 * preferred_username, name, email, email_verified and the groups claim are refreshed in
 * the struct. Same limits as the token (-E2BIG, -EBADMSG). */
int fedjit_idtoken_merge_userinfo(struct fedjit_idtoken *token, const char *data, size_t len,
                                  const char *groups_claim, char **ret_reason);

/* The claims of a refresh answered without an ID token (RFC 6749 §6, OIDC Core §12.2):
 * a token struct whose claims are the UserInfo response's alone, iss and sub the given
 * issuer and subject. Nothing in it is signed: UserInfo came over verified TLS from the
 * IdP's endpoint, as with merge_userinfo above. Its "sub" must equal subject (-EACCES
 * otherwise, OIDC Core §5.3.2); same limits and groups rules as a token (-E2BIG,
 * -EBADMSG); exp, iat, alg and kid are not set (0, NULL). */
int fedjit_idtoken_from_userinfo(const char *data, size_t len, const char *issuer,
                                 const char *subject, const char *groups_claim,
                                 struct fedjit_idtoken **ret, char **ret_reason);

#define FEDJIT_USERINFO_MAX_SIZE (256 * 1024)

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inside the network child: the steps a device-flow login (device_flow.c) and a
 * revalidation's refresh grant (refresh_flow.c) share (flow_private.h): messages to the
 * parent, the IdP's documents, requests with client authentication, the ID token check
 * with its one JWKS refetch, UserInfo, and msg=identity.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/escape.h"
#include "common/macro.h"
#include "pam/helper/flow_private.h"
#include "pam/helper/ipc.h"
#include "pam/idp/discovery.h"
#include "pam/idp/idtoken.h"
#include "pam/idp/jwks.h"
#include "pam/idp/token_response.h"
#include "pam/proto/proto.h"

int fedjit_flow_send(struct run *r)
{
	return fedjit_ipc_send(r->f->ipc_fd, FEDJIT_IPC_MSG, r->msg->buf, r->msg->len);
}

int fedjit_flow_debug(struct run *r, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	if (!r->f->debug)
		return 0;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (fedjit_msg_start(r->msg, "debug") < 0 || fedjit_msg_add(r->msg, "text", text) < 0)
		return -EINVAL;
	return fedjit_flow_send(r);
}

/* Ends the run with msg=fail. reason is for the administrator's log (no secrets); the
 * status decides the message the person sees (the module words it). Returns STOPPED when
 * sent, a negative errno when not: either way the run is over. */
int fedjit_flow_fail(struct run *r, const char *status, const char *fmt, ...)
{
	char reason[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	/* IdP text is escaped where it is quoted; this is the net for the rest (the codec
	 * refuses control characters, the log must not get them). */
	if (fedjit_msg_start(r->msg, "fail") < 0 || fedjit_msg_add(r->msg, "status", status) < 0 ||
	    fedjit_msg_add(r->msg, "log",
	                   fedjit_escape((char[sizeof(reason)]){0}, sizeof(reason), reason,
	                                 FEDJIT_ESCAPE_LINE)) < 0)
		return -EINVAL;
	return fedjit_flow_send(r) ?: STOPPED;
}

uint64_t fedjit_flow_remaining_ms(struct run *r)
{
	uint64_t now = fedjit_proto_now_usec();

	return now >= r->f->deadline_usec ? 0 : (r->f->deadline_usec - now) / 1000;
}

/* Each request gets the configured timeout, cut to what is left of the deadline. */
static bool arm_timeout(struct run *r)
{
	uint64_t left = fedjit_flow_remaining_ms(r), per = (uint64_t)r->f->idp->http_timeout * 1000;

	if (left == 0)
		return false;
	if (per == 0 || per > left)
		per = left;
	r->f->http.timeout_ms = (unsigned)per;
	return true;
}

/* Maps a transport error to a result status. */
static const char *http_status(int err)
{
	switch (err) {
	case -ECONNREFUSED:
	case -EHOSTUNREACH:
	case -ETIMEDOUT:
		return "unreachable";
	default:
		return "error";
	}
}

/* An HTTP answer other than 200 (or a 4xx OAuth error): an error of the login; for a
 * revalidation a 5xx is the IdP being down, which changes nothing (unreachable). */
static const char *server_status(const struct run *r, long status)
{
	return r->f->refresh_token && status >= 500 && status <= 599 ? "unreachable" : "error";
}

static int get_doc(struct run *r, const char *what, const char *url, size_t max,
                   struct fedjit_http_response *resp)
{
	char *reason = NULL;
	int e;

	if (!arm_timeout(r))
		return fedjit_flow_fail(r, "timeout", "deadline reached before fetching the %s",
		                        what);
	e = fedjit_http_get(&r->f->http, url, max, resp, &reason);
	if (e < 0) {
		e = fedjit_flow_fail(r, http_status(e), "%s: %s", what,
		                     reason ? reason : strerror(-e));
		free(reason);
		return e;
	}
	if (resp->status != 200) {
		long status = resp->status;

		fedjit_http_response_clear(resp);
		return fedjit_flow_fail(r, server_status(r, status), "%s: %s answered HTTP %ld",
		                        what, url, status);
	}
	return 0;
}

static int load_discovery(struct run *r)
{
	const struct fedjit_idp *idp = r->f->idp;
	struct fedjit_http_response resp = {0};
	char *reason = NULL, *url = NULL;
	int e;

	if (r->f->cached_discovery &&
	    fedjit_discovery_parse(r->f->cached_discovery, r->f->cached_discovery_len, idp->issuer,
	                           idp->device_authorization_endpoint,
	                           (const char *const *)idp->endpoint_hosts, &r->disc, NULL) == 0) {
		fedjit_flow_debug(r, "discovery from the cache");
		return 0;
	}
	fedjit_flow_debug(r, "discovery: fetching");

	/* OIDC Discovery §4: the issuer with any trailing slash removed, plus the path. */
	if (asprintf(&url, "%.*s/.well-known/openid-configuration",
	             (int)(strlen(idp->issuer) -
	                   (idp->issuer[0] && idp->issuer[strlen(idp->issuer) - 1] == '/')),
	             idp->issuer) < 0)
		return -ENOMEM;
	e = get_doc(r, "discovery document", url, FEDJIT_DISCOVERY_MAX_SIZE, &resp);
	free(url);
	if (e != 0)
		return e;
	e = fedjit_discovery_parse(resp.body, resp.len, idp->issuer,
	                           idp->device_authorization_endpoint,
	                           (const char *const *)idp->endpoint_hosts, &r->disc, &reason);
	if (e < 0) {
		e = fedjit_flow_fail(r, "error", "discovery document refused: %s",
		                     reason ? reason : strerror(-e));
		free(reason);
		fedjit_http_response_clear(&resp);
		return e;
	}
	e = fedjit_ipc_send(r->f->ipc_fd, FEDJIT_IPC_DISCOVERY, resp.body, resp.len);
	fedjit_http_response_clear(&resp);
	return e;
}

static int fetch_jwks(struct run *r, uint32_t ipc_type)
{
	struct fedjit_http_response resp = {0};
	struct fedjit_jwks *jwks = NULL;
	char *reason = NULL;
	int e;

	e = get_doc(r, "JWKS", r->disc->jwks_uri, FEDJIT_JWKS_MAX_SIZE, &resp);
	if (e != 0)
		return e;
	e = fedjit_jwks_parse(resp.body, resp.len, &jwks, &reason);
	if (e < 0) {
		e = fedjit_flow_fail(r, "error", "JWKS refused: %s",
		                     reason ? reason : strerror(-e));
		free(reason);
		fedjit_http_response_clear(&resp);
		return e;
	}
	fedjit_jwks_free(r->jwks);
	r->jwks = jwks;
	r->jwks_fetched_usec = fedjit_proto_now_usec();
	e = fedjit_ipc_send(r->f->ipc_fd, ipc_type, resp.body, resp.len);
	fedjit_http_response_clear(&resp);
	return e;
}

static int load_jwks(struct run *r)
{
	if (r->f->cached_jwks &&
	    fedjit_jwks_parse(r->f->cached_jwks, r->f->cached_jwks_len, &r->jwks, NULL) == 0)
		return 0;
	return fetch_jwks(r, FEDJIT_IPC_JWKS);
}

/* POSTs form (plus client authentication) to url; the body of an HTTP 200 or 4xx answer
 * (the ones that may carry an OAuth response) comes back in resp. RFC 6749 puts errors
 * in 400 and 401, but Google's device flow answers authorization_pending with 428 and
 * slow_down with 403; the caller refuses a 4xx body that is not an OAuth error
 * (not_oauth_error). Returns 0, or != 0 after fedjit_flow_fail() was sent (or the send failed). */
int fedjit_flow_post(struct run *r, const char *what, const char *url, char *form,
                     struct fedjit_http_response *resp)
{
	char *user = NULL, *pass = NULL, *reason = NULL;
	struct fedjit_client_auth_params auth = r->f->auth;
	int e;

	auth.audience = r->disc->token_endpoint;
	e = fedjit_client_auth_apply(&auth, &form, &user, &pass, &reason);
	if (e < 0) {
		e = fedjit_flow_fail(r, "error", "client authentication: %s",
		                     reason ? reason : strerror(-e));
		goto out;
	}
	if (!arm_timeout(r)) {
		e = fedjit_flow_fail(r, "timeout", "deadline reached before the %s", what);
		goto out;
	}
	e = fedjit_http_post_form(&r->f->http, url, form, user, pass,
	                          FEDJIT_TOKEN_RESPONSE_MAX_SIZE, resp, &reason);
	if (e < 0) {
		e = fedjit_flow_fail(r, http_status(e), "%s: %s", what,
		                     reason ? reason : strerror(-e));
	} else if (resp->status != 200 && (resp->status < 400 || resp->status > 499)) {
		long status = resp->status;

		fedjit_http_response_clear(resp);
		e = fedjit_flow_fail(r, server_status(r, status), "%s: HTTP %ld", what, status);
	}
out:
	free(reason);
	free(user);
	fedjit_secret_free(pass);
	fedjit_secret_free(form);
	return e;
}

/* A 4xx answer whose body parsed but is no OAuth error response. */
int fedjit_flow_not_oauth_error(struct run *r, const char *what, long status)
{
	return fedjit_flow_fail(r, "error", "%s: HTTP %ld without an OAuth error", what, status);
}

int fedjit_flow_verify(struct run *r, const struct fedjit_token_response *t,
                       struct fedjit_idtoken **ret)
{
	const struct fedjit_idp *idp = r->f->idp;
	char *acr_copy = NULL, *acr_list[33] = {NULL}, *reason = NULL, *save = NULL;
	struct fedjit_idtoken_expect expect = {
	        .issuer = idp->issuer,
	        .client_id = idp->client_id,
	        .leeway = idp->leeway,
	        .algs = r->disc->id_token_algs,
	        .max_age = -1,
	        .groups_claim = idp->groups_claim,
	};
	int e;

	if (idp->required_acr) {
		size_t n = 0;

		acr_copy = strdup(idp->required_acr);
		if (!acr_copy)
			return -ENOMEM;
		for (char *tok = strtok_r(acr_copy, " \t", &save); tok && n < 32;
		     tok = strtok_r(NULL, " \t", &save))
			acr_list[n++] = tok;
		expect.acr_values = (const char *const *)acr_list;
	}
	expect.now = (int64_t)time(NULL);
	e = fedjit_idtoken_verify(t->id_token, r->jwks, &expect, ret, &reason);
	/* An unknown key: the IdP may have rotated its keys while the person was signing in.
	 * One refetch, only when the keys in hand are older than the token request (so at
	 * most once per run) and the parent's rate limit allows it (cache.h). */
	if (e == -ENOKEY && r->f->jwks_refetch_allowed &&
	    r->jwks_fetched_usec < r->token_sent_usec) {
		free(reason);
		reason = NULL;
		fedjit_flow_debug(r, "unknown key id in the ID token: refetching the JWKS");
		e = fetch_jwks(r, FEDJIT_IPC_JWKS_REFETCHED);
		if (e != 0) {
			free(acr_copy);
			return e;
		}
		expect.now = (int64_t)time(NULL);
		e = fedjit_idtoken_verify(t->id_token, r->jwks, &expect, ret, &reason);
	}
	free(acr_copy);
	if (e < 0) {
		e = fedjit_flow_fail(r, "error", "ID token refused: %s",
		                     reason ? reason : strerror(-e));
		free(reason);
		return e;
	}
	return 0;
}

static int check_groups_elsewhere(struct run *r, const struct fedjit_idtoken *tok);

/* GETs the UserInfo endpoint with the access token: 0 with an HTTP 200 body in resp;
 * else the status a failure would have (the transport's, "error" for another HTTP
 * status, "timeout") and *ret_why (malloc'd, no secrets), nothing sent. */
static int get_userinfo(struct run *r, const char *access_token, struct fedjit_http_response *resp,
                        const char **ret_status, char **ret_why)
{
	char *reason = NULL;
	int e;

	*ret_why = NULL;
	if (!arm_timeout(r)) {
		*ret_status = "timeout";
		return fedjit_reason(-ETIMEDOUT, ret_why, "deadline reached before the request");
	}
	e = fedjit_http_get_bearer(&r->f->http, r->disc->userinfo_endpoint, access_token,
	                           FEDJIT_USERINFO_MAX_SIZE, resp, &reason);
	if (e < 0) {
		*ret_status = http_status(e);
		e = fedjit_reason(e, ret_why, "%s", reason ? reason : strerror(-e));
		free(reason);
		return e;
	}
	if (resp->status != 200) {
		long status = resp->status;

		fedjit_http_response_clear(resp);
		*ret_status = "error";
		return fedjit_reason(-EPROTO, ret_why, "HTTP %ld", status);
	}
	return 0;
}

static int userinfo(struct run *r, const struct fedjit_token_response *t,
                    struct fedjit_idtoken *tok)
{
	struct fedjit_http_response resp = {0};
	const char *status = "error";
	char *reason = NULL;
	int e;

	if (!r->f->idp->userinfo || !r->disc->userinfo_endpoint)
		return 0;
	e = get_userinfo(r, t->access_token, &resp, &status, &reason);
	if (e < 0) {
		e = fedjit_flow_fail(r, status, "userinfo: %s", reason ? reason : strerror(-e));
		free(reason);
		return e;
	}
	e = fedjit_idtoken_merge_userinfo(tok, resp.body, resp.len, r->f->idp->groups_claim,
	                                  &reason);
	fedjit_http_response_clear(&resp);
	if (e < 0) {
		e = fedjit_flow_fail(r, "error", "userinfo refused: %s",
		                     reason ? reason : strerror(-e));
		free(reason);
		return e;
	}
	return 0;
}

int fedjit_flow_userinfo_only(struct run *r, const struct fedjit_token_response *t,
                              struct fedjit_idtoken **ret, char *why, size_t why_size)
{
	struct fedjit_http_response resp = {0};
	const char *status = "error";
	char *reason = NULL;
	int e;

	*ret = NULL;
	if (!r->disc->userinfo_endpoint) {
		snprintf(why, why_size, "the IdP has no userinfo_endpoint");
		return 0;
	}
	e = get_userinfo(r, t->access_token, &resp, &status, &reason);
	if (e < 0) {
		snprintf(why, why_size, "UserInfo: %s", reason ? reason : strerror(-e));
		free(reason);
		return 0;
	}
	e = fedjit_idtoken_from_userinfo(resp.body, resp.len, r->f->idp->issuer, r->f->subject,
	                                 r->f->idp->groups_claim, ret, &reason);
	fedjit_http_response_clear(&resp);
	if (e == -EACCES) {
		/* as a refreshed ID token for another subject: the grant is not this
		 * account's any more */
		free(reason);
		return fedjit_flow_fail(r, "disabled",
		                        "the UserInfo answer after the refresh is for another "
		                        "subject");
	}
	if (e < 0) {
		e = fedjit_flow_fail(r, "error", "UserInfo after the refresh refused: %s",
		                     reason ? reason : strerror(-e));
		free(reason);
		return e;
	}
	e = check_groups_elsewhere(r, *ret);
	if (e != 0) {
		fedjit_idtoken_free(*ret);
		*ret = NULL;
	}
	return e;
}

/*
 * The groups claim is only a pointer to the list (Entra ID's groups overage, above
 * 200 groups): when the configuration decides anything by groups, the login fails
 * here, closed and with the reason, rather than run with no groups (allowed_groups
 * would refuse without saying why, a group re-sync would strip every mapped group).
 * When no setting uses groups, nothing depends on the list and the login goes on.
 */
static int check_groups_elsewhere(struct run *r, const struct fedjit_idtoken *tok)
{
	const struct fedjit_idp *idp = r->f->idp;

	if (!fedjit_idtoken_groups_elsewhere(tok, idp->groups_claim) ||
	    (!idp->allowed_groups && idp->n_group_map == 0 && !idp->create_groups))
		return 0;
	return fedjit_flow_fail(
	        r, "error",
	        "the ID token has no %s claim, only a reference to it (_claim_names, as "
	        "Entra ID sends for more than 200 groups), and allowed_groups, group_map "
	        "or create_groups need the list: let the IdP send fewer groups (Entra ID: "
	        "groupMembershipClaims = ApplicationGroup, groups assigned to the "
	        "application)",
	        idp->groups_claim);
}

/* The refresh token the IdP issued with the tokens of this run, for the root parent to
 * keep (common/account_state.h). One that does not fit a protocol value is left out,
 * and that is said: the account then revalidates only through a device flow. */
static int add_refresh_token(struct run *r)
{
	const struct fedjit_token_response *t = r->tokens;
	int e;

	if (!t || !t->refresh_token)
		return 0;
	if (strlen(t->refresh_token) > FEDJIT_PROTO_MAX_VALUE)
		return fedjit_msg_add_bool(r->msg, "refresh_token_omitted", true);
	e = fedjit_msg_add(r->msg, "refresh_token", t->refresh_token);
	if (e >= 0 && t->refresh_expires_in >= 0)
		e = fedjit_msg_add_uint(r->msg, "refresh_expires_in",
		                        (uint64_t)t->refresh_expires_in);
	return e;
}

static int send_identity(struct run *r, const struct fedjit_idtoken *tok)
{
	const struct fedjit_idp *idp = r->f->idp;
	char *groups = NULL;
	size_t len = 0;
	int e;

	for (size_t i = 0; i < tok->n_groups; i++) {
		/* LF separates the groups on the wire: a name holding one would read as two. */
		if (strchr(tok->groups[i], '\n'))
			return fedjit_flow_fail(
			        r, "error", "a group name in the ID token contains a line feed");
		len += strlen(tok->groups[i]) + 1;
	}
	if (tok->n_groups) {
		groups = malloc(len);
		if (!groups)
			return -ENOMEM;
		groups[0] = '\0';
		for (size_t i = 0; i < tok->n_groups; i++) {
			if (i)
				strcat(groups, "\n");
			strcat(groups, tok->groups[i]);
		}
	}
	e = fedjit_msg_start(r->msg, "identity");
	if (e >= 0)
		e = fedjit_msg_add(r->msg, "issuer", tok->iss);
	if (e >= 0)
		e = fedjit_msg_add(r->msg, "subject", tok->sub);
	if (e >= 0)
		e = fedjit_msg_add(r->msg, "username",
		                   fedjit_idtoken_claim_string(tok, idp->username_claim));
	if (e >= 0)
		e = fedjit_msg_add(r->msg, "gecos",
		                   fedjit_idtoken_claim_string(tok, idp->gecos_claim));
	if (e >= 0)
		e = fedjit_msg_add(r->msg, "email",
		                   fedjit_idtoken_claim_string(tok, idp->email_claim));
	/* absent when the IdP did not say: provisioning decides what that means */
	if (e >= 0 && tok->email_verified >= 0)
		e = fedjit_msg_add_bool(r->msg, "email_verified", tok->email_verified == 1);
	if (e >= 0)
		e = fedjit_msg_add(r->msg, "groups", groups);
	if (e >= 0 && tok->groups) /* the claim was there, perhaps empty */
		e = fedjit_msg_add_bool(r->msg, "groups_claim", true);
	if (e >= 0)
		e = fedjit_msg_add(r->msg, "acr", tok->acr);
	if (e >= 0)
		e = add_refresh_token(r);
	free(groups);
	if (e < 0)
		return fedjit_flow_fail(r, "error", "ID token claims cannot be passed on (%s)",
		                        strerror(-e));
	return fedjit_flow_send(r);
}

char *fedjit_flow_scope(const struct fedjit_idp *idp)
{
	const char *scopes = idp->scopes;
	char *out = NULL;
	bool have = false;

	/* offline_access once, whether or not the scopes name it already */
	for (const char *p = scopes; *p;) {
		size_t n = strcspn(p, " \t");

		have |= n == 14 && strncmp(p, "offline_access", 14) == 0;
		p += n;
		p += strspn(p, " \t");
	}
	if (asprintf(&out, "%s%s", scopes, idp->offline_access && !have ? " offline_access" : "") <
	    0)
		return NULL;
	return out;
}

int fedjit_flow_documents(struct run *r)
{
	int e = load_discovery(r);

	return e != 0 ? e : load_jwks(r);
}

int fedjit_flow_claims(struct run *r, const struct fedjit_token_response *t,
                       struct fedjit_idtoken *tok)
{
	int e = userinfo(r, t, tok);

	return e != 0 ? e : check_groups_elsewhere(r, tok);
}

int fedjit_flow_send_identity(struct run *r, const struct fedjit_token_response *t,
                              const struct fedjit_idtoken *tok)
{
	r->tokens = t;
	return send_identity(r, tok);
}

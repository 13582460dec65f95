/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The network child's revalidation: the refresh grant with the refresh token kept from
 * the account's last device-flow login (device_flow.h, fedjit_refresh_run, says the
 * steps and what each answer means). Runs after the same privilege drop, with the same
 * documents, client authentication and ID token checks as a login (flow_private.h).
 *
 * What the token endpoint's answer means (the status of msg=fail, else msg=identity):
 *   HTTP 200 with an ID token       verified as at a login, same subject, no nonce;
 *                                   claims from it (and UserInfo when configured)
 *   HTTP 200 without one            RFC 6749 §6 and OIDC Core §12.2 allow it
 *                                   (Glewlwyd): the claims from UserInfo with the new
 *                                   access token, its sub the account's; without a
 *                                   usable UserInfo, an identity without claims
 *                                   (claims=0, claims_missing= says why): the grant is
 *                                   alive, the root parent decides what that is worth
 *   an OAuth error invalid_grant    disabled (RFC 6749 §5.2: the grant itself)
 *   another OAuth error             error (the client, the request: this host's
 *                                   configuration is no reason to lock anyone)
 *   HTTP 400 with an empty body     no OAuth error at all, yet what Glewlwyd answers to
 *                                   a revoked or unknown refresh token, and also to a
 *                                   client it does not accept. With refresh_empty_400 =
 *                                   refused (the default) a control request tells the
 *                                   two apart: a device authorization request (RFC
 *                                   8628 §3.1) with the same client authentication.
 *                                   A device code in an HTTP 200 shows the IdP accepts
 *                                   the client, so the refusal was the refresh token's:
 *                                   disabled. Anything else (unauthorized_client,
 *                                   invalid_client, no OAuth error, no answer): error,
 *                                   nothing changes. refresh_empty_400 = error: error
 *                                   without the control request (the choice for an IdP
 *                                   that also answers so when it stops allowing the
 *                                   client the refresh grant while it still allows
 *                                   the device grant: that would lock everyone).
 *   another 4xx without an OAuth error, a body that is not JSON
 *                                   error
 *   HTTP 5xx, no connection, timeout
 *                                   unreachable (the offline policy applies)
 */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/escape.h"
#include "common/macro.h"
#include "pam/helper/flow_private.h"
#include "pam/helper/ipc.h"

#define REFRESH_GRANT_TYPE "refresh_token"

/* A body with nothing but white space (or nothing): no answer at all. */
static bool body_empty(const struct fedjit_http_response *resp)
{
	for (size_t i = 0; i < resp->len; i++)
		if (resp->body[i] != ' ' && resp->body[i] != '\t' && resp->body[i] != '\r' &&
		    resp->body[i] != '\n')
			return false;
	return true;
}

/* The control request after an empty HTTP 400: does the IdP accept this client (its
 * authentication, the device grant it signs people in with)? A device authorization
 * request (RFC 8628 §3.1) with the same client authentication and scope openid: an
 * IdP that refuses the client says so there (Glewlwyd: HTTP 403 unauthorized_client),
 * one that accepts it answers with a device code. Glewlwyd answers a token request
 * with an unknown device_code access_denied whatever the client's authentication, so
 * that is no control. The code it issues is never shown to anyone and expires unused.
 * 0 with *ret (why says what it answered), or != 0 when the run is over (a transport
 * failure was reported). */
static int client_accepted(struct run *r, bool *ret, char *why, size_t why_size)
{
	struct fedjit_http_response resp = {0};
	struct fedjit_device_auth *d = NULL;
	char *form = NULL;
	long status;
	int e;

	*ret = false;
	e = fedjit_form_add(&form, "scope", "openid");
	if (e < 0) {
		free(form);
		return e;
	}
	e = fedjit_flow_post(r,
	                     "refresh request: HTTP 400 with an empty body; the control request "
	                     "(a device authorization request)",
	                     r->disc->device_authorization_endpoint, form, &resp);
	if (e != 0)
		return e;
	status = resp.status;
	e = fedjit_device_auth_parse(resp.body, resp.len, &d, NULL);
	fedjit_http_response_clear(&resp);
	if (e < 0)
		snprintf(why, why_size, "HTTP %ld without a device code or an OAuth error", status);
	else if (d->err.error != FEDJIT_OAUTH_OK)
		snprintf(why, why_size, "HTTP %ld %s", status, d->err.error_code);
	else if (status != 200)
		snprintf(why, why_size, "HTTP %ld with a device code", status);
	else {
		snprintf(why, why_size, "HTTP 200 with a device code");
		*ret = true;
	}
	fedjit_device_auth_free(d);
	return 0;
}

/* The refresh grant answered HTTP 400 with an empty body (see the top of this file). */
static int empty_400(struct run *r)
{
	char why[200] = "";
	bool accepted = false;
	int e;

	if (r->f->idp->refresh_empty_400 == FEDJIT_REFRESH_EMPTY_400_ERROR)
		return fedjit_flow_fail(
		        r, "error",
		        "refresh request: HTTP 400 with an empty body, no OAuth "
		        "error (refresh_empty_400 = error: not taken as a refusal)");
	e = client_accepted(r, &accepted, why, sizeof(why));
	if (e != 0)
		return e;
	if (!accepted)
		return fedjit_flow_fail(r, "error",
		                        "refresh request: HTTP 400 with an empty body, and the "
		                        "IdP did not show that it accepts this client (a device "
		                        "authorization request: %s): not taken as a refusal of "
		                        "the grant",
		                        why);
	return fedjit_flow_fail(r, "disabled",
	                        "refresh request: HTTP 400 with an empty body, while the IdP "
	                        "accepts this client (a device authorization request: %s): "
	                        "the grant was refused",
	                        why);
}

/* The token endpoint's answer to the refresh grant. 0 with *ret, != 0 when the run
 * ended (msg=fail sent). */
static int refresh_grant(struct run *r, struct fedjit_token_response **ret)
{
	struct fedjit_http_response resp = {0};
	struct fedjit_token_response *t = NULL;
	char *form = NULL, *reason = NULL;
	long status;
	int e;

	e = fedjit_form_add(&form, "grant_type", REFRESH_GRANT_TYPE);
	if (e >= 0)
		e = fedjit_form_add(&form, "refresh_token", r->f->refresh_token);
	if (e < 0) {
		fedjit_secret_free(form);
		return e;
	}
	/* keys fetched before this request may miss a key the IdP rotated in since */
	r->token_sent_usec = fedjit_proto_now_usec();
	e = fedjit_flow_post(r, "refresh request", r->disc->token_endpoint, form, &resp);
	if (e != 0)
		return e;
	status = resp.status;
	if (status == 400 && body_empty(&resp)) {
		fedjit_http_response_clear(&resp);
		return empty_400(r);
	}
	e = fedjit_token_response_parse_refresh(resp.body, resp.len, &t, &reason);
	fedjit_http_response_clear(&resp);
	if (e < 0) {
		e = status != 200 ? fedjit_flow_not_oauth_error(r, "refresh request", status)
		                  : fedjit_flow_fail(r, "error", "refresh response refused: %s",
		                                     reason ? reason : strerror(-e));
		free(reason);
		return e;
	}
	if (t->err.error == FEDJIT_OAUTH_OK && status != 200) {
		fedjit_token_response_free(t);
		return fedjit_flow_not_oauth_error(r, "refresh request", status);
	}
	if (t->err.error != FEDJIT_OAUTH_OK) {
		/* RFC 6749 §5.2: invalid_grant is the grant itself: revoked, expired, issued
		 * to a person the IdP no longer knows or has disabled. Anything else (the
		 * client, the request, the scope) is this host's configuration. */
		e = fedjit_flow_fail(
		        r, t->err.error == FEDJIT_OAUTH_INVALID_GRANT ? "disabled" : "error",
		        "refresh request: %s%s%s", t->err.error_code,
		        t->err.error_description ? ": " : "",
		        t->err.error_description ? t->err.error_description : "");
		fedjit_token_response_free(t);
		return e;
	}
	*ret = t;
	return 0;
}

/* OIDC Core §12.2 on a refreshed ID token, beyond the checks of a login: the same
 * subject, and no nonce unless the original had the same one (the device grant sends
 * none, so none at all). Its iss, aud and azp are checked as at a login; auth_time
 * (the original authentication's) is not compared: the first ID token is not kept. */
static int check_refreshed(struct run *r, const struct fedjit_idtoken *tok)
{
	if (strcmp(tok->sub, r->f->subject) != 0)
		return fedjit_flow_fail(r, "disabled",
		                        "the refreshed ID token is for another subject");
	if (json_object_get(tok->claims, "nonce"))
		return fedjit_flow_fail(r, "error",
		                        "the refreshed ID token has a nonce; the login had none");
	return 0;
}

/* No new ID token and no claims from UserInfo (why): the grant is alive, nothing else
 * is known. */
static int send_bare_identity(struct run *r, const struct fedjit_token_response *t, const char *why)
{
	int e = fedjit_msg_start(r->msg, "identity");

	if (e >= 0)
		e = fedjit_msg_add(r->msg, "issuer", r->f->idp->issuer);
	if (e >= 0)
		e = fedjit_msg_add(r->msg, "subject", r->f->subject);
	if (e >= 0)
		e = fedjit_msg_add_bool(r->msg, "claims", false);
	/* for the log: it may quote the transport's error text */
	if (e >= 0)
		e = fedjit_msg_add(r->msg, "claims_missing",
		                   fedjit_escape((char[512]){0}, 512, why, FEDJIT_ESCAPE_LINE));
	if (e >= 0 && t->refresh_token && strlen(t->refresh_token) <= FEDJIT_PROTO_MAX_VALUE)
		e = fedjit_msg_add(r->msg, "refresh_token", t->refresh_token);
	if (e >= 0 && t->refresh_token && t->refresh_expires_in >= 0)
		e = fedjit_msg_add_uint(r->msg, "refresh_expires_in",
		                        (uint64_t)t->refresh_expires_in);
	if (e < 0)
		return fedjit_flow_fail(r, "error", "the refresh answer cannot be passed on (%s)",
		                        strerror(-e));
	return fedjit_flow_send(r);
}

int fedjit_refresh_run(struct fedjit_flow *f)
{
	struct run r = {.f = f};
	struct fedjit_token_response *t = NULL;
	struct fedjit_idtoken *tok = NULL;
	char why[512] = "";
	int e;

	if (!f->refresh_token || !f->subject)
		return -EINVAL;
	r.msg = fedjit_msg_new();
	if (!r.msg)
		return -ENOMEM;
	e = fedjit_flow_documents(&r);
	if (e == 0)
		e = refresh_grant(&r, &t);
	if (e == 0 && t->id_token) {
		e = fedjit_flow_verify(&r, t, &tok);
		if (e == 0)
			e = check_refreshed(&r, tok);
		if (e == 0)
			e = fedjit_flow_claims(&r, t, tok);
	} else if (e == 0) {
		e = fedjit_flow_userinfo_only(&r, t, &tok, why, sizeof(why));
		if (e == 0 && tok)
			fedjit_flow_debug(
			        &r, "no ID token in the refresh answer: claims from UserInfo");
	}
	if (e >= 0) {
		fedjit_flow_debug(&r, "http_requests=%u", f->http.n_requests);
	}
	if (e == 0)
		e = tok ? fedjit_flow_send_identity(&r, t, tok) : send_bare_identity(&r, t, why);

	fedjit_http_close(&f->http);
	fedjit_idtoken_free(tok);
	fedjit_token_response_free(t);
	fedjit_jwks_free(r.jwks);
	fedjit_discovery_free(r.disc);
	fedjit_msg_free(r.msg);
	return e < 0 ? e : 0;
}

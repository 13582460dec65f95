/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The network child's revalidation: the refresh grant with the refresh token kept from
 * the account's last device-flow login (device_flow.h, fedjit_refresh_run, says the
 * steps and what each answer means). Runs after the same privilege drop, with the same
 * documents, client authentication and ID token checks as a login (flow_private.h).
 */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/macro.h"
#include "pam/helper/flow_private.h"
#include "pam/helper/ipc.h"

#define REFRESH_GRANT_TYPE "refresh_token"

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

/* No new ID token: the grant is alive, nothing else is known. */
static int send_bare_identity(struct run *r, const struct fedjit_token_response *t)
{
	int e = fedjit_msg_start(r->msg, "identity");

	if (e >= 0)
		e = fedjit_msg_add(r->msg, "issuer", r->f->idp->issuer);
	if (e >= 0)
		e = fedjit_msg_add(r->msg, "subject", r->f->subject);
	if (e >= 0)
		e = fedjit_msg_add_bool(r->msg, "claims", false);
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
	}
	if (e >= 0) {
		fedjit_flow_debug(&r, "http_requests=%u", f->http.n_requests);
	}
	if (e == 0)
		e = tok ? fedjit_flow_send_identity(&r, t, tok) : send_bare_identity(&r, t);

	fedjit_http_close(&f->http);
	fedjit_idtoken_free(tok);
	fedjit_token_response_free(t);
	fedjit_jwks_free(r.jwks);
	fedjit_discovery_free(r.disc);
	fedjit_msg_free(r.msg);
	return e < 0 ? e : 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The network child's device-flow login: see device_flow.h for the steps. */

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/escape.h"
#include "common/macro.h"
#include "pam/helper/claims.h"
#include "pam/helper/device_flow.h"
#include "pam/helper/flow_private.h"
#include "pam/helper/ipc.h"
#include "pam/idp/discovery.h"
#include "pam/idp/idtoken.h"
#include "pam/idp/jwks.h"
#include "pam/idp/token_response.h"
#include "pam/proto/proto.h"

#define DEVICE_GRANT_TYPE "urn:ietf:params:oauth:grant-type:device_code"
#define SLOW_DOWN_STEP    5

static int oauth_error_fail(struct run *r, const char *what,
                            const struct fedjit_oauth_error_info *err)
{
	const char *status = "error";

	if (err->error == FEDJIT_OAUTH_ACCESS_DENIED)
		status = "denied";
	else if (err->error == FEDJIT_OAUTH_EXPIRED_TOKEN)
		status = "expired";
	return fedjit_flow_fail(r, status, "%s: %s%s%s", what, FEDJIT_ESC(err->error_code),
	                        err->error_description ? ": " : "",
	                        err->error_description ? FEDJIT_ESC(err->error_description) : "");
}

static int start_device(struct run *r, struct fedjit_device_auth **ret)
{
	const struct fedjit_idp *idp = r->f->idp;
	struct fedjit_http_response resp = {0};
	struct fedjit_device_auth *d = NULL;
	char *form = NULL, *reason = NULL;
	int e;

	char *scope = fedjit_flow_scope(idp);

	if (!scope)
		return -ENOMEM;
	e = fedjit_form_add(&form, "scope", scope);
	free(scope);
	if (e >= 0 && idp->acr_values)
		e = fedjit_form_add(&form, "acr_values", idp->acr_values);
	if (e < 0) {
		free(form);
		return e;
	}
	e = fedjit_flow_post(r, "device authorization request",
	                     r->disc->device_authorization_endpoint, form, &resp);
	if (e != 0)
		return e;
	long status = resp.status;
	e = fedjit_device_auth_parse(resp.body, resp.len, &d, &reason);
	fedjit_http_response_clear(&resp);
	if (e < 0) {
		e = status != 200
		            ? fedjit_flow_not_oauth_error(r, "device authorization request", status)
		            : fedjit_flow_fail(r, "error",
		                               "device authorization response refused: %s",
		                               reason ? reason : strerror(-e));
		free(reason);
		return e;
	}
	if (d->err.error != FEDJIT_OAUTH_OK || status != 200) {
		e = d->err.error != FEDJIT_OAUTH_OK
		            ? oauth_error_fail(r, "device authorization request", &d->err)
		            : fedjit_flow_not_oauth_error(r, "device authorization request",
		                                          status);
		fedjit_device_auth_free(d);
		return e;
	}
	if (fedjit_msg_start(r->msg, "device") < 0 ||
	    fedjit_msg_add(r->msg, "verification_uri", d->verification_uri) < 0 ||
	    fedjit_msg_add(r->msg, "user_code", d->user_code) < 0 ||
	    fedjit_msg_add(r->msg, "verification_uri_complete", d->verification_uri_complete) < 0 ||
	    fedjit_msg_add_uint(r->msg, "expires_in", (uint64_t)d->expires_in) < 0 ||
	    fedjit_msg_add_uint(r->msg, "interval", (uint64_t)d->interval) < 0) {
		fedjit_device_auth_free(d);
		return fedjit_flow_fail(r, "error",
		                        "device authorization response has unprintable text");
	}
	e = fedjit_flow_send(r);
	if (e < 0) {
		fedjit_device_auth_free(d);
		return e;
	}
	*ret = d;
	return 0;
}

/* Sleeps seconds, never past the deadline; false when the deadline came first. */
static bool wait_interval(struct run *r, uint64_t seconds)
{
	uint64_t left = fedjit_flow_remaining_ms(r), ms = seconds * 1000;
	struct timespec ts;

	if (ms >= left) {
		ms = left;
	}
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	return fedjit_flow_remaining_ms(r) > 0;
}

/* Polls the token endpoint. 0 with *ret (success), != 0 after fedjit_flow_fail() was sent. */
static int poll_token(struct run *r, const struct fedjit_device_auth *d,
                      struct fedjit_token_response **ret)
{
	uint64_t interval =
	        d->interval > 0 ? (uint64_t)d->interval : FEDJIT_DEVICE_INTERVAL_DEFAULT;
	uint64_t expires = fedjit_proto_now_usec() + (uint64_t)d->expires_in * 1000000;
	unsigned polls = 0;

	for (;;) {
		struct fedjit_http_response resp = {0};
		struct fedjit_token_response *t = NULL;
		char *form = NULL, *reason = NULL;
		int e;

		if (!wait_interval(r, interval))
			return fedjit_flow_fail(r, "timeout", "deadline reached after %u polls",
			                        polls);
		if (fedjit_proto_now_usec() >= expires)
			return fedjit_flow_fail(r, "expired", "device code expired after %u polls",
			                        polls);
		e = fedjit_form_add(&form, "grant_type", DEVICE_GRANT_TYPE);
		if (e >= 0)
			e = fedjit_form_add(&form, "device_code", d->device_code);
		if (e < 0) {
			free(form);
			return e;
		}
		polls++;
		r->token_sent_usec = fedjit_proto_now_usec();
		e = fedjit_flow_post(r, "token request", r->disc->token_endpoint, form, &resp);
		if (e != 0)
			return e;
		long status = resp.status;
		e = fedjit_token_response_parse(resp.body, resp.len, &t, &reason);
		fedjit_http_response_clear(&resp);
		if (e < 0) {
			e = status != 200
			            ? fedjit_flow_not_oauth_error(r, "token request", status)
			            : fedjit_flow_fail(r, "error", "token response refused: %s",
			                               reason ? reason : strerror(-e));
			free(reason);
			return e;
		}
		if (status != 200 && t->err.error == FEDJIT_OAUTH_OK) {
			fedjit_token_response_free(t);
			return fedjit_flow_not_oauth_error(r, "token request", status);
		}
		switch (t->err.error) {
		case FEDJIT_OAUTH_OK:
			fedjit_flow_debug(r, "token received after %u polls", polls);
			*ret = t;
			return 0;
		case FEDJIT_OAUTH_AUTHORIZATION_PENDING:
			break;
		case FEDJIT_OAUTH_SLOW_DOWN:
			interval += SLOW_DOWN_STEP;
			fedjit_flow_debug(r, "slow_down: polling every %llu s",
			                  (unsigned long long)interval);
			break;
		default:
			e = oauth_error_fail(r, "token request", &t->err);
			fedjit_token_response_free(t);
			return e;
		}
		fedjit_token_response_free(t);
	}
}

static int send_claims(struct run *r, const struct fedjit_idtoken *tok)
{
	int e = fedjit_claims_msg(tok->claims, r->msg);

	if (e < 0)
		return fedjit_flow_fail(r, "error", "ID token claims cannot be shown (%s)",
		                        strerror(-e));
	return fedjit_flow_send(r);
}

int fedjit_flow_run(struct fedjit_flow *f)
{
	struct run r = {.f = f};
	struct fedjit_device_auth *d = NULL;
	struct fedjit_token_response *t = NULL;
	struct fedjit_idtoken *tok = NULL;
	int e;

	r.msg = fedjit_msg_new();
	if (!r.msg)
		return -ENOMEM;
	e = fedjit_flow_documents(&r);
	if (e == 0)
		e = start_device(&r, &d);
	if (e == 0)
		e = poll_token(&r, d, &t);
	if (e == 0)
		e = fedjit_flow_verify(&r, t, &tok);
	if (e == 0)
		e = fedjit_flow_claims(&r, t, tok);
	if (e == 0 && f->send_claims) /* login-test: the claims, before the identity */
		e = send_claims(&r, tok);
	if (e == 0) {
		fedjit_flow_debug(&r, "http_requests=%u", f->http.n_requests);
		e = fedjit_flow_send_identity(&r, t, tok);
	} else if (e > 0) {
		fedjit_flow_debug(&r, "http_requests=%u", f->http.n_requests);
	}

	fedjit_http_close(&f->http);
	fedjit_idtoken_free(tok);
	fedjit_token_response_free(t);
	fedjit_device_auth_free(d);
	fedjit_jwks_free(r.jwks);
	fedjit_discovery_free(r.disc);
	fedjit_msg_free(r.msg);
	return e < 0 ? e : 0;
}
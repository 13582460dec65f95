/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inside the network child: the state of one run and the steps (flow_steps.c) the
 * device-flow login (device_flow.c) shares with the refresh grant (refresh_flow.c). Not
 * an API outside these files. Every step returns 0 to go on, or != 0 once the run is over: STOPPED
 * after it told the parent why (msg=fail), a negative errno when even that failed.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "common/config.h"
#include "pam/helper/device_flow.h"
#include "pam/helper/http.h"
#include "pam/idp/discovery.h"
#include "pam/idp/idtoken.h"
#include "pam/idp/jwks.h"
#include "pam/idp/token_response.h"
#include "pam/proto/proto.h"

/* A step ended the run after telling the parent why (> 0, so `if (e != 0) return e`). */
#define STOPPED 1

/* Shared state of one run (the tag is private to the two files above). */
struct run {
	struct fedjit_flow *f;
	struct fedjit_discovery *disc;
	struct fedjit_jwks *jwks;
	struct fedjit_msg *msg;
	/* When r->jwks was fetched (0: it came from the cache) and when the token request
	 * that got the ID token was sent. Keys fetched before that request may predate a
	 * key the IdP published meanwhile (the minutes of a device flow's polling); keys
	 * fetched after it know every key the token could be signed with, so a refetch
	 * would learn nothing. */
	uint64_t jwks_fetched_usec;
	uint64_t token_sent_usec;
	/* the token response whose refresh token goes with msg=identity, NULL: none */
	const struct fedjit_token_response *tokens;
};

/* The scope of the device authorization request: the IdP's scopes, plus
 * offline_access when the IdP's offline_access says so (malloc'd; NULL: ENOMEM). */
char *fedjit_flow_scope(const struct fedjit_idp *idp);
/* r->msg to the parent: 0 or -errno. */
int fedjit_flow_send(struct run *r);
/* msg=debug (only when the run is in debug mode): 0 or -errno. */
int fedjit_flow_debug(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Ends the run with msg=fail: the status decides what the person is told, the reason
 * (escaped, no secrets) goes to the administrator's log. STOPPED or -errno. */
int fedjit_flow_fail(struct run *r, const char *status, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* Milliseconds left before the run's deadline. */
uint64_t fedjit_flow_remaining_ms(struct run *r);
/* The discovery document and the JWKS: cached, else fetched (and sent to the parent). */
int fedjit_flow_documents(struct run *r);
/* POST form (consumed, scrubbed) with client authentication to url; resp holds an
 * HTTP 200 or 4xx body. */
int fedjit_flow_post(struct run *r, const char *what, const char *url, char *form,
                     struct fedjit_http_response *resp);
int fedjit_flow_not_oauth_error(struct run *r, const char *what, long status);
/* The ID token of t, verified as at a login (with one JWKS refetch for an unknown kid). */
int fedjit_flow_verify(struct run *r, const struct fedjit_token_response *t,
                       struct fedjit_idtoken **ret);
/* UserInfo when configured, and the groups-overage check. */
int fedjit_flow_claims(struct run *r, const struct fedjit_token_response *t,
                       struct fedjit_idtoken *tok);
/* A refresh answered without an ID token: the claims from UserInfo with t's access token
 * (OIDC Core §5.3; its sub must be the account's, r->f->subject). 0 with *ret (checked
 * for a groups overage like a login's claims), or 0 with *ret NULL when there are no
 * claims to have (no endpoint, no usable answer: why says so, nothing sent); else the
 * run is over (a UserInfo for another subject: msg=fail status=disabled; a malformed
 * one: error). */
int fedjit_flow_userinfo_only(struct run *r, const struct fedjit_token_response *t,
                              struct fedjit_idtoken **ret, char *why, size_t why_size);
/* msg=identity of tok, with t's refresh token. */
int fedjit_flow_send_identity(struct run *r, const struct fedjit_token_response *t,
                              const struct fedjit_idtoken *tok);

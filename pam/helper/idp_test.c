/* SPDX-License-Identifier: Apache-2.0 */
/*
 * op=idp-test (`fedjit idp test NAME`, cli/cmd_helper.c): the network child checks an
 * IdP's configuration step by step, without a person and without storing anything but
 * the documents it fetched (the parent validates and caches them as for a login).
 *
 * One msg=check v=1 step=STEP status=ok|warn|fail|skip [text=] per step, in order:
 *   tls              the discovery URL answers over verified TLS (CA file or system)
 *   discovery        .well-known/openid-configuration is a valid discovery document
 *   issuer           its "issuer" equals the configured issuer byte for byte
 *   jwks             jwks_uri serves a key set with at least one usable key
 *   device_endpoint  a device authorization endpoint is listed (https)
 *   client_auth      a device authorization request with the client's credentials is
 *                    accepted (it starts a device flow that is never polled; its code
 *                    expires unused); a method missing from
 *                    token_endpoint_auth_methods_supported is tried all the same (the
 *                    list can be incomplete: Glewlwyd accepts public clients without
 *                    listing "none") and said so
 *   groups           when allowed_groups, group_map or create_groups is set: whether the
 *                    document lists the groups claim (claims_supported) and a scope of
 *                    that name (scopes_supported) that the configured scopes request;
 *                    warn where it cannot tell or a listed scope is not requested, since
 *                    IdPs add the claim through mappers they need not list (the claims of
 *                    a real token: fedjit login-test); skip when no setting uses groups
 * A failed step makes the later ones that depend on it "skip"; warn is no failure. Then
 * msg=tested v=1 failed=N (ipc.h) and the parent answers the result: ok when nothing
 * failed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/macro.h"
#include "pam/helper/device_flow.h"
#include "pam/helper/ipc.h"
#include "pam/idp/discovery.h"
#include "pam/idp/jose.h"
#include "pam/idp/jwks.h"
#include "pam/idp/token_response.h"
#include "pam/proto/proto.h"

struct test {
	struct fedjit_flow *f;
	struct fedjit_msg *msg;
	unsigned failed;
};

static int check(struct test *t, const char *step, const char *status, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static int check(struct test *t, const char *step, const char *status, const char *fmt, ...)
{
	char text[1024] = "";
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(text, sizeof(text), fmt, ap);
		va_end(ap);
	}
	for (unsigned char *p = (unsigned char *)text; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p >= 0x80)
			*p = '?';
	if (strcmp(status, "fail") == 0)
		t->failed++;
	if (fedjit_msg_start(t->msg, "check") < 0 || fedjit_msg_add(t->msg, "step", step) < 0 ||
	    fedjit_msg_add(t->msg, "status", status) < 0 ||
	    (text[0] && fedjit_msg_add(t->msg, "text", text) < 0))
		return -EINVAL;
	return fedjit_ipc_send(t->f->ipc_fd, FEDJIT_IPC_MSG, t->msg->buf, t->msg->len);
}

static void skip_rest(struct test *t, const char *const *steps)
{
	for (; *steps; steps++)
		check(t, *steps, "skip", "an earlier step failed");
}

static bool arm(struct test *t)
{
	uint64_t now = fedjit_proto_now_usec(), per = (uint64_t)t->f->idp->http_timeout * 1000;

	if (now >= t->f->deadline_usec)
		return false;
	if (per == 0 || per > (t->f->deadline_usec - now) / 1000)
		per = (t->f->deadline_usec - now) / 1000;
	t->f->http.timeout_ms = per ? (unsigned)per : 1;
	return true;
}

static const char *method_name(enum fedjit_client_auth m)
{
	return fedjit_client_auth_to_string(m);
}

static unsigned method_bit(enum fedjit_client_auth m)
{
	switch (m) {
	case FEDJIT_CLIENT_AUTH_NONE:
		return FEDJIT_AUTH_METHOD_NONE;
	case FEDJIT_CLIENT_AUTH_SECRET_BASIC:
		return FEDJIT_AUTH_METHOD_CLIENT_SECRET_BASIC;
	case FEDJIT_CLIENT_AUTH_SECRET_POST:
		return FEDJIT_AUTH_METHOD_CLIENT_SECRET_POST;
	case FEDJIT_CLIENT_AUTH_PRIVATE_KEY_JWT:
		return FEDJIT_AUTH_METHOD_PRIVATE_KEY_JWT;
	}
	return 0;
}

#define UNLISTED "; the IdP's token_endpoint_auth_methods_supported does not list it"

static void test_client_auth(struct test *t, const struct fedjit_discovery *d)
{
	const struct fedjit_idp *idp = t->f->idp;
	struct fedjit_client_auth_params auth = t->f->auth;
	struct fedjit_http_response resp = {0};
	struct fedjit_device_auth *da = NULL;
	char *form = NULL, *user = NULL, *pass = NULL, *reason = NULL;
	int r;

	bool unlisted = d->auth_methods && !(d->auth_methods & method_bit(idp->client_auth));

	auth.audience = d->token_endpoint;
	r = fedjit_form_add(&form, "scope", idp->scopes);
	if (r >= 0)
		r = fedjit_client_auth_apply(&auth, &form, &user, &pass, &reason);
	if (r < 0) {
		check(t, "client_auth", "fail", "%s", reason ? reason : strerror(-r));
		goto out;
	}
	if (!arm(t)) {
		check(t, "client_auth", "fail", "deadline reached");
		goto out;
	}
	r = fedjit_http_post_form(&t->f->http, d->device_authorization_endpoint, form, user, pass,
	                          FEDJIT_DEVICE_AUTH_MAX_SIZE, &resp, &reason);
	if (r < 0) {
		check(t, "client_auth", "fail", "%s", reason ? reason : strerror(-r));
		goto out;
	}
	free(reason);
	reason = NULL;
	r = fedjit_device_auth_parse(resp.body, resp.len, &da, &reason);
	if (r < 0)
		check(t, "client_auth", "fail", "HTTP %ld: %s%s", resp.status,
		      reason ? reason : strerror(-r), unlisted ? UNLISTED : "");
	else if (da->err.error != FEDJIT_OAUTH_OK)
		check(t, "client_auth", "fail", "%s: %s%s%s%s", method_name(idp->client_auth),
		      da->err.error_code, da->err.error_description ? ": " : "",
		      da->err.error_description ? da->err.error_description : "",
		      unlisted ? UNLISTED : "");
	else
		check(t, "client_auth", "ok", "%s accepted (device authorization)%s",
		      method_name(idp->client_auth), unlisted ? UNLISTED : "");
	fedjit_device_auth_free(da);
out:
	fedjit_http_response_clear(&resp);
	free(reason);
	free(user);
	fedjit_secret_free(pass);
	fedjit_secret_free(form);
}

/* What the discovery document says about the groups claim. */
struct groups_facts {
	int claim; /* 1 in claims_supported, 0 not, -1 no such list */
	int scope; /* 1 a scope named like the claim in scopes_supported, 0 not, -1 no list */
};

static int listed(json_t *doc, const char *list, const char *name)
{
	json_t *v = json_object_get(doc, list), *e;
	size_t i;

	if (!json_is_array(v))
		return -1;
	json_array_foreach(v, i, e) if (json_is_string(e) &&
	                                strcmp(json_string_value(e), name) == 0) return 1;
	return 0;
}

static void groups_facts(const char *data, size_t len, const char *claim, struct groups_facts *ret)
{
	json_t *doc = NULL;

	*ret = (struct groups_facts){-1, -1};
	if (fedjit_json_load_object(data, len, FEDJIT_DISCOVERY_MAX_SIZE, &doc, NULL) < 0)
		return;
	ret->claim = listed(doc, "claims_supported", claim);
	ret->scope = listed(doc, "scopes_supported", claim);
	json_decref(doc);
}

static bool scope_requested(const char *scopes, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = scopes; *p;) {
		size_t w;

		p += strspn(p, " \t");
		w = strcspn(p, " \t");
		if (w == n && strncmp(p, name, n) == 0)
			return true;
		p += w;
	}
	return false;
}

static void test_groups(struct test *t, const struct groups_facts *g)
{
	const struct fedjit_idp *idp = t->f->idp;
	const char *claim = idp->groups_claim;
	const char *scopes = idp->scopes;

	if (!idp->allowed_groups && idp->n_group_map == 0 && !idp->create_groups)
		check(t, "groups", "skip",
		      "allowed_groups, group_map and create_groups are not set");
	else if (g->scope == 1 && !scope_requested(scopes, claim))
		check(t, "groups", "warn",
		      "the IdP has a \"%s\" scope that scopes = %s does not request: without it "
		      "the token may carry no %s claim",
		      claim, scopes, claim);
	else if (g->claim == 1)
		check(t, "groups", "ok", "the IdP lists the %s claim%s", claim,
		      g->scope == 1 ? ", and its scope is requested" : "");
	else
		check(t, "groups", "warn",
		      "the IdP %s the %s claim (a mapper may add it all the same): fedjit "
		      "login-test shows whether a real token has it",
		      g->claim == 0 ? "does not list" : "does not say whether it sends", claim);
}

static void run(struct test *t)
{
	static const char *const after_tls[] = {"discovery",   "issuer", "jwks", "device_endpoint",
	                                        "client_auth", "groups", NULL};
	const struct fedjit_idp *idp = t->f->idp;
	struct fedjit_http_response resp = {0};
	struct fedjit_discovery *d = NULL;
	struct fedjit_jwks *jwks = NULL;
	struct groups_facts groups;
	size_t n = strlen(idp->issuer);
	char *url = NULL, *reason = NULL;
	int r;

	if (n && idp->issuer[n - 1] == '/')
		n--;
	if (asprintf(&url, "%.*s/.well-known/openid-configuration", (int)n, idp->issuer) < 0)
		return;
	r = arm(t) ? fedjit_http_get(&t->f->http, url, FEDJIT_DISCOVERY_MAX_SIZE, &resp, &reason)
	           : -ETIMEDOUT;
	if (r < 0) {
		check(t, "tls", "fail", "%s", reason ? reason : strerror(-r));
		skip_rest(t, after_tls);
		goto out;
	}
	check(t, "tls", "ok", "verified with %s",
	      idp->ca_file ? idp->ca_file : "the system's CA store");
	if (resp.status != 200) {
		check(t, "discovery", "fail", "%s: HTTP %ld", url, resp.status);
		skip_rest(t, after_tls + 1);
		goto out;
	}
	free(reason);
	reason = NULL;
	r = fedjit_discovery_parse(resp.body, resp.len, idp->issuer,
	                           idp->device_authorization_endpoint,
	                           (const char *const *)idp->endpoint_hosts, &d, &reason);
	if (r == -EACCES) {
		check(t, "discovery", "ok", "%s", url);
		check(t, "issuer", "fail", "%s", reason ? reason : "issuer mismatch");
		skip_rest(t, after_tls + 2);
		goto out;
	}
	if (r < 0) {
		check(t, "discovery", "fail", "%s", reason ? reason : strerror(-r));
		skip_rest(t, after_tls + 1);
		goto out;
	}
	fedjit_ipc_send(t->f->ipc_fd, FEDJIT_IPC_DISCOVERY, resp.body, resp.len);
	groups_facts(resp.body, resp.len, idp->groups_claim, &groups);
	fedjit_http_response_clear(&resp);
	check(t, "discovery", "ok", "%s", url);
	check(t, "issuer", "ok", "%s", d->issuer);

	free(reason);
	reason = NULL;
	r = arm(t) ? fedjit_http_get(&t->f->http, d->jwks_uri, FEDJIT_JWKS_MAX_SIZE, &resp, &reason)
	           : -ETIMEDOUT;
	if (r >= 0 && resp.status != 200)
		check(t, "jwks", "fail", "%s: HTTP %ld", d->jwks_uri, resp.status);
	else if (r < 0)
		check(t, "jwks", "fail", "%s", reason ? reason : strerror(-r));
	else if ((r = fedjit_jwks_parse(resp.body, resp.len, &jwks, &reason)) < 0)
		check(t, "jwks", "fail", "%s", reason ? reason : strerror(-r));
	else if (jwks->n_keys == 0)
		check(t, "jwks", "fail", "no usable signing key (%zu skipped)", jwks->n_skipped);
	else {
		fedjit_ipc_send(t->f->ipc_fd, FEDJIT_IPC_JWKS, resp.body, resp.len);
		check(t, "jwks", "ok", "%zu signing keys (%zu skipped)", jwks->n_keys,
		      jwks->n_skipped);
	}
	check(t, "device_endpoint", "ok", "%s", d->device_authorization_endpoint);
	test_client_auth(t, d);
	test_groups(t, &groups);
out:
	fedjit_http_response_clear(&resp);
	fedjit_jwks_free(jwks);
	fedjit_discovery_free(d);
	free(reason);
	free(url);
}

int fedjit_idp_test_run(struct fedjit_flow *f)
{
	struct test t = {.f = f};
	int r;

	t.msg = fedjit_msg_new();
	if (!t.msg)
		return -ENOMEM;
	run(&t);
	fedjit_http_close(&f->http);
	r = fedjit_msg_start(t.msg, "tested");
	if (r >= 0)
		r = fedjit_msg_add_uint(t.msg, "failed", t.failed);
	if (r >= 0)
		r = fedjit_ipc_send(f->ipc_fd, FEDJIT_IPC_MSG, t.msg->buf, t.msg->len);
	fedjit_msg_free(t.msg);
	return r;
}

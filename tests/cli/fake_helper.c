/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A stand-in for fedjit-helper in the admin tool's tests: speaks pam/proto/proto.h
 * on fd 3 with the additions of cli/cmd_helper.c (op=idp-test, op=login-test).
 *   op=idp-test  idp=corp: every step ok; idp=bad: the jwks step fails;
 *                idp=gone: exits without a result; idp=old: status unsupported
 *   op=login-test user=alice: device, approved, claims, result ok with the
 *                account that would be created; user=denied: device, then
 *                status denied; user=ask: an echo_off prompt, then a result
 *                whose message says how long the answer was
 *   op=revalidate: the status comes from the account name's first word (up to a
 *                '-' or '@'): ok (groups_changed=1 when the name has "groups"),
 *                fresh (ok when force=1), disabled, down (unreachable), locked,
 *                notoken (no_token), old (unsupported), gone (exits without a
 *                result), anything else unknown_user; the result's message
 *                names the force flag it got ("force=1")
 * It refuses a request without dry_run=1 for login-test (nothing may be stored).
 */
#include <stdio.h>
#include <string.h>

#include "pam/proto/proto.h"

static struct fedjit_msg *m;

static int send_msg(void)
{
	return fedjit_msg_send(FEDJIT_PROTO_FD, m, fedjit_proto_now_usec() + 5000000) < 0 ? 2 : 0;
}

static void check(const char *step, const char *status, const char *text)
{
	fedjit_msg_start(m, "check");
	fedjit_msg_add(m, "step", step);
	fedjit_msg_add(m, "status", status);
	fedjit_msg_add(m, "text", text);
	send_msg();
}

static int idp_test(const char *idp)
{
	if (strcmp(idp, "gone") == 0)
		return 3;
	if (strcmp(idp, "old") == 0) {
		fedjit_msg_start(m, "result");
		fedjit_msg_add(m, "status", "unsupported");
		return send_msg();
	}
	check("discovery", "ok", "https://idp.test/.well-known/openid-configuration");
	check("tls", "ok", "certificate verified (system CA store)");
	check("issuer", "ok", "https://idp.test");
	if (strcmp(idp, "bad") == 0)
		check("jwks", "fail", "no usable signing key");
	else
		check("jwks", "ok", "2 keys (RS256, ES256)");
	check("device_endpoint", "ok", "https://idp.test/device/auth");
	check("groups", "warn",
	      "the IdP does not list the groups claim (a mapper may add it all the same): "
	      "fedjit login-test shows whether a real token has it");
	fedjit_msg_start(m, "result");
	fedjit_msg_add(m, "status", strcmp(idp, "bad") == 0 ? "error" : "ok");
	return send_msg();
}

static int login_test(const char *user)
{
	bool dry = false;

	if (fedjit_msg_get_bool(m, "dry_run", &dry) < 0 || !dry) {
		fedjit_msg_start(m, "result");
		fedjit_msg_add(m, "status", "error");
		fedjit_msg_add(m, "message", "not a dry run");
		return send_msg();
	}
	fedjit_msg_start(m, "device");
	fedjit_msg_add(m, "verification_uri", "https://idp.test/device");
	fedjit_msg_add(m, "user_code", "WDJB-MJHT");
	fedjit_msg_add(m, "expires_in", "120");
	fedjit_msg_add(m, "idp", "corp");
	send_msg();
	if (strcmp(user, "denied") == 0) {
		fedjit_msg_start(m, "result");
		fedjit_msg_add(m, "status", "denied");
		fedjit_msg_add(m, "message", "The sign-in was refused.");
		return send_msg();
	}
	if (strcmp(user, "ask") == 0) {
		char said[64];

		fedjit_msg_start(m, "prompt");
		fedjit_msg_add(m, "style", "echo_off");
		fedjit_msg_add(m, "text", "Choose a local password:");
		send_msg();
		if (fedjit_msg_recv(FEDJIT_PROTO_FD, m, fedjit_proto_now_usec() + 10000000) < 0 ||
		    strcmp(fedjit_msg_type(m), "answer") != 0)
			return 3;
		snprintf(said, sizeof(said), "answer %s, %zu characters",
		         fedjit_msg_get(m, "status") ?: "-",
		         strlen(fedjit_msg_get(m, "value") ?: ""));
		fedjit_msg_start(m, "result");
		fedjit_msg_add(m, "status", "ok");
		fedjit_msg_add(m, "message", said);
		return send_msg();
	}
	fedjit_msg_start(m, "approved");
	send_msg();
	fedjit_msg_start(m, "claims");
	fedjit_msg_add(m, "json",
	               "{\"sub\":\"sub-alice\",\"iss\":\"https://idp.test\","
	               "\"preferred_username\":\"alice\",\"groups\":[\"admins\"]}");
	send_msg();
	fedjit_msg_start(m, "result");
	fedjit_msg_add(m, "status", "ok");
	fedjit_msg_add(m, "idp", "corp");
	fedjit_msg_add(m, "issuer", "https://idp.test");
	fedjit_msg_add(m, "subject", "sub-alice");
	fedjit_msg_add(m, "account", user);
	fedjit_msg_add(m, "would", "create");
	fedjit_msg_add(m, "uid", "201234");
	fedjit_msg_add(m, "gid", "201234");
	fedjit_msg_add(m, "home", "/home/alice");
	fedjit_msg_add(m, "shell", "/bin/bash");
	fedjit_msg_add(m, "domain", "PRIMARY");
	fedjit_msg_add(m, "groups", "sudo");
	return send_msg();
}

static int revalidate(const char *user, bool force)
{
	char word[64], said[64];
	const char *status = "unknown_user";

	snprintf(word, sizeof(word), "%.*s", (int)strcspn(user, "-@"), user);
	if (strcmp(word, "gone") == 0)
		return 3;
	if (strcmp(word, "ok") == 0 || (strcmp(word, "fresh") == 0 && force))
		status = "ok";
	else if (strcmp(word, "fresh") == 0)
		status = "fresh";
	else if (strcmp(word, "disabled") == 0)
		status = "disabled";
	else if (strcmp(word, "down") == 0)
		status = "unreachable";
	else if (strcmp(word, "locked") == 0)
		status = "locked";
	else if (strcmp(word, "notoken") == 0)
		status = "no_token";
	else if (strcmp(word, "old") == 0)
		status = "unsupported";
	snprintf(said, sizeof(said), "force=%d", force ? 1 : 0);
	fedjit_msg_start(m, "result");
	fedjit_msg_add(m, "status", status);
	fedjit_msg_add(m, "message", said);
	fedjit_msg_add(m, "account", user);
	if (strcmp(status, "ok") == 0) {
		fedjit_msg_add_bool(m, "groups_changed", strstr(user, "groups") != NULL);
		fedjit_msg_add_bool(m, "token_rotated", true);
	}
	if (strcmp(status, "disabled") == 0)
		fedjit_msg_add_bool(m, "sessions_ended", true);
	if (strcmp(status, "unreachable") == 0)
		fedjit_msg_add_bool(m, "offline_ok", true);
	if (strcmp(status, "locked") == 0)
		fedjit_msg_add(m, "lock_reason", "administrator");
	return send_msg();
}

int main(void)
{
	const char *op, *v;
	char arg[256];

	m = fedjit_msg_new();
	if (!m || fedjit_msg_recv(FEDJIT_PROTO_FD, m, fedjit_proto_now_usec() + 10000000) < 0 ||
	    strcmp(fedjit_msg_type(m), "request") != 0)
		return 2;
	op = fedjit_msg_get(m, "op");
	/* Copies: the values live in m, which the replies overwrite. */
	if (op && strcmp(op, "idp-test") == 0 && (v = fedjit_msg_get(m, "idp"))) {
		snprintf(arg, sizeof(arg), "%s", v);
		return idp_test(arg);
	}
	if (op && strcmp(op, "login-test") == 0 && (v = fedjit_msg_get(m, "user"))) {
		snprintf(arg, sizeof(arg), "%s", v);
		return login_test(arg);
	}
	if (op && strcmp(op, "revalidate") == 0 && (v = fedjit_msg_get(m, "user"))) {
		bool force = false;

		snprintf(arg, sizeof(arg), "%s", v);
		if (fedjit_msg_get_bool(m, "force", &force) < 0)
			force = false;
		return revalidate(arg, force);
	}
	fedjit_msg_start(m, "result");
	fedjit_msg_add(m, "status", "error");
	fedjit_msg_add(m, "message", "unknown op");
	return send_msg();
}

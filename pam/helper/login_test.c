/* SPDX-License-Identifier: Apache-2.0 */
/*
 * op=login-test (`fedjit login-test NAME [--idp NAME]`, contract in cli/cmd_helper.c):
 * the device flow runs exactly as for op=login (main.c chooses the IdP with the same
 * pre-flow check, login.c runs the network child); the child also sends the verified
 * claims (claims.h). Once the identity is verified, the root parent sends msg=approved,
 * forwards the claims, and asks provisioning what it would do, through its own decision
 * code in dry-run mode (provision.h fedjit_prov_ctx.dry_run): nothing is stored, no
 * secret, no home, no hook.
 *
 *   msg=result v=1 status=ok idp= issuer= subject= account=
 *              would=create|exists|refuse [reason=] [uid= gid= home= shell= gecos=
 *              domain= groups= [groups_omitted=N]]
 *   would=refuse: reason is "STATUS: why" with the pam/proto/proto.h status a login would
 *   get, and no entry. would=create with associate_existing: reason says the existing
 *   local account would be linked. groups: local names, comma separated; when they do
 *   not fit in one value (8 KiB) the list is cut at a comma and groups_omitted says how
 *   many were left out (also told as msg=info). A value that is not printable text is
 *   replaced by "(not printable)".
 * Internal trouble (the store unreadable, ...) is status=error, as for a login.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "common/escape.h"
#include "common/macro.h"
#include "pam/helper/helper.h"
#include "pam/provision/provision.h"

static int send_frame(struct fedjit_helper *h, struct fedjit_msg *m)
{
	return fedjit_msg_send(h->module_fd, m, h->deadline_usec);
}

static int send_info(struct fedjit_helper *h, const char *text)
{
	int r = fedjit_msg_start(h->msg, "info");

	if (r >= 0)
		r = fedjit_msg_add(h->msg, "text", text);
	return r < 0 ? r : send_frame(h, h->msg);
}

/* A text value, or a placeholder when the format refuses it (C1 controls, ...). */
static int add_text(struct fedjit_msg *m, const char *key, const char *value)
{
	int r = fedjit_msg_add(m, key, value);

	if (r == -EINVAL && value)
		r = fedjit_msg_add(m, key, "(not printable)");
	return r;
}

/* groups within one value: cut at the last comma that keeps at most
 * FEDJIT_PROTO_MAX_VALUE bytes; *ret_omitted: how many names were left out. */
static void fit_groups(char *groups, unsigned *ret_omitted)
{
	size_t len = strlen(groups), cut = 0;
	unsigned omitted = 1; /* the name cut into */

	*ret_omitted = 0;
	if (len <= FEDJIT_PROTO_MAX_VALUE)
		return;
	for (size_t i = 0; i <= FEDJIT_PROTO_MAX_VALUE; i++)
		if (groups[i] == ',')
			cut = i;
	for (size_t i = cut + 1; i < len; i++)
		omitted += groups[i] == ',';
	groups[cut] = '\0'; /* no comma at all: nothing fits, cut == 0 */
	*ret_omitted = omitted;
}

static const char *would_word(enum fedjit_prov_would w)
{
	switch (w) {
	case FEDJIT_PROV_WOULD_CREATE:
		return "create";
	case FEDJIT_PROV_WOULD_EXIST:
		return "exists";
	default:
		return "refuse";
	}
}

/* The claims frame the child sent, after msg=approved; what did not fit is told. */
static int forward_claims(struct fedjit_helper *h)
{
	const char *omitted;
	char text[FEDJIT_PROTO_MAX_VALUE];
	int r;

	if (!h->claims)
		return send_info(h, "The verified claims were not received.");
	r = send_frame(h, h->claims);
	omitted = fedjit_msg_get(h->claims, "omitted");
	if (r >= 0 && omitted) {
		snprintf(text, sizeof(text),
		         "Claims too large to show (8 KiB per message) were left out: %s", omitted);
		r = send_info(h, text);
	}
	return r;
}

static int send_result(struct fedjit_helper *h, const struct fedjit_identity *id,
                       const struct fedjit_prov_result *res, struct fedjit_prov_dry *dry)
{
	bool refuse = strcmp(res->status, "ok") != 0;
	enum fedjit_prov_would would = refuse ? FEDJIT_PROV_WOULD_REFUSE : dry->would;
	struct fedjit_msg *m = h->msg;
	char reason[1024] = "", text[128];
	unsigned omitted = 0;
	int r;

	if (refuse)
		snprintf(reason, sizeof(reason), "%s: %s", res->status, res->log);
	else if (dry->associate)
		snprintf(reason, sizeof(reason),
		         "associate_existing: the existing local account %s would be linked",
		         res->account);
	if (dry->groups)
		fit_groups(dry->groups, &omitted);
	syslog(LOG_INFO, "%s: user %s: login-test by (%s, %s): would %s%s%s",
	       FEDJIT_ESC(h->service), h->account, FEDJIT_ESC(id->issuer), FEDJIT_ESC(id->subject),
	       would_word(would), reason[0] ? ": " : "",
	       fedjit_escape((char[FEDJIT_ESCAPE_SIZE]){0}, FEDJIT_ESCAPE_SIZE, reason,
	                     FEDJIT_ESCAPE_LINE));

	r = fedjit_msg_start(m, "result");
	if (r >= 0)
		r = fedjit_msg_add(m, "status", "ok");
	if (r >= 0)
		r = fedjit_msg_add(m, "idp", h->idp->name);
	if (r >= 0)
		r = add_text(m, "issuer", id->issuer);
	if (r >= 0)
		r = add_text(m, "subject", id->subject);
	if (r >= 0)
		r = fedjit_msg_add(m, "account", res->account[0] ? res->account : h->account);
	if (r >= 0)
		r = fedjit_msg_add(m, "would", would_word(would));
	if (r >= 0 && reason[0])
		r = add_text(m, "reason", reason);
	if (r >= 0 && !refuse) {
		r = fedjit_msg_add_uint(m, "uid", res->uid);
		if (r >= 0)
			r = fedjit_msg_add_uint(m, "gid", res->gid);
		if (r >= 0)
			r = add_text(m, "home", dry->home);
		if (r >= 0)
			r = add_text(m, "shell", dry->shell);
		if (r >= 0)
			r = add_text(m, "gecos", dry->gecos);
		if (r >= 0)
			r = fedjit_msg_add(m, "domain", dry->domain);
		if (r >= 0)
			r = add_text(m, "groups", dry->groups ? dry->groups : "");
		if (r >= 0 && omitted)
			r = fedjit_msg_add_uint(m, "groups_omitted", omitted);
	}
	if (r < 0)
		return fedjit_helper_result(h, "error", NULL, "login-test: building the result: %s",
		                            strerror(-r));
	if (omitted) {
		/* before the result: the module side stops reading at the result */
		struct fedjit_msg *info = fedjit_msg_new();

		snprintf(text, sizeof(text), "%u more groups are not shown (8 KiB per message).",
		         omitted);
		r = info ? fedjit_msg_start(info, "info") : -ENOMEM;
		if (r >= 0)
			r = fedjit_msg_add(info, "text", text);
		if (r >= 0)
			r = send_frame(h, info);
		fedjit_msg_free(info);
		if (r < 0)
			return r;
	}
	h->done = true;
	return send_frame(h, m);
}

/* The token had no groups claim while a setting needs groups: say so before the result
 * (the claims shown above lack it; the administrator should not have to notice). */
static int tell_no_groups_claim(struct fedjit_helper *h, const struct fedjit_identity *id)
{
	const struct fedjit_idp *idp = h->idp;
	char text[512];

	if (!!id->groups_claim ||
	    (!idp->allowed_groups && idp->n_group_map == 0 && !idp->create_groups))
		return 0;
	snprintf(text, sizeof(text),
	         "The identity provider sent no %s claim (scopes: %s): allowed_groups, "
	         "group_map and create_groups see no groups.",
	         idp->groups_claim, idp->scopes);
	return send_info(h, text);
}

int fedjit_helper_login_test(struct fedjit_helper *h, const char *issuer, const char *subject,
                             const struct fedjit_msg *identity)
{
	struct fedjit_prov_dry dry = {0};
	const struct fedjit_prov_ctx ctx = {
	        .config = h->config,
	        .idp = h->idp,
	        .db_file = h->db_file,
	        .service = h->service,
	        .dry_run = &dry,
	};
	struct fedjit_prov_result res;
	struct fedjit_identity id;
	_cleanup_free_ char *groups_buf = NULL;
	int r;

	/* as for a login: the flow ended with a verified identity, the rest follows */
	r = fedjit_helper_send_approved(h);
	if (r >= 0)
		r = forward_claims(h);
	if (r < 0)
		return fedjit_helper_result(h, "error", NULL, "module gone: %s", strerror(-r));
	r = fedjit_identity_from_msg(identity, &id, &groups_buf);
	if (r < 0)
		return fedjit_helper_result(h, "error", NULL, "%s: identity (%s, %s): %s",
		                            h->idp->name, issuer, subject, strerror(-r));
	r = tell_no_groups_claim(h, &id);
	if (r < 0)
		return fedjit_helper_result(h, "error", NULL, "module gone: %s", strerror(-r));
	r = fedjit_provision_login(&ctx, &id, &h->login, &res);
	if (r < 0)
		r = fedjit_helper_result(h, "error", NULL, "login-test: %s", res.log);
	else
		r = send_result(h, &id, &res, &dry);
	free(dry.groups);
	return r;
}

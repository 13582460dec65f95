/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Running fedjit-helper from the admin tool: `fedjit idp test NAME` (cmd_idp.c) and
 * `fedjit login-test NAME` (cmd_login_test.c) start it (pam/proto/spawn.h, the same way
 * pam_fedjit.so does), send one request and show the conversation; the tool itself has
 * no network code (ARCHITECTURE.md invariant 1).
 *
 * PROTOCOL ADDITIONS (pam/proto/proto.h framing, fields, `v=1`):
 *   CLI -> helper
 *     msg=request v=1 op=idp-test idp=NAME [config=PATH] debug=0|1 silent=0
 *                interactive=0 timeout=SECONDS      (no user)
 *     msg=request v=1 op=login-test dry_run=1 user=NAME [idp=NAME]
 *                [config=PATH] debug=0|1 silent=0 interactive=1 timeout=SECONDS
 *                service=fedjit-login-test
 *     msg=answer as for op=login.
 *   helper -> CLI
 *     msg=check  v=1 step=STEP status=ok|warn|fail|skip [text=DETAIL] (warn: a doubt
 *                the helper cannot settle, e.g. whether the IdP sends the groups claim;
 *                not a failure)
 *                (idp-test, one per step, in order; STEP is one of discovery,
 *                tls, issuer, jwks, device_endpoint, client_auth, groups, or another
 *                word: the CLI prints what it gets)
 *     msg=claims v=1 json=TEXT    (login-test: the verified ID token claims as
 *                                 a JSON object; before the result)
 *     msg=device, approved, info, error, prompt: as for op=login.
 *     msg=result v=1 status=STATUS [message=] [log=]; for login-test with
 *                status=ok also idp= issuer= subject= account= and what
 *                provisioning would do: would=create|exists|refuse
 *                [reason=] uid= gid= home= shell= gecos= domain= groups=
 *                (comma-separated local group names). Nothing is stored.
 * An unknown message type is ignored (the protocol grows by optional parts).
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "cli/cli.h"
#include "common/escape.h"
#include "common/macro.h"
#include "pam/proto/proto.h"
#include "pam/proto/spawn.h"

static int answer_prompt(int fd, struct fedjit_msg *m)
{
	const char *style = fedjit_msg_get(m, "style");
	char buf[1024], question[FEDJIT_PROTO_MAX_VALUE + 4];
	int r;

	snprintf(question, sizeof(question), "%s ", fedjit_msg_get(m, "text") ?: "?");
	r = fedjit_cli_ask(question, !style || strcmp(style, "echo_off") != 0, buf, sizeof(buf));
	fedjit_msg_start(m, "answer");
	if (r < 0) {
		fedjit_msg_add(m, "status", "cancel");
	} else {
		fedjit_msg_add(m, "status", "ok");
		fedjit_msg_add(m, "value", buf);
	}
	explicit_bzero(buf, sizeof(buf));
	return fedjit_msg_send(fd, m, fedjit_proto_now_usec() + 5000000);
}

static void print_claims(const char *text)
{
	json_error_t err;
	json_t *j = json_loads(text, 0, &err);

	printf("verified claims:\n");
	if (!json_is_object(j)) {
		printf("  (not a JSON object: %s)\n", err.text);
	} else {
		char *s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);

		printf("%s\n", s ? s : "?");
		free(s);
	}
	json_decref(j);
}

static void print_result(const struct fedjit_msg *m, bool login_test)
{
	static const char *const fields[] = {"account", "would",  "reason", "uid",    "gid",
	                                     "home",    "shell",  "gecos",  "domain", "groups",
	                                     "idp",     "issuer", "subject"};
	const char *status = fedjit_msg_get(m, "status") ?: "error";
	const char *message = fedjit_msg_get(m, "message");
	const char *log = fedjit_msg_get(m, "log");

	/* What the helper says may quote claims: one line per field, escaped
	 * (common/escape.h; the log was escaped by the helper, its escapes stay). */
	printf("result: %s\n", FEDJIT_ESC(status));
	if (message)
		printf("message: %s\n", FEDJIT_ESC(message));
	if (log)
		printf("detail: %s\n",
		       fedjit_escape((char[FEDJIT_ESCAPE_SIZE * 4]){0}, FEDJIT_ESCAPE_SIZE * 4, log,
		                     FEDJIT_ESCAPE_LINE));
	for (size_t i = 0; login_test && i < FEDJIT_ELEMENTSOF(fields); i++) {
		const char *v = fedjit_msg_get(m, fields[i]);

		if (v)
			printf("%s: %s\n", fields[i], FEDJIT_ESC(v));
	}
}

/* Read helper messages until the result; returns the exit status. */
static int converse(struct fedjit_cli_helper_run *run, int fd, struct fedjit_msg *m,
                    bool login_test, uint64_t deadline)
{
	for (;;) {
		const char *type;
		int r = fedjit_msg_recv(fd, m, deadline);

		if (r == -ETIMEDOUT)
			return fedjit_cli_error("the helper did not answer in time");
		if (r < 0)
			return fedjit_cli_error("the helper ended without a result (%s)",
			                        strerror(-r));
		type = fedjit_msg_type(m);
		if (strcmp(type, "check") == 0) {
			const char *st = fedjit_msg_get(m, "status") ?: "?";

			printf("%-16s %-4s %s\n", FEDJIT_ESC(fedjit_msg_get(m, "step")),
			       FEDJIT_ESC(st),
			       fedjit_escape((char[FEDJIT_ESCAPE_SIZE * 2]){0},
			                     FEDJIT_ESCAPE_SIZE * 2,
			                     fedjit_msg_get(m, "text") ?: "", FEDJIT_ESCAPE_LINE));
			if (strcmp(st, "ok") != 0 && strcmp(st, "skip") != 0 &&
			    strcmp(st, "warn") != 0)
				run->steps_failed++;
		} else if (strcmp(type, "device") == 0) {
			const char *complete = fedjit_msg_get(m, "verification_uri_complete");

			printf("To sign in, open %s and enter the code %s\n",
			       fedjit_msg_get(m, "verification_uri") ?: "?",
			       fedjit_msg_get(m, "user_code") ?: "?");
			if (complete)
				printf("(or open %s)\n", complete);
			printf("Waiting for the approval...\n");
			fflush(stdout);
		} else if (strcmp(type, "approved") == 0) {
			printf("approved\n");
		} else if (strcmp(type, "info") == 0 || strcmp(type, "error") == 0) {
			printf("%s: %s\n", type, fedjit_msg_get(m, "text") ?: "");
		} else if (strcmp(type, "prompt") == 0) {
			r = answer_prompt(fd, m);
			if (r < 0)
				return fedjit_cli_error("answering the helper: %s", strerror(-r));
		} else if (strcmp(type, "claims") == 0) {
			print_claims(fedjit_msg_get(m, "json") ?: "");
		} else if (strcmp(type, "result") == 0) {
			print_result(m, login_test);
			if (strcmp(fedjit_msg_get(m, "status") ?: "", "unsupported") == 0)
				return fedjit_cli_error(
				        "%s does not implement op=%s (a helper from "
				        "before this tool?)",
				        run->helper, login_test ? "login-test" : "idp-test");
			return strcmp(fedjit_msg_get(m, "status") ?: "", "ok") == 0 &&
			                       run->steps_failed == 0
			               ? FEDJIT_EXIT_OK
			               : FEDJIT_EXIT_ERROR;
		}
		/* anything else: a newer helper's optional message */
	}
}

int fedjit_cli_helper_run(struct fedjit_cli_helper_run *run, struct fedjit_msg *req,
                          bool login_test, unsigned timeout)
{
	struct fedjit_helper_proc h = FEDJIT_HELPER_PROC_INIT;
	_cleanup_msg_ struct fedjit_msg *m = fedjit_msg_new();
	uint64_t deadline = fedjit_proto_now_usec() + (uint64_t)timeout * 1000000;
	int r, wstatus = 0;

	if (!m)
		return fedjit_cli_error("out of memory");
	/* The helper reads the IdP's root-only secrets and drops root itself. */
	r = fedjit_cli_need_root(login_test ? "login-test" : "idp test");
	if (r != 0)
		return r;
	fflush(stdout);
	r = fedjit_helper_spawn(run->helper, &h);
	if (r < 0)
		return fedjit_cli_error("starting %s: %s", run->helper, strerror(-r));
	r = fedjit_msg_send(h.fd, req, deadline);
	if (r < 0)
		r = fedjit_cli_error("talking to %s: %s", run->helper, strerror(-r));
	else
		r = converse(run, h.fd, m, login_test, deadline);
	if (fedjit_helper_finish(&h, 2000000, &wstatus) == 0 && WIFEXITED(wstatus) &&
	    WEXITSTATUS(wstatus) == 127 && r != FEDJIT_EXIT_OK)
		fedjit_cli_error("%s could not be run", run->helper);
	return r;
}

int fedjit_cli_helper_request(struct fedjit_cli *cli, struct fedjit_msg *m, const char *op,
                              bool debug, unsigned timeout)
{
	if (fedjit_msg_start(m, "request") < 0 || fedjit_msg_add(m, "op", op) < 0 ||
	    fedjit_msg_add(m, "config", cli->config_file) < 0 ||
	    fedjit_msg_add_bool(m, "debug", debug) < 0 ||
	    fedjit_msg_add_bool(m, "silent", false) < 0 ||
	    fedjit_msg_add_uint(m, "timeout", timeout) < 0)
		return fedjit_cli_error("building the request failed");
	return 0;
}

int fedjit_cli_helper_options(const char *cmd, const char *usage, int argc, char **argv,
                              struct fedjit_cli_helper_run *run, const char **idp,
                              const char **name, bool *help)
{
	static const struct option options[] = {
	        {"idp", required_argument, NULL, 'i'},
	        {"helper", required_argument, NULL, 'H'},
	        {"debug", no_argument, NULL, 'D'},
	        {"help", no_argument, NULL, 'h'},
	        {0},
	};
	int opt;

	*help = false;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 'i':
			if (!idp)
				return fedjit_cli_usage_error(cmd, "--idp is not an option here");
			*idp = optarg;
			break;
		case 'H':
			run->helper = optarg;
			break;
		case 'D':
			run->debug = true;
			break;
		case 'h':
			fputs(usage, stdout);
			*help = true;
			return 0;
		default:
			return fedjit_cli_usage_error(cmd, "unknown or incomplete option '%s'",
			                              argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return fedjit_cli_usage_error(cmd, "name one %s", idp ? "login name" : "IdP");
	*name = argv[optind];
	return 0;
}

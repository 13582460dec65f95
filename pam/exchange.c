/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One helper run for one PAM call; see exchange.h and, for the messages,
 * proto.h.
 *
 * Deadlines. The helper gets `timeout` and ends the device flow itself within
 * it; the module's own hard deadline is a few seconds later (SLACK) and is
 * what kills a helper that hangs. It shrinks to the device code's expires_in
 * (+ SLACK) when the device event arrives, and grows by the time the person
 * spends answering the helper's own prompts (consent, password): typing is
 * not the helper being slow. The module cannot interrupt a conversation call
 * (the service owns it); sshd's LoginGraceTime bounds those.
 *
 * Waiting for approval. With the Enter prompt (sshd needs it: it shows text
 * only in front of a prompt), the URL, code and QR code go out together with
 * "Press Enter once you have approved the sign-in". The helper polls
 * meanwhile. After Enter the module waits a little longer than one poll
 * interval for the helper to move on (`approved`, `prompt` or `result`); if
 * it does not, the person is told it is not approved yet and asked again,
 * until the deadline. This works the same over sshd keyboard-interactive,
 * sudo and login; an Enter pressed early costs one more round, not the login.
 * Without the prompt (nowait), the text is sent on its own and the module
 * simply waits for the result.
 */
#include <errno.h>
#include <security/pam_ext.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <syslog.h>

#include "common/config.h"
#include "common/escape.h"
#include "common/macro.h"
#include "pam/exchange.h"
#include "pam/proto/proto.h"
#include "pam/proto/spawn.h"
#include "pam/qr.h"

#define USEC         1000000ULL
#define SLACK        (5 * USEC) /* hard deadline beyond the helper's own */
#define SEND_TIMEOUT (5 * USEC) /* the helper reads at once; a stuck one is dead */
#define EXIT_GRACE   (2 * USEC) /* for the helper to exit after its result */
#define STOP_GRACE   (1 * USEC) /* after closing the socket, before SIGTERM */
#define EXPIRES_MAX \
	86400 /* accepted device code lifetime, seconds (the
                                   deadline bounds the wait anyway) */
#define INTERVAL_MAX 3600
#define ENTER_PROMPT "Press Enter once you have approved the sign-in "

enum phase {
	PHASE_START,    /* before the device flow started */
	PHASE_DEVICE,   /* instructions shown, waiting for approval */
	PHASE_APPROVED, /* the helper has the identity; no more Enter prompts */
};

struct run {
	struct fedjit_exchange *x;
	struct fedjit_helper_proc helper;
	struct fedjit_msg *m;
	uint64_t hard;       /* kill deadline */
	uint64_t enter_wait; /* how long to wait after Enter before asking again */
	enum phase phase;
	bool qr, wait_for_enter;
	char *uri, *code; /* for the "not approved yet" reminder */
};

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static int fail(struct run *run, int code, const char *why)
{
	if (!run->x->failure)
		run->x->failure = why;
	return code;
}

static void add_item(struct run *run, const char *key, int item)
{
	const void *v = NULL;

	if (pam_get_item(run->x->conv.pamh, item, &v) == PAM_SUCCESS && v &&
	    fedjit_msg_add(run->m, key, v) < 0 && run->x->debug)
		/* A value the protocol refuses (control characters) is left out. */
		pam_syslog(run->x->conv.pamh, LOG_DEBUG, "%s left out of the request", key);
}

static int send_request(struct run *run)
{
	struct fedjit_exchange *x = run->x;
	const void *conv = NULL;
	int r;

	r = fedjit_msg_start(run->m, "request");
	if (r == 0)
		r = fedjit_msg_add(run->m, "op", x->op);
	if (r == 0)
		r = fedjit_msg_add(run->m, "phase", x->phase);
	if (r == 0)
		r = fedjit_msg_add(run->m, "user", x->user);
	if (r == 0)
		r = fedjit_msg_add(run->m, "idp", x->idp);
	if (r == 0)
		r = fedjit_msg_add(run->m, "config", x->config);
	if (r == 0)
		r = fedjit_msg_add_bool(run->m, "debug", x->debug);
	if (r == 0)
		r = fedjit_msg_add_bool(run->m, "silent", x->silent);
	if (r == 0 && x->switch_user)
		r = fedjit_msg_add_bool(run->m, "switch_user", true);
	if (r == 0) {
		(void)pam_get_item(x->conv.pamh, PAM_CONV, &conv);
		r = fedjit_msg_add_bool(run->m, "interactive", conv != NULL);
	}
	if (r == 0)
		r = fedjit_msg_add_uint(run->m, "timeout", x->timeout);
	if (r < 0)
		return fail(run, PAM_SYSTEM_ERR, "request could not be encoded");
	add_item(run, "service", PAM_SERVICE);
	add_item(run, "rhost", PAM_RHOST);
	add_item(run, "ruser", PAM_RUSER);
	add_item(run, "tty", PAM_TTY);
	r = fedjit_msg_send(run->helper.fd, run->m, fedjit_proto_now_usec() + SEND_TIMEOUT);
	if (r < 0)
		return fail(run, PAM_SYSTEM_ERR, "helper did not take the request");
	return PAM_SUCCESS;
}

/* The IdP named in the device event decides the presentation, unless the
 * module arguments already did. */
static void apply_idp_settings(struct run *run, const char *name, uint64_t start)
{
	struct fedjit_exchange *x = run->x;
	const struct fedjit_idp *idp = NULL;

	if (x->cfg && name)
		idp = fedjit_config_idp(x->cfg, name);
	run->qr = !x->noqr && (!idp || idp->qr_code);
	run->wait_for_enter = !x->nowait && (!idp || idp->wait_for_enter);
	if (idp && !x->timeout_fixed && idp->timeout > 0)
		run->hard = min_u64(run->hard, start + idp->timeout * USEC + SLACK);
}

static int ask_enter(struct run *run)
{
	_cleanup_secret_ char *answer = NULL;
	int r = fedjit_conv_ask(&run->x->conv, PAM_PROMPT_ECHO_OFF, ENTER_PROMPT, &answer);

	if (r != PAM_SUCCESS) {
		run->x->conv_failed = true;
		return fail(run, r, "conversation failed (client gone?)");
	}
	return PAM_SUCCESS;
}

static int on_device(struct run *run, uint64_t start)
{
	struct fedjit_conv *c = &run->x->conv;
	const char *uri = fedjit_msg_get(run->m, "verification_uri");
	const char *complete = fedjit_msg_get(run->m, "verification_uri_complete");
	const char *code = fedjit_msg_get(run->m, "user_code");
	_cleanup_free_ char *text = NULL, *qr = NULL, *qrtext = NULL;
	uint64_t expires, interval = 5;
	int r;

	if (run->phase != PHASE_START || !uri || !*uri || !code || !*code ||
	    fedjit_msg_get_uint(run->m, "expires_in", EXPIRES_MAX, &expires) < 0 || expires == 0)
		return fail(run, PAM_SYSTEM_ERR, "helper sent a bad device message");
	r = fedjit_msg_get_uint(run->m, "interval", INTERVAL_MAX, &interval);
	if (r < 0 && r != -ENOENT)
		return fail(run, PAM_SYSTEM_ERR, "helper sent a bad device message");
	run->phase = PHASE_DEVICE;
	run->hard = min_u64(run->hard, fedjit_proto_now_usec() + expires * USEC + SLACK);
	/* A little more than one poll, so an approval made before Enter is in. */
	run->enter_wait = (interval < 3 ? 3 : interval > 27 ? 27 : interval) * USEC + 3 * USEC;
	apply_idp_settings(run, fedjit_msg_get(run->m, "idp") ?: run->x->default_idp, start);
	run->uri = strdup(uri);
	run->code = strdup(code);
	if (!run->uri || !run->code ||
	    asprintf(&text,
	             "To sign in, open this address in a browser:\n  %s\nand enter the code:  %s",
	             uri, code) < 0) {
		text = NULL;
		return fail(run, PAM_BUF_ERR, "out of memory");
	}
	/* The instructions are needed to log in at all: shown even with PAM_SILENT. */
	r = fedjit_conv_queue(c, PAM_TEXT_INFO, text, true);
	if (r == PAM_SUCCESS && run->qr && complete && *complete &&
	    fedjit_qr_render(complete, &qr) == 0) {
		if (asprintf(&qrtext, "Or scan this code with your phone:\n%s", qr) < 0)
			qrtext = NULL;
		else
			r = fedjit_conv_queue(c, PAM_TEXT_INFO, qrtext, true);
	}
	if (r != PAM_SUCCESS)
		return fail(run, r, "conversation failed");
	if (!run->wait_for_enter) {
		r = fedjit_conv_flush(c);
		if (r != PAM_SUCCESS) {
			run->x->conv_failed = true;
			return fail(run, r, "conversation failed (client gone?)");
		}
		return PAM_SUCCESS;
	}
	return ask_enter(run);
}

/* Enter was pressed but the helper has not moved on: say so, ask again. */
static int remind(struct run *run)
{
	_cleanup_free_ char *text = NULL;
	int r;

	if (asprintf(&text,
	             "The sign-in has not been approved yet.\nOpen %s and enter the code:  %s",
	             run->uri, run->code) < 0)
		return fail(run, PAM_BUF_ERR, "out of memory");
	r = fedjit_conv_queue(&run->x->conv, PAM_TEXT_INFO, text, true);
	if (r != PAM_SUCCESS)
		return fail(run, r, "conversation failed");
	return ask_enter(run);
}

static int on_prompt(struct run *run)
{
	const char *style = fedjit_msg_get(run->m, "style");
	const char *text = fedjit_msg_get(run->m, "text");
	_cleanup_secret_ char *answer = NULL;
	uint64_t before = fedjit_proto_now_usec();
	int pam_style, r;

	if (!style || !text)
		return fail(run, PAM_SYSTEM_ERR, "helper sent a bad prompt");
	if (strcmp(style, "echo_on") == 0)
		pam_style = PAM_PROMPT_ECHO_ON;
	else if (strcmp(style, "echo_off") == 0)
		pam_style = PAM_PROMPT_ECHO_OFF;
	else
		return fail(run, PAM_SYSTEM_ERR, "helper sent a bad prompt");
	r = fedjit_conv_ask(&run->x->conv, pam_style, text, &answer);
	if (r != PAM_SUCCESS) {
		run->x->conv_failed = true;
		return fail(run, r, "conversation failed (client gone?)");
	}
	run->hard += fedjit_proto_now_usec() - before;
	r = fedjit_msg_start(run->m, "answer");
	if (r == 0 && fedjit_msg_add(run->m, "value", answer) == 0)
		r = fedjit_msg_add(run->m, "status", "ok");
	else if (r == 0) {
		/* Too long or control characters: the helper decides (ask again). */
		r = fedjit_msg_add(run->m, "status", "cancel");
		(void)fedjit_conv_queue(&run->x->conv, PAM_ERROR_MSG,
		                        "That answer contains characters that cannot be used.",
		                        true);
	}
	if (r == 0)
		r = fedjit_msg_send(run->helper.fd, run->m, fedjit_proto_now_usec() + SEND_TIMEOUT);
	if (r < 0)
		return fail(run, PAM_SYSTEM_ERR, "helper did not take the answer");
	return PAM_SUCCESS;
}

static int copy_field(struct run *run, const char *key, char **ret)
{
	const char *v = fedjit_msg_get(run->m, key);

	if (!v)
		return PAM_SUCCESS;
	*ret = strdup(v);
	return *ret ? PAM_SUCCESS : fail(run, PAM_BUF_ERR, "out of memory");
}

static int on_result(struct run *run)
{
	struct fedjit_exchange *x = run->x;
	const char *status = fedjit_msg_get(run->m, "status");
	int r;

	if (!status || !*status || strlen(status) >= sizeof(x->status))
		return fail(run, PAM_SYSTEM_ERR, "helper sent a bad result");
	r = copy_field(run, "message", &x->message);
	if (r == PAM_SUCCESS)
		r = copy_field(run, "log", &x->log);
	if (r == PAM_SUCCESS)
		r = copy_field(run, "idp", &x->idp_name);
	if (r == PAM_SUCCESS)
		r = copy_field(run, "issuer", &x->issuer);
	if (r == PAM_SUCCESS)
		r = copy_field(run, "subject", &x->subject);
	if (r == PAM_SUCCESS)
		r = copy_field(run, "account", &x->account);
	if (r != PAM_SUCCESS)
		return r;
	if (fedjit_msg_get_bool(run->m, "chosen", &x->chosen) < 0)
		x->chosen = false;
	strcpy(x->status, status);
	return PAM_SUCCESS;
}

/* Reads and handles helper messages until the result. */
static int converse(struct run *run, uint64_t start)
{
	struct fedjit_exchange *x = run->x;

	for (;;) {
		uint64_t until = run->hard;
		bool after_enter = run->phase == PHASE_DEVICE && run->wait_for_enter;
		const char *type;
		int r;

		if (after_enter)
			until = min_u64(until, fedjit_proto_now_usec() + run->enter_wait);
		r = fedjit_msg_recv(run->helper.fd, run->m, until);
		if (r == -ETIMEDOUT && fedjit_proto_now_usec() < run->hard && after_enter) {
			r = remind(run);
			if (r != PAM_SUCCESS)
				return r;
			continue;
		}
		if (r == -ETIMEDOUT)
			return fail(run, PAM_AUTH_ERR, "helper did not finish before the deadline");
		if (r == -ECONNRESET)
			return fail(run, PAM_SYSTEM_ERR, "helper exited without a result");
		if (r == -EBADMSG || r == -EMSGSIZE)
			return fail(run, PAM_SYSTEM_ERR, "helper sent a malformed message");
		if (r < 0)
			return fail(run, PAM_SYSTEM_ERR, "reading from the helper failed");

		type = fedjit_msg_type(run->m);
		if (x->debug)
			pam_syslog(x->conv.pamh, LOG_DEBUG, "helper: %s", FEDJIT_ESC(type));
		if (strcmp(type, "result") == 0)
			return on_result(run);
		if (strcmp(type, "device") == 0)
			r = on_device(run, start);
		else if (strcmp(type, "approved") == 0) {
			run->phase = PHASE_APPROVED;
			r = PAM_SUCCESS;
		} else if (strcmp(type, "prompt") == 0) {
			run->phase = run->phase == PHASE_DEVICE ? PHASE_APPROVED : run->phase;
			r = on_prompt(run);
		} else if (strcmp(type, "info") == 0 || strcmp(type, "error") == 0) {
			const char *text = fedjit_msg_get(run->m, "text");

			if (!text)
				return fail(run, PAM_SYSTEM_ERR, "helper sent a bad message");
			r = fedjit_conv_queue(&x->conv,
			                      type[0] == 'i' ? PAM_TEXT_INFO : PAM_ERROR_MSG, text,
			                      false);
			/* Without an Enter prompt to carry it, the text goes out now. */
			if (r == PAM_SUCCESS && run->phase != PHASE_START && !run->wait_for_enter)
				r = fedjit_conv_flush(&x->conv);
		} else
			return fail(run, PAM_SYSTEM_ERR, "helper sent an unknown message");
		if (r != PAM_SUCCESS)
			return r;
	}
}

int fedjit_exchange_run(pam_handle_t *pamh, struct fedjit_exchange *x)
{
	uint64_t start = fedjit_proto_now_usec();
	struct run run = {
	        .x = x,
	        .helper = FEDJIT_HELPER_PROC_INIT,
	        .hard = start + x->timeout * USEC + SLACK,
	        .enter_wait = 8 * USEC,
	        .phase = PHASE_START,
	};
	int wstatus = 0, r, fr;

	fedjit_conv_init(&x->conv, pamh, x->silent);
	x->status[0] = 0;
	x->failure = NULL;
	apply_idp_settings(&run, NULL, start);
	run.m = fedjit_msg_new();
	if (!run.m)
		return fail(&run, PAM_BUF_ERR, "out of memory");
	r = fedjit_helper_spawn(x->helper_path, &run.helper);
	if (r < 0) {
		fedjit_msg_free(run.m);
		pam_syslog(pamh, LOG_ERR, "cannot start %s: %s", x->helper_path, strerror(-r));
		return fail(&run, PAM_SYSTEM_ERR, "helper could not be started");
	}
	r = send_request(&run);
	if (r == PAM_SUCCESS)
		r = converse(&run, start);
	/* After a result the helper exits by itself; otherwise it is stopped now. */
	fr = fedjit_helper_finish(&run.helper, r == PAM_SUCCESS ? EXIT_GRACE : STOP_GRACE,
	                          &wstatus);
	if (r == PAM_SUCCESS && fr == -ETIMEDOUT)
		pam_syslog(pamh, LOG_WARNING, "helper did not exit after its result; killed");
	else if (x->conv_failed)
		pam_syslog(pamh, LOG_NOTICE, "%s for %s: %s; helper stopped", x->op,
		           FEDJIT_ESC(x->user), x->failure);
	else if (r != PAM_SUCCESS)
		pam_syslog(pamh, LOG_ERR, "%s for %s failed: %s (helper %s %d)", x->op,
		           FEDJIT_ESC(x->user), x->failure,
		           fr == -ETIMEDOUT       ? "stopped, status"
		           : WIFSIGNALED(wstatus) ? "killed by signal"
		                                  : "exited with status",
		           WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : WEXITSTATUS(wstatus));
	fedjit_msg_free(run.m);
	free(run.uri);
	free(run.code);
	return r;
}

void fedjit_exchange_done(struct fedjit_exchange *x)
{
	fedjit_conv_clear(&x->conv);
	free(x->message);
	free(x->log);
	free(x->idp_name);
	free(x->issuer);
	free(x->subject);
	free(x->account);
	x->message = x->log = x->idp_name = x->issuer = x->subject = x->account = NULL;
}

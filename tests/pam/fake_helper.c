/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A stand-in for fedjit-helper in the PAM module tests: speaks pam/proto/proto.h on
 * fd 3 and behaves well or badly depending on the user name in the request.
 * It appends what it saw to "<config>.log" (the request's config path), and
 * waits for "<config>.go" where a test needs to say when to go on.
 *
 *   ok         device event, then result ok at once
 *   wait       device event, result ok once <config>.go exists
 *   late       device event, result ok 2 s later (approved while the module
 *              waits after an early Enter)
 *   approve    device event, approved, 5 s of "provisioning", result ok
 *   anon       like ok, but the device event names no IdP
 *   nodevice   result ok without a device flow
 *   denied, expired, unreachable, locked, notallowed, idpgone, nosuchop, oops, busy
 *              device event, then that status (oops: an unknown status)
 *   wrong      result ok, but for the account "someone"
 *   chooser    result ok for the new account "chosen-name", chosen=1 (the person
 *              picked that name); logs the request's switch_user
 *   noident    result ok without issuer/subject/account
 *   unknown    result unknown_user, no device flow
 *   info       info + error messages, then device, then ok
 *   chatty     40 info messages, then device, then ok
 *   prompt     asks a password (echo_off) and a name (echo_on), logs the
 *              answers, then ok
 *   crash      device event, then SIGSEGV
 *   early      exits at once without reading
 *   hang       device event, then ignores SIGTERM and sleeps
 *   garbage    sends a malformed frame
 *   huge       sends a frame header of 16 MiB and keeps writing
 *   badfirst   sends a second device event
 *   slowexit   result ok, then ignores SIGTERM and sleeps
 *   envcheck   logs its fds, environment, signal mask and dispositions
 *   byebye     device event, then waits for EOF on fd 3 and logs "eof"
 *   hostile    result ok whose log and subject hold line feeds and a tab (what a
 *              helper that did not escape an IdP's text would send)
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/macro.h"
#include "pam/proto/proto.h"

extern char **environ;

static char log_path[4096], go_path[4096];
static struct fedjit_msg *m;

static void logf_(const char *fmt, ...)
{
	va_list ap;
	FILE *f;

	if (!log_path[0])
		return;
	f = fopen(log_path, "a");
	if (!f)
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fclose(f);
}

static void send_or_die(void)
{
	if (fedjit_msg_send(FEDJIT_PROTO_FD, m, fedjit_proto_now_usec() + 5000000) < 0)
		_exit(2);
}

static bool name_idp = true;

static void device(void)
{
	fedjit_msg_start(m, "device");
	fedjit_msg_add(m, "verification_uri", "https://idp.test/device");
	fedjit_msg_add(m, "verification_uri_complete",
	               "https://idp.test/device?user_code=WDJB-MJHT");
	fedjit_msg_add(m, "user_code", "WDJB-MJHT");
	fedjit_msg_add(m, "expires_in", "120");
	fedjit_msg_add(m, "interval", "1");
	if (name_idp)
		fedjit_msg_add(m, "idp", "corp");
	send_or_die();
}

static void result_chosen(const char *status, const char *account, bool chosen)
{
	fedjit_msg_start(m, "result");
	fedjit_msg_add(m, "status", status);
	fedjit_msg_add(m, "log", "fake helper says so");
	if (strcmp(status, "ok") == 0 && account) {
		fedjit_msg_add(m, "idp", "corp");
		fedjit_msg_add(m, "issuer", "https://idp.test");
		fedjit_msg_add(m, "subject", "sub-1");
		fedjit_msg_add(m, "account", account);
		if (chosen)
			fedjit_msg_add_bool(m, "chosen", true);
	}
	send_or_die();
}

static void result(const char *status, const char *account)
{
	result_chosen(status, account, false);
}

static void text(const char *type, const char *t)
{
	fedjit_msg_start(m, type);
	fedjit_msg_add(m, "text", t);
	send_or_die();
}

static const char *ask(const char *style, const char *question)
{
	fedjit_msg_start(m, "prompt");
	fedjit_msg_add(m, "style", style);
	fedjit_msg_add(m, "text", question);
	send_or_die();
	if (fedjit_msg_recv(FEDJIT_PROTO_FD, m, fedjit_proto_now_usec() + 10000000) < 0 ||
	    strcmp(fedjit_msg_type(m), "answer") != 0)
		_exit(3);
	return fedjit_msg_get(m, "value");
}

static void wait_for_go(void)
{
	for (int i = 0; i < 3000 && access(go_path, F_OK) < 0; i++)
		usleep(10000);
}

static void envcheck(void)
{
	struct stat st, null;
	sigset_t mask;
	int others = 0, handlers = 0;
	bool fds_ok = stat("/dev/null", &null) == 0;

	for (int fd = 0; fd < 3; fd++)
		fds_ok = fds_ok && fstat(fd, &st) == 0 && st.st_rdev == null.st_rdev &&
		         S_ISCHR(st.st_mode);
	fds_ok = fds_ok && fstat(3, &st) == 0 && S_ISSOCK(st.st_mode);
	for (int fd = 4; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			others++;
	logf_("fds %s, %d other", fds_ok ? "ok" : "bad", others);
	for (char **e = environ; *e; e++)
		logf_("env %s", *e);
	sigprocmask(SIG_SETMASK, NULL, &mask);
	for (int s = 1; s < NSIG; s++)
		if (sigismember(&mask, s) == 1)
			logf_("blocked %d", s);
	/* The signals the test gave a handler or SIG_IGN (a sanitizer runtime
	 * installs its own handlers for others). */
	for (int s = 0; s < 2; s++) {
		struct sigaction sa;

		if (sigaction(s ? SIGCHLD : SIGUSR1, NULL, &sa) == 0 && sa.sa_handler != SIG_DFL)
			handlers++;
	}
	logf_("handlers %d", handlers);
}

int main(void)
{
	const char *user, *config, *v;
	bool login;
	char buf[4096];

	m = fedjit_msg_new();
	if (!m)
		return 1;
	if (fedjit_msg_recv(FEDJIT_PROTO_FD, m, fedjit_proto_now_usec() + 10000000) < 0 ||
	    strcmp(fedjit_msg_type(m), "request") != 0)
		return 2;
	user = fedjit_msg_get(m, "user");
	config = fedjit_msg_get(m, "config");
	if (!user || !config)
		return 2;
	snprintf(log_path, sizeof(log_path), "%s.log", config);
	snprintf(go_path, sizeof(go_path), "%s.go", config);
	/* The module compares the account with the canonical (folded) name. */
	user = strdup(user);
	for (char *p = (char *)user; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	login = strcmp(fedjit_msg_get(m, "op") ?: "", "login") == 0;
	logf_("request op=%s phase=%s user=%s service=%s rhost=%s tty=%s timeout=%s "
	      "silent=%s debug=%s interactive=%s idp=%s",
	      fedjit_msg_get(m, "op"), fedjit_msg_get(m, "phase") ?: "-", user,
	      fedjit_msg_get(m, "service") ?: "-", fedjit_msg_get(m, "rhost") ?: "-",
	      fedjit_msg_get(m, "tty") ?: "-", fedjit_msg_get(m, "timeout"),
	      fedjit_msg_get(m, "silent"), fedjit_msg_get(m, "debug"),
	      fedjit_msg_get(m, "interactive"), fedjit_msg_get(m, "idp") ?: "-");

	if (strcmp(user, "ok") == 0) {
		if (login)
			device();
		result("ok", user);
	} else if (strcmp(user, "wait") == 0) {
		device();
		wait_for_go();
		result("ok", user);
	} else if (strcmp(user, "late") == 0) {
		device();
		sleep(2);
		result("ok", user);
	} else if (strcmp(user, "anon") == 0) {
		name_idp = false;
		device();
		result("ok", user);
	} else if (strcmp(user, "approve") == 0) {
		device();
		fedjit_msg_start(m, "approved");
		send_or_die();
		sleep(5);
		result("ok", user);
	} else if (strcmp(user, "nodevice") == 0)
		result("ok", user);
	else if (strcmp(user, "wrong") == 0) {
		device();
		result("ok", "someone");
	} else if (strcmp(user, "chooser") == 0) {
		logf_("switch_user=%s", fedjit_msg_get(m, "switch_user") ?: "-");
		device();
		result_chosen("ok", "chosen-name", true);
	} else if (strcmp(user, "noident") == 0)
		result("ok", NULL);
	else if (strcmp(user, "unknown") == 0)
		result("unknown_user", NULL);
	else if (strcmp(user, "info") == 0) {
		text("info", "Hello from the helper.");
		text("error", "Careful.");
		device();
		text("info", "Approved, creating your account.");
		result("ok", user);
	} else if (strcmp(user, "chatty") == 0) {
		for (int i = 0; i < 40; i++) {
			snprintf(buf, sizeof(buf), "line %d", i);
			text("info", buf);
		}
		device();
		result("ok", user);
	} else if (strcmp(user, "prompt") == 0) {
		v = ask("echo_off", "New password: ");
		logf_("answer1 %s", v ? v : "(none)");
		v = ask("echo_on", "Pick a name: ");
		logf_("answer2 %s status=%s", v ? v : "(none)", fedjit_msg_get(m, "status"));
		result("ok", user);
	} else if (strcmp(user, "crash") == 0) {
		device();
		raise(SIGSEGV);
	} else if (strcmp(user, "early") == 0)
		return 0;
	else if (strcmp(user, "hang") == 0 || strcmp(user, "slowexit") == 0) {
		if (user[0] == 'h')
			device();
		else
			result("ok", user);
		signal(SIGTERM, SIG_IGN);
		for (;;)
			pause();
	} else if (strcmp(user, "garbage") == 0) {
		static const char bad[] = "\0\0\0\x08msg\0\x1b[2J";

		if (write(FEDJIT_PROTO_FD, bad, sizeof(bad) - 1) < 0)
			return 4;
		pause();
	} else if (strcmp(user, "huge") == 0) {
		memset(buf, 'x', sizeof(buf));
		memcpy(buf, "\x01\0\0\0", 4);
		signal(SIGPIPE, SIG_IGN);
		for (int i = 0; i < 4096; i++)
			if (write(FEDJIT_PROTO_FD, buf, sizeof(buf)) < 0)
				break;
	} else if (strcmp(user, "badfirst") == 0) {
		device();
		device();
		pause();
	} else if (strcmp(user, "envcheck") == 0) {
		envcheck();
		result("ok", user);
	} else if (strcmp(user, "hostile") == 0) {
		fedjit_msg_start(m, "result");
		fedjit_msg_add(m, "status", "ok");
		fedjit_msg_add(m, "log", "claimed name x\nFORGED-LOG: root signed in\tok");
		fedjit_msg_add(m, "idp", "corp");
		fedjit_msg_add(m, "issuer", "https://idp.test");
		fedjit_msg_add(m, "subject", "sub-1\nFORGED-SUBJECT: root signed in");
		fedjit_msg_add(m, "account", user);
		send_or_die();
	} else if (strcmp(user, "byebye") == 0) {
		signal(SIGTERM, SIG_IGN);
		device();
		if (recv(FEDJIT_PROTO_FD, buf, sizeof(buf), 0) == 0)
			logf_("eof");
	} else {
		static const char *const statuses[][2] = {
		        {"denied", "denied"},
		        {"expired", "expired"},
		        {"unreachable", "unreachable"},
		        {"locked", "locked"},
		        {"notallowed", "not_allowed"},
		        {"idpgone", "idp_removed"},
		        {"oops", "no_such_status"},
		        {"nosuchop", "unsupported"},
		        {"busy", "busy"},
		};

		for (size_t i = 0; i < FEDJIT_ELEMENTSOF(statuses); i++)
			if (strcmp(user, statuses[i][0]) == 0) {
				if (login)
					device();
				result(statuses[i][1], user);
				return 0;
			}
		result("error", NULL);
	}
	return 0;
}

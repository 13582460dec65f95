/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Provisioning with a person to ask (consent, password, username), the
 * subject-derived name, non-blocking mode with a worker killed halfway,
 * op=chauthtok and the pre-flow check. Needs root for the homes.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/macro.h"
#include "pam/proto/proto.h"
#include "tests/unit/provision_fixture.h"

static struct fedjit_consent *consent_of(struct fx *f, const char *name)
{
	struct fedjit_secret_store *ss = NULL;
	struct fedjit_consent *c = NULL;

	if (fedjit_secret_open(f->secret, FEDJIT_STORE_RDONLY, &ss) < 0)
		return NULL;
	(void)fedjit_secret_get_consent(ss, name, &c);
	fedjit_secret_close(ss);
	return c;
}

static char *hash_of(struct fx *f, const char *name)
{
	struct fedjit_secret_store *ss = NULL;
	char *h = NULL;

	if (fedjit_secret_open(f->secret, FEDJIT_STORE_RDONLY, &ss) < 0)
		return NULL;
	(void)fedjit_secret_get_password_hash(ss, name, &h);
	fedjit_secret_close(ss);
	return h;
}

static void test_consent(void **state)
{
	struct fx *f = *state;
	struct fedjit_prov_result res;
	const char *groups[] = {"admins", NULL};
	struct fedjit_identity id = fx_identity("sub-ann", "ann", groups);

	NEED_ROOT(f);
	fx_config(f, "",
	          "provisioning = always\ndomain = PRIMARY\nprompt = consent\n"
	          "group_map = admins:sudo\n");
	fx_answers(f, "no", NULL);
	assert_string_equal(fx_login(f, &id, "ann", &res), "denied");
	assert_int_equal(fx_count_users(f), 0);
	assert_null(consent_of(f, "ann"));
	/* what the person saw: claim -> attribute, values and groups */
	assert_non_null(strstr(f->transcript, "user name   ann  (preferred_username)"));
	assert_non_null(strstr(f->transcript, "full name   Test Person  (claim name)"));
	assert_non_null(strstr(f->transcript, "groups      sudo  (claim groups)"));

	fx_answers(f, "maybe", "yes", NULL);
	assert_string_equal(fx_login(f, &id, "ann", &res), "ok");
	assert_non_null(strstr(f->transcript, "yes or no"));
	struct fedjit_consent *c = consent_of(f, "ann");
	assert_non_null(c);
	assert_int_equal(c->when, 1700000000);
	assert_int_equal(c->text_version, 1);
	assert_string_equal(c->idp, "t");
	assert_non_null(strstr(c->what, "Create this account?"));
	fedjit_consent_free(c);
	/* nothing asked at the next login */
	fx_answers(f, NULL);
	assert_string_equal(fx_login(f, &id, "ann", &res), "ok");
	assert_string_equal(f->transcript, "");

	/* a service that cannot ask: refused, not silently provisioned */
	struct fedjit_identity other = fx_identity("sub-ben", "ben", NULL);
	f->ctx.conv = NULL;
	assert_string_equal(fx_login(f, &other, "ben", &res), "error");
	assert_int_equal(fx_count_users(f), 1);
}

static void test_password(void **state)
{
	struct fx *f = *state;
	struct fedjit_prov_result res;
	struct fedjit_identity id = fx_identity("sub-cy", "cyrus", NULL);

	NEED_ROOT(f);
	fx_config(f, "", "provisioning = always\ndomain = PRIMARY\nprompt = password+consent\n");
	/* too short; a mismatch; then good (three tries) */
	fx_answers(f, "yes", "short", "Secret123x", "Secret123y", "Secret123x", "Secret123x", NULL);
	assert_string_equal(fx_login(f, &id, "cyrus", &res), "ok");
	assert_non_null(strstr(f->transcript, "at least 8"));
	assert_non_null(strstr(f->transcript, "do not match"));
	char why[160];
	assert_int_equal(fedjit_password_check("xcyrus123", "cyrus", why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "user name"));
	assert_int_equal(fedjit_password_check("abcdefghij", "cyrus", why, sizeof(why)), -EINVAL);
	assert_int_equal(fedjit_password_check("abcdefghi1", "cyrus", why, sizeof(why)), 0);
	char *h = hash_of(f, "cyrus");
	assert_non_null(h);
	assert_memory_equal(h, "$y$", 3);
	assert_int_equal(fedjit_password_verify("Secret123x", h), 1);
	assert_int_equal(fedjit_password_verify("Secret123y", h), 0);
	fedjit_secret_free(h);
	/* the secret never reaches the world-readable store or the log */
	assert_null(strstr(res.log, "Secret"));

	/* three bad tries: nothing created */
	struct fedjit_identity d = fx_identity("sub-di", "dina", NULL);
	fx_answers(f, "yes", "a", "b", "c", NULL);
	assert_string_equal(fx_login(f, &d, "dina", &res), "denied");
	assert_null(fx_user(f, "dina"));
	assert_null(hash_of(f, "dina"));
}

static void test_username_prompt(void **state)
{
	struct fx *f = *state;
	struct fedjit_prov_result res;
	struct fedjit_identity id = fx_identity("sub-ed", "ed", NULL);

	NEED_ROOT(f);
	fx_config(f, "",
	          "provisioning = always\ndomain = PRIMARY\n"
	          "prompt = username+password+consent\n");
	/* root (reserved), carol (taken elsewhere), a:b (invalid), then edward */
	fx_answers(f, "root", "carol", "a:b", NULL);
	assert_string_equal(fx_login(f, &id, "ed", &res), "denied");
	assert_int_equal(fx_count_users(f), 0);
	assert_non_null(strstr(f->transcript, "taken"));

	fx_answers(f, "Edward", "yes", "Secret123x", "Secret123x", NULL);
	assert_string_equal(fx_login(f, &id, "ed", &res), "wrong_account");
	assert_int_equal(res.action, FEDJIT_PROV_CREATED);
	assert_false(res.chosen);
	assert_non_null(strstr(res.message, "edward"));
	struct fedjit_user *u = fx_user(f, "edward");
	assert_non_null(u);
	fedjit_user_free(u);
	/* and now as that name: the identity's account */
	fx_answers(f, NULL);
	assert_string_equal(fx_login(f, &id, "edward", &res), "ok");

	/* the default answer is the name logged in with */
	struct fedjit_identity g = fx_identity("sub-gus", "whatever", NULL);
	fx_answers(f, "", "yes", "Secret123x", "Secret123x", NULL);
	assert_string_equal(fx_login(f, &g, "gus", &res), "ok");
	assert_string_equal(res.account, "gus");
	/* a name taken in the store is refused */
	struct fedjit_identity h = fx_identity("sub-hu", "hu", NULL);
	fx_answers(f, "gus", NULL);
	assert_string_equal(fx_login(f, &h, "hu", &res), "error"); /* conversation ended */
	assert_int_equal(fx_count_users(f), 2);

	/* where the module can switch PAM_USER (console login), the login goes on
	 * as the chosen name */
	struct fedjit_identity k = fx_identity("sub-kim", "kim", NULL);
	f->ctx.switch_user = true;
	fx_answers(f, "kimberly", "yes", "Secret123x", "Secret123x", NULL);
	assert_string_equal(fx_login(f, &k, "kim", &res), "ok");
	assert_int_equal(res.action, FEDJIT_PROV_CREATED);
	assert_true(res.chosen);
	assert_string_equal(res.account, "kimberly");
	assert_int_equal(fx_count_users(f), 3);
	/* the default answer (the login name) is no switch */
	struct fedjit_identity l = fx_identity("sub-lu", "lu", NULL);
	fx_answers(f, "", "yes", "Secret123x", "Secret123x", NULL);
	assert_string_equal(fx_login(f, &l, "lu", &res), "ok");
	assert_false(res.chosen);
	f->ctx.switch_user = false;
}

static void test_subject_name(void **state)
{
	struct fx *f = *state;
	struct fedjit_prov_result res;
	struct fedjit_identity id = fx_identity("sub-fi", "root", NULL);
	char name[FEDJIT_NAME_MAX + 1];

	NEED_ROOT(f);
	fx_config(f, "", "provisioning = always\ndomain = PRIMARY\nusername_from = subject\n");
	fedjit_name_from_subject("https://idp.example", "sub-fi", name);
	assert_string_equal(fx_login(f, &id, "fi", &res), "wrong_account");
	assert_non_null(strstr(res.message, name));
	assert_int_equal(fx_count_users(f), 0);
	assert_string_equal(fx_login(f, &id, name, &res), "ok");
	assert_string_equal(res.account, name);
}

static void test_nonblocking(void **state)
{
	struct fx *f = *state;
	struct fedjit_prov_result res;
	const char *groups[] = {"devs", NULL};
	struct fedjit_identity id = fx_identity("sub-jo", "jo", groups);
	char hook[600], body[2200], conf[1400], home[700], marker[600];
	uint32_t gids[4];
	struct stat st;

	NEED_ROOT(f);
	/* the first run kills its worker (its parent) halfway: after the groups
	 * and the home, before the hook finished */
	snprintf(marker, sizeof(marker), "%s/hook-ran", f->dir);
	snprintf(body, sizeof(body),
	         "if [ ! -e %s ]; then : > %s; kill -9 $PPID; sleep 5; exit 1; fi\n"
	         "echo again >> %s",
	         marker, marker, marker);
	fx_script(f, "hook", body, hook, sizeof(hook));
	snprintf(conf, sizeof(conf),
	         "provisioning = always\ndomain = PRIMARY\nmode = non-blocking\n"
	         "group_map = devs:developers\nprovision_hook = %s\n",
	         hook);
	fx_config(f, "", conf);
	assert_string_equal(fx_login(f, &id, "jo", &res), "ok");
	assert_int_equal(res.action, FEDJIT_PROV_CREATED);
	assert_true(res.worker > 0);
	struct fedjit_user *u = fx_user(f, "jo");
	assert_non_null(u);
	assert_true(u->flags & FEDJIT_USER_PENDING); /* the worker died */
	fedjit_user_free(u);
	assert_int_equal(fx_gids(f, "jo", gids, 4), 1); /* groups were done */
	snprintf(home, sizeof(home), "%s/jo", f->home_root);
	assert_int_equal(lstat(home, &st), 0);

	/* next login: repaired */
	assert_string_equal(fx_login(f, &id, "jo", &res), "ok");
	assert_int_equal(res.action, FEDJIT_PROV_UPDATED);
	u = fx_user(f, "jo");
	assert_false(u->flags & FEDJIT_USER_PENDING);
	fedjit_user_free(u);
	FILE *fp = fopen(marker, "r");
	char line[32] = "";
	assert_non_null(fp);
	assert_non_null(fgets(line, sizeof(line), fp));
	fclose(fp);
	assert_string_equal(line, "again\n");

	/* group removed at the IdP: the background sync removes it */
	id = fx_identity("sub-jo", "jo", NULL);
	assert_string_equal(fx_login(f, &id, "jo", &res), "ok");
	assert_int_equal(fx_gids(f, "jo", gids, 4), 0);
}

/* The real, detached worker: not our child, outlives the call, finishes the account. */
static void test_detached_worker(void **state)
{
	struct fx *f = *state;
	struct fedjit_prov_result res;
	struct fedjit_identity id = fx_identity("sub-det", "detta", NULL);
	struct fedjit_user *u = NULL;
	bool done = false;

	NEED_ROOT(f);
	fx_config(f, "", "provisioning = always\ndomain = PRIMARY\nmode = non-blocking\n");
	f->ctx.wait_worker = false;
	assert_string_equal(fx_login(f, &id, "detta", &res), "ok");
	assert_int_equal(res.action, FEDJIT_PROV_CREATED);
	assert_true(res.worker > 0);
	assert_int_equal(waitpid(res.worker, NULL, WNOHANG), -1); /* not our child */
	assert_int_equal(errno, ECHILD);
	/* wait for it to finish (bounded: 60 s), then everything is there */
	for (int i = 0; i < 600 && !done; i++) {
		u = fx_user(f, "detta");
		assert_non_null(u);
		done = !(u->flags & FEDJIT_USER_PENDING);
		if (!done) {
			fedjit_user_free(u);
			u = NULL;
			usleep(100000);
		}
	}
	assert_true(done);
	struct stat st;
	assert_int_equal(stat(u->home, &st), 0);
	assert_int_equal(st.st_uid, u->uid);
	fedjit_user_free(u);
}

static void test_chauthtok(void **state)
{
	struct fx *f = *state;
	struct fedjit_prov_result res;
	struct fedjit_identity id = fx_identity("sub-kim", "kim", NULL);

	NEED_ROOT(f);
	fx_config(f, "", "provisioning = always\ndomain = PRIMARY\nprompt = password+consent\n");
	fx_answers(f, "yes", "Secret123x", "Secret123x", NULL);
	assert_string_equal(fx_login(f, &id, "kim", &res), "ok");

	fx_answers(f, "wrong-one", NULL);
	assert_int_equal(fx_chauthtok(f, "kim", &res), 0);
	assert_string_equal(res.status, "denied");
	fx_answers(f, "Secret123x", "Newer456y", "Newer456y", NULL);
	assert_int_equal(fx_chauthtok(f, "kim", &res), 0);
	assert_string_equal(res.status, "ok");
	char *h = hash_of(f, "kim");
	assert_int_equal(fedjit_password_verify("Newer456y", h), 1);
	fedjit_secret_free(h);

	/* silent provisioning: no local password, and none may be created (it
	 * would be a way in that the IdP never approved) */
	fx_config(f, "", "provisioning = always\ndomain = PRIMARY\n");
	struct fedjit_identity l = fx_identity("sub-lu", "lu", NULL);
	assert_string_equal(fx_login(f, &l, "lu", &res), "ok");
	fx_answers(f, "Fresh789z", "Fresh789z", NULL);
	assert_int_equal(fx_chauthtok(f, "lu", &res), 0);
	assert_string_equal(res.status, "unsupported");
	char *none = hash_of(f, "lu");
	assert_null(none);
	/* with a password prompt mode, the first one may be set: none asked for */
	fx_config(f, "", "provisioning = always\ndomain = PRIMARY\nprompt = password+consent\n");
	assert_int_equal(fx_chauthtok(f, "lu", &res), 0);
	assert_string_equal(res.status, "ok");
	assert_null(strstr(f->transcript, "Current"));
	assert_int_equal(fx_chauthtok(f, "nobody9", &res), 0);
	assert_string_equal(res.status, "unknown_user");
}

static void test_precheck(void **state)
{
	struct fx *f = *state;
	struct fedjit_prov_result res;
	struct fedjit_identity id = fx_identity("sub-mo", "mo", NULL);

	NEED_ROOT(f);
	fx_config(f, "", "provisioning = always\ndomain = PRIMARY\n");
	assert_int_equal(fx_precheck(f, "mo", &res), 1);
	assert_int_equal(fx_precheck(f, "carol", &res), 0);
	assert_string_equal(res.status, "unknown_user");
	assert_int_equal(fx_precheck(f, "root", &res), 0);
	assert_int_equal(fx_precheck(f, "NOPE/mo", &res), 0);
	assert_string_equal(fx_login(f, &id, "mo", &res), "ok");
	fx_config(f, "", "provisioning = none\n");
	assert_int_equal(fx_precheck(f, "mo", &res), 1); /* stored */
	assert_int_equal(fx_precheck(f, "newbie", &res), 0);
}

/* The protocol side: identity frames and prompts answered by a fake module. */
static void test_proto(void **state)
{
	struct fedjit_msg *m = fedjit_msg_new();
	struct fedjit_identity id;
	char *buf = NULL, *answer = NULL;
	int sv[2];

	assert_int_equal(fedjit_msg_start(m, "identity"), 0);
	assert_int_equal(fedjit_msg_add(m, "issuer", "https://idp.example"), 0);
	assert_int_equal(fedjit_msg_add(m, "subject", "s1"), 0);
	assert_int_equal(fedjit_msg_add(m, "username", "al"), 0);
	assert_int_equal(fedjit_msg_add(m, "groups", "a b\n\nc"), 0);
	assert_int_equal(fedjit_identity_from_msg(m, &id, &buf), 0);
	assert_string_equal(id.username, "al");
	assert_null(id.gecos);
	assert_int_equal(id.n_groups, 2);
	assert_string_equal(id.groups[0], "a b");
	assert_string_equal(id.groups[1], "c");
	assert_null(id.groups[2]);
	free(buf);
	assert_int_equal(fedjit_msg_start(m, "identity"), 0);
	assert_int_equal(fedjit_identity_from_msg(m, &id, &buf), -EBADMSG);

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* the module: answer the first prompt, cancel the second */
		close(sv[0]);
		for (int i = 0; i < 2; i++) {
			if (fedjit_msg_recv(sv[1], m, 0) < 0 ||
			    strcmp(fedjit_msg_type(m), "prompt") != 0)
				_exit(1);
			bool off = strcmp(fedjit_msg_get(m, "style"), "echo_off") == 0;
			fedjit_msg_start(m, "answer");
			fedjit_msg_add(m, "status", i == 0 ? "ok" : "cancel");
			fedjit_msg_add(m, "value", off ? "secret" : "plain");
			if (fedjit_msg_send(sv[1], m, 0) < 0)
				_exit(1);
		}
		if (fedjit_msg_recv(sv[1], m, 0) < 0 || strcmp(fedjit_msg_type(m), "info") != 0)
			_exit(1);
		_exit(0);
	}
	close(sv[1]);
	struct fedjit_proto_conv c = {.fd = sv[0]};
	assert_int_equal(fedjit_provision_proto_conv(FEDJIT_CONV_ECHO_OFF, "pw? ", &answer, &c), 0);
	assert_string_equal(answer, "secret");
	free(answer);
	answer = NULL;
	assert_int_equal(fedjit_provision_proto_conv(FEDJIT_CONV_ECHO_ON, "name? ", &answer, &c),
	                 -ECANCELED);
	assert_int_equal(fedjit_provision_proto_conv(FEDJIT_CONV_INFO, "hello", &answer, &c), 0);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(sv[0]);
	fedjit_msg_free(m);
}

/* The audit trail: one line per event, with IdP and subject, never a secret. */
static void test_audit_lines(void **state)
{
	struct fx *f = *state;
	struct fedjit_prov_result res;
	struct fedjit_identity id = fx_identity("sub-aud", "audrey", NULL);
	char path[400], buf[8192];
	int saved, fd;

	NEED_ROOT(f);
	fx_config(f, "", "provisioning = always\ndomain = PRIMARY\nprompt = password+consent\n");
	snprintf(path, sizeof(path), "%s/log", f->dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	saved = dup(2);
	dup2(fd, 2);
	openlog("test", LOG_PERROR, LOG_AUTHPRIV);
	fx_answers(f, "no", NULL);
	fx_login(f, &id, "audrey", &res);
	fx_answers(f, "yes", "Secret123x", "Secret123x", NULL);
	fx_login(f, &id, "audrey", &res);
	fx_login(f, &id, "audrey", &res);
	closelog();
	dup2(saved, 2);
	close(saved);
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "provisioning: refused(denied) account=audrey idp=t "
	                            "issuer=https://idp.example subject=sub-aud"));
	assert_non_null(strstr(buf, "provisioning: created account=audrey idp=t"));
	assert_non_null(strstr(buf, "provisioning: updated account=audrey idp=t"));
	assert_null(strstr(buf, "Secret123x"));
	assert_null(strstr(buf, "$y$"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_consent, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_password, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_username_prompt, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_subject_name, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_nonblocking, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_detached_worker, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_chauthtok, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_precheck, fx_setup, fx_teardown),
	        cmocka_unit_test(test_proto),
	        cmocka_unit_test_setup_teardown(test_audit_lines, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

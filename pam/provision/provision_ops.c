/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The other provisioning entry points: the pre-flow check (is this a name we
 * handle?), op=chauthtok (a new local password), and the detached worker of
 * non-blocking mode.
 *
 * WORKER. fork(); the child calls setsid() and forks again; the grandchild
 * (the worker) reports its pid through a pipe, and the child exits at once,
 * so the worker is reparented to init and outlives the helper, which must
 * exit within 2 s of its result (pam/proto/proto.h). The worker closes every
 * descriptor above 2 (the module's socket among them, so the module sees the
 * helper's end) and points 0-2 at /dev/null. Its work is idempotent and the
 * account keeps FEDJIT_USER_PENDING until all of it is done, so a worker
 * that dies is simply redone at the next login.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "common/macro.h"
#include "pam/provision/provision_private.h"

static _Noreturn void worker_main(struct prov_run *run, struct prov_finish *f, bool detached)
{
	if (detached) {
		int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

		closelog();
		closefrom(3);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
	}
	_exit(fedjit_prov_background(run, f) < 0 ? 1 : 0);
}

int fedjit_prov_spawn_worker(struct prov_run *run, struct prov_finish *f)
{
	bool detached = !run->ctx->wait_worker;
	int pfd[2], status;
	pid_t pid, worker = 0;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int r = -errno;
		close(pfd[0]);
		close(pfd[1]);
		return r;
	}
	if (pid == 0) {
		pid_t self;

		close(pfd[0]);
		if (detached) {
			setsid();
			self = fork();
			if (self != 0) {
				(void)!write(pfd[1], &self, sizeof(self));
				_exit(self < 0 ? 1 : 0);
			}
		}
		self = getpid();
		if (!detached)
			(void)!write(pfd[1], &self, sizeof(self));
		close(pfd[1]);
		worker_main(run, f, detached);
	}
	close(pfd[1]);
	if (read(pfd[0], &worker, sizeof(worker)) != (ssize_t)sizeof(worker))
		worker = 0;
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (worker <= 0)
		return -ECHILD;
	run->res->worker = worker;
	return 0;
}

static int precheck(struct prov_run *run, const char *requested)
{
	const struct fedjit_idp *idp = run->ctx->idp;
	const struct fedjit_prov_nss *nss = fedjit_prov_nss(run);
	char reason[FEDJIT_REASON_SIZE];
	uint32_t uid;
	bool name_known = idp->username_from == FEDJIT_USERNAME_FROM_CLAIM &&
	                  idp->prompt != FEDJIT_PROMPT_USERNAME_PASSWORD_CONSENT;
	int r;

	r = fedjit_idp_login(run->ctx->config, idp, requested, strlen(requested), &run->login,
	                     reason, sizeof(reason));
	if (r < 0)
		goto unknown;
	run->domain = run->login.domain;
	r = fedjit_store_open(run->db_file, FEDJIT_STORE_RDONLY, &run->store);
	if (r >= 0) {
		r = fedjit_prov_store_has_user(run, run->login.canonical);
		fedjit_store_close(run->store);
		run->store = NULL;
	}
	if (r > 0) {
		fedjit_prov_result(run, "ok", NULL, "a stored account");
		return 1;
	}
	if (r < 0 && r != -ENOENT)
		return r;
	if (idp->provisioning == FEDJIT_PROVISIONING_NONE) {
		snprintf(reason, sizeof(reason), "not a fedjit account and provisioning is off");
		goto unknown;
	}
	if (name_known && fedjit_name_policy_check(run->domain, FEDJIT_NAME_USER, run->login.local,
	                                           reason, sizeof(reason)) < 0)
		goto unknown;
	struct fedjit_prov_name_memo memo = {.nss = nss};
	r = fedjit_name_check_reserved(run->domain, run->login.canonical,
	                               fedjit_prov_user_by_name_once, &memo, reason,
	                               sizeof(reason));
	if (r == -EPERM)
		goto unknown;
	if (r < 0)
		return r;
	r = fedjit_prov_user_by_name_once(run->login.canonical, &uid, &memo);
	if (r < 0)
		return r;
	if (r > 0 && !idp->associate_existing) {
		snprintf(reason, sizeof(reason), "%s exists outside fedjit", run->login.canonical);
		goto unknown;
	}
	fedjit_prov_result(run, "ok", NULL, "would be provisioned");
	return 1;
unknown:
	fedjit_prov_result(run, "unknown_user", NULL, "%s", reason);
	return 0;
}

int fedjit_provision_precheck(const struct fedjit_prov_ctx *ctx, const char *requested_user,
                              struct fedjit_prov_result *ret)
{
	struct prov_run run;
	int r;

	fedjit_prov_run_init(&run, ctx, ret);
	r = precheck(&run, requested_user);
	if (r < 0)
		fedjit_prov_result(&run, "error", NULL, "checking %s: %s", requested_user,
		                   strerror(-r));
	return r;
}

static int chauthtok(struct prov_run *run, const char *user)
{
	struct fedjit_secret_store *ss = NULL;
	struct fedjit_user *u = NULL;
	_cleanup_secret_ char *old = NULL;
	_cleanup_secret_ char *answer = NULL;
	char reason[FEDJIT_REASON_SIZE];
	int r;

	r = fedjit_login_parse(run->ctx->config, NULL, user, strlen(user), &run->login, reason,
	                       sizeof(reason));
	if (r < 0) {
		fedjit_prov_result(run, "unknown_user", NULL, "%s", reason);
		return 0;
	}
	r = fedjit_store_open(run->db_file, FEDJIT_STORE_RDONLY, &run->store);
	if (r >= 0) {
		r = fedjit_store_get_user(run->store, run->login.canonical, &u);
		fedjit_store_close(run->store);
		run->store = NULL;
	}
	if (r == -ENOENT) {
		fedjit_prov_result(run, "unknown_user", NULL, "%s is not a fedjit account",
		                   run->login.canonical);
		return 0;
	}
	if (r < 0)
		return r;
	snprintf(run->res->account, sizeof(run->res->account), "%s", u->name);
	snprintf(run->name, sizeof(run->name), "%s", u->name);
	const struct fedjit_idp *idp = fedjit_config_idp(run->ctx->config, u->idp);
	/* A first local password only where the account's IdP makes local passwords
	 * part of its accounts (the password prompt modes); anywhere else it would
	 * be a way to sign in (pam_unix, offline) that the IdP never approved. */
	bool may_create = idp && (idp->prompt == FEDJIT_PROMPT_PASSWORD_CONSENT ||
	                          idp->prompt == FEDJIT_PROMPT_USERNAME_PASSWORD_CONSENT);
	r = (u->flags & FEDJIT_USER_LOCKED) ? 1 : 0;
	fedjit_user_free(u);
	if (r) {
		fedjit_prov_result(run, "locked", "This account is locked.", "account is locked");
		return 0;
	}
	if (!run->ctx->conv) {
		fedjit_prov_result(run, "error", NULL, "a new password needs a person to ask");
		return 0;
	}
	r = fedjit_secret_open(run->secret_db_file, FEDJIT_STORE_CREATE | run->ctx->store_flags,
	                       &ss);
	if (r < 0)
		return r;
	r = fedjit_secret_get_password_hash(ss, run->name, &old);
	if (r == 0) {
		r = fedjit_prov_ask(run, FEDJIT_CONV_ECHO_OFF, "Current local password: ", &answer);
		if (r >= 0)
			r = fedjit_password_verify(answer, old);
		if (r == 0 || r == -ECANCELED) {
			fedjit_prov_result(run, "denied", "The current password is not right.",
			                   "current local password wrong");
			r = 0;
			goto out;
		}
	} else if (r == -ENOENT && !may_create) {
		fedjit_prov_result(
		        run, "unsupported",
		        "The password of this account is managed by its identity provider.",
		        "no local password, and its IdP's prompt mode sets none");
		r = 0;
		goto out;
	} else if (r == -ENOENT) {
		r = 1;
	}
	if (r < 0)
		goto out;
	r = fedjit_prov_prompt_password(run, run->login.local);
	if (r == 0)
		r = fedjit_secret_set_password_hash(ss, run->name, run->pwhash);
	if (r == 0)
		fedjit_prov_result(run, "ok", NULL, "local password changed");
	if (r > 0)
		r = 0;
out:
	fedjit_secret_close(ss);
	return r;
}

int fedjit_provision_chauthtok(const struct fedjit_prov_ctx *ctx, const char *user,
                               struct fedjit_prov_result *ret)
{
	struct prov_run run;
	int r;

	fedjit_prov_run_init(&run, ctx, ret);
	r = chauthtok(&run, user);
	fedjit_secret_free(run.pwhash);
	if (r < 0)
		fedjit_prov_result(&run, "error", NULL, "changing the password of %s: %s", user,
		                   strerror(-r));
	syslog(LOG_AUTHPRIV | (strcmp(ret->status, "ok") == 0 ? LOG_INFO : LOG_NOTICE),
	       "provisioning: chauthtok account=%s status=%s: %s",
	       ret->account[0] ? ret->account : user, ret->status, ret->log);
	return r;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The login as the root parent sees it: fork the network child, then relay between the
 * child's pipe (ipc.h) and the module's socket (pam/proto/proto.h) until a result, the deadline
 * or the module going away. See helper.h.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "common/escape.h"
#include "common/macro.h"
#include "pam/helper/cache.h"
#include "pam/helper/device_flow.h"
#include "pam/helper/helper.h"
#include "pam/helper/ipc.h"
#include "pam/helper/privdrop.h"
#include "pam/idp/discovery.h"
#include "pam/idp/jwks.h"

/* Address space of the network child: plenty for curl + OpenSSL + a 1 MiB body; not
 * applied under AddressSanitizer, whose shadow memory needs terabytes of reservations. */
#if defined(__SANITIZE_ADDRESS__)
#define CHILD_AS_BYTES 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CHILD_AS_BYTES 0
#endif
#endif
#ifndef CHILD_AS_BYTES
#define CHILD_AS_BYTES ((size_t)1024 * 1024 * 1024)
#endif
#define CHILD_CPU_SECONDS 30

static const char *person_message(const char *status)
{
	if (strcmp(status, "denied") == 0)
		return "The sign-in was denied.";
	if (strcmp(status, "expired") == 0)
		return "The sign-in code expired. Please try again.";
	if (strcmp(status, "timeout") == 0)
		return "The sign-in took too long. Please try again.";
	if (strcmp(status, "unreachable") == 0)
		return "The identity provider cannot be reached. Please try again later.";
	return "The sign-in failed.";
}

static _Noreturn void child_main(struct fedjit_helper *h, int fd, const struct fedjit_privdrop *p)
{
	struct fedjit_flow f = {
	        .idp = h->idp,
	        .ipc_fd = fd,
	        .http = {.ca_blob = h->ca_blob, .ca_blob_len = h->ca_blob_len},
	        .cached_discovery = h->cached_discovery,
	        .cached_discovery_len = h->cached_discovery_len,
	        .cached_jwks = h->cached_jwks,
	        .cached_jwks_len = h->cached_jwks_len,
	        .jwks_refetch_allowed = h->jwks_refetch_allowed,
	        .auth = {.method = h->idp->client_auth,
	                 .client_id = h->idp->client_id,
	                 .secret = h->secret,
	                 .key_pem = h->key_pem,
	                 .key_alg = h->idp->private_key_alg},
	        .deadline_usec = h->deadline_usec,
	        .debug = h->debug,
	        .send_claims = h->login_test,
	        .refresh_token = h->reval ? h->reval->token : NULL,
	        .subject = h->reval ? h->reval->subject : NULL,
	};
	char desc[512];
	int r;

	close(h->module_fd);
	fedjit_ratelimit_forget(&h->rl); /* the slots are the parent's to hold and release */
	r = fedjit_privdrop_apply(p);
	if (r < 0) {
		/* Never talk to the network with privileges left. */
		dprintf(STDERR_FILENO, "fedjit-helper: dropping privileges failed: %s\n",
		        strerror(-r));
		_exit(70);
	}
	if (h->debug) {
		struct fedjit_msg *m = fedjit_msg_new();
		char text[600];

		fedjit_privdrop_describe(desc, sizeof(desc));
		snprintf(text, sizeof(text), "network child: %s", desc);
		if (m && fedjit_msg_start(m, "debug") >= 0 && fedjit_msg_add(m, "text", text) >= 0)
			fedjit_ipc_send(fd, FEDJIT_IPC_MSG, m->buf, m->len);
		fedjit_msg_free(m);
	}
	if (fedjit_http_global_init() < 0)
		_exit(71);
	r = h->idp_test ? fedjit_idp_test_run(&f)
	    : h->reval  ? fedjit_refresh_run(&f)
	                : fedjit_flow_run(&f);
	if (h->secret)
		explicit_bzero(h->secret, strlen(h->secret));
	if (h->reval && h->reval->token)
		explicit_bzero(h->reval->token, strlen(h->reval->token));
	if (h->key_pem)
		explicit_bzero(h->key_pem, strlen(h->key_pem));
	fedjit_http_global_cleanup();
	_exit(r < 0 ? 72 : 0);
}

static void scrub_parent_secrets(struct fedjit_helper *h)
{
	fedjit_secret_free(h->secret);
	fedjit_secret_free(h->key_pem);
	h->secret = h->key_pem = NULL;
	if (h->reval) {
		fedjit_secret_free(h->reval->token);
		h->reval->token = NULL;
	}
}

/* A document from the child is validated again before root writes it to disk. */
static void cache_document(struct fedjit_helper *h, uint32_t type, const char *data, size_t len)
{
	struct fedjit_discovery *d = NULL;
	struct fedjit_jwks *jwks = NULL;
	int r;

	if (!h->cache_dir)
		return;
	if (type == FEDJIT_IPC_DISCOVERY) {
		r = fedjit_discovery_parse(data, len, h->idp->issuer,
		                           h->idp->device_authorization_endpoint,
		                           (const char *const *)h->idp->endpoint_hosts, &d, NULL);
		if (r < 0) {
			syslog(LOG_WARNING, "network child sent a bad discovery document");
			return;
		}
		free(h->jwks_uri);
		h->jwks_uri = strdup(d->jwks_uri);
		fedjit_discovery_free(d);
		r = fedjit_cache_write(h->cache_dir, FEDJIT_CACHE_DISCOVERY, h->idp->issuer, data,
		                       len);
	} else {
		if (!h->jwks_uri || fedjit_jwks_parse(data, len, &jwks, NULL) < 0) {
			syslog(LOG_WARNING, "network child sent a bad JWKS");
			return;
		}
		fedjit_jwks_free(jwks);
		r = fedjit_cache_write(h->cache_dir, FEDJIT_CACHE_JWKS, h->jwks_uri, data, len);
		if (r >= 0 && type == FEDJIT_IPC_JWKS_REFETCHED) {
			syslog(LOG_INFO, "%s: JWKS refetched for an unknown key id", h->idp->name);
			r = fedjit_cache_refetch_mark(h->cache_dir, h->idp->issuer);
		}
	}
	if (r < 0)
		syslog(LOG_WARNING, "writing the cache in %s: %s", h->cache_dir, strerror(-r));
}

/* ---- the network child's messages ----
 *
 * Which message the child may send when, and how often, is the table of ipc.h
 * (fedjit_ipc_msg_accept): anything outside it ends the run, as OpenSSH's monitor treats
 * its unprivileged child. Once the result was sent, only debug lines (the child's
 * statistics) are read; anything else is dropped. Each accepted message has one handler
 * below: 0 to go on, 1 when the run is decided, or -errno; a handler may take the
 * message (set *m to NULL) to keep it. */

static enum fedjit_ipc_mode run_mode(const struct fedjit_helper *h)
{
	return h->reval        ? FEDJIT_IPC_MODE_REVALIDATE
	       : h->idp_test   ? FEDJIT_IPC_MODE_IDP_TEST
	       : h->login_test ? FEDJIT_IPC_MODE_LOGIN_TEST
	                       : FEDJIT_IPC_MODE_LOGIN;
}

static int module_gone(struct fedjit_helper *h, int r)
{
	return r < 0 ? fedjit_helper_result(h, "error", NULL, "module gone: %s", strerror(-r)) ?: 1
	             : 0;
}

static int on_debug(struct fedjit_helper *h, struct fedjit_msg **m)
{
	const char *text = fedjit_msg_get(*m, "text");
	unsigned n;

	if (text && sscanf(text, "http_requests=%u", &n) == 1)
		h->http_requests = n;
	syslog(LOG_DEBUG, "%s", FEDJIT_ESC(text));
	return 0;
}

static int on_device(struct fedjit_helper *h, struct fedjit_msg **m)
{
	syslog(LOG_INFO, "%s: user %s: device flow started at %s", FEDJIT_ESC(h->service),
	       h->account, h->idp->name);
	syslog(LOG_DEBUG, "user code %s", FEDJIT_ESC(fedjit_msg_get(*m, "user_code")));
	return module_gone(h, fedjit_msg_send(h->module_fd, *m, h->deadline_usec));
}

static int on_check(struct fedjit_helper *h, struct fedjit_msg **m)
{
	syslog(LOG_INFO, "%s: idp-test %s: %s %s", h->idp->name,
	       FEDJIT_ESC(fedjit_msg_get(*m, "step")), FEDJIT_ESC(fedjit_msg_get(*m, "status")),
	       FEDJIT_ESC(fedjit_msg_get(*m, "text")));
	return module_gone(h, fedjit_msg_send(h->module_fd, *m, h->deadline_usec));
}

static int on_tested(struct fedjit_helper *h, struct fedjit_msg **m)
{
	uint64_t failed = 1;

	(void)fedjit_msg_get_uint(*m, "failed", 1000, &failed);
	if (failed)
		return fedjit_helper_result(h, "error", NULL, "%s: idp-test: %llu steps failed",
		                            h->idp->name, (unsigned long long)failed)
		               ?: 1;
	return fedjit_helper_result(h, "ok", NULL, "%s: idp-test: every step passed", h->idp->name)
	               ?: 1;
}

static int on_fail(struct fedjit_helper *h, struct fedjit_msg **m)
{
	const char *status = fedjit_msg_get(*m, "status") ?: "error";
	const char *log = fedjit_msg_get(*m, "log");

	/* the person said no at the IdP: a retry is theirs, not spaced (ratelimit.h) */
	if (strcmp(status, "denied") == 0)
		fedjit_ratelimit_end(&h->rl, true);
	return fedjit_helper_result(h, status, person_message(status), "%s: %s", h->idp->name,
	                            log ? log : "no reason given")
	               ?: 1;
}

static int on_claims(struct fedjit_helper *h, struct fedjit_msg **m)
{
	h->claims = *m; /* sent after msg=approved (login_test.c) */
	*m = NULL;
	return 0;
}

static int on_identity(struct fedjit_helper *h, struct fedjit_msg **m)
{
	const char *iss = fedjit_msg_get(*m, "issuer"), *sub = fedjit_msg_get(*m, "subject");

	/* The device flow is over, the person signed in at the IdP: its slots go now,
	 * before provisioning can fork a worker that would inherit them, and the
	 * spacing is lifted (ratelimit.h). */
	fedjit_ratelimit_end(&h->rl, true);
	if (!iss || !sub || strcmp(iss, h->idp->issuer) != 0)
		return fedjit_helper_result(h, "error", NULL, "network child sent a bad identity")
		               ?: 1;
	if (h->reval) { /* revalidate.c judges it */
		snprintf(h->reval->status, sizeof(h->reval->status), "identity");
		h->reval->identity = *m;
		*m = NULL;
		h->done = true;
		return 1;
	}
	if (h->login_test)
		return fedjit_helper_login_test(h, iss, sub, *m) ?: 1;
	return fedjit_helper_bind(h, iss, sub, *m) ?: 1;
}

static int (*const child_handlers[FEDJIT_IPC_MSG_COUNT])(struct fedjit_helper *h,
                                                         struct fedjit_msg **m) = {
        [FEDJIT_IPC_MSG_DEBUG] = on_debug,       [FEDJIT_IPC_MSG_DEVICE] = on_device,
        [FEDJIT_IPC_MSG_CHECK] = on_check,       [FEDJIT_IPC_MSG_TESTED] = on_tested,
        [FEDJIT_IPC_MSG_FAIL] = on_fail,         [FEDJIT_IPC_MSG_CLAIMS] = on_claims,
        [FEDJIT_IPC_MSG_IDENTITY] = on_identity,
};

/* One proto frame from the child. Returns 0 to go on, 1 when the run is decided. */
static int child_message(struct fedjit_helper *h, struct fedjit_ipc_seen *seen, const char *data,
                         size_t len)
{
	_cleanup_msg_ struct fedjit_msg *m = fedjit_msg_new();
	const char *why = NULL;
	int i;

	if (!m)
		return -ENOMEM;
	if (fedjit_msg_decode(m, data, len) < 0)
		return h->done ? 0
		               : fedjit_helper_result(h, "error", NULL,
		                                      "network child sent a bad frame") ?: 1;
	if (h->done && strcmp(fedjit_msg_type(m), "debug") != 0)
		return 0;
	i = fedjit_ipc_msg_accept(run_mode(h), seen, fedjit_msg_type(m), &why);
	if (i < 0)
		return h->done ? 0
		               : fedjit_helper_result(h, "error", NULL,
		                                      "network child sent %s (msg=%s)", why,
		                                      fedjit_msg_type(m)) ?: 1;
	return child_handlers[i](h, &m);
}

/* The module closed its end, or sent something: nothing is expected from it during the
 * device flow, so anything other than a well-formed frame ends the login. */
static int module_event(struct fedjit_helper *h)
{
	struct fedjit_msg *m = fedjit_msg_new();
	int r;

	if (!m)
		return -ENOMEM;
	r = fedjit_msg_recv(h->module_fd, m, fedjit_proto_now_usec() + 1000000);
	fedjit_msg_free(m);
	if (r < 0) {
		syslog(LOG_NOTICE, "%s: user %s: the client went away, login abandoned",
		       FEDJIT_ESC(h->service), h->account);
		h->done = true; /* nobody to answer */
		return 1;
	}
	return 0;
}

/* Reaps the child: it may take up to grace_usec to exit by itself (after its last
 * message), then it is killed. A child that did not end cleanly is logged (a crash, a
 * limit, or memcheck errors when the tests run us under valgrind). */
static void stop_child(struct fedjit_helper *h, uint64_t grace_usec)
{
	uint64_t until = fedjit_proto_now_usec() + grace_usec;
	int status = 0;
	pid_t r;

	if (h->child <= 0)
		return;
	for (;;) {
		r = waitpid(h->child, &status, WNOHANG);
		if (r == h->child || (r < 0 && errno != EINTR))
			break;
		if (r == 0 && fedjit_proto_now_usec() >= until) {
			kill(h->child, SIGKILL);
			while (waitpid(h->child, &status, 0) < 0 && errno == EINTR)
				;
			status = 0; /* killed on purpose */
			break;
		}
		if (r == 0)
			usleep(10000);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		syslog(LOG_WARNING, "network child exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		syslog(LOG_WARNING, "network child killed by signal %d", WTERMSIG(status));
	h->child = -1;
}

static int relay(struct fedjit_helper *h)
{
	struct fedjit_ipc_seen seen = {0};
	bool child_open = true;

	for (;;) {
		struct pollfd pfd[2] = {
		        /* once decided, the module's end is not watched: its EOF would spin */
		        {.fd = h->done ? -1 : h->module_fd, .events = POLLIN},
		        {.fd = child_open ? h->child_fd : -1, .events = POLLIN},
		};
		uint64_t now = fedjit_proto_now_usec();
		int n, r;

		if (h->done && !child_open)
			return 0;
		/* Decided: the child only has its statistics left to say. */
		if (h->done && h->deadline_usec > now + 2000000)
			h->deadline_usec = now + 2000000;
		if (now >= h->deadline_usec) {
			if (h->done)
				return 0;
			return fedjit_helper_result(h, "timeout", person_message("timeout"),
			                            "%s: deadline reached", h->idp->name);
		}
		n = poll(pfd, 2, (int)((h->deadline_usec - now + 999) / 1000));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!h->done && pfd[0].revents) {
			r = module_event(h);
			if (r != 0)
				return r < 0 ? r : 0;
		}
		if (pfd[1].revents) {
			uint32_t type;
			char *data = NULL;
			size_t len;

			r = fedjit_ipc_recv(h->child_fd, h->deadline_usec, &type, &data, &len);
			if (r == -ECONNRESET) {
				child_open = false;
				h->child_eof = true;
				if (!h->done)
					return fedjit_helper_result(
					        h, "error", NULL,
					        "%s: network child ended without a result",
					        h->idp->name);
				continue;
			}
			/* The deadline can fall while a frame is on its way: still a timeout. */
			if (r == -ETIMEDOUT && !h->done)
				return fedjit_helper_result(h, "timeout", person_message("timeout"),
				                            "%s: deadline reached", h->idp->name);
			if (r < 0)
				return h->done ? 0
				               : fedjit_helper_result(h, "error", NULL,
				                                      "%s: network child pipe: %s",
				                                      h->idp->name, strerror(-r));
			if (type == FEDJIT_IPC_MSG)
				r = child_message(h, &seen, data, len);
			else {
				cache_document(h, type, data, len);
				r = 0;
			}
			explicit_bzero(data, len);
			free(data);
			if (r < 0)
				return r;
		}
	}
}

int fedjit_helper_run_login(struct fedjit_helper *h)
{
	struct fedjit_privdrop p = {.cpu_seconds = CHILD_CPU_SECONDS, .as_bytes = CHILD_AS_BYTES};
	const char *user = h->config->global.helper_user;
	int fds[2], r;

	r = fedjit_privdrop_lookup(user, &p);
	if (r < 0)
		return fedjit_helper_result(h, "error", NULL, "helper user %s unusable: %s", user,
		                            strerror(-r));
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	h->child = fork();
	if (h->child < 0) {
		r = -errno;
		close(fds[0]);
		close(fds[1]);
		return r;
	}
	if (h->child == 0) {
		close(fds[0]);
		child_main(h, fds[1], &p);
	}
	close(fds[1]);
	h->child_fd = fds[0];
	scrub_parent_secrets(h);
	r = relay(h);
	/* The child is done once it closed its pipe; otherwise (deadline, module gone, a
	 * protocol violation) it is killed at once. */
	stop_child(h, h->child_eof ? 10000000 : 0);
	close(h->child_fd);
	h->child_fd = -1;
	return r;
}

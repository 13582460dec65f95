/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fedjit-helper entry: sanitise the process, read the module's request from fd 3, load
 * the configuration, choose the IdP, read secrets and the cache as root, then hand over
 * to the login (login.c). See helper.h for the process shape.
 *
 * Environment (tests and the benchmark only; the module starts the helper with an empty
 * environment): FEDJIT_HELPER_LOG_STDERR=1 copies log lines to stderr;
 * FEDJIT_HELPER_STATS_FD=N writes "http_requests=N" to fd N at exit.
 */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "common/account_plan.h"
#include "common/escape.h"
#include "common/macro.h"
#include "common/names.h"
#include "common/store.h"
#include "pam/helper/cache.h"
#include "pam/helper/helper.h"
#include "pam/idp/discovery.h"
#include "pam/idp/json_scrub.h"
#include "pam/provision/access.h"

#define REQUEST_TIMEOUT_USEC (10 * 1000000ULL)
#define SECRET_FILE_MAX      (64 * 1024)

int fedjit_helper_result(struct fedjit_helper *h, const char *status, const char *message,
                         const char *fmt, ...)
{
	char raw[2048], reason[4096];
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	/* The values in the reason were escaped where they were put in; this is the net
	 * for anything that was not (an IdP's text inside the child's reason). */
	fedjit_escape(reason, sizeof(reason), raw, FEDJIT_ESCAPE_LINE);
	/* busy: the rate limit logs once per window, not per attempt (ratelimit.h) */
	if (strcmp(status, "busy") != 0)
		syslog(strcmp(status, "ok") == 0 ? LOG_INFO : LOG_NOTICE, "%s: user %s: %s: %s",
		       h->service[0] ? FEDJIT_ESC(h->service) : "?",
		       h->account[0] ? h->account : "?", status, reason);
	if (h->done)
		return 0;
	h->done = true;
	if (h->reval) { /* a revalidation's outcome: kept, the caller answers */
		snprintf(h->reval->status, sizeof(h->reval->status), "%s", status);
		snprintf(h->reval->log, sizeof(h->reval->log), "%.*s",
		         (int)sizeof(h->reval->log) - 1, reason);
		return 0;
	}
	r = fedjit_msg_start(h->msg, "result");
	if (r >= 0)
		r = fedjit_msg_add(h->msg, "status", status);
	if (r >= 0 && message)
		r = fedjit_msg_add(h->msg, "message", message);
	if (r >= 0 && fedjit_msg_add(h->msg, "log", reason) < 0)
		r = fedjit_msg_add(h->msg, "log", "(reason not printable)");
	if (r < 0)
		return r;
	return fedjit_msg_send(h->module_fd, h->msg, fedjit_proto_now_usec() + 5000000);
}

/* fds other than 0-2 and the protocol socket are not ours: close them (the host process
 * may leak descriptors into us). */
static void close_other_fds(void)
{
	int max;

	/* One syscall where the kernel has it (5.9+); the loop costs ~65k syscalls. */
	if (close_range(FEDJIT_PROTO_FD + 1, ~0U, 0) == 0)
		return;
	max = (int)sysconf(_SC_OPEN_MAX);
	for (int fd = FEDJIT_PROTO_FD + 1; fd < max && fd < 65536; fd++)
		close(fd);
}

/* Reads a root-only file into a NUL-terminated buffer: the client secret, the private
 * key or the CA bundle. Refuses symlinks and files that are group/world writable, and
 * (secret) readable by others. */
static int read_file(const char *path, bool secret, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	size_t got = 0;
	char *buf;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || (st.st_mode & 0022) || (secret && (st.st_mode & 0077)) ||
	    (st.st_uid != 0 && st.st_uid != geteuid()))
		return -EPERM;
	if (st.st_size > SECRET_FILE_MAX)
		return -E2BIG;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* An error, or a file that shrank while we read it (being
			 * rewritten): a truncated secret or key must not be used. */
			int e = n < 0 ? -errno : -EIO;
			if (secret)
				explicit_bzero(buf, got);
			free(buf);
			return e;
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
	*ret = buf;
	*ret_len = got;
	return 0;
}

static int load_secrets(struct fedjit_helper *h)
{
	const struct fedjit_idp *idp = h->idp;
	size_t len;
	int r;

	if (idp->ca_file) {
		r = read_file(idp->ca_file, false, &h->ca_blob, &h->ca_blob_len);
		if (r < 0)
			return fedjit_helper_result(h, "error", NULL, "ca_file %s: %s",
			                            idp->ca_file, strerror(-r))
			               ?: 1;
	}
	if ((idp->client_auth == FEDJIT_CLIENT_AUTH_SECRET_BASIC ||
	     idp->client_auth == FEDJIT_CLIENT_AUTH_SECRET_POST) &&
	    idp->client_secret_file) {
		r = read_file(idp->client_secret_file, true, &h->secret, &len);
		if (r < 0)
			return fedjit_helper_result(h, "error", NULL, "client_secret_file %s: %s",
			                            idp->client_secret_file, strerror(-r))
			               ?: 1;
		/* One line: a trailing newline from an editor is not part of the secret. */
		h->secret[strcspn(h->secret, "\r\n")] = '\0';
	}
	if (idp->client_auth == FEDJIT_CLIENT_AUTH_PRIVATE_KEY_JWT && idp->private_key_file) {
		r = read_file(idp->private_key_file, true, &h->key_pem, &len);
		if (r < 0)
			return fedjit_helper_result(h, "error", NULL, "private_key_file %s: %s",
			                            idp->private_key_file, strerror(-r))
			               ?: 1;
	}
	return 0;
}

/* Cached documents, read as root. A damaged or stale file is just not used. */
static void load_cache(struct fedjit_helper *h)
{
	const struct fedjit_idp *idp = h->idp;
	struct fedjit_discovery *d = NULL;
	time_t now = time(NULL);
	int r;

	r = fedjit_cache_dir_prepare(h->cache_dir);
	if (r < 0) {
		syslog(LOG_WARNING, "cache directory %s unusable (%s): fetching every document",
		       h->cache_dir, strerror(-r));
		h->cache_dir = NULL;
		return;
	}
	h->jwks_refetch_allowed = fedjit_cache_refetch_allowed(h->cache_dir, idp->issuer, now);
	if (fedjit_cache_read(h->cache_dir, FEDJIT_CACHE_DISCOVERY, idp->issuer,
	                      idp->discovery_cache_ttl, now, &h->cached_discovery,
	                      &h->cached_discovery_len) < 0)
		return;
	if (fedjit_discovery_parse(h->cached_discovery, h->cached_discovery_len, idp->issuer,
	                           idp->device_authorization_endpoint,
	                           (const char *const *)idp->endpoint_hosts, &d, NULL) < 0) {
		free(h->cached_discovery);
		h->cached_discovery = NULL;
		return;
	}
	h->jwks_uri = strdup(d->jwks_uri);
	fedjit_discovery_free(d);
	if (!h->jwks_uri)
		return;
	(void)fedjit_cache_read(h->cache_dir, FEDJIT_CACHE_JWKS, h->jwks_uri,
	                        idp->discovery_cache_ttl, now, &h->cached_jwks,
	                        &h->cached_jwks_len);
}

/* The IdP: the module's idp= argument, else the one serving the login name's domain. */
static int choose_idp(struct fedjit_helper *h, const char *idp_name)
{
	struct fedjit_user *u = NULL;

	if (idp_name) {
		h->idp = fedjit_config_idp(h->config, idp_name);
		if (!h->idp)
			return fedjit_helper_result(h, "error", NULL, "idp=%s is not configured",
			                            idp_name)
			               ?: 1;
		return 0;
	}
	/* An existing account signs in at the IdP it is linked to. When that is gone
	 * nobody can sign in to it: the answer is the account phase's (locked before
	 * idp_removed: one order, pam/provision/access.h). */
	if (fedjit_helper_lookup_user(h, h->login.canonical, &u) == 0) {
		struct fedjit_access a;
		const char *what = "";
		int r = 0;

		if (u->idp)
			h->idp = fedjit_config_idp(h->config, u->idp);
		if (!h->idp)
			r = fedjit_helper_account_decision(h, u, &a, &what);
		fedjit_user_free(u);
		if (r < 0)
			return fedjit_helper_result(h, "error", NULL, "%s: %s", what, strerror(-r))
			               ?: 1;
		if (!h->idp)
			return fedjit_helper_result(h, a.status, a.message, "%s", a.log) ?: 1;
		return 0;
	}
	/* A new name: the IdP that serves its domain (the only one, if just one),
	 * chosen as the NSS pre-auth entry chooses it. */
	h->idp = fedjit_config_idp_for_login(h->config, &h->login);
	if (!h->idp)
		return fedjit_helper_result(h, "unknown_user", NULL, "no IdP serves domain %s",
		                            h->login.domain->name)
		               ?: 1;
	/* A name provisioning would refuse (taken outside fedjit, reserved, against
	 * the policy): unknown_user now, before any device flow (pam/proto/proto.h). */
	if (h->idp->provisioning != FEDJIT_PROVISIONING_NONE)
		return fedjit_helper_precheck(h);
	return 0;
}

int fedjit_helper_load_idp(struct fedjit_helper *h)
{
	int r = load_secrets(h);

	if (r == 0)
		load_cache(h);
	return r;
}

static bool op_known(const char *op)
{
	static const char *const ops[] = {"login",    "account",    "chauthtok",
	                                  "idp-test", "login-test", "revalidate"};

	for (size_t i = 0; i < FEDJIT_ELEMENTSOF(ops); i++)
		if (strcmp(op, ops[i]) == 0)
			return true;
	return false;
}

static int read_request(struct fedjit_helper *h, struct fedjit_msg *req)
{
	struct fedjit_diag diag = {0};
	const char *conf, *op, *user, *service;
	uint64_t timeout = 0;
	bool debug = false;
	int r;

	r = fedjit_msg_recv(h->module_fd, req, fedjit_proto_now_usec() + REQUEST_TIMEOUT_USEC);
	if (r < 0) {
		syslog(LOG_ERR, "reading the request from the module: %s", strerror(-r));
		return r;
	}
	op = fedjit_msg_get(req, "op");
	user = fedjit_msg_get(req, "user");
	service = fedjit_msg_get(req, "service");
	if (strcmp(fedjit_msg_type(req), "request") != 0 || !op)
		return fedjit_helper_result(h, "error", NULL, "malformed request") ?: 1;
	snprintf(h->service, sizeof(h->service), "%s", service ? service : "");
	snprintf(h->rhost, sizeof(h->rhost), "%s", fedjit_msg_get(req, "rhost") ?: "");
	/* An op this helper does not know: unsupported, whatever else the request says
	 * (the module answers PAM_IGNORE, the admin tool names the helper as too old). */
	if (!op_known(op))
		return fedjit_helper_result(h, "unsupported", NULL, "op=%s is not supported", op)
		               ?: 1;
	if (!user && strcmp(op, "idp-test") != 0)
		return fedjit_helper_result(h, "error", NULL, "malformed request") ?: 1;
	if (fedjit_msg_get_bool(req, "debug", &debug) == 0 && debug) {
		h->debug = true;
		setlogmask(LOG_UPTO(LOG_DEBUG));
	}
	(void)fedjit_msg_get_uint(req, "timeout", 86400, &timeout);
	h->request_timeout = timeout;
	if (fedjit_msg_get_bool(req, "switch_user", &h->switch_user) < 0)
		h->switch_user = false;

	conf = fedjit_msg_get(req, "config");
	r = conf ? fedjit_config_load(conf, NULL, &h->config, &diag)
	         : fedjit_config_load_default(&h->config, &diag);
	if (r < 0) {
		for (size_t i = 0; i < diag.n_lines; i++)
			syslog(LOG_ERR, "%s", diag.lines[i]);
		fedjit_diag_clear(&diag);
		return fedjit_helper_result(h, "error", NULL, "configuration %s unusable: %s",
		                            conf ? conf : FEDJIT_CONF_FILE, strerror(-r))
		               ?: 1;
	}
	fedjit_diag_clear(&diag);
	if (h->config->global.debug && !h->debug) {
		h->debug = true;
		setlogmask(LOG_UPTO(LOG_DEBUG));
	}
	/* The loader fills every default (common/config_keys.c): these are never NULL. */
	h->cache_dir = h->config->global.cache_dir;
	h->db_file = h->config->global.db_file;
	/* where the account state records were before the private store had them */
	fedjit_store_set_legacy_secret(h->db_file, fedjit_helper_secret_db(h));
	if (strcmp(op, "idp-test") == 0) {
		const char *name = fedjit_msg_get(req, "idp");

		h->idp = name ? fedjit_config_idp(h->config, name) : NULL;
		if (!h->idp)
			return fedjit_helper_result(h, "error", NULL,
			                            "idp-test: IdP %s is not configured",
			                            name ? name : "(none given)")
			               ?: 1;
		h->idp_test = true;
		if (timeout == 0 || timeout > 120)
			timeout = 120;
		h->deadline_usec = fedjit_proto_now_usec() + timeout * 1000000;
		return 0;
	}
	if (strcmp(op, "login-test") == 0) {
		bool dry = false;

		/* fedjit login-test: a login that stores nothing, and says so (dry_run=1) */
		if (fedjit_msg_get_bool(req, "dry_run", &dry) < 0 || !dry)
			return fedjit_helper_result(h, "error", NULL,
			                            "op=login-test without dry_run=1")
			               ?: 1;
		h->login_test = true;
	}
	/* the one parse of the PAM user; everything below gets h->login */
	r = fedjit_helper_parse_login(h, user);
	if (r != 0)
		return r;
	if (strcmp(op, "revalidate") == 0) {
		bool force = false;

		if (fedjit_msg_get_bool(req, "force", &force) < 0)
			force = false;
		if (!service)
			snprintf(h->service, sizeof(h->service), "revalidate");
		return fedjit_helper_revalidate_op(h, force) ?: 1;
	}
	if (strcmp(op, "login") != 0 && !h->login_test)
		return fedjit_helper_account_op(h, op, fedjit_msg_get(req, "phase")) ?: 1;

	r = choose_idp(h, fedjit_msg_get(req, "idp"));
	if (r != 0)
		return r;
	/* A name fedjit handles: now the device flow would cost the IdP (ratelimit.h).
	 * Refusals are logged there, once per window, not per attempt. */
	if (!h->login_test) {
		enum fedjit_ratelimit_verdict v = fedjit_ratelimit_begin(
		        &h->rl, &h->config->global, h->account, h->rhost, time(NULL));

		if (v != FEDJIT_RATELIMIT_OK)
			return fedjit_helper_result(h, "busy", fedjit_ratelimit_message(v), "%s",
			                            fedjit_ratelimit_reason(v))
			               ?: 1;
	}
	if (timeout == 0 || timeout > h->idp->timeout)
		timeout = h->idp->timeout;
	h->deadline_usec = fedjit_proto_now_usec() + timeout * 1000000;
	return 0;
}

static void write_stats(const struct fedjit_helper *h)
{
	const char *s = getenv("FEDJIT_HELPER_STATS_FD");
	int fd;

	if (!s)
		return;
	fd = atoi(s);
	if (fd > 2 && fd != FEDJIT_PROTO_FD)
		dprintf(fd, "http_requests=%u\n", h->http_requests);
}

/*
 * Run from a set-uid program (su, sudo), the helper inherits the caller's real
 * uid, and a process may signal another whose real or saved uid is its own:
 * the caller could stop (SIGSTOP, holding the store's writers' lock) or kill
 * it in the middle of a commit. With euid 0, every id becomes root. That is a
 * change of credentials, which clears the parent-death signal: set it again
 * (SIGTERM, as pam/proto/spawn.c does) and leave if the parent is gone.
 */
static int own_ids(void)
{
	pid_t parent = getppid();

	if (geteuid() != 0)
		return 0;
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return -errno;
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
		return -ECHILD;
	return 0;
}

int main(int argc, char **argv)
{
	struct fedjit_helper h = {
	        .module_fd = FEDJIT_PROTO_FD,
	        .child = -1,
	        .child_fd = -1,
	        .rl = {.dir_fd = -1, .host_fd = -1, .addr_fd = -1, .pair_slot = -1}};
	struct fedjit_msg *req = NULL;
	int r, stats_fd = -1;

	/* The stats fd survives close_other_fds only when asked for (tests/benchmark). */
	if (getenv("FEDJIT_HELPER_STATS_FD"))
		stats_fd = atoi(getenv("FEDJIT_HELPER_STATS_FD"));
	if (stats_fd <= FEDJIT_PROTO_FD)
		close_other_fds();
	if (own_ids() < 0)
		return 2;
	/* The root parent holds the client secret, the key and a refresh token for a moment
	 * (scrubbed once the network child has them, and again when one comes back): no core
	 * file may keep them, and no other process may read this one's memory. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return 2;
	umask(077);
	signal(SIGPIPE, SIG_IGN);
	/* tokens and claims pass through jansson's buffers: zero them when freed */
	fedjit_json_scrub_install();
	/* Everything this process looks up goes around the fedjit NSS module (tdb allows one
	 * open of the store per process; ARCHITECTURE.md invariant 2). */
	setenv("FEDJIT_NSS_BYPASS", "1", 1);
	openlog("fedjit-helper", LOG_PID | (getenv("FEDJIT_HELPER_LOG_STDERR") ? LOG_PERROR : 0),
	        LOG_AUTHPRIV);
	setlogmask(LOG_UPTO(LOG_INFO));
	if (argc > 1) {
		fprintf(stderr, "%s: run by pam_fedjit.so with its socket on fd 3, no arguments\n",
		        argv[0]);
		return 2;
	}
	if (fcntl(FEDJIT_PROTO_FD, F_GETFD) < 0) {
		fprintf(stderr, "fedjit-helper: fd 3 is not open\n");
		return 2;
	}

	h.msg = fedjit_msg_new();
	req = fedjit_msg_new();
	if (!h.msg || !req) {
		r = -ENOMEM;
		goto out;
	}
	r = read_request(&h, req);
	if (r != 0)
		goto out;
	if (h.debug)
		syslog(LOG_DEBUG, "root parent: dumpable=%d", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
	r = load_secrets(&h);
	if (r != 0)
		goto out;
	if (!h.idp_test) /* a test fetches everything afresh */
		load_cache(&h);
	else if (fedjit_cache_dir_prepare(h.cache_dir) < 0)
		h.cache_dir = NULL;
	r = fedjit_helper_run_login(&h);
out:
	/* the flow is over (when no identity came back: the spacing stays) */
	fedjit_ratelimit_end(&h.rl, false);
	if (!h.done && r < 0)
		fedjit_helper_result(&h, "error", NULL, "internal error: %s", strerror(-r));
	write_stats(&h);
	fedjit_secret_free(h.secret);
	fedjit_secret_free(h.key_pem);
	free(h.ca_blob);
	free(h.cached_discovery);
	free(h.cached_jwks);
	free(h.jwks_uri);
	fedjit_msg_free(h.claims);
	fedjit_msg_free(req);
	fedjit_msg_free(h.msg);
	fedjit_config_free(h.config);
	closelog();
	return h.done ? 0 : 1;
}

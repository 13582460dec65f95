/* SPDX-License-Identifier: Apache-2.0 */
/* Small pieces every entry point uses: scratch copies, status mapping, the off switch, names, paths. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "common/names.h"
#include "nss/nss_fedjit.h"

void fedjit_nss_scratch_init(struct fedjit_nss_scratch *s)
{
	s->p = s->inline_buf;
	s->len = 0;
	s->size = sizeof(s->inline_buf);
}

void fedjit_nss_scratch_done(struct fedjit_nss_scratch *s)
{
	if (s->p != s->inline_buf)
		free(s->p);
	fedjit_nss_scratch_init(s);
}

long fedjit_nss_scratch_append(struct fedjit_nss_scratch *s, const void *data, size_t n)
{
	if (n > (size_t)LONG_MAX - s->len)
		return -ENOMEM;
	if (s->len + n > s->size) {
		size_t size = s->size;
		while (size < s->len + n)
			size *= 2;
		char *p = s->p == s->inline_buf ? malloc(size) : realloc(s->p, size);
		if (!p)
			return -ENOMEM;
		if (s->p == s->inline_buf)
			memcpy(p, s->inline_buf, s->len);
		s->p = p;
		s->size = size;
	}
	memcpy(s->p + s->len, data, n);
	long off = (long)s->len;
	s->len += n;
	return off;
}

/*
 * The one mapping from internal results to what glibc expects:
 *   0            SUCCESS (errno untouched by the caller)
 *   -ENOENT      NOTFOUND, *errnop = ENOENT
 *   -ERANGE      TRYAGAIN, *errnop = ERANGE: the buffer is too small (and
 *                only then: any other error is never TRYAGAIN, so glibc
 *                never loops growing a buffer for a broken database)
 *   -ENOMEM      TRYAGAIN, *errnop = ENOMEM (what nss_files does)
 *   else         UNAVAIL, *errnop = the error
 */
enum nss_status fedjit_nss_status(int r, int *errnop)
{
	if (r >= 0)
		return NSS_STATUS_SUCCESS;
	*errnop = -r;
	switch (r) {
	case -ENOENT:
		return NSS_STATUS_NOTFOUND;
	case -ERANGE:
	case -ENOMEM:
		return NSS_STATUS_TRYAGAIN;
	default:
		return NSS_STATUS_UNAVAIL;
	}
}

enum nss_status fedjit_nss_finish(int r, int *errnop, int saved_errno)
{
	enum nss_status st = fedjit_nss_status(r, errnop);
	errno = st == NSS_STATUS_SUCCESS ? saved_errno : *errnop;
	return st;
}

/*
 * The off switch. FEDJIT_NSS_BYPASS=1 in the environment, or a non-zero
 * thread-local counter (_nss_fedjit_block), makes every entry point return
 * UNAVAIL at once: the helper and the admin tool hold the store open
 * themselves (tdb allows one open per file per process) and look at the other
 * NSS sources through getpwnam() with fedjit switched off.
 *
 * The variable is read like secure_getenv() does: setuid and setgid programs
 * (sudo, su, passwd) ignore it. Switching the module off can only hide
 * fedjit's own users and groups, but hiding one's own fedjit groups from sudo
 * or su could defeat a rule that denies by group, so a user must not be able
 * to do it to a privileged program. Root daemons and the tools that set it
 * are not AT_SECURE and see it.
 */
/* initial-exec: a thread-local of a dlopen'ed library is otherwise reached
 * through __tls_get_addr on every lookup; these few bytes fit in the static
 * TLS that glibc keeps spare for modules loaded later (NSS modules are its
 * reason for it). */
#define NSS_TLS _Thread_local __attribute__((tls_model("initial-exec")))
static NSS_TLS unsigned blocked;

FEDJIT_NSS_PROTOTYPES(__attribute__((visibility("default"))));

unsigned _nss_fedjit_block(int block)
{
	if (block)
		blocked++;
	else if (blocked > 0)
		blocked--;
	return blocked;
}

/*
 * secure_getenv(), without its scan of the environment on every lookup (it
 * cost more than the rest of a lookup): the answer is kept per thread with
 * what it was read from, the environ array, its length, its last entry and
 * the variable's entry, and read again when any of them changed. setenv()
 * and putenv() append new variables (the length changes) or put a new
 * string in the variable's slot; unsetenv() moves the entries after the one
 * it removes; clearenv() empties environ.
 */
struct bypass_cache {
	char **env;
	size_t n;
	const char *last, *entry; /* entry: NULL when the variable is absent */
	long idx;
	bool on;
};
static NSS_TLS struct bypass_cache bypass_cache;

static bool bypass_value_on(const char *v)
{
	return strcmp(v, "1") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "true") == 0;
}

static bool bypass_env(void)
{
	static const char var[] = "FEDJIT_NSS_BYPASS=";
	struct bypass_cache *c = &bypass_cache;
	char **env = environ;

	if (c->env && env == c->env && env[c->n] == NULL &&
	    (c->n == 0 || env[c->n - 1] == c->last) && (c->idx < 0 || env[c->idx] == c->entry))
		return c->on;
	*c = (struct bypass_cache){.env = env, .idx = -1};
	for (size_t i = 0; env && env[i]; i++) {
		if (env[i][0] == 'F' && strncmp(env[i], var, sizeof(var) - 1) == 0 && c->idx < 0) {
			c->idx = (long)i;
			c->entry = env[i];
			/* setuid and setgid programs do not see it (see above) */
			c->on = !getauxval(AT_SECURE) && bypass_value_on(env[i] + sizeof(var) - 1);
		}
		c->n = i + 1;
		c->last = env[i];
	}
	if (!env)
		c->env = NULL;
	return c->on;
}

bool fedjit_nss_bypassed(void)
{
	if (blocked == 0 && !bypass_env())
		return false;
	/* Switched off after lookups: let go of the store, so that the
	 * process can open it itself (tdb allows one open per process). */
	fedjit_nss_db_reset();
	return true;
}

/*
 * A canonical name the store can hold: a valid local name, or
 * "local@domain" with a valid local part and a lower-case domain part
 * (names.h). Anything else is NOTFOUND before the store is touched.
 */
bool fedjit_nss_name_ok(const char *name)
{
	size_t len = strnlen(name, FEDJIT_CANONICAL_MAX + 1);
	if (len == 0 || len > FEDJIT_CANONICAL_MAX)
		return false;

	/*
	 * Fast path for the common shape, a subset of what names.h accepts:
	 * [a-z_][a-z0-9_-]*, at most FEDJIT_NAME_MAX bytes (no '.', so no
	 * "..", and it cannot be all digits or start with '-' or '.').
	 * Anything else is judged by names.c.
	 */
	static const bool plain[256] = {
	        ['a' ... 'z'] = true,
	        ['0' ... '9'] = true,
	        ['_'] = true,
	        ['-'] = true,
	};
	if (len <= FEDJIT_NAME_MAX && ((name[0] >= 'a' && name[0] <= 'z') || name[0] == '_')) {
		size_t i = 1;
		while (i < len && plain[(unsigned char)name[i]])
			i++;
		if (i == len)
			return true;
	}

	const char *at = memchr(name, '@', len);
	if (!at)
		return fedjit_name_validate_mem(name, len, NULL, 0) == 0;

	size_t local_len = (size_t)(at - name), dom_len = len - local_len - 1;
	if (dom_len == 0 || dom_len > FEDJIT_DOMAIN_NAME_MAX)
		return false;
	for (const char *p = at + 1; p < name + len; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' ||
		      *p == '.' || *p == '-'))
			return false;
	return fedjit_name_validate_mem(name, local_len, NULL, 0) == 0;
}

/*
 * Paths. The module reads its compiled-in paths only. The test build
 * (FEDJIT_NSS_TEST, a separate check-only library, never installed) also
 * reads them from the environment so that tests run against temporary files.
 */
#ifdef FEDJIT_NSS_TEST
static const char *path_env(const char *var, const char *dflt)
{
	const char *e = secure_getenv(var);
	return e && e[0] ? e : dflt;
}
#else
#define path_env(var, dflt) (dflt)
#endif

const char *fedjit_nss_db_path(void)
{
	return path_env("FEDJIT_NSS_DB", FEDJIT_DB_FILE);
}

const char *fedjit_nss_secret_db_path(void)
{
	return path_env("FEDJIT_NSS_SECRET_DB", FEDJIT_SECRET_DB_FILE);
}

const char *fedjit_nss_conf_file(void)
{
	return path_env("FEDJIT_NSS_CONF", FEDJIT_CONF_FILE);
}

const char *fedjit_nss_conf_dir(void)
{
	return path_env("FEDJIT_NSS_CONF_DIR", FEDJIT_CONF_DIR);
}

const char *fedjit_nss_passwd_file(void)
{
	return path_env("FEDJIT_NSS_PASSWD", "/etc/passwd");
}

const char *fedjit_nss_group_file(void)
{
	return path_env("FEDJIT_NSS_GROUP", "/etc/group");
}

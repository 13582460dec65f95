/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shadow entries, for root only. The locked flag comes from the store, the
 * local password hash (if the person set one) from the root-only secret
 * store; pack.c decides what sp_pwdp says. The secret store is opened for the
 * one read and closed again (shadow lookups are rare; a cached handle on a
 * root-only file would only widen what a process keeps open).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "common/store.h"
#include "nss/nss_fedjit.h"

FEDJIT_NSS_PROTOTYPES(__attribute__((visibility("default"))));

static int copy_hash(const char *hash, void *userdata)
{
	long off = fedjit_nss_scratch_append(userdata, hash, strlen(hash) + 1);
	return off < 0 ? (int)off : 0;
}

/* The hash for name into s ("" appended when there is none). */
static int secret_hash(const char *name, struct fedjit_nss_scratch *s, size_t *ret_off)
{
	struct fedjit_secret_store *ss = NULL;
	struct fedjit_retry rt = {0};
	size_t off = s->len;
	int r;

	/* NORECOVER: the module never writes; it waits (bounded) for a commit
	 * being written instead. */
	do
		r = fedjit_secret_open(fedjit_nss_secret_db_path(),
		                       FEDJIT_STORE_RDONLY | FEDJIT_STORE_NORECOVER, &ss);
	while (r == -EAGAIN && fedjit_retry_wait(&rt, FEDJIT_READ_BUDGET_MS) == 0);
	if (r >= 0) {
		r = fedjit_secret_parse_password_hash(ss, name, copy_hash, s);
		fedjit_secret_close(ss);
	}
	if (r == -ENOENT) { /* no secret store yet, or no password: no hash */
		s->len = off;
		long o = fedjit_nss_scratch_append(s, "", 1);
		r = o < 0 ? (int)o : 0;
	}
	if (r < 0)
		return r;
	*ret_off = off;
	return 0;
}

/* Pack the shadow entry of the user whose passwd copy is u. */
int fedjit_nss_shadow_pack_user(struct fedjit_nss_user_copy *u, struct spwd *sp, char *buf,
                                size_t buflen)
{
	size_t hash_off;
	/* the passwd copy's block may move when the scratch grows: use offsets */
	size_t block_off = (size_t)(u->pw.block - u->scratch.p);

	int r = secret_hash(u->pw.block + u->pw.name, &u->scratch, &hash_off);
	if (r < 0)
		return r;
	const char *block = u->scratch.p + block_off;
	struct fedjit_nss_sp src = {
	        .name = block + u->pw.name,
	        .hash = u->scratch.p + hash_off,
	        .locked = u->pw.flags & FEDJIT_USER_LOCKED,
	};
	return fedjit_nss_pack_shadow(&src, sp, buf, buflen);
}

enum nss_status _nss_fedjit_getspnam_r(const char *name, struct spwd *sp, char *buf, size_t buflen,
                                       int *errnop)
{
	int saved = errno, r;
	struct fedjit_nss_user_copy u;

	if (fedjit_nss_bypassed())
		return fedjit_nss_bypass_status(errnop);
	if (geteuid() != 0)
		r = -EACCES; /* like nss_files when /etc/shadow is unreadable */
	else if (!fedjit_nss_name_ok(name))
		r = -ENOENT;
	else
		r = fedjit_nss_lookup_user(name, &u);
	if (r >= 0) {
		r = fedjit_nss_shadow_pack_user(&u, sp, buf, buflen);
		fedjit_nss_scratch_done(&u.scratch);
	}
	return fedjit_nss_finish(r, errnop, saved);
}

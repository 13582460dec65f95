/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The passwd, group and initgroups entry points. Each one is thin: keep
 * errno, check the off switch and the name (an invalid name is NOTFOUND
 * without touching the store), call one lookup, pack, map the result.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nss/nss_fedjit.h"

FEDJIT_NSS_PROTOTYPES(__attribute__((visibility("default"))));

/* After a lookup that returned r: pack the copy into glibc's buffer and
 * drop it (on success), else pass r on. */
static int pack_user(int r, struct fedjit_nss_user_copy *u, struct passwd *pw, char *buf,
                     size_t buflen)
{
	if (r < 0)
		return r;
	r = fedjit_nss_pack_passwd(&u->pw, pw, buf, buflen);
	fedjit_nss_scratch_done(&u->scratch);
	return r;
}

enum nss_status _nss_fedjit_getpwnam_r(const char *name, struct passwd *pw, char *buf,
                                       size_t buflen, int *errnop)
{
	int saved = errno, r;
	struct fedjit_nss_user_copy u;

	if (fedjit_nss_bypassed())
		return fedjit_nss_bypass_status(errnop);
	r = fedjit_nss_name_ok(name) ? fedjit_nss_getpw(name, 0, pw, buf, buflen) : -ENOENT;
	/* Only here, only in sshd: the entry a provisionable name would get
	 * (ARCHITECTURE.md invariant 5). Never for getpwuid, enumeration or others. */
	if (r == -ENOENT && fedjit_nss_is_sshd()) {
		r = fedjit_nss_preauth_user(name, &u);
		r = pack_user(r, &u, pw, buf, buflen);
	}
	return fedjit_nss_finish(r, errnop, saved);
}

enum nss_status _nss_fedjit_getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t buflen,
                                       int *errnop)
{
	int saved = errno;

	if (fedjit_nss_bypassed())
		return fedjit_nss_bypass_status(errnop);
	return fedjit_nss_finish(fedjit_nss_getpw(NULL, uid, pw, buf, buflen), errnop, saved);
}

enum nss_status _nss_fedjit_getgrnam_r(const char *name, struct group *gr, char *buf, size_t buflen,
                                       int *errnop)
{
	int saved = errno, r;

	if (fedjit_nss_bypassed())
		return fedjit_nss_bypass_status(errnop);
	r = fedjit_nss_name_ok(name) ? fedjit_nss_getgr(name, 0, gr, buf, buflen) : -ENOENT;
	return fedjit_nss_finish(r, errnop, saved);
}

enum nss_status _nss_fedjit_getgrgid_r(gid_t gid, struct group *gr, char *buf, size_t buflen,
                                       int *errnop)
{
	int saved = errno;

	if (fedjit_nss_bypassed())
		return fedjit_nss_bypass_status(errnop);
	return fedjit_nss_finish(fedjit_nss_getgr(NULL, gid, gr, buf, buflen), errnop, saved);
}

/* Append gid unless it is already there; grow within limit (<= 0: none). */
static int add_gid(gid_t gid, long int *start, long int *size, gid_t **groupsp, long int limit)
{
	for (long int i = 0; i < *start; i++)
		if ((*groupsp)[i] == gid)
			return 0;
	if (*start == *size) {
		if (limit > 0 && *size >= limit)
			return 1; /* full: glibc asked for no more */
		long int n = *size > 0 ? *size * 2 : 8;
		if (limit > 0 && n > limit)
			n = limit;
		gid_t *p = realloc(*groupsp, (size_t)n * sizeof(gid_t));
		if (!p)
			return -ENOMEM;
		*groupsp = p;
		*size = n;
	}
	(*groupsp)[(*start)++] = gid;
	return 0;
}

/*
 * The user's supplementary groups from the store's per-user gid list. The
 * list holds gids of this store's groups and of groups that live elsewhere
 * (e.g. sudo in /etc/group, mapped from an IdP group), so `id` and sudoers
 * "%sudo" see them without the module serving those groups itself.
 */
enum nss_status _nss_fedjit_initgroups_dyn(const char *user, gid_t group, long int *start,
                                           long int *size, gid_t **groupsp, long int limit,
                                           int *errnop)
{
	int saved = errno, r;
	struct fedjit_nss_scratch s;
	struct fedjit_gids_view v;

	if (fedjit_nss_bypassed())
		return fedjit_nss_bypass_status(errnop);
	if (!fedjit_nss_name_ok(user))
		return fedjit_nss_finish(-ENOENT, errnop, saved);

	fedjit_nss_scratch_init(&s);
	r = fedjit_nss_lookup_gids(user, &s, &v);
	for (uint32_t i = 0; r >= 0 && i < v.n; i++) {
		gid_t gid = fedjit_gids_view_at(&v, i);
		if (gid == group)
			continue;
		r = add_gid(gid, start, size, groupsp, limit);
		if (r > 0) {
			r = 0;
			break;
		}
	}
	fedjit_nss_scratch_done(&s);
	return fedjit_nss_finish(r, errnop, saved);
}

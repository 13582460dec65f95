/* SPDX-License-Identifier: Apache-2.0 */
/*
 * "Is this name / id taken?" for provisioning: the store the helper holds open
 * plus every other NSS source, asked through getpwnam_r and friends with the
 * fedjit NSS module switched off (FEDJIT_NSS_BYPASS=1), so the store handle
 * can stay open across them. Unknown is not free: a failed lookup fails the
 * allocation.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "pam/provision/provision_private.h"

/* ---- the system's NSS sources ---- */

#define LOOKUP_BUF 16384

/* getpw*_r / getgr*_r report "not found" as 0 with a NULL result, but some
 * modules return ENOENT or ESRCH for it (getpwnam(3) NOTES). The result
 * pointer must be read after the call returned: never pass both as arguments
 * of one call (their evaluation order is unspecified; gcc read the NULL first,
 * so every name of /etc/passwd and /etc/group looked free). */
static int lookup_status(int r, const void *result)
{
	if (result)
		return 1;
	if (r == 0 || r == ENOENT || r == ESRCH || r == EBADF || r == EPERM)
		return 0;
	return -r;
}

static int sys_user_by_name(const char *name, uint32_t *ret_uid, void *userdata)
{
	char buf[LOOKUP_BUF];
	struct passwd pw, *res = NULL;
	int e = getpwnam_r(name, &pw, buf, sizeof(buf), &res);
	int r = lookup_status(e, res);

	if (r > 0 && ret_uid)
		*ret_uid = pw.pw_uid;
	return r;
}

static int sys_user_entry(const char *name, uint32_t *ret_gid, char **ret_home, char **ret_shell,
                          void *userdata)
{
	char buf[LOOKUP_BUF];
	struct passwd pw, *res = NULL;
	int e = getpwnam_r(name, &pw, buf, sizeof(buf), &res);
	int r = lookup_status(e, res);
	char *home, *shell;

	if (r <= 0)
		return r;
	home = strdup(pw.pw_dir ? pw.pw_dir : "/");
	shell = strdup(pw.pw_shell && pw.pw_shell[0] ? pw.pw_shell : "/bin/sh");
	if (!home || !shell) {
		free(home);
		free(shell);
		return -ENOMEM;
	}
	*ret_gid = pw.pw_gid;
	*ret_home = home;
	*ret_shell = shell;
	return 1;
}

static int sys_uid_exists(uint32_t uid, void *userdata)
{
	char buf[LOOKUP_BUF];
	struct passwd pw, *res = NULL;

	int e = getpwuid_r(uid, &pw, buf, sizeof(buf), &res);
	return lookup_status(e, res);
}

static int sys_group_by_name(const char *name, uint32_t *ret_gid, void *userdata)
{
	char buf[LOOKUP_BUF];
	struct group gr, *res = NULL;
	int e = getgrnam_r(name, &gr, buf, sizeof(buf), &res);
	int r = lookup_status(e, res);

	if (r > 0 && ret_gid)
		*ret_gid = gr.gr_gid;
	return r;
}

static int sys_group_by_gid(uint32_t gid, char **ret_name, void *userdata)
{
	char buf[LOOKUP_BUF];
	struct group gr, *res = NULL;
	int e = getgrgid_r(gid, &gr, buf, sizeof(buf), &res);
	int r = lookup_status(e, res);

	if (r > 0 && ret_name) {
		*ret_name = strdup(gr.gr_name);
		if (!*ret_name)
			return -ENOMEM;
	}
	return r;
}

static const struct fedjit_prov_nss system_nss = {
        .user_by_name = sys_user_by_name,
        .user_entry = sys_user_entry,
        .uid_exists = sys_uid_exists,
        .group_by_name = sys_group_by_name,
        .group_by_gid = sys_group_by_gid,
};

const struct fedjit_prov_nss *fedjit_prov_nss(const struct prov_run *run)
{
	return run->ctx->nss ? run->ctx->nss : &system_nss;
}

int fedjit_prov_user_by_name_once(const char *name, uint32_t *ret_uid, void *memo)
{
	struct fedjit_prov_name_memo *m = memo;

	if (!m->name || strcmp(m->name, name) != 0) {
		m->uid = 0;
		m->r = m->nss->user_by_name(name, &m->uid, m->nss->userdata);
		/* an error is not kept: the next caller asks again */
		m->name = m->r >= 0 ? name : NULL;
		if (m->r < 0)
			return m->r;
	}
	if (m->r > 0 && ret_uid)
		*ret_uid = m->uid;
	return m->r;
}

/* ---- the store ---- */

static int user_exists_cb(const struct fedjit_user_view *v, void *userdata)
{
	return 0;
}

static int group_exists_cb(const struct fedjit_group_view *v, void *userdata)
{
	return 0;
}

/* 1 / 0 / negative errno from a parse call's result. */
static int store_exists(int r)
{
	if (r == 0)
		return 1;
	return r == -ENOENT ? 0 : r;
}

int fedjit_prov_store_has_user(struct prov_run *run, const char *name)
{
	return store_exists(fedjit_store_parse_user(run->store, name, user_exists_cb, NULL));
}

struct gid_req {
	uint32_t gid;
};

static int group_gid_cb(const struct fedjit_group_view *v, void *userdata)
{
	struct gid_req *q = userdata;

	q->gid = v->gid;
	return 0;
}

/* ---- plan lookups: store + every NSS source ---- */

static int all_uid_taken(uint32_t uid, void *userdata)
{
	struct prov_run *run = userdata;
	int r = store_exists(fedjit_store_parse_user_by_uid(run->store, uid, user_exists_cb, NULL));

	if (r != 0)
		return r;
	return fedjit_prov_other_uid_taken(run, uid);
}

static int all_gid_taken(uint32_t gid, void *userdata)
{
	struct prov_run *run = userdata;
	int r = store_exists(
	        fedjit_store_parse_group_by_gid(run->store, gid, group_exists_cb, NULL));

	if (r != 0)
		return r;
	return fedjit_prov_other_gid_taken(run, gid);
}

/* The store first: a store group of that name is the one fedjit serves. */
static int store_group_gid(struct prov_run *run, const char *name, uint32_t *ret_gid)
{
	struct gid_req q;
	int r;

	if (fedjit_name_validate(name, NULL, 0) < 0)
		return 0; /* not a name the store can hold */
	r = store_exists(fedjit_store_parse_group(run->store, name, group_gid_cb, &q));
	if (r > 0)
		*ret_gid = q.gid;
	return r;
}

static int all_group_gid(const char *name, uint32_t *ret_gid, void *userdata)
{
	struct prov_run *run = userdata;
	int r = store_group_gid(run, name, ret_gid);

	if (r != 0)
		return r;
	return fedjit_prov_other_group_gid(run, name, ret_gid);
}

struct fedjit_plan_lookups fedjit_prov_plan_lookups(struct prov_run *run)
{
	return (struct fedjit_plan_lookups){
	        .uid_taken = all_uid_taken,
	        .gid_taken = all_gid_taken,
	        .group_gid = all_group_gid,
	        .userdata = run,
	};
}

/* ---- the pre-auth view: store + /etc files, as nss/preauth.c computes it ---- */

static const char *passwd_file(const struct prov_run *run)
{
	return run->ctx->passwd_file ? run->ctx->passwd_file : "/etc/passwd";
}

static const char *group_file(const struct prov_run *run)
{
	return run->ctx->group_file ? run->ctx->group_file : "/etc/group";
}

static int files_uid_taken(uint32_t uid, void *userdata)
{
	struct prov_run *run = userdata;
	int r = store_exists(fedjit_store_parse_user_by_uid(run->store, uid, user_exists_cb, NULL));

	if (r != 0)
		return r;
	return fedjit_files_find(passwd_file(run), false, NULL, uid, NULL);
}

static int files_gid_taken(uint32_t gid, void *userdata)
{
	struct prov_run *run = userdata;
	int r = store_exists(
	        fedjit_store_parse_group_by_gid(run->store, gid, group_exists_cb, NULL));

	if (r != 0)
		return r;
	return fedjit_files_find(group_file(run), true, NULL, gid, NULL);
}

static int files_group_gid(const char *name, uint32_t *ret_gid, void *userdata)
{
	struct prov_run *run = userdata;
	int r = store_group_gid(run, name, ret_gid);

	if (r != 0)
		return r;
	return fedjit_files_find(group_file(run), true, name, 0, ret_gid);
}

int fedjit_prov_preauth_plan(struct prov_run *run, const char *name,
                             struct fedjit_account_plan *ret)
{
	const struct fedjit_plan_lookups l = {
	        .uid_taken = files_uid_taken,
	        .gid_taken = files_gid_taken,
	        .group_gid = files_group_gid,
	        .userdata = run,
	};

	return fedjit_account_plan(run->domain, name, &l, ret);
}

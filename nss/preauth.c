/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sshd pre-authentication entry (ARCHITECTURE.md invariant 5).
 *
 * sshd calls getpwnam() before PAM runs and rejects the connection ("Invalid
 * user") when it fails, even if PAM would then succeed. So when the name is
 * not in the store yet, and the configuration says a login with it would be
 * provisioned, getpwnam() in sshd answers with exactly the entry provisioning
 * will create: the uid and gid from the id allocator, home from the domain's
 * template, the domain's shell. Only getpwnam, only in sshd: getpwuid,
 * enumeration and every other process never see a name that does not exist.
 * The configuration is parsed here, on this path only, never on a lookup of
 * an existing account.
 *
 * HOW SSHD IS RECOGNISED. /proc/self/exe must resolve to one of the sshd
 * binaries below (the binary the kernel executed, not a name the process
 * chose). A pre-filter on the basename of AT_EXECFN (the path given to
 * execve, kept on the stack above argv and environ, so sshd's setproctitle
 * does not overwrite it) keeps the readlink() off every other process's miss
 * path. Limits: a program running in a user and mount namespace where its own
 * binary is bind-mounted over /usr/sbin/sshd passes the check; all it gains is
 * the entries it could compute itself from the (world-readable) configuration,
 * in its own process. The tests use exactly that to play sshd.
 *
 * WHICH IdP. The one the helper will run the login with
 * (fedjit_config_idp_for_login: the provisioning IdP serving the name's
 * domain as written, default_idp among several), so that the entry sshd sees
 * is the one provisioning creates. It must have sshd_preauth on and accept
 * the name (its domain for provisioning = always; the name's own domain,
 * which it must serve, for as-in-username). IdPs whose local name is not the
 * login name (username_from = subject, a prompt that asks for the name) give
 * no pre-auth entry: the name is not known before the login.
 *
 * WHAT IS REFUSED (NOTFOUND): names that break the name rules or the domain's
 * username_regex, reserved names, and names that exist in /etc/passwd (files
 * win; fedjit never shadows a local account). A name already provisioned
 * under its canonical form (CORP/alice -> alice) gets the stored entry.
 *
 * IDS. The allocator's "taken" callbacks look at the store and read
 * /etc/passwd and /etc/group directly (fgetpwent_r/fgetgrent_r), never
 * through NSS: this runs inside getpwnam(). Provisioning checks every NSS
 * source; should another source hold the uid computed here, provisioning
 * picks another one and, because the entry would differ, fails the login.
 *
 * THE ENTRY itself is the account plan (common/account_plan.h), the same
 * function provisioning calls, with lookups that stay out of NSS.
 */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "common/account_plan.h"
#include "common/config.h"
#include "common/idalloc.h"
#include "common/macro.h"
#include "common/names.h"
#include "nss/nss_fedjit.h"

static const char *const sshd_paths[] = {
        "/usr/sbin/sshd",
        "/usr/lib/openssh/sshd-session", /* OpenSSH >= 9.8 on Debian */
        "/usr/lib/openssh/sshd-auth",    /* OpenSSH >= 10.0 on Debian */
        "/usr/libexec/openssh/sshd-session",
        "/usr/libexec/openssh/sshd-auth",
        "/usr/libexec/sshd-session",
        "/usr/libexec/sshd-auth",
};

bool fedjit_nss_is_sshd(void)
{
	const char *fn = (const char *)getauxval(AT_EXECFN);
	if (!fn)
		return false;
	const char *base = strrchr(fn, '/');
	base = base ? base + 1 : fn;
	if (strcmp(base, "sshd") != 0 && strcmp(base, "sshd-session") != 0 &&
	    strcmp(base, "sshd-auth") != 0)
		return false;

	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	/* sshd keeps running while its package is upgraded */
	static const char deleted[] = " (deleted)";
	size_t dl = strlen(deleted);
	if ((size_t)n > dl && strcmp(exe + n - dl, deleted) == 0)
		exe[n - dl] = '\0';

	for (size_t i = 0; i < FEDJIT_ELEMENTSOF(sshd_paths); i++)
		if (strcmp(exe, sshd_paths[i]) == 0)
			return true;
	return false;
}

/* ---- /etc/passwd and /etc/group, read directly (account_plan.h) ---- */

enum files_key {
	FILES_BY_NAME,
	FILES_BY_ID,
};

static int files_find(bool group, enum files_key by, const char *name, uint32_t id,
                      uint32_t *ret_id)
{
	return fedjit_files_find(group ? fedjit_nss_group_file() : fedjit_nss_passwd_file(), group,
	                         by == FILES_BY_NAME ? name : NULL, id, ret_id);
}

static int lookup_files_user(const char *name, uint32_t *ret_uid, void *userdata)
{
	return files_find(false, FILES_BY_NAME, name, 0, ret_uid);
}

/* ---- "is this id taken?" for the allocator ---- */

static int id_taken(bool group, uint32_t id)
{
	int r = fedjit_nss_id_taken(group, id);

	if (r != 0)
		return r;
	return files_find(group, FILES_BY_ID, NULL, id, NULL);
}

static int uid_taken(uint32_t id, void *userdata)
{
	return id_taken(false, id);
}

static int gid_taken(uint32_t id, void *userdata)
{
	return id_taken(true, id);
}

/* The gid of a group by name: the store, then /etc/group. */
static int group_gid(const char *name, uint32_t *ret_gid, void *userdata)
{
	struct fedjit_nss_group_copy g;
	int r = fedjit_nss_name_ok(name) ? fedjit_nss_lookup_group(name, &g) : -ENOENT;

	if (r >= 0) {
		*ret_gid = g.gr.gid;
		fedjit_nss_scratch_done(&g.scratch);
		return 1;
	}
	if (r != -ENOENT)
		return r;
	return files_find(true, FILES_BY_NAME, name, 0, ret_gid);
}

static const struct fedjit_plan_lookups lookups = {
        .uid_taken = uid_taken,
        .gid_taken = gid_taken,
        .group_gid = group_gid,
};

/* Build the entry for a name in domain d into ret: the account plan, packed. */
static int build_entry(const struct fedjit_domain *d, const char *canonical,
                       struct fedjit_nss_user_copy *ret)
{
	struct fedjit_account_plan *plan = malloc(sizeof(*plan));
	long o[5];
	int r;

	if (!plan)
		return -ENOMEM;
	r = fedjit_account_plan(d, canonical, &lookups, plan);
	if (r < 0) {
		free(plan);
		return r;
	}
	struct fedjit_nss_scratch *s = &ret->scratch;
	fedjit_nss_scratch_init(s);
	o[0] = fedjit_nss_scratch_append(s, plan->name, strlen(plan->name) + 1);
	o[1] = fedjit_nss_scratch_append(s, FEDJIT_PASSWD_FIELD, sizeof(FEDJIT_PASSWD_FIELD));
	o[2] = fedjit_nss_scratch_append(s, FEDJIT_PLAN_GECOS, sizeof(FEDJIT_PLAN_GECOS));
	o[3] = fedjit_nss_scratch_append(s, plan->home, strlen(plan->home) + 1);
	o[4] = fedjit_nss_scratch_append(s, plan->shell, strlen(plan->shell) + 1);
	for (size_t i = 0; i < 5 && r >= 0; i++)
		if (o[i] < 0)
			r = (int)o[i];
	if (r < 0) {
		free(plan);
		fedjit_nss_scratch_done(s);
		return r;
	}
	ret->pw = (struct fedjit_nss_pw){
	        .uid = plan->uid,
	        .gid = plan->gid,
	        .block = s->p,
	        .block_len = s->len,
	        .name = (size_t)o[0],
	        .passwd = (size_t)o[1],
	        .gecos = (size_t)o[2],
	        .home = (size_t)o[3],
	        .shell = (size_t)o[4],
	};
	free(plan);
	return 0;
}

/* 1 and *ret filled when this IdP would provision the parsed name; 0 when it would not. */
static int idp_accepts(const struct fedjit_config *cfg, const struct fedjit_idp *idp,
                       const struct fedjit_login *parsed, struct fedjit_login *ret)
{
	if (!fedjit_idp_preauth_enabled(idp))
		return 0;
	if (fedjit_idp_login_from(cfg, idp, parsed, ret, NULL, 0) < 0)
		return 0;
	if (fedjit_name_policy_check(ret->domain, FEDJIT_NAME_USER, ret->local, NULL, 0) < 0)
		return 0;
	return 1;
}

static int preauth(const struct fedjit_config *cfg, const char *name,
                   struct fedjit_nss_user_copy *ret)
{
	/* the name parsed once, as the helper parses it; the IdP the helper will
	 * use for it, and only that one */
	struct fedjit_login parsed, login;
	const struct fedjit_idp *idp;

	if (fedjit_login_parse(cfg, NULL, name, strlen(name), &parsed, NULL, 0) < 0)
		return -ENOENT;
	idp = fedjit_config_idp_for_login(cfg, &parsed);
	if (!idp || idp_accepts(cfg, idp, &parsed, &login) <= 0)
		return -ENOENT;

	/* reserved names, and names of system accounts below the range */
	if (fedjit_name_check_reserved(cfg, login.domain, login.canonical, lookup_files_user, NULL,
	                               NULL, 0) < 0)
		return -ENOENT;
	/* files win: never shadow a local account, under either spelling */
	int r = files_find(false, FILES_BY_NAME, login.canonical, 0, NULL);
	if (r == 0 && strcmp(name, login.canonical) != 0)
		r = files_find(false, FILES_BY_NAME, name, 0, NULL);
	if (r != 0)
		return r < 0 ? r : -ENOENT;

	/* already provisioned under its canonical name: that entry */
	if (strcmp(name, login.canonical) != 0) {
		r = fedjit_nss_lookup_user(login.canonical, ret);
		if (r != -ENOENT)
			return r;
	}
	return build_entry(login.domain, login.canonical, ret);
}

int fedjit_nss_preauth_user(const char *name, struct fedjit_nss_user_copy *ret)
{
	struct fedjit_config *cfg = NULL;

	if (strnlen(name, 256) >= 256)
		return -ENOENT;
	if (fedjit_config_load(fedjit_nss_conf_file(), fedjit_nss_conf_dir(), &cfg, NULL) < 0)
		return -ENOENT; /* no (valid) configuration: nothing is provisioned */
	int r = preauth(cfg, name, ret);
	fedjit_config_free(cfg);
	/* any trouble computing the entry: the name simply does not exist yet */
	return r < 0 && r != -ENOMEM ? -ENOENT : r;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The account plan: the exact passwd entry a new account gets (ARCHITECTURE.md
 * invariant 5). The sshd pre-authentication entry of the NSS module and
 * provisioning in fedjit-helper both compute it here, with the same inputs,
 * so what sshd saw before PAM is what the account becomes.
 *
 * Pure computation: no I/O of its own, no NSS, no allocation. Whether an id
 * or a group name is taken is asked through caller callbacks (the NSS module
 * reads the store and /etc files directly; the helper asks every NSS source
 * with fedjit bypassed, plus the store it holds open).
 *
 * THE ENTRY of canonical name N in domain D:
 *   name    N
 *   passwd  "x" (FEDJIT_PASSWD_FIELD)
 *   uid     fedjit_id_alloc_user(D, N, pgid) (idalloc.h)
 *   gid     with D.primary_group = G: the gid of G when it exists (any source),
 *           else fedjit_id_alloc_group(D, G) (the gid it will be created with);
 *           without: a user private group, gid = uid
 *   gecos   "" (FEDJIT_PLAN_GECOS); provisioning fills it from the gecos claim
 *   home    D.home (default /home/%u) expanded: %u = N, %U = uid (decimal),
 *           %d = D's name in lower case, %% = '%'; any other "%c" stays as c,
 *           a trailing lone '%' stays '%' (the config checker refuses both)
 *   shell   D.shell (default /bin/bash)
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/config.h"
#include "common/idalloc.h"
#include "common/names.h"

#define FEDJIT_PLAN_PATH_MAX 4096 /* home and shell, NUL included (record limit + 1) */
#define FEDJIT_PLAN_GECOS    ""
#define FEDJIT_PLAN_HOME     "/home/%u" /* when the domain has none */
#define FEDJIT_PLAN_SHELL    "/bin/bash"

struct fedjit_plan_lookups {
	fedjit_id_taken_fn uid_taken; /* NULL: no uid is taken */
	fedjit_id_taken_fn gid_taken; /* NULL: no gid is taken */
	/* gid of an existing group by name (store or other sources): 1 and *ret_gid,
	 * 0 when there is none, negative errno on failure. NULL: no group exists. */
	fedjit_name_lookup_fn group_gid;
	void *userdata; /* passed to all three */
};

struct fedjit_account_plan {
	char name[FEDJIT_CANONICAL_MAX + 1];
	uint32_t uid;
	uint32_t gid;
	char home[FEDJIT_PLAN_PATH_MAX];
	char shell[FEDJIT_PLAN_PATH_MAX];
	/* The domain's shared primary group (points into the config), NULL for a
	 * user private group named N. */
	const char *primary_group;
	bool primary_group_exists; /* found through group_gid */
};

/*
 * Expand the domain's home template for (name, uid) into buf (see above).
 * 0, or -ENAMETOOLONG when it does not fit in size bytes.
 */
int fedjit_home_expand(const struct fedjit_domain *d, const char *name, uint32_t uid, char *buf,
                       size_t size);

/*
 * Compute the entry of a new account named canonical in domain d (see above).
 * 0 and *ret filled; -ENOSPC (range full), -ENAMETOOLONG (home or shell too
 * long), -EINVAL (canonical too long) or a callback's error, *ret untouched.
 * l may be NULL (nothing is taken).
 */
int fedjit_account_plan(const struct fedjit_domain *d, const char *canonical,
                        const struct fedjit_plan_lookups *l, struct fedjit_account_plan *ret);

/*
 * The domain a login name would be provisioned into by idp: for provisioning
 * = always the IdP's `domain` (a bare name lands there; a name qualified with
 * another domain is refused), for as-in-username the name's own domain (bare:
 * PRIMARY) which the IdP must serve (its `domains`), for none the name's own
 * domain (existing accounts only). 0 and *ret filled (folded, validated local
 * part and canonical name); -EINVAL (malformed name), -ENOENT (unknown
 * domain), -EPERM (a domain this IdP does not provision) with a reason.
 * Neither the regex policy nor reserved names are checked here.
 */
int fedjit_idp_login(const struct fedjit_config *config, const struct fedjit_idp *idp,
                     const char *login, size_t len, struct fedjit_login *ret, char *reason,
                     size_t reason_size);

/*
 * The same for a login already parsed (fedjit_login_parse with the default
 * domain PRIMARY): a bare name is placed in the IdP's domain from what was
 * written, without parsing the text again (fedjit_login_rebase).
 */
int fedjit_idp_login_from(const struct fedjit_config *config, const struct fedjit_idp *idp,
                          const struct fedjit_login *parsed, struct fedjit_login *ret, char *reason,
                          size_t reason_size);

/*
 * The IdP that handles a login name that has no account yet (fedjit.conf(5),
 * IDP SELECTION): the IdP with provisioning that serves the name's domain as
 * written (PRIMARY for a bare name), default_idp when several do; when none
 * does and only one IdP is configured, that one. The helper (which IdP runs
 * the device flow and provisions) and the NSS pre-auth entry (which entry
 * sshd is shown) both choose with this, so they agree. NULL when no IdP
 * handles the name (or it is malformed).
 */
const struct fedjit_idp *fedjit_config_idp_for_new_login(const struct fedjit_config *config,
                                                         const char *login, size_t len);
/* The same for a parsed login (default domain PRIMARY). */
const struct fedjit_idp *fedjit_config_idp_for_login(const struct fedjit_config *config,
                                                     const struct fedjit_login *l);

/* Does idp give sshd a pre-auth entry (sshd_preauth, default: provisioning on)
 * and is the local name known before the login (not username_from = subject,
 * not prompted for)? */
bool fedjit_idp_preauth_enabled(const struct fedjit_idp *idp);

/*
 * Find a user (group = false) or group by name (name != NULL) or by id in a
 * passwd / group format file, read directly, never through NSS (the NSS
 * module's pre-auth entry, and provisioning recomputing that entry). 1 and
 * *ret_id (may be NULL) when found, 0 when not or when the file is missing,
 * negative errno when it cannot be read. A line longer than 4 KiB ends the
 * search there (not found).
 */
int fedjit_files_find(const char *path, bool group, const char *name, uint32_t id,
                      uint32_t *ret_id);

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Provisioning's dry run (fedjit_prov_ctx.dry_run, for `fedjit login-test`):
 * provision.c takes the same decisions as for a login and, where a login
 * would prompt, write or finish, calls fedjit_prov_dry_report() instead. Nothing can
 * be written: the store is opened read-only (writes fail with -EROFS), the
 * secret store is never opened, no home, no hook, no audit line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pam/provision/provision_private.h"

int fedjit_prov_dry_store_open(struct prov_run *run)
{
	char dir[64], path[sizeof(dir) + 16], lock[sizeof(path) + 8], priv[sizeof(path) + 16];
	int r = fedjit_store_open(run->db_file, FEDJIT_STORE_RDONLY, &run->store);

	if (r != -ENOENT)
		return r;
	/* No store yet: decide against an empty one (every name and id free in the
	 * store), unlinked at once so it lives only as this process's handle. The pid in
	 * the name says whose it is, should a kill ever leave one behind. */
	snprintf(dir, sizeof(dir), "/tmp/fedjit-dry-run.%ld.XXXXXX", (long)getpid());
	if (!mkdtemp(dir))
		return -errno;
	snprintf(path, sizeof(path), "%s/empty.tdb", dir);
	r = fedjit_store_open(path, FEDJIT_STORE_CREATE | FEDJIT_STORE_NOSYNC, &run->store);
	snprintf(lock, sizeof(lock), "%s.lock", path); /* the writers' lock (store.h) */
	(void)unlink(path);
	(void)unlink(lock);
	if (fedjit_store_private_path(path, priv, sizeof(priv)) == 0) /* and its private store */
		(void)unlink(priv);
	(void)rmdir(dir);
	return r;
}

static const char *would_word(enum fedjit_prov_would w)
{
	return w == FEDJIT_PROV_WOULD_CREATE  ? "create"
	       : w == FEDJIT_PROV_WOULD_EXIST ? "exists"
	                                      : "refuse";
}

int fedjit_prov_dry_report(struct prov_run *run, enum fedjit_prov_would would, uint32_t uid,
                           uint32_t gid, const char *home, const char *shell, const char *domain)
{
	struct fedjit_prov_dry *dry = run->ctx->dry_run;
	struct prov_groups g = {0};
	int r = fedjit_prov_groups_compute(run, false,
	                                   &g); /* gids of new JIT groups: allocated, not stored */

	if (r < 0)
		return r;
	free(dry->groups);
	dry->groups = fedjit_prov_groups_join(&g);
	fedjit_prov_groups_free(&g);
	if (!dry->groups)
		return -ENOMEM;
	dry->would = would;
	snprintf(dry->home, sizeof(dry->home), "%s", home ? home : "");
	snprintf(dry->shell, sizeof(dry->shell), "%s", shell ? shell : "");
	snprintf(dry->domain, sizeof(dry->domain), "%s", domain ? domain : "");
	run->res->uid = uid;
	run->res->gid = gid;
	fedjit_prov_result(
	        run, "ok", NULL, "dry run: would %s%s uid=%u gid=%u home=%s", would_word(would),
	        dry->associate ? " (link the existing local account)" : "", uid, gid, dry->home);
	return 0;
}

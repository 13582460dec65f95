/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IdP groups -> local groups. Every group_map line whose IdP group the
 * identity has adds its local group; with create_groups, an IdP group no line
 * maps becomes a local group of the same name (folded and checked like a user
 * name, then against the domain's groupname_regex; a name that fails is
 * skipped and logged, never fatal: hostile group claims cost their group, not
 * the login). A local group is, in this order: a group of the store, a group
 * of another NSS source (e.g. sudo in /etc/group: only its gid is recorded),
 * or a new JIT group with a gid from the domain's gid range (idalloc.h).
 * The whole set is recomputed at every login and replaces the account's
 * supplementary list, so a group removed at the IdP is removed here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "pam/provision/provision_private.h"

void fedjit_prov_groups_free(struct prov_groups *g)
{
	free(g->v);
	g->v = NULL;
	g->n = 0;
}

static int store_group_gid(struct prov_run *run, const char *name, uint32_t *ret_gid)
{
	struct fedjit_group *grp = NULL;
	int r = fedjit_store_get_group(run->store, name, &grp);

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	*ret_gid = grp->gid;
	fedjit_group_free(grp);
	return 1;
}

/* Resolve (and with create, make) one local group and append it. */
static int add_group(struct prov_run *run, const char *name, bool create, struct prov_groups *g)
{
	struct fedjit_plan_lookups l = fedjit_prov_plan_lookups(run);
	struct fedjit_id_checks checks = {l.uid_taken, l.gid_taken, l.userdata};
	struct prov_group pg = {0};
	struct prov_group *v;
	int r;

	for (size_t i = 0; i < g->n; i++)
		if (strcmp(g->v[i].name, name) == 0)
			return 0;
	snprintf(pg.name, sizeof(pg.name), "%s", name);
	r = store_group_gid(run, name, &pg.gid);
	if (r == 0)
		r = fedjit_prov_other_group_gid(run, name, &pg.gid);
	if (r < 0)
		return r;
	if (r == 0) {
		r = fedjit_id_alloc_group(run->domain, name, &checks, &pg.gid);
		if (r < 0)
			return r;
		pg.create = true;
		if (create) {
			r = fedjit_store_ensure_group(run->store, name, pg.gid, run->domain->name,
			                              FEDJIT_GROUP_JIT, &pg.gid);
			if (r < 0)
				return r;
			if (r > 0)
				fedjit_prov_audit_group(run, name, pg.gid);
		}
	}
	v = realloc(g->v, (g->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	g->v = v;
	g->v[g->n++] = pg;
	return 0;
}

int fedjit_prov_groups_compute(struct prov_run *run, bool create, struct prov_groups *ret)
{
	const struct fedjit_idp *idp = run->ctx->idp;
	const struct fedjit_identity *id = run->id;
	struct prov_groups g = {0};
	int r = 0;

	for (size_t j = 0; j < id->n_groups && r >= 0; j++) {
		const char *idpg = id->groups[j];
		bool mapped = false;

		if (!idpg)
			continue;
		for (size_t i = 0; i < idp->n_group_map && r >= 0; i++)
			if (strcmp(idp->group_map[i].idp_group, idpg) == 0) {
				mapped = true;
				r = add_group(run, idp->group_map[i].local_group, create, &g);
			}
		if (mapped || !idp->create_groups || r < 0)
			continue;

		char local[FEDJIT_NAME_MAX + 1], reason[FEDJIT_REASON_SIZE];
		if (fedjit_name_fold(run->domain, idpg, strlen(idpg), local, reason,
		                     sizeof(reason)) < 0 ||
		    fedjit_name_policy_check(run->domain, FEDJIT_NAME_GROUP, local, reason,
		                             sizeof(reason)) < 0 ||
		    fedjit_name_is_reserved(local)) {
			if (!run->memo.warming)
				syslog(LOG_AUTHPRIV | LOG_WARNING,
				       "provisioning: idp=%s subject=%s: IdP group skipped: %s",
				       idp->name, id->subject,
				       fedjit_name_is_reserved(local) ? "a reserved name" : reason);
			continue;
		}
		r = add_group(run, local, create, &g);
	}
	if (r < 0) {
		fedjit_prov_groups_free(&g);
		return r;
	}
	*ret = g;
	return 0;
}

static int cmp_gid(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int fedjit_prov_groups_gids(const struct prov_groups *g, uint32_t **ret, size_t *ret_n)
{
	uint32_t *v;
	size_t n = 0;

	*ret = NULL;
	*ret_n = 0;
	if (g->n == 0)
		return 0;
	v = malloc(g->n * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < g->n; i++)
		v[i] = g->v[i].gid;
	qsort(v, g->n, sizeof(*v), cmp_gid);
	for (size_t i = 0; i < g->n; i++)
		if (n == 0 || v[n - 1] != v[i])
			v[n++] = v[i];
	*ret = v;
	*ret_n = n;
	return 0;
}

char *fedjit_prov_groups_join(const struct prov_groups *g)
{
	size_t len = 1;
	char *s;

	for (size_t i = 0; i < g->n; i++)
		len += strlen(g->v[i].name) + 1;
	s = malloc(len);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (size_t i = 0; i < g->n; i++) {
		if (i)
			strcat(s, ",");
		strcat(s, g->v[i].name);
	}
	return s;
}

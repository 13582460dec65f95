/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IdP groups -> local groups. Every group_map line whose IdP group the
 * identity has adds its local group: an explicit decision of the
 * administrator, so it may name any group: a group of the store, a group of
 * another NSS source (e.g. sudo in /etc/group: its gid goes into the
 * account's list, and a FEDJIT_GROUP_FOREIGN record with its name and gid
 * gathers its federated members, for "group: files [SUCCESS=merge] fedjit"),
 * or a new JIT group with a gid from the domain's gid range (idalloc.h).
 *
 * With create_groups, an IdP group no line maps becomes a local group of the
 * same name (folded and checked like a user name, then against the domain's
 * groupname_regex and the reserved names), but only ever one of fedjit's own:
 * a JIT group of the store inside the domain's gid range, or a new one. A
 * name that is any other group (of another NSS source: docker, lxd, libvirt,
 * _ssh; of the store: a private, shared primary or administrator's group, or
 * a JIT group of another domain's range) or the name of any user (whose
 * private group it is or would be) is skipped: a claim must never make a
 * person a member of an existing local group. Every skipped group is logged
 * with its name and why, never fatal: hostile group claims cost their group,
 * not the login.
 * The whole set is recomputed at every login and replaces the account's
 * supplementary list, so a group removed at the IdP is removed here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "common/escape.h"
#include "pam/provision/provision_private.h"

void fedjit_prov_groups_free(struct prov_groups *g)
{
	free(g->v);
	g->v = NULL;
	g->n = 0;
}

/* A group of the store (1), or none (0). A record of another source's group
 * does not count: that source has the group's gid. */
static int store_group_gid(struct prov_run *run, const char *name, uint32_t *ret_gid)
{
	struct fedjit_group *grp = NULL;
	int r = fedjit_store_get_group(run->store, name, &grp);

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	r = grp->origin == FEDJIT_GROUP_FOREIGN ? 0 : 1;
	if (r)
		*ret_gid = grp->gid;
	fedjit_group_free(grp);
	return r;
}

/*
 * Another source's group the account goes into: make sure the store has its
 * record (FEDJIT_GROUP_FOREIGN; the members follow with the account's gid
 * list). Never fatal, and nothing written that could fail the batch: a gid
 * the store already gives another group, or a record of this name with
 * another gid (the group was renumbered there), leaves the record as it is;
 * the account still gets the gid (initgroups).
 */
static int note_foreign_group(struct prov_run *run, const char *name, uint32_t gid)
{
	struct fedjit_group *grp = NULL;
	int r = fedjit_store_get_group(run->store, name, &grp);

	if (r == 0) {
		if (grp->gid != gid && !run->memo.warming)
			syslog(LOG_AUTHPRIV | LOG_WARNING,
			       "provisioning: group %s has gid %u, its record in the store %u: "
			       "members of the record are not merged into it",
			       name, gid, grp->gid);
		fedjit_group_free(grp);
		return 0;
	}
	if (r != -ENOENT)
		return 0;
	r = fedjit_store_get_group_by_gid(run->store, gid, &grp);
	if (r == 0)
		fedjit_group_free(grp);
	if (r != -ENOENT)
		return 0;
	r = fedjit_store_ensure_group(run->store, name, gid, run->domain->name,
	                              FEDJIT_GROUP_FOREIGN, NULL);
	return r < 0 ? r : 0;
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
	if (r == 0) {
		r = fedjit_prov_other_group_gid(run, name, &pg.gid);
		if (r > 0 && create) {
			int e = note_foreign_group(run, name, pg.gid);
			if (e < 0)
				r = e;
		}
	}
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

static const char *origin_word(uint8_t origin)
{
	switch (origin) {
	case FEDJIT_GROUP_PRIVATE:
		return "a private group of the store";
	case FEDJIT_GROUP_SHARED_PRIMARY:
		return "a shared primary group of the store";
	case FEDJIT_GROUP_ADMIN:
		return "a group the administrator created in the store";
	default:
		return "a group of the store fedjit did not create for an IdP group";
	}
}

/*
 * create_groups may only create or join fedjit's own groups: 0 when name is
 * one (a JIT group of the store in the domain's gid range, or no group and no
 * user anywhere), 1 with why when it is not, negative errno when a lookup
 * failed (unknown is not free).
 */
static int own_group(struct prov_run *run, const char *name, char *why, size_t n)
{
	struct fedjit_group *grp = NULL;
	int r = fedjit_store_get_group(run->store, name, &grp);

	if (r == 0) {
		uint8_t origin = grp->origin;
		uint32_t gid = grp->gid;

		fedjit_group_free(grp);
		if (origin != FEDJIT_GROUP_JIT)
			return snprintf(why, n, "%s", origin_word(origin)), 1;
		if (gid < run->domain->gid_min || gid > run->domain->gid_max)
			return snprintf(why, n,
			                "gid %u is outside the gid range of domain %s (%u-%u)", gid,
			                run->domain->name, run->domain->gid_min,
			                run->domain->gid_max),
			       1;
		return 0;
	}
	if (r != -ENOENT)
		return r;
	r = fedjit_prov_store_has_user(run, name);
	if (r != 0)
		return r < 0 ? r
		             : (snprintf(why, n, "the name of an account (its private group)"), 1);
	r = fedjit_prov_other_group_gid(run, name, NULL);
	if (r != 0)
		return r < 0 ? r : (snprintf(why, n, "a group outside fedjit"), 1);
	r = fedjit_prov_other_user_exists(run, name);
	if (r != 0)
		return r < 0 ? r
		             : (snprintf(why, n,
		                         "the name of a user outside fedjit (a private group)"),
		                1);
	return 0;
}

static void skipped(struct prov_run *run, const char *group, const char *why)
{
	if (run->memo.warming)
		return; /* the pass before the lock: logged by the real one */
	syslog(LOG_AUTHPRIV | LOG_WARNING,
	       "provisioning: idp=%s subject=%s: IdP group %s skipped: %s", run->ctx->idp->name,
	       FEDJIT_ESC(run->id->subject), FEDJIT_ESC(group), why);
}

int fedjit_prov_groups_compute(struct prov_run *run, bool create, struct prov_groups *ret)
{
	const struct fedjit_idp *idp = run->ctx->idp;
	const struct fedjit_identity *id = run->id;
	struct prov_groups g = {0};
	int r = 0;

	/* Left out for a person in no group by some IdPs (Okta, Keycloak, Glewlwyd), or
	 * not asked for: either way no group is mapped, and the administrator is told. */
	if (!id->groups_claim && (idp->n_group_map || idp->create_groups) && !run->memo.warming)
		syslog(LOG_AUTHPRIV | LOG_INFO,
		       "provisioning: idp=%s subject=%s: the identity provider sent no %s claim: "
		       "group_map and create_groups see no groups (scopes = %s)",
		       idp->name, id->subject, idp->groups_claim, idp->scopes);
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
		                             sizeof(reason)) < 0) {
			skipped(run, idpg, reason);
			continue;
		}
		if (fedjit_name_is_reserved(run->ctx->config, local)) {
			skipped(run, idpg, "a reserved name");
			continue;
		}
		r = own_group(run, local, reason, sizeof(reason));
		if (r > 0) {
			strncat(reason,
			        " (create_groups makes only fedjit's own groups; only group_map "
			        "may name an existing one)",
			        sizeof(reason) - strlen(reason) - 1);
			skipped(run, idpg, reason);
			r = 0;
			continue;
		}
		if (r >= 0)
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

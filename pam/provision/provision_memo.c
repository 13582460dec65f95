/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The other NSS sources' answers, remembered while one account is committed.
 *
 * A new account's uid, gid and group_map gids are checked against every other
 * NSS source (invariants 4 and 6). Those checks are slow (on Debian's default
 * "files systemd" each one walks a dozen userdb paths: about 0.3 ms for the
 * four of an account) and they used to run inside the store's write
 * transaction, so every other writer waited for them. commit_new now plans
 * once before it takes the lock, with the memo on: the same deterministic plan
 * inside the transaction finds the answers here and asks only the store again.
 * Only the other sources are remembered, never the store, which is what the
 * lock protects. A login of an existing account does the same for its
 * groups. Those sources can change under fedjit at any moment
 * (useradd takes no fedjit lock), so a remembered answer a few milliseconds
 * old is as good as a fresh one; the memo is cleared when the commit ends and
 * is never on across a prompt. Failed lookups are not remembered: unknown is
 * not free, and the next caller asks again.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pam/provision/provision_private.h"

static void memo_start(struct prov_run *run)
{
	run->memo = (struct prov_memo){.on = true};
}

void fedjit_prov_memo_stop(struct prov_run *run)
{
	run->memo = (struct prov_memo){0};
}

void fedjit_prov_memo_warm(struct prov_run *run, bool plan, bool groups)
{
	struct fedjit_account_plan *p = plan ? calloc(1, sizeof(*p)) : NULL;
	struct prov_groups g = {0};

	memo_start(run);
	run->memo.warming = true;
	if (p)
		(void)fedjit_account_plan(run->domain, run->name, &run->lookups, p);
	if (groups)
		(void)fedjit_prov_groups_compute(run, false, &g);
	fedjit_prov_groups_free(&g);
	free(p);
	run->memo.warming = false;
}

static struct prov_memo_answer *find(struct prov_run *run, enum prov_memo_kind kind, uint32_t id,
                                     const char *name)
{
	if (!run->memo.on)
		return NULL;
	for (size_t i = 0; i < run->memo.n; i++) {
		struct prov_memo_answer *a = &run->memo.v[i];

		if (a->kind == kind && (name ? strcmp(a->name, name) == 0 : a->id == id))
			return a;
	}
	return NULL;
}

static void keep(struct prov_run *run, enum prov_memo_kind kind, uint32_t id, const char *name,
                 int r, uint32_t gid)
{
	struct prov_memo *m = &run->memo;

	if (!m->on || r < 0 || m->n == PROV_MEMO_SIZE || (name && strlen(name) > FEDJIT_NAME_MAX))
		return;
	m->v[m->n] = (struct prov_memo_answer){.kind = kind, .id = id, .r = r, .gid = gid};
	if (name)
		strcpy(m->v[m->n].name, name);
	m->n++;
}

/* Is the uid (PROV_MEMO_UID) or gid (PROV_MEMO_GID) taken by another source? */
static int other_id_taken(struct prov_run *run, enum prov_memo_kind kind, uint32_t id)
{
	const struct fedjit_prov_nss *nss = fedjit_prov_nss(run);
	const struct prov_memo_answer *a = find(run, kind, id, NULL);
	int r;

	if (a)
		return a->r;
	r = kind == PROV_MEMO_UID ? nss->uid_exists(id, nss->userdata)
	                          : nss->group_by_gid(id, NULL, nss->userdata);
	keep(run, kind, id, NULL, r, 0);
	return r;
}

int fedjit_prov_other_uid_taken(struct prov_run *run, uint32_t uid)
{
	return other_id_taken(run, PROV_MEMO_UID, uid);
}

int fedjit_prov_other_gid_taken(struct prov_run *run, uint32_t gid)
{
	return other_id_taken(run, PROV_MEMO_GID, gid);
}

int fedjit_prov_other_user_exists(struct prov_run *run, const char *name)
{
	const struct fedjit_prov_nss *nss = fedjit_prov_nss(run);
	const struct prov_memo_answer *a = find(run, PROV_MEMO_USER, 0, name);
	int r;

	if (a)
		return a->r;
	r = nss->user_by_name(name, NULL, nss->userdata);
	keep(run, PROV_MEMO_USER, 0, name, r, 0);
	return r;
}

int fedjit_prov_other_group_gid(struct prov_run *run, const char *name, uint32_t *ret_gid)
{
	const struct fedjit_prov_nss *nss = fedjit_prov_nss(run);
	const struct prov_memo_answer *a = find(run, PROV_MEMO_GROUP, 0, name);
	uint32_t gid = 0;
	int r;

	if (a) {
		if (a->r > 0 && ret_gid)
			*ret_gid = a->gid;
		return a->r;
	}
	r = nss->group_by_name(name, &gid, nss->userdata);
	keep(run, PROV_MEMO_GROUP, 0, name, r, gid);
	if (r > 0 && ret_gid)
		*ret_gid = gid;
	return r;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Provisioning results and their audit trail: one authpriv syslog line per
 * account created, linked, updated or refused (IdP, subject, reason; never a
 * secret), and the account events of common/audit.h (the audit record and
 * line of a creation, of a re-sync that changed the groups, of a group
 * created for an IdP group), so auditd sees fedjit's accounts like any other.
 *
 * Syslog line format (one line, fields separated by spaces):
 *   provisioning: EVENT account=NAME idp=IDP issuer=ISS subject=SUB service=S: LOG
 * EVENT is created, linked, updated or refused (ok results without a change
 * are "updated"; refusals carry the result status: "refused(wrong_account)").
 * Every field value and LOG are escaped (common/escape.h; field values also
 * have their spaces escaped, so a subject cannot forge another field), so a
 * record is one line whatever the claims held.
 */
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "common/audit.h"
#include "common/escape.h"
#include "common/macro.h"
#include "pam/provision/provision_private.h"

void fedjit_prov_result(struct prov_run *run, const char *status, const char *message,
                        const char *fmt, ...)
{
	struct fedjit_prov_result *res = run->res;
	va_list ap;

	res->status = status;
	snprintf(res->message, sizeof(res->message), "%s", message ? message : "");
	va_start(ap, fmt);
	vsnprintf(res->log, sizeof(res->log), fmt, ap);
	va_end(ap);
}

static const char *event(const struct fedjit_prov_result *res, char *buf, size_t size)
{
	if (strcmp(res->status, "ok") != 0 && res->action == FEDJIT_PROV_NONE) {
		snprintf(buf, size, "refused(%s)", res->status);
		return buf;
	}
	switch (res->action) {
	case FEDJIT_PROV_CREATED:
		return "created";
	case FEDJIT_PROV_LINKED:
		return "linked";
	default:
		return "updated";
	}
}

void fedjit_prov_audit(struct prov_run *run)
{
	const struct fedjit_prov_result *res = run->res;
	const struct fedjit_identity *id = run->id;
	char buf[64];
	bool ok = strcmp(res->status, "ok") == 0 || res->action != FEDJIT_PROV_NONE;
	int prio = !ok ? LOG_NOTICE : res->action == FEDJIT_PROV_LINKED ? LOG_WARNING : LOG_INFO;

	syslog(LOG_AUTHPRIV | prio,
	       "provisioning: %s account=%s idp=%s issuer=%s subject=%s service=%s: %s",
	       event(res, buf, sizeof(buf)),
	       FEDJIT_ESC_FIELD(res->account[0]
	                                ? res->account
	                                : (run->login.canonical[0] ? run->login.canonical : NULL)),
	       run->ctx->idp->name, FEDJIT_ESC_FIELD(id ? id->issuer : NULL),
	       FEDJIT_ESC_FIELD(id ? id->subject : NULL), FEDJIT_ESC_FIELD(run->ctx->service),
	       fedjit_escape((char[FEDJIT_ESCAPE_SIZE]){0}, FEDJIT_ESCAPE_SIZE, res->log,
	                     FEDJIT_ESCAPE_LINE));
	if (ok && res->action == FEDJIT_PROV_CREATED) {
		char reason[300];

		snprintf(reason, sizeof(reason), "first login through IdP %s", run->ctx->idp->name);
		fedjit_audit_account(FEDJIT_AUDIT_CREATE, res->account, res->uid, "login", reason,
		                     true);
		/* its private group, as useradd records it (a shared one existed or is
		 * recorded with the JIT groups) */
		if (!run->domain || !run->domain->primary_group)
			fedjit_audit_group_created(res->account, res->gid, "login",
			                           "the account's private group");
	}
}

void fedjit_prov_audit_group(struct prov_run *run, const char *group, uint32_t gid)
{
	char reason[300];

	snprintf(reason, sizeof(reason), "an IdP group of IdP %s", run->ctx->idp->name);
	fedjit_audit_group_created(group, gid, "login", reason);
}

/* A gid's name for the groups record: this store's group, else another
 * source's (the helper bypasses fedjit's NSS module, so this never recurses). */
static void group_name(uint32_t gid, char *buf, size_t size, void *userdata)
{
	struct fedjit_store *s = userdata;
	struct fedjit_group *g = NULL;
	struct group gr, *res = NULL;
	char tmp[4096];

	if (s && fedjit_store_get_group_by_gid(s, gid, &g) == 0) {
		snprintf(buf, size, "%s", g->name);
		fedjit_group_free(g);
	} else if (getgrgid_r(gid, &gr, tmp, sizeof(tmp), &res) == 0 && res) {
		snprintf(buf, size, "%s", res->gr_name);
	}
}

int fedjit_prov_groups_before(struct fedjit_store *s, const char *name, uint32_t **ret,
                              size_t *ret_n)
{
	int r = fedjit_store_get_gids(s, name, ret, ret_n);

	if (r == -ENOENT) {
		*ret = NULL;
		*ret_n = 0;
		return 0;
	}
	return r;
}

bool fedjit_prov_audit_groups(struct fedjit_store *s, const struct fedjit_user *u,
                              const char *actor, const uint32_t *before, size_t n_before)
{
	_cleanup_free_ uint32_t *after = NULL;
	size_t n_after = 0;

	if (fedjit_store_get_gids(s, u->name, &after, &n_after) < 0)
		return false;
	return fedjit_audit_groups(u->name, u->uid, actor, before, n_before, after, n_after,
	                           group_name, s);
}

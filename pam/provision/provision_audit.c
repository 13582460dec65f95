/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Provisioning results and their audit trail: one authpriv syslog line per
 * account created, linked, updated or refused (IdP, subject, reason; never a
 * secret), and, with libaudit, the records useradd writes (ADD_USER,
 * ADD_GROUP) so auditd sees fedjit's accounts like any other.
 *
 * Syslog line format (one line, fields separated by spaces):
 *   provisioning: EVENT account=NAME idp=IDP issuer=ISS subject=SUB service=S: LOG
 * EVENT is created, linked, updated or refused (ok results without a change
 * are "updated"; refusals carry the result status: "refused(wrong_account)").
 * Every field value and LOG are escaped (common/escape.h; field values also
 * have their spaces escaped, so a subject cannot forge another field), so a
 * record is one line whatever the claims held.
 */
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#ifdef HAVE_LIBAUDIT
#include <libaudit.h>
#include <unistd.h>
#endif

#include "common/escape.h"
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

#ifdef HAVE_LIBAUDIT
static void audit_record(int type, const char *op, const char *name, uint32_t id, bool ok)
{
	int fd = audit_open();

	if (fd < 0)
		return; /* no audit support in this kernel, or not allowed: syslog has it */
	audit_log_acct_message(fd, type, "fedjit-helper", op, name, id, NULL, NULL, NULL,
	                       ok ? 1 : 0);
	audit_close(fd);
}
#endif

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
#ifdef HAVE_LIBAUDIT
	if (ok && res->action == FEDJIT_PROV_CREATED) {
		audit_record(AUDIT_ADD_USER, "adding user", res->account, res->uid, true);
		/* its private group, as useradd records it (a shared one existed or is
		 * recorded with the JIT groups) */
		if (!run->domain || !run->domain->primary_group)
			audit_record(AUDIT_ADD_GROUP, "adding group", res->account, res->gid, true);
	}
#endif
}

void fedjit_prov_audit_group(struct prov_run *run, const char *group, uint32_t gid)
{
	syslog(LOG_AUTHPRIV | LOG_INFO, "provisioning: group created group=%s gid=%u idp=%s",
	       FEDJIT_ESC_FIELD(group), gid, run->ctx->idp->name);
#ifdef HAVE_LIBAUDIT
	audit_record(AUDIT_ADD_GROUP, "adding group", group, gid, true);
#else
	(void)gid;
#endif
}

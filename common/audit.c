/* SPDX-License-Identifier: Apache-2.0 */
/* The audit trail of account changes; formats in common/audit.h. */
#include <errno.h>
#include <inttypes.h>
#include <libaudit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "common/audit.h"
#include "common/escape.h"
#include "common/macro.h"

static const struct {
	const char *op;
	int type;
} events[] = {
        [FEDJIT_AUDIT_CREATE] = {"add-user", AUDIT_ADD_USER},
        [FEDJIT_AUDIT_RESTORE] = {"restore-user", AUDIT_ADD_USER},
        [FEDJIT_AUDIT_GROUPS] = {"update-groups", AUDIT_USER_MGMT},
        [FEDJIT_AUDIT_LOCK] = {"lock-user", AUDIT_ACCT_LOCK},
        [FEDJIT_AUDIT_UNLOCK] = {"unlock-user", AUDIT_ACCT_UNLOCK},
        [FEDJIT_AUDIT_DELETE] = {"delete-user", AUDIT_DEL_USER},
        [FEDJIT_AUDIT_PURGE] = {"purge-user", AUDIT_DEL_USER},
};

/* Longest value written into a record or a line (IdP group lists can be long;
 * an audit record must fit libaudit's MAX_AUDIT_MESSAGE_LENGTH). */
#define VALUE_MAX 1024

const char *fedjit_audit_op(enum fedjit_audit_event event)
{
	if ((size_t)event >= FEDJIT_ELEMENTSOF(events))
		return "?";
	return events[event].op;
}

/* "name=VALUE" encoded by libaudit, or NULL on ENOMEM. Over-long values are
 * cut first (at a byte: the hex form keeps every byte anyway). */
static char *encode(const char *name, const char *value)
{
	size_t len;

	if (!value || !*value)
		value = "-";
	len = strnlen(value, VALUE_MAX);
	return audit_encode_nv_string(name, value, (unsigned)len);
}

static void audit_record(int type, const char *op, const char *field, const char *name,
                         uint32_t uid, const char *actor, const char *reason, bool ok)
{
	_cleanup_free_ char *acct = encode(field, name);
	_cleanup_free_ char *by = encode("by", actor);
	_cleanup_free_ char *why = encode("reason", reason);
	char msg[3 * VALUE_MAX + 128];
	int fd;

	if (!acct || !by || !why)
		return;
	snprintf(msg, sizeof(msg), "op=%s %s id=%" PRIu32 " %s %s", op, acct, uid, by, why);
	fd = audit_open();
	if (fd < 0)
		return; /* no audit in this kernel, or not allowed: syslog has it */
	/* hostname, addr and terminal: "?" (not a remote action of this process) */
	(void)audit_log_user_message(fd, type, msg, NULL, NULL, NULL, ok ? 1 : 0);
	audit_close(fd);
}

/* The syslog line's values stand between double quotes (common/escape.h). */
#define QUOTED FEDJIT_ESCAPE_QUOTE

static void record(int type, const char *op, const char *field, const char *name, uint32_t uid,
                   const char *actor, const char *reason, bool ok)
{
	char e_name[VALUE_MAX / 4], e_actor[128], e_reason[VALUE_MAX];
	int saved = errno;

	audit_record(type, op, field, name, uid, actor, reason, ok);
	syslog(LOG_AUTHPRIV | (ok ? LOG_NOTICE : LOG_WARNING),
	       "account: op=%s %s=\"%s\" id=%" PRIu32 " by=\"%s\" res=%s reason=\"%s\"", op, field,
	       fedjit_escape(e_name, sizeof(e_name), name, QUOTED), uid,
	       fedjit_escape(e_actor, sizeof(e_actor), actor, QUOTED), ok ? "success" : "failed",
	       fedjit_escape(e_reason, sizeof(e_reason), reason, QUOTED));
	errno = saved;
}

void fedjit_audit_account(enum fedjit_audit_event event, const char *name, uint32_t uid,
                          const char *actor, const char *reason, bool ok)
{
	if ((size_t)event >= FEDJIT_ELEMENTSOF(events))
		return;
	record(events[event].type, events[event].op, "acct", name, uid, actor, reason, ok);
}

void fedjit_audit_group_created(const char *group, uint32_t gid, const char *actor,
                                const char *reason)
{
	record(AUDIT_ADD_GROUP, "add-group", "grp", group, gid, actor, reason, true);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* A sorted, duplicate-free copy (NULL and 0 for an empty set). */
static int sorted_set(const uint32_t *v, size_t n, uint32_t **ret, size_t *ret_n)
{
	uint32_t *c = NULL;
	size_t w = 0;

	if (n > 0) {
		c = malloc(n * sizeof(*c));
		if (!c)
			return -ENOMEM;
		memcpy(c, v, n * sizeof(*c));
		qsort(c, n, sizeof(*c), cmp_u32);
		for (size_t i = 0; i < n; i++)
			if (w == 0 || c[w - 1] != c[i])
				c[w++] = c[i];
	}
	*ret = c;
	*ret_n = w;
	return 0;
}

/* Append " NAME(GID)" or " GID" to the reason. */
static void append_gid(char *buf, size_t size, bool *first, uint32_t gid,
                       fedjit_audit_group_name_fn group_name, void *userdata)
{
	char gname[256] = "";
	size_t len = strlen(buf);

	if (group_name)
		group_name(gid, gname, sizeof(gname), userdata);
	if (len < size)
		snprintf(buf + len, size - len, "%s%s%s%" PRIu32 "%s", *first ? " " : ",", gname,
		         gname[0] ? "(" : "", gid, gname[0] ? ")" : "");
	*first = false;
}

bool fedjit_audit_groups(const char *name, uint32_t uid, const char *actor,
                         const uint32_t *old_gids, size_t n_old, const uint32_t *new_gids,
                         size_t n_new, fedjit_audit_group_name_fn group_name, void *userdata)
{
	_cleanup_free_ uint32_t *a = NULL;
	_cleanup_free_ uint32_t *b = NULL;
	char added[VALUE_MAX / 2] = "added", removed[VALUE_MAX / 2] = "removed";
	char reason[VALUE_MAX];
	bool first_added = true, first_removed = true;
	size_t na, nb, i = 0, j = 0;

	if (sorted_set(old_gids, n_old, &a, &na) < 0 || sorted_set(new_gids, n_new, &b, &nb) < 0)
		return false;
	while (i < na || j < nb) {
		if (j >= nb || (i < na && a[i] < b[j])) {
			append_gid(removed, sizeof(removed), &first_removed, a[i++], group_name,
			           userdata);
		} else if (i >= na || b[j] < a[i]) {
			append_gid(added, sizeof(added), &first_added, b[j++], group_name,
			           userdata);
		} else {
			i++;
			j++;
		}
	}
	if (first_added && first_removed)
		return false;
	snprintf(reason, sizeof(reason), "%s%s%s", first_added ? "" : added,
	         !first_added && !first_removed ? "; " : "", first_removed ? "" : removed);
	fedjit_audit_account(FEDJIT_AUDIT_GROUPS, name, uid, actor, reason, true);
	return true;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The audit trail of account changes: every change of an account's state
 * (created, groups changed by a re-sync, locked, unlocked, deleted, purged
 * with its IdP, restored from a dump) writes one Linux audit record and one
 * authpriv syslog line, whoever made it: provisioning and revalidation in the
 * helper's root parent, the administrator through `fedjit`.
 *
 * AUDIT RECORD (libaudit, audit_log_user_message; the kernel adds pid, uid,
 * auid, ses and the time, libaudit the acting program):
 *   type=ADD_USER | USER_MGMT | ACCT_LOCK | ACCT_UNLOCK | DEL_USER
 *   op=OP acct=NAME id=UID by=ACTOR reason=REASON exe="PATH" hostname=? addr=?
 *   terminal=? res=success|failed
 * with OP and type:
 *   add-user       ADD_USER     account created at its first login
 *   restore-user   ADD_USER     account created by `fedjit db restore`
 *   update-groups  USER_MGMT    a re-sync changed the supplementary groups
 *   lock-user      ACCT_LOCK    locked (by the administrator or revalidation)
 *   unlock-user    ACCT_UNLOCK  unlocked
 *   delete-user    DEL_USER     deleted (`fedjit user delete`)
 *   purge-user     DEL_USER     deleted with its IdP (`fedjit idp purge`)
 * acct, by and reason are encoded the way the audit tools decode them
 * (audit_encode_nv_string: "quoted" when plain printable ASCII without
 * spaces or quotes, else hex), because NAME can come from the IdP and REASON
 * can hold IdP group names: an attacker-chosen string never forges a field.
 *
 * SYSLOG LINE (LOG_AUTHPRIV, LOG_NOTICE; LOG_WARNING when res=failed):
 *   account: op=OP acct="NAME" id=UID by="ACTOR" res=success|failed reason="REASON"
 * Values in double quotes; '"', '\\', control characters, DEL and every
 * non-ASCII byte written as \xHH, so one event is one line and a value never
 * ends early.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fedjit_audit_event {
	FEDJIT_AUDIT_CREATE,
	FEDJIT_AUDIT_RESTORE,
	FEDJIT_AUDIT_GROUPS,
	FEDJIT_AUDIT_LOCK,
	FEDJIT_AUDIT_UNLOCK,
	FEDJIT_AUDIT_DELETE,
	FEDJIT_AUDIT_PURGE,
};

/*
 * Write the record and the line. name: the account's name; uid: its uid;
 * actor: who acted, a short fixed word of the caller ("admin", "revalidation",
 * "login"); reason: free text, may be NULL (written as "-"); ok: whether the
 * change happened (a refused or failed change is recorded as res=failed).
 * The audit record is skipped silently when the kernel has no audit support
 * or refuses it (a container without CAP_AUDIT_WRITE): the syslog line is
 * always written. Never fails the caller.
 */
void fedjit_audit_account(enum fedjit_audit_event event, const char *name, uint32_t uid,
                          const char *actor, const char *reason, bool ok);

/*
 * A re-sync's group change: when the supplementary gid sets before and after
 * differ (order and duplicates do not matter), the FEDJIT_AUDIT_GROUPS record
 * and line with the reason "added NAME(GID),...; removed NAME(GID),...";
 * group_name (may be NULL: gids only) names a gid into buf (leave buf empty
 * when unknown). Returns true when the sets differed (and it was recorded).
 */
typedef void (*fedjit_audit_group_name_fn)(uint32_t gid, char *buf, size_t size, void *userdata);
bool fedjit_audit_groups(const char *name, uint32_t uid, const char *actor,
                         const uint32_t *old_gids, size_t n_old, const uint32_t *new_gids,
                         size_t n_new, fedjit_audit_group_name_fn group_name, void *userdata);

/* A group created for an IdP group (AUDIT_ADD_GROUP, op=add-group grp=NAME
 * id=GID), the way groupadd records it; the line as above. */
void fedjit_audit_group_created(const char *group, uint32_t gid, const char *actor,
                                const char *reason);

/* The op= word of an event ("lock-user"), for messages and tests. */
const char *fedjit_audit_op(enum fedjit_audit_event event);

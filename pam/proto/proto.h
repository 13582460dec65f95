/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The module <-> helper protocol: pam_fedjit.so (in sshd, login, sudo) talks to
 * its child fedjit-helper over a SOCK_STREAM socketpair, the helper's fd 3.
 *
 * FRAME
 *   A frame is a 4-byte big-endian length N followed by N bytes of body.
 *   1 <= N <= FEDJIT_PROTO_MAX_FRAME - 4 (a whole frame is at most 64 KiB).
 *   The body is a sequence of 1..64 fields, each `KEY \0 VALUE \0`:
 *     KEY    1..32 bytes of [a-z0-9_], unique within the frame;
 *     VALUE  0..8192 bytes of UTF-8 (shortest form, no surrogates) without
 *            control characters except TAB and LF (no NUL, CR, ESC, DEL, C1):
 *            text from the IdP can never carry terminal escapes to a person.
 *   The body ends right after the last field's value terminator.
 *   The first field is `msg`, naming the message; every message carries `v=1`.
 *   Anything else (bad length, truncation, a missing terminator, a bad key, a
 *   duplicate, too many fields, a bad value) is a malformed frame: the reader
 *   reports -EBADMSG (-EMSGSIZE for an oversized length, checked before the
 *   body is read) and the conversation is over. Unknown keys in a well formed
 *   frame are ignored, so either side can grow optional fields.
 *   Numbers are decimal ASCII without sign or leading zeros ("0" is fine).
 *   Booleans are "0" or "1".
 *
 * CONVERSATION
 *   The module runs the helper (pam/proto/spawn.h: no arguments, fd 3 = socket,
 *   0-2 = /dev/null, environment PATH and FEDJIT_NSS_BYPASS=1 only), writes
 *   one `request`, then reads helper messages until a `result`. Every
 *   `prompt` is answered with exactly one `answer`. The socket closing is the
 *   end: the helper stops everything (polling, provisioning not yet
 *   committed) when it sees EOF/POLLHUP on fd 3; the module treats EOF before
 *   a `result` as a helper failure. After its `result` the helper exits
 *   within 2 s (the module waits that long, then SIGTERM, up to
 *   FEDJIT_COMMIT_GRACE_S for a store commit to finish, then SIGKILL); work
 *   that outlives the login (non-blocking provisioning) must be in a detached
 *   grandchild, never the direct child.
 *   The helper decides first, before any device flow, whether the name is one
 *   it handles: not in the store and no IdP would provision it (or a name
 *   taken outside fedjit that may not be associated) -> result unknown_user
 *   at once, so the PAM stack can go on to other modules.
 *
 * MODULE -> HELPER
 *   msg=request  v=1 op=login|account|chauthtok [phase=prelim|update (chauthtok)]
 *                (op=revalidate, op=idp-test, op=login-test: below and
 *                cli/helper_run.c)
 *                user=PAM_USER (as given; the module has checked it parses
 *                as a login name of the configuration and is not reserved)
 *                [service=PAM_SERVICE] [rhost=] [ruser=] [tty=]
 *                (rhost: the remote address the device flow bounds count per)
 *                (PAM items with characters the format refuses are left out)
 *                [idp=NAME (module argument)] [config=PATH (module argument;
 *                the helper must read this file instead of the default)]
 *                debug=0|1 silent=0|1 interactive=0|1 (the module can prompt)
 *                timeout=SECONDS (time left for the whole operation; the
 *                helper keeps its device flow within it and reports
 *                `timeout`; the module kills the helper 5 s after it)
 *   msg=answer   v=1 status=ok value=TEXT      the person's reply to a prompt
 *                v=1 status=cancel              no usable reply (the module
 *                told the person; the helper may ask again or give up)
 *                Both sides scrub answers (they may be passwords) after use.
 *
 * HELPER -> MODULE
 *   msg=device   v=1 verification_uri= user_code= [verification_uri_complete=]
 *                expires_in=SECONDS (1..86400) [interval=SECONDS (0..3600; 5)]
 *                [idp=NAME (the IdP in use: its qr_code, wait_for_enter and
 *                timeout settings apply)]
 *                The device flow started; the helper polls from now on. The
 *                module shows URL, code and QR code with a "Press Enter"
 *                prompt (or alone, for nowait / wait_for_enter = no). At most
 *                one per request. The module's deadline shrinks to
 *                expires_in + 5 s.
 *   msg=approved v=1
 *                Optional: the device flow ended with a verified identity and
 *                the helper goes on (provisioning). Stops the module's
 *                "not approved yet" reminders after Enter; send it before any
 *                slow work.
 *   msg=info     v=1 text=       text for the person (queued by the module and
 *   msg=error    v=1 text=       shown with the next prompt or the result;
 *                                dropped under PAM_SILENT)
 *   msg=prompt   v=1 style=echo_on|echo_off text=
 *                A question for the person (consent, new password, username);
 *                the module asks through the PAM conversation and answers.
 *                Time the person spends answering extends the module's
 *                deadline.
 *   msg=result   v=1 status=STATUS [message=TEXT (for the person)]
 *                [log=TEXT (for the administrator's syslog; no secrets)]
 *                on status=ok for op=login also: idp= issuer= subject=
 *                account= (the canonical local name the identity owns; the
 *                module refuses the login unless it equals the canonical
 *                form of PAM_USER)
 *   STATUS: ok, denied (the person or the IdP refused), expired (device code
 *   expired), timeout, unreachable (IdP down), wrong_account (the identity owns
 *   another account or none with this name), no_account (no account and
 *   provisioning is off), unknown_user (not a fedjit user / no IdP for the
 *   name's domain), locked (by the administrator), disabled (locked because
 *   the IdP refused a revalidation: "disabled at the IdP"), not_allowed
 *   (allowed_groups), idp_removed (the account's IdP is no longer configured),
 *   busy (no device flow was started: too many in progress on the host or from
 *   PAM_RHOST, or one for the same name and rhost moments ago;
 *   pam/helper/ratelimit.h),
 *   not_provisioned (op=account: the name exists only as sshd's pre-auth entry,
 *   no account was created; a refusal, not unknown_user, so no other module
 *   of the stack can let the person in on that entry), unverified (op=account:
 *   the IdP has not vouched for the account recently enough and cannot be
 *   asked now; message says why), unsupported (the helper does not implement
 *   this op: PAM_IGNORE for account and chauthtok), error (anything else). An
 *   unknown status counts as error. PAM codes per operation: man/pam_fedjit.8.
 *   The refusals of an existing account and the order they are checked in
 *   are one table (pam/provision/access.h), the same for op=login, op=account
 *   and op=login-test.
 *
 * REVALIDATION (op=revalidate; the admin tool's `fedjit revalidate` and its
 * timer, never the module): ask the account's IdP again with the refresh
 * token kept from its last device-flow login, without a person.
 *   msg=request  v=1 op=revalidate user=ACCOUNT (the account's name; parsed
 *                as a login name, so its canonical form is used)
 *                [force=0|1 (ask even when last_verified is within the IdP's
 *                revalidate_after; default 0)] [config=PATH] [debug=0|1]
 *                [service=NAME (for the log; default "revalidate")]
 *                [timeout=SECONDS (default and cap: the IdP's timeout, at most
 *                60)]
 *   The helper sends no device, prompt or info message, only:
 *   msg=result   v=1 status=STATUS [message=] [log=] account=NAME
 *                [idp=NAME] [last_verified=UNIX (0: never)]
 *                [lock_reason=none|administrator|idp]
 *                [refresh_token=0|1 (one is held after this call)]
 *                [groups_changed=0|1] [token_rotated=0|1]
 *                [offline_ok=0|1 (status unreachable: still within the IdP's
 *                offline_grace)] [sessions_ended=0|1]
 *                [access=STATUS (status ok: what the account phase would answer
 *                now, e.g. not_allowed when the IdP's groups left allowed_groups)]
 *     ok            the IdP vouched for the account now (a new ID token, when
 *                   one came, passed the same checks as at login, subject the
 *                   account's): last_verified is now, claims and groups were
 *                   re-synced as at login, a rotated refresh token was kept
 *     fresh         verified within revalidate_after and not forced: the IdP
 *                   was not asked, nothing changed
 *     disabled      the IdP refused (invalid_grant, or a token for another
 *                   subject): the account is now locked with reason "disabled
 *                   at the IdP", its refresh token erased, its sessions ended
 *                   (sessions_ended), one audit record and syslog line
 *     unreachable   no usable answer (network, TLS, HTTP 5xx, timeout):
 *                   nothing changed (the attempt is recorded)
 *     error         another refusal (invalid_client, a bad answer, a nonce in
 *                   the refreshed ID token): nothing changed, no lock (the
 *                   host's configuration is no reason to lock anyone)
 *     no_token      no refresh token is held for the IdP's issuer and
 *                   client_id, or the one held is past the expiry the IdP gave
 *                   it: nothing to ask with, nothing changed (the next
 *                   device-flow login brings one)
 *     locked        locked already (by the administrator or by an earlier
 *                   revalidation): the IdP is not asked; revalidation never
 *                   lifts a lock
 *     idp_removed, unknown_user, unsupported, error: as above.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FEDJIT_PROTO_VERSION    "1"
#define FEDJIT_PROTO_FD         3     /* the helper's end of the socketpair */
#define FEDJIT_PROTO_MAX_FRAME  65536 /* header included */
#define FEDJIT_PROTO_MAX_VALUE  8192
#define FEDJIT_PROTO_MAX_KEY    32
#define FEDJIT_PROTO_MAX_FIELDS 64

/* One frame, built in place or decoded; holds offsets into buf only, so a
 * struct copy stays valid. Big (64 KiB): allocate with fedjit_msg_new(). */
struct fedjit_msg {
	size_t len; /* bytes of buf in use, header included */
	size_t n_fields;
	uint32_t key_off[FEDJIT_PROTO_MAX_FIELDS];
	uint32_t value_off[FEDJIT_PROTO_MAX_FIELDS];
	unsigned char buf[FEDJIT_PROTO_MAX_FRAME];
};

/* Allocates an empty message; NULL on ENOMEM. Free with fedjit_msg_free(),
 * which scrubs the buffer (answers may be passwords). */
struct fedjit_msg *fedjit_msg_new(void);
void fedjit_msg_free(struct fedjit_msg *m);
static inline void fedjit_msg_freep(struct fedjit_msg **m)
{
	fedjit_msg_free(*m);
}
#define _cleanup_msg_ __attribute__((cleanup(fedjit_msg_freep)))

/* Scrubs and starts a new message: msg=TYPE, v=1. -EINVAL for a bad type. */
int fedjit_msg_start(struct fedjit_msg *m, const char *type);
/* Appends KEY=VALUE. -EINVAL: bad key or value, -EEXIST: duplicate key,
 * -E2BIG: value, field count or frame too large. A NULL value adds nothing. */
int fedjit_msg_add(struct fedjit_msg *m, const char *key, const char *value);
int fedjit_msg_add_uint(struct fedjit_msg *m, const char *key, uint64_t value);
int fedjit_msg_add_bool(struct fedjit_msg *m, const char *key, bool value);

/* The value of KEY, NULL when absent. Valid until the message changes. */
const char *fedjit_msg_get(const struct fedjit_msg *m, const char *key);
/* The message type (value of `msg`), or "" for an empty message. */
const char *fedjit_msg_type(const struct fedjit_msg *m);
/* A number in 0..max: 0, -ENOENT when absent, -EBADMSG when not a number or
 * above max. */
int fedjit_msg_get_uint(const struct fedjit_msg *m, const char *key, uint64_t max,
                        uint64_t *ret_value);
/* "0"/"1": 0, -ENOENT when absent, -EBADMSG otherwise. */
int fedjit_msg_get_bool(const struct fedjit_msg *m, const char *key, bool *ret_value);

/* Parses one complete frame (header included) of exactly len bytes into m.
 * 0, -EMSGSIZE (length field out of range) or -EBADMSG (malformed). On error
 * m is left empty. */
int fedjit_msg_decode(struct fedjit_msg *m, const void *frame, size_t len);

/* Monotonic clock in microseconds, for deadlines. */
uint64_t fedjit_proto_now_usec(void);

/* Writes the whole frame (MSG_NOSIGNAL: a dead peer is -EPIPE, never SIGPIPE).
 * deadline_usec: fedjit_proto_now_usec() based, 0 for none. 0, -ETIMEDOUT,
 * -EPIPE/-ECONNRESET or another -errno. */
int fedjit_msg_send(int fd, const struct fedjit_msg *m, uint64_t deadline_usec);
/* Reads one frame. 0, -ETIMEDOUT, -ECONNRESET (EOF before a frame started),
 * -EBADMSG (EOF inside a frame, or malformed), -EMSGSIZE, or another -errno.
 * After any error the stream is out of step: close it. */
int fedjit_msg_recv(int fd, struct fedjit_msg *m, uint64_t deadline_usec);

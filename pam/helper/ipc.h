/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pipe from the unprivileged network child to the root parent.
 *
 * FRAME: 4-byte big-endian type, 4-byte big-endian length N (0 <= N <= FEDJIT_IPC_MAX),
 * then N bytes. Types:
 *   FEDJIT_IPC_DISCOVERY  a discovery document fetched now (the parent validates it with
 *                         the issuer check again and caches it)
 *   FEDJIT_IPC_JWKS       a JWKS document fetched now (validated again, cached)
 *   FEDJIT_IPC_JWKS_REFETCHED  same, fetched because of an unknown kid (the parent also
 *                         stamps the rate limit)
 *   FEDJIT_IPC_MSG        one pam/proto/proto.h frame (header included), decoded by the parent
 *                         with the strict proto codec. Messages the child sends:
 *       msg=device  as in proto.h, forwarded to the module
 *       msg=identity v=1 issuer= subject= [username=] [gecos=] [email=]
 *                   [email_verified=0|1 (the email_verified claim; absent when the IdP
 *                   sent none)] [groups= (LF separated)] [groups_claim=1 (the claim was
 *                   present, perhaps empty)] [acr=] [refresh_token= [refresh_expires_in=]]
 *                   : the verified ID token's identity (claims named by the IdP's *_claim
 *                   settings) and the refresh token the IdP issued with it (a secret: the
 *                   frame is scrubbed). A revalidation answered without an ID token
 *                   sends the claims of UserInfo the same way, or, with none to have,
 *                   claims=0 claims_missing=WHY (no username, groups or acr: nothing
 *                   about them is known)
 *       msg=fail    v=1 status=(proto.h result status) log= [message=]
 *       msg=debug   v=1 text=  (privilege report, statistics) logged at debug
 *       msg=check   v=1 step= status= [text=]  op=idp-test: one step, forwarded
 *       msg=tested  v=1 failed=N               op=idp-test: done
 *       msg=claims  v=1 json= [omitted=]       op=login-test: the claims (claims.h)
 * Which message is allowed when, and how often, is one table (ipc.c, ipc_rules):
 *
 *   message   modes                                    at most  after
 *   debug     login, login-test, idp-test, revalidate  256      -
 *   device    login, login-test                        1        -
 *   check     idp-test                                 32       -
 *   tested    idp-test                                 1        -
 *   fail      login, login-test, idp-test, revalidate  1        -
 *   claims    login-test                               1        device
 *   identity  login, login-test, revalidate            1        device
 *
 * "after" holds in the modes that allow the earlier message: a revalidation (the
 * refresh grant) has no device flow, so its identity comes without one.
 *
 * Anything malformed, an unknown type, a message outside its row or a frame over the
 * limit ends the login with an error (the child is not trusted to speak correctly, only
 * to be the one that talks to the IdP over verified TLS).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define FEDJIT_IPC_MAX (1024 * 1024)

enum fedjit_ipc_type {
	FEDJIT_IPC_DISCOVERY = 1,
	FEDJIT_IPC_JWKS = 2,
	FEDJIT_IPC_JWKS_REFETCHED = 3,
	FEDJIT_IPC_MSG = 4,
};

/* The modes of a run (the request's op), as bits. */
enum fedjit_ipc_mode {
	FEDJIT_IPC_MODE_LOGIN = 1 << 0,      /* op=login */
	FEDJIT_IPC_MODE_LOGIN_TEST = 1 << 1, /* op=login-test */
	FEDJIT_IPC_MODE_IDP_TEST = 1 << 2,   /* op=idp-test */
	FEDJIT_IPC_MODE_REVALIDATE = 1 << 3, /* a revalidation: the refresh grant */
};

/* The messages the child may send (FEDJIT_IPC_MSG frames), in table order. */
enum fedjit_ipc_msg {
	FEDJIT_IPC_MSG_DEBUG,
	FEDJIT_IPC_MSG_DEVICE,
	FEDJIT_IPC_MSG_CHECK,
	FEDJIT_IPC_MSG_TESTED,
	FEDJIT_IPC_MSG_FAIL,
	FEDJIT_IPC_MSG_CLAIMS,
	FEDJIT_IPC_MSG_IDENTITY,
	FEDJIT_IPC_MSG_COUNT,
};

/* How often each message came in this run; start zeroed. */
struct fedjit_ipc_seen {
	unsigned n[FEDJIT_IPC_MSG_COUNT];
};

/* May the child send a message of this type now, in a run of this mode? Yes: counts it
 * and returns its enum fedjit_ipc_msg. No: -EPROTO and *ret_why says why (a static
 * string: an unknown message, not in this mode, too many times, out of order). */
int fedjit_ipc_msg_accept(enum fedjit_ipc_mode mode, struct fedjit_ipc_seen *seen, const char *type,
                          const char **ret_why);

/* write(2) all of data to a blocking fd, again after EINTR: 0 or -errno. Used for the
 * frames and for the cache files (cache.c). */
int fedjit_write_all(int fd, const void *data, size_t len);

/* Writes one frame (blocking). 0, -EMSGSIZE, -EPIPE or -errno. */
int fedjit_ipc_send(int fd, uint32_t type, const void *data, size_t len);

/* Reads one frame before deadline_usec (fedjit_proto_now_usec() clock, 0: none).
 * 0 with *ret_data (malloc'd, NUL-terminated, scrub: may hold secrets) and *ret_len;
 * -ECONNRESET at EOF before a frame, -EBADMSG (EOF inside a frame, unknown type),
 * -EMSGSIZE, -ETIMEDOUT, -errno. */
int fedjit_ipc_recv(int fd, uint64_t deadline_usec, uint32_t *ret_type, char **ret_data,
                    size_t *ret_len);

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
 *       msg=identity v=1 issuer= subject= [username=] [gecos=] [email=] [groups= (LF
 *                   separated)] [groups_claim=1 (the claim was present, perhaps empty)]
 *                   [acr=] [refresh_token= [refresh_expires_in=]] : the verified ID
 *                   token's identity (claims named by the IdP's *_claim settings) and the
 *                   refresh token the IdP issued with it (a secret: the frame is scrubbed)
 *       msg=fail    v=1 status=(proto.h result status) log= [message=]
 *       msg=debug   v=1 text=  (privilege report, statistics) logged at debug
 *       msg=check   v=1 step= status= [text=]  op=idp-test: one step, forwarded
 *       msg=tested  v=1 failed=N               op=idp-test: done
 * Anything malformed, an unknown type or a frame over the limit ends the login with an
 * error (the child is not trusted to speak correctly, only to be the one that talks to
 * the IdP over verified TLS).
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

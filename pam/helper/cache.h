/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The helper's on-disk cache of IdP documents, written by the root parent only.
 *
 * LAYOUT (cache_dir, default FEDJIT_CACHE_DIR; created 0700 root:root, refused when it is
 * not a directory owned by root or is writable by group or others):
 *   KEY.discovery    the discovery document exactly as the IdP served it
 *   KEY.jwks         a JWKS document exactly as served
 *   KEY.jwks-refetch empty stamp: its mtime is the last JWKS refetch caused by an unknown
 *                    kid at this IdP (rate limit, FEDJIT_JWKS_REFETCH_INTERVAL)
 * KEY is the first 32 hex digits of SHA-256 over the issuer URL (discovery, jwks-refetch)
 * or the jwks_uri (jwks), so names never depend on text from the IdP and a changed
 * jwks_uri never serves the old keys. The stamp goes by the issuer, which is known before
 * anything is fetched: a run that starts without a cached discovery document (so without
 * the jwks_uri) can still be allowed its one refetch.
 * A document is fresh while mtime + ttl > now. Files are 0600 root, written to a temporary
 * file in the same directory and renamed over the old one (readers see the old or the new
 * document, never half of one). A file that is not a regular file owned by root with mode
 * 0600 (or stricter), or larger than FEDJIT_CACHE_MAX_FILE, is ignored. Documents are
 * validated again whenever they are read, so a stale or damaged file costs a fetch, never
 * a wrong login.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define FEDJIT_CACHE_MAX_FILE        (1024 * 1024)
#define FEDJIT_JWKS_REFETCH_INTERVAL 60

enum fedjit_cache_kind {
	FEDJIT_CACHE_DISCOVERY,
	FEDJIT_CACHE_JWKS,
	FEDJIT_CACHE_JWKS_REFETCH,
};

/* Creates dir (0700) when missing and checks ownership and mode. 0, -EPERM (unsafe) or
 * -errno. */
int fedjit_cache_dir_prepare(const char *dir);

/* Path of a cache file; *ret malloc'd. id is the issuer or jwks_uri. */
int fedjit_cache_path(const char *dir, enum fedjit_cache_kind kind, const char *id, char **ret);

/* Reads a document. Returns 0 with *ret (malloc'd, NUL-terminated) and *ret_len when the
 * file exists, is safe and mtime + ttl > now; -ENOENT when absent, -ESTALE when expired,
 * -EPERM when unsafe, -E2BIG, or -errno. */
int fedjit_cache_read(const char *dir, enum fedjit_cache_kind kind, const char *id, unsigned ttl,
                      time_t now, char **ret, size_t *ret_len);

/* Atomically replaces a document (len bytes). 0 or -errno. */
int fedjit_cache_write(const char *dir, enum fedjit_cache_kind kind, const char *id,
                       const char *data, size_t len);

/* Is a JWKS refetch for an unknown kid at the IdP issuer allowed now (no stamp, or stamp
 * older than FEDJIT_JWKS_REFETCH_INTERVAL)? */
bool fedjit_cache_refetch_allowed(const char *dir, const char *issuer, time_t now);
/* Records a refetch (creates/touches the stamp). 0 or -errno. */
int fedjit_cache_refetch_mark(const char *dir, const char *issuer);

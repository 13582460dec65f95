/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Deterministic uid/gid allocation (ARCHITECTURE.md invariant 6).
 *
 * The same (domain, canonical name) gets the same id on every host with the
 * same configuration and the same set of taken ids. Pure functions: whether an
 * id is taken is asked through caller callbacks (the store, getpwuid/getgrgid
 * of other NSS sources), so the NSS module can call this without recursing.
 *
 * ALGORITHM (also in fedjit.conf(5), section UID ALLOCATION):
 *   1. K = lower-case(domain name) || 0x00 || canonical name   (bytes, no NUL at end)
 *   2. H = FNV-1a-64(K): h = 14695981039346656037; for each byte b:
 *      h = (h XOR b) * 1099511628211 mod 2^64
 *   3. N = max - min + 1 (the domain's inclusive range), start = H mod N
 *   4. for i = 0 .. N-1: id = min + (start + i) mod N; skip id if excluded
 *      (0, 61184..65519 systemd dynamic users, 65534 nobody, 65535 and
 *      4294967295 the (uid_t)-1 markers) or taken; the first other id wins.
 *   5. none left: -ENOSPC.
 * Users use the domain's uid range; with a user private group the uid must be
 * free both as a uid and as a gid, and gid = uid. With a shared primary group
 * the caller passes its gid and only the uid is probed. Groups fedjit creates
 * use the same hash of the group name into the domain's gid range.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/config.h"

#define FEDJIT_ID_INVALID UINT32_MAX /* "no gid given": use a user private group */

/* FNV-1a 64 of len bytes, continuing from h (start with FEDJIT_FNV64_OFFSET). */
#define FEDJIT_FNV64_OFFSET UINT64_C(14695981039346656037)
#define FEDJIT_FNV64_PRIME  UINT64_C(1099511628211)
uint64_t fedjit_fnv1a64(uint64_t h, const void *data, size_t len);

/* H of step 2 for (domain name, canonical name). */
uint64_t fedjit_id_hash(const char *domain, const char *name);

/* True for ids never handed out (step 4). */
bool fedjit_id_excluded(uint32_t id);

/*
 * Is id taken? 1 taken, 0 free, negative errno when the check failed (the
 * allocation then fails with that error: unknown is not free).
 */
typedef int (*fedjit_id_taken_fn)(uint32_t id, void *userdata);

struct fedjit_id_checks {
	fedjit_id_taken_fn uid_taken; /* NULL: no uid is taken */
	fedjit_id_taken_fn gid_taken; /* NULL: no gid is taken */
	void *userdata;               /* passed to both */
};

/*
 * Allocate an id for name in [min, max] (steps 1-5). want_uid / want_gid say
 * which callbacks must report the id free (both for a user private group).
 * 0 and *ret_id; -EINVAL for min > max; -ENOSPC when no id is left; or the
 * callback's error.
 */
int fedjit_id_alloc_range(const char *domain, const char *name, uint32_t min, uint32_t max,
                          bool want_uid, bool want_gid, const struct fedjit_id_checks *checks,
                          uint32_t *ret_id);

/*
 * uid (and gid) of a new user named name (canonical) in domain. primary_gid is
 * the gid of the domain's shared primary group, or FEDJIT_ID_INVALID for a user
 * private group (then *ret_gid = *ret_uid, free as both). checks may be NULL.
 */
int fedjit_id_alloc_user(const struct fedjit_domain *domain, const char *name, uint32_t primary_gid,
                         const struct fedjit_id_checks *checks, uint32_t *ret_uid,
                         uint32_t *ret_gid);

/* gid of a new group named name in domain's gid range. checks may be NULL. */
int fedjit_id_alloc_group(const struct fedjit_domain *domain, const char *name,
                          const struct fedjit_id_checks *checks, uint32_t *ret_gid);

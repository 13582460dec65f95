/* SPDX-License-Identifier: Apache-2.0 */
/* Deterministic uid/gid allocation; the algorithm is documented in idalloc.h. */
#include <errno.h>
#include <string.h>

#include "common/idalloc.h"

uint64_t fedjit_fnv1a64(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= FEDJIT_FNV64_PRIME;
	}
	return h;
}

uint64_t fedjit_id_hash(const char *domain, const char *name)
{
	uint64_t h = FEDJIT_FNV64_OFFSET;

	/* The domain is lower-cased byte by byte (ASCII) so PRIMARY and primary
	 * hash alike: section names are compared case-insensitively. */
	for (const char *p = domain; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		h = fedjit_fnv1a64(h, &c, 1);
	}
	h = fedjit_fnv1a64(h, "", 1);
	return fedjit_fnv1a64(h, name, strlen(name));
}

bool fedjit_id_excluded(uint32_t id)
{
	return id == 0 || (id >= 61184 && id <= 65519) || id == 65534 || id == 65535 ||
	       id == UINT32_MAX;
}

int fedjit_id_alloc_range(const char *domain, const char *name, uint32_t min, uint32_t max,
                          bool want_uid, bool want_gid, const struct fedjit_id_checks *checks,
                          uint32_t *ret_id)
{
	static const struct fedjit_id_checks none = {};
	uint64_t n, start;

	if (!domain || !name || min > max)
		return -EINVAL;
	if (!checks)
		checks = &none;

	/* 64-bit arithmetic: a full 0..UINT32_MAX range has 2^32 members. */
	n = (uint64_t)max - min + 1;
	start = fedjit_id_hash(domain, name) % n;
	for (uint64_t i = 0; i < n; i++) {
		uint32_t id = (uint32_t)(min + (start + i) % n);
		int r;

		if (fedjit_id_excluded(id))
			continue;
		if (want_uid && checks->uid_taken) {
			r = checks->uid_taken(id, checks->userdata);
			if (r < 0)
				return r;
			if (r > 0)
				continue;
		}
		if (want_gid && checks->gid_taken) {
			r = checks->gid_taken(id, checks->userdata);
			if (r < 0)
				return r;
			if (r > 0)
				continue;
		}
		*ret_id = id;
		return 0;
	}
	return -ENOSPC;
}

int fedjit_id_alloc_user(const struct fedjit_domain *domain, const char *name, uint32_t primary_gid,
                         const struct fedjit_id_checks *checks, uint32_t *ret_uid,
                         uint32_t *ret_gid)
{
	bool private_group = primary_gid == FEDJIT_ID_INVALID;
	uint32_t uid;
	int r;

	if (!domain || !domain->name)
		return -EINVAL;
	r = fedjit_id_alloc_range(domain->name, name, domain->uid_min, domain->uid_max, true,
	                          private_group, checks, &uid);
	if (r < 0)
		return r;
	*ret_uid = uid;
	*ret_gid = private_group ? uid : primary_gid;
	return 0;
}

int fedjit_id_alloc_group(const struct fedjit_domain *domain, const char *name,
                          const struct fedjit_id_checks *checks, uint32_t *ret_gid)
{
	if (!domain || !domain->name)
		return -EINVAL;
	return fedjit_id_alloc_range(domain->name, name, domain->gid_min, domain->gid_max, false,
	                             true, checks, ret_gid);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness for common/names (and the id hash behind it): the input is
 * a login name as a person would type it, bytes as they come. Besides "no
 * crash", it checks the promises of names.h and aborts when one is broken:
 *   - an accepted login gives a valid local part and a canonical name that
 *     parses back to itself, within the documented lengths;
 *   - every reason is NUL-terminated, non-empty and free of control bytes;
 *   - a rejected input leaves the output untouched;
 *   - the id of an accepted name lies in the range and is never excluded.
 * The input split at its first NUL also feeds fedjit_name_from_subject.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/idalloc.h"
#include "common/macro.h"
#include "common/names.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fedjit_domain domains[] = {
        {.name = "PRIMARY", .uid_min = 200000, .uid_max = 299999, .case_fold = true},
        {.name = "CORP",
         .uid_min = 300000,
         .uid_max = 300002, /* tiny: probing wraps */
         .fully_qualified = true,
         .case_fold = true,
         .username_regex = "^[a-z][a-z0-9]*$",
         .groupname_regex = "grp_[a-z]+|admins"},
        {.name = "Strict", .uid_min = 61000, .uid_max = 66000, .case_fold = false},
        {.name = "x.y-z_0", .uid_min = 1000, .uid_max = 1000, .fully_qualified = true},
};

static const struct fedjit_config config = {
        .domains = domains,
        .n_domains = FEDJIT_ELEMENTSOF(domains),
};

static void check(bool ok)
{
	if (!ok)
		abort();
}

static void check_reason(const char *reason, size_t size)
{
	size_t len = strnlen(reason, size);

	check(len > 0 && len < size);
	for (size_t i = 0; i < len; i++)
		check((unsigned char)reason[i] >= 0x20 && (unsigned char)reason[i] < 0x7f);
}

static bool has_upper(const char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			return true;
	return false;
}

/* Every third id is taken: forces probing without making ranges full. */
static int taken(uint32_t id, void *userdata)
{
	return id % 3 == 0;
}

static void check_login(const char *default_domain, const uint8_t *data, size_t size)
{
	struct fedjit_login l, again;
	char reason[FEDJIT_REASON_SIZE];
	int r;

	memset(&l, 0x5a, sizeof(l));
	reason[0] = '\0';
	r = fedjit_login_parse(&config, default_domain, (const char *)data, size, &l, reason,
	                       sizeof(reason));
	if (r < 0) {
		check(r == -EINVAL || r == -ENOENT);
		check_reason(reason, sizeof(reason));
		check(((unsigned char *)&l)[0] == 0x5a && (unsigned char)l.canonical[0] == 0x5a);
		return;
	}
	check(r == 0);
	check(l.domain >= domains && l.domain < domains + FEDJIT_ELEMENTSOF(domains));
	check(fedjit_name_validate(l.local, NULL, 0) == 0);
	check(strlen(l.local) <= FEDJIT_NAME_MAX && strlen(l.canonical) <= FEDJIT_CANONICAL_MAX);
	check(!has_upper(l.canonical));
	check(!strchr(l.canonical, ':') && !strchr(l.canonical, '/') && !strchr(l.canonical, '\n'));
	check(strcmp(l.canonical, l.local) == 0 || l.domain->fully_qualified);

	/* the canonical name is a fixed point: always for a qualified domain, and
	 * with its own domain as the default for an unqualified one */
	check(fedjit_login_parse(&config, l.domain->fully_qualified ? "nope" : l.domain->name,
	                         l.canonical, strlen(l.canonical), &again, NULL, 0) == 0);
	check(again.domain == l.domain && strcmp(again.canonical, l.canonical) == 0);

	/* policy and reservations answer without crashing, with a clean reason */
	for (int kind = FEDJIT_NAME_USER; kind <= FEDJIT_NAME_GROUP; kind++) {
		reason[0] = '\0';
		r = fedjit_name_policy_check(l.domain, kind, l.local, reason, sizeof(reason));
		check(r == 0 || r == -EPERM);
		if (r < 0)
			check_reason(reason, sizeof(reason));
	}
	reason[0] = '\0';
	r = fedjit_name_check_reserved(NULL, l.domain, l.canonical, NULL, NULL, reason,
	                               sizeof(reason));
	check(r == 0 || r == -EPERM);
	if (r < 0)
		check_reason(reason, sizeof(reason));

	/* ids: in range, never excluded, private group gid = uid */
	struct fedjit_id_checks checks = {taken, taken, NULL};
	uint32_t uid, gid;

	r = fedjit_id_alloc_user(l.domain, l.canonical, FEDJIT_ID_INVALID, &checks, &uid, &gid);
	check(r == 0 || r == -ENOSPC);
	if (r == 0) {
		check(uid >= l.domain->uid_min && uid <= l.domain->uid_max);
		check(!fedjit_id_excluded(uid) && uid % 3 != 0 && gid == uid);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char reason[FEDJIT_REASON_SIZE];
	char name[FEDJIT_NAME_MAX + 1];
	int r;

	check_login(NULL, data, size);
	check_login("corp", data, size);
	check_login("Strict", data, size);

	/* validation of the raw bytes, with and without folding */
	reason[0] = '\0';
	r = fedjit_name_validate_mem((const char *)data, size, reason, sizeof(reason));
	if (r < 0)
		check_reason(reason, sizeof(reason));
	else
		check(size <= FEDJIT_NAME_MAX);
	for (size_t i = 0; i < FEDJIT_ELEMENTSOF(domains); i++) {
		memset(name, 0x5a, sizeof(name));
		r = fedjit_name_fold(&domains[i], (const char *)data, size, name, NULL, 0);
		if (r == 0)
			check(fedjit_name_validate(name, NULL, 0) == 0 && strlen(name) == size);
		else
			check((unsigned char)name[0] == 0x5a);
	}

	/* issuer NUL subject: any bytes give a valid 14-character name */
	const uint8_t *nul = memchr(data, '\0', size);
	if (nul) {
		size_t rest = size - (size_t)(nul + 1 - data);
		char *subject = strndup((const char *)nul + 1, rest);

		if (subject) {
			fedjit_name_from_subject((const char *)data, subject, name);
			check(strlen(name) == 14 && fedjit_name_validate(name, NULL, 0) == 0);
			free(subject);
		}
	}
	return 0;
}

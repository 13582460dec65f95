/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for common/idalloc: golden values, probing, exclusions, exhaustion. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/idalloc.h"
#include "common/macro.h"

/* A set of taken ids, a call log, and an optional error to return. */
struct taken {
	uint32_t uids[64], gids[64];
	size_t n_uids, n_gids;
	size_t uid_calls, gid_calls;
	uint32_t min, max; /* every queried id must lie in [min, max] */
	int fail;          /* returned on the first call when set */
};

static bool in_set(const uint32_t *set, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (set[i] == id)
			return true;
	return false;
}

static void check_query(const struct taken *t, uint32_t id)
{
	assert_false(fedjit_id_excluded(id));
	if (t->max != 0) {
		assert_true(id >= t->min);
		assert_true(id <= t->max);
	}
}

static int uid_taken(uint32_t id, void *userdata)
{
	struct taken *t = userdata;

	t->uid_calls++;
	check_query(t, id);
	if (t->fail)
		return t->fail;
	return in_set(t->uids, t->n_uids, id);
}

static int gid_taken(uint32_t id, void *userdata)
{
	struct taken *t = userdata;

	t->gid_calls++;
	check_query(t, id);
	if (t->fail)
		return t->fail;
	return in_set(t->gids, t->n_gids, id);
}

static struct fedjit_domain domain(const char *name, uint32_t min, uint32_t max)
{
	return (struct fedjit_domain){.name = (char *)name,
	                              .uid_min = min,
	                              .uid_max = max,
	                              .gid_min = min,
	                              .gid_max = max};
}

static void test_golden(void **state)
{
	/* The worked example of fedjit.conf(5), UID ALLOCATION: computed once
	 * (and checked with an independent script); a change of algorithm or
	 * constants must fail here, since it would move every user's uid. */
	struct fedjit_domain primary = domain("PRIMARY", 200000, 299999);
	uint32_t uid = 0, gid = 0;

	assert_true(fedjit_id_hash("PRIMARY", "alice") == UINT64_C(0x4765ec6c9d0f5ecd));
	assert_true(fedjit_id_hash("PRIMARY", "alice") == UINT64_C(5144778100576313037));
	assert_int_equal(
	        fedjit_id_alloc_user(&primary, "alice", FEDJIT_ID_INVALID, NULL, &uid, &gid), 0);
	assert_int_equal(uid, 213037);
	assert_int_equal(gid, 213037);
	/* the page's second example: a fully qualified name */
	struct fedjit_domain corp = domain("CORP", 300000, 399999);
	assert_true(fedjit_id_hash("CORP", "alice@corp") == UINT64_C(0x8c93844bdaadb537));
	assert_int_equal(
	        fedjit_id_alloc_user(&corp, "alice@corp", FEDJIT_ID_INVALID, NULL, &uid, &gid), 0);
	assert_int_equal(uid, 308311);

	/* FNV-1a 64 reference vectors */
	assert_true(fedjit_fnv1a64(FEDJIT_FNV64_OFFSET, "", 0) == UINT64_C(0xcbf29ce484222325));
	assert_true(fedjit_fnv1a64(FEDJIT_FNV64_OFFSET, "a", 1) == UINT64_C(0xaf63dc4c8601ec8c));
	assert_true(fedjit_fnv1a64(FEDJIT_FNV64_OFFSET, "foobar", 6) ==
	            UINT64_C(0x85944171f73967e8));
}

static void test_deterministic(void **state)
{
	struct fedjit_domain a = domain("Corp", 300000, 399999);
	struct fedjit_domain b = domain("CORP", 300000, 399999);
	uint32_t u1, g1, u2, g2;

	/* same input, same id; the domain name's case does not matter */
	assert_int_equal(fedjit_id_alloc_user(&a, "bob@corp", FEDJIT_ID_INVALID, NULL, &u1, &g1),
	                 0);
	assert_int_equal(fedjit_id_alloc_user(&b, "bob@corp", FEDJIT_ID_INVALID, NULL, &u2, &g2),
	                 0);
	assert_int_equal(u1, u2);
	assert_int_equal(fedjit_id_hash("corp", "x"), fedjit_id_hash("CoRp", "x"));
	/* the id is the hash into the range when nothing is taken */
	assert_int_equal(u1, 300000 + fedjit_id_hash("corp", "bob@corp") % 100000);
	/* the name's case does matter (canonical names are already folded) */
	assert_true(fedjit_id_hash("corp", "bob") != fedjit_id_hash("corp", "Bob"));
	/* the separator keeps (ab, c) apart from (a, bc) */
	assert_true(fedjit_id_hash("ab", "c") != fedjit_id_hash("a", "bc"));
	/* another domain, another hash */
	assert_true(fedjit_id_hash("corp", "bob") != fedjit_id_hash("primary", "bob"));
}

static void test_collision_probing(void **state)
{
	/* a range of 3 ids forces collisions; probing is linear and wraps */
	const uint32_t min = 500000, n = 3;
	struct fedjit_domain d = domain("TINY", min, min + n - 1);
	struct taken t = {.min = min, .max = min + n - 1};
	struct fedjit_id_checks checks = {uid_taken, gid_taken, &t};
	uint32_t start = min + (uint32_t)(fedjit_id_hash("TINY", "carol") % n);
	uint32_t uid, gid;

	t.uids[t.n_uids++] = start;
	assert_int_equal(fedjit_id_alloc_user(&d, "carol", FEDJIT_ID_INVALID, &checks, &uid, &gid),
	                 0);
	assert_int_equal(uid, min + (start - min + 1) % n);
	assert_int_equal(gid, uid);

	t.uids[t.n_uids++] = uid;
	assert_int_equal(fedjit_id_alloc_user(&d, "carol", FEDJIT_ID_INVALID, &checks, &uid, &gid),
	                 0);
	assert_int_equal(uid, min + (start - min + 2) % n);

	/* three users fill the range; each gets a different id; the fourth fails */
	struct taken t2 = {.min = min, .max = min + n - 1};
	struct fedjit_id_checks checks2 = {uid_taken, gid_taken, &t2};
	static const char *const names[] = {"u1", "u2", "u3"};

	for (size_t i = 0; i < FEDJIT_ELEMENTSOF(names); i++) {
		assert_int_equal(
		        fedjit_id_alloc_user(&d, names[i], FEDJIT_ID_INVALID, &checks2, &uid, &gid),
		        0);
		assert_false(in_set(t2.uids, t2.n_uids, uid));
		t2.uids[t2.n_uids++] = uid;
		t2.gids[t2.n_gids++] = gid;
	}
	uid = gid = 4242;
	assert_int_equal(fedjit_id_alloc_user(&d, "u4", FEDJIT_ID_INVALID, &checks2, &uid, &gid),
	                 -ENOSPC);
	assert_int_equal(uid, 4242); /* untouched on failure */
	assert_int_equal(gid, 4242);
}

static void test_private_group_needs_both(void **state)
{
	const uint32_t min = 600000, n = 3;
	struct fedjit_domain d = domain("TINY", min, min + n - 1);
	struct taken t = {.min = min, .max = min + n - 1};
	struct fedjit_id_checks checks = {uid_taken, gid_taken, &t};
	uint32_t start = min + (uint32_t)(fedjit_id_hash("TINY", "dave") % n);
	uint32_t uid, gid;

	/* the uid is free but a group already has that number: skip it */
	t.gids[t.n_gids++] = start;
	assert_int_equal(fedjit_id_alloc_user(&d, "dave", FEDJIT_ID_INVALID, &checks, &uid, &gid),
	                 0);
	assert_int_not_equal(uid, start);
	assert_int_equal(gid, uid);
	assert_true(t.gid_calls >= 2);

	/* with a shared primary group only the uid is probed */
	t.gid_calls = 0;
	assert_int_equal(fedjit_id_alloc_user(&d, "dave", 100, &checks, &uid, &gid), 0);
	assert_int_equal(uid, start);
	assert_int_equal(gid, 100);
	assert_int_equal(t.gid_calls, 0);

	/* every number is either a uid or a gid somewhere: no private group fits */
	t.uids[t.n_uids++] = min + (start - min + 1) % n;
	t.gids[t.n_gids++] = min + (start - min + 2) % n;
	assert_int_equal(fedjit_id_alloc_user(&d, "dave", FEDJIT_ID_INVALID, &checks, &uid, &gid),
	                 -ENOSPC);
	/* ... but a user with the shared group still gets a uid */
	assert_int_equal(fedjit_id_alloc_user(&d, "dave", 100, &checks, &uid, &gid), 0);
}

static void test_group_alloc(void **state)
{
	struct fedjit_domain d = domain("PRIMARY", 200000, 299999);
	struct taken t = {.min = 700000, .max = 700002};
	struct fedjit_id_checks checks = {uid_taken, gid_taken, &t};
	uint32_t gid;

	d.gid_min = 700000;
	d.gid_max = 700002;
	assert_int_equal(fedjit_id_alloc_group(&d, "devs", &checks, &gid), 0);
	assert_int_equal(gid, 700000 + fedjit_id_hash("PRIMARY", "devs") % 3);
	/* groups consult only the gid check */
	assert_int_equal(t.uid_calls, 0);
	assert_int_equal(t.gid_calls, 1);
	t.gids[t.n_gids++] = gid;
	uint32_t gid2;
	assert_int_equal(fedjit_id_alloc_group(&d, "devs", &checks, &gid2), 0);
	assert_int_not_equal(gid2, gid);
	assert_true(gid2 >= 700000 && gid2 <= 700002);
}

/* Allocate until the range is full; return how many ids were handed out. */
static size_t drain(uint32_t min, uint32_t max, uint32_t *out, size_t out_max)
{
	struct taken t = {.min = min, .max = max};
	struct fedjit_id_checks checks = {uid_taken, gid_taken, &t};
	size_t n = 0;
	int r;

	for (;;) {
		uint32_t id;

		r = fedjit_id_alloc_range("X", "n", min, max, true, true, &checks, &id);
		if (r == -ENOSPC)
			break;
		assert_int_equal(r, 0);
		assert_false(fedjit_id_excluded(id));
		assert_true(id >= min && id <= max);
		assert_true(n < out_max && t.n_uids < FEDJIT_ELEMENTSOF(t.uids));
		out[n++] = id;
		t.uids[t.n_uids++] = id;
	}
	return n;
}

static void test_excluded_never_returned(void **state)
{
	uint32_t ids[64];
	size_t n;

	assert_true(fedjit_id_excluded(0));
	assert_true(fedjit_id_excluded(61184));
	assert_true(fedjit_id_excluded(65519));
	assert_true(fedjit_id_excluded(65534));
	assert_true(fedjit_id_excluded(65535));
	assert_true(fedjit_id_excluded(UINT32_MAX));
	assert_false(fedjit_id_excluded(1));
	assert_false(fedjit_id_excluded(61183));
	assert_false(fedjit_id_excluded(65520));
	assert_false(fedjit_id_excluded(65533));
	assert_false(fedjit_id_excluded(65536));

	/* around the systemd range: 61183, 65520..65533 and 65536 remain */
	n = drain(61183, 65536, ids, FEDJIT_ELEMENTSOF(ids));
	assert_int_equal(n, 16);
	for (size_t i = 0; i < n; i++)
		assert_true(ids[i] == 61183 || (ids[i] >= 65520 && ids[i] <= 65533) ||
		            ids[i] == 65536);
	/* 0 and (uid_t)-1 at the ends of a range */
	n = drain(0, 2, ids, FEDJIT_ELEMENTSOF(ids));
	assert_int_equal(n, 2);
	n = drain(UINT32_MAX - 2, UINT32_MAX, ids, FEDJIT_ELEMENTSOF(ids));
	assert_int_equal(n, 2);
	/* a range of excluded ids only is full from the start */
	assert_int_equal(drain(65534, 65535, ids, FEDJIT_ELEMENTSOF(ids)), 0);
	assert_int_equal(drain(0, 0, ids, FEDJIT_ELEMENTSOF(ids)), 0);
	/* the whole 32-bit space does not overflow the range arithmetic */
	uint32_t id;
	assert_int_equal(
	        fedjit_id_alloc_range("PRIMARY", "alice", 0, UINT32_MAX, true, true, NULL, &id), 0);
	assert_int_equal(id, fedjit_id_hash("PRIMARY", "alice") % (UINT64_C(1) << 32));
}

static void test_errors(void **state)
{
	struct fedjit_domain d = domain("PRIMARY", 200000, 299999);
	struct taken t = {.fail = -EIO};
	struct fedjit_id_checks checks = {uid_taken, gid_taken, &t};
	uint32_t uid = 7, gid = 7;

	/* a failed check fails the allocation: unknown is not free */
	assert_int_equal(fedjit_id_alloc_user(&d, "alice", FEDJIT_ID_INVALID, &checks, &uid, &gid),
	                 -EIO);
	assert_int_equal(uid, 7);
	assert_int_equal(fedjit_id_alloc_group(&d, "g", &checks, &gid), -EIO);
	assert_int_equal(gid, 7);
	/* an inverted range */
	d.uid_min = 300000;
	assert_int_equal(fedjit_id_alloc_user(&d, "alice", FEDJIT_ID_INVALID, NULL, &uid, &gid),
	                 -EINVAL);
	assert_int_equal(fedjit_id_alloc_range("PRIMARY", "alice", 10, 9, true, true, NULL, &uid),
	                 -EINVAL);
	assert_int_equal(fedjit_id_alloc_user(NULL, "alice", FEDJIT_ID_INVALID, NULL, &uid, &gid),
	                 -EINVAL);
	/* a one-id range */
	assert_int_equal(
	        fedjit_id_alloc_range("PRIMARY", "alice", 5000, 5000, true, true, NULL, &uid), 0);
	assert_int_equal(uid, 5000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_golden),
	        cmocka_unit_test(test_deterministic),
	        cmocka_unit_test(test_collision_probing),
	        cmocka_unit_test(test_private_group_needs_both),
	        cmocka_unit_test(test_group_alloc),
	        cmocka_unit_test(test_excluded_never_returned),
	        cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

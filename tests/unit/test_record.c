/* SPDX-License-Identifier: Apache-2.0 */
/* Record codec and key builders: round trips, refusals, every truncation and byte flip. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/account_state.h"
#include "common/macro.h"
#include "common/record.h"

static const struct fedjit_user alice = {
        .name = "alice",
        .uid = 200123,
        .gid = 200123,
        .gecos = "Alice Example",
        .home = "/home/alice",
        .shell = "/bin/bash",
        .domain = "PRIMARY",
        .idp = "corp",
        .issuer = "https://idp.example:8443/realms/x",
        .subject = "a:b|c 123",
        .email = "alice@example.org",
        .created = 1700000000,
        .last_login = -5,
        .flags = FEDJIT_USER_LOCKED | FEDJIT_USER_PENDING,
};

static void assert_user_eq(const struct fedjit_user *a, const struct fedjit_user *b)
{
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->uid, b->uid);
	assert_int_equal(a->gid, b->gid);
	assert_string_equal(a->gecos ? a->gecos : "", b->gecos ? b->gecos : "");
	assert_string_equal(a->home, b->home);
	assert_string_equal(a->shell, b->shell);
	assert_string_equal(a->domain, b->domain);
	assert_string_equal(a->idp, b->idp);
	assert_string_equal(a->issuer, b->issuer);
	assert_string_equal(a->subject, b->subject);
	assert_string_equal(a->email ? a->email : "", b->email ? b->email : "");
	assert_true(a->created == b->created);
	assert_true(a->last_login == b->last_login);
	assert_int_equal(a->flags, b->flags);
}

/* alice as the store's user record gives back: no personal data. */
static void assert_public_eq(const struct fedjit_user *a, const struct fedjit_user *b)
{
	struct fedjit_user pub = *a;

	pub.domain = pub.idp = pub.issuer = pub.subject = pub.email = "";
	pub.created = pub.last_login = 0;
	assert_user_eq(&pub, b);
}

static void test_user_round_trip(void **state)
{
	TDB_DATA d, a;
	struct fedjit_user *u = NULL;
	struct fedjit_user_view v;
	struct fedjit_account_view av;
	static const char block[] = "alice\0x\0Alice Example\0/home/alice\0/bin/bash";

	assert_int_equal(fedjit_record_encode_user(&alice, &d), 0);
	assert_int_equal(fedjit_record_decode_user(d, &u), 0);
	assert_public_eq(&alice, u);
	fedjit_user_free(u);
	/* Nothing personal in the store's record: the name is the only string
	 * of alice's that is not a passwd field. */
	assert_null(memmem(d.dptr, d.dsize, alice.email, strlen(alice.email)));
	assert_null(memmem(d.dptr, d.dsize, alice.subject, strlen(alice.subject)));
	assert_null(memmem(d.dptr, d.dsize, alice.issuer, strlen(alice.issuer)));
	assert_null(memmem(d.dptr, d.dsize, alice.idp, strlen(alice.idp)));
	assert_null(memmem(d.dptr, d.dsize, alice.domain, strlen(alice.domain)));

	/* The account record holds the rest; both together are alice. */
	assert_int_equal(fedjit_record_encode_account(&alice, &a), 0);
	assert_int_equal(fedjit_record_view_account(a, &av), 0);
	assert_int_equal(av.uid, alice.uid);
	assert_int_equal(fedjit_record_view_user(d, &v), 0);
	assert_int_equal(v.format, 2);
	fedjit_user_view_set_account(&v, &av);
	assert_int_equal(fedjit_user_from_view(&v, &u), 0);
	assert_user_eq(&alice, u);
	fedjit_user_free(u);
	free(a.dptr);

	/* Format 1 (a store before the upgrade) still decodes, with everything. */
	assert_int_equal(fedjit_record_encode_user_v1(&alice, &a), 0);
	assert_int_equal(fedjit_record_decode_user(a, &u), 0);
	assert_user_eq(&alice, u);
	fedjit_user_free(u);
	assert_int_equal(fedjit_record_view_user(a, &v), 0);
	assert_int_equal(v.format, 1);
	assert_memory_equal(v.pw_block, block, sizeof(block));
	free(a.dptr);

	/* The passwd strings are one block in passwd field order. */
	assert_int_equal(fedjit_record_view_user(d, &v), 0);
	assert_int_equal(v.pw_block_len, sizeof(block));
	assert_memory_equal(v.pw_block, block, sizeof(block));
	assert_ptr_equal(v.name, v.pw_block);
	assert_string_equal(v.passwd, FEDJIT_PASSWD_FIELD);
	assert_ptr_equal(v.shell, v.pw_block + sizeof(block) - sizeof("/bin/bash"));
	assert_string_equal(v.email, "");
	free(d.dptr);
}

static void test_user_optional_fields(void **state)
{
	struct fedjit_user in = alice, *u = NULL;
	TDB_DATA d;

	in.gecos = NULL;
	in.email = NULL;
	in.flags = 0;
	assert_int_equal(fedjit_record_encode_user(&in, &d), 0);
	assert_int_equal(fedjit_record_decode_user(d, &u), 0);
	assert_string_equal(u->gecos, "");
	free(d.dptr);
	fedjit_user_free(u);
	assert_int_equal(fedjit_record_encode_account(&in, &d), 0);
	{
		struct fedjit_account_view av;

		assert_int_equal(fedjit_record_view_account(d, &av), 0);
		assert_string_equal(av.email, "");
	}
	free(d.dptr);
}

static void test_user_refusals(void **state)
{
	struct fedjit_user u;
	char long_name[FEDJIT_RECORD_NAME_MAX + 2];
	TDB_DATA d = {0};

	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
#define REFUSE(field, value)                                                     \
	do {                                                                     \
		TDB_DATA pub = {0}, acct = {0};                                  \
		u = alice;                                                       \
		u.field = value;                                                 \
		int r1 = fedjit_record_encode_user(&u, &pub);                    \
		int r2 = fedjit_record_encode_account(&u, &acct);                \
		free(pub.dptr);                                                  \
		free(acct.dptr);                                                 \
		assert_true(r1 == -EINVAL || r2 == -EINVAL);                     \
		assert_int_equal(fedjit_record_encode_user_v1(&u, &d), -EINVAL); \
	} while (0)
	REFUSE(name, "al:ice");
	REFUSE(name, "al,ice");
	REFUSE(name, "al\nice");
	REFUSE(name, "");
	REFUSE(name, NULL);
	REFUSE(name, long_name);
	REFUSE(gecos, "a:b");
	REFUSE(gecos, "a\nb");
	REFUSE(home, "");
	REFUSE(home, "/home/a:b");
	REFUSE(shell, NULL);
	REFUSE(domain, "");
	REFUSE(issuer, NULL);
	REFUSE(subject, "");
	REFUSE(uid, 0);
	REFUSE(uid, UINT32_MAX);
	REFUSE(gid, 0);
	REFUSE(flags, 1u << 7);
#undef REFUSE
	assert_null(d.dptr);
}

static const char *members3[] = {"alice", "bob", "carol", NULL};

static void test_group_round_trip(void **state)
{
	struct fedjit_group g = {.name = "devs",
	                         .gid = 70000,
	                         .origin = FEDJIT_GROUP_JIT,
	                         .domain = "CORP",
	                         .members = (char **)members3,
	                         .n_members = 3};
	struct fedjit_group *out = NULL;
	struct fedjit_group_view v;
	static const char block[] = "devs\0x\0alice\0bob\0carol";
	TDB_DATA d;

	assert_int_equal(fedjit_record_encode_group(&g, &d), 0);
	assert_int_equal(fedjit_record_view_group(d, &v), 0);
	assert_int_equal(v.gr_block_len, sizeof(block));
	assert_memory_equal(v.gr_block, block, sizeof(block));
	assert_int_equal(v.n_members, 3);
	assert_int_equal(v.members_len, sizeof("alice\0bob\0carol"));
	assert_int_equal(fedjit_record_decode_group(d, &out), 0);
	assert_string_equal(out->name, "devs");
	assert_int_equal(out->gid, 70000);
	assert_int_equal(out->origin, FEDJIT_GROUP_JIT);
	assert_string_equal(out->domain, "CORP");
	assert_int_equal(out->n_members, 3);
	for (size_t i = 0; i < 3; i++)
		assert_string_equal(out->members[i], members3[i]);
	assert_null(out->members[3]);
	fedjit_group_free(out);
	free(d.dptr);

	/* No members, no domain. */
	g.n_members = 0;
	g.members = NULL;
	g.domain = NULL;
	assert_int_equal(fedjit_record_encode_group(&g, &d), 0);
	assert_int_equal(fedjit_record_decode_group(d, &out), 0);
	assert_int_equal(out->n_members, 0);
	assert_null(out->members[0]);
	assert_string_equal(out->domain, "");
	fedjit_group_free(out);
	free(d.dptr);

	/* Refusals. */
	g.origin = 0;
	assert_int_equal(fedjit_record_encode_group(&g, &d), -EINVAL);
	g.origin = FEDJIT_GROUP_FOREIGN + 1;
	assert_int_equal(fedjit_record_encode_group(&g, &d), -EINVAL);
	g.origin = FEDJIT_GROUP_PRIVATE;
	g.gid = 0;
	assert_int_equal(fedjit_record_encode_group(&g, &d), -EINVAL);
	g.gid = 5;
	const char *bad[] = {"a,b"};
	g.members = (char **)bad;
	g.n_members = 1;
	assert_int_equal(fedjit_record_encode_group(&g, &d), -EINVAL);
}

static void test_gids_round_trip(void **state)
{
	const uint32_t gids[] = {27, 100, 70000, 4000000000u};
	const uint32_t unsorted[] = {100, 27}, dup[] = {27, 27}, zero[] = {0};
	struct fedjit_gids_view v;
	uint32_t *out = NULL;
	size_t n;
	TDB_DATA d;

	assert_int_equal(fedjit_record_encode_gids(gids, 4, &d), 0);
	assert_int_equal(d.dsize, 8 + 16);
	assert_int_equal(fedjit_record_view_gids(d, &v), 0);
	assert_int_equal(v.n, 4);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(fedjit_gids_view_at(&v, i), gids[i]);
	assert_int_equal(fedjit_record_decode_gids(d, &out, &n), 0);
	assert_int_equal(n, 4);
	assert_memory_equal(out, gids, sizeof(gids));
	free(out);
	free(d.dptr);

	assert_int_equal(fedjit_record_encode_gids(NULL, 0, &d), 0);
	assert_int_equal(fedjit_record_decode_gids(d, &out, &n), 0);
	assert_int_equal(n, 0);
	free(out);
	free(d.dptr);

	assert_int_equal(fedjit_record_encode_gids(unsorted, 2, &d), -EINVAL);
	assert_int_equal(fedjit_record_encode_gids(dup, 2, &d), -EINVAL);
	assert_int_equal(fedjit_record_encode_gids(zero, 1, &d), -EINVAL);
}

static void test_small_records(void **state)
{
	struct fedjit_consent c = {.when = 1700000001,
	                           .text_version = 3,
	                           .idp = "corp",
	                           .what = "name -> gecos\nemail -> email"};
	struct fedjit_consent *co = NULL;
	const char *name;
	char *s = NULL;
	uint32_t ver;
	TDB_DATA d;

	assert_int_equal(fedjit_record_encode_name("bob", &d), 0);
	assert_int_equal(fedjit_record_view_name(d, &name), 0);
	assert_string_equal(name, "bob");
	assert_int_equal(fedjit_record_decode_name(d, &s), 0);
	assert_string_equal(s, "bob");
	free(s);
	free(d.dptr);
	assert_int_equal(fedjit_record_encode_name("a:b", &d), -EINVAL);

	assert_int_equal(fedjit_record_encode_version(7, &d), 0);
	assert_int_equal(fedjit_record_decode_version(d, &ver), 0);
	assert_int_equal(ver, 7);
	free(d.dptr);
	assert_int_equal(fedjit_record_encode_version(0, &d), -EINVAL);

	assert_int_equal(fedjit_record_encode_pwhash("$y$j9T$salt$hash", &d), 0);
	assert_int_equal(fedjit_record_decode_pwhash(d, &s), 0);
	assert_string_equal(s, "$y$j9T$salt$hash");
	fedjit_secret_free(s);
	free(d.dptr);
	assert_int_equal(fedjit_record_encode_pwhash("a:b", &d), -EINVAL);

	assert_int_equal(fedjit_record_encode_consent(&c, &d), 0);
	assert_int_equal(fedjit_record_decode_consent(d, &co), 0);
	assert_true(co->when == c.when);
	assert_int_equal(co->text_version, 3);
	assert_string_equal(co->idp, "corp");
	assert_string_equal(co->what, c.what);
	fedjit_consent_free(co);
	free(d.dptr);
}

/* ---- hostile input: every decoder against every truncation and many flips ---- */

enum kind {
	K_USER,
	K_GROUP,
	K_GIDS,
	K_NAME,
	K_VERSION,
	K_PWHASH,
	K_CONSENT,
	K_STATE,
	K_REFRESH,
	K_ACCOUNT
};

/* Decode with both decoders where there are two; re-encode what decodes and
 * return it (the decoders accept exactly what the encoders write). */
static int decode_reencode(enum kind k, TDB_DATA d, TDB_DATA *re)
{
	int r = -EBADMSG;

	*re = (TDB_DATA){0};
	switch (k) {
	case K_USER: {
		struct fedjit_user_view v;
		struct fedjit_user *u = NULL;
		int rv = fedjit_record_view_user(d, &v);

		r = fedjit_record_decode_user(d, &u);
		assert_int_equal(r, rv);
		if (r == 0) {
			assert_int_equal(v.format == 1 ? fedjit_record_encode_user_v1(u, re)
			                               : fedjit_record_encode_user(u, re),
			                 0);
			fedjit_user_free(u);
		}
		break;
	}
	case K_ACCOUNT: {
		struct fedjit_account_view a;
		struct fedjit_user_view v = {.name = "x", .home = "/", .shell = "/", .gecos = ""};
		struct fedjit_user *u = NULL;

		r = fedjit_record_view_account(d, &a);
		if (r == 0) {
			v.uid = a.uid;
			fedjit_user_view_set_account(&v, &a);
			assert_int_equal(fedjit_user_from_view(&v, &u), 0);
			assert_int_equal(fedjit_record_encode_account(u, re), 0);
			fedjit_user_free(u);
		}
		break;
	}
	case K_GROUP: {
		struct fedjit_group_view v;
		struct fedjit_group *g = NULL;
		int rv = fedjit_record_view_group(d, &v);

		r = fedjit_record_decode_group(d, &g);
		assert_int_equal(r, rv);
		if (r == 0) {
			assert_int_equal(v.format == 1 ? fedjit_record_encode_group_v1(g, re)
			                               : fedjit_record_encode_group(g, re),
			                 0);
			fedjit_group_free(g);
		}
		break;
	}
	case K_GIDS: {
		uint32_t *gids = NULL;
		size_t n;

		r = fedjit_record_decode_gids(d, &gids, &n);
		if (r == 0) {
			assert_int_equal(fedjit_record_encode_gids(gids, n, re), 0);
			free(gids);
		}
		break;
	}
	case K_NAME: {
		char *s = NULL;

		r = fedjit_record_decode_name(d, &s);
		if (r == 0) {
			assert_int_equal(fedjit_record_encode_name(s, re), 0);
			free(s);
		}
		break;
	}
	case K_VERSION: {
		uint32_t v;

		r = fedjit_record_decode_version(d, &v);
		if (r == 0)
			assert_int_equal(fedjit_record_encode_version(v, re), 0);
		break;
	}
	case K_PWHASH: {
		char *s = NULL;

		r = fedjit_record_decode_pwhash(d, &s);
		if (r == 0) {
			assert_int_equal(fedjit_record_encode_pwhash(s, re), 0);
			free(s);
		}
		break;
	}
	case K_CONSENT: {
		struct fedjit_consent *c = NULL;

		r = fedjit_record_decode_consent(d, &c);
		if (r == 0) {
			assert_int_equal(fedjit_record_encode_consent(c, re), 0);
			fedjit_consent_free(c);
		}
		break;
	}
	case K_STATE: {
		struct fedjit_account_state *st = NULL;

		r = fedjit_record_decode_state(d, &st);
		if (r == 0) {
			assert_int_equal(fedjit_record_encode_state(st, re), 0);
			fedjit_account_state_free(st);
		}
		break;
	}
	case K_REFRESH: {
		struct fedjit_refresh_token *t = NULL;

		r = fedjit_record_decode_refresh(d, &t);
		if (r == 0) {
			assert_int_equal(fedjit_record_encode_refresh(t, re), 0);
			fedjit_refresh_token_free(t);
		}
		break;
	}
	}
	if (r != 0)
		assert_int_equal(r, -EBADMSG);
	return r;
}

static void hammer(enum kind k, TDB_DATA good)
{
	static const unsigned char masks[] = {0x01, 0x02, 0x10, 0x20, 0x80, 0xff};
	static const unsigned char sets[] = {0x00, ':', ',', '\n', 0x7f, 0xff};
	unsigned char *buf = malloc(good.dsize + 1);
	size_t errors = 0, flips = 0;
	TDB_DATA re;

	assert_non_null(buf);
	/* Every proper prefix is an error (heap copy so ASan sees overreads). */
	for (size_t len = 0; len < good.dsize; len++) {
		unsigned char *p = malloc(len ? len : 1);

		memcpy(p, good.dptr, len);
		assert_int_equal(decode_reencode(k, (TDB_DATA){p, len}, &re), -EBADMSG);
		free(p);
	}
	/* One byte more is an error. */
	memcpy(buf, good.dptr, good.dsize);
	buf[good.dsize] = 0;
	assert_int_equal(decode_reencode(k, (TDB_DATA){buf, good.dsize + 1}, &re), -EBADMSG);
	/* Flips: anything that still decodes must be exactly what the encoder
	 * writes for the decoded value. */
	for (size_t i = 0; i < good.dsize; i++) {
		for (size_t m = 0; m < 2 * FEDJIT_ELEMENTSOF(masks); m++) {
			memcpy(buf, good.dptr, good.dsize);
			if (m < FEDJIT_ELEMENTSOF(masks))
				buf[i] ^= masks[m];
			else
				buf[i] = sets[m - FEDJIT_ELEMENTSOF(masks)];
			if (memcmp(buf, good.dptr, good.dsize) == 0)
				continue;
			flips++;
			if (decode_reencode(k, (TDB_DATA){buf, good.dsize}, &re) < 0) {
				errors++;
				continue;
			}
			assert_int_equal(re.dsize, good.dsize);
			assert_memory_equal(re.dptr, buf, good.dsize);
			free(re.dptr);
		}
	}
	assert_true(flips > 0);
	assert_true(errors > 0);
	free(buf);
}

static void test_user_corruption(void **state)
{
	TDB_DATA d;

	assert_int_equal(fedjit_record_encode_user(&alice, &d), 0);
	hammer(K_USER, d);
	free(d.dptr);
	assert_int_equal(fedjit_record_encode_user_v1(&alice, &d), 0);
	hammer(K_USER, d);
	free(d.dptr);
	assert_int_equal(fedjit_record_encode_account(&alice, &d), 0);
	hammer(K_ACCOUNT, d);
	free(d.dptr);
}

static void test_group_corruption(void **state)
{
	struct fedjit_group g = {.name = "devs",
	                         .gid = 70000,
	                         .origin = FEDJIT_GROUP_JIT,
	                         .domain = "CORP",
	                         .members = (char **)members3,
	                         .n_members = 3};
	TDB_DATA d;

	assert_int_equal(fedjit_record_encode_group(&g, &d), 0);
	hammer(K_GROUP, d);
	free(d.dptr);
	assert_int_equal(fedjit_record_encode_group_v1(&g, &d), 0);
	hammer(K_GROUP, d);
	free(d.dptr);
}

static void test_small_corruption(void **state)
{
	const uint32_t gids[] = {27, 100, 70000};
	struct fedjit_consent c = {.when = 5, .text_version = 1, .idp = "corp", .what = "x"};
	TDB_DATA d;

	assert_int_equal(fedjit_record_encode_gids(gids, 3, &d), 0);
	hammer(K_GIDS, d);
	free(d.dptr);
	assert_int_equal(fedjit_record_encode_name("carol", &d), 0);
	hammer(K_NAME, d);
	free(d.dptr);
	assert_int_equal(fedjit_record_encode_version(1, &d), 0);
	hammer(K_VERSION, d);
	free(d.dptr);
	assert_int_equal(fedjit_record_encode_pwhash("$6$abc$def", &d), 0);
	hammer(K_PWHASH, d);
	free(d.dptr);
	assert_int_equal(fedjit_record_encode_consent(&c, &d), 0);
	hammer(K_CONSENT, d);
	free(d.dptr);
}

static void test_null_and_empty(void **state)
{
	struct fedjit_user_view uv;
	struct fedjit_group_view gv;
	struct fedjit_gids_view xv;
	const char *s;
	TDB_DATA null = {NULL, 0};

	assert_int_equal(fedjit_record_view_user(null, &uv), -EBADMSG);
	assert_int_equal(fedjit_record_view_group(null, &gv), -EBADMSG);
	assert_int_equal(fedjit_record_view_gids(null, &xv), -EBADMSG);
	assert_int_equal(fedjit_record_view_name(null, &s), -EBADMSG);
	assert_int_equal(fedjit_record_view_pwhash(null, &s), -EBADMSG);
}

/* The fuzz seeds (tests/fuzz/corpus/record: kind byte + record) are valid
 * records of today's formats, and survive the same hammering. */
static void test_fuzz_seeds(void **state)
{
	/* the first byte of a seed, as tests/fuzz/fuzz_record.c reads it */
	static const enum kind kinds[] = {K_USER,    K_GROUP,   K_GIDS,  K_NAME,   K_PWHASH,
	                                  K_VERSION, K_CONSENT, K_STATE, K_REFRESH};
	const char *top = getenv("top_srcdir");
	char path[4096];
	struct dirent *de;
	size_t seeds = 0;
	DIR *dir;

	if (!top)
		skip();
	snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/record", top);
	dir = opendir(path);
	assert_non_null(dir);
	while ((de = readdir(dir))) {
		unsigned char buf[4096];
		TDB_DATA d, re;
		size_t n;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/record/%s", top, de->d_name);
		f = fopen(path, "rb");
		assert_non_null(f);
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		assert_true(n >= 1);
		d = (TDB_DATA){malloc(n - 1 ? n - 1 : 1), n - 1};
		memcpy(d.dptr, buf + 1, n - 1);
		/* 0xf0..0xf2: an account record, the NSS module's user and
		 * group paths (tests/fuzz/fuzz_record.c) */
		enum kind k = buf[0] == 0xf0   ? K_ACCOUNT
		              : buf[0] == 0xf1 ? K_USER
		              : buf[0] == 0xf2 ? K_GROUP
		                               : kinds[buf[0] % 9];
		assert_int_equal(decode_reencode(k, d, &re), 0);
		free(re.dptr);
		hammer(k, d);
		free(d.dptr);
		seeds++;
	}
	closedir(dir);
	assert_true(seeds >= 9);
}

/* ---- keys ---- */

static void test_keys(void **state)
{
	char kb[FEDJIT_KEY_MAX];
	char long_name[FEDJIT_RECORD_NAME_MAX + 2];
	const char *rest;
	size_t len;
	TDB_DATA k;

	assert_int_equal(fedjit_key_user(kb, "alice", &k), 0);
	assert_int_equal(k.dsize, 10);
	assert_memory_equal(k.dptr, "user/alice", 10);
	assert_int_equal(fedjit_key_classify(k, &rest, &len), FEDJIT_KEY_USER);
	assert_int_equal(len, 5);
	assert_memory_equal(rest, "alice", 5);

	assert_int_equal(fedjit_key_uid(kb, 4294967294u, &k), 0);
	assert_memory_equal(k.dptr, "uid/4294967294", k.dsize);
	assert_int_equal(fedjit_key_classify(k, &rest, &len), FEDJIT_KEY_UID);
	assert_int_equal(fedjit_key_gid(kb, 27, &k), 0);
	assert_memory_equal(k.dptr, "gid/27", k.dsize);
	assert_int_equal(fedjit_key_classify(k, &rest, &len), FEDJIT_KEY_GID);
	assert_int_equal(fedjit_key_group(kb, "devs", &k), 0);
	assert_int_equal(fedjit_key_classify(k, &rest, &len), FEDJIT_KEY_GROUP);
	assert_int_equal(fedjit_key_gids(kb, "devs", &k), 0);
	assert_int_equal(fedjit_key_classify(k, &rest, &len), FEDJIT_KEY_GIDS);
	assert_int_equal(fedjit_key_pwhash(kb, "a", &k), 0);
	assert_int_equal(fedjit_key_classify(k, &rest, &len), FEDJIT_KEY_PWHASH);
	assert_int_equal(fedjit_key_consent(kb, "a", &k), 0);
	assert_int_equal(fedjit_key_classify(k, &rest, &len), FEDJIT_KEY_CONSENT);
	assert_int_equal(fedjit_key_version(kb, &k), 0);
	assert_int_equal(fedjit_key_classify(k, &rest, &len), FEDJIT_KEY_VERSION);

	/* The link key keeps issuer and subject apart: ("ab","c") != ("a","bc"). */
	assert_int_equal(fedjit_key_link(kb, "https://i", "s:1", &k), 0);
	assert_int_equal(k.dsize, sizeof("link/https://i\0s:1") - 1);
	assert_memory_equal(k.dptr, "link/https://i\0s:1", k.dsize);
	assert_int_equal(fedjit_key_classify(k, &rest, &len), FEDJIT_KEY_LINK);
	char kb2[FEDJIT_KEY_MAX];
	TDB_DATA k1, k2;
	fedjit_key_link(kb, "ab", "c", &k1);
	fedjit_key_link(kb2, "a", "bc", &k2);
	assert_true(k1.dsize == k2.dsize && memcmp(k1.dptr, k2.dptr, k1.dsize) != 0);

	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	assert_int_equal(fedjit_key_user(kb, long_name, &k), -EINVAL);
	assert_int_equal(fedjit_key_user(kb, "", &k), -EINVAL);
	assert_int_equal(fedjit_key_user(kb, NULL, &k), -EINVAL);
	assert_int_equal(fedjit_key_link(kb, "", "s", &k), -EINVAL);
	assert_int_equal(fedjit_key_link(kb, "i", NULL, &k), -EINVAL);

	k = (TDB_DATA){(unsigned char *)"user/", 5};
	assert_int_equal(fedjit_key_classify(k, &rest, &len), FEDJIT_KEY_UNKNOWN);
	k = (TDB_DATA){(unsigned char *)"bogus", 5};
	assert_int_equal(fedjit_key_classify(k, &rest, &len), FEDJIT_KEY_UNKNOWN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_user_round_trip),
	        cmocka_unit_test(test_user_optional_fields),
	        cmocka_unit_test(test_user_refusals),
	        cmocka_unit_test(test_group_round_trip),
	        cmocka_unit_test(test_gids_round_trip),
	        cmocka_unit_test(test_small_records),
	        cmocka_unit_test(test_user_corruption),
	        cmocka_unit_test(test_group_corruption),
	        cmocka_unit_test(test_small_corruption),
	        cmocka_unit_test(test_null_and_empty),
	        cmocka_unit_test(test_fuzz_seeds),
	        cmocka_unit_test(test_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness for the record codec (common/record.c). The first input
 * byte picks the format, the rest is the record as tdb would hand it over.
 * Besides "no crash, no read outside the record", it aborts when a promise of
 * record.h is broken:
 *   - the view and the allocating decoder agree on success or -EBADMSG;
 *   - every pointer of a view lies inside the record and its strings end
 *     inside it; the passwd/group blocks hold the strings in field order;
 *   - whatever decodes re-encodes to exactly the same bytes (the decoders
 *     accept nothing but what the encoders write);
 *   - any failure is -EBADMSG;
 *   - the NSS module's decoders (first byte 0xf1: users, 0xf2: groups), which
 *     check bounds and not characters, never hand out a pointer that is not
 *     a string inside the copy of the block, and accept everything the full
 *     decoders accept (0xf0: the private account record).
 * The whole input is also classified as a key. Any other first byte (mod 9): 0 user,
 * 1 group, 2 gids, 3 name, 4 pwhash, 5 version, 6 consent, 7 account state,
 * 8 refresh token.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/account_state.h"
#include "common/macro.h"
#include "common/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		abort();
}

static TDB_DATA rec;

static void check_in(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	check(p >= rec.dptr && p < rec.dptr + rec.dsize);
	check(memchr(p, '\0', (size_t)(rec.dptr + rec.dsize - p)) != NULL);
}

static void check_same(int r, TDB_DATA re)
{
	check(r == 0);
	check(re.dsize == rec.dsize && memcmp(re.dptr, rec.dptr, rec.dsize) == 0);
	free(re.dptr);
}

static void fuzz_user(void)
{
	struct fedjit_user_view v;
	struct fedjit_user *u = NULL;
	TDB_DATA re;
	int rv = fedjit_record_view_user(rec, &v), rd = fedjit_record_decode_user(rec, &u);

	check(rv == rd && (rv == 0 || rv == -EBADMSG));
	if (rv < 0)
		return;
	const char *pw[] = {v.name, v.passwd, v.gecos, v.home, v.shell};
	const char *at = v.pw_block;
	for (size_t i = 0; i < FEDJIT_ELEMENTSOF(pw); i++) {
		check(pw[i] == at);
		check_in(pw[i]);
		at += strlen(pw[i]) + 1;
	}
	check(at == v.pw_block + v.pw_block_len);
	if (v.format == 1) {
		check_in(v.domain);
		check_in(v.idp);
		check_in(v.issuer);
		check_in(v.subject);
		check_in(v.email);
	} else {
		/* format 2 holds no personal data */
		check(!v.domain[0] && !v.idp[0] && !v.issuer[0] && !v.subject[0] && !v.email[0]);
	}
	check(strcmp(u->name, v.name) == 0 && u->uid == v.uid && u->gid == v.gid);
	check_same(v.format == 1 ? fedjit_record_encode_user_v1(u, &re)
	                         : fedjit_record_encode_user(u, &re),
	           re);
	fedjit_user_free(u);
}

static void fuzz_account(void)
{
	struct fedjit_account_view a;
	struct fedjit_user_view v = {.name = "x", .gecos = "", .home = "/", .shell = "/"};
	struct fedjit_user *u = NULL;
	TDB_DATA re;
	int r = fedjit_record_view_account(rec, &a);

	check(r == 0 || r == -EBADMSG);
	if (r < 0)
		return;
	check_in(a.domain);
	check_in(a.idp);
	check_in(a.issuer);
	check_in(a.subject);
	check_in(a.email);
	v.uid = a.uid;
	fedjit_user_view_set_account(&v, &a);
	check(fedjit_user_from_view(&v, &u) == 0);
	check_same(fedjit_record_encode_account(u, &re), re);
	fedjit_user_free(u);
}

/* A string that starts and ends inside [b, b + n). */
static void check_in_block(const char *s, const char *b, size_t n)
{
	check(s >= b && s < b + n && memchr(s, '\0', (size_t)(b + n - s)) != NULL);
}

/* The NSS module's path (nss/lookup.c): the block copied apart from the
 * record, the header beside it, checked for bounds only. */
static void fuzz_nss_user(void)
{
	struct fedjit_user_view v, full;
	size_t off, len;
	unsigned char *copy;

	if (fedjit_record_user_block(rec.dptr, rec.dsize, &off, &len) < 0) {
		check(fedjit_record_view_user(rec, &full) == -EBADMSG);
		return;
	}
	check(off <= FEDJIT_RECORD_HDR_MAX && off + len <= rec.dsize);
	copy = malloc(len ? len : 1);
	memcpy(copy, rec.dptr + off, len);
	if (fedjit_record_view_user_block(rec.dptr, off, (TDB_DATA){copy, len}, &v) == 0) {
		const char *b = (const char *)copy;
		check_in_block(v.name, b, len);
		check_in_block(v.passwd, b, len);
		check_in_block(v.gecos, b, len);
		check_in_block(v.home, b, len);
		check_in_block(v.shell, b, len);
	} else {
		check(fedjit_record_view_user(rec, &full) == -EBADMSG);
	}
	free(copy);
}

static void fuzz_nss_group(void)
{
	struct fedjit_group_view v, full;
	size_t off, len, moff;
	uint32_t n;
	unsigned char *copy;
	char **mem;

	if (fedjit_record_group_block(rec.dptr, rec.dsize, &off, &len, &n, &moff) < 0) {
		check(fedjit_record_view_group(rec, &full) == -EBADMSG);
		return;
	}
	check(off <= FEDJIT_RECORD_HDR_MAX && off + len <= rec.dsize &&
	      (!moff || moff + (size_t)rec.dptr[2] * n <= rec.dsize));
	copy = malloc(len ? len : 1);
	mem = malloc(((size_t)n + 1) * sizeof(char *));
	memcpy(copy, rec.dptr + off, len);
	int r = fedjit_record_view_group_block(rec.dptr, off, (TDB_DATA){copy, len}, false, &v);
	if (r == 0)
		r = moff ? fedjit_record_group_member_ptrs(rec.dptr + moff, rec.dptr[2], n,
		                                           (char *)copy, len, mem)
		         : fedjit_record_group_members(&v, mem);
	if (r == 0) {
		const char *b = (const char *)copy;
		check_in_block(v.name, b, len);
		check_in_block(v.passwd, b, len);
		for (uint32_t i = 0; i < n; i++)
			check_in_block(mem[i], b, len);
	} else {
		check(r == -EBADMSG && fedjit_record_view_group(rec, &full) == -EBADMSG);
	}
	free(mem);
	free(copy);
}

static void fuzz_group(void)
{
	struct fedjit_group_view v;
	struct fedjit_group *g = NULL;
	TDB_DATA re;
	int rv = fedjit_record_view_group(rec, &v), rd = fedjit_record_decode_group(rec, &g);

	check(rv == rd && (rv == 0 || rv == -EBADMSG));
	if (rv < 0)
		return;
	check(v.name == v.gr_block);
	check_in(v.name);
	check_in(v.passwd);
	check_in(v.domain);
	const char *m = v.members;
	for (uint32_t i = 0; i < v.n_members; i++) {
		check_in(m);
		check(strcmp(m, g->members[i]) == 0);
		m += strlen(m) + 1;
	}
	check(m == v.members + v.members_len && m == v.gr_block + v.gr_block_len);
	check(g->members[g->n_members] == NULL);
	check_same(v.format == 1 ? fedjit_record_encode_group_v1(g, &re)
	                         : fedjit_record_encode_group(g, &re),
	           re);
	fedjit_group_free(g);
}

static void fuzz_gids(void)
{
	struct fedjit_gids_view v;
	uint32_t *gids = NULL;
	size_t n;
	TDB_DATA re;
	int rv = fedjit_record_view_gids(rec, &v), rd = fedjit_record_decode_gids(rec, &gids, &n);

	check(rv == rd && (rv == 0 || rv == -EBADMSG));
	if (rv < 0)
		return;
	check(n == v.n);
	for (size_t i = 0; i < n; i++)
		check(fedjit_gids_view_at(&v, i) == gids[i]);
	check_same(fedjit_record_encode_gids(gids, n, &re), re);
	free(gids);
}

static void fuzz_small(unsigned kind)
{
	const char *view = NULL;
	char *s = NULL;
	uint32_t version;
	struct fedjit_consent *c = NULL;
	TDB_DATA re;
	int rv, rd;

	switch (kind) {
	case 3:
		rv = fedjit_record_view_name(rec, &view);
		rd = fedjit_record_decode_name(rec, &s);
		check(rv == rd && (rv == 0 || rv == -EBADMSG));
		if (rv == 0) {
			check_in(view);
			check_same(fedjit_record_encode_name(s, &re), re);
		}
		break;
	case 4:
		rv = fedjit_record_view_pwhash(rec, &view);
		rd = fedjit_record_decode_pwhash(rec, &s);
		check(rv == rd && (rv == 0 || rv == -EBADMSG));
		if (rv == 0) {
			check_in(view);
			check_same(fedjit_record_encode_pwhash(s, &re), re);
		}
		break;
	case 5:
		rd = fedjit_record_decode_version(rec, &version);
		check(rd == 0 || rd == -EBADMSG);
		if (rd == 0)
			check_same(fedjit_record_encode_version(version, &re), re);
		break;
	default:
		rd = fedjit_record_decode_consent(rec, &c);
		check(rd == 0 || rd == -EBADMSG);
		if (rd == 0) {
			check_same(fedjit_record_encode_consent(c, &re), re);
			fedjit_consent_free(c);
		}
		break;
	}
	free(s);
}

/* The secret store's account state and refresh token records (record_state.c). */
static void fuzz_state(bool refresh)
{
	struct fedjit_account_state *st = NULL;
	struct fedjit_refresh_token *t = NULL;
	TDB_DATA re;
	int rd;

	if (refresh) {
		rd = fedjit_record_decode_refresh(rec, &t);
		check(rd == 0 || rd == -EBADMSG);
		if (rd == 0) {
			check(strlen(t->token) <= FEDJIT_REFRESH_TOKEN_MAX);
			check_same(fedjit_record_encode_refresh(t, &re), re);
			fedjit_refresh_token_free(t);
		}
		return;
	}
	rd = fedjit_record_decode_state(rec, &st);
	check(rd == 0 || rd == -EBADMSG);
	if (rd < 0)
		return;
	check(st->n_groups <= FEDJIT_STATE_GROUPS_MAX && st->groups[st->n_groups] == NULL);
	check(st->groups_claim || st->n_groups == 0);
	check_same(fedjit_record_encode_state(st, &re), re);
	fedjit_account_state_free(st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *rest;
	size_t rest_len;
	unsigned char *copy;

	if (size == 0)
		return 0;
	(void)fedjit_key_classify((TDB_DATA){(unsigned char *)data, size}, &rest, &rest_len);
	/* An exact-size heap copy, so reading one byte past the record is caught. */
	copy = malloc(size - 1 ? size - 1 : 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);
	rec = (TDB_DATA){copy, size - 1};
	if (data[0] >= 0xf0 && data[0] <= 0xf2) {
		if (data[0] == 0xf0)
			fuzz_account();
		else if (data[0] == 0xf1)
			fuzz_nss_user();
		else
			fuzz_nss_group();
		free(copy);
		return 0;
	}
	switch (data[0] % 9) {
	case 0:
		fuzz_user();
		break;
	case 1:
		fuzz_group();
		break;
	case 2:
		fuzz_gids();
		break;
	case 7:
	case 8:
		fuzz_state(data[0] % 9 == 8);
		break;
	default:
		fuzz_small(data[0] % 9);
		break;
	}
	free(copy);
	return 0;
}

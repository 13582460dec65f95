/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Record codec: users and groups (the other formats are in record_small.c,
 * the shared helpers in record_codec.h). Every record starts with a format
 * byte; integers are little endian and unaligned; strings are NUL-terminated.
 * Decoders accept exactly what the encoders write (reserved bytes zero, exact
 * string counts, no bytes left over) and return -EBADMSG for anything else,
 * reading nothing outside the record.
 */
#include <errno.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <stdlib.h>
#include <string.h>

#include "common/macro.h"
#include "common/record_codec.h"

/*
 * User record, key "user/NAME", format 1:
 *   off size
 *    0   1   format = 1
 *    1   3   reserved, zero
 *    4   4   flags (FEDJIT_USER_*; unknown bits are an error)
 *    8   4   uid (not 0, not 0xffffffff)
 *   12   4   gid (same)
 *   16   8   created, signed unix seconds
 *   24   8   last login, signed unix seconds (0: never)
 *   32   4   P = length of the passwd block
 *   36   P   passwd block: name\0 passwd\0 gecos\0 home\0 shell\0, in struct
 *            passwd field order so the NSS packer copies it with one memcpy.
 *            passwd is always "x"; name, home and shell are non-empty; no
 *            ':' or '\n' anywhere, no ',' in name; the block ends with the
 *            fifth NUL exactly.
 * 36+P  ..   domain\0 idp\0 issuer\0 subject\0 email\0, ending exactly at the
 *            end of the record; all but email non-empty.
 * Strings are at most FEDJIT_RECORD_NAME_MAX (name) or
 * FEDJIT_RECORD_STRING_MAX bytes.
 */
int fedjit_record_encode_user(const struct fedjit_user *u, TDB_DATA *ret)
{
	size_t pw, size;
	unsigned char *buf, *p;

	if (!enc_ok(u->name, STR_NAME) || !enc_ok(u->gecos, STR_FIELD) ||
	    !enc_ok(u->home, STR_PATH) || !enc_ok(u->shell, STR_PATH) ||
	    !enc_ok(u->domain, STR_OPAQUE) || !enc_ok(u->idp, STR_OPAQUE) ||
	    !enc_ok(u->issuer, STR_OPAQUE) || !enc_ok(u->subject, STR_OPAQUE) ||
	    !enc_ok(u->email, STR_FIELD) || !id_ok(u->uid) || !id_ok(u->gid) ||
	    (u->flags & ~FEDJIT_USER_FLAGS_KNOWN))
		return -EINVAL;
	pw = strlen(u->name) + sizeof(FEDJIT_PASSWD_FIELD) + strlen(nz(u->gecos)) +
	     strlen(u->home) + strlen(u->shell) + 4;
	size = 36 + pw + strlen(u->domain) + strlen(u->idp) + strlen(u->issuer) +
	       strlen(u->subject) + strlen(nz(u->email)) + 5;
	buf = calloc(1, size);
	if (!buf)
		return -ENOMEM;
	buf[0] = USER_FORMAT_V1;
	put_u32(buf + 4, u->flags);
	put_u32(buf + 8, u->uid);
	put_u32(buf + 12, u->gid);
	put_i64(buf + 16, u->created);
	put_i64(buf + 24, u->last_login);
	put_u32(buf + 32, (uint32_t)pw);
	p = buf + 36;
	p = put_str(p, u->name);
	p = put_str(p, FEDJIT_PASSWD_FIELD);
	p = put_str(p, u->gecos);
	p = put_str(p, u->home);
	p = put_str(p, u->shell);
	p = put_str(p, u->domain);
	p = put_str(p, u->idp);
	p = put_str(p, u->issuer);
	p = put_str(p, u->subject);
	p = put_str(p, u->email);
	return finish(ret, buf, p, size);
}

int fedjit_record_user_block(const unsigned char *rec, size_t len, size_t *ret_off, size_t *ret_len)
{
	uint32_t pw;

	if (!rec || len < 36 || rec[0] != USER_FORMAT_V1)
		return -EBADMSG;
	pw = get_u32(rec + 32);
	if (pw > len - 36)
		return -EBADMSG;
	*ret_off = 36;
	*ret_len = pw;
	return 0;
}

int fedjit_record_view_user_block(const unsigned char *hdr, size_t hdr_len, TDB_DATA block,
                                  struct fedjit_user_view *ret)
{
	struct fedjit_user_view v = {0};
	const unsigned char *p = block.dptr, *pw_end = block.dptr + block.dsize;

	if (hdr_len != 36 || hdr[0] != USER_FORMAT_V1 || hdr[1] || hdr[2] || hdr[3] ||
	    get_u32(hdr + 32) != block.dsize)
		return -EBADMSG;
	v.flags = get_u32(hdr + 4);
	v.uid = get_u32(hdr + 8);
	v.gid = get_u32(hdr + 12);
	v.created = get_i64(hdr + 16);
	v.last_login = get_i64(hdr + 24);
	if ((v.flags & ~FEDJIT_USER_FLAGS_KNOWN) || !id_ok(v.uid) || !id_ok(v.gid))
		return -EBADMSG;
	v.pw_block = (const char *)p;
	v.pw_block_len = block.dsize;
	/* The five fields in one go: the block ends in its fifth NUL (so every
	 * strlen stays inside), then one memchr per forbidden character over
	 * the whole block: ':' and '\n' in no field, ',' not in the name. */
	const char *f[5];
	size_t n[5];
	if (block.dsize == 0 || pw_end[-1] != '\0')
		return -EBADMSG;
	for (int i = 0; i < 5; i++) {
		if (p >= pw_end)
			return -EBADMSG;
		f[i] = (const char *)p;
		n[i] = strlen(f[i]);
		p += n[i] + 1;
	}
	if (p != pw_end || n[0] == 0 || n[0] > FEDJIT_RECORD_NAME_MAX || n[3] == 0 || n[4] == 0 ||
	    n[2] > FEDJIT_RECORD_STRING_MAX || n[3] > FEDJIT_RECORD_STRING_MAX ||
	    n[4] > FEDJIT_RECORD_STRING_MAX || strcmp(f[1], FEDJIT_PASSWD_FIELD) != 0 ||
	    memchr(block.dptr, ':', block.dsize) || memchr(block.dptr, '\n', block.dsize) ||
	    memchr(f[0], ',', n[0]))
		return -EBADMSG;
	v.name = f[0];
	v.passwd = f[1];
	v.gecos = f[2];
	v.home = f[3];
	v.shell = f[4];
	*ret = v;
	return 0;
}

int fedjit_record_view_user(TDB_DATA d, struct fedjit_user_view *ret)
{
	struct fedjit_user_view v;
	const unsigned char *p, *end;
	size_t off, len;

	if (fedjit_record_user_block(d.dptr, d.dsize, &off, &len) < 0 ||
	    fedjit_record_view_user_block(d.dptr, off, (TDB_DATA){d.dptr + off, len}, &v) < 0)
		return -EBADMSG;
	p = d.dptr + off + len;
	end = d.dptr + d.dsize;
	if (take_str(&p, end, STR_OPAQUE, &v.domain) < 0 ||
	    take_str(&p, end, STR_OPAQUE, &v.idp) < 0 ||
	    take_str(&p, end, STR_OPAQUE, &v.issuer) < 0 ||
	    take_str(&p, end, STR_OPAQUE, &v.subject) < 0 ||
	    take_str(&p, end, STR_FIELD, &v.email) < 0 || p != end)
		return -EBADMSG;
	*ret = v;
	return 0;
}

int fedjit_user_dup(const struct fedjit_user *u, struct fedjit_user **ret)
{
	const char *strs[] = {u->name, nz(u->gecos), u->home,    u->shell,    u->domain,
	                      u->idp,  u->issuer,    u->subject, nz(u->email)};
	size_t size = sizeof(struct fedjit_user);
	struct fedjit_user *c;
	char *pos;

	for (size_t i = 0; i < FEDJIT_ELEMENTSOF(strs); i++) {
		if (!strs[i])
			return -EINVAL;
		size += strlen(strs[i]) + 1;
	}
	c = malloc(size);
	if (!c)
		return -ENOMEM;
	*c = *u;
	pos = (char *)(c + 1);
	c->name = copy_str(&pos, strs[0]);
	c->gecos = copy_str(&pos, strs[1]);
	c->home = copy_str(&pos, strs[2]);
	c->shell = copy_str(&pos, strs[3]);
	c->domain = copy_str(&pos, strs[4]);
	c->idp = copy_str(&pos, strs[5]);
	c->issuer = copy_str(&pos, strs[6]);
	c->subject = copy_str(&pos, strs[7]);
	c->email = copy_str(&pos, strs[8]);
	*ret = c;
	return 0;
}

int fedjit_user_from_view(const struct fedjit_user_view *v, struct fedjit_user **ret)
{
	struct fedjit_user u = {
	        .name = (char *)v->name,
	        .uid = v->uid,
	        .gid = v->gid,
	        .gecos = (char *)v->gecos,
	        .home = (char *)v->home,
	        .shell = (char *)v->shell,
	        .domain = (char *)v->domain,
	        .idp = (char *)v->idp,
	        .issuer = (char *)v->issuer,
	        .subject = (char *)v->subject,
	        .email = (char *)v->email,
	        .created = v->created,
	        .last_login = v->last_login,
	        .flags = v->flags,
	};
	return fedjit_user_dup(&u, ret);
}

int fedjit_record_decode_user(TDB_DATA d, struct fedjit_user **ret)
{
	struct fedjit_user_view v;
	int r = fedjit_record_view_user(d, &v);

	return r < 0 ? r : fedjit_user_from_view(&v, ret);
}

void fedjit_user_free(struct fedjit_user *u)
{
	free(u);
}

/*
 * Group record, key "group/NAME", format 1:
 *   off size
 *    0   1   format = 1
 *    1   1   origin (enum fedjit_group_origin, 1..5)
 *    2   2   reserved, zero
 *    4   4   gid (not 0, not 0xffffffff)
 *    8   4   N = number of members (at most FEDJIT_RECORD_MEMBERS_MAX)
 *   12   4   G = length of the group block
 *   16   G   group block: name\0 passwd\0 member1\0 ... memberN\0, in struct
 *            group field order; passwd is "x"; names non-empty without ':'
 *            ',' '\n'; ends with the (N+2)th NUL exactly.
 * 16+G  ..   domain\0 (may be empty), ending exactly at the end of the record.
 */
int fedjit_record_encode_group(const struct fedjit_group *g, TDB_DATA *ret)
{
	size_t gb, size;
	unsigned char *buf, *p;

	if (!enc_ok(g->name, STR_NAME) || !enc_ok(g->domain, STR_OPTIONAL) || !id_ok(g->gid) ||
	    g->origin < FEDJIT_GROUP_PRIVATE || g->origin > FEDJIT_GROUP_FOREIGN ||
	    g->n_members > FEDJIT_RECORD_MEMBERS_MAX || (g->n_members && !g->members))
		return -EINVAL;
	gb = strlen(g->name) + sizeof(FEDJIT_PASSWD_FIELD) + 1;
	for (size_t i = 0; i < g->n_members; i++) {
		if (!enc_ok(g->members[i], STR_NAME))
			return -EINVAL;
		gb += strlen(g->members[i]) + 1;
	}
	size = 16 + gb + strlen(nz(g->domain)) + 1;
	buf = calloc(1, size);
	if (!buf)
		return -ENOMEM;
	buf[0] = GROUP_FORMAT_V1;
	buf[1] = g->origin;
	put_u32(buf + 4, g->gid);
	put_u32(buf + 8, (uint32_t)g->n_members);
	put_u32(buf + 12, (uint32_t)gb);
	p = buf + 16;
	p = put_str(p, g->name);
	p = put_str(p, FEDJIT_PASSWD_FIELD);
	for (size_t i = 0; i < g->n_members; i++)
		p = put_str(p, g->members[i]);
	p = put_str(p, g->domain);
	return finish(ret, buf, p, size);
}

int fedjit_record_group_block(const unsigned char *rec, size_t len, size_t *ret_off,
                              size_t *ret_len, uint32_t *ret_n_members)
{
	uint32_t gb;

	if (!rec || len < 16 || rec[0] != GROUP_FORMAT_V1)
		return -EBADMSG;
	gb = get_u32(rec + 12);
	if (gb > len - 16)
		return -EBADMSG;
	*ret_off = 16;
	*ret_len = gb;
	*ret_n_members = get_u32(rec + 8);
	return *ret_n_members > FEDJIT_RECORD_MEMBERS_MAX ? -EBADMSG : 0;
}

int fedjit_record_view_group_block(const unsigned char *hdr, size_t hdr_len, TDB_DATA block,
                                   bool check_members, struct fedjit_group_view *ret)
{
	struct fedjit_group_view v = {0};
	const unsigned char *p = block.dptr, *gb_end = block.dptr + block.dsize;

	if (hdr_len != 16 || hdr[0] != GROUP_FORMAT_V1 || hdr[2] || hdr[3] ||
	    get_u32(hdr + 12) != block.dsize)
		return -EBADMSG;
	v.origin = hdr[1];
	v.gid = get_u32(hdr + 4);
	v.n_members = get_u32(hdr + 8);
	if (v.origin < FEDJIT_GROUP_PRIVATE || v.origin > FEDJIT_GROUP_FOREIGN || !id_ok(v.gid) ||
	    v.n_members > FEDJIT_RECORD_MEMBERS_MAX)
		return -EBADMSG;
	v.gr_block = (const char *)p;
	v.gr_block_len = block.dsize;
	/* Names and "x", back to back: the block ends in a NUL (every strlen
	 * stays inside), and no name anywhere in it holds ':', ',' or '\n' (one
	 * memchr each over the whole block, not three per member). */
	if (block.dsize == 0 || gb_end[-1] != '\0' || memchr(p, ':', block.dsize) ||
	    memchr(p, ',', block.dsize) || memchr(p, '\n', block.dsize))
		return -EBADMSG;
	v.name = (const char *)p;
	size_t n = strlen(v.name);
	if (n == 0 || n > FEDJIT_RECORD_NAME_MAX)
		return -EBADMSG;
	p += n + 1;
	if (p >= gb_end || strcmp((const char *)p, FEDJIT_PASSWD_FIELD) != 0)
		return -EBADMSG;
	v.passwd = (const char *)p;
	p += sizeof(FEDJIT_PASSWD_FIELD);
	v.members = (const char *)p;
	v.members_len = (size_t)(gb_end - p);
	if (check_members && fedjit_record_group_members(&v, NULL) < 0)
		return -EBADMSG;
	*ret = v;
	return 0;
}

/*
 * The names of a members area, found by its NULs, 16 bytes at a time where
 * SSE2 is there (x86-64 always): a strlen() per member cost more than the
 * rest of a getgrnam of a 200-member group. Each NUL ends the name that
 * began after the previous one; it must be 1 to FEDJIT_RECORD_NAME_MAX
 * bytes long.
 */
int fedjit_record_group_members(const struct fedjit_group_view *v, char **mem)
{
	const char *p = v->members, *end = v->members + v->members_len, *start = p;
	char *dummy[1];
	char **out = mem ? mem : dummy;
	uintptr_t step = mem ? 1 : 0;
	uint32_t i = 0, n = v->n_members;

#define MEMBER_END(q)                                                            \
	do {                                                                     \
		if ((size_t)((q)-start) - 1 >= FEDJIT_RECORD_NAME_MAX || i == n) \
			return -EBADMSG;                                         \
		*out = (char *)start;                                            \
		out += step;                                                     \
		i++;                                                             \
		start = (q) + 1;                                                 \
	} while (0)
#ifdef __SSE2__
	const __m128i zero = _mm_setzero_si128();

	for (; end - p >= 16; p += 16) {
		unsigned m = (unsigned)_mm_movemask_epi8(
		        _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)p), zero));

		for (; m; m &= m - 1)
			MEMBER_END(p + __builtin_ctz(m));
	}
#endif
	for (; p < end; p++)
		if (*p == '\0')
			MEMBER_END(p);
#undef MEMBER_END
	return i == n && start == end ? 0 : -EBADMSG;
}

int fedjit_record_view_group(TDB_DATA d, struct fedjit_group_view *ret)
{
	struct fedjit_group_view v;
	const unsigned char *p;
	size_t off, len;
	uint32_t n;

	if (fedjit_record_group_block(d.dptr, d.dsize, &off, &len, &n) < 0 ||
	    fedjit_record_view_group_block(d.dptr, off, (TDB_DATA){d.dptr + off, len}, true, &v) <
	            0)
		return -EBADMSG;
	p = d.dptr + off + len;
	if (take_str(&p, d.dptr + d.dsize, STR_OPTIONAL, &v.domain) < 0 || p != d.dptr + d.dsize)
		return -EBADMSG;
	*ret = v;
	return 0;
}

int fedjit_group_from_view(const struct fedjit_group_view *v, struct fedjit_group **ret)
{
	size_t size = sizeof(struct fedjit_group) + (v->n_members + 1) * sizeof(char *) +
	              strlen(v->name) + 1 + v->members_len + strlen(v->domain) + 1;
	struct fedjit_group *g = malloc(size);
	const char *m = v->members;
	char *pos;

	if (!g)
		return -ENOMEM;
	*g = (struct fedjit_group){.gid = v->gid, .origin = v->origin, .n_members = v->n_members};
	g->members = (char **)(g + 1);
	pos = (char *)(g->members + v->n_members + 1);
	g->name = copy_str(&pos, v->name);
	g->domain = copy_str(&pos, v->domain);
	for (uint32_t i = 0; i < v->n_members; i++) {
		g->members[i] = copy_str(&pos, m);
		m += strlen(m) + 1;
	}
	g->members[v->n_members] = NULL;
	*ret = g;
	return 0;
}

int fedjit_record_decode_group(TDB_DATA d, struct fedjit_group **ret)
{
	struct fedjit_group_view v;
	int r = fedjit_record_view_group(d, &v);

	return r < 0 ? r : fedjit_group_from_view(&v, ret);
}

void fedjit_group_free(struct fedjit_group *g)
{
	free(g);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Record codec. Every record starts with a format byte; integers are little
 * endian and unaligned; strings are NUL-terminated. Decoders accept exactly
 * what the encoders write (reserved bytes zero, exact string counts, no bytes
 * left over) and return -EBADMSG for anything else, reading nothing outside
 * the record.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "record.h"

#define USER_FORMAT_V1    1
#define GROUP_FORMAT_V1   1
#define GIDS_FORMAT_V1    1
#define NAME_FORMAT_V1    1
#define PWHASH_FORMAT_V1  1
#define CONSENT_FORMAT_V1 1

/* ---- little-endian helpers ---- */

static void put_u32(unsigned char *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static void put_i64(unsigned char *p, int64_t v)
{
	uint64_t u = (uint64_t)v;

	put_u32(p, (uint32_t)u);
	put_u32(p + 4, (uint32_t)(u >> 32));
}

static uint32_t get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int64_t get_i64(const unsigned char *p)
{
	return (int64_t)((uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32);
}

/* ---- string checks shared by encoders and decoders ---- */

enum str_kind {
	STR_NAME,     /* user/group/member name: non-empty, no ':' ',' '\n' */
	STR_FIELD,    /* gecos, email: may be empty, no ':' '\n' */
	STR_PATH,     /* home, shell: non-empty, no ':' '\n' */
	STR_OPAQUE,   /* issuer, subject, domain, idp: non-empty, any bytes but NUL */
	STR_OPTIONAL, /* group domain, consent text: may be empty, any bytes but NUL */
};

static bool str_ok(const char *s, size_t len, enum str_kind kind)
{
	size_t max = kind == STR_NAME ? FEDJIT_RECORD_NAME_MAX : FEDJIT_RECORD_STRING_MAX;

	if (len > max)
		return false;
	if (len == 0)
		return kind == STR_FIELD || kind == STR_OPTIONAL;
	if (kind == STR_OPAQUE || kind == STR_OPTIONAL)
		return true;
	if (memchr(s, ':', len) || memchr(s, '\n', len))
		return false;
	return kind != STR_NAME || !memchr(s, ',', len);
}

/* Encoder side: NULL is "" (the caller's str_ok decides whether that is allowed). */
static const char *nz(const char *s)
{
	return s ? s : "";
}

static bool enc_ok(const char *s, enum str_kind kind)
{
	if (!s && kind != STR_FIELD && kind != STR_OPTIONAL)
		return false;
	s = nz(s);
	return str_ok(s, strlen(s), kind);
}

static unsigned char *put_str(unsigned char *p, const char *s)
{
	size_t n = strlen(nz(s)) + 1;

	memcpy(p, nz(s), n);
	return p + n;
}

/* Decoder side: take one NUL-terminated string from [*pos, end). */
static int take_str(const unsigned char **pos, const unsigned char *end, enum str_kind kind,
                    const char **ret)
{
	const unsigned char *nul;

	if (*pos >= end)
		return -EBADMSG;
	nul = memchr(*pos, '\0', (size_t)(end - *pos));
	if (!nul || !str_ok((const char *)*pos, (size_t)(nul - *pos), kind))
		return -EBADMSG;
	*ret = (const char *)*pos;
	*pos = nul + 1;
	return 0;
}

static int finish(TDB_DATA *ret, unsigned char *buf, unsigned char *end, size_t size)
{
	/* The size computation and the writer must agree; a mismatch is a bug. */
	if ((size_t)(end - buf) != size) {
		free(buf);
		return -EFAULT;
	}
	*ret = (TDB_DATA){.dptr = buf, .dsize = size};
	return 0;
}

static bool id_ok(uint32_t id)
{
	/* Never root, never the "no id" value (uid_t)-1. */
	return id != 0 && id != UINT32_MAX;
}

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

int fedjit_record_view_user(TDB_DATA d, struct fedjit_user_view *ret)
{
	struct fedjit_user_view v = {0};
	const unsigned char *p = d.dptr, *end, *pw_end;
	uint32_t pw;

	if (!p || d.dsize < 36 || p[0] != USER_FORMAT_V1 || p[1] || p[2] || p[3])
		return -EBADMSG;
	end = p + d.dsize;
	v.flags = get_u32(p + 4);
	v.uid = get_u32(p + 8);
	v.gid = get_u32(p + 12);
	v.created = get_i64(p + 16);
	v.last_login = get_i64(p + 24);
	pw = get_u32(p + 32);
	if ((v.flags & ~FEDJIT_USER_FLAGS_KNOWN) || !id_ok(v.uid) || !id_ok(v.gid) ||
	    pw > d.dsize - 36)
		return -EBADMSG;
	p += 36;
	pw_end = p + pw;
	v.pw_block = (const char *)p;
	v.pw_block_len = pw;
	if (take_str(&p, pw_end, STR_NAME, &v.name) < 0 ||
	    take_str(&p, pw_end, STR_FIELD, &v.passwd) < 0 ||
	    strcmp(v.passwd, FEDJIT_PASSWD_FIELD) != 0 ||
	    take_str(&p, pw_end, STR_FIELD, &v.gecos) < 0 ||
	    take_str(&p, pw_end, STR_PATH, &v.home) < 0 ||
	    take_str(&p, pw_end, STR_PATH, &v.shell) < 0 || p != pw_end)
		return -EBADMSG;
	if (take_str(&p, end, STR_OPAQUE, &v.domain) < 0 ||
	    take_str(&p, end, STR_OPAQUE, &v.idp) < 0 ||
	    take_str(&p, end, STR_OPAQUE, &v.issuer) < 0 ||
	    take_str(&p, end, STR_OPAQUE, &v.subject) < 0 ||
	    take_str(&p, end, STR_FIELD, &v.email) < 0 || p != end)
		return -EBADMSG;
	*ret = v;
	return 0;
}

/* Copy s into the string area at *pos; returns the copy. */
static char *copy_str(char **pos, const char *s)
{
	size_t n = strlen(s) + 1;
	char *r = *pos;

	memcpy(r, s, n);
	*pos += n;
	return r;
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
 *    1   1   origin (enum fedjit_group_origin, 1..4)
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
	    g->origin < FEDJIT_GROUP_PRIVATE || g->origin > FEDJIT_GROUP_ADMIN ||
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

int fedjit_record_view_group(TDB_DATA d, struct fedjit_group_view *ret)
{
	struct fedjit_group_view v = {0};
	const unsigned char *p = d.dptr, *end, *gb_end;
	const char *m;
	uint32_t gb;

	if (!p || d.dsize < 16 || p[0] != GROUP_FORMAT_V1 || p[2] || p[3])
		return -EBADMSG;
	end = p + d.dsize;
	v.origin = p[1];
	v.gid = get_u32(p + 4);
	v.n_members = get_u32(p + 8);
	gb = get_u32(p + 12);
	if (v.origin < FEDJIT_GROUP_PRIVATE || v.origin > FEDJIT_GROUP_ADMIN || !id_ok(v.gid) ||
	    v.n_members > FEDJIT_RECORD_MEMBERS_MAX || gb > d.dsize - 16)
		return -EBADMSG;
	p += 16;
	gb_end = p + gb;
	v.gr_block = (const char *)p;
	v.gr_block_len = gb;
	if (take_str(&p, gb_end, STR_NAME, &v.name) < 0 ||
	    take_str(&p, gb_end, STR_FIELD, &v.passwd) < 0 ||
	    strcmp(v.passwd, FEDJIT_PASSWD_FIELD) != 0)
		return -EBADMSG;
	v.members = (const char *)p;
	for (uint32_t i = 0; i < v.n_members; i++)
		if (take_str(&p, gb_end, STR_NAME, &m) < 0)
			return -EBADMSG;
	if (p != gb_end)
		return -EBADMSG;
	v.members_len = (size_t)(gb_end - (const unsigned char *)v.members);
	if (take_str(&p, end, STR_OPTIONAL, &v.domain) < 0 || p != end)
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

/*
 * Supplementary gid list, key "gids/NAME", format 1:
 *   off size
 *    0   1   format = 1
 *    1   3   reserved, zero
 *    4   4   N (at most FEDJIT_RECORD_GIDS_MAX)
 *    8  4N   gids, strictly ascending (so no duplicates), none 0 or 0xffffffff
 * The record is exactly 8 + 4N bytes. The gids may name groups of this store
 * or of any other source (/etc/group).
 */
int fedjit_record_encode_gids(const uint32_t *gids, size_t n, TDB_DATA *ret)
{
	unsigned char *buf;

	if (n > FEDJIT_RECORD_GIDS_MAX || (n && !gids))
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!id_ok(gids[i]) || (i > 0 && gids[i] <= gids[i - 1]))
			return -EINVAL;
	buf = calloc(1, 8 + 4 * n);
	if (!buf)
		return -ENOMEM;
	buf[0] = GIDS_FORMAT_V1;
	put_u32(buf + 4, (uint32_t)n);
	for (size_t i = 0; i < n; i++)
		put_u32(buf + 8 + 4 * i, gids[i]);
	*ret = (TDB_DATA){.dptr = buf, .dsize = 8 + 4 * n};
	return 0;
}

int fedjit_record_view_gids(TDB_DATA d, struct fedjit_gids_view *ret)
{
	const unsigned char *p = d.dptr;
	struct fedjit_gids_view v;

	if (!p || d.dsize < 8 || p[0] != GIDS_FORMAT_V1 || p[1] || p[2] || p[3])
		return -EBADMSG;
	v.n = get_u32(p + 4);
	v.raw = p + 8;
	if (v.n > FEDJIT_RECORD_GIDS_MAX || d.dsize != 8 + 4 * (size_t)v.n)
		return -EBADMSG;
	for (uint32_t i = 0; i < v.n; i++) {
		uint32_t g = fedjit_gids_view_at(&v, i);

		if (!id_ok(g) || (i > 0 && g <= fedjit_gids_view_at(&v, i - 1)))
			return -EBADMSG;
	}
	*ret = v;
	return 0;
}

int fedjit_record_decode_gids(TDB_DATA d, uint32_t **ret_gids, size_t *ret_n)
{
	struct fedjit_gids_view v;
	uint32_t *gids;
	int r = fedjit_record_view_gids(d, &v);

	if (r < 0)
		return r;
	gids = malloc(sizeof(uint32_t) * (v.n ? v.n : 1));
	if (!gids)
		return -ENOMEM;
	for (uint32_t i = 0; i < v.n; i++)
		gids[i] = fedjit_gids_view_at(&v, i);
	*ret_gids = gids;
	*ret_n = v.n;
	return 0;
}

/*
 * Name record: the value of "uid/ID", "gid/ID" and "link/ISSUER\0SUBJECT",
 * format 1:
 *    0   1   format = 1
 *    1   ..  name\0 (a STR_NAME: non-empty, no ':' ',' '\n'), ending exactly
 *            at the end of the record.
 */
int fedjit_record_encode_name(const char *name, TDB_DATA *ret)
{
	size_t n;
	unsigned char *buf;

	if (!enc_ok(name, STR_NAME))
		return -EINVAL;
	n = strlen(name) + 1;
	buf = malloc(1 + n);
	if (!buf)
		return -ENOMEM;
	buf[0] = NAME_FORMAT_V1;
	memcpy(buf + 1, name, n);
	*ret = (TDB_DATA){.dptr = buf, .dsize = 1 + n};
	return 0;
}

int fedjit_record_view_name(TDB_DATA d, const char **ret_name)
{
	const unsigned char *p = d.dptr;
	const char *name;

	if (!p || d.dsize < 2 || p[0] != NAME_FORMAT_V1)
		return -EBADMSG;
	p++;
	if (take_str(&p, d.dptr + d.dsize, STR_NAME, &name) < 0 || p != d.dptr + d.dsize)
		return -EBADMSG;
	*ret_name = name;
	return 0;
}

int fedjit_record_decode_name(TDB_DATA d, char **ret_name)
{
	const char *name;
	char *c;
	int r = fedjit_record_view_name(d, &name);

	if (r < 0)
		return r;
	c = strdup(name);
	if (!c)
		return -ENOMEM;
	*ret_name = c;
	return 0;
}

/*
 * Version record, key "version" (store and secret store): exactly 4 bytes,
 * the store format version, little endian. It has no format byte of its own:
 * it is what every other format is read under. 0 is invalid.
 */
int fedjit_record_encode_version(uint32_t version, TDB_DATA *ret)
{
	unsigned char *buf;

	if (version == 0)
		return -EINVAL;
	buf = malloc(4);
	if (!buf)
		return -ENOMEM;
	put_u32(buf, version);
	*ret = (TDB_DATA){.dptr = buf, .dsize = 4};
	return 0;
}

int fedjit_record_decode_version(TDB_DATA d, uint32_t *ret_version)
{
	uint32_t v;

	if (!d.dptr || d.dsize != 4)
		return -EBADMSG;
	v = get_u32(d.dptr);
	if (v == 0)
		return -EBADMSG;
	*ret_version = v;
	return 0;
}

/*
 * Password hash record (secret store), key "pwhash/NAME", format 1:
 *    0   1   format = 1
 *    1   ..  hash\0: an opaque crypt(3) string, non-empty, no ':' '\n' (it
 *            becomes a shadow field), ending exactly at the end of the record.
 */
int fedjit_record_encode_pwhash(const char *hash, TDB_DATA *ret)
{
	size_t n;
	unsigned char *buf;

	if (!enc_ok(hash, STR_PATH))
		return -EINVAL;
	n = strlen(hash) + 1;
	buf = malloc(1 + n);
	if (!buf)
		return -ENOMEM;
	buf[0] = PWHASH_FORMAT_V1;
	memcpy(buf + 1, hash, n);
	*ret = (TDB_DATA){.dptr = buf, .dsize = 1 + n};
	return 0;
}

int fedjit_record_view_pwhash(TDB_DATA d, const char **ret_hash)
{
	const unsigned char *p = d.dptr;
	const char *hash;

	if (!p || d.dsize < 2 || p[0] != PWHASH_FORMAT_V1)
		return -EBADMSG;
	p++;
	if (take_str(&p, d.dptr + d.dsize, STR_PATH, &hash) < 0 || p != d.dptr + d.dsize)
		return -EBADMSG;
	*ret_hash = hash;
	return 0;
}

int fedjit_record_decode_pwhash(TDB_DATA d, char **ret_hash)
{
	const char *hash;
	char *c;
	int r = fedjit_record_view_pwhash(d, &hash);

	if (r < 0)
		return r;
	c = strdup(hash);
	if (!c)
		return -ENOMEM;
	*ret_hash = c;
	return 0;
}

/*
 * Consent record (secret store), key "consent/NAME", format 1:
 *   off size
 *    0   1   format = 1
 *    1   3   reserved, zero
 *    4   4   version of the consent text shown
 *    8   8   when, signed unix seconds
 *   16   ..  idp\0 (non-empty) what\0 (may be empty), ending exactly at the
 *            end of the record.
 */
int fedjit_record_encode_consent(const struct fedjit_consent *c, TDB_DATA *ret)
{
	size_t size;
	unsigned char *buf, *p;

	if (!enc_ok(c->idp, STR_OPAQUE) || !enc_ok(c->what, STR_OPTIONAL))
		return -EINVAL;
	size = 16 + strlen(c->idp) + 1 + strlen(nz(c->what)) + 1;
	buf = calloc(1, size);
	if (!buf)
		return -ENOMEM;
	buf[0] = CONSENT_FORMAT_V1;
	put_u32(buf + 4, c->text_version);
	put_i64(buf + 8, c->when);
	p = put_str(buf + 16, c->idp);
	p = put_str(p, c->what);
	return finish(ret, buf, p, size);
}

int fedjit_record_decode_consent(TDB_DATA d, struct fedjit_consent **ret)
{
	const unsigned char *p = d.dptr, *end;
	const char *idp, *what;
	struct fedjit_consent *c;
	char *pos;

	if (!p || d.dsize < 16 || p[0] != CONSENT_FORMAT_V1 || p[1] || p[2] || p[3])
		return -EBADMSG;
	end = p + d.dsize;
	p += 16;
	if (take_str(&p, end, STR_OPAQUE, &idp) < 0 || take_str(&p, end, STR_OPTIONAL, &what) < 0 ||
	    p != end)
		return -EBADMSG;
	c = malloc(sizeof(*c) + d.dsize - 16);
	if (!c)
		return -ENOMEM;
	c->text_version = get_u32(d.dptr + 4);
	c->when = get_i64(d.dptr + 8);
	pos = (char *)(c + 1);
	c->idp = copy_str(&pos, idp);
	c->what = copy_str(&pos, what);
	*ret = c;
	return 0;
}

void fedjit_consent_free(struct fedjit_consent *c)
{
	free(c);
}

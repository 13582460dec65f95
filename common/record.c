/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Record codec: users and their private account records (groups:
 * record_group.c; the other formats: record_small.c; the shared helpers:
 * record_codec.h). Every record starts with a format
 * byte; integers are little endian and unaligned; strings are NUL-terminated.
 * Decoders accept exactly what the encoders write (reserved bytes zero, exact
 * string counts, no bytes left over) and return -EBADMSG for anything else,
 * reading nothing outside the record.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/macro.h"
#include "common/record_codec.h"

/*
 * What lives where. The store (fedjit.tdb) is world-readable: every process
 * reads it through NSS. It holds what NSS serves and nothing else: the user
 * record (format 2) has the passwd entry and the flags (locked: shadow).
 * Everything else about an account, which is personal data (who owns it at
 * which IdP, the email address, when it was created and last used, its
 * domain and IdP), is in the private account record of the root-only
 * private store beside it (store.h). Format 1 user records held both; they
 * are read only while a store is upgraded (store_upgrade.c) and by NSS
 * until then.
 *
 * User record, key "user/NAME", format 2 (the store):
 *   off size
 *    0   1   format = 2
 *    1   3   reserved, zero
 *    4   4   flags (FEDJIT_USER_*; unknown bits are an error)
 *    8   4   uid (not 0, not 0xffffffff)
 *   12   4   gid (same)
 *   16   4   P = length of the passwd block
 *   20   2   offset of passwd in the block (= length of name + 1)
 *   22   2   offset of gecos
 *   24   2   offset of home
 *   26   2   offset of shell
 *   28   P   passwd block: name\0 passwd\0 gecos\0 home\0 shell\0, in struct
 *            passwd field order so that the NSS packer copies it with one
 *            memcpy and points into it with the offsets (no scan). passwd is
 *            always "x"; name, home and shell are non-empty; no ':' or '\n'
 *            anywhere, no ',' in name; each offset is one past the NUL that
 *            ends the field before; the block ends with the fifth NUL, and
 *            the record with the block.
 * The encoder checks every character; the full decoder (view_user) checks
 * them all again. The NSS module's decoder (view_user_block) checks only what
 * keeps it inside the block (offsets ascending and inside, the block ending
 * in a NUL): the store is written by root through the encoder, and a damaged
 * file gives a wrong entry at worst, never a read outside the record.
 *
 * User record, format 1 (stores before the upgrade; never written):
 *    0   1   format = 1
 *    1   3   reserved, zero
 *    4   4   flags
 *    8   4   uid
 *   12   4   gid
 *   16   8   created, signed unix seconds
 *   24   8   last login, signed unix seconds (0: never)
 *   32   4   P
 *   36   P   passwd block, as above (without the offsets: found by its NULs)
 * 36+P  ..   domain\0 idp\0 issuer\0 subject\0 email\0, ending exactly at the
 *            end of the record; all but email non-empty.
 *
 * Private account record, key "account/NAME" in the private store, format 1:
 *    0   1   format = 1
 *    1   3   reserved, zero
 *    4   4   uid of the user record it belongs to (a record left by an
 *            earlier account of the same name is told apart)
 *    8   8   created, signed unix seconds
 *   16   8   last login, signed unix seconds (0: never)
 *   24  ..   domain\0 idp\0 issuer\0 subject\0 email\0, ending exactly at the
 *            end of the record; all but email non-empty.
 *
 * Strings are at most FEDJIT_RECORD_NAME_MAX (name) or
 * FEDJIT_RECORD_STRING_MAX bytes.
 */
#define USER_HDR_V1 36
#define USER_HDR_V2 28
#define ACCOUNT_HDR 24

static bool pw_fields_ok(const struct fedjit_user *u)
{
	return enc_ok(u->name, STR_NAME) && enc_ok(u->gecos, STR_FIELD) &&
	       enc_ok(u->home, STR_PATH) && enc_ok(u->shell, STR_PATH) && id_ok(u->uid) &&
	       id_ok(u->gid) && !(u->flags & ~FEDJIT_USER_FLAGS_KNOWN);
}

static bool personal_ok(const struct fedjit_user *u)
{
	return enc_ok(u->domain, STR_OPAQUE) && enc_ok(u->idp, STR_OPAQUE) &&
	       enc_ok(u->issuer, STR_OPAQUE) && enc_ok(u->subject, STR_OPAQUE) &&
	       enc_ok(u->email, STR_FIELD);
}

static size_t pw_block_len(const struct fedjit_user *u)
{
	return strlen(u->name) + sizeof(FEDJIT_PASSWD_FIELD) + strlen(nz(u->gecos)) +
	       strlen(u->home) + strlen(u->shell) + 4;
}

static unsigned char *put_pw_block(unsigned char *p, const struct fedjit_user *u)
{
	p = put_str(p, u->name);
	p = put_str(p, FEDJIT_PASSWD_FIELD);
	p = put_str(p, u->gecos);
	p = put_str(p, u->home);
	return put_str(p, u->shell);
}

static unsigned char *put_personal(unsigned char *p, const struct fedjit_user *u)
{
	p = put_str(p, u->domain);
	p = put_str(p, u->idp);
	p = put_str(p, u->issuer);
	p = put_str(p, u->subject);
	return put_str(p, u->email);
}

static size_t personal_len(const struct fedjit_user *u)
{
	return strlen(u->domain) + strlen(u->idp) + strlen(u->issuer) + strlen(u->subject) +
	       strlen(nz(u->email)) + 5;
}

int fedjit_record_encode_user(const struct fedjit_user *u, TDB_DATA *ret)
{
	size_t pw, size, o;
	unsigned char *buf, *p;

	if (!pw_fields_ok(u))
		return -EINVAL;
	pw = pw_block_len(u);
	size = USER_HDR_V2 + pw;
	buf = calloc(1, size);
	if (!buf)
		return -ENOMEM;
	buf[0] = USER_FORMAT_V2;
	put_u32(buf + 4, u->flags);
	put_u32(buf + 8, u->uid);
	put_u32(buf + 12, u->gid);
	put_u32(buf + 16, (uint32_t)pw);
	o = strlen(u->name) + 1;
	put_u16(buf + 20, (uint16_t)o);
	o += sizeof(FEDJIT_PASSWD_FIELD);
	put_u16(buf + 22, (uint16_t)o);
	o += strlen(nz(u->gecos)) + 1;
	put_u16(buf + 24, (uint16_t)o);
	o += strlen(u->home) + 1;
	put_u16(buf + 26, (uint16_t)o);
	p = put_pw_block(buf + USER_HDR_V2, u);
	return finish(ret, buf, p, size);
}

int fedjit_record_encode_user_v1(const struct fedjit_user *u, TDB_DATA *ret)
{
	size_t pw, size;
	unsigned char *buf, *p;

	if (!pw_fields_ok(u) || !personal_ok(u))
		return -EINVAL;
	pw = pw_block_len(u);
	size = USER_HDR_V1 + pw + personal_len(u);
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
	p = put_pw_block(buf + USER_HDR_V1, u);
	p = put_personal(p, u);
	return finish(ret, buf, p, size);
}

int fedjit_record_encode_account(const struct fedjit_user *u, TDB_DATA *ret)
{
	size_t size;
	unsigned char *buf, *p;

	if (!personal_ok(u) || !id_ok(u->uid))
		return -EINVAL;
	size = ACCOUNT_HDR + personal_len(u);
	buf = calloc(1, size);
	if (!buf)
		return -ENOMEM;
	buf[0] = ACCOUNT_FORMAT_V1;
	put_u32(buf + 4, u->uid);
	put_i64(buf + 8, u->created);
	put_i64(buf + 16, u->last_login);
	p = put_personal(buf + ACCOUNT_HDR, u);
	return finish(ret, buf, p, size);
}

int fedjit_record_user_block(const unsigned char *rec, size_t len, size_t *ret_off, size_t *ret_len)
{
	size_t hdr;
	uint32_t pw;

	if (!rec || len < 1)
		return -EBADMSG;
	hdr = rec[0] == USER_FORMAT_V2 ? USER_HDR_V2 : rec[0] == USER_FORMAT_V1 ? USER_HDR_V1 : 0;
	if (!hdr || len < hdr)
		return -EBADMSG;
	pw = get_u32(rec + (hdr == USER_HDR_V2 ? 16 : 32));
	if (pw > len - hdr)
		return -EBADMSG;
	*ret_off = hdr;
	*ret_len = pw;
	return 0;
}

/* The five fields of a passwd block, every character checked (what the
 * encoder allows): 0, or -EBADMSG. */
static int pw_block_strict(const unsigned char *p, size_t len, const char *f[5])
{
	const unsigned char *end = p + len;

	if (take_str(&p, end, STR_NAME, &f[0]) < 0 || take_str(&p, end, STR_PATH, &f[1]) < 0 ||
	    take_str(&p, end, STR_FIELD, &f[2]) < 0 || take_str(&p, end, STR_PATH, &f[3]) < 0 ||
	    take_str(&p, end, STR_PATH, &f[4]) < 0 || p != end ||
	    strcmp(f[1], FEDJIT_PASSWD_FIELD) != 0)
		return -EBADMSG;
	return 0;
}

static void view_set_pw(struct fedjit_user_view *v, const char *const f[5])
{
	v->name = f[0];
	v->passwd = f[1];
	v->gecos = f[2];
	v->home = f[3];
	v->shell = f[4];
}

/* A view of a format 2 record has no personal data: empty strings. */
static void view_no_personal(struct fedjit_user_view *v)
{
	v->domain = v->idp = v->issuer = v->subject = v->email = "";
	v->created = v->last_login = 0;
}

static int view_block_v1(const unsigned char *hdr, TDB_DATA block, struct fedjit_user_view *v)
{
	const char *f[5];

	if (hdr[1] || hdr[2] || hdr[3] || get_u32(hdr + 32) != block.dsize)
		return -EBADMSG;
	v->created = get_i64(hdr + 16);
	v->last_login = get_i64(hdr + 24);
	if (pw_block_strict(block.dptr, block.dsize, f) < 0)
		return -EBADMSG;
	view_set_pw(v, f);
	return 0;
}

/* Bounds only (see the format): the offsets ascend inside the block, and the
 * block ends in a NUL, so every field is a string that ends inside it. */
static int view_block_v2(const unsigned char *hdr, TDB_DATA block, struct fedjit_user_view *v)
{
	const char *b = (const char *)block.dptr;
	size_t n = block.dsize;
	uint16_t o1 = get_u16(hdr + 20), o2 = get_u16(hdr + 22), o3 = get_u16(hdr + 24),
	         o4 = get_u16(hdr + 26);

	if (hdr[1] | hdr[2] | hdr[3] || get_u32(hdr + 16) != n || n == 0 || b[n - 1] != '\0' ||
	    o1 < 2 || o2 <= o1 || o3 <= o2 || o4 <= o3 || o4 >= n)
		return -EBADMSG;
	v->name = b;
	v->passwd = b + o1;
	v->gecos = b + o2;
	v->home = b + o3;
	v->shell = b + o4;
	view_no_personal(v);
	return 0;
}

int fedjit_record_view_user_block(const unsigned char *hdr, size_t hdr_len, TDB_DATA block,
                                  struct fedjit_user_view *ret)
{
	struct fedjit_user_view v = {0};
	int r;

	if (hdr_len == USER_HDR_V2 && hdr[0] == USER_FORMAT_V2)
		r = view_block_v2(hdr, block, &v);
	else if (hdr_len == USER_HDR_V1 && hdr[0] == USER_FORMAT_V1)
		r = view_block_v1(hdr, block, &v);
	else
		r = -EBADMSG;
	if (r < 0)
		return r;
	v.format = hdr[0];
	v.flags = get_u32(hdr + 4);
	v.uid = get_u32(hdr + 8);
	v.gid = get_u32(hdr + 12);
	if ((v.flags & ~FEDJIT_USER_FLAGS_KNOWN) || !id_ok(v.uid) || !id_ok(v.gid))
		return -EBADMSG;
	v.pw_block = (const char *)block.dptr;
	v.pw_block_len = block.dsize;
	*ret = v;
	return 0;
}

static int take_personal(const unsigned char **p, const unsigned char *end, const char **domain,
                         const char **idp, const char **issuer, const char **subject,
                         const char **email)
{
	if (take_str(p, end, STR_OPAQUE, domain) < 0 || take_str(p, end, STR_OPAQUE, idp) < 0 ||
	    take_str(p, end, STR_OPAQUE, issuer) < 0 || take_str(p, end, STR_OPAQUE, subject) < 0 ||
	    take_str(p, end, STR_FIELD, email) < 0 || *p != end)
		return -EBADMSG;
	return 0;
}

int fedjit_record_view_user(TDB_DATA d, struct fedjit_user_view *ret)
{
	struct fedjit_user_view v;
	const unsigned char *p, *end;
	const char *f[5];
	size_t off, len;

	if (fedjit_record_user_block(d.dptr, d.dsize, &off, &len) < 0 ||
	    fedjit_record_view_user_block(d.dptr, off, (TDB_DATA){d.dptr + off, len}, &v) < 0)
		return -EBADMSG;
	p = d.dptr + off + len;
	end = d.dptr + d.dsize;
	if (v.format == USER_FORMAT_V2) {
		/* Every character, and the offsets exactly at the fields. */
		if (p != end || pw_block_strict(d.dptr + off, len, f) < 0 || f[1] != v.passwd ||
		    f[2] != v.gecos || f[3] != v.home || f[4] != v.shell)
			return -EBADMSG;
	} else if (take_personal(&p, end, &v.domain, &v.idp, &v.issuer, &v.subject, &v.email) < 0) {
		return -EBADMSG;
	}
	*ret = v;
	return 0;
}

int fedjit_record_view_account(TDB_DATA d, struct fedjit_account_view *ret)
{
	struct fedjit_account_view a;
	const unsigned char *p = d.dptr;

	if (!p || d.dsize < ACCOUNT_HDR || p[0] != ACCOUNT_FORMAT_V1 || p[1] || p[2] || p[3])
		return -EBADMSG;
	a.uid = get_u32(p + 4);
	a.created = get_i64(p + 8);
	a.last_login = get_i64(p + 16);
	p += ACCOUNT_HDR;
	if (!id_ok(a.uid) || take_personal(&p, d.dptr + d.dsize, &a.domain, &a.idp, &a.issuer,
	                                   &a.subject, &a.email) < 0)
		return -EBADMSG;
	*ret = a;
	return 0;
}

void fedjit_user_view_set_account(struct fedjit_user_view *v, const struct fedjit_account_view *a)
{
	v->domain = a->domain;
	v->idp = a->idp;
	v->issuer = a->issuer;
	v->subject = a->subject;
	v->email = a->email;
	v->created = a->created;
	v->last_login = a->last_login;
}

int fedjit_user_dup(const struct fedjit_user *u, struct fedjit_user **ret)
{
	const char *strs[] = {u->name,    nz(u->gecos),  u->home,        u->shell,    nz(u->domain),
	                      nz(u->idp), nz(u->issuer), nz(u->subject), nz(u->email)};
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

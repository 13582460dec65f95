/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Record codec: the small formats (supplementary gids, index/link names, the
 * version key, and the secret store's password hash and consent records).
 * Same rules as record.c: decoders accept exactly what the encoders write.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/macro.h"
#include "common/record_codec.h"

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

/* The name and the password hash records are the same shape: a format byte,
 * then one string of a kind that ends exactly at the end of the record. */
static int encode_str_record(unsigned char format, const char *str, enum str_kind kind,
                             TDB_DATA *ret)
{
	size_t n;
	unsigned char *buf;

	if (!enc_ok(str, kind))
		return -EINVAL;
	n = strlen(str) + 1;
	buf = malloc(1 + n);
	if (!buf)
		return -ENOMEM;
	buf[0] = format;
	memcpy(buf + 1, str, n);
	*ret = (TDB_DATA){.dptr = buf, .dsize = 1 + n};
	return 0;
}

static int view_str_record(TDB_DATA d, unsigned char format, enum str_kind kind,
                           const char **ret_str)
{
	const unsigned char *p = d.dptr;
	const char *str;

	if (!p || d.dsize < 2 || p[0] != format)
		return -EBADMSG;
	p++;
	if (take_str(&p, d.dptr + d.dsize, kind, &str) < 0 || p != d.dptr + d.dsize)
		return -EBADMSG;
	*ret_str = str;
	return 0;
}

/* A copy of what a view decoder returned, for its decode_ twin. */
static int dup_viewed(const char *str, char **ret)
{
	char *c = strdup(str);

	if (!c)
		return -ENOMEM;
	*ret = c;
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
	return encode_str_record(NAME_FORMAT_V1, name, STR_NAME, ret);
}

int fedjit_record_view_name(TDB_DATA d, const char **ret_name)
{
	return view_str_record(d, NAME_FORMAT_V1, STR_NAME, ret_name);
}

int fedjit_record_decode_name(TDB_DATA d, char **ret_name)
{
	const char *name;
	int r = fedjit_record_view_name(d, &name);

	return r < 0 ? r : dup_viewed(name, ret_name);
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
	return encode_str_record(PWHASH_FORMAT_V1, hash, STR_PATH, ret);
}

int fedjit_record_view_pwhash(TDB_DATA d, const char **ret_hash)
{
	return view_str_record(d, PWHASH_FORMAT_V1, STR_PATH, ret_hash);
}

int fedjit_record_decode_pwhash(TDB_DATA d, char **ret_hash)
{
	const char *hash;
	int r = fedjit_record_view_pwhash(d, &hash);

	return r < 0 ? r : dup_viewed(hash, ret_hash);
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

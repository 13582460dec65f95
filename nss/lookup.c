/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Lookups: the store's own lookup (common/store_lookup.c: by name, or by id
 * through the index record, in one consistent read) with the record copied
 * where it is needed, then decoded in place with record.h's view decoders.
 *
 * The passwd and group entry points copy the record straight into glibc's
 * buffer: the decoded view's strings then already are the entry's strings
 * (the records keep them in passwd and group field order), so there is no
 * second copy; a group's member pointer array goes in front of the record,
 * sized from its member count, and is filled from the record's member
 * offsets (format 2) during the copy, or by finding the names (format 1). Everything else (shadow, initgroups, the sshd
 * pre-auth entry) copies into a scratch buffer.
 */
#include <errno.h>
#include <stdalign.h>
#include <string.h>

#include "nss/nss_fedjit.h"

/* ---- into glibc's buffer ---- */

struct buf_place {
	char *buf;
	size_t buflen;
	bool group;
	/* what was copied: the record's fixed header here, its block into buf
	 * at off (after a group's member pointer array) */
	unsigned char hdr[FEDJIT_RECORD_HDR_MAX];
	size_t hdr_len, off, len;
	uint32_t n_members; /* group: the count the pointer array was sized for */
	bool ptrs;          /* group: gr_mem set from the member offsets */
};

static int buf_place(const unsigned char *data, size_t len, void *p)
{
	struct buf_place *q = p;
	size_t boff, blen, off = 0, moff = 0;
	int r;

	/* Where the block is, from bytes that may still change: the offsets are
	 * checked against len here, the copy is validated afterwards. */
	if (q->group) {
		r = fedjit_record_group_block(data, len, &boff, &blen, &q->n_members, &moff);
		size_t pad =
		        (alignof(char *) - ((uintptr_t)q->buf % alignof(char *))) % alignof(char *);
		off = pad + ((size_t)q->n_members + 1) * sizeof(char *);
	} else {
		r = fedjit_record_user_block(data, len, &boff, &blen);
	}
	if (r < 0)
		return r;
	if (boff > sizeof(q->hdr))
		return -EBADMSG;
	if (off > q->buflen || blen > q->buflen - off)
		return -ERANGE;
	memcpy(q->hdr, data, boff);
	memcpy(q->buf + off, data + boff, blen);
	q->hdr_len = boff;
	q->off = off;
	q->len = blen;
	q->ptrs = moff != 0;
	/* gr_mem from the offsets, each checked to lie inside the copy (whose
	 * last byte the decoder checks to be a NUL before any is used) */
	if (moff)
		return fedjit_record_group_member_ptrs(
		        data + moff, q->hdr[2], q->n_members, q->buf + off, blen,
		        (char **)(void *)(q->buf + off -
		                          ((size_t)q->n_members + 1) * sizeof(char *)));
	return 0;
}

static int lookup_into(enum fedjit_lookup_kind kind, const char *name, uint32_t id,
                       struct buf_place *bp)
{
	struct fedjit_lookup q = {
	        .kind = kind,
	        .name = name,
	        .id = id,
	        .place = buf_place,
	        .userdata = bp,
	};

	return fedjit_nss_db_read(fedjit_nss_db_path(), fedjit_lookup, &q);
}

int fedjit_nss_getpw(const char *name, uint32_t uid, struct passwd *pw, char *buf, size_t buflen)
{
	struct buf_place bp = {.buf = buf, .buflen = buflen};
	struct fedjit_user_view v;
	int r = lookup_into(FEDJIT_LOOKUP_USER, name, uid, &bp);

	if (r >= 0)
		r = fedjit_record_view_user_block(bp.hdr, bp.hdr_len,
		                                  (TDB_DATA){(unsigned char *)buf, bp.len}, &v);
	/* the record under user/NAME is someone else, or an index points at the
	 * wrong user */
	if (r >= 0 && (name ? strcmp(v.name, name) != 0 : v.uid != uid))
		r = -EBADMSG;
	if (r < 0)
		return r;
	*pw = (struct passwd){
	        .pw_name = (char *)v.name,
	        .pw_passwd = (char *)v.passwd,
	        .pw_uid = v.uid,
	        .pw_gid = v.gid,
	        .pw_gecos = (char *)v.gecos,
	        .pw_dir = (char *)v.home,
	        .pw_shell = (char *)v.shell,
	};
	return 0;
}

int fedjit_nss_getgr(const char *name, uint32_t gid, struct group *gr, char *buf, size_t buflen)
{
	struct buf_place bp = {.buf = buf, .buflen = buflen, .group = true};
	struct fedjit_group_view v;
	int r = lookup_into(FEDJIT_LOOKUP_GROUP, name, gid, &bp);

	if (r >= 0)
		r = fedjit_record_view_group_block(
		        bp.hdr, bp.hdr_len, (TDB_DATA){(unsigned char *)buf + bp.off, bp.len},
		        false, &v);
	if (r >= 0 && ((name ? strcmp(v.name, name) != 0 : v.gid != gid) ||
	               v.n_members != bp.n_members || bp.ptrs != (v.format == 2)))
		r = -EBADMSG;
	char **mem = (char **)(void *)(buf + bp.off - ((size_t)bp.n_members + 1) * sizeof(char *));
	if (r >= 0 && !bp.ptrs)
		r = fedjit_record_group_members(&v, mem);
	if (r < 0)
		return r;
	mem[v.n_members] = NULL;
	*gr = (struct group){
	        .gr_name = (char *)v.name,
	        .gr_passwd = (char *)v.passwd,
	        .gr_gid = v.gid,
	        .gr_mem = mem,
	};
	return 0;
}

/* ---- into a scratch copy ---- */

static int scratch_place(const unsigned char *data, size_t len, void *p)
{
	struct fedjit_nss_scratch *s = p;
	long off;

	s->len = 0; /* a retry starts over */
	off = len ? fedjit_nss_scratch_append(s, data, len) : 0;
	return off < 0 ? (int)off : 0;
}

static int lookup_scratch(enum fedjit_lookup_kind kind, const char *name, uint32_t id,
                          struct fedjit_nss_scratch *s, TDB_DATA *ret)
{
	struct fedjit_lookup q = {
	        .kind = kind,
	        .name = name,
	        .id = id,
	        .place = scratch_place,
	        .userdata = s,
	};
	int r = fedjit_nss_db_read(fedjit_nss_db_path(), fedjit_lookup, &q);

	if (r < 0)
		return r;
	*ret = (TDB_DATA){(unsigned char *)s->p, s->len};
	return 0;
}

static int lookup_user_copy(const char *name, uint32_t uid, struct fedjit_nss_user_copy *ret)
{
	struct fedjit_user_view v;
	TDB_DATA d;

	fedjit_nss_scratch_init(&ret->scratch);
	int r = lookup_scratch(FEDJIT_LOOKUP_USER, name, uid, &ret->scratch, &d);
	if (r >= 0)
		r = fedjit_record_view_user(d, &v);
	if (r >= 0 && (name ? strcmp(v.name, name) != 0 : v.uid != uid))
		r = -EBADMSG;
	if (r < 0) {
		fedjit_nss_scratch_done(&ret->scratch);
		return r;
	}
	fedjit_nss_pw_from_view(&v, &ret->pw);
	return 0;
}

int fedjit_nss_lookup_user(const char *name, struct fedjit_nss_user_copy *ret)
{
	return lookup_user_copy(name, 0, ret);
}

static int lookup_group_copy(const char *name, uint32_t gid, struct fedjit_nss_group_copy *ret)
{
	struct fedjit_group_view v;
	TDB_DATA d;

	fedjit_nss_scratch_init(&ret->scratch);
	int r = lookup_scratch(FEDJIT_LOOKUP_GROUP, name, gid, &ret->scratch, &d);
	if (r >= 0)
		r = fedjit_record_view_group(d, &v);
	if (r >= 0 && (name ? strcmp(v.name, name) != 0 : v.gid != gid))
		r = -EBADMSG;
	if (r < 0) {
		fedjit_nss_scratch_done(&ret->scratch);
		return r;
	}
	fedjit_nss_gr_from_view(&v, &ret->gr);
	return 0;
}

int fedjit_nss_lookup_group(const char *name, struct fedjit_nss_group_copy *ret)
{
	return lookup_group_copy(name, 0, ret);
}

int fedjit_nss_lookup_gids(const char *name, struct fedjit_nss_scratch *s,
                           struct fedjit_gids_view *ret)
{
	TDB_DATA d;
	int r = lookup_scratch(FEDJIT_LOOKUP_GIDS, name, 0, s, &d);

	if (r < 0)
		return r;
	return fedjit_record_view_gids(d, ret);
}

int fedjit_nss_id_taken(bool group, uint32_t id)
{
	struct fedjit_nss_scratch s;
	TDB_DATA d;

	fedjit_nss_scratch_init(&s);
	/* the index record alone would do; the record it names proves it */
	int r = lookup_scratch(group ? FEDJIT_LOOKUP_GROUP : FEDJIT_LOOKUP_USER, NULL, id, &s, &d);
	fedjit_nss_scratch_done(&s);
	if (r == 0 || r == -EBADMSG)
		return 1; /* a dangling index still holds the id */
	return r == -ENOENT ? 0 : r;
}

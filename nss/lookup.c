/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Lookups: copy a user or group out of the store (db.c makes the copy
 * consistent), then decode the private copy with record.h's view decoders.
 * by-uid and by-gid lookups follow the index record to the name inside the
 * same snapshot.
 */
#include <errno.h>
#include <string.h>

#include "nss/nss_fedjit.h"

enum index_kind {
	BY_NAME,
	BY_ID,
};

struct read_req {
	bool group;
	enum index_kind by;
	const char *name;
	uint32_t id;
	struct fedjit_nss_scratch *s;
	size_t off, len; /* the record inside s */
};

static int read_record(struct tdb_context *tdb, void *userdata)
{
	struct read_req *q = userdata;
	char kbuf[FEDJIT_KEY_MAX];
	TDB_DATA key;
	const char *name = q->name;
	int r;

	q->s->len = 0; /* a retry starts over */
	if (q->by == BY_ID) {
		size_t off, len;
		r = q->group ? fedjit_key_gid(kbuf, q->id, &key)
		             : fedjit_key_uid(kbuf, q->id, &key);
		if (r < 0)
			return r;
		r = fedjit_nss_fetch(tdb, key, q->s, &off, &len);
		if (r < 0)
			return r;
		r = fedjit_record_view_name((TDB_DATA){(unsigned char *)q->s->p + off, len}, &name);
		if (r < 0)
			return r;
	}
	/* name may point into the scratch: the key builder copies it before
	 * the fetch below can move the scratch */
	r = q->group ? fedjit_key_group(kbuf, name, &key) : fedjit_key_user(kbuf, name, &key);
	if (r < 0)
		return r;
	return fedjit_nss_fetch(tdb, key, q->s, &q->off, &q->len);
}

static int lookup(bool group, enum index_kind by, const char *name, uint32_t id,
                  struct fedjit_nss_scratch *s, TDB_DATA *ret)
{
	struct read_req q = {.group = group, .by = by, .name = name, .id = id, .s = s};

	int r = fedjit_nss_db_read(fedjit_nss_db_path(), read_record, &q);
	if (r < 0)
		return r;
	*ret = (TDB_DATA){(unsigned char *)s->p + q.off, q.len};
	return 0;
}

/* By name, or by uid through the index; the copy must be the one asked for. */
static int lookup_user_copy(enum index_kind by, const char *name, uint32_t uid,
                            struct fedjit_nss_user_copy *ret)
{
	struct fedjit_user_view v;
	TDB_DATA d;

	fedjit_nss_scratch_init(&ret->scratch);
	int r = lookup(false, by, name, uid, &ret->scratch, &d);
	if (r >= 0)
		r = fedjit_record_view_user(d, &v);
	/* the record under user/NAME is someone else, or an index points at
	 * the wrong user */
	if (r >= 0 && (by == BY_NAME ? strcmp(v.name, name) != 0 : v.uid != uid))
		r = -EBADMSG;
	if (r < 0) {
		fedjit_nss_scratch_done(&ret->scratch);
		return r;
	}
	fedjit_nss_pw_from_view(&v, &ret->pw);
	return 0;
}

static int lookup_group_copy(enum index_kind by, const char *name, uint32_t gid,
                             struct fedjit_nss_group_copy *ret)
{
	struct fedjit_group_view v;
	TDB_DATA d;

	fedjit_nss_scratch_init(&ret->scratch);
	int r = lookup(true, by, name, gid, &ret->scratch, &d);
	if (r >= 0)
		r = fedjit_record_view_group(d, &v);
	if (r >= 0 && (by == BY_NAME ? strcmp(v.name, name) != 0 : v.gid != gid))
		r = -EBADMSG;
	if (r < 0) {
		fedjit_nss_scratch_done(&ret->scratch);
		return r;
	}
	fedjit_nss_gr_from_view(&v, &ret->gr);
	return 0;
}

int fedjit_nss_lookup_user(const char *name, struct fedjit_nss_user_copy *ret)
{
	return lookup_user_copy(BY_NAME, name, 0, ret);
}

int fedjit_nss_lookup_uid(uint32_t uid, struct fedjit_nss_user_copy *ret)
{
	return lookup_user_copy(BY_ID, NULL, uid, ret);
}

int fedjit_nss_lookup_group(const char *name, struct fedjit_nss_group_copy *ret)
{
	return lookup_group_copy(BY_NAME, name, 0, ret);
}

int fedjit_nss_lookup_gid(uint32_t gid, struct fedjit_nss_group_copy *ret)
{
	return lookup_group_copy(BY_ID, NULL, gid, ret);
}

struct gids_req {
	const char *name;
	struct fedjit_nss_scratch *s;
	size_t off, len;
};

static int read_gids(struct tdb_context *tdb, void *userdata)
{
	struct gids_req *q = userdata;
	char kbuf[FEDJIT_KEY_MAX];
	TDB_DATA key;

	q->s->len = 0;
	int r = fedjit_key_gids(kbuf, q->name, &key);
	if (r < 0)
		return r;
	return fedjit_nss_fetch(tdb, key, q->s, &q->off, &q->len);
}

int fedjit_nss_lookup_gids(const char *name, struct fedjit_nss_scratch *s,
                           struct fedjit_gids_view *ret)
{
	struct gids_req q = {.name = name, .s = s};

	int r = fedjit_nss_db_read(fedjit_nss_db_path(), read_gids, &q);
	if (r < 0)
		return r;
	return fedjit_record_view_gids((TDB_DATA){(unsigned char *)s->p + q.off, q.len}, ret);
}

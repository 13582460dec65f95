/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Lookups by name and through the id indexes, the one implementation the
 * store's read API (store_read.c) and the NSS module (nss/lookup.c) share
 * (snapshot.h). The index record is copied into a small private buffer, the
 * name in it decoded, and the record it names handed to the caller's place
 * callback, all inside one validated read: the two records are from one
 * committed state.
 */
#include <errno.h>
#include <string.h>

#include "common/store_private.h"

/* An index record: a format byte and a name (record_small.c); a little more
 * room than the longest one so that a longer record is told apart. */
struct index_copy {
	unsigned char buf[FEDJIT_RECORD_NAME_MAX + 8];
	size_t len;
};

static int index_place(const unsigned char *data, size_t len, void *p)
{
	struct index_copy *c = p;

	if (len > sizeof(c->buf))
		return -EBADMSG; /* no index record is that long */
	memcpy(c->buf, data, len);
	c->len = len;
	return 0;
}

int fedjit_lookup(struct fedjit_store *s, void *p)
{
	const struct fedjit_lookup *q = p;
	char kb[FEDJIT_KEY_MAX];
	const char *name = q->name;
	struct index_copy ix;
	TDB_DATA key;
	int r;

	if (!name && q->via) {
		r = fedjit_read_get(s, *q->via, index_place, &ix);
		if (r < 0)
			return r;
		r = fedjit_record_view_name((TDB_DATA){ix.buf, ix.len}, &name);
		if (r < 0)
			return r;
	} else if (!name) {
		if (q->id == 0 || q->id == UINT32_MAX || q->kind == FEDJIT_LOOKUP_GIDS)
			return -ENOENT;
		if (q->kind == FEDJIT_LOOKUP_GROUP)
			fedjit_key_gid(kb, q->id, &key);
		else
			fedjit_key_uid(kb, q->id, &key);
		r = fedjit_read_get(s, key, index_place, &ix);
		if (r < 0)
			return r;
		r = fedjit_record_view_name((TDB_DATA){ix.buf, ix.len}, &name);
		if (r < 0)
			return r;
	}
	switch (q->kind) {
	case FEDJIT_LOOKUP_USER:
		r = fedjit_key_user(kb, name, &key);
		break;
	case FEDJIT_LOOKUP_GROUP:
		r = fedjit_key_group(kb, name, &key);
		break;
	default:
		r = fedjit_key_gids(kb, name, &key);
		break;
	}
	if (r < 0)
		return q->name ? -ENOENT : -EBADMSG; /* a name no record can have */
	r = fedjit_read_get(s, key, q->place, q->userdata);
	if (r == -ENOENT && !q->name)
		r = -EBADMSG; /* an index that points nowhere */
	return r;
}

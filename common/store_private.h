/* SPDX-License-Identifier: Apache-2.0 */
/* Internals shared by the store's source files (store*.c, secret.c). Not an API. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <tdb.h>

#include "common/store.h"

struct fedjit_store {
	struct tdb_context *tdb;
	unsigned flags;    /* FEDJIT_STORE_* */
	int lock_depth;    /* read-lock nesting */
	bool batch;        /* inside fedjit_store_batch_begin/end */
	bool batch_failed; /* an operation of the batch failed: it will be cancelled */
	/* Optimistic reads (store_snap.c): private read-only mappings of the
	 * header page and of the bytes around the recovery record's magic. */
	const unsigned char *hdr;
	const unsigned char *rwin;
	off_t rwin_off;
	size_t rwin_len;
};

/* The secret store is a store with another file, mode and version. */
struct fedjit_secret_store {
	struct fedjit_store st;
};

/* Open a tdb with the checks of fedjit_store_open into s (mode: 0644/0600). */
int fedjit_store_open_internal(struct fedjit_store *s, const char *path, unsigned flags,
                               mode_t mode, uint32_t version, bool secret);
void fedjit_store_close_internal(struct fedjit_store *s);

/*
 * Read lock for a group of reads that must see one committed state: a shared
 * fcntl lock (read-only handles), tdb's all-record read lock (read-write
 * handles outside a transaction), nothing with NOLOCK or inside a
 * transaction. Nests.
 */
int fedjit_store_rlock(struct fedjit_store *s);
void fedjit_store_runlock(struct fedjit_store *s);

/* tdb_parse_record with a decoder: returns fn's value, -ENOENT or -EIO. */
int fedjit_store_parse_key(struct fedjit_store *s, TDB_DATA key,
                           int (*fn)(TDB_DATA data, void *userdata), void *userdata);
/* Whether key exists: 1, 0. */
int fedjit_store_exists(struct fedjit_store *s, TDB_DATA key);

/* Transactions: begin (-EROFS on read-only handles), store/delete (with the
 * failure injection), end (commit when r >= 0, else cancel; returns r or the
 * commit's error). */
int fedjit_store_tx_begin(struct fedjit_store *s);
int fedjit_store_tx_store(struct fedjit_store *s, TDB_DATA key, TDB_DATA data);
/* Missing key is not an error. */
int fedjit_store_tx_delete(struct fedjit_store *s, TDB_DATA key);
int fedjit_store_tx_end(struct fedjit_store *s, int r);

/* ---- consistent reads (store_snap.c) ---- */

int fedjit_store_snap_init(struct fedjit_store *s);
void fedjit_store_snap_done(struct fedjit_store *s);

enum {
	FEDJIT_READ_UNCHECKED = 0, /* NOLOCK handles, or inside our own transaction */
	FEDJIT_READ_OPTIMISTIC,    /* validated by fedjit_store_read_end */
	FEDJIT_READ_LOCKED,        /* under fedjit_store_rlock */
};
struct fedjit_read {
	int mode;
	uint32_t seq, rh;
};
/* Start a group of reads; optimistic only if allowed (first attempt). */
int fedjit_store_read_begin(struct fedjit_store *s, struct fedjit_read *rd, bool optimistic);
/* 0: what was read is one committed state; -EAGAIN: redo (not optimistically);
 * -EIO: a writer died mid-commit. Ends the lock of a locked read. */
int fedjit_store_read_end(struct fedjit_store *s, struct fedjit_read *rd);

/* A private copy of one record's bytes, taken during a read. */
struct fedjit_snap {
	TDB_DATA d;
	unsigned char inline_buf[512];
	unsigned char *heap;
};
/* Copy key's record into sn (replacing what it held): 0, -ENOENT, -EIO, -ENOMEM. */
int fedjit_store_snap_key(struct fedjit_store *s, TDB_DATA key, struct fedjit_snap *sn);
void fedjit_snap_free(struct fedjit_snap *sn);

/*
 * Copy key1's record, and, if second is set, the record whose key second()
 * builds from the first one (an index -> record hop; a missing second record
 * is -EBADMSG), as one consistent state. 0 or a negative errno; the snaps
 * hold the bytes (free them with fedjit_snap_free either way).
 */
int fedjit_store_lookup(struct fedjit_store *s, TDB_DATA key1,
                        int (*second)(TDB_DATA rec1, char *kb, TDB_DATA *ret_key2),
                        struct fedjit_snap *a, struct fedjit_snap *b);

/* ---- record helpers of the write API (store_rows.c), inside a transaction ---- */

/* Load a record (the record under name's key must be for name): 0, -ENOENT,
 * -EBADMSG, -EIO. *ret: fedjit_user_free / fedjit_group_free. */
int fedjit_row_load_user(struct fedjit_store *s, const char *name, struct fedjit_user **ret);
int fedjit_row_load_group(struct fedjit_store *s, const char *name, struct fedjit_group **ret);
/* The group with this gid via the gid index; -ENOENT when no group of this
 * store has it (a foreign group), -EBADMSG for a dangling index. */
int fedjit_row_load_group_by_gid(struct fedjit_store *s, uint32_t gid, struct fedjit_group **ret);
/* A missing list is an empty one; *ret_gids is always a heap pointer (free). */
int fedjit_row_load_gids(struct fedjit_store *s, const char *name, uint32_t **ret_gids,
                         size_t *ret_n);
int fedjit_row_put_user(struct fedjit_store *s, const struct fedjit_user *u);
int fedjit_row_put_group(struct fedjit_store *s, const struct fedjit_group *g);
int fedjit_row_put_name(struct fedjit_store *s, TDB_DATA key, const char *name);
int fedjit_row_put_gids(struct fedjit_store *s, const char *name, const uint32_t *gids, size_t n);
/* Delete an index/link record only if it points to name (or is corrupt). */
int fedjit_row_delete_if_points_to(struct fedjit_store *s, TDB_DATA key, const char *name);
int fedjit_row_exists_name_key(struct fedjit_store *s,
                               int (*builder)(char *, const char *, TDB_DATA *), const char *name);
int fedjit_row_exists_id_key(struct fedjit_store *s, int (*builder)(char *, uint32_t, TDB_DATA *),
                             uint32_t id);
/* Add user to / remove it from the members of this store's group gid (a
 * foreign gid is left alone). */
int fedjit_row_set_member(struct fedjit_store *s, uint32_t gid, const char *user, bool member);
/* Sorted, without duplicates and without the primary gid; *ret: free. */
int fedjit_row_normalize_gids(const uint32_t *gids, size_t n, uint32_t primary, uint32_t **ret,
                              size_t *ret_n);
bool fedjit_row_gid_in(const uint32_t *v, size_t n, uint32_t gid);
/* parse callback: decode a name record into a strdup'ed char ** */
int fedjit_row_decode_name_cb(TDB_DATA data, void *p);

/* Sort a string vector (strcmp order). */
void fedjit_strv_sort(char **v, size_t n);

/* A string vector being collected: v stays NULL-terminated (once anything was
 * pushed) and is freed with fedjit_strv_free. */
struct fedjit_strv {
	char **v;
	size_t n, cap;
};
/* Append a copy of the first len bytes of s: 0 or -ENOMEM. */
int fedjit_strv_push(struct fedjit_strv *sv, const char *s, size_t len);

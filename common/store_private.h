/* SPDX-License-Identifier: Apache-2.0 */
/* Internals shared by the store's source files (store*.c, secret.c). Not an API. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <tdb.h>

#include "common/snapshot.h"
#include "common/store.h"

/*
 * How the lock-free reader sees one tdb file (store_snap.c): its own
 * read-only descriptor and a read-only shared mapping of the whole file
 * (grown when the file grows), in which it walks tdb's hash chains itself.
 * map is NULL when the file could not be mapped or is not a layout the
 * walker knows (then reads go through tdb and the header through pread).
 */
struct fedjit_view {
	int fd;
	const unsigned char *map;
	size_t map_len;
	uint32_t hash_size;
};

struct fedjit_store {
	struct tdb_context *tdb;
	unsigned flags;    /* FEDJIT_STORE_* */
	uint32_t version;  /* the file's version key when it was opened */
	bool created;      /* this open created the file */
	bool batch;        /* inside fedjit_store_batch_begin/end */
	bool batch_failed; /* an operation of the batch failed: it will be cancelled */
	bool dirty;        /* the transaction wrote something (store_tx.c) */
	bool public_first; /* commit the store before its private store (deletions) */
	/* The root-only private store beside the store (record.c: what lives
	 * where), opened with it by processes that may read it, else NULL.
	 * Its lock_of is the store: one writers' lock covers both files. */
	struct fedjit_store *priv;
	struct fedjit_store *lock_of;
	/* The writers' lock (store_lock.c): a root-only file beside the store. */
	int lock_fd;
	int lock_depth;
	char *path;
	struct fedjit_view view; /* read-only handles */
};

/* The secret store is a store with another file, mode and version. */
struct fedjit_secret_store {
	struct fedjit_store st;
};

/* Open a tdb with the checks of fedjit_store_open into s (mode: 0644/0600);
 * lock_of: the handle whose writers' lock s uses (NULL: its own, PATH.lock). */
int fedjit_store_open_internal(struct fedjit_store *s, const char *path, unsigned flags,
                               mode_t mode, uint32_t version, bool secret,
                               struct fedjit_store *lock_of);
void fedjit_store_close_internal(struct fedjit_store *s);

/*
 * The writers' lock (store_lock.c). A read-write handle holds it for every
 * transaction and for reads outside one; read-only handles of root take it to
 * recover an interrupted commit and for whole-store walks. Nests.
 * -ETIMEDOUT after FEDJIT_STORE_WRITE_LOCK_TIMEOUT_MS; -EACCES/-EPERM when
 * this process cannot open the lock file (not root).
 */
int fedjit_store_wlock(struct fedjit_store *s);
void fedjit_store_wunlock(struct fedjit_store *s);
/* Open (creating it 0600 when create) the lock file of the store at path. */
int fedjit_store_lock_open(const char *path, bool create, int *ret_fd);
/* The commit in flight marker readers test for (store_snap.c): set on any
 * descriptor of the file around the part of a commit or a recovery that arms
 * tdb's recovery record. */
void fedjit_live_lock(int fd, bool on);

/* tdb_parse_record with a decoder: returns fn's value, -ENOENT or -EIO. */
int fedjit_store_parse_key(struct fedjit_store *s, TDB_DATA key,
                           int (*fn)(TDB_DATA data, void *userdata), void *userdata);
/* Whether key exists: 1, 0. */
int fedjit_store_exists(struct fedjit_store *s, TDB_DATA key);

/* Transactions: begin (-EROFS on read-only handles), store/delete (with the
 * failure injection), end (commit when r >= 0, else cancel; returns r or the
 * commit's error). */
int fedjit_store_tx_begin(struct fedjit_store *s);
/* Join the private store to s's transaction (at its first write there):
 * 0, -EACCES when s has no private store, or the errors of tx_begin. */
int fedjit_store_priv_tx(struct fedjit_store *s);
int fedjit_store_tx_store(struct fedjit_store *s, TDB_DATA key, TDB_DATA data);
/* Missing key is not an error. */
int fedjit_store_tx_delete(struct fedjit_store *s, TDB_DATA key);
int fedjit_store_tx_end(struct fedjit_store *s, int r);

/* ---- the reader's view of a file (store_snap.c; reads: snapshot.h) ---- */

/* Map fd (owned by v from here on: closed by fedjit_view_done). */
void fedjit_view_init(struct fedjit_view *v, int fd);
void fedjit_view_done(struct fedjit_view *v);
/* Whether fd's file holds an armed (interrupted or in flight) commit. */
bool fedjit_view_fd_armed(int fd);
/* For a file with an armed commit: -EAGAIN while its writer is alive,
 * -EIO when it died (then only a read-write open recovers the file). */
int fedjit_view_judge_fd(int fd);

/* A private copy of one record's bytes (a place callback's target). */
struct fedjit_snap {
	TDB_DATA d;
	unsigned char inline_buf[512];
	unsigned char *heap;
};
int fedjit_snap_place(const unsigned char *data, size_t len, void *snap);
void fedjit_snap_free(struct fedjit_snap *sn);
/* key's record into sn, validated (retried): 0, -ENOENT, ... */
int fedjit_store_copy_key(struct fedjit_store *s, TDB_DATA key, struct fedjit_snap *sn);
/* The secret store's record of name under the key keyfn builds, copied into a (free it
 * either way; -ENOENT for a name no record can have); fedjit_snap_scrub_free frees a
 * copy that held a secret, zeroing it first. */
int fedjit_secret_snap(struct fedjit_secret_store *ss,
                       int (*keyfn)(char *buf, const char *name, TDB_DATA *ret), const char *name,
                       struct fedjit_snap *a);
void fedjit_snap_scrub_free(struct fedjit_snap *a);

/*
 * Every record (kind 0) or every record of one key kind, in tdb order:
 * read-write handles under the writers' lock (or in their transaction);
 * read-only handles chain by chain, each chain one validated copy, under the
 * writers' lock when this process can take it (store_read.c). fn(key, data,
 * userdata): 0 go on, > 0 stop, < 0 abort; returns 0 or fn's value or a
 * negative errno.
 */
int fedjit_store_walk(struct fedjit_store *s, enum fedjit_key_kind kind, fedjit_chain_fn fn,
                      void *userdata);
/* The personal data of the user v from the private account record, in one
 * validated read (a read-only handle) or under the lock: into sn (free it
 * either way), v's fields set when the record is there and is v's (uid).
 * 0 (also when there is none: v's fields stay "") or -errno. */
int fedjit_store_personal(struct fedjit_store *s, struct fedjit_user_view *v,
                          struct fedjit_snap *sn);

/* The upgrade to the split of the personal data (store_upgrade.c): whether s
 * (opened with its private store) needs it, and doing it, in batches, under
 * the writers' lock: 1 when it replaced the store's file (s must be opened
 * again), 0 when there was nothing to do, or -errno. */
bool fedjit_store_needs_upgrade(struct fedjit_store *s);
int fedjit_store_upgrade(struct fedjit_store *s);

/* The move of the account state records from the secret store
 * (store_state_move.c): whether s needs it (a legacy secret store was named
 * and s's private store has no marker), and doing it under the writers' lock:
 * 0 or -errno. */
bool fedjit_store_needs_state_move(struct fedjit_store *s);
int fedjit_store_move_state(struct fedjit_store *s);
/* Before the move: key's record of the secret store, copied into a (read-only,
 * no lock). -ENOENT when there is none or no secret store. */
int fedjit_store_legacy_state(TDB_DATA key, struct fedjit_snap *a);
/* Delete name's state and refresh token records (private store), inside a
 * transaction of s. */
int fedjit_row_delete_state(struct fedjit_store *s, const char *name);

/* fedjit_store_foreach_user without the personal data (no private read per user). */
int fedjit_store_foreach_user_public(struct fedjit_store *s, fedjit_user_view_fn fn,
                                     void *userdata);

/* ---- record helpers of the write API (store_rows.c), inside a transaction ---- */

/* Load a record (the record under name's key must be for name): 0, -ENOENT,
 * -EBADMSG, -EIO. *ret: fedjit_user_free / fedjit_group_free. A user comes
 * with its personal data from the private account record (or a format 1
 * record); without one (an account record missing, or one of another uid),
 * those fields are "" and *ret_personal (may be NULL) false. */
int fedjit_row_load_user(struct fedjit_store *s, const char *name, struct fedjit_user **ret);
int fedjit_row_load_user_ex(struct fedjit_store *s, const char *name, struct fedjit_user **ret,
                            bool *ret_personal);
int fedjit_row_load_group(struct fedjit_store *s, const char *name, struct fedjit_group **ret);
/* The group with this gid via the gid index; -ENOENT when no group of this
 * store has it (a foreign group), -EBADMSG for a dangling index. */
int fedjit_row_load_group_by_gid(struct fedjit_store *s, uint32_t gid, struct fedjit_group **ret);
/* A missing list is an empty one; *ret_gids is always a heap pointer (free). */
int fedjit_row_load_gids(struct fedjit_store *s, const char *name, uint32_t **ret_gids,
                         size_t *ret_n);
/* The user record (store) and its account record (private store). */
int fedjit_row_put_user(struct fedjit_store *s, const struct fedjit_user *u);
/* personal false: the user record only (an account without its account
 * record keeps its personal data empty, e.g. when it is locked). */
int fedjit_row_put_user_ex(struct fedjit_store *s, const struct fedjit_user *u, bool personal);
/* The account's (issuer, subject) -> name link (private store). */
int fedjit_row_put_link(struct fedjit_store *s, const char *issuer, const char *subject,
                        const char *name);
/* The name a link names when the link is live: its account record and user
 * exist and agree with it (uid, issuer, subject). 1 and *ret_name (free), 0
 * (no link, or a stale one: crash leftovers, see store_tx.c), or -errno. */
int fedjit_row_link_owner(struct fedjit_store *s, const char *issuer, const char *subject,
                          char **ret_name);
/* Delete name's account record and its link when the link names it. */
int fedjit_row_delete_personal(struct fedjit_store *s, const char *name, const char *issuer,
                               const char *subject);
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

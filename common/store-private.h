/* SPDX-License-Identifier: Apache-2.0 */
/* Internals shared by the store's source files (store*.c, secret.c). Not an API. */
#pragma once

#include <stdbool.h>
#include <tdb.h>

#include "store.h"

struct fedjit_store {
	struct tdb_context *tdb;
	unsigned flags;    /* FEDJIT_STORE_* */
	int lock_depth;    /* read-lock nesting */
	bool batch;        /* inside fedjit_store_batch_begin/end */
	bool batch_failed; /* an operation of the batch failed: it will be cancelled */
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

/* Sort a string vector (strcmp order). */
void fedjit_strv_sort(char **v, size_t n);

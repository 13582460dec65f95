/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one reader of the store (common/store_snap.c, common/store_lookup.c):
 * consistent reads without any lock, used by the store's read API (the admin
 * tool, the helper) and by the NSS module. Not a public API: the store and
 * nss/ include it.
 *
 * A read is a group of record fetches that must come from one committed
 * state: fedjit_read_begin, fedjit_read_get / fedjit_read_chain (as many as
 * needed), fedjit_read_end. Fetches hand the record's bytes to a place
 * callback that copies them wherever the caller wants them (a private buffer,
 * or glibc's buffer directly); nothing may be trusted before end returned 0.
 * fedjit_read_once wraps one such attempt; a caller retries -EAGAIN after
 * fedjit_retry_wait, which bounds the total wait.
 *
 * Results: 0 or what the callbacks returned, -ENOENT (no such record, in a
 * validated state), -EAGAIN (the read raced a commit, or a commit is being
 * written: retry), -EIO (a writer died mid-commit and nobody has recovered
 * the file yet; see store_snap.c), -EBADMSG, -ENOMEM, -ERANGE (from place).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h> /* tdb.h uses mode_t without including it */
#include <tdb.h>

#include "common/record.h"

struct fedjit_store;

/* How long one read waits in total for commits to end (then -EAGAIN). */
#define FEDJIT_READ_BUDGET_MS 5000

/* Copy len bytes of a record (they may change under the caller until the read
 * is validated; copy, never keep the pointer): 0 or a negative errno. */
typedef int (*fedjit_place_fn)(const unsigned char *data, size_t len, void *userdata);

struct fedjit_read {
	uint32_t seq, rh;
	uint8_t mode;
};

int fedjit_read_begin(struct fedjit_store *s, struct fedjit_read *rd);
/* 0: everything fetched since begin is one committed state; -EAGAIN: redo. */
int fedjit_read_end(struct fedjit_store *s, struct fedjit_read *rd);
/* Fetch key into place: place's result, -ENOENT, -EAGAIN (a torn chain). */
int fedjit_read_get(struct fedjit_store *s, TDB_DATA key, fedjit_place_fn place, void *userdata);

/* Records of one hash chain, in chain order: fn(key, data, userdata) returns 0
 * to go on, > 0 to stop (returned), < 0 to abort (returned). key and data
 * point into the shared mapping: copy what you keep. */
typedef int (*fedjit_chain_fn)(TDB_DATA key, TDB_DATA data, void *userdata);
int fedjit_read_chain(struct fedjit_store *s, uint32_t chain, fedjit_chain_fn fn, void *userdata);
/* Number of hash chains; whether chain is empty (a memory read). */
uint32_t fedjit_read_chains(struct fedjit_store *s);
bool fedjit_read_chain_empty(struct fedjit_store *s, uint32_t chain);
/* The first chain from chain on that is not known to be empty (or the number
 * of chains): a loop over the chain heads, for walks of a sparse store. */
uint32_t fedjit_read_next_chain(struct fedjit_store *s, uint32_t chain);

/* One validated attempt: begin, fn, end. fn's result, or -EAGAIN. */
int fedjit_read_once(struct fedjit_store *s, int (*fn)(struct fedjit_store *s, void *userdata),
                     void *userdata);

/* Pacing of retries: the first retry is immediate (a commit usually just
 * ended), then sleeps of 20 us doubling to 10 ms; -EAGAIN once budget_ms
 * have passed since the first call. Start with {0}. */
struct fedjit_retry {
	uint64_t start_ns;
	unsigned attempt;
};
int fedjit_retry_wait(struct fedjit_retry *rt, unsigned budget_ms);

/* fedjit_read_once until it stands (fedjit_retry_wait between attempts). */
int fedjit_read(struct fedjit_store *s, int (*fn)(struct fedjit_store *s, void *userdata),
                void *userdata);

/* ---- lookups: the index hop, written once (store_lookup.c) ---- */

enum fedjit_lookup_kind {
	FEDJIT_LOOKUP_USER,  /* user/NAME, or uid/ID -> user/NAME */
	FEDJIT_LOOKUP_GROUP, /* group/NAME, or gid/ID -> group/NAME */
	FEDJIT_LOOKUP_GIDS,  /* gids/NAME */
};

struct fedjit_lookup {
	enum fedjit_lookup_kind kind;
	const char *name; /* by name; NULL: by id */
	uint32_t id;
	const TDB_DATA *via;   /* with name NULL: hop through this index key instead of the id's */
	fedjit_place_fn place; /* gets the record asked for */
	void *userdata;
};

/* The record, by name or through the id's (or q->via's) index record, handed
 * to q->place: a read body for fedjit_read_once / fedjit_read (q is a struct
 * fedjit_lookup). -ENOENT: no such name or id (a name no record can have
 * included); -EBADMSG: an index that points nowhere. */
int fedjit_lookup(struct fedjit_store *s, void *q);

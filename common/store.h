/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fedjit store: the account database (tdb, FEDJIT_DB_FILE, mode 0644: what NSS
 * serves, nothing secret, no personal data), its private store beside it
 * (PATH with ".tdb" turned into ".private.tdb", mode 0600: every account's
 * issuer, subject, email, domain, IdP, creation and last login, and the
 * (issuer, subject) -> account links), and the root-only secret store
 * (FEDJIT_SECRET_DB_FILE, mode 0600). One handle covers the store and its
 * private store: a process that can read the private store (root) gets whole
 * accounts through this API, others the personal fields empty. Record
 * formats and keys: record.h; what lives where: record.c.
 *
 * Every write goes through the functions below, each one tdb transaction:
 * all of its records commit together or none do (ARCHITECTURE.md invariant 2).
 * An operation that writes both files prepares both, then commits them in
 * an order after which a crash can only leave private records without a user
 * (store_tx.c): those are ignored by every lookup and deleted by the next
 * creation that meets them or by fedjit_store_repair.
 *
 * Errors: functions return 0 (or a documented non-negative value) or a
 * negative errno:
 *   -ENOENT           no such file (read-only open), no such user/group/link
 *   -EBADMSG          a corrupt record (or a store without a valid version key)
 *   -EPROTONOSUPPORT  the store was written by a newer fedjit (version key
 *                     greater than FEDJIT_STORE_VERSION); it is never modified
 *   -EBUSY            the file is already open in this process (tdb allows one
 *                     open per file per process: never keep a handle across a
 *                     call that can reach NSS, e.g. getpwnam)
 *   -ELOOP            the path is a symbolic link; -ENOTTY not a regular file
 *   -ETIMEDOUT        a write transaction could not start within
 *                     FEDJIT_STORE_WRITE_LOCK_TIMEOUT_MS (another writer holds the
 *                     writers' lock; its pid is logged)
 *   -EIO              tdb failed; or, on a read-only handle that may not recover
 *                     it, a store whose writer died mid-commit (the next root
 *                     opener rolls it back), or commits kept the read from
 *                     standing for FEDJIT_READ_BUDGET_MS
 *   -ENOSPC           a write failed and the file system has less room left than
 *                     the file would grow by (disk full); nothing was written
 *   -EROFS            a write on a read-only handle
 *   and the conflict codes FEDJIT_STORE_E* below for refused duplicates.
 * fedjit_store_strerror() turns any of them into a message.
 *
 * Ownership: pointers passed in are only read during the call. Everything a
 * function returns through a ret_ pointer belongs to the caller and is freed
 * with the function named beside it. View callbacks get pointers into a
 * private copy of the record that is valid only during the callback.
 *
 * Concurrency (one writer at a time, any number of readers, across processes;
 * nothing a reader does can delay a writer):
 *  - Writers (read-write handles) serialise on the writers' lock, a root-only
 *    lock file beside the store (PATH.lock; store_lock.c); tdb itself runs
 *    with TDB_NOLOCK and takes no fcntl lock on the world-readable file, so
 *    no lock a reader can take (any byte, shared or exclusive where it can
 *    get one) is ever waited for. A transaction sees its own writes; others
 *    see them only after the commit. Commits use tdb's fsync semantics
 *    (recovery area written and synced before the data, synced again
 *    after), with every blockable signal held back (store.c). A commit that
 *    did not finish (kill -9, power loss) is rolled back by the next root
 *    opener of either kind: a read-write open always, a read-only open of a
 *    process that can take the writers' lock (the helper, the admin tool;
 *    not the NSS module). FEDJIT_STORE_NOSYNC turns fsync off: tests and
 *    benchmarks only (tdb 1.4.8 still arms its recovery record then, so
 *    readers still see its commits as such, but a power loss can leave a
 *    file tdb cannot repair).
 *  - Read-only handles (FEDJIT_STORE_RDONLY) never lock: a read copies the
 *    records it needs out of the reader's own mapping and validates the
 *    copy afterwards, seqlock style, retrying a read that raced a commit for
 *    at most FEDJIT_READ_BUDGET_MS (then -EIO); an index hop (uid -> name ->
 *    user) reads both records from one state (store_snap.c,
 *    store_lookup.c, one implementation shared with the NSS module). If a
 *    writer died mid-commit, its half-written data is never served: reads
 *    fail with -EIO at once until a root opener rolls the commit back. A
 *    warm lookup makes no syscall. Whole-store walks (iteration, the
 *    checker) go chain by chain; a process that can take the writers' lock
 *    holds it for the walk.
 *  - FEDJIT_STORE_RDONLY | FEDJIT_STORE_NOLOCK: no validation. A lookup that
 *    races a commit may see a mix of old and new bytes: the decoders stay in
 *    bounds (-EBADMSG, or a record that never existed as such), so it is
 *    safe but not consistent. For benchmarks.
 *  - A handle may be used from one thread at a time (tdb contexts are not
 *    thread-safe); after fork() a read-only handle keeps working in the child.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h> /* tdb.h uses mode_t without including it */
#include <tdb.h>

#include "common/commit_grace.h"
#include "common/record.h"

/* Store format version written into the "version" key: 2 since the personal
 * data moved to the private store. A store of version 1 is upgraded by the
 * next root opener (store_upgrade.c). */
#define FEDJIT_STORE_VERSION         2
#define FEDJIT_PRIVATE_STORE_VERSION 1
#define FEDJIT_SECRET_STORE_VERSION  1
/* How long a write transaction waits for another writer's (then -ETIMEDOUT). */
#define FEDJIT_STORE_WRITE_LOCK_TIMEOUT_MS 30000
/*
 * tdb hash chains of a new store (fixed for the life of the file). A user
 * costs about six records; 1,000,003 chains (4 MB of chain heads) keep
 * chains short, so lookups stay flat up to a million users.
 */
#define FEDJIT_STORE_HASH_SIZE        1000003
#define FEDJIT_SECRET_STORE_HASH_SIZE 100003

/* Refused duplicates (returned negated). */
#define FEDJIT_STORE_ENAME  EEXIST        /* user name already exists */
#define FEDJIT_STORE_EUID   EADDRINUSE    /* uid already used by a stored user */
#define FEDJIT_STORE_EGID   EADDRNOTAVAIL /* gid already used by a stored group */
#define FEDJIT_STORE_ELINK  ENOTUNIQ      /* (issuer, subject) already owns an account */
#define FEDJIT_STORE_EGROUP EISNAM        /* group name already exists (with another gid) */
/* An update tried to change uid, gid, issuer, subject, domain or created. */
#define FEDJIT_STORE_EIMMUTABLE ENOTSUP

enum fedjit_store_open_flags {
	FEDJIT_STORE_RDONLY = 1 << 0,    /* missing file: -ENOENT */
	FEDJIT_STORE_CREATE = 1 << 1,    /* read-write; create the file (0644 / 0600 for
	                                 the secret store) and its parent dir (0755) */
	FEDJIT_STORE_NOLOCK = 1 << 2,    /* with RDONLY: no validation (see above) */
	FEDJIT_STORE_NOSYNC = 1 << 3,    /* no fsync on commit: tests/benchmarks only */
	FEDJIT_STORE_POINT = 1 << 4,     /* read-write, for a few lookups and small
	                                 transactions (a login's provisioning): tdb
	                                 reads and writes with pread/pwrite instead of
	                                 a mapping (see open_tdb in store.c); a walk
	                                 of the whole store is slow on such a handle */
	FEDJIT_STORE_NORECOVER = 1 << 5, /* with RDONLY: never roll back an interrupted
	                                    commit (the NSS module never writes), and
	                                    -EAGAIN instead of waiting for one being
	                                    written (the caller retries) */
};

struct fedjit_store;

/*
 * Open the store at path (NULL: FEDJIT_DB_FILE) with its private store. Without
 * RDONLY the handle is read-write (and the file must exist unless CREATE; the
 * private store is created when missing). A read-only handle goes without the
 * private store when this process cannot read it (or it does not exist
 * yet); NORECOVER and NOLOCK handles (the NSS module, benchmarks) never open
 * it. A store of an older version is upgraded by a read-write open, and by a
 * read-only one of a process that may write it, before the open returns. The path must not be a
 * symlink (O_NOFOLLOW, and the opened file is fstat-checked to be the regular
 * file that was lstat'ed). A newly created store gets its version key before
 * it becomes visible under path (it is built under a temporary name and
 * hard-linked into place), so no reader ever sees a store without one.
 * On success *ret belongs to the caller: fedjit_store_close().
 */
int fedjit_store_open(const char *path, unsigned flags, struct fedjit_store **ret);
void fedjit_store_close(struct fedjit_store *s);
/* Where the private store of the store at path is: 0 or -ENAMETOOLONG. */
int fedjit_store_private_path(const char *path, char *buf, size_t size);
/* Whether s has its private store open (else the personal fields are empty). */
bool fedjit_store_has_private(struct fedjit_store *s);
/*
 * Where the secret store of this process's configuration is (NULL: none), and
 * the store it belongs to (db_path, as the process opens it), for the
 * one-time move of the account state records out of it into that store's
 * private store (common/store_state_move.c), which the next read-write root
 * opener does. Both strings must outlive every later open.
 */
void fedjit_store_set_legacy_secret(const char *db_path, const char *secret_path);
struct fedjit_secret_store;
/* After the move: delete what is left of those records in the secret store ss
 * (a crash between the move's two commits). The number deleted, or -errno. */
int fedjit_store_drop_moved_state(struct fedjit_store *s, struct fedjit_secret_store *ss);
/* The underlying tdb, owned by s (for tests and the benchmark floor); the
 * private store's (NULL without it), for tests. */
struct tdb_context *fedjit_store_tdb(struct fedjit_store *s);
struct tdb_context *fedjit_store_private_tdb(struct fedjit_store *s);
/* tdb's sequence number (bumped by every commit); a memory read, no syscall. */
int fedjit_store_seqnum(struct fedjit_store *s);

/* A static message for a negative errno returned by this API. */
const char *fedjit_store_strerror(int err);

/* ---- reads (any handle) ---- */

/* Zero-copy: call fn with a view valid only during the call. Returns fn's
 * return value (which should be >= 0 or a negative errno), -ENOENT, -EBADMSG. */
typedef int (*fedjit_user_view_fn)(const struct fedjit_user_view *v, void *userdata);
typedef int (*fedjit_group_view_fn)(const struct fedjit_group_view *v, void *userdata);
typedef int (*fedjit_gids_view_fn)(const struct fedjit_gids_view *v, void *userdata);

int fedjit_store_parse_user(struct fedjit_store *s, const char *name, fedjit_user_view_fn fn,
                            void *userdata);
/* uid -> name -> user, both from one committed state. */
int fedjit_store_parse_user_by_uid(struct fedjit_store *s, uint32_t uid, fedjit_user_view_fn fn,
                                   void *userdata);
int fedjit_store_parse_group(struct fedjit_store *s, const char *name, fedjit_group_view_fn fn,
                             void *userdata);
int fedjit_store_parse_group_by_gid(struct fedjit_store *s, uint32_t gid, fedjit_group_view_fn fn,
                                    void *userdata);
/* A user with no supplementary groups has an empty list (n == 0), not -ENOENT;
 * -ENOENT means no such user. */
int fedjit_store_parse_gids(struct fedjit_store *s, const char *name, fedjit_gids_view_fn fn,
                            void *userdata);

/* Copies: *ret freed with fedjit_user_free / fedjit_group_free / free. */
int fedjit_store_get_user(struct fedjit_store *s, const char *name, struct fedjit_user **ret);
int fedjit_store_get_user_by_uid(struct fedjit_store *s, uint32_t uid, struct fedjit_user **ret);
/* The account (issuer, subject) owns: its link, account record and user must
 * agree (a stale link, from a crash or of a deleted account, is -ENOENT);
 * -EACCES without the private store. */
int fedjit_store_get_user_by_link(struct fedjit_store *s, const char *issuer, const char *subject,
                                  struct fedjit_user **ret);
int fedjit_store_get_group(struct fedjit_store *s, const char *name, struct fedjit_group **ret);
int fedjit_store_get_group_by_gid(struct fedjit_store *s, uint32_t gid, struct fedjit_group **ret);
int fedjit_store_get_gids(struct fedjit_store *s, const char *name, uint32_t **ret_gids,
                          size_t *ret_n);

/*
 * Iteration over every user / group record, in tdb order (not sorted): a
 * read-write handle, or a read-only one of a process that can take the
 * writers' lock, holds it for the whole walk (writers wait: keep fn short);
 * other read-only handles walk chain by chain (see Concurrency).
 * fn returns 0 to continue, > 0 to stop (returned), < 0 to abort (returned).
 * Returns the number of records visited when fn never stopped.
 */
int fedjit_store_foreach_user(struct fedjit_store *s, fedjit_user_view_fn fn, void *userdata);
int fedjit_store_foreach_group(struct fedjit_store *s, fedjit_group_view_fn fn, void *userdata);
/* Every (issuer, subject) -> account link record of the private store (and
 * of the store itself, in a store not yet upgraded), likewise (issuer and
 * subject are NUL-terminated copies, name points into the record). */
typedef int (*fedjit_link_fn)(const char *issuer, const char *subject, const char *name,
                              void *userdata);
int fedjit_store_foreach_link(struct fedjit_store *s, fedjit_link_fn fn, void *userdata);
/* Sorted (strcmp) name lists; *ret is a NULL-terminated array, free with fedjit_strv_free. */
int fedjit_store_list_users(struct fedjit_store *s, char ***ret, size_t *ret_n);
int fedjit_store_list_groups(struct fedjit_store *s, char ***ret, size_t *ret_n);
void fedjit_strv_free(char **v);

/* ---- writes (read-write handle; each one transaction) ---- */

/*
 * Create an account: user record, uid index, private account record,
 * (issuer, subject) link, its primary group and its supplementary groups, all
 * or nothing (the private store's records are committed first). A link or
 * account record left by a crash (one without its user) is replaced.
 *   primary_group == NULL: a user private group named like the user with
 *     gid = user->gid is created (the gid and the group name must be free).
 *   primary_group != NULL: the domain's shared primary group; created with
 *     gid user->gid if missing (origin SHARED_PRIMARY), else its gid must be
 *     user->gid (-EINVAL otherwise).
 *   primary_group == FEDJIT_STORE_PRIMARY_FOREIGN: user->gid is a group of
 *     another NSS source (an account linked with associate_existing keeps its
 *     /etc/group primary group): no group record is written, so the group is
 *     not served twice.
 *   gids: supplementary gids (order and duplicates do not matter; the
 *     primary gid is dropped). A gid that is a group in this store gets the
 *     user added to its members (also a FEDJIT_GROUP_FOREIGN record of
 *     another source's group); any other gid (e.g. sudo from /etc/group
 *     without such a record) is only recorded for initgroups.
 * Refusals, checked in this order: -FEDJIT_STORE_ENAME, -FEDJIT_STORE_EUID,
 * -FEDJIT_STORE_ELINK, then -FEDJIT_STORE_EGROUP / -FEDJIT_STORE_EGID for the
 * private group; -EINVAL for a record the format cannot hold (see record.h).
 */
int fedjit_store_create_account(struct fedjit_store *s, const struct fedjit_user *user,
                                const char *primary_group, const uint32_t *gids, size_t n_gids);
#define FEDJIT_STORE_PRIMARY_FOREIGN "" /* see fedjit_store_create_account */

#define FEDJIT_UPDATE_ATTRS  (1u << 0) /* gecos, home, shell, email, idp, flags, last_login */
#define FEDJIT_UPDATE_GROUPS (1u << 1) /* replace the supplementary gids with gids */
/*
 * Update an existing account (user->name). With FEDJIT_UPDATE_ATTRS the
 * mutable attributes are replaced; uid, gid, issuer, subject, domain and
 * created must equal the stored ones (-FEDJIT_STORE_EIMMUTABLE). With
 * FEDJIT_UPDATE_GROUPS the supplementary list is replaced and the members of
 * this store's groups follow (user added to / removed from them).
 */
int fedjit_store_update_account(struct fedjit_store *s, const struct fedjit_user *user,
                                const uint32_t *gids, size_t n_gids, unsigned what);
int fedjit_store_set_last_login(struct fedjit_store *s, const char *name, int64_t when);
/* Set then clear FEDJIT_USER_* bits (e.g. FEDJIT_USER_PENDING). */
int fedjit_store_set_flags(struct fedjit_store *s, const char *name, uint32_t set, uint32_t clear);
int fedjit_store_set_locked(struct fedjit_store *s, const char *name, bool locked);
/* Lock by federated identity; *ret_name (may be NULL) gets the account name, free(). */
int fedjit_store_set_locked_by_link(struct fedjit_store *s, const char *issuer, const char *subject,
                                    bool locked, char **ret_name);
/*
 * Delete an account: user, uid index, supplementary list, its membership in
 * this store's groups, and its private group (a shared primary group stays),
 * then its account record and link (the store is committed first). The
 * secret store is separate: call fedjit_secret_delete_user.
 */
int fedjit_store_delete_account(struct fedjit_store *s, const char *name);
/*
 * Delete every account whose idp is idp_name, in one transaction. On success
 * *ret_names (may be NULL) gets the sorted NULL-terminated list of deleted
 * names (fedjit_strv_free) and the count is returned.
 */
int fedjit_store_purge_idp(struct fedjit_store *s, const char *idp_name, char ***ret_names);
/*
 * Make sure a group exists: if name exists, 0 and *ret_gid = its gid (gid is
 * ignored: an existing group never changes gid); else create it with gid
 * (-FEDJIT_STORE_EGID if taken) and origin, return 1. ret_gid may be NULL.
 */
int fedjit_store_ensure_group(struct fedjit_store *s, const char *name, uint32_t gid,
                              const char *domain, enum fedjit_group_origin origin,
                              uint32_t *ret_gid);
/*
 * Create a group with its members as given (a restore of a checked dump: the
 * members are accounts created in the same batch whose supplementary gids
 * list it, so that creating them finds them members already and rewrites
 * nothing). -FEDJIT_STORE_EGROUP / -FEDJIT_STORE_EGID when the name or the gid
 * is taken.
 */
int fedjit_store_create_group(struct fedjit_store *s, const struct fedjit_group *g);
/* Delete a group; -EBUSY while it is some user's primary group. Members'
 * supplementary lists lose the gid. */
int fedjit_store_delete_group(struct fedjit_store *s, const char *name);

/*
 * Batch: every write between fedjit_store_batch_begin and fedjit_store_batch_end
 * joins one transaction (a restore of a whole dump). Reads on s inside the
 * batch see its writes. When any operation in the batch fails, the batch is
 * cancelled at its end whatever r says (the failed operation may have written
 * part of its records) and fedjit_store_batch_end returns -ECANCELED, or r
 * when r < 0. batch_end commits when r >= 0 and nothing failed. Operations
 * after a failure return -ECANCELED at once. -EBUSY: a batch is already open.
 */
int fedjit_store_batch_begin(struct fedjit_store *s);
int fedjit_store_batch_end(struct fedjit_store *s, int r);

/*
 * Replace: build a new state of the store beside it and put it in place, all
 * or nothing, with memory that does not grow with the number of accounts (a
 * restore of a whole dump). replace_begin takes the writers' lock of s (a
 * read-write handle) and keeps it until replace_end; it copies the store and
 * its private store to temporary files beside them and opens the copy as
 * *ret_tmp (a point handle without fsync: it is not live, and its memory
 * does not grow with the file). Write into *ret_tmp with the
 * write API, committing in batches as often as wanted. replace_end with
 * r >= 0 closes the copy, syncs it and renames it over the store (the
 * private store first: a crash between the two renames leaves only private
 * records without a user, see above); with r < 0, or when anything fails,
 * the copy is removed and the store is as it was. Either way *tmp is closed
 * and s may only be closed afterwards. Processes holding the old files
 * notice: NSS by the changed inode, writers when they next begin a
 * transaction (-ESTALE).
 */
int fedjit_store_replace_begin(struct fedjit_store *s, struct fedjit_store **ret_tmp);
int fedjit_store_replace_end(struct fedjit_store *s, struct fedjit_store *tmp, int r);

/*
 * Test-only failure injection (compiled always, never set by production
 * code): when non-zero, it is decremented before every tdb write a store
 * transaction makes, and the write that brings it to zero fails with -EIO
 * instead of happening, so the transaction is cancelled halfway. Not
 * thread-safe.
 */
extern unsigned fedjit_store_debug_fail_after;
/*
 * Test-only: when set, called in a validated read of a read-only handle
 * after the records were copied and before the copy is validated, so tests
 * can commit (or crash) a writer exactly there.
 */
extern void (*fedjit_store_debug_read_hook)(void);
/*
 * Test-only: when set, called in every open after the file at path was
 * checked and before it is opened, so tests can rename another store over it
 * there (what a restore does).
 */
extern void (*fedjit_store_debug_open_hook)(const char *path);
/*
 * Test-only: when set, called in every commit with tdb's recovery record
 * armed, before the data is written (signals are blocked there), so tests
 * can hold a commit open or die in the middle of one.
 */
extern void (*fedjit_store_debug_commit_hook)(void);
/*
 * Test-only: when set, called in a commit of both files after the first one
 * committed and before the second does (a crash there is the one the commit
 * order is chosen for: store_tx.c).
 */
extern void (*fedjit_store_debug_between_hook)(void);

/* ---- consistency ---- */

typedef void (*fedjit_check_report_fn)(const char *message, void *userdata);
/*
 * Check the whole store (one read lock): version key present and supported,
 * every record decodes, every user has its uid index and link and both point
 * back to it, no uid/gid used twice, every index/link points to an existing
 * record with the same id, group members exist and list the gid in their
 * supplementary list and vice versa, a private group's user exists and has it
 * as primary group, no unknown keys. A primary or supplementary gid that is
 * not in this store is a foreign group (e.g. from /etc/group), not a problem.
 * Each problem is reported as one message
 * (report may be NULL). Returns the number of problems (0: consistent) or a
 * negative errno if the check itself could not run.
 */
int fedjit_store_check(struct fedjit_store *s, fedjit_check_report_fn report, void *userdata);

/*
 * Repair what needs no judgement, in one transaction (common/store_repair.c):
 * delete index records and links that point to a missing or mismatching
 * record and supplementary lists of missing users; write the uid index, link
 * or gid index a record lacks when its key is free and no other record claims
 * the id. Everything else is left for the administrator. Each fix is reported
 * as one message; returns the number of fixes or a negative errno (nothing
 * changed).
 */
int fedjit_store_repair(struct fedjit_store *s, fedjit_check_report_fn report, void *userdata);

/* ---- the secret store (root-only, 0600) ---- */

struct fedjit_secret_store;

/*
 * Open the secret store at path (NULL: FEDJIT_SECRET_DB_FILE); flags as for
 * fedjit_store_open (RDONLY, CREATE, NOSYNC). The file is created 0600 and
 * fchmod'ed to 0600 regardless of the umask; an existing file readable or
 * writable by group or others is refused with -EPERM (its secrets may have
 * leaked: the administrator must look).
 * *ret: fedjit_secret_close().
 */
int fedjit_secret_open(const char *path, unsigned flags, struct fedjit_secret_store **ret);
void fedjit_secret_close(struct fedjit_secret_store *ss);

/* hash: an opaque crypt(3) string (hashing happens elsewhere); NULL removes it. */
int fedjit_secret_set_password_hash(struct fedjit_secret_store *ss, const char *name,
                                    const char *hash);
/* *ret_hash: scrub and free with fedjit_secret_free (macro.h). -ENOENT: none. */
int fedjit_secret_get_password_hash(struct fedjit_secret_store *ss, const char *name,
                                    char **ret_hash);
/* Zero-copy for getspnam: fn gets the NUL-terminated hash inside the record. */
int fedjit_secret_parse_password_hash(struct fedjit_secret_store *ss, const char *name,
                                      int (*fn)(const char *hash, void *userdata), void *userdata);
int fedjit_secret_set_consent(struct fedjit_secret_store *ss, const char *name,
                              const struct fedjit_consent *c);
/* *ret: fedjit_consent_free(). -ENOENT: none. */
int fedjit_secret_get_consent(struct fedjit_secret_store *ss, const char *name,
                              struct fedjit_consent **ret);
/* Remove everything about name (one transaction): password hash, consent, account
 * state and refresh token (common/account_state.h); 0 also when nothing was there. */
int fedjit_secret_delete_user(struct fedjit_secret_store *ss, const char *name);
/* Sorted names that have any secret record (for orphan checks); fedjit_strv_free. */
int fedjit_secret_list_users(struct fedjit_secret_store *ss, char ***ret, size_t *ret_n);

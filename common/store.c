/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Store plumbing: opening (symlink-safe, version-checked, created atomically),
 * read locks, transactions with failure injection, error messages.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "common/macro.h"
#include "common/store_private.h"

unsigned fedjit_store_debug_fail_after;

/*
 * tdb's all-record lock covers [FREELIST_TOP, EOF): FREELIST_TOP is
 * sizeof(struct tdb_header), 168 bytes in every tdb 1.x file. A transaction
 * holds it shared while it runs and exclusively from prepare-commit (before
 * the recovery area and the data are written) until the commit is complete.
 * Read-only handles take it shared on one byte to exclude exactly that.
 */
#define TDB_ALLRECORD_LOCK_OFFSET 168

/* The poll of a lock that is taken: sleeps of 50, 100, 200 .. 1600 us, then
 * 2 ms each, until timeout_ms have been slept. A commit holds the lock for
 * about half a millisecond (four fdatasyncs): millisecond sleeps left the
 * lock idle between commits, and 8 writers got less done than one. Start at
 * {.step_us = BACKOFF_FIRST_US}. */
#define BACKOFF_FIRST_US 50
#define BACKOFF_MAX_US   2000
struct backoff {
	long waited_us, step_us;
};

/* Sleep the next step: 0, or -ETIMEDOUT (without sleeping) once timeout_ms
 * have been slept. */
static int backoff_wait(struct backoff *b, long timeout_ms)
{
	if (b->waited_us >= timeout_ms * 1000L)
		return -ETIMEDOUT;
	struct timespec ts = {.tv_sec = 0, .tv_nsec = b->step_us * 1000L};
	nanosleep(&ts, NULL);
	b->waited_us += b->step_us;
	b->step_us = b->step_us * 2 > BACKOFF_MAX_US ? BACKOFF_MAX_US : b->step_us * 2;
	return 0;
}

static int lock_byte(int fd, short type, bool wait_for_it)
{
	struct flock fl = {
	        .l_type = type,
	        .l_whence = SEEK_SET,
	        .l_start = TDB_ALLRECORD_LOCK_OFFSET,
	        .l_len = 1,
	};
	struct backoff b = {.step_us = BACKOFF_FIRST_US};

	for (;;) {
		if (fcntl(fd, F_SETLK, &fl) == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if ((errno != EAGAIN && errno != EACCES) || !wait_for_it)
			return -errno;
		/* A commit is being written: poll rather than block forever on a
		 * writer that is stopped or stuck. */
		int r = backoff_wait(&b, FEDJIT_STORE_READ_LOCK_TIMEOUT_MS);
		if (r < 0)
			return r;
	}
}

int fedjit_store_rlock(struct fedjit_store *s)
{
	int r = 0;

	if (s->lock_depth++ > 0 || (s->flags & FEDJIT_STORE_NOLOCK) ||
	    tdb_transaction_active(s->tdb))
		return 0;
	if (s->flags & FEDJIT_STORE_RDONLY)
		r = lock_byte(tdb_fd(s->tdb), F_RDLCK, true);
	else if (tdb_lockall_read(s->tdb) != 0)
		r = -EIO;
	if (r < 0)
		s->lock_depth--;
	return r;
}

void fedjit_store_runlock(struct fedjit_store *s)
{
	if (--s->lock_depth > 0 || (s->flags & FEDJIT_STORE_NOLOCK) ||
	    tdb_transaction_active(s->tdb))
		return;
	if (s->flags & FEDJIT_STORE_RDONLY)
		(void)lock_byte(tdb_fd(s->tdb), F_UNLCK, false);
	else
		tdb_unlockall_read(s->tdb);
}

struct parse_ctx {
	int (*fn)(TDB_DATA data, void *userdata);
	void *userdata;
	int r;
};

static int parse_cb(TDB_DATA key, TDB_DATA data, void *p)
{
	struct parse_ctx *c = p;

	c->r = c->fn(data, c->userdata);
	return 0;
}

int fedjit_store_parse_key(struct fedjit_store *s, TDB_DATA key,
                           int (*fn)(TDB_DATA data, void *userdata), void *userdata)
{
	struct parse_ctx c = {.fn = fn, .userdata = userdata};

	if (tdb_parse_record(s->tdb, key, parse_cb, &c) != 0)
		return tdb_error(s->tdb) == TDB_ERR_NOEXIST ? -ENOENT : -EIO;
	return c.r;
}

int fedjit_store_exists(struct fedjit_store *s, TDB_DATA key)
{
	return tdb_exists(s->tdb, key) ? 1 : 0;
}

/* ---- transactions ---- */

int fedjit_store_tx_begin(struct fedjit_store *s)
{
	if (s->flags & FEDJIT_STORE_RDONLY)
		return -EROFS;
	/* Inside a batch every operation joins the batch's transaction (tdb
	 * nesting is disabled: its error semantics are too subtle). */
	if (s->batch)
		return s->batch_failed ? -ECANCELED : 0;
	/* Poll rather than block forever behind a writer that is stopped or stuck
	 * (the login waiting here would only end when the module kills it). */
	for (struct backoff b = {.step_us = BACKOFF_FIRST_US};;) {
		if (tdb_transaction_start_nonblock(s->tdb) == 0)
			return 0;
		if (tdb_error(s->tdb) != TDB_ERR_NOLOCK)
			return -EIO;
		int r = backoff_wait(&b, FEDJIT_STORE_WRITE_LOCK_TIMEOUT_MS);
		if (r < 0)
			return r;
	}
}

static int debug_fail(void)
{
	if (fedjit_store_debug_fail_after > 0 && --fedjit_store_debug_fail_after == 0)
		return -EIO;
	return 0;
}

/* tdb reports every failed write as TDB_ERR_IO and does not keep errno; a full
 * disk (the file could not grow) is worth telling apart for the administrator:
 * a failed write with less free space left than half the file (tdb grows the
 * file by at least a quarter) is taken as one. */
static int write_error(struct fedjit_store *s)
{
	struct statvfs sv;
	struct stat st;
	int fd = tdb_fd(s->tdb);

	if (fd >= 0 && fstatvfs(fd, &sv) == 0 && fstat(fd, &st) == 0 &&
	    (uint64_t)sv.f_bavail * sv.f_frsize < (uint64_t)st.st_size / 2)
		return -ENOSPC;
	return -EIO;
}

int fedjit_store_tx_store(struct fedjit_store *s, TDB_DATA key, TDB_DATA data)
{
	if (debug_fail() < 0)
		return -EIO;
	return tdb_store(s->tdb, key, data, TDB_REPLACE) == 0 ? 0 : write_error(s);
}

int fedjit_store_tx_delete(struct fedjit_store *s, TDB_DATA key)
{
	if (debug_fail() < 0)
		return -EIO;
	if (tdb_delete(s->tdb, key) == 0 || tdb_error(s->tdb) == TDB_ERR_NOEXIST)
		return 0;
	return -EIO;
}

int fedjit_store_tx_end(struct fedjit_store *s, int r)
{
	if (s->batch) {
		/* A failed operation may have written half of its records: the
		 * whole batch is cancelled at its end. */
		if (r < 0)
			s->batch_failed = true;
		return r;
	}
	if (r < 0) {
		tdb_transaction_cancel(s->tdb);
		return r;
	}
	if (tdb_transaction_commit(s->tdb) != 0)
		return write_error(s);
	return r;
}

int fedjit_store_batch_begin(struct fedjit_store *s)
{
	int r;

	if (s->batch)
		return -EBUSY;
	r = fedjit_store_tx_begin(s);
	if (r < 0)
		return r;
	s->batch = true;
	s->batch_failed = false;
	return 0;
}

int fedjit_store_batch_end(struct fedjit_store *s, int r)
{
	if (!s->batch)
		return -EINVAL;
	s->batch = false;
	if (s->batch_failed && r >= 0)
		r = -ECANCELED;
	return fedjit_store_tx_end(s, r);
}

/* ---- opening ---- */

static int mkdir_parents(const char *path)
{
	_cleanup_free_ char *dir = strdup(path);
	char *slash;
	struct stat st;

	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (stat(dir, &st) == 0)
		return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
	int r = mkdir_parents(dir);
	if (r < 0)
		return r;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int open_tdb(const char *path, unsigned flags, int open_flags, mode_t mode, int hash_size,
                    struct tdb_context **ret)
{
	int tdb_flags = TDB_DEFAULT;
	struct tdb_context *tdb;

	if (!(flags & FEDJIT_STORE_RDONLY))
		tdb_flags |= TDB_SEQNUM | TDB_INCOMPATIBLE_HASH | TDB_DISALLOW_NESTING;
	/* A point handle (a login's provisioning) reads and writes with
	 * pread/pwrite, not through a mapping (TDB_NOMMAP). Every transaction
	 * start copies the whole hash table (4 bytes a bucket, 4 MB at the
	 * default size) out of the file: one pread instead of faulting in a fresh
	 * mapping of it after every open, and commits need no msync before each
	 * fsync; provisioning is about 1.5x faster (make bench-provision). A walk
	 * of the whole store on such a handle costs a pread per hash chain and
	 * record, so handles that walk (the admin tool's purge, check, repair)
	 * keep the mapping. Read-only handles, the NSS module's included, always
	 * read through mappings; the page cache is coherent between the two. */
	if (!(flags & FEDJIT_STORE_RDONLY) && (flags & FEDJIT_STORE_POINT))
		tdb_flags |= TDB_NOMMAP;
	if (flags & FEDJIT_STORE_NOSYNC)
		tdb_flags |= TDB_NOSYNC;
	errno = 0;
	tdb = tdb_open_ex(path, hash_size, tdb_flags, open_flags | O_NOFOLLOW | O_CLOEXEC, mode,
	                  NULL, NULL);
	if (!tdb) {
		switch (errno) {
		case ENOENT:
		case EACCES:
		case EPERM:
		case EBUSY:
		case ELOOP:
		case ENOMEM:
		case EEXIST:
		case EROFS:
			return -errno;
		default:
			return -EIO; /* bad header, needs recovery, ... */
		}
	}
	*ret = tdb;
	return 0;
}

static int read_version(struct tdb_context *tdb, uint32_t *ret)
{
	char kb[FEDJIT_KEY_MAX];
	TDB_DATA key, data;
	int r;

	fedjit_key_version(kb, &key);
	data = tdb_fetch(tdb, key);
	if (!data.dptr)
		return tdb_error(tdb) == TDB_ERR_NOEXIST ? -EBADMSG : -EIO;
	r = fedjit_record_decode_version(data, ret);
	free(data.dptr);
	return r;
}

/*
 * Create a store: build it under a temporary name with its version key, then
 * link() it into place, so path never names a store without a version and two
 * concurrent creators cannot both win (the loser just opens the winner's).
 */
static int create_store(const char *path, unsigned flags, mode_t mode, uint32_t version,
                        int hash_size)
{
	static unsigned counter;
	char tmp[PATH_MAX];
	char kb[FEDJIT_KEY_MAX];
	struct tdb_context *tdb = NULL;
	TDB_DATA key, data = {0};
	int r;

	r = mkdir_parents(path);
	if (r < 0)
		return r;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.new.%ld.%u", path, (long)getpid(), counter++) >=
	    sizeof(tmp))
		return -ENAMETOOLONG;
	r = open_tdb(tmp, flags & ~FEDJIT_STORE_RDONLY, O_RDWR | O_CREAT | O_EXCL, mode, hash_size,
	             &tdb);
	if (r < 0)
		return r;
	/* The umask may have taken bits away (or the caller's mode is what we want
	 * exactly either way): set it explicitly. */
	if (fchmod(tdb_fd(tdb), mode) < 0) {
		r = -errno;
		goto out;
	}
	fedjit_key_version(kb, &key);
	r = fedjit_record_encode_version(version, &data);
	if (r < 0)
		goto out;
	if (tdb_transaction_start(tdb) != 0 || tdb_store(tdb, key, data, TDB_INSERT) != 0 ||
	    tdb_transaction_commit(tdb) != 0) {
		r = -EIO;
		goto out;
	}
	if (link(tmp, path) < 0 && errno != EEXIST)
		r = -errno;
out:
	free(data.dptr);
	if (tdb)
		tdb_close(tdb);
	unlink(tmp);
	return r;
}

int fedjit_store_open_internal(struct fedjit_store *s, const char *path, unsigned flags,
                               mode_t mode, uint32_t version, bool secret)
{
	bool rdonly = flags & FEDJIT_STORE_RDONLY;
	_cleanup_close_ int lockfd = -1;
	struct tdb_context *tdb = NULL;
	struct stat lst, st;
	uint32_t v;
	int r;

	if ((flags & FEDJIT_STORE_NOLOCK) && !rdonly)
		return -EINVAL;
	if (rdonly && (flags & FEDJIT_STORE_CREATE))
		return -EINVAL;
	for (int attempt = 0;; attempt++) {
		if (lstat(path, &lst) == 0)
			break;
		if (errno != ENOENT || !(flags & FEDJIT_STORE_CREATE) || attempt > 0)
			return -errno;
		r = create_store(path, flags, mode, version,
		                 secret ? FEDJIT_SECRET_STORE_HASH_SIZE : FEDJIT_STORE_HASH_SIZE);
		if (r < 0)
			return r;
	}
	if (S_ISLNK(lst.st_mode))
		return -ELOOP;
	if (!S_ISREG(lst.st_mode))
		return -ENOTTY;
	if (secret && (lst.st_mode & 077))
		return -EPERM;

	if (rdonly && !(flags & FEDJIT_STORE_NOLOCK)) {
		/* Hold the read lock across tdb_open: tdb's open refuses a store
		 * whose commit is in flight (it sees the recovery area armed). */
		lockfd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (lockfd < 0)
			return -errno;
		r = lock_byte(lockfd, F_RDLCK, true);
		if (r < 0)
			return r;
	}
	r = open_tdb(path, flags, rdonly ? O_RDONLY : O_RDWR, mode, 0, &tdb);
	if (r < 0)
		return r;
	if (fstat(tdb_fd(tdb), &st) < 0) {
		r = -errno;
		goto fail;
	}
	/* The file tdb opened must be the one we checked (no swap in between). */
	if (st.st_dev != lst.st_dev || st.st_ino != lst.st_ino) {
		r = -ESTALE;
		goto fail;
	}
	r = read_version(tdb, &v);
	if (r < 0)
		goto fail;
	if (v > version) {
		r = -EPROTONOSUPPORT;
		goto fail;
	}
	/* Closing lockfd (cleanup) drops our read lock; a read-only tdb holds
	 * no fcntl locks of its own that closing could drop. */
	s->tdb = tdb;
	s->flags = flags;
	s->lock_depth = 0;
	if (rdonly && !(flags & FEDJIT_STORE_NOLOCK))
		fedjit_store_snap_init(s);
	return 0;
fail:
	tdb_close(tdb);
	return r;
}

void fedjit_store_close_internal(struct fedjit_store *s)
{
	/* An open batch is cancelled (tdb_close cancels a transaction). */
	s->batch = false;
	fedjit_store_snap_done(s);
	if (s->tdb)
		tdb_close(s->tdb);
	s->tdb = NULL;
}

int fedjit_store_open(const char *path, unsigned flags, struct fedjit_store **ret)
{
	struct fedjit_store *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return -ENOMEM;
	r = fedjit_store_open_internal(s, path ? path : FEDJIT_DB_FILE, flags, 0644,
	                               FEDJIT_STORE_VERSION, false);
	if (r < 0) {
		free(s);
		return r;
	}
	*ret = s;
	return 0;
}

void fedjit_store_close(struct fedjit_store *s)
{
	if (!s)
		return;
	fedjit_store_close_internal(s);
	free(s);
}

struct tdb_context *fedjit_store_tdb(struct fedjit_store *s)
{
	return s->tdb;
}

int fedjit_store_seqnum(struct fedjit_store *s)
{
	return tdb_get_seqnum(s->tdb);
}

static int strv_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void fedjit_strv_sort(char **v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(char *), strv_cmp);
}

int fedjit_strv_push(struct fedjit_strv *sv, const char *s, size_t len)
{
	if (sv->n + 1 >= sv->cap) {
		size_t cap = sv->cap ? sv->cap * 2 : 16;
		char **v = realloc(sv->v, cap * sizeof(char *));

		if (!v)
			return -ENOMEM;
		sv->v = v;
		sv->cap = cap;
	}
	sv->v[sv->n] = strndup(s, len);
	if (!sv->v[sv->n])
		return -ENOMEM;
	sv->v[++sv->n] = NULL;
	return 0;
}

void fedjit_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

const char *fedjit_store_strerror(int err)
{
	switch (-err) {
	case 0:
		return "success";
	case ENOENT:
		return "no such store, account, group or link";
	case EBADMSG:
		return "corrupt store record (or no valid version key)";
	case EPROTONOSUPPORT:
		return "store written by a newer fedjit (format version not supported)";
	case EBUSY:
		return "store already open in this process, or group still in use";
	case ELOOP:
		return "store path is a symbolic link";
	case ENOTTY:
		return "store path is not a regular file";
	case ESTALE:
		return "store file was replaced while being opened";
	case ENOSPC:
		return "no space left on the store's file system (disk full)";
	case ETIMEDOUT:
		return "timed out waiting for another writer to finish";
	case EROFS:
		return "store opened read-only";
	case ECANCELED:
		return "batch cancelled: an operation in it failed";
	case EIO:
		return "store I/O error (or a crashed commit awaiting recovery)";
	case FEDJIT_STORE_ENAME:
		return "user name already exists";
	case FEDJIT_STORE_EUID:
		return "uid already in use";
	case FEDJIT_STORE_EGID:
		return "gid already in use";
	case FEDJIT_STORE_ELINK:
		return "federated identity already linked to an account";
	case FEDJIT_STORE_EGROUP:
		return "group name already exists";
	case FEDJIT_STORE_EIMMUTABLE:
		return "attribute cannot change (uid, gid, identity, domain, creation)";
	case EINVAL:
		return "invalid value for a store record";
	case EACCES:
		return "permission denied";
	case EPERM:
		return "not permitted (or a secret store readable by others)";
	default:
		return strerror(-err);
	}
}

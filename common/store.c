/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Store plumbing: opening (symlink-safe, version-checked, created atomically,
 * an interrupted commit recovered, the private store beside it, an old store
 * upgraded), error messages. Transactions: store_tx.c; the writers' lock:
 * store_lock.c; reads: store_snap.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "common/macro.h"
#include "common/store_private.h"

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

/* Inside a transaction (the write API's row helpers): tdb directly. */
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

/* ---- opening ---- */

/* Missing parents of path are created 0755 whatever the umask (a 0700
 * directory over the store would hide it from every non-root reader). */
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
	if (mkdir(dir, 0755) < 0)
		return errno == EEXIST ? 0 : -errno;
	return chmod(dir, 0755) < 0 ? -errno : 0;
}

static int open_tdb(const char *path, unsigned flags, int open_flags, mode_t mode, int hash_size,
                    struct tdb_context **ret)
{
	/* No fcntl lock from tdb, ever: writers serialise on the lock file
	 * (store_lock.c), readers validate (store_snap.c). */
	int tdb_flags = TDB_NOLOCK;
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
	 * keep the mapping. Read-only handles read through the reader's own
	 * mapping (store_snap.c); tdb's would only double it. */
	if (((flags & FEDJIT_STORE_RDONLY) || (flags & FEDJIT_STORE_POINT)))
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

struct version_read {
	uint32_t v;
};

static int version_place(const unsigned char *data, size_t len, void *p)
{
	return fedjit_record_decode_version((TDB_DATA){(unsigned char *)data, len}, p);
}

static int version_body(struct fedjit_store *s, void *p)
{
	char kb[FEDJIT_KEY_MAX];
	TDB_DATA key;
	int r;

	fedjit_key_version(kb, &key);
	r = fedjit_read_get(s, key, version_place, p);
	return r == -ENOENT ? -EBADMSG : r;
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
	r = open_tdb(tmp, flags & ~(FEDJIT_STORE_RDONLY | FEDJIT_STORE_POINT),
	             O_RDWR | O_CREAT | O_EXCL, mode, hash_size, &tdb);
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
	if (link(tmp, path) == 0)
		r = 1; /* this call created it */
	else if (errno != EEXIST)
		r = -errno;
out:
	free(data.dptr);
	if (tdb)
		tdb_close(tdb);
	unlink(tmp);
	return r;
}

/* The path must name a regular file that is not a symbolic link. */
static int check_path(const char *path, bool secret, struct stat *ret)
{
	if (lstat(path, ret) < 0)
		return -errno;
	if (S_ISLNK(ret->st_mode))
		return -ELOOP;
	if (!S_ISREG(ret->st_mode))
		return -ENOTTY;
	if (secret && (ret->st_mode & 077))
		return -EPERM;
	return 0;
}

/* After tdb rolled an interrupted commit back, commit once more (the version
 * key, unchanged): the rollback restored the old sequence number, and a
 * reader that read across the dead commit must see a new one (store_snap.c). */
static int bump(struct fedjit_store *s)
{
	char kb[FEDJIT_KEY_MAX];
	TDB_DATA key, data = {0};
	uint32_t v;
	int r;

	fedjit_key_version(kb, &key);
	data = tdb_fetch(s->tdb, key);
	if (!data.dptr)
		return -EIO;
	r = fedjit_record_decode_version(data, &v);
	if (r >= 0)
		r = fedjit_store_tx_begin(s);
	if (r >= 0)
		r = fedjit_store_tx_end(s, fedjit_store_tx_store(s, key, data));
	free(data.dptr);
	return r;
}

/*
 * Read-write: under the writers' lock, so that tdb's open, which rolls back a
 * commit its writer could not finish (tdb_transaction_recover), runs with no
 * other writer about. While it does, the liveness marker is set, so readers
 * wait for the recovery instead of reporting a dead writer.
 */
static int open_rw(struct fedjit_store *s, const char *path, unsigned flags, mode_t mode,
                   bool *ret_recovered)
{
	_cleanup_close_ int fd = -1;
	int r = fedjit_store_wlock(s);

	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	*ret_recovered = fd >= 0 && fedjit_view_fd_armed(fd);
	if (*ret_recovered)
		fedjit_live_lock(fd, true); /* released when fd closes */
	r = open_tdb(path, flags, O_RDWR, mode, 0, &s->tdb);
	if (r == 0 && *ret_recovered)
		syslog(LOG_AUTHPRIV | LOG_NOTICE,
		       "store: %s: rolled back a commit whose writer died before finishing it",
		       path);
	fedjit_store_wunlock(s);
	return r;
}

/*
 * Read-only. tdb refuses to open a file whose recovery record is armed, and a
 * commit being written looks the same as one whose writer died. So: armed
 * and this process may take the writers' lock (root, and not the NSS module,
 * which never writes: FEDJIT_STORE_NORECOVER): recover it with a read-write
 * open (which waits for a live writer on the lock) and look again. Otherwise
 * wait while its writer is alive (store_snap.c tells), or fail with -EIO when
 * it died.
 */
static int open_ro(struct fedjit_store *s, const char *path, unsigned flags, mode_t mode,
                   uint32_t version, bool secret, struct fedjit_store *lock_of)
{
	struct fedjit_retry rt = {0};
	bool may_recover = !(flags & (FEDJIT_STORE_NORECOVER | FEDJIT_STORE_NOLOCK));
	int r;

	for (;;) {
		int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		struct stat st;

		if (fd < 0)
			return -errno;
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			close(fd);
			return -ENOTTY;
		}
		r = 0;
		if (fedjit_view_fd_armed(fd)) {
			int lfd = -1;

			if (may_recover && fedjit_store_lock_open(lock_of ? lock_of->path : path,
			                                          false, &lfd) == 0) {
				struct fedjit_store w = {.lock_fd = -1};

				close(lfd);
				r = fedjit_store_open_internal(&w, path,
				                               flags & FEDJIT_STORE_NOSYNC, mode,
				                               version, secret, lock_of);
				if (r == 0)
					fedjit_store_close_internal(&w);
				may_recover = false;
				r = r < 0 ? r : -EAGAIN;
			} else {
				r = fedjit_view_judge_fd(fd);
			}
		} else {
			r = open_tdb(path, flags, O_RDONLY, mode, 0, &s->tdb);
			/* a commit armed between the check and tdb's look */
			if (r == -EIO && fedjit_view_fd_armed(fd))
				r = -EAGAIN;
		}
		if (r == 0) {
			fedjit_view_init(&s->view, fd);
			return 0;
		}
		close(fd);
		/* The NSS module waits outside its mutex: hand it the -EAGAIN. */
		if (r == -EAGAIN && (flags & FEDJIT_STORE_NORECOVER))
			return r;
		if (r != -EAGAIN || fedjit_retry_wait(&rt, FEDJIT_READ_BUDGET_MS) < 0)
			return r == -EAGAIN ? -EIO : r;
	}
}

void (*fedjit_store_debug_open_hook)(const char *path);

int fedjit_store_open_internal(struct fedjit_store *s, const char *path, unsigned flags,
                               mode_t mode, uint32_t version, bool secret,
                               struct fedjit_store *lock_of)
{
	bool rdonly = flags & FEDJIT_STORE_RDONLY, recovered = false;
	struct stat lst, st;
	uint32_t v;
	int r;

	if ((flags & FEDJIT_STORE_NOLOCK) && !rdonly)
		return -EINVAL;
	if (rdonly && (flags & FEDJIT_STORE_CREATE))
		return -EINVAL;
	*s = (struct fedjit_store){
	        .flags = flags, .lock_fd = -1, .view = {.fd = -1}, .lock_of = lock_of};
	s->path = strdup(path);
	if (!s->path)
		return -ENOMEM;
	r = check_path(path, secret, &lst);
	if (r == -ENOENT && (flags & FEDJIT_STORE_CREATE)) {
		r = create_store(path, flags, mode, version,
		                 secret ? FEDJIT_SECRET_STORE_HASH_SIZE : FEDJIT_STORE_HASH_SIZE);
		s->created = r == 1;
		if (r >= 0)
			r = check_path(path, secret, &lst);
	}
	if (r == 0 && fedjit_store_debug_open_hook)
		fedjit_store_debug_open_hook(path);
	if (r == 0)
		r = rdonly ? open_ro(s, path, flags, mode, version, secret, lock_of)
		           : open_rw(s, path, flags, mode, &recovered);
	if (r < 0)
		goto fail;
	if (fstat(tdb_fd(s->tdb), &st) < 0) {
		r = -errno;
		goto fail;
	}
	/* The file tdb opened must be the one we checked (no swap in between). */
	if (st.st_dev != lst.st_dev || st.st_ino != lst.st_ino) {
		r = -ESTALE;
		goto fail;
	}
	r = fedjit_read(s, version_body, &v);
	if (r < 0)
		goto fail;
	if (v > version) {
		r = -EPROTONOSUPPORT;
		goto fail;
	}
	s->version = v;
	if (recovered) {
		r = bump(s);
		if (r < 0)
			goto fail;
	}
	return 0;
fail:
	fedjit_store_close_internal(s);
	return r;
}

void fedjit_store_close_internal(struct fedjit_store *s)
{
	if (s->priv) {
		fedjit_store_close_internal(s->priv);
		free(s->priv);
		s->priv = NULL;
	}
	/* An open batch is cancelled (tdb_close cancels a transaction). */
	if (s->batch && s->tdb && tdb_transaction_active(s->tdb)) {
		tdb_transaction_cancel(s->tdb);
		fedjit_store_wunlock(s);
	}
	s->batch = false;
	fedjit_view_done(&s->view);
	if (s->tdb)
		tdb_close(s->tdb);
	s->tdb = NULL;
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	s->lock_fd = -1;
	s->lock_depth = 0;
	free(s->path);
	s->path = NULL;
}

int fedjit_store_private_path(const char *path, char *buf, size_t size)
{
	size_t n = strlen(path);
	int w;

	if (n > 4 && strcmp(path + n - 4, ".tdb") == 0)
		w = snprintf(buf, size, "%.*s.private.tdb", (int)(n - 4), path);
	else
		w = snprintf(buf, size, "%s.private", path);
	return w < 0 || (size_t)w >= size ? -ENAMETOOLONG : 0;
}

/*
 * The private store of s (record.c: what lives where), for the processes
 * that may have it: never the NSS module (NORECOVER) or a NOLOCK reader. A
 * read-write handle creates it (0600) when it is missing (a new store, or one
 * from before the split); a read-only one goes without it when it is missing
 * or not readable (not root): the personal fields are then empty.
 */
static int open_private(struct fedjit_store *s, unsigned flags)
{
	char path[PATH_MAX];
	struct fedjit_store *p;
	int r;

	if (flags & (FEDJIT_STORE_NORECOVER | FEDJIT_STORE_NOLOCK))
		return 0;
	r = fedjit_store_private_path(s->path, path, sizeof(path));
	if (r < 0)
		return r;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	if (!(flags & FEDJIT_STORE_RDONLY))
		flags |= FEDJIT_STORE_CREATE;
	/* A private store beside a store this open just created belongs to a
	 * store that was removed: its accounts are gone, so are their records. */
	if (s->created && (r = fedjit_store_wlock(s)) == 0) {
		if (unlink(path) == 0)
			syslog(LOG_AUTHPRIV | LOG_NOTICE,
			       "store: %s: removed the private store of a store that is gone",
			       path);
		fedjit_store_wunlock(s);
	}
	r = fedjit_store_open_internal(p, path, flags, 0600, FEDJIT_PRIVATE_STORE_VERSION, true, s);
	if (r < 0) {
		free(p);
		return (flags & FEDJIT_STORE_RDONLY) && (r == -ENOENT || r == -EACCES) ? 0 : r;
	}
	s->priv = p;
	return 0;
}

/* Whether this process may write the store at path (root): it can open the
 * writers' lock file. */
static bool may_write(const char *path)
{
	int fd;

	if (fedjit_store_lock_open(path, false, &fd) < 0)
		return false;
	close(fd);
	return true;
}

static int open_once(const char *path, unsigned flags, struct fedjit_store **ret)
{
	struct fedjit_store *s = calloc(1, sizeof(*s));
	bool rdonly = flags & FEDJIT_STORE_RDONLY;
	int r;

	if (!s)
		return -ENOMEM;
	path = path ? path : FEDJIT_DB_FILE;
	r = fedjit_store_open_internal(s, path, flags, 0644, FEDJIT_STORE_VERSION, false, NULL);
	if (r < 0) {
		free(s);
		return r;
	}
	r = open_private(s, flags);
	/* A store from before the split (or an upgrade a crash interrupted) is
	 * upgraded by the next root opener, like an interrupted commit: a
	 * read-only one does it through a read-write open of its own. */
	if (r == 0 && !rdonly && fedjit_store_needs_upgrade(s)) {
		r = fedjit_store_upgrade(s);
		if (r > 0) {
			/* the file was replaced: open the new one */
			fedjit_store_close(s);
			return open_once(path, flags & ~FEDJIT_STORE_CREATE, ret);
		}
	} else if (r == 0 && rdonly && !(flags & (FEDJIT_STORE_NORECOVER | FEDJIT_STORE_NOLOCK)) &&
	           fedjit_store_needs_upgrade(s) && may_write(path)) {
		struct fedjit_store *w = NULL;

		fedjit_store_close_internal(s);
		r = fedjit_store_open(path, flags & FEDJIT_STORE_NOSYNC, &w);
		fedjit_store_close(w);
		if (r == 0)
			r = fedjit_store_open_internal(s, path, flags, 0644, FEDJIT_STORE_VERSION,
			                               false, NULL);
		if (r == 0)
			r = open_private(s, flags);
	}
	/* The account state records' one-time move (store_state_move.c), by a
	 * read-write opener only (it waits for the writers' lock; a read-only one
	 * reads them where they are meanwhile). A failure leaves them where they
	 * were: say so, go on. */
	if (r == 0 && !rdonly && fedjit_store_needs_state_move(s)) {
		int q = fedjit_store_move_state(s);

		if (q < 0)
			syslog(LOG_AUTHPRIV | LOG_ERR,
			       "store: %s: moving the account state records out of the secret "
			       "store failed (tried again at the next open): %s",
			       path, fedjit_store_strerror(q));
	}
	if (r < 0) {
		fedjit_store_close(s);
		return r;
	}
	*ret = s;
	return 0;
}

int fedjit_store_open(const char *path, unsigned flags, struct fedjit_store **ret)
{
	int r;

	/* A restore renamed a new store over the path between the check of the
	 * file and its open (-ESTALE): open the new one. A restore takes far
	 * longer than an open, so a few tries always meet a settled file. */
	for (int tries = 0;; tries++) {
		r = open_once(path ? path : FEDJIT_DB_FILE, flags, ret);
		if (r != -ESTALE || tries == 4)
			return r;
	}
}

bool fedjit_store_has_private(struct fedjit_store *s)
{
	return s->priv != NULL;
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

struct tdb_context *fedjit_store_private_tdb(struct fedjit_store *s)
{
	return s->priv ? s->priv->tdb : NULL;
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
		return "store file was replaced (a restore) while it was open; try again";
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

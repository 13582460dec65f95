/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store as the NSS module reads it: one cached read-only handle per
 * process, and reads that never see a half-committed transaction, without
 * taking a lock and with one syscall per warm lookup.
 *
 * THE HANDLE. A read-only, lock-free (FEDJIT_STORE_NOLOCK) tdb handle, opened
 * on first use and kept. Writers change the file in place (tdb transactions
 * through a shared mapping), so their commits are visible to the next lookup
 * at once. What the handle cannot see by itself is the file being replaced
 * (a restore renames another file over it) or removed: stat() of the path
 * tells, and it runs at most every FEDJIT_NSS_RECHECK_MS per process (timed
 * with CLOCK_MONOTONIC_COARSE, which costs no syscall), and on every lookup
 * while there is no store (so the first account is seen at once). A warm
 * lookup therefore makes no syscall at all; a stat() costs more than the
 * whole lookup. The handle is reopened when the device/inode changed or the
 * file shrank; ENOENT means "no accounts yet". After fork() the child reopens
 * lazily: a pthread_atfork child handler marks the handle stale (getpid() is
 * a syscall since glibc 2.25, so the pid is not compared per lookup); the
 * prepare/parent/child handlers also keep the mutex from being inherited
 * locked. The handle is used under one mutex (a tdb context is not
 * thread-safe); the mutex is never held across a sleep.
 *
 * CONSISTENT READS WITHOUT LOCKS (a seqlock over tdb's own commit protocol).
 * The writer (common/store.c) opens with TDB_SEQNUM, so every store in a
 * transaction bumps the header's sequence number, and commits through tdb's
 * transaction code, which does, in this order:
 *   1. write the recovery data, then set the recovery record's magic
 *      (TDB_RECOVERY_MAGIC) and fsync;
 *   2. write the changed blocks (the header with the new sequence number is
 *      one of them);
 *   3. fsync, then clear the recovery magic, then drop the locks.
 * A reader therefore does:
 *   s1 = seqnum; magic set? (retry later, or see below); run the read,
 *   copying the record bytes out; magic set? (retry); s2 = seqnum;
 *   s1 == s2 or retry.
 * Why both checks: a torn read observed some byte that a commit wrote, so
 * the read overlapped that commit's data writes, which all happen while the
 * magic is set. Either the magic was already set before the read (first
 * check), or still set after it (second check), or the whole commit started
 * and ended inside the read: then its magic was cleared, after all its
 * writes including the header's new sequence number, before we read s2, so
 * s2 != s1. The sequence number alone is not enough: the torn-read test
 * (tests/nss/test_nss_torn.c) caught readers that saw a commit's data before
 * its new sequence number, with only the check before the read. The loads
 * are ordered with acquire fences; the writer orders its stores by program
 * order (its writes go through its own MAP_SHARED mapping or write(2); the
 * page cache is coherent with our mapping).
 *
 * WRITER DIED MID-COMMIT. The magic stays set until the next read-write open
 * recovers the file. A committing writer holds tdb's all-record lock
 * (F_WRLCK from FREELIST_TOP); when the magic is set, a non-blocking shared
 * lock on that byte tells: refused, a commit is under way; granted with the
 * magic still set, the writer died and the store needs recovery: UNAVAIL
 * (EIO) at once, no waiting. A reader never blocks: it retries with a growing sleep outside
 * the mutex and gives up with EAGAIN (UNAVAIL) after FEDJIT_NSS_READ_BUDGET_MS.
 *
 * We read a few fields of tdb's on-disk format ourselves (tdb_private.h, a
 * format tdb keeps stable across versions): the header's recovery_start,
 * sequence_number and hash_size, the recovery record's magic, and (for
 * enumeration, to skip empty chains) the hash chain heads. They are read
 * through our own read-only mappings (the header with the chain heads, and
 * the pages around the recovery record), so the checks cost no syscall.
 *
 * A file truncated in place under a mapping would fault on access; the
 * periodic stat() reopens on a size decrease, which narrows that to a window
 * after an administrator truncates the live database by hand (tdb itself
 * never shrinks a file; fedjit replaces files by rename).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "nss/nss_fedjit.h"
#include "common/store.h"

/* tdb's on-disk format (tdb_private.h). */
#define TDB_MAGIC_FOOD         "TDB file\n"
#define TDB_HDR_VERSION_OFS    32
#define TDB_HDR_HASH_SIZE_OFS  36
#define TDB_HDR_RECOVERY_OFS   44
#define TDB_HDR_SEQNUM_OFS     48
#define TDB_HDR_SIZE           168 /* sizeof(struct tdb_header) = FREELIST_TOP */
#define TDB_FORMAT_VERSION     (0x26011967 + 6)
#define TDB_REC_SIZE           24 /* sizeof(struct tdb_record) */
#define TDB_REC_MAGIC_OFS      20
#define TDB_RECOVERY_MAGIC     0xf53bc0e7U
#define TDB_ALLRECORD_LOCK_OFS TDB_HDR_SIZE
/* offset of the head of hash chain c (tdb's TDB_HASH_TOP: after FREELIST_TOP) */
#define TDB_HASH_TOP(c) ((size_t)TDB_HDR_SIZE + 4 * ((size_t)(c) + 1))

#define PAGE 4096u

struct handle {
	char *path;          /* the path it was opened from */
	uint64_t checked_ns; /* last stat() of path (CLOCK_MONOTONIC_COARSE) */
	struct fedjit_store *store;
	struct tdb_context *tdb;
	dev_t dev;
	ino_t ino;
	off_t size;
	bool stale;
	const unsigned char *hdr; /* the header and tdb's hash chain heads */
	size_t hdr_len;
	uint32_t chains;          /* hash chains whose heads hdr covers (0: none) */
	const unsigned char *win; /* pages holding the recovery record header */
	off_t win_start;
	size_t win_len;
};

static pthread_mutex_t db_lock = PTHREAD_MUTEX_INITIALIZER;
static struct handle db;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void atfork_prepare(void)
{
	pthread_mutex_lock(&db_lock);
}

static void atfork_parent(void)
{
	pthread_mutex_unlock(&db_lock);
}

static void atfork_child(void)
{
	db.stale = true;
	pthread_mutex_unlock(&db_lock);
}

static void atfork_register(void)
{
	(void)pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

static uint32_t load32(const unsigned char *p)
{
	return __atomic_load_n((const uint32_t *)(const void *)p, __ATOMIC_ACQUIRE);
}

static void handle_close(struct handle *h)
{
	if (h->win)
		munmap((void *)h->win, h->win_len);
	if (h->hdr)
		munmap((void *)h->hdr, h->hdr_len);
	if (h->store)
		fedjit_store_close(h->store);
	free(h->path);
	*h = (struct handle){0};
}

static int map_window(struct handle *h, uint32_t off)
{
	off_t start = (off_t)(off & ~(PAGE - 1));
	size_t len = 2 * PAGE; /* a record header may straddle a page boundary */

	if (h->win && start == h->win_start)
		return 0;
	void *p = mmap(NULL, len, PROT_READ, MAP_SHARED, tdb_fd(h->tdb), start);
	if (p == MAP_FAILED)
		return -errno;
	if (h->win)
		munmap((void *)h->win, h->win_len);
	h->win = p;
	h->win_start = start;
	h->win_len = len;
	return 0;
}

/*
 * Take (lock = true) or drop a shared lock on tdb's all-record lock byte,
 * without waiting. A committing writer holds that byte exclusively from
 * before it arms the recovery record until after it disarms it, so while we
 * hold the shared lock no commit is under way and none can start (the
 * writer's upgrade waits the few microseconds we hold it).
 *
 * An open file description lock, not a process-associated one: a process
 * that also writes the store (the admin tool, the helper) may call into NSS,
 * and unlocking a traditional lock here would drop that writer's own lock on
 * the byte. -EAGAIN: a writer is committing.
 */
static int commit_lock(int fd, bool lock)
{
	struct flock fl = {
	        .l_type = lock ? F_RDLCK : F_UNLCK,
	        .l_whence = SEEK_SET,
	        .l_start = TDB_ALLRECORD_LOCK_OFS,
	        .l_len = 1,
	};
	if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
		return 0;
	return errno == EAGAIN || errno == EACCES ? -EAGAIN : -errno;
}

/* The recovery magic, read with pread (for a file tdb would not open). */
static bool file_magic_set(int fd)
{
	uint32_t rs, magic;

	if (pread(fd, &rs, sizeof(rs), TDB_HDR_RECOVERY_OFS) != sizeof(rs) || rs == 0)
		return false;
	if (pread(fd, &magic, sizeof(magic), (off_t)rs + TDB_REC_MAGIC_OFS) != sizeof(magic))
		return false;
	return magic == TDB_RECOVERY_MAGIC;
}

static int recovery_magic_set(struct handle *h, bool *ret)
{
	uint32_t rs = load32(h->hdr + TDB_HDR_RECOVERY_OFS);

	if (rs == 0) {
		*ret = false;
		return 0;
	}
	if ((off_t)rs + TDB_REC_SIZE > h->size) {
		/* The recovery area was just appended: learn the new size. */
		struct stat st;
		if (fstat(tdb_fd(h->tdb), &st) < 0)
			return -errno;
		h->size = st.st_size;
		if ((off_t)rs + TDB_REC_SIZE > h->size)
			return -EAGAIN;
	}
	int r = map_window(h, rs);
	if (r < 0)
		return r;
	*ret = load32(h->win + (rs - h->win_start) + TDB_REC_MAGIC_OFS) == TDB_RECOVERY_MAGIC;
	return 0;
}

/*
 * 0: no commit under way; -EAGAIN: a commit is being written; -EIO: a writer
 * died mid-commit. The common case (marker clear) costs no syscall. A set
 * marker is judged under the shared lock: set while we hold it means nobody
 * is committing, so the writer that set it died. (Checking "marker set" and
 * "lock free" one after the other is not enough: one commit can end and the
 * next begin between the two checks, which looks like a dead writer.)
 */
static int commit_state(struct handle *h)
{
	bool set;
	int r = recovery_magic_set(h, &set);
	if (r < 0 || !set)
		return r;

	int fd = tdb_fd(h->tdb);
	r = commit_lock(fd, true);
	if (r < 0)
		return r;
	r = recovery_magic_set(h, &set);
	(void)commit_lock(fd, false);
	if (r < 0)
		return r;
	return set ? -EIO : 0;
}

static int handle_open(struct handle *h, const char *path)
{
	struct fedjit_store *store = NULL;
	struct stat st;
	int r;

	/* tdb refuses a read-only open of a file that needs recovery, and that is
	 * also what a commit under way looks like. So open under the shared
	 * commit lock: no commit can be under way then, and a set marker means a
	 * writer died mid-commit (fail at once, until a read-write open recovers
	 * the file). A committing writer: -EAGAIN, the caller retries with a
	 * bounded wait. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK); /* a FIFO: no hang */
	if (fd < 0)
		return -errno;
	r = fstat(fd, &st) < 0 ? -errno : S_ISREG(st.st_mode) ? 0 : -ENOTTY;
	if (r == 0)
		r = commit_lock(fd, true);
	if (r == 0 && file_magic_set(fd))
		r = -EIO;
	if (r == 0)
		r = fedjit_store_open(path, FEDJIT_STORE_RDONLY | FEDJIT_STORE_NOLOCK, &store);
	close(fd); /* drops the lock */
	if (r < 0)
		return r;

	struct tdb_context *tdb = fedjit_store_tdb(store);
	if (!tdb || fstat(tdb_fd(tdb), &st) < 0) {
		fedjit_store_close(store);
		return -EIO;
	}
	void *hdr = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, tdb_fd(tdb), 0);
	if (hdr == MAP_FAILED) {
		r = -errno;
		fedjit_store_close(store);
		return r;
	}
	if (st.st_size < TDB_HDR_SIZE || memcmp(hdr, TDB_MAGIC_FOOD, strlen(TDB_MAGIC_FOOD)) != 0 ||
	    load32((const unsigned char *)hdr + TDB_HDR_VERSION_OFS) != TDB_FORMAT_VERSION) {
		/* not a tdb, or one in the other byte order */
		munmap(hdr, PAGE);
		fedjit_store_close(store);
		return -EPROTONOSUPPORT;
	}

	/* Map the hash chain heads too (4 bytes a chain after the header), so
	 * that enumeration skips empty chains without asking tdb. */
	uint32_t chains = load32((const unsigned char *)hdr + TDB_HDR_HASH_SIZE_OFS);
	size_t hdr_len = PAGE;
	if (chains > 0 && chains < (1u << 26) && (off_t)TDB_HASH_TOP(chains) <= st.st_size) {
		size_t len = (TDB_HASH_TOP(chains) + PAGE - 1) & ~(size_t)(PAGE - 1);
		void *all = mmap(NULL, len, PROT_READ, MAP_SHARED, tdb_fd(tdb), 0);
		if (all != MAP_FAILED) {
			munmap(hdr, PAGE);
			hdr = all;
			hdr_len = len;
		}
	}
	if (hdr_len == PAGE)
		chains = 0;

	char *p = strdup(path);
	if (!p) {
		munmap(hdr, hdr_len);
		fedjit_store_close(store);
		return -ENOMEM;
	}
	*h = (struct handle){
	        .path = p,
	        .store = store,
	        .tdb = tdb,
	        .dev = st.st_dev,
	        .ino = st.st_ino,
	        .size = st.st_size,
	        .hdr = hdr,
	        .hdr_len = hdr_len,
	        .chains = chains,
	};
	return 0;
}

bool fedjit_nss_db_chain_empty(uint32_t chain)
{
	/* called from a read function: db_lock is held, db is open */
	return chain < db.chains && load32(db.hdr + TDB_HASH_TOP(chain)) == 0;
}

static uint64_t coarse_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Is the cached handle still the file at path? A stat() at most every FEDJIT_NSS_RECHECK_MS. */
static int handle_refresh(struct handle *h, const char *path)
{
	struct stat st;
	uint64_t now = coarse_ns();

	if (h->stale)
		handle_close(h);
	if (h->tdb && now - h->checked_ns < (uint64_t)FEDJIT_NSS_RECHECK_MS * 1000000u &&
	    strcmp(path, h->path) == 0)
		return 0;
	if (stat(path, &st) < 0) {
		int r = -errno;
		handle_close(h);
		return r;
	}
	if (h->tdb && (st.st_dev != h->dev || st.st_ino != h->ino || st.st_size < h->size ||
	               strcmp(path, h->path) != 0))
		handle_close(h);
	if (!h->tdb) {
		int r = handle_open(h, path);
		if (r < 0)
			return r;
	} else {
		h->size = st.st_size;
	}
	h->checked_ns = now;
	return 0;
}

static int snapshot_run(struct handle *h, fedjit_nss_read_fn fn, void *userdata)
{
	uint32_t s1 = load32(h->hdr + TDB_HDR_SEQNUM_OFS);

	int r = commit_state(h);
	if (r < 0)
		return r;

	r = fn(h->tdb, userdata);

	atomic_thread_fence(memory_order_acquire);
	int c = commit_state(h);
	if (c < 0)
		return c;
	atomic_thread_fence(memory_order_acquire);
	if (load32(h->hdr + TDB_HDR_SEQNUM_OFS) != s1)
		return -EAGAIN;
	return r == -EAGAIN ? -EIO : r; /* -EAGAIN means "retry" to the caller */
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Wait before retry number attempt; -EAGAIN once the budget is spent. */
static int backoff(unsigned attempt, uint64_t *start)
{
	if (attempt == 0) {
		*start = now_ns();
		return 0; /* the first retry is immediate: a commit usually just ended */
	}
	if (now_ns() - *start > (uint64_t)FEDJIT_NSS_READ_BUDGET_MS * 1000000u)
		return -EAGAIN;
	unsigned shift = attempt < 10 ? attempt : 10;
	struct timespec ts = {.tv_nsec = (long)(10000u << shift)}; /* 20 µs .. ~10 ms */
	nanosleep(&ts, NULL);
	return 0;
}

int fedjit_nss_db_read(const char *path, fedjit_nss_read_fn fn, void *userdata)
{
	uint64_t start = 0;
	int r;

	(void)pthread_once(&atfork_once, atfork_register);
	for (unsigned attempt = 0;; attempt++) {
		pthread_mutex_lock(&db_lock);
		r = handle_refresh(&db, path);
		if (r == 0)
			r = snapshot_run(&db, fn, userdata);
		pthread_mutex_unlock(&db_lock);
		if (r != -EAGAIN)
			return r;
		if (backoff(attempt, &start) < 0)
			return -EAGAIN;
	}
}

void fedjit_nss_db_reset(void)
{
	pthread_mutex_lock(&db_lock);
	handle_close(&db);
	pthread_mutex_unlock(&db_lock);
}

struct fetch {
	struct fedjit_nss_scratch *s;
	long off;
	size_t len;
};

static int fetch_cb(TDB_DATA key, TDB_DATA data, void *userdata)
{
	struct fetch *f = userdata;
	f->len = data.dsize;
	f->off = data.dsize ? fedjit_nss_scratch_append(f->s, data.dptr, data.dsize)
	                    : (long)f->s->len;
	return 0;
}

int fedjit_nss_fetch(struct tdb_context *tdb, TDB_DATA key, struct fedjit_nss_scratch *s,
                     size_t *ret_off, size_t *ret_len)
{
	struct fetch f = {.s = s};

	if (tdb_parse_record(tdb, key, fetch_cb, &f) != 0)
		return tdb_error(tdb) == TDB_ERR_NOEXIST ? -ENOENT : -EIO;
	if (f.off < 0)
		return (int)f.off;
	*ret_off = (size_t)f.off;
	*ret_len = f.len;
	return 0;
}

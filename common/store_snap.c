/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one reader of the store: consistent reads without locks (snapshot.h).
 * This is the only file of fedjit that knows tdb's on-disk layout, and why.
 *
 * WHAT IT READS. tdb 1.x files (tdb_private.h; the format is versioned in the
 * header and has not changed in tdb 1.x): a 168-byte header (FREELIST_TOP),
 * then hash_size chain heads of 4 bytes (the first one after the free list
 * head), then records: a 24-byte header {next, rec_len, key_len, data_len,
 * full_hash, magic} followed by the key and the data. A chain is found by
 * tdb_jenkins_hash(key) % hash_size (the store is created with
 * TDB_INCOMPATIBLE_HASH; the header's two magic hashes prove which hash the
 * file uses, and the walker is only used when they match). Live records carry
 * TDB_MAGIC, deleted ones TDB_DEAD_MAGIC; anything else in a chain is a torn
 * read or a corrupt file. A read-only handle maps the whole file itself
 * (read-only, shared: the page cache is coherent with the writers' pwrite and
 * mappings) and walks the chains in that mapping: a lookup is a hash, a few
 * loads and one copy, with no syscall and without tdb's per-call overhead. The
 * mapping grows with the file (an offset past its end costs one fstat and
 * mremap). Every offset is bounds-checked and every field is loaded once
 * before it is checked, so a concurrent writer can make a read wrong (caught
 * below) but never make it leave the mapping; a chain longer than WALK_MAX is
 * a torn one.
 *
 * CONSISTENCY (a seqlock over tdb's own commit protocol). Writers open with
 * TDB_SEQNUM, so every store bumps the header's sequence number, and commit
 * through tdb's transaction code, which, with fsync on: writes the recovery
 * data, arms the recovery record (its magic at recovery_start + 20 becomes
 * TDB_RECOVERY_MAGIC), fsyncs, writes the changed blocks (the header with the
 * new sequence number among them), fsyncs, and disarms. A read notes the
 * sequence number and recovery_start with the record disarmed, copies what it
 * needs, and checks again: same sequence number, same recovery_start, still
 * disarmed. A commit that overlapped the copy in any way fails one of the
 * checks: still running at the second check, it is armed; finished, it wrote
 * a new sequence number. (The sequence number alone is not enough: the
 * torn-read test caught readers that saw a commit's data before its new
 * number.) A failed check is redone (fedjit_retry_wait paces and bounds it).
 *
 * NO LOCKS. A reader takes no lock, and writers take none a reader could also
 * take (store_lock.c): nothing a local user does to the world-readable file
 * can delay a writer. What a reader cannot see by itself is whether an armed
 * record belongs to a commit being written or to a writer that died mid-commit
 * (kill -9, power loss). A writer therefore holds a shared (read) lock on
 * byte LIVE_OFS of the file from before it arms until after it disarms (and
 * while it recovers a file): shared, so no reader can refuse it to the
 * writer. A reader that finds the record armed asks the kernel (F_OFD_GETLK,
 * which takes nothing) whether anyone holds a lock there: yes, a commit is
 * under way (wait and retry); no, and still no after seeing the record armed,
 * with the sequence number unchanged across both questions: the writer died
 * and the read fails at once with -EIO (NSS answers UNAVAIL) until the next
 * root opener recovers the file (store.c). (A commit that started and ended
 * between the two questions would have written a new sequence number.) A
 * local user can hold a read lock on that byte too: then readers take a dead
 * writer for a live one and wait out their budget (FEDJIT_READ_BUDGET_MS)
 * before UNAVAIL, instead of failing at once: a slower failure, never a wrong
 * answer or a blocked writer.
 *
 * After a recovery tdb has put the old header back, sequence number
 * included; the recovering opener then commits once more (store.c), so a
 * read that spanned the dead commit and its recovery still sees a new number.
 *
 * A file truncated in place under the mapping would fault on access; tdb
 * never shrinks a file and fedjit replaces files by rename (the NSS module
 * checks the inode and size every FEDJIT_NSS_RECHECK_MS).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/store_private.h"

void (*fedjit_store_debug_read_hook)(void);

/* tdb's layout (tdb_private.h) */
#define TDB_MAGIC_FOOD       "TDB file\n"
#define HDR_VERSION          32
#define HDR_HASH_SIZE        36
#define HDR_RECOVERY         44
#define HDR_SEQNUM           48
#define HDR_MAGIC1           52
#define HDR_MAGIC2           56
#define HDR_FEATURES         60
#define HDR_SIZE             168 /* FREELIST_TOP */
#define TDB_VERSION_NATIVE   (0x26011967u + 6)
#define REC_SIZE             24
#define REC_NEXT             0
#define REC_KEY_LEN          8
#define REC_DATA_LEN         12
#define REC_HASH             16
#define REC_MAGIC            20
#define TDB_MAGIC_V          0x26011999u
#define TDB_DEAD_MAGIC_V     0xfee1deadu
#define TDB_RECOVERY_MAGIC_V 0xf53bc0e7u
#define HASH_TOP(b)          ((size_t)HDR_SIZE + 4 * ((size_t)(b) + 1))
/* tdb locks bytes 0, 4, 8 (open, active, transaction), 48 (sequence number)
 * and from 168 on; 12 is none of them. */
#define LIVE_OFS 12
#define WALK_MAX 65536

enum {
	MODE_UNCHECKED = 0, /* NOLOCK handles, or inside our own transaction */
	MODE_VALIDATED,     /* lock-free, checked by fedjit_read_end */
	MODE_LOCKED,        /* a read-write handle under the writers' lock */
};

/* A word of the shared mapping, loaded exactly once (it may change under us). */
static inline uint32_t ld32(const unsigned char *p)
{
	return __atomic_load_n((const uint32_t *)(const void *)p, __ATOMIC_RELAXED);
}

static uint32_t pread32(int fd, off_t off)
{
	uint32_t v = 0;

	if (pread(fd, &v, sizeof(v), off) != (ssize_t)sizeof(v))
		return 0;
	return v;
}

static uint32_t jenkins(const void *p, size_t n)
{
	TDB_DATA d = {(unsigned char *)p, n};

	return tdb_jenkins_hash(&d);
}

/* ---- the view: one mapping of the whole file ---- */

static bool layout_known(const unsigned char *m, size_t len)
{
	uint32_t magic = TDB_MAGIC_V;

	if (len < HDR_SIZE || memcmp(m, TDB_MAGIC_FOOD, sizeof(TDB_MAGIC_FOOD)) != 0 ||
	    ld32(m + HDR_VERSION) != TDB_VERSION_NATIVE || ld32(m + HDR_FEATURES) != 0)
		return false;
	/* tdb_header_hash(): the hash of the magic food (with its NUL) and of
	 * TDB_MAGIC tell which hash function built the chains. */
	if (ld32(m + HDR_MAGIC1) != jenkins(TDB_MAGIC_FOOD, sizeof(TDB_MAGIC_FOOD)) ||
	    ld32(m + HDR_MAGIC2) != jenkins(&magic, sizeof(magic)))
		return false;
	uint32_t n = ld32(m + HDR_HASH_SIZE);
	return n > 0 && n < (1u << 28) && HASH_TOP(n) <= len;
}

void fedjit_view_init(struct fedjit_view *v, int fd)
{
	struct stat st;
	void *p;

	*v = (struct fedjit_view){.fd = fd};
	if (fstat(fd, &st) < 0 || st.st_size < HDR_SIZE || (uint64_t)st.st_size > SIZE_MAX / 2)
		return;
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return; /* reads go through tdb */
	if (!layout_known(p, (size_t)st.st_size)) {
		munmap(p, (size_t)st.st_size);
		return;
	}
	v->map = p;
	v->map_len = (size_t)st.st_size;
	v->hash_size = ld32(v->map + HDR_HASH_SIZE);
}

void fedjit_view_done(struct fedjit_view *v)
{
	if (v->map)
		munmap((void *)v->map, v->map_len);
	if (v->fd >= 0)
		close(v->fd);
	*v = (struct fedjit_view){.fd = -1};
}

/* Make [0, need) mapped: 0, or -EAGAIN when the file is shorter (an offset
 * from a torn read), -errno. */
static int view_grow(struct fedjit_view *v, uint64_t need)
{
	struct stat st;
	void *p;

	if (need <= v->map_len)
		return 0;
	if (fstat(v->fd, &st) < 0)
		return -errno;
	if ((uint64_t)st.st_size < need || (uint64_t)st.st_size > SIZE_MAX / 2)
		return -EAGAIN;
	p = mremap((void *)v->map, v->map_len, (size_t)st.st_size, MREMAP_MAYMOVE);
	if (p == MAP_FAILED)
		return -errno;
	v->map = p;
	v->map_len = (size_t)st.st_size;
	return 0;
}

/* Whether the recovery record at rh is armed: 1, 0, -EAGAIN (rh past the end
 * of the file: a torn header read). */
static int view_armed(struct fedjit_view *v, uint32_t rh)
{
	if (rh == 0)
		return 0; /* never committed with fsync */
	if (!v->map)
		return pread32(v->fd, (off_t)rh + REC_MAGIC) == TDB_RECOVERY_MAGIC_V;
	if ((uint64_t)rh + REC_SIZE > v->map_len) {
		int r = view_grow(v, (uint64_t)rh + REC_SIZE);
		if (r < 0)
			return r;
	}
	return ld32(v->map + rh + REC_MAGIC) == TDB_RECOVERY_MAGIC_V;
}

static uint32_t view_hdr(struct fedjit_view *v, size_t off)
{
	return v->map ? __atomic_load_n((const uint32_t *)(const void *)(v->map + off),
	                                __ATOMIC_ACQUIRE)
	              : pread32(v->fd, (off_t)off);
}

bool fedjit_view_fd_armed(int fd)
{
	uint32_t rh = pread32(fd, HDR_RECOVERY);

	return rh && pread32(fd, (off_t)rh + REC_MAGIC) == TDB_RECOVERY_MAGIC_V;
}

/* Does anyone hold a lock on the liveness byte? (F_OFD_GETLK takes nothing.) */
static bool live_held(int fd)
{
	struct flock fl = {
	        .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = LIVE_OFS, .l_len = 1};

	if (fcntl(fd, F_OFD_GETLK, &fl) < 0)
		return true; /* cannot tell: assume alive, the budget bounds the wait */
	return fl.l_type != F_UNLCK;
}

/* See CONSISTENCY and NO LOCKS above: seq0/rh0 were read before the record
 * was found armed. */
static int judge(struct fedjit_view *v, uint32_t seq0, uint32_t rh0)
{
	if (live_held(v->fd))
		return -EAGAIN;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (view_armed(v, rh0) != 1 || view_hdr(v, HDR_RECOVERY) != rh0)
		return -EAGAIN; /* moved on: look again */
	if (live_held(v->fd))
		return -EAGAIN;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (view_hdr(v, HDR_SEQNUM) != seq0 || view_hdr(v, HDR_RECOVERY) != rh0)
		return -EAGAIN;
	return -EIO;
}

int fedjit_view_judge_fd(int fd)
{
	struct fedjit_view v = {.fd = fd};
	uint32_t seq = view_hdr(&v, HDR_SEQNUM), rh = view_hdr(&v, HDR_RECOVERY);

	return view_armed(&v, rh) == 1 ? judge(&v, seq, rh) : -EAGAIN;
}

void fedjit_live_lock(int fd, bool on)
{
	struct flock fl = {
	        .l_type = on ? F_RDLCK : F_UNLCK,
	        .l_whence = SEEK_SET,
	        .l_start = LIVE_OFS,
	        .l_len = 1,
	};

	/* Shared: nobody who can only read the file can refuse it (a write lock
	 * needs a descriptor open for writing). If it fails anyway, readers
	 * may take this commit for a dead one for its duration. */
	(void)fcntl(fd, F_OFD_SETLK, &fl);
}

/* ---- reads ---- */

static bool unchecked(struct fedjit_store *s)
{
	return (s->flags & FEDJIT_STORE_NOLOCK) || tdb_transaction_active(s->tdb);
}

int fedjit_read_begin(struct fedjit_store *s, struct fedjit_read *rd)
{
	struct fedjit_view *v = &s->view;
	int r;

	rd->mode = MODE_UNCHECKED;
	if (unchecked(s))
		return 0;
	if (!(s->flags & FEDJIT_STORE_RDONLY)) {
		r = fedjit_store_wlock(s);
		if (r < 0)
			return r;
		rd->mode = MODE_LOCKED;
		return 0;
	}
	rd->mode = MODE_VALIDATED;
	rd->rh = view_hdr(v, HDR_RECOVERY);
	rd->seq = view_hdr(v, HDR_SEQNUM);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	r = view_armed(v, rd->rh);
	if (r == 0)
		return 0;
	return r < 0 ? r : judge(v, rd->seq, rd->rh);
}

int fedjit_read_end(struct fedjit_store *s, struct fedjit_read *rd)
{
	struct fedjit_view *v = &s->view;

	switch (rd->mode) {
	case MODE_LOCKED:
		fedjit_store_wunlock(s);
		return 0;
	case MODE_VALIDATED:
		if (fedjit_store_debug_read_hook)
			fedjit_store_debug_read_hook();
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (view_hdr(v, HDR_RECOVERY) != rd->rh || view_armed(v, rd->rh) != 0 ||
		    view_hdr(v, HDR_SEQNUM) != rd->seq)
			return -EAGAIN;
		return 0;
	default:
		return 0;
	}
}

struct parse_place {
	fedjit_place_fn place;
	void *userdata;
};

static int parse_cb(TDB_DATA key, TDB_DATA data, void *p)
{
	struct parse_place *pp = p;

	return pp->place(data.dptr, data.dsize, pp->userdata);
}

/* Through tdb (read-write handles, or a file the walker does not know). */
static int tdb_get(struct fedjit_store *s, TDB_DATA key, fedjit_place_fn place, void *userdata)
{
	struct parse_place pp = {place, userdata};
	int r = tdb_parse_record(s->tdb, key, parse_cb, &pp);

	if (r == -1) {
		if (tdb_error(s->tdb) == TDB_ERR_NOEXIST)
			return -ENOENT;
		/* a torn chain on a read-only handle; EIO on a locked one */
		return (s->flags & FEDJIT_STORE_RDONLY) ? -EAGAIN : -EIO;
	}
	return r;
}

/* The record at off, bounds-checked: 0 and its header words, -EAGAIN. */
struct rec {
	uint32_t next, key_len, data_len, hash, magic;
};

static int rec_at(struct fedjit_view *v, uint32_t off, struct rec *ret)
{
	if (off & 3 || off < HASH_TOP(v->hash_size))
		return -EAGAIN;
	if ((uint64_t)off + REC_SIZE > v->map_len) {
		int r = view_grow(v, (uint64_t)off + REC_SIZE);
		if (r < 0)
			return r;
	}
	const unsigned char *p = v->map + off;
	*ret = (struct rec){
	        .next = ld32(p + REC_NEXT),
	        .key_len = ld32(p + REC_KEY_LEN),
	        .data_len = ld32(p + REC_DATA_LEN),
	        .hash = ld32(p + REC_HASH),
	        .magic = ld32(p + REC_MAGIC),
	};
	if (ret->magic == TDB_MAGIC_V) {
		uint64_t end = (uint64_t)off + REC_SIZE + ret->key_len + ret->data_len;
		if (end > v->map_len)
			return view_grow(v, end);
		return 0;
	}
	return ret->magic == TDB_DEAD_MAGIC_V ? 0 : -EAGAIN;
}

int fedjit_read_get(struct fedjit_store *s, TDB_DATA key, fedjit_place_fn place, void *userdata)
{
	struct fedjit_view *v = &s->view;
	struct rec rec;
	uint32_t hash, off;
	int r;

	if (!v->map || !(s->flags & FEDJIT_STORE_RDONLY))
		return tdb_get(s, key, place, userdata);
	hash = jenkins(key.dptr, key.dsize);
	off = ld32(v->map + HASH_TOP(hash % v->hash_size));
	for (unsigned steps = 0; off; steps++) {
		if (steps == WALK_MAX)
			return -EAGAIN;
		r = rec_at(v, off, &rec);
		if (r < 0)
			return r;
		if (rec.magic == TDB_MAGIC_V && rec.hash == hash && rec.key_len == key.dsize) {
			const unsigned char *p = v->map + off + REC_SIZE;
			if (memcmp(p, key.dptr, key.dsize) == 0)
				return place(p + key.dsize, rec.data_len, userdata);
		}
		off = rec.next;
	}
	return -ENOENT;
}

uint32_t fedjit_read_chains(struct fedjit_store *s)
{
	return s->view.map && (s->flags & FEDJIT_STORE_RDONLY) ? s->view.hash_size
	                                                       : (uint32_t)tdb_hash_size(s->tdb);
}

uint32_t fedjit_read_next_chain(struct fedjit_store *s, uint32_t chain)
{
	const struct fedjit_view *v = &s->view;

	if (!v->map || !(s->flags & FEDJIT_STORE_RDONLY))
		return chain;
	while (chain < v->hash_size && ld32(v->map + HASH_TOP(chain)) == 0)
		chain++;
	return chain;
}

bool fedjit_read_chain_empty(struct fedjit_store *s, uint32_t chain)
{
	const struct fedjit_view *v = &s->view;

	return v->map && (s->flags & FEDJIT_STORE_RDONLY) && chain < v->hash_size &&
	       ld32(v->map + HASH_TOP(chain)) == 0;
}

struct chain_cb {
	fedjit_chain_fn fn;
	void *userdata;
	int r;
};

static int tdb_chain_cb(struct tdb_context *tdb, TDB_DATA key, TDB_DATA data, void *p)
{
	struct chain_cb *c = p;

	c->r = c->fn(key, data, c->userdata);
	return c->r != 0;
}

int fedjit_read_chain(struct fedjit_store *s, uint32_t chain, fedjit_chain_fn fn, void *userdata)
{
	struct fedjit_view *v = &s->view;
	struct rec rec;
	uint32_t off;
	int r;

	if (!v->map || !(s->flags & FEDJIT_STORE_RDONLY)) {
		struct chain_cb c = {fn, userdata, 0};

		if (tdb_traverse_chain(s->tdb, chain, tdb_chain_cb, &c) < 0 && c.r == 0)
			return (s->flags & FEDJIT_STORE_RDONLY) ? -EAGAIN : -EIO;
		return c.r;
	}
	if (chain >= v->hash_size)
		return -EINVAL;
	off = ld32(v->map + HASH_TOP(chain));
	for (unsigned steps = 0; off; steps++) {
		if (steps == WALK_MAX)
			return -EAGAIN;
		r = rec_at(v, off, &rec);
		if (r < 0)
			return r;
		if (rec.magic == TDB_MAGIC_V) {
			const unsigned char *p = v->map + off + REC_SIZE;
			r = fn((TDB_DATA){(unsigned char *)p, rec.key_len},
			       (TDB_DATA){(unsigned char *)p + rec.key_len, rec.data_len},
			       userdata);
			if (r != 0)
				return r;
		}
		off = rec.next;
	}
	return 0;
}

int fedjit_read_once(struct fedjit_store *s, int (*fn)(struct fedjit_store *s, void *userdata),
                     void *userdata)
{
	struct fedjit_read rd;
	int r = fedjit_read_begin(s, &rd), e;

	if (r < 0)
		return r;
	r = fn(s, userdata);
	e = fedjit_read_end(s, &rd);
	if (e < 0)
		return e;
	/* a torn walk inside a read that validated: the file is corrupt */
	return r == -EAGAIN ? -EIO : r;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int fedjit_retry_wait(struct fedjit_retry *rt, unsigned budget_ms)
{
	if (rt->attempt++ == 0) {
		rt->start_ns = now_ns();
		return 0;
	}
	if (now_ns() - rt->start_ns > (uint64_t)budget_ms * 1000000u)
		return -EAGAIN;
	unsigned shift = rt->attempt < 10 ? rt->attempt : 10;
	struct timespec ts = {.tv_nsec = (long)(10000u << shift)}; /* 20 us .. ~10 ms */
	nanosleep(&ts, NULL);
	return 0;
}

int fedjit_read(struct fedjit_store *s, int (*fn)(struct fedjit_store *s, void *userdata),
                void *userdata)
{
	struct fedjit_retry rt = {0};

	for (;;) {
		int r = fedjit_read_once(s, fn, userdata);

		if (r != -EAGAIN || fedjit_retry_wait(&rt, FEDJIT_READ_BUDGET_MS) < 0)
			return r;
	}
}

/* ---- private copies ---- */

int fedjit_snap_place(const unsigned char *data, size_t len, void *p)
{
	struct fedjit_snap *sn = p;

	fedjit_snap_free(sn);
	if (len <= sizeof(sn->inline_buf)) {
		sn->d.dptr = sn->inline_buf;
	} else {
		sn->heap = malloc(len);
		if (!sn->heap)
			return -ENOMEM;
		sn->d.dptr = sn->heap;
	}
	memcpy(sn->d.dptr, data, len);
	sn->d.dsize = len;
	return 0;
}

void fedjit_snap_free(struct fedjit_snap *sn)
{
	free(sn->heap);
	sn->heap = NULL;
	sn->d = (TDB_DATA){0};
}

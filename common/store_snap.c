/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Consistent reads without locks for read-only handles (the NSS hot path).
 *
 * tdb takes no locks on a read-only handle, and a shared fcntl lock costs two
 * syscalls per lookup. So a read-only handle first reads optimistically and
 * validates afterwards, like a seqlock, using two things every tdb commit
 * does (tdb 1.x on-disk format, verified by the tests):
 *   - before writing any data, the committer arms the recovery record: its
 *     magic (at recovery_start + 20) becomes TDB_RECOVERY_MAGIC; only after
 *     the last data write does it disarm it again;
 *   - the commit writes the header's sequence number (writers open with
 *     TDB_SEQNUM, and every store bumps it).
 * A reader notes (sequence number, recovery_start) with the recovery record
 * disarmed, copies the records it needs out of the mapping, and checks again:
 * same sequence number, same recovery_start, still disarmed. A commit that
 * overlapped the copy in any way fails one of the three checks: if it was
 * still running at the second check the magic is armed; if it finished, it
 * wrote a new sequence number. A failed check is redone under the shared
 * fcntl lock (which waits for the commit). Under that lock an armed record
 * means a writer died mid-commit: the data may be half-written, so the read
 * fails with -EIO until a read-write open rolls the commit back.
 *
 * The header fields are read through a private read-only mapping of the
 * first page; the recovery magic through a small mapping around it, remapped
 * only when recovery_start moves. On weakly ordered CPUs the writer's side
 * relies on the syscalls (and fsyncs) between arming, writing and disarming.
 */
#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/store_private.h"

#define TDB_HDR_VERSION_OFS  32
#define TDB_HDR_RECOVERY_OFS 44
#define TDB_HDR_SEQNUM_OFS   48
#define TDB_VERSION_NATIVE   (0x26011967u + 6)
#define TDB_RECORD_MAGIC_OFS 20
#define TDB_RECOVERY_MAGIC_V 0xf53bc0e7u
#define HDR_MAP_LEN          4096

void (*fedjit_store_debug_read_hook)(void);

static uint32_t load32(const unsigned char *p)
{
	uint32_t v;

	/* A plain load of a word another process may be writing: volatile keeps
	 * the compiler from caching or tearing it. */
	v = *(const volatile uint32_t *)(const void *)p;
	return v;
}

int fedjit_store_snap_init(struct fedjit_store *s)
{
	void *p;

	s->hdr = NULL;
	s->rwin = NULL;
	p = mmap(NULL, HDR_MAP_LEN, PROT_READ, MAP_SHARED, tdb_fd(s->tdb), 0);
	if (p == MAP_FAILED)
		return 0; /* no optimistic reads: every read takes the lock */
	if (load32((const unsigned char *)p + TDB_HDR_VERSION_OFS) != TDB_VERSION_NATIVE) {
		munmap(p, HDR_MAP_LEN); /* a byte-swapped file: not worth the trouble */
		return 0;
	}
	s->hdr = p;
	return 0;
}

void fedjit_store_snap_done(struct fedjit_store *s)
{
	if (s->hdr)
		munmap((void *)s->hdr, HDR_MAP_LEN);
	if (s->rwin)
		munmap((void *)s->rwin, s->rwin_len);
	s->hdr = s->rwin = NULL;
}

/*
 * Whether the recovery record at rh is armed: 1, 0, or -errno when it cannot
 * be mapped (the caller then takes the lock).
 */
static int recovery_armed(struct fedjit_store *s, uint32_t rh)
{
	long page = sysconf(_SC_PAGESIZE);
	off_t want = (off_t)rh + TDB_RECORD_MAGIC_OFS;
	off_t start = want & ~((off_t)page - 1);
	struct stat st;
	void *p;

	if (rh == 0)
		return 0; /* never committed a transaction */
	if (!s->rwin || want < s->rwin_off || want + 4 > s->rwin_off + (off_t)s->rwin_len) {
		/* Map only what exists: reading a mapping past EOF is SIGBUS. */
		if (fstat(tdb_fd(s->tdb), &st) < 0)
			return -errno;
		if (want + 4 > st.st_size)
			return -EBADMSG;
		p = mmap(NULL, (size_t)(want + 4 - start), PROT_READ, MAP_SHARED, tdb_fd(s->tdb),
		         start);
		if (p == MAP_FAILED)
			return -errno;
		if (s->rwin)
			munmap((void *)s->rwin, s->rwin_len);
		s->rwin = p;
		s->rwin_off = start;
		s->rwin_len = (size_t)(want + 4 - start);
	}
	return load32(s->rwin + (want - s->rwin_off)) == TDB_RECOVERY_MAGIC_V;
}

int fedjit_store_read_begin(struct fedjit_store *s, struct fedjit_read *rd, bool optimistic)
{
	rd->mode = FEDJIT_READ_LOCKED;
	if ((s->flags & FEDJIT_STORE_NOLOCK) || tdb_transaction_active(s->tdb)) {
		rd->mode = FEDJIT_READ_UNCHECKED;
		return 0;
	}
	if (optimistic && s->hdr && (s->flags & FEDJIT_STORE_RDONLY)) {
		rd->rh = load32(s->hdr + TDB_HDR_RECOVERY_OFS);
		rd->seq = load32(s->hdr + TDB_HDR_SEQNUM_OFS);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (recovery_armed(s, rd->rh) == 0) {
			rd->mode = FEDJIT_READ_OPTIMISTIC;
			return 0;
		}
	}
	return fedjit_store_rlock(s);
}

int fedjit_store_read_end(struct fedjit_store *s, struct fedjit_read *rd)
{
	int armed;

	switch (rd->mode) {
	case FEDJIT_READ_UNCHECKED:
		return 0;
	case FEDJIT_READ_OPTIMISTIC:
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (load32(s->hdr + TDB_HDR_RECOVERY_OFS) != rd->rh ||
		    recovery_armed(s, rd->rh) != 0 ||
		    load32(s->hdr + TDB_HDR_SEQNUM_OFS) != rd->seq)
			return -EAGAIN;
		return 0;
	default:
		armed = 0;
		if ((s->flags & FEDJIT_STORE_RDONLY) && s->hdr)
			armed = recovery_armed(s, load32(s->hdr + TDB_HDR_RECOVERY_OFS));
		fedjit_store_runlock(s);
		/* Armed while we hold the lock: nobody is committing, a writer died
		 * half-way. Do not serve what it left. */
		return armed == 1 ? -EIO : 0;
	}
}

static int snap_cb(TDB_DATA key, TDB_DATA data, void *p)
{
	struct fedjit_snap *sn = p;

	if (data.dsize <= sizeof(sn->inline_buf)) {
		sn->d.dptr = sn->inline_buf;
	} else {
		sn->heap = malloc(data.dsize);
		if (!sn->heap)
			return -ENOMEM;
		sn->d.dptr = sn->heap;
	}
	memcpy(sn->d.dptr, data.dptr, data.dsize);
	sn->d.dsize = data.dsize;
	return 0;
}

int fedjit_store_snap_key(struct fedjit_store *s, TDB_DATA key, struct fedjit_snap *sn)
{
	int r;

	fedjit_snap_free(sn);
	r = tdb_parse_record(s->tdb, key, snap_cb, sn);
	if (r == -1)
		return tdb_error(s->tdb) == TDB_ERR_NOEXIST ? -ENOENT : -EIO;
	return r;
}

void fedjit_snap_free(struct fedjit_snap *sn)
{
	free(sn->heap);
	sn->heap = NULL;
	sn->d = (TDB_DATA){0};
}

int fedjit_store_lookup(struct fedjit_store *s, TDB_DATA key1,
                        int (*second)(TDB_DATA rec1, char *kb, TDB_DATA *ret_key2),
                        struct fedjit_snap *a, struct fedjit_snap *b)
{
	char kb[FEDJIT_KEY_MAX];

	/* The second attempt is locked, so it never asks for a third. */
	for (int attempt = 0; attempt < 2; attempt++) {
		struct fedjit_read rd;
		TDB_DATA key2;
		int r, e;

		r = fedjit_store_read_begin(s, &rd, attempt == 0);
		if (r < 0)
			return r;
		r = fedjit_store_snap_key(s, key1, a);
		if (r >= 0 && second) {
			r = second(a->d, kb, &key2);
			if (r >= 0) {
				r = fedjit_store_snap_key(s, key2, b);
				if (r == -ENOENT)
					r = -EBADMSG; /* a dangling index */
			}
		}
		if (rd.mode == FEDJIT_READ_OPTIMISTIC && fedjit_store_debug_read_hook)
			fedjit_store_debug_read_hook();
		e = fedjit_store_read_end(s, &rd);
		if (e == -EAGAIN)
			continue;
		return e < 0 ? e : r;
	}
	return -EIO;
}

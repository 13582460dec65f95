/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The writers' lock. The store file is world-readable (every process reads
 * it through NSS), and anyone who can read a file can take a read lock on any
 * of its bytes, which a writer asking for a write lock on the same bytes
 * would wait for. So writers open tdb with TDB_NOLOCK (tdb takes no fcntl
 * lock at all) and serialise among themselves on a separate lock file that
 * only root can open: PATH.lock, beside the store, mode 0600, owned by the
 * writer. Readers never lock (store_snap.c).
 *
 * The lock file is opened with O_NOFOLLOW and must be a regular file owned by
 * this process's effective uid with no group or other permissions, in a
 * directory nobody else may write to (else another user could replace it and
 * two writers would lock two different files): anything else is refused with
 * -EPERM and a syslog line naming the file. The lock is an open file
 * description lock (F_OFD_SETLK) on the whole file, so it belongs to the
 * handle, survives nothing of its holder (a writer that dies lets go) and is
 * not dropped when some other descriptor of the file is closed. The holder
 * writes its pid into the file, so a writer that waits can say who it waited
 * for. The private store beside the store has no lock of its own: its
 * writers take the store's (one lock, one order for both files).
 *
 * Waiting: F_OFD_SETLK polled with sleeps from 50 us doubling to 2 ms (a
 * commit holds the lock for about half a millisecond; a blocking wait would
 * have no deadline), for at most FEDJIT_STORE_WRITE_LOCK_TIMEOUT_MS, then
 * -ETIMEDOUT and a syslog line with the holder's pid.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "common/macro.h"
#include "common/store_private.h"

#define BACKOFF_FIRST_US 50
#define BACKOFF_MAX_US   2000

static int lock_path(const char *path, char *buf, size_t size)
{
	if ((size_t)snprintf(buf, size, "%s.lock", path) >= size)
		return -ENAMETOOLONG;
	return 0;
}

/* The directory of path must not be writable by anyone but its owner, and
 * its owner must be us or root. */
static int dir_safe(const char *lpath)
{
	_cleanup_free_ char *dir = strdup(lpath);
	struct stat st;
	char *slash;

	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (stat(dir, &st) < 0)
		return -errno;
	if ((st.st_uid != 0 && st.st_uid != geteuid()) || (st.st_mode & 022))
		return -EPERM;
	return 0;
}

int fedjit_store_lock_open(const char *path, bool create, int *ret_fd)
{
	char lpath[PATH_MAX];
	struct stat st;
	int fd, r = lock_path(path, lpath, sizeof(lpath));

	if (r < 0)
		return r;
	fd = open(lpath, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | (create ? O_CREAT : 0), 0600);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
	} else if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077)) {
		r = -EPERM;
	} else {
		r = dir_safe(lpath);
	}
	if (r == -EPERM)
		syslog(LOG_AUTHPRIV | LOG_ERR,
		       "store: refusing the lock file %s: it must be a regular file owned by uid "
		       "%u, "
		       "mode 0600, in a directory only its owner may write to",
		       lpath, (unsigned)geteuid());
	if (r < 0) {
		close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

static int try_lock(int fd)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};

	if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
		return 0;
	return errno == EAGAIN || errno == EACCES || errno == EINTR ? -EAGAIN : -errno;
}

static long holder_pid(int fd)
{
	char buf[24] = "";
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	return n > 0 ? strtol(buf, NULL, 10) : 0;
}

int fedjit_store_wlock(struct fedjit_store *s)
{
	long waited_us = 0, step_us = BACKOFF_FIRST_US;
	int r;

	/* the private store: its store's lock covers both files */
	if (s->lock_of)
		return fedjit_store_wlock(s->lock_of);
	if (s->lock_depth > 0) {
		s->lock_depth++;
		return 0;
	}
	if (s->lock_fd < 0) {
		r = fedjit_store_lock_open(s->path, !(s->flags & FEDJIT_STORE_RDONLY), &s->lock_fd);
		if (r < 0)
			return r;
	}
	while ((r = try_lock(s->lock_fd)) == -EAGAIN) {
		if (waited_us >= FEDJIT_STORE_WRITE_LOCK_TIMEOUT_MS * 1000L) {
			syslog(LOG_AUTHPRIV | LOG_WARNING,
			       "store: %s is held by another writer (pid %ld) for more than %d s; "
			       "giving up",
			       s->path, holder_pid(s->lock_fd),
			       FEDJIT_STORE_WRITE_LOCK_TIMEOUT_MS / 1000);
			return -ETIMEDOUT;
		}
		struct timespec ts = {.tv_nsec = step_us * 1000L};
		nanosleep(&ts, NULL);
		waited_us += step_us;
		step_us = step_us * 2 > BACKOFF_MAX_US ? BACKOFF_MAX_US : step_us * 2;
	}
	if (r < 0)
		return r;
	char pid[24];
	int n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	(void)!pwrite(s->lock_fd, pid, (size_t)n, 0);
	s->lock_depth = 1;
	return 0;
}

void fedjit_store_wunlock(struct fedjit_store *s)
{
	struct flock fl = {.l_type = F_UNLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};

	if (s->lock_of) {
		fedjit_store_wunlock(s->lock_of);
		return;
	}
	if (s->lock_depth <= 0 || --s->lock_depth > 0)
		return;
	(void)fcntl(s->lock_fd, F_OFD_SETLK, &fl);
}

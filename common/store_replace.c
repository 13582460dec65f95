/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Replacing the store (store.h: fedjit_store_replace_begin): a copy of both
 * files beside them, written in as many transactions as the caller likes
 * (memory stays that of one transaction), then synced and renamed into
 * place. The writers' lock is held from the copy to the rename, so no commit
 * is lost in between. Names: PATH with ".tdb" turned into ".replace.tdb"
 * (else PATH.replace), and that file's private store and lock file beside it;
 * leftovers of a crash are removed by the next replace.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/macro.h"
#include "common/store_private.h"

struct names {
	char pub[PATH_MAX], priv[PATH_MAX], lock[PATH_MAX];
};

static int tmp_names(const char *path, struct names *n)
{
	size_t len = strlen(path);
	int w;

	if (len > 4 && strcmp(path + len - 4, ".tdb") == 0)
		w = snprintf(n->pub, sizeof(n->pub), "%.*s.replace.tdb", (int)(len - 4), path);
	else
		w = snprintf(n->pub, sizeof(n->pub), "%s.replace", path);
	if (w < 0 || (size_t)w >= sizeof(n->pub))
		return -ENAMETOOLONG;
	w = snprintf(n->lock, sizeof(n->lock), "%s.lock", n->pub);
	if (w < 0 || (size_t)w >= sizeof(n->lock))
		return -ENAMETOOLONG;
	return fedjit_store_private_path(n->pub, n->priv, sizeof(n->priv));
}

static void remove_tmp(const struct names *n)
{
	unlink(n->pub);
	unlink(n->priv);
	unlink(n->lock);
}

/* Copy the whole file from (a descriptor of ours) to a new file at path. */
static int copy_file(int from, const char *path, mode_t mode)
{
	_cleanup_close_ int to = -1;
	struct stat st;
	off_t off = 0;

	if (fstat(from, &st) < 0)
		return -errno;
	to = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (to < 0)
		return -errno;
	if (fchmod(to, mode) < 0)
		return -errno;
	while (off < st.st_size) {
		ssize_t n = copy_file_range(from, &off, to, NULL, (size_t)(st.st_size - off), 0);

		if (n > 0)
			continue;
		if (n == 0)
			return -EIO; /* the file shrank: tdb never does that */
		if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP)
			return -errno;
		/* another file system, or an old kernel: by hand */
		char buf[1 << 16];
		ssize_t got = pread(from, buf, sizeof(buf), off);

		if (got <= 0)
			return got < 0 ? -errno : -EIO;
		if (pwrite(to, buf, (size_t)got, off) != got)
			return -errno ? -errno : -EIO;
		off += got;
	}
	return 0;
}

int fedjit_store_replace_begin(struct fedjit_store *s, struct fedjit_store **ret_tmp)
{
	struct names n;
	int r;

	if ((s->flags & FEDJIT_STORE_RDONLY) || !s->priv || s->batch)
		return -EINVAL;
	r = tmp_names(s->path, &n);
	if (r < 0)
		return r;
	r = fedjit_store_wlock(s);
	if (r < 0)
		return r;
	remove_tmp(&n);
	r = copy_file(tdb_fd(s->tdb), n.pub, 0644);
	if (r >= 0)
		r = copy_file(tdb_fd(s->priv->tdb), n.priv, 0600);
	if (r >= 0)
		r = fedjit_store_open(n.pub, FEDJIT_STORE_NOSYNC | FEDJIT_STORE_POINT, ret_tmp);
	if (r < 0) {
		remove_tmp(&n);
		fedjit_store_wunlock(s);
	}
	return r;
}

static int sync_path(const char *path, bool dir)
{
	_cleanup_close_ int fd = open(path, (dir ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return fsync(fd) < 0 ? -errno : 0;
}

int fedjit_store_replace_end(struct fedjit_store *s, struct fedjit_store *tmp, int r)
{
	char priv[PATH_MAX], dir[PATH_MAX];
	struct names n;
	int q = tmp_names(s->path, &n);

	fedjit_store_close(tmp);
	if (q < 0)
		r = q; /* cannot happen: begin built the same names */
	if (r >= 0)
		r = fedjit_store_private_path(s->path, priv, sizeof(priv));
	if (r >= 0)
		r = sync_path(n.priv, false);
	if (r >= 0)
		r = sync_path(n.pub, false);
	/* the private store first: a crash between the renames leaves the new
	 * private records beside the old store, which lookups ignore */
	if (r >= 0 && rename(n.priv, priv) < 0)
		r = -errno;
	if (r >= 0 && rename(n.pub, s->path) < 0)
		r = -errno;
	if (r >= 0) {
		snprintf(dir, sizeof(dir), "%s", s->path);
		char *slash = strrchr(dir, '/');
		if (slash && slash != dir)
			*slash = '\0';
		else
			snprintf(dir, sizeof(dir), "%s", slash ? "/" : ".");
		(void)sync_path(dir, true);
	}
	remove_tmp(&n);
	fedjit_store_wunlock(s);
	return r;
}

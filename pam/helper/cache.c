/* SPDX-License-Identifier: Apache-2.0 */
/* On-disk cache of discovery and JWKS documents: see cache.h for the layout. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "common/macro.h"
#include "pam/helper/cache.h"
#include "pam/helper/ipc.h"

static const char *const suffix[] = {
        [FEDJIT_CACHE_DISCOVERY] = "discovery",
        [FEDJIT_CACHE_JWKS] = "jwks",
        [FEDJIT_CACHE_JWKS_REFETCH] = "jwks-refetch",
};

int fedjit_cache_dir_prepare(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	if (lstat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 0022))
		return -EPERM;
	return 0;
}

int fedjit_cache_path(const char *dir, enum fedjit_cache_kind kind, const char *id, char **ret)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned md_len = 0;
	char hex[33];

	if (EVP_Digest(id, strlen(id), md, &md_len, EVP_sha256(), NULL) != 1 || md_len < 16)
		return -ENOMEM;
	for (unsigned i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	if (asprintf(ret, "%s/%s.%s", dir, hex, suffix[kind]) < 0)
		return -ENOMEM;
	return 0;
}

/* A cache file is trusted only when root wrote it for root alone. */
static bool file_safe(const struct stat *st)
{
	return S_ISREG(st->st_mode) && st->st_uid == 0 && (st->st_mode & 0077) == 0;
}

int fedjit_cache_read(const char *dir, enum fedjit_cache_kind kind, const char *id, unsigned ttl,
                      time_t now, char **ret, size_t *ret_len)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -1;
	struct stat st;
	char *buf;
	size_t got = 0;
	int r;

	r = fedjit_cache_path(dir, kind, id, &path);
	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return errno == ELOOP ? -EPERM : -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!file_safe(&st))
		return -EPERM;
	if (st.st_size > FEDJIT_CACHE_MAX_FILE)
		return -E2BIG;
	if (st.st_mtime + (time_t)ttl <= now || st.st_mtime > now + 60)
		return -ESTALE;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(buf);
			return n < 0 ? -errno : -EIO;
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
	*ret = buf;
	*ret_len = got;
	return 0;
}

int fedjit_cache_write(const char *dir, enum fedjit_cache_kind kind, const char *id,
                       const char *data, size_t len)
{
	_cleanup_free_ char *path = NULL, *tmp = NULL;
	_cleanup_close_ int fd = -1;
	int r;

	r = fedjit_cache_path(dir, kind, id, &path);
	if (r < 0)
		return r;
	if (asprintf(&tmp, "%s.XXXXXX", path) < 0) {
		tmp = NULL;
		return -ENOMEM;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = fchmod(fd, 0600) < 0 ? -errno : 0;
	if (r == 0)
		r = fedjit_write_all(fd, data, len);
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

bool fedjit_cache_refetch_allowed(const char *dir, const char *issuer, time_t now)
{
	_cleanup_free_ char *path = NULL;
	struct stat st;

	if (fedjit_cache_path(dir, FEDJIT_CACHE_JWKS_REFETCH, issuer, &path) < 0)
		return false;
	if (lstat(path, &st) < 0)
		return errno == ENOENT;
	/* A stamp in the future (clock set back) must not block refetches for long. */
	return st.st_mtime + FEDJIT_JWKS_REFETCH_INTERVAL <= now ||
	       st.st_mtime > now + FEDJIT_JWKS_REFETCH_INTERVAL;
}

int fedjit_cache_refetch_mark(const char *dir, const char *issuer)
{
	return fedjit_cache_write(dir, FEDJIT_CACHE_JWKS_REFETCH, issuer, "", 0);
}

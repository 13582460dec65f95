/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store as the NSS module holds it: one cached read-only handle per
 * process. How a read stays consistent without locks is the store's own
 * reader (common/store_snap.c, shared with the admin tool and the helper);
 * what is here is the handle's life.
 *
 * THE HANDLE. A read-only handle (FEDJIT_STORE_RDONLY | NORECOVER: the module
 * never writes, so it never rolls back an interrupted commit; a root opener
 * does), opened on first use and kept. Writers change the file in place, so
 * their commits are visible to the next lookup at once. What the handle
 * cannot see by itself is the file being replaced (a restore renames another
 * file over it) or removed: stat() of the path tells, and it runs at most
 * every FEDJIT_NSS_RECHECK_MS per process (timed with CLOCK_MONOTONIC_COARSE,
 * which costs no syscall), and on every lookup while there is no store (so
 * the first account is seen at once). A warm lookup therefore makes no
 * syscall at all. The handle is reopened when the device/inode changed or
 * the file shrank; ENOENT means "no accounts yet".
 *
 * FORK AND THREADS. After fork() the child reopens lazily: a pthread_atfork
 * child handler marks the handle stale (getpid() is a syscall since glibc
 * 2.25, so the pid is not compared per lookup); the prepare/parent/child
 * handlers also keep the mutex from being inherited locked. The handle is
 * used under one mutex (a tdb context is not thread-safe); the mutex is never
 * held across a sleep: a read that raced a commit is retried after
 * fedjit_retry_wait outside it, for at most FEDJIT_READ_BUDGET_MS, then
 * UNAVAIL.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/store.h"
#include "nss/nss_fedjit.h"

struct handle {
	char *path;           /* the path it was opened from */
	const char *path_arg; /* the caller's pointer to it (see handle_refresh) */
	uint64_t checked_ns;  /* last stat() of path (CLOCK_MONOTONIC_COARSE) */
	struct fedjit_store *store;
	dev_t dev;
	ino_t ino;
	off_t size;
	bool stale;
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

static void handle_close(struct handle *h)
{
	if (h->store)
		fedjit_store_close(h->store);
	free(h->path);
	*h = (struct handle){0};
}

static int handle_open(struct handle *h, const char *path, const struct stat *st)
{
	struct fedjit_store *store = NULL;
	int r = fedjit_store_open(path, FEDJIT_STORE_RDONLY | FEDJIT_STORE_NORECOVER, &store);

	if (r < 0)
		return r;
	char *p = strdup(path);
	if (!p) {
		fedjit_store_close(store);
		return -ENOMEM;
	}
	*h = (struct handle){
	        .path = p,
	        .path_arg = path,
	        .store = store,
	        .dev = st->st_dev,
	        .ino = st->st_ino,
	        .size = st->st_size,
	};
	return 0;
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
	/* The installed module passes its compiled-in path, the same pointer on
	 * every call: comparing pointers saves a strcmp per lookup (the test
	 * build's path comes from the environment, which may change in place). */
	if (h->store && now - h->checked_ns < (uint64_t)FEDJIT_NSS_RECHECK_MS * 1000000u &&
	    ((FEDJIT_NSS_PATH_FIXED && path == h->path_arg) || strcmp(path, h->path) == 0))
		return 0;
	if (stat(path, &st) < 0) {
		int r = -errno;
		handle_close(h);
		return r;
	}
	if (h->store && (st.st_dev != h->dev || st.st_ino != h->ino || st.st_size < h->size ||
	                 strcmp(path, h->path) != 0))
		handle_close(h);
	if (!h->store) {
		int r = handle_open(h, path, &st);
		if (r < 0)
			return r;
	} else {
		h->size = st.st_size;
	}
	h->checked_ns = now;
	return 0;
}

int fedjit_nss_db_read(const char *path, fedjit_nss_read_fn fn, void *userdata)
{
	struct fedjit_retry rt = {0};
	int r;

	(void)pthread_once(&atfork_once, atfork_register);
	for (;;) {
		pthread_mutex_lock(&db_lock);
		r = handle_refresh(&db, path);
		if (r == 0)
			r = fedjit_read_once(db.store, fn, userdata);
		pthread_mutex_unlock(&db_lock);
		if (r != -EAGAIN)
			return r;
		if (fedjit_retry_wait(&rt, FEDJIT_READ_BUDGET_MS) < 0)
			return -EAGAIN;
	}
}

void fedjit_nss_db_reset(void)
{
	pthread_mutex_lock(&db_lock);
	handle_close(&db);
	pthread_mutex_unlock(&db_lock);
}

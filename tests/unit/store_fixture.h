/* SPDX-License-Identifier: Apache-2.0 */
/* The fixture the store tests share: a temporary directory per test, a store
 * opened read-write in it, test users, and the consistency checker's report. */
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/macro.h"
#include "common/store.h"

struct fx {
	char dir[512];
	char path[PATH_MAX];   /* dir/sub/fedjit.tdb (sub does not exist yet) */
	char secret[PATH_MAX]; /* dir/sub/secret.tdb */
	struct fedjit_store *s;
};

static inline void rm_rf(const char *dir)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static inline int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	const char *tmp = getenv("TMPDIR");

	snprintf(f->dir, sizeof(f->dir), "%s/test_store.XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/sub/fedjit.tdb", f->dir);
	snprintf(f->secret, sizeof(f->secret), "%s/sub/secret.tdb", f->dir);
	fedjit_store_debug_fail_after = 0;
	*state = f;
	return 0;
}

static inline int teardown(void **state)
{
	struct fx *f = *state;

	fedjit_store_close(f->s);
	rm_rf(f->dir);
	free(f);
	fedjit_store_debug_fail_after = 0;
	fedjit_store_debug_read_hook = NULL;
	return 0;
}

static inline struct fedjit_store *open_rw(struct fx *f)
{
	assert_int_equal(
	        fedjit_store_open(f->path, FEDJIT_STORE_CREATE | FEDJIT_STORE_NOSYNC, &f->s), 0);
	return f->s;
}

/* A user of idp "corp"; each n gives distinct name, uid and subject. */
static inline struct fedjit_user mkuser(char *buf, size_t size, unsigned n, const char *idp)
{
	struct fedjit_user u = {
	        .uid = 200000 + n,
	        .gid = 200000 + n,
	        .gecos = "Test User",
	        .shell = "/bin/bash",
	        .domain = "PRIMARY",
	        .idp = (char *)idp,
	        .issuer = "https://idp.example",
	        .email = "",
	        .created = 1700000000,
	};
	int k;

	/* buf: name\0home\0subject\0 */
	k = snprintf(buf, size, "user%u", n) + 1;
	u.name = buf;
	u.home = buf + k;
	k += snprintf(buf + k, size - k, "/home/user%u", n) + 1;
	u.subject = buf + k;
	snprintf(buf + k, size - k, "%s-sub-%u", idp, n);
	return u;
}

static inline void report_collect(const char *msg, void *userdata)
{
	char *all = userdata;

	strncat(all, msg, 8191 - strlen(all));
	strncat(all, "\n", 8191 - strlen(all));
}

static inline int check(struct fedjit_store *s, char *msgs)
{
	msgs[0] = '\0';
	return fedjit_store_check(s, report_collect, msgs);
}

static inline void assert_consistent(struct fedjit_store *s)
{
	char msgs[8192];
	int r = check(s, msgs);

	if (r != 0)
		fprintf(stderr, "# checker: %s", msgs);
	assert_int_equal(r, 0);
}

static inline int count_keys(struct fedjit_store *s)
{
	return tdb_traverse(fedjit_store_tdb(s), NULL, NULL);
}

/* ---- opening ---- */

static inline void put_raw(struct fedjit_store *s, const char *key, size_t klen, const void *val,
                           size_t vlen)
{
	TDB_DATA k = {(unsigned char *)key, klen}, v = {(unsigned char *)val, vlen};

	assert_int_equal(tdb_store(fedjit_store_tdb(s), k, v, TDB_REPLACE), 0);
}

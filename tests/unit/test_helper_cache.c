/* SPDX-License-Identifier: Apache-2.0 */
/* The helper's document cache: round trip, expiry, modes, symlinks, the refetch stamp.
 * Ownership checks want root-owned files: skipped when not root. */

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "pam/helper/cache.h"

#define ISS "https://idp.example/realms/corp"

static int setup(void **state)
{
	char *dir = strdup("/tmp/fedjit-cache-test.XXXXXX");

	if (!dir || !mkdtemp(dir))
		return -1;
	*state = dir;
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", (char *)*state);
	free(*state);
	return system(cmd) == 0 ? 0 : -1;
}

static void need_root(void)
{
	if (geteuid() != 0)
		skip();
}

static void test_round_trip(void **state)
{
	const char *dir = *state;
	char *data = NULL, *path = NULL;
	size_t len = 0;
	struct stat st;

	need_root();
	assert_int_equal(fedjit_cache_dir_prepare(dir), 0);
	assert_int_equal(
	        fedjit_cache_read(dir, FEDJIT_CACHE_DISCOVERY, ISS, 60, time(NULL), &data, &len),
	        -ENOENT);
	assert_int_equal(fedjit_cache_write(dir, FEDJIT_CACHE_DISCOVERY, ISS, "{\"a\":1}", 7), 0);
	assert_int_equal(
	        fedjit_cache_read(dir, FEDJIT_CACHE_DISCOVERY, ISS, 60, time(NULL), &data, &len),
	        0);
	assert_int_equal(len, 7);
	assert_string_equal(data, "{\"a\":1}");
	free(data);
	/* 0600, and the key does not leak the issuer text into the name */
	assert_int_equal(fedjit_cache_path(dir, FEDJIT_CACHE_DISCOVERY, ISS, &path), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_null(strstr(path, "idp.example"));
	free(path);
	/* another kind or id is another file */
	assert_int_equal(
	        fedjit_cache_read(dir, FEDJIT_CACHE_JWKS, ISS, 60, time(NULL), &data, &len),
	        -ENOENT);
}

static void test_expiry(void **state)
{
	const char *dir = *state;
	char *data = NULL;
	size_t len = 0;

	need_root();
	assert_int_equal(fedjit_cache_write(dir, FEDJIT_CACHE_JWKS, ISS "/jwks", "{}", 2), 0);
	assert_int_equal(fedjit_cache_read(dir, FEDJIT_CACHE_JWKS, ISS "/jwks", 60, time(NULL) + 61,
	                                   &data, &len),
	                 -ESTALE);
	assert_int_equal(fedjit_cache_read(dir, FEDJIT_CACHE_JWKS, ISS "/jwks", 60, time(NULL) + 30,
	                                   &data, &len),
	                 0);
	free(data);
}

static void test_unsafe_files(void **state)
{
	const char *dir = *state;
	char *data = NULL, *path = NULL;
	size_t len = 0;

	need_root();
	assert_int_equal(fedjit_cache_write(dir, FEDJIT_CACHE_DISCOVERY, ISS, "{}", 2), 0);
	assert_int_equal(fedjit_cache_path(dir, FEDJIT_CACHE_DISCOVERY, ISS, &path), 0);
	/* readable by others: not trusted */
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(
	        fedjit_cache_read(dir, FEDJIT_CACHE_DISCOVERY, ISS, 60, time(NULL), &data, &len),
	        -EPERM);
	/* a symlink to somewhere else: refused */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink("/etc/hostname", path), 0);
	assert_int_equal(
	        fedjit_cache_read(dir, FEDJIT_CACHE_DISCOVERY, ISS, 60, time(NULL), &data, &len),
	        -EPERM);
	/* writing replaces the link, never follows it */
	assert_int_equal(fedjit_cache_write(dir, FEDJIT_CACHE_DISCOVERY, ISS, "{}", 2), 0);
	assert_int_equal(
	        fedjit_cache_read(dir, FEDJIT_CACHE_DISCOVERY, ISS, 60, time(NULL), &data, &len),
	        0);
	free(data);
	free(path);
}

static void test_unsafe_dir(void **state)
{
	const char *dir = *state;
	char sub[256];

	need_root();
	snprintf(sub, sizeof(sub), "%s/c", dir);
	assert_int_equal(fedjit_cache_dir_prepare(sub), 0);
	assert_int_equal(chmod(sub, 0777), 0);
	assert_int_equal(fedjit_cache_dir_prepare(sub), -EPERM);
	assert_int_equal(chmod(sub, 0700), 0);
	assert_int_equal(fedjit_cache_dir_prepare(sub), 0);
}

static void test_refetch_stamp(void **state)
{
	const char *dir = *state;
	time_t now = time(NULL);

	need_root();
	assert_true(fedjit_cache_refetch_allowed(dir, ISS, now));
	assert_int_equal(fedjit_cache_refetch_mark(dir, ISS), 0);
	assert_false(fedjit_cache_refetch_allowed(dir, ISS, now));
	assert_true(fedjit_cache_refetch_allowed(dir, ISS, now + FEDJIT_JWKS_REFETCH_INTERVAL + 1));
	assert_true(fedjit_cache_refetch_allowed(dir, ISS "/other", now));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_expiry, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_unsafe_files, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_unsafe_dir, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_refetch_stamp, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

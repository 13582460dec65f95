/* SPDX-License-Identifier: Apache-2.0 */
/* The fixture the configuration tests share: a fresh mkdtemp directory per test,
 * files written into it, loading, and exact "FILE:LINE: message" expectations. */
#pragma once

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
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
#include <unistd.h>

#include <cmocka.h> /* after the headers it needs */

#include "common/config.h"

struct fixture {
	char dir[64];
	char dropins[96];
	char main[96];
};

static inline int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->dir, "/tmp/fedjit-test-config-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->dropins, sizeof(f->dropins), "%s/conf.d", f->dir);
	snprintf(f->main, sizeof(f->main), "%s/fedjit.conf", f->dir);
	assert_int_equal(mkdir(f->dropins, 0755), 0);
	*state = f;
	return 0;
}

static inline int teardown(void **state)
{
	struct fixture *f = *state;
	char *cmd;

	/* Only our own mkdtemp directory. */
	assert_true(asprintf(&cmd, "rm -rf '%s'", f->dir) > 0);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(f);
	return 0;
}

/* Write len bytes (len SIZE_MAX: strlen) to dir/name with mode; the path (static buffer). */
static inline const char *write_mem(const char *dir, const char *name, const char *text, size_t len,
                                    mode_t mode)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	if (len == SIZE_MAX)
		len = strlen(text);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

static inline const char *write_file(const char *dir, const char *name, const char *text)
{
	return write_mem(dir, name, text, SIZE_MAX, 0644);
}

static inline int load(struct fixture *f, struct fedjit_config **c, struct fedjit_diag *d)
{
	return fedjit_config_load(f->main, f->dropins, c, d);
}

/*
 * Load the main file with text; expect -EINVAL and exactly the messages given
 * as (line, message) pairs ending with 0 (line is 0 for a message about the
 * whole file). Messages about other files pass their full text with line ~0u.
 */
static inline void expect_errors(struct fixture *f, const char *text, ...)
{
	struct fedjit_config *c = NULL;
	struct fedjit_diag d = {0};
	va_list ap;
	size_t n = 0;

	write_file(f->dir, "fedjit.conf", text);
	int r = load(f, &c, &d);
	va_start(ap, text);
	for (;;) {
		unsigned line = va_arg(ap, unsigned);
		if (line == 0)
			break;
		const char *msg = va_arg(ap, const char *);
		char *want;
		if (line == ~0u)
			want = strdup(msg);
		else
			assert_true(asprintf(&want, "%s:%u: %s", f->main, line, msg) > 0);
		if (n >= d.n_lines)
			fail_msg("missing message: %s", want);
		assert_string_equal(d.lines[n], want);
		free(want);
		n++;
	}
	va_end(ap);
	if (n < d.n_lines)
		fail_msg("unexpected message: %s", d.lines[n]);
	assert_int_equal(r, -EINVAL);
	assert_null(c);
	fedjit_diag_clear(&d);
}

/* Load text as the main file; expect success and return the config. */
static inline struct fedjit_config *expect_ok(struct fixture *f, const char *text)
{
	struct fedjit_config *c = NULL;
	struct fedjit_diag d = {0};

	write_file(f->dir, "fedjit.conf", text);
	int r = load(f, &c, &d);
	for (size_t i = 0; i < d.n_lines; i++)
		print_message("# %s\n", d.lines[i]);
	assert_int_equal(r, 0);
	assert_int_equal(d.n_lines, 0);
	assert_non_null(c);
	fedjit_diag_clear(&d);
	return c;
}

#define IDP_OK "[idp corp]\nissuer = https://idp.example.com/realms/corp\nclient_id = fedjit\n"

/* Write c, read the text back, write again: the same text; returns the text. */
static inline char *round_trip(const struct fedjit_config *c)
{
	char *text = NULL, *again = NULL;
	size_t len = 0, len2 = 0;
	struct fedjit_config *c2 = NULL;
	struct fedjit_diag d = {0};
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(fedjit_config_write(c, f), 0);
	fclose(f);
	int r = fedjit_config_parse_buffer("written.conf", text, len, 0, &c2, &d);
	for (size_t i = 0; i < d.n_lines; i++)
		print_message("# %s\n", d.lines[i]);
	assert_int_equal(r, 0);
	f = open_memstream(&again, &len2);
	assert_non_null(f);
	assert_int_equal(fedjit_config_write(c2, f), 0);
	fclose(f);
	assert_string_equal(again, text);
	assert_int_equal(c2->n_domains, c->n_domains);
	assert_int_equal(c2->n_idps, c->n_idps);
	free(again);
	fedjit_config_free(c2);
	return text;
}

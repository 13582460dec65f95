/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Replays a fuzzing corpus through a libFuzzer harness without libFuzzer, so
 * that `make check` exercises every committed input in every build (gcc,
 * ASan+UBSan, valgrind), not only in --enable-fuzzing builds.
 *
 * Link this file with one harness (a file defining LLVMFuzzerTestOneInput and
 * optionally LLVMFuzzerInitialize) and define FEDJIT_FUZZ_CORPUS as the
 * corpus directory relative to the source tree, e.g. in a Makefile fragment:
 *
 *   check_PROGRAMS += tests/fuzz/replay_foo
 *   TESTS += tests/fuzz/replay_foo
 *   tests_fuzz_replay_foo_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_foo.c
 *   tests_fuzz_replay_foo_CPPFLAGS = $(AM_CPPFLAGS) \
 *           -DFEDJIT_FUZZ_CORPUS='"tests/fuzz/corpus/foo"'
 *
 * Without arguments it reads $top_srcdir/FEDJIT_FUZZ_CORPUS (top_srcdir from
 * the environment, as `make check` exports it; "." otherwise); with
 * arguments, the files and directories named. Every regular file is one input,
 * in strcmp order. Output is TAP, one case per input; a harness that crashes
 * or aborts ends the run, which the TAP driver reports as an error.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* Inputs larger than this are not read (libFuzzer's default -max_len is far smaller). */
#define REPLAY_MAX_INPUT (4 * 1024 * 1024)

struct inputs {
	char **paths;
	size_t n;
};

static int push(struct inputs *in, char *path)
{
	char **p = realloc(in->paths, (in->n + 1) * sizeof(*p));

	if (!p) {
		free(path);
		return -ENOMEM;
	}
	in->paths = p;
	in->paths[in->n++] = path;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Add a file, or every regular file of a directory (not recursive, sorted). */
static int collect(struct inputs *in, const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(st.st_mode))
		return push(in, strdup(path));
	DIR *d = opendir(path);
	if (!d) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	size_t first = in->n;
	int r = 0;
	for (struct dirent *de; r == 0 && (de = readdir(d));) {
		char *p;
		if (de->d_name[0] == '.')
			continue;
		if (asprintf(&p, "%s/%s", path, de->d_name) < 0) {
			r = -ENOMEM;
			break;
		}
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
			r = push(in, p);
		else
			free(p);
	}
	closedir(d);
	if (in->n > first)
		qsort(in->paths + first, in->n - first, sizeof(char *), cmp_str);
	return r;
}

static int read_input(const char *path, uint8_t **ret, size_t *ret_size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || st.st_size > REPLAY_MAX_INPUT) {
		close(fd);
		return -EFBIG;
	}
	/* At least one byte so that an empty input is a valid, non-NULL buffer. */
	uint8_t *buf = malloc((size_t)st.st_size + 1);
	size_t len = 0;
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	/* An exact-size copy, so that ASan and valgrind see reads past the end. */
	uint8_t *exact = malloc(len ? len : 1);
	if (!exact) {
		free(buf);
		return -ENOMEM;
	}
	memcpy(exact, buf, len);
	free(buf);
	*ret = exact;
	*ret_size = len;
	return 0;
}

int main(int argc, char **argv)
{
	struct inputs in = {0};
	int failed = 0;

	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			if (collect(&in, argv[i]) < 0)
				failed = 1;
	} else {
#ifdef FEDJIT_FUZZ_CORPUS
		const char *top = getenv("top_srcdir");
		char *dir;
		if (asprintf(&dir, "%s/%s", top && *top ? top : ".", FEDJIT_FUZZ_CORPUS) < 0)
			return 99;
		if (collect(&in, dir) < 0)
			failed = 1;
		free(dir);
#else
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
#endif
	}
	if (failed || in.n == 0) {
		printf("Bail out! no corpus inputs found\n");
		return 99;
	}
	printf("1..%zu\n", in.n);
	for (size_t i = 0; i < in.n; i++) {
		uint8_t *data = NULL;
		size_t size = 0;
		const char *name =
		        strrchr(in.paths[i], '/') ? strrchr(in.paths[i], '/') + 1 : in.paths[i];
		int r = read_input(in.paths[i], &data, &size);
		if (r < 0) {
			printf("not ok %zu - %s (%s)\n", i + 1, name, strerror(-r));
			failed = 1;
		} else {
			/* libFuzzer harnesses return 0; anything else is a harness bug. */
			r = LLVMFuzzerTestOneInput(data, size);
			printf("%sok %zu - %s (%zu bytes)\n", r == 0 ? "" : "not ", i + 1, name,
			       size);
			if (r != 0)
				failed = 1;
			free(data);
		}
		fflush(stdout);
		free(in.paths[i]);
	}
	free(in.paths);
	return failed;
}

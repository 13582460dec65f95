/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test tool for the fault tests (tests/harden/helper-faults.sh):
 *   store_tool hold PATH        open the store read-write, start a transaction
 *                               (fedjit_store_batch_begin) and write into it, print
 *                               "held", then keep it open until stdin reaches EOF or
 *                               the process is killed: a writer stuck mid-commit
 *   store_tool check PATH       fedjit_store_check: prints each problem and
 *                               "problems=N users=NAME,...", exit 0 when consistent
 *   store_tool user PATH NAME   read-only lookup as the NSS module does it: prints
 *                               "uid=N", exit 0 found, 1 not found, 2 error
 *   store_tool fill PATH        adds groups fill-N (one transaction each) until a
 *                               write fails (the file cannot grow: disk full), then
 *                               prints "groups=N error=MESSAGE"; exit 0 if one failed
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/store.h"

static void report(const char *message, void *userdata)
{
	(void)userdata;
	printf("problem: %s\n", message);
}

static int hold(const char *path)
{
	struct fedjit_store *s = NULL;
	char buf[64];
	int r = fedjit_store_open(path, 0, &s);

	if (r < 0) {
		fprintf(stderr, "store_tool: open %s: %s\n", path, fedjit_store_strerror(r));
		return 2;
	}
	r = fedjit_store_batch_begin(s);
	if (r >= 0)
		r = fedjit_store_ensure_group(s, "harden-stuck", 299998, "PRIMARY",
		                              FEDJIT_GROUP_ADMIN, NULL);
	if (r < 0) {
		fprintf(stderr, "store_tool: transaction: %s\n", fedjit_store_strerror(r));
		fedjit_store_close(s);
		return 2;
	}
	printf("held\n");
	fflush(stdout);
	while (read(STDIN_FILENO, buf, sizeof(buf)) > 0)
		;
	fedjit_store_batch_end(s, -ECANCELED);
	fedjit_store_close(s);
	return 0;
}

static int check(const char *path)
{
	struct fedjit_store *s = NULL;
	char **names = NULL;
	size_t n = 0;
	int r = fedjit_store_open(path, FEDJIT_STORE_RDONLY, &s);

	if (r < 0) {
		fprintf(stderr, "store_tool: open %s: %s\n", path, fedjit_store_strerror(r));
		return 2;
	}
	r = fedjit_store_check(s, report, NULL);
	if (r >= 0 && fedjit_store_list_users(s, &names, &n) < 0)
		r = -EIO;
	printf("problems=%d users=", r);
	for (size_t i = 0; i < n; i++) {
		printf("%s%s", i ? "," : "", names[i]);
		free(names[i]);
	}
	printf("\n");
	free(names);
	fedjit_store_close(s);
	return r == 0 ? 0 : 1;
}

static int user(const char *path, const char *name)
{
	struct fedjit_store *s = NULL;
	struct fedjit_user *u = NULL;
	int r = fedjit_store_open(path, FEDJIT_STORE_RDONLY, &s);

	if (r >= 0)
		r = fedjit_store_get_user(s, name, &u);
	if (r >= 0) {
		printf("uid=%u\n", (unsigned)u->uid);
		fedjit_user_free(u);
	}
	fedjit_store_close(s);
	if (r == -ENOENT)
		return 1;
	if (r < 0) {
		fprintf(stderr, "store_tool: %s: %s\n", name, fedjit_store_strerror(r));
		return 2;
	}
	return 0;
}

static int fill(const char *path)
{
	struct fedjit_store *s = NULL;
	char name[32];
	unsigned n = 0;
	int r = fedjit_store_open(path, FEDJIT_STORE_NOSYNC, &s);

	if (r < 0) {
		fprintf(stderr, "store_tool: open %s: %s\n", path, fedjit_store_strerror(r));
		return 2;
	}
	for (; n < 1000000; n++) {
		snprintf(name, sizeof(name), "fill-%u", n);
		r = fedjit_store_ensure_group(s, name, 260000 + n, "PRIMARY", FEDJIT_GROUP_ADMIN,
		                              NULL);
		if (r < 0)
			break;
	}
	printf("groups=%u error=%s\n", n, r < 0 ? fedjit_store_strerror(r) : "none");
	fedjit_store_close(s);
	return r < 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "hold") == 0)
		return hold(argv[2]);
	if (argc == 3 && strcmp(argv[1], "check") == 0)
		return check(argv[2]);
	if (argc == 3 && strcmp(argv[1], "fill") == 0)
		return fill(argv[2]);
	if (argc == 4 && strcmp(argv[1], "user") == 0)
		return user(argv[2], argv[3]);
	fprintf(stderr, "usage: store_tool hold|check|fill PATH | user PATH NAME\n");
	return 2;
}

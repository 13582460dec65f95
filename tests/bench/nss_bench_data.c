/* SPDX-License-Identifier: Apache-2.0 */
/* nss_bench's data: the same users as a fedjit store, flat files and nsscache files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/record.h"
#include "common/store.h"
#include "tests/bench/nss_bench.h"

#define BATCH 10000u

void fedjit_bench_user_name(char *buf, unsigned i)
{
	sprintf(buf, "u%07u", i);
}

void fedjit_bench_group_name(char *buf, unsigned k)
{
	sprintf(buf, "g%05u", k);
}

unsigned fedjit_bench_shared(unsigned n_users)
{
	unsigned n = n_users * 2 / SHARED_MEMBERS;

	return n < 2 ? 2 : n;
}

void fedjit_bench_die(const char *what, int r)
{
	fprintf(stderr, "nss_bench: %s: %s\n", what, strerror(r < 0 ? -r : r));
	exit(1);
}

static void put(struct tdb_context *tdb, TDB_DATA key, TDB_DATA data)
{
	if (tdb_store(tdb, key, data, TDB_INSERT) != 0)
		fedjit_bench_die("tdb_store", EIO);
	free(data.dptr);
}

static void enc(int r)
{
	if (r < 0)
		fedjit_bench_die("encode", r);
}

/* The two shared groups of user i: i's pair of slots, 2i and 2i + 1, spread
 * over the groups (each gets SHARED_MEMBERS members, every slot once). */
static void shared_of(unsigned i, unsigned n_shared, unsigned *a, unsigned *b)
{
	*a = (2 * i) % n_shared;
	*b = (2 * i + 1 + 2 * (i / n_shared)) % n_shared;
	if (*b == *a)
		*b = (*a + 1) % n_shared;
}

static int generate_store_and_files(const char *dir, unsigned n_users)
{
	char path[4096], name[32], kb[FEDJIT_KEY_MAX], sub[32];
	struct fedjit_store *s;
	TDB_DATA key, data;
	int r;

	snprintf(path, sizeof(path), "%s/fedjit.tdb", dir);
	unlink(path);
	r = fedjit_store_open(path, FEDJIT_STORE_CREATE | FEDJIT_STORE_NOSYNC, &s);
	if (r < 0)
		fedjit_bench_die(path, r);
	struct tdb_context *tdb = fedjit_store_tdb(s);

	snprintf(path, sizeof(path), "%s/passwd", dir);
	FILE *pw = fopen(path, "w");
	snprintf(path, sizeof(path), "%s/group", dir);
	FILE *gr = fopen(path, "w");
	if (!pw || !gr)
		fedjit_bench_die("files", errno);

	/* shared group members */
	unsigned shared = fedjit_bench_shared(n_users);
	char ***members = calloc(shared, sizeof(char **));
	size_t *n_members = calloc(shared, sizeof(size_t));
	if (!members || !n_members)
		fedjit_bench_die("memory", ENOMEM);
	for (unsigned k = 0; k < shared; k++)
		if (!(members[k] = calloc(n_users + 1, sizeof(char *))))
			fedjit_bench_die("memory", ENOMEM);

	for (unsigned i = 0; i < n_users; i++) {
		if (i % BATCH == 0 && tdb_transaction_start(tdb) != 0)
			fedjit_bench_die("transaction", EIO);
		uint32_t id = UID_BASE + i;
		unsigned a, b;
		char home[64];
		fedjit_bench_user_name(name, i);
		shared_of(i, shared, &a, &b);
		members[a][n_members[a]++] = strdup(name);
		members[b][n_members[b]++] = strdup(name);
		snprintf(home, sizeof(home), "/home/%s", name);
		snprintf(sub, sizeof(sub), "sub-%u", i);
		struct fedjit_user u = {
		        .name = name,
		        .uid = id,
		        .gid = id,
		        .gecos = "Bench User",
		        .home = home,
		        .shell = "/bin/bash",
		        .domain = "PRIMARY",
		        .idp = "bench",
		        .issuer = "https://idp.bench",
		        .subject = sub,
		        .created = 1700000000,
		};
		char *nomem[] = {NULL};
		struct fedjit_group g = {.name = name,
		                         .gid = id,
		                         .origin = FEDJIT_GROUP_PRIVATE,
		                         .domain = "PRIMARY",
		                         .members = nomem};
		uint32_t gids[3] = {27, SHARED_BASE + (a < b ? a : b),
		                    SHARED_BASE + (a < b ? b : a)};

		fedjit_key_user(kb, name, &key);
		if (fedjit_record_encode_user(&u, &data) < 0)
			fedjit_bench_die("encode user", EINVAL);
		put(tdb, key, data);
		fedjit_key_uid(kb, id, &key);
		enc(fedjit_record_encode_name(name, &data));
		put(tdb, key, data);
		fedjit_key_group(kb, name, &key);
		if (fedjit_record_encode_group(&g, &data) < 0)
			fedjit_bench_die("encode group", EINVAL);
		put(tdb, key, data);
		fedjit_key_gid(kb, id, &key);
		enc(fedjit_record_encode_name(name, &data));
		put(tdb, key, data);
		fedjit_key_gids(kb, name, &key);
		enc(fedjit_record_encode_gids(gids, 3, &data));
		put(tdb, key, data);
		/* the account record and the link are in the private store, which
		 * NSS never reads: not written here */

		fprintf(pw, "%s:x:%u:%u:Bench User:%s:/bin/bash\n", name, id, id, home);
		fprintf(gr, "%s:x:%u:\n", name, id);
		if ((i + 1) % BATCH == 0 || i + 1 == n_users) {
			if (tdb_transaction_commit(tdb) != 0)
				fedjit_bench_die("commit", EIO);
		}
	}
	if (tdb_transaction_start(tdb) != 0)
		fedjit_bench_die("transaction", EIO);
	for (unsigned k = 0; k < shared; k++) {
		char gname[16];
		fedjit_bench_group_name(gname, k);
		members[k][n_members[k]] = NULL;
		struct fedjit_group g = {.name = gname,
		                         .gid = SHARED_BASE + k,
		                         .origin = FEDJIT_GROUP_JIT,
		                         .domain = "PRIMARY",
		                         .members = members[k],
		                         .n_members = n_members[k]};
		fedjit_key_group(kb, gname, &key);
		if (fedjit_record_encode_group(&g, &data) < 0)
			fedjit_bench_die("encode shared group", EINVAL);
		put(tdb, key, data);
		fedjit_key_gid(kb, SHARED_BASE + k, &key);
		enc(fedjit_record_encode_name(gname, &data));
		put(tdb, key, data);
		fprintf(gr, "%s:x:%u:", gname, SHARED_BASE + k);
		for (size_t m = 0; m < n_members[k]; m++) {
			fprintf(gr, "%s%s", m ? "," : "", members[k][m]);
			free(members[k][m]);
		}
		fputc('\n', gr);
		free(members[k]);
	}
	free(members);
	free(n_members);
	fprintf(gr, "sudo:x:27:\n");
	if (tdb_transaction_commit(tdb) != 0)
		fedjit_bench_die("commit", EIO);
	fedjit_store_close(s);
	if (fclose(pw) != 0 || fclose(gr) != 0)
		fedjit_bench_die("files", errno);
	return 0;
}

/*
 * libnss-cache's files: NAME.cache is the map itself (passwd/group lines),
 * NAME.cache.ixname / .ixuid / .ixgid its sorted indexes as the nsscache tool
 * writes them: one fixed-width line per entry, "KEY\0OFFSET\0" padded with
 * NULs, then '\n'; sorted by strcmp of KEY (ids as decimal text); OFFSET is
 * the line's byte offset in the map.
 */
struct ix {
	char *key;
	long off;
};

static int cmp_ix(const void *a, const void *b)
{
	return strcmp(((const struct ix *)a)->key, ((const struct ix *)b)->key);
}

static void write_index(const char *map, int column, const char *suffix)
{
	char path[4096], line[1 << 20];
	struct ix *v = NULL;
	size_t n = 0, cap = 0, width = 0;
	long off = 0;

	FILE *f = fopen(map, "r");
	if (!f)
		fedjit_bench_die(map, errno);
	while (fgets(line, sizeof(line), f)) {
		long here = off;
		off += (long)strlen(line);
		char *field = line;
		for (int c = 0; c < column; c++)
			field = strchr(field, ':') + 1;
		field[strcspn(field, ":\n")] = '\0';
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			v = realloc(v, cap * sizeof(*v));
		}
		v[n].key = strdup(field);
		v[n].off = here;
		size_t w = strlen(field) + 1 + (size_t)snprintf(NULL, 0, "%ld", here) + 1;
		if (w > width)
			width = w;
		n++;
	}
	fclose(f);
	qsort(v, n, sizeof(*v), cmp_ix);
	snprintf(path, sizeof(path), "%s%s", map, suffix);
	FILE *o = fopen(path, "w");
	if (!o)
		fedjit_bench_die(path, errno);
	for (size_t i = 0; i < n; i++) {
		char entry[256] = {0};
		int len = snprintf(entry, sizeof(entry), "%s%c%ld", v[i].key, 0, v[i].off);
		(void)len;
		fwrite(entry, 1, width, o);
		fputc('\n', o);
		free(v[i].key);
	}
	free(v);
	if (fclose(o) != 0)
		fedjit_bench_die(path, errno);
}

static void copy_file(const char *from, const char *to)
{
	char cmd[8300];
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", from, to);
	if (system(cmd) != 0)
		fedjit_bench_die(to, EIO);
}

static void generate_cache(const char *dir)
{
	char a[4096], b[4096];
	snprintf(a, sizeof(a), "%s/passwd", dir);
	snprintf(b, sizeof(b), "%s/passwd.cache", dir);
	copy_file(a, b);
	write_index(b, 0, ".ixname");
	write_index(b, 2, ".ixuid");
	snprintf(a, sizeof(a), "%s/group", dir);
	snprintf(b, sizeof(b), "%s/group.cache", dir);
	copy_file(a, b);
	write_index(b, 0, ".ixname");
	write_index(b, 2, ".ixgid");
}

int fedjit_bench_generate(const char *dir, unsigned n_users)
{
	int r = generate_store_and_files(dir, n_users);
	if (r == 0)
		generate_cache(dir);
	return r;
}

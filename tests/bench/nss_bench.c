/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nss_bench: libnss_fedjit against glibc's nss_files, Debian's libnss-cache
 * and the raw tdb floor, on the same users. Not a test: `make bench` runs it
 * through tests/bench/nss_bench.sh, which also counts instructions
 * (callgrind) and syscalls (strace) per lookup.
 *
 *   nss_bench generate DIR N     write N users as a fedjit store, as passwd and
 *                                group files, and as nsscache files with their
 *                                sorted indexes (the nsscache tool's format)
 *   nss_bench run DIR N          the table: every backend, every operation
 *   nss_bench loop DIR N BACKEND OP COUNT
 *                                COUNT lookups only (for callgrind/strace; the
 *                                loop is bench_loop, between two marker
 *                                write(-1, ...) calls)
 *   nss_bench glibc DIR N LABEL  the operations through glibc's getpwnam_r & co
 *                                (run in a namespace whose nsswitch.conf picks
 *                                the backend)
 *
 * Users: uNNNNNNN, uid 1000000 + i, a private group each, members of two
 * shared groups gNNNNN (gid 3000000 + k) of 200 members each (nss_bench.h)
 * and of sudo (27); getgrnam looks up the shared groups. Lookups go to
 * random keys (fixed seed). Per operation: median and p99 of single-lookup
 * times, clock_gettime around each call, its own cost (measured) subtracted;
 * each backend runs in its own process (tdb allows one open per process and
 * nss_files needs its own mount namespace); a backend gets at most
 * BENCH_BUDGET_NS per operation, so slow ones take fewer samples.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <nss.h>
#include <pwd.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/record.h"
#include "common/store.h"
#include "tests/bench/nss_bench.h"

#define SAMPLES   20000u
#define BUDGET_NS (3ull * 1000000000ull)
#define BIGBUF    (4u << 20)

static char *dir;
static unsigned n_users;

/* ---- lookups, one set of function pointers per backend ---- */

typedef enum nss_status (*pwnam_fn)(const char *, struct passwd *, char *, size_t, int *);
typedef enum nss_status (*pwuid_fn)(uid_t, struct passwd *, char *, size_t, int *);
typedef enum nss_status (*grnam_fn)(const char *, struct group *, char *, size_t, int *);
typedef enum nss_status (*initgr_fn)(const char *, gid_t, long int *, long int *, gid_t **,
                                     long int, int *);
typedef enum nss_status (*setent_fn)(int);
typedef enum nss_status (*pwent_fn)(struct passwd *, char *, size_t, int *);
typedef enum nss_status (*endent_fn)(void);

struct backend {
	const char *name;
	pwnam_fn pwnam;
	pwuid_fn pwuid;
	grnam_fn grnam;
	initgr_fn initgr;
	setent_fn setpwent;
	pwent_fn getpwent;
	endent_fn endpwent;
	struct tdb_context *tdb; /* the floor */
	bool glibc;
};

static char *buf;
static gid_t *groups;
static long int groups_size;

enum op {
	OP_PWNAM,
	OP_PWUID,
	OP_MISS,
	OP_GRNAM,
	OP_INITGR,
	OP_N,
};
static const char *const op_names[OP_N] = {"getpwnam", "getpwuid", "miss", "getgrnam",
                                           "initgroups"};

static int floor_cb(TDB_DATA key, TDB_DATA data, void *p)
{
	memcpy(p, data.dptr, data.dsize);
	return 0;
}

static int floor_parse(struct tdb_context *tdb, int (*kf)(char *, const char *, TDB_DATA *),
                       const char *name)
{
	char kb[FEDJIT_KEY_MAX];
	TDB_DATA key;
	kf(kb, name, &key);
	return tdb_parse_record(tdb, key, floor_cb, buf);
}

/* One lookup; true when it behaved as expected (hit or miss). */
static bool do_op(const struct backend *be, enum op op, unsigned i)
{
	char name[32];
	struct passwd pw, *pwr;
	struct group gr, *grr;
	int err = 0;

	fedjit_bench_user_name(name, i);
	if (be->tdb) {
		char kb[FEDJIT_KEY_MAX];
		TDB_DATA key;
		switch (op) {
		case OP_PWNAM:
		case OP_INITGR:
			return floor_parse(be->tdb,
			                   op == OP_PWNAM ? fedjit_key_user : fedjit_key_gids,
			                   name) == 0;
		case OP_PWUID:
			fedjit_key_uid(kb, UID_BASE + i, &key);
			if (tdb_parse_record(be->tdb, key, floor_cb, buf) != 0)
				return false;
			return floor_parse(be->tdb, fedjit_key_user, name) == 0;
		case OP_MISS:
			name[0] = 'x';
			return floor_parse(be->tdb, fedjit_key_user, name) != 0;
		case OP_GRNAM:
			fedjit_bench_group_name(name, i % fedjit_bench_shared(n_users));
			return floor_parse(be->tdb, fedjit_key_group, name) == 0;
		default:
			return false;
		}
	}
	if (be->glibc) {
		switch (op) {
		case OP_PWNAM:
			return getpwnam_r(name, &pw, buf, BIGBUF, &pwr) == 0 && pwr;
		case OP_PWUID:
			return getpwuid_r(UID_BASE + i, &pw, buf, BIGBUF, &pwr) == 0 && pwr;
		case OP_MISS:
			name[0] = 'x';
			return getpwnam_r(name, &pw, buf, BIGBUF, &pwr) == 0 && !pwr;
		case OP_GRNAM:
			fedjit_bench_group_name(name, i % fedjit_bench_shared(n_users));
			return getgrnam_r(name, &gr, buf, BIGBUF, &grr) == 0 && grr;
		case OP_INITGR: {
			int ng = (int)groups_size;
			return getgrouplist(name, UID_BASE + i, groups, &ng) >= 3;
		}
		default:
			return false;
		}
	}
	switch (op) {
	case OP_PWNAM:
		return be->pwnam(name, &pw, buf, BIGBUF, &err) == NSS_STATUS_SUCCESS;
	case OP_PWUID:
		return be->pwuid(UID_BASE + i, &pw, buf, BIGBUF, &err) == NSS_STATUS_SUCCESS;
	case OP_MISS:
		name[0] = 'x';
		return be->pwnam(name, &pw, buf, BIGBUF, &err) == NSS_STATUS_NOTFOUND;
	case OP_GRNAM:
		fedjit_bench_group_name(name, i % fedjit_bench_shared(n_users));
		return be->grnam(name, &gr, buf, BIGBUF, &err) == NSS_STATUS_SUCCESS;
	case OP_INITGR: {
		long int start = 1;
		if (!be->initgr)
			return false;
		groups[0] = UID_BASE + i;
		return be->initgr(name, UID_BASE + i, &start, &groups_size, &groups, 0, &err) ==
		               NSS_STATUS_SUCCESS &&
		       start >= 3;
	}
	default:
		return false;
	}
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static uint64_t timer_cost;

/* Median and p99 of single lookups, in ns; -1 when the op is not supported. */
static int measure(const struct backend *be, enum op op, double *med, double *p99, unsigned *n)
{
	static uint64_t t[SAMPLES];
	uint64_t start = now_ns();
	unsigned seed = 12345 + op, k;

	if (!do_op(be, op, 0)) /* warm up, and: does it work at all? */
		return -1;
	for (k = 0; k < SAMPLES && now_ns() - start < BUDGET_NS; k++) {
		seed = seed * 1103515245u + 12345u;
		unsigned i = (seed >> 8) % n_users;
		uint64_t t0 = now_ns();
		bool ok = do_op(be, op, i);
		uint64_t t1 = now_ns();
		if (!ok) {
			fprintf(stderr, "%s %s %u failed\n", be->name, op_names[op], i);
			return -1;
		}
		t[k] = t1 - t0 > timer_cost ? t1 - t0 - timer_cost : 0;
	}
	qsort(t, k, sizeof(t[0]), cmp_u64);
	*med = (double)t[k / 2];
	*p99 = (double)t[k * 99 / 100];
	*n = k;
	return 0;
}

static double enumerate(const struct backend *be, unsigned *count)
{
	struct passwd pw, *pwr;
	int err;
	uint64_t t0 = now_ns();
	unsigned c = 0;

	if (be->tdb) {
		TDB_DATA k = tdb_firstkey(be->tdb);
		while (k.dptr) {
			const char *rest;
			size_t len;
			if (fedjit_key_classify(k, &rest, &len) == FEDJIT_KEY_USER &&
			    tdb_parse_record(be->tdb, k, floor_cb, buf) == 0)
				c++;
			TDB_DATA n = tdb_nextkey(be->tdb, k);
			free(k.dptr);
			k = n;
		}
	} else if (be->glibc) {
		setpwent();
		while (getpwent_r(&pw, buf, BIGBUF, &pwr) == 0)
			c++;
		endpwent();
	} else {
		be->setpwent(0);
		while (be->getpwent(&pw, buf, BIGBUF, &err) == NSS_STATUS_SUCCESS)
			c++;
		be->endpwent();
	}
	*count = c;
	return (double)(now_ns() - t0);
}

struct vm {
	long vsz, anon, file; /* KiB: VmSize, RssAnon, RssFile */
};

static struct vm vm_status(void)
{
	char line[256];
	struct vm v = {-1, -1, -1};
	FILE *f = fopen("/proc/self/status", "r");
	while (f && fgets(line, sizeof(line), f)) {
		sscanf(line, "VmSize: %ld", &v.vsz);
		sscanf(line, "RssAnon: %ld", &v.anon);
		sscanf(line, "RssFile: %ld", &v.file);
	}
	if (f)
		fclose(f);
	return v;
}

/*
 * Make the production module's compiled-in store path (FEDJIT_DB_FILE) show
 * src, in a private mount namespace of this process: a tmpfs on the deepest
 * missing part of the path's directory (never on /, /etc or /usr), an empty
 * file there, src bind-mounted onto it. Nothing outside the namespace
 * changes. 0, or -1 (then the test build of the module is used).
 */
static int production_db_path(const char *src)
{
	char dirpath[4096], anc[4096];

	if (geteuid() != 0 || unshare(CLONE_NEWNS) != 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		return -1;
	snprintf(dirpath, sizeof(dirpath), "%s", FEDJIT_DB_FILE);
	*strrchr(dirpath, '/') = '\0';
	snprintf(anc, sizeof(anc), "%s", dirpath);
	while (access(anc, F_OK) != 0 && strrchr(anc, '/') > anc)
		*strrchr(anc, '/') = '\0';
	if (strcmp(anc, dirpath) != 0) {
		/* anc exists, the rest does not: cover anc with a tmpfs and build it */
		if (strcmp(anc, "/") == 0 || strcmp(anc, "/etc") == 0 || strcmp(anc, "/usr") == 0 ||
		    mount("tmpfs", anc, "tmpfs", 0, NULL) != 0)
			return -1;
		for (char *p = dirpath + strlen(anc) + 1;; p++) {
			if (*p == '/' || *p == '\0') {
				char c = *p;
				*p = '\0';
				if (mkdir(dirpath, 0755) != 0 && errno != EEXIST)
					return -1;
				*p = c;
				if (!c)
					break;
			}
		}
	}
	int fd = open(FEDJIT_DB_FILE, O_WRONLY | O_CREAT, 0644);
	if (fd < 0)
		return -1;
	close(fd);
	return mount(src, FEDJIT_DB_FILE, NULL, MS_BIND, NULL);
}

/* Set up backend `name` in this (child) process. */
static int backend_open(const char *name, struct backend *be)
{
	char path[4096];
	void *h = NULL;

	memset(be, 0, sizeof(*be));
	be->name = name;
	if (strcmp(name, "floor") == 0) {
		snprintf(path, sizeof(path), "%s/fedjit.tdb", dir);
		be->tdb = tdb_open(path, 0, 0, O_RDONLY, 0);
		return be->tdb ? 0 : -1;
	}
	if (strcmp(name, "glibc") == 0) {
		be->glibc = true;
		return 0;
	}
	const char *prefix;
	if (strcmp(name, "fedjit") == 0) {
		/* the installed module, reading its compiled-in path; else the test build */
		const char *mod = getenv("FEDJIT_BENCH_PROD_MODULE");
		snprintf(path, sizeof(path), "%s/fedjit.tdb", dir);
		if (mod && production_db_path(path) == 0) {
			fprintf(stderr, "fedjit: production module, %s\n", FEDJIT_DB_FILE);
		} else {
			setenv("FEDJIT_NSS_DB", path, 1);
			mod = getenv("FEDJIT_BENCH_MODULE");
			fprintf(stderr, "fedjit: test build of the module\n");
		}
		h = dlopen(mod ? mod : "nss/.libs/libnss_fedjittest.so", RTLD_NOW);
		prefix = "_nss_fedjit_";
	} else if (strcmp(name, "cache") == 0) {
		h = dlopen("libnss_cache.so.2", RTLD_NOW);
		prefix = "_nss_cache_";
		if (h) {
			char *(*pwpath)(const char *) =
			        (char *(*)(const char *))dlsym(h, "_nss_cache_setpwent_path");
			char *(*grpath)(const char *) =
			        (char *(*)(const char *))dlsym(h, "_nss_cache_setgrent_path");
			snprintf(path, sizeof(path), "%s/passwd.cache", dir);
			pwpath(path);
			snprintf(path, sizeof(path), "%s/group.cache", dir);
			grpath(path);
		}
	} else if (strcmp(name, "files") == 0) {
		/* nss_files reads /etc/passwd and /etc/group: ours, in a private namespace */
		if (unshare(CLONE_NEWNS) != 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
			return -1;
		snprintf(path, sizeof(path), "%s/passwd", dir);
		if (mount(path, "/etc/passwd", NULL, MS_BIND, NULL) != 0)
			return -1;
		snprintf(path, sizeof(path), "%s/group", dir);
		if (mount(path, "/etc/group", NULL, MS_BIND, NULL) != 0)
			return -1;
		h = RTLD_DEFAULT; /* glibc >= 2.34 has nss_files inside libc */
		prefix = "_nss_files_";
	} else {
		return -1;
	}
	if (!h && strcmp(name, "files") != 0) {
		fprintf(stderr, "%s: %s\n", name, dlerror());
		return -1;
	}
#define SYMBOL(field, suffix)                                         \
	do {                                                          \
		snprintf(path, sizeof(path), "%s%s", prefix, suffix); \
		*(void **)&be->field = dlsym(h, path);                \
	} while (0)
	SYMBOL(pwnam, "getpwnam_r");
	SYMBOL(pwuid, "getpwuid_r");
	SYMBOL(grnam, "getgrnam_r");
	SYMBOL(initgr, "initgroups_dyn");
	SYMBOL(setpwent, "setpwent");
	SYMBOL(getpwent, "getpwent_r");
	SYMBOL(endpwent, "endpwent");
	return be->pwnam && be->pwuid && be->grnam && be->getpwent ? 0 : -1;
}

/*
 * In a child: one backend, every op; prints one result line per op, then
 * "memory": what loading it and one lookup added (VmSize, RssAnon, RssFile in
 * KiB), and the same after all the lookups and the enumeration (file pages
 * of the mapped store are page cache shared by every process).
 */
static void run_backend(const char *name, const char *label)
{
	struct backend be;
	struct vm m0 = vm_status(), m1, m2;

	if (backend_open(name, &be) < 0) {
		printf("%s\tunavailable\n", label);
		return;
	}
	do_op(&be, OP_PWNAM, 0);
	m1 = vm_status();
	for (int op = 0; op < OP_N; op++) {
		double med, p99;
		unsigned n;
		if (measure(&be, op, &med, &p99, &n) < 0)
			printf("%s\t%s\tn/a\n", label, op_names[op]);
		else
			printf("%s\t%s\t%.0f\t%.0f\t%u\n", label, op_names[op], med, p99, n);
		fflush(stdout);
	}
	unsigned count;
	double ns = enumerate(&be, &count);
	printf("%s\tenumeration\t%.0f\t%u\n", label, ns, count);
	m2 = vm_status();
	printf("%s\tmemory\t%ld\t%ld\t%ld\t%ld\t%ld\t%ld\n", label, m1.vsz - m0.vsz,
	       m1.anon - m0.anon, m1.file - m0.file, m2.vsz - m0.vsz, m2.anon - m0.anon,
	       m2.file - m0.file);
	fflush(stdout);
}

static int run_all(void)
{
	static const char *const backends[] = {"floor", "fedjit", "cache", "files"};

	for (size_t b = 0; b < sizeof(backends) / sizeof(backends[0]); b++) {
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0) {
			run_backend(backends[b], backends[b]);
			_exit(0);
		}
		int status;
		waitpid(pid, &status, 0);
	}
	return 0;
}

static __attribute__((noinline)) unsigned bench_loop(const struct backend *be, enum op op,
                                                     unsigned count)
{
	unsigned seed = 777, ok = 0;
	for (unsigned k = 0; k < count; k++) {
		seed = seed * 1103515245u + 12345u;
		ok += do_op(be, op, (seed >> 8) % n_users);
	}
	return ok;
}

static int loop(const char *name, const char *opname, unsigned count)
{
	struct backend be;
	int op;

	for (op = 0; op < OP_N && strcmp(op_names[op], opname) != 0; op++)
		;
	if (op == OP_N || backend_open(name, &be) < 0)
		return 1;
	do_op(&be, op, 1); /* open, map, warm: not counted */
	(void)!write(-1, "fedjit-bench-begin", 18);
	unsigned ok = bench_loop(&be, op, count);
	(void)!write(-1, "fedjit-bench-end", 16);
	return ok == count ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: %s generate|run|loop|glibc DIR N ...\n", argv[0]);
		return 2;
	}
	dir = argv[2];
	n_users = (unsigned)strtoul(argv[3], NULL, 10);
	buf = malloc(BIGBUF);
	groups_size = 4096;
	groups = malloc(sizeof(gid_t) * (size_t)groups_size);

	/* what clock_gettime itself costs: subtracted from every sample */
	uint64_t t[1001];
	for (int i = 0; i < 1001; i++) {
		uint64_t a = now_ns(), b = now_ns();
		t[i] = b - a;
	}
	qsort(t, 1001, sizeof(t[0]), cmp_u64);
	timer_cost = t[500];

	if (strcmp(argv[1], "generate") == 0) {
		return fedjit_bench_generate(dir, n_users) < 0;
	}
	if (strcmp(argv[1], "run") == 0)
		return run_all();
	if (strcmp(argv[1], "dbpath") == 0) {
		puts(FEDJIT_DB_FILE);
		return 0;
	}
	if (strcmp(argv[1], "loop") == 0 && argc == 7)
		return loop(argv[4], argv[5], (unsigned)strtoul(argv[6], NULL, 10));
	if (strcmp(argv[1], "glibc") == 0 && argc == 5) {
		run_backend("glibc", argv[4]);
		return 0;
	}
	return 2;
}

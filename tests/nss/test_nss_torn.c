/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Readers never see a half-written record: one process commits updates in a
 * loop (through the store's write API, one transaction each) while reader
 * processes, each with several threads, look the same accounts up through
 * the module and check that every field of every answer belongs to one
 * generation. The writer also creates and deletes an account per round, so
 * hash chains and the free list change under the readers too. One reader
 * thread forks children in the middle of it all (threads + fork): each child
 * must answer consistently as well.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/store.h"
#include "nss/nss_fedjit.h"
#include "tests/nss/fixture.h"

#define HOT     4     /* accounts the writer keeps rewriting */
#define READERS 3     /* processes */
#define THREADS 3     /* per reader process */
#define LOOKUPS 30000 /* per thread (a tenth under valgrind) */
#define FORKS   8     /* children forked by thread 0 of each reader */

/* On a tmpfs where there is one: the writer's commits keep tdb's full protocol
 * (recovery area and marker), and its fsyncs cost nothing there, so it races
 * the readers for many rounds even on a slow disk. */
static char tmpdir[64];
static char db[256];

FEDJIT_NSS_PROTOTYPES(extern);
static typeof(&_nss_fedjit_getpwnam_r) getpwnam_fn;
static typeof(&_nss_fedjit_getpwuid_r) getpwuid_fn;

/* The attributes of generation g: every field says g, and the lengths vary. */
static void gen_attrs(unsigned g, char *gecos, char *home, char *shell)
{
	char pad[64];
	memset(pad, 'p', g % 40);
	pad[g % 40] = '\0';
	sprintf(gecos, "gen %u %s", g, pad);
	sprintf(home, "/home/g%u", g);
	sprintf(shell, "/bin/sh%u", g % 1000);
}

static int writer(unsigned *ret_rounds, volatile sig_atomic_t *stop)
{
	struct fedjit_store *s = NULL;
	/* Durable commits, as on a real system: with FEDJIT_STORE_NOSYNC tdb writes
	 * no recovery area, so there is no commit marker for lock-free readers to
	 * see, and a reader could take a commit's half-written chains for a
	 * damaged store (UNAVAIL, EIO): about one run in thirty did. */
	int r = fedjit_store_open(db, 0, &s);
	if (r < 0)
		return r;
	unsigned g;
	for (g = 1; !*stop; g++) {
		for (unsigned i = 0; i < HOT && r >= 0; i++) {
			struct fedjit_user *u = NULL;
			char name[32], gecos[128], home[64], shell[64];
			snprintf(name, sizeof(name), "u%06u", i);
			r = fedjit_store_get_user(s, name, &u);
			if (r < 0)
				break;
			gen_attrs(g, gecos, home, shell);
			u->gecos = gecos;
			u->home = home;
			u->shell = shell;
			r = fedjit_store_update_account(s, u, NULL, 0, FEDJIT_UPDATE_ATTRS);
			fedjit_user_free(u);
		}
		if (r < 0)
			break;
		/* churn: a new account each round, the previous one deleted */
		char name[32], sub[32];
		snprintf(name, sizeof(name), "t%u", g);
		snprintf(sub, sizeof(sub), "sub-t%u", g);
		struct fedjit_user t = {
		        .name = name,
		        .uid = 500000 + g,
		        .gid = 500000 + g,
		        .gecos = "churn",
		        .home = "/home/t",
		        .shell = "/bin/sh",
		        .domain = "PRIMARY",
		        .idp = "test",
		        .issuer = "https://idp.test",
		        .subject = sub,
		};
		r = fedjit_store_create_account(s, &t, NULL, NULL, 0);
		if (r >= 0 && g > 1) {
			snprintf(name, sizeof(name), "t%u", g - 1);
			r = fedjit_store_delete_account(s, name);
		}
		if (r < 0)
			break;
	}
	fedjit_store_close(s);
	*ret_rounds = g;
	return r;
}

/* 0 when pw is one generation throughout (or the fixture's original). */
static int check_entry(const struct passwd *pw, unsigned i)
{
	char name[32], gecos[128], home[64], shell[64];
	unsigned g;

	snprintf(name, sizeof(name), "u%06u", i);
	if (strcmp(pw->pw_name, name) != 0 || pw->pw_uid != FIX_BULK_UID + i ||
	    pw->pw_gid != FIX_BULK_UID + i)
		return -1;
	if (strcmp(pw->pw_gecos, "bulk user") == 0) { /* not rewritten yet */
		snprintf(home, sizeof(home), "/home/%s", name);
		return strcmp(pw->pw_dir, home) == 0 && strcmp(pw->pw_shell, "/bin/bash") == 0 ? 0
		                                                                               : -1;
	}
	if (sscanf(pw->pw_gecos, "gen %u", &g) != 1)
		return -1;
	gen_attrs(g, gecos, home, shell);
	return strcmp(pw->pw_gecos, gecos) == 0 && strcmp(pw->pw_dir, home) == 0 &&
	                       strcmp(pw->pw_shell, shell) == 0
	               ? 0
	               : -1;
}

static int lookups(unsigned n, unsigned seed)
{
	char buf[512];
	struct passwd pw;
	int err, bad = 0;

	for (unsigned k = 0; k < n; k++) {
		unsigned i = (seed + k) % HOT;
		char name[32];
		enum nss_status st;
		snprintf(name, sizeof(name), "u%06u", i);
		if (k % 2)
			st = getpwnam_fn(name, &pw, buf, sizeof(buf), &err);
		else
			st = getpwuid_fn(FIX_BULK_UID + i, &pw, buf, sizeof(buf), &err);
		if (st != NSS_STATUS_SUCCESS) {
			fprintf(stderr, "lookup %s: status %d errno %d\n", name, st, err);
			bad++;
		} else if (check_entry(&pw, i) < 0) {
			fprintf(stderr, "TORN: %s uid %u gecos '%s' home '%s' shell '%s'\n",
			        pw.pw_name, pw.pw_uid, pw.pw_gecos, pw.pw_dir, pw.pw_shell);
			bad++;
		}
	}
	return bad;
}

struct thread_arg {
	unsigned id;
	int bad;
};

static void *reader_thread(void *p)
{
	struct thread_arg *a = p;
	const char *pre = getenv("LD_PRELOAD");
	unsigned per = LOOKUPS / (FORKS + 1) / (pre && strstr(pre, "vgpreload") ? 10 : 1);

	for (unsigned f = 0; f <= FORKS; f++) {
		a->bad += lookups(per, a->id * 7919 + f);
		if (a->id != 0 || f == FORKS)
			continue;
		/* fork while the other threads are inside the module */
		pid_t pid = fork();
		if (pid == 0)
			_exit(lookups(200, f) == 0 ? 0 : 1);
		int status;
		if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			a->bad++;
	}
	return NULL;
}

static int reader(unsigned id)
{
	pthread_t t[THREADS];
	struct thread_arg a[THREADS];
	int bad = 0;

	for (unsigned i = 0; i < THREADS; i++) {
		a[i] = (struct thread_arg){.id = id * THREADS + i};
		if (pthread_create(&t[i], NULL, reader_thread, &a[i]) != 0)
			return 1;
	}
	for (unsigned i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		bad += a[i].bad;
	}
	return bad;
}

static volatile sig_atomic_t writer_stop;

static void on_term(int sig)
{
	writer_stop = 1;
}

static void test_torn_reads(void **state)
{
	int pipefd[2];
	assert_int_equal(pipe(pipefd), 0);

	pid_t w = fork();
	assert_true(w >= 0);
	if (w == 0) {
		unsigned rounds = 0;
		signal(SIGTERM, on_term);
		close(pipefd[0]);
		int r = writer(&rounds, &writer_stop);
		(void)!write(pipefd[1], &rounds, sizeof(rounds));
		_exit(r < 0 ? 1 : 0);
	}
	close(pipefd[1]);

	pid_t rd[READERS];
	for (unsigned i = 0; i < READERS; i++) {
		rd[i] = fork();
		assert_true(rd[i] >= 0);
		if (rd[i] == 0)
			_exit(reader(i) == 0 ? 0 : 1);
	}
	int failed = 0, status;
	for (unsigned i = 0; i < READERS; i++) {
		assert_int_equal(waitpid(rd[i], &status, 0), rd[i]);
		failed += !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	kill(w, SIGTERM);
	assert_int_equal(waitpid(w, &status, 0), w);
	unsigned rounds = 0;
	assert_int_equal(read(pipefd[0], &rounds, sizeof(rounds)), sizeof(rounds));
	close(pipefd[0]);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	printf("# writer committed %u rounds (%u transactions) during the reads\n", rounds,
	       rounds * (HOT + 2));
	assert_true(rounds > 1); /* the readers really raced a writer */
	assert_int_equal(failed, 0);
}

static int setup(void **state)
{
	const char *top = getenv("top_builddir");
	char path[512];

	struct stat st;
	snprintf(tmpdir, sizeof(tmpdir), "%s/fedjit-nss-torn.XXXXXX",
	         stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(db, sizeof(db), "%s/fedjit.tdb", tmpdir);
	if (fedjit_test_nss_fixture(db, NULL, HOT) < 0)
		return -1;
	setenv("FEDJIT_NSS_DB", db, 1);
	snprintf(path, sizeof(path), "%s/nss/.libs/libnss_fedjittest.so", top ? top : ".");
	void *mod = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!mod)
		return -1;
	*(void **)&getpwnam_fn = dlsym(mod, "_nss_fedjit_getpwnam_r");
	*(void **)&getpwuid_fn = dlsym(mod, "_nss_fedjit_getpwuid_r");
	return getpwnam_fn && getpwuid_fn ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_torn_reads),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

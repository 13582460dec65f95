/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Crash safety and concurrency of provisioning (issue 5):
 *  - a child provisions accounts one after the other (durable commits, homes,
 *    a hook) and is killed with SIGKILL at a random moment, 200 times; after
 *    each kill the store passes fedjit_store_check and every account is whole
 *    (record, uid index, link, private group: the checker) or absent, and
 *    the next login of an account left pending finishes it;
 *  - 32 processes provision 32 distinct users at once, then 8 processes the
 *    same user: no uid twice, exactly one account each.
 * Needs root for the homes (chown): skips otherwise.
 */
#include <errno.h>
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

#include "tests/unit/provision_fixture.h"

#define KILLS         200
#define PER_CHILD     50
#define DISTINCT      32
#define SAME          8
#define CHILD_TIMEOUT 120

static int setup(void **state)
{
	if (!fx_is_root())
		return 0;
	*state = fx_new();
	return 0;
}

static int teardown(void **state)
{
	fx_free(*state);
	return 0;
}

static void subject_of(char *buf, size_t size, unsigned a, unsigned b)
{
	snprintf(buf, size, "sub-%u-%u", a, b);
}

static void name_of(char *buf, size_t size, unsigned a, unsigned b)
{
	snprintf(buf, size, "u%ux%u", a, b);
}

static void provision_one(struct fx *f, unsigned a, unsigned b, struct fedjit_prov_result *res)
{
	char sub[64], name[64];

	subject_of(sub, sizeof(sub), a, b);
	name_of(name, sizeof(name), a, b);
	struct fedjit_identity id = fx_identity(sub, name, NULL);
	(void)fx_login(f, &id, name, res);
}

struct walk {
	struct fx *f;
	size_t n, pending;
	uint32_t uids[KILLS * PER_CHILD + DISTINCT + SAME];
};

static int walk_cb(const struct fedjit_user_view *v, void *userdata)
{
	struct walk *w = userdata;

	for (size_t i = 0; i < w->n; i++)
		if (w->uids[i] == v->uid)
			return -EADDRINUSE;
	if (w->n < sizeof(w->uids) / sizeof(w->uids[0]))
		w->uids[w->n++] = v->uid;
	if (v->flags & FEDJIT_USER_PENDING)
		w->pending++;
	return 0;
}

/* The store is consistent (read-write open: a torn commit is rolled back). */
static void check_store(struct fx *f, struct walk *w)
{
	struct fedjit_store *s = NULL;

	assert_int_equal(fedjit_store_open(f->db, FEDJIT_STORE_CREATE, &s), 0);
	assert_int_equal(fedjit_store_check(s, NULL, NULL), 0);
	w->n = w->pending = 0;
	assert_true(fedjit_store_foreach_user(s, walk_cb, w) >= 0);
	fedjit_store_close(s);
}

static void test_crash(void **state)
{
	struct fx *f = *state;
	struct walk *w = calloc(1, sizeof(*w));
	char hook[600];
	unsigned pending_seen = 0, killed_mid = 0;

	if (!f)
		skip();
	assert_non_null(w);
	fx_script(f, "hook", "exit 0", hook, sizeof(hook));
	char conf[1000];
	snprintf(conf, sizeof(conf),
	         "provisioning = always\ndomain = PRIMARY\nprovision_hook = %s\n"
	         "group_map = g:devs\n",
	         hook);
	fx_config(f, "", conf);
	f->ctx.store_flags = 0; /* durable commits: the kill lands inside them too */
	srand((unsigned)time(NULL));

	for (unsigned k = 0; k < KILLS; k++) {
		pid_t pid = fork();

		assert_true(pid >= 0);
		if (pid == 0) {
			struct fedjit_prov_result res;
			for (unsigned i = 0; i < PER_CHILD; i++)
				provision_one(f, k, i, &res);
			_exit(0);
		}
		usleep((useconds_t)(rand() % 20000));
		kill(pid, SIGKILL);
		int status;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		killed_mid += WIFSIGNALED(status);

		check_store(f, w);
		pending_seen += w->pending;
		/* every account of this round: whole or absent; pending ones finish */
		for (unsigned i = 0; i < PER_CHILD; i++) {
			char name[64];
			struct fedjit_prov_result res;

			name_of(name, sizeof(name), k, i);
			struct fedjit_user *u = fx_user(f, name);
			if (!u)
				continue;
			bool pending = u->flags & FEDJIT_USER_PENDING;
			fedjit_user_free(u);
			if (!pending)
				continue;
			provision_one(f, k, i, &res);
			assert_string_equal(res.status, "ok");
			assert_int_equal(res.action, FEDJIT_PROV_UPDATED);
			u = fx_user(f, name);
			assert_false(u->flags & FEDJIT_USER_PENDING);
			struct stat st;
			assert_int_equal(stat(u->home, &st), 0);
			assert_int_equal(st.st_uid, u->uid);
			fedjit_user_free(u);
		}
	}
	check_store(f, w);
	assert_int_equal(w->pending, 0);
	print_message("# %u of %u children killed mid-run, %zu accounts, %u left pending\n",
	              killed_mid, KILLS, w->n, pending_seen);
	free(w);
}

/* Start n children at once (a pipe as the starting gun); each provisions
 * (a, b(i)); results come back through a pipe. */
static void race(struct fx *f, unsigned n, unsigned a, bool same, struct fedjit_prov_result *out)
{
	int gun[2], back[2];
	pid_t pids[DISTINCT];

	assert_int_equal(pipe(gun), 0);
	assert_int_equal(pipe(back), 0);
	for (unsigned i = 0; i < n; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			struct fedjit_prov_result res;
			char c;

			close(gun[1]);
			if (read(gun[0], &c, 1) != 0)
				_exit(2);
			provision_one(f, a, same ? 0 : i, &res);
			ssize_t wr = write(back[1], &res, sizeof(res));
			_exit(wr == (ssize_t)sizeof(res) ? 0 : 1);
		}
	}
	close(gun[0]);
	close(gun[1]); /* EOF: go */
	close(back[1]);
	for (unsigned i = 0; i < n; i++) {
		int status;
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(read(back[0], &out[i], sizeof(out[i])), sizeof(out[i]));
		out[i].status = NULL; /* a pointer of the child; the log says it */
	}
	close(back[0]);
}

static void test_concurrency(void **state)
{
	struct fx *f = *state;
	struct fedjit_prov_result res[DISTINCT];
	struct walk *w = calloc(1, sizeof(*w));
	unsigned created = 0;

	if (!f)
		skip();
	assert_non_null(w);
	fx_config(f, "", "provisioning = always\ndomain = PRIMARY\n");
	f->ctx.store_flags = 0;

	race(f, DISTINCT, 1, false, res);
	for (unsigned i = 0; i < DISTINCT; i++) {
		if (res[i].action != FEDJIT_PROV_CREATED)
			print_message("# child %u: action %d, log: %.768s\n", i, (int)res[i].action,
			              res[i].log);
		assert_int_equal(res[i].action, FEDJIT_PROV_CREATED);
	}
	check_store(f, w);
	assert_int_equal(w->n, DISTINCT); /* walk_cb fails on a uid seen twice */

	race(f, SAME, 2, true, res);
	for (unsigned i = 0; i < SAME; i++) {
		if (res[i].action != FEDJIT_PROV_CREATED && res[i].action != FEDJIT_PROV_UPDATED)
			print_message("# child %u: action %d, log: %.768s\n", i, (int)res[i].action,
			              res[i].log);
		assert_true(res[i].action == FEDJIT_PROV_CREATED ||
		            res[i].action == FEDJIT_PROV_UPDATED);
		assert_string_equal(res[i].account, "u2x0");
		created += res[i].action == FEDJIT_PROV_CREATED;
	}
	assert_int_equal(created, 1);
	check_store(f, w);
	assert_int_equal(w->n, DISTINCT + 1);
	free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_crash, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_concurrency, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

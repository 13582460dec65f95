/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Benchmark of provisioning alone: verified claims in, committed durable
 * account out (fedjit_provision_login with commit_only: the login-critical
 * path; home and hook are not part of it, as useradd -M in the comparison
 * makes no home). Every commit is fsync'ed (no FEDJIT_STORE_NOSYNC).
 *
 *   provision_bench DIR EXISTING WRITERS COUNT [nosync|commit|returning]
 *
 * DIR/template-EXISTING.tdb is built once with EXISTING accounts (uids from
 * the allocator, a private group each), copied to DIR/run.tdb, then WRITERS
 * processes provision COUNT new accounts between them, each with a
 * group_map entry (admins -> sudo, or a JIT group when the host has no sudo
 * group), the same shape as useradd + usermod -aG. Prints one line:
 *   fedjit existing=N writers=W count=C seconds=S per_second=R
 * With nosync, commits are not fsync'ed (FEDJIT_STORE_NOSYNC): still safe
 * against a killed process, not against power loss; shows the cost of the
 * synchronous writes. With commit, nothing is provisioned: each writer owns
 * one stored account and flips a flag on it COUNT/WRITERS times, each flip one
 * durable transaction (fedjit_store_set_flags) of the same store: the floor
 * that the store's commit protocol (tdb's: four fdatasyncs per commit) puts
 * under every provisioning, whatever the rest costs. With returning, each
 * writer first provisions its accounts (not timed), then each of them signs
 * in again (timed): the returning login's update of attributes, last login,
 * account state and refresh token. The process runs with
 * FEDJIT_NSS_BYPASS=1; other sources are the host's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/account_plan.h"
#include "common/store.h"
#include "pam/provision/provision.h"

static const char conf_fmt[] = "[domain PRIMARY]\n"
                               "uid_min = 1000000\n"
                               "uid_max = 1999999\n"
                               "home = /nonexistent/fedjit-bench/%%u\n"
                               "skel = none\n"
                               "[idp b]\n"
                               "issuer = https://bench.example\n"
                               "client_id = x\n"
                               "provisioning = always\n"
                               "domain = PRIMARY\n"
                               "group_map = admins:sudo\n";

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int die(const char *what, int r)
{
	fprintf(stderr, "provision_bench: %s: %s\n", what, strerror(r < 0 ? -r : r));
	exit(1);
}

struct taken_ctx {
	struct fedjit_store *s;
};

static int uid_taken(uint32_t id, void *userdata)
{
	struct taken_ctx *c = userdata;
	struct fedjit_user *u = NULL;
	int r = fedjit_store_get_user_by_uid(c->s, id, &u);

	fedjit_user_free(u);
	return r == 0 ? 1 : r == -ENOENT ? 0 : r;
}

static int gid_taken(uint32_t id, void *userdata)
{
	struct taken_ctx *c = userdata;
	struct fedjit_group *g = NULL;
	int r = fedjit_store_get_group_by_gid(c->s, id, &g);

	fedjit_group_free(g);
	return r == 0 ? 1 : r == -ENOENT ? 0 : r;
}

/* An account of domain d with a uid the store has free (no group_map group). */
static int add_account(struct fedjit_store *s, const struct fedjit_domain *d, const char *name,
                       const char *subject)
{
	struct taken_ctx c = {s};
	struct fedjit_plan_lookups l = {
	        .uid_taken = uid_taken, .gid_taken = gid_taken, .userdata = &c};
	struct fedjit_account_plan p;
	int r = fedjit_account_plan(d, name, &l, &p);
	struct fedjit_user u = {
	        .name = (char *)name,
	        .uid = p.uid,
	        .gid = p.gid,
	        .gecos = "Bench",
	        .home = p.home,
	        .shell = p.shell,
	        .domain = "PRIMARY",
	        .idp = "b",
	        .issuer = "https://bench.example",
	        .subject = (char *)subject,
	        .created = 1,
	};

	return r < 0 ? r : fedjit_store_create_account(s, &u, NULL, NULL, 0);
}

/* EXISTING accounts, 1000 per transaction, without fsync (setup only). */
static void build_template(const char *path, const struct fedjit_domain *d, unsigned existing)
{
	struct fedjit_store *s = NULL;
	char tmp[700];
	int r;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	unlink(tmp);
	r = fedjit_store_open(tmp, FEDJIT_STORE_CREATE | FEDJIT_STORE_NOSYNC, &s);
	if (r < 0)
		die("creating the template", r);
	for (unsigned i = 0; i < existing; i += 1000) {
		r = fedjit_store_batch_begin(s);
		for (unsigned j = i; r >= 0 && j < existing && j < i + 1000; j++) {
			char name[32], sub[32];

			snprintf(name, sizeof(name), "e%u", j);
			snprintf(sub, sizeof(sub), "existing-%u", j);
			r = add_account(s, d, name, sub);
		}
		r = fedjit_store_batch_end(s, r);
		if (r < 0)
			die("filling the template", r);
	}
	fedjit_store_close(s);
	if (rename(tmp, path) < 0)
		die("renaming the template", -errno);
}

static void copy_file(const char *from, const char *to)
{
	char buf[1 << 16];
	int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ssize_t n;

	if (in < 0 || out < 0)
		die("copying the template", -errno);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			die("copying the template", -EIO);
	fsync(out);
	close(in);
	close(out);
}

/* One durable transaction per iteration, on an account of this writer's own. */
static int commit_writer(const char *path, const struct fedjit_domain *d, unsigned w, unsigned n,
                         int gun)
{
	struct fedjit_store *s = NULL;
	char name[32], sub[32], c;
	int r = fedjit_store_open(path, FEDJIT_STORE_POINT, &s);

	snprintf(name, sizeof(name), "c%u", w);
	snprintf(sub, sizeof(sub), "commit-%u", w);
	if (r >= 0)
		r = add_account(s, d, name, sub);
	if (r >= 0 && read(gun, &c, 1) != 0)
		r = -EIO;
	for (unsigned i = 0; r >= 0 && i < n; i++)
		r = fedjit_store_set_flags(s, name, i % 2 ? 0 : FEDJIT_USER_PENDING,
		                           i % 2 ? FEDJIT_USER_PENDING : 0);
	fedjit_store_close(s);
	if (r < 0)
		fprintf(stderr, "provision_bench: commit %s: %s\n", name, fedjit_store_strerror(r));
	return r < 0 ? 1 : 0;
}

/* COUNT logins of new (or, the second time, the same) identities. */
static int logins(struct fedjit_prov_ctx *ctx, unsigned w, unsigned n, enum fedjit_prov_action want)
{
	for (unsigned i = 0; i < n; i++) {
		struct fedjit_prov_result res;
		char name[32], sub[32];

		snprintf(name, sizeof(name), "n%ux%u", w, i);
		snprintf(sub, sizeof(sub), "new-%u-%u", w, i);
		const char *groups[] = {"admins", NULL};
		struct fedjit_identity id = {
		        .issuer = "https://bench.example",
		        .subject = sub,
		        .username = name,
		        .gecos = "New Person",
		        .email = "new@example.org",
		        .groups = groups,
		        .n_groups = 1,
		};
		struct fedjit_login login;
		if (fedjit_login_parse(ctx->config, NULL, name, strlen(name), &login, NULL, 0) <
		            0 ||
		    fedjit_provision_login(ctx, &id, &login, &res) < 0 ||
		    strcmp(res.status, "ok") != 0 || res.action != want) {
			fprintf(stderr, "provision_bench: %s: %s: %s\n", name, res.status, res.log);
			return 1;
		}
	}
	return 0;
}

/* returning: the accounts are made before the writer says it is ready */
static int writer(struct fedjit_prov_ctx *ctx, unsigned w, unsigned n, int gun, int ready,
                  bool returning)
{
	char c = 'r';

	if (returning && logins(ctx, w, n, FEDJIT_PROV_CREATED) != 0)
		return 1;
	if (write(ready, &c, 1) != 1 || read(gun, &c, 1) != 0)
		return 2;
	return logins(ctx, w, n, returning ? FEDJIT_PROV_UPDATED : FEDJIT_PROV_CREATED);
}

int main(int argc, char **argv)
{
	struct fedjit_config *cfg = NULL;
	char conf[1024], tpl[600], run[600], run_priv[700], secret[600];
	int gun[2], ready[2], failed = 0;

	const char *mode = argc == 6 ? argv[5] : "";
	if (argc != 5 &&
	    !(argc == 6 && (strcmp(mode, "nosync") == 0 || strcmp(mode, "commit") == 0 ||
	                    strcmp(mode, "returning") == 0))) {
		fprintf(stderr, "usage: %s DIR EXISTING WRITERS COUNT [nosync|commit|returning]\n",
		        argv[0]);
		return 2;
	}
	bool commit_only = strcmp(mode, "commit") == 0;
	bool returning = strcmp(mode, "returning") == 0;
	const char *dir = argv[1];
	unsigned existing = (unsigned)strtoul(argv[2], NULL, 10);
	unsigned writers = (unsigned)strtoul(argv[3], NULL, 10);
	unsigned count = (unsigned)strtoul(argv[4], NULL, 10);
	if (writers == 0 || writers > 64 || count < writers)
		return 2;
	setenv("FEDJIT_NSS_BYPASS", "1", 1);
	snprintf(conf, sizeof(conf), conf_fmt);
	int r = fedjit_config_parse_buffer("bench.conf", conf, strlen(conf), 0, &cfg, NULL);
	if (r < 0)
		die("configuration", r);

	snprintf(tpl, sizeof(tpl), "%s/template-%u.tdb", dir, existing);
	snprintf(run, sizeof(run), "%s/run.tdb", dir);
	snprintf(secret, sizeof(secret), "%s/secret.tdb", dir);
	if (access(tpl, F_OK) < 0)
		build_template(tpl, fedjit_config_domain(cfg, "PRIMARY"), existing);
	copy_file(tpl, run);
	/* the private store beside run.tdb (the template's is not copied: its
	 * accounts then have no personal data, which provisioning never reads) */
	if (fedjit_store_private_path(run, run_priv, sizeof(run_priv)) < 0)
		die("the private store's path", -ENAMETOOLONG);
	unlink(run_priv);
	unlink(secret);

	struct fedjit_prov_ctx ctx = {
	        .config = cfg,
	        .idp = fedjit_config_idp(cfg, "b"),
	        .db_file = run,
	        .secret_db_file = secret,
	        .service = "bench",
	        .commit_only = true,
	        .store_flags = strcmp(mode, "nosync") == 0 ? FEDJIT_STORE_NOSYNC : 0,
	};
	if (pipe(gun) < 0 || pipe(ready) < 0)
		die("pipe", -errno);
	pid_t pids[64];
	for (unsigned w = 0; w < writers; w++) {
		pids[w] = fork();
		if (pids[w] < 0)
			die("fork", -errno);
		if (pids[w] == 0) {
			close(gun[1]);
			close(ready[0]);
			_exit(commit_only ? commit_writer(run, fedjit_config_domain(cfg, "PRIMARY"),
			                                  w, count / writers, gun[0])
			                  : writer(&ctx, w, count / writers, gun[0], ready[1],
			                           returning));
		}
	}
	close(gun[0]);
	close(ready[1]);
	/* the clock starts when every writer is ready (commit mode: at once) */
	for (unsigned w = 0; !commit_only && w < writers; w++) {
		char c;

		if (read(ready[0], &c, 1) != 1) {
			failed = 1;
			break;
		}
	}
	close(ready[0]);
	double t0 = now_s();
	close(gun[1]);
	for (unsigned w = 0; w < writers; w++) {
		int status;
		while (waitpid(pids[w], &status, 0) < 0 && errno == EINTR)
			;
		failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	}
	double dt = now_s() - t0;
	unsigned done = count / writers * writers;

	struct fedjit_store *s = NULL;
	if (fedjit_store_open(run, FEDJIT_STORE_RDONLY, &s) < 0 ||
	    fedjit_store_check(s, NULL, NULL) != 0)
		failed = 1;
	fedjit_store_close(s);
	unlink(run);
	unlink(run_priv);
	fedjit_config_free(cfg);
	if (failed) {
		fprintf(stderr, "provision_bench: a writer failed or the store is inconsistent\n");
		return 1;
	}
	printf("fedjit existing=%u writers=%u count=%u seconds=%.3f per_second=%.0f%s%s\n",
	       existing, writers, done, dt, done / dt, mode[0] ? " " : "", mode);
	return 0;
}

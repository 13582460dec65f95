/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The work after the account record: the home directory and the hook.
 *
 * HOME. An existing directory at the home path is left alone (pre-created,
 * NFS, or a previous run finished); for a new or unfinished account it must be
 * owned by the account's uid (a new account never adopts someone else's
 * home). Otherwise the home is built aside, as PARENT/.fedjit-new.NAME.PID
 * (root, 0700, so nobody can reach into it while it is filled; one per
 * process, aside_path says why), from the domain's skel (directories, regular
 * files and symbolic links, copied with *at calls that never follow a link;
 * other file types, set-id and sticky bits are dropped), chowned to the user,
 * given home_mode, and renamed into place without replacing anything
 * (RENAME_NOREPLACE): of two runs at once the first rename wins and the other
 * removes its own. A run killed halfway leaves only its aside directory,
 * which the next run removes first (its pid is gone): the home is either
 * complete or absent. Missing parents are created root:root 0755, as useradd
 * does.
 *
 * HOOK: provision.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/macro.h"
#include "pam/provision/provision_private.h"

#define SKEL_DEPTH_MAX 32
#define HOOK_TIMEOUT_S 60
#define HOOK_ARGS_MAX  32

static int copy_file(int sfd, int dfd, const char *name, const struct stat *st, uid_t uid,
                     gid_t gid)
{
	_cleanup_close_ int in = openat(sfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_close_ int out = -1;
	char buf[65536];
	ssize_t n;

	if (in < 0)
		return -errno;
	out = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return -errno;
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return -errno;
			off += w;
		}
	}
	if (fchown(out, uid, gid) < 0 || fchmod(out, st->st_mode & 0777) < 0)
		return -errno;
	return 0;
}

static int copy_tree(int sfd, int dfd, uid_t uid, gid_t gid, unsigned depth)
{
	DIR *d;
	struct dirent *de;
	int r = 0, fd;

	if (depth > SKEL_DEPTH_MAX)
		return -ELOOP;
	fd = dup(sfd);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while (r >= 0 && (errno = 0, de = readdir(d))) {
		const char *n = de->d_name;
		struct stat st;

		if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
			continue;
		if (fstatat(sfd, n, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = -errno;
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			_cleanup_close_ int s2 = -1, d2 = -1;

			if (mkdirat(dfd, n, 0700) < 0) {
				r = -errno;
				break;
			}
			s2 = openat(sfd, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			d2 = openat(dfd, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (s2 < 0 || d2 < 0) {
				r = -errno;
				break;
			}
			r = copy_tree(s2, d2, uid, gid, depth + 1);
			if (r >= 0 &&
			    (fchown(d2, uid, gid) < 0 || fchmod(d2, st.st_mode & 0777) < 0))
				r = -errno;
		} else if (S_ISREG(st.st_mode)) {
			r = copy_file(sfd, dfd, n, &st, uid, gid);
		} else if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t len = readlinkat(sfd, n, target, sizeof(target) - 1);

			if (len < 0) {
				r = -errno;
				break;
			}
			target[len] = '\0';
			if (symlinkat(target, dfd, n) < 0 ||
			    fchownat(dfd, n, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
				r = -errno;
		}
	}
	if (r >= 0 && errno != 0)
		r = -errno;
	closedir(d);
	return r;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

static int rm_tree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlink(path) < 0 ? -errno : 0;
	return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0 ? -errno : 0;
}

/* One missing parent, 0755 whatever the umask (the helper runs with 077:
 * a 0700 parent would keep the user out of their own home). */
static int mkdir_0755(const char *path)
{
	if (mkdir(path, 0755) < 0)
		return errno == EEXIST ? 0 : -errno;
	return chmod(path, 0755) < 0 ? -errno : 0;
}

static int mkdir_parents(const char *dir)
{
	char buf[FEDJIT_PLAN_PATH_MAX];
	int r;

	snprintf(buf, sizeof(buf), "%s", dir);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if ((r = mkdir_0755(buf)) < 0)
			return r;
		*p = '/';
	}
	return mkdir_0755(buf);
}

/* PARENT/.fedjit-new.NAME.PID for home PARENT/NAME: one per process, because two
 * logins of the same new identity (two SSH sessions at once: the second finds the
 * account pending and finishes it too) build the home at the same time, and with one
 * shared name the second one's clean-up removed the first one's half-built home. */
static int aside_path(const char *home, char *buf, size_t size, char *parent, size_t psize,
                      char *name, size_t nsize)
{
	char a[FEDJIT_PLAN_PATH_MAX], b[FEDJIT_PLAN_PATH_MAX];

	snprintf(a, sizeof(a), "%s", home);
	snprintf(b, sizeof(b), "%s", home);
	snprintf(parent, psize, "%s", dirname(a));
	snprintf(name, nsize, "%s", basename(b));
	if ((size_t)snprintf(buf, size, "%s/.fedjit-new.%s.%ld", parent, name, (long)getpid()) >=
	    size)
		return -ENAMETOOLONG;
	return 0;
}

/* What runs killed halfway left: PARENT/.fedjit-new.NAME.PID of a process that is
 * gone (and PARENT/.fedjit-new.NAME, the name before it had a pid). Another process's
 * live aside is left alone: its rename decides, and the loser removes its own. */
static void remove_stale_asides(const char *parent, const char *name)
{
	char prefix[FEDJIT_PLAN_PATH_MAX + 16], path[PATH_MAX];
	size_t plen;
	struct dirent *e;
	DIR *d = opendir(parent);

	if (!d)
		return;
	plen = (size_t)snprintf(prefix, sizeof(prefix), ".fedjit-new.%s", name);
	while (plen < sizeof(prefix) && (e = readdir(d))) {
		const char *rest;
		char *end;
		long pid;

		if (strncmp(e->d_name, prefix, plen) != 0)
			continue;
		rest = e->d_name + plen;
		if (rest[0] == '.') {
			errno = 0;
			pid = strtol(rest + 1, &end, 10);
			if (errno || end == rest + 1 || *end || pid <= 0 || pid == (long)getpid() ||
			    kill((pid_t)pid, 0) == 0 || errno != ESRCH)
				continue;
		} else if (rest[0] != '\0') {
			continue;
		}
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", parent, e->d_name) < sizeof(path))
			(void)rm_tree(path);
	}
	closedir(d);
}

static int make_home(struct prov_finish *f, char *err, size_t err_size)
{
	char aside[FEDJIT_PLAN_PATH_MAX + 48], parent[FEDJIT_PLAN_PATH_MAX],
	        name[FEDJIT_PLAN_PATH_MAX];
	const char *skel = f->domain->skel;
	_cleanup_close_ int dfd = -1;
	struct stat st;
	int r;

	if (f->home[0] != '/' || strstr(f->home, "/../") || strcmp(f->home, "/") == 0) {
		snprintf(err, err_size, "home %s is not a usable absolute path", f->home);
		return -EINVAL;
	}
	if (lstat(f->home, &st) == 0) {
		/* a new account never adopts someone else's home (checked before
		 * the commit too: provision_new.c check_home) */
		if (S_ISDIR(st.st_mode) && f->new_home && st.st_uid != f->uid) {
			snprintf(err, err_size,
			         "home %s exists and belongs to uid %u, not %u: not adopted",
			         f->home, (unsigned)st.st_uid, f->uid);
			return -EEXIST;
		}
		if (S_ISDIR(st.st_mode))
			return 0;
		snprintf(err, err_size, "home %s exists and is not a directory", f->home);
		return -EEXIST;
	}
	r = aside_path(f->home, aside, sizeof(aside), parent, sizeof(parent), name, sizeof(name));
	if (r >= 0)
		r = mkdir_parents(parent);
	if (r >= 0) {
		remove_stale_asides(parent, name);
		r = rm_tree(aside);
	}
	if (r >= 0 && mkdir(aside, 0700) < 0)
		r = -errno;
	if (r >= 0) {
		dfd = open(aside, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dfd < 0)
			r = -errno;
	}
	if (r >= 0 && skel) {
		_cleanup_close_ int sfd = open(skel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (sfd >= 0)
			r = copy_tree(sfd, dfd, f->uid, f->gid, 0);
		else if (errno != ENOENT)
			r = -errno;
	}
	if (r >= 0 && (fchown(dfd, f->uid, f->gid) < 0 || fchmod(dfd, f->domain->home_mode) < 0))
		r = -errno;
	if (r >= 0) {
		if (renameat2(AT_FDCWD, aside, AT_FDCWD, f->home, RENAME_NOREPLACE) == 0)
			f->home_created = true;
		else
			r = errno == EEXIST ? (rm_tree(aside), 0) : -errno;
	}
	if (r < 0) {
		(void)rm_tree(aside);
		snprintf(err, err_size, "home %s: %s", f->home, strerror(-r));
	}
	return r;
}

void fedjit_prov_finish_remove_home(const struct prov_finish *f)
{
	if (f->home_created && f->home[0] == '/')
		(void)rm_tree(f->home);
}

/* ---- the hook ---- */

static int split_args(char *cmd, char **argv, size_t max)
{
	size_t n = 0;

	for (char *tok = strtok(cmd, " \t"); tok; tok = strtok(NULL, " \t")) {
		if (n + 1 >= max)
			return -E2BIG;
		argv[n++] = tok;
	}
	argv[n] = NULL;
	return n ? (int)n : -EINVAL;
}

static int run_hook(const struct prov_finish *f, const struct fedjit_identity *id, char *err,
                    size_t err_size)
{
	_cleanup_free_ char *cmd = strdup(f->idp->provision_hook);
	char *argv[HOOK_ARGS_MAX];
	char env[12][FEDJIT_PLAN_PATH_MAX + 32];
	char *envp[13];
	int status = 0, r;
	pid_t pid;

	if (!cmd)
		return -ENOMEM;
	r = split_args(cmd, argv, HOOK_ARGS_MAX);
	if (r < 0 || argv[0][0] != '/') {
		snprintf(err, err_size, "provision_hook is not an absolute command");
		return -EINVAL;
	}
	snprintf(env[0], sizeof(env[0]), "PATH=/usr/sbin:/usr/bin:/sbin:/bin");
	snprintf(env[1], sizeof(env[1]), "FEDJIT_EVENT=create");
	snprintf(env[2], sizeof(env[2]), "FEDJIT_USER=%s", f->name);
	snprintf(env[3], sizeof(env[3]), "FEDJIT_UID=%u", f->uid);
	snprintf(env[4], sizeof(env[4]), "FEDJIT_GID=%u", f->gid);
	snprintf(env[5], sizeof(env[5]), "FEDJIT_HOME=%s", f->home);
	snprintf(env[6], sizeof(env[6]), "FEDJIT_SHELL=%s", f->shell);
	snprintf(env[7], sizeof(env[7]), "FEDJIT_DOMAIN=%s", f->domain->name);
	snprintf(env[8], sizeof(env[8]), "FEDJIT_IDP=%s", f->idp->name);
	snprintf(env[9], sizeof(env[9]), "FEDJIT_SUBJECT=%.4000s", id->subject);
	snprintf(env[10], sizeof(env[10]), "FEDJIT_GROUPS=%.4000s", f->groups ? f->groups : "");
	snprintf(env[11], sizeof(env[11]), "FEDJIT_ISSUER=%.4000s", id->issuer);
	for (size_t i = 0; i < 12; i++)
		envp[i] = env[i];
	envp[12] = NULL;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);

		if (fd < 0 || dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(126);
		closefrom(3);
		signal(SIGPIPE, SIG_DFL);
		umask(022); /* not the helper's 077 */
		execve(argv[0], argv, envp);
		_exit(127);
	}
	for (int waited_ms = 0;; waited_ms += 20) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			return -errno;
		if (waited_ms >= HOOK_TIMEOUT_S * 1000) {
			/* SIGTERM first: a hook may be writing the store (the admin
			 * tool), and a commit finishes before a SIGTERM lands. */
			kill(pid, SIGTERM);
			w = 0;
			for (int t = 0; w == 0 && t < FEDJIT_COMMIT_GRACE_S * 50; t++) {
				poll(NULL, 0, 20);
				w = waitpid(pid, &status, WNOHANG);
			}
			if (w != pid) {
				kill(pid, SIGKILL);
				while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
					;
			}
			snprintf(err, err_size, "provision_hook timed out after %d s",
			         HOOK_TIMEOUT_S);
			return -ETIMEDOUT;
		}
		poll(NULL, 0, 20);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		snprintf(err, err_size, "provision_hook %s exited with status %d", argv[0],
		         WEXITSTATUS(status));
	else
		snprintf(err, err_size, "provision_hook %s killed by signal %d", argv[0],
		         WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return -EIO;
}

int fedjit_prov_finish_run(struct prov_finish *f, const struct fedjit_identity *id, char *err,
                           size_t err_size)
{
	int r = 0;

	err[0] = '\0';
	if (f->make_home)
		r = make_home(f, err, err_size);
	if (r >= 0 && f->idp->provision_hook)
		r = run_hook(f, id, err, err_size);
	return r;
}

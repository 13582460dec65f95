/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which uids have a live session or a running process (common/sessions.h,
 * fedjit_sessions_live_uids): logind's state files, utmp, /proc.
 *
 * logind's files are its public state (the same ones sd-login reads):
 * /run/systemd/users/UID exists while logind tracks the user (sessions open,
 * lingering, or processes that outlived the session), and every
 * /run/systemd/sessions/ID holds a "UID=N" line. Reading them needs neither
 * D-Bus nor sd-bus. utmp covers hosts without logind; /proc covers processes
 * that neither knows about (a job started outside any PAM session): any of
 * them is access the IdP must be able to end.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utmpx.h>

#include "common/macro.h"
#include "common/sessions.h"

struct uidset {
	uint32_t *v;
	size_t n, cap;
};

static int add(struct uidset *s, uint32_t uid)
{
	if (uid == 0 || uid == (uint32_t)-1)
		return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		uint32_t *nv = reallocarray(s->v, cap, sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		s->v = nv;
		s->cap = cap;
	}
	s->v[s->n++] = uid;
	return 0;
}

/* A decimal uid filling the whole string, or false. */
static bool parse_uid(const char *s, uint32_t *ret)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return false;
	*ret = (uint32_t)v;
	return true;
}

/* /run/systemd/users: one file per uid. */
static int logind_users(const char *run_dir, struct uidset *s)
{
	char path[4096];
	DIR *d;
	struct dirent *de;
	int r = 0;

	snprintf(path, sizeof(path), "%s/systemd/users", run_dir);
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while (r == 0 && (de = readdir(d))) {
		uint32_t uid;

		if (parse_uid(de->d_name, &uid))
			r = add(s, uid);
	}
	closedir(d);
	return r;
}

/* The UID= line of one session file (a small key=value text file). */
static int session_uid(int dirfd, const char *name, uint32_t *ret)
{
	char buf[8192];
	ssize_t n;
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	for (char *line = buf, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (strncmp(line, "UID=", 4) == 0)
			return parse_uid(line + 4, ret) ? 0 : -EBADMSG;
	}
	return -ENOENT;
}

static int logind_sessions(const char *run_dir, struct uidset *s)
{
	char path[4096];
	DIR *d;
	struct dirent *de;
	int r = 0;

	snprintf(path, sizeof(path), "%s/systemd/sessions", run_dir);
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while (r == 0 && (de = readdir(d))) {
		uint32_t uid;

		/* ".ref" files are logind's fifos, not state */
		if (de->d_name[0] == '.' || strchr(de->d_name, '.'))
			continue;
		if (session_uid(dirfd(d), de->d_name, &uid) == 0)
			r = add(s, uid);
	}
	closedir(d);
	return r;
}

/* utmp: logged-in entries whose process still runs (a crashed login leaves
 * its entry behind). */
static int utmp_users(const char *utmp_file, fedjit_sessions_lookup_fn lookup, void *userdata,
                      struct uidset *s)
{
	struct utmpx *u;
	int r = 0;

	if (!lookup)
		return 0;
	if (utmp_file && utmpxname(utmp_file) < 0)
		return -errno;
	setutxent();
	while (r == 0 && (u = getutxent())) {
		char name[sizeof(u->ut_user) + 1];
		uint32_t uid;

		if (u->ut_type != USER_PROCESS || u->ut_user[0] == '\0')
			continue;
		if (u->ut_pid > 0 && kill(u->ut_pid, 0) < 0 && errno == ESRCH)
			continue;
		memcpy(name, u->ut_user, sizeof(u->ut_user));
		name[sizeof(u->ut_user)] = '\0';
		uid = lookup(name, userdata);
		if (uid != 0)
			r = add(s, uid);
	}
	endutxent();
	if (utmp_file)
		(void)utmpxname(_PATH_UTMPX);
	return r;
}

/* /proc/PID is owned by the process's effective uid; the real uid is in
 * status. Both count (a setuid program run by the account). */
static int processes(struct uidset *s)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int r = 0;

	if (!d)
		return -errno;
	while (r == 0 && (de = readdir(d))) {
		char buf[2048];
		const char *p;
		unsigned long ruid, euid;
		ssize_t n;
		int fd;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(buf, sizeof(buf), "%s/status", de->d_name);
		fd = openat(dirfd(d), buf, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		p = strstr(buf, "\nState:\t");
		if (p && (p[8] == 'Z' || p[8] == 'X'))
			continue;
		p = strstr(buf, "\nUid:\t");
		if (!p || sscanf(p + 6, "%lu %lu", &ruid, &euid) != 2)
			continue;
		r = add(s, (uint32_t)ruid);
		if (r == 0 && euid != ruid)
			r = add(s, (uint32_t)euid);
	}
	closedir(d);
	return r;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int fedjit_sessions_live_uids(const char *run_dir, const char *utmp_file,
                              fedjit_sessions_lookup_fn lookup, void *userdata, uint32_t **ret_uids,
                              size_t *ret_n)
{
	struct uidset s = {0};
	size_t w = 0;
	int r;

	if (!run_dir)
		run_dir = "/run";
	r = logind_users(run_dir, &s);
	if (r == 0)
		r = logind_sessions(run_dir, &s);
	if (r == 0)
		r = utmp_users(utmp_file, lookup, userdata, &s);
	if (r == 0)
		r = processes(&s);
	if (r < 0) {
		free(s.v);
		return r;
	}
	if (s.n > 0)
		qsort(s.v, s.n, sizeof(*s.v), cmp_u32);
	for (size_t i = 0; i < s.n; i++)
		if (w == 0 || s.v[w - 1] != s.v[i])
			s.v[w++] = s.v[i];
	*ret_uids = s.v;
	*ret_n = w;
	return 0;
}

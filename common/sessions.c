/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Ending an account's sessions and processes (common/sessions.h): logind
 * first, then signals, from a child running as the account and from root.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/macro.h"
#include "common/sessions.h"

/* busctl and its call: logind's TerminateUser takes the uid, so nothing here
 * or in busctl depends on a name lookup (the helper bypasses fedjit's NSS). */
#define LOGIND_TIMEOUT_MS 5000
static const char *const busctl_paths[] = {"/usr/bin/busctl", "/bin/busctl"};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- /proc ---- */

/*
 * Does the process behind dirfd (an open /proc/PID) run with uid as real,
 * effective or saved uid, and is it not a zombie? 1 yes, 0 no, -errno (it is
 * gone: -ENOENT / -ESRCH).
 */
static int proc_matches(int dirfd, uint32_t uid)
{
	char buf[4096];
	ssize_t n;
	int fd = openat(dirfd, "status", O_RDONLY | O_CLOEXEC);
	const char *p;
	unsigned long r, e, s;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -ENOENT;
	buf[n] = '\0';
	p = strstr(buf, "\nState:\t");
	if (p && (p[8] == 'Z' || p[8] == 'X'))
		return 0;
	p = strstr(buf, "\nUid:\t");
	if (!p || sscanf(p + 6, "%lu %lu %lu", &r, &e, &s) != 3)
		return -EBADMSG;
	return r == uid || e == uid || s == uid;
}

/*
 * Walk /proc; for each process of uid (not ourselves), call fn with its pid
 * and an open /proc/PID directory. Returns the number of matches or -errno.
 */
typedef void (*proc_fn)(pid_t pid, int dirfd, void *userdata);
static int proc_walk(uint32_t uid, proc_fn fn, void *userdata)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t self = getpid();
	int n = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char *end;
		long pid;
		int pfd;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 1 || pid == self)
			continue;
		pfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (pfd < 0)
			continue;
		if (proc_matches(pfd, uid) == 1) {
			n++;
			if (fn)
				fn((pid_t)pid, pfd, userdata);
		}
		close(pfd);
	}
	closedir(d);
	return n;
}

int fedjit_sessions_count_processes(uint32_t uid)
{
	return proc_walk(uid, NULL, NULL);
}

/* Signal one process from root, through a pidfd so that a pid reused between
 * the walk and the signal is never hit: the uid is checked again after the
 * pidfd pins the process. */
struct sweep {
	uint32_t uid;
	int sig;
};

static void sweep_one(pid_t pid, int dirfd, void *userdata)
{
	const struct sweep *sw = userdata;
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (pidfd < 0)
		return;
	if (proc_matches(dirfd, sw->uid) == 1)
		(void)syscall(SYS_pidfd_send_signal, pidfd, sw->sig, NULL, 0);
	close(pidfd);
}

/* ---- kill(-1) as the account ---- */

/*
 * Fork a child that becomes uid (no groups, no capabilities: it can signal
 * exactly the processes whose real or saved uid is uid) and sends sig to all
 * of them at once. The account's processes can kill this child first; the
 * sweep from root that follows does not depend on it.
 */
static int signal_as(uint32_t uid, int sig)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (setgroups(0, NULL) < 0 || setresgid(uid, uid, uid) < 0 ||
		    setresuid(uid, uid, uid) < 0 || getuid() != uid || geteuid() != uid)
			_exit(1);
		(void)prctl(PR_SET_DUMPABLE, 0);
		/* ESRCH: nothing left to signal */
		_exit(kill(-1, sig) < 0 && errno != ESRCH ? 2 : 0);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EPERM;
}

/* One round: kill(-1) as uid, then the sweep from root. */
static void signal_round(uint32_t uid, int sig)
{
	struct sweep sw = {.uid = uid, .sig = sig};

	(void)signal_as(uid, sig);
	(void)proc_walk(uid, sweep_one, &sw);
}

/* Wait until no process of uid runs or deadline_ms passes; the count left. */
static int wait_gone(uint32_t uid, uint64_t deadline_ms)
{
	for (;;) {
		int n = proc_walk(uid, NULL, NULL);

		if (n <= 0 || now_ms() >= deadline_ms)
			return n;
		sleep_ms(20);
	}
}

/* ---- logind ---- */

/* Is logind running and does it know uid? (logind's own test for "running"
 * is its seats directory.) */
static bool logind_knows(uint32_t uid)
{
	char path[64];

	if (access("/run/systemd/seats/", F_OK) < 0)
		return false;
	snprintf(path, sizeof(path), "/run/systemd/users/%" PRIu32, uid);
	return access(path, F_OK) == 0;
}

/* busctl call ... TerminateUser u UID, with a deadline. 0 or -errno. */
static int logind_terminate(uint32_t uid)
{
	const char *busctl = NULL;
	char uidstr[16], timeout[16];
	uint64_t deadline;
	pid_t pid;
	int status, fd;

	for (size_t i = 0; i < FEDJIT_ELEMENTSOF(busctl_paths) && !busctl; i++)
		if (access(busctl_paths[i], X_OK) == 0)
			busctl = busctl_paths[i];
	if (!busctl)
		return -ENOENT;
	snprintf(uidstr, sizeof(uidstr), "%" PRIu32, uid);
	snprintf(timeout, sizeof(timeout), "%ums", LOGIND_TIMEOUT_MS);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		char *const argv[] = {(char *)busctl,
		                      "--system",
		                      "--quiet",
		                      "--timeout",
		                      timeout,
		                      "call",
		                      "org.freedesktop.login1",
		                      "/org/freedesktop/login1",
		                      "org.freedesktop.login1.Manager",
		                      "TerminateUser",
		                      "u",
		                      uidstr,
		                      NULL};
		char *const envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};

		fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execve(busctl, argv, envp);
		_exit(127);
	}
	deadline = now_ms() + LOGIND_TIMEOUT_MS + 1000;
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			return -errno;
		if (now_ms() >= deadline) {
			kill(pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			return -ETIMEDOUT;
		}
		sleep_ms(10);
	}
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

/* ---- the whole thing ---- */

static void describe(struct fedjit_sessions_result *r)
{
	char killed[48] = "";
	const char *via = r->logind ? "logind ended the sessions; " : "";

	if (r->killed)
		snprintf(killed, sizeof(killed), " (%u by SIGKILL)", r->killed);
	if (r->left > 0)
		snprintf(r->text, sizeof(r->text), "%s%u process%s still running", via, r->left,
		         r->left == 1 ? "" : "es");
	else if (r->found == 0)
		snprintf(r->text, sizeof(r->text), "%s%s", via,
		         r->logind ? "no process was running" : "no process running");
	else
		snprintf(r->text, sizeof(r->text), "%s%u process%s ended%s", via, r->found,
		         r->found == 1 ? "" : "es", killed);
}

int fedjit_sessions_end(uint32_t uid, unsigned grace_ms, struct fedjit_sessions_result *ret)
{
	int n;

	memset(ret, 0, sizeof(*ret));
	if (uid == 0 || uid == (uint32_t)-1 || uid == getuid() || uid == geteuid()) {
		snprintf(ret->text, sizeof(ret->text), "refused: uid %" PRIu32, uid);
		return -EINVAL;
	}
	n = proc_walk(uid, NULL, NULL);
	if (n < 0) {
		snprintf(ret->text, sizeof(ret->text), "cannot read /proc: %s", strerror(-n));
		return n;
	}
	ret->found = (unsigned)n;
	if (logind_knows(uid))
		ret->logind = logind_terminate(uid) == 0;
	n = proc_walk(uid, NULL, NULL);
	if (n > 0) {
		signal_round(uid, SIGTERM);
		n = wait_gone(uid, now_ms() + grace_ms);
	}
	if (n > 0) {
		ret->killed = (unsigned)n;
		/* A few rounds: a child forked between the child's kill(-1) and the
		 * sweep is caught by the next one. */
		for (int round = 0; round < 5 && n > 0; round++) {
			signal_round(uid, SIGKILL);
			n = wait_gone(uid, now_ms() + 200);
		}
	}
	ret->left = n > 0 ? (unsigned)n : 0;
	describe(ret);
	return ret->left > 0 ? -EBUSY : 0;
}

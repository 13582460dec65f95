/* SPDX-License-Identifier: Apache-2.0 */
/* fork + exec of fedjit-helper with a clean environment; see spawn.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/commit_grace.h"
#include "pam/proto/proto.h"
#include "pam/proto/spawn.h"

/* Runs in the child between fork and exec: async-signal-safe calls only. */
static void __attribute__((noreturn))
child(const char *path, int sock, pid_t parent, const sigset_t *empty)
{
	static char *const env[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "FEDJIT_NSS_BYPASS=1",
	                            NULL};
	char *const argv[] = {(char *)path, NULL};
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	int null;

	/* Every handler the host installed goes before signals are let in. */
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			(void)sigaction(s, &dfl, NULL);
	(void)sigprocmask(SIG_SETMASK, empty, NULL);
	/* SIGTERM, not SIGKILL: a helper writing the store when its parent dies
	 * finishes the commit first (signals are held back during one). */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
		_exit(127);

	/* Move the socket out of the way, put /dev/null on 0-2, the socket on 3. */
	if (sock < 4) {
		int high = fcntl(sock, F_DUPFD, 4);

		if (high < 0)
			_exit(127);
		sock = high;
	}
	/* Not O_CLOEXEC: when the host runs with 0-2 closed, this may already be
	 * one of them, and dup2() onto itself would keep the flag. */
	null = open("/dev/null", O_RDWR);
	if (null < 0)
		_exit(127);
	for (int fd = 0; fd < 3; fd++)
		if (dup2(null, fd) < 0)
			_exit(127);
	if (dup2(sock, FEDJIT_PROTO_FD) < 0)
		_exit(127);
	if (syscall(SYS_close_range, 4U, ~0U, 0U) < 0) {
		long max = sysconf(_SC_OPEN_MAX);

		for (long fd = 4; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
			(void)close((int)fd);
	}
	execve(path, argv, env);
	_exit(127);
}

int fedjit_helper_spawn(const char *path, struct fedjit_helper_proc *h)
{
	struct sigaction dfl = {.sa_handler = SIG_DFL}, old_chld;
	sigset_t all, old_mask, empty;
	pid_t parent = getpid(), pid;
	int sv[2], r = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	if (sigaction(SIGCHLD, &dfl, &old_chld) < 0) {
		r = -errno;
		close(sv[0]);
		close(sv[1]);
		return r;
	}
	sigfillset(&all);
	sigemptyset(&empty);
	/* No host handler may run in the child before it resets them. */
	(void)pthread_sigmask(SIG_SETMASK, &all, &old_mask);
	pid = fork();
	if (pid == 0)
		child(path, sv[1], parent, &empty);
	if (pid < 0)
		r = -errno;
	(void)pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	close(sv[1]);
	if (r < 0) {
		close(sv[0]);
		(void)sigaction(SIGCHLD, &old_chld, NULL);
		return r;
	}
	h->pid = pid;
	h->fd = sv[0];
	h->old_chld = old_chld;
	h->chld_saved = true;
	return 0;
}

/* waitpid(WNOHANG) until the child is gone or deadline; 1 reaped, 0 still
 * running, -ECHILD reaped by someone else. */
static int reap_until(pid_t pid, uint64_t deadline_usec, int *ret_wstatus)
{
	for (;;) {
		struct timespec tick = {.tv_nsec = 10 * 1000 * 1000};
		int st = 0;
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid) {
			*ret_wstatus = st;
			return 1;
		}
		if (r < 0 && errno != EINTR)
			return -errno;
		if (fedjit_proto_now_usec() >= deadline_usec)
			return 0;
		(void)nanosleep(&tick, NULL);
	}
}

int fedjit_helper_finish(struct fedjit_helper_proc *h, uint64_t grace_usec, int *ret_wstatus)
{
	int st = 0, r = 0;

	if (h->fd >= 0) {
		close(h->fd);
		h->fd = -1;
	}
	if (h->pid > 0) {
		r = reap_until(h->pid, fedjit_proto_now_usec() + grace_usec, &st);
		if (r == 0) {
			(void)kill(h->pid, SIGTERM);
			/* long enough for a commit it is in to finish: SIGKILL
			 * must not land in one (common/commit_grace.h) */
			r = reap_until(h->pid,
			               fedjit_proto_now_usec() + FEDJIT_COMMIT_GRACE_S * 1000000ULL,
			               &st);
			if (r == 0) {
				(void)kill(h->pid, SIGKILL);
				/* Bounded even for a child stuck in the kernel (D state):
				 * then a zombie is left rather than a hung host. */
				r = reap_until(h->pid, fedjit_proto_now_usec() + 5000000, &st);
			}
			if (r >= 0)
				r = -ETIMEDOUT;
		} else if (r == 1)
			r = 0;
		h->pid = 0;
	}
	if (h->chld_saved) {
		(void)sigaction(SIGCHLD, &h->old_chld, NULL);
		h->chld_saved = false;
	}
	if (ret_wstatus)
		*ret_wstatus = st;
	return r;
}

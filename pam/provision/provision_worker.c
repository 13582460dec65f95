/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The detached worker of non-blocking mode: home, groups and the hook after the
 * account record committed.
 *
 * fork(); the child calls setsid() and forks again; the grandchild
 * (the worker) reports its pid through a pipe, and the child exits at once,
 * so the worker is reparented to init and outlives the helper, which must
 * exit within 2 s of its result (pam/proto/proto.h). The worker closes every
 * descriptor above 2 (the module's socket among them, so the module sees the
 * helper's end) and points 0-2 at /dev/null. Its work is idempotent and the
 * account keeps FEDJIT_USER_PENDING until all of it is done, so a worker
 * that dies is simply redone at the next login.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "common/macro.h"
#include "pam/provision/provision_private.h"

static _Noreturn void worker_main(struct prov_run *run, struct prov_finish *f, bool detached)
{
	if (detached) {
		int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

		closelog();
		closefrom(3);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
	}
	_exit(fedjit_prov_background(run, f) < 0 ? 1 : 0);
}

int fedjit_prov_spawn_worker(struct prov_run *run, struct prov_finish *f)
{
	bool detached = !run->ctx->wait_worker;
	int pfd[2], status;
	pid_t pid, worker = 0;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int r = -errno;
		close(pfd[0]);
		close(pfd[1]);
		return r;
	}
	if (pid == 0) {
		pid_t self;

		close(pfd[0]);
		if (detached) {
			setsid();
			self = fork();
			if (self != 0) {
				(void)!write(pfd[1], &self, sizeof(self));
				_exit(self < 0 ? 1 : 0);
			}
		}
		self = getpid();
		if (!detached)
			(void)!write(pfd[1], &self, sizeof(self));
		close(pfd[1]);
		worker_main(run, f, detached);
	}
	close(pfd[1]);
	if (read(pfd[0], &worker, sizeof(worker)) != (ssize_t)sizeof(worker))
		worker = 0;
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (worker <= 0)
		return -ECHILD;
	run->res->worker = worker;
	return 0;
}

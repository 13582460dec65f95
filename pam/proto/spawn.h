/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Running fedjit-helper from the PAM module without harming the host process.
 *
 * The helper runs with no arguments besides argv[0], fd 3 = its end of a
 * SOCK_STREAM socketpair (pam/proto/proto.h), fds 0-2 = /dev/null, every other fd
 * closed, default signal dispositions, an empty signal mask, the environment
 * PATH=/usr/sbin:/usr/bin:/sbin:/bin FEDJIT_NSS_BYPASS=1 and nothing else,
 * and PR_SET_PDEATHSIG=SIGTERM (cleared by the kernel when the helper changes
 * its credentials: a helper that drops root must watch fd 3 for a hangup).
 * SIGTERM because a helper in the middle of a store commit holds signals
 * back until the commit is done; a SIGKILL would land in it.
 * While it runs, SIGCHLD is set to SIG_DFL in the host so that a host that
 * ignores SIGCHLD cannot make it unreapable (as pam_unix does for its helper).
 */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct fedjit_helper_proc {
	pid_t pid; /* 0 when not running */
	int fd;    /* the module's end of the socketpair; -1 when closed */
	struct sigaction old_chld;
	bool chld_saved;
};

#define FEDJIT_HELPER_PROC_INIT    \
	{                          \
		.pid = 0, .fd = -1 \
	}

/* Starts path as described above. 0 and *h filled, or -errno (nothing left
 * running, nothing changed). An exec failure shows up later as exit 127. */
int fedjit_helper_spawn(const char *path, struct fedjit_helper_proc *h);

/*
 * Ends the helper: closes the socket (the helper's cue to stop), waits up to
 * grace_usec for it to exit, then SIGTERM, up to FEDJIT_COMMIT_GRACE_S more
 * (a store commit it is in finishes first: common/commit_grace.h), then
 * SIGKILL; reaps it (waitpid looping on EINTR) and restores SIGCHLD. Safe to
 * call on a helper that never started or already finished. Returns 0 and the
 * wait status in *ret_wstatus (may be NULL) when it exited within the grace
 * time, -ETIMEDOUT when it had to be killed (*ret_wstatus still set),
 * -ECHILD when the host reaped it behind our back.
 */
int fedjit_helper_finish(struct fedjit_helper_proc *h, uint64_t grace_usec, int *ret_wstatus);

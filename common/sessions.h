/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Ending an account's access on this host, and finding the accounts that have
 * any: one implementation for `fedjit user lock` (cli/), the revalidation that
 * locks an account disabled at the IdP (the helper's root parent) and the
 * selection of `fedjit revalidate --sessions`.
 *
 * Needs root (it signals other users' processes and changes credentials in a
 * child). Never loaded into a host process: this is not linked into the PAM or
 * NSS modules.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* What fedjit_sessions_end did, for the log line and the person. */
struct fedjit_sessions_result {
	bool logind;     /* logind was asked to end the user's sessions (and answered) */
	unsigned found;  /* processes of the uid seen before anything was signalled */
	unsigned killed; /* of those or their children, ended by SIGKILL after SIGTERM */
	unsigned left;   /* processes of the uid still running at the end */
	char text[160];  /* one line: "3 processes ended (1 by SIGKILL)", "none running" */
};

/*
 * End every session and process of uid:
 *  1. when logind runs and knows the uid (/run/systemd/users/UID), its
 *     TerminateUser call (busctl, by uid: no name lookup), which ends the
 *     sessions cleanly (logout records, the user's service manager);
 *  2. whatever still runs with uid as its real, effective or saved uid (a
 *     process outside any session: cron, at, a daemonised child; the only
 *     step where logind is absent): SIGTERM, up to grace_ms for them to go,
 *     then SIGKILL. Each round is signalled from a child that runs as uid
 *     with kill(-1, sig), so that a process forking in a loop cannot escape
 *     (the kernel signals every process of the uid in one pass), and is
 *     followed by a sweep of /proc from root through pidfds, which catches
 *     processes that changed only their effective uid and is safe against
 *     pid reuse.
 * Only processes in this process's PID namespace are seen and signalled.
 * uid 0 is refused (-EINVAL); so is the caller's own uid.
 * Returns 0 when nothing of uid runs any more, -EBUSY when some processes
 * survived (ret->left), or another -errno (/proc unreadable, fork failed).
 * *ret is filled in every case.
 */
int fedjit_sessions_end(uint32_t uid, unsigned grace_ms, struct fedjit_sessions_result *ret);
#define FEDJIT_SESSIONS_GRACE_MS 2000

/* Processes with uid as real, effective or saved uid, zombies not counted
 * (this PID namespace), or -errno. */
int fedjit_sessions_count_processes(uint32_t uid);

/*
 * The uids that have a live session or a running process on this host, for
 * the selection of `fedjit revalidate --sessions`. Three sources, all read:
 *  - logind's state files: every /run/systemd/users/UID (a user with
 *    sessions, lingering, or whose processes outlived the session) and the
 *    UID= line of every /run/systemd/sessions/ID;
 *  - utmp (getutxent): USER_PROCESS entries whose process is alive, by name
 *    through lookup (may be NULL: utmp is then skipped), which maps a user
 *    name to a uid (0 when unknown);
 *  - /proc: every process's real uid.
 * run_dir and utmp_file may be NULL for /run and the system's utmp (tests
 * point them elsewhere). *ret_uids: sorted, without duplicates, without uid 0
 * (free()); 0 or -errno.
 */
typedef uint32_t (*fedjit_sessions_lookup_fn)(const char *name, void *userdata);
int fedjit_sessions_live_uids(const char *run_dir, const char *utmp_file,
                              fedjit_sessions_lookup_fn lookup, void *userdata, uint32_t **ret_uids,
                              size_t *ret_n);

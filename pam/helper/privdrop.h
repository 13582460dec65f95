/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Privilege drop of the helper's network child (ARCHITECTURE.md invariant 1).
 *
 * The root parent looks the helper user up (fedjit_privdrop_lookup) before it forks, since
 * the child must not need NSS or any file after the drop. The child then calls
 * fedjit_privdrop_apply() before it touches the network:
 *   setgroups(0) -> setresgid -> setresuid (all three ids, so there is no way back),
 *   verified by trying setuid(0), PR_SET_NO_NEW_PRIVS, PR_SET_DUMPABLE 0 (no ptrace by the
 *   helper user's other processes, no core with tokens), PR_SET_PDEATHSIG SIGKILL,
 *   a seccomp deny-list (EPERM for execve, ptrace, mount, namespaces, keyrings, bpf,
 *   module loading...; other ABIs killed; see privdrop.c),
 *   resource limits: RLIMIT_CORE 0, RLIMIT_FSIZE 0 (it writes no file), RLIMIT_NOFILE 64,
 *   RLIMIT_NPROC 0 beyond what it has (no fork), RLIMIT_CPU and RLIMIT_AS as passed,
 *   and chdir("/").
 */
#pragma once

#include <sys/types.h>

struct fedjit_privdrop {
	uid_t uid;
	gid_t gid;
	unsigned cpu_seconds; /* RLIMIT_CPU; 0: unlimited */
	size_t as_bytes;      /* RLIMIT_AS; 0: unlimited (sanitizer builds need it so) */
};

/* Looks up user (name) with getpwnam_r. Refuses uid 0 or gid 0 (-EPERM), unknown user
 * (-ESRCH). Fills uid/gid only. */
int fedjit_privdrop_lookup(const char *user, struct fedjit_privdrop *ret);

/* Drops to p->uid/gid and applies the limits. Returns 0, or a negative errno (the caller
 * must then exit: a half-dropped child must not go on). */
int fedjit_privdrop_apply(const struct fedjit_privdrop *p);

/* "uid=U gid=G groups=N nnp=B dumpable=B" of the calling process, from /proc/self/status
 * and prctl, for the debug log and the privilege test. Writes into buf. */
void fedjit_privdrop_describe(char *buf, size_t size);

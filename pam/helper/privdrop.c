/* SPDX-License-Identifier: Apache-2.0 */
/* Privilege drop of the network child: see privdrop.h for what and why. */

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pwd.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pam/helper/privdrop.h"

int fedjit_privdrop_lookup(const char *user, struct fedjit_privdrop *ret)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	int r;

	r = getpwnam_r(user, &pw, buf, sizeof(buf), &res);
	if (r != 0)
		return -r;
	if (!res)
		return -ESRCH;
	if (pw.pw_uid == 0 || pw.pw_gid == 0)
		return -EPERM;
	ret->uid = pw.pw_uid;
	ret->gid = pw.pw_gid;
	return 0;
}

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#endif

#ifdef NATIVE_ARCH
#define DENY_WITH(nr, err)                               \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), \
	        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ((err)&SECCOMP_RET_DATA))
#define DENY(nr) DENY_WITH(nr, EPERM)

/* The flags that make open create a file: O_CREAT, and O_TMPFILE's own bit
 * (O_TMPFILE is __O_TMPFILE | O_DIRECTORY; the same values on x86_64 and
 * aarch64). */
#ifndef __O_TMPFILE
#define __O_TMPFILE 020000000
#endif
#define CREATE_FLAGS (O_CREAT | __O_TMPFILE)

/* open-like call nr whose flags are argument argi: EACCES when they would
 * create a file, else allowed. Only other DENY_CREATEs and the final ALLOW may
 * follow: on a match it replaces the loaded syscall number with the flags. */
#define DENY_CREATE(nr, argi)                                                                  \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 4),                                       \
	        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[argi])), \
	        BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CREATE_FLAGS, 0, 1),                      \
	        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EACCES & SECCOMP_RET_DATA)),    \
	        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

/* A deny-list, not an allow-list: curl, OpenSSL, the resolver and the sanitizers need a
 * long and changing list of calls, while nothing in the child needs these. They are what
 * an exploit would reach for next: running a program, inspecting or writing other
 * processes, namespaces and mounts, the kernel keyring, loading kernel code. Calls of
 * another ABI (i386 on x86_64, x32) are killed, so the list cannot be sidestepped.
 *
 * No file, directory, device node or link can be created either (EACCES, as a
 * read-only place would answer): the child runs as nobody, so the only places it
 * could create one are world-writable directories (/tmp, /dev/shm), where it has
 * no business (RLIMIT_FSIZE 0 already keeps any byte out of a file). openat2
 * hides its flags in memory the filter cannot read: ENOSYS, and glibc does not
 * use it for open(). The low 32 bits of an argument are at its offset on these
 * little-endian ABIs; every creating flag is in them. */
static int install_seccomp(void)
{
	struct sock_filter filter[] = {
	        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, 1, 0),
	        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
#ifdef __x86_64__
	        /* x32 system calls carry the native arch with this bit set */
	        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1),
	        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
#endif
	        DENY(__NR_execve),
	        DENY(__NR_execveat),
	        DENY(__NR_ptrace),
	        DENY(__NR_process_vm_readv),
	        DENY(__NR_process_vm_writev),
	        DENY(__NR_personality),
	        DENY(__NR_mount),
	        DENY(__NR_umount2),
	        DENY(__NR_pivot_root),
	        DENY(__NR_chroot),
	        DENY(__NR_unshare),
	        DENY(__NR_setns),
	        DENY(__NR_keyctl),
	        DENY(__NR_add_key),
	        DENY(__NR_request_key),
	        DENY(__NR_bpf),
	        DENY(__NR_perf_event_open),
	        DENY(__NR_userfaultfd),
	        DENY(__NR_kexec_load),
	        DENY(__NR_init_module),
	        DENY(__NR_finit_module),
	        DENY(__NR_delete_module),
	        DENY(__NR_open_by_handle_at),
	        /* creating files, directories, nodes, links */
	        DENY_WITH(__NR_mkdirat, EACCES),
	        DENY_WITH(__NR_mknodat, EACCES),
	        DENY_WITH(__NR_symlinkat, EACCES),
	        DENY_WITH(__NR_linkat, EACCES),
	        DENY_WITH(__NR_renameat2, EACCES),
#ifdef __NR_renameat
	        DENY_WITH(__NR_renameat, EACCES),
#endif
	        DENY_WITH(__NR_openat2, ENOSYS),
#ifdef __NR_creat
	        DENY_WITH(__NR_creat, EACCES),
	        DENY_WITH(__NR_mkdir, EACCES),
	        DENY_WITH(__NR_mknod, EACCES),
	        DENY_WITH(__NR_symlink, EACCES),
	        DENY_WITH(__NR_link, EACCES),
	        DENY_WITH(__NR_rename, EACCES),
#endif
#ifdef __NR_open
	        DENY_CREATE(__NR_open, 1), /* a mismatch leaves the number loaded */
#endif
	        DENY_CREATE(__NR_openat, 2),
	        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
	        .len = (unsigned short)(sizeof(filter) / sizeof(filter[0])),
	        .filter = filter,
	};

	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0 ? -errno : 0;
}
#else
static int install_seccomp(void)
{
	return 0; /* no filter written for this architecture */
}
#endif

static int set_limit(int resource, rlim_t value)
{
	struct rlimit rl = {.rlim_cur = value, .rlim_max = value};

	return setrlimit(resource, &rl) < 0 ? -errno : 0;
}

int fedjit_privdrop_apply(const struct fedjit_privdrop *p)
{
	int r;

	if (p->uid == 0 || p->gid == 0)
		return -EPERM;
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return -errno;
	if (setgroups(0, NULL) < 0)
		return -errno;
	if (setresgid(p->gid, p->gid, p->gid) < 0)
		return -errno;
	if (setresuid(p->uid, p->uid, p->uid) < 0)
		return -errno;
	/* The way back must be closed: a saved uid 0 would let an exploit regain root. */
	if (setuid(0) == 0 || geteuid() == 0 || getegid() == 0)
		return -EPERM;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	/* Not dumpable: no core with tokens, no ptrace by other processes of the same user.
	 * (setresuid already cleared it; set it explicitly so a later change cannot undo it.) */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return -errno;
	r = install_seccomp();
	if (r < 0)
		return r;

	r = set_limit(RLIMIT_CORE, 0);
	if (r < 0)
		return r;
	r = set_limit(RLIMIT_FSIZE, 0);
	if (r < 0)
		return r;
	r = set_limit(RLIMIT_NOFILE, 64);
	if (r == -EPERM) {
		/* Lowering a hard limit never fails in the kernel; valgrind refuses it for the
		 * descriptors it keeps for itself. The soft limit still applies. */
		struct rlimit rl;

		if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
			return -errno;
		rl.rlim_cur = 64;
		r = setrlimit(RLIMIT_NOFILE, &rl) < 0 ? -errno : 0;
	}
	if (r < 0)
		return r;
	if (p->cpu_seconds) {
		r = set_limit(RLIMIT_CPU, p->cpu_seconds);
		if (r < 0)
			return r;
	}
	if (p->as_bytes) {
		r = set_limit(RLIMIT_AS, p->as_bytes);
		if (r < 0)
			return r;
	}
	if (chdir("/") < 0)
		return -errno;
	return 0;
}

void fedjit_privdrop_describe(char *buf, size_t size)
{
	char line[256], uid[128] = "?", gid[128] = "?", groups[128] = "", nnp[32] = "?";
	char capeff[32] = "?", capprm[32] = "?";
	FILE *f = fopen("/proc/self/status", "re");

	if (f) {
		while (fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = '\0';
			if (strncmp(line, "Uid:", 4) == 0)
				snprintf(uid, sizeof(uid), "%.100s", line + 5);
			else if (strncmp(line, "Gid:", 4) == 0)
				snprintf(gid, sizeof(gid), "%.100s", line + 5);
			else if (strncmp(line, "Groups:", 7) == 0)
				snprintf(groups, sizeof(groups), "%.100s", line + 7);
			else if (strncmp(line, "NoNewPrivs:", 11) == 0)
				snprintf(nnp, sizeof(nnp), "%.16s", line + 12);
			else if (strncmp(line, "CapEff:", 7) == 0)
				snprintf(capeff, sizeof(capeff), "%.16s", line + 8);
			else if (strncmp(line, "CapPrm:", 7) == 0)
				snprintf(capprm, sizeof(capprm), "%.16s", line + 8);
		}
		fclose(f);
	}
	for (char *s = uid; *s; s++)
		if (*s == '\t')
			*s = ' ';
	for (char *s = gid; *s; s++)
		if (*s == '\t')
			*s = ' ';
	snprintf(buf, size, "uid=%s gid=%s groups=%s nonewprivs=%s dumpable=%d capeff=%s capprm=%s",
	         uid, gid, groups[0] ? groups : "", nnp, prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), capeff,
	         capprm);
	for (char *s = buf; *s; s++)
		if (*s == '\t')
			*s = ' ';
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Privilege drop of the network child: see privdrop.h for what and why. */

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "privdrop.h"

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
		}
		fclose(f);
	}
	for (char *s = uid; *s; s++)
		if (*s == '\t')
			*s = ' ';
	for (char *s = gid; *s; s++)
		if (*s == '\t')
			*s = ' ';
	snprintf(buf, size, "uid=%s gid=%s groups=%s nonewprivs=%s dumpable=%d", uid, gid,
	         groups[0] ? groups : "", nnp, prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
	for (char *s = buf; *s; s++)
		if (*s == '\t')
			*s = ' ';
}

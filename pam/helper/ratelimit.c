/* SPDX-License-Identifier: Apache-2.0 */
/* Bounds on device flows; the limits, the state files and their rules are in ratelimit.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "common/escape.h"
#include "common/idalloc.h"
#include "common/macro.h"
#include "pam/helper/ratelimit.h"

#ifndef FEDJIT_RUN_DIR
#define FEDJIT_RUN_DIR "/run/fedjit"
#endif
#define PAIR_SLOTS  256
#define ADDRESS_MAX 64 /* bytes of the address kept readable in a file name */

static const char *const kind_names[] = {"", "host", "address", "spacing"};

static int dir_open(const char *path)
{
	struct stat st;
	int fd;

	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -errno;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 077)) {
		close(fd);
		return -EPERM;
	}
	return fd;
}

/* A state file: created 0600, used only when it is root's regular file with one link. */
static int state_open(int dir_fd, const char *name)
{
	struct stat st;
	int fd = openat(dir_fd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 || st.st_nlink != 1 ||
	    (st.st_mode & 077)) {
		close(fd);
		return -EPERM;
	}
	return fd;
}

/* A locked state file, without waiting: the fd, or negative (-EWOULDBLOCK: taken). */
static int state_lock(int dir_fd, const char *name)
{
	int fd = state_open(dir_fd, name), r;

	if (fd < 0)
		return fd;
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return fd;
	r = errno == EINTR ? -EWOULDBLOCK : -errno;
	close(fd);
	return r;
}

/* The first free slot PREFIX.0 .. PREFIX.(n-1): its locked fd, or -EBUSY. An unusable
 * slot file counts as taken. */
static int take_slot(int dir_fd, const char *prefix, unsigned n)
{
	char name[192];

	for (unsigned i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s.%u", prefix, i);
		int fd = state_lock(dir_fd, name);
		if (fd >= 0)
			return fd;
	}
	return -EBUSY;
}

static void address_prefix(const char *address, char *buf, size_t size)
{
	uint64_t h = fedjit_fnv1a64(FEDJIT_FNV64_OFFSET, address, strlen(address));
	char clean[ADDRESS_MAX + 1];
	size_t n = 0;

	for (const char *p = address; *p && n < ADDRESS_MAX; p++)
		clean[n++] =
		        strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.:-",
		               *p)
		                ? *p
		                : '_';
	clean[n] = '\0';
	snprintf(buf, size, "addr-%s~%016llx", clean, (unsigned long long)h);
}

/* Writes the pair record and stamps it with now. */
static void pair_write(int fd, const struct fedjit_ratelimit *rl, time_t now)
{
	struct timespec ts[2] = {{.tv_sec = now}, {.tv_sec = now}};

	if (ftruncate(fd, 0) == 0 && pwrite(fd, rl->pair, rl->pair_len, 0) == (ssize_t)rl->pair_len)
		(void)futimens(fd, ts);
}

/* Spacing: 1 when the same pair's last flow started less than spacing seconds ago. A
 * record being written by another helper right now is not waited for (not refused). */
static int spacing_check(struct fedjit_ratelimit *rl, time_t now)
{
	char name[32], buf[sizeof(rl->pair)];
	struct stat st;
	int fd, refuse = 0;

	snprintf(name, sizeof(name), "pair.%d", rl->pair_slot);
	fd = state_lock(rl->dir_fd, name);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) == 0 && (size_t)st.st_size == rl->pair_len &&
	    pread(fd, buf, rl->pair_len, 0) == (ssize_t)rl->pair_len &&
	    memcmp(buf, rl->pair, rl->pair_len) == 0 && now >= st.st_mtim.tv_sec &&
	    now - st.st_mtim.tv_sec < (time_t)rl->spacing)
		refuse = 1;
	close(fd);
	return refuse;
}

/* Records the start of the pair's flow (answered false), or forgets it after the
 * person's answer, when the record is still the pair's (answered true). */
static void pair_stamp(struct fedjit_ratelimit *rl, time_t now, bool answered)
{
	char name[32], buf[sizeof(rl->pair)];
	int fd;

	if (rl->dir_fd < 0 || rl->pair_slot < 0)
		return;
	snprintf(name, sizeof(name), "pair.%d", rl->pair_slot);
	fd = state_lock(rl->dir_fd, name);
	if (fd < 0)
		return;
	if (!answered)
		pair_write(fd, rl, now);
	else if (pread(fd, buf, rl->pair_len, 0) == (ssize_t)rl->pair_len &&
	         memcmp(buf, rl->pair, rl->pair_len) == 0)
		if (ftruncate(fd, 0) < 0)
			syslog(LOG_WARNING, "clearing the device flow spacing: %m");
	close(fd);
}

/* One log line per kind per window: the first refusal names the name and address. */
static void log_refusal(struct fedjit_ratelimit *rl, enum fedjit_ratelimit_verdict v,
                        const struct fedjit_global *g, const char *name, const char *address,
                        time_t now)
{
	struct timespec ts[2] = {{.tv_sec = now}, {.tv_sec = now}};
	char file[32];
	struct stat st;
	unsigned limit = v == FEDJIT_RATELIMIT_HOST      ? g->max_device_flows
	                 : v == FEDJIT_RATELIMIT_ADDRESS ? g->max_device_flows_per_address
	                                                 : g->device_flow_spacing;
	int fd;

	snprintf(file, sizeof(file), "logged.%s", kind_names[v]);
	fd = state_lock(rl->dir_fd, file);
	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && (st.st_size == 0 || now < st.st_mtim.tv_sec ||
	                            now - st.st_mtim.tv_sec >= FEDJIT_RATELIMIT_LOG_WINDOW)) {
		syslog(LOG_WARNING,
		       "device flow for %s from %s refused: %s (%s = %u); further refusals of this "
		       "kind are not logged for %d s",
		       FEDJIT_ESC(name), FEDJIT_ESC(address), fedjit_ratelimit_reason(v),
		       v == FEDJIT_RATELIMIT_HOST      ? "max_device_flows"
		       : v == FEDJIT_RATELIMIT_ADDRESS ? "max_device_flows_per_address"
		                                       : "device_flow_spacing",
		       limit, FEDJIT_RATELIMIT_LOG_WINDOW);
		if (pwrite(fd, "1", 1, 0) == 1)
			(void)futimens(fd, ts);
	}
	close(fd);
}

enum fedjit_ratelimit_verdict fedjit_ratelimit_begin(struct fedjit_ratelimit *rl,
                                                     const struct fedjit_global *g,
                                                     const char *name, const char *address,
                                                     time_t now)
{
	const char *dir = g->run_dir ? g->run_dir : FEDJIT_RUN_DIR;
	enum fedjit_ratelimit_verdict v = FEDJIT_RATELIMIT_OK;
	char prefix[160];
	int r;

	*rl = (struct fedjit_ratelimit){
	        .dir_fd = -1, .host_fd = -1, .addr_fd = -1, .pair_slot = -1};
	if (!address || !*address)
		address = "local";
	if (!g->max_device_flows && !g->max_device_flows_per_address && !g->device_flow_spacing)
		return FEDJIT_RATELIMIT_OK;
	r = dir_open(dir);
	if (r < 0) {
		syslog(LOG_ERR, "run_dir %s unusable (%s): device flows are not limited", dir,
		       strerror(-r));
		return FEDJIT_RATELIMIT_OK;
	}
	rl->dir_fd = r;
	if (g->device_flow_spacing) {
		int n = snprintf(rl->pair, sizeof(rl->pair), "%s%c%s", name, '\0', address);

		if (n > 0 && (size_t)n < sizeof(rl->pair)) {
			rl->pair_len = (size_t)n;
			rl->pair_slot =
			        (int)(fedjit_fnv1a64(FEDJIT_FNV64_OFFSET, rl->pair, rl->pair_len) %
			              PAIR_SLOTS);
			rl->spacing = g->device_flow_spacing;
			if (spacing_check(rl, now))
				v = FEDJIT_RATELIMIT_SPACING;
		}
	}
	if (v == FEDJIT_RATELIMIT_OK && g->max_device_flows_per_address) {
		address_prefix(address, prefix, sizeof(prefix));
		rl->addr_fd = take_slot(rl->dir_fd, prefix, g->max_device_flows_per_address);
		if (rl->addr_fd < 0)
			v = FEDJIT_RATELIMIT_ADDRESS;
	}
	if (v == FEDJIT_RATELIMIT_OK && g->max_device_flows) {
		rl->host_fd = take_slot(rl->dir_fd, "host", g->max_device_flows);
		if (rl->host_fd < 0)
			v = FEDJIT_RATELIMIT_HOST;
	}
	if (v != FEDJIT_RATELIMIT_OK) {
		log_refusal(rl, v, g, name, address, now);
		rl->pair_slot = -1; /* a refused attempt does not move the spacing */
		fedjit_ratelimit_end(rl, false);
		return v;
	}
	pair_stamp(rl, now, false);
	return v;
}

void fedjit_ratelimit_end(struct fedjit_ratelimit *rl, bool answered)
{
	if (answered)
		pair_stamp(rl, 0, true);
	rl->pair_slot = -1;
	fedjit_ratelimit_forget(rl);
}

void fedjit_ratelimit_forget(struct fedjit_ratelimit *rl)
{
	if (rl->host_fd >= 0)
		close(rl->host_fd);
	if (rl->addr_fd >= 0)
		close(rl->addr_fd);
	if (rl->dir_fd >= 0)
		close(rl->dir_fd);
	rl->host_fd = rl->addr_fd = rl->dir_fd = -1;
}

const char *fedjit_ratelimit_message(enum fedjit_ratelimit_verdict v)
{
	return v == FEDJIT_RATELIMIT_SPACING
	               ? "A sign-in for this name started moments ago; try again in a few seconds."
	               : "Too many sign-ins in progress; try again in a minute.";
}

const char *fedjit_ratelimit_reason(enum fedjit_ratelimit_verdict v)
{
	switch (v) {
	case FEDJIT_RATELIMIT_HOST:
		return "too many device flows in progress on this host";
	case FEDJIT_RATELIMIT_ADDRESS:
		return "too many device flows in progress from this address";
	case FEDJIT_RATELIMIT_SPACING:
		return "a device flow for this name and address started moments ago";
	default:
		return "no limit reached";
	}
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * For tests: what this process hands to syslog(3), read back. openlog(LOG_PERROR)
 * makes glibc write every message also to stderr, exactly as it goes to the log
 * socket (one message, then a newline); stderr goes to a file meanwhile. A message
 * that holds a line feed shows up as more than one line, which is what the tests of
 * the escaping look for.
 */
#pragma once

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

struct syslog_capture {
	char path[64];
	int saved_stderr;
};

static inline void syslog_capture_start(struct syslog_capture *c)
{
	int fd;

	snprintf(c->path, sizeof(c->path), "/tmp/fedjit-syslog-XXXXXX");
	fd = mkstemp(c->path);
	if (fd < 0)
		abort();
	fflush(stderr);
	c->saved_stderr = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
	openlog("fedjit-test", LOG_PERROR, LOG_AUTHPRIV);
}

/* Ends the capture; returns what was logged (malloc'd, NUL-terminated). */
static inline char *syslog_capture_stop(struct syslog_capture *c)
{
	FILE *f;
	char *buf = calloc(1, 1 << 20);
	size_t n = 0;

	closelog();
	fflush(stderr);
	dup2(c->saved_stderr, STDERR_FILENO);
	close(c->saved_stderr);
	f = fopen(c->path, "r");
	if (!buf || !f)
		abort();
	n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	unlink(c->path);
	return buf;
}

/* Does a line of the log start with prefix (a forged line)? */
static inline int syslog_capture_has_line(const char *log, const char *prefix)
{
	for (const char *p = log; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, prefix, strlen(prefix)) == 0)
			return 1;
	return 0;
}

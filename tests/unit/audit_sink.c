/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The test audit sink: reads back the Linux audit records a program sends,
 * without auditd and whether or not the kernel's audit is enabled.
 *
 * It interposes sendto(): every message sent on a NETLINK_AUDIT socket is
 * appended, as the bytes libaudit built, to the sink file, one line each:
 *   type=TYPE msg=TEXT
 * (TYPE the netlink message type, e.g. 1135 for ACCT_LOCK; TEXT the record as
 * the kernel receives it, a newline in it written as "\n" so that a record
 * that would break a log line shows), then passed on to the kernel unchanged,
 * so libaudit gets its acknowledgement as always.
 *
 * The sink file: $FEDJIT_TEST_AUDIT_SINK, else /run/fedjit-test-audit.log when
 * that file exists (the helper runs with an empty environment; the tests make
 * the file in a private /run). Nothing is written when neither is there.
 *
 * Two uses: linked into a unit test (tests/unit/test_audit.c; the program's
 * own sendto wins over libc's for libaudit's calls), and built as
 * audit_sink.so for LD_PRELOAD or, inside a test's private mount namespace,
 * /etc/ld.so.preload (tests/cli/revalidate.sh, the e2e scripts), which reaches
 * the helper that the admin tool and sshd start.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SINK_FALLBACK "/run/fedjit-test-audit.log"

typedef ssize_t (*sendto_fn)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);

static void record(const void *buf, size_t len)
{
	const struct nlmsghdr *h = buf;
	const char *path = getenv("FEDJIT_TEST_AUDIT_SINK");
	const char *text = (const char *)buf + NLMSG_HDRLEN;
	size_t n, w = 0;
	char *line;
	int fd;

	if (len < NLMSG_HDRLEN || h->nlmsg_len > len)
		return;
	fd = path && *path ? open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)
	                   : open(SINK_FALLBACK, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return;
	n = h->nlmsg_len - NLMSG_HDRLEN;
	line = malloc(2 * n + 32);
	if (line) {
		w = (size_t)snprintf(line, 32, "type=%u msg=", (unsigned)h->nlmsg_type);
		for (size_t i = 0; i < n && text[i]; i++) {
			if (text[i] == '\n') {
				line[w++] = '\\';
				line[w++] = 'n';
			} else {
				line[w++] = text[i];
			}
		}
		line[w++] = '\n';
		/* one write: records from several processes never interleave */
		(void)!write(fd, line, w);
		free(line);
	}
	close(fd);
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
               socklen_t tolen)
{
	static sendto_fn real;
	int proto = 0;
	socklen_t plen = sizeof(proto);
	int saved = errno;

	if (!real)
		real = (sendto_fn)dlsym(RTLD_NEXT, "sendto");
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &plen) == 0 && proto == NETLINK_AUDIT)
		record(buf, len);
	errno = saved;
	return real(fd, buf, len, flags, to, tolen);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * syslog_sink SOCKET FILE: the /dev/log of the end-to-end sandbox.
 *
 * Binds a datagram socket at SOCKET (mode 0666, as syslog daemons do) and
 * appends every message it receives, as one line, to FILE. The tests read FILE
 * to check what pam_fedjit, fedjit-helper, sshd and sudo logged (the reasons
 * the person does not see). Runs until it is killed; the sandbox stops it by
 * pid, and the PID namespace ends it at the latest.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: syslog_sink SOCKET FILE\n");
		return 2;
	}
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "syslog_sink: socket path too long\n");
		return 2;
	}
	strcpy(sa.sun_path, argv[1]);
	FILE *out = fopen(argv[2], "ae");
	if (!out) {
		perror(argv[2]);
		return 1;
	}
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	unlink(argv[1]);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror(argv[1]);
		return 1;
	}
	chmod(argv[1], 0666);
	for (;;) {
		char buf[8192];
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("recv");
			return 1;
		}
		/* one message, one line: trailing newlines off, inner ones escaped */
		while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\0'))
			n--;
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] == '\n')
				buf[i] = ' ';
		buf[n] = '\0';
		fprintf(out, "%s\n", buf);
		fflush(out);
	}
}

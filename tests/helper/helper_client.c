/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test client for fedjit-helper: plays pam_fedjit.so's part of pam/proto/proto.h. It starts the
 * helper with a socketpair on fd 3, sends one login request, runs an approval command when
 * the device message arrives, and prints what it saw as "key=value" lines for the shell
 * tests:
 *   device user_code=... verification_uri=... interval=N expires_in=N
 *   result status=... [account=...] [issuer=...] [subject=...] [message=...] [log=...]
 *   eof                       (the helper closed the socket before a result)
 *   exit=N | signal=N         (how the helper ended)
 *   cpu_ms=N approve_to_result_ms=N  (with --bench: the helper's CPU time, user + system,
 *                             and the time from the approval command's end to the result)
 *
 *   prompt style=... text=...  (answered with the next --answer, or cancel when none is left)
 *
 * usage: helper_client [--idp NAME] [--timeout S] [--approve CMD] [--close-after-device]
 *                      [--bench] [--op login|account|chauthtok|revalidate] [--phase P]
 *                      [--force (op=revalidate: force=1)]
 *                      [--answer TEXT]... [--dry-run 0|1 (login-test)] [--rhost ADDR]
 *                      HELPER CONFIG USER
 * HELPER may be a command line (run with /bin/sh -c, so "valgrind ... path" works).
 * CMD runs with /bin/sh -c and USER_CODE in its environment.
 */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pam/proto/proto.h"

static void print_field(const struct fedjit_msg *m, const char *key)
{
	const char *v = fedjit_msg_get(m, key);

	if (!v)
		return;
	printf(" %s=", key);
	for (; *v; v++)
		putchar(*v == '\n' ? ',' : *v);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"idp", required_argument, NULL, 'i'},
	        {"timeout", required_argument, NULL, 't'},
	        {"approve", required_argument, NULL, 'a'},
	        {"close-after-device", no_argument, NULL, 'c'},
	        {"bench", no_argument, NULL, 'b'},
	        {"op", required_argument, NULL, 'o'},
	        {"force", no_argument, NULL, 'f'},
	        {"phase", required_argument, NULL, 'p'},
	        {"answer", required_argument, NULL, 'n'},
	        {"dry-run", required_argument, NULL, 'd'},
	        {"rhost", required_argument, NULL, 'r'},
	        {},
	};
	const char *idp = NULL, *approve = NULL, *timeout = "60", *op = "login", *phase = NULL;
	bool force = false;
	const char *dry_run = NULL, *rhost = NULL;
	const char *answers[16];
	size_t n_answers = 0, next_answer = 0;
	bool close_after_device = false, bench = false;
	uint64_t approved = 0;
	struct fedjit_msg *m;
	struct rusage ru;
	int sv[2], c, status, r;
	pid_t pid;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			idp = optarg;
			break;
		case 't':
			timeout = optarg;
			break;
		case 'a':
			approve = optarg;
			break;
		case 'c':
			close_after_device = true;
			break;
		case 'b':
			bench = true;
			break;
		case 'o':
			op = optarg;
			break;
		case 'f':
			force = true;
			break;
		case 'p':
			phase = optarg;
			break;
		case 'd':
			dry_run = optarg;
			break;
		case 'r':
			rhost = optarg;
			break;
		case 'n':
			if (n_answers == 16)
				return 2;
			answers[n_answers++] = optarg;
			break;
		default:
			return 2;
		}
	}
	if (argc - optind != 3) {
		fprintf(stderr, "usage: %s [options] HELPER CONFIG USER\n", argv[0]);
		return 2;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return 1;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		if (dup2(sv[1], FEDJIT_PROTO_FD) < 0)
			_exit(127);
		execl("/bin/sh", "sh", "-c", argv[optind], (char *)NULL);
		_exit(127);
	}
	close(sv[1]);

	m = fedjit_msg_new();
	if (!m)
		return 1;
	fedjit_msg_start(m, "request");
	fedjit_msg_add(m, "op", op);
	fedjit_msg_add(m, "phase", phase);
	fedjit_msg_add(m, "dry_run", dry_run);
	if (force)
		fedjit_msg_add_bool(m, "force", true);
	fedjit_msg_add(m, "service", "fedjit-test");
	fedjit_msg_add(m, "rhost", rhost);
	fedjit_msg_add(m, "user", argv[optind + 2]);
	fedjit_msg_add(m, "config", argv[optind + 1]);
	fedjit_msg_add(m, "idp", idp);
	fedjit_msg_add(m, "debug", "1");
	fedjit_msg_add(m, "silent", "0");
	fedjit_msg_add(m, "interactive", "1");
	fedjit_msg_add(m, "timeout", timeout);
	r = fedjit_msg_send(sv[0], m, 0);
	if (r < 0) {
		printf("send_error=%s\n", strerror(-r));
		return 1;
	}
	for (;;) {
		const char *type;

		r = fedjit_msg_recv(sv[0], m, 0);
		if (r < 0) {
			printf("eof\n");
			break;
		}
		type = fedjit_msg_type(m);
		printf("%s", type);
		if (strcmp(type, "device") == 0) {
			print_field(m, "user_code");
			print_field(m, "verification_uri");
			print_field(m, "verification_uri_complete");
			print_field(m, "interval");
			print_field(m, "expires_in");
			printf("\n");
			fflush(stdout);
			if (close_after_device) {
				close(sv[0]);
				sv[0] = -1;
				break;
			}
			if (approve) {
				setenv("USER_CODE", fedjit_msg_get(m, "user_code"), 1);
				if (system(approve) != 0)
					printf("approve_failed\n");
				approved = fedjit_proto_now_usec();
			}
			continue;
		}
		for (size_t i = 1; i < m->n_fields; i++) {
			const char *key = (const char *)m->buf + m->key_off[i];

			if (strcmp(key, "v") != 0)
				print_field(m, key);
		}
		printf("\n");
		if (strcmp(type, "prompt") == 0) {
			bool have = next_answer < n_answers;

			fflush(stdout);
			fedjit_msg_start(m, "answer");
			fedjit_msg_add(m, "status", have ? "ok" : "cancel");
			if (have)
				fedjit_msg_add(m, "value", answers[next_answer++]);
			if (fedjit_msg_send(sv[0], m, 0) < 0) {
				printf("eof\n");
				break;
			}
			continue;
		}
		if (strcmp(type, "result") == 0) {
			if (bench && approved)
				printf("approve_to_result_ms=%llu\n",
				       (unsigned long long)((fedjit_proto_now_usec() - approved) /
				                            1000));
			break;
		}
	}
	if (sv[0] >= 0)
		close(sv[0]);
	/* wait4: the helper's own rusage plus its reaped network child, not the approver's */
	while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status))
		printf("exit=%d\n", WEXITSTATUS(status));
	else
		printf("signal=%d\n", WTERMSIG(status));
	if (bench)
		printf("cpu_ms=%ld\n", (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
		                               (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000);
	fedjit_msg_free(m);
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness for the pipe from fedjit-helper's unprivileged network
 * child to its root parent (pam/helper/ipc.h), as the parent reads it: the
 * input is the byte stream a compromised child could write. It goes into a
 * pipe whose write end is then closed; the parent's loop runs
 * fedjit_ipc_recv until it fails, decodes every FEDJIT_IPC_MSG frame with the
 * strict proto codec and every msg=identity through fedjit_identity_from_msg
 * (the provisioning input taken from the claims). Contracts checked besides
 * "no crash": recv fails only with the documented errors, a frame's type is
 * known, its data is NUL-terminated and never longer than what was written;
 * an accepted identity has issuer and subject, and its groups are the
 * non-empty lines of groups=, none containing a newline.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pam/helper/ipc.h"
#include "pam/proto/proto.h"
#include "pam/provision/provision.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What fits in a pipe without a reader (the default pipe buffer is 64 KiB). */
#define MAX_INPUT 60000

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_ipc: contract broken: %s\n", what);
		abort();
	}
}

static void identity(const struct fedjit_msg *m)
{
	struct fedjit_identity id;
	char *groups_buf = (char *)1;
	int r = fedjit_identity_from_msg(m, &id, &groups_buf);

	if (r < 0) {
		check(r == -EBADMSG || r == -ENOMEM, "identity error code");
		check(r != -EBADMSG || !fedjit_msg_get(m, "issuer") ||
		              !fedjit_msg_get(m, "subject"),
		      "refused only without issuer or subject");
		return;
	}
	check(id.issuer && id.subject, "issuer and subject present");
	check((id.n_groups == 0) == (id.groups == NULL || id.groups[0] == NULL), "group count");
	for (size_t i = 0; i < id.n_groups; i++)
		check(id.groups[i][0] && !strchr(id.groups[i], '\n'),
		      "group is one non-empty line");
	free(groups_buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fedjit_msg *m;
	int fds[2];
	size_t total = 0;

	if (size > MAX_INPUT)
		return 0;
	if (!m && !(m = fedjit_msg_new()))
		abort();
	if (pipe2(fds, O_CLOEXEC) < 0)
		abort();
	for (size_t off = 0; off < size;) {
		ssize_t w = write(fds[1], data + off, size - off);
		if (w <= 0)
			abort();
		off += (size_t)w;
	}
	close(fds[1]);
	for (;;) {
		uint32_t type = 0;
		char *frame = NULL;
		size_t len = 0;
		int r = fedjit_ipc_recv(fds[0], fedjit_proto_now_usec() + 10000000ULL, &type,
		                        &frame, &len);

		if (r < 0) {
			check(r == -ECONNRESET || r == -EBADMSG || r == -EMSGSIZE,
			      "recv error code");
			check(r != -ECONNRESET || total == size,
			      "clean EOF only at a frame boundary");
			break;
		}
		total += 8 + len;
		check(total <= size, "no more data than written");
		check(type >= FEDJIT_IPC_DISCOVERY && type <= FEDJIT_IPC_MSG, "known type");
		check(frame[len] == '\0', "NUL-terminated");
		if (type == FEDJIT_IPC_MSG && fedjit_msg_decode(m, frame, len) == 0 &&
		    strcmp(fedjit_msg_type(m), "identity") == 0)
			identity(m);
		explicit_bzero(frame, len);
		free(frame);
	}
	close(fds[0]);
	return 0;
}

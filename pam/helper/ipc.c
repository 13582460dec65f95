/* SPDX-License-Identifier: Apache-2.0 */
/* Child -> parent pipe framing: see ipc.h. */

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pam/helper/ipc.h"
#include "pam/proto/proto.h"

int fedjit_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int fedjit_ipc_send(int fd, uint32_t type, const void *data, size_t len)
{
	unsigned char hdr[8];
	int r;

	if (len > FEDJIT_IPC_MAX)
		return -EMSGSIZE;
	for (int i = 0; i < 4; i++) {
		hdr[i] = (unsigned char)(type >> (24 - 8 * i));
		hdr[4 + i] = (unsigned char)(len >> (24 - 8 * i));
	}
	r = fedjit_write_all(fd, hdr, sizeof(hdr));
	if (r < 0)
		return r;
	return fedjit_write_all(fd, data, len);
}

/* Reads exactly len bytes; *got tells how many arrived before an EOF. */
static int read_full(int fd, void *buf, size_t len, uint64_t deadline, size_t *got)
{
	char *p = buf;

	*got = 0;
	while (*got < len) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int timeout = -1;
		ssize_t n;

		if (deadline) {
			uint64_t now = fedjit_proto_now_usec();

			if (now >= deadline)
				return -ETIMEDOUT;
			timeout = (int)((deadline - now + 999) / 1000);
		}
		n = poll(&pfd, 1, timeout);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ETIMEDOUT;
		n = read(fd, p + *got, len - *got);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ECONNRESET;
		*got += (size_t)n;
	}
	return 0;
}

int fedjit_ipc_recv(int fd, uint64_t deadline_usec, uint32_t *ret_type, char **ret_data,
                    size_t *ret_len)
{
	unsigned char hdr[8];
	uint32_t type = 0, len = 0;
	size_t got;
	char *data;
	int r;

	r = read_full(fd, hdr, sizeof(hdr), deadline_usec, &got);
	if (r == -ECONNRESET && got > 0)
		return -EBADMSG;
	if (r < 0)
		return r;
	for (int i = 0; i < 4; i++) {
		type = type << 8 | hdr[i];
		len = len << 8 | hdr[4 + i];
	}
	if (type < FEDJIT_IPC_DISCOVERY || type > FEDJIT_IPC_MSG)
		return -EBADMSG;
	if (len > FEDJIT_IPC_MAX)
		return -EMSGSIZE;
	data = malloc((size_t)len + 1);
	if (!data)
		return -ENOMEM;
	r = read_full(fd, data, len, deadline_usec, &got);
	if (r < 0) {
		explicit_bzero(data, got);
		free(data);
		return r == -ECONNRESET ? -EBADMSG : r;
	}
	data[len] = '\0';
	*ret_type = type;
	*ret_data = data;
	*ret_len = len;
	return 0;
}

#define ALL_MODES                                                                        \
	(FEDJIT_IPC_MODE_LOGIN | FEDJIT_IPC_MODE_LOGIN_TEST | FEDJIT_IPC_MODE_IDP_TEST | \
	 FEDJIT_IPC_MODE_REVALIDATE)

/* The table of ipc.h, row for row. */
static const struct ipc_rule {
	const char *type;
	unsigned modes;
	unsigned max;
	int after; /* enum fedjit_ipc_msg that must have come first, or -1 */
} ipc_rules[FEDJIT_IPC_MSG_COUNT] = {
        [FEDJIT_IPC_MSG_DEBUG] = {"debug", ALL_MODES, 256, -1},
        [FEDJIT_IPC_MSG_DEVICE] = {"device", FEDJIT_IPC_MODE_LOGIN | FEDJIT_IPC_MODE_LOGIN_TEST, 1,
                                   -1},
        [FEDJIT_IPC_MSG_CHECK] = {"check", FEDJIT_IPC_MODE_IDP_TEST, 32, -1},
        [FEDJIT_IPC_MSG_TESTED] = {"tested", FEDJIT_IPC_MODE_IDP_TEST, 1, -1},
        [FEDJIT_IPC_MSG_FAIL] = {"fail", ALL_MODES, 1, -1},
        [FEDJIT_IPC_MSG_CLAIMS] = {"claims", FEDJIT_IPC_MODE_LOGIN_TEST, 1, FEDJIT_IPC_MSG_DEVICE},
        [FEDJIT_IPC_MSG_IDENTITY] = {"identity",
                                     FEDJIT_IPC_MODE_LOGIN | FEDJIT_IPC_MODE_LOGIN_TEST |
                                             FEDJIT_IPC_MODE_REVALIDATE,
                                     1, FEDJIT_IPC_MSG_DEVICE},
};

int fedjit_ipc_msg_accept(enum fedjit_ipc_mode mode, struct fedjit_ipc_seen *seen, const char *type,
                          const char **ret_why)
{
	for (int i = 0; i < FEDJIT_IPC_MSG_COUNT; i++) {
		const struct ipc_rule *rule = &ipc_rules[i];

		if (strcmp(rule->type, type) != 0)
			continue;
		if (!(rule->modes & mode))
			*ret_why = "a message this operation does not allow";
		else if (seen->n[i] >= rule->max)
			*ret_why = "a message too many times";
		else if (rule->after >= 0 && (ipc_rules[rule->after].modes & mode) &&
		         seen->n[rule->after] == 0)
			*ret_why = "a message out of order";
		else {
			seen->n[i]++;
			return i;
		}
		return -EPROTO;
	}
	*ret_why = "an unknown message";
	return -EPROTO;
}

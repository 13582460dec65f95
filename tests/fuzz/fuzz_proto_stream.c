/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness for the module <-> helper protocol as a byte stream, in
 * both directions (pam/proto/proto.h): the input is what one side could write on
 * the socketpair. It goes into a socket whose peer is then closed; the reader
 * runs fedjit_msg_recv until it fails, as pam_fedjit.so reads the helper and
 * fedjit-helper reads the module. Every frame then goes through the
 * message-level decoders of its type the way the receiving side uses them
 * (fedjit_msg_get, fedjit_msg_get_uint with the callers' maxima,
 * fedjit_msg_get_bool), each checked against a reference parser written
 * here from the documented grammar: uint = decimal without leading zeros,
 * <= max; bool = "0" | "1". Also checked: recv fails only with the documented
 * errors and never returns more bytes than were written; a frame has `msg`
 * first; fedjit_msg_get of a key not in the frame is NULL.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pam/proto/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What fits in a socket buffer without a reader. */
#define MAX_INPUT 60000

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_proto_stream: contract broken: %s\n", what);
		abort();
	}
}

static bool ref_uint(const char *s, uint64_t max, uint64_t *ret)
{
	uint64_t v = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (v > max)
		return false;
	*ret = v;
	return true;
}

static void uint_field(const struct fedjit_msg *m, const char *key, uint64_t max)
{
	const char *s = fedjit_msg_get(m, key);
	uint64_t v = 0, want = 0;
	int r = fedjit_msg_get_uint(m, key, max, &v);

	if (!s) {
		check(r == -ENOENT, "absent uint is ENOENT");
		return;
	}
	if (ref_uint(s, max, &want))
		check(r == 0 && v == want, "uint accepted as documented");
	else
		check(r == -EBADMSG, "uint refused as documented");
}

static void bool_field(const struct fedjit_msg *m, const char *key)
{
	const char *s = fedjit_msg_get(m, key);
	bool v = false;
	int r = fedjit_msg_get_bool(m, key, &v);

	if (!s)
		check(r == -ENOENT, "absent bool is ENOENT");
	else if (strcmp(s, "0") == 0 || strcmp(s, "1") == 0)
		check(r == 0 && v == (s[0] == '1'), "bool accepted");
	else
		check(r == -EBADMSG, "bool refused");
}

/* The typed fields of each message (pam/proto/proto.h), both directions. */
static void message(const struct fedjit_msg *m)
{
	static const char *const strings[] = {"v",
	                                      "op",
	                                      "user",
	                                      "service",
	                                      "rhost",
	                                      "tty",
	                                      "idp",
	                                      "config",
	                                      "phase",
	                                      "status",
	                                      "message",
	                                      "log",
	                                      "issuer",
	                                      "subject",
	                                      "account",
	                                      "style",
	                                      "text",
	                                      "answer",
	                                      "user_code",
	                                      "verification_uri",
	                                      "verification_uri_complete",
	                                      "username",
	                                      "gecos",
	                                      "email",
	                                      "groups",
	                                      "acr"};
	const char *type = fedjit_msg_type(m);

	check(type && *type, "type present");
	check(fedjit_msg_get(m, "fedjit-no-such-key") == NULL, "absent key is NULL");
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		const char *v = fedjit_msg_get(m, strings[i]);
		check(!v || strlen(v) <= FEDJIT_PROTO_MAX_VALUE, "value length");
	}
	uint_field(m, "expires_in", 3600);
	uint_field(m, "interval", 600);
	uint_field(m, "timeout", 86400);
	uint_field(m, "uid", UINT32_MAX);
	uint_field(m, "pid", UINT64_MAX);
	bool_field(m, "qr");
	bool_field(m, "wait");
	bool_field(m, "debug");
	bool_field(m, "silent");
	/* every field of the frame, whatever its name */
	for (size_t i = 0; i < m->n_fields; i++) {
		const char *key = (const char *)m->buf + m->key_off[i];
		uint_field(m, key, UINT64_MAX);
		uint_field(m, key, 1000);
		bool_field(m, key);
	}
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
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
		abort();
	for (size_t off = 0; off < size;) {
		ssize_t w = write(fds[1], data + off, size - off);
		if (w <= 0)
			abort();
		off += (size_t)w;
	}
	close(fds[1]);
	for (;;) {
		int r = fedjit_msg_recv(fds[0], m, fedjit_proto_now_usec() + 10000000ULL);

		if (r < 0) {
			check(r == -ECONNRESET || r == -EBADMSG || r == -EMSGSIZE,
			      "recv error code");
			check(r != -ECONNRESET || total == size,
			      "clean EOF only at a frame boundary");
			break;
		}
		total += m->len;
		check(total <= size, "no more data than written");
		message(m);
	}
	close(fds[0]);
	return 0;
}

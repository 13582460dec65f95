/* SPDX-License-Identifier: Apache-2.0 */
/* The child -> parent pipe framing: round trip, EOF before and inside a frame, an unknown
 * type, an oversized length, the deadline; and the table of which message the child may
 * send when (fedjit_ipc_msg_accept). */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pam/helper/ipc.h"
#include "pam/proto/proto.h"

static void test_round_trip(void **state)
{
	uint32_t type = 0;
	char *data = NULL;
	size_t len = 0;
	int p[2];

	assert_int_equal(pipe(p), 0);
	assert_int_equal(fedjit_ipc_send(p[1], FEDJIT_IPC_JWKS, "{\"keys\":[]}", 11), 0);
	assert_int_equal(fedjit_ipc_send(p[1], FEDJIT_IPC_MSG, "", 0), 0);
	close(p[1]);
	assert_int_equal(fedjit_ipc_recv(p[0], 0, &type, &data, &len), 0);
	assert_int_equal(type, FEDJIT_IPC_JWKS);
	assert_int_equal(len, 11);
	assert_string_equal(data, "{\"keys\":[]}");
	free(data);
	assert_int_equal(fedjit_ipc_recv(p[0], 0, &type, &data, &len), 0);
	assert_int_equal(type, FEDJIT_IPC_MSG);
	assert_int_equal(len, 0);
	free(data);
	assert_int_equal(fedjit_ipc_recv(p[0], 0, &type, &data, &len), -ECONNRESET);
	close(p[0]);
}

static void test_bad_frames(void **state)
{
	static const unsigned char unknown_type[] = {0, 0, 0, 9, 0, 0, 0, 0};
	static const unsigned char too_long[] = {0, 0, 0, 1, 0x7f, 0, 0, 0};
	static const unsigned char truncated[] = {0, 0, 0, 1, 0, 0, 0, 10, 'a', 'b'};
	const struct {
		const unsigned char *bytes;
		size_t len;
		int expect;
	} cases[] = {
	        {unknown_type, sizeof(unknown_type), -EBADMSG},
	        {too_long, sizeof(too_long), -EMSGSIZE},
	        {truncated, sizeof(truncated), -EBADMSG},
	        {truncated, 5, -EBADMSG}, /* EOF inside the header */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t type;
		char *data = NULL;
		size_t len;
		int p[2];

		assert_int_equal(pipe(p), 0);
		assert_int_equal(write(p[1], cases[i].bytes, cases[i].len), (ssize_t)cases[i].len);
		close(p[1]);
		assert_int_equal(fedjit_ipc_recv(p[0], 0, &type, &data, &len), cases[i].expect);
		assert_null(data);
		close(p[0]);
	}
	assert_int_equal(fedjit_ipc_send(1, FEDJIT_IPC_MSG, "", FEDJIT_IPC_MAX + 1), -EMSGSIZE);
}

static void test_deadline(void **state)
{
	uint32_t type;
	char *data = NULL;
	size_t len;
	int p[2];

	assert_int_equal(pipe(p), 0);
	/* half a header, then silence */
	assert_int_equal(write(p[1], "\0\0\0", 3), 3);
	assert_int_equal(
	        fedjit_ipc_recv(p[0], fedjit_proto_now_usec() + 100000, &type, &data, &len),
	        -ETIMEDOUT);
	close(p[0]);
	close(p[1]);
}

/* accept TYPE in MODE: the enum, or -EPROTO with the reason checked against want_why. */
static int accept_msg(enum fedjit_ipc_mode mode, struct fedjit_ipc_seen *seen, const char *type,
                      const char *want_why)
{
	const char *why = NULL;
	int r = fedjit_ipc_msg_accept(mode, seen, type, &why);

	if (want_why) {
		assert_int_equal(r, -EPROTO);
		assert_non_null(why);
		assert_non_null(strstr(why, want_why));
	} else {
		assert_true(r >= 0);
	}
	return r;
}

static void test_message_rules(void **state)
{
	struct fedjit_ipc_seen seen = {0};

	/* A login: device once, then the identity; a second device or identity, an
	 * idp-test step, a message nobody knows are violations. */
	assert_int_equal(accept_msg(FEDJIT_IPC_MODE_LOGIN, &seen, "debug", NULL),
	                 FEDJIT_IPC_MSG_DEBUG);
	accept_msg(FEDJIT_IPC_MODE_LOGIN, &seen, "identity", "out of order");
	assert_int_equal(seen.n[FEDJIT_IPC_MSG_IDENTITY], 0);
	assert_int_equal(accept_msg(FEDJIT_IPC_MODE_LOGIN, &seen, "device", NULL),
	                 FEDJIT_IPC_MSG_DEVICE);
	accept_msg(FEDJIT_IPC_MODE_LOGIN, &seen, "device", "too many");
	accept_msg(FEDJIT_IPC_MODE_LOGIN, &seen, "check", "does not allow");
	accept_msg(FEDJIT_IPC_MODE_LOGIN, &seen, "claims", "does not allow");
	accept_msg(FEDJIT_IPC_MODE_LOGIN, &seen, "result", "unknown");
	accept_msg(FEDJIT_IPC_MODE_LOGIN, &seen, "", "unknown");
	assert_int_equal(accept_msg(FEDJIT_IPC_MODE_LOGIN, &seen, "identity", NULL),
	                 FEDJIT_IPC_MSG_IDENTITY);
	accept_msg(FEDJIT_IPC_MODE_LOGIN, &seen, "identity", "too many");
	accept_msg(FEDJIT_IPC_MODE_LOGIN, &seen, "fail", NULL);
	accept_msg(FEDJIT_IPC_MODE_LOGIN, &seen, "fail", "too many");

	/* login-test: the claims after the device message, once. */
	memset(&seen, 0, sizeof(seen));
	accept_msg(FEDJIT_IPC_MODE_LOGIN_TEST, &seen, "claims", "out of order");
	accept_msg(FEDJIT_IPC_MODE_LOGIN_TEST, &seen, "device", NULL);
	accept_msg(FEDJIT_IPC_MODE_LOGIN_TEST, &seen, "claims", NULL);
	accept_msg(FEDJIT_IPC_MODE_LOGIN_TEST, &seen, "claims", "too many");
	accept_msg(FEDJIT_IPC_MODE_LOGIN_TEST, &seen, "identity", NULL);

	/* idp-test: steps, then the verdict; no device flow. */
	memset(&seen, 0, sizeof(seen));
	accept_msg(FEDJIT_IPC_MODE_IDP_TEST, &seen, "device", "does not allow");
	accept_msg(FEDJIT_IPC_MODE_IDP_TEST, &seen, "identity", "does not allow");
	for (int i = 0; i < 32; i++)
		accept_msg(FEDJIT_IPC_MODE_IDP_TEST, &seen, "check", NULL);
	accept_msg(FEDJIT_IPC_MODE_IDP_TEST, &seen, "check", "too many");
	accept_msg(FEDJIT_IPC_MODE_IDP_TEST, &seen, "tested", NULL);
	accept_msg(FEDJIT_IPC_MODE_IDP_TEST, &seen, "tested", "too many");

	/* revalidation: the refresh grant has no device flow, so its identity comes
	 * without one; nothing a person would see is allowed. */
	memset(&seen, 0, sizeof(seen));
	accept_msg(FEDJIT_IPC_MODE_REVALIDATE, &seen, "device", "does not allow");
	accept_msg(FEDJIT_IPC_MODE_REVALIDATE, &seen, "claims", "does not allow");
	accept_msg(FEDJIT_IPC_MODE_REVALIDATE, &seen, "check", "does not allow");
	assert_int_equal(accept_msg(FEDJIT_IPC_MODE_REVALIDATE, &seen, "identity", NULL),
	                 FEDJIT_IPC_MSG_IDENTITY);
	accept_msg(FEDJIT_IPC_MODE_REVALIDATE, &seen, "identity", "too many");

	/* debug lines are bounded too: a child cannot flood the log. */
	memset(&seen, 0, sizeof(seen));
	for (int i = 0; i < 256; i++)
		accept_msg(FEDJIT_IPC_MODE_LOGIN, &seen, "debug", NULL);
	accept_msg(FEDJIT_IPC_MODE_LOGIN, &seen, "debug", "too many");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_round_trip),
	        cmocka_unit_test(test_bad_frames),
	        cmocka_unit_test(test_deadline),
	        cmocka_unit_test(test_message_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The module <-> helper frame codec: round trips, every truncation, size caps,
 * garbage, and the socket send/recv paths. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/macro.h"
#include "pam/proto/proto.h"

static struct fedjit_msg *new_msg(void)
{
	struct fedjit_msg *m = fedjit_msg_new();

	assert_non_null(m);
	return m;
}

static struct fedjit_msg *sample(void)
{
	struct fedjit_msg *m = new_msg();

	assert_int_equal(fedjit_msg_start(m, "request"), 0);
	assert_int_equal(fedjit_msg_add(m, "op", "login"), 0);
	assert_int_equal(fedjit_msg_add(m, "user", "alice@corp"), 0);
	assert_int_equal(fedjit_msg_add(m, "rhost", ""), 0);
	assert_int_equal(fedjit_msg_add(m, "text", "Grüße\tfrom\nthe IdP ✓ 𝄞"), 0);
	assert_int_equal(fedjit_msg_add_uint(m, "timeout", 300), 0);
	assert_int_equal(fedjit_msg_add_bool(m, "debug", true), 0);
	return m;
}

static void test_round_trip(void **state)
{
	_cleanup_msg_ struct fedjit_msg *m = sample();
	_cleanup_msg_ struct fedjit_msg *d = new_msg();
	uint64_t n;
	bool b;

	assert_int_equal(fedjit_msg_decode(d, m->buf, m->len), 0);
	assert_string_equal(fedjit_msg_type(d), "request");
	assert_string_equal(fedjit_msg_get(d, "v"), "1");
	assert_string_equal(fedjit_msg_get(d, "op"), "login");
	assert_string_equal(fedjit_msg_get(d, "user"), "alice@corp");
	assert_string_equal(fedjit_msg_get(d, "rhost"), "");
	assert_string_equal(fedjit_msg_get(d, "text"), "Grüße\tfrom\nthe IdP ✓ 𝄞");
	assert_null(fedjit_msg_get(d, "tty"));
	assert_int_equal(fedjit_msg_get_uint(d, "timeout", 86400, &n), 0);
	assert_int_equal(n, 300);
	assert_int_equal(fedjit_msg_get_uint(d, "timeout", 299, &n), -EBADMSG);
	assert_int_equal(fedjit_msg_get_uint(d, "tty", 10, &n), -ENOENT);
	assert_int_equal(fedjit_msg_get_uint(d, "user", 10, &n), -EBADMSG);
	assert_int_equal(fedjit_msg_get_bool(d, "debug", &b), 0);
	assert_true(b);
	assert_int_equal(fedjit_msg_get_bool(d, "op", &b), -EBADMSG);
	assert_int_equal(d->len, m->len);
	assert_memory_equal(d->buf, m->buf, m->len);
}

/* The exact bytes on the wire, so the other side can be written from proto.h. */
static void test_wire_format(void **state)
{
	_cleanup_msg_ struct fedjit_msg *m = new_msg();
	static const char expect[] = "\0\0\0\x15msg\0info\0v\0001\0text\0hi\0";

	assert_int_equal(fedjit_msg_start(m, "info"), 0);
	assert_int_equal(fedjit_msg_add(m, "text", "hi"), 0);
	assert_int_equal(m->len, sizeof(expect) - 1);
	assert_memory_equal(m->buf, expect, sizeof(expect) - 1);
}

static void test_every_truncation(void **state)
{
	_cleanup_msg_ struct fedjit_msg *m = sample();
	_cleanup_msg_ struct fedjit_msg *d = new_msg();
	unsigned char frame[FEDJIT_PROTO_MAX_FRAME];

	for (size_t cut = 0; cut < m->len; cut++) {
		/* Shorter input than the header says. */
		assert_int_equal(fedjit_msg_decode(d, m->buf, cut), -EBADMSG);
		assert_int_equal(d->n_fields, 0);
		/* A header that claims only the cut body: must end on a terminator. */
		if (cut > 4) {
			uint32_t body = (uint32_t)(cut - 4);
			int r;

			memcpy(frame, m->buf, cut);
			frame[0] = (unsigned char)(body >> 24);
			frame[1] = (unsigned char)(body >> 16);
			frame[2] = (unsigned char)(body >> 8);
			frame[3] = (unsigned char)body;
			r = fedjit_msg_decode(d, frame, cut);
			if (r == 0)
				/* Only cuts right after a value terminator parse. */
				assert_int_equal(frame[cut - 1], 0);
			else
				assert_int_equal(r, -EBADMSG);
		}
	}
	/* Trailing bytes after a valid frame. */
	memcpy(frame, m->buf, m->len);
	frame[m->len] = 'x';
	assert_int_equal(fedjit_msg_decode(d, frame, m->len + 1), -EBADMSG);
}

static size_t frame_of(unsigned char *out, const void *body, size_t n)
{
	out[0] = (unsigned char)(n >> 24);
	out[1] = (unsigned char)(n >> 16);
	out[2] = (unsigned char)(n >> 8);
	out[3] = (unsigned char)n;
	memcpy(out + 4, body, n);
	return n + 4;
}

#define BODY(s) s, sizeof(s) - 1

static void test_garbage(void **state)
{
	_cleanup_msg_ struct fedjit_msg *d = new_msg();
	static const struct {
		const char *body;
		size_t n;
	} bad[] = {
	        {BODY("x")},                                   /* no terminators */
	        {BODY("msg\0info")},                           /* value not terminated */
	        {BODY("msg\0")},                               /* no value */
	        {BODY("v\0001\0msg\0info\0")},                 /* msg not first */
	        {BODY("msg\0\0")},                             /* empty type */
	        {BODY("msg\0info\0msg\0x\0")},                 /* duplicate key */
	        {BODY("msg\0info\0\0x\0")},                    /* empty key */
	        {BODY("msg\0info\0Text\0x\0")},                /* key charset */
	        {BODY("msg\0info\0te-xt\0x\0")},               /* key charset */
	        {BODY("msg\0info\0text\0a\x1b[31m\0")},        /* ESC */
	        {BODY("msg\0info\0text\0a\rb\0")},             /* CR */
	        {BODY("msg\0info\0text\0\x7f\0")},             /* DEL */
	        {BODY("msg\0info\0text\0\xc2\x9b\0")},         /* C1 CSI */
	        {BODY("msg\0info\0text\0\xc0\xaf\0")},         /* overlong */
	        {BODY("msg\0info\0text\0\xe0\x80\xaf\0")},     /* overlong */
	        {BODY("msg\0info\0text\0\xed\xa0\x80\0")},     /* surrogate */
	        {BODY("msg\0info\0text\0\xf4\x90\x80\x80\0")}, /* > U+10FFFF */
	        {BODY("msg\0info\0text\0\xe2\x9c\0")},         /* truncated sequence */
	        {BODY("msg\0info\0text\0\xff\0")},
	        {BODY("msg\0info\0aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\0x\0")}, /* 33-byte key */
	};
	unsigned char frame[256];

	for (size_t i = 0; i < FEDJIT_ELEMENTSOF(bad); i++) {
		size_t n = frame_of(frame, bad[i].body, bad[i].n);

		assert_int_equal(fedjit_msg_decode(d, frame, n), -EBADMSG);
		assert_int_equal(d->n_fields, 0);
	}
	/* A 32-byte key is fine. */
	assert_int_equal(
	        fedjit_msg_decode(
	                d, frame,
	                frame_of(frame, BODY("msg\0info\0aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\0x\0"))),
	        0);
	/* Random bytes never crash the decoder. */
	srandom(42);
	for (int round = 0; round < 20000; round++) {
		size_t n = 4 + (size_t)random() % 60;

		for (size_t j = 4; j < n; j++)
			frame[j] = (unsigned char)("msgvinfo\0\0\0ax\xc3\xa9\x1b"[random() % 16]);
		frame_of(frame, frame + 4, n - 4);
		(void)fedjit_msg_decode(d, frame, n);
	}
}

static void test_size_caps(void **state)
{
	_cleanup_msg_ struct fedjit_msg *m = new_msg();
	_cleanup_msg_ struct fedjit_msg *d = new_msg();
	_cleanup_free_ char *big = malloc(FEDJIT_PROTO_MAX_VALUE + 2);
	_cleanup_free_ unsigned char *frame = malloc(FEDJIT_PROTO_MAX_FRAME + 16);
	char key[16];
	int r = 0, i;

	assert_non_null(big);
	assert_non_null(frame);
	memset(big, 'a', FEDJIT_PROTO_MAX_VALUE + 1);
	big[FEDJIT_PROTO_MAX_VALUE + 1] = 0;

	assert_int_equal(fedjit_msg_start(m, "info"), 0);
	assert_int_equal(fedjit_msg_add(m, "text", big), -E2BIG);
	assert_int_equal(fedjit_msg_add(m, "text", "\x1b"), -EINVAL);
	assert_int_equal(fedjit_msg_add(m, "Bad", "x"), -EINVAL);
	assert_int_equal(fedjit_msg_add(m, "v", "2"), -EEXIST);
	assert_int_equal(fedjit_msg_add(m, "nothing", NULL), 0);
	assert_null(fedjit_msg_get(m, "nothing"));
	big[FEDJIT_PROTO_MAX_VALUE] = 0;
	assert_int_equal(fedjit_msg_add(m, "text", big), 0);

	/* Field count: 64 in all. */
	for (i = 0; r == 0; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		r = fedjit_msg_add(m, key, "v");
	}
	assert_int_equal(r, -E2BIG);
	assert_int_equal(m->n_fields, FEDJIT_PROTO_MAX_FIELDS);
	assert_int_equal(fedjit_msg_decode(d, m->buf, m->len), 0);
	assert_int_equal(d->n_fields, FEDJIT_PROTO_MAX_FIELDS);

	/* Frame size: fill with maximal values until full; the result still decodes. */
	assert_int_equal(fedjit_msg_start(m, "info"), 0);
	for (i = 0, r = 0; r == 0; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		r = fedjit_msg_add(m, key, big);
	}
	assert_int_equal(r, -E2BIG);
	assert_true(m->len <= FEDJIT_PROTO_MAX_FRAME);
	assert_int_equal(fedjit_msg_decode(d, m->buf, m->len), 0);

	/* A 65th field and an oversized length are refused by the decoder. */
	{
		size_t n = 0;

		n += (size_t)sprintf((char *)frame + 4 + n, "msg") + 1;
		n += (size_t)sprintf((char *)frame + 4 + n, "x") + 1;
		for (i = 1; i <= FEDJIT_PROTO_MAX_FIELDS; i++) {
			n += (size_t)sprintf((char *)frame + 4 + n, "k%d", i) + 1;
			frame[4 + n++] = 0;
		}
		frame_of(frame, frame + 4, n);
		assert_int_equal(fedjit_msg_decode(d, frame, n + 4), -EBADMSG);
	}
	memset(frame, 0, 4);
	assert_int_equal(fedjit_msg_decode(d, frame, 4), -EMSGSIZE);
	frame[1] = 1; /* 65536 bytes of body: the header makes it one too many */
	assert_int_equal(fedjit_msg_decode(d, frame, 4), -EMSGSIZE);
	frame[0] = 0xff;
	assert_int_equal(fedjit_msg_decode(d, frame, 4), -EMSGSIZE);
}

static void test_numbers(void **state)
{
	_cleanup_msg_ struct fedjit_msg *m = new_msg();
	static const char *const bad[] = {
	        "", "-1", "+1", "01", "1x", " 1", "18446744073709551616", "99999999999999999999"};
	uint64_t v;
	char key[8];

	assert_int_equal(fedjit_msg_start(m, "t"), 0);
	for (size_t i = 0; i < FEDJIT_ELEMENTSOF(bad); i++) {
		snprintf(key, sizeof(key), "b%zu", i);
		assert_int_equal(fedjit_msg_add(m, key, bad[i]), 0);
		assert_int_equal(fedjit_msg_get_uint(m, key, UINT64_MAX, &v), -EBADMSG);
	}
	assert_int_equal(fedjit_msg_add(m, "zero", "0"), 0);
	assert_int_equal(fedjit_msg_get_uint(m, "zero", 0, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(fedjit_msg_add(m, "max", "18446744073709551615"), 0);
	assert_int_equal(fedjit_msg_get_uint(m, "max", UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
}

static void test_socket(void **state)
{
	_cleanup_msg_ struct fedjit_msg *m = sample();
	_cleanup_msg_ struct fedjit_msg *d = new_msg();
	uint64_t soon = fedjit_proto_now_usec() + 2000000;
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	/* Two frames back to back are read one at a time. */
	assert_int_equal(fedjit_msg_send(sv[0], m, soon), 0);
	assert_int_equal(fedjit_msg_send(sv[0], m, 0), 0);
	assert_int_equal(fedjit_msg_recv(sv[1], d, soon), 0);
	assert_string_equal(fedjit_msg_get(d, "user"), "alice@corp");
	assert_int_equal(fedjit_msg_recv(sv[1], d, soon), 0);
	assert_int_equal(d->n_fields, m->n_fields);
	/* A deadline already past still takes a frame that is there. */
	assert_int_equal(fedjit_msg_send(sv[0], m, soon), 0);
	assert_int_equal(fedjit_msg_recv(sv[1], d, fedjit_proto_now_usec() - 1000000), 0);
	assert_string_equal(fedjit_msg_type(d), "request");
	assert_int_equal(fedjit_msg_recv(sv[1], d, 1), -ETIMEDOUT);
	/* Nothing there: the deadline ends the wait. */
	assert_int_equal(fedjit_msg_recv(sv[1], d, fedjit_proto_now_usec() + 1000), -ETIMEDOUT);
	/* A frame cut by EOF is malformed; EOF between frames is a reset. */
	assert_int_equal(write(sv[0], m->buf, 10), 10);
	close(sv[0]);
	assert_int_equal(fedjit_msg_recv(sv[1], d, soon), -EBADMSG);
	assert_int_equal(fedjit_msg_recv(sv[1], d, soon), -ECONNRESET);
	/* Writing to a closed peer is -EPIPE, not SIGPIPE. */
	assert_int_equal(fedjit_msg_send(sv[1], m, soon), -EPIPE);
	close(sv[1]);

	/* An oversized length is refused before its body is read. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(write(sv[0], "\x7f\xff\xff\xff", 4), 4);
	assert_int_equal(fedjit_msg_recv(sv[1], d, soon), -EMSGSIZE);
	/* An empty message is not sent. */
	assert_int_equal(fedjit_msg_send(sv[0], d, soon), -EINVAL);
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_round_trip),       cmocka_unit_test(test_wire_format),
	        cmocka_unit_test(test_every_truncation), cmocka_unit_test(test_garbage),
	        cmocka_unit_test(test_size_caps),        cmocka_unit_test(test_numbers),
	        cmocka_unit_test(test_socket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness for the module <-> helper frame decoder (pam/proto/proto.h):
 * any bytes as a whole frame, and the same bytes as a body behind a correct
 * length header (to get past the length check). Besides not crashing, checks
 * the codec's contract: a decoded frame has 1..64 fields, `msg` first and
 * non-empty, unique keys, and encoding its fields again in order gives back
 * exactly the input bytes; a refused frame leaves the message empty.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pam/proto/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_proto: contract broken: %s\n", what);
		abort();
	}
}

static void one(struct fedjit_msg *d, struct fedjit_msg *e, const uint8_t *frame, size_t len)
{
	int r = fedjit_msg_decode(d, frame, len);

	if (r < 0) {
		check(r == -EBADMSG || r == -EMSGSIZE, "error code");
		check(d->n_fields == 0 && d->len == 0, "refused frame leaves the message empty");
		return;
	}
	check(d->n_fields >= 1 && d->n_fields <= FEDJIT_PROTO_MAX_FIELDS, "field count");
	check(d->len == len, "length");
	check(strcmp((const char *)d->buf + d->key_off[0], "msg") == 0, "msg first");
	check(*fedjit_msg_type(d) != 0, "type not empty");
	e->len = 0;
	e->n_fields = 0;
	for (size_t i = 0; i < d->n_fields; i++)
		check(fedjit_msg_add(e, (const char *)d->buf + d->key_off[i],
		                     (const char *)d->buf + d->value_off[i]) == 0,
		      "a decoded field encodes again");
	check(e->len == len && memcmp(e->buf, frame, len) == 0, "re-encoding gives the input");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fedjit_msg *d, *e;
	static uint8_t framed[FEDJIT_PROTO_MAX_FRAME];

	if (!d) {
		d = fedjit_msg_new();
		e = fedjit_msg_new();
		check(d && e, "allocation");
	}
	one(d, e, data, size);
	if (size + 4 <= sizeof(framed)) {
		framed[0] = (uint8_t)(size >> 24);
		framed[1] = (uint8_t)(size >> 16);
		framed[2] = (uint8_t)(size >> 8);
		framed[3] = (uint8_t)size;
		memcpy(framed + 4, data, size);
		one(d, e, framed, size + 4);
	}
	return 0;
}

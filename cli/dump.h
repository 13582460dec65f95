/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A dump (format in cli/db_dump.c) read back and validated for `fedjit db
 * restore`: dump_check.c loads it and checks it on its own (stage 1),
 * db_restore.c checks it against the store and applies it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "common/record.h"

struct fedjit_dump_user {
	struct fedjit_user u; /* strings, gids and members live in the dump's arena */
	uint32_t *gids;
	size_t n_gids;
	const char *primary_group; /* NULL: the user's private group */
};

struct fedjit_dump_group {
	struct fedjit_group g;
	int origin;
};

struct fedjit_dump_hash {
	const char *name, *hash; /* the arena is scrubbed when the dump is cleared */
};

struct fedjit_dump_consent {
	const char *name;
	struct fedjit_consent c;
};

/* Everything a dump holds, as compact records in one arena (a few hundred
 * bytes per account): the JSON itself is read one element at a time
 * (dump_stream.c) and never held whole. */
struct fedjit_dump {
	struct fedjit_dump_user *users; /* sorted by name once loaded */
	size_t n_users, cap_users;
	struct fedjit_dump_group *groups; /* sorted by name once loaded */
	size_t n_groups, cap_groups;
	struct fedjit_dump_group **by_gid; /* groups sorted by gid */
	bool have_links, have_secrets;
	size_t n_links;
	struct fedjit_dump_hash *hashes;
	size_t n_hashes, cap_hashes;
	struct fedjit_dump_consent *consents;
	size_t n_consents, cap_consents;
	struct fedjit_dump_block *arena;
	unsigned errors;
};

/* ---- reading JSON one element at a time (dump_stream.c) ---- */

#define FEDJIT_JSTREAM_SCALAR_MAX (1u << 20) /* bytes of one string or number */

struct fedjit_jstream {
	FILE *f;
	int line;
	char error[256]; /* the first problem, "line N: ..." */
};
typedef int (*fedjit_jstream_member_fn)(struct fedjit_jstream *js, const char *key, void *userdata);
typedef int (*fedjit_jstream_elem_fn)(struct fedjit_jstream *js, json_t *v, size_t i,
                                      void *userdata);
/* An object, member by member: fn reads the member's value from js (with one
 * of these functions). An array, element by element (each decoded whole,
 * passed to fn and freed). One value of any kind (the caller frees it).
 * 0 or -EBADMSG (js->error says where), or fn's negative value. */
int fedjit_jstream_object(struct fedjit_jstream *js, fedjit_jstream_member_fn fn, void *userdata);
int fedjit_jstream_array(struct fedjit_jstream *js, fedjit_jstream_elem_fn fn, void *userdata);
json_t *fedjit_jstream_value(struct fedjit_jstream *js);
/* Nothing but white space left. */
int fedjit_jstream_end(struct fedjit_jstream *js);

/* A problem with the dump (or a conflict): printed, counted in d->errors. */
void fedjit_dump_problem(struct fedjit_dump *d, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* Load FILE ("-": stdin) and check it on its own. 0, or an exit status after
 * every problem was printed. */
int fedjit_dump_load(struct fedjit_dump *d, const char *file);
void fedjit_dump_clear(struct fedjit_dump *d);

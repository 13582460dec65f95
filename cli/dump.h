/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A dump (format in cli/cmd_db.c) read back and validated for `fedjit db
 * restore`: dump_check.c loads it and checks it on its own (stage 1),
 * db_restore.c checks it against the store and applies it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/record.h"

struct fedjit_dump_user {
	struct fedjit_user u; /* strings point into the JSON */
	uint32_t *gids;
	size_t n_gids;
	const char *primary_group; /* NULL: the user's private group */
};

struct fedjit_dump_group {
	struct fedjit_group g; /* members point into the JSON */
	int origin;
};

struct fedjit_dump {
	json_t *root;
	struct fedjit_dump_user *users; /* sorted by name once loaded */
	size_t n_users;
	struct fedjit_dump_group *groups; /* sorted by name once loaded */
	size_t n_groups;
	struct fedjit_dump_group **by_gid; /* groups sorted by gid */
	json_t *secrets;                   /* NULL: none in the dump */
	unsigned errors;
};

/* A problem with the dump (or a conflict): printed, counted in d->errors. */
void fedjit_dump_problem(struct fedjit_dump *d, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* Load FILE ("-": stdin) and check it on its own. 0, or an exit status after
 * every problem was printed. */
int fedjit_dump_load(struct fedjit_dump *d, const char *file);
void fedjit_dump_clear(struct fedjit_dump *d);

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON for scripts (`--json`) and for `fedjit db dump`. The objects:
 *   user:  {"name", "uid", "gid", "gecos", "home", "shell", "domain", "idp",
 *           "issuer", "subject", "email", "created", "last_login" (unix
 *           seconds, 0 = never), "locked", "pending" (booleans),
 *           "groups": [supplementary gids]}
 *   group: {"name", "gid", "origin" ("private", "shared-primary", "jit",
 *           "admin", "foreign"), "domain", "members": [names]}
 * db_restore.c reads the same objects back.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const char *const origins[] = {
        [FEDJIT_GROUP_PRIVATE] = "private", [FEDJIT_GROUP_SHARED_PRIMARY] = "shared-primary",
        [FEDJIT_GROUP_JIT] = "jit",         [FEDJIT_GROUP_ADMIN] = "admin",
        [FEDJIT_GROUP_FOREIGN] = "foreign",
};

const char *fedjit_group_origin_to_string(unsigned origin)
{
	if (origin < sizeof(origins) / sizeof(origins[0]) && origins[origin])
		return origins[origin];
	return "unknown";
}

int fedjit_group_origin_from_string(const char *s)
{
	for (unsigned i = 0; i < sizeof(origins) / sizeof(origins[0]); i++)
		if (origins[i] && strcmp(origins[i], s) == 0)
			return (int)i;
	return -EINVAL;
}

json_t *fedjit_json_user(const struct fedjit_user *u, const uint32_t *gids, size_t n_gids)
{
	json_t *groups = json_array();
	json_t *j;

	if (!groups)
		return NULL;
	for (size_t i = 0; i < n_gids; i++)
		if (json_array_append_new(groups, json_integer(gids[i])) < 0) {
			json_decref(groups);
			return NULL;
		}
	j = json_pack("{s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:b, "
	              "s:b, s:o}",
	              "name", u->name, "uid", (json_int_t)u->uid, "gid", (json_int_t)u->gid,
	              "gecos", u->gecos, "home", u->home, "shell", u->shell, "domain", u->domain,
	              "idp", u->idp, "issuer", u->issuer, "subject", u->subject, "email", u->email,
	              "created", (json_int_t)u->created, "last_login", (json_int_t)u->last_login,
	              "locked", !!(u->flags & FEDJIT_USER_LOCKED), "pending",
	              !!(u->flags & FEDJIT_USER_PENDING), "groups", groups);
	return j;
}

json_t *fedjit_json_group(const struct fedjit_group *g)
{
	json_t *members = json_array();

	if (!members)
		return NULL;
	for (size_t i = 0; i < g->n_members; i++)
		if (json_array_append_new(members, json_string(g->members[i])) < 0) {
			json_decref(members);
			return NULL;
		}
	return json_pack("{s:s, s:I, s:s, s:s, s:o}", "name", g->name, "gid", (json_int_t)g->gid,
	                 "origin", fedjit_group_origin_to_string(g->origin), "domain", g->domain,
	                 "members", members);
}

int fedjit_json_print(json_t *j)
{
	int r;

	if (!j)
		return fedjit_cli_error("out of memory");
	r = json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (r < 0)
		return fedjit_cli_error("writing JSON: %m");
	putchar('\n');
	return FEDJIT_EXIT_OK;
}

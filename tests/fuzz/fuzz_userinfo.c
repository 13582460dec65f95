/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness for the UserInfo merge (fedjit_idtoken_merge_userinfo,
 * pam/idp/idtoken.h): the input is a UserInfo response body from the IdP,
 * merged into a fixed verified token (sub "u-1", name, groups ["staff"],
 * groups claim "groups"). Contracts checked besides "no crash": a refusal
 * says why; a merge keeps sub and iss, never takes claims the ID token
 * already had (name stays "Alice"), and keeps the documented group limit;
 * a body whose "sub" is not "u-1" is refused.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "pam/idp/idtoken.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_userinfo: contract broken: %s\n", what);
		abort();
	}
}

static struct fedjit_idtoken *token(void)
{
	struct fedjit_idtoken *t = calloc(1, sizeof(*t));
	json_error_t e;

	if (!t)
		abort();
	t->iss = strdup("https://idp.example.test");
	t->sub = strdup("u-1");
	t->name = strdup("Alice");
	t->groups = calloc(2, sizeof(char *));
	t->claims = json_loads("{\"iss\":\"https://idp.example.test\",\"sub\":\"u-1\","
	                       "\"name\":\"Alice\",\"groups\":[\"staff\"]}",
	                       0, &e);
	if (!t->iss || !t->sub || !t->name || !t->groups || !t->claims ||
	    !(t->groups[0] = strdup("staff")))
		abort();
	t->n_groups = 1;
	t->nbf = t->auth_time = -1;
	t->email_verified = -1;
	return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fedjit_idtoken *t = token();
	char *reason = NULL;
	int r = fedjit_idtoken_merge_userinfo(t, (const char *)data, size, "groups", &reason);

	if (r < 0) {
		check(r == -ENOMEM || reason != NULL, "every refusal says why");
		check(strcmp(t->name, "Alice") == 0 && t->n_groups == 1 &&
		              strcmp(t->groups[0], "staff") == 0,
		      "a refusal leaves the token unchanged");
	} else {
		json_t *ui = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
		const char *sub = json_string_value(json_object_get(ui, "sub"));

		check(sub && strcmp(sub, "u-1") == 0, "only the token's sub merges");
		json_decref(ui);
		check(strcmp(t->sub, "u-1") == 0 && strcmp(t->iss, "https://idp.example.test") == 0,
		      "sub and iss kept");
		check(t->name && strcmp(t->name, "Alice") == 0, "ID token claims win");
		check(t->n_groups <= FEDJIT_IDTOKEN_MAX_GROUPS, "group limit");
	}
	free(reason);
	fedjit_idtoken_free(t);
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fixture for the provisioning tests: a temporary directory with the store,
 * the secret store, homes and a skel; a configuration built per test; fake
 * "other NSS sources"; a scripted conversation; verified-claims fixtures.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/store.h"
#include "pam/provision/provision.h"

/* Other NSS sources: users and groups the fake lookups know. */
struct fx_entry {
	const char *name;
	uint32_t id;
	uint32_t gid; /* users: primary gid */
};

struct fx {
	char dir[256];
	char db[300], secret[300], home_root[300], skel[300];
	char conf[8192];
	struct fedjit_config *config;
	struct fedjit_prov_ctx ctx;
	struct fedjit_prov_nss nss;
	struct fx_entry users[8], groups[8];
	size_t n_users, n_groups;
	unsigned user_lookups[8]; /* nss.user_by_name calls, per users[] entry */
	/* nss.uid_exists, nss.group_by_gid and nss.group_by_name calls */
	unsigned uid_asks, gid_asks, group_name_asks;
	unsigned fail_uid_asks; /* this many next uid_exists calls fail with -EIO */
	/* scripted answers, in order; prompts seen are appended to transcript */
	const char *answers[16];
	size_t n_answers, next_answer;
	char transcript[8192];
};

/* Create the fixture in a fresh temporary directory (the NSS sources know
 * root, daemon, a system user "sys" (uid 900), "carol" (uid 250000, group
 * carol) and the groups root, sudo (27), carol). */
struct fx *fx_new(void);
void fx_free(struct fx *f);
/* Parse "[domain ...]" sections (may be "") and the body of [idp t] (issuer
 * https://idp.example, client_id x, the domain's home under the fixture).
 * Fails the test on a configuration error. */
void fx_config(struct fx *f, const char *domains, const char *idp_body);
/* Set the scripted answers (NULL-terminated list). */
void fx_answers(struct fx *f, ...);

/* An identity with issuer https://idp.example, a verified email address.
 * groups: NULL-terminated. */
struct fedjit_identity fx_identity(const char *subject, const char *username,
                                   const char *const *groups);

/* Provision (user parsed as the helper parses it: unknown_user when it does not
 * parse); returns the result status. */
const char *fx_login(struct fx *f, const struct fedjit_identity *id, const char *user,
                     struct fedjit_prov_result *res);
/* fedjit_provision_precheck / _chauthtok with user parsed likewise (0 and
 * unknown_user when it does not parse). */
int fx_precheck(struct fx *f, const char *user, struct fedjit_prov_result *res);
int fx_chauthtok(struct fx *f, const char *user, struct fedjit_prov_result *res);

/* Number of users in the store (0 when there is no store); store check passes. */
size_t fx_count_users(struct fx *f);
/* Copy of a stored user, or NULL. */
struct fedjit_user *fx_user(struct fx *f, const char *name);
/* Supplementary gids of a stored user into v (at most n); returns the count. */
size_t fx_gids(struct fx *f, const char *name, uint32_t *v, size_t n);
/* Write an executable file (a shell script body after #!/bin/sh). */
void fx_script(struct fx *f, const char *name, const char *body, char *path, size_t size);
bool fx_is_root(void);

/* cmocka group-less setup/teardown: a fresh fixture per test when root, else
 * none (the test then skips with NEED_ROOT). */
int fx_setup(void **state);
int fx_teardown(void **state);
#define NEED_ROOT(f)            \
	do {                    \
		if (!(f))       \
			skip(); \
	} while (0)

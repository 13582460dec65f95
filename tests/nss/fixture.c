/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "common/store.h"
#include "tests/nss/fixture.h"

static int add_user(struct fedjit_store *s, const char *name, uint32_t uid, const char *gecos,
                    uint32_t flags, const uint32_t *gids, size_t n)
{
	char home[128], sub[128];
	snprintf(home, sizeof(home), "/home/%s", name);
	snprintf(sub, sizeof(sub), "sub-%s", name);
	struct fedjit_user u = {
	        .name = (char *)name,
	        .uid = uid,
	        .gid = uid,
	        .gecos = (char *)gecos,
	        .home = home,
	        .shell = "/bin/bash",
	        .domain = "PRIMARY",
	        .idp = "test",
	        .issuer = "https://idp.test",
	        .subject = sub,
	        .email = NULL,
	        .created = 1700000000,
	        .flags = flags,
	};
	return fedjit_store_create_account(s, &u, NULL, gids, n);
}

int fedjit_test_nss_fixture(const char *db, const char *secret, unsigned n_bulk)
{
	struct fedjit_store *s = NULL;
	int r = fedjit_store_open(db, FEDJIT_STORE_CREATE | FEDJIT_STORE_NOSYNC, &s);
	if (r < 0)
		return r;

	static const uint32_t alice_g[] = {300001, 300002, FIX_SUDO_GID}, bob_g[] = {300001},
	                      bulk_g[] = {FIX_SUDO_GID};
	if ((r = fedjit_store_ensure_group(s, "devs", 300001, "PRIMARY", FEDJIT_GROUP_JIT, NULL)) <
	            0 ||
	    (r = fedjit_store_ensure_group(s, "ops", 300002, "PRIMARY", FEDJIT_GROUP_JIT, NULL)) <
	            0 ||
	    (r = fedjit_store_ensure_group(s, "empty", 300003, "PRIMARY", FEDJIT_GROUP_ADMIN,
	                                   NULL)) < 0 ||
	    /* sudo of /etc/group, with its federated members (record.h) */
	    (r = fedjit_store_ensure_group(s, "sudo", FIX_SUDO_GID, "PRIMARY", FEDJIT_GROUP_FOREIGN,
	                                   NULL)) < 0 ||
	    (r = add_user(s, "alice", 200001, "Alice Liddell", 0, alice_g, 3)) < 0 ||
	    (r = add_user(s, "bob", 200002, "Bob", 0, bob_g, 1)) < 0 ||
	    (r = add_user(s, "carol", 200003, "", FEDJIT_USER_LOCKED, NULL, 0)) < 0 ||
	    (r = add_user(s, "dave", 200004, "Dave", FEDJIT_USER_LOCKED, NULL, 0)) < 0)
		goto out;
	for (unsigned i = 0; i < n_bulk && r >= 0; i++) {
		char name[32];
		snprintf(name, sizeof(name), "u%06u", i);
		r = add_user(s, name, FIX_BULK_UID + i, "bulk user", 0, bulk_g, 1);
	}
	if (r < 0)
		goto out;
	if (secret) {
		struct fedjit_secret_store *ss = NULL;
		r = fedjit_secret_open(secret, FEDJIT_STORE_CREATE | FEDJIT_STORE_NOSYNC, &ss);
		if (r < 0)
			goto out;
		r = fedjit_secret_set_password_hash(ss, "bob", FIX_BOB_HASH);
		if (r >= 0)
			r = fedjit_secret_set_password_hash(ss, "carol", FIX_CAROL_HASH);
		fedjit_secret_close(ss);
	}
out:
	fedjit_store_close(s);
	return r < 0 ? r : 0;
}

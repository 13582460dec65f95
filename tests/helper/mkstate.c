/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test tool: writes an account state record (common/account_state.h) into the private
 * store of a store through the store API, as a login or a lock would, so helper tests
 * can set up what the IdP said last.
 * usage: mkstate DB NAME [groups=A,B | groups=] [no-groups-claim] [ago=SECONDS]
 *                [never] [lock=admin|idp] [token=TOKEN issuer=ISSUER client=CLIENT_ID]
 *   groups=   the IdP groups of the last verification (default: none, claim present)
 *   ago=      last verified SECONDS ago (default 0: now); never: never verified
 *   lock=     the lock reason (the user record's lock flag is mkaccount's)
 *   token=    a refresh token record too
 * mkstate --legacy SECRETDB NAME ...: the same records (no lock reason) written
 * the way an older fedjit kept them, in the secret store, for the tests of
 * their move into the private store (common/store_state_move.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/account_state.h"
#include "common/store.h"

/* The record under keyfn(name) straight into the secret store's file. */
static int legacy_put(const char *secret, int (*keyfn)(char *, const char *, TDB_DATA *),
                      const char *name, int r, TDB_DATA data)
{
	struct fedjit_secret_store *ss = NULL;
	struct tdb_context *t;
	char kb[FEDJIT_KEY_MAX];
	TDB_DATA key;

	if (r < 0)
		return r;
	r = fedjit_secret_open(secret, FEDJIT_STORE_CREATE | FEDJIT_STORE_NOSYNC, &ss);
	fedjit_secret_close(ss);
	t = r < 0 ? NULL : tdb_open(secret, 0, 0, O_RDWR, 0);
	if (r >= 0 && !t)
		r = -EIO;
	if (r >= 0 && keyfn(kb, name, &key) < 0)
		r = -EINVAL;
	if (r >= 0 && tdb_store(t, key, data, TDB_REPLACE) != 0)
		r = -EIO;
	if (t)
		tdb_close(t);
	free(data.dptr);
	return r;
}

int main(int argc, char **argv)
{
	bool legacy = argc > 1 && strcmp(argv[1], "--legacy") == 0;
	struct fedjit_store *ss = NULL;
	struct fedjit_account_state st = {.verified_by = FEDJIT_VERIFIED_LOGIN,
	                                  .groups_claim = true};
	struct fedjit_refresh_token tok = {0};
	enum fedjit_lock_reason lock = FEDJIT_LOCK_NONE;
	char *groups[64], *list = NULL;
	long ago = 0;
	bool never = false;
	int r;

	if (legacy) {
		argc--;
		argv++;
	}

	if (argc < 3) {
		fprintf(stderr,
		        "usage: %s DB NAME [groups=A,B] [no-groups-claim] "
		        "[ago=SECONDS] [never] [lock=admin|idp] [token=T issuer=I client=C]\n",
		        argv[0]);
		return 2;
	}
	for (int i = 3; i < argc; i++) {
		const char *a = argv[i];

		if (strncmp(a, "groups=", 7) == 0)
			list = strdup(a + 7);
		else if (strcmp(a, "no-groups-claim") == 0)
			st.groups_claim = false;
		else if (strncmp(a, "ago=", 4) == 0)
			ago = strtol(a + 4, NULL, 10);
		else if (strcmp(a, "never") == 0)
			never = true;
		else if (strcmp(a, "lock=admin") == 0)
			lock = FEDJIT_LOCK_ADMIN;
		else if (strcmp(a, "lock=idp") == 0)
			lock = FEDJIT_LOCK_IDP;
		else if (strncmp(a, "token=", 6) == 0)
			tok.token = (char *)a + 6;
		else if (strncmp(a, "issuer=", 7) == 0)
			tok.issuer = (char *)a + 7;
		else if (strncmp(a, "client=", 7) == 0)
			tok.client_id = (char *)a + 7;
		else {
			fprintf(stderr, "mkstate: unknown argument %s\n", a);
			return 2;
		}
	}
	for (char *p = list ? strtok(list, ",") : NULL; p && st.n_groups < 64;
	     p = strtok(NULL, ","))
		groups[st.n_groups++] = p;
	st.groups = groups;
	if (!st.groups_claim)
		st.n_groups = 0;
	st.last_verified = never ? 0 : (int64_t)time(NULL) - ago;
	if (never)
		st.verified_by = FEDJIT_VERIFIED_NEVER;
	tok.obtained = (int64_t)time(NULL);
	if (legacy) {
		TDB_DATA d = {0};

		r = fedjit_record_encode_state(&st, &d);
		r = legacy_put(argv[1], fedjit_key_state, argv[2], r, d);
		if (r >= 0 && tok.token) {
			d = (TDB_DATA){0};
			r = fedjit_record_encode_refresh(&tok, &d);
			r = legacy_put(argv[1], fedjit_key_refresh, argv[2], r, d);
		}
		free(list);
		if (r < 0)
			fprintf(stderr, "mkstate: %s\n", fedjit_store_strerror(r));
		return r < 0 ? 1 : 0;
	}
	r = fedjit_store_open(argv[1], FEDJIT_STORE_CREATE | FEDJIT_STORE_NOSYNC, &ss);
	if (r >= 0)
		r = fedjit_store_record_verified(ss, argv[2], &st, tok.token ? &tok : NULL);
	if (r >= 0)
		r = fedjit_store_set_lock_reason(ss, argv[2], lock);
	fedjit_store_close(ss);
	free(list);
	if (r < 0) {
		fprintf(stderr, "mkstate: %s\n", fedjit_store_strerror(r));
		return 1;
	}
	return 0;
}

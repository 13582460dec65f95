/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The account state and refresh token records of the private store
 * (common/account_state.h): the codec refuses what it cannot hold and decodes
 * exactly what it encodes; the store API keeps, replaces and erases them
 * (lock, delete), in transactions or a login's batch; the records of the
 * secret store, where they were first, move once.
 */
#include "tests/unit/store_fixture.h"

#include "common/account_state.h"

static char *groups3[] = {"staff", "ops\nteam", "Grüne", NULL};

static struct fedjit_account_state sample_state(void)
{
	return (struct fedjit_account_state){
	        .last_verified = 1700000100,
	        .last_check = -5,
	        .verified_by = FEDJIT_VERIFIED_REFRESH,
	        .check_result = FEDJIT_CHECK_UNREACHABLE,
	        .lock_reason = FEDJIT_LOCK_NONE,
	        .groups_claim = true,
	        .groups = groups3,
	        .n_groups = 3,
	};
}

static const struct fedjit_refresh_token sample_token = {
        .obtained = 1700000000,
        .expires = 1700086400,
        .issuer = "https://idp.example/realms/corp",
        .client_id = "fedjit-host",
        .token = "eyJhbGciOi.refresh-SECRET-1",
};

static void test_state_codec(void **unused)
{
	struct fedjit_account_state st = sample_state(), *got = NULL, bad;
	char *one[] = {"", NULL}, big[FEDJIT_STATE_GROUP_MAX + 2];
	TDB_DATA d;

	assert_int_equal(fedjit_record_encode_state(&st, &d), 0);
	assert_int_equal(d.dptr[0], 1);
	assert_int_equal(fedjit_record_decode_state(d, &got), 0);
	assert_int_equal(got->last_verified, 1700000100);
	assert_int_equal(got->last_check, -5);
	assert_int_equal(got->verified_by, FEDJIT_VERIFIED_REFRESH);
	assert_int_equal(got->check_result, FEDJIT_CHECK_UNREACHABLE);
	assert_true(got->groups_claim);
	assert_int_equal(got->n_groups, 3);
	assert_string_equal(got->groups[1], "ops\nteam");
	assert_string_equal(got->groups[2], "Grüne");
	assert_null(got->groups[3]);
	assert_true(fedjit_account_state_in_groups(got, (char *[]){"x", "Grüne", NULL}));
	assert_false(fedjit_account_state_in_groups(got, (char *[]){"ops", NULL}));
	assert_true(fedjit_account_state_in_groups(got, NULL));
	fedjit_account_state_free(got);

	/* every cut and every extra byte is refused */
	for (size_t n = 0; n < d.dsize; n++)
		assert_int_equal(fedjit_record_decode_state((TDB_DATA){d.dptr, n}, &got), -EBADMSG);
	unsigned char *longer = calloc(1, d.dsize + 1);
	memcpy(longer, d.dptr, d.dsize);
	assert_int_equal(fedjit_record_decode_state((TDB_DATA){longer, d.dsize + 1}, &got),
	                 -EBADMSG);
	/* unknown flag bits, reasons, reserved bytes */
	for (size_t i = 1; i < 32; i++) {
		if (i >= 8 && i < 28)
			continue; /* times and count: any value decodes or is length-checked */
		memcpy(longer, d.dptr, d.dsize);
		longer[i] = 0x7f;
		assert_int_equal(fedjit_record_decode_state((TDB_DATA){longer, d.dsize}, &got),
		                 -EBADMSG);
	}
	free(longer);
	free(d.dptr);

	/* no groups claim: no groups, and not in any allowed group */
	st = (struct fedjit_account_state){.last_verified = 1};
	assert_int_equal(fedjit_record_encode_state(&st, &d), 0);
	assert_int_equal(d.dsize, 32);
	assert_int_equal(fedjit_record_decode_state(d, &got), 0);
	assert_false(got->groups_claim);
	assert_false(fedjit_account_state_in_groups(got, (char *[]){"staff", NULL}));
	fedjit_account_state_free(got);
	free(d.dptr);

	/* what the format cannot hold */
	bad = sample_state();
	bad.groups_claim = false;
	assert_int_equal(fedjit_record_encode_state(&bad, &d), -EINVAL);
	bad = sample_state();
	bad.groups = one;
	bad.n_groups = 1;
	assert_int_equal(fedjit_record_encode_state(&bad, &d), -EINVAL);
	memset(big, 'g', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	one[0] = big;
	assert_int_equal(fedjit_record_encode_state(&bad, &d), -EINVAL);
	big[FEDJIT_STATE_GROUP_MAX] = '\0';
	assert_int_equal(fedjit_record_encode_state(&bad, &d), 0);
	free(d.dptr);
	bad = sample_state();
	bad.lock_reason = 3;
	assert_int_equal(fedjit_record_encode_state(&bad, &d), -EINVAL);
	bad = sample_state();
	bad.n_groups = FEDJIT_STATE_GROUPS_MAX + 1;
	assert_int_equal(fedjit_record_encode_state(&bad, &d), -EINVAL);

	assert_string_equal(fedjit_lock_reason_string(FEDJIT_LOCK_IDP), "disabled at the IdP");
	assert_string_equal(fedjit_lock_reason_string(FEDJIT_LOCK_ADMIN), "administrator");
	assert_string_equal(fedjit_lock_reason_string(9), "unknown");
}

static void test_refresh_codec(void **unused)
{
	struct fedjit_refresh_token t = sample_token, *got = NULL;
	char *huge = malloc(FEDJIT_REFRESH_TOKEN_MAX + 2);
	TDB_DATA d;

	assert_int_equal(fedjit_record_encode_refresh(&t, &d), 0);
	assert_int_equal(fedjit_record_decode_refresh(d, &got), 0);
	assert_string_equal(got->token, sample_token.token);
	assert_string_equal(got->client_id, "fedjit-host");
	assert_string_equal(got->issuer, sample_token.issuer);
	assert_int_equal(got->obtained, 1700000000);
	assert_int_equal(got->expires, 1700086400);
	fedjit_refresh_token_free(got);
	for (size_t n = 0; n < d.dsize; n++)
		assert_int_equal(fedjit_record_decode_refresh((TDB_DATA){d.dptr, n}, &got),
		                 -EBADMSG);
	d.dptr[3] = 1; /* reserved */
	assert_int_equal(fedjit_record_decode_refresh(d, &got), -EBADMSG);
	free(d.dptr);

	/* tokens and client ids are printable ASCII, bounded */
	t.token = "a b\tc";
	assert_int_equal(fedjit_record_encode_refresh(&t, &d), -EINVAL);
	t.token = "";
	assert_int_equal(fedjit_record_encode_refresh(&t, &d), -EINVAL);
	memset(huge, 'r', FEDJIT_REFRESH_TOKEN_MAX + 1);
	huge[FEDJIT_REFRESH_TOKEN_MAX + 1] = '\0';
	t.token = huge;
	assert_int_equal(fedjit_record_encode_refresh(&t, &d), -EINVAL);
	huge[FEDJIT_REFRESH_TOKEN_MAX] = '\0';
	assert_int_equal(fedjit_record_encode_refresh(&t, &d), 0);
	free(d.dptr);
	t = sample_token;
	t.client_id = "caf\xc3\xa9";
	assert_int_equal(fedjit_record_encode_refresh(&t, &d), -EINVAL);
	t = sample_token;
	t.issuer = NULL;
	assert_int_equal(fedjit_record_encode_refresh(&t, &d), -EINVAL);
	free(huge);
}

static void test_store_state(void **state)
{
	struct fx *f = *state;
	struct fedjit_store *s = open_rw(f);
	struct fedjit_account_state st = sample_state(), *got = NULL;
	struct fedjit_refresh_token *tok = NULL, rotated = sample_token;
	struct fedjit_user u;
	char buf[256];

	assert_int_equal(fedjit_store_get_state(s, "alice", &got), -ENOENT);
	assert_int_equal(fedjit_store_has_refresh_token(s, "alice"), 0);

	/* a login: state and token in one go */
	assert_int_equal(fedjit_store_record_verified(s, "alice", &st, &sample_token), 0);
	assert_int_equal(fedjit_store_get_state(s, "alice", &got), 0);
	assert_int_equal(got->n_groups, 3);
	fedjit_account_state_free(got);
	assert_int_equal(fedjit_store_has_refresh_token(s, "alice"), 1);

	/* a refresh without a new token keeps the old one; with one, rotates it */
	st.groups_claim = false;
	st.n_groups = 0;
	assert_int_equal(fedjit_store_record_verified(s, "alice", &st, NULL), 0);
	assert_int_equal(fedjit_store_get_refresh_token(s, "alice", &tok), 0);
	assert_string_equal(tok->token, sample_token.token);
	fedjit_refresh_token_free(tok);
	rotated.token = "refresh-SECRET-2";
	assert_int_equal(fedjit_store_record_verified(s, "alice", &st, &rotated), 0);
	assert_int_equal(fedjit_store_get_refresh_token(s, "alice", &tok), 0);
	assert_string_equal(tok->token, "refresh-SECRET-2");
	fedjit_refresh_token_free(tok);
	assert_int_equal(fedjit_store_get_state(s, "alice", &got), 0);
	assert_false(got->groups_claim);
	assert_int_equal(got->n_groups, 0);
	fedjit_account_state_free(got);

	/* a bad state is refused whole: the token is not replaced either */
	st.check_result = 99;
	assert_int_equal(fedjit_store_record_verified(s, "alice", &st, &sample_token), -EINVAL);
	assert_int_equal(fedjit_store_get_refresh_token(s, "alice", &tok), 0);
	assert_string_equal(tok->token, "refresh-SECRET-2");
	fedjit_refresh_token_free(tok);
	st.check_result = FEDJIT_CHECK_OK;

	/* a verification never changes the lock reason */
	assert_int_equal(fedjit_store_set_lock_reason(s, "dora", FEDJIT_LOCK_ADMIN), 0);
	st.lock_reason = FEDJIT_LOCK_NONE;
	assert_int_equal(fedjit_store_record_verified(s, "dora", &st, NULL), 0);
	assert_int_equal(fedjit_store_get_state(s, "dora", &got), 0);
	assert_int_equal(got->lock_reason, FEDJIT_LOCK_ADMIN);
	fedjit_account_state_free(got);

	/* lock: reason kept, token erased; unlock keeps the rest */
	assert_int_equal(fedjit_store_set_lock_reason(s, "alice", FEDJIT_LOCK_IDP), 0);
	assert_int_equal(fedjit_store_has_refresh_token(s, "alice"), 0);
	assert_int_equal(fedjit_store_get_state(s, "alice", &got), 0);
	assert_int_equal(got->lock_reason, FEDJIT_LOCK_IDP);
	assert_int_equal(got->last_verified, 1700000100);
	fedjit_account_state_free(got);
	assert_int_equal(fedjit_store_set_lock_reason(s, "alice", FEDJIT_LOCK_NONE), 0);
	assert_int_equal(fedjit_store_get_state(s, "alice", &got), 0);
	assert_int_equal(got->lock_reason, FEDJIT_LOCK_NONE);
	assert_int_equal(got->last_verified, 1700000100);
	fedjit_account_state_free(got);
	assert_int_equal(fedjit_store_set_lock_reason(s, "alice", 3), -EINVAL);

	/* a lock of an account never verified creates the record */
	assert_int_equal(fedjit_store_set_lock_reason(s, "bob", FEDJIT_LOCK_ADMIN), 0);
	assert_int_equal(fedjit_store_get_state(s, "bob", &got), 0);
	assert_int_equal(got->lock_reason, FEDJIT_LOCK_ADMIN);
	assert_int_equal(got->last_verified, 0);
	fedjit_account_state_free(got);

	/* the token alone */
	assert_int_equal(fedjit_store_set_refresh_token(s, "carol", &sample_token), 0);
	assert_int_equal(fedjit_store_has_refresh_token(s, "carol"), 1);
	assert_int_equal(fedjit_store_set_refresh_token(s, "carol", NULL), 0);
	assert_int_equal(fedjit_store_has_refresh_token(s, "carol"), 0);

	/* a login inside a batch writes nothing until the batch commits, and a
	 * cancelled batch leaves nothing */
	assert_int_equal(fedjit_store_batch_begin(s), 0);
	assert_int_equal(fedjit_store_record_verified(s, "erin", &st, &sample_token), 0);
	assert_int_equal(fedjit_store_batch_end(s, -ECANCELED), -ECANCELED);
	assert_int_equal(fedjit_store_get_state(s, "erin", &got), -ENOENT);
	assert_int_equal(fedjit_store_has_refresh_token(s, "erin"), 0);

	/* an account's deletion erases its records; a new account of the same
	 * name starts without any (the leftovers of a crash go) */
	u = mkuser(buf, sizeof(buf), 7, "corp");
	assert_int_equal(fedjit_store_create_account(s, &u, NULL, NULL, 0), 0);
	assert_int_equal(fedjit_store_record_verified(s, u.name, &st, &sample_token), 0);
	assert_int_equal(fedjit_store_delete_account(s, u.name), 0);
	assert_int_equal(fedjit_store_get_state(s, u.name, &got), -ENOENT);
	assert_int_equal(fedjit_store_has_refresh_token(s, u.name), 0);
	assert_int_equal(fedjit_store_record_verified(s, u.name, &st, &sample_token), 0);
	assert_int_equal(fedjit_store_create_account(s, &u, NULL, NULL, 0), 0);
	assert_int_equal(fedjit_store_get_state(s, u.name, &got), -ENOENT);
	assert_int_equal(fedjit_store_has_refresh_token(s, u.name), 0);

	/* names no record can have */
	assert_int_equal(fedjit_store_get_state(s, "", &got), -ENOENT);
	assert_int_equal(fedjit_store_set_state(s, "", &st), -EINVAL);
	fedjit_store_close(s);
	f->s = NULL;

	/* read-only handles read, never write */
	assert_int_equal(fedjit_store_open(f->path, FEDJIT_STORE_RDONLY, &s), 0);
	assert_int_equal(fedjit_store_get_state(s, "bob", &got), 0);
	fedjit_account_state_free(got);
	assert_int_equal(fedjit_store_set_lock_reason(s, "bob", FEDJIT_LOCK_NONE), -EROFS);
	fedjit_store_close(s);
}

/* A record written into the secret store the way fedjit kept them there. */
static void legacy_put(const char *secret, int (*keyfn)(char *, const char *, TDB_DATA *),
                       const char *name, TDB_DATA data)
{
	struct tdb_context *t = tdb_open(secret, 0, 0, O_RDWR, 0);
	char kb[FEDJIT_KEY_MAX];
	TDB_DATA key;

	assert_non_null(t);
	assert_int_equal(keyfn(kb, name, &key), 0);
	assert_int_equal(tdb_store(t, key, data, TDB_REPLACE), 0);
	tdb_close(t);
	free(data.dptr);
}

static int legacy_count(const char *secret)
{
	struct tdb_context *t = tdb_open(secret, 0, 0, O_RDONLY, 0);
	int n = 0;

	assert_non_null(t);
	for (TDB_DATA k = tdb_firstkey(t), next; k.dptr; k = next) {
		n += (k.dsize > 6 && memcmp(k.dptr, "state/", 6) == 0) ||
		     (k.dsize > 8 && memcmp(k.dptr, "refresh/", 8) == 0);
		next = tdb_nextkey(t, k);
		free(k.dptr);
	}
	tdb_close(t);
	return n;
}

/* The records of the secret store move into the private store at the first
 * root open that knows where the secret store is; what the private store
 * already has wins; the secret store's copies go. */
static void test_state_move(void **state)
{
	struct fx *f = *state;
	struct fedjit_account_state st = sample_state(), *got = NULL;
	struct fedjit_secret_store *ss = NULL;
	struct fedjit_store *s = open_rw(f);
	TDB_DATA d;

	/* bob already verified in the private store, with no groups */
	st.n_groups = 0;
	st.groups_claim = false;
	assert_int_equal(fedjit_store_set_state(s, "bob", &st), 0);
	fedjit_store_close(s);
	f->s = NULL;
	assert_int_equal(
	        fedjit_secret_open(f->secret, FEDJIT_STORE_CREATE | FEDJIT_STORE_NOSYNC, &ss), 0);
	assert_int_equal(fedjit_secret_set_password_hash(ss, "alice", "$y$j9T$s$h"), 0);
	fedjit_secret_close(ss);
	st = sample_state();
	assert_int_equal(fedjit_record_encode_state(&st, &d), 0);
	legacy_put(f->secret, fedjit_key_state, "alice", d);
	assert_int_equal(fedjit_record_encode_refresh(&sample_token, &d), 0);
	legacy_put(f->secret, fedjit_key_refresh, "alice", d);
	assert_int_equal(fedjit_record_encode_state(&st, &d), 0);
	legacy_put(f->secret, fedjit_key_state, "bob", d);
	assert_int_equal(legacy_count(f->secret), 3);

	/* without the secret store's path nothing moves */
	fedjit_store_set_legacy_secret(NULL, NULL);
	assert_int_equal(fedjit_store_open(f->path, FEDJIT_STORE_RDONLY, &s), 0);
	assert_int_equal(fedjit_store_get_state(s, "alice", &got), -ENOENT);
	fedjit_store_close(s);

	/* a read-only open moves nothing (it never waits for the writers' lock)
	 * but reads what the private store does not have yet where it is */
	/* nor into another store (a dry run's scratch store, a copy) */
	fedjit_store_set_legacy_secret(f->secret, f->secret);
	fedjit_store_close(open_rw(f));
	f->s = NULL;
	assert_int_equal(legacy_count(f->secret), 3);
	fedjit_store_set_legacy_secret(f->path, f->secret);
	assert_int_equal(fedjit_store_open(f->path, FEDJIT_STORE_RDONLY, &s), 0);
	assert_int_equal(fedjit_store_get_state(s, "alice", &got), 0);
	assert_int_equal(got->n_groups, 3);
	fedjit_account_state_free(got);
	assert_int_equal(fedjit_store_get_state(s, "bob", &got), 0);
	assert_int_equal(got->n_groups, 0);
	fedjit_account_state_free(got);
	fedjit_store_close(s);
	assert_int_equal(legacy_count(f->secret), 3);

	/* the next read-write open moves them */
	fedjit_store_close(open_rw(f));
	f->s = NULL;
	assert_int_equal(fedjit_store_open(f->path, FEDJIT_STORE_RDONLY, &s), 0);
	assert_int_equal(fedjit_store_get_state(s, "alice", &got), 0);
	assert_int_equal(got->n_groups, 3);
	fedjit_account_state_free(got);
	assert_int_equal(fedjit_store_has_refresh_token(s, "alice"), 1);
	assert_int_equal(fedjit_store_get_state(s, "bob", &got), 0);
	assert_int_equal(got->n_groups, 0); /* the private store's own record won */
	fedjit_account_state_free(got);
	fedjit_store_close(s);
	assert_int_equal(legacy_count(f->secret), 0);
	/* the rest of the secret store stays */
	assert_int_equal(fedjit_secret_open(f->secret, FEDJIT_STORE_RDONLY, &ss), 0);
	char *hash = NULL;
	assert_int_equal(fedjit_secret_get_password_hash(ss, "alice", &hash), 0);
	fedjit_secret_free(hash);
	fedjit_secret_close(ss);

	/* once moved, never again: a record that shows up in the secret store later
	 * (a crash between the move's two commits) is not read, and db recover's
	 * clean-up deletes it */
	assert_int_equal(fedjit_record_encode_state(&st, &d), 0);
	legacy_put(f->secret, fedjit_key_state, "carol", d);
	s = open_rw(f);
	assert_int_equal(fedjit_store_get_state(s, "carol", &got), -ENOENT);
	assert_int_equal(fedjit_secret_open(f->secret, 0, &ss), 0);
	assert_int_equal(fedjit_store_drop_moved_state(s, ss), 1);
	fedjit_secret_close(ss);
	assert_int_equal(legacy_count(f->secret), 0);
	assert_consistent(s);
	fedjit_store_set_legacy_secret(NULL, NULL);
}

/* Whether a file's bytes hold needle. */
static bool file_holds(const char *path, const char *needle)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	size_t n;
	bool found;

	assert_non_null(fp);
	buf = malloc(64 << 20);
	assert_non_null(buf);
	n = fread(buf, 1, 64 << 20, fp);
	fclose(fp);
	found = memmem(buf, n, needle, strlen(needle)) != NULL;
	free(buf);
	return found;
}

/* The token is in the private store's file, not in the world-readable store
 * beside it; a lock erases the record (tdb may keep the freed bytes in the
 * root-only file until they are reused: SECURITY.md, known limitations). */
static void test_token_only_in_private_file(void **state)
{
	struct fx *f = *state;
	struct fedjit_store *s = open_rw(f);
	struct fedjit_refresh_token *tok = NULL;
	char priv[PATH_MAX];

	assert_int_equal(fedjit_store_private_path(f->path, priv, sizeof(priv)), 0);
	assert_int_equal(fedjit_store_set_refresh_token(s, "alice", &sample_token), 0);
	assert_true(file_holds(priv, "refresh-SECRET-1"));
	assert_false(file_holds(f->path, "refresh-SECRET-1"));
	assert_int_equal(fedjit_store_set_lock_reason(s, "alice", FEDJIT_LOCK_ADMIN), 0);
	assert_int_equal(fedjit_store_get_refresh_token(s, "alice", &tok), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_state_codec),
	        cmocka_unit_test(test_refresh_codec),
	        cmocka_unit_test_setup_teardown(test_store_state, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_state_move, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_token_only_in_private_file, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

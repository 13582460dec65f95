/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mkstate DB NAME LAST_VERIFIED never|login|refresh none|admin|idp
 *         [TOKEN [ISSUER CLIENT_ID]]:
 * write an account state record (common/account_state.h) and, with TOKEN, a
 * refresh token for NAME into the private store of the store DB (created if
 * missing), for the
 * admin tool's tests of what `fedjit user show` says and what `fedjit user lock`
 * erases, and for the revalidation benchmark. The token's issuer and client
 * default to https://idp.example.com and fedjit.
 * mkstate DB - reads the same arguments after DB from standard
 * input, one record a line, separated by spaces (many accounts, one open).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/account_state.h"
#include "common/store.h"

static int word(const char *s, const char *const *words, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, words[i]) == 0)
			return (int)i;
	return -1;
}

/* One record: args[0..n) are NAME LAST_VERIFIED BY REASON [TOKEN [ISSUER CLIENT]]. */
static int one(struct fedjit_store *s, char **args, int n)
{
	static const char *const by[] = {"never", "login", "refresh"};
	static const char *const reasons[] = {"none", "admin", "idp"};
	struct fedjit_account_state st = {0};
	int b, reason, r;

	if (n < 4 || n > 7 || n == 6)
		return -EINVAL;
	b = word(args[2], by, 3);
	reason = word(args[3], reasons, 3);
	if (b < 0 || reason < 0)
		return -EINVAL;
	st.last_verified = strtoll(args[1], NULL, 10);
	st.last_check = st.last_verified;
	st.verified_by = (uint8_t)b;
	st.check_result = b == 2 ? FEDJIT_CHECK_OK : FEDJIT_CHECK_NONE;
	st.lock_reason = (uint8_t)reason;
	r = fedjit_store_set_state(s, args[0], &st);
	if (r >= 0 && n >= 5) {
		struct fedjit_refresh_token t = {
		        .obtained = (int64_t)time(NULL),
		        .issuer = n == 7 ? args[5] : "https://idp.example.com",
		        .client_id = n == 7 ? args[6] : "fedjit",
		        .token = args[4],
		};

		r = fedjit_store_set_refresh_token(s, args[0], &t);
	}
	return r;
}

int main(int argc, char **argv)
{
	struct fedjit_store *ss = NULL;
	int r;

	if (argc < 3) {
		fprintf(stderr, "usage: mkstate DB NAME LAST_VERIFIED never|login|refresh "
		                "none|admin|idp [TOKEN [ISSUER CLIENT_ID]]\n"
		                "       mkstate DB - (the same, a line each, on stdin)\n");
		return 2;
	}
	r = fedjit_store_open(argv[1], FEDJIT_STORE_CREATE | FEDJIT_STORE_NOSYNC, &ss);
	if (r >= 0 && strcmp(argv[2], "-") == 0) {
		char line[16384];

		while (r >= 0 && fgets(line, sizeof(line), stdin)) {
			char *args[8];
			int n = 0;

			for (char *tok = strtok(line, " \t\n"); tok && n < 8;
			     tok = strtok(NULL, " \t\n"))
				args[n++] = tok;
			r = one(ss, args, n);
		}
	} else if (r >= 0) {
		r = one(ss, argv + 2, argc - 2);
	}
	fedjit_store_close(ss);
	if (r == -EINVAL)
		return 2;
	if (r < 0) {
		fprintf(stderr, "mkstate: %s\n", fedjit_store_strerror(r));
		return 1;
	}
	return 0;
}

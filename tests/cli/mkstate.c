/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mkstate SECRET_DB NAME LAST_VERIFIED never|login|refresh none|admin|idp [TOKEN]:
 * write an account state record (common/account_state.h) and, with TOKEN, a
 * refresh token for NAME into the secret store (created if missing), for the
 * admin tool's tests of what `fedjit user show` says and what `fedjit user lock`
 * erases. The token's issuer and client are fixed test values.
 */
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

int main(int argc, char **argv)
{
	static const char *const by[] = {"never", "login", "refresh"};
	static const char *const reasons[] = {"none", "admin", "idp"};
	struct fedjit_secret_store *ss = NULL;
	struct fedjit_account_state st = {0};
	int b, reason, r;

	if (argc < 6 || argc > 7) {
		fprintf(stderr, "usage: mkstate SECRET_DB NAME LAST_VERIFIED never|login|refresh "
		                "none|admin|idp [TOKEN]\n");
		return 2;
	}
	b = word(argv[4], by, 3);
	reason = word(argv[5], reasons, 3);
	if (b < 0 || reason < 0)
		return 2;
	st.last_verified = strtoll(argv[3], NULL, 10);
	st.last_check = st.last_verified;
	st.verified_by = (uint8_t)b;
	st.check_result = b == 2 ? FEDJIT_CHECK_OK : FEDJIT_CHECK_NONE;
	st.lock_reason = (uint8_t)reason;
	r = fedjit_secret_open(argv[1], FEDJIT_STORE_CREATE | FEDJIT_STORE_NOSYNC, &ss);
	if (r >= 0)
		r = fedjit_secret_set_state(ss, argv[2], &st);
	if (r >= 0 && argc == 7) {
		struct fedjit_refresh_token t = {
		        .obtained = (int64_t)time(NULL),
		        .issuer = "https://idp.example.com",
		        .client_id = "fedjit",
		        .token = argv[6],
		};

		r = fedjit_secret_set_refresh_token(ss, argv[2], &t);
	}
	fedjit_secret_close(ss);
	if (r < 0) {
		fprintf(stderr, "mkstate: %s\n", fedjit_store_strerror(r));
		return 1;
	}
	return 0;
}

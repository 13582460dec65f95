/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a login tells the private store about the account it verified: the
 * account state record (when, how, the IdP groups and whether the token had
 * the groups claim) and the refresh token the IdP issued (common/account_state.h).
 * Written for the account the identity owns, at every device-flow login,
 * refused ones included (a login refused for allowed_groups records the groups
 * that refused it, so the account phase refuses SSH keys too). A dry run
 * writes nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "pam/provision/provision_private.h"

int fedjit_prov_load_state(const struct prov_run *run, const char *name,
                           struct fedjit_account_state **ret)
{
	*ret = NULL;
	if (!run->store)
		return -EBADF;
	return fedjit_store_get_state(run->store, name, ret); /* -ENOENT: nothing recorded */
}

void fedjit_prov_state_from_identity(const struct fedjit_identity *id, int64_t now,
                                     struct fedjit_account_state *ret)
{
	*ret = (struct fedjit_account_state){
	        .last_verified = now,
	        .verified_by = FEDJIT_VERIFIED_LOGIN,
	        .groups_claim = id->groups_claim,
	        /* the encoder only reads them */
	        .groups = id->groups_claim ? (char **)id->groups : NULL,
	        .n_groups = id->groups_claim ? id->n_groups : 0,
	};
	if (ret->n_groups > FEDJIT_STATE_GROUPS_MAX)
		ret->n_groups = FEDJIT_STATE_GROUPS_MAX; /* the ID token's limit is the same */
}

bool fedjit_prov_token_from_identity(const struct prov_run *run, struct fedjit_refresh_token *ret)
{
	const struct fedjit_identity *id = run->id;

	if (!id->refresh_token)
		return false;
	*ret = (struct fedjit_refresh_token){
	        .obtained = run->now,
	        .expires = id->refresh_expires_in > 0 ? run->now + id->refresh_expires_in : 0,
	        .issuer = (char *)id->issuer,
	        .client_id = run->ctx->idp->client_id,
	        .token = (char *)id->refresh_token,
	};
	return true;
}

/* Whether the record can hold it: a write that fails inside the account's
 * batch would cancel the login's other writes with it. */
static bool encodes(const struct fedjit_account_state *st, const struct fedjit_refresh_token *t)
{
	TDB_DATA d = {0};
	int r = st ? fedjit_record_encode_state(st, &d) : fedjit_record_encode_refresh(t, &d);

	if (d.dptr) {
		explicit_bzero(d.dptr, d.dsize);
		free(d.dptr);
	}
	return r >= 0;
}

int fedjit_prov_record_verified(struct prov_run *run, const char *name, bool keep_token)
{
	struct fedjit_account_state st;
	struct fedjit_refresh_token tok;
	bool have_token = keep_token && fedjit_prov_token_from_identity(run, &tok);
	bool opened = false;
	int r;

	if (run->ctx->dry_run)
		return 0;
	fedjit_prov_state_from_identity(run->id, run->now, &st);
	if (run->ctx->revalidation) {
		st.verified_by = FEDJIT_VERIFIED_REFRESH;
		st.last_check = run->now;
		st.check_result = FEDJIT_CHECK_OK;
	}
	if (!encodes(&st, NULL)) {
		syslog(LOG_AUTHPRIV | LOG_WARNING,
		       "provisioning: the verification of %s is not recorded (an IdP group name "
		       "longer than %d bytes): the account phase works from the previous record",
		       name, FEDJIT_STATE_GROUP_MAX);
		return 0;
	}
	if (have_token && !encodes(NULL, &tok)) {
		syslog(LOG_AUTHPRIV | LOG_WARNING,
		       "provisioning: the refresh token of %s is not kept (longer than %d "
		       "bytes or not printable): no revalidation without a device flow",
		       name, FEDJIT_REFRESH_TOKEN_MAX);
		have_token = false;
	}
	if (!run->store) {
		r = fedjit_store_open(run->db_file, FEDJIT_STORE_POINT | run->ctx->store_flags,
		                      &run->store);
		if (r < 0)
			goto out;
		opened = true;
	}
	r = fedjit_store_record_verified(run->store, name, &st, have_token ? &tok : NULL);
	if (opened) {
		fedjit_store_close(run->store);
		run->store = NULL;
	}
out:
	if (r < 0)
		syslog(LOG_AUTHPRIV | LOG_ERR,
		       "provisioning: recording the verification of %s in %s failed: %s (the "
		       "account phase works from the previous record)",
		       name, run->db_file, fedjit_store_strerror(r));
	return r;
}

void fedjit_provision_record_login(const struct fedjit_prov_ctx *ctx,
                                   const struct fedjit_identity *id, const char *account,
                                   bool keep_token)
{
	struct fedjit_prov_result res;
	struct prov_run run;

	fedjit_prov_run_init(&run, ctx, &res);
	run.id = id;
	fedjit_prov_record_verified(&run, account, keep_token);
}

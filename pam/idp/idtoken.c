/* SPDX-License-Identifier: Apache-2.0 */
/* ID token claim validation after the JWS verified (jws.c); the checks, their order and
 * their return values are listed in idtoken.h. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/macro.h"
#include "pam/idp/idtoken.h"
#include "pam/idp/jws.h"

#define MAX_AUDIENCES 64
#define MAX_ARRAY     1024
/* NumericDate bound (year 2500): larger values are garbage, and stay far from overflow. */
#define MAX_TIME INT64_C(16725225600)

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		explicit_bzero(v[i], strlen(v[i]));
		free(v[i]);
	}
	free(v);
}

void fedjit_idtoken_free(struct fedjit_idtoken *t)
{
	if (!t)
		return;
	char **strs[] = {&t->iss,  &t->sub,      &t->azp,
	                 &t->acr,  &t->amr_json, &t->preferred_username,
	                 &t->name, &t->email,    &t->kid};
	for (size_t i = 0; i < FEDJIT_ELEMENTSOF(strs); i++)
		fedjit_secret_free(*strs[i]);
	strv_free(t->aud, t->n_aud);
	strv_free(t->groups, t->n_groups);
	fedjit_json_decref_scrub(t->claims);
	free(t);
}

/* Every string anywhere in the claims, every array and the number of members are bounded:
 * the IdP (or whoever signs with its key) must not make us allocate without limit
 * downstream (database records, group rows). */
static int check_limits(json_t *j, char **ret_reason)
{
	if (json_is_string(j)) {
		if (json_string_length(j) > FEDJIT_CLAIM_MAX_LEN)
			return fedjit_reason(-E2BIG, ret_reason,
			                     "claims: a string exceeds %d bytes",
			                     FEDJIT_CLAIM_MAX_LEN);
	} else if (json_is_array(j)) {
		size_t i;
		json_t *v;
		if (json_array_size(j) > MAX_ARRAY)
			return fedjit_reason(-E2BIG, ret_reason,
			                     "claims: an array exceeds %d elements", MAX_ARRAY);
		json_array_foreach(j, i, v)
		{
			int r = check_limits(v, ret_reason);
			if (r < 0)
				return r;
		}
	} else if (json_is_object(j)) {
		const char *k;
		json_t *v;
		if (json_object_size(j) > FEDJIT_IDTOKEN_MAX_CLAIMS)
			return fedjit_reason(-E2BIG, ret_reason, "claims: more than %d members",
			                     FEDJIT_IDTOKEN_MAX_CLAIMS);
		json_object_foreach(j, k, v)
		{
			if (strlen(k) > FEDJIT_CLAIM_MAX_LEN)
				return fedjit_reason(-E2BIG, ret_reason,
				                     "claims: a name exceeds %d bytes",
				                     FEDJIT_CLAIM_MAX_LEN);
			int r = check_limits(v, ret_reason);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* NumericDate (RFC 7519 §2): integer or real seconds; -1 when absent. */
static int get_time(json_t *claims, const char *name, int64_t *ret, char **ret_reason)
{
	json_t *v = json_object_get(claims, name);
	if (!v) {
		*ret = -1;
		return 0;
	}
	double d = json_number_value(v);
	if (!json_is_number(v) || !isfinite(d) || d < 0 || d > (double)MAX_TIME)
		return fedjit_reason(-EBADMSG, ret_reason, "%s: not a valid NumericDate", name);
	*ret = json_is_integer(v) ? (int64_t)json_integer_value(v) : (int64_t)d;
	return 0;
}

static int dup_optional(json_t *claims, const char *name, char **ret)
{
	json_t *v = json_object_get(claims, name);
	if (!json_is_string(v) || json_string_length(v) == 0) {
		*ret = NULL;
		return 0;
	}
	return (*ret = strdup(json_string_value(v))) ? 0 : -ENOMEM;
}

static int get_groups(json_t *claims, const char *name, char ***ret, size_t *ret_n,
                      char **ret_reason)
{
	json_t *v = json_object_get(claims, name);
	size_t n;

	*ret = NULL;
	*ret_n = 0;
	if (!v || json_is_null(v))
		return 0;
	/* Some IdPs send a single group as a plain string (Keycloak's mapper without
	 * "multivalued", AD FS for one group): one name, taken whole. A string that reads as
	 * a joined list ("admins,users") is refused, never split and never one group: a split
	 * would trust a separator the IdP never promised, one group would let the
	 * administrator believe a membership is checked that never matches. Spaces do not
	 * count: real group names have them ("Domain Users"). */
	n = json_is_string(v) ? 1 : json_is_array(v) ? json_array_size(v) : 0;
	if (!json_is_string(v) && !json_is_array(v))
		return fedjit_reason(-EBADMSG, ret_reason, "%s: not an array of strings", name);
	if (json_is_string(v) && strpbrk(json_string_value(v), ",;\n\r\t"))
		return fedjit_reason(
		        -EBADMSG, ret_reason,
		        "%s: a string that reads as a list (a comma, semicolon or line "
		        "break in it); fedjit takes a string as one group name and "
		        "does not split it: let the IdP send a JSON array",
		        name);
	if (n > FEDJIT_IDTOKEN_MAX_GROUPS)
		return fedjit_reason(-E2BIG, ret_reason, "%s: %zu groups (at most %d)", name, n,
		                     FEDJIT_IDTOKEN_MAX_GROUPS);
	char **g = calloc(n + 1, sizeof(char *));
	if (!g)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_is_string(v) ? v : json_array_get(v, i);
		const char *s = json_string_value(e);
		if (!s || json_string_length(e) == 0 || strlen(s) != json_string_length(e)) {
			strv_free(g, i);
			return fedjit_reason(-EBADMSG, ret_reason, "%s: entry %zu is not a name",
			                     name, i);
		}
		if (json_string_length(e) > FEDJIT_GROUP_MAX_LEN) {
			strv_free(g, i);
			return fedjit_reason(-E2BIG, ret_reason, "%s: entry %zu exceeds %d bytes",
			                     name, i, FEDJIT_GROUP_MAX_LEN);
		}
		if (!(g[i] = strdup(s))) {
			strv_free(g, i);
			return -ENOMEM;
		}
	}
	*ret = g;
	*ret_n = n;
	return 0;
}

/* Fills the convenience fields that may also come from userinfo. */
static int fill_profile(struct fedjit_idtoken *t, const char *groups_claim, char **ret_reason)
{
	char *pu = NULL, *name = NULL, *email = NULL, **groups = NULL;
	size_t n_groups;
	int r;

	if (dup_optional(t->claims, "preferred_username", &pu) < 0 ||
	    dup_optional(t->claims, "name", &name) < 0 ||
	    dup_optional(t->claims, "email", &email) < 0) {
		r = -ENOMEM;
		goto fail;
	}
	r = get_groups(t->claims, groups_claim ? groups_claim : "groups", &groups, &n_groups,
	               ret_reason);
	if (r < 0)
		goto fail;
	json_t *ev = json_object_get(t->claims, "email_verified");
	/* Some IdPs (older Cognito) send the boolean as a string. */
	t->email_verified = json_is_boolean(ev) ? json_is_true(ev)
	                    : json_is_string(ev) && strcmp(json_string_value(ev), "true") == 0 ? 1
	                    : json_is_string(ev) && strcmp(json_string_value(ev), "false") == 0
	                            ? 0
	                            : -1;
	fedjit_secret_free(t->preferred_username);
	fedjit_secret_free(t->name);
	fedjit_secret_free(t->email);
	strv_free(t->groups, t->n_groups);
	t->preferred_username = pu;
	t->name = name;
	t->email = email;
	t->groups = groups;
	t->n_groups = n_groups;
	return 0;
fail:
	free(pu);
	free(name);
	free(email);
	return r;
}

static int check_audience(struct fedjit_idtoken *t, const char *client_id, char **ret_reason)
{
	json_t *aud = json_object_get(t->claims, "aud");
	size_t n = json_is_string(aud) ? 1 : json_is_array(aud) ? json_array_size(aud) : 0;
	bool found = false;

	if (n == 0)
		return fedjit_reason(-EBADMSG, ret_reason, "aud: missing or empty");
	if (n > MAX_AUDIENCES)
		return fedjit_reason(-E2BIG, ret_reason, "aud: more than %d audiences",
		                     MAX_AUDIENCES);
	if (!(t->aud = calloc(n, sizeof(char *))))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_is_string(aud) ? aud : json_array_get(aud, i);
		if (!json_is_string(e))
			return fedjit_reason(-EBADMSG, ret_reason, "aud: not a string");
		if (!(t->aud[i] = strdup(json_string_value(e))))
			return -ENOMEM;
		t->n_aud = i + 1;
		if (strcmp(t->aud[i], client_id) == 0)
			found = true;
	}
	if (!found)
		return fedjit_reason(-EACCES, ret_reason, "aud: token not issued for client \"%s\"",
		                     client_id);

	json_t *azp = json_object_get(t->claims, "azp");
	if (azp && !json_is_string(azp))
		return fedjit_reason(-EBADMSG, ret_reason, "azp: not a string");
	if (!azp && n > 1)
		return fedjit_reason(-EACCES, ret_reason, "azp: missing with several audiences");
	if (azp) {
		if (strcmp(json_string_value(azp), client_id) != 0)
			return fedjit_reason(-EACCES, ret_reason,
			                     "azp: token authorized for another client");
		if (!(t->azp = strdup(json_string_value(azp))))
			return -ENOMEM;
	}
	return 0;
}

/*
 * The ID token's iss against the configured issuer: exactly equal (OIDC Core
 * 3.1.3.7), with one documented exception. Google's ID tokens carry iss
 * "https://accounts.google.com" or, for some clients, the bare
 * "accounts.google.com" (Google's OpenID Connect documentation, "Validating
 * an ID token"). The bare form is accepted for that one issuer and no other;
 * the identity is recorded under the configured issuer either way.
 */
static bool issuer_matches(const char *iss, const char *issuer)
{
	static const char google[] = "https://accounts.google.com";

	if (strcmp(iss, issuer) == 0)
		return true;
	return strcmp(issuer, google) == 0 && strcmp(iss, google + strlen("https://")) == 0;
}

static int check_claims(struct fedjit_idtoken *t, const struct fedjit_idtoken_expect *x,
                        char **ret_reason)
{
	const char *s;
	int r;

	/* iss before anything else: a token of another issuer is not ours to judge further. */
	json_t *iss = json_object_get(t->claims, "iss");
	if (!json_is_string(iss))
		return fedjit_reason(-EBADMSG, ret_reason, "iss: missing");
	if (!issuer_matches(json_string_value(iss), x->issuer))
		return fedjit_reason(-EACCES, ret_reason,
		                     "iss: \"%.200s\" is not the issuer \"%s\"",
		                     json_string_value(iss), x->issuer);
	if (!(t->iss = strdup(x->issuer)))
		return -ENOMEM;

	r = check_audience(t, x->client_id, ret_reason);
	if (r < 0)
		return r;

	r = fedjit_json_get_string(t->claims, "sub", FEDJIT_SUB_MAX_LEN, &s);
	if (r < 0 || !s)
		return fedjit_reason(r == -E2BIG ? -E2BIG : -EBADMSG, ret_reason,
		                     "sub: missing, empty, too long or with control characters");
	if (!(t->sub = strdup(s)))
		return -ENOMEM;

	if ((r = get_time(t->claims, "exp", &t->exp, ret_reason)) < 0 ||
	    (r = get_time(t->claims, "iat", &t->iat, ret_reason)) < 0 ||
	    (r = get_time(t->claims, "nbf", &t->nbf, ret_reason)) < 0 ||
	    (r = get_time(t->claims, "auth_time", &t->auth_time, ret_reason)) < 0)
		return r;
	int64_t now = x->now, leeway = x->leeway;
	if (t->exp < 0)
		return fedjit_reason(-EBADMSG, ret_reason, "exp: missing");
	if (now >= t->exp + leeway)
		return fedjit_reason(-ETIME, ret_reason, "exp: token expired %" PRId64 " s ago",
		                     now - t->exp);
	if (t->nbf >= 0 && t->nbf > now + leeway)
		return fedjit_reason(-ETIME, ret_reason, "nbf: token not valid for %" PRId64 " s",
		                     t->nbf - now);
	if (t->iat < 0)
		return fedjit_reason(-EBADMSG, ret_reason, "iat: missing");
	if (t->iat > now + leeway)
		return fedjit_reason(-ETIME, ret_reason,
		                     "iat: issued %" PRId64 " s in the future (clock skew?)",
		                     t->iat - now);

	if (x->nonce) {
		json_t *nonce = json_object_get(t->claims, "nonce");
		if (!json_is_string(nonce) || strcmp(json_string_value(nonce), x->nonce) != 0)
			return fedjit_reason(-EACCES, ret_reason, "nonce: missing or wrong");
	}
	if (x->max_age >= 0) {
		if (t->auth_time < 0)
			return fedjit_reason(-ETIME, ret_reason, "auth_time: missing (max_age)");
		if (now - t->auth_time > x->max_age + leeway)
			return fedjit_reason(-ETIME, ret_reason,
			                     "auth_time: authentication %" PRId64
			                     " s old exceeds max_age",
			                     now - t->auth_time);
	}

	json_t *acr = json_object_get(t->claims, "acr");
	if (acr && !json_is_string(acr))
		return fedjit_reason(-EBADMSG, ret_reason, "acr: not a string");
	if (x->acr_values) {
		bool ok = false;
		for (const char *const *a = x->acr_values; acr && *a; a++)
			if (strcmp(*a, json_string_value(acr)) == 0)
				ok = true;
		if (!ok)
			return fedjit_reason(-EACCES, ret_reason,
			                     "acr: authentication context %s%.100s%s not accepted",
			                     acr ? "\"" : "", acr ? json_string_value(acr) : "none",
			                     acr ? "\"" : "");
	}
	if (acr && !(t->acr = strdup(json_string_value(acr))))
		return -ENOMEM;
	json_t *amr = json_object_get(t->claims, "amr");
	if (json_is_array(amr) && !(t->amr_json = json_dumps(amr, JSON_COMPACT)))
		return -ENOMEM;
	return fill_profile(t, x->groups_claim, ret_reason);
}

int fedjit_idtoken_verify(const char *compact_jws, const struct fedjit_jwks *jwks,
                          const struct fedjit_idtoken_expect *expect, struct fedjit_idtoken **ret,
                          char **ret_reason)
{
	struct fedjit_jws jws = {0};
	struct fedjit_idtoken *t = NULL;
	int r;

	if (!expect || !expect->issuer || !expect->client_id || !jwks)
		return fedjit_reason(-EINVAL, ret_reason,
		                     "no issuer, client id or keys configured");
	r = fedjit_jws_verify(compact_jws, FEDJIT_IDTOKEN_MAX_SIZE, jwks, expect->algs, &jws,
	                      ret_reason);
	if (r < 0)
		return r;
	if (!(t = calloc(1, sizeof(*t)))) {
		r = -ENOMEM;
		goto out;
	}
	t->email_verified = -1;
	t->alg = jws.alg;
	t->kid = jws.kid;
	jws.kid = NULL;
	r = fedjit_json_load_object((const char *)jws.payload, jws.payload_len,
	                            FEDJIT_IDTOKEN_MAX_SIZE, &t->claims, ret_reason);
	if (r < 0) {
		fedjit_reason(r, ret_reason, "payload: %s",
		              ret_reason && *ret_reason ? *ret_reason : "invalid JSON");
		goto out;
	}
	r = check_limits(t->claims, ret_reason);
	if (r < 0)
		goto out;
	r = check_claims(t, expect, ret_reason);
	if (r < 0)
		goto out;
	*ret = t;
	t = NULL;
out:
	fedjit_idtoken_free(t);
	fedjit_jws_done(&jws);
	return r;
}

const char *fedjit_idtoken_claim_string(const struct fedjit_idtoken *t, const char *name)
{
	return json_string_value(json_object_get(t->claims, name));
}

bool fedjit_idtoken_groups_elsewhere(const struct fedjit_idtoken *t, const char *groups_claim)
{
	const char *claim = groups_claim ? groups_claim : "groups";
	json_t *v = json_object_get(t->claims, claim);

	if (v && !json_is_null(v))
		return false;
	/* Entra ID's implicit-flow form of the same: "hasgroups": true */
	if (strcmp(claim, "groups") == 0 && json_is_true(json_object_get(t->claims, "hasgroups")))
		return true;
	return json_object_get(json_object_get(t->claims, "_claim_names"), claim) != NULL;
}

int fedjit_idtoken_merge_userinfo(struct fedjit_idtoken *t, const char *data, size_t len,
                                  const char *groups_claim, char **ret_reason)
{
	json_t *ui = NULL;
	const char *k;
	json_t *v;
	int r;

	r = fedjit_json_load_object(data, len, FEDJIT_USERINFO_MAX_SIZE, &ui, ret_reason);
	if (r < 0)
		return r;
	r = check_limits(ui, ret_reason);
	if (r < 0)
		goto out;
	/* OIDC Core §5.3.2: the UserInfo sub must be verified to match the ID token's. */
	json_t *sub = json_object_get(ui, "sub");
	if (!json_is_string(sub) || strcmp(json_string_value(sub), t->sub) != 0) {
		r = fedjit_reason(-EACCES, ret_reason, "userinfo: sub does not match the ID token");
		goto out;
	}
	/* Work on a copy so a limit hit leaves the token unchanged. */
	json_t *merged = json_copy(t->claims);
	if (!merged) {
		r = -ENOMEM;
		goto out;
	}
	json_object_foreach(ui, k,
	                    v) if (!json_object_get(merged, k) && json_object_set(merged, k, v) < 0)
	{
		fedjit_json_decref_scrub(merged);
		r = -ENOMEM;
		goto out;
	}
	r = check_limits(merged, ret_reason);
	if (r < 0) {
		fedjit_json_decref_scrub(merged);
		goto out;
	}
	json_t *old = t->claims;
	t->claims = merged;
	r = fill_profile(t, groups_claim, ret_reason);
	if (r < 0) {
		t->claims = old;
		fedjit_json_decref_scrub(merged);
		goto out;
	}
	fedjit_json_decref_scrub(old);
out:
	fedjit_json_decref_scrub(ui);
	return r;
}

int fedjit_idtoken_from_userinfo(const char *data, size_t len, const char *issuer,
                                 const char *subject, const char *groups_claim,
                                 struct fedjit_idtoken **ret, char **ret_reason)
{
	struct fedjit_idtoken *t = calloc(1, sizeof(*t));
	int r;

	*ret = NULL;
	if (!t)
		return -ENOMEM;
	t->nbf = -1;
	t->auth_time = -1;
	t->email_verified = -1;
	t->iss = strdup(issuer);
	t->sub = strdup(subject);
	/* only the subject to start from: every other claim is UserInfo's */
	t->claims = json_pack("{ss}", "sub", subject);
	if (!t->iss || !t->sub || !t->claims) {
		fedjit_idtoken_free(t);
		return -ENOMEM;
	}
	r = fedjit_idtoken_merge_userinfo(t, data, len, groups_claim, ret_reason);
	if (r < 0) {
		fedjit_idtoken_free(t);
		return r;
	}
	*ret = t;
	return 0;
}

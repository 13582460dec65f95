/* SPDX-License-Identifier: Apache-2.0 */
/* Device authorization and token endpoint responses; the formats and limits are documented
 * in token_response.h. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/macro.h"
#include "pam/idp/discovery.h"
#include "pam/idp/idtoken.h"
#include "pam/idp/token_response.h"

#define TOKEN_MAX       (64 * 1024)
#define ERROR_CODE_MAX  128
#define ERROR_DESC_MAX  1024
#define DEVICE_CODE_MAX 1024
#define USER_CODE_MAX   128
#define MESSAGE_MAX     1024

static const char *const error_names[] = {
        [FEDJIT_OAUTH_AUTHORIZATION_PENDING] = "authorization_pending",
        [FEDJIT_OAUTH_SLOW_DOWN] = "slow_down",
        [FEDJIT_OAUTH_ACCESS_DENIED] = "access_denied",
        [FEDJIT_OAUTH_EXPIRED_TOKEN] = "expired_token",
        [FEDJIT_OAUTH_INVALID_GRANT] = "invalid_grant",
        [FEDJIT_OAUTH_INVALID_CLIENT] = "invalid_client",
        [FEDJIT_OAUTH_INVALID_REQUEST] = "invalid_request",
        [FEDJIT_OAUTH_INVALID_SCOPE] = "invalid_scope",
        [FEDJIT_OAUTH_UNAUTHORIZED_CLIENT] = "unauthorized_client",
        [FEDJIT_OAUTH_UNSUPPORTED_GRANT_TYPE] = "unsupported_grant_type",
};

enum fedjit_oauth_error fedjit_oauth_error_from_string(const char *code)
{
	for (size_t i = 1; code && i < FEDJIT_ELEMENTSOF(error_names); i++)
		if (strcmp(code, error_names[i]) == 0)
			return (enum fedjit_oauth_error)i;
	return FEDJIT_OAUTH_OTHER;
}

/* A string member made of RFC 6749 VSCHARs (%x20-7E): tokens, codes, token_type. */
static int get_vschar(json_t *doc, const char *name, size_t max, bool required, char **ret,
                      char **ret_reason)
{
	json_t *v = json_object_get(doc, name);

	*ret = NULL;
	if (!v)
		return required ? fedjit_reason(-EBADMSG, ret_reason, "%s: missing", name) : 0;
	if (!json_is_string(v) || json_string_length(v) == 0)
		return fedjit_reason(-EBADMSG, ret_reason, "%s: not a non-empty string", name);
	if (json_string_length(v) > max)
		return fedjit_reason(-E2BIG, ret_reason, "%s: longer than %zu bytes", name, max);
	const char *s = json_string_value(v);
	for (size_t i = 0; i < json_string_length(v); i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return fedjit_reason(-EBADMSG, ret_reason, "%s: invalid characters", name);
	return (*ret = strdup(s)) ? 0 : -ENOMEM;
}

/* A lifetime in seconds: a JSON integer, or (Azure AD v1 did this) a string of digits. */
static int get_seconds(json_t *doc, const char *name, int64_t *ret, char **ret_reason)
{
	json_t *v = json_object_get(doc, name);

	*ret = -1;
	if (!v)
		return 0;
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*ret = json_integer_value(v);
		return 0;
	}
	if (json_is_string(v) && json_string_length(v) > 0 && json_string_length(v) <= 9 &&
	    strspn(json_string_value(v), "0123456789") == json_string_length(v)) {
		*ret = strtoll(json_string_value(v), NULL, 10);
		return 0;
	}
	return fedjit_reason(-EBADMSG, ret_reason, "%s: not a number of seconds", name);
}

static void error_info_done(struct fedjit_oauth_error_info *e)
{
	free(e->error_code);
	free(e->error_description);
}

/* RFC 6749 §5.2. Returns 1 when doc is an error response (parsed into *e), 0 when not. */
static int parse_error(json_t *doc, struct fedjit_oauth_error_info *e, char **ret_reason)
{
	json_t *v;
	int r;

	if (!json_object_get(doc, "error"))
		return 0;
	/* The charset excludes '"' and '\'. */
	r = get_vschar(doc, "error", ERROR_CODE_MAX, true, &e->error_code, ret_reason);
	if (r < 0)
		return r;
	if (strpbrk(e->error_code, "\"\\"))
		return fedjit_reason(-EBADMSG, ret_reason, "error: invalid characters");
	e->error = fedjit_oauth_error_from_string(e->error_code);
	/* The description is for people and may be logged: keep printable ASCII only, cut at
	 * ERROR_DESC_MAX; a malformed one is dropped rather than failing the response. */
	v = json_object_get(doc, "error_description");
	if (json_is_string(v)) {
		size_t l = json_string_length(v);
		if (l > ERROR_DESC_MAX)
			l = ERROR_DESC_MAX;
		if (!(e->error_description = strndup(json_string_value(v), l)))
			return -ENOMEM;
		for (char *p = e->error_description; *p; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
				*p = '?';
	}
	return 1;
}

void fedjit_device_auth_free(struct fedjit_device_auth *d)
{
	if (!d)
		return;
	error_info_done(&d->err);
	fedjit_secret_free(d->device_code);
	fedjit_secret_free(d->user_code);
	free(d->verification_uri);
	free(d->verification_uri_complete);
	free(d->message);
	free(d);
}

static int get_uri(json_t *doc, const char *name, char **ret, char **ret_reason)
{
	int r = get_vschar(doc, name, FEDJIT_URL_MAX_LEN, false, ret, ret_reason);
	if (r < 0 || !*ret)
		return r;
	r = fedjit_url_check_https(*ret, ret_reason);
	if (r < 0) {
		free(*ret);
		*ret = NULL;
		return fedjit_reason(r, ret_reason, "%s: not an https URL", name);
	}
	return 0;
}

int fedjit_device_auth_parse(const char *data, size_t len, struct fedjit_device_auth **ret,
                             char **ret_reason)
{
	struct fedjit_device_auth *d = NULL;
	json_t *doc = NULL;
	const char *msg;
	int r;

	r = fedjit_json_load_object(data, len, FEDJIT_DEVICE_AUTH_MAX_SIZE, &doc, ret_reason);
	if (r < 0)
		return r;
	if (!(d = calloc(1, sizeof(*d)))) {
		r = -ENOMEM;
		goto out;
	}
	r = parse_error(doc, &d->err, ret_reason);
	if (r < 0)
		goto out;
	if (r > 0)
		goto done;
	if ((r = get_vschar(doc, "device_code", DEVICE_CODE_MAX, true, &d->device_code,
	                    ret_reason)) < 0 ||
	    (r = get_vschar(doc, "user_code", USER_CODE_MAX, true, &d->user_code, ret_reason)) <
	            0 ||
	    (r = get_uri(doc, "verification_uri", &d->verification_uri, ret_reason)) < 0 ||
	    (r = get_uri(doc, "verification_uri_complete", &d->verification_uri_complete,
	                 ret_reason)) < 0)
		goto out;
	/* Google's device endpoint says "verification_url" (its pre-RFC name). */
	if (!d->verification_uri &&
	    (r = get_uri(doc, "verification_url", &d->verification_uri, ret_reason)) < 0)
		goto out;
	if (!d->verification_uri) {
		r = fedjit_reason(-EBADMSG, ret_reason, "verification_uri: missing");
		goto out;
	}
	if ((r = get_seconds(doc, "expires_in", &d->expires_in, ret_reason)) < 0 ||
	    (r = get_seconds(doc, "interval", &d->interval, ret_reason)) < 0)
		goto out;
	if (d->expires_in < 1 || d->expires_in > FEDJIT_DEVICE_EXPIRES_MAX) {
		r = fedjit_reason(-EBADMSG, ret_reason, "expires_in: missing or not in 1..%d",
		                  FEDJIT_DEVICE_EXPIRES_MAX);
		goto out;
	}
	/* RFC 8628 §3.2: 5 seconds when absent. 0 would make us hammer the IdP. */
	if (d->interval < 1)
		d->interval = FEDJIT_DEVICE_INTERVAL_DEFAULT;
	if (d->interval > FEDJIT_DEVICE_INTERVAL_MAX) {
		r = fedjit_reason(-EBADMSG, ret_reason, "interval: more than %d s",
		                  FEDJIT_DEVICE_INTERVAL_MAX);
		goto out;
	}
	/* Entra ID's ready-made sentence; UTF-8 allowed, control characters not. */
	r = fedjit_json_get_string(doc, "message", MESSAGE_MAX, &msg);
	if (r < 0) {
		r = fedjit_reason(r, ret_reason, "message: malformed or too long");
		goto out;
	}
	if (msg && !(d->message = strdup(msg))) {
		r = -ENOMEM;
		goto out;
	}
done:
	*ret = d;
	d = NULL;
	r = 0;
out:
	fedjit_device_auth_free(d);
	fedjit_json_decref_scrub(doc);
	return r;
}

void fedjit_token_response_free(struct fedjit_token_response *t)
{
	if (!t)
		return;
	error_info_done(&t->err);
	fedjit_secret_free(t->access_token);
	fedjit_secret_free(t->id_token);
	fedjit_secret_free(t->refresh_token);
	free(t->token_type);
	free(t->scope);
	free(t);
}

static int token_response_parse(const char *data, size_t len, bool id_token_optional,
                                struct fedjit_token_response **ret, char **ret_reason)
{
	struct fedjit_token_response *t = NULL;
	json_t *doc = NULL;
	int r;

	r = fedjit_json_load_object(data, len, FEDJIT_TOKEN_RESPONSE_MAX_SIZE, &doc, ret_reason);
	if (r < 0)
		return r;
	if (!(t = calloc(1, sizeof(*t)))) {
		r = -ENOMEM;
		goto out;
	}
	t->expires_in = -1;
	t->refresh_expires_in = -1;
	r = parse_error(doc, &t->err, ret_reason);
	if (r < 0)
		goto out;
	if (r > 0)
		goto done;
	if ((r = get_vschar(doc, "access_token", TOKEN_MAX, true, &t->access_token, ret_reason)) <
	            0 ||
	    (r = get_vschar(doc, "token_type", 64, true, &t->token_type, ret_reason)) < 0 ||
	    (r = get_vschar(doc, "refresh_token", TOKEN_MAX, false, &t->refresh_token,
	                    ret_reason)) < 0 ||
	    (r = get_vschar(doc, "scope", 4096, false, &t->scope, ret_reason)) < 0 ||
	    (r = get_seconds(doc, "expires_in", &t->expires_in, ret_reason)) < 0 ||
	    (r = get_seconds(doc, "refresh_expires_in", &t->refresh_expires_in, ret_reason)) < 0)
		goto out;
	if (!json_object_get(doc, "id_token") && id_token_optional)
		goto done;
	if (!json_object_get(doc, "id_token")) {
		r = fedjit_reason(-EBADMSG, ret_reason,
		                  "id_token: missing (was the openid scope requested?)");
		goto out;
	}
	r = get_vschar(doc, "id_token", FEDJIT_IDTOKEN_MAX_SIZE, true, &t->id_token, ret_reason);
	if (r < 0)
		goto out;
done:
	*ret = t;
	t = NULL;
	r = 0;
out:
	fedjit_token_response_free(t);
	fedjit_json_decref_scrub(doc);
	return r;
}

int fedjit_token_response_parse(const char *data, size_t len, struct fedjit_token_response **ret,
                                char **ret_reason)
{
	return token_response_parse(data, len, false, ret, ret_reason);
}

int fedjit_token_response_parse_refresh(const char *data, size_t len,
                                        struct fedjit_token_response **ret, char **ret_reason)
{
	return token_response_parse(data, len, true, ret, ret_reason);
}

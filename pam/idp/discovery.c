/* SPDX-License-Identifier: Apache-2.0 */
/* OpenID Provider metadata validation; the rules are documented in discovery.h. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/macro.h"
#include "pam/idp/discovery.h"

int fedjit_url_check_https(const char *url, char **ret_reason)
{
	size_t len = url ? strlen(url) : 0;

	if (len == 0)
		return fedjit_reason(-EPROTO, ret_reason, "empty URL");
	if (len > FEDJIT_URL_MAX_LEN)
		return fedjit_reason(-EPROTO, ret_reason, "URL longer than %d bytes",
		                     FEDJIT_URL_MAX_LEN);
	if (strncasecmp(url, "https://", 8) != 0)
		return fedjit_reason(-EPROTO, ret_reason, "URL \"%.200s\" is not https", url);
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return fedjit_reason(
			        -EPROTO, ret_reason,
			        "URL contains whitespace, control or non-ASCII characters");
	if (strchr(url, '#'))
		return fedjit_reason(-EPROTO, ret_reason, "URL \"%.200s\" has a fragment", url);
	const char *host = url + 8;
	size_t authority = strcspn(host, "/?");
	if (authority == 0 || host[0] == ':')
		return fedjit_reason(-EPROTO, ret_reason, "URL \"%.200s\" has no host", url);
	/* user:password@host would send credentials, or hide the real host from a reader. */
	if (memchr(host, '@', authority))
		return fedjit_reason(-EPROTO, ret_reason, "URL \"%.200s\" has userinfo", url);
	return 0;
}

void fedjit_discovery_free(struct fedjit_discovery *d)
{
	if (!d)
		return;
	free(d->issuer);
	free(d->token_endpoint);
	free(d->jwks_uri);
	free(d->device_authorization_endpoint);
	free(d->authorization_endpoint);
	free(d->userinfo_endpoint);
	free(d);
}

/* The host of a URL that passed fedjit_url_check_https: after "https://", up to the
 * port, path or query; an IPv6 literal with its brackets. */
static void url_host(const char *url, const char **ret, size_t *ret_len)
{
	const char *host = url + 8;
	size_t n = strcspn(host, "/?");

	if (host[0] == '[') {
		const char *end = memchr(host, ']', n);
		n = end ? (size_t)(end - host) + 1 : n;
	} else {
		n = strcspn(host, ":/?");
	}
	*ret = host;
	*ret_len = n;
}

/* Is url on the issuer's host or one of the listed hosts? */
static bool host_allowed(const char *url, const char *issuer, const char *const *hosts)
{
	const char *h, *ih;
	size_t n, in;

	url_host(url, &h, &n);
	url_host(issuer, &ih, &in);
	if (n == in && strncasecmp(h, ih, n) == 0)
		return true;
	for (size_t i = 0; hosts && hosts[i]; i++)
		if (strlen(hosts[i]) == n && strncasecmp(h, hosts[i], n) == 0)
			return true;
	return false;
}

struct url_rules {
	const char *issuer;
	const char *const *hosts;
};

/* An endpoint member: required ones missing give -ENOENT; every present one must be a
 * string, an https URL, and on an allowed host. */
static int get_url(json_t *doc, const char *name, bool required, const struct url_rules *rules,
                   char **ret, char **ret_reason)
{
	json_t *v = json_object_get(doc, name);
	int r;

	*ret = NULL;
	if (!v || json_is_null(v))
		return required ? fedjit_reason(-ENOENT, ret_reason, "%s: missing", name) : 0;
	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
		return fedjit_reason(-EBADMSG, ret_reason, "%s: not a string", name);
	r = fedjit_url_check_https(json_string_value(v), ret_reason);
	if (r < 0)
		return fedjit_reason(r, ret_reason, "%s: URL \"%.200s\" rejected (https only)",
		                     name, json_string_value(v));
	if (!host_allowed(json_string_value(v), rules->issuer, rules->hosts)) {
		const char *h;
		size_t n;

		url_host(json_string_value(v), &h, &n);
		return fedjit_reason(-EPERM, ret_reason,
		                     "%s: host %.*s is neither the issuer's nor listed in "
		                     "endpoint_hosts",
		                     name, (int)(n > 200 ? 200 : n), h);
	}
	return (*ret = strdup(json_string_value(v))) ? 0 : -ENOMEM;
}

static int get_algs(json_t *doc, unsigned *ret, char **ret_reason)
{
	json_t *v = json_object_get(doc, "id_token_signing_alg_values_supported"), *e;
	size_t i;
	unsigned algs = 0;

	*ret = 0;
	if (!v)
		return 0;
	if (!json_is_array(v))
		return fedjit_reason(-EBADMSG, ret_reason,
		                     "id_token_signing_alg_values_supported: not an array");
	json_array_foreach(v, i, e)
	{
		enum fedjit_jose_alg a = fedjit_jose_alg_from_string(json_string_value(e));
		if (a != FEDJIT_JOSE_ALG_INVALID)
			algs |= FEDJIT_JOSE_ALG_BIT(a);
	}
	if (!algs)
		return fedjit_reason(-EBADMSG, ret_reason,
		                     "id_token_signing_alg_values_supported: no algorithm fedjit "
		                     "accepts (RS*, PS*, ES256, ES384, EdDSA)");
	*ret = algs;
	return 0;
}

static unsigned get_auth_methods(json_t *doc)
{
	static const struct {
		const char *name;
		unsigned bit;
	} methods[] = {
	        {"none", FEDJIT_AUTH_METHOD_NONE},
	        {"client_secret_basic", FEDJIT_AUTH_METHOD_CLIENT_SECRET_BASIC},
	        {"client_secret_post", FEDJIT_AUTH_METHOD_CLIENT_SECRET_POST},
	        {"private_key_jwt", FEDJIT_AUTH_METHOD_PRIVATE_KEY_JWT},
	        {"client_secret_jwt", FEDJIT_AUTH_METHOD_CLIENT_SECRET_JWT},
	};
	json_t *v = json_object_get(doc, "token_endpoint_auth_methods_supported"), *e;
	unsigned bits = 0;
	size_t i;

	if (!json_is_array(v))
		return FEDJIT_AUTH_METHOD_CLIENT_SECRET_BASIC; /* RFC 8414 §2 default */
	json_array_foreach(v, i, e) for (size_t m = 0; m < FEDJIT_ELEMENTSOF(methods);
	                                 m++) if (json_is_string(e) && strcmp(json_string_value(e),
	                                                                      methods[m].name) == 0)
	        bits |= methods[m].bit;
	return bits;
}

int fedjit_discovery_parse(const char *data, size_t len, const char *issuer,
                           const char *device_endpoint_override, const char *const *endpoint_hosts,
                           struct fedjit_discovery **ret, char **ret_reason)
{
	const struct url_rules rules = {issuer, endpoint_hosts};
	struct fedjit_discovery *d = NULL;
	json_t *doc = NULL;
	int r;

	if (!issuer)
		return fedjit_reason(-EINVAL, ret_reason, "no issuer configured");
	r = fedjit_json_load_object(data, len, FEDJIT_DISCOVERY_MAX_SIZE, &doc, ret_reason);
	if (r < 0)
		return r;
	if (!(d = calloc(1, sizeof(*d)))) {
		r = -ENOMEM;
		goto out;
	}
	json_t *iss = json_object_get(doc, "issuer");
	if (!iss) {
		r = fedjit_reason(-ENOENT, ret_reason, "issuer: missing");
		goto out;
	}
	if (!json_is_string(iss)) {
		r = fedjit_reason(-EBADMSG, ret_reason, "issuer: not a string");
		goto out;
	}
	/* OIDC Discovery §4.3: exactly the issuer the configuration names. */
	if (json_string_length(iss) != strlen(issuer) || strcmp(json_string_value(iss), issuer)) {
		r = fedjit_reason(-EACCES, ret_reason,
		                  "issuer: document is for \"%.200s\", not the configured \"%s\"",
		                  json_string_value(iss), issuer);
		goto out;
	}
	r = fedjit_url_check_https(issuer, ret_reason);
	if (r < 0) {
		r = fedjit_reason(r, ret_reason, "issuer: \"%s\" is not an https URL", issuer);
		goto out;
	}
	if (strchr(issuer, '?')) {
		r = fedjit_reason(-EPROTO, ret_reason, "issuer: has a query component");
		goto out;
	}
	if (!(d->issuer = strdup(issuer))) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = get_url(doc, "token_endpoint", true, &rules, &d->token_endpoint, ret_reason)) <
	            0 ||
	    (r = get_url(doc, "jwks_uri", true, &rules, &d->jwks_uri, ret_reason)) < 0 ||
	    (r = get_url(doc, "authorization_endpoint", false, &rules, &d->authorization_endpoint,
	                 ret_reason)) < 0 ||
	    (r = get_url(doc, "userinfo_endpoint", false, &rules, &d->userinfo_endpoint,
	                 ret_reason)) < 0 ||
	    (r = get_url(doc, "device_authorization_endpoint", false, &rules,
	                 &d->device_authorization_endpoint, ret_reason)) < 0)
		goto out;
	if (device_endpoint_override) {
		r = fedjit_url_check_https(device_endpoint_override, ret_reason);
		if (r < 0) {
			r = fedjit_reason(r, ret_reason,
			                  "device_authorization_endpoint (configured): not https");
			goto out;
		}
		free(d->device_authorization_endpoint);
		if (!(d->device_authorization_endpoint = strdup(device_endpoint_override))) {
			r = -ENOMEM;
			goto out;
		}
	}
	if (!d->device_authorization_endpoint) {
		r = fedjit_reason(-ENOENT, ret_reason,
		                  "device_authorization_endpoint: not in the discovery document "
		                  "and not configured");
		goto out;
	}
	r = get_algs(doc, &d->id_token_algs, ret_reason);
	if (r < 0)
		goto out;
	d->auth_methods = get_auth_methods(doc);
	*ret = d;
	d = NULL;
out:
	fedjit_discovery_free(d);
	json_decref(doc);
	return r;
}

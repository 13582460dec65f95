/* SPDX-License-Identifier: Apache-2.0 */
/* Discovery documents, device authorization responses and token responses: real-world
 * shapes (Keycloak, Google, Entra ID) and the malformed ones that must fail cleanly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/macro.h"
#include "pam/idp/discovery.h"
#include "pam/idp/token_response.h"

#define ISS "https://idp.example.test/realms/corp"

/* A Keycloak-like document with every member replaceable through printf arguments. */
static char *discovery_doc(const char *issuer, const char *token_ep, const char *device_ep,
                           const char *extra)
{
	char *s;
	assert_true(asprintf(&s,
	                     "{\"issuer\":\"%s\","
	                     "\"authorization_endpoint\":\"" ISS "/protocol/openid-connect/auth\","
	                     "\"token_endpoint\":\"%s\","
	                     "\"jwks_uri\":\"" ISS "/protocol/openid-connect/certs\","
	                     "\"userinfo_endpoint\":\"" ISS "/protocol/openid-connect/userinfo\""
	                     "%s%s%s"
	                     ",\"id_token_signing_alg_values_supported\":[\"PS384\",\"RS256\","
	                     "\"HS256\",\"none\",\"EdDSA\"],"
	                     "\"token_endpoint_auth_methods_supported\":[\"private_key_jwt\","
	                     "\"client_secret_basic\",\"tls_client_auth\"]%s}",
	                     issuer, token_ep,
	                     device_ep ? ",\"device_authorization_endpoint\":\"" : "",
	                     device_ep ? device_ep : "", device_ep ? "\"" : "",
	                     extra ? extra : "") > 0);
	return s;
}

static int parse_disc(const char *doc, const char *override, struct fedjit_discovery **d,
                      const char *want_reason)
{
	char *reason = NULL;
	int r = fedjit_discovery_parse(doc, strlen(doc), ISS, override, NULL, d, &reason);
	if (r < 0) {
		assert_non_null(reason);
		if (!want_reason || !strstr(reason, want_reason))
			fail_msg("reason \"%s\", expected \"%s\"", reason,
			         want_reason ? want_reason : "(success)");
	}
	free(reason);
	return r;
}

static void test_discovery_good(void **state)
{
	char *doc = discovery_doc(ISS, ISS "/protocol/openid-connect/token",
	                          ISS "/protocol/openid-connect/auth/device", NULL);
	struct fedjit_discovery *d = NULL;
	assert_int_equal(parse_disc(doc, NULL, &d, NULL), 0);
	assert_string_equal(d->issuer, ISS);
	assert_string_equal(d->token_endpoint, ISS "/protocol/openid-connect/token");
	assert_string_equal(d->jwks_uri, ISS "/protocol/openid-connect/certs");
	assert_string_equal(d->device_authorization_endpoint,
	                    ISS "/protocol/openid-connect/auth/device");
	assert_string_equal(d->userinfo_endpoint, ISS "/protocol/openid-connect/userinfo");
	assert_int_equal(d->id_token_algs, FEDJIT_JOSE_ALG_BIT(FEDJIT_JOSE_PS384) |
	                                           FEDJIT_JOSE_ALG_BIT(FEDJIT_JOSE_RS256) |
	                                           FEDJIT_JOSE_ALG_BIT(FEDJIT_JOSE_EDDSA));
	assert_int_equal(d->auth_methods, FEDJIT_AUTH_METHOD_PRIVATE_KEY_JWT |
	                                          FEDJIT_AUTH_METHOD_CLIENT_SECRET_BASIC);
	fedjit_discovery_free(d);

	/* The configured device endpoint wins over the document's. */
	assert_int_equal(parse_disc(doc, "https://login.example.test/devicecode", &d, NULL), 0);
	assert_string_equal(d->device_authorization_endpoint,
	                    "https://login.example.test/devicecode");
	fedjit_discovery_free(d);
	free(doc);
}

static void test_discovery_issuer_mismatch(void **state)
{
	struct fedjit_discovery *d = NULL;
	const char *issuers[] = {ISS "/", "https://IDP.example.test/realms/corp",
	                         "https://evil.example.test/realms/corp",
	                         "https://login.microsoftonline.com/{tenantid}/v2.0"};
	for (size_t i = 0; i < FEDJIT_ELEMENTSOF(issuers); i++) {
		char *doc = discovery_doc(issuers[i], ISS "/token", ISS "/device", NULL);
		assert_int_equal(parse_disc(doc, NULL, &d, "not the configured"), -EACCES);
		free(doc);
	}
	assert_int_equal(
	        parse_disc("{\"token_endpoint\":\"" ISS "/t\"}", NULL, &d, "issuer: missing"),
	        -ENOENT);
	assert_int_equal(parse_disc("{\"issuer\":7}", NULL, &d, "issuer: not a string"), -EBADMSG);
	/* An http issuer configured and served: still refused. */
	char *reason = NULL;
	const char *doc =
	        "{\"issuer\":\"http://idp.test\",\"token_endpoint\":\"https://idp.test/t\","
	        "\"jwks_uri\":\"https://idp.test/k\"}";
	assert_int_equal(fedjit_discovery_parse(doc, strlen(doc), "http://idp.test", NULL, NULL, &d,
	                                        &reason),
	                 -EPROTO);
	free(reason);
}

static void test_discovery_http_endpoints(void **state)
{
	struct fedjit_discovery *d = NULL;
	char *doc = discovery_doc(ISS, "http://idp.example.test/token", ISS "/device", NULL);
	assert_int_equal(parse_disc(doc, NULL, &d, "token_endpoint"), -EPROTO);
	free(doc);
	doc = discovery_doc(ISS, ISS "/token", "http://idp.example.test/device", NULL);
	assert_int_equal(parse_disc(doc, NULL, &d, "device_authorization_endpoint"), -EPROTO);
	free(doc);
	doc = discovery_doc(ISS, ISS "/token", ISS "/device",
	                    ",\"jwks_uri\":\"http://idp.example.test/certs\"");
	/* jwks_uri appears twice: duplicate members are refused before anything else. */
	assert_int_equal(parse_disc(doc, NULL, &d, "duplicate"), -EBADMSG);
	free(doc);
	doc = discovery_doc(ISS, ISS "/token", NULL, NULL);
	assert_int_equal(parse_disc(doc, "http://idp.example.test/device", &d, "configured"),
	                 -EPROTO);
	free(doc);
}

static void test_discovery_missing(void **state)
{
	struct fedjit_discovery *d = NULL;
	/* No device endpoint in the document (older IdPs): needs the override. */
	char *doc = discovery_doc(ISS, ISS "/token", NULL, NULL);
	assert_int_equal(parse_disc(doc, NULL, &d, "device_authorization_endpoint: not in"),
	                 -ENOENT);
	assert_int_equal(parse_disc(doc, "https://oauth2.googleapis.com/device/code", &d, NULL), 0);
	fedjit_discovery_free(d);
	free(doc);
	const char *no_jwks = "{\"issuer\":\"" ISS "\",\"token_endpoint\":\"" ISS "/t\"}";
	assert_int_equal(parse_disc(no_jwks, ISS "/d", &d, "jwks_uri: missing"), -ENOENT);
	/* Only algorithms fedjit refuses: no token could ever verify. */
	const char *hs =
	        "{\"issuer\":\"" ISS "\",\"token_endpoint\":\"" ISS "/t\",\"jwks_uri\":\"" ISS
	        "/k\",\"id_token_signing_alg_values_supported\":[\"HS256\"]}";
	assert_int_equal(parse_disc(hs, ISS "/d", &d, "no algorithm"), -EBADMSG);
	assert_int_equal(parse_disc("[1]", ISS "/d", &d, "not an object"), -EBADMSG);
}

static void test_url_check(void **state)
{
	const char *good[] = {"https://a", "https://idp.test:8443/x?y=1", "HTTPS://IDP.TEST/"};
	const char *bad[] = {"http://idp.test/",
	                     "https://",
	                     "https:///path",
	                     "https://:443/",
	                     "https://u:p@idp.test/",
	                     "https://idp.test/#frag",
	                     "https://idp .test",
	                     "https://idp.test/\x01",
	                     "ftp://idp.test",
	                     "",
	                     "https://idp.test/\xc3\xa9"};
	for (size_t i = 0; i < FEDJIT_ELEMENTSOF(good); i++)
		assert_int_equal(fedjit_url_check_https(good[i], NULL), 0);
	for (size_t i = 0; i < FEDJIT_ELEMENTSOF(bad); i++) {
		char *reason = NULL;
		assert_int_equal(fedjit_url_check_https(bad[i], &reason), -EPROTO);
		assert_non_null(reason);
		free(reason);
	}
}

static struct fedjit_device_auth *device(const char *json, int want)
{
	struct fedjit_device_auth *d = NULL;
	char *reason = NULL;
	assert_int_equal(fedjit_device_auth_parse(json, strlen(json), &d, &reason), want);
	if (want < 0)
		assert_non_null(reason);
	free(reason);
	return d;
}

static void test_device_auth(void **state)
{
	/* RFC 8628 §3.2 example, without interval. */
	struct fedjit_device_auth *d = device(
	        "{\"device_code\":\"GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS\","
	        "\"user_code\":\"WDJB-MJHT\",\"verification_uri\":\"https://example.com/device\","
	        "\"verification_uri_complete\":\"https://example.com/device?user_code=WDJB-MJHT\","
	        "\"expires_in\":1800}",
	        0);
	assert_int_equal(d->err.error, FEDJIT_OAUTH_OK);
	assert_string_equal(d->device_code, "GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS");
	assert_string_equal(d->user_code, "WDJB-MJHT");
	assert_string_equal(d->verification_uri, "https://example.com/device");
	assert_string_equal(d->verification_uri_complete,
	                    "https://example.com/device?user_code=WDJB-MJHT");
	assert_int_equal(d->expires_in, 1800);
	assert_int_equal(d->interval, 5);
	assert_null(d->message);
	fedjit_device_auth_free(d);

	/* Google: verification_url. */
	d = device("{\"device_code\":\"4/4-GMMhmHCXhWEzkobqIHGG_EnNYYsAkukHspeYUk9E8\","
	           "\"user_code\":\"GQVQ-JKEC\",\"verification_url\":\"https://www.google.com/"
	           "device\","
	           "\"expires_in\":1800,\"interval\":5}",
	           0);
	assert_string_equal(d->verification_uri, "https://www.google.com/device");
	assert_null(d->verification_uri_complete);
	fedjit_device_auth_free(d);

	/* Entra ID: message; Azure AD v1 sent the numbers as strings. */
	d = device("{\"user_code\":\"FQK5HW3UF\",\"device_code\":\"DAQABAAEAAAD\","
	           "\"verification_uri\":\"https://microsoft.com/devicelogin\","
	           "\"expires_in\":\"900\",\"interval\":\"10\",\"message\":\"To sign in, use a web "
	           "browser to open the page https://microsoft.com/devicelogin and enter the code "
	           "FQK5HW3UF to authenticate.\"}",
	           0);
	assert_int_equal(d->expires_in, 900);
	assert_int_equal(d->interval, 10);
	assert_non_null(strstr(d->message, "FQK5HW3UF"));
	fedjit_device_auth_free(d);

	/* interval 0 would hammer the IdP: the default instead. */
	d = device("{\"device_code\":\"d\",\"user_code\":\"u\",\"verification_uri\":\"https://x/\","
	           "\"expires_in\":600,\"interval\":0}",
	           0);
	assert_int_equal(d->interval, 5);
	fedjit_device_auth_free(d);

	/* An error instead: kept with its code. */
	d = device("{\"error\":\"invalid_client\",\"error_description\":\"Unknown client\\u0007\"}",
	           0);
	assert_int_equal(d->err.error, FEDJIT_OAUTH_INVALID_CLIENT);
	assert_string_equal(d->err.error_code, "invalid_client");
	assert_string_equal(d->err.error_description, "Unknown client?");
	assert_null(d->device_code);
	fedjit_device_auth_free(d);
}

static void test_device_auth_bad(void **state)
{
	const char *bad[] = {
	        /* no device_code */
	        "{\"user_code\":\"u\",\"verification_uri\":\"https://x/\",\"expires_in\":600}",
	        /* device_code not a string */
	        "{\"device_code\":5,\"user_code\":\"u\",\"verification_uri\":\"https://x/\","
	        "\"expires_in\":600}",
	        /* no verification uri at all */
	        "{\"device_code\":\"d\",\"user_code\":\"u\",\"expires_in\":600}",
	        /* no expires_in, or an absurd one */
	        "{\"device_code\":\"d\",\"user_code\":\"u\",\"verification_uri\":\"https://x/\"}",
	        "{\"device_code\":\"d\",\"user_code\":\"u\",\"verification_uri\":\"https://x/\","
	        "\"expires_in\":99999999}",
	        "{\"device_code\":\"d\",\"user_code\":\"u\",\"verification_uri\":\"https://x/\","
	        "\"expires_in\":600.5}",
	        /* interval too long */
	        "{\"device_code\":\"d\",\"user_code\":\"u\",\"verification_uri\":\"https://x/\","
	        "\"expires_in\":600,\"interval\":3600}",
	        /* control characters in the user code (terminal escapes) */
	        "{\"device_code\":\"d\",\"user_code\":\"\\u001b[2J\",\"verification_uri\":"
	        "\"https://x/\",\"expires_in\":600}",
	        /* duplicate member */
	        "{\"device_code\":\"d\",\"device_code\":\"e\",\"user_code\":\"u\","
	        "\"verification_uri\":\"https://x/\",\"expires_in\":600}",
	        "not json",
	};
	for (size_t i = 0; i < FEDJIT_ELEMENTSOF(bad); i++)
		assert_null(device(bad[i], -EBADMSG));
	/* A verification URI that is not https: the person would type it into a browser. */
	assert_null(device("{\"device_code\":\"d\",\"user_code\":\"u\",\"verification_uri\":"
	                   "\"http://x/\",\"expires_in\":600}",
	                   -EPROTO));
	char *big = malloc(FEDJIT_DEVICE_AUTH_MAX_SIZE + 2);
	memset(big, ' ', FEDJIT_DEVICE_AUTH_MAX_SIZE + 1);
	big[0] = '{';
	big[FEDJIT_DEVICE_AUTH_MAX_SIZE] = '}';
	big[FEDJIT_DEVICE_AUTH_MAX_SIZE + 1] = 0;
	assert_null(device(big, -E2BIG));
	free(big);
}

static struct fedjit_token_response *tokresp(const char *json, int want)
{
	struct fedjit_token_response *t = NULL;
	char *reason = NULL;
	assert_int_equal(fedjit_token_response_parse(json, strlen(json), &t, &reason), want);
	if (want < 0)
		assert_non_null(reason);
	free(reason);
	return t;
}

static void test_token_response(void **state)
{
	struct fedjit_token_response *t =
	        tokresp("{\"access_token\":\"SlAV32hkKG\",\"token_type\":\"Bearer\","
	                "\"refresh_token\":\"8xLOxBtZp8\",\"expires_in\":3600,"
	                "\"id_token\":\"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln\","
	                "\"scope\":\"openid profile\"}",
	                0);
	assert_int_equal(t->err.error, FEDJIT_OAUTH_OK);
	assert_null(t->err.error_code);
	assert_string_equal(t->access_token, "SlAV32hkKG");
	assert_string_equal(t->token_type, "Bearer");
	assert_string_equal(t->refresh_token, "8xLOxBtZp8");
	assert_string_equal(t->id_token, "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln");
	assert_string_equal(t->scope, "openid profile");
	assert_int_equal(t->expires_in, 3600);
	fedjit_token_response_free(t);

	static const struct {
		const char *code;
		enum fedjit_oauth_error e;
	} errors[] = {
	        {"authorization_pending", FEDJIT_OAUTH_AUTHORIZATION_PENDING},
	        {"slow_down", FEDJIT_OAUTH_SLOW_DOWN},
	        {"access_denied", FEDJIT_OAUTH_ACCESS_DENIED},
	        {"expired_token", FEDJIT_OAUTH_EXPIRED_TOKEN},
	        {"invalid_grant", FEDJIT_OAUTH_INVALID_GRANT},
	        {"invalid_client", FEDJIT_OAUTH_INVALID_CLIENT},
	        {"unsupported_grant_type", FEDJIT_OAUTH_UNSUPPORTED_GRANT_TYPE},
	        {"server_error", FEDJIT_OAUTH_OTHER},
	        {"Authorization_Pending", FEDJIT_OAUTH_OTHER},
	};
	for (size_t i = 0; i < FEDJIT_ELEMENTSOF(errors); i++) {
		char *json;
		assert_true(asprintf(&json, "{\"error\":\"%s\",\"error_description\":\"x\"}",
		                     errors[i].code) > 0);
		t = tokresp(json, 0);
		assert_int_equal(t->err.error, errors[i].e);
		assert_string_equal(t->err.error_code, errors[i].code);
		assert_string_equal(t->err.error_description, "x");
		assert_null(t->access_token);
		assert_null(t->id_token);
		fedjit_token_response_free(t);
		free(json);
	}
	/* Entra ID's error response carries more members; they are ignored. */
	t = tokresp("{\"error\":\"authorization_pending\",\"error_description\":\"AADSTS70016: "
	            "OAuth 2.0 device flow error.\",\"error_codes\":[70016],\"timestamp\":\"2024\","
	            "\"trace_id\":\"t\",\"correlation_id\":\"c\"}",
	            0);
	assert_int_equal(t->err.error, FEDJIT_OAUTH_AUTHORIZATION_PENDING);
	fedjit_token_response_free(t);
}

static void test_token_response_bad(void **state)
{
	const char *bad[] = {
	        /* no id_token (openid scope missing) */
	        "{\"access_token\":\"a\",\"token_type\":\"Bearer\"}",
	        /* no access_token / token_type */
	        "{\"id_token\":\"a.b.c\",\"token_type\":\"Bearer\"}",
	        "{\"access_token\":\"a\",\"id_token\":\"a.b.c\"}",
	        /* wrong types */
	        "{\"access_token\":\"a\",\"token_type\":\"Bearer\",\"id_token\":[\"a.b.c\"]}",
	        "{\"access_token\":\"a\",\"token_type\":\"Bearer\",\"id_token\":\"a.b.c\","
	        "\"expires_in\":true}",
	        "{\"error\":42}",
	        "{\"error\":\"\"}",
	        "{\"error\":\"bad\\\"quote\"}",
	        "{\"error\":\"tab\\there\"}",
	        /* duplicates, non-objects, garbage */
	        "{\"access_token\":\"a\",\"token_type\":\"Bearer\",\"id_token\":\"a.b.c\","
	        "\"id_token\":\"d.e.f\"}",
	        "[]",
	        "\"string\"",
	        "",
	        "{\"access_token\":\"a\"",
	        "{\"access_token\":\"a\\u0000b\",\"token_type\":\"Bearer\",\"id_token\":\"a.b.c\"}",
	};
	for (size_t i = 0; i < FEDJIT_ELEMENTSOF(bad); i++) {
		assert_null(tokresp(bad[i], -EBADMSG));
	}
	size_t n = FEDJIT_TOKEN_RESPONSE_MAX_SIZE + 1;
	char *big = malloc(n + 1);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	big[n] = 0;
	assert_null(tokresp(big, -E2BIG));
	free(big);
}

/* Endpoints must be on the issuer's host or on a listed one (endpoint_hosts): a
 * document that sends the token or key requests elsewhere is refused. */
static void test_discovery_endpoint_hosts(void **state)
{
	struct fedjit_discovery *d = NULL;
	char *reason = NULL, *doc;
	static const char *const members[] = {"token_endpoint", "jwks_uri", "userinfo_endpoint",
	                                      "device_authorization_endpoint",
	                                      "authorization_endpoint"};

	/* each endpoint on another host: refused, naming the member and the host */
	for (size_t i = 0; i < FEDJIT_ELEMENTSOF(members); i++) {
		const char *good = ISS "/x";
		char *bad = "https://evil.example.test:443/x";
		assert_true(asprintf(&doc,
		                     "{\"issuer\":\"" ISS "\",\"token_endpoint\":\"%s\","
		                     "\"jwks_uri\":\"%s\",\"userinfo_endpoint\":\"%s\","
		                     "\"device_authorization_endpoint\":\"%s\","
		                     "\"authorization_endpoint\":\"%s\"}",
		                     i == 0 ? bad : good, i == 1 ? bad : good, i == 2 ? bad : good,
		                     i == 3 ? bad : good, i == 4 ? bad : good) > 0);
		assert_int_equal(
		        fedjit_discovery_parse(doc, strlen(doc), ISS, NULL, NULL, &d, &reason),
		        -EPERM);
		assert_non_null(strstr(reason, members[i]));
		assert_non_null(strstr(reason, "host evil.example.test is neither the issuer's nor "
		                               "listed in endpoint_hosts"));
		free(reason);
		reason = NULL;
		/* listed: accepted, in any case */
		const char *hosts[] = {"other.example.test", "EVIL.example.test", NULL};
		assert_int_equal(
		        fedjit_discovery_parse(doc, strlen(doc), ISS, NULL, hosts, &d, NULL), 0);
		fedjit_discovery_free(d);
		free(doc);
	}
	/* the same host on another port, another case: the issuer's host */
	doc = discovery_doc(ISS, "https://IDP.example.test:8443/t", ISS "/d", NULL);
	assert_int_equal(parse_disc(doc, NULL, &d, NULL), 0);
	fedjit_discovery_free(d);
	free(doc);
	/* a suffix or prefix of the host is another host */
	doc = discovery_doc(ISS, "https://idp.example.test.evil.test/t", ISS "/d", NULL);
	assert_int_equal(parse_disc(doc, NULL, &d, "host idp.example.test.evil.test"), -EPERM);
	free(doc);
	doc = discovery_doc(ISS, "https://xidp.example.test/t", ISS "/d", NULL);
	assert_int_equal(parse_disc(doc, NULL, &d, "host xidp.example.test"), -EPERM);
	free(doc);

	/* Google: issuer accounts.google.com, endpoints on two other hosts */
	const char *google = "{\"issuer\":\"https://accounts.google.com\","
	                     "\"authorization_endpoint\":"
	                     "\"https://accounts.google.com/o/oauth2/v2/auth\","
	                     "\"device_authorization_endpoint\":"
	                     "\"https://oauth2.googleapis.com/device/code\","
	                     "\"token_endpoint\":\"https://oauth2.googleapis.com/token\","
	                     "\"userinfo_endpoint\":"
	                     "\"https://openidconnect.googleapis.com/v1/userinfo\","
	                     "\"jwks_uri\":\"https://www.googleapis.com/oauth2/v3/certs\"}";
	assert_int_equal(fedjit_discovery_parse(google, strlen(google),
	                                        "https://accounts.google.com", NULL, NULL, &d,
	                                        &reason),
	                 -EPERM);
	free(reason);
	reason = NULL;
	const char *google_hosts[] = {"oauth2.googleapis.com", "www.googleapis.com",
	                              "openidconnect.googleapis.com", NULL};
	assert_int_equal(fedjit_discovery_parse(google, strlen(google),
	                                        "https://accounts.google.com", NULL, google_hosts,
	                                        &d, NULL),
	                 0);
	fedjit_discovery_free(d);
	/* Entra ID: everything on login.microsoftonline.com but userinfo (Graph) */
	const char *entra =
	        "{\"issuer\":\"https://login.microsoftonline.com/tid/v2.0\","
	        "\"token_endpoint\":\"https://login.microsoftonline.com/tid/oauth2/v2.0/token\","
	        "\"device_authorization_endpoint\":"
	        "\"https://login.microsoftonline.com/tid/oauth2/v2.0/devicecode\","
	        "\"jwks_uri\":\"https://login.microsoftonline.com/tid/discovery/v2.0/keys\","
	        "\"userinfo_endpoint\":\"https://graph.microsoft.com/oidc/userinfo\"}";
	assert_int_equal(fedjit_discovery_parse(entra, strlen(entra),
	                                        "https://login.microsoftonline.com/tid/v2.0", NULL,
	                                        NULL, &d, &reason),
	                 -EPERM);
	assert_non_null(strstr(reason, "userinfo_endpoint: host graph.microsoft.com"));
	free(reason);
	const char *entra_hosts[] = {"graph.microsoft.com", NULL};
	assert_int_equal(fedjit_discovery_parse(entra, strlen(entra),
	                                        "https://login.microsoftonline.com/tid/v2.0", NULL,
	                                        entra_hosts, &d, NULL),
	                 0);
	fedjit_discovery_free(d);
}

/* The refresh grant's answer (OIDC Core §12.2): an ID token may be missing; Keycloak's
 * refresh_expires_in is read (0: an offline token). */
static void test_refresh_response(void **state)
{
	const char *no_id = "{\"access_token\":\"at\",\"token_type\":\"Bearer\",\"expires_in\":300,"
	                    "\"refresh_token\":\"rt-2\",\"refresh_expires_in\":1800}";
	struct fedjit_token_response *t = NULL;
	char *reason = NULL;

	assert_int_equal(fedjit_token_response_parse_refresh(no_id, strlen(no_id), &t, &reason), 0);
	assert_null(t->id_token);
	assert_string_equal(t->refresh_token, "rt-2");
	assert_int_equal(t->refresh_expires_in, 1800);
	fedjit_token_response_free(t);
	/* a login's token response still needs its ID token */
	assert_null(tokresp(no_id, -EBADMSG));
	/* absent: -1; not a number: refused */
	const char *plain = "{\"access_token\":\"at\",\"token_type\":\"Bearer\"}";
	assert_int_equal(fedjit_token_response_parse_refresh(plain, strlen(plain), &t, NULL), 0);
	assert_int_equal(t->refresh_expires_in, -1);
	assert_null(t->refresh_token);
	fedjit_token_response_free(t);
	const char *bad =
	        "{\"access_token\":\"at\",\"token_type\":\"Bearer\",\"refresh_expires_in\":-5}";
	assert_int_equal(fedjit_token_response_parse_refresh(bad, strlen(bad), &t, &reason),
	                 -EBADMSG);
	free(reason);
	reason = NULL;
	/* invalid_grant is an error response, classified */
	const char *ig =
	        "{\"error\":\"invalid_grant\",\"error_description\":\"Token is not active\"}";
	assert_int_equal(fedjit_token_response_parse_refresh(ig, strlen(ig), &t, NULL), 0);
	assert_int_equal(t->err.error, FEDJIT_OAUTH_INVALID_GRANT);
	assert_null(t->access_token);
	fedjit_token_response_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_discovery_good),
	        cmocka_unit_test(test_discovery_endpoint_hosts),
	        cmocka_unit_test(test_discovery_issuer_mismatch),
	        cmocka_unit_test(test_discovery_http_endpoints),
	        cmocka_unit_test(test_discovery_missing),
	        cmocka_unit_test(test_url_check),
	        cmocka_unit_test(test_device_auth),
	        cmocka_unit_test(test_device_auth_bad),
	        cmocka_unit_test(test_token_response),
	        cmocka_unit_test(test_refresh_response),
	        cmocka_unit_test(test_token_response_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HTTPS transport of the helper's network child, on libcurl.
 *
 * Why libcurl directly and not liboauth2's oauth2_http_call() (1.4.5.4): that call always
 * sets CURLOPT_FOLLOWLOCATION with up to 5 redirects and allows http as a redirect target,
 * has no switch to turn that off; it logs whole request bodies (client secrets, device
 * codes) and responses (tokens) at debug level; and it offers no per-call body cap. Every
 * IdP request here instead gets:
 *   - TLS verified (peer and host name); there is no switch to turn that off;
 *   - the IdP's CA bundle as a blob (the parent read the root-only file before the child
 *     dropped privileges), otherwise the system store;
 *   - https only, also for redirects, and no redirect followed at all: a 3xx is an error;
 *   - a body cap per request (abort the transfer beyond it, -E2BIG);
 *   - a total timeout per request (and a connect timeout no longer than it).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Upper bound of any response body (each request passes its own, smaller cap). */
#define FEDJIT_HTTP_MAX_BODY (1024 * 1024)

struct fedjit_http {
	const char *ca_blob; /* PEM bundle in memory, NULL: system store; borrowed */
	size_t ca_blob_len;
	unsigned timeout_ms; /* per request */
	unsigned n_requests; /* requests attempted, for the statistics of a login */
	void *curl;          /* one easy handle for every request: its connection and TLS
	                        session caches spare a handshake between requests to the
	                        same IdP; every option is set again for each request */
};

struct fedjit_http_response {
	long status;
	char *body; /* NUL-terminated, len bytes before the NUL; may hold secrets */
	size_t len;
};

/* Releases the handle and its connections (NULL-safe, idempotent). */
void fedjit_http_close(struct fedjit_http *h);

/* Frees the body after scrubbing it (responses carry tokens). */
void fedjit_http_response_clear(struct fedjit_http_response *r);

/* Initialises libcurl once per process (call before dropping the capability to read
 * anything; harmless if repeated). Returns 0 or -ENOMEM. */
int fedjit_http_global_init(void);
void fedjit_http_global_cleanup(void);

/*
 * GET url (https only). On 0 *ret holds the response whatever its status.
 * Errors, each with a reason in *ret_reason (malloc'd; if non-NULL):
 *   -ECONNREFUSED / -EHOSTUNREACH  cannot connect / resolve
 *   -ETIMEDOUT                     request timeout
 *   -EPROTO                        TLS failure, a redirect, a non-https URL, garbage
 *   -E2BIG                         body larger than max_body
 *   -ENOMEM
 */
int fedjit_http_get(struct fedjit_http *h, const char *url, size_t max_body,
                    struct fedjit_http_response *ret, char **ret_reason);

/*
 * POST an application/x-www-form-urlencoded body (a secret: not logged). basic_user and
 * basic_password: HTTP Basic credentials, already form-urlencoded by the caller as RFC 6749
 * §2.3.1 wants, or NULL. Errors as for fedjit_http_get.
 */
int fedjit_http_post_form(struct fedjit_http *h, const char *url, const char *form,
                          const char *basic_user, const char *basic_password, size_t max_body,
                          struct fedjit_http_response *ret, char **ret_reason);

/* GET with "Authorization: Bearer TOKEN" (userinfo). Errors as above. */
int fedjit_http_get_bearer(struct fedjit_http *h, const char *url, const char *token,
                           size_t max_body, struct fedjit_http_response *ret, char **ret_reason);

/* Appends "name=value" form-urlencoded (with '&' when *form is not empty) to the malloc'd
 * string *form (may start NULL). A value that is a secret is scrubbed from the old buffer
 * when it is reallocated. Returns 0 or -ENOMEM. */
int fedjit_form_add(char **form, const char *name, const char *value);
/* Form-urlencodes s into a new string (for Basic credentials). NULL on ENOMEM. */
char *fedjit_form_encode(const char *s);

/* SPDX-License-Identifier: Apache-2.0 */
/* HTTPS transport on libcurl: see http.h for the rules every request follows. */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "common/macro.h"
#include "pam/helper/http.h"

struct body_buf {
	char *data;
	size_t len, cap, max;
	bool too_big;
};

static int reasonf(int r, char **ret_reason, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static int reasonf(int r, char **ret_reason, const char *fmt, ...)
{
	va_list ap;

	if (!ret_reason)
		return r;
	va_start(ap, fmt);
	if (vasprintf(ret_reason, fmt, ap) < 0)
		*ret_reason = NULL;
	va_end(ap);
	return r;
}

void fedjit_http_response_clear(struct fedjit_http_response *r)
{
	if (!r)
		return;
	if (r->body) {
		explicit_bzero(r->body, r->len);
		free(r->body);
	}
	r->body = NULL;
	r->len = 0;
	r->status = 0;
}

void fedjit_http_close(struct fedjit_http *h)
{
	if (h && h->curl) {
		curl_easy_cleanup(h->curl);
		h->curl = NULL;
	}
}

int fedjit_http_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -ENOMEM;
}

void fedjit_http_global_cleanup(void)
{
	curl_global_cleanup();
}

/* Growing the buffer copies and scrubs the old one: bodies carry tokens. */
static size_t body_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct body_buf *b = userdata;
	size_t n = size * nmemb;

	if (n > b->max - b->len) {
		b->too_big = true;
		return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = malloc(cap);
		if (!p)
			return 0;
		if (b->data) {
			memcpy(p, b->data, b->len);
			explicit_bzero(b->data, b->len);
			free(b->data);
		}
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

static int map_curl_error(CURLcode c, const struct body_buf *b, const char *url, const char *errbuf,
                          char **ret_reason)
{
	const char *detail = errbuf[0] ? errbuf : curl_easy_strerror(c);

	if (b->too_big)
		return reasonf(-E2BIG, ret_reason, "%s: response body larger than %zu bytes", url,
		               b->max);
	switch (c) {
	case CURLE_COULDNT_CONNECT:
		return reasonf(-ECONNREFUSED, ret_reason, "%s: cannot connect: %s", url, detail);
	case CURLE_COULDNT_RESOLVE_HOST:
		return reasonf(-EHOSTUNREACH, ret_reason, "%s: cannot resolve host: %s", url,
		               detail);
	case CURLE_OPERATION_TIMEDOUT:
		return reasonf(-ETIMEDOUT, ret_reason, "%s: timed out: %s", url, detail);
	case CURLE_OUT_OF_MEMORY:
		return -ENOMEM;
	case CURLE_UNSUPPORTED_PROTOCOL:
		return reasonf(-EPROTO, ret_reason, "%s: only https is allowed", url);
	case CURLE_FILESIZE_EXCEEDED:
		return reasonf(-E2BIG, ret_reason, "%s: response body larger than %zu bytes", url,
		               b->max);
	default:
		return reasonf(-EPROTO, ret_reason, "%s: %s", url, detail);
	}
}

static int perform(struct fedjit_http *h, const char *url, const char *form, const char *basic_user,
                   const char *basic_password, const char *bearer, size_t max_body,
                   struct fedjit_http_response *ret, char **ret_reason)
{
	struct body_buf b = {.max = max_body > FEDJIT_HTTP_MAX_BODY ? FEDJIT_HTTP_MAX_BODY
	                                                            : max_body};
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdrs = NULL;
	char *auth_hdr = NULL;
	CURLcode c;
	long status = 0;
	int r;
	CURL *curl;

	if (strncmp(url, "https://", 8) != 0)
		return reasonf(-EPROTO, ret_reason, "%s: only https is allowed", url);

	if (!h->curl)
		h->curl = curl_easy_init();
	else
		curl_easy_reset(h->curl); /* options back to defaults, caches kept */
	curl = h->curl;
	if (!curl)
		return -ENOMEM;
	h->n_requests++;

	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 1L);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)h->timeout_ms);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long)h->timeout_ms);
	curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)b.max);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, body_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
	/* No cookies, no .netrc, no proxy from the environment of whoever started us. */
	curl_easy_setopt(curl, CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);
	curl_easy_setopt(curl, CURLOPT_PROXY, "");
	if (h->ca_blob) {
		struct curl_blob blob = {
		        .data = (void *)h->ca_blob,
		        .len = h->ca_blob_len,
		        .flags = CURL_BLOB_COPY,
		};
		curl_easy_setopt(curl, CURLOPT_CAINFO_BLOB, &blob);
	}

	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	if (bearer) {
		if (asprintf(&auth_hdr, "Authorization: Bearer %s", bearer) < 0) {
			auth_hdr = NULL;
			r = -ENOMEM;
			goto out;
		}
		hdrs = curl_slist_append(hdrs, auth_hdr);
	}
	if (form) {
		hdrs = curl_slist_append(hdrs, "Content-Type: application/x-www-form-urlencoded");
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, form);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(form));
	}
	if (basic_user) {
		curl_easy_setopt(curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(curl, CURLOPT_USERNAME, basic_user);
		curl_easy_setopt(curl, CURLOPT_PASSWORD, basic_password ? basic_password : "");
	}
	if (!hdrs) {
		r = -ENOMEM;
		goto out;
	}
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);

	c = curl_easy_perform(curl);
	if (c != CURLE_OK) {
		r = map_curl_error(c, &b, url, errbuf, ret_reason);
		goto out;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 300 && status < 400) {
		r = reasonf(-EPROTO, ret_reason, "%s: HTTP %ld redirect refused", url, status);
		goto out;
	}
	if (!b.data) {
		b.data = strdup("");
		if (!b.data) {
			r = -ENOMEM;
			goto out;
		}
	}
	ret->status = status;
	ret->body = b.data;
	ret->len = b.len;
	b.data = NULL;
	r = 0;
out:
	if (b.data) {
		explicit_bzero(b.data, b.len);
		free(b.data);
	}
	fedjit_secret_free(auth_hdr);
	curl_slist_free_all(hdrs);
	/* Nothing of this request may linger in the handle: credentials, body, headers. */
	curl_easy_setopt(curl, CURLOPT_USERNAME, NULL);
	curl_easy_setopt(curl, CURLOPT_PASSWORD, NULL);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, NULL);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, NULL);
	return r;
}

int fedjit_http_get(struct fedjit_http *h, const char *url, size_t max_body,
                    struct fedjit_http_response *ret, char **ret_reason)
{
	return perform(h, url, NULL, NULL, NULL, NULL, max_body, ret, ret_reason);
}

int fedjit_http_post_form(struct fedjit_http *h, const char *url, const char *form,
                          const char *basic_user, const char *basic_password, size_t max_body,
                          struct fedjit_http_response *ret, char **ret_reason)
{
	return perform(h, url, form, basic_user, basic_password, NULL, max_body, ret, ret_reason);
}

int fedjit_http_get_bearer(struct fedjit_http *h, const char *url, const char *token,
                           size_t max_body, struct fedjit_http_response *ret, char **ret_reason)
{
	return perform(h, url, NULL, NULL, NULL, token, max_body, ret, ret_reason);
}

/* application/x-www-form-urlencoded (HTML 5 / RFC 6749 Appendix B): unreserved bytes
 * stay, space becomes '+', everything else %XX. Returns the encoded length. */
static size_t form_encode_into(char *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' || *p == '*') {
			if (out)
				out[n] = (char)*p;
			n++;
		} else if (*p == ' ') {
			if (out)
				out[n] = '+';
			n++;
		} else {
			if (out) {
				out[n] = '%';
				out[n + 1] = hex[*p >> 4];
				out[n + 2] = hex[*p & 15];
			}
			n += 3;
		}
	}
	if (out)
		out[n] = '\0';
	return n;
}

char *fedjit_form_encode(const char *s)
{
	char *out = malloc(form_encode_into(NULL, s) + 1);

	if (out)
		form_encode_into(out, s);
	return out;
}

int fedjit_form_add(char **form, const char *name, const char *value)
{
	size_t old = *form ? strlen(*form) : 0;
	size_t need = old + 1 + form_encode_into(NULL, name) + 1 + form_encode_into(NULL, value);
	char *p = malloc(need + 1);
	size_t n = old;

	if (!p)
		return -ENOMEM;
	if (old) {
		memcpy(p, *form, old);
		p[n++] = '&';
	}
	n += form_encode_into(p + n, name);
	p[n++] = '=';
	form_encode_into(p + n, value);
	if (*form) {
		explicit_bzero(*form, old);
		free(*form);
	}
	*form = p;
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Strict base64url, the algorithm allow-list and the JSON loader shared by the IdP
 * parsers. See jose.h for the rules. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/macro.h"
#include "pam/idp/jose.h"

static const char *const alg_names[_FEDJIT_JOSE_ALG_MAX] = {
        [FEDJIT_JOSE_RS256] = "RS256", [FEDJIT_JOSE_RS384] = "RS384", [FEDJIT_JOSE_RS512] = "RS512",
        [FEDJIT_JOSE_PS256] = "PS256", [FEDJIT_JOSE_PS384] = "PS384", [FEDJIT_JOSE_PS512] = "PS512",
        [FEDJIT_JOSE_ES256] = "ES256", [FEDJIT_JOSE_ES384] = "ES384", [FEDJIT_JOSE_EDDSA] = "EdDSA",
};

enum fedjit_jose_alg fedjit_jose_alg_from_string(const char *s)
{
	if (!s)
		return FEDJIT_JOSE_ALG_INVALID;
	for (size_t i = 0; i < FEDJIT_ELEMENTSOF(alg_names); i++)
		if (strcmp(s, alg_names[i]) == 0)
			return (enum fedjit_jose_alg)i;
	return FEDJIT_JOSE_ALG_INVALID;
}

const char *fedjit_jose_alg_to_string(enum fedjit_jose_alg alg)
{
	if ((int)alg < 0 || alg >= _FEDJIT_JOSE_ALG_MAX)
		return NULL;
	return alg_names[alg];
}

const EVP_MD *fedjit_jose_alg_md(enum fedjit_jose_alg alg)
{
	switch (alg) {
	case FEDJIT_JOSE_RS256:
	case FEDJIT_JOSE_PS256:
	case FEDJIT_JOSE_ES256:
		return EVP_sha256();
	case FEDJIT_JOSE_RS384:
	case FEDJIT_JOSE_PS384:
	case FEDJIT_JOSE_ES384:
		return EVP_sha384();
	case FEDJIT_JOSE_RS512:
	case FEDJIT_JOSE_PS512:
		return EVP_sha512();
	default:
		return NULL; /* EdDSA: no separate digest */
	}
}

static int b64url_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

int fedjit_base64url_decode(const char *in, size_t len, unsigned char **ret, size_t *ret_len)
{
	/* 4 characters carry 3 bytes; a final group of 1 character cannot exist. */
	if (len % 4 == 1)
		return -EBADMSG;
	size_t out_len = len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0);
	unsigned char *out = malloc(out_len + 1);
	if (!out)
		return -ENOMEM;

	uint32_t acc = 0;
	unsigned bits = 0;
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		int v = b64url_value((unsigned char)in[i]);
		if (v < 0) {
			explicit_bzero(out, out_len + 1);
			free(out);
			return -EBADMSG;
		}
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	/* The left-over bits must be zero: otherwise two encodings decode the same (a
	 * malleability that lets a signed token have several spellings). */
	if (acc != 0) {
		explicit_bzero(out, out_len + 1);
		free(out);
		return -EBADMSG;
	}
	out[o] = 0;
	*ret = out;
	*ret_len = o;
	return 0;
}

int fedjit_base64url_encode(const unsigned char *in, size_t len, char **ret)
{
	static const char alphabet[] =
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	if (len > (SIZE_MAX - 4) / 4 * 3)
		return -E2BIG;
	char *out = malloc(len / 3 * 4 + 4 + 1);
	if (!out)
		return -ENOMEM;
	size_t o = 0, i = 0;
	for (; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = alphabet[(v >> 6) & 63];
		out[o++] = alphabet[v & 63];
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = alphabet[(v >> 6) & 63];
	}
	out[o] = 0;
	*ret = out;
	return 0;
}

int fedjit_reason(int r, char **ret_reason, const char *fmt, ...)
{
	if (ret_reason) {
		va_list ap;
		char *s = NULL;
		va_start(ap, fmt);
		if (vasprintf(&s, fmt, ap) < 0)
			s = NULL;
		va_end(ap);
		free(*ret_reason);
		*ret_reason = s;
	}
	return r;
}

/* jansson bounds its own recursion (2048 levels); this is the much lower policy limit. */
static int json_depth_ok(json_t *j, unsigned depth)
{
	if (depth > FEDJIT_JSON_MAX_DEPTH)
		return 0;
	if (json_is_object(j)) {
		const char *k;
		json_t *v;
		json_object_foreach(j, k, v) if (!json_depth_ok(v, depth + 1)) return 0;
	} else if (json_is_array(j)) {
		size_t i;
		json_t *v;
		json_array_foreach(j, i, v) if (!json_depth_ok(v, depth + 1)) return 0;
	}
	return 1;
}

int fedjit_json_load_object(const char *data, size_t len, size_t max_len, json_t **ret,
                            char **ret_reason)
{
	json_error_t error;

	if (!data)
		return fedjit_reason(-EBADMSG, ret_reason, "empty document");
	if (len > max_len)
		return fedjit_reason(-E2BIG, ret_reason, "document of %zu bytes exceeds %zu", len,
		                     max_len);
	/* No JSON_DECODE_ANY (top level must be an object or array), no JSON_ALLOW_NUL. */
	json_t *j = json_loadb(data, len, JSON_REJECT_DUPLICATES, &error);
	if (!j)
		return fedjit_reason(json_error_code(&error) == json_error_duplicate_key ? -EBADMSG
		                     : json_error_code(&error) == json_error_out_of_memory
		                             ? -ENOMEM
		                             : -EBADMSG,
		                     ret_reason, "invalid JSON at line %d column %d: %s",
		                     error.line, error.column, error.text);
	if (!json_is_object(j)) {
		fedjit_json_decref_scrub(j);
		return fedjit_reason(-EBADMSG, ret_reason, "JSON document is not an object");
	}
	if (!json_depth_ok(j, 1)) {
		fedjit_json_decref_scrub(j);
		return fedjit_reason(-E2BIG, ret_reason, "JSON nested deeper than %d levels",
		                     FEDJIT_JSON_MAX_DEPTH);
	}
	*ret = j;
	return 0;
}

int fedjit_json_get_string(json_t *obj, const char *key, size_t max_len, const char **ret)
{
	json_t *v = json_object_get(obj, key);
	if (!v) {
		*ret = NULL;
		return 0;
	}
	if (!json_is_string(v))
		return -EBADMSG;
	size_t l = json_string_length(v);
	if (l == 0)
		return -EBADMSG;
	if (l > max_len)
		return -E2BIG;
	const char *s = json_string_value(v);
	for (size_t i = 0; i < l; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return -EBADMSG;
	*ret = s;
	return 0;
}

int fedjit_json_get_int(json_t *obj, const char *key, int64_t *ret)
{
	json_t *v = json_object_get(obj, key);
	if (!v) {
		*ret = -1;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -EBADMSG;
	*ret = (int64_t)json_integer_value(v);
	return 0;
}

static void json_scrub(json_t *j)
{
	/* Only what this decref frees: a value referenced elsewhere lives on. */
	if (!j || j->refcount != 1)
		return;
	if (json_is_string(j)) {
		explicit_bzero((char *)json_string_value(j), json_string_length(j));
	} else if (json_is_object(j)) {
		const char *k;
		json_t *v;
		json_object_foreach(j, k, v) json_scrub(v);
	} else if (json_is_array(j)) {
		size_t i;
		json_t *v;
		json_array_foreach(j, i, v) json_scrub(v);
	}
}

void fedjit_json_decref_scrub(json_t *j)
{
	json_scrub(j);
	json_decref(j);
}

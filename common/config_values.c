/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Checks of single string values of fedjit.conf: names, paths, the issuer
 * URL, the home template, OAuth tokens, regexes, algorithms. Each returns 0,
 * or -EINVAL with a reason that completes "KEY 'VALUE' ..." in a message.
 */
/* "config.h" here is common/config.h (same directory), not autoconf's: ask for GNU here. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/config_internal.h"
#include "common/macro.h"

static const char *const alg_names[] = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
                                        "ES256", "ES384", "ES512", "EdDSA", NULL};

bool fedjit_config_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > FEDJIT_CONFIG_NAME_MAX || !isalnum((unsigned char)name[0]))
		return false;
	return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") ==
	       n;
}

/* A local user or group name as useradd takes it: [a-z_][a-z0-9_.-]*, at most 32. */
bool fedjit_config_sysname_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 32 || !(islower((unsigned char)name[0]) || name[0] == '_'))
		return false;
	if (strspn(name, "0123456789") == n)
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

static bool has_space(const char *s)
{
	return strpbrk(s, " \t") != NULL;
}

/*
 * An issuer as OIDC Discovery compares it: exactly "https://" HOST [":" PORT]
 * [PATH], no userinfo, query or fragment, no whitespace.
 */
static int check_url(const char *v, char *why, size_t n)
{
	if (strncmp(v, "https://", 8) != 0) {
		snprintf(why, n, "must be an https:// URL");
		return -EINVAL;
	}
	const char *host = v + 8;
	size_t hostlen = strcspn(host, "/");
	if (hostlen == 0) {
		snprintf(why, n, "has no host");
		return -EINVAL;
	}
	if (has_space(v) || strpbrk(v, "?#")) {
		snprintf(why, n, "must not contain whitespace, a query or a fragment");
		return -EINVAL;
	}
	if (memchr(host, '@', hostlen)) {
		snprintf(why, n, "must not contain user information");
		return -EINVAL;
	}
	return 0;
}

static int check_home(const char *v, char *why, size_t n)
{
	bool per_user = false;

	if (v[0] != '/') {
		snprintf(why, n, "must be an absolute path");
		return -EINVAL;
	}
	if (has_space(v) || strchr(v, ':')) {
		snprintf(why, n, "must not contain whitespace or ':'");
		return -EINVAL;
	}
	for (const char *p = v; *p; p++) {
		if (*p != '%')
			continue;
		p++;
		switch (*p) {
		case 'u':
		case 'U':
			per_user = true;
			break;
		case 'd':
		case '%':
			break;
		case '\0':
			snprintf(why, n, "ends in a lone %%");
			return -EINVAL;
		default:
			snprintf(why, n, "has an unknown escape %%%c (known: %%u %%U %%d %%%%)",
			         *p);
			return -EINVAL;
		}
	}
	if (strstr(v, "/../") || strstr(v, "/./") ||
	    (strlen(v) >= 3 && !strcmp(v + strlen(v) - 3, "/..")))
		return snprintf(why, n, "must not contain . or .. components"), -EINVAL;
	if (!per_user) {
		snprintf(why, n, "must contain %%u or %%U (every account needs its own home)");
		return -EINVAL;
	}
	return 0;
}

/* RFC 6749 scope-token: %x21 / %x23-5B / %x5D-7E, separated by spaces. */
static int check_tokens(const char *v, char *why, size_t n)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p != ' ' && (*p < 0x21 || *p > 0x7e || *p == '"' || *p == '\\')) {
			snprintf(why, n, "holds a character not allowed in a token (0x%02x)", *p);
			return -EINVAL;
		}
	return 0;
}

static int check_regex(const char *v, char *why, size_t n)
{
	size_t len = strlen(v);
	_cleanup_free_ char *anchored = malloc(len + 5);
	regex_t re;

	if (!anchored)
		return -ENOMEM;
	/* Names have at most 32 bytes; nested repetitions only make regcomp (in
	 * sshd's process too) eat memory and stack (config_regex.c). */
	const char *error = NULL;
	unsigned long cost = fedjit_regex_cost(v, &error);
	if (error) {
		snprintf(why, n, "%s", error);
		return -EINVAL;
	}
	if (cost > FEDJIT_REGEX_COST_MAX) {
		snprintf(why, n,
		         "repeats too much (its intervals multiply to more than %lu copies)",
		         FEDJIT_REGEX_COST_MAX);
		return -EINVAL;
	}
	memcpy(anchored, "^(", 2);
	memcpy(anchored + 2, v, len);
	memcpy(anchored + 2 + len, ")$", 3);
	int r = regcomp(&re, anchored, REG_EXTENDED | REG_NOSUB);
	if (r != 0) {
		char err[128];
		regerror(r, &re, err, sizeof(err));
		snprintf(why, n, "does not compile: %s", err);
		return -EINVAL;
	}
	regfree(&re);
	return 0;
}

int fedjit_config_check_string(enum fedjit_key_check check, const char *v, char *why, size_t n)
{
	switch (check) {
	case KC_TEXT:
		return 0;
	case KC_WORD:
		if (has_space(v))
			return snprintf(why, n, "must not contain whitespace"), -EINVAL;
		return 0;
	case KC_PATH_OR_NONE:
		if (strcmp(v, "none") == 0)
			return 0;
		/* fall through */
	case KC_PATH:
		if (v[0] != '/')
			return snprintf(why, n, "must be an absolute path"), -EINVAL;
		if (has_space(v) || strchr(v, ':'))
			return snprintf(why, n, "must not contain whitespace or ':'"), -EINVAL;
		return 0;
	case KC_URL:
		return check_url(v, why, n);
	case KC_NAME:
		if (!fedjit_config_name_valid(v))
			return snprintf(why, n,
			                "is not a valid name ([A-Za-z0-9][A-Za-z0-9_.-]*, at "
			                "most %d characters)",
			                FEDJIT_CONFIG_NAME_MAX),
			       -EINVAL;
		return 0;
	case KC_SYSNAME:
		if (!fedjit_config_sysname_valid(v))
			return snprintf(why, n,
			                "is not a valid user or group name "
			                "([a-z_][a-z0-9_.-]*, at most 32 characters)"),
			       -EINVAL;
		return 0;
	case KC_REGEX:
		return check_regex(v, why, n);
	case KC_HOME:
		return check_home(v, why, n);
	case KC_TOKENS:
		return check_tokens(v, why, n);
	case KC_RESERVED:
		if (strcmp(v, "none") == 0)
			return 0;
		if (!fedjit_config_sysname_valid(v + (v[0] == '+' || v[0] == '-')))
			return snprintf(why, n,
			                "is not a user name ([a-z_][a-z0-9_.-]*, at most 32 "
			                "characters), +NAME, -NAME or none"),
			       -EINVAL;
		return 0;
	case KC_HOST: {
		size_t len = strlen(v);
		bool ok = len > 0 && len <= 253;
		if (ok && v[0] == '[')
			ok = len > 2 && v[len - 1] == ']' &&
			     strspn(v + 1, "0123456789abcdefABCDEF:.") == len - 2;
		else if (ok)
			ok = strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456"
			               "789.-") == len &&
			     v[0] != '.' && v[0] != '-';
		if (!ok)
			return snprintf(why, n,
			                "is not a host name (letters, digits, '.', '-'; an IPv6 "
			                "address "
			                "in brackets; no port, no scheme)"),
			       -EINVAL;
		return 0;
	}
	case KC_ALG:
		for (size_t i = 0; alg_names[i]; i++)
			if (strcmp(v, alg_names[i]) == 0)
				return 0;
		return snprintf(why, n,
		                "is not a supported algorithm (RS256, RS384, RS512, PS256, "
		                "PS384, PS512, ES256, ES384, ES512, EdDSA)"),
		       -EINVAL;
	}
	return -EINVAL;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Local name rules, login-name parsing and names from subjects; see names.h. */
#include <errno.h>
#include <inttypes.h>
#include <regex.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/escape.h"
#include "common/idalloc.h"
#include "common/macro.h"
#include "common/names.h"
#include "common/names_private.h"

_Static_assert(FEDJIT_DOMAIN_NAME_MAX >= FEDJIT_CONFIG_NAME_MAX,
               "every configured domain name must fit into a qualified name");

/* names_private.h */
const char *fedjit_name_quote(char buf[static FEDJIT_NAME_QUOTE_SIZE], const char *s, size_t len)
{
	size_t n = len > FEDJIT_NAME_QUOTE_INPUT_MAX ? FEDJIT_NAME_QUOTE_INPUT_MAX : len;

	fedjit_escape_mem(buf, FEDJIT_NAME_QUOTE_SIZE, s, n,
	                  FEDJIT_ESCAPE_ASCII | FEDJIT_ESCAPE_QUOTE);
	if (n < len)
		strcat(buf, "...");
	return buf;
}

void fedjit_name_reason(char *reason, size_t reason_size, const char *fmt, ...)
{
	va_list ap;

	if (!reason || reason_size == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(reason, reason_size, fmt, ap);
	va_end(ap);
}

/* Length of the UTF-8 sequence at s (at most len bytes), 0 when malformed
 * (overlong forms, surrogates and code points above U+10FFFF included). */
static size_t utf8_seq_len(const unsigned char *s, size_t len)
{
	size_t n;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static bool utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq_len(p + i, len - i);

		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

static bool has_dotdot(const char *s, size_t len)
{
	for (size_t i = 1; i < len; i++)
		if (s[i - 1] == '.' && s[i] == '.')
			return true;
	return false;
}

static bool is_lower_or_digit(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/*
 * The rules of names.h. With fold, upper-case ASCII counts as its lower-case
 * letter (the caller folds after a successful check). what is "name" or
 * "group name" etc. for the reason. The first rule broken gives the reason;
 * the order puts the hostile-byte reasons first, as they say most.
 */
static int validate(const char *s, size_t len, bool fold, const char *what, char *reason,
                    size_t reason_size)
{
	char q[FEDJIT_NAME_QUOTE_SIZE];
	bool all_digits = true;

	if (len == 0) {
		fedjit_name_reason(reason, reason_size, "%s is empty", what);
		return -EINVAL;
	}
	if (memchr(s, '\0', len)) {
		fedjit_name_reason(reason, reason_size, "%s '%s' contains a NUL byte", what,
		                   fedjit_name_quote(q, s, len));
		return -EINVAL;
	}
	if (!utf8_valid(s, len)) {
		fedjit_name_reason(reason, reason_size, "%s '%s' is not valid UTF-8", what,
		                   fedjit_name_quote(q, s, len));
		return -EINVAL;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *bad = NULL;

		if (c >= 0x80)
			bad = "a non-ASCII character (only a-z 0-9 _ . - are allowed)";
		else if (c == '\n' || c == '\r')
			bad = "a line break";
		else if (c == ' ' || c == '\t' || c == '\v' || c == '\f')
			bad = "white space";
		else if (c < 0x20 || c == 0x7f)
			bad = "a control character";
		else if (c == ':')
			bad = "':' (the passwd field separator)";
		else if (c == '/')
			bad = "'/'";
		else if (c == '@')
			bad = "'@' (the domain separator)";
		if (bad) {
			fedjit_name_reason(reason, reason_size, "%s '%s' contains %s", what,
			                   fedjit_name_quote(q, s, len), bad);
			return -EINVAL;
		}
	}
	if (len > FEDJIT_NAME_MAX) {
		fedjit_name_reason(reason, reason_size, "%s '%s' is longer than %d bytes", what,
		                   fedjit_name_quote(q, s, len), FEDJIT_NAME_MAX);
		return -EINVAL;
	}
	if (s[0] == '-') {
		fedjit_name_reason(reason, reason_size, "%s '%s' starts with '-'", what,
		                   fedjit_name_quote(q, s, len));
		return -EINVAL;
	}
	if (s[0] == '.') {
		fedjit_name_reason(reason, reason_size, "%s '%s' starts with '.'", what,
		                   fedjit_name_quote(q, s, len));
		return -EINVAL;
	}
	if (has_dotdot(s, len)) {
		fedjit_name_reason(reason, reason_size, "%s '%s' contains '..'", what,
		                   fedjit_name_quote(q, s, len));
		return -EINVAL;
	}
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			all_digits = false;
	if (all_digits) {
		fedjit_name_reason(reason, reason_size,
		                   "%s '%s' is all digits (it would read as an id)", what,
		                   fedjit_name_quote(q, s, len));
		return -EINVAL;
	}
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c >= 'A' && c <= 'Z') {
			if (fold)
				continue;
			fedjit_name_reason(
			        reason, reason_size,
			        "%s '%s' contains upper case and its domain does not fold case",
			        what, fedjit_name_quote(q, s, len));
			return -EINVAL;
		}
		if (!is_lower_or_digit(c) && c != '_' && c != '.' && c != '-') {
			fedjit_name_reason(reason, reason_size, "%s '%s' contains '%c'", what,
			                   fedjit_name_quote(q, s, len), c);
			return -EINVAL;
		}
	}
	if (s[0] >= '0' && s[0] <= '9') {
		fedjit_name_reason(reason, reason_size, "%s '%s' starts with a digit", what,
		                   fedjit_name_quote(q, s, len));
		return -EINVAL;
	}
	return 0;
}

int fedjit_name_validate_mem(const char *name, size_t len, char *reason, size_t reason_size)
{
	if (!name)
		len = 0;
	return validate(name, len, false, "name", reason, reason_size);
}

int fedjit_name_validate(const char *name, char *reason, size_t reason_size)
{
	return fedjit_name_validate_mem(name, name ? strlen(name) : 0, reason, reason_size);
}

int fedjit_name_fold(const struct fedjit_domain *domain, const char *in, size_t len,
                     char ret_name[static FEDJIT_NAME_MAX + 1], char *reason, size_t reason_size)
{
	bool fold = !domain || domain->case_fold;
	int r;

	if (!in)
		len = 0;
	r = validate(in, len, fold, "name", reason, reason_size);
	if (r < 0)
		return r;
	for (size_t i = 0; i < len; i++)
		ret_name[i] = (in[i] >= 'A' && in[i] <= 'Z') ? (char)(in[i] + ('a' - 'A')) : in[i];
	ret_name[len] = '\0';
	return 0;
}

/* The lower-cased domain name for "local@domain", or -EINVAL when its
 * characters or length would make an unsafe account name. */
static int domain_suffix(const struct fedjit_domain *domain,
                         char ret[static FEDJIT_DOMAIN_NAME_MAX + 1], char *reason,
                         size_t reason_size)
{
	char q[FEDJIT_NAME_QUOTE_SIZE];
	size_t len = strlen(domain->name);

	if (len == 0 || len > FEDJIT_DOMAIN_NAME_MAX) {
		fedjit_name_reason(
		        reason, reason_size,
		        "domain name '%s' cannot be used in qualified names (1..%d bytes)",
		        fedjit_name_quote(q, domain->name, len), FEDJIT_DOMAIN_NAME_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; i < len; i++) {
		char c = domain->name[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c + ('a' - 'A'));
		if (!is_lower_or_digit(c) && c != '_' && c != '.' && c != '-') {
			fedjit_name_reason(reason, reason_size,
			                   "domain name '%s' cannot be used in qualified names "
			                   "(only letters, digits, '_', '.', '-')",
			                   fedjit_name_quote(q, domain->name, len));
			return -EINVAL;
		}
		ret[i] = c;
	}
	ret[len] = '\0';
	return 0;
}

int fedjit_name_canonical(const struct fedjit_domain *domain, const char *local,
                          char ret_name[static FEDJIT_CANONICAL_MAX + 1], char *reason,
                          size_t reason_size)
{
	char suffix[FEDJIT_DOMAIN_NAME_MAX + 1];
	int r;

	if (!domain || !domain->name) {
		fedjit_name_reason(reason, reason_size, "no domain");
		return -EINVAL;
	}
	r = fedjit_name_validate(local, reason, reason_size);
	if (r < 0)
		return r;
	if (!domain->fully_qualified) {
		strcpy(ret_name, local);
		return 0;
	}
	r = domain_suffix(domain, suffix, reason, reason_size);
	if (r < 0)
		return r;
	/* Both parts are bounded above, so this always fits. */
	snprintf(ret_name, FEDJIT_CANONICAL_MAX + 1, "%s@%s", local, suffix);
	return 0;
}

static const struct fedjit_domain *find_domain(const struct fedjit_config *config, const char *name,
                                               size_t len)
{
	for (size_t i = 0; i < config->n_domains; i++) {
		const char *d = config->domains[i].name;

		if (d && strlen(d) == len && strncasecmp(d, name, len) == 0)
			return &config->domains[i];
	}
	return NULL;
}

int fedjit_login_parse(const struct fedjit_config *config, const char *default_domain,
                       const char *login, size_t len, struct fedjit_login *ret, char *reason,
                       size_t reason_size)
{
	char q[FEDJIT_NAME_QUOTE_SIZE], q2[FEDJIT_NAME_QUOTE_SIZE];
	const char *slash, *at, *dom, *local;
	size_t dom_len, local_len;
	const struct fedjit_domain *domain;
	struct fedjit_login out = {};
	int r;

	if (!config || !login)
		len = 0;
	if (len == 0) {
		fedjit_name_reason(reason, reason_size, "login name is empty");
		return -EINVAL;
	}
	slash = memchr(login, '/', len);
	at = memchr(login, '@', len);
	if (slash && at) {
		fedjit_name_reason(reason, reason_size, "login name '%s' has both '/' and '@'",
		                   fedjit_name_quote(q, login, len));
		return -EINVAL;
	}
	if (slash) {
		dom = login;
		dom_len = (size_t)(slash - login);
		local = slash + 1;
		local_len = len - dom_len - 1;
	} else if (at) {
		local = login;
		local_len = (size_t)(at - login);
		dom = at + 1;
		dom_len = len - local_len - 1;
	} else {
		dom = default_domain ? default_domain : FEDJIT_DEFAULT_DOMAIN;
		dom_len = strlen(dom);
		local = login;
		local_len = len;
	}
	if ((slash && memchr(slash + 1, '/', len - (size_t)(slash + 1 - login))) ||
	    (at && memchr(at + 1, '@', len - (size_t)(at + 1 - login)))) {
		fedjit_name_reason(reason, reason_size, "login name '%s' has more than one '%c'",
		                   fedjit_name_quote(q, login, len), slash ? '/' : '@');
		return -EINVAL;
	}
	if (dom_len == 0) {
		fedjit_name_reason(reason, reason_size, "login name '%s' has an empty domain",
		                   fedjit_name_quote(q, login, len));
		return -EINVAL;
	}
	domain = find_domain(config, dom, dom_len);
	if (!domain) {
		fedjit_name_reason(
		        reason, reason_size, "%s domain '%s' of login name '%s' is not configured",
		        (slash || at) ? "the" : "the default", fedjit_name_quote(q, dom, dom_len),
		        fedjit_name_quote(q2, login, len));
		return -ENOENT;
	}
	r = fedjit_name_fold(domain, local, local_len, out.local, reason, reason_size);
	if (r < 0)
		return r;
	r = fedjit_name_canonical(domain, out.local, out.canonical, reason, reason_size);
	if (r < 0)
		return r;
	out.domain = domain;
	out.qualified = slash || at;
	memcpy(out.written, local, local_len); /* fits: the fold checked the length */
	*ret = out;
	return 0;
}

int fedjit_login_rebase(const struct fedjit_config *config, const struct fedjit_login *l,
                        const char *default_domain, struct fedjit_login *ret, char *reason,
                        size_t reason_size)
{
	const char *dom = default_domain ? default_domain : FEDJIT_DEFAULT_DOMAIN;
	char q[FEDJIT_NAME_QUOTE_SIZE], q2[FEDJIT_NAME_QUOTE_SIZE];
	struct fedjit_login out = {.qualified = false};
	int r;

	if (l->qualified) {
		*ret = *l;
		return 0;
	}
	out.domain = find_domain(config, dom, strlen(dom));
	if (!out.domain) {
		fedjit_name_reason(reason, reason_size,
		                   "the default domain '%s' of login name '%s' is not configured",
		                   fedjit_name_quote(q, dom, strlen(dom)),
		                   fedjit_name_quote(q2, l->written, strlen(l->written)));
		return -ENOENT;
	}
	memcpy(out.written, l->written, sizeof(out.written));
	r = fedjit_name_fold(out.domain, out.written, strlen(out.written), out.local, reason,
	                     reason_size);
	if (r >= 0)
		r = fedjit_name_canonical(out.domain, out.local, out.canonical, reason,
		                          reason_size);
	if (r < 0)
		return r;
	*ret = out;
	return 0;
}

int fedjit_name_policy_check(const struct fedjit_domain *domain, enum fedjit_name_kind kind,
                             const char *local, char *reason, size_t reason_size)
{
	const char *key = kind == FEDJIT_NAME_GROUP ? "groupname_regex" : "username_regex";
	const char *pattern;
	char q[FEDJIT_NAME_QUOTE_SIZE], qp[FEDJIT_NAME_QUOTE_SIZE];
	regex_t re;
	regmatch_t m;
	int r;

	if (!domain || !local)
		return -EINVAL;
	pattern = kind == FEDJIT_NAME_GROUP ? domain->groupname_regex : domain->username_regex;
	if (!pattern || !*pattern)
		return 0;

	r = regcomp(&re, pattern, REG_EXTENDED);
	if (r != 0) {
		char err[96];

		regerror(r, &re, err, sizeof(err));
		fedjit_name_reason(reason, reason_size, "%s '%s' of domain %s does not compile: %s",
		                   key, fedjit_name_quote(qp, pattern, strlen(pattern)),
		                   domain->name, err);
		return -EINVAL;
	}
	/*
	 * Anchored implicitly: the leftmost-longest match (POSIX) must span the
	 * whole name, which holds exactly when ^(P)$ matches. Checking offsets
	 * instead of wrapping the pattern keeps an alternation or a stray ')'
	 * in P from changing what the anchors bind to.
	 */
	r = regexec(&re, local, 1, &m, 0);
	regfree(&re);
	if (r == 0 && m.rm_so == 0 && (size_t)m.rm_eo == strlen(local))
		return 0;
	fedjit_name_reason(reason, reason_size, "name '%s' does not match %s '%s' of domain %s",
	                   fedjit_name_quote(q, local, strlen(local)), key,
	                   fedjit_name_quote(qp, pattern, strlen(pattern)), domain->name);
	return -EPERM;
}

void fedjit_name_from_subject(const char *issuer, const char *subject,
                              char ret_name[static FEDJIT_NAME_MAX + 1])
{
	static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	uint64_t h = FEDJIT_FNV64_OFFSET;

	h = fedjit_fnv1a64(h, issuer, strlen(issuer));
	h = fedjit_fnv1a64(h, "", 1);
	h = fedjit_fnv1a64(h, subject, strlen(subject));

	/* 64 bits, most significant first, in 13 groups of 5 (the last group
	 * holds the 4 lowest bits and one zero pad bit). */
	ret_name[0] = 'u';
	for (int i = 0; i < 13; i++) {
		int off = i * 5;
		unsigned v = off <= 59 ? (unsigned)(h >> (59 - off)) & 31
		                       : (unsigned)(h << (off - 59)) & 31;

		ret_name[1 + i] = b32[v];
	}
	ret_name[14] = '\0';
}

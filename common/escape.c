/* SPDX-License-Identifier: Apache-2.0 */
/* The one escaping of attacker-influenced text; the rules are in escape.h. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "common/escape.h"

/*
 * The length of the valid UTF-8 sequence at s (at most n bytes) and its code point,
 * or 0 when the bytes there are not one (bad lead, missing or bad continuation,
 * overlong form, surrogate, above U+10FFFF).
 */
static size_t utf8_char(const unsigned char *s, size_t n, uint32_t *ret)
{
	size_t len;
	uint32_t c, min;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, c = s[0] & 0x1f, min = 0x80;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, c = s[0] & 0x0f, min = 0x800;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, c = s[0] & 0x07, min = 0x10000;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*ret = c;
	return len;
}

/* Characters that are valid but change or hide what a reader sees (escape.h). */
static bool unicode_hidden(uint32_t c)
{
	return (c >= 0x80 && c <= 0x9f) || c == 0x61c || (c >= 0x200b && c <= 0x200f) ||
	       (c >= 0x2028 && c <= 0x202e) || (c >= 0x2060 && c <= 0x2064) ||
	       (c >= 0x2066 && c <= 0x2069) || c == 0xfeff;
}

static bool ascii_passes(unsigned char c, unsigned flags)
{
	if (c < 0x20 || c >= 0x7f)
		return false;
	if (c == '\\')
		return flags & FEDJIT_ESCAPE_LINE;
	if (c == ' ')
		return !(flags & FEDJIT_ESCAPE_FIELD);
	if (c == '\'' || c == '"')
		return !(flags & FEDJIT_ESCAPE_QUOTE);
	return true;
}

const char *fedjit_escape_mem(char *buf, size_t size, const char *s, size_t len, unsigned flags)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t out = 0, i = 0, mark = 0; /* mark: the last cut point with room for "..." */

	if (size < 4) {
		if (size)
			buf[0] = '\0';
		return buf;
	}
	while (i < len) {
		char piece[16];
		size_t n = 0, used = 1;
		uint32_t c;

		if (ascii_passes(p[i], flags)) {
			piece[n++] = (char)p[i];
		} else if (p[i] >= 0x80 && !(flags & FEDJIT_ESCAPE_ASCII) &&
		           (used = utf8_char(p + i, len - i, &c)) > 0 && !unicode_hidden(c)) {
			memcpy(piece, p + i, used);
			n = used;
		} else {
			used = 1;
			piece[n++] = '\\';
			piece[n++] = 'x';
			piece[n++] = hex[p[i] >> 4];
			piece[n++] = hex[p[i] & 15];
		}
		if (out + n >= size) {
			memcpy(buf + mark, "...", 4);
			return buf;
		}
		memcpy(buf + out, piece, n);
		out += n;
		i += used;
		if (out + 3 < size)
			mark = out;
	}
	buf[out] = '\0';
	return buf;
}

const char *fedjit_escape(char *buf, size_t size, const char *s, unsigned flags)
{
	if (!s)
		s = "-";
	return fedjit_escape_mem(buf, size, s, strlen(s), flags);
}

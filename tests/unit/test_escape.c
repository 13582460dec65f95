/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for common/escape: the one escaping of attacker-influenced text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/escape.h"

static const char *esc(const char *s, unsigned flags)
{
	static char buf[256];

	return fedjit_escape(buf, sizeof(buf), s, flags);
}

/* No byte of the output is a control character (C0, DEL) or a C1 control in UTF-8. */
static void assert_printable(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		assert_false(*p < 0x20 || *p == 0x7f);
		assert_false(p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f);
	}
}

static void test_controls(void **state)
{
	(void)state;
	/* a preferred_username with a line break forges no second line */
	assert_string_equal(esc("alice\nfedjit-helper[1]: forged", 0),
	                    "alice\\x0afedjit-helper[1]: forged");
	assert_string_equal(esc("a\rb\tc\x1b[31md\x7f", 0), "a\\x0db\\x09c\\x1b[31md\\x7f");
	/* the backslash is escaped too: the output reads back unambiguously */
	assert_string_equal(esc("a\\x0ab", 0), "a\\x5cx0ab");
	assert_string_equal(esc(NULL, 0), "-");
	assert_string_equal(esc("", 0), "");
	assert_string_equal(esc("plain text, 'quoted' \"too\"", 0), "plain text, 'quoted' \"too\"");
}

static void test_utf8(void **state)
{
	char buf[64];

	(void)state;
	/* printable UTF-8 stays readable */
	assert_string_equal(esc("Jos\xc3\xa9 \xe6\x97\xa5\xf0\x9f\x98\x80", 0),
	                    "Jos\xc3\xa9 \xe6\x97\xa5\xf0\x9f\x98\x80");
	/* C1 controls (CSI U+009B), bidi overrides, line separators, zero width: escaped */
	assert_string_equal(esc("a\xc2\x9b"
	                        "31mb",
	                        0),
	                    "a\\xc2\\x9b31mb");
	assert_string_equal(esc("evil\xe2\x80\xaetxt.exe", 0), "evil\\xe2\\x80\\xaetxt.exe");
	assert_string_equal(esc("a\xe2\x80\xa8"
	                        "b",
	                        0),
	                    "a\\xe2\\x80\\xa8b");
	assert_string_equal(esc("a\xe2\x80\x8b"
	                        "b\xef\xbb\xbf",
	                        0),
	                    "a\\xe2\\x80\\x8bb\\xef\\xbb\\xbf");
	/* invalid UTF-8: overlong, surrogate, truncated, stray continuation, > U+10FFFF */
	assert_string_equal(esc("\xc0\xaf", 0), "\\xc0\\xaf");
	assert_string_equal(esc("\xed\xa0\x80", 0), "\\xed\\xa0\\x80");
	assert_string_equal(esc("x\xe6\x97", 0), "x\\xe6\\x97");
	assert_string_equal(esc("\x80", 0), "\\x80");
	assert_string_equal(esc("\xf4\x90\x80\x80", 0), "\\xf4\\x90\\x80\\x80");
	/* ASCII only */
	assert_string_equal(esc("Jos\xc3\xa9", FEDJIT_ESCAPE_ASCII), "Jos\\xc3\\xa9");
	/* embedded NUL through the _mem variant */
	assert_string_equal(fedjit_escape_mem(buf, sizeof(buf), "a\0b", 3, 0), "a\\x00b");
}

static void test_flags(void **state)
{
	(void)state;
	/* a field value cannot forge a second key=value field */
	assert_string_equal(esc("x account=root", FEDJIT_ESCAPE_FIELD), "x\\x20account=root");
	assert_string_equal(esc("it's \"q\"", FEDJIT_ESCAPE_QUOTE), "it\\x27s \\x22q\\x22");
	/* a line of escaped values: backslashes stay, controls still go */
	assert_string_equal(esc("user a\\x0ab\nnext", FEDJIT_ESCAPE_LINE), "user a\\x0ab\\x0anext");
}

static void test_cut(void **state)
{
	char buf[10];

	(void)state;
	/* fits exactly: no cut */
	assert_string_equal(fedjit_escape(buf, sizeof(buf), "abcdefghi", 0), "abcdefghi");
	/* one more: cut with the marker, inside the buffer */
	assert_string_equal(fedjit_escape(buf, sizeof(buf), "abcdefghij", 0), "abcdef...");
	/* an escape is never cut in half */
	assert_string_equal(fedjit_escape(buf, sizeof(buf), "abcde\n\n\n", 0), "abcde...");
	assert_string_equal(fedjit_escape(buf, sizeof(buf), "ab\n\n", 0), "ab\\x0a...");
	/* a UTF-8 character is never cut in half */
	assert_string_equal(fedjit_escape(buf, sizeof(buf), "abcde\xe6\x97\xa5xyz", 0), "abcde...");
	assert_string_equal(fedjit_escape(buf, 4, "abcdef", 0), "...");
	assert_string_equal(fedjit_escape(buf, 4, "abc", 0), "abc");
}

/* Every byte value, alone and in any pair, gives printable output that fits. */
static void test_all_bytes(void **state)
{
	char in[3], out[32];

	(void)state;
	for (unsigned a = 0; a < 256; a++)
		for (unsigned b = 0; b < 256; b++) {
			in[0] = (char)a;
			in[1] = (char)b;
			for (unsigned f = 0; f < 16; f++) {
				fedjit_escape_mem(out, sizeof(out), in, 2, f);
				assert_printable(out);
				assert_true(strlen(out) < sizeof(out));
			}
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_controls),  cmocka_unit_test(test_utf8),
	        cmocka_unit_test(test_flags),     cmocka_unit_test(test_cut),
	        cmocka_unit_test(test_all_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The QR renderer: shape, quiet zone, glyph set, and that the drawing is
 * exactly libqrencode's module matrix (read back from the text). */
#include <errno.h>
#include <qrencode.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/macro.h"
#include "pam/qr.h"

#define URL "https://idp.example.test/device?user_code=WDJB-MJHT"
#define M   FEDJIT_QR_MARGIN

/* Splits a rendering into lines of glyphs: 0 space, 1 upper, 2 lower, 3 full
 * (bit 0: top light, bit 1: bottom light). Fails on any other byte. */
static int parse(const char *s, unsigned char cells[200][200], int *ret_width)
{
	int line = 0, col = 0, width = -1;

	for (const char *p = s;;) {
		if (*p == '\n' || *p == 0) {
			if (width < 0)
				width = col;
			assert_int_equal(col, width);
			line++;
			col = 0;
			if (*p++ == 0)
				break;
			continue;
		}
		assert_true(col < 200 && line < 200);
		if (*p == ' ') {
			cells[line][col++] = 0;
			p++;
		} else if (strncmp(p, "\xe2\x96\x80", 3) == 0) {
			cells[line][col++] = 1;
			p += 3;
		} else if (strncmp(p, "\xe2\x96\x84", 3) == 0) {
			cells[line][col++] = 2;
			p += 3;
		} else if (strncmp(p, "\xe2\x96\x88", 3) == 0) {
			cells[line][col++] = 3;
			p += 3;
		} else
			fail_msg("unexpected byte 0x%02x", (unsigned char)*p);
	}
	*ret_width = width;
	return line;
}

static void test_matches_encoder(void **state)
{
	static unsigned char cells[200][200];
	_cleanup_free_ char *out = NULL;
	QRcode *qr = QRcode_encodeString8bit(URL, 0, QR_ECLEVEL_L);
	int width, lines, size;

	assert_non_null(qr);
	size = qr->width + 2 * M;
	assert_int_equal(fedjit_qr_render(URL, &out), 0);
	lines = parse(out, cells, &width);
	assert_int_equal(width, size);
	assert_int_equal(lines, (size + 1) / 2);
	assert_true(out[strlen(out) - 1] != '\n');

	for (int y = 0; y < 2 * lines; y++)
		for (int x = 0; x < size; x++) {
			bool drawn = cells[y / 2][x] & (y % 2 ? 2 : 1);
			int qx = x - M, qy = y - M;
			bool expect;

			if (y >= size)
				expect = false; /* below the code: blank */
			else if (qx < 0 || qy < 0 || qx >= qr->width || qy >= qr->width)
				expect = true; /* quiet zone: light */
			else
				expect = !(qr->data[qy * qr->width + qx] & 1);
			if (drawn != expect)
				fail_msg("module (%d,%d) drawn %d, expected %d", x, y, drawn,
				         expect);
		}
	QRcode_free(qr);
}

static void test_quiet_zone_and_determinism(void **state)
{
	static unsigned char cells[200][200];
	_cleanup_free_ char *a = NULL, *b = NULL;
	int width, lines;

	assert_int_equal(fedjit_qr_render(URL, &a), 0);
	assert_int_equal(fedjit_qr_render(URL, &b), 0);
	assert_string_equal(a, b);
	lines = parse(a, cells, &width);
	/* Top line: the two margin rows, all light. Side columns: light. */
	for (int x = 0; x < width; x++)
		assert_int_equal(cells[0][x], 3);
	for (int l = 0; l < lines - 1; l++)
		for (int x = 0; x < M; x++) {
			assert_int_equal(cells[l][x], 3);
			assert_int_equal(cells[l][width - 1 - x], 3);
		}
	/* QR sizes are odd, so the bordered height is odd: the last line is the
	 * last margin row over nothing. */
	for (int x = 0; x < width; x++)
		assert_int_equal(cells[lines - 1][x], 1);
	/* The finder pattern's dark corner sits right inside the quiet zone. */
	assert_int_equal(cells[1][M] & 1, 0);
}

static void test_errors(void **state)
{
	char *out = NULL;
	_cleanup_free_ char *huge = malloc(4000);

	assert_int_equal(fedjit_qr_render("", &out), -EINVAL);
	assert_int_equal(fedjit_qr_render(NULL, &out), -EINVAL);
	assert_non_null(huge);
	memset(huge, 'x', 3999);
	huge[3999] = 0;
	assert_int_equal(fedjit_qr_render(huge, &out), -E2BIG);
	assert_null(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_matches_encoder),
	        cmocka_unit_test(test_quiet_zone_and_determinism),
	        cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

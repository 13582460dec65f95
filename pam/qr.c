/* SPDX-License-Identifier: Apache-2.0 */
/* QR code rendering with libqrencode into UTF-8 half blocks; see qr.h. */
#include <errno.h>
#include <qrencode.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "pam/qr.h"

#define UPPER "\xe2\x96\x80" /* ▀ U+2580 UPPER HALF BLOCK */
#define LOWER "\xe2\x96\x84" /* ▄ U+2584 LOWER HALF BLOCK */
#define FULL  "\xe2\x96\x88" /* █ U+2588 FULL BLOCK */

/* Is the module at (x, y) of the bordered square light? Rows below the
 * square (an odd height's last half line) are blank, not light. */
static bool light(const QRcode *qr, int x, int y)
{
	int size = qr->width + 2 * FEDJIT_QR_MARGIN;

	if (y >= size)
		return false;
	x -= FEDJIT_QR_MARGIN;
	y -= FEDJIT_QR_MARGIN;
	if (x < 0 || y < 0 || x >= qr->width || y >= qr->width)
		return true;
	return !(qr->data[y * qr->width + x] & 1);
}

int fedjit_qr_render(const char *text, char **ret)
{
	QRcode *qr;
	char *out, *p;
	int size, lines;

	if (!text || !*text)
		return -EINVAL;
	errno = 0;
	qr = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_L);
	if (!qr)
		return errno == ENOMEM ? -ENOMEM : -E2BIG;
	size = qr->width + 2 * FEDJIT_QR_MARGIN;
	lines = (size + 1) / 2;
	/* Every cell at most 3 bytes, plus a newline per line and the NUL. */
	out = malloc((size_t)lines * ((size_t)size * 3 + 1) + 1);
	if (!out) {
		QRcode_free(qr);
		return -ENOMEM;
	}
	p = out;
	for (int l = 0; l < lines; l++) {
		for (int x = 0; x < size; x++) {
			bool top = light(qr, x, 2 * l), bottom = light(qr, x, 2 * l + 1);
			const char *glyph = top ? (bottom ? FULL : UPPER) : (bottom ? LOWER : " ");

			p = stpcpy(p, glyph);
		}
		if (l + 1 < lines)
			*p++ = '\n';
	}
	*p = 0;
	QRcode_free(qr);
	*ret = out;
	return 0;
}

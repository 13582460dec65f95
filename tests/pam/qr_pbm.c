/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Draws fedjit_qr_render(argv[1]) as a terminal with a dark background shows
 * it (drawn half blocks light, the rest dark), into a PBM image on stdout,
 * SCALE pixels per module, so tests/pam/qr-decode.sh can scan it.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/macro.h"
#include "pam/qr.h"

#define SCALE 4

int main(int argc, char **argv)
{
	_cleanup_free_ char *text = NULL;
	static unsigned char light[512][256];
	int rows = 0, cols = 0, col = 0;

	if (argc != 2 || fedjit_qr_render(argv[1], &text) < 0)
		return 1;
	for (const char *p = text;; col++) {
		if (*p == '\n' || !*p) {
			cols = col;
			rows += 2;
			col = -1;
			if (!*p++)
				break;
			continue;
		}
		if (rows + 1 >= 512 || col >= 256)
			return 1;
		if (*p == ' ') {
			p++;
			continue;
		}
		if (strncmp(p, "\xe2\x96\x80", 3) == 0)
			light[rows][col] = 1;
		else if (strncmp(p, "\xe2\x96\x84", 3) == 0)
			light[rows + 1][col] = 1;
		else if (strncmp(p, "\xe2\x96\x88", 3) == 0)
			light[rows][col] = light[rows + 1][col] = 1;
		else
			return 1;
		p += 3;
	}
	/* A dark terminal around it, then the picture; PBM: 1 is black. */
	printf("P1\n%d %d\n", (cols + 8) * SCALE, (rows + 8) * SCALE);
	for (int y = -4 * SCALE; y < (rows + 4) * SCALE; y++) {
		for (int x = -4 * SCALE; x < (cols + 4) * SCALE; x++) {
			int my = y < 0 ? -1 : y / SCALE, mx = x < 0 ? -1 : x / SCALE;
			bool on = my >= 0 && mx >= 0 && my < rows && mx < cols && light[my][mx];

			fputs(on ? "0 " : "1 ", stdout);
		}
		putchar('\n');
	}
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* QR code of the verification URL as text, for the PAM conversation. */
#pragma once

#define FEDJIT_QR_MARGIN 2 /* quiet zone in modules on every side */

/*
 * Renders text as a QR code (libqrencode, 8-bit mode, error correction level
 * L, smallest version that fits) drawn with the UTF-8 half blocks U+2580 ▀,
 * U+2584 ▄, U+2588 █ and spaces, two module rows per text line. LIGHT modules
 * and the quiet zone are drawn, dark modules are left blank: terminals are
 * mostly light-on-dark, so the code reads right there (phone scanners also
 * read the inverted form). Lines are separated by '\n', no trailing newline.
 * 0 and *ret (caller frees); -EINVAL for empty text, -E2BIG when it does not
 * fit a QR code, -ENOMEM.
 */
int fedjit_qr_render(const char *text, char **ret);

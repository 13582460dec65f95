/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one escaping of attacker-influenced text (ARCHITECTURE.md trust boundary 5): names,
 * subjects, issuers, gecos, email and groups from an ID token, the PAM user, a remote
 * host, an IdP's error description. Every such string is escaped before it reaches a
 * log line (syslog, the helper's and the module's), an audit record, a prompt or the
 * admin tool's output.
 *
 * THE ESCAPING: the output is printable text only. Every byte that is not part of a
 * printable character is written as \xNN (a backslash, 'x', two lower-case hex
 * digits), and so is the backslash itself (\x5c), so the result is unambiguous: it
 * can be read back byte for byte, and it never holds a line break, a terminal escape
 * or any other control character. Printable characters are
 *   - ASCII 0x20..0x7e;
 *   - valid UTF-8 (shortest form, no surrogates, at most U+10FFFF) of any character
 *     except the C1 controls U+0080..U+009F, the line and paragraph separators
 *     U+2028 and U+2029, the bidirectional marks, embeddings, overrides and isolates
 *     (U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069), and the invisible
 *     format characters U+200B..U+200D, U+2060..U+2064 and U+FEFF, which can reorder
 *     or hide what a reader sees. Each byte of such a character, and each byte of
 *     invalid UTF-8, is written as \xNN.
 * Flags narrow what passes:
 *   FEDJIT_ESCAPE_ASCII  every byte from 0x80 up as well (for text that is ASCII by
 *                        rule, e.g. a name quoted in a reason: any other byte is news);
 *   FEDJIT_ESCAPE_FIELD  the space as well: a value inside a record of space separated
 *                        key=value fields (the audit line) stays one field, so a
 *                        subject "x account=root" cannot forge a second account=;
 *   FEDJIT_ESCAPE_QUOTE  ' and " as well: a value shown between quotes;
 *   FEDJIT_ESCAPE_LINE   for a whole line already built from escaped values: the
 *                        backslash is kept as it is (it starts the escapes inside),
 *                        everything else as above. A safety net at a sink, never a
 *                        substitute for escaping each value.
 * When the output does not fit into size bytes it is cut at a character (or escape)
 * boundary and ends in "..." (size must be at least 4). A NULL string is written "-",
 * as logs write an absent value.
 */
#pragma once

#include <stddef.h>

#define FEDJIT_ESCAPE_ASCII (1u << 0)
#define FEDJIT_ESCAPE_FIELD (1u << 1)
#define FEDJIT_ESCAPE_QUOTE (1u << 2)
#define FEDJIT_ESCAPE_LINE  (1u << 3)

/* Room for a claim in a log line: a 255-byte subject escaped entirely fits. */
#define FEDJIT_ESCAPE_SIZE 1024

/* Escapes len bytes of s (NUL bytes included: they are escaped) into buf; returns buf. */
const char *fedjit_escape_mem(char *buf, size_t size, const char *s, size_t len, unsigned flags);
/* Escapes the NUL-terminated s (NULL: "-") into buf; returns buf. */
const char *fedjit_escape(char *buf, size_t size, const char *s, unsigned flags);

/*
 * For a format argument: FEDJIT_ESC(s) is the escaped s in a buffer that lives until the
 * end of the enclosing block (a compound literal), e.g.
 *   syslog(LOG_INFO, "user %s", FEDJIT_ESC(name));
 * FEDJIT_ESC_FIELD(s) is the same for a key=value field.
 */
#define FEDJIT_ESC(s) fedjit_escape((char[FEDJIT_ESCAPE_SIZE]){0}, FEDJIT_ESCAPE_SIZE, (s), 0)
#define FEDJIT_ESC_FIELD(s) \
	fedjit_escape((char[FEDJIT_ESCAPE_SIZE]){0}, FEDJIT_ESCAPE_SIZE, (s), FEDJIT_ESCAPE_FIELD)

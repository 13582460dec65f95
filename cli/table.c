/* SPDX-License-Identifier: Apache-2.0 */
/* Aligned tables for people: columns as wide as their widest cell. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "cli/cli.h"
#include "common/escape.h"

/* Columns on the terminal: a subject or gecos may be UTF-8. Invalid
 * sequences count as one column per byte. */
static size_t display_width(const char *s)
{
	size_t n = mbstowcs(NULL, s, 0);
	wchar_t *w;
	int cols;

	if (n == (size_t)-1 || !(w = calloc(n + 1, sizeof(wchar_t))))
		return strlen(s);
	mbstowcs(w, s, n + 1);
	cols = wcswidth(w, n);
	free(w);
	return cols < 0 ? strlen(s) : (size_t)cols;
}

struct fedjit_table {
	size_t n_cols, n_rows, cap;
	char **cells; /* n_rows * n_cols, row 0 is the header */
	size_t *width;
};

static int add_row(struct fedjit_table *t, const char *const *cells)
{
	if (t->n_rows == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		char **c = reallocarray(t->cells, cap * t->n_cols, sizeof(char *));

		if (!c)
			return -ENOMEM;
		t->cells = c;
		t->cap = cap;
	}
	for (size_t i = 0; i < t->n_cols; i++) {
		/* Names and claims are checked on the way in, but a table must
		 * never carry line breaks or terminal control sequences. */
		char *s = strdup(cells[i] ? FEDJIT_ESC(cells[i]) : "-");

		if (!s) {
			for (size_t j = 0; j < i; j++)
				free(t->cells[t->n_rows * t->n_cols + j]);
			return -ENOMEM;
		}
		t->cells[t->n_rows * t->n_cols + i] = s;
		if (display_width(s) > t->width[i])
			t->width[i] = display_width(s);
	}
	t->n_rows++;
	return 0;
}

struct fedjit_table *fedjit_table_new(size_t n_cols, const char *const *titles)
{
	struct fedjit_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->n_cols = n_cols;
	t->width = calloc(n_cols, sizeof(size_t));
	if (!t->width || add_row(t, titles) < 0) {
		fedjit_table_free(t);
		return NULL;
	}
	return t;
}

int fedjit_table_add(struct fedjit_table *t, const char *const *cells)
{
	return add_row(t, cells);
}

void fedjit_table_print(const struct fedjit_table *t, FILE *out)
{
	for (size_t r = 0; r < t->n_rows; r++) {
		for (size_t c = 0; c < t->n_cols; c++) {
			const char *s = t->cells[r * t->n_cols + c];

			if (c + 1 == t->n_cols)
				fprintf(out, "%s\n", s);
			else
				fprintf(out, "%s%*s  ", s, (int)(t->width[c] - display_width(s)),
				        "");
		}
	}
}

void fedjit_table_free(struct fedjit_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_rows * t->n_cols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->width);
	free(t);
}

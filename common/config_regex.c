/* SPDX-License-Identifier: Apache-2.0 */
/*
 * How big a POSIX extended regex grows when glibc compiles it.
 *
 * glibc's regcomp expands an interval a{m,n} into n copies of a's parse tree
 * (duplicate_tree), so nested intervals multiply: "((a{0,99}){0,99}){0,99}"
 * is a million copies and gigabytes of memory, in whatever process loads the
 * configuration (sshd's, through the PAM module). The policy regexes only ever
 * see names of at most 32 bytes, so a sane one is small; this walks the
 * pattern once, without compiling it, and counts the copies:
 *   a literal, '.', an escape or a bracket expression counts 1;
 *   a sequence the sum, an alternation the sum of its branches;
 *   a group its contents (at least 1);
 *   x{m}, x{m,n}: x times n (or m), and x{m,}: x times m + 1; x+ twice x
 *   (glibc writes it as x x*); x* and x? as x.
 * Sums and products saturate at FEDJIT_REGEX_COST_MAX + 1. Anything that is not
 * valid ERE is left for regcomp to report; here it only has to be counted
 * conservatively, never read past the end.
 */
#include <stdbool.h>
#include <stdlib.h>

#include "config_internal.h"

#define MAX_GROUP_DEPTH 32

struct walk {
	const char *p;
	int depth;
	bool too_deep;
};

static unsigned long sat_add(unsigned long a, unsigned long b)
{
	unsigned long s = a + b;

	return s > FEDJIT_REGEX_COST_MAX ? FEDJIT_REGEX_COST_MAX + 1 : s;
}

static unsigned long sat_mul(unsigned long a, unsigned long b)
{
	if (a == 0 || b == 0)
		return 0;
	if (a > (FEDJIT_REGEX_COST_MAX + 1) / b)
		return FEDJIT_REGEX_COST_MAX + 1;
	return sat_add(a * b, 0);
}

/* "[...]": past the closing ']' (or to the end of an unterminated one). */
static void skip_bracket(struct walk *w)
{
	const char *p = w->p + 1;

	if (*p == '^')
		p++;
	if (*p == ']')
		p++;
	while (*p && *p != ']') {
		if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
			char end = p[1];

			for (p += 2; *p && !(p[0] == end && p[1] == ']'); p++)
				;
			if (*p)
				p += 2;
			continue;
		}
		p++;
	}
	w->p = *p ? p + 1 : p;
}

/* A decimal bound of an interval; false when there is none. */
static bool read_bound(const char **pp, unsigned long *ret)
{
	const char *p = *pp;
	unsigned long v = 0;

	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++)
		v = v > 100000 ? v : v * 10 + (unsigned long)(*p - '0');
	*pp = p;
	*ret = v;
	return true;
}

/* "{m}", "{m,}", "{m,n}" at w->p: true, the copies it makes and w->p past
 * it; false (nothing consumed) when this '{' opens no interval. */
static bool interval(struct walk *w, unsigned long *ret_copies)
{
	const char *p = w->p + 1;
	unsigned long m, n;

	if (!read_bound(&p, &m))
		return false;
	n = m;
	if (*p == ',') {
		p++;
		if (!read_bound(&p, &n))
			n = m + 1; /* {m,}: m copies and a star */
	}
	if (*p != '}')
		return false;
	w->p = p + 1;
	*ret_copies = n > m ? n : m;
	return true;
}

static unsigned long alternation(struct walk *w);

static unsigned long atom(struct walk *w)
{
	unsigned long c;

	switch (*w->p) {
	case '(':
		if (++w->depth > MAX_GROUP_DEPTH) {
			w->too_deep = true;
			return FEDJIT_REGEX_COST_MAX + 1;
		}
		w->p++;
		c = alternation(w);
		w->depth--;
		if (*w->p == ')')
			w->p++;
		return c ? c : 1;
	case '[':
		skip_bracket(w);
		return 1;
	case '\\':
		w->p += w->p[1] ? 2 : 1;
		return 1;
	default:
		w->p++;
		return 1;
	}
}

static unsigned long sequence(struct walk *w)
{
	unsigned long total = 0;

	while (*w->p && *w->p != '|' && *w->p != ')' && !w->too_deep) {
		unsigned long c = atom(w);

		for (;;) {
			if (*w->p == '*' || *w->p == '?') {
				w->p++;
			} else if (*w->p == '+') {
				w->p++;
				c = sat_mul(c, 2);
			} else if (*w->p == '{') {
				unsigned long copies;

				if (!interval(w, &copies))
					break; /* a literal '{': the next atom */
				/* x{0} and x{0,0} still parse x once */
				c = sat_mul(c, copies ? copies : 1);
			} else {
				break;
			}
		}
		total = sat_add(total, c);
	}
	return total;
}

static unsigned long alternation(struct walk *w)
{
	unsigned long total = sequence(w);

	while (*w->p == '|' && !w->too_deep) {
		w->p++;
		total = sat_add(total, sequence(w));
	}
	return total;
}

unsigned long fedjit_regex_cost(const char *pattern)
{
	struct walk w = {.p = pattern};
	unsigned long total = 0;

	/* a stray ')' at the top level ends nothing: count on past it */
	while (*w.p && !w.too_deep) {
		total = sat_add(total, alternation(&w));
		if (*w.p == ')')
			w.p++;
	}
	return w.too_deep ? FEDJIT_REGEX_COST_MAX + 1 : total;
}

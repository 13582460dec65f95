/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What glibc's regcomp would make of a policy regex, judged before it runs.
 *
 * The policy regexes only ever see names of at most 32 bytes, but compiling
 * one can take gigabytes or recurse until the stack runs out, in whatever
 * process loads the configuration (sshd's, through the PAM module): regcomp
 * copies an interval's operand once per repetition (duplicate_tree), and "x+"
 * as "x x*", so nested repetitions multiply; stacked operators such as
 * "y????????" or "()+++" build chains of empty transitions whose closure it
 * computes recursively. This walks the pattern once, without compiling it:
 *   - refused outright: a repetition operator (* + ? {m,n}) right after
 *     another one, or with nothing before it (both undefined in POSIX; group
 *     the operand instead), a ')' without its '(' or a '(' without its ')'
 *     (the configuration check compiles "^(P)$", and an unbalanced P would
 *     bind those anchors differently from the match itself), groups nested
 *     deeper than 32, back-references (a glibc extension; they make matching
 *     backtrack);
 *   - counted: a literal, '.', an escape or a bracket expression is 1, a
 *     sequence or an alternation the sum, a group its contents (at least 1),
 *     x{m}, x{m,n} x times n (or m), x{m,} x times m + 1, x+ twice x, x* and
 *     x? x; sums and products saturate at FEDJIT_REGEX_COST_MAX + 1.
 * Anything else that is not valid ERE (an unterminated bracket, a{2,1}) is
 * left for regcomp to report; here it only has to be counted without reading
 * past the end.
 */
#include <stdbool.h>

#include "common/config_internal.h"

#define MAX_GROUP_DEPTH 32

struct walk {
	const char *p;
	int depth;
	const char *error; /* the first structural refusal */
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

static void refuse(struct walk *w, const char *why)
{
	if (!w->error)
		w->error = why;
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

/* A repetition operator at w->p: true, its factor and w->p past it. */
static bool repetition(struct walk *w, unsigned long *ret_factor)
{
	switch (*w->p) {
	case '*':
	case '?':
		w->p++;
		*ret_factor = 1;
		return true;
	case '+':
		w->p++;
		*ret_factor = 2;
		return true;
	case '{':
		if (!interval(w, ret_factor))
			return false; /* a literal '{' */
		if (*ret_factor == 0)
			*ret_factor = 1; /* x{0} still parses x once */
		return true;
	default:
		return false;
	}
}

static unsigned long alternation(struct walk *w);

static unsigned long atom(struct walk *w)
{
	unsigned long c;

	switch (*w->p) {
	case '(':
		if (++w->depth > MAX_GROUP_DEPTH) {
			refuse(w, "nests groups deeper than 32");
			return FEDJIT_REGEX_COST_MAX + 1;
		}
		w->p++;
		c = alternation(w);
		w->depth--;
		if (*w->p != ')') {
			refuse(w, "has a '(' without its ')'");
			return c;
		}
		w->p++;
		return c ? c : 1;
	case '[':
		skip_bracket(w);
		return 1;
	case '\\':
		/* glibc's back-references (not POSIX ERE) make matching backtrack */
		if (w->p[1] >= '1' && w->p[1] <= '9')
			refuse(w, "has a back-reference (\\1 .. \\9, not part of POSIX extended "
			          "regexes)");
		w->p += w->p[1] ? 2 : 1;
		return 1;
	default:
		w->p++;
		return 1;
	}
}

static unsigned long sequence(struct walk *w)
{
	unsigned long total = 0, factor;

	while (*w->p && *w->p != '|' && *w->p != ')' && !w->error) {
		if (repetition(w, &factor)) {
			refuse(w, "repeats nothing (a repetition at the start of the pattern, of a "
			          "group or of a branch)");
			break;
		}
		unsigned long c = atom(w);
		if (repetition(w, &factor)) {
			c = sat_mul(c, factor);
			if (repetition(w, &factor))
				refuse(w, "repeats a repetition (such as a** or a+?, undefined in "
				          "POSIX): put the first one in a group");
		}
		total = sat_add(total, c);
	}
	return total;
}

static unsigned long alternation(struct walk *w)
{
	unsigned long total = sequence(w);

	while (*w->p == '|' && !w->error) {
		w->p++;
		total = sat_add(total, sequence(w));
	}
	return total;
}

unsigned long fedjit_regex_cost(const char *pattern, const char **ret_error)
{
	struct walk w = {.p = pattern};
	unsigned long total = alternation(&w);

	if (*w.p == ')')
		refuse(&w, "has a ')' without its '('");
	*ret_error = w.error;
	return total;
}

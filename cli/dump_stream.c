/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading a dump one element at a time (dump.h): the outer object and its
 * arrays and objects are walked here, character by character; each element
 * (a user, a group, a link, a consent) is decoded by jansson on its own
 * (json_loadf with JSON_DISABLE_EOF_CHECK stops right after the element's
 * closing bracket), handed over and freed. Memory is one element, not the
 * whole dump: a million users' dump is about 750 MB of JSON and several GB as
 * one jansson tree.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/dump.h"

/* The next character that is not JSON white space, or EOF. */
static int next(struct fedjit_jstream *js)
{
	int c;

	do {
		c = getc(js->f);
		if (c == '\n')
			js->line++;
	} while (c == ' ' || c == '\t' || c == '\n' || c == '\r');
	return c;
}

static int fail(struct fedjit_jstream *js, const char *what)
{
	if (!js->error[0])
		snprintf(js->error, sizeof(js->error), "line %d: %s", js->line, what);
	return -EBADMSG;
}

/* A scalar token (string, number, true, false, null) whose first character
 * c was read: its text is collected and decoded by jansson. */
static json_t *scalar(struct fedjit_jstream *js, int c)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	bool str = c == '"', esc = false;
	json_t *v = NULL;
	json_error_t err;

	for (;;) {
		if (len + 2 > cap) {
			char *nb = realloc(buf, cap = cap ? 2 * cap : 64);

			if (!nb || cap > FEDJIT_JSTREAM_SCALAR_MAX)
				goto out;
			buf = nb;
		}
		buf[len++] = (char)c;
		if (str && len > 1 && !esc && c == '"')
			break;
		esc = str && !esc && c == '\\';
		c = getc(js->f);
		if (c == EOF)
			goto out;
		if (!str && !strchr("0123456789+-.eEtruefalsn", c)) {
			ungetc(c, js->f);
			break;
		}
	}
	v = json_loadb(buf, len, JSON_DECODE_ANY, &err);
out:
	free(buf);
	if (!v)
		fail(js, "malformed value");
	return v;
}

json_t *fedjit_jstream_value(struct fedjit_jstream *js)
{
	json_error_t err;
	json_t *v;
	int c = next(js);

	if (c == '{' || c == '[') {
		ungetc(c, js->f);
		v = json_loadf(js->f, JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES, &err);
		if (!v) {
			snprintf(js->error, sizeof(js->error), "line %d: %s",
			         js->line + err.line - 1, err.text);
			return NULL;
		}
		js->line += err.line > 0 ? err.line - 1 : 0;
		return v;
	}
	if (c == EOF) {
		fail(js, "unexpected end of file");
		return NULL;
	}
	return scalar(js, c);
}

int fedjit_jstream_object(struct fedjit_jstream *js, fedjit_jstream_member_fn fn, void *userdata)
{
	int c = next(js), r;

	if (c != '{')
		return fail(js, "an object was expected");
	c = next(js);
	if (c == '}')
		return 0;
	for (;;) {
		json_t *key;

		if (c != '"')
			return fail(js, "a member name was expected");
		key = scalar(js, c);
		if (!key)
			return -EBADMSG;
		if (next(js) != ':') {
			json_decref(key);
			return fail(js, "':' was expected");
		}
		r = fn(js, json_string_value(key), userdata);
		json_decref(key);
		if (r < 0)
			return r;
		c = next(js);
		if (c == '}')
			return 0;
		if (c != ',')
			return fail(js, "',' or '}' was expected");
		c = next(js);
	}
}

int fedjit_jstream_array(struct fedjit_jstream *js, fedjit_jstream_elem_fn fn, void *userdata)
{
	int c = next(js), r;
	size_t i = 0;

	if (c != '[')
		return fail(js, "an array was expected");
	c = next(js);
	if (c == ']')
		return 0;
	ungetc(c, js->f);
	for (;; i++) {
		json_t *v = fedjit_jstream_value(js);

		if (!v)
			return -EBADMSG;
		r = fn(js, v, i, userdata);
		json_decref(v);
		if (r < 0)
			return r;
		c = next(js);
		if (c == ']')
			return 0;
		if (c != ',')
			return fail(js, "',' or ']' was expected");
	}
}

int fedjit_jstream_end(struct fedjit_jstream *js)
{
	return next(js) == EOF ? 0 : fail(js, "data after the dump");
}

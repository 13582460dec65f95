/* SPDX-License-Identifier: Apache-2.0 */
/* msg=claims: see claims.h for the format. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pam/helper/claims.h"

#define DUMP_FLAGS  (JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII)
#define OMITTED_MAX 1024

/* jansson leaves DEL (0x7f) as it is, pam/proto/proto.h refuses it in a value: escape it
 * too (it can only stand inside a string). Frees text; NULL on ENOMEM. */
static char *escape_del(char *text)
{
	size_t n = 0, len = strlen(text);
	char *out, *o;

	for (const char *p = text; *p; p++)
		n += *p == 0x7f;
	if (n == 0)
		return text;
	out = malloc(len + 5 * n + 1);
	if (out) {
		o = out;
		for (const char *p = text; *p; p++)
			o = *p == 0x7f ? stpcpy(o, "\\u007f") : (*o = *p, o + 1);
		*o = '\0';
	}
	free(text);
	return out;
}

/* The member whose compact form is the largest. */
static const char *largest_member(json_t *obj)
{
	const char *key, *best = NULL;
	size_t best_len = 0;
	json_t *v;

	json_object_foreach(obj, key, v)
	{
		size_t len = json_dumpb(v, NULL, 0, DUMP_FLAGS | JSON_ENCODE_ANY) + strlen(key);

		if (!best || len > best_len) {
			best = key;
			best_len = len;
		}
	}
	return best;
}

/* Appends the name as an escaped JSON string to list (size OMITTED_MAX). */
static int note_omitted(char *list, const char *name)
{
	json_t *s = json_string(name);
	char *q = s ? json_dumps(s, DUMP_FLAGS | JSON_ENCODE_ANY) : NULL;
	size_t used = strlen(list);
	int r = 0;

	json_decref(s);
	if (q)
		q = escape_del(q);
	if (!q)
		return -ENOMEM;
	if (used >= 3 && strcmp(list + used - 3, "...") == 0)
		; /* already full */
	else if (used + 1 + strlen(q) + 4 < OMITTED_MAX)
		snprintf(list + used, OMITTED_MAX - used, "%s%s", used ? "," : "", q);
	else
		snprintf(list + used, OMITTED_MAX - used, "%s...", used ? "," : "");
	free(q);
	return r;
}

int fedjit_claims_msg(const json_t *claims, struct fedjit_msg *m)
{
	json_t *obj;
	char omitted[OMITTED_MAX] = "", *text = NULL;
	int r;

	if (!json_is_object(claims))
		return -EINVAL;
	obj = json_copy((json_t *)claims); /* shallow: members are only dropped */
	if (!obj)
		return -ENOMEM;
	for (;;) {
		const char *key;

		text = json_dumps(obj, DUMP_FLAGS);
		if (text)
			text = escape_del(text);
		if (!text) {
			r = -ENOMEM;
			goto out;
		}
		if (strlen(text) <= FEDJIT_PROTO_MAX_VALUE)
			break;
		free(text);
		text = NULL;
		key = largest_member(obj);
		r = note_omitted(omitted, key);
		if (r < 0)
			goto out;
		json_object_del(obj, key);
	}
	r = fedjit_msg_start(m, "claims");
	if (r >= 0)
		r = fedjit_msg_add(m, "json", text);
	if (r >= 0 && omitted[0])
		r = fedjit_msg_add(m, "omitted", omitted);
out:
	free(text);
	json_decref(obj);
	return r < 0 ? r : 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writing the effective configuration back in fedjit.conf syntax: every key
 * of every section, defaults and derived values (gid range, client_auth,
 * sshd_preauth) written out, list keys as "key =" (which empties the list)
 * followed by one line per entry. Reading the output gives the same
 * configuration, and writing that again gives the same text (the fuzz harness
 * checks this round trip).
 */
/* "config.h" here is common/config.h (same directory), not autoconf's: ask for GNU here. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/config.h"
#include "common/config_internal.h"
#include "common/macro.h"

/*
 * One "key = value" line; "key=value" when the spaces would pass the line
 * limit (a value read from a file always fits the short form).
 */
static void put(FILE *f, const char *key, const char *value)
{
	if (strlen(key) + 3 + strlen(value) > FEDJIT_CONFIG_LINE_MAX)
		fprintf(f, "%s=%s\n", key, value);
	else if (*value)
		fprintf(f, "%s = %s\n", key, value);
	else
		fprintf(f, "%s =\n", key);
}

static void put_key(FILE *f, const struct fedjit_key_desc *key, const void *base)
{
	char num[32];

	switch (key->type) {
	case KT_STRING: {
		const char *v = *FIELD(base, key, char *const);
		put(f, key->name, v ? v : key->check == KC_PATH_OR_NONE ? "none" : "");
		return;
	}
	case KT_BOOL:
		put(f, key->name, *FIELD(base, key, const bool) ? "yes" : "no");
		return;
	case KT_U32:
		snprintf(num, sizeof(num), "%" PRIu32, *FIELD(base, key, const uint32_t));
		put(f, key->name, num);
		return;
	case KT_MODE:
		snprintf(num, sizeof(num), "%04o", (unsigned)*FIELD(base, key, const mode_t));
		put(f, key->name, num);
		return;
	case KT_ENUM:
		put(f, key->name, key->enum_names[*FIELD(base, key, const int)]);
		return;
	case KT_WORDS: {
		char line[FEDJIT_CONFIG_LINE_MAX + 1] = "";
		char *const *w = *FIELD(base, key, char **const);
		size_t len = 0;
		for (size_t i = 0; w && w[i]; i++) {
			int n = snprintf(line + len, sizeof(line) - len, "%s%s", i ? " " : "",
			                 w[i]);
			if (n < 0 || (size_t)n >= sizeof(line) - len)
				break;
			len += (size_t)n;
		}
		put(f, key->name, line);
		return;
	}
	case KT_LIST:
	case KT_NAMES: {
		char *const *l = *FIELD(base, key, char **const);
		put(f, key->name, "");
		for (size_t i = 0; l && l[i]; i++)
			put(f, key->name, l[i]);
		return;
	}
	case KT_GROUP_MAP: {
		const struct fedjit_group_map *m =
		        *FIELD(base, key, struct fedjit_group_map *const);
		size_t n = *(const size_t *)((const char *)base + key->count_offset);
		put(f, key->name, "");
		for (size_t i = 0; i < n; i++) {
			char entry[2 * FEDJIT_CONFIG_LINE_MAX];
			snprintf(entry, sizeof(entry), "%s:%s", m[i].idp_group, m[i].local_group);
			put(f, key->name, entry);
		}
		return;
	}
	}
}

static void put_section(FILE *f, enum fedjit_section_kind kind, const void *base)
{
	for (size_t i = 0; i < FEDJIT_KEY_COUNT; i++)
		if (fedjit_config_keys[i].section == kind)
			put_key(f, &fedjit_config_keys[i], base);
}

int fedjit_config_write(const struct fedjit_config *config, FILE *f)
{
	fprintf(f, "[global]\n");
	put_section(f, FEDJIT_SECTION_GLOBAL, &config->global);
	for (size_t i = 0; i < config->n_domains; i++) {
		fprintf(f, "\n[domain %s]\n", config->domains[i].name);
		put_section(f, FEDJIT_SECTION_DOMAIN, &config->domains[i]);
	}
	for (size_t i = 0; i < config->n_idps; i++) {
		fprintf(f, "\n[idp %s]\n", config->idps[i].name);
		put_section(f, FEDJIT_SECTION_IDP, &config->idps[i]);
	}
	if (fflush(f) != 0 || ferror(f))
		return -EIO;
	return 0;
}

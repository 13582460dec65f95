/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The key table of fedjit.conf and the parsers of single values.
 *
 * Each key names its section, its type, where it lives in the section's struct
 * and its default as text: a section starts with every default parsed through
 * the same code as a written value, and an empty value ("key =") restores it,
 * so defaults cannot drift from what the parser accepts. man/fedjit.conf.5
 * lists the same keys with the same defaults.
 *
 * Checks here look at one value alone (syntax and bounds here, strings in
 * config_values.c); what needs several values or the file system is in
 * config_validate.c.
 */
/* "config.h" here is common/config.h (same directory), not autoconf's: ask for GNU here. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/config.h"
#include "common/config_internal.h"
#include "common/macro.h"

#ifndef FEDJIT_DB_FILE
#define FEDJIT_DB_FILE "/var/lib/fedjit/fedjit.tdb"
#endif
#ifndef FEDJIT_SECRET_DB_FILE
#define FEDJIT_SECRET_DB_FILE "/var/lib/fedjit/secret.tdb"
#endif
#ifndef FEDJIT_CACHE_DIR
#define FEDJIT_CACHE_DIR "/var/cache/fedjit"
#endif
#ifndef FEDJIT_RUN_DIR
#define FEDJIT_RUN_DIR "/run/fedjit"
#endif
#ifndef FEDJIT_HELPER_USER
#define FEDJIT_HELPER_USER "nobody"
#endif

static const char *const provisioning_names[] = {"none", "always", "as-in-username", NULL};
static const char *const prompt_names[] = {"silent", "consent", "password+consent",
                                           "username+password+consent", NULL};
static const char *const mode_names[] = {"blocking", "non-blocking", NULL};
static const char *const username_from_names[] = {"claim", "subject", NULL};
static const char *const client_auth_names[] = {"none", "client_secret_basic", "client_secret_post",
                                                "private_key_jwt", NULL};
static const char *const refresh_empty_400_names[] = {"refused", "error", NULL};

#define G(f)        FEDJIT_SECTION_GLOBAL, .offset = offsetof(struct fedjit_global, f)
#define D(f)        FEDJIT_SECTION_DOMAIN, .offset = offsetof(struct fedjit_domain, f)
#define I(f)        FEDJIT_SECTION_IDP, .offset = offsetof(struct fedjit_idp, f)
#define STR(c)      .type = KT_STRING, .check = (c)
#define BOOLEAN     .type = KT_BOOL
#define U32(lo, hi) .type = KT_U32, .min = (lo), .max = (hi)
#define ENUM(t)     .type = KT_ENUM, .enum_names = (t)

const struct fedjit_key_desc fedjit_config_keys[FEDJIT_KEY_COUNT] = {
        [FEDJIT_KEY_DEFAULT_IDP] = {"default_idp", G(default_idp), STR(KC_NAME)},
        [FEDJIT_KEY_DB_FILE] = {"db_file", G(db_file), STR(KC_PATH), .def = FEDJIT_DB_FILE},
        [FEDJIT_KEY_SECRET_DB_FILE] = {"secret_db_file", G(secret_db_file), STR(KC_PATH),
                                       .def = FEDJIT_SECRET_DB_FILE},
        [FEDJIT_KEY_CACHE_DIR] = {"cache_dir", G(cache_dir), STR(KC_PATH), .def = FEDJIT_CACHE_DIR},
        [FEDJIT_KEY_HELPER_USER] = {"helper_user", G(helper_user), STR(KC_SYSNAME),
                                    .def = FEDJIT_HELPER_USER},
        [FEDJIT_KEY_DEBUG] = {"debug", G(debug), BOOLEAN, .def = "no"},
        [FEDJIT_KEY_RESERVED_NAMES] = {"reserved_names", G(reserved_names), .type = KT_NAMES,
                                       .check = KC_RESERVED,
                                       .count_offset =
                                               offsetof(struct fedjit_global, n_reserved_names)},
        [FEDJIT_KEY_RUN_DIR] = {"run_dir", G(run_dir), STR(KC_PATH), .def = FEDJIT_RUN_DIR},
        [FEDJIT_KEY_MAX_DEVICE_FLOWS] = {"max_device_flows", G(max_device_flows), U32(0, 100000),
                                         .def = "32"},
        [FEDJIT_KEY_MAX_DEVICE_FLOWS_PER_ADDRESS] = {"max_device_flows_per_address",
                                                     G(max_device_flows_per_address),
                                                     U32(0, 100000), .def = "4"},
        [FEDJIT_KEY_DEVICE_FLOW_SPACING] = {"device_flow_spacing", G(device_flow_spacing),
                                            U32(0, 3600), .def = "5"},

        /* Ranges are checked as a whole in config_validate.c, so any uint32 parses. */
        [FEDJIT_KEY_UID_MIN] = {"uid_min", D(uid_min), U32(0, UINT32_MAX), .def = "200000"},
        [FEDJIT_KEY_UID_MAX] = {"uid_max", D(uid_max), U32(0, UINT32_MAX), .def = "299999"},
        [FEDJIT_KEY_GID_MIN] = {"gid_min", D(gid_min), U32(0, UINT32_MAX)},
        [FEDJIT_KEY_GID_MAX] = {"gid_max", D(gid_max), U32(0, UINT32_MAX)},
        [FEDJIT_KEY_HOME] = {"home", D(home), STR(KC_HOME), .def = "/home/%u"},
        [FEDJIT_KEY_HOME_MODE] = {"home_mode", D(home_mode), .type = KT_MODE, .def = "0700"},
        [FEDJIT_KEY_SHELL] = {"shell", D(shell), STR(KC_PATH), .def = "/bin/bash"},
        [FEDJIT_KEY_SKEL] = {"skel", D(skel), STR(KC_PATH_OR_NONE), .def = "/etc/skel"},
        [FEDJIT_KEY_USERNAME_REGEX] = {"username_regex", D(username_regex), STR(KC_REGEX)},
        [FEDJIT_KEY_GROUPNAME_REGEX] = {"groupname_regex", D(groupname_regex), STR(KC_REGEX)},
        [FEDJIT_KEY_PRIMARY_GROUP] = {"primary_group", D(primary_group), STR(KC_SYSNAME)},
        [FEDJIT_KEY_FULLY_QUALIFIED] = {"fully_qualified", D(fully_qualified), BOOLEAN,
                                        .def = "no"},
        [FEDJIT_KEY_CASE_FOLD] = {"case_fold", D(case_fold), BOOLEAN, .def = "yes"},

        [FEDJIT_KEY_ISSUER] = {"issuer", I(issuer), STR(KC_URL)},
        [FEDJIT_KEY_CLIENT_ID] = {"client_id", I(client_id), STR(KC_WORD)},
        [FEDJIT_KEY_CLIENT_AUTH] = {"client_auth", I(client_auth), ENUM(client_auth_names)},
        [FEDJIT_KEY_CLIENT_SECRET_FILE] = {"client_secret_file", I(client_secret_file),
                                           STR(KC_PATH)},
        [FEDJIT_KEY_PRIVATE_KEY_FILE] = {"private_key_file", I(private_key_file), STR(KC_PATH)},
        [FEDJIT_KEY_PRIVATE_KEY_ALG] = {"private_key_alg", I(private_key_alg), STR(KC_ALG),
                                        .def = "RS256"},
        [FEDJIT_KEY_CA_FILE] = {"ca_file", I(ca_file), STR(KC_PATH)},
        [FEDJIT_KEY_DEVICE_AUTHORIZATION_ENDPOINT] = {"device_authorization_endpoint",
                                                      I(device_authorization_endpoint),
                                                      STR(KC_URL)},
        [FEDJIT_KEY_ENDPOINT_HOSTS] = {"endpoint_hosts", I(endpoint_hosts), .type = KT_NAMES,
                                       .check = KC_HOST,
                                       .count_offset =
                                               offsetof(struct fedjit_idp, n_endpoint_hosts)},
        [FEDJIT_KEY_SCOPES] = {"scopes", I(scopes), STR(KC_TOKENS), .def = "openid profile email"},
        [FEDJIT_KEY_ACR_VALUES] = {"acr_values", I(acr_values), STR(KC_TOKENS)},
        [FEDJIT_KEY_REQUIRED_ACR] = {"required_acr", I(required_acr), STR(KC_TOKENS)},
        [FEDJIT_KEY_LEEWAY] = {"leeway", I(leeway), U32(0, 600), .def = "60"},
        [FEDJIT_KEY_USERINFO] = {"userinfo", I(userinfo), BOOLEAN, .def = "no"},
        [FEDJIT_KEY_HTTP_TIMEOUT] = {"http_timeout", I(http_timeout), U32(1, 300), .def = "10"},
        [FEDJIT_KEY_DISCOVERY_CACHE_TTL] = {"discovery_cache_ttl", I(discovery_cache_ttl),
                                            U32(0, 604800), .def = "3600"},
        [FEDJIT_KEY_PROVISIONING] = {"provisioning", I(provisioning), ENUM(provisioning_names),
                                     .def = "none"},
        [FEDJIT_KEY_DOMAIN] = {"domain", I(domain), STR(KC_NAME)},
        [FEDJIT_KEY_DOMAINS] = {"domains", I(domains), .type = KT_WORDS,
                                .count_offset = offsetof(struct fedjit_idp, n_domains)},
        [FEDJIT_KEY_PROMPT] = {"prompt", I(prompt), ENUM(prompt_names), .def = "silent"},
        [FEDJIT_KEY_MODE] = {"mode", I(mode), ENUM(mode_names), .def = "blocking"},
        [FEDJIT_KEY_ASSOCIATE_EXISTING] = {"associate_existing", I(associate_existing), BOOLEAN,
                                           .def = "no"},
        [FEDJIT_KEY_USERNAME_FROM] = {"username_from", I(username_from), ENUM(username_from_names),
                                      .def = "claim"},
        [FEDJIT_KEY_USERNAME_CLAIM] = {"username_claim", I(username_claim), STR(KC_WORD),
                                       .def = "preferred_username"},
        [FEDJIT_KEY_USERNAME_STRIP_SUFFIX] = {"username_strip_suffix", I(username_strip_suffix),
                                              STR(KC_TOKENS)},
        [FEDJIT_KEY_GECOS_CLAIM] = {"gecos_claim", I(gecos_claim), STR(KC_WORD), .def = "name"},
        [FEDJIT_KEY_EMAIL_CLAIM] = {"email_claim", I(email_claim), STR(KC_WORD), .def = "email"},
        [FEDJIT_KEY_TRUST_EMAIL] = {"trust_email", I(trust_email), BOOLEAN, .def = "no"},
        [FEDJIT_KEY_GROUPS_CLAIM] = {"groups_claim", I(groups_claim), STR(KC_WORD),
                                     .def = "groups"},
        [FEDJIT_KEY_GROUP_MAP] = {"group_map", I(group_map), .type = KT_GROUP_MAP,
                                  .count_offset = offsetof(struct fedjit_idp, n_group_map)},
        [FEDJIT_KEY_CREATE_GROUPS] = {"create_groups", I(create_groups), BOOLEAN, .def = "no"},
        [FEDJIT_KEY_ALLOWED_GROUPS] = {"allowed_groups", I(allowed_groups), .type = KT_LIST,
                                       .count_offset =
                                               offsetof(struct fedjit_idp, n_allowed_groups)},
        [FEDJIT_KEY_SSHD_PREAUTH] = {"sshd_preauth", I(sshd_preauth), BOOLEAN},
        [FEDJIT_KEY_PROVISION_HOOK] = {"provision_hook", I(provision_hook), STR(KC_PATH)},
        [FEDJIT_KEY_QR_CODE] = {"qr_code", I(qr_code), BOOLEAN, .def = "yes"},
        [FEDJIT_KEY_WAIT_FOR_ENTER] = {"wait_for_enter", I(wait_for_enter), BOOLEAN, .def = "yes"},
        [FEDJIT_KEY_TIMEOUT] = {"timeout", I(timeout), U32(10, 3600), .def = "300"},
        [FEDJIT_KEY_REVALIDATE_AFTER] = {"revalidate_after", I(revalidate_after), U32(0, 31536000),
                                         .def = "3600"},
        [FEDJIT_KEY_OFFLINE_GRACE] = {"offline_grace", I(offline_grace), U32(0, 31536000),
                                      .def = "86400"},
        [FEDJIT_KEY_OFFLINE_ACCESS] = {"offline_access", I(offline_access), BOOLEAN, .def = "no"},
        [FEDJIT_KEY_REFRESH_EMPTY_400] = {"refresh_empty_400", I(refresh_empty_400),
                                          ENUM(refresh_empty_400_names), .def = "refused"},
};

const struct fedjit_key_desc *fedjit_config_key_find(enum fedjit_section_kind kind,
                                                     const char *name)
{
	for (size_t i = 0; i < FEDJIT_ELEMENTSOF(fedjit_config_keys); i++)
		if (fedjit_config_keys[i].section == kind &&
		    strcmp(fedjit_config_keys[i].name, name) == 0)
			return &fedjit_config_keys[i];
	return NULL;
}

enum fedjit_section_kind fedjit_config_key_home(const char *name)
{
	for (size_t i = 0; i < FEDJIT_ELEMENTSOF(fedjit_config_keys); i++)
		if (strcmp(fedjit_config_keys[i].name, name) == 0)
			return fedjit_config_keys[i].section;
	return FEDJIT_SECTION_NONE;
}

enum fedjit_key_id fedjit_config_key_id(const struct fedjit_key_desc *key)
{
	return (enum fedjit_key_id)(key - fedjit_config_keys);
}

const char *fedjit_config_key_name(enum fedjit_key_id id)
{
	return fedjit_config_keys[id].name;
}

static const char *enum_name(const char *const *names, size_t n, unsigned v)
{
	return v < n - 1 ? names[v] : "?";
}

const char *fedjit_provisioning_to_string(enum fedjit_provisioning p)
{
	return enum_name(provisioning_names, FEDJIT_ELEMENTSOF(provisioning_names), p);
}

const char *fedjit_prompt_to_string(enum fedjit_prompt p)
{
	return enum_name(prompt_names, FEDJIT_ELEMENTSOF(prompt_names), p);
}

const char *fedjit_mode_to_string(enum fedjit_mode m)
{
	return enum_name(mode_names, FEDJIT_ELEMENTSOF(mode_names), m);
}

const char *fedjit_client_auth_to_string(enum fedjit_client_auth a)
{
	return enum_name(client_auth_names, FEDJIT_ELEMENTSOF(client_auth_names), a);
}

const char *fedjit_refresh_empty_400_to_string(enum fedjit_refresh_empty_400 v)
{
	return enum_name(refresh_empty_400_names, FEDJIT_ELEMENTSOF(refresh_empty_400_names), v);
}

const char *fedjit_username_from_to_string(enum fedjit_username_from u)
{
	return enum_name(username_from_names, FEDJIT_ELEMENTSOF(username_from_names), u);
}

/* Strict decimal: digits only, no sign, no spaces, no overflow. */
static int parse_u32(const char *v, uint32_t *ret)
{
	uint64_t x = 0;

	if (!*v)
		return -EINVAL;
	for (const char *p = v; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		x = x * 10 + (uint64_t)(*p - '0');
		if (x > UINT32_MAX)
			return -ERANGE;
	}
	*ret = (uint32_t)x;
	return 0;
}

static int parse_bool(const char *v, bool *ret)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};

	for (size_t i = 0; i < FEDJIT_ELEMENTSOF(yes); i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return *ret = true, 0;
		if (strcasecmp(v, no[i]) == 0)
			return *ret = false, 0;
	}
	return -EINVAL;
}

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static void group_map_free(struct fedjit_group_map *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(m[i].idp_group);
		free(m[i].local_group);
	}
	free(m);
}

/* Clear a field to its unset state (NULL, 0, false, empty list). */
static void key_clear(const struct fedjit_key_desc *key, void *base)
{
	switch (key->type) {
	case KT_STRING:
		free(*FIELD(base, key, char *));
		*FIELD(base, key, char *) = NULL;
		break;
	case KT_BOOL:
		*FIELD(base, key, bool) = false;
		break;
	case KT_U32:
		*FIELD(base, key, uint32_t) = 0;
		break;
	case KT_MODE:
		*FIELD(base, key, mode_t) = 0;
		break;
	case KT_ENUM:
		*FIELD(base, key, int) = 0;
		break;
	case KT_WORDS:
	case KT_LIST:
	case KT_NAMES:
		strv_free(*FIELD(base, key, char **));
		*FIELD(base, key, char **) = NULL;
		*COUNT(base, key) = 0;
		break;
	case KT_GROUP_MAP:
		group_map_free(*FIELD(base, key, struct fedjit_group_map *), *COUNT(base, key));
		*FIELD(base, key, struct fedjit_group_map *) = NULL;
		*COUNT(base, key) = 0;
		break;
	}
}

/* Append s (taking it) to a NULL-terminated list with its count. */
static int strv_push(char ***v, size_t *n, char *s)
{
	char **nv = realloc(*v, (*n + 2) * sizeof(char *));

	if (!nv) {
		free(s);
		return -ENOMEM;
	}
	nv[(*n)++] = s;
	nv[*n] = NULL;
	*v = nv;
	return 0;
}

static int parse_words(const char *v, char ***ret, size_t *ret_n, char *why, size_t n)
{
	char **list = NULL;
	size_t count = 0;
	const char *p = v;

	while (*p) {
		size_t skip = strspn(p, " \t,");
		p += skip;
		size_t len = strcspn(p, " \t,");
		if (len == 0)
			break;
		char *w = strndup(p, len);
		if (!w || strv_push(&list, &count, w) < 0) {
			strv_free(list);
			return -ENOMEM;
		}
		if (!fedjit_config_name_valid(w)) {
			snprintf(why, n, "names an invalid domain '%s'", w);
			strv_free(list);
			return -EINVAL;
		}
		p += len;
	}
	*ret = list;
	*ret_n = count;
	return 0;
}

/* "IDPGROUP:localgroup", split at the last ':' (local names never hold one). */
static int parse_group_map(const char *v, struct fedjit_group_map *ret, char *why, size_t n)
{
	const char *colon = strrchr(v, ':');

	if (!colon || colon == v || !colon[1]) {
		snprintf(why, n, "is not IDPGROUP:localgroup");
		return -EINVAL;
	}
	if (!fedjit_config_sysname_valid(colon + 1)) {
		snprintf(why, n,
		         "maps to an invalid local group name ([a-z_][a-z0-9_.-]*, at "
		         "most 32 characters)");
		return -EINVAL;
	}
	ret->idp_group = strndup(v, (size_t)(colon - v));
	ret->local_group = strdup(colon + 1);
	if (!ret->idp_group || !ret->local_group) {
		free(ret->idp_group);
		free(ret->local_group);
		return -ENOMEM;
	}
	return 0;
}

/* Parse v into the field; why gets the reason on -EINVAL. */
static int key_parse(const struct fedjit_key_desc *key, void *base, const char *v,
                     const struct fedjit_origin *origin, char *why, size_t n)
{
	int r;

	switch (key->type) {
	case KT_STRING: {
		r = fedjit_config_check_string(key->check, v, why, n);
		if (r < 0)
			return r;
		char *s = NULL;
		if (!(key->check == KC_PATH_OR_NONE && strcmp(v, "none") == 0)) {
			s = strdup(v);
			if (!s)
				return -ENOMEM;
		}
		free(*FIELD(base, key, char *));
		*FIELD(base, key, char *) = s;
		return 0;
	}
	case KT_BOOL:
		if (parse_bool(v, FIELD(base, key, bool)) < 0)
			return snprintf(why, n,
			                "is not a boolean (yes/no, true/false, on/off, 1/0)"),
			       -EINVAL;
		return 0;
	case KT_U32: {
		uint32_t x;
		if (parse_u32(v, &x) < 0 || x < key->min || x > key->max)
			return snprintf(why, n, "is not a number from %" PRIu32 " to %" PRIu32,
			                key->min, key->max),
			       -EINVAL;
		*FIELD(base, key, uint32_t) = x;
		return 0;
	}
	case KT_MODE: {
		size_t len = strlen(v);
		if (len < 3 || len > 4 || strspn(v, "01234567") != len)
			return snprintf(why, n, "is not an octal mode like 0700"), -EINVAL;
		mode_t m = (mode_t)strtoul(v, NULL, 8);
		if (m & 022)
			return snprintf(why, n, "lets group or others write into the home"),
			       -EINVAL;
		*FIELD(base, key, mode_t) = m;
		return 0;
	}
	case KT_ENUM:
		for (int i = 0; key->enum_names[i]; i++)
			if (strcasecmp(v, key->enum_names[i]) == 0) {
				*FIELD(base, key, int) = i;
				return 0;
			}
		r = snprintf(why, n, "is not one of");
		for (int i = 0; key->enum_names[i] && r > 0 && (size_t)r < n; i++)
			r += snprintf(why + r, n - (size_t)r, "%s %s", i ? "," : "",
			              key->enum_names[i]);
		return -EINVAL;
	case KT_WORDS: {
		char **list;
		size_t count;
		r = parse_words(v, &list, &count, why, n);
		if (r < 0)
			return r;
		key_clear(key, base);
		*FIELD(base, key, char **) = list;
		*COUNT(base, key) = count;
		return 0;
	}
	case KT_LIST: {
		char *s = strdup(v);
		if (!s)
			return -ENOMEM;
		return strv_push(FIELD(base, key, char **), COUNT(base, key), s);
	}
	case KT_NAMES: {
		const char *word;
		size_t len;
		/* every word is checked before any is added: a bad line adds nothing */
		for (const char *p = v; fedjit_config_next_word(&p, &word, &len);) {
			_cleanup_free_ char *w = strndup(word, len);
			if (!w)
				return -ENOMEM;
			r = fedjit_config_check_string(key->check, w, why, n);
			if (r < 0) {
				char quoted[256];
				snprintf(quoted, sizeof(quoted), "%s", why);
				snprintf(why, n, "has '%.40s', which %s", w, quoted);
				return r;
			}
		}
		for (const char *p = v; fedjit_config_next_word(&p, &word, &len);) {
			char *w = strndup(word, len);
			if (!w)
				return -ENOMEM;
			r = strv_push(FIELD(base, key, char **), COUNT(base, key), w);
			if (r < 0)
				return r;
		}
		return 0;
	}
	case KT_GROUP_MAP: {
		struct fedjit_group_map m = {.origin = *origin};
		r = parse_group_map(v, &m, why, n);
		if (r < 0)
			return r;
		struct fedjit_group_map **map = FIELD(base, key, struct fedjit_group_map *);
		size_t *count = COUNT(base, key);
		struct fedjit_group_map *nm = realloc(*map, (*count + 1) * sizeof(**map));
		if (!nm) {
			free(m.idp_group);
			free(m.local_group);
			return -ENOMEM;
		}
		nm[(*count)++] = m;
		*map = nm;
		return 0;
	}
	}
	return -EINVAL;
}

static void key_default(struct fedjit_config_ctx *ctx, const struct fedjit_key_desc *key,
                        void *base)
{
	char why[32];

	key_clear(key, base);
	/* Built-in defaults always parse; only memory can fail. */
	if (key->def && key_parse(key, base, key->def, NULL, why, sizeof(why)) < 0)
		ctx->oom = true;
}

void fedjit_config_keys_defaults(struct fedjit_config_ctx *ctx, enum fedjit_section_kind kind,
                                 void *base)
{
	for (size_t i = 0; i < FEDJIT_ELEMENTSOF(fedjit_config_keys); i++)
		if (fedjit_config_keys[i].section == kind)
			key_default(ctx, &fedjit_config_keys[i], base);
}

int fedjit_config_key_apply(struct fedjit_config_ctx *ctx, const struct fedjit_key_desc *key,
                            void *base, struct fedjit_key_origins *origins, const char *value)
{
	struct fedjit_origin origin = {.file = ctx->file, .line = ctx->line};
	char why[FEDJIT_CONFIG_LINE_MAX + 160];
	enum fedjit_key_id id = fedjit_config_key_id(key);

	if (!*value) {
		key_default(ctx, key, base);
		origins->key[id] = (struct fedjit_origin){0};
		origins->rejected[id] = false;
		return 0;
	}
	int r = key_parse(key, base, value, &origin, why, sizeof(why));
	if (r == -ENOMEM) {
		ctx->oom = true;
		return r;
	}
	origins->key[id] = origin;
	origins->rejected[id] = r < 0;
	if (r < 0)
		fedjit_config_error(ctx, &origin, "%s '%s' %s", key->name, value, why);
	return r;
}

void fedjit_config_keys_free(enum fedjit_section_kind kind, void *base)
{
	for (size_t i = 0; i < FEDJIT_ELEMENTSOF(fedjit_config_keys); i++)
		if (fedjit_config_keys[i].section == kind)
			key_clear(&fedjit_config_keys[i], base);
}

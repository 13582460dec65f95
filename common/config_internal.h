/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals shared by config.c (reading files), config_keys.c (the key table
 * and value parsers) and config_validate.c (checks of the whole). Not for use
 * outside common/config*.c.
 */
#pragma once

#include <stdarg.h>

#include "common/config.h"

enum fedjit_section_kind {
	FEDJIT_SECTION_NONE = 0, /* before the first header */
	FEDJIT_SECTION_GLOBAL,
	FEDJIT_SECTION_DOMAIN,
	FEDJIT_SECTION_IDP,
	FEDJIT_SECTION_INVALID, /* a broken header: its keys are skipped silently */
};

/* Every key, in the order of the man page. Index into fedjit_config_keys[]. */
enum fedjit_key_id {
	FEDJIT_KEY_DEFAULT_IDP,
	FEDJIT_KEY_DB_FILE,
	FEDJIT_KEY_SECRET_DB_FILE,
	FEDJIT_KEY_CACHE_DIR,
	FEDJIT_KEY_HELPER_USER,
	FEDJIT_KEY_DEBUG,
	FEDJIT_KEY_RESERVED_NAMES,
	FEDJIT_KEY_RUN_DIR,
	FEDJIT_KEY_MAX_DEVICE_FLOWS,
	FEDJIT_KEY_MAX_DEVICE_FLOWS_PER_ADDRESS,
	FEDJIT_KEY_DEVICE_FLOW_SPACING,

	FEDJIT_KEY_UID_MIN,
	FEDJIT_KEY_UID_MAX,
	FEDJIT_KEY_GID_MIN,
	FEDJIT_KEY_GID_MAX,
	FEDJIT_KEY_HOME,
	FEDJIT_KEY_HOME_MODE,
	FEDJIT_KEY_SHELL,
	FEDJIT_KEY_SKEL,
	FEDJIT_KEY_USERNAME_REGEX,
	FEDJIT_KEY_GROUPNAME_REGEX,
	FEDJIT_KEY_PRIMARY_GROUP,
	FEDJIT_KEY_FULLY_QUALIFIED,
	FEDJIT_KEY_CASE_FOLD,

	FEDJIT_KEY_ISSUER,
	FEDJIT_KEY_CLIENT_ID,
	FEDJIT_KEY_CLIENT_AUTH,
	FEDJIT_KEY_CLIENT_SECRET_FILE,
	FEDJIT_KEY_PRIVATE_KEY_FILE,
	FEDJIT_KEY_PRIVATE_KEY_ALG,
	FEDJIT_KEY_CA_FILE,
	FEDJIT_KEY_DEVICE_AUTHORIZATION_ENDPOINT,
	FEDJIT_KEY_ENDPOINT_HOSTS,
	FEDJIT_KEY_SCOPES,
	FEDJIT_KEY_ACR_VALUES,
	FEDJIT_KEY_REQUIRED_ACR,
	FEDJIT_KEY_LEEWAY,
	FEDJIT_KEY_USERINFO,
	FEDJIT_KEY_HTTP_TIMEOUT,
	FEDJIT_KEY_DISCOVERY_CACHE_TTL,
	FEDJIT_KEY_PROVISIONING,
	FEDJIT_KEY_DOMAIN,
	FEDJIT_KEY_DOMAINS,
	FEDJIT_KEY_PROMPT,
	FEDJIT_KEY_MODE,
	FEDJIT_KEY_ASSOCIATE_EXISTING,
	FEDJIT_KEY_USERNAME_FROM,
	FEDJIT_KEY_USERNAME_CLAIM,
	FEDJIT_KEY_USERNAME_STRIP_SUFFIX,
	FEDJIT_KEY_GECOS_CLAIM,
	FEDJIT_KEY_EMAIL_CLAIM,
	FEDJIT_KEY_TRUST_EMAIL,
	FEDJIT_KEY_GROUPS_CLAIM,
	FEDJIT_KEY_GROUP_MAP,
	FEDJIT_KEY_CREATE_GROUPS,
	FEDJIT_KEY_ALLOWED_GROUPS,
	FEDJIT_KEY_SSHD_PREAUTH,
	FEDJIT_KEY_PROVISION_HOOK,
	FEDJIT_KEY_QR_CODE,
	FEDJIT_KEY_WAIT_FOR_ENTER,
	FEDJIT_KEY_TIMEOUT,
	FEDJIT_KEY_REVALIDATE_AFTER,
	FEDJIT_KEY_OFFLINE_GRACE,
	FEDJIT_KEY_OFFLINE_ACCESS,
	FEDJIT_KEY_REFRESH_EMPTY_400,

	FEDJIT_KEY_COUNT
};

/*
 * Where each key of one section instance was last set (file NULL: default),
 * and whether that value was rejected (already reported: checks of the whole
 * stay quiet about it instead of adding "needs issuer" to "bad issuer").
 */
struct fedjit_key_origins {
	struct fedjit_origin key[FEDJIT_KEY_COUNT];
	bool rejected[FEDJIT_KEY_COUNT];
};

struct fedjit_diag_entry {
	size_t file_index; /* index into config->files; SIZE_MAX: no file */
	unsigned line;     /* 0: the whole file */
	size_t seq;        /* keeps reading order among equal positions */
	char *text;        /* "FILE:LINE: message" */
};

/* Messages past this many are counted, not kept (a hostile file has no limit). */
#define FEDJIT_DIAG_MAX 100

struct fedjit_config_ctx {
	struct fedjit_config *config;
	unsigned flags;
	const char *main_file;

	struct fedjit_key_origins global_origins;
	struct fedjit_key_origins *domain_origins; /* parallel to config->domains */
	struct fedjit_key_origins *idp_origins;    /* parallel to config->idps */

	/* the file being read */
	const char *file; /* config->files[file_index] */
	size_t file_index;
	const char *buf;
	size_t len, pos;
	unsigned line;
	enum fedjit_section_kind kind;
	size_t section; /* index into domains[] or idps[] */

	struct fedjit_diag_entry *entries;
	size_t n_entries;
	size_t n_dropped;
	size_t seq;
	bool oom;
};

/* strerror for messages, thread-safe (the NSS module loads the config in any thread). */
const char *fedjit_config_strerror(int err, char buf[static 64]);

/* Report a problem at origin (NULL or no file: the main file, no line). */
void fedjit_config_error(struct fedjit_config_ctx *ctx, const struct fedjit_origin *origin,
                         const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void fedjit_config_verror(struct fedjit_config_ctx *ctx, const struct fedjit_origin *origin,
                          const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));

/* The key table (config_keys.c). */
enum fedjit_key_type {
	KT_STRING,    /* char *, checked by key_check */
	KT_BOOL,      /* bool */
	KT_U32,       /* uint32_t within [min, max] */
	KT_MODE,      /* mode_t, octal */
	KT_ENUM,      /* an enum, by enum_names[] */
	KT_WORDS,     /* char ** + size_t: a list on one line, replaced as a whole */
	KT_LIST,      /* char ** + size_t: one entry per line, appended */
	KT_GROUP_MAP, /* struct fedjit_group_map * + size_t: IDPGROUP:local, appended */
	KT_NAMES,     /* char ** + size_t: space separated words, each checked by .check,
	                 appended line by line (an empty value: the default, no words) */
};

enum fedjit_key_check {
	KC_TEXT,         /* any printable text */
	KC_WORD,         /* no whitespace */
	KC_PATH,         /* absolute path, no whitespace or ':' */
	KC_PATH_OR_NONE, /* a path, or "none" for NULL */
	KC_URL,          /* https URL without query or fragment */
	KC_NAME,         /* a domain or IdP name */
	KC_SYSNAME,      /* a local user or group name */
	KC_REGEX,        /* POSIX ERE, compiled anchored */
	KC_HOME,         /* home directory template */
	KC_TOKENS,       /* space separated OAuth tokens (RFC 6749 scope-token) */
	KC_ALG,          /* JWS algorithm for private_key_jwt */
	KC_RESERVED,     /* reserved_names word: NAME, +NAME, -NAME or none */
	KC_HOST,         /* a DNS host name or a bracketed IPv6 literal, no port */
};

struct fedjit_key_desc {
	const char *name;
	enum fedjit_section_kind section;
	enum fedjit_key_type type;
	enum fedjit_key_check check;
	size_t offset;                 /* of the field in the section struct */
	size_t count_offset;           /* of the size_t count, for lists */
	const char *def;               /* default as text; NULL: unset (NULL, 0, false) */
	uint32_t min, max;             /* KT_U32 bounds */
	const char *const *enum_names; /* KT_ENUM, NULL-terminated, by value */
};

extern const struct fedjit_key_desc fedjit_config_keys[FEDJIT_KEY_COUNT];
#define FIELD(base, key, type) ((type *)((char *)(base) + (key)->offset))
#define COUNT(base, key)       ((size_t *)((char *)(base) + (key)->count_offset))

/* Check a string value (config_values.c): 0, or -EINVAL and why completes "KEY 'VALUE' ...". */
int fedjit_config_check_string(enum fedjit_key_check check, const char *v, char *why, size_t n);
/* Parse-tree copies glibc's regcomp makes of an extended regex (config_regex.c),
 * saturating at FEDJIT_REGEX_COST_MAX + 1; a policy regex may cost at most that.
 * *ret_error: NULL, or why the pattern is refused whatever it costs. */
#define FEDJIT_REGEX_COST_MAX 10000UL
unsigned long fedjit_regex_cost(const char *pattern, const char **ret_error);
/* A local user or group name as useradd takes it: [a-z_][a-z0-9_.-]*, at most 32. */
bool fedjit_config_sysname_valid(const char *name);
const struct fedjit_key_desc *fedjit_config_key_find(enum fedjit_section_kind kind,
                                                     const char *name);
/* The section a key name belongs to, for a hint; FEDJIT_SECTION_NONE: no such key. */
enum fedjit_section_kind fedjit_config_key_home(const char *name);
enum fedjit_key_id fedjit_config_key_id(const struct fedjit_key_desc *key);
const char *fedjit_config_key_name(enum fedjit_key_id id);

/* Set every key of a section kind to its default (base: the section's struct). */
void fedjit_config_keys_defaults(struct fedjit_config_ctx *ctx, enum fedjit_section_kind kind,
                                 void *base);
/*
 * Parse value into the key's field of base and record origin; an empty value
 * restores the default (and clears the origin). 0, or -EINVAL after reporting.
 */
int fedjit_config_key_apply(struct fedjit_config_ctx *ctx, const struct fedjit_key_desc *key,
                            void *base, struct fedjit_key_origins *origins, const char *value);
/* Free what the keys of a section kind own in base. */
void fedjit_config_keys_free(enum fedjit_section_kind kind, void *base);

/* Name syntax of domains and IdPs: [A-Za-z0-9][A-Za-z0-9_.-]*, at most NAME_MAX. */
bool fedjit_config_name_valid(const char *name);

/* Reading files (config_read.c). */
size_t fedjit_config_find_domain(const struct fedjit_config *config,
                                 const char *name); /* SIZE_MAX: none */
size_t fedjit_config_find_idp(const struct fedjit_config *config, const char *name);
/* Add a domain with its defaults; 0 and its index, or -ENOMEM. */
int fedjit_config_add_domain(struct fedjit_config_ctx *ctx, const char *name, size_t *ret);
/* Keep a file name in config->files (origins point there); 0 and its index, or -ENOMEM. */
int fedjit_config_add_file(struct fedjit_config_ctx *ctx, const char *name, size_t *ret);
/* Parse len bytes as the file config->files[index]. */
void fedjit_config_read_buffer(struct fedjit_config_ctx *ctx, size_t index, const char *buf,
                               size_t len);
/* Read and parse a file; a missing drop-in is skipped. 0 or -errno (reported). */
int fedjit_config_read_path(struct fedjit_config_ctx *ctx, const char *path, bool dropin);
/* Every *.conf of dir, in strcmp order; a missing dir is fine. */
void fedjit_config_read_dropins(struct fedjit_config_ctx *ctx, const char *dir);

/* Checks of the whole configuration (config_validate.c). */
void fedjit_config_validate(struct fedjit_config_ctx *ctx);

/* Position helpers for validation messages. */
const struct fedjit_origin *fedjit_config_origin_or(const struct fedjit_origin *preferred,
                                                    const struct fedjit_origin *fallback);

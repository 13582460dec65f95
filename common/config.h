/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fedjit configuration: /etc/fedjit/fedjit.conf plus conf.d/ *.conf drop-ins.
 *
 * INI style with [global], [domain NAME] and [idp NAME] sections. Drop-ins are
 * read in lexical order after the main file; a later value of a key wins. The
 * whole configuration is validated at once: every problem is reported as
 * "FILE:LINE: message" and a configuration with any error is not used.
 * man/fedjit.conf.5 is the contract for the key list and must stay in step.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define FEDJIT_DEFAULT_DOMAIN "PRIMARY"

/* Longest line of a configuration file in bytes (libinih's fixed buffer). */
#define FEDJIT_CONFIG_LINE_MAX 196
/* Largest configuration file read, in bytes. */
#define FEDJIT_CONFIG_FILE_MAX (1024 * 1024)
/* Longest domain or IdP name (fits "name@domain" and the store's keys). */
#define FEDJIT_CONFIG_NAME_MAX 31
/* Built-in uid and gid range of the implicit PRIMARY domain. */
#define FEDJIT_PRIMARY_ID_MIN 200000
#define FEDJIT_PRIMARY_ID_MAX 299999
/* Ids no domain range may overlap: systemd dynamic users .. 65535 (nobody, (uint16_t)-1). */
#define FEDJIT_RESERVED_ID_MIN 61184
#define FEDJIT_RESERVED_ID_MAX 65535
/* Lowest id a range may start at, highest it may end at (tools that treat uid_t as signed). */
#define FEDJIT_ID_RANGE_FLOOR   1000
#define FEDJIT_ID_RANGE_CEILING 2147483647

enum fedjit_provisioning {
	FEDJIT_PROVISIONING_NONE = 0,       /* only accounts already linked may log in */
	FEDJIT_PROVISIONING_ALWAYS,         /* into the IdP's `domain` */
	FEDJIT_PROVISIONING_AS_IN_USERNAME, /* CORP/alice, alice@CORP, bare → PRIMARY */
};

enum fedjit_prompt {
	FEDJIT_PROMPT_SILENT = 0,
	FEDJIT_PROMPT_CONSENT,
	FEDJIT_PROMPT_PASSWORD_CONSENT,
	FEDJIT_PROMPT_USERNAME_PASSWORD_CONSENT,
};

enum fedjit_mode {
	FEDJIT_MODE_BLOCKING = 0,
	FEDJIT_MODE_NON_BLOCKING,
};

enum fedjit_username_from {
	FEDJIT_USERNAME_FROM_CLAIM = 0, /* the `username_claim` (preferred_username) */
	FEDJIT_USERNAME_FROM_SUBJECT,   /* a stable name derived from issuer + subject */
};

/* What an HTTP 400 with an empty body to the refresh grant means (fedjit.conf(5)
 * refresh_empty_400; pam/helper/refresh_flow.c). */
enum fedjit_refresh_empty_400 {
	FEDJIT_REFRESH_EMPTY_400_REFUSED = 0, /* the grant was refused, once the IdP shows
	                                         it accepts the client */
	FEDJIT_REFRESH_EMPTY_400_ERROR,       /* no answer to act on: nothing changes */
};

enum fedjit_client_auth {
	FEDJIT_CLIENT_AUTH_NONE = 0, /* public client */
	FEDJIT_CLIENT_AUTH_SECRET_BASIC,
	FEDJIT_CLIENT_AUTH_SECRET_POST,
	FEDJIT_CLIENT_AUTH_PRIVATE_KEY_JWT,
};

/* Where a value came from, for messages that name file and line. */
struct fedjit_origin {
	const char *file; /* owned by struct fedjit_config (files[]) */
	unsigned line;
};

struct fedjit_group_map {
	char *idp_group;   /* IdP group name or id, as the groups claim carries it */
	char *local_group; /* existing local group (e.g. sudo) or one fedjit creates */
	struct fedjit_origin origin;
};

struct fedjit_domain {
	char *name; /* as written in the section header; compared case-insensitively */
	uint32_t uid_min, uid_max; /* inclusive uid range of the domain's users */
	uint32_t gid_min, gid_max; /* inclusive gid range of groups fedjit creates;
	                              default: the uid range */
	char *home;                /* template: %u name, %U uid, %d domain (lower case), %% */
	char *shell;
	char *skel;           /* skeleton directory copied into a new home; default /etc/skel;
	                         NULL ("skel = none"): no skeleton */
	mode_t home_mode;     /* default 0700 */
	char *username_regex; /* POSIX ERE the local part must match, anchored as ^(P)$
	                         (names.h); NULL: only the built-in name rules */
	char *groupname_regex;
	char *primary_group;  /* shared primary group name; NULL: user private group
	                         (gid = uid, so the gid space includes the uid range) */
	bool fully_qualified; /* names are "name@domain"; default no for PRIMARY */
	bool case_fold;       /* lower-case names from claims and logins; default yes */
	bool implicit;        /* PRIMARY with defaults, not written in any file */
	struct fedjit_origin origin;
};

struct fedjit_idp {
	char *name;
	char *issuer; /* https URL; compared exactly (OIDC Discovery 4.3) */
	char *client_id;
	enum fedjit_client_auth client_auth; /* default: private_key_jwt when private_key_file
	                                        is set, client_secret_basic when
	                                        client_secret_file is, else none */
	char *client_secret_file;            /* root-only file holding the client secret */
	char *private_key_file;              /* root-only PEM key for private_key_jwt */
	char *private_key_alg;               /* RS256 (default), ES256, ... */
	char *ca_file;                       /* extra CA bundle for the IdP's TLS; NULL: system */
	char *device_authorization_endpoint; /* https URL used instead of discovery's; NULL: none */
	char **endpoint_hosts; /* NULL-terminated hosts the discovery document's endpoints may be
	                          on besides the issuer's (pam/idp/discovery.h); NULL: none */
	size_t n_endpoint_hosts;
	char *scopes;       /* space separated; default "openid profile email" */
	char *acr_values;   /* sent with the device authorization request */
	char *required_acr; /* space separated list; the ID token's acr must be one */
	unsigned leeway;    /* seconds of clock skew for exp/nbf/iat; default 60 */
	bool userinfo;      /* fill missing claims from userinfo; default no */

	enum fedjit_provisioning provisioning;
	char *domain;   /* the domain for provisioning=always */
	char **domains; /* NULL-terminated: name domains this IdP serves
	                               (as-in-username and IdP selection); NULL: all */
	size_t n_domains;
	enum fedjit_prompt prompt;
	enum fedjit_mode mode;
	bool associate_existing; /* default no; never root or system accounts */
	enum fedjit_username_from username_from;
	char *username_claim;        /* default preferred_username */
	char *username_strip_suffix; /* space separated "@example.com" suffixes cut off
	                                       the claim (fedjit_idp_strip_suffix); NULL: none */
	char *gecos_claim;           /* default name */
	char *email_claim;           /* default email */
	bool trust_email;   /* the IdP sends only verified addresses: an email claim without
	                     email_verified counts as verified (never one with false) */
	char *groups_claim; /* default groups */
	struct fedjit_group_map *group_map; /* in file order; one IdP group may map to
	                                       several local groups */
	size_t n_group_map;
	bool create_groups;    /* create local groups for unmapped IdP groups */
	char **allowed_groups; /* NULL-terminated IdP groups allowed to log in; NULL: all */
	size_t n_allowed_groups;
	bool sshd_preauth;     /* NSS answers sshd for provisionable names;
	                               default: on when provisioning is on */
	bool sshd_preauth_set; /* written explicitly */
	char *provision_hook;  /* command run after provisioning; NULL: none */

	bool qr_code;                 /* show a QR code of verification_uri_complete */
	bool wait_for_enter;          /* prompt "Press Enter..." (needed for sshd) */
	unsigned timeout;             /* overall device-flow deadline in seconds; default 300 */
	unsigned http_timeout;        /* per request, seconds; default 10 */
	unsigned discovery_cache_ttl; /* seconds; default 3600 */

	/* Revalidation (ARCHITECTURE.md invariant 10, pam/provision/access.h) */
	unsigned revalidate_after; /* seconds after a verification before the account phase
	                              asks the IdP again; 0: never; default 3600 */
	unsigned offline_grace;    /* seconds past revalidate_after an account may log in while
	                              the IdP cannot confirm it; default 86400 */
	bool offline_access;       /* add the offline_access scope (refresh tokens); default no */
	enum fedjit_refresh_empty_400 refresh_empty_400; /* default refused */
	struct fedjit_origin origin;
};

struct fedjit_global {
	char *default_idp;    /* IdP for bare names when several are configured */
	char *db_file;        /* default FEDJIT_DB_FILE */
	char *secret_db_file; /* default FEDJIT_SECRET_DB_FILE */
	char *cache_dir;      /* default FEDJIT_CACHE_DIR */
	char *helper_user;    /* default FEDJIT_HELPER_USER */
	bool debug;
	/* reserved_names as written, word by word: NAME (the list replaces the built-in
	 * service account names), +NAME (added), -NAME (removed from the built-in list),
	 * none; NULL: the built-in list (common/names.h fedjit_name_is_reserved). */
	char **reserved_names;
	size_t n_reserved_names;
	/* bounds on device flows (pam/helper/ratelimit.h); 0: no bound */
	char *run_dir; /* their state; default FEDJIT_RUN_DIR */
	unsigned max_device_flows;
	unsigned max_device_flows_per_address;
	unsigned device_flow_spacing; /* seconds */
};

struct fedjit_config {
	struct fedjit_global global;
	struct fedjit_domain *domains; /* always holds PRIMARY (implicit or written) */
	size_t n_domains;
	struct fedjit_idp *idps;
	size_t n_idps;
	char **files; /* every file read, in order; origins point into these */
	size_t n_files;
};

/*
 * Accumulated messages, in file order: "FILE:LINE: message", or "FILE: message"
 * for a problem with a whole file. Values are quoted as written (the reader
 * refuses control characters and invalid UTF-8, so lines are safe to print).
 */
struct fedjit_diag {
	char **lines;
	size_t n_lines;
};

/*
 * Load and validate the main file and every *.conf in dropin_dir (may be NULL
 * or missing). Returns 0 and *ret_config on success. On any problem returns
 * -EINVAL (or -errno for trouble opening or reading the main file: -ENOENT when
 * it does not exist, which callers take as "not configured", -EACCES, -EFBIG
 * past FEDJIT_CONFIG_FILE_MAX; -ENOMEM) and fills diag with every message
 * (problems with drop-ins give -EINVAL); *ret_config is untouched.
 * diag may be NULL. Caller frees with fedjit_config_free / fedjit_diag_clear.
 * Never calls NSS (the NSS module uses it) and keeps no global state.
 */
int fedjit_config_load(const char *main_file, const char *dropin_dir,
                       struct fedjit_config **ret_config, struct fedjit_diag *diag);
/* Same, from the compiled-in default paths. */
int fedjit_config_load_default(struct fedjit_config **ret_config, struct fedjit_diag *diag);

/*
 * Flags for the _flags variants. FEDJIT_CONFIG_SKIP_SECRET_CHECKS leaves out
 * the checks of client_secret_file and private_key_file (exists, a regular
 * file, owned by root or the caller, mode without group/other bits): for the
 * NSS module, which never reads secrets and must not refuse to serve existing
 * accounts because a secret file is missing.
 */
#define FEDJIT_CONFIG_SKIP_SECRET_CHECKS (1u << 0)
int fedjit_config_load_flags(const char *main_file, const char *dropin_dir, unsigned flags,
                             struct fedjit_config **ret_config, struct fedjit_diag *diag);
int fedjit_config_load_default_flags(unsigned flags, struct fedjit_config **ret_config,
                                     struct fedjit_diag *diag);
/*
 * Parse and validate one configuration held in memory (len bytes, need not be
 * NUL-terminated); name stands for the file in messages. For tests and fuzzing.
 */
int fedjit_config_parse_buffer(const char *name, const char *data, size_t len, unsigned flags,
                               struct fedjit_config **ret_config, struct fedjit_diag *diag);
void fedjit_config_free(struct fedjit_config *config);
void fedjit_diag_clear(struct fedjit_diag *diag);

/* Lookups; names compared case-insensitively. NULL when absent. */
const struct fedjit_domain *fedjit_config_domain(const struct fedjit_config *config,
                                                 const char *name);
const struct fedjit_idp *fedjit_config_idp(const struct fedjit_config *config, const char *name);
/*
 * The IdP that handles a new (not yet provisioned) login whose name is in
 * domain (PRIMARY for a bare name): among the IdPs with provisioning other than
 * none that serve the domain (their `domains` list, or every domain when it is
 * not set), the only one, or default_idp when it is among several. Validation
 * guarantees there is never more than one candidate otherwise. NULL: none.
 */
/*
 * The next word of a space separated value (KC_TOKENS: scopes, acr_values,
 * username_strip_suffix): true with *word and *len set, *s moved past it;
 * false at the end. *s may be NULL (an unset value).
 */
bool fedjit_config_next_word(const char **s, const char **word, size_t *len);

/*
 * The length of name without the first of idp's username_strip_suffix words
 * it ends with (compared without regard to case), or strlen(name) when none
 * matches or the result would be empty.
 */
size_t fedjit_idp_strip_suffix(const struct fedjit_idp *idp, const char *name);

const struct fedjit_idp *fedjit_config_idp_for_domain(const struct fedjit_config *config,
                                                      const char *domain);
/* How long a device-flow login may take, in seconds: idp's timeout, or when the IdP is
 * not known yet (the helper chooses it), the longest timeout of any configured IdP. */
unsigned fedjit_config_login_timeout(const struct fedjit_config *config,
                                     const struct fedjit_idp *idp);
/* Does idp serve login names of domain (its `domains` list; NULL list: all)? */
bool fedjit_idp_serves_domain(const struct fedjit_idp *idp, const char *domain);

/*
 * Write the effective configuration (every key, defaults included) in
 * fedjit.conf syntax; reading it back gives the same configuration. 0 or -EIO.
 * For `fedjit config show`.
 */
int fedjit_config_write(const struct fedjit_config *config, FILE *f);

/* Names of the enums as written in the file (for messages and `config check`). */
const char *fedjit_provisioning_to_string(enum fedjit_provisioning p);
const char *fedjit_prompt_to_string(enum fedjit_prompt p);
const char *fedjit_mode_to_string(enum fedjit_mode m);
const char *fedjit_client_auth_to_string(enum fedjit_client_auth a);
const char *fedjit_refresh_empty_400_to_string(enum fedjit_refresh_empty_400 v);
const char *fedjit_username_from_to_string(enum fedjit_username_from u);

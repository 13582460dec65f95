/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Local user and group names: validation, case folding, login-name parsing,
 * per-domain policy, reserved names and names derived from (issuer, subject).
 *
 * Pure functions (no I/O, no NSS, no allocation that outlives a call), so the
 * NSS module, the PAM module, the helper and the admin tool share one set of
 * rules. Every check that can fail writes a one-line reason into a caller
 * buffer (may be NULL / size 0); the offending input is quoted with control
 * and non-ASCII bytes escaped as \xNN and long input truncated with "...", so a
 * reason is always safe to log and to show to a person.
 *
 * A LOCAL NAME (the bare name of an account in an unqualified domain, the
 * local part of a qualified one, a group name) is valid when:
 *   - it is 1..FEDJIT_NAME_MAX (32) bytes long, like useradd's limit and the
 *     32-byte ut_user field of utmp;
 *   - it is ASCII and matches [a-z_][a-z0-9_.-]* : no upper case (input is
 *     folded first where the domain says case_fold = yes; with case_fold = no
 *     upper-case input is rejected, never silently changed), no trailing '$'
 *     (Samba machine accounts are not federated people), no ':', '/', '@',
 *     whitespace, control characters (newline, NUL: the length-delimited
 *     variants see embedded NULs) or non-ASCII bytes (non-UTF-8 input gets
 *     its own reason);
 *   - it is not all digits (chown and friends read those as ids), does not
 *     start with '-' or '.', so "." and ".." are out, and holds no "..".
 *
 * CASE FOLDING is ASCII only (A-Z -> a-z) and applies when the domain's
 * case_fold is set (NULL domain: fold). Non-ASCII input is rejected, so no
 * locale or Unicode table ever decides what a name is.
 *
 * LOGIN NAMES (what a person types; as-in-username mode) have three forms:
 *   DOMAIN/name   the domain before the first '/'
 *   name@DOMAIN   the domain after the last '@'
 *   name          the caller's default domain (NULL: FEDJIT_DEFAULT_DOMAIN)
 * A login with both '/' and '@', or more than one of either, is rejected.
 * DOMAIN is matched case-insensitively against the configured domains; an
 * unknown one is an error. The local part is folded and validated as above.
 * The CANONICAL NAME (the account's name in passwd, in the store and in the
 * id hash) is
 *   - the local part, for a domain with fully_qualified = no;
 *   - "local@domain" with the domain name lower-cased, for fully_qualified = yes
 *     (a domain name used this way must be 1..FEDJIT_DOMAIN_NAME_MAX bytes of
 *     [a-z0-9_.-] after lower-casing).
 * So CORP/Alice, alice@corp, ALICE@CORP and (default domain CORP) Alice all
 * give one canonical name. A qualified canonical name parses back to itself
 * whatever the default domain; an unqualified one does when its domain is the
 * default. Unqualified domains share one name space (that of passwd): the
 * store, not this parser, keeps their names apart.
 *
 * POLICY: a domain's username_regex / groupname_regex (POSIX ERE, REG_EXTENDED)
 * is matched against the LOCAL PART (never against "@domain"), after the
 * built-in rules. It is anchored implicitly: the whole local part must match,
 * as if P were written ^(P)$, so "[a-z]+" and "^[a-z]+$" mean the same (and
 * "a|b" accepts exactly "a" and "b"). A NULL or empty pattern means no rule.
 *
 * RESERVED NAMES are never provisioned or linked, nor created as groups:
 *   - root and a fixed list of system names (base-passwd's users and groups,
 *     the admin groups sudo, adm, wheel, ...), any name starting with
 *     "systemd-" or "_": always;
 *   - the names of service accounts that packages create (jenkins, postgres,
 *     docker, gitlab-runner, ...; fedjit.conf(5) lists them), so a person
 *     cannot take one before the package is installed: the default of the
 *     [global] key reserved_names, which can replace the list (NAME...),
 *     add to it (+NAME) or take names off it (-NAME);
 *   - any name that a caller's lookup finds with uid 0 or a uid below the
 *     domain's uid_min (a system account). The lookup is a callback so the
 *     NSS module can consult other sources without recursing into itself.
 * The PAM module, sshd's pre-auth entry (nss/preauth.c), provisioning and the
 * admin tool all ask these functions, so a name is reserved everywhere or
 * nowhere.
 *
 * NAMES FROM SUBJECT (username_from = subject): "u" followed by the 13-char
 * lower-case RFC 4648 base32 encoding (alphabet a-z2-7, no padding) of the
 * 64-bit big-endian value H = FNV-1a-64(issuer "\0" subject) (see idalloc.h
 * for FNV-1a-64). 14 characters, always a valid local name. A hash collision
 * cannot hand over an account: accounts are bound to (issuer, subject), so the
 * second identity is refused, not merged.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/config.h"

#define FEDJIT_NAME_MAX        32 /* bytes of a local name / local part */
#define FEDJIT_DOMAIN_NAME_MAX 31 /* bytes of a domain name inside "local@domain" */
/* bytes of a canonical account name, without the NUL */
#define FEDJIT_CANONICAL_MAX (FEDJIT_NAME_MAX + 1 + FEDJIT_DOMAIN_NAME_MAX)
#define FEDJIT_REASON_SIZE   256 /* enough for every reason, regex included up to ~120 chars */

enum fedjit_name_kind {
	FEDJIT_NAME_USER = 0,
	FEDJIT_NAME_GROUP,
};

/*
 * Validate a local name as it is (no folding): 0 when valid, -EINVAL with a
 * reason otherwise. The _mem variant takes len bytes and rejects embedded NUL.
 */
int fedjit_name_validate(const char *name, char *reason, size_t reason_size);
int fedjit_name_validate_mem(const char *name, size_t len, char *reason, size_t reason_size);

/*
 * Fold (per domain->case_fold; NULL domain folds) and validate len bytes of
 * input into ret_name (at least FEDJIT_NAME_MAX + 1 bytes, NUL-terminated).
 * 0 on success; -EINVAL with a reason, ret_name untouched, otherwise.
 */
int fedjit_name_fold(const struct fedjit_domain *domain, const char *in, size_t len,
                     char ret_name[static FEDJIT_NAME_MAX + 1], char *reason, size_t reason_size);

/*
 * Build the canonical account name of a valid local part in a domain (see
 * above) into ret_name (at least FEDJIT_CANONICAL_MAX + 1 bytes).
 * 0, or -EINVAL with a reason (invalid local part, unusable domain name).
 */
int fedjit_name_canonical(const struct fedjit_domain *domain, const char *local,
                          char ret_name[static FEDJIT_CANONICAL_MAX + 1], char *reason,
                          size_t reason_size);

/*
 * A parsed login name. domain points into the config it was parsed against.
 * qualified and written keep what the person typed, so that the same login can
 * be placed in another default domain (fedjit_login_rebase) without parsing
 * the text again.
 */
struct fedjit_login {
	const struct fedjit_domain *domain;
	char local[FEDJIT_NAME_MAX + 1];          /* folded, validated local part */
	char canonical[FEDJIT_CANONICAL_MAX + 1]; /* the account name */
	bool qualified;                           /* the domain was written (DOMAIN/x, x@DOMAIN) */
	char written[FEDJIT_NAME_MAX + 1];        /* the local part as written, unfolded */
};

/*
 * Parse len bytes of a login name against config. default_domain names the
 * domain of a bare name (NULL: FEDJIT_DEFAULT_DOMAIN). 0 and *ret filled;
 * -EINVAL (malformed or invalid name) or -ENOENT (unknown domain) with a
 * reason, *ret untouched. Does not apply the regex policy or reserved names.
 */
int fedjit_login_parse(const struct fedjit_config *config, const char *default_domain,
                       const char *login, size_t len, struct fedjit_login *ret, char *reason,
                       size_t reason_size);

/*
 * The login l (parsed against config) as if its bare form had default_domain
 * (NULL: FEDJIT_DEFAULT_DOMAIN): a qualified login is copied unchanged; a bare
 * one is folded and validated again under that domain's rules. 0 and *ret, or
 * -EINVAL / -ENOENT with a reason, as fedjit_login_parse.
 */
int fedjit_login_rebase(const struct fedjit_config *config, const struct fedjit_login *l,
                        const char *default_domain, struct fedjit_login *ret, char *reason,
                        size_t reason_size);

/*
 * Check a valid local name against the domain's username_regex (kind USER) or
 * groupname_regex (kind GROUP). 0 when it matches or there is no pattern;
 * -EPERM with a reason naming the rule ("name 'x' does not match
 * username_regex '...' of domain CORP"); -EINVAL when the pattern does not
 * compile (reason names the domain and the regcomp error).
 */
int fedjit_name_policy_check(const struct fedjit_domain *domain, enum fedjit_name_kind kind,
                             const char *local, char *reason, size_t reason_size);

/* True for the always reserved names and the reserved service account names of
 * config (NULL: the built-in list); exact, case-sensitive. */
bool fedjit_name_is_reserved(const struct fedjit_config *config, const char *name);
/* True when name is on the built-in list of service account names. */
bool fedjit_name_is_service_default(const char *name);

/*
 * Look a name up outside fedjit (files, other NSS sources): 1 and *ret_uid when
 * it exists (for groups: the gid), 0 when it does not, negative errno when the
 * lookup failed (which fails the check: unknown is not free).
 */
typedef int (*fedjit_name_lookup_fn)(const char *name, uint32_t *ret_uid, void *userdata);

/*
 * Is the name free of reservations for an account in domain? 0 when it may be
 * used; -EPERM with a reason when it is reserved (fedjit_name_is_reserved with
 * config, which may be NULL for the built-in lists, or lookup finds it with id 0
 * or an id below domain->uid_min); the lookup's negative errno
 * otherwise. lookup may be NULL (fixed list only). A name that exists with an
 * id at or above uid_min is NOT reported here: whether an existing account may
 * be associated is the caller's decision (associate_existing).
 */
int fedjit_name_check_reserved(const struct fedjit_config *config,
                               const struct fedjit_domain *domain, const char *name,
                               fedjit_name_lookup_fn lookup, void *userdata, char *reason,
                               size_t reason_size);

/*
 * Derive the local name for username_from = subject (see above) into ret_name.
 * Always succeeds for any issuer and subject (NUL-terminated strings). The
 * result obeys the built-in rules; the caller still applies the domain's
 * username_regex (fedjit_name_policy_check) and builds the canonical name.
 */
void fedjit_name_from_subject(const char *issuer, const char *subject,
                              char ret_name[static FEDJIT_NAME_MAX + 1]);

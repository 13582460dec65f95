/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fedjit record codec: the byte formats of every record in the store, the
 * private store and the secret store, and the keys they live under. The
 * formats themselves are documented in the comment blocks beside their
 * codecs: common/record.c (users, private account records; what lives in
 * which store), common/record_group.c (groups), common/record_small.c (the
 * rest).
 *
 * Two kinds of decoders:
 *  - view decoders (fedjit_record_view_*) parse a TDB_DATA in place, without
 *    allocating or copying. Every pointer in a view points into the record
 *    bytes, so a view is valid only as long as those bytes are: inside the
 *    tdb_parse_record() callback that produced them (the fedjit_store_parse_*
 *    functions of store.h call you back with a view, and the NSS module decodes
 *    its private copies with them).
 *  - allocating decoders (fedjit_record_decode_*) return one heap block that
 *    the caller frees with the matching fedjit_*_free().
 *
 * Every decoder is bounds-checked: a record that is truncated, too long, has
 * an unknown format byte, a missing or extra NUL, a count that does not match
 * its payload, or anything else that is not exactly what the encoder writes
 * returns -EBADMSG and never reads outside [dptr, dptr + dsize).
 * The passwd and group fields (names, gecos, home, shell, members) never
 * contain ':' or '\n' (the encoders refuse them with -EINVAL, so a record can
 * always be turned into a passwd or group line); issuer and subject are
 * opaque byte strings without NUL.
 */
#pragma once

#include <signal.h> /* tdb.h needs sig_atomic_t */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include <tdb.h>

/* Limits the encoders enforce (bytes, without the NUL). */
#define FEDJIT_RECORD_NAME_MAX    255  /* user and group names */
#define FEDJIT_RECORD_STRING_MAX  4095 /* gecos, home, shell, issuer, subject, ... */
#define FEDJIT_RECORD_MEMBERS_MAX 65535
#define FEDJIT_RECORD_GIDS_MAX    65535

/* Room a key builder needs: prefix + issuer + NUL + subject. */
#define FEDJIT_KEY_MAX (16 + 2 * (FEDJIT_RECORD_STRING_MAX + 1))

/* What pw_passwd / gr_passwd say: the password (if any) lives in shadow. */
#define FEDJIT_PASSWD_FIELD "x"

/* user flags */
#define FEDJIT_USER_LOCKED (1u << 0) /* logins refused (pam_sm_acct_mgmt) */
#define FEDJIT_USER_PENDING \
	(1u << 1) /* non-blocking mode: background work (home, group
                                         sync, hooks) not finished; retried at next login */
#define FEDJIT_USER_FLAGS_KNOWN (FEDJIT_USER_LOCKED | FEDJIT_USER_PENDING)

/*
 * A user. In the allocating form every string is non-NULL (absent optional
 * values are ""), and struct and strings are one heap block: free with
 * fedjit_user_free(). As encoder input, NULL strings are accepted for the
 * optional fields (gecos, email) and encoded as "".
 *
 * The world-readable store keeps name, uid, gid, gecos, home, shell and flags
 * (what NSS serves); domain, idp, issuer, subject, email, created and
 * last_login are personal data and live in the root-only private store
 * (record.c). The store's read API fills them in for processes that can read
 * the private store (root); for others they are "" and 0.
 */
struct fedjit_user {
	char *name;
	uint32_t uid;
	uint32_t gid; /* primary group */
	char *gecos;
	char *home;
	char *shell;
	char *domain; /* user store domain (config [domain NAME]) */
	char *idp;    /* IdP name (config [idp NAME]) that provisioned or linked it */
	char *issuer; /* the (issuer, subject) pair that owns the account */
	char *subject;
	char *email;
	int64_t created;    /* unix seconds */
	int64_t last_login; /* unix seconds; 0: never */
	uint32_t flags;     /* FEDJIT_USER_* */
};

/*
 * Zero-copy view of a user record. All strings are NUL-terminated and point
 * into the record. The passwd strings are laid out back to back in passwd
 * field order in pw_block ("name\0passwd\0gecos\0home\0shell\0", pw_block_len
 * bytes including the last NUL), so an NSS packer can memcpy pw_block into the
 * caller's buffer once and set pw_name = buf + (name - pw_block), and so on.
 */
struct fedjit_user_view {
	uint8_t format; /* of the user record: 1 holds the personal data, 2 not */
	uint32_t uid;
	uint32_t gid;
	uint32_t flags;
	int64_t created;
	int64_t last_login;
	const char *pw_block;
	size_t pw_block_len;
	const char *name, *passwd, *gecos, *home, *shell; /* inside pw_block */
	/* personal data: from a format 1 record, or from the private account
	 * record when the reader has it; else "" (and created, last_login 0) */
	const char *domain, *idp, *issuer, *subject, *email;
};

/* Zero-copy view of a private account record (record.c); strings point into it. */
struct fedjit_account_view {
	uint32_t uid; /* of the user record it belongs to */
	int64_t created;
	int64_t last_login;
	const char *domain, *idp, *issuer, *subject, *email;
};

enum fedjit_group_origin {
	FEDJIT_GROUP_PRIVATE = 1,        /* a user's private group (same name as the user) */
	FEDJIT_GROUP_SHARED_PRIMARY = 2, /* a domain's shared primary group */
	FEDJIT_GROUP_JIT = 3,            /* created for an IdP group (group map / create_groups) */
	FEDJIT_GROUP_ADMIN = 4,          /* created by the administrator */
	/* A group of another NSS source (e.g. sudo in /etc/group) that provisioning
	 * put federated accounts in: the record keeps its name, gid and those
	 * members only, so that NSS can add them to that source's entry
	 * ("group: files [SUCCESS=merge] fedjit", libnss_fedjit(8)). Never
	 * enumerated (the group is the other source's); deleted with its last
	 * member. */
	FEDJIT_GROUP_FOREIGN = 5,
};

/* A group; one heap block, free with fedjit_group_free(). */
struct fedjit_group {
	char *name;
	uint32_t gid;
	uint8_t origin; /* enum fedjit_group_origin */
	char *domain;
	char **members; /* n_members names, then NULL */
	size_t n_members;
};

/*
 * Zero-copy view of a group record. gr_block is "name\0passwd\0m1\0m2\0...",
 * members points at m1 (members_len bytes holding n_members NUL-terminated
 * names back to back; members_len is 0 when there are none).
 */
struct fedjit_group_view {
	uint8_t format; /* 2: with member offsets (moffs, set by the full decoder) */
	uint32_t gid;
	uint8_t origin;
	uint32_t n_members;
	const char *gr_block;
	size_t gr_block_len;
	const char *name, *passwd; /* inside gr_block */
	const char *members;
	size_t members_len;
	const unsigned char
	        *moffs; /* format 2: n_members LE offsets in gr_block (record_group.c) */
	const char *domain;
};

/* Zero-copy view of a user's supplementary gid list (unaligned little endian). */
struct fedjit_gids_view {
	uint32_t n;
	const unsigned char *raw; /* 4 * n bytes */
};

static inline uint32_t fedjit_gids_view_at(const struct fedjit_gids_view *v, size_t i)
{
	const unsigned char *p = v->raw + 4 * i;
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A consent record (secret store). One heap block, free with fedjit_consent_free(). */
struct fedjit_consent {
	int64_t when;          /* unix seconds */
	uint32_t text_version; /* version of the consent text shown */
	char *idp;             /* IdP the consent was given for */
	char *what;            /* what was agreed to (e.g. the claim → attribute list shown) */
};

/*
 * Encoders: on success *ret gets a malloc'd dptr the caller frees with free().
 * -EINVAL for a value the format cannot hold (a missing mandatory string,
 * ':' or '\n' in a passwd/group field, unknown flag bits or origin, too long:
 * see the limits above).
 */
/* The store's user record (format 2: passwd fields, ids, flags). */
int fedjit_record_encode_user(const struct fedjit_user *u, TDB_DATA *ret);
/* The private store's account record (domain, idp, issuer, subject, email,
 * created, last_login, and the uid it belongs to). */
int fedjit_record_encode_account(const struct fedjit_user *u, TDB_DATA *ret);
int fedjit_record_encode_group(const struct fedjit_group *g, TDB_DATA *ret);
/* The formats before the personal data moved out (user and group format 1):
 * never written by fedjit any more; for the upgrade's tests and the fuzzer. */
int fedjit_record_encode_user_v1(const struct fedjit_user *u, TDB_DATA *ret);
int fedjit_record_encode_group_v1(const struct fedjit_group *g, TDB_DATA *ret);
int fedjit_record_encode_gids(const uint32_t *gids, size_t n, TDB_DATA *ret);
/* Index and link records: the name they point to. */
int fedjit_record_encode_name(const char *name, TDB_DATA *ret);
int fedjit_record_encode_version(uint32_t version, TDB_DATA *ret);
int fedjit_record_encode_pwhash(const char *hash, TDB_DATA *ret);
int fedjit_record_encode_consent(const struct fedjit_consent *c, TDB_DATA *ret);

/* View decoders: 0 and *ret filled, or -EBADMSG (*ret untouched). Both user
 * and group formats are read. */
int fedjit_record_view_user(TDB_DATA d, struct fedjit_user_view *ret);
int fedjit_record_view_account(TDB_DATA d, struct fedjit_account_view *ret);
/* Set a user view's personal fields from its account record's view. */
void fedjit_user_view_set_account(struct fedjit_user_view *v, const struct fedjit_account_view *a);
int fedjit_record_view_group(TDB_DATA d, struct fedjit_group_view *ret);
int fedjit_record_view_gids(TDB_DATA d, struct fedjit_gids_view *ret);
/* *ret_name points into d, NUL-terminated. */
int fedjit_record_view_name(TDB_DATA d, const char **ret_name);
/* *ret_hash points into d, NUL-terminated. */
int fedjit_record_view_pwhash(TDB_DATA d, const char **ret_hash);

/*
 * The passwd (group) block of a user (group) record on its own, for the NSS
 * module, which copies just the block into glibc's buffer and the fixed
 * header beside it. *_block tells where the block lies in a record (from
 * bytes that may still change under the caller: offsets only, checked
 * against len; for a group also the member count and, format 2, where the
 * member offsets are: *ret_moff, 0 for format 1); view_*_block decodes a
 * copy of the header (hdr_len bytes, the offset *_block returned) and a copy
 * of the block. The view's personal fields are "" (format 2) or unset.
 *
 * For the current formats these check bounds, not characters (the formats in
 * record.c and record_group.c say why): every pointer of the view is a
 * string that ends inside the block. With check_members true the group's
 * names are all checked; with false, the caller sets gr_mem either from the
 * member offsets (fedjit_record_group_member_ptrs, format 2) or with
 * fedjit_record_group_members, which points mem (NULL: nowhere) at the
 * n_members names while it checks them (format 1).
 */
int fedjit_record_user_block(const unsigned char *rec, size_t len, size_t *ret_off,
                             size_t *ret_len);
int fedjit_record_view_user_block(const unsigned char *hdr, size_t hdr_len, TDB_DATA block,
                                  struct fedjit_user_view *ret);
int fedjit_record_group_block(const unsigned char *rec, size_t len, size_t *ret_off,
                              size_t *ret_len, uint32_t *ret_n_members, size_t *ret_moff);
int fedjit_record_view_group_block(const unsigned char *hdr, size_t hdr_len, TDB_DATA block,
                                   bool check_members, struct fedjit_group_view *ret);
int fedjit_record_group_members(const struct fedjit_group_view *v, char **mem);
/* width: the record's byte 2 (2 or 4 bytes an offset). */
int fedjit_record_group_member_ptrs(const unsigned char *offs, unsigned width, uint32_t n,
                                    char *block, size_t block_len, char **mem);
/* The longest header the two formats have. */
#define FEDJIT_RECORD_HDR_MAX 36

/* Allocating decoders: 0 and *ret owned by the caller, -EBADMSG or -ENOMEM. */
int fedjit_record_decode_user(TDB_DATA d, struct fedjit_user **ret);
int fedjit_record_decode_group(TDB_DATA d, struct fedjit_group **ret);
int fedjit_record_decode_gids(TDB_DATA d, uint32_t **ret_gids, size_t *ret_n);
int fedjit_record_decode_name(TDB_DATA d, char **ret_name);
int fedjit_record_decode_version(TDB_DATA d, uint32_t *ret_version);
int fedjit_record_decode_pwhash(TDB_DATA d, char **ret_hash); /* scrub + free: fedjit_secret_free */
int fedjit_record_decode_consent(TDB_DATA d, struct fedjit_consent **ret);

/* Copies out of a view (one heap block each). */
int fedjit_user_from_view(const struct fedjit_user_view *v, struct fedjit_user **ret);
int fedjit_group_from_view(const struct fedjit_group_view *v, struct fedjit_group **ret);
/* Deep copy (one heap block). */
int fedjit_user_dup(const struct fedjit_user *u, struct fedjit_user **ret);

void fedjit_user_free(struct fedjit_user *u);
void fedjit_group_free(struct fedjit_group *g);
void fedjit_consent_free(struct fedjit_consent *c);

/*
 * Key builders, the one place that knows the key layout. Each writes into
 * buf (FEDJIT_KEY_MAX bytes) and points *ret at it; -EINVAL for an empty or
 * too long input. Keys carry no trailing NUL.
 *   "version"                      store format version
 *   "user/NAME"                    user record
 *   "uid/DECIMAL"                  uid -> name
 *   "group/NAME"                   group record
 *   "gid/DECIMAL"                  gid -> name
 *   "gids/NAME"                    the user's supplementary gids
 * Private store (root-only, beside the store):
 *   "version"                      private store format version
 *   "account/NAME"                 the account's personal data
 *   "link/ISSUER\0SUBJECT"         (issuer, subject) -> name
 *   "upgrading"                    an upgrade of the store is under way
 * Secret store:
 *   "pwhash/NAME"                  local password hash
 *   "consent/NAME"                 consent record
 *   "state/NAME"                   account state (account_state.h)
 *   "refresh/NAME"                 refresh token (account_state.h)
 */
int fedjit_key_version(char *buf, TDB_DATA *ret);
int fedjit_key_user(char *buf, const char *name, TDB_DATA *ret);
int fedjit_key_uid(char *buf, uint32_t uid, TDB_DATA *ret);
int fedjit_key_group(char *buf, const char *name, TDB_DATA *ret);
int fedjit_key_gid(char *buf, uint32_t gid, TDB_DATA *ret);
int fedjit_key_gids(char *buf, const char *name, TDB_DATA *ret);
int fedjit_key_link(char *buf, const char *issuer, const char *subject, TDB_DATA *ret);
int fedjit_key_pwhash(char *buf, const char *name, TDB_DATA *ret);
int fedjit_key_consent(char *buf, const char *name, TDB_DATA *ret);
int fedjit_key_state(char *buf, const char *name, TDB_DATA *ret);
int fedjit_key_refresh(char *buf, const char *name, TDB_DATA *ret);
int fedjit_key_account(char *buf, const char *name, TDB_DATA *ret);
int fedjit_key_upgrading(char *buf, TDB_DATA *ret);
int fedjit_key_state_moved(char *buf, TDB_DATA *ret);

/* What a key is, for iteration and the checker. */
enum fedjit_key_kind {
	FEDJIT_KEY_UNKNOWN = 0,
	FEDJIT_KEY_VERSION,
	FEDJIT_KEY_USER,
	FEDJIT_KEY_UID,
	FEDJIT_KEY_GROUP,
	FEDJIT_KEY_GID,
	FEDJIT_KEY_GIDS,
	FEDJIT_KEY_LINK,
	FEDJIT_KEY_PWHASH,
	FEDJIT_KEY_CONSENT,
	FEDJIT_KEY_STATE,
	FEDJIT_KEY_REFRESH,
	FEDJIT_KEY_ACCOUNT,
	FEDJIT_KEY_UPGRADING,
	FEDJIT_KEY_STATE_MOVED,
};
/*
 * Classify a key; on success *ret_rest and *ret_rest_len are the part after the
 * prefix (not NUL-terminated; for a link "ISSUER\0SUBJECT").
 */
enum fedjit_key_kind fedjit_key_classify(TDB_DATA key, const char **ret_rest, size_t *ret_rest_len);

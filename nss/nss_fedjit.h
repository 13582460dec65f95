/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libnss_fedjit internals shared by the files of nss/. Nothing here is
 * exported from the module: the export map lets only _nss_fedjit_* out.
 */
#pragma once

#include <errno.h>
#include <grp.h>
#include <nss.h>
#include <pwd.h>
#include <shadow.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <tdb.h>

#include "common/record.h"
#include "common/snapshot.h"

/*
 * Every entry point, declared once. The module exports exactly these (and the
 * in-process switch _nss_fedjit_block); tests dlsym them by these names.
 */
#define FEDJIT_NSS_PROTOTYPES(attr)                                                                \
	attr enum nss_status _nss_fedjit_getpwnam_r(const char *name, struct passwd *pw,           \
	                                            char *buf, size_t buflen, int *errnop);        \
	attr enum nss_status _nss_fedjit_getpwuid_r(uid_t uid, struct passwd *pw, char *buf,       \
	                                            size_t buflen, int *errnop);                   \
	attr enum nss_status _nss_fedjit_setpwent(int stayopen);                                   \
	attr enum nss_status _nss_fedjit_getpwent_r(struct passwd *pw, char *buf, size_t buflen,   \
	                                            int *errnop);                                  \
	attr enum nss_status _nss_fedjit_endpwent(void);                                           \
	attr enum nss_status _nss_fedjit_getgrnam_r(const char *name, struct group *gr, char *buf, \
	                                            size_t buflen, int *errnop);                   \
	attr enum nss_status _nss_fedjit_getgrgid_r(gid_t gid, struct group *gr, char *buf,        \
	                                            size_t buflen, int *errnop);                   \
	attr enum nss_status _nss_fedjit_setgrent(int stayopen);                                   \
	attr enum nss_status _nss_fedjit_getgrent_r(struct group *gr, char *buf, size_t buflen,    \
	                                            int *errnop);                                  \
	attr enum nss_status _nss_fedjit_endgrent(void);                                           \
	attr enum nss_status _nss_fedjit_initgroups_dyn(                                           \
	        const char *user, gid_t group, long int *start, long int *size, gid_t **groupsp,   \
	        long int limit, int *errnop);                                                      \
	attr enum nss_status _nss_fedjit_getspnam_r(const char *name, struct spwd *sp, char *buf,  \
	                                            size_t buflen, int *errnop);                   \
	attr enum nss_status _nss_fedjit_setspent(int stayopen);                                   \
	attr enum nss_status _nss_fedjit_getspent_r(struct spwd *sp, char *buf, size_t buflen,     \
	                                            int *errnop);                                  \
	attr enum nss_status _nss_fedjit_endspent(void);                                           \
	attr unsigned _nss_fedjit_block(int block)

/* ---- scratch: a growable private copy of records (stack first, heap beyond) ---- */

struct fedjit_nss_scratch {
	char *p;
	size_t len;  /* bytes in use */
	size_t size; /* bytes available at p */
	char inline_buf[1024];
};

void fedjit_nss_scratch_init(struct fedjit_nss_scratch *s);
void fedjit_nss_scratch_done(struct fedjit_nss_scratch *s);
/* Append n bytes; returns the offset they start at, or -ENOMEM. */
long fedjit_nss_scratch_append(struct fedjit_nss_scratch *s, const void *data, size_t n);

/* ---- the store: one cached read-only handle (db.c) ---- */

/*
 * A read body (common/snapshot.h): it fetches through fedjit_read_get /
 * fedjit_read_chain / fedjit_lookup and copies what it needs into its
 * userdata, never keeping a pointer into the store. It may run several times:
 * each run starts from scratch (it resets its own output) and only the result
 * of a run that saw no concurrent commit is returned. Returns 0 or a negative
 * errno (-ENOENT: not there).
 */
typedef int (*fedjit_nss_read_fn)(struct fedjit_store *s, void *userdata);

/*
 * Run fn on a consistent snapshot of the store at path. Returns fn's result;
 * -ENOENT when the store file does not exist; -EIO / -EBADMSG /
 * -EPROTONOSUPPORT when it cannot be used (-EIO also while a commit whose
 * writer died waits for a root opener to roll it back); -EAGAIN when commits
 * kept the read from standing for FEDJIT_READ_BUDGET_MS.
 */
int fedjit_nss_db_read(const char *path, fedjit_nss_read_fn fn, void *userdata);

/* Drop the cached handle (tests; after fork it is reopened lazily anyway). */
void fedjit_nss_db_reset(void);

/* How often a process checks that the store file was not replaced or removed. */
#define FEDJIT_NSS_RECHECK_MS 100

/* ---- paths (compiled in; the test build reads overrides from the environment) ---- */

const char *fedjit_nss_db_path(void);
/* 1 when fedjit_nss_db_path() always returns the same pointer to the same
 * string (the installed module: a constant) */
#ifdef FEDJIT_NSS_TEST
#define FEDJIT_NSS_PATH_FIXED 0
#else
#define FEDJIT_NSS_PATH_FIXED 1
#endif
const char *fedjit_nss_secret_db_path(void);
const char *fedjit_nss_conf_file(void);
const char *fedjit_nss_conf_dir(void);
const char *fedjit_nss_passwd_file(void);
const char *fedjit_nss_group_file(void);

/* ---- packers: size first, -ERANGE before writing a byte ---- */

/* A passwd entry in a private copy: record.h's pw_block and its offsets. */
struct fedjit_nss_pw {
	uint32_t uid, gid, flags;
	const char *block; /* "name\0passwd\0gecos\0home\0shell\0" */
	size_t block_len;
	size_t name, passwd, gecos, home, shell; /* offsets into block */
};

/* A group in a private copy: record.h's gr_block and its offsets. */
struct fedjit_nss_gr {
	uint32_t gid;
	uint32_t n_members;
	const char *block; /* "name\0passwd\0m1\0m2\0..." */
	size_t block_len;
	size_t name, passwd, members; /* offsets into block */
};

/* A shadow entry: hash NULL when the account has no local password. */
struct fedjit_nss_sp {
	const char *name;
	const char *hash;
	bool locked;
};

int fedjit_nss_pack_passwd(const struct fedjit_nss_pw *src, struct passwd *pw, char *buf,
                           size_t buflen);
int fedjit_nss_pack_group(const struct fedjit_nss_gr *src, struct group *gr, char *buf,
                          size_t buflen);
int fedjit_nss_pack_shadow(const struct fedjit_nss_sp *src, struct spwd *sp, char *buf,
                           size_t buflen);

/* Fill a fedjit_nss_pw / _gr from a view of a private copy (offsets relative to the block). */
void fedjit_nss_pw_from_view(const struct fedjit_user_view *v, struct fedjit_nss_pw *ret);
void fedjit_nss_gr_from_view(const struct fedjit_group_view *v, struct fedjit_nss_gr *ret);

/* ---- boundary helpers ---- */

/* Internal result (0 / -errno) -> NSS status and *errnop. */
enum nss_status fedjit_nss_status(int r, int *errnop);
/* The same, and errno restored to saved_errno on success, set to *errnop otherwise. */
enum nss_status fedjit_nss_finish(int r, int *errnop, int saved_errno);

/* True when the module is switched off for this call (env switch, blocked counter). */
bool fedjit_nss_bypassed(void);

/* What a switched-off module answers: UNAVAIL, errno ENOENT (like a missing file). */
static inline enum nss_status fedjit_nss_bypass_status(int *errnop)
{
	*errnop = ENOENT;
	errno = ENOENT;
	return NSS_STATUS_UNAVAIL;
}

/* A name the store could hold (canonical account or group name). */
bool fedjit_nss_name_ok(const char *name);

/* ---- lookups shared by entry points and enumeration ---- */

/* Copies for one user / group; free with fedjit_nss_scratch_done(&x->scratch). */
struct fedjit_nss_user_copy {
	struct fedjit_nss_scratch scratch;
	struct fedjit_nss_pw pw;
};
struct fedjit_nss_group_copy {
	struct fedjit_nss_scratch scratch;
	struct fedjit_nss_gr gr;
};

/* The passwd / group entry by name (or, name NULL, by id) straight into
 * glibc's struct and buffer (-ERANGE: buffer too small). */
int fedjit_nss_getpw(const char *name, uint32_t uid, struct passwd *pw, char *buf, size_t buflen);
int fedjit_nss_getgr(const char *name, uint32_t gid, struct group *gr, char *buf, size_t buflen);
/* Whether a store user (group) has the id: 1, 0 (-ENOENT is 0), -errno. */
int fedjit_nss_id_taken(bool group, uint32_t id);

int fedjit_nss_lookup_user(const char *name, struct fedjit_nss_user_copy *ret);
int fedjit_nss_lookup_group(const char *name, struct fedjit_nss_group_copy *ret);
/* The user's supplementary gids; the view points into s (caller inits and frees s). */
int fedjit_nss_lookup_gids(const char *name, struct fedjit_nss_scratch *s,
                           struct fedjit_gids_view *ret);

/* The shadow entry of the user copied in u (reads the secret store; u's scratch grows). */
int fedjit_nss_shadow_pack_user(struct fedjit_nss_user_copy *u, struct spwd *sp, char *buf,
                                size_t buflen);

/* ---- the sshd pre-authentication entry (preauth.c) ---- */

/* True when this process is sshd (see preauth.c for how and why). */
bool fedjit_nss_is_sshd(void);

/*
 * The entry provisioning would create for name, or -ENOENT when the
 * configuration does not let name be provisioned through sshd. The result is
 * in ret (scratch-backed, same as a store lookup).
 */
int fedjit_nss_preauth_user(const char *name, struct fedjit_nss_user_copy *ret);

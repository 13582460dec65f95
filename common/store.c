/* SPDX-License-Identifier: Apache-2.0 */
/* Stub: being implemented. */
#include "config.h"
#include <errno.h>
#include "store.h"

unsigned fedjit_store_debug_fail_after;

int fedjit_store_open(const char *path, unsigned flags, struct fedjit_store **ret)
{
	return -ENOSYS;
}

void fedjit_store_close(struct fedjit_store *s)
{
}

struct tdb_context *fedjit_store_tdb(struct fedjit_store *s)
{
	return NULL;
}

int fedjit_store_seqnum(struct fedjit_store *s)
{
	return -ENOSYS;
}

const char *fedjit_store_strerror(int err)
{
	return "not implemented";
}

int fedjit_store_parse_user(struct fedjit_store *s, const char *name, fedjit_user_view_fn fn,
                            void *userdata)
{
	return -ENOSYS;
}

int fedjit_store_parse_user_by_uid(struct fedjit_store *s, uint32_t uid, fedjit_user_view_fn fn,
                                   void *userdata)
{
	return -ENOSYS;
}

int fedjit_store_parse_group(struct fedjit_store *s, const char *name, fedjit_group_view_fn fn,
                             void *userdata)
{
	return -ENOSYS;
}

int fedjit_store_parse_group_by_gid(struct fedjit_store *s, uint32_t gid, fedjit_group_view_fn fn,
                                    void *userdata)
{
	return -ENOSYS;
}

int fedjit_store_parse_gids(struct fedjit_store *s, const char *name, fedjit_gids_view_fn fn,
                            void *userdata)
{
	return -ENOSYS;
}

int fedjit_store_get_user(struct fedjit_store *s, const char *name, struct fedjit_user **ret)
{
	return -ENOSYS;
}

int fedjit_store_get_user_by_uid(struct fedjit_store *s, uint32_t uid, struct fedjit_user **ret)
{
	return -ENOSYS;
}

int fedjit_store_get_user_by_link(struct fedjit_store *s, const char *issuer, const char *subject,
                                  struct fedjit_user **ret)
{
	return -ENOSYS;
}

int fedjit_store_get_group(struct fedjit_store *s, const char *name, struct fedjit_group **ret)
{
	return -ENOSYS;
}

int fedjit_store_get_group_by_gid(struct fedjit_store *s, uint32_t gid, struct fedjit_group **ret)
{
	return -ENOSYS;
}

int fedjit_store_get_gids(struct fedjit_store *s, const char *name, uint32_t **ret_gids,
                          size_t *ret_n)
{
	return -ENOSYS;
}

int fedjit_store_foreach_user(struct fedjit_store *s, fedjit_user_view_fn fn, void *userdata)
{
	return -ENOSYS;
}

int fedjit_store_foreach_group(struct fedjit_store *s, fedjit_group_view_fn fn, void *userdata)
{
	return -ENOSYS;
}

int fedjit_store_list_users(struct fedjit_store *s, char ***ret, size_t *ret_n)
{
	return -ENOSYS;
}

int fedjit_store_list_groups(struct fedjit_store *s, char ***ret, size_t *ret_n)
{
	return -ENOSYS;
}

void fedjit_strv_free(char **v)
{
}

int fedjit_store_create_account(struct fedjit_store *s, const struct fedjit_user *user,
                                const char *primary_group, const uint32_t *gids, size_t n_gids)
{
	return -ENOSYS;
}

int fedjit_store_update_account(struct fedjit_store *s, const struct fedjit_user *user,
                                const uint32_t *gids, size_t n_gids, unsigned what)
{
	return -ENOSYS;
}

int fedjit_store_set_last_login(struct fedjit_store *s, const char *name, int64_t when)
{
	return -ENOSYS;
}

int fedjit_store_set_flags(struct fedjit_store *s, const char *name, uint32_t set, uint32_t clear)
{
	return -ENOSYS;
}

int fedjit_store_set_locked(struct fedjit_store *s, const char *name, bool locked)
{
	return -ENOSYS;
}

int fedjit_store_set_locked_by_link(struct fedjit_store *s, const char *issuer, const char *subject,
                                    bool locked, char **ret_name)
{
	return -ENOSYS;
}

int fedjit_store_delete_account(struct fedjit_store *s, const char *name)
{
	return -ENOSYS;
}

int fedjit_store_purge_idp(struct fedjit_store *s, const char *idp_name, char ***ret_names)
{
	return -ENOSYS;
}

int fedjit_store_ensure_group(struct fedjit_store *s, const char *name, uint32_t gid,
                              const char *domain, enum fedjit_group_origin origin,
                              uint32_t *ret_gid)
{
	return -ENOSYS;
}

int fedjit_store_delete_group(struct fedjit_store *s, const char *name)
{
	return -ENOSYS;
}

int fedjit_store_check(struct fedjit_store *s, fedjit_check_report_fn report, void *userdata)
{
	return -ENOSYS;
}

int fedjit_secret_open(const char *path, unsigned flags, struct fedjit_secret_store **ret)
{
	return -ENOSYS;
}

void fedjit_secret_close(struct fedjit_secret_store *ss)
{
}

int fedjit_secret_set_password_hash(struct fedjit_secret_store *ss, const char *name,
                                    const char *hash)
{
	return -ENOSYS;
}

int fedjit_secret_get_password_hash(struct fedjit_secret_store *ss, const char *name,
                                    char **ret_hash)
{
	return -ENOSYS;
}

int fedjit_secret_parse_password_hash(struct fedjit_secret_store *ss, const char *name,
                                      int (*fn)(const char *hash, void *userdata), void *userdata)
{
	return -ENOSYS;
}

int fedjit_secret_set_consent(struct fedjit_secret_store *ss, const char *name,
                              const struct fedjit_consent *c)
{
	return -ENOSYS;
}

int fedjit_secret_get_consent(struct fedjit_secret_store *ss, const char *name,
                              struct fedjit_consent **ret)
{
	return -ENOSYS;
}

int fedjit_secret_delete_user(struct fedjit_secret_store *ss, const char *name)
{
	return -ENOSYS;
}

int fedjit_secret_list_users(struct fedjit_secret_store *ss, char ***ret, size_t *ret_n)
{
	return -ENOSYS;
}

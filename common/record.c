/* SPDX-License-Identifier: Apache-2.0 */
/* Stub: being implemented. */
#include "config.h"
#include <errno.h>
#include "record.h"

int fedjit_record_encode_user(const struct fedjit_user *u, TDB_DATA *ret)
{
	return -ENOSYS;
}

int fedjit_record_encode_group(const struct fedjit_group *g, TDB_DATA *ret)
{
	return -ENOSYS;
}

int fedjit_record_encode_gids(const uint32_t *gids, size_t n, TDB_DATA *ret)
{
	return -ENOSYS;
}

int fedjit_record_encode_name(const char *name, TDB_DATA *ret)
{
	return -ENOSYS;
}

int fedjit_record_encode_version(uint32_t version, TDB_DATA *ret)
{
	return -ENOSYS;
}

int fedjit_record_encode_pwhash(const char *hash, TDB_DATA *ret)
{
	return -ENOSYS;
}

int fedjit_record_encode_consent(const struct fedjit_consent *c, TDB_DATA *ret)
{
	return -ENOSYS;
}

int fedjit_record_view_user(TDB_DATA d, struct fedjit_user_view *ret)
{
	return -ENOSYS;
}

int fedjit_record_view_group(TDB_DATA d, struct fedjit_group_view *ret)
{
	return -ENOSYS;
}

int fedjit_record_view_gids(TDB_DATA d, struct fedjit_gids_view *ret)
{
	return -ENOSYS;
}

int fedjit_record_view_name(TDB_DATA d, const char **ret_name)
{
	return -ENOSYS;
}

int fedjit_record_view_pwhash(TDB_DATA d, const char **ret_hash)
{
	return -ENOSYS;
}

int fedjit_record_decode_user(TDB_DATA d, struct fedjit_user **ret)
{
	return -ENOSYS;
}

int fedjit_record_decode_group(TDB_DATA d, struct fedjit_group **ret)
{
	return -ENOSYS;
}

int fedjit_record_decode_gids(TDB_DATA d, uint32_t **ret_gids, size_t *ret_n)
{
	return -ENOSYS;
}

int fedjit_record_decode_name(TDB_DATA d, char **ret_name)
{
	return -ENOSYS;
}

int fedjit_record_decode_version(TDB_DATA d, uint32_t *ret_version)
{
	return -ENOSYS;
}

int fedjit_record_decode_pwhash(TDB_DATA d, char **ret_hash)
{
	return -ENOSYS;
}

int fedjit_record_decode_consent(TDB_DATA d, struct fedjit_consent **ret)
{
	return -ENOSYS;
}

int fedjit_user_from_view(const struct fedjit_user_view *v, struct fedjit_user **ret)
{
	return -ENOSYS;
}

int fedjit_group_from_view(const struct fedjit_group_view *v, struct fedjit_group **ret)
{
	return -ENOSYS;
}

int fedjit_user_dup(const struct fedjit_user *u, struct fedjit_user **ret)
{
	return -ENOSYS;
}

void fedjit_user_free(struct fedjit_user *u)
{
}

void fedjit_group_free(struct fedjit_group *g)
{
}

void fedjit_consent_free(struct fedjit_consent *c)
{
}

int fedjit_key_version(char *buf, TDB_DATA *ret)
{
	return -ENOSYS;
}

int fedjit_key_user(char *buf, const char *name, TDB_DATA *ret)
{
	return -ENOSYS;
}

int fedjit_key_uid(char *buf, uint32_t uid, TDB_DATA *ret)
{
	return -ENOSYS;
}

int fedjit_key_group(char *buf, const char *name, TDB_DATA *ret)
{
	return -ENOSYS;
}

int fedjit_key_gid(char *buf, uint32_t gid, TDB_DATA *ret)
{
	return -ENOSYS;
}

int fedjit_key_gids(char *buf, const char *name, TDB_DATA *ret)
{
	return -ENOSYS;
}

int fedjit_key_link(char *buf, const char *issuer, const char *subject, TDB_DATA *ret)
{
	return -ENOSYS;
}

int fedjit_key_pwhash(char *buf, const char *name, TDB_DATA *ret)
{
	return -ENOSYS;
}

int fedjit_key_consent(char *buf, const char *name, TDB_DATA *ret)
{
	return -ENOSYS;
}

enum fedjit_key_kind fedjit_key_classify(TDB_DATA key, const char **ret_rest, size_t *ret_rest_len)
{
	return FEDJIT_KEY_UNKNOWN;
}

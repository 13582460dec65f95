/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Key builders: the only place that knows how store keys are spelled.
 *
 * Keys are ASCII prefixes followed by the name or decimal id, without a
 * trailing NUL, so that `tdbdump` output is readable:
 *   "version"               store / secret store format version
 *   "user/NAME"             user record            (record.c: user)
 *   "uid/DECIMAL"           uid -> name            (record_small.c: name)
 *   "group/NAME"            group record           (record_group.c)
 *   "gid/DECIMAL"           gid -> group name      (record_small.c: name)
 *   "gids/NAME"             supplementary gids     (record_small.c: gids)
 * Private store (root-only):
 *   "version"               private store format version
 *   "account/NAME"          personal data          (record.c: account)
 *   "link/ISSUER\0SUBJECT"  (issuer, subject) -> user name (record_small.c:
 *                           name); the NUL separates the two (neither may
 *                           hold one)
 *   "upgrading"             an upgrade of the store (store_upgrade.c) has
 *                           begun and not finished (record_small.c: version)
 *   "state/NAME"            account state          (record_state.c: state)
 *   "refresh/NAME"          refresh token          (record_state.c: refresh)
 *   "state-moved"           the state and refresh records of the secret
 *                           store were moved here (store_state_move.c;
 *                           record_small.c: version, the value 1)
 * Secret store:
 *   "pwhash/NAME"           password hash          (record_small.c: pwhash)
 *   "consent/NAME"          consent                (record_small.c)
 *   "state/NAME", "refresh/NAME"
 *                           before the move to the private store: read only
 *                           by the move, deleted with the account
 * Decimal ids have no leading zeros, so each id has exactly one key.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/record.h"

static int key_prefixed(char *buf, const char *prefix, const char *name, size_t max, TDB_DATA *ret)
{
	size_t pl = strlen(prefix), nl;

	if (!name)
		return -EINVAL;
	nl = strlen(name);
	if (nl == 0 || nl > max)
		return -EINVAL;
	memcpy(buf, prefix, pl);
	memcpy(buf + pl, name, nl);
	*ret = (TDB_DATA){.dptr = (unsigned char *)buf, .dsize = pl + nl};
	return 0;
}

static int key_number(char *buf, const char *prefix, uint32_t id, TDB_DATA *ret)
{
	int n = snprintf(buf, FEDJIT_KEY_MAX, "%s%" PRIu32, prefix, id);

	if (n < 0 || n >= FEDJIT_KEY_MAX)
		return -EINVAL;
	*ret = (TDB_DATA){.dptr = (unsigned char *)buf, .dsize = (size_t)n};
	return 0;
}

int fedjit_key_version(char *buf, TDB_DATA *ret)
{
	memcpy(buf, "version", 7);
	*ret = (TDB_DATA){.dptr = (unsigned char *)buf, .dsize = 7};
	return 0;
}

int fedjit_key_upgrading(char *buf, TDB_DATA *ret)
{
	memcpy(buf, "upgrading", 9);
	*ret = (TDB_DATA){.dptr = (unsigned char *)buf, .dsize = 9};
	return 0;
}

int fedjit_key_state_moved(char *buf, TDB_DATA *ret)
{
	memcpy(buf, "state-moved", 11);
	*ret = (TDB_DATA){.dptr = (unsigned char *)buf, .dsize = 11};
	return 0;
}

int fedjit_key_user(char *buf, const char *name, TDB_DATA *ret)
{
	return key_prefixed(buf, "user/", name, FEDJIT_RECORD_NAME_MAX, ret);
}

int fedjit_key_uid(char *buf, uint32_t uid, TDB_DATA *ret)
{
	return key_number(buf, "uid/", uid, ret);
}

int fedjit_key_group(char *buf, const char *name, TDB_DATA *ret)
{
	return key_prefixed(buf, "group/", name, FEDJIT_RECORD_NAME_MAX, ret);
}

int fedjit_key_gid(char *buf, uint32_t gid, TDB_DATA *ret)
{
	return key_number(buf, "gid/", gid, ret);
}

int fedjit_key_gids(char *buf, const char *name, TDB_DATA *ret)
{
	return key_prefixed(buf, "gids/", name, FEDJIT_RECORD_NAME_MAX, ret);
}

int fedjit_key_link(char *buf, const char *issuer, const char *subject, TDB_DATA *ret)
{
	size_t il, sl;

	if (!issuer || !subject)
		return -EINVAL;
	il = strlen(issuer);
	sl = strlen(subject);
	if (il == 0 || sl == 0 || il > FEDJIT_RECORD_STRING_MAX || sl > FEDJIT_RECORD_STRING_MAX)
		return -EINVAL;
	memcpy(buf, "link/", 5);
	memcpy(buf + 5, issuer, il + 1); /* with the separating NUL */
	memcpy(buf + 5 + il + 1, subject, sl);
	*ret = (TDB_DATA){.dptr = (unsigned char *)buf, .dsize = 5 + il + 1 + sl};
	return 0;
}

int fedjit_key_pwhash(char *buf, const char *name, TDB_DATA *ret)
{
	return key_prefixed(buf, "pwhash/", name, FEDJIT_RECORD_NAME_MAX, ret);
}

int fedjit_key_consent(char *buf, const char *name, TDB_DATA *ret)
{
	return key_prefixed(buf, "consent/", name, FEDJIT_RECORD_NAME_MAX, ret);
}

int fedjit_key_state(char *buf, const char *name, TDB_DATA *ret)
{
	return key_prefixed(buf, "state/", name, FEDJIT_RECORD_NAME_MAX, ret);
}

int fedjit_key_refresh(char *buf, const char *name, TDB_DATA *ret)
{
	return key_prefixed(buf, "refresh/", name, FEDJIT_RECORD_NAME_MAX, ret);
}

int fedjit_key_account(char *buf, const char *name, TDB_DATA *ret)
{
	return key_prefixed(buf, "account/", name, FEDJIT_RECORD_NAME_MAX, ret);
}

static const struct {
	const char *prefix;
	enum fedjit_key_kind kind;
} key_kinds[] = {
        {"user/", FEDJIT_KEY_USER},       {"uid/", FEDJIT_KEY_UID},
        {"group/", FEDJIT_KEY_GROUP},     {"gid/", FEDJIT_KEY_GID},
        {"gids/", FEDJIT_KEY_GIDS},       {"link/", FEDJIT_KEY_LINK},
        {"pwhash/", FEDJIT_KEY_PWHASH},   {"consent/", FEDJIT_KEY_CONSENT},
        {"state/", FEDJIT_KEY_STATE},     {"refresh/", FEDJIT_KEY_REFRESH},
        {"account/", FEDJIT_KEY_ACCOUNT},
};

enum fedjit_key_kind fedjit_key_classify(TDB_DATA key, const char **ret_rest, size_t *ret_rest_len)
{
	if (key.dsize == 7 && memcmp(key.dptr, "version", 7) == 0) {
		*ret_rest = (const char *)key.dptr + 7;
		*ret_rest_len = 0;
		return FEDJIT_KEY_VERSION;
	}
	if (key.dsize == 11 && memcmp(key.dptr, "state-moved", 11) == 0) {
		*ret_rest = (const char *)key.dptr + 11;
		*ret_rest_len = 0;
		return FEDJIT_KEY_STATE_MOVED;
	}
	if (key.dsize == 9 && memcmp(key.dptr, "upgrading", 9) == 0) {
		*ret_rest = (const char *)key.dptr + 9;
		*ret_rest_len = 0;
		return FEDJIT_KEY_UPGRADING;
	}
	for (size_t i = 0; i < sizeof(key_kinds) / sizeof(key_kinds[0]); i++) {
		size_t pl = strlen(key_kinds[i].prefix);

		if (key.dsize > pl && memcmp(key.dptr, key_kinds[i].prefix, pl) == 0) {
			*ret_rest = (const char *)key.dptr + pl;
			*ret_rest_len = key.dsize - pl;
			return key_kinds[i].kind;
		}
	}
	return FEDJIT_KEY_UNKNOWN;
}

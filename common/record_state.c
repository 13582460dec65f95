/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Record codec of the private store's account state and refresh token records
 * (common/account_state.h says what they mean). Same rules as record.c:
 * little endian, decoders accept exactly what the encoders write.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/account_state.h"
#include "common/record_codec.h"

#define STATE_FORMAT_V1   1
#define REFRESH_FORMAT_V1 1
#define STATE_FLAG_GROUPS 0x01u /* the groups claim was present */
#define STATE_HEADER      32
#define REFRESH_HEADER    24

/* An IdP group name: 1..FEDJIT_STATE_GROUP_MAX bytes, no NUL (any other byte:
 * it is escaped wherever it is shown). */
static bool group_ok(const char *s, size_t len)
{
	return len > 0 && len <= FEDJIT_STATE_GROUP_MAX && !memchr(s, '\0', len);
}

/* A refresh token (RFC 6749 appendix A.17, VSCHAR) or a client_id (A.1:
 * VSCHAR too): printable ASCII, 1..max bytes. */
static bool vschar_ok(const char *s, size_t max)
{
	size_t n = 0;

	if (!s)
		return false;
	for (; s[n]; n++)
		if ((unsigned char)s[n] < 0x20 || (unsigned char)s[n] > 0x7e || n >= max)
			return false;
	return n > 0;
}

/*
 * Account state record (private store), key "state/NAME", format 1:
 *   off size
 *    0   1   format = 1
 *    1   1   flags: bit 0 = the last verified token had the groups claim; the
 *            other bits are zero
 *    2   1   lock reason: 0 none, 1 administrator, 2 disabled at the IdP
 *    3   1   verified by: 0 never, 1 device-flow login, 2 refresh grant
 *    4   1   last check result: 0 none, 1 ok, 2 unreachable, 3 disabled,
 *            4 no token, 5 error
 *    5   3   reserved, zero
 *    8   8   last_verified, signed unix seconds (0: never)
 *   16   8   last_check, signed unix seconds (0: never)
 *   24   4   N, the number of IdP groups (at most FEDJIT_STATE_GROUPS_MAX;
 *            0 when bit 0 of flags is clear)
 *   28   4   reserved, zero
 *   32   ..  N group names, each group\0 (1..FEDJIT_STATE_GROUP_MAX bytes, no
 *            NUL; any other byte), ending exactly at the end of the record.
 * The groups keep the order the IdP sent them in; duplicates are kept too
 * (the record says what the IdP said).
 */
int fedjit_record_encode_state(const struct fedjit_account_state *st, TDB_DATA *ret)
{
	size_t size = STATE_HEADER;
	unsigned char *buf, *p;

	if (!st || st->lock_reason > FEDJIT_LOCK_IDP || st->verified_by > FEDJIT_VERIFIED_REFRESH ||
	    st->check_result > FEDJIT_CHECK_RESULT_MAX || st->n_groups > FEDJIT_STATE_GROUPS_MAX ||
	    (!st->groups_claim && st->n_groups) || (st->n_groups && !st->groups))
		return -EINVAL;
	for (size_t i = 0; i < st->n_groups; i++) {
		if (!st->groups[i] || !group_ok(st->groups[i], strlen(st->groups[i])))
			return -EINVAL;
		size += strlen(st->groups[i]) + 1;
	}
	buf = calloc(1, size);
	if (!buf)
		return -ENOMEM;
	buf[0] = STATE_FORMAT_V1;
	buf[1] = st->groups_claim ? STATE_FLAG_GROUPS : 0;
	buf[2] = st->lock_reason;
	buf[3] = st->verified_by;
	buf[4] = st->check_result;
	put_i64(buf + 8, st->last_verified);
	put_i64(buf + 16, st->last_check);
	put_u32(buf + 24, (uint32_t)st->n_groups);
	p = buf + STATE_HEADER;
	for (size_t i = 0; i < st->n_groups; i++)
		p = put_str(p, st->groups[i]);
	return finish(ret, buf, p, size);
}

int fedjit_record_decode_state(TDB_DATA d, struct fedjit_account_state **ret)
{
	const unsigned char *p = d.dptr, *end, *at;
	struct fedjit_account_state *st;
	uint32_t n;
	char *pos;

	if (!p || d.dsize < STATE_HEADER || p[0] != STATE_FORMAT_V1 ||
	    (p[1] & ~STATE_FLAG_GROUPS) || p[2] > FEDJIT_LOCK_IDP ||
	    p[3] > FEDJIT_VERIFIED_REFRESH || p[4] > FEDJIT_CHECK_RESULT_MAX || p[5] || p[6] ||
	    p[7] || get_u32(p + 28))
		return -EBADMSG;
	n = get_u32(p + 24);
	if (n > FEDJIT_STATE_GROUPS_MAX || (!(p[1] & STATE_FLAG_GROUPS) && n))
		return -EBADMSG;
	end = p + d.dsize;
	at = p + STATE_HEADER;
	for (uint32_t i = 0; i < n; i++) {
		const unsigned char *nul = at < end ? memchr(at, '\0', (size_t)(end - at)) : NULL;

		if (!nul || !group_ok((const char *)at, (size_t)(nul - at)))
			return -EBADMSG;
		at = nul + 1;
	}
	if (at != end)
		return -EBADMSG;
	/* struct, then n + 1 pointers, then the strings */
	st = malloc(sizeof(*st) + (n + 1) * sizeof(char *) + (d.dsize - STATE_HEADER));
	if (!st)
		return -ENOMEM;
	*st = (struct fedjit_account_state){
	        .last_verified = get_i64(p + 8),
	        .last_check = get_i64(p + 16),
	        .verified_by = p[3],
	        .check_result = p[4],
	        .lock_reason = p[2],
	        .groups_claim = p[1] & STATE_FLAG_GROUPS,
	        .groups = (char **)(st + 1),
	        .n_groups = n,
	};
	pos = (char *)(st->groups + n + 1);
	at = p + STATE_HEADER;
	for (uint32_t i = 0; i < n; i++) {
		st->groups[i] = copy_str(&pos, (const char *)at);
		at += strlen((const char *)at) + 1;
	}
	st->groups[n] = NULL;
	*ret = st;
	return 0;
}

void fedjit_account_state_free(struct fedjit_account_state *st)
{
	free(st);
}

/*
 * Refresh token record (private store), key "refresh/NAME", format 1:
 *   off size
 *    0   1   format = 1
 *    1   7   reserved, zero
 *    8   8   obtained, signed unix seconds
 *   16   8   expires, signed unix seconds (0: the IdP did not say)
 *   24   ..  issuer\0 (non-empty, no NUL, at most FEDJIT_RECORD_STRING_MAX
 *            bytes) client_id\0 (1..FEDJIT_REFRESH_CLIENT_MAX bytes of
 *            printable ASCII) token\0 (1..FEDJIT_REFRESH_TOKEN_MAX bytes of
 *            printable ASCII), ending exactly at the end of the record.
 * The whole record is secret: the encoder's buffer and every decoded copy are
 * scrubbed before they are freed.
 */
int fedjit_record_encode_refresh(const struct fedjit_refresh_token *t, TDB_DATA *ret)
{
	size_t size;
	unsigned char *buf, *p;

	if (!t || !enc_ok(t->issuer, STR_OPAQUE) ||
	    !vschar_ok(t->client_id, FEDJIT_REFRESH_CLIENT_MAX) ||
	    !vschar_ok(t->token, FEDJIT_REFRESH_TOKEN_MAX))
		return -EINVAL;
	size = REFRESH_HEADER + strlen(t->issuer) + 1 + strlen(t->client_id) + 1 +
	       strlen(t->token) + 1;
	buf = calloc(1, size);
	if (!buf)
		return -ENOMEM;
	buf[0] = REFRESH_FORMAT_V1;
	put_i64(buf + 8, t->obtained);
	put_i64(buf + 16, t->expires);
	p = put_str(buf + REFRESH_HEADER, t->issuer);
	p = put_str(p, t->client_id);
	p = put_str(p, t->token);
	return finish(ret, buf, p, size);
}

int fedjit_record_decode_refresh(TDB_DATA d, struct fedjit_refresh_token **ret)
{
	const unsigned char *p = d.dptr, *end;
	const char *issuer, *client, *token;
	struct fedjit_refresh_token *t;
	char *pos;

	if (!p || d.dsize < REFRESH_HEADER || p[0] != REFRESH_FORMAT_V1)
		return -EBADMSG;
	for (size_t i = 1; i < 8; i++)
		if (p[i])
			return -EBADMSG;
	end = p + d.dsize;
	p += REFRESH_HEADER;
	if (take_str(&p, end, STR_OPAQUE, &issuer) < 0 ||
	    take_str(&p, end, STR_OPAQUE, &client) < 0 ||
	    !vschar_ok(client, FEDJIT_REFRESH_CLIENT_MAX) || p >= end ||
	    !memchr(p, '\0', (size_t)(end - p)))
		return -EBADMSG;
	token = (const char *)p;
	p += strlen(token) + 1;
	if (p != end || !vschar_ok(token, FEDJIT_REFRESH_TOKEN_MAX))
		return -EBADMSG;
	t = malloc(sizeof(*t) + d.dsize - REFRESH_HEADER);
	if (!t)
		return -ENOMEM;
	t->obtained = get_i64(d.dptr + 8);
	t->expires = get_i64(d.dptr + 16);
	pos = (char *)(t + 1);
	t->issuer = copy_str(&pos, issuer);
	t->client_id = copy_str(&pos, client);
	t->token = copy_str(&pos, token);
	*ret = t;
	return 0;
}

void fedjit_refresh_token_free(struct fedjit_refresh_token *t)
{
	if (!t)
		return;
	/* the strings follow the struct in one block, the token last */
	explicit_bzero(t->token, strlen(t->token));
	explicit_bzero(t->issuer, (size_t)(t->token - t->issuer));
	explicit_bzero(t, sizeof(*t));
	free(t);
}

static const char *const lock_reasons[] = {
        [FEDJIT_LOCK_NONE] = "none",
        [FEDJIT_LOCK_ADMIN] = "administrator",
        [FEDJIT_LOCK_IDP] = "disabled at the IdP",
};

static const char *const check_results[] = {
        [FEDJIT_CHECK_NONE] = "never",
        [FEDJIT_CHECK_OK] = "ok",
        [FEDJIT_CHECK_UNREACHABLE] = "unreachable",
        [FEDJIT_CHECK_DISABLED] = "disabled",
        [FEDJIT_CHECK_NO_TOKEN] = "no refresh token",
        [FEDJIT_CHECK_ERROR] = "error",
};

const char *fedjit_lock_reason_string(unsigned reason)
{
	return reason < sizeof(lock_reasons) / sizeof(lock_reasons[0]) ? lock_reasons[reason]
	                                                               : "unknown";
}

const char *fedjit_check_result_string(unsigned result)
{
	return result < sizeof(check_results) / sizeof(check_results[0]) ? check_results[result]
	                                                                 : "unknown";
}

bool fedjit_account_state_in_groups(const struct fedjit_account_state *st, char *const *allowed)
{
	if (!allowed)
		return true;
	if (!st || !st->groups_claim)
		return false;
	for (size_t i = 0; i < st->n_groups; i++)
		for (char *const *a = allowed; *a; a++)
			if (strcmp(*a, st->groups[i]) == 0)
				return true;
	return false;
}

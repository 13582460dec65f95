/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to the record codec (record.c, record_small.c): format bytes and
 * the byte/string helpers every codec uses. Integers are little endian and
 * unaligned; strings are NUL-terminated.
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/record.h"

#define USER_FORMAT_V1    1 /* with the personal data; read during the upgrade only */
#define USER_FORMAT_V2    2
#define GROUP_FORMAT_V1   1 /* without the member offsets; read during the upgrade only */
#define GROUP_FORMAT_V2   2
#define ACCOUNT_FORMAT_V1 1
#define GIDS_FORMAT_V1    1
#define NAME_FORMAT_V1    1
#define PWHASH_FORMAT_V1  1
#define CONSENT_FORMAT_V1 1

/* ---- little-endian helpers ---- */

static inline void put_u32(unsigned char *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static inline void put_i64(unsigned char *p, int64_t v)
{
	uint64_t u = (uint64_t)v;

	put_u32(p, (uint32_t)u);
	put_u32(p + 4, (uint32_t)(u >> 32));
}

static inline void put_u16(unsigned char *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static inline uint16_t get_u16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline int64_t get_i64(const unsigned char *p)
{
	return (int64_t)((uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32);
}

/* ---- string checks shared by encoders and decoders ---- */

enum str_kind {
	STR_NAME,     /* user/group/member name: non-empty, no ':' ',' '\n' */
	STR_FIELD,    /* gecos, email: may be empty, no ':' '\n' */
	STR_PATH,     /* home, shell: non-empty, no ':' '\n' */
	STR_OPAQUE,   /* issuer, subject, domain, idp: non-empty, any bytes but NUL */
	STR_OPTIONAL, /* group domain, consent text: may be empty, any bytes but NUL */
};

static inline bool str_ok(const char *s, size_t len, enum str_kind kind)
{
	size_t max = kind == STR_NAME ? FEDJIT_RECORD_NAME_MAX : FEDJIT_RECORD_STRING_MAX;

	if (len > max)
		return false;
	if (len == 0)
		return kind == STR_FIELD || kind == STR_OPTIONAL;
	if (kind == STR_OPAQUE || kind == STR_OPTIONAL)
		return true;
	if (memchr(s, ':', len) || memchr(s, '\n', len))
		return false;
	return kind != STR_NAME || !memchr(s, ',', len);
}

/* Encoder side: NULL is "" (the caller's str_ok decides whether that is allowed). */
static inline const char *nz(const char *s)
{
	return s ? s : "";
}

static inline bool enc_ok(const char *s, enum str_kind kind)
{
	if (!s && kind != STR_FIELD && kind != STR_OPTIONAL)
		return false;
	s = nz(s);
	return str_ok(s, strlen(s), kind);
}

static inline unsigned char *put_str(unsigned char *p, const char *s)
{
	size_t n = strlen(nz(s)) + 1;

	memcpy(p, nz(s), n);
	return p + n;
}

/* Decoder side: take one NUL-terminated string from [*pos, end). The string
 * kinds with forbidden characters are checked in the same one pass that finds
 * the NUL (a memchr per forbidden character cost more than the lookup). */
static inline int take_str(const unsigned char **pos, const unsigned char *end, enum str_kind kind,
                           const char **ret)
{
	/* bit 1: not in a passwd/group field; bit 2: not in a name */
	static const unsigned char bad[256] = {[':'] = 3, ['\n'] = 3, [','] = 2};
	const unsigned char *s = *pos, *p = s, *nul;

	if (p >= end)
		return -EBADMSG;
	if (kind == STR_OPAQUE || kind == STR_OPTIONAL) {
		nul = memchr(p, '\0', (size_t)(end - p));
		if (!nul || !str_ok((const char *)s, (size_t)(nul - s), kind))
			return -EBADMSG;
	} else {
		unsigned char mask = kind == STR_NAME ? 3 : 1;
		size_t max = kind == STR_NAME ? FEDJIT_RECORD_NAME_MAX : FEDJIT_RECORD_STRING_MAX;

		while (p < end && *p && !(bad[*p] & mask))
			p++;
		if (p == end || *p || (size_t)(p - s) > max || (p == s && kind != STR_FIELD))
			return -EBADMSG;
		nul = p;
	}
	*ret = (const char *)s;
	*pos = nul + 1;
	return 0;
}

static inline int finish(TDB_DATA *ret, unsigned char *buf, unsigned char *end, size_t size)
{
	/* The size computation and the writer must agree; a mismatch is a bug. */
	if ((size_t)(end - buf) != size) {
		free(buf);
		return -EFAULT;
	}
	*ret = (TDB_DATA){.dptr = buf, .dsize = size};
	return 0;
}

static inline bool id_ok(uint32_t id)
{
	/* Never root, never the "no id" value (uid_t)-1. */
	return id != 0 && id != UINT32_MAX;
}

/* Copy s into the string area at *pos; returns the copy. */
static inline char *copy_str(char **pos, const char *s)
{
	size_t n = strlen(s) + 1;
	char *r = *pos;

	memcpy(r, s, n);
	*pos += n;
	return r;
}

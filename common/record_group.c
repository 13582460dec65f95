/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Record codec: groups (see record.c for the common rules). Decoders accept
 * exactly what the encoders write and return -EBADMSG for anything else,
 * reading nothing outside the record.
 */
#include <errno.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_AVX2_PATH 1
#endif
#include <stdlib.h>
#include <string.h>

#include "common/macro.h"
#include "common/record_codec.h"

/*
 * Group record, key "group/NAME", format 2:
 *   off size
 *    0   1   format = 2
 *    1   1   origin (enum fedjit_group_origin, 1..5)
 *    2   1   W = width of a member offset: 2 when G <= 65535, else 4
 *    3   1   reserved, zero
 *    4   4   gid (not 0, not 0xffffffff)
 *    8   4   N = number of members (at most FEDJIT_RECORD_MEMBERS_MAX)
 *   12   4   G = length of the group block
 *   16   G   group block: name\0 passwd\0 member1\0 ... memberN\0, in struct
 *            group field order; passwd is "x"; names non-empty without ':'
 *            ',' '\n'; ends with the (N+2)th NUL exactly.
 * 16+G  W*N  member offsets (W bytes each, little endian): where each member
 *            starts in the block, in member order (so the NSS module sets
 *            gr_mem from them without scanning the names; 2 bytes, so that
 *            eight are converted at a time).
 * 16+G+W*N .. domain\0 (may be empty), ending exactly at the end of the record.
 * The full decoder checks every name and that each offset is exactly where
 * its member starts; the NSS module's (view_group_block, group_member_ptrs)
 * only that every offset lies inside the block and the block ends in a NUL,
 * as for user records (record.c).
 *
 * Format 1 (stores before the upgrade; never written): the same without the
 * member offsets.
 */
#define GROUP_HDR 16

static int encode_group(const struct fedjit_group *g, bool offsets, TDB_DATA *ret)
{
	size_t gb, size;
	unsigned char *buf, *p;

	if (!enc_ok(g->name, STR_NAME) || !enc_ok(g->domain, STR_OPTIONAL) || !id_ok(g->gid) ||
	    g->origin < FEDJIT_GROUP_PRIVATE || g->origin > FEDJIT_GROUP_FOREIGN ||
	    g->n_members > FEDJIT_RECORD_MEMBERS_MAX || (g->n_members && !g->members))
		return -EINVAL;
	gb = strlen(g->name) + sizeof(FEDJIT_PASSWD_FIELD) + 1;
	for (size_t i = 0; i < g->n_members; i++) {
		if (!enc_ok(g->members[i], STR_NAME))
			return -EINVAL;
		gb += strlen(g->members[i]) + 1;
	}
	size_t w = offsets ? (gb <= UINT16_MAX ? 2 : 4) : 0;
	size = GROUP_HDR + gb + w * g->n_members + strlen(nz(g->domain)) + 1;
	buf = calloc(1, size);
	if (!buf)
		return -ENOMEM;
	buf[0] = offsets ? GROUP_FORMAT_V2 : GROUP_FORMAT_V1;
	buf[1] = g->origin;
	buf[2] = (unsigned char)w;
	put_u32(buf + 4, g->gid);
	put_u32(buf + 8, (uint32_t)g->n_members);
	put_u32(buf + 12, (uint32_t)gb);
	p = buf + GROUP_HDR;
	p = put_str(p, g->name);
	p = put_str(p, FEDJIT_PASSWD_FIELD);
	for (size_t i = 0; i < g->n_members; i++) {
		uint32_t o = (uint32_t)(p - buf - GROUP_HDR);

		if (w == 2)
			put_u16(buf + GROUP_HDR + gb + 2 * i, (uint16_t)o);
		else if (w == 4)
			put_u32(buf + GROUP_HDR + gb + 4 * i, o);
		p = put_str(p, g->members[i]);
	}
	p += w * g->n_members;
	p = put_str(p, g->domain);
	return finish(ret, buf, p, size);
}

int fedjit_record_encode_group(const struct fedjit_group *g, TDB_DATA *ret)
{
	return encode_group(g, true, ret);
}

int fedjit_record_encode_group_v1(const struct fedjit_group *g, TDB_DATA *ret)
{
	return encode_group(g, false, ret);
}

/* The width of format 2's member offsets for a block of gb bytes. */
static unsigned offset_width(uint32_t gb)
{
	return gb <= UINT16_MAX ? 2 : 4;
}

int fedjit_record_group_block(const unsigned char *rec, size_t len, size_t *ret_off,
                              size_t *ret_len, uint32_t *ret_n_members, size_t *ret_moff)
{
	uint32_t gb, n;

	if (!rec || len < GROUP_HDR || (rec[0] != GROUP_FORMAT_V1 && rec[0] != GROUP_FORMAT_V2))
		return -EBADMSG;
	gb = get_u32(rec + 12);
	n = get_u32(rec + 8);
	if (gb > len - GROUP_HDR || n > FEDJIT_RECORD_MEMBERS_MAX)
		return -EBADMSG;
	*ret_moff = 0;
	if (rec[0] == GROUP_FORMAT_V2) {
		if (rec[2] != offset_width(gb) || (size_t)rec[2] * n > len - GROUP_HDR - gb)
			return -EBADMSG;
		*ret_moff = GROUP_HDR + gb;
	}
	*ret_off = GROUP_HDR;
	*ret_len = gb;
	*ret_n_members = n;
	return 0;
}

int fedjit_record_view_group_block(const unsigned char *hdr, size_t hdr_len, TDB_DATA block,
                                   bool check_members, struct fedjit_group_view *ret)
{
	struct fedjit_group_view v = {0};
	const unsigned char *p = block.dptr, *gb_end = block.dptr + block.dsize;
	bool strict = check_members || hdr[0] == GROUP_FORMAT_V1;

	if (hdr_len != GROUP_HDR || (hdr[0] != GROUP_FORMAT_V1 && hdr[0] != GROUP_FORMAT_V2) ||
	    hdr[2] != (hdr[0] == GROUP_FORMAT_V2 ? offset_width((uint32_t)block.dsize) : 0) ||
	    hdr[3] || get_u32(hdr + 12) != block.dsize)
		return -EBADMSG;
	v.format = hdr[0];
	v.origin = hdr[1];
	v.gid = get_u32(hdr + 4);
	v.n_members = get_u32(hdr + 8);
	if (v.origin < FEDJIT_GROUP_PRIVATE || v.origin > FEDJIT_GROUP_FOREIGN || !id_ok(v.gid) ||
	    v.n_members > FEDJIT_RECORD_MEMBERS_MAX)
		return -EBADMSG;
	v.gr_block = (const char *)p;
	v.gr_block_len = block.dsize;
	/* Names and "x", back to back: the block ends in a NUL (every strlen
	 * stays inside). Where every character is checked, no name anywhere in
	 * it holds ':', ',' or '\n' (one memchr each over the whole block, not
	 * three per member). */
	if (block.dsize == 0 || gb_end[-1] != '\0')
		return -EBADMSG;
	if (strict && (memchr(p, ':', block.dsize) || memchr(p, ',', block.dsize) ||
	               memchr(p, '\n', block.dsize)))
		return -EBADMSG;
	v.name = (const char *)p;
	size_t n = strlen(v.name);
	if (n == 0 || n > FEDJIT_RECORD_NAME_MAX)
		return -EBADMSG;
	p += n + 1;
	if (p >= gb_end || strcmp((const char *)p, FEDJIT_PASSWD_FIELD) != 0)
		return -EBADMSG;
	v.passwd = (const char *)p;
	p += sizeof(FEDJIT_PASSWD_FIELD);
	v.members = (const char *)p;
	v.members_len = (size_t)(gb_end - p);
	if (check_members && fedjit_record_group_members(&v, NULL) < 0)
		return -EBADMSG;
	*ret = v;
	return 0;
}

/*
 * The names of a members area, found by its NULs, 16 bytes at a time where
 * SSE2 is there (x86-64 always): a strlen() per member cost more than the
 * rest of a getgrnam of a 200-member group. Each NUL ends the name that
 * began after the previous one; it must be 1 to FEDJIT_RECORD_NAME_MAX
 * bytes long.
 */
int fedjit_record_group_members(const struct fedjit_group_view *v, char **mem)
{
	const char *p = v->members, *end = v->members + v->members_len, *start = p;
	char *dummy[1];
	char **out = mem ? mem : dummy;
	uintptr_t step = mem ? 1 : 0;
	uint32_t i = 0, n = v->n_members;

#define MEMBER_END(q)                                                            \
	do {                                                                     \
		if ((size_t)((q)-start) - 1 >= FEDJIT_RECORD_NAME_MAX || i == n) \
			return -EBADMSG;                                         \
		*out = (char *)start;                                            \
		out += step;                                                     \
		i++;                                                             \
		start = (q) + 1;                                                 \
	} while (0)
#ifdef __SSE2__
	const __m128i zero = _mm_setzero_si128();

	for (; end - p >= 16; p += 16) {
		unsigned m = (unsigned)_mm_movemask_epi8(
		        _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)p), zero));

		for (; m; m &= m - 1)
			MEMBER_END(p + __builtin_ctz(m));
	}
#endif
	for (; p < end; p++)
		if (*p == '\0')
			MEMBER_END(p);
#undef MEMBER_END
	return i == n && start == end ? 0 : -EBADMSG;
}

/*
 * gr_mem from a format 2 record's member offsets: mem[i] = block + offset i.
 * offs may point into bytes that change under the caller (each offset is
 * loaded once, then checked and used); block is the caller's copy, which must
 * end in a NUL (view_group_block checked it), so every pointer is a string
 * inside it. Offsets of 2 bytes (blocks up to 64 KiB) eight at a time with
 * SSE2. 0, or -EBADMSG when an offset lies outside the block.
 */
#ifdef HAVE_AVX2_PATH
/* Eight 2-byte offsets at a time, each widened to a pointer by one
 * instruction (vpmovzxwq): a third of the SSE2 path's instructions, where the
 * processor has AVX2 (checked at run time). Returns how many it did. */
__attribute__((target("avx2"))) static uint32_t ptrs_avx2(const unsigned char *offs, uint32_t n,
                                                          char *block, size_t block_len, char **mem,
                                                          uint32_t *bad)
{
	const __m128i zero = _mm_setzero_si128();
	const __m128i last = _mm_set1_epi16((short)(block_len - 1));
	const __m256i base = _mm256_set1_epi64x((long long)(uintptr_t)block);
	__m128i over = zero;
	uint32_t i = 0;

	for (; n - i >= 8; i += 8) {
		__m128i o = _mm_loadu_si128((const __m128i *)(const void *)(offs + 2 * i));

		over = _mm_or_si128(over, _mm_subs_epu16(o, last));
		_mm256_storeu_si256((__m256i *)(void *)(mem + i),
		                    _mm256_add_epi64(base, _mm256_cvtepu16_epi64(o)));
		_mm256_storeu_si256(
		        (__m256i *)(void *)(mem + i + 4),
		        _mm256_add_epi64(base, _mm256_cvtepu16_epi64(_mm_srli_si128(o, 8))));
	}
	*bad = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(over, zero)) != 0xffff;
	return i;
}
#endif

int fedjit_record_group_member_ptrs(const unsigned char *offs, unsigned width, uint32_t n,
                                    char *block, size_t block_len, char **mem)
{
	uint32_t i = 0, bad = 0;

	if (block_len == 0 || (width != 2 && width != 4) || (width == 2 && block_len > 65536))
		return -EBADMSG;
#ifdef HAVE_AVX2_PATH
	if (width == 2 && n >= 8 && __builtin_cpu_supports("avx2"))
		i = ptrs_avx2(offs, n, block, block_len, mem, &bad);
	else
#endif
#if defined(__SSE2__) && UINTPTR_MAX == UINT64_MAX
	        if (width == 2) {
		const __m128i zero = _mm_setzero_si128();
		/* o > len - 1 leaves o - (len - 1) > 0 in unsigned saturating arithmetic */
		const __m128i last = _mm_set1_epi16((short)(block_len - 1));
		const __m128i base = _mm_set1_epi64x((long long)(uintptr_t)block);
		__m128i over = zero;

		for (; n - i >= 8; i += 8) {
			__m128i o = _mm_loadu_si128((const __m128i *)(const void *)(offs + 2 * i));
			__m128i lo = _mm_unpacklo_epi16(o, zero), hi = _mm_unpackhi_epi16(o, zero);

			over = _mm_or_si128(over, _mm_subs_epu16(o, last));
			_mm_storeu_si128((__m128i *)(void *)(mem + i),
			                 _mm_add_epi64(base, _mm_unpacklo_epi32(lo, zero)));
			_mm_storeu_si128((__m128i *)(void *)(mem + i + 2),
			                 _mm_add_epi64(base, _mm_unpackhi_epi32(lo, zero)));
			_mm_storeu_si128((__m128i *)(void *)(mem + i + 4),
			                 _mm_add_epi64(base, _mm_unpacklo_epi32(hi, zero)));
			_mm_storeu_si128((__m128i *)(void *)(mem + i + 6),
			                 _mm_add_epi64(base, _mm_unpackhi_epi32(hi, zero)));
		}
		bad = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(over, zero)) != 0xffff;
	}
#endif
	for (; i < n; i++) {
		uint32_t o = width == 2 ? get_u16(offs + 2 * i) : get_u32(offs + 4 * i);

		bad |= o >= block_len;
		mem[i] = block + o;
	}
	return bad ? -EBADMSG : 0;
}

int fedjit_record_view_group(TDB_DATA d, struct fedjit_group_view *ret)
{
	struct fedjit_group_view v;
	const unsigned char *p;
	size_t off, len, moff;
	uint32_t n;

	if (fedjit_record_group_block(d.dptr, d.dsize, &off, &len, &n, &moff) < 0 ||
	    fedjit_record_view_group_block(d.dptr, off, (TDB_DATA){d.dptr + off, len}, true, &v) <
	            0)
		return -EBADMSG;
	p = d.dptr + off + len;
	if (moff) {
		/* each offset exactly where its member starts */
		const char *m = v.members;
		unsigned w = d.dptr[2];

		for (uint32_t i = 0; i < n; i++) {
			uint32_t o = w == 2 ? get_u16(p + 2 * i) : get_u32(p + 4 * i);

			if (o != (uint32_t)(m - v.gr_block))
				return -EBADMSG;
			m += strlen(m) + 1;
		}
		v.moffs = p;
		p += (size_t)w * n;
	}
	if (take_str(&p, d.dptr + d.dsize, STR_OPTIONAL, &v.domain) < 0 || p != d.dptr + d.dsize)
		return -EBADMSG;
	*ret = v;
	return 0;
}

int fedjit_group_from_view(const struct fedjit_group_view *v, struct fedjit_group **ret)
{
	size_t size = sizeof(struct fedjit_group) + (v->n_members + 1) * sizeof(char *) +
	              strlen(v->name) + 1 + v->members_len + strlen(v->domain) + 1;
	struct fedjit_group *g = malloc(size);
	const char *m = v->members;
	char *pos;

	if (!g)
		return -ENOMEM;
	*g = (struct fedjit_group){.gid = v->gid, .origin = v->origin, .n_members = v->n_members};
	g->members = (char **)(g + 1);
	pos = (char *)(g->members + v->n_members + 1);
	g->name = copy_str(&pos, v->name);
	g->domain = copy_str(&pos, v->domain);
	for (uint32_t i = 0; i < v->n_members; i++) {
		g->members[i] = copy_str(&pos, m);
		m += strlen(m) + 1;
	}
	g->members[v->n_members] = NULL;
	*ret = g;
	return 0;
}

int fedjit_record_decode_group(TDB_DATA d, struct fedjit_group **ret)
{
	struct fedjit_group_view v;
	int r = fedjit_record_view_group(d, &v);

	return r < 0 ? r : fedjit_group_from_view(&v, ret);
}

void fedjit_group_free(struct fedjit_group *g)
{
	free(g);
}

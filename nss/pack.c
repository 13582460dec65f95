/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Packers: a private copy of a record into the caller's struct and buffer.
 *
 * Each one adds up the bytes it needs first and returns -ERANGE before it
 * writes anything, so a caller whose buffer is too small finds it untouched
 * and retries with a bigger one (glibc doubles it). The records already hold
 * their strings back to back in passwd / group field order (record.h), so a
 * pack is one memcpy plus pointer fix-ups. gr_mem's pointer array goes first,
 * aligned for char *, the strings after it.
 */
#include <errno.h>
#include <stdalign.h>
#include <string.h>

#include "nss/nss_fedjit.h"

int fedjit_nss_pack_passwd(const struct fedjit_nss_pw *src, struct passwd *pw, char *buf,
                           size_t buflen)
{
	if (src->block_len > buflen)
		return -ERANGE;

	memcpy(buf, src->block, src->block_len);
	*pw = (struct passwd){
	        .pw_name = buf + src->name,
	        .pw_passwd = buf + src->passwd,
	        .pw_uid = src->uid,
	        .pw_gid = src->gid,
	        .pw_gecos = buf + src->gecos,
	        .pw_dir = buf + src->home,
	        .pw_shell = buf + src->shell,
	};
	return 0;
}

int fedjit_nss_pack_group(const struct fedjit_nss_gr *src, struct group *gr, char *buf,
                          size_t buflen)
{
	size_t pad = (alignof(char *) - ((uintptr_t)buf % alignof(char *))) % alignof(char *);
	size_t ptrs = ((size_t)src->n_members + 1) * sizeof(char *);

	if (pad > buflen || ptrs > buflen - pad || src->block_len > buflen - pad - ptrs)
		return -ERANGE;

	char **mem = (char **)(void *)(buf + pad);
	char *strings = buf + pad + ptrs;
	memcpy(strings, src->block, src->block_len);

	/* The decoder checked that the members area holds exactly n_members
	 * NUL-terminated names; walk the copy, not the database. */
	char *p = strings + src->members;
	for (uint32_t i = 0; i < src->n_members; i++) {
		mem[i] = p;
		p += strlen(p) + 1;
	}
	mem[src->n_members] = NULL;

	*gr = (struct group){
	        .gr_name = strings + src->name,
	        .gr_passwd = strings + src->passwd,
	        .gr_gid = src->gid,
	        .gr_mem = mem,
	};
	return 0;
}

/*
 * The shadow password field:
 *   local password hash          -> the hash (pam_unix auth can verify it)
 *   no local password            -> "*" (matches no password; not "!", so
 *                                   tools that read "!" as "locked by the
 *                                   administrator" do not report it so)
 *   locked account               -> "!" + the hash, or "!*" (what usermod -L
 *                                   writes), and sp_expire = 1 (1970-01-02),
 *                                   so that pam_unix's account step refuses
 *                                   the account too, whatever the login
 *                                   method (ssh keys included)
 * Aging is off (sp_lstchg = -1, not 0: 0 would make pam_unix demand a
 * password change).
 */
int fedjit_nss_pack_shadow(const struct fedjit_nss_sp *src, struct spwd *sp, char *buf,
                           size_t buflen)
{
	const char *hash = src->hash && src->hash[0] ? src->hash : "*";
	const char *prefix = src->locked && hash[0] != '!' ? "!" : "";
	size_t name_len = strlen(src->name) + 1;
	size_t pwd_len = strlen(prefix) + strlen(hash) + 1;

	if (name_len > buflen || pwd_len > buflen - name_len)
		return -ERANGE;

	char *name = buf, *pwd = buf + name_len;
	memcpy(name, src->name, name_len);
	stpcpy(stpcpy(pwd, prefix), hash);

	*sp = (struct spwd){
	        .sp_namp = name,
	        .sp_pwdp = pwd,
	        .sp_lstchg = -1,
	        .sp_min = -1,
	        .sp_max = -1,
	        .sp_warn = -1,
	        .sp_inact = -1,
	        .sp_expire = src->locked ? 1 : -1,
	        .sp_flag = ~0ul,
	};
	return 0;
}

void fedjit_nss_pw_from_view(const struct fedjit_user_view *v, struct fedjit_nss_pw *ret)
{
	*ret = (struct fedjit_nss_pw){
	        .uid = v->uid,
	        .gid = v->gid,
	        .flags = v->flags,
	        .block = v->pw_block,
	        .block_len = v->pw_block_len,
	        .name = (size_t)(v->name - v->pw_block),
	        .passwd = (size_t)(v->passwd - v->pw_block),
	        .gecos = (size_t)(v->gecos - v->pw_block),
	        .home = (size_t)(v->home - v->pw_block),
	        .shell = (size_t)(v->shell - v->pw_block),
	};
}

void fedjit_nss_gr_from_view(const struct fedjit_group_view *v, struct fedjit_nss_gr *ret)
{
	*ret = (struct fedjit_nss_gr){
	        .gid = v->gid,
	        .n_members = v->n_members,
	        .block = v->gr_block,
	        .block_len = v->gr_block_len,
	        .name = (size_t)(v->name - v->gr_block),
	        .passwd = (size_t)(v->passwd - v->gr_block),
	        /* with no members, members may point anywhere: use the end */
	        .members = v->n_members ? (size_t)(v->members - v->gr_block) : v->gr_block_len,
	};
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The account plan (account_plan.h): one computation of a new account's entry. */
#include "common/account_plan.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/macro.h"

/* Append n bytes to buf at *pos, keeping room for the NUL. */
static int put(char *buf, size_t size, size_t *pos, const char *s, size_t n)
{
	if (n >= size - *pos)
		return -ENAMETOOLONG;
	memcpy(buf + *pos, s, n);
	*pos += n;
	return 0;
}

int fedjit_home_expand(const struct fedjit_domain *d, const char *name, uint32_t uid, char *buf,
                       size_t size)
{
	const char *t = d->home ? d->home : FEDJIT_PLAN_HOME;
	char num[16];
	size_t pos = 0;
	int r = 0;

	if (size == 0)
		return -ENAMETOOLONG;
	for (const char *p = t; *p && r >= 0; p++) {
		if (*p != '%' || !p[1]) {
			r = put(buf, size, &pos, p, 1);
			continue;
		}
		switch (*++p) {
		case 'u':
			r = put(buf, size, &pos, name, strlen(name));
			break;
		case 'U':
			snprintf(num, sizeof(num), "%" PRIu32, uid);
			r = put(buf, size, &pos, num, strlen(num));
			break;
		case 'd':
			for (const char *q = d->name; *q && r >= 0; q++) {
				char c = (*q >= 'A' && *q <= 'Z') ? (char)(*q - 'A' + 'a') : *q;
				r = put(buf, size, &pos, &c, 1);
			}
			break;
		default: /* %% and anything the config checker let through */
			r = put(buf, size, &pos, p, 1);
			break;
		}
	}
	if (r < 0)
		return r;
	buf[pos] = '\0';
	return 0;
}

static int primary_gid(const struct fedjit_domain *d, const struct fedjit_plan_lookups *l,
                       const struct fedjit_id_checks *checks, uint32_t *ret_gid, bool *ret_exists)
{
	uint32_t gid;
	int r;

	if (!d->primary_group) {
		*ret_gid = FEDJIT_ID_INVALID;
		*ret_exists = false;
		return 0;
	}
	r = l && l->group_gid ? l->group_gid(d->primary_group, &gid, l->userdata) : 0;
	if (r < 0)
		return r;
	if (r > 0) {
		*ret_gid = gid;
		*ret_exists = true;
		return 0;
	}
	r = fedjit_id_alloc_group(d, d->primary_group, checks, &gid);
	if (r < 0)
		return r;
	*ret_gid = gid;
	*ret_exists = false;
	return 0;
}

int fedjit_account_plan(const struct fedjit_domain *d, const char *canonical,
                        const struct fedjit_plan_lookups *l, struct fedjit_account_plan *ret)
{
	struct fedjit_id_checks checks = {0};
	uint32_t pgid, uid, gid;
	bool exists;
	const char *shell = d->shell ? d->shell : FEDJIT_PLAN_SHELL;
	char home[FEDJIT_PLAN_PATH_MAX];
	int r;

	if (strlen(canonical) > FEDJIT_CANONICAL_MAX)
		return -EINVAL;
	if (strlen(shell) >= FEDJIT_PLAN_PATH_MAX)
		return -ENAMETOOLONG;
	if (l)
		checks = (struct fedjit_id_checks){
		        .uid_taken = l->uid_taken,
		        .gid_taken = l->gid_taken,
		        .userdata = l->userdata,
		};
	r = primary_gid(d, l, &checks, &pgid, &exists);
	if (r < 0)
		return r;
	r = fedjit_id_alloc_user(d, canonical, pgid, &checks, &uid, &gid);
	if (r < 0)
		return r;
	r = fedjit_home_expand(d, canonical, uid, home, sizeof(home));
	if (r < 0)
		return r;

	snprintf(ret->name, sizeof(ret->name), "%s", canonical);
	ret->uid = uid;
	ret->gid = gid;
	memcpy(ret->home, home, strlen(home) + 1);
	memcpy(ret->shell, shell, strlen(shell) + 1);
	ret->primary_group = d->primary_group;
	ret->primary_group_exists = exists;
	return 0;
}

static void __attribute__((format(printf, 3, 4)))
say(char *reason, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (!reason || !size)
		return;
	va_start(ap, fmt);
	vsnprintf(reason, size, fmt, ap);
	va_end(ap);
}

int fedjit_idp_login_from(const struct fedjit_config *config, const struct fedjit_idp *idp,
                          const struct fedjit_login *parsed, struct fedjit_login *ret, char *reason,
                          size_t reason_size)
{
	const char *dflt = idp->provisioning == FEDJIT_PROVISIONING_ALWAYS ? idp->domain : NULL;
	struct fedjit_login l;
	int r;

	r = fedjit_login_rebase(config, parsed, dflt, &l, reason, reason_size);
	if (r < 0)
		return r;
	if (idp->provisioning == FEDJIT_PROVISIONING_ALWAYS) {
		if (!idp->domain || strcasecmp(l.domain->name, idp->domain) != 0) {
			say(reason, reason_size, "IdP %s provisions only into domain %s", idp->name,
			    idp->domain ? idp->domain : "(none)");
			return -EPERM;
		}
	} else if (idp->provisioning == FEDJIT_PROVISIONING_AS_IN_USERNAME &&
	           !fedjit_idp_serves_domain(idp, l.domain->name)) {
		say(reason, reason_size, "IdP %s does not serve domain %s", idp->name,
		    l.domain->name);
		return -EPERM;
	}
	*ret = l;
	return 0;
}

int fedjit_idp_login(const struct fedjit_config *config, const struct fedjit_idp *idp,
                     const char *login, size_t len, struct fedjit_login *ret, char *reason,
                     size_t reason_size)
{
	const char *dflt = idp->provisioning == FEDJIT_PROVISIONING_ALWAYS ? idp->domain : NULL;
	struct fedjit_login l;
	int r;

	/* parsed in the IdP's default domain at once: that domain may be the only
	 * one a bare name can be parsed in (no PRIMARY domain configured) */
	r = fedjit_login_parse(config, dflt, login, len, &l, reason, reason_size);
	return r < 0 ? r : fedjit_idp_login_from(config, idp, &l, ret, reason, reason_size);
}

const struct fedjit_idp *fedjit_config_idp_for_login(const struct fedjit_config *config,
                                                     const struct fedjit_login *l)
{
	const struct fedjit_idp *idp = fedjit_config_idp_for_domain(config, l->domain->name);

	if (!idp && config->n_idps == 1)
		idp = &config->idps[0];
	return idp;
}

const struct fedjit_idp *fedjit_config_idp_for_new_login(const struct fedjit_config *config,
                                                         const char *login, size_t len)
{
	struct fedjit_login l;

	if (fedjit_login_parse(config, NULL, login, len, &l, NULL, 0) < 0)
		return NULL;
	return fedjit_config_idp_for_login(config, &l);
}

bool fedjit_idp_preauth_enabled(const struct fedjit_idp *idp)
{
	bool on = idp->sshd_preauth_set ? idp->sshd_preauth
	                                : idp->provisioning != FEDJIT_PROVISIONING_NONE;

	return on && idp->provisioning != FEDJIT_PROVISIONING_NONE &&
	       idp->username_from != FEDJIT_USERNAME_FROM_SUBJECT &&
	       idp->prompt != FEDJIT_PROMPT_USERNAME_PASSWORD_CONSENT;
}

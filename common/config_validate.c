/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Checks of the configuration as a whole, after every file is read: what one
 * value cannot tell alone. Each problem is reported at the line of the value
 * that causes it (or of its section header when the value is missing), and
 * every problem is reported, not just the first. Defaults that depend on other
 * keys (gid range, client_auth, sshd_preauth) are settled here too.
 */
/* "config.h" here is common/config.h (same directory), not autoconf's: ask for GNU here. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/config.h"
#include "common/config_internal.h"
#include "common/names.h"

#define ORIGIN(origins, k) (&(origins)->key[FEDJIT_KEY_##k])
#define SET(origins, k)    ((origins)->key[FEDJIT_KEY_##k].file != NULL)
#define BAD(origins, k)    ((origins)->rejected[FEDJIT_KEY_##k])

/* Where a domain's key was set, else its section header, else nowhere (built in). */
static const struct fedjit_origin *at(const struct fedjit_origin *key,
                                      const struct fedjit_origin *section)
{
	return fedjit_config_origin_or(key, section);
}

/*
 * One id range of a domain (uid or gid): min <= max, at least 1000, at most
 * 2^31-1, clear of the reserved block 61184-65535 (systemd's dynamic users,
 * nobody 65534, the 16-bit (uid_t)-1 65535).
 */
static void check_range(struct fedjit_config_ctx *ctx, const struct fedjit_domain *d,
                        const char *what, uint32_t min, uint32_t max,
                        const struct fedjit_origin *o_min, const struct fedjit_origin *o_max)
{
	const struct fedjit_origin *o_sec = &d->origin;

	if (min > max) {
		fedjit_config_error(ctx, at(o_max, at(o_min, o_sec)),
		                    "%s range of domain %s is empty (%s_min %" PRIu32
		                    " > %s_max %" PRIu32 ")",
		                    what, d->name, what, min, what, max);
		return;
	}
	if (min < FEDJIT_ID_RANGE_FLOOR)
		fedjit_config_error(ctx, at(o_min, o_sec),
		                    "%s_min %" PRIu32 " of domain %s is below %d (system ids)",
		                    what, min, d->name, FEDJIT_ID_RANGE_FLOOR);
	if (max > FEDJIT_ID_RANGE_CEILING)
		fedjit_config_error(ctx, at(o_max, o_sec),
		                    "%s_max %" PRIu32 " of domain %s is above %d", what, max,
		                    d->name, FEDJIT_ID_RANGE_CEILING);
	if (min <= FEDJIT_RESERVED_ID_MAX && max >= FEDJIT_RESERVED_ID_MIN)
		fedjit_config_error(ctx, at(o_min, o_sec),
		                    "%s range %" PRIu32 "-%" PRIu32 " of domain %s overlaps the "
		                    "reserved ids %d-%d (systemd dynamic users, nobody)",
		                    what, min, max, d->name, FEDJIT_RESERVED_ID_MIN,
		                    FEDJIT_RESERVED_ID_MAX);
}

static void check_domain(struct fedjit_config_ctx *ctx, size_t i)
{
	struct fedjit_domain *d = &ctx->config->domains[i];
	struct fedjit_key_origins *o = &ctx->domain_origins[i];
	bool primary = strcasecmp(d->name, FEDJIT_DEFAULT_DOMAIN) == 0;

	/* A range with a rejected value was reported; its default would mislead. */
	if (BAD(o, UID_MIN) || BAD(o, UID_MAX) || BAD(o, GID_MIN) || BAD(o, GID_MAX)) {
		d->uid_min = d->uid_max = d->gid_min = d->gid_max = 0;
		return;
	}
	/* Ranges of other domains have no default: they must not overlap PRIMARY's. */
	if (!primary && (!SET(o, UID_MIN) || !SET(o, UID_MAX))) {
		fedjit_config_error(ctx, &d->origin, "[domain %s] needs uid_min and uid_max",
		                    d->name);
		/* Keep later checks quiet about a range nobody wrote. */
		d->uid_min = d->uid_max = d->gid_min = d->gid_max = 0;
		return;
	}
	if (!SET(o, GID_MIN))
		d->gid_min = d->uid_min;
	if (!SET(o, GID_MAX))
		d->gid_max = d->uid_max;
	check_range(ctx, d, "uid", d->uid_min, d->uid_max, ORIGIN(o, UID_MIN), ORIGIN(o, UID_MAX));
	if (SET(o, GID_MIN) || SET(o, GID_MAX))
		check_range(ctx, d, "gid", d->gid_min, d->gid_max,
		            at(ORIGIN(o, GID_MIN), ORIGIN(o, UID_MIN)),
		            at(ORIGIN(o, GID_MAX), ORIGIN(o, UID_MAX)));
}

static bool overlap(uint32_t a_min, uint32_t a_max, uint32_t b_min, uint32_t b_max)
{
	return a_min <= b_max && b_min <= a_max;
}

/*
 * Domains must not share ids: uid ranges are disjoint, and so are the gid
 * spaces (the gid range, plus the uid range for user private groups, whose
 * gid is the uid). A domain without a usable range (already reported) is left
 * out.
 */
static void check_overlaps(struct fedjit_config_ctx *ctx)
{
	struct fedjit_config *c = ctx->config;

	for (size_t j = 0; j < c->n_domains; j++) {
		struct fedjit_domain *b = &c->domains[j];
		struct fedjit_key_origins *ob = &ctx->domain_origins[j];
		if (b->uid_max == 0)
			continue;
		for (size_t i = 0; i < j; i++) {
			struct fedjit_domain *a = &c->domains[i];
			if (a->uid_max == 0)
				continue;
			if (overlap(a->uid_min, a->uid_max, b->uid_min, b->uid_max)) {
				fedjit_config_error(
				        ctx, at(ORIGIN(ob, UID_MIN), &b->origin),
				        "uid range %" PRIu32 "-%" PRIu32 " of domain %s overlaps "
				        "uid range %" PRIu32 "-%" PRIu32 " of domain %s",
				        b->uid_min, b->uid_max, b->name, a->uid_min, a->uid_max,
				        a->name);
				continue;
			}
			/* gid spaces: [gid range] and, with private groups, [uid range] */
			uint32_t as[2][2] = {{a->gid_min, a->gid_max}, {a->uid_min, a->uid_max}};
			uint32_t bs[2][2] = {{b->gid_min, b->gid_max}, {b->uid_min, b->uid_max}};
			size_t na = a->primary_group ? 1 : 2, nb = b->primary_group ? 1 : 2;
			bool hit = false;
			for (size_t x = 0; x < na && !hit; x++)
				for (size_t y = 0; y < nb && !hit; y++)
					hit = overlap(as[x][0], as[x][1], bs[y][0], bs[y][1]);
			if (hit)
				fedjit_config_error(
				        ctx,
				        at(ORIGIN(ob, GID_MIN),
				           at(ORIGIN(ob, UID_MIN), &b->origin)),
				        "gids of domain %s (%" PRIu32 "-%" PRIu32
				        "%s) overlap gids of "
				        "domain %s (%" PRIu32 "-%" PRIu32 "%s)",
				        b->name, b->gid_min, b->gid_max,
				        b->primary_group ? "" : " and its user private groups",
				        a->name, a->gid_min, a->gid_max,
				        a->primary_group ? "" : " and its user private groups");
		}
	}
}

/*
 * A secret file must be a regular file, owned by root (or by the user running
 * the check, so that tests need no root), and closed to group and others. A
 * file we may not even stat is hidden from us, which is the point: the
 * privileged caller checks it.
 */
static void check_secret_file(struct fedjit_config_ctx *ctx, const char *key, const char *path,
                              const struct fedjit_origin *origin)
{
	struct stat st;
	char eb[64];

	if (stat(path, &st) < 0) {
		if (errno != EACCES)
			fedjit_config_error(ctx, origin, "%s %s: %s", key, path,
			                    fedjit_config_strerror(errno, eb));
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		fedjit_config_error(ctx, origin, "%s %s is not a regular file", key, path);
		return;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid())
		fedjit_config_error(ctx, origin, "%s %s is owned by uid %u, not by root", key, path,
		                    (unsigned)st.st_uid);
	if (st.st_mode & 077)
		fedjit_config_error(ctx, origin,
		                    "%s %s is accessible by group or others (mode %04o, want 0600)",
		                    key, path, (unsigned)(st.st_mode & 07777));
}

static void check_client_auth(struct fedjit_config_ctx *ctx, struct fedjit_idp *p,
                              struct fedjit_key_origins *o)
{
	bool secret = p->client_secret_file, key = p->private_key_file;

	if (BAD(o, CLIENT_AUTH) || BAD(o, CLIENT_SECRET_FILE) || BAD(o, PRIVATE_KEY_FILE))
		return;
	if (!SET(o, CLIENT_AUTH)) {
		if (secret && key) {
			fedjit_config_error(ctx, ORIGIN(o, PRIVATE_KEY_FILE),
			                    "both client_secret_file and private_key_file are set: "
			                    "choose one with client_auth");
			return;
		}
		p->client_auth = key      ? FEDJIT_CLIENT_AUTH_PRIVATE_KEY_JWT
		                 : secret ? FEDJIT_CLIENT_AUTH_SECRET_BASIC
		                          : FEDJIT_CLIENT_AUTH_NONE;
	} else {
		bool wants_secret = p->client_auth == FEDJIT_CLIENT_AUTH_SECRET_BASIC ||
		                    p->client_auth == FEDJIT_CLIENT_AUTH_SECRET_POST;
		bool wants_key = p->client_auth == FEDJIT_CLIENT_AUTH_PRIVATE_KEY_JWT;
		const char *name = fedjit_client_auth_to_string(p->client_auth);
		if (wants_secret && !secret)
			fedjit_config_error(ctx, ORIGIN(o, CLIENT_AUTH),
			                    "client_auth %s needs client_secret_file", name);
		if (wants_key && !key)
			fedjit_config_error(ctx, ORIGIN(o, CLIENT_AUTH),
			                    "client_auth %s needs private_key_file", name);
		if (secret && !wants_secret)
			fedjit_config_error(ctx, ORIGIN(o, CLIENT_SECRET_FILE),
			                    "client_secret_file is set but client_auth %s does not "
			                    "use it",
			                    name);
		if (key && !wants_key)
			fedjit_config_error(
			        ctx, ORIGIN(o, PRIVATE_KEY_FILE),
			        "private_key_file is set but client_auth %s does not use "
			        "it",
			        name);
	}
	/* Only the file the method uses; an unused one is reported above. */
	if (ctx->flags & FEDJIT_CONFIG_SKIP_SECRET_CHECKS)
		return;
	if (secret && (p->client_auth == FEDJIT_CLIENT_AUTH_SECRET_BASIC ||
	               p->client_auth == FEDJIT_CLIENT_AUTH_SECRET_POST))
		check_secret_file(ctx, "client_secret_file", p->client_secret_file,
		                  ORIGIN(o, CLIENT_SECRET_FILE));
	if (key && p->client_auth == FEDJIT_CLIENT_AUTH_PRIVATE_KEY_JWT)
		check_secret_file(ctx, "private_key_file", p->private_key_file,
		                  ORIGIN(o, PRIVATE_KEY_FILE));
}

static void check_idp(struct fedjit_config_ctx *ctx, size_t i)
{
	struct fedjit_config *c = ctx->config;
	struct fedjit_idp *p = &c->idps[i];
	struct fedjit_key_origins *o = &ctx->idp_origins[i];

	if (!p->issuer && !BAD(o, ISSUER))
		fedjit_config_error(ctx, &p->origin, "[idp %s] needs issuer", p->name);
	if (!p->client_id && !BAD(o, CLIENT_ID))
		fedjit_config_error(ctx, &p->origin, "[idp %s] needs client_id", p->name);
	for (size_t k = 0; k < i && p->issuer; k++)
		if (c->idps[k].issuer && strcmp(c->idps[k].issuer, p->issuer) == 0)
			fedjit_config_error(ctx, ORIGIN(o, ISSUER),
			                    "issuer %s is also the issuer of [idp %s]", p->issuer,
			                    c->idps[k].name);

	if (p->domain && !fedjit_config_domain(c, p->domain))
		fedjit_config_error(ctx, ORIGIN(o, DOMAIN),
		                    "domain %s is not configured (no [domain %s])", p->domain,
		                    p->domain);
	if (p->provisioning == FEDJIT_PROVISIONING_ALWAYS && !p->domain && !BAD(o, DOMAIN))
		fedjit_config_error(
		        ctx, ORIGIN(o, PROVISIONING),
		        "provisioning always needs domain (the domain to provision into)");
	for (size_t k = 0; k < p->n_domains; k++)
		if (!fedjit_config_domain(c, p->domains[k]))
			fedjit_config_error(
			        ctx, ORIGIN(o, DOMAINS),
			        "domains names %s, which is not configured (no [domain %s])",
			        p->domains[k], p->domains[k]);

	/* username_strip_suffix: "@domain" words */
	const char *s = p->username_strip_suffix, *w;
	size_t len;
	while (fedjit_config_next_word(&s, &w, &len))
		if (w[0] != '@' || len < 2 || memchr(w + 1, '@', len - 1))
			fedjit_config_error(
			        ctx, ORIGIN(o, USERNAME_STRIP_SUFFIX),
			        "username_strip_suffix: '%.*s' is not an @domain suffix", (int)len,
			        w);

	check_client_auth(ctx, p, o);

	if (!SET(o, SSHD_PREAUTH))
		p->sshd_preauth = p->provisioning != FEDJIT_PROVISIONING_NONE;
	p->sshd_preauth_set = SET(o, SSHD_PREAUTH);

	if (p->scopes) {
		bool openid = false;
		s = p->scopes;
		while (fedjit_config_next_word(&s, &w, &len))
			if (len == 6 && strncmp(w, "openid", 6) == 0)
				openid = true;
		if (!openid)
			fedjit_config_error(ctx, ORIGIN(o, SCOPES), "scopes must include openid");
	}
}

/*
 * One IdP per domain for new logins (fedjit_config_idp_for_domain): when
 * several provisioning IdPs serve a domain, default_idp must be one of them.
 */
static void check_idp_choice(struct fedjit_config_ctx *ctx)
{
	struct fedjit_config *c = ctx->config;
	const char *def = c->global.default_idp;

	for (size_t d = 0; d < c->n_domains; d++) {
		const char *dom = c->domains[d].name;
		const struct fedjit_idp *first = NULL, *second = NULL;
		bool has_default = false;
		for (size_t i = 0; i < c->n_idps; i++) {
			const struct fedjit_idp *p = &c->idps[i];
			if (p->provisioning == FEDJIT_PROVISIONING_NONE ||
			    !fedjit_idp_serves_domain(p, dom))
				continue;
			if (def && strcasecmp(p->name, def) == 0)
				has_default = true;
			if (!first)
				first = p;
			else if (!second)
				second = p;
		}
		if (second && !has_default)
			fedjit_config_error(
			        ctx, &second->origin,
			        "[idp %s] and [idp %s] both provision names of domain %s: "
			        "set default_idp in [global] or restrict them with domains",
			        first->name, second->name, dom);
	}
}

/* -NAME takes a name off the built-in service list; a name reserved for the
 * system cannot be taken off, and a typo should not pass unnoticed. */
static void check_reserved_names(struct fedjit_config_ctx *ctx)
{
	const struct fedjit_global *g = &ctx->config->global;

	for (size_t i = 0; i < g->n_reserved_names; i++) {
		const char *w = g->reserved_names[i];

		if (w[0] == '-' && !fedjit_name_is_service_default(w + 1))
			fedjit_config_error(
			        ctx, &ctx->global_origins.key[FEDJIT_KEY_RESERVED_NAMES],
			        "reserved_names '%s': %s is not on the built-in list of "
			        "service account names (names reserved for the system "
			        "cannot be taken off)",
			        w, w + 1);
	}
}

void fedjit_config_validate(struct fedjit_config_ctx *ctx)
{
	struct fedjit_config *c = ctx->config;

	for (size_t i = 0; i < c->n_domains; i++)
		check_domain(ctx, i);
	check_overlaps(ctx);
	for (size_t i = 0; i < c->n_idps; i++)
		check_idp(ctx, i);
	if (c->global.default_idp && !fedjit_config_idp(c, c->global.default_idp))
		fedjit_config_error(ctx, &ctx->global_origins.key[FEDJIT_KEY_DEFAULT_IDP],
		                    "default_idp %s is not configured (no [idp %s])",
		                    c->global.default_idp, c->global.default_idp);
	check_idp_choice(ctx);
	check_reserved_names(ctx);
}

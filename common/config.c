/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The configuration API: loading (files are read in config_read.c, keys
 * parsed in config_keys.c, the whole checked in config_validate.c), messages
 * collected and sorted by file and line, lookups, and freeing.
 */
/* "config.h" here is common/config.h (same directory), not autoconf's: ask for GNU here. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/config.h"
#include "common/config_internal.h"
#include "common/macro.h"

#ifndef FEDJIT_CONF_FILE
#define FEDJIT_CONF_FILE "/etc/fedjit/fedjit.conf"
#endif
#ifndef FEDJIT_CONF_DIR
#define FEDJIT_CONF_DIR "/etc/fedjit/conf.d"
#endif

const char *fedjit_config_strerror(int err, char buf[static 64])
{
	/* GNU strerror_r: returns a static string or fills buf. */
	return strerror_r(err, buf, 64);
}

/* Keep a message (taking text); entries past FEDJIT_DIAG_MAX only when forced. */
static void push_entry(struct fedjit_config_ctx *ctx, size_t index, unsigned line, char *text)
{
	struct fedjit_diag_entry *e =
	        realloc(ctx->entries, (ctx->n_entries + 1) * sizeof(*ctx->entries));

	if (!e) {
		free(text);
		ctx->oom = true;
		return;
	}
	ctx->entries = e;
	e[ctx->n_entries++] = (struct fedjit_diag_entry){index, line, ctx->seq++, text};
}

void fedjit_config_verror(struct fedjit_config_ctx *ctx, const struct fedjit_origin *origin,
                          const char *fmt, va_list ap)
{
	const char *file = origin && origin->file ? origin->file : ctx->main_file;
	unsigned line = origin && origin->file ? origin->line : 0;
	size_t index = SIZE_MAX;
	char *msg = NULL, *text = NULL;

	if (ctx->n_entries >= FEDJIT_DIAG_MAX) {
		ctx->n_dropped++;
		return;
	}
	for (size_t i = 0; i < ctx->config->n_files && index == SIZE_MAX; i++)
		if (strcmp(ctx->config->files[i], file) == 0)
			index = i;
	if (vasprintf(&msg, fmt, ap) < 0) {
		ctx->oom = true;
		return;
	}
	int r = line ? asprintf(&text, "%s:%u: %s", file, line, msg)
	             : asprintf(&text, "%s: %s", file, msg);
	free(msg);
	if (r < 0) {
		ctx->oom = true;
		return;
	}
	push_entry(ctx, index, line, text);
}

void fedjit_config_error(struct fedjit_config_ctx *ctx, const struct fedjit_origin *origin,
                         const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fedjit_config_verror(ctx, origin, fmt, ap);
	va_end(ap);
}

const struct fedjit_origin *fedjit_config_origin_or(const struct fedjit_origin *preferred,
                                                    const struct fedjit_origin *fallback)
{
	return preferred && preferred->file ? preferred : fallback;
}

void fedjit_config_free(struct fedjit_config *config)
{
	if (!config)
		return;
	fedjit_config_keys_free(FEDJIT_SECTION_GLOBAL, &config->global);
	for (size_t i = 0; i < config->n_domains; i++) {
		fedjit_config_keys_free(FEDJIT_SECTION_DOMAIN, &config->domains[i]);
		free(config->domains[i].name);
	}
	free(config->domains);
	for (size_t i = 0; i < config->n_idps; i++) {
		fedjit_config_keys_free(FEDJIT_SECTION_IDP, &config->idps[i]);
		free(config->idps[i].name);
	}
	free(config->idps);
	for (size_t i = 0; i < config->n_files; i++)
		free(config->files[i]);
	free(config->files);
	free(config);
}

void fedjit_diag_clear(struct fedjit_diag *diag)
{
	if (!diag)
		return;
	for (size_t i = 0; i < diag->n_lines; i++)
		free(diag->lines[i]);
	free(diag->lines);
	diag->lines = NULL;
	diag->n_lines = 0;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct fedjit_diag_entry *x = a, *y = b;

	if (x->file_index != y->file_index)
		return x->file_index < y->file_index ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Move the messages, sorted by file and line, into diag. */
static void flush_diag(struct fedjit_config_ctx *ctx, struct fedjit_diag *diag)
{
	char *text;

	if (ctx->n_dropped &&
	    asprintf(&text, "%s: %zu more errors not shown", ctx->main_file, ctx->n_dropped) >= 0)
		push_entry(ctx, SIZE_MAX, 0, text);
	if (ctx->n_entries)
		qsort(ctx->entries, ctx->n_entries, sizeof(*ctx->entries), cmp_entry);
	for (size_t i = 0; i < ctx->n_entries; i++) {
		char **l = diag ? realloc(diag->lines, (diag->n_lines + 1) * sizeof(char *)) : NULL;
		if (!l) {
			free(ctx->entries[i].text);
			continue;
		}
		diag->lines = l;
		l[diag->n_lines++] = ctx->entries[i].text;
	}
	free(ctx->entries);
	ctx->entries = NULL;
	ctx->n_entries = 0;
}

static int ctx_init(struct fedjit_config_ctx *ctx, const char *main_file, unsigned flags)
{
	size_t primary;

	*ctx = (struct fedjit_config_ctx){.flags = flags, .main_file = main_file};
	ctx->config = calloc(1, sizeof(*ctx->config));
	if (!ctx->config)
		return -ENOMEM;
	fedjit_config_keys_defaults(ctx, FEDJIT_SECTION_GLOBAL, &ctx->config->global);
	if (fedjit_config_add_domain(ctx, FEDJIT_DEFAULT_DOMAIN, &primary) < 0 || ctx->oom)
		return -ENOMEM;
	ctx->config->domains[primary].implicit = true;
	return 0;
}

/* Validate, hand out the messages and the configuration (or free it). */
static int ctx_finish(struct fedjit_config_ctx *ctx, int r, struct fedjit_config **ret_config,
                      struct fedjit_diag *diag)
{
	if (r == 0 && !ctx->oom)
		fedjit_config_validate(ctx);
	if (ctx->oom)
		r = -ENOMEM;
	else if (r == 0 && ctx->n_entries)
		r = -EINVAL;
	flush_diag(ctx, diag);
	free(ctx->domain_origins);
	free(ctx->idp_origins);
	if (r < 0) {
		fedjit_config_free(ctx->config);
		return r;
	}
	*ret_config = ctx->config;
	return 0;
}

int fedjit_config_load_flags(const char *main_file, const char *dropin_dir, unsigned flags,
                             struct fedjit_config **ret_config, struct fedjit_diag *diag)
{
	struct fedjit_config_ctx ctx;
	int r = ctx_init(&ctx, main_file, flags);

	if (r == 0) {
		r = fedjit_config_read_path(&ctx, main_file, false);
		/* A missing main file means "not configured": drop-ins alone mean nothing. */
		if (r == 0 && dropin_dir)
			fedjit_config_read_dropins(&ctx, dropin_dir);
	}
	return ctx_finish(&ctx, r, ret_config, diag);
}

int fedjit_config_load(const char *main_file, const char *dropin_dir,
                       struct fedjit_config **ret_config, struct fedjit_diag *diag)
{
	return fedjit_config_load_flags(main_file, dropin_dir, 0, ret_config, diag);
}

int fedjit_config_load_default_flags(unsigned flags, struct fedjit_config **ret_config,
                                     struct fedjit_diag *diag)
{
	return fedjit_config_load_flags(FEDJIT_CONF_FILE, FEDJIT_CONF_DIR, flags, ret_config, diag);
}

int fedjit_config_load_default(struct fedjit_config **ret_config, struct fedjit_diag *diag)
{
	return fedjit_config_load_default_flags(0, ret_config, diag);
}

int fedjit_config_parse_buffer(const char *name, const char *data, size_t len, unsigned flags,
                               struct fedjit_config **ret_config, struct fedjit_diag *diag)
{
	struct fedjit_config_ctx ctx;
	int r = ctx_init(&ctx, name, flags);

	if (r == 0) {
		if (len > FEDJIT_CONFIG_FILE_MAX) {
			fedjit_config_error(&ctx, NULL, "file too large (more than %d bytes)",
			                    FEDJIT_CONFIG_FILE_MAX);
			r = -EFBIG;
		} else {
			size_t index;
			if (fedjit_config_add_file(&ctx, name, &index) < 0)
				r = -ENOMEM;
			else
				fedjit_config_read_buffer(&ctx, index, data, len);
		}
	}
	return ctx_finish(&ctx, r, ret_config, diag);
}

const struct fedjit_domain *fedjit_config_domain(const struct fedjit_config *config,
                                                 const char *name)
{
	size_t i = name ? fedjit_config_find_domain(config, name) : SIZE_MAX;

	return i == SIZE_MAX ? NULL : &config->domains[i];
}

const struct fedjit_idp *fedjit_config_idp(const struct fedjit_config *config, const char *name)
{
	size_t i = name ? fedjit_config_find_idp(config, name) : SIZE_MAX;

	return i == SIZE_MAX ? NULL : &config->idps[i];
}

bool fedjit_idp_serves_domain(const struct fedjit_idp *idp, const char *domain)
{
	if (!idp->domains)
		return true;
	for (size_t i = 0; i < idp->n_domains; i++)
		if (strcasecmp(idp->domains[i], domain) == 0)
			return true;
	return false;
}

bool fedjit_config_next_word(const char **s, const char **word, size_t *len)
{
	if (!*s)
		return false;
	*s += strspn(*s, " \t");
	*word = *s;
	*len = strcspn(*s, " \t");
	*s += *len;
	return *len > 0;
}

size_t fedjit_idp_strip_suffix(const struct fedjit_idp *idp, const char *name)
{
	size_t n = strlen(name), len;
	const char *s = idp->username_strip_suffix, *w;

	while (fedjit_config_next_word(&s, &w, &len))
		if (len < n && strncasecmp(name + n - len, w, len) == 0)
			return n - len;
	return n;
}

unsigned fedjit_config_login_timeout(const struct fedjit_config *config,
                                     const struct fedjit_idp *idp)
{
	unsigned longest = 0;

	if (idp)
		return idp->timeout;
	for (size_t i = 0; i < config->n_idps; i++)
		if (config->idps[i].timeout > longest)
			longest = config->idps[i].timeout;
	return longest;
}

const struct fedjit_idp *fedjit_config_idp_for_domain(const struct fedjit_config *config,
                                                      const char *domain)
{
	const struct fedjit_idp *found = NULL;
	size_t n = 0;

	if (!domain || !fedjit_config_domain(config, domain))
		return NULL;
	for (size_t i = 0; i < config->n_idps; i++) {
		const struct fedjit_idp *p = &config->idps[i];
		if (p->provisioning == FEDJIT_PROVISIONING_NONE ||
		    !fedjit_idp_serves_domain(p, domain))
			continue;
		if (config->global.default_idp &&
		    strcasecmp(p->name, config->global.default_idp) == 0)
			return p;
		found = p;
		n++;
	}
	return n == 1 ? found : NULL;
}

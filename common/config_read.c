/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading fedjit.conf and its conf.d drop-ins.
 *
 * FILE FORMAT (fedjit.conf(5) has the full text):
 *   - UTF-8 text, lines of at most FEDJIT_CONFIG_LINE_MAX bytes, LF or CRLF;
 *     a UTF-8 byte order mark on the first line is skipped. A longer line, a
 *     control character (other than tab) or invalid UTF-8 is an error naming
 *     the line, and the line is skipped (never split or truncated).
 *   - Leading whitespace is ignored: there are no continuation lines.
 *   - Empty lines and lines starting with ';' or '#' are comments; ';' after
 *     whitespace starts a comment at the end of a line ('#' does not).
 *   - "[global]", "[domain NAME]", "[idp NAME]" start a section. A section may
 *     appear several times, in one file or many: its keys add up.
 *   - "key = value" (or "key: value"). Keys are lower case. Whitespace around
 *     the value is dropped, quotes are kept as written. A later value of a key
 *     replaces an earlier one (list keys add an entry instead); an empty value
 *     restores the default (and empties a list).
 *
 * libinih (Debian's build: 200-byte line buffer, no line numbers, multi-line
 * values on) splits "key = value" and strips comments. It reads through our
 * reader, which counts lines, refuses what inih would silently split or
 * continue, and handles section headers itself (so a broken header cannot
 * leave its keys in the previous section). Nothing here calls NSS: the NSS
 * module loads this file.
 */
/* "config.h" here is common/config.h (same directory), not autoconf's: ask for GNU here. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/config.h"
#include "common/config_internal.h"
#include "common/macro.h"

/* Report at the current line of the file being read. */
static void __attribute__((format(printf, 2, 3)))
line_error(struct fedjit_config_ctx *ctx, const char *fmt, ...)
{
	struct fedjit_origin o = {.file = ctx->file, .line = ctx->line};
	va_list ap;

	va_start(ap, fmt);
	fedjit_config_verror(ctx, &o, fmt, ap);
	va_end(ap);
}

/* Length of the valid UTF-8 prefix of s[0..n). */
static size_t utf8_valid_prefix(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t len;
		uint32_t cp, min;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			len = 2, cp = c & 0x1f, min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			len = 3, cp = c & 0x0f, min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			len = 4, cp = c & 0x07, min = 0x10000;
		} else {
			return i;
		}
		if (n - i < len)
			return i;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return i;
		i += len;
	}
	return n;
}

size_t fedjit_config_find_domain(const struct fedjit_config *config, const char *name)
{
	for (size_t i = 0; i < config->n_domains; i++)
		if (strcasecmp(config->domains[i].name, name) == 0)
			return i;
	return SIZE_MAX;
}

size_t fedjit_config_find_idp(const struct fedjit_config *config, const char *name)
{
	for (size_t i = 0; i < config->n_idps; i++)
		if (strcasecmp(config->idps[i].name, name) == 0)
			return i;
	return SIZE_MAX;
}

/* Add a section instance with its defaults; 0, or -ENOMEM. */
int fedjit_config_add_domain(struct fedjit_config_ctx *ctx, const char *name, size_t *ret)
{
	struct fedjit_config *c = ctx->config;
	struct fedjit_domain *d = realloc(c->domains, (c->n_domains + 1) * sizeof(*d));
	if (!d)
		return -ENOMEM;
	c->domains = d;
	struct fedjit_key_origins *o =
	        realloc(ctx->domain_origins, (c->n_domains + 1) * sizeof(*o));
	if (!o)
		return -ENOMEM;
	ctx->domain_origins = o;
	d = &c->domains[c->n_domains];
	*d = (struct fedjit_domain){.name = strdup(name)};
	o[c->n_domains] = (struct fedjit_key_origins){0};
	c->n_domains++;
	if (!d->name)
		return -ENOMEM;
	fedjit_config_keys_defaults(ctx, FEDJIT_SECTION_DOMAIN, d);
	*ret = c->n_domains - 1;
	return 0;
}

static int add_idp(struct fedjit_config_ctx *ctx, const char *name, size_t *ret)
{
	struct fedjit_config *c = ctx->config;
	struct fedjit_idp *p = realloc(c->idps, (c->n_idps + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	c->idps = p;
	struct fedjit_key_origins *o = realloc(ctx->idp_origins, (c->n_idps + 1) * sizeof(*o));
	if (!o)
		return -ENOMEM;
	ctx->idp_origins = o;
	p = &c->idps[c->n_idps];
	*p = (struct fedjit_idp){.name = strdup(name)};
	o[c->n_idps] = (struct fedjit_key_origins){0};
	c->n_idps++;
	if (!p->name)
		return -ENOMEM;
	fedjit_config_keys_defaults(ctx, FEDJIT_SECTION_IDP, p);
	*ret = c->n_idps - 1;
	return 0;
}

static const char *kind_name(enum fedjit_section_kind kind)
{
	return kind == FEDJIT_SECTION_GLOBAL   ? "global"
	       : kind == FEDJIT_SECTION_DOMAIN ? "domain"
	                                       : "idp";
}

/* A header line "[...]..." (s starts at '['): switch sections or report. */
static void section_header(struct fedjit_config_ctx *ctx, char *s)
{
	char *end = strchr(s, ']');

	ctx->kind = FEDJIT_SECTION_INVALID;
	if (!end) {
		line_error(ctx, "section header without ']'");
		return;
	}
	const char *rest = end + 1 + strspn(end + 1, " \t");
	if (*rest && *rest != ';' && *rest != '#') {
		line_error(ctx, "text after the section header");
		return;
	}
	*end = '\0';
	char *kw = s + 1 + strspn(s + 1, " \t");
	size_t kwlen = strcspn(kw, " \t");
	char *name = kw + kwlen + strspn(kw + kwlen, " \t");
	size_t namelen = strcspn(name, " \t");
	kw[kwlen] = '\0';
	if (name[namelen + strspn(name + namelen, " \t")]) {
		line_error(ctx, "section name '%s' contains whitespace", name);
		return;
	}
	name[namelen] = '\0';

	enum fedjit_section_kind kind;
	if (strcmp(kw, "global") == 0)
		kind = FEDJIT_SECTION_GLOBAL;
	else if (strcmp(kw, "domain") == 0)
		kind = FEDJIT_SECTION_DOMAIN;
	else if (strcmp(kw, "idp") == 0)
		kind = FEDJIT_SECTION_IDP;
	else {
		line_error(ctx, "unknown section [%s] (known: [global], [domain NAME], [idp NAME])",
		           kw);
		return;
	}
	if (kind == FEDJIT_SECTION_GLOBAL) {
		if (*name)
			line_error(ctx, "[global] takes no name");
		else
			ctx->kind = kind;
		return;
	}
	if (!*name) {
		line_error(ctx, "section [%s] needs a name: [%s NAME]", kw, kw);
		return;
	}
	if (!fedjit_config_name_valid(name)) {
		line_error(
		        ctx,
		        "invalid %s name '%s' ([A-Za-z0-9][A-Za-z0-9_.-]*, at most %d characters)",
		        kw, name, FEDJIT_CONFIG_NAME_MAX);
		return;
	}

	struct fedjit_origin here = {.file = ctx->file, .line = ctx->line};
	size_t i = kind == FEDJIT_SECTION_DOMAIN ? fedjit_config_find_domain(ctx->config, name)
	                                         : fedjit_config_find_idp(ctx->config, name);
	if (i == SIZE_MAX) {
		int r = kind == FEDJIT_SECTION_DOMAIN ? fedjit_config_add_domain(ctx, name, &i)
		                                      : add_idp(ctx, name, &i);
		if (r < 0) {
			ctx->oom = true;
			return;
		}
	}
	if (kind == FEDJIT_SECTION_DOMAIN) {
		struct fedjit_domain *d = &ctx->config->domains[i];
		if (d->implicit || !d->origin.file)
			d->origin = here;
		d->implicit = false;
	} else if (!ctx->config->idps[i].origin.file) {
		ctx->config->idps[i].origin = here;
	}
	ctx->kind = kind;
	ctx->section = i;
}

/*
 * inih's ini_reader: hand inih the next line, or an empty line in place of one
 * that we handled (headers) or refused (after reporting it).
 */
static char *config_reader(char *str, int num, void *stream)
{
	struct fedjit_config_ctx *ctx = stream;

	if (ctx->pos >= ctx->len)
		return NULL;
	const char *start = ctx->buf + ctx->pos;
	const char *nl = memchr(start, '\n', ctx->len - ctx->pos);
	size_t len = nl ? (size_t)(nl - start) : ctx->len - ctx->pos;
	ctx->pos += len + (nl ? 1 : 0);
	ctx->line++;
	if (len && start[len - 1] == '\r')
		len--;
	if (ctx->line == 1 && len >= 3 && memcmp(start, "\xef\xbb\xbf", 3) == 0)
		start += 3, len -= 3;
	while (len && (*start == ' ' || *start == '\t'))
		start++, len--;

	size_t max = FEDJIT_CONFIG_LINE_MAX;
	if (num < 4)
		return NULL;
	if ((size_t)num - 3 < max)
		max = (size_t)num - 3;
	strcpy(str, "\n");
	if (len > max) {
		line_error(ctx, "line too long (%zu bytes, at most %zu)", len, max);
		if (*start == '[')
			ctx->kind = FEDJIT_SECTION_INVALID;
		return str;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)start[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			line_error(ctx, "control character 0x%02x in line", c);
			if (*start == '[')
				ctx->kind = FEDJIT_SECTION_INVALID;
			return str;
		}
	}
	if (utf8_valid_prefix((const unsigned char *)start, len) != len) {
		line_error(ctx, "invalid UTF-8");
		if (*start == '[')
			ctx->kind = FEDJIT_SECTION_INVALID;
		return str;
	}
	if (len == 0 || *start == ';' || *start == '#')
		return str;

	char line[FEDJIT_CONFIG_LINE_MAX + 1];
	memcpy(line, start, len);
	line[len] = '\0';
	if (line[0] == '[') {
		section_header(ctx, line);
		return str;
	}
	/* inih's rule: the first '=' or ':', unless a comment (';' after whitespace) comes first. */
	bool was_space = false;
	const char *p = line;
	while (*p && *p != '=' && *p != ':' && !(was_space && *p == ';')) {
		was_space = *p == ' ' || *p == '\t';
		p++;
	}
	if (*p != '=' && *p != ':') {
		line_error(ctx, "expected 'key = value', a [section] or a comment");
		return str;
	}
	memcpy(str, line, len);
	memcpy(str + len, "\n", 2);
	return str;
}

static int config_handler(void *user, const char *section, const char *name, const char *value)
{
	struct fedjit_config_ctx *ctx = user;
	struct fedjit_config *c = ctx->config;
	struct fedjit_key_origins *origins;
	void *base;

	(void)section;
	if (ctx->kind == FEDJIT_SECTION_INVALID)
		return 1;
	if (!*name) {
		line_error(ctx, "missing key name before '='");
		return 1;
	}
	if (ctx->kind == FEDJIT_SECTION_NONE) {
		line_error(ctx, "key '%s' outside of a section", name);
		return 1;
	}
	const struct fedjit_key_desc *key = fedjit_config_key_find(ctx->kind, name);
	if (!key) {
		enum fedjit_section_kind home = fedjit_config_key_home(name);
		if (home != FEDJIT_SECTION_NONE)
			line_error(ctx, "key '%s' belongs in a [%s%s] section", name,
			           kind_name(home), home == FEDJIT_SECTION_GLOBAL ? "" : " NAME");
		else
			line_error(ctx, "unknown key '%s' in [%s]", name, kind_name(ctx->kind));
		return 1;
	}
	switch (ctx->kind) {
	case FEDJIT_SECTION_GLOBAL:
		base = &c->global, origins = &ctx->global_origins;
		break;
	case FEDJIT_SECTION_DOMAIN:
		base = &c->domains[ctx->section], origins = &ctx->domain_origins[ctx->section];
		break;
	default:
		base = &c->idps[ctx->section], origins = &ctx->idp_origins[ctx->section];
		break;
	}
	fedjit_config_key_apply(ctx, key, base, origins, value);
	return 1;
}

/* Keep name in config->files (origins point there); the index of it. */
int fedjit_config_add_file(struct fedjit_config_ctx *ctx, const char *name, size_t *ret)
{
	struct fedjit_config *c = ctx->config;
	char **f = realloc(c->files, (c->n_files + 1) * sizeof(*f));
	if (!f)
		return -ENOMEM;
	c->files = f;
	if (!(f[c->n_files] = strdup(name)))
		return -ENOMEM;
	*ret = c->n_files++;
	return 0;
}

void fedjit_config_read_buffer(struct fedjit_config_ctx *ctx, size_t index, const char *buf,
                               size_t len)
{
	ctx->file = ctx->config->files[index];
	ctx->file_index = index;
	ctx->buf = buf;
	ctx->len = len;
	ctx->pos = 0;
	ctx->line = 0;
	/* Every file starts outside of any section: a drop-in names its sections. */
	ctx->kind = FEDJIT_SECTION_NONE;
	int r = ini_parse_stream(config_reader, ctx, config_handler, ctx);
	if (r > 0) {
		struct fedjit_origin o = {.file = ctx->file, .line = (unsigned)r};
		fedjit_config_error(ctx, &o, "syntax error");
	} else if (r < 0) {
		ctx->oom = true;
	}
}

/*
 * Read a whole configuration file. The file must be a regular file owned by
 * root (or by the caller, for tests) and not writable by group or others: it
 * names programs that run as root. Problems other than "does not exist" are
 * reported; the content is read even so, to report everything at once.
 */
static int read_file(struct fedjit_config_ctx *ctx, const char *path, bool dropin, char **ret,
                     size_t *ret_len)
{
	struct fedjit_origin whole = {.file = path, .line = 0};
	char eb[64];
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;

	if (fd < 0) {
		int r = -errno;
		if (!(dropin && r == -ENOENT))
			fedjit_config_error(ctx, &whole, "%s", fedjit_config_strerror(-r, eb));
		return r;
	}
	if (fstat(fd, &st) < 0) {
		int r = -errno;
		fedjit_config_error(ctx, &whole, "%s", fedjit_config_strerror(-r, eb));
		return r;
	}
	if (!S_ISREG(st.st_mode)) {
		fedjit_config_error(ctx, &whole, "not a regular file");
		return -EINVAL;
	}
	if (st.st_size > FEDJIT_CONFIG_FILE_MAX) {
		fedjit_config_error(ctx, &whole, "file too large (more than %d bytes)",
		                    FEDJIT_CONFIG_FILE_MAX);
		return -EFBIG;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid())
		fedjit_config_error(ctx, &whole, "owned by uid %u, not by root",
		                    (unsigned)st.st_uid);
	if (st.st_mode & 022)
		fedjit_config_error(ctx, &whole, "writable by group or others (mode %04o)",
		                    (unsigned)(st.st_mode & 07777));

	size_t cap = (size_t)st.st_size + 1, len = 0;
	char *buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (len == cap) {
			/* grew since fstat */
			fedjit_config_error(ctx, &whole, "file changed while being read");
			free(buf);
			return -EIO;
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int r = -errno;
			fedjit_config_error(ctx, &whole, "%s", fedjit_config_strerror(-r, eb));
			free(buf);
			return r;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}

int fedjit_config_read_path(struct fedjit_config_ctx *ctx, const char *path, bool dropin)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, index;

	/* Named in config->files first, so that messages about it sort in file order. */
	if (fedjit_config_add_file(ctx, path, &index) < 0) {
		ctx->oom = true;
		return -ENOMEM;
	}
	int r = read_file(ctx, ctx->config->files[index], dropin, &buf, &len);
	if (r == -ENOENT && dropin) {
		/* vanished since the directory was read: it was never read */
		free(ctx->config->files[--ctx->config->n_files]);
		return 0;
	}
	if (r < 0)
		return r;
	fedjit_config_read_buffer(ctx, index, buf, len);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Drop-ins: every "*.conf" that is not hidden, in strcmp order (not locale order). */
void fedjit_config_read_dropins(struct fedjit_config_ctx *ctx, const char *dir)
{
	struct fedjit_origin whole = {.file = dir, .line = 0};
	char eb[64];
	char **names = NULL;
	size_t n = 0;
	DIR *d = opendir(dir);

	if (!d) {
		if (errno != ENOENT)
			fedjit_config_error(ctx, &whole, "%s", fedjit_config_strerror(errno, eb));
		return;
	}
	for (struct dirent *de; (de = readdir(d));) {
		size_t len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len <= 5 || strcmp(de->d_name + len - 5, ".conf") != 0)
			continue;
		char *s = strdup(de->d_name);
		char **nn = s ? realloc(names, (n + 1) * sizeof(*names)) : NULL;
		if (!nn) {
			free(s);
			ctx->oom = true;
			break;
		}
		names = nn;
		names[n++] = s;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		char *path = NULL;
		struct stat st;
		if (asprintf(&path, "%s/%s", dir, names[i]) < 0) {
			ctx->oom = true;
			break;
		}
		/* A directory or a dangling link named *.conf is not a drop-in. */
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			fedjit_config_read_path(ctx, path, true);
		free(path);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

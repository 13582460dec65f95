/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fedjit db dump: the store as JSON on stdout (read back by `fedjit db
 * restore`, db_restore.c).
 *
 * DUMP FORMAT:
 *   {
 *     "fedjit_dump": 1,
 *     "users":  [user objects (json_out.c), sorted by name],
 *     "groups": [group objects (json_out.c), sorted by name],
 *     "links":  [{"issuer", "subject", "account"}, sorted by account],
 *     "secrets": {                                  only with --secrets
 *       "password_hashes": {"NAME": "crypt(3) hash", ...},
 *       "consents": {"NAME": {"when", "text_version", "idp", "what"}, ...}
 *     }
 *   }
 * indented by two spaces per level, members in this order (what jansson's
 * JSON_INDENT(2) | JSON_PRESERVE_ORDER writes for the whole document).
 * Links are the private store's (issuer, subject) -> account records that
 * count (their account record and user agree): one per user, its identity.
 * What a crash between the two files' commits left behind is not dumped.
 * Personal data (issuer, subject, email, domain, IdP, times, links) is in the
 * root-only private store: a dump by another user has it empty.
 *
 * MEMORY. The store is read into compact records first (users with their gid
 * lists, groups, links: a few hundred bytes per account), because the reads
 * are retried until they saw one committed state and the output is sorted;
 * the JSON is then written one element at a time, never held whole (a
 * million accounts: 4.6 GB as one jansson tree).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/macro.h"

struct dump_link {
	char *issuer, *subject, *account;
};

/* What one consistent read of the store gave. */
struct dump_data {
	struct fedjit_user **users;
	uint32_t **gids; /* per user */
	size_t *n_gids;
	struct fedjit_group **groups;
	struct dump_link *links;
	size_t n_users, n_groups, n_links;
	size_t cap_users, cap_groups, cap_links;
};

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	size_t ncap = *cap ? 2 * *cap : 256;
	void *nv = reallocarray(*v, ncap, size);

	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = ncap;
	return 0;
}

static void data_clear(struct dump_data *d)
{
	for (size_t i = 0; i < d->n_users; i++) {
		fedjit_user_free(d->users[i]);
		if (d->gids)
			free(d->gids[i]);
	}
	for (size_t i = 0; i < d->n_groups; i++)
		fedjit_group_free(d->groups[i]);
	for (size_t i = 0; i < d->n_links; i++) {
		free(d->links[i].issuer);
		free(d->links[i].subject);
		free(d->links[i].account);
	}
	free(d->users);
	free(d->gids);
	free(d->n_gids);
	free(d->groups);
	free(d->links);
	*d = (struct dump_data){0};
}

static int user_cb(const struct fedjit_user_view *v, void *p)
{
	struct dump_data *d = p;
	int r = grow((void **)&d->users, &d->cap_users, d->n_users, sizeof(*d->users));

	if (r < 0)
		return r;
	r = fedjit_user_from_view(v, &d->users[d->n_users]);
	if (r == 0)
		d->n_users++;
	return r;
}

static int group_cb(const struct fedjit_group_view *v, void *p)
{
	struct dump_data *d = p;
	int r = grow((void **)&d->groups, &d->cap_groups, d->n_groups, sizeof(*d->groups));

	if (r < 0)
		return r;
	r = fedjit_group_from_view(v, &d->groups[d->n_groups]);
	if (r == 0)
		d->n_groups++;
	return r;
}

struct link_collect {
	struct fedjit_store *s;
	struct dump_data *d;
};

static int link_cb(const char *issuer, const char *subject, const char *name, void *p)
{
	struct link_collect *lc = p;
	struct dump_data *d = lc->d;
	struct fedjit_user *u = NULL;
	bool live = fedjit_store_get_user_by_link(lc->s, issuer, subject, &u) == 0 &&
	            strcmp(u->name, name) == 0;
	struct dump_link *l;

	fedjit_user_free(u);
	if (!live)
		return 0;
	if (grow((void **)&d->links, &d->cap_links, d->n_links, sizeof(*d->links)) < 0)
		return -ENOMEM;
	l = &d->links[d->n_links];
	*l = (struct dump_link){strdup(issuer), strdup(subject), strdup(name)};
	d->n_links++; /* counted first: data_clear frees what was copied */
	return l->issuer && l->subject && l->account ? 0 : -ENOMEM;
}

static int cmp_users(const void *a, const void *b)
{
	return strcmp((*(struct fedjit_user *const *)a)->name,
	              (*(struct fedjit_user *const *)b)->name);
}

static int cmp_groups(const void *a, const void *b)
{
	return strcmp((*(struct fedjit_group *const *)a)->name,
	              (*(struct fedjit_group *const *)b)->name);
}

static int cmp_links(const void *a, const void *b)
{
	return strcmp(((const struct dump_link *)a)->account,
	              ((const struct dump_link *)b)->account);
}

/*
 * Users (with their gid lists), groups and links, sorted. The reads take
 * several read locks one after another, so the caller compares the store's
 * sequence number around this to know it saw one committed state. 0, or an
 * exit status after the message.
 */
static int read_store(struct fedjit_store *s, struct dump_data *d)
{
	struct link_collect lc = {s, d};
	int r = fedjit_store_foreach_user(s, user_cb, d);

	if (r >= 0)
		r = fedjit_store_foreach_group(s, group_cb, d);
	if (r < 0)
		return fedjit_cli_error("reading the store: %s", fedjit_store_strerror(r));
	if (d->n_users > 0)
		qsort(d->users, d->n_users, sizeof(*d->users), cmp_users);
	if (d->n_groups > 0)
		qsort(d->groups, d->n_groups, sizeof(*d->groups), cmp_groups);
	d->gids = calloc(d->n_users ? d->n_users : 1, sizeof(*d->gids));
	d->n_gids = calloc(d->n_users ? d->n_users : 1, sizeof(*d->n_gids));
	if (!d->gids || !d->n_gids)
		return fedjit_cli_error("out of memory");
	for (size_t i = 0; i < d->n_users; i++) {
		int q = fedjit_store_get_gids(s, d->users[i]->name, &d->gids[i], &d->n_gids[i]);

		if (q < 0 && q != -ENOENT)
			return fedjit_cli_error("%s: %s", d->users[i]->name,
			                        fedjit_store_strerror(q));
	}
	r = fedjit_store_foreach_link(s, link_cb, &lc);
	if (r < 0)
		return fedjit_cli_error("reading the identity links failed");
	if (d->n_links > 0)
		qsort(d->links, d->n_links, sizeof(*d->links), cmp_links);
	return 0;
}

/* ---- writing, one element at a time ---- */

/* v (taken) as jansson writes it at depth levels of JSON_INDENT(2): its
 * first line where the cursor is, the others indented by 2 * depth more
 * (a string never holds a raw newline, so every newline is jansson's). */
static int emit(FILE *f, json_t *v, int depth)
{
	char *text =
	        v ? json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY) : NULL;
	int r = text ? 0 : -ENOMEM;

	json_decref(v);
	for (const char *p = text; p && *p; p++) {
		fputc(*p, f);
		if (*p == '\n')
			fprintf(f, "%*s", 2 * depth, "");
	}
	free(text);
	return r;
}

/* A member's name, escaped, and the separator: `"NAME": ` */
static int emit_key(FILE *f, const char *name)
{
	int r = emit(f, json_string(name), 0);

	fputs(": ", f);
	return r;
}

/* The separator before element i of a container at depth (its elements at depth + 1). */
static void emit_sep(FILE *f, size_t i, int depth)
{
	fprintf(f, "%s\n%*s", i ? "," : "", 2 * (depth + 1), "");
}

/* The end of a container at depth that held n elements. */
static void emit_end(FILE *f, size_t n, int depth, char close)
{
	if (n)
		fprintf(f, "\n%*s", 2 * depth, "");
	fputc(close, f);
}

static int emit_arrays(FILE *f, const struct dump_data *d)
{
	int r = 0;

	fputs("  \"users\": [", f);
	for (size_t i = 0; r == 0 && i < d->n_users; i++) {
		emit_sep(f, i, 1);
		r = emit(f, fedjit_json_user(d->users[i], d->gids[i], d->n_gids[i]), 2);
	}
	emit_end(f, d->n_users, 1, ']');
	fputs(",\n  \"groups\": [", f);
	for (size_t i = 0; r == 0 && i < d->n_groups; i++) {
		emit_sep(f, i, 1);
		r = emit(f, fedjit_json_group(d->groups[i]), 2);
	}
	emit_end(f, d->n_groups, 1, ']');
	fputs(",\n  \"links\": [", f);
	for (size_t i = 0; r == 0 && i < d->n_links; i++) {
		const struct dump_link *l = &d->links[i];

		emit_sep(f, i, 1);
		r = emit(f,
		         json_pack("{s:s, s:s, s:s}", "issuer", l->issuer, "subject", l->subject,
		                   "account", l->account),
		         2);
	}
	emit_end(f, d->n_links, 1, ']');
	return r;
}

/* The secret store's accounts, opened before anything is written (a dump
 * that cannot have its secrets is refused whole). */
struct dump_secrets {
	struct fedjit_secret_store *ss;
	char **names;
	size_t n;
};

static int secrets_open(struct fedjit_cli *cli, struct dump_secrets *sec)
{
	if (fedjit_cli_open_secret(cli, true, &sec->ss) != 0)
		return -EIO;
	return sec->ss ? fedjit_secret_list_users(sec->ss, &sec->names, &sec->n) : 0;
}

static void secrets_close(struct dump_secrets *sec)
{
	fedjit_strv_free(sec->names);
	fedjit_secret_close(sec->ss);
	*sec = (struct dump_secrets){0};
}

/* "secrets": password hashes and consents, by name. */
static int emit_secrets(FILE *f, const struct dump_secrets *sec)
{
	size_t k = 0;
	int r = 0;

	fputs(",\n  \"secrets\": {\n    \"password_hashes\": {", f);
	for (size_t i = 0; r >= 0 && i < sec->n; i++) {
		_cleanup_secret_ char *hash = NULL;

		if (fedjit_secret_get_password_hash(sec->ss, sec->names[i], &hash) != 0)
			continue;
		emit_sep(f, k++, 2);
		r = emit_key(f, sec->names[i]);
		if (r >= 0)
			r = emit(f, json_string(hash), 3);
	}
	emit_end(f, k, 2, '}');
	fputs(",\n    \"consents\": {", f);
	k = 0;
	for (size_t i = 0; r >= 0 && i < sec->n; i++) {
		struct fedjit_consent *c = NULL;

		if (fedjit_secret_get_consent(sec->ss, sec->names[i], &c) != 0)
			continue;
		emit_sep(f, k++, 2);
		r = emit_key(f, sec->names[i]);
		if (r >= 0)
			r = emit(f,
			         json_pack("{s:I, s:I, s:s, s:s}", "when", (json_int_t)c->when,
			                   "text_version", (json_int_t)c->text_version, "idp",
			                   c->idp, "what", c->what),
			         3);
		fedjit_consent_free(c);
	}
	emit_end(f, k, 2, '}');
	fputs("\n  }", f);
	return r;
}

int fedjit_cmd_db_dump(struct fedjit_cli *cli, int argc, char **argv)
{
	struct fedjit_store *s = NULL;
	struct dump_data d = {0};
	struct dump_secrets sec = {0};
	bool with_secrets = false;
	int r;

	for (int i = 1; i < argc; i++) {
		if (fedjit_cli_is_help(argv[i])) {
			printf("Usage: fedjit db dump [--secrets]\n"
			       "Write every record of the store as JSON to stdout: users (with\n"
			       "their groups), groups and identity links. --secrets (root) adds\n"
			       "the secret store's password hashes and consent records.\n");
			return FEDJIT_EXIT_OK;
		} else if (strcmp(argv[i], "--secrets") == 0) {
			with_secrets = true;
		} else {
			return fedjit_cli_usage_error("db dump", "unexpected argument '%s'",
			                              argv[i]);
		}
	}
	if (with_secrets && (r = fedjit_cli_need_root("reading the secret store")) != 0)
		return r;
	r = fedjit_cli_open_ro(cli, &s);
	if (r != 0)
		return r;
	if (s && !fedjit_store_has_private(s))
		fprintf(stderr, "fedjit: %s\n", FEDJIT_CLI_NO_PRIVATE);
	/* A commit between the reads (a login) would mix two states: read again
	 * until the sequence number stayed the same throughout. When writers keep
	 * committing, root holds them off with a transaction that is never
	 * committed (a snapshot; logins wait for the reads, not for the writing
	 * of the JSON); others retry. */
	for (int attempt = 0; s; attempt++) {
		bool snapshot = attempt >= 3 && geteuid() == 0;
		int seq;

		if (snapshot) {
			fedjit_store_close(s);
			s = NULL;
			if (fedjit_store_open(fedjit_cli_db_path(cli), 0, &s) < 0 ||
			    fedjit_store_batch_begin(s) < 0) {
				r = fedjit_cli_error("%s: cannot take a snapshot",
				                     fedjit_cli_db_path(cli));
				goto out;
			}
		}
		seq = fedjit_store_seqnum(s);
		r = read_store(s, &d);
		if (snapshot)
			(void)fedjit_store_batch_end(s, -ECANCELED);
		if (r != 0 || snapshot || fedjit_store_seqnum(s) == seq)
			break;
		data_clear(&d);
		if (attempt == 50) {
			r = fedjit_cli_error("the store kept changing while being read; try again");
			goto out;
		}
		usleep(1000u * (unsigned)attempt);
	}
	if (r != 0)
		goto out;
	fedjit_store_close(s);
	s = NULL;
	if (with_secrets && secrets_open(cli, &sec) < 0) {
		r = fedjit_cli_error("reading the secret store failed");
		goto out;
	}
	fputs("{\n  \"fedjit_dump\": 1,\n", stdout);
	r = emit_arrays(stdout, &d);
	data_clear(&d);
	if (r == 0 && with_secrets)
		r = emit_secrets(stdout, &sec);
	fputs("\n}\n", stdout);
	if (r < 0) {
		r = fedjit_cli_error("writing the dump: %s", strerror(-r));
	} else if (fflush(stdout) != 0 || ferror(stdout)) {
		r = fedjit_cli_error("writing the dump: %m");
	}
out:
	secrets_close(&sec);
	data_clear(&d);
	fedjit_store_close(s);
	return r;
}

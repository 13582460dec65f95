/* SPDX-License-Identifier: Apache-2.0 */
/* Fixture for the provisioning tests (provision_fixture.h). */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/unit/provision_fixture.h"

#define ISSUER "https://idp.example"

static struct fx_entry *find(struct fx_entry *v, size_t n, const char *name, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (name ? strcmp(v[i].name, name) == 0 : v[i].id == id)
			return &v[i];
	return NULL;
}

static int user_by_name(const char *name, uint32_t *ret_uid, void *userdata)
{
	struct fx *f = userdata;
	struct fx_entry *e = find(f->users, f->n_users, name, 0);

	if (e)
		f->user_lookups[e - f->users]++;
	if (e && ret_uid)
		*ret_uid = e->id;
	return e != NULL;
}

static int user_entry(const char *name, uint32_t *ret_gid, char **ret_home, char **ret_shell,
                      void *userdata)
{
	struct fx *f = userdata;
	struct fx_entry *e = find(f->users, f->n_users, name, 0);
	char home[300];

	if (!e)
		return 0;
	snprintf(home, sizeof(home), "/home/%s", name);
	*ret_gid = e->gid;
	*ret_home = strdup(home);
	*ret_shell = strdup("/bin/sh");
	return 1;
}

static int uid_exists(uint32_t uid, void *userdata)
{
	struct fx *f = userdata;

	f->uid_asks++;
	if (f->fail_uid_asks > 0) {
		f->fail_uid_asks--;
		return -EIO;
	}
	return find(f->users, f->n_users, NULL, uid) != NULL;
}

static int group_by_name(const char *name, uint32_t *ret_gid, void *userdata)
{
	struct fx *f = userdata;
	struct fx_entry *e = find(f->groups, f->n_groups, name, 0);

	f->group_name_asks++;
	if (e && ret_gid)
		*ret_gid = e->id;
	return e != NULL;
}

static int group_by_gid(uint32_t gid, char **ret_name, void *userdata)
{
	struct fx *f = userdata;
	struct fx_entry *e = find(f->groups, f->n_groups, NULL, gid);

	f->gid_asks++;
	if (e && ret_name)
		*ret_name = strdup(e->name);
	return e != NULL;
}

static int conv(enum fedjit_conv_style style, const char *text, char **ret_answer, void *userdata)
{
	struct fx *f = userdata;
	size_t len = strlen(f->transcript);

	snprintf(f->transcript + len, sizeof(f->transcript) - len, "%s%s\n",
	         style == FEDJIT_CONV_INFO ? "info: " : "ask: ", text);
	if (style == FEDJIT_CONV_INFO)
		return 0;
	if (f->next_answer >= f->n_answers)
		return -ECONNRESET; /* the person went away */
	const char *a = f->answers[f->next_answer++];
	if (!a)
		return -ECANCELED;
	*ret_answer = strdup(a);
	return *ret_answer ? 0 : -ENOMEM;
}

bool fx_is_root(void)
{
	return geteuid() == 0;
}

int fx_setup(void **state)
{
	if (!fx_is_root())
		return 0;
	*state = fx_new();
	return 0;
}

int fx_teardown(void **state)
{
	fx_free(*state);
	return 0;
}

struct fx *fx_new(void)
{
	struct fx *f = calloc(1, sizeof(*f));
	char path[400];
	int fd;

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/fedjit-prov-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof(f->db), "%s/fedjit.tdb", f->dir);
	snprintf(f->secret, sizeof(f->secret), "%s/secret.tdb", f->dir);
	snprintf(f->home_root, sizeof(f->home_root), "%s/home", f->dir);
	snprintf(f->skel, sizeof(f->skel), "%s/skel", f->dir);
	assert_int_equal(mkdir(f->skel, 0755), 0);
	snprintf(path, sizeof(path), "%s/.profile", f->skel);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "# skel\n", 7), 7);
	close(fd);
	snprintf(path, sizeof(path), "%s/.config", f->skel);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/.config/link", f->skel);
	assert_int_equal(symlink("../.profile", path), 0);

	struct fx_entry users[] = {
	        {"root", 0, 0}, {"daemon", 1, 1}, {"sys", 900, 900}, {"carol", 250000, 250000}};
	struct fx_entry groups[] = {{"root", 0, 0}, {"sudo", 27, 0}, {"carol", 250000, 0}};
	memcpy(f->users, users, sizeof(users));
	f->n_users = 4;
	memcpy(f->groups, groups, sizeof(groups));
	f->n_groups = 3;
	f->nss = (struct fedjit_prov_nss){user_by_name,  user_entry,   uid_exists,
	                                  group_by_name, group_by_gid, f};
	f->ctx = (struct fedjit_prov_ctx){
	        .db_file = f->db,
	        .secret_db_file = f->secret,
	        .store_flags = FEDJIT_STORE_NOSYNC,
	        .service = "login",
	        .conv = conv,
	        .conv_userdata = f,
	        .nss = &f->nss,
	        .now = 1700000000,
	        .wait_worker = true,
	};
	return f;
}

static int rm_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(p);
}

void fx_free(struct fx *f)
{
	if (!f)
		return;
	nftw(f->dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	fedjit_config_free(f->config);
	free(f);
}

void fx_config(struct fx *f, const char *domains, const char *idp_body)
{
	char dom[4096] = "";
	const char *p = domains;
	struct fedjit_diag diag = {0};
	int r;

	/* every domain gets its home and skel inside the fixture */
	if (!strstr(domains, "[domain PRIMARY]"))
		snprintf(dom, sizeof(dom), "[domain PRIMARY]\nhome = %s/%%u\nskel = %s\n",
		         f->home_root, f->skel);
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p + 1) : strlen(p), d = strlen(dom);

		snprintf(dom + d, sizeof(dom) - d, "%.*s", (int)len, p);
		if (strncmp(p, "[domain ", 8) == 0) {
			d = strlen(dom);
			snprintf(dom + d, sizeof(dom) - d, "home = %s/%%d/%%u\nskel = %s\n",
			         f->home_root, f->skel);
		}
		p += len;
	}
	snprintf(f->conf, sizeof(f->conf), "%s[idp t]\nissuer = " ISSUER "\nclient_id = x\n%s", dom,
	         idp_body);
	fedjit_config_free(f->config);
	f->config = NULL;
	r = fedjit_config_parse_buffer("test.conf", f->conf, strlen(f->conf), 0, &f->config, &diag);
	for (size_t i = 0; i < diag.n_lines; i++)
		fprintf(stderr, "# %s\n", diag.lines[i]);
	fedjit_diag_clear(&diag);
	assert_int_equal(r, 0);
	f->ctx.config = f->config;
	f->ctx.idp = fedjit_config_idp(f->config, "t");
}

void fx_answers(struct fx *f, ...)
{
	va_list ap;
	const char *a;

	f->n_answers = f->next_answer = 0;
	f->transcript[0] = '\0';
	va_start(ap, f);
	while ((a = va_arg(ap, const char *)) != NULL && f->n_answers < 16)
		f->answers[f->n_answers++] = strcmp(a, "<cancel>") == 0 ? NULL : a;
	va_end(ap);
}

struct fedjit_identity fx_identity(const char *subject, const char *username,
                                   const char *const *groups)
{
	size_t n = 0;

	while (groups && groups[n])
		n++;
	return (struct fedjit_identity){
	        .issuer = ISSUER,
	        .subject = subject,
	        .username = username,
	        .gecos = "Test Person",
	        .email = "person@example.org",
	        .email_verified = 1,
	        .groups = groups,
	        .n_groups = n,
	        .groups_claim = groups != NULL,
	};
}

/* The helper parses the PAM user once, before provisioning sees it: a name that
 * does not parse is unknown_user there (pam/helper/account.c). 0, or 1 with *res
 * set to that answer. */
static int parse_user(struct fx *f, const char *user, struct fedjit_login *l,
                      struct fedjit_prov_result *res)
{
	if (fedjit_login_parse(f->config, NULL, user, strlen(user), l, res->log,
	                       sizeof(res->log)) == 0)
		return 0;
	res->status = "unknown_user";
	res->action = FEDJIT_PROV_NONE;
	res->account[0] = '\0';
	return 1;
}

const char *fx_login(struct fx *f, const struct fedjit_identity *id, const char *user,
                     struct fedjit_prov_result *res)
{
	struct fedjit_login l;
	int r;

	if (parse_user(f, user, &l, res))
		return res->status;
	r = fedjit_provision_login(&f->ctx, id, &l, res);
	if (r < 0)
		fprintf(stderr, "# provision: %s (%s)\n", strerror(-r), res->log);
	return res->status;
}

int fx_precheck(struct fx *f, const char *user, struct fedjit_prov_result *res)
{
	struct fedjit_login l;

	return parse_user(f, user, &l, res) ? 0 : fedjit_provision_precheck(&f->ctx, &l, res);
}

int fx_chauthtok(struct fx *f, const char *user, struct fedjit_prov_result *res)
{
	struct fedjit_login l;

	return parse_user(f, user, &l, res) ? 0 : fedjit_provision_chauthtok(&f->ctx, &l, res);
}

size_t fx_count_users(struct fx *f)
{
	struct fedjit_store *s = NULL;
	char **names = NULL;
	size_t n = 0;
	int r = fedjit_store_open(f->db, FEDJIT_STORE_RDONLY, &s);

	if (r == -ENOENT)
		return 0;
	assert_int_equal(r, 0);
	assert_int_equal(fedjit_store_check(s, NULL, NULL), 0);
	assert_true(fedjit_store_list_users(s, &names, &n) >= 0);
	fedjit_strv_free(names);
	fedjit_store_close(s);
	return n;
}

struct fedjit_user *fx_user(struct fx *f, const char *name)
{
	struct fedjit_store *s = NULL;
	struct fedjit_user *u = NULL;

	if (fedjit_store_open(f->db, FEDJIT_STORE_RDONLY, &s) < 0)
		return NULL;
	(void)fedjit_store_get_user(s, name, &u);
	fedjit_store_close(s);
	return u;
}

size_t fx_gids(struct fx *f, const char *name, uint32_t *v, size_t max)
{
	struct fedjit_store *s = NULL;
	uint32_t *gids = NULL;
	size_t n = 0;

	assert_int_equal(fedjit_store_open(f->db, FEDJIT_STORE_RDONLY, &s), 0);
	assert_int_equal(fedjit_store_get_gids(s, name, &gids, &n), 0);
	fedjit_store_close(s);
	for (size_t i = 0; i < n && i < max; i++)
		v[i] = gids[i];
	free(gids);
	return n;
}

void fx_script(struct fx *f, const char *name, const char *body, char *path, size_t size)
{
	FILE *fp;

	snprintf(path, size, "%s/%s", f->dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fprintf(fp, "#!/bin/sh\n%s\n", body);
	fclose(fp);
	assert_int_equal(chmod(path, 0755), 0);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The harness of the PAM-level tests; see harness.h. */
#include "tests/pam/harness.h"

int fedjit_pt_conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	struct env *e = data;
	struct call *c;
	struct pam_response *r = calloc((size_t)n, sizeof(*r));

	assert_true(e->ncalls < MAX_CALLS);
	assert_true(n <= MAX_MSGS);
	assert_non_null(r);
	c = &e->calls[e->ncalls++];
	c->n = n;
	for (int i = 0; i < n; i++) {
		c->style[i] = msg[i]->msg_style;
		c->text[i] = strdup(msg[i]->msg);
		if (msg[i]->msg_style != PAM_PROMPT_ECHO_OFF &&
		    msg[i]->msg_style != PAM_PROMPT_ECHO_ON)
			continue;
		e->prompts++;
		if (e->prompts == 1 && e->prompt_delay)
			sleep(e->prompt_delay);
		if (e->prompts == e->fail_on_prompt) {
			free(r);
			return PAM_CONV_ERR;
		}
		if (e->prompts == e->go_on_prompt)
			close(open(e->go, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
		if (strstr(msg[i]->msg, "password"))
			r[i].resp = strdup("s3cret");
		else if (strstr(msg[i]->msg, "name"))
			r[i].resp = strdup("alice\x1b[2J"); /* refused: control character */
		else
			r[i].resp = strdup("");
	}
	*resp = r;
	return PAM_SUCCESS;
}

static const char *getenv_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return v && *v ? v : fallback;
}

int fedjit_pt_setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	const char *build = getenv_or("top_builddir", ".");
	FILE *f;

	assert_non_null(e);
	snprintf(e->dir, sizeof(e->dir), "%s/pamtest.XXXXXX", getenv_or("TMPDIR", "/tmp"));
	assert_non_null(mkdtemp(e->dir));
	snprintf(e->conf, sizeof(e->conf), "%s/fedjit.conf", e->dir);
	snprintf(e->confdir, sizeof(e->confdir), "%s/pam.d", e->dir);
	snprintf(e->log, sizeof(e->log), "%s.log", e->conf);
	snprintf(e->go, sizeof(e->go), "%s.go", e->conf);
	assert_non_null(realpath(build, e->module));
	strcpy(e->helper, e->module);
	strcat(e->module, "/pam/.libs/pam_fedjit.so");
	strcat(e->helper, "/tests/pam/fake_helper");
	assert_int_equal(mkdir(e->confdir, 0700), 0);
	f = fopen(e->conf, "w");
	assert_non_null(f);
	fputs("[idp corp]\nissuer = https://idp.test\nclient_id = fedjit\n", f);
	fclose(f);
	*state = e;
	return 0;
}

int fedjit_pt_teardown(void **state)
{
	struct env *e = *state;
	char cmd[600];

	for (int i = 0; i < e->ncalls; i++)
		for (int j = 0; j < e->calls[i].n; j++)
			free(e->calls[i].text[j]);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
	assert_int_equal(system(cmd), 0);
	free(e);
	return 0;
}

/* Writes the service file with these extra module arguments. */
void fedjit_pt_service(struct env *e, const char *args)
{
	char path[400];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", e->confdir, e->service ? e->service : "fedjit-test");
	f = fopen(path, "w");
	assert_non_null(f);
	for (const char *const *t = (const char *const[]){"auth", "account", "password", NULL}; *t;
	     t++)
		fprintf(f, "%s required %s config=%s helper=%s %s\n", *t, e->module, e->conf,
		        e->helper, args);
	/* libpam turns a stack of nothing but PAM_IGNORE into a failure: with
	 * pam_permit after the module, PAM_IGNORE shows as success. */
	if (e->permit_after)
		fputs("account required pam_permit.so\npassword required pam_permit.so\n", f);
	fclose(f);
}

int fedjit_pt_run(struct env *e, enum what what, const char *user, int flags)
{
	struct pam_conv c = {fedjit_pt_conv, e};
	pam_handle_t *pamh = NULL;
	int r, st;

	const void *final = NULL;

	assert_int_equal(pam_start_confdir(e->service ? e->service : "fedjit-test", user, &c,
	                                   e->confdir, &pamh),
	                 PAM_SUCCESS);
	(void)pam_set_item(pamh, PAM_RHOST, "203.0.113.9");
	if (what == AUTH)
		r = pam_authenticate(pamh, flags);
	else if (what == ACCT)
		r = pam_acct_mgmt(pamh, flags);
	else
		r = pam_chauthtok(pamh, flags);
	(void)pam_get_item(pamh, PAM_USER, &final);
	snprintf(e->final_user, sizeof(e->final_user), "%s", final ? (const char *) final : "");
	pam_end(pamh, r);
	/* No helper is ever left behind, running or as a zombie. */
	assert_int_equal(waitpid(-1, &st, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	return r;
}

/* The helper's log, "" when it did not run. */
char *fedjit_pt_helper_log(struct env *e)
{
	static char buf[8192];
	FILE *f = fopen(e->log, "r");
	size_t n = 0;

	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = 0;
	return buf;
}

bool fedjit_pt_has_msg(const struct call *c, int style, const char *needle)
{
	for (int i = 0; i < c->n; i++)
		if (c->style[i] == style && strstr(c->text[i], needle))
			return true;
	return false;
}

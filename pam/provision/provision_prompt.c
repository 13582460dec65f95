/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The questions provisioning asks the person (prompt = consent,
 * password+consent, username+password+consent), through the conversation
 * callback (in fedjit-helper: msg=prompt / msg=answer to the PAM module).
 * Nothing is written before every answer is in; "no" creates nothing.
 *
 * CONSENT TEXT, version FEDJIT_CONSENT_TEXT_VERSION: the lines built by
 * consent_text() below: which claim becomes which account attribute, with
 * the values, and the local groups. The exact text shown is what the consent
 * record (secret store) keeps as `what`, with the time and the version.
 *
 * LOCAL PASSWORDS: at least FEDJIT_PASSWORD_MIN characters (at most
 * FEDJIT_PASSWORD_MAX), at least two of the classes lower case, upper case,
 * digits, other; not containing the user name. Stored only as a yescrypt hash
 * (libcrypt, crypt_gensalt_ra("$y$") with its default cost).
 */
#include <crypt.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/escape.h"
#include "common/macro.h"
#include "pam/provision/provision_private.h"

#define FEDJIT_CONSENT_TEXT_VERSION 1
#define FEDJIT_PASSWORD_MIN         8
#define FEDJIT_PASSWORD_MAX         512
#define MAX_TRIES                   3

int fedjit_prov_ask(struct prov_run *run, enum fedjit_conv_style style, const char *text,
                    char **ret)
{
	const struct fedjit_prov_ctx *ctx = run->ctx;

	if (!ctx->conv)
		return -ENOTTY;
	return ctx->conv(style, text, ret, ctx->conv_userdata);
}

void fedjit_prov_tell(struct prov_run *run, const char *text)
{
	char *unused = NULL;

	if (run->ctx->conv)
		(void)run->ctx->conv(FEDJIT_CONV_INFO, text, &unused, run->ctx->conv_userdata);
	free(unused);
}

/* ---- user name ---- */

/* 0 when local is usable as a new account's name; -errno with a reason. */
static int name_usable(struct prov_run *run, const char *answer, char local[FEDJIT_NAME_MAX + 1],
                       char name[FEDJIT_CANONICAL_MAX + 1], char *reason, size_t size)
{
	const struct fedjit_prov_nss *nss = fedjit_prov_nss(run);
	int r;

	r = fedjit_name_fold(run->domain, answer, strlen(answer), local, reason, size);
	if (r >= 0)
		r = fedjit_name_policy_check(run->domain, FEDJIT_NAME_USER, local, reason, size);
	if (r >= 0)
		r = fedjit_name_canonical(run->domain, local, name, reason, size);
	if (r >= 0)
		r = fedjit_name_check_reserved(run->ctx->config, run->domain, name,
		                               nss->user_by_name, nss->userdata, reason, size);
	if (r < 0)
		return r;
	r = fedjit_prov_store_has_user(run, name);
	if (r == 0)
		r = nss->user_by_name(name, NULL, nss->userdata);
	if (r > 0) {
		snprintf(reason, size, "the name '%s' is taken", name);
		return -EEXIST;
	}
	return r;
}

int fedjit_prov_prompt_username(struct prov_run *run)
{
	char text[160], reason[FEDJIT_REASON_SIZE];

	snprintf(text, sizeof(text),
	         "Choose your user name on this computer [%s]: ", run->login.local);
	for (int i = 0; i < MAX_TRIES; i++) {
		_cleanup_free_ char *answer = NULL;
		char local[FEDJIT_NAME_MAX + 1], name[FEDJIT_CANONICAL_MAX + 1];
		int r = fedjit_prov_ask(run, FEDJIT_CONV_ECHO_ON, text, &answer);

		if (r == -ECANCELED)
			continue;
		if (r < 0)
			return r;
		r = name_usable(run, answer[0] ? answer : run->login.local, local, name, reason,
		                sizeof(reason));
		if (r == 0) {
			memcpy(run->local, local, sizeof(local));
			memcpy(run->name, name, sizeof(name));
			run->chosen = true;
			return 0;
		}
		if (r != -EINVAL && r != -EPERM && r != -EEXIST)
			return r;
		fedjit_prov_tell(run, reason);
	}
	fedjit_prov_result(run, "denied", "No usable user name was given.",
	                   "no usable user name after %d tries", MAX_TRIES);
	return 1;
}

/* ---- consent ---- */

/* The claims are shown escaped (common/escape.h): a gecos with a line break or a
 * terminal escape cannot forge lines of the question or hide what it asks. */
static int consent_text(struct prov_run *run, const struct prov_groups *g, char **ret)
{
	const struct fedjit_idp *idp = run->ctx->idp;
	const struct fedjit_identity *id = run->id;
	_cleanup_free_ char *groups = fedjit_prov_groups_join(g);
	char *s = NULL;
	int n;

	if (!groups)
		return -ENOMEM;
	n = asprintf(&s,
	             "Sign-in provider %s will create an account for you on this computer:\n"
	             "  user name   %s  (%s)\n"
	             "  full name   %s  (claim %s)\n"
	             "  email       %s  (claim %s)\n"
	             "  groups      %s  (claim %s)\n"
	             "Create this account? (yes/no) ",
	             idp->name, run->name,
	             run->chosen                                          ? "chosen by you"
	             : idp->username_from == FEDJIT_USERNAME_FROM_SUBJECT ? "from your subject id"
	                                                                  : idp->username_claim,
	             FEDJIT_ESC(id->gecos), idp->gecos_claim, FEDJIT_ESC(id->email),
	             idp->email_claim, groups[0] ? groups : "-", idp->groups_claim);
	if (n < 0)
		return -ENOMEM;
	*ret = s;
	return 0;
}

int fedjit_prov_prompt_consent(struct prov_run *run, const struct prov_groups *g)
{
	_cleanup_free_ char *text = NULL;
	int r = consent_text(run, g, &text);

	if (r < 0)
		return r;
	for (int i = 0; i < MAX_TRIES; i++) {
		_cleanup_free_ char *answer = NULL;

		r = fedjit_prov_ask(run, FEDJIT_CONV_ECHO_ON, text, &answer);
		if (r == -ECANCELED)
			break;
		if (r < 0)
			return r;
		if (strcasecmp(answer, "yes") == 0 || strcasecmp(answer, "y") == 0) {
			run->consent = text;
			text = NULL;
			return 0;
		}
		if (strcasecmp(answer, "no") == 0 || strcasecmp(answer, "n") == 0)
			break;
		fedjit_prov_tell(run, "Please answer yes or no.");
	}
	fedjit_prov_result(run, "denied", "No account was created.", "consent not given");
	return 1;
}

void fedjit_prov_consent_record(const struct prov_run *run, struct fedjit_consent *ret)
{
	*ret = (struct fedjit_consent){
	        .when = run->now,
	        .text_version = FEDJIT_CONSENT_TEXT_VERSION,
	        .idp = (char *)run->ctx->idp->name,
	        .what = run->consent,
	};
}

/* ---- passwords ---- */

int fedjit_password_check(const char *pw, const char *user, char *reason, size_t size)
{
	size_t len = strlen(pw);
	bool lower = false, upper = false, digit = false, other = false;

	if (len < FEDJIT_PASSWORD_MIN) {
		snprintf(reason, size, "The password must have at least %d characters.",
		         FEDJIT_PASSWORD_MIN);
		return -EINVAL;
	}
	if (len > FEDJIT_PASSWORD_MAX) {
		snprintf(reason, size, "The password must have at most %d characters.",
		         FEDJIT_PASSWORD_MAX);
		return -EINVAL;
	}
	for (const char *p = pw; *p; p++) {
		unsigned char c = (unsigned char)*p;
		lower |= c >= 'a' && c <= 'z';
		upper |= c >= 'A' && c <= 'Z';
		digit |= c >= '0' && c <= '9';
		other |= !isalnum(c);
	}
	if (lower + upper + digit + other < 2) {
		snprintf(reason, size,
		         "The password must mix at least two of: lower case, upper case, digits, "
		         "other characters.");
		return -EINVAL;
	}
	if (user && strlen(user) >= 3 && strcasestr(pw, user)) {
		snprintf(reason, size, "The password must not contain the user name.");
		return -EINVAL;
	}
	return 0;
}

int fedjit_password_hash(const char *pw, char **ret_hash)
{
	struct crypt_data *data = calloc(1, sizeof(*data));
	char *salt, *h, *copy = NULL;
	int r = 0;

	if (!data)
		return -ENOMEM;
	salt = crypt_gensalt_ra("$y$", 0, NULL, 0);
	if (!salt) {
		r = errno ? -errno : -EINVAL;
		goto out;
	}
	h = crypt_r(pw, salt, data);
	free(salt);
	if (!h || h[0] == '*' || strncmp(h, "$y$", 3) != 0) {
		r = -EINVAL;
		goto out;
	}
	copy = strdup(h);
	if (!copy)
		r = -ENOMEM;
	else
		*ret_hash = copy;
out:
	explicit_bzero(data, sizeof(*data));
	free(data);
	return r;
}

int fedjit_password_verify(const char *pw, const char *hash)
{
	struct crypt_data *data = calloc(1, sizeof(*data));
	unsigned char diff = 0;
	const char *h;
	size_t n;
	int r;

	if (!data)
		return -ENOMEM;
	h = crypt_r(pw, hash, data);
	if (!h || h[0] == '*') {
		r = 0;
	} else {
		n = strlen(hash);
		if (strlen(h) != n)
			diff = 1;
		for (size_t i = 0; i < n && !diff; i++)
			diff |= (unsigned char)(h[i] ^ hash[i]);
		r = diff == 0;
	}
	explicit_bzero(data, sizeof(*data));
	free(data);
	return r;
}

int fedjit_prov_prompt_password(struct prov_run *run, const char *user)
{
	char reason[160];

	for (int i = 0; i < MAX_TRIES; i++) {
		_cleanup_secret_ char *a = NULL;
		_cleanup_secret_ char *b = NULL;
		int r = fedjit_prov_ask(run, FEDJIT_CONV_ECHO_OFF, "New local password: ", &a);

		if (r == -ECANCELED)
			continue;
		if (r < 0)
			return r;
		if (fedjit_password_check(a, user, reason, sizeof(reason)) < 0) {
			fedjit_prov_tell(run, reason);
			continue;
		}
		r = fedjit_prov_ask(run, FEDJIT_CONV_ECHO_OFF, "Retype new local password: ", &b);
		if (r == -ECANCELED)
			continue;
		if (r < 0)
			return r;
		if (strcmp(a, b) != 0) {
			fedjit_prov_tell(run, "The passwords do not match.");
			continue;
		}
		return fedjit_password_hash(a, &run->pwhash);
	}
	fedjit_prov_result(run, "denied", "No usable password was given.",
	                   "no usable password after %d tries", MAX_TRIES);
	return 1;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* pam_fedjit.so module arguments; the list is documented in man/pam_fedjit.8. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pam/args.h"

static void report(fedjit_pam_args_report_fn fn, void *userdata, const char *arg, const char *why)
{
	if (fn)
		fn(userdata, arg, why);
}

/* The value after "key=" in arg, or NULL when arg is not that key. */
static const char *value_of(const char *arg, const char *key)
{
	size_t n = strlen(key);

	if (strncmp(arg, key, n) == 0 && arg[n] == '=')
		return arg + n + 1;
	return NULL;
}

static int parse_seconds(const char *s, unsigned *ret)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v == 0 || v > FEDJIT_PAM_TIMEOUT_MAX)
		return -ERANGE;
	*ret = (unsigned)v;
	return 0;
}

void fedjit_pam_args_parse(int argc, const char **argv, struct fedjit_pam_args *ret,
                           fedjit_pam_args_report_fn fn, void *userdata)
{
	struct fedjit_pam_args a = {0};
	const char *v;

	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i];

		if (!arg)
			continue;
		if (strcmp(arg, "debug") == 0)
			a.debug = true;
		else if (strcmp(arg, "nowait") == 0)
			a.nowait = true;
		else if (strcmp(arg, "noqr") == 0)
			a.noqr = true;
		else if (strcmp(arg, "switch_user") == 0)
			a.switch_user = true;
		else if ((v = value_of(arg, "timeout"))) {
			if (parse_seconds(v, &a.timeout) < 0)
				report(fn, userdata, arg, "expected seconds between 1 and 3600");
		} else if ((v = value_of(arg, "idp"))) {
			if (*v)
				a.idp = v;
			else
				report(fn, userdata, arg, "empty IdP name");
		} else if ((v = value_of(arg, "config"))) {
			if (*v == '/')
				a.config = v;
			else
				report(fn, userdata, arg, "expected an absolute path");
		} else if ((v = value_of(arg, "helper"))) {
			if (*v == '/')
				a.helper = v;
			else
				report(fn, userdata, arg, "expected an absolute path");
		} else
			report(fn, userdata, arg, "unknown argument");
	}
	*ret = a;
}

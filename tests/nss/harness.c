/* SPDX-License-Identifier: Apache-2.0 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "tests/nss/fixture.h"
#include "tests/nss/harness.h"

struct fedjit_test_nss_syms fedjit_test_nss;
char fedjit_test_tmpdir[] = "/tmp/fedjit-nss-test.XXXXXX";
char fedjit_test_db[256], fedjit_test_secret[256];

int fedjit_test_nss_setup(unsigned n_bulk)
{
	const char *top = getenv("top_builddir");
	char path[512];

	if (!mkdtemp(fedjit_test_tmpdir))
		return -1;
	snprintf(fedjit_test_db, sizeof(fedjit_test_db), "%s/fedjit.tdb", fedjit_test_tmpdir);
	snprintf(fedjit_test_secret, sizeof(fedjit_test_secret), "%s/secret.tdb",
	         fedjit_test_tmpdir);
	if (fedjit_test_nss_fixture(fedjit_test_db, fedjit_test_secret, n_bulk) < 0)
		return -1;
	setenv("FEDJIT_NSS_DB", fedjit_test_db, 1);
	setenv("FEDJIT_NSS_SECRET_DB", fedjit_test_secret, 1);
	unsetenv("FEDJIT_NSS_BYPASS");

	snprintf(path, sizeof(path), "%s/nss/.libs/libnss_fedjittest.so", top ? top : ".");
	void *mod = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!mod) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		return -1;
	}
#define LOAD(name)                                                                 \
	if (!(*(void **)&fedjit_test_nss.name = dlsym(mod, "_nss_fedjit_" #name))) \
		return -1;
	LOAD(getpwnam_r) LOAD(getpwuid_r) LOAD(setpwent) LOAD(getpwent_r) LOAD(endpwent);
	LOAD(getgrnam_r) LOAD(getgrgid_r) LOAD(setgrent) LOAD(getgrent_r) LOAD(endgrent);
	LOAD(initgroups_dyn) LOAD(getspnam_r) LOAD(setspent) LOAD(getspent_r) LOAD(endspent);
	LOAD(block);
	return 0;
}

int fedjit_test_nss_teardown(void)
{
	char cmd[512];
	/* the module stays loaded (-z nodelete, as glibc keeps NSS modules) */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fedjit_test_tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

void fedjit_test_recheck_wait(void)
{
	usleep((FEDJIT_NSS_RECHECK_MS + 50) * 1000);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the dlopen tests share: a temporary directory with fixture.h's store
 * and secret store, the environment pointing the test build of the module at
 * them, and the module's entry points looked up with dlsym() as glibc does.
 */
#pragma once

#include <stddef.h>

#include "nss/nss_fedjit.h"

/* Declared for typeof only; the module is reached through dlsym. */
FEDJIT_NSS_PROTOTYPES(extern);

#define FEDJIT_TEST_SYM(name) typeof(&_nss_fedjit_##name) name
struct fedjit_test_nss_syms {
	FEDJIT_TEST_SYM(getpwnam_r);
	FEDJIT_TEST_SYM(getpwuid_r);
	FEDJIT_TEST_SYM(setpwent);
	FEDJIT_TEST_SYM(getpwent_r);
	FEDJIT_TEST_SYM(endpwent);
	FEDJIT_TEST_SYM(getgrnam_r);
	FEDJIT_TEST_SYM(getgrgid_r);
	FEDJIT_TEST_SYM(setgrent);
	FEDJIT_TEST_SYM(getgrent_r);
	FEDJIT_TEST_SYM(endgrent);
	FEDJIT_TEST_SYM(initgroups_dyn);
	FEDJIT_TEST_SYM(getspnam_r);
	FEDJIT_TEST_SYM(setspent);
	FEDJIT_TEST_SYM(getspent_r);
	FEDJIT_TEST_SYM(endspent);
	FEDJIT_TEST_SYM(block);
};

extern struct fedjit_test_nss_syms fedjit_test_nss;
extern char fedjit_test_tmpdir[];
extern char fedjit_test_db[256], fedjit_test_secret[256];

/* cmocka group setup/teardown: n_bulk fixture users, module loaded. */
int fedjit_test_nss_setup(unsigned n_bulk);
int fedjit_test_nss_teardown(void);

/* Wait until the module looks for a replaced store file again (FEDJIT_NSS_RECHECK_MS). */
void fedjit_test_recheck_wait(void);

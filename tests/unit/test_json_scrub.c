/* SPDX-License-Identifier: Apache-2.0 */
/* jansson's frees are scrubbed once fedjit_json_scrub_install() ran (json_scrub.h). */
#include <jansson.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pam/idp/json_scrub.h"

/* The whole usable size is zeroed, not only the bytes asked for. */
static void test_scrub_block(void **state)
{
	unsigned char *p = malloc(100);

	assert_non_null(p);
	size_t n = malloc_usable_size(p);
	assert_true(n >= 100);
	/* byte by byte: memset past the size asked for would trip _FORTIFY_SOURCE
	 * (malloc_usable_size says the bytes are there; under ASan and valgrind it
	 * is the size asked for) */
	volatile unsigned char *v = p;
	for (size_t i = 0; i < n; i++)
		v[i] = 'S';
	fedjit_scrub_block(p);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(p[i], 0);
	free(p);
	fedjit_scrub_block(NULL);
	fedjit_scrub_free(NULL);
}

/* After install, jansson frees through fedjit_scrub_free. */
static void test_install(void **state)
{
	json_malloc_t m = NULL;
	json_free_t f = NULL;

	fedjit_json_scrub_install();
	json_get_alloc_funcs(&m, &f);
	assert_ptr_equal(f, fedjit_scrub_free);
	assert_ptr_equal(m, malloc);

	/* a token response's life: parsed, read, freed (under the sanitizers and
	 * valgrind this also proves the frees are sound) */
	char doc[5000];
	char secret[4000];
	memset(secret, 'k', sizeof(secret) - 1);
	secret[sizeof(secret) - 1] = '\0';
	snprintf(doc, sizeof(doc), "{\"access_token\":\"%s\",\"token_type\":\"Bearer\"}", secret);
	json_t *j = json_loads(doc, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "access_token")), secret);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_scrub_block),
	        cmocka_unit_test(test_install),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

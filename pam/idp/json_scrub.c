/* SPDX-License-Identifier: Apache-2.0 */
/* Scrubbed frees for jansson: see json_scrub.h. */
#include <jansson.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "pam/idp/json_scrub.h"

void fedjit_scrub_block(void *p)
{
	if (p)
		explicit_bzero(p, malloc_usable_size(p));
}

void fedjit_scrub_free(void *p)
{
	fedjit_scrub_block(p);
	free(p);
}

void fedjit_json_scrub_install(void)
{
	json_set_alloc_funcs(malloc, fedjit_scrub_free);
}

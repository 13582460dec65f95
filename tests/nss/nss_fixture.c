/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nss_fixture DB SECRET N_BULK: write fixture.h's accounts (for the shell tests).
 * nss_fixture --uid DOMAIN NAME MIN MAX: the uid idalloc.h gives when nothing is taken.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/idalloc.h"
#include "tests/nss/fixture.h"

int main(int argc, char **argv)
{
	/* --uid DOMAIN NAME MIN MAX: the documented allocation with nothing taken */
	if (argc == 6 && strcmp(argv[1], "--uid") == 0) {
		uint32_t id;
		if (fedjit_id_alloc_range(argv[2], argv[3], (uint32_t)strtoul(argv[4], NULL, 10),
		                          (uint32_t)strtoul(argv[5], NULL, 10), true, true, NULL,
		                          &id) < 0)
			return 1;
		printf("%u\n", id);
		return 0;
	}
	if (argc != 4) {
		fprintf(stderr, "usage: %s DB SECRET N_BULK\n", argv[0]);
		return 2;
	}
	int r = fedjit_test_nss_fixture(argv[1], argv[2], (unsigned)strtoul(argv[3], NULL, 10));
	if (r < 0) {
		fprintf(stderr, "%s: %s\n", argv[1], strerror(-r));
		return 1;
	}
	return 0;
}

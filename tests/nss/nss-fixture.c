/* SPDX-License-Identifier: Apache-2.0 */
/* nss-fixture DB SECRET N_BULK: write fixture.h's accounts (for the shell tests). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s DB SECRET N_BULK\n", argv[0]);
		return 2;
	}
	int r = nss_fixture_build(argv[1], argv[2], (unsigned)strtoul(argv[3], NULL, 10));
	if (r < 0) {
		fprintf(stderr, "%s: %s\n", argv[1], strerror(-r));
		return 1;
	}
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test tool: creates a linked account in a store through the store API, as provisioning
 * would, so helper tests can log in to existing accounts.
 * usage: mkaccount DB NAME UID IDP ISSUER SUBJECT [locked]
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/store.h"

int main(int argc, char **argv)
{
	struct fedjit_store *s = NULL;
	struct fedjit_user u = {0};
	char home[256];
	int r;

	if (argc != 7 && argc != 8) {
		fprintf(stderr, "usage: %s DB NAME UID IDP ISSUER SUBJECT [locked]\n", argv[0]);
		return 2;
	}
	snprintf(home, sizeof(home), "/home/%s", argv[2]);
	u.name = argv[2];
	u.uid = u.gid = (uint32_t)strtoul(argv[3], NULL, 10);
	u.gecos = argv[2];
	u.home = home;
	u.shell = "/bin/sh";
	u.domain = "PRIMARY";
	u.idp = argv[4];
	u.issuer = argv[5];
	u.subject = argv[6];
	u.created = (int64_t)time(NULL);
	u.flags = argc == 8 ? FEDJIT_USER_LOCKED : 0;
	r = fedjit_store_open(argv[1], FEDJIT_STORE_CREATE | FEDJIT_STORE_NOSYNC, &s);
	if (r < 0) {
		fprintf(stderr, "mkaccount: open %s: %s\n", argv[1], fedjit_store_strerror(r));
		return 1;
	}
	r = fedjit_store_create_account(s, &u, NULL, NULL, 0);
	fedjit_store_close(s);
	if (r < 0) {
		fprintf(stderr, "mkaccount: %s: %s\n", argv[2], fedjit_store_strerror(r));
		return 1;
	}
	return 0;
}

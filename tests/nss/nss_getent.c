/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nss_getent passwd NAME | uid UID: one lookup through glibc (so through
 * nsswitch.conf and the modules), printed like getent. Exit 0 found, 2 not.
 * The pre-auth tests bind-mount this program over /usr/sbin/sshd in a
 * private mount namespace, so that it *is* sshd for libnss_fedjit.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	struct passwd *pw;

	if (argc != 3) {
		fprintf(stderr, "usage: %s passwd NAME | uid UID\n", argv[0]);
		return 1;
	}
	errno = 0;
	if (strcmp(argv[1], "passwd") == 0)
		pw = getpwnam(argv[2]);
	else if (strcmp(argv[1], "uid") == 0)
		pw = getpwuid((uid_t)strtoul(argv[2], NULL, 10));
	else
		return 1;
	if (!pw)
		return 2;
	printf("%s:%s:%u:%u:%s:%s:%s\n", pw->pw_name, pw->pw_passwd, (unsigned)pw->pw_uid,
	       (unsigned)pw->pw_gid, pw->pw_gecos, pw->pw_dir, pw->pw_shell);
	return 0;
}

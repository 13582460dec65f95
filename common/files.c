/* SPDX-License-Identifier: Apache-2.0 */
/* /etc/passwd and /etc/group read directly, never through NSS (account_plan.h). */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include "common/account_plan.h"

int fedjit_files_find(const char *path, bool group, const char *name, uint32_t id, uint32_t *ret_id)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;

	char buf[4096];
	int found = 0, r;
	for (;;) {
		uint32_t eid;
		const char *ename;
		if (group) {
			struct group gr, *res;
			r = fgetgrent_r(f, &gr, buf, sizeof(buf), &res);
			if (r != 0)
				break;
			eid = gr.gr_gid;
			ename = gr.gr_name;
		} else {
			struct passwd pw, *res;
			r = fgetpwent_r(f, &pw, buf, sizeof(buf), &res);
			if (r != 0)
				break;
			eid = pw.pw_uid;
			ename = pw.pw_name;
		}
		if (name ? strcmp(ename, name) == 0 : eid == id) {
			if (ret_id)
				*ret_id = eid;
			found = 1;
			break;
		}
	}
	fclose(f);
	/* ERANGE: a line longer than buf; such a line is not ours to judge */
	if (!found && r != 0 && r != ENOENT && r != ERANGE)
		return -r;
	return found;
}

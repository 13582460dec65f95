/* SPDX-License-Identifier: Apache-2.0 */
/* audit_probe: exit 0 when this kernel takes audit records from us (audit_open works),
 * 1 otherwise; tests that read records back through tests/unit/audit_sink.c skip then. */
#include <libaudit.h>

int main(void)
{
	int fd = audit_open();

	if (fd < 0)
		return 1;
	audit_close(fd);
	return 0;
}

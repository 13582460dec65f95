/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The accounts every NSS test works with, written through the store's API:
 *   alice  uid 200001, private group, groups devs, ops and sudo (27, foreign)
 *   bob    uid 200002, private group, devs; a local password hash
 *   carol  uid 200003, locked, a local password hash
 *   dave   uid 200004, locked, no local password
 *   devs   gid 300001, members alice bob; ops 300002, alice; empty 300003
 *   sudo   gid 27, /etc/group's: a record of another source's group
 *          (FEDJIT_GROUP_FOREIGN) with the federated members alice and the
 *          bulk users, never enumerated
 *   n_bulk more users u000000.. (uid 400000 + i, private groups, sudo).
 */
#pragma once

#include <stdint.h>

#define FIX_BOB_HASH   "$y$j9T$Q8ahBNyFxBXjx0LSvjQKz.$Hy3ZrJ4UNZ5BLxnqk2p7rnmHh3FWoQtq2eJ5.FiT3iB"
#define FIX_CAROL_HASH "$6$salt$0123456789abcdef"
#define FIX_BULK_UID   400000u
#define FIX_SUDO_GID   27u

/* Build the store (and, if secret is not NULL, the secret store). 0 or -errno. */
int fedjit_test_nss_fixture(const char *db, const char *secret, unsigned n_bulk);

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * How long a writer of the store may take to finish a commit it started.
 * Commits hold back every signal that can be blocked (common/store.c), so
 * whoever stops a writer (the PAM module its helper, pam/proto/spawn.c; the
 * helper a provisioning hook) sends SIGTERM and waits this long before
 * SIGKILL, which cannot be held back. A login's commit writes a few kilobytes
 * with four fsyncs: about a millisecond on an ordinary disk; ten seconds
 * covers a disk thousands of times slower. Past that, the next root opener
 * rolls the commit back (store.h, Concurrency).
 */
#pragma once

#define FEDJIT_COMMIT_GRACE_S 10

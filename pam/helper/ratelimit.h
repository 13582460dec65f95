/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bounds on device flows that unauthenticated clients can start (SECURITY.md,
 * "Remote unauthenticated clients"): every SSH connection with a name fedjit may
 * provision would otherwise fork a helper and start a device authorization at the
 * IdP, without limit, pushing the host's client into the IdP's throttling.
 *
 * LIMITS ([global] keys, fedjit.conf(5)), checked by the root parent after the
 * pre-flow check and before the network child starts:
 *   max_device_flows              device flows in progress on the host (0: no limit)
 *   max_device_flows_per_address  ... from one remote address (PAM_RHOST; none: the
 *                                 address "local") (0: no limit)
 *   device_flow_spacing           seconds between the starts of two device flows for the
 *                                 same (name, address) (0: none), unless the first one
 *                                 ended with the person's answer at the IdP (signed in,
 *                                 or denied: a person is never delayed); spaces out what
 *                                 comes back without anyone answering: clients that take
 *                                 a code and go away (codes collected to phish with), a
 *                                 script in a loop
 * A refused sign-in gets status busy (PAM_MAXTRIES: sshd ends the connection).
 *
 * STATE, in run_dir (default /run/fedjit; created 0700 root, refused unless it is a
 * directory owned by root without group or other permissions). Every file is opened
 * with O_NOFOLLOW and used only when it is a regular file owned by root, mode 0600,
 * with one link; every lock is flock(LOCK_EX | LOCK_NB): nothing here ever waits.
 *   host.N        N in 0..max_device_flows-1: a slot, held (locked) by the helper whose
 *                 device flow it counts until that helper ends; the kernel drops the lock
 *                 when the process dies, so a crashed helper frees its slot
 *   addr-A.N      N in 0..max_device_flows_per_address-1: the same per address; A is the
 *                 address with every byte outside [A-Za-z0-9.:-] as '_', at most 64
 *                 bytes, then '~' and 16 hex digits of FNV-1a-64 of the whole address
 *                 (so names are bounded and distinct addresses stay apart)
 *   pair.K        K in 0..255 = FNV-1a-64(name "\0" address) mod 256: the spacing table;
 *                 content "name\0address", mtime the start of its last flow, emptied when
 *                 that flow ended with the person's answer. Another pair hashed to K
 *                 overwrites it (it forgets, never refuses a stranger)
 *   logged.KIND   KIND host, address or spacing: mtime of the last refusal logged, so
 *                 refusals are logged once per FEDJIT_RATELIMIT_LOG_WINDOW per kind
 * Files are never removed (their number is bounded by the configuration).
 * A state directory that cannot be used fails open: logged, no limit.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "common/config.h"

#define FEDJIT_RATELIMIT_LOG_WINDOW 60 /* seconds between two logged refusals of a kind */

enum fedjit_ratelimit_verdict {
	FEDJIT_RATELIMIT_OK = 0,
	FEDJIT_RATELIMIT_HOST,    /* max_device_flows reached */
	FEDJIT_RATELIMIT_ADDRESS, /* max_device_flows_per_address reached */
	FEDJIT_RATELIMIT_SPACING, /* device_flow_spacing not over */
};

struct fedjit_ratelimit {
	int dir_fd;  /* -1: no state (no limits, or the directory is unusable) */
	int host_fd; /* the slots held, -1 when none */
	int addr_fd;
	int pair_slot; /* index of the spacing entry, -1 when spacing is off */
	char pair[512];
	size_t pair_len;
	unsigned spacing;
};

/*
 * Takes the slots for one device flow of name from address (NULL: "local") at now.
 * FEDJIT_RATELIMIT_OK: go on, the slots are held until fedjit_ratelimit_end; otherwise
 * the limit that refused (logged once per window by kind) and nothing is held.
 * *rl is always initialised; never blocks.
 */
enum fedjit_ratelimit_verdict fedjit_ratelimit_begin(struct fedjit_ratelimit *rl,
                                                     const struct fedjit_global *g,
                                                     const char *name, const char *address,
                                                     time_t now);
/* Ends the flow: releases the slots; answered (the person signed in or denied at the
 * IdP) lifts the spacing for the pair. Safe to call twice. */
void fedjit_ratelimit_end(struct fedjit_ratelimit *rl, bool answered);
/* Closes the slot descriptors without touching the state (the forked network child). */
void fedjit_ratelimit_forget(struct fedjit_ratelimit *rl);
/* The message for the person and the log's words for a verdict. */
const char *fedjit_ratelimit_message(enum fedjit_ratelimit_verdict v);
const char *fedjit_ratelimit_reason(enum fedjit_ratelimit_verdict v);

/* SPDX-License-Identifier: Apache-2.0 */
/* nss_bench (nss_bench.c) and its data generator (nss_bench_data.c). */
#pragma once

#define UID_BASE    1000000u
#define SHARED_BASE 3000000u
/* Every user is a member of two shared groups, each of which has
 * SHARED_MEMBERS members: n_users * 2 / SHARED_MEMBERS shared groups (at
 * least 2), gNNNNN with gid SHARED_BASE + k. getgrnam looks them up. */
#define SHARED_MEMBERS 200u
unsigned fedjit_bench_shared(unsigned n_users);

/* uNNNNNNN, the name of user i; gNNNNN, the name of shared group k */
void fedjit_bench_user_name(char *buf, unsigned i);
void fedjit_bench_group_name(char *buf, unsigned k);
/* print "nss_bench: what: strerror" and exit 1 */
void fedjit_bench_die(const char *what, int r);
/*
 * Write n_users users into dir: fedjit.tdb (the store API creates it, the
 * record encoders fill it, BATCH users per transaction), passwd and group,
 * and libnss-cache's passwd.cache / group.cache with their sorted indexes.
 */
int fedjit_bench_generate(const char *dir, unsigned n_users);

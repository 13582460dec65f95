/* SPDX-License-Identifier: Apache-2.0 */
/* nss_bench (nss_bench.c) and its data generator (nss_bench_data.c). */
#pragma once

#define UID_BASE    1000000u
#define SHARED      100u
#define SHARED_BASE 3000000u

/* uNNNNNNN, the name of user i */
void fedjit_bench_user_name(char *buf, unsigned i);
/* print "nss_bench: what: strerror" and exit 1 */
void fedjit_bench_die(const char *what, int r);
/*
 * Write n_users users into dir: fedjit.tdb (the store API creates it, the
 * record encoders fill it, BATCH users per transaction), passwd and group,
 * and libnss-cache's passwd.cache / group.cache with their sorted indexes.
 */
int fedjit_bench_generate(const char *dir, unsigned n_users);

/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by names.c and names_reserved.c only: how a reason quotes a hostile name. */
#pragma once

#include <stddef.h>

/* How much of a hostile input a reason shows before "...". */
#define FEDJIT_NAME_QUOTE_INPUT_MAX 40
#define FEDJIT_NAME_QUOTE_SIZE      (FEDJIT_NAME_QUOTE_INPUT_MAX * 4 + 4)

/*
 * Render len bytes for a message (common/escape.h, ASCII only, quotes escaped), cut
 * after FEDJIT_NAME_QUOTE_INPUT_MAX bytes with "...". The result never holds a control
 * character, so it cannot forge log lines. Returns buf.
 */
const char *fedjit_name_quote(char buf[static FEDJIT_NAME_QUOTE_SIZE], const char *s, size_t len);
/* printf into reason (NULL or size 0: nothing). */
void fedjit_name_reason(char *reason, size_t reason_size, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

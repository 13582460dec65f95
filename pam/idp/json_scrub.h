/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Scrubbed frees for jansson. Token responses, ID token payloads and their
 * claims pass through jansson's own buffers (the parser's string buffer, each
 * string value's copy), which fedjit never sees and so cannot zero: once
 * installed, every block jansson frees is zeroed over its whole usable size
 * first. jansson has one allocator per process: every other user of jansson
 * in the helper gets its frees scrubbed too, which costs a memset per free and
 * nothing else.
 */
#pragma once

/* Make jansson allocate with malloc and free through fedjit_scrub_free. Call
 * once, early (blocks allocated before are plain malloc blocks: compatible). */
void fedjit_json_scrub_install(void);

/* Zero all of a malloc'ed block: its usable size, not the size asked for
 * (jansson's buffers grow by doubling; a secret may sit anywhere in them). */
void fedjit_scrub_block(void *p);

/* fedjit_scrub_block, then free. NULL is fine. */
void fedjit_scrub_free(void *p);

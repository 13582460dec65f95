/* SPDX-License-Identifier: Apache-2.0 */
/* Small helpers shared by every part: cleanup attributes and array sizes. */
#pragma once

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FEDJIT_ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define FEDJIT_EXPORT        __attribute__((visibility("default")))

static inline void fedjit_freep(void *p)
{
	free(*(void **)p);
}
#define _cleanup_free_ __attribute__((cleanup(fedjit_freep)))

static inline void fedjit_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}
#define _cleanup_close_ __attribute__((cleanup(fedjit_closep)))

/* Scrub and free a secret string. */
static inline void fedjit_secret_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}
static inline void fedjit_secret_freep(char **p)
{
	fedjit_secret_free(*p);
}
#define _cleanup_secret_ __attribute__((cleanup(fedjit_secret_freep)))

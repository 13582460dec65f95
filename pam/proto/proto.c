/* SPDX-License-Identifier: Apache-2.0 */
/* The module <-> helper frame codec; the format is documented in proto.h. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "pam/proto/proto.h"

#define HEADER 4

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint32_t get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool key_ok(const unsigned char *k, size_t n)
{
	if (n == 0 || n > FEDJIT_PROTO_MAX_KEY)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9') || k[i] == '_'))
			return false;
	return true;
}

/* Strict UTF-8 (no overlong forms, no surrogates, <= U+10FFFF) without control
 * characters other than TAB and LF: no NUL, CR, ESC, DEL, C1. */
static bool value_ok(const unsigned char *s, size_t n)
{
	if (n > FEDJIT_PROTO_MAX_VALUE)
		return false;
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		uint32_t cp;
		size_t len;

		if (c < 0x80) {
			if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
				return false;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			len = 2;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			cp = c & 0x07;
		} else
			return false;
		if (n - i < len)
			return false;
		for (size_t j = 1; j < len; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
			return false;
		i += len;
	}
	return true;
}

struct fedjit_msg *fedjit_msg_new(void)
{
	struct fedjit_msg *m = malloc(sizeof(*m));

	if (m) {
		m->len = 0;
		m->n_fields = 0;
	}
	return m;
}

static void msg_reset(struct fedjit_msg *m)
{
	explicit_bzero(m->buf, m->len);
	m->len = 0;
	m->n_fields = 0;
}

void fedjit_msg_free(struct fedjit_msg *m)
{
	if (!m)
		return;
	msg_reset(m);
	free(m);
}

static const char *field_key(const struct fedjit_msg *m, size_t i)
{
	return (const char *)m->buf + m->key_off[i];
}

const char *fedjit_msg_get(const struct fedjit_msg *m, const char *key)
{
	for (size_t i = 0; i < m->n_fields; i++)
		if (strcmp(field_key(m, i), key) == 0)
			return (const char *)m->buf + m->value_off[i];
	return NULL;
}

const char *fedjit_msg_type(const struct fedjit_msg *m)
{
	if (m->n_fields == 0)
		return "";
	return (const char *)m->buf + m->value_off[0];
}

int fedjit_msg_add(struct fedjit_msg *m, const char *key, const char *value)
{
	size_t kn, vn;

	if (!value)
		return 0;
	kn = strlen(key);
	vn = strlen(value);
	if (!key_ok((const unsigned char *)key, kn))
		return -EINVAL;
	if (vn > FEDJIT_PROTO_MAX_VALUE)
		return -E2BIG;
	if (!value_ok((const unsigned char *)value, vn))
		return -EINVAL;
	if (fedjit_msg_get(m, key))
		return -EEXIST;
	if (m->n_fields >= FEDJIT_PROTO_MAX_FIELDS)
		return -E2BIG;
	if (m->len == 0)
		m->len = HEADER;
	if (FEDJIT_PROTO_MAX_FRAME - m->len < kn + vn + 2)
		return -E2BIG;
	m->key_off[m->n_fields] = (uint32_t)m->len;
	memcpy(m->buf + m->len, key, kn + 1);
	m->len += kn + 1;
	m->value_off[m->n_fields] = (uint32_t)m->len;
	memcpy(m->buf + m->len, value, vn + 1);
	m->len += vn + 1;
	m->n_fields++;
	put_be32(m->buf, (uint32_t)(m->len - HEADER));
	return 0;
}

int fedjit_msg_add_uint(struct fedjit_msg *m, const char *key, uint64_t value)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64, value);
	return fedjit_msg_add(m, key, buf);
}

int fedjit_msg_add_bool(struct fedjit_msg *m, const char *key, bool value)
{
	return fedjit_msg_add(m, key, value ? "1" : "0");
}

int fedjit_msg_start(struct fedjit_msg *m, const char *type)
{
	int r;

	msg_reset(m);
	if (!type || !*type)
		return -EINVAL;
	r = fedjit_msg_add(m, "msg", type);
	if (r < 0)
		return r;
	return fedjit_msg_add(m, "v", FEDJIT_PROTO_VERSION);
}

int fedjit_msg_get_uint(const struct fedjit_msg *m, const char *key, uint64_t max,
                        uint64_t *ret_value)
{
	const char *s = fedjit_msg_get(m, key);
	uint64_t v = 0;

	if (!s)
		return -ENOENT;
	if (!*s || (s[0] == '0' && s[1]))
		return -EBADMSG;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EBADMSG;
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -EBADMSG;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v > max)
		return -EBADMSG;
	*ret_value = v;
	return 0;
}

int fedjit_msg_get_bool(const struct fedjit_msg *m, const char *key, bool *ret_value)
{
	const char *s = fedjit_msg_get(m, key);

	if (!s)
		return -ENOENT;
	if (strcmp(s, "0") != 0 && strcmp(s, "1") != 0)
		return -EBADMSG;
	*ret_value = s[0] == '1';
	return 0;
}

/* Parses the body already in m->buf[HEADER..len). */
static int parse_body(struct fedjit_msg *m)
{
	size_t pos = HEADER;

	m->n_fields = 0;
	while (pos < m->len) {
		const unsigned char *k = m->buf + pos, *v, *end;
		size_t kn, vn;

		if (m->n_fields >= FEDJIT_PROTO_MAX_FIELDS)
			return -EBADMSG;
		end = memchr(k, 0, m->len - pos);
		if (!end)
			return -EBADMSG;
		kn = (size_t)(end - k);
		if (!key_ok(k, kn))
			return -EBADMSG;
		pos += kn + 1;
		v = m->buf + pos;
		end = memchr(v, 0, m->len - pos);
		if (!end)
			return -EBADMSG;
		vn = (size_t)(end - v);
		if (!value_ok(v, vn))
			return -EBADMSG;
		if (fedjit_msg_get(m, (const char *)k))
			return -EBADMSG;
		m->key_off[m->n_fields] = (uint32_t)(k - m->buf);
		m->value_off[m->n_fields] = (uint32_t)(v - m->buf);
		m->n_fields++;
		pos += vn + 1;
	}
	if (m->n_fields == 0 || strcmp(field_key(m, 0), "msg") != 0 || !*fedjit_msg_type(m))
		return -EBADMSG;
	return 0;
}

static int check_length(const unsigned char *header, size_t *ret_body)
{
	uint32_t n = get_be32(header);

	if (n == 0 || n > FEDJIT_PROTO_MAX_FRAME - HEADER)
		return -EMSGSIZE;
	*ret_body = n;
	return 0;
}

int fedjit_msg_decode(struct fedjit_msg *m, const void *frame, size_t len)
{
	size_t body;
	int r;

	msg_reset(m);
	if (len < HEADER)
		return -EBADMSG;
	r = check_length(frame, &body);
	if (r < 0)
		return r;
	if (len != HEADER + body)
		return -EBADMSG;
	memcpy(m->buf, frame, len);
	m->len = len;
	r = parse_body(m);
	if (r < 0)
		msg_reset(m);
	return r;
}

uint64_t fedjit_proto_now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Waits for fd to become ready for events; 0, -ETIMEDOUT or -errno. */
static int wait_fd(int fd, short events, uint64_t deadline_usec)
{
	for (;;) {
		struct pollfd p = {.fd = fd, .events = events};
		int timeout = -1, r;

		if (deadline_usec) {
			uint64_t now = fedjit_proto_now_usec();
			/* Past the deadline, still take what is already there (a result
			 * that arrived while the person was at a prompt): poll once. */
			uint64_t rest =
			        now >= deadline_usec ? 0 : (deadline_usec - now + 999) / 1000;

			/* Rounded up so we never spin on a sub-millisecond rest. */
			timeout = rest > INT32_MAX ? INT32_MAX : (int)rest;
		}
		r = poll(&p, 1, timeout);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -ETIMEDOUT;
		if (p.revents & POLLNVAL)
			return -EBADF;
		/* POLLHUP/POLLERR: let the read or write report what happened. */
		return 0;
	}
}

int fedjit_msg_send(int fd, const struct fedjit_msg *m, uint64_t deadline_usec)
{
	size_t done = 0;

	if (m->n_fields == 0)
		return -EINVAL;
	while (done < m->len) {
		ssize_t n;
		int r = wait_fd(fd, POLLOUT, deadline_usec);

		if (r < 0)
			return r;
		n = send(fd, m->buf + done, m->len - done, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		done += (size_t)n;
	}
	return 0;
}

/* Reads exactly n bytes; -ECONNRESET on EOF (with *ret_got telling how much
 * arrived). */
static int read_full(int fd, unsigned char *p, size_t n, uint64_t deadline_usec, size_t *ret_got)
{
	size_t got = 0;
	int r = 0;

	while (got < n) {
		ssize_t k;

		r = wait_fd(fd, POLLIN, deadline_usec);
		if (r < 0)
			break;
		k = recv(fd, p + got, n - got, MSG_DONTWAIT);
		if (k < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			r = -errno;
			break;
		}
		if (k == 0) {
			r = -ECONNRESET;
			break;
		}
		got += (size_t)k;
	}
	*ret_got = got;
	return r;
}

int fedjit_msg_recv(int fd, struct fedjit_msg *m, uint64_t deadline_usec)
{
	size_t body, got;
	int r;

	msg_reset(m);
	r = read_full(fd, m->buf, HEADER, deadline_usec, &got);
	if (r == -ECONNRESET && got > 0)
		return -EBADMSG;
	if (r < 0)
		return r;
	r = check_length(m->buf, &body);
	if (r < 0)
		return r;
	r = read_full(fd, m->buf + HEADER, body, deadline_usec, &got);
	m->len = HEADER + got;
	if (r == -ECONNRESET)
		r = -EBADMSG;
	if (r == 0)
		r = parse_body(m);
	if (r < 0)
		msg_reset(m);
	return r;
}

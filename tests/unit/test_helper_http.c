/* SPDX-License-Identifier: Apache-2.0 */
/* The helper's HTTPS transport without a server: form encoding, https-only, connection
 * refused, timeouts. TLS, redirects and body caps are tested against the test IdP
 * (tests/helper/). */

#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "pam/helper/http.h"

static void test_form_add(void **state)
{
	char *form = NULL;

	assert_int_equal(fedjit_form_add(&form, "scope", "openid profile"), 0);
	assert_string_equal(form, "scope=openid+profile");
	assert_int_equal(fedjit_form_add(&form, "x", "a&b=c/d:é~"), 0);
	assert_string_equal(form, "scope=openid+profile&x=a%26b%3Dc%2Fd%3A%C3%A9%7E");
	assert_int_equal(fedjit_form_add(&form, "empty", ""), 0);
	assert_string_equal(form, "scope=openid+profile&x=a%26b%3Dc%2Fd%3A%C3%A9%7E&empty=");
	free(form);
}

static void test_form_encode(void **state)
{
	char *s = fedjit_form_encode("my client:id+1");

	assert_string_equal(s, "my+client%3Aid%2B1");
	free(s);
}

static void test_https_only(void **state)
{
	struct fedjit_http h = {.timeout_ms = 1000};
	struct fedjit_http_response resp = {0};
	char *reason = NULL;

	assert_int_equal(fedjit_http_get(&h, "http://127.0.0.1:1/x", 1024, &resp, &reason),
	                 -EPROTO);
	assert_non_null(strstr(reason, "only https"));
	free(reason);
	reason = NULL;
	assert_int_equal(fedjit_http_post_form(&h, "file:///etc/passwd", "a=b", NULL, NULL, 1024,
	                                       &resp, &reason),
	                 -EPROTO);
	free(reason);
	assert_int_equal(h.n_requests, 0);
	assert_null(resp.body);
}

/* A port that nobody listens on: bind, read the port, close. */
static int free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

static void test_connection_refused(void **state)
{
	struct fedjit_http h = {.timeout_ms = 5000};
	struct fedjit_http_response resp = {0};
	char url[64], *reason = NULL;

	snprintf(url, sizeof(url), "https://127.0.0.1:%d/", free_port());
	assert_int_equal(fedjit_http_get(&h, url, 1024, &resp, &reason), -ECONNREFUSED);
	assert_non_null(reason);
	free(reason);
	assert_int_equal(h.n_requests, 1);
	/* the handle is reused for the next request */
	assert_int_equal(fedjit_http_get(&h, url, 1024, &resp, NULL), -ECONNREFUSED);
	assert_int_equal(h.n_requests, 2);
	fedjit_http_close(&h);
	fedjit_http_close(&h);
}

/* A listener that never accepts: the kernel completes the TCP handshake, TLS never
 * starts, so only the request timeout ends the call. */
static void test_timeout(void **state)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	struct fedjit_http h = {.timeout_ms = 300};
	struct fedjit_http_response resp = {0};
	char url[64], *reason = NULL;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/", ntohs(a.sin_port));
	assert_int_equal(
	        fedjit_http_post_form(&h, url, "a=b", "id", "secret", 1024, &resp, &reason),
	        -ETIMEDOUT);
	assert_non_null(strstr(reason, "timed out"));
	free(reason);
	fedjit_http_close(&h);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_form_add),   cmocka_unit_test(test_form_encode),
	        cmocka_unit_test(test_https_only), cmocka_unit_test(test_connection_refused),
	        cmocka_unit_test(test_timeout),
	};
	int r;

	if (fedjit_http_global_init() < 0)
		return 1;
	r = cmocka_run_group_tests(tests, NULL, NULL);
	fedjit_http_global_cleanup();
	return r;
}

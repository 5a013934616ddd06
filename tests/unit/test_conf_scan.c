/* Unit tests for src/conf: syntax errors and limits, conf_load's errors and
 * the generic scanner (conf_scan). The keys: test_conf.c. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/klog.h"
#include "conf/conf.h"
#include "tests/lib/conft.h"

/* ---- syntax and limits --------------------------------------------------- */

static void test_syntax(void **state)
{
	conft_expect_err("\n\nlog_levle = info\n", -EINVAL, 3,
			 "unknown key 'log_levle'");
	conft_expect_err("dtls_mtu = 1200\n# c\ndtls_mtu = 1200\n", -EINVAL, 3,
			 "dtls_mtu: duplicate key (first set on line 1)");
	conft_expect_err("srtp_profiles = SRTP_AES128_CM_SHA1_80\n"
			 "srtp_profiles = SRTP_AES128_CM_SHA1_80\n",
			 -EINVAL, 2, "duplicate key");
	conft_expect_err("# c\ndtls_mtu 1200\n", -EBADMSG, 2,
			 "missing '=' (expected \"key = value\")");
	conft_expect_err("dtls_mtu\n", -EBADMSG, 1, "missing '='");
	conft_expect_err("\n = 1200\n", -EBADMSG, 2, "empty key before '='");
	conft_expect_err("=\n", -EBADMSG, 1, "empty key");
	conft_expect_err("dtls mtu = 1200\n", -EBADMSG, 1, "bad key 'dtls mtu'");
	conft_expect_err("dtls_mtu: = 1200\n", -EBADMSG, 1, "bad key");
	conft_expect_err("dtls_mtu = 1200\n\x01\n", -EBADMSG, 2,
			 "control character 0x01");
	conft_expect_err("dtls_mtu = 12\r00\n", -EBADMSG, 1, "control character 0x0d");
	conft_expect_err("dtls_mtu = 1200\x7f\n", -EBADMSG, 1,
			 "control character 0x7f");
	conft_expect_err("srtp_profiles = a a a a a a a a a a a a a a a a a\n",
			 -EMSGSIZE, 1, "srtp_profiles: more than 16 values");
	/* 16 values are scanned; the profile parser then refuses them. */
	conft_expect_err("srtp_profiles = a a a a a a a a a a a a a a a a\n", -EINVAL,
			 1, "unknown profile 'a'");
}

static void test_embedded_nul(void **state)
{
	static const char text[] = "dtls_mtu = 1200\n# c\nlog_level = in\0fo\n";

	conft_expect_err_n(text, sizeof(text) - 1, -EBADMSG, 3, "NUL byte in line");
	/* A NUL at the very end (a C string's terminator passed by mistake). */
	conft_expect_err_n("dtls_mtu = 1200\n", sizeof("dtls_mtu = 1200\n"), -EBADMSG,
			   2, "NUL byte");
}

static void test_line_limit(void **state)
{
	char text[CONF_LINE_MAX + 64];
	struct conf c;
	size_t n;

	/* A comment line of exactly CONF_LINE_MAX bytes (plus "\r\n") is
	 * fine; one byte more is refused. */
	memset(text, 0, sizeof(text));
	n = (size_t)snprintf(text, sizeof(text), "dtls_mtu = 1200\n");
	memset(text + n, '#', CONF_LINE_MAX);
	memcpy(text + n + CONF_LINE_MAX, "\r\nlog_level = err\n", 18);
	conft_expect_ok(text, &c);
	assert_int_equal(c.log_level, KLOG_ERR);
	memset(text + n, '#', CONF_LINE_MAX + 1);
	memcpy(text + n + CONF_LINE_MAX + 1, "\nlog_level = err\n", 18);
	conft_expect_err(text, -EMSGSIZE, 2, "line longer than 1024 bytes");
	/* The last line without a newline is measured too. */
	memset(text, '#', CONF_LINE_MAX + 1);
	text[CONF_LINE_MAX + 1] = '\0';
	conft_expect_err(text, -EMSGSIZE, 1, "line longer than 1024 bytes");
}

static void test_file_limit(void **state)
{
	size_t n = CONF_FILE_MAX + 1;
	char *text = malloc(n + 1);
	struct conf c;

	assert_non_null(text);
	/* 64 KiB of short comment lines is fine; one byte more is not. */
	for (size_t i = 0; i < n; i++)
		text[i] = (i % 64 == 63) ? '\n' : '#';
	text[n] = '\0';
	text[CONF_FILE_MAX - 1] = '\n';
	conft_expect_err_n(text, n, -EMSGSIZE, 0, "larger than 65536 bytes");
	text[CONF_FILE_MAX] = '\0';
	conft_expect_ok(text, &c);
	free(text);
}

/* ---- conf_load ------------------------------------------------------------ */

static void test_load_errors(void **state)
{
	char err[CONFT_ERRLEN], path[] = "/tmp/test_conf_XXXXXX";
	struct conf c;
	char *big;
	int fd;

	assert_int_equal(conf_load(&c, "conf/no-such-file.conf", err,
				   sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "conf/no-such-file.conf: cannot open: "
				 "No such file or directory");
	assert_int_equal(conf_load(&c, "conf", err, sizeof(err)), -EISDIR);
	assert_memory_equal(err, "conf: cannot read: ", 19);

	/* A file over the limit, and a bad file blamed by path and line. */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	big = malloc(CONF_FILE_MAX + 100);
	assert_non_null(big);
	memset(big, '\n', CONF_FILE_MAX + 100);
	assert_int_equal(write(fd, big, CONF_FILE_MAX + 100),
			 CONF_FILE_MAX + 100);
	free(big);
	assert_int_equal(conf_load(&c, path, err, sizeof(err)), -EMSGSIZE);
	assert_memory_equal(err, path, strlen(path));
	assert_string_equal(err + strlen(path), ": larger than 65536 bytes");

	assert_int_equal(ftruncate(fd, 0), 0);
	assert_int_equal(pwrite(fd, "dtls_mtu = 1200\n\ndtls_mtu = 100\n", 32,
				0),
			 32);
	close(fd);
	assert_int_equal(conf_load(&c, path, err, sizeof(err)), -EINVAL);
	assert_memory_equal(err, path, strlen(path));
	assert_string_equal(err + strlen(path),
			    ":3: dtls_mtu: duplicate key (first set on line 1)");
	unlink(path);

	/* No error buffer, or a tiny one: still the right code, no overflow. */
	assert_int_equal(conf_load(&c, "conf/no-such-file.conf", NULL, 0),
			 -ENOENT);
	assert_int_equal(conf_load(&c, "conf/no-such-file.conf", err, 5),
			 -ENOENT);
	assert_string_equal(err, "conf");
}

/* ---- the generic scanner ----------------------------------------------------- */

struct collect {
	char out[512];
	unsigned calls;
	int fail_on;		/* call number to fail, 0: never */
};

static int collect_h(void *arg, const struct conf_line *l, char *err,
		     size_t errlen)
{
	struct collect *co = arg;
	size_t n = strlen(co->out);

	co->calls++;
	if (co->fail_on && co->calls == (unsigned)co->fail_on) {
		conf_errf(err, errlen, l->name, l->lineno, "%s: refused",
			  l->key);
		return -ENOTSUP;
	}
	n += (size_t)snprintf(co->out + n, sizeof(co->out) - n, "%u:%s=",
			      l->lineno, l->key);
	for (size_t i = 0; i < l->n_vals; i++)
		n += (size_t)snprintf(co->out + n, sizeof(co->out) - n, "[%s]",
				      l->vals[i]);
	snprintf(co->out + n, sizeof(co->out) - n, ";");
	return 0;
}

static void test_scan(void **state)
{
	static const char text[] =
		"# trunk\n"
		"peer = 192.0.2.1:5060\n"
		"\tmatch.uri = ^sip:\\+1 a#b x=y   # comment\r\n"
		"empty =\n"
		"rule-2=  one\t two  \n";
	struct collect co = { .out = "" };
	char err[CONFT_ERRLEN] = "X";

	assert_int_equal(conf_scan("trunk.conf", text, sizeof(text) - 1,
				   collect_h, &co, err, sizeof(err)),
			 0);
	assert_string_equal(err, "");
	assert_string_equal(co.out, "2:peer=[192.0.2.1:5060];"
				    "3:match.uri=[^sip:\\+1][a#b][x=y];"
				    "4:empty=;"
				    "5:rule-2=[one][two];");

	/* The handler's error stops the scan and comes back unchanged. */
	memset(&co, 0, sizeof(co));
	co.fail_on = 2;
	assert_int_equal(conf_scan("trunk.conf", text, sizeof(text) - 1,
				   collect_h, &co, err, sizeof(err)),
			 -ENOTSUP);
	assert_string_equal(err, "trunk.conf:3: match.uri: refused");
	assert_int_equal(co.calls, 2);

	/* Bad arguments. */
	assert_int_equal(conf_scan("x", NULL, 1, collect_h, &co, err,
				   sizeof(err)),
			 -EINVAL);
	assert_int_equal(conf_scan("x", "", 0, NULL, &co, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(conf_scan("x", NULL, 0, collect_h, &co, NULL, 0), 0);

	/* conf_errf: no line, truncation. */
	conf_errf(err, sizeof(err), "f", 0, "m %d", 1);
	assert_string_equal(err, "f: m 1");
	conf_errf(err, 6, "file", 12, "long message");
	assert_string_equal(err, "file:");
	conf_errf(NULL, 0, "f", 1, "nothing");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_embedded_nul),
		cmocka_unit_test(test_line_limit),
		cmocka_unit_test(test_file_limit),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_scan),
	};

	return cmocka_run_group_tests_name("conf_scan", tests, NULL, NULL);
}

/*
 * libFuzzer target for src/trunk: the trunk file parser and the set's
 * cross-file checks. The input is split on "\n%%\n" into up to four files
 * (f0.conf, f1.conf, ...) so that routes between files, duplicate names
 * and side checks are reached. Beyond "no crash, no leak, no UB, no hang"
 * it checks the contract: a failure comes with a message naming one of
 * the files (or "(trunks)"); a success gives a set whose every trunk has
 * a valid side and peer and whose lookups (running the fuzzed patterns
 * under the match limit) return only documented codes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/klog.h"
#include "trunk/trunk.h"

#define FILES_MAX 4

static void check(int ok)
{
	if (!ok)
		abort();
}

static void lookups(struct trunk_set *s)
{
	static const char *const ruris[] = {
		"sip:+12025550123@192.0.2.1;user=phone", "tel:+4930123456",
		"sips:alice@[2001:db8::1]:5061", "sip:192.0.2.1",
	};
	char out[TRUNK_URI_MAX + 1];

	for (size_t i = 0; i < sizeof(ruris) / sizeof(ruris[0]); i++) {
		const struct trunk *in = NULL, *to = NULL;
		int r = trunk_classify(s, ruris[i], "sip:bob@192.0.2.9",
				       i % 2 ? "2001:db8::9" : "192.0.2.9",
				       5060, &in);

		check(r == 0 || r == -ENOENT || r == -ENOBUFS || r == -EIO);
		check((r == 0) == (in != NULL));
		if (!in)
			in = trunk_set_at(s, i % trunk_set_count(s));
		r = trunk_route(s, in, ruris[i], out, sizeof(out), &to);
		check(r == 0 || r == -ENOENT || r == -ENOBUFS || r == -EIO ||
		      r == -EBADMSG || r == -EMSGSIZE);
		if (r == 0) {
			check(to != NULL && trunk_side(to) != trunk_side(in));
			check(strlen(out) < sizeof(out));
		} else {
			check(to == NULL && out[0] == '\0');
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[FILES_MAX] = {
		"f0.conf", "f1.conf", "f2.conf", "f3.conf"
	};
	struct trunk_file f[FILES_MAX];
	const char *p = (const char *)data, *end = p + size;
	struct trunk_set *s = NULL;
	char err[256];
	size_t n = 0;
	int r;

	klog_set_level(KLOG_ERR);	/* match-limit warnings are expected */
	while (n < FILES_MAX) {
		const char *sep = memmem(p, (size_t)(end - p), "\n%%\n", 4);

		f[n].path = names[n];
		f[n].text = p;
		f[n].len = sep && n + 1 < FILES_MAX ? (size_t)(sep - p) :
						       (size_t)(end - p);
		n++;
		if (!sep || n == FILES_MAX)
			break;
		p = sep + 4;
	}
	r = trunk_set_parse(&s, f, n, err, sizeof(err));
	check(memchr(err, '\0', sizeof(err)) != NULL);
	if (r < 0) {
		check(s == NULL);
		check(strncmp(err, "f", 1) == 0 || strncmp(err, "(trunks)", 8) == 0);
		return 0;
	}
	check(err[0] == '\0' && trunk_set_count(s) == n);
	for (size_t i = 0; i < n; i++) {
		const struct trunk *t = trunk_set_at(s, i);

		check(trunk_side(t) == TRUNK_SIDE_SDES ||
		      trunk_side(t) == TRUNK_SIDE_DTLS);
		check(trunk_peer_port(t) != 0 && trunk_name(t)[0] != '\0');
		check(trunk_set_find(s, trunk_name(t)) == t);
	}
	lookups(trunk_set_ref(s));
	trunk_set_unref(s);
	trunk_set_free(s);
	return 0;
}

/*
 * libFuzzer target for src/conf: conf_parse() over fresh defaults on every
 * input. Beyond "no crash, no leak, no UB" it checks the contract: a
 * failure comes with a "fuzz.conf:..." message, a success leaves every
 * field inside its documented range (conf.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"

static void check(int ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf c;
	char err[256];
	int r;

	conf_defaults(&c);
	r = conf_parse(&c, "fuzz.conf", (const char *)data, size, err,
		       sizeof(err));
	check(memchr(err, '\0', sizeof(err)) != NULL);
	if (r < 0) {
		check(strncmp(err, "fuzz.conf:", 10) == 0);
		return 0;
	}
	check(r == 0 && err[0] == '\0');
	check(c.log_level >= 0 && c.log_level <= 3);
	check(memchr(c.certificate, '\0', sizeof(c.certificate)) != NULL);
	check(memchr(c.private_key, '\0', sizeof(c.private_key)) != NULL);
	check(memchr(c.media_address, '\0', sizeof(c.media_address)) != NULL);
	check((strcmp(c.certificate, "auto") == 0) == (c.private_key[0] == '\0'));
	check(c.n_profiles >= 1 && c.n_profiles <= CONF_PROFILES_MAX);
	for (size_t i = 0; i < c.n_profiles; i++) {
		int p = c.profiles[i];

		check(p == 1 || p == 2 || p == 7 || p == 8);
		for (size_t j = 0; j < i; j++)
			check(c.profiles[j] != p);
	}
	check(c.ktr_extension >= 0xff00 && c.ktr_extension != 0xff01);
	check(c.ktr_max_fragment >= 1 && c.ktr_max_fragment <= 16384);
	check(c.ktr_max_message >= 64 && c.ktr_max_message <= 65536);
	check(c.ktr_max_pending >= 1 && c.ktr_max_pending <= 64);
	check(c.ktr_reassembly_timeout_ms >= 100 &&
	      c.ktr_reassembly_timeout_ms <= 60000);
	check(c.ktr_retransmit_initial_ms >= 10 &&
	      c.ktr_retransmit_initial_ms <= 10000);
	check(c.ktr_retransmit_max_ms >= c.ktr_retransmit_initial_ms &&
	      c.ktr_retransmit_max_ms <= 60000);
	check(c.ktr_retransmit_limit >= 1 && c.ktr_retransmit_limit <= 64);
	check(c.ktr_activate_ahead >= 1 && c.ktr_activate_ahead <= 65535);
	check(c.dtls_mtu >= 256 && c.dtls_mtu <= 9000);
	check(c.dtls_handshake_timeout_ms >= 1000 &&
	      c.dtls_handshake_timeout_ms <= 120000);
	check(c.media_port_min >= 1024 && c.media_port_min <= c.media_port_max);
	return 0;
}

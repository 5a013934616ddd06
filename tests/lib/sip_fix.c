/* sip_fix: ports and TLS certificates for the sip/ tests (see sip_fix.h). */
#include "tests/lib/sip_fix.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

uint16_t sip_fix_free_port(void)
{
	for (int tries = 0; tries < 50; tries++) {
		struct sockaddr_in a = { .sin_family = AF_INET };
		socklen_t al = sizeof(a);
		int t = socket(AF_INET, SOCK_STREAM, 0), u, t2;
		uint16_t port;
		bool ok;

		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (t < 0 || bind(t, (void *)&a, sizeof(a)) ||
		    getsockname(t, (void *)&a, &al)) {
			if (t >= 0)
				close(t);
			continue;
		}
		port = ntohs(a.sin_port);
		if (port >= 65000) {
			close(t);
			continue;
		}
		u = socket(AF_INET, SOCK_DGRAM, 0);
		ok = u >= 0 && bind(u, (void *)&a, sizeof(a)) == 0;
		a.sin_port = htons(port + 1);
		t2 = socket(AF_INET, SOCK_STREAM, 0);
		ok = ok && t2 >= 0 && bind(t2, (void *)&a, sizeof(a)) == 0;
		close(t);
		if (u >= 0)
			close(u);
		if (t2 >= 0)
			close(t2);
		if (ok)
			return port;
	}
	return 0;
}

void sip_fix_tls_dir_make(char *dir, size_t size, const char *tmpl)
{
	char cmd[512];

	snprintf(dir, size, "%s", tmpl);
	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd),
		 "cd %s && timeout 30 openssl req -x509 -newkey ec "
		 "-pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
		 "-subj /CN=127.0.0.1 -keyout key.pem -out cert.pem "
		 ">/dev/null 2>&1 && cat key.pem cert.pem > agent.pem && "
		 "cp cert.pem cafile.pem", dir);
	assert_int_equal(system(cmd), 0);
}

void sip_fix_tls_dir_rm(const char *dir)
{
	char cmd[128];

	if (!dir[0])
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

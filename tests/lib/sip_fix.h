/*
 * sip_fix (test helper): what the sip/ integration tests
 * (tests/integ/test_sip_ua.c, test_sip_sipp.c) need around a sip_ua: free
 * ports on 127.0.0.1 and a throwaway TLS certificate directory. cmocka
 * assertions: call from a test.
 */
#ifndef KTRSBC_TEST_SIP_FIX_H
#define KTRSBC_TEST_SIP_FIX_H

#include <stddef.h>
#include <stdint.h>

/* A port free on 127.0.0.1 for both UDP and TCP, with port+1 free for TCP
 * (TLS); below 65000. 0 when none was found in 50 tries. */
uint16_t sip_fix_free_port(void);

/* A new directory from the mkdtemp(3) template tmpl (copied into dir of
 * size bytes) holding a self-signed certificate for 127.0.0.1 in Sofia's
 * layout (agent.pem = key + cert, cafile.pem). */
void sip_fix_tls_dir_make(char *dir, size_t size, const char *tmpl);
/* Removes such a directory; an empty dir ("": none made) is fine. */
void sip_fix_tls_dir_rm(const char *dir);

#endif

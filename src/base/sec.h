/*
 * sec: key-material hygiene. Keys come from a CSPRNG (RFC 4086) and are
 * wiped when dropped; comparisons of secrets run in constant time.
 */
#ifndef KTRSBC_SEC_H
#define KTRSBC_SEC_H

#include <stddef.h>

/* Fill buf with n bytes from OpenSSL's CSPRNG. 0 or -EIO. */
int sec_random(void *buf, size_t n);
/* Overwrite n bytes in a way the compiler may not elide. */
void sec_wipe(void *buf, size_t n);
/* Constant-time equality: 1 when equal. */
int sec_equal(const void *a, const void *b, size_t n);

#endif

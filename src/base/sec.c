/* sec: CSPRNG, wiping and constant-time compare on OpenSSL (see sec.h). */
#include "sec.h"

#include <errno.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

int sec_random(void *buf, size_t n)
{
	if (n > INT_MAX)
		return -EINVAL;
	return RAND_bytes(buf, (int)n) == 1 ? 0 : -EIO;
}

void sec_wipe(void *buf, size_t n)
{
	if (buf && n)
		OPENSSL_cleanse(buf, n);
}

int sec_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

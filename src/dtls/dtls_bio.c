/*
 * dtls_bio: the datagram BIO between OpenSSL and a dtls_conn.
 *
 * One UDP port carries DTLS, STUN and SRTP (RFC 5764 5.1.2, RFC 7983), so
 * OpenSSL may not own the socket: reads return the one datagram the owner
 * is feeding through dtls_conn_input() (or "retry" when there is none);
 * writes hand each datagram to ops->send. OpenSSL's DTLS writes exactly one
 * datagram per BIO_write and reads one datagram per BIO_read.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "base/klog.h"
#include "dtls/dtls_priv.h"

static int bio_type = -1;
static pthread_once_t bio_type_once = PTHREAD_ONCE_INIT;

static void bio_type_init(void)
{
	int idx = BIO_get_new_index();

	bio_type = idx > 0 ? (idx | BIO_TYPE_SOURCE_SINK) : -1;
}

static int bio_create(BIO *b)
{
	BIO_set_init(b, 1);
	return 1;
}

static int bio_write(BIO *b, const char *data, int len)
{
	struct dtls_conn *d = BIO_get_data(b);
	int rc;

	BIO_clear_retry_flags(b);
	if (!d || len < 0)
		return -1;
	rc = d->ops.send(d->arg, (const uint8_t *)data, (size_t)len);
	if (rc < 0)
		klog(KLOG_DEBUG, "dtls: send of %d bytes failed: %d (treated as lost)", len, rc);
	/* UDP semantics: a failed send is a lost datagram; the DTLS timers
	 * retransmit. Reporting an error here would kill the association. */
	return len;
}

static int bio_read(BIO *b, char *out, int cap)
{
	struct dtls_conn *d = BIO_get_data(b);
	size_t n;

	BIO_clear_retry_flags(b);
	if (!d || !d->in || cap <= 0) {
		BIO_set_retry_read(b);
		return -1;
	}
	/* Datagram semantics: a datagram larger than the buffer is truncated;
	 * OpenSSL's buffer holds the largest record, so that only drops junk. */
	n = d->in_len < (size_t)cap ? d->in_len : (size_t)cap;
	memcpy(out, d->in, n);
	d->in = NULL;
	d->in_len = 0;
	return (int)n;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	switch (cmd) {
	case BIO_CTRL_FLUSH:
		return 1;
	case BIO_CTRL_PENDING:
	case BIO_CTRL_WPENDING:
		return 0;
	case BIO_CTRL_DGRAM_QUERY_MTU:
	case BIO_CTRL_DGRAM_GET_FALLBACK_MTU: {
		struct dtls_conn *d = BIO_get_data(b);

		return d ? (long)d->ctx->mtu : (long)DTLS_MTU_DEFAULT;
	}
	case BIO_CTRL_DGRAM_GET_MTU_OVERHEAD:
		/* The configured MTU is the datagram size, not the IP MTU. */
		return 0;
	default:
		/* SET_NEXT_TIMEOUT, SET_CONNECTED, MTU_EXCEEDED, ...: no socket. */
		return 0;
	}
}

BIO_METHOD *dtls_bio_meth_new(void)
{
	BIO_METHOD *m;

	pthread_once(&bio_type_once, bio_type_init);
	if (bio_type < 0)
		return NULL;
	m = BIO_meth_new(bio_type, "ktrsbc dtls datagram");
	if (!m)
		return NULL;
	if (!BIO_meth_set_write(m, bio_write) || !BIO_meth_set_read(m, bio_read) ||
	    !BIO_meth_set_ctrl(m, bio_ctrl) || !BIO_meth_set_create(m, bio_create)) {
		BIO_meth_free(m);
		return NULL;
	}
	return m;
}

BIO *dtls_bio_new(struct dtls_conn *d)
{
	BIO *b = BIO_new(d->ctx->bio_meth);

	if (b)
		BIO_set_data(b, d);
	return b;
}

/*
 * dtls_conn: one DTLS-SRTP association (see dtls.h). Non-blocking: every
 * step runs inside dtls_conn_start/input/timer/write; datagrams go out
 * through ops->send via the BIO of dtls_bio.c.
 *
 * Flow (RFC 6347 4.2.4): the client sends ClientHello on start; the server
 * answers with a cookie (HelloVerifyRequest, SSL_OP_COOKIE_EXCHANGE) and the
 * handshake runs as datagrams arrive. OpenSSL retransmits lost flights from
 * dtls_conn_timer(). After its handshake the server keeps reading, so a
 * retransmitted client Finished makes it resend its lost final flight.
 * Once established: fingerprint re-checked, SRTP profile required (RFC 5764
 * 4.1), application_data records delivered to ops->recv (KTR, draft 4.2).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "base/klog.h"
#include "base/sec.h"
#include "dtls/dtls_priv.h"

static const char srtp_label[] = "EXTRACTOR-dtls_srtp"; /* RFC 5764 4.2 */

static void conn_set_error(struct dtls_conn *d, const char *text)
{
	snprintf(d->errtext, sizeof(d->errtext), "%s", text);
}

/* Enter the failed state once and tell the owner; later calls keep the
 * first error. */
static int conn_fail(struct dtls_conn *d, int err, const char *text)
{
	if (d->state == DTLS_ST_FAILED)
		return d->err;
	if (d->state == DTLS_ST_CLOSED)
		return -EPIPE;
	d->state = DTLS_ST_FAILED;
	d->err = err;
	conn_set_error(d, text);
	klog(KLOG_INFO, "dtls: association failed: %s (%d)", d->errtext, err);
	if (d->ops.closed)
		d->ops.closed(d->arg, err);
	return err;
}

/* Map an OpenSSL failure (queue drained here) to our error space. */
static int conn_fail_ssl(struct dtls_conn *d, int sslerr)
{
	unsigned long e = ERR_peek_last_error();
	const char *reason = e ? ERR_reason_error_string(e) : NULL;
	int err = -EPROTO;
	char text[DTLS_ERR_TEXT_MAX];

	if (d->fp_mismatch) {
		ERR_clear_error();
		return conn_fail(d, -EKEYREJECTED, "peer certificate fingerprint mismatch");
	}
	if (e && ERR_GET_LIB(e) == ERR_LIB_SSL &&
	    ERR_GET_REASON(e) == SSL_R_READ_TIMEOUT_EXPIRED)
		err = -ETIMEDOUT;
	if (reason)
		snprintf(text, sizeof(text), "%s", reason);
	else if (sslerr == SSL_ERROR_SYSCALL)
		snprintf(text, sizeof(text), "transport error");
	else
		snprintf(text, sizeof(text), "TLS error (SSL_get_error %d)", sslerr);
	ERR_clear_error();
	return conn_fail(d, err, text);
}

/* Handshake done: double-check the peer certificate (the verify callback
 * already did), require an SRTP profile, then announce. */
static int conn_on_established(struct dtls_conn *d)
{
	const SRTP_PROTECTION_PROFILE *p = SSL_get_selected_srtp_profile(d->ssl);
	X509 *peer = SSL_get0_peer_certificate(d->ssl);
	uint8_t md[32];

	if (!peer || dtls_cert_digest(peer, md) < 0 || !sec_equal(md, d->peer_fp, sizeof(md))) {
		d->fp_mismatch = true;
		return conn_fail(d, -EKEYREJECTED, "peer certificate fingerprint mismatch");
	}
	if (!p || !dtls_profile_name((int)p->id))
		return conn_fail(d, -ENOTSUP, "no SRTP profile negotiated (use_srtp)");
	d->state = DTLS_ST_ESTABLISHED;
	d->hs_done = true;
	klog(KLOG_DEBUG, "dtls: %s established, profile %s, ktr %d",
	     d->role == DTLS_ROLE_CLIENT ? "client" : "server", dtls_profile_name((int)p->id),
	     (int)dtls_conn_ktr(d));
	if (d->ops.established)
		d->ops.established(d->arg);
	return 0;
}

/* Deliver every application_data record OpenSSL has from this datagram. */
static int conn_read_records(struct dtls_conn *d)
{
	uint8_t buf[DTLS_APP_MAX];
	size_t used = 0;
	int rc = 0;

	while (d->state == DTLS_ST_ESTABLISHED) {
		int n, e;

		ERR_clear_error();
		n = SSL_read(d->ssl, buf, (int)sizeof(buf));
		if (n > 0) {
			if ((size_t)n > used)
				used = (size_t)n;
			if (d->ops.recv)
				d->ops.recv(d->arg, buf, (size_t)n);
			continue;
		}
		e = SSL_get_error(d->ssl, n);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
			break;
		if (e == SSL_ERROR_ZERO_RETURN) {
			/* Peer close_notify. */
			ERR_clear_error();
			d->state = DTLS_ST_CLOSED;
			d->err = -EPIPE;
			conn_set_error(d, "peer sent close_notify");
			if (d->ops.closed)
				d->ops.closed(d->arg, 0);
			break;
		}
		rc = conn_fail_ssl(d, e);
		break;
	}
	/* Records may carry KTR keys. */
	sec_wipe(buf, used);
	return rc;
}

static int conn_drive(struct dtls_conn *d)
{
	if (d->state == DTLS_ST_HANDSHAKE) {
		int r, e;

		ERR_clear_error();
		r = SSL_do_handshake(d->ssl);
		if (r == 1 && SSL_is_init_finished(d->ssl)) {
			int rc = conn_on_established(d);

			if (rc < 0)
				return rc;
		} else {
			e = SSL_get_error(d->ssl, r);
			if (r == 1 || e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
				ERR_clear_error();
				return 0;
			}
			return conn_fail_ssl(d, e);
		}
	}
	return conn_read_records(d);
}

/*
 * Memory per association: once established, OpenSSL keeps a 16 KB read
 * and a 16 KB write record buffer per SSL (about 33 KB) that an SBC's DTLS
 * leg uses only when a KTR record or a retransmitted flight passes. They
 * are freed between our calls into OpenSSL (SSL_free_buffers; the read
 * buffer may have held a KTR key: SSL_OP_CLEANSE_PLAINTEXT wipes it) and
 * allocated again on entry (SSL_alloc_buffers: DTLS's write path does not
 * allocate by itself). Entries nest (a KTR answer is written from inside
 * the read of a record): only the outermost exit frees.
 */
static int conn_enter(struct dtls_conn *d)
{
	if (d->bufs_freed) {
		if (!SSL_alloc_buffers(d->ssl)) {
			ERR_clear_error();
			return -ENOMEM;
		}
		d->bufs_freed = false;
	}
	d->depth++;
	return 0;
}

static void conn_leave(struct dtls_conn *d)
{
	if (--d->depth == 0 && d->state == DTLS_ST_ESTABLISHED &&
	    SSL_free_buffers(d->ssl))
		d->bufs_freed = true;
}

/* Retransmission schedule (RFC 6347 4.2.4.1): start at retransmit_ms,
 * double up to max(DTLS_RETRANSMIT_MS_MAX_DEFAULT, retransmit_ms). */
static unsigned int conn_timer_cb(SSL *ssl, unsigned int us)
{
	struct dtls_conn *d = dtls_conn_of(ssl);
	unsigned int base = (d ? d->ctx->retransmit_ms : DTLS_RETRANSMIT_MS_DEFAULT) * 1000u;
	unsigned int cap = DTLS_RETRANSMIT_MS_MAX_DEFAULT * 1000u;

	if (cap < base)
		cap = base;
	if (us == 0)
		return base;
	return us >= cap / 2 ? cap : us * 2;
}

static int conn_state_err(const struct dtls_conn *d)
{
	if (d->state == DTLS_ST_FAILED)
		return d->err;
	if (d->state == DTLS_ST_CLOSED)
		return -EPIPE;
	return 0;
}

int dtls_conn_alloc(struct dtls_conn **cp, struct dtls_ctx *c, enum dtls_role role,
		    const char *peer_fingerprint, bool offer_ktr,
		    const struct dtls_conn_ops *ops, void *arg)
{
	struct dtls_conn *d;
	uint8_t fp[32];

	if (!cp || !c || !ops || !ops->send ||
	    (role != DTLS_ROLE_CLIENT && role != DTLS_ROLE_SERVER) ||
	    dtls_fingerprint_parse(peer_fingerprint, fp) < 0)
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->ctx = c;
	d->role = role;
	d->state = DTLS_ST_IDLE;
	d->ops = *ops;
	d->arg = arg;
	d->offer_ktr = offer_ktr && c->ktr_ext_type != 0;
	memcpy(d->peer_fp, fp, sizeof(fp));
	d->ssl = SSL_new(c->ssl_ctx);
	d->bio = d->ssl ? dtls_bio_new(d) : NULL;
	if (!d->ssl || !d->bio) {
		BIO_free(d->bio);
		d->bio = NULL;
		dtls_conn_free(d);
		ERR_clear_error();
		return -ENOMEM;
	}
	SSL_set_app_data(d->ssl, d);
	SSL_set_bio(d->ssl, d->bio, d->bio); /* one reference, now the SSL's */
	DTLS_set_timer_cb(d->ssl, conn_timer_cb);
	if (DTLS_set_link_mtu(d->ssl, c->mtu) != 1) {
		dtls_conn_free(d);
		ERR_clear_error();
		return -EIO;
	}
	if (role == DTLS_ROLE_CLIENT)
		SSL_set_connect_state(d->ssl);
	else
		SSL_set_accept_state(d->ssl);
	*cp = d;
	return 0;
}

void dtls_conn_set_cookie_id(struct dtls_conn *d, const void *id, size_t len)
{
	if (!d)
		return;
	if (len > sizeof(d->cookie_id))
		len = sizeof(d->cookie_id);
	if (id && len)
		memcpy(d->cookie_id, id, len);
	d->cookie_id_len = id ? len : 0;
}

int dtls_conn_start(struct dtls_conn *d, uint64_t now_ms)
{
	if (!d)
		return -EINVAL;
	if (d->role != DTLS_ROLE_CLIENT)
		return 0;
	if (d->state != DTLS_ST_IDLE)
		return conn_state_err(d);
	d->state = DTLS_ST_HANDSHAKE;
	d->hs_deadline_ms = now_ms + d->ctx->handshake_timeout_ms;
	return conn_drive(d);
}

int dtls_conn_input(struct dtls_conn *d, const uint8_t *data, size_t len, uint64_t now_ms)
{
	int rc;

	if (!d)
		return -EINVAL;
	rc = conn_state_err(d);
	if (rc < 0)
		return rc;
	if (!data || len == 0)
		return 0;
	if (d->state == DTLS_ST_IDLE) {
		if (d->role == DTLS_ROLE_CLIENT)
			return 0; /* not started: drop */
		d->state = DTLS_ST_HANDSHAKE;
		d->hs_deadline_ms = now_ms + d->ctx->handshake_timeout_ms;
	}
	if (d->state == DTLS_ST_HANDSHAKE && now_ms >= d->hs_deadline_ms)
		return conn_fail(d, -ETIMEDOUT, "handshake timed out");
	if ((rc = conn_enter(d)) < 0)
		return rc;
	d->in = data;
	d->in_len = len;
	rc = conn_drive(d);
	d->in = NULL;
	d->in_len = 0;
	conn_leave(d);
	return rc;
}

int64_t dtls_conn_timeout_ms(const struct dtls_conn *d, uint64_t now_ms)
{
	struct timeval tv;
	int64_t t = -1;

	if (!d || (d->state != DTLS_ST_HANDSHAKE && d->state != DTLS_ST_ESTABLISHED))
		return -1;
	if (DTLSv1_get_timeout(d->ssl, &tv) == 1)
		t = (int64_t)tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000;
	if (d->state == DTLS_ST_HANDSHAKE) {
		int64_t rem = d->hs_deadline_ms > now_ms ? (int64_t)(d->hs_deadline_ms - now_ms) : 0;

		if (t < 0 || rem < t)
			t = rem;
	}
	return t;
}

int dtls_conn_timer(struct dtls_conn *d, uint64_t now_ms)
{
	int rc;

	if (!d)
		return -EINVAL;
	rc = conn_state_err(d);
	if (rc < 0 || d->state == DTLS_ST_IDLE)
		return rc;
	if (d->state == DTLS_ST_HANDSHAKE && now_ms >= d->hs_deadline_ms)
		return conn_fail(d, -ETIMEDOUT, "handshake timed out");
	if ((rc = conn_enter(d)) < 0)
		return rc;
	ERR_clear_error();
	if (DTLSv1_handle_timeout(d->ssl) < 0) {
		/* OpenSSL gave up after DTLS1_TMO_ALERT_COUNT retransmissions
		 * (our BIO never fails a write). */
		ERR_clear_error();
		rc = conn_fail(d, -ETIMEDOUT, "retransmissions exhausted");
	}
	ERR_clear_error();
	conn_leave(d);
	return rc;
}

bool dtls_conn_established(const struct dtls_conn *d)
{
	return d && d->state == DTLS_ST_ESTABLISHED;
}

bool dtls_conn_ktr(const struct dtls_conn *d)
{
	return d && d->hs_done && d->offer_ktr && d->ktr_echoed;
}

int dtls_conn_write(struct dtls_conn *d, const uint8_t *data, size_t len)
{
	int rc, n;

	if (!d)
		return -EINVAL;
	rc = conn_state_err(d);
	if (rc < 0)
		return rc;
	if (d->state != DTLS_ST_ESTABLISHED)
		return -EAGAIN;
	if (!dtls_conn_ktr(d))
		return -ENOTSUP;
	if (!data || len == 0)
		return -EINVAL;
	/* One message = one record = one datagram: never let OpenSSL split. */
	if (len > DTLS_get_data_mtu(d->ssl))
		return -EMSGSIZE;
	if ((rc = conn_enter(d)) < 0)
		return rc;
	ERR_clear_error();
	n = SSL_write(d->ssl, data, (int)len);
	if (n != (int)len)
		rc = conn_fail_ssl(d, SSL_get_error(d->ssl, n));
	conn_leave(d);
	return rc;
}

int dtls_conn_shutdown(struct dtls_conn *d)
{
	if (!d)
		return -EINVAL;
	if (d->state != DTLS_ST_ESTABLISHED)
		return d->state == DTLS_ST_HANDSHAKE || d->state == DTLS_ST_IDLE ? -EAGAIN : 0;
	if (conn_enter(d) == 0) {
		ERR_clear_error();
		(void)SSL_shutdown(d->ssl); /* sends close_notify; we do not wait */
		ERR_clear_error();
		d->state = DTLS_ST_CLOSED; /* the buffers now go with the SSL */
		conn_leave(d);
	}
	d->state = DTLS_ST_CLOSED;
	d->err = -EPIPE;
	conn_set_error(d, "closed locally");
	return 0;
}

int dtls_conn_srtp_keys(const struct dtls_conn *d, struct dtls_srtp_keys *k)
{
	const SRTP_PROTECTION_PROFILE *p;
	uint8_t km[2 * (32 + 14)];
	size_t kl, sl;
	const uint8_t *ck, *sk, *cs, *ss;
	int rc = -EIO;

	if (!d || !k)
		return -EINVAL;
	if (!d->hs_done)
		return -EAGAIN;
	p = SSL_get_selected_srtp_profile(d->ssl);
	if (!p || dtls_profile_lens((int)p->id, &kl, &sl) < 0)
		return -EIO;
	if (SSL_export_keying_material(d->ssl, km, 2 * (kl + sl), srtp_label,
				       sizeof(srtp_label) - 1, NULL, 0, 0) != 1) {
		ERR_clear_error();
		goto out;
	}
	/* client_write_key | server_write_key | client_salt | server_salt */
	ck = km;
	sk = km + kl;
	cs = km + 2 * kl;
	ss = km + 2 * kl + sl;
	memset(k, 0, sizeof(*k));
	k->profile = (int)p->id;
	k->key_len = kl;
	k->salt_len = sl;
	memcpy(k->local_key, d->role == DTLS_ROLE_CLIENT ? ck : sk, kl);
	memcpy(k->remote_key, d->role == DTLS_ROLE_CLIENT ? sk : ck, kl);
	memcpy(k->local_salt, d->role == DTLS_ROLE_CLIENT ? cs : ss, sl);
	memcpy(k->remote_salt, d->role == DTLS_ROLE_CLIENT ? ss : cs, sl);
	rc = 0;
out:
	sec_wipe(km, sizeof(km));
	return rc;
}

const char *dtls_conn_error(const struct dtls_conn *d)
{
	return d ? d->errtext : "";
}

void dtls_conn_free(struct dtls_conn *d)
{
	if (!d)
		return;
	SSL_free(d->ssl); /* frees the BIO */
	sec_wipe(d, sizeof(*d));
	free(d);
}

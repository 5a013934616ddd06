/*
 * sip_ua: one nua user agent bound to host:port (see sip.h).
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clk.h"
#include "base/err.h"
#include "base/klog.h"
#include "sip/sip_priv.h"

#include <sofia-sip/tport_tag.h>

/* Methods we take part in; nua answers others 405 (RFC 3261 8.2.1). */
#define SIP_ALLOW "INVITE, ACK, BYE, CANCEL, OPTIONS, PRACK, UPDATE"
/* Sofia gives up on unanswered BYEs of a shutdown after 30 s. */
#define SIP_SHUTDOWN_WAIT_MS 35000u
#define SIP_HOST_MAX 64
/* Longest certificate chain a verified TLS peer may present (leaf, up to
 * three intermediates, the CA of cafile.pem). */
#define SIP_TLS_VERIFY_DEPTH 4
/* SO_RCVBUF of the UDP SIP socket. The kernel's 208 KiB default holds
 * ~150 datagrams: a B2BUA at a few hundred calls per second whose core is
 * busy for a few ms (DTLS handshakes in the relay, other processes) lost
 * INVITEs and 200s there, and SIP's retransmissions (500 ms, doubling)
 * then added seconds to call set-up. The kernel caps it at rmem_max. */
#define SIP_UDP_RMEM (4u << 20)

void sip_strlcpy(char *dst, const char *src, size_t size)
{
	size_t n;

	if (!size)
		return;
	if (!src)
		src = "";
	n = strnlen(src, size - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

const char *sip_transport_name(enum sip_transport tp)
{
	switch (tp) {
	case SIP_TP_TCP:
		return "tcp";
	case SIP_TP_TLS:
		return "tls";
	default:
		return "udp";
	}
}

static void ua_nua_cb(nua_event_t event, int status, char const *phrase,
		      nua_t *nua, nua_magic_t *magic, nua_handle_t *nh,
		      nua_hmagic_t *hmagic, sip_t const *sip, tagi_t tags[])
{
	struct sip_ua *u = magic;
	struct sip_hmagic *hm = (struct sip_hmagic *)hmagic;

	if (event == nua_r_shutdown) {
		if (status >= 200)
			u->shut_done = true;
		return;
	}
	if (hm && hm->kind == SIP_HM_OPT) {
		if (event == nua_r_options)
			sip_options_event(u, hm, status);
		return;
	}
	/* hmagic is NULL or a struct sip_call (its first member hm). */
	sip_event_dispatch(event, status, phrase, u, nh,
			   (struct sip_call *)hm, sip, tags);
}

/* A user or host goes into URIs we build: allow only what needs no
 * escaping. */
static bool ua_token_ok(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);

	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' ||
		      ch == '_' || ch == ':' || ch == '+'))
			return false;
	}
	return true;
}

/* RFC 3261 25.1 product tokens separated by blanks. */
static bool ua_product_ok(const char *s)
{
	size_t n = strnlen(s, SIP_PRODUCT_MAX + 1);

	if (n == 0 || n > SIP_PRODUCT_MAX || s[0] == ' ' || s[n - 1] == ' ')
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || strchr("-.!%*_+`'~/ ", ch)))
			return false;
	}
	return true;
}

static int ua_cfg_check(const struct sip_ua_cfg *cfg,
			const struct sip_ua_ops *ops)
{
	if (!cfg || !ops || !ops->incoming || !ops->ended)
		return -EINVAL;
	if (!cfg->bind_host || !ua_token_ok(cfg->bind_host, SIP_HOST_MAX))
		return -EINVAL;
	if (cfg->user && !ua_token_ok(cfg->user, SIP_USER_MAX))
		return -EINVAL;
	if (cfg->product && !ua_product_ok(cfg->product))
		return -EINVAL;
	if (!cfg->udp && !cfg->tcp && !cfg->tls)
		return -EINVAL;
	if ((cfg->udp || cfg->tcp) && cfg->port == 0)
		return -EINVAL;
	if (cfg->tls && (!cfg->tls_dir || !*cfg->tls_dir))
		return -EINVAL;
	if (cfg->tls && !cfg->tls_port && cfg->port == UINT16_MAX)
		return -EINVAL;
	return 0;
}

/* IPv6 literals go into URIs in brackets (RFC 3261 25.1). */
static void ua_hostport(char *out, size_t size, const char *host,
			unsigned port)
{
	if (strchr(host, ':'))
		snprintf(out, size, "[%s]:%u", host, port);
	else
		snprintf(out, size, "%s:%u", host, port);
}

/* Can host:port be bound for this socket type? nua_create() leaks its
 * stack when a bind fails (Sofia 1.12.11: nua_destroy refuses an agent
 * that never started), so refuse busy ports before calling it.
 * 0 or negative errno. */
static int ua_port_probe(const char *host, unsigned port, int type)
{
	struct addrinfo hints = { .ai_socktype = type,
				  .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	struct addrinfo *ai = NULL;
	char serv[8];
	int fd, one = 1, err = 0;

	snprintf(serv, sizeof(serv), "%u", port);
	if (getaddrinfo(host, serv, &hints, &ai) || !ai)
		return -EINVAL;
	fd = socket(ai->ai_family, ai->ai_socktype, 0);
	if (fd < 0) {
		err = -errno;
	} else {
		if (type == SOCK_STREAM)
			(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
					 sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen))
			err = -errno;
		close(fd);
	}
	freeaddrinfo(ai);
	return err;
}

static int ua_ports_probe(const struct sip_ua_cfg *cfg)
{
	unsigned tls_port = cfg->tls_port ? cfg->tls_port : cfg->port + 1u;
	int err = 0;

	if (cfg->udp)
		err = ua_port_probe(cfg->bind_host, cfg->port, SOCK_DGRAM);
	if (!err && cfg->tcp)
		err = ua_port_probe(cfg->bind_host, cfg->port, SOCK_STREAM);
	if (!err && cfg->tls)
		err = ua_port_probe(cfg->bind_host, tls_port, SOCK_STREAM);
	if (err)
		klog(KLOG_ERR, "sip: cannot bind %s port %u/%u: %s",
		     cfg->bind_host, cfg->port, tls_port, err_str(err));
	return err;
}

int sip_ua_alloc(struct sip_ua **up, struct sip_loop *l,
		 const struct sip_ua_cfg *cfg, const struct sip_ua_ops *ops,
		 void *arg)
{
	char hp[SIP_HOST_MAX + 16], url1[160], url2[160], from[200];
	const char *first = NULL, *second = NULL;
	struct sip_ua *u;
	unsigned tls_port;
	int err;

	if (!up)
		return -EINVAL;
	*up = NULL;
	if (!l)
		return -EINVAL;
	err = ua_cfg_check(cfg, ops);
	if (!err)
		err = ua_ports_probe(cfg);
	if (err)
		return err;
	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->loop = l;
	u->ops = *ops;
	u->arg = arg;
	u->max_calls = cfg->max_calls ? cfg->max_calls : SIP_CALLS_DEFAULT;
	u->tls_only = cfg->tls && !cfg->udp && !cfg->tcp;
	u->host = strdup(cfg->bind_host);
	u->user = strdup(cfg->user ? cfg->user : "ktr");
	u->product = strdup(cfg->product ? cfg->product : SIP_PRODUCT_DEFAULT);
	if (!u->host || !u->user || !u->product) {
		err = -ENOMEM;
		goto fail;
	}

	/* One bind URL for UDP and/or TCP, a sips: one for TLS on its own
	 * port. Both UDP and TCP: no transport parameter (nta binds its
	 * default list); Sofia 1.12.11's "transport=udp,tcp" parser crashes
	 * on its second use in a process. */
	if (cfg->udp || cfg->tcp) {
		ua_hostport(hp, sizeof(hp), cfg->bind_host, cfg->port);
		if (cfg->udp && cfg->tcp)
			snprintf(url1, sizeof(url1), "sip:%s", hp);
		else
			snprintf(url1, sizeof(url1), "sip:%s;transport=%s", hp,
				 cfg->udp ? "udp" : "tcp");
		first = url1;
	}
	if (cfg->tls) {
		tls_port = cfg->tls_port ? cfg->tls_port : cfg->port + 1u;
		ua_hostport(hp, sizeof(hp), cfg->bind_host, tls_port);
		snprintf(url2, sizeof(url2), "sips:%s;transport=tls", hp);
		if (first)
			second = url2;
		else
			first = url2;
	}
	snprintf(from, sizeof(from), "<sip:%s@%s>", u->user,
		 strchr(cfg->bind_host, ':') ? "[::1]" : cfg->bind_host);

	errno = 0;
	u->nua = nua_create(l->root, ua_nua_cb, u,
			    NUTAG_URL(first),
			    TAG_IF(second, NUTAG_SIPS_URL(second)),
			    TAG_IF(cfg->tls, NUTAG_CERTIFICATE_DIR(cfg->tls_dir)),
			    TAG_IF(cfg->tls && cfg->tls_verify_out,
				   TPTAG_TLS_VERIFY_POLICY(TPTLS_VERIFY_SUBJECTS_OUT)),
			    TAG_IF(cfg->tls && cfg->tls_verify_out,
				   TPTAG_TLS_VERIFY_DEPTH(SIP_TLS_VERIFY_DEPTH)),
			    TPTAG_UDP_RMEM(SIP_UDP_RMEM),
			    NUTAG_MEDIA_ENABLE(0),
			    NUTAG_SESSION_TIMER(0),
			    NUTAG_AUTOANSWER(0),
			    NUTAG_AUTOALERT(0),
			    NUTAG_AUTOACK(1),
			    NUTAG_ENABLEMESSAGE(0),
			    NUTAG_ENABLEMESSENGER(0),
			    SIPTAG_ALLOW_STR(SIP_ALLOW),
			    /* UPDATE's offer is answered by us (sip_update.c) */
			    NUTAG_APPL_METHOD("UPDATE"),
			    SIPTAG_SUPPORTED_STR("100rel"),
			    SIPTAG_FROM_STR(from),
			    /* exactly this: NUTAG_USER_AGENT would append
			     * "sofia-sip/1.12.11" (nua_params.c) */
			    SIPTAG_USER_AGENT_STR(u->product),
			    TAG_END());
	if (!u->nua) {
		err = errno > 0 ? -errno : -EIO;
		klog(KLOG_ERR, "sip: cannot bind %s%s%s: %s", first,
		     second ? " and " : "", second ? second : "",
		     err_str(err));
		goto fail;
	}
	klog(KLOG_INFO, "sip: listening on %s%s%s", first,
	     second ? " and " : "", second ? second : "");
	*up = u;
	return 0;
fail:
	free(u->host);
	free(u->user);
	free(u->product);
	free(u);
	return err;
}

void sip_ua_free(struct sip_ua *u)
{
	struct sip_call *c;
	uint64_t end;

	if (!u)
		return;
	u->closing = true;
	nua_shutdown(u->nua);
	end = clk_now_ms() + SIP_SHUTDOWN_WAIT_MS;
	while (!u->shut_done && clk_now_ms() < end)
		su_root_step(u->loop->root, 100);
	if (!u->shut_done)
		klog(KLOG_ERR, "sip: stack shutdown did not finish");
	/* nua_destroy frees the handles still held; forget them first. */
	while ((c = u->calls) != NULL) {
		c->nh = NULL;
		sip_call_destroy(c);
	}
	sip_options_drop_all(u);
	if (u->shut_done)
		nua_destroy(u->nua);
	free(u->host);
	free(u->user);
	free(u->product);
	free(u);
}

unsigned sip_ua_call_count(const struct sip_ua *u)
{
	return u ? u->ncalls : 0;
}

void sip_ua_hangup_all(struct sip_ua *u)
{
	struct sip_call *c, *next;

	if (!u)
		return;
	for (c = u->calls; c; c = next) {
		next = c->next;
		(void)sip_call_hangup(c);
	}
}

/*
 * ktrpeer: one DTLS-SRTP endpoint with Key Transport over UDP, for the
 * loopback demonstration and the integration tests. One process is the
 * DTLS server (--listen), another the client (--connect); after the
 * handshake both send SRTP and SRTCP, and KTR primitives are triggered at
 * chosen packet counts. It prints "fingerprint FP", "listening ADDR:PORT",
 * "handshake ok profile=NAME ktr=0|1" and at the end one JSON line of
 * counters; the exit status is 0 only when the association worked and no
 * packet failed authentication.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "base/clk.h"
#include "base/err.h"
#include "base/klog.h"
#include "base/sec.h"
#include "conf/conf.h"
#include "dtls/dtls.h"
#include "ep/ep.h"
#include "srtp/ksrtp.h"

struct opts {
	const char *conf_path;
	const char *listen, *connect, *bind;
	const char *cert, *key;
	const char *fp_out, *port_out;
	const char *peer_fp, *peer_fp_file;
	const char *profile;
	bool no_ktr, handshake_only;
	unsigned long packets, pps, rtcp_every;
	unsigned long rekey_at, request_at, dictate_at, ssrc_change_at;
	unsigned long first_index, ssrc;
	double drop;
	unsigned long seed;
	unsigned long linger_ms, timeout_ms;
	const char *capture, *sdes_key_file;
};

static void usage(FILE *f)
{
	fputs("usage: ktrpeer [options] (--listen ADDR:PORT|auto | --connect ADDR:PORT)\n"
	      "  -c, --config FILE          ktrsbc.conf (KTR, DTLS, SRTP, media settings)\n"
	      "      --listen ADDR:PORT     be the DTLS server on this address; 'auto' takes\n"
	      "                             the first free port of the configured media range\n"
	      "      --connect ADDR:PORT    be the DTLS client toward this address\n"
	      "      --bind ADDR:PORT       client's local address (default: any port)\n"
	      "      --cert FILE --key FILE PEM certificate and key (default: per conf)\n"
	      "      --fingerprint-out FILE write our SHA-256 fingerprint there\n"
	      "      --port-out FILE        write the bound port there\n"
	      "      --peer-fingerprint FP  expected SHA-256 fingerprint of the peer\n"
	      "      --peer-fingerprint-file FILE  read it from FILE (waits for it)\n"
	      "      --profile NAME         offer/accept only this SRTP profile\n"
	      "      --no-ktr               do not offer or accept key_transport\n"
	      "      --handshake-only       exit once the handshake is done\n"
	      "      --packets N            RTP packets to send (default 0)\n"
	      "      --pps N                packets per second (default 50)\n"
	      "      --rtcp-every N         an SRTCP report every N packets (default 25)\n"
	      "      --rekey-at N           announce a new key (new_srtp_key) after N packets\n"
	      "      --request-at N         send new_srtp_key_request after N packets\n"
	      "      --dictate-at N         send your_new_srtp_key after N packets\n"
	      "      --ssrc-change-at N     change SSRC, keep the key (draft 4.4) after N packets\n"
	      "      --first-index N        packet index of the first RTP packet (ROC<<16|seq)\n"
	      "      --ssrc N               our SSRC (default random)\n"
	      "      --drop-dtls PCT        test shim: drop PCT %% of our DTLS datagrams\n"
	      "      --seed N               seed of the drop shim\n"
	      "      --linger MS            keep receiving after sending (default 1500)\n"
	      "      --timeout MS           give up after this long in all (default 60000)\n"
	      "      --capture FILE         write the SRTP/SRTCP sent and received (pcap)\n"
	      "      --sdes-key-file FILE   TEST ONLY: RFC 4568 mode, no DTLS; FILE holds two\n"
	      "                             lines of base64 key||salt (a=crypto inline:),\n"
	      "                             the --connect side's sending key first\n"
	      "  -v, --verbose              log at debug level\n"
	      "  -h, --help                 this text\n",
	      f);
}

static int parse_hostport(const char *s, struct sockaddr_storage *ss,
			  socklen_t *len)
{
	char host[128];
	const char *colon = strrchr(s, ':');
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
				  .ai_socktype = SOCK_DGRAM };
	struct addrinfo *ai;
	size_t hl;

	if (!colon || colon == s)
		return -EINVAL;
	hl = (size_t)(colon - s);
	if (s[0] == '[' && colon[-1] == ']') {
		s++;
		hl -= 2;
	}
	if (hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hl);
	host[hl] = 0;
	if (getaddrinfo(host, colon + 1, &hints, &ai))
		return -EINVAL;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

static int open_socket(const struct sockaddr_storage *addr, socklen_t len)
{
	int fd = socket(addr->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (bind(fd, (const struct sockaddr *)addr, len) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* Bind the first free port of the configured media range. */
static int open_in_range(const struct conf *c, struct sockaddr_storage *ss,
			 socklen_t *len)
{
	char spec[96];

	for (unsigned p = c->media_port_min; p <= c->media_port_max; p++) {
		int fd;

		snprintf(spec, sizeof(spec), strchr(c->media_address, ':') ?
				"[%s]:%u" : "%s:%u", c->media_address, p);
		if (parse_hostport(spec, ss, len))
			return -EINVAL;
		fd = open_socket(ss, *len);
		if (fd >= 0 || fd != -EADDRINUSE)
			return fd;
	}
	return -EADDRINUSE;
}

static int write_file(const char *path, const char *text)
{
	char tmp[512];
	FILE *f;

	/* Write then rename, so a reader polling for the file never sees half. */
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	fprintf(f, "%s\n", text);
	if (fclose(f) || rename(tmp, path))
		return -errno;
	return 0;
}

static int read_peer_fp(const char *path, char *out, size_t cap,
			uint64_t deadline)
{
	while (clk_now_ms() < deadline) {
		FILE *f = fopen(path, "r");

		if (f) {
			bool ok = fgets(out, (int)cap, f) != NULL;

			fclose(f);
			out[strcspn(out, "\r\n")] = 0;
			if (ok && out[0])
				return 0;
		}
		usleep(20 * 1000);
	}
	return -ETIMEDOUT;
}

/* One a=crypto inline key (RFC 4568 6.1): base64 of key||salt, an optional
 * "inline:" prefix, anything from '|' (lifetime, MKI) ignored. */
static int decode_inline(char *line, int profile, struct ksrtp_keymat *k)
{
	uint8_t raw[96];
	size_t kl, sl, n;
	char *b64 = line;
	int len;

	b64[strcspn(b64, "|\r\n")] = 0;
	if (strncmp(b64, "inline:", 7) == 0)
		b64 += 7;
	n = strlen(b64);
	if (ksrtp_profile_lens(profile, &kl, &sl, NULL) || n % 4 ||
	    n / 4 * 3 > sizeof(raw))
		return -EINVAL;
	len = EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)n);
	if (len < 0)
		return -EBADMSG;
	/* EVP_DecodeBlock counts the '=' padding as zero bytes. */
	len -= (n && b64[n - 1] == '=') + (n > 1 && b64[n - 2] == '=');
	if ((size_t)len != kl + sl) {
		sec_wipe(raw, sizeof(raw));
		return -ERANGE;
	}
	memset(k, 0, sizeof(*k));
	k->profile = profile;
	k->key_len = (uint8_t)kl;
	k->salt_len = (uint8_t)sl;
	memcpy(k->key, raw, kl);
	memcpy(k->salt, raw + kl, sl);
	sec_wipe(raw, sizeof(raw));
	return 0;
}

/* Test-only SDES keys: line 1 is the --connect side's sending key, line 2
 * the --listen side's. */
static int read_sdes_keys(const char *path, int profile, bool listener,
			  struct ksrtp_keymat *local,
			  struct ksrtp_keymat *remote)
{
	char line[2][256];
	FILE *f = fopen(path, "r");
	int err = 0;

	if (!f)
		return -errno;
	for (int i = 0; i < 2 && !err; i++)
		if (!fgets(line[i], sizeof(line[i]), f))
			err = -ENODATA;
	fclose(f);
	if (!err)
		err = decode_inline(line[listener ? 1 : 0], profile, local);
	if (!err)
		err = decode_inline(line[listener ? 0 : 1], profile, remote);
	sec_wipe(line, sizeof(line));
	return err;
}

static unsigned long num(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end) {
		fprintf(stderr, "ktrpeer: %s: not a number: %s\n", what, s);
		exit(2);
	}
	return v;
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	enum { O_LISTEN = 256, O_CONNECT, O_BIND, O_CERT, O_KEY, O_FPOUT,
	       O_PORTOUT, O_PEERFP, O_PEERFPF, O_PROFILE, O_NOKTR, O_HSONLY,
	       O_PACKETS, O_PPS, O_RTCP, O_REKEY, O_REQUEST, O_DICTATE,
	       O_SSRCCH, O_FIRST, O_SSRC, O_DROP, O_SEED, O_LINGER, O_TIMEOUT,
	       O_CAPTURE, O_SDESKEY };
	static const struct option lo[] = {
		{ "config", required_argument, 0, 'c' },
		{ "listen", required_argument, 0, O_LISTEN },
		{ "connect", required_argument, 0, O_CONNECT },
		{ "bind", required_argument, 0, O_BIND },
		{ "cert", required_argument, 0, O_CERT },
		{ "key", required_argument, 0, O_KEY },
		{ "fingerprint-out", required_argument, 0, O_FPOUT },
		{ "port-out", required_argument, 0, O_PORTOUT },
		{ "peer-fingerprint", required_argument, 0, O_PEERFP },
		{ "peer-fingerprint-file", required_argument, 0, O_PEERFPF },
		{ "profile", required_argument, 0, O_PROFILE },
		{ "no-ktr", no_argument, 0, O_NOKTR },
		{ "handshake-only", no_argument, 0, O_HSONLY },
		{ "packets", required_argument, 0, O_PACKETS },
		{ "pps", required_argument, 0, O_PPS },
		{ "rtcp-every", required_argument, 0, O_RTCP },
		{ "rekey-at", required_argument, 0, O_REKEY },
		{ "request-at", required_argument, 0, O_REQUEST },
		{ "dictate-at", required_argument, 0, O_DICTATE },
		{ "ssrc-change-at", required_argument, 0, O_SSRCCH },
		{ "first-index", required_argument, 0, O_FIRST },
		{ "ssrc", required_argument, 0, O_SSRC },
		{ "drop-dtls", required_argument, 0, O_DROP },
		{ "seed", required_argument, 0, O_SEED },
		{ "linger", required_argument, 0, O_LINGER },
		{ "timeout", required_argument, 0, O_TIMEOUT },
		{ "capture", required_argument, 0, O_CAPTURE },
		{ "sdes-key-file", required_argument, 0, O_SDESKEY },
		{ "verbose", no_argument, 0, 'v' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->pps = 50;
	o->rtcp_every = 25;
	o->linger_ms = 1500;
	o->timeout_ms = 60000;
	while ((c = getopt_long(argc, argv, "c:vh", lo, NULL)) != -1) {
		switch (c) {
		case 'c': o->conf_path = optarg; break;
		case O_LISTEN: o->listen = optarg; break;
		case O_CONNECT: o->connect = optarg; break;
		case O_BIND: o->bind = optarg; break;
		case O_CERT: o->cert = optarg; break;
		case O_KEY: o->key = optarg; break;
		case O_FPOUT: o->fp_out = optarg; break;
		case O_PORTOUT: o->port_out = optarg; break;
		case O_PEERFP: o->peer_fp = optarg; break;
		case O_PEERFPF: o->peer_fp_file = optarg; break;
		case O_PROFILE: o->profile = optarg; break;
		case O_NOKTR: o->no_ktr = true; break;
		case O_HSONLY: o->handshake_only = true; break;
		case O_PACKETS: o->packets = num(optarg, "--packets"); break;
		case O_PPS: o->pps = num(optarg, "--pps"); break;
		case O_RTCP: o->rtcp_every = num(optarg, "--rtcp-every"); break;
		case O_REKEY: o->rekey_at = num(optarg, "--rekey-at"); break;
		case O_REQUEST: o->request_at = num(optarg, "--request-at"); break;
		case O_DICTATE: o->dictate_at = num(optarg, "--dictate-at"); break;
		case O_SSRCCH: o->ssrc_change_at = num(optarg, "--ssrc-change-at"); break;
		case O_FIRST: o->first_index = num(optarg, "--first-index"); break;
		case O_SSRC: o->ssrc = num(optarg, "--ssrc"); break;
		case O_DROP: o->drop = (double)num(optarg, "--drop-dtls") / 100.0; break;
		case O_SEED: o->seed = num(optarg, "--seed"); break;
		case O_LINGER: o->linger_ms = num(optarg, "--linger"); break;
		case O_TIMEOUT: o->timeout_ms = num(optarg, "--timeout"); break;
		case O_CAPTURE: o->capture = optarg; break;
		case O_SDESKEY: o->sdes_key_file = optarg; break;
		case 'v': klog_set_level(KLOG_DEBUG); break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (optind != argc || !o->listen == !o->connect ||
	    (!o->sdes_key_file && !o->peer_fp == !o->peer_fp_file) ||
	    !o->cert != !o->key ||
	    o->pps == 0 || o->drop > 1.0) {
		usage(stderr);
		exit(2);
	}
}

static void print_result(const struct opts *o, struct ep *ep, bool hs_ok)
{
	char json[2048];
	int n = ep_stats_json(ep, json, sizeof(json));

	/* ep_stats_json's object, with our role and the handshake first. */
	printf("{\"role\":\"%s\",\"handshake\":%s,%s\n",
	       o->listen ? "server" : "client", hs_ok ? "true" : "false",
	       n > 0 ? json + 1 : "\"error\":\"statistics too long\"}");
	fflush(stdout);
}

/* Trigger the KTR primitive due after `sent` packets. */
static void ktr_triggers(const struct opts *o, struct ep *ep,
			 unsigned long sent, uint64_t now)
{
	int err = 0;
	const char *what = NULL;

	if (o->rekey_at && sent == o->rekey_at) {
		what = "new_srtp_key";
		err = ep_announce(ep, NULL, now);
	} else if (o->request_at && sent == o->request_at) {
		what = "new_srtp_key_request";
		err = ep_request(ep, now);
	} else if (o->dictate_at && sent == o->dictate_at) {
		what = "your_new_srtp_key";
		err = ep_dictate(ep, NULL, now);
	} else if (o->ssrc_change_at && sent == o->ssrc_change_at) {
		what = "ssrc change";
		err = ep_change_ssrc(ep, ep_ssrc(ep) ^ 0x5a5a0001u, now);
	}
	if (what)
		printf("ktr %s after %lu packets: %s\n", what, sent,
		       err ? err_str(err) : "sent");
}

static int run(const struct opts *o, const struct conf *cf, struct ep *ep,
	       int fd)
{
	uint64_t start = clk_now_ms(), hs_deadline, deadline;
	uint64_t next_send = 0, send_done = 0, period;
	unsigned long sent = 0;
	bool hs_ok = false;
	static const uint8_t payload[160]; /* 20 ms of G.711 silence */

	hs_deadline = start + cf->dtls_handshake_timeout_ms;
	deadline = start + o->timeout_ms;
	period = 1000 / o->pps ? 1000 / o->pps : 1;
	if (o->connect && ep_start(ep, start))
		return 1;
	for (;;) {
		uint64_t now = clk_now_ms();
		int64_t t = ep_timeout_ms(ep, now);
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int wait = 50;

		if (ep_failed(ep))
			break;
		if (!hs_ok && ep_established(ep)) {
			hs_ok = true;
			printf("handshake ok profile=%s ktr=%d\n",
			       dtls_profile_name(ep_profile(ep)), ep_ktr(ep));
			fflush(stdout);
			next_send = now;
			if (o->handshake_only || o->packets == 0)
				send_done = now;
		}
		if (!hs_ok && now >= hs_deadline) {
			fprintf(stderr, "ktrpeer: DTLS handshake timed out\n");
			break;
		}
		if (hs_ok && sent < o->packets && now >= next_send) {
			ktr_triggers(o, ep, sent, now);
			if (ep_send_rtp(ep, payload, sizeof(payload)) == 0)
				sent++;
			if (o->rtcp_every && sent % o->rtcp_every == 0)
				ep_send_rtcp(ep);
			next_send += period;
			if (sent == o->packets)
				send_done = now;
		}
		/* Done: sending finished, lingered for the peer's packets and
		 * our outstanding KTR answers (bounded by the linger time). */
		if (send_done && now >= send_done + (o->handshake_only ? 0 : o->linger_ms))
			break;
		if (now >= deadline) {
			fprintf(stderr, "ktrpeer: overall timeout\n");
			break;
		}
		if (t >= 0 && t < wait)
			wait = (int)t;
		if (hs_ok && sent < o->packets) {
			int64_t d = (int64_t)next_send - (int64_t)now;

			if (d < wait)
				wait = d > 0 ? (int)d : 0;
		}
		if (poll(&pfd, 1, wait) > 0)
			ep_read(ep, clk_now_ms());
		ep_timer(ep, clk_now_ms());
	}
	if (ep_failed(ep))
		fprintf(stderr, "ktrpeer: %s\n", ep_error(ep));
	print_result(o, ep, hs_ok);
	if (!hs_ok || ep_failed(ep))
		return 1;
	return ep_stats(ep)->auth_fail ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct conf cf;
	char err_text[256], peer_fp[128], spec[96];
	struct dtls_ctx *ctx = NULL;
	struct dtls_ctx_cfg dc;
	struct ep *ep = NULL;
	struct ep_cfg ec;
	struct sockaddr_storage local, peer;
	socklen_t local_len = 0, peer_len = 0;
	int profile = 0, fd = -1, rc = 1, err;

	parse_opts(argc, argv, &o);
	conf_defaults(&cf);
	if (o.conf_path && conf_load(&cf, o.conf_path, err_text, sizeof(err_text))) {
		fprintf(stderr, "ktrpeer: %s\n", err_text);
		return 2;
	}
	if (!(klog_get_level() == KLOG_DEBUG))
		klog_set_level((enum klog_level)cf.log_level);
	if (o.profile && (profile = dtls_profile_parse(o.profile)) < 0) {
		fprintf(stderr, "ktrpeer: unknown profile %s\n", o.profile);
		return 2;
	}

	if (o.sdes_key_file)
		goto sockets;
	memset(&dc, 0, sizeof(dc));
	if (o.cert) {
		dc.cert_file = o.cert;
		dc.key_file = o.key;
	} else if (strcmp(cf.certificate, "auto") != 0) {
		dc.cert_file = cf.certificate;
		dc.key_file = cf.private_key;
	}
	dc.profiles = profile ? &profile : cf.profiles;
	dc.n_profiles = profile ? 1 : cf.n_profiles;
	dc.ktr_ext_type = o.no_ktr ? 0 : cf.ktr_extension;
	dc.mtu = cf.dtls_mtu;
	if ((err = dtls_ctx_alloc(&ctx, &dc))) {
		fprintf(stderr, "ktrpeer: DTLS context: %s\n", err_str(err));
		return 1;
	}
	printf("fingerprint %s\n", dtls_ctx_fingerprint(ctx));
	if (o.fp_out && (err = write_file(o.fp_out, dtls_ctx_fingerprint(ctx)))) {
		fprintf(stderr, "ktrpeer: %s: %s\n", o.fp_out, err_str(err));
		goto out;
	}

sockets:
	if (o.listen && strcmp(o.listen, "auto") == 0) {
		fd = open_in_range(&cf, &local, &local_len);
	} else if (parse_hostport(o.listen ? o.listen : o.bind ? o.bind :
					     "0.0.0.0:0", &local, &local_len)) {
		fprintf(stderr, "ktrpeer: bad address\n");
		goto out;
	} else {
		fd = open_socket(&local, local_len);
	}
	if (o.connect) {
		if (parse_hostport(o.connect, &peer, &peer_len)) {
			fprintf(stderr, "ktrpeer: bad address %s\n", o.connect);
			goto out;
		}
	}
	if (fd < 0) {
		fprintf(stderr, "ktrpeer: socket: %s\n", err_str(fd));
		goto out;
	}
	local_len = sizeof(local);
	getsockname(fd, (struct sockaddr *)&local, &local_len);
	if (getnameinfo((struct sockaddr *)&local, local_len, err_text, 64,
			spec, 16, NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
		printf("listening %s:%s\n", err_text, spec);
		if (o.port_out && write_file(o.port_out, spec))
			goto out;
	}
	fflush(stdout);

	if (o.sdes_key_file) {
		struct ep_sdes_cfg sc;

		memset(&sc, 0, sizeof(sc));
		sc.profile = profile ? profile : KSRTP_AES128_CM_SHA1_80;
		sc.ssrc = (uint32_t)o.ssrc;
		sc.first_index = (uint32_t)o.first_index;
		err = read_sdes_keys(o.sdes_key_file, sc.profile, o.listen != NULL,
				     &sc.local, &sc.remote);
		if (!err)
			err = ep_alloc_sdes(&ep, fd, o.connect ?
					    (struct sockaddr *)&peer : NULL,
					    peer_len, &sc);
		ksrtp_keymat_wipe(&sc.local);
		ksrtp_keymat_wipe(&sc.remote);
		if (err) {
			fprintf(stderr, "ktrpeer: SDES endpoint: %s\n",
				err_str(err));
			goto out;
		}
		goto run;
	}
	if (o.peer_fp_file) {
		if (read_peer_fp(o.peer_fp_file, peer_fp, sizeof(peer_fp),
				 clk_now_ms() + o.timeout_ms)) {
			fprintf(stderr, "ktrpeer: no peer fingerprint in %s\n",
				o.peer_fp_file);
			goto out;
		}
	} else {
		snprintf(peer_fp, sizeof(peer_fp), "%s", o.peer_fp);
	}

	memset(&ec, 0, sizeof(ec));
	ec.role = o.listen ? DTLS_ROLE_SERVER : DTLS_ROLE_CLIENT;
	ec.peer_fingerprint = peer_fp;
	ec.ktr = !o.no_ktr;
	ec.ktr_cfg.max_frag = cf.ktr_max_fragment;
	ec.ktr_cfg.reasm.max_msg = cf.ktr_max_message;
	ec.ktr_cfg.reasm.max_pending = cf.ktr_max_pending;
	ec.ktr_cfg.reasm.expire_ms = cf.ktr_reassembly_timeout_ms;
	ec.ktr_cfg.rtx_initial_ms = cf.ktr_retransmit_initial_ms;
	ec.ktr_cfg.rtx_max_ms = cf.ktr_retransmit_max_ms;
	ec.ktr_cfg.rtx_limit = cf.ktr_retransmit_limit;
	ec.ktr_cfg.activate_ahead = cf.ktr_activate_ahead;
	ec.ssrc = (uint32_t)o.ssrc;
	ec.first_index = (uint32_t)o.first_index;
	ec.drop_dtls = o.drop;
	ec.drop_seed = (unsigned)o.seed;
	err = ep_alloc(&ep, ctx, fd, o.connect ? (struct sockaddr *)&peer : NULL,
		       peer_len, &ec);
	if (err) {
		fprintf(stderr, "ktrpeer: endpoint: %s\n", err_str(err));
		goto out;
	}
run:
	if (o.capture && (err = ep_set_capture(ep, o.capture))) {
		fprintf(stderr, "ktrpeer: %s: %s\n", o.capture, err_str(err));
		rc = 1;
		goto out;
	}
	rc = run(&o, &cf, ep, fd);
out:
	ep_free(ep);
	if (fd >= 0)
		close(fd);
	dtls_ctx_free(ctx);
	return rc;
}

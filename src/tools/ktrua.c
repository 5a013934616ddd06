/*
 * ktrua: the reference SIP endpoint for both sides of ktrsbc — RFC 4568
 * SDES (--sdes) and DTLS-SRTP (--dtls), with Key Transport (--dtls --ktr).
 * Caller (--call URI) or callee (answers what arrives), one call or many;
 * an audio stream per call, and a video one (--video) with its own keys,
 * DTLS association and KTR.
 * Per call one JSON line on stdout (counters, never keys), and a human
 * summary on stderr; the exit status is 0 only when every call was ok.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clk.h"
#include "base/err.h"
#include "base/klog.h"
#include "conf/conf.h"
#include "dtls/dtls.h"
#include "ep/ep.h"
#include "sdp/sdp.h"
#include "sip/sip.h"
#include "srtp/ksrtp.h"
#include "ua/ua.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: ktrua (--sdes | --dtls [--ktr]) [options] [--call SIP-URI]\n"
	      "Without --call, ktrua answers the calls that arrive.\n"
	      "  --sdes                  RFC 4568: RTP/SAVP with our own a=crypto key\n"
	      "  --dtls                  RFC 5763/5764: UDP/TLS/RTP/SAVP, a=fingerprint, a=setup\n"
	      "  --ktr                   with --dtls: a=dtls-srtp-ktr and the key_transport extension\n"
	      "  --call URI              call sip:[user@]host:port[;transport=udp|tcp|tls]\n"
	      "  --listen HOST:PORT      SIP address (default 127.0.0.1:5070); UDP and TCP on PORT\n"
	      "  --tls-dir DIR           also SIP over TLS on PORT+1 (DIR/agent.pem, DIR/cafile.pem)\n"
	      "  --user NAME             SIP user of From and Contact (default ktrua)\n"
	      "  --media-addr ADDR       media address (default: the SIP host)\n"
	      "  --media-ports MIN-MAX   media port range (default 40000-40999)\n"
	      "  --calls N               caller: place N calls; callee: exit after N calls (default 1)\n"
	      "  --rate R                caller: calls started per second (default 10)\n"
	      "  --duration S            caller: hang up S seconds after the answer (default 3)\n"
	      "  --pps N                 RTP packets per second (default 50: 20 ms G.711 frames)\n"
	      "  --rtcp-every N          an SRTCP sender report every N packets (default 25)\n"
	      "  --no-rtcp-mux           RTCP on its own port (RTP port + 1, a=rtcp), never\n"
	      "                          a=rtcp-mux (RFC 3550 11, RFC 3605)\n"
	      "  --rekey-after S         after S seconds, --sdes re-INVITEs with a new a=crypto\n"
	      "                          key, --dtls --ktr sends new_srtp_key (an unsolicited\n"
	      "                          re-key; either role)\n"
	      "  --rekey-after-ms MS     the same, MS milliseconds after the answer\n"
	      "  --ktr-refuse-after N    --dtls --ktr: acknowledge the peer's first N keys\n"
	      "                          (new_srtp_key), refuse later ones with\n"
	      "                          new_srtp_key_failure\n"
	      "  --ktr-deaf-after N      --dtls --ktr: after the peer's first N keys, ignore\n"
	      "                          every KTR message (never acknowledge)\n"
	      "  --rekey-switch MS       --sdes answering a re-key: switch to our new key MS\n"
	      "                          after the answer (default 0: when the offerer's\n"
	      "                          new-key packets arrive)\n"
	      "  --move-after-ms MS      MS after the answer, move every stream to a new port\n"
	      "                          (re-INVITE; the old port is kept and counted)\n"
	      "  --move-by-update        ... by UPDATE (RFC 3311) instead\n"
	      "  --move-stray N          after the move's answer, N RTP-like datagrams from the\n"
	      "                          old port (the SBC must drop them)\n"
	      "  --hold0-after-ms MS     MS after the answer, hold with c=0.0.0.0 (RFC 3264 8.4)\n"
	      "  --hold-dir DIR          the hold by direction (sendonly or inactive) with our\n"
	      "                          own address instead of c=0.0.0.0 (RFC 3264 8.4)\n"
	      "  --obey-dir              answering a re-offer, send nothing on a line answered\n"
	      "                          a=recvonly or a=inactive (RFC 3264 6.1)\n"
	      "  --resume-after-ms MS    MS after the answer, resume a hold on a new port\n"
	      "  --mux-off-after-ms MS   MS after the answer, stop rtcp-mux (RTCP on port + 1)\n"
	      "  --mux-on-after-ms MS    with --no-rtcp-mux: MS after the answer, mux again\n"
	      "  --codec-change-after-ms MS  MS after the answer, offer audio again with\n"
	      "                          telephone-event (RFC 4733) beside PCMU\n"
	      "  --dtmf                  answer a re-offer's telephone-event\n"
	      "  --remove-video-after-ms MS  MS after the answer, remove the video streams\n"
	      "                          (port 0, RFC 3264 8.2)\n"
	      "  --add-video-after-ms MS MS after the answer, add a video stream (RFC 3264\n"
	      "                          8.1); a callee takes one a re-offer adds\n"
	      "  --first-seq N           sequence number of each call's first RTP packet\n"
	      "                          (default: random per call, RFC 3550 5.1)\n"
	      "  --suite NAME            --sdes crypto-suite (default AES_CM_128_HMAC_SHA1_80)\n"
	      "  --profile NAME          --dtls SRTP profile (default: all, SHA1_80 first)\n"
	      "  --cert FILE --key FILE  --dtls certificate (default: generated ECDSA P-256)\n"
	      "  --answer-delay MS       callee: send 180 Ringing, answer after MS\n"
	      "  --early-media-ms MS     callee: answer in a 183 (reliable when the caller\n"
	      "                          allows 100rel) and send media at once, 200 after MS\n"
	      "  --cancel-after MS       caller: CANCEL when unanswered after MS\n"
	      "  --no-media-tx           send no media (keys, DTLS and KTR as usual)\n"
	      "  --handoff FILE          benchmark only (scripts/bench-real.sh): media sockets\n"
	      "                          get SO_REUSEPORT; when a --dtls call's first RTP\n"
	      "                          packet authenticates, append \"SSRC ADDR PORT\n"
	      "                          PEER_ADDR PEER_PORT PROFILE KEYSALT_HEX\" to FILE so\n"
	      "                          that a sink can take the port over (FILE holds keys)\n"
	      "  --capture FILE          pcap of every SRTP/SRTCP packet sent and received;\n"
	      "                          %%u in FILE is replaced by the call number; one\n"
	      "                          file per stream: m-line N > 0 in FILE with .mN\n"
	      "                          before its extension (call1.m1.pcap)\n"
	      "Streams (an answerer takes every offered audio and video m-line it can key,\n"
	      "each with its own port, SSRC, keys or DTLS association and KTR, and\n"
	      "declines the others with port 0; at most %d m-lines per call):\n"
	      "  --video                 offer a video m-line too (VP8/90000, PT %d, dummy\n"
	      "                          payload) besides the audio one\n"
	      "  --bundle                with --dtls: BUNDLE (RFC 9143): audio and video on one\n"
	      "                          port and one DTLS association (with --ktr a key per\n"
	      "                          SSRC); offers a=group:BUNDLE, answers a bundled offer\n"
	      "                          bundled\n"
	      "  --video-fps N           video frames per second (default 30)\n"
	      "  --video-packets N       packets per video frame (default 5)\n"
	      "  --video-size BYTES      payload bytes per video packet (default 1200)\n"
	      "  --offer-extra KIND      also offer an m-line ktrua does not use, for the\n"
	      "                          answerer to decline: application (a WebRTC data\n"
	      "                          channel) or image (T.38); repeatable\n"
	      "  --timeout S             give up after S seconds in all (default 60)\n"
	      "  -c, --config FILE       ktrsbc.conf: KTR code point, timers, DTLS MTU\n"
	      "  -v, --verbose           debug logs on stderr\n"
	      "  -h, --help              this text\n",
	      UA_STREAMS_MAX, UA_VIDEO_PT);
}

static unsigned long num(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end) {
		fprintf(stderr, "ktrua: %s: not a number: %s\n", what, s);
		exit(2);
	}
	return v;
}

struct opts {
	bool sdes, dtls, ktr, no_rtcp_mux, no_media_tx;
	const char *handoff;
	const char *call, *listen, *tls_dir, *media_addr, *suite, *profile, *user;
	const char *cert, *key, *capture, *conf;
	/* streams */
	bool video;
	bool bundle;
	unsigned video_fps, video_pkts, video_size, n_extra;
	const char *extra[UA_STREAMS_MAX];
	unsigned port_min, port_max, calls, rate, duration, pps, rtcp_every;
	unsigned rekey_after, answer_delay, early_media, cancel_after, timeout, rekey_switch;
	unsigned rekey_after_ms;
	unsigned move_after_ms, hold0_after_ms, resume_after_ms, move_stray;
	unsigned mux_off_after_ms, mux_on_after_ms, codec_change_after_ms;
	unsigned remove_video_after_ms, add_video_after_ms;
	bool move_update, dtmf, obey_dir;
	enum sdp_dir hold_dir; /* --hold-dir; SDP_DIR_NONE: c=0.0.0.0 */
	int ktr_refuse_after, ktr_deaf_after; /* -1: off */
	long first_seq; /* -1: random */
};

static void parse(int argc, char **argv, struct opts *o)
{
	enum { O_SDES = 256, O_DTLS, O_KTR, O_CALL, O_LISTEN, O_TLSDIR, O_MADDR,
	       O_MPORTS, O_CALLS, O_RATE, O_DUR, O_PPS, O_RTCP, O_REKEY, O_SUITE,
	       O_PROFILE, O_CERT, O_KEY, O_ADELAY, O_CANCEL, O_CAPTURE,
	       O_TIMEOUT, O_NOMUX, O_USER, O_RSWITCH, O_REKEYMS, O_REFUSE,
	       O_DEAF, O_FSEQ, O_MOVE, O_MOVEUPD, O_MOVESTRAY, O_HOLD0, O_HOLDDIR, O_OBEYDIR, O_RESUME,
	       O_MUXOFF, O_MUXON, O_CODEC, O_DTMF, O_RMVIDEO, O_ADDVIDEO,
	       /* streams */
	       O_VIDEO, O_VFPS, O_VPKTS, O_VSIZE, O_EXTRA, O_NOTX, O_HANDOFF,
	       O_EARLY, O_BUNDLE };
	static const struct option lo[] = {
		{ "sdes", no_argument, 0, O_SDES },
		{ "dtls", no_argument, 0, O_DTLS },
		{ "ktr", no_argument, 0, O_KTR },
		{ "call", required_argument, 0, O_CALL },
		{ "listen", required_argument, 0, O_LISTEN },
		{ "tls-dir", required_argument, 0, O_TLSDIR },
		{ "media-addr", required_argument, 0, O_MADDR },
		{ "media-ports", required_argument, 0, O_MPORTS },
		{ "calls", required_argument, 0, O_CALLS },
		{ "rate", required_argument, 0, O_RATE },
		{ "duration", required_argument, 0, O_DUR },
		{ "pps", required_argument, 0, O_PPS },
		{ "rtcp-every", required_argument, 0, O_RTCP },
		{ "no-rtcp-mux", no_argument, 0, O_NOMUX },
		{ "user", required_argument, 0, O_USER },
		{ "rekey-after", required_argument, 0, O_REKEY },
		{ "rekey-switch", required_argument, 0, O_RSWITCH },
		{ "rekey-after-ms", required_argument, 0, O_REKEYMS },
		{ "ktr-refuse-after", required_argument, 0, O_REFUSE },
		{ "ktr-deaf-after", required_argument, 0, O_DEAF },
		{ "first-seq", required_argument, 0, O_FSEQ },
		{ "move-after-ms", required_argument, 0, O_MOVE },
		{ "move-by-update", no_argument, 0, O_MOVEUPD },
		{ "move-stray", required_argument, 0, O_MOVESTRAY },
		{ "hold0-after-ms", required_argument, 0, O_HOLD0 },
		{ "hold-dir", required_argument, 0, O_HOLDDIR },
		{ "obey-dir", no_argument, 0, O_OBEYDIR },
		{ "resume-after-ms", required_argument, 0, O_RESUME },
		{ "mux-off-after-ms", required_argument, 0, O_MUXOFF },
		{ "mux-on-after-ms", required_argument, 0, O_MUXON },
		{ "codec-change-after-ms", required_argument, 0, O_CODEC },
		{ "dtmf", no_argument, 0, O_DTMF },
		{ "remove-video-after-ms", required_argument, 0, O_RMVIDEO },
		{ "add-video-after-ms", required_argument, 0, O_ADDVIDEO },
		{ "suite", required_argument, 0, O_SUITE },
		{ "profile", required_argument, 0, O_PROFILE },
		{ "cert", required_argument, 0, O_CERT },
		{ "key", required_argument, 0, O_KEY },
		{ "answer-delay", required_argument, 0, O_ADELAY },
		{ "early-media-ms", required_argument, 0, O_EARLY },
		{ "cancel-after", required_argument, 0, O_CANCEL },
		{ "capture", required_argument, 0, O_CAPTURE },
		/* streams */
		{ "video", no_argument, 0, O_VIDEO },
		{ "bundle", no_argument, 0, O_BUNDLE },
		{ "video-fps", required_argument, 0, O_VFPS },
		{ "video-packets", required_argument, 0, O_VPKTS },
		{ "video-size", required_argument, 0, O_VSIZE },
		{ "offer-extra", required_argument, 0, O_EXTRA },
		{ "no-media-tx", no_argument, 0, O_NOTX },
		{ "handoff", required_argument, 0, O_HANDOFF },
		{ "timeout", required_argument, 0, O_TIMEOUT },
		{ "config", required_argument, 0, 'c' },
		{ "verbose", no_argument, 0, 'v' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	int ch;

	memset(o, 0, sizeof(*o));
	o->listen = "127.0.0.1:5070";
	o->port_min = 40000;
	o->port_max = 40999;
	o->calls = 1;
	o->rate = 10;
	o->duration = 3;
	o->pps = 50;
	o->rtcp_every = 25;
	o->timeout = 60;
	o->first_seq = -1;
	o->suite = "AES_CM_128_HMAC_SHA1_80";
	o->ktr_refuse_after = o->ktr_deaf_after = -1;
	o->video_fps = 30; /* streams */
	o->video_pkts = 5;
	o->video_size = 1200;
	while ((ch = getopt_long(argc, argv, "c:vh", lo, NULL)) != -1) {
		switch (ch) {
		case O_SDES: o->sdes = true; break;
		case O_DTLS: o->dtls = true; break;
		case O_KTR: o->ktr = true; break;
		case O_CALL: o->call = optarg; break;
		case O_LISTEN: o->listen = optarg; break;
		case O_TLSDIR: o->tls_dir = optarg; break;
		case O_MADDR: o->media_addr = optarg; break;
		case O_MPORTS:
			if (sscanf(optarg, "%u-%u", &o->port_min, &o->port_max) != 2 ||
			    o->port_min < 1024 || o->port_max > 65535 ||
			    o->port_min > o->port_max) {
				fprintf(stderr, "ktrua: --media-ports MIN-MAX\n");
				exit(2);
			}
			break;
		case O_CALLS: o->calls = (unsigned)num(optarg, "--calls"); break;
		case O_RATE: o->rate = (unsigned)num(optarg, "--rate"); break;
		case O_DUR: o->duration = (unsigned)num(optarg, "--duration"); break;
		case O_PPS: o->pps = (unsigned)num(optarg, "--pps"); break;
		case O_RTCP: o->rtcp_every = (unsigned)num(optarg, "--rtcp-every"); break;
		case O_NOMUX: o->no_rtcp_mux = true; break;
		case O_USER: o->user = optarg; break;
		case O_REKEY: o->rekey_after = (unsigned)num(optarg, "--rekey-after"); break;
		case O_RSWITCH: o->rekey_switch = (unsigned)num(optarg, "--rekey-switch"); break;
		case O_REKEYMS: o->rekey_after_ms = (unsigned)num(optarg, "--rekey-after-ms"); break;
		case O_REFUSE: o->ktr_refuse_after = (int)num(optarg, "--ktr-refuse-after"); break;
		case O_DEAF: o->ktr_deaf_after = (int)num(optarg, "--ktr-deaf-after"); break;
		case O_MOVE: o->move_after_ms = (unsigned)num(optarg, "--move-after-ms"); break;
		case O_MOVEUPD: o->move_update = true; break;
		case O_MOVESTRAY: o->move_stray = (unsigned)num(optarg, "--move-stray"); break;
		case O_HOLD0: o->hold0_after_ms = (unsigned)num(optarg, "--hold0-after-ms"); break;
		case O_HOLDDIR:
			if (!strcmp(optarg, "sendonly"))
				o->hold_dir = SDP_DIR_SENDONLY;
			else if (!strcmp(optarg, "inactive"))
				o->hold_dir = SDP_DIR_INACTIVE;
			else {
				fprintf(stderr, "ktrua: --hold-dir: sendonly or inactive, not %s\n", optarg);
				exit(2);
			}
			break;
		case O_OBEYDIR: o->obey_dir = true; break;
		case O_RESUME: o->resume_after_ms = (unsigned)num(optarg, "--resume-after-ms"); break;
		case O_MUXOFF: o->mux_off_after_ms = (unsigned)num(optarg, "--mux-off-after-ms"); break;
		case O_MUXON: o->mux_on_after_ms = (unsigned)num(optarg, "--mux-on-after-ms"); break;
		case O_CODEC: o->codec_change_after_ms = (unsigned)num(optarg, "--codec-change-after-ms"); break;
		case O_DTMF: o->dtmf = true; break;
		case O_RMVIDEO: o->remove_video_after_ms = (unsigned)num(optarg, "--remove-video-after-ms"); break;
		case O_ADDVIDEO: o->add_video_after_ms = (unsigned)num(optarg, "--add-video-after-ms"); break;
		case O_FSEQ:
			o->first_seq = (long)num(optarg, "--first-seq");
			if (o->first_seq > 65535) {
				fprintf(stderr, "ktrua: --first-seq 0..65535\n");
				exit(2);
			}
			break;
		case O_SUITE: o->suite = optarg; break;
		case O_PROFILE: o->profile = optarg; break;
		case O_CERT: o->cert = optarg; break;
		case O_KEY: o->key = optarg; break;
		case O_ADELAY: o->answer_delay = (unsigned)num(optarg, "--answer-delay"); break;
		case O_EARLY: o->early_media = (unsigned)num(optarg, "--early-media-ms"); break;
		case O_CANCEL: o->cancel_after = (unsigned)num(optarg, "--cancel-after"); break;
		case O_CAPTURE: o->capture = optarg; break;
		/* streams */
		case O_VIDEO: o->video = true; break;
		case O_BUNDLE: o->bundle = true; break;
		case O_VFPS: o->video_fps = (unsigned)num(optarg, "--video-fps"); break;
		case O_VPKTS: o->video_pkts = (unsigned)num(optarg, "--video-packets"); break;
		case O_VSIZE: o->video_size = (unsigned)num(optarg, "--video-size"); break;
		case O_EXTRA:
			if (strcmp(optarg, "application") && strcmp(optarg, "image")) {
				fprintf(stderr, "ktrua: --offer-extra application|image\n");
				exit(2);
			}
			if (o->n_extra < UA_STREAMS_MAX)
				o->extra[o->n_extra] = optarg;
			o->n_extra++;
			break;
		case O_NOTX: o->no_media_tx = true; break;
		case O_HANDOFF: o->handoff = optarg; break;
		case O_TIMEOUT: o->timeout = (unsigned)num(optarg, "--timeout"); break;
		case 'c': o->conf = optarg; break;
		case 'v': klog_set_level(KLOG_DEBUG); break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (optind != argc || o->sdes == o->dtls || (o->ktr && !o->dtls) ||
	    ((o->ktr_refuse_after >= 0 || o->ktr_deaf_after >= 0) && !o->ktr) ||
	    (o->ktr_refuse_after >= 0 && o->ktr_deaf_after >= 0) ||
	    !o->rate || !o->pps || o->pps > 100000 || !o->calls ||
	    !o->cert != !o->key || (o->handoff && !o->dtls) ||
	    /* streams: the offer's m-lines within the limit, frames that fit
	     * the 90 kHz clock and the pacer */
	    1 + o->video + o->n_extra > UA_STREAMS_MAX ||
	    !o->video_fps || o->video_fps > 1000 || !o->video_pkts ||
	    o->video_pkts > 1000 || (uint64_t)o->video_fps * o->video_pkts > 100000 ||
	    !o->video_size || o->video_size > EP_MEDIA_PAYLOAD_MAX) {
		usage(stderr);
		exit(2);
	}
}

int main(int argc, char **argv)
{
	struct opts o;
	struct conf cf;
	char host[128], err_text[256];
	const char *colon;
	struct sip_loop *loop = NULL;
	struct dtls_ctx *dtls = NULL;
	struct ua *ua = NULL;
	struct sip_ua_cfg sc;
	struct ua_cfg uc;
	int profile = 0, rc = 1, err;
	uint64_t start, next_call;
	unsigned placed = 0;

	parse(argc, argv, &o);
	conf_defaults(&cf);
	if (o.conf && conf_load(&cf, o.conf, err_text, sizeof(err_text))) {
		fprintf(stderr, "ktrua: %s\n", err_text);
		return 2;
	}
	colon = strrchr(o.listen, ':');
	if (!colon || (size_t)(colon - o.listen) >= sizeof(host)) {
		fprintf(stderr, "ktrua: --listen HOST:PORT\n");
		return 2;
	}
	memcpy(host, o.listen, (size_t)(colon - o.listen));
	host[colon - o.listen] = 0;

	memset(&uc, 0, sizeof(uc));
	uc.mode = o.sdes ? UA_SDES : UA_DTLS;
	uc.ktr = o.ktr;
	uc.suite = sdp_suite_parse(o.suite, strlen(o.suite));
	if (o.sdes && sdp_suite_to_profile(uc.suite) < 0) {
		fprintf(stderr, "ktrua: --suite %s: ktrua keys AES_CM_128_HMAC_SHA1_80/_32, AEAD_AES_128_GCM, AEAD_AES_256_GCM\n",
			o.suite);
		return 2;
	}
	if (o.no_rtcp_mux && (o.move_after_ms || o.resume_after_ms || o.mux_off_after_ms)) {
		fprintf(stderr, "ktrua: media moves and --mux-off-after-ms need rtcp-mux (no --no-rtcp-mux)\n");
		return 2;
	}
	if (o.mux_on_after_ms && (!o.no_rtcp_mux || o.mux_off_after_ms)) {
		fprintf(stderr, "ktrua: --mux-on-after-ms needs --no-rtcp-mux\n");
		return 2;
	}
	if (o.bundle && !o.dtls) {
		/* BUNDLE is the DTLS side's (ktrsbc bundles toward it) */
		fprintf(stderr, "ktrua: --bundle is for --dtls only\n");
		return 2;
	}
	if (o.no_rtcp_mux && !o.sdes) {
		/* RFC 5764 4.1 would want a DTLS association per component */
		fprintf(stderr, "ktrua: --no-rtcp-mux is for --sdes only\n");
		return 2;
	}
	if (o.dtls) {
		struct dtls_ctx_cfg dc;

		if (o.profile && (profile = dtls_profile_parse(o.profile)) < 0) {
			fprintf(stderr, "ktrua: unknown profile %s\n", o.profile);
			return 2;
		}
		memset(&dc, 0, sizeof(dc));
		dc.cert_file = o.cert;
		dc.key_file = o.key;
		dc.profiles = profile ? &profile : cf.profiles;
		dc.n_profiles = profile ? 1 : cf.n_profiles;
		dc.ktr_ext_type = o.ktr ? cf.ktr_extension : 0;
		dc.mtu = cf.dtls_mtu;
		dc.handshake_timeout_ms = cf.dtls_handshake_timeout_ms;
		if ((err = dtls_ctx_alloc(&dtls, &dc))) {
			fprintf(stderr, "ktrua: DTLS: %s\n", err_str(err));
			return 1;
		}
	}
	uc.dtls = dtls;
	uc.ktr_cfg.max_frag = cf.ktr_max_fragment;
	uc.ktr_cfg.reasm.max_msg = cf.ktr_max_message;
	uc.ktr_cfg.reasm.max_pending = cf.ktr_max_pending;
	uc.ktr_cfg.reasm.expire_ms = cf.ktr_reassembly_timeout_ms;
	uc.ktr_cfg.rtx_initial_ms = cf.ktr_retransmit_initial_ms;
	uc.ktr_cfg.rtx_max_ms = cf.ktr_retransmit_max_ms;
	uc.ktr_cfg.rtx_limit = cf.ktr_retransmit_limit;
	uc.ktr_cfg.activate_ahead = cf.ktr_activate_ahead;
	uc.media_addr = o.media_addr ? o.media_addr : host;
	uc.port_min = (uint16_t)o.port_min;
	uc.port_max = (uint16_t)o.port_max;
	uc.pps = o.pps;
	uc.rtcp_every = o.rtcp_every;
	uc.no_rtcp_mux = o.no_rtcp_mux;
	uc.duration_ms = o.duration * 1000;
	uc.rekey_after_ms = o.rekey_after_ms ? o.rekey_after_ms : o.rekey_after * 1000;
	uc.ktr_cfg.refuse_keys = o.ktr_refuse_after >= 0;
	uc.ktr_cfg.deaf = o.ktr_deaf_after >= 0;
	uc.ktr_cfg.accept_keys = (unsigned)(o.ktr_refuse_after >= 0 ? o.ktr_refuse_after :
					    o.ktr_deaf_after >= 0 ? o.ktr_deaf_after : 0);
	uc.rekey_switch_ms = o.rekey_switch;
	uc.move_after_ms = o.move_after_ms;
	uc.move_update = o.move_update;
	uc.move_stray = o.move_stray;
	uc.hold0_after_ms = o.hold0_after_ms;
	uc.hold_dir = o.hold_dir;
	uc.obey_dir = o.obey_dir;
	uc.resume_after_ms = o.resume_after_ms;
	uc.mux_off_after_ms = o.mux_off_after_ms;
	uc.mux_on_after_ms = o.mux_on_after_ms;
	uc.codec_change_after_ms = o.codec_change_after_ms;
	uc.dtmf = o.dtmf;
	uc.remove_video_after_ms = o.remove_video_after_ms;
	uc.add_video_after_ms = o.add_video_after_ms;
	uc.answer_delay_ms = o.answer_delay;
	uc.early_media_ms = o.early_media;
	uc.cancel_after_ms = o.cancel_after;
	uc.max_calls = o.call ? 0 : o.calls;
	uc.capture = o.capture;
	uc.first_seq = (int32_t)o.first_seq;
	/* streams */
	uc.video = o.video;
	uc.bundle = o.bundle;
	uc.video_fps = o.video_fps;
	uc.video_pkts = o.video_pkts;
	uc.video_size = o.video_size;
	uc.n_offer_extra = o.n_extra;
	memcpy(uc.offer_extra, o.extra, sizeof(uc.offer_extra));
	uc.no_media_tx = o.no_media_tx;
	if (o.handoff && !(uc.handoff = fopen(o.handoff, "a"))) {
		fprintf(stderr, "ktrua: --handoff %s: %s\n", o.handoff, strerror(errno));
		return 2;
	}

	memset(&sc, 0, sizeof(sc));
	sc.bind_host = host;
	sc.port = (uint16_t)num(colon + 1, "--listen port");
	sc.udp = sc.tcp = true;
	sc.tls = o.tls_dir != NULL;
	sc.tls_dir = o.tls_dir;
	sc.user = o.user ? o.user : "ktrua";

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if ((err = sip_loop_alloc(&loop)) ||
	    (err = ua_alloc(&ua, loop, &sc, &uc, stdout))) {
		fprintf(stderr, "ktrua: SIP on %s: %s\n", o.listen, err_str(err));
		goto out;
	}
	fprintf(stderr, "ktrua: %s%s on %s, %s\n", o.sdes ? "SDES" : "DTLS-SRTP",
		o.ktr ? " with KTR" : "", o.listen,
		o.call ? "calling" : "waiting for calls");
	start = next_call = clk_now_ms();
	while (!stop_flag && ua_ended(ua) < o.calls) {
		uint64_t now = clk_now_ms();

		if (now >= start + (uint64_t)o.timeout * 1000) {
			fprintf(stderr, "ktrua: timeout after %u s\n", o.timeout);
			break;
		}
		if (o.call && placed < o.calls && now >= next_call) {
			placed++;
			ua_call(ua, o.call);
			next_call += 1000 / o.rate;
		}
		sip_loop_step(loop, 5);
	}
	ua_stop(ua);
	/* Let the BYEs and CANCELs of a stop go out. */
	for (int i = 0; i < 20; i++)
		sip_loop_step(loop, 5);
	ua_summary(ua, stderr);
	rc = ua_ended(ua) == o.calls && ua_ok(ua) == o.calls ? 0 : 1;
out:
	ua_free(ua);
	sip_loop_free(loop);
	dtls_ctx_free(dtls);
	if (uc.handoff)
		fclose(uc.handoff);
	return rc;
}

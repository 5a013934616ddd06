/*
 * ktrsbc-sdp: what the SBC sees in an SDP and what it would send.
 *
 *   ktrsbc-sdp parse FILE
 *   ktrsbc-sdp translate --to dtls|sdes [options] FILE
 *
 * FILE "-" is standard input. parse prints a normalised structure as JSON
 * (keys are never printed: a=crypto shows lengths, lifetimes and MKIs);
 * errors print "FILE:LINE:COL: message" and exit with status 1. Usage
 * errors exit with status 2. See usage() for every option.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/sec.h"
#include "sdp/sdp.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: ktrsbc-sdp parse FILE\n"
"       ktrsbc-sdp translate --to dtls|sdes [options] FILE\n"
"       ktrsbc-sdp --help\n"
"\n"
"FILE is an SDP body; \"-\" reads standard input. Errors are printed as\n"
"FILE:LINE:COL: message, with exit status 1 (2 for a usage error).\n"
"\n"
"parse      print the normalised structure as JSON: origin, connection,\n"
"           every m-line (type, port, proto, formats, effective connection,\n"
"           direction, rtcp-mux, RTCP port), typed a=crypto (tag, suite,\n"
"           key||salt length, lifetime, MKI, session parameters; never the\n"
"           key itself), fingerprint, setup, KTR (draft-wing-avt-dtls-srtp-\n"
"           key-transport-02 4.6, RFC 5939 capability negotiation resolved)\n"
"           and the remaining attributes in order.\n"
"\n"
"translate  rewrite FILE as the SBC would for the other leg and print it:\n"
"  --to dtls          FILE is an SDES (RFC 4568) offer -> DTLS-SRTP offer;\n"
"                     with --answer-to: FILE is the SDES UA's answer ->\n"
"                     answer to the DTLS UA.\n"
"  --to sdes          FILE is a DTLS-SRTP offer -> SDES offer; with\n"
"                     --answer-to: FILE is the DTLS UA's answer -> answer\n"
"                     to the SDES UA.\n"
"  --answer-to OFFER  FILE is an answer; OFFER is the offer it answers as\n"
"                     the other leg sent it (the SDES UA's offer for --to\n"
"                     sdes, the DTLS UA's offer for --to dtls).\n"
"  --relay ADDR       relay IPv4/IPv6 literal for o= and c= (default\n"
"                     192.0.2.1).\n"
"  --port N           relay port of the next m-line; repeat once per m-line\n"
"                     in order; 0 rejects that m-line. Default for an\n"
"                     m-line without --port: 40000 + 2 * its index.\n"
"  --fingerprint FP   the SBC's certificate fingerprint for a DTLS leg, as\n"
"                     in a=fingerprint: \"sha-256 AB:CD:...\" (required for\n"
"                     --to dtls).\n"
"  --setup ROLE       active|passive|actpass for the DTLS leg (default:\n"
"                     actpass in an offer, active in an answer).\n"
"  --ktr FORM         attr|capneg-required|capneg-optional|none: how the\n"
"                     DTLS offer advertises KTR (default attr: a=dtls-srtp-\n"
"                     ktr; capneg-*: the RFC 5939 form of the draft's\n"
"                     Figures 13/14). In a DTLS answer, none = do not echo.\n"
"  --profile P        m= profile of a translated offer, as the target\n"
"                     trunk's sdes_profile/dtls_profile: RTP/SAVP or\n"
"                     RTP/SAVPF (--to sdes), UDP/TLS/RTP/SAVPF or\n"
"                     UDP/TLS/RTP/SAVP (--to dtls), or mirror (feedback\n"
"                     exactly when FILE has it). Default: the trunks'\n"
"                     default, RTP/SAVP or UDP/TLS/RTP/SAVPF. Without\n"
"                     feedback a=rtcp-fb and a=rtcp-rsize are left out.\n"
"                     An answer always takes its offer's profile.\n"
"  --suite NAME       crypto-suite of the SDES leg's a=crypto (default\n"
"                     AES_CM_128_HMAC_SHA1_80); for an answer the offer must\n"
"                     carry it.\n"
"  --key BASE64       key||salt for the next m-line's a=crypto (SDES leg);\n"
"                     repeat once per m-line. The tool never invents a key\n"
"                     unless told to by --random-keys.\n"
"  --random-keys      give every m-line without --key a fresh key from the\n"
"                     CSPRNG (sec_random, OpenSSL RAND_bytes). The keys\n"
"                     appear only in the printed SDP.\n"
"  --origin U,ID,VER  o= user, sess-id and sess-version of the output\n"
"                     (default: the input's, with the relay address).\n"
"  --help             this text.\n");
}

static char *read_all(const char *path, size_t *lenp)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	size_t cap = 4096, len = 0, n;
	char *b;

	if (!f)
		return NULL;
	b = malloc(cap);
	while (b) {
		n = fread(b + len, 1, cap - len, f);
		len += n;
		if (len < cap)
			break;
		/* read one byte past the limit so sdp_parse reports the size */
		if (cap > 2 * SDP_MAX_SIZE)
			break;
		char *nb = realloc(b, cap * 2);

		if (!nb) {
			free(b);
			b = NULL;
			break;
		}
		b = nb;
		cap *= 2;
	}
	if (f != stdin)
		fclose(f);
	*lenp = len;
	return b;
}

static void jstr(const char *s)
{
	putchar('"');
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static const char *ktr_name(enum sdp_ktr k)
{
	return k == SDP_KTR_REQUIRED ? "required" : k == SDP_KTR_OPTIONAL ? "optional" : "none";
}

static void jfp(const struct sdp_fingerprint *f)
{
	char b[SDP_HASH_NAME_MAX + 3 * SDP_FP_MAX + 8];

	if (sdp_fingerprint_print(f, b, sizeof(b)) < 0)
		b[0] = '\0';
	jstr(b);
}

static void jconn(const struct sdp_conn *c)
{
	printf("{\"nettype\":");
	jstr(c->nettype);
	printf(",\"addrtype\":");
	jstr(c->addrtype);
	printf(",\"address\":");
	jstr(c->addr);
	printf("}");
}

static void jkeyparam(const struct sdp_keyparam *k)
{
	printf("{\"key_salt_len\":%u", k->keysalt_len);
	if (k->has_lifetime)
		printf(",\"lifetime\":%llu", (unsigned long long)k->lifetime);
	if (k->has_mki)
		printf(",\"mki\":%llu,\"mki_len\":%u", (unsigned long long)k->mki, k->mki_len);
	printf("}");
}

static void jcrypto(const struct sdp_crypto *c)
{
	unsigned i;

	printf("{\"tag\":%u,\"suite\":", c->tag);
	jstr(c->suite_name);
	printf(",\"supported\":%s,\"keys\":[", sdp_suite_supported(c->suite) ? "true" : "false");
	for (i = 0; i < c->n_keys && c->suite != SDP_SUITE_UNKNOWN; i++) {
		if (i)
			putchar(',');
		jkeyparam(&c->keys[i]);
	}
	printf("]");
	if (c->has_kdr)
		printf(",\"kdr\":%u", c->kdr);
	if (c->unencrypted_srtp)
		printf(",\"unencrypted_srtp\":true");
	if (c->unencrypted_srtcp)
		printf(",\"unencrypted_srtcp\":true");
	if (c->unauthenticated_srtp)
		printf(",\"unauthenticated_srtp\":true");
	if (c->fec_order)
		printf(",\"fec_order\":\"%s\"", c->fec_order == SDP_FEC_FEC_SRTP ? "FEC_SRTP" : "SRTP_FEC");
	if (c->n_fec_keys)
		printf(",\"fec_keys\":%u", c->n_fec_keys);
	if (c->has_wsh)
		printf(",\"wsh\":%u", c->wsh);
	if (c->ext[0]) {
		printf(",\"other_params\":");
		jstr(c->ext);
	}
	printf("}");
}

static void jattr(const struct sdp_attr *a)
{
	printf("{\"name\":");
	jstr(a->name);
	if (a->value) {
		printf(",\"value\":");
		/* a=crypto and acap'd crypto carry keys: never print them */
		if (!strcmp(a->name, "crypto") || !strcmp(a->name, "key-mgmt") ||
		    (!strcmp(a->name, "acap") && (strstr(a->value, "crypto:") ||
						  strstr(a->value, "key-mgmt:"))))
			jstr("(key material not shown)");
		else
			jstr(a->value);
	}
	printf(",\"line\":%u}", a->line);
}

static int cmd_parse(const char *path)
{
	struct sdp_session *s;
	struct sdp_error e;
	struct sdp_origin o;
	struct sdp_conn c;
	struct sdp_attr a;
	size_t len, i, k;
	char *text = read_all(path, &len), msg[512];
	int r;

	if (!text) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return 1;
	}
	r = sdp_parse(&s, text, len, &e);
	sec_wipe(text, len);
	free(text);
	if (r) {
		sdp_error_format(&e, path, msg, sizeof(msg));
		fprintf(stderr, "%s\n", msg);
		return 1;
	}
	sdp_session_origin(s, &o);
	printf("{\"origin\":{\"user\":");
	jstr(o.user);
	printf(",\"sess_id\":%llu,\"sess_version\":%llu,\"nettype\":",
	       (unsigned long long)o.sess_id, (unsigned long long)o.sess_ver);
	jstr(o.nettype);
	printf(",\"addrtype\":");
	jstr(o.addrtype);
	printf(",\"address\":");
	jstr(o.addr);
	printf("},\"name\":");
	jstr(sdp_session_name(s));
	if (sdp_session_conn(s, &c)) {
		printf(",\"connection\":");
		jconn(&c);
	}
	printf(",\"attributes\":[");
	for (i = 0; sdp_session_attr_get(s, i, &a) == 0; i++) {
		if (i)
			putchar(',');
		jattr(&a);
	}
	printf("],\"media\":[");
	for (i = 0; i < sdp_session_media_count(s); i++) {
		struct sdp_media *m = sdp_session_media(s, i);
		struct sdp_dtls_info di;
		struct sdp_rtcp rc;
		struct sdp_crypto cr;

		if (i)
			putchar(',');
		printf("{\"type\":");
		jstr(sdp_media_type(m));
		printf(",\"port\":%u,\"port_count\":%u,\"rejected\":%s,\"proto\":", sdp_media_port(m),
		       sdp_media_port_count(m), sdp_media_port(m) ? "false" : "true");
		jstr(sdp_media_proto(m));
		printf(",\"formats\":[");
		for (k = 0; k < sdp_media_fmt_count(m); k++) {
			if (k)
				putchar(',');
			jstr(sdp_media_fmt(m, k));
		}
		printf("]");
		if (sdp_media_conn(m, &c)) {
			printf(",\"connection\":");
			jconn(&c);
		}
		printf(",\"direction\":\"%s\",\"rtcp_mux\":%s", sdp_dir_name(sdp_media_dir(m)),
		       sdp_media_rtcp_mux(m) ? "true" : "false");
		if (sdp_media_rtcp(m, &rc))
			printf(",\"rtcp_port\":%u", rc.port);
		printf(",\"crypto\":[");
		for (k = 0; sdp_media_crypto_get(m, k, &cr) == 0; k++) {
			if (k)
				putchar(',');
			jcrypto(&cr);
			sdp_crypto_wipe(&cr);
		}
		printf("]");
		r = sdp_media_crypto_pick(m, NULL, 0, NULL, NULL);
		if (r >= 0)
			printf(",\"crypto_acceptable\":%d", r);
		if (sdp_media_dtls_info(m, &di, NULL) == 0) {
			printf(",\"dtls\":{\"offered\":%s,\"via_capneg\":%s", di.dtls ? "true" : "false",
			       di.via_capneg ? "true" : "false");
			if (di.via_capneg)
				printf(",\"config\":%u", di.cfg_num);
			if (di.has_fingerprint) {
				printf(",\"fingerprint\":");
				jfp(&di.fingerprint);
			}
			if (di.setup)
				printf(",\"setup\":\"%s\"", sdp_setup_name(di.setup));
			printf(",\"ktr\":\"%s\"", ktr_name(di.ktr));
			if (di.ktr_level)
				printf(",\"ktr_level\":\"%s\"",
				       di.ktr_level == SDP_LEVEL_SESSION ? "session" : "media");
			if (di.has_ktr_server) {
				printf(",\"ktr_server\":{\"port\":%u,\"address\":", di.ktr_server.port);
				jconn(&di.ktr_server.conn);
				printf("}");
			}
			printf("}");
		}
		printf(",\"attributes\":[");
		for (k = 0; sdp_media_attr_get(m, k, &a) == 0; k++) {
			if (k)
				putchar(',');
			jattr(&a);
		}
		printf("]}");
	}
	printf("]}\n");
	sdp_session_free(s);
	return 0;
}

static struct sdp_session *load(const char *path)
{
	struct sdp_session *s = NULL;
	struct sdp_error e;
	char msg[512], *text;
	size_t len;

	text = read_all(path, &len);
	if (!text) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return NULL;
	}
	if (sdp_parse(&s, text, len, &e)) {
		sdp_error_format(&e, path, msg, sizeof(msg));
		fprintf(stderr, "%s\n", msg);
	}
	sec_wipe(text, len);
	free(text);
	return s;
}

static int cmd_translate(int argc, char **argv)
{
	struct sdp_xlate_mparams mp[SDP_MAX_MEDIA];
	struct sdp_xlate_params p = { 0 };
	struct sdp_fingerprint fp;
	bool have_fp = false, random_keys = false, to_dtls = false, to_set = false;
	size_t n_port = 0, n_key = 0, i;
	enum sdp_suite suite = SDP_SUITE_AES_CM_128_HMAC_SHA1_80;
	const char *answer_to = NULL, *file = NULL, *profile = NULL;
	struct sdp_session *in = NULL, *offer = NULL, *out = NULL;
	char *text = NULL, origin_user[64];
	struct sdp_error e;
	int r, rc = 1, k;

	memset(mp, 0, sizeof(mp));
	p.relay_addr = "192.0.2.1";
	p.ktr_form = SDP_KTR_FORM_ATTR;
	for (k = 2; k < argc; k++) {
		const char *o = argv[k], *v = k + 1 < argc ? argv[k + 1] : NULL;

#define NEED()                                                              \
	do {                                                                \
		if (!v) {                                                   \
			fprintf(stderr, "ktrsbc-sdp: %s needs a value\n", o); \
			return 2;                                           \
		}                                                           \
		k++;                                                        \
	} while (0)
		if (!strcmp(o, "--to")) {
			NEED();
			if (!strcmp(v, "dtls"))
				to_dtls = true;
			else if (strcmp(v, "sdes")) {
				fprintf(stderr, "ktrsbc-sdp: --to dtls or --to sdes\n");
				return 2;
			}
			to_set = true;
		} else if (!strcmp(o, "--answer-to")) {
			NEED();
			answer_to = v;
		} else if (!strcmp(o, "--relay")) {
			NEED();
			p.relay_addr = v;
		} else if (!strcmp(o, "--port")) {
			char *end;
			unsigned long x;

			NEED();
			x = strtoul(v, &end, 10);
			if (*end || !*v || x > 65535 || n_port >= SDP_MAX_MEDIA) {
				fprintf(stderr, "ktrsbc-sdp: bad --port %s\n", v);
				return 2;
			}
			mp[n_port++].port = (uint16_t)x;
		} else if (!strcmp(o, "--fingerprint")) {
			NEED();
			if (sdp_fingerprint_parse(v, strlen(v), &fp, NULL)) {
				fprintf(stderr, "ktrsbc-sdp: bad --fingerprint\n");
				return 2;
			}
			have_fp = true;
		} else if (!strcmp(o, "--setup")) {
			NEED();
			if (sdp_setup_parse(v, strlen(v), &p.setup) || p.setup == SDP_SETUP_HOLDCONN) {
				fprintf(stderr, "ktrsbc-sdp: bad --setup\n");
				return 2;
			}
		} else if (!strcmp(o, "--ktr")) {
			NEED();
			if (!strcmp(v, "attr"))
				p.ktr_form = SDP_KTR_FORM_ATTR;
			else if (!strcmp(v, "capneg-required"))
				p.ktr_form = SDP_KTR_FORM_CAPNEG_REQUIRED;
			else if (!strcmp(v, "capneg-optional"))
				p.ktr_form = SDP_KTR_FORM_CAPNEG_OPTIONAL;
			else if (!strcmp(v, "none"))
				p.ktr_form = SDP_KTR_FORM_NONE;
			else {
				fprintf(stderr, "ktrsbc-sdp: bad --ktr\n");
				return 2;
			}
		} else if (!strcmp(o, "--profile")) {
			NEED();
			profile = v;
		} else if (!strcmp(o, "--suite")) {
			NEED();
			suite = sdp_suite_parse(v, strlen(v));
			if (!sdp_suite_supported(suite)) {
				fprintf(stderr, "ktrsbc-sdp: unsupported --suite %s\n", v);
				return 2;
			}
		} else if (!strcmp(o, "--key")) {
			NEED();
			if (n_key >= SDP_MAX_MEDIA) {
				fprintf(stderr, "ktrsbc-sdp: too many --key\n");
				return 2;
			}
			r = sdp_base64_decode(v, strlen(v), mp[n_key].keysalt,
					      sizeof(mp[n_key].keysalt));
			if (r <= 0) {
				fprintf(stderr, "ktrsbc-sdp: --key is not base64 of a key||salt\n");
				return 2;
			}
			mp[n_key++].keysalt_len = (uint8_t)r;
		} else if (!strcmp(o, "--random-keys")) {
			random_keys = true;
		} else if (!strcmp(o, "--origin")) {
			unsigned long long id, ver;

			NEED();
			if (sscanf(v, "%63[^,],%llu,%llu", origin_user, &id, &ver) != 3) {
				fprintf(stderr, "ktrsbc-sdp: --origin USER,ID,VERSION\n");
				return 2;
			}
			p.origin_user = origin_user;
			p.sess_id = id;
			p.sess_ver = ver;
		} else if (!strcmp(o, "--help")) {
			usage(stdout);
			return 0;
		} else if (o[0] == '-' && o[1]) {
			fprintf(stderr, "ktrsbc-sdp: unknown option %s\n", o);
			return 2;
		} else if (!file) {
			file = o;
		} else {
			fprintf(stderr, "ktrsbc-sdp: one FILE only\n");
			return 2;
		}
#undef NEED
	}
	if (!to_set || !file) {
		usage(stderr);
		return 2;
	}
	if (to_dtls && !have_fp) {
		fprintf(stderr, "ktrsbc-sdp: --to dtls needs --fingerprint\n");
		return 2;
	}
	/* the profile of an offer: as the trunks' defaults (trunk.h) */
	if (answer_to) {
		if (profile) {
			fprintf(stderr, "ktrsbc-sdp: --profile is for offers; an answer takes its offer's profile\n");
			return 2;
		}
	} else if (!profile) {
		p.proto = to_dtls ? SDP_PROTO_UDP_TLS_RTP_SAVPF : SDP_PROTO_RTP_SAVP;
	} else if (strcmp(profile, "mirror")) {
		p.proto = sdp_proto_parse(profile, strlen(profile));
		if (p.proto != (to_dtls ? SDP_PROTO_UDP_TLS_RTP_SAVP : SDP_PROTO_RTP_SAVP) &&
		    p.proto != (to_dtls ? SDP_PROTO_UDP_TLS_RTP_SAVPF : SDP_PROTO_RTP_SAVPF)) {
			fprintf(stderr, "ktrsbc-sdp: bad --profile %s for --to %s\n", profile,
				to_dtls ? "dtls" : "sdes");
			return 2;
		}
	}
	in = load(file);
	if (!in)
		goto out;
	if (answer_to && !(offer = load(answer_to)))
		goto out;
	p.flow = to_dtls ? (answer_to ? SDP_XLATE_SDES_ANSWER_TO_DTLS : SDP_XLATE_SDES_OFFER_TO_DTLS)
			 : (answer_to ? SDP_XLATE_DTLS_ANSWER_TO_SDES : SDP_XLATE_DTLS_OFFER_TO_SDES);
	p.offer = offer;
	p.fingerprint = have_fp ? &fp : NULL;
	p.n_media = sdp_session_media_count(in);
	for (i = 0; i < p.n_media; i++) {
		if (i >= n_port)
			mp[i].port = (uint16_t)(40000 + 2 * i);
		if (!to_dtls) {
			size_t kl = 0, sl = 0;

			mp[i].suite = suite;
			sdp_suite_lens(suite, &kl, &sl);
			if (i >= n_key && random_keys && mp[i].port) {
				if (sec_random(mp[i].keysalt, kl + sl)) {
					fprintf(stderr, "ktrsbc-sdp: CSPRNG failed\n");
					goto out;
				}
				mp[i].keysalt_len = (uint8_t)(kl + sl);
			}
		}
	}
	p.media = mp;
	r = sdp_xlate(&out, NULL, in, &p, &e);
	if (r) {
		char msg[512];

		sdp_error_format(&e, file, msg, sizeof(msg));
		fprintf(stderr, "%s\n", msg);
		goto out;
	}
	r = sdp_session_print_alloc(out, &text);
	if (r < 0) {
		fprintf(stderr, "ktrsbc-sdp: %s\n", strerror(-r));
		goto out;
	}
	fwrite(text, 1, (size_t)r, stdout);
	sec_wipe(text, (size_t)r);
	free(text);
	rc = 0;
out:
	sec_wipe(mp, sizeof(mp));
	sdp_session_free(in);
	sdp_session_free(offer);
	sdp_session_free(out);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "parse"))
		return cmd_parse(argv[2]);
	if (argc >= 2 && !strcmp(argv[1], "translate"))
		return cmd_translate(argc, argv);
	usage(stderr);
	return 2;
}

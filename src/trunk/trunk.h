/*
 * trunk: the SBC's trunks (one file per trunk in conf/trunks/), inbound
 * classification and routing with number rewriting by PCRE2 rules.
 *
 * A trunk is a SIP peer on one side of the SBC: side "sdes" (RFC 4568
 * network: the enterprise PBX, the LTE core) or side "dtls" (RFC 5763/5764
 * network, KTR per draft-wing-avt-dtls-srtp-key-transport-02). The file
 * format is that of conf/ktrsbc.conf (conf.h: "key = value", '#'
 * comments); the keys are documented line by line in the shipped
 * conf/trunks/ files and summarised here:
 *
 *	name           = NAME             default: the file name without .conf
 *	side           = sdes | dtls      required
 *	peer           = HOST[:PORT]      required; IPv4 or [IPv6] literal,
 *	                                  PORT default 5060 (5061 for tls)
 *	transport      = udp | tcp | tls  default udp
 *	trusted        = yes | no         sdes only, default no
 *	ktr            = required | preferred | off    dtls only, default preferred
 *	ktr_form       = attr | capneg-required | capneg-optional
 *	                                  dtls only, default attr
 *	latch          = yes | no         default no
 *	bundle         = yes | no         dtls only, default no: ktrsbc's
 *	                                  offers bundle the m-lines (RFC 9143)
 *	keepalive      = SECONDS          OPTIONS keepalive, 0..3600, 0 = off
 *	rekey_interval = SECONDS          dtls with ktr only; 0 = off, else
 *	                                  60..86400 (new_srtp_key_request, 4.2)
 *	sdes_profile   = RTP/SAVP | RTP/SAVPF | mirror
 *	                                  sdes only, default RTP/SAVP
 *	dtls_profile   = UDP/TLS/RTP/SAVPF | UDP/TLS/RTP/SAVP | mirror
 *	                                  dtls only, default UDP/TLS/RTP/SAVPF
 *	media_family   = same | ipv4 | ipv6   default same
 *	ice            = lite | off       dtls only, default off: ICE-lite
 *	                                  in ktrsbc's offers toward the trunk
 *	ice_consent    = required | off   dtls only, default required: RFC
 *	                                  7675 consent on ICE calls (off for
 *	                                  peers that send no consent checks)
 *	session_expires = SECONDS         RFC 4028 session timer of this
 *	                                  trunk's legs; 0 = off, else
 *	                                  min_se..86400, default 1800
 *	min_se         = SECONDS          smallest Session-Expires accepted
 *	                                  (422 below), default 90; below 90
 *	                                  (down to 2) for tests only
 *	match_ruri     = PCRE2            on the whole Request-URI
 *	match_from     = PCRE2            on the From URI
 *	match_source   = PCRE2            on "IP:PORT" ("[IPv6]:PORT")
 *	route          = PCRE2 -> TRUNK [NEW-URI]   any number, in order
 *	tls_ca         = PATH             transport = tls only: PEM file of the
 *	                                  CA(s) (or the peer's own certificate)
 *	                                  its TLS certificate must verify
 *	                                  against; relative to the trunk file
 *
 * Routes: PCRE2 runs on the user part of the Request-URI ("+15551234567"
 * in "sip:+15551234567@192.0.2.1;user=phone"; for tel: URIs the number
 * before the first ';'). The first route of the inbound trunk whose
 * pattern matches picks the target trunk; NEW-URI (default
 * "sip:{user}@{peer}") is the new Request-URI, in which
 *	$0..$9, ${N}  a capture group of the route pattern (empty if unset)
 *	{user}        the original user part
 *	{peer}        the target trunk's peer, "HOST:PORT" ("[IPv6]:PORT")
 *	$$            a '$'
 * NEW-URI must start with sip:, sips: or tel:; after expansion every byte
 * must be a URI character (RFC 3261 25.1), so a capture cannot smuggle a
 * blank, '<', '>' or a line end into a header. A route's target must be a
 * trunk of the other side (ktrsbc interworks sdes <-> dtls).
 *
 * Values never hold a blank (conf.h); write \s or \x20 in a pattern.
 *
 * Classification: the trunks are tried in file-name order; a request
 * belongs to the first trunk all of whose match_ patterns match. A trunk
 * with no match_ line takes no inbound calls (it is only a route target).
 *
 * PCRE2: compiled once at load (no UTF mode: the bytes are matched as
 * they are), JIT-compiled where available (silently interpreted when
 * not), matched with match data, match context and JIT stack allocated at
 * load. TRUNK_MATCH_LIMIT and TRUNK_DEPTH_LIMIT bound backtracking: a
 * pattern such as (a+)+$ on a long subject fails with -ENOBUFS and a log
 * line naming the file and line of the pattern, it never hangs. Such an
 * error fails the whole lookup (fail closed: it never falls through to a
 * later trunk or route).
 *
 * Lifetime: a set is immutable once loaded and reference-counted. A call
 * takes a reference (trunk_set_ref) on the set it started with and drops
 * it at its end; a SIGHUP reload loads a new set and drops the daemon's
 * reference to the old one, which is freed with its last call. A
 * struct trunk pointer is valid while its set is. All functions may be
 * called from any thread: the refcount is atomic and lookups (which share
 * the set's preallocated match data) take the set's internal lock.
 *
 * Errors (negative errno, base/err.h); messages "FILE:LINE: reason"
 * ("FILE: reason" without a line, "DIR: reason" for the directory),
 * written into the caller's buffer, never logged by the loader:
 *	-EINVAL    bad value, unknown or duplicate key, missing side/peer,
 *	           a key on the wrong side, bad pattern, duplicate trunk
 *	           name, route to an unknown trunk or one on the same side,
 *	           no trunk file in the directory
 *	-EBADMSG   syntax (conf_scan)
 *	-EMSGSIZE  a named limit below (or a conf.h one)
 *	-errno     directory or file cannot be read; -ENOMEM
 */
#ifndef KTRSBC_TRUNK_H
#define KTRSBC_TRUNK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Named limits (everything comes from an operator's file or a peer's
 * request; checked before allocating or matching). */
#define TRUNK_NAME_MAX		32	/* bytes in a trunk name, with NUL */
#define TRUNK_PATTERN_MAX	256	/* bytes in one PCRE2 pattern */
#define TRUNK_REPLACE_MAX	256	/* bytes in one NEW-URI template */
#define TRUNK_ROUTES_MAX	32	/* route lines per trunk */
#define TRUNKS_MAX		64	/* trunk files per directory */
#define TRUNK_SUBJECT_MAX	512	/* bytes of a Request-URI or From URI
					 * given to a lookup */
#define TRUNK_URI_MAX		512	/* bytes of a rewritten Request-URI */
#define TRUNK_MATCH_LIMIT	100000	/* pcre2_set_match_limit */
#define TRUNK_DEPTH_LIMIT	5000	/* pcre2_set_depth_limit (interpreter) */
#define TRUNK_HEAP_LIMIT_KIB	4096	/* pcre2_set_heap_limit */
#define TRUNK_JIT_STACK_MAX	(256 * 1024)	/* bytes of JIT stack */
#define TRUNK_TLS_CA_MAX	512	/* bytes of a resolved tls_ca path */

enum trunk_side { TRUNK_SIDE_SDES = 0, TRUNK_SIDE_DTLS };
enum trunk_transport { TRUNK_UDP = 0, TRUNK_TCP, TRUNK_TLS };
/* DTLS side's KTR policy (issue 5): required: a peer without KTR gets
 * 488; preferred: fall back to transcrypting (draft Figure 6); off: plain
 * DTLS-SRTP, always the fallback path. */
enum trunk_ktr { TRUNK_KTR_REQUIRED = 0, TRUNK_KTR_PREFERRED, TRUNK_KTR_OFF };
/* How KTR is advertised to the DTLS side: a=dtls-srtp-ktr (draft 5.1,
 * Figure 12), or RFC 5939 capability negotiation with the KTR
 * configuration required or optional (draft Figures 13, 14). */
enum trunk_ktr_form {
	TRUNK_KTR_FORM_ATTR = 0,
	TRUNK_KTR_FORM_CAPNEG_REQUIRED,
	TRUNK_KTR_FORM_CAPNEG_OPTIONAL,
};

/* The m= profile ktrsbc writes in the offers it sends to the trunk
 * (issue 11): sdes_profile on an sdes trunk (RTP/SAVP, RTP/SAVPF), dtls_profile
 * on a dtls one (UDP/TLS/RTP/SAVP, UDP/TLS/RTP/SAVPF). Defaults: RTP/SAVP,
 * what PBXs and IMS cores take (many answer an RTP/SAVPF offer with 488),
 * and UDP/TLS/RTP/SAVPF, what WebRTC offers and expects (RFC 8829 5.1.2). mirror: feedback (AVPF, RFC 4585 / RFC 5124) exactly when the
 * other leg's offer has it. Answers take their offer's profile whatever
 * the trunk says (RFC 3264 6.1). */
enum trunk_profile {
	TRUNK_PROFILE_MIRROR = 0,
	TRUNK_PROFILE_SAVP,	/* RTP/SAVP or UDP/TLS/RTP/SAVP */
	TRUNK_PROFILE_SAVPF,	/* RTP/SAVPF or UDP/TLS/RTP/SAVPF */
};

/* The address family of the media address ktrsbc offers the trunk
 * (media_family; issue 14): that of the other side's offer (same, the
 * default), or always IPv4 / IPv6. Where ktrsbc answers the trunk's own
 * offer, the offer's c= decides (an answer speaks the offerer's family). */
enum trunk_family {
	TRUNK_FAMILY_SAME = 0,
	TRUNK_FAMILY_IPV4,
	TRUNK_FAMILY_IPV6,
};

/* ICE in ktrsbc's own offers toward a dtls trunk (ice; issue 15): lite
 * (a=ice-lite, credentials, host candidates, RFC 8445 2.5) or off (none,
 * the default). An offer from the trunk that carries ICE is answered with
 * ICE-lite whatever this says. */
enum trunk_ice {
	TRUNK_ICE_OFF = 0,
	TRUNK_ICE_LITE,
};

/* RFC 7675 consent on the trunk's ICE calls (ice_consent): required (the
 * default: no valid Binding request for ice_consent_timeout_ms stops
 * media toward the peer) or off (media keeps going to the nominated
 * address: for peers that send only RFC 8445 11 Binding indications after
 * nominating, as baresip 1.0). */
enum trunk_ice_consent {
	TRUNK_ICE_CONSENT_REQUIRED = 0,
	TRUNK_ICE_CONSENT_OFF,
};

struct trunk;
struct trunk_set;

/* One trunk file held in memory (for trunk_set_parse). */
struct trunk_file {
	const char *path;	/* for messages; its base name without
				 * ".conf" is the default trunk name */
	const char *text;	/* need not be NUL-terminated */
	size_t len;
};

/*
 * trunk_set_load - read every "*.conf" (not starting with '.') in dir,
 * in strcmp order of the file names, and build a set with one reference.
 * Messages name files as "dir/NAME.conf". On failure *sp is NULL.
 */
int trunk_set_load(struct trunk_set **sp, const char *dir, char *err,
		   size_t errlen);

/*
 * trunk_set_parse - as trunk_set_load, from n files already in memory, in
 * the given order (1 <= n <= TRUNKS_MAX). The texts are not kept.
 */
int trunk_set_parse(struct trunk_set **sp, const struct trunk_file *files,
		    size_t n, char *err, size_t errlen);

/* Take one more reference; returns s (NULL stays NULL). */
struct trunk_set *trunk_set_ref(struct trunk_set *s);
/* Drop one reference; the set is freed with the last. NULL is a no-op. */
void trunk_set_unref(struct trunk_set *s);
/* The destructor of the loader's reference: the same as trunk_set_unref. */
void trunk_set_free(struct trunk_set *s);

size_t trunk_set_count(const struct trunk_set *s);
/* The i-th trunk in file order, NULL when i >= count. */
const struct trunk *trunk_set_at(const struct trunk_set *s, size_t i);
/* The trunk called name, or NULL. */
const struct trunk *trunk_set_find(const struct trunk_set *s,
				   const char *name);

/*
 * trunk_classify - the inbound trunk of a request: the first trunk (file
 * order) having at least one match_ pattern, all of which match. ruri is
 * the Request-URI, from the From URI (NULL: matches no match_from),
 * src_ip an IPv4/IPv6 literal and src_port the request's source port.
 * Returns 0 with *tp set; -ENOENT no trunk matches; -EINVAL bad argument
 * or src_ip not a literal; -EMSGSIZE ruri or from longer than
 * TRUNK_SUBJECT_MAX; -ENOBUFS a pattern hit a PCRE2 limit (logged); -EIO
 * another PCRE2 matching error (logged). *tp is NULL on failure.
 */
int trunk_classify(struct trunk_set *s, const char *ruri, const char *from,
		   const char *src_ip, uint16_t src_port,
		   const struct trunk **tp);

/*
 * trunk_route - route a request that arrived on the inbound trunk in
 * (which must belong to s): the first route of in whose pattern matches
 * the Request-URI's user part. Writes the new Request-URI (NUL-terminated)
 * into out[0..cap) and sets *target. Returns 0; -ENOENT no route matches;
 * -EBADMSG ruri is not a sip:, sips: or tel: URI, or the rewritten URI
 * holds a byte that is not a URI character; -EMSGSIZE ruri longer than
 * TRUNK_SUBJECT_MAX or the new URI longer than cap - 1 or TRUNK_URI_MAX;
 * -ENOBUFS / -EIO as trunk_classify; -EINVAL bad argument. On failure
 * *target is NULL and out is "" (when cap > 0).
 */
int trunk_route(struct trunk_set *s, const struct trunk *in,
		const char *ruri, char *out, size_t cap,
		const struct trunk **target);

/*
 * trunk_sdes_allowed - whether an a=crypto offer or answer (RFC 4568) from
 * trunk t may be accepted (draft section 6, docs/design.md, security rules):
 * t is an sdes trunk and the message came over SIP/TLS or t is trusted.
 */
bool trunk_sdes_allowed(const struct trunk *t, bool over_tls);

/*
 * trunk_keys_to - whether ktrsbc may put an a=crypto key (RFC 4568) into
 * an INVITE or re-INVITE it sends to trunk t (draft section 6: keys only
 * over a secure signalling path, RFC 4568 8.3): t is an sdes trunk and
 * either trusted, or reached over SIP/TLS with tls_ca set, whose
 * certificate check the SIP agent enforces before the request is written
 * (sip_ua_cfg.tls_verify_out: a peer failing it gets no request at all).
 */
bool trunk_keys_to(const struct trunk *t);

/* ---- accessors (t non-NULL; strings live as long as the set) ----------- */
const char *trunk_name(const struct trunk *t);
const char *trunk_file(const struct trunk *t);	/* path it came from */
enum trunk_side trunk_side(const struct trunk *t);
/* "HOST:PORT" ("[IPv6]:PORT"), as {peer} expands. */
const char *trunk_peer(const struct trunk *t);
/* The peer as a socket address; *lenp gets its length when lenp. */
const struct sockaddr *trunk_peer_addr(const struct trunk *t,
				       socklen_t *lenp);
uint16_t trunk_peer_port(const struct trunk *t);
enum trunk_transport trunk_transport(const struct trunk *t);
bool trunk_trusted(const struct trunk *t);
enum trunk_ktr trunk_ktr(const struct trunk *t);
enum trunk_ktr_form trunk_ktr_form(const struct trunk *t);
bool trunk_latch(const struct trunk *t);
/* BUNDLE (RFC 9143) in ktrsbc's offers toward t; an offer of t's that
 * bundles is answered bundled whatever this says. */
bool trunk_bundle(const struct trunk *t);
uint32_t trunk_keepalive_s(const struct trunk *t);
uint32_t trunk_rekey_interval_s(const struct trunk *t);
/* RFC 4028: the Session-Expires asked for on the trunk's legs (0: timers
 * off) and the smallest one accepted (Min-SE). */
#define TRUNK_SESSION_EXPIRES_DEFAULT 1800u /* RFC 4028 4 */
#define TRUNK_MIN_SE_DEFAULT 90u /* RFC 4028 4, the floor */
#define TRUNK_MIN_SE_TEST_FLOOR 2u /* min_se for tests (README) */
uint32_t trunk_session_expires_s(const struct trunk *t);
uint32_t trunk_min_se_s(const struct trunk *t);
/* The profile of offers toward t: its sdes_profile or dtls_profile. */
enum trunk_profile trunk_profile(const struct trunk *t);
/* The address family of offers toward t (media_family). */
enum trunk_family trunk_family(const struct trunk *t);
/* ICE in offers toward t (ice). */
enum trunk_ice trunk_ice(const struct trunk *t);
/* RFC 7675 consent on t's ICE calls (ice_consent). */
enum trunk_ice_consent trunk_ice_consent(const struct trunk *t);
/* Whether the trunk takes inbound calls (has a match_ line). */
bool trunk_inbound(const struct trunk *t);
/* tls_ca resolved against the trunk file's directory, NULL if not set;
 * the line it was set on (for "file:line" messages), 0 if not set. */
const char *trunk_tls_ca(const struct trunk *t);
unsigned trunk_tls_ca_line(const struct trunk *t);
size_t trunk_route_count(const struct trunk *t);

/* Names as written in the files ("sdes", "tls", "preferred", "attr"). */
const char *trunk_side_str(enum trunk_side v);
const char *trunk_transport_str(enum trunk_transport v);
const char *trunk_ktr_str(enum trunk_ktr v);
const char *trunk_ktr_form_str(enum trunk_ktr_form v);
/* "RTP/SAVP", "UDP/TLS/RTP/SAVPF", "mirror" ...: side picks the family. */
const char *trunk_profile_str(enum trunk_side side, enum trunk_profile v);

#endif

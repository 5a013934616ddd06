/* trunk: private structures shared by the trunk_*.c files (see trunk.h). */
#ifndef KTRSBC_TRUNK_INT_H
#define KTRSBC_TRUNK_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>

#include "trunk/trunk.h"

/* "[" IPv6 "]:" port, NUL */
#define TRUNK_PEER_STR_MAX	(46 + 2 + 6 + 1)

/* A compiled pattern and where it came from (for runtime messages). */
struct trunk_re {
	pcre2_code *code;	/* NULL: not given */
	unsigned line;
	uint32_t ncap;		/* capture groups */
};

struct trunk_route {
	struct trunk_re re;
	char target_name[TRUNK_NAME_MAX];
	const struct trunk *target;	/* resolved across files */
	char tmpl[TRUNK_REPLACE_MAX];	/* NEW-URI template */
};

struct trunk {
	const struct trunk_set *set;
	char file[256];
	char name[TRUNK_NAME_MAX];
	unsigned name_line;		/* 0: from the file name */
	enum trunk_side side;
	char peer[TRUNK_PEER_STR_MAX];
	struct sockaddr_storage peer_ss;
	socklen_t peer_len;
	uint16_t peer_port;
	enum trunk_transport transport;
	bool trusted;
	enum trunk_ktr ktr;
	enum trunk_ktr_form ktr_form;
	bool latch;
	bool bundle;	/* BUNDLE in our offers (RFC 9143), dtls only */
	uint32_t keepalive_s;
	uint32_t rekey_interval_s;
	uint32_t session_expires_s, min_se_s;	/* RFC 4028; 0: off */
	enum trunk_profile profile;	/* sdes_profile or dtls_profile */
	enum trunk_family family;	/* media_family */
	enum trunk_ice ice;		/* ice */
	enum trunk_ice_consent ice_consent;	/* ice_consent */
	struct trunk_re match_ruri, match_from, match_source;
	struct trunk_route routes[TRUNK_ROUTES_MAX];
	size_t n_routes;
	/* tls_ca (issue 11 point 3), resolved against the file's directory */
	char tls_ca[TRUNK_TLS_CA_MAX];	/* "": not set */
	unsigned tls_ca_line;
};

struct trunk_set {
	atomic_uint refs;
	pthread_mutex_t lock;		/* lookups: md, mcx, jit */
	pcre2_match_data *md;		/* sized for the most captures */
	pcre2_match_context *mcx;	/* limits + JIT stack */
	pcre2_jit_stack *jit;
	struct trunk *trunks[TRUNKS_MAX];
	size_t n;
};

/* trunk_parse.c: parse one file into a new trunk (routes unresolved). */
int trunk_file_parse(struct trunk **tp, const struct trunk_file *f,
		     char *err, size_t errlen);
/* Free one trunk and its compiled patterns; NULL is a no-op. */
void trunk_destroy(struct trunk *t);

/* trunk_match.c: checks a NEW-URI template against ncap capture groups;
 * 0 or -EINVAL with a reason (no prefix) in why. */
int trunk_tmpl_check(const char *tmpl, uint32_t ncap, char *why,
		     size_t whylen);

#endif

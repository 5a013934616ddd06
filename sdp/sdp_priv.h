/*
 * sdp private header: the session and media structs and helpers shared by
 * the sdp/ sources. Not for use outside sdp/ (tests and the fuzz target may
 * include it to reach the capability-negotiation parsers).
 *
 * The files form layers, and calls between them only go downward
 * (docs/layers.md; tests/integ/test_layers.sh checks it):
 *   0 sdp_util, sdp_base64, sdp_addr   1 sdp_crypto, sdp_capattr
 *   2 sdp_attr   3 sdp_media   4 sdp_session   5 sdp_parse
 *   6 sdp_capneg (RFC 5939 resolved, on top of the parsed session)
 *   7 sdp_xlate
 */
#ifndef KTRSBC_SDP_PRIV_H
#define KTRSBC_SDP_PRIV_H

#include <stdarg.h>

#include "sdp/sdp.h"

/* A stored a= line. Strings are owned, NUL-terminated, wiped on free. */
struct sdp_attr_i {
	char *name;
	char *value; /* NULL: property attribute */
	uint32_t line;
};

/* A stored non-a, non-c line (i u e p b t r z k): type letter and text. */
struct sdp_line_i {
	char type;
	char *text;
	uint32_t line;
};

struct sdp_alist {
	size_t n, cap;
	struct sdp_attr_i *v;
};

struct sdp_llist {
	size_t n, cap;
	struct sdp_line_i *v;
};

struct sdp_media {
	struct sdp_session *sess;
	size_t idx;
	uint32_t line; /* m= line number, 0 when built */
	char *type;
	uint16_t port;
	uint16_t nports; /* 0 = no "/n" written */
	char *proto;
	char *fmts; /* space-separated, single spaces */
	size_t n_fmts;
	char **fmt; /* n_fmts pointers into one allocation fmtbuf */
	char *fmtbuf;
	bool has_conn;
	struct sdp_conn conn;
	struct sdp_llist lines; /* i b k */
	struct sdp_alist attrs;
};

struct sdp_session {
	char *o_user;
	uint64_t sess_id, sess_ver;
	struct sdp_conn o_addr;
	char *name; /* s= */
	bool has_conn;
	struct sdp_conn conn;
	struct sdp_llist lines; /* i u e p b t r z k in input order */
	struct sdp_alist attrs;
	size_t n_media;
	struct sdp_media *media[SDP_MAX_MEDIA];
};

/* ---- errors ---- */
int sdp_err_set(struct sdp_error *e, int code, uint32_t line, uint32_t col,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Shift a sub-parser's column by base (1-based column of value[0] in the
 * line minus 1) and set the line. */
void sdp_err_at(struct sdp_error *e, uint32_t line, uint32_t base);

/* ---- strings ---- */
char *sdp_strndup(const char *s, size_t n);
void sdp_str_free(char *s); /* wipe + free; NULL accepted */
bool sdp_is_token_char(unsigned char c); /* RFC 8866 token-char */
bool sdp_is_digits(const char *s, size_t n);
/* Decimal 1*DIGIT into *v (no sign, no overflow): 0 / -EBADMSG / -ERANGE. */
int sdp_parse_u64(const char *s, size_t n, uint64_t *v);
/* Copy n bytes into a fixed buffer of cap (incl NUL); -EMSGSIZE. */
int sdp_copy_str(char *dst, size_t cap, const char *s, size_t n);

/* ---- c= and addresses ---- */
/* "nettype SP addrtype SP addr" (exactly three tokens). err col relative. */
int sdp_conn_parse(const char *s, size_t n, struct sdp_conn *c,
		   struct sdp_error *err);
/* IPv4/IPv6 literal -> conn "IN IP4|IP6 addr"; -EINVAL otherwise. */
int sdp_conn_from_addr(struct sdp_conn *c, const char *addr);

/* ---- attribute lists ---- */
int sdp_alist_add(struct sdp_alist *l, const char *name, size_t nlen,
		  const char *value, size_t vlen, bool has_value,
		  uint32_t line);
void sdp_alist_free(struct sdp_alist *l);
int sdp_alist_del(struct sdp_alist *l, const char *name);
const struct sdp_attr_i *sdp_alist_find(const struct sdp_alist *l,
					const char *name);
int sdp_alist_dup(struct sdp_alist *d, const struct sdp_alist *s);
/* Entry i as the public struct sdp_attr (pointers into l): 0 / -ERANGE. */
int sdp_alist_get(const struct sdp_alist *l, size_t i, struct sdp_attr *a);
/* First attribute called name: true and its value ("" for a property
 * attribute) into *valuep (may be NULL). */
bool sdp_alist_value(const struct sdp_alist *l, const char *name,
		     const char **valuep);
int sdp_llist_add(struct sdp_llist *l, char type, const char *text, size_t n,
		  uint32_t line);
void sdp_llist_free(struct sdp_llist *l);
int sdp_llist_dup(struct sdp_llist *d, const struct sdp_llist *s);

/* ---- typed attribute validation (shared by parse and attr_add) ---- */
enum sdp_attr_scope {
	SDP_SCOPE_ANY = 0,
	SDP_SCOPE_MEDIA_ONLY,
};
/* Scope of a known attribute name (unknown names: ANY). */
enum sdp_attr_scope sdp_attr_scope(const char *name, size_t n);
/* Validate the value of a typed attribute (unknown names: 0). For errors
 * err->col is relative to value[0]. */
int sdp_attr_check(const char *name, size_t nlen, const char *value,
		   size_t vlen, bool has_value, struct sdp_error *err);
/* Level checks after a level is complete: duplicate crypto tags, more than
 * one setup/direction, crypto count, fingerprint count. line numbers come
 * from the stored attributes. */
int sdp_alist_check(const struct sdp_alist *l, bool media,
		    struct sdp_error *err);
enum sdp_dir sdp_dir_from_name(const char *name);

/* ---- RFC 5939 capability attributes (sdp_capattr.c) ---- */
struct sdp_tcap { /* a=tcap:<num> proto *(SP proto) */
	uint32_t num; /* first number */
	size_t n;
	char protos[SDP_CAP_MAX][SDP_TOKEN_MAX];
};
struct sdp_capset { /* one alternative of an "a=" list */
	uint8_t del; /* 0, 'm', 's' or 'b' (ms) */
	size_t n_mand, n_opt;
	uint32_t mand[SDP_CAP_MAX];
	uint32_t opt[SDP_CAP_MAX];
};
struct sdp_pcfg { /* a=pcfg:<num> [t=...] [a=...]; also a=acfg */
	uint32_t num;
	size_t n_t; /* transport alternatives (t=1|2) */
	uint32_t t[SDP_CAP_ALTS];
	size_t n_a; /* attribute alternatives (a=1,[2]|3) */
	struct sdp_capset a[SDP_CAP_ALTS];
};
int sdp_tcap_parse(const char *v, size_t n, struct sdp_tcap *t,
		   struct sdp_error *err);
/* acap: "<num> SP attribute"; name, nlen and value point into v. */
int sdp_acap_parse(const char *v, size_t n, uint32_t *num, const char **name,
		   size_t *nlen, const char **value, size_t *vlen,
		   bool *has_value, struct sdp_error *err);
int sdp_pcfg_parse(const char *v, size_t n, struct sdp_pcfg *p,
		   struct sdp_error *err);

/* Number num of the a=tcap lines of a media level (ml) or else its session
 * level (sl): its proto token into proto. 0 or -ENOENT. */
int sdp_tcap_lookup(const struct sdp_alist *ml, const struct sdp_alist *sl,
		    uint32_t num, char proto[SDP_TOKEN_MAX]);
/* Number num of the a=acap lines, likewise (pointers into the value as
 * sdp_acap_parse). 0 or -ENOENT. */
int sdp_acap_lookup(const struct sdp_alist *ml, const struct sdp_alist *sl,
		    uint32_t num, const char **name, size_t *nl,
		    const char **val, size_t *vl, bool *hv);
/* The parser's check of one m-line (ml, its session sl; first: the first
 * m-line, which also checks sl): every pcfg names existing tcap/acap
 * numbers; no tcap/acap/pcfg/acfg number twice. -EBADMSG with the line. */
int sdp_cap_refs_check(const struct sdp_alist *ml, const struct sdp_alist *sl,
		       bool first, struct sdp_error *err);

/* ---- attribute level (sdp_attr.c) ---- */
/* Validated append to a level's attribute list: the contract of
 * sdp_media_attr_add. */
int sdp_level_attr_add(struct sdp_alist *l, bool media, const char *name,
		       const char *value);

/* ---- m-lines (sdp_media.c): the session owns them ---- */
/* New m-line appended to s (limits checked: -ENOBUFS); fmts normalised. */
int sdp_media_new_internal(struct sdp_session *s, struct sdp_media **mp,
			   const char *type, size_t tl, uint16_t port,
			   uint16_t nports, const char *proto, size_t pl,
			   const char *fmts, size_t fl, uint32_t line);
/* Free (wiping every string) an m-line; its session's slot is the
 * caller's. NULL accepted. */
void sdp_media_free_internal(struct sdp_media *m);

/* Direction written at media or else session level; NONE if neither. */
enum sdp_dir sdp_media_dir_explicit(const struct sdp_media *m);

/* A supported suite without the parameters ktrsbc cannot honour (see
 * sdp_media_crypto_pick). */
bool sdp_crypto_usable(const struct sdp_crypto *c);

/* ---- misc (sdp_attr.c) ---- */
bool sdp_ktr_attr_present(const struct sdp_alist *l);

#endif

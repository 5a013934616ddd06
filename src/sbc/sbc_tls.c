/*
 * sbc_tls: the trunks' tls_ca files as the SIP/TLS agent's CA store.
 *
 * An a=crypto key goes to an untrusted trunk only over SIP/TLS whose server
 * certificate ktrsbc verified (draft section 6, RFC 4568 8.3). Sofia-SIP
 * 1.12 verifies with one CA file per agent (tport_tls: cafile.pem of its
 * certificate directory) and one policy (TPTLS_VERIFY_SUBJECTS_OUT: chain
 * and the target host named in CN or subjectAltName), applied before any
 * request is written on a new connection. So the agent gets a private copy
 * of the certificate directory whose cafile.pem is the concatenation of
 * every trunk's tls_ca: a trunk's peer must present a certificate that one
 * of these CAs issued and that names the trunk's peer address. Limits
 * that follow from Sofia-SIP (README, "Keys only where they may go"): the
 * CAs are pooled (a CA one trunk names also vouches for another trunk's
 * address), no per-trunk
 * certificate pin (tls_ca may be the peer's own self-signed certificate,
 * which only that key verifies), once any trunk sets tls_ca every outgoing
 * TLS connection is verified, and the store is read once at start (a
 * reload that changes it is refused). Also here: the rule itself, for
 * offers and for answers (sbc_keys_to, sbc_keys_refused,
 * sbc_answer_path_ok).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "base/err.h"
#include "base/klog.h"
#include "base/sec.h"
#include "sbc/sbc_int.h"

/* Largest tls_ca file read (a CA bundle, not a system store). */
#define SBC_TLS_CA_FILE_MAX (256 * 1024)

static int file_read(const char *path, char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b;
	size_t n;

	if (!f)
		return -errno;
	b = malloc(SBC_TLS_CA_FILE_MAX + 1);
	if (!b) {
		fclose(f);
		return -ENOMEM;
	}
	n = fread(b, 1, SBC_TLS_CA_FILE_MAX + 1, f);
	fclose(f);
	if (n > SBC_TLS_CA_FILE_MAX) {
		free(b);
		return -EFBIG;
	}
	b[n] = 0;
	*out = b;
	*len = n;
	return 0;
}

/* Certificates in PEM text (no private key may be among them: a CA file
 * is public, and this one is copied). */
static int pem_certs(const char *text, size_t len, unsigned *n)
{
	BIO *bio = BIO_new_mem_buf(text, (int)len);
	X509 *x;

	*n = 0;
	if (!bio)
		return -ENOMEM;
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
		X509_free(x);
		(*n)++;
	}
	ERR_clear_error();
	BIO_free(bio);
	if (strstr(text, "PRIVATE KEY"))
		return -EINVAL;
	return 0;
}

int sbc_tls_bundle(const struct trunk_set *set, char **out, size_t *outlen,
		   char *err, size_t errlen)
{
	char *all = NULL, *text;
	size_t n = 0, len = 0;

	*out = NULL;
	*outlen = 0;
	for (size_t i = 0; i < trunk_set_count(set); i++) {
		const struct trunk *t = trunk_set_at(set, i);
		const char *ca = trunk_tls_ca(t);
		unsigned certs;
		char *grown;
		int e;

		if (!ca)
			continue;
		text = NULL;
		e = file_read(ca, &text, &len);
		if (!e)
			e = pem_certs(text, len, &certs);
		if (!e && !certs)
			e = -EBADMSG;
		if (e) {
			snprintf(err, errlen, "%s:%u: tls_ca %s: %s", trunk_file(t),
				 trunk_tls_ca_line(t), ca,
				 e == -EBADMSG ? "no PEM certificate in it" :
				 e == -EINVAL ? "holds a private key (give the CA certificates only)" :
				 e == -EFBIG ? "larger than 256 KiB" : err_str(e));
			free(text);
			free(all);
			return e == -ENOMEM ? e : -EINVAL;
		}
		grown = realloc(all, n + len + 2);
		if (!grown) {
			free(text);
			free(all);
			snprintf(err, errlen, "tls_ca: out of memory");
			return -ENOMEM;
		}
		all = grown;
		memcpy(all + n, text, len);
		n += len;
		if (len && text[len - 1] != '\n')
			all[n++] = '\n';
		all[n] = 0;
		free(text);
	}
	*out = all;
	*outlen = n;
	return 0;
}

int sbc_trunks_check(const struct trunk_set *set, char *err, size_t errlen)
{
	char *b;
	size_t n;
	int e = sbc_tls_bundle(set, &b, &n, err, errlen);

	free(b);
	return e;
}

static int file_write(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ssize_t w;

	if (fd < 0)
		return -errno;
	w = write(fd, data, len);
	if (close(fd) || w != (ssize_t)len)
		return -EIO;
	return 0;
}

int sbc_tls_verify_dir(struct sbc *s, const char *src_dir, char *out,
		       size_t cap, char *err, size_t errlen)
{
	char path[CONF_PATH_MAX + 32], *agent = NULL;
	size_t alen = 0;
	FILE *f;
	int e;

	snprintf(path, sizeof(path), "%s/agent.pem", src_dir);
	f = fopen(path, "rb");
	if (!f) {
		e = -errno;
		snprintf(err, errlen, "sip_tls_dir %s: agent.pem: %s", src_dir,
			 err_str(e));
		return e;
	}
	agent = malloc(SBC_TLS_CA_FILE_MAX);
	if (agent)
		alen = fread(agent, 1, SBC_TLS_CA_FILE_MAX, f);
	fclose(f);
	if (!agent) {
		snprintf(err, errlen, "sip_tls_dir: out of memory");
		return -ENOMEM;
	}
	snprintf(s->tls_vdir_tmp, sizeof(s->tls_vdir_tmp), "/tmp/ktrsbc-tlsv.XXXXXX");
	if (!mkdtemp(s->tls_vdir_tmp)) {
		e = -errno;
		s->tls_vdir_tmp[0] = 0;
		goto out;
	}
	snprintf(path, sizeof(path), "%s/agent.pem", s->tls_vdir_tmp);
	e = file_write(path, agent, alen);
	if (!e) {
		snprintf(path, sizeof(path), "%s/cafile.pem", s->tls_vdir_tmp);
		e = file_write(path, s->tls_bundle, s->tls_bundle_len);
	}
	if (!e)
		snprintf(out, cap, "%s", s->tls_vdir_tmp);
out:
	/* agent.pem holds our private key */
	sec_wipe(agent, SBC_TLS_CA_FILE_MAX);
	free(agent);
	if (e)
		snprintf(err, errlen, "SIP/TLS verification directory: %s", err_str(e));
	return e;
}

void sbc_tls_verify_dir_remove(struct sbc *s)
{
	static const char *const files[] = { "agent.pem", "cafile.pem" };
	char p[CONF_PATH_MAX];

	if (!s->tls_vdir_tmp[0])
		return;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", s->tls_vdir_tmp, files[i]);
		unlink(p);
	}
	rmdir(s->tls_vdir_tmp);
	s->tls_vdir_tmp[0] = 0;
}

int sbc_tls_reload_check(struct sbc *s, const struct trunk_set *set,
			 char *err, size_t errlen)
{
	char *b;
	size_t n;
	int e = sbc_tls_bundle(set, &b, &n, err, errlen);

	if (e)
		return e;
	if (n != s->tls_bundle_len || (n && memcmp(b, s->tls_bundle, n))) {
		free(b);
		snprintf(err, errlen, "%s: the trunks' tls_ca certificates differ from those ktrsbc started with; Sofia-SIP reads its CA store once: restart ktrsbc to change them",
			 s->trunks_dir);
		return -EINVAL;
	}
	free(b);
	return 0;
}

/*
 * Keys only where they may go (draft section 6, RFC 4568 8.3): an SDES
 * trunk that is trusted, or one reached over SIP/TLS whose certificate the
 * TLS agent verifies (tls_ca: the agent then has the CA store and
 * sip_ua_cfg.tls_verify_out).
 */
bool sbc_keys_to(const struct sbc *s, const struct trunk *t)
{
	if (!trunk_keys_to(t))
		return false;
	return trunk_trusted(t) || (s->tls_bundle && s->ua_tls);
}

bool sbc_keys_refused(struct sbc *s, const struct trunk *from,
		      const struct trunk *to, struct sip_call *in)
{
	if (trunk_side(to) != TRUNK_SIDE_SDES || sbc_keys_to(s, to))
		return false;
	/* The SDES offer would carry a fresh key B in the clear (or over
	 * unverified TLS): refused before any key exists. */
	s->rejected_trust++;
	klog(KLOG_WARN, "sbc: call from trunk %s to trunk %s refused (488): an a=crypto key may not go to %s over %s (not trusted%s)",
	     trunk_name(from), trunk_name(to), trunk_name(to),
	     trunk_transport_str(trunk_transport(to)),
	     trunk_transport(to) != TRUNK_TLS ? "" :
	     trunk_tls_ca(to) ? ", and ktrsbc has no SIP/TLS listener (sip_listen tls:)" :
				", no tls_ca to verify its certificate");
	sip_call_reject(in, 488, "a=crypto refused: the target trunk is untrusted and not reached over verified TLS");
	return true;
}

bool sbc_answer_path_ok(struct sbc *s, const struct trunk *t,
			const struct sip_call *out, uint64_t id)
{
	const struct sip_call_info *info = out ? sip_call_info_get(out) : NULL;

	if (info && sbc_keys_to(s, t) &&
	    (trunk_trusted(t) || (info->tls && info->answered_over == SIP_TP_TLS)))
		return true;
	s->rejected_trust++;
	klog(KLOG_WARN, "sbc: call %llu: the SDES answer from trunk %s came over %s, which may not carry a=crypto keys: refused",
	     (unsigned long long)id, trunk_name(t),
	     info ? sip_transport_name(info->answered_over) : "?");
	return false;
}

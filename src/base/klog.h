/*
 * klog: leveled logging to stderr. Never pass key material: callers log
 * lengths, SSRCs and sequence numbers, not keys or salts.
 */
#ifndef KTRSBC_KLOG_H
#define KTRSBC_KLOG_H

enum klog_level { KLOG_ERR = 0, KLOG_WARN, KLOG_INFO, KLOG_DEBUG };

/* Messages above this level are dropped; default KLOG_WARN. */
void klog_set_level(enum klog_level lvl);
enum klog_level klog_get_level(void);
/* Parse "err|warn|info|debug"; 0 or -EINVAL. */
int klog_level_parse(const char *s, enum klog_level *lvl);
/* Also send every message to syslog (LOG_DAEMON; openlog is the caller's). */
void klog_set_syslog(int on);
void klog(enum klog_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif

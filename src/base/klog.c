/* klog: leveled logging to stderr (see klog.h). */
#include "klog.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

/* The one process-wide setting, written at start-up from the configuration. */
static enum klog_level log_level = KLOG_WARN;

static const char *const names[] = { "err", "warn", "info", "debug" };
static int use_syslog;
static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

void klog_set_syslog(int on)
{
	use_syslog = on;
}

void klog_set_level(enum klog_level lvl)
{
	log_level = lvl;
}

enum klog_level klog_get_level(void)
{
	return log_level;
}

int klog_level_parse(const char *s, enum klog_level *lvl)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i]) == 0) {
			*lvl = (enum klog_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

void klog(enum klog_level lvl, const char *fmt, ...)
{
	va_list ap;

	if (lvl > log_level)
		return;
	fprintf(stderr, "ktrsbc[%s]: ", names[lvl]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (use_syslog) {
		va_start(ap, fmt);
		vsyslog(prio[lvl], fmt, ap);
		va_end(ap);
	}
}

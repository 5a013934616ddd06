/* conf: reading configuration files and resolving the paths they name
 * (see conf.h). */
#include "conf/conf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Read at most CONF_FILE_MAX + 1 bytes of path into a new buffer. */
int conf_file_read(const char *path, char **bufp, size_t *lenp, char *err,
		     size_t errlen)
{
	size_t cap = CONF_FILE_MAX + 1, len = 0;
	char *buf;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		conf_errf(err, errlen, path, 0, "cannot open: %s", strerror(-r));
		return r;
	}
	buf = malloc(cap);
	if (!buf) {
		close(fd);
		conf_errf(err, errlen, path, 0, "out of memory");
		return -ENOMEM;
	}
	while (len < cap) {
		ssize_t n = read(fd, buf + len, cap - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			conf_errf(err, errlen, path, 0, "cannot read: %s",
				  strerror(-r));
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (r == 0 && len > CONF_FILE_MAX) {
		conf_errf(err, errlen, path, 0, "larger than %d bytes",
			  CONF_FILE_MAX);
		r = -EMSGSIZE;
	}
	if (r < 0) {
		free(buf);
		return r;
	}
	*bufp = buf;
	*lenp = len;
	return 0;
}

int conf_path_resolve(const char *conf_path, const char *value, char *out,
		      size_t cap)
{
	const char *slash;
	int n;

	if (!conf_path || !value || !out || cap == 0)
		return -EINVAL;
	slash = strrchr(conf_path, '/');
	if (value[0] == '/' || !slash)
		n = snprintf(out, cap, "%s", value);
	else
		n = snprintf(out, cap, "%.*s/%s", (int)(slash - conf_path),
			     conf_path, value);
	if (n < 0 || (size_t)n >= cap) {
		out[0] = '\0';
		return -EMSGSIZE;
	}
	return 0;
}

int conf_control_path(const struct conf *c, char *out, size_t cap)
{
	int n;

	if (!c || !out || cap == 0)
		return -EINVAL;
	if (strcmp(c->control_socket, "auto") == 0)
		n = snprintf(out, cap, "/tmp/ktrsbc-%u.ctl",
			     (unsigned)getuid());
	else
		n = snprintf(out, cap, "%s", c->control_socket);
	if (n < 0 || (size_t)n >= cap) {
		out[0] = '\0';
		return -EMSGSIZE;
	}
	return 0;
}

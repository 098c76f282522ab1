/*
 * log.c - where diagnostics go (see log.h).  The supervisor is the only
 * process that logs; the session process sends its lines over IPC.
 */
#include "config.h"

#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static enum log_target target = LOG_TARGET_SYSLOG;
static char prefix[64];

void
log_init(enum log_target t, const char *ident)
{
	target = t == LOG_TARGET_AUTO ? LOG_TARGET_SYSLOG : t;
	if (target == LOG_TARGET_SYSLOG)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

void
log_set_prefix(const char *p)
{
	snprintf(prefix, sizeof(prefix), "%s", p);
}

static void
vlog(int prio, const char *fmt, va_list ap, int err)
{
	char line[2048];
	int n;

	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return;
	if (err != 0 && (size_t)n < sizeof(line))
		snprintf(line + n, sizeof(line) - (size_t)n, ": %s",
		    strerror(err));
	if (target == LOG_TARGET_STDERR)
		fprintf(stderr, "smtpipe[%ld]: %s%s%s\n", (long)getpid(),
		    prefix, prefix[0] ? " " : "", line);
	else
		syslog(prio, "%s%s%s", prefix, prefix[0] ? " " : "", line);
}

void
log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(prio, fmt, ap, 0);
	va_end(ap);
}

void
log_errno(int prio, const char *fmt, ...)
{
	va_list ap;
	int err = errno;

	va_start(ap, fmt);
	vlog(prio, fmt, ap, err);
	va_end(ap);
}

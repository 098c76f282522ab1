/*
 * log.c - where diagnostics go (see log.h).  The supervisor is the only
 * process that logs; the session process sends its lines over IPC.
 */
#include "config.h"

#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "sdglue.h"

#define MAX_FIELDS 16

static enum log_target target = LOG_TARGET_SYSLOG;
static char prefix[96];
static char remote[80];
static const char *ident_name = "smtpipe";

void
log_init(enum log_target t, const char *ident)
{
	ident_name = ident;
	if (t == LOG_TARGET_AUTO)
		t = (getenv("JOURNAL_STREAM") != NULL ||
		    getenv("INVOCATION_ID") != NULL) ? LOG_TARGET_JOURNAL :
		    LOG_TARGET_SYSLOG;
	if (t == LOG_TARGET_JOURNAL && !sdglue_load())
		t = LOG_TARGET_SYSLOG;
	target = t;
	if (target == LOG_TARGET_SYSLOG) {
		/* No syslog socket (no daemon): syslog() would try to
		 * connect again for every line; there is nowhere to log. */
		if (access("/dev/log", W_OK) != 0)
			target = LOG_TARGET_NONE;
		else
			openlog(ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
	}
}

void
log_set_peer(const char *p, const char *remote_addr)
{
	snprintf(prefix, sizeof(prefix), "%s", p);
	snprintf(remote, sizeof(remote), "%s", remote_addr);
}

static void
journal(int prio, const char *line, const struct log_kv *kv, size_t n)
{
	char buf[MAX_FIELDS + 6][600], msg[2200];
	struct iovec iov[MAX_FIELDS + 7];
	size_t i, k = 0;

	/* MESSAGE first, in its own buffer: it is the longest field. */
	snprintf(msg, sizeof(msg), "MESSAGE=%s%s%s", prefix,
	    prefix[0] ? " " : "", line);
	buf[0][0] = '\0';
	snprintf(buf[++k], sizeof(buf[k]), "PRIORITY=%d", prio);
	snprintf(buf[++k], sizeof(buf[k]), "SYSLOG_FACILITY=%d", LOG_MAIL >> 3);
	snprintf(buf[++k], sizeof(buf[k]), "SYSLOG_IDENTIFIER=%s", ident_name);
	if (remote[0] != '\0')
		snprintf(buf[++k], sizeof(buf[k]), "SMTP_REMOTE_ADDR=%s",
		    remote);
	for (i = 0; i < n && i < MAX_FIELDS; i++)
		if (kv[i].value != NULL)
			snprintf(buf[++k], sizeof(buf[k]), "%s=%s", kv[i].key,
			    kv[i].value);
	k++;
	iov[0].iov_base = msg;
	iov[0].iov_len = strlen(msg);
	for (i = 1; i < k; i++) {
		iov[i].iov_base = buf[i];
		iov[i].iov_len = strlen(buf[i]);
	}
	if (!sdglue_journal_sendv(iov, (int)k))
		syslog(LOG_MAIL | prio, "%s%s%s", prefix, prefix[0] ? " " : "",
		    line);
}

static void __attribute__((format(printf, 2, 0)))
vlog(int prio, const char *fmt, va_list ap, int err, const struct log_kv *kv,
    size_t n)
{
	char line[2048];
	int len;

	len = vsnprintf(line, sizeof(line), fmt, ap);
	if (len < 0)
		return;
	if (err != 0 && (size_t)len < sizeof(line))
		snprintf(line + len, sizeof(line) - (size_t)len, ": %s",
		    strerror(err));
	switch (target) {
	case LOG_TARGET_STDERR:
		fprintf(stderr, "%s[%ld]: %s%s%s\n", ident_name,
		    (long)getpid(), prefix, prefix[0] ? " " : "", line);
		break;
	case LOG_TARGET_JOURNAL:
		journal(prio, line, kv, n);
		break;
	case LOG_TARGET_NONE:
		break;
	default:
		syslog(prio, "%s%s%s", prefix, prefix[0] ? " " : "", line);
		break;
	}
}

void
log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(prio, fmt, ap, 0, NULL, 0);
	va_end(ap);
}

void
log_errno(int prio, const char *fmt, ...)
{
	va_list ap;
	int err = errno;

	va_start(ap, fmt);
	vlog(prio, fmt, ap, err, NULL, 0);
	va_end(ap);
}

void
log_event(int prio, const struct log_kv *kv, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(prio, fmt, ap, 0, kv, n);
	va_end(ap);
}

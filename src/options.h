/*
 * options.h - the command line, parsed once at start-up.
 */
#ifndef SMTPIPE_OPTIONS_H
#define SMTPIPE_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

enum seccomp_mode { SECCOMP_KILL, SECCOMP_LOG };
enum log_target { LOG_TARGET_AUTO, LOG_TARGET_SYSLOG, LOG_TARGET_STDERR };

#define MAX_ENV_OPTS 32

struct options {
	const char *hostname;		/* NULL: found at start-up */
	unsigned max_rcpt;
	unsigned max_errors;
	uint64_t max_size;
	unsigned timeout;
	unsigned delivery_timeout;
	bool bare_lf_reject;
	bool crlf;
	bool per_recipient;
	enum seccomp_mode seccomp;
	const char *session_user;
	const char *user;
	const char *env[MAX_ENV_OPTS];
	unsigned nenv;
	enum log_target log;
	bool verbose;
	const char *spool_dir;		/* NULL: memfd */
	const char *path;		/* PATH for the command */
	char **argv;			/* COMMAND [ARG...] */
	int argc;
};

/* Exit status 64 (EX_USAGE) after a message on stderr on error;
 * exits 0 for --help and --version. */
void options_parse(struct options *o, int argc, char **argv);

#endif

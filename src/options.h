/*
 * options.h - the command line, parsed once at start-up.
 */
#ifndef SMTPIPE_OPTIONS_H
#define SMTPIPE_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

enum seccomp_mode { SECCOMP_KILL, SECCOMP_LOG };
enum log_target { LOG_TARGET_AUTO, LOG_TARGET_SYSLOG, LOG_TARGET_STDERR,
	LOG_TARGET_JOURNAL, LOG_TARGET_NONE };
enum launch_mode { MODE_AUTO, MODE_INETD, MODE_SYSTEMD };

#define MAX_ENV_OPTS 32
#define MAX_DOMAINS 1024
#define MAX_CHECK_ARGS 32

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
	enum launch_mode mode;
	unsigned max_sessions;		/* Accept=no mode */
	unsigned max_per_ip;
	unsigned grace;			/* seconds after SIGTERM */
	bool verbose;
	const char *spool_dir;		/* NULL: memfd */
	const char *path;		/* PATH for the command */
	bool lmtp;
	bool chunking;
	bool smtputf8;
	bool dsn;
	/* --accept-domain(s): normalised (lower case, A-labels). */
	char **domains;
	unsigned ndomains;
	/* --rcpt-check "COMMAND [ARG...]", split on blanks. */
	char *check_argv[MAX_CHECK_ARGS + 1];
	int check_argc;
	unsigned check_timeout;
	char **argv;			/* COMMAND [ARG...] */
	int argc;
};

/* The local part asks for routing elsewhere ('%', '!', '@'). */
bool options_routing(const char *addr);
/* The domain of an address matches --accept-domain (or no list). */
bool options_domain_accepted(const struct options *o, const char *addr);

/* Exit status 64 (EX_USAGE) after a message on stderr on error;
 * exits 0 for --help and --version. */
void options_parse(struct options *o, int argc, char **argv);

#endif

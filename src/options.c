/*
 * options.c - command-line parsing.  Errors go to stderr with exit status
 * 64 (EX_USAGE) before any SMTP is spoken: once the session runs, stderr
 * may be the client's socket (inetd), so nothing else writes there.
 */
#include "config.h"

#include "options.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "ipc.h"
#include "limits.h"
#include "util.h"

static const char usage_text[] =
"Usage: smtpipe [OPTIONS] -- COMMAND [ARG...]\n"
"Serve one SMTP session on stdin/stdout and pipe each accepted message\n"
"to COMMAND (run directly, never through a shell).\n"
"\n"
"  --hostname NAME          name in the greeting and Received header\n"
"  --max-size BYTES         message size limit (default 26214400; K/M/G)\n"
"  --max-recipients N       recipients per message (default 100, max 500)\n"
"  --max-errors N           client errors before 421 (default 10)\n"
"  --timeout SECONDS        per command and data block (default 300)\n"
"  --delivery-timeout SECS  limit for COMMAND (default 300)\n"
"  --bare-lf normalize|reject  bare LF in DATA (default normalize)\n"
"  --crlf                   deliver CR LF line ends (default LF)\n"
"  --per-recipient          run COMMAND once per recipient\n"
"  --user USER              run the supervisor and COMMAND as USER\n"
"  --session-user USER      user of the SMTP process (default nobody)\n"
"  --seccomp kill|log       sandbox violations kill (default) or log\n"
"  --env NAME=VALUE         add to COMMAND's environment (repeatable)\n"
"  --path PATH              PATH for COMMAND (default /usr/local/bin:/usr/bin:/bin)\n"
"  --spool-dir DIR          spool to an unlinked file in DIR, not memory\n"
"  --log syslog|stderr      where diagnostics go (default syslog)\n"
"  --verbose                log the SMTP dialog\n"
"  --help, --version\n"
"\n"
"In ARGs, {sender}, {recipient} (with --per-recipient) and {recipients}\n"
"(a whole ARG, one ARG per recipient) are replaced.  See smtpipe(8).\n";

enum {
	OPT_HOSTNAME = 256, OPT_MAX_SIZE, OPT_MAX_RCPT, OPT_MAX_ERRORS,
	OPT_TIMEOUT, OPT_DELIVERY_TIMEOUT, OPT_BARE_LF, OPT_CRLF,
	OPT_PER_RCPT, OPT_USER, OPT_SESSION_USER, OPT_SECCOMP, OPT_ENV,
	OPT_PATH, OPT_SPOOL_DIR, OPT_LOG, OPT_VERBOSE, OPT_HELP, OPT_VERSION,
};

static const struct option longopts[] = {
	{ "hostname", required_argument, NULL, OPT_HOSTNAME },
	{ "max-size", required_argument, NULL, OPT_MAX_SIZE },
	{ "max-recipients", required_argument, NULL, OPT_MAX_RCPT },
	{ "max-errors", required_argument, NULL, OPT_MAX_ERRORS },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "delivery-timeout", required_argument, NULL, OPT_DELIVERY_TIMEOUT },
	{ "bare-lf", required_argument, NULL, OPT_BARE_LF },
	{ "crlf", no_argument, NULL, OPT_CRLF },
	{ "per-recipient", no_argument, NULL, OPT_PER_RCPT },
	{ "user", required_argument, NULL, OPT_USER },
	{ "session-user", required_argument, NULL, OPT_SESSION_USER },
	{ "seccomp", required_argument, NULL, OPT_SECCOMP },
	{ "env", required_argument, NULL, OPT_ENV },
	{ "path", required_argument, NULL, OPT_PATH },
	{ "spool-dir", required_argument, NULL, OPT_SPOOL_DIR },
	{ "log", required_argument, NULL, OPT_LOG },
	{ "verbose", no_argument, NULL, OPT_VERBOSE },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("smtpipe: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'smtpipe --help'.\n", stderr);
	exit(EX_USAGE);
}

static uint64_t
number(const char *name, const char *arg, uint64_t min, uint64_t max,
    bool suffixes)
{
	size_t len = strlen(arg);
	uint64_t v, mult = 1;

	if (suffixes && len > 1) {
		switch (arg[len - 1]) {
		case 'k': case 'K': mult = 1024; break;
		case 'm': case 'M': mult = 1024 * 1024; break;
		case 'g': case 'G': mult = 1024 * 1024 * 1024; break;
		default: break;
		}
		if (mult > 1)
			len--;
	}
	if (!util_parse_u64(arg, len, max / mult, &v) || v * mult < min)
		usage_error("--%s: expected a number from %llu to %llu, "
		    "not '%s'", name, (unsigned long long)min,
		    (unsigned long long)max, arg);
	return v * mult;
}

/* A host name we will put in replies and headers: LDH, dots, no more. */
static bool
hostname_ok(const char *h)
{
	size_t i;

	for (i = 0; h[i] != '\0'; i++) {
		char c = h[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.'))
			return false;
	}
	return i > 0 && i <= LIMIT_DOMAIN;
}

static bool
env_ok(const char *e)
{
	const char *eq = strchr(e, '=');
	const char *p;

	if (eq == NULL || eq == e)
		return false;
	for (p = e; p < eq; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	/* The SMTP_ names carry the envelope; nobody may fake them. */
	return strncmp(e, "SMTP_", 5) != 0 && strncmp(e, "PATH=", 5) != 0;
}

void
options_parse(struct options *o, int argc, char **argv)
{
	bool uses_recipient = false;
	int c, i;

	memset(o, 0, sizeof(*o));
	o->max_rcpt = DEFAULT_MAX_RCPT;
	o->max_errors = DEFAULT_MAX_ERRORS;
	o->max_size = DEFAULT_MAX_SIZE;
	o->timeout = DEFAULT_TIMEOUT;
	o->delivery_timeout = DEFAULT_DELIVERY_TIMEOUT;
	o->seccomp = SECCOMP_KILL;
	o->session_user = "nobody";
	o->path = "/usr/local/bin:/usr/bin:/bin";
	o->log = LOG_TARGET_AUTO;

	/* "+": stop at COMMAND, so its options stay its own; ":" reports a
	 * missing argument apart from an unknown option. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_HOSTNAME:
			if (!hostname_ok(optarg))
				usage_error("--hostname: '%s' is not a host "
				    "name", optarg);
			o->hostname = optarg;
			break;
		case OPT_MAX_SIZE:
			/* The size must fit what we advertise and count. */
			o->max_size = number("max-size", optarg, 1,
			    (uint64_t)1 << 40, true);
			break;
		case OPT_MAX_RCPT:
			o->max_rcpt = (unsigned)number("max-recipients",
			    optarg, 1, LIMIT_RCPT_MAX, false);
			break;
		case OPT_MAX_ERRORS:
			o->max_errors = (unsigned)number("max-errors", optarg,
			    1, 1000, false);
			break;
		case OPT_TIMEOUT:
			o->timeout = (unsigned)number("timeout", optarg, 1,
			    86400, false);
			break;
		case OPT_DELIVERY_TIMEOUT:
			o->delivery_timeout = (unsigned)number(
			    "delivery-timeout", optarg, 1, 86400, false);
			break;
		case OPT_BARE_LF:
			if (strcmp(optarg, "reject") == 0)
				o->bare_lf_reject = true;
			else if (strcmp(optarg, "normalize") == 0)
				o->bare_lf_reject = false;
			else
				usage_error("--bare-lf: expected normalize "
				    "or reject, not '%s'", optarg);
			break;
		case OPT_CRLF:
			o->crlf = true;
			break;
		case OPT_PER_RCPT:
			o->per_recipient = true;
			break;
		case OPT_USER:
			o->user = optarg;
			break;
		case OPT_SESSION_USER:
			o->session_user = optarg;
			break;
		case OPT_SECCOMP:
			if (strcmp(optarg, "kill") == 0)
				o->seccomp = SECCOMP_KILL;
			else if (strcmp(optarg, "log") == 0)
				o->seccomp = SECCOMP_LOG;
			else
				usage_error("--seccomp: expected kill or log, "
				    "not '%s'", optarg);
			break;
		case OPT_ENV:
			if (!env_ok(optarg))
				usage_error("--env: expected NAME=VALUE (not "
				    "PATH or SMTP_*), not '%s'", optarg);
			if (o->nenv >= MAX_ENV_OPTS)
				usage_error("--env: at most %d", MAX_ENV_OPTS);
			o->env[o->nenv++] = optarg;
			break;
		case OPT_PATH:
			o->path = optarg;
			break;
		case OPT_SPOOL_DIR:
			o->spool_dir = optarg;
			break;
		case OPT_LOG:
			if (strcmp(optarg, "syslog") == 0)
				o->log = LOG_TARGET_SYSLOG;
			else if (strcmp(optarg, "stderr") == 0)
				o->log = LOG_TARGET_STDERR;
			else
				usage_error("--log: expected syslog or stderr, "
				    "not '%s'", optarg);
			break;
		case OPT_VERBOSE:
			o->verbose = true;
			break;
		case OPT_HELP:
			fputs(usage_text, stdout);
			exit(0);
		case OPT_VERSION:
			printf("smtpipe %s\n", PACKAGE_VERSION);
			exit(0);
		case ':':
			usage_error("option '%s' needs an argument",
			    argv[optind - 1]);
		default:
			usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		usage_error("no delivery COMMAND given");
	o->argv = argv + optind;
	o->argc = argc - optind;
	if (o->argv[0][0] == '\0')
		usage_error("empty COMMAND");
	for (i = 0; i < o->argc; i++)
		if (strstr(o->argv[i], "{recipient}") != NULL)
			uses_recipient = true;
	if (uses_recipient && !o->per_recipient)
		usage_error("{recipient} needs --per-recipient; use "
		    "{recipients} for all of them");
}

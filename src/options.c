/*
 * options.c - command-line parsing.  Errors go to stderr with exit status
 * 64 (EX_USAGE) before any SMTP is spoken: once the session runs, stderr
 * may be the client's socket (inetd), so nothing else writes there.
 */
#include "config.h"

#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "idna.h"
#include "ipc.h"
#include "smtp-limits.h"
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
"  --lmtp                   speak LMTP (RFC 2033) instead of SMTP\n"
"  --accept-domain DOMAIN   accept recipients only in DOMAIN (repeatable)\n"
"  --accept-domains FILE    ... or in the domains listed in FILE\n"
"  --rcpt-check \"CMD [ARG...]\"  run CMD per RCPT: 0 accepts, 67 550, 75 450\n"
"  --rcpt-check-timeout SECS  limit for the check (default 30)\n"
"  --no-chunking            do not offer CHUNKING/BINARYMIME (BDAT)\n"
"  --no-smtputf8            do not offer SMTPUTF8\n"
"  --no-dsn                 do not offer DSN\n"
"  --log syslog|journal|stderr  where diagnostics go (default: the\n"
"                           journal under systemd, else syslog)\n"
"  --mode auto|inetd|systemd  how the connection arrives (default auto)\n"
"  --max-sessions N         systemd Accept=no: sessions at once (default 50)\n"
"  --max-per-ip N           ... and per client address (default 10)\n"
"  --grace SECONDS          ... time to finish sessions on SIGTERM (default 30)\n"
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
	OPT_LMTP, OPT_ACCEPT_DOMAIN, OPT_ACCEPT_DOMAINS, OPT_RCPT_CHECK,
	OPT_RCPT_CHECK_TIMEOUT, OPT_NO_CHUNKING, OPT_NO_SMTPUTF8, OPT_NO_DSN,
	OPT_MODE, OPT_MAX_SESSIONS, OPT_MAX_PER_IP, OPT_GRACE,
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
	{ "lmtp", no_argument, NULL, OPT_LMTP },
	{ "accept-domain", required_argument, NULL, OPT_ACCEPT_DOMAIN },
	{ "accept-domains", required_argument, NULL, OPT_ACCEPT_DOMAINS },
	{ "rcpt-check", required_argument, NULL, OPT_RCPT_CHECK },
	{ "rcpt-check-timeout", required_argument, NULL,
	    OPT_RCPT_CHECK_TIMEOUT },
	{ "no-chunking", no_argument, NULL, OPT_NO_CHUNKING },
	{ "no-smtputf8", no_argument, NULL, OPT_NO_SMTPUTF8 },
	{ "no-dsn", no_argument, NULL, OPT_NO_DSN },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "max-sessions", required_argument, NULL, OPT_MAX_SESSIONS },
	{ "max-per-ip", required_argument, NULL, OPT_MAX_PER_IP },
	{ "grace", required_argument, NULL, OPT_GRACE },
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

/* Add one domain (an IDNA U-label or A-label form, any case). */
static void
add_domain(struct options *o, const char *d, size_t len, const char *from)
{
	char norm[LIMIT_DOMAIN + 1];

	if (len > 0 && d[len - 1] == '.')
		len--;
	if (len == 0 || !idna_to_ascii(d, len, norm, sizeof(norm)))
		usage_error("%s: '%.*s' is not a domain", from, (int)len, d);
	if (o->ndomains % 64 == 0) {
		char **n = realloc(o->domains,
		    (o->ndomains + 64) * sizeof(*n));

		if (n == NULL)
			usage_error("out of memory");
		o->domains = n;
	}
	if (o->ndomains >= MAX_DOMAINS)
		usage_error("%s: more than %d domains", from, MAX_DOMAINS);
	if ((o->domains[o->ndomains] = strdup(norm)) == NULL)
		usage_error("out of memory");
	o->ndomains++;
}

/* One domain a line; blank lines and # comments are skipped. */
static void
read_domains(struct options *o, const char *path)
{
	char line[LIMIT_DOMAIN * 4 + 2];
	FILE *f = fopen(path, "r");

	if (f == NULL)
		usage_error("--accept-domains %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t a = 0, b = strlen(line);

		while (a < b && (line[a] == ' ' || line[a] == '\t'))
			a++;
		while (b > a && (line[b - 1] == '\n' || line[b - 1] == '\r' ||
		    line[b - 1] == ' ' || line[b - 1] == '\t'))
			b--;
		if (a == b || line[a] == '#')
			continue;
		add_domain(o, line + a, b - a, "--accept-domains");
	}
	fclose(f);
}

bool
options_domain_accepted(const struct options *o, const char *addr)
{
	char norm[LIMIT_DOMAIN + 1];
	const char *at = strrchr(addr, '@');
	unsigned i;

	if (o->ndomains == 0)
		return true;
	/* RFC 5321 4.5.1: <Postmaster> must always be accepted. */
	if (at == NULL)
		return true;
	if (!idna_to_ascii(at + 1, strlen(at + 1), norm, sizeof(norm)))
		return false;
	for (i = 0; i < o->ndomains; i++)
		if (strcmp(norm, o->domains[i]) == 0)
			return true;
	return false;
}

bool
options_routing(const char *addr)
{
	const char *at = strrchr(addr, '@');
	const char *p;

	if (at == NULL)
		return false;
	for (p = addr; p < at; p++)
		if (*p == '%' || *p == '!' || *p == '@')
			return true;
	return false;
}

static void
split_check(struct options *o, char *arg)
{
	char *p = arg;

	o->check_argc = 0;
	while (*p != '\0') {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (*p == '\0')
			break;
		if (o->check_argc >= MAX_CHECK_ARGS)
			usage_error("--rcpt-check: at most %d words",
			    MAX_CHECK_ARGS);
		o->check_argv[o->check_argc++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
	}
	o->check_argv[o->check_argc] = NULL;
	if (o->check_argc == 0 || o->check_argv[0][0] != '/')
		usage_error("--rcpt-check: expected an absolute path to a "
		    "command, not '%s'", arg);
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
	o->chunking = o->smtputf8 = o->dsn = true;
	o->check_timeout = 30;
	o->max_sessions = 50;
	o->max_per_ip = 10;
	o->grace = 30;

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
			else if (strcmp(optarg, "journal") == 0)
				o->log = LOG_TARGET_JOURNAL;
			else
				usage_error("--log: expected syslog, journal or "
				    "stderr, not '%s'", optarg);
			break;
		case OPT_VERBOSE:
			o->verbose = true;
			break;
		case OPT_LMTP:
			o->lmtp = true;
			break;
		case OPT_ACCEPT_DOMAIN:
			add_domain(o, optarg, strlen(optarg),
			    "--accept-domain");
			break;
		case OPT_ACCEPT_DOMAINS:
			read_domains(o, optarg);
			break;
		case OPT_RCPT_CHECK:
			split_check(o, optarg);
			break;
		case OPT_RCPT_CHECK_TIMEOUT:
			o->check_timeout = (unsigned)number(
			    "rcpt-check-timeout", optarg, 1, 3600, false);
			break;
		case OPT_NO_CHUNKING:
			o->chunking = false;
			break;
		case OPT_NO_SMTPUTF8:
			o->smtputf8 = false;
			break;
		case OPT_NO_DSN:
			o->dsn = false;
			break;
		case OPT_MODE:
			if (strcmp(optarg, "auto") == 0)
				o->mode = MODE_AUTO;
			else if (strcmp(optarg, "inetd") == 0)
				o->mode = MODE_INETD;
			else if (strcmp(optarg, "systemd") == 0)
				o->mode = MODE_SYSTEMD;
			else
				usage_error("--mode: expected auto, inetd or "
				    "systemd, not '%s'", optarg);
			break;
		case OPT_MAX_SESSIONS:
			o->max_sessions = (unsigned)number("max-sessions",
			    optarg, 1, 10000, false);
			break;
		case OPT_MAX_PER_IP:
			o->max_per_ip = (unsigned)number("max-per-ip", optarg,
			    1, 10000, false);
			break;
		case OPT_GRACE:
			o->grace = (unsigned)number("grace", optarg, 0, 3600,
			    false);
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

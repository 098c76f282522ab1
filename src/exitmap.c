/*
 * exitmap.c - delivery command result to SMTP reply (see exitmap.h).
 * Reads the command's output, which may echo attacker bytes: only a
 * well-formed status code and printable text are ever relayed.
 *
 * The rule that matters: 250 only when the command exited 0.  Anything we
 * cannot be sure about (a signal, a timeout, an exit status outside
 * sysexits.h) is a 451 so the client keeps the message and retries.
 */
#include "config.h"

#include "exitmap.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

/* The sysexits.h table, as Postfix's global/sys_exits.c reads it. */
static const struct exit_row {
	int status;
	unsigned code;
	const char *dsn;
	const char *text;
} exit_table[] = {
	{ EX_USAGE, 554, "5.3.0", "Delivery command usage error" },
	{ EX_DATAERR, 554, "5.6.0", "Message data format error" },
	{ EX_NOINPUT, 554, "5.3.0", "Delivery command cannot open input" },
	{ EX_NOUSER, 550, "5.1.1", "User unknown" },
	{ EX_NOHOST, 550, "5.1.2", "Host name unknown" },
	{ EX_UNAVAILABLE, 554, "5.3.0", "Service unavailable" },
	{ EX_SOFTWARE, 554, "5.3.0", "Internal software error" },
	/* A system resource problem passes: try again (as Postfix). */
	{ EX_OSERR, 451, "4.3.0", "System resource problem" },
	{ EX_OSFILE, 554, "5.3.0", "Critical operating system file missing" },
	{ EX_CANTCREAT, 554, "5.2.0", "Cannot create output file" },
	{ EX_IOERR, 554, "5.3.0", "Input/output error" },
	{ EX_TEMPFAIL, 451, "4.3.0", "Temporary failure; try again later" },
	{ EX_PROTOCOL, 554, "5.5.0", "Remote protocol error" },
	{ EX_NOPERM, 550, "5.7.1", "Permission denied" },
	{ EX_CONFIG, 554, "5.3.5", "Local configuration error" },
};

static void
set(struct ipc_reply *r, unsigned code, const char *dsn, const char *text)
{
	r->code = code;
	snprintf(r->text, sizeof(r->text), "%s %s", dsn, text);
}

/*
 * RFC 3463 2: class "." subject "." detail, class 2, 4 or 5, subject
 * and detail 1 to 3 digits, then a space or the end of the line.
 * Returns the length of the code, 0 when there is none.
 */
static size_t
dsn_code(const char *p, size_t len)
{
	size_t i = 1, part, digits;

	if (len < 5 || (p[0] != '2' && p[0] != '4' && p[0] != '5'))
		return 0;
	for (part = 0; part < 2; part++) {
		if (i >= len || p[i] != '.')
			return 0;
		i++;
		for (digits = 0; i < len && p[i] >= '0' && p[i] <= '9'; i++)
			digits++;
		if (digits < 1 || digits > 3)
			return 0;
	}
	if (i < len && p[i] != ' ' && p[i] != '\n' && p[i] != '\r')
		return 0;
	return i;
}

/* Take the command's own code and text when its class agrees. */
static bool
from_output(const char *out, size_t outlen, char want_class,
    struct ipc_reply *r)
{
	char dsn[12], text[LIMIT_CMD_REPLY + 1];
	size_t n, i, t = 0, eol;

	for (eol = 0; eol < outlen && out[eol] != '\n'; eol++)
		;
	n = dsn_code(out, eol);
	if (n == 0 || n >= sizeof(dsn) || out[0] != want_class)
		return false;
	memcpy(dsn, out, n);
	dsn[n] = '\0';
	for (i = n; i < eol && out[i] == ' '; i++)
		;
	/* Printable ASCII only: the text goes to the client verbatim. */
	for (; i < eol && t < LIMIT_CMD_REPLY; i++) {
		unsigned char c = (unsigned char)out[i];

		text[t++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	while (t > 0 && text[t - 1] == ' ')
		t--;
	text[t] = '\0';
	if (t == 0)
		return false;
	if (want_class == '2')
		r->code = 250;
	else if (want_class == '4')
		r->code = 451;
	else
		r->code = (out[2] == '1' || out[2] == '2' || out[2] == '7') ?
		    550 : 554;
	snprintf(r->text, sizeof(r->text), "%s %s", dsn, text);
	return true;
}

void
exitmap_reply(enum run_outcome how, int status, const char *output,
    size_t outlen, struct ipc_reply *r)
{
	size_t i;

	switch (how) {
	case RUN_EXITED:
		if (status == 0) {
			if (!from_output(output, outlen, '2', r))
				set(r, 250, "2.0.0", "Message accepted for delivery");
			return;
		}
		for (i = 0; i < sizeof(exit_table) / sizeof(exit_table[0]);
		    i++) {
			const struct exit_row *e = &exit_table[i];

			if (e->status != status)
				continue;
			/* The command may say more precisely what went
			 * wrong, in the class its exit status implies or in
			 * the other failure class (Postfix pipe(8)). */
			if (from_output(output, outlen, '4', r) ||
			    from_output(output, outlen, '5', r))
				return;
			set(r, e->code, e->dsn, e->text);
			return;
		}
		/* Not a sysexits.h code: we cannot know, keep the mail. */
		set(r, 451, "4.3.0", "Delivery failed temporarily");
		return;
	case RUN_SIGNALED:
		set(r, 451, "4.3.0", "Delivery command crashed; try again later");
		return;
	case RUN_TIMEOUT:
		set(r, 451, "4.3.0", "Delivery timed out; try again later");
		return;
	case RUN_NOT_STARTED:
		break;
	}
	set(r, 451, "4.3.0", "Delivery command unavailable; try again later");
}

/*
 * linereader.h - SMTP command-line framing.  Pure; reads attacker bytes.
 *
 * RFC 5321 2.3.8: a line ends only at CR LF; a bare CR or LF must not be
 * taken as a line end.  A line holding one is reported as LR_BARE_EOL when
 * its real CR LF arrives, so it is answered once and never split into two
 * commands.  A line over the limit is skipped to its CR LF and reported
 * once as LR_TOO_LONG, which keeps the session in sync (RFC 5321 4.5.3.1.4).
 */
#ifndef SMTPIPE_LINEREADER_H
#define SMTPIPE_LINEREADER_H

#include <stdbool.h>
#include <stddef.h>

#include "smtp-limits.h"

enum lr_status {
	LR_NEED_MORE,	/* all input consumed, no complete line yet */
	LR_LINE,	/* *line_r holds a line without its CR LF */
	LR_TOO_LONG,	/* a line over the limit ended */
	LR_BARE_EOL,	/* a line with a bare CR or LF in it ended */
};

struct linereader {
	char buf[LIMIT_CMDLINE_EXT + 1];
	size_t len;
	size_t max;		/* longest line, without CR LF */
	bool cr;		/* the last byte seen was CR */
	bool too_long;
	bool bare;
};

void linereader_init(struct linereader *lr, size_t max);
/*
 * Consume input up to and including the end of one line.  *consumed_r says
 * how much of in[] was used; the line (for LR_LINE) stays valid until the
 * next call.  The returned line is NUL-terminated for convenience but may
 * contain NULs; trust *linelen_r.
 */
enum lr_status linereader_push(struct linereader *lr, const char *in,
    size_t len, size_t *consumed_r, const char **line_r, size_t *linelen_r);
/* True when a partial line is buffered. */
bool linereader_pending(const struct linereader *lr);

#endif

/*
 * linereader.c - CR LF framing of SMTP commands (see linereader.h).
 * Reads attacker bytes; constant memory whatever the input.
 */
#include "config.h"

#include "linereader.h"

#include <string.h>

void
linereader_init(struct linereader *lr, size_t max)
{
	memset(lr, 0, sizeof(*lr));
	lr->max = max > LIMIT_CMDLINE_EXT ? LIMIT_CMDLINE_EXT : max;
}

bool
linereader_pending(const struct linereader *lr)
{
	return lr->len > 0 || lr->cr || lr->too_long || lr->bare;
}

static void
lr_store(struct linereader *lr, char c)
{
	if (lr->len < lr->max)
		lr->buf[lr->len++] = c;
	else
		lr->too_long = true;
}

enum lr_status
linereader_push(struct linereader *lr, const char *in, size_t len,
    size_t *consumed_r, const char **line_r, size_t *linelen_r)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char c = in[i];

		if (lr->cr) {
			lr->cr = false;
			if (c == '\n') {
				enum lr_status st = LR_LINE;

				/* A bare EOL is the more serious finding:
				 * it is what smuggling attempts look like. */
				if (lr->bare)
					st = LR_BARE_EOL;
				else if (lr->too_long)
					st = LR_TOO_LONG;
				lr->buf[lr->len] = '\0';
				*line_r = lr->buf;
				*linelen_r = lr->len;
				*consumed_r = i + 1;
				lr->len = 0;
				lr->too_long = lr->bare = false;
				return st;
			}
			/* The CR before this byte was bare. */
			lr->bare = true;
			lr_store(lr, '\r');
		}
		if (c == '\r') {
			lr->cr = true;
		} else {
			if (c == '\n')
				lr->bare = true;
			lr_store(lr, c);
		}
	}
	*consumed_r = len;
	return LR_NEED_MORE;
}

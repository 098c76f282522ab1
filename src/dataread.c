/*
 * dataread.c - byte state machine for the DATA phase (see dataread.h).
 *
 * States, as the client's bytes move us:
 *   BOL        start of a line that began after CR LF.  "." goes to
 *              BOL_DOT; anything else is line content.
 *   BOL_DOT    we hold back the dot.  CR -> BOL_DOT_CR; "." or other
 *              content -> the held dot was stuffing, drop it (RFC 5321
 *              4.5.2); LF -> the line was "." ended by a bare LF: not an
 *              end, deliver "." and a line end.
 *   BOL_DOT_CR CR LF "." CR seen: LF ends the data.  Anything else means
 *              the CR was bare, so the line holds more than the dot and
 *              the dot was stuffing: deliver the CR and go on.
 *   SOFT_*     the same after a bare LF, except that nothing ends the
 *              data: "." CR LF there is a line holding a dot.
 *   MID        line content, copied in runs up to the next CR or LF.
 *   MID_CR     CR seen: LF ends the line; anything else makes it bare.
 */
#include "config.h"

#include "dataread.h"

#include <string.h>

void
dataread_init(struct dataread *dr, bool crlf)
{
	memset(dr, 0, sizeof(*dr));
	dr->state = DR_BOL;
	dr->crlf = crlf;
}

enum dr_status
dataread_push(struct dataread *dr, const char *in, size_t len, char *out,
    size_t outcap, size_t *consumed_r, size_t *produced_r)
{
	size_t i = 0, o = 0;
	enum dr_status st = DR_NEED_MORE;

#define EOL() do {						\
		if (dr->crlf)					\
			out[o++] = '\r';			\
		out[o++] = '\n';				\
	} while (0)

	while (i < len) {
		char c;

		/* Every step below writes at most 3 octets. */
		if (outcap - o < 3) {
			st = DR_OUT_FULL;
			break;
		}
		if (dr->state == DR_MID) {
			/* Fast path: copy a run of plain content. */
			size_t room = outcap - o - 2, n = len - i, k = 0;
			const char *p = in + i;

			const char *cr, *lf;

			if (n > room)
				n = room;
			/* memchr is vectorised; a byte loop here was most of
			 * the time spent on a large message. */
			cr = memchr(p, '\r', n);
			k = cr != NULL ? (size_t)(cr - p) : n;
			lf = memchr(p, '\n', k);
			if (lf != NULL)
				k = (size_t)(lf - p);
			memcpy(out + o, p, k);
			o += k;
			i += k;
			dr->octets += k;
			/* Out of input or of room: the loop head decides. */
			if (i == len || k == n)
				continue;
		}
		c = in[i++];
		dr->octets++;
		switch (dr->state) {
		case DR_BOL:
		case DR_SOFT_BOL:
			if (c == '.') {
				dr->state = dr->state == DR_BOL ? DR_BOL_DOT :
				    DR_SOFT_DOT;
				break;
			}
			dr->state = DR_MID;
			i--;
			dr->octets--;
			break;
		case DR_BOL_DOT:
		case DR_SOFT_DOT:
			if (c == '\r') {
				dr->state = dr->state == DR_BOL_DOT ?
				    DR_BOL_DOT_CR : DR_SOFT_DOT_CR;
			} else if (c == '\n') {
				/* "." then a bare LF: a line holding a dot. */
				dr->saw_bare_lf = true;
				out[o++] = '.';
				EOL();
				dr->state = DR_SOFT_BOL;
			} else {
				/* The dot was stuffing; c is content. */
				dr->state = DR_MID;
				i--;
				dr->octets--;
			}
			break;
		case DR_BOL_DOT_CR:
			if (c == '\n') {
				/* CR LF "." CR LF: the end.  The CR LF before
				 * the dot ends the last line and counts; the
				 * "." CR LF (3 octets) is not message data. */
				dr->octets -= 3;
				*consumed_r = i;
				*produced_r = o;
				return DR_END;
			}
			/* FALLTHROUGH */
		case DR_SOFT_DOT_CR:
			if (c == '\n') {
				/* "." CR LF after a bare LF: not the end. */
				out[o++] = '.';
				EOL();
				dr->state = DR_BOL;
				break;
			}
			/* "." then a bare CR: more than a dot on the line,
			 * so the dot was stuffing (RFC 5321 4.5.2). */
			dr->saw_bare_cr = true;
			out[o++] = '\r';
			dr->state = c == '\r' ? DR_MID_CR : DR_MID;
			if (c != '\r') {
				i--;
				dr->octets--;
			}
			break;
		case DR_MID:
			if (c == '\r') {
				dr->state = DR_MID_CR;
			} else {
				/* c == '\n': a bare LF ends the line for the
				 * reader of the mailbox, never the data. */
				dr->saw_bare_lf = true;
				EOL();
				dr->state = DR_SOFT_BOL;
			}
			break;
		case DR_MID_CR:
			if (c == '\n') {
				EOL();
				dr->state = DR_BOL;
			} else {
				dr->saw_bare_cr = true;
				out[o++] = '\r';
				if (c != '\r') {
					dr->state = DR_MID;
					i--;
					dr->octets--;
				}
			}
			break;
		}
	}
#undef EOL
	*consumed_r = i;
	*produced_r = o;
	return st;
}

/*
 * dataread.h - the DATA reader: dot-unstuffing and end-of-data detection.
 * Pure; reads attacker bytes; constant memory.
 *
 * RFC 5321 4.1.1.4: the data ends with CR LF "." CR LF, and only that
 * sequence ends it.  A bare LF or CR never ends the data, whatever follows
 * it (SMTP smuggling, CVE-2023-51764).  A bare LF is delivered as a line
 * end (Postfix's "normalize"); a bare CR is kept as it is.  Lines are
 * never split or truncated, whatever their length.
 */
#ifndef SMTPIPE_DATAREAD_H
#define SMTPIPE_DATAREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum dr_state {
	DR_BOL,		/* after CR LF (or at the start): "." may end data */
	DR_BOL_DOT,	/* "." at a CR LF line start */
	DR_BOL_DOT_CR,	/* "." CR at a CR LF line start */
	DR_SOFT_BOL,	/* after a bare LF: a line start, never an end */
	DR_SOFT_DOT,	/* "." after a bare LF */
	DR_SOFT_DOT_CR,	/* "." CR after a bare LF */
	DR_MID,		/* inside a line */
	DR_MID_CR,	/* CR inside a line */
};

enum dr_status {
	DR_NEED_MORE,	/* all input consumed */
	DR_OUT_FULL,	/* output buffer full: drain it and call again */
	DR_END,		/* end of data seen; *consumed_r stops after it */
};

struct dataread {
	enum dr_state state;
	bool crlf;		/* deliver CR LF line ends instead of LF */
	bool saw_bare_lf;
	bool saw_bare_cr;
	uint64_t octets;	/* message size as sent, CR LF counted as 2 */
};

void dataread_init(struct dataread *dr, bool crlf);
/*
 * Feed input; unstuffed, normalised bytes are written to out[] (at most
 * outcap).  Always makes progress when outcap >= DATAREAD_MIN_OUT.
 */
#define DATAREAD_MIN_OUT 4
enum dr_status dataread_push(struct dataread *dr, const char *in, size_t len,
    char *out, size_t outcap, size_t *consumed_r, size_t *produced_r);

#endif

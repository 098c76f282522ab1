/*
 * address.h - RFC 5321 path and ESMTP parameter parser.  Pure: no system
 * calls, no globals; it reads attacker bytes and is fuzzed directly.
 */
#ifndef SMTPIPE_ADDRESS_H
#define SMTPIPE_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>

#include "smtp-limits.h"

enum addr_result {
	ADDR_OK = 0,
	ADDR_NO_BRACKETS,	/* path not enclosed in < > (501) */
	ADDR_SYNTAX,		/* does not match the grammar (501) */
	ADDR_TOO_LONG,		/* over an RFC 5321 4.5.3.1 limit (501) */
	ADDR_NON_ASCII,		/* octet > 127 without SMTPUTF8 (553 5.6.7) */
	ADDR_BAD_UTF8,		/* ill-formed UTF-8 with SMTPUTF8 (553 5.6.7) */
	ADDR_DASH,		/* begins with '-' (553): never an option */
	ADDR_NULL_NOT_ALLOWED,	/* <> where a forward-path is needed (501) */
	ADDR_BAD_PARAM,		/* malformed esmtp-param list (555) */
	ADDR_TOO_MANY_PARAMS,	/* over LIMIT_PARAMS (555) */
};

struct smtp_path {
	/* The mailbox without brackets and without any source route, as
	 * sent (case kept, quoting kept); empty for the null path <>. */
	char addr[LIMIT_ADDR_BUF];
	size_t len;
	bool is_null;		/* <> */
	bool is_postmaster;	/* <Postmaster> without a domain */
	bool is_utf8;		/* contains octets > 127 (SMTPUTF8 only) */
};

struct smtp_param {
	const char *key;	/* points into the caller's buffer */
	size_t keylen;
	const char *value;	/* NULL when the parameter has no "=value" */
	size_t valuelen;
};

#define ADDR_F_ALLOW_NULL	0x1	/* reverse-path: <> allowed */
#define ADDR_F_ALLOW_POSTMASTER	0x2	/* forward-path: <Postmaster> */
#define ADDR_F_UTF8		0x4	/* RFC 6531: UTF-8 allowed */

/*
 * Parse "<path>[ SP params]" from the text after "MAIL FROM:" or
 * "RCPT TO:" (leading spaces are tolerated, as most MTAs do).
 * On ADDR_OK, *path_r is filled and *rest_r, *restlen_r point at the
 * parameter text after the path (leading and trailing spaces skipped,
 * maybe empty).  On failure *path_r is zeroed and *rest_r is NULL.
 * rest_r and restlen_r may be NULL.
 */
enum addr_result address_parse_path(const char *p, size_t len, int flags,
    struct smtp_path *path_r, const char **rest_r, size_t *restlen_r);

/*
 * Split "key[=value] SP key[=value] ..." (RFC 5321 4.1.2 Mail-parameters)
 * into params[]; keys are esmtp-keyword, values esmtp-value (no '=',
 * no controls, no space).  Returns ADDR_OK, ADDR_BAD_PARAM or
 * ADDR_TOO_MANY_PARAMS.
 */
enum addr_result address_split_params(const char *p, size_t len,
    struct smtp_param *params, size_t max, size_t *n_r);

/* Short English text for a result, for the reply. */
const char *address_result_str(enum addr_result r);

#endif

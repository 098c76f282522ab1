/*
 * idna.h - domain names to a comparable ASCII form: ASCII letters lower-
 * cased, and each label holding UTF-8 turned into its "xn--" A-label
 * (RFC 5890, Punycode of RFC 3492), so that <user@bücher.example> and
 * <user@xn--bcher-kva.example> compare equal, as RFC 6531 3.2 expects.
 * Pure.
 *
 * XXX: no Unicode normalisation or case folding beyond ASCII: IDNA2008
 * U-labels are lower-case NFC already, and a client that sends another
 * form is outside it; such a name simply does not match.
 */
#ifndef SMTPIPE_IDNA_H
#define SMTPIPE_IDNA_H

#include <stdbool.h>
#include <stddef.h>

/* out gets the NUL-terminated result; false on bad UTF-8 or no room. */
bool idna_to_ascii(const char *in, size_t len, char *out, size_t cap);

#endif

/*
 * mail_message.h: an RFC 5322 MIME message as bytes, from a notice. The same bytes go to the SMTP
 * server and into the file spool, so what the tests read from the spool is what a mail server gets.
 */
#ifndef DRIFTWATCH_MAIL_MESSAGE_H
#define DRIFTWATCH_MAIL_MESSAGE_H

#include <stddef.h>

struct notice;

/*
 * Build the message. from is "Display Name <addr@domain>" or a bare address; domain is the
 * Message-ID's right-hand side (NULL: from's domain). Returns 0 and *out (NUL-terminated, CRLF line
 * ends, *len bytes), or -1 and *cause when a header value holds a control character, the subject
 * is not UTF-8 or the recipient is not one address.
 */
int mail_message_build(
    const struct notice *n, const char *from, const char *domain, char **out, size_t *len, char **cause);
/* The bare address inside "Name <addr>" (or the whole string). Caller frees. */
char *mail_address_of(const char *from);
/* Is s one plain address: local@domain, printable ASCII, no spaces, commas or brackets? */
int mail_is_address(const char *s);
/* Base64 of len bytes, no line breaks. Caller frees. */
char *mail_base64(const void *data, size_t len);

#endif

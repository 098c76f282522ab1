/*
 * replies.h - the text of every fixed reply, with its RFC 3463 enhanced
 * status code, in one place so wording stays consistent.
 */
#ifndef SMTPIPE_REPLIES_H
#define SMTPIPE_REPLIES_H

#define R_DONE			"250 2.0.0 OK"
#define R_MAIL_OK		"250 2.1.0 Sender OK"
#define R_RCPT_OK		"250 2.1.5 Recipient OK"
#define R_RSET			"250 2.0.0 Reset"
#define R_NOOP			"250 2.0.0 OK"
#define R_VRFY			"252 2.5.2 Cannot VRFY user; send mail and we will try"
#define R_HELP			"214 2.0.0 Commands: HELO EHLO MAIL RCPT DATA RSET NOOP VRFY HELP QUIT"
#define R_DATA_GO		"354 End data with <CR><LF>.<CR><LF>"
#define R_EXPN			"502 5.5.1 EXPN not available"
#define R_UNKNOWN		"500 5.5.1 Unknown command"
#define R_TOO_LONG		"500 5.5.2 Line too long"
#define R_BARE_EOL		"500 5.5.2 Bare CR or LF in command line"
#define R_BAD_CHAR		"500 5.5.2 Invalid character in command"
#define R_NEED_HELO		"503 5.5.1 Send HELO or EHLO first"
#define R_NESTED_MAIL		"503 5.5.1 Sender already given"
#define R_NEED_MAIL		"503 5.5.1 Need MAIL before RCPT"
#define R_NEED_RCPT		"503 5.5.1 Need RCPT before DATA"
#define R_NO_VALID_RCPT		"554 5.5.1 No valid recipients"
#define R_HELO_SYNTAX		"501 5.5.4 Syntax: HELO hostname"
#define R_EHLO_SYNTAX		"501 5.5.4 Syntax: EHLO hostname"
#define R_MAIL_SYNTAX		"501 5.5.4 Syntax: MAIL FROM:<address>"
#define R_RCPT_SYNTAX		"501 5.5.4 Syntax: RCPT TO:<address>"
#define R_NO_ARGS		"501 5.5.4 No arguments allowed"
#define R_PARAM_UNKNOWN		"555 5.5.4 Unsupported parameter"
#define R_PARAM_BAD		"555 5.5.4 Malformed parameter"
#define R_DUP_PARAM		"555 5.5.4 Duplicate parameter"
#define R_PARAM_NO_EHLO		"555 5.5.4 Parameters need EHLO"
#define R_SIZE_BAD		"555 5.5.4 Malformed SIZE parameter"
#define R_SIZE_TOO_BIG		"552 5.3.4 Message size exceeds fixed limit"
#define R_MSG_TOO_BIG		"552 5.3.4 Message size exceeds fixed limit"
#define R_TOO_MANY_RCPT		"452 4.5.3 Too many recipients"
#define R_ONE_RCPT		"452 4.5.3 One recipient per transaction; send the others again"
#define R_BARE_LF_MSG		"550 5.6.2 Message contains a bare LF; use CR LF line ends"
#define R_NO_SPACE		"452 4.3.1 Insufficient system storage"
#define R_TEMP_FAIL		"451 4.3.0 Temporary local problem; try again later"
#define R_TIMEOUT		"421 4.4.2 %s Timeout; closing connection"
#define R_TOO_MANY_ERRORS	"421 4.7.0 %s Too many errors; closing connection"
#define R_SHUTDOWN		"421 4.3.2 %s Service shutting down; closing connection"
#define R_BYE			"221 2.0.0 %s Closing connection"
#define R_GREETING		"220 %s ESMTP smtpipe"

#endif

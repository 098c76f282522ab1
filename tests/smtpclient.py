#!/usr/bin/env python3
"""Send one message with Python's smtplib (stdlib only).

usage: smtpclient.py HOST PORT MESSAGE-FILE SENDER RCPT [RCPT...]

MESSAGE-FILE holds the message with LF or CRLF line endings; it is sent
with CRLF line endings (smtplib does the dot-stuffing).  The session uses
EHLO and, when the server offers 8BITMIME, MAIL FROM ... BODY=8BITMIME
(smtplib adds SIZE= when the server offers SIZE).
Set SMTPCLIENT_DEBUG=1 to trace the session on stderr.
Exit status 0 when every recipient was accepted and the message was queued.
"""

import os
import smtplib
import sys


def main(argv):
    if len(argv) < 6:
        sys.stderr.write(__doc__)
        return 2
    host, port, path, sender = argv[1], int(argv[2]), argv[3], argv[4]
    rcpts = argv[5:]
    with open(path, "rb") as f:
        data = f.read()
    # Normalise to CRLF: smtplib sends bytes as they are.
    data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")

    with smtplib.SMTP(host, port, local_hostname="client.test",
                      timeout=30) as smtp:
        if os.environ.get("SMTPCLIENT_DEBUG"):
            smtp.set_debuglevel(1)
        code, msg = smtp.ehlo()
        if code != 250:
            sys.stderr.write("EHLO refused: %d %r\n" % (code, msg))
            return 1
        opts = []
        if smtp.has_extn("8bitmime"):
            opts.append("BODY=8BITMIME")
        # smtplib adds SIZE= itself when the server offers SIZE.
        refused = smtp.sendmail(sender, rcpts, data, mail_options=opts)
        if refused:
            sys.stderr.write("recipients refused: %r\n" % (refused,))
            return 1
        smtp.quit()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (smtplib.SMTPException, OSError) as e:
        sys.stderr.write("smtpclient.py: %s: %s\n" % (type(e).__name__, e))
        sys.exit(1)

#!/usr/bin/env python3
"""Transcript tests: the built smtpipe over a socketpair (or TCP, or pipes),
with a capture command that records every delivery.

Run by automake as `python3 tests/transcripts.py` with SMTPIPE (the binary),
top_srcdir and top_builddir in the environment; also runs by hand from the
source tree.  Python 3 standard library only.

Each test starts smtpipe with one end of a UNIX socketpair as its stdin and
stdout, speaks SMTP on the other end and checks exact reply codes (and the
enhanced status codes where the spec names them).  The delivery command is
tests/stub/capture.sh, which stores its argv, environment, open descriptors
and stdin in $CAPTURE_DIR/N/ (N = 1, 2, ... per run) and exits with
$CAPTURE_EXIT; see that file for its other modes.  The client, the runner
and the /proc scan for leftovers are in tests/smtptest.py, shared with
tests/extensions.py and tests/faults.py.

Output: "ok N - name" or "not ok N - name: reason" per test, then
"transcripts: N passed, M failed".  Exit status 1 when any test failed.
Set TRANSCRIPTS_KEEP=1 to keep the temporary directory, TRANSCRIPTS_ONLY=
a substring to run only the tests whose name contains it.
"""

import email.utils
import os
import re
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True      # leave no __pycache__ in tests/
if HERE not in sys.path:
    sys.path.insert(0, HERE)
import smtptest                                             # noqa: E402
from smtptest import (SRCDIR, BUILDDIR, SMTPIPE, HOST, HELO,  # noqa: E402
                      DELIVERY_TIMEOUT, Fail, check, eq, want, crlf,
                      SIMPLE_TEXT, SIMPLE, procs_matching)

DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin"


# -------------------------------------------------------------- deliveries

class Delivery:
    def __init__(self, path):
        self.path = path

        def rd(name):
            try:
                with open(os.path.join(path, name), "rb") as f:
                    return f.read()
            except FileNotFoundError:
                return None
        raw = rd("argv") or b""
        self.argv = [a.decode("utf-8", "surrogateescape")
                     for a in raw.split(b"\0")[:-1]]
        self.env = {}
        for kv in (rd("environ") or b"").split(b"\0"):
            if kv:
                k, _, v = kv.partition(b"=")
                self.env[k.decode("latin-1")] = v.decode("utf-8",
                                                         "surrogateescape")
        self.stdin = rd("stdin") or b""
        self.fds = {}
        for line in (rd("fds") or b"").decode("utf-8", "replace").splitlines():
            n, _, target = line.partition(" ")
            self.fds[int(n)] = target
        self.done = os.path.exists(os.path.join(path, "done"))

    @property
    def args(self):
        return self.argv[1:]

    @property
    def rcpts(self):
        return self.env.get("SMTP_RECIPIENTS", "").splitlines()

    def split(self, nl=b"\n"):
        """(Received header as bytes, the rest)."""
        data = self.stdin
        check(data.startswith(b"Received: "),
              "delivered data does not start with a Received header: %r" %
              data[:80])
        pos = 0
        while True:
            end = data.find(nl, pos)
            check(end >= 0, "unterminated header: %r" % data[:300])
            pos = end + len(nl)
            if data[pos:pos + 1] not in (b" ", b"\t"):
                return data[:pos], data[pos:]

    @property
    def body(self):
        return self.split()[1]


# ------------------------------------------------------------ the runner

class T(smtptest.T):
    """One test's temporary directory, sessions and results; the
    deliveries as Delivery objects."""

    def deliveries(self):
        names = sorted((int(n) for n in os.listdir(self.cap) if n.isdigit()))
        return [Delivery(os.path.join(self.cap, str(n))) for n in names]

    def one_delivery(self):
        d = self.deliveries()
        eq(len(d), 1, "number of deliveries")
        check(d[0].done, "the capture command did not finish")
        return d[0]

    def no_delivery(self):
        d = self.deliveries()
        if d:
            raise Fail("expected nothing delivered, got %d deliveries "
                       "(first stdin %r)" % (len(d), d[0].stdin[:120]))


TESTS, test = smtptest.registry()



# ================================================================= tests
# ---------------------------------------------------------------- dialog

@test("greeting is 220 and names --hostname")
def _(t):
    s = t.session()
    eq(s.greeting.text.split(" ")[0], HOST, "host name in the greeting")
    check(len(s.greeting.lines) == 1, "greeting: one line expected")


@test("EHLO keywords exactly what is enabled: base set, then extensions")
def _(t):
    s = t.session(opts=["--max-size", "12345", "--no-chunking",
                        "--no-smtputf8", "--no-dsn"])
    r = s.ehlo()
    eq(r.lines[0].split(" ")[0], HOST, "EHLO first line")
    eq(sorted(r.lines[1:]), sorted(["PIPELINING", "SIZE 12345", "8BITMIME",
                                    "ENHANCEDSTATUSCODES"]), "keywords")
    s1 = t.session(opts=["--max-size", "12345"])
    r = s1.ehlo()
    eq(sorted(r.lines[1:]), sorted(["PIPELINING", "SIZE 12345", "8BITMIME",
                                    "ENHANCEDSTATUSCODES", "CHUNKING",
                                    "BINARYMIME", "SMTPUTF8", "DSN"]),
       "keywords with the default extensions")
    s2 = t.session()
    r = s2.ehlo()
    check("SIZE 26214400" in r.lines[1:],
          "default SIZE should be 26214400 (25 MiB): %s" % r)
    s3 = t.session(opts=["--max-size", "2K"])
    r = s3.ehlo()
    check("SIZE 2048" in r.lines[1:], "--max-size 2K: %s" % r)


@test("HELO: 250, SMTP_PROTOCOL=SMTP and 'with SMTP' in Received")
def _(t):
    s = t.session()
    r = s.helo()
    eq(r.text.split(" ")[0], HOST, "HELO reply")
    want(s.mail(), 250, "2.0.0")
    d = t.one_delivery()
    eq(d.env.get("SMTP_PROTOCOL"), "SMTP", "SMTP_PROTOCOL")
    eq(d.env.get("SMTP_HELO"), HELO, "SMTP_HELO")
    hdr = d.split()[0].decode()
    check(re.search(r"\swith SMTP\s", hdr), "Received: %r" % hdr)


@test("EHLO: SMTP_PROTOCOL=ESMTP and 'with ESMTP' in Received")
def _(t):
    s = t.session()
    s.ehlo()
    want(s.mail(), 250)
    d = t.one_delivery()
    eq(d.env.get("SMTP_PROTOCOL"), "ESMTP", "SMTP_PROTOCOL")
    hdr = d.split()[0].decode()
    check(re.search(r"\swith ESMTP\s", hdr), "Received: %r" % hdr)


@test("EHLO/HELO without a name: 501")
def _(t):
    s = t.session()
    s.cmd("EHLO", 501)
    s.cmd("HELO", 501)
    s.cmd("MAIL FROM:<a@example.com>", 503)


@test("MAIL before HELO/EHLO: 503 5.5.1")
def _(t):
    s = t.session()
    s.cmd("MAIL FROM:<a@example.com>", 503, "5.5.1")
    s.cmd("RCPT TO:<b@example.com>", 503)
    s.ehlo()
    s.cmd("MAIL FROM:<a@example.com>", 250)


@test("RCPT before MAIL: 503 5.5.1")
def _(t):
    s = t.session()
    s.ehlo()
    s.cmd("RCPT TO:<b@example.com>", 503, "5.5.1")


@test("DATA before MAIL or RCPT: 503 5.5.1, nothing delivered")
def _(t):
    s = t.session()
    s.ehlo()
    s.cmd("DATA", 503, "5.5.1")
    s.cmd("MAIL FROM:<a@example.com>", 250)
    s.cmd("DATA", 503, "5.5.1")
    s.cmd("MAIL FROM:<c@example.com>", 503, "5.5.1")     # nested MAIL
    s.cmd("NOOP", 250)
    t.no_delivery()


@test("unknown verb: 500 5.5.1; EXPN not available")
def _(t):
    s = t.session()
    s.cmd("FROBNICATE now", 500, "5.5.1")
    s.cmd("MAILFROM:<a@example.com>", 500, "5.5.1")
    s.cmd("EXPN staff", "5xx")
    s.cmd("NOOP", 250)


@test("verbs and FROM:/TO: are case-insensitive")
def _(t):
    s = t.session()
    s.cmd("ehlo " + HELO, 250)
    s.cmd("mail from:<a@example.com>", 250)
    s.cmd("RcPt tO:<b@example.org>", 250)
    s.cmd("dAtA", 354)
    want(s.message(SIMPLE), 250)
    s.cmd("nOoP", 250)
    s.cmd("Quit", 221)
    s.expect_eof()
    d = t.one_delivery()
    eq(d.env.get("SMTP_SENDER"), "a@example.com", "SMTP_SENDER")
    eq(d.rcpts, ["b@example.org"], "SMTP_RECIPIENTS")


@test("VRFY 252, HELP 214, NOOP 250")
def _(t):
    s = t.session()
    s.cmd("VRFY postmaster", 252)
    s.cmd("HELP", 214)
    s.cmd("NOOP", 250, "2.0.0")
    s.cmd("NOOP with an argument", 250)
    s.ehlo()
    s.cmd("VRFY <someone@example.com>", 252)


@test("RSET: 250 and the envelope is cleared")
def _(t):
    s = t.session()
    s.ehlo()
    s.cmd("MAIL FROM:<old@example.com>", 250)
    s.cmd("RCPT TO:<old@example.org>", 250)
    s.cmd("RSET", 250, "2.0.0")
    s.cmd("DATA", 503, "5.5.1")
    s.cmd("RCPT TO:<x@example.org>", 503, "5.5.1")
    s.cmd("MAIL FROM:<new@example.com>", 250)
    s.cmd("RCPT TO:<new@example.org>", 250)
    s.cmd("DATA", 354)
    want(s.message(SIMPLE), 250)
    d = t.one_delivery()
    eq(d.env.get("SMTP_SENDER"), "new@example.com", "SMTP_SENDER")
    eq(d.rcpts, ["new@example.org"], "SMTP_RECIPIENTS")


@test("QUIT: 221, the connection closes and smtpipe exits 0")
def _(t):
    s = t.session()
    s.ehlo()
    r = s.cmd("QUIT", 221, "2.0.0")
    s.expect_eof()
    eq(s.wait_exit(), 0, "exit status")
    check(HOST in r.text, "221 should name the host: %s" % r)


@test("command line: 510 octets + CR LF accepted, 511 -> 500 5.5.2, "
      "in sync")
def _(t):
    s = t.session()
    s.cmd("NOOP " + "x" * 505, 250)              # 510 octets + CR LF = 512
    s.cmd("NOOP " + "x" * 506, 500, "5.5.2")     # 511 + CR LF = 513
    s.cmd("NOOP", 250, "2.0.0")
    s.cmd("NOOP " + "y" * 5000, 500, "5.5.2")
    s.cmd("NOOP", 250)
    s.cmd("HELP", 214)                           # not a late NOOP reply
    s.quit()


@test("bare LF in a command line: 500 5.5.2, never two commands")
def _(t):
    s = t.session()
    s.ehlo()
    s.send(b"NOOP\nQUIT\r\n")
    want(s.reply(), 500, "5.5.2", "NOOP<LF>QUIT<CRLF>")
    s.send(b"MAIL FROM:<a@example.com>\nRCPT TO:<b@example.org>\r\n")
    want(s.reply(), 500, "5.5.2", "MAIL<LF>RCPT<CRLF>")
    s.expect_silence()
    # Still open, still no transaction: the QUIT and MAIL never ran.
    s.cmd("RCPT TO:<b@example.org>", 503)
    s.cmd("NOOP", 250)


@test("bare CR in a command line: 500 5.5.2, never two commands")
def _(t):
    s = t.session()
    s.ehlo()
    s.send(b"NOOP\rQUIT\r\n")
    want(s.reply(), 500, "5.5.2", "NOOP<CR>QUIT<CRLF>")
    s.send(b"NOOP\r\rQUIT\r\n")
    want(s.reply(), 500, "5.5.2", "NOOP<CR><CR>QUIT<CRLF>")
    s.expect_silence()
    s.cmd("NOOP", 250)


@test("control octets in a command: rejected, session in sync")
def _(t):
    s = t.session()
    s.ehlo()
    s.send(b"NOOP \x00x\r\n")
    want(s.reply(), 500, None, "NUL in a command")
    s.cmd("NOOP", 250)


@test("--max-errors 3: 421 after the third error, then close")
def _(t):
    s = t.session(opts=["--max-errors", "3"])
    s.cmd("BOGUS1", 500)
    s.cmd("BOGUS2", 500)
    s.cmd("NOOP", 250)
    s.cmd("BOGUS3", 500)
    want(s.reply(), 421, None, "after the third error")
    s.expect_eof()
    s.wait_exit()


@test("default --max-errors 10: nine errors tolerated, 421 on the tenth")
def _(t):
    s = t.session()
    for i in range(9):
        s.cmd("BOGUS%d" % i, 500)
    s.cmd("NOOP", 250)
    s.cmd("BOGUS9", 500)
    want(s.reply(), 421, None, "after the tenth error")
    s.expect_eof()


@test("--timeout 1 idle: 421 4.4.2 and close")
def _(t):
    s = t.session(timeout=1)
    t0 = time.monotonic()
    r = want(s.reply(timeout=5), 421, "4.4.2", "idle timeout")
    el = time.monotonic() - t0
    check(0.5 <= el <= 4, "421 after %.1fs, expected about 1s" % el)
    check(HOST in r.text, "421 should name the host: %s" % r)
    s.expect_eof()
    s.wait_exit()


@test("--timeout 1 mid-DATA: 421 4.4.2, close, nothing delivered")
def _(t):
    s = t.session(timeout=1)
    s.ehlo()
    s.envelope()
    s.send(b"Subject: partial\r\n\r\nhalf a message\r\n")
    want(s.reply(timeout=5), 421, "4.4.2", "timeout in DATA")
    s.expect_eof()
    s.wait_exit()
    t.no_delivery()


@test("--timeout 1 is per data block: a slow client (2.5s) is not cut off")
def _(t):
    s = t.session(timeout=1)
    s.ehlo()
    s.envelope()
    for i in range(5):
        s.send(b"line %d\r\n" % i)
        time.sleep(0.5)
    want(s.message(b""), 250)
    eq(t.one_delivery().body, b"".join(b"line %d\n" % i for i in range(5)),
       "body")


# ------------------------------------------------------------- addresses

@test("null sender <>: accepted, SMTP_SENDER empty, {sender} empty")
def _(t):
    s = t.session(args=["{sender}"])
    s.ehlo()
    want(s.mail(sender="<>"), 250)
    d = t.one_delivery()
    eq(d.env.get("SMTP_SENDER"), "", "SMTP_SENDER")
    eq(d.args, [""], "argv after {sender}")
    s.cmd("MAIL FROM:<>", 250)
    s.cmd("RCPT TO:<>", 501)


@test("source route accepted and dropped")
def _(t):
    s = t.session()
    s.ehlo()
    want(s.mail(sender="<@relay.example,@b.example:joe@c.example>",
                rcpts=["<@hop.example:ann@d.example>"]), 250)
    d = t.one_delivery()
    eq(d.env.get("SMTP_SENDER"), "joe@c.example", "SMTP_SENDER")
    eq(d.rcpts, ["ann@d.example"], "SMTP_RECIPIENTS")


@test("quoted local part kept as sent")
def _(t):
    s = t.session(args=["{sender}", "{recipients}"])
    s.ehlo()
    want(s.mail(sender='<"john q. public"@example.com>',
                rcpts=['<"a\\"b c"@example.org>']), 250)
    d = t.one_delivery()
    eq(d.env.get("SMTP_SENDER"), '"john q. public"@example.com',
       "SMTP_SENDER")
    eq(d.rcpts, ['"a\\"b c"@example.org'], "SMTP_RECIPIENTS")
    eq(d.args, ['"john q. public"@example.com', '"a\\"b c"@example.org'],
       "argv")


@test("address literals [IPv4] and [IPv6:...] accepted")
def _(t):
    s = t.session()
    s.ehlo()
    want(s.mail(sender="<u@[192.0.2.1]>",
                rcpts=["<v@[IPv6:2001:db8::1]>", "<w@[192.0.2.254]>"]), 250)
    d = t.one_delivery()
    eq(d.env.get("SMTP_SENDER"), "u@[192.0.2.1]", "SMTP_SENDER")
    eq(d.rcpts, ["v@[IPv6:2001:db8::1]", "w@[192.0.2.254]"],
       "SMTP_RECIPIENTS")
    s.cmd("MAIL FROM:<u@[192.0.2.300]>", 501)


@test("<Postmaster> accepted as a recipient")
def _(t):
    s = t.session()
    s.ehlo()
    s.cmd("MAIL FROM:<a@example.com>", 250)
    s.cmd("RCPT TO:<Postmaster>", 250)
    s.cmd("RCPT TO:<bob>", 501)
    s.cmd("DATA", 354)
    want(s.message(SIMPLE), 250)
    eq(t.one_delivery().rcpts, ["Postmaster"], "SMTP_RECIPIENTS")


@test("a space after the colon is tolerated")
def _(t):
    s = t.session()
    s.ehlo()
    s.cmd("MAIL FROM: <a@example.com>", 250)
    s.cmd("RCPT TO: <b@example.org>", 250)


@test("path without angle brackets: 501")
def _(t):
    s = t.session()
    s.ehlo()
    s.cmd("MAIL FROM:a@example.com", 501)
    s.cmd("MAIL FROM:<a@example.com", 501)
    s.cmd("MAIL FROM:<a@example.com>", 250)
    s.cmd("RCPT TO:b@example.org", 501)
    s.cmd("RCPT TO:<b@example.org", 501)
    s.cmd("RCPT TO:b@example.org>", 501)


@test("address beginning with '-': 553")
def _(t):
    s = t.session()
    s.ehlo()
    s.cmd("MAIL FROM:<-oQ/tmp/x@example.com>", 553)
    s.cmd("MAIL FROM:<a@example.com>", 250)
    s.cmd("RCPT TO:<-bi@example.org>", 553)
    s.cmd("RCPT TO:<@route.example:-x@example.org>", 553)
    s.cmd("DATA", 503)


@test("non-ASCII address: 553 5.6.7")
def _(t):
    s = t.session()
    s.ehlo()
    s.cmd("MAIL FROM:<j\u00f6rg@example.com>", 553, "5.6.7")
    s.cmd("MAIL FROM:<a@example.com>", 250)
    s.cmd("RCPT TO:<b@ex\u00e4mple.org>", 553, "5.6.7")


@test("control character in an address: 501 or 553")
def _(t):
    s = t.session()
    s.ehlo()
    s.send(b"MAIL FROM:<a\x01b@example.com>\r\n")
    r = s.reply()
    check(r.code in (501, 553), "MAIL FROM:<a\\x01b@example.com>: expected "
          "501 or 553 (spec: addresses with control characters), got %s" % r)
    s.cmd("MAIL FROM:<a\tb@example.com>", 501)


@test("RFC 5321 size limits: local part 64 ok, 65 -> 501; domain, path")
def _(t):
    s = t.session()
    s.ehlo()
    s.cmd("MAIL FROM:<%s@example.com>" % ("l" * 65), 501)
    s.cmd("MAIL FROM:<%s@example.com>" % ("l" * 64), 250)
    s.cmd("RCPT TO:<%s@example.org>" % ("r" * 65), 501)
    label = "d" * 60
    dom = ".".join([label] * 5)            # 304 octets
    s.cmd("RCPT TO:<x@%s>" % dom, 501)
    dom = ".".join([label] * 4)            # 243 octets, path 248
    s.cmd("RCPT TO:<x@%s>" % dom, 250)


# --------------------------------------------------------- MAIL parameters

@test("MAIL SIZE= over --max-size: 552 5.3.4; at the limit 250")
def _(t):
    s = t.session(opts=["--max-size", "1000"])
    s.ehlo()
    s.cmd("MAIL FROM:<a@example.com> SIZE=1001", 552, "5.3.4")
    s.cmd("RCPT TO:<b@example.org>", 503)          # MAIL was refused
    s.cmd("MAIL FROM:<a@example.com> SIZE=1000", 250)


@test("unknown MAIL parameter: 555 5.5.4; malformed: 555 5.5.4")
def _(t):
    s = t.session()
    s.ehlo()
    s.cmd("MAIL FROM:<a@example.com> FROB=1", 555, "5.5.4")
    s.cmd("MAIL FROM:<a@example.com> BODY=9BIT", 555, "5.5.4")
    s.cmd("MAIL FROM:<a@example.com>", 250)
    s.cmd("RCPT TO:<b@example.org> FROB=1", 555, "5.5.4")
    # DSN's RCPT parameter is unknown when DSN is not offered
    s2 = t.session(opts=["--no-dsn"])
    s2.ehlo()
    s2.cmd("MAIL FROM:<a@example.com>", 250)
    s2.cmd("RCPT TO:<b@example.org> NOTIFY=NEVER", 555, "5.5.4")
    s2.cmd("MAIL FROM:<a@example.com> RET=FULL", 503)
    s2.cmd("RSET", 250)
    s2.cmd("MAIL FROM:<a@example.com> RET=FULL", 555, "5.5.4")


@test("malformed SIZE= parameter: 555 5.5.4 (spec)")
def _(t):
    s = t.session()
    s.ehlo()
    s.cmd("MAIL FROM:<a@example.com> SIZE=abc", 555, "5.5.4")


@test("BODY=8BITMIME -> SMTP_BODY=8BITMIME, SIZE= -> SMTP_SIZE")
def _(t):
    s = t.session()
    s.ehlo()
    want(s.mail(params=" BODY=8BITMIME SIZE=4321"), 250)
    want(s.mail(params=" body=7bit"), 250)
    want(s.mail(), 250)
    d = t.deliveries()
    eq(len(d), 3, "deliveries")
    eq(d[0].env.get("SMTP_BODY"), "8BITMIME", "SMTP_BODY")
    eq(d[0].env.get("SMTP_SIZE"), "4321", "SMTP_SIZE")
    eq(d[1].env.get("SMTP_BODY"), "7BIT", "SMTP_BODY with BODY=7BIT")
    eq(d[2].env.get("SMTP_BODY"), "", "SMTP_BODY without BODY=")


@test("--max-recipients 3: 4th RCPT 452 4.5.3, the first 3 delivered")
def _(t):
    s = t.session(opts=["--max-recipients", "3"], args=["{recipients}"])
    s.ehlo()
    s.cmd("MAIL FROM:<a@example.com>", 250)
    for i in range(1, 4):
        s.cmd("RCPT TO:<r%d@example.org>" % i, 250)
    s.cmd("RCPT TO:<r4@example.org>", 452, "4.5.3")
    s.cmd("RCPT TO:<r5@example.org>", 452, "4.5.3")
    s.cmd("DATA", 354)
    want(s.message(SIMPLE), 250)
    d = t.one_delivery()
    first3 = ["r1@example.org", "r2@example.org", "r3@example.org"]
    eq(d.rcpts, first3, "SMTP_RECIPIENTS")
    eq(d.args, first3, "argv")


# ----------------------------------------------------- exit status mapping

def run_with(t, **kw):
    s = t.session(**kw)
    s.ehlo()
    r = s.mail()
    return s, r


@test("exit 0 -> 250, given only after the command finished")
def _(t):
    s, r = run_with(t, exit=0)
    want(r, 250, "2.0.0")
    d = t.one_delivery()
    check(d.done, "250 before the command finished")
    s.quit()


@test("exit 75 -> 451 4.3.0")
def _(t):
    s, r = run_with(t, exit=75)
    want(r, 451, "4.3.0")
    s.cmd("NOOP", 250)          # the session goes on


@test("exit 67 -> 550 5.1.1")
def _(t):
    want(run_with(t, exit=67)[1], 550, "5.1.1")


@test("exit 77 -> 550 5.7.1")
def _(t):
    want(run_with(t, exit=77)[1], 550, "5.7.1")


@test("exit 65 (EX_DATAERR) -> 5xx")
def _(t):
    r = run_with(t, exit=65)[1]
    check(500 <= r.code <= 599 and (r.enh or "").startswith("5."),
          "expected 5xx with a 5.x.x code, got %s" % r)


@test("exit 78 (EX_CONFIG) -> 5xx")
def _(t):
    r = run_with(t, exit=78)[1]
    check(500 <= r.code <= 599 and (r.enh or "").startswith("5."),
          "expected 5xx with a 5.x.x code, got %s" % r)


@test("exit 71 (EX_OSERR) -> 451")
def _(t):
    r = run_with(t, exit=71)[1]
    want(r, 451)
    check((r.enh or "").startswith("4."), "expected a 4.x.x code: %s" % r)


@test("exit 3 (not a sysexits code) -> 451 4.3.0")
def _(t):
    want(run_with(t, exit=3)[1], 451, "4.3.0")
    want(run_with(t, exit=1)[1], 451, "4.3.0", "exit 1")
    want(run_with(t, exit=126)[1], 451, "4.3.0", "exit 126")


@test("command killed by a signal -> 451 4.3.0")
def _(t):
    s, r = run_with(t, mode="crash")
    want(r, 451, "4.3.0")
    check(t.one_delivery().done, "the crash stub did not run")
    s.cmd("NOOP", 250)


@test("--delivery-timeout 1 with a hanging command -> 451 4.3.0, its "
      "process group killed")
def _(t):
    dur = "1000.%d%d" % (os.getpid(), int(time.time() * 1000) % 100000)
    s = t.session(opts=["--delivery-timeout", "1"], mode="hang", sleep=dur)
    s.ehlo()
    t0 = time.monotonic()
    r = s.mail(timeout=8)
    el = time.monotonic() - t0
    want(r, 451)
    check(0.8 <= el <= 5, "451 after %.1fs, expected about 1s" % el)
    pat = b"sleep\0" + dur.encode() + b"\0"
    left = []
    for _ in range(20):
        left = [p for p in procs_matching(pat)]
        if not left:
            break
        time.sleep(0.05)
    if left:
        for p in left:
            os.kill(p, signal.SIGKILL)
        raise Fail("'sleep %s' still running after the 451: pids %s" %
                   (dur, left))
    s.cmd("NOOP", 250)
    t.soft(r.enh == "4.3.0", "enhanced code: spec says 451 4.3.0 for a "
           "delivery timeout, got %s" % r)


@test("command that cannot be started -> 451 4.3.0")
def _(t):
    s, r = run_with(t, command=[os.path.join(t.dir, "no-such-command")])
    want(r, 451, "4.3.0")
    s.cmd("NOOP", 250)
    with open(os.path.join(t.dir, "not-executable"), "w") as f:
        f.write("#!/bin/sh\nexit 0\n")
    os.chmod(os.path.join(t.dir, "not-executable"), 0o644)
    s2, r = run_with(t, command=[os.path.join(t.dir, "not-executable")])
    want(r, 451, "4.3.0", "non-executable command")


@test("output '5.7.1 go away' with exit 77 -> '550 5.7.1 go away'")
def _(t):
    r = run_with(t, exit=77, output="5.7.1 go away")[1]
    eq(str(r), "550 5.7.1 go away", "reply")


@test("output '4.2.2 Mailbox full' with exit 75 -> 451 4.2.2")
def _(t):
    r = run_with(t, exit=75, output="4.2.2 Mailbox full\nmore output")[1]
    eq(str(r), "451 4.2.2 Mailbox full", "reply")


@test("output with a code but exit 0 -> still 250; no code + exit 77 -> "
      "table")
def _(t):
    want(run_with(t, exit=0, output="5.7.1 go away")[1], 250)
    want(run_with(t, exit=77, output="go away 5.1.1")[1], 550, "5.7.1")


@test("command output with control characters is sanitised")
def _(t):
    s, r = run_with(t, exit=77,
                    output="5.7.1 bad\x1b[31m red\x07\rX\x7fY\x01\t end")
    want(r, 550, "5.7.1")
    check(all(0x20 <= ord(c) < 0x7f for c in r.text),
          "non-printable octets relayed: %r" % r.text)
    check(re.match(r"5\.7\.1 bad.\[31m red..X.Y.. end$", r.text),
          "unexpected text %r" % r.text)
    s.cmd("NOOP", 250, "2.0.0")          # one reply line, still in sync
    s2, r = run_with(t, exit=77, output="5.7.1 no\r\n250 2.0.0 fake")
    want(r, 550, "5.7.1")
    s2.cmd("NOOP", 250, "2.0.0")
    s3, r = run_with(t, exit=77, output="5.7.1 " + "x" * 2000)
    want(r, 550, "5.7.1")
    check(len(str(r)) + 2 <= 512, "reply line of %d octets (RFC 5321 "
          "4.5.3.1.5: 512 at most)" % (len(str(r)) + 2))
    s3.cmd("NOOP", 250, "2.0.0")


@test("5 MB of command output: no deadlock, reply still right")
def _(t):
    s, r = run_with(t, exit=0, mode="flood")
    want(r, 250)
    s2, r = run_with(t, exit=77, mode="flood", output="5.7.1 go away")
    eq(str(r), "550 5.7.1 go away", "reply")


@test("exit 0 without reading stdin (1 MB message) -> 250")
def _(t):
    s = t.session(exit=0, mode="noread")
    s.ehlo()
    data = SIMPLE + crlf(("z" * 999 + "\n") * 1000)
    want(s.mail(data), 250)
    eq(t.one_delivery().stdin, b"", "stub stdin")


# ---------------------------------------------------------- delivered data

def check_received(t, d, helo, literal, proto, rcpt):
    hdr = d.split()[0].decode("utf-8", "replace")
    first = hdr.split("\n")[0]
    check(first.startswith("Received: from %s (%s" % (helo, literal)),
          "Received first line %r, expected it to start 'Received: from "
          "%s (%s'" % (first, helo, literal))
    unf = re.sub(r"\r?\n[ \t]+", " ", hdr).rstrip("\r\n")
    check(re.search(r"\sby %s[\s;]" % re.escape(HOST), unf),
          "no 'by %s': %r" % (HOST, unf))
    check(re.search(r"\swith %s\s" % proto, unf), "no 'with %s': %r" %
          (proto, unf))
    m = re.search(r"\sid ([^\s;]+)", unf)
    check(m, "no id: %r" % unf)
    eq(m.group(1), d.env.get("SMTP_QUEUE_ID"), "Received id vs SMTP_QUEUE_ID")
    if rcpt:
        check(re.search(r"\sfor <%s>" % re.escape(rcpt), unf),
              "no 'for <%s>': %r" % (rcpt, unf))
    else:
        check(" for <" not in unf, "'for' with several recipients: %r" %
              unf)
    date = unf.rsplit(";", 1)[1].strip()
    when = email.utils.parsedate_to_datetime(date).timestamp()
    check(abs(when - time.time()) < 300, "date %r" % date)


@test("Received header over TCP: from helo ([127.0.0.1]) by host, id = "
      "SMTP_QUEUE_ID, for <rcpt>")
def _(t):
    s = t.session(transport="tcp")
    s.ehlo()
    want(s.mail(rcpts=["<one@example.org>"]), 250)
    want(s.mail(rcpts=["<one@example.org>", "<two@example.org>"]), 250)
    d = t.deliveries()
    eq(len(d), 2, "deliveries")
    check_received(t, d[0], HELO, "[127.0.0.1]", "ESMTP", "one@example.org")
    check_received(t, d[1], HELO, "[127.0.0.1]", "ESMTP", None)
    eq(d[0].env.get("SMTP_REMOTE_ADDR"), "127.0.0.1", "SMTP_REMOTE_ADDR")
    eq(d[0].env.get("SMTP_REMOTE_PORT"), str(s.client_port),
       "SMTP_REMOTE_PORT")
    eq(d[0].body, SIMPLE_TEXT.encode(), "body")


@test("Received header over two pipes with REMOTE_ADDR (inetd style)")
def _(t):
    s = t.session(transport="pipes",
                  env={"REMOTE_ADDR": "192.0.2.7", "REMOTE_PORT": "4242"})
    s.helo()
    want(s.mail(), 250)
    s.quit()
    d = t.one_delivery()
    check_received(t, d, HELO, "[192.0.2.7]", "SMTP", "rcpt@example.org")
    eq(d.env.get("SMTP_REMOTE_ADDR"), "192.0.2.7", "SMTP_REMOTE_ADDR")
    eq(d.env.get("SMTP_REMOTE_PORT"), "4242", "SMTP_REMOTE_PORT")


@test("Received header over a UNIX socket; HELO name cannot inject")
def _(t):
    s = t.session()
    s.ehlo()
    want(s.mail(), 250)
    s.cmd("EHLO evil(x);by=a\"b", 250)
    want(s.mail(), 250)
    d = t.deliveries()
    eq(len(d), 2, "deliveries")
    check_received(t, d[0], HELO, "", "ESMTP", "rcpt@example.org")
    first = d[1].split()[0].decode().split("\n")[0]
    m = re.match(r"Received: from (\S+) \(", first)
    check(m and not re.search(r"[()\";=]", m.group(1)),
          "HELO name not sanitised in %r" % first)
    eq(d[1].env.get("SMTP_HELO"), 'evil(x);by=a"b', "SMTP_HELO")


def body_lines():
    return ["From: Sender <sender@example.com>", "To: rcpt@example.org",
            "Subject: bytes", "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8", "",
            "Hello,", "  indented\twith a tab and trailing spaces  ", "",
            "UTF-8: gr\u00fc\u00dfe \u2603 \U0001F600",
            ".a line starting with a dot", "..two dots", "...", ".", " .",
            "end", ""]


@test("message body delivered LF-normalised, byte for byte")
def _(t):
    s = t.session()
    s.ehlo()
    text = "\n".join(body_lines()) + "\n"
    want(s.mail(crlf(text), params=" BODY=8BITMIME"), 250)
    want(s.mail(b"latin-1: \xe9\xff\x80\r\n\x1b[0m\x7f\r\n"), 250)
    want(s.mail(b""), 250)                  # an empty message
    d = t.deliveries()
    eq(len(d), 3, "deliveries")
    eq(d[0].body, text.encode("utf-8"), "delivered body")
    check(b"\r" not in d[0].stdin, "CR in LF delivery")
    eq(d[1].body, b"latin-1: \xe9\xff\x80\n\x1b[0m\x7f\n", "8-bit body")
    eq(d[2].body, b"", "empty message")


@test("--crlf: CR LF kept, in the Received header too")
def _(t):
    s = t.session(opts=["--crlf"])
    s.ehlo()
    text = "\n".join(body_lines()) + "\n"
    want(s.mail(crlf(text)), 250)
    want(s.mail(b"one\ntwo\r\n"), 250)      # a bare LF becomes CR LF
    d = t.deliveries()
    eq(len(d), 2, "deliveries")
    hdr, body = d[0].split(b"\r\n")
    eq(body, text.replace("\n", "\r\n").encode("utf-8"), "delivered body")
    check(b"\n" not in hdr.replace(b"\r\n", b""), "bare LF in the "
          "Received header: %r" % hdr)
    eq(d[1].split(b"\r\n")[1], b"one\r\ntwo\r\n", "bare LF with --crlf")


@test("dot-unstuffing")
def _(t):
    s = t.session()
    s.ehlo()
    raw = (b"Subject: dots\r\n\r\n..\r\n...\r\n..x\r\n.y\r\n"
           b"a.b\r\n. \r\n")
    want(s.mail(raw), 250)
    eq(t.one_delivery().body,
       b"Subject: dots\n\n.\n..\n.x\ny\na.b\n \n", "unstuffed body")


@test("lines of 5000 and 200000 octets delivered intact")
def _(t):
    s = t.session()
    s.ehlo()
    pat = "".join(chr(c) for c in range(0x21, 0x7f))
    l1 = (pat * 60)[:5000]
    l2 = ("." + pat * 2200)[:200000]
    text = "Subject: long\n\n%s\nmiddle\n%s\nend\n" % (l1, l2)
    want(s.mail(crlf(text)), 250)
    body = t.one_delivery().body
    eq(len(body), len(text), "body length")
    check(body == text.encode(), "long lines not delivered intact")


@test("--max-size 1000, 2000-octet message: 552 5.3.4 after the dot, "
      "nothing delivered, session goes on")
def _(t):
    s = t.session(opts=["--max-size", "1000"])
    s.ehlo()
    s.envelope()
    big = crlf("Subject: big\n\n" + ("x" * 98 + "\n") * 20)
    check(len(big) > 2000, "test message too small")
    s.send(big)
    s.expect_silence(0.3)                  # no early reply
    want(s.message(b""), 552, "5.3.4")
    t.no_delivery()
    s.cmd("NOOP", 250)
    want(s.mail(SIMPLE), 250, None, "next transaction")
    eq(t.one_delivery().body, SIMPLE_TEXT.encode(), "next message")


@test("--bare-lf reject: 5xx after the real end, nothing delivered")
def _(t):
    s = t.session(opts=["--bare-lf", "reject"])
    s.ehlo()
    s.envelope()
    s.send(b"Subject: lf\r\n\r\nline one\nline two\n.\r\n"
           b"MAIL FROM:<evil@example.com>\r\n")
    s.expect_silence(0.3)                  # "\n.\r\n" is not the end
    r = s.message(b"")
    want(r, "5xx")
    check(r.code != 500, "the final reply should be a message rejection, "
          "got %s" % r)
    t.no_delivery()
    s.cmd("NOOP", 250, "2.0.0")            # not a smuggled MAIL's reply
    want(s.mail(SIMPLE), 250, None, "a clean message")


@test("bare LF in DATA (default): delivered as a line end")
def _(t):
    s = t.session()
    s.ehlo()
    want(s.mail(b"Subject: lf\r\n\r\none\ntwo\r\nthree\n\r\n"), 250)
    eq(t.one_delivery().body, b"Subject: lf\n\none\ntwo\nthree\n\n",
       "body")


@test("smuggling: <LF>.<CRLF>, <CRLF>.<LF>, <LF>.<LF>, <CR>.<CRLF> never "
      "end the data")
def _(t):
    s = t.session()
    s.ehlo()
    variants = [b"\n.\r\n", b"\r\n.\n", b"\n.\n", b"\r.\r\n", b"\r\n.\r"]
    for v in variants:
        s.envelope(rcpts=["<legit@example.org>"])
        s.send(b"Subject: smuggle\r\n\r\nbefore" + v +
               b"MAIL FROM:<evil@example.com>\r\n"
               b"RCPT TO:<victim@example.org>\r\nDATA\r\nsmuggled\r\n")
        want(s.message(b""), 250, None, "message with %r" % v)
        # The next reply must answer this NOOP, not a smuggled command.
        s.cmd("NOOP", 250, "2.0.0")
    d = t.deliveries()
    eq(len(d), len(variants), "deliveries")
    for x, v in zip(d, variants):
        eq(x.rcpts, ["legit@example.org"], "recipients with %r" % v)
        check(b"MAIL FROM:<evil@example.com>" in x.body and
              b"smuggled" in x.body, "smuggled text not part of the "
              "message with %r: %r" % (v, x.body))


@test("pipelined MAIL/RCPT/RCPT/RCPT/DATA answered in order")
def _(t):
    s = t.session()
    s.ehlo()
    s.send(b"MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\n"
           b"RCPT TO:bad\r\nRCPT TO:<c@example.org>\r\nDATA\r\n")
    want(s.reply(), 250, "2.1.0", "MAIL")
    want(s.reply(), 250, "2.1.5", "RCPT b")
    want(s.reply(), 501, None, "RCPT bad")
    want(s.reply(), 250, "2.1.5", "RCPT c")
    want(s.reply(), 354, None, "DATA")
    want(s.message(SIMPLE), 250)
    eq(t.one_delivery().rcpts, ["b@example.org", "c@example.org"],
       "SMTP_RECIPIENTS")


@test("bytes after the final dot in the same write are processed")
def _(t):
    s = t.session()
    s.ehlo()
    s.envelope()
    s.send(SIMPLE + b".\r\nMAIL FROM:<x@example.com>\r\n"
           b"RCPT TO:<y@example.org>\r\nDATA\r\n")
    want(s.reply(DELIVERY_TIMEOUT), 250, None, "first message")
    want(s.reply(), 250, "2.1.0", "pipelined MAIL")
    want(s.reply(), 250, "2.1.5", "pipelined RCPT")
    want(s.reply(), 354, None, "pipelined DATA")
    s.send(b"second\r\n.\r\nQUIT\r\n")
    want(s.reply(DELIVERY_TIMEOUT), 250, None, "second message")
    want(s.reply(), 221, None, "pipelined QUIT")
    s.expect_eof()
    d = t.deliveries()
    eq(len(d), 2, "deliveries")
    eq(d[1].body, b"second\n", "second body")
    eq(d[1].rcpts, ["y@example.org"], "second recipients")


@test("a whole transaction in one write: nothing lost across DATA")
def _(t):
    s = t.session()
    s.ehlo()
    s.send(b"MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\n"
           b"DATA\r\n" + SIMPLE + b".\r\nQUIT\r\n")
    want(s.reply(), 250, None, "MAIL")
    want(s.reply(), 250, None, "RCPT")
    want(s.reply(), 354, None, "DATA")
    want(s.reply(DELIVERY_TIMEOUT), 250, None, "end of data")
    want(s.reply(), 221, None, "QUIT")
    s.expect_eof()
    eq(t.one_delivery().body, SIMPLE_TEXT.encode(), "body")


@test("client disconnects mid-DATA: nothing delivered, smtpipe exits")
def _(t):
    s = t.session()
    s.ehlo()
    s.envelope()
    s.send(SIMPLE)                   # complete lines, no final dot
    s.close()
    s.wait_exit()
    t.no_delivery()
    s2 = t.session()
    s2.ehlo()
    s2.envelope()
    s2.send(SIMPLE + b".")           # even the dot, without its CR LF
    s2.close()
    s2.wait_exit()
    t.no_delivery()


@test("two transactions: two deliveries with distinct queue ids")
def _(t):
    s = t.session()
    s.ehlo()
    want(s.mail(b"first\r\n", rcpts=["<one@example.org>"]), 250)
    want(s.mail(b"second\r\n", sender="<other@example.com>",
                rcpts=["<two@example.org>"]), 250)
    s.quit()
    d = t.deliveries()
    eq(len(d), 2, "deliveries")
    q1, q2 = d[0].env.get("SMTP_QUEUE_ID"), d[1].env.get("SMTP_QUEUE_ID")
    check(q1 and q2 and q1 != q2, "queue ids %r, %r" % (q1, q2))
    eq((d[0].body, d[1].body), (b"first\n", b"second\n"), "bodies")
    eq((d[0].rcpts, d[1].rcpts), (["one@example.org"], ["two@example.org"]),
       "recipients")
    eq(d[1].env.get("SMTP_SENDER"), "other@example.com", "second sender")
    for x in d:
        check(("id " + x.env.get("SMTP_QUEUE_ID", "?")).encode() in
              x.split()[0], "Received id differs from SMTP_QUEUE_ID")


# ------------------------------------------------------ the command's view

@test("--per-recipient: second RCPT 452 4.5.3, {recipient} and "
      "SMTP_RECIPIENT set")
def _(t):
    s = t.session(opts=["--per-recipient"],
                  args=["-a", "{recipient}", "-f", "{sender}"])
    s.ehlo()
    s.cmd("MAIL FROM:<s@example.com>", 250)
    s.cmd("RCPT TO:<one@example.org>", 250)
    s.cmd("RCPT TO:<two@example.org>", 452, "4.5.3")
    s.cmd("DATA", 354)
    want(s.message(SIMPLE), 250)
    want(s.mail(sender="<s@example.com>", rcpts=["<two@example.org>"]), 250)
    d = t.deliveries()
    eq(len(d), 2, "deliveries (one per transaction)")
    eq(d[0].args, ["-a", "one@example.org", "-f", "s@example.com"], "argv 1")
    eq(d[1].args, ["-a", "two@example.org", "-f", "s@example.com"], "argv 2")
    eq(d[0].env.get("SMTP_RECIPIENT"), "one@example.org", "SMTP_RECIPIENT")
    eq(d[0].rcpts, ["one@example.org"], "SMTP_RECIPIENTS")
    eq(d[1].env.get("SMTP_RECIPIENT"), "two@example.org", "SMTP_RECIPIENT")


@test("{sender} and {recipients} expand to exactly the right argv")
def _(t):
    s = t.session(args=["-i", "-f", "{sender}", "--", "{recipients}",
                        "x{sender}y", "{}"])
    s.ehlo()
    want(s.mail(sender="<s@example.com>",
                rcpts=["<r1@example.org>", "<r2@example.org>",
                       "<r3@example.org>"]), 250)
    want(s.mail(sender="<s@example.com>", rcpts=["<only@example.org>"]), 250)
    d = t.deliveries()
    eq(d[0].args, ["-i", "-f", "s@example.com", "--", "r1@example.org",
                   "r2@example.org", "r3@example.org", "xs@example.comy",
                   "{}"], "argv (3 recipients)")
    eq(d[1].args, ["-i", "-f", "s@example.com", "--", "only@example.org",
                   "xs@example.comy", "{}"], "argv (1 recipient)")
    check("SMTP_RECIPIENT" not in d[0].env,
          "SMTP_RECIPIENT set without --per-recipient")
    eq(d[0].rcpts, ["r1@example.org", "r2@example.org", "r3@example.org"],
       "SMTP_RECIPIENTS")


@test("environment: PATH, HOME, SMTP_*, --env only; nothing inherited")
def _(t):
    s = t.session(opts=["--env", "FOO=bar", "--env", "EMPTY="])
    s.ehlo()
    want(s.mail(), 250)
    d = t.one_delivery()
    env = d.env
    eq(env.get("FOO"), "bar", "FOO")
    eq(env.get("EMPTY"), "", "EMPTY")
    check("LEAKME" not in env, "smtpipe's environment leaked: LEAKME")
    eq(env.get("PATH"), DEFAULT_PATH, "PATH")
    check(env.get("HOME"), "HOME missing")
    mine = {"FOO", "EMPTY", "CAPTURE_DIR", "PATH", "HOME"}
    extra = sorted(k for k in env if k not in mine and
                   not k.startswith("SMTP_"))
    eq(extra, [], "unexpected variables")
    for k in ("SMTP_SENDER", "SMTP_RECIPIENTS", "SMTP_HELO",
              "SMTP_REMOTE_ADDR", "SMTP_REMOTE_PORT", "SMTP_QUEUE_ID",
              "SMTP_PROTOCOL", "SMTP_BODY", "SMTP_SIZE"):
        check(k in env, "%s missing" % k)
    eq(env["SMTP_SENDER"], "sender@example.com", "SMTP_SENDER")
    eq(env["SMTP_RECIPIENTS"].splitlines(), ["rcpt@example.org"],
       "SMTP_RECIPIENTS")
    eq(env["SMTP_HELO"], HELO, "SMTP_HELO")
    check(re.fullmatch(r"[0-9A-Za-z]+", env["SMTP_QUEUE_ID"]),
          "SMTP_QUEUE_ID %r" % env["SMTP_QUEUE_ID"])
    s2 = t.session(opts=["--path", "/bin:/usr/bin"])
    s2.ehlo()
    want(s2.mail(), 250)
    eq(t.deliveries()[1].env.get("PATH"), "/bin:/usr/bin", "--path")


@test("nothing on stderr during a session (it may be the socket)")
def _(t):
    path = os.path.join(t.dir, "stderr")
    with open(path, "wb") as err:
        s = t.session(stderr=err, exit=75, output="4.2.2 full")
        s.ehlo()
        s.cmd("BOGUS", 500)
        want(s.mail(), 451)
        s.quit()
        s.wait_exit()
    with open(path, "rb") as f:
        eq(f.read(), b"", "smtpipe's stderr")


@test("the command's open descriptors are exactly 0, 1, 2")
def _(t):
    s = t.session()
    s.ehlo()
    want(s.mail(), 250)
    d = t.one_delivery()
    check(d.fds, "no descriptor list recorded")
    stub = os.path.realpath(smtptest.STUB)
    fds = sorted(n for n, target in d.fds.items()
                 if os.path.realpath(target) != stub)   # the shell's own
    eq(fds, [0, 1, 2], "open descriptors (%r)" % d.fds)


@test("a sender with shell syntax is delivered verbatim, never run")
def _(t):
    mark = "/tmp/pwned-smtpipe-%d" % os.getpid()
    marks = [mark + "-%d" % i for i in range(1, 5)]
    for f in marks:
        if os.path.exists(f):
            os.unlink(f)
    # Quoted local parts, at most 64 octets each (RFC 5321 4.5.3.1.1).
    senders = ['"; touch %s"@x.example' % marks[0],
               '"$(touch %s)"@x.example' % marks[1],
               '"`touch %s`"@x.example' % marks[2],
               '"|touch %s&"@x.example' % marks[3]]
    s = t.session(args=["{sender}", "{recipients}"])
    s.ehlo()
    for snd in senders:
        want(s.mail(sender="<%s>" % snd, rcpts=["<%s>" % snd]), 250, None,
             "MAIL FROM:<%s>" % snd)
    d = t.deliveries()
    eq(len(d), len(senders), "deliveries")
    for x, snd in zip(d, senders):
        eq(x.args, [snd, snd], "argv")
        eq(x.env.get("SMTP_SENDER"), snd, "SMTP_SENDER")
    for f in marks:
        if os.path.exists(f):
            os.unlink(f)
            raise Fail("%s was created: an address reached a shell" % f)


# ------------------------------------------------------------ command line

def run_cli(args, timeout=5):
    try:
        p = subprocess.run([SMTPIPE] + args, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        raise Fail("smtpipe %s did not exit" % " ".join(args))
    return p.returncode, p.stdout, p.stderr


def usage_error(args):
    rc, out, err = run_cli(args)
    eq(rc, 64, "exit status of smtpipe %s" % " ".join(args))
    eq(out, b"", "stdout of smtpipe %s" % " ".join(args))
    check(err.strip(), "no message on stderr for smtpipe %s" % " ".join(args))


@test("no COMMAND: exit 64, message on stderr, nothing on stdout")
def _(t):
    usage_error([])
    usage_error(["--hostname", HOST])
    usage_error(["--hostname", HOST, "--"])


@test("unknown option or bad value: exit 64")
def _(t):
    usage_error(["--no-such-option", "--", "/bin/true"])
    usage_error(["--timeout", "--", "/bin/true"])
    usage_error(["--max-size", "lots", "--", "/bin/true"])
    usage_error(["--bare-lf", "sometimes", "--", "/bin/true"])


@test("--max-recipients 0: exit 64")
def _(t):
    usage_error(["--max-recipients", "0", "--", "/bin/true"])


@test("{recipient} without --per-recipient: exit 64")
def _(t):
    usage_error(["--", "/bin/echo", "{recipient}"])
    usage_error(["--", "/bin/echo", "to={recipient}"])


@test("--help: exit 0, usage on stdout")
def _(t):
    rc, out, err = run_cli(["--help"])
    eq(rc, 0, "exit status")
    check(out.startswith(b"Usage: smtpipe"), "stdout: %r" % out[:80])
    for opt in (b"--hostname", b"--max-size", b"--per-recipient",
                b"--delivery-timeout"):
        check(opt in out, "%s not in --help" % opt.decode())
    eq(err, b"", "stderr")


@test("--version: 'smtpipe VERSION'")
def _(t):
    rc, out, err = run_cli(["--version"])
    eq(rc, 0, "exit status")
    version = None
    for path in (os.path.join(BUILDDIR, "config.h"),
                 os.path.join(SRCDIR, "config.h")):
        try:
            with open(path) as f:
                m = re.search(r'#define PACKAGE_VERSION "([^"]*)"', f.read())
            if m:
                version = m.group(1)
                break
        except OSError:
            pass
    if version:
        eq(out, ("smtpipe %s\n" % version).encode(), "--version output")
    else:
        check(re.match(rb"smtpipe \d+\.\d+", out), "--version: %r" % out)


# ================================================================== main

def main():
    return smtptest.run("transcripts", TESTS, T)



if __name__ == "__main__":
    sys.exit(main())

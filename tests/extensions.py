#!/usr/bin/env python3
"""Transcript tests for smtpipe's ESMTP extensions (issue 5): CHUNKING and
BINARYMIME (RFC 3030), SMTPUTF8 (RFC 6531/6532), DSN parameters (RFC 3461),
LMTP (RFC 2033), --accept-domain(s) and --rcpt-check.

Same approach as tests/transcripts.py, whose T and Delivery classes it
loads (importlib), with the client, runner and checks of tests/smtptest.py:
the built smtpipe on one end of a UNIX socketpair, exact reply codes
checked on the other, and the capture stub tests/stub/capture.sh recording
every delivery.  The small helper scripts some tests need (an LMTP stub
that fails for chosen recipients, a recipient check) are written into the
run's temporary directory.

Run by automake as `python3 tests/extensions.py` with SMTPIPE, top_srcdir
and top_builddir in the environment; also runs by hand from the source
tree.  Python 3 standard library only.

Output: "ok N - name" or "not ok N - name: reason" per test, then
"extensions: N passed, M failed".  Exit status 1 when any test failed.
EXTENSIONS_KEEP=1 keeps the temporary directory; EXTENSIONS_ONLY=
a substring runs only the tests whose name contains it.
"""

import importlib.util
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True      # leave no __pycache__ in tests/
if HERE not in sys.path:
    sys.path.insert(0, HERE)
import smtptest                                             # noqa: E402
from smtptest import (Fail, check, eq, want, crlf, SIMPLE,  # noqa: E402
                      HELO, DELIVERY_TIMEOUT, REPLY_TIMEOUT)


def _load_transcripts():
    path = os.path.join(HERE, "transcripts.py")
    spec = importlib.util.spec_from_file_location("smtpipe_transcripts", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


tr = _load_transcripts()        # its T (deliveries) and usage_error

LMTP_STUB = None    # capture.sh behind a per-recipient exit status
CHECK = None        # the --rcpt-check script

# A delivery command for per-recipient runs (LMTP): exits with the status
# named in the recipient's local part ("fail75@..." -> 75) without
# recording; every other recipient goes through capture.sh.
LMTP_STUB_TEXT = r"""#!/bin/sh
case ${SMTP_RECIPIENT:-} in
fail[0-9]*@*)
	code=${SMTP_RECIPIENT%%@*}
	code=${code#fail}
	mkdir -p "$CAPTURE_DIR/failed"
	printf '%s\n' "$SMTP_RECIPIENT" >>"$CAPTURE_DIR/failed/list"
	cat >/dev/null
	[ -n "${STUB_SAY:-}" ] && printf '%s\n' "$STUB_SAY"
	exit "$code"
	;;
esac
exec "$CAPTURE_STUB" "$@"
"""

# The --rcpt-check command: records what it was given in
# $CHECK_DIR/N/ (argv, environ, ppid, stdin link, uid), then exits as the
# recipient's local part says: "exitNN" -> NN, "hang" -> sleeps, "say75"
# prints a reply text and exits 75; anything else 0.
CHECK_TEXT = r"""#!/bin/sh
dir=${CHECK_DIR:?}
i=1
while ! mkdir "$dir/$i" 2>/dev/null; do
	i=$((i + 1))
	[ "$i" -gt 1000 ] && exit 70
done
out=$dir/$i
{
	printf '%s\0' "$0"
	for a in "$@"; do
		printf '%s\0' "$a"
	done
} >"$out/argv"
cat "/proc/$$/environ" >"$out/environ"
printf '%s\n' "$PPID" >"$out/ppid"
readlink /proc/$$/fd/0 >"$out/stdin"
id -u >"$out/uid"
local=${SMTP_RECIPIENT%%@*}
case $local in
exit[0-9]*)
	exit "${local#exit}"
	;;
hang*)
	sleep 30
	exit 0
	;;
say75*)
	echo "4.2.2 Mailbox full, try later"
	exit 75
	;;
esac
exit 0
"""


def write_script(path, text):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o755)


# ----------------------------------------------------------------- helpers

def bdat_send(s, chunk, last=False, size=None):
    """Send one BDAT command and its chunk (no reply read)."""
    n = len(chunk) if size is None else size
    s.send(b"BDAT %d%s\r\n" % (n, b" LAST" if last else b"") + chunk)


def bdat(s, chunk, last=False, code=250, enh=None, what=None):
    bdat_send(s, chunk, last)
    r = s.reply(DELIVERY_TIMEOUT if last else REPLY_TIMEOUT)
    return want(r, code, enh, what or "BDAT %d%s" % (
        len(chunk), " LAST" if last else ""))


def begin(s, sender="<sender@example.com>", rcpts=("<rcpt@example.org>",),
          params=""):
    s.cmd("MAIL FROM:" + sender + params, 250, "2.1.0")
    for r in rcpts:
        s.cmd("RCPT TO:" + r, 250, "2.1.5")


def replies(s, n, timeout=DELIVERY_TIMEOUT):
    return [s.reply(timeout) for _ in range(n)]


def codes(rs):
    return [r.code for r in rs]


def received_of(d):
    hdr = d.split()[0].decode("utf-8", "replace")
    return re.sub(r"\r?\n[ \t]+", " ", hdr)


def exit_status(s):
    try:
        return s.proc.wait(3)
    except Exception:
        return "still running"


def ehlo_keywords(r):
    return sorted(r.lines[1:])


def env_lines(d, name):
    v = d.env.get(name)
    check(v is not None, "%s not in the environment" % name)
    return v.splitlines()


class Check:
    """One recorded --rcpt-check run."""

    def __init__(self, path):
        def rd(name):
            try:
                with open(os.path.join(path, name), "rb") as f:
                    return f.read()
            except FileNotFoundError:
                return b""
        self.argv = [a.decode("utf-8", "surrogateescape")
                     for a in rd("argv").split(b"\0")[:-1]]
        self.env = {}
        for kv in rd("environ").split(b"\0"):
            if kv:
                k, _, v = kv.partition(b"=")
                self.env[k.decode("latin-1")] = v.decode("utf-8",
                                                         "surrogateescape")
        self.ppid = rd("ppid").strip().decode()
        self.stdin = rd("stdin").strip().decode()
        self.uid = rd("uid").strip().decode()


def checks(t):
    d = os.path.join(t.dir, "checks")
    names = sorted(int(n) for n in os.listdir(d) if n.isdigit())
    return [Check(os.path.join(d, str(n))) for n in names]


def check_session(t, opts=(), **kw):
    cdir = os.path.join(t.dir, "checks")
    os.makedirs(cdir, exist_ok=True)
    o = ["--env", "CHECK_DIR=" + cdir, "--rcpt-check",
         "%s fixed-arg two" % CHECK] + list(opts)
    return t.session(opts=o, **kw)


def lmtp_session(t, opts=(), **kw):
    o = ["--lmtp", "--env", "CAPTURE_STUB=" + smtptest.STUB] + list(opts)
    return t.session(opts=o, command=[LMTP_STUB], greet=True, **kw)


def lhlo(s):
    return s.cmd("LHLO client.example.test", 250)


TESTS, test = smtptest.registry()


BASE_KW = ["PIPELINING", "SIZE 26214400", "8BITMIME", "ENHANCEDSTATUSCODES"]

# ============================================================ EHLO / flags


@test("EHLO advertises CHUNKING BINARYMIME SMTPUTF8 DSN by default")
def _(t):
    s = t.session()
    r = s.ehlo()
    eq(ehlo_keywords(r), sorted(BASE_KW + ["CHUNKING", "BINARYMIME",
                                           "SMTPUTF8", "DSN"]), "keywords")


@test("--no-chunking / --no-smtputf8 / --no-dsn each remove exactly theirs")
def _(t):
    full = ["CHUNKING", "BINARYMIME", "SMTPUTF8", "DSN"]
    for opt, gone in (("--no-chunking", ["CHUNKING", "BINARYMIME"]),
                      ("--no-smtputf8", ["SMTPUTF8"]),
                      ("--no-dsn", ["DSN"])):
        s = t.session(opts=[opt])
        r = s.ehlo()
        eq(ehlo_keywords(r), sorted(BASE_KW + [k for k in full
                                               if k not in gone]),
           "keywords with %s" % opt)
        s.quit()


@test("--no-chunking: BDAT 500 5.5.1 (its octets read as commands), "
      "BODY=BINARYMIME 555")
def _(t):
    s = t.session(opts=["--no-chunking"])
    s.ehlo()
    s.cmd("MAIL FROM:<a@example.com> BODY=BINARYMIME", 555, "5.5.4")
    begin(s)
    s.cmd("BDAT 0 LAST", 500, "5.5.1")
    s.cmd("DATA", 354)
    want(s.message(SIMPLE), 250)
    t.one_delivery()


@test("--no-smtputf8: SMTPUTF8 param 555, UTF-8 address 553 5.6.7")
def _(t):
    s = t.session(opts=["--no-smtputf8"])
    s.ehlo()
    s.cmd("MAIL FROM:<a@example.com> SMTPUTF8", 555, "5.5.4")
    s.cmd("MAIL FROM:<j\u00f6rg@example.com> SMTPUTF8", 553, "5.6.7")
    s.cmd("MAIL FROM:<a@example.com>", 250)
    s.cmd("RCPT TO:<b@b\u00fccher.example>", 553, "5.6.7")


@test("--no-dsn: RET, ENVID, NOTIFY, ORCPT all 555")
def _(t):
    s = t.session(opts=["--no-dsn"])
    s.ehlo()
    s.cmd("MAIL FROM:<a@example.com> RET=HDRS", 555, "5.5.4")
    s.cmd("MAIL FROM:<a@example.com> ENVID=abc", 555, "5.5.4")
    s.cmd("MAIL FROM:<a@example.com>", 250)
    s.cmd("RCPT TO:<b@example.org> NOTIFY=SUCCESS", 555, "5.5.4")
    s.cmd("RCPT TO:<b@example.org> ORCPT=rfc822;b@example.org", 555,
          "5.5.4")
    s.cmd("RCPT TO:<b@example.org>", 250)


# ================================================================ CHUNKING


@test("RFC 3030 4.1: BDAT 86 then BDAT 0 LAST, delivered LF-normalised")
def _(t):
    s = t.session()
    s.cmd("EHLO ymir.claremont.edu", 250)
    s.cmd("MAIL FROM:<Sam@Random.com>", 250)
    s.cmd("RCPT TO:<Susan@Random.com>", 250)
    msg = (b"To: Susan@random.com\r\nFrom: Sam@random.com\r\n"
           b"Subject: This is a bodyless test message\r\n")
    eq(len(msg), 86, "RFC 3030 example length")
    r = bdat(s, msg)
    check("86" in r.text, "BDAT reply should count 86 octets: %s" % r)
    t.no_delivery()
    want(bdat(s, b"", last=True), 250, "2.0.0")
    s.quit()
    d = t.one_delivery()
    eq(d.body, msg.replace(b"\r\n", b"\n"), "delivered body")
    eq(d.env.get("SMTP_SENDER"), "Sam@Random.com", "SMTP_SENDER")
    eq(d.rcpts, ["Susan@Random.com"], "SMTP_RECIPIENTS")
    check(re.search(r"\swith ESMTP\s", received_of(d)),
          "Received: %r" % received_of(d))


@test("RFC 3030 4.2: pipelined BODY=BINARYMIME, BDAT 100000 + BDAT 324 LAST "
      "in one write")
def _(t):
    s = t.session()
    s.cmd("EHLO ymir.claremont.edu", 250)
    data = bytes((i * 7 + 13) % 256 for i in range(100324))
    data = data[:50] + b"\r\n.\r\n" + data[55:]     # a DATA end, as data
    s.send(b"MAIL FROM:<ned@ymir.claremont.edu> BODY=BINARYMIME\r\n"
           b"RCPT TO:<gvaudre@cnri.reston.va.us>\r\n"
           b"RCPT TO:<jstewart@cnri.reston.va.us>\r\n"
           b"BDAT 100000\r\n" + data[:100000] +
           b"BDAT 324 LAST\r\n" + data[100000:])
    rs = replies(s, 5)
    eq(codes(rs), [250] * 5, "replies (%s)" % rs)
    eq([r.enh for r in rs[:3]], ["2.1.0", "2.1.5", "2.1.5"], "enh codes")
    check("100000" in rs[3].text, "first BDAT reply: %s" % rs[3])
    s.quit()
    d = t.one_delivery()
    eq(len(d.body), len(data), "delivered length")
    check(d.body == data, "BINARYMIME content not delivered byte for byte")
    eq(d.rcpts, ["gvaudre@cnri.reston.va.us", "jstewart@cnri.reston.va.us"],
       "SMTP_RECIPIENTS")
    eq(d.env.get("SMTP_BODY"), "BINARYMIME", "SMTP_BODY")


@test("pipelined BDAT chunks in one write answered in order; chunk octets "
      "that look like commands are data")
def _(t):
    s = t.session()
    s.ehlo()
    c1 = b"Subject: x\r\n\r\nQUIT\r\n"
    c2 = b"RSET\r\nMAIL FROM:<evil@example.com>\r\n"
    c3 = b".\r\nend\r\n"
    s.send(b"MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\n" +
           b"BDAT %d\r\n" % len(c1) + c1 +
           b"BDAT %d\r\n" % len(c2) + c2 +
           b"BDAT %d LAST\r\n" % len(c3) + c3 +
           b"NOOP\r\nHELP\r\n")
    rs = replies(s, 7)
    eq(codes(rs), [250, 250, 250, 250, 250, 250, 214], "replies (%s)" % rs)
    eq(rs[4].enh, "2.0.0", "reply to BDAT LAST")
    check(str(len(c1)) in rs[2].text and str(len(c1) + len(c2)) in
          rs[3].text, "octet counts: %s / %s" % (rs[2], rs[3]))
    s.expect_silence()
    d = t.one_delivery()
    eq(d.body, (c1 + c2 + c3).replace(b"\r\n", b"\n"), "delivered body")
    eq(d.env.get("SMTP_SENDER"), "a@example.com", "SMTP_SENDER")


@test("BDAT before EHLO, before MAIL, before RCPT: 503, chunk consumed, "
      "session in sync")
def _(t):
    s = t.session()
    chunk = b"QUIT\r\n"
    bdat(s, chunk, code=503)
    s.ehlo()
    bdat(s, chunk, code=503, enh="5.5.1")
    bdat(s, b"NOOP\r\nQUIT\r\n", last=True, code=503, enh="5.5.1")
    s.cmd("MAIL FROM:<a@example.com>", 250)
    bdat(s, b"RCPT TO:<x@example.org>\r\n", code=503, enh="5.5.1")
    s.cmd("NOOP", 250)
    s.cmd("RCPT TO:<b@example.org>", 250)
    want(bdat(s, b"hello\r\n", last=True), 250)
    s.quit()
    d = t.one_delivery()
    eq(d.body, b"hello\n", "body")
    eq(d.rcpts, ["b@example.org"], "recipients")


@test("BDAT 0 LAST alone: an empty message delivered")
def _(t):
    s = t.session()
    s.ehlo()
    begin(s)
    want(bdat(s, b"", last=True), 250, "2.0.0")
    eq(t.one_delivery().body, b"", "body")
    # and BDAT 0 (not LAST) is an empty chunk
    begin(s)
    bdat(s, b"")
    bdat(s, b"x\r\n")
    bdat(s, b"")
    bdat(s, b"", last=True)
    eq(t.deliveries()[1].body, b"x\n", "body of 0 + 3 + 0 + 0 LAST")


@test("CR ending one chunk + LF starting the next -> one LF; bare CR kept")
def _(t):
    s = t.session()
    s.ehlo()
    begin(s)
    bdat(s, b"a\r")
    bdat(s, b"\nb\r")
    bdat(s, b"c\r\n\r")
    bdat(s, b"\n", last=True)
    begin(s)
    bdat(s, b"tail\r")
    bdat(s, b"", last=True)                   # a CR at the very end
    begin(s)
    bdat(s, b"x\r", last=True)
    s.quit()
    d = t.deliveries()
    eq(len(d), 3, "deliveries")
    eq(d[0].body, b"a\nb\rc\n\n", "chunks a<CR> | <LF>b<CR> | c<CRLF><CR> "
       "| <LF>")
    eq(d[1].body, b"tail\r", "tail<CR> | BDAT 0 LAST")
    eq(d[2].body, b"x\r", "x<CR> LAST")


@test("BDAT content taken as is: no dot-unstuffing, bare LF kept")
def _(t):
    s = t.session()
    s.ehlo()
    begin(s)
    body = b"..two\r\n.\r\n...\r\n.x\r\nbare\nlf\r\n"
    bdat(s, body, last=True)
    eq(t.one_delivery().body, b"..two\n.\n...\n.x\nbare\nlf\n", "body")


@test("BDAT with --crlf: CR LF kept")
def _(t):
    s = t.session(opts=["--crlf"])
    s.ehlo()
    begin(s)
    bdat(s, b"Subject: c\r")
    bdat(s, b"\n\r\nline\r\n", last=True)
    d = t.one_delivery()
    eq(d.split(b"\r\n")[1], b"Subject: c\r\n\r\nline\r\n", "body")


@test("BODY=BINARYMIME: CR LF, bare CR/LF, NUL, 0xFF, every octet kept")
def _(t):
    s = t.session()
    s.ehlo()
    begin(s, params=" BODY=BINARYMIME")
    allbytes = bytes(range(256)) * 4
    c1 = b"Content-Type: application/octet-stream\r\n\r\n\x00\xff\r"
    c2 = b"\n" + allbytes + b"\r\r\n\n\r"
    c3 = b"\r\n.\r\n\x00"
    bdat(s, c1)
    bdat(s, c2)
    bdat(s, c3, last=True)
    d = t.one_delivery()
    check(d.body == c1 + c2 + c3, "BINARYMIME body differs: got %d octets, "
          "expected %d; first 80: %r" % (len(d.body), len(c1 + c2 + c3),
                                          d.body[:80]))
    eq(d.env.get("SMTP_BODY"), "BINARYMIME", "SMTP_BODY")


@test("BDAT size 99999999999999999999999 and 2^64: 501/552, no crash, "
      "in sync")
def _(t):
    s = t.session()
    s.ehlo()
    begin(s)
    for size in (b"99999999999999999999999", b"18446744073709551616"):
        s.send(b"BDAT " + size + b"\r\n")
        r = s.reply()
        check(r.code in (501, 552), "BDAT %s: expected 501 or 552, got %s"
              % (size.decode(), r))
        s.cmd("NOOP", 250)
    s.cmd("RSET", 250)
    begin(s)
    bdat(s, b"ok\r\n", last=True)
    eq(t.one_delivery().body, b"ok\n", "body after the huge BDAT")
    check(s.proc.poll() is None, "smtpipe exited")


@test("BDAT syntax errors: 501 5.5.4")
def _(t):
    s = t.session()
    s.ehlo()
    begin(s)
    for line in ("BDAT", "BDAT x", "BDAT -1", "BDAT 1x", "BDAT 0 NOTLAST",
                 "BDAT 0 LAST extra"):
        s.cmd(line, 501, "5.5.4")
    s.cmd("NOOP", 250)
    bdat(s, b"fine\r\n", last=True)
    eq(t.one_delivery().body, b"fine\n", "body")


@test("bdat/last in lower case accepted")
def _(t):
    s = t.session()
    s.ehlo()
    begin(s)
    s.send(b"bdat 4 last\r\nabc\n")
    want(s.reply(DELIVERY_TIMEOUT), 250)
    eq(t.one_delivery().body, b"abc\n", "body")


@test("BDAT over --max-size: chunk read and discarded, 552 5.3.4, next "
      "transaction works")
def _(t):
    s = t.session(opts=["--max-size", "1000"])
    s.ehlo()
    begin(s)
    big = b"NOOP\r\n" * 400                       # 2400 octets
    bdat(s, big, code=552, enh="5.3.4")
    s.expect_silence()
    s.cmd("NOOP", 250)
    t.no_delivery()
    # The transaction is over.
    s.cmd("RCPT TO:<late@example.org>", 503)
    begin(s)
    bdat(s, b"small\r\n", last=True)
    eq(t.one_delivery().body, b"small\n", "body of the next transaction")
    # Cumulative: 600 + 600 > 1000; the later chunk of that
    # transaction gets 503 (no transaction) with its octets consumed.
    begin(s)
    bdat(s, b"a" * 600)
    bdat(s, b"QUIT\r\n" * 100, code=552, enh="5.3.4")
    bdat(s, b"QUIT\r\n", last=True, code=503)
    s.cmd("NOOP", 250)
    eq(len(t.deliveries()), 1, "deliveries")
    # Exactly at the limit: accepted.
    begin(s)
    bdat(s, b"b" * 500)
    bdat(s, b"c" * 500, last=True, code=250)
    eq(len(t.deliveries()), 2, "deliveries")
    s.quit()


@test("DATA after BDAT: 503, the BDAT transaction goes on")
def _(t):
    s = t.session()
    s.ehlo()
    begin(s)
    bdat(s, b"part one\r\n")
    s.cmd("DATA", 503, "5.5.1")
    s.cmd("RCPT TO:<more@example.org>", 503, "5.5.1")
    s.cmd("MAIL FROM:<x@example.com>", 503, "5.5.1")
    bdat(s, b"part two\r\n", last=True)
    d = t.one_delivery()
    eq(d.body, b"part one\npart two\n", "body")
    eq(d.rcpts, ["rcpt@example.org"], "recipients")


@test("BODY=BINARYMIME then DATA: 503, then BDAT works")
def _(t):
    s = t.session()
    s.ehlo()
    begin(s, params=" BODY=BINARYMIME")
    s.cmd("DATA", 503, "5.5.1")
    bdat(s, b"bin\r\n", last=True)
    eq(t.one_delivery().body, b"bin\r\n", "body")


@test("RSET after a BDAT chunk: 250, nothing delivered, next transaction "
      "works")
def _(t):
    s = t.session()
    s.ehlo()
    begin(s)
    bdat(s, b"abandoned\r\n")
    try:
        s.cmd("RSET", 250, "2.0.0")
        s.cmd("NOOP", 250)
    except Fail as e:
        raise Fail("%s (smtpipe exit status %s)" % (e, exit_status(s)))
    begin(s)
    bdat(s, b"kept\r\n", last=True)
    s.quit()
    d = t.one_delivery()
    eq(d.body, b"kept\n", "body")


@test("EHLO after a BDAT chunk: 250, nothing delivered, next transaction "
      "works")
def _(t):
    s = t.session()
    s.ehlo()
    begin(s)
    bdat(s, b"abandoned\r\n")
    try:
        s.ehlo()
        s.cmd("NOOP", 250)
    except Fail as e:
        raise Fail("%s (smtpipe exit status %s)" % (e, exit_status(s)))
    begin(s)
    bdat(s, b"kept\r\n", last=True)
    s.quit()
    eq(t.one_delivery().body, b"kept\n", "body")


@test("DATA transaction then BDAT transaction then DATA in one session")
def _(t):
    s = t.session()
    s.ehlo()
    want(s.mail(), 250)
    begin(s)
    bdat(s, b"chunked\r\n", last=True)
    want(s.mail(), 250)
    d = t.deliveries()
    eq(len(d), 3, "deliveries")
    eq(d[1].body, b"chunked\n", "BDAT body")
    eq(d[2].body, d[0].body, "DATA bodies")


@test("BDAT delivery contract: exit 75 -> 451, 67 -> 550 5.1.1, output code "
      "relayed, SMTP_SIZE/SMTP_BODY")
def _(t):
    s = t.session(exit=75)
    s.ehlo()
    begin(s)
    bdat(s, b"x\r\n")
    bdat(s, b"y\r\n", last=True, code=451, enh="4.3.0")
    s.cmd("NOOP", 250)
    s2 = t.session(exit=67)
    s2.ehlo()
    begin(s2)
    bdat(s2, b"z\r\n", last=True, code=550, enh="5.1.1")
    s3 = t.session(exit=77, output="5.7.1 not for you")
    s3.ehlo()
    begin(s3, params=" SIZE=3 BODY=8BITMIME")
    r = bdat(s3, b"w\r\n", last=True, code=550, enh="5.7.1")
    check("not for you" in r.text, "command text not relayed: %s" % r)
    d = t.deliveries()
    eq(len(d), 3, "runs")
    eq(d[2].env.get("SMTP_SIZE"), "3", "SMTP_SIZE")
    eq(d[2].env.get("SMTP_BODY"), "8BITMIME", "SMTP_BODY")
    check(all(x.done for x in d), "a run did not finish")


@test("client disconnects after a BDAT chunk: nothing delivered, "
      "smtpipe exits")
def _(t):
    s = t.session()
    s.ehlo()
    begin(s)
    bdat(s, b"half a message\r\n")
    s.send(b"BDAT 100 LAST\r\nonly part")
    s.close()
    s.wait_exit()
    t.no_delivery()


# ================================================================ SMTPUTF8

U_SENDER = "\u03b4\u03bf\u03ba\u03b9\u03bc\u03ae@\u03c0\u03b1\u03c1\u03ac" \
           "\u03b4\u03b5\u03b9\u03b3\u03bc\u03b1.\u03b4\u03bf\u03ba\u03b9" \
           "\u03bc\u03ae"
U_RCPT = "\u7528\u6237@\u4f8b\u5b50.\u5e7f\u544a"
U_RCPT2 = "j\u00f6rg@b\u00fccher.example"


@test("SMTPUTF8: UTF-8 sender and recipients delivered byte for byte, "
      "SMTP_SMTPUTF8=1, 'with UTF8SMTP'")
def _(t):
    s = t.session(args=["{sender}", "{recipients}"])
    s.ehlo()
    body = "Subject: \u00fcml\u00e4ut\n\n\u65e5\u672c\u8a9e\n"
    want(s.mail(crlf(body), sender="<%s>" % U_SENDER,
                rcpts=["<%s>" % U_RCPT, "<%s>" % U_RCPT2],
                params=" SMTPUTF8"), 250)
    d = t.one_delivery()
    eq(d.env.get("SMTP_SENDER"), U_SENDER, "SMTP_SENDER")
    eq(d.rcpts, [U_RCPT, U_RCPT2], "SMTP_RECIPIENTS")
    eq(d.args, [U_SENDER, U_RCPT, U_RCPT2], "argv")
    eq(d.env.get("SMTP_SMTPUTF8"), "1", "SMTP_SMTPUTF8")
    check(re.search(r"\swith UTF8SMTP\s", received_of(d)),
          "Received: %r" % received_of(d))
    eq(d.body, body.encode("utf-8"), "body")


@test("SMTPUTF8 with an ASCII-only envelope: still UTF8SMTP; without it "
      "no SMTP_SMTPUTF8")
def _(t):
    s = t.session()
    s.ehlo()
    want(s.mail(params=" SMTPUTF8"), 250)
    want(s.mail(), 250)
    d = t.deliveries()
    eq(d[0].env.get("SMTP_SMTPUTF8"), "1", "SMTP_SMTPUTF8")
    check(re.search(r"\swith UTF8SMTP\s", received_of(d[0])),
          "Received: %r" % received_of(d[0]))
    check("SMTP_SMTPUTF8" not in d[1].env, "SMTP_SMTPUTF8 without SMTPUTF8")
    check(re.search(r"\swith ESMTP\s", received_of(d[1])),
          "Received: %r" % received_of(d[1]))


@test("UTF-8 address without the SMTPUTF8 parameter: 553 5.6.7")
def _(t):
    s = t.session()
    s.ehlo()
    s.cmd("MAIL FROM:<%s>" % U_SENDER, 553, "5.6.7")
    s.cmd("MAIL FROM:<a@example.com>", 250)
    s.cmd("RCPT TO:<%s>" % U_RCPT, 553, "5.6.7")
    s.cmd("RCPT TO:<%s>" % U_RCPT2, 553, "5.6.7")
    s.cmd("RCPT TO:<b@example.org>", 250)
    s.cmd("DATA", 354)
    want(s.message(SIMPLE), 250)
    # SMTPUTF8 lasts one transaction.
    begin(s, params=" SMTPUTF8", rcpts=["<%s>" % U_RCPT2])
    s.cmd("RSET", 250)
    s.cmd("MAIL FROM:<a@example.com>", 250)
    s.cmd("RCPT TO:<%s>" % U_RCPT2, 553, "5.6.7")


INVALID_UTF8 = [
    ("overlong C0 80", b"\xc0\x80"),
    ("overlong C1 BF", b"\xc1\xbf"),
    ("overlong E0 80 AF", b"\xe0\x80\xaf"),
    ("overlong F0 80 80 AF", b"\xf0\x80\x80\xaf"),
    ("lone continuation 80", b"\x80"),
    ("surrogate ED A0 80", b"\xed\xa0\x80"),
    ("F5 80 80 80", b"\xf5\x80\x80\x80"),
    ("above U+10FFFF F4 90 80 80", b"\xf4\x90\x80\x80"),
    ("truncated E2 82", b"\xe2\x82"),
    ("truncated C3", b"\xc3"),
    ("FF", b"\xff"),
]


@test("ill-formed UTF-8 (overlong, lone continuation, surrogate, F5, "
      "> U+10FFFF, truncated, FF) with SMTPUTF8: 553")
def _(t):
    s = t.session(opts=["--max-errors", "100"])
    s.ehlo()
    bad = []
    for name, seq in INVALID_UTF8:
        for where, addr in (("local part", b"a" + seq + b"b@example.com"),
                            ("domain", b"a@ex" + seq + b"ample.com")):
            s.send(b"MAIL FROM:<" + addr + b"> SMTPUTF8\r\n")
            r = s.reply()
            if r.code != 553:
                bad.append("MAIL %s in %s: %s" % (name, where, r))
                if r.code == 250:
                    s.cmd("RSET", 250)
    begin(s, params=" SMTPUTF8")
    for name, seq in INVALID_UTF8:
        s.send(b"RCPT TO:<x" + seq + b"@example.org>\r\n")
        r = s.reply()
        if r.code != 553:
            bad.append("RCPT %s: %s" % (name, r))
    s.cmd("DATA", 354)
    want(s.message(SIMPLE), 250)
    d = t.one_delivery()
    eq(d.rcpts, ["rcpt@example.org"], "recipients")
    check(not bad, "; ".join(bad))


@test("SMTPUTF8 with a value or after HELO: 555")
def _(t):
    s = t.session()
    s.ehlo()
    s.cmd("MAIL FROM:<a@example.com> SMTPUTF8=yes", 555, "5.5.4")
    s.cmd("MAIL FROM:<a@example.com> SMTPUTF8 SMTPUTF8", 555, "5.5.4")
    s.helo()
    s.cmd("MAIL FROM:<a@example.com> SMTPUTF8", 555, "5.5.4")


@test("SMTPUTF8 and BDAT together")
def _(t):
    s = t.session()
    s.ehlo()
    begin(s, sender="<%s>" % U_SENDER, rcpts=["<%s>" % U_RCPT],
          params=" SMTPUTF8 BODY=8BITMIME")
    bdat(s, "Subject: \u00e9\r\n\r\n\u00e9\r\n".encode("utf-8"), last=True)
    d = t.one_delivery()
    eq(d.env.get("SMTP_SENDER"), U_SENDER, "SMTP_SENDER")
    eq(d.body, "Subject: \u00e9\n\n\u00e9\n".encode("utf-8"), "body")


# ===================================================================== DSN


@test("DSN: RET=HDRS ENVID=abc+2Bdef -> SMTP_DSN_RET=HDRS, "
      "SMTP_DSN_ENVID=abc+def")
def _(t):
    s = t.session()
    s.ehlo()
    want(s.mail(params=" RET=HDRS ENVID=abc+2Bdef"), 250)
    want(s.mail(params=" ret=full envid=Q+3D+2B+7E!x"), 250)
    want(s.mail(), 250)
    d = t.deliveries()
    eq(len(d), 3, "deliveries")
    eq(d[0].env.get("SMTP_DSN_RET"), "HDRS", "SMTP_DSN_RET")
    eq(d[0].env.get("SMTP_DSN_ENVID"), "abc+def", "SMTP_DSN_ENVID")
    eq(d[1].env.get("SMTP_DSN_RET"), "FULL", "SMTP_DSN_RET (ret=full)")
    eq(d[1].env.get("SMTP_DSN_ENVID"), "Q=+~!x", "SMTP_DSN_ENVID")
    check("SMTP_DSN_RET" not in d[2].env and "SMTP_DSN_ENVID" not in
          d[2].env, "DSN values leak into the next transaction")


@test("DSN: bad xtext (+2b, +ZZ, +0A, '+2' at the end, raw '=') and bad RET "
      "-> 555/501")
def _(t):
    s = t.session(opts=["--max-errors", "100"])
    s.ehlo()
    bad = []
    for p in ("ENVID=abc+2bdef", "ENVID=+ZZ", "ENVID=a+0Ab", "ENVID=a+2",
              "ENVID=a+", "ENVID=a=b", "ENVID=" + "x" * 101, "ENVID",
              "RET=NEVER", "RET", "RET=FULL RET=HDRS",
              "ENVID=a ENVID=b"):
        r = s.cmd("MAIL FROM:<a@example.com> " + p)
        if r.code not in (555, 501):
            bad.append("%s: %s" % (p, r))
            if r.code == 250:
                s.cmd("RSET", 250)
    s.cmd("MAIL FROM:<a@example.com> ENVID=" + "x" * 100, 250)
    check(not bad, "; ".join(bad))


@test("DSN: NOTIFY=SUCCESS,DELAY passed as such; NOTIFY=NEVER,SUCCESS "
      "and other bad lists refused")
def _(t):
    s = t.session(opts=["--max-errors", "100"])
    s.ehlo()
    s.cmd("MAIL FROM:<a@example.com>", 250)
    bad = []
    for p in ("NOTIFY=NEVER,SUCCESS", "NOTIFY=SUCCESS,NEVER",
              "NOTIFY=SUCCESS,SUCCESS", "NOTIFY=BOGUS", "NOTIFY=SUCCESS,",
              "NOTIFY=,DELAY", "NOTIFY=", "NOTIFY",
              "NOTIFY=DELAY NOTIFY=DELAY"):
        r = s.cmd("RCPT TO:<x@example.org> " + p)
        if r.code not in (555, 501):
            bad.append("%s: %s" % (p, r))
    s.cmd("RCPT TO:<r1@example.org> NOTIFY=SUCCESS,DELAY", 250)
    s.cmd("RCPT TO:<r2@example.org>", 250)
    s.cmd("RCPT TO:<r3@example.org> notify=never", 250)
    s.cmd("RCPT TO:<r4@example.org> NOTIFY=failure,delay,success", 250)
    s.cmd("DATA", 354)
    want(s.message(SIMPLE), 250)
    d = t.one_delivery()
    eq(d.rcpts, ["r%d@example.org" % i for i in range(1, 5)], "recipients")
    eq(env_lines(d, "SMTP_DSN_NOTIFY"),
       ["SUCCESS,DELAY", "", "NEVER", "FAILURE,DELAY,SUCCESS"],
       "SMTP_DSN_NOTIFY lines")
    check(not bad, "; ".join(bad))


@test("DSN: ORCPT=rfc822;bob+40example.com -> rfc822;bob@example.com, one "
      "line per recipient")
def _(t):
    s = t.session(opts=["--max-errors", "100"])
    s.ehlo()
    s.cmd("MAIL FROM:<a@example.com>", 250)
    s.cmd("RCPT TO:<bob@example.com> ORCPT=rfc822;bob+40example.com "
          "NOTIFY=FAILURE", 250)
    s.cmd("RCPT TO:<c@example.org>", 250)
    s.cmd("RCPT TO:<d@example.org> ORCPT=utf-8;d+2Bx@example.org", 250)
    bad = []
    for p in ("ORCPT=rfc822", "ORCPT=;a@b", "ORCPT=rfc822;a+zzb",
              "ORCPT=rf c822;a", "ORCPT=rfc822;a+0Db",
              "ORCPT=rfc822;a ORCPT=rfc822;b"):
        r = s.cmd("RCPT TO:<x@example.org> " + p)
        if r.code not in (555, 501):
            bad.append("%s: %s" % (p, r))
    s.cmd("DATA", 354)
    want(s.message(SIMPLE), 250)
    d = t.one_delivery()
    eq(d.rcpts, ["bob@example.com", "c@example.org", "d@example.org"],
       "recipients")
    eq(env_lines(d, "SMTP_DSN_ORCPT"),
       ["rfc822;bob@example.com", "", "utf-8;d+x@example.org"],
       "SMTP_DSN_ORCPT lines")
    eq(env_lines(d, "SMTP_DSN_NOTIFY"), ["FAILURE", "", ""],
       "SMTP_DSN_NOTIFY lines")
    check(not bad, "; ".join(bad))


@test("DSN: a refused RCPT leaves no line behind (lines follow the "
      "accepted recipients)")
def _(t):
    s = t.session(opts=["--accept-domain", "example.org"])
    s.ehlo()
    s.cmd("MAIL FROM:<a@example.com>", 250)
    s.cmd("RCPT TO:<r1@example.org> NOTIFY=SUCCESS ORCPT=rfc822;one", 250)
    s.cmd("RCPT TO:<r2@elsewhere.example> NOTIFY=DELAY ORCPT=rfc822;two",
          550, "5.7.1")
    s.cmd("RCPT TO:<r3@example.org> NOTIFY=NEVER", 250)
    s.cmd("RCPT TO:<r4@example.org> NOTIFY=SUCCESS,SUCCESS", 555)
    s.cmd("RCPT TO:<r5@example.org>", 250)
    s.cmd("DATA", 354)
    want(s.message(SIMPLE), 250)
    d = t.one_delivery()
    eq(d.rcpts, ["r1@example.org", "r3@example.org", "r5@example.org"],
       "recipients")
    eq(env_lines(d, "SMTP_DSN_NOTIFY"), ["SUCCESS", "NEVER", ""],
       "SMTP_DSN_NOTIFY")
    eq(env_lines(d, "SMTP_DSN_ORCPT"), ["rfc822;one", "", ""],
       "SMTP_DSN_ORCPT")


@test("refused BDATs count against --max-errors: 421 after the limit")
def _(t):
    s = t.session(opts=["--max-errors", "2"])
    s.send(b"BDAT 1\r\nx")
    want(s.reply(), 503)
    s.send(b"BDAT 1\r\nx")
    want(s.reply(), 503)
    want(s.reply(), 421, "4.7.0", "after the second error")


@test("--accept-domain: sender-specified routing refused (%, !, quoted @)")
def _(t):
    s = t.session(opts=["--accept-domain", "example.org"])
    s.ehlo()
    s.cmd("MAIL FROM:<a@example.com>", 250)
    for r in ("<victim%evil.example@example.org>",
              "<host!victim@example.org>",
              '<"victim@evil.example"@example.org>'):
        s.cmd("RCPT TO:%s" % r, 550, "5.7.1")
    s.cmd("RCPT TO:<plain@example.org>", 250)
    s.cmd("DATA", 354)
    want(s.message(SIMPLE), 250)
    eq(t.one_delivery().rcpts, ["plain@example.org"], "recipients")


@test("LMTP: 500 recipients with the longest command replies: 500 replies")
def _(t):
    # Each run fails with the longest text smtpipe relays (200 octets).
    say = "4.2.0 " + "x" * 194
    s = lmtp_session(t, opts=["--max-recipients", "500", "--env",
                              "STUB_SAY=" + say])
    lhlo(s)
    s.send(b"MAIL FROM:<a@example.com>\r\n" + b"".join(
        b"RCPT TO:<fail75@example.org>\r\n" for i in range(500)) +
        b"DATA\r\n")
    rs = replies(s, 502)
    eq(codes(rs)[-1], 354, "DATA")
    s.send(SIMPLE + b".\r\nNOOP\r\n")
    rs = replies(s, 501, timeout=120)
    eq(codes(rs), [451] * 500 + [250], "500 replies then the NOOP's")
    check(all("x" * 100 in r.text for r in rs[:500]),
          "the command's text in each reply")


@test("SMTP_BODY and SMTP_SIZE reach the command (BINARYMIME, 7BIT, none)")
def _(t):
    s = t.session()
    s.ehlo()
    begin(s, params=" BODY=BINARYMIME SIZE=5")
    bdat(s, b"12345", last=True)
    want(s.mail(params=" BODY=7BIT SIZE=999"), 250)
    want(s.mail(), 250)
    d = t.deliveries()
    eq(len(d), 3, "deliveries")
    eq((d[0].env.get("SMTP_BODY"), d[0].env.get("SMTP_SIZE")),
       ("BINARYMIME", "5"), "BINARYMIME SIZE=5")
    eq((d[1].env.get("SMTP_BODY"), d[1].env.get("SMTP_SIZE")),
       ("7BIT", "999"), "7BIT SIZE=999")
    eq(d[2].env.get("SMTP_BODY"), "", "SMTP_BODY without BODY=")
    check(d[2].env.get("SMTP_SIZE") in ("0", "", None),
          "SMTP_SIZE without SIZE=: %r" % d[2].env.get("SMTP_SIZE"))


# ==================================================================== LMTP


@test("LMTP: LHLO 250 with the extensions; HELO, EHLO 500; MAIL before "
      "LHLO 503")
def _(t):
    s = lmtp_session(t)
    s.cmd("EHLO client.example.test", 500)
    s.cmd("HELO client.example.test", 500)
    s.cmd("MAIL FROM:<a@example.com>", 503)
    r = lhlo(s)
    eq(ehlo_keywords(r), sorted(BASE_KW + ["CHUNKING", "BINARYMIME",
                                           "SMTPUTF8", "DSN"]),
       "LHLO keywords")
    s.cmd("EHLO client.example.test", 500)
    s.cmd("LHLO", 501)
    s2 = t.session()
    s2.cmd("LHLO client.example.test", 500)          # not in SMTP mode


@test("LMTP: 3 recipients, the 2nd fails (exit 75): 250/451/250 in order, "
      "each run alone")
def _(t):
    s = lmtp_session(t)
    lhlo(s)
    rcpts = ["one@example.org", "fail75@example.org", "three@example.org"]
    s.cmd("MAIL FROM:<a@example.com>", 250)
    for r in rcpts:
        s.cmd("RCPT TO:<%s> NOTIFY=SUCCESS" % r, 250)
    s.cmd("DATA", 354)
    s.send(SIMPLE + b".\r\n")
    rs = replies(s, 3)
    eq(codes(rs), [250, 451, 250], "replies (%s)" % rs)
    eq(rs[1].enh, "4.3.0", "enh of the failing recipient")
    s.expect_silence()
    s.cmd("NOOP", 250)
    d = t.deliveries()
    eq(len(d), 2, "deliveries")
    for x, r in zip(d, [rcpts[0], rcpts[2]]):
        eq(x.env.get("SMTP_RECIPIENT"), r, "SMTP_RECIPIENT")
        eq(x.rcpts, [r], "SMTP_RECIPIENTS")
        eq(env_lines(x, "SMTP_DSN_NOTIFY"), ["SUCCESS"], "SMTP_DSN_NOTIFY")
        eq(x.body, SIMPLE.replace(b"\r\n", b"\n"), "body")
        eq(x.env.get("SMTP_PROTOCOL"), "LMTP", "SMTP_PROTOCOL")
        check(re.search(r"\swith LMTP\s", received_of(x)),
              "Received: %r" % received_of(x))
    with open(os.path.join(t.cap, "failed", "list")) as f:
        eq(f.read().splitlines(), [rcpts[1]], "failed runs")


@test("LMTP: pipelined, the 1st fails (exit 67, own text): 550/250/250")
def _(t):
    s = lmtp_session(t, opts=["--env", "STUB_SAY=5.2.2 Mailbox full"])
    lhlo(s)
    s.send(b"MAIL FROM:<a@example.com>\r\nRCPT TO:<fail67@example.org>\r\n"
           b"RCPT TO:<two@example.org>\r\nRCPT TO:<three@example.org>\r\n"
           b"DATA\r\n")
    rs = replies(s, 5)
    eq(codes(rs), [250, 250, 250, 250, 354], "replies (%s)" % rs)
    s.send(SIMPLE + b".\r\nNOOP\r\n")
    rs = replies(s, 4)
    eq(codes(rs), [550, 250, 250, 250], "replies after the dot (%s)" % rs)
    eq(rs[0].enh, "5.2.2", "enh of the failing recipient")
    check("Mailbox full" in rs[0].text, "command text: %s" % rs[0])
    eq([x.env.get("SMTP_RECIPIENT") for x in t.deliveries()],
       ["two@example.org", "three@example.org"], "delivered recipients")


@test("LMTP: BDAT LAST also gives one reply per recipient")
def _(t):
    s = lmtp_session(t)
    lhlo(s)
    begin(s, rcpts=["<a1@example.org>", "<fail75@example.org>",
                    "<a3@example.org>", "<fail67@example.org>"])
    bdat(s, b"Subject: lmtp\r\n")
    s.send(b"BDAT 6 LAST\r\n\r\nhi\r\n")
    rs = replies(s, 4)
    eq(codes(rs), [250, 451, 250, 550], "replies (%s)" % rs)
    s.expect_silence()
    d = t.deliveries()
    eq([x.env.get("SMTP_RECIPIENT") for x in d],
       ["a1@example.org", "a3@example.org"], "delivered recipients")
    eq(d[0].body, b"Subject: lmtp\n\nhi\n", "body")


@test("LMTP: only accepted recipients get a reply after the data")
def _(t):
    s = lmtp_session(t, opts=["--accept-domain", "example.org"])
    lhlo(s)
    s.cmd("MAIL FROM:<a@example.com>", 250)
    s.cmd("RCPT TO:<x@example.org>", 250)
    s.cmd("RCPT TO:<y@other.example>", 550, "5.7.1")
    s.cmd("RCPT TO:<z@example.org>", 250)
    s.cmd("DATA", 354)
    s.send(SIMPLE + b".\r\n")
    rs = replies(s, 2)
    eq(codes(rs), [250, 250], "replies")
    s.expect_silence()
    eq(len(t.deliveries()), 2, "deliveries")


@test("LMTP: message over --max-size -> 552 for each recipient")
def _(t):
    s = lmtp_session(t, opts=["--max-size", "100"])
    lhlo(s)
    begin(s, rcpts=["<a@example.org>", "<b@example.org>"])
    s.cmd("DATA", 354)
    s.send(b"x" * 300 + b"\r\n.\r\n")
    rs = replies(s, 2)
    eq(codes(rs), [552, 552], "replies")
    s.expect_silence()
    s.cmd("NOOP", 250)
    t.no_delivery()


@test("LMTP with SMTPUTF8: 'with UTF8LMTP'")
def _(t):
    s = lmtp_session(t)
    lhlo(s)
    begin(s, sender="<%s>" % U_SENDER, rcpts=["<%s>" % U_RCPT2],
          params=" SMTPUTF8")
    s.cmd("DATA", 354)
    want(s.message(SIMPLE), 250)
    d = t.one_delivery()
    eq(d.env.get("SMTP_RECIPIENT"), U_RCPT2, "SMTP_RECIPIENT")
    check(re.search(r"\swith UTF8LMTP\s", received_of(d)),
          "Received: %r" % received_of(d))


# ========================================================= accept-domain


@test("--accept-domain: others 550 5.7.1; case-insensitive; subdomains "
      "refused; <Postmaster> accepted")
def _(t):
    s = t.session(opts=["--accept-domain", "example.org",
                        "--accept-domain", "Mx.Example.NET."])
    s.ehlo()
    s.cmd("MAIL FROM:<a@elsewhere.example>", 250)
    s.cmd("RCPT TO:<a@example.org>", 250, "2.1.5")
    s.cmd("RCPT TO:<b@EXAMPLE.ORG>", 250)
    s.cmd("RCPT TO:<c@mx.example.net>", 250)
    s.cmd("RCPT TO:<x@example.com>", 550, "5.7.1")
    s.cmd("RCPT TO:<x@sub.example.org>", 550, "5.7.1")
    s.cmd("RCPT TO:<x@example.org.evil.example>", 550, "5.7.1")
    s.cmd("RCPT TO:<x@[127.0.0.1]>", 550, "5.7.1")
    s.cmd("RCPT TO:<Postmaster>", 250)
    s.cmd("RCPT TO:<postmaster>", 250)
    s.cmd("DATA", 354)
    want(s.message(SIMPLE), 250)
    eq(t.one_delivery().rcpts, ["a@example.org", "b@EXAMPLE.ORG",
                                "c@mx.example.net", "Postmaster",
                                "postmaster"], "recipients")


@test("--accept-domain: UTF-8 and xn-- A-label are the same domain")
def _(t):
    for opt in ("b\u00fccher.example", "xn--bcher-kva.example",
                "XN--BCHER-KVA.EXAMPLE"):
        s = t.session(opts=["--accept-domain", opt])
        s.ehlo()
        s.cmd("MAIL FROM:<a@example.com> SMTPUTF8", 250)
        r = s.cmd("RCPT TO:<u@b\u00fccher.example>")
        want(r, 250, what="--accept-domain %s, RCPT u@b\u00fccher.example"
             % opt)
        r = s.cmd("RCPT TO:<v@xn--bcher-kva.example>")
        want(r, 250, what="--accept-domain %s, RCPT v@xn--bcher-kva.example"
             % opt)
        r = s.cmd("RCPT TO:<w@Xn--Bcher-Kva.Example>")
        want(r, 250, what="--accept-domain %s, RCPT w@Xn--Bcher-Kva.Example"
             % opt)
        r = s.cmd("RCPT TO:<x@bucher.example>")
        want(r, 550, "5.7.1", what="--accept-domain %s, RCPT x@bucher."
             "example" % opt)
        s.quit()


@test("--accept-domains FILE: one a line, # comments, blanks, CR LF; "
      "with --accept-domain")
def _(t):
    path = os.path.join(t.dir, "domains")
    with open(path, "wb") as f:
        f.write("# accepted domains\n\nexample.org\n  spaced.example  \n"
                "crlf.example\r\n# not.example\n\u00fcml\u00e4ut.example\n"
                "xn--caf-dma.example".encode("utf-8"))
    s = t.session(opts=["--accept-domains", path, "--accept-domain",
                        "extra.example"])
    s.ehlo()
    s.cmd("MAIL FROM:<a@example.com> SMTPUTF8", 250)
    for ok in ("a@example.org", "b@SPACED.example", "c@crlf.example",
               "d@\u00fcml\u00e4ut.example", "e@caf\u00e9.example",
               "f@extra.example", "g@xn--mlut-moa5l.example"):
        s.cmd("RCPT TO:<%s>" % ok, 250)
    for no in ("x@not.example", "x@accepted.example", "x@example.com"):
        s.cmd("RCPT TO:<%s>" % no, 550, "5.7.1")
    s.cmd("RCPT TO:<Postmaster>", 250)


@test("--accept-domains with a missing file: exit 64")
def _(t):
    tr.usage_error(["--accept-domains", os.path.join(t.dir, "nope"), "--",
                    "/bin/true"])


# ============================================================ rcpt-check


@test("--rcpt-check: exit 0 -> 250 2.1.5, 67 -> 550 5.1.1, 75 -> 450 4.3.0, "
      "77 -> 550 5.7.1")
def _(t):
    s = check_session(t, args=["{recipients}"])
    s.ehlo()
    s.cmd("MAIL FROM:<a@example.com>", 250)
    s.cmd("RCPT TO:<good@example.org>", 250, "2.1.5")
    s.cmd("RCPT TO:<exit67@example.org>", 550, "5.1.1")
    s.cmd("RCPT TO:<exit75@example.org>", 450, "4.3.0")
    s.cmd("RCPT TO:<exit77@example.org>", 550, "5.7.1")
    s.cmd("RCPT TO:<exit0@example.org>", 250, "2.1.5")
    s.cmd("DATA", 354)
    want(s.message(SIMPLE), 250)
    d = t.one_delivery()
    eq(d.rcpts, ["good@example.org", "exit0@example.org"], "recipients")
    eq(d.args, ["good@example.org", "exit0@example.org"], "argv")
    eq(len(checks(t)), 5, "check runs")


@test("--rcpt-check: other sysexits as delivery, 4xx as 450; own reply "
      "text relayed")
def _(t):
    s = check_session(t)
    s.ehlo()
    s.cmd("MAIL FROM:<a@example.com>", 250)
    s.cmd("RCPT TO:<exit71@example.org>", 450, "4.3.0")   # EX_OSERR
    s.cmd("RCPT TO:<exit3@example.org>", 450, "4.3.0")    # not sysexits
    r = s.cmd("RCPT TO:<exit65@example.org>", "5xx")      # EX_DATAERR
    check((r.enh or "").startswith("5."), "exit 65: %s" % r)
    r = s.cmd("RCPT TO:<say75@example.org>", 450, "4.2.2")
    check("Mailbox full" in r.text, "text: %s" % r)
    s.cmd("RCPT TO:<fine@example.org>", 250)
    s.cmd("DATA", 354)
    want(s.message(SIMPLE), 250)
    eq(t.one_delivery().rcpts, ["fine@example.org"], "recipients")


@test("--rcpt-check hanging, --rcpt-check-timeout 1: 450 within seconds, "
      "check killed, session goes on")
def _(t):
    s = check_session(t, opts=["--rcpt-check-timeout", "1"])
    s.ehlo()
    s.cmd("MAIL FROM:<a@example.com>", 250)
    t0 = time.monotonic()
    r = s.cmd("RCPT TO:<hang@example.org>", timeout=10)
    el = time.monotonic() - t0
    want(r, 450, what="RCPT TO:<hang@example.org>")
    check(0.8 <= el < 5, "reply after %.1fs" % el)
    s.cmd("RCPT TO:<ok@example.org>", 250)
    s.cmd("DATA", 354)
    want(s.message(SIMPLE), 250)
    eq(t.one_delivery().rcpts, ["ok@example.org"], "recipients")
    # T.cleanup fails the test if the sleep(1) child is still around.


@test("--rcpt-check environment: SMTP_RECIPIENT, SMTP_SENDER, stdin "
      "/dev/null, argv; run by the supervisor")
def _(t):
    s = check_session(t)
    s.ehlo()
    s.cmd("MAIL FROM:<snd@example.com> RET=HDRS", 250)
    s.cmd("RCPT TO:<first@example.org>", 250)
    s.cmd("RCPT TO:<second@example.org> NOTIFY=DELAY", 250)
    c = checks(t)
    eq(len(c), 2, "check runs")
    for x, r in zip(c, ["first@example.org", "second@example.org"]):
        eq(x.env.get("SMTP_RECIPIENT"), r, "SMTP_RECIPIENT")
        eq(x.env.get("SMTP_SENDER"), "snd@example.com", "SMTP_SENDER")
        eq(x.env.get("SMTP_HELO"), HELO, "SMTP_HELO")
        check("LEAKME" not in x.env, "smtpipe's environment leaked")
        eq(x.argv[1:], ["fixed-arg", "two"], "argv")
        eq(x.argv[0], CHECK, "argv[0]")
        eq(x.stdin, "/dev/null", "stdin")
        eq(x.ppid, str(s.proc.pid), "parent of the check (the supervisor "
           "is pid %d)" % s.proc.pid)
        eq(x.uid, str(os.getuid()), "uid of the check (the supervisor's; "
           "the session runs as nobody)")
    eq(c[1].env.get("SMTP_DSN_NOTIFY", "").splitlines(), ["DELAY"],
       "SMTP_DSN_NOTIFY of the second check")
    # The session (sandboxed) process is a child of the supervisor; the
    # check must not be its child.
    kids = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open("/proc/%s/stat" % pid) as f:
                    st = f.read()
            except OSError:
                continue
            if int(st.rsplit(")", 1)[1].split()[1]) == s.proc.pid:
                kids.append(pid)
    for x in c:
        check(x.ppid not in kids, "the check ran as a child of the "
              "session process %s" % x.ppid)
    s.cmd("DATA", 354)
    want(s.message(SIMPLE), 250)
    eq(t.one_delivery().rcpts, ["first@example.org", "second@example.org"],
       "recipients")


@test("--accept-domain before --rcpt-check; <Postmaster> still accepted")
def _(t):
    s = check_session(t, opts=["--accept-domain", "example.org"])
    s.ehlo()
    s.cmd("MAIL FROM:<a@example.com>", 250)
    s.cmd("RCPT TO:<exit0@elsewhere.example>", 550, "5.7.1")
    s.cmd("RCPT TO:<exit67@example.org>", 550, "5.1.1")
    s.cmd("RCPT TO:<Postmaster>", 250)
    s.cmd("RCPT TO:<ok@example.org>", 250)


@test("--rcpt-check with a relative path: exit 64")
def _(t):
    tr.usage_error(["--rcpt-check", "check.sh", "--", "/bin/true"])
    tr.usage_error(["--rcpt-check", "", "--", "/bin/true"])


# ================================================================== main

def setup(root):
    global LMTP_STUB, CHECK
    LMTP_STUB = os.path.join(root, "lmtp-stub.sh")
    write_script(LMTP_STUB, LMTP_STUB_TEXT)
    CHECK = os.path.join(root, "rcpt-check.sh")
    write_script(CHECK, CHECK_TEXT)


def main():
    return smtptest.run("extensions", TESTS, tr.T, setup)


if __name__ == "__main__":
    sys.exit(main())

"""Shared client side of the transcript-style suites: tests/transcripts.py,
tests/extensions.py and tests/faults.py.

Each suite imports this module from its own directory (never installed,
never run by itself): the built smtpipe on one end of a UNIX socketpair
(or TCP, or pipes), an SMTP client on the other, the capture stub
tests/stub/capture.sh as the delivery command, a temporary directory per
test, a scan of /proc for anything a test left running, and the runner
that prints "ok N - name" / "not ok N - name: reason" per test, then
"SUITE: N passed, M failed".  Python 3 standard library only.
"""

import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.environ.get("top_srcdir") or os.path.dirname(HERE)
BUILDDIR = os.environ.get("top_builddir") or SRCDIR
SMTPIPE = os.environ.get("SMTPIPE") or os.path.join(BUILDDIR, "src", "smtpipe")
STUB_SRC = os.path.join(SRCDIR, "tests", "stub", "capture.sh")

HOST = "mx.example.test"
HELO = "client.example.test"
REPLY_TIMEOUT = 5.0
DELIVERY_TIMEOUT = 15.0

STUB = None     # the capture stub actually run (set by run())
ROOT = None     # the run's temporary directory (set by run())


class Fail(Exception):
    pass


class Skip(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def eq(got, want, what):
    if got != want:
        raise Fail("%s: expected %r, got %r" % (what, want, got))


# ------------------------------------------------------------------ replies

class Reply:
    def __init__(self, code, lines):
        self.code = code
        self.lines = lines          # text after "NNN-" / "NNN ", str

    @property
    def text(self):
        return self.lines[-1]

    @property
    def enh(self):
        """The RFC 3463 code that opens the (last) line, or None."""
        m = re.match(r"([245]\.\d{1,3}\.\d{1,3})(?: |$)", self.lines[-1])
        return m.group(1) if m else None

    def __str__(self):
        return " | ".join("%d %s" % (self.code, l) for l in self.lines)

    __repr__ = __str__


def want(r, code, enh=None, what="reply"):
    """Check a reply's code (an int, or a class like '5xx') and enh code."""
    if isinstance(code, str):
        ok = str(r.code)[0] == code[0]
    else:
        ok = r.code == code
    if enh is not None and r.enh != enh:
        ok = False
    if not ok:
        raise Fail("%s: expected %s%s, got %r" % (
            what, code, " " + enh if enh else "", str(r)))
    return r


# ---------------------------------------------------------------- sessions

class Session:
    """One smtpipe process and the client side of its connection.

    A suite may subclass it to change the class attributes: CLIP (bytes
    of a reply quoted in a failure, None for all), READ_SIZE, QUIT_ENH
    (the enhanced code QUIT must answer with, None for any) and LEAKME
    (put LEAKME=1 in smtpipe's environment, which must never reach the
    delivery command)."""

    CLIP = None
    READ_SIZE = 65536
    QUIT_ENH = None
    LEAKME = True

    def __init__(self, t, opts=(), args=(), command=None, exit=None,
                 output=None, mode=None, sleep=None, transport="unix",
                 env=None, greet=True, timeout=10, stderr=None,
                 preexec_fn=None, wrap=()):
        self.t = t
        self.buf = b""
        self.eof = False
        self.client_port = None
        argv = [SMTPIPE, "--hostname", HOST, "--timeout", str(timeout),
                "--env", "CAPTURE_DIR=" + t.cap]
        if exit is not None:
            argv += ["--env", "CAPTURE_EXIT=%d" % exit]
        if output is not None:
            argv += ["--env", "CAPTURE_OUTPUT=" + output]
        if mode is not None:
            argv += ["--env", "CAPTURE_MODE=" + mode]
        if sleep is not None:
            argv += ["--env", "CAPTURE_SLEEP=" + sleep]
        argv += list(opts)
        argv += ["--"] + (list(command) if command else [STUB]) + list(args)
        argv = list(wrap) + argv
        penv = dict(os.environ)
        for k in ("REMOTE_ADDR", "REMOTE_PORT", "TCPREMOTEIP",
                  "TCPREMOTEPORT", "LISTEN_FDS", "LISTEN_PID"):
            penv.pop(k, None)
        if self.LEAKME:
            # Must never reach the delivery command (checked by a test).
            penv["LEAKME"] = "1"
        penv.update(env or {})

        if transport == "unix":
            a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            self._keep = [a]
            self.rfd = self.wfd = a.fileno()
            srv_in = srv_out = b.fileno()
            close_after = [b]
        elif transport == "tcp":
            lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            lst.bind(("127.0.0.1", 0))
            lst.listen(1)
            a = socket.create_connection(lst.getsockname(), timeout=5)
            a.settimeout(None)
            b, _ = lst.accept()
            lst.close()
            self.client_port = a.getsockname()[1]
            self._keep = [a]
            self.rfd = self.wfd = a.fileno()
            srv_in = srv_out = b.fileno()
            close_after = [b]
        elif transport == "pipes":
            in_r, in_w = os.pipe()
            out_r, out_w = os.pipe()
            self._keep = []
            self._fds = [in_w, out_r]
            self.rfd, self.wfd = out_r, in_w
            srv_in, srv_out = in_r, out_w
            close_after = [in_r, out_w]
        else:
            raise ValueError(transport)
        self.transport = transport
        self.argv = argv
        self.proc = subprocess.Popen(
            argv, stdin=srv_in, stdout=srv_out,
            stderr=stderr if stderr is not None else subprocess.DEVNULL,
            env=penv, close_fds=True, start_new_session=True,
            preexec_fn=preexec_fn)
        for x in close_after:
            if isinstance(x, int):
                os.close(x)
            else:
                x.close()
        t.sessions.append(self)
        self.greeting = None
        if greet:
            self.greeting = want(self.reply(), 220, what="greeting")

    def _clip(self, data):
        return data if self.CLIP is None else data[:self.CLIP]

    def describe(self, line):
        """How a failed command's reply names the command (bytes)."""
        return repr(line.decode("utf-8", "replace"))

    # -- raw I/O
    def send(self, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        view = memoryview(data)
        while len(view):
            try:
                n = os.write(self.wfd, view)
            except (BrokenPipeError, ConnectionResetError):
                raise Fail("connection closed by smtpipe while sending")
            view = view[n:]

    def _fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        r, _, _ = select.select([self.rfd], [], [], left)
        if not r:
            return False
        try:
            data = os.read(self.rfd, self.READ_SIZE)
        except ConnectionResetError:
            data = b""
        if not data:
            self.eof = True
        self.buf += data
        return True

    def line(self, deadline):
        while True:
            i = self.buf.find(b"\n")
            if i >= 0:
                line, self.buf = self.buf[:i + 1], self.buf[i + 1:]
                if not line.endswith(b"\r\n") or b"\r" in line[:-2]:
                    raise Fail("reply line not ended by one CR LF: %r" % line)
                return line[:-2]
            if self.eof:
                raise Fail("connection closed; expected a reply%s" % (
                    " (partial: %r)" % self._clip(self.buf)
                    if self.buf else ""))
            if not self._fill(deadline):
                raise Fail("no reply within the timeout%s" % (
                    " (partial: %r)" % self._clip(self.buf)
                    if self.buf else ""))

    def reply(self, timeout=REPLY_TIMEOUT):
        deadline = time.monotonic() + timeout
        lines, code = [], None
        while True:
            raw = self.line(deadline)
            m = re.match(rb"([2-5][0-9][0-9])([ -])(.*)\Z", raw, re.S)
            if not m:
                raise Fail("malformed reply line %r" % self._clip(raw))
            c = int(m.group(1))
            if code is not None and c != code:
                raise Fail("multi-line reply changes code: %r" % raw)
            code = c
            lines.append(m.group(3).decode("latin-1"))
            if m.group(2) == b" ":
                return Reply(code, lines)

    def cmd(self, line, code=None, enh=None, timeout=REPLY_TIMEOUT):
        """Send one command line (CR LF added); return / check its reply."""
        if isinstance(line, str):
            line = line.encode("utf-8")
        self.send(line + b"\r\n")
        r = self.reply(timeout)
        if code is not None:
            want(r, code, enh, what=self.describe(line))
        return r

    def expect_eof(self, timeout=REPLY_TIMEOUT):
        """Nothing more but the end of the connection."""
        deadline = time.monotonic() + timeout
        while not self.eof:
            if self.buf:
                raise Fail("expected the connection to close, got %r" %
                           self._clip(self.buf))
            if not self._fill(deadline):
                raise Fail("connection not closed within %ss" % timeout)
        if self.buf:
            raise Fail("unexpected bytes before close: %r" %
                       self._clip(self.buf))

    def expect_silence(self, seconds=0.3):
        """No reply (and no close) for a while."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.buf or self.eof:
                break
            self._fill(deadline)
        if self.buf:
            raise Fail("unexpected reply: %r" % self._clip(self.buf))
        if self.eof:
            raise Fail("connection closed unexpectedly")

    def close(self):
        for s in self._keep:
            try:
                s.close()
            except OSError:
                pass
        self._keep = []
        for fd in getattr(self, "_fds", []):
            try:
                os.close(fd)
            except OSError:
                pass
        self._fds = []

    def wait_exit(self, timeout=REPLY_TIMEOUT):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise Fail("smtpipe did not exit within %ss" % timeout)

    def kill(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass
            self.proc.wait()

    # -- SMTP helpers
    def ehlo(self, name=HELO):
        return self.cmd("EHLO " + name, 250)

    def helo(self, name=HELO):
        return self.cmd("HELO " + name, 250)

    def envelope(self, sender="<sender@example.com>",
                 rcpts=("<rcpt@example.org>",), params=""):
        self.cmd("MAIL FROM:" + sender + params, 250, "2.1.0")
        for r in rcpts:
            self.cmd("RCPT TO:" + r, 250, "2.1.5")
        self.cmd("DATA", 354)

    def message(self, data, timeout=DELIVERY_TIMEOUT):
        """Send DATA content (ending in CR LF) and the final dot."""
        self.send(data + b".\r\n")
        return self.reply(timeout)

    def mail(self, data=None, sender="<sender@example.com>",
             rcpts=("<rcpt@example.org>",), params="",
             timeout=DELIVERY_TIMEOUT):
        """A whole transaction; returns the reply to the final dot."""
        self.envelope(sender, rcpts, params)
        return self.message(SIMPLE if data is None else data, timeout)

    def quit(self):
        self.cmd("QUIT", 221, self.QUIT_ENH)
        self.expect_eof()


def crlf(text):
    """Text with LF line ends -> SMTP DATA content: CR LF, dot-stuffed."""
    if isinstance(text, str):
        text = text.encode("utf-8")
    out = []
    for line in text.split(b"\n")[:-1] if text.endswith(b"\n") else \
            text.split(b"\n"):
        out.append((b"." + line if line.startswith(b".") else line) +
                   b"\r\n")
    return b"".join(out)


SIMPLE_TEXT = ("From: sender@example.com\nTo: rcpt@example.org\n"
               "Subject: hello\n\nHello there.\n")
SIMPLE = crlf(SIMPLE_TEXT)


# ------------------------------------------------------------------ /proc

def procs_matching(marker):
    """PIDs whose command line or environment mentions marker."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        for what in ("cmdline", "environ"):
            try:
                with open("/proc/%s/%s" % (pid, what), "rb") as f:
                    data = f.read()
            except OSError:
                continue
            if marker in data:
                found.append(int(pid))
                break
    return found


def cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return "?"


# ------------------------------------------------------------ the runner

class T:
    """One test's temporary directory, sessions and results."""

    PREFIX = "t."               # of the test's directory, under ROOT
    session_class = Session

    def __init__(self, name):
        self.name = name
        self.dir = tempfile.mkdtemp(prefix=self.PREFIX, dir=ROOT)
        self.cap = os.path.join(self.dir, "cap")
        os.mkdir(self.cap)
        self.sessions = []
        self.soft_failures = []

    def session(self, **kw):
        return self.session_class(self, **kw)

    def soft(self, cond, msg):
        """A check that does not stop the test (reported at its end)."""
        if not cond:
            self.soft_failures.append(msg)

    def reap(self):
        """Ends what the test itself started in the background, before
        the scan for leftovers; returns problems."""
        return []

    def cleanup(self):
        problems = []
        for s in self.sessions:
            s.close()
            try:
                s.proc.wait(5)
            except subprocess.TimeoutExpired:
                problems.append("smtpipe still running 5s after the "
                                "client closed")
                s.kill()
        problems += self.reap()
        left = procs_matching(self.dir.encode())
        if left:
            time.sleep(0.5)
            left = procs_matching(self.dir.encode())
        if left:
            problems.append("processes left behind: %s" % ", ".join(
                "%d (%s)" % (p, cmdline(p)) for p in left))
            for p in left:
                try:
                    os.kill(p, signal.SIGKILL)
                except OSError:
                    pass
        return problems


def registry():
    """A new list of (name, function) and the @test(name) decorator that
    appends to it."""
    tests = []

    def test(name):
        def deco(fn):
            tests.append((name, fn))
            return fn
        return deco
    return tests, test


def run(suite, tests, make_t=T, setup=None, timing=False):
    """Runs tests (from registry()) and prints their results; returns the
    exit status.  SUITE_ONLY=substring (SUITE in capitals) runs only the
    matching tests, SUITE_KEEP=1 keeps the temporary directory.  setup(root)
    runs once the temporary directory and the capture stub are there;
    timing adds each passed test's time to its line."""
    global STUB, ROOT
    if not os.access(SMTPIPE, os.X_OK):
        print("%s: %s is not an executable (set SMTPIPE)" % (suite, SMTPIPE))
        return 99
    ROOT = tempfile.mkdtemp(prefix="smtpipe-%s." % suite)
    os.chmod(ROOT, 0o755)
    STUB = STUB_SRC
    if not os.access(STUB, os.X_OK):
        # The execute bit got lost (an unpacked archive, a copy): run a
        # private copy.
        STUB = os.path.join(ROOT, "capture.sh")
        shutil.copyfile(STUB_SRC, STUB)
        os.chmod(STUB, 0o755)
    if setup is not None:
        setup(ROOT)
    env = suite.upper()
    only = os.environ.get(env + "_ONLY", "")
    passed = failed = n = 0
    t_start = time.monotonic()
    try:
        for name, fn in tests:
            if only and only not in name:
                continue
            n += 1
            t = make_t(name)
            reason = skip = None
            t0 = time.monotonic()
            try:
                fn(t)
                if t.soft_failures:
                    reason = "; ".join(t.soft_failures)
            except Skip as e:
                skip = str(e)
            except Fail as e:
                reason = "; ".join([str(e)] + t.soft_failures)
            except Exception as e:          # a bug in the test itself
                reason = "test error: %s: %s" % (type(e).__name__, e)
            problems = t.cleanup()
            if problems:
                reason = "; ".join(([] if reason is None else [reason]) +
                                   problems)
            el = time.monotonic() - t0
            if reason is None:
                passed += 1
                print("ok %d - %s%s%s" % (
                    n, name, " # SKIP " + skip if skip else "",
                    " (%.1fs)" % el if timing else ""))
            else:
                failed += 1
                print("not ok %d - %s: %s" % (n, name,
                                              reason.replace("\n", "\\n")))
            sys.stdout.flush()
    finally:
        if os.environ.get(env + "_KEEP"):
            print("# kept %s" % ROOT)
        else:
            shutil.rmtree(ROOT, ignore_errors=True)
    print("# %.1fs" % (time.monotonic() - t_start))
    print("%s: %d passed, %d failed" % (suite, passed, failed))
    return 1 if failed else 0

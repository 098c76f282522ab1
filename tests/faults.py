#!/usr/bin/env python3
"""Fault injection: a full spool, delivery commands that misbehave on their
stdin and stdout, and hostile or broken clients, each with the exact reply
and the exact number of deliveries expected (issue 6, "Faults").

Run by automake (or by hand) with SMTPIPE, SMTPIPE_MAILDIR, top_srcdir and
top_builddir in the environment.  Python 3 standard library only.  Some
tests need root (RLIMIT_FSIZE works for anyone; the tmpfs spool needs a
private mount namespace): they are skipped, not failed, without it.

The client and the runner are those of tests/transcripts.py, from
tests/smtptest.py: smtpipe gets one end of a UNIX socketpair as stdin and
stdout; the delivery command is
tests/stub/capture.sh (one $CAPTURE_DIR/N/ per run) or a small stub written
into the test's temporary directory.  What transcripts.py already covers
(crash, hang, exit codes, 5 MB of output, exit 0 without reading, missing
command, fds 0-2 only, simple disconnect mid-DATA, idle timeouts) is not
repeated here.

Output: "ok N - name" / "not ok N - name: reason" / "ok N - name # SKIP
why", then "faults: N passed, M failed".  Exit status 1 when any failed.
FAULTS_ONLY=substring runs only the matching tests; FAULTS_KEEP=1 keeps
the temporary directory.
"""

import os
import resource
import select
import shutil
import signal
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True      # leave no __pycache__ in tests/
if HERE not in sys.path:
    sys.path.insert(0, HERE)
import smtptest                                             # noqa: E402
from smtptest import (Fail, Skip, check, eq, want,          # noqa: E402
                      SIMPLE, procs_matching)

MEM_LIMIT_KIB = 8 * 1024        # VmHWM bound for each smtpipe process
# The over-size stream.  1 GiB runs in about 10 s here over a socketpair
# (the session reads it in large blocks and stops spooling at the limit);
# FAULTS_BIG_MIB overrides it for slow machines.
BIG_STREAM_MIB = int(os.environ.get("FAULTS_BIG_MIB", "1024"))


# ---------------------------------------------------------------- sessions

class Session(smtptest.Session):
    """One smtpipe and the client end of its socketpair (sock, fd).  env:
    "NAME=value" strings for --env; wrap: argv that execs smtpipe's."""

    CLIP = 200
    READ_SIZE = 1 << 20
    QUIT_ENH = "2.0.0"
    LEAKME = False

    def __init__(self, t, opts=(), command=None, env=(), timeout=10,
                 preexec_fn=None, wrap=(), greet=True):
        envopts = []
        for kv in env:
            envopts += ["--env", kv]
        super().__init__(t, opts=envopts + list(opts), command=command,
                         timeout=timeout, preexec_fn=preexec_fn, wrap=wrap,
                         greet=greet)
        self.sock = self._keep[0]
        self.fd = self.rfd

    @property
    def pid(self):
        return self.proc.pid

    def describe(self, line):
        return repr(line[:60])

    def procs(self):
        """(supervisor pid, session pid): smtpipe and its one child."""
        kids = children(self.pid)
        check(len(kids) >= 1, "smtpipe %d has no session child" % self.pid)
        return self.pid, kids[0]


SIMPLE_LF = SIMPLE.replace(b"\r\n", b"\n")


# ------------------------------------------------------------------ /proc

def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        pass
    out = []
    for p in os.listdir("/proc"):
        if p.isdigit() and stat_of(int(p)).get("ppid") == pid:
            out.append(int(p))
    return sorted(out)


def stat_of(pid):
    """{'comm', 'state', 'ppid'} from /proc/PID/stat, {} if gone."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            data = f.read()
    except OSError:
        return {}
    l, r = data.index(b"("), data.rindex(b")")
    rest = data[r + 2:].split()
    return {"comm": data[l + 1:r].decode("latin-1"),
            "state": rest[0].decode(), "ppid": int(rest[1])}


def vmhwm_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def memfd_sizes(pid):
    """Sizes of the memfd spools (and O_TMPFILE spools) pid holds open."""
    out = []
    fddir = "/proc/%d/fd" % pid
    try:
        names = os.listdir(fddir)
    except OSError:
        return out
    for n in names:
        try:
            target = os.readlink(os.path.join(fddir, n))
            if target.startswith("/memfd:") or "(deleted)" in target:
                out.append(os.stat(os.path.join(fddir, n)).st_size)
        except OSError:
            pass
    return out


def check_memory(pids, what):
    for pid, role in zip(pids, ("supervisor", "session")):
        hwm = vmhwm_kib(pid)
        check(hwm is not None, "%s: cannot read VmHWM of the %s (%d)" %
              (what, role, pid))
        check(hwm < MEM_LIMIT_KIB, "%s: VmHWM of the %s process is %d KiB, "
              "over %d KiB" % (what, role, hwm, MEM_LIMIT_KIB))


def proc_has(pid, marker):
    """Whether live process pid has marker in its cmdline or environ."""
    for what in ("cmdline", "environ"):
        try:
            with open("/proc/%d/%s" % (pid, what), "rb") as f:
                if marker in f.read():
                    return True
        except OSError:
            pass
    return False


def kill_from_pidfile(path, marker, timeout=5.0):
    """Kills the process whose pid a stub wrote to path, if it is still
    ours (marker in its cmdline or environ), and waits until it has
    exited.  By pid, not by command line: a background child may not
    have exec'd yet.  A pidfd pins the pid against reuse.  Returns False
    if it is still running after timeout."""
    try:
        with open(path) as f:
            pid = int(f.read())
    except (OSError, ValueError):
        return True
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True             # exited and reaped already
    try:
        # The pidfd is readable once the process has exited, reaped or
        # not.  In the middle of an execve a process shows neither
        # cmdline nor environ for a moment, hence the retries.
        end = time.monotonic() + timeout
        while not proc_has(pid, marker):
            if select.select([fd], [], [], 0.01)[0]:
                return True     # exited
            if time.monotonic() >= end:
                return True     # alive but not ours: the pid was reused
        signal.pidfd_send_signal(fd, signal.SIGKILL)
        return bool(select.select([fd], [], [], timeout)[0])
    finally:
        os.close(fd)


# ---------------------------------------------------------------- runner

class T(smtptest.T):
    PREFIX = "f."
    session_class = Session

    def __init__(self, name):
        super().__init__(name)
        os.chmod(self.dir, 0o755)
        self.bg_pidfiles = []       # pid files of processes we may leave

    def script(self, name, body):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write("#!/bin/sh\n" + body)
        os.chmod(path, 0o755)
        return path

    def deliveries(self):
        """The capture stub's runs: [(stdin bytes, done?)] in order."""
        names = sorted(int(n) for n in os.listdir(self.cap) if n.isdigit())
        out = []
        for n in names:
            d = os.path.join(self.cap, str(n))
            try:
                with open(os.path.join(d, "stdin"), "rb") as f:
                    data = f.read()
            except FileNotFoundError:
                data = None
            out.append((data, os.path.exists(os.path.join(d, "done"))))
        return out

    def count(self, n, what="deliveries"):
        d = self.deliveries()
        if len(d) != n:
            raise Fail("%s: expected %d, got %d%s" % (
                what, n, len(d), " (first stdin %r)" % (d[0][0] or b"")[:100]
                if d else ""))
        return d

    def reap(self):
        problems = []
        for path in self.bg_pidfiles:
            # The stubs' own background children: kill them and wait
            # until they are gone (or zombies: PID 1 may not reap here).
            if not kill_from_pidfile(path, self.dir.encode()):
                problems.append("background child in %s survived SIGKILL"
                                % path)
        return problems


TESTS, test = smtptest.registry()


def message_of(stdin):
    """Delivered bytes (LF) -> the message without the Received header."""
    check(stdin is not None, "the capture stub recorded no stdin")
    check(stdin.startswith(b"Received: "),
          "delivery does not start with a Received header: %r" % stdin[:80])
    pos = 0
    while True:
        end = stdin.find(b"\n", pos)
        check(end >= 0, "unterminated Received header")
        pos = end + 1
        if stdin[pos:pos + 1] not in (b" ", b"\t"):
            return stdin[pos:]


def big_body(nbytes):
    """CR LF lines of 'x', about nbytes long (no line is a lone dot)."""
    line = b"x" * 78 + b"\r\n"
    return b"Subject: big\r\n\r\n" + line * (nbytes // len(line) + 1)


# ================================================================= spool

@test("spool full (RLIMIT_FSIZE 64 KiB): 1 MB message -> 452 4.3.1, "
      "nothing delivered, next small message 250")
def _(t):
    lim = 64 * 1024

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (lim, lim))
    s = t.session(preexec_fn=limit)
    s.ehlo()
    s.envelope()
    want(s.message(big_body(1000000)), 452, "4.3.1", "1 MB message")
    t.count(0)
    s.cmd("NOOP", 250, "2.0.0")
    want(s.mail(), 250, "2.0.0", "small message after the full spool")
    d = t.count(1)
    eq(message_of(d[0][0]), SIMPLE_LF, "the small message")
    s.quit()
    eq(s.wait_exit(), 0, "exit status")


@test("spool full (64 KiB tmpfs as --spool-dir): 1 MB message -> "
      "452 4.3.1, nothing delivered")
def _(t):
    if os.geteuid() != 0:
        raise Skip("needs root for a private mount namespace")
    if not shutil.which("unshare"):
        raise Skip("no unshare(1)")
    spool = os.path.join(t.dir, "spool")
    os.mkdir(spool)
    # The mount exists only in the namespace of this smtpipe; the shell
    # execs smtpipe, so the Popen pid is smtpipe's.
    wrap = ["unshare", "-m", "--propagation", "private", "sh", "-c",
            'mount -t tmpfs -o size=64k,mode=0755 tmpfs "$1" || exit 99; '
            'shift; exec "$@"', "sh", spool]
    s = t.session(opts=["--spool-dir", spool], wrap=wrap, greet=False)
    try:
        want(s.reply(), 220, what="greeting")
    except Fail:
        if s.proc.poll() == 99:
            raise Skip("cannot mount a tmpfs in a new mount namespace")
        raise
    s.ehlo()
    s.envelope()
    want(s.message(big_body(1000000)), 452, "4.3.1", "1 MB message")
    t.count(0)
    # 40,000 octets fit the spool once but not twice: the private copy
    # made before delivery fails; that is a full disk too, not a
    # hostile session: 452 and the session goes on.
    s.envelope()
    want(s.message(big_body(40000)), 452, "4.3.1", "40 kB message")
    t.count(0)
    s.cmd("NOOP", 250, "2.0.0")
    want(s.mail(), 250, "2.0.0", "small message after the full spool")
    t.count(1)
    s.quit()
    eq(s.wait_exit(), 0, "exit status")
    eq(os.listdir(spool), [], "the spool dir outside the namespace")


# ------------------------------------------------- the delivery command

@test("command reads 10 octets of a 1 MB message, closes stdin, exits 0 "
      "-> 250; smtpipe not killed by SIGPIPE")
def _(t):
    stub = t.script("read10", 'dd bs=10 count=1 of="$CAPTURE_DIR/head.$$" '
                    '2>/dev/null\nexec 0<&-\n: >"$CAPTURE_DIR/ran.$$"\n'
                    'exit 0\n')
    s = t.session(command=[stub])
    s.ehlo()
    s.envelope()
    want(s.message(big_body(1000000)), 250, "2.0.0", "1 MB message")
    ran = [n for n in os.listdir(t.cap) if n.startswith("ran.")]
    eq(len(ran), 1, "runs of the command")
    with open(os.path.join(t.cap, "head." + ran[0][4:]), "rb") as f:
        eq(f.read(), b"Received: ", "what the command read")
    s.cmd("NOOP", 250, "2.0.0")
    want(s.mail(), 250, "2.0.0", "the next message")
    eq(len([n for n in os.listdir(t.cap) if n.startswith("ran.")]), 2,
       "runs of the command")
    s.quit()
    eq(s.wait_exit(), 0, "exit status (a SIGPIPE death would be -13)")


@test("command closes stdin at once, sleeps 1s, exits 0 -> 250 after "
      "about 1s, smtpipe alive")
def _(t):
    stub = t.script("closer", 'exec 0<&-\nsleep 1\n'
                    ': >"$CAPTURE_DIR/ran.$$"\nexit 0\n')
    s = t.session(command=[stub])
    s.ehlo()
    s.envelope()
    t0 = time.monotonic()
    want(s.message(big_body(1000000)), 250, "2.0.0", "1 MB message")
    el = time.monotonic() - t0
    check(0.9 <= el <= 5, "250 after %.1fs, expected about 1s" % el)
    eq(len([n for n in os.listdir(t.cap) if n.startswith("ran.")]), 1,
       "runs of the command")
    s.cmd("NOOP", 250, "2.0.0")
    s.quit()
    eq(s.wait_exit(), 0, "exit status")


@test("command leaves a background child holding stdout open -> 250 "
      "promptly (not after the child's 3s)")
def _(t):
    # The stub records its child's pid: right after the stub exits the
    # child may still be the forked shell, not yet "sleep", so looking
    # for it by command line is a race.
    pidfile = os.path.join(t.cap, "bg.pid")
    t.bg_pidfiles.append(pidfile)
    stub = t.script("bg", 'cat >"$CAPTURE_DIR/msg.$$"\n'
                    'sleep 3 &\necho $! >"$CAPTURE_DIR/bg.pid"\n'
                    'exit 0\n')
    s = t.session(command=[stub])
    s.ehlo()
    s.envelope()
    t0 = time.monotonic()
    r = s.message(SIMPLE, timeout=10)
    el = time.monotonic() - t0
    want(r, 250, "2.0.0", "end of data")
    check(el < 2, "250 after %.1fs: smtpipe waited for the background "
          "child (the command itself exited at once)" % el)
    msgs = [n for n in os.listdir(t.cap) if n.startswith("msg.")]
    eq(len(msgs), 1, "deliveries")
    with open(os.path.join(t.cap, msgs[0]), "rb") as f:
        eq(message_of(f.read()), SIMPLE_LF, "delivered message")
    t0 = time.monotonic()
    s.cmd("NOOP", 250, "2.0.0")
    s.quit()
    eq(s.wait_exit(), 0, "exit status")
    check(time.monotonic() - t0 < 2, "QUIT took %.1fs" %
          (time.monotonic() - t0))
    # The background child is the stub's, not smtpipe's, and smtpipe
    # rightly leaves it alone: end it here (by its pid, which the stub
    # wrote before exiting, so before the 250), so that the leftover scan
    # in cleanup sees only what smtpipe itself might have left.
    check(os.path.exists(pidfile), "the stub wrote no pid file")
    check(kill_from_pidfile(pidfile, t.dir.encode()),
          "the stub's background child survived SIGKILL")


@test("no zombies: 3 deliveries, no defunct child while the session is "
      "open; nothing left after it")
def _(t):
    # Zombies already there (PID 1 of a container may never reap) are
    # not ours.
    before = {p for p in os.listdir("/proc") if p.isdigit() and
              stat_of(int(p)).get("state") == "Z"}
    s = t.session()
    s.ehlo()
    for i in range(3):
        want(s.mail(b"Subject: %d\r\n\r\nbody %d\r\n" % (i, i)), 250,
             "2.0.0", "message %d" % (i + 1))
    d = t.count(3)
    check(all(done for _, done in d), "a capture run did not finish")
    sup, sess = s.procs()
    time.sleep(0.2)
    for p in (sup, sess):
        for c in children(p):
            st = stat_of(c)
            check(st.get("state") != "Z", "defunct child %d (%s) of %d "
                  "after the deliveries" % (c, st.get("comm"), p))
    eq(children(sup), [sess], "children of the supervisor between "
       "deliveries")
    eq(children(sess), [], "children of the session process")
    s.quit()
    eq(s.wait_exit(), 0, "exit status")
    time.sleep(0.2)
    stub_comm = os.path.basename(smtptest.STUB)[:15]
    for p in os.listdir("/proc"):
        if not p.isdigit() or p in before:
            continue
        st = stat_of(int(p))
        if st.get("state") == "Z" and st.get("comm") in (stub_comm,
                                                         "smtpipe"):
            raise Fail("zombie %s (%s), parent %d" % (p, st["comm"],
                                                      st["ppid"]))
    for p in (sup, sess):
        check(not stat_of(p), "smtpipe process %d still exists" % p)
    left = procs_matching(t.dir.encode())
    eq(left, [], "processes mentioning the test directory")


# ------------------------------------------------------------ the client

@test("client disconnects mid-DATA, mid-line of a 512 KiB message: "
      "nothing delivered, smtpipe exits 0 at once")
def _(t):
    s = t.session()
    s.ehlo()
    s.envelope()
    s.send(big_body(512 * 1024) + b"half a li")
    s.close()
    t0 = time.monotonic()
    eq(s.wait_exit(3), 0, "exit status")
    check(time.monotonic() - t0 < 2, "exit took %.1fs" %
          (time.monotonic() - t0))
    t.count(0)


@test("client disconnects mid-BDAT (inside a 100,000-octet chunk, and "
      "after a whole non-LAST chunk): nothing delivered, smtpipe exits 0 "
      "at once")
def _(t):
    s = t.session()
    r = s.ehlo()
    if "CHUNKING" not in r.lines[1:]:
        raise Skip("CHUNKING not offered")
    s.cmd("MAIL FROM:<a@example.com>", 250)
    s.cmd("RCPT TO:<b@example.org>", 250)
    s.send(b"BDAT 100000\r\n" + b"y" * 50000)
    s.close()
    t0 = time.monotonic()
    eq(s.wait_exit(3), 0, "exit status (inside a chunk)")
    check(time.monotonic() - t0 < 2, "exit took %.1fs" %
          (time.monotonic() - t0))
    s2 = t.session()
    s2.ehlo()
    s2.cmd("MAIL FROM:<a@example.com>", 250)
    s2.cmd("RCPT TO:<b@example.org>", 250)
    s2.send(b"BDAT 13\r\nSubject: x\r\n\r\n")
    want(s2.reply(), 250, None, "non-LAST chunk")
    # (A partial LAST chunk after this: tests/extensions.py.)
    s2.close()
    t0 = time.monotonic()
    eq(s2.wait_exit(3), 0, "exit status (between chunks)")
    check(time.monotonic() - t0 < 2, "exit took %.1fs" %
          (time.monotonic() - t0))
    t.count(0)


@test("one byte a second with --timeout 2: 421 4.4.2 after 2-4s, "
      "nothing delivered")
def _(t):
    # --timeout is "for each command and each block of message data"
    # (smtpipe(8)): a command dribbled in one byte a second must not
    # keep the session open past it.  Gives up after 6 bytes (6s).
    s = t.session(timeout=2)
    s.ehlo()
    s.cmd("MAIL FROM:<a@example.com>", 250)
    s.cmd("RCPT TO:<b@example.org>", 250)
    t0 = time.monotonic()
    cmd = b"NOOP slowly, one byte a second\r\n"
    got = None
    for i in range(6):
        try:
            os.write(s.fd, cmd[i:i + 1])
        except OSError:
            break
        if s._fill(time.monotonic() + 1.0):
            got = time.monotonic() - t0
            break
    check(got is not None, "sent %r one byte a second: no reply and no "
          "close after %.1fs with --timeout 2 (the timeout restarts with "
          "every byte read)" % (cmd[:6], time.monotonic() - t0))
    want(s.reply(), 421, "4.4.2", "slow command")
    check(2 <= got <= 4.5, "421 after %.1fs, expected 2-4s" % got)
    s.expect_eof()
    eq(s.wait_exit(), 0, "exit status")
    t.count(0)


def pipelined(s, data, expected):
    """Send data in one write from a thread; read len(expected) replies,
    each (code, enh); returns the smtpipe pids measured at the end."""
    err = []

    def writer():
        try:
            s.sock.sendall(data)
        except OSError as e:
            err.append(e)
    th = threading.Thread(target=writer)
    th.start()
    n = 0
    try:
        for code, enh in expected:
            r = s.reply(timeout=20)
            if r.code != code or r.enh != enh:
                raise Fail("reply %d of %d: expected %d %s, got %s" % (
                    n + 1, len(expected), code, enh, r))
            n += 1
    finally:
        th.join(30)
    check(not err, "write failed: %s" % (err[:1],))
    s.expect_silence(0.3)               # exactly len(expected) replies


@test("10,000 pipelined NOOPs in one write: 10,000 replies in order, "
      "memory bounded")
def _(t):
    s = t.session()
    s.ehlo()
    pids = s.procs()
    pipelined(s, b"NOOP\r\n" * 10000, [(250, "2.0.0")] * 10000)
    check_memory(pids, "after 10,000 NOOPs")
    s.cmd("HELP", 214)
    s.quit()


@test("10,000 pipelined MAIL/RCPT/RSET/NOOP in one write: answered in "
      "order, nothing delivered, memory bounded")
def _(t):
    s = t.session()
    s.ehlo()
    pids = s.procs()
    unit = (b"MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\n"
            b"RSET\r\nNOOP\r\n")
    exp = [(250, "2.1.0"), (250, "2.1.5"), (250, "2.0.0"), (250, "2.0.0")]
    pipelined(s, unit * 2500, exp * 2500)
    check_memory(pids, "after 10,000 mixed commands")
    s.cmd("RCPT TO:<b@example.org>", 503, "5.5.1")   # the RSET held
    s.quit()
    t.count(0)


@test("%d MiB stream in DATA past --max-size 1M: 552 5.3.4 after the "
      "dot, nothing delivered, memory and spool flat" % BIG_STREAM_MIB)
def _(t):
    s = t.session(opts=["--max-size", "1M"], timeout=30)
    s.ehlo()
    pids = s.procs()
    s.envelope()
    chunk = (b"x" * 1022 + b"\r\n") * 1024          # 1 MiB of lines
    s.send(b"Subject: endless\r\n\r\n")
    max_spool = 0
    t0 = time.monotonic()
    for i in range(BIG_STREAM_MIB):
        s.send(chunk)
        if i % 64 == 0:
            for p in pids:
                max_spool = max([max_spool] + memfd_sizes(p))
            if s.buf or select.select([s.fd], [], [], 0)[0]:
                s._fill(time.monotonic() + 0.1)
                raise Fail("reply or close during the data after %d MiB: "
                           "%r" % (i, s.buf[:200]))
    elapsed = time.monotonic() - t0
    want(s.message(b"", timeout=30), 552, "5.3.4", "end of the stream")
    check_memory(pids, "after the stream")
    check(max_spool <= 2 * 1024 * 1024, "spool grew to %d octets with "
          "--max-size 1M" % max_spool)
    t.count(0)
    s.cmd("NOOP", 250, "2.0.0")
    want(s.mail(), 250, "2.0.0", "the next message")
    t.count(1)
    s.quit()
    print("# %d MiB in %.1fs (%.0f MiB/s), largest spool seen %d octets" % (
        BIG_STREAM_MIB, elapsed, BIG_STREAM_MIB / max(elapsed, 0.001),
        max_spool))


@test("NULs in commands: 500 5.5.2 (501 5.1.7/5.1.3 in MAIL/RCPT), no "
      "command runs, in sync")
def _(t):
    s = t.session(opts=["--max-errors", "50"])
    s.ehlo()
    # A control octet is a line error, 500 5.5.2 (smtpipe(8)), except in
    # MAIL and RCPT, where it is an address error (RFC 5321 4.1.2; the
    # core spec: 501 or 553 for an address with a control character).
    for line, code, enh in (
            (b"\x00", 500, "5.5.2"), (b"\x00\x00\x00\x00", 500, "5.5.2"),
            (b"NOOP\x00", 500, "5.5.2"), (b"EHLO a\x00b.example", 500, "5.5.2"),
            (b"MAIL FROM:<a\x00@example.com>", 501, "5.1.7"),
            (b"MAIL FROM:<a@example.com>\x00", 501, "5.1.7"),
            (b"MAIL\x00FROM:<a@example.com>", 500, "5.5.2"),
            (b"QUIT\x00", 500, "5.5.2")):
        s.send(line + b"\r\n")
        want(s.reply(), code, enh, repr(line))
    s.expect_silence(0.2)
    s.cmd("RCPT TO:<b@example.org>", 503, "5.5.1")   # no MAIL ran
    s.cmd("MAIL FROM:<a@example.com>", 250, "2.1.0")
    s.send(b"RCPT TO:<b\x00@example.org>\r\n")
    want(s.reply(), 501, "5.1.3", "RCPT with a NUL")
    s.cmd("DATA", 503, "5.5.1")                      # no RCPT ran
    s.quit()
    t.count(0)


@test("NULs in the body: 250, delivered octet for octet")
def _(t):
    s = t.session()
    s.ehlo()
    body = (b"Subject: nul\x00s\r\n\r\n\x00\r\nmid\x00dle\x00\x00\r\n"
            b"\x00.\r\n.\x00\r\n..\x00\r\nend\x00")
    want(s.mail(body + b"\r\n"), 250, "2.0.0")
    d = t.count(1)
    eq(message_of(d[0][0]), b"Subject: nul\x00s\n\n\x00\nmid\x00dle\x00"
       b"\x00\n\x00.\n\x00\n.\x00\nend\x00\n", "delivered message")
    s.quit()


@test("invalid UTF-8 in commands: exact replies, in sync")
def _(t):
    s = t.session(opts=["--max-errors", "50"])
    s.cmd(b"EHLO \xff\xfe.example", 501, "5.5.4")
    s.cmd(b"HELO \xc3\x28", 501, "5.5.4")
    s.ehlo()
    s.cmd(b"\xff\xfe\xfd", 500, "5.5.1")
    s.cmd(b"NO\xc0\xafOP", 500, "5.5.1")
    s.cmd(b"NOOP \xed\xa0\x80 \xf8\x88\x80\x80\x80", 250, "2.0.0")
    # Addresses with SMTPUTF8: tests/extensions.py; here only once each.
    s.cmd(b"MAIL FROM:<\xff@example.com>", 553, "5.6.7")
    s.cmd(b"MAIL FROM:<a@example.com> ENVID=\xc3\x28", 555, "5.5.4")
    s.cmd(b"MAIL FROM:<a@example.com>", 250, "2.1.0")
    s.cmd(b"RCPT TO:<\xfe@example.org>", 553, "5.6.7")
    s.cmd(b"RCPT TO:<b@example.org> NOTIFY=\xff", 555, "5.5.4")
    s.cmd(b"DATA", 503, "5.5.1")
    s.cmd("NOOP", 250, "2.0.0")
    s.quit()
    t.count(0)


@test("invalid UTF-8 in the body: 250, delivered octet for octet")
def _(t):
    s = t.session()
    s.ehlo()
    bad = (b"\xff\xfe\xc3\x28\xa0\xa1\xe2\x28\xa1\xf0\x28\x8c\xbc"
           b"\xed\xa0\x80\xc0\xaf\xf8\x88\x80\x80\x80")
    body = b"Subject: \xc3\x28\r\n\r\n" + bad + b"\r\n." + bad + b"\r\n"
    s.envelope()
    want(s.message(body), 250, "2.0.0")
    d = t.count(1)
    eq(message_of(d[0][0]), b"Subject: \xc3\x28\n\n" + bad + b"\n" + bad +
       b"\n", "delivered message")
    s.quit()


@test("100,000-octet command line: exactly one 500 5.5.2, in sync")
def _(t):
    s = t.session()
    s.ehlo()
    s.send(b"NOOP\r\nMAIL FROM:<" + b"a" * 99985 + b"@x>\r\nNOOP\r\n")
    want(s.reply(), 250, "2.0.0", "NOOP before")
    want(s.reply(), 500, "5.5.2", "the long line")
    want(s.reply(), 250, "2.0.0", "NOOP after")
    s.expect_silence(0.3)
    s.cmd("RCPT TO:<b@example.org>", 503, "5.5.1")   # no MAIL ran
    s.send(b"X" * 100000 + b"\r\n")                  # on its own
    want(s.reply(), 500, "5.5.2", "100,000 X")
    s.expect_silence(0.3)
    s.cmd("HELP", 214)
    want(s.mail(), 250, "2.0.0", "a message after")
    s.quit()
    t.count(1)


# ---------------------------------------------------------- smuggling

def reference(data):
    """The DATA rule (smtpipe(8), tests/unit_dataread.c's oracle) for data
    that contains no real end: lines end at CR LF or a bare LF, a bare CR
    is content, a line's leading '.' is dropped when the line holds more
    than that dot (RFC 5321 4.5.2; a bare CR after it counts as more);
    delivered with LF line ends."""
    out, i = [], 0
    while i < len(data):
        j = data.find(b"\n", i)
        j = len(data) if j < 0 else j
        line = data[i:j]
        if j < len(data) and line.endswith(b"\r"):
            line = line[:-1]
        if line.startswith(b".") and len(line) > 1:
            line = line[1:]
        out.append(line + (b"\n" if j < len(data) else b""))
        i = j + 1
    return b"".join(out)


SMUGGLED = (b"MAIL FROM:<evil@example.com>\r\nRCPT TO:<victim@example.org>"
            b"\r\nDATA\r\nSubject: smuggled\r\n\r\nsmuggled text\r\n")
SMUGGLE_VARIANTS = [
    ("<LF>.<LF>", b"\n.\n"), ("<CR>.<CR>", b"\r.\r"),
    ("<LF>.<CR><LF>", b"\n.\r\n"), ("<CR><LF>.<LF>", b"\r\n.\n"),
    ("<CR>.<CR><LF>", b"\r.\r\n"), ("<CR><LF>.<CR>", b"\r\n.\r"),
    ("<LF>.<CR>", b"\n.\r"), ("<CR>.<LF>", b"\r.\n"),
    ("<CR><LF>.<CR><CR><LF>", b"\r\n.\r\r\n"),
]


def smuggle_session(t, data, what):
    s = t.session()
    s.ehlo()
    s.envelope(rcpts=["<legit@example.org>"])
    s.send(data)
    # "\r\n.\r\n" ends the message: data ends with CR LF already.
    want(s.message(b""), 250, "2.0.0", "the real end of data (%s)" % what)
    s.cmd("NOOP", 250, "2.0.0")        # not a smuggled command's reply
    s.quit()
    eq(s.wait_exit(), 0, "exit status")
    d = t.count(1, "deliveries with %s" % what)
    got = message_of(d[0][0])
    eq(got, reference(data), "delivered message with %s" % what)
    check(b"smuggled text" in got and b"evil@example.com" in got,
          "smuggled text not inside the message with %s" % what)
    return got


for _name, _v in SMUGGLE_VARIANTS:
    def _mk(name, v):
        @test("smuggling %s then MAIL/RCPT/DATA: one message, the smuggled "
              "text inside it" % name)
        def _(t):
            smuggle_session(t, b"Subject: smuggle\r\n\r\nbefore" + v +
                            SMUGGLED, name)
    _mk(_name, _v)


@test("smuggling: .<LF> and .<CR> at the start of DATA, then "
      "MAIL/RCPT/DATA: one message each")
def _(t):
    got = smuggle_session(t, b".\n" + SMUGGLED, ".<LF> at the start")
    check(got.startswith(b".\nMAIL FROM:"), "start: %r" % got[:40])
    t2 = T(t.name + " 2")
    try:
        got = smuggle_session(t2, b".\r" + SMUGGLED, ".<CR> at the start")
        check(got.startswith(b"\rMAIL FROM:"), "start: %r" % got[:40])
    finally:
        p = t2.cleanup()
        if p:
            raise Fail("; ".join(p))


@test("smuggling oracle agrees with the documented examples")
def _(t):
    # tests/unit_dataread.c's fixed cases (the part before the real end).
    for data, out in ((b"a\n.\nb\r\n", b"a\n.\nb\n"),
                      (b"a\r.\rb\r\n", b"a\r.\rb\n"),
                      (b"a\r.\r\nb\r\n", b"a\r.\nb\n"),
                      (b"a\r\n.\rx\r\n", b"a\n\rx\n"),
                      (b"a\r\n.\r\r\nb", b"a\n\r\nb"),
                      (b".\n.\r\nb", b".\n.\nb"),
                      (b"a\n..b\r\n", b"a\n.b\n"),
                      (b"a\r\r\n", b"a\r\n")):
        eq(reference(data), out, "reference(%r)" % data)


# ================================================================== main

def main():
    return smtptest.run("faults", TESTS, T, timing=True)


if __name__ == "__main__":
    sys.exit(main())

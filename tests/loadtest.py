#!/usr/bin/env python3
"""Load test (issue 6, "Load test"): `make loadtest`.

20 parallel clients send 5,000 messages in all to smtpipe behind
`systemd-socket-activate --accept --inetd` on a free loopback port, with
mixed sizes (1 KiB to 1 MiB, mostly small) over connections reused for
several messages each.  Delivery goes into a Maildir through a small
wrapper (written by this script) that refuses, with exit 75, every message
whose Subject contains "FAIL" (about 5% of them) and hands the others to
smtpipe-maildir.

Afterwards: every message answered 250 is in the Maildir exactly once
(matched by its X-Id header and the SHA-256 of the message as delivered:
the Received header stripped, LF line ends), every message answered 4xx is
absent, nothing else is there, and no process is left behind once the
launcher (started and stopped by its PID) is gone.

Bounded: LOADTEST_MESSAGES (5000), LOADTEST_CLIENTS (20) and
LOADTEST_DEADLINE seconds (480) after which the clients stop sending.
Environment: SMTPIPE, SMTPIPE_MAILDIR (default: the build tree),
LOADTEST_KEEP=1 keeps the work directory, LOADTEST_SEED for the sizes.
Python 3 standard library only.  Prints a summary, then
"loadtest: N passed, M failed"; exit status 1 when any check failed
(77, skipped, when systemd-socket-activate is missing).
"""

import base64
import hashlib
import os
import random
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.environ.get("top_srcdir") or os.path.dirname(HERE)
BUILDDIR = os.environ.get("top_builddir") or SRCDIR
SMTPIPE = os.environ.get("SMTPIPE") or os.path.join(BUILDDIR, "src",
                                                    "smtpipe")
SMTPIPE_MAILDIR = os.environ.get("SMTPIPE_MAILDIR") or os.path.join(
    BUILDDIR, "src", "smtpipe-maildir")

MESSAGES = int(os.environ.get("LOADTEST_MESSAGES", "5000"))
CLIENTS = int(os.environ.get("LOADTEST_CLIENTS", "20"))
DEADLINE = float(os.environ.get("LOADTEST_DEADLINE", "480"))
SEED = int(os.environ.get("LOADTEST_SEED", "6"))
FAIL_RATE = 0.05
HOST = "mx.loadtest.test"

WRAPPER = r"""#!/bin/sh
# Delivery wrapper of tests/loadtest.py: $1 smtpipe-maildir, $2 the
# Maildir, $3 a scratch directory.  Exit 75 for a Subject with FAIL.
tmp=$(mktemp "$3/in.XXXXXX") || exit 75
if ! cat >"$tmp"; then rm -f "$tmp"; exit 75; fi
if sed '/^$/q' "$tmp" | grep -q '^Subject:.*FAIL'; then
	rm -f "$tmp"
	echo "4.3.0 marked to fail"
	exit 75
fi
"$1" "$2" <"$tmp"
rc=$?
rm -f "$tmp"
exit $rc
"""


# ------------------------------------------------------------ messages

def plan(n, seed):
    """[(size, fail?)]: mostly small, a tail up to exactly 1 MiB."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        x = rng.random()
        if x < 0.80:
            size = rng.randint(1024, 8 * 1024)
        elif x < 0.96:
            size = rng.randint(8 * 1024, 128 * 1024)
        else:
            size = rng.randint(128 * 1024, 1024 * 1024)
        out.append((size, rng.random() < FAIL_RATE))
    out[0] = (1024, False)                   # both ends of the range
    out[1] = (1024 * 1024, False)
    return out


def make_message(run, i, size, fail):
    """(id, LF bytes as they should be delivered, CR LF bytes to send)."""
    mid = "%s.%d" % (run, i)
    head = ("From: <load%d@client.test>\nTo: <box@loadtest.test>\n"
            "Subject: load %d%s\nX-Id: %s\n\n" % (
                i % CLIENTS, i, " FAIL" if fail else "", mid)).encode()
    rng = random.Random("%s.%d" % (run, i))
    # Base64 text, 76 per line; a few lines starting with dots test
    # dot-stuffing on the way through.
    need = max(0, size - len(head))
    raw = base64.b64encode(rng.randbytes(need * 3 // 4 + 3))[:need]
    lines = [raw[k:k + 76] for k in range(0, len(raw), 76)]
    for k in range(0, len(lines), 97):
        lines[k] = b"." + lines[k][1:]
    lf = head + b"\n".join(lines) + b"\n"
    return mid, lf, lf.replace(b"\n", b"\r\n")


# ------------------------------------------------------------- clients

class Client(threading.Thread):
    def __init__(self, k, port, jobs, results, stop_at, run):
        super().__init__(name="client-%d" % k)
        self.k, self.port, self.jobs = k, port, jobs
        self.results, self.stop_at, self.run_id = results, stop_at, run
        self.rng = random.Random(SEED * 1000 + k)
        self.sessions = 0
        self.errors = []

    def run(self):
        conn, left = None, 0
        for i, size, fail in self.jobs:
            if time.monotonic() > self.stop_at:
                break
            mid, lf, wire = make_message(self.run_id, i, size, fail)
            rec = {"id": mid, "fail": fail, "size": len(wire),
                   "sha": hashlib.sha256(lf).hexdigest(), "code": None,
                   "reply": None}
            self.results[i] = rec
            try:
                if conn is None:
                    conn = smtplib.SMTP("127.0.0.1", self.port,
                                        local_hostname="c%d.client.test" %
                                        self.k, timeout=120)
                    conn.ehlo()
                    self.sessions += 1
                    left = self.rng.randint(1, 20)
                try:
                    conn.sendmail("load%d@client.test" % self.k,
                                  ["box@loadtest.test"], wire)
                    rec["code"], rec["reply"] = 250, "250"
                except smtplib.SMTPResponseException as e:
                    rec["code"] = e.smtp_code
                    rec["reply"] = "%d %s" % (e.smtp_code, e.smtp_error.decode(
                        "latin-1", "replace"))
                left -= 1
                if left <= 0:
                    conn.quit()
                    conn = None
            except (OSError, smtplib.SMTPException) as e:
                # No final reply seen: the message's fate is unknown.
                rec["code"], rec["reply"] = None, "%s: %s" % (
                    type(e).__name__, e)
                self.errors.append(rec["reply"])
                try:
                    if conn is not None:
                        conn.close()
                except OSError:
                    pass
                conn = None
        if conn is not None:
            try:
                conn.quit()
            except (OSError, smtplib.SMTPException) as e:
                self.errors.append("QUIT: %s" % e)


# ------------------------------------------------------------ launcher

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_launcher(work, wrapper, maildir, scratch, log):
    """(Popen, port) of systemd-socket-activate, listening."""
    for attempt in range(5):
        port = free_port()
        argv = ["systemd-socket-activate", "--accept", "--inetd",
                "-l", "127.0.0.1:%d" % port, "--",
                SMTPIPE, "--hostname", HOST, "--timeout", "60",
                "--delivery-timeout", "60", "--",
                wrapper, SMTPIPE_MAILDIR, maildir, scratch]
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                             stderr=log, start_new_session=True)
        t0 = time.monotonic()
        while time.monotonic() - t0 < 5 and p.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), 0.5).close()
                return p, port
            except OSError:
                time.sleep(0.05)
        stop_launcher(p)
    raise RuntimeError("systemd-socket-activate did not start listening")


def stop_launcher(p):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def procs_matching(marker):
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                data = f.read()
        except OSError:
            continue
        if marker in data:
            found.append((int(pid), data.replace(b"\0", b" ").decode(
                "utf-8", "replace")[:120]))
    return found


# --------------------------------------------------------------- check

def read_maildir(maildir):
    """{id: [sha256, ...]}, [names without an X-Id], [names in tmp/]."""
    by_id, stray = {}, []
    for sub in ("new", "cur"):
        d = os.path.join(maildir, sub)
        if not os.path.isdir(d):
            continue
        for name in os.listdir(d):
            with open(os.path.join(d, name), "rb") as f:
                data = f.read()
            msg = None
            if data.startswith(b"Received: "):
                pos = 0
                while True:
                    end = data.find(b"\n", pos)
                    if end < 0:
                        break
                    pos = end + 1
                    if data[pos:pos + 1] not in (b" ", b"\t"):
                        msg = data[pos:]
                        break
            mid = None
            if msg is not None:
                hdr = msg.split(b"\n\n", 1)[0]
                for line in hdr.split(b"\n"):
                    if line.startswith(b"X-Id: "):
                        mid = line[6:].decode("latin-1")
            if mid is None:
                stray.append("%s/%s" % (sub, name))
                continue
            by_id.setdefault(mid, []).append(
                hashlib.sha256(msg).hexdigest())
    tmp = os.path.join(maildir, "tmp")
    left = sorted(os.listdir(tmp)) if os.path.isdir(tmp) else []
    return by_id, stray, left


def main():
    for prog, what in ((SMTPIPE, "SMTPIPE"),
                       (SMTPIPE_MAILDIR, "SMTPIPE_MAILDIR")):
        if not os.access(prog, os.X_OK):
            print("loadtest: %s is not an executable (set %s)" % (prog, what))
            return 99
    if not shutil.which("systemd-socket-activate"):
        print("loadtest: systemd-socket-activate not found: skipped")
        return 77
    work = tempfile.mkdtemp(prefix="smtpipe-loadtest.")
    os.chmod(work, 0o755)
    maildir = os.path.join(work, "Maildir")
    scratch = os.path.join(work, "scratch")
    os.mkdir(scratch)
    wrapper = os.path.join(work, "deliver.sh")
    with open(wrapper, "w") as f:
        f.write(WRAPPER)
    os.chmod(wrapper, 0o755)
    run_id = "%x%x" % (os.getpid(), int(time.time()))
    jobs = plan(MESSAGES, SEED)
    results = [None] * MESSAGES
    checks = []

    def check(ok, name, detail=""):
        checks.append(ok)
        print("%s %d - %s%s" % ("ok" if ok else "not ok", len(checks), name,
                                "" if ok or not detail else ": " + detail))
        sys.stdout.flush()

    log = open(os.path.join(work, "launcher.log"), "wb")
    t_start = time.monotonic()
    launcher, port = start_launcher(work, wrapper, maildir, scratch, log)
    print("# %d messages, %d clients, systemd-socket-activate pid %d on "
          "127.0.0.1:%d, work %s" % (MESSAGES, CLIENTS, launcher.pid, port,
                                     work))
    sys.stdout.flush()
    stop_at = time.monotonic() + DEADLINE
    threads = []
    try:
        for k in range(CLIENTS):
            mine = [(i, s, f) for i, (s, f) in enumerate(jobs)
                    if i % CLIENTS == k]
            th = Client(k, port, mine, results, stop_at, run_id)
            th.daemon = True
            threads.append(th)
            th.start()
        for th in threads:
            th.join(max(1.0, stop_at + 150 - time.monotonic()))
        hung = [th.name for th in threads if th.is_alive()]
        elapsed = time.monotonic() - t_start
        # The clients sent QUIT: the sessions end by themselves.
        marker = wrapper.encode()
        t0 = time.monotonic()

        def sessions():
            return [p for p in procs_matching(marker)
                    if p[0] != launcher.pid]
        while sessions() and time.monotonic() - t0 < 30:
            time.sleep(0.1)
        sessions_left = sessions()
    finally:
        stop_launcher(launcher)
        log.close()
    time.sleep(0.2)
    left = procs_matching(work.encode())

    sent = [r for r in results if r is not None]
    ok250 = [r for r in sent if r["code"] == 250]
    tempf = [r for r in sent if r["code"] is not None and
             400 <= r["code"] < 500]
    perm = [r for r in sent if r["code"] is not None and r["code"] >= 500]
    unknown = [r for r in sent if r["code"] is None]
    mbytes = sum(r["size"] for r in sent) / 1e6
    by_id, stray, tmp_left = read_maildir(maildir)

    check(not hung and len(sent) == MESSAGES and not unknown,
          "all %d messages sent and answered within %.0fs" % (
              MESSAGES, DEADLINE),
          "%d sent, %d without a final reply (%s)%s" % (
              len(sent), len(unknown),
              "; ".join(sorted(set(r["reply"] for r in unknown))[:3]),
              ", clients still running: %s" % hung if hung else ""))
    bad = [r for r in sent if r["code"] is not None and
           (r["code"] != (451 if r["fail"] else 250))]
    check(not bad, "marked messages answered 451, the others 250",
          "%d wrong, e.g. %s" % (len(bad), "; ".join(
              "%s%s: %s" % (r["id"], " (FAIL)" if r["fail"] else "",
                            r["reply"]) for r in bad[:3])))
    missing = [r for r in ok250 if r["id"] not in by_id]
    dup = [r for r in ok250 if len(by_id.get(r["id"], [])) > 1]
    wrong = [r for r in ok250 if len(by_id.get(r["id"], [])) == 1 and
             by_id[r["id"]][0] != r["sha"]]
    check(not (missing or dup or wrong),
          "every message answered 250 is in the Maildir exactly once, "
          "SHA-256 equal",
          "%d missing (%s), %d more than once, %d with other bytes" % (
              len(missing), ", ".join(r["id"] for r in missing[:3]),
              len(dup), len(wrong)))
    present = [r for r in tempf + perm if r["id"] in by_id]
    check(not present, "no message answered 4xx/5xx is in the Maildir",
          "%d present, e.g. %s" % (len(present), ", ".join(
              "%s (%s)" % (r["id"], r["reply"]) for r in present[:3])))
    known = set(r["id"] for r in sent)
    extra = [k for k in by_id if k not in known]
    check(not (extra or stray or tmp_left),
          "nothing else in the Maildir (new/, cur/, tmp/)",
          "%d unknown ids, %d files without X-Id, %d in tmp/" % (
              len(extra), len(stray), len(tmp_left)))
    check(not sessions_left and not left and launcher.poll() is not None,
          "no process left behind after stopping the launcher",
          "sessions 30s after the clients ended: %s; after the launcher: "
          "%s" % (sessions_left[:3], left[:3]))
    scratch_left = os.listdir(scratch)
    check(not scratch_left, "the delivery wrapper cleaned up after itself",
          "%d files left in scratch/" % len(scratch_left))

    sessions = sum(th.sessions for th in threads)
    print("# %d messages (%.1f MB) in %d sessions in %.1fs: %.0f msg/s, "
          "%.1f MB/s" % (len(sent), mbytes, sessions, elapsed,
                         len(sent) / elapsed, mbytes / elapsed))
    print("# replies: %d x 250, %d x 4xx, %d x 5xx, %d unknown; Maildir "
          "holds %d" % (len(ok250), len(tempf), len(perm), len(unknown),
                        sum(len(v) for v in by_id.values()) + len(stray)))
    failed = checks.count(False)
    if os.environ.get("LOADTEST_KEEP") or failed:
        print("# kept %s" % work)
    else:
        shutil.rmtree(work, ignore_errors=True)
    print("loadtest: %d passed, %d failed" % (len(checks) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

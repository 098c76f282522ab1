#!/usr/bin/env python3
"""sandbox.py - the process split, the seccomp filter and privilege drops.

Runs the built smtpipe on a socketpair and looks at its processes from
outside (/proc), as root.  With a build configured --enable-test-hooks it
also makes the sandboxed process try forbidden calls and checks that each
one kills it, delivers nothing and is logged by name.
"""
import os
import pwd
import socket
import subprocess
import sys
import tempfile
import time

SMTPIPE = os.environ.get("SMTPIPE", "src/smtpipe")
BUILDDIR = os.environ.get("top_builddir", ".")
results = []


def check(name, cond, why=""):
    results.append(cond)
    print(("ok %d - %s" if cond else "not ok %d - %s") % (len(results), name)
          + ("" if cond or not why else ": " + why))


def hooks_built():
    try:
        with open(os.path.join(BUILDDIR, "config.h")) as f:
            return "#define SMTPIPE_TEST_HOOKS 1" in f.read()
    except OSError:
        return False


def status_of(pid):
    fields = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            fields[k] = v.strip()
    return fields


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


class Server:
    def __init__(self, tmp, args, cmd, env=None):
        self.cli, srv = socket.socketpair()
        self.log = os.path.join(tmp, "log")
        e = dict(os.environ)
        e.update(env or {})
        self.proc = subprocess.Popen(
            [SMTPIPE, "--hostname", "mx.test", "--log", "stderr"] + args
            + ["--"] + cmd, stdin=srv, stdout=srv,
            stderr=open(self.log, "ab"), env=e)
        srv.close()
        self.cli.settimeout(5)
        self.buf = b""

    def reply(self):
        while True:
            lines = self.buf.split(b"\r\n")
            for i, l in enumerate(lines[:-1]):
                if len(l) >= 4 and l[3:4] == b" ":
                    self.buf = b"\r\n".join(lines[i + 1:])
                    return l
            try:
                d = self.cli.recv(65536)
            except socket.timeout:
                return b"timeout"
            except ConnectionResetError:
                return b"close"
            if not d:
                return b"close"
            self.buf += d

    def send(self, s):
        try:
            self.cli.sendall(s.encode() + b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass

    def finish(self):
        self.cli.close()
        try:
            return self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return None

    def logtext(self):
        with open(self.log, errors="replace") as f:
            return f.read()


def capture_cmd(tmp):
    script = os.path.join(tmp, "capture.sh")
    with open(script, "w") as f:
        f.write("#!/bin/sh\ncat > \"$OUT/msg\"\n"
                "grep -E '^(Uid|Gid|Groups|Seccomp|NoNewPrivs):' "
                "/proc/$$/status > \"$OUT/status\"\n")
    os.chmod(script, 0o755)
    return [script]


def test_processes(tmp):
    out = os.path.join(tmp, "p")
    os.makedirs(out)
    os.chmod(tmp, 0o755)
    os.chmod(out, 0o777)
    s = Server(tmp, ["--env", "OUT=" + out], capture_cmd(tmp))
    check("greeting", s.reply().startswith(b"220 mx.test"))
    # The greeting goes out before the split; a reply to a command comes
    # from the sandboxed session process, so it is in place now.
    s.send("NOOP")
    check("NOOP answered by the session process",
          s.reply().startswith(b"250"))
    kids = []
    for _ in range(50):
        kids = children(s.proc.pid)
        if kids:
            break
        time.sleep(0.05)
    check("one session process under the supervisor", len(kids) == 1,
          repr(kids))
    if kids:
        st = status_of(kids[0])
        nobody = pwd.getpwnam("nobody")
        check("session process: Seccomp 2 (filter)", st["Seccomp"] == "2",
              st["Seccomp"])
        check("session process: no new privileges", st["NoNewPrivs"] == "1")
        check("session process runs as nobody",
              st["Uid"].split()[0] == str(nobody.pw_uid) and
              st["Gid"].split()[0] == str(nobody.pw_gid), st["Uid"])
        check("session process has no supplementary groups",
              st["Groups"] == "", st["Groups"])
        sup = status_of(s.proc.pid)
        # The supervisor is not filtered: it must exec delivery programs,
        # some of them set-gid (Postfix's postdrop).
        check("supervisor: no seccomp filter", sup["Seccomp"] == "0")
        fds = sorted(int(x) for x in os.listdir("/proc/%d/fd" % kids[0]))
        check("session process holds only fds 0-3", fds == [0, 1, 2, 3],
              repr(fds))
    s.send("EHLO c")
    s.reply()
    for c in ("MAIL FROM:<a@example.org>", "RCPT TO:<b@example.org>"):
        s.send(c)
        s.reply()
    s.send("DATA")
    s.reply()
    s.cli.sendall(b"Subject: t\r\n\r\nbody\r\n.\r\n")
    r = s.reply()
    check("delivery under the sandbox", r.startswith(b"250"), repr(r))
    s.send("QUIT")
    s.reply()
    check("exit 0", s.finish() == 0)
    st = open(os.path.join(out, "status")).read()
    check("command runs as root without --user", "Uid:\t0\t" in st, st)


def test_user(tmp):
    out = os.path.join(tmp, "u")
    os.makedirs(out)
    os.chmod(out, 0o777)
    nobody = pwd.getpwnam("nobody")
    s = Server(tmp, ["--user", "nobody", "--env", "OUT=" + out],
               capture_cmd(tmp))
    s.reply()
    for c in ("HELO c", "MAIL FROM:<a@example.org>", "RCPT TO:<b@example.org>",
              "DATA"):
        s.send(c)
        s.reply()
    s.cli.sendall(b"Subject: t\r\n\r\nbody\r\n.\r\n")
    r = s.reply()
    check("--user: delivered", r.startswith(b"250"), repr(r))
    s.finish()
    st = open(os.path.join(out, "status")).read()
    uid = [l for l in st.splitlines() if l.startswith("Uid:")][0].split()[1:]
    gid = [l for l in st.splitlines() if l.startswith("Gid:")][0].split()[1:]
    groups = [l for l in st.splitlines() if l.startswith("Groups:")][0]
    check("--user: command uid is the user's",
          set(uid) == {str(nobody.pw_uid)}, repr(uid))
    check("--user: command gid is the user's",
          set(gid) == {str(nobody.pw_gid)}, repr(gid))
    check("--user: no supplementary groups of root",
          "\t0" not in groups and " 0 " not in groups + " ", groups)


def test_hook(tmp, hook, name):
    out = os.path.join(tmp, "h-" + hook)
    os.makedirs(out)
    os.chmod(out, 0o777)
    s = Server(tmp, ["--env", "OUT=" + out], capture_cmd(tmp),
               env={"SMTPIPE_TEST_HOOK": hook})
    first = s.reply()
    s.send("EHLO c")
    r = s.reply()
    rc = s.finish()
    time.sleep(0.1)
    log = s.logtext()
    check("hook %s: greeting then the connection closes" % hook,
          first.startswith(b"220") and r == b"close", repr((first, r)))
    check("hook %s: nothing delivered" % hook,
          not os.path.exists(os.path.join(out, "msg")))
    check("hook %s: log names the call" % hook,
          "sandbox violation" in log and name in log, log[-300:])
    check("hook %s: session died of SIGSYS" % hook,
          "SIGSYS" in log and rc == 70, "rc=%r" % rc)


def main():
    if os.geteuid() != 0:
        print("sandbox tests need root (privilege drops)")
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)
        test_processes(tmp)
        test_user(tmp)
        if hooks_built():
            test_hook(tmp, "open", "openat")
            test_hook(tmp, "execve", "execve")
            test_hook(tmp, "socket", "socket")
        else:
            print("# test hooks not built (configure --enable-test-hooks);"
                  " the violation tests run in CI's sanitizer build")
    passed = sum(results)
    failed = len(results) - passed
    print("sandbox: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

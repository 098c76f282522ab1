#!/usr/bin/env python3
"""activation.py - launch modes with the real launcher, and the log sinks.

systemd-socket-activate passes smtpipe a connected socket (--accept, fd 3
with LISTEN_FDS) or a listening one (Accept=no: smtpipe accepts itself,
caps sessions, honours SIGTERM); IPv6 peers; tcpserver's variables; and
what smtpipe sends to the journal and to /dev/log, caught in a private
mount namespace by sockets the test binds there itself.  Loopback only.
"""
import os
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import time

SMTPIPE = os.environ.get("SMTPIPE", "src/smtpipe")
results = []


def check(name, cond, why=""):
    results.append(bool(cond))
    print(("ok %d - %s" if cond else "not ok %d - %s") % (len(results), name)
          + ("" if cond or not why else ": " + str(why)[:400]))


def free_port(family=socket.AF_INET, host="127.0.0.1"):
    s = socket.socket(family)
    s.bind((host, 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_listen(port, v6=False, deadline=10):
    """Wait until the launcher listens, without connecting to it."""
    name = "/proc/net/tcp6" if v6 else "/proc/net/tcp"
    end = time.time() + deadline
    while time.time() < end:
        with open(name) as f:
            for line in f.readlines()[1:]:
                parts = line.split()
                if parts[3] == "0A" and int(parts[1].split(":")[1], 16) == port:
                    return True
        time.sleep(0.05)
    return False


def capture_script(tmp):
    path = os.path.join(tmp, "capture.sh")
    with open(path, "w") as f:
        f.write('#!/bin/sh\nd="$OUT/$$"\nmkdir -p "$d"\n'
                'cat > "$d/msg"\nenv > "$d/env"\n'
                '[ -n "${SLEEP:-}" ] && sleep "$SLEEP"\nexit 0\n')
    os.chmod(path, 0o755)
    return path


def deliveries(out):
    res = []
    if not os.path.isdir(out):
        return res
    for d in sorted(os.listdir(out)):
        p = os.path.join(out, d)
        with open(os.path.join(p, "msg"), "rb") as f:
            msg = f.read()
        env = {}
        with open(os.path.join(p, "env")) as f:
            for line in f:
                k, _, v = line.rstrip("\n").partition("=")
                env[k] = v
        res.append((msg, env))
    return res


def launcher(args, smtpipe_args, out, tmp):
    cmd = (["systemd-socket-activate"] + args + [SMTPIPE, "--hostname",
           "mx.test", "--log", "stderr", "--env", "OUT=" + out]
           + smtpipe_args + ["--", capture_script(tmp)])
    log = open(os.path.join(tmp, "launcher.log"), "ab")
    return subprocess.Popen(cmd, stdout=log, stderr=log,
                            stdin=subprocess.DEVNULL)


def stop(p):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def send(host, port, n=1):
    s = smtplib.SMTP(host, port, timeout=10)
    s.sendmail("alice@example.org", ["bob@example.com"],
               "Subject: test %d\n\nhello\n" % n)
    s.quit()


def test_accept_listen_fds(tmp):
    out = os.path.join(tmp, "accept")
    port = free_port()
    p = launcher(["--accept", "-l", "127.0.0.1:%d" % port], [], out, tmp)
    try:
        check("accept: launcher listens", wait_listen(port))
        send("127.0.0.1", port)
        d = deliveries(out)
        check("accept (LISTEN_FDS fd 3): one delivery", len(d) == 1, d)
        if d:
            msg, env = d[0]
            check("accept: Received names 127.0.0.1",
                  b"([127.0.0.1])" in msg.split(b"\n")[0], msg[:200])
            check("accept: SMTP_REMOTE_ADDR 127.0.0.1",
                  env.get("SMTP_REMOTE_ADDR") == "127.0.0.1", env)
            check("accept: LISTEN_* not passed to the command",
                  not any(k.startswith("LISTEN_") for k in env), env)
    finally:
        stop(p)


def test_ipv6(tmp):
    try:
        port = free_port(socket.AF_INET6, "::1")
    except OSError:
        print("# no IPv6 loopback here; IPv6 case not run")
        return
    out = os.path.join(tmp, "v6")
    p = launcher(["--accept", "--inetd", "-l", "[::1]:%d" % port], [], out,
                 tmp)
    try:
        check("ipv6: launcher listens", wait_listen(port, v6=True))
        send("::1", port)
        d = deliveries(out)
        check("ipv6: one delivery", len(d) == 1, d)
        if d:
            msg, env = d[0]
            check("ipv6: Received names [IPv6:::1]",
                  b"([IPv6:::1])" in msg.split(b"\n")[0], msg[:200])
            check("ipv6: SMTP_REMOTE_ADDR ::1",
                  env.get("SMTP_REMOTE_ADDR") == "::1", env)
    finally:
        stop(p)


def greeting(port):
    c = socket.create_connection(("127.0.0.1", port), timeout=5)
    data = b""
    while not data.endswith(b"\r\n"):
        chunk = c.recv(200)
        if not chunk:
            break
        data += chunk
    return c, data


def test_accept_no(tmp):
    out = os.path.join(tmp, "listen")
    port = free_port()
    p = launcher(["-l", "127.0.0.1:%d" % port], [], out, tmp)
    try:
        check("accept=no: launcher listens", wait_listen(port))
        # concurrent clients, each a full transaction
        import threading
        errs = []

        def one(i):
            try:
                send("127.0.0.1", port, i)
            except Exception as e:  # noqa: BLE001 - recorded for the check
                errs.append(e)
        ts = [threading.Thread(target=one, args=(i,)) for i in range(6)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        check("accept=no: 6 messages from concurrent clients delivered",
              len(deliveries(out)) == 6 and not errs, (errs, len(deliveries(out))))
    finally:
        stop(p)
    port = free_port()
    p = launcher(["-l", "127.0.0.1:%d" % port],
                 ["--max-sessions", "2", "--grace", "5"], out, tmp)
    try:
        wait_listen(port)
        c1, g1 = greeting(port)
        c2, g2 = greeting(port)
        c3, g3 = greeting(port)
        check("accept=no: two sessions greeted", g1.startswith(b"220") and
              g2.startswith(b"220"), (g1, g2))
        check("accept=no: the third over --max-sessions gets 421 4.7.0",
              g3.startswith(b"421 4.7.0"), g3)
        c3.close()
        # SIGTERM with sessions open: they may finish within the grace
        c1.sendall(b"EHLO c\r\n")
        p.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        check("accept=no: still running for open sessions after SIGTERM",
              p.poll() is None)
        c1.recv(4096)
        c1.sendall(b"QUIT\r\n")
        c1.recv(4096)
        c1.close()
        c2.close()
        try:
            rc = p.wait(8)
        except subprocess.TimeoutExpired:
            rc = None
        check("accept=no: exits once the sessions end", rc == 0, rc)
    finally:
        stop(p)
    port = free_port()
    p = launcher(["-l", "127.0.0.1:%d" % port], ["--max-per-ip", "1"], out,
                 tmp)
    try:
        wait_listen(port)
        c1, g1 = greeting(port)
        c2, g2 = greeting(port)
        check("accept=no: --max-per-ip 1 refuses the second with 421",
              g1.startswith(b"220") and g2.startswith(b"421 4.7.0"), (g1, g2))
        c1.close()
        c2.close()
    finally:
        stop(p)


def test_grace_kills_delivery(tmp):
    """SIGTERM: after --grace, a running delivery command is killed with
    its process group, so it cannot finish a delivery the client never
    heard about (the client would retry: a duplicate)."""
    marker = os.path.join(tmp, "late-delivery")
    hang = os.path.join(tmp, "hang.sh")
    with open(hang, "w") as f:
        f.write("#!/bin/sh\ncat >/dev/null\nsleep 4\ntouch %s\n" % marker)
    os.chmod(hang, 0o755)
    port = free_port()
    log = open(os.path.join(tmp, "grace.log"), "ab")
    p = subprocess.Popen(["systemd-socket-activate", "-l",
                          "127.0.0.1:%d" % port, SMTPIPE, "--hostname",
                          "mx.test", "--log", "stderr", "--grace", "1",
                          "--", hang], stdout=log, stderr=log,
                         stdin=subprocess.DEVNULL)
    try:
        wait_listen(port)
        c = socket.create_connection(("127.0.0.1", port), timeout=10)
        c.recv(200)
        c.sendall(b"HELO c\r\nMAIL FROM:<a@example.org>\r\n"
                  b"RCPT TO:<b@example.org>\r\nDATA\r\n")
        time.sleep(0.3)
        c.recv(4096)
        c.sendall(b"Subject: x\r\n\r\nbody\r\n.\r\n")
        time.sleep(0.5)          # the command is now sleeping
        t0 = time.time()
        p.send_signal(signal.SIGTERM)
        try:
            rc = p.wait(10)
        except subprocess.TimeoutExpired:
            rc = None
        took = time.time() - t0
        c.close()
        time.sleep(4.5)          # past the command's own sleep
        check("grace: the listener exits after --grace (about 1s)",
              rc == 0 and took < 4, (rc, took))
        check("grace: the running delivery was killed, not finished",
              not os.path.exists(marker))
    finally:
        stop(p)


def test_slow_reader():
    """A client that sends but never reads: the session must not hang
    in write() past --timeout."""
    cli, srv = socket.socketpair()
    cli.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    p = subprocess.Popen([SMTPIPE, "--hostname", "mx.test", "--timeout",
                          "2", "--", "/bin/true"], stdin=srv, stdout=srv,
                         stderr=subprocess.DEVNULL)
    srv.close()
    cli.setblocking(False)
    data = b"NOOP\r\n" * 200000
    t0 = time.time()
    sent = 0
    while sent < len(data) and time.time() - t0 < 8 and p.poll() is None:
        try:
            sent += cli.send(data[sent:sent + 65536])
        except BlockingIOError:
            time.sleep(0.05)
        except OSError:
            break
    try:
        p.wait(max(0.1, 10 - (time.time() - t0)))
    except subprocess.TimeoutExpired:
        pass
    took = time.time() - t0
    alive = p.poll() is None
    if alive:
        p.kill()
        p.wait()
    cli.close()
    check("a client that never reads is dropped after --timeout",
          not alive and took < 9, (alive, took))


def test_mode_systemd_without_socket():
    r = subprocess.run([SMTPIPE, "--mode", "systemd", "--log", "stderr",
                        "--", "/bin/true"], stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=10)
    check("--mode systemd without LISTEN_FDS: exit 78 (EX_CONFIG)",
          r.returncode == 78, r)


def test_tcpserver_vars(tmp):
    out = os.path.join(tmp, "tcpvars")
    env = dict(os.environ, TCPREMOTEIP="192.0.2.7", TCPREMOTEPORT="4242",
               TCPREMOTEHOST="client.example.net", TCPLOCALIP="192.0.2.1")
    p = subprocess.Popen([SMTPIPE, "--hostname", "mx.test", "--env",
                          "OUT=" + out, "--", capture_script(tmp)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, env=env)
    o, _ = p.communicate(b"HELO c\r\nMAIL FROM:<a@example.org>\r\n"
                         b"RCPT TO:<b@example.org>\r\nDATA\r\n"
                         b"Subject: t\r\n\r\nx\r\n.\r\nQUIT\r\n", timeout=20)
    d = deliveries(out)
    check("tcpserver variables: delivered over pipes", len(d) == 1, o)
    if d:
        msg, e = d[0]
        check("tcpserver: Received names TCPREMOTEHOST and TCPREMOTEIP",
              b"(client.example.net [192.0.2.7])" in msg.split(b"\n")[0],
              msg[:200])
        check("tcpserver: SMTP_REMOTE_ADDR/PORT from the variables",
              e.get("SMTP_REMOTE_ADDR") == "192.0.2.7" and
              e.get("SMTP_REMOTE_PORT") == "4242", e)


SINK = r'''
import os, socket, subprocess, sys, json, time, threading
path, smtpipe, mode, capture = sys.argv[1:5]
os.makedirs(os.path.dirname(path), exist_ok=True)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
got = []
done = threading.Event()
def reader():
    # Read as a log daemon does, all the time: a full datagram queue
    # would block the sender.
    s.settimeout(0.2)
    while not done.is_set():
        try:
            got.append(s.recv(65536).decode("utf-8", "replace"))
        except socket.timeout:
            pass
t = threading.Thread(target=reader)
t.start()
env = dict(os.environ)
env.pop("JOURNAL_STREAM", None)
args = [smtpipe, "--hostname", "mx.test"]
if mode == "journal":
    env["INVOCATION_ID"] = "0123456789abcdef0123456789abcdef"
else:
    env.pop("INVOCATION_ID", None)
    args += ["--log", "syslog", "--verbose"]
p = subprocess.Popen(args + ["--", capture], stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                     env=env)
p.communicate(b"EHLO c\x01lient\r\nEHLO client\r\nMAIL FROM:<a@example.org>\r\n"
              b"RCPT TO:<b@example.org>\r\nDATA\r\n"
              b"Subject: t\r\n\r\nx\r\n.\r\nQUIT\r\n", timeout=20)
time.sleep(0.5)
done.set()
t.join()
print(json.dumps(got))
'''


def in_namespace(tmp, mode):
    """Run SINK in a private mount namespace; return the datagrams."""
    sink = os.path.join(tmp, "sink.py")
    with open(sink, "w") as f:
        f.write(SINK)
    cap = os.path.join(tmp, "true.sh")
    with open(cap, "w") as f:
        f.write("#!/bin/sh\ncat >/dev/null\n")
    os.chmod(cap, 0o755)
    if mode == "journal":
        setup = ("mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/journal"
                 " && exec python3 %s /run/systemd/journal/socket %s journal %s"
                 % (sink, SMTPIPE, cap))
    else:
        # A private /dev with only what smtpipe needs, and our /dev/log.
        setup = ("mount -t tmpfs tmpfs /dev && mknod -m 666 /dev/null c 1 3"
                 " && mknod -m 444 /dev/urandom c 1 9"
                 " && exec python3 %s /dev/log %s syslog %s"
                 % (sink, SMTPIPE, cap))
    r = subprocess.run(["unshare", "-m", "sh", "-c", setup],
                       capture_output=True, timeout=60)
    import json
    try:
        return json.loads(r.stdout.decode().strip().splitlines()[-1])
    except (ValueError, IndexError):
        print("# namespace run failed: %r" % (r,))
        return None


def journal_fields(dgram):
    """Native journal protocol: KEY=value lines (or binary-length form)."""
    fields = {}
    b = dgram.encode("utf-8", "surrogateescape")
    i = 0
    while i < len(b):
        nl = b.find(b"\n", i)
        if nl < 0:
            break
        line = b[i:nl]
        if b"=" in line:
            k, _, v = line.partition(b"=")
            fields[k.decode()] = v.decode("utf-8", "replace")
            i = nl + 1
        else:
            k = line.decode()
            n = int.from_bytes(b[nl + 1:nl + 9], "little")
            fields[k] = b[nl + 9:nl + 9 + n].decode("utf-8", "replace")
            i = nl + 9 + n + 1
    return fields


def test_journal(tmp):
    got = in_namespace(tmp, "journal")
    if got is None:
        check("journal: private mount namespace available", False)
        return
    entries = [journal_fields(g) for g in got]
    msgs = [e for e in entries if "SMTP_QUEUE_ID" in e]
    check("journal: one message entry with SMTP_QUEUE_ID", len(msgs) == 1,
          entries)
    if msgs:
        e = msgs[0]
        for k, v in (("SMTP_SENDER", "a@example.org"),
                     ("SMTP_RECIPIENT", "b@example.org"),
                     ("SMTP_STATUS", "250"), ("SMTP_HELO", "client"),
                     ("SMTP_DELIVERY_EXIT", "0"), ("SYSLOG_FACILITY", "2"),
                     ("SMTP_REMOTE_ADDR", "unknown")):
            check("journal: %s=%s" % (k, v), e.get(k) == v, e)
        check("journal: SMTP_SIZE and SMTP_DURATION_MS are numbers",
              e.get("SMTP_SIZE", "x").isdigit() and
              e.get("SMTP_DURATION_MS", "x").isdigit(), e)
        check("journal: a readable MESSAGE", "status=250" in
              e.get("MESSAGE", ""), e)
    check("journal: connect and disconnect lines",
          any("connect" in e.get("MESSAGE", "") for e in entries) and
          any("disconnect messages=1" in e.get("MESSAGE", "")
              for e in entries), entries)


def test_syslog(tmp):
    got = in_namespace(tmp, "syslog")
    if got is None:
        check("syslog: private mount namespace available", False)
        return
    # <PRI>: facility mail (2) * 8 + severity
    lines = [g for g in got if "smtpipe" in g]
    msg = [g for g in lines if "queue=" in g and "status=250" in g]
    check("syslog: one line per message, facility mail",
          len(msg) == 1 and msg[0].startswith("<22>"), got)
    check("syslog: session lines", any("disconnect messages=1" in g
                                       for g in lines), got)
    check("syslog: --verbose dialog logged with the control octet escaped",
          any("EHLO c\\x01lient" in g for g in got), got)
    check("syslog: no raw control characters in any line",
          all(all(ord(c) >= 32 for c in g.rstrip("\n")) for g in got), got)


def main():
    if os.geteuid() != 0:
        print("activation tests need root (mount namespaces)")
        return 77
    if shutil.which("systemd-socket-activate") is None:
        check("systemd-socket-activate installed (package systemd)", False)
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)
        test_accept_listen_fds(tmp)
        test_ipv6(tmp)
        test_accept_no(tmp)
        test_grace_kills_delivery(tmp)
        test_slow_reader()
        test_mode_systemd_without_socket()
        test_tcpserver_vars(tmp)
        test_journal(tmp)
        test_syslog(tmp)
    passed = sum(results)
    print("activation: %d passed, %d failed" % (passed, len(results) - passed))
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())

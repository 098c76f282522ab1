#!/usr/bin/env python3
"""probe.py - the benchmark's own small clients (see run.sh).

  probe.py greet COUNT PORT...
      COUNT sequential connections to each 127.0.0.1:PORT, taking the
      ports in turn (so load from elsewhere hits all alike); for each, the
      time from connect() to the end of the 220 greeting line, then QUIT
      and wait for the server to close.  Prints one line per PORT:
      median p10 p90 (ms) and the number of failed connections.

  probe.py rss PORT BYTES LAUNCHER_PID
      One session with one message of BYTES body octets (78-octet lines).
      After the 250 for DATA, and before QUIT, reads VmHWM (peak RSS) of
      every process below LAUNCHER_PID, i.e. the server processes of this
      session.  Prints: "comm:pid:VmHWM_kB ..." one token per process.

  probe.py cost COUNT FILE SPEC...
      Where a session's time goes, without the network or the launcher:
      runs each SPEC ("[VAR=VALUE ...] /path/to/program ARG...") COUNT
      times with stdin FILE (a canned session) and stdout /dev/null,
      started with posix_spawn (vfork: the probe's own memory is not
      copied), the SPECs in turn.  From getrusage(RUSAGE_CHILDREN), per
      session: prints "cpu_ms user_ms sys_ms minor_faults vol_ctx_switches
      wall_ms", one line per SPEC.

Standard library only; loopback only; every socket has a timeout.
"""
import os
import resource
import shlex
import socket
import statistics
import sys
import time

TIMEOUT = 60


def read_reply(f):
    """Read one (possibly multi-line) SMTP reply; return its code."""
    while True:
        line = f.readline()
        if not line:
            raise EOFError("server closed the connection")
        if len(line) < 4 or line[3:4] != b"-":
            return int(line[:3])


def greet_once(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(TIMEOUT)
    t0 = time.perf_counter_ns()
    s.connect(("127.0.0.1", port))
    got = b""
    while not got.endswith(b"\n"):
        chunk = s.recv(4096)
        if not chunk:
            raise EOFError("closed before the greeting")
        got += chunk
    t1 = time.perf_counter_ns()
    if not got.startswith(b"220"):
        raise RuntimeError("greeting: %r" % got)
    s.sendall(b"QUIT\r\n")
    while s.recv(4096):
        pass
    s.close()
    time.sleep(0.002)   # let the server process finish exiting
    return (t1 - t0) / 1e6


def greet(count, ports):
    times = {p: [] for p in ports}
    errors = {p: 0 for p in ports}
    for _ in range(count):
        for p in ports:
            try:
                times[p].append(greet_once(p))
            except (OSError, EOFError, RuntimeError):
                errors[p] += 1
    for p in ports:
        t = sorted(times[p])
        if len(t) < 2:
            print("nan nan nan %d" % errors[p])
            continue
        q = statistics.quantiles(t, n=10)
        print("%.3f %.3f %.3f %d" % (statistics.median(t), q[0], q[-1],
                                     errors[p]))


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def descendants(pid):
    out = []
    todo = children(pid)
    while todo:
        p = todo.pop(0)
        out.append(p)
        todo.extend(children(p))
    return out


def hwm(pid):
    comm, kb = "?", -1
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("Name:"):
                    comm = line.split()[1]
                elif line.startswith("VmHWM:"):
                    kb = int(line.split()[1])
    except OSError:
        pass
    return comm, kb


def rss(port, size, launcher):
    s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    f = s.makefile("rb")
    if read_reply(f) != 220:
        raise RuntimeError("no greeting")
    for cmd in (b"EHLO probe.example", b"MAIL FROM:<bench@probe.example>",
                b"RCPT TO:<sink@probe.example>", b"DATA"):
        s.sendall(cmd + b"\r\n")
        code = read_reply(f)
        if code >= 400:
            raise RuntimeError("%s: %d" % (cmd.decode(), code))
    line = b"x" * 76 + b"\r\n"
    block = line * (1048576 // len(line))
    left = size
    while left > 0:
        part = block if left >= len(block) else (line * (left // len(line) + 1))[:left]
        s.sendall(part)
        left -= len(part)
    s.sendall(b"\r\n.\r\n")
    code = read_reply(f)
    if code != 250:
        raise RuntimeError("end of data: %d" % code)
    print(" ".join("%s:%d:%d" % ((hwm(p)[0], p, hwm(p)[1]))
                   for p in descendants(launcher)))
    s.sendall(b"QUIT\r\n")
    read_reply(f)
    s.close()


def cost(count, path, specs):
    progs = []
    for spec in specs:
        words = shlex.split(spec)
        env = {"PATH": "/usr/bin:/bin"}
        while words and "=" in words[0] and not words[0].startswith("/"):
            k, v = words.pop(0).split("=", 1)
            env[k] = v
        progs.append((words, env))
    fd = os.open(path, os.O_RDONLY)
    acc = [[0.0] * 6 for _ in progs]
    rounds = 5
    per = max(1, count // rounds)
    for _ in range(rounds):
        for i, (argv, env) in enumerate(progs):
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            for _ in range(per):
                os.lseek(fd, 0, os.SEEK_SET)
                pid = os.posix_spawn(argv[0], argv, env, file_actions=[
                    (os.POSIX_SPAWN_DUP2, fd, 0),
                    (os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0),
                    (os.POSIX_SPAWN_OPEN, 2, "/dev/null", os.O_WRONLY, 0)])
                os.waitpid(pid, 0)
            t1 = time.perf_counter()
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            a = acc[i]
            a[0] += r1.ru_utime - r0.ru_utime
            a[1] += r1.ru_stime - r0.ru_stime
            a[2] += r1.ru_minflt - r0.ru_minflt
            a[3] += r1.ru_nvcsw - r0.ru_nvcsw
            a[4] += t1 - t0
            a[5] += per
    for a in acc:
        n = a[5]
        print("%.3f %.3f %.3f %.0f %.1f %.3f" % ((a[0] + a[1]) / n * 1e3,
              a[0] / n * 1e3, a[1] / n * 1e3, a[2] / n, a[3] / n,
              a[4] / n * 1e3))


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "greet":
        greet(int(sys.argv[2]), [int(p) for p in sys.argv[3:]])
    elif len(sys.argv) >= 5 and sys.argv[1] == "cost":
        cost(int(sys.argv[2]), sys.argv[3], sys.argv[4:])
    elif len(sys.argv) == 5 and sys.argv[1] == "rss":
        rss(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
    else:
        sys.stderr.write(__doc__)
        sys.exit(64)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Write the hand-made fuzz seeds (the hand-* files under fuzz/corpus/).

    fuzz/make-seeds.py CORPUS_DIR

Transcripts of normal, pipelined and hostile sessions, the SMTP smuggling
end-of-data variants, long lines, NULs and BDAT-looking commands; paths
for the address parser (first octet: ADDR_F_* flags); and well-formed
supervisor records in the layout of src/ipc.h (u32 type, u32 length,
payload; u32/u64 in host order, strings as u32 length + octets) for the
IPC decoders.  Kept as a script so the records can be rebuilt when the
format changes.  The seeds from the conformance cases come from
extract-corpus.py.  Python 3 standard library only.
"""

import os
import struct
import sys

HELLO = b"EHLO client.example.org\r\n"
ENV = (b"MAIL FROM:<alice@example.org>\r\n"
       b"RCPT TO:<bob@example.com>\r\n")


def msg(body):
    return ENV + b"DATA\r\n" + body


SMUGGLED = (b"MAIL FROM:<mallory@example.net>\r\nRCPT TO:<bob@example.com>\r\n"
            b"DATA\r\nSubject: smuggled\r\n\r\nsmuggled body\r\n.\r\n")

# End-of-data look-alikes that must never end DATA (RFC 5321 4.1.1.4).
SMUGGLING = {
    "lf-dot-lf": b"\n.\n",
    "cr-dot-cr": b"\r.\r",
    "lf-dot-crlf": b"\n.\r\n",
    "crlf-dot-lf": b"\r\n.\n",
    "cr-dot-crlf": b"\r.\r\n",
    "crlf-dot-cr": b"\r\n.\r",
    "cr-dot-lf": b"\r.\n",
    "cr-lf-dot-lf-lf": b"\r\n.\n\n",
}

BODIES = {
    "plain": b"Subject: hi\r\n\r\nhello\r\n.\r\n",
    "empty": b".\r\n",
    "stuffed": b"..\r\n...\r\n. \r\n.x\r\n.\r\n",
    "bare-lf": b"Subject: lf\n\nline one\nline two\n.\r\n",
    "bare-cr-end": b"abc\r\r\n.\r\r\n.\r\n",
    "nul": b"a\0b\r\n\0\r\n.\0\r\n.\r\n",
    "two-messages": b"one\r\n.\r\ntwo\r\n.\r\n",
    "long-line": b"x" * 5000 + b".\r\n.\r\n",
    "crlf-split": b"\r\n\r\n.\r\n",
    "unfinished": b"no end\r\n.",
}


def sessions():
    s = {}
    s["normal"] = (HELLO + msg(BODIES["plain"]) + b"QUIT\r\n")
    s["helo"] = (b"HELO client.example.org\r\n" + msg(BODIES["plain"]) +
                 b"QUIT\r\n")
    s["pipelined"] = (HELLO + ENV + b"RCPT TO:<carol@example.com>\r\n"
                      b"DATA\r\n" + BODIES["stuffed"] + b"RSET\r\nNOOP\r\n" +
                      msg(BODIES["plain"]) + b"VRFY bob\r\nHELP\r\nQUIT\r\n")
    for name, seq in SMUGGLING.items():
        s["smuggle-" + name] = (HELLO + msg(b"Subject: first\r\n\r\nbody" +
                                            seq + SMUGGLED) + b"QUIT\r\n")
    s["long-command"] = HELLO + b"NOOP " + b"x" * 1100 + b"\r\nQUIT\r\n"
    s["long-mail"] = (HELLO + b"MAIL FROM:<" + b"a" * 64 + b"@" +
                      b"b" * 180 + b".example> SIZE=1000 " +
                      b"X-P=1 " * 20 + b"\r\nQUIT\r\n")
    # Past the session's 64 KiB spool buffer, so it fills mid-line.
    s["long-data-line"] = (HELLO + msg(b"x" * 70000 + b".\r\n.\r\n") +
                           b"QUIT\r\n")
    s["nul"] = (b"EHLO a\0b\r\nEHLO client\r\nMAIL FROM:<a\0@b>\r\n" +
                msg(BODIES["nul"]) + b"\0QUIT\r\nQUIT\r\n")
    s["bare-eol-commands"] = (b"EHLO x\nMAIL FROM:<a@b>\rRCPT TO:<c@d>\r\n"
                              b"NOOP\r\r\nQUIT\n\r\nQUIT\r\n")
    s["bdat"] = (HELLO + ENV + b"BDAT 16\r\nSubject: parts\r\n"
                 b"BDAT 2\r\n\r\nBDAT 13 LAST\r\nhello world\r\nQUIT\r\n")
    s["bdat-odd"] = (HELLO + b"BDAT 5\r\nRSET\r\n" + ENV +
                     b"BDAT 0 LAST\r\nBDAT 18446744073709551615\r\n"
                     b"BDAT -1\r\nBDAT 3 last extra\r\nBDAT 4\r\n.\r\n"
                     b"DATA\r\nQUIT\r\n")
    s["bdat-binarymime"] = (HELLO + b"MAIL FROM:<a@b.c> BODY=BINARYMIME\r\n"
                            b"RCPT TO:<d@e.f>\r\nDATA\r\n"
                            b"BDAT 3 LAST\r\n\r\0\nQUIT\r\n")
    s["params"] = (HELLO + b"MAIL FROM:<> SIZE=100 BODY=8BITMIME\r\n"
                   b"RCPT TO:<Postmaster>\r\nRCPT TO:<\"a b\"@[192.0.2.1]>\r\n"
                   b"RCPT TO:<@r.example:x@[IPv6:2001:db8::1]>\r\n"
                   b"DATA\r\n" + BODIES["plain"] +
                   b"MAIL FROM:<a@b> SIZE=99999999999999999999\r\n"
                   b"MAIL FROM:<a@b> BODY=BINARYMIME BODY=7BIT\r\nQUIT\r\n")
    s["dsn-utf8"] = (HELLO + "MAIL FROM:<ü@exämple.org> SMTPUTF8 RET=FULL "
                     "ENVID=id+2B1\r\n".encode() +
                     "RCPT TO:<bö@example.com> NOTIFY=SUCCESS,FAILURE "
                     "ORCPT=rfc822;b+40example.com\r\n".encode() +
                     b"RCPT TO:<c@d.e> NOTIFY=NEVER\r\nDATA\r\n" +
                     BODIES["plain"] + b"QUIT\r\n")
    s["lmtp"] = (b"LHLO client.example.org\r\n" + ENV +
                 b"RCPT TO:<carol@example.com>\r\nDATA\r\n" +
                 BODIES["plain"] + b"QUIT\r\n")
    s["errors"] = b"".join(b"FOO %d\r\n" % i for i in range(12)) + b"QUIT\r\n"
    s["sequence"] = (b"MAIL FROM:<a@b>\r\nDATA\r\nEHLO x\r\nRCPT TO:<a@b>\r\n"
                     b"DATA\r\nMAIL FROM:<a@b>\r\nMAIL FROM:<a@b>\r\n"
                     b"DATA x\r\nRSET x\r\nQUIT x\r\nEXPN x\r\nquit\r\n")
    s["eof-in-data"] = HELLO + msg(b"Subject: cut\r\n\r\nno end")
    s["many-rcpt"] = (HELLO + b"MAIL FROM:<a@b.c>\r\n" +
                      b"".join(b"RCPT TO:<r%d@example.com>\r\n" % i
                               for i in range(105)) +
                      b"DATA\r\n" + BODIES["plain"] + b"QUIT\r\n")
    return s


def data_bodies():
    d = dict(BODIES)
    for name, seq in SMUGGLING.items():
        d["smuggle-" + name] = b"first" + seq + b"more\r\n.\r\n"
    return d


ADDRESSES = [
    (0x00, b"<bob@example.com>"),
    (0x01, b"<>"),
    (0x01, b" <> SIZE=100 BODY=8BITMIME"),
    (0x02, b"<Postmaster>"),
    (0x02, b"<postmaster@example.com>"),
    (0x00, b"<\"john doe\"@example.com>"),
    (0x00, b"<\"a\\\"b\\\\c\"@example.com> X=1"),
    (0x00, b"<bob@[192.0.2.1]>"),
    (0x00, b"<bob@[IPv6:2001:db8::1]>"),
    (0x00, b"<bob@[IPv6:::ffff:192.0.2.1]>"),
    (0x00, b"<bob@[tag:stuff]>"),
    (0x00, b"<@a.example,@b.example:bob@example.com>"),
    (0x00, b"<-oQ/tmp/x@example.com>"),
    (0x04, "<ü@exämple.org> SMTPUTF8".encode()),
    (0x04, b"<\xc3\x28@example.org>"),
    (0x07, b"<a@b> SIZE=1 BODY=7BIT RET=FULL ENVID=x+2By NOTIFY=NEVER "
           b"ORCPT=rfc822;a+40b"),
    (0x87, b"<a@b> " + b"K=V " * 20),
    (0x00, b"bob@example.com"),
    (0x00, b"<bob@@example.com>"),
    (0x00, b"<bob@example.com"),
    (0x00, b"<" + b"a" * 65 + b"@example.com>"),
    (0x00, b"<a@" + b"b" * 64 + b".example>"),
    (0x00, b"<a@b\0c>"),
]


def s32(s):
    return struct.pack("=I", len(s)) + s


def rec(t, payload):
    return struct.pack("=II", t, len(payload)) + payload


(DATA_BEGIN, SPOOL, DATA_END, RESULT, LOG, VIOLATION, MAIL, RCPT,
 RSET) = range(1, 10)


def ipc_seeds():
    mail = (s32(b"client.example.org") + s32(b"ESMTP") +
            struct.pack("=I", 0) + s32(b"alice@example.org") +
            struct.pack("=IQ", 2, 1000) + s32(b"FULL") + s32(b"id1"))
    mail_utf8 = (s32(b"c") + s32(b"UTF8SMTP") + struct.pack("=I", 1) +
                 s32("ü@exämple.org".encode()) + struct.pack("=IQ", 0, 0) +
                 s32(b"") + s32(b""))
    rcpt = s32(b"bob@example.com") + s32(b"SUCCESS,FAILURE") + \
        s32(b"rfc822;bob@example.com")
    spool_ok = struct.pack("=I", 1) + s32(b"0123456789abcdef")
    spool_no = struct.pack("=II", 0, 451) + s32(b"4.3.0 Try again later")
    data_end = struct.pack("=IQ", 1, 12345) + s32(b"")
    data_drop = struct.pack("=IQ", 0, 7) + s32(b"client disconnected in DATA")
    result = struct.pack("=I", 250) + s32(b"2.0.0 OK queued as x")
    log = struct.pack("=I", 6) + s32(b"session: hello\tworld")
    return {
        "mail": mail, "mail-utf8": mail_utf8, "rcpt": rcpt,
        "spool-ok": spool_ok, "spool-refused": spool_no,
        "data-end": data_end, "data-drop": data_drop,
        "result": result, "log": log,
        "violation": struct.pack("=I", 59), "empty": b"",
        "rec-data-begin": rec(DATA_BEGIN, b""),
        "rec-rset": rec(RSET, b""),
        "rec-mail": rec(MAIL, mail), "rec-rcpt": rec(RCPT, rcpt),
        "rec-spool": rec(SPOOL, spool_ok), "rec-data-end": rec(DATA_END,
                                                               data_end),
        "rec-result": rec(RESULT, result), "rec-log": rec(LOG, log),
        "rec-violation": rec(VIOLATION, struct.pack("=I", 59)),
        "rec-bad-length": struct.pack("=II", MAIL, 0xffffffff) + mail,
    }


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: make-seeds.py CORPUS_DIR\n")
        return 64
    corpus = argv[1]
    # The linereader keeps 1 KiB: a 70 KB line only slows its fuzzing.
    lines = {k: v for k, v in sessions().items() if k != "long-data-line"}
    sets = {"session": sessions(), "linereader": lines,
            "dataread": data_bodies(), "ipc": ipc_seeds(),
            "address": {"%02d" % i: bytes([f]) + a
                        for i, (f, a) in enumerate(ADDRESSES)}}
    for target, seeds in sets.items():
        d = os.path.join(corpus, target)
        os.makedirs(d, exist_ok=True)
        for name in os.listdir(d):
            if name.startswith("hand-"):
                os.unlink(os.path.join(d, name))
        for name, data in seeds.items():
            with open(os.path.join(d, "hand-" + name), "wb") as f:
                f.write(data)
    print("make-seeds: %d seeds" % sum(len(s) for s in sets.values()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

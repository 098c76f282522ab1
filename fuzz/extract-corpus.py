#!/usr/bin/env python3
"""Turn the shared conformance cases into fuzz seeds.

    fuzz/extract-corpus.py CASES_DIR CORPUS_DIR

For every CASES_DIR/*.case this writes the client's bytes, exactly as the
conformance runner would send them, to

    CORPUS_DIR/session/conf-NAME      the whole client stream
    CORPUS_DIR/linereader/conf-NAME   the same stream
    CORPUS_DIR/dataread/conf-NAME     what follows the first DATA command,
                                      if the case has one

The client's bytes are the `>` lines (TEXT then CR LF) and `>>` lines
(TEXT as is), in order, with the runner's escapes decoded (see
shared/conformance/README.md): \\r \\n \\t \\0 \\s \\\\ \\xHH \\{ \\} and
\\{N:TEXT} (TEXT N times, \\# the 1-based repetition number).  Write
splits, sleeps and expectations do not change the bytes and are ignored.
Both sides of a `?if` are kept: the seeds are a starting point for the
fuzzer, not a replay of one run.

Existing conf-* seeds are replaced; hand-made seeds are left alone.
Python 3 standard library only.
"""

import os
import re
import sys

SIMPLE = {"r": b"\r", "n": b"\n", "t": b"\t", "0": b"\0", "s": b" ",
          "\\": b"\\", "}": b"}"}
REPEAT = re.compile(r"\\\{(\d+):")


class CaseError(Exception):
    pass


def unescape(text, index=None):
    """The README's escapes, decoded to bytes."""
    out = bytearray()
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c != "\\":
            out += c.encode("utf-8")
            i += 1
            continue
        if i + 1 >= n:
            raise CaseError("dangling backslash")
        e = text[i + 1]
        if e in SIMPLE:
            out += SIMPLE[e]
            i += 2
        elif e == "#":
            if index is None:
                raise CaseError("\\# outside a repetition")
            out += str(index).encode()
            i += 2
        elif e == "x":
            hx = text[i + 2:i + 4]
            if not re.fullmatch(r"[0-9A-Fa-f]{2}", hx):
                raise CaseError("bad \\x escape")
            out.append(int(hx, 16))
            i += 4
        elif e == "{":
            m = REPEAT.match(text, i)
            if not m:
                out += b"{"
                i += 2
                continue
            # Find the matching "}", skipping escapes, counting nesting.
            j = k = m.end()
            depth = 1
            while k < n:
                if text[k] == "\\":
                    if REPEAT.match(text, k):
                        depth += 1
                    k += 2
                    continue
                if text[k] == "}":
                    depth -= 1
                    if depth == 0:
                        break
                k += 1
            if k >= n:
                raise CaseError("unterminated repetition")
            for r in range(1, int(m.group(1)) + 1):
                out += unescape(text[j:k], r)
            i = k + 1
        else:
            raise CaseError("unknown escape \\%s" % e)
    return bytes(out)


def client_bytes(path):
    """Everything the client sends in one case, in order."""
    with open(path, "rb") as f:
        lines = f.read().decode("utf-8").split("\n")
    out = bytearray()
    in_heredoc = None
    for lineno, line in enumerate(lines, 1):
        line = line.rstrip("\r")
        if in_heredoc is not None:
            # A delivery check's here-document: expected, not sent.
            if line == in_heredoc:
                in_heredoc = None
            continue
        try:
            if line.startswith(">>"):
                body = line[2:]
                out += unescape(body[1:] if body.startswith(" ") else body)
            elif line.startswith(">"):
                body = line[1:]
                out += unescape(body[1:] if body.startswith(" ") else body)
                out += b"\r\n"
            elif line.startswith("!"):
                m = re.match(r"^!\S+\s+<<(.*)$", line)
                if m:
                    in_heredoc = m.group(1).strip()
        except CaseError as e:
            raise CaseError("%s:%d: %s" % (path, lineno, e))
    return bytes(out)


DATA_CMD = re.compile(rb"(?:^|\r\n)DATA[ \t]*\r\n", re.IGNORECASE)


def after_data(stream):
    """What the DATA reader would see after the first DATA command."""
    m = DATA_CMD.search(stream)
    return stream[m.end():] if m else None


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: extract-corpus.py CASES_DIR CORPUS_DIR\n")
        return 64
    cases, corpus = argv[1], argv[2]
    targets = ("session", "linereader", "dataread")
    for t in targets:
        d = os.path.join(corpus, t)
        os.makedirs(d, exist_ok=True)
        for name in os.listdir(d):
            if name.startswith("conf-"):
                os.unlink(os.path.join(d, name))
    count = 0
    for name in sorted(os.listdir(cases)):
        if not name.endswith(".case"):
            continue
        stream = client_bytes(os.path.join(cases, name))
        seed = "conf-" + name[:-len(".case")]
        write(os.path.join(corpus, "session", seed), stream)
        write(os.path.join(corpus, "linereader", seed), stream)
        body = after_data(stream)
        if body:
            write(os.path.join(corpus, "dataread", seed), body)
        count += 1
    print("extract-corpus: %d cases" % count)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

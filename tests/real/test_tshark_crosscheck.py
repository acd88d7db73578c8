#!/usr/bin/env python3
"""Cross-check levin_census.py's TCP layer against tshark on the committed real captures.

For every tests/corpus/real/*.pcapng: frame count, number of TCP streams (tcp.stream) and
number of streams carrying payload must equal the census' frames, streams and connections
(the latter only because the corpus carries no non-Levin payload: the census' skipped_bytes
must be 0, which is asserted too), and the number of TCP segments whose payload starts with the
Levin signature must equal the number of Levin messages (true for these recordings: monerod
writes each message with one send, so every message starts a segment).
Exits 77 (skip) when tshark is not installed.
"""

import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
import levin_census as lc  # noqa: E402

CORPUS = os.path.join(HERE, "..", "corpus", "real")


def tshark_fields(path, fields, dfilter=None):
    cmd = ["tshark", "-n", "-r", path, "-T", "fields"]
    for f in fields:
        cmd += ["-e", f]
    if dfilter:
        cmd += ["-Y", dfilter]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return [line.split("\t") for line in out.splitlines()]


def main():
    if shutil.which("tshark") is None:
        print("SKIP: tshark not installed")
        return 77
    files = sorted(f for f in os.listdir(CORPUS) if f.endswith(".pcapng"))
    if not files:
        print("FAIL: no captures in %s" % CORPUS)
        return 1
    bad = 0
    for name in files:
        p = os.path.join(CORPUS, name)
        s = lc.census_file(p)["summary"]
        rows = tshark_fields(p, ["frame.number", "tcp.stream", "tcp.len"])
        frames = len(rows)
        streams = len({r[1] for r in rows if r[1]})
        with_payload = len({r[1] for r in rows if r[1] and r[2] and int(r[2]) > 0})
        sig = len(tshark_fields(p, ["frame.number"], "tcp.payload[0:8] == 01:21:01:01:01:01:01:01"))
        checks = [("frames", s["frames"], frames), ("streams", s["streams"], streams),
                  ("connections vs streams with payload", s["connections"], with_payload),
                  ("messages vs segments starting with the signature", s["messages"], sig),
                  ("census skipped_bytes", s["skipped_bytes"], 0)]
        for what, got, want in checks:
            ok = got == want
            bad |= not ok
            print("%s %s: %s census %d, tshark %d" % ("ok  " if ok else "FAIL", name, what, got, want))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

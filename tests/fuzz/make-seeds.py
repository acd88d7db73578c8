#!/usr/bin/env python3
"""make-seeds.py - (re)generates the binary seed corpora of the plugin-core harnesses.

Usage: make-seeds.py CORPUS_DIR OUT_DIR

Reads every capture under CORPUS_DIR (tests/corpus: synthetic + malformed) with the independent
stdlib decoder tests/tools/levin_census.py, collects the Levin messages it finds (header rebuilt
from the decoded fields, body as captured), keeps a small, diverse subset (per command/flags/
completeness, smallest first) and writes, in the input format of each harness:
  OUT_DIR/header/    33-byte header + up to 64 body bytes            (plugin/core/fuzz_header.cpp)
  OUT_DIR/walker/    selector byte (command index | response<<4) + body (fuzz_walker.cpp)
  OUT_DIR/fragment/  the message split into [flags][len][bytes] fragments B..E (fuzz_fragment.cpp)
  OUT_DIR/varint/    epee varints of every width, minimal and not                (fuzz_varint.cpp)
File names are the SHA-1 of the content (like libFuzzer's own corpus files). Deterministic.
"""
import hashlib
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import levin_census as lc  # noqa: E402

SIG = 0x0101010101012101
# command table of plugin/core/fuzz_walker.cpp (index = low 4 bits of the selector byte)
WALKER_CMDS = [1001, 1002, 1003, 1007, 2001, 2002, 2003, 2004, 2006, 2007, 2008, 2009, 2010, 0, 1004, 42]
PER_KIND = 3          # messages kept per (command, flags, complete)
MAX_BODY = 20000      # larger bodies are skipped (seeds stay small)


def collect(corpus):
    msgs = []
    orig_emit = lc.Census.emit

    def emit(self, parser, m, body, ts):
        msgs.append((dict(m), bytes(body)))
        return orig_emit(self, parser, m, body, ts)

    lc.Census.emit = emit
    for root, _dirs, files in sorted(os.walk(corpus)):
        for f in sorted(files):
            if f.endswith((".pcap", ".pcapng")):
                lc.census_file(os.path.join(root, f), False)
    lc.Census.emit = orig_emit
    return msgs


def header(m):
    return struct.pack("<QQBiiII", SIG, m["length"], m["expect"], m["command"] & 0xffffffff,
                       m["return_code"], m["flags"] & 0xffffffff, m["version"] & 0xffffffff)


def fragments(inner, chunk):
    out = bytearray()
    pieces = [inner[i:i + chunk] for i in range(0, len(inner), chunk)] or [b""]
    for i, p in enumerate(pieces):
        fl = 0
        if i == 0:
            fl |= 0x04
        if i == len(pieces) - 1:
            fl |= 0x08
        if i == 1:
            out += bytes([0x01, 0])   # an ordinary request in between: must not disturb the state
        out += bytes([fl, len(p)]) + p
    return bytes(out)


def varints():
    out = []
    for v in [0, 1, 63, 64, 300, 16383, 16384, (1 << 30) - 1, 1 << 30, (1 << 62) - 1]:
        for width, mark in ((1, 0), (2, 1), (4, 2), (8, 3)):
            if v < (1 << (8 * width - 2)):
                out.append(((v << 2) | mark).to_bytes(width, "little"))
    return out


def write(d, blobs):
    os.makedirs(d, exist_ok=True)
    n = 0
    for b in blobs:
        p = os.path.join(d, hashlib.sha1(b).hexdigest())
        if not os.path.exists(p):
            with open(p, "wb") as f:
                f.write(b)
            n += 1
    return n


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    corpus, out = sys.argv[1], sys.argv[2]
    msgs = collect(corpus)
    kinds = {}
    for m, body in sorted(msgs, key=lambda x: (len(x[1]), x[0]["command"], x[0]["flags"])):
        if len(body) > MAX_BODY:
            continue
        k = (m["command"], m["flags"], m["complete"])
        if len(kinds.setdefault(k, [])) < PER_KIND:
            kinds[k].append((m, body))
    chosen = [x for k in sorted(kinds) for x in kinds[k]]
    hdr, walk, frag = [], [], []
    for m, body in chosen:
        h = header(m)
        hdr.append(h + body[:64])
        cmd = m["command"]
        sel = (WALKER_CMDS.index(cmd) if cmd in WALKER_CMDS else 15) | (16 if m["flags"] & 2 else 0)
        walk.append(bytes([sel]) + body)
        if len(body) <= 4000:
            frag.append(fragments(h + body, 200))
    # one large message that overflows the harness's 4096-byte reassembly cap
    big = max(chosen, key=lambda x: len(x[1]))
    frag.append(fragments(header(big[0]) + big[1], 255))
    counts = {
        "header": write(os.path.join(out, "header"), hdr),
        "walker": write(os.path.join(out, "walker"), walk),
        "fragment": write(os.path.join(out, "fragment"), frag),
        "varint": write(os.path.join(out, "varint"), varints()),
    }
    print("messages read: %d, kinds: %d, new seed files: %s" % (len(msgs), len(kinds), counts))
    return 0


if __name__ == "__main__":
    sys.exit(main())

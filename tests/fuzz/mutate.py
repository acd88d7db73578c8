#!/usr/bin/env python3
"""mutate.py - one mutated capture for the whole-pipeline fuzzer (tests/fuzz/pipeline.sh).

Usage: mutate.py IN OUT SEED [OP]
  IN    pcap or pcapng; OUT is always written as classic pcap
  SEED  integer; the same (IN, SEED, OP) gives the same OUT
  OP    flip | flip-payload | snap | chop | truncate | shuffle | dup-drop | combo (default: chosen by SEED)
Prints "OP PACKETS" (PACKETS = complete records in OUT) on stdout.

  flip          editcap -E p (p in 0.0005..0.05) --seed: random byte errors anywhere in the frame
  flip-payload  the same with -o 54: headers of Ethernet/IPv4/TCP kept, errors land in the Levin bytes
  snap          editcap -s N: every packet cut to N bytes (partial captures, cf. the nDPI capture)
  chop          editcap -C [off:]N: N bytes removed from every packet
  truncate      the file cut at a random byte offset (last record incomplete)
  shuffle       records reordered inside random windows (out-of-order TCP segments)
  dup-drop      random records duplicated (retransmissions) or dropped (gaps)
  combo         shuffle + dup-drop, then flip-payload
"""
import os
import random
import struct
import subprocess
import sys
import tempfile

OPS = ["flip", "flip-payload", "snap", "chop", "truncate", "shuffle", "dup-drop", "combo"]


def editcap(args, src, dst):
    r = subprocess.run(["editcap", "-F", "pcap"] + args + [src, dst],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if r.returncode != 0 or not os.path.exists(dst):
        raise SystemExit("mutate.py: editcap %s failed: %s" % (args, r.stderr.decode(errors="replace")))


def read_pcap(path):
    data = open(path, "rb").read()
    if len(data) < 24:
        return data, []
    magic = data[:4]
    endian = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    recs, p = [], 24
    while p + 16 <= len(data):
        incl = struct.unpack(endian + "I", data[p + 8:p + 12])[0]
        if p + 16 + incl > len(data):
            break
        recs.append(data[p:p + 16 + incl])
        p += 16 + incl
    return data[:24], recs


def count(path):
    return len(read_pcap(path)[1])


def write_pcap(path, hdr, recs):
    with open(path, "wb") as f:
        f.write(hdr)
        for r in recs:
            f.write(r)


def main():
    if len(sys.argv) not in (4, 5):
        print(__doc__, file=sys.stderr)
        return 2
    src, out, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rng = random.Random(seed)
    op = sys.argv[4] if len(sys.argv) == 5 else rng.choice(OPS)
    if op not in OPS:
        print("mutate.py: unknown op %s" % op, file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as td:
        base = os.path.join(td, "base.pcap")
        editcap([], src, base)   # normalise to classic pcap
        hdr, recs = read_pcap(base)
        if op in ("flip", "flip-payload", "combo"):
            if op == "combo":
                recs = shuffled(rng, recs)
                recs = dup_drop(rng, recs)
                write_pcap(base, hdr, recs)
            p = rng.choice([0.0005, 0.002, 0.01, 0.05])
            extra = ["-o", "54"] if op != "flip" else []
            editcap(["-E", str(p), "--seed", str(seed & 0x7fffffff)] + extra, base, out)
        elif op == "snap":
            editcap(["-s", str(rng.randint(40, 1600))], base, out)
        elif op == "chop":
            n = rng.randint(1, 64)
            arg = ("%d:%d" % (rng.randint(54, 200), n)) if rng.random() < 0.7 else str(-n)
            editcap(["-C", arg], base, out)
        elif op == "truncate":
            data = open(base, "rb").read()
            cut = rng.randint(24, max(24, len(data) - 1))
            with open(out, "wb") as f:
                f.write(data[:cut])
        elif op == "shuffle":
            write_pcap(out, hdr, shuffled(rng, recs))
        elif op == "dup-drop":
            write_pcap(out, hdr, dup_drop(rng, recs))
    print(op, count(out))
    return 0


def shuffled(rng, recs):
    recs = list(recs)
    i = 0
    while i < len(recs):
        w = rng.randint(2, 12)
        if rng.random() < 0.3:
            win = recs[i:i + w]
            rng.shuffle(win)
            recs[i:i + w] = win
        i += w
    return recs


def dup_drop(rng, recs):
    out = []
    for r in recs:
        x = rng.random()
        if x < 0.03:
            continue            # dropped: a gap in the TCP stream
        out.append(r)
        if x > 0.97:
            out.append(r)       # duplicated: a retransmission
    return out


if __name__ == "__main__":
    sys.exit(main())

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

Batch mode (pipeline.sh: one tshark start-up for many mutated captures):
  mutate.py --batch OUT SEED IN...
  Variant j is exactly `mutate.py IN_j - SEED+j` (same op, same bytes), then its IPv4/IPv6
  addresses get byte 1 (IPv4) / byte 2 (IPv6) XORed with j mod 256, so the TCP conversations of
  different variants never merge in tshark (checksums are not verified by default), and its
  timestamps are shifted to follow the previous variant. All inputs must share one link type.
  Records are concatenated into OUT (classic pcap); the incomplete last record of a truncated
  variant is kept only if that variant is the last one. Prints "batch PACKETS VARIANTS", then
  one line per variant: "J SEED OP PACKETS IN".
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


def mutate(src, out, seed, op=None):
    """Writes the mutated capture OUT; returns the op. Deterministic in (src, seed, op)."""
    rng = random.Random(seed)
    if op is None:
        op = rng.choice(OPS)
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
    return op


def remap(endian, linktype, rec, j, shift):
    """Record with its addresses XORed with j (Ethernet / raw IP) and its time shifted by shift s."""
    b = bytearray(rec)
    sec = struct.unpack(endian + "I", b[0:4])[0]
    b[0:4] = struct.pack(endian + "I", (sec + shift) & 0xffffffff)
    k = j & 0xff
    if k:
        if linktype == 1 and len(b) >= 16 + 14:      # Ethernet, optionally one 802.1Q tag
            off, et = 16 + 14, b[16 + 12:16 + 14]
            if et == b"\x81\x00" and len(b) >= off + 4:
                et, off = b[off + 2:off + 4], off + 4
            ver = 4 if et == b"\x08\x00" else 6 if et == b"\x86\xdd" else 0
        elif linktype in (101, 228, 229) and len(b) > 16:   # raw IP
            off = 16
            ver = b[off] >> 4
        else:
            ver = 0
        if ver == 4 and len(b) >= off + 20:
            b[off + 13] ^= k
            b[off + 17] ^= k
        elif ver == 6 and len(b) >= off + 40:
            b[off + 10] ^= k
            b[off + 26] ^= k
    return bytes(b)


def batch(out, seed, srcs):
    lines, allrecs, tail, hdr0, endian0, link0 = [], [], b"", None, "<", None
    shift = 0
    with tempfile.TemporaryDirectory() as td:
        for j, src in enumerate(srcs):
            v = os.path.join(td, "v.pcap")
            op = mutate(src, v, seed + j)
            data = open(v, "rb").read()
            hdr, recs = read_pcap(v)
            if len(hdr) < 24:
                lines.append("%d %d %s 0 %s" % (j, seed + j, op, src))
                continue
            endian = "<" if hdr[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
            link = struct.unpack(endian + "I", hdr[20:24])[0] & 0x0fffffff
            if hdr0 is None:
                hdr0, endian0, link0 = hdr, endian, link
            if link != link0 or endian != endian0 or hdr[:4] != hdr0[:4]:
                raise SystemExit("mutate.py: --batch inputs differ in link type / byte order / "
                                 "time resolution (%s)" % src)
            if recs:
                secs = [struct.unpack(endian + "I", r[0:4])[0] for r in recs]
                base_shift = shift - min(secs)
                allrecs.extend(remap(endian, link, r, j, base_shift) for r in recs)
                shift = max(secs) + base_shift + 1
            used = 24 + sum(len(r) for r in recs)
            tail = data[used:] if used < len(data) else b""
            lines.append("%d %d %s %d %s" % (j, seed + j, op, len(recs), src))
    if hdr0 is None:
        raise SystemExit("mutate.py: --batch produced no capture")
    # header: snap length raised so that no variant's records exceed it
    hdr = hdr0[:16] + struct.pack(endian0 + "I", 262144) + hdr0[20:24]
    with open(out, "wb") as f:
        f.write(hdr)
        for r in allrecs:
            f.write(r)
        f.write(tail)            # the partial record of a truncated last variant (else empty)
    print("batch %d %d" % (len(allrecs), len(srcs)))
    for ln in lines:
        print(ln)


def main():
    if len(sys.argv) >= 5 and sys.argv[1] == "--batch":
        batch(sys.argv[2], int(sys.argv[3]), sys.argv[4:])
        return 0
    if len(sys.argv) not in (4, 5):
        print(__doc__, file=sys.stderr)
        return 2
    src, out, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    op = sys.argv[4] if len(sys.argv) == 5 else None
    if op is not None and op not in OPS:
        print("mutate.py: unknown op %s" % op, file=sys.stderr)
        return 2
    op = mutate(src, out, seed, op)
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

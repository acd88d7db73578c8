#!/usr/bin/env python3
"""Deterministic TCP disorder for classic pcap files (stdlib only; used by tcp_disorder.sh).

    tcp_disorder.py mutate IN.pcap OUT.pcap retx|ooo|both|drop SEED [--retx P] [--ooo P] [--drop P]
        retx  after a TCP data segment (payload > 0), with probability P (default 0.15), the same
              frame again right after it: a retransmission seen at the capture point
        ooo   a TCP data segment, with probability P (default 0.10), changes places with the next
              data segment of the same direction of the same connection (the capture sees the later
              one first); skipped when a frame of the reverse direction lies in between, so no ACK
              precedes the data it acknowledges. Timestamps stay with the positions (the file's
              time order is kept, only the contents move).
        both  first the swaps, then the retransmissions
        drop  a TCP data segment is left out with probability P (--drop, default 0.01) and never
              retransmitted: frames the capture itself lost (not a reordering; for measurements)
      Prints "frames=N data=D retx=R swaps=S dropped=X" on stdout. Input: classic pcap (either byte order,
      micro- or nanosecond), link type Ethernet, IPv4/IPv6 (optionally one 802.1Q tag).
    tcp_disorder.py summary RECORDS_FILE
        RECORDS_FILE holds `-q -z monero,records` (or `-T fields -e monero.record`) lines; prints a JSON
        object: messages per "command/msg_type", the sorted multiset of peer-list entries (each prefixed
        with the message's src:port>dst:port and command/msg_type), and the number of
        signature-only markers / messages. Records without a command (markers) are not messages.
    tcp_disorder.py compare CLEAN.json VARIANT.json [--sig-only-equal]
        two summaries: see compare() below.
"""
import json
import random
import struct
import sys
from collections import Counter
from urllib.parse import unquote

MAGICS = {b"\xd4\xc3\xb2\xa1": "<", b"\xa1\xb2\xc3\xd4": ">",      # microseconds
          b"\x4d\x3c\xb2\xa1": "<", b"\xa1\xb2\x3c\x4d": ">"}      # nanoseconds


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24 or data[:4] not in MAGICS:
        sys.exit("tcp_disorder.py: %s is not a classic pcap file (convert pcapng with editcap -F pcap)" % path)
    e = MAGICS[data[:4]]
    linktype = struct.unpack(e + "I", data[20:24])[0] & 0x0FFFFFFF
    if linktype != 1:
        sys.exit("tcp_disorder.py: %s: link type %d, only Ethernet (1) is supported" % (path, linktype))
    frames, off = [], 24
    while off + 16 <= len(data):
        ts_s, ts_f, incl, orig = struct.unpack(e + "IIII", data[off:off + 16])
        body = data[off + 16:off + 16 + incl]
        if len(body) != incl:
            sys.exit("tcp_disorder.py: %s: truncated record at offset %d" % (path, off))
        frames.append([ts_s, ts_f, body, orig])
        off += 16 + incl
    return data[:24], e, frames


def write_pcap(path, header, e, frames):
    with open(path, "wb") as f:
        f.write(header)
        for ts_s, ts_f, body, orig in frames:
            f.write(struct.pack(e + "IIII", ts_s, ts_f, len(body), orig))
            f.write(body)


def flow(body):
    """(src, sport, dst, dport, payload_len) of a TCP frame, else None."""
    off, ethertype = 14, body[12:14] if len(body) >= 14 else b""
    if ethertype == b"\x81\x00" and len(body) >= 18:
        ethertype, off = body[16:18], 18
    if ethertype == b"\x08\x00" and len(body) >= off + 20:
        ihl = (body[off] & 0x0F) * 4
        if body[off + 9] != 6 or ihl < 20:
            return None
        total = struct.unpack(">H", body[off + 2:off + 4])[0]
        src, dst, l3_end, th = body[off + 12:off + 16], body[off + 16:off + 20], off + total, off + ihl
    elif ethertype == b"\x86\xdd" and len(body) >= off + 40:
        if body[off + 6] != 6:
            return None
        plen = struct.unpack(">H", body[off + 4:off + 6])[0]
        src, dst, l3_end, th = body[off + 8:off + 24], body[off + 24:off + 40], off + 40 + plen, off + 40
    else:
        return None
    if len(body) < th + 20:
        return None
    sport, dport = struct.unpack(">HH", body[th:th + 4])
    doff = (body[th + 12] >> 4) * 4
    payload = min(l3_end, len(body)) - th - doff
    return src, sport, dst, dport, max(payload, 0)


def mutate(argv):
    src, dst, mode, seed = argv[0], argv[1], argv[2], int(argv[3])
    p_retx, p_ooo, p_drop = 0.15, 0.10, 0.01
    rest = argv[4:]
    while rest:
        if rest[0] == "--retx":
            p_retx = float(rest[1])
        elif rest[0] == "--ooo":
            p_ooo = float(rest[1])
        elif rest[0] == "--drop":
            p_drop = float(rest[1])
        else:
            sys.exit("tcp_disorder.py: unknown option " + rest[0])
        rest = rest[2:]
    if mode not in ("retx", "ooo", "both", "drop"):
        sys.exit("tcp_disorder.py: mode must be retx, ooo, both or drop")
    rng = random.Random(seed)
    header, e, frames = read_pcap(src)
    info = [flow(f[2]) for f in frames]
    data = sum(1 for i in info if i and i[4] > 0)
    swaps = retx = dropped = 0
    if mode == "drop":
        keep = [not (i and i[4] > 0 and rng.random() < p_drop) for i in info]
        dropped = keep.count(False)
        frames = [f for f, k in zip(frames, keep) if k]
    if mode in ("ooo", "both"):
        order = list(range(len(frames)))      # order[k]: which original frame's contents sit at position k
        moved = set()
        for k in range(len(order)):
            a = info[order[k]]
            if not a or a[4] == 0 or k in moved or rng.random() >= p_ooo:
                continue
            fwd, rev = a[:4], (a[2], a[3], a[0], a[1])
            for j in range(k + 1, min(k + 32, len(order))):
                b = info[order[j]]
                if not b:
                    continue
                if b[:4] == rev:
                    break                     # the peer answers in between: no realistic swap
                if b[:4] == fwd:
                    if b[4] > 0 and j not in moved:
                        order[k], order[j] = order[j], order[k]
                        moved.update((k, j))
                        swaps += 1
                    break
        frames = [[frames[k][0], frames[k][1], frames[order[k]][2], frames[order[k]][3]] for k in range(len(frames))]
        info = [info[order[k]] for k in range(len(frames))]
    if mode in ("retx", "both"):
        out = []
        for f, i in zip(frames, info):
            out.append(f)
            if i and i[4] > 0 and rng.random() < p_retx:
                out.append(list(f))
                retx += 1
        frames = out
    write_pcap(dst, header, e, frames)
    print("frames=%d data=%d retx=%d swaps=%d dropped=%d" % (len(frames), data, retx, swaps, dropped))


def summary(argv):
    messages, peers = Counter(), Counter()
    markers = sig_only = 0
    with open(argv[0], encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            for rec in line.split(","):
                kv = {}
                for item in rec.split("|"):
                    k, _, v = item.partition("=")
                    kv.setdefault(k, unquote(v))
                if "command" not in kv:
                    markers += 1
                    continue
                key = "%s/%s" % (kv["command"], kv.get("msg_type", "?"))
                messages[key] += 1
                sig_only += kv.get("sig_only") == "1"
                conn = "%s:%s>%s:%s %s" % (kv.get("src"), kv.get("srcport"), kv.get("dst"), kv.get("dstport"), key)
                for entry in kv.get("peerlist_compact", "").split(" "):
                    if entry:
                        peers[conn + " " + entry] += 1
    json.dump({"messages": dict(sorted(messages.items())), "total": sum(messages.values()),
               "peer_entries": sorted(peers.elements()), "markers": markers, "sig_only": sig_only},
              sys.stdout, indent=0)
    print()


def compare(argv):
    """compare CLEAN.json VARIANT.json [--sig-only-equal]: exit 1 (and say what differs) unless the
    messages per command/msg_type and the peer-list entry multisets are equal; the variant's
    signature-only count must not exceed the clean one (equal with --sig-only-equal: a swap can
    deliver the 8-byte signature segment together with the next one, which then is no longer
    signature-only, while retransmissions change nothing)."""
    with open(argv[0]) as f:
        a = json.load(f)
    with open(argv[1]) as f:
        b = json.load(f)
    bad = []
    if a["messages"] != b["messages"]:
        keys = sorted(set(a["messages"]) | set(b["messages"]))
        bad.append("messages " + ", ".join("%s: %s vs %s" % (k, a["messages"].get(k, 0), b["messages"].get(k, 0))
                                           for k in keys if a["messages"].get(k) != b["messages"].get(k)))
    if a["peer_entries"] != b["peer_entries"]:
        ca, cb = Counter(a["peer_entries"]), Counter(b["peer_entries"])
        bad.append("peer-list entries: %d vs %d (%d only in clean, %d only in variant)" % (
            len(a["peer_entries"]), len(b["peer_entries"]), sum((ca - cb).values()), sum((cb - ca).values())))
    if b["sig_only"] > a["sig_only"] or ("--sig-only-equal" in argv[2:] and b["sig_only"] != a["sig_only"]):
        bad.append("sig_only %d vs %d" % (a["sig_only"], b["sig_only"]))
    for line in bad:
        print(line)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    if len(sys.argv) >= 6 and sys.argv[1] == "mutate":
        mutate(sys.argv[2:])
    elif len(sys.argv) == 3 and sys.argv[1] == "summary":
        summary(sys.argv[2:])
    elif len(sys.argv) >= 4 and sys.argv[1] == "compare":
        compare(sys.argv[2:])
    else:
        sys.exit(__doc__)

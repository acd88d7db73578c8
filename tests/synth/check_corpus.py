#!/usr/bin/env python3
"""Independent decoder and ground-truth checker for the msc-synth corpus.

Written from the specs (levin-protocol.md, analysis-methods.md), sharing no code with the C++
generator: a pcap/pcapng reader, Ethernet/IPv4/IPv6/TCP parser with checksum verification, TCP
stream reassembly, a Levin + epee portable-storage decoder, and the paper-preset (P) rules of the
anomaly classes.  It decodes the capture files of a scenario, compares every decoded message with
<scenario>.truth.json, and recomputes the anomaly classes from the decoded traffic to compare them
with the labelled peers.

usage: check_corpus.py DIR SCENARIO [--no-classes]      exit 0 = everything matches
       check_corpus.py --malformed DIR                   robustness corpus: decoder must not crash
"""
import argparse
import collections
import ipaddress
import json
import os
import statistics
import struct
import sys

SIG = bytes.fromhex("0121010101010101")
STORAGE_MAGIC = bytes.fromhex("011101010101020101")
MAX_CB = 100_000_000
V1_BANNED = ["91.198.115.0/24", "100.42.27.0/24", "162.218.65.0/24", "193.142.4.0/24", "199.116.84.0/24",
             "209.222.252.0/24"]  # MRL ban list v1 /24s (analysis-methods.md §10)


class Fail(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# capture files
def read_capture(path):
    """Yields (ts_ns, frame bytes) for classic pcap (us/ns) and pcapng (EPB, any tsresol)."""
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        ns = magic == b"\x4d\x3c\xb2\xa1"
        linktype = struct.unpack_from("<I", data, 20)[0]
        if linktype != 1:
            raise Fail(f"{path}: linktype {linktype}")
        off = 24
        while off < len(data):
            if off + 16 > len(data):
                raise Fail(f"{path}: truncated record header")
            sec, frac, incl, orig = struct.unpack_from("<IIII", data, off)
            if incl != orig or off + 16 + incl > len(data):
                raise Fail(f"{path}: bad record lengths")
            yield sec * 10**9 + (frac if ns else frac * 1000), data[off + 16: off + 16 + incl]
            off += 16 + incl
    elif magic == b"\x0a\x0d\x0d\x0a":
        off = 0
        resol = {}
        nif = 0
        while off < len(data):
            btype, blen = struct.unpack_from("<II", data, off)
            if blen < 12 or blen % 4 or off + blen > len(data):
                raise Fail(f"{path}: bad block length {blen} at {off}")
            if struct.unpack_from("<I", data, off + blen - 4)[0] != blen:
                raise Fail(f"{path}: trailing block length mismatch at {off}")
            body = data[off + 8: off + blen - 4]
            if btype == 0x0A0D0D0A:
                if struct.unpack_from("<I", body, 0)[0] != 0x1A2B3C4D:
                    raise Fail(f"{path}: SHB byte-order magic")
            elif btype == 1:
                linktype = struct.unpack_from("<H", body, 0)[0]
                if linktype != 1:
                    raise Fail(f"{path}: IDB linktype {linktype}")
                r = 6  # default 10^-6
                o = 8
                while o + 4 <= len(body):
                    code, ln = struct.unpack_from("<HH", body, o)
                    if code == 0:
                        break
                    if code == 9:
                        v = body[o + 4]
                        r = v if v < 128 else None
                    o += 4 + ln + (-ln % 4)
                resol[nif] = r
                nif += 1
            elif btype == 6:
                ifid, hi, lo, cap, orig = struct.unpack_from("<IIIII", body, 0)
                if cap != orig or 20 + cap > len(body):
                    raise Fail(f"{path}: EPB lengths")
                ts = (hi << 32) | lo
                r = resol[ifid]
                ts_ns = ts * 10 ** (9 - r) if r <= 9 else ts // 10 ** (r - 9)
                yield ts_ns, body[20: 20 + cap]
            off += blen
    else:
        raise Fail(f"{path}: unknown capture format")


def csum(data, acc=0):
    if len(data) % 2:
        data += b"\x00"
    for (w,) in struct.iter_unpack("!H", data):
        acc += w
    while acc >> 16:
        acc = (acc & 0xFFFF) + (acc >> 16)
    return acc


def parse_frame(fr):
    eth = struct.unpack_from("!H", fr, 12)[0]
    if eth == 0x0800:
        ihl = (fr[14] & 0x0F) * 4
        total = struct.unpack_from("!H", fr, 16)[0]
        if csum(fr[14:14 + ihl]) != 0xFFFF:
            raise Fail("bad IPv4 header checksum")
        src, dst = fr[26:30], fr[30:34]
        seg = fr[14 + ihl: 14 + total]
        pseudo = src + dst + struct.pack("!BBH", 0, 6, len(seg))
        sip, dip = str(ipaddress.IPv4Address(src)), str(ipaddress.IPv4Address(dst))
    elif eth == 0x86DD:
        plen = struct.unpack_from("!H", fr, 18)[0]
        if fr[20] != 6:
            raise Fail("IPv6 next header is not TCP")
        src, dst = fr[22:38], fr[38:54]
        seg = fr[54:54 + plen]
        pseudo = src + dst + struct.pack("!IxxxB", len(seg), 6)
        sip, dip = str(ipaddress.IPv6Address(src)), str(ipaddress.IPv6Address(dst))
    else:
        raise Fail(f"ethertype {eth:#x}")
    if csum(pseudo + seg) != 0xFFFF:
        raise Fail("bad TCP checksum")
    sport, dport, seq, ack, off_flags, win = struct.unpack_from("!HHIIHH", seg, 0)
    hl = (off_flags >> 12) * 4
    return dict(src=sip, dst=dip, sport=sport, dport=dport, seq=seq, ack=ack, flags=off_flags & 0x3F,
                payload=bytes(seg[hl:]))


# ---------------------------------------------------------------------------------------------
# epee portable storage
class Bad(Exception):
    pass


class Reader:
    def __init__(self, b):
        self.b, self.o, self.nonminimal = b, 0, False

    def take(self, n):
        if n < 0 or self.o + n > len(self.b):
            raise Bad("read past end")
        r = self.b[self.o:self.o + n]
        self.o += n
        return r

    def varint(self):
        first = self.take(1)[0]
        w = 1 << (first & 3)
        raw = bytes([first]) + self.take(w - 1)
        v = int.from_bytes(raw, "little") >> 2
        minimal = 1 if v <= 63 else 2 if v <= 16383 else 4 if v <= 1073741823 else 8
        if w != minimal:
            self.nonminimal = True
        return v


SCALAR = {1: ("<q", 8), 2: ("<i", 4), 3: ("<h", 2), 4: ("<b", 1), 5: ("<Q", 8), 6: ("<I", 4), 7: ("<H", 2),
          8: ("<B", 1), 9: ("<d", 8)}
MIN_SIZE = {1: 8, 2: 4, 3: 2, 4: 1, 5: 8, 6: 4, 7: 2, 8: 1, 9: 8, 10: 1, 11: 1, 12: 1}


def read_value(r, t, depth):
    if t in SCALAR:
        fmt, n = SCALAR[t]
        return struct.unpack(fmt, r.take(n))[0]
    if t == 10:
        return r.take(r.varint())
    if t == 11:
        v = r.take(1)[0]
        if v > 1:
            raise Bad("bool out of range")
        return bool(v)
    if t == 12:
        return read_section(r, depth + 1)
    raise Bad(f"unknown type {t}")


def read_section(r, depth=0):
    if depth > 50:
        raise Bad("nesting too deep")
    n = r.varint()
    if n > len(r.b) - r.o:
        raise Bad("entry count exceeds data")
    entries = []
    for _ in range(n):
        kl = r.take(1)[0]
        if kl == 0:
            raise Bad("empty key")
        key = r.take(kl).decode("latin-1")
        t = r.take(1)[0]
        if t & 0x80:
            base = t & 0x7F
            if base not in MIN_SIZE:
                raise Bad(f"unknown array type {t:#x}")
            cnt = r.varint()
            if cnt * MIN_SIZE[base] > len(r.b) - r.o:
                raise Bad("array count exceeds data")
            val = [read_value(r, base, depth) for _ in range(cnt)]
        else:
            val = read_value(r, t, depth)
        entries.append((key, val))
    return entries


def decode_storage(body):
    if body[:9] != STORAGE_MAGIC:
        raise Bad("bad storage magic")
    r = Reader(body)
    r.o = 9
    sec = read_section(r)
    return sec, r.nonminimal


def get(sec, key):
    vals = [v for k, v in sec if k == key]
    if len(vals) > 1:
        raise Bad(f"duplicate key {key}")
    return vals[0] if vals else None


def body_meta(cmd, flags, body):
    """Returns (meta dict, well_formed) derived from the body alone."""
    meta = dict(peerlist_count=None, last_seen_entries=0, has_support_flags=None, peer_id=None)
    if cmd == 0 or len(body) == 0:
        return meta, True
    try:
        sec, _ = decode_storage(body)
        keys = [k for k, _ in sec]
        if len(set(keys)) != len(keys):
            raise Bad("duplicate keys")
        pl = get(sec, "local_peerlist_new")
        if pl is not None:
            cnt = collections.Counter()
            ls = 0
            for e in pl:
                adr = get(e, "adr")
                cnt[get(adr, "type")] += 1
                ls += get(e, "last_seen") is not None
            meta.update(peerlist_count=len(pl), peerlist_ipv4=cnt[1], peerlist_ipv6=cnt[2], peerlist_i2p=cnt[3],
                        peerlist_tor=cnt[4], last_seen_entries=ls)
            meta["entries"] = pl
        nd = get(sec, "node_data")
        if nd is not None:
            meta["has_support_flags"] = get(nd, "support_flags") is not None
            meta["peer_id"] = "0x%016x" % get(nd, "peer_id")
            meta["my_port"] = get(nd, "my_port")
            meta["local_time"] = get(nd, "local_time") is not None
        if cmd == 1003 and flags & 2:
            meta["ping_peer_id"] = "0x%016x" % get(sec, "peer_id")
            if get(sec, "status") != b"OK":
                raise Bad("ping status")
        return meta, True
    except (Bad, struct.error, TypeError, AttributeError) as e:
        meta["error"] = str(e)
        return meta, False


def classify(flags, expect, version, sig_ok=True):
    if not sig_ok:
        return 7
    if not flags & 3:
        b, e = flags & 4, flags & 8
        return 6 if b and e else 3 if b else 5 if e else 4
    if version == 1 and flags & 2:
        return 1
    return 0 if expect else 2


# ---------------------------------------------------------------------------------------------
# TCP reassembly + Levin framing
class Stream:
    def __init__(self):
        self.next = None
        self.buf = bytearray()
        self.segs = []  # [start offset in buf, length, frame]
        self.synced = False
        self.skipped = 0
        self.broken = None
        self.frag = None  # fragment reassembly buffer


def decode_file(path, file_idx, problems):
    streams = {}
    msgs = []
    per_frame = collections.Counter()
    nframes = 0
    for frame_no, (ts, fr) in enumerate(read_capture(path), 1):
        nframes = frame_no
        try:
            p = parse_frame(fr)
        except Fail as e:
            problems.append(f"{path} frame {frame_no}: {e}")
            continue
        key = (p["src"], p["sport"], p["dst"], p["dport"])
        rkey = (p["dst"], p["dport"], p["src"], p["sport"])
        s = streams.setdefault(key, Stream())
        other = streams.get(rkey)
        if p["flags"] & 0x10 and other is not None and other.next is not None:
            if (p["ack"] - other.next) % 2**32 not in (0,) and ((other.next - p["ack"]) % 2**32) > 2**31:
                problems.append(f"{path} frame {frame_no}: ACK of unseen data")
        if p["flags"] & 0x02:  # SYN
            s.next = (p["seq"] + 1) % 2**32
            s.synced = True
            continue
        pl = p["payload"]
        if s.next is None:
            s.next = p["seq"]
        if pl and p["seq"] != s.next:
            problems.append(f"{path} frame {frame_no}: sequence gap/reorder ({p['seq']} != {s.next})")
        s.next = (s.next + len(pl) + (1 if p["flags"] & 0x01 else 0)) % 2**32
        if not pl or s.broken:
            continue
        if not s.synced:
            if pl[:8] == SIG and not s.buf:
                s.synced = True
            else:
                s.skipped += len(pl)
                continue
        s.segs.append([len(s.buf), len(pl), frame_no])
        s.buf += pl
        while len(s.buf) >= 33 and not s.broken:
            sig, cb, expect, cmd, rc, flags, ver = struct.unpack_from("<QQBIiII", s.buf, 0)
            if s.buf[:8] != SIG:
                s.broken = "bad signature"
                break
            if cb > MAX_CB:
                s.broken = "absurd length"
                break
            total = 33 + cb
            if len(s.buf) < total:
                break
            mine = [sg for sg in s.segs if sg[0] < total]
            first = mine[0]
            m = dict(file=file_idx, frame=frame_no, index_in_frame=per_frame[frame_no], first_file=file_idx,
                     first_frame=first[2], time="%d.%09d" % divmod(ts, 10**9), src=p["src"], sport=p["sport"],
                     dst=p["dst"], dport=p["dport"], command=cmd, flags=flags, expect_response=expect != 0,
                     return_code=rc, length=cb, msg_type=classify(flags, expect, ver), segments=len(mine),
                     first_segment_len=min(first[1], total), sig_only=first[1] == 8 and first[0] == 0,
                     header_split=first[1] < 33)
            per_frame[frame_no] += 1
            body = bytes(s.buf[33:total])
            meta, ok = body_meta(cmd, flags, body)
            m.update(meta)
            m["well_formed"] = ok
            # Levin fragments: reassemble and decode the inner message
            if m["msg_type"] in (3, 4, 5):
                if m["msg_type"] == 3:
                    s.frag = bytearray()
                if s.frag is not None:
                    s.frag += body
                if m["msg_type"] == 5 and s.frag is not None:
                    inner = bytes(s.frag)
                    s.frag = None
                    icb, icmd = struct.unpack_from("<Q", inner, 8)[0], struct.unpack_from("<I", inner, 17)[0]
                    imeta, iok = body_meta(icmd, 1, inner[33:33 + icb])
                    m["inner"] = dict(command=icmd, length=icb, well_formed=iok and 33 + icb <= len(inner))
            msgs.append(m)
            del s.buf[:total]
            s.segs = [[a - total, n, f] for a, n, f in s.segs if a + n > total]
            for sg in s.segs:
                if sg[0] < 0:
                    sg[1] += sg[0]
                    sg[0] = 0
    leftovers = {k: (len(s.buf), s.skipped, s.broken) for k, s in streams.items() if s.buf or s.skipped or s.broken}
    return msgs, leftovers, nframes


# ---------------------------------------------------------------------------------------------
# paper-preset anomaly rules (analysis-methods.md §3, §4, §5.1, §7 column P)
def net24(ip):
    return ip.rsplit(".", 1)[0]


def compute_classes(msgs, vantage_ips, file_vantage):
    nonv = lambda ip: ip not in vantage_ips
    cls = collections.defaultdict(set)
    for m in msgs:
        if not nonv(m["src"]):
            continue
        if m["command"] == 1001 and m.get("has_support_flags") is False:
            cls[m["src"]].add("sf_omission")
        if m.get("last_seen_entries", 0) > 0:
            cls[m["src"]].add("ls_transmission")
        if m["sig_only"]:
            cls[m["src"]].add("sig_only")
    # peer lists: IPv4 entries only, as the reference implementation
    lists = []
    for m in msgs:
        if "entries" not in m or not nonv(m["src"]):
            continue
        ips = []
        for e in m["entries"]:
            a = get(get(e, "adr"), "addr")
            ip = get(a, "m_ip")
            if ip is not None:
                ips.append(str(ipaddress.IPv4Address(ip.to_bytes(4, "little"))))
        lists.append((file_vantage[m["file"]], m["src"], ips))
    for v, src, ips in lists:
        if len(ips) >= 250 and len({net24(i) for i in ips}) / len(ips) < 0.1:
            cls[src].add("pl_diversity")
    high = collections.Counter()
    by_v = collections.defaultdict(list)
    for v, src, ips in lists:
        if len(ips) > 249:
            by_v[v].append((src, {net24(i) for i in ips}))
    for v, ls in by_v.items():
        for i in range(len(ls)):
            for j in range(i + 1, len(ls)):
                (a, sa), (b, sb) = ls[i], ls[j]
                if a != b and len(sa & sb) / len(sa | sb) > 0.3:
                    high[a] += 1
                    high[b] += 1
    for ip, n in high.items():
        if n > 4:
            cls[ip].add("pl_similarity")
    # ID anomalies
    cur, seen, ids = {}, collections.defaultdict(set), collections.defaultdict(set)
    for m in sorted((m for m in msgs if m.get("peer_id") and nonv(m["src"])), key=lambda m: m["time"]):
        ip, pid = m["src"], m["peer_id"]
        if ip in cur and cur[ip] != pid and pid in seen[ip]:
            cls[ip].add("id_anomaly")
        cur[ip] = pid
        seen[ip].add(pid)
        ids[ip].add(pid)
    kept = {ip: s for ip, s in ids.items() if len(s) > 2}
    id2ips = collections.defaultdict(set)
    for ip, s in kept.items():
        for i in s:
            id2ips[i].add(ip)
    done = set()
    for ip in kept:
        if ip in done:
            continue
        comp, todo = set(), [ip]
        while todo:
            x = todo.pop()
            if x in comp:
                continue
            comp.add(x)
            for i in kept[x]:
                todo.extend(id2ips[i] - comp)
        done |= comp
        if len(comp) > 1:
            for x in comp:
                cls[x].add("id_anomaly")
    # connections (§3), per vantage
    conns = collections.defaultdict(list)
    for m in msgs:
        v = file_vantage[m["file"]]
        vip = vantage_ips_by_id[v]
        if m["src"] == vip:
            d = "out" if m["sport"] != 18080 else "in"
            peer, k = m["dst"], (v, m["sport"], m["dst"], m["dport"])
        elif m["dst"] == vip:
            d = "out" if m["dport"] != 18080 else "in"
            peer, k = m["src"], (v, m["dport"], m["src"], m["sport"])
        else:
            continue
        conns[k].append((float(m["time"]), m, peer, m["src"] == vip))
    short = collections.Counter()
    for k, recs in conns.items():
        recs.sort(key=lambda r: r[0])
        groups, g = [], [recs[0]]
        for r in recs[1:]:
            if r[0] - g[-1][0] > 120:
                groups.append(g)
                g = []
            g.append(r)
        groups.append(g)
        for g in groups:
            if len(g) < 2:
                continue
            peer = g[0][2]
            mine = [r[1] for r in g if r[3]]
            theirs = [r[1] for r in g if not r[3]]
            c = lambda ms, cmd, fl: sum(1 for x in ms if x["command"] == cmd and x["flags"] & fl)
            my_resp, peer_req, peer_resp, my_req = c(mine, 1002, 2), c(theirs, 1002, 1), c(theirs, 1002, 2), c(mine, 1002, 1)
            tcp_anom = my_resp - peer_req > 2 or peer_resp - my_req < -2
            hs = any(x["command"] == 1001 for x in mine) and any(x["command"] == 1001 for x in theirs)
            dur = g[-1][0] - g[0][0]
            pings = sum(1 for x in theirs if x["command"] == 1003)

            def interval(ms):
                ts = [float(x["time"]) for x in ms if x["command"] == 1002 and x["flags"] & 1]
                gaps = [b - a for a, b in zip(ts, ts[1:])]
                return min(statistics.median(gaps), statistics.mean(gaps)) if gaps else None
            own = interval(mine)
            peer_iv = interval(theirs) if (not tcp_anom and dur > 600 and own is not None and own < 62) else None
            if tcp_anom:
                cat = "incomplete_tcp"
            elif g[0][1]["command"] == 1003 and len(g) == 2:
                cat = "ping_exchange"
            elif not hs:
                cat = "incomplete_hs"
            elif dur < 1:
                cat = "short_lived_1"
            elif dur < 30:
                cat = "short_lived_10_30"
            elif pings > 2:
                cat = "ping_flooding"
            elif peer_iv is not None and peer_iv > 90:
                cat = "throttled_ts"
            else:
                cat = "standard"
            if cat == "short_lived_1":
                short[peer] += 1
            elif cat == "ping_flooding":
                cls[peer].add("ping_flooding")
            elif cat == "throttled_ts":
                cls[peer].add("throttled_ts")
            elif cat == "incomplete_tcp":
                raise Fail(f"connection {k} classified incomplete_tcp: the generator must not produce that")
    for ip, n in short.items():
        if n > 10:
            cls[ip].add("short_lived")
    # descriptive sets: ban list and /24 saturation over connecting IPs (V included, as the reference)
    banned = [ipaddress.ip_network(n) for n in BAN_NETS]
    connecting = {m["src"] for m in msgs}
    for ip in connecting:
        a = ipaddress.ip_address(ip)
        if any(a.version == n.version and a in n for n in banned):
            cls[ip].add("ban_listed")
    per24 = collections.defaultdict(set)
    for ip in connecting:
        if ":" not in ip:
            per24[net24(ip)].add(ip)
    counts = sorted((len(s) for s in per24.values()), reverse=True)
    cut = counts[15] if len(counts) > 15 else 0
    for n, s in per24.items():
        if len(s) > cut:
            for ip in s:
                cls[ip].add("subnet_saturation")
    return {ip: c for ip, c in cls.items() if nonv(ip)}


BAN_NETS = list(V1_BANNED)
vantage_ips_by_id = {}

COMPARE = ["src", "sport", "dst", "dport", "command", "flags", "expect_response", "return_code", "length",
           "msg_type", "sig_only", "segments", "header_split", "first_segment_len", "first_frame", "time",
           "peerlist_count", "last_seen_entries", "has_support_flags", "peer_id", "well_formed"]
OPTIONAL = ["peerlist_ipv4", "peerlist_ipv6", "peerlist_tor", "peerlist_i2p", "my_port", "local_time", "ping_peer_id"]


def check_scenario(d, scenario, classes=True):
    truth = json.load(open(os.path.join(d, scenario + ".truth.json")))
    problems = []
    decoded = []
    leftovers = {}
    for i, f in enumerate(truth["files"]):
        ms, left, nframes = decode_file(os.path.join(d, f["name"]), i, problems)
        decoded += ms
        leftovers[i] = left
    tmsgs = [m for m in truth["messages"] if m["file"] is not None]
    whole = {(m["file"], m["frame"], m["index_in_frame"]): m for m in tmsgs if m["first_file"] == m["file"]}
    dec = {(m["file"], m["frame"], m["index_in_frame"]): m for m in decoded}
    for k in sorted(set(whole) | set(dec)):
        t, m = whole.get(k), dec.get(k)
        if t is None or m is None:
            problems.append(f"message {k}: only in {'decoded' if t is None else 'truth'}")
            continue
        for f in COMPARE + [f for f in OPTIONAL if f in t or f in m]:
            if t.get(f) != m.get(f):
                problems.append(f"message {k} field {f}: truth {t.get(f)!r} decoded {m.get(f)!r}")
        if "inner" in m and not m["inner"]["well_formed"]:
            problems.append(f"message {k}: reassembled fragment does not decode")
    # messages crossing a file boundary: the later file must have skipped exactly their tail
    crossing = [m for m in tmsgs if m["first_file"] is not None and m["first_file"] != m["file"]]
    for m in crossing:
        sk = [s for (src, sp, dst, dp), (buf, s, br) in leftovers[m["file"]].items()
              if (src, sp, dst, dp) == (m["src"], m["sport"], m["dst"], m["dport"])]
        if not sk or sk[0] <= 0:
            problems.append(f"crossing message at file {m['file']} frame {m['frame']}: no mid-message start seen")
    for fi, left in leftovers.items():
        for k, (buf, skipped, broken) in left.items():
            if broken:
                problems.append(f"file {fi} stream {k}: {broken}")
    # summary counts
    by_cmd = collections.Counter(str(m["command"]) for m in tmsgs)
    if dict(by_cmd) != truth["summary"]["by_command"]:
        problems.append("summary.by_command does not match the message list")
    fv = {i: f["vantage"] for i, f in enumerate(truth["files"])}
    vips = set()
    for v in truth["vantages"]:
        vips.add(v["ip"])
        vantage_ips_by_id[v["id"]] = v["ip"]
    n_checked = 0
    if classes:
        got = compute_classes(decoded, vips, fv)
        labelled = {}
        for p in truth["peers"]:
            labelled.setdefault(p["ip"], set()).update(p["classes"])
        for ip in sorted(set(labelled) | set(got)):
            want, have = labelled.get(ip, set()), got.get(ip, set())
            n_checked += 1
            if want != have:
                problems.append(f"peer {ip}: truth classes {sorted(want)} but decoded traffic gives {sorted(have)}")
    return problems, len(decoded), len(crossing), n_checked


def check_malformed(d):
    problems = []
    n = 0
    for name in sorted(os.listdir(d)):
        if not name.endswith(".pcap"):
            continue
        desc = json.load(open(os.path.join(d, name[:-5] + ".json")))
        msgs, left, nframes = decode_file(os.path.join(d, name), 0, problems)
        n += 1
        defect = desc["defect"]
        broken = [b for (_, _, b) in left.values() if b]
        if defect == "bad_signature" and broken != ["bad signature"]:
            problems.append(f"{name}: expected bad signature, got {broken}")
        elif defect in ("absurd_length", "oversize_length") and broken != ["absurd length"]:
            problems.append(f"{name}: expected absurd length, got {broken}")
        elif defect == "truncated_payload" and (msgs or not any(buf for buf, _, _ in left.values())):
            problems.append(f"{name}: expected an incomplete message")
        elif defect == "nonminimal_varints":
            if len(msgs) != 1 or not msgs[0]["well_formed"]:
                problems.append(f"{name}: expected one decodable message")
        elif defect not in ("bad_signature", "absurd_length", "oversize_length", "truncated_payload", "nonminimal_varints"):
            if len(msgs) != 1 or msgs[0]["well_formed"]:
                problems.append(f"{name}: expected one undecodable message, got {[m.get('error') for m in msgs]}")
        if msgs and msgs[0]["first_frame"] != desc["first_frame"]:
            problems.append(f"{name}: first frame {msgs[0]['first_frame']} != description {desc['first_frame']}")
    return problems, n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("scenario", nargs="?")
    ap.add_argument("--malformed", action="store_true")
    ap.add_argument("--no-classes", action="store_true")
    ap.add_argument("--commands", help="commands that must all occur, e.g. 1001-1007,2001-2004,2006-2010")
    ap.add_argument("--ban-list", action="append", default=[], help="extra ban-list file(s) to match against")
    a = ap.parse_args()
    for path in a.ban_list:
        for line in open(path):
            line = line.split("#", 1)[0].strip()
            if line:
                BAN_NETS.append(line if "/" in line else line + ("/128" if ":" in line else "/32"))
    if a.malformed:
        problems, n = check_malformed(a.dir)
        summary = f"malformed: {n} files"
    else:
        problems, n, crossing, nc = check_scenario(a.dir, a.scenario, not a.no_classes)
        if a.commands:
            want = set()
            for part in a.commands.split(","):
                lo, _, hi = part.partition("-")
                want |= set(range(int(lo), int(hi or lo) + 1))
            truth = json.load(open(os.path.join(a.dir, a.scenario + ".truth.json")))
            missing = want - {m["command"] for m in truth["messages"] if m["file"] is not None}
            if missing:
                problems.append(f"commands missing from the scenario: {sorted(missing)}")
        summary = f"{a.scenario}: {n} messages decoded, {crossing} crossing files, {nc} peers class-checked"
    for p in problems[:50]:
        print("FAIL:", p)
    print(summary, "->", "OK" if not problems else f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Fail as e:
        print("FAIL:", e)
        sys.exit(1)

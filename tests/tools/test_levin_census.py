#!/usr/bin/env python3
"""Unit tests for levin_census.py on hand-built captures (python unittest, stdlib only)."""

import io
import json
import os
import random
import struct
import subprocess
import sys
import tempfile
import unittest
from contextlib import redirect_stdout, redirect_stderr

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import levin_census as lc  # noqa: E402

SIG = bytes.fromhex("0121010101010101")
PS = bytes.fromhex("011101010101020101")

# levin-protocol.md section 1.5 test vectors
PING_REQ = bytes.fromhex(
    "0121010101010101" "0a00000000000000" "01" "eb030000" "00000000" "01000000" "01000000"
    "01110101010102010100")
PING_RESP = bytes.fromhex(
    "0121010101010101" "2600000000000000" "00" "eb030000" "01000000" "02000000" "01000000"
    "011101010101020101" "08" "07" + b"peer_id".hex() + "05" "efcdab8967452301"
    "06" + b"status".hex() + "0a" "08" + b"OK".hex())


# ---- a tiny independent epee writer ------------------------------------------------------
def varint(n):
    if n < 64:
        return bytes([n << 2])
    if n < 16384:
        return struct.pack("<H", (n << 2) | 1)
    if n < 1 << 30:
        return struct.pack("<I", (n << 2) | 2)
    return struct.pack("<Q", (n << 2) | 3)


def ps_section(items):
    """items: list of (key, type, encoded_value_bytes)."""
    out = varint(len(items))
    for k, t, v in sorted(items):
        out += bytes([len(k)]) + k.encode() + bytes([t]) + v
    return out


def u64(v):
    return struct.pack("<Q", v)


def u32(v):
    return struct.pack("<I", v)


def u16(v):
    return struct.pack("<H", v)


def pstr(b):
    return varint(len(b)) + b


def peer_entry(ip, port, pid, last_seen=None):
    addr = ps_section([("m_ip", 6, bytes(ip)), ("m_port", 7, u16(port))])
    adr = ps_section([("addr", 12, addr), ("type", 8, b"\x01")])
    items = [("adr", 12, adr), ("id", 5, u64(pid))]
    if last_seen is not None:
        items.append(("last_seen", 1, struct.pack("<q", last_seen)))
    return ps_section(items)


def peer_entry6(ip16, port, pid):
    addr = ps_section([("addr", 10, pstr(ip16)), ("m_port", 7, u16(port))])
    adr = ps_section([("addr", 12, addr), ("type", 8, b"\x02")])
    return ps_section([("adr", 12, adr), ("id", 5, u64(pid))])


def node_data(pid, port, sf=True):
    items = [("my_port", 6, u32(port)), ("network_id", 10, pstr(bytes(16))), ("peer_id", 5, u64(pid))]
    if sf:
        items.append(("support_flags", 6, u32(1)))
    return ps_section(items)


def payload_data(h):
    return ps_section([("cumulative_difficulty", 5, u64(h)), ("cumulative_difficulty_top64", 5, u64(0)),
                       ("current_height", 5, u64(h)), ("top_id", 10, pstr(bytes(32))),
                       ("top_version", 8, b"\x10")])


def levin(cmd, body, flags, expect=0, rc=0, version=1):
    return SIG + struct.pack("<QBIiII", len(body), expect, cmd, rc, flags, version) + body


def hs_req(pid=0x1122334455667788, port=18080, sf=True):
    body = PS + ps_section([("node_data", 12, node_data(pid, port, sf)), ("payload_data", 12, payload_data(5))])
    return levin(1001, body, 1, expect=1)


def hs_resp(entries, pid=0x99, sf=True):
    items = [("node_data", 12, node_data(pid, 18080, sf)), ("payload_data", 12, payload_data(5))]
    if entries:
        items.append(("local_peerlist_new", 0x8C, varint(len(entries)) + b"".join(entries)))
    return levin(1001, PS + ps_section(items), 2, rc=1)


# ---- capture writers ----------------------------------------------------------------------
def ip4(s):
    return bytes(int(x) for x in s.split("."))


def tcp_seg(sport, dport, seq, payload, flags=0x18, ack=1):
    return struct.pack(">HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload


def ipv4_pkt(src, dst, tcp):
    hdr = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0, ip4(src), ip4(dst))
    return hdr + tcp


def ipv6_pkt(src16, dst16, tcp):
    return struct.pack(">IHBB16s16s", 6 << 28, len(tcp), 6, 64, src16, dst16) + tcp


def eth(pkt, et=0x0800):
    return b"\x02" * 6 + b"\x04" * 6 + struct.pack(">H", et) + pkt


def sll2(pkt, et=0x86DD):
    return struct.pack(">HHIHBB8s", et, 0, 2, 1, 0, 6, b"\x00" * 8) + pkt


def write_pcap(path, frames, linktype=1, nano=False):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B23C4D if nano else 0xA1B2C3D4, 2, 4, 0, 0, 262144, linktype))
        for i, data in enumerate(frames):
            f.write(struct.pack("<IIII", 1700000000 + i, 500, len(data), len(data)) + data)


def write_pcapng(path, frames, linktype=1):
    def block(t, body):
        body += b"\x00" * ((4 - len(body) % 4) % 4)
        ln = len(body) + 12
        return struct.pack("<II", t, ln) + body + struct.pack("<I", ln)
    with open(path, "wb") as f:
        f.write(block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)))
        opts = struct.pack("<HHB3x", 9, 1, 9) + struct.pack("<HH", 0, 0)  # if_tsresol = ns
        f.write(block(1, struct.pack("<HHI", linktype, 0, 0) + opts))
        for i, data in enumerate(frames):
            ts = (1700000000 + i) * 1_000_000_000 + 123
            f.write(block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(data), len(data)) + data))


class Conv:
    """Builds IPv4/Ethernet frames for one TCP connection."""

    def __init__(self, a="198.51.100.1", ap=40000, b="198.51.100.2", bp=18080, isn_a=1000, isn_b=5000):
        self.a, self.ap, self.b, self.bp = a, ap, b, bp
        self.seq = {0: isn_a, 1: isn_b}

    def syn(self):
        fa = eth(ipv4_pkt(self.a, self.b, tcp_seg(self.ap, self.bp, self.seq[0], b"", 0x02, 0)))
        fb = eth(ipv4_pkt(self.b, self.a, tcp_seg(self.bp, self.ap, self.seq[1], b"", 0x12)))
        self.seq[0] += 1
        self.seq[1] += 1
        return [fa, fb]

    def data(self, side, payload, seq=None, advance=True):
        s = self.seq[side] if seq is None else seq
        src, sp, dst, dp = (self.a, self.ap, self.b, self.bp) if side == 0 else (self.b, self.bp, self.a, self.ap)
        fr = eth(ipv4_pkt(src, dst, tcp_seg(sp, dp, s & 0xFFFFFFFF, payload)))
        if advance and seq is None:
            self.seq[side] += len(payload)
        return fr


def run(frames, kind="pcap", **kw):
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "x." + kind)
        (write_pcap if kind == "pcap" else write_pcapng)(p, frames, **kw)
        return lc.census_file(p, keep_messages=True)


class TestEpee(unittest.TestCase):
    def test_ping_vectors(self):
        c = Conv()
        r = run(c.syn() + [c.data(0, PING_REQ), c.data(1, PING_RESP)])
        self.assertIsNone(r["error"])
        ms = r["messages"]
        self.assertEqual([(m["command"], m["class"], m["frame"]) for m in ms],
                         [(1003, "request", 3), (1003, "response", 4)])
        self.assertEqual(ms[1]["ping"], {"status": "OK", "peer_id": "0x0123456789abcdef"})
        self.assertEqual(ms[0]["root_keys"], [])
        self.assertEqual(ms[1]["return_code"], 1)
        self.assertEqual(r["summary"]["by_command"]["1003"]["request"], 1)
        self.assertEqual(r["summary"]["connections"], 1)

    def test_varint_widths(self):
        for n in (0, 7, 63, 64, 101, 16383, 16384, 17000, 1 << 31):
            rd = lc.PSReader(varint(n))
            self.assertEqual(rd.varint(), n)
        self.assertEqual(varint(17000), bytes.fromhex("a2090100"))

    def test_hostile_bodies(self):
        # huge array count, huge string length, deep nesting, bad bool, duplicate key, unknown type
        bad = [
            PS + varint(1) + b"\x01a" + b"\x8c" + varint(1 << 40),
            PS + varint(1) + b"\x01a" + b"\x0a" + varint(1 << 40),
            PS + (varint(1) + b"\x01a\x0c") * 200 + varint(0),
            PS + varint(1) + b"\x01a\x0b\x02",
            PS + varint(2) + b"\x01a\x08\x01" + b"\x01a\x08\x01",
            PS + varint(1) + b"\x01a\x0e\x00",
            PS + varint(1) + b"\x00",
            b"\x01\x11",
        ]
        for b in bad:
            root, err, _ = lc.ps_decode(b)
            self.assertIsNone(root)
            self.assertIsInstance(err, str)


class TestReassembly(unittest.TestCase):
    def test_two_messages_one_frame_and_split(self):
        c = Conv()
        req = hs_req()
        entries = [peer_entry((203, 0, 113, i), 18080, i) for i in range(40)]
        entries += [peer_entry((198, 18, 0, i), 18080, 1000 + i, last_seen=1700000000) for i in range(3)]
        entries += [peer_entry6(bytes(15) + b"\x01", 18080, 7)]
        resp = hs_resp(entries, sf=False)
        frames = c.syn()
        frames.append(c.data(0, req[:8]))  # signature only
        frames.append(c.data(0, req[8:20]))
        frames.append(c.data(0, req[20:]))
        frames.append(c.data(1, resp + PING_REQ))  # two messages in one frame
        r = run(frames)
        ms = r["messages"]
        self.assertEqual(len(ms), 3)
        m0, m1, m2 = ms
        self.assertEqual((m0["frame"], m0["first_frame"], m0["segments"], m0["sig_only"]), (5, 3, 3, True))
        self.assertEqual(m0["node_data"]["peer_id"], "0x1122334455667788")
        self.assertEqual(m0["node_data"]["support_flags"], 1)
        self.assertEqual((m1["frame"], m1["index"], m1["command"], m1["class"]), (6, 0, 1001, "response"))
        self.assertEqual((m2["frame"], m2["index"], m2["command"]), (6, 1, 1003))
        self.assertFalse(m1["sig_only"])
        self.assertEqual(m1["peerlist"], {"declared": 44, "entries": 44, "ipv4": 43, "ipv6": 1, "other": 0,
                                          "last_seen": 3, "distinct_24": 2})
        s = r["summary"]
        self.assertEqual(s["sig_only"], 1)
        self.assertEqual(s["handshakes"], {"requests": 1, "responses": 1, "streams_complete": 1})
        self.assertEqual(s["peer_list_sizes"], {"44": 1})
        self.assertEqual(s["last_seen_entries"], 3)
        self.assertEqual(s["node_data"], {"messages": 2, "support_flags_absent": 1, "peer_ids": 2})
        self.assertEqual(m0["time"], "1700000004.000500000")

    def test_out_of_order_and_retransmission(self):
        c = Conv()
        msg = hs_resp([peer_entry((203, 0, 113, i), 1, i) for i in range(250)])
        self.assertGreater(len(msg), 6000)
        frames = c.syn()
        base = c.seq[1]
        parts = [(0, 1000), (1000, 3000), (3000, len(msg))]
        frames.append(c.data(1, msg[2000:4000], seq=base + 2000))  # overlapping, early
        frames.append(c.data(1, msg[3000:], seq=base + 3000))  # later segment first
        frames.append(c.data(1, msg[0:1000], seq=base))
        frames.append(c.data(1, msg[0:1000], seq=base))  # pure retransmission
        frames.append(c.data(1, msg[1000:3000], seq=base + 1000))
        del parts
        r = run(frames)
        ms = r["messages"]
        self.assertEqual(len(ms), 1)
        self.assertTrue(ms[0]["complete"])
        self.assertTrue(ms[0]["decoded"])
        self.assertEqual(ms[0]["peerlist"]["entries"], 250)
        self.assertEqual(ms[0]["frame"], 7)  # the segment that completed the contiguous stream
        self.assertEqual(r["summary"]["peer_list_sizes"], {"250": 1})
        self.assertGreater(r["summary"]["retransmitted_bytes"], 1000)
        self.assertEqual(r["summary"]["gaps"], 0)

    def test_gap_then_resync(self):
        c = Conv()
        big = hs_resp([peer_entry((203, 0, 113, i), 1, i) for i in range(100)])
        frames = c.syn()
        base = c.seq[1]
        frames.append(c.data(1, big[:500], seq=base))
        # bytes [500, 1500) are never captured; then the rest of 'big', garbage, and a ping
        tail = big[1500:] + b"\xff" * 13 + PING_RESP
        frames.append(c.data(1, tail, seq=base + 1500))
        r = run(frames)
        ms = r["messages"]
        self.assertEqual(len(ms), 2)
        self.assertFalse(ms[0]["complete"])
        self.assertEqual(ms[0]["incomplete_reason"], "gap")
        self.assertEqual(ms[0]["body_bytes"], 500 - 33)
        self.assertEqual((ms[1]["command"], ms[1]["class"], ms[1]["complete"]), (1003, "response", True))
        self.assertEqual(ms[1]["ping"]["status"], "OK")
        s = r["summary"]
        self.assertEqual((s["gaps"], s["messages"], s["incomplete"]), (1, 1, 1))
        self.assertEqual(s["skipped_bytes"], len(big) - 1500 + 13)

    def test_seq_wraparound_and_new_stream_on_syn(self):
        c = Conv(isn_a=0xFFFFFFF0)
        frames = c.syn()
        frames.append(c.data(0, PING_REQ[:10]))
        frames.append(c.data(0, PING_REQ[10:]))  # crosses 2^32
        frames.append(c.data(1, PING_RESP))
        fin = eth(ipv4_pkt(c.a, c.b, tcp_seg(c.ap, c.bp, c.seq[0] & 0xFFFFFFFF, b"", 0x11)))
        fin2 = eth(ipv4_pkt(c.b, c.a, tcp_seg(c.bp, c.ap, c.seq[1], b"", 0x11)))
        c2 = Conv(isn_a=77, isn_b=99)
        frames += [fin, fin2] + c2.syn() + [c2.data(0, PING_REQ)]
        r = run(frames)
        self.assertEqual([(m["stream"], m["command"], m["class"]) for m in r["messages"]],
                         [(0, 1003, "request"), (0, 1003, "response"), (1, 1003, "request")])
        self.assertEqual(r["summary"]["streams"], 2)
        self.assertEqual(r["summary"]["connections"], 2)

    def test_non_levin_stream_is_not_a_connection(self):
        c = Conv(bp=80)
        frames = c.syn() + [c.data(0, b"GET / HTTP/1.1\r\n\r\n"), c.data(1, b"HTTP/1.1 200 OK\r\n\r\n")]
        r = run(frames)
        self.assertEqual(r["summary"]["connections"], 0)
        self.assertEqual(r["summary"]["messages"], 0)
        self.assertEqual(r["summary"]["streams"], 1)

    def test_oversize_header_resyncs(self):
        c = Conv()
        bogus = SIG + struct.pack("<QBIiII", 1 << 60, 1, 1001, 0, 1, 1)
        r = run(c.syn() + [c.data(0, bogus + PING_REQ)])
        self.assertEqual([m["command"] for m in r["messages"]], [1003])
        self.assertGreaterEqual(r["summary"]["errors"], 1)


class TestFormats(unittest.TestCase):
    def test_pcapng_sll2_ipv6_nanoseconds(self):
        a6 = bytes.fromhex("20010db8000000000000000000000001")
        b6 = bytes.fromhex("20010db8000000000000000000000002")
        frames = [sll2(ipv6_pkt(a6, b6, tcp_seg(5555, 18080, 10, PING_REQ))),
                  sll2(ipv6_pkt(b6, a6, tcp_seg(18080, 5555, 20, PING_RESP)))]
        r = run(frames, kind="pcapng", linktype=276)
        self.assertIsNone(r["error"])
        ms = r["messages"]
        self.assertEqual([(m["src"], m["dst"], m["sport"]) for m in ms],
                         [("2001:db8::1", "2001:db8::2", 5555), ("2001:db8::2", "2001:db8::1", 18080)])
        self.assertEqual(ms[0]["time"], "1700000000.000000123")

    def test_raw_ip_and_sll_and_nano_pcap(self):
        c = Conv()
        raw = [f[14:] for f in c.syn() + [c.data(0, PING_REQ)]]
        r = run(raw, linktype=101, nano=True)
        self.assertEqual([m["command"] for m in r["messages"]], [1003])
        self.assertEqual(r["messages"][0]["time"], "1700000002.000000500")
        sll = [struct.pack(">HHH8sH", 0, 1, 6, b"\x00" * 8, 0x0800) + p for p in raw]
        r = run(sll, linktype=113)
        self.assertEqual([m["command"] for m in r["messages"]], [1003])

    def test_big_endian_pcap(self):
        c = Conv()
        frames = c.syn() + [c.data(0, PING_REQ)]
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "be.pcap")
            with open(p, "wb") as f:
                f.write(struct.pack(">IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
                for i, fr in enumerate(frames):
                    f.write(struct.pack(">IIII", 5 + i, 0, len(fr), len(fr)) + fr)
            r = lc.census_file(p, keep_messages=True)
        self.assertEqual([m["command"] for m in r["messages"]], [1003])


class TestRobustness(unittest.TestCase):
    def test_not_a_capture_and_missing_file(self):
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "junk")
            with open(p, "wb") as f:
                f.write(b"hello world, not a pcap")
            r = lc.census_file(p)
            self.assertIn("not a pcap", r["error"])
            r = lc.census_file(os.path.join(d, "missing.pcap"))
            self.assertIn("cannot read", r["error"])
            out, err = io.StringIO(), io.StringIO()
            with redirect_stdout(out), redirect_stderr(err):
                rc = lc.main([p, "--json"])
            self.assertEqual(rc, 1)
            self.assertEqual(json.loads(out.getvalue())["files"][0]["error"][:10], "not a pcap")

    def test_truncated_file(self):
        c = Conv()
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "t.pcap")
            write_pcap(p, c.syn() + [c.data(0, PING_REQ), c.data(1, PING_RESP)])
            with open(p, "rb") as f:
                data = f.read()
            with open(p, "wb") as f:
                f.write(data[:-20])
            r = lc.census_file(p, keep_messages=True)
        self.assertIsNone(r["error"])
        self.assertEqual([m["command"] for m in r["messages"]], [1003])
        self.assertTrue(any("truncated" in e for e in r["summary"]["error_samples"]))

    def test_random_mutations_never_crash(self):
        c = Conv()
        entries = [peer_entry((203, 0, 113, i), 1, i) for i in range(30)]
        frames = c.syn() + [c.data(0, hs_req()), c.data(1, hs_resp(entries)), c.data(0, PING_REQ)]
        rnd = random.Random(1234)
        with tempfile.TemporaryDirectory() as d:
            for kind in ("pcap", "pcapng"):
                p = os.path.join(d, "m." + kind)
                (write_pcap if kind == "pcap" else write_pcapng)(p, frames)
                with open(p, "rb") as f:
                    base = bytearray(f.read())
                for _ in range(150):
                    b = bytearray(base)
                    for _ in range(rnd.randint(1, 12)):
                        i = rnd.randrange(len(b))
                        b[i] = rnd.randrange(256)
                    if rnd.random() < 0.3:
                        b = b[:rnd.randrange(len(b))]
                    with open(p, "wb") as f:
                        f.write(b)
                    r = lc.census_file(p, keep_messages=True)
                    samples = r["summary"]["error_samples"]
                    self.assertFalse(any("internal error" in e for e in samples), samples)
                    self.assertFalse(r["error"] and "internal error" in r["error"], r["error"])
                    json.dumps(r)

    def test_cli_text_and_json(self):
        c = Conv()
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "x.pcap")
            write_pcap(p, c.syn() + [c.data(0, PING_REQ), c.data(1, PING_RESP)])
            tool = os.path.join(HERE, "levin_census.py")
            out = subprocess.run([sys.executable, tool, p, p, "--json", "--messages"],
                                 capture_output=True, text=True, check=True).stdout
            doc = json.loads(out)
            self.assertEqual(doc["total"]["by_command"]["1003"], {"request": 2, "response": 2,
                                                                   "notification": 0, "other": 0})
            self.assertEqual(len(doc["files"][0]["messages"]), 2)
            txt = subprocess.run([sys.executable, tool, p], capture_output=True, text=True, check=True).stdout
            self.assertIn("1003  req      1  resp      1", txt)
            bad = subprocess.run([sys.executable, tool, "--bogus"], capture_output=True, text=True)
            self.assertEqual(bad.returncode, 2)


if __name__ == "__main__":
    unittest.main(verbosity=1)

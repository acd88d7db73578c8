#!/usr/bin/env python3
"""levin_census.py - independent census of Monero Levin traffic in pcap/pcapng files.

Pure Python 3 standard library.  It is deliberately independent of the moneroscope C++
code and of Wireshark, so that tests can measure captures with a second implementation.

Usage:
    levin_census.py FILE... [--json] [--messages] [--max-errors N]

Input: classic pcap (us/ns, either byte order) and pcapng (SHB/IDB/EPB/SPB/PB, per-interface
link type, if_tsresol, if_tsoffset).  Link types: Ethernet (1, with 802.1Q/QinQ tags), Linux
SLL (113), Linux SLL2 (276), raw IP (101, 12, 14), IPv4 (228), IPv6 (229), BSD loopback (0, 108).
IPv4 (fragments are skipped and reported) and IPv6 (hop-by-hop, routing, destination-options
extension headers; fragments skipped); TCP only.

TCP: one stream per conversation (4-tuple), numbered from 0 in order of first appearance
(a new SYN on a 4-tuple that already saw FIN/RST, or a SYN with a new ISN, starts a new
stream).  Each direction is reassembled by sequence number: retransmitted bytes are dropped,
out-of-order segments are held (bounded) until the gap before them is filled.  A gap that is
never filled (at FIN/RST, at end of file, or when too much data is held) stops the stream
there: the Levin message in progress is recorded as incomplete, and parsing resynchronises on
the next Levin signature (01 21 01 01 01 01 01 01) after the gap.

Levin: 33-byte header (levin-protocol.md section 1).  A header whose m_cb exceeds 100 000 000
is treated as invalid (error, resync).  Bodies are kept up to 4 MiB for decoding; bigger
bodies are counted but not decoded.  Epee portable storage is decoded with hard limits
(depth 32, 8192 objects, 16384 fields, 16384 strings, array count <= remaining bytes).

Plain-text output (default): a summary per file and a total.
--json: one JSON document on stdout:
  {
    "tool": "levin_census", "version": 1,
    "files": [ { "file": PATH, "error": null | "fatal error text",
                 "summary": SUMMARY, "messages": [MESSAGE...]   # "messages" only with --messages
               } ... ],
    "total": SUMMARY                       # the per-file summaries added together
  }
SUMMARY (all counts are integers; dict keys are strings):
  frames               packets in the file (all link types)
  tcp_segments         TCP segments seen (with or without payload)
  streams              TCP conversations seen
  connections          TCP streams carrying at least one complete Levin message
  messages             complete Levin messages
  incomplete           Levin messages whose header was seen but whose body never completed
  by_command           {"1001": {"request": n, "response": n, "notification": n, "other": n}, ...}
                       request = flags&1 and expect!=0, notification = flags&1 and expect==0
                       (and not flags&2), response = flags&2, other = anything else
                       (fragments, dummies, flags 0)
  handshakes           {"requests": n, "responses": n, "streams_complete": n (streams with a 1001
                        request and a 1001 response)}
  timed_syncs          {"requests": n, "responses": n}
  peer_list_sizes      {"SIZE": number of complete messages whose local_peerlist_new has SIZE
                        entries}  (only messages carrying the key)
  peer_list_entries    total entries over those lists
  last_seen_entries    entries (of complete lists) carrying last_seen
  node_data            {"messages": n (complete messages with node_data),
                        "support_flags_absent": n, "peer_ids": n distinct peer_id values}
  sig_only             complete or incomplete messages whose first TCP segment was exactly the
                       8 signature bytes
  decode_errors        complete messages whose body failed to decode (body kept but invalid)
  gaps                 reassembly gaps (unfilled holes) over all directions
  retransmitted_bytes  payload bytes dropped as already received
  skipped_bytes        payload bytes not part of any Levin message (non-Levin streams, resync)
  errors               number of error/warning events; "error_samples": first N texts
MESSAGE (one per Levin message, complete or not, sorted by (frame, index)):
  frame      frame number (1-based) of the segment completing the message (for an incomplete
             message: of the last segment that contributed bytes)
  index      0-based index of the message among the messages completed in that frame
  first_frame frame of the first segment of the message
  time       capture time of `frame`, "SECONDS.NANOSECONDS" (UTC epoch)
  stream     TCP stream number; src, dst (text IPs), sport, dport
  command, flags, expect (0/1), return_code, version, length (m_cb)
  class      "request" | "response" | "notification" | "other"
  complete   true/false;  body_bytes = body bytes received
  sig_only   first segment was exactly the 8 signature bytes
  segments   number of TCP segments that carried bytes of the message
  decoded    true if the body was decoded without error; decode_error text otherwise
  root_keys  sorted keys of the root section (if decoded, or decoded up to truncation)
  peerlist   {"declared": n, "entries": complete entries, "ipv4": n, "ipv6": n, "other": n,
              "last_seen": n, "distinct_24": distinct /24s among IPv4 entries}
             (present when local_peerlist_new was found; on truncated bodies the entries parsed
             before the truncation are counted and "truncated": true)
  node_data  {"keys": [...], "peer_id": "0x%016x", "my_port": n, "support_flags": n|null,
              "rpc_port": n|null}
  payload_data {"current_height": n|null}
  ping       {"status": str, "peer_id": "0x..."}         (1003 response)
  support_flags n                                       (1007 response)
  txs        number of tx blobs                         (2002)

Exit status: 0 when every file was read (warnings are reported, not fatal), 1 when a file could
not be read at all (not a capture, I/O error), 2 on usage errors.  Never raises.
"""

import json
import struct
import sys

SIG = b"\x01\x21\x01\x01\x01\x01\x01\x01"
PS_SIG = b"\x01\x11\x01\x01\x01\x01\x02\x01\x01"
HDR_LEN = 33
MAX_CB = 100_000_000
BODY_KEEP = 4 * 1024 * 1024
PENDING_MAX_BYTES = 16 * 1024 * 1024
PENDING_MAX_SEGS = 20000
MAX_ERROR_SAMPLES = 50
DECODE_COMMANDS = {1001, 1002, 1003, 1007, 2002, 2008, 2010}


class CaptureError(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# capture readers: yield (frame_no, ts_ns, linktype, data, orig_len)


def read_capture(path, errors):
    with open(path, "rb") as f:
        magic = f.read(4)
        if len(magic) < 4:
            raise CaptureError("file too short to be a capture")
        if magic == b"\x0a\x0d\x0d\x0a":
            yield from _read_pcapng(f, magic, errors)
        elif magic in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d"):
            yield from _read_pcap(f, magic, errors)
        else:
            raise CaptureError("not a pcap or pcapng file (magic %s)" % magic.hex())


def _read_pcap(f, magic, errors):
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    else:
        e = ">"
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    hdr = f.read(20)
    if len(hdr) < 20:
        raise CaptureError("truncated pcap file header")
    _vmaj, _vmin, _tz, _sig, snaplen, linktype = struct.unpack(e + "HHiIII", hdr)
    linktype &= 0x0FFFFFFF
    frame = 0
    while True:
        rh = f.read(16)
        if not rh:
            return
        if len(rh) < 16:
            errors.append("truncated pcap record header after frame %d" % frame)
            return
        sec, frac, incl, orig = struct.unpack(e + "IIII", rh)
        if incl > 0x4000000:  # 64 MiB: no sane capture has such records
            errors.append("pcap record %d claims %d bytes; stopping" % (frame + 1, incl))
            return
        data = f.read(incl)
        if len(data) < incl:
            errors.append("truncated pcap record %d" % (frame + 1))
            return
        frame += 1
        ts = sec * 1_000_000_000 + (frac if nano else frac * 1000)
        yield frame, ts, linktype, data, orig


def _read_pcapng(f, first, errors):
    e = "<"
    ifaces = []  # (linktype, ts_div_num, ts_div_den, tsoffset_s)
    frame = 0
    head = first
    while True:
        if head is None:
            head = f.read(4)
            if not head:
                return
        if len(head) < 4:
            errors.append("truncated pcapng block after frame %d" % frame)
            return
        rest = f.read(4)
        if len(rest) < 4:
            errors.append("truncated pcapng block after frame %d" % frame)
            return
        if head == b"\x0a\x0d\x0d\x0a":
            bom = f.read(4)
            if len(bom) < 4:
                errors.append("truncated pcapng section header")
                return
            if bom == b"\x4d\x3c\x2b\x1a":
                e = "<"
            elif bom == b"\x1a\x2b\x3c\x4d":
                e = ">"
            else:
                raise CaptureError("bad pcapng byte-order magic")
            (blen,) = struct.unpack(e + "I", rest)
            if blen < 28 or blen % 4 or blen > 0x4000000:
                raise CaptureError("bad pcapng section header length %d" % blen)
            body = f.read(blen - 12)
            if len(body) < blen - 12:
                errors.append("truncated pcapng section header")
                return
            ifaces = []
            head = None
            continue
        btype, blen = struct.unpack(e + "II", head + rest)
        if blen < 12 or blen % 4 or blen > 0x4000000:
            errors.append("bad pcapng block length %d after frame %d; stopping" % (blen, frame))
            return
        body = f.read(blen - 8)
        if len(body) < blen - 8:
            errors.append("truncated pcapng block after frame %d" % frame)
            return
        body = body[:-4]
        head = None
        if btype == 1:  # IDB
            if len(body) < 8:
                errors.append("short interface description block")
                ifaces.append((-1, 1000, 1, 0))
                continue
            linktype, _res, _snap = struct.unpack(e + "HHI", body[:8])
            num, den, off = 1000, 1, 0  # default resolution: microseconds -> ns multiply by 1000
            p = 8
            while p + 4 <= len(body):
                code, olen = struct.unpack(e + "HH", body[p:p + 4])
                val = body[p + 4:p + 4 + olen]
                if code == 0:
                    break
                if code == 9 and len(val) >= 1:
                    r = val[0]
                    if r & 0x80:
                        num, den = 1_000_000_000, 1 << (r & 0x7F)
                    elif r <= 9:
                        num, den = 10 ** (9 - r), 1
                    else:
                        num, den = 1, 10 ** (r - 9)
                elif code == 14 and len(val) >= 8:
                    (off,) = struct.unpack(e + "q", val[:8])
                p += 4 + ((olen + 3) & ~3)
            ifaces.append((linktype, num, den, off))
        elif btype in (6, 2):  # EPB, obsolete PB
            if btype == 6:
                if len(body) < 20:
                    errors.append("short enhanced packet block")
                    continue
                ifid, tsh, tsl, capl, orig = struct.unpack(e + "IIIII", body[:20])
            else:
                if len(body) < 20:
                    errors.append("short packet block")
                    continue
                ifid, _drops, tsh, tsl, capl, orig = struct.unpack(e + "HHIIII", body[:20])
            frame += 1
            data = body[20:20 + capl]
            if ifid >= len(ifaces):
                errors.append("frame %d refers to unknown interface %d" % (frame, ifid))
                yield frame, 0, -1, b"", orig
                continue
            lt, num, den, off = ifaces[ifid]
            raw = (tsh << 32) | tsl
            ts = raw * num // den + off * 1_000_000_000
            yield frame, ts, lt, data, orig
        elif btype == 3:  # SPB
            if len(body) < 4:
                errors.append("short simple packet block")
                continue
            (orig,) = struct.unpack(e + "I", body[:4])
            frame += 1
            lt = ifaces[0][0] if ifaces else -1
            yield frame, 0, lt, body[4:4 + orig], orig
        # other blocks (NRB, ISB, DSB, custom) are ignored


# ---------------------------------------------------------------------------------------------
# link / network / transport


def _ip_text4(b):
    return "%d.%d.%d.%d" % (b[0], b[1], b[2], b[3])


def _ip_text6(b):
    words = struct.unpack(">8H", b)
    if words[:5] == (0, 0, 0, 0, 0) and words[5] == 0xFFFF:
        return "::ffff:" + _ip_text4(b[12:16])
    # RFC 5952: compress the longest run (>=2) of zero words, first one on ties
    best_s, best_l, s = -1, 0, None
    for i in range(9):
        if i < 8 and words[i] == 0:
            if s is None:
                s = i
        else:
            if s is not None:
                if i - s > best_l:
                    best_s, best_l = s, i - s
                s = None
    parts = ["%x" % w for w in words]
    if best_l >= 2:
        return ":".join(parts[:best_s]) + "::" + ":".join(parts[best_s + best_l:])
    return ":".join(parts)


def parse_link(linktype, data):
    """Return (ethertype-ish 'ipv4'/'ipv6'/None, network-layer bytes)."""
    if linktype == 1:
        if len(data) < 14:
            return None, b""
        et = struct.unpack(">H", data[12:14])[0]
        p = 14
        while et in (0x8100, 0x88A8, 0x9100) and len(data) >= p + 4:
            et = struct.unpack(">H", data[p + 2:p + 4])[0]
            p += 4
        return _et(et), data[p:]
    if linktype == 113:
        if len(data) < 16:
            return None, b""
        return _et(struct.unpack(">H", data[14:16])[0]), data[16:]
    if linktype == 276:
        if len(data) < 20:
            return None, b""
        return _et(struct.unpack(">H", data[0:2])[0]), data[20:]
    if linktype in (101, 12, 14):
        if not data:
            return None, b""
        v = data[0] >> 4
        return ("ipv4" if v == 4 else "ipv6" if v == 6 else None), data
    if linktype == 228:
        return "ipv4", data
    if linktype == 229:
        return "ipv6", data
    if linktype in (0, 108):
        if len(data) < 4:
            return None, b""
        fam_le = struct.unpack("<I", data[:4])[0]
        fam_be = struct.unpack(">I", data[:4])[0]
        fam = fam_le if fam_le < 256 else fam_be
        if fam == 2:
            return "ipv4", data[4:]
        if fam in (10, 24, 28, 30):
            return "ipv6", data[4:]
        return None, b""
    return None, b""


def _et(et):
    return "ipv4" if et == 0x0800 else "ipv6" if et == 0x86DD else None


def parse_ip_tcp(kind, net):
    """Return (src, dst, tcpbytes) or raise ValueError with a reason, or return None if not TCP."""
    if kind == "ipv4":
        if len(net) < 20:
            raise ValueError("short IPv4 header")
        ihl = (net[0] & 0x0F) * 4
        if net[0] >> 4 != 4 or ihl < 20 or len(net) < ihl:
            raise ValueError("bad IPv4 header")
        total = struct.unpack(">H", net[2:4])[0]
        frag = struct.unpack(">H", net[6:8])[0]
        if net[9] != 6:
            return None
        if frag & 0x3FFF:
            raise ValueError("IPv4 fragment skipped")
        end = min(len(net), total) if total >= ihl else len(net)
        return _ip_text4(net[12:16]), _ip_text4(net[16:20]), net[ihl:end]
    if kind == "ipv6":
        if len(net) < 40:
            raise ValueError("short IPv6 header")
        plen = struct.unpack(">H", net[4:6])[0]
        nh = net[6]
        src, dst = _ip_text6(net[8:24]), _ip_text6(net[24:40])
        end = min(len(net), 40 + plen) if plen else len(net)
        p = 40
        for _ in range(8):
            if nh in (0, 43, 60):
                if end < p + 2:
                    raise ValueError("short IPv6 extension header")
                nh, hl = net[p], (net[p + 1] + 1) * 8
                p += hl
            elif nh == 44:
                raise ValueError("IPv6 fragment skipped")
            else:
                break
        if nh != 6:
            return None
        if p > end:
            raise ValueError("bad IPv6 extension headers")
        return src, dst, net[p:end]
    return None


# ---------------------------------------------------------------------------------------------
# epee portable storage


class PSError(Exception):
    pass


class PSTruncated(PSError):
    pass


class PSReader:
    """Bounded epee portable-storage reader.  Values: dict (section), list (array), bytes
    (string), int, float, bool.  Peer-list progress is recorded in self.pl as it goes so that
    truncated bodies can still be counted."""

    MAX_DEPTH = 32

    def __init__(self, buf):
        self.b = buf
        self.p = 0
        self.objects = 0
        self.fields = 0
        self.strings = 0
        self.pl = None  # peer-list progress: {"declared": n, "items": [entry dicts]}

    def need(self, n):
        if self.p + n > len(self.b):
            raise PSTruncated("truncated at offset %d (need %d bytes)" % (self.p, n))

    def u8(self):
        self.need(1)
        v = self.b[self.p]
        self.p += 1
        return v

    def varint(self):
        self.need(1)
        w = self.b[self.p] & 3
        n = (1, 2, 4, 8)[w]
        self.need(n)
        v = int.from_bytes(self.b[self.p:self.p + n], "little") >> 2
        self.p += n
        return v

    def scalar(self, t):
        fmt = {1: "<q", 2: "<i", 3: "<h", 4: "<b", 5: "<Q", 6: "<I", 7: "<H", 8: "<B", 9: "<d"}
        if t in fmt:
            n = struct.calcsize(fmt[t])
            self.need(n)
            v = struct.unpack(fmt[t], self.b[self.p:self.p + n])[0]
            self.p += n
            return v
        if t == 10:
            ln = self.varint()
            if ln > len(self.b) - self.p:
                raise PSTruncated("string length %d beyond body" % ln)
            self.strings += 1
            if self.strings > 16384:
                raise PSError("too many strings")
            v = bytes(self.b[self.p:self.p + ln])
            self.p += ln
            return v
        if t == 11:
            v = self.u8()
            if v > 1:
                raise PSError("bool value %d" % v)
            return bool(v)
        raise PSError("unknown type %d" % t)

    MIN_SIZE = {1: 8, 2: 4, 3: 2, 4: 1, 5: 8, 6: 4, 7: 2, 8: 1, 9: 8, 10: 2, 11: 1, 12: 1}

    def value(self, t, depth, track_pl=False):
        if t & 0x80:
            base = t & 0x7F
            if base not in self.MIN_SIZE:
                raise PSError("unsupported array type 0x%02x" % t)
            cnt = self.varint()
            if cnt > (len(self.b) - self.p) // self.MIN_SIZE[base]:
                if track_pl:
                    self.pl = {"declared": cnt, "items": []}
                raise PSTruncated("array count %d exceeds remaining bytes" % cnt)
            out = []
            if track_pl:
                self.pl = {"declared": cnt, "items": out}
            for _ in range(cnt):
                out.append(self.section(depth + 1) if base == 12 else self.scalar(base))
            return out
        if t == 12:
            return self.section(depth + 1)
        if t == 13:
            inner = self.u8()
            if not inner & 0x80:
                raise PSError("type 13 wrapper without array flag")
            return self.value(inner, depth + 1)
        return self.scalar(t)

    def section(self, depth, root=False):
        if depth > self.MAX_DEPTH:
            raise PSError("nesting too deep")
        self.objects += 1
        if self.objects > 8192:
            raise PSError("too many objects")
        n = self.varint()
        if n > len(self.b) - self.p:
            raise PSTruncated("section count %d exceeds remaining bytes" % n)
        self.fields += n
        if self.fields > 16384:
            raise PSError("too many fields")
        d = {}
        for _ in range(n):
            kl = self.u8()
            if kl == 0:
                raise PSError("empty key")
            self.need(kl)
            k = bytes(self.b[self.p:self.p + kl]).decode("latin-1")
            self.p += kl
            t = self.u8()
            if k in d:
                raise PSError("duplicate key %r" % k)
            d[k] = None
            d[k] = self.value(t, depth, track_pl=(root and k == "local_peerlist_new"))
        return d


def ps_decode(body):
    """Return (root_dict_or_partial, error_text_or_None, reader)."""
    r = PSReader(body)
    if len(body) < 9:
        return None, "body shorter than portable-storage header", r
    if bytes(body[:9]) != PS_SIG:
        return None, "bad portable-storage signature", r
    r.p = 9
    try:
        root = r.section(0, root=True)
        return root, None, r
    except PSError as ex:
        return None, str(ex), r
    except (RecursionError, MemoryError, OverflowError, ValueError) as ex:
        return None, "decoder: %s" % ex, r


def _peer_entry_stats(entries):
    st = {"entries": 0, "ipv4": 0, "ipv6": 0, "other": 0, "last_seen": 0}
    nets = set()
    for e in entries:
        if not isinstance(e, dict):
            continue
        st["entries"] += 1
        if "last_seen" in e:
            st["last_seen"] += 1
        adr = e.get("adr")
        addr = adr.get("addr") if isinstance(adr, dict) else None
        typ = adr.get("type") if isinstance(adr, dict) else None
        if isinstance(addr, dict) and "m_ip" in addr and (typ in (1, None)):
            st["ipv4"] += 1
            ip = addr["m_ip"]
            if isinstance(ip, int):
                nets.add(ip & 0xFFFFFF)  # LE value: low three bytes are the first three octets
        elif isinstance(addr, dict) and isinstance(addr.get("addr"), bytes) and typ in (2, None):
            st["ipv6"] += 1
        else:
            st["other"] += 1
    st["distinct_24"] = len(nets)
    return st


def _int_or_none(v):
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def describe_body(cmd, cls, body, complete):
    """Decode a Levin body and return the message's decoded-info fields."""
    out = {}
    if cmd not in DECODE_COMMANDS:
        return out
    root, err, rd = ps_decode(body)
    if err is None:
        out["decoded"] = True
    else:
        out["decoded"] = False
        out["decode_error"] = err if complete else "incomplete body: " + err
    if rd.pl is not None:
        pl = _peer_entry_stats(rd.pl["items"])
        pl["declared"] = rd.pl["declared"]
        if err is not None:
            pl["truncated"] = True
        out["peerlist"] = pl
    if root is None:
        return out
    out["root_keys"] = sorted(root.keys())
    nd = root.get("node_data")
    if isinstance(nd, dict):
        pid = _int_or_none(nd.get("peer_id"))
        out["node_data"] = {
            "keys": sorted(nd.keys()),
            "peer_id": ("0x%016x" % pid) if pid is not None else None,
            "my_port": _int_or_none(nd.get("my_port")),
            "support_flags": _int_or_none(nd.get("support_flags")),
            "rpc_port": _int_or_none(nd.get("rpc_port")),
        }
    pd = root.get("payload_data")
    if isinstance(pd, dict):
        out["payload_data"] = {"current_height": _int_or_none(pd.get("current_height"))}
    if cmd == 1003 and cls == "response":
        pid = _int_or_none(root.get("peer_id"))
        st = root.get("status")
        out["ping"] = {"status": st.decode("latin-1") if isinstance(st, bytes) else None,
                       "peer_id": ("0x%016x" % pid) if pid is not None else None}
    if cmd == 1007 and cls == "response":
        out["support_flags"] = _int_or_none(root.get("support_flags"))
    if cmd == 2002:
        txs = root.get("txs")
        out["txs"] = len(txs) if isinstance(txs, list) else 0
    return out


def classify(flags, expect, version):
    if flags & 2 and version == 1:
        return "response"
    if flags & 1:
        return "request" if expect else "notification"
    return "other"


# ---------------------------------------------------------------------------------------------
# Levin stream parser (one per TCP direction)


class LevinParser:
    SYNC, HEADER, BODY = 0, 1, 2

    def __init__(self, census, stream, src, sport, dst, dport):
        self.c = census
        self.stream, self.src, self.sport, self.dst, self.dport = stream, src, sport, dst, dport
        self.state = self.SYNC
        self.tail = b""  # SYNC: up to 7 bytes carried over; used for signature search
        self.hdr = bytearray()
        self.body = bytearray()
        self.remaining = 0
        self.msg = None
        self.seen_levin = False
        self.done_frame = 0
        self.ts = None

    def _start(self, frame, seg_len, offset_in_seg):
        self.msg = {"first_frame": frame, "segments": 1, "last_seg": frame, "last_frame": frame,
                    "sig_only": (seg_len == 8 and offset_in_seg == 0)}
        self.hdr = bytearray()
        self.body = bytearray()

    def _touch(self, frame):
        if self.msg is not None:
            if self.msg["last_seg"] != frame:
                self.msg["segments"] += 1
                self.msg["last_seg"] = frame
            self.msg["last_frame"] = max(self.msg["last_frame"], self.done_frame)

    def feed(self, data, frame, ts, seg_len, seg_off, done_frame=None):
        """data: contiguous new bytes from the TCP segment in `frame`; seg_off: offset of data[0]
        inside that segment's payload.  done_frame/ts: the frame whose arrival made these bytes
        available (differs from `frame` for held out-of-order segments); a message completed by
        these bytes is attributed to done_frame."""
        self.done_frame = frame if done_frame is None else done_frame
        self.ts = ts
        p = 0
        n = len(data)
        while p < n:
            if self.state == self.SYNC:
                hay = self.tail + bytes(data[p:])
                i = hay.find(SIG)
                if i < 0:
                    keep = min(7, len(hay))
                    self.c.count_skipped(len(hay) - keep, self)
                    self.tail = hay[len(hay) - keep:] if keep else b""
                    return
                self.c.count_skipped(i, self)
                from_tail = len(self.tail) - i  # bytes of the signature that came from tail
                if from_tail > 0:
                    # message started in an earlier segment; treat as started there
                    self._start(frame, 0, 1)
                    self.msg["segments"] = 2
                    self.hdr += self.tail[i:]
                    self.tail = b""
                    self.state = self.HEADER
                    continue
                start = p + (i - len(self.tail))
                self.tail = b""
                self.state = self.HEADER
                self._start(frame, seg_len, seg_off + start)
                p = start
                continue
            if self.state == self.HEADER:
                if not self.hdr and self.msg is None:
                    self._start(frame, seg_len, seg_off + p)
                self._touch(frame)
                take = min(HDR_LEN - len(self.hdr), n - p)
                self.hdr += data[p:p + take]
                p += take
                if len(self.hdr) >= 8 and bytes(self.hdr[:8]) != SIG:
                    self.c.error("stream %d %s:%d->%s:%d frame %d: bad Levin signature %s, resync"
                                 % (self.stream, self.src, self.sport, self.dst, self.dport, frame,
                                    bytes(self.hdr[:8]).hex()), levin=self.seen_levin)
                    self._resync(frame, data, p, seg_len, seg_off)
                    return
                if len(self.hdr) < HDR_LEN:
                    continue
                (cb, expect, cmd, rc, flags, ver) = struct.unpack("<QBIiII", bytes(self.hdr[8:33]))
                if cb > MAX_CB:
                    self.c.error("stream %d frame %d: m_cb %d exceeds %d, resync"
                                 % (self.stream, frame, cb, MAX_CB), levin=True)
                    self._resync(frame, data, p, seg_len, seg_off)
                    return
                self.seen_levin = True
                self.msg.update({"length": cb, "expect": 1 if expect else 0, "command": cmd,
                                 "return_code": rc, "flags": flags, "version": ver})
                self.remaining = cb
                self.state = self.BODY
                if cb == 0:
                    self._finish(self.done_frame, ts)
                continue
            if self.state == self.BODY:
                self._touch(frame)
                take = min(self.remaining, n - p)
                room = BODY_KEEP - len(self.body)
                if room > 0:
                    self.body += data[p:p + min(take, room)]
                self.msg["body_bytes"] = self.msg.get("body_bytes", 0) + take
                self.remaining -= take
                p += take
                if self.remaining == 0:
                    self._finish(self.done_frame, ts)

    def _resync(self, frame, data, p, seg_len, seg_off):
        # rescan the header bytes after the first one plus the rest of this chunk
        rest = bytes(self.hdr[1:])
        self.msg = None
        self.hdr = bytearray()
        self.state = self.SYNC
        self.tail = b""
        self.c.count_skipped(1, self)
        hay = rest + bytes(data[p:])
        # feed as a fresh chunk (signature positions inside 'rest' lose exact segment info)
        self.feed(hay, frame, self.ts, -1, 0, self.done_frame)

    def _finish(self, frame, ts):
        m = self.msg
        m["frame"] = frame
        m["complete"] = True
        self.c.emit(self, m, bytes(self.body), ts)
        self.msg = None
        self.hdr = bytearray()
        self.body = bytearray()
        self.state = self.HEADER

    def gap(self, frame):
        """A hole in the byte stream: abandon the message in progress and resync."""
        self.abandon("gap")
        self.state = self.SYNC
        self.tail = b""

    def abandon(self, reason):
        if self.msg is not None and "command" in self.msg:
            m = self.msg
            m["frame"] = m["last_frame"]
            m["complete"] = False
            m["incomplete_reason"] = reason
            self.c.emit(self, m, bytes(self.body), None)
        self.msg = None
        self.hdr = bytearray()
        self.body = bytearray()


# ---------------------------------------------------------------------------------------------
# TCP reassembly


class Direction:
    def __init__(self, parser):
        self.parser = parser
        self.next_seq = None  # absolute (unwrapped) next expected sequence number
        self.pending = {}  # abs seq -> (bytes, frame, ts, seg_len, seg_off)
        self.pending_bytes = 0
        self.fin = False

    def _abs(self, seq):
        ref = self.next_seq & 0xFFFFFFFF
        diff = ((seq - ref + 0x80000000) & 0xFFFFFFFF) - 0x80000000
        return self.next_seq + diff


class Stream:
    def __init__(self, idx, a, b):
        self.idx = idx
        self.dirs = {}
        self.closed = False
        self.syn_isn = None
        self.levin_messages = 0
        self.has_1001_req = False
        self.has_1001_resp = False
        self.a, self.b = a, b


class Census:
    def __init__(self, path, keep_messages, max_errors=MAX_ERROR_SAMPLES):
        self.path = path
        self.keep_messages = keep_messages
        self.max_errors = max_errors
        self.frames = 0
        self.tcp_segments = 0
        self.streams = []
        self.conv = {}
        self.messages = []
        self.frame_index = {}
        self.skipped_bytes = 0
        self.retrans = 0
        self.gaps = 0
        self.errors = 0
        self.error_samples = []
        self.frame_ts = {}
        self.s = new_summary()

    def error(self, text, levin=True):
        self.errors += 1
        if len(self.error_samples) < self.max_errors:
            self.error_samples.append(text)

    def count_skipped(self, n, parser):
        if n > 0:
            self.skipped_bytes += n

    # -- per packet
    def packet(self, frame, ts, linktype, data):
        self.frames += 1
        kind, net = parse_link(linktype, data)
        if kind is None:
            return
        try:
            r = parse_ip_tcp(kind, net)
        except ValueError as ex:
            self.error("frame %d: %s" % (frame, ex))
            return
        if r is None:
            return
        src, dst, tcp = r
        if len(tcp) < 20:
            self.error("frame %d: short TCP header" % frame)
            return
        sport, dport, seq, _ack, off, fl = struct.unpack(">HHIIBB", tcp[:14])
        doff = (off >> 4) * 4
        if doff < 20 or doff > len(tcp):
            self.error("frame %d: bad TCP data offset" % frame)
            return
        payload = tcp[doff:]
        self.tcp_segments += 1
        syn, fin, rst, ackf = fl & 2, fl & 1, fl & 4, fl & 16
        ka, kb = (src, sport), (dst, dport)
        key = (ka, kb) if ka <= kb else (kb, ka)
        st = self.conv.get(key)
        if st is not None and syn and not ackf and (st.closed or (st.syn_isn is not None and st.syn_isn != seq)):
            self.finish_stream(st)
            st = None
        if st is None:
            st = Stream(len(self.streams), ka, kb)
            self.streams.append(st)
            self.conv[key] = st
        if syn and not ackf:
            st.syn_isn = seq
        d = st.dirs.get(ka)
        if d is None:
            d = Direction(LevinParser(self, st.idx, src, sport, dst, dport))
            st.dirs[ka] = d
        if syn:
            if d.next_seq is None:
                d.next_seq = seq + 1
            seq = (seq + 1) & 0xFFFFFFFF
        if payload:
            if d.next_seq is None:
                d.next_seq = seq
            self.segment(d, seq, bytes(payload), frame, ts)
        if fin or rst:
            if fin:
                d.fin = True
            if rst:
                st.closed = True
            if d.pending:
                self.flush(d)
            if all(x.fin for x in st.dirs.values()) and len(st.dirs) == 2:
                st.closed = True

    def segment(self, d, seq, payload, frame, ts):
        s = d._abs(seq)
        end = s + len(payload)
        if end <= d.next_seq:
            self.retrans += len(payload)
            return
        if s > d.next_seq:
            if s in d.pending and len(d.pending[s][0]) >= len(payload):
                self.retrans += len(payload)
                return
            if s in d.pending:
                d.pending_bytes -= len(d.pending[s][0])
            d.pending[s] = (payload, frame, ts, len(payload), 0)
            d.pending_bytes += len(payload)
            if d.pending_bytes > PENDING_MAX_BYTES or len(d.pending) > PENDING_MAX_SEGS:
                self.error("frame %d: too much out-of-order data held; declaring a gap" % frame)
                self.flush(d)
            return
        off = d.next_seq - s
        if off:
            self.retrans += off
        d.parser.feed(memoryview(payload)[off:], frame, ts, len(payload), off)
        d.next_seq = end
        self.drain(d, frame, ts)

    def drain(self, d, trig_frame=None, trig_ts=None):
        """Deliver held segments that became contiguous.  Messages they complete are attributed
        to trig_frame (the arrival that filled the hole), or to their own frame when None."""
        while d.pending:
            ready = [k for k in d.pending if k <= d.next_seq]
            if not ready:
                return
            for k in sorted(ready):
                payload, frame, ts, seg_len, seg_off = d.pending.pop(k)
                d.pending_bytes -= len(payload)
                end = k + len(payload)
                if end <= d.next_seq:
                    self.retrans += len(payload)
                    continue
                off = d.next_seq - k
                self.retrans += off
                if trig_frame is None:
                    d.parser.feed(memoryview(payload)[off:], frame, ts, seg_len, seg_off + off)
                else:
                    d.parser.feed(memoryview(payload)[off:], frame, trig_ts, seg_len, seg_off + off,
                                  trig_frame)
                d.next_seq = end

    def flush(self, d):
        """Declare gaps before held segments and deliver them in sequence order."""
        while d.pending:
            k = min(d.pending)
            if k > d.next_seq:
                self.gaps += 1
                frame = d.pending[k][1]
                self.error("stream %d %s:%d->%s:%d: gap of %d bytes before frame %d"
                           % (d.parser.stream, d.parser.src, d.parser.sport, d.parser.dst,
                              d.parser.dport, k - d.next_seq, frame))
                d.parser.gap(frame)
                d.next_seq = k
            self.drain(d)

    def finish_stream(self, st):
        for d in st.dirs.values():
            self.flush(d)
            d.parser.abandon("end of stream")
        if st.levin_messages:
            self.s["connections"] += 1
        if st.has_1001_req and st.has_1001_resp:
            self.s["handshakes"]["streams_complete"] += 1

    def finish(self):
        for st in self.streams:
            if self.conv.get((st.a, st.b) if st.a <= st.b else (st.b, st.a)) is st:
                self.finish_stream(st)
        s = self.s
        s["frames"] = self.frames
        s["tcp_segments"] = self.tcp_segments
        s["streams"] = len(self.streams)
        s["gaps"] = self.gaps
        s["retransmitted_bytes"] = self.retrans
        s["skipped_bytes"] = self.skipped_bytes
        s["errors"] = self.errors
        s["error_samples"] = list(self.error_samples)
        s["node_data"]["peer_ids"] = len(s["node_data"].pop("_ids"))
        self.messages.sort(key=lambda m: (m["frame"], m["index"]))

    # -- message output
    def emit(self, parser, m, body, ts):
        frame = m["frame"]
        if ts is None:
            ts = self.frame_ts.get(frame, 0)
        idx = self.frame_index.get(frame, 0)
        self.frame_index[frame] = idx + 1
        cls = classify(m["flags"], m["expect"], m["version"])
        rec = {
            "frame": frame, "index": idx, "first_frame": m["first_frame"],
            "time": "%d.%09d" % divmod(ts, 1_000_000_000),
            "stream": parser.stream, "src": parser.src, "sport": parser.sport,
            "dst": parser.dst, "dport": parser.dport,
            "command": m["command"], "flags": m["flags"], "expect": m["expect"],
            "return_code": m["return_code"], "version": m["version"], "length": m["length"],
            "class": cls, "complete": m["complete"], "body_bytes": m.get("body_bytes", 0),
            "sig_only": m["sig_only"], "segments": m["segments"],
        }
        if not m["complete"]:
            rec["incomplete_reason"] = m.get("incomplete_reason")
        if m["length"] <= BODY_KEEP:
            rec.update(describe_body(m["command"], cls, body, m["complete"]))
        self.account(rec)
        if self.keep_messages:
            self.messages.append(rec)

    def account(self, rec):
        s = self.s
        if rec["sig_only"]:
            s["sig_only"] += 1
        if not rec["complete"]:
            s["incomplete"] += 1
            return
        s["messages"] += 1
        st = self.streams[rec["stream"]]
        st.levin_messages += 1
        cmd, cls = rec["command"], rec["class"]
        bc = s["by_command"].setdefault(str(cmd), {"request": 0, "response": 0,
                                                    "notification": 0, "other": 0})
        bc[cls] += 1
        if cmd == 1001 and cls == "request":
            s["handshakes"]["requests"] += 1
            st.has_1001_req = True
        if cmd == 1001 and cls == "response":
            s["handshakes"]["responses"] += 1
            st.has_1001_resp = True
        if cmd == 1002 and cls in ("request", "response"):
            s["timed_syncs"][cls + "s"] += 1
        if rec.get("decoded") is False:
            s["decode_errors"] += 1
        pl = rec.get("peerlist")
        if pl is not None:
            k = str(pl["entries"])
            s["peer_list_sizes"][k] = s["peer_list_sizes"].get(k, 0) + 1
            s["peer_list_entries"] += pl["entries"]
            s["last_seen_entries"] += pl["last_seen"]
        nd = rec.get("node_data")
        if nd is not None:
            s["node_data"]["messages"] += 1
            if nd["support_flags"] is None:
                s["node_data"]["support_flags_absent"] += 1
            if nd["peer_id"] is not None:
                s["node_data"]["_ids"].add(nd["peer_id"])


def new_summary():
    return {
        "frames": 0, "tcp_segments": 0, "streams": 0, "connections": 0,
        "messages": 0, "incomplete": 0, "by_command": {},
        "handshakes": {"requests": 0, "responses": 0, "streams_complete": 0},
        "timed_syncs": {"requests": 0, "responses": 0},
        "peer_list_sizes": {}, "peer_list_entries": 0, "last_seen_entries": 0,
        "node_data": {"messages": 0, "support_flags_absent": 0, "_ids": set()},
        "sig_only": 0, "decode_errors": 0, "gaps": 0, "retransmitted_bytes": 0,
        "skipped_bytes": 0, "errors": 0, "error_samples": [],
    }


def add_summaries(a, b):
    """Add summary b into a (both without the internal _ids set)."""
    for k, v in b.items():
        if k == "error_samples":
            a[k] = (a.get(k, []) + v)[:MAX_ERROR_SAMPLES]
        elif isinstance(v, dict):
            t = a.setdefault(k, {})
            for kk, vv in v.items():
                if isinstance(vv, dict):
                    tt = t.setdefault(kk, {})
                    for k3, v3 in vv.items():
                        tt[k3] = tt.get(k3, 0) + v3
                else:
                    t[kk] = t.get(kk, 0) + vv
        else:
            a[k] = a.get(k, 0) + v
    return a


def census_file(path, keep_messages=False, max_errors=MAX_ERROR_SAMPLES):
    """Measure one capture.  Returns {"file", "error", "summary"[, "messages"]}; never raises."""
    c = Census(path, keep_messages, max_errors)
    fatal = None
    try:
        errs = []
        for frame, ts, lt, data, _orig in read_capture(path, errs):
            c.frame_ts[frame] = ts
            try:
                c.packet(frame, ts, lt, data)
            except Exception as ex:  # defensive: a bug must not stop the census
                c.error("frame %d: internal error %s: %s" % (frame, type(ex).__name__, ex))
        for e in errs:
            c.error(e)
    except CaptureError as ex:
        fatal = str(ex)
    except OSError as ex:
        fatal = "cannot read: %s" % ex
    except Exception as ex:
        fatal = "internal error %s: %s" % (type(ex).__name__, ex)
    try:
        c.finish()
    except Exception as ex:
        fatal = fatal or "internal error at finish %s: %s" % (type(ex).__name__, ex)
        c.s.get("node_data", {}).pop("_ids", None)
    out = {"file": path, "error": fatal, "summary": c.s}
    if keep_messages:
        out["messages"] = c.messages
    return out


def _fmt_summary(s, indent="  "):
    lines = []
    lines.append("%sframes %d, tcp segments %d, streams %d, connections (Levin) %d"
                 % (indent, s["frames"], s["tcp_segments"], s["streams"], s["connections"]))
    lines.append("%smessages %d complete, %d incomplete, sig-only %d, decode errors %d"
                 % (indent, s["messages"], s["incomplete"], s["sig_only"], s["decode_errors"]))
    lines.append("%shandshakes: %d requests, %d responses, %d streams with both"
                 % (indent, s["handshakes"]["requests"], s["handshakes"]["responses"],
                    s["handshakes"]["streams_complete"]))
    lines.append("%stimed syncs: %d requests, %d responses"
                 % (indent, s["timed_syncs"]["requests"], s["timed_syncs"]["responses"]))
    lines.append("%sby command:" % indent)
    for cmd in sorted(s["by_command"], key=int):
        v = s["by_command"][cmd]
        lines.append("%s  %5s  req %6d  resp %6d  notif %6d  other %6d"
                     % (indent, cmd, v["request"], v["response"], v["notification"], v["other"]))
    if s["peer_list_sizes"]:
        hist = ", ".join("%s:%d" % (k, s["peer_list_sizes"][k])
                         for k in sorted(s["peer_list_sizes"], key=int))
        lines.append("%speer-list sizes (size:count): %s" % (indent, hist))
    lines.append("%speer-list entries %d, with last_seen %d; node_data %d (support_flags absent %d, "
                 "distinct peer_ids %d)"
                 % (indent, s["peer_list_entries"], s["last_seen_entries"],
                    s["node_data"]["messages"], s["node_data"]["support_flags_absent"],
                    s["node_data"]["peer_ids"]))
    lines.append("%sgaps %d, retransmitted bytes %d, non-Levin bytes %d, errors %d"
                 % (indent, s["gaps"], s["retransmitted_bytes"], s["skipped_bytes"], s["errors"]))
    for e in s["error_samples"][:10]:
        lines.append("%s  ! %s" % (indent, e))
    return "\n".join(lines)


def _fmt_message(m):
    extra = []
    if "peerlist" in m:
        pl = m["peerlist"]
        extra.append("peers %d/%d%s" % (pl["entries"], pl["declared"],
                                        " (truncated)" if pl.get("truncated") else ""))
    if "node_data" in m:
        nd = m["node_data"]
        extra.append("peer_id %s my_port %s sf %s" % (nd["peer_id"], nd["my_port"], nd["support_flags"]))
    if m.get("decoded") is False:
        extra.append("decode: %s" % m.get("decode_error"))
    return ("%6d.%d %s %s:%d -> %s:%d cmd %d %s flags 0x%x len %d segs %d%s%s %s"
            % (m["frame"], m["index"], m["time"], m["src"], m["sport"], m["dst"], m["dport"],
               m["command"], m["class"], m["flags"], m["length"], m["segments"],
               " sig-only" if m["sig_only"] else "", "" if m["complete"] else " INCOMPLETE",
               "; ".join(extra)))


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or "-h" in argv or "--help" in argv:
        print(__doc__)
        return 0 if argv else 2
    as_json = False
    messages = False
    max_errors = MAX_ERROR_SAMPLES
    files = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--json":
            as_json = True
        elif a == "--messages":
            messages = True
        elif a == "--max-errors":
            if i + 1 >= len(argv) or not argv[i + 1].isdigit():
                print("levin_census.py: --max-errors needs a number", file=sys.stderr)
                return 2
            max_errors = int(argv[i + 1])
            i += 1
        elif a.startswith("--"):
            print("levin_census.py: unknown option %s" % a, file=sys.stderr)
            return 2
        else:
            files.append(a)
        i += 1
    if not files:
        print("levin_census.py: no input files", file=sys.stderr)
        return 2
    results = [census_file(f, messages, max_errors) for f in files]
    total = {}
    for r in results:
        add_summaries(total, r["summary"])
    rc = 1 if any(r["error"] for r in results) else 0
    if as_json:
        json.dump({"tool": "levin_census", "version": 1, "files": results, "total": total},
                  sys.stdout, indent=1, sort_keys=True)
        sys.stdout.write("\n")
    else:
        for r in results:
            print("%s:%s" % (r["file"], (" FATAL: " + r["error"]) if r["error"] else ""))
            if messages:
                for m in r["messages"]:
                    print("  " + _fmt_message(m))
            print(_fmt_summary(r["summary"]))
        if len(results) > 1:
            print("total:")
            print(_fmt_summary(total))
    for r in results:
        if r["error"]:
            print("levin_census.py: %s: %s" % (r["file"], r["error"]), file=sys.stderr)
    return rc


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)

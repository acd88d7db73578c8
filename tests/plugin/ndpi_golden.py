#!/usr/bin/env python3
"""Golden checks of the plugin on the real nDPI mainnet capture (analysis-methods.md §13).

usage: ndpi_golden.py TSHARK_WRAPPER PCAP      exit 77 (SKIP) when the capture is absent
"""
import ipaddress
import json
import os
import subprocess
import sys


def multimap(pairs):
    d = {}
    for k, v in pairs:
        if k in d:
            a = d[k] if isinstance(d[k], list) else [d[k]]
            d[k] = a + (v if isinstance(v, list) else [v])
        else:
            d[k] = v
    return d


def ek(wrapper, pcap, *extra):
    out = subprocess.run([wrapper, "-n", "-r", pcap, "-T", "ek", "-J", "monero", "-Y", "monero",
                          "-o", "monero.payload_tree:FALSE", *extra],
                         check=True, capture_output=True, text=True).stdout
    msgs = []
    for line in out.splitlines():
        if line.startswith('{"timestamp"'):
            layer = json.loads(line, object_pairs_hook=multimap)["layers"]["monero"]
            for o in (layer if isinstance(layer, list) else [layer]):
                if "monero_monero_command" in o:
                    msgs.append(o)
    return msgs


def L(o, k):
    v = o.get("monero_monero_" + k)
    return [] if v is None else (v if isinstance(v, list) else [v])


def one(o, k):
    v = L(o, k)
    return v[0] if v else None


fails = []


def check(cond, what):
    if not cond:
        fails.append(what)


def main():
    wrapper, pcap = sys.argv[1], sys.argv[2]
    if not os.path.exists(pcap):
        print("SKIP: capture not present:", pcap)
        return 77
    # 1. default single pass: the four 1001 requests; no response completes (tails not captured)
    msgs = ek(wrapper, pcap)
    check([int(one(m, "frame")) for m in msgs] == [4, 19, 34, 49], "request frames %s" % [one(m, "frame") for m in msgs])
    peers = {"159.69.36.66": 0, "78.56.22.89": 1, "62.210.127.86": 2, "100.42.27.58": 3}
    for m in msgs:
        check(one(m, "command") == "1001" and one(m, "flags") == "0x00000001", "1001 request")
        check(one(m, "length") == "262", "m_cb 262")
        check(one(m, "node_data_peer_id") == "0xacacc23b48619611", "peer_id")
        check(one(m, "node_data_my_port") == "18080", "my_port")
        check(one(m, "node_data_support_flags") == "0x00000001", "support_flags")
        check(one(m, "node_data_network") == "1", "mainnet")
        check(one(m, "sync_current_height") == "1", "current_height")
        check(one(m, "src") == "192.168.2.100", "src")
        check(one(m, "stream") == str(peers.get(one(m, "dst"), -1)), "stream of %s" % one(m, "dst"))
        check(one(m, "sender_initiated") is True, "client opened the connection")
        check(one(m, "payload_decoded") is True and one(m, "sig_only") is None, "decoded / not sig-only")
        check(one(m, "segments") == "1" and one(m, "first_segment_len") == "295", "one 295-byte segment")
    check(one(msgs[3], "dstport") == "18085", "4th peer listens on 18085")
    # 2. TCP desegmentation off: the response headers and their first-segment peer entries
    resp = [m for m in ek(wrapper, pcap, "-o", "tcp.desegment_tcp_streams:FALSE") if one(m, "flags") == "0x00000002"]
    check([int(one(m, "frame")) for m in resp] == [6, 21, 36, 51], "response frames %s" % [one(m, "frame") for m in resp])
    check([one(m, "length") for m in resp] == ["17004", "16039", "16882", "18284"], "response m_cb")
    for m in resp:
        check(one(m, "payload_decoded") is False, "truncated response not 'decoded'")
        check(one(m, "peerlist_count") == "250", "declared 250 entries")
        check(one(m, "node_data_support_flags") is None, "node_data is beyond the captured bytes")
    ll = [ipaddress.ip_network(n) for n in ("162.218.65.0/24", "91.198.115.0/24", "209.222.252.0/24", "23.92.36.0/24")]
    r3 = resp[3]
    addrs = [a for a in L(r3, "peer_addr") if a]
    check(len(addrs) > 30, "stream 3 has many decoded entries (%d)" % len(addrs))
    for a in addrs:
        ip = ipaddress.ip_address(a.rsplit(":", 1)[0])
        check(any(ip in n for n in ll), "LinkingLion-only list: %s" % a)
    keys = [int(k, 16) for k in L(r3, "peer_keys")]
    with_ls = [k for k in keys if k & 0x02]
    check(len(with_ls) >= len(addrs) - 1 and len(with_ls) > 30, "last_seen on every complete entry")
    check(set(L(r3, "peer_last_seen")) == {"1701108541.000000000"}, "last_seen 2023-11-27 18:09:01 UTC: %s" % set(L(r3, "peer_last_seen")))
    for m in resp[:3]:
        check(not any(int(k, 16) & 0x02 for k in L(m, "peer_keys")), "no last_seen from monerod peers")
        check(any(a.startswith("[") for a in L(m, "peer_addr")), "IPv6 entries present")
    if fails:
        print("FAIL:\n  " + "\n  ".join(fails))
        return 1
    print("ok: %d requests, %d truncated responses" % (len(msgs), len(resp)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

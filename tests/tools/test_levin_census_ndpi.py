#!/usr/bin/env python3
"""levin_census.py on the real nDPI mainnet capture (analysis-methods.md section 13).

Usage: test_levin_census_ndpi.py [PCAP]   (default: $MSC_NDPI_PCAP or
/work/shared/captures/ndpi-monero.pcap).  Exits 77 (CTest SKIP_RETURN_CODE) when the
capture is absent: it is third-party (LGPL) and never committed.
"""

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import levin_census as lc  # noqa: E402

PCAP = os.environ.get("MSC_NDPI_PCAP", "/work/shared/captures/ndpi-monero.pcap")


class TestNdpi(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.r = lc.census_file(PCAP, keep_messages=True)

    def test_summary(self):
        s = self.r["summary"]
        self.assertIsNone(self.r["error"])
        self.assertEqual((s["frames"], s["tcp_segments"], s["streams"], s["connections"]), (60, 60, 4, 4))
        # four complete 1001 requests; the four responses never complete
        self.assertEqual(s["by_command"], {"1001": {"request": 4, "response": 0, "notification": 0, "other": 0}})
        self.assertEqual((s["messages"], s["incomplete"], s["sig_only"]), (4, 4, 0))
        self.assertEqual(s["handshakes"], {"requests": 4, "responses": 0, "streams_complete": 0})
        self.assertEqual(s["node_data"], {"messages": 4, "support_flags_absent": 0, "peer_ids": 1})
        self.assertEqual(s["peer_list_sizes"], {})
        self.assertEqual(s["gaps"], 0)  # the missing bytes are at the end of each response

    def test_requests(self):
        reqs = [m for m in self.r["messages"] if m["complete"]]
        self.assertEqual([m["frame"] for m in reqs], [4, 19, 34, 49])
        for m in reqs:
            self.assertEqual((m["command"], m["flags"], m["length"], m["class"], m["src"]),
                             (1001, 1, 262, "request", "192.168.2.100"))
            self.assertEqual(m["node_data"]["peer_id"], "0xacacc23b48619611")
            self.assertEqual(m["node_data"]["my_port"], 18080)
            self.assertEqual(m["node_data"]["support_flags"], 1)
            self.assertEqual(m["payload_data"]["current_height"], 1)

    def test_truncated_responses(self):
        resp = [m for m in self.r["messages"] if not m["complete"]]
        got = [(m["src"], m["sport"], m["first_frame"], m["length"], m["body_bytes"],
                m["peerlist"]["declared"], m["peerlist"]["entries"], m["peerlist"]["ipv4"],
                m["peerlist"]["ipv6"], m["peerlist"]["last_seen"]) for m in resp]
        self.assertEqual(sorted(got), sorted([
            ("159.69.36.66", 18080, 6, 17004, 14487, 250, 215, 193, 22, 0),
            ("78.56.22.89", 18080, 21, 16039, 14487, 250, 229, 183, 46, 0),
            ("62.210.127.86", 18080, 36, 16882, 13035, 250, 196, 181, 15, 0),
            ("100.42.27.58", 18085, 51, 18284, 14487, 250, 200, 200, 0, 200),
        ]))
        by_src = {m["src"]: m["peerlist"] for m in resp}
        ratios = {k: round(v["distinct_24"] / v["ipv4"], 3) for k, v in by_src.items()}
        self.assertEqual(ratios, {"159.69.36.66": 0.813, "78.56.22.89": 0.885,
                                  "62.210.127.86": 0.851, "100.42.27.58": 0.02})
        self.assertEqual(by_src["100.42.27.58"]["distinct_24"], 4)
        for m in resp:
            self.assertNotIn("node_data", m)  # beyond the captured bytes: must not look "missing"
            self.assertEqual(m["flags"], 2)


if __name__ == "__main__":
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
        PCAP = sys.argv.pop(1)
    if not os.path.exists(PCAP):
        print("SKIP: %s not present" % PCAP)
        sys.exit(77)
    unittest.main(verbosity=1)

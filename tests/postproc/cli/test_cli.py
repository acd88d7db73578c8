#!/usr/bin/env python3
"""CLI tests of `moneroscope analyze` on hand-written ek (no tshark needed).

Usage: test_cli.py MONEROSCOPE

Checks: outputs and their shape, exit codes (0 ok, 1 usage, 2 damaged input, 3 I/O), vantage
inference and ambiguity, the <dir>/<server_id>/ layout, JSON and INI config files, stdin, --json,
--quiet, and that randomly damaged ek never crashes the program (run it from an ASan build to make
that check meaningful for memory errors).
"""
import csv
import json
import os
import random
import subprocess
import sys
import tempfile

MS = sys.argv[1]
FAIL = []


def check(cond, what):
    if not cond:
        FAIL.append(what)
        print("FAIL:", what)


def msg(frame, t, src, sp, dst, dp, cmd, typ, **kw):
    d = {
        "monero_monero_frame_time": "%d.%09d" % (t // 10**9, t % 10**9),
        "monero_monero_frame": str(frame), "monero_monero_src": src, "monero_monero_dst": dst,
        "monero_monero_srcport": str(sp), "monero_monero_dstport": str(dp), "monero_monero_stream": "0",
        "monero_monero_command": str(cmd), "monero_monero_msg_type": str(typ),
        "monero_monero_payload_decoded": True, "monero_monero_sig_only": False, "monero_monero_segments": "1",
    }
    d.update(kw)
    return d


def ek_lines(vantage_ip, peers, t0=1700000000 * 10**9):
    """One incoming connection per peer: handshake (+ list from the vantage), 3 timed syncs."""
    out = []
    frame = 1
    for k, p in enumerate(peers):
        t = t0 + k * 10**9
        objs = [
            msg(frame, t, p, 50000 + k, vantage_ip, 18080, 1001, 0, monero_monero_node_data_peer_id="0x%x" % (k + 1),
                monero_monero_node_data_support_flags="0x00000001", monero_monero_node_data_my_port="18080"),
            msg(frame + 1, t + 10**8, vantage_ip, 18080, p, 50000 + k, 1001, 1,
                monero_monero_node_data_peer_id="0xff", monero_monero_node_data_support_flags="0x00000001",
                monero_monero_peer_keys=["0x0021", "0x0021"], monero_monero_peer_type=["1", "1"],
                monero_monero_peer_addr=["5.5.5.5:18080", "6.6.6.6:18080"], monero_monero_peer_id=["0x1", "0x2"]),
        ]
        for j in range(3):
            objs.append(msg(frame + 2 + j, t + (j + 1) * 60 * 10**9, p, 50000 + k, vantage_ip, 18080, 1002, 0))
        for o in objs:
            out.append(json.dumps({"index": {"_index": "packets-2023-11-14", "_type": "doc"}}))
            out.append(json.dumps({"timestamp": "1", "layers": {"frame": {"filtered": "frame"}, "monero": o}}))
        frame += 10
    return out


def run(args, stdin=None):
    p = subprocess.run([MS] + args, input=stdin, capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


def write(path, lines):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


tmp = tempfile.mkdtemp(prefix="msc-cli-")
A = "10.0.0.1"
peers = ["1.1.1.%d" % i for i in range(1, 6)]
ek = os.path.join(tmp, "a.ek")
write(ek, ek_lines(A, peers))

# 1. Clean input, inferred vantage IP, every output present.
out = os.path.join(tmp, "out1")
rc, so, se = run(["analyze", ek, "-o", out])
check(rc == 0, "clean input exits 0 (got %d, stderr %s)" % (rc, se))
for f in ["report.json", "peers.csv", "connections.csv", "peer_lists.csv", "ban_list.txt", "results.tex",
          "graph/graph.graphml", "graph/edges.csv"]:
    check(os.path.isfile(os.path.join(out, f)), "output %s written" % f)
check("10.0.0.1 (inferred)" in so, "inferred vantage IP printed in the summary")
rep = json.load(open(os.path.join(out, "report.json")))
check(rep["vantages"][0]["ip"] == A and rep["vantages"][0]["ip_inferred"], "report.json vantage inferred")
check(rep["input"]["messages"] == 25 and rep["input"]["malformed_lines"] == 0, "25 messages, none malformed")
check(rep["input"]["index_lines"] == 25, "index lines counted")
check(rep["model"]["connections"] == 5, "5 connections")
check(rep["model"]["peer_lists"] == 5, "5 peer lists (the vantage's own)")
rows = list(csv.DictReader(open(os.path.join(out, "peers.csv"))))
check(sorted(r["ip"] for r in rows) == sorted(peers), "peers.csv has one row per peer IP")
cols = ["sf_omission", "ls_transmission", "pl_diversity", "pl_similarity", "id_anomaly", "short_lived",
        "ping_flooding", "throttled_ts", "sig_only", "ban_listed", "subnet_saturation"]
for c in cols:
    check(c in rows[0], "peers.csv column " + c)
for r in rows:
    for c in cols[:9]:
        check(r[c] == "0", "standard peer %s not flagged %s" % (r["ip"], c))
    check(r["connections_in"] == "1" and r["connections_out"] == "0", "peer %s: 1 incoming connection" % r["ip"])
crow = list(csv.DictReader(open(os.path.join(out, "connections.csv"))))
check(len(crow) == 5 and all(r["direction"] == "in" and r["messages"] == "5" for r in crow), "connections.csv rows")
plist = list(csv.DictReader(open(os.path.join(out, "peer_lists.csv"))))
check(len(plist) == 5 and all(r["from_vantage"] == "1" and r["ip_entries"] == "2" for r in plist),
      "peer_lists.csv rows")
ban = open(os.path.join(out, "ban_list.txt")).read().splitlines()
check(ban[0].startswith("# moneroscope ban list version 1, "), "ban list header")
check([l for l in ban if not l.startswith("#")] == [], "no flagged IPs in the ban list")
tex = open(os.path.join(out, "results.tex")).read()
check("\\newcommand{\\totalPackets}{25 }" in tex, "results.tex totalPackets")
edges = open(os.path.join(out, "graph/edges.csv")).read().splitlines()
check(edges[0] == "source,target,count", "edges.csv header")

# 2. A damaged line: reported with file:line, counted, skipped; exit 2; results still written.
lines = ek_lines(A, peers)
lines[5] = lines[5][: len(lines[5]) // 2]
bad = os.path.join(tmp, "bad.ek")
write(bad, lines)
out = os.path.join(tmp, "out2")
rc, so, se = run(["analyze", "--vantage", "x=" + A, bad, "-o", out])
check(rc == 2, "damaged input exits 2 (got %d)" % rc)
check(bad + ":6: truncated line" in se, "diagnostic names file and line 6: " + se)
rep = json.load(open(os.path.join(out, "report.json")))
check(rep["input"]["malformed_lines"] == 1 and rep["input"]["damaged"], "malformed line counted")
check(rep["input"]["messages"] == 24, "the other 24 messages kept")

# 3. Exit codes: usage, I/O, ambiguous vantage.
rc, _, _ = run(["analyze", "--no-such-option", ek])
check(rc == 1, "unknown option exits 1")
rc, _, _ = run(["analyze", "-o", os.path.join(tmp, "o3")])
check(rc == 1, "no input exits 1")
rc, _, _ = run(["analyze", os.path.join(tmp, "missing.ek"), "-o", os.path.join(tmp, "o3")])
check(rc == 3, "missing input exits 3")
one = os.path.join(tmp, "one.ek")
write(one, ek_lines(A, peers[:1]))
rc, _, se = run(["analyze", one, "-o", os.path.join(tmp, "o4")])
check(rc == 1 and "cannot infer the IP of vantage" in se, "ambiguous vantage exits 1 with advice")
rc, _, _ = run(["analyze", "--vantage", "v=" + A, one, "-o", os.path.join(tmp, "o4")])
check(rc == 0, "ambiguity resolved by --vantage")
blocker = os.path.join(tmp, "file-not-dir")
write(blocker, ["x"])
rc, _, se = run(["analyze", ek, "-o", os.path.join(blocker, "sub")])
check(rc == 3, "unwritable output exits 3 (got %d)" % rc)

# 3b. A line longer than --max-line-mb is skipped without being held; empty input; a read error
#     (a directory given as stdin makes read() fail with EISDIR): results are still written.
lines = ek_lines(A, peers)
huge = os.path.join(tmp, "huge.ek")
with open(huge, "w") as f:
    f.write("\n".join(lines[:10]) + "\n")
    f.write('{"timestamp":"1","layers":{"monero":"' + "x" * (3 << 20) + '"}}\n')   # 3 MiB line
    f.write("\n".join(lines[10:]) + "\n")
out = os.path.join(tmp, "out-huge")
rc, so, se = run(["analyze", "--vantage", "x=" + A, "--max-line-mb", "1", huge, "-o", out])
check(rc == 2, "over-long line exits 2 (got %d)" % rc)
check(huge + ":11: line longer than 1048576 bytes (3145768 bytes), skipped" in se, "over-long line reported: " + se)
rep = json.load(open(os.path.join(out, "report.json")))
check(rep["input"]["messages"] == 25 and rep["input"]["malformed_lines"] == 1, "lines around it all kept")
empty = os.path.join(tmp, "empty.ek")
write(empty, [])
rc, so, se = run(["analyze", "--vantage", "x=" + A, empty, "-o", os.path.join(tmp, "out-empty")])
check(rc == 2 and "no Levin message in any input" in se, "empty input exits 2 with advice (got %d: %s)" % (rc, se))
check(os.path.isfile(os.path.join(tmp, "out-empty", "report.json")), "empty input still writes report.json")
p = subprocess.run([MS, "analyze", "--vantage", "x=" + A, ek, "-", "-o", os.path.join(tmp, "out-rerr")],
                   stdin=os.open(tmp, os.O_RDONLY), capture_output=True, text=True, timeout=300)
check(p.returncode == 3 and "read error" in p.stderr, "read error exits 3 (got %d: %s)" % (p.returncode, p.stderr))
rep = json.load(open(os.path.join(tmp, "out-rerr", "report.json")))
check(rep["input"]["messages"] == 25, "messages of the readable input kept despite the read error")

# 4. Layout <dir>/<server_id>/… with two vantages, IPs inferred per vantage; stdin; --json; --quiet.
lay = os.path.join(tmp, "layout")
write(os.path.join(lay, "ams", "part1.ek"), ek_lines(A, peers[:3]))
write(os.path.join(lay, "ams", "part2.json"), ek_lines(A, peers[3:], t0=1700000100 * 10**9))
write(os.path.join(lay, "sfo", "x.ndjson"), ek_lines("10.0.0.2", ["1.1.1.1", "2.2.2.2"]))
out = os.path.join(tmp, "out5")
rc, so, se = run(["analyze", lay, "-o", out, "--json"])
check(rc == 0, "layout exits 0 (%s)" % se)
rep = json.loads(so)
vs = {v["id"]: v for v in rep["vantages"]}
check(set(vs) == {"ams", "sfo"}, "two vantages from the layout")
check(vs["ams"]["ip"] == A and vs["sfo"]["ip"] == "10.0.0.2", "per-vantage inferred IPs")
check(len(vs["ams"]["inputs"]) == 2 and vs["ams"]["connections"] == 5, "ams has 2 inputs, 5 connections")
rows = {r["ip"]: r for r in csv.DictReader(open(os.path.join(out, "peers.csv")))}
check(rows["1.1.1.1"]["vantages"] == "ams;sfo", "peer seen at both vantages")
rc, so, se = run(["analyze", "--vantage", "s=" + A, "-", "-o", os.path.join(tmp, "out6"), "--quiet"],
                 stdin="\n".join(ek_lines(A, peers)) + "\n")
check(rc == 0 and so == "", "stdin input, --quiet prints nothing")
check(json.load(open(os.path.join(tmp, "out6", "report.json")))["input"]["messages"] == 25, "stdin read fully")

# 5. Config files (JSON and INI), relative paths, p2p_port.
cfgj = os.path.join(lay, "vantages.json")
with open(cfgj, "w") as f:
    json.dump({"vantages": [{"id": "ams", "ip": A, "p2p_port": 18080, "inputs": ["ams"]},
                            {"id": "sfo", "ip": "10.0.0.2", "inputs": ["sfo/x.ndjson"]}]}, f)
rc, so, se = run(["analyze", "--config", cfgj, "-o", os.path.join(tmp, "out7"), "--json"])
check(rc == 0, "JSON config exits 0 (%s)" % se)
rep = json.loads(so)
check(not any(v["ip_inferred"] for v in rep["vantages"]), "IPs from the config")
cfgi = os.path.join(lay, "vantages.ini")
with open(cfgi, "w") as f:
    f.write("# test\n[vantage ams]\nip = %s\ninput = ams/part1.ek\ninput = ams/part2.json\n"
            "[vantage sfo]\np2p_port = 28080\ninput = sfo\n" % A)
rc, so, se = run(["analyze", "--config", cfgi, "-o", os.path.join(tmp, "out8"), "--json"])
check(rc == 0, "INI config exits 0 (%s)" % se)
rep = json.loads(so)
vs = {v["id"]: v for v in rep["vantages"]}
check(vs["sfo"]["p2p_port"] == 28080 and vs["sfo"]["connections_out"] == 2, "INI p2p_port applies the port rule")
with open(cfgi, "w") as f:
    f.write("[vantage ams]\nbogus = 1\n")
rc, _, se = run(["analyze", "--config", cfgi, "-o", os.path.join(tmp, "out9")])
check(rc == 1 and "unknown key" in se, "bad INI key is a usage error")

# 6. Random damage never crashes: exit 0 or 2, outputs written.
rng = random.Random(4)
base = ek_lines(A, peers)
for trial in range(25):
    ls = list(base)
    for _ in range(rng.randint(1, 8)):
        i = rng.randrange(len(ls))
        s = ls[i]
        op = rng.randrange(5)
        if op == 0 and s:
            ls[i] = s[: rng.randrange(len(s))]
        elif op == 1 and s:
            k = rng.randrange(len(s))
            ls[i] = s[:k] + chr(rng.randrange(1, 256)) + s[k + 1:]
        elif op == 2:
            ls[i] = s.replace('"18080"', '"%d"' % rng.choice([0, 65536, 10**30, -1]))
        elif op == 3:
            ls[i] = s.replace("[", "[" * rng.randint(1, 200), 1)
        else:
            ls.insert(i, s)
    p = os.path.join(tmp, "fuzz%d.ek" % trial)
    write(p, ls)
    rc, _, se = run(["analyze", "--vantage", "v=" + A, p, "-o", os.path.join(tmp, "fz%d" % trial), "-q"])
    check(rc in (0, 2), "damaged input %d: exit %d (%s)" % (trial, rc, se[-300:]))
    check(os.path.isfile(os.path.join(tmp, "fz%d" % trial, "report.json")), "damaged input %d: report written" % trial)

# 8. tshark-args prints the export of docs/ek-contract.md §1 (ek), its -T fields variant and run's tap form.
rc, so, se = run(["tshark-args"])
TAIL = ["-Y", "monero", "-o", "monero.payload_tree:FALSE", "-o", "monero.export_records:TRUE",
        "-o", 'gui.column.format:"No.","%m"', "-e", "monero.record"]
OOO = ["-o", "tcp.reassemble_out_of_order:TRUE"]   # every form: reorder out-of-order TCP segments
check(rc == 0 and so.split("\n")[:-1] == OOO + ["-T", "ek"] + TAIL,
      "tshark-args prints the ek-contract arguments one per line: %r" % so)
rc, so, se = run(["tshark-args", "--form", "fields"])
check(rc == 0 and so.split() == OOO + ["-T", "fields"] + TAIL, "tshark-args --form fields: %r" % so)
rc, so, se = run(["tshark-args", "--form", "tap"])
check(rc == 0 and so.split() == OOO + ["-q", "-z", "monero,records"], "tshark-args --form tap: %r" % so)
rc, so, se = run(["tshark-args", "--form", "pdml"])
check(rc == 1, "tshark-args rejects an unknown form")

print("%d failure(s)" % len(FAIL))
sys.exit(1 if FAIL else 0)

#!/usr/bin/env python3
"""Cross-check of the committed corpus with tests/tools/levin_census.py (a second, independently
written Levin decoder owned by another engineer): its per-file summary must agree with the ground
truth. Also runs it over the malformed corpus, which it must survive.

usage: test_census.py CENSUS_PY CORPUS_DIR
"""
import collections
import json
import os
import subprocess
import sys


def census(tool, files):
    out = subprocess.run([sys.executable, tool, "--json", *files], check=False, capture_output=True, text=True,
                         timeout=600)
    if out.returncode not in (0, 1):
        raise SystemExit(f"levin_census crashed ({out.returncode}): {out.stderr[-2000:]}")
    return json.loads(out.stdout)


def kind(m):
    if m["flags"] & 2:
        return "response"
    if m["flags"] & 1:
        return "request" if m["expect_response"] else "notification"
    return "other"


def expected(truth, i):
    ms = [m for m in truth["messages"] if m["file"] == i and m["first_file"] == i]
    started = [m for m in truth["messages"] if m["first_file"] == i]
    by_cmd = collections.defaultdict(lambda: {"notification": 0, "other": 0, "request": 0, "response": 0})
    for m in ms:
        by_cmd[str(m["command"])][kind(m)] += 1
    sizes = collections.Counter(str(m["peerlist_count"]) for m in ms if m["peerlist_count"] is not None)
    nd = [m for m in ms if m["has_support_flags"] is not None]
    return {
        "messages": len(ms),
        "incomplete": len([m for m in started if m["file"] != i]),
        "by_command": dict(by_cmd),
        "peer_list_sizes": dict(sizes),
        "peer_list_entries": sum(m["peerlist_count"] or 0 for m in ms),
        "last_seen_entries": sum(m["last_seen_entries"] for m in ms),
        "sig_only": len([m for m in started if m["sig_only"]]),
        "node_data.messages": len(nd),
        "node_data.support_flags_absent": len([m for m in nd if not m["has_support_flags"]]),
        "decode_errors": 0, "errors": 0, "gaps": 0, "retransmitted_bytes": 0,
    }


def main():
    tool, corpus = sys.argv[1], sys.argv[2]
    syn = os.path.join(corpus, "synthetic")
    problems = []
    for name in sorted(os.listdir(syn)):
        if not name.endswith(".truth.json"):
            continue
        truth = json.load(open(os.path.join(syn, name)))
        files = [os.path.join(syn, f["name"]) for f in truth["files"]]
        res = census(tool, files)
        for i, f in enumerate(res["files"]):
            if f["error"]:
                problems.append(f"{f['file']}: census error {f['error']}")
                continue
            s = f["summary"]
            got = dict(s)
            got["node_data.messages"] = s["node_data"]["messages"]
            got["node_data.support_flags_absent"] = s["node_data"]["support_flags_absent"]
            for k, v in expected(truth, i).items():
                if got.get(k) != v:
                    problems.append(f"{os.path.basename(f['file'])} {k}: truth {v} census {got.get(k)}")
            print(f"{os.path.basename(f['file'])}: {s['messages']} messages, {s['incomplete']} incomplete, "
                  f"{s['sig_only']} sig-only, {s['peer_list_entries']} peer-list entries")
    mal = os.path.join(corpus, "malformed")
    files = sorted(os.path.join(mal, f) for f in os.listdir(mal) if f.endswith(".pcap"))
    res = census(tool, files)
    print(f"malformed: census survived {len(res['files'])} files")
    for p in problems:
        print("FAIL:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

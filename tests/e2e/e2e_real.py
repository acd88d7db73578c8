#!/usr/bin/env python3
"""End-to-end check on the real monerod 0.18.0.0 recording (tests/corpus/real/regtest-4nodes.pcapng).

capture -> tshark + freshly built plugin (tests/tshark-msc) -> ek -> moneroscope analyze, vantage
n1 = 198.51.100.1. Honest monerod nodes must not be flagged, except for what this recording really
exhibits; each expected class is explained below:

* pl_similarity: every node of the recording was started with the same 300 unreachable fake
  --add-peer addresses from 198.18.0.0/15 (tests/real/record.sh), so their 250-entry lists are
  samples of one small pool spread over ~512 /24s: the /24 Jaccard of two such lists is ~0.34,
  above the paper threshold 0.3, and each node has > 4 such pairs. On mainnet, lists sample
  thousands of /24s. This is a property of the test network, and it shows the rule fires on it.
* subnet_saturation: a descriptive set (not counted as non-standard by the paper): the top 15 /24s
  by connecting IPs; here all peers share 198.51.100.0/24, so every connecting IP is in it.
Every other class must be 0: 0.18 sends support_flags, never last_seen, writes header and body in
one buffer (no signature-only segments), syncs every 60 s, and node 3's restart (peer id A -> B)
is not id reuse (A -> B -> A).

Exit 77 (CTest skip) when the plugin is not built in this build directory.
"""
import argparse, csv, os, subprocess, sys, tempfile

CLASSES = ["sf_omission", "ls_transmission", "pl_diversity", "pl_similarity", "id_anomaly", "short_lived",
           "ping_flooding", "throttled_ts", "sig_only", "ban_listed", "subnet_saturation"]
EXPECTED = {"pl_similarity", "subnet_saturation"}
EXPECTED_PEERS = {"198.51.100.2", "198.51.100.3", "198.51.100.4"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tshark-msc", required=True)
    ap.add_argument("--moneroscope", required=True)
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("capture")
    a = ap.parse_args()
    env = dict(os.environ, MSC_BUILD_DIR=a.build_dir)
    with tempfile.TemporaryDirectory() as tmp:
        ek = os.path.join(tmp, "real.ek")
        with open(ek, "wb") as f:
            export = subprocess.run([a.moneroscope, "tshark-args"], check=True, capture_output=True,
                                    text=True).stdout.split()
            p = subprocess.run([a.tshark_msc, "-n", "-r", a.capture, *export], stdout=f, stderr=subprocess.PIPE, env=env)
        if p.returncode == 77:
            print("SKIP: plugin not built:", p.stderr.decode(errors="replace"))
            return 77
        if p.returncode != 0:
            print("tshark failed:", p.stderr.decode(errors="replace"))
            return 1
        out = os.path.join(tmp, "out")
        r = subprocess.run([a.moneroscope, "analyze", "--quiet", "--no-default-asn", "--vantage", "n1=198.51.100.1",
                            "-o", out, ek], stderr=subprocess.PIPE)
        if r.returncode != 0:
            print("moneroscope analyze failed:", r.returncode, r.stderr.decode(errors="replace"))
            return 1
        with open(os.path.join(out, "peers.csv"), newline="") as f:
            rows = list(csv.DictReader(f))
    errors = []
    seen = {row["ip"] for row in rows}
    if seen != EXPECTED_PEERS:
        errors.append(f"peer IPs {sorted(seen)} != {sorted(EXPECTED_PEERS)}")
    for row in rows:
        fired = {c for c in CLASSES if row[c] == "1"}
        if fired != EXPECTED:
            errors.append(f"{row['ip']}: classes {sorted(fired)}, expected {sorted(EXPECTED)}")
    for e in errors:
        print("FAIL:", e)
    if not errors:
        print(f"ok: {len(rows)} peers, each exactly {sorted(EXPECTED)}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

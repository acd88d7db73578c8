#!/usr/bin/env bash
# README command (1)'s main job, end to end: scripts/run-sample.sh (moneroscope run on the bundled
# sample through tshark + the freshly built plugin) must write every output file and a report.html
# in which all eight figures have data (also as PNG and PDF), and that report must render in
# headless Chromium (tests/report/browser-test.sh) with one table row per flagged IP.
#
# usage: e2e-sample.sh MONEROSCOPE OUT_DIR      (MSC_BUILD_DIR must point at the build: tshark-msc)
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:?usage: $0 MONEROSCOPE OUT_DIR}
out=${2:?out dir}
fail() { echo "FAIL: $*" >&2; exit 1; }

rm -rf "$out"
rc=0
MSC_MONEROSCOPE=$bin MSC_SAMPLE_TSHARK=$here/tests/tshark-msc bash "$here/scripts/run-sample.sh" "$out/results" \
  >"$out.log" 2>&1 || rc=$?
cat "$out.log"
[ $rc -eq 0 ] || fail "run-sample.sh exited $rc"
grep -q "Open the report: $out/results/report.html" "$out.log" || fail "run-sample.sh did not say where the report is"
for f in report.html report.json peers.csv connections.csv peer_lists.csv ban_list.txt results.tex; do
  [ -s "$out/results/$f" ] || fail "missing output $f"
done
ls -a "$out/results" | grep -q '^\.moneroscope-partial' && fail "staging directory left behind"
html=$out/results/report.html
for name in in_degree peerlist_similarity peerlist_diversity top_subnets anomaly_overlap \
            connection_saturation timed_sync_intervals command_timelines; do
  grep -q "id=\"fig-$name\" data-has-data=\"1\"" "$html" || fail "figure $name has no data"
  for ext in svg png pdf; do [ -s "$out/results/plots/$name.$ext" ] || fail "missing plots/$name.$ext"; done
done
flagged=$(grep -cv '^#' "$out/results/ban_list.txt" || true)
[ "$flagged" -gt 0 ] || fail "the sample has anomalies, but nothing was flagged"
bash "$here/tests/report/browser-test.sh" --html "$html" "$out/browser" --expect-figures 8 --expect-rows "$flagged"

# `run` takes analyze's threshold options: they reach the analysis (report.json config) and change
# the result (anomalies.pcapng has PLS and SlC peers at the paper thresholds, none at absurd ones).
smp=$(mktemp -d); chmod 0755 "$smp"; mkdir -p "$smp/v1"
ln -s "$here/tests/corpus/synthetic/anomalies.pcapng" "$smp/v1/anomalies.pcapng"
rc=0
"$bin" run --tshark "$here/tests/tshark-msc" --out "$out/thr" --no-report --quiet --split-gap 60 \
  --pls-min-high-pairs 1000000 --slc-min-connections 1000 "$smp" || rc=$?
rm -rf "$smp"
[ $rc -eq 0 ] || [ $rc -eq 2 ] || fail "run with threshold options exited $rc"
python3 - "$out/results/report.json" "$out/thr/report.json" <<'PY' || fail "threshold options of run not applied"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
cb = b["config"]
assert cb["connection_split_gap_s"] == 60, cb["connection_split_gap_s"]
assert cb["pls_min_high_pairs"] == 1000000 and cb["slc_min_connections"] == 1000, cb
n = lambda r, c: r["classes"][c]["ips"] if isinstance(r["classes"][c], dict) else r["classes"][c]
print("PLS IPs default / strict:", n(a, "pl_similarity"), n(b, "pl_similarity"),
      "SlC:", n(a, "short_lived"), n(b, "short_lived"))
assert n(a, "pl_similarity") > 0 and n(b, "pl_similarity") == 0
assert n(a, "short_lived") > 0 and n(b, "short_lived") == 0
PY
echo "e2e-sample: ok"

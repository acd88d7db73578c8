#!/usr/bin/env bash
# The main job on the bundled sample capture: dissect it with tshark + the moneroscope plugin,
# analyse it, write the results and report.html, and print where the report is.
# Called by `bash scripts/quickstart.sh sample` after build + install; runnable on its own.
#
# usage: scripts/run-sample.sh [OUT_DIR]        (default: <repo>/results)
# Environment (optional):
#   MSC_MONEROSCOPE  moneroscope binary (default: `moneroscope` from PATH, else build/postproc/cli/moneroscope)
#   MSC_SAMPLE_TSHARK  tshark command for --tshark (default: tshark, which loads the installed plugin;
#                    tests/tshark-msc runs the freshly built plugin without installing it)
#
# Bundled sample: tests/corpus/synthetic/anomalies.pcapng, a generated capture of one vantage
# (198.51.100.10) with normal peers and every anomaly class of the paper (ground truth next to it
# in anomalies.truth.json). It is laid out as data/pcapng/<server_id>/ (here: v1/) in a temporary
# directory of links, so nothing is copied.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$here/results}

bin=${MSC_MONEROSCOPE:-}
if [ -z "$bin" ]; then
  if command -v moneroscope >/dev/null 2>&1; then bin=moneroscope
  elif [ -x "$here/build/postproc/cli/moneroscope" ]; then bin=$here/build/postproc/cli/moneroscope
  else
    echo "run-sample.sh: moneroscope not found: build and install it first (bash scripts/quickstart.sh sample)" >&2
    exit 1
  fi
fi
tshark=${MSC_SAMPLE_TSHARK:-tshark}

samples=$(mktemp -d)
trap 'rm -rf "$samples"' EXIT
chmod 0755 "$samples"
mkdir -p "$samples/v1"
ln -s "$here/tests/corpus/synthetic/anomalies.pcapng" "$samples/v1/anomalies.pcapng"

rc=0
"$bin" run --tshark "$tshark" --out "$out" "$samples" || rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 2 ]; then
  echo "run-sample.sh: moneroscope run failed (exit $rc)" >&2
  exit $rc
fi
echo
echo "Open the report: $out/report.html   (data files next to it; figures in $out/plots/)"
exit $rc

#!/usr/bin/env bash
# The independent checker must notice a wrong label, a wrong message field and a corrupted frame.
set -euo pipefail
check=$1
corpus=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
expect_fail() {  # description, then the checker arguments
  local what=$1; shift
  if python3 "$check" "$@" >"$tmp/out" 2>&1; then
    echo "NOT DETECTED: $what"; status=1
  else
    echo "detected: $what ($(grep -m1 FAIL "$tmp/out"))"
  fi
}
cp "$corpus"/synthetic/anomalies.* "$tmp/"
python3 "$check" "$tmp" anomalies >/dev/null || { echo "baseline copy does not pass"; exit 1; }
cp "$tmp/anomalies.truth.json" "$tmp/orig.json"
# 1. drop a class from a labelled peer
python3 - "$tmp/anomalies.truth.json" <<'PY'
import sys; p = sys.argv[1]; s = open(p).read()
s = s.replace('"classes":["throttled_ts"]', '"classes":[]', 1); open(p, "w").write(s)
PY
expect_fail "missing throttled_ts label" "$tmp" anomalies
# 2. a wrong peer-list count in one message
cp "$tmp/orig.json" "$tmp/anomalies.truth.json"
python3 - "$tmp/anomalies.truth.json" <<'PY'
import sys, re; p = sys.argv[1]; s = open(p).read()
s = s.replace('"peerlist_count":250', '"peerlist_count":249', 1); open(p, "w").write(s)
PY
expect_fail "wrong peerlist_count" "$tmp" anomalies --no-classes
# 3. one flipped payload byte in the capture (TCP checksum no longer matches)
cp "$tmp/orig.json" "$tmp/anomalies.truth.json"
python3 - "$tmp/anomalies.pcapng" <<'PY'
import sys; p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[len(b) // 2] ^= 0x40; open(p, "wb").write(b)
PY
expect_fail "corrupted frame byte" "$tmp" anomalies --no-classes
exit $status

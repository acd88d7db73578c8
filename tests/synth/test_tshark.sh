#!/usr/bin/env bash
# tshark 4.0 cross-check of the committed captures (no moneroscope plugin needed):
#  * every IPv4 and TCP checksum validates,
#  * no TCP analysis flags at all (retransmission, out-of-order, lost segment, ACKed unseen, ...),
#  * the only expert warnings are the intended "Connection reset (RST)" ones, one per RST frame,
#  * tshark's frame count covers the highest frame number the ground truth refers to.
set -euo pipefail
corpus=$1
command -v tshark >/dev/null || { echo "tshark not installed"; exit 1; }
status=0
# highest frame number referenced by the ground truth, per capture file
maxframes=$(python3 - "$corpus"/synthetic/*.truth.json <<'PY'
import json, sys
for p in sys.argv[1:]:
    t = json.load(open(p))
    for i, f in enumerate(t["files"]):
        print(f["name"], max((m["frame"] for m in t["messages"] if m["file"] == i), default=0))
PY
)
for f in "$corpus"/synthetic/*.pcap* "$corpus"/malformed/*.pcap; do
  name=$(basename "$f")
  out=$(tshark -n --disable-protocol monero -r "$f" -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE -z expert,warn \
      -T fields -E occurrence=f -e frame.number -e tcp.checksum.status -e ip.checksum.status \
      -e tcp.analysis.flags -e tcp.flags.reset 2>/dev/null)
  read -r frames bad flags rst < <(echo "$out" | awk -F'\t' 'NF == 5 && $1 ~ /^[0-9]+$/ {
      n++; if ($2 != "1" || ($3 != "" && $3 != "1")) bad++; if ($4 != "" && $5 != "1") fl++; if ($5 == "1") r++}
      END {print n+0, bad+0, fl+0, r+0}')
  expert=$(echo "$out" | awk -F'\t' 'NF < 5')
  other=$(echo "$expert" | awk '/^ +[0-9]+ +/ && !/Connection reset \(RST\)/' | wc -l)
  rstwarn=$(echo "$expert" | awk '/Connection reset \(RST\)/ {print $1}')
  line="$name: frames=$frames bad_checksums=$bad analysis_flags=$flags rst=$rst other_warnings=$other"
  if [ "$bad" != 0 ] || [ "$flags" != 0 ] || [ "$other" != 0 ] || [ "${rstwarn:-0}" != "$rst" ] || [ "$frames" = 0 ]; then
    echo "FAIL $line"; status=1
  else
    echo "ok   $line"
  fi
  want=$(echo "$maxframes" | awk -v n="$name" '$1 == n {print $2}')
  if [ -n "$want" ] && [ "$frames" -lt "$want" ]; then
    echo "FAIL $name: truth refers to frame $want but tshark sees $frames"; status=1
  fi
done
exit $status

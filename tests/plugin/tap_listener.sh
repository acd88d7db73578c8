#!/usr/bin/env bash
# The plugin's tap export (docs/ek-contract.md §3c) on the command line, through tests/tshark-msc:
#   1. tshark accepts -z monero,records (it gets as far as opening the input);
#   2. on every synthetic corpus capture, the malformed corpus and the real mainnet capture
#      (if readable), `-q -z monero,records` writes exactly the lines of
#      `-T fields -Y monero -o monero.export_records:TRUE -e monero.record`;
#   3. `-z monero,records,FILTER` writes only the frames the filter matches, every record of them;
#   4. a malformed -z argument and an invalid filter end tshark with status 1 and a message.
# Usage: tap_listener.sh REPO_DIR      (MSC_BUILD_DIR selects the plugin build, as for tshark-msc)
set -uo pipefail
repo=$(cd "${1:?usage: tap_listener.sh REPO_DIR}" && pwd)
tsh=$repo/tests/tshark-msc
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
chmod 0755 "$tmp"
fail=0
bad() { echo "FAIL: $*" >&2; fail=1; }

# (the probe moneroscope run uses; `-z help` also starts every extcap helper, which hangs under a
# sanitizer-preloaded tshark)
"$tsh" -n -r /dev/null -q -z monero,records >"$tmp/probe" 2>&1
grep -q 'special file' "$tmp/probe" && ! grep -q -- '-z argument "monero,records"' "$tmp/probe" \
  || bad "tshark does not accept -z monero,records: $(head -3 "$tmp/probe")"

caps=("$repo"/tests/corpus/synthetic/*.pcap* "$repo"/tests/corpus/malformed/*.pcap)
ndpi=${MSC_NDPI_PCAP:-$repo/../shared/captures/ndpi-monero.pcap}
[ -r "$ndpi" ] && caps+=("$ndpi")
n=0 lines=0
for c in "${caps[@]}"; do
  "$tsh" -n -r "$c" -q -z monero,records >"$tmp/tap" 2>"$tmp/err"; rc=$?
  "$tsh" -n -r "$c" -T fields -Y monero -o monero.payload_tree:FALSE -o monero.export_records:TRUE \
    -e monero.record >"$tmp/fields" 2>/dev/null
  [ $rc = 0 ] || [ $rc = 2 ] || bad "$(basename "$c"): tap export exit $rc: $(tail -2 "$tmp/err")"
  python3 "$repo/tests/fuzz/check_output.py" "$tmp/tap" "$tmp/fields" || bad "$(basename "$c"): tap export differs from -T fields"
  n=$((n + 1)); lines=$((lines + $(grep -c . "$tmp/tap")))
done
echo "tap = -T fields on $n captures ($lines record lines)"
[ "$lines" -gt 0 ] || bad "no record line at all"

# 3. the listener's own display filter
c=$repo/tests/corpus/synthetic/anomalies.pcapng
"$tsh" -n -r "$c" -q -z "monero,records,monero.command == 1001" >"$tmp/f1001" 2>"$tmp/err" || bad "filtered tap: exit $?"
"$tsh" -n -r "$c" -T fields -Y "monero.command == 1001" -o monero.export_records:TRUE -e monero.record >"$tmp/y1001" 2>/dev/null
[ -s "$tmp/f1001" ] || bad "filtered tap wrote nothing"
cmp -s "$tmp/f1001" "$tmp/y1001" || bad "filtered tap differs from -Y 'monero.command == 1001' -T fields"
all=$(grep -c . <("$tsh" -n -r "$c" -q -z monero,records))
[ "$(grep -c . "$tmp/f1001")" -lt "$all" ] || bad "the filter did not restrict the tap lines"
echo "filtered: $(grep -c . "$tmp/f1001") of $all lines"

# 4. errors
"$tsh" -n -r "$c" -q -z monero,recordsX >/dev/null 2>"$tmp/err"; rc=$?
[ $rc = 1 ] && grep -q 'use -z monero,records\[,FILTER\]' "$tmp/err" || bad "malformed -z argument: exit $rc, $(cat "$tmp/err")"
"$tsh" -n -r "$c" -q -z "monero,records,monero.command ==" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc = 1 ] && grep -q 'monero,records: ' "$tmp/err" || bad "invalid filter: exit $rc, $(cat "$tmp/err")"
[ $fail = 0 ] && echo "tap listener: ok"
exit $fail

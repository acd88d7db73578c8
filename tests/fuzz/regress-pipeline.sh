#!/usr/bin/env bash
# Replays capture reproducers (tests/fuzz/regressions/pipeline/*.pcap, found by pipeline.sh)
# through tshark + the built plugin, with the contract ek invocation (compact peer lists), with the
# per-entry peer-list form, and with two passes + the generic payload tree, and fails on: a crash or a tshark exit status other than 0/2, a sanitizer
# report, a run longer than 60 s, or ek output that is not valid UTF-8 JSON line by line.
# Usage: regress-pipeline.sh BUILD_DIR [PCAP...]     (default: every regressions/pipeline/*.pcap)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=$(cd "${1:?usage: regress-pipeline.sh BUILD_DIR [PCAP...]}" && pwd); shift
files=("$@")
[ ${#files[@]} -gt 0 ] || files=("$here"/regressions/pipeline/*.pcap)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
for f in "${files[@]}"; do
  for mode in "-T ek -Y monero -o monero.payload_tree:FALSE -o monero.export_records:TRUE -e monero.record" \
              "-T ek -J monero -Y monero -o monero.payload_tree:FALSE -o monero.compact_peers:TRUE" \
              "-T ek -J monero -Y monero -o monero.payload_tree:FALSE -o monero.compact_peers:FALSE" \
              "-2 -T ek -J monero -Y monero -o monero.payload_tree:TRUE -o monero.compact_peers:TRUE"; do
    # shellcheck disable=SC2086
    MSC_BUILD_DIR=$build timeout -k 5 60 "$repo/tests/tshark-msc" -n -r "$f" $mode >"$tmp/out" 2>"$tmp/err"
    rc=$?
    why=""
    if [ $rc = 124 ] || [ $rc = 137 ]; then why="hang"
    elif grep -qE 'ERROR: AddressSanitizer|runtime error:|SUMMARY: (Address|UndefinedBehavior)Sanitizer' "$tmp/err"; then why="sanitizer report"
    elif [ $rc != 0 ] && [ $rc != 2 ]; then why="tshark exit $rc"
    elif ! [ -s "$tmp/out" ]; then why="no ek output"
    elif ! python3 -c '
import json, sys
for n, line in enumerate(open(sys.argv[1], "rb"), 1):
    if line.strip():
        try: json.loads(line.decode("utf-8"))
        except ValueError as e: sys.exit("ek line %d: %s" % (n, e))
' "$tmp/out" 2>"$tmp/py"; then why="bad ek output: $(cat "$tmp/py")"
    fi
    if [ -n "$why" ]; then
      echo "FAIL $(basename "$f") [$mode]: $why" >&2
      grep -E 'ERROR:|runtime error:' "$tmp/err" | head -3 >&2
      fail=1
    else
      echo "ok   $(basename "$f") [$mode]: $(grep -c '"layers"' "$tmp/out") frames"
    fi
  done
done
exit $fail

#!/usr/bin/env bash
# Replays capture reproducers (tests/fuzz/regressions/pipeline/*.pcap, found by pipeline.sh)
# through tshark + the built plugin, with the contract ek invocation (compact peer lists), with the
# per-entry peer-list form, with two passes + the generic payload tree, and with the tap export
# (-q -z monero,records), and fails on: a crash or a tshark exit status other than 0/2, a sanitizer
# report, a run longer than 60 s, output that is not valid (check_output.py: JSON or record lines),
# or a tap export that differs from the -T fields export of the same capture.
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
              "-2 -T ek -J monero -Y monero -o monero.payload_tree:TRUE -o monero.compact_peers:TRUE" \
              "-q -z monero,records"; do
    # shellcheck disable=SC2086
    MSC_BUILD_DIR=$build timeout -k 5 60 "$repo/tests/tshark-msc" -n -r "$f" $mode >"$tmp/out" 2>"$tmp/err"
    rc=$?
    why=""
    if [ $rc = 124 ] || [ $rc = 137 ]; then why="hang"
    elif grep -qE 'ERROR: AddressSanitizer|runtime error:|SUMMARY: (Address|UndefinedBehavior)Sanitizer' "$tmp/err"; then why="sanitizer report"
    elif [ $rc != 0 ] && [ $rc != 2 ]; then why="tshark exit $rc"
    elif ! [ -s "$tmp/out" ]; then why="no output"
    elif ! python3 "$here/check_output.py" "$tmp/out" 2>"$tmp/py"; then why="bad output: $(cat "$tmp/py")"
    elif [ "${mode#-q}" != "$mode" ]; then
      # the tap export (no tree) must equal the tree-based -T fields export
      MSC_BUILD_DIR=$build timeout -k 5 60 "$repo/tests/tshark-msc" -n -r "$f" -T fields -Y monero \
        -o monero.payload_tree:FALSE -o monero.export_records:TRUE -e monero.record >"$tmp/fields" 2>/dev/null
      python3 "$here/check_output.py" "$tmp/out" "$tmp/fields" 2>"$tmp/py" || why="$(cat "$tmp/py")"
    fi
    if [ -n "$why" ]; then
      echo "FAIL $(basename "$f") [$mode]: $why" >&2
      grep -E 'ERROR:|runtime error:' "$tmp/err" | head -3 >&2
      fail=1
    else
      echo "ok   $(basename "$f") [$mode]: $(grep -c . "$tmp/out") lines"
    fi
  done
done
exit $fail

#!/usr/bin/env bash
# Opens a moneroscope report.html in headless Chromium and checks that it renders:
#   * the page's script ran to the end (it sets data-msc-ready="ok" on <body>),
#   * the expected number of inline SVG figures is in the DOM (and each has drawn content),
#   * the anomaly table has the expected number of rows,
#   * the browser console shows no error / uncaught exception / CSP violation,
# and keeps a full-page screenshot (report-screenshot.png) next to the DOM dump.
#
# usage: browser-test.sh (--generate PROGRAM | --html REPORT_HTML) OUT_DIR
#                        [--expect-figures N] [--expect-rows N]
#   --generate PROGRAM   run `PROGRAM OUT_DIR/report` first to write the report
#
# Chromium runs in a fresh network namespace (unshare -n: no interface but a down loopback), with a
# fresh profile and background networking off, so it cannot reach anything; report.html itself
# forbids every fetch with its Content-Security-Policy.
set -euo pipefail

html="" gen="" out="" figs="" rows=""
while [ $# -gt 0 ]; do
  case "$1" in
    --generate) gen=$2; shift 2;;
    --html) html=$2; shift 2;;
    --expect-figures) figs=$2; shift 2;;
    --expect-rows) rows=$2; shift 2;;
    -*) echo "browser-test.sh: unknown option $1" >&2; exit 2;;
    *) out=$1; shift;;
  esac
done
[ -n "$out" ] || { echo "usage: $0 (--generate PROGRAM | --html FILE) OUT_DIR" >&2; exit 2; }
fail() { echo "FAIL: $*" >&2; exit 1; }

browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || fail "chromium not found: install the Debian package 'chromium' (bash scripts/deps.sh)"

rm -rf "$out"; mkdir -p "$out"
if [ -n "$gen" ]; then
  html=$("$gen" "$out/report") || fail "report generator $gen failed"
fi
[ -f "$html" ] || fail "no report at '$html'"
html=$(cd "$(dirname "$html")" && pwd)/$(basename "$html")

netns=(unshare --net)
"${netns[@]}" true 2>/dev/null || fail "cannot create a network namespace (unshare --net needs root/CAP_SYS_ADMIN); refusing to start a browser with network access"

common=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --no-default-browser-check
        --disable-background-networking --disable-component-update --disable-sync --disable-extensions
        --disable-default-apps --mute-audio --hide-scrollbars --enable-logging=stderr --v=0
        --allow-file-access-from-files)

run_chromium() { # run_chromium LOGFILE args...
  local log=$1; shift
  local profile; profile=$(mktemp -d)
  local rc=0
  HOME=$profile timeout 120 "${netns[@]}" "$browser" "${common[@]}" --user-data-dir="$profile/data" "$@" \
    2>"$log" || rc=$?
  rm -rf "$profile"
  return $rc
}

run_chromium "$out/dom.log" --virtual-time-budget=5000 --dump-dom "file://$html" >"$out/dom.html" \
  || fail "chromium --dump-dom failed (see $out/dom.log)"
run_chromium "$out/screenshot.log" --window-size=1400,2600 --screenshot="$out/report-screenshot.png" \
  "file://$html" >/dev/null || fail "chromium --screenshot failed (see $out/screenshot.log)"

dom="$out/dom.html"
grep -q 'data-msc-ready="ok"' "$dom" || fail "page script did not finish (no data-msc-ready=ok in DOM)"
n=$( (grep -o '<svg ' "$dom" || true) | wc -l)
if [ -n "$figs" ]; then
  [ "$n" -eq "$figs" ] || fail "expected $figs inline SVG figures, found $n"
  grep -q "data-figures=\"$figs\"" "$dom" || fail "script counted a different number of figures"
fi
empty=$(grep -c 'data-has-data="0"' "$dom" || true)
if [ -n "$rows" ]; then
  r=$( (grep -o '<tr data-classes=' "$dom" || true) | wc -l)
  [ "$r" -eq "$rows" ] || fail "expected $rows anomaly rows, found $r"
  grep -q "of $rows peers shown" "$dom" || fail "table filter script did not run"
fi
# Console: any message at level ERROR, uncaught exceptions, CSP violations, failed loads.
if grep -E 'CONSOLE|Uncaught|Content Security Policy|Failed to load|net::ERR' "$out/dom.log" "$out/screenshot.log" \
     | grep -Ev 'INFO:CONSOLE.*rendered' >"$out/console-errors.txt"; then
  cat "$out/console-errors.txt" >&2
  fail "console errors while rendering the report"
fi
[ -s "$out/report-screenshot.png" ] || fail "no screenshot written"
head -c 8 "$out/report-screenshot.png" | od -An -c | grep -q 'P   N   G' || fail "screenshot is not a PNG"
echo "report OK: $n figures ($empty without data), DOM $(wc -c <"$dom") bytes"
echo "screenshot: $out/report-screenshot.png"

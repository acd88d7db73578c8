#!/usr/bin/env bash
# Whole-pipeline fuzzing: mutated captures -> tshark + moneroscope plugin (built with
# -DMSC_SANITIZE=ON: ASan/UBSan runtimes are preloaded by tests/tshark-msc) -> ek output.
#
# Usage: pipeline.sh [--packets N] [--seconds S] [--timeout T] [--seed N] [--work DIR]
#                    [--scale K] [--keep] BUILD_DIR [CAPTURE...]
#   BUILD_DIR     build directory with the plugin and msc-plugin.env (use an MSC_SANITIZE=ON build)
#   CAPTURE...    base captures (default: tests/corpus/synthetic/*, tests/corpus/malformed/*.pcap and,
#                 if readable, ../shared/captures/ndpi-monero.pcap or $MSC_NDPI_PCAP)
#   --packets N   stop once N mutated packets went through tshark (default 1000000)
#   --seconds S   stop after S seconds anyway (default: no limit)
#   --timeout T   a tshark run longer than T seconds is a hang (default 120)
#   --scale K     also generate a msc-synth scale capture (--scale K) as a base (default 0 = none)
#   --seed N      first mutation seed (default 1); the run is reproducible from it
#   --work DIR    scratch directory (default: mktemp); findings are kept in DIR/findings
# Each round mutates one base capture (tests/fuzz/mutate.py: editcap -E, -s, -C, truncation,
# shuffled/duplicated/dropped segments), runs tshark with the contract invocation (ek) - every 4th
# run also two-pass (-2) and with the generic payload tree on - and checks: no crash (signal),
# no sanitizer report, no hang, and ek output in which every line is JSON.
# Prints a summary line:
#   pipeline: runs=N packets=N crashes=N hangs=N sanitizer=N bad_output=N seconds=N packets/s=N
# Exit 0 when all counters of failures are 0 (and at least one run happened), 1 otherwise.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
packets=1000000 seconds=0 timeout=120 seed=1 work="" scale=0 keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --packets) packets=$2; shift 2;;
    --seconds) seconds=$2; shift 2;;
    --timeout) timeout=$2; shift 2;;
    --seed) seed=$2; shift 2;;
    --work) work=$2; shift 2;;
    --scale) scale=$2; shift 2;;
    --keep) keep=1; shift;;
    --*) echo "pipeline.sh: unknown option $1" >&2; exit 2;;
    *) break;;
  esac
done
[ $# -ge 1 ] || { sed -n '2,24p' "$0" >&2; exit 2; }
build=$(cd "$1" && pwd) || exit 2; shift
for t in editcap python3 timeout; do
  command -v $t >/dev/null || { echo "pipeline.sh: $t not found" >&2; exit 2; }
done
[ -f "$build/msc-plugin.env" ] || { echo "pipeline.sh: $build/msc-plugin.env missing (plugin not built?)" >&2; exit 2; }
if ! grep -q '^MSC_PLUGIN_SANITIZE=1' "$build/msc-plugin.env"; then
  echo "pipeline.sh: warning: the plugin in $build is not a sanitizer build; memory errors may go unnoticed" >&2
fi
if [ -z "$work" ]; then work=$(mktemp -d /tmp/msc-pipeline.XXXXXX); [ $keep = 1 ] || trap 'rm -rf "$work/run"' EXIT; fi
mkdir -p "$work/run" "$work/findings"
chmod 0755 "$work" "$work/run"   # tshark-msc runs tshark as uid 65534 when started as root

bases=("$@")
if [ ${#bases[@]} -eq 0 ]; then
  bases=("$repo"/tests/corpus/synthetic/*.pcap* "$repo"/tests/corpus/malformed/*.pcap)
  ndpi=${MSC_NDPI_PCAP:-$repo/../shared/captures/ndpi-monero.pcap}
  [ -r "$ndpi" ] && bases+=("$ndpi")
fi
if [ "$scale" != 0 ]; then
  synth=$build/tests/synth/msc-synth
  [ -x "$synth" ] || { echo "pipeline.sh: --scale needs $synth (build target msc-synth)" >&2; exit 2; }
  "$synth" --scenario scale --scale "$scale" --out "$work/scale" --quiet || exit 2
  bases+=("$work"/scale/*.pcap*)
fi
echo "pipeline: ${#bases[@]} base captures, target $packets packets, timeout ${timeout}s, first seed $seed, work $work"

runs=0 total=0 crashes=0 hangs=0 san=0 bad=0
start=$(date +%s)
i=0
while :; do
  now=$(date +%s)
  [ "$total" -ge "$packets" ] && break
  [ "$seconds" != 0 ] && [ $((now - start)) -ge "$seconds" ] && break
  base=${bases[$((i % ${#bases[@]}))]}
  s=$((seed + i)); i=$((i + 1))
  in=$work/run/in.pcap out=$work/run/out.ek err=$work/run/err.txt
  read -r op n < <(python3 "$here/mutate.py" "$base" "$in" "$s") || { echo "pipeline.sh: mutate failed on $base" >&2; exit 2; }
  chmod 0644 "$in"
  extra=(-o monero.payload_tree:FALSE)
  [ $((i % 4)) = 0 ] && extra=(-2 -o monero.payload_tree:TRUE)
  MSC_BUILD_DIR=$build timeout -k 5 "$timeout" "$repo/tests/tshark-msc" -n -r "$in" -T ek -J monero -Y monero \
    "${extra[@]}" >"$out" 2>"$err"
  rc=$?
  runs=$((runs + 1)); total=$((total + n))
  verdict=""
  if [ $rc = 124 ] || [ $rc = 137 ]; then verdict=hang; hangs=$((hangs + 1))
  elif grep -qE 'ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|SUMMARY: (Address|UndefinedBehavior)Sanitizer' "$err"; then verdict=sanitizer; san=$((san + 1))
  elif [ $rc -ge 128 ]; then verdict=crash; crashes=$((crashes + 1))
  # exit 2 = "capture cut short / bad record" from wiretap: expected for truncated/snapped inputs
  elif [ $rc != 0 ] && [ $rc != 2 ]; then verdict=crash; crashes=$((crashes + 1))
  elif ! python3 -c '
import json, sys
for n, line in enumerate(open(sys.argv[1], "rb"), 1):
    if line.strip():
        try: json.loads(line)
        except ValueError as e: sys.exit("line %d: %s" % (n, e))
' "$out" 2>>"$err"; then verdict=bad_output; bad=$((bad + 1))
  fi
  if [ -n "$verdict" ]; then
    f=$work/findings/$verdict-$(basename "$base")-seed$s
    cp "$in" "$f.pcap"; cp "$err" "$f.stderr"
    echo "pipeline: FINDING $verdict: base $(basename "$base") op $op seed $s (tshark exit $rc) -> $f.pcap" >&2
    grep -E 'ERROR:|runtime error:|SUMMARY:' "$err" | head -5 >&2
  fi
done
el=$(( $(date +%s) - start ))
pps=$(( total / (el > 0 ? el : 1) ))
echo "pipeline: runs=$runs packets=$total crashes=$crashes hangs=$hangs sanitizer=$san bad_output=$bad seconds=$el packets/s=$pps"
[ $runs -gt 0 ] && [ $crashes = 0 ] && [ $hangs = 0 ] && [ $san = 0 ] && [ $bad = 0 ]

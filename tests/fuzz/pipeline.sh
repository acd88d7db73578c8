#!/usr/bin/env bash
# Whole-pipeline fuzzing: mutated captures -> tshark + moneroscope plugin (built with
# -DMSC_SANITIZE=ON: ASan/UBSan runtimes are preloaded by tests/tshark-msc) -> ek output.
#
# Usage: pipeline.sh [--packets N] [--seconds S] [--timeout T] [--seed N] [--work DIR]
#                    [--scale K] [--batch-packets P] [--batch-max V] [--forms LIST] [--keep]
#                    BUILD_DIR [CAPTURE...]
#   BUILD_DIR     build directory with the plugin and msc-plugin.env (use an MSC_SANITIZE=ON build)
#   CAPTURE...    base captures (default: tests/corpus/synthetic/*, tests/corpus/malformed/*.pcap and,
#                 if readable, ../shared/captures/ndpi-monero.pcap or $MSC_NDPI_PCAP)
#   --packets N   stop once N mutated packets went through tshark (default 1000000)
#   --seconds S   stop after S seconds anyway (default: no limit)
#   --timeout T   a tshark run longer than T seconds is a hang (default 120)
#   --scale K     also generate a msc-synth scale capture (--scale K) as a base (default 0 = none)
#   --seed N      first mutation seed (default 1); the run is reproducible from it
#   --work DIR    scratch directory (default: mktemp); findings are kept in DIR/findings
#   --batch-packets P  one tshark run takes mutated variants of consecutive base captures until
#                 their (unmutated) packet count reaches P (default 20000; 0 = one variant per run)
#   --batch-max V at most V variants per run (default 64)
#   --forms LIST  comma-separated export forms the runs rotate over (default all:
#                 record,full,compact,twopass,tap)
# Each round mutates base captures (tests/fuzz/mutate.py: editcap -E, -s, -C, truncation,
# shuffled/duplicated/dropped segments; variant n of the whole run uses seed SEED+n), concatenates
# the variants into one capture (mutate.py --batch: addresses of variant j XORed with j so their
# TCP conversations stay apart; tshark start-up, ~1 s with the sanitizer runtimes, is paid once per
# batch instead of once per 6-packet capture), runs tshark with, in turn, the record export
# (record: -T ek -e monero.record), the full -J form with per-entry (full) and with compact peer
# lists (compact), two passes (-2) with the generic payload tree on (twopass), and the tap export
# (tap: -q -z monero,records, built without a tree) - and checks: no crash (signal), no sanitizer
# report, no hang, output in which every line is JSON or a well-formed record line
# (check_output.py), and for tap runs the same lines as -T fields on the same batch. After a failed
# batch every variant is rerun alone; the batch and each failing variant are kept in DIR/findings.
# Prints a summary line:
#   pipeline: forms=LIST runs=N variants=N packets=N crashes=N hangs=N sanitizer=N bad_output=N seconds=N packets/s=N
# Exit 0 when all counters of failures are 0 (and at least one run happened), 1 otherwise.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
packets=1000000 seconds=0 timeout=120 seed=1 work="" scale=0 keep=0 bpackets=20000 bmax=64
forms=record,full,compact,twopass,tap
while [ $# -gt 0 ]; do
  case "$1" in
    --packets) packets=$2; shift 2;;
    --seconds) seconds=$2; shift 2;;
    --timeout) timeout=$2; shift 2;;
    --seed) seed=$2; shift 2;;
    --work) work=$2; shift 2;;
    --scale) scale=$2; shift 2;;
    --batch-packets) bpackets=$2; shift 2;;
    --batch-max) bmax=$2; shift 2;;
    --forms) forms=$2; shift 2;;
    --keep) keep=1; shift;;
    --*) echo "pipeline.sh: unknown option $1" >&2; exit 2;;
    *) break;;
  esac
done
[ $# -ge 1 ] || { sed -n '2,37p' "$0" >&2; exit 2; }
IFS=, read -r -a form_list <<<"$forms"
for f in "${form_list[@]}"; do
  case $f in record|full|compact|twopass|tap) ;; *) echo "pipeline.sh: unknown form '$f' in --forms" >&2; exit 2;; esac
done
[ ${#form_list[@]} -ge 1 ] || { echo "pipeline.sh: --forms is empty" >&2; exit 2; }
build=$(cd "$1" && pwd) || exit 2; shift
for t in editcap capinfos python3 timeout; do
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
# packet count of every base (to fill batches)
counts=()
for b in "${bases[@]}"; do
  c=$(capinfos -c -M -T -r "$b" 2>/dev/null | awk -F'\t' 'NF>=2{print $2; exit}')
  counts+=("${c:-1}")
done
[ "$bmax" -ge 1 ] || bmax=1
echo "pipeline: ${#bases[@]} base captures, target $packets packets, timeout ${timeout}s, first seed $seed, batches of ${bpackets} packets / ${bmax} variants, work $work"

# judge_run RC: sets $verdict for a finished tshark run (hang, sanitizer report in $err, crash)
judge_run() {
  verdict=""
  if [ "$1" = 124 ] || [ "$1" = 137 ]; then verdict=hang
  elif grep -qE 'ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|SUMMARY: (Address|UndefinedBehavior)Sanitizer' "$err"; then verdict=sanitizer
  # exit 2 = "capture cut short / bad record" from wiretap: expected for truncated/snapped inputs
  elif [ "$1" != 0 ] && [ "$1" != 2 ]; then verdict=crash
  fi
}

# check IN with tshark options EXTRA...; sets $verdict ("" = ok) and $rc; stderr in $err
check() {
  local in=$1; shift
  MSC_BUILD_DIR=$build timeout -k 5 "$timeout" "$repo/tests/tshark-msc" -n -r "$in" "$@" >"$out" 2>"$err"
  rc=$?
  judge_run $rc
  [ -n "$verdict" ] && return
  if ! python3 "$here/check_output.py" "$out" 2>>"$err"; then verdict=bad_output
  elif [ "$1" = -q ]; then
    # the tap export (no tree) must write exactly what the tree-based -T fields export writes;
    # the reference run is judged like any run (a cut-short reference is not a tap difference)
    MSC_BUILD_DIR=$build timeout -k 5 "$timeout" "$repo/tests/tshark-msc" -n -r "$in" -T fields -Y monero \
      -o monero.payload_tree:FALSE -o monero.export_records:TRUE -e monero.record >"$out.fields" 2>>"$err"
    local frc=$?
    judge_run $frc
    if [ -n "$verdict" ]; then rc=$frc
    elif ! python3 "$here/check_output.py" "$out" "$out.fields" 2>>"$err"; then verdict=bad_output
    fi
  fi
}

runs=0 total=0 crashes=0 hangs=0 san=0 bad=0 variants=0
start=$(date +%s)
i=0 nb=0
out=$work/run/out.ek err=$work/run/err.txt in=$work/run/in.pcap
while :; do
  now=$(date +%s)
  [ "$total" -ge "$packets" ] && break
  [ "$seconds" != 0 ] && [ $((now - start)) -ge "$seconds" ] && break
  # the bases of this batch: consecutive (round robin) until bpackets packets or bmax variants
  batch=() want=0
  while :; do
    k=$((nb % ${#bases[@]})); nb=$((nb + 1))
    batch+=("${bases[$k]}"); want=$((want + counts[k]))
    [ "$want" -ge "$bpackets" ] || [ ${#batch[@]} -ge "$bmax" ] && break
  done
  s=$((seed + i)); i=$((i + ${#batch[@]}))
  python3 "$here/mutate.py" --batch "$in" "$s" "${batch[@]}" >"$work/run/batch.txt" \
    || { echo "pipeline.sh: mutate failed on ${batch[*]}" >&2; exit 2; }
  read -r _ n _ < "$work/run/batch.txt"
  chmod 0644 "$in"
  # runs rotate over the export forms (docs/ek-contract.md §1/§1b/§3c): the record export, the
  # full form with per-entry peer trees, the full form with compact peer lists, two passes with
  # the generic payload tree, and the tap export (no tree; compared with -T fields)
  full=(-T ek -J monero -Y monero)
  case ${form_list[$((runs % ${#form_list[@]}))]} in
    record) extra=(-T ek -Y monero -o monero.payload_tree:FALSE -o monero.export_records:TRUE -e monero.record);;
    full) extra=("${full[@]}" -o monero.payload_tree:FALSE -o monero.compact_peers:FALSE);;
    compact) extra=("${full[@]}" -o monero.payload_tree:FALSE -o monero.compact_peers:TRUE);;
    twopass) extra=(-2 "${full[@]}" -o monero.payload_tree:TRUE -o monero.compact_peers:TRUE);;
    tap) extra=(-q -z monero,records);;
  esac
  check "$in" "${extra[@]}"
  runs=$((runs + 1)); total=$((total + n)); variants=$((variants + ${#batch[@]}))
  if [ -n "$verdict" ]; then
    case $verdict in hang) hangs=$((hangs + 1));; sanitizer) san=$((san + 1));;
      crash) crashes=$((crashes + 1));; bad_output) bad=$((bad + 1));; esac
    f=$work/findings/$verdict-batch-seed$s
    cp "$in" "$f.pcap"; cp "$err" "$f.stderr"; cp "$work/run/batch.txt" "$f.variants"
    echo "pipeline: FINDING $verdict: batch of ${#batch[@]} variants, first seed $s (tshark exit $rc) -> $f.pcap" >&2
    grep -E 'ERROR:|runtime error:|SUMMARY:' "$err" | head -5 >&2
    # triage: each variant alone (same bytes as in the batch, without the address XOR)
    bverdict=$verdict
    tail -n +2 "$work/run/batch.txt" | while read -r j vs op vn vbase; do
      python3 "$here/mutate.py" "$vbase" "$work/run/one.pcap" "$vs" >/dev/null || continue
      chmod 0644 "$work/run/one.pcap"
      check "$work/run/one.pcap" "${extra[@]}"
      if [ -n "$verdict" ]; then
        g=$work/findings/$verdict-$(basename "$vbase")-seed$vs
        cp "$work/run/one.pcap" "$g.pcap"; cp "$err" "$g.stderr"
        echo "pipeline:   variant $j: base $(basename "$vbase") op $op seed $vs -> $verdict ($g.pcap)" >&2
      fi
    done
    verdict=$bverdict
  fi
done
el=$(( $(date +%s) - start ))
pps=$(( total / (el > 0 ? el : 1) ))
echo "pipeline: forms=$forms runs=$runs variants=$variants packets=$total crashes=$crashes hangs=$hangs sanitizer=$san bad_output=$bad seconds=$el packets/s=$pps"
[ $runs -gt 0 ] && [ $crashes = 0 ] && [ $hangs = 0 ] && [ $san = 0 ] && [ $bad = 0 ]

#!/usr/bin/env bash
# moneroscope benchmark (prints figures; not a timed test). See docs/performance.md.
#
# Generates a synthetic capture set with msc-synth's scale scenario (several vantage points, each
# 2 h of traffic written as dumpcap -b duration:N would rotate it, data/pcapng/<vantage>/scale_NNNNN_*.pcapng)
# and measures, on the same machine and in one run:
#   1. bare    tshark -r with the plugin, every capture, all cores   (the floor of the architecture)
#   2. ek      the contract ek export (docs/ek-contract.md §1, `moneroscope tshark-args`), all cores,
#              ek files kept
#   3. analyze moneroscope analyze on those ek files                  (post-processor alone)
#   4. run     moneroscope run on the captures (tshark -q -z monero,records, the plugin's tap export
#              of docs/ek-contract.md §3c, streamed into the analysis and the report: end to end)
#   5. sim     msc-bench-similarity: exact peer-list Jaccard join over --sim-lists lists (2 threads)
# For each: wall and CPU (user+sys, children included) seconds, peak RSS of the largest process,
# the peak of the sum over all its processes at once (sampled every 0.2 s) and each program's own
# peak (tshark, moneroscope), packets/s and MB/s of capture; then the ratios against the issue #6
# targets.
#
# Usage: run.sh [--scale K] [--vantages V] [--build DIR] [--work DIR] [--jobs N] [--keep]
#               [--rotate S] [--sim-lists N] [--skip STEP]... [--reuse]
#   --scale K       msc-synth --scale per vantage (default 48: 4 x 48 x ~26.4k = ~5.1 M Levin messages,
#                   ~8 GB of pcapng - paper scale; use e.g. --scale 1 for a quick look)
#   --vantages V    number of vantage points (default 4)
#   --rotate S      one capture file per S seconds of the 2 h (default 900, like dumpcap -b duration:900:
#                   tshark holds about 160 MB + 1.8x the file it reads, docs/performance.md §2;
#                   0 = a single scale.pcapng per vantage)
#   --build DIR     build directory with msc-synth, the plugin, moneroscope (default <repo>/build)
#   --work DIR      where captures, ek and outputs go (default: mktemp -d under /var/tmp)
#   --jobs N        parallel tshark processes (default: nproc)
#   --sim-lists N   peer lists for step 5 (default 700000; 0 = skip)
#   --skip STEP     skip bare|ek|analyze|run|sim (repeatable)
#   --reuse         keep captures already present in --work (do not regenerate)
#   --moneroscope P / --sim-bench P   use these binaries instead of the ones in --build
#   --keep          keep --work afterwards (default: deleted unless --work was given)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
scale=48 rotate=900 vantages=4 build=$repo/build work="" msc_bin="" sim_bin="" jobs=$(nproc) keep=0 simlists=700000 reuse=0 skip=" "
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) scale=$2; shift 2;;
    --vantages) vantages=$2; shift 2;;
    --rotate) rotate=$2; shift 2;;
    --build) build=$2; shift 2;;
    --work) work=$2; keep=1; shift 2;;
    --jobs) jobs=$2; shift 2;;
    --sim-lists) simlists=$2; shift 2;;
    --skip) skip="$skip$2 "; shift 2;;
    --reuse) reuse=1; shift;;
    --moneroscope) msc_bin=$2; shift 2;;
    --sim-bench) sim_bin=$2; shift 2;;
    --keep) keep=1; shift;;
    *) sed -n '2,35p' "$0" >&2; exit 2;;
  esac
done
build=$(cd "$build" && pwd) || exit 2
synth=$build/tests/synth/msc-synth
msc=${msc_bin:-$build/postproc/cli/moneroscope}
simb=${sim_bin:-$build/postproc/metrics/msc-bench-similarity}
tsh=$repo/tests/tshark-msc
[ -x /usr/bin/time ] || { echo "run.sh: /usr/bin/time missing (Debian package 'time', scripts/deps.sh)" >&2; exit 2; }
[ -x "$synth" ] || { echo "run.sh: $synth missing (build target msc-synth)" >&2; exit 2; }
[ -f "$build/msc-plugin.env" ] || { echo "run.sh: plugin not built in $build" >&2; exit 2; }
if grep -q '^MSC_PLUGIN_SANITIZE=1' "$build/msc-plugin.env"; then
  echo "run.sh: warning: $build is a sanitizer build; figures are not representative" >&2
fi
if [ -z "$work" ]; then work=$(mktemp -d /var/tmp/msc-bench.XXXXXX); fi
[ $keep = 1 ] || trap 'rm -rf "$work"' EXIT
mkdir -p "$work/data/pcapng" "$work/ek" "$work/out"
chmod 0755 "$work" "$work/data" "$work/data/pcapng" "$work/ek"   # tshark-msc runs tshark as uid 65534 under root
skipped() { case "$skip" in *" $1 "*) return 0;; esac; return 1; }
export MSC_BUILD_DIR=$build

echo "== moneroscope bench: $(date -u +%FT%TZ) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "   $( "$tsh" -v 2>/dev/null | head -1), scale $scale x $vantages vantages, rotate ${rotate}s, jobs $jobs, work $work"

# ---- capture set ----------------------------------------------------------------------------
vips=()
for ((v = 1; v <= vantages; v++)); do
  d=$work/data/pcapng/v$v
  if [ $reuse = 0 ] || [ -z "$(ls "$d"/scale*.pcapng 2>/dev/null)" ]; then
    rm -rf "$d"; mkdir -p "$d"; chmod 0755 "$d"
    "$synth" --scenario scale --scale "$scale" --rotate "$rotate" --seed "$v" --out "$d" || exit 1
  fi
  chmod 0644 "$d"/*.pcapng
  vips+=(-V "v$v=198.51.100.10")   # the scale scenario's vantage address
done
caps=("$work"/data/pcapng/v*/scale*.pcapng)
largest=$(ls -S "${caps[@]}" | head -1)
bytes=$(cat "${caps[@]}" | wc -c)
pkts=0
for c in "${caps[@]}"; do pkts=$((pkts + $(capinfos -c -M "$c" | awk '/Number of packets/ {print $NF}'))); done
mb=$(awk -v b="$bytes" 'BEGIN{printf "%.1f", b/1e6}')
echo "   captures: ${#caps[@]} files, $pkts packets, $mb MB (largest file $(($(stat -c %s "$largest") / 1000000)) MB)"

# ---- measuring --------------------------------------------------------------------------------
declare -A WALL CPU RSS SUMRSS PROGRSS
# sample_rss ROOT OUT: every 0.2 s, the RSS of ROOT's whole process tree; writes "SUM_PEAK_MB" and
# "PROG PEAK_MB" lines (largest single process of each program). /usr/bin/time only reports the
# largest process, but `run` holds --jobs tshark processes and moneroscope at the same time.
sample_rss() {
  local root=$1
  while kill -0 "$root" 2>/dev/null; do ps -e -o pid=,ppid=,rss=,comm=; echo ---; sleep 0.2; done | awk -v root="$root" '
    $0 == "---" {
      changed = 1; inside[root] = 1
      while (changed) { changed = 0; for (p in par) if (!(p in inside) && (par[p] in inside)) { inside[p] = 1; changed = 1 } }
      sum = 0
      for (p in inside) if (p in rss) { sum += rss[p]; if (rss[p] > peak[comm[p]]) peak[comm[p]] = rss[p] }
      if (sum > sumpeak) sumpeak = sum
      delete par; delete rss; delete comm; delete inside
      next
    }
    { par[$1] = $2; rss[$1] = $3; comm[$1] = $4 }
    END { printf "sum %.0f\n", sumpeak / 1024; for (c in peak) printf "%s %.0f\n", c, peak[c] / 1024 }'
}
measure() {   # measure NAME command...   (runs under /usr/bin/time -v)
  local name=$1; shift
  local tf=$work/time.$name
  /usr/bin/time -v -o "$tf" "$@" &
  local tp=$!
  sample_rss $tp > "$work/rss.$name" &
  local sp=$!
  wait $tp
  local rc=$?
  wait $sp
  WALL[$name]=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$tf")
  CPU[$name]=$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {print u+s}' "$tf")
  RSS[$name]=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$tf")
  SUMRSS[$name]=$(awk '$1 == "sum" {print $2}' "$work/rss.$name")
  PROGRSS[$name]=$(awk '$1 != "sum" && $2 >= 10 {printf "%s%s %s MB", sep, $1, $2; sep = ", "}' "$work/rss.$name")
  printf '%-8s wall %8.1f s  cpu %8.1f s  peak_rss %6s MB  %10.0f pkt/s  %7.1f MB/s  (exit %d)\n' "$name" \
    "${WALL[$name]}" "${CPU[$name]}" "${RSS[$name]}" \
    "$(awk -v p="$pkts" -v w="${WALL[$name]}" 'BEGIN{print (w>0)?p/w:0}')" \
    "$(awk -v b="$bytes" -v w="${WALL[$name]}" 'BEGIN{print (w>0)?b/1e6/w:0}')" $rc
  printf '         rss: all processes at once %s MB; per program: %s\n' "${SUMRSS[$name]:-n/a}" "${PROGRSS[$name]:-n/a}"
  return $rc
}
export tsh work
if ! skipped bare; then
  measure bare bash -c 'printf "%s\0" "$@" | xargs -0 -P '"$jobs"' -I{} "$tsh" -n -r {} >/dev/null' _ "${caps[@]}"
fi
if ! skipped ek; then
  # the contract export (docs/ek-contract.md §1): `moneroscope tshark-args` = -T ek -e monero.record ...
  export MSC_EK_ARGS="$("$msc" tshark-args | tr '\n' ' ')"
  measure ek bash -c 'printf "%s\0" "$@" | xargs -0 -P '"$jobs"' -I{} bash -c '"'"'v=$(basename "$(dirname "$1")"); mkdir -p "$work/ek/$v"; "$tsh" -n -r "$1" $MSC_EK_ARGS > "$work/ek/$v/$(basename "$1" .pcapng).ek"'"'"' _ {}' _ "${caps[@]}"
  ekmb=$(cat "$work"/ek/*/*.ek | wc -c | awk '{printf "%.1f", $1/1e6}')
  # records: "…|command=N|…" (a record starts with frame_time=, so command= always follows a '|')
  msgs=$(cat "$work"/ek/*/*.ek | grep -o '|command=' | wc -l)
  lists=$(cat "$work"/ek/*/*.ek | grep -o '|peerlist_count=' | wc -l)
  echo "         ek: $ekmb MB, $msgs Levin messages, $lists peer lists"
fi
if [ -x "$msc" ]; then
  if ! skipped analyze && [ -n "$(ls "$work"/ek/*/*.ek 2>/dev/null)" ]; then
    args=()
    for d in "$work"/ek/v*/; do args+=("$(basename "$d")=$d"); done
    measure analyze "$msc" analyze "${args[@]}" "${vips[@]}" --out "$work/out/analyze" --quiet
  fi
  if ! skipped run; then
    measure run "$msc" run "$work/data/pcapng" --tshark "$tsh" --jobs "$jobs" "${vips[@]}" --out "$work/out/run" --quiet --progress never
  fi
else
  echo "analyze/run: $msc not built - skipped"
fi
if ! skipped sim && [ "$simlists" != 0 ]; then
  if [ -x "$simb" ]; then
    measure sim bash -c '"$0" "$@" | tee "'"$work"'/sim.out"' "$simb" --lists "$simlists" --threads 2
    # the join alone (the step's wall time also generates the 700 k synthetic lists)
    JOIN_WALL=$(sed -n 's/.*| join \([0-9.]*\) s wall.*/\1/p' "$work/sim.out" | tail -1)
  else
    echo "sim: $simb not built - skipped"
  fi
fi

# ---- ratios ----------------------------------------------------------------------------------
echo "== targets (issue #6)"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b>0) printf "%.2f", a/b; else print "n/a"}'; }
verdict() { awk -v x="$1" -v t="$2" 'BEGIN{ if (x=="n/a") print "n/a"; else print (x<=t)?"MET":"NOT MET"}'; }
if [ -n "${WALL[run]:-}" ] && [ -n "${WALL[bare]:-}" ]; then
  r=$(ratio "${WALL[run]}" "${WALL[bare]}"); echo "run wall / bare wall         = $r   (target <= 2.00: $(verdict "$r" 2))"
  echo "run cpu / bare cpu           = $(ratio "${CPU[run]}" "${CPU[bare]}")"
fi
if [ -n "${CPU[analyze]:-}" ] && [ -n "${CPU[ek]:-}" ]; then
  r=$(ratio "${CPU[analyze]}" "${CPU[ek]}"); echo "analyze cpu / ek tshark cpu  = $r   (target <= 0.20: $(verdict "$r" 0.2))"
fi
if [ -n "${WALL[ek]:-}" ] && [ -n "${WALL[bare]:-}" ]; then
  echo "ek wall / bare wall          = $(ratio "${WALL[ek]}" "${WALL[bare]}")"
fi
if [ -n "${JOIN_WALL:-}" ]; then
  echo "similarity ($simlists lists)  = $JOIN_WALL s join wall (step ${WALL[sim]} s with list generation)  (target < 60 s on 2 cores: $(verdict "$(ratio "$JOIN_WALL" 60)" 0.9999))"
fi
peak=0
for k in "${!RSS[@]}"; do [ "${RSS[$k]}" -gt "$peak" ] && peak=${RSS[$k]}; done
if [ ${#RSS[@]} -gt 0 ]; then
  echo "peak RSS (largest process)   = $peak MB  (target <= 1024 MB: $( [ "$peak" -le 1024 ] && echo MET || echo NOT MET))"
  for prog in tshark moneroscope; do
    p=$(cat "$work"/rss.* 2>/dev/null | awk -v p="$prog" '$1 == p && $2 > m {m = $2} END {print m + 0}')
    [ "$p" -gt 0 ] && printf '  %-27s= %s MB  (target <= 1024 MB: %s)\n' "$prog alone" "$p" "$( [ "$p" -le 1024 ] && echo MET || echo NOT MET)"
  done
  for k in run bare; do
    [ -n "${SUMRSS[$k]:-}" ] && printf '  %-27s= %s MB  (%s processes at once, --jobs %s)\n' "$k: sum over processes" "${SUMRSS[$k]}" "$k" "$jobs"
  done
else
  echo "peak RSS (largest process)   = n/a (no step measured)"
fi

#!/usr/bin/env bash
# Runs one libFuzzer harness from its committed seeds and prints one summary line:
#   fuzz <harness>: execs=N exec/s=N cov=N ft=N corpus=N peak_rss_mb=N seconds=N findings=N
# Usage: fuzz.sh [--seconds N | --runs N] [--work DIR] [--quiet] [--keep-log] HARNESS BINARY [libFuzzer args...]
#   --seconds N   stop after N seconds    --runs N  stop after N executions
#                 (both: whichever comes first; neither: 20 seconds)
#   --work DIR    persistent working corpus + artifacts in DIR/HARNESS (default ./fuzz-work)
#   --quiet       print only the summary line (and the findings / log tail on failure)
# Exit status: 0 = no crash, hang, leak, OOM or sanitizer report; 1 = finding(s) (reproducers
# are listed; copy them into tests/fuzz/regressions/HARNESS/); 2 = usage / setup error.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
seconds="" runs="" work=./fuzz-work quiet=0
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2;;
    --runs) runs=$2; shift 2;;
    --work) work=$2; shift 2;;
    --quiet) quiet=1; shift;;
    --*) echo "fuzz.sh: unknown option $1" >&2; exit 2;;
    *) break;;
  esac
done
[ $# -ge 2 ] || { sed -n '2,10p' "$0" >&2; exit 2; }
h=$1 bin=$2; shift 2
[ -x "$bin" ] || { echo "fuzz.sh: $bin is not an executable" >&2; exit 2; }
seeds=$here/seeds/$h
[ -d "$seeds" ] || { echo "fuzz.sh: no seed directory $seeds" >&2; exit 2; }
dirs=("$seeds")
[ -d "$here/regressions/$h" ] && dirs+=("$here/regressions/$h")

wd=$work/$h
mkdir -p "$wd/corpus" "$wd/artifacts" || exit 2
log=$wd/last.log
# the ek reader gets longer inputs (16 KB: a peer list of ~100 entries; structure, not size, matters)
maxlen=()
[ "$h" = ek_ingest ] && maxlen=(-max_len=16384)
[ -z "$seconds" ] && [ -z "$runs" ] && seconds=20
limit=()
[ -n "$runs" ] && limit+=(-runs="$runs")
[ -n "$seconds" ] && [ "$seconds" != 0 ] && limit+=(-max_total_time="$seconds")
before=$(ls "$wd/artifacts" | wc -l)
start=$(date +%s.%N)
# -timeout: one input taking > 10 s is a hang; -malloc_limit_mb: no single allocation may exceed
# 512 MB (inputs are at most 16 KB, so that would be an allocation from a claimed length);
# -rss_limit_mb: the whole process stays under 2 GB; leaks are detected (ASan LeakSanitizer).
"$bin" "${limit[@]}" "${maxlen[@]}" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512 \
  -print_final_stats=1 -artifact_prefix="$wd/artifacts/" "$@" "$wd/corpus" "${dirs[@]}" >"$log" 2>&1
rc=$?
end=$(date +%s.%N)
after=$(ls "$wd/artifacts" | wc -l)
stat() { grep -m1 "^stat::$1:" "$log" | awk '{print $2}'; }
execs=$(stat number_of_executed_units) eps=$(stat average_exec_per_sec) rss=$(stat peak_rss_mb)
covline=$(grep -E '#[0-9]+.*cov: [0-9]+' "$log" | tail -1)
cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<<"$covline")
ft=$(sed -n 's/.*ft: \([0-9]*\).*/\1/p' <<<"$covline")
corpus=$(sed -n 's/.*corp: \([0-9]*\).*/\1/p' <<<"$covline")
findings=$((after - before))
[ $rc -ne 0 ] && [ $findings -eq 0 ] && findings=1
printf 'fuzz %s: execs=%s exec/s=%s cov=%s ft=%s corpus=%s peak_rss_mb=%s seconds=%.0f findings=%d\n' \
  "$h" "${execs:-?}" "${eps:-?}" "${cov:-?}" "${ft:-?}" "${corpus:-?}" "${rss:-?}" \
  "$(awk -v a="$start" -v b="$end" 'BEGIN{print b-a}')" "$findings"
if [ $rc -ne 0 ] || [ $findings -ne 0 ]; then
  echo "fuzz.sh: $h FAILED (libFuzzer exit $rc); log: $log" >&2
  grep -E 'ERROR: |SUMMARY: |Test unit written to|deadly signal|==[0-9]+==' "$log" | head -20 >&2
  ls -1 "$wd/artifacts" >&2
  exit 1
fi
[ $quiet = 1 ] || tail -5 "$log"
exit 0

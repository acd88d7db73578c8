#!/usr/bin/env bash
# Long fuzzing campaign (nightly / by hand): every libFuzzer harness for N executions, then
# optionally the whole-pipeline fuzzer; prints executions, coverage and findings per harness.
#
# Usage: campaign.sh [--runs N] [--seconds S] [--build DIR] [--work DIR] [--harness H]...
#                    [--pipeline-build DIR] [--pipeline-packets N]
#   --runs N              executions per harness (default 10000000, the issue #6 target)
#   --seconds S           additionally stop each harness after S seconds (default: no limit)
#   --build DIR           libFuzzer build directory (default <repo>/build-fuzz); configured with
#                         clang + -DMSC_FUZZ=ON -DMSC_BUILD_PLUGIN=OFF and built if missing
#   --work DIR            persistent corpora + artifacts (default <build>/fuzz-work); a corpus grows
#                         across campaigns, so later campaigns start from everything found so far
#   --harness H           only these harnesses (header varint walker fragment ek_ingest)
#   --pipeline-build DIR  also run tests/fuzz/pipeline.sh with the plugin of DIR (an MSC_SANITIZE=ON
#                         build) for --pipeline-packets mutated packets (default 1000000)
# Exit status 0 when nothing was found. Findings: <work>/<harness>/artifacts/ (crash-*, leak-*,
# timeout-*, oom-*) and <work>/pipeline/findings/; each one becomes a file in
# tests/fuzz/regressions/<harness>/ (see tests/fuzz/regressions/README.md).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
runs=10000000 seconds=0 build=$repo/build-fuzz work="" pbuild="" ppackets=1000000 harnesses=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2;;
    --seconds) seconds=$2; shift 2;;
    --build) build=$2; shift 2;;
    --work) work=$2; shift 2;;
    --harness) harnesses+=("$2"); shift 2;;
    --pipeline-build) pbuild=$2; shift 2;;
    --pipeline-packets) ppackets=$2; shift 2;;
    *) sed -n '2,21p' "$0" >&2; exit 2;;
  esac
done
[ ${#harnesses[@]} -gt 0 ] || harnesses=(header varint walker fragment ek_ingest)
: "${work:=$build/fuzz-work}"
bin_of() { if [ "$1" = ek_ingest ]; then echo "$build/tests/fuzz/fuzz_ek_ingest"; else echo "$build/plugin/fuzz_$1"; fi; }

need_build=0
for h in "${harnesses[@]}"; do [ -x "$(bin_of "$h")" ] || need_build=1; done
if [ $need_build = 1 ] || [ "${MSC_CAMPAIGN_REBUILD:-1}" = 1 ]; then
  [ -f "$build/CMakeCache.txt" ] || CC=clang CXX=clang++ cmake -S "$repo" -B "$build" \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMSC_FUZZ=ON -DMSC_BUILD_PLUGIN=OFF >/dev/null || exit 2
  cmake --build "$build" -j"$(nproc)" --target $(for h in "${harnesses[@]}"; do echo fuzz_$h; done) >/dev/null || exit 2
fi

status=0
summary=()
for h in "${harnesses[@]}"; do
  args=(--runs "$runs" --quiet --work "$work")
  [ "$seconds" != 0 ] && args+=(--seconds "$seconds")
  line=$(bash "$here/fuzz.sh" "${args[@]}" "$h" "$(bin_of "$h")") || status=1
  echo "$line"
  summary+=("$line")
done
if [ -n "$pbuild" ]; then
  line=$(bash "$here/pipeline.sh" --packets "$ppackets" --work "$work/pipeline" "$pbuild" | tail -1) || status=1
  echo "$line"
  summary+=("$line")
fi
echo "== campaign summary ($(date -u +%FT%TZ), $(nproc) cores) =="
printf '%s\n' "${summary[@]}"
[ $status = 0 ] && echo "campaign: no findings" || echo "campaign: FINDINGS - see $work (copy reproducers into tests/fuzz/regressions/<harness>/)"
exit $status

#!/usr/bin/env bash
# One entry point for the README quick start.
#   scripts/quickstart.sh sample   install deps, build, install, run the main job on the bundled samples
#   scripts/quickstart.sh test     install deps, build (normal, ASan/UBSan, fuzz, Wireshark 4.4), run every test
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
mode=${1:-sample}
jobs=$(nproc)

bash scripts/deps.sh "$mode"

build() { # build DIR [cmake args...]
  local dir=$1; shift
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$dir" -j"$jobs"
}

case "$mode" in
  sample)
    build build
    cmake --install build >/dev/null
    bash scripts/run-sample.sh
    ;;
  test)
    # 1. ASan/UBSan build: every test labelled "asan" (plugin loaded into tshark via LD_PRELOAD).
    # 2. libFuzzer build (clang): a short fuzz run per harness (CTest label "fuzz").
    # 3. Wireshark 4.4.19 (private root from Debian trixie packages): the plugin tests again.
    # 4. Normal build: the full suite, whose CTest summary line is the last thing printed.
    if [ "${MSC_SKIP_SANITIZE:-0}" != 1 ]; then
      build build-asan -DMSC_SANITIZE=ON
      (cd build-asan && ctest --output-on-failure -j"$jobs" -L asan)
    fi
    if [ "${MSC_SKIP_FUZZ:-0}" != 1 ]; then
      CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DMSC_FUZZ=ON -DMSC_BUILD_PLUGIN=OFF >/dev/null
      cmake --build build-fuzz -j"$jobs" --target fuzz_header fuzz_varint fuzz_walker fuzz_fragment fuzz_ek_ingest
      (cd build-fuzz && ctest --output-on-failure -L '^fuzz$')
    fi
    if [ "${MSC_SKIP_WS44:-0}" != 1 ]; then
      bash scripts/tshark44.sh --test
    fi
    build build
    (cd build && ctest --output-on-failure -j"$jobs")
    ;;
  *)
    echo "usage: $0 sample|test" >&2; exit 2;;
esac

#!/usr/bin/env bash
# One entry point for the README quick start.
#   scripts/quickstart.sh sample   install deps, build, install, run the main job on the bundled samples
#   scripts/quickstart.sh test     install deps, build (normal + sanitizer), run every test with ctest
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
    # Sanitizer build first (tests labelled "asan"), then the full suite, whose CTest
    # summary line is the last thing printed.
    if [ "${MSC_SKIP_SANITIZE:-0}" != 1 ]; then
      build build-asan -DMSC_SANITIZE=ON
      (cd build-asan && ctest --output-on-failure -j"$jobs" -L asan)
    fi
    build build
    (cd build && ctest --output-on-failure -j"$jobs")
    ;;
  *)
    echo "usage: $0 sample|test" >&2; exit 2;;
esac

#!/usr/bin/env bash
# Regenerates every committed corpus file, bit for bit:
#   tests/synth/regen.sh MSC_SYNTH_BINARY [OUT_ROOT]
# OUT_ROOT defaults to this repository's tests/corpus (writes synthetic/ and malformed/).
set -euo pipefail
bin=$1
root=${2:-$(cd "$(dirname "$0")/../corpus" && pwd)}
SEED=1  # the committed corpus is generated with seed 1
mkdir -p "$root/synthetic" "$root/malformed"
for s in basic anomalies corner multi; do
  "$bin" --scenario "$s" --seed "$SEED" --out "$root/synthetic" --quiet
done
"$bin" --scenario malformed --seed "$SEED" --out "$root/malformed" --quiet

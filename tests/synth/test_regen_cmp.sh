#!/usr/bin/env bash
# Determinism: regenerate the corpus into a temporary directory and compare every file with the
# committed one (cmp), both ways, so a missing or extra file fails too.
set -euo pipefail
bin=$1
src=$2  # repository tests/corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bash "$(dirname "$0")/regen.sh" "$bin" "$tmp"
status=0
for sub in synthetic malformed; do
  committed=$(cd "$src/$sub" && ls | sort)
  generated=$(cd "$tmp/$sub" && ls | sort)
  if [ "$committed" != "$generated" ]; then
    echo "file lists differ in $sub:"; diff <(echo "$committed") <(echo "$generated") || true; status=1
  fi
  for f in $generated; do
    if [ -f "$src/$sub/$f" ] && ! cmp -s "$src/$sub/$f" "$tmp/$sub/$f"; then
      echo "DIFFERS: $sub/$f"; status=1
    fi
  done
done
n=$(ls "$tmp/synthetic" "$tmp/malformed" | grep -c '\.' || true)
[ $status -eq 0 ] && echo "regenerated $n files: all identical to the committed corpus"
exit $status

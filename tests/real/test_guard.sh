#!/usr/bin/env bash
# CTest wrapper for record.sh's safety guard.
#   test_guard.sh ok        --check-only must pass (exit 0)
#   test_guard.sh default   a default route injected into our own namespace: guard must refuse (exit 3)
#   test_guard.sh route     a route to 203.0.113.0/24 injected: guard must refuse (exit 3)
# In every case the run's namespaces (mscrec-<pid>-*) must be gone afterwards.
# Exits 77 (skip) without root or without network-namespace support.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mode=${1:?usage: test_guard.sh ok|default|route}
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
command -v ip >/dev/null || { echo "SKIP: no ip(8)"; exit 77; }
probe="mscguardprobe-$$"
if ! ip netns add "$probe" 2>/dev/null; then echo "SKIP: cannot create network namespaces"; exit 77; fi
ip netns del "$probe"

case "$mode" in
  ok) args=(--check-only); want=0;;
  default) args=(--check-only --inject-default-route); want=3;;
  route) args=(--check-only --inject-route); want=3;;
  *) echo "bad mode $mode"; exit 2;;
esac
log=$(mktemp)
trap 'rm -f "$log"' EXIT
bash "$here/record.sh" "${args[@]}" 2>"$log"
rc=$?
cat "$log"
fail=0
if [ "$rc" -ne "$want" ]; then echo "FAIL: record.sh ${args[*]} exited $rc, expected $want"; fail=1; fi
prefix=$(grep -oE 'mscrec-[0-9]+-' "$log" | head -1)
if [ -z "$prefix" ]; then echo "FAIL: record.sh did not name its namespaces"; fail=1
elif ip netns list | grep -q "^$prefix"; then echo "FAIL: namespaces ${prefix}* left behind"; fail=1; fi
case "$mode" in
  ok) grep -q "guard OK" "$log" || { echo "FAIL: no 'guard OK'"; fail=1; };;
  default) grep -q "has a default route" "$log" && grep -q "can route to 1.1.1.1" "$log" \
             || { echo "FAIL: refusal reasons missing"; fail=1; }
           grep -q "guard OK" "$log" && { echo "FAIL: guard passed"; fail=1; };;
  route) grep -q "route leaves 198.51.100.0/24: 203.0.113.0/24" "$log" \
             || { echo "FAIL: refusal reason missing"; fail=1; }
           grep -q "guard OK" "$log" && { echo "FAIL: guard passed"; fail=1; };;
esac
[ $fail = 0 ] && echo "PASS: guard $mode"
exit $fail

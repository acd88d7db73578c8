#!/usr/bin/env bash
# Offline test of scripts/asn-data.sh: converts a tiny package tarball shaped like
# @ip-location-db/asn (no network) and checks the compact file.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src/package" "$tmp/cache/asn/pkg"
p="$tmp/src/package"
cat > "$p/asn-ipv4.csv" <<'CSV'
1.0.0.0,1.0.0.255,13335,"Cloudflare, Inc."
2.26.200.0,2.26.215.255,201907,"LLC ""SPUTNIK"""
162.218.65.0,162.218.65.255,54098,LIONLINK NETWORKS
CSV
printf '2604:d500::,2604:d500:ffff:ffff:ffff:ffff:ffff:ffff,54098,LIONLINK NETWORKS\r\n' > "$p/asn-ipv6.csv"
echo '{ "name": "@ip-location-db/asn", "version": "2.3.2026061719" }' > "$p/package.json"
echo "CC BY 4.0" > "$p/DBIP-LICENSE"
echo "mods" > "$p/MODIFICATIONS"
tar czf "$tmp/cache/asn/pkg/ip-location-db-asn-2.3.2026061719.tgz" -C "$tmp/src" package
"$root/scripts/asn-data.sh" --offline --cache "$tmp/cache" >/dev/null
out="$tmp/cache/asn/asn.tsv"
fail=0
check() { grep -qxF -- "$1" "$out" || { echo "missing line: $1"; fail=1; }; }
check "# date: 2026-06-17"
check "# version: 2.3.2026061719"
check $'A\t13335\tCloudflare, Inc.'
check $'A\t201907\tLLC "SPUTNIK"'
check $'R\t162.218.65.0\t162.218.65.255\t54098'
check $'R\t2604:d500::\t2604:d500:ffff:ffff:ffff:ffff:ffff:ffff\t54098'
[ "$(grep -c $'^A\t54098\t' "$out")" = 1 ] || { echo "ASN 54098 organisation not deduplicated"; fail=1; }
[ "$(grep -c '^R' "$out")" = 4 ] || { echo "expected 4 ranges"; fail=1; }
[ -f "$tmp/cache/asn/LICENSES/DBIP-LICENSE" ] || { echo "licence not copied"; fail=1; }
[ "$(cat "$tmp/cache/asn/VERSION")" = 2.3.2026061719 ] || { echo "VERSION wrong"; fail=1; }
exit $fail

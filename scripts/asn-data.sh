#!/usr/bin/env bash
# Downloads the CC BY 4.0 IP->ASN data set (RouteViews + DB-IP + RIR data, npm package
# @ip-location-db/asn) with `npm pack` and converts its IPv4+IPv6 CSVs into the compact file
# moneroscope loads by default:  <cache>/asn/asn.tsv
#
#   scripts/asn-data.sh [--cache DIR] [--version X.Y.Z] [--offline]
#
# cache: $MSC_CACHE_DIR, else /var/cache/moneroscope when run as root, else ~/.cache/moneroscope.
# --offline converts an already downloaded package tarball without touching the network.
# Compact format (one record per line, '#' header lines record source, version and date):
#   A<TAB>asn<TAB>organisation        (once per ASN)
#   R<TAB>first<TAB>last<TAB>asn      (inclusive address range, IPv4 or IPv6 text)
# Licence: CC BY 4.0 (RouteViews, DB-IP, NRO) — the attribution is kept in the header and the
# package's licence files are copied next to asn.tsv.
set -euo pipefail

PKG=@ip-location-db/asn
version=""
offline=0
if [ -n "${MSC_CACHE_DIR:-}" ]; then cache="$MSC_CACHE_DIR"
elif [ "$(id -u)" -eq 0 ]; then cache=/var/cache/moneroscope
else cache="${HOME}/.cache/moneroscope"; fi
while [ $# -gt 0 ]; do
  case "$1" in
    --cache) cache="$2"; shift 2 ;;
    --version) version="$2"; shift 2 ;;
    --offline) offline=1; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "asn-data.sh: unknown option $1" >&2; exit 1 ;;
  esac
done
dir="$cache/asn"
mkdir -p "$dir/pkg"
spec="$PKG${version:+@$version}"

if [ "$offline" -eq 0 ]; then
  command -v npm >/dev/null || { echo "asn-data.sh: npm not found (apt-get install npm)" >&2; exit 1; }
  (cd "$dir/pkg" && npm pack --silent "$spec" >/dev/null)
fi
tgz=$(ls -t "$dir"/pkg/ip-location-db-asn-*.tgz 2>/dev/null | head -n1 || true)
[ -n "$tgz" ] || { echo "asn-data.sh: no package tarball in $dir/pkg" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar xzf "$tgz" -C "$work"
p="$work/package"
for f in asn-ipv4.csv asn-ipv6.csv; do
  [ -s "$p/$f" ] || { echo "asn-data.sh: $f missing in $tgz" >&2; exit 1; }
done
pkgver=$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "$p/package.json" | head -n1)
# The version's last component is the data set's build stamp YYYYMMDDHH.
stamp=${pkgver##*.}
date_iso="${stamp:0:4}-${stamp:4:2}-${stamp:6:2}"

out="$dir/asn.tsv.tmp"
{
  echo "# moneroscope-asn 1"
  echo "# source: npm $PKG $pkgver (RouteViews + DB-IP + NRO, CC BY 4.0)"
  echo "# version: $pkgver"
  echo "# date: $date_iso"
  echo "# license: CC BY 4.0, see LICENSES/ next to this file"
  # CSV with RFC 4180 quoting (organisation names may contain commas and quotes).
  cat "$p/asn-ipv4.csv" "$p/asn-ipv6.csv" | awk '
    function field(   f, q) {
      if (substr(rest, 1, 1) == "\"") {
        f = ""; rest = substr(rest, 2)
        while (1) {
          q = index(rest, "\"")
          if (q == 0) { f = f rest; rest = ""; return f }
          f = f substr(rest, 1, q - 1); rest = substr(rest, q + 1)
          if (substr(rest, 1, 1) == "\"") { f = f "\""; rest = substr(rest, 2) } else break
        }
        if (substr(rest, 1, 1) == ",") rest = substr(rest, 2)
        return f
      }
      q = index(rest, ",")
      if (q == 0) { f = rest; rest = ""; return f }
      f = substr(rest, 1, q - 1); rest = substr(rest, q + 1)
      return f
    }
    {
      sub(/\r$/, ""); rest = $0
      lo = field(); hi = field(); asn = field(); org = rest
      if (substr(org, 1, 1) == "\"") { rest = org; org = field() }
      gsub(/\t/, " ", org)
      if (lo == "" || hi == "" || asn !~ /^[0-9]+$/) next
      if (!(asn in seen)) { seen[asn] = 1; printf "A\t%s\t%s\n", asn, org }
      printf "R\t%s\t%s\t%s\n", lo, hi, asn
    }'
} > "$out"
mv "$out" "$dir/asn.tsv"
mkdir -p "$dir/LICENSES"
cp "$p"/*LICENSE* "$p"/MODIFICATIONS "$dir/LICENSES/" 2>/dev/null || true
echo "$pkgver" > "$dir/VERSION"
echo "asn-data.sh: $dir/asn.tsv ($(grep -c '^R' "$dir/asn.tsv") ranges, $(grep -c '^A' "$dir/asn.tsv") ASNs, data $date_iso, $PKG $pkgver)"

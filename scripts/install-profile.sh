#!/usr/bin/env bash
# Installs the Wireshark configuration profile "Monero" (profiles/Monero + the anomaly-class
# display-filter macros of filters/) into a user's Wireshark profiles, so that
#   wireshark -C Monero   and   tshark -C Monero   use its columns, coloring rules, filter buttons,
# saved filters and macros (${msc_sfo}, ${msc_sig}, ... — see filters/dfilter_macros).
#
# usage: scripts/install-profile.sh [--config-dir DIR] [--force]
#   --config-dir DIR  Wireshark personal configuration directory
#                     (default: ${XDG_CONFIG_HOME:-$HOME/.config}/wireshark, what Wireshark/tshark use)
#   --force           replace an existing Monero profile (otherwise changed files are kept and reported)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
conf="${XDG_CONFIG_HOME:-$HOME/.config}/wireshark"
force=0
while [ $# -gt 0 ]; do
  case "$1" in
    --config-dir) conf=$2; shift 2;;
    --force) force=1; shift;;
    -h|--help) sed -n '2,12p' "$0"; exit 0;;
    *) echo "install-profile.sh: unknown argument '$1' (see --help)" >&2; exit 2;;
  esac
done

src="$here/profiles/Monero"
dest="$conf/profiles/Monero"
[ -d "$src" ] || { echo "install-profile.sh: $src missing (run from a moneroscope checkout)" >&2; exit 1; }
mkdir -p "$dest"
kept=()
for f in "$src"/*; do
  name=$(basename "$f")
  if [ -e "$dest/$name" ] && [ $force -eq 0 ] && ! cmp -s "$f" "$dest/$name"; then
    kept+=("$name")
    continue
  fi
  cp -L "$f" "$dest/$name"     # -L: dfilter_macros is a link to filters/dfilter_macros
done
if [ ${#kept[@]} -gt 0 ]; then
  echo "install-profile.sh: kept your modified ${kept[*]} in $dest (use --force to replace)" >&2
fi
echo "Wireshark profile installed: $dest"
echo "  use it with:  wireshark -C Monero   or   tshark -C Monero -r capture.pcapng"

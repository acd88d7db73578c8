#!/usr/bin/env bash
# Installs every Debian 12 package moneroscope needs to build, test and run.
# Idempotent; needs root (apt-get). Add new packages to the lists below, never elsewhere.
#   scripts/deps.sh        build + run packages (README command 1)
#   scripts/deps.sh test   also the test packages (browser, GUI, namespaces; README command 2)
set -euo pipefail
want=${1:-run}

BUILD_PKGS=(
  build-essential cmake pkgconf git
  libwireshark-dev libwsutil-dev libwiretap-dev libglib2.0-dev
  nlohmann-json3-dev libmaxminddb-dev doctest-dev libcli11-dev
  clang-14 libclang-rt-14-dev
)
RUN_PKGS=(
  tshark wireshark-common
  python3
  librsvg2-bin
)
# npm (for the default ASN data) only when missing: machines with NodeSource's nodejs already
# ship npm, and Debian's npm package conflicts with that nodejs.
command -v npm >/dev/null 2>&1 || RUN_PKGS+=(npm)
TEST_PKGS=(
  iproute2 util-linux
  chromium xvfb xauth wireshark-qt imagemagick
  time
)

if [ "$(id -u)" -ne 0 ]; then
  echo "scripts/deps.sh: run as root (it calls apt-get)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer once, non-interactively.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
missing=()
pkgs=("${BUILD_PKGS[@]}" "${RUN_PKGS[@]}")
[ "$want" = test ] && pkgs+=("${TEST_PKGS[@]}")
for p in "${pkgs[@]}" ${MSC_EXTRA_PKGS:-}; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Default ASN data (CC BY 4.0, npm @ip-location-db/asn) for moneroscope; failure is not fatal.
"$(dirname "$0")/asn-data.sh" || echo "scripts/deps.sh: warning: ASN data not installed (scripts/asn-data.sh)" >&2

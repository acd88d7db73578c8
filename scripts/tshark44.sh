#!/usr/bin/env bash
# scripts/tshark44.sh — build a private, runnable Wireshark 4.4.19 root (tshark + headers) from
# Debian trixie packages, without installing anything system-wide (wireshark-notes.md §11).
#
#   scripts/tshark44.sh [DIR]        default DIR: $MSC_WS44_DIR or /opt/moneroscope/ws44
#   scripts/tshark44.sh --test [DIR] additionally build the plugin against it in build-ws44/ and run
#                                    the plugin and profile tests (ctest -L "plugin|profile") with tshark 4.4.19 (CI job)
#
# Idempotent: does nothing when DIR/root/usr/bin/tshark already reports 4.4.19. Result:
#   DIR/root/usr/bin/tshark               patched (interpreter + DT_RPATH into the private root)
#   DIR/pc44/wireshark.pc                 pkg-config file with an absolute prefix
#   DIR/env                               MSC_TSHARK=… and PKG_CONFIG_PATH=… (source it)
# Build the plugin against it:
#   PKG_CONFIG_PATH=DIR/pc44 cmake -S . -B build44 && cmake --build build44
#   MSC_BUILD_DIR=$PWD/build44 MSC_TSHARK=DIR/root/usr/bin/tshark tests/tshark-msc -v
# Needs root only for apt's private cache permissions (no system state is touched) and the
# Debian package patchelf (installed on demand).
set -euo pipefail
VER=4.4.19-0+deb13u1
run_tests=0
if [ "${1:-}" = --test ]; then run_tests=1; shift; fi
DIR=${1:-${MSC_WS44_DIR:-/opt/moneroscope/ws44}}
repo=$(cd "$(dirname "$0")/.." && pwd)
test_ws44() {
  [ $run_tests = 1 ] || return 0
  cmake -S "$repo" -B "$repo/build-ws44" -DMSC_WIRESHARK_PC_DIR="$DIR/pc44" >/dev/null
  cmake --build "$repo/build-ws44" -j"$(nproc)" --target monero test_levin_core
  (cd "$repo/build-ws44" && ctest -L "plugin|profile" --output-on-failure)
}
ROOT=$DIR/root
APT=$DIR/apt
tshark=$ROOT/usr/bin/tshark

if [ -x "$tshark" ] && grep -q "4\.4\.19" <<<"$("$tshark" -v 2>/dev/null || true)"; then
  echo "tshark44: $tshark is ready"
  test_ws44
  exit 0
fi
if ! command -v patchelf >/dev/null; then
  [ "$(id -u)" -eq 0 ] || { echo "tshark44: needs patchelf (apt-get install patchelf)" >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends patchelf >/dev/null
fi
mkdir -p "$APT/lists/partial" "$APT/cache/archives/partial" "$DIR/debs" "$ROOT" "$DIR/pc44"
MIRROR=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[ -n "$MIRROR" ] || MIRROR=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list)
echo "deb $MIRROR trixie main" > "$APT/sources.list"
: > "$APT/status"
A=(-o Dir::Etc::sourcelist="$APT/sources.list" -o Dir::Etc::sourceparts=- -o Dir::State::Lists="$APT/lists"
   -o Dir::State::status="$APT/status" -o Dir::Cache="$APT/cache" -o Debug::NoLocking=1)
apt-get "${A[@]}" update -qq
mapfile -t pkgs < <(apt-cache "${A[@]}" depends --recurse --no-recommends --no-suggests --no-conflicts \
    --no-breaks --no-replaces --no-enhances "tshark=$VER" | grep -v '^ ' | grep -v '^<' | sort -u)
pkgs+=(libwireshark-dev libwiretap-dev libwsutil-dev)
( cd "$DIR/debs" && apt-get "${A[@]}" download "${pkgs[@]}" >/dev/null )
for d in "$DIR"/debs/*.deb; do dpkg-deb -x "$d" "$ROOT"; done
patchelf --set-interpreter "$ROOT/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" --force-rpath \
  --set-rpath "$ROOT/usr/lib/x86_64-linux-gnu" "$tshark"
sed "1s|^prefix=.*|prefix=$ROOT/usr|" "$ROOT/usr/lib/x86_64-linux-gnu/pkgconfig/wireshark.pc" > "$DIR/pc44/wireshark.pc"
# extcap helpers are not patched and would print loader errors on every run; tshark does not need them
rm -rf "$ROOT/usr/lib/x86_64-linux-gnu/wireshark/extcap"
chmod -R a+rX "$DIR"
printf 'MSC_TSHARK=%s\nPKG_CONFIG_PATH=%s\n' "$tshark" "$DIR/pc44" > "$DIR/env"
v=$("$tshark" -v); echo "${v%%$'\n'*}"
test_ws44

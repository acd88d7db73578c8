#!/usr/bin/env bash
# Screenshot of the Wireshark GUI with the "Monero" profile and the moneroscope plugin on a sample
# capture, rendered on a private virtual X server (Xvfb). Not a CI test (GUI start-up timing varies);
# run it by hand after building:
#
#   bash scripts/wireshark-screenshot.sh [--build DIR] [--capture FILE] [--frame N] [--out PNG] [--wait S]
#     --build    build directory with the plugin (default: build; its msc-plugin.env names the .so)
#     --capture  capture to open (default: tests/corpus/synthetic/anomalies.pcapng)
#     --frame    packet to select, so the details pane shows a Levin message (default: 8)
#     --out      output PNG (default: <build>/wireshark-monero.png)
#     --wait     seconds to let Wireshark start and render (default: 20)
#
# Needs the Debian packages wireshark-qt, xvfb and imagemagick (scripts/deps.sh TEST_PKGS).
# As root, Wireshark only loads plugins from the global directory (wireshark-notes.md §4), so the
# GUI runs as uid/gid 65534 with a private HOME holding the freshly built plugin and the profile
# (installed by scripts/install-profile.sh); nothing outside that temporary HOME is changed.
# The X server listens only on its local socket (-nolisten tcp); Wireshark opens no capture device.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=$here/build capture=$here/tests/corpus/synthetic/anomalies.pcapng frame=8 out="" wait=20
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2;;
    --capture) capture=$2; shift 2;;
    --frame) frame=$2; shift 2;;
    --out) out=$2; shift 2;;
    --wait) wait=$2; shift 2;;
    -h|--help) sed -n '2,18p' "$0"; exit 0;;
    *) echo "wireshark-screenshot.sh: unknown argument $1" >&2; exit 2;;
  esac
done
out=${out:-$build/wireshark-monero.png}
for p in wireshark Xvfb import; do
  command -v $p >/dev/null || { echo "wireshark-screenshot.sh: $p missing: apt-get install wireshark-qt xvfb imagemagick (scripts/deps.sh)" >&2; exit 1; }
done
plugin=$(sed -n 's/^MSC_PLUGIN=//p' "$build/msc-plugin.env" 2>/dev/null || true)
[ -f "$plugin" ] || { echo "wireshark-screenshot.sh: no plugin in $build (build it first)" >&2; exit 1; }
ver=$(tshark -v 2>/dev/null | sed -n '1s/.* \([0-9][0-9]*\.[0-9][0-9]*\)\.[0-9].*/\1/p')

home=$(mktemp -d)
chmod 0755 "$home"
xpid="" wpid=""
cleanup() {
  [ -n "$wpid" ] && kill "$wpid" 2>/dev/null || true
  [ -n "$xpid" ] && kill "$xpid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$home"
}
trap cleanup EXIT
mkdir -p "$home/plugins/$ver/epan" "$home/in" "$home/run"
cp "$plugin" "$home/plugins/$ver/epan/monero.so"
cp "$capture" "$home/in/"
bash "$here/scripts/install-profile.sh" --config-dir "$home/.config/wireshark" >/dev/null
# Initial window geometry (there is no window manager to maximise it).
printf 'gui.geometry_main_x: 0\ngui.geometry_main_y: 0\ngui.geometry_main_width: 1600\ngui.geometry_main_height: 1000\ngui.geometry_main_maximized: TRUE\n' \
  >"$home/.config/wireshark/recent_common"
chmod -R a+rX "$home"
chown 65534:65534 "$home/run" && chmod 0700 "$home/run"

# A free display number.
n=90
while [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ]; do n=$((n + 1)); done
Xvfb ":$n" -screen 0 1600x1000x24 -nolisten tcp -ac >/dev/null 2>&1 &
xpid=$!
for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X$n" ] && break; sleep 0.2; done
[ -e "/tmp/.X11-unix/X$n" ] || { echo "wireshark-screenshot.sh: Xvfb did not start" >&2; exit 1; }

run=(env -i PATH=/usr/bin:/bin HOME="$home" DISPLAY=":$n" XDG_RUNTIME_DIR="$home/run"
     WIRESHARK_PLUGIN_DIR="$home/plugins" QT_QPA_PLATFORM=xcb LANG=C.UTF-8)
if [ "$(id -u)" -eq 0 ]; then run=(setpriv --reuid=65534 --regid=65534 --clear-groups "${run[@]}"); fi
"${run[@]}" wireshark -C Monero -r "$home/in/$(basename "$capture")" -g "$frame" >"$home/wireshark.log" 2>&1 &
wpid=$!
sleep "$wait"
kill -0 "$wpid" 2>/dev/null || { echo "wireshark-screenshot.sh: wireshark exited early:" >&2; cat "$home/wireshark.log" >&2; exit 1; }
mkdir -p "$(dirname "$out")"
DISPLAY=":$n" import -window root -trim +repage "$out"   # no window manager: crop to the window
echo "screenshot: $out"

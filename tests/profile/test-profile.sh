#!/usr/bin/env bash
# Checks the Wireshark profile "Monero" and the anomaly-class filter macros against the plugin:
#   1. scripts/install-profile.sh installs the profile into a private Wireshark config dir;
#   2. every monero.* field named in any filter (coloring rules, filter buttons, saved filters,
#      macros) is registered by the plugin (tshark -G fields), reported by name if not;
#   3. every filter compiles and runs (tshark -Y), including every macro via ${name} with -C Monero;
#      a deliberately unknown field must fail, so the check cannot pass vacuously;
#   4. tshark -C Monero uses the profile: its custom columns show the command of Levin messages;
#   5. the anomaly coloring rules / macros select exactly the frames the synthetic corpus's ground
#      truth says carry that anomaly (signature-only, last_seen, missing support_flags).
#
# usage: test-profile.sh TSHARK_WRAPPER ANOMALIES_PCAPNG ANOMALIES_TRUTH_JSON
#   TSHARK_WRAPPER  tests/tshark-msc (runs tshark with the freshly built plugin)
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
tshark=${1:?usage: $0 TSHARK_WRAPPER CAPTURE TRUTH_JSON}
capture=${2:?capture}
truth=${3:?truth json}
fail() { echo "FAIL: $*" >&2; exit 1; }

work=$(mktemp -d)
chmod 0755 "$work"                          # tshark runs as uid 65534 under the wrapper
trap 'rm -rf "$work"' EXIT
export MSC_TSHARK_HOME=$work/home          # private HOME for tshark (the wrapper's scratch home)
mkdir -p "$MSC_TSHARK_HOME"
bash "$here/scripts/install-profile.sh" --config-dir "$MSC_TSHARK_HOME/.config/wireshark" >/dev/null
prof=$MSC_TSHARK_HOME/.config/wireshark/profiles/Monero
for f in preferences colorfilters dfilter_buttons dfilters dfilter_macros dmacros; do
  [ -s "$prof/$f" ] || fail "profile file $f not installed"
done
# Wireshark 4.0 reads dfilter_macros ("name","expr"), 4.2+ reads dmacros ("name" expr): same macros.
python3 - "$prof" <<'PY' || fail "dfilter_macros and dmacros define different macros"
import csv, os, re, sys
def lines(name):
    with open(os.path.join(sys.argv[1], name), encoding="utf-8") as f:
        return [l.rstrip("\n") for l in f if l.strip() and not l.lstrip().startswith("#")]
old = {r[0]: r[1] for r in csv.reader(lines("dfilter_macros"))}
new = dict(re.match(r'"([^"]+)"\s+(.*)$', l).groups() for l in lines("dmacros"))
if old != new or not old:
    print("dfilter_macros:", old, "\ndmacros:", new)
    sys.exit(1)
PY
chmod -R a+rX "$MSC_TSHARK_HOME"

"$tshark" -G fields >"$work/fields.txt" 2>/dev/null || fail "tshark -G fields failed"
cut -f3 "$work/fields.txt" | sort -u >"$work/names.txt"
grep -qx 'monero.sig_only' "$work/names.txt" || fail "plugin not loaded by $tshark (no monero.sig_only)"

# All filter expressions, one per line: "source<TAB>filter".
python3 - "$prof" >"$work/filters.tsv" <<'PY'
import csv, re, sys, os
prof = sys.argv[1]
def lines(name):
    with open(os.path.join(prof, name), encoding="utf-8") as f:
        return [l.rstrip("\n") for l in f if l.strip() and not l.lstrip().startswith("#")]
out = []
for l in lines("colorfilters"):
    parts = l.split("@")
    out.append(("colorfilters:" + parts[1], parts[2]))
for row in csv.reader(lines("dfilter_buttons")):
    out.append(("dfilter_buttons:" + row[1], row[2]))
for l in lines("dfilters"):
    m = re.match(r'"([^"]*)"\s+(.*)$', l)
    out.append(("dfilters:" + m.group(1), m.group(2)))
for row in csv.reader(lines("dfilter_macros")):
    out.append(("dfilter_macros:" + row[0], row[1]))
for src, flt in out:
    print(f"{src}\t{flt}")
PY
n=$(wc -l <"$work/filters.tsv")
[ "$n" -ge 30 ] || fail "only $n filters found in the profile"

# 2. Field names.
missing=0
while IFS=$'\t' read -r src flt; do
  for tok in $(grep -oE '\b(monero|_ws|tcp)(\.[A-Za-z0-9_-]+)*' <<<"$flt" | sort -u); do
    if ! grep -qx -- "$tok" "$work/names.txt"; then
      echo "unknown field '$tok' in $src: $flt" >&2
      missing=1
    fi
  done
done <"$work/filters.tsv"
[ $missing -eq 0 ] || fail "filters reference fields the plugin does not register"

# 3. Compile + run every filter (macros through the installed profile).
count() { # count FILTER [extra args]: frames of the capture matching FILTER
  local flt=$1; shift
  "$tshark" -n -r "$capture" "$@" -Y "$flt" -T fields -e frame.number 2>"$work/err" | wc -l
  ! grep -qv 'Running as user' "$work/err"
}
if count 'monero.no_such_field' >/dev/null; then fail "an unknown field compiled: the compile check is vacuous"; fi
# One tshark run for all filters (each tshark start loads every dissector: seconds); only when that
# fails, one run per filter to name the culprit.
all=$(awk -F'\t' '{printf "%s(%s)", (NR>1 ? " || " : ""), $2}' "$work/filters.tsv")
macros=$(grep -oE '^"msc_[a-z0-9_]+"' "$prof/dfilter_macros" | tr -d '"')
all_macros=$(for m in $macros; do printf '${%s} || ' "$m"; done | sed 's/ || $//')
[ -n "$all_macros" ] || fail "no msc_* macros in dfilter_macros"
if ! count "$all || $all_macros" -C Monero >/dev/null; then
  bad=0
  while IFS=$'\t' read -r src flt; do
    if ! count "$flt" -C Monero >/dev/null; then
      echo "does not compile/run: $src: $flt: $(grep -v 'Running as user' "$work/err")" >&2
      bad=1
    fi
  done <"$work/filters.tsv"
  for m in $macros; do
    if ! count "\${$m}" -C Monero >/dev/null; then
      echo "macro \${$m} does not work with -C Monero: $(grep -v 'Running as user' "$work/err")" >&2
      bad=1
    fi
  done
  [ $bad -eq 1 ] || echo "the combined filter failed: $(grep -v 'Running as user' "$work/err")" >&2
  fail "some filters do not compile"
fi
echo "ok: $n filters compile; every field exists"

# 4. The profile's columns are used by tshark -C Monero.
"$tshark" -n -C Monero -r "$capture" -Y 'monero.command == 1001' 2>/dev/null | head -3 >"$work/cols.txt" || true
[ -s "$work/cols.txt" ] || fail "tshark -C Monero printed nothing"
"$tshark" -n -r "$capture" -Y 'monero.command == 1001' 2>/dev/null | head -3 >"$work/nocols.txt" || true
cmp -s "$work/cols.txt" "$work/nocols.txt" && fail "tshark -C Monero output equals the default columns: profile not used"
grep -qiE 'handshake|1001' "$work/cols.txt" || fail "Command column missing in tshark -C Monero output: $(head -1 "$work/cols.txt")"
echo "ok: tshark -C Monero uses the profile columns: $(head -1 "$work/cols.txt" | tr -s ' ')"

# 5. Anomaly macros select exactly the frames of the ground truth.
python3 - "$truth" >"$work/expect.txt" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
sig, lst, sfo = set(), set(), set()
for m in t["messages"]:
    if m["file"] != 0: continue
    if m["sig_only"]:
        sig.add(m["frame"]); sig.add(m["first_frame"])     # the message and its 8-byte segment
    if m.get("last_seen_entries"):
        lst.add(m["frame"])
    if m["command"] == 1001 and m["well_formed"] and not m["has_support_flags"]:
        sfo.add(m["frame"])
print(len(sig), len(lst), len(sfo))
PY
read -r e_sig e_lst e_sfo <"$work/expect.txt"
[ "$e_sig" -gt 0 ] && [ "$e_lst" -gt 0 ] && [ "$e_sfo" -gt 0 ] || fail "corpus lacks the anomalies this test needs ($e_sig/$e_lst/$e_sfo)"
g_sig=$(count '${msc_sig}' -C Monero); g_lst=$(count '${msc_lst}' -C Monero); g_sfo=$(count '${msc_sfo}' -C Monero)
[ "$g_sig" -eq "$e_sig" ] || fail "\${msc_sig} matched $g_sig frames, truth has $e_sig"
[ "$g_lst" -eq "$e_lst" ] || fail "\${msc_lst} matched $g_lst frames, truth has $e_lst"
[ "$g_sfo" -eq "$e_sfo" ] || fail "\${msc_sfo} matched $g_sfo frames, truth has $e_sfo"
echo "ok: anomaly macros match the ground truth: sig-only $g_sig, last_seen $g_lst, no support_flags $g_sfo frames"

#!/usr/bin/env bash
# Regenerates the seed corpus of the ek-ingest harness (tests/fuzz/seeds/ek_ingest) from the
# committed captures: every capture of tests/corpus goes through tshark + the built plugin with the
# contract invocation (docs/ek-contract.md §1: monero.record as ek), the same records as -T fields
# lines (what `moneroscope run` reads), and the full -J form with compact and with per-entry peer
# lists (§1b); a small, diverse subset of lines is kept (per form / command / msg_type /
# object-or-array shape, shortest first), each seed = index line + document line (or one fields
# line), plus one seed per capture and form holding the first (up to 40, at most 16 KB) lines of its
# output (multi-line state).
# Usage: make-ek-seeds.sh BUILD_DIR [OUT_DIR]     (BUILD_DIR must contain the built plugin)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=$(cd "${1:?usage: make-ek-seeds.sh BUILD_DIR [OUT_DIR]}" && pwd)
out=${2:-$here/seeds/ek_ingest}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
for f in "$repo"/tests/corpus/synthetic/*.pcap* "$repo"/tests/corpus/malformed/*.pcap; do
  for compact in TRUE FALSE; do
    MSC_BUILD_DIR=$build "$repo/tests/tshark-msc" -n -r "$f" -T ek -J monero -Y monero \
      -o monero.payload_tree:FALSE -o monero.compact_peers:$compact \
      > "$tmp/$(basename "$f").$compact.ek" 2>/dev/null || true
  done
  for form in ek fields; do
    MSC_BUILD_DIR=$build "$repo/tests/tshark-msc" -n -r "$f" -T $form -Y monero -o monero.payload_tree:FALSE \
      -o monero.export_records:TRUE -e monero.record > "$tmp/$(basename "$f").record.$form" 2>/dev/null || true
  done
done
python3 - "$tmp" "$out" <<'PY'
import hashlib, json, os, re, sys
src, out = sys.argv[1], sys.argv[2]
kinds = {}
def write(b):
    with open(os.path.join(out, hashlib.sha1(b).hexdigest()), "wb") as f:
        f.write(b)
n = 0
for name in sorted(os.listdir(src)):
    lines = open(os.path.join(src, name), "rb").read().split(b"\n")
    head = b""
    for ln in lines[:40]:
        if len(head) + len(ln) + 1 > 16000:
            break
        head += ln + b"\n"
    if head.count(b"\n") > 2:
        write(head); n += 1
    if name.endswith(".record.fields"):
        for ln in lines:
            if ln:
                key = ("fields",) + tuple(sorted(re.findall(rb"(?:^|[|,])(command|sig_segment|resync_skipped|truncated)=(\d+)", ln)))
                kinds.setdefault(key, set()).add(ln + b"\n")
        continue
    for i in range(1, len(lines), 2):
        try:
            d = json.loads(lines[i])
        except ValueError:
            continue
        if "monero_record" in d.get("layers", {}):
            recs = d["layers"]["monero_record"]
            key = ("record", isinstance(recs, list)) + tuple(sorted(
                re.findall(r"(?:^|\|)(command|msg_type|sig_segment|resync_skipped|truncated)=(\d+)", "|".join(recs))))
            kinds.setdefault(key, set()).add(lines[i - 1] + b"\n" + lines[i] + b"\n")
            continue
        m = d.get("layers", {}).get("monero")
        objs = m if isinstance(m, list) else [m]
        compact = b"peerlist_compact" in lines[i]
        key = (compact, isinstance(m, list),) + tuple(sorted(
            (str(o.get("monero_monero_command")), str(o.get("monero_monero_msg_type")),
             str(o.get("monero_monero_payload_decoded"))) for o in objs if isinstance(o, dict)))
        kinds.setdefault(key, set()).add(lines[i - 1] + b"\n" + lines[i] + b"\n")
for key in sorted(kinds, key=str):
    for b in sorted(kinds[key], key=lambda b: (len(b), b))[:2]:
        if len(b) <= 16384:
            write(b); n += 1
print("ek seeds written: %d (%d kinds)" % (n, len(kinds)))
PY

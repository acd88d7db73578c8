#!/usr/bin/env bash
# TCP disorder at the capture point (docs/robustness.md, "TCP disorder"): the contract's tshark
# invocation (docs/ek-contract.md §1) must give the same Levin messages whether or not TCP segments
# were retransmitted or reordered on the way to the capture point.
#   1. tcp_disorder.py makes deterministic variants of committed corpus captures (anomalies.pcapng
#      converted to pcap, basic.pcap; the real ndpi-monero.pcap too if readable): retx (≈15 % of the
#      data segments repeated right after themselves), ooo (≈10 % swapped with the next data segment of
#      the same direction), both;
#   2. the tap invocation, exactly as `moneroscope tshark-args --form tap` prints it (replicated when
#      moneroscope is not built, e.g. the plugin-only tshark 4.4 job), must contain
#      `-o tcp.reassemble_out_of_order:TRUE`; on every variant it must give the clean capture's
#      messages per command/msg_type and the same multiset of peer-list entries (each tagged with the
#      message's endpoints); signature-only messages: equal for retx, never more for ooo/both;
#   3. without that option (tshark's default), the ooo variants of the synthetic captures must lose
#      messages: the test fails if the option stops mattering (Wireshark changed) and shows why it is
#      there;
#   4. `moneroscope run` (if built) on each synthetic variant: report.json's message totals, messages
#      by command and peer-list counts equal the clean capture's;
#   5. informational, not asserted: the same on a variant that lost 1 % of its data segments for good
#      (frames the capture dropped), where out-of-order reassembly waits for the missing bytes.
# Usage: tcp_disorder.sh REPO_DIR      (MSC_BUILD_DIR selects the plugin build, as for tshark-msc,
#                                       and the moneroscope binary: $MSC_BUILD_DIR/postproc/cli/moneroscope)
set -uo pipefail
repo=$(cd "${1:?usage: tcp_disorder.sh REPO_DIR}" && pwd)
tsh=$repo/tests/tshark-msc
py=$repo/tests/plugin/tcp_disorder.py
build=${MSC_BUILD_DIR:-$repo/build}
msc=$build/postproc/cli/moneroscope
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
chmod 0755 "$tmp"
fail=0
bad() { echo "FAIL: $*" >&2; fail=1; }

ooo_opt=tcp.reassemble_out_of_order:TRUE
if [ -x "$msc" ]; then
  mapfile -t tap < <("$msc" tshark-args --form tap)
else
  echo "note: $msc not built: replicating the tap invocation, skipping the moneroscope run part"
  tap=(-o "$ooo_opt" -q -z monero,records)
fi
printf '%s\n' "${tap[@]}" | grep -qx -- "$ooo_opt" || bad "the tap invocation lacks -o $ooo_opt: ${tap[*]}"
# the same invocation without the option (tshark's default, FALSE on 4.0 and 4.4)
plain=()
for ((i = 0; i < ${#tap[@]}; i++)); do
  if [ "${tap[i]}" = -o ] && [ "${tap[i+1]:-}" = "$ooo_opt" ]; then i=$((i + 1)); else plain+=("${tap[i]}"); fi
done
echo "tap invocation: ${tap[*]}"

editcap -F pcap "$repo/tests/corpus/synthetic/anomalies.pcapng" "$tmp/anomalies.pcap" || bad "editcap failed"
cp "$repo/tests/corpus/synthetic/basic.pcap" "$tmp/basic.pcap"
names=(anomalies basic)
ndpi=${MSC_NDPI_PCAP:-$repo/../shared/captures/ndpi-monero.pcap}
if [ -r "$ndpi" ]; then cp "$ndpi" "$tmp/ndpi.pcap"; names+=(ndpi); else echo "note: $ndpi not readable, skipped"; fi

records() {   # records CAPTURE OUT ARGS...: the tap lines of CAPTURE, summarised into OUT
  local cap=$1 out=$2; shift 2
  "$tsh" -n -r "$cap" "$@" >"$out.lines" 2>"$out.err"; local rc=$?
  [ $rc = 0 ] || bad "$(basename "$cap"): tshark exit $rc: $(tail -2 "$out.err")"
  python3 "$py" summary "$out.lines" >"$out" || bad "$(basename "$cap"): summary failed"
}
total() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["total"])' "$1"; }
sig() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sig_only"])' "$1"; }

seed=1
for n in "${names[@]}"; do
  records "$tmp/$n.pcap" "$tmp/$n.clean" "${tap[@]}"
  clean=$(total "$tmp/$n.clean")
  [ "$clean" -gt 0 ] || bad "$n: no message in the clean capture"
  line="$n: clean $clean messages (sig_only $(sig "$tmp/$n.clean"))"
  for m in retx ooo both; do
    v=$tmp/$n-$m.pcap
    stats=$(python3 "$py" mutate "$tmp/$n.pcap" "$v" $m $seed) || { bad "$n $m: mutator failed"; continue; }
    case $m in
      retx) grep -q 'retx=[1-9]' <<<"$stats" || bad "$n $m: nothing retransmitted ($stats)" ;;
      *) grep -q 'swaps=[1-9]' <<<"$stats" || bad "$n $m: nothing reordered ($stats)" ;;
    esac
    records "$v" "$tmp/$n-$m.on" "${tap[@]}"
    flag=(); [ $m = retx ] && flag=(--sig-only-equal)
    diff=$(python3 "$py" compare "$tmp/$n.clean" "$tmp/$n-$m.on" "${flag[@]}") || bad "$n $m ($stats): differs from the clean capture: $diff"
    line+="; $m [${stats#frames=* }] $(total "$tmp/$n-$m.on") (sig_only $(sig "$tmp/$n-$m.on"))"
    if [ $m != retx ]; then
      records "$v" "$tmp/$n-$m.off" "${plain[@]}"
      off=$(total "$tmp/$n-$m.off")
      line+=", without the option $off"
      if [ "$n" != ndpi ] && [ "$off" -ge "$clean" ]; then
        bad "$n $m: without -o $ooo_opt tshark still finds all $clean messages: is the option still needed?"
      fi
    fi
  done
  echo "$line"
done

# 4. moneroscope run on the synthetic variants (vantage IP from the corpus truth files)
if [ -x "$msc" ]; then
  for n in anomalies basic; do
    ip=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["vantages"][0]["ip"])' \
         "$repo/tests/corpus/synthetic/$n.truth.json")
    for m in clean retx ooo both; do
      cap=$tmp/$n-$m.pcap; [ $m = clean ] && cap=$tmp/$n.pcap
      "$msc" run --tshark "$tsh" --vantage "v1=$ip" --no-report -q -j 1 -o "$tmp/run-$n-$m" "$cap" \
        >"$tmp/run.out" 2>&1 || bad "$n $m: moneroscope run failed: $(tail -3 "$tmp/run.out")"
      python3 - "$tmp/run-$n-$m/report.json" >"$tmp/run-$n-$m.key" <<'PY' || bad "$n $m: no report.json"
import json, sys
d = json.load(open(sys.argv[1]))
m = d["model"]
print(d["input"]["messages"], m["messages_kept"], json.dumps(m["messages_by_command"], sort_keys=True),
      m["peer_lists"], m["peer_list_ip_entries"], m["connections"])
PY
      if [ $m = clean ]; then
        echo "$n run: messages, kept, by command, peer lists, IP entries, connections = $(cat "$tmp/run-$n-$m.key")"
        python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["total"] == int(sys.argv[2]) else 1)' \
          "$tmp/$n.clean" "$(cut -d' ' -f1 "$tmp/run-$n-$m.key")" || bad "$n: run's message total differs from the tap's"
      else
        cmp -s "$tmp/run-$n-clean.key" "$tmp/run-$n-$m.key" \
          || bad "$n $m: run report differs: clean $(cat "$tmp/run-$n-clean.key") vs $(cat "$tmp/run-$n-$m.key")"
      fi
    done
  done
fi

# 5. informational: frames lost for good (not asserted; docs/robustness.md)
python3 "$py" mutate "$tmp/anomalies.pcap" "$tmp/drop.pcap" drop $seed >/dev/null
records "$tmp/drop.pcap" "$tmp/drop.on" "${tap[@]}"
records "$tmp/drop.pcap" "$tmp/drop.off" "${plain[@]}"
echo "info: anomalies with 1 % of the data segments lost for good: $(total "$tmp/drop.on") messages with the option," \
     "$(total "$tmp/drop.off") without (clean $(total "$tmp/anomalies.clean"))"

[ $fail = 0 ] && echo "tcp disorder: ok"
exit $fail

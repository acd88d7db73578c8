#!/usr/bin/env bash
# The malformed corpus never crashes or hangs tshark with the plugin, each defect is reported by
# the expected expert info, and `tshark -G fields` lists the full field set.
# usage: tshark_robustness.sh REPO_DIR        (uses tests/tshark-msc; MSC_BUILD_DIR from the env)
set -uo pipefail
repo=$1
ts=$repo/tests/tshark-msc
dir=$repo/tests/corpus/malformed
fail=0
note() { echo "$*"; fail=1; }

# --- field set
fields=$("$ts" -G fields 2>/dev/null | awk -F'\t' '$1=="F" && $3 ~ /^monero\./ {print $3}' | sort -u)
for f in monero.signature monero.length monero.have_to_return_data monero.command monero.return_code \
         monero.flags monero.flags.request monero.flags.response monero.flags.start_fragment \
         monero.flags.end_fragment monero.flags.reserved monero.version monero.payload monero.payload.magic \
         monero.payload.item monero.payload.item.key monero.payload.item.type monero.payload.item.size \
         monero.payload.item.length monero.payload.item.value.boolean monero.payload.item.value.string \
         monero.msg_type monero.frame_time monero.frame monero.src monero.dst monero.srcport monero.dstport \
         monero.stream monero.sender_initiated monero.stream_start monero.sig_only monero.segments \
         monero.header_split monero.first_segment_len monero.payload.decoded monero.sig_segment \
         monero.record monero.response_in monero.response_to monero.response_time \
         monero.fragments monero.fragment monero.reassembled_in monero.fragment.padding \
         monero.node_data.network_id monero.node_data.network monero.node_data.peer_id \
         monero.node_data.my_port monero.node_data.rpc_port monero.node_data.rpc_credits_per_hash \
         monero.node_data.support_flags monero.node_data.support_flags.fluffy_blocks \
         monero.sync.current_height monero.sync.cumulative_difficulty monero.sync.cumulative_difficulty_top64 \
         monero.sync.cumulative_difficulty_full monero.sync.top_id monero.sync.top_version \
         monero.sync.pruning_seed monero.sync.pruning_stripe monero.peerlist monero.peerlist.count \
         monero.peer monero.peer.keys monero.peer.type monero.peer.addr monero.peer.ip monero.peer.ipv6 \
         monero.peer.host monero.peer.port monero.peer.id monero.peer.last_seen monero.peer.pruning_seed \
         monero.peer.rpc_port monero.peer.rpc_credits_per_hash monero.ping.status monero.ping.peer_id \
         monero.support_flags monero.current_blockchain_height monero.block.blob monero.tx.blob \
         monero.txs.count monero.txs.dandelionpp_fluff monero.txs.relay_mode monero.hash monero.hash.count \
         monero.chain.start_height monero.chain.total_height monero.chain.block_weight \
         monero.fluffy.block_hash monero.fluffy.missing_tx_index; do
  grep -qx "$f" <<<"$fields" || note "field missing from -G fields: $f"
done
n=$(wc -l <<<"$fields")
[ "$n" -ge 150 ] || note "only $n monero.* fields"

# --- malformed corpus
expect_ei() { # file display-filter [extra tshark args]
  local f=$1 flt=$2; shift 2
  local out rc
  out=$(timeout 120 "$ts" -n -r "$dir/$f" -V "$@" 2>&1); rc=$?
  [ $rc -eq 0 ] || { note "$f: tshark exit $rc"; return; }
  grep -q "Dissector bug\|Malformed Packet: Monero\|Unreassembled\|ASan\|AddressSanitizer\|runtime error" <<<"$out" \
    && note "$f: exception/sanitizer report: $(grep -m1 "Dissector bug\|Malformed Packet\|Sanitizer\|runtime error" <<<"$out")"
  if [ -n "$flt" ]; then
    local hits
    hits=$(timeout 120 "$ts" -n -r "$dir/$f" -Y "$flt" "$@" 2>/dev/null | wc -l)
    [ "$hits" -ge 1 ] || note "$f: no frame matches '$flt'"
  fi
}
[ -d "$dir" ] || { echo "SKIP: no malformed corpus"; exit 77; }
expect_ei absurd_length.pcap "monero.ei.oversize"
expect_ei bad_signature.pcap "monero.ei.resync"
expect_ei bad_storage_magic.pcap "monero.ei.ps.bad_magic or monero.ei.ps.bad_version"
expect_ei bool_out_of_range.pcap "monero.ei.ps.bool_range"
expect_ei deep_nesting.pcap "monero.payload.decoded == 0"
expect_ei duplicate_keys.pcap "monero.ei.ps.duplicate_key"
expect_ei huge_array_count.pcap "monero.ei.ps.limit_exceeded"
expect_ei huge_string_length.pcap "monero.ei.ps.truncated"
expect_ei nonminimal_varints.pcap "monero.ei.ps.nonminimal_varint"
expect_ei oversize_length.pcap "monero.ei.oversize"
expect_ei unknown_type_codes.pcap "monero.ei.ps.unknown_type"
expect_ei truncated_payload.pcap "monero.ei.truncated" -o tcp.desegment_tcp_streams:FALSE
expect_ei truncated_payload.pcap ""
# every file also with two-pass dissection and with reassembly off
for f in "$dir"/*.pcap; do
  b=$(basename "$f")
  expect_ei "$b" "" -2
  expect_ei "$b" "" -o tcp.desegment_tcp_streams:FALSE
done
[ $fail -eq 0 ] && echo "ok: $n fields, malformed corpus clean"
exit $fail

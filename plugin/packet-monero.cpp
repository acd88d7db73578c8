// packet-monero.cpp — Wireshark epan plugin for Monero's Levin P2P protocol (moneroscope).
//
// All decoding is done by levin_core (plugin/core, no Wireshark dependency) on bytes copied out of
// the tvb after length checks; this file only maps results to tree items. Rules followed
// (wireshark-notes.md §3): no C++ object with a destructor lives on the stack across an epan call
// that can throw (parse results are heap objects freed by a pinfo->pool callback), no C++
// exception reaches epan, exported plugin symbols are declared WS_DLL_PUBLIC before definition.
//
// Wireshark 4.0: registers protocol "monero". Wireshark >= 4.4 (built-in "monero" exists): registers
// its own protocol "moneroscope" (dissector, heuristic, prefs) but every hf field under the
// built-in's protocol id and the top-level item with that id, so display filters and ek keys
// (monero_monero_*) are the same on both; the built-in heuristic is disabled by default.

#include <ws_version.h>

#include <epan/conversation.h>
#include <epan/expert.h>
#include <epan/packet.h>
#include <epan/prefs.h>
#include <epan/proto_data.h>
#include <epan/stat_tap_ui.h>
#include <epan/tap.h>
extern "C" {  // these headers lack __cplusplus guards in 4.0
#include <epan/reassemble.h>
#include <epan/strutil.h>
}
#include <epan/to_str.h>
#include <epan/dissectors/packet-tcp.h>
#include <wsutil/wmem/wmem.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <new>
#include <vector>

#include "levin_core.h"

#if WIRESHARK_VERSION_MAJOR > 4 || (WIRESHARK_VERSION_MAJOR == 4 && WIRESHARK_VERSION_MINOR >= 4)
#define MSC_WS44 1
#include <wsutil/plugins.h>
typedef bool msc_bool;
#define MSC_TEXT(p) reinterpret_cast<const char*>(p)
#else
#define MSC_WS44 0
typedef gboolean msc_bool;
#define MSC_TEXT(p) reinterpret_cast<const guchar*>(p)
#endif

// Epoch times (frame_time, stream_start, peer.last_seen, node_data.local_time) must appear in ek
// as "<sec>.<nsec>" (docs/ek-contract.md §2). Both 4.0 and 4.4 write FT_ABSOLUTE_TIME as ISO-8601
// in ek (whatever the display), so these fields are FT_RELATIVE_TIME since the Unix epoch, like
// 4.0's own frame.time_epoch (verified on 4.0.17 and 4.4.19).
#define MSC_TIME_FT FT_RELATIVE_TIME
#define MSC_TIME_DISPLAY BASE_NONE

#ifndef MSC_PLUGIN_VERSION
#define MSC_PLUGIN_VERSION "0.1.0"
#endif

extern "C" {
WS_DLL_PUBLIC const char plugin_version[];
WS_DLL_PUBLIC const int plugin_want_major;
WS_DLL_PUBLIC const int plugin_want_minor;
WS_DLL_PUBLIC void plugin_register(void);
#if MSC_WS44
WS_DLL_PUBLIC uint32_t plugin_describe(void);
#endif
}
const char plugin_version[] = MSC_PLUGIN_VERSION;
const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
const int plugin_want_minor = WIRESHARK_VERSION_MINOR;

namespace {

using levin::MsgType;

// ---------------------------------------------------------------------------------------------
// registration state
// ---------------------------------------------------------------------------------------------
int proto_monero = -1;     // protocol whose id the tree items and fields use ("monero")
int proto_owner = -1;     // protocol owning dissector/heuristic/prefs (== proto_monero on 4.0)
dissector_handle_t monero_handle;
msc_bool pref_desegment = TRUE;
msc_bool pref_payload_tree = TRUE;
// Export mode: one monero.peerlist.compact string per peer list instead of a monero.peer subtree
// per entry. An ek export of 250-entry lists then builds ~2,000 fewer tree items per list and
// writes a fraction of the JSON (docs/ek-contract.md §3a); the GUI keeps the per-entry tree.
msc_bool pref_compact_peers = FALSE;
// Export mode for `-T ek -e monero.record`: one monero.record string per Levin message carrying every
// field moneroscope reads (docs/ek-contract.md §3b). With -e, tshark builds no visible tree: items of
// fields nobody asked for are never created, which saves most of the ek export's cost over a bare
// pass. Implies compact peer lists (the per-entry subtree is not built).
msc_bool pref_export_records = FALSE;
// Tap "moneroscope": per frame, the frame's records joined by ',' (the line `-T fields -e monero.record`
// prints). Its listener `-z monero,records` writes that line to stdout from tshark's tap pass, so an
// export needs neither a protocol tree nor a display filter nor tshark's per-packet print path:
// `tshark -q -z monero,records` costs about what a bare pass costs (docs/performance.md §2).
int monero_tap = -1;
// Messages up to this many bytes are reassembled one TCP segment at a time so that every segment
// is counted (monero.segments exact); larger ones are reassembled in one request and their count
// is a lower bound (monero.segments_exact = false).
constexpr uint32_t kSegmentTrackingLimit = 4u * 1024u * 1024u;
constexpr uint8_t kTcpCompletenessSynSent = 0x01;

#define HF(name) int hf_##name = -1;
#define MSC_HF_LIST(X) \
  X(signature) X(length) X(have_to_return_data) X(command) X(return_code) X(flags) X(flags_request) \
  X(flags_response) X(flags_start_fragment) X(flags_end_fragment) X(flags_reserved) X(version) \
  X(msg_type) X(frame_time) X(frame) X(src) X(dst) X(srcport) X(dstport) X(stream) \
  X(sender_initiated) X(stream_start) X(sig_only) X(sig_frame) X(segments) X(segments_exact) \
  X(header_split) X(first_segment_len) X(payload_decoded) X(sig_segment) \
  X(resync_skipped) X(truncated) X(response_in) X(response_to) X(response_time) \
  X(fragments) X(fragment) X(fragment_overlap) X(fragment_overlap_conflicts) \
  X(fragment_multiple_tails) X(fragment_too_long_fragment) X(fragment_error) X(fragment_count) \
  X(reassembled_in) X(reassembled_length) X(reassembled_data) X(fragment_padding) \
  X(fragment_message_id) X(fragment_orphan) X(fragment_inner) \
  X(payload) X(payload_magic) X(payload_format_version) X(payload_section_count) X(payload_trailing) \
  X(item) X(item_key) X(item_type) X(item_array) X(item_size) X(item_length) X(v_int8) X(v_int16) \
  X(v_int32) X(v_int64) X(v_uint8) X(v_uint16) X(v_uint32) X(v_uint64) X(v_float64) X(v_string) \
  X(v_boolean) X(v_struct) X(v_array) \
  X(nd) X(nd_network_id) X(nd_network) X(nd_peer_id) X(nd_my_port) X(nd_rpc_port) X(nd_rpc_credits) \
  X(nd_credits_per_hash) X(nd_support_flags) X(nd_sf_fluffy) X(nd_local_time) \
  X(sync) X(sync_height) X(sync_cd) X(sync_cd_top) X(sync_cd_full) X(sync_top_id) X(sync_top_version) \
  X(sync_pruning_seed) X(sync_pruning_stripe) X(sync_pruning_log_stripes) \
  X(peerlist) X(peerlist_count) X(peerlist_present) X(peer) X(peer_keys) X(peer_type) X(peer_addr) \
  X(peer_ip) X(peer_ipv6) X(peer_host) X(peer_port) X(peer_id) X(peer_last_seen) X(peer_pruning_seed) \
  X(peer_rpc_port) X(peer_rpc_credits) X(legacy_peerlist) X(peerlist_compact) \
  X(ping_status) X(ping_peer_id) X(support_flags) X(sf_fluffy) X(current_height) \
  X(block) X(block_blob) X(block_size) X(block_weight) X(block_pruned) X(block_tx_count) \
  X(tx) X(tx_blob) X(tx_size) X(tx_prunable_hash) X(txs_count) X(txs_padding) X(txs_padding_length) \
  X(txs_fluff) X(txs_relay_mode) X(hash) X(hash_count) X(get_objects_prune) X(chain_prune) \
  X(chain_start_height) X(chain_total_height) X(chain_cd) X(chain_cd_top) X(chain_block_weight) \
  X(chain_first_block) X(fluffy_block_hash) X(fluffy_missing_tx_index) X(record)
MSC_HF_LIST(HF)
#undef HF

int ett_monero = -1, ett_flags = -1, ett_payload = -1, ett_item = -1, ett_nd = -1, ett_sync = -1,
    ett_peerlist = -1, ett_peer = -1, ett_block = -1, ett_tx = -1, ett_fragment = -1,
    ett_fragments = -1, ett_hashes = -1;

expert_field ei_bad_signature = EI_INIT, ei_bad_version = EI_INIT, ei_bad_flags = EI_INIT,
             ei_oversize = EI_INIT, ei_command_limit = EI_INIT, ei_preshake_oversize = EI_INIT,
             ei_unsolicited_response = EI_INIT, ei_response_cmd_mismatch = EI_INIT,
             ei_handshake_missing = EI_INIT, ei_double_handshake = EI_INIT, ei_return_code = EI_INIT,
             ei_expect_mismatch = EI_INIT, ei_ps_bad_magic = EI_INIT, ei_ps_bad_version = EI_INIT,
             ei_ps_unknown_type = EI_INIT, ei_ps_nested_array = EI_INIT, ei_ps_bool_range = EI_INIT,
             ei_ps_duplicate_key = EI_INIT, ei_ps_empty_key = EI_INIT, ei_ps_unsorted_keys = EI_INIT,
             ei_ps_nonminimal_varint = EI_INIT, ei_ps_limit_exceeded = EI_INIT,
             ei_ps_trailing_nonzero = EI_INIT, ei_ps_truncated = EI_INIT,
             ei_schema_unexpected_key = EI_INIT, ei_schema_type_mismatch = EI_INIT,
             ei_schema_bad_length = EI_INIT, ei_peerlist_too_long = EI_INIT,
             ei_peer_last_seen = EI_INIT, ei_peer_zone_mismatch = EI_INIT, ei_legacy_field = EI_INIT,
             ei_support_flags_missing = EI_INIT, ei_support_flags_redundant = EI_INIT,
             ei_anon_peer_id = EI_INIT, ei_fragment_end_without_begin = EI_INIT,
             ei_fragment_error = EI_INIT, ei_sig_only = EI_INIT, ei_resync = EI_INIT,
             ei_truncated = EI_INIT, ei_dummy = EI_INIT;

reassembly_table levin_reassembly_table;

const fragment_items levin_frag_items = {
    &ett_fragment, &ett_fragments, &hf_fragments, &hf_fragment, &hf_fragment_overlap,
    &hf_fragment_overlap_conflicts, &hf_fragment_multiple_tails, &hf_fragment_too_long_fragment,
    &hf_fragment_error, &hf_fragment_count, &hf_reassembled_in, &hf_reassembled_length,
    &hf_reassembled_data, "Levin fragments"};

const value_string command_vals[] = {
    {0, "Noise/Fragment"}, {1001, "Handshake"}, {1002, "TimedSync"}, {1003, "Ping"},
    {1004, "RequestStatInfo (legacy)"}, {1005, "RequestNetworkState (legacy)"},
    {1006, "RequestPeerId (legacy)"}, {1007, "RequestSupportFlags"}, {2001, "NewBlock"},
    {2002, "NewTransactions"}, {2003, "RequestGetObjects"}, {2004, "ResponseGetObjects"},
    {2006, "RequestChain"}, {2007, "ResponseChainEntry"}, {2008, "NewFluffyBlock"},
    {2009, "RequestFluffyMissingTx"}, {2010, "GetTxPoolComplement"}, {0, nullptr}};
const value_string rc_vals[] = {
    {1, "OK"}, {0, "LEVIN_OK"}, {static_cast<guint32>(-1), "LEVIN_ERROR_CONNECTION"},
    {static_cast<guint32>(-2), "LEVIN_ERROR_CONNECTION_NOT_FOUND"}, {static_cast<guint32>(-3), "LEVIN_ERROR_CONNECTION_DESTROYED"},
    {static_cast<guint32>(-4), "LEVIN_ERROR_CONNECTION_TIMEDOUT"}, {static_cast<guint32>(-5), "LEVIN_ERROR_CONNECTION_NO_DUPLEX_PROTOCOL"},
    {static_cast<guint32>(-6), "LEVIN_ERROR_CONNECTION_HANDLER_NOT_DEFINED"}, {static_cast<guint32>(-7), "LEVIN_ERROR_FORMAT"}, {0, nullptr}};
const value_string msg_type_vals[] = {
    {0, "request"}, {1, "response"}, {2, "notification"}, {3, "fragment-begin"},
    {4, "fragment-middle"}, {5, "fragment-end"}, {6, "dummy"}, {7, "invalid"}, {0, nullptr}};
const value_string ps_type_vals[] = {
    {1, "int64"}, {2, "int32"}, {3, "int16"}, {4, "int8"}, {5, "uint64"}, {6, "uint32"},
    {7, "uint16"}, {8, "uint8"}, {9, "double"}, {10, "string"}, {11, "bool"}, {12, "object"},
    {13, "array"}, {0, nullptr}};
const value_string network_vals[] = {
    {0, "unknown"}, {1, "mainnet"}, {2, "testnet"}, {3, "stagenet"}, {0, nullptr}};
const value_string peer_type_vals[] = {
    {0, "invalid"}, {1, "IPv4"}, {2, "IPv6"}, {3, "I2P"}, {4, "Tor"}, {0, nullptr}};
const value_string relay_mode_vals[] = {{0, "stem"}, {1, "fluff"}, {0, nullptr}};

// ---------------------------------------------------------------------------------------------
// per-capture state (first pass), owned by C++ and freed by the cleanup routine
// ---------------------------------------------------------------------------------------------
struct MsgInfo;  // per-message results cached in wmem_file_scope (POD)

struct PendingRequest {
  uint32_t frame;
  nstime_t time;
  uint32_t command;
  MsgInfo* info;
};

struct Pending {  // message in progress on a direction (first pass)
  bool active = false;
  uint32_t seq = 0;
  uint32_t segments = 0;
  uint32_t first_len = 0;
  bool sig_only = false;
  uint32_t sig_frame = 0;
  bool exact = true;
};

struct DirState {
  Pending pending;
  levin::FragmentReassembler frag{levin::kMaxMessageLength, false};
  std::deque<PendingRequest> requests;  // requests sent in this direction awaiting a response
};

struct ConvState {
  address a_addr;  // sender of direction 0 (wmem_file_scope copy)
  uint32_t a_port = 0;
  uint32_t index = 0;
  DirState dir[2];
  bool handshake_request_seen = false;
  bool handshake_done = false;
  uint32_t fragment_base = 0;
};

std::vector<std::unique_ptr<ConvState>>* g_convs = nullptr;  // freed in cleanup
uint32_t g_conv_counter = 0;

struct MsgInfo {
  bool valid;
  bool sig_only;
  uint32_t sig_frame;
  uint32_t segments;
  bool segments_exact;
  bool header_split;
  uint32_t first_segment_len;
  uint32_t response_in;
  uint32_t response_to;
  nstime_t response_time;
  bool unsolicited;
  bool cmd_mismatch;
  bool handshake_missing;
  bool double_handshake;
  bool preshake_oversize;
  uint32_t frag_id;        // Levin fragment reassembly id (0 none)
  uint32_t frag_index;
  bool frag_orphan;
  uint8_t frag_event;
  bool sig_marker;         // this frame is the 8-byte signature-only segment
};

// monero.record of the message being dissected. One at a time: dissect_message clears it on entry
// and adds it to the tree before it recurses into a reassembled fragment message; a Wireshark
// exception that ends a message early leaves it to be cleared by the next one (nothing leaks).
levin::RecordWriter g_record;
// Record key of an hf id: the ek key without "monero_monero_" (abbreviation after "monero." with
// '.' -> '_'), only for the fields of the record (kRecordFields); nullptr for every other field.
std::vector<std::string> g_record_keys;
int g_record_hf_lo = 0;
const char* rkey(int hf) {
  const int i = hf - g_record_hf_lo;
  if (hf < 0 || i < 0 || static_cast<size_t>(i) >= g_record_keys.size() || g_record_keys[i].empty()) return nullptr;
  return g_record_keys[i].c_str();
}
void rec_uint(levin::RecordWriter* r, int hf, uint64_t v) { if (r) if (const char* k = rkey(hf)) r->add_uint(k, v); }
void rec_int(levin::RecordWriter* r, int hf, int64_t v) { if (r) if (const char* k = rkey(hf)) r->add_int(k, v); }
void rec_bool(levin::RecordWriter* r, int hf, bool v) { if (r) if (const char* k = rkey(hf)) r->add_bool(k, v); }
void rec_time(levin::RecordWriter* r, int hf, const nstime_t& t) {
  if (r) if (const char* k = rkey(hf)) r->add_time(k, static_cast<int64_t>(t.secs), t.nsecs);
}
void rec_raw(levin::RecordWriter* r, int hf, const char* v) { if (r) if (const char* k = rkey(hf)) r->add_raw(k, v); }
// The one-field record of a monero item that is not a message (signature-only segment, resync,
// truncated header), so that -e monero.record keeps one record per monero item like -J does.
// Records are built when the preference asks for the monero.record item or a listener of the tap
// is registered (tshark -z monero,records); never in a plain GUI or tshark session.
bool records_wanted() { return pref_export_records || have_tap_listener(monero_tap); }

// Hands a finished record to whoever wants it: the monero.record item (preference) and the tap
// line of this frame (queued once per frame on its first record; later records of the frame are
// appended, the tap reads the line after the whole frame is dissected).
void emit_record(proto_tree* t, tvbuff_t* tvb, packet_info* pinfo, int offset, const std::string& r) {
  if (pref_export_records) {
    proto_item* it = proto_tree_add_string(t, hf_record, tvb, offset, 0, r.c_str());
    proto_item_set_generated(it);
  }
  if (have_tap_listener(monero_tap)) {
    auto* line = static_cast<wmem_strbuf_t*>(p_get_proto_data(pinfo->pool, pinfo, proto_owner, 2));
    if (line == nullptr) {
      line = wmem_strbuf_new(pinfo->pool, "");
      p_add_proto_data(pinfo->pool, pinfo, proto_owner, 2, line);
      tap_queue_packet(monero_tap, pinfo, line);
    } else {
      wmem_strbuf_append_c(line, ',');
    }
    wmem_strbuf_append_len(line, r.data(), r.size());
  }
}

// The one-field record of a monero item that is not a message (signature-only segment, resync,
// truncated header), so that the export keeps one record per monero item like -J does.
void add_marker_record(proto_tree* t, tvbuff_t* tvb, packet_info* pinfo, int hf, uint64_t v) {
  if (!records_wanted()) return;
  g_record.clear();
  rec_uint(&g_record, hf, v);
  emit_record(t, tvb, pinfo, 0, g_record.str());
  g_record.clear();
}

// -z monero,records[,FILTER]: one line per frame with records, written from the tap pass.
tap_packet_status records_tap_packet(void*, packet_info*, epan_dissect_t*, const void* data, tap_flags_t) {
  const auto* line = static_cast<const wmem_strbuf_t*>(data);
  std::fwrite(wmem_strbuf_get_str(line), 1, wmem_strbuf_get_len(line), stdout);
  std::putc('\n', stdout);
  return TAP_PACKET_DONT_REDRAW;
}

void records_tap_finish(void*) { std::fflush(stdout); }

void records_tap_init(const char* opt_arg, void*) {
  static const char kPrefix[] = "monero,records";
  const char* filter = nullptr;
  if (std::strncmp(opt_arg, kPrefix, sizeof kPrefix - 1) == 0 && opt_arg[sizeof kPrefix - 1] == ',')
    filter = opt_arg + sizeof kPrefix;
  else if (std::strcmp(opt_arg, kPrefix) != 0) {
    std::fprintf(stderr, "tshark: invalid -z argument \"%s\": use -z monero,records[,FILTER]\n", opt_arg);
    std::exit(1);
  }
  // Large stdout buffer: nothing has been written to stdout yet (tshark parses -z before it reads
  // the capture), and ~100 MB of lines per capture in 4 KiB pipe writes cost tshark and its reader
  // a wake-up each.
  static char outbuf[1 << 20];
  std::setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
  static int tapdata;  // the listener has no state; its address identifies it
  GString* err = register_tap_listener("moneroscope", &tapdata, filter, TL_REQUIRES_NOTHING, nullptr,
                                       records_tap_packet, nullptr, records_tap_finish);
  if (err != nullptr) {
    std::fprintf(stderr, "tshark: -z monero,records: %s\n", err->str);
    g_string_free(err, TRUE);
    std::exit(1);
  }
}

void cleanup_state() {
  delete g_convs;
  g_convs = nullptr;
  g_conv_counter = 0;
}

ConvState* get_conv_state(packet_info* pinfo, int* dir) {
  conversation_t* conv = find_or_create_conversation(pinfo);
  auto* cs = static_cast<ConvState*>(conversation_get_proto_data(conv, proto_owner));
  if (cs == nullptr) {
    if (g_convs == nullptr) g_convs = new std::vector<std::unique_ptr<ConvState>>();
    g_convs->emplace_back(new ConvState());
    cs = g_convs->back().get();
    copy_address_wmem(wmem_file_scope(), &cs->a_addr, &pinfo->src);
    cs->a_port = pinfo->srcport;
    cs->index = ++g_conv_counter;
    cs->fragment_base = cs->index << 12;
    conversation_add_proto_data(conv, proto_owner, cs);
  }
  *dir = (addresses_equal(&cs->a_addr, &pinfo->src) && cs->a_port == pinfo->srcport) ? 0 : 1;
  return cs;
}

template <class T>
msc_bool delete_cb(wmem_allocator_t*, wmem_cb_event_t, void* p) {
  delete static_cast<T*>(p);
  return FALSE;
}

// Parse results living until the end of the packet (freed by the pool callback, so a longjmp out
// of an epan call leaks nothing).
struct Parsed {
  levin::WalkResult walk;
  levin::Semantic sem;
};

// ---------------------------------------------------------------------------------------------
// tree building helpers
// ---------------------------------------------------------------------------------------------
struct MsgCtx {
  tvbuff_t* tvb;
  packet_info* pinfo;
  proto_tree* mtree;   // the message's subtree
  proto_item* mitem;   // the top-level item
  int body_off;        // offset of the body in tvb
  const uint8_t* body; // copy of the captured body bytes
  uint32_t body_len;   // captured body bytes
  levin::RecordWriter* rec;  // monero.record being built (export_records), else nullptr
};

int value_hf(uint8_t base) {
  switch (base) {
    case levin::kPsInt8: return hf_v_int8;
    case levin::kPsInt16: return hf_v_int16;
    case levin::kPsInt32: return hf_v_int32;
    case levin::kPsInt64: return hf_v_int64;
    case levin::kPsUint8: return hf_v_uint8;
    case levin::kPsUint16: return hf_v_uint16;
    case levin::kPsUint32: return hf_v_uint32;
    case levin::kPsUint64: return hf_v_uint64;
    case levin::kPsDouble: return hf_v_float64;
    case levin::kPsString: return hf_v_string;
    case levin::kPsBool: return hf_v_boolean;
    default: return -1;
  }
}

void add_scalar(proto_tree* t, int hf, const MsgCtx& c, const levin::Node& n, uint8_t base) {
  const int off = c.body_off + static_cast<int>(n.value_off);
  const int len = static_cast<int>(n.value_len);
  switch (base) {
    case levin::kPsInt8: case levin::kPsInt16: case levin::kPsInt32:
      proto_tree_add_int(t, hf, c.tvb, off, len, static_cast<gint32>(n.i));
      break;
    case levin::kPsInt64: proto_tree_add_int64(t, hf, c.tvb, off, len, n.i); break;
    case levin::kPsUint8: case levin::kPsUint16: case levin::kPsUint32:
      proto_tree_add_uint(t, hf, c.tvb, off, len, static_cast<guint32>(n.u));
      break;
    case levin::kPsUint64: proto_tree_add_uint64(t, hf, c.tvb, off, len, n.u); break;
    case levin::kPsDouble: proto_tree_add_double(t, hf, c.tvb, off, len, n.d); break;
    case levin::kPsBool: proto_tree_add_boolean(t, hf, c.tvb, off, len, n.u != 0); break;
    case levin::kPsString: proto_tree_add_item(t, hf, c.tvb, off, len, ENC_NA); break;
    default: break;
  }
}

// Generic, built-in-compatible key/type/value tree (monero.payload.item.*).
void add_generic_tree(const MsgCtx& c, proto_tree* ptree, const levin::WalkResult& w) {
  const size_t n = w.nodes.size();
  std::vector<proto_tree*>* subtrees = new (std::nothrow) std::vector<proto_tree*>();
  if (subtrees == nullptr) return;
  wmem_register_callback(c.pinfo->pool, delete_cb<std::vector<proto_tree*>>, subtrees);
  subtrees->assign(n, nullptr);
  for (size_t i = 0; i < n; ++i) {
    const levin::Node& nd = w.nodes[i];
    proto_tree* parent = nd.parent == levin::kNoParent ? ptree : (*subtrees)[nd.parent];
    if (parent == nullptr) parent = ptree;
    const int off = c.body_off + static_cast<int>(nd.offset);
    const int len = nd.complete ? static_cast<int>(nd.length)
                                : static_cast<int>(c.body_len - nd.offset);
    proto_item* it = proto_tree_add_item(parent, hf_item, c.tvb, off, len, ENC_NA);
    proto_tree* st = proto_item_add_subtree(it, ett_item);
    (*subtrees)[i] = st;
    if (!nd.is_element) {
      char* key = static_cast<char*>(wmem_alloc(c.pinfo->pool, nd.key_len + 1u));
      std::memcpy(key, c.body + nd.key_off, nd.key_len);
      key[nd.key_len] = '\0';
      // label: at most 40 key bytes, escaped (the full key is in monero.payload.item.key); a longer
      // label would be cut at Wireshark's 240-byte limit, possibly inside a UTF-8 sequence
      proto_item_set_text(it, "%s", format_text(c.pinfo->pool, MSC_TEXT(key), std::min<size_t>(nd.key_len, 40)));
      proto_tree_add_string(st, hf_item_key, c.tvb, c.body_off + static_cast<int>(nd.key_off), nd.key_len,
                            format_text(c.pinfo->pool, MSC_TEXT(key), nd.key_len));
      proto_tree_add_uint(st, hf_item_type, c.tvb, c.body_off + static_cast<int>(nd.key_off + nd.key_len), 1,
                          nd.base_type);
      proto_tree_add_boolean(st, hf_item_array, c.tvb, c.body_off + static_cast<int>(nd.key_off + nd.key_len), 1,
                             nd.is_array);
    } else {
      proto_item_set_text(it, "[%u]", nd.index);
    }
    if (nd.is_array) {
      proto_tree_add_uint64(st, hf_item_size, c.tvb, c.body_off + static_cast<int>(nd.value_off), 0, nd.count);
      proto_tree_add_item(st, hf_v_array, c.tvb, c.body_off + static_cast<int>(nd.value_off), 0, ENC_NA);
      continue;
    }
    if (!nd.complete && nd.base_type != levin::kPsObject) continue;
    if (nd.base_type == levin::kPsObject) {
      proto_tree_add_item(st, hf_v_struct, c.tvb, c.body_off + static_cast<int>(nd.value_off), 0, ENC_NA);
      continue;
    }
    if (nd.base_type == levin::kPsString)
      proto_tree_add_uint64(st, hf_item_length, c.tvb, c.body_off + static_cast<int>(nd.value_off), 0, nd.value_len);
    const int hf = value_hf(nd.base_type);
    if (hf != -1) add_scalar(st, hf, c, nd, nd.base_type);
  }
}

proto_item* add_node_uint(proto_tree* t, int hf, const MsgCtx& c, const levin::Node& n, uint64_t v, bool is64) {
  rec_uint(c.rec, hf, is64 ? v : static_cast<uint32_t>(v));   // as the tree item holds it
  const int off = c.body_off + static_cast<int>(n.value_off);
  const int len = static_cast<int>(n.value_len);
  if (is64) return proto_tree_add_uint64(t, hf, c.tvb, off, len, v);
  return proto_tree_add_uint(t, hf, c.tvb, off, len, static_cast<guint32>(v));
}

void add_hashes(proto_tree* t, const MsgCtx& c, const levin::Node& n, int hf_elem, uint32_t elem) {
  const uint32_t count = n.value_len / elem;
  proto_tree_add_uint(t, hf_hash_count, c.tvb, c.body_off + static_cast<int>(n.value_off), 0, count);
  for (uint32_t k = 0; k < count; ++k) {
    const int off = c.body_off + static_cast<int>(n.value_off + k * elem);
    if (elem == 8) {
      uint64_t v = 0;
      for (int b = 7; b >= 0; --b) v = (v << 8) | c.body[n.value_off + k * 8 + b];
      proto_tree_add_uint64(t, hf_elem, c.tvb, off, 8, v);
    } else {
      proto_tree_add_item(t, hf_elem, c.tvb, off, static_cast<int>(elem), ENC_NA);
    }
  }
}

void add_peer(const MsgCtx& c, proto_tree* lt, const levin::WalkResult& w, const levin::PeerEntry& p) {
  const levin::Node& en = w.nodes[p.node];
  const int eoff = c.body_off + static_cast<int>(en.offset);
  const int elen = en.complete ? static_cast<int>(en.length) : static_cast<int>(c.body_len - en.offset);
  proto_item* pi = proto_tree_add_item(lt, hf_peer, c.tvb, eoff, elen, ENC_NA);
  proto_tree* pt = proto_item_add_subtree(pi, ett_peer);
  proto_item_set_text(pi, "Peer %u: %s", en.index, p.addr.empty() ? "(invalid address)" : p.addr.c_str());
  // fixed order (docs/ek-contract.md §3): keys, type, addr, then optional values
  proto_tree_add_uint(pt, hf_peer_keys, c.tvb, eoff, 0, p.keys);
  proto_item* ti = proto_tree_add_uint(pt, hf_peer_type, c.tvb,
      p.type_node != levin::kNone ? c.body_off + static_cast<int>(w.nodes[p.type_node].value_off) : eoff,
      p.type_node != levin::kNone ? 1 : 0, p.type);
  if (p.type_node == levin::kNone) proto_item_set_generated(ti);
  proto_item* ai = proto_tree_add_string(pt, hf_peer_addr, c.tvb, eoff, 0, p.addr.c_str());
  proto_item_set_generated(ai);
  if (p.keys & levin::kPeerHasId)
    add_node_uint(pt, hf_peer_id, c, w.nodes[p.id_node], p.id, true);
  if (p.keys & levin::kPeerHasLastSeen) {
    nstime_t ts;
    ts.secs = static_cast<time_t>(p.last_seen);
    ts.nsecs = 0;
    const levin::Node& n = w.nodes[p.last_seen_node];
    proto_tree_add_time(pt, hf_peer_last_seen, c.tvb, c.body_off + static_cast<int>(n.value_off),
                        static_cast<int>(n.value_len), &ts);
  }
  if (p.keys & levin::kPeerHasPruningSeed)
    add_node_uint(pt, hf_peer_pruning_seed, c, w.nodes[p.pruning_seed_node], p.pruning_seed, false);
  if (p.keys & levin::kPeerHasRpcPort)
    add_node_uint(pt, hf_peer_rpc_port, c, w.nodes[p.rpc_port_node], p.rpc_port, false);
  if (p.keys & levin::kPeerHasRpcCredits)
    add_node_uint(pt, hf_peer_rpc_credits, c, w.nodes[p.rpc_credits_node], p.rpc_credits, false);
  // type-specific fields for the GUI and filters
  if (p.addr_node != levin::kNone && (p.keys & levin::kPeerHasAdr)) {
    const levin::Node& an = w.nodes[p.addr_node];
    const int aoff = c.body_off + static_cast<int>(an.value_off);
    if (p.type == 1 && an.value_len == 4)
      proto_tree_add_item(pt, hf_peer_ip, c.tvb, aoff, 4, ENC_BIG_ENDIAN);  // wire bytes = dotted quad
    else if (p.type == 2 && an.value_len == 16)
      proto_tree_add_item(pt, hf_peer_ipv6, c.tvb, aoff, 16, ENC_NA);
    else if (p.type == 3 || p.type == 4)
      proto_tree_add_item(pt, hf_peer_host, c.tvb, aoff, static_cast<int>(an.value_len), ENC_ASCII);
  }
  if (p.port_node != levin::kNone)
    add_node_uint(pt, hf_peer_port, c, w.nodes[p.port_node], p.port, false);
  if (p.keys & levin::kPeerHasLastSeen)
    expert_add_info(c.pinfo, pi, &ei_peer_last_seen);
}

expert_field* ei_for_diag(levin::DiagCode d) {
  using levin::DiagCode;
  switch (d) {
    case DiagCode::Truncated: return &ei_ps_truncated;
    case DiagCode::BadMagic: return &ei_ps_bad_magic;
    case DiagCode::BadFormatVersion: return &ei_ps_bad_version;
    case DiagCode::UnknownType: return &ei_ps_unknown_type;
    case DiagCode::ArrayOfArrays: case DiagCode::NestedArrayType13: return &ei_ps_nested_array;
    case DiagCode::DepthLimit: case DiagCode::CountLimit: case DiagCode::ObjectLimit:
    case DiagCode::FieldLimit: case DiagCode::StringLimit: case DiagCode::NodeLimit:
      return &ei_ps_limit_exceeded;
    case DiagCode::BoolRange: return &ei_ps_bool_range;
    case DiagCode::DuplicateKey: return &ei_ps_duplicate_key;
    case DiagCode::EmptyKey: return &ei_ps_empty_key;
    case DiagCode::UnsortedKeys: return &ei_ps_unsorted_keys;
    case DiagCode::NonMinimalVarint: return &ei_ps_nonminimal_varint;
    case DiagCode::TrailingNonzero: return &ei_ps_trailing_nonzero;
  }
  return &ei_ps_truncated;
}

expert_field* ei_for_issue(levin::SchemaIssue s) {
  using levin::SchemaIssue;
  switch (s) {
    case SchemaIssue::UnexpectedKey: return &ei_schema_unexpected_key;
    case SchemaIssue::TypeMismatch: return &ei_schema_type_mismatch;
    case SchemaIssue::LegacyField: return &ei_legacy_field;
    case SchemaIssue::LastSeenPresent: return nullptr;  // added on the peer item
    case SchemaIssue::ZoneMismatch: return &ei_peer_zone_mismatch;
    case SchemaIssue::PeerListTooLong: return &ei_peerlist_too_long;
    case SchemaIssue::SupportFlagsMissing: return &ei_support_flags_missing;
    case SchemaIssue::SupportFlagsRedundant: return &ei_support_flags_redundant;
    case SchemaIssue::AnonPeerIdOnClearnet: return &ei_anon_peer_id;
    case SchemaIssue::BadHashListLength: return &ei_schema_bad_length;
  }
  return nullptr;
}

// Semantic fields (node_data, sync, peer list, ping, notifications).
void add_semantic(const MsgCtx& c, const levin::WalkResult& w, const levin::Semantic& s) {
  using levin::Role;
  const size_t n = w.nodes.size();
  proto_tree* nd_tree = nullptr;
  proto_tree* sync_tree = nullptr;
  proto_tree* pl_tree = nullptr;
  proto_tree* blk_tree = nullptr;
  uint32_t blk_node = levin::kNone;
  size_t peer_idx = 0;
  proto_item* pl_item = nullptr;
  bool in_list = false;      // inside a peer list (pl_tree is null when there is no tree: tap export)
  int pl_off = c.body_off;
  std::string compact;       // monero.peerlist.compact of the current list (compact mode)
  const bool compact_mode = pref_compact_peers || c.rec != nullptr;
  auto flush_compact = [&]() {
    if (in_list && compact_mode) {
      proto_item* ci = proto_tree_add_string(pl_tree, hf_peerlist_compact, c.tvb,
                                             pl_off, 0, compact.c_str());
      proto_item_set_generated(ci);
      rec_raw(c.rec, hf_peerlist_compact, compact.c_str());
    }
    compact.clear();
  };
  bool have_sync_seed = false, have_cd = false, have_cd_top = false;
  uint64_t cd = 0, cd_top = 0;
  for (size_t i = 0; i < n; ++i) {
    const levin::Node& nd = w.nodes[i];
    const Role r = s.roles[i];
    if (r == Role::None || r == Role::Unknown) continue;
    const int off = c.body_off + static_cast<int>(nd.offset);
    const int vlen = static_cast<int>(nd.value_len);
    const int voff = c.body_off + static_cast<int>(nd.value_off);
    const bool ok = nd.complete;
    const int len = ok ? static_cast<int>(nd.length) : static_cast<int>(c.body_len - nd.offset);
    switch (r) {
      case Role::NodeData: {
        proto_item* it = proto_tree_add_item(c.mtree, hf_nd, c.tvb, off, len, ENC_NA);
        nd_tree = proto_item_add_subtree(it, ett_nd);
        break;
      }
      case Role::SyncData: {
        proto_item* it = proto_tree_add_item(c.mtree, hf_sync, c.tvb, off, len, ENC_NA);
        sync_tree = proto_item_add_subtree(it, ett_sync);
        break;
      }
      case Role::PeerList: {
        flush_compact();   // a second list in one message (malformed) gets its own string
        proto_item* it = proto_tree_add_item(c.mtree, hf_peerlist, c.tvb, off, len, ENC_NA);
        pl_item = it;
        pl_off = off;
        pl_tree = proto_item_add_subtree(it, ett_peerlist);
        in_list = true;
        proto_tree_add_uint(pl_tree, hf_peerlist_count, c.tvb, voff, 0, static_cast<guint32>(nd.count));
        rec_uint(c.rec, hf_peerlist_count, static_cast<guint32>(nd.count));
        proto_item* pi = proto_tree_add_uint(pl_tree, hf_peerlist_present, c.tvb, voff, 0,
                                             static_cast<guint32>(s.peers.size()));
        proto_item_set_generated(pi);
        proto_item_append_text(it, ": %" PRIu64 " entries", nd.count);
        break;
      }
      case Role::Peer:
        if (in_list && peer_idx < s.peers.size() && s.peers[peer_idx].node == i) {
          const levin::PeerEntry& pe = s.peers[peer_idx++];
          if (compact_mode) {
            if (!compact.empty()) compact += ' ';
            levin::append_peer_compact(compact, pe);
            if (pe.keys & levin::kPeerHasLastSeen) expert_add_info(c.pinfo, pl_item, &ei_peer_last_seen);
          } else if (pl_tree != nullptr) {
            add_peer(c, pl_tree, w, pe);
          }
        }
        break;
      default:
        break;
    }
    if (!ok) continue;  // values only from complete nodes
    proto_tree* t_nd = nd_tree ? nd_tree : c.mtree;
    proto_tree* t_sync = sync_tree ? sync_tree : c.mtree;
    const bool is_int = nd.base_type >= levin::kPsInt64 && nd.base_type <= levin::kPsUint8 && !nd.is_array;
    switch (r) {
      case Role::NodeMyPort: if (is_int) add_node_uint(t_nd, hf_nd_my_port, c, nd, nd.u, false); break;
      case Role::NodePeerId: if (is_int) add_node_uint(t_nd, hf_nd_peer_id, c, nd, nd.u, true); break;
      case Role::NodeRpcPort: if (is_int) add_node_uint(t_nd, hf_nd_rpc_port, c, nd, nd.u & 0xffff, false); break;
      case Role::NodeRpcCredits:
        if (is_int) {
          add_node_uint(t_nd, hf_nd_rpc_credits, c, nd, nd.u, false);
          proto_item* g = proto_tree_add_double(t_nd, hf_nd_credits_per_hash, c.tvb, voff, vlen,
                                                static_cast<double>(static_cast<uint32_t>(nd.u)) / 16777216.0);
          proto_item_set_generated(g);
        }
        break;
      case Role::NodeSupportFlags:
        if (is_int) {
          add_node_uint(t_nd, hf_nd_support_flags, c, nd, nd.u, false);
          proto_tree_add_boolean(t_nd, hf_nd_sf_fluffy, c.tvb, voff, vlen, static_cast<guint32>(nd.u));
        }
        break;
      case Role::NodeNetworkId:
        if (vlen == 16) {
          proto_tree_add_item(t_nd, hf_nd_network_id, c.tvb, voff, 16, ENC_BIG_ENDIAN);
          const auto net = static_cast<guint32>(levin::classify_network_id(c.body + nd.value_off));
          proto_item* g = proto_tree_add_uint(t_nd, hf_nd_network, c.tvb, voff, 16, net);
          proto_item_set_generated(g);
          rec_uint(c.rec, hf_nd_network, net);
        }
        break;
      case Role::NodeLocalTime: {
        if (!is_int) break;
        nstime_t ts;
        ts.secs = static_cast<time_t>(nd.u);
        ts.nsecs = 0;
        proto_tree_add_time(t_nd, hf_nd_local_time, c.tvb, voff, vlen, &ts);
        break;
      }
      case Role::SyncHeight: if (is_int) add_node_uint(t_sync, hf_sync_height, c, nd, nd.u, true); break;
      case Role::SyncCumDiff: if (is_int) { add_node_uint(t_sync, hf_sync_cd, c, nd, nd.u, true); have_cd = true; cd = nd.u; } break;
      case Role::SyncCumDiffTop64: if (is_int) { add_node_uint(t_sync, hf_sync_cd_top, c, nd, nd.u, true); have_cd_top = true; cd_top = nd.u; } break;
      case Role::SyncTopId: proto_tree_add_item(t_sync, hf_sync_top_id, c.tvb, voff, vlen, ENC_NA); break;
      case Role::SyncTopVersion: if (is_int) add_node_uint(t_sync, hf_sync_top_version, c, nd, nd.u & 0xff, false); break;
      case Role::SyncPruningSeed:
        if (is_int) {
          add_node_uint(t_sync, hf_sync_pruning_seed, c, nd, nd.u, false);
          const uint32_t seed = static_cast<uint32_t>(nd.u);
          proto_item* g1 = proto_tree_add_uint(t_sync, hf_sync_pruning_stripe, c.tvb, voff, vlen, levin::pruning_stripe(seed) & 0xff);
          proto_item* g2 = proto_tree_add_uint(t_sync, hf_sync_pruning_log_stripes, c.tvb, voff, vlen, levin::pruning_log_stripes(seed));
          proto_item_set_generated(g1);
          proto_item_set_generated(g2);
          have_sync_seed = true;
        }
        break;
      case Role::LegacyPeerList: proto_tree_add_item(c.mtree, hf_legacy_peerlist, c.tvb, voff, vlen, ENC_NA); break;
      case Role::PingStatus:
        proto_tree_add_item(c.mtree, hf_ping_status, c.tvb, voff, vlen, ENC_ASCII);
        if (c.rec) if (const char* k = rkey(hf_ping_status)) c.rec->add_text(k, c.body + nd.value_off, nd.value_len);
        break;
      case Role::PingPeerId: if (is_int) add_node_uint(c.mtree, hf_ping_peer_id, c, nd, nd.u, true); break;
      case Role::SupportFlags:
        if (is_int) {
          add_node_uint(c.mtree, hf_support_flags, c, nd, nd.u, false);
          proto_tree_add_boolean(c.mtree, hf_sf_fluffy, c.tvb, voff, vlen, static_cast<guint32>(nd.u));
        }
        break;
      case Role::CurrentHeight: if (is_int) add_node_uint(c.mtree, hf_current_height, c, nd, nd.u, true); break;
      case Role::BlockEntryObj: {
        proto_item* it = proto_tree_add_item(c.mtree, hf_block, c.tvb, off, len, ENC_NA);
        blk_tree = proto_item_add_subtree(it, ett_block);
        blk_node = static_cast<uint32_t>(i);
        for (const levin::BlockInfo& b : s.blocks) {
          if (b.node != i) continue;
          proto_item* g = proto_tree_add_uint(blk_tree, hf_block_tx_count, c.tvb, off, 0, b.tx_count);
          proto_item_set_generated(g);
        }
        break;
      }
      case Role::BlockBlob:
        if (blk_tree && nd.parent == blk_node) {
          proto_tree_add_item(blk_tree, hf_block_blob, c.tvb, voff, vlen, ENC_NA);
          proto_item* g = proto_tree_add_uint(blk_tree, hf_block_size, c.tvb, voff, vlen, nd.value_len);
          proto_item_set_generated(g);
        }
        break;
      case Role::BlockWeight: if (blk_tree && is_int) add_node_uint(blk_tree, hf_block_weight, c, nd, nd.u, true); break;
      case Role::BlockPruned: if (blk_tree) proto_tree_add_boolean(blk_tree, hf_block_pruned, c.tvb, voff, vlen, nd.u != 0); break;
      case Role::TxBlob: {
        proto_tree* t = blk_tree ? blk_tree : c.mtree;
        if (nd.is_element) {
          proto_item* it = proto_tree_add_item(t, hf_tx, c.tvb, off, len, ENC_NA);
          proto_tree* tt = proto_item_add_subtree(it, ett_tx);
          proto_tree_add_item(tt, hf_tx_blob, c.tvb, voff, vlen, ENC_NA);
          proto_item* g = proto_tree_add_uint(tt, hf_tx_size, c.tvb, voff, vlen, nd.value_len);
          proto_item_set_generated(g);
        } else {
          proto_tree_add_item(t, hf_tx_blob, c.tvb, voff, vlen, ENC_NA);
          proto_item* g = proto_tree_add_uint(t, hf_tx_size, c.tvb, voff, vlen, nd.value_len);
          proto_item_set_generated(g);
        }
        break;
      }
      case Role::TxObj: proto_tree_add_item(blk_tree ? blk_tree : c.mtree, hf_tx, c.tvb, off, len, ENC_NA); break;
      case Role::TxPrunableHash: proto_tree_add_item(blk_tree ? blk_tree : c.mtree, hf_tx_prunable_hash, c.tvb, voff, vlen, ENC_NA); break;
      case Role::Txs: {
        proto_item* g = proto_tree_add_uint(c.mtree, hf_txs_count, c.tvb, voff, 0, static_cast<guint32>(nd.count));
        proto_item_set_generated(g);
        break;
      }
      case Role::Padding:
        proto_tree_add_item(c.mtree, hf_txs_padding, c.tvb, voff, vlen, ENC_NA);
        proto_tree_add_uint(c.mtree, hf_txs_padding_length, c.tvb, voff, vlen, nd.value_len);
        break;
      case Role::DandelionFluff: proto_tree_add_boolean(c.mtree, hf_txs_fluff, c.tvb, voff, vlen, nd.u != 0); break;
      case Role::Hashes: {
        proto_item* it = proto_tree_add_item(c.mtree, hf_v_string, c.tvb, voff, vlen, ENC_NA);
        proto_item_set_text(it, "%s (%u hashes)",
                            format_text(c.pinfo->pool, MSC_TEXT(c.body + nd.key_off), std::min<size_t>(nd.key_len, 40)),
                            nd.value_len / 32);
        add_hashes(proto_item_add_subtree(it, ett_hashes), c, nd, hf_hash, 32);
        break;
      }
      case Role::GetObjectsPrune: proto_tree_add_boolean(c.mtree, hf_get_objects_prune, c.tvb, voff, vlen, nd.u != 0); break;
      case Role::ChainPrune: proto_tree_add_boolean(c.mtree, hf_chain_prune, c.tvb, voff, vlen, nd.u != 0); break;
      case Role::ChainStartHeight: if (is_int) add_node_uint(c.mtree, hf_chain_start_height, c, nd, nd.u, true); break;
      case Role::ChainTotalHeight: if (is_int) add_node_uint(c.mtree, hf_chain_total_height, c, nd, nd.u, true); break;
      case Role::ChainCumDiff: if (is_int) add_node_uint(c.mtree, hf_chain_cd, c, nd, nd.u, true); break;
      case Role::ChainCumDiffTop64: if (is_int) add_node_uint(c.mtree, hf_chain_cd_top, c, nd, nd.u, true); break;
      case Role::ChainBlockWeights: {
        proto_item* it = proto_tree_add_item(c.mtree, hf_v_string, c.tvb, voff, vlen, ENC_NA);
        proto_item_set_text(it, "m_block_weights (%u)", nd.value_len / 8);
        add_hashes(proto_item_add_subtree(it, ett_hashes), c, nd, hf_chain_block_weight, 8);
        break;
      }
      case Role::ChainFirstBlock: proto_tree_add_item(c.mtree, hf_chain_first_block, c.tvb, voff, vlen, ENC_NA); break;
      case Role::FluffyBlockHash: proto_tree_add_item(c.mtree, hf_fluffy_block_hash, c.tvb, voff, vlen, ENC_NA); break;
      case Role::FluffyMissingTxIndices: {
        proto_item* it = proto_tree_add_item(c.mtree, hf_v_string, c.tvb, voff, vlen, ENC_NA);
        proto_item_set_text(it, "missing_tx_indices (%u)", nd.value_len / 8);
        add_hashes(proto_item_add_subtree(it, ett_hashes), c, nd, hf_fluffy_missing_tx_index, 8);
        break;
      }
      default: break;
    }
  }
  flush_compact();
  if (have_cd || have_cd_top) {
    const char* full = wmem_strdup(c.pinfo->pool, levin::u128_to_decimal(cd_top, cd).c_str());
    proto_item* g = proto_tree_add_string(sync_tree ? sync_tree : c.mtree, hf_sync_cd_full, c.tvb, 0, 0, full);
    proto_item_set_generated(g);
  }
  (void)have_sync_seed;
  // 2002 relay mode (absent dandelionpp_fluff = fluff)
  for (size_t i = 0; i < n; ++i) {
    if (s.roles[i] == Role::Txs) {
      proto_item* g = proto_tree_add_uint(c.mtree, hf_txs_relay_mode, c.tvb, 0, 0, s.fluff ? 1 : 0);
      proto_item_set_generated(g);
      break;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// one Levin message
// ---------------------------------------------------------------------------------------------
struct SegInfo {
  bool sig_only;
  uint32_t sig_frame;
  uint32_t segments;
  bool exact;
  bool header_split;
  uint32_t first_len;
};

void add_context(proto_tree* t, tvbuff_t* tvb, packet_info* pinfo, int off, struct tcpinfo* ti,
                 levin::RecordWriter* rec) {
  proto_item* it;
  const char* src = address_to_str(pinfo->pool, &pinfo->src);
  const char* dst = address_to_str(pinfo->pool, &pinfo->dst);
  if (rec) {
    rec_time(rec, hf_frame_time, pinfo->abs_ts);
    rec_uint(rec, hf_frame, pinfo->num);
    rec_raw(rec, hf_src, src);
    rec_raw(rec, hf_dst, dst);
    rec_uint(rec, hf_srcport, pinfo->srcport);
    rec_uint(rec, hf_dstport, pinfo->destport);
  }
  it = proto_tree_add_time(t, hf_frame_time, tvb, off, 0, &pinfo->abs_ts); proto_item_set_generated(it);
  it = proto_tree_add_uint(t, hf_frame, tvb, off, 0, pinfo->num); proto_item_set_generated(it);
  it = proto_tree_add_string(t, hf_src, tvb, off, 0, src); proto_item_set_generated(it);
  it = proto_tree_add_string(t, hf_dst, tvb, off, 0, dst); proto_item_set_generated(it);
  it = proto_tree_add_uint(t, hf_srcport, tvb, off, 0, pinfo->srcport); proto_item_set_generated(it);
  it = proto_tree_add_uint(t, hf_dstport, tvb, off, 0, pinfo->destport); proto_item_set_generated(it);
  if (ti == nullptr) return;
  conversation_t* conv = find_conversation_pinfo(pinfo, 0);
  struct tcp_analysis* tcpd = conv ? get_tcp_conversation_data(conv, pinfo) : nullptr;
  if (tcpd == nullptr) return;
  it = proto_tree_add_uint(t, hf_stream, tvb, off, 0, tcpd->stream); proto_item_set_generated(it);
  rec_uint(rec, hf_stream, tcpd->stream);
  if (tcpd->conversation_completeness & kTcpCompletenessSynSent) {
    const bool initiated = pinfo->destport == tcpd->server_port && pinfo->srcport != tcpd->server_port;
    it = proto_tree_add_boolean(t, hf_sender_initiated, tvb, off, 0, initiated); proto_item_set_generated(it);
    const nstime_t* syn = nstime_is_zero(&tcpd->ts_mru_syn) ? &tcpd->ts_first : &tcpd->ts_mru_syn;
    it = proto_tree_add_time(t, hf_stream_start, tvb, off, 0, syn); proto_item_set_generated(it);
    rec_bool(rec, hf_sender_initiated, initiated);
    rec_time(rec, hf_stream_start, *syn);
  }
}

void dissect_message(tvbuff_t* tvb, packet_info* pinfo, proto_tree* tree, int offset, int avail,
                     struct tcpinfo* ti, const SegInfo* seg, uint32_t msg_key, ConvState* cs, int dir,
                     bool inner, uint32_t padding);

void set_info(packet_info* pinfo, const char* text) {
  // several messages per frame are separated by " | "
  uintptr_t n = reinterpret_cast<uintptr_t>(p_get_proto_data(pinfo->pool, pinfo, proto_owner, 1));
  if (n == 0) col_clear(pinfo->cinfo, COL_INFO);
  col_append_sep_str(pinfo->cinfo, COL_INFO, " | ", text);
  p_add_proto_data(pinfo->pool, pinfo, proto_owner, 1, reinterpret_cast<void*>(n + 1));
}

MsgInfo* msg_info(packet_info* pinfo, uint32_t key) {
  auto* mi = static_cast<MsgInfo*>(p_get_proto_data(wmem_file_scope(), pinfo, proto_owner, key + 16));
  if (mi == nullptr) {
    mi = wmem_new0(wmem_file_scope(), MsgInfo);
    p_add_proto_data(wmem_file_scope(), pinfo, proto_owner, key + 16, mi);
  }
  return mi;
}

void dissect_message(tvbuff_t* tvb, packet_info* pinfo, proto_tree* tree, int offset, int avail,
                     struct tcpinfo* ti, const SegInfo* seg, uint32_t msg_key, ConvState* cs, int dir,
                     bool inner, uint32_t padding) {
  uint8_t hb[levin::kHeaderSize];
  tvb_memcpy(tvb, hb, offset, levin::kHeaderSize);
  levin::Header h;
  levin::parse_header(hb, sizeof hb, h);
  const MsgType mt = levin::classify(h);
  const uint32_t issues = levin::header_issues(h);
  const bool first_pass = !PINFO_FD_VISITED(pinfo);
  const uint64_t total = levin::kHeaderSize + h.length;
  const bool complete = static_cast<uint64_t>(avail) >= total;
  const int msg_len = complete ? static_cast<int>(total) : avail;

  MsgInfo* mi = msg_info(pinfo, msg_key);
  levin::RecordWriter* rec = records_wanted() ? &g_record : nullptr;
  if (rec) rec->clear();
  if (first_pass && !mi->valid) {
    mi->valid = true;
    if (seg) {
      mi->sig_only = seg->sig_only;
      mi->sig_frame = seg->sig_frame;
      mi->segments = seg->segments;
      mi->segments_exact = seg->exact;
      mi->header_split = seg->header_split;
      mi->first_segment_len = seg->first_len;
    } else {
      mi->segments = 1;
      mi->segments_exact = true;
      mi->first_segment_len = static_cast<uint32_t>(msg_len);
    }
    if (cs != nullptr && !inner) {
      // request/response pairing, handshake order
      if (mt == MsgType::Request) {
        cs->dir[dir].requests.push_back(PendingRequest{pinfo->num, pinfo->abs_ts, h.command, mi});
        if (cs->dir[dir].requests.size() > 1024) cs->dir[dir].requests.pop_front();
      } else if (mt == MsgType::Response) {
        auto& q = cs->dir[1 - dir].requests;
        if (q.empty()) {
          mi->unsolicited = true;
        } else {
          PendingRequest pr = q.front();
          q.pop_front();
          mi->response_to = pr.frame;
          nstime_delta(&mi->response_time, &pinfo->abs_ts, &pr.time);
          mi->cmd_mismatch = pr.command != h.command;
          if (pr.info) pr.info->response_in = pinfo->num;
        }
      }
      if (h.command == 1001 && mt == MsgType::Request) {
        mi->double_handshake = cs->handshake_request_seen;
        cs->handshake_request_seen = true;
      } else if (h.command == 1001 && mt == MsgType::Response) {
        cs->handshake_done = true;
      } else if ((mt == MsgType::Request || mt == MsgType::Notification) && h.command != 1003 &&
                 !cs->handshake_request_seen) {
        mi->handshake_missing = true;
      }
      if (!cs->handshake_done && h.length > levin::kPreHandshakeLimit) mi->preshake_oversize = true;
      // Levin fragments
      if (mt == MsgType::FragmentBegin || mt == MsgType::FragmentMiddle || mt == MsgType::FragmentEnd) {
        auto r = cs->dir[dir].frag.feed(h.flags, nullptr, complete ? h.length : 0);
        mi->frag_id = cs->fragment_base + (static_cast<uint32_t>(dir) << 11) + (r.message_id & 0x7ff);
        mi->frag_index = r.fragment_index;
        mi->frag_orphan = r.orphan;
        mi->frag_event = static_cast<uint8_t>(r.event);
      }
    }
  }

  proto_item* mitem = proto_tree_add_item(tree, proto_monero, tvb, offset, msg_len, ENC_NA);
  proto_tree* mt_tree = proto_item_add_subtree(mitem, ett_monero);
  const char* cname = val_to_str_const(h.command, command_vals, "Unknown");
  proto_item_append_text(mitem, ", %s %s", cname, levin::msg_type_name(mt));

  add_context(mt_tree, tvb, pinfo, offset, ti, rec);
  if (rec) {
    rec_uint(rec, hf_signature, h.signature);
    rec_uint(rec, hf_length, h.length);
    rec_bool(rec, hf_have_to_return_data, h.expect_raw != 0);
    rec_uint(rec, hf_command, h.command);
    rec_int(rec, hf_return_code, h.return_code);
    rec_uint(rec, hf_flags, h.flags);
    rec_uint(rec, hf_version, h.version);
    rec_uint(rec, hf_msg_type, static_cast<uint32_t>(mt));
    if (mi->sig_only) rec_bool(rec, hf_sig_only, true);
    rec_uint(rec, hf_segments, mi->segments);
    rec_bool(rec, hf_header_split, mi->header_split);
    rec_uint(rec, hf_first_segment_len, mi->first_segment_len);
    if (inner) rec_bool(rec, hf_fragment_inner, true);
  }
  proto_item* it;
  it = proto_tree_add_item(mt_tree, hf_signature, tvb, offset, 8, ENC_LITTLE_ENDIAN);
  if (issues & levin::kIssueBadSignature) expert_add_info(pinfo, it, &ei_bad_signature);
  it = proto_tree_add_item(mt_tree, hf_length, tvb, offset + 8, 8, ENC_LITTLE_ENDIAN);
  if (issues & levin::kIssueOversize) expert_add_info(pinfo, it, &ei_oversize);
  if (issues & levin::kIssueCommandLimit) expert_add_info(pinfo, it, &ei_command_limit);
  if (mi->preshake_oversize) expert_add_info(pinfo, it, &ei_preshake_oversize);
  it = proto_tree_add_boolean(mt_tree, hf_have_to_return_data, tvb, offset + 16, 1, h.expect_raw != 0);
  if (issues & levin::kIssueExpectMismatch) expert_add_info(pinfo, it, &ei_expect_mismatch);
  it = proto_tree_add_item(mt_tree, hf_command, tvb, offset + 17, 4, ENC_LITTLE_ENDIAN);
  if (mi->handshake_missing) expert_add_info(pinfo, it, &ei_handshake_missing);
  if (mi->double_handshake) expert_add_info(pinfo, it, &ei_double_handshake);
  it = proto_tree_add_item(mt_tree, hf_return_code, tvb, offset + 21, 4, ENC_LITTLE_ENDIAN);
  if (issues & levin::kIssueReturnCode) expert_add_info(pinfo, it, &ei_return_code);
  static int* const flag_bits[] = {&hf_flags_request, &hf_flags_response, &hf_flags_start_fragment,
                                   &hf_flags_end_fragment, &hf_flags_reserved, nullptr};
  it = proto_tree_add_bitmask(mt_tree, tvb, offset + 25, hf_flags, ett_flags, flag_bits, ENC_LITTLE_ENDIAN);
  if (issues & (levin::kIssueReservedFlags | levin::kIssueFlagCombination)) expert_add_info(pinfo, it, &ei_bad_flags);
  it = proto_tree_add_item(mt_tree, hf_version, tvb, offset + 29, 4, ENC_LITTLE_ENDIAN);
  if (issues & levin::kIssueBadVersion) expert_add_info(pinfo, it, &ei_bad_version);
  it = proto_tree_add_uint(mt_tree, hf_msg_type, tvb, offset, 0, static_cast<guint32>(mt));
  proto_item_set_generated(it);

  // Added only when true, like Wireshark's own analysis flags, so that the bare filter
  // `monero.sig_only` selects exactly the signature-only messages.
  if (mi->sig_only) {
    it = proto_tree_add_boolean(mt_tree, hf_sig_only, tvb, offset, 0, TRUE);
    proto_item_set_generated(it);
    expert_add_info(pinfo, it, &ei_sig_only);
    it = proto_tree_add_uint(mt_tree, hf_sig_frame, tvb, offset, 0, mi->sig_frame);
    proto_item_set_generated(it);
  }
  it = proto_tree_add_uint(mt_tree, hf_segments, tvb, offset, 0, mi->segments); proto_item_set_generated(it);
  it = proto_tree_add_boolean(mt_tree, hf_segments_exact, tvb, offset, 0, mi->segments_exact); proto_item_set_generated(it);
  it = proto_tree_add_boolean(mt_tree, hf_header_split, tvb, offset, 0, mi->header_split); proto_item_set_generated(it);
  it = proto_tree_add_uint(mt_tree, hf_first_segment_len, tvb, offset, 0, mi->first_segment_len); proto_item_set_generated(it);
  if (mi->response_in) { it = proto_tree_add_uint(mt_tree, hf_response_in, tvb, offset, 0, mi->response_in); proto_item_set_generated(it); }
  if (mi->response_to) {
    it = proto_tree_add_uint(mt_tree, hf_response_to, tvb, offset, 0, mi->response_to); proto_item_set_generated(it);
    it = proto_tree_add_time(mt_tree, hf_response_time, tvb, offset, 0, &mi->response_time); proto_item_set_generated(it);
    if (mi->cmd_mismatch) expert_add_info(pinfo, it, &ei_response_cmd_mismatch);
  }
  if (mi->unsolicited) expert_add_info(pinfo, mitem, &ei_unsolicited_response);
  if (inner) {
    it = proto_tree_add_boolean(mt_tree, hf_fragment_inner, tvb, offset, 0, TRUE); proto_item_set_generated(it);
    it = proto_tree_add_uint(mt_tree, hf_fragment_padding, tvb, offset, 0, padding); proto_item_set_generated(it);
  }

  // ---- body
  const int body_off = offset + static_cast<int>(levin::kHeaderSize);
  const int body_avail = msg_len - static_cast<int>(levin::kHeaderSize);
  bool decoded = false;
  // Info column text only when there is an Info column to write (exports such as moneroscope's
  // run with -o gui.column.format:"No.","%m" have none: the formatting was ~10 % of their CPU).
  wmem_strbuf_t* info = col_get_writable(pinfo->cinfo, COL_INFO) ? wmem_strbuf_new(pinfo->pool, "") : nullptr;
  if (info)
    wmem_strbuf_append_printf(info, "%s %s", cname,
                              mt == MsgType::Request ? "request" : mt == MsgType::Response ? "response"
                              : mt == MsgType::Notification ? "notification" : levin::msg_type_name(mt));
  if (!complete) {
    rec_bool(rec, hf_truncated, true);
    it = proto_tree_add_boolean(mt_tree, hf_truncated, tvb, offset, 0, TRUE);
    proto_item_set_generated(it);
    expert_add_info_format(pinfo, it, &ei_truncated, "Message incomplete: %d of %" PRIu64 " bytes present",
                           avail, total);
  }
  const bool fragment_like = mt == MsgType::FragmentBegin || mt == MsgType::FragmentMiddle ||
                             mt == MsgType::FragmentEnd || mt == MsgType::Dummy;
  const bool parse_body = mt != MsgType::Invalid && !fragment_like && body_avail > 0;
  if (mt == MsgType::Dummy) {
    expert_add_info(pinfo, mitem, &ei_dummy);
    decoded = complete;
  }
  if (parse_body) {
    const uint8_t* body = static_cast<const uint8_t*>(tvb_memdup(pinfo->pool, tvb, body_off, body_avail));
    Parsed* ps = new (std::nothrow) Parsed();
    if (ps != nullptr) {
      wmem_register_callback(pinfo->pool, delete_cb<Parsed>, ps);
      bool parsed_ok = true;
      try {
        ps->walk = levin::walk(body, static_cast<size_t>(body_avail));
        ps->sem = levin::interpret(body, ps->walk, h.command, mt == MsgType::Response);
      } catch (...) {
        parsed_ok = false;
      }
      if (parsed_ok) {
        const levin::WalkResult& w = ps->walk;
        const levin::Semantic& s = ps->sem;
        decoded = complete && !w.fatal && w.magic_ok;
        MsgCtx c{tvb, pinfo, mt_tree, mitem, body_off, body, static_cast<uint32_t>(body_avail), rec};
        proto_item* pitem = proto_tree_add_item(mt_tree, hf_payload, tvb, body_off, body_avail, ENC_NA);
        proto_tree* ptree = proto_item_add_subtree(pitem, ett_payload);
        if (body_avail >= 8) proto_tree_add_item(ptree, hf_payload_magic, tvb, body_off, body_avail >= 9 ? 9 : 8, ENC_NA);
        if (w.magic_ok && body_avail >= 9) proto_tree_add_item(ptree, hf_payload_format_version, tvb, body_off + 8, 1, ENC_NA);
        if (w.root_count_ok) proto_tree_add_uint64(ptree, hf_payload_section_count, tvb, body_off + 9, 0, w.root_count);
        if (pref_payload_tree) add_generic_tree(c, ptree, w);
        if (!w.fatal && w.end_offset < static_cast<uint32_t>(body_avail))
          proto_tree_add_item(ptree, hf_payload_trailing, tvb, body_off + static_cast<int>(w.end_offset),
                              body_avail - static_cast<int>(w.end_offset), ENC_NA);
        add_semantic(c, w, s);
        // diagnostics
        uint32_t shown = 0;
        for (const levin::Diag& d : w.diags) {
          if (++shown > 64) break;
          const levin::DiagCode code = d.code;
          // truncation because the capture lacks the rest is reported once as "incomplete"
          if (code == levin::DiagCode::Truncated && !complete) continue;
          expert_add_info_format(pinfo, pitem, ei_for_diag(code), "%s at body offset %u (detail %" PRIu64 ")",
                                 levin::diag_name(code), d.offset, d.detail);
        }
        shown = 0;
        for (const levin::SchemaDiag& sd : s.issues) {
          expert_field* ei = ei_for_issue(sd.issue);
          if (ei == nullptr || ++shown > 64) continue;
          // key copied into the packet pool (no C++ object alive across the epan call); at most
          // 40 key bytes: escaped (x4) they stay below the 240-byte expert label limit, where
          // Wireshark would cut a UTF-8 sequence in half
          const char* key = "";
          if (sd.node < w.nodes.size() && !w.nodes[sd.node].is_element && w.nodes[sd.node].key_len > 0) {
            const levin::Node& kn = w.nodes[sd.node];
            key = format_text(pinfo->pool, MSC_TEXT(body + kn.key_off), std::min<size_t>(kn.key_len, 40));
          }
          expert_add_info_format(pinfo, pitem, ei, "%s%s%s", levin::schema_issue_name(sd.issue),
                                 key[0] ? ": " : "", key);
        }
        // info column key facts
        if (info != nullptr) {
          if (s.has_peerlist) wmem_strbuf_append_printf(info, ", %u peers", static_cast<unsigned>(s.peers.size()));
          if (s.has_height) wmem_strbuf_append_printf(info, ", height %" PRIu64, s.height);
          if (s.has_node_data && !s.has_support_flags && h.command == 1001) wmem_strbuf_append(info, ", no support_flags");
          if (s.last_seen_entries) wmem_strbuf_append_printf(info, ", %u last_seen", s.last_seen_entries);
          if (s.has_ping_status) wmem_strbuf_append_printf(info, ", status %s", format_text(pinfo->pool, MSC_TEXT(s.ping_status.c_str()), std::min<size_t>(s.ping_status.size(), 40)));
          if (s.has_support_flags_resp) wmem_strbuf_append_printf(info, ", flags 0x%x", s.support_flags_resp);
          if (h.command == 2002) wmem_strbuf_append_printf(info, ", %u txs, %s", s.tx_count, s.fluff ? "fluff" : "stem");
          if (s.has_current_height) wmem_strbuf_append_printf(info, ", height %" PRIu64, s.current_height);
          if (!s.blocks.empty()) wmem_strbuf_append_printf(info, ", %u blocks", static_cast<unsigned>(s.blocks.size()));
          if (s.hash_count) wmem_strbuf_append_printf(info, ", %u hashes", s.hash_count);
        }
      }
    }
  } else if (mt == MsgType::Invalid && body_avail > 0) {
    proto_tree_add_item(mt_tree, hf_payload, tvb, body_off, body_avail, ENC_NA);
  }
  if (info) {
    if (!complete) wmem_strbuf_append(info, " [incomplete]");
    set_info(pinfo, wmem_strbuf_get_str(info));
  }
  it = proto_tree_add_boolean(mt_tree, hf_payload_decoded, tvb, offset, 0, decoded);
  proto_item_set_generated(it);
  if (rec) {   // before a reassembled fragment message below reuses g_record
    rec_bool(rec, hf_payload_decoded, decoded);
    emit_record(mt_tree, tvb, pinfo, offset, rec->str());
    rec->clear();
  }

  // ---- Levin fragments: reassemble with the standard fragment items
  if (mi->frag_id != 0 && complete && cs != nullptr) {
    it = proto_tree_add_uint(mt_tree, hf_fragment_message_id, tvb, offset, 0, mi->frag_id & 0x7ff);
    proto_item_set_generated(it);
    if (mi->frag_orphan) {
      it = proto_tree_add_boolean(mt_tree, hf_fragment_orphan, tvb, offset, 0, TRUE);
      proto_item_set_generated(it);
      if (mi->frag_index == 0) expert_add_info(pinfo, it, &ei_fragment_end_without_begin);
    }
    using Ev = levin::FragmentReassembler::Event;
    const Ev ev = static_cast<Ev>(mi->frag_event);
    if (ev == Ev::Overflow || ev == Ev::TooShort) {
      expert_add_info(pinfo, mitem, &ei_fragment_error);
    } else if (h.length <= G_MAXINT32) {
      const gboolean more = mt != MsgType::FragmentEnd;
      const gboolean save = pinfo->fragmented;
      pinfo->fragmented = TRUE;
      fragment_head* fh = fragment_add_seq_check(&levin_reassembly_table, tvb, body_off, pinfo, mi->frag_id,
                                                 nullptr, mi->frag_index, static_cast<guint32>(h.length), more);
      tvbuff_t* rtvb = process_reassembled_data(tvb, body_off, pinfo, "Reassembled Levin message", fh,
                                                &levin_frag_items, nullptr, mt_tree);
      pinfo->fragmented = save;
      if (rtvb != nullptr && tvb_captured_length(rtvb) >= levin::kHeaderSize) {
        uint8_t ih[levin::kHeaderSize];
        tvb_memcpy(rtvb, ih, 0, levin::kHeaderSize);
        levin::Header inh;
        levin::parse_header(ih, sizeof ih, inh);
        const uint32_t rlen = tvb_captured_length(rtvb);
        const uint64_t need = levin::kHeaderSize + inh.length;
        const uint32_t pad = need <= rlen ? static_cast<uint32_t>(rlen - need) : 0;
        dissect_message(rtvb, pinfo, tree, 0, static_cast<int>(need <= rlen ? need : rlen), ti, nullptr,
                        msg_key + 0x40000000u, cs, dir, true, pad);
      }
    }
  }
}

// Marker on the 8-byte signature-only frame (no monero.command).
void add_sig_marker(tvbuff_t* tvb, packet_info* pinfo, proto_tree* tree) {
  proto_item* mitem = proto_tree_add_item(tree, proto_monero, tvb, 0, 8, ENC_NA);
  proto_item_append_text(mitem, ", signature-only TCP segment");
  proto_tree* t = proto_item_add_subtree(mitem, ett_monero);
  proto_item* it = proto_tree_add_boolean(t, hf_sig_segment, tvb, 0, 8, TRUE);
  proto_item_set_generated(it);
  expert_add_info(pinfo, it, &ei_sig_only);
  add_marker_record(t, tvb, pinfo, hf_sig_segment, 1);
  set_info(pinfo, "Levin signature only (message continues in a later segment)");
}

// ---------------------------------------------------------------------------------------------
// TCP entry point: PDU loop with resynchronisation
// ---------------------------------------------------------------------------------------------
int dissect_monero(tvbuff_t* tvb, packet_info* pinfo, proto_tree* tree, void* data) {
  auto* ti = static_cast<struct tcpinfo*>(data);
  col_set_str(pinfo->cinfo, COL_PROTOCOL, "Monero");
  const int cap = static_cast<int>(tvb_captured_length(tvb));
  const bool first_pass = !PINFO_FD_VISITED(pinfo);
  int dir = 0;
  ConvState* cs = ti ? get_conv_state(pinfo, &dir) : nullptr;
  const bool can_deseg = pref_desegment && pinfo->can_desegment && ti != nullptr;
  Pending* pend = cs ? &cs->dir[dir].pending : nullptr;

  int offset = 0;
  while (offset < cap) {
    const int remaining = cap - offset;
    const uint32_t msg_seq = ti ? ti->seq + static_cast<uint32_t>(offset) : static_cast<uint32_t>(offset);
    uint8_t sig[8];
    const int sl = remaining < 8 ? remaining : 8;
    tvb_memcpy(tvb, sig, offset, sl);
    if (!levin::signature_prefix_matches(sig, static_cast<size_t>(sl))) {
      // not at a message boundary: resynchronise on the next signature
      const uint8_t* rest = static_cast<const uint8_t*>(tvb_memdup(pinfo->pool, tvb, offset, remaining));
      size_t pos = levin::find_signature(rest, static_cast<size_t>(remaining));
      if (pos == SIZE_MAX) {
        // a signature prefix at the very end may continue in the next segment (only useful when
        // that segment can be appended)
        pos = static_cast<size_t>(remaining);
        if (can_deseg)
        for (size_t k = remaining > 7 ? static_cast<size_t>(remaining) - 7 : 1; k < static_cast<size_t>(remaining); ++k)
          if (levin::signature_prefix_matches(rest + k, static_cast<size_t>(remaining) - k)) { pos = k; break; }
      }
      proto_item* mitem = proto_tree_add_item(tree, proto_monero, tvb, offset, static_cast<int>(pos), ENC_NA);
      proto_item_append_text(mitem, ", %u bytes without Levin framing (resynchronising)", static_cast<unsigned>(pos));
      proto_tree* t = proto_item_add_subtree(mitem, ett_monero);
      proto_item* it = proto_tree_add_uint(t, hf_resync_skipped, tvb, offset, static_cast<int>(pos), static_cast<guint32>(pos));
      expert_add_info(pinfo, it, &ei_resync);
      add_marker_record(t, tvb, pinfo, hf_resync_skipped, static_cast<guint32>(pos));
      set_info(pinfo, "[continuation or non-Levin data]");
      offset += static_cast<int>(pos);
      if (first_pass && pend) pend->active = false;
      continue;
    }
    // fresh message or continuation of the pending one?
    SegInfo seg{};
    const bool continuation = first_pass && pend && pend->active && ti && ti->is_reassembled && pend->seq == msg_seq;
    if (first_pass) {
      if (continuation) {
        seg.sig_only = pend->sig_only;
        seg.sig_frame = pend->sig_frame;
        seg.segments = pend->segments + 1;
        seg.exact = pend->exact;
        seg.first_len = pend->first_len;
      } else {
        seg.segments = 1;
        seg.exact = true;
        seg.first_len = static_cast<uint32_t>(remaining);
        seg.sig_only = ti && !ti->is_reassembled && offset == 0 && cap == 8 &&
                       tvb_reported_length(tvb) == 8 && remaining == 8;
        seg.sig_frame = seg.sig_only ? pinfo->num : 0;
      }
    }
    if (remaining < static_cast<int>(levin::kHeaderSize)) {
      if (can_deseg) {
        if (first_pass && pend) {
          pend->active = true; pend->seq = msg_seq; pend->segments = seg.segments; pend->first_len = seg.first_len;
          pend->sig_only = seg.sig_only; pend->sig_frame = seg.sig_frame; pend->exact = seg.exact;
        }
        if (seg.sig_only || (!first_pass && ti && !ti->is_reassembled && offset == 0 && cap == 8)) {
          MsgInfo* mi = msg_info(pinfo, msg_seq);
          if (first_pass) { mi->sig_marker = true; }
          if (mi->sig_marker) add_sig_marker(tvb, pinfo, tree);
        }
        pinfo->desegment_offset = offset;
        pinfo->desegment_len = DESEGMENT_ONE_MORE_SEGMENT;
        return cap;
      }
      proto_item* mitem = proto_tree_add_item(tree, proto_monero, tvb, offset, remaining, ENC_NA);
      proto_item_append_text(mitem, ", truncated Levin header");
      proto_tree* t = proto_item_add_subtree(mitem, ett_monero);
      proto_item* it = proto_tree_add_boolean(t, hf_truncated, tvb, offset, remaining, TRUE);
      expert_add_info_format(pinfo, it, &ei_truncated, "Levin header incomplete: %d of 33 bytes", remaining);
      add_marker_record(t, tvb, pinfo, hf_truncated, 1);
      set_info(pinfo, "[truncated Levin header]");
      return cap;
    }
    uint8_t hb[levin::kHeaderSize];
    tvb_memcpy(tvb, hb, offset, levin::kHeaderSize);
    levin::Header h;
    levin::parse_header(hb, sizeof hb, h);
    const bool oversize = h.length > levin::kMaxMessageLength;
    const uint64_t total = levin::kHeaderSize + h.length;
    if (!oversize && static_cast<uint64_t>(remaining) < total && can_deseg) {
      if (first_pass && pend) {
        pend->active = true; pend->seq = msg_seq; pend->segments = seg.segments; pend->first_len = seg.first_len;
        pend->sig_only = seg.sig_only; pend->sig_frame = seg.sig_frame; pend->exact = seg.exact;
      }
      pinfo->desegment_offset = offset;
      if (static_cast<uint64_t>(remaining) < kSegmentTrackingLimit) {
        pinfo->desegment_len = DESEGMENT_ONE_MORE_SEGMENT;
      } else {
        if (first_pass && pend) pend->exact = false;
        pinfo->desegment_len = static_cast<guint32>(total - static_cast<uint64_t>(remaining));
      }
      return cap;
    }
    if (first_pass) {
      if (seg.first_len > total) seg.first_len = static_cast<uint32_t>(total);
      seg.header_split = seg.first_len < levin::kHeaderSize;
      if (pend) pend->active = false;
    }
    const int avail = oversize ? static_cast<int>(levin::kHeaderSize)
                               : (static_cast<uint64_t>(remaining) < total ? remaining : static_cast<int>(total));
    dissect_message(tvb, pinfo, tree, offset, avail, ti, first_pass ? &seg : nullptr, msg_seq, cs, dir, false, 0);
    if (oversize) {
      offset += static_cast<int>(levin::kHeaderSize);  // body length is not credible: resync after the header
      continue;
    }
    offset += avail;
  }
  return cap;
}

msc_bool dissect_monero_heur(tvbuff_t* tvb, packet_info* pinfo, proto_tree* tree, void* data) {
  if (tvb_captured_length(tvb) < 8) return FALSE;
  uint8_t sig[8];
  tvb_memcpy(tvb, sig, 0, 8);
  if (std::memcmp(sig, levin::kSignatureBytes, 8) != 0) return FALSE;
  conversation_t* conv = find_or_create_conversation(pinfo);
  conversation_set_dissector(conv, monero_handle);
  dissect_monero(tvb, pinfo, tree, data);
  return TRUE;
}

int dissect_monero_guarded(tvbuff_t* tvb, packet_info* pinfo, proto_tree* tree, void* data) {
  return dissect_monero(tvb, pinfo, tree, data);
}

// ---------------------------------------------------------------------------------------------
// registration
// ---------------------------------------------------------------------------------------------
#define TF(name, abbrev, type, base, strings, mask, blurb) \
  { &hf_##name, { name##_label, abbrev, type, base, strings, mask, blurb, HFILL } }

// The fields of monero.record (docs/ek-contract.md §3b): what moneroscope's ingest reads.
void build_record_keys() {
  const int* const fields[] = {
    &hf_frame_time, &hf_frame, &hf_src, &hf_dst, &hf_srcport, &hf_dstport, &hf_stream, &hf_sender_initiated,
    &hf_stream_start, &hf_signature, &hf_length, &hf_have_to_return_data, &hf_command, &hf_return_code,
    &hf_flags, &hf_version, &hf_msg_type, &hf_sig_only, &hf_segments, &hf_header_split, &hf_first_segment_len,
    &hf_payload_decoded, &hf_fragment_inner, &hf_sig_segment, &hf_resync_skipped,
    &hf_truncated,
    &hf_nd_peer_id, &hf_nd_my_port, &hf_nd_rpc_port, &hf_nd_rpc_credits, &hf_nd_support_flags, &hf_nd_network,
    &hf_sync_height, &hf_sync_cd, &hf_sync_cd_top, &hf_sync_top_version, &hf_sync_pruning_seed,
    &hf_peerlist_count, &hf_peerlist_compact, &hf_ping_status, &hf_ping_peer_id, &hf_support_flags};
  int lo = -1, hi = -1;
  for (const int* f : fields) {
    if (*f < 0) continue;
    if (lo < 0 || *f < lo) lo = *f;
    if (*f > hi) hi = *f;
  }
  g_record_keys.clear();
  if (lo < 0) return;
  g_record_hf_lo = lo;
  g_record_keys.resize(static_cast<size_t>(hi - lo + 1));
  for (const int* f : fields) {
    if (*f < 0) continue;
    const char* ab = proto_registrar_get_abbrev(*f);
    if (ab == nullptr || std::strncmp(ab, "monero.", 7) != 0) continue;
    std::string k(ab + 7);
    for (char& ch : k) if (ch == '.') ch = '_';
    g_record_keys[static_cast<size_t>(*f - lo)] = std::move(k);
  }
}

void proto_register_monero() {
  const int builtin = proto_get_id_by_filter_name("monero");
  if (builtin == -1) {
    proto_monero = proto_register_protocol("Monero Levin protocol (moneroscope)", "Monero", "monero");
    proto_owner = proto_monero;
  } else {
    proto_monero = builtin;
    proto_owner = proto_register_protocol("Monero Levin protocol (moneroscope plugin)", "MoneroScope", "moneroscope");
  }

  static hf_register_info hf[] = {
    {&hf_signature, {"Signature", "monero.signature", FT_UINT64, BASE_HEX, nullptr, 0, "Levin signature, read little-endian (0x0101010101012101)", HFILL}},
    {&hf_length, {"Length", "monero.length", FT_UINT64, BASE_DEC, nullptr, 0, "Body length m_cb", HFILL}},
    {&hf_have_to_return_data, {"Have to return data", "monero.have_to_return_data", FT_BOOLEAN, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_command, {"Command", "monero.command", FT_UINT32, BASE_DEC, VALS(command_vals), 0, nullptr, HFILL}},
    {&hf_return_code, {"Return code", "monero.return_code", FT_INT32, BASE_DEC, VALS(rc_vals), 0, nullptr, HFILL}},
    {&hf_flags, {"Flags", "monero.flags", FT_UINT32, BASE_HEX, nullptr, 0, nullptr, HFILL}},
    {&hf_flags_request, {"Request", "monero.flags.request", FT_BOOLEAN, 32, nullptr, 0x1, nullptr, HFILL}},
    {&hf_flags_response, {"Response", "monero.flags.response", FT_BOOLEAN, 32, nullptr, 0x2, nullptr, HFILL}},
    {&hf_flags_start_fragment, {"Start fragment", "monero.flags.start_fragment", FT_BOOLEAN, 32, nullptr, 0x4, nullptr, HFILL}},
    {&hf_flags_end_fragment, {"End fragment", "monero.flags.end_fragment", FT_BOOLEAN, 32, nullptr, 0x8, nullptr, HFILL}},
    {&hf_flags_reserved, {"Reserved", "monero.flags.reserved", FT_BOOLEAN, 32, nullptr, 0xFFFFFFF0, nullptr, HFILL}},
    {&hf_version, {"Protocol version", "monero.version", FT_UINT32, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_msg_type, {"Message type", "monero.msg_type", FT_UINT8, BASE_DEC, VALS(msg_type_vals), 0, "Classification as monerod does it", HFILL}},
    {&hf_frame_time, {"Frame time", "monero.frame_time", MSC_TIME_FT, MSC_TIME_DISPLAY, nullptr, 0, "Capture time of the frame that completed the message", HFILL}},
    {&hf_frame, {"Frame", "monero.frame", FT_FRAMENUM, BASE_NONE, nullptr, 0, "Frame that completed the message", HFILL}},
    {&hf_src, {"Sender", "monero.src", FT_STRING, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_dst, {"Receiver", "monero.dst", FT_STRING, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_srcport, {"Sender port", "monero.srcport", FT_UINT16, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_dstport, {"Receiver port", "monero.dstport", FT_UINT16, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_stream, {"TCP stream", "monero.stream", FT_UINT32, BASE_DEC, nullptr, 0, "tcp.stream of the connection", HFILL}},
    {&hf_sender_initiated, {"Sender initiated the connection", "monero.sender_initiated", FT_BOOLEAN, BASE_NONE, nullptr, 0, "Only when the SYN was captured", HFILL}},
    {&hf_stream_start, {"Connection start (SYN)", "monero.stream_start", MSC_TIME_FT, MSC_TIME_DISPLAY, nullptr, 0, nullptr, HFILL}},
    {&hf_sig_only, {"Signature-only first segment", "monero.sig_only", FT_BOOLEAN, BASE_NONE, nullptr, 0, "The message's first TCP segment carried exactly the 8 signature bytes", HFILL}},
    {&hf_sig_frame, {"Signature-only segment in frame", "monero.sig_frame", FT_FRAMENUM, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_segments, {"TCP segments", "monero.segments", FT_UINT32, BASE_DEC, nullptr, 0, "TCP segments that carried this message", HFILL}},
    {&hf_segments_exact, {"Segment count exact", "monero.segments_exact", FT_BOOLEAN, BASE_NONE, nullptr, 0, "False for messages > 4 MiB (count is a lower bound)", HFILL}},
    {&hf_header_split, {"Header split", "monero.header_split", FT_BOOLEAN, BASE_NONE, nullptr, 0, "The 33-byte header spanned more than one segment", HFILL}},
    {&hf_first_segment_len, {"Bytes in first segment", "monero.first_segment_len", FT_UINT32, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_payload_decoded, {"Payload decoded", "monero.payload.decoded", FT_BOOLEAN, BASE_NONE, nullptr, 0, "The whole body was present and parsed without error", HFILL}},
    {&hf_sig_segment, {"Signature-only segment", "monero.sig_segment", FT_BOOLEAN, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_resync_skipped, {"Bytes skipped to resynchronise", "monero.resync.skipped", FT_UINT32, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_truncated, {"Message incomplete", "monero.truncated", FT_BOOLEAN, BASE_NONE, nullptr, 0, "Not all bytes of the message are in this tvb (capture gap or reassembly off)", HFILL}},
    {&hf_response_in, {"Response in", "monero.response_in", FT_FRAMENUM, BASE_NONE, FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), 0, nullptr, HFILL}},
    {&hf_response_to, {"Response to", "monero.response_to", FT_FRAMENUM, BASE_NONE, FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0, nullptr, HFILL}},
    {&hf_response_time, {"Response time", "monero.response_time", FT_RELATIVE_TIME, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_fragments, {"Levin fragments", "monero.fragments", FT_NONE, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_fragment, {"Levin fragment", "monero.fragment", FT_FRAMENUM, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_fragment_overlap, {"Fragment overlap", "monero.fragment.overlap", FT_BOOLEAN, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_fragment_overlap_conflicts, {"Conflicting data in fragment overlap", "monero.fragment.overlap.conflicts", FT_BOOLEAN, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_fragment_multiple_tails, {"Multiple tail fragments", "monero.fragment.multiple_tails", FT_BOOLEAN, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_fragment_too_long_fragment, {"Fragment too long", "monero.fragment.too_long_fragment", FT_BOOLEAN, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_fragment_error, {"Defragmentation error", "monero.fragment.error", FT_FRAMENUM, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_fragment_count, {"Fragment count", "monero.fragment.count", FT_UINT32, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_reassembled_in, {"Reassembled in", "monero.reassembled_in", FT_FRAMENUM, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_reassembled_length, {"Reassembled length", "monero.reassembled.length", FT_UINT32, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_reassembled_data, {"Reassembled data", "monero.reassembled.data", FT_BYTES, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_fragment_padding, {"Padding after inner message", "monero.fragment.padding", FT_UINT32, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_fragment_message_id, {"Fragmented message id", "monero.fragment.message_id", FT_UINT32, BASE_DEC, nullptr, 0, "Per connection direction", HFILL}},
    {&hf_fragment_orphan, {"Fragment without begin", "monero.fragment.orphan", FT_BOOLEAN, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_fragment_inner, {"Reassembled from Levin fragments", "monero.fragment.inner", FT_BOOLEAN, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_payload, {"Payload", "monero.payload", FT_NONE, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_payload_magic, {"Portable-storage signature", "monero.payload.magic", FT_BYTES, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_payload_format_version, {"Format version", "monero.payload.format_version", FT_UINT8, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_payload_section_count, {"Root entries", "monero.payload.section.count", FT_UINT64, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_payload_trailing, {"Trailing bytes", "monero.payload.trailing", FT_BYTES, BASE_NONE, nullptr, 0, "Bytes after the root section", HFILL}},
    {&hf_item, {"Entry", "monero.payload.item", FT_NONE, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_item_key, {"Key", "monero.payload.item.key", FT_STRING, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_item_type, {"Type", "monero.payload.item.type", FT_UINT8, BASE_DEC, VALS(ps_type_vals), 0, nullptr, HFILL}},
    {&hf_item_array, {"Array", "monero.payload.item.array", FT_BOOLEAN, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_item_size, {"Element count", "monero.payload.item.size", FT_UINT64, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_item_length, {"String length", "monero.payload.item.length", FT_UINT64, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_v_int8, {"Value", "monero.payload.item.value.int8", FT_INT8, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_v_int16, {"Value", "monero.payload.item.value.int16", FT_INT16, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_v_int32, {"Value", "monero.payload.item.value.int32", FT_INT32, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_v_int64, {"Value", "monero.payload.item.value.int64", FT_INT64, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_v_uint8, {"Value", "monero.payload.item.value.uint8", FT_UINT8, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_v_uint16, {"Value", "monero.payload.item.value.uint16", FT_UINT16, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_v_uint32, {"Value", "monero.payload.item.value.uint32", FT_UINT32, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_v_uint64, {"Value", "monero.payload.item.value.uint64", FT_UINT64, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_v_float64, {"Value", "monero.payload.item.value.float64", FT_DOUBLE, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_v_string, {"Value", "monero.payload.item.value.string", FT_BYTES, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_v_boolean, {"Value", "monero.payload.item.value.boolean", FT_BOOLEAN, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_v_struct, {"Object", "monero.payload.item.value.struct", FT_NONE, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_v_array, {"Array", "monero.payload.item.value.array", FT_NONE, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_nd, {"Node data", "monero.node_data", FT_NONE, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_nd_network_id, {"Network id", "monero.node_data.network_id", FT_GUID, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_nd_network, {"Network", "monero.node_data.network", FT_UINT8, BASE_DEC, VALS(network_vals), 0, nullptr, HFILL}},
    {&hf_nd_peer_id, {"Peer id", "monero.node_data.peer_id", FT_UINT64, BASE_HEX, nullptr, 0, nullptr, HFILL}},
    {&hf_nd_my_port, {"My port", "monero.node_data.my_port", FT_UINT32, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_nd_rpc_port, {"RPC port", "monero.node_data.rpc_port", FT_UINT16, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_nd_rpc_credits, {"RPC credits per hash (scaled)", "monero.node_data.rpc_credits_per_hash", FT_UINT32, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_nd_credits_per_hash, {"RPC credits per hash", "monero.node_data.credits_per_hash", FT_DOUBLE, BASE_NONE, nullptr, 0, "rpc_credits_per_hash / 2^24", HFILL}},
    {&hf_nd_support_flags, {"Support flags", "monero.node_data.support_flags", FT_UINT32, BASE_HEX, nullptr, 0, nullptr, HFILL}},
    {&hf_nd_sf_fluffy, {"Fluffy blocks", "monero.node_data.support_flags.fluffy_blocks", FT_BOOLEAN, 32, nullptr, 0x1, nullptr, HFILL}},
    {&hf_nd_local_time, {"Local time (legacy)", "monero.node_data.local_time", MSC_TIME_FT, MSC_TIME_DISPLAY, nullptr, 0, nullptr, HFILL}},
    {&hf_sync, {"Sync data", "monero.sync", FT_NONE, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_sync_height, {"Current height", "monero.sync.current_height", FT_UINT64, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_sync_cd, {"Cumulative difficulty (low 64)", "monero.sync.cumulative_difficulty", FT_UINT64, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_sync_cd_top, {"Cumulative difficulty (top 64)", "monero.sync.cumulative_difficulty_top64", FT_UINT64, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_sync_cd_full, {"Cumulative difficulty", "monero.sync.cumulative_difficulty_full", FT_STRING, BASE_NONE, nullptr, 0, "128-bit value in decimal", HFILL}},
    {&hf_sync_top_id, {"Top block id", "monero.sync.top_id", FT_BYTES, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_sync_top_version, {"Top version", "monero.sync.top_version", FT_UINT8, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_sync_pruning_seed, {"Pruning seed", "monero.sync.pruning_seed", FT_UINT32, BASE_HEX, nullptr, 0, nullptr, HFILL}},
    {&hf_sync_pruning_stripe, {"Pruning stripe", "monero.sync.pruning_stripe", FT_UINT8, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_sync_pruning_log_stripes, {"Pruning log2 stripes", "monero.sync.pruning_log_stripes", FT_UINT8, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_peerlist, {"Peer list", "monero.peerlist", FT_NONE, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_peerlist_count, {"Entries (declared)", "monero.peerlist.count", FT_UINT32, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_peerlist_present, {"Entries present", "monero.peerlist.present", FT_UINT32, BASE_DEC, nullptr, 0, "Entries actually in the captured bytes", HFILL}},
    {&hf_peer, {"Peer", "monero.peer", FT_NONE, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_peer_keys, {"Keys present", "monero.peer.keys", FT_UINT16, BASE_HEX, nullptr, 0, "0x01 id, 0x02 last_seen, 0x04 pruning_seed, 0x08 rpc_port, 0x10 rpc_credits_per_hash, 0x20 adr decoded, 0x40 unknown keys", HFILL}},
    {&hf_peer_type, {"Address type", "monero.peer.type", FT_UINT8, BASE_DEC, VALS(peer_type_vals), 0, nullptr, HFILL}},
    {&hf_peer_addr, {"Address", "monero.peer.addr", FT_STRING, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_peer_ip, {"IPv4", "monero.peer.ip", FT_IPv4, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_peer_ipv6, {"IPv6", "monero.peer.ipv6", FT_IPv6, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_peer_host, {"Host", "monero.peer.host", FT_STRING, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_peer_port, {"Port", "monero.peer.port", FT_UINT16, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_peer_id, {"Peer id", "monero.peer.id", FT_UINT64, BASE_HEX, nullptr, 0, nullptr, HFILL}},
    {&hf_peer_last_seen, {"Last seen", "monero.peer.last_seen", MSC_TIME_FT, MSC_TIME_DISPLAY, nullptr, 0, nullptr, HFILL}},
    {&hf_peer_pruning_seed, {"Pruning seed", "monero.peer.pruning_seed", FT_UINT32, BASE_HEX, nullptr, 0, nullptr, HFILL}},
    {&hf_peer_rpc_port, {"RPC port", "monero.peer.rpc_port", FT_UINT16, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_peer_rpc_credits, {"RPC credits per hash", "monero.peer.rpc_credits_per_hash", FT_UINT32, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_peerlist_compact, {"Entries (compact)", "monero.peerlist.compact", FT_STRING, BASE_NONE, nullptr, 0,
      "Only with the compact_peers preference: every entry as keys;type;addr;id;last_seen;pruning_seed;rpc_port;"
      "rpc_credits_per_hash (decimal, empty = absent), entries separated by one space", HFILL}},
    {&hf_record, {"Export record", "monero.record", FT_STRING, BASE_NONE, nullptr, 0,
      "Only with the export_records preference: the message's fields as key=value|key=value (moneroscope "
      "export, docs/ek-contract.md 3b)", HFILL}},
    {&hf_legacy_peerlist, {"Legacy peer list blob", "monero.legacy_peerlist", FT_BYTES, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_ping_status, {"Ping status", "monero.ping.status", FT_STRING, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_ping_peer_id, {"Ping peer id", "monero.ping.peer_id", FT_UINT64, BASE_HEX, nullptr, 0, nullptr, HFILL}},
    {&hf_support_flags, {"Support flags", "monero.support_flags", FT_UINT32, BASE_HEX, nullptr, 0, nullptr, HFILL}},
    {&hf_sf_fluffy, {"Fluffy blocks", "monero.support_flags.fluffy_blocks", FT_BOOLEAN, 32, nullptr, 0x1, nullptr, HFILL}},
    {&hf_current_height, {"Current blockchain height", "monero.current_blockchain_height", FT_UINT64, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_block, {"Block entry", "monero.block", FT_NONE, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_block_blob, {"Block blob", "monero.block.blob", FT_BYTES, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_block_size, {"Block size", "monero.block.size", FT_UINT32, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_block_weight, {"Block weight", "monero.block.weight", FT_UINT64, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_block_pruned, {"Pruned", "monero.block.pruned", FT_BOOLEAN, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_block_tx_count, {"Transactions", "monero.block.tx_count", FT_UINT32, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_tx, {"Transaction", "monero.tx", FT_NONE, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_tx_blob, {"Transaction blob", "monero.tx.blob", FT_BYTES, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_tx_size, {"Transaction size", "monero.tx.size", FT_UINT32, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_tx_prunable_hash, {"Prunable hash", "monero.tx.prunable_hash", FT_BYTES, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_txs_count, {"Transactions", "monero.txs.count", FT_UINT32, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_txs_padding, {"Padding", "monero.txs.padding", FT_BYTES, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_txs_padding_length, {"Padding length", "monero.txs.padding_length", FT_UINT32, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_txs_fluff, {"Dandelion++ fluff", "monero.txs.dandelionpp_fluff", FT_BOOLEAN, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_txs_relay_mode, {"Relay mode", "monero.txs.relay_mode", FT_UINT8, BASE_DEC, VALS(relay_mode_vals), 0, "Absent dandelionpp_fluff means fluff", HFILL}},
    {&hf_hash, {"Hash", "monero.hash", FT_BYTES, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_hash_count, {"Hash count", "monero.hash.count", FT_UINT32, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_get_objects_prune, {"Prune", "monero.get_objects.prune", FT_BOOLEAN, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_chain_prune, {"Prune", "monero.chain.prune", FT_BOOLEAN, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_chain_start_height, {"Start height", "monero.chain.start_height", FT_UINT64, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_chain_total_height, {"Total height", "monero.chain.total_height", FT_UINT64, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_chain_cd, {"Cumulative difficulty (low 64)", "monero.chain.cumulative_difficulty", FT_UINT64, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_chain_cd_top, {"Cumulative difficulty (top 64)", "monero.chain.cumulative_difficulty_top64", FT_UINT64, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_chain_block_weight, {"Block weight", "monero.chain.block_weight", FT_UINT64, BASE_DEC, nullptr, 0, nullptr, HFILL}},
    {&hf_chain_first_block, {"First block", "monero.chain.first_block", FT_BYTES, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_fluffy_block_hash, {"Block hash", "monero.fluffy.block_hash", FT_BYTES, BASE_NONE, nullptr, 0, nullptr, HFILL}},
    {&hf_fluffy_missing_tx_index, {"Missing tx index", "monero.fluffy.missing_tx_index", FT_UINT64, BASE_DEC, nullptr, 0, nullptr, HFILL}},
  };
  static gint* ett[] = {&ett_monero, &ett_flags, &ett_payload, &ett_item, &ett_nd, &ett_sync, &ett_peerlist,
                        &ett_peer, &ett_block, &ett_tx, &ett_fragment, &ett_fragments, &ett_hashes};
  static ei_register_info ei[] = {
    {&ei_bad_signature, {"monero.ei.bad_signature", PI_MALFORMED, PI_ERROR, "Bad Levin signature", EXPFILL}},
    {&ei_bad_version, {"monero.ei.bad_version", PI_PROTOCOL, PI_WARN, "Levin protocol version is not 1", EXPFILL}},
    {&ei_bad_flags, {"monero.ei.bad_flags", PI_PROTOCOL, PI_WARN, "Flag combination monerod never writes", EXPFILL}},
    {&ei_oversize, {"monero.ei.oversize", PI_MALFORMED, PI_ERROR, "Length exceeds the 100 MB Levin limit", EXPFILL}},
    {&ei_command_limit, {"monero.ei.command_limit", PI_PROTOCOL, PI_WARN, "Length exceeds monerod's per-command limit", EXPFILL}},
    {&ei_preshake_oversize, {"monero.ei.preshake_oversize", PI_PROTOCOL, PI_WARN, "Message > 256 KiB before the handshake completed", EXPFILL}},
    {&ei_unsolicited_response, {"monero.ei.unsolicited_response", PI_SEQUENCE, PI_WARN, "Response without an outstanding request", EXPFILL}},
    {&ei_response_cmd_mismatch, {"monero.ei.response_cmd_mismatch", PI_SEQUENCE, PI_WARN, "Response command differs from the oldest outstanding request", EXPFILL}},
    {&ei_handshake_missing, {"monero.ei.handshake_missing", PI_SEQUENCE, PI_NOTE, "Message before any handshake request on this connection", EXPFILL}},
    {&ei_double_handshake, {"monero.ei.double_handshake", PI_SEQUENCE, PI_WARN, "Second handshake request on this connection", EXPFILL}},
    {&ei_return_code, {"monero.ei.return_code", PI_PROTOCOL, PI_NOTE, "Unusual return code", EXPFILL}},
    {&ei_expect_mismatch, {"monero.ei.expect_mismatch", PI_PROTOCOL, PI_NOTE, "have_to_return_data inconsistent with the flags", EXPFILL}},
    {&ei_ps_bad_magic, {"monero.ei.ps.bad_magic", PI_MALFORMED, PI_ERROR, "Bad portable-storage signature", EXPFILL}},
    {&ei_ps_bad_version, {"monero.ei.ps.bad_version", PI_MALFORMED, PI_ERROR, "Bad portable-storage format version", EXPFILL}},
    {&ei_ps_unknown_type, {"monero.ei.ps.unknown_type", PI_MALFORMED, PI_ERROR, "Unknown portable-storage type code", EXPFILL}},
    {&ei_ps_nested_array, {"monero.ei.ps.nested_array", PI_PROTOCOL, PI_WARN, "Array-of-arrays type (13 / 0x8D)", EXPFILL}},
    {&ei_ps_bool_range, {"monero.ei.ps.bool_range", PI_MALFORMED, PI_WARN, "Boolean value other than 0/1 (monerod rejects)", EXPFILL}},
    {&ei_ps_duplicate_key, {"monero.ei.ps.duplicate_key", PI_MALFORMED, PI_WARN, "Duplicate key in a section (monerod rejects)", EXPFILL}},
    {&ei_ps_empty_key, {"monero.ei.ps.empty_key", PI_MALFORMED, PI_WARN, "Empty key (monerod rejects)", EXPFILL}},
    {&ei_ps_unsorted_keys, {"monero.ei.ps.unsorted_keys", PI_PROTOCOL, PI_NOTE, "Keys not in sorted order (not written by monerod)", EXPFILL}},
    {&ei_ps_nonminimal_varint, {"monero.ei.ps.nonminimal_varint", PI_PROTOCOL, PI_NOTE, "Non-minimal varint (not written by monerod)", EXPFILL}},
    {&ei_ps_limit_exceeded, {"monero.ei.ps.limit_exceeded", PI_MALFORMED, PI_ERROR, "Portable-storage limit exceeded", EXPFILL}},
    {&ei_ps_trailing_nonzero, {"monero.ei.ps.trailing_nonzero", PI_PROTOCOL, PI_NOTE, "Non-zero trailing bytes after the root section", EXPFILL}},
    {&ei_ps_truncated, {"monero.ei.ps.truncated", PI_MALFORMED, PI_ERROR, "Portable-storage data truncated", EXPFILL}},
    {&ei_schema_unexpected_key, {"monero.ei.schema.unexpected_key", PI_PROTOCOL, PI_NOTE, "Key not sent by monerod in this message", EXPFILL}},
    {&ei_schema_type_mismatch, {"monero.ei.schema.type_mismatch", PI_PROTOCOL, PI_NOTE, "Type code differs from monerod's", EXPFILL}},
    {&ei_schema_bad_length, {"monero.ei.schema.bad_length", PI_MALFORMED, PI_WARN, "Blob length is not a multiple of its element size", EXPFILL}},
    {&ei_peerlist_too_long, {"monero.ei.peerlist_too_long", PI_PROTOCOL, PI_WARN, "Peer list longer than 250 entries", EXPFILL}},
    {&ei_peer_last_seen, {"monero.ei.peer.last_seen_present", PI_PROTOCOL, PI_WARN, "Peer entry carries last_seen (monerod >= 0.14.1 never sends it)", EXPFILL}},
    {&ei_peer_zone_mismatch, {"monero.ei.peer.zone_mismatch", PI_PROTOCOL, PI_WARN, "Peer list mixes network zones", EXPFILL}},
    {&ei_legacy_field, {"monero.ei.legacy_field", PI_PROTOCOL, PI_NOTE, "Legacy field (removed from monerod)", EXPFILL}},
    {&ei_support_flags_missing, {"monero.ei.support_flags_missing", PI_PROTOCOL, PI_WARN, "Handshake node_data without support_flags", EXPFILL}},
    {&ei_support_flags_redundant, {"monero.ei.support_flags_redundant", PI_PROTOCOL, PI_NOTE, "Support-flags request although flags were advertised", EXPFILL}},
    {&ei_anon_peer_id, {"monero.ei.anon_peer_id_on_clearnet", PI_PROTOCOL, PI_NOTE, "peer_id 1 (anonymity-zone value) with a public peer list", EXPFILL}},
    {&ei_fragment_end_without_begin, {"monero.ei.fragment.end_without_begin", PI_SEQUENCE, PI_NOTE, "Levin fragment without a preceding begin", EXPFILL}},
    {&ei_fragment_error, {"monero.ei.fragment.error", PI_MALFORMED, PI_WARN, "Levin fragment reassembly failed (too short or too long)", EXPFILL}},
    {&ei_sig_only, {"monero.ei.sig_only", PI_SEQUENCE, PI_NOTE, "Levin signature alone in a TCP segment", EXPFILL}},
    {&ei_resync, {"monero.ei.resync", PI_SEQUENCE, PI_NOTE, "Data without Levin framing skipped (capture started mid-message or segments missing)", EXPFILL}},
    {&ei_truncated, {"monero.ei.truncated", PI_MALFORMED, PI_WARN, "Levin message incomplete", EXPFILL}},
    {&ei_dummy, {"monero.ei.dummy", PI_SEQUENCE, PI_NOTE, "Dummy/noise message", EXPFILL}},
  };

  proto_register_field_array(proto_monero, hf, array_length(hf));
  proto_register_subtree_array(ett, array_length(ett));
  expert_module_t* em = expert_register_protocol(proto_owner);
  expert_register_field_array(em, ei, array_length(ei));

  module_t* pm = prefs_register_protocol(proto_owner, nullptr);
  prefs_register_bool_preference(pm, "desegment", "Reassemble Levin messages spanning TCP segments",
                                 "Needs TCP's \"Allow subdissector to reassemble TCP streams\"", &pref_desegment);
  // "payload_tree" lives in the "monero" preference module on every version, so the ek invocation
  // (-o monero.payload_tree:FALSE) is the same; on 4.4+ that module is the built-in's (the name
  // does not clash with its only preference, "desegment").
  module_t* tm = proto_owner == proto_monero ? pm : prefs_find_module("monero");
  if (tm == nullptr) tm = pm;
  prefs_register_bool_preference(tm, "payload_tree", "Show the generic key/type/value tree (moneroscope)",
                                 "monero.payload.item.* items compatible with the built-in dissector", &pref_payload_tree);
  prefs_register_bool_preference(tm, "compact_peers", "Peer-list entries as one compact string (moneroscope export)",
                                 "One monero.peerlist.compact string per peer list instead of a monero.peer subtree per "
                                 "entry: much faster -T ek export (the moneroscope run invocation sets it)",
                                 &pref_compact_peers);

  prefs_register_bool_preference(tm, "export_records", "One export record per message (moneroscope export)",
                                 "Adds monero.record, every field moneroscope reads in one string, for "
                                 "tshark -T ek -e monero.record (the moneroscope run invocation sets it)",
                                 &pref_export_records);
  build_record_keys();
  monero_tap = register_tap("moneroscope");
  static stat_tap_ui records_ui = {REGISTER_PACKET_STAT_GROUP_UNSORTED, "Monero export records (moneroscope)",
                                   "monero,records", records_tap_init, 0, nullptr};
  register_stat_tap_ui(&records_ui, nullptr);

  reassembly_table_register(&levin_reassembly_table, &addresses_ports_reassembly_table_functions);
  register_cleanup_routine(cleanup_state);
  monero_handle = register_dissector(builtin == -1 ? "monero" : "moneroscope", dissect_monero_guarded, proto_owner);
}

void proto_reg_handoff_monero() {
  dissector_add_uint_range_with_preference("tcp.port", "18080", monero_handle);
  const int builtin_plugin_split = proto_owner != proto_monero;
  heur_dissector_add("tcp", dissect_monero_heur, "Monero Levin over TCP (moneroscope)",
                     builtin_plugin_split ? "moneroscope_tcp" : "monero_tcp", proto_owner, HEURISTIC_ENABLE);
  if (builtin_plugin_split) {
    heur_dtbl_entry_t* h = find_heur_dissector_by_unique_short_name("monero_tcp");
    if (h != nullptr) h->enabled = FALSE;
  }
}

}  // namespace

void plugin_register(void) {
  static proto_plugin plug;
  plug.register_protoinfo = proto_register_monero;
  plug.register_handoff = proto_reg_handoff_monero;
  proto_register_plugin(&plug);
}

#if MSC_WS44
uint32_t plugin_describe(void) { return WS_PLUGIN_DESC_DISSECTOR; }
#endif

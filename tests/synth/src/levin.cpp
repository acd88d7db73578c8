#include "levin.h"

#include <stdexcept>

namespace msc::synth::levin {

using epee::Section;
using epee::Value;

const std::array<uint8_t, 16> kMainnetNetworkId = {0x12, 0x30, 0xf1, 0x71, 0x61, 0x04, 0x41, 0x61,
                                                   0x17, 0x31, 0x00, 0x82, 0x16, 0xa1, 0xa1, 0x10};

namespace {
void put_le(std::string& out, uint64_t v, unsigned n) {
  for (unsigned i = 0; i < n; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
std::string raw(const uint8_t* p, size_t n) { return std::string(reinterpret_cast<const char*>(p), n); }
template <size_t N> std::string raw(const std::array<uint8_t, N>& a) { return raw(a.data(), N); }
std::string concat_hashes(const std::vector<std::array<uint8_t, 32>>& v) {
  std::string s;
  for (const auto& h : v) s += raw(h);
  return s;
}
Section sec(const Style& st) { Section s; s.keep_order = st.unsorted; return s; }
}  // namespace

std::string encode_header(const Header& h) {
  std::string out;
  out.reserve(kHeaderSize);
  put_le(out, h.signature, 8);
  put_le(out, h.cb, 8);
  out.push_back(static_cast<char>(h.expect));
  put_le(out, h.command, 4);
  put_le(out, static_cast<uint32_t>(h.rc), 4);
  put_le(out, h.flags, 4);
  put_le(out, h.version, 4);
  return out;
}

MsgType classify(const Header& h) {
  if (h.signature != kSignature) return INVALID;
  if (!(h.flags & (Q | S))) {
    const bool b = h.flags & B, e = h.flags & E;
    if (b && e) return DUMMY;
    if (b) return FRAG_BEGIN;
    if (e) return FRAG_END;
    return FRAG_MIDDLE;
  }
  if (h.version == 1 && (h.flags & S)) return RESPONSE;
  return h.expect ? REQUEST : NOTIFICATION;
}

const char* msg_type_name(int t) {
  static const char* names[] = {"request", "response", "notification", "fragment-begin",
                                "fragment-middle", "fragment-end", "dummy", "invalid"};
  return (t >= 0 && t <= 7) ? names[t] : "invalid";
}

static Message make(uint32_t cmd, std::string body, uint32_t flags, uint8_t expect, int32_t rc) {
  Message m;
  m.h.cb = body.size();
  m.h.command = cmd;
  m.h.flags = flags;
  m.h.expect = expect;
  m.h.rc = rc;
  m.body = std::move(body);
  return m;
}

Message request(uint32_t cmd, std::string body) { return make(cmd, std::move(body), Q, 1, 0); }
Message response(uint32_t cmd, std::string body, int32_t rc) { return make(cmd, std::move(body), S, 0, rc); }
Message notification(uint32_t cmd, std::string body) { return make(cmd, std::move(body), Q, 0, 0); }
Message dummy(size_t total) {
  if (total < kHeaderSize) throw std::invalid_argument("dummy smaller than a header");
  return make(0, std::string(total - kHeaderSize, '\0'), B | E, 0, 0);
}

std::vector<Message> fragment(const Message& inner, size_t unit) {
  const std::string all = inner.bytes();
  const size_t slice = unit - kHeaderSize;
  if (all.size() <= unit) throw std::invalid_argument("message fits one bucket: send it padded, not fragmented");
  std::vector<Message> out;
  for (size_t off = 0; off < all.size(); off += slice) {
    std::string part = all.substr(off, slice);
    part.resize(slice, '\0');
    const bool first = off == 0, last = off + slice >= all.size();
    out.push_back(make(0, std::move(part), first ? uint32_t{B} : last ? uint32_t{E} : uint32_t{0}, 0, 0));
  }
  return out;
}

std::string encode_body(const Section& s, const Style& st) {
  epee::Options o;
  o.varint_width = st.varint_width;
  return epee::encode(s, o);
}

// Insertion order below is a "declaration order" (differs from sorted order) so that
// Style::unsorted yields a visibly non-monerod key order.
Section node_data_section(const NodeData& nd, const Style& st) {
  Section s = sec(st);
  s.add("network_id", Value::string(raw(nd.network_id)));
  if (nd.local_time) s.add("local_time", Value::u64(*nd.local_time));
  s.add("my_port", Value::u32(nd.my_port));
  if (nd.rpc_port) s.add("rpc_port", Value::u16(*nd.rpc_port));
  if (nd.rpc_credits_per_hash) s.add("rpc_credits_per_hash", Value::u32(*nd.rpc_credits_per_hash));
  s.add("peer_id", Value::u64(nd.peer_id));
  if (nd.support_flags) s.add("support_flags", Value::u32(*nd.support_flags));
  return s;
}

Section sync_section(const SyncData& sd, const Style& st) {
  Section s = sec(st);
  s.add("current_height", Value::u64(sd.current_height));
  s.add("cumulative_difficulty", Value::u64(sd.cumulative_difficulty));
  s.add("cumulative_difficulty_top64", Value::u64(sd.cumulative_difficulty_top64));
  s.add("top_id", Value::string(raw(sd.top_id)));
  s.add("top_version", Value::u8(sd.top_version));
  if (sd.pruning_seed) s.add("pruning_seed", Value::u32(*sd.pruning_seed));
  return s;
}

Section peer_entry_section(const PeerEntry& e, const Style& st) {
  Section addr = sec(st);
  switch (e.adr.type) {
    case AddrType::IPv4: {
      const uint32_t v = uint32_t(e.adr.ip[0]) | uint32_t(e.adr.ip[1]) << 8 | uint32_t(e.adr.ip[2]) << 16 |
                         uint32_t(e.adr.ip[3]) << 24;
      addr.add("m_ip", Value::u32(v));
      addr.add("m_port", Value::u16(e.adr.port));
      break;
    }
    case AddrType::IPv6:
      addr.add("addr", Value::string(raw(e.adr.ip)));
      addr.add("m_port", Value::u16(e.adr.port));
      break;
    case AddrType::I2P:
    case AddrType::Tor:
      addr.add("host", Value::string(e.adr.host));
      addr.add("port", Value::u16(e.adr.port));
      break;
  }
  Section adr = sec(st);
  adr.add("type", Value::u8(static_cast<uint8_t>(e.adr.type)));
  adr.add("addr", Value::object(std::move(addr)));
  Section s = sec(st);
  s.add("adr", Value::object(std::move(adr)));
  s.add("id", Value::u64(e.id));
  if (e.last_seen) s.add("last_seen", Value::i64(*e.last_seen));
  if (e.pruning_seed) s.add("pruning_seed", Value::u32(*e.pruning_seed));
  if (e.rpc_port) s.add("rpc_port", Value::u16(*e.rpc_port));
  if (e.rpc_credits_per_hash) s.add("rpc_credits_per_hash", Value::u32(*e.rpc_credits_per_hash));
  return s;
}

static void add_peerlist(Section& s, const std::vector<PeerEntry>& peers, const Style& st) {
  if (peers.empty()) return;  // empty containers are never written
  std::vector<Value> elems;
  elems.reserve(peers.size());
  for (const auto& p : peers) elems.push_back(Value::object(peer_entry_section(p, st)));
  s.add("local_peerlist_new", Value::array_of(epee::OBJ, std::move(elems)));
}

std::string encode_peer_entry(const PeerEntry& e, const Style& st) {
  epee::Options o;
  o.varint_width = st.varint_width;
  std::string out;
  epee::encode_section(out, peer_entry_section(e, st), o);
  return out;
}

static void add_peerlist(Section& s, const EncodedPeers& peers) {
  if (peers.empty()) return;
  std::vector<Value> elems;
  elems.reserve(peers.size());
  for (const std::string* p : peers) elems.push_back(Value::raw_object(*p));
  s.add("local_peerlist_new", Value::array_of(epee::OBJ, std::move(elems)));
}

std::string handshake_response(const NodeData& nd, const SyncData& sd, const EncodedPeers& peers, const Style& st) {
  Section s = sec(st);
  s.add("node_data", Value::object(node_data_section(nd, st)));
  s.add("payload_data", Value::object(sync_section(sd, st)));
  add_peerlist(s, peers);
  return encode_body(s, st);
}

std::string timed_sync_response(const SyncData& sd, const EncodedPeers& peers, const Style& st) {
  Section s = sec(st);
  s.add("payload_data", Value::object(sync_section(sd, st)));
  add_peerlist(s, peers);
  return encode_body(s, st);
}

std::string handshake_request(const NodeData& nd, const SyncData& sd, const Style& st) {
  Section s = sec(st);
  s.add("payload_data", Value::object(sync_section(sd, st)));
  s.add("node_data", Value::object(node_data_section(nd, st)));
  return encode_body(s, st);
}

std::string handshake_response(const NodeData& nd, const SyncData& sd, const std::vector<PeerEntry>& peers,
                               const Style& st) {
  Section s = sec(st);
  s.add("node_data", Value::object(node_data_section(nd, st)));
  s.add("payload_data", Value::object(sync_section(sd, st)));
  add_peerlist(s, peers, st);
  return encode_body(s, st);
}

std::string timed_sync_request(const SyncData& sd, const Style& st) {
  Section s = sec(st);
  s.add("payload_data", Value::object(sync_section(sd, st)));
  return encode_body(s, st);
}

std::string timed_sync_response(const SyncData& sd, const std::vector<PeerEntry>& peers, const Style& st) {
  Section s = sec(st);
  s.add("payload_data", Value::object(sync_section(sd, st)));
  add_peerlist(s, peers, st);
  return encode_body(s, st);
}

std::string empty_body(const Style& st) { return encode_body(sec(st), st); }

std::string ping_response(uint64_t peer_id, const Style& st) {
  Section s = sec(st);
  s.add("status", Value::string("OK"));
  s.add("peer_id", Value::u64(peer_id));
  return encode_body(s, st);
}

std::string support_flags_response(uint32_t flags, const Style& st) {
  Section s = sec(st);
  s.add("support_flags", Value::u32(flags));
  return encode_body(s, st);
}

static Section proof_of_trust(uint64_t peer_id, uint64_t time, const std::string& sign64) {
  Section tr;
  tr.add("peer_id", Value::u64(peer_id));
  tr.add("time", Value::u64(time));
  tr.add("sign", Value::string(sign64));
  return tr;
}

std::string stat_info_request(uint64_t peer_id, uint64_t time, const std::string& sign64) {
  Section s;
  s.add("tr", Value::object(proof_of_trust(peer_id, time, sign64)));
  return encode_body(s, {});
}

std::string network_state_request(uint64_t peer_id, uint64_t time, const std::string& sign64) {
  return stat_info_request(peer_id, time, sign64);  // same body shape (`tr` proof of trust)
}

std::string network_state_response(uint64_t my_id, uint64_t local_time) {
  Section s;
  s.add("my_id", Value::u64(my_id));
  s.add("local_time", Value::u64(local_time));
  return encode_body(s, {});
}

std::string peer_id_response(uint64_t my_id) {
  Section s;
  s.add("my_id", Value::u64(my_id));
  return encode_body(s, {});
}

static Section block_entry_section(const BlockEntry& b, const Style& st) {
  Section s = sec(st);
  s.add("block", Value::string(b.block));
  if (!b.txs.empty()) {
    std::vector<Value> t;
    for (const auto& x : b.txs) t.push_back(Value::string(x));
    s.add("txs", Value::array_of(epee::STR, std::move(t)));
  }
  return s;
}

std::string new_block(const BlockEntry& b, uint64_t height, const Style& st) {
  Section s = sec(st);
  s.add("current_blockchain_height", Value::u64(height));
  s.add("b", Value::object(block_entry_section(b, st)));
  return encode_body(s, st);
}

std::string new_transactions(const std::vector<std::string>& txs, bool stem, const std::string& padding,
                             const Style& st) {
  Section s = sec(st);
  std::vector<Value> t;
  for (const auto& x : txs) t.push_back(Value::string(x));
  if (!t.empty()) s.add("txs", Value::array_of(epee::STR, std::move(t)));
  if (stem) s.add("dandelionpp_fluff", Value::boolean(false));
  s.add("_", Value::string(padding));
  return encode_body(s, st);
}

std::string request_get_objects(const std::vector<std::array<uint8_t, 32>>& ids, bool prune, const Style& st) {
  Section s = sec(st);
  s.add("blocks", Value::string(concat_hashes(ids)));
  if (prune) s.add("prune", Value::boolean(true));
  return encode_body(s, st);
}

std::string response_get_objects(const std::vector<BlockEntry>& blocks, uint64_t height, const Style& st) {
  Section s = sec(st);
  std::vector<Value> b;
  for (const auto& x : blocks) b.push_back(Value::object(block_entry_section(x, st)));
  if (!b.empty()) s.add("blocks", Value::array_of(epee::OBJ, std::move(b)));
  s.add("current_blockchain_height", Value::u64(height));
  return encode_body(s, st);
}

std::string request_chain(const std::vector<std::array<uint8_t, 32>>& ids, bool prune, const Style& st) {
  Section s = sec(st);
  s.add("block_ids", Value::string(concat_hashes(ids)));
  if (prune) s.add("prune", Value::boolean(true));
  return encode_body(s, st);
}

std::string response_chain_entry(uint64_t start_height, uint64_t total_height, uint64_t cum_diff,
                                 const std::vector<std::array<uint8_t, 32>>& ids,
                                 const std::vector<uint64_t>& weights, const std::string& first_block,
                                 const Style& st) {
  Section s = sec(st);
  s.add("start_height", Value::u64(start_height));
  s.add("total_height", Value::u64(total_height));
  s.add("cumulative_difficulty", Value::u64(cum_diff));
  s.add("cumulative_difficulty_top64", Value::u64(0));
  s.add("m_block_ids", Value::string(concat_hashes(ids)));
  std::string w;
  for (uint64_t x : weights) put_le(w, x, 8);
  s.add("m_block_weights", Value::string(w));
  s.add("first_block", Value::string(first_block));
  return encode_body(s, st);
}

std::string fluffy_missing_tx(const std::array<uint8_t, 32>& block_hash, uint64_t height,
                              const std::vector<uint64_t>& indices, const Style& st) {
  Section s = sec(st);
  s.add("block_hash", Value::string(raw(block_hash)));
  s.add("current_blockchain_height", Value::u64(height));
  std::string idx;
  for (uint64_t x : indices) put_le(idx, x, 8);
  s.add("missing_tx_indices", Value::string(idx));
  return encode_body(s, st);
}

std::string txpool_complement(const std::vector<std::array<uint8_t, 32>>& hashes, const Style& st) {
  Section s = sec(st);
  if (!hashes.empty()) s.add("hashes", Value::string(concat_hashes(hashes)));
  return encode_body(s, st);
}

const char* command_name(uint32_t cmd) {
  switch (cmd) {
    case 0: return "noise/fragment";
    case 1001: return "handshake";
    case 1002: return "timed_sync";
    case 1003: return "ping";
    case 1004: return "request_stat_info";
    case 1005: return "request_network_state";
    case 1006: return "request_peer_id";
    case 1007: return "request_support_flags";
    case 2001: return "new_block";
    case 2002: return "new_transactions";
    case 2003: return "request_get_objects";
    case 2004: return "response_get_objects";
    case 2006: return "request_chain";
    case 2007: return "response_chain_entry";
    case 2008: return "new_fluffy_block";
    case 2009: return "request_fluffy_missing_tx";
    case 2010: return "get_txpool_complement";
    default: return "unknown";
  }
}

}  // namespace msc::synth::levin

// Levin bucket header writer and message builders for every Monero P2P command
// (levin-protocol.md §1, §4). Bodies follow the canonical v0.18.4 shapes of §4.4 unless a
// Style asks for a deliberate deviation (unsorted keys, non-minimal varints, legacy fields).
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "epee.h"

namespace msc::synth::levin {

constexpr uint64_t kSignature = 0x0101010101012101ULL;  // wire bytes 01 21 01 01 01 01 01 01
constexpr size_t kHeaderSize = 33;
constexpr size_t kNoiseBytes = 3072;
enum Flag : uint32_t { Q = 0x01, S = 0x02, B = 0x04, E = 0x08 };

// msg_type values shared with docs/ek-contract.md (monero.msg_type).
enum MsgType : int { REQUEST = 0, RESPONSE = 1, NOTIFICATION = 2, FRAG_BEGIN = 3, FRAG_MIDDLE = 4,
                     FRAG_END = 5, DUMMY = 6, INVALID = 7 };

struct Header {
  uint64_t signature = kSignature;
  uint64_t cb = 0;
  uint8_t expect = 0;  // byte 16 (any non-zero = true)
  uint32_t command = 0;
  int32_t rc = 0;
  uint32_t flags = 0;
  uint32_t version = 1;
};

std::string encode_header(const Header& h);
MsgType classify(const Header& h);
const char* msg_type_name(int t);

struct Message {
  Header h;
  std::string body;
  // header bytes + body; h.cb is written as stored (callers set it via the factories below).
  std::string bytes() const { return encode_header(h) + body; }
  size_t size() const { return kHeaderSize + body.size(); }
};

Message request(uint32_t cmd, std::string body);             // flags Q, expect 1, rc 0
Message response(uint32_t cmd, std::string body, int32_t rc = 1);  // flags S, expect 0
Message notification(uint32_t cmd, std::string body);        // flags Q, expect 0, rc 0
Message dummy(size_t total = kNoiseBytes);                   // cmd 0, flags B|E, zero body
// Fragment an inner message into fixed 3072-byte buckets (§2.2): flags B / 0 / E, m_cb 3039,
// last slice zero-padded. Requires inner.size() > 3072.
std::vector<Message> fragment(const Message& inner, size_t unit = kNoiseBytes);

// ---- body content -----------------------------------------------------------------------
struct Style {
  bool unsorted = false;       // write keys in declaration order (Cuprate-like) instead of sorted
  unsigned varint_width = 0;   // non-minimal varints when > 0
};

extern const std::array<uint8_t, 16> kMainnetNetworkId;

struct NodeData {
  uint32_t my_port = 18080;
  std::array<uint8_t, 16> network_id = kMainnetNetworkId;
  uint64_t peer_id = 0;
  std::optional<uint32_t> support_flags = 1;
  std::optional<uint16_t> rpc_port;
  std::optional<uint32_t> rpc_credits_per_hash;
  std::optional<uint64_t> local_time;  // legacy (<= v0.15)
};

struct SyncData {
  uint64_t cumulative_difficulty = 0;
  uint64_t cumulative_difficulty_top64 = 0;
  uint64_t current_height = 0;
  std::optional<uint32_t> pruning_seed;
  std::array<uint8_t, 32> top_id{};
  uint8_t top_version = 16;
};

enum class AddrType : uint8_t { IPv4 = 1, IPv6 = 2, I2P = 3, Tor = 4 };

struct PeerAddr {
  AddrType type = AddrType::IPv4;
  std::array<uint8_t, 16> ip{};  // IPv4 in the first 4 bytes (octets in order)
  uint16_t port = 18080;
  std::string host;              // Tor/I2P
};

struct PeerEntry {
  PeerAddr adr;
  uint64_t id = 0;
  std::optional<int64_t> last_seen;
  std::optional<uint32_t> pruning_seed;
  std::optional<uint16_t> rpc_port;
  std::optional<uint32_t> rpc_credits_per_hash;
};

epee::Section node_data_section(const NodeData& nd, const Style& st = {});
epee::Section sync_section(const SyncData& sd, const Style& st = {});
epee::Section peer_entry_section(const PeerEntry& e, const Style& st = {});

std::string encode_body(const epee::Section& s, const Style& st);
// Section bytes of one peer entry (count + entries), for lists built from pre-encoded entries.
std::string encode_peer_entry(const PeerEntry& e, const Style& st = {});
using EncodedPeers = std::vector<const std::string*>;

// 1001..1007
std::string handshake_request(const NodeData& nd, const SyncData& sd, const Style& st = {});
std::string handshake_response(const NodeData& nd, const SyncData& sd, const std::vector<PeerEntry>& peers,
                               const Style& st = {});
std::string timed_sync_request(const SyncData& sd, const Style& st = {});
std::string timed_sync_response(const SyncData& sd, const std::vector<PeerEntry>& peers, const Style& st = {});
// Same, with entries already encoded by encode_peer_entry (fast path for large runs).
std::string handshake_response(const NodeData& nd, const SyncData& sd, const EncodedPeers& peers,
                               const Style& st = {});
std::string timed_sync_response(const SyncData& sd, const EncodedPeers& peers, const Style& st = {});
std::string empty_body(const Style& st = {});                       // 1003 / 1007 request
std::string ping_response(uint64_t peer_id, const Style& st = {});  // status "OK"
std::string support_flags_response(uint32_t flags, const Style& st = {});
std::string stat_info_request(uint64_t peer_id, uint64_t time, const std::string& sign64);   // 1004
std::string network_state_request(uint64_t peer_id, uint64_t time, const std::string& sign64);  // 1005
std::string network_state_response(uint64_t my_id, uint64_t local_time);                     // 1005 resp
std::string peer_id_response(uint64_t my_id);                                                // 1006 resp

// 2001..2010
struct BlockEntry {
  std::string block;
  std::vector<std::string> txs;
};
std::string new_block(const BlockEntry& b, uint64_t height, const Style& st = {});       // 2001 / 2008
std::string new_transactions(const std::vector<std::string>& txs, bool stem, const std::string& padding = "",
                             const Style& st = {});                                      // 2002
std::string request_get_objects(const std::vector<std::array<uint8_t, 32>>& ids, bool prune,
                                const Style& st = {});                                   // 2003
std::string response_get_objects(const std::vector<BlockEntry>& blocks, uint64_t height,
                                  const Style& st = {});                                 // 2004
std::string request_chain(const std::vector<std::array<uint8_t, 32>>& ids, bool prune,
                          const Style& st = {});                                         // 2006
std::string response_chain_entry(uint64_t start_height, uint64_t total_height, uint64_t cum_diff,
                                 const std::vector<std::array<uint8_t, 32>>& ids,
                                 const std::vector<uint64_t>& weights, const std::string& first_block,
                                 const Style& st = {});                                  // 2007
std::string fluffy_missing_tx(const std::array<uint8_t, 32>& block_hash, uint64_t height,
                              const std::vector<uint64_t>& indices, const Style& st = {});  // 2009
std::string txpool_complement(const std::vector<std::array<uint8_t, 32>>& hashes, const Style& st = {});  // 2010

const char* command_name(uint32_t cmd);

}  // namespace msc::synth::levin

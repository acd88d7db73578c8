// One Levin message as recovered from the plugin's ek output (docs/ek-contract.md §3).
// This is the only type the ingest stage produces; everything downstream is built from it.
#pragma once

#include "model/ip.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace msc {

// Levin message classes (monero.msg_type, levin-protocol.md §1.2/§1.3).
enum class MsgType : uint8_t {
    Request = 0, Response = 1, Notification = 2,
    FragmentBegin = 3, FragmentMiddle = 4, FragmentEnd = 5, Dummy = 6, Invalid = 7,
};

// Command ids (levin-protocol.md §4).
namespace cmd {
constexpr uint32_t Handshake = 1001, TimedSync = 1002, Ping = 1003, SupportFlags = 1007;
constexpr uint32_t NewBlock = 2001, NewTransactions = 2002, RequestGetObjects = 2003,
                   ResponseGetObjects = 2004, RequestChain = 2006, ResponseChainEntry = 2007,
                   NewFluffyBlock = 2008, RequestFluffyMissingTx = 2009, GetTxPoolComplement = 2010;
} // namespace cmd

// Address types of a peer-list entry (monero.peer.type).
enum class PeerAddrType : uint8_t { Invalid = 0, IPv4 = 1, IPv6 = 2, I2P = 3, Tor = 4 };

struct PeerEntry {
    PeerAddrType type = PeerAddrType::Invalid;
    std::optional<IpAddr> ip;      // IPv4/IPv6 entries
    std::string host;              // Tor/I2P entries
    uint16_t port = 0;
    std::optional<uint64_t> id;
    std::optional<int64_t> last_seen; // UNIX seconds; its mere presence is the LST anomaly
    std::optional<uint32_t> pruning_seed;
    std::optional<uint16_t> rpc_port;
    std::optional<uint32_t> rpc_credits_per_hash;
    bool unknown_keys = false;
};

struct NodeData {
    std::optional<uint64_t> peer_id;
    std::optional<uint32_t> my_port;
    std::optional<uint16_t> rpc_port;
    std::optional<uint32_t> rpc_credits_per_hash;
    std::optional<uint32_t> support_flags;   // absent key = the SFO anomaly (when decoded)
    std::optional<uint8_t> network;          // monero.node_data.network (1 mainnet, 2 testnet, 3 stagenet)
};

struct SyncData {
    std::optional<uint64_t> current_height;
    std::optional<uint64_t> cumulative_difficulty;
    std::optional<uint64_t> cumulative_difficulty_top64;
    std::optional<uint8_t> top_version;
    std::optional<uint32_t> pruning_seed;
};

struct LevinMessage {
    // Where it was seen.
    uint32_t input = 0;            // index of the ek input (file or stream) it came from
    uint64_t line = 0;             // line number in that input (for error reports and evidence)
    uint64_t frame = 0;            // frame that completed the message
    uint32_t index_in_frame = 0;   // position among the messages of that frame
    int64_t time_ns = 0;           // capture time, UTC ns since the epoch

    // TCP context.
    IpAddr src, dst;
    uint16_t sport = 0, dport = 0;
    uint32_t stream = 0;                      // tcp.stream, unique per input only
    std::optional<bool> sender_initiated;     // set when the SYN was captured
    std::optional<int64_t> stream_start_ns;   // time of the SYN

    // Levin header.
    uint64_t length = 0;
    bool expect_response = false;
    uint32_t command = 0;
    int32_t return_code = 0;
    uint32_t flags = 0;
    uint32_t version = 0;
    MsgType type = MsgType::Invalid;

    // Segmentation facts.
    bool sig_only = false;
    uint32_t segments = 1;
    bool header_split = false;
    uint32_t first_segment_len = 0;
    bool payload_decoded = false;   // whole body present and parsed without error

    // Decoded content (present only when the message carries it).
    std::optional<NodeData> node;
    std::optional<SyncData> sync;
    bool has_peerlist = false;       // a local_peerlist_new array was present
    std::vector<PeerEntry> peers;    // its entries, in wire order
    std::optional<std::string> ping_status;
    std::optional<uint64_t> ping_peer_id;
    std::optional<uint32_t> support_flags_response; // 1007 response

    bool is_request() const { return type == MsgType::Request; }
    bool is_response() const { return type == MsgType::Response; }
};

} // namespace msc

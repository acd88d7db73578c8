// The analysis model: what the metrics read. Built from LevinMessages by ModelBuilder
// (model/builder.hpp); immutable afterwards. Memory grows with peers, peer lists and connections,
// not with the size of the ek input: messages themselves are not kept, only compact per-connection
// events and per-peer observations.
#pragma once

#include "model/ip.hpp"
#include "model/message.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace msc {

using IpId = uint32_t;           // index into Model::ips
constexpr IpId kNoIp = 0xffffffffu;

// Interned IP addresses: every address the analysis mentions gets one small id.
class IpTable {
public:
    IpId intern(const IpAddr& ip);
    std::optional<IpId> find(const IpAddr& ip) const;
    const IpAddr& at(IpId id) const { return ips_[id]; }
    size_t size() const { return ips_.size(); }
private:
    std::vector<IpAddr> ips_;
    std::unordered_map<IpAddr, IpId> index_;
};

// A further address of a vantage (e.g. its IPv6 address, or 127.0.0.1:18083 for the local hop of
// its Tor/I2P inbound port). The port only matters on connections whose two ends share the
// address: then only the endpoint with that port is the vantage (the other end of such a loopback
// connection is a peer); on other connections the alias address is the vantage on any port.
struct VantageAlias {
    IpAddr ip;
    std::optional<uint16_t> port;
};

struct Vantage {
    std::string id;                       // server_id, e.g. "ams"
    IpAddr ip;
    bool ip_inferred = false;             // true when inferred from the traffic, not given
    std::vector<std::string> inputs;      // ek inputs / captures attributed to it
    uint16_t p2p_port = 18080;            // the vantage's listening P2P port (port rule, §3)
    std::vector<VantageAlias> aliases;    // further addresses of this vantage (additive)
};

enum class Direction : uint8_t { Incoming = 0, Outgoing = 1 }; // seen from the vantage

// One message in a connection's command sequence (24 bytes: there is one per kept message, 5 M
// at paper scale).
struct ConnEvent {
    int64_t time_ns = 0;
    uint32_t frame = 0;       // evidence; tshark's frame numbers are 32-bit (larger ek values clamp)
    uint32_t input = 0;
    uint16_t command = 0;     // kept commands only (analysis-methods.md §2.1), all below 65536
    MsgType type = MsgType::Invalid;
    bool from_peer = false;   // sent by the peer (false: sent by the vantage)
    bool sig_only = false;
};

struct Connection {
    uint32_t id = 0;
    uint32_t vantage = 0;
    IpId peer = kNoIp;
    uint16_t peer_port = 0;
    uint16_t vantage_port = 0;
    Direction direction = Direction::Incoming;
    bool direction_from_syn = false;      // false: inferred by the port rule (analysis-methods.md §3)
    std::optional<int64_t> syn_ns;        // TCP SYN time when captured
    std::vector<ConnEvent> events;        // time-ordered
    // Fewer than 2 messages: kept in the model, but excluded from the paper-compatible view
    // (analysis-methods.md §3 step 3).
    bool few_messages = false;
    bool syn_seen() const { return syn_ns.has_value(); }
    int64_t first_ns() const { return events.empty() ? 0 : events.front().time_ns; }
    int64_t last_ns() const { return events.empty() ? 0 : events.back().time_ns; }
};

// One peer list = the local_peerlist_new of one message (analysis-methods.md §2.2).
struct PeerList {
    uint32_t id = 0;
    uint32_t vantage = 0;
    IpId source = kNoIp;          // sender of the message (may be the vantage itself)
    bool from_vantage = false;    // "own list"
    uint32_t connection = 0;      // Connection::id
    uint32_t command = 0;         // 1001 or 1002 in practice
    MsgType type = MsgType::Response;
    int64_t time_ns = 0;
    uint64_t frame = 0;
    uint32_t input = 0;
    // Entries with an IP address, in wire order, duplicates kept: Model::list_ips[begin, end).
    // Lists with identical entries may share one range.
    uint32_t ips_begin = 0, ips_end = 0;
    uint32_t entries_total = 0;   // all entries incl. Tor/I2P/invalid
    uint32_t entries_anon = 0;    // Tor + I2P entries
    uint32_t last_seen_entries = 0;
    uint32_t size_ip() const { return ips_end - ips_begin; }
};

// A 1001 message (request or response) sent by a peer: identity evidence.
struct HandshakeObs {
    int64_t time_ns = 0;
    uint32_t vantage = 0;
    uint32_t input = 0;
    uint64_t frame = 0;
    bool is_request = true;
    bool node_decoded = false;            // node_data fully present (payload decoded)
    bool has_support_flags = false;
    std::optional<uint64_t> peer_id;
    std::optional<uint32_t> my_port;
    std::optional<uint16_t> rpc_port;
    std::optional<uint32_t> support_flags;
};

// A 1003 response sent by a peer (the ping peer_id fingerprint).
struct PingObs {
    int64_t time_ns = 0;
    uint32_t vantage = 0;
    uint64_t frame = 0;
    std::optional<uint64_t> peer_id;
};

// Up to a few concrete places where something was seen (for per-peer evidence).
struct Evidence {
    uint32_t vantage = 0;
    uint32_t input = 0;
    uint64_t frame = 0;
    int64_t time_ns = 0;
};

// Everything known about one non-vantage IP that sent or received Levin messages.
struct PeerNode {
    IpId ip = kNoIp;
    uint64_t vantage_mask = 0;            // bit v set: seen at vantage v (at most 64 vantages)
    uint64_t messages_sent = 0;           // by this peer to a vantage
    uint64_t messages_received = 0;       // by this peer from a vantage
    uint32_t connections_in = 0;          // peer -> vantage
    uint32_t connections_out = 0;         // vantage -> peer
    bool sent_to_vantage_port = false;    // opened a connection to a vantage's P2P port
    bool vantage_handshake_completed = false; // a vantage-initiated 1001 got this peer's 1001 response
    std::vector<HandshakeObs> handshakes;
    std::vector<PingObs> pings;
    uint64_t support_flags_msgs = 0;      // 1007 messages sent by this peer
    uint64_t sig_only_msgs = 0;
    std::vector<Evidence> sig_only_evidence;   // first few
    uint64_t lists_sent = 0;
    uint64_t lists_with_last_seen = 0;
    uint64_t last_seen_entries = 0;
    std::vector<Evidence> last_seen_evidence;  // first few
};

// Segmentation statistics over all messages (the packet fragmentation metric family).
struct SegmentStats {
    uint64_t messages = 0;
    uint64_t sig_only = 0;
    uint64_t header_split = 0;
    std::vector<uint64_t> segments_histogram; // [k] = messages carried by k segments (k>=1; last bucket = "or more")
};

// Input health, reported and reflected in the exit code.
struct InputDiagnostics {
    uint64_t lines = 0;
    uint64_t messages = 0;
    uint64_t malformed_lines = 0;
    uint64_t skipped_objects = 0;         // monero objects without a command (sig-segment markers etc.)
    std::vector<std::string> first_errors; // "file:line: what", first few
    // Added by the model builder (additive):
    uint64_t index_lines = 0;             // {"index":…} lines of ek
    uint64_t frames_without_monero = 0;   // ek frames without a monero layer (skipped)
    uint64_t foreign_messages = 0;        // messages whose endpoints do not include the vantage IP
    uint64_t other_commands = 0;          // messages with commands outside §2.1 (not in connections)
    std::vector<std::string> vantage_errors; // e.g. "cannot infer the IP of vantage X: …"
};

// One ek input (file or stream) as attributed to a vantage.
struct InputInfo {
    std::string name;
    uint32_t vantage = 0;
    uint64_t lines = 0, messages = 0, malformed_lines = 0;
    bool io_error = false;
};

struct Model {
    std::vector<Vantage> vantages;
    IpTable ips;
    std::unordered_map<IpId, PeerNode> peers;   // key: PeerNode::ip
    std::vector<Connection> connections;
    std::vector<PeerList> peer_lists;
    // Storage behind PeerList::ips_*: the distinct list contents, each once (lists with identical
    // entries share a range), so its items are every IP some list announced, not one per entry.
    std::vector<IpId> list_ips;
    SegmentStats segments;
    std::unordered_map<uint32_t, uint64_t> messages_by_command; // all vantages, both directions
    uint64_t total_messages = 0;                // kept commands (analysis-methods.md §2.1)
    InputDiagnostics input;
    int64_t first_ns = 0, last_ns = 0;          // capture period
    std::vector<InputInfo> inputs;              // index = LevinMessage::input / ConnEvent::input

    bool is_vantage_ip(IpId ip) const;
    // Entries of a list as a contiguous range of IpIds.
    const IpId* list_begin(const PeerList& l) const { return list_ips.data() + l.ips_begin; }
    const IpId* list_end(const PeerList& l) const { return list_ips.data() + l.ips_end; }
};

} // namespace msc

// ModelBuilder: LevinMessages of one or more vantages → msc::Model.
//
// Usage:
//   ModelBuilder b;
//   uint32_t v = b.add_vantage({"ams", IpAddr::parse("164.92.217.0"), 18080});  // or no IP: inferred
//   uint32_t in = b.add_input(v, "ams/part1.ek");     // LevinMessage::input must be this index
//   ... b.add(msg) for every message, inputs of one vantage in any order / interleaved ...
//   b.set_input_stats(in, lines, messages, malformed, io_error);   // optional, for the report
//   Model m = b.finish();
//
// add() only records compact, side-neutral events grouped per (vantage, TCP 4-tuple) plus the
// peer-list entries and handshake/ping observations; which side is the vantage is decided in
// finish(), after the vantage IPs are known (given, or inferred as the one address present in every
// message of that vantage's inputs). finish() then:
//   * sorts each group by (time, input, frame, index in frame) and splits it into connections:
//     a gap > split_gap_ns between consecutive messages, or a new SYN (monero.stream_start different
//     from the current connection's, or a SYN after its last message), starts a new connection —
//     so a connection continues across rotated capture files;
//   * direction: from monero.sender_initiated when the SYN was captured, else the port rule of
//     analysis-methods.md §3 (the vantage's port on the connection == its P2P port → incoming);
//   * connections with < min_messages messages are kept and marked few_messages;
//   * fills PeerNodes (non-vantage IPs), PeerLists (every list with ≥ 1 entry, any sender,
//     from_vantage marked), SegmentStats, messages_by_command, total_messages, diagnostics.
// An endpoint is the vantage when its IP is the vantage IP, or matches an alias (IP, and port if the
// alias has one). Messages whose endpoints do not include the vantage are counted in foreign_messages and
// dropped. Only the commands of analysis-methods.md §2.1 enter connections, lists and peers;
// messages_by_command counts every command.
// Output order is deterministic: connections sorted by (vantage, first message time, peer, ports),
// peer lists by (vantage, time, input, frame, index in frame).
#pragma once

#include "model/message.hpp"
#include "model/model.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace msc {

struct VantageSpec {
    std::string id;
    std::optional<IpAddr> ip;     // nullopt: infer from the traffic
    uint16_t p2p_port = 18080;
};

// Commands kept by the analysis (analysis-methods.md §2.1).
bool is_kept_command(uint32_t command);

class ModelBuilder {
public:
    struct Options {
        int64_t split_gap_ns = 120'000'000'000;   // > this between messages: new connection
        uint32_t min_messages = 2;                 // fewer: Connection::few_messages
        size_t max_evidence = 5;                   // Evidence items kept per peer and kind
        size_t segment_buckets = 16;               // SegmentStats histogram: [1..15], [16] = ≥ 16
    };

    ModelBuilder();
    explicit ModelBuilder(Options opt);
    ~ModelBuilder();
    ModelBuilder(const ModelBuilder&) = delete;
    ModelBuilder& operator=(const ModelBuilder&) = delete;

    // Adds a vantage, or returns the existing one with that id (then a given IP / port replaces
    // the earlier value).
    uint32_t add_vantage(const VantageSpec& spec);
    std::optional<uint32_t> find_vantage(const std::string& id) const;
    // A further endpoint of vantage `v` (its IPv6 address, the local hop of its Tor/I2P port, …).
    void add_vantage_alias(uint32_t v, const VantageAlias& alias);
    size_t vantage_count() const;
    // Registers an input of a vantage; messages of it must carry LevinMessage::input == result.
    uint32_t add_input(uint32_t vantage, const std::string& name);
    void set_input_stats(uint32_t input, uint64_t lines, uint64_t messages, uint64_t malformed_lines,
                         bool io_error);
    // Diagnostics gathered by the ingest stage (counters are added, errors appended).
    InputDiagnostics& diagnostics();

    // One message. Messages of an unknown input index are attributed to input 0 / vantage 0
    // (created on demand as vantage "default").
    void add(const LevinMessage& m);

    // Builds the model; the builder is empty afterwards.
    Model finish();

private:
    struct Impl;
    std::unique_ptr<Impl> d_;
};

} // namespace msc

// Streaming reader of `tshark -T ek` output produced with the invocation of docs/ek-contract.md.
//
// One line at a time: a line is tokenised in place (a hand-written, validating JSON tokenizer —
// no DOM, no per-key allocation), the `layers.monero` object(s) are mapped to msc::LevinMessage
// and handed to a callback. Memory is bounded by the longest line plus the decoded message.
//
// Accepted shapes (ek-contract.md §2, wireshark-notes.md §5):
//   * `{"index":…}` lines (ignored), document lines `{"timestamp":…,"layers":{…}}`, empty lines;
//   * `layers.monero` as one object or an array of objects; lines without a `monero` layer
//     (counted in frames_without_monero, skipped);
//   * duplicate keys in one object (tshark 4.0: values concatenate in order), any key order
//     (tshark 4.4), a key as scalar or array;
//   * booleans as JSON true/false or the strings "1"/"0", "true"/"false", "True"/"False";
//   * integers as strings (decimal, or hex with 0x) or JSON numbers; times "sec.nsec" → int64 ns
//     exactly (integer arithmetic, no floating point).
// Objects without monero_monero_command (e.g. the signature-segment marker) are counted in
// skipped_objects and skipped; objects with monero_monero_fragment_inner = true (a message the plugin
// reassembled from Levin fragments, Tor/I2P only) are counted in fragment_inner and skipped, so that
// every delivered message is one message on the wire.
//
// Errors: a line that is not valid JSON (truncated, garbage) is skipped as a whole; a monero object
// with a missing required field, a wrong type or an out-of-range number is skipped on its own (the
// other messages of that line are kept). Either way the line counts once in malformed_lines and a
// diagnostic "name:line: reason" is reported (first few stored in the diagnostics, all passed to
// the error callback).
#pragma once

#include "model/message.hpp"
#include "model/model.hpp"

#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace msc {

// Counters of one ek input.
struct EkStats {
    uint64_t lines = 0;                // every line read, including index and empty lines
    uint64_t index_lines = 0;          // {"index":…}
    uint64_t frames = 0;               // document lines with a "layers" object
    uint64_t frames_without_monero = 0;
    uint64_t messages = 0;             // LevinMessages delivered
    uint64_t skipped_objects = 0;      // monero objects without a command
    uint64_t fragment_inner = 0;       // messages reassembled from Levin fragments (monero.fragment_inner):
                                       // not wire messages, skipped (their fragments are the messages)
    uint64_t malformed_lines = 0;      // lines with at least one error
    uint64_t bytes = 0;                // bytes of all lines (without newlines)
};

class EkIngest {
public:
    using MessageSink = std::function<void(const LevinMessage&)>;
    using ErrorSink = std::function<void(const std::string&)>;   // "name:line: reason"

    // `input` is stored in every LevinMessage::input; `name` prefixes diagnostics.
    EkIngest(uint32_t input, std::string name, MessageSink on_message, ErrorSink on_error = {});

    // One line (without its newline; a trailing '\r' is tolerated). Returns false when the line
    // was malformed (fully or partly skipped).
    bool feed_line(std::string_view line);

    // Reads `f` to EOF line by line (only the current line is held, at most max_line_bytes() of
    // it: a longer line is skipped and counted malformed). Returns false on a read error.
    bool read_stream(std::FILE* f);
    void set_max_line_bytes(size_t n) { max_line_bytes_ = n ? n : 1; }
    size_t max_line_bytes() const { return max_line_bytes_; }
    // Opens `path` ("-" = stdin) and reads it. Returns false (with io_error()) if it cannot be
    // opened or read.
    bool read_path(const std::string& path);
    const std::string& io_error() const { return io_error_; }

    const EkStats& stats() const { return stats_; }
    const std::string& name() const { return name_; }
    // Copies counters and the first errors into a model diagnostics record (adds to it).
    void merge_into(InputDiagnostics& d, size_t max_errors = 20) const;
    const std::vector<std::string>& first_errors() const { return first_errors_; }

    // Upper bound for the number of stored errors (all are still passed to the error sink).
    static constexpr size_t kMaxStoredErrors = 20;

    // Field ids (ek keys after "monero_monero_"); public for the tokenizer in the .cpp file.
    enum Field : uint8_t {
        F_frame_time, F_frame, F_src, F_dst, F_srcport, F_dstport, F_stream, F_sender_initiated,
        F_stream_start, F_signature, F_length, F_have_to_return_data, F_command, F_return_code,
        F_flags, F_version, F_msg_type, F_sig_only, F_segments, F_header_split,
        F_first_segment_len, F_payload_decoded,
        F_nd_peer_id, F_nd_my_port, F_nd_rpc_port, F_nd_rpc_credits_per_hash,
        F_nd_support_flags, F_nd_network,
        F_sy_current_height, F_sy_cumulative_difficulty, F_sy_cumulative_difficulty_top64,
        F_sy_top_version, F_sy_pruning_seed,
        F_peerlist_count, F_peer_keys, F_peer_type, F_peer_addr, F_peer_id, F_peer_last_seen,
        F_peer_pruning_seed, F_peer_rpc_port, F_peer_rpc_credits_per_hash,
        F_ping_status, F_ping_peer_id, F_support_flags, F_sig_segment, F_fragment_inner,
        F_peerlist_compact,
        F_COUNT
    };
    enum class VKind : uint8_t { String, Number, True, False, Null, Other };
    struct Value {
        VKind kind;
        std::string_view text;   // string contents (unescaped) or number text
    };

private:
    friend class EkLineParser;
    bool build_message(std::string& why);
    void finish_object();
    void record(std::string_view rec);
    void report(const std::string& why);

    uint32_t input_;
    std::string name_;
    MessageSink on_message_;
    ErrorSink on_error_;
    EkStats stats_;
    std::vector<std::string> first_errors_;
    std::string io_error_;
    size_t max_line_bytes_ = size_t(512) << 20;   // same default as `moneroscope run`

    // Per-object scratch, reused across lines (clear() keeps capacity).
    std::vector<Value> fields_[F_COUNT];
    std::deque<std::string> unescaped_;   // storage for strings that contained escapes (rare)
    std::vector<LevinMessage> pending_;   // messages of the current line, delivered when it parsed
    uint32_t index_in_frame_ = 0;
    uint32_t bad_objects_ = 0;            // monero objects of the current line that were skipped
    std::string line_err_;                // first object error of the current line
};

// Parses "sec[.frac]" (frac up to 9 digits used, more digits truncated) into ns. False on error,
// negative values, or overflow.
bool parse_time_ns(std::string_view s, int64_t& out);
// Parses a decimal or 0x-hex unsigned integer; false on error or if > max.
bool parse_uint(std::string_view s, uint64_t max, uint64_t& out);
// Parses a decimal signed integer within [min, max].
bool parse_int(std::string_view s, int64_t min, int64_t max, int64_t& out);
// Fast dotted-quad IPv4 / RFC 4291 IPv6 text (brackets allowed).
std::optional<IpAddr> parse_ip_fast(std::string_view s);

} // namespace msc

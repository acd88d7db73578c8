#include "ingest/ek_ingest.hpp"
#include "ingest/line_splitter.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <sys/types.h>
#include <type_traits>

namespace msc {

// ------------------------------------------------------------------------------------------------
// Scalar parsers
// ------------------------------------------------------------------------------------------------

bool parse_uint(std::string_view s, uint64_t max, uint64_t& out) {
    if (s.empty()) return false;
    uint64_t v = 0;
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s.remove_prefix(2);
        if (s.size() > 16) {
            // Leading zeros are fine, anything else overflows.
            size_t nz = s.find_first_not_of('0');
            if (nz == std::string_view::npos) nz = s.size();
            if (s.size() - nz > 16) return false;
            s.remove_prefix(nz);
            if (s.empty()) { out = 0; return true; }
        }
        for (char c : s) {
            unsigned d;
            if (c >= '0' && c <= '9') d = unsigned(c - '0');
            else if (c >= 'a' && c <= 'f') d = unsigned(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F') d = unsigned(c - 'A' + 10);
            else return false;
            v = (v << 4) | d;
        }
    } else {
        for (char c : s) {
            if (c < '0' || c > '9') return false;
            const uint64_t d = uint64_t(c - '0');
            if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) return false;
            v = v * 10 + d;
        }
    }
    if (v > max) return false;
    out = v;
    return true;
}

bool parse_int(std::string_view s, int64_t min, int64_t max, int64_t& out) {
    bool neg = false;
    if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
        neg = s[0] == '-';
        s.remove_prefix(1);
        if (!s.empty() && (s[0] == 'x' || s[0] == 'X')) return false;
        if (s.size() > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) return false;
    }
    uint64_t mag = 0;
    if (!parse_uint(s, uint64_t(std::numeric_limits<int64_t>::max()) + 1, mag)) return false;
    int64_t v;
    if (neg) v = mag == uint64_t(std::numeric_limits<int64_t>::max()) + 1
                     ? std::numeric_limits<int64_t>::min() : -int64_t(mag);
    else {
        if (mag > uint64_t(std::numeric_limits<int64_t>::max())) return false;
        v = int64_t(mag);
    }
    if (v < min || v > max) return false;
    out = v;
    return true;
}

namespace {
// "sec[.frac]" with optional leading '-'; exact integer arithmetic.
bool parse_time_impl(std::string_view s, bool allow_negative, int64_t& out) {
    bool neg = false;
    if (!s.empty() && s[0] == '-') {
        if (!allow_negative) return false;
        neg = true;
        s.remove_prefix(1);
    }
    const size_t dot = s.find('.');
    std::string_view sec = s.substr(0, dot);
    if (sec.empty() || sec.size() > 12) return false;   // 10^12 s is far beyond any capture
    uint64_t secs = 0;
    for (char c : sec) {
        if (c < '0' || c > '9') return false;
        secs = secs * 10 + uint64_t(c - '0');
    }
    uint64_t ns = 0;
    if (dot != std::string_view::npos) {
        std::string_view frac = s.substr(dot + 1);
        if (frac.empty()) return false;
        unsigned used = 0;
        for (char c : frac) {
            if (c < '0' || c > '9') return false;
            if (used < 9) { ns = ns * 10 + uint64_t(c - '0'); ++used; }
        }
        for (; used < 9; ++used) ns *= 10;
    }
    const int64_t v = int64_t(secs) * 1000000000 + int64_t(ns);   // secs < 10^12: no overflow
    out = neg ? -v : v;
    return true;
}
} // namespace

bool parse_time_ns(std::string_view s, int64_t& out) { return parse_time_impl(s, false, out); }

std::optional<IpAddr> parse_ip_fast(std::string_view s) {
    // Fast path: plain dotted quad.
    if (!s.empty() && s.size() <= 15 && s.front() != '[') {
        uint32_t v = 0;
        unsigned parts = 0, digits = 0, cur = 0;
        bool ok = true;
        for (char c : s) {
            if (c >= '0' && c <= '9') {
                if (digits > 0 && cur == 0) { ok = false; break; }   // leading zero ("01")
                cur = cur * 10 + unsigned(c - '0');
                if (++digits > 3 || cur > 255) { ok = false; break; }
            } else if (c == '.') {
                if (digits == 0 || ++parts > 3) { ok = false; break; }
                v = (v << 8) | cur;
                cur = 0;
                digits = 0;
            } else if (c == ':') {
                ok = false;
                break;
            } else {
                return std::nullopt;
            }
        }
        if (ok) {
            if (parts != 3 || digits == 0) return std::nullopt;
            return IpAddr::v4((v << 8) | cur);
        }
        if (s.find(':') == std::string_view::npos) return std::nullopt;
    }
    return IpAddr::parse(s);
}

namespace {

// Address text of a peer entry ("a.b.c.d:port", "[v6]:port", "host:port"); anything that does not
// match the entry's type makes the entry Invalid (kept, counted, never an error: the plugin wrote
// what the peer sent).
void set_peer_addr(std::string_view a, PeerEntry& e) {
    if (a.empty() || e.type == PeerAddrType::Invalid) { e.type = PeerAddrType::Invalid; return; }
    std::string_view host, port;
    if (a.front() == '[') {
        const size_t close = a.find("]:");
        if (close == std::string_view::npos) { e.type = PeerAddrType::Invalid; return; }
        host = a.substr(1, close - 1);
        port = a.substr(close + 2);
    } else {
        const size_t colon = a.rfind(':');
        if (colon == std::string_view::npos) { e.type = PeerAddrType::Invalid; return; }
        host = a.substr(0, colon);
        port = a.substr(colon + 1);
    }
    uint64_t pv = 0;
    if (!parse_uint(port, 65535, pv)) { e.type = PeerAddrType::Invalid; return; }
    e.port = uint16_t(pv);
    if (e.type == PeerAddrType::IPv4 || e.type == PeerAddrType::IPv6) {
        auto ip = parse_ip_fast(host);
        if (!ip || ip->is_v4() != (e.type == PeerAddrType::IPv4)) { e.type = PeerAddrType::Invalid; return; }
        e.ip = *ip;
    } else {
        e.host = std::string(host);
    }
}

// monero.peerlist.compact (ek-contract.md §3a): entries separated by one space, each exactly
// "keys;type;addr;id;last_seen;pruning_seed;rpc_port;rpc_credits_per_hash", decimal, an optional
// value present exactly when its bit is set in keys. Appends to `out`; false + `why` on any
// deviation (the whole message is then reported malformed, as for the per-entry form).
bool parse_peers_compact(std::string_view s, std::vector<PeerEntry>& out, std::string& why) {
    size_t entry_no = 0;
    while (!s.empty()) {
        const size_t sp = s.find(' ');
        const std::string_view ent = s.substr(0, sp);
        s = sp == std::string_view::npos ? std::string_view() : s.substr(sp + 1);
        if (sp != std::string_view::npos && s.empty()) { why = "peerlist_compact: trailing space"; return false; }
        ++entry_no;
        std::string_view part[8];
        size_t np = 0;
        std::string_view rest = ent;
        for (;;) {
            const size_t semi = rest.find(';');
            if (np == 8) { np = 9; break; }
            part[np++] = rest.substr(0, semi);
            if (semi == std::string_view::npos) break;
            rest = rest.substr(semi + 1);
        }
        auto fail = [&](const char* what) {
            why = "peerlist_compact entry " + std::to_string(entry_no) + ": " + what;
            return false;
        };
        if (np != 8) return fail("not 8 ';'-separated values");
        uint64_t mask = 0, type = 0, x = 0;
        if (!parse_uint(part[0], 0xffff, mask)) return fail("keys is not a UINT16");
        if (!parse_uint(part[1], 255, type)) return fail("type is not a UINT8");
        PeerEntry e;
        e.type = type <= 4 ? PeerAddrType(type) : PeerAddrType::Invalid;
        e.unknown_keys = (mask & 0x40) != 0;
        static constexpr uint64_t kBit[5] = {0x01, 0x02, 0x04, 0x08, 0x10};
        for (int k = 0; k < 5; ++k)
            if (((mask & kBit[k]) != 0) != !part[3 + k].empty()) return fail("optional values do not match the keys bit mask");
        if (mask & 0x01) { if (!parse_uint(part[3], std::numeric_limits<uint64_t>::max(), x)) return fail("bad id"); e.id = x; }
        if (mask & 0x02) {
            int64_t ls = 0;
            if (!parse_int(part[4], std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), ls))
                return fail("bad last_seen");
            e.last_seen = ls;
        }
        if (mask & 0x04) { if (!parse_uint(part[5], 0xffffffffu, x)) return fail("bad pruning_seed"); e.pruning_seed = uint32_t(x); }
        if (mask & 0x08) { if (!parse_uint(part[6], 65535, x)) return fail("bad rpc_port"); e.rpc_port = uint16_t(x); }
        if (mask & 0x10) { if (!parse_uint(part[7], 0xffffffffu, x)) return fail("bad rpc_credits_per_hash"); e.rpc_credits_per_hash = uint32_t(x); }
        set_peer_addr(part[2], e);
        out.push_back(std::move(e));
    }
    return true;
}

} // namespace

// ------------------------------------------------------------------------------------------------
// Field table
// ------------------------------------------------------------------------------------------------
namespace {

constexpr std::string_view kPrefix = "monero_monero_";

struct FieldName { std::string_view name; uint8_t id; };
// Sorted by name for binary search.
constexpr FieldName kFields[] = {
    {"command", EkIngest::F_command},
    {"dst", EkIngest::F_dst},
    {"dstport", EkIngest::F_dstport},
    {"first_segment_len", EkIngest::F_first_segment_len},
    {"flags", EkIngest::F_flags},
    {"fragment_inner", EkIngest::F_fragment_inner},
    {"frame", EkIngest::F_frame},
    {"frame_time", EkIngest::F_frame_time},
    {"have_to_return_data", EkIngest::F_have_to_return_data},
    {"header_split", EkIngest::F_header_split},
    {"length", EkIngest::F_length},
    {"msg_type", EkIngest::F_msg_type},
    {"node_data_my_port", EkIngest::F_nd_my_port},
    {"node_data_network", EkIngest::F_nd_network},
    {"node_data_peer_id", EkIngest::F_nd_peer_id},
    {"node_data_rpc_credits_per_hash", EkIngest::F_nd_rpc_credits_per_hash},
    {"node_data_rpc_port", EkIngest::F_nd_rpc_port},
    {"node_data_support_flags", EkIngest::F_nd_support_flags},
    {"payload_decoded", EkIngest::F_payload_decoded},
    {"peer_addr", EkIngest::F_peer_addr},
    {"peer_id", EkIngest::F_peer_id},
    {"peer_keys", EkIngest::F_peer_keys},
    {"peer_last_seen", EkIngest::F_peer_last_seen},
    {"peer_pruning_seed", EkIngest::F_peer_pruning_seed},
    {"peer_rpc_credits_per_hash", EkIngest::F_peer_rpc_credits_per_hash},
    {"peer_rpc_port", EkIngest::F_peer_rpc_port},
    {"peer_type", EkIngest::F_peer_type},
    {"peerlist_compact", EkIngest::F_peerlist_compact},
    {"peerlist_count", EkIngest::F_peerlist_count},
    {"ping_peer_id", EkIngest::F_ping_peer_id},
    {"ping_status", EkIngest::F_ping_status},
    {"return_code", EkIngest::F_return_code},
    {"segments", EkIngest::F_segments},
    {"sender_initiated", EkIngest::F_sender_initiated},
    {"sig_only", EkIngest::F_sig_only},
    {"sig_segment", EkIngest::F_sig_segment},
    {"signature", EkIngest::F_signature},
    {"src", EkIngest::F_src},
    {"srcport", EkIngest::F_srcport},
    {"stream", EkIngest::F_stream},
    {"stream_start", EkIngest::F_stream_start},
    {"support_flags", EkIngest::F_support_flags},
    {"sync_cumulative_difficulty", EkIngest::F_sy_cumulative_difficulty},
    {"sync_cumulative_difficulty_top64", EkIngest::F_sy_cumulative_difficulty_top64},
    {"sync_current_height", EkIngest::F_sy_current_height},
    {"sync_pruning_seed", EkIngest::F_sy_pruning_seed},
    {"sync_top_version", EkIngest::F_sy_top_version},
    {"version", EkIngest::F_version},
};
static_assert(sizeof(kFields) / sizeof(kFields[0]) == EkIngest::F_COUNT, "field table incomplete");
constexpr bool fields_sorted() {
    for (size_t i = 1; i < sizeof(kFields) / sizeof(kFields[0]); ++i)
        if (!(kFields[i - 1].name < kFields[i].name)) return false;
    return true;
}
static_assert(fields_sorted(), "kFields must be sorted by name (binary search)");

// A key without the "monero_monero_" prefix (monero.record keys, ek-contract.md §3b).
int lookup_short(std::string_view key) {
    size_t lo = 0, hi = sizeof(kFields) / sizeof(kFields[0]);
    while (lo < hi) {
        const size_t mid = (lo + hi) / 2;
        const int c = kFields[mid].name.compare(key);
        if (c == 0) return kFields[mid].id;
        if (c < 0) lo = mid + 1; else hi = mid;
    }
    return -1;
}

int lookup_field(std::string_view key) {
    if (key.size() <= kPrefix.size() || key.compare(0, kPrefix.size(), kPrefix) != 0) return -1;
    key.remove_prefix(kPrefix.size());
    return lookup_short(key);
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

const char* field_name(int id) {
    for (const auto& f : kFields)
        if (f.id == id) return f.name.data();
    return "?";
}

constexpr int kMaxDepth = 64;

} // namespace

// ------------------------------------------------------------------------------------------------
// Line tokenizer: a validating recursive-descent JSON reader that only materialises what the
// contract needs (string_views into the line; unescaped copies only for strings with escapes).
// ------------------------------------------------------------------------------------------------
class EkLineParser {
public:
    EkLineParser(EkIngest& ing, std::string_view line)
        : ing_(ing), begin_(line.data()), p_(line.data()), end_(line.data() + line.size()) {}

    // Returns false on a JSON syntax error (err() says why). Pending messages are in ing_.
    bool parse_document(bool& is_index, bool& has_layers, bool& has_monero);
    const std::string& err() const { return err_; }
    size_t pending() const { return pending_; }

private:
    using Value = EkIngest::Value;
    using VKind = EkIngest::VKind;

    bool fail(const char* what) {
        if (err_.empty()) {
            if (p_ >= end_) err_ = std::string("truncated line (") + what + " at end of line)";
            else err_ = std::string("invalid JSON at byte ") + std::to_string(p_ - begin_) + ": " + what;
        }
        return false;
    }
    void ws() {
        while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
    }
    bool expect(char c, const char* what) {
        ws();
        if (p_ >= end_ || *p_ != c) return fail(what);
        ++p_;
        return true;
    }
    bool string(std::string_view& out);
    bool number(std::string_view& out);
    bool literal(const char* word, size_t n);
    bool skip_value(int depth);
    bool scalar(Value& v, int depth);   // any value; non-scalars are skipped and reported as Other
    bool layers(int depth, bool& has_monero);
    bool monero_value(int depth);
    bool monero_object(int depth);
    bool record_value(int depth);   // layers.monero_record: a string or an array of strings

    EkIngest& ing_;
    const char* begin_;
    const char* p_;
    const char* end_;
    std::string err_;
    size_t pending_ = 0;
    friend class EkIngest;
};

bool EkLineParser::string(std::string_view& out) {
    // *p_ == '"'
    const char* s = ++p_;
    // Fast path: find the closing quote with memchr (SIMD in glibc), then check the span for
    // escapes and control characters in one branch-free pass.
    const char* q = static_cast<const char*>(std::memchr(p_, '"', size_t(end_ - p_)));
    if (q) {
        unsigned bad = 0;
        for (const char* k = p_; k < q; ++k) {
            const unsigned char c = static_cast<unsigned char>(*k);
            bad |= unsigned(c < 0x20) | unsigned(c == '\\');
        }
        if (!bad) {
            out = std::string_view(s, size_t(q - s));
            p_ = q + 1;
            return true;
        }
    }
    while (p_ < end_) {
        const unsigned char c = static_cast<unsigned char>(*p_);
        if (c == '"') {
            out = std::string_view(s, size_t(p_ - s));
            ++p_;
            return true;
        }
        if (c == '\\') break;
        if (c < 0x20) return fail("control character in string");
        ++p_;
    }
    if (p_ >= end_) return fail("unterminated string");
    // Slow path: unescape into owned storage.
    std::string buf(s, size_t(p_ - s));
    while (p_ < end_) {
        const unsigned char c = static_cast<unsigned char>(*p_);
        if (c == '"') {
            ++p_;
            ing_.unescaped_.push_back(std::move(buf));
            out = ing_.unescaped_.back();
            return true;
        }
        if (c < 0x20) return fail("control character in string");
        if (c != '\\') { buf.push_back(char(c)); ++p_; continue; }
        if (++p_ >= end_) return fail("unterminated escape");
        switch (*p_) {
        case '"': buf.push_back('"'); break;
        case '\\': buf.push_back('\\'); break;
        case '/': buf.push_back('/'); break;
        case 'b': buf.push_back('\b'); break;
        case 'f': buf.push_back('\f'); break;
        case 'n': buf.push_back('\n'); break;
        case 'r': buf.push_back('\r'); break;
        case 't': buf.push_back('\t'); break;
        case 'u': {
            auto hex4 = [&](uint32_t& cp) {
                if (end_ - p_ < 5) return false;
                cp = 0;
                for (int i = 1; i <= 4; ++i) {
                    const char h = p_[i];
                    uint32_t d;
                    if (h >= '0' && h <= '9') d = uint32_t(h - '0');
                    else if (h >= 'a' && h <= 'f') d = uint32_t(h - 'a' + 10);
                    else if (h >= 'A' && h <= 'F') d = uint32_t(h - 'A' + 10);
                    else return false;
                    cp = (cp << 4) | d;
                }
                p_ += 4;
                return true;
            };
            uint32_t cp;
            if (!hex4(cp)) return fail("bad \\u escape");
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                uint32_t lo;
                if (end_ - p_ >= 3 && p_[1] == '\\' && p_[2] == 'u') {
                    p_ += 2;
                    if (!hex4(lo) || lo < 0xDC00 || lo > 0xDFFF) return fail("bad surrogate pair");
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                } else {
                    cp = 0xFFFD;
                }
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                cp = 0xFFFD;
            }
            if (cp < 0x80) buf.push_back(char(cp));
            else if (cp < 0x800) { buf.push_back(char(0xC0 | (cp >> 6))); buf.push_back(char(0x80 | (cp & 0x3F))); }
            else if (cp < 0x10000) {
                buf.push_back(char(0xE0 | (cp >> 12)));
                buf.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
                buf.push_back(char(0x80 | (cp & 0x3F)));
            } else {
                buf.push_back(char(0xF0 | (cp >> 18)));
                buf.push_back(char(0x80 | ((cp >> 12) & 0x3F)));
                buf.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
                buf.push_back(char(0x80 | (cp & 0x3F)));
            }
            break;
        }
        default: return fail("bad escape");
        }
        ++p_;
    }
    return fail("unterminated string");
}

bool EkLineParser::number(std::string_view& out) {
    const char* s = p_;
    if (p_ < end_ && *p_ == '-') ++p_;
    if (p_ >= end_) return fail("bad number");
    if (*p_ == '0') ++p_;
    else if (*p_ >= '1' && *p_ <= '9') { while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_; }
    else return fail("bad number");
    if (p_ < end_ && *p_ == '.') {
        ++p_;
        if (p_ >= end_ || *p_ < '0' || *p_ > '9') return fail("bad number");
        while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
        ++p_;
        if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
        if (p_ >= end_ || *p_ < '0' || *p_ > '9') return fail("bad number");
        while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    }
    out = std::string_view(s, size_t(p_ - s));
    return true;
}

bool EkLineParser::literal(const char* word, size_t n) {
    if (size_t(end_ - p_) < n || std::memcmp(p_, word, n) != 0) return fail("bad literal");
    p_ += n;
    return true;
}

bool EkLineParser::skip_value(int depth) {
    if (depth > kMaxDepth) return fail("nesting too deep");
    ws();
    if (p_ >= end_) return fail("expected a value");
    switch (*p_) {
    case '"': { std::string_view s; return string(s); }
    case '{': {
        ++p_;
        ws();
        if (p_ < end_ && *p_ == '}') { ++p_; return true; }
        for (;;) {
            ws();
            if (p_ >= end_ || *p_ != '"') return fail("expected a key");
            std::string_view k;
            if (!string(k) || !expect(':', "expected ':'") || !skip_value(depth + 1)) return false;
            ws();
            if (p_ < end_ && *p_ == ',') { ++p_; continue; }
            if (p_ < end_ && *p_ == '}') { ++p_; return true; }
            return fail("expected ',' or '}'");
        }
    }
    case '[': {
        ++p_;
        ws();
        if (p_ < end_ && *p_ == ']') { ++p_; return true; }
        for (;;) {
            if (!skip_value(depth + 1)) return false;
            ws();
            if (p_ < end_ && *p_ == ',') { ++p_; continue; }
            if (p_ < end_ && *p_ == ']') { ++p_; return true; }
            return fail("expected ',' or ']'");
        }
    }
    case 't': return literal("true", 4);
    case 'f': return literal("false", 5);
    case 'n': return literal("null", 4);
    default: { std::string_view n; return number(n); }
    }
}

bool EkLineParser::scalar(Value& v, int depth) {
    ws();
    if (p_ >= end_) return fail("expected a value");
    switch (*p_) {
    case '"': v.kind = VKind::String; return string(v.text);
    case 't': v.kind = VKind::True; v.text = "true"; return literal("true", 4);
    case 'f': v.kind = VKind::False; v.text = "false"; return literal("false", 5);
    case 'n': v.kind = VKind::Null; v.text = {}; return literal("null", 4);
    case '{': case '[': v.kind = VKind::Other; v.text = {}; return skip_value(depth);
    default: v.kind = VKind::Number; return number(v.text);
    }
}

bool EkLineParser::parse_document(bool& is_index, bool& has_layers, bool& has_monero) {
    is_index = has_layers = has_monero = false;
    if (!expect('{', "expected '{' at start of line")) return false;
    ws();
    if (p_ < end_ && *p_ == '}') { ++p_; }
    else {
        for (;;) {
            ws();
            if (p_ >= end_ || *p_ != '"') return fail("expected a key");
            std::string_view key;
            if (!string(key) || !expect(':', "expected ':'")) return false;
            ws();
            if (key == "layers" && p_ < end_ && *p_ == '{') {
                has_layers = true;
                if (!layers(1, has_monero)) return false;
            } else {
                if (key == "index") is_index = true;
                if (!skip_value(1)) return false;
            }
            ws();
            if (p_ < end_ && *p_ == ',') { ++p_; continue; }
            if (p_ < end_ && *p_ == '}') { ++p_; break; }
            return fail("expected ',' or '}'");
        }
    }
    ws();
    if (p_ != end_) return fail("trailing characters after the JSON object");
    return true;
}

bool EkLineParser::layers(int depth, bool& has_monero) {
    ++p_;   // '{'
    ws();
    if (p_ < end_ && *p_ == '}') { ++p_; return true; }
    for (;;) {
        ws();
        if (p_ >= end_ || *p_ != '"') return fail("expected a key");
        std::string_view key;
        if (!string(key) || !expect(':', "expected ':'")) return false;
        if (key == "monero") {
            has_monero = true;
            if (!monero_value(depth + 1)) return false;
        } else if (key == "monero_record") {
            has_monero = true;
            if (!record_value(depth + 1)) return false;
        } else if (!skip_value(depth + 1)) {
            return false;
        }
        ws();
        if (p_ < end_ && *p_ == ',') { ++p_; continue; }
        if (p_ < end_ && *p_ == '}') { ++p_; return true; }
        return fail("expected ',' or '}'");
    }
}

bool EkLineParser::monero_value(int depth) {
    ws();
    if (p_ >= end_) return fail("expected a value");
    if (*p_ == '{') return monero_object(depth);
    if (*p_ != '[') {
        // A scalar/null monero layer carries nothing (e.g. {"filtered":…} never applies here).
        return skip_value(depth);
    }
    ++p_;
    ws();
    if (p_ < end_ && *p_ == ']') { ++p_; return true; }
    for (;;) {
        ws();
        if (p_ < end_ && *p_ == '{') {
            if (!monero_object(depth + 1)) return false;
        } else if (!skip_value(depth + 1)) {
            return false;
        }
        ws();
        if (p_ < end_ && *p_ == ',') { ++p_; continue; }
        if (p_ < end_ && *p_ == ']') { ++p_; return true; }
        return fail("expected ',' or ']'");
    }
}

bool EkLineParser::monero_object(int depth) {
    if (depth > kMaxDepth) return fail("nesting too deep");
    for (auto& f : ing_.fields_) f.clear();
    ++p_;   // '{'
    ws();
    if (p_ < end_ && *p_ == '}') {
        ++p_;
    } else {
        for (;;) {
            ws();
            if (p_ >= end_ || *p_ != '"') return fail("expected a key");
            std::string_view key;
            if (!string(key) || !expect(':', "expected ':'")) return false;
            const int id = lookup_field(key);
            if (id < 0) {
                if (!skip_value(depth + 1)) return false;
            } else {
                auto& vec = ing_.fields_[id];
                ws();
                if (p_ < end_ && *p_ == '[') {
                    ++p_;
                    ws();
                    if (p_ < end_ && *p_ == ']') {
                        ++p_;
                    } else {
                        for (;;) {
                            Value v{};
                            if (!scalar(v, depth + 2)) return false;
                            vec.push_back(v);
                            ws();
                            if (p_ < end_ && *p_ == ',') { ++p_; continue; }
                            if (p_ < end_ && *p_ == ']') { ++p_; break; }
                            return fail("expected ',' or ']'");
                        }
                    }
                } else {
                    Value v{};
                    if (!scalar(v, depth + 1)) return false;
                    vec.push_back(v);
                }
            }
            ws();
            if (p_ < end_ && *p_ == ',') { ++p_; continue; }
            if (p_ < end_ && *p_ == '}') { ++p_; break; }
            return fail("expected ',' or '}'");
        }
    }
    // The object is syntactically complete: map it.
    ing_.finish_object();
    return true;
}

bool EkLineParser::record_value(int depth) {
    ws();
    if (p_ >= end_) return fail("expected a value");
    if (*p_ == '"') {
        std::string_view rec;
        if (!string(rec)) return false;
        ing_.record(rec);
        return true;
    }
    if (*p_ != '[') return skip_value(depth);   // nothing a record could be
    ++p_;
    ws();
    if (p_ < end_ && *p_ == ']') { ++p_; return true; }
    for (;;) {
        ws();
        if (p_ < end_ && *p_ == '"') {
            std::string_view rec;
            if (!string(rec)) return false;
            ing_.record(rec);
        } else {
            if (!skip_value(depth + 1)) return false;
            if (ing_.bad_objects_++ == 0) ing_.line_err_ = "monero_record: not a string";
        }
        ws();
        if (p_ < end_ && *p_ == ',') { ++p_; continue; }
        if (p_ < end_ && *p_ == ']') { ++p_; return true; }
        return fail("expected ',' or ']'");
    }
}

// ------------------------------------------------------------------------------------------------
// EkIngest
// ------------------------------------------------------------------------------------------------

EkIngest::EkIngest(uint32_t input, std::string name, MessageSink on_message, ErrorSink on_error)
    : input_(input), name_(std::move(name)), on_message_(std::move(on_message)),
      on_error_(std::move(on_error)) {}

void EkIngest::report(const std::string& why) {
    std::string msg = name_ + ":" + std::to_string(stats_.lines) + ": " + why;
    if (first_errors_.size() < kMaxStoredErrors) first_errors_.push_back(msg);
    if (on_error_) on_error_(msg);
}

// fields_ holds one complete monero object or record: deliver it as a message, or count it.
void EkIngest::finish_object() {
    if (fields_[F_command].empty()) {
        ++stats_.skipped_objects;
        return;
    }
    if (!fields_[F_fragment_inner].empty()) {
        const Value& v = fields_[F_fragment_inner][0];
        if (v.kind == VKind::True || v.text == "1" || v.text == "True" || v.text == "true") {
            ++stats_.fragment_inner;
            return;
        }
    }
    std::string why;
    if (!build_message(why)) {
        if (bad_objects_++ == 0) line_err_ = std::move(why);
    }
}

// One monero.record (ek-contract.md §3b): "key=value|key=value|…". Values are percent-decoded;
// unknown keys are ignored (a newer plugin may add fields); a malformed record is skipped on its
// own like a malformed monero object.
void EkIngest::record(std::string_view rec) {
    for (auto& f : fields_) f.clear();
    auto bad = [&](const std::string& why) {
        if (bad_objects_++ == 0) line_err_ = "monero.record: " + why;
    };
    size_t pos = 0;
    while (pos < rec.size()) {
        size_t bar = rec.find('|', pos);
        if (bar == std::string_view::npos) bar = rec.size();
        const std::string_view item = rec.substr(pos, bar - pos);
        const size_t eq = item.find('=');
        if (eq == std::string_view::npos || eq == 0) {
            return bad("item " + std::to_string(pos) + " is not key=value");
        }
        std::string_view val = item.substr(eq + 1);
        const int id = lookup_short(item.substr(0, eq));
        if (id >= 0) {
            if (val.find('%') != std::string_view::npos) {
                std::string dec;
                dec.reserve(val.size());
                for (size_t k = 0; k < val.size(); ++k) {
                    if (val[k] != '%') { dec.push_back(val[k]); continue; }
                    const int h = k + 2 < val.size() ? hex_digit(val[k + 1]) : -1;
                    const int l = h >= 0 ? hex_digit(val[k + 2]) : -1;
                    if (l < 0) return bad(std::string(field_name(id)) + ": bad percent-encoding");
                    dec.push_back(char(h * 16 + l));
                    k += 2;
                }
                unescaped_.push_back(std::move(dec));
                val = unescaped_.back();
            }
            fields_[id].push_back(Value{VKind::String, val});
        }
        pos = bar + 1;
        if (bar + 1 == rec.size()) return bad("trailing '|'");
    }
    finish_object();
}

// Builds the next pending message from fields_.
bool EkIngest::build_message(std::string& why) {
    using V = Value;
    // index_in_frame_ counts the messages of this line so far.
    if (pending_.size() <= index_in_frame_) pending_.resize(index_in_frame_ + 1);
    LevinMessage& m = pending_[index_in_frame_];
    {
        auto peers = std::move(m.peers);
        peers.clear();
        m = LevinMessage{};
        m.peers = std::move(peers);
    }

    auto one = [&](Field f) -> const V* { return fields_[f].empty() ? nullptr : &fields_[f][0]; };
    auto text_of = [](const V& v, std::string_view& t) {
        if (v.kind != VKind::String && v.kind != VKind::Number) return false;
        t = v.text;
        return true;
    };
    auto bad = [&](Field f, const char* what) {
        why = std::string("monero_monero_") + field_name(f) + ": " + what;
        return false;
    };
    auto get_uint = [&](Field f, uint64_t max, bool required, auto& out) -> bool {
        const V* v = one(f);
        if (!v) return required ? bad(f, "missing") : true;
        std::string_view t;
        uint64_t x;
        if (!text_of(*v, t)) return bad(f, "wrong type");
        if (!parse_uint(t, max, x)) return bad(f, "not an unsigned integer in range");
        out = static_cast<std::remove_reference_t<decltype(out)>>(x);
        return true;
    };
    auto get_opt_uint = [&](Field f, uint64_t max, auto& opt) -> bool {
        const V* v = one(f);
        if (!v) return true;
        std::string_view t;
        uint64_t x;
        if (!text_of(*v, t)) return bad(f, "wrong type");
        if (!parse_uint(t, max, x)) return bad(f, "not an unsigned integer in range");
        opt = static_cast<typename std::remove_reference_t<decltype(opt)>::value_type>(x);
        return true;
    };
    auto as_bool = [](const V& v, bool& b) {
        switch (v.kind) {
        case VKind::True: b = true; return true;
        case VKind::False: b = false; return true;
        case VKind::String: case VKind::Number:
            if (v.text == "1" || v.text == "true" || v.text == "True" || v.text == "TRUE") { b = true; return true; }
            if (v.text == "0" || v.text == "false" || v.text == "False" || v.text == "FALSE") { b = false; return true; }
            return false;
        default: return false;
        }
    };
    auto get_bool = [&](Field f, bool& out) -> bool {
        const V* v = one(f);
        if (!v) return true;
        if (!as_bool(*v, out)) return bad(f, "not a boolean");
        return true;
    };
    auto get_time = [&](Field f, bool required, int64_t& out, bool& present) -> bool {
        present = false;
        const V* v = one(f);
        if (!v) return required ? bad(f, "missing") : true;
        std::string_view t;
        if (!text_of(*v, t) || !parse_time_ns(t, out)) return bad(f, "not a time \"sec.nsec\"");
        present = true;
        return true;
    };
    auto get_ip = [&](Field f, IpAddr& out) -> bool {
        const V* v = one(f);
        if (!v) return bad(f, "missing");
        if (v->kind != VKind::String) return bad(f, "wrong type");
        auto ip = parse_ip_fast(v->text);
        if (!ip) return bad(f, "not an IP address");
        out = *ip;
        return true;
    };

    m.input = input_;
    m.line = stats_.lines;
    m.index_in_frame = index_in_frame_;
    bool present;
    if (!get_time(F_frame_time, true, m.time_ns, present)) return false;
    if (!get_uint(F_frame, std::numeric_limits<uint64_t>::max(), true, m.frame)) return false;
    if (!get_ip(F_src, m.src) || !get_ip(F_dst, m.dst)) return false;
    if (!get_uint(F_srcport, 65535, true, m.sport) || !get_uint(F_dstport, 65535, true, m.dport)) return false;
    if (!get_uint(F_stream, 0xffffffffu, true, m.stream)) return false;
    if (one(F_sender_initiated)) {
        bool b = false;
        if (!get_bool(F_sender_initiated, b)) return false;
        m.sender_initiated = b;
    }
    int64_t ss = 0;
    if (!get_time(F_stream_start, false, ss, present)) return false;
    if (present) m.stream_start_ns = ss;
    {
        uint64_t sig = 0;
        if (!get_uint(F_signature, std::numeric_limits<uint64_t>::max(), false, sig)) return false;
    }
    if (!get_uint(F_length, std::numeric_limits<uint64_t>::max(), false, m.length)) return false;
    if (!get_bool(F_have_to_return_data, m.expect_response)) return false;
    if (!get_uint(F_command, 0xffffffffu, true, m.command)) return false;
    if (const V* v = one(F_return_code)) {
        std::string_view t;
        int64_t rc;
        if (!text_of(*v, t)) return bad(F_return_code, "wrong type");
        if (!parse_int(t, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max(), rc)) {
            // Hex form of a negative int32 (e.g. 0xffffffff) is accepted too.
            uint64_t u;
            if (!parse_uint(t, 0xffffffffu, u)) return bad(F_return_code, "not an int32");
            rc = int32_t(uint32_t(u));
        }
        m.return_code = int32_t(rc);
    }
    if (!get_uint(F_flags, 0xffffffffu, false, m.flags)) return false;
    if (!get_uint(F_version, 0xffffffffu, false, m.version)) return false;
    if (one(F_msg_type)) {
        uint8_t t = 0;
        if (!get_uint(F_msg_type, 7, true, t)) return false;
        m.type = MsgType(t);
    } else {
        // Derive from the header flags (levin-protocol.md §1.3) when the generated field is absent.
        if ((m.flags & 0x0c) != 0) m.type = MsgType::Invalid;
        else if ((m.flags & 0x03) == 0x01) m.type = m.expect_response ? MsgType::Request : MsgType::Notification;
        else if ((m.flags & 0x03) == 0x02) m.type = MsgType::Response;
        else m.type = MsgType::Invalid;
    }
    if (!get_bool(F_sig_only, m.sig_only)) return false;
    if (!get_uint(F_segments, 0xffffffffu, false, m.segments)) return false;
    if (m.segments == 0) m.segments = 1;
    if (!get_bool(F_header_split, m.header_split)) return false;
    if (!get_uint(F_first_segment_len, 0xffffffffu, false, m.first_segment_len)) return false;
    if (!get_bool(F_payload_decoded, m.payload_decoded)) return false;

    // node_data
    if (one(F_nd_peer_id) || one(F_nd_my_port) || one(F_nd_rpc_port) || one(F_nd_rpc_credits_per_hash) ||
        one(F_nd_support_flags) || one(F_nd_network)) {
        NodeData nd;
        if (!get_opt_uint(F_nd_peer_id, std::numeric_limits<uint64_t>::max(), nd.peer_id)) return false;
        if (!get_opt_uint(F_nd_my_port, 0xffffffffu, nd.my_port)) return false;
        if (!get_opt_uint(F_nd_rpc_port, 65535, nd.rpc_port)) return false;
        if (!get_opt_uint(F_nd_rpc_credits_per_hash, 0xffffffffu, nd.rpc_credits_per_hash)) return false;
        if (!get_opt_uint(F_nd_support_flags, 0xffffffffu, nd.support_flags)) return false;
        if (!get_opt_uint(F_nd_network, 255, nd.network)) return false;
        m.node = nd;
    }
    if (one(F_sy_current_height) || one(F_sy_cumulative_difficulty) || one(F_sy_cumulative_difficulty_top64) ||
        one(F_sy_top_version) || one(F_sy_pruning_seed)) {
        SyncData sd;
        const uint64_t u64max = std::numeric_limits<uint64_t>::max();
        if (!get_opt_uint(F_sy_current_height, u64max, sd.current_height)) return false;
        if (!get_opt_uint(F_sy_cumulative_difficulty, u64max, sd.cumulative_difficulty)) return false;
        if (!get_opt_uint(F_sy_cumulative_difficulty_top64, u64max, sd.cumulative_difficulty_top64)) return false;
        if (!get_opt_uint(F_sy_top_version, 255, sd.top_version)) return false;
        if (!get_opt_uint(F_sy_pruning_seed, 0xffffffffu, sd.pruning_seed)) return false;
        m.sync = sd;
    }
    if (const V* v = one(F_ping_status)) {
        if (v->kind != VKind::String) return bad(F_ping_status, "wrong type");
        m.ping_status = std::string(v->text);
    }
    if (!get_opt_uint(F_ping_peer_id, std::numeric_limits<uint64_t>::max(), m.ping_peer_id)) return false;
    if (!get_opt_uint(F_support_flags, 0xffffffffu, m.support_flags_response)) return false;

    // Peer list entries (ek-contract.md §3, "Peer-list entries").
    const auto& keys = fields_[F_peer_keys];
    m.has_peerlist = !fields_[F_peerlist_count].empty() || !keys.empty();
    if (!fields_[F_peerlist_count].empty()) {
        uint32_t declared = 0;
        if (!get_uint(F_peerlist_count, 0xffffffffu, true, declared)) return false;
    }
    if (!fields_[F_peerlist_compact].empty()) {
        if (!keys.empty()) { why = "peer entries: both monero.peerlist.compact and monero.peer.* fields"; return false; }
        m.has_peerlist = true;
        m.peers.clear();
        for (const V& cv : fields_[F_peerlist_compact]) {
            if (cv.kind != VKind::String) return bad(F_peerlist_compact, "wrong type");
            if (!parse_peers_compact(cv.text, m.peers, why)) return false;
        }
        ++index_in_frame_;
        return true;
    }
    const size_t n = keys.size();
    if (fields_[F_peer_type].size() != n || fields_[F_peer_addr].size() != n) {
        why = "peer entries: " + std::to_string(n) + " peer_keys but " +
              std::to_string(fields_[F_peer_type].size()) + " peer_type and " +
              std::to_string(fields_[F_peer_addr].size()) + " peer_addr values";
        return false;
    }
    size_t i_id = 0, i_ls = 0, i_ps = 0, i_rp = 0, i_rc = 0;
    m.peers.resize(n);
    for (size_t i = 0; i < n; ++i) {
        PeerEntry& e = m.peers[i];
        e = PeerEntry{};
        std::string_view t;
        uint64_t mask = 0, type = 0;
        if (!text_of(keys[i], t) || !parse_uint(t, 0xffff, mask)) return bad(F_peer_keys, "not a UINT16 bit mask");
        if (!text_of(fields_[F_peer_type][i], t) || !parse_uint(t, 255, type)) return bad(F_peer_type, "not a UINT8");
        e.type = type <= 4 ? PeerAddrType(type) : PeerAddrType::Invalid;
        e.unknown_keys = (mask & 0x40) != 0;
        auto take = [&](Field f, size_t& idx, uint64_t max, uint64_t& out) -> bool {
            if (idx >= fields_[f].size()) { why = std::string("peer entries: too few ") + field_name(f) + " values for the peer_keys bit mask"; return false; }
            std::string_view tt;
            if (!text_of(fields_[f][idx++], tt) || !parse_uint(tt, max, out)) return bad(f, "not an unsigned integer in range");
            return true;
        };
        uint64_t x;
        if (mask & 0x01) { if (!take(F_peer_id, i_id, std::numeric_limits<uint64_t>::max(), x)) return false; e.id = x; }
        if (mask & 0x02) {
            if (i_ls >= fields_[F_peer_last_seen].size()) { why = "peer entries: too few peer_last_seen values for the peer_keys bit mask"; return false; }
            int64_t ns;
            if (!text_of(fields_[F_peer_last_seen][i_ls++], t) || !parse_time_impl(t, true, ns))
                return bad(F_peer_last_seen, "not a time \"sec.nsec\"");
            e.last_seen = ns >= 0 ? ns / 1000000000 : -((-ns + 999999999) / 1000000000);
        }
        if (mask & 0x04) { if (!take(F_peer_pruning_seed, i_ps, 0xffffffffu, x)) return false; e.pruning_seed = uint32_t(x); }
        if (mask & 0x08) { if (!take(F_peer_rpc_port, i_rp, 65535, x)) return false; e.rpc_port = uint16_t(x); }
        if (mask & 0x10) { if (!take(F_peer_rpc_credits_per_hash, i_rc, 0xffffffffu, x)) return false; e.rpc_credits_per_hash = uint32_t(x); }

        const V& av = fields_[F_peer_addr][i];
        if (av.kind != VKind::String) return bad(F_peer_addr, "wrong type");
        set_peer_addr(av.text, e);
    }
    if (i_id != fields_[F_peer_id].size() || i_ls != fields_[F_peer_last_seen].size() ||
        i_ps != fields_[F_peer_pruning_seed].size() || i_rp != fields_[F_peer_rpc_port].size() ||
        i_rc != fields_[F_peer_rpc_credits_per_hash].size()) {
        why = "peer entries: optional values do not match the peer_keys bit masks";
        return false;
    }
    ++index_in_frame_;
    return true;
}

bool EkIngest::feed_line(std::string_view line) {
    ++stats_.lines;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    stats_.bytes += line.size();
    // Empty / whitespace-only lines are tolerated.
    size_t k = 0;
    while (k < line.size() && (line[k] == ' ' || line[k] == '\t')) ++k;
    if (k == line.size()) return true;

    unescaped_.clear();
    index_in_frame_ = 0;
    bad_objects_ = 0;
    line_err_.clear();
    bool is_index = false, has_layers = false, has_monero = false;
    if (line[k] != '{') {
        // `-T fields -e monero.record` (ek-contract.md §3b): the frame's records joined by ','.
        has_layers = has_monero = true;
        line.remove_prefix(k);
        while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
        size_t pos = 0;
        for (;;) {
            size_t comma = line.find(',', pos);
            if (comma == std::string_view::npos) comma = line.size();
            record(line.substr(pos, comma - pos));
            if (comma == line.size()) break;
            pos = comma + 1;
        }
    } else {
        EkLineParser parser(*this, line);
        if (!parser.parse_document(is_index, has_layers, has_monero)) {
            ++stats_.malformed_lines;
            report(parser.err());
            return false;   // pending messages of a broken line are dropped
        }
    }
    if (has_layers) {
        ++stats_.frames;
        if (!has_monero) ++stats_.frames_without_monero;
    } else if (is_index) {
        ++stats_.index_lines;
    }
    for (uint32_t i = 0; i < index_in_frame_; ++i) {
        ++stats_.messages;
        if (on_message_) on_message_(pending_[i]);
    }
    if (bad_objects_ > 0) {
        ++stats_.malformed_lines;
        std::string why = std::move(line_err_);
        if (bad_objects_ > 1) why += " (" + std::to_string(bad_objects_) + " monero objects skipped)";
        else why += " (monero object skipped)";
        report(why);
        return false;
    }
    return true;
}

bool EkIngest::read_stream(std::FILE* f) {
    // 64 KiB block reads: lines inside a block are parsed in place, others copied once. (1 MiB
    // blocks were not faster from the page cache, and cost an mmap'd allocation per call, which
    // made the ek_ingest fuzzer crawl.) Lines longer than max_line_bytes_ are skipped (counted
    // malformed, reported with their number) without holding more than max_line_bytes_ of them.
    static constexpr size_t kBlock = 64u << 10;
    std::vector<char> block(kBlock);
    LineSplitter split(max_line_bytes_);
    auto line = [&](std::string_view l) { feed_line(l); };
    auto overlong = [&](uint64_t bytes) {
        ++stats_.lines;
        ++stats_.malformed_lines;
        stats_.bytes += bytes;
        report("line longer than " + std::to_string(max_line_bytes_) + " bytes (" + std::to_string(bytes) +
               " bytes), skipped");
    };
    errno = 0;
    size_t n;
    while ((n = std::fread(block.data(), 1, kBlock, f)) > 0) split.feed(std::string_view(block.data(), n), line, overlong);
    const bool err = std::ferror(f) != 0;
    split.finish(line, overlong);
    if (err) io_error_ = name_ + ": read error: " + std::strerror(errno ? errno : EIO);
    return !err;
}

bool EkIngest::read_path(const std::string& path) {
    if (path == "-") return read_stream(stdin);
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) {
        io_error_ = path + ": " + std::strerror(errno);
        return false;
    }
    std::setvbuf(f, nullptr, _IONBF, 0);   // read_stream reads in 1 MiB blocks itself
    const bool ok = read_stream(f);
    std::fclose(f);
    return ok;
}

void EkIngest::merge_into(InputDiagnostics& d, size_t max_errors) const {
    d.lines += stats_.lines;
    d.messages += stats_.messages;
    d.malformed_lines += stats_.malformed_lines;
    d.skipped_objects += stats_.skipped_objects;
    for (const auto& e : first_errors_) {
        if (d.first_errors.size() >= max_errors) break;
        d.first_errors.push_back(e);
    }
}

} // namespace msc

#include "enrich/asn.hpp"

#include <maxminddb.h>

#include <algorithm>
#include <arpa/inet.h>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <netinet/in.h>
#include <sys/socket.h>

namespace msc::enrich {

struct AsnDb::Mmdb {
    MMDB_s db{};
    std::string path;
    ~Mmdb() { MMDB_close(&db); }
};

AsnDb::AsnDb() = default;
AsnDb::~AsnDb() = default;
AsnDb::AsnDb(AsnDb&&) noexcept = default;
AsnDb& AsnDb::operator=(AsnDb&&) noexcept = default;

namespace {

std::string_view trim(std::string_view s) {
    const char* ws = " \t\r\n";
    size_t b = s.find_first_not_of(ws);
    if (b == std::string_view::npos) return {};
    return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

// Splits one CSV line (RFC 4180 quoting, "" escapes) into at most max fields; false if malformed.
bool split_csv(std::string_view line, std::vector<std::string>& out, size_t max_fields) {
    out.clear();
    std::string cur;
    bool quoted = false, was_quoted = false;
    for (size_t i = 0; i < line.size(); ++i) {
        char c = line[i];
        if (quoted) {
            if (c == '"') {
                if (i + 1 < line.size() && line[i + 1] == '"') { cur += '"'; ++i; }
                else quoted = false;
            } else {
                cur += c;
            }
        } else if (c == '"' && cur.empty() && !was_quoted) {
            quoted = was_quoted = true;
        } else if (c == ',') {
            out.push_back(std::move(cur));
            cur.clear();
            was_quoted = false;
            if (out.size() >= max_fields) return false;
        } else {
            cur += c;
        }
    }
    if (quoted) return false;
    out.push_back(std::move(cur));
    return out.size() <= max_fields;
}

bool parse_u32(std::string_view s, uint32_t& v) {
    s = trim(s);
    if (s.size() >= 2 && (s[0] == 'A' || s[0] == 'a') && (s[1] == 'S' || s[1] == 's')) s.remove_prefix(2);
    if (s.empty() || s.size() > 10) return false;
    uint64_t x = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
        x = x * 10 + uint64_t(c - '0');
    }
    if (x > 0xffffffffull) return false;
    v = uint32_t(x);
    return true;
}

// Address as text, or a decimal number (IPv4 only, as in *-ipv4-num.csv).
std::optional<IpAddr> parse_addr(std::string_view s) {
    s = trim(s);
    if (!s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos) {
        uint32_t v;
        if (!parse_u32(s, v)) return std::nullopt;
        return IpAddr::v4(v);
    }
    return IpAddr::parse(s);
}

} // namespace

void AsnDb::add_range(const IpAddr& lo, const IpAddr& hi, uint32_t asn, std::string_view org) {
    if (lo.is_v4() != hi.is_v4()) return;
    IpKey a = ip_key(lo), b = ip_key(hi);
    if (b < a) std::swap(a, b);
    (lo.is_v4() ? v4_ : v6_).push_back({a, b, asn});
    sorted_ = false;
    if (!org.empty()) {
        orgs_.emplace_back(asn, std::string(org.substr(0, 256)));
        orgs_sorted_ = false;
    }
}

void AsnDb::load_text(std::string_view text) {
    std::vector<std::string> f;
    size_t pos = 0;
    uint64_t lineno = 0;
    auto bad = [&](const std::string& why) {
        ++stats_.invalid;
        if (stats_.first_errors.size() < 5) stats_.first_errors.push_back("line " + std::to_string(lineno) + ": " + why);
    };
    while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        pos = nl == std::string_view::npos ? text.size() : nl + 1;
        ++lineno;
        ++stats_.lines;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (trim(line).empty()) continue;
        if (line[0] == '#') {
            auto c = trim(line.substr(1));
            for (const char* key : {"source:", "version:", "date:", "licence:", "license:"}) {
                if (c.substr(0, std::strlen(key)) == key && desc_.size() < 8) desc_.emplace_back(c.substr(0, 300));
            }
            continue;
        }
        if (line.size() > 4096) { bad("line too long"); continue; }
        if (line.size() > 2 && line[1] == '\t' && (line[0] == 'A' || line[0] == 'R')) {
            // Compact format: "A\tasn\torg" or "R\tstart\tend\tasn".
            std::vector<std::string_view> t;
            size_t p = 2;
            while (t.size() < 4) {
                size_t tab = line.find('\t', p);
                t.push_back(line.substr(p, tab == std::string_view::npos ? std::string_view::npos : tab - p));
                if (tab == std::string_view::npos) break;
                p = tab + 1;
            }
            uint32_t asn = 0;
            if (line[0] == 'A') {
                if (t.size() < 2 || !parse_u32(t[0], asn)) { bad("bad organisation line"); continue; }
                orgs_.emplace_back(asn, std::string(t[1].substr(0, 256)));
                orgs_sorted_ = false;
                continue;
            }
            std::optional<IpAddr> lo, hi;
            if (t.size() != 3 || !(lo = parse_addr(t[0])) || !(hi = parse_addr(t[1])) || !parse_u32(t[2], asn) ||
                lo->is_v4() != hi->is_v4()) { bad("bad range line"); continue; }
            add_range(*lo, *hi, asn, {});
            ++stats_.ranges;
            continue;
        }
        // CSV: start,end,asn[,org]
        if (!split_csv(line, f, 4) || f.size() < 3) { bad("not 'start,end,asn[,org]'"); continue; }
        uint32_t asn = 0;
        auto lo = parse_addr(f[0]), hi = parse_addr(f[1]);
        if (!lo || !hi || lo->is_v4() != hi->is_v4()) { bad("bad address"); continue; }
        if (!parse_u32(f[2], asn)) { bad("bad ASN"); continue; }
        add_range(*lo, *hi, asn, f.size() > 3 ? std::string_view(f[3]) : std::string_view{});
        ++stats_.ranges;
    }
}

bool AsnDb::load_file(const std::string& path, std::string* error, uint64_t max_bytes) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        if (error) *error = path + ": cannot open";
        return false;
    }
    std::string data;
    char buf[1 << 16];
    while (in) {
        in.read(buf, sizeof buf);
        data.append(buf, size_t(in.gcount()));
        if (data.size() > max_bytes) {
            if (error) *error = path + ": larger than " + std::to_string(max_bytes) + " bytes";
            return false;
        }
    }
    const size_t before = ranges();
    load_text(data);
    if (ranges() == before) {
        if (error) *error = path + ": no ASN ranges found";
        return false;
    }
    desc_.push_back("file: " + path);
    return true;
}

bool AsnDb::load_mmdb(const std::string& path, std::string* error) {
    auto m = std::make_unique<Mmdb>();
    int rc = MMDB_open(path.c_str(), MMDB_MODE_MMAP, &m->db);
    if (rc != MMDB_SUCCESS) {
        if (error) *error = path + ": " + MMDB_strerror(rc);
        // MMDB_open leaves db in a state MMDB_close accepts (it zeroes on failure).
        std::memset(&m->db, 0, sizeof m->db);
        return false;
    }
    m->path = path;
    std::string d = "mmdb: " + path;
    if (m->db.metadata.database_type) d += std::string(" (") + m->db.metadata.database_type + ", built " +
                                           std::to_string(m->db.metadata.build_epoch) + ")";
    desc_.push_back(d);
    mmdb_ = std::move(m);
    return true;
}

void AsnDb::sort_if_needed() const {
    if (sorted_) return;
    auto by = [](const Range& a, const Range& b) { return a.lo != b.lo ? a.lo < b.lo : a.hi < b.hi; };
    std::sort(v4_.begin(), v4_.end(), by);
    std::sort(v6_.begin(), v6_.end(), by);
    sorted_ = true;
}

const std::string& AsnDb::org_of(uint32_t asn) const {
    static const std::string empty;
    if (!orgs_sorted_) {
        auto& o = const_cast<std::vector<std::pair<uint32_t, std::string>>&>(orgs_);
        std::stable_sort(o.begin(), o.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        // keep the first name given for an ASN
        o.erase(std::unique(o.begin(), o.end(), [](const auto& a, const auto& b) { return a.first == b.first; }), o.end());
        orgs_sorted_ = true;
    }
    auto it = std::lower_bound(orgs_.begin(), orgs_.end(), asn, [](const auto& p, uint32_t v) { return p.first < v; });
    return it != orgs_.end() && it->first == asn ? it->second : empty;
}

std::optional<AsnInfo> AsnDb::lookup(const IpAddr& ip) const {
    if (mmdb_) {
        sockaddr_storage ss{};
        if (ip.is_v4()) {
            auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
            s4->sin_family = AF_INET;
            s4->sin_addr.s_addr = htonl(ip.v4_host_order());
        } else {
            auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
            s6->sin6_family = AF_INET6;
            std::memcpy(s6->sin6_addr.s6_addr, ip.bytes().data(), 16);
        }
        int err = 0;
        MMDB_lookup_result_s r = MMDB_lookup_sockaddr(&mmdb_->db, reinterpret_cast<sockaddr*>(&ss), &err);
        if (err == MMDB_SUCCESS && r.found_entry) {
            MMDB_entry_data_s d{};
            if (MMDB_get_value(&r.entry, &d, "autonomous_system_number", nullptr) == MMDB_SUCCESS && d.has_data) {
                AsnInfo info;
                bool ok = true;
                if (d.type == MMDB_DATA_TYPE_UINT32) info.asn = d.uint32;
                else if (d.type == MMDB_DATA_TYPE_UINT16) info.asn = d.uint16;
                else if (d.type == MMDB_DATA_TYPE_UINT64 && d.uint64 <= 0xffffffffull) info.asn = uint32_t(d.uint64);
                else ok = false;
                if (ok) {
                    MMDB_entry_data_s o{};
                    if (MMDB_get_value(&r.entry, &o, "autonomous_system_organization", nullptr) == MMDB_SUCCESS &&
                        o.has_data && o.type == MMDB_DATA_TYPE_UTF8_STRING)
                        info.org.assign(o.utf8_string, std::min<uint32_t>(o.data_size, 256));
                    return info;
                }
            }
        }
    }
    sort_if_needed();
    const auto& r = ip.is_v4() ? v4_ : v6_;
    if (r.empty()) return std::nullopt;
    const IpKey k = ip_key(ip);
    auto it = std::upper_bound(r.begin(), r.end(), k, [](IpKey v, const Range& x) { return v < x.lo; });
    // Ranges may overlap in hostile data: walk back over a few candidates (bounded).
    for (int steps = 0; it != r.begin() && steps < 4; ++steps) {
        --it;
        if (k <= it->hi) return AsnInfo{it->asn, org_of(it->asn)};
    }
    return std::nullopt;
}

std::optional<uint32_t> AsnDb::lookup_asn(const IpAddr& ip) const {
    auto i = lookup(ip);
    if (!i) return std::nullopt;
    return i->asn;
}

bool AsnDb::empty() const { return !mmdb_ && v4_.empty() && v6_.empty(); }

std::string AsnDb::description() const {
    std::string s;
    for (const auto& d : desc_) {
        if (!s.empty()) s += "; ";
        s += d;
    }
    return s;
}

std::optional<std::string> default_asn_file() {
    std::vector<std::string> c;
    if (const char* e = std::getenv("MSC_ASN_DATA"); e && *e) c.emplace_back(e);
    if (const char* h = std::getenv("HOME"); h && *h) c.push_back(std::string(h) + "/.cache/moneroscope/asn/asn.tsv");
    c.emplace_back("/var/cache/moneroscope/asn/asn.tsv");
    for (const auto& p : c) {
        std::ifstream f(p);
        if (f) return p;
    }
    return std::nullopt;
}

} // namespace msc::enrich

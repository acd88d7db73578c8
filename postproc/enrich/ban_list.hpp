// Ban lists in monerod `--ban-list` format (analysis-methods.md §10): per line, text after '#' is
// ignored, whitespace trimmed (CRLF tolerated); a line is an IPv4 subnet, an IPv4 address or an
// IPv6 address (IPv6 subnets are accepted too, unlike monerod, and counted separately).
// Matching is by prefix (the .0 and .255 of a listed /24 match). Invalid lines are counted and
// the first few reported, never fatal.
#pragma once

#include "enrich/ip_range_set.hpp"
#include "model/ip.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace msc::enrich {

struct CidrListStats {
    uint64_t lines = 0;
    uint64_t entries = 0;        // valid address/subnet lines
    uint64_t cidrs = 0;          // entries with a prefix shorter than the full address
    uint64_t single_v4 = 0, single_v6 = 0;
    uint64_t v4_addresses = 0;   // sum of IPv4 entry sizes (a /24 counts 256)
    uint64_t invalid = 0;
    std::vector<std::string> first_errors;   // "line N: reason", at most 5
};

// Parsed list of CIDRs with prefix matching. Used for ban lists and the allow-list.
class CidrList {
public:
    std::string name;
    std::string header;          // first comment line, e.g. "Monero Research Lab spy node ban list version 2, 2025-12-10"
    std::vector<Cidr> entries;   // in file order, duplicates removed
    CidrListStats stats;

    // Parses text (any bytes). Never throws on content.
    static CidrList parse(std::string_view text, std::string name);
    // Reads a file; nullopt + *error on I/O failure. Files larger than max_bytes are refused.
    static std::optional<CidrList> load(const std::string& path, std::string name, std::string* error,
                                        uint64_t max_bytes = 256ull << 20);
    // Adds one entry given as text ("1.2.3.0/24", "2001:db8::/32", "5.6.7.8"); false if invalid.
    bool add(std::string_view text);

    bool contains(const IpAddr& ip) const { return set_.contains(ip); }
    // Entry matching ip (the most specific one), for evidence.
    std::optional<Cidr> match(const IpAddr& ip) const;
private:
    void index();
    IpRangeSet set_;
};

using BanList = CidrList;

// Path of the shipped MRL lists (postproc/data/ban-lists in the source tree, or the installed
// share/moneroscope/ban-lists); env MSC_DATA_DIR overrides the data directory.
std::string default_data_dir();
std::vector<std::pair<std::string, std::string>> default_ban_lists(); // (name, path) v1, v2

} // namespace msc::enrich

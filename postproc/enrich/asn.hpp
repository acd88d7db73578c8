// IP -> ASN (+ organisation) mapping. Two sources:
//  * a range table (IPv4 and IPv6 ranges, inclusive) held in sorted vectors and queried by
//    bisection: either the compact file written by scripts/asn-data.sh, or a raw CSV
//    "start,end,asn[,org]" (addresses as text or as decimal numbers, e.g. @ip-location-db/asn);
//  * a MaxMind-format database (.mmdb, e.g. GeoLite2-ASN) through libmaxminddb, opened once.
// When both are loaded, the MMDB answers first and the range table fills its gaps.
#pragma once

#include "enrich/ip_range_set.hpp"
#include "model/ip.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace msc::enrich {

struct AsnInfo {
    uint32_t asn = 0;
    std::string org;
};

struct AsnLoadStats {
    uint64_t lines = 0, ranges = 0, invalid = 0;
    std::vector<std::string> first_errors;   // at most 5
};

class AsnDb {
public:
    AsnDb();
    ~AsnDb();
    AsnDb(AsnDb&&) noexcept;
    AsnDb& operator=(AsnDb&&) noexcept;

    // Range table from text (compact format or CSV, detected per line). Appends to the table.
    void load_text(std::string_view text);
    bool load_file(const std::string& path, std::string* error, uint64_t max_bytes = 1ull << 30);
    bool load_mmdb(const std::string& path, std::string* error);
    void add_range(const IpAddr& lo, const IpAddr& hi, uint32_t asn, std::string_view org);

    std::optional<AsnInfo> lookup(const IpAddr& ip) const;
    std::optional<uint32_t> lookup_asn(const IpAddr& ip) const;

    bool empty() const;
    size_t ranges() const { return v4_.size() + v6_.size(); }
    const AsnLoadStats& stats() const { return stats_; }
    // "source: ..., version ..., date ..." from the compact file's header / the MMDB metadata.
    std::string description() const;

private:
    struct Range { IpKey lo, hi; uint32_t asn; };
    void sort_if_needed() const;
    const std::string& org_of(uint32_t asn) const;
    mutable std::vector<Range> v4_, v6_;
    mutable bool sorted_ = true;
    std::vector<std::pair<uint32_t, std::string>> orgs_;   // sorted by asn after finish
    mutable bool orgs_sorted_ = true;
    AsnLoadStats stats_;
    std::vector<std::string> desc_;
    struct Mmdb;
    std::unique_ptr<Mmdb> mmdb_;
};

// Default compact file locations (first existing): $MSC_ASN_DATA, ~/.cache/moneroscope/asn/asn.tsv,
// /var/cache/moneroscope/asn/asn.tsv.
std::optional<std::string> default_asn_file();

} // namespace msc::enrich

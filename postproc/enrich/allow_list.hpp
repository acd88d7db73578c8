// Allow-list of known scanners / research crawlers (IPs and CIDRs, IPv4 and IPv6), same file
// format as ban lists. Allow-listed peers are evaluated and reported but never counted as
// non-standard (analysis-methods.md §11).
#pragma once

#include "enrich/ban_list.hpp"

#include <string>
#include <vector>

namespace msc::enrich {

class AllowList {
public:
    // Loads every file and inline entry; problems are appended to *errors. Never throws on content.
    static AllowList build(const std::vector<std::string>& files, const std::vector<std::string>& inline_cidrs,
                           std::vector<std::string>* errors);
    bool contains(const IpAddr& ip) const { return list_.contains(ip); }
    size_t size() const { return list_.entries.size(); }
private:
    CidrList list_;
};

} // namespace msc::enrich

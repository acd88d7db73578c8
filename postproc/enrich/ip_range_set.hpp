// A set of IP ranges (IPv4 and IPv6, inclusive bounds) matched by bisection over sorted, merged
// intervals: CIDRs are never expanded into host lists.
#pragma once

#include "model/ip.hpp"

#include <cstdint>
#include <utility>
#include <vector>

namespace msc::enrich {

// 128-bit key of an address within its family (IPv4: host-order value in the low 32 bits).
using IpKey = unsigned __int128;
IpKey ip_key(const IpAddr& ip);
// Inclusive key range of a CIDR.
std::pair<IpKey, IpKey> cidr_range(const Cidr& c);

class IpRangeSet {
public:
    void add(const Cidr& c);
    void add_range(bool v6, IpKey lo, IpKey hi);   // lo <= hi
    void finish();                                  // sort + merge; call before contains()
    bool contains(const IpAddr& ip) const;
    bool empty() const { return v4_.empty() && v6_.empty(); }
private:
    using Range = std::pair<IpKey, IpKey>;
    static void merge(std::vector<Range>& r);
    std::vector<Range> v4_, v6_;
    bool finished_ = true;
};

} // namespace msc::enrich

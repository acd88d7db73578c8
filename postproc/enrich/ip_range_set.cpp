#include "enrich/ip_range_set.hpp"

#include <algorithm>

namespace msc::enrich {

IpKey ip_key(const IpAddr& ip) {
    if (ip.is_v4()) return IpKey(ip.v4_host_order());
    IpKey k = 0;
    for (uint8_t b : ip.bytes()) k = (k << 8) | b;
    return k;
}

std::pair<IpKey, IpKey> cidr_range(const Cidr& c) {
    const unsigned total = c.network.is_v4() ? 32 : 128;
    const unsigned bits = std::min(c.bits, total);
    const IpKey lo = ip_key(c.network);
    const unsigned host = total - bits;
    IpKey span = host >= 128 ? ~IpKey(0) : ((IpKey(1) << host) - 1);
    return {lo, lo | span};
}

void IpRangeSet::add(const Cidr& c) {
    auto [lo, hi] = cidr_range(c);
    add_range(c.network.is_v6(), lo, hi);
}

void IpRangeSet::add_range(bool v6, IpKey lo, IpKey hi) {
    if (hi < lo) std::swap(lo, hi);
    (v6 ? v6_ : v4_).push_back({lo, hi});
    finished_ = false;
}

void IpRangeSet::merge(std::vector<Range>& r) {
    std::sort(r.begin(), r.end());
    std::vector<Range> out;
    out.reserve(r.size());
    for (const auto& x : r) {
        if (!out.empty() && (x.first <= out.back().second ||
                             (out.back().second != ~IpKey(0) && x.first == out.back().second + 1))) {
            out.back().second = std::max(out.back().second, x.second);
        } else {
            out.push_back(x);
        }
    }
    r.swap(out);
}

void IpRangeSet::finish() {
    if (finished_) return;
    merge(v4_);
    merge(v6_);
    finished_ = true;
}

bool IpRangeSet::contains(const IpAddr& ip) const {
    const auto& r = ip.is_v4() ? v4_ : v6_;
    if (r.empty()) return false;
    const IpKey k = ip_key(ip);
    // First range starting after k; the candidate is the one before it.
    auto it = std::upper_bound(r.begin(), r.end(), k, [](IpKey v, const Range& x) { return v < x.first; });
    if (it == r.begin()) return false;
    --it;
    return k <= it->second;
}

} // namespace msc::enrich

#include "model/model.hpp"

namespace msc {

IpId IpTable::intern(const IpAddr& ip) {
    auto it = index_.find(ip);
    if (it != index_.end()) return it->second;
    const IpId id = IpId(ips_.size());
    ips_.push_back(ip);
    index_.emplace(ip, id);
    return id;
}

std::optional<IpId> IpTable::find(const IpAddr& ip) const {
    auto it = index_.find(ip);
    if (it == index_.end()) return std::nullopt;
    return it->second;
}

bool Model::is_vantage_ip(IpId ip) const {
    if (ip == kNoIp || ip >= ips.size()) return false;
    const IpAddr& a = ips.at(ip);
    for (const auto& v : vantages)
    {
        if (v.ip == a) return true;
        for (const auto& al : v.aliases)
            if (!al.port && al.ip == a) return true;
    }
    return false;
}

} // namespace msc

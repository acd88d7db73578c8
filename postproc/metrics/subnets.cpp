// Subnets and ASNs (analysis-methods.md §5.1, §5.2, §6.7, §6.8): /24 (IPv6: /ipv6_subnet_bits)
// saturation over the connecting IPs C (vantage IPs excluded), the Sub set (C inside the top-N
// subnets by distinct connecting IPs; subnets tied with the (N+1)-th are excluded, so the set is
// deterministic — the reference breaks such ties arbitrarily), the Ban set (C on
// the selected ban list, prefix matching), LinkingLion by ASN number, distinct ASNs of C and of
// C ∪ peer-list IPs (unmapped IPs are not an ASN).
#include "metrics/internal.hpp"

#include <map>
#include <set>

namespace msc::metrics {

void subnets(const Ctx& ctx, AnalysisResult& r) {
    const Config& cfg = ctx.cfg;
    const Model& m = ctx.m;
    Summary& s = r.summary;
    std::unordered_map<uint32_t, uint32_t> conn_per_subnet, all_per_subnet;
    std::unordered_map<uint32_t, IpId> first_ip;   // lowest connecting address per subnet
    std::vector<uint8_t> in_c(m.ips.size(), 0);
    for (const auto& p : r.peers) {
        if (!p.connecting) continue;
        in_c[p.ip] = 1;
        const uint32_t sn = ctx.subnet_of[p.ip];
        ++conn_per_subnet[sn];
        if (!first_ip.count(sn)) first_ip[sn] = p.ip;   // peers are sorted by address
    }
    // C ∪ list IPs (non-vantage).
    std::vector<uint8_t> in_all(in_c);
    for (IpId ip : m.list_ips)
        if (ip < in_all.size() && !ctx.is_vantage(ip)) in_all[ip] = 1;
    std::set<uint32_t> asn_c, asn_all;
    uint64_t n_c = 0, n_all = 0, lion = 0;
    for (IpId ip = 0; ip < in_all.size(); ++ip) {
        if (!in_all[ip]) continue;
        ++n_all;
        ++all_per_subnet[ctx.subnet_of[ip]];
        const auto a = ctx.asn(ip);
        if (a) {
            asn_all.insert(*a);
            if (*a == cfg.linkinglion_asn) ++lion;
        }
        if (in_c[ip]) {
            ++n_c;
            if (a) asn_c.insert(*a);
        }
    }
    s.totalUniqueIPs = n_c;
    s.totalUniqueIPsPlusPL = n_all;
    s.totalUniqueASs = asn_c.size();
    s.totalUniqueASsPlusPL = asn_all.size();
    s.LionLinkPeers = ctx.en.asn.empty() ? 0 : lion;

    // Sub.
    std::vector<std::pair<uint32_t, uint32_t>> counts(conn_per_subnet.begin(), conn_per_subnet.end());
    std::vector<double> per;
    for (auto& c : counts) per.push_back(double(c.second));
    s.medianSubnetPeers = median_of(std::move(per));
    std::sort(counts.begin(), counts.end(), [&](const auto& a, const auto& b) {
        if (a.second != b.second) return a.second > b.second;
        return ctx.subnet_addr[a.first] < ctx.subnet_addr[b.first];
    });
    // Top N without arbitrary ties: when there are more than N subnets, keep only those with more
    // connecting IPs than the (N+1)-th (a tie across the cut excludes the whole tie).
    if (counts.size() > cfg.sub_top_subnets) {
        const uint32_t cut = counts[cfg.sub_top_subnets].second;
        size_t keep = 0;
        while (keep < cfg.sub_top_subnets && counts[keep].second > cut) ++keep;
        counts.resize(keep);
    }
    r.top_subnets.clear();
    std::unordered_map<uint32_t, size_t> top;
    for (const auto& [sn, n] : counts) {
        SubnetCount sc;
        sc.subnet = ctx.subnet_addr[sn];
        sc.connecting_ips = n;
        sc.all_ips = all_per_subnet[sn];
        if (auto it = first_ip.find(sn); it != first_ip.end()) {
            if (auto a = ctx.en.asn.empty() ? std::nullopt : ctx.en.asn.lookup(m.ips.at(it->second))) {
                sc.asn = a->asn;
                sc.as_org = a->org;
            }
        }
        top[sn] = r.top_subnets.size();
        r.top_subnets.push_back(sc);
    }
    const unsigned bits_v6 = cfg.ipv6_subnet_bits;
    for (auto& p : r.peers) {
        if (!p.connecting) continue;
        const uint32_t sn = ctx.subnet_of[p.ip];
        p.subnet_connecting_ips = conn_per_subnet[sn];
        if (auto it = top.find(sn); it != top.end()) {
            p.classes |= class_bit(AnomalyClass::Sub);
            p.evidence.push_back("Sub: " + ctx.subnet_addr[sn].to_string() + "/" +
                                 std::to_string(p.addr.is_v4() ? 24u : bits_v6) + " is #" + std::to_string(it->second + 1) +
                                 " of the top " + std::to_string(cfg.sub_top_subnets) + " subnets (" +
                                 std::to_string(p.subnet_connecting_ips) + " connecting IPs)");
        }
    }
    // Ban set: connecting IPs on the selected list.
    if (!ctx.en.ban_lists.empty()) {
        size_t sel = ctx.en.ban_lists.size() - 1;
        if (cfg.ban_set_list && *cfg.ban_set_list < ctx.en.ban_lists.size()) sel = *cfg.ban_set_list;
        const auto& bl = ctx.en.ban_lists[sel];
        for (auto& p : r.peers) {
            if (!p.connecting || !bl.contains(p.addr)) continue;
            p.classes |= class_bit(AnomalyClass::Ban);
            auto mt = bl.match(p.addr);
            p.evidence.push_back("Ban: on ban list " + bl.name + (mt ? " (entry " + mt->to_string() + ")" : std::string()));
        }
    }
}

} // namespace msc::metrics

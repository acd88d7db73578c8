// Peer lists (analysis-methods.md §2.2, §4.3, §6.4): per list the IP entries (duplicates
// counted), distinct IPs and distinct /24s (IPv6: /ipv6_subnet_bits), the diversity ratio and the
// PLD rule; peer popularity as exact in-degree (mentions in lists of non-vantage senders) and
// distinct-announcer in-degree; the popularity topology (sender -> announced IP, with counts).
#include "metrics/internal.hpp"

#include <map>

namespace msc::metrics {

void peer_lists(const Ctx& ctx, AnalysisResult& r) {
    const Config& cfg = ctx.cfg;
    const Model& m = ctx.m;
    r.lists.clear();
    r.lists.reserve(m.peer_lists.size());
    r.diversity_hist = Histogram{};
    r.diversity_hist.counts.assign(20, 0);
    std::vector<uint32_t> tmp, tmps;
    std::unordered_map<IpId, std::vector<std::pair<uint32_t, double>>> pld_hits;   // source -> (list id, div)
    for (const auto& l : m.peer_lists) {
        ListResult lr;
        lr.id = l.id;
        lr.vantage = l.vantage;
        lr.source = l.source;
        lr.from_vantage = l.from_vantage || ctx.is_vantage(l.source);
        lr.entries = l.size_ip();
        tmp.assign(m.list_begin(l), m.list_end(l));
        std::sort(tmp.begin(), tmp.end());
        tmp.erase(std::unique(tmp.begin(), tmp.end()), tmp.end());
        lr.distinct_ips = uint32_t(tmp.size());
        tmps.clear();
        for (IpId ip : tmp) tmps.push_back(ctx.subnet_of[ip]);
        std::sort(tmps.begin(), tmps.end());
        tmps.erase(std::unique(tmps.begin(), tmps.end()), tmps.end());
        lr.distinct_subnets = uint32_t(tmps.size());
        lr.diversity = lr.entries ? double(lr.distinct_subnets) / double(lr.entries) : 0.0;
        if (lr.entries) {
            // diversity histogram over (0,1]: 20 bins
            size_t k = std::min<size_t>(19, size_t(lr.diversity * 20));
            ++r.diversity_hist.counts[k];
            ++r.diversity_hist.total;
        }
        lr.pld_eligible = lr.entries >= cfg.pld_min_list_size && (cfg.pld_include_own_lists || !lr.from_vantage);
        lr.pld_low = lr.pld_eligible && lr.diversity < cfg.pld_diversity_below;
        if (lr.pld_low && !lr.from_vantage) pld_hits[l.source].push_back({l.id, lr.diversity});
        r.lists.push_back(lr);
    }
    std::sort(r.lists.begin(), r.lists.end(), [](const ListResult& a, const ListResult& b) { return a.id < b.id; });
    for (auto& p : r.peers) {
        auto it = pld_hits.find(p.ip);
        if (it == pld_hits.end()) continue;
        p.pld_low_lists = uint32_t(it->second.size());
        p.classes |= class_bit(AnomalyClass::PLD);
        double mn = 1;
        for (auto& h : it->second) mn = std::min(mn, h.second);
        std::string ids;
        for (size_t i = 0; i < it->second.size() && i < cfg.evidence_max_items; ++i)
            ids += (i ? "," : "") + std::to_string(it->second[i].first);
        p.evidence.push_back("PLD: " + std::to_string(p.pld_low_lists) + " peer list(s) with >= " +
                             std::to_string(cfg.pld_min_list_size) + " entries and /24 diversity below " +
                             fmt_double(cfg.pld_diversity_below, 3) + " (lowest " + fmt_double(mn, 3) + "); lists " + ids);
    }
}

// Separate from peer_lists() and run after similarity(): the graph's edges (one per distinct
// (sender, announced IP), 134 MB at paper scale) need not be alive during the join's peak.
void popularity(const Ctx& ctx, AnalysisResult& r) {
    const Model& m = ctx.m;
    // Popularity: lists of non-vantage senders, grouped by sender; edges by sorting per sender
    // (peak memory = the largest sender's mentions, not all mentions).
    std::vector<uint32_t> order;
    uint64_t mentions = 0, lists_from_peers = 0;
    for (uint32_t i = 0; i < m.peer_lists.size(); ++i) {
        const auto& l = m.peer_lists[i];
        if (l.from_vantage || ctx.is_vantage(l.source)) continue;
        order.push_back(i);
        ++lists_from_peers;
        mentions += l.size_ip();
    }
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
        const auto &la = m.peer_lists[a], &lb = m.peer_lists[b];
        return la.source != lb.source ? la.source < lb.source : a < b; });
    r.graph_edges.clear();
    std::unordered_map<IpId, std::pair<uint64_t, uint64_t>> indeg;   // ip -> (mentions, distinct senders)
    std::vector<IpId> ann;
    for (size_t a = 0; a < order.size();) {
        const IpId src = m.peer_lists[order[a]].source;
        size_t b = a;
        ann.clear();
        while (b < order.size() && m.peer_lists[order[b]].source == src) {
            const auto& l = m.peer_lists[order[b]];
            ann.insert(ann.end(), m.list_begin(l), m.list_end(l));
            ++b;
        }
        std::sort(ann.begin(), ann.end());
        for (size_t i = 0; i < ann.size();) {
            size_t j = i;
            while (j < ann.size() && ann[j] == ann[i]) ++j;
            r.graph_edges.push_back({src, ann[i], uint64_t(j - i)});
            auto& d = indeg[ann[i]];
            d.first += j - i;
            d.second += 1;
            i = j;
        }
        a = b;
    }
    std::map<uint64_t, uint64_t> dist, dist_distinct;
    std::vector<double> vals;
    vals.reserve(indeg.size());
    for (const auto& [ip, d] : indeg) {
        ++dist[d.first];
        ++dist_distinct[d.second];
        vals.push_back(double(d.first));
        if (PeerResult* p = ctx.peer(r, ip)) {
            p->in_degree = d.first;
            p->in_degree_distinct = d.second;
        }
    }
    r.in_degree_dist.assign(dist.begin(), dist.end());
    r.in_degree_distinct_dist.assign(dist_distinct.begin(), dist_distinct.end());
    r.summary.avgInDegree = mean_of(vals);
    r.summary.medianInDegree = median_of(std::move(vals));
    r.summary.totalPeerLists = lists_from_peers;
    r.summary.peerListEntries = mentions;
    // Distinct IPs announced in any list (any sender).
    std::vector<uint8_t> seen(m.ips.size(), 0);
    uint64_t uniq = 0;
    for (IpId ip : m.list_ips)
        if (ip < seen.size() && !seen[ip]) { seen[ip] = 1; ++uniq; }
    r.summary.uniquePeersInLists = uniq;
}

} // namespace msc::metrics

// Peer-list similarity (analysis-methods.md §4.4): per vantage (optionally across vantages), all
// pairs of eligible lists from different source IPs; exact Jaccard by /24 (flags) and by IP
// (reported) on sets of distinct items; a pair is high when the /24 Jaccard exceeds the
// threshold; each source IP counts once per high pair it is part of and is flagged at
// >= pls_min_high_pairs. The vantage's own lists take part only when pls_include_own_lists, and a
// vantage IP is never flagged. Also: sender-level similarity (union of every IP a sender
// announced, all vantages) and exact (or sampled, see Config) similarity histograms.
#include "metrics/internal.hpp"
#include "metrics/jaccard_join.hpp"

#include <map>

namespace msc::metrics {

namespace {

void add_sorted(SetCollection& c, std::vector<uint32_t>& v, uint32_t grp) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    c.add(v, grp);
}

void merge_hist(Histogram& into, const Histogram& h) {
    if (into.counts.empty()) { into = h; return; }
    for (size_t k = 0; k < into.counts.size() && k < h.counts.size(); ++k) into.counts[k] += h.counts[k];
    into.zero += h.zero;
    into.total += h.total;
    into.exact = into.exact && h.exact;
}

} // namespace

void similarity(const Ctx& ctx, AnalysisResult& r) {
    const Config& cfg = ctx.cfg;
    const Model& m = ctx.m;
    // Eligible lists, grouped into partitions (per vantage, or one partition across vantages).
    std::map<uint32_t, std::map<IpId, uint64_t>> sender_total;   // vantage -> source -> entries
    for (const auto& l : m.peer_lists) sender_total[l.vantage][l.source] += l.size_ip();
    std::map<uint32_t, std::vector<uint32_t>> parts;              // partition -> list indices
    for (uint32_t i = 0; i < m.peer_lists.size(); ++i) {
        const auto& l = m.peer_lists[i];
        const bool own = l.from_vantage || ctx.is_vantage(l.source);
        if (own && !cfg.pls_include_own_lists) continue;
        if (l.size_ip() < cfg.pls_min_list_size) continue;
        if (sender_total[l.vantage][l.source] < cfg.pls_min_sender_total) continue;
        parts[cfg.pls_across_vantages ? 0u : l.vantage].push_back(i);
    }
    std::unordered_map<uint32_t, size_t> list_pos;   // list id -> index in r.lists
    for (size_t k = 0; k < r.lists.size(); ++k) list_pos[r.lists[k].id] = k;
    std::unordered_map<IpId, uint32_t> high_by_ip;
    std::unordered_map<IpId, double> maxj_by_ip;
    r.similar_pairs.clear();
    r.jaccard_subnet_hist = Histogram{};
    r.jaccard_ip_hist = Histogram{};
    r.pls_pairs_total = 0;
    r.pls_pairs_nonzero = 0;
    std::vector<uint32_t> tmp;
    for (const auto& [part, idx] : parts) {
        SetCollection subs, ips;
        for (uint32_t i : idx) {
            const auto& l = m.peer_lists[i];
            tmp.assign(m.list_begin(l), m.list_end(l));
            add_sorted(ips, tmp, l.source);
            for (auto& x : tmp) x = ctx.subnet_of[x];
            add_sorted(subs, tmp, l.source);
            if (auto it = list_pos.find(l.id); it != list_pos.end()) r.lists[it->second].pls_eligible = true;
        }
        auto pairs = jaccard_join(subs, cfg.pls_jaccard_above, cfg.threads);
        for (const auto& jp : pairs) {
            const auto& la = m.peer_lists[idx[jp.a]];
            const auto& lb = m.peer_lists[idx[jp.b]];
            const uint32_t ii = intersect_count(ips.items.data() + ips.offsets[jp.a], ips.items.data() + ips.offsets[jp.a + 1],
                                                ips.items.data() + ips.offsets[jp.b], ips.items.data() + ips.offsets[jp.b + 1]);
            const uint32_t iu = ips.set_size(jp.a) + ips.set_size(jp.b) - ii;
            SimilarPair sp;
            sp.a = std::min(la.id, lb.id);
            sp.b = std::max(la.id, lb.id);
            sp.jaccard_subnet = double(jp.inter) / double(jp.uni);
            sp.jaccard_ip = iu ? double(ii) / double(iu) : 0.0;
            sp.cross_vantage = la.vantage != lb.vantage;
            r.similar_pairs.push_back(sp);
            for (const auto* l : {&la, &lb}) {
                ++high_by_ip[l->source];
                auto& mj = maxj_by_ip[l->source];
                mj = std::max(mj, sp.jaccard_subnet);
                if (auto it = list_pos.find(l->id); it != list_pos.end()) {
                    auto& lr = r.lists[it->second];
                    ++lr.pls_high_pairs;
                    lr.pls_max_jaccard = std::max(lr.pls_max_jaccard, sp.jaccard_subnet);
                }
            }
        }
        Histogram hs, hi;
        uint64_t nz = 0;
        jaccard_histogram(subs, cfg.similarity_histogram_bins, cfg.similarity_histogram_max_work,
                          cfg.similarity_histogram_sample, hs, &nz);
        if (hs.exact) r.pls_pairs_nonzero += nz;
        jaccard_histogram(ips, cfg.similarity_histogram_bins, cfg.similarity_histogram_max_work,
                          cfg.similarity_histogram_sample, hi, nullptr);
        merge_hist(r.jaccard_subnet_hist, hs);
        merge_hist(r.jaccard_ip_hist, hi);
        r.pls_pairs_total += eligible_pairs(subs);
    }
    std::sort(r.similar_pairs.begin(), r.similar_pairs.end(), [](const SimilarPair& a, const SimilarPair& b) {
        return a.a != b.a ? a.a < b.a : a.b < b.b; });
    for (auto& p : r.peers) {
        auto it = high_by_ip.find(p.ip);
        if (it == high_by_ip.end()) continue;
        p.pls_high_pairs = it->second;
        p.pls_max_jaccard = maxj_by_ip[p.ip];
        if (p.pls_high_pairs >= cfg.pls_min_high_pairs) {
            p.classes |= class_bit(AnomalyClass::PLS);
            p.evidence.push_back("PLS: lists in " + std::to_string(p.pls_high_pairs) + " pair(s) with /24 Jaccard above " +
                                 fmt_double(cfg.pls_jaccard_above, 3) + " (threshold: >= " + std::to_string(cfg.pls_min_high_pairs) +
                                 " pairs; max " + fmt_double(p.pls_max_jaccard, 3) + ")");
        }
    }

    // Sender-level similarity: union of all announced IPs per non-vantage sender (all vantages).
    std::map<IpId, std::vector<uint32_t>> per_sender;
    for (const auto& l : m.peer_lists) {
        if (l.from_vantage || ctx.is_vantage(l.source)) continue;
        auto& v = per_sender[l.source];
        v.insert(v.end(), m.list_begin(l), m.list_end(l));
    }
    SetCollection s_sub, s_ip;
    std::vector<IpId> senders;
    for (auto& [src, v] : per_sender) {
        std::sort(v.begin(), v.end());
        v.erase(std::unique(v.begin(), v.end()), v.end());
        if (v.size() < cfg.sender_similarity_min_unique) continue;
        senders.push_back(src);
        s_ip.add(v, uint32_t(senders.size()));
        for (auto& x : v) x = ctx.subnet_of[x];
        add_sorted(s_sub, v, uint32_t(senders.size()));
    }
    r.sender_pairs.clear();
    for (const auto& jp : jaccard_join(s_sub, cfg.sender_similarity_above, cfg.threads)) {
        const uint32_t ii = intersect_count(s_ip.items.data() + s_ip.offsets[jp.a], s_ip.items.data() + s_ip.offsets[jp.a + 1],
                                            s_ip.items.data() + s_ip.offsets[jp.b], s_ip.items.data() + s_ip.offsets[jp.b + 1]);
        const uint32_t iu = s_ip.set_size(jp.a) + s_ip.set_size(jp.b) - ii;
        SenderPair sp;
        sp.a = std::min(senders[jp.a], senders[jp.b]);
        sp.b = std::max(senders[jp.a], senders[jp.b]);
        sp.jaccard_subnet = double(jp.inter) / double(jp.uni);
        sp.jaccard_ip = iu ? double(ii) / double(iu) : 0.0;
        r.sender_pairs.push_back(sp);
    }
    std::sort(r.sender_pairs.begin(), r.sender_pairs.end(), [](const SenderPair& a, const SenderPair& b) {
        return a.a != b.a ? a.a < b.a : a.b < b.b; });
}

} // namespace msc::metrics

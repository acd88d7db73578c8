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
    std::unordered_map<IpId, uint64_t> high_by_ip;
    std::unordered_map<IpId, double> maxj_by_ip;
    r.similar_pairs.clear();
    r.jaccard_subnet_hist = Histogram{};
    r.jaccard_ip_hist = Histogram{};
    r.pls_pairs_total = 0;
    r.pls_pairs_nonzero = 0;
    r.pls_high_list_pairs = 0;
    r.pls_distinct_sets = 0;
    uint32_t set_base = 0;   // distinct set ids are numbered across partitions
    std::vector<uint32_t> tmp;
    for (const auto& [part, idx] : parts) {
        SetCollection subs, ips;
        {   // exact upper bounds: no growth copies of the partition's largest arrays
            size_t entries = 0;
            for (uint32_t i : idx) entries += m.peer_lists[i].size_ip();
            for (SetCollection* c : {&subs, &ips}) {
                c->items.reserve(entries);
                c->offsets.reserve(idx.size() + 1);
                c->group.reserve(idx.size());
            }
        }
        for (uint32_t i : idx) {
            const auto& l = m.peer_lists[i];
            tmp.assign(m.list_begin(l), m.list_end(l));
            add_sorted(ips, tmp, l.source);
            for (auto& x : tmp) x = ctx.subnet_of[x];
            add_sorted(subs, tmp, l.source);
            if (auto it = list_pos.find(l.id); it != list_pos.end()) r.lists[it->second].pls_eligible = true;
        }
        // Identical /24 sets collapsed; per-list and per-source counts exact, in closed form
        // for identical lists (jaccard_join.hpp: dedup_join).
        const DedupJoin dj = dedup_join(subs, cfg.pls_jaccard_above, cfg.threads);
        for (size_t k = 0; k < idx.size(); ++k) {
            const auto& l = m.peer_lists[idx[k]];
            if (auto it = list_pos.find(l.id); it != list_pos.end()) {
                auto& lr = r.lists[it->second];
                lr.pls_set = int64_t(set_base + dj.set_of[k]);
                lr.pls_high_pairs = dj.list_high[k];
                lr.pls_max_jaccard = dj.list_max_j[k];
            }
            if (dj.list_high[k] == 0) continue;
            high_by_ip[l.source] += dj.list_high[k];
            auto& mj = maxj_by_ip[l.source];
            mj = std::max(mj, dj.list_max_j[k]);
        }
        // One row per high pair of distinct sets, with a representative list pair.
        auto row = [&](uint32_t sa, uint32_t sb, double js, uint64_t list_pairs) {
            // First member of sa, and the first member of sb from another source; if sb has
            // none (all of sb from that source), the first member of sa from another source.
            uint32_t ka = dj.members[dj.member_off[sa]], kb = UINT32_MAX;
            for (uint64_t w = dj.member_off[sb]; w < dj.member_off[sb + 1] && kb == UINT32_MAX; ++w)
                if (subs.group[dj.members[w]] != subs.group[ka]) kb = dj.members[w];
            if (kb == UINT32_MAX) {
                const uint32_t y = dj.members[dj.member_off[sb]];
                for (uint64_t q = dj.member_off[sa]; q < dj.member_off[sa + 1] && kb == UINT32_MAX; ++q)
                    if (subs.group[dj.members[q]] != subs.group[y]) { ka = dj.members[q]; kb = y; }
            }
            if (kb == UINT32_MAX) return;   // cannot happen: list_pairs >= 1 needs two sources
            const auto& la = m.peer_lists[idx[ka]];
            const auto& lb = m.peer_lists[idx[kb]];
            const uint32_t ii = intersect_count(ips.items.data() + ips.offsets[ka], ips.items.data() + ips.offsets[ka + 1],
                                                ips.items.data() + ips.offsets[kb], ips.items.data() + ips.offsets[kb + 1]);
            const uint32_t iu = ips.set_size(ka) + ips.set_size(kb) - ii;
            SimilarPair sp;
            sp.a = std::min(la.id, lb.id);
            sp.b = std::max(la.id, lb.id);
            sp.jaccard_subnet = js;
            sp.jaccard_ip = iu ? double(ii) / double(iu) : 0.0;
            sp.cross_vantage = la.vantage != lb.vantage;
            sp.set_a = set_base + sa;
            sp.set_b = set_base + sb;
            sp.list_pairs = list_pairs;
            r.similar_pairs.push_back(sp);
        };
        for (uint32_t k = 0; k < dj.set_self_pairs.size(); ++k)
            if (dj.set_self_pairs[k]) row(k, k, 1.0, dj.set_self_pairs[k]);
        for (size_t k = 0; k < dj.pairs.size(); ++k)
            row(dj.pairs[k].a, dj.pairs[k].b, double(dj.pairs[k].inter) / double(dj.pairs[k].uni), dj.pair_lists[k]);
        r.pls_high_list_pairs += dj.high_list_pairs;
        r.pls_distinct_sets += dj.set_rep.size();
        set_base += uint32_t(dj.set_rep.size());
        Histogram hs, hi;
        uint64_t nz = 0;
        jaccard_histogram(subs, cfg.similarity_histogram_bins, cfg.similarity_histogram_max_work,
                          cfg.similarity_histogram_sample, hs, &nz, cfg.threads);
        if (hs.exact) r.pls_pairs_nonzero += nz;
        jaccard_histogram(ips, cfg.similarity_histogram_bins, cfg.similarity_histogram_max_work,
                          cfg.similarity_histogram_sample, hi, nullptr, cfg.threads);
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
    std::map<IpId, DistinctIds> per_sender;
    for (const auto& l : m.peer_lists) {
        if (l.from_vantage || ctx.is_vantage(l.source)) continue;
        per_sender[l.source].add(m.list_begin(l), m.list_end(l));
    }
    SetCollection s_sub, s_ip;
    std::vector<IpId> senders;
    for (auto& [src, acc] : per_sender) {
        std::vector<uint32_t> v = acc.take();   // freed sender by sender
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

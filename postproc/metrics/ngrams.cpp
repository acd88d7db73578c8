// Frequent command-sequence patterns per anomaly class: n-grams (n in [ngram_n_min, ngram_n_max])
// of event tokens ("P1001q" = peer's 1001 request, "V1002r" = vantage's 1002 response, ...) over
// the first ngram_max_events events of every categorised connection, grouped by the classes of
// the connection's peer (and "standard" for peers not non-standard); top ngram_top per group.
// Also picks timeline samples (first connections of each group by start time).
#include "metrics/internal.hpp"

#include <map>

namespace msc::metrics {

void ngrams(const Ctx& ctx, AnalysisResult& r) {
    const Config& cfg = ctx.cfg;
    std::map<std::string, std::map<std::string, uint64_t>> counts;
    std::map<std::string, uint32_t> samples;
    r.timeline_samples.clear();
    std::vector<std::string> tok;
    for (const auto& c : r.connections) {
        if (c.category == ConnCategory::TooShort) continue;
        const PeerResult* p = ctx.peer(r, c.peer);
        std::vector<std::string> groups;
        if (p && p->non_standard) {
            for (unsigned k = 0; k < kNsClassCount; ++k)
                if (p->classes & (1u << k)) groups.push_back(class_label(AnomalyClass(k)));
        } else {
            groups.push_back("standard");
        }
        tok.clear();
        size_t a = 0;
        while (a < c.sequence.size()) {
            size_t b = c.sequence.find(' ', a);
            if (b == std::string::npos) b = c.sequence.size();
            tok.emplace_back(c.sequence.substr(a, b - a));
            a = b + 1;
        }
        for (const auto& g : groups) {
            auto& cg = counts[g];
            for (uint32_t n = std::max(1u, cfg.ngram_n_min); n <= cfg.ngram_n_max; ++n) {
                for (size_t i = 0; i + n <= tok.size(); ++i) {
                    std::string pat = tok[i];
                    for (size_t j = 1; j < n; ++j) pat += ' ' + tok[i + j];
                    ++cg[pat];
                }
            }
            if (samples[g] < cfg.timeline_samples_per_class) {
                ++samples[g];
                r.timeline_samples.push_back({c.id, g});
            }
        }
    }
    r.ngrams.clear();
    for (auto& [g, m] : counts) {
        std::vector<std::pair<std::string, uint64_t>> v(m.begin(), m.end());
        std::sort(v.begin(), v.end(), [](const auto& x, const auto& y) {
            return x.second != y.second ? x.second > y.second : x.first < y.first; });
        if (v.size() > cfg.ngram_top) v.resize(cfg.ngram_top);
        for (auto& [pat, n] : v) r.ngrams.push_back({g, pat, n});
    }
}

} // namespace msc::metrics

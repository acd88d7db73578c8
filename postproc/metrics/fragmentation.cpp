// Packet fragmentation (analysis-methods.md §4.9): signature-only first segments per peer and
// overall, and the segments-per-message distribution. Sig = peers that sent >= 1 message whose
// first TCP segment was exactly the 8 signature bytes (flagged per message by the dissector,
// i.e. only segments that start a Levin message — fixes §9.13).
#include "metrics/internal.hpp"

namespace msc::metrics {

void fragmentation(const Ctx& ctx, AnalysisResult& r) {
    for (auto& p : r.peers) {
        const PeerNode& n = ctx.m.peers.at(p.ip);
        p.sig_only_msgs = n.sig_only_msgs;
        if (n.sig_only_msgs > 0 && p.connecting) {
            p.classes |= class_bit(AnomalyClass::Sig);
            p.evidence.push_back("Sig: " + std::to_string(n.sig_only_msgs) + " of " + std::to_string(n.messages_sent) +
                                 " messages began with a signature-only TCP segment (threshold: any); " +
                                 evidence_frames(ctx.m, n.sig_only_evidence, ctx.cfg.evidence_max_items));
        }
    }
    const auto& s = ctx.m.segments;
    r.summary.sigOnlyMessages = s.sig_only;
    r.summary.headerSplitMessages = s.header_split;
    r.segments_dist.clear();
    for (size_t k = 0; k < s.segments_histogram.size(); ++k)
        if (s.segments_histogram[k] > 0) r.segments_dist.emplace_back(uint64_t(k), s.segments_histogram[k]);
}

} // namespace msc::metrics

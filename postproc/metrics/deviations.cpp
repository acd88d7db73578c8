// Evident deviations (analysis-methods.md §4.1, §4.2):
//  SFO — a peer sent a 1001 whose node_data was fully decoded and has no support_flags.
//        Handshakes whose node_data did not decode are counted apart, never as SFO (§9.12).
//  LST — a peer sent a peer list with at least one entry carrying last_seen (int64, type 1).
#include "metrics/internal.hpp"

namespace msc::metrics {

void deviations(const Ctx& ctx, AnalysisResult& r) {
    const size_t maxev = ctx.cfg.evidence_max_items;
    for (auto& p : r.peers) {
        const PeerNode& n = ctx.m.peers.at(p.ip);
        std::vector<Evidence> sfo_ev;
        for (const auto& h : n.handshakes) {
            ++p.handshakes;
            if (!h.node_decoded) { ++p.undecoded_handshakes; continue; }
            if (!h.has_support_flags) {
                ++p.sfo_messages;
                if (sfo_ev.size() < maxev) sfo_ev.push_back({h.vantage, h.input, h.frame, h.time_ns});
            }
        }
        p.support_flags_msgs = n.support_flags_msgs;
        if (p.sfo_messages > 0) {
            p.classes |= class_bit(AnomalyClass::SFO);
            p.evidence.push_back("SFO: " + std::to_string(p.sfo_messages) + " of " + std::to_string(p.handshakes) +
                                 " handshake messages without support_flags (threshold: any); " +
                                 evidence_frames(ctx.m, sfo_ev, maxev));
        }
        p.lists_sent = n.lists_sent;
        p.lst_lists = n.lists_with_last_seen;
        p.lst_entries = n.last_seen_entries;
    }
    // Lists in the model are authoritative where they carry more than the node counters.
    std::unordered_map<IpId, std::pair<uint64_t, uint64_t>> from_lists;   // lists, entries
    std::unordered_map<IpId, uint64_t> lists_total;
    for (const auto& l : ctx.m.peer_lists) {
        ++lists_total[l.source];
        if (l.last_seen_entries > 0) {
            auto& e = from_lists[l.source];
            ++e.first;
            e.second += l.last_seen_entries;
        }
    }
    for (auto& p : r.peers) {
        if (auto it = lists_total.find(p.ip); it != lists_total.end()) p.lists_sent = std::max(p.lists_sent, it->second);
        if (auto it = from_lists.find(p.ip); it != from_lists.end()) {
            p.lst_lists = std::max(p.lst_lists, it->second.first);
            p.lst_entries = std::max(p.lst_entries, it->second.second);
        }
        if (p.lst_lists > 0) {
            p.classes |= class_bit(AnomalyClass::LST);
            p.evidence.push_back("LST: " + std::to_string(p.lst_lists) + " of " + std::to_string(p.lists_sent) +
                                 " peer lists with last_seen (" + std::to_string(p.lst_entries) +
                                 " entries; threshold: any); " +
                                 evidence_frames(ctx.m, ctx.m.peers.at(p.ip).last_seen_evidence, ctx.cfg.evidence_max_items));
        }
    }
}

} // namespace msc::metrics

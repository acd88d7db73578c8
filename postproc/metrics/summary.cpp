// Summary (analysis-methods.md §6, §8): NS set, class sizes in IPs and ASNs, overlap matrices,
// share of non-standard peers among connecting IPs, inbound-initiating IPs (the reference's
// "reachable") and really reachable IPs (a vantage completed an outgoing handshake), ban-list
// comparisons, connection saturation over time by class, peer-list poisoning, results.tex macros.
#include "metrics/internal.hpp"

#include <cmath>
#include <map>
#include <set>

namespace msc::metrics {

namespace {

constexpr AnomalyClass kAll[kClassCount] = {AnomalyClass::SFO, AnomalyClass::LST, AnomalyClass::PLD, AnomalyClass::PLS,
                                            AnomalyClass::ID,  AnomalyClass::SlC, AnomalyClass::Ping, AnomalyClass::TS,
                                            AnomalyClass::Sig, AnomalyClass::Sub, AnomalyClass::Ban};

bool counted(const PeerResult& p, AnomalyClass c) { return (p.classes & class_bit(c)) && !p.allow_listed; }

struct Sweep {
    // Per vantage: events (second, class, delta).
    struct Ev { int64_t s; int cls; int delta; };
    std::map<uint32_t, std::vector<Ev>> per_v;
};

void saturation(const Ctx& ctx, AnalysisResult& r, const std::vector<int>& conn_class) {
    const Config& cfg = ctx.cfg;
    Summary& sm = r.summary;
    r.saturation.clear();
    for (int dir = 0; dir < 2; ++dir) {
        Sweep sw;
        for (size_t i = 0; i < r.connections.size(); ++i) {
            const auto& c = r.connections[i];
            if (c.category == ConnCategory::TooShort || int(c.direction) != dir) continue;
            auto floor_s = [](int64_t ns) { return ns >= 0 ? ns / 1000000000 : -((-ns + 999999999) / 1000000000); };
            const int64_t a = floor_s(c.start_ns), b = floor_s(c.start_ns + c.duration_ns);
            sw.per_v[c.vantage].push_back({a, conn_class[i], +1});
            sw.per_v[c.vantage].push_back({b, conn_class[i], -1});
        }
        if (sw.per_v.empty()) continue;
        const double nv = double(sw.per_v.size());
        // Breakpoints: every event second and every span end + 1.
        std::vector<int64_t> bp;
        std::vector<std::pair<int64_t, int64_t>> spans;
        for (auto& [v, evs] : sw.per_v) {
            std::sort(evs.begin(), evs.end(), [](const Sweep::Ev& x, const Sweep::Ev& y) { return x.s < y.s; });
            spans.push_back({evs.front().s, evs.back().s});
            for (const auto& e : evs) bp.push_back(e.s);
            bp.push_back(evs.back().s + 1);
        }
        std::sort(bp.begin(), bp.end());
        bp.erase(std::unique(bp.begin(), bp.end()), bp.end());
        std::vector<std::array<long, 3>> cur(sw.per_v.size(), {0, 0, 0});
        std::vector<size_t> pos(sw.per_v.size(), 0);
        std::vector<std::vector<Sweep::Ev>*> evsv;
        std::vector<uint32_t> vids;
        for (auto& [v, evs] : sw.per_v) { evsv.push_back(&evs); vids.push_back(v); }
        // Plot series per vantage.
        std::vector<SaturationSeries> series(evsv.size());
        int64_t bin = std::max<int64_t>(1, cfg.saturation_series_bin_s);
        for (size_t k = 0; k < evsv.size(); ++k) {
            int64_t span = spans[k].second - spans[k].first + 1;
            while (span / bin > 2000000) bin *= 2;
        }
        for (size_t k = 0; k < evsv.size(); ++k) {
            auto& S = series[k];
            S.vantage = vids[k];
            S.direction = Direction(dir);
            S.start_s = spans[k].first;
            S.bin_s = bin;
            const size_t nb = size_t((spans[k].second - spans[k].first) / bin + 1);
            S.standard.assign(nb, 0);
            S.anomalous.assign(nb, 0);
            S.adversarial.assign(nb, 0);
        }
        long double share[3] = {0, 0, 0}, mean[3] = {0, 0, 0};
        long double active = 0, covered = 0;
        for (size_t bi = 0; bi + 1 < bp.size(); ++bi) {
            const int64_t s0 = bp[bi], s1 = bp[bi + 1];
            for (size_t k = 0; k < evsv.size(); ++k) {
                auto& evs = *evsv[k];
                while (pos[k] < evs.size() && evs[pos[k]].s == s0) {
                    cur[k][size_t(evs[pos[k]].cls)] += evs[pos[k]].delta;
                    ++pos[k];
                }
            }
            bool cov = false;
            for (const auto& sp : spans) if (s0 >= sp.first && s0 <= sp.second) { cov = true; break; }
            if (!cov) continue;
            const long double len = (long double)(s1 - s0);
            long double avg[3] = {0, 0, 0};
            for (size_t k = 0; k < evsv.size(); ++k)
                for (int c = 0; c < 3; ++c) avg[c] += (long double)std::max(0L, cur[k][size_t(c)]);
            for (auto& a : avg) a /= nv;
            const long double tot = avg[0] + avg[1] + avg[2];
            covered += len;
            for (int c = 0; c < 3; ++c) mean[c] += len * avg[c];
            if (tot > 0) {
                active += len;
                for (int c = 0; c < 3; ++c) share[c] += len * avg[c] / tot;
            }
            // Series: add per-second values of each vantage into its bins.
            for (size_t k = 0; k < evsv.size(); ++k) {
                auto& S = series[k];
                int64_t a = std::max(s0, spans[k].first), b = std::min(s1, spans[k].second + 1);
                while (a < b) {
                    const int64_t bidx = (a - S.start_s) / bin;
                    const int64_t bend = std::min(b, S.start_s + (bidx + 1) * bin);
                    const double w = double(bend - a) / double(bin);
                    S.standard[size_t(bidx)] += w * double(std::max(0L, cur[k][0]));
                    S.anomalous[size_t(bidx)] += w * double(std::max(0L, cur[k][1]));
                    S.adversarial[size_t(bidx)] += w * double(std::max(0L, cur[k][2]));
                    a = bend;
                }
            }
        }
        const double sat = active > 0 ? double(share[1] / active * 100) : 0.0;
        const double adv = active > 0 ? double(share[2] / active * 100) : 0.0;
        const double tm = covered > 0 ? double(mean[1] / covered) : 0.0;
        const double ta = covered > 0 ? double(mean[2] / covered) : 0.0;
        if (dir == int(Direction::Incoming)) {
            sm.incomingConnSat = sat; sm.incomingConnSatAdv = adv;
            sm.totalincomingConnSat = tm; sm.totalincomingConnSatAdv = ta;
        } else {
            sm.outgoingConnSat = sat; sm.outgoingConnSatAdv = adv;
            sm.totaloutgoingConnSat = tm; sm.totaloutgoingConnSatAdv = ta;
        }
        for (auto& S : series) r.saturation.push_back(std::move(S));
    }
    std::sort(r.saturation.begin(), r.saturation.end(), [](const SaturationSeries& a, const SaturationSeries& b) {
        return a.vantage != b.vantage ? a.vantage < b.vantage : a.direction < b.direction; });
}

} // namespace

void summary(const Ctx& ctx, AnalysisResult& r) {
    const Config& cfg = ctx.cfg;
    const Model& m = ctx.m;
    Summary& s = r.summary;
    s.totalPackets = m.total_messages;
    if (auto it = m.messages_by_command.find(cmd::SupportFlags); it != m.messages_by_command.end()) s.SFRpackets = it->second;

    // Class sets.
    std::vector<std::set<IpId>> ipset(kClassCount);
    std::vector<std::set<uint32_t>> asnset(kClassCount);
    std::set<uint32_t> reuse_asn, cluster_asn;
    uint64_t reuse_ips = 0, cluster_ips = 0;
    std::set<uint32_t> ns_subnets;
    for (auto& p : r.peers) {
        bool ns = false;
        for (size_t c = 0; c < kClassCount; ++c) {
            if (!counted(p, kAll[c])) continue;
            ipset[c].insert(p.ip);
            if (p.asn) asnset[c].insert(*p.asn);
            if (c < kNsClassCount) ns = true;
        }
        bool flagged_any = false;
        for (size_t c = 0; c < kNsClassCount; ++c) flagged_any |= (p.classes & class_bit(kAll[c])) != 0;
        if (flagged_any && p.allow_listed) ++s.allowListedFlagged;
        p.non_standard = ns;
        if (!p.allow_listed && p.id_reuse_events > 0) { ++reuse_ips; if (p.asn) reuse_asn.insert(*p.asn); }
        if (!p.allow_listed && p.id_cluster >= 0) { ++cluster_ips; if (p.asn) cluster_asn.insert(*p.asn); }
        if (ns) {
            ++s.totalSusPeers;
            ns_subnets.insert(ctx.subnet_of[p.ip]);
            if (p.inbound_initiating) ++s.susAndReachable;
            if (p.reachable) ++s.susAndTrulyReachable;
        }
        if (p.reachable) ++s.reachableIPs;
        if (p.ping_id_mismatch) ++s.pingIdMismatchIPs;
        s.undecodedHandshakes += p.undecoded_handshakes;
    }
    auto sz = [&](AnomalyClass c) { return uint64_t(ipset[size_t(c)].size()); };
    auto asz = [&](AnomalyClass c) { return uint64_t(asnset[size_t(c)].size()); };
    s.totalUniqueIPssupportflag = sz(AnomalyClass::SFO); s.UniqueASNsSupportFlag = asz(AnomalyClass::SFO);
    s.totalUniqueIPslastseen = sz(AnomalyClass::LST); s.UniqueASNsLastSeen = asz(AnomalyClass::LST);
    s.totalUniqueIPsPLDiv = sz(AnomalyClass::PLD); s.UniqueASNsPLDiv = asz(AnomalyClass::PLD);
    s.totalUniqueIPsPLSim = sz(AnomalyClass::PLS); s.UniqueASNsPLSim = asz(AnomalyClass::PLS);
    s.totalUniqueIPsShortTwo = sz(AnomalyClass::SlC); s.UniqueASNsShortTwo = asz(AnomalyClass::SlC);
    s.uniqueIPsthrottledTS = sz(AnomalyClass::TS); s.UniqueASNsthrottledTS = asz(AnomalyClass::TS);
    s.pingFloodingIPs = sz(AnomalyClass::Ping); s.pingFloodingASNs = asz(AnomalyClass::Ping);
    s.totalUniqueIPsSign = sz(AnomalyClass::Sig); s.UniqueASNsSign = asz(AnomalyClass::Sig);
    s.uniqueIPsIDAnom = reuse_ips; s.uniqueASIDAnom = reuse_asn.size();
    s.uniqueIDclusterIPs = cluster_ips; s.uniqueIDclusterASs = cluster_asn.size();
    s.numIDcluster = r.id_clusters.size();
    s.uniqueIDIPinterIPs = sz(AnomalyClass::ID); s.uniqueIDIPinterASNs = asz(AnomalyClass::ID);
    const double c_n = double(s.totalUniqueIPs);
    s.percentageAnomNet = c_n > 0 ? double(s.totalSusPeers) / c_n * 100 : 0;
    s.percentageAnomReach = c_n > 0 ? double(s.susAndReachable) / c_n * 100 : 0;
    s.percentageAnomTrulyReach = s.reachableIPs ? double(s.susAndTrulyReachable) / double(s.reachableIPs) * 100 : 0;
    s.totalAnomalous = s.totalSusPeers;
    s.myUniquensPeers = 0;
    for (const auto& p : r.peers)
        if (p.non_standard && !(p.classes & class_bit(AnomalyClass::Ban))) ++s.myUniquensPeers;

    // Overlap matrices.
    r.overlap = OverlapMatrix{};
    for (size_t i = 0; i < kClassCount; ++i) r.overlap.labels.push_back(class_label(kAll[i]));
    r.overlap.ips.assign(kClassCount, std::vector<uint64_t>(kClassCount, 0));
    r.overlap.asns.assign(kClassCount, std::vector<uint64_t>(kClassCount, 0));
    for (size_t i = 0; i < kClassCount; ++i)
        for (size_t j = 0; j < kClassCount; ++j) {
            uint64_t n = 0, a = 0;
            for (IpId ip : ipset[i]) n += ipset[j].count(ip);
            for (uint32_t x : asnset[i]) a += asnset[j].count(x);
            r.overlap.ips[i][j] = n;
            r.overlap.asns[i][j] = a;
        }

    // Ban-list comparisons (prefix matching, per class and NS).
    r.ban_comparisons.clear();
    for (const auto& bl : ctx.en.ban_lists) {
        BanComparison bc;
        bc.name = bl.name;
        bc.version = bl.header;
        bc.entries = bl.stats.entries;
        bc.cidrs = bl.stats.cidrs;
        bc.addresses = bl.stats.v4_addresses;
        for (const auto& p : r.peers) {
            const bool listed = std::find(p.ban_lists.begin(), p.ban_lists.end(), bl.name) != p.ban_lists.end();
            if (p.connecting && listed) {
                ++bc.listed_connecting;
                if (!p.non_standard) ++bc.listed_not_flagged;
            }
            for (size_t c = 0; c < kNsClassCount; ++c)
                if (counted(p, kAll[c])) ++(listed ? bc.flagged_listed : bc.flagged_unlisted)[c];
            if (p.non_standard) ++(listed ? bc.flagged_listed : bc.flagged_unlisted)[kNsClassCount];
        }
        r.ban_comparisons.push_back(std::move(bc));
        r.ban_list_versions.push_back(bl.name + ": " + (bl.header.empty() ? std::string("(no header)") : bl.header));
    }

    // Saturation: class of each connection by its peer.
    std::vector<int> conn_class(r.connections.size(), 0);
    std::set<uint32_t> adv_asn(cfg.adversarial_asns.begin(), cfg.adversarial_asns.end());
    for (size_t i = 0; i < r.connections.size(); ++i) {
        const PeerResult* p = ctx.peer(r, r.connections[i].peer);
        if (!p) continue;
        int k = p->non_standard ? 1 : 0;
        if (cfg.saturation_adversarial_split && !p->allow_listed &&
            ((p->classes & class_bit(AnomalyClass::Sig)) || (p->asn && adv_asn.count(*p->asn))))
            k = 2;
        conn_class[i] = k;
    }
    saturation(ctx, r, conn_class);

    // Peer-list poisoning: per (vantage, sender) with >= N distinct announced IPs.
    std::map<std::pair<uint32_t, IpId>, DistinctIds> ann;
    for (const auto& l : m.peer_lists) {
        const bool own = l.from_vantage || ctx.is_vantage(l.source);
        if (own && !cfg.poisoning_include_own_lists) continue;
        ann[{l.vantage, l.source}].add(m.list_begin(l), m.list_end(l));
    }
    long double share_sum = 0;
    uint64_t share_n = 0;
    std::vector<uint32_t> sn;
    for (auto& [key, acc] : ann) {
        const std::vector<uint32_t> v = acc.take();
        if (v.size() < cfg.poisoning_min_distinct) continue;
        sn.clear();
        for (IpId ip : v) sn.push_back(ctx.subnet_of[ip]);
        std::sort(sn.begin(), sn.end());
        sn.erase(std::unique(sn.begin(), sn.end()), sn.end());
        uint64_t hit = 0;
        for (uint32_t x : sn) hit += ns_subnets.count(x);
        share_sum += (long double)hit / (long double)sn.size();
        ++share_n;
    }
    s.avgPeerPoisoning = share_n ? double(share_sum / share_n * 100) : 0.0;

    // results.tex macros in the reference's order.
    r.macros.clear();
    auto I = [&](const char* n, uint64_t v) { r.macros.push_back({n, double(v), true, false}); };
    auto D = [&](const char* n, double v) { r.macros.push_back({n, v, false, false}); };
    auto S = [&](const char* n, double v) { r.macros.push_back({n, v, false, true}); };
    I("totalPackets", s.totalPackets);
    I("totalUniqueIPs", s.totalUniqueIPs);
    I("totalUniqueIPsPlusPL", s.totalUniqueIPsPlusPL);
    I("totalPeerLists", s.totalPeerLists);
    I("totalUniqueASs", s.totalUniqueASs);
    I("totalUniqueASsPlusPL", s.totalUniqueASsPlusPL);
    I("totalUniqueIPssupportflag", s.totalUniqueIPssupportflag);
    I("UniqueASNsSupportFlag", s.UniqueASNsSupportFlag);
    I("SFRpackets", s.SFRpackets);
    I("totalUniqueIPslastseen", s.totalUniqueIPslastseen);
    I("UniqueASNsLastSeen", s.UniqueASNsLastSeen);
    I("totalUniqueIPsPLDiv", s.totalUniqueIPsPLDiv);
    I("UniqueASNsPLDiv", s.UniqueASNsPLDiv);
    I("totalUniqueIPsPLSim", s.totalUniqueIPsPLSim);
    I("UniqueASNsPLSim", s.UniqueASNsPLSim);
    I("totalConnections", s.totalConnections);
    I("tcpAnomaliesIncHS", s.tcpAnomaliesIncHS);
    D("avgConnDuration", s.avgConnDuration);
    D("medConnDuration", s.medConnDuration);
    D("avgConnCommands", s.avgConnCommands);
    D("medConnCommands", s.medConnCommands);
    I("shortLivedConnsOne", s.shortLivedConnsOne);
    I("totalUniqueIPsShortTwo", s.totalUniqueIPsShortTwo);
    I("UniqueASNsShortTwo", s.UniqueASNsShortTwo);
    I("shortLivedOneMaxIP", s.shortLivedOneMaxIP);
    D("throttledTSmedianfreq", s.throttledTSmedianfreq);
    I("throttledTSConns", s.throttledTSConns);
    I("uniqueIPsthrottledTS", s.uniqueIPsthrottledTS);
    I("UniqueASNsthrottledTS", s.UniqueASNsthrottledTS);
    I("pingFloodingConns", s.pingFloodingConns);
    I("pingFloodingIPs", s.pingFloodingIPs);
    I("pingFloodingASNs", s.pingFloodingASNs);
    D("avgInDegree", s.avgInDegree);
    D("medianInDegree", s.medianInDegree);
    I("uniqueIPsIDAnom", s.uniqueIPsIDAnom);
    I("uniqueASIDAnom", s.uniqueASIDAnom);
    I("uniqueIDclusterIPs", s.uniqueIDclusterIPs);
    I("uniqueIDclusterASs", s.uniqueIDclusterASs);
    I("numIDcluster", s.numIDcluster);
    I("uniqueIDIPinterIPs", s.uniqueIDIPinterIPs);
    I("uniqueIDIPinterASNs", s.uniqueIDIPinterASNs);
    D("medianSubnetPeers", s.medianSubnetPeers);
    I("totalSusPeers", s.totalSusPeers);
    I("susAndReachable", s.susAndReachable);
    I("totalUniqueIPsSign", s.totalUniqueIPsSign);
    I("UniqueASNsSign", s.UniqueASNsSign);
    I("LionLinkPeers", s.LionLinkPeers);
    S("incomingConnSat", s.incomingConnSat);
    S("outgoingConnSat", s.outgoingConnSat);
    S("incomingConnSatAdv", s.incomingConnSatAdv);
    S("outgoingConnSatAdv", s.outgoingConnSatAdv);
    S("totalincomingConnSat", s.totalincomingConnSat);
    S("totaloutgoingConnSat", s.totaloutgoingConnSat);
    S("totalincomingConnSatAdv", s.totalincomingConnSatAdv);
    S("totaloutgoingConnSatAdv", s.totaloutgoingConnSatAdv);
    D("avgPeerPoisoning", s.avgPeerPoisoning);
    D("percentageAnomNet", s.percentageAnomNet);
    D("percentageAnomReach", s.percentageAnomReach);
    I("totalAnomalous", s.totalAnomalous);
    I("myUniquensPeers", s.myUniquensPeers);
}

} // namespace msc::metrics

#include "report/from_analysis.hpp"

#include "report/plots.hpp"
#include "report/svg.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <map>
#include <unordered_map>

namespace msc::report {

namespace {

std::string pct(double v) { return num(v, 2) + " %"; }
std::string count(uint64_t v) { return tick_label(static_cast<double>(v)); }

std::string as_label(const std::optional<uint32_t>& asn, const std::string& org) {
    if (!asn) return org;
    return "AS" + std::to_string(*asn) + (org.empty() ? "" : " " + org);
}

std::string subnet_label(const IpAddr& subnet, const Config& cfg) {
    return subnet.to_string() + (subnet.is_v4() ? "/24" : "/" + std::to_string(cfg.ipv6_subnet_bits));
}

// Sorted distinct values of a list's IPs and of their subnets.
void list_sets(const Model& m, const PeerList& l, const Config& cfg, std::vector<IpId>& ips,
               std::vector<IpAddr>& subnets) {
    ips.assign(m.list_begin(l), m.list_end(l));
    std::sort(ips.begin(), ips.end());
    ips.erase(std::unique(ips.begin(), ips.end()), ips.end());
    subnets.clear();
    for (IpId id : ips) subnets.push_back(m.ips.at(id).subnet(cfg.ipv6_subnet_bits));
    std::sort(subnets.begin(), subnets.end());
    subnets.erase(std::unique(subnets.begin(), subnets.end()), subnets.end());
}

template <class T> double jaccard(const std::vector<T>& a, const std::vector<T>& b) {
    if (a.empty() && b.empty()) return 0;
    size_t i = 0, j = 0, inter = 0;
    while (i < a.size() && j < b.size()) {
        if (a[i] < b[j]) ++i;
        else if (b[j] < a[i]) ++j;
        else { ++inter; ++i; ++j; }
    }
    return static_cast<double>(inter) / static_cast<double>(a.size() + b.size() - inter);
}

// Evenly spaced deterministic sample of at most n indices.
std::vector<size_t> spread(const std::vector<size_t>& v, size_t n) {
    if (v.size() <= n) return v;
    std::vector<size_t> out;
    for (size_t k = 0; k < n; ++k) out.push_back(v[k * v.size() / n]);
    return out;
}

BinnedHistogram from_result(const Histogram& h) {
    BinnedHistogram b;
    b.lo = h.lo;
    b.hi = h.hi;
    b.counts = h.counts;
    if (!b.counts.empty()) b.counts[0] += h.zero;   // J == 0 belongs to the first bin
    b.total = h.total;
    b.exact = h.exact;
    return b;
}

} // namespace

std::string utc_time(int64_t ns) {
    std::time_t t = static_cast<std::time_t>(ns / 1000000000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return buf;
}

BinnedHistogram rebin(const BinnedHistogram& h, size_t max_bins) {
    if (max_bins == 0 || h.counts.size() <= max_bins) return h;
    size_t factor = (h.counts.size() + max_bins - 1) / max_bins;
    while (factor < h.counts.size() && h.counts.size() % factor != 0) ++factor;
    BinnedHistogram out = h;
    out.counts.assign(h.counts.size() / factor, 0);
    for (size_t i = 0; i < h.counts.size(); ++i) out.counts[i / factor] += h.counts[i];
    return out;
}

ReportData from_analysis(const Model& m, const AnalysisResult& r, const Config& cfg,
                         const std::vector<FileLink>& files, const FromAnalysisOptions& opt) {
    ReportData d;
    const Summary& s = r.summary;
    d.title = "moneroscope report";
    std::string vantages;
    for (auto& v : m.vantages)
        vantages += (vantages.empty() ? "" : ", ") + v.id + " (" + v.ip.to_string() + (v.ip_inferred ? ", inferred" : "") + ")";
    d.subtitle = "preset " + r.preset + " · " +
                 (r.capture_first_ns ? utc_time(r.capture_first_ns) + " – " + utc_time(r.capture_last_ns) : "no messages") +
                 " · vantages: " + (vantages.empty() ? "none" : vantages);

    auto add = [&](std::string label, std::string value, std::string note = {}) {
        d.summary.push_back({std::move(label), std::move(value), std::move(note)});
    };
    add("Messages analysed", count(s.totalPackets), "Levin messages of the kept commands, all vantages");
    add("Connecting IPs (C)", count(s.totalUniqueIPs), "distinct non-vantage IPs that sent a message");
    add("Non-standard IPs", count(s.totalSusPeers) + " (" + pct(s.percentageAnomNet) + ")", "union of the nine classes, % of C");
    add("NS that connected to V:18080", count(s.susAndReachable) + " (" + pct(s.percentageAnomReach) + ")",
        "the reference's 'reachable'");
    add("Reachable (handshake answered)", count(s.reachableIPs), "a vantage completed an outgoing handshake");
    add("Connections", count(s.totalConnections));
    add("Median connection duration", num(s.medConnDuration, 2) + " s", "mean " + num(s.avgConnDuration, 2) + " s");
    add("Peer lists from peers", count(s.totalPeerLists));
    add("IPs incl. peer lists", count(s.totalUniqueIPsPlusPL));
    add("Median in-degree", num(s.medianInDegree, 2), "mean " + num(s.avgInDegree, 2));
    add("SFO IPs", count(s.totalUniqueIPssupportflag), std::to_string(s.SFRpackets) + " support-flags (1007) messages");
    add("LST IPs", count(s.totalUniqueIPslastseen));
    add("PLD IPs", count(s.totalUniqueIPsPLDiv));
    add("PLS IPs", count(s.totalUniqueIPsPLSim));
    add("ID anomaly IPs", count(s.uniqueIDIPinterIPs), std::to_string(s.numIDcluster) + " ID clusters");
    add("SlC IPs", count(s.totalUniqueIPsShortTwo), std::to_string(s.shortLivedConnsOne) + " connections < 1 s");
    add("Ping flooding IPs", count(s.pingFloodingIPs), std::to_string(s.pingFloodingConns) + " connections");
    add("Throttled TS IPs", count(s.uniqueIPsthrottledTS), "median TS interval " + num(s.throttledTSmedianfreq, 2) + " s");
    add("Sig-only IPs", count(s.totalUniqueIPsSign), std::to_string(s.sigOnlyMessages) + " messages");
    add("LinkingLion IPs (AS54098)", count(s.LionLinkPeers));
    add("Anomalous incoming saturation", pct(s.incomingConnSat), "mean " + num(s.totalincomingConnSat, 2) + " active connections");
    add("Anomalous outgoing saturation", pct(s.outgoingConnSat), "mean " + num(s.totaloutgoingConnSat, 2) + " active connections");
    if (s.allowListedFlagged) add("Allow-listed (suppressed)", count(s.allowListedFlagged));

    // Figures.
    d.in_degree = r.in_degree_dist;
    d.jaccard_threshold = cfg.pls_jaccard_above;
    d.diversity_threshold = cfg.pld_diversity_below;
    d.ts_threshold = cfg.ts_interval_above_s;
    d.timeline_window = cfg.timeline_window_s;
    d.jaccard_ip_others = rebin(from_result(r.jaccard_ip_hist), opt.histogram_bins);
    d.jaccard_24_others = rebin(from_result(r.jaccard_subnet_hist), opt.histogram_bins);

    // Vantage pairs: each vantage's own lists against the other eligible lists seen at it (sampled).
    {
        std::vector<double> jip, j24;
        bool sampled = false;
        std::unordered_map<uint32_t, const ListResult*> lr;
        for (auto& l : r.lists) lr[l.id] = &l;
        for (uint32_t v = 0; v < m.vantages.size(); ++v) {
            std::vector<size_t> own, other;
            for (size_t i = 0; i < m.peer_lists.size(); ++i) {
                const PeerList& l = m.peer_lists[i];
                if (l.vantage != v || l.size_ip() < cfg.pls_min_list_size) continue;
                if (l.from_vantage) own.push_back(i);
                else if (auto it = lr.find(l.id); it != lr.end() && it->second->pls_eligible) other.push_back(i);
            }
            auto o = spread(own, opt.vantage_pairs_own_lists), t = spread(other, opt.vantage_pairs_other_lists);
            sampled |= o.size() < own.size() || t.size() < other.size();
            std::vector<std::vector<IpId>> tip(t.size());
            std::vector<std::vector<IpAddr>> tsub(t.size());
            for (size_t k = 0; k < t.size(); ++k) list_sets(m, m.peer_lists[t[k]], cfg, tip[k], tsub[k]);
            std::vector<IpId> oip;
            std::vector<IpAddr> osub;
            for (size_t a : o) {
                list_sets(m, m.peer_lists[a], cfg, oip, osub);
                for (size_t k = 0; k < t.size(); ++k) {
                    jip.push_back(jaccard(oip, tip[k]));
                    j24.push_back(jaccard(osub, tsub[k]));
                }
            }
        }
        d.jaccard_ip_vantage = binned(jip, 0, 1, opt.histogram_bins);
        d.jaccard_24_vantage = binned(j24, 0, 1, opt.histogram_bins);
        d.jaccard_ip_vantage.exact = d.jaccard_24_vantage.exact = !sampled;
    }

    for (auto& l : r.lists)
        if (l.pld_eligible) d.diversity.push_back(l.diversity);

    for (auto& sc : r.top_subnets)
        d.top_subnets.push_back({subnet_label(sc.subnet, cfg), as_label(sc.asn, sc.as_org), sc.connecting_ips, sc.all_ips});

    d.overlap.labels = r.overlap.labels;
    d.overlap.ips = r.overlap.ips;
    d.overlap.asns = r.overlap.asns;

    // Saturation: mean over vantages on the union of their time bins (missing = 0).
    {
        double t0 = static_cast<double>(r.capture_first_ns) / 1e9;
        double nv = std::max<double>(1, static_cast<double>(m.vantages.size()));
        for (int dir = 0; dir < 2; ++dir) {
            std::map<int64_t, std::array<double, 3>> sum;
            bool adversarial = false;
            for (auto& ser : r.saturation) {
                if ((ser.direction == Direction::Incoming) != (dir == 0)) continue;
                size_t n = std::max({ser.standard.size(), ser.anomalous.size(), ser.adversarial.size()});
                for (size_t i = 0; i < n; ++i) {
                    auto& cell = sum[ser.start_s + static_cast<int64_t>(i) * ser.bin_s];
                    if (i < ser.standard.size()) cell[0] += ser.standard[i];
                    if (i < ser.anomalous.size()) cell[1] += ser.anomalous[i];
                    if (i < ser.adversarial.size()) {
                        cell[2] += ser.adversarial[i];
                        adversarial |= ser.adversarial[i] > 0;
                    }
                }
            }
            if (sum.empty()) continue;
            const char* names[3] = {"non-anomalous", "anomalous", "adversarial"};
            for (int c = 0; c < 3; ++c) {
                if (c == 2 && !adversarial && !cfg.saturation_adversarial_split) continue;
                SaturationSeries out;
                out.incoming = dir == 0;
                out.cls = names[c];
                for (auto& [t, v] : sum) out.points.emplace_back(static_cast<double>(t) - t0, v[static_cast<size_t>(c)] / nv);
                d.saturation.push_back(std::move(out));
            }
        }
    }

    for (auto& c : r.connections)
        if (c.peer_ts_interval_s) d.ts_intervals.push_back(*c.peer_ts_interval_s);

    // Timelines: round-robin over the groups so every class gets an example.
    {
        std::unordered_map<uint32_t, const Connection*> conns;
        for (auto& c : m.connections) conns[c.id] = &c;
        std::unordered_map<uint32_t, const ConnectionResult*> cres;
        for (auto& c : r.connections) cres[c.id] = &c;
        std::vector<std::string> groups;
        std::map<std::string, std::vector<uint32_t>> by_group;
        for (auto& t : r.timeline_samples) {
            if (!by_group.count(t.group)) groups.push_back(t.group);
            by_group[t.group].push_back(t.connection);
        }
        for (size_t round = 0; d.timelines.size() < opt.max_timelines; ++round) {
            bool any = false;
            for (auto& g : groups) {
                auto& ids = by_group[g];
                if (round >= ids.size() || d.timelines.size() >= opt.max_timelines) continue;
                any = true;
                auto it = conns.find(ids[round]);
                if (it == conns.end()) continue;
                const Connection& c = *it->second;
                Timeline tl;
                tl.cls = g;
                if (auto cr = cres.find(c.id); cr != cres.end()) tl.cls += " · " + std::string(category_name(cr->second->category));
                std::string vid = c.vantage < m.vantages.size() ? m.vantages[c.vantage].id : "?";
                std::string peer = c.peer != kNoIp ? m.ips.at(c.peer).to_string() : "?";
                tl.title = peer + ":" + std::to_string(c.peer_port) +
                           (c.direction == Direction::Incoming ? " → " : " ← ") + vid + " (" +
                           (c.direction == Direction::Incoming ? "incoming" : "outgoing") + "), " +
                           std::to_string(c.events.size()) + " messages, " +
                           num(static_cast<double>(c.last_ns() - c.first_ns()) / 1e9, 1) + " s";
                for (auto& e : c.events)
                    tl.events.push_back({static_cast<double>(e.time_ns - c.first_ns()) / 1e9, e.command, e.from_peer,
                                         e.type == MsgType::Response});
                d.timelines.push_back(std::move(tl));
            }
            if (!any) break;
        }
    }

    // Anomaly table: every peer that matched a non-standard rule (allow-listed ones marked).
    uint32_t ns_mask = 0;
    for (size_t c = 0; c < kNsClassCount; ++c) ns_mask |= class_bit(static_cast<AnomalyClass>(c));
    for (auto& p : r.peers) {
        if (!p.non_standard && !(p.classes & ns_mask)) continue;
        AnomalyRow row;
        row.ip = p.addr.to_string();
        row.asn = as_label(p.asn, p.as_org);
        for (size_t c = 0; c < kClassCount; ++c)
            if (p.classes & class_bit(static_cast<AnomalyClass>(c))) row.classes.push_back(class_label(static_cast<AnomalyClass>(c)));
        if (p.allow_listed) row.classes.push_back("allow-listed");
        for (size_t v = 0; v < m.vantages.size() && v < 64; ++v)
            if (p.vantage_mask & (uint64_t{1} << v)) row.vantages += (row.vantages.empty() ? "" : ", ") + m.vantages[v].id;
        row.messages = p.messages_sent;
        row.connections = p.connections_in + p.connections_out;
        for (auto& e : p.evidence) row.evidence += (row.evidence.empty() ? "" : "\n") + e;
        d.anomalies.push_back(std::move(row));
    }

    d.files = files;
    for (auto& diag : r.diagnostics) d.notes.push_back(diag);
    if (!r.asn_source.empty()) d.notes.push_back("ASN data: " + r.asn_source);
    for (auto& b : r.ban_list_versions) d.notes.push_back("ban list " + b);
    if (m.input.malformed_lines)
        d.notes.push_back(std::to_string(m.input.malformed_lines) + " malformed ek lines skipped" +
                          (m.input.first_errors.empty() ? "" : " (first: " + m.input.first_errors.front() + ")"));
    return d;
}

} // namespace msc::report

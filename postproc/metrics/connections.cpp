// Connection anomalies (analysis-methods.md §4.6–§4.8), counted over ALL vantages and always
// attributed to the peer of the connection (fixes §9.1 and §9.7):
//  SlC  — peers with >= slc_min_connections short-lived (< 1 s) connections;
//  Ping — peers with >= 1 connection on which they sent > ping_above pings;
//  TS   — peers with >= 1 connection whose gated timed-sync interval exceeds the threshold.
// paper (category_precedence): a connection counts only through its precedence category.
// latest: rules are independent; SlC still requires both handshakes and not a 2-message ping
// exchange (the class is "handshake, then close").
#include "metrics/internal.hpp"

#include <map>

namespace msc::metrics {

namespace {
bool counts_slc(const Config& cfg, const ConnectionResult& c) {
    if (cfg.category_precedence) return c.category == ConnCategory::ShortLived1;
    const uint32_t f = c.rules;
    return (f & rule_bit(ConnRule::ShortLived1)) && !(f & rule_bit(ConnRule::IncompleteHs)) &&
           !(f & rule_bit(ConnRule::PingExchange)) && !(f & rule_bit(ConnRule::TooShort));
}
bool counts_ping(const Config& cfg, const ConnectionResult& c) {
    if (cfg.category_precedence) return c.category == ConnCategory::PingFlooding;
    return (c.rules & rule_bit(ConnRule::PingFlooding)) && !(c.rules & rule_bit(ConnRule::TooShort));
}
bool counts_ts(const Config& cfg, const ConnectionResult& c) {
    if (cfg.category_precedence) return c.category == ConnCategory::ThrottledTs;
    return (c.rules & rule_bit(ConnRule::ThrottledTs)) && !(c.rules & rule_bit(ConnRule::TooShort));
}
} // namespace

bool connection_counts_slc(const Config& cfg, const ConnectionResult& c) { return counts_slc(cfg, c); }
bool connection_counts_ping(const Config& cfg, const ConnectionResult& c) { return counts_ping(cfg, c); }
bool connection_counts_ts(const Config& cfg, const ConnectionResult& c) { return counts_ts(cfg, c); }

void connection_classes(const Ctx& ctx, AnalysisResult& r) {
    const Config& cfg = ctx.cfg;
    Summary& s = r.summary;
    std::vector<double> durations, commands, ts_intervals;
    struct Ev { std::vector<std::string> slc, ping, ts; };
    std::unordered_map<IpId, Ev> ev;
    auto note = [&](std::vector<std::string>& v, const ConnectionResult& c, const std::string& what) {
        if (v.size() >= cfg.evidence_max_items) return;
        const std::string vid = c.vantage < ctx.m.vantages.size() ? ctx.m.vantages[c.vantage].id : std::to_string(c.vantage);
        v.push_back(vid + " conn " + std::to_string(c.id) + " at " + ts_string(c.start_ns) + " " + what);
    };
    for (const auto& c : r.connections) {
        if (c.category == ConnCategory::TooShort) continue;
        ++s.totalConnections;
        durations.push_back(double(c.duration_ns) / 1e9);
        commands.push_back(double(c.messages));
        if (c.peer_ts_interval_s) ts_intervals.push_back(*c.peer_ts_interval_s);
        if (cfg.category_precedence) {
            if (c.category == ConnCategory::IncompleteTcp || c.category == ConnCategory::IncompleteHs) ++s.tcpAnomaliesIncHS;
        } else if (c.rules & (rule_bit(ConnRule::TcpAnomaly) | rule_bit(ConnRule::IncompleteHs))) {
            ++s.tcpAnomaliesIncHS;
        }
        PeerResult* p = ctx.peer(r, c.peer);
        if (c.rules & rule_bit(ConnRule::IncompleteHs) && p) ++p->incomplete_hs_conns;
        if (c.rules & rule_bit(ConnRule::NoTimedSync) && p) ++p->no_ts_conns;
        if (counts_slc(cfg, c)) {
            ++s.shortLivedConnsOne;
            if (p) { ++p->short_lived_conns; note(ev[c.peer].slc, c, fmt_double(double(c.duration_ns) / 1e9, 3) + " s"); }
        }
        if (counts_ping(cfg, c)) {
            ++s.pingFloodingConns;
            if (p) { ++p->ping_flood_conns; note(ev[c.peer].ping, c, std::to_string(c.peer_pings) + " pings"); }
        }
        if (counts_ts(cfg, c)) {
            ++s.throttledTSConns;
            if (p) {
                ++p->throttled_ts_conns;
                note(ev[c.peer].ts, c, "interval " + fmt_double(*c.peer_ts_interval_s) + " s");
            }
        }
    }
    s.avgConnDuration = mean_of(durations);
    s.medConnDuration = median_of(durations);
    s.avgConnCommands = mean_of(commands);
    s.medConnCommands = median_of(commands);
    s.throttledTSmedianfreq = median_of(ts_intervals);
    auto join = [](const std::vector<std::string>& v) {
        std::string o;
        for (const auto& x : v) o += (o.empty() ? "" : "; ") + x;
        return o;
    };
    for (auto& p : r.peers) {
        s.shortLivedOneMaxIP = std::max<uint64_t>(s.shortLivedOneMaxIP, p.short_lived_conns);
        const auto it = ev.find(p.ip);
        if (p.short_lived_conns >= cfg.slc_min_connections) {
            p.classes |= class_bit(AnomalyClass::SlC);
            p.evidence.push_back("SlC: " + std::to_string(p.short_lived_conns) + " connections shorter than " +
                                 fmt_double(cfg.short_lived_below_s) + " s after a complete handshake (threshold: >= " +
                                 std::to_string(cfg.slc_min_connections) + "); " + (it != ev.end() ? join(it->second.slc) : ""));
        }
        if (p.ping_flood_conns > 0) {
            p.classes |= class_bit(AnomalyClass::Ping);
            p.evidence.push_back("Ping: " + std::to_string(p.ping_flood_conns) + " connection(s) with more than " +
                                 std::to_string(cfg.ping_above) + " pings from the peer; " +
                                 (it != ev.end() ? join(it->second.ping) : ""));
        }
        if (p.throttled_ts_conns > 0) {
            p.classes |= class_bit(AnomalyClass::TS);
            p.evidence.push_back("TS: " + std::to_string(p.throttled_ts_conns) + " connection(s) with timed-sync interval above " +
                                 fmt_double(cfg.ts_interval_above_s) + " s (duration > " + fmt_double(cfg.ts_min_duration_above_s, 0) +
                                 " s, own interval < " + fmt_double(cfg.ts_own_interval_below_s) + " s); " +
                                 (it != ev.end() ? join(it->second.ts) : ""));
        }
    }
}

} // namespace msc::metrics

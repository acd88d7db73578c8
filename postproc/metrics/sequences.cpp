// Command sequences (analysis-methods.md §3): per connection the command sequence, 1002 counts,
// TCP-anomaly proxy, handshake completeness, pings, own and peer timed-sync intervals
// (median/mean/std), duration; every rule evaluated independently (ConnectionResult::rules) and
// the precedence category of the reference (ConnectionResult::category).
#include "metrics/internal.hpp"

#include <map>

namespace msc::metrics {

namespace {

char type_char(MsgType t) {
    switch (t) {
    case MsgType::Request: return 'q';
    case MsgType::Response: return 'r';
    case MsgType::Notification: return 'n';
    default: return 'x';
    }
}

} // namespace

std::string event_token(const ConnEvent& e);
std::string event_token(const ConnEvent& e) {
    return std::string(e.from_peer ? "P" : "V") + std::to_string(e.command) + type_char(e.type);
}

void sequences(const Ctx& ctx, AnalysisResult& r) {
    const Config& cfg = ctx.cfg;
    const double min_tss = cfg.ts_min_duration_above_s;
    r.connections.clear();
    r.connections.reserve(ctx.m.connections.size());
    std::unordered_map<uint32_t, std::pair<uint32_t, uint32_t>> lists_per_conn;   // id -> lists, entries
    for (const auto& l : ctx.m.peer_lists) {
        auto& e = lists_per_conn[l.connection];
        ++e.first;
        e.second += l.size_ip();
    }
    for (const Connection& c : ctx.m.connections) {
        ConnectionResult cr;
        cr.id = c.id;
        cr.vantage = c.vantage;
        cr.peer = c.peer;
        cr.direction = c.direction;
        cr.start_ns = c.first_ns();
        cr.duration_ns = c.last_ns() - c.first_ns();
        cr.messages = uint32_t(c.events.size());
        std::vector<int64_t> own_req, peer_req, peer_pings;
        for (const auto& e : c.events) {
            if (e.from_peer) ++cr.peer_messages;
            if (e.command == cmd::Handshake) (e.from_peer ? cr.handshake_peer : cr.handshake_vantage) = true;
            if (e.command == cmd::TimedSync) {
                if (e.type == MsgType::Request) (e.from_peer ? peer_req : own_req).push_back(e.time_ns);
                else if (e.type == MsgType::Response) ++(e.from_peer ? cr.peer_resp : cr.my_resp);
            }
            if (e.command == cmd::Ping && e.from_peer) peer_pings.push_back(e.time_ns);
        }
        cr.peer_req = uint32_t(peer_req.size());
        cr.my_req = uint32_t(own_req.size());
        cr.peer_pings = uint32_t(peer_pings.size());
        if (auto it = lists_per_conn.find(c.id); it != lists_per_conn.end()) {
            cr.peer_lists = it->second.first;
            cr.peer_list_entries = it->second.second;
        }
        for (size_t i = 0; i < c.events.size() && i < cfg.ngram_max_events; ++i) {
            if (i) cr.sequence += ' ';
            cr.sequence += event_token(c.events[i]);
        }
        const double dur = double(cr.duration_ns) / 1e9;
        const bool too_short = cr.messages < cfg.connection_min_messages;
        const int64_t tol = cfg.tcp_anomaly_above;
        const bool tcp_anom = int64_t(cr.my_resp) - int64_t(cr.peer_req) > tol ||
                              int64_t(cr.peer_resp) - int64_t(cr.my_req) < -tol;
        const bool ping_exchange = !c.events.empty() && c.events.front().command == cmd::Ping && cr.messages == 2;
        const bool incomplete_hs = !cr.handshake_vantage || !cr.handshake_peer;
        cr.own_ts = interval_stats(own_req);
        cr.peer_ts = interval_stats(peer_req);
        if (own_req.size() >= 2) cr.own_ts_interval_s = std::min(cr.own_ts.median, cr.own_ts.mean);
        if (peer_pings.size() > 2) {
            auto ps = interval_stats(peer_pings);
            cr.ping_interval_s = std::max(ps.median, ps.mean);
        }
        const bool gate = !tcp_anom && dur > min_tss && cr.own_ts_interval_s &&
                          *cr.own_ts_interval_s < cfg.ts_own_interval_below_s;
        if (gate && peer_req.size() >= 2) cr.peer_ts_interval_s = std::min(cr.peer_ts.median, cr.peer_ts.mean);
        uint32_t rules = 0;
        if (too_short) rules |= rule_bit(ConnRule::TooShort);
        if (tcp_anom) rules |= rule_bit(ConnRule::TcpAnomaly);
        if (ping_exchange) rules |= rule_bit(ConnRule::PingExchange);
        if (incomplete_hs) rules |= rule_bit(ConnRule::IncompleteHs);
        if (dur < cfg.short_lived_below_s) rules |= rule_bit(ConnRule::ShortLived1);
        if (dur < cfg.short_lived_10_below_s) rules |= rule_bit(ConnRule::ShortLived10);
        if (dur < cfg.short_lived_30_below_s) rules |= rule_bit(ConnRule::ShortLived30);
        if (cr.peer_pings > cfg.ping_above) rules |= rule_bit(ConnRule::PingFlooding);
        if (cr.peer_ts_interval_s && *cr.peer_ts_interval_s > cfg.ts_interval_above_s) rules |= rule_bit(ConnRule::ThrottledTs);
        if (gate && peer_req.size() < 2 && !incomplete_hs) rules |= rule_bit(ConnRule::NoTimedSync);
        cr.rules = rules;
        r.connections.push_back(std::move(cr));
    }
    // Precedence categories; standard_average needs per-vantage statistics.
    std::map<uint32_t, std::vector<double>> ts_by_v, dur10_by_v;
    for (const auto& cr : r.connections) {
        if (cr.rules & rule_bit(ConnRule::TooShort)) continue;
        if (cr.peer_ts_interval_s) ts_by_v[cr.vantage].push_back(*cr.peer_ts_interval_s);
        const double d = double(cr.duration_ns) / 1e9;
        if (d > 10.0) dur10_by_v[cr.vantage].push_back(d);
    }
    std::map<uint32_t, double> p60, med10;
    for (auto& [v, xs] : ts_by_v) p60[v] = percentile_of(xs, cfg.standard_average_percentile);
    for (auto& [v, xs] : dur10_by_v) med10[v] = median_of(xs);
    for (auto& cr : r.connections) {
        const uint32_t f = cr.rules;
        auto has = [&](ConnRule x) { return (f & rule_bit(x)) != 0; };
        if (has(ConnRule::TooShort)) cr.category = ConnCategory::TooShort;
        else if (has(ConnRule::TcpAnomaly)) cr.category = ConnCategory::IncompleteTcp;
        else if (has(ConnRule::PingExchange)) cr.category = ConnCategory::PingExchange;
        else if (has(ConnRule::IncompleteHs)) cr.category = ConnCategory::IncompleteHs;
        else if (has(ConnRule::ShortLived1)) cr.category = ConnCategory::ShortLived1;
        else if (has(ConnRule::ShortLived10)) cr.category = ConnCategory::ShortLived10;
        else if (has(ConnRule::ShortLived30)) cr.category = ConnCategory::ShortLived30;
        else if (has(ConnRule::PingFlooding)) cr.category = ConnCategory::PingFlooding;
        else if (has(ConnRule::ThrottledTs)) cr.category = ConnCategory::ThrottledTs;
        else {
            const double d = double(cr.duration_ns) / 1e9;
            auto pit = p60.find(cr.vantage);
            auto mit = med10.find(cr.vantage);
            if (cr.peer_ts_interval_s && pit != p60.end() && *cr.peer_ts_interval_s < pit->second &&
                mit != med10.end() && d > mit->second)
                cr.category = ConnCategory::StandardAverage;
            else
                cr.category = ConnCategory::StandardOther;
        }
    }
    std::sort(r.connections.begin(), r.connections.end(), [](const ConnectionResult& a, const ConnectionResult& b) {
        if (a.vantage != b.vantage) return a.vantage < b.vantage;
        if (a.start_ns != b.start_ns) return a.start_ns < b.start_ns;
        return a.id < b.id;
    });
}

} // namespace msc::metrics

#include "metrics/internal.hpp"

#include <cmath>
#include <cstdio>
#include <ctime>

namespace msc {

const char* class_column(AnomalyClass c) {
    static const char* n[] = {"sf_omission", "ls_transmission", "pl_diversity", "pl_similarity", "id_anomaly",
                              "short_lived", "ping_flooding", "throttled_ts", "sig_only", "subnet_saturation",
                              "ban_listed"};
    return n[static_cast<unsigned>(c) % kClassCount];
}

const char* class_label(AnomalyClass c) {
    static const char* n[] = {"SFO", "LST", "PLD", "PLS", "ID", "SlC", "Ping", "TS", "Sig", "Sub", "Ban"};
    return n[static_cast<unsigned>(c) % kClassCount];
}

const char* category_name(ConnCategory c) {
    static const char* n[] = {"incomplete_tcp", "ping_exchange", "incomplete_hs", "short_lived_1", "short_lived_10",
                              "short_lived_30", "ping_flooding", "throttled_ts", "standard_average",
                              "standard_other", "too_short"};
    return n[static_cast<unsigned>(c) % 11];
}

const char* rule_name(ConnRule r) {
    static const char* n[] = {"tcp_anomaly", "ping_exchange", "incomplete_hs", "short_lived_1", "short_lived_10",
                              "short_lived_30", "ping_flooding", "throttled_ts", "no_timed_sync", "too_short"};
    return n[static_cast<unsigned>(r) % 10];
}

Config Config::paper() { return Config{}; }

Config Config::latest() {
    Config c;
    c.apply_preset("latest");
    return c;
}

const char* Config::preset_name(Preset p) { return p == Preset::Latest ? "latest" : "paper"; }

bool Config::apply_preset(const std::string& name) {
    Config d;   // paper defaults
    if (name == "paper") {
        d.preset = Preset::Paper;
    } else if (name == "latest") {
        d.preset = Preset::Latest;
        d.category_precedence = false;
        d.pld_min_list_size = 225;
        d.pld_diversity_below = 0.05;
        d.pld_include_own_lists = true;
        d.pls_min_list_size = 226;
        d.pls_min_sender_total = 226;
        d.pls_include_own_lists = true;
        d.pls_jaccard_above = 0.99;
        d.pls_min_high_pairs = 1;
        d.ts_interval_above_s = 120.0;
        d.saturation_adversarial_split = true;
    } else {
        return false;
    }
    // Keep enrichment / file / output settings of *this.
    d.asn_file = asn_file;
    d.asn_mmdb = asn_mmdb;
    d.no_default_asn = no_default_asn;
    d.ban_lists = ban_lists;
    d.no_default_ban_lists = no_default_ban_lists;
    d.ban_set_list = ban_set_list;
    d.allow_list_files = allow_list_files;
    d.allow_cidrs = allow_cidrs;
    d.threads = threads;
    *this = d;
    return true;
}

} // namespace msc

namespace msc::metrics {

Ctx::Ctx(const Model& model, const Config& c, const enrich::Enrichment& e) : m(model), cfg(c), en(e) {
    vantage_ip.assign(m.ips.size(), 0);
    for (const auto& v : m.vantages)
        if (auto id = m.ips.find(v.ip)) vantage_ip[*id] = 1;
    subnet_of.resize(m.ips.size());
    std::unordered_map<IpAddr, uint32_t> ids;
    ids.reserve(m.ips.size() / 4 + 16);
    for (IpId i = 0; i < m.ips.size(); ++i) {
        IpAddr s = m.ips.at(i).subnet(cfg.ipv6_subnet_bits);
        auto [it, fresh] = ids.emplace(s, uint32_t(subnet_addr.size()));
        if (fresh) subnet_addr.push_back(s);
        subnet_of[i] = it->second;
    }
}

std::optional<uint32_t> Ctx::asn(IpId ip) const {
    auto it = asn_cache.find(ip);
    if (it != asn_cache.end()) return it->second;
    auto a = en.asn.empty() ? std::nullopt : en.asn.lookup_asn(m.ips.at(ip));
    asn_cache.emplace(ip, a);
    return a;
}

void init_peers(Ctx& ctx, AnalysisResult& r) {
    std::vector<IpId> ids;
    ids.reserve(ctx.m.peers.size());
    for (const auto& [ip, node] : ctx.m.peers)
        if (!ctx.is_vantage(ip) && ip < ctx.m.ips.size()) ids.push_back(ip);
    std::sort(ids.begin(), ids.end(), [&](IpId a, IpId b) { return ctx.m.ips.at(a) < ctx.m.ips.at(b); });
    r.peers.resize(ids.size());
    for (size_t k = 0; k < ids.size(); ++k) {
        const PeerNode& n = ctx.m.peers.at(ids[k]);
        PeerResult& p = r.peers[k];
        p.ip = ids[k];
        p.addr = ctx.m.ips.at(ids[k]);
        p.connecting = n.messages_sent > 0;
        p.inbound_initiating = n.sent_to_vantage_port;
        p.reachable = n.vantage_handshake_completed;
        p.vantage_mask = n.vantage_mask;
        p.connections_in = n.connections_in;
        p.connections_out = n.connections_out;
        p.messages_sent = n.messages_sent;
        p.messages_received = n.messages_received;
        p.allow_listed = ctx.en.allow.contains(p.addr);
        if (auto a = ctx.en.asn.empty() ? std::nullopt : ctx.en.asn.lookup(p.addr)) {
            p.asn = a->asn;
            p.as_org = a->org;
            ctx.asn_cache.emplace(p.ip, a->asn);
        }
        for (const auto& b : ctx.en.ban_lists)
            if (b.contains(p.addr)) p.ban_lists.push_back(b.name);
        ctx.peer_index.emplace(ids[k], k);
    }
}

double median_of(std::vector<double> v) {
    if (v.empty()) return 0;
    const size_t h = v.size() / 2;
    std::nth_element(v.begin(), v.begin() + long(h), v.end());
    const double hi = v[h];
    if (v.size() % 2) return hi;
    const double lo = *std::max_element(v.begin(), v.begin() + long(h));
    return (lo + hi) / 2;
}

double mean_of(const std::vector<double>& v) {
    if (v.empty()) return 0;
    long double s = 0;
    for (double x : v) s += x;
    return double(s / (long double)v.size());
}

double percentile_of(std::vector<double> v, double pct) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const double pos = std::clamp(pct, 0.0, 100.0) / 100.0 * double(v.size() - 1);
    const size_t lo = size_t(std::floor(pos));
    const size_t hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (v[hi] - v[lo]) * (pos - double(lo));
}

IntervalStats interval_stats(const std::vector<int64_t>& t) {
    IntervalStats s;
    if (t.size() < 2) return s;
    std::vector<double> gaps;
    gaps.reserve(t.size() - 1);
    for (size_t i = 1; i < t.size(); ++i) gaps.push_back(double(t[i] - t[i - 1]) / 1e9);
    s.count = uint32_t(gaps.size());
    s.mean = mean_of(gaps);
    long double var = 0;
    for (double g : gaps) var += (g - s.mean) * (g - s.mean);
    s.stddev = double(std::sqrt(var / (long double)gaps.size()));
    s.median = median_of(std::move(gaps));
    return s;
}

std::string fmt_double(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

std::string ts_string(int64_t ns) {
    std::time_t s = std::time_t(ns / 1000000000);
    if (ns < 0 && ns % 1000000000) --s;
    std::tm tm{};
    gmtime_r(&s, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string evidence_frames(const Model& m, const std::vector<Evidence>& ev, size_t max_items) {
    std::string s;
    for (size_t i = 0; i < ev.size() && i < max_items; ++i) {
        if (!s.empty()) s += ", ";
        const auto& e = ev[i];
        s += (e.vantage < m.vantages.size() ? m.vantages[e.vantage].id : std::to_string(e.vantage));
        s += " frame " + std::to_string(e.frame);
        s += " (input " + std::to_string(e.input) + ")";
        s += " at " + ts_string(e.time_ns);
    }
    return s;
}

} // namespace msc::metrics

#include "output/writers.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace msc::output {

using nlohmann::json;

// ------------------------------------------------------------------------------------------------
// Formatting
// ------------------------------------------------------------------------------------------------

std::string csv_field(std::string_view s) {
    if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += "\"\"";
        else out += c;
    }
    out += '"';
    return out;
}

std::string iso_utc(int64_t ns) {
    if (ns == 0) return "";
    int64_t sec = ns / 1000000000;
    int64_t frac = ns % 1000000000;
    if (frac < 0) { frac += 1000000000; --sec; }
    const std::time_t t = std::time_t(sec);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(frac));
    return buf;
}

std::string format_fixed(double v, int decimals) {
    if (!std::isfinite(v)) return "-";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    std::string s = buf;
    if (s == "-0" || s.rfind("-0.", 0) == 0) {
        // Avoid "-0.00".
        bool all_zero = true;
        for (char c : s) if (c >= '1' && c <= '9') all_zero = false;
        if (all_zero) s.erase(0, 1);
    }
    return s;
}

namespace {
std::string group_thousands(const std::string& digits) {
    std::string out;
    const size_t n = digits.size();
    for (size_t i = 0; i < n; ++i) {
        out += digits[i];
        const size_t rest = n - 1 - i;
        if (rest > 0 && rest % 3 == 0) out += ',';
    }
    return out;
}
} // namespace

std::string tex_number(double v, bool integer) {
    if (!std::isfinite(v)) return "--";
    const bool neg = v < 0;
    double a = std::fabs(v);
    std::string s;
    // Rounded to 2 decimals; integral values (and integer macros) are printed without decimals,
    // as in the reference results.tex ("4", "1", "16,894,368").
    const double r2 = std::round(a * 100.0) / 100.0;
    if (integer || r2 == std::floor(r2)) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.0f", integer ? std::round(a) : r2);
        s = group_thousands(buf);
    } else {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.2f", r2);
        std::string str = buf;
        const size_t dot = str.find('.');
        s = group_thousands(str.substr(0, dot)) + str.substr(dot);
    }
    if (neg && s != "0") s = "-" + s;
    return s;
}

bool tex_no_trailing_space(std::string_view name) {
    static const char* names[] = {"medConnDuration", "medConnCommands", "avgInDegree", "medianInDegree",
                                  "medianSubnetPeers", "avgPeerPoisoning", "percentageAnomNet",
                                  "percentageAnomReach"};
    for (const char* n : names)
        if (name == n) return true;
    return false;
}

namespace {

std::string vantage_ids(const Model& m, uint64_t mask) {
    std::string s;
    for (size_t v = 0; v < m.vantages.size() && v < 64; ++v) {
        if (mask & (uint64_t(1) << v)) {
            if (!s.empty()) s += ';';
            s += m.vantages[v].id;
        }
    }
    return s;
}

const char* vantage_id(const Model& m, uint32_t v) {
    return v < m.vantages.size() ? m.vantages[v].id.c_str() : "?";
}

std::string ip_of(const Model& m, IpId id) {
    return id < m.ips.size() ? m.ips.at(id).to_string() : "";
}

template <class T>
std::string join_num(const std::vector<T>& v, bool hex = false) {
    std::string s;
    for (const auto& x : v) {
        if (!s.empty()) s += ';';
        if (hex) {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(x));
            s += buf;
        } else {
            s += std::to_string(x);
        }
    }
    return s;
}

std::string join(const std::vector<std::string>& v, const char* sep) {
    std::string s;
    for (const auto& x : v) {
        if (!s.empty()) s += sep;
        s += x;
    }
    return s;
}

const char* direction_name(Direction d) { return d == Direction::Incoming ? "in" : "out"; }

const char* msg_type_name(MsgType t) {
    switch (t) {
    case MsgType::Request: return "request";
    case MsgType::Response: return "response";
    case MsgType::Notification: return "notification";
    case MsgType::FragmentBegin: return "fragment_begin";
    case MsgType::FragmentMiddle: return "fragment_middle";
    case MsgType::FragmentEnd: return "fragment_end";
    case MsgType::Dummy: return "dummy";
    default: return "invalid";
    }
}

std::string opt_fixed(const std::optional<double>& v, int decimals = 3) {
    return v ? format_fixed(*v, decimals) : "";
}

json histogram_json(const Histogram& h) {
    return json{{"lo", h.lo}, {"hi", h.hi}, {"counts", h.counts}, {"zero", h.zero}, {"total", h.total},
                {"exact", h.exact}};
}

json distribution_json(const Distribution& d) {
    json a = json::array();
    for (const auto& [v, c] : d) a.push_back({v, c});
    return a;
}

json config_json(const Config& c) {
    json j;
    j["preset"] = Config::preset_name(c.preset);
    j["category_precedence"] = c.category_precedence;
    j["ipv6_subnet_bits"] = c.ipv6_subnet_bits;
    j["pld_min_list_size"] = c.pld_min_list_size;
    j["pld_diversity_below"] = c.pld_diversity_below;
    j["pld_include_own_lists"] = c.pld_include_own_lists;
    j["pls_min_list_size"] = c.pls_min_list_size;
    j["pls_min_sender_total"] = c.pls_min_sender_total;
    j["pls_include_own_lists"] = c.pls_include_own_lists;
    j["pls_jaccard_above"] = c.pls_jaccard_above;
    j["pls_min_high_pairs"] = c.pls_min_high_pairs;
    j["pls_across_vantages"] = c.pls_across_vantages;
    j["sender_similarity_min_unique"] = c.sender_similarity_min_unique;
    j["sender_similarity_above"] = c.sender_similarity_above;
    j["connection_split_gap_s"] = c.connection_split_gap_s;
    j["connection_min_messages"] = c.connection_min_messages;
    j["tcp_anomaly_above"] = c.tcp_anomaly_above;
    j["short_lived_below_s"] = c.short_lived_below_s;
    j["slc_min_connections"] = c.slc_min_connections;
    j["ping_above"] = c.ping_above;
    j["ts_interval_above_s"] = c.ts_interval_above_s;
    j["ts_min_duration_above_s"] = c.ts_min_duration_above_s;
    j["ts_own_interval_below_s"] = c.ts_own_interval_below_s;
    j["id_cluster_min_ids"] = c.id_cluster_min_ids;
    j["id_cluster_min_ips"] = c.id_cluster_min_ips;
    j["sub_top_subnets"] = c.sub_top_subnets;
    j["poisoning_min_distinct"] = c.poisoning_min_distinct;
    j["poisoning_include_own_lists"] = c.poisoning_include_own_lists;
    j["linkinglion_asn"] = c.linkinglion_asn;
    j["adversarial_asns"] = c.adversarial_asns;
    j["saturation_adversarial_split"] = c.saturation_adversarial_split;
    j["asn_file"] = c.asn_file;
    j["asn_mmdb"] = c.asn_mmdb;
    json bl = json::array();
    for (const auto& [n, p] : c.ban_lists) bl.push_back({{"name", n}, {"path", p}});
    j["ban_lists"] = bl;
    j["no_default_ban_lists"] = c.no_default_ban_lists;
    j["allow_list_files"] = c.allow_list_files;
    j["allow_cidrs"] = c.allow_cidrs;
    return j;
}

} // namespace

std::vector<IpAddr> ban_list_ips(const AnalysisResult& r) {
    std::vector<IpAddr> v;
    for (const auto& p : r.peers)
        if (p.non_standard && !p.allow_listed) v.push_back(p.addr);
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
}

// ------------------------------------------------------------------------------------------------
// report.json
// ------------------------------------------------------------------------------------------------

json report_json(const Model& m, const AnalysisResult& r, const Config& cfg, const RunInfo& run) {
    json j;
    j["schema_version"] = 1;
    j["tool"] = {{"name", "moneroscope"}, {"version", run.tool_version}};
    if (run.generated_ns) j["generated_at"] = iso_utc(run.generated_ns);
    j["command_line"] = run.command_line;
    j["run_id"] = run.run_id;
    j["preset"] = r.preset;
    j["config"] = config_json(cfg);
    j["capture"] = {{"first", iso_utc(m.first_ns)}, {"last", iso_utc(m.last_ns)},
                    {"first_ns", m.first_ns}, {"last_ns", m.last_ns},
                    {"duration_s", m.last_ns > m.first_ns ? double(m.last_ns - m.first_ns) / 1e9 : 0.0}};
    if (run.ingest_seconds > 0 || run.analyze_seconds > 0)
        j["timing_s"] = {{"ingest", run.ingest_seconds}, {"analyze", run.analyze_seconds}};

    json vs = json::array();
    for (size_t v = 0; v < m.vantages.size(); ++v) {
        const auto& V = m.vantages[v];
        uint64_t conns = 0, in = 0, out = 0;
        for (const auto& c : m.connections)
            if (c.vantage == v) {
                ++conns;
                (c.direction == Direction::Incoming ? in : out)++;
            }
        vs.push_back({{"index", v}, {"id", V.id}, {"ip", V.ip.to_string()}, {"ip_inferred", V.ip_inferred},
                      {"p2p_port", V.p2p_port}, {"inputs", V.inputs}, {"connections", conns},
                      {"connections_in", in}, {"connections_out", out}});
    }
    j["vantages"] = vs;

    const auto& d = m.input;
    json inputs = json::array();
    for (const auto& in : m.inputs)
        inputs.push_back({{"name", in.name}, {"vantage", vantage_id(m, in.vantage)}, {"lines", in.lines},
                          {"messages", in.messages}, {"malformed_lines", in.malformed_lines},
                          {"io_error", in.io_error}});
    j["input"] = {{"damaged", d.malformed_lines > 0 || !d.vantage_errors.empty()},
                  {"lines", d.lines},
                  {"messages", d.messages},
                  {"malformed_lines", d.malformed_lines},
                  {"skipped_objects", d.skipped_objects},
                  {"index_lines", d.index_lines},
                  {"frames_without_monero", d.frames_without_monero},
                  {"foreign_messages", d.foreign_messages},
                  {"other_commands", d.other_commands},
                  {"first_errors", d.first_errors},
                  {"vantage_errors", d.vantage_errors},
                  {"files", inputs}};

    json by_cmd = json::object();
    std::map<uint32_t, uint64_t> sorted(m.messages_by_command.begin(), m.messages_by_command.end());
    for (const auto& [c, n] : sorted) by_cmd[std::to_string(c)] = n;
    uint64_t few = 0;
    for (const auto& c : m.connections) few += c.few_messages;
    uint64_t list_ip_entries = 0;
    for (const auto& l : m.peer_lists) list_ip_entries += l.size_ip();
    j["model"] = {{"messages_kept", m.total_messages},
                  {"messages_by_command", by_cmd},
                  {"connections", m.connections.size()},
                  {"connections_few_messages", few},
                  {"peer_lists", m.peer_lists.size()},
                  {"peer_list_ip_entries", list_ip_entries},
                  {"peer_list_ip_stored", m.list_ips.size()},   // identical lists stored once
                  {"peers", m.peers.size()},
                  {"ips_known", m.ips.size()},
                  {"segments", {{"messages", m.segments.messages},
                                {"sig_only", m.segments.sig_only},
                                {"header_split", m.segments.header_split},
                                {"histogram", m.segments.segments_histogram}}}};

    // Classes: number of IPs per class (allow-listed IPs counted separately).
    json classes = json::object();
    for (size_t k = 0; k < kClassCount; ++k) {
        const auto c = static_cast<AnomalyClass>(k);
        uint64_t n = 0, allowed = 0;
        for (const auto& p : r.peers)
            if (p.classes & class_bit(c)) (p.allow_listed ? allowed : n)++;
        classes[class_column(c)] = {{"label", class_label(c)}, {"ips", n}, {"allow_listed_ips", allowed},
                                    {"non_standard_class", k < kNsClassCount}};
    }
    j["classes"] = classes;

    const Summary& s = r.summary;
    j["summary"] = {
        {"totalPackets", s.totalPackets}, {"totalUniqueIPs", s.totalUniqueIPs},
        {"totalUniqueIPsPlusPL", s.totalUniqueIPsPlusPL}, {"totalPeerLists", s.totalPeerLists},
        {"totalUniqueASs", s.totalUniqueASs}, {"totalUniqueASsPlusPL", s.totalUniqueASsPlusPL},
        {"totalUniqueIPssupportflag", s.totalUniqueIPssupportflag}, {"UniqueASNsSupportFlag", s.UniqueASNsSupportFlag},
        {"SFRpackets", s.SFRpackets}, {"totalUniqueIPslastseen", s.totalUniqueIPslastseen},
        {"UniqueASNsLastSeen", s.UniqueASNsLastSeen}, {"totalUniqueIPsPLDiv", s.totalUniqueIPsPLDiv},
        {"UniqueASNsPLDiv", s.UniqueASNsPLDiv}, {"totalUniqueIPsPLSim", s.totalUniqueIPsPLSim},
        {"UniqueASNsPLSim", s.UniqueASNsPLSim}, {"totalConnections", s.totalConnections},
        {"tcpAnomaliesIncHS", s.tcpAnomaliesIncHS}, {"avgConnDuration", s.avgConnDuration},
        {"medConnDuration", s.medConnDuration}, {"avgConnCommands", s.avgConnCommands},
        {"medConnCommands", s.medConnCommands}, {"shortLivedConnsOne", s.shortLivedConnsOne},
        {"totalUniqueIPsShortTwo", s.totalUniqueIPsShortTwo}, {"UniqueASNsShortTwo", s.UniqueASNsShortTwo},
        {"shortLivedOneMaxIP", s.shortLivedOneMaxIP}, {"throttledTSmedianfreq", s.throttledTSmedianfreq},
        {"throttledTSConns", s.throttledTSConns}, {"uniqueIPsthrottledTS", s.uniqueIPsthrottledTS},
        {"UniqueASNsthrottledTS", s.UniqueASNsthrottledTS}, {"pingFloodingConns", s.pingFloodingConns},
        {"pingFloodingIPs", s.pingFloodingIPs}, {"pingFloodingASNs", s.pingFloodingASNs},
        {"avgInDegree", s.avgInDegree}, {"medianInDegree", s.medianInDegree},
        {"uniqueIPsIDAnom", s.uniqueIPsIDAnom}, {"uniqueASIDAnom", s.uniqueASIDAnom},
        {"uniqueIDclusterIPs", s.uniqueIDclusterIPs}, {"uniqueIDclusterASs", s.uniqueIDclusterASs},
        {"numIDcluster", s.numIDcluster}, {"uniqueIDIPinterIPs", s.uniqueIDIPinterIPs},
        {"uniqueIDIPinterASNs", s.uniqueIDIPinterASNs}, {"medianSubnetPeers", s.medianSubnetPeers},
        {"totalSusPeers", s.totalSusPeers}, {"susAndReachable", s.susAndReachable},
        {"totalUniqueIPsSign", s.totalUniqueIPsSign}, {"UniqueASNsSign", s.UniqueASNsSign},
        {"LionLinkPeers", s.LionLinkPeers}, {"incomingConnSat", s.incomingConnSat},
        {"outgoingConnSat", s.outgoingConnSat}, {"incomingConnSatAdv", s.incomingConnSatAdv},
        {"outgoingConnSatAdv", s.outgoingConnSatAdv}, {"totalincomingConnSat", s.totalincomingConnSat},
        {"totaloutgoingConnSat", s.totaloutgoingConnSat}, {"totalincomingConnSatAdv", s.totalincomingConnSatAdv},
        {"totaloutgoingConnSatAdv", s.totaloutgoingConnSatAdv}, {"avgPeerPoisoning", s.avgPeerPoisoning},
        {"percentageAnomNet", s.percentageAnomNet}, {"percentageAnomReach", s.percentageAnomReach},
        {"totalAnomalous", s.totalAnomalous}, {"myUniquensPeers", s.myUniquensPeers},
        {"reachableIPs", s.reachableIPs}, {"susAndTrulyReachable", s.susAndTrulyReachable},
        {"percentageAnomTrulyReach", s.percentageAnomTrulyReach}, {"allowListedFlagged", s.allowListedFlagged},
        {"sigOnlyMessages", s.sigOnlyMessages}, {"headerSplitMessages", s.headerSplitMessages},
        {"undecodedHandshakes", s.undecodedHandshakes}, {"pingIdMismatchIPs", s.pingIdMismatchIPs},
        {"uniquePeersInLists", s.uniquePeersInLists}, {"peerListEntries", s.peerListEntries}};

    json macros = json::array();
    for (const auto& mc : r.macros) {
        const std::string name = mc.run_suffix ? mc.name + run.run_id : mc.name;
        macros.push_back({{"name", name}, {"value", mc.value}, {"text", tex_number(mc.value, mc.is_integer)}});
    }
    j["macros"] = macros;

    json flagged = json::array();
    for (const auto& p : r.peers) {
        uint32_t ns_bits = p.classes & ((1u << kNsClassCount) - 1);
        if (!ns_bits) continue;
        json cl = json::array();
        for (size_t k = 0; k < kClassCount; ++k)
            if (p.classes & class_bit(static_cast<AnomalyClass>(k))) cl.push_back(class_column(static_cast<AnomalyClass>(k)));
        json e = {{"ip", p.addr.to_string()}, {"classes", cl}, {"non_standard", p.non_standard},
                  {"allow_listed", p.allow_listed}, {"vantages", vantage_ids(m, p.vantage_mask)},
                  {"evidence", p.evidence}, {"ban_lists", p.ban_lists}};
        e["asn"] = p.asn ? json(*p.asn) : json(nullptr);
        e["as_org"] = p.as_org;
        flagged.push_back(e);
    }
    j["flagged_peers"] = flagged;

    json ov = {{"labels", r.overlap.labels}, {"ips", r.overlap.ips}, {"asns", r.overlap.asns}};
    j["overlap"] = ov;

    json bans = json::array();
    for (const auto& b : r.ban_comparisons) {
        json fl = json::object(), fu = json::object();
        for (size_t k = 0; k <= kNsClassCount; ++k) {
            const std::string key = k < kNsClassCount ? class_column(static_cast<AnomalyClass>(k)) : "non_standard";
            fl[key] = b.flagged_listed[k];
            fu[key] = b.flagged_unlisted[k];
        }
        bans.push_back({{"name", b.name}, {"version", b.version}, {"entries", b.entries}, {"cidrs", b.cidrs},
                        {"addresses", b.addresses}, {"flagged_listed", fl}, {"flagged_unlisted", fu},
                        {"listed_connecting", b.listed_connecting}, {"listed_not_flagged", b.listed_not_flagged}});
    }
    j["ban_comparisons"] = bans;

    json subs = json::array();
    for (const auto& sc : r.top_subnets)
        subs.push_back({{"subnet", sc.subnet.to_string()}, {"connecting_ips", sc.connecting_ips},
                        {"all_ips", sc.all_ips}, {"asn", sc.asn ? json(*sc.asn) : json(nullptr)},
                        {"as_org", sc.as_org}});
    j["top_subnets"] = subs;

    json clusters = json::array();
    for (const auto& c : r.id_clusters) {
        json ips = json::array();
        for (IpId i : c.ips) ips.push_back(ip_of(m, i));
        json ids = json::array();
        for (uint64_t id : c.shared_ids) ids.push_back(join_num(std::vector<uint64_t>{id}, true));
        clusters.push_back({{"ips", ips}, {"shared_ids", ids}});
    }
    j["id_clusters"] = clusters;
    json reuse = json::array();
    for (const auto& e : r.id_reuse_events)
        reuse.push_back({{"ip", ip_of(m, e.ip)}, {"peer_id", join_num(std::vector<uint64_t>{e.peer_id}, true)},
                         {"time", iso_utc(e.time_ns)}, {"vantage", vantage_id(m, e.vantage)}, {"frame", e.frame}});
    j["id_reuse_events"] = reuse;

    // A spy fleet that sends near-identical lists makes the number of high pairs quadratic in its
    // lists; a JSON DOM of all of them once took gigabytes. report.json keeps the first
    // kMaxPairsInJson; similar_pairs.csv (streamed, no DOM) has them all.
    json pairs = json::array();
    for (size_t k = 0; k < r.similar_pairs.size() && k < kMaxPairsInJson; ++k) {
        const auto& p = r.similar_pairs[k];
        pairs.push_back({{"list_a", p.a}, {"list_b", p.b}, {"jaccard_subnet", p.jaccard_subnet},
                         {"jaccard_ip", p.jaccard_ip}, {"cross_vantage", p.cross_vantage},
                         {"set_a", p.set_a}, {"set_b", p.set_b}, {"list_pairs", p.list_pairs}});
    }
    j["similar_pairs"] = pairs;
    j["similar_pairs_total"] = r.similar_pairs.size();
    j["similar_pairs_truncated"] = r.similar_pairs.size() > kMaxPairsInJson;
    j["similar_list_pairs_total"] = r.pls_high_list_pairs;
    j["pls_distinct_sets"] = r.pls_distinct_sets;
    json spairs = json::array();
    for (const auto& p : r.sender_pairs)
        spairs.push_back({{"a", ip_of(m, p.a)}, {"b", ip_of(m, p.b)}, {"jaccard_subnet", p.jaccard_subnet},
                          {"jaccard_ip", p.jaccard_ip}});
    j["sender_pairs"] = spairs;
    j["pls_pairs_total"] = r.pls_pairs_total;
    j["pls_pairs_nonzero"] = r.pls_pairs_nonzero;

    json ngrams = json::array();
    for (const auto& n : r.ngrams) ngrams.push_back({{"group", n.group}, {"pattern", n.pattern}, {"count", n.count}});
    j["ngrams"] = ngrams;

    json sat = json::array();
    for (const auto& s2 : r.saturation)
        sat.push_back({{"vantage", vantage_id(m, s2.vantage)}, {"direction", direction_name(s2.direction)},
                       {"start", iso_utc(s2.start_s * 1000000000)}, {"start_s", s2.start_s}, {"bin_s", s2.bin_s},
                       {"standard", s2.standard}, {"anomalous", s2.anomalous}, {"adversarial", s2.adversarial}});
    j["saturation"] = sat;
    json tl = json::array();
    for (const auto& t : r.timeline_samples) tl.push_back({{"connection", t.connection}, {"group", t.group}});
    j["timeline_samples"] = tl;

    j["histograms"] = {{"jaccard_subnet", histogram_json(r.jaccard_subnet_hist)},
                       {"jaccard_ip", histogram_json(r.jaccard_ip_hist)},
                       {"diversity", histogram_json(r.diversity_hist)}};
    j["distributions"] = {{"in_degree", distribution_json(r.in_degree_dist)},
                          {"in_degree_distinct", distribution_json(r.in_degree_distinct_dist)},
                          {"segments", distribution_json(r.segments_dist)}};
    j["enrichment"] = {{"asn_source", r.asn_source}, {"ban_list_versions", r.ban_list_versions},
                       {"diagnostics", r.diagnostics}};
    j["files"] = {"report.json", "peers.csv", "connections.csv", "peer_lists.csv", "ban_list.txt", "results.tex",
                  "graph/graph.graphml", "graph/edges.csv"};
    return j;
}

// ------------------------------------------------------------------------------------------------
// CSV files
// ------------------------------------------------------------------------------------------------

void write_peers_csv(std::ostream& os, const Model& m, const AnalysisResult& r) {
    os << "ip,vantages,connections_in,connections_out,messages_sent,messages_received,asn,as_org,non_standard,"
          "allow_listed";
    for (size_t k = 0; k < kClassCount; ++k) os << ',' << class_column(static_cast<AnomalyClass>(k));
    os << ",connecting,inbound_initiating,reachable,handshakes,sfo_messages,undecoded_handshakes,"
          "support_flags_msgs,lists_sent,lst_lists,lst_entries,sig_only_msgs,pld_low_lists,pls_high_pairs,"
          "pls_max_jaccard,in_degree,in_degree_distinct,my_ports,peer_ids,rpc_ports,id_reuse_events,id_cluster,"
          "ping_id_mismatch,short_lived_conns,ping_flood_conns,throttled_ts_conns,no_ts_conns,"
          "incomplete_hs_conns,subnet_connecting_ips,ban_lists,evidence\n";
    for (const auto& p : r.peers) {
        os << p.addr.to_string() << ',' << csv_field(vantage_ids(m, p.vantage_mask)) << ',' << p.connections_in << ','
           << p.connections_out << ',' << p.messages_sent << ',' << p.messages_received << ','
           << (p.asn ? std::to_string(*p.asn) : "") << ',' << csv_field(p.as_org) << ',' << int(p.non_standard)
           << ',' << int(p.allow_listed);
        for (size_t k = 0; k < kClassCount; ++k)
            os << ',' << ((p.classes & class_bit(static_cast<AnomalyClass>(k))) ? 1 : 0);
        os << ',' << int(p.connecting) << ',' << int(p.inbound_initiating) << ',' << int(p.reachable) << ','
           << p.handshakes << ',' << p.sfo_messages << ',' << p.undecoded_handshakes << ',' << p.support_flags_msgs
           << ',' << p.lists_sent << ',' << p.lst_lists << ',' << p.lst_entries << ',' << p.sig_only_msgs << ','
           << p.pld_low_lists << ',' << p.pls_high_pairs << ',' << format_fixed(p.pls_max_jaccard, 4) << ','
           << p.in_degree << ',' << p.in_degree_distinct << ',' << join_num(p.my_ports) << ','
           << join_num(p.peer_ids, true) << ',' << join_num(p.rpc_ports) << ',' << p.id_reuse_events << ','
           << p.id_cluster << ',' << int(p.ping_id_mismatch) << ',' << p.short_lived_conns << ','
           << p.ping_flood_conns << ',' << p.throttled_ts_conns << ',' << p.no_ts_conns << ','
           << p.incomplete_hs_conns << ',' << p.subnet_connecting_ips << ','
           << csv_field(join(p.ban_lists, ";")) << ',' << csv_field(join(p.evidence, " | ")) << '\n';
    }
}

void write_connections_csv(std::ostream& os, const Model& m, const AnalysisResult& r) {
    os << "id,vantage,peer,peer_port,vantage_port,direction,direction_from_syn,syn_seen,start,start_ns,"
          "duration_s,messages,peer_messages,few_messages,category,rules,my_resp,peer_req,peer_resp,my_req,"
          "peer_pings,handshake_vantage,handshake_peer,own_ts_interval_s,peer_ts_interval_s,peer_ts_gaps,"
          "peer_ts_median_s,peer_ts_mean_s,peer_ts_stddev_s,ping_interval_s,peer_lists,peer_list_entries,"
          "sequence\n";
    std::vector<const ConnectionResult*> by_id(m.connections.size(), nullptr);
    for (const auto& c : r.connections)
        if (c.id < by_id.size()) by_id[c.id] = &c;
    for (const auto& c : m.connections) {
        const ConnectionResult* cr = by_id[c.id];
        uint32_t peer_msgs = 0;
        for (const auto& e : c.events) peer_msgs += e.from_peer;
        os << c.id << ',' << csv_field(vantage_id(m, c.vantage)) << ',' << ip_of(m, c.peer) << ',' << c.peer_port
           << ',' << c.vantage_port << ',' << direction_name(c.direction) << ',' << int(c.direction_from_syn) << ','
           << int(c.syn_ns.has_value()) << ',' << iso_utc(c.first_ns()) << ',' << c.first_ns() << ','
           << format_fixed(double(c.last_ns() - c.first_ns()) / 1e9, 6) << ',' << c.events.size() << ','
           << peer_msgs << ',' << int(c.few_messages) << ',';
        if (cr) {
            std::vector<std::string> rules;
            for (unsigned b = 0; b < 32; ++b)
                if (cr->rules & (1u << b)) rules.push_back(rule_name(static_cast<ConnRule>(b)));
            os << category_name(cr->category) << ',' << join(rules, ";") << ',' << cr->my_resp << ','
               << cr->peer_req << ',' << cr->peer_resp << ',' << cr->my_req << ',' << cr->peer_pings << ','
               << int(cr->handshake_vantage) << ',' << int(cr->handshake_peer) << ','
               << opt_fixed(cr->own_ts_interval_s) << ',' << opt_fixed(cr->peer_ts_interval_s) << ','
               << cr->peer_ts.count << ',' << format_fixed(cr->peer_ts.median, 3) << ','
               << format_fixed(cr->peer_ts.mean, 3) << ',' << format_fixed(cr->peer_ts.stddev, 3) << ','
               << opt_fixed(cr->ping_interval_s) << ',' << cr->peer_lists << ',' << cr->peer_list_entries << ','
               << csv_field(cr->sequence) << '\n';
        } else {
            os << ",,,,,,,,,,,,,,,,,,\n";
        }
    }
}

void write_peer_lists_csv(std::ostream& os, const Model& m, const AnalysisResult& r) {
    os << "id,vantage,source,from_vantage,connection,command,msg_type,time,time_ns,frame,input,entries_total,"
          "ip_entries,anon_entries,last_seen_entries,distinct_ips,distinct_subnets,diversity,pld_eligible,pld_low,"
          "pls_eligible,pls_high_pairs,pls_max_jaccard,pls_set\n";
    std::vector<const ListResult*> by_id(m.peer_lists.size(), nullptr);
    for (const auto& l : r.lists)
        if (l.id < by_id.size()) by_id[l.id] = &l;
    for (const auto& l : m.peer_lists) {
        const ListResult* lr = by_id[l.id];
        os << l.id << ',' << csv_field(vantage_id(m, l.vantage)) << ',' << ip_of(m, l.source) << ','
           << int(l.from_vantage) << ',' << l.connection << ',' << l.command << ',' << msg_type_name(l.type) << ','
           << iso_utc(l.time_ns) << ',' << l.time_ns << ',' << l.frame << ','
           << csv_field(l.input < m.inputs.size() ? m.inputs[l.input].name : std::to_string(l.input)) << ','
           << l.entries_total << ',' << l.size_ip() << ',' << l.entries_anon << ',' << l.last_seen_entries << ',';
        if (lr) {
            os << lr->distinct_ips << ',' << lr->distinct_subnets << ',' << format_fixed(lr->diversity, 4) << ','
               << int(lr->pld_eligible) << ',' << int(lr->pld_low) << ',' << int(lr->pls_eligible) << ','
               << lr->pls_high_pairs << ',' << format_fixed(lr->pls_max_jaccard, 4) << ',';
            if (lr->pls_set >= 0) os << lr->pls_set;
            os << '\n';
        } else {
            os << ",,,,,,,,\n";
        }
    }
}

void write_similar_pairs_csv(std::ostream& os, const AnalysisResult& r) {
    os << "list_a,list_b,jaccard_subnet,jaccard_ip,cross_vantage,set_a,set_b,list_pairs\n";
    for (const auto& p : r.similar_pairs)
        os << p.a << ',' << p.b << ',' << format_fixed(p.jaccard_subnet, 6) << ',' << format_fixed(p.jaccard_ip, 6)
           << ',' << int(p.cross_vantage) << ',' << p.set_a << ',' << p.set_b << ',' << p.list_pairs << '\n';
}

// ------------------------------------------------------------------------------------------------
// ban_list.txt, results.tex, graph
// ------------------------------------------------------------------------------------------------

void write_ban_list(std::ostream& os, const Model& m, const AnalysisResult& r, const RunInfo& run) {
    const auto ips = ban_list_ips(r);
    const std::string date = run.generated_ns ? iso_utc(run.generated_ns).substr(0, 10) : "unknown-date";
    os << "# moneroscope ban list version 1, " << date << '\n';
    os << "# Non-standard peers (classes SFO LST PLD PLS ID SlC Ping TS Sig) found by moneroscope "
       << run.tool_version << ", preset " << r.preset << ".\n";
    os << "# Capture period " << (m.first_ns ? iso_utc(m.first_ns) : "-") << " .. "
       << (m.last_ns ? iso_utc(m.last_ns) : "-") << "; vantages:";
    for (const auto& v : m.vantages) os << ' ' << v.id;
    os << ".\n";
    os << "# " << ips.size() << " addresses; allow-listed IPs excluded. Evidence per IP: peers.csv / report.json.\n";
    os << "# Usage: monerod --ban-list <this file>  (one address per line; '#' starts a comment)\n";
    for (const auto& ip : ips) os << ip.to_string() << '\n';
}

void write_results_tex(std::ostream& os, const AnalysisResult& r, const RunInfo& run) {
    for (const auto& mc : r.macros) {
        const std::string name = mc.run_suffix ? mc.name + run.run_id : mc.name;
        os << "\\newcommand{\\" << name << "}{" << tex_number(mc.value, mc.is_integer)
           << (tex_no_trailing_space(mc.name) ? "" : " ") << "}\n";
    }
}

namespace {
std::string xml_escape(std::string_view s) {
    std::string o;
    for (char c : s) {
        switch (c) {
        case '&': o += "&amp;"; break;
        case '<': o += "&lt;"; break;
        case '>': o += "&gt;"; break;
        case '"': o += "&quot;"; break;
        default: o += c;
        }
    }
    return o;
}
} // namespace

void write_graphml(std::ostream& os, const Model& m, const AnalysisResult& r) {
    std::set<IpId> nodes;
    for (const auto& e : r.graph_edges) {
        nodes.insert(e.from);
        nodes.insert(e.to);
    }
    std::unordered_map<IpId, const PeerResult*> pr;
    for (const auto& p : r.peers) pr[p.ip] = &p;
    os << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n"
          "  <key id=\"ip\" for=\"node\" attr.name=\"ip\" attr.type=\"string\"/>\n"
          "  <key id=\"vantage\" for=\"node\" attr.name=\"vantage\" attr.type=\"boolean\"/>\n"
          "  <key id=\"non_standard\" for=\"node\" attr.name=\"non_standard\" attr.type=\"boolean\"/>\n"
          "  <key id=\"classes\" for=\"node\" attr.name=\"classes\" attr.type=\"string\"/>\n"
          "  <key id=\"asn\" for=\"node\" attr.name=\"asn\" attr.type=\"long\"/>\n"
          "  <key id=\"count\" for=\"edge\" attr.name=\"count\" attr.type=\"long\"/>\n"
          "  <graph id=\"popularity\" edgedefault=\"directed\">\n";
    for (IpId n : nodes) {
        os << "    <node id=\"n" << n << "\"><data key=\"ip\">" << xml_escape(ip_of(m, n)) << "</data>"
           << "<data key=\"vantage\">" << (m.is_vantage_ip(n) ? "true" : "false") << "</data>";
        auto it = pr.find(n);
        if (it != pr.end()) {
            const PeerResult& p = *it->second;
            std::string cl;
            for (size_t k = 0; k < kClassCount; ++k)
                if (p.classes & class_bit(static_cast<AnomalyClass>(k))) {
                    if (!cl.empty()) cl += ';';
                    cl += class_label(static_cast<AnomalyClass>(k));
                }
            os << "<data key=\"non_standard\">" << (p.non_standard ? "true" : "false") << "</data>"
               << "<data key=\"classes\">" << xml_escape(cl) << "</data>";
            if (p.asn) os << "<data key=\"asn\">" << *p.asn << "</data>";
        }
        os << "</node>\n";
    }
    size_t k = 0;
    for (const auto& e : r.graph_edges)
        os << "    <edge id=\"e" << k++ << "\" source=\"n" << e.from << "\" target=\"n" << e.to
           << "\"><data key=\"count\">" << e.count << "</data></edge>\n";
    os << "  </graph>\n</graphml>\n";
}

void write_edges_csv(std::ostream& os, const Model& m, const AnalysisResult& r) {
    os << "source,target,count\n";
    for (const auto& e : r.graph_edges) os << ip_of(m, e.from) << ',' << ip_of(m, e.to) << ',' << e.count << '\n';
}

// ------------------------------------------------------------------------------------------------
// Human summary
// ------------------------------------------------------------------------------------------------

std::string human_summary(const Model& m, const AnalysisResult& r, const std::string& out_dir) {
    std::ostringstream o;
    const auto& d = m.input;
    o << "moneroscope analyze: " << m.inputs.size() << " input(s), " << d.lines << " lines, " << d.messages
      << " Levin messages (" << m.total_messages << " kept)";
    if (d.malformed_lines) o << ", " << d.malformed_lines << " MALFORMED lines skipped";
    o << "\n";
    if (m.first_ns) o << "capture period: " << iso_utc(m.first_ns) << " .. " << iso_utc(m.last_ns) << "\n";
    for (const auto& v : m.vantages) {
        o << "vantage " << v.id << ": " << v.ip.to_string() << (v.ip_inferred ? " (inferred)" : "")
          << ", P2P port " << v.p2p_port << ", " << v.inputs.size() << " input(s)\n";
    }
    for (const auto& e : d.vantage_errors) o << "ERROR: " << e << "\n";
    uint64_t few = 0;
    for (const auto& c : m.connections) few += c.few_messages;
    o << "connections: " << m.connections.size() << " (" << few << " with < 2 messages), peer lists: "
      << m.peer_lists.size() << ", peer IPs: " << m.peers.size() << "\n";
    const Summary& s = r.summary;
    o << "non-standard IPs: " << s.totalSusPeers << " of " << s.totalUniqueIPs << " connecting ("
      << format_fixed(s.percentageAnomNet, 2) << " %), preset " << r.preset << "\n";
    o << "per class (IPs):";
    for (size_t k = 0; k < kClassCount; ++k) {
        const auto c = static_cast<AnomalyClass>(k);
        uint64_t n = 0;
        for (const auto& p : r.peers)
            if ((p.classes & class_bit(c)) && !p.allow_listed) ++n;
        o << ' ' << class_label(c) << '=' << n;
    }
    o << "\n";
    const auto ban = ban_list_ips(r);
    o << "ban list: " << ban.size() << " address(es)\n";
    for (const auto& e : r.diagnostics) o << "note: " << e << "\n";
    if (!out_dir.empty()) o << "results written to " << out_dir << "/\n";
    return o.str();
}

// ------------------------------------------------------------------------------------------------
// write_all
// ------------------------------------------------------------------------------------------------

std::optional<std::string> write_all(const std::string& dir, const Model& m, const AnalysisResult& r,
                                     const Config& cfg, const RunInfo& run) {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::create_directories(fs::path(dir) / "graph", ec);
    if (ec) return "cannot create " + dir + "/graph: " + ec.message();
    auto write = [&](const std::string& rel, auto&& fn) -> std::optional<std::string> {
        const fs::path p = fs::path(dir) / rel;
        const fs::path tmp = fs::path(p.string() + ".tmp");
        {
            std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
            if (!f) return "cannot write " + tmp.string() + ": " + std::strerror(errno);
            fn(f);
            f.flush();
            if (!f) return "error writing " + tmp.string();
        }
        fs::rename(tmp, p, ec);
        if (ec) return "cannot rename " + tmp.string() + ": " + ec.message();
        return std::nullopt;
    };
    std::optional<std::string> err;
    if ((err = write("report.json", [&](std::ostream& os) { os << report_json(m, r, cfg, run).dump(2) << '\n'; })))
        return err;
    if ((err = write("peers.csv", [&](std::ostream& os) { write_peers_csv(os, m, r); }))) return err;
    if ((err = write("connections.csv", [&](std::ostream& os) { write_connections_csv(os, m, r); }))) return err;
    if ((err = write("peer_lists.csv", [&](std::ostream& os) { write_peer_lists_csv(os, m, r); }))) return err;
    if ((err = write("similar_pairs.csv", [&](std::ostream& os) { write_similar_pairs_csv(os, r); }))) return err;
    if ((err = write("ban_list.txt", [&](std::ostream& os) { write_ban_list(os, m, r, run); }))) return err;
    if ((err = write("results.tex", [&](std::ostream& os) { write_results_tex(os, r, run); }))) return err;
    if ((err = write("graph/graph.graphml", [&](std::ostream& os) { write_graphml(os, m, r); }))) return err;
    if ((err = write("graph/edges.csv", [&](std::ostream& os) { write_edges_csv(os, m, r); }))) return err;
    return std::nullopt;
}

} // namespace msc::output

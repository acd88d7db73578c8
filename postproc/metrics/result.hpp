// The result of analyze(): everything the output stage renders (report.json, peers.csv,
// connections.csv, peer_lists.csv, ban_list.txt, results.tex, graph/, plots, human summary).
// Plain data, deterministic: every vector is sorted as documented on its field.
//
// Stability: fields are only ever added (the output stage depends on this header).
#pragma once

#include "model/ip.hpp"
#include "model/model.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace msc {

// The eleven sets of analysis-methods.md §6.3, in the reference's order: the nine non-standard
// classes, then the two descriptive sets (Sub, Ban) that are NOT part of NS.
enum class AnomalyClass : uint8_t { SFO = 0, LST, PLD, PLS, ID, SlC, Ping, TS, Sig, Sub, Ban };
constexpr size_t kClassCount = 11;
constexpr size_t kNsClassCount = 9;   // SFO..Sig

// peers.csv column name of a class (fixed by the issue): sf_omission, ls_transmission, ...
const char* class_column(AnomalyClass c);
// Short label (SFO, LST, PLD, PLS, ID, SlC, Ping, TS, Sig, Sub, Ban).
const char* class_label(AnomalyClass c);
inline uint32_t class_bit(AnomalyClass c) { return 1u << static_cast<unsigned>(c); }

// Connection categories of analysis-methods.md §3 (precedence table), plus "too_short" for
// connections with fewer than connection_min_messages messages (not categorised by the reference).
enum class ConnCategory : uint8_t {
    IncompleteTcp = 0, PingExchange, IncompleteHs, ShortLived1, ShortLived10, ShortLived30,
    PingFlooding, ThrottledTs, StandardAverage, StandardOther, TooShort
};
const char* category_name(ConnCategory c); // "incomplete_tcp", ..., "standard_other", "too_short"

// Rule flags of one connection; every rule evaluated independently (bit = 1 << rule).
enum class ConnRule : uint8_t {
    TcpAnomaly = 0, PingExchange, IncompleteHs, ShortLived1, ShortLived10, ShortLived30,
    PingFlooding, ThrottledTs, NoTimedSync,   // NoTimedSync: duration > min_tss but < 2 peer TS requests
    TooShort
};
const char* rule_name(ConnRule r);
inline uint32_t rule_bit(ConnRule r) { return 1u << static_cast<unsigned>(r); }

// Interval statistics over consecutive gaps (seconds). count = number of gaps.
struct IntervalStats {
    uint32_t count = 0;
    double median = 0, mean = 0, stddev = 0;  // population std. deviation; all 0 when count == 0
};

// One histogram over [lo, hi) with equal bins; values == hi go to the last bin.
struct Histogram {
    double lo = 0, hi = 1;
    std::vector<uint64_t> counts;
    uint64_t zero = 0;           // similarity histograms: pairs with J == 0 (not in counts)
    uint64_t total = 0;          // all values incl. zero
    bool exact = true;           // false: computed on a deterministic sample of `total` pairs
};

// (value, count) pairs, value ascending — exact distributions (e.g. in-degree for log-log plots).
using Distribution = std::vector<std::pair<uint64_t, uint64_t>>;

struct PeerResult {
    IpId ip = kNoIp;
    IpAddr addr;
    uint32_t classes = 0;            // class_bit() of every class that fired (incl. Sub/Ban)
    bool non_standard = false;       // any of the nine NS classes fired and not allow-listed
    bool allow_listed = false;
    std::vector<std::string> evidence; // one line per fired class/rule, "LABEL: why (threshold)"
    // Context.
    bool connecting = false;         // in C: sent a Levin message to a vantage
    bool inbound_initiating = false; // opened a connection to a vantage's P2P port (reference "reachable")
    bool reachable = false;          // a vantage completed an outgoing handshake to it
    uint64_t vantage_mask = 0;
    uint32_t connections_in = 0, connections_out = 0;
    uint64_t messages_sent = 0, messages_received = 0;
    std::optional<uint32_t> asn;
    std::string as_org;
    std::vector<std::string> ban_lists;  // names of the loaded ban lists that contain this IP
    // Evident deviations.
    uint64_t handshakes = 0;             // 1001 messages sent
    uint64_t sfo_messages = 0;           // decoded 1001 without support_flags
    uint64_t undecoded_handshakes = 0;   // 1001 whose node_data did not decode (not counted as SFO)
    uint64_t support_flags_msgs = 0;     // 1007 sent
    uint64_t lists_sent = 0, lst_lists = 0, lst_entries = 0;
    // Fragmentation.
    uint64_t sig_only_msgs = 0;
    // Peer lists.
    uint32_t pld_low_lists = 0;          // lists below the diversity threshold
    uint64_t pls_high_pairs = 0;         // high pairs this IP's lists are part of
    double pls_max_jaccard = 0;          // max /24 Jaccard over its high pairs
    uint64_t in_degree = 0;              // mentions in lists of non-vantage senders
    uint64_t in_degree_distinct = 0;     // distinct non-vantage senders announcing it
    // Node attributes (sorted ascending, distinct).
    std::vector<uint32_t> my_ports;
    std::vector<uint64_t> peer_ids;
    std::vector<uint16_t> rpc_ports;
    uint32_t id_reuse_events = 0;
    int32_t id_cluster = -1;             // index into AnalysisResult::id_clusters, -1 none
    bool ping_id_mismatch = false;       // a 1003 response peer_id differs from its handshake ids
    // Connections.
    uint32_t short_lived_conns = 0;      // short_lived_1 connections (per the evaluation mode)
    uint32_t ping_flood_conns = 0;
    uint32_t throttled_ts_conns = 0;
    uint32_t no_ts_conns = 0;
    uint32_t incomplete_hs_conns = 0;
    // Subnet.
    uint32_t subnet_connecting_ips = 0;  // connecting IPs in its /24 (/48)
};

struct ConnectionResult {
    uint32_t id = 0;                 // Connection::id
    uint32_t vantage = 0;
    IpId peer = kNoIp;
    Direction direction = Direction::Incoming;
    int64_t start_ns = 0;
    int64_t duration_ns = 0;         // last - first Levin message
    uint32_t messages = 0, peer_messages = 0;
    uint32_t my_resp = 0, peer_req = 0, peer_resp = 0, my_req = 0;   // 1002 counts (§3 step 5)
    uint32_t peer_pings = 0;         // 1003 sent by the peer (requests and responses)
    bool handshake_vantage = false, handshake_peer = false;          // a 1001 from each side
    IntervalStats own_ts;            // gaps of the vantage's 1002 requests
    IntervalStats peer_ts;           // gaps of the peer's 1002 requests
    std::optional<double> own_ts_interval_s;  // min(median, mean) of own_ts, if >= 2 requests
    std::optional<double> peer_ts_interval_s; // ts_latency: gated as in §3 step 5
    std::optional<double> ping_interval_s;    // max(median, mean) of peer ping gaps, if > 2 pings
    uint32_t rules = 0;              // rule_bit() of every rule that fired
    ConnCategory category = ConnCategory::StandardOther; // precedence category (both modes)
    uint32_t peer_lists = 0, peer_list_entries = 0;      // lists in this connection (both sides)
    std::string sequence;            // first ngram_max_events events, e.g. "V1001q P1001r P1002q ..."
};

struct ListResult {
    uint32_t id = 0;                 // PeerList::id
    uint32_t vantage = 0;
    IpId source = kNoIp;
    bool from_vantage = false;
    uint32_t entries = 0;            // IP entries, duplicates counted
    uint32_t distinct_ips = 0;
    uint32_t distinct_subnets = 0;
    double diversity = 0;            // distinct_subnets / entries (0 for empty)
    bool pld_eligible = false, pld_low = false;
    bool pls_eligible = false;
    uint64_t pls_high_pairs = 0;
    double pls_max_jaccard = 0;      // max /24 Jaccard over its high pairs (exact; 0 if none)
    int64_t pls_set = -1;            // distinct /24 set of this list (SimilarPair::set_a/b), -1 if not eligible
};

// A high pair of distinct /24 sets (identical eligible lists share one set, ListResult::pls_set).
// It stands for `list_pairs` high list pairs (from different sources); set_a == set_b is the
// set with itself (J = 1, its members from different sources). a < b: the representative list
// pair (first list of one set, first list of the other from another source); jaccard_ip and
// cross_vantage are of that pair.
struct SimilarPair {
    uint32_t a = 0, b = 0;
    double jaccard_subnet = 0, jaccard_ip = 0;
    bool cross_vantage = false;
    uint32_t set_a = 0, set_b = 0;   // set_a <= set_b
    uint64_t list_pairs = 1;
};

// Sender-level similarity: union of all IPs a sender announced (all vantages), pairwise.
struct SenderPair {
    IpId a = kNoIp, b = kNoIp;       // a < b by IpId
    double jaccard_subnet = 0, jaccard_ip = 0;
};

struct GraphEdge {
    IpId from = kNoIp, to = kNoIp;   // sender -> announced IP
    uint64_t count = 0;              // mentions
};

struct IdCluster {
    std::vector<IpId> ips;           // sorted
    std::vector<uint64_t> shared_ids; // ids seen at >= 2 of its IPs, sorted
};

struct IdReuseEvent {
    IpId ip = kNoIp;
    uint64_t peer_id = 0;
    int64_t time_ns = 0;
    uint32_t vantage = 0;
    uint64_t frame = 0;
};

struct SubnetCount {
    IpAddr subnet;                   // /24 (IPv4) or /ipv6_subnet_bits
    uint32_t connecting_ips = 0;
    uint32_t all_ips = 0;            // connecting + peer-list IPs in it
    std::optional<uint32_t> asn;     // ASN of the subnet's first connecting IP
    std::string as_org;
};

struct NgramCount {
    std::string group;               // class label (SlC, Ping, TS, ...) or "standard"
    std::string pattern;             // e.g. "P1001q V1001r P1003q"
    uint64_t count = 0;
};

// One ban list compared with the flagged sets (§10).
struct BanComparison {
    std::string name, version;       // version = the list's header line, if any
    uint64_t entries = 0, cidrs = 0, addresses = 0; // addresses = sum of CIDR sizes (IPv4)
    // Per class (index = AnomalyClass, 0..8) then NS at index 9:
    std::array<uint64_t, kNsClassCount + 1> flagged_listed{};   // flagged and on the list
    std::array<uint64_t, kNsClassCount + 1> flagged_unlisted{}; // flagged, not on the list
    uint64_t listed_connecting = 0;   // connecting IPs on the list
    uint64_t listed_not_flagged = 0;  // connecting IPs on the list but not NS
};

// Saturation over time (§6.5), one series per vantage and direction, binned at
// saturation_series_bin_s (mean active connections over each bin).
struct SaturationSeries {
    uint32_t vantage = 0;
    Direction direction = Direction::Incoming;
    int64_t start_s = 0;             // UTC seconds of bin 0
    int64_t bin_s = 60;
    std::vector<double> standard, anomalous, adversarial;
};

struct TimelineSample {
    uint32_t connection = 0;
    std::string group;               // class label or "standard"
};

// Every results.tex macro value (analysis-methods.md §8), plus the run context.
struct Summary {
    uint64_t totalPackets = 0, totalUniqueIPs = 0, totalUniqueIPsPlusPL = 0, totalPeerLists = 0;
    uint64_t totalUniqueASs = 0, totalUniqueASsPlusPL = 0;
    uint64_t totalUniqueIPssupportflag = 0, UniqueASNsSupportFlag = 0, SFRpackets = 0;
    uint64_t totalUniqueIPslastseen = 0, UniqueASNsLastSeen = 0;
    uint64_t totalUniqueIPsPLDiv = 0, UniqueASNsPLDiv = 0;
    uint64_t totalUniqueIPsPLSim = 0, UniqueASNsPLSim = 0;
    uint64_t totalConnections = 0, tcpAnomaliesIncHS = 0;
    double avgConnDuration = 0, medConnDuration = 0, avgConnCommands = 0, medConnCommands = 0;
    uint64_t shortLivedConnsOne = 0, totalUniqueIPsShortTwo = 0, UniqueASNsShortTwo = 0,
             shortLivedOneMaxIP = 0;
    double throttledTSmedianfreq = 0;
    uint64_t throttledTSConns = 0, uniqueIPsthrottledTS = 0, UniqueASNsthrottledTS = 0;
    uint64_t pingFloodingConns = 0, pingFloodingIPs = 0, pingFloodingASNs = 0;
    double avgInDegree = 0, medianInDegree = 0;
    uint64_t uniqueIPsIDAnom = 0, uniqueASIDAnom = 0, uniqueIDclusterIPs = 0, uniqueIDclusterASs = 0,
             numIDcluster = 0, uniqueIDIPinterIPs = 0, uniqueIDIPinterASNs = 0;
    double medianSubnetPeers = 0;
    uint64_t totalSusPeers = 0, susAndReachable = 0;
    uint64_t totalUniqueIPsSign = 0, UniqueASNsSign = 0;
    uint64_t LionLinkPeers = 0;
    // Saturation (%, and mean active connections); suffix <id> is added by the writer.
    double incomingConnSat = 0, outgoingConnSat = 0, incomingConnSatAdv = 0, outgoingConnSatAdv = 0;
    double totalincomingConnSat = 0, totaloutgoingConnSat = 0, totalincomingConnSatAdv = 0,
           totaloutgoingConnSatAdv = 0;
    double avgPeerPoisoning = 0;
    double percentageAnomNet = 0, percentageAnomReach = 0;
    uint64_t totalAnomalous = 0, myUniquensPeers = 0;  // this run only (no cumulative file)
    // Beyond the reference.
    uint64_t reachableIPs = 0;            // vantage completed an outgoing handshake
    uint64_t susAndTrulyReachable = 0;    // NS among those
    double percentageAnomTrulyReach = 0;  // % of reachable
    uint64_t allowListedFlagged = 0;      // flagged IPs suppressed by the allow-list
    uint64_t sigOnlyMessages = 0, headerSplitMessages = 0;
    uint64_t undecodedHandshakes = 0;     // 1001 from peers whose node_data did not decode
    uint64_t pingIdMismatchIPs = 0;
    uint64_t uniquePeersInLists = 0;      // distinct IPs announced in any list
    uint64_t peerListEntries = 0;         // IP entries in lists of non-vantage senders
};

// One results.tex macro, in reference order. is_integer: print without decimals.
struct Macro {
    std::string name;
    double value = 0;
    bool is_integer = true;
    bool run_suffix = false;     // the writer appends the capture identifier (e.g. "non", "with")
};

struct OverlapMatrix {
    std::vector<std::string> labels;              // class_label() of the 11 sets, §6.3 order
    std::vector<std::vector<uint64_t>> ips;       // |IPs_i ∩ IPs_j|
    std::vector<std::vector<uint64_t>> asns;      // |ASNs_i ∩ ASNs_j|
};

struct AnalysisResult {
    std::string preset;                           // "paper" | "latest"
    // Run context.
    std::string asn_source;                       // description incl. data set version/date, or ""
    std::vector<std::string> ban_list_versions;   // "name: header" per loaded list
    std::vector<std::string> diagnostics;         // enrichment load problems etc.
    int64_t capture_first_ns = 0, capture_last_ns = 0;

    std::vector<PeerResult> peers;                // sorted by addr; every non-vantage IP in C or flagged
    std::vector<ConnectionResult> connections;    // sorted by (vantage, start_ns, id)
    std::vector<ListResult> lists;                // sorted by list id
    std::vector<SimilarPair> similar_pairs;       // high pairs, sorted by (a, b)
    std::vector<SenderPair> sender_pairs;         // sorted by (a, b)
    std::vector<GraphEdge> graph_edges;           // popularity topology, sorted by (from, to)
    std::vector<IdCluster> id_clusters;           // sorted by first IP
    std::vector<IdReuseEvent> id_reuse_events;    // sorted by time
    std::vector<SubnetCount> top_subnets;         // Sub: top-N /24 by connecting IPs (desc, then subnet)
    std::vector<NgramCount> ngrams;               // per group, count desc then pattern
    std::vector<BanComparison> ban_comparisons;
    std::vector<SaturationSeries> saturation;
    std::vector<TimelineSample> timeline_samples;
    OverlapMatrix overlap;

    // Plots / distributions.
    Histogram jaccard_subnet_hist, jaccard_ip_hist;   // all eligible pairs (J == 0 by subtraction)
    Histogram diversity_hist;                         // per list with >= 1 entry
    Distribution in_degree_dist, in_degree_distinct_dist; // (in-degree, #IPs)
    Distribution segments_dist;                       // (segments per message, #messages)
    uint64_t pls_pairs_total = 0;                     // eligible pairs compared (exactly)
    uint64_t pls_pairs_nonzero = 0;                   // pairs with /24 Jaccard > 0
    uint64_t pls_high_list_pairs = 0;                 // exact high list pairs (sum of list_pairs)
    uint64_t pls_distinct_sets = 0;                   // distinct /24 sets among eligible lists

    Summary summary;
    std::vector<Macro> macros;                        // results.tex, reference order
};

} // namespace msc

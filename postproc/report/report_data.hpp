// The report's input: plain data for every figure and table of report.html.
//
// This struct is the only thing the plotting and HTML code reads. It is filled either by
// report/from_analysis.hpp (from the analysis model + result) or by hand in tests, so plots can be
// built and checked without running a capture through the whole pipeline.
// All strings are raw text (IPs, AS names, peer-supplied data): the writers escape them.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace msc::report {

// Counts over equal-width bins of [lo, hi]; `total` = number of values (sum of counts).
struct BinnedHistogram {
    double lo = 0, hi = 1;
    std::vector<uint64_t> counts;
    uint64_t total = 0;
    bool exact = true;     // false: computed on a deterministic sample (said in the legend)
};

struct SummaryItem {
    std::string label;   // "Connecting IPs"
    std::string value;   // already formatted, e.g. "13,050" or "14.74 %"
    std::string note;    // optional tooltip / explanation
};

// One bar of the top-/24 saturation chart (analysis-methods.md §5.1).
struct SubnetBar {
    std::string subnet;           // "91.198.115.0/24"
    std::string asn;              // "AS54098 LionLink Networks" or "" when unknown
    uint64_t connecting = 0;      // distinct connecting IPs in this /24
    uint64_t with_lists = 0;      // connecting + peer-list IPs in this /24 (background bar)
};

// Pairwise intersections of the anomaly sets (analysis-methods.md §6.3). Square, labels.size() wide.
struct OverlapMatrix {
    std::vector<std::string> labels;            // SFO, LST, ...
    std::vector<std::vector<uint64_t>> ips;     // |IPs_i ∩ IPs_j|, diagonal = set sizes
    std::vector<std::vector<uint64_t>> asns;    // |ASNs_i ∩ ASNs_j| (may be empty: no ASN data)
};

// Active connections over time for one direction and one peer class (analysis-methods.md §6.5).
struct SaturationSeries {
    bool incoming = true;
    std::string cls;                              // "non-anomalous", "anomalous", "adversarial"
    std::vector<std::pair<double, double>> points; // (seconds since capture start, active connections)
};

// One message of a connection timeline.
struct TimelineEvent {
    double t = 0;          // seconds since the connection's first message
    uint32_t command = 0;  // 1001, 1002, 1003, 1007, 2xxx
    bool from_peer = false;
    bool response = false;
};

// Command-sequence timeline of one example connection (the seed's "visualize command sequence
// patterns"): rows per side, first `window` seconds.
struct Timeline {
    std::string cls;       // connection category, e.g. "short_lived_1", "ping_flooding"
    std::string title;     // "203.0.113.5:18080 → ams (incoming), 412 messages"
    std::vector<TimelineEvent> events;
};

// One row of the anomaly table.
struct AnomalyRow {
    std::string ip;
    std::string asn;                    // "AS54098 LionLink Networks" or ""
    std::vector<std::string> classes;   // rule labels that fired: "SFO", "Ping", ...
    std::string vantages;               // "ams, sfo"
    uint64_t messages = 0;              // messages sent by this peer
    uint64_t connections = 0;
    std::string evidence;               // human-readable per-peer evidence (rules, frames, thresholds)
};

struct FileLink {
    std::string label;   // "Per-peer table (CSV)"
    std::string href;    // path relative to report.html, e.g. "peers.csv"
};

struct ReportData {
    std::string title = "moneroscope report";
    std::string subtitle;                 // capture period, vantages, preset
    std::vector<SummaryItem> summary;

    // In-degree distribution: (k, number of announced IPs mentioned k times in peer lists), k ascending.
    std::vector<std::pair<uint64_t, uint64_t>> in_degree;

    // Peer-list similarity (analysis-methods.md §4.4): Jaccard histograms over [0, 1] of list pairs,
    // split into pairs that involve a vantage's own list and pairs between other senders.
    BinnedHistogram jaccard_ip_vantage, jaccard_ip_others;
    BinnedHistogram jaccard_24_vantage, jaccard_24_others;
    double jaccard_threshold = 0.3;       // /24 threshold of the active preset

    // Peer-list /24 diversity, one value per eligible list (analysis-methods.md §4.3).
    std::vector<double> diversity;
    double diversity_threshold = 0.1;

    std::vector<SubnetBar> top_subnets;   // already ordered, at most ~15
    OverlapMatrix overlap;
    std::vector<SaturationSeries> saturation;

    // Peer timed-sync intervals in seconds, one per connection with a defined interval.
    std::vector<double> ts_intervals;
    double ts_threshold = 90;

    std::vector<Timeline> timelines;
    double timeline_window = 660;         // seconds shown per timeline

    std::vector<AnomalyRow> anomalies;
    std::vector<FileLink> files;
    std::vector<std::string> notes;       // warnings shown at the top (e.g. broken captures)
};

} // namespace msc::report

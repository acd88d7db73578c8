// Analysis configuration: every threshold of analysis-methods.md §7, the presets `paper` (default,
// reference commit 06fdaf5) and `latest` (reference commit 4d473b7), the allow-list and the
// enrichment files (ASN data, ban lists). Plain data: the CLI sets fields, analyze() reads them.
//
// Comparator convention: every field name says how it is compared, so no "> vs >=" guessing:
//   *_min_*  : value >= field passes;   *_max_* : value <= field passes;
//   *_above  : value >  field fires;    *_below : value <  field fires.
// The reference's "> 249 entries" is therefore pls_min_list_size = 250, "> 4 high pairs" is
// pls_min_high_pairs = 5, and so on (see docs/metrics.md for the full mapping).
//
// Stability: fields are only ever added (the output/CLI stage depends on this header).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace msc {

enum class Preset : uint8_t { Paper = 0, Latest = 1 };

struct Config {
    Preset preset = Preset::Paper;

    // ---- Rule evaluation -------------------------------------------------------------------
    // true  (paper): one category per connection by the precedence table of analysis-methods.md §3;
    //               SlC / Ping / TS count connections by that category only.
    // false (latest): every connection rule is evaluated independently; all that fire are stored
    //               and counted. Connection flags are always computed and stored in both modes.
    bool category_precedence = true;

    // ---- Subnets ---------------------------------------------------------------------------
    unsigned ipv6_subnet_bits = 48;        // IPv6 analogue of the IPv4 /24

    // ---- PLD: peer-list diversity (§4.3) ------------------------------------------------------
    uint32_t pld_min_list_size = 250;       // lists with fewer IP entries are ignored (L: 225)
    double pld_diversity_below = 0.1;       // flag if distinct /24s / entries < this (L: 0.05)
    bool pld_include_own_lists = false;     // vantage's own lists (L: true; a V IP is never flagged)

    // ---- PLS: peer-list similarity (§4.4) -----------------------------------------------------
    uint32_t pls_min_list_size = 250;       // eligible lists: >= this many IP entries (P: > 249; L: 226)
    uint32_t pls_min_sender_total = 0;      // sender's lists at this V total >= this entries (L: 226)
    bool pls_include_own_lists = false;     // (L: true; pairs are still never formed with the V itself
                                            //  as a flagged party — see docs/metrics.md)
    double pls_jaccard_above = 0.3;         // a pair is "high" when /24 Jaccard > this (L: 0.99)
    uint32_t pls_min_high_pairs = 5;        // flag IPs in >= this many high pairs (P: > 4; L: 1)
    bool pls_across_vantages = false;       // also compare lists seen at different vantages
    uint32_t sender_similarity_min_unique = 250; // sender-level similarity: senders announcing >= this
    double sender_similarity_above = 0.3;   // sender pairs reported when /24 Jaccard > this
    uint32_t similarity_histogram_bins = 100; // [0,1] split into this many bins (J = 0 counted apart)
    // Exact all-pairs histograms cost ~ sum over items of (lists containing it)^2; above this many
    // pair-increments per vantage the histograms are computed on a deterministic sample of
    // similarity_histogram_sample pairs instead (Histogram::exact = false). Flags are always exact.
    // 10^8 increments (~0.5-1 s on two threads) is about what the 2-million-pair sample costs;
    // 4*10^8 (before session 3) made the histograms half of `analyze` on 13k-list vantages.
    uint64_t similarity_histogram_max_work = 100000000;
    uint64_t similarity_histogram_sample = 500000;   // 100 bins: >= 50 samples in every bin of probability >= 1e-4
    unsigned threads = 2;                    // worker threads for the similarity join

    // ---- Connections (§3) --------------------------------------------------------------------
    int64_t connection_split_gap_s = 120;   // informational for the model builder: gap > this splits
    uint32_t connection_min_messages = 2;   // shorter connections are kept but not categorised
    int64_t tcp_anomaly_above = 2;          // my_resp - peer_req > this, or peer_resp - my_req < -this
    double short_lived_below_s = 1.0;       // short_lived_1 (SlC)
    double short_lived_10_below_s = 10.0;   // descriptive categories
    double short_lived_30_below_s = 30.0;
    uint32_t slc_min_connections = 11;      // flag IPs with >= this many short_lived_1 connections (> 10)
    uint32_t ping_above = 2;                // ping flooding: peer sent > this 1003 messages on one connection
    double ts_interval_above_s = 90.0;      // throttled TS: peer interval > this (L: 120)
    double ts_min_duration_above_s = 600.0; // min_tss: connection duration > this to measure the interval
    double ts_own_interval_below_s = 62.0;  // vantage's own TS interval gate
    double standard_average_percentile = 60.0; // standard_average category (descriptive)

    // ---- ID anomalies (§4.5) -----------------------------------------------------------------
    uint32_t id_cluster_min_ids = 3;        // IPs with >= this many distinct peer_ids join clusters (> 2)
    uint32_t id_cluster_min_ips = 2;        // clusters with >= this many IPs are flagged (> 1)

    // ---- Sub, poisoning, LinkingLion (§5.1, §6.6, §6.7) -----------------------------------------
    uint32_t sub_top_subnets = 15;
    uint32_t poisoning_min_distinct = 250;  // senders with >= this many distinct announced IPs
    bool poisoning_include_own_lists = true;// reference behaviour (P and L); false excludes V's lists
    uint32_t linkinglion_asn = 54098;
    std::vector<uint32_t> adversarial_asns = {54098}; // L's "adversarial" saturation class (with Sig)
    bool saturation_adversarial_split = false;       // L: adversarial > anomalous > standard

    // ---- Vantage handling (§9 defect 10) -------------------------------------------------------
    bool exclude_vantage_ips = true;        // V IPs are never in C, never flagged (always on: fix)

    // ---- Plots / exports ---------------------------------------------------------------------
    double timeline_window_s = 660.0;       // sample connection timelines
    uint32_t timeline_samples_per_class = 3;
    uint32_t ngram_n_min = 2, ngram_n_max = 4;
    uint32_t ngram_top = 20;                // per class
    uint32_t ngram_max_events = 64;         // only the first this-many events of a connection
    int64_t saturation_series_bin_s = 60;   // stored plot series resolution (metrics use 1-s bins)
    uint32_t evidence_max_items = 5;        // frames/times quoted per evidence string

    // ---- Enrichment files ----------------------------------------------------------------------
    // ASN data: a compact file written by scripts/asn-data.sh, or a raw range CSV
    // (start,end,asn[,org]) — detected by content; and/or a MaxMind-format .mmdb (GeoLite2-ASN).
    // Empty asn_file: the default search (env MSC_ASN_DATA, ~/.cache/moneroscope/asn/asn.tsv,
    // /var/cache/moneroscope/asn/asn.tsv); set no_default_asn to disable it.
    std::string asn_file;
    std::string asn_mmdb;
    bool no_default_asn = false;
    // Ban lists compared with the flagged IPs: (name, path). Empty + !no_default_ban_lists: the
    // shipped MRL v1 and v2 lists (postproc/data/ban-lists, installed to share/moneroscope).
    std::vector<std::pair<std::string, std::string>> ban_lists;
    bool no_default_ban_lists = false;
    // Which ban list defines the "Ban" set (class ban_listed / overlap matrix): index into the
    // loaded lists; default = the last one loaded (newest MRL list by default).
    std::optional<size_t> ban_set_list;
    // Allow-list: IPs/CIDRs (v4/v6) never flagged (known scanners, research crawlers). Flags are
    // still computed and reported per peer with allow_listed = true, but excluded from NS.
    std::vector<std::string> allow_list_files;
    std::vector<std::string> allow_cidrs;

    // ---- Presets -------------------------------------------------------------------------------
    static Config paper();   // == Config{}
    static Config latest();
    // Applies the thresholds of a preset by name ("paper" | "latest") to *this, keeping the
    // enrichment/file settings. Returns false for an unknown name.
    bool apply_preset(const std::string& name);
    static const char* preset_name(Preset p);
};

} // namespace msc

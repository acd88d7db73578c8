// Internal to msc_metrics: the shared context of the metric functions and small numeric helpers.
#pragma once

#include "enrich/enrichment.hpp"
#include "metrics/config.hpp"
#include "metrics/result.hpp"
#include "model/model.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace msc::metrics {

struct Ctx {
    const Model& m;
    const Config& cfg;
    const enrich::Enrichment& en;
    std::vector<uint8_t> vantage_ip;                 // per IpId: 1 if a vantage's address
    std::unordered_map<IpId, size_t> peer_index;     // IpId -> index in AnalysisResult::peers
    mutable std::unordered_map<IpId, std::optional<uint32_t>> asn_cache;
    std::vector<uint32_t> subnet_of;                 // per IpId: dense subnet id (/24 or /ipv6_subnet_bits)
    std::vector<IpAddr> subnet_addr;                 // per subnet id

    Ctx(const Model& model, const Config& c, const enrich::Enrichment& e);
    bool is_vantage(IpId ip) const { return ip < vantage_ip.size() && vantage_ip[ip]; }
    IpAddr subnet(IpId ip) const { return m.ips.at(ip).subnet(cfg.ipv6_subnet_bits); }
    PeerResult* peer(AnalysisResult& r, IpId ip) const {
        auto it = peer_index.find(ip);
        return it == peer_index.end() ? nullptr : &r.peers[it->second];
    }
    std::optional<uint32_t> asn(IpId ip) const;
};

// Creates AnalysisResult::peers (one per non-vantage PeerNode, sorted by address) + the index.
void init_peers(Ctx& ctx, AnalysisResult& r);

// Metric families (one file each). Each reads the model (and earlier results where stated)
// and fills its part of the result.
void deviations(const Ctx& ctx, AnalysisResult& r);        // SFO, LST
void fragmentation(const Ctx& ctx, AnalysisResult& r);     // Sig, segments
void node_attributes(const Ctx& ctx, AnalysisResult& r);   // my_port/peer_id/rpc_port, ID reuse, clusters
void sequences(const Ctx& ctx, AnalysisResult& r);         // per-connection measures, rules, categories
void connection_classes(const Ctx& ctx, AnalysisResult& r);// SlC, Ping, TS per peer (needs sequences)
void peer_lists(const Ctx& ctx, AnalysisResult& r);        // list stats, PLD
void similarity(const Ctx& ctx, AnalysisResult& r);        // PLS, histograms, sender similarity
void popularity(const Ctx& ctx, AnalysisResult& r);        // in-degree, graph (after similarity: memory)
void subnets(const Ctx& ctx, AnalysisResult& r);           // Sub, ASN, LinkingLion, Ban set
void summary(const Ctx& ctx, AnalysisResult& r);           // NS, overlap, saturation, poisoning, macros
void ngrams(const Ctx& ctx, AnalysisResult& r);            // n-grams + timeline samples (needs classes)

// Helpers.

// The distinct items of many appended ranges (e.g. every IP a sender announced over all its lists),
// sorted. Compacts (sort + unique) whenever the buffer has doubled since the last compaction, so it
// holds at most about twice the distinct items instead of every occurrence: at paper scale the
// occurrences are ~94 M list entries, the distinct (sender, IP) pairs a few million.
class DistinctIds {
public:
    void add(const uint32_t* b, const uint32_t* e) {
        v_.insert(v_.end(), b, e);
        if (v_.size() >= 2 * clean_ + 1024) compact();
    }
    // The sorted distinct items; add() may continue afterwards.
    const std::vector<uint32_t>& items() { compact(); return v_; }
    size_t buffered() const { return v_.size(); }   // items held now, duplicates included
    // The sorted distinct items, moved out; the accumulator is empty afterwards.
    std::vector<uint32_t> take() {
        compact();
        clean_ = 0;
        return std::move(v_);
    }
private:
    void compact() {
        if (clean_ == v_.size()) return;
        std::sort(v_.begin() + ptrdiff_t(clean_), v_.end());
        std::inplace_merge(v_.begin(), v_.begin() + ptrdiff_t(clean_), v_.end());
        v_.erase(std::unique(v_.begin(), v_.end()), v_.end());
        clean_ = v_.size();
    }
    std::vector<uint32_t> v_;
    size_t clean_ = 0;   // v_[0, clean_) is sorted and unique
};

double median_of(std::vector<double> v);                   // 0 for empty; mean of middle two
double mean_of(const std::vector<double>& v);
double percentile_of(std::vector<double> v, double pct);   // linear interpolation (numpy default)
IntervalStats interval_stats(const std::vector<int64_t>& times_ns); // over consecutive gaps
std::string fmt_double(double v, int decimals = 2);
std::string evidence_frames(const Model& m, const std::vector<Evidence>& ev, size_t max_items);
std::string ts_string(int64_t ns);                          // UTC ISO 8601

} // namespace msc::metrics

// Exact Jaccard similarity join over many small sets (peer lists as sets of /24s or IPs) without
// the all-pairs loop: AllPairs/PPJoin prefix filtering (items ordered rarest first), size filter
// and positional filter, then exact verification by merging the two sorted sets.
// Thresholds are compared exactly: J > t  <=>  inter * 10^6 > round(t * 10^6) * union.
#pragma once

#include "metrics/result.hpp"

#include <cstdint>
#include <vector>

namespace msc::metrics {

struct SetCollection {
    std::vector<uint32_t> items;     // concatenated, each set sorted ascending and distinct
    std::vector<uint64_t> offsets{0};// size() == n + 1
    std::vector<uint32_t> group;     // pairs with equal group are never formed (same source IP)
    size_t size() const { return offsets.size() - 1; }
    void add(const std::vector<uint32_t>& sorted_distinct, uint32_t grp) {
        items.insert(items.end(), sorted_distinct.begin(), sorted_distinct.end());
        offsets.push_back(items.size());
        group.push_back(grp);
    }
    uint32_t set_size(size_t i) const { return uint32_t(offsets[i + 1] - offsets[i]); }
};

struct JoinPair {
    uint32_t a = 0, b = 0;   // indices into the collection, a < b
    uint32_t inter = 0;      // |A ∩ B|
    uint32_t uni = 0;        // |A ∪ B|
};

// Threshold as an exact fraction num / 10^6.
uint64_t threshold_num(double t);
bool jaccard_above(uint64_t inter, uint64_t uni, uint64_t num);

// Candidate strategy: Auto picks by an estimate of the prefix-index work; Prefix = AllPairs /
// PPJoin inverted index; Bitmap = size-sorted scan of all size-compatible pairs with the exact
// XOR-bitmap overlap bound (|A∩B| <= (|A|+|B| - popcount(bA xor bB)) / 2, 1024-bit bitmaps),
// which wins on dense data where most pairs share prefix items. Both verify exactly.
enum class JoinStrategy { Auto, Prefix, Bitmap };

// All pairs with different group and J > t. Sorted by (a, b). threads >= 1.
std::vector<JoinPair> jaccard_join(const SetCollection& sets, double t, unsigned threads,
                                   JoinStrategy strategy = JoinStrategy::Auto);

// Number of pairs with different group: C(n,2) - sum over groups C(n_g,2).
uint64_t eligible_pairs(const SetCollection& sets);

// Histogram of J over all pairs with different group. Exact (J > 0 pairs enumerated through an
// inverted index, J == 0 by subtraction) when the estimated work is <= max_work, else on a
// deterministic sample of `sample` pairs (hist.exact = false). *nonzero = pairs with J > 0 (exact
// mode) or sampled pairs with J > 0.
void jaccard_histogram(const SetCollection& sets, uint32_t bins, uint64_t max_work, uint64_t sample,
                       Histogram& hist, uint64_t* nonzero);

// Adds one value in [0,1] to a histogram with hist.counts.size() bins over [0,1] (J==0 -> zero).
void hist_add(Histogram& h, double v, uint64_t times = 1);

// |A ∩ B| of two sorted distinct ranges.
uint32_t intersect_count(const uint32_t* a, const uint32_t* ae, const uint32_t* b, const uint32_t* be);

} // namespace msc::metrics

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

// Candidate strategy: Auto = Blocked from 1,000 sets on, Prefix below; Prefix = AllPairs /
// PPJoin inverted index; Bitmap = size-sorted scan of all size-compatible pairs with the exact
// XOR-bitmap overlap bound (|A∩B| <= (|A|+|B| - popcount(bA xor bB)) / 2, 1024-bit bitmaps);
// Blocked = sets grouped into blocks of <= 32 sets by `group` (small groups pooled); for a set x
// and a block B with union U_B, every y in B has |x∩y| <= |x∩U_B|, so the whole block is skipped
// when that bound is below the minimum overlap J > t needs with B's smallest set (the bound is
// accumulated with an early exit once the misses exceed the slack). For a passing block the
// "slack" kernel walks x' = x ∩ U_B item by item against per-block item -> member masks, with one
// 8-bit countdown per member y (x' items y may miss before J > t is impossible); it stops when
// every member is out, and the members left have their exact overlap. Pairs inside a pooled block
// (and blocks whose slack exceeds 254) take the XOR-parity bound + exact count (dense bitmaps
// over the frequent items + merge of the rare ones). All strategies verify exactly and return
// the same pairs.
enum class JoinStrategy { Auto, Prefix, Bitmap, Blocked };

// Work counters of one join (filled by every strategy where it applies; for the benchmark).
struct JoinCounters {
    uint64_t eligible = 0;        // pairs with different group
    uint64_t block_tests = 0;     // (set, block) bound evaluations (Blocked)
    uint64_t block_pass = 0;      // ... that did not prune the block
    uint64_t candidates = 0;      // pairs reaching the per-pair filters (after block + size filter)
    uint64_t after_parity = 0;    // pairs passing the per-pair bound: XOR parity (Bitmap, Blocked),
                                  // or still in when the slack kernel ends (Blocked)
    uint64_t verified = 0;        // pairs whose exact overlap was computed (or finished by the slack kernel)
    uint64_t slack_runs = 0;      // Blocked: (set, block) runs of the slack kernel
    uint64_t slack_pairs = 0;     // ... pairs they covered (the rest of `candidates` took the parity path)
    uint64_t slack_items = 0;     // ... items of x' they stepped through (all members at once; AVX2 build: every item of each word it entered)
    uint64_t super_tests = 0;     // Blocked: (set, super-block) bound evaluations (<= 4 blocks of one group)
    uint64_t super_pass = 0;      // ... that did not prune the super-block
    uint64_t high = 0;            // pairs with J > t
    uint32_t blocks = 0, dense_words = 0, universe = 0;
    bool fast_kernel = false;     // Blocked: the AVX2+POPCNT build of the kernel ran
};

// All pairs with different group and J > t. Sorted by (a, b). threads >= 1.
std::vector<JoinPair> jaccard_join(const SetCollection& sets, double t, unsigned threads,
                                   JoinStrategy strategy = JoinStrategy::Auto, JoinCounters* counters = nullptr);

// Peer-list similarity with identical sets collapsed. `lists.group` is the source (pairs of
// lists with equal group are never formed). Identical sets are merged into distinct sets; a
// distinct set with members from >= 2 sources has J = 1 between its cross-source members, which
// are counted in closed form, never enumerated. The join runs over the distinct sets (a set's
// group = its source if all members share one, else a group of its own), and every high
// distinct pair (g, h) stands for G_g*G_h - sum_s c_gs*c_hs list pairs (c_gs = lists of source s
// in g, G_g = sum_s c_gs). Per list l (source s, set g): high = (G_g - c_gs, when t < 1)
// + sum over high pairs (g, h) of (G_h - c_hs); max_j = the largest J among those terms > 0.
// A source's number of high pairs is the sum of `list_high` over its lists (each high pair has
// exactly one list of each of its two sources).
struct DedupJoin {
    std::vector<uint32_t> set_of;          // per list: distinct set id (0 .. sets-1)
    std::vector<uint32_t> set_rep;         // per set: smallest list index in it
    std::vector<uint32_t> members;         // lists of set k: members[member_off[k] .. member_off[k+1]), ascending
    std::vector<uint64_t> member_off{0};
    std::vector<uint32_t> set_size;        // per set: number of lists G
    std::vector<uint64_t> set_self_pairs;  // per set: list pairs inside it from different sources (J = 1)
    std::vector<JoinPair> pairs;           // high pairs of distinct sets (a < b set ids), sorted
    std::vector<uint64_t> pair_lists;      // per element of `pairs`: list pairs it stands for (>= 1)
    std::vector<uint64_t> list_high;       // per list: high pairs it is part of
    std::vector<double> list_max_j;        // per list: max /24 Jaccard over those pairs (0 if none)
    uint64_t high_list_pairs = 0;          // exact number of high list pairs
    uint64_t eligible_list_pairs = 0;      // list pairs with different source
    JoinCounters counters;                 // of the join over the distinct sets
};
DedupJoin dedup_join(const SetCollection& lists, double t, unsigned threads,
                     JoinStrategy strategy = JoinStrategy::Auto);

// The per-pair check of the Blocked strategy runs in a kernel compiled for AVX2+POPCNT
// (target attribute) when the CPU has both (checked at run time), else in the portable build.
bool join_fast_kernel_available();
// Tests and the bench: true = always run the portable build (to check it against the AVX2 one).
void join_force_portable_kernel(bool on);

// Number of pairs with different group: C(n,2) - sum over groups C(n_g,2).
uint64_t eligible_pairs(const SetCollection& sets);

// Histogram of J over all pairs with different group. Exact (J > 0 pairs enumerated through an
// inverted index, J == 0 by subtraction) when the estimated work is <= max_work, else on a
// deterministic sample of `sample` pairs (hist.exact = false). *nonzero = pairs with J > 0 (exact
// mode) or sampled pairs with J > 0. The exact mode runs on `threads` threads (results identical:
// integer counts summed per bin).
void jaccard_histogram(const SetCollection& sets, uint32_t bins, uint64_t max_work, uint64_t sample,
                       Histogram& hist, uint64_t* nonzero, unsigned threads = 1);

// Adds one value in [0,1] to a histogram with hist.counts.size() bins over [0,1] (J==0 -> zero).
void hist_add(Histogram& h, double v, uint64_t times = 1);

// |A ∩ B| of two sorted distinct ranges.
uint32_t intersect_count(const uint32_t* a, const uint32_t* ae, const uint32_t* b, const uint32_t* be);

} // namespace msc::metrics

#include "metrics/jaccard_join.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <thread>
#include <unordered_map>

namespace msc::metrics {

namespace {
constexpr uint64_t kDen = 1000000;

struct Rec {
    const uint32_t* b;
    const uint32_t* e;
    uint32_t size() const { return uint32_t(e - b); }
};

// Minimum overlap for J > t between sizes sx, sy: inter*(den+num) > num*(sx+sy).
inline uint32_t min_overlap(uint64_t num, uint32_t sx, uint32_t sy) {
    return uint32_t(num * (uint64_t(sx) + sy) / (kDen + num) + 1);
}
// Minimum overlap with any partner: inter > t*sx.
inline uint32_t min_overlap_self(uint64_t num, uint32_t sx) { return uint32_t(num * sx / kDen + 1); }

uint64_t splitmix(uint64_t& s) {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
} // namespace

uint64_t threshold_num(double t) {
    if (!(t > 0)) return 0;
    if (t >= 1) return kDen;
    return uint64_t(std::llround(t * double(kDen)));
}

bool jaccard_above(uint64_t inter, uint64_t uni, uint64_t num) {
    if (uni == 0) return false;
    return inter * kDen > num * uni;
}

uint32_t intersect_count(const uint32_t* a, const uint32_t* ae, const uint32_t* b, const uint32_t* be) {
    uint32_t n = 0;
    while (a != ae && b != be) {
        if (*a < *b) ++a;
        else if (*b < *a) ++b;
        else { ++n; ++a; ++b; }
    }
    return n;
}

uint64_t eligible_pairs(const SetCollection& sets) {
    const uint64_t n = sets.size();
    uint64_t total = n * (n - (n ? 1 : 0)) / 2;
    std::unordered_map<uint32_t, uint64_t> per;
    for (uint32_t g : sets.group) ++per[g];
    for (const auto& [g, c] : per) total -= c * (c - 1) / 2;
    return total;
}

namespace {

constexpr unsigned kBitmapWords = 16;   // 1024 bits

uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

// Dense strategy: records sorted by size; for each x, every earlier y within the size filter is
// checked with the XOR-bitmap bound, survivors are verified by merge.
std::vector<JoinPair> join_bitmap(const SetCollection& sets, uint64_t num, unsigned threads) {
    const size_t n = sets.size();
    std::vector<uint32_t> by_size(n);
    std::iota(by_size.begin(), by_size.end(), 0u);
    std::stable_sort(by_size.begin(), by_size.end(), [&](uint32_t a, uint32_t b) {
        return sets.set_size(a) < sets.set_size(b); });
    std::vector<uint64_t> bm(n * kBitmapWords, 0);
    std::vector<uint32_t> sz(n), grp(n);
    for (size_t p = 0; p < n; ++p) {
        const uint32_t i = by_size[p];
        sz[p] = sets.set_size(i);
        grp[p] = sets.group[i];
        uint64_t* w = bm.data() + p * kBitmapWords;
        for (auto k = sets.offsets[i]; k < sets.offsets[i + 1]; ++k) {
            const uint64_t h = mix64(sets.items[k] + 0x9e3779b97f4a7c15ull) & (kBitmapWords * 64 - 1);
            w[h >> 6] ^= 1ull << (h & 63);
        }
    }
    threads = n < 1000 ? 1u : std::max(1u, std::min(threads, 64u));
    std::vector<std::vector<JoinPair>> found(threads);
    auto work = [&](unsigned tid) {
        auto& res = found[tid];
        size_t lo = 0;   // first y with sz[y] * den > num * sz[x] (monotone in x)
        for (size_t x = 0; x < n; ++x) {
            const uint64_t need = num * sz[x];
            while (lo < x && uint64_t(sz[lo]) * kDen <= need) ++lo;
            if (x % threads != tid) continue;
            if (sz[x] == 0) continue;
            const uint64_t* bx = bm.data() + x * kBitmapWords;
            const uint32_t ix = by_size[x];
            for (size_t y = lo; y < x; ++y) {
                if (grp[y] == grp[x]) continue;
                const uint64_t* by = bm.data() + y * kBitmapWords;
                uint32_t pc = 0;
                for (unsigned k = 0; k < kBitmapWords; ++k) pc += uint32_t(__builtin_popcountll(bx[k] ^ by[k]));
                const uint32_t ub = (sz[x] + sz[y] - pc) / 2;
                if (ub < min_overlap(num, sz[x], sz[y])) continue;
                const uint32_t iy = by_size[y];
                const uint32_t inter = intersect_count(sets.items.data() + sets.offsets[ix], sets.items.data() + sets.offsets[ix + 1],
                                                       sets.items.data() + sets.offsets[iy], sets.items.data() + sets.offsets[iy + 1]);
                const uint32_t uni = sz[x] + sz[y] - inter;
                if (jaccard_above(inter, uni, num)) res.push_back({std::min(ix, iy), std::max(ix, iy), inter, uni});
            }
        }
    };
    if (threads == 1) {
        work(0);
    } else {
        std::vector<std::thread> pool;
        for (unsigned t2 = 0; t2 < threads; ++t2) pool.emplace_back(work, t2);
        for (auto& th : pool) th.join();
    }
    std::vector<JoinPair> out;
    for (auto& f : found) out.insert(out.end(), f.begin(), f.end());
    return out;
}

} // namespace

std::vector<JoinPair> jaccard_join(const SetCollection& sets, double t, unsigned threads, JoinStrategy strategy) {
    const size_t n = sets.size();
    std::vector<JoinPair> out;
    if (n < 2) return out;
    const uint64_t num = threshold_num(t);
    if (num >= kDen) return out;   // J > 1 is impossible
    if (threads == 0) threads = 1;
    if (n < 1000 && strategy == JoinStrategy::Auto) strategy = JoinStrategy::Prefix;
    if (strategy == JoinStrategy::Auto) {
        // Estimated probe work of the prefix index: sum over items of (prefix occurrences)^2 / 2,
        // against the bitmap scan's size-compatible pairs (weighted: a bitmap check ~ 4 postings).
        std::unordered_map<uint32_t, uint64_t> occ;
        uint64_t pairs_bm = 0;
        std::vector<uint32_t> sizes(n);
        for (size_t i = 0; i < n; ++i) sizes[i] = sets.set_size(i);
        std::sort(sizes.begin(), sizes.end());
        for (size_t x = 0, lo = 0; x < n; ++x) {
            while (lo < x && uint64_t(sizes[lo]) * kDen <= num * sizes[x]) ++lo;
            pairs_bm += x - lo;
        }
        // item frequency as a proxy for prefix occurrences (prefix share = 1 - t)
        for (uint32_t it : sets.items) ++occ[it];
        long double w = 0, share = 1.0L - (long double)num / kDen;
        for (const auto& [it, c] : occ) w += (long double)c * share * (long double)c * share / 2;
        strategy = w > 4.0L * (long double)pairs_bm ? JoinStrategy::Bitmap : JoinStrategy::Prefix;
    }
    if (strategy == JoinStrategy::Bitmap) {
        out = join_bitmap(sets, num, threads);
        std::sort(out.begin(), out.end(), [](const JoinPair& l, const JoinPair& r) {
            return l.a != r.a ? l.a < r.a : l.b < r.b; });
        return out;
    }

    // 1. Global item order: rarest first (ties by id) -> dense ranks.
    uint32_t max_item = 0;
    for (uint32_t it : sets.items) max_item = std::max(max_item, it);
    std::vector<uint32_t> freq(size_t(max_item) + 1, 0);
    for (uint32_t it : sets.items) ++freq[it];
    std::vector<uint32_t> order(freq.size());
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
        return freq[a] != freq[b] ? freq[a] < freq[b] : a < b; });
    std::vector<uint32_t> rank(freq.size());
    for (uint32_t r = 0; r < order.size(); ++r) rank[order[r]] = r;
    std::vector<uint32_t> ranked(sets.items.size());
    for (size_t i = 0; i < n; ++i) {
        auto b = sets.offsets[i], e = sets.offsets[i + 1];
        for (auto k = b; k < e; ++k) ranked[k] = rank[sets.items[k]];
        std::sort(ranked.begin() + long(b), ranked.begin() + long(e));
    }

    // 2. Records by size ascending (ties by index): position p in this order.
    std::vector<uint32_t> by_size(n);
    std::iota(by_size.begin(), by_size.end(), 0u);
    std::stable_sort(by_size.begin(), by_size.end(), [&](uint32_t a, uint32_t b) {
        return sets.set_size(a) < sets.set_size(b); });
    std::vector<Rec> rec(n);
    std::vector<uint32_t> rsize(n), rgroup(n);
    for (size_t p = 0; p < n; ++p) {
        const uint32_t i = by_size[p];
        rec[p] = {ranked.data() + sets.offsets[i], ranked.data() + sets.offsets[i + 1]};
        rsize[p] = rec[p].size();
        rgroup[p] = sets.group[i];
    }

    // 3. Inverted index over prefixes: item -> (record position p, item position j), p ascending.
    std::vector<uint64_t> start(rank.size() + 1, 0);
    auto prefix_len = [&](uint32_t s) -> uint32_t {
        if (s == 0) return 0;
        uint32_t o = min_overlap_self(num, s);
        return o > s ? 0 : s - o + 1;
    };
    for (size_t p = 0; p < n; ++p) {
        const uint32_t pl = prefix_len(rsize[p]);
        for (uint32_t j = 0; j < pl; ++j) ++start[rec[p].b[j] + 1];
    }
    for (size_t k = 1; k < start.size(); ++k) start[k] += start[k - 1];
    struct Post { uint32_t p, j; };
    std::vector<Post> post(start.back());
    {
        std::vector<uint64_t> fill(start.begin(), start.end() - 1);
        for (size_t p = 0; p < n; ++p) {
            const uint32_t pl = prefix_len(rsize[p]);
            for (uint32_t j = 0; j < pl; ++j) post[fill[rec[p].b[j]]++] = {uint32_t(p), j};
        }
    }

    // 4. Probe in parallel: record x meets every earlier record y (p_y < p_x) sharing a prefix item.
    threads = std::max(1u, std::min(threads, 64u));
    std::vector<std::vector<JoinPair>> found(threads);
    auto work = [&](unsigned tid) {
        std::vector<int32_t> acc(n, 0);      // > 0: overlap found so far; < 0: pruned
        std::vector<uint32_t> touched;
        auto& res = found[tid];
        for (size_t x = tid; x < n; x += threads) {
            const uint32_t sx = rsize[x];
            const uint32_t pl = prefix_len(sx);
            if (pl == 0) continue;
            // size filter: sy > t*sx  <=>  sy*den > num*sx. Sizes grow with the position p, so
            // the records passing it are a suffix [lo_p, x) of every posting range.
            const uint64_t need = num * sx;
            const uint32_t lo_p = uint32_t(std::partition_point(rsize.begin(), rsize.begin() + long(x),
                [&](uint32_t sy) { return uint64_t(sy) * kDen <= need; }) - rsize.begin());
            for (uint32_t i = 0; i < pl; ++i) {
                const uint32_t w = rec[x].b[i];
                const Post* pe = post.data() + start[w + 1];
                const Post* pb = std::partition_point(static_cast<const Post*>(post.data() + start[w]), pe, [&](const Post& q) { return q.p < lo_p; });
                for (const Post* q = pb; q != pe && q->p < x; ++q) {
                    const uint32_t y = q->p;
                    const uint32_t sy = rsize[y];
                    if (uint64_t(sy) * kDen <= need) continue;
                    if (rgroup[y] == rgroup[x]) continue;
                    int32_t& a = acc[y];
                    if (a < 0) continue;
                    const uint32_t ub = 1 + std::min(sx - i - 1, sy - q->j - 1);
                    if (uint32_t(a) + ub >= min_overlap(num, sx, sy)) {
                        if (a == 0) touched.push_back(y);
                        ++a;
                    } else {
                        if (a == 0) touched.push_back(y);
                        a = -1;
                    }
                }
            }
            for (uint32_t y : touched) {
                if (acc[y] > 0) {
                    const uint32_t inter = intersect_count(rec[x].b, rec[x].e, rec[y].b, rec[y].e);
                    const uint32_t uni = sx + rsize[y] - inter;
                    if (jaccard_above(inter, uni, num)) {
                        uint32_t a = by_size[x], b = by_size[y];
                        if (a > b) std::swap(a, b);
                        res.push_back({a, b, inter, uni});
                    }
                }
                acc[y] = 0;
            }
            touched.clear();
        }
    };
    if (threads == 1 || n < 1000) {
        threads = 1;
        found.resize(1);
        work(0);
    } else {
        std::vector<std::thread> pool;
        for (unsigned t2 = 0; t2 < threads; ++t2) pool.emplace_back(work, t2);
        for (auto& th : pool) th.join();
    }
    for (auto& f : found) out.insert(out.end(), f.begin(), f.end());
    std::sort(out.begin(), out.end(), [](const JoinPair& l, const JoinPair& r) {
        return l.a != r.a ? l.a < r.a : l.b < r.b; });
    return out;
}

void hist_add(Histogram& h, double v, uint64_t times) {
    h.total += times;
    if (v <= 0) { h.zero += times; return; }
    if (h.counts.empty()) return;
    const double span = h.hi - h.lo;
    long k = span > 0 ? long((v - h.lo) / span * double(h.counts.size())) : 0;
    k = std::clamp<long>(k, 0, long(h.counts.size()) - 1);
    h.counts[size_t(k)] += times;
}

void jaccard_histogram(const SetCollection& sets, uint32_t bins, uint64_t max_work, uint64_t sample,
                       Histogram& hist, uint64_t* nonzero) {
    hist = Histogram{};
    hist.lo = 0;
    hist.hi = 1;
    hist.counts.assign(std::max<uint32_t>(bins, 1), 0);
    const size_t n = sets.size();
    uint64_t nz = 0;
    if (n < 2) { if (nonzero) *nonzero = 0; return; }
    const uint64_t total_pairs = eligible_pairs(sets);

    uint32_t max_item = 0;
    for (uint32_t it : sets.items) max_item = std::max(max_item, it);
    std::vector<uint64_t> start(size_t(max_item) + 2, 0);
    for (uint32_t it : sets.items) ++start[size_t(it) + 1];
    uint64_t work = 0;
    for (size_t k = 1; k < start.size(); ++k) {
        const uint64_t c = start[k];
        work += c * (c ? c - 1 : 0) / 2;
        if (work > max_work) break;
    }
    if (work <= max_work) {
        for (size_t k = 1; k < start.size(); ++k) start[k] += start[k - 1];
        std::vector<uint32_t> post(start.back());
        {
            std::vector<uint64_t> fill(start.begin(), start.end() - 1);
            for (size_t i = 0; i < n; ++i)
                for (auto k = sets.offsets[i]; k < sets.offsets[i + 1]; ++k) post[fill[sets.items[k]]++] = uint32_t(i);
        }
        std::vector<uint32_t> acc(n, 0);
        std::vector<uint32_t> touched;
        for (size_t x = 0; x < n; ++x) {
            for (auto k = sets.offsets[x]; k < sets.offsets[x + 1]; ++k) {
                const uint32_t w = sets.items[k];
                for (uint64_t q = start[w]; q < start[w + 1] && post[q] < x; ++q) {
                    const uint32_t y = post[q];
                    if (sets.group[y] == sets.group[x]) continue;
                    if (acc[y]++ == 0) touched.push_back(y);
                }
            }
            for (uint32_t y : touched) {
                const uint64_t inter = acc[y];
                const uint64_t uni = uint64_t(sets.set_size(x)) + sets.set_size(y) - inter;
                hist_add(hist, double(inter) / double(uni));
                ++nz;
                acc[y] = 0;
            }
            touched.clear();
        }
        hist.zero += total_pairs - nz;
        hist.total += total_pairs - nz;
        hist.exact = true;
    } else {
        hist.exact = false;
        uint64_t seed = 0x5eed5eedull ^ n;
        uint64_t taken = 0, attempts = 0;
        while (taken < sample && attempts < sample * 20 && total_pairs > 0) {
            ++attempts;
            const size_t a = size_t(splitmix(seed) % n), b = size_t(splitmix(seed) % n);
            if (a == b || sets.group[a] == sets.group[b]) continue;
            const uint32_t inter = intersect_count(sets.items.data() + sets.offsets[a], sets.items.data() + sets.offsets[a + 1],
                                                   sets.items.data() + sets.offsets[b], sets.items.data() + sets.offsets[b + 1]);
            const uint64_t uni = uint64_t(sets.set_size(a)) + sets.set_size(b) - inter;
            hist_add(hist, uni ? double(inter) / double(uni) : 0.0);
            if (inter) ++nz;
            ++taken;
        }
    }
    if (nonzero) *nonzero = nz;
}

} // namespace msc::metrics

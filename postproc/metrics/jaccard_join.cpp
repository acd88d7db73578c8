#include "metrics/jaccard_join.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <numeric>
#include <functional>
#include <thread>
#include <unordered_map>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define MSC_X86 1
#endif

namespace msc::metrics {

namespace {
constexpr uint64_t kDen = 1000000;

struct Rec {
    const uint32_t* b;
    const uint32_t* e;
    uint32_t size() const { return uint32_t(e - b); }
};

// Runs work(0) .. work(threads - 1): inline for one thread, else one std::thread each.
template <class Work>
void run_workers(unsigned threads, Work& work) {
    if (threads <= 1) {
        work(0u);
        return;
    }
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) pool.emplace_back(std::ref(work), t);
    for (auto& th : pool) th.join();
}

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
    // branch-free steps: on random sets the compare branches of a plain merge mispredict half the time
    uint32_t n = 0;
    while (a != ae && b != be) {
        const uint32_t va = *a, vb = *b;
        n += uint32_t(va == vb);
        a += va <= vb;
        b += vb <= va;
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
    run_workers(threads, work);
    std::vector<JoinPair> out;
    for (auto& f : found) out.insert(out.end(), f.begin(), f.end());
    return out;
}


// ------------------------------------------------------------------------------------------------
// Blocked strategy.
// ------------------------------------------------------------------------------------------------

constexpr unsigned kParityWords = 16;     // 1024-bit XOR-parity bitmaps
constexpr unsigned kMaxDenseWords = 64;   // frequent-item bitmaps: at most 4,096 items
constexpr uint64_t kDenseBudgetBytes = 256ull << 20;
constexpr uint32_t kOwnBlockMin = 16;     // a group with >= this many sets gets blocks of its own...
constexpr uint32_t kGroupBlock = 64;      // ...of at most this many sets (consecutive in index order)
constexpr uint32_t kPooledBlock = 64;     // smaller groups are pooled into blocks of at most this many sets
constexpr uint32_t kMaxBlock = 64;        // every block has <= 64 sets: one lane (bit, byte) per set
constexpr size_t kTile = 256;             // sets per work unit (and per block sweep)
constexpr uint32_t kSuperBlocks = 4;      // a group's consecutive blocks form super-blocks of <= this many
static_assert(kGroupBlock <= kMaxBlock && kPooledBlock <= kMaxBlock && kOwnBlockMin <= kPooledBlock);

struct BlockedData {
    size_t n = 0;
    uint64_t num = 0;
    unsigned W = 0;                         // words per dense bitmap
    bool parity = false;
    std::vector<uint32_t> orig;             // position -> set index
    std::vector<uint32_t> sz, grp, blk;     // per position
    std::vector<uint64_t> bm;               // n * W: frequent items (rank < 64 W)
    std::vector<uint64_t> par;              // n * kParityWords (when parity)
    std::vector<uint32_t> rare;             // per position, sorted ranks >= 64 W
    std::vector<uint64_t> rare_off;
    // blocks
    std::vector<uint32_t> bstart;           // positions [bstart[b], bstart[b+1]), sizes ascending
    std::vector<uint8_t> binternal;         // block holds >= 2 groups
    std::vector<uint32_t> bgroup;           // the group of a single-group block, else UINT32_MAX
    std::vector<uint64_t> ubm;              // B * W unions
    std::vector<uint32_t> rb;               // rare rank -> blocks containing it (CSR)
    std::vector<uint64_t> rb_off;
    uint32_t nfreq = 0;
    // slack kernel: per block, per dense item of U_B (rank order) the lanes (set - bstart) holding
    // it; item k of word w of U_B is at bmask_off[b] + bpre[b * W + w] + (its rank among w's bits)
    std::vector<uint64_t> bmask;
    std::vector<uint64_t> bmask_off;
    std::vector<uint16_t> bpre;             // B * W: items of U_B in the words before w
    std::vector<uint32_t> nd;               // per position: dense items (size - rare items)
    std::vector<uint32_t> need;             // need[s]: minimum overlap for J > t when |x| + |y| = s
    // B * 64: per lane floor((|y| - |smallest of B|) * t / (1 + t)) (<= 255): need(x, y) is at
    // least need(x, smallest) + this, whatever x
    std::vector<uint8_t> bdelta;
    // super-blocks: runs of <= kSuperBlocks consecutive blocks of one group (or of pooled blocks),
    // with their union and size range: |x ∩ U_S| bounds every pair of x with the run.
    std::vector<uint32_t> sstart;           // block starts, size NS + 1
    std::vector<uint32_t> sup_of;           // block -> super-block
    std::vector<uint32_t> sgroup, sminsz, smaxsz;   // per super-block (sgroup: the group unless pooled)
    std::vector<uint8_t> spooled;                   // per super-block: made of pooled blocks
    std::vector<uint64_t> sub;              // NS * W unions
};

struct ThreadOut {
    std::vector<JoinPair> pairs;
    uint64_t block_tests = 0, block_pass = 0, candidates = 0, after_parity = 0, verified = 0;
    uint64_t slack_runs = 0, slack_pairs = 0, slack_items = 0;
    uint64_t super_tests = 0, super_pass = 0;
    // the super-block test is kept while it prunes >= 1/4 of its tests (or has run < 8192)
    bool super_useful() const { return super_tests < 8192 || super_pass * 4 < super_tests * 3; }
};

std::atomic<bool> g_force_portable{false};

#define MSC_INLINE inline __attribute__((always_inline))

MSC_INLINE uint32_t pc_and(const uint64_t* a, const uint64_t* b, unsigned w) {
    uint64_t n0 = 0, n1 = 0;
    unsigned k = 0;
    for (; k + 1 < w; k += 2) {
        n0 += uint64_t(__builtin_popcountll(a[k] & b[k]));
        n1 += uint64_t(__builtin_popcountll(a[k + 1] & b[k + 1]));
    }
    if (k < w) n0 += uint64_t(__builtin_popcountll(a[k] & b[k]));
    return uint32_t(n0 + n1);
}
MSC_INLINE uint32_t pc_xor16(const uint64_t* a, const uint64_t* b) {
    // four independent accumulators (the popcount latency chain dominated a single one)
    uint64_t n0 = 0, n1 = 0, n2 = 0, n3 = 0;
    for (unsigned k = 0; k < kParityWords; k += 4) {
        n0 += uint64_t(__builtin_popcountll(a[k] ^ b[k]));
        n1 += uint64_t(__builtin_popcountll(a[k + 1] ^ b[k + 1]));
        n2 += uint64_t(__builtin_popcountll(a[k + 2] ^ b[k + 2]));
        n3 += uint64_t(__builtin_popcountll(a[k + 3] ^ b[k + 3]));
    }
    return uint32_t(n0 + n1 + n2 + n3);
}

// ub >= min_overlap(num, sx, sy) without a division: ub * (den + num) > num * (sx + sy).
MSC_INLINE bool reaches(uint64_t num, uint32_t ub, uint32_t sx, uint32_t sy) {
    return uint64_t(ub) * (kDen + num) > num * (uint64_t(sx) + sy);
}

MSC_INLINE void pair_check(const BlockedData& d, size_t x, size_t y, ThreadOut& o) {
    ++o.candidates;
    const uint32_t sx = d.sz[x], sy = d.sz[y];
    if (d.parity) {
        const uint32_t ub = (sx + sy - pc_xor16(d.par.data() + x * kParityWords, d.par.data() + y * kParityWords)) / 2;
        if (!reaches(d.num, ub, sx, sy)) return;
    }
    ++o.after_parity;
    ++o.verified;
    uint32_t inter = pc_and(d.bm.data() + x * d.W, d.bm.data() + y * d.W, d.W);
    const uint32_t* rx = d.rare.data() + d.rare_off[x];
    const uint32_t* rxe = d.rare.data() + d.rare_off[x + 1];
    const uint32_t* ry = d.rare.data() + d.rare_off[y];
    const uint32_t* rye = d.rare.data() + d.rare_off[y + 1];
    if (rx != rxe && ry != rye) inter += intersect_count(rx, rxe, ry, rye);
    const uint32_t uni = sx + sy - inter;
    if (jaccard_above(inter, uni, d.num)) {
        const uint32_t a = d.orig[x], b = d.orig[y];
        o.pairs.push_back({std::min(a, b), std::max(a, b), inter, uni});
    }
}

// Positions [lo, hi) of block b whose size passes the size filter against sx (sizes ascending).
MSC_INLINE std::pair<uint32_t, uint32_t> size_range(const BlockedData& d, uint32_t b, uint32_t sx) {
    const uint32_t* s0 = d.sz.data() + d.bstart[b];
    const uint32_t* s1 = d.sz.data() + d.bstart[b + 1];
    const uint64_t need = d.num * sx;   // sy * den > num * sx
    const uint32_t* lo = std::partition_point(s0, s1, [&](uint32_t sy) { return uint64_t(sy) * kDen <= need; });
    const uint64_t cap = uint64_t(sx) * kDen;   // sy * num < sx * den
    const uint32_t* hi = d.num == 0 ? s1 : std::partition_point(lo, s1, [&](uint32_t sy) { return uint64_t(sy) * d.num < cap; });
    return {uint32_t(lo - d.sz.data()), uint32_t(hi - d.sz.data())};
}

// Dense items of x missing from the block union (popcount of x AND NOT U_B), rarest words first,
// stopping once more than `slack` are found (the block is then out; the count is a lower bound).
MSC_INLINE uint32_t dense_misses(const uint64_t* a, const uint64_t* u, unsigned w, uint32_t slack) {
    uint32_t miss = 0;
    while (w >= 4) {
        w -= 4;
        miss += uint32_t(__builtin_popcountll(a[w] & ~u[w]) + __builtin_popcountll(a[w + 1] & ~u[w + 1]) +
                         __builtin_popcountll(a[w + 2] & ~u[w + 2]) + __builtin_popcountll(a[w + 3] & ~u[w + 3]));
        if (miss > slack) return miss;
    }
    while (w > 0) {
        --w;
        miss += uint32_t(__builtin_popcountll(a[w] & ~u[w]));
    }
    return miss;
}

#ifdef MSC_X86
// dense_misses with AVX2: 8 words per step (two ymm of x AND NOT U_B), popcount by nibble table,
// the early exit after every 8 words.
__attribute__((target("avx2,popcnt")))
inline uint32_t dense_misses_avx2(const uint64_t* a, const uint64_t* u, unsigned w, uint32_t slack) {
    const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
                                         0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
    const __m256i low4 = _mm256_set1_epi8(0x0f);
    uint32_t miss = 0;
    while (w >= 8) {
        w -= 8;
        const __m256i v0 = _mm256_andnot_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(u + w)),
                                               _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + w)));
        const __m256i v1 = _mm256_andnot_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(u + w + 4)),
                                               _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + w + 4)));
        const __m256i c0 = _mm256_add_epi8(_mm256_shuffle_epi8(lut, _mm256_and_si256(v0, low4)),
                                           _mm256_shuffle_epi8(lut, _mm256_and_si256(_mm256_srli_epi16(v0, 4), low4)));
        const __m256i c1 = _mm256_add_epi8(_mm256_shuffle_epi8(lut, _mm256_and_si256(v1, low4)),
                                           _mm256_shuffle_epi8(lut, _mm256_and_si256(_mm256_srli_epi16(v1, 4), low4)));
        const __m256i s = _mm256_sad_epu8(_mm256_add_epi8(c0, c1), _mm256_setzero_si256());   // 4 x u64
        const __m128i h = _mm_add_epi64(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
        miss += uint32_t(_mm_cvtsi128_si64(h) + _mm_extract_epi64(h, 1));
        if (miss > slack) return miss;
    }
    while (w > 0) {
        --w;
        miss += uint32_t(__builtin_popcountll(a[w] & ~u[w]));
    }
    return miss;
}
#endif

// The slack walk over one block: lanes l in [l0, l1) (members of the block) start at
// c = c0 - delta[l] (c0 <= 255, saturating at 0: out), the others at 0. For every item of
// x' = x ∩ U_B (dense part; rarest words first, low bits first: a word holds ranks 64w .. 64w+63 with the rarest in bit 0) every lane lacking it loses 1
// (saturating at 0). Stops as soon as every lane is 0 (out).
// Returns the lanes still in (c > 0) and, when there are any, their c in c_out; adds the items
// stepped through to `steps`. mk: the block's item -> lanes masks; pre: its per-word item offsets.
uint64_t slack_walk_portable(const uint64_t* xw, const uint64_t* uw, const uint16_t* pre, const uint64_t* mk,
                             unsigned W, uint8_t c0, const uint8_t* delta, uint32_t l0, uint32_t l1, uint8_t* c_out,
                             uint64_t& steps_out) {
    // SWAR: the 64 countdowns as bytes of 8 words (lane 8k + j = byte j of word k)
    constexpr uint64_t kLow7 = 0x7f7f7f7f7f7f7f7full, kHigh = 0x8080808080808080ull;
    constexpr uint64_t kBcast = 0x0101010101010101ull, kBit = 0x8040201008040201ull;
    uint8_t c8[kMaxBlock] = {};
    for (uint32_t l = l0; l < l1; ++l) c8[l] = c0 > delta[l] ? uint8_t(c0 - delta[l]) : 0;
    uint64_t c[kMaxBlock / 8];
    std::memcpy(c, c8, sizeof c);
    const unsigned k0 = l0 / 8, k1 = (l1 + 7) / 8;   // words holding lanes [l0, l1)
    auto any = [&] {
        uint64_t o = 0;
        for (unsigned k = k0; k < k1; ++k) o |= c[k];
        return o != 0;
    };
    if (!any()) return 0;
    uint64_t steps = 0;
    for (unsigned w = W; w-- > 0;) {
        const uint64_t u = uw[w];
        uint64_t m = xw[w] & u;
        while (m) {
            const uint64_t low = m & (0 - m);
            m &= m - 1;
            const uint64_t lm = mk[pre[w] + uint64_t(__builtin_popcountll(u & (low - 1)))];
            ++steps;
            for (unsigned k = k0; k < k1; ++k) {
                const uint64_t has = ((lm >> (8 * k)) & 0xff) * kBcast & kBit;              // byte j: bit j or 0
                const uint64_t lacks = (~((((has & kLow7) + kLow7) | has) & kHigh) & kHigh) >> 7;   // 1 if 0
                const uint64_t nz = ((((c[k] & kLow7) + kLow7) | c[k]) & kHigh) >> 7;       // 1 if c > 0
                c[k] -= lacks & nz;
            }
            if (!any()) {
                steps_out += steps;
                return 0;
            }
        }
    }
    steps_out += steps;
    std::memcpy(c8, c, sizeof c);
    uint64_t live = 0;
    for (uint32_t l = l0; l < l1; ++l) live |= uint64_t(c8[l] != 0) << l;
    std::copy(c8, c8 + kMaxBlock, c_out);
    return live;
}

#ifdef MSC_X86
// 0x00 x 64, 0xff x 64, 0x00 x 64: lane masks [l0, 64) and [0, l1) as unaligned 64-byte loads.
alignas(64) constexpr uint8_t kLanePattern[192] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

// Same walk with the 64 countdowns in two ymm registers (lanes 0-31, 32-63): the item's lane
// mask is expanded to bytes (broadcast, pshufb, AND with each byte's bit, compare), the lanes
// without the item are decremented with unsigned saturation; out when all bytes are 0.
__attribute__((target("avx2,popcnt")))
uint64_t slack_walk_avx2(const uint64_t* xw, const uint64_t* uw, const uint16_t* pre, const uint64_t* mk,
                         unsigned W, uint8_t c0, const uint8_t* delta, uint32_t l0, uint32_t l1, uint8_t* c_out,
                         uint64_t& steps_out) {
    const __m256i zero = _mm256_setzero_si256();
    const __m256i start = _mm256_set1_epi8(char(c0));
    // bytes 0-31 and 32-63 of the [l0, l1) lane mask, times c0, minus delta
    const uint8_t* ge = kLanePattern + 64 - l0;
    const uint8_t* lt = kLanePattern + 128 - l1;
    __m256i c_lo = _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(ge)),
                                    _mm256_loadu_si256(reinterpret_cast<const __m256i*>(lt)));
    __m256i c_hi = _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(ge + 32)),
                                    _mm256_loadu_si256(reinterpret_cast<const __m256i*>(lt + 32)));
    c_lo = _mm256_subs_epu8(_mm256_and_si256(c_lo, start), _mm256_loadu_si256(reinterpret_cast<const __m256i*>(delta)));
    c_hi = _mm256_subs_epu8(_mm256_and_si256(c_hi, start),
                            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(delta + 32)));
    if (_mm256_testz_si256(_mm256_or_si256(c_lo, c_hi), _mm256_or_si256(c_lo, c_hi))) return 0;
    // the 64-bit lane mask is broadcast straight from memory; byte k of the expansion takes mask
    // byte k / 8 (lanes 0-31) or 4 + k / 8 (lanes 32-63)
    const __m256i shuf_lo = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                             2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    const __m256i shuf_hi = _mm256_setr_epi8(4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5,
                                             6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7);
    const __m256i bits = _mm256_set1_epi64x(int64_t(0x8040201008040201ull));
    const __m256i one = _mm256_set1_epi8(1);
    uint64_t steps = 0;
    // One item of x' (or none: m == 0 takes the all-lanes mask), lowest bit of m first.
#define MSC_SLACK_STEP(m, u, mw)                                                                        \
    do {                                                                                                \
        const uint64_t low_ = (m) & (0 - (m));                                                          \
        (m) &= (m) - 1;                                                                                 \
        /* m empty: low_ - 1 = ~0 points one past the word's items (bmask has a spare entry at the  \
           end) and the OR makes it the all-lanes mask, without a branch */                          \
        const uint64_t lmv_ = (mw)[__builtin_popcountll((u) & (low_ - 1))] | (0 - uint64_t(low_ == 0)); \
        const __m256i lm_ = _mm256_set1_epi64x(int64_t(lmv_));                                       \
        const __m256i h_lo = _mm256_cmpeq_epi8(_mm256_and_si256(_mm256_shuffle_epi8(lm_, shuf_lo), bits), bits); \
        const __m256i h_hi = _mm256_cmpeq_epi8(_mm256_and_si256(_mm256_shuffle_epi8(lm_, shuf_hi), bits), bits); \
        c_lo = _mm256_subs_epu8(c_lo, _mm256_andnot_si256(h_lo, one));   /* h: 0xff, the lane has it */ \
        c_hi = _mm256_subs_epu8(c_hi, _mm256_andnot_si256(h_hi, one));                                  \
    } while (0)
    // Words of x' hold 0-3 items mostly (about 1.5 in the words a run visits): two steps per word
    // without a branch on the count (an empty slot steps on the all-lanes mask: no change), a loop only for
    // the rest; the "every lane out" test once per word. A per-item loop mispredicted its exit
    // at most word ends.
    for (unsigned w = W; w-- > 0;) {
        const uint64_t u = uw[w];
        uint64_t m = xw[w] & u;
        const uint64_t* mw = mk + pre[w];
        steps += uint64_t(__builtin_popcountll(m));
        MSC_SLACK_STEP(m, u, mw);
        MSC_SLACK_STEP(m, u, mw);
        while (m) MSC_SLACK_STEP(m, u, mw);
        if (_mm256_testz_si256(_mm256_or_si256(c_lo, c_hi), _mm256_or_si256(c_lo, c_hi))) {
            steps_out += steps;
            return 0;
        }
    }
    steps_out += steps;
    const uint64_t live = ~(uint64_t(uint32_t(_mm256_movemask_epi8(_mm256_cmpeq_epi8(c_lo, zero)))) |
                            uint64_t(uint32_t(_mm256_movemask_epi8(_mm256_cmpeq_epi8(c_hi, zero)))) << 32);
    if (live) {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(c_out), c_lo);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(c_out + 32), c_hi);
    }
    return live;
}
#undef MSC_SLACK_STEP
#endif

// Pairs (x, y), y in positions [y0, y1) of block b, through the slack kernel. y ⊆ U_B, so
// |x∩y| = xd - (items of x' that y lacks) + |rare(x) ∩ rare(y)| with xd = |x'| (dense part)
// and the rare part <= bound - xd. Lane y starts at c0 - delta(y) >= bound - need(x, y) + 1 with
// c0 = bound - need(x, smallest of B) + 1 (<= 255, checked by the caller) and is out at 0; a lane
// still in after the whole of x' has its exact dense overlap xd - (start - c), and J is then
// decided exactly.
// same_grp: members of this group are never paired (x's own group, inside a pooled block; they
// are walked with the others, so they count in the run's pairs).
template <bool Fast>
MSC_INLINE void slack_block(const BlockedData& d, size_t x, uint32_t b, uint32_t y0, uint32_t y1, uint8_t c0,
                            uint32_t xd, ThreadOut& o, uint32_t same_grp = UINT32_MAX) {
    const uint32_t bs = d.bstart[b];
    const uint32_t sx = d.sz[x];
    uint8_t c[kMaxBlock];
    const uint64_t* xw = d.bm.data() + x * d.W;
    const uint64_t* uw = d.ubm.data() + size_t(b) * d.W;
    const uint16_t* pre = d.bpre.data() + size_t(b) * d.W;
    const uint64_t* mk = d.bmask.data() + d.bmask_off[b];
    const uint8_t* delta = d.bdelta.data() + size_t(b) * kMaxBlock;
    uint64_t live;
#ifdef MSC_X86
    if constexpr (Fast) live = slack_walk_avx2(xw, uw, pre, mk, d.W, c0, delta, y0 - bs, y1 - bs, c, o.slack_items);
    else
#endif
        live = slack_walk_portable(xw, uw, pre, mk, d.W, c0, delta, y0 - bs, y1 - bs, c, o.slack_items);
    ++o.slack_runs;
    o.slack_pairs += y1 - y0;
    o.candidates += y1 - y0;
    for (; live; live &= live - 1) {
        const uint32_t l = uint32_t(__builtin_ctzll(live));
        const uint32_t y = bs + l;
        if (d.grp[y] == same_grp) continue;
        ++o.after_parity;
        ++o.verified;
        uint32_t inter = xd - (c0 - delta[l] - c[l]);   // c0 > delta[l]: the lane started above 0
        const uint32_t* rx = d.rare.data() + d.rare_off[x];
        const uint32_t* rxe = d.rare.data() + d.rare_off[x + 1];
        const uint32_t* ry = d.rare.data() + d.rare_off[y];
        const uint32_t* rye = d.rare.data() + d.rare_off[y + 1];
        if (rx != rxe && ry != rye) inter += intersect_count(rx, rxe, ry, rye);
        const uint32_t uni = sx + d.sz[y] - inter;
        if (jaccard_above(inter, uni, d.num)) {
            const uint32_t a = d.orig[x], bb = d.orig[y];
            o.pairs.push_back({std::min(a, bb), std::max(a, bb), inter, uni});
        }
    }
}

// One tile of positions [p0, p1) (at most kTile, sorted by block) against every later block:
// blocks in the outer loop, the tile's sets in the inner one, so a block's rows are read once
// per tile rather than once per set (the per-set loop was bound by memory traffic).
// cnt: kTile * B rare-item counts (zero on entry and exit).
template <bool Fast>
MSC_INLINE void process_positions(const BlockedData& d, size_t p0, size_t p1, std::vector<uint32_t>& cnt,
                                  std::vector<uint32_t>& touched, ThreadOut& o) {
    const uint32_t B = uint32_t(d.bstart.size() - 1);
    for (size_t x = p0; x < p1; ++x) {   // rare items: per-block counts through the rare-item -> blocks index
        const uint32_t bx = d.blk[x];
        uint32_t* c = cnt.data() + (x - p0) * B;
        for (uint64_t k = d.rare_off[x]; k < d.rare_off[x + 1]; ++k) {
            const uint32_t r = d.rare[k] - d.nfreq;
            for (uint64_t q = d.rb_off[r]; q < d.rb_off[r + 1]; ++q) {
                const uint32_t b = d.rb[q];
                if (b <= bx) continue;
                if (c[b]++ == 0) touched.push_back(uint32_t((x - p0) * B + b));
            }
        }
    }
    uint8_t sok[kTile];
    const uint32_t bfirst = d.blk[p0] + 1;
    const uint32_t NS = uint32_t(d.sstart.size() - 1);
    for (uint32_t S = bfirst < B ? d.sup_of[bfirst] : NS; S < NS; ++S) {
        const uint32_t b_lo = std::max(d.sstart[S], bfirst), b_hi = d.sstart[S + 1];
        const bool use_super = b_hi - b_lo >= 2 && o.super_useful();
        if (use_super) {   // |x ∩ U_S| (all rare items of x counted in) against need(x, smallest of S)
            const uint32_t sminsz = d.sminsz[S], smaxsz = d.smaxsz[S];
            const uint64_t* us = d.sub.data() + size_t(S) * d.W;
            for (size_t x = p0; x < p1; ++x) {
                const uint32_t sx = d.sz[x];
                uint8_t ok = 0;
                if (sx != 0 && d.blk[x] + 1 < b_hi && (d.spooled[S] || d.sgroup[S] != d.grp[x]) &&
                    uint64_t(smaxsz) * kDen > d.num * sx &&
                    !(d.num && uint64_t(sminsz) * d.num >= uint64_t(sx) * kDen)) {
                    ++o.super_tests;
                    const uint32_t need_s = d.need[sx + sminsz];
                    if (sx >= need_s) ok = dense_misses(d.bm.data() + x * d.W, us, d.W, sx - need_s) <= sx - need_s;
                    o.super_pass += ok;
                }
                sok[x - p0] = ok;
            }
        }
        for (uint32_t b = b_lo; b < b_hi; ++b) {
            const uint32_t minsz = d.sz[d.bstart[b]], maxsz = d.sz[d.bstart[b + 1] - 1];
            const uint64_t* ub = d.ubm.data() + size_t(b) * d.W;
            for (size_t x = p0; x < p1; ++x) {
                if (use_super && !sok[x - p0]) continue;
                const uint32_t sx = d.sz[x];
                if (b <= d.blk[x] || sx == 0) continue;
                if (!d.binternal[b] && d.bgroup[b] == d.grp[x]) continue;   // same source: no pairs
                if (uint64_t(maxsz) * kDen <= d.num * sx) continue;            // all too small
                if (d.num && uint64_t(minsz) * d.num >= uint64_t(sx) * kDen) continue;   // all too large
                ++o.block_tests;
                // bound = |x ∩ U_B| = dense items of x in U_B + rare ones (cnt), needed: need(x, minsz)
                const uint32_t cr = cnt[(x - p0) * B + b];
                const uint32_t have = d.nd[x] + cr, need_b = d.need[sx + minsz];
                if (have < need_b) continue;
#ifdef MSC_X86
                const uint32_t miss = Fast ? dense_misses_avx2(d.bm.data() + x * d.W, ub, d.W, have - need_b)
                                           : dense_misses(d.bm.data() + x * d.W, ub, d.W, have - need_b);
#else
                const uint32_t miss = dense_misses(d.bm.data() + x * d.W, ub, d.W, have - need_b);
#endif
                if (miss > have - need_b) continue;
                const uint32_t bound = have - miss;
                ++o.block_pass;
                // size filter: the whole block passes it in the common case (no search then)
                const bool all_sizes = uint64_t(minsz) * kDen > d.num * sx &&
                                       (d.num == 0 || uint64_t(maxsz) * d.num < uint64_t(sx) * kDen);
                const auto [lo, hi] = all_sizes ? std::pair<uint32_t, uint32_t>{d.bstart[b], d.bstart[b + 1]}
                                                : size_range(d, b, sx);
                if (lo == hi || bound < d.need[sx + d.sz[lo]]) continue;
                if (bound - need_b < 255) {
                    slack_block<Fast>(d, x, b, lo, hi, uint8_t(bound - need_b + 1), bound - cr, o);
                } else {
                    for (uint32_t y = lo; y < hi && bound >= d.need[sx + d.sz[y]]; ++y) pair_check(d, x, y, o);
                }
            }
        }
    }
    for (uint32_t i : touched) cnt[i] = 0;
    touched.clear();
    for (size_t x = p0; x < p1; ++x) {   // pairs inside a pooled block (different groups)
        const uint32_t sx = d.sz[x], bx = d.blk[x];
        if (sx == 0 || !d.binternal[bx]) continue;
        auto [lo, hi] = size_range(d, bx, sx);
        lo = std::max<uint32_t>(lo, uint32_t(x + 1));
        if (lo >= hi) continue;
        // x ⊆ U_B: bound = |x|, x' = x's dense items
        const uint32_t need_b = d.need[sx + d.sz[d.bstart[bx]]];
        if (sx < need_b) continue;   // need only grows with |y|
        if (sx - need_b < 255) {
            slack_block<Fast>(d, x, bx, lo, hi, uint8_t(sx - need_b + 1), d.nd[x], o, d.grp[x]);
        } else {
            for (uint32_t y = lo; y < hi; ++y)
                if (d.grp[y] != d.grp[x]) pair_check(d, x, y, o);
        }
    }
}

// flatten: the AVX2 walk is inlined into this (AVX2) body
__attribute__((target("avx2,popcnt"), flatten))
void process_fast(const BlockedData& d, size_t p0, size_t p1, std::vector<uint32_t>& cnt,
                  std::vector<uint32_t>& touched, ThreadOut& o) {
    process_positions<true>(d, p0, p1, cnt, touched, o);
}
void process_portable(const BlockedData& d, size_t p0, size_t p1, std::vector<uint32_t>& cnt,
                      std::vector<uint32_t>& touched, ThreadOut& o) {
    process_positions<false>(d, p0, p1, cnt, touched, o);
}

bool fast_ok() {
    static const bool ok = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt");
    }();
    return ok;
}

// Read access to the sets of a join: all sets of a collection, or one representative per
// distinct set (dedup_join, no copy of the items).
struct CollView {
    const SetCollection& c;
    size_t size() const { return c.size(); }
    uint32_t set_size(size_t i) const { return c.set_size(i); }
    const uint32_t* begin(size_t i) const { return c.items.data() + c.offsets[i]; }
    uint32_t group(size_t i) const { return c.group[i]; }
};
struct RepView {
    const SetCollection& c;
    const std::vector<uint32_t>& rep;
    const std::vector<uint32_t>& grp;
    size_t size() const { return rep.size(); }
    uint32_t set_size(size_t i) const { return c.set_size(rep[i]); }
    const uint32_t* begin(size_t i) const { return c.items.data() + c.offsets[rep[i]]; }
    uint32_t group(size_t i) const { return grp[i]; }
};

template <class View>
std::vector<JoinPair> join_blocked(const View& sets, uint64_t num, unsigned threads, JoinCounters* ctr) {
    BlockedData d;
    const size_t n = d.n = sets.size();
    d.num = num;
    // 1. Item ranks, most frequent (by sets containing it) first.
    uint32_t max_item = 0;
    uint64_t total_items = 0;
    for (size_t i = 0; i < n; ++i) {
        const uint32_t* p = sets.begin(i);
        for (uint32_t k = 0; k < sets.set_size(i); ++k) max_item = std::max(max_item, p[k]);
        total_items += sets.set_size(i);
    }
    std::vector<uint32_t> rank;
    std::unordered_map<uint32_t, uint32_t> rank_map;
    const bool dense_ids = uint64_t(max_item) <= 4 * total_items + (1u << 20);
    auto for_items = [&](auto&& f) {
        for (size_t i = 0; i < n; ++i) {
            const uint32_t* p = sets.begin(i);
            for (uint32_t k = 0; k < sets.set_size(i); ++k) f(p[k]);
        }
    };
    uint32_t universe = 0;
    {
        std::vector<std::pair<uint32_t, uint32_t>> fi;   // (freq, item)
        if (dense_ids) {
            std::vector<uint32_t> freq(size_t(max_item) + 1, 0);
            for_items([&](uint32_t it) { ++freq[it]; });
            for (uint32_t i = 0; i <= max_item && total_items; ++i)
                if (freq[i]) fi.push_back({freq[i], i});
        } else {
            std::unordered_map<uint32_t, uint32_t> freq;
            for_items([&](uint32_t it) { ++freq[it]; });
            for (const auto& [i, f] : freq) fi.push_back({f, i});
        }
        std::sort(fi.begin(), fi.end(), [](const auto& a, const auto& b) {
            return a.first != b.first ? a.first > b.first : a.second < b.second; });
        universe = uint32_t(fi.size());
        if (dense_ids) rank.assign(size_t(max_item) + 1, 0);
        for (uint32_t r = 0; r < fi.size(); ++r) {
            if (dense_ids) rank[fi[r].second] = r;
            else rank_map[fi[r].second] = r;
        }
    }
    auto rank_of = [&](uint32_t it) { return dense_ids ? rank[it] : rank_map.at(it); };
    unsigned W = unsigned(std::min<uint64_t>((uint64_t(universe) + 63) / 64, kMaxDenseWords));
    W = unsigned(std::min<uint64_t>(W, kDenseBudgetBytes / (8 * std::max<size_t>(n, 1))));
    d.W = std::max(W, 1u);
    d.nfreq = d.W * 64;
    // The XOR-parity rows only serve pairs the slack kernel leaves (slack > 254), which needs a
    // set of >= 255 items.
    uint32_t max_size = 0;
    for (size_t i = 0; i < n; ++i) max_size = std::max(max_size, sets.set_size(i));
    d.parity = d.W > kParityWords && max_size >= 255;

    // 2. Blocks. The sets of a group with >= kOwnBlockMin sets are cut, in index order (for peer
    // lists: time order, while a sender's white list drifts slowly), into blocks of at most
    // kGroupBlock sets; smaller groups are pooled into blocks of ~kPooledBlock sets.
    std::unordered_map<uint32_t, uint32_t> gcount;
    for (size_t i = 0; i < n; ++i) ++gcount[sets.group(i)];
    std::vector<uint32_t> gids;
    gids.reserve(gcount.size());
    for (const auto& [g, c] : gcount) gids.push_back(g);
    std::sort(gids.begin(), gids.end());
    std::unordered_map<uint32_t, uint32_t> gpool;            // small group -> pooled block
    uint32_t B = 0, pooled_fill = 0;
    int64_t pooled = -1;
    std::vector<uint8_t> internal;
    for (uint32_t g : gids) {
        const uint32_t c = gcount[g];
        if (c >= kOwnBlockMin) continue;
        if (pooled < 0 || pooled_fill + c > kPooledBlock) { pooled = B++; pooled_fill = 0; internal.push_back(0); }
        if (pooled_fill > 0) internal[size_t(pooled)] = 1;
        gpool[g] = uint32_t(pooled);
        pooled_fill += c;
    }
    std::vector<uint32_t> set_block(n);
    const uint32_t n_pooled = B;   // blocks 0 .. n_pooled-1 are pooled
    {
        struct Cur { uint32_t block, fill; };
        std::unordered_map<uint32_t, Cur> cur;
        std::vector<uint32_t> block_group;   // own blocks (from n_pooled on): their group
        for (size_t i = 0; i < n; ++i) {
            const uint32_t g = sets.group(i);
            if (auto it = gpool.find(g); it != gpool.end()) { set_block[i] = it->second; continue; }
            auto [it, fresh] = cur.try_emplace(g, Cur{0, 0});
            if (fresh || it->second.fill >= kGroupBlock) {
                it->second = {B++, 0};
                internal.push_back(0);
                block_group.push_back(g);
            }
            ++it->second.fill;
            set_block[i] = it->second.block;
        }
        // a group's blocks made consecutive (group-major, time order inside): super-blocks below
        std::vector<uint32_t> order(B - n_pooled);
        std::iota(order.begin(), order.end(), n_pooled);
        std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
            return block_group[a - n_pooled] < block_group[b - n_pooled]; });
        std::vector<uint32_t> new_id(B);
        std::iota(new_id.begin(), new_id.begin() + n_pooled, 0u);
        for (uint32_t k = 0; k < order.size(); ++k) new_id[order[k]] = n_pooled + k;
        for (auto& b : set_block) b = new_id[b];
        std::vector<uint8_t> perm_internal(B);
        for (uint32_t b = 0; b < B; ++b) perm_internal[new_id[b]] = internal[b];
        internal.swap(perm_internal);
    }
    d.binternal = internal;
    d.orig.resize(n);
    std::iota(d.orig.begin(), d.orig.end(), 0u);
    std::sort(d.orig.begin(), d.orig.end(), [&](uint32_t a, uint32_t b) {
        if (set_block[a] != set_block[b]) return set_block[a] < set_block[b];
        if (sets.set_size(a) != sets.set_size(b)) return sets.set_size(a) < sets.set_size(b);
        return a < b; });
    d.bstart.assign(B + 1, 0);
    d.sz.resize(n);
    d.grp.resize(n);
    d.blk.resize(n);
    for (size_t p = 0; p < n; ++p) {
        const uint32_t i = d.orig[p];
        d.sz[p] = sets.set_size(i);
        d.grp[p] = sets.group(i);
        d.blk[p] = set_block[i];
        ++d.bstart[d.blk[p] + 1];
    }
    for (uint32_t b = 0; b < B; ++b) d.bstart[b + 1] += d.bstart[b];
    d.bgroup.assign(B, UINT32_MAX);
    for (uint32_t b = 0; b < B; ++b)
        if (!d.binternal[b] && d.bstart[b + 1] > d.bstart[b]) d.bgroup[b] = d.grp[d.bstart[b]];

    // 3. Per-set dense bitmaps, parity bitmaps, rare items; block unions.
    d.bm.assign(n * d.W, 0);
    if (d.parity) d.par.assign(n * kParityWords, 0);
    d.ubm.assign(size_t(B) * d.W, 0);
    d.rare_off.assign(n + 1, 0);
    std::vector<uint32_t> tmp;
    for (size_t p = 0; p < n; ++p) {
        const uint32_t i = d.orig[p];
        uint64_t* w = d.bm.data() + p * d.W;
        uint64_t* pw = d.parity ? d.par.data() + p * kParityWords : nullptr;
        tmp.clear();
        const uint32_t* items = sets.begin(i);
        for (uint32_t k = 0; k < sets.set_size(i); ++k) {
            const uint32_t r = rank_of(items[k]);
            if (r < d.nfreq) w[r >> 6] |= 1ull << (63 - (r & 63));   // in a word: low bits = rarer items
            else tmp.push_back(r);
            if (pw) {
                const uint64_t h = mix64(r + 0x9e3779b97f4a7c15ull) & (kParityWords * 64 - 1);
                pw[h >> 6] ^= 1ull << (h & 63);
            }
        }
        std::sort(tmp.begin(), tmp.end());
        d.rare.insert(d.rare.end(), tmp.begin(), tmp.end());
        d.rare_off[p + 1] = d.rare.size();
        uint64_t* u = d.ubm.data() + size_t(d.blk[p]) * d.W;
        for (unsigned k = 0; k < d.W; ++k) u[k] |= w[k];
    }
    const uint32_t nrare = universe > d.nfreq ? universe - d.nfreq : 0;
    d.rb_off.assign(size_t(nrare) + 1, 0);
    {
        std::vector<uint32_t> last(nrare, UINT32_MAX);
        for (size_t p = 0; p < n; ++p)
            for (uint64_t k = d.rare_off[p]; k < d.rare_off[p + 1]; ++k) {
                const uint32_t r = d.rare[k] - d.nfreq;
                if (last[r] != d.blk[p]) { last[r] = d.blk[p]; ++d.rb_off[r + 1]; }
            }
        for (uint32_t r = 0; r < nrare; ++r) d.rb_off[r + 1] += d.rb_off[r];
        d.rb.resize(d.rb_off.back());
        std::vector<uint64_t> fill(d.rb_off.begin(), d.rb_off.end() - 1);
        std::fill(last.begin(), last.end(), UINT32_MAX);
        for (size_t p = 0; p < n; ++p)
            for (uint64_t k = d.rare_off[p]; k < d.rare_off[p + 1]; ++k) {
                const uint32_t r = d.rare[k] - d.nfreq;
                if (last[r] != d.blk[p]) { last[r] = d.blk[p]; d.rb[fill[r]++] = d.blk[p]; }
            }
    }

    // Slack kernel tables: per block its dense items (rank order) -> lanes, per position the
    // number of dense items, and need[s] = min_overlap for |x| + |y| = s.
    d.nd.resize(n);
    for (size_t p = 0; p < n; ++p) d.nd[p] = d.sz[p] - uint32_t(d.rare_off[p + 1] - d.rare_off[p]);
    d.bpre.assign(size_t(B) * d.W, 0);
    d.bmask_off.assign(size_t(B) + 1, 0);
    for (uint32_t b = 0; b < B; ++b) {
        uint32_t acc = 0;
        for (unsigned w = 0; w < d.W; ++w) {
            d.bpre[size_t(b) * d.W + w] = uint16_t(acc);
            acc += uint32_t(__builtin_popcountll(d.ubm[size_t(b) * d.W + w]));
        }
        d.bmask_off[b + 1] = d.bmask_off[b] + acc;
    }
    d.bmask.assign(d.bmask_off[B] + 1, 0);   // + 1: the AVX2 walk reads one past a block's items (then unused)
    for (size_t p = 0; p < n; ++p) {
        const uint32_t b = d.blk[p];
        const uint32_t lane = uint32_t(p - d.bstart[b]);
        for (unsigned w = 0; w < d.W; ++w) {
            const uint64_t u = d.ubm[size_t(b) * d.W + w];
            const uint64_t base = d.bmask_off[b] + d.bpre[size_t(b) * d.W + w];
            for (uint64_t m = d.bm[p * d.W + w]; m; m &= m - 1) {
                const unsigned bit = unsigned(__builtin_ctzll(m));
                d.bmask[base + uint64_t(__builtin_popcountll(u & ((1ull << bit) - 1)))] |= 1ull << lane;
            }
        }
    }
    {
        uint32_t maxsz = 0;
        for (uint32_t v : d.sz) maxsz = std::max(maxsz, v);
        d.need.resize(2 * size_t(maxsz) + 1);
        for (size_t k = 0; k < d.need.size(); ++k) d.need[k] = min_overlap(num, uint32_t(k), 0);
        // floor(a + b) >= floor(a) + floor(b): need(sx + sy) >= need(sx + s0) + floor((sy - s0) num / (den + num))
        d.bdelta.assign(size_t(B) * kMaxBlock, 0);
        for (uint32_t b = 0; b < B; ++b)
            for (uint32_t p = d.bstart[b]; p < d.bstart[b + 1]; ++p)
                d.bdelta[size_t(b) * kMaxBlock + (p - d.bstart[b])] =
                    uint8_t(std::min<uint64_t>(255, uint64_t(d.sz[p] - d.sz[d.bstart[b]]) * num / (kDen + num)));
    }

    // Super-blocks: runs of <= kSuperBlocks consecutive blocks of one group, or of pooled blocks.
    d.sup_of.assign(B, 0);
    for (uint32_t b = 0, run = 0; b < B; ++b) {
        const uint32_t key = b < n_pooled ? 0 : d.bgroup[b];
        const bool fresh = b == 0 || b == n_pooled || run == kSuperBlocks || key != d.sgroup.back();
        if (fresh) {
            d.sstart.push_back(b);
            d.sgroup.push_back(key);
            d.spooled.push_back(b < n_pooled);
            d.sminsz.push_back(UINT32_MAX);
            d.smaxsz.push_back(0);
            run = 0;
        }
        ++run;
        const uint32_t S = uint32_t(d.sstart.size() - 1);
        d.sup_of[b] = S;
        if (d.bstart[b + 1] > d.bstart[b]) {
            d.sminsz[S] = std::min(d.sminsz[S], d.sz[d.bstart[b]]);
            d.smaxsz[S] = std::max(d.smaxsz[S], d.sz[d.bstart[b + 1] - 1]);
        }
    }
    d.sstart.push_back(B);
    {
        const size_t NS = d.sstart.size() - 1;
        d.sub.assign(NS * d.W, 0);
        for (uint32_t b = 0; b < B; ++b)
            for (unsigned w = 0; w < d.W; ++w) d.sub[size_t(d.sup_of[b]) * d.W + w] |= d.ubm[size_t(b) * d.W + w];
        for (size_t S = 0; S < NS; ++S)
            if (d.sminsz[S] == UINT32_MAX) d.sminsz[S] = 0;
    }

    // 4. Probe, dynamically scheduled in chunks of positions.
    threads = std::max(1u, std::min(threads, 64u));
    if (n < 256) threads = 1;
    const bool fast = fast_ok() && !g_force_portable.load();
    std::vector<ThreadOut> outs(threads);
    std::atomic<size_t> next{0};
    auto work = [&](unsigned tid) {
        std::vector<uint32_t> cnt(size_t(kTile) * B, 0), touched;
        for (;;) {
            const size_t p0 = next.fetch_add(kTile);
            if (p0 >= n) break;
            const size_t p1 = std::min(n, p0 + kTile);
            if (fast) process_fast(d, p0, p1, cnt, touched, outs[tid]);
            else process_portable(d, p0, p1, cnt, touched, outs[tid]);
        }
    };
    run_workers(threads, work);
    std::vector<JoinPair> out;
    size_t total = 0;
    for (auto& o : outs) total += o.pairs.size();
    out.reserve(total);
    for (auto& o : outs) {
        out.insert(out.end(), o.pairs.begin(), o.pairs.end());
        std::vector<JoinPair>().swap(o.pairs);
        if (ctr) {
            ctr->block_tests += o.block_tests;
            ctr->block_pass += o.block_pass;
            ctr->candidates += o.candidates;
            ctr->after_parity += o.after_parity;
            ctr->verified += o.verified;
            ctr->slack_runs += o.slack_runs;
            ctr->slack_pairs += o.slack_pairs;
            ctr->slack_items += o.slack_items;
            ctr->super_tests += o.super_tests;
            ctr->super_pass += o.super_pass;
        }
    }
    if (ctr) {
        ctr->blocks = B;
        ctr->dense_words = d.W;
        ctr->universe = universe;
        ctr->fast_kernel = fast;
    }
    return out;
}

} // namespace

bool join_fast_kernel_available() { return fast_ok(); }
void join_force_portable_kernel(bool on) { g_force_portable.store(on); }

namespace {
bool dense_item_ids(const SetCollection& sets) {
    uint32_t max_item = 0;
    for (uint32_t it : sets.items) max_item = std::max(max_item, it);
    return uint64_t(max_item) <= 4 * uint64_t(sets.items.size()) + (1u << 20);
}
// Same sets with items renumbered 0..distinct-1 in ascending id order (sets stay sorted).
SetCollection renumber_items(const SetCollection& sets) {
    std::vector<uint32_t> ids(sets.items);
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    SetCollection out;
    out.offsets = sets.offsets;
    out.group = sets.group;
    out.items.resize(sets.items.size());
    for (size_t k = 0; k < sets.items.size(); ++k)
        out.items[k] = uint32_t(std::lower_bound(ids.begin(), ids.end(), sets.items[k]) - ids.begin());
    return out;
}
} // namespace

namespace {
std::vector<JoinPair> join_impl(const SetCollection& sets, double t, unsigned threads, JoinStrategy strategy,
                                JoinCounters* ctr);
}

std::vector<JoinPair> jaccard_join(const SetCollection& sets, double t, unsigned threads, JoinStrategy strategy,
                                   JoinCounters* counters) {
    JoinCounters local;
    JoinCounters* c = counters ? counters : &local;
    *c = JoinCounters{};
    c->eligible = eligible_pairs(sets);
    // The prefix and bitmap paths index arrays by item id: sparse ids are renumbered first, so
    // memory never follows a large id.
    if (strategy != JoinStrategy::Blocked && !dense_item_ids(sets)) {
        const SetCollection dense = renumber_items(sets);
        auto out = join_impl(dense, t, threads, strategy, c);
        c->high = out.size();
        return out;
    }
    auto out = join_impl(sets, t, threads, strategy, c);
    c->high = out.size();
    return out;
}

namespace {
std::vector<JoinPair> join_impl(const SetCollection& sets, double t, unsigned threads, JoinStrategy strategy,
                                JoinCounters* ctr) {
    const size_t n = sets.size();
    std::vector<JoinPair> out;
    if (n < 2) return out;
    const uint64_t num = threshold_num(t);
    if (num >= kDen) return out;   // J > 1 is impossible
    if (threads == 0) threads = 1;
    if (strategy == JoinStrategy::Auto) strategy = n < 1000 ? JoinStrategy::Prefix : JoinStrategy::Blocked;
    if (strategy == JoinStrategy::Blocked) {
        out = join_blocked(CollView{sets}, num, threads, ctr);
        std::sort(out.begin(), out.end(), [](const JoinPair& l, const JoinPair& r) {
            return l.a != r.a ? l.a < r.a : l.b < r.b; });
        return out;
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
    }
    run_workers(threads, work);
    for (auto& f : found) out.insert(out.end(), f.begin(), f.end());
    std::sort(out.begin(), out.end(), [](const JoinPair& l, const JoinPair& r) {
        return l.a != r.a ? l.a < r.a : l.b < r.b; });
    return out;
}
} // namespace

void hist_add(Histogram& h, double v, uint64_t times) {
    h.total += times;
    if (v <= 0) { h.zero += times; return; }
    if (h.counts.empty()) return;
    const double span = h.hi - h.lo;
    long k = span > 0 ? long((v - h.lo) / span * double(h.counts.size())) : 0;
    k = std::clamp<long>(k, 0, long(h.counts.size()) - 1);
    h.counts[size_t(k)] += times;
}

namespace {
// Sums per-thread histograms (and their J > 0 counts) into hist / nz.
void add_parts(Histogram& hist, const std::vector<Histogram>& part, const std::vector<uint64_t>& part_nz, uint64_t& nz) {
    for (size_t t = 0; t < part.size(); ++t) {
        for (size_t b = 0; b < hist.counts.size(); ++b) hist.counts[b] += part[t].counts[b];
        hist.zero += part[t].zero;
        hist.total += part[t].total;
        nz += part_nz[t];
    }
}
} // namespace

void jaccard_histogram(const SetCollection& sets, uint32_t bins, uint64_t max_work, uint64_t sample,
                       Histogram& hist, uint64_t* nonzero, unsigned threads) {
    hist = Histogram{};
    hist.lo = 0;
    hist.hi = 1;
    hist.counts.assign(std::max<uint32_t>(bins, 1), 0);
    const size_t n = sets.size();
    uint64_t nz = 0;
    if (n < 2) { if (nonzero) *nonzero = 0; return; }
    const uint64_t total_pairs = eligible_pairs(sets);
    if (!dense_item_ids(sets)) {   // arrays below are indexed by item id
        jaccard_histogram(renumber_items(sets), bins, max_work, sample, hist, nonzero, threads);
        return;
    }

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
        // Sets interleaved over the threads (set x's work grows with x); each thread counts into
        // its own histogram, summed afterwards.
        const unsigned T = std::max(1u, std::min<unsigned>(threads, unsigned(std::min<size_t>(n, 64))));
        std::vector<Histogram> part(T, hist);
        std::vector<uint64_t> part_nz(T, 0);
        auto work_fn = [&](unsigned t) {
            std::vector<uint32_t> acc(n, 0);
            std::vector<uint32_t> touched;
            Histogram& h = part[t];
            for (size_t x = t; x < n; x += T) {
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
                    hist_add(h, double(inter) / double(uni));
                    ++part_nz[t];
                    acc[y] = 0;
                }
                touched.clear();
            }
        };
        run_workers(T, work_fn);
        add_parts(hist, part, part_nz, nz);
        hist.zero += total_pairs - nz;
        hist.total += total_pairs - nz;
        hist.exact = true;
    } else {
        hist.exact = false;
        // 1. The deterministic sample (the same pairs whatever the thread count).
        uint64_t seed = 0x5eed5eedull ^ n;
        uint64_t attempts = 0;
        std::vector<std::pair<uint32_t, uint32_t>> pick;
        pick.reserve(size_t(std::min<uint64_t>(sample, 1u << 24)));
        while (pick.size() < sample && attempts < sample * 20 && total_pairs > 0) {
            ++attempts;
            const size_t a = size_t(splitmix(seed) % n), b = size_t(splitmix(seed) % n);
            if (a == b || sets.group[a] == sets.group[b]) continue;
            pick.emplace_back(uint32_t(a), uint32_t(b));
        }
        // 2. |A ∩ B| by marking A's items in a bitmap (ids are dense here: max_item bits, L1/L2
        // sized) and testing B's: independent loads, no merge dependency chain. The sample is
        // grouped by A (counting sort), so each A is marked once for all its sampled partners;
        // contiguous ranges of A per thread.
        std::vector<uint32_t> by_a(pick.size());
        {
            std::vector<uint64_t> first(n + 1, 0);
            for (const auto& pr : pick) ++first[pr.first + 1];
            for (size_t k = 1; k <= n; ++k) first[k] += first[k - 1];
            for (const auto& pr : pick) by_a[first[pr.first]++] = pr.second;
            // by_a holds the partners grouped by A; rebuild pick in that order (A, B)
            size_t i = 0;
            for (size_t a = 0; a < n; ++a) {
                const uint64_t end = first[a];
                for (; i < end; ++i) pick[i] = {uint32_t(a), by_a[i]};
            }
        }
        const unsigned T = std::max(1u, std::min<unsigned>(threads, unsigned(std::min<size_t>(pick.size() / 4096 + 1, 64))));
        std::vector<Histogram> part(T, hist);
        std::vector<uint64_t> part_nz(T, 0);
        auto work_fn = [&](unsigned t) {
            size_t lo = pick.size() * t / T, hi = pick.size() * (t + 1) / T;
            // ranges start at a new A (except the first), so no A is marked by two threads
            while (lo > 0 && lo < pick.size() && pick[lo].first == pick[lo - 1].first) ++lo;
            while (hi > 0 && hi < pick.size() && pick[hi].first == pick[hi - 1].first) ++hi;
            std::vector<uint64_t> bits(size_t(max_item) / 64 + 1, 0);
            uint32_t cur = UINT32_MAX;
            auto mark = [&](uint32_t a, bool on) {
                for (auto k = sets.offsets[a]; k < sets.offsets[a + 1]; ++k) {
                    const uint32_t it = sets.items[k];
                    if (on) bits[it >> 6] |= uint64_t(1) << (it & 63);
                    else bits[it >> 6] = 0;
                }
            };
            Histogram& h = part[t];
            for (size_t i = lo; i < hi; ++i) {
                const uint32_t a = pick[i].first, b = pick[i].second;
                if (a != cur) {
                    if (cur != UINT32_MAX) mark(cur, false);
                    cur = a;
                    mark(a, true);
                }
                uint32_t inter = 0;
                for (auto k = sets.offsets[b]; k < sets.offsets[b + 1]; ++k) {
                    const uint32_t it = sets.items[k];
                    inter += uint32_t((bits[it >> 6] >> (it & 63)) & 1);
                }
                const uint64_t uni = uint64_t(sets.set_size(a)) + sets.set_size(b) - inter;
                hist_add(h, uni ? double(inter) / double(uni) : 0.0);
                if (inter) ++part_nz[t];
            }
        };
        run_workers(T, work_fn);
        add_parts(hist, part, part_nz, nz);
    }
    if (nonzero) *nonzero = nz;
}


DedupJoin dedup_join(const SetCollection& lists, double t, unsigned threads, JoinStrategy strategy) {
    DedupJoin d;
    const size_t n = lists.size();
    d.set_of.assign(n, 0);
    d.list_high.assign(n, 0);
    d.list_max_j.assign(n, 0.0);
    d.eligible_list_pairs = eligible_pairs(lists);
    // 1. Identical sets: hash, then compare items (collisions chained).
    std::unordered_map<uint64_t, uint32_t> head;
    std::vector<uint32_t> chain;   // per set: next set with the same hash, or UINT32_MAX
    head.reserve(n);
    for (size_t i = 0; i < n; ++i) {
        const uint32_t* b = lists.items.data() + lists.offsets[i];
        const uint32_t* e = lists.items.data() + lists.offsets[i + 1];
        uint64_t h = 0x51ed270b27a3f1c5ull ^ uint64_t(e - b);
        for (const uint32_t* p = b; p != e; ++p) h = mix64(h + *p + 0x9e3779b97f4a7c15ull);
        auto [it, fresh] = head.try_emplace(h, uint32_t(d.set_rep.size()));
        uint32_t found = UINT32_MAX;
        if (!fresh) {
            for (uint32_t s = it->second; s != UINT32_MAX; s = chain[s]) {
                const uint32_t r = d.set_rep[s];
                if (lists.set_size(r) == uint32_t(e - b) &&
                    std::equal(b, e, lists.items.data() + lists.offsets[r])) { found = s; break; }
            }
        }
        if (found == UINT32_MAX) {
            found = uint32_t(d.set_rep.size());
            d.set_rep.push_back(uint32_t(i));
            if (fresh) chain.push_back(UINT32_MAX);
            else { chain.push_back(it->second); it->second = found; }
        }
        d.set_of[i] = found;
    }
    const size_t m = d.set_rep.size();
    // 2. Members and per-set source counts (sorted by source).
    d.set_size.assign(m, 0);
    for (size_t i = 0; i < n; ++i) ++d.set_size[d.set_of[i]];
    d.member_off.assign(m + 1, 0);
    for (size_t k = 0; k < m; ++k) d.member_off[k + 1] = d.member_off[k] + d.set_size[k];
    d.members.resize(n);
    {
        std::vector<uint64_t> fill(d.member_off.begin(), d.member_off.end() - 1);
        for (size_t i = 0; i < n; ++i) d.members[fill[d.set_of[i]]++] = uint32_t(i);
    }
    struct SrcCount { uint32_t src, c; uint64_t high; double maxj; };
    std::vector<SrcCount> src;
    std::vector<uint64_t> src_off(m + 1, 0);
    std::vector<uint32_t> g;
    for (size_t k = 0; k < m; ++k) {
        g.clear();
        for (uint64_t q = d.member_off[k]; q < d.member_off[k + 1]; ++q) g.push_back(lists.group[d.members[q]]);
        std::sort(g.begin(), g.end());
        for (size_t a = 0; a < g.size();) {
            size_t b = a;
            while (b < g.size() && g[b] == g[a]) ++b;
            src.push_back({g[a], uint32_t(b - a), 0, 0.0});
            a = b;
        }
        src_off[k + 1] = src.size();
    }
    // 3. The join over the distinct sets: group = dense source id if one source, else its own.
    std::unordered_map<uint32_t, uint32_t> dense;
    for (uint32_t s : lists.group) dense.try_emplace(s, uint32_t(dense.size()));
    const uint32_t nsrc = uint32_t(dense.size());
    std::vector<uint32_t> dgroup(m);
    for (size_t k = 0; k < m; ++k)
        dgroup[k] = src_off[k + 1] - src_off[k] == 1 ? dense[src[src_off[k]].src] : nsrc + uint32_t(k);
    const uint64_t num = threshold_num(t);
    if (strategy == JoinStrategy::Auto) strategy = m < 1000 ? JoinStrategy::Prefix : JoinStrategy::Blocked;
    if (strategy == JoinStrategy::Blocked) {
        // no copy of the items: the join reads the representatives in place
        d.counters = JoinCounters{};
        {
            std::unordered_map<uint32_t, uint64_t> per;
            for (uint32_t gg : dgroup) ++per[gg];
            d.counters.eligible = uint64_t(m) * (m ? m - 1 : 0) / 2;
            for (const auto& [gg, c] : per) d.counters.eligible -= c * (c - 1) / 2;
        }
        if (m >= 2 && num < kDen)
            d.pairs = join_blocked(RepView{lists, d.set_rep, dgroup}, num, std::max(threads, 1u), &d.counters);
        std::sort(d.pairs.begin(), d.pairs.end(), [](const JoinPair& l, const JoinPair& r) {
            return l.a != r.a ? l.a < r.a : l.b < r.b; });
        d.counters.high = d.pairs.size();
    } else {
        SetCollection distinct;
        for (size_t k = 0; k < m; ++k) {
            const uint32_t r = d.set_rep[k];
            distinct.items.insert(distinct.items.end(), lists.items.begin() + long(lists.offsets[r]),
                                  lists.items.begin() + long(lists.offsets[r + 1]));
            distinct.offsets.push_back(distinct.items.size());
            distinct.group.push_back(dgroup[k]);
        }
        d.pairs = jaccard_join(distinct, t, threads, strategy, &d.counters);
    }
    // 4. Within a set: J = 1 between members of different sources (when J = 1 is above t).
    const bool self_high = num < kDen;
    d.set_self_pairs.assign(m, 0);
    for (size_t k = 0; k < m; ++k) {
        const uint64_t G = d.set_size[k];
        if (!self_high || lists.set_size(d.set_rep[k]) == 0) continue;
        uint64_t sq = 0;
        for (uint64_t q = src_off[k]; q < src_off[k + 1]; ++q) {
            auto& sc = src[q];
            sq += uint64_t(sc.c) * sc.c;
            if (G > sc.c) { sc.high += G - sc.c; sc.maxj = 1.0; }
        }
        d.set_self_pairs[k] = (G * G - sq) / 2;
        d.high_list_pairs += d.set_self_pairs[k];
    }
    // 5. Across sets: per (set, source) G_other - c_other,source.
    d.pair_lists.resize(d.pairs.size());
    for (size_t k = 0; k < d.pairs.size(); ++k) {
        const auto& jp = d.pairs[k];
        const double j = double(jp.inter) / double(jp.uni);
        const uint64_t Ga = d.set_size[jp.a], Gb = d.set_size[jp.b];
        SrcCount* pa = src.data() + src_off[jp.a];
        SrcCount* pae = src.data() + src_off[jp.a + 1];
        SrcCount* pb = src.data() + src_off[jp.b];
        SrcCount* pbe = src.data() + src_off[jp.b + 1];
        uint64_t same = 0;
        auto bump = [&](SrcCount& s, uint64_t add) {
            if (add == 0) return;
            s.high += add;
            s.maxj = std::max(s.maxj, j);
        };
        while (pa != pae || pb != pbe) {
            if (pb == pbe || (pa != pae && pa->src < pb->src)) { bump(*pa, Gb); ++pa; }
            else if (pa == pae || pb->src < pa->src) { bump(*pb, Ga); ++pb; }
            else {
                same += uint64_t(pa->c) * pb->c;
                bump(*pa, Gb - pb->c);
                bump(*pb, Ga - pa->c);
                ++pa; ++pb;
            }
        }
        d.pair_lists[k] = Ga * Gb - same;
        d.high_list_pairs += d.pair_lists[k];
    }
    // 6. Per list.
    for (size_t i = 0; i < n; ++i) {
        const uint32_t k = d.set_of[i];
        const SrcCount* b = src.data() + src_off[k];
        const SrcCount* e = src.data() + src_off[k + 1];
        const SrcCount* s = std::lower_bound(b, e, lists.group[i], [](const SrcCount& x, uint32_t v) { return x.src < v; });
        d.list_high[i] = s->high;
        d.list_max_j[i] = s->maxj;
    }
    return d;
}

} // namespace msc::metrics

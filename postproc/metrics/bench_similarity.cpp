// msc-bench-similarity: times the exact Jaccard join on generated peer lists.
//   msc-bench-similarity [--lists N] [--size K] [--senders S] [--pool P] [--subnets U]
//                        [--threshold T] [--threads J] [--spies F] [--verify] [--hist]
//                        [--strategy auto|prefix|bitmap]
// Model of the data: U /24s with Zipf-like popularity; each of S senders has a pool of P
// subnets (its "white list"); a list is K draws from its sender's pool. A fraction F of the
// senders are spy-like: their pools are 4-8 subnets (LinkingLion-style lists).
// --verify compares with the naive all-pairs loop (use small N).
#include "metrics/jaccard_join.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <string>

using namespace msc::metrics;

int main(int argc, char** argv) {
    size_t lists = 100000, size = 250, senders = 10000, pool = 1000, subnets = 15000;
    double t = 0.3, spies = 0.02;
    unsigned threads = 2;
    bool verify = false, hist = false;
    JoinStrategy strategy = JoinStrategy::Auto;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> const char* {
            if (i + 1 >= argc) { std::fprintf(stderr, "missing value for %s\n", a.c_str()); std::exit(1); }
            return argv[++i];
        };
        if (a == "--lists") lists = std::strtoull(next(), nullptr, 10);
        else if (a == "--size") size = std::strtoull(next(), nullptr, 10);
        else if (a == "--senders") senders = std::max<size_t>(1, std::strtoull(next(), nullptr, 10));
        else if (a == "--pool") pool = std::max<size_t>(1, std::strtoull(next(), nullptr, 10));
        else if (a == "--subnets") subnets = std::max<size_t>(1, std::strtoull(next(), nullptr, 10));
        else if (a == "--threshold") t = std::strtod(next(), nullptr);
        else if (a == "--threads") threads = unsigned(std::strtoul(next(), nullptr, 10));
        else if (a == "--spies") spies = std::strtod(next(), nullptr);
        else if (a == "--verify") verify = true;
        else if (a == "--hist") hist = true;
        else if (a == "--strategy") {
            std::string v = next();
            strategy = v == "prefix" ? JoinStrategy::Prefix : v == "bitmap" ? JoinStrategy::Bitmap : JoinStrategy::Auto;
        }
        else { std::fprintf(stderr, "usage: see the header of bench_similarity.cpp\n"); return 1; }
    }
    std::mt19937_64 rng(12345);
    // Zipf-like popularity over subnets via inverse-CDF on a power law.
    auto draw_subnet = [&]() -> uint32_t {
        double u = std::uniform_real_distribution<double>(0, 1)(rng);
        return uint32_t(std::min<double>(double(subnets) - 1, std::floor(std::pow(double(subnets), u)) - 1));
    };
    std::vector<std::vector<uint32_t>> pools(senders);
    const size_t n_spies = size_t(double(senders) * spies);
    for (size_t s = 0; s < senders; ++s) {
        auto& p = pools[s];
        if (s < n_spies) {
            const uint32_t base = uint32_t(subnets) + uint32_t(rng() % 64) * 8;   // spy /24s outside the normal range
            for (uint32_t k = 0; k < 4 + rng() % 5; ++k) p.push_back(base + k);
        } else {
            for (size_t k = 0; k < pool; ++k) p.push_back(draw_subnet());
        }
    }
    SetCollection sets;
    std::vector<uint32_t> v;
    for (size_t i = 0; i < lists; ++i) {
        const uint32_t s = uint32_t(rng() % senders);
        v.clear();
        for (size_t k = 0; k < size; ++k) v.push_back(pools[s][rng() % pools[s].size()]);
        std::sort(v.begin(), v.end());
        v.erase(std::unique(v.begin(), v.end()), v.end());
        sets.add(v, s);
    }
    double avg = double(sets.items.size()) / double(std::max<size_t>(1, lists));
    std::printf("lists %zu, entries/list %zu (avg distinct %.1f), senders %zu (%zu spy-like), pool %zu, subnets %zu, "
                "threshold %.3f, threads %u\n", lists, size, avg, senders, n_spies, pool, subnets, t, threads);
    const std::clock_t c0 = std::clock();
    auto t0 = std::chrono::steady_clock::now();
    auto pairs = jaccard_join(sets, t, threads, strategy);
    auto t1 = std::chrono::steady_clock::now();
    const double secs = std::chrono::duration<double>(t1 - t0).count();
    const double cpu = double(std::clock() - c0) / CLOCKS_PER_SEC;
    std::printf("join: %zu pairs above %.3f of %llu eligible pairs in %.2f s wall, %.2f s CPU (all threads)\n",
                pairs.size(), t, (unsigned long long)eligible_pairs(sets), secs, cpu);
    if (hist) {
        msc::Histogram h;
        uint64_t nz = 0;
        auto t2 = std::chrono::steady_clock::now();
        jaccard_histogram(sets, 100, 400000000ull, 2000000ull, h, &nz);
        auto t3 = std::chrono::steady_clock::now();
        std::printf("histogram: %s, %llu pairs (%llu with J > 0, %llu J = 0) in %.2f s\n", h.exact ? "exact" : "sampled",
                    (unsigned long long)h.total, (unsigned long long)nz, (unsigned long long)h.zero,
                    std::chrono::duration<double>(t3 - t2).count());
    }
    if (verify) {
        const uint64_t num = threshold_num(t);
        size_t naive = 0, mismatch = 0;
        size_t k = 0;
        for (size_t a = 0; a < sets.size(); ++a)
            for (size_t b = a + 1; b < sets.size(); ++b) {
                if (sets.group[a] == sets.group[b]) continue;
                const uint32_t in = intersect_count(sets.items.data() + sets.offsets[a], sets.items.data() + sets.offsets[a + 1],
                                                    sets.items.data() + sets.offsets[b], sets.items.data() + sets.offsets[b + 1]);
                const uint32_t un = sets.set_size(a) + sets.set_size(b) - in;
                if (!jaccard_above(in, un, num)) continue;
                ++naive;
                if (k >= pairs.size() || pairs[k].a != a || pairs[k].b != b || pairs[k].inter != in) ++mismatch;
                else ++k;
            }
        std::printf("verify: naive %zu pairs, join %zu pairs, mismatches %zu -> %s\n", naive, pairs.size(), mismatch,
                    (naive == pairs.size() && mismatch == 0) ? "EXACT" : "DIFFERENT");
        return (naive == pairs.size() && mismatch == 0) ? 0 : 2;
    }
    return 0;
}

// msc-bench-similarity: times the exact peer-list similarity (PLS) join on generated lists that
// look like a real capture (docs/metrics.md § similarity, docs/performance.md).
//
//   msc-bench-similarity [--vantages V] [--lists N] [--senders-per-vantage S] [--network-nodes M]
//                        [--network-subnets U] [--popular-subnets P] [--popular-share Q] [--whitelist W]
//                        [--size K] [--churn C] [--spy-share F] [--spy-ips I] [--spy-subnets R]
//                        [--spy-honest H] [--across] [--threshold T] [--threads J]
//                        [--strategy auto|prefix|bitmap|blocked] [--no-dedup] [--hist] [--verify] [--seed X]
//                        [--portable]
//
// Model (defaults in brackets): N [700000] lists over V [5] vantages (N/V each). The reachable
// network has M [3000] nodes; a share Q [0.25] of them sits in P [20] popular /24s (hosting
// providers; skewed towards the first), the others in uniformly drawn /24s out of U [6000] (mostly
// one node per /24). Each vantage sees S [200] honest senders with uneven activity (weights
// 0.3..1.7); an honest sender keeps a white list of W [1000] nodes, replaces C [1] of them before
// every list (slow churn) and sends a fresh uniform sample of K [250] distinct entries each time
// (monerod 0.18 get_peerlist_head with anonymize). A share F [0.05] of each vantage's lists comes
// from a spy fleet of I [60] source IPs (the same IPs at every vantage) announcing addresses of
// their own R [6] /24s (one of them sparse, so it is sometimes missing: near-identical lists),
// plus H [0] honest entries mixed in (H > 0 makes every spy set distinct). Pairs are formed per
// vantage (the default of moneroscope) or, with --across, in one partition of all lists. The
// join is the one `moneroscope analyze` runs (metrics::dedup_join); --no-dedup runs jaccard_join
// on the lists themselves. Printed per partition: lists, distinct sets, eligible list and set
// pairs, blocks, block tests/passes, candidate pairs, after parity, verified, high set and list
// pairs, wall and CPU s (Blocked: also super-block tests/passes and slack-kernel runs, pairs
// covered and item steps, with CPU ns per candidate pair), and the /24 Jaccard of 100,000 random
// pairs; at the end the totals and the peak RSS. --portable runs the portable (non-AVX2) kernel.
// --verify compares with the naive all-pairs loop: total high list pairs, and per list the
// high-pair count and max Jaccard (dedup), or the pair list (--no-dedup). Small N only.
#include "metrics/jaccard_join.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <string>

using namespace msc::metrics;

namespace {

struct Opt {
    size_t vantages = 5, lists = 700000, senders = 200, nodes = 3000, subnets = 6000, popular = 20, whitelist = 1000,
           size = 250, churn = 1;
    double popular_share = 0.25;
    double spy_share = 0.05;
    size_t spy_ips = 60, spy_subnets = 6, spy_honest = 0;
    bool across = false, dedup = true, hist = false, verify = false;
    double t = 0.3;
    unsigned threads = 2;
    uint64_t seed = 12345;
    JoinStrategy strategy = JoinStrategy::Auto;
};

struct Network {
    std::vector<uint32_t> subnet;   // per reachable node: its /24
    uint32_t draw(std::mt19937_64& rng) const { return uint32_t(rng() % subnet.size()); }   // a node
};

struct Spy {
    std::vector<uint32_t> pool;   // addresses in the fleet's /24s
};

// Generates the lists of one vantage into `out` (groups = global source ids).
void gen_vantage(const Opt& o, const Network& net, const Spy& spy, size_t v, size_t n_lists, std::mt19937_64& rng,
                 SetCollection& out) {
    struct Sender {
        std::vector<uint32_t> wl;
        double weight;
    };
    std::vector<Sender> senders(o.senders);
    std::vector<double> cumw;
    double acc = 0;
    for (auto& s : senders) {
        std::vector<uint32_t> wl;
        while (wl.size() < o.whitelist) {
            const uint32_t a = net.draw(rng);
            if (std::find(wl.begin(), wl.end(), a) == wl.end()) wl.push_back(a);
        }
        s.wl = std::move(wl);
        s.weight = 0.3 + 1.4 * std::uniform_real_distribution<double>(0, 1)(rng);
        acc += s.weight;
        cumw.push_back(acc);
    }
    const uint32_t spy_base = uint32_t(o.nodes);   // spy addresses are numbered after the network's nodes
    std::vector<uint32_t> v24, sample;
    const size_t k = o.size;
    for (size_t i = 0; i < n_lists; ++i) {
        const bool is_spy = o.spy_ips > 0 && std::uniform_real_distribution<double>(0, 1)(rng) < o.spy_share;
        uint32_t group;
        sample.clear();
        if (is_spy) {
            group = uint32_t(o.vantages * o.senders + rng() % o.spy_ips);   // same fleet at every vantage
            for (size_t e = 0; e < k; ++e) sample.push_back(spy.pool[rng() % spy.pool.size()]);
            for (size_t e = 0; e < o.spy_honest; ++e) sample.push_back(net.draw(rng));
        } else {
            const double u = std::uniform_real_distribution<double>(0, acc)(rng);
            const size_t s = std::min<size_t>(size_t(std::upper_bound(cumw.begin(), cumw.end(), u) - cumw.begin()),
                                              senders.size() - 1);
            group = uint32_t(v * o.senders + s);
            auto& wl = senders[s].wl;
            for (size_t c = 0; c < o.churn; ++c) {   // slow churn of the white list
                const uint32_t a = net.draw(rng);
                if (std::find(wl.begin(), wl.end(), a) == wl.end()) wl[rng() % wl.size()] = a;
            }
            const size_t take = std::min(k, wl.size());
            for (size_t e = 0; e < take; ++e) {   // partial Fisher-Yates: a uniform sample without replacement
                std::swap(wl[e], wl[e + rng() % (wl.size() - e)]);
                sample.push_back(wl[e]);
            }
        }
        v24.clear();
        for (uint32_t a : sample) v24.push_back(a >= spy_base ? uint32_t(o.subnets) + (a - spy_base) / 256 : net.subnet[a]);
        std::sort(v24.begin(), v24.end());
        v24.erase(std::unique(v24.begin(), v24.end()), v24.end());
        out.add(v24, group);
    }
}

double now_cpu() {
    struct rusage ru {};
    getrusage(RUSAGE_SELF, &ru);
    return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}
long peak_rss_mb() {
    struct rusage ru {};
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024;
}

struct Totals {
    uint64_t lists = 0, distinct = 0, eligible = 0, d_eligible = 0, block_tests = 0, block_pass = 0, candidates = 0,
             after_parity = 0, verified = 0, high_sets = 0, high_lists = 0, slack_runs = 0, slack_pairs = 0,
             slack_items = 0;
    double wall = 0, cpu = 0;
    bool exact = true;
};

// Naive loop over all list pairs. Returns false on any difference.
bool verify_dedup(const SetCollection& s, double t, const DedupJoin& d) {
    const uint64_t num = threshold_num(t);
    std::vector<uint64_t> high(s.size(), 0);
    std::vector<double> mj(s.size(), 0.0);
    uint64_t total = 0;
    for (size_t a = 0; a < s.size(); ++a)
        for (size_t b = a + 1; b < s.size(); ++b) {
            if (s.group[a] == s.group[b]) continue;
            const uint32_t in = intersect_count(s.items.data() + s.offsets[a], s.items.data() + s.offsets[a + 1],
                                                s.items.data() + s.offsets[b], s.items.data() + s.offsets[b + 1]);
            const uint32_t un = s.set_size(a) + s.set_size(b) - in;
            if (!jaccard_above(in, un, num)) continue;
            ++total;
            ++high[a];
            ++high[b];
            const double j = double(in) / double(un);
            mj[a] = std::max(mj[a], j);
            mj[b] = std::max(mj[b], j);
        }
    size_t bad = 0;
    for (size_t i = 0; i < s.size(); ++i)
        if (high[i] != d.list_high[i] || mj[i] != d.list_max_j[i]) ++bad;
    std::printf("  verify: naive %llu high list pairs, dedup %llu; lists with a different count/max J: %zu -> %s\n",
                (unsigned long long)total, (unsigned long long)d.high_list_pairs, bad,
                total == d.high_list_pairs && bad == 0 ? "EXACT" : "DIFFERENT");
    return total == d.high_list_pairs && bad == 0;
}

bool verify_pairs(const SetCollection& s, double t, const std::vector<JoinPair>& pairs) {
    const uint64_t num = threshold_num(t);
    size_t naive = 0, mismatch = 0, k = 0;
    for (size_t a = 0; a < s.size(); ++a)
        for (size_t b = a + 1; b < s.size(); ++b) {
            if (s.group[a] == s.group[b]) continue;
            const uint32_t in = intersect_count(s.items.data() + s.offsets[a], s.items.data() + s.offsets[a + 1],
                                                s.items.data() + s.offsets[b], s.items.data() + s.offsets[b + 1]);
            if (!jaccard_above(in, s.set_size(a) + s.set_size(b) - in, num)) continue;
            ++naive;
            if (k >= pairs.size() || pairs[k].a != a || pairs[k].b != b || pairs[k].inter != in) ++mismatch;
            else ++k;
        }
    std::printf("  verify: naive %zu pairs, join %zu pairs, mismatches %zu -> %s\n", naive, pairs.size(), mismatch,
                (naive == pairs.size() && mismatch == 0) ? "EXACT" : "DIFFERENT");
    return naive == pairs.size() && mismatch == 0;
}

void run_partition(const Opt& o, const char* name, SetCollection& sets, Totals& tot) {
    const double c0 = now_cpu();
    const auto t0 = std::chrono::steady_clock::now();
    JoinCounters c;
    uint64_t high_lists = 0, distinct = sets.size(), d_eligible = 0;
    DedupJoin d;
    std::vector<JoinPair> pairs;
    if (o.dedup) {
        d = dedup_join(sets, o.t, o.threads, o.strategy);
        c = d.counters;
        high_lists = d.high_list_pairs;
        distinct = d.set_rep.size();
        d_eligible = c.eligible;
    } else {
        pairs = jaccard_join(sets, o.t, o.threads, o.strategy, &c);
        high_lists = pairs.size();
        d_eligible = c.eligible;
    }
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = now_cpu() - c0;
    const uint64_t eligible = eligible_pairs(sets);
    std::printf("%s: lists %zu, distinct sets %llu, eligible list pairs %llu, eligible set pairs %llu | blocks %u, "
                "dense words %u, universe %u, block tests %llu, pass %llu | candidate pairs %llu, after parity %llu, "
                "verified %llu | high set pairs %llu, high list pairs %llu | %.2f s wall, %.2f s CPU%s\n",
                name, sets.size(), (unsigned long long)distinct, (unsigned long long)eligible,
                (unsigned long long)d_eligible, c.blocks, c.dense_words, c.universe,
                (unsigned long long)c.block_tests, (unsigned long long)c.block_pass, (unsigned long long)c.candidates,
                (unsigned long long)c.after_parity, (unsigned long long)c.verified, (unsigned long long)c.high,
                (unsigned long long)high_lists, wall, cpu, c.fast_kernel ? " (avx2+popcnt kernel)" : "");
    if (c.super_tests)
        std::printf("  super-blocks: %llu tests, %llu pass\n", (unsigned long long)c.super_tests,
                    (unsigned long long)c.super_pass);
    if (c.slack_runs)
        std::printf("  slack kernel: %llu runs, %llu pairs (%.1f per run), %llu item steps (%.1f per run); "
                    "%.2f ns CPU per candidate pair\n",
                    (unsigned long long)c.slack_runs, (unsigned long long)c.slack_pairs,
                    double(c.slack_pairs) / double(c.slack_runs), (unsigned long long)c.slack_items,
                    double(c.slack_items) / double(c.slack_runs), c.candidates ? cpu * 1e9 / double(c.candidates) : 0.0);
    {   // what the data look like: /24 Jaccard of 100,000 random list pairs from different sources
        std::mt19937_64 r2(99);
        std::vector<double> js;
        for (int k = 0; k < 400000 && js.size() < 100000 && sets.size() > 1; ++k) {
            const size_t a = r2() % sets.size(), b = r2() % sets.size();
            if (a == b || sets.group[a] == sets.group[b]) continue;
            const uint32_t in = intersect_count(sets.items.data() + sets.offsets[a], sets.items.data() + sets.offsets[a + 1],
                                                sets.items.data() + sets.offsets[b], sets.items.data() + sets.offsets[b + 1]);
            const uint32_t un = sets.set_size(a) + sets.set_size(b) - in;
            js.push_back(un ? double(in) / double(un) : 0.0);
        }
        std::sort(js.begin(), js.end());
        double mean = 0, avg_size = double(sets.items.size()) / double(std::max<size_t>(1, sets.size()));
        for (double j : js) mean += j / double(js.size());
        if (!js.empty())
            std::printf("  data: %.1f /24s per list; /24 Jaccard of %zu random pairs: mean %.3f, median %.3f, p99 %.3f, "
                        "p99.9 %.3f, max %.3f\n", avg_size, js.size(), mean, js[js.size() / 2], js[js.size() * 99 / 100],
                        js[js.size() * 999 / 1000], js.back());
    }
    tot.lists += sets.size();
    tot.distinct += distinct;
    tot.eligible += eligible;
    tot.d_eligible += d_eligible;
    tot.block_tests += c.block_tests;
    tot.block_pass += c.block_pass;
    tot.candidates += c.candidates;
    tot.after_parity += c.after_parity;
    tot.verified += c.verified;
    tot.slack_runs += c.slack_runs;
    tot.slack_pairs += c.slack_pairs;
    tot.slack_items += c.slack_items;
    tot.high_sets += c.high;
    tot.high_lists += high_lists;
    tot.wall += wall;
    tot.cpu += cpu;
    if (o.hist) {
        msc::Histogram h;
        uint64_t nz = 0;
        const auto t2 = std::chrono::steady_clock::now();
        jaccard_histogram(sets, 100, 400000000ull, 2000000ull, h, &nz);
        std::printf("  histogram: %s, %llu pairs (%llu with J > 0) in %.2f s\n", h.exact ? "exact" : "sampled",
                    (unsigned long long)h.total, (unsigned long long)nz,
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t2).count());
    }
    if (o.verify) tot.exact = (o.dedup ? verify_dedup(sets, o.t, d) : verify_pairs(sets, o.t, pairs)) && tot.exact;
}

} // namespace

int main(int argc, char** argv) {
    Opt o;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> const char* {
            if (i + 1 >= argc) { std::fprintf(stderr, "missing value for %s\n", a.c_str()); std::exit(1); }
            return argv[++i];
        };
        auto num = [&]() { return size_t(std::strtoull(next(), nullptr, 10)); };
        if (a == "--vantages") o.vantages = std::max<size_t>(1, num());
        else if (a == "--lists") o.lists = num();
        else if (a == "--senders-per-vantage") o.senders = std::max<size_t>(1, num());
        else if (a == "--network-subnets") o.subnets = std::max<size_t>(1, num());
        else if (a == "--network-nodes") o.nodes = std::max<size_t>(1, num());
        else if (a == "--popular-subnets") o.popular = num();
        else if (a == "--popular-share") o.popular_share = std::strtod(next(), nullptr);
        else if (a == "--whitelist") o.whitelist = std::max<size_t>(1, num());
        else if (a == "--size") o.size = num();
        else if (a == "--churn") o.churn = num();
        else if (a == "--spy-share") o.spy_share = std::strtod(next(), nullptr);
        else if (a == "--spy-ips") o.spy_ips = num();
        else if (a == "--spy-subnets") o.spy_subnets = std::max<size_t>(1, num());
        else if (a == "--spy-honest") o.spy_honest = num();
        else if (a == "--across") o.across = true;
        else if (a == "--no-dedup") o.dedup = false;
        else if (a == "--threshold") o.t = std::strtod(next(), nullptr);
        else if (a == "--threads") o.threads = std::max(1u, unsigned(std::strtoul(next(), nullptr, 10)));
        else if (a == "--seed") o.seed = std::strtoull(next(), nullptr, 10);
        else if (a == "--verify") o.verify = true;
        else if (a == "--hist") o.hist = true;
        else if (a == "--portable") join_force_portable_kernel(true);
        else if (a == "--strategy") {
            std::string v = next();
            o.strategy = v == "prefix" ? JoinStrategy::Prefix : v == "bitmap" ? JoinStrategy::Bitmap
                       : v == "blocked" ? JoinStrategy::Blocked : JoinStrategy::Auto;
        } else { std::fprintf(stderr, "usage: see the header of bench_similarity.cpp\n"); return 1; }
    }
    std::mt19937_64 rng(o.seed);
    Network net;
    // Nodes in /24s: a share of them in a few popular /24s (hosting providers; Zipf among those),
    // the rest spread uniformly over the other /24s (mostly one or two nodes each).
    const size_t popular = std::min(o.popular, o.subnets);
    for (size_t i = 0; i < o.nodes; ++i) {
        uint32_t sub;
        if (popular > 0 && std::uniform_real_distribution<double>(0, 1)(rng) < o.popular_share) {
            double u = std::uniform_real_distribution<double>(0, 1)(rng);
            sub = uint32_t(std::min<double>(double(popular) - 1, std::floor(std::pow(double(popular) + 1, u)) - 1));
        } else {
            sub = uint32_t(popular + rng() % std::max<size_t>(1, o.subnets - popular));
        }
        net.subnet.push_back(sub);
    }
    if (o.whitelist > o.nodes) o.whitelist = o.nodes;
    Spy spy;
    const uint32_t spy_base = uint32_t(o.nodes);
    for (size_t q = 0; q < o.spy_subnets; ++q) {
        const uint32_t hosts = q == 0 ? 1 : 1 + uint32_t(rng() % 60);   // one sparse /24: sometimes missing
        for (uint32_t h = 0; h < hosts; ++h) spy.pool.push_back(spy_base + uint32_t(q) * 256 + h);
    }
    std::printf("model: %zu lists, %zu vantages, %zu honest senders per vantage, network %zu nodes in %zu /24s "
                "(%.0f %% in %zu popular /24s), white list %zu, "
                "list size %zu, churn %zu/list, spy share %.3f (%zu IPs, %zu /24s, %zu honest entries), threshold %.3f, "
                "threads %u, %s, %s\n",
                o.lists, o.vantages, o.senders, o.nodes, o.subnets, o.popular_share * 100, popular, o.whitelist, o.size, o.churn, o.spy_share, o.spy_ips,
                o.spy_subnets, o.spy_honest, o.t, o.threads, o.across ? "one partition across vantages" : "per vantage",
                o.dedup ? "dedup_join" : "jaccard_join (no dedup)");
    std::fflush(stdout);
    Totals tot;
    const double g0 = now_cpu();
    double gen_cpu = 0;
    if (o.across) {
        SetCollection all;
        for (size_t v = 0; v < o.vantages; ++v)
            gen_vantage(o, net, spy, v, o.lists / o.vantages + (v < o.lists % o.vantages), rng, all);
        gen_cpu = now_cpu() - g0;
        run_partition(o, "all", all, tot);
    } else {
        for (size_t v = 0; v < o.vantages; ++v) {
            SetCollection part;
            const double c0 = now_cpu();
            gen_vantage(o, net, spy, v, o.lists / o.vantages + (v < o.lists % o.vantages), rng, part);
            gen_cpu += now_cpu() - c0;
            run_partition(o, ("vantage " + std::to_string(v)).c_str(), part, tot);
            std::fflush(stdout);
        }
    }
    std::printf("TOTAL: lists %llu, distinct sets %llu, eligible list pairs %llu, eligible set pairs %llu, block tests "
                "%llu, pass %llu, candidate pairs %llu, after parity %llu, verified %llu, high set pairs %llu, high "
                "list pairs %llu | join %.2f s wall, %.2f s CPU | generation %.2f s CPU | peak RSS %ld MB\n",
                (unsigned long long)tot.lists, (unsigned long long)tot.distinct, (unsigned long long)tot.eligible,
                (unsigned long long)tot.d_eligible, (unsigned long long)tot.block_tests,
                (unsigned long long)tot.block_pass, (unsigned long long)tot.candidates,
                (unsigned long long)tot.after_parity, (unsigned long long)tot.verified,
                (unsigned long long)tot.high_sets, (unsigned long long)tot.high_lists, tot.wall, tot.cpu, gen_cpu,
                peak_rss_mb());
    if (tot.slack_runs)
        std::printf("TOTAL slack kernel: %llu runs, %llu pairs, %llu item steps\n", (unsigned long long)tot.slack_runs,
                    (unsigned long long)tot.slack_pairs, (unsigned long long)tot.slack_items);
    if (o.verify) {
        std::printf("verify: %s\n", tot.exact ? "EXACT" : "DIFFERENT");
        return tot.exact ? 0 : 2;
    }
    return 0;
}

// Exactness of the similarity join (jaccard_join strategies, dedup_join) against the naive loop.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "metrics/internal.hpp"
#include "metrics/jaccard_join.hpp"

#include <algorithm>
#include <map>
#include <random>

using namespace msc;
using metrics::JoinStrategy;
using metrics::eligible_pairs;

namespace {

struct Brute {
    uint64_t total = 0;
    std::vector<uint64_t> high;
    std::vector<double> maxj;
    std::vector<std::pair<uint32_t, uint32_t>> pairs;
};

Brute brute(const metrics::SetCollection& s, double t) {
    const uint64_t num = metrics::threshold_num(t);
    Brute b;
    b.high.assign(s.size(), 0);
    b.maxj.assign(s.size(), 0.0);
    for (uint32_t x = 0; x < s.size(); ++x)
        for (uint32_t y = x + 1; y < s.size(); ++y) {
            if (s.group[x] == s.group[y]) continue;
            const uint32_t in = metrics::intersect_count(s.items.data() + s.offsets[x], s.items.data() + s.offsets[x + 1],
                                                         s.items.data() + s.offsets[y], s.items.data() + s.offsets[y + 1]);
            const uint32_t un = s.set_size(x) + s.set_size(y) - in;
            if (!metrics::jaccard_above(in, un, num)) continue;
            ++b.total;
            ++b.high[x];
            ++b.high[y];
            const double j = double(in) / double(un);
            b.maxj[x] = std::max(b.maxj[x], j);
            b.maxj[y] = std::max(b.maxj[y], j);
            b.pairs.push_back({x, y});
        }
    return b;
}

// Lists around templates: exact copies (many sources, and repeated by one source), perturbed
// copies (J around the thresholds), and unrelated random lists. `spread` multiplies item ids
// (sparse ids exercise the hashed rank path). Universe > 4,096 items: dense + rare split.
metrics::SetCollection make_lists(uint32_t seed, size_t n, uint32_t spread) {
    std::mt19937 rng(seed);
    std::vector<std::vector<uint32_t>> templates;
    for (int k = 0; k < 25; ++k) {
        std::vector<uint32_t> v;
        const int sz = 20 + int(rng() % 60);
        for (int i = 0; i < sz; ++i) v.push_back(rng() % 40 + (rng() % 3 == 0 ? rng() % 7000 : 0));
        templates.push_back(v);
    }
    metrics::SetCollection s;
    std::vector<uint32_t> v;
    for (size_t i = 0; i < n; ++i) {
        const uint32_t kind = rng() % 10;
        const auto& tp = templates[rng() % templates.size()];
        v = tp;
        uint32_t group = 0;
        if (kind < 3) {            // exact copy from a fleet of 40 sources
            group = 1000 + rng() % 40;
        } else if (kind < 4) {     // exact copy from one of 3 sources that repeat themselves
            group = 2000 + rng() % 3;
        } else if (kind < 8) {     // perturbed copy
            const int drop = int(rng() % (v.size() / 2 + 1));
            for (int d = 0; d < drop && !v.empty(); ++d) v.erase(v.begin() + long(rng() % v.size()));
            const int add = int(rng() % 30);
            for (int a = 0; a < add; ++a) v.push_back(rng() % 7000);
            group = rng() % 60;    // honest senders: some with >= 16 sets (own block), some pooled
        } else {                   // unrelated
            v.clear();
            const int sz = 5 + int(rng() % 60);
            for (int a = 0; a < sz; ++a) v.push_back(rng() % 7000);
            group = 100 + rng() % 400;
        }
        for (auto& x : v) x *= spread;
        std::sort(v.begin(), v.end());
        v.erase(std::unique(v.begin(), v.end()), v.end());
        s.add(v, group);
    }
    return s;
}

// Lists shaped like peer lists (the bench's model, small): `senders` sources with `per_sender`
// lists each (>= 64: whole blocks of their own), each list a fresh k-sample of the sender's
// white list; the white list is its cluster's core (3 clusters) plus items of its own, so pairs
// from one cluster have J around 0.25-0.35 and the rest are low. Dense ids, no rare items.
metrics::SetCollection sender_lists(uint32_t seed, size_t senders, size_t per_sender, size_t core, size_t own,
                                    size_t k) {
    std::mt19937 rng(seed);
    const uint32_t net = uint32_t(4 * (core + own) + 50);
    std::vector<std::vector<uint32_t>> cores(3);
    for (auto& c : cores) {
        while (c.size() < core) {
            const uint32_t v = rng() % net;
            if (std::find(c.begin(), c.end(), v) == c.end()) c.push_back(v);
        }
    }
    metrics::SetCollection s;
    std::vector<std::vector<uint32_t>> wl(senders);
    for (size_t q = 0; q < senders; ++q) {
        wl[q] = cores[q % 3];
        while (wl[q].size() < core + own) {
            const uint32_t v = rng() % net;
            if (std::find(wl[q].begin(), wl[q].end(), v) == wl[q].end()) wl[q].push_back(v);
        }
    }
    std::vector<uint32_t> v;
    for (size_t i = 0; i < senders * per_sender; ++i) {
        const size_t q = rng() % senders;   // interleaved in time, as in a capture
        auto& w = wl[q];
        v.clear();
        for (size_t e = 0; e < k && e < w.size(); ++e) {
            std::swap(w[e], w[e + rng() % (w.size() - e)]);
            v.push_back(w[e]);
        }
        std::sort(v.begin(), v.end());
        s.add(v, uint32_t(100 + q));
    }
    return s;
}

// Runs f(strategy, threads) for every strategy x threads 1 and 2, Blocked with both builds of
// its kernel: the AVX2 one (where the CPU has it) and the portable one.
template <class F>
void for_each_config(F&& f) {
    for (auto st : {JoinStrategy::Prefix, JoinStrategy::Bitmap, JoinStrategy::Blocked, JoinStrategy::Auto})
        for (unsigned th : {1u, 2u})
            for (bool portable : {false, true}) {
                if (portable && st != JoinStrategy::Blocked) continue;
                CAPTURE(int(st));
                CAPTURE(th);
                CAPTURE(portable);
                metrics::join_force_portable_kernel(portable);
                f(st, th);
            }
    metrics::join_force_portable_kernel(false);
}

// jaccard_join's pairs against the naive loop, in every configuration.
void check_join(const metrics::SetCollection& s, double t) {
    CAPTURE(t);
    const Brute b = brute(s, t);
    for_each_config([&](JoinStrategy st, unsigned th) {
        metrics::JoinCounters c;
        const auto got = metrics::jaccard_join(s, t, th, st, &c);
        std::vector<std::pair<uint32_t, uint32_t>> g;
        for (const auto& jp : got) g.push_back({jp.a, jp.b});
        CHECK(g == b.pairs);
        CHECK(c.high == b.pairs.size());
    });
}

// dedup_join's per-list counts, max J and totals against the naive loop, in every configuration.
void check_dedup(const metrics::SetCollection& s, double t) {
    CAPTURE(t);
    const Brute b = brute(s, t);
    for_each_config([&](JoinStrategy st, unsigned th) {
        const auto d = metrics::dedup_join(s, t, th, st);
        CHECK(d.set_rep.size() < s.size());   // the generator makes copies
        CHECK(d.high_list_pairs == b.total);
        CHECK(d.list_high == b.high);
        CHECK(d.list_max_j == b.maxj);
        CHECK(d.eligible_list_pairs == metrics::eligible_pairs(s));
        uint64_t sum = 0;
        for (auto x : d.pair_lists) { CHECK(x >= 1); sum += x; }
        for (auto x : d.set_self_pairs) sum += x;
        CHECK(sum == b.total);
    });
}

} // namespace

TEST_CASE("jaccard_join: every strategy equals the naive loop (1 and 2 threads)") {
    for (uint32_t spread : {1u, 100003u}) {
        CAPTURE(spread);
        const auto s = make_lists(11, 1400, spread);
        for (double t : {0.0, 0.3, 0.5, 0.99, 1.0}) check_join(s, t);
    }
}

TEST_CASE("dedup_join: per-list counts, max J and totals equal the naive loop; same-source pairs excluded") {
    for (uint32_t spread : {1u, 100003u}) {
        CAPTURE(spread);
        const auto s = make_lists(5, 1600, spread);
        for (double t : {0.3, 0.99, 1.0}) check_dedup(s, t);
    }
}

TEST_CASE("jaccard_join: peer-list-like senders (full 64-set blocks) equal the naive loop at J near t") {
    const auto s = sender_lists(7, 9, 130, 100, 20, 60);
    const Brute b = brute(s, 0.3);
    CHECK(b.pairs.size() > 100);                      // the data have pairs on both sides of 0.3
    CHECK(b.pairs.size() < eligible_pairs(s) / 10);
    for (double t : {0.2, 0.3, 0.35, 0.99}) check_join(s, t);
    // the slack kernel decided these pairs (AVX2 and portable builds alike)
    for (bool portable : {false, true}) {
        metrics::join_force_portable_kernel(portable);
        metrics::JoinCounters c;
        metrics::jaccard_join(s, 0.3, 2, JoinStrategy::Blocked, &c);
        CHECK(c.slack_runs > 0);
        CHECK(c.slack_pairs == c.candidates);
        CHECK(c.slack_items > 0);
        CHECK(c.super_tests > 0);                      // senders' blocks form super-blocks
        CHECK(c.super_pass < c.super_tests);
        CHECK(c.high == b.pairs.size());
    }
    metrics::join_force_portable_kernel(false);
}

TEST_CASE("jaccard_join: large sets at a low threshold (slack above 254: the XOR-parity path) equal the naive loop") {
    auto s = sender_lists(3, 5, 60, 700, 200, 600);
    std::mt19937 rng(17);
    for (uint32_t k = 0; k < 40; ++k) {   // one-list sources: pooled blocks with pairs inside them
        const uint32_t from = k * 7;
        std::vector<uint32_t> v(s.items.begin() + long(s.offsets[from]), s.items.begin() + long(s.offsets[from + 1]));
        for (int d = 0; d < 30; ++d) v.erase(v.begin() + long(rng() % v.size()));
        s.add(v, 5000 + k);
    }
    check_join(s, 0.05);
    metrics::JoinCounters c;
    metrics::jaccard_join(s, 0.05, 1, JoinStrategy::Blocked, &c);
    CHECK(c.candidates > c.slack_pairs);   // pairs took the parity path
    CHECK(c.after_parity <= c.candidates);
}

TEST_CASE("dedup_join: closed-form per-source counts of identical lists against brute force") {
    // Set X from sources A (3 lists), B (2), C (1); set Y (J(X, Y) = 0.75) from A (1), D (2);
    // set Z (J with X = 2/38) from E (4); one list of A equal to nothing else.
    metrics::SetCollection s;
    std::vector<uint32_t> X, Y, Z;
    for (uint32_t i = 0; i < 20; ++i) X.push_back(i);
    for (uint32_t i = 0; i < 15; ++i) Y.push_back(i);   // J(X,Y) = 15/20 = 0.75
    for (uint32_t i = 18; i < 20; ++i) Z.push_back(i);
    for (uint32_t i = 100; i < 118; ++i) Z.push_back(i);   // J(X,Z) = 2/38
    enum { A = 1, B, C, D, E };
    for (int k = 0; k < 3; ++k) s.add(X, A);
    for (int k = 0; k < 2; ++k) s.add(X, B);
    s.add(X, C);
    s.add(Y, A);
    for (int k = 0; k < 2; ++k) s.add(Y, D);
    for (int k = 0; k < 4; ++k) s.add(Z, E);
    s.add({500, 501, 502}, A);
    const auto d = metrics::dedup_join(s, 0.3, 2);
    const Brute b = brute(s, 0.3);
    CHECK(d.set_rep.size() == 4);
    // within X: C(6,2) - C(3,2) - C(2,2) = 11; within Y: C(3,2) - C(2,2) = 2;
    // X-Y: 6*3 - 3*1 (A with A) = 15; total 28
    CHECK(d.high_list_pairs == 28);
    CHECK(b.total == 28);
    std::map<uint32_t, uint64_t> per_src, per_src_brute;
    for (size_t i = 0; i < s.size(); ++i) {
        per_src[s.group[i]] += d.list_high[i];
        per_src_brute[s.group[i]] += b.high[i];
    }
    CHECK(per_src == per_src_brute);
    // A: X lists 3*3 (within X) + 3*2 (with Y's D lists); Y list: 2 (within Y) + 3 (X's B, C lists)
    CHECK(per_src[A] == 9 + 6 + 2 + 3);
    CHECK(per_src[B] == 2 * 4 + 2 * 3);    // within X: 2*(6-2); X-Y: 2*3
    CHECK(per_src[C] == 5 + 3);
    CHECK(per_src[D] == 2 * 1 + 2 * 6);
    CHECK(per_src[E] == 0);
    CHECK(d.list_high == b.high);
    CHECK(d.list_max_j == b.maxj);
    CHECK(d.list_max_j[0] == 1.0);
    CHECK(d.list_max_j[13] == 0.0);
    // J = 1 is not above 1: nothing is high, identical lists included.
    const auto d1 = metrics::dedup_join(s, 1.0, 1);
    CHECK(d1.high_list_pairs == 0);
    CHECK(std::all_of(d1.list_high.begin(), d1.list_high.end(), [](uint64_t v) { return v == 0; }));
}

TEST_CASE("dedup_join: empty sets never pair; a single-source collection has no pairs") {
    metrics::SetCollection s;
    for (int k = 0; k < 5; ++k) s.add({}, uint32_t(k));
    auto d = metrics::dedup_join(s, 0.3, 2);
    CHECK(d.high_list_pairs == 0);
    CHECK(d.set_rep.size() == 1);
    metrics::SetCollection one;
    for (int k = 0; k < 3000; ++k) one.add({uint32_t(k % 7), 9, 10}, 42);
    d = metrics::dedup_join(one, 0.3, 2, JoinStrategy::Blocked);
    CHECK(d.high_list_pairs == 0);
    CHECK(d.eligible_list_pairs == 0);
}

TEST_CASE("DistinctIds: sorted distinct items of many appended ranges, with bounded growth") {
    msc::metrics::DistinctIds acc;
    std::vector<uint32_t> all;
    std::mt19937 rng(7);
    size_t peak = 0;
    for (int k = 0; k < 2000; ++k) {   // 2000 "lists" of 100 ids out of 5000: 200,000 occurrences
        std::vector<uint32_t> l(100);
        for (auto& x : l) x = uint32_t(rng() % 5000);
        acc.add(l.data(), l.data() + l.size());
        all.insert(all.end(), l.begin(), l.end());
        peak = std::max(peak, acc.buffered());
    }
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());
    CHECK(acc.items() == all);
    CHECK(peak <= 2 * all.size() + 1024 + 100);   // not the 200,000 occurrences
    CHECK(peak < 20000);
    const std::vector<uint32_t> taken = acc.take();
    CHECK(taken == all);
    CHECK(acc.items().empty());
    const uint32_t one[] = {9, 3, 9};
    acc.add(one, one + 3);
    CHECK(acc.items() == std::vector<uint32_t>{3, 9});
}

#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "enrich/enrichment.hpp"
#include "metrics/analyze.hpp"
#include "metrics/jaccard_join.hpp"
#include "model_builder.hpp"

#include <random>

using namespace mt;
using namespace msc;

namespace {

enrich::Enrichment no_data() { return enrich::Enrichment{}; }

const PeerResult& P(const AnalysisResult& r, const char* addr) {
    auto a = *IpAddr::parse(addr);
    for (const auto& p : r.peers)
        if (p.addr == a) return p;
    FAIL("peer not in result: " << addr);
    return r.peers.front();
}
bool has(const PeerResult& p, AnomalyClass c) { return (p.classes & class_bit(c)) != 0; }
const ConnectionResult& C(const AnalysisResult& r, uint32_t id) {
    for (const auto& c : r.connections)
        if (c.id == id) return c;
    FAIL("no connection " << id);
    return r.connections.front();
}
double macro(const AnalysisResult& r, const std::string& name) {
    for (const auto& m : r.macros)
        if (m.name == name) return m.value;
    FAIL("no macro " << name);
    return -1;
}

} // namespace

TEST_CASE("presets: paper defaults and latest thresholds (analysis-methods.md §7)") {
    Config p = Config::paper();
    CHECK(p.pld_min_list_size == 250);
    CHECK(p.pld_diversity_below == doctest::Approx(0.1));
    CHECK(p.pls_min_list_size == 250);
    CHECK(p.pls_jaccard_above == doctest::Approx(0.3));
    CHECK(p.pls_min_high_pairs == 5);
    CHECK(p.ts_interval_above_s == doctest::Approx(90));
    CHECK(p.ts_min_duration_above_s == doctest::Approx(600));
    CHECK(p.category_precedence);
    Config l = Config::latest();
    CHECK(l.preset == Preset::Latest);
    CHECK(l.pld_min_list_size == 225);
    CHECK(l.pld_diversity_below == doctest::Approx(0.05));
    CHECK(l.pls_min_list_size == 226);
    CHECK(l.pls_jaccard_above == doctest::Approx(0.99));
    CHECK(l.pls_min_high_pairs == 1);
    CHECK(l.ts_interval_above_s == doctest::Approx(120));
    CHECK(l.pls_include_own_lists);
    Config c;
    c.asn_file = "/x";
    c.allow_cidrs = {"1.2.3.0/24"};
    CHECK(c.apply_preset("latest"));
    CHECK(c.asn_file == "/x");
    CHECK(c.allow_cidrs.size() == 1);
    CHECK_FALSE(c.apply_preset("nope"));
    CHECK(std::string(class_column(AnomalyClass::SFO)) == "sf_omission");
    CHECK(std::string(class_column(AnomalyClass::Ban)) == "ban_listed");
    CHECK(std::string(class_column(AnomalyClass::Sub)) == "subnet_saturation");
}

TEST_CASE("SFO counts decoded handshakes without support_flags only; LST from lists with last_seen") {
    TB b;
    b.vantage("ams", "164.92.217.0");
    b.handshake("1.1.1.1", 0, 1, 0x11, true, false);   // SFO
    b.handshake("1.1.1.1", 0, 2, 0x11, true, true);
    b.handshake("2.2.2.2", 0, 1, std::nullopt, false, false);   // undecoded: not SFO
    b.handshake("3.3.3.3", 0, 1, 0x33, true, true);
    b.m.messages_by_command[cmd::SupportFlags] = 7;
    b.list(0, "4.4.4.4", entries(10, 10), 10);           // LST
    b.list(0, "3.3.3.3", entries(10, 10), 0);
    b.list(0, "164.92.217.0", entries(10, 10), 3);       // the vantage's own list: never flagged
    auto r = analyze(b.m, Config{}, no_data());
    CHECK(has(P(r, "1.1.1.1"), AnomalyClass::SFO));
    CHECK(P(r, "1.1.1.1").sfo_messages == 1);
    CHECK_FALSE(has(P(r, "2.2.2.2"), AnomalyClass::SFO));
    CHECK(P(r, "2.2.2.2").undecoded_handshakes == 1);
    CHECK_FALSE(has(P(r, "3.3.3.3"), AnomalyClass::SFO));
    CHECK(has(P(r, "4.4.4.4"), AnomalyClass::LST));
    CHECK(P(r, "4.4.4.4").lst_entries == 10);
    CHECK_FALSE(has(P(r, "3.3.3.3"), AnomalyClass::LST));
    for (const auto& p : r.peers) CHECK(p.addr != *IpAddr::parse("164.92.217.0"));
    CHECK(r.summary.totalUniqueIPssupportflag == 1);
    CHECK(r.summary.totalUniqueIPslastseen == 1);
    CHECK(r.summary.SFRpackets == 7);
    CHECK(r.summary.undecodedHandshakes == 1);
    CHECK(macro(r, "totalUniqueIPssupportflag") == 1);
}

TEST_CASE("PLD: diversity per list with size gate, own lists, presets") {
    TB b;
    b.vantage("ams", "164.92.217.0");
    b.list(0, "5.5.5.5", entries(250, 4));      // 4 /24s in 250 entries: 0.016
    b.list(0, "6.6.6.6", entries(250, 250));    // 1.0
    b.list(0, "7.7.7.7", entries(249, 2));      // below the size gate (paper)
    b.list(0, "8.8.8.8", entries(250, 24));     // 0.096 < 0.1 (paper) but not < 0.05 (latest)
    b.list(0, "164.92.217.0", entries(250, 1)); // own list
    auto r = analyze(b.m, Config{}, no_data());
    CHECK(has(P(r, "5.5.5.5"), AnomalyClass::PLD));
    CHECK_FALSE(has(P(r, "6.6.6.6"), AnomalyClass::PLD));
    CHECK_FALSE(has(P(r, "7.7.7.7"), AnomalyClass::PLD));
    CHECK(has(P(r, "8.8.8.8"), AnomalyClass::PLD));
    CHECK(r.summary.totalUniqueIPsPLDiv == 2);
    REQUIRE(r.lists.size() == 5);
    CHECK(r.lists[0].distinct_subnets == 4);
    CHECK(r.lists[0].diversity == doctest::Approx(4.0 / 250));
    CHECK(r.lists[1].distinct_ips == 250);
    CHECK_FALSE(r.lists[4].pld_eligible);      // own list excluded in paper
    auto rl = analyze(b.m, Config::latest(), no_data());
    CHECK(has(P(rl, "5.5.5.5"), AnomalyClass::PLD));
    CHECK(has(P(rl, "7.7.7.7"), AnomalyClass::PLD));   // 249 >= 225 and 2/249 < 0.05
    CHECK_FALSE(has(P(rl, "8.8.8.8"), AnomalyClass::PLD));
    CHECK(rl.lists[4].pld_eligible);          // own list evaluated in latest...
    CHECK(rl.summary.totalUniqueIPsPLDiv == 2); // ...but a vantage IP is never flagged
}

TEST_CASE("PLS: high pairs by /24 Jaccard, same-source pairs excluded, > 4 pairs in paper") {
    TB b;
    b.vantage("ams", "164.92.217.0");
    b.vantage("sfo", "143.198.236.154");
    // Six spies announcing the same 250 addresses (J = 1 with each other): 5 pairs each.
    for (int i = 1; i <= 6; ++i) b.list(0, "20.0.0." + std::to_string(i), entries(250, 50, 91));
    // Five others with identical lists: 4 pairs each (not enough in paper).
    for (int i = 1; i <= 5; ++i) b.list(0, "30.0.0." + std::to_string(i), entries(250, 50, 92));
    // One source sending 10 identical lists: same-source pairs never count.
    for (int i = 0; i < 10; ++i) b.list(0, "40.0.0.1", entries(250, 50, 93));
    // The same 250-address list at another vantage, from a new source: no pair (per vantage).
    b.list(1, "50.0.0.1", entries(250, 50, 91));
    // An honest list sharing 70 of 250 /24s with the spies' /24 set: J below 0.3.
    auto mixed = entries(250, 250, 94);
    for (int i = 0; i < 15; ++i) mixed[size_t(i)] = "91.0." + std::to_string(i) + ".7";
    b.list(0, "60.0.0.1", mixed);
    auto r = analyze(b.m, Config{}, no_data());
    for (int i = 1; i <= 6; ++i) {
        const auto& p = P(r, ("20.0.0." + std::to_string(i)).c_str());
        CHECK(p.pls_high_pairs == 5);
        CHECK(has(p, AnomalyClass::PLS));
        CHECK(p.pls_max_jaccard == doctest::Approx(1.0));
    }
    for (int i = 1; i <= 5; ++i) {
        const auto& p = P(r, ("30.0.0." + std::to_string(i)).c_str());
        CHECK(p.pls_high_pairs == 4);
        CHECK_FALSE(has(p, AnomalyClass::PLS));
    }
    CHECK(P(r, "40.0.0.1").pls_high_pairs == 0);
    CHECK(P(r, "50.0.0.1").pls_high_pairs == 0);
    CHECK(P(r, "60.0.0.1").pls_high_pairs == 0);
    // One row per pair of distinct /24 sets: the six spies' set with itself (15 list pairs) and
    // the five others' set with itself (10); the 10 lists of 40.0.0.1 form a set with no pair.
    REQUIRE(r.similar_pairs.size() == 2);
    CHECK(r.similar_pairs[0].list_pairs + r.similar_pairs[1].list_pairs == 15 + 10);
    CHECK(r.similar_pairs[0].set_a == r.similar_pairs[0].set_b);
    CHECK(r.pls_high_list_pairs == 25);
    CHECK(r.pls_distinct_sets == 5);   // ams: spies, others, 40.0.0.1, 60.0.0.1; sfo: 50.0.0.1
    CHECK(r.summary.totalUniqueIPsPLSim == 6);
    // Pair accounting: 22 lists at ams from 13 sources; 10 share one source -> 231 - 45 = 186 pairs.
    CHECK(r.pls_pairs_total == 186);
    CHECK(r.jaccard_subnet_hist.exact);
    CHECK(r.jaccard_subnet_hist.total == 186);
    CHECK(r.jaccard_subnet_hist.counts.back() == 25);   // the 25 J = 1 pairs
    // latest: > 0.99 and >= 1 pair: the five 30.0.0.x are flagged too.
    auto rl = analyze(b.m, Config::latest(), no_data());
    CHECK(rl.summary.totalUniqueIPsPLSim == 11);
    // across vantages: 50.0.0.1 joins the spies' pairs.
    Config x;
    x.pls_across_vantages = true;
    auto rx = analyze(b.m, x, no_data());
    CHECK(P(rx, "50.0.0.1").pls_high_pairs == 6);
    CHECK(has(P(rx, "50.0.0.1"), AnomalyClass::PLS));
    CHECK(P(rx, "20.0.0.1").pls_high_pairs == 6);
}

TEST_CASE("jaccard_join is exact: equals the naive loop on random data; J == t is not above t") {
    std::mt19937 rng(7);
    metrics::SetCollection sets;
    std::vector<std::vector<uint32_t>> raw;
    for (int i = 0; i < 1200; ++i) {
        std::vector<uint32_t> v;
        const uint32_t base = uint32_t(rng() % 5) * 20;
        const int n = 5 + int(rng() % 40);
        for (int k = 0; k < n; ++k) v.push_back(base + rng() % 40);
        std::sort(v.begin(), v.end());
        v.erase(std::unique(v.begin(), v.end()), v.end());
        sets.add(v, uint32_t(rng() % 50));
        raw.push_back(v);
    }
    for (double t : {0.0, 0.1, 0.3, 0.5, 0.8, 0.99}) {
        const uint64_t num = metrics::threshold_num(t);
        std::vector<std::pair<uint32_t, uint32_t>> naive;
        for (uint32_t a = 0; a < raw.size(); ++a)
            for (uint32_t b = a + 1; b < raw.size(); ++b) {
                if (sets.group[a] == sets.group[b]) continue;
                uint32_t in = metrics::intersect_count(raw[a].data(), raw[a].data() + raw[a].size(), raw[b].data(),
                                                       raw[b].data() + raw[b].size());
                if (metrics::jaccard_above(in, raw[a].size() + raw[b].size() - in, num)) naive.push_back({a, b});
            }
        for (auto [th, st] : {std::pair{1u, metrics::JoinStrategy::Prefix}, std::pair{2u, metrics::JoinStrategy::Prefix},
                              std::pair{1u, metrics::JoinStrategy::Bitmap}, std::pair{2u, metrics::JoinStrategy::Bitmap},
                              std::pair{2u, metrics::JoinStrategy::Auto}}) {
            CAPTURE(t);
            auto got = metrics::jaccard_join(sets, t, th, st);
            std::vector<std::pair<uint32_t, uint32_t>> g;
            for (const auto& jp : got) g.push_back({jp.a, jp.b});
            CHECK(g.size() == naive.size());
            CHECK(g == naive);
        }
    }
    // J = 3/10 exactly: not above 0.3.
    metrics::SetCollection s2;
    s2.add({1, 2, 3, 4, 5, 6, 7}, 1);
    s2.add({5, 6, 7, 8, 9, 10}, 2);   // inter 3, union 10
    CHECK(metrics::jaccard_join(s2, 0.3, 1).empty());
    CHECK(metrics::jaccard_join(s2, 0.299999, 1).size() == 1);
    Histogram h;
    uint64_t nz = 0;
    metrics::jaccard_histogram(s2, 10, 1000, 10, h, &nz);
    CHECK(h.exact);
    CHECK(nz == 1);
    CHECK(h.counts[3] == 1);
    // the exact histogram of `sets` (above) against a naive loop, on 1, 2 and 3 threads
    Histogram want;
    want.counts.assign(20, 0);
    uint64_t want_nz = 0;
    for (uint32_t a = 0; a < raw.size(); ++a)
        for (uint32_t b = a + 1; b < raw.size(); ++b) {
            if (sets.group[a] == sets.group[b]) continue;
            const uint32_t in = metrics::intersect_count(raw[a].data(), raw[a].data() + raw[a].size(), raw[b].data(),
                                                         raw[b].data() + raw[b].size());
            const uint64_t un = raw[a].size() + raw[b].size() - in;
            metrics::hist_add(want, un ? double(in) / double(un) : 0.0);
            want_nz += in > 0;
        }
    for (unsigned th : {1u, 2u, 3u}) {
        CAPTURE(th);
        Histogram got;
        uint64_t got_nz = 0;
        metrics::jaccard_histogram(sets, 20, 1u << 30, 10, got, &got_nz, th);
        CHECK(got.exact);
        CHECK(got_nz == want_nz);
        CHECK(got.counts == want.counts);
        CHECK(got.zero == want.zero);
        CHECK(got.total == want.total);
    }
    // the sampled histogram (work budget exceeded): the same deterministic sample on any thread count
    Histogram one;
    uint64_t one_nz = 0;
    metrics::jaccard_histogram(sets, 20, 10, 50000, one, &one_nz, 1);
    CHECK_FALSE(one.exact);
    CHECK(one.total == 50000);
    CHECK(one_nz > 0);
    CHECK(one_nz < one.total);
    for (unsigned th : {2u, 3u, 8u}) {
        CAPTURE(th);
        Histogram got;
        uint64_t got_nz = 0;
        metrics::jaccard_histogram(sets, 20, 10, 50000, got, &got_nz, th);
        CHECK(got.counts == one.counts);
        CHECK(got.zero == one.zero);
        CHECK(got.total == one.total);
        CHECK(got_nz == one_nz);
    }
    // and its shape follows the exact one: share of J == 0 within 2 points
    CHECK(std::abs(double(one.zero) / double(one.total) - double(want.zero) / double(want.total)) < 0.02);
}

TEST_CASE("ID: reuse A->B->A pooled over vantages; clusters of IPs with > 2 ids sharing an id") {
    TB b;
    b.vantage("ams", "164.92.217.0");
    b.vantage("sfo", "143.198.236.154");
    b.handshake("9.9.9.1", 0, 10, 0xA);
    b.handshake("9.9.9.1", 1, 20, 0xB);
    b.handshake("9.9.9.1", 0, 30, 0xA);   // back to A at another vantage
    b.handshake("9.9.9.2", 0, 10, 0xC);
    b.handshake("9.9.9.2", 0, 20, 0xD);   // honest restart: C -> D
    // cluster: .3 {1,2,3}, .4 {3,4,5} share 3; .5 {1,6} has only 2 ids -> not in the cluster.
    for (uint64_t id : {1, 2, 3}) b.handshake("9.9.9.3", 0, double(id), id);
    for (uint64_t id : {3, 4, 5}) b.handshake("9.9.9.4", 0, double(10 + id), id);
    for (uint64_t id : {1, 6}) b.handshake("9.9.9.5", 0, double(20 + id), id);
    b.handshake("9.9.9.6", 0, 1, 0x77, true, true, 18089);
    b.handshake("9.9.9.6", 0, 2, 0x77, true, true, 18080);
    auto r = analyze(b.m, Config{}, no_data());
    CHECK(has(P(r, "9.9.9.1"), AnomalyClass::ID));
    CHECK(P(r, "9.9.9.1").id_reuse_events == 1);
    CHECK_FALSE(has(P(r, "9.9.9.2"), AnomalyClass::ID));
    CHECK(has(P(r, "9.9.9.3"), AnomalyClass::ID));
    CHECK(has(P(r, "9.9.9.4"), AnomalyClass::ID));
    CHECK_FALSE(has(P(r, "9.9.9.5"), AnomalyClass::ID));
    REQUIRE(r.id_clusters.size() == 1);
    CHECK(r.id_clusters[0].ips.size() == 2);
    CHECK(r.id_clusters[0].shared_ids == std::vector<uint64_t>{3});
    CHECK(r.summary.uniqueIPsIDAnom == 1);
    CHECK(r.summary.uniqueIDclusterIPs == 2);
    CHECK(r.summary.numIDcluster == 1);
    CHECK(r.summary.uniqueIDIPinterIPs == 3);
    CHECK(P(r, "9.9.9.6").my_ports == std::vector<uint32_t>{18080, 18089});
    CHECK(P(r, "9.9.9.6").peer_ids.size() == 1);
    REQUIRE(r.id_reuse_events.size() == 1);
    CHECK(r.id_reuse_events[0].vantage == 0);
    CHECK(r.id_reuse_events[0].peer_id == 0xA);
}

namespace {
using E = TB::E;
// A full connection with both handshakes, V timed syncs every `own` s and peer timed syncs every
// `peer` s (each answered), lasting `dur` seconds.
void ts_conn(TB& b, uint32_t v, const std::string& addr, double start, double dur, double own, double peer) {
    std::vector<E> ev{{start, cmd::Handshake, MsgType::Request, true}, {start + 0.1, cmd::Handshake, MsgType::Response, false}};
    for (double t = start + own; t < start + dur; t += own) {
        ev.push_back({t, cmd::TimedSync, MsgType::Request, false});
        ev.push_back({t + 0.05, cmd::TimedSync, MsgType::Response, true});
    }
    for (double t = start + peer; t < start + dur; t += peer) {
        ev.push_back({t + 0.2, cmd::TimedSync, MsgType::Request, true});
        ev.push_back({t + 0.25, cmd::TimedSync, MsgType::Response, false});
    }
    ev.push_back({start + dur, cmd::Ping, MsgType::Request, false});
    ev.push_back({start + dur + 0.01, cmd::Ping, MsgType::Response, true});
    std::sort(ev.begin(), ev.end(), [](const E& a, const E& c) { return a.t < c.t; });
    b.conn(v, addr, Direction::Incoming, ev);
}
} // namespace

TEST_CASE("connections: categories, SlC pooled over vantages, ping flooding, throttled TS, presets") {
    TB b;
    b.vantage("ams", "164.92.217.0");
    b.vantage("sfo", "143.198.236.154");
    // 11 short-lived connections of one peer, split over two vantages -> SlC (> 10).
    for (int i = 0; i < 6; ++i) b.short_conn(0, "11.0.0.1", i * 100.0, 0.3);
    for (int i = 0; i < 5; ++i) b.short_conn(1, "11.0.0.1", i * 100.0, 0.3);
    // 10 -> not SlC.
    for (int i = 0; i < 10; ++i) b.short_conn(0, "11.0.0.2", i * 100.0, 0.3);
    // Ping flooding: handshake, 3 pings from the peer, 40 s.
    auto& pf = b.conn(0, "12.0.0.1", Direction::Incoming,
                      {{0, cmd::Handshake, MsgType::Request, true}, {0.1, cmd::Handshake, MsgType::Response, false},
                       {1, cmd::Ping, MsgType::Request, true}, {1.1, cmd::Ping, MsgType::Response, false},
                       {2, cmd::Ping, MsgType::Request, true}, {2.1, cmd::Ping, MsgType::Response, false},
                       {3, cmd::Ping, MsgType::Request, true}, {40, cmd::Ping, MsgType::Response, false}});
    const uint32_t pf_id = pf.id;
    // Short connection with 3 pings but only the peer's handshake: paper -> incomplete_hs only.
    auto& ih = b.conn(0, "12.0.0.2", Direction::Incoming,
                      {{0, cmd::Handshake, MsgType::Request, true}, {0.1, cmd::Ping, MsgType::Request, true},
                       {0.2, cmd::Ping, MsgType::Request, true}, {0.3, cmd::Ping, MsgType::Request, true}});
    const uint32_t ih_id = ih.id;
    // Throttled timed sync: V every 60 s, peer every 100 s, 1200 s.
    ts_conn(b, 0, "13.0.0.1", 0, 1200, 60, 100);
    const uint32_t ts_id = b.next_conn - 1;
    // Normal peer: 60 s each way.
    ts_conn(b, 0, "13.0.0.2", 0, 1200, 60, 60);
    const uint32_t ok_id = b.next_conn - 1;
    // Too short to measure (duration 500 s <= 600 s): no interval.
    ts_conn(b, 0, "13.0.0.3", 0, 500, 60, 100);
    // TCP anomaly: V answered 5 timed syncs the peer never sent.
    std::vector<E> an{{0, cmd::Handshake, MsgType::Request, true}, {0.1, cmd::Handshake, MsgType::Response, false}};
    for (int i = 1; i <= 5; ++i) an.push_back({double(i), cmd::TimedSync, MsgType::Response, false});
    b.conn(0, "14.0.0.1", Direction::Incoming, an);
    const uint32_t an_id = b.next_conn - 1;
    // 2-message ping exchange (V's back-ping).
    b.conn(0, "15.0.0.1", Direction::Outgoing, {{0, cmd::Ping, MsgType::Request, false}, {0.2, cmd::Ping, MsgType::Response, true}});
    const uint32_t pe_id = b.next_conn - 1;
    // One-message connection: kept, not categorised.
    b.conn(0, "16.0.0.1", Direction::Incoming, {{0, cmd::Handshake, MsgType::Request, true}});

    auto r = analyze(b.m, Config{}, no_data());
    CHECK(has(P(r, "11.0.0.1"), AnomalyClass::SlC));
    CHECK(P(r, "11.0.0.1").short_lived_conns == 11);
    CHECK_FALSE(has(P(r, "11.0.0.2"), AnomalyClass::SlC));
    CHECK(r.summary.shortLivedConnsOne == 21);
    CHECK(r.summary.shortLivedOneMaxIP == 11);
    CHECK(C(r, pf_id).category == ConnCategory::PingFlooding);
    CHECK(C(r, pf_id).peer_pings == 3);
    CHECK(has(P(r, "12.0.0.1"), AnomalyClass::Ping));
    CHECK(C(r, ih_id).category == ConnCategory::IncompleteHs);
    CHECK((C(r, ih_id).rules & rule_bit(ConnRule::PingFlooding)) != 0);
    CHECK_FALSE(has(P(r, "12.0.0.2"), AnomalyClass::Ping));
    const auto& tc = C(r, ts_id);
    REQUIRE(tc.peer_ts_interval_s);
    CHECK(*tc.peer_ts_interval_s == doctest::Approx(100));
    CHECK(*tc.own_ts_interval_s == doctest::Approx(60));
    CHECK(tc.peer_ts.count == 10);
    CHECK(tc.peer_ts.stddev == doctest::Approx(0).epsilon(1e-6));
    CHECK(tc.category == ConnCategory::ThrottledTs);
    CHECK(has(P(r, "13.0.0.1"), AnomalyClass::TS));
    CHECK_FALSE(has(P(r, "13.0.0.2"), AnomalyClass::TS));
    CHECK(*C(r, ok_id).peer_ts_interval_s == doctest::Approx(60));
    CHECK_FALSE(has(P(r, "13.0.0.3"), AnomalyClass::TS));
    CHECK(C(r, an_id).category == ConnCategory::IncompleteTcp);
    CHECK(C(r, pe_id).category == ConnCategory::PingExchange);
    CHECK(r.summary.totalConnections == b.m.connections.size() - 1);
    CHECK(r.summary.tcpAnomaliesIncHS == 2);
    CHECK(r.summary.pingFloodingConns == 1);
    CHECK(r.summary.throttledTSConns == 1);
    CHECK(r.summary.throttledTSmedianfreq == doctest::Approx(80));   // median of {100, 60}
    CHECK(C(r, pf_id).sequence.rfind("P1001q V1001r P1003q", 0) == 0);

    // latest: independent rules -> the incomplete-handshake pinger is counted; TS threshold 120.
    auto rl = analyze(b.m, Config::latest(), no_data());
    CHECK(has(P(rl, "12.0.0.2"), AnomalyClass::Ping));
    CHECK_FALSE(has(P(rl, "13.0.0.1"), AnomalyClass::TS));
    CHECK(has(P(rl, "11.0.0.1"), AnomalyClass::SlC));
}

TEST_CASE("popularity: exact in-degree, distinct announcers, graph edges; vantage lists excluded") {
    TB b;
    b.vantage("ams", "164.92.217.0");
    b.list(0, "21.0.0.1", {"1.0.0.1", "1.0.0.2", "1.0.0.1"});
    b.list(0, "21.0.0.1", {"1.0.0.1"});
    b.list(0, "21.0.0.2", {"1.0.0.1", "1.0.0.3"});
    b.list(0, "164.92.217.0", {"1.0.0.1", "1.0.0.2"});
    b.handshake("1.0.0.1", 0, 1, 1);
    auto r = analyze(b.m, Config{}, no_data());
    CHECK(P(r, "1.0.0.1").in_degree == 4);
    CHECK(P(r, "1.0.0.1").in_degree_distinct == 2);
    REQUIRE(r.graph_edges.size() == 4);
    uint64_t total = 0;
    for (const auto& e : r.graph_edges) total += e.count;
    CHECK(total == 6);
    CHECK(r.summary.totalPeerLists == 3);
    CHECK(r.summary.avgInDegree == doctest::Approx(2.0));     // {4, 1, 1}
    CHECK(r.summary.medianInDegree == doctest::Approx(1.0));
    CHECK(r.in_degree_dist == Distribution{{1, 2}, {4, 1}});
    CHECK(r.summary.uniquePeersInLists == 3);
}

TEST_CASE("summary: C excludes vantages, NS share, reachable, Sub, overlap, ban lists, allow-list, ASN") {
    TB b;
    b.vantage("ams", "164.92.217.0");
    b.handshake("100.42.27.58", 0, 1, 1, true, false);   // SFO, on MRL lists, ASN 401476
    b.peer("100.42.27.58").sent_to_vantage_port = true;
    b.handshake("162.218.65.9", 0, 1, 2, true, false);   // SFO, LinkingLion
    b.peer("162.218.65.9").vantage_handshake_completed = true;
    b.handshake("192.0.2.1", 0, 1, 3, true, false);      // SFO but allow-listed
    for (int i = 1; i <= 7; ++i) b.handshake("198.51.100." + std::to_string(i), 0, 1, 10 + uint64_t(i));
    b.handshake("203.0.113.1", 0, 1, 99);
    b.m.peers[b.ip("164.92.217.0")];   // a vantage in peers must be ignored

    enrich::Enrichment e;
    e.asn.load_text("100.42.27.0,100.42.27.255,401476,Spruce Creek\n162.218.65.0,162.218.65.255,54098,LIONLINK NETWORKS\n"
                    "198.51.100.0,198.51.100.255,64500,Doc\n");
    e.ban_lists.push_back(enrich::CidrList::parse("100.42.27.0/24\n203.0.113.1\n", "test-ban"));
    e.allow = enrich::AllowList::build({}, {"192.0.2.0/24"}, nullptr);
    Config cfg;
    cfg.sub_top_subnets = 1;
    auto r = analyze(b.m, cfg, e);
    CHECK(r.summary.totalUniqueIPs == 11);
    CHECK(r.summary.totalSusPeers == 2);
    CHECK(r.summary.percentageAnomNet == doctest::Approx(200.0 / 11));
    CHECK(r.summary.susAndReachable == 1);
    CHECK(r.summary.percentageAnomReach == doctest::Approx(100.0 / 11));
    CHECK(r.summary.reachableIPs == 1);
    CHECK(r.summary.susAndTrulyReachable == 1);
    CHECK(r.summary.allowListedFlagged == 1);
    CHECK(P(r, "192.0.2.1").allow_listed);
    CHECK(has(P(r, "192.0.2.1"), AnomalyClass::SFO));
    CHECK_FALSE(P(r, "192.0.2.1").non_standard);
    CHECK(r.summary.totalUniqueIPssupportflag == 2);
    CHECK(r.summary.UniqueASNsSupportFlag == 2);
    CHECK(r.summary.LionLinkPeers == 1);
    CHECK(r.summary.totalUniqueASs == 3);
    // Sub: the top /24 is 198.51.100.0 with 7 connecting IPs.
    REQUIRE(r.top_subnets.size() == 1);
    CHECK(r.top_subnets[0].subnet.to_string() == "198.51.100.0");
    CHECK(r.top_subnets[0].connecting_ips == 7);
    CHECK(r.top_subnets[0].asn == 64500u);
    CHECK(has(P(r, "198.51.100.3"), AnomalyClass::Sub));
    CHECK(r.summary.medianSubnetPeers == doctest::Approx(1));
    // Ban: prefix match incl. the CIDR; NS not on the list.
    CHECK(has(P(r, "100.42.27.58"), AnomalyClass::Ban));
    CHECK(has(P(r, "203.0.113.1"), AnomalyClass::Ban));
    REQUIRE(r.ban_comparisons.size() == 1);
    const auto& bc = r.ban_comparisons[0];
    CHECK(bc.flagged_listed[0] == 1);     // SFO and listed
    CHECK(bc.flagged_unlisted[0] == 1);
    CHECK(bc.flagged_listed[kNsClassCount] == 1);
    CHECK(bc.listed_connecting == 2);
    CHECK(bc.listed_not_flagged == 1);
    CHECK(r.summary.myUniquensPeers == 1);
    // Overlap: diagonal = set sizes; SFO ∩ Ban = 1.
    CHECK(r.overlap.labels.size() == kClassCount);
    CHECK(r.overlap.ips[0][0] == 2);
    CHECK(r.overlap.ips[0][size_t(AnomalyClass::Ban)] == 1);
    CHECK(r.overlap.asns[0][0] == 2);
    CHECK(r.overlap.ips[size_t(AnomalyClass::Sub)][size_t(AnomalyClass::Sub)] == 7);
    CHECK(macro(r, "totalSusPeers") == 2);
    // Ties across the cut are excluded: top 2 of {7, 1, 1, 1, 1} keeps only the 7-IP subnet.
    cfg.sub_top_subnets = 2;
    auto r2 = analyze(b.m, cfg, e);
    CHECK(r2.top_subnets.size() == 1);
    CHECK(r2.overlap.ips[size_t(AnomalyClass::Sub)][size_t(AnomalyClass::Sub)] == 7);
    cfg.sub_top_subnets = 15;   // fewer subnets than N: all of them
    auto r3 = analyze(b.m, cfg, e);
    CHECK(r3.top_subnets.size() == 5);
}

TEST_CASE("saturation: share of anomalous connections over active seconds, mean active count") {
    TB b;
    b.vantage("ams", "164.92.217.0");
    b.handshake("31.0.0.1", 0, 1, 1, true, false);   // SFO -> anomalous
    b.conn(0, "31.0.0.1", Direction::Incoming, {{0, cmd::Handshake, MsgType::Request, true}, {100, cmd::Ping, MsgType::Request, true}});
    b.conn(0, "31.0.0.2", Direction::Incoming, {{0, cmd::Handshake, MsgType::Request, true}, {100, cmd::Ping, MsgType::Request, true}});
    b.conn(0, "31.0.0.3", Direction::Outgoing, {{0, cmd::Handshake, MsgType::Request, false}, {50, cmd::Ping, MsgType::Request, false}});
    auto r = analyze(b.m, Config{}, no_data());
    CHECK(r.summary.incomingConnSat == doctest::Approx(50.0));
    CHECK(r.summary.totalincomingConnSat == doctest::Approx(100.0 / 101));
    CHECK(r.summary.outgoingConnSat == doctest::Approx(0.0));
    REQUIRE(r.saturation.size() == 2);
    CHECK(r.saturation[0].direction == Direction::Incoming);
    CHECK(r.saturation[0].anomalous.size() == 2);   // 101 s in 60-s bins
    CHECK(r.saturation[0].anomalous[0] == doctest::Approx(1.0));
    CHECK(r.saturation[0].anomalous[1] == doctest::Approx(40.0 / 60));
    // ngrams: the SFO peer's patterns are in group SFO, the others in "standard"
    bool sfo = false, std_ = false;
    for (const auto& n : r.ngrams) {
        if (n.group == "SFO" && n.pattern == "P1001q P1003q") sfo = n.count == 1;
        if (n.group == "standard" && n.pattern == "P1001q P1003q") std_ = n.count == 1;
    }
    CHECK(sfo);
    CHECK(std_);
}

TEST_CASE("poisoning: share of announced /24s that hold non-standard IPs") {
    TB b;
    b.vantage("ams", "164.92.217.0");
    // NS peers in 25 distinct /24s (10.0.0.x .. 10.0.24.x).
    for (int i = 0; i < 25; ++i) b.handshake("10.0." + std::to_string(i) + ".200", 0, 1, uint64_t(i), true, false);
    // Sender announces 250 IPs in 250 /24s, 25 of which are NS /24s.
    b.list(0, "41.0.0.1", entries(250, 250, 10));
    // Sender with < 250 distinct IPs: ignored.
    b.list(0, "41.0.0.2", entries(100, 100, 10));
    auto r = analyze(b.m, Config{}, no_data());
    CHECK(r.summary.totalSusPeers == 25);
    CHECK(r.summary.avgPeerPoisoning == doctest::Approx(10.0));
}

TEST_CASE("hostile model: empty model, unknown vantage indices, absurd times do not crash") {
    TB b;
    auto r0 = analyze(b.m, Config{}, no_data());
    CHECK(r0.peers.empty());
    CHECK(r0.summary.totalConnections == 0);
    b.vantage("x", "10.0.0.1");
    b.conn(0, "10.0.0.2", Direction::Incoming, {{-1e9, cmd::Handshake, MsgType::Request, true}, {1e9, cmd::Ping, MsgType::Request, true}});
    auto& c = b.m.connections.back();
    c.vantage = 77;   // no such vantage
    b.list(0, "10.0.0.3", {});
    auto r = analyze(b.m, Config::latest(), no_data());
    CHECK(r.summary.totalConnections == 1);
    CHECK(!r.saturation.empty());
}

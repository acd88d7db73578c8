// Hand-made ReportData with known content, for the plot/HTML unit tests and the browser test.
// Deterministic (fixed LCG), no dependence on the analysis pipeline.
#pragma once

#include "report/plots.hpp"
#include "report/report_data.hpp"

#include <cstdint>
#include <string>

namespace msc::report::test {

struct Lcg {
    uint64_t s;
    explicit Lcg(uint64_t seed) : s(seed) {}
    double next() { // [0, 1)
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        return static_cast<double>(s >> 11) / 9007199254740992.0;
    }
};

inline ReportData fixture_data() {
    ReportData d;
    d.title = "moneroscope report (fixture)";
    d.subtitle = "hand-made data: 2 vantages, 1 h";
    d.summary = {{"Messages analysed", "16,894", ""},
                 {"Connecting IPs", "130", "distinct source IPs of messages"},
                 {"Non-standard IPs", "4 (3.08 %)", ""}};
    Lcg r(42);
    std::vector<uint64_t> deg;
    for (int i = 0; i < 500; ++i) deg.push_back(1 + static_cast<uint64_t>(1000 * r.next() * r.next() * r.next()));
    d.in_degree = frequency(deg);
    std::vector<double> ip_o, s_o, ip_v, s_v;
    for (int i = 0; i < 300; ++i) {
        ip_o.push_back(0.3 * r.next());
        s_o.push_back(0.5 * r.next());
    }
    for (int i = 0; i < 40; ++i) {
        ip_v.push_back(0.2 + 0.2 * r.next());
        s_v.push_back(0.3 + 0.4 * r.next());
    }
    d.jaccard_ip_others = binned(ip_o, 0, 1, 20);
    d.jaccard_24_others = binned(s_o, 0, 1, 20);
    d.jaccard_ip_vantage = binned(ip_v, 0, 1, 20);
    d.jaccard_24_vantage = binned(s_v, 0, 1, 20);
    d.jaccard_24_vantage.exact = false;
    for (int i = 0; i < 200; ++i) d.diversity.push_back(0.6 + 0.4 * r.next());
    for (int i = 0; i < 12; ++i) d.diversity.push_back(0.016 + 0.01 * r.next());
    d.top_subnets = {{"91.198.115.0/24", "AS54098 LionLink Networks", 60, 200},
                     {"162.218.65.0/24", "AS54098 LionLink Networks", 44, 190},
                     {"209.222.252.0/24", "AS54098 LionLink Networks", 30, 160},
                     {"203.0.113.0/24", "", 3, 9},
                     {"198.51.100.0/24", "AS64500 <Example & Co>", 2, 5}};
    d.overlap.labels = {"SFO", "LST", "PLD", "Sig"};
    d.overlap.ips = {{3, 1, 1, 0}, {1, 2, 2, 0}, {1, 2, 2, 0}, {0, 0, 0, 1}};
    d.overlap.asns = {{2, 1, 1, 0}, {1, 1, 1, 0}, {1, 1, 1, 0}, {0, 0, 0, 1}};
    for (int dir = 0; dir < 2; ++dir)
        for (const char* cls : {"non-anomalous", "anomalous"}) {
            SaturationSeries s;
            s.incoming = dir == 0;
            s.cls = cls;
            for (int t = 0; t <= 3600; t += 60)
                s.points.emplace_back(t, (cls[0] == 'n' ? 12 : 3) + static_cast<int>(4 * r.next()) - dir * 2);
            d.saturation.push_back(s);
        }
    for (int i = 0; i < 80; ++i) d.ts_intervals.push_back(60 + r.next() * 2);
    d.ts_intervals.push_back(121.5);
    Timeline t1{"standard_other", "198.51.100.7:18080 → ams (incoming), 24 messages", {}};
    t1.events.push_back({0, 1001, true, false});
    t1.events.push_back({0.2, 1001, false, true});
    for (int k = 1; k <= 11; ++k) {
        t1.events.push_back({60.0 * k, 1002, false, false});
        t1.events.push_back({60.0 * k + 0.1, 1002, true, true});
    }
    t1.events.push_back({700, 1002, false, false}); // beyond the window
    Timeline t2{"ping_flooding", "91.198.115.9:40000 → ams (incoming), 8 messages", {}};
    t2.events = {{0, 1001, true, false}, {0.1, 1001, false, true}, {1, 1003, true, false},
                 {1.1, 1003, false, true}, {2, 1003, true, false}, {2.1, 1003, false, true},
                 {3, 1003, true, false}, {3.1, 1003, false, true}};
    d.timelines = {t1, t2};
    d.anomalies = {
        {"91.198.115.9", "AS54098 LionLink Networks", {"LST", "PLD", "Ping"}, "ams", 812, 14,
         "LST: 12 lists with last_seen (first frame 118 at ams)\nPing: 3 connections with > 2 pings"},
        {"198.51.100.23", "", {"SFO"}, "ams, sfo", 40, 2, "SFO: 1001 request without support_flags, frame 77"},
        {"<script>alert(1)</script>", "AS64500 <Example & Co>", {"Sig"}, "sfo", 3, 1,
         "Sig: signature-only segment frame 5 \"quoted\""},
        {"10.0.0.2", "", {"SFO", "Sig"}, "sfo", 100, 3, "SFO + Sig"},
    };
    d.files = {{"Per-peer table (CSV)", "peers.csv"}, {"Full result (JSON)", "report.json"}};
    d.notes = {"capture broken.pcapng: appears to have been cut short (analysed up to the cut)"};
    return d;
}

} // namespace msc::report::test

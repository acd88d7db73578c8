#include "report/plots.hpp"

#include "report/svg.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace msc::report {

namespace {

constexpr double kW = 820, kH = 440;
const Rect kArea{80, 40, 700, 330};

std::string count_text(size_t n, const char* what) {
    return tick_label(static_cast<double>(n)) + " " + what;
}

// Bars of one histogram series in `area`; `offset`/`share` split each bin between series.
void draw_hist_bars(Svg& svg, const Axis& x, const Axis& y, const std::vector<double>& heights,
                    double lo, double width, const char* colour, double offset, double share,
                    const std::string& series) {
    for (size_t i = 0; i < heights.size(); ++i) {
        if (heights[i] <= 0) continue;
        double b0 = lo + width * static_cast<double>(i);
        double x0 = x.map(b0 + width * offset), x1 = x.map(b0 + width * (offset + share));
        double y0 = y.map(y.log ? y.lo : 0), y1 = y.map(heights[i]);
        svg.rect(x0 + 0.5, y1, std::max(0.5, x1 - x0 - 1), y0 - y1, colour, "none",
                 series + ": [" + num(b0, 3) + ", " + num(b0 + width, 3) + ") " + num(heights[i], 2));
    }
}

void threshold_line(Svg& svg, const Rect& a, const Axis& x, double t, const std::string& label) {
    if (t < x.lo || t > x.hi) return;
    double px = x.map(t);
    svg.line(px, a.y, px, a.y + a.h, "#b00020", 1.5, "5,3");
    svg.text(px + 4, a.y + 12, label, 10, "start", "#b00020");
}

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double max_of(const std::vector<double>& v) {
    double m = 0;
    for (double x : v) m = std::max(m, x);
    return m;
}

} // namespace

std::vector<uint64_t> histogram(const std::vector<double>& values, double lo, double hi, size_t bins) {
    std::vector<uint64_t> out(bins, 0);
    if (bins == 0 || !(hi > lo)) return out;
    double width = (hi - lo) / static_cast<double>(bins);
    for (double v : values) {
        if (std::isnan(v)) continue;
        double f = std::floor((v - lo) / width);
        size_t i = f < 0 ? 0 : f >= static_cast<double>(bins) ? bins - 1 : static_cast<size_t>(f);
        ++out[i];
    }
    return out;
}

BinnedHistogram binned(const std::vector<double>& values, double lo, double hi, size_t bins) {
    BinnedHistogram h;
    h.lo = lo;
    h.hi = hi;
    h.counts = histogram(values, lo, hi, bins);
    for (uint64_t c : h.counts) h.total += c;
    return h;
}

std::vector<std::pair<uint64_t, uint64_t>> frequency(const std::vector<uint64_t>& values) {
    std::map<uint64_t, uint64_t> m;
    for (uint64_t v : values)
        if (v > 0) ++m[v];
    return {m.begin(), m.end()};
}

std::string command_name(uint32_t c) {
    switch (c) {
    case 1001: return "1001 handshake";
    case 1002: return "1002 timed sync";
    case 1003: return "1003 ping";
    case 1007: return "1007 support flags";
    case 2001: return "2001 new block";
    case 2002: return "2002 new txs";
    case 2003: return "2003 get objects";
    case 2004: return "2004 objects";
    case 2006: return "2006 chain req";
    case 2007: return "2007 chain entry";
    case 2008: return "2008 fluffy block";
    case 2009: return "2009 missing txs";
    case 2010: return "2010 txpool compl.";
    default: return std::to_string(c);
    }
}

Figure plot_in_degree(const ReportData& d) {
    Figure f{"in_degree", "Peer popularity: in-degree distribution",
             "Number of announced IPs (y) that appear k times (x) in peer lists sent by peers, log-log. "
             "Every list and every repetition counts (analysis-methods.md §6.4).",
             {}, false};
    Svg svg(kW, kH, f.title);
    std::vector<std::pair<uint64_t, uint64_t>> freq;
    for (auto& p : d.in_degree)
        if (p.first > 0 && p.second > 0) freq.push_back(p);
    std::sort(freq.begin(), freq.end());
    if (freq.empty()) {
        draw_no_data(svg, kArea, "no peer lists from peers");
        f.svg = svg.str();
        return f;
    }
    double xmax = static_cast<double>(freq.back().first), ymax = 1;
    for (auto& p : freq) ymax = std::max(ymax, static_cast<double>(p.second));
    Axis x{1, std::pow(10.0, std::ceil(std::log10(std::max(10.0, xmax)))), kArea.x, kArea.x + kArea.w, true};
    Axis y{1, std::pow(10.0, std::ceil(std::log10(std::max(10.0, ymax)))), kArea.y + kArea.h, kArea.y, true};
    draw_axes(svg, kArea, x, y, "in-degree k (mentions in peer lists)", "IPs with in-degree k");
    for (auto& [k, n] : freq)
        svg.circle(x.map(static_cast<double>(k)), y.map(static_cast<double>(n)), 3, palette(0),
                   "k=" + std::to_string(k) + ": " + std::to_string(n) + " IPs");
    // Mean and median from the distribution (weighted by the number of IPs).
    double ips = 0, sum = 0;
    for (auto& [k, n] : freq) {
        ips += static_cast<double>(n);
        sum += static_cast<double>(k) * static_cast<double>(n);
    }
    double half = ips / 2, seen = 0, med = 0;
    for (size_t i = 0; i < freq.size(); ++i) {
        seen += static_cast<double>(freq[i].second);
        if (seen > half) { med = static_cast<double>(freq[i].first); break; }
        if (seen == half) { med = (static_cast<double>(freq[i].first) + static_cast<double>(freq[i + 1].first)) / 2; break; }
    }
    svg.text(kArea.x + kArea.w - 6, kArea.y + 16,
             tick_label(ips) + " IPs, mean " + num(sum / ips, 2) + ", median " + num(med, 2), 11, "end");
    f.svg = svg.str();
    f.has_data = true;
    return f;
}

Figure plot_jaccard(const ReportData& d) {
    Figure f{"peerlist_similarity", "Peer-list similarity (Jaccard)",
             "Share of list pairs per Jaccard bin, by IP (left) and by /24 (right), for pairs involving a "
             "vantage's own list and pairs between other senders. Only the /24 value flags (threshold "
             "dashed, analysis-methods.md §4.4).",
             {}, false};
    Svg svg(kW, kH, f.title);
    const Rect left{70, 40, 330, 330}, right{470, 40, 330, 330};
    bool any = d.jaccard_ip_vantage.total + d.jaccard_ip_others.total + d.jaccard_24_vantage.total +
                   d.jaccard_24_others.total > 0;
    if (!any) {
        draw_no_data(svg, kArea, "no eligible peer-list pairs");
        f.svg = svg.str();
        return f;
    }
    auto panel = [&](const Rect& a, const BinnedHistogram& vant, const BinnedHistogram& oth, const char* what,
                     bool threshold) {
        auto share = [&](const BinnedHistogram& h) {
            std::vector<double> out;
            for (uint64_t c : h.counts)
                out.push_back(h.total ? 100.0 * static_cast<double>(c) / static_cast<double>(h.total) : 0);
            return out;
        };
        auto hv = share(vant), ho = share(oth);
        double ymax = std::max({max_of(hv), max_of(ho), 1.0});
        Axis x{0, 1, a.x, a.x + a.w, false};
        Axis y{0, ymax * 1.1, a.y + a.h, a.y, false};
        draw_axes(svg, a, x, y, std::string("Jaccard similarity by ") + what, "% of pairs");
        if (!hv.empty()) draw_hist_bars(svg, x, y, hv, vant.lo, (vant.hi - vant.lo) / static_cast<double>(hv.size()), palette(1), 0, 0.5, "vantage pairs");
        if (!ho.empty()) draw_hist_bars(svg, x, y, ho, oth.lo, (oth.hi - oth.lo) / static_cast<double>(ho.size()), palette(0), 0.5, 0.5, "other pairs");
        if (threshold) threshold_line(svg, a, x, d.jaccard_threshold, "threshold " + num(d.jaccard_threshold, 2));
        auto label = [](const char* name, const BinnedHistogram& h) {
            return std::string(name) + " (n=" + tick_label(static_cast<double>(h.total)) + (h.exact ? "" : ", sampled") + ")";
        };
        draw_legend(svg, a, {{label("vantage pairs", vant), palette(1)}, {label("other pairs", oth), palette(0)}});
    };
    panel(left, d.jaccard_ip_vantage, d.jaccard_ip_others, "IP", false);
    panel(right, d.jaccard_24_vantage, d.jaccard_24_others, "/24", true);
    f.svg = svg.str();
    f.has_data = true;
    return f;
}

Figure plot_diversity(const ReportData& d) {
    Figure f{"peerlist_diversity", "Peer-list /24 diversity",
             "Distinct /24s divided by IPv4 entries, one value per eligible peer list; lists left of the "
             "dashed threshold are flagged (PLD, analysis-methods.md §4.3).",
             {}, false};
    Svg svg(kW, kH, f.title);
    if (d.diversity.empty()) {
        draw_no_data(svg, kArea, "no peer list reached the size gate");
        f.svg = svg.str();
        return f;
    }
    constexpr size_t kBins = 50;
    auto h = histogram(d.diversity, 0, 1, kBins);
    std::vector<double> hv(h.begin(), h.end());
    Axis x{0, 1, kArea.x, kArea.x + kArea.w, false};
    Axis y{0, std::max(1.0, max_of(hv)) * 1.1, kArea.y + kArea.h, kArea.y, false};
    draw_axes(svg, kArea, x, y, "distinct /24s ÷ entries", "peer lists");
    draw_hist_bars(svg, x, y, hv, 0, 1.0 / kBins, palette(0), 0, 1, "lists");
    threshold_line(svg, kArea, x, d.diversity_threshold, "threshold " + num(d.diversity_threshold, 2));
    size_t below = 0;
    for (double v : d.diversity) below += v < d.diversity_threshold;
    svg.text(kArea.x + kArea.w - 6, kArea.y + 16,
             count_text(d.diversity.size(), "lists") + ", " + tick_label(static_cast<double>(below)) +
                 " below threshold",
             11, "end");
    f.svg = svg.str();
    f.has_data = true;
    return f;
}

Figure plot_top_subnets(const ReportData& d) {
    Figure f{"top_subnets", "Top /24 subnets by connecting IPs",
             "The /24s with the most distinct connecting IPs (coloured by AS), over a grey bar counting "
             "connecting plus peer-list IPs in the same /24 (Sub, analysis-methods.md §5.1).",
             {}, false};
    double rows = static_cast<double>(std::max<size_t>(d.top_subnets.size(), 1));
    double h = std::max(kH, 90 + 24 * rows);
    Svg svg(kW, h, f.title);
    Rect a{170, 40, 440, h - 90};
    if (d.top_subnets.empty()) {
        draw_no_data(svg, a, "no connecting IPs");
        f.svg = svg.str();
        return f;
    }
    double xmax = 1;
    for (auto& b : d.top_subnets) xmax = std::max({xmax, static_cast<double>(b.with_lists),
                                                   static_cast<double>(b.connecting)});
    Axis x{0, xmax * 1.05, a.x, a.x + a.w, false};
    for (double t : x.ticks()) {
        svg.line(x.map(t), a.y, x.map(t), a.y + a.h, "#e4e4e4");
        svg.text(x.map(t), a.y + a.h + 16, tick_label(t), 10, "middle", "#444");
    }
    svg.text(a.x + a.w / 2, a.y + a.h + 34, "distinct IPs in the /24", 11, "middle");
    std::map<std::string, size_t> asn_colour;
    std::vector<std::pair<std::string, std::string>> legend;
    double bh = a.h / rows;
    for (size_t i = 0; i < d.top_subnets.size(); ++i) {
        const auto& b = d.top_subnets[i];
        std::string asn = b.asn.empty() ? "unknown AS" : b.asn;
        auto it = asn_colour.find(asn);
        if (it == asn_colour.end()) {
            it = asn_colour.emplace(asn, asn_colour.size()).first;
            legend.emplace_back(asn, palette(it->second));
        }
        double y0 = a.y + bh * static_cast<double>(i);
        svg.rect(a.x, y0 + 2, x.map(static_cast<double>(b.with_lists)) - a.x, bh - 4, "#d9d9d9", "none",
                 b.subnet + ": " + std::to_string(b.with_lists) + " IPs incl. peer lists");
        svg.rect(a.x, y0 + bh * 0.2, x.map(static_cast<double>(b.connecting)) - a.x, bh * 0.6,
                 palette(it->second), "none",
                 b.subnet + " (" + asn + "): " + std::to_string(b.connecting) + " connecting IPs");
        svg.text(a.x - 6, y0 + bh / 2 + 4, b.subnet, 10, "end");
        svg.text(x.map(static_cast<double>(b.connecting)) + 4, y0 + bh / 2 + 4, std::to_string(b.connecting),
                 9, "start", "#222");
    }
    svg.line(a.x, a.y, a.x, a.y + a.h, "#444");
    if (legend.size() > 12) {
        legend.resize(11);
        legend.emplace_back("… more ASes", "#ffffff");
    }
    draw_legend(svg, Rect{a.x + a.w + 10, a.y, kW - a.x - a.w - 14, a.h}, legend);
    f.svg = svg.str();
    f.has_data = true;
    return f;
}

Figure plot_overlap(const ReportData& d) {
    Figure f{"anomaly_overlap", "Overlap of anomaly classes",
             "Number of IPs (left) and ASNs (right) in both classes; the diagonal is the class size. "
             "Colour is normalised per matrix (analysis-methods.md §6.3).",
             {}, false};
    const auto& m = d.overlap;
    size_t n = m.labels.size();
    Svg svg(kW, kH, f.title);
    auto square = [&](const std::vector<std::vector<uint64_t>>& v) {
        if (v.size() != n) return false;
        for (auto& r : v)
            if (r.size() != n) return false;
        return true;
    };
    if (n == 0 || !square(m.ips)) {
        draw_no_data(svg, kArea, n == 0 ? "no anomaly classes" : "malformed overlap matrix");
        f.svg = svg.str();
        return f;
    }
    auto panel = [&](double ox, const std::vector<std::vector<uint64_t>>& v, const std::string& what) {
        double size = 320, cell = size / static_cast<double>(n);
        double oy = 60;
        uint64_t mx = 0;
        for (auto& r : v)
            for (uint64_t c : r) mx = std::max(mx, c);
        svg.text(ox + size / 2, 30, what, 12, "middle", "#222", 0, true);
        for (size_t i = 0; i < n; ++i) {
            svg.text(ox - 4, oy + cell * (static_cast<double>(i) + 0.5) + 4, m.labels[i], 10, "end");
            svg.text(ox + cell * (static_cast<double>(i) + 0.5), oy + size + 14, m.labels[i], 10, "middle");
            for (size_t j = 0; j < n; ++j) {
                double t = mx ? static_cast<double>(v[i][j]) / static_cast<double>(mx) : 0;
                int g = static_cast<int>(std::lround(255 - t * 200));
                int r = static_cast<int>(std::lround(255 - t * 150));
                char fill[16];
                std::snprintf(fill, sizeof fill, "#%02x%02x%02x", std::clamp(r, 0, 255), std::clamp(g, 0, 255), 255);
                svg.rect(ox + cell * static_cast<double>(j), oy + cell * static_cast<double>(i), cell, cell, fill,
                         "#ffffff", m.labels[i] + " ∩ " + m.labels[j] + ": " + std::to_string(v[i][j]) + " " + what);
                svg.text(ox + cell * (static_cast<double>(j) + 0.5), oy + cell * (static_cast<double>(i) + 0.5) + 3,
                         std::to_string(v[i][j]), std::min(10.0, cell / 3.2), "middle", t > 0.6 ? "#ffffff" : "#222");
            }
        }
    };
    panel(60, m.ips, "IPs");
    if (square(m.asns)) panel(470, m.asns, "ASNs");
    else svg.text(630, 220, "no ASN data", 14, "middle", "#888");
    f.svg = svg.str();
    f.has_data = true;
    return f;
}

Figure plot_saturation(const ReportData& d) {
    Figure f{"connection_saturation", "Connection saturation over time",
             "Active connections per second by peer class, incoming (top) and outgoing (bottom), averaged "
             "over vantages (analysis-methods.md §6.5).",
             {}, false};
    Svg svg(kW, 520, f.title);
    bool any = false;
    double tmax = 1, ymax = 1;
    for (auto& s : d.saturation)
        for (auto& p : s.points) {
            any = true;
            tmax = std::max(tmax, p.first);
            ymax = std::max(ymax, p.second);
        }
    if (!any) {
        draw_no_data(svg, Rect{80, 40, 700, 420}, "no connections");
        f.svg = svg.str();
        return f;
    }
    bool hours = tmax > 4 * 3600;
    double scale = hours ? 3600 : 60;
    std::vector<std::string> classes;
    for (auto& s : d.saturation)
        if (std::find(classes.begin(), classes.end(), s.cls) == classes.end()) classes.push_back(s.cls);
    auto colour_of = [&](const std::string& c) {
        if (c == "anomalous") return "#D55E00";
        if (c == "adversarial") return "#CC79A7";
        if (c == "non-anomalous") return "#0072B2";
        return palette(static_cast<size_t>(std::find(classes.begin(), classes.end(), c) - classes.begin()) + 2);
    };
    for (int dir = 0; dir < 2; ++dir) {
        Rect a{80, 30 + 240.0 * dir, 700, 180};
        Axis x{0, tmax / scale, a.x, a.x + a.w, false};
        Axis y{0, ymax * 1.1, a.y + a.h, a.y, false};
        draw_axes(svg, a, x, y, dir ? (hours ? "hours since capture start" : "minutes since capture start") : "",
                  dir ? "outgoing" : "incoming");
        std::vector<std::pair<std::string, std::string>> legend;
        for (auto& s : d.saturation) {
            if (s.incoming != (dir == 0)) continue;
            // Step line: hold each value until the next sample.
            std::vector<std::pair<double, double>> pts;
            for (size_t i = 0; i < s.points.size(); ++i) {
                double px = x.map(s.points[i].first / scale), py = y.map(s.points[i].second);
                if (i) pts.emplace_back(px, pts.back().second);
                pts.emplace_back(px, py);
            }
            svg.polyline(pts, colour_of(s.cls), 1.2);
            legend.emplace_back(s.cls, colour_of(s.cls));
        }
        draw_legend(svg, a, legend);
    }
    f.svg = svg.str();
    f.has_data = true;
    return f;
}

Figure plot_ts_intervals(const ReportData& d) {
    Figure f{"timed_sync_intervals", "Timed-sync interval per connection",
             "Peer timed-sync interval (min of median and mean of gaps between the peer's 1002 requests), "
             "one value per eligible connection; monerod's period is 60 s. Connections right of the "
             "dashed threshold are throttled (TS, analysis-methods.md §4.8).",
             {}, false};
    Svg svg(kW, kH, f.title);
    if (d.ts_intervals.empty()) {
        draw_no_data(svg, kArea, "no connection long enough for a timed-sync interval");
        f.svg = svg.str();
        return f;
    }
    double hi = std::max(180.0, std::ceil(d.ts_threshold * 1.5 / 10) * 10);
    size_t bins = static_cast<size_t>(hi / 2);
    auto h = histogram(d.ts_intervals, 0, hi, bins);
    std::vector<double> hv(h.begin(), h.end());
    Axis x{0, hi, kArea.x, kArea.x + kArea.w, false};
    Axis y{0, std::max(1.0, max_of(hv)) * 1.1, kArea.y + kArea.h, kArea.y, false};
    draw_axes(svg, kArea, x, y, "seconds (last bin: " + num(hi - 2) + " s or more)", "connections");
    draw_hist_bars(svg, x, y, hv, 0, 2, palette(2), 0, 1, "connections");
    threshold_line(svg, kArea, x, d.ts_threshold, "threshold " + num(d.ts_threshold) + " s");
    svg.text(kArea.x + kArea.w - 6, kArea.y + 30,
             count_text(d.ts_intervals.size(), "connections") + ", median " + num(median(d.ts_intervals), 2) + " s",
             11, "end");
    f.svg = svg.str();
    f.has_data = true;
    return f;
}

Figure plot_timelines(const ReportData& d) {
    Figure f{"command_timelines", "Command sequences of example connections",
             "First " + num(d.timeline_window) + " s of one example connection per category: each mark is a "
             "message, upper row sent by the vantage, lower row by the peer; tall marks are requests and "
             "notifications, short marks responses.",
             {}, false};
    size_t n = d.timelines.size();
    double rowh = 56;
    double h = std::max(220.0, 80 + rowh * static_cast<double>(n));
    Svg svg(kW, h, f.title);
    Rect a{150, 30, 520, h - 80};
    if (n == 0) {
        draw_no_data(svg, a, "no connections");
        f.svg = svg.str();
        return f;
    }
    Axis x{0, d.timeline_window, a.x, a.x + a.w, false};
    for (double t : x.ticks(11)) {
        svg.line(x.map(t), a.y, x.map(t), a.y + a.h, "#eeeeee");
        svg.text(x.map(t), a.y + a.h + 16, tick_label(t), 10, "middle", "#444");
    }
    svg.text(a.x + a.w / 2, a.y + a.h + 34, "seconds since the first message", 11, "middle");
    std::vector<uint32_t> cmds;
    for (auto& tl : d.timelines)
        for (auto& e : tl.events)
            if (std::find(cmds.begin(), cmds.end(), e.command) == cmds.end()) cmds.push_back(e.command);
    std::sort(cmds.begin(), cmds.end());
    auto colour = [&](uint32_t c) {
        switch (c) {
        case 1001: return std::string("#0072B2");
        case 1002: return std::string("#009E73");
        case 1003: return std::string("#D55E00");
        case 1007: return std::string("#CC79A7");
        default: return std::string(palette(4 + static_cast<size_t>(
                             std::find(cmds.begin(), cmds.end(), c) - cmds.begin())));
        }
    };
    for (size_t i = 0; i < n; ++i) {
        const auto& tl = d.timelines[i];
        double y0 = a.y + rowh * static_cast<double>(i);
        svg.rect(a.x, y0 + 4, a.w, rowh - 8, i % 2 ? "#fbfbfb" : "#f3f6fa");
        svg.text(a.x - 6, y0 + 20, tl.cls, 10, "end", "#222", 0, true);
        svg.text(a.x - 6, y0 + 33, "vantage", 9, "end", "#666");
        svg.text(a.x - 6, y0 + 47, "peer", 9, "end", "#666");
        svg.text(a.x + 4, y0 + 14, tl.title, 9, "start", "#444");
        size_t beyond = 0;
        for (auto& e : tl.events) {
            if (e.t < 0 || e.t > d.timeline_window) { ++beyond; continue; }
            double px = x.map(e.t);
            double mid = y0 + (e.from_peer ? 44 : 30);
            double half = e.response ? 3 : 6;
            svg.line(px, mid - half, px, mid + half, colour(e.command), 2);
        }
        if (beyond)
            svg.text(a.x + a.w - 4, y0 + 14, "+" + std::to_string(beyond) + " later", 9, "end", "#888");
    }
    std::vector<std::pair<std::string, std::string>> legend;
    for (uint32_t c : cmds) legend.emplace_back(command_name(c), colour(c));
    draw_legend(svg, Rect{a.x + a.w + 8, a.y - 6, kW - a.x - a.w - 10, a.h}, legend);
    f.svg = svg.str();
    f.has_data = true;
    return f;
}

std::vector<Figure> all_figures(const ReportData& d) {
    return {plot_in_degree(d),    plot_jaccard(d),     plot_diversity(d),      plot_top_subnets(d),
            plot_overlap(d),      plot_saturation(d),  plot_ts_intervals(d),   plot_timelines(d)};
}

} // namespace msc::report

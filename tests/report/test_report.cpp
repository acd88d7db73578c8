#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "fixture.hpp"
#include "report/html.hpp"
#include "report/plots.hpp"
#include "report/render.hpp"
#include "report/svg.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

using namespace msc::report;
namespace fs = std::filesystem;

namespace {

size_t count(const std::string& hay, const std::string& needle) {
    size_t n = 0;
    for (size_t p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + needle.size())) ++n;
    return n;
}

// Minimal XML well-formedness check: every start tag is closed in order, no stray '<' or '&'.
// Returns "" when fine, else a description of the first problem.
std::string xml_problem(const std::string& x) {
    std::vector<std::string> stack;
    size_t i = 0;
    while (i < x.size()) {
        char c = x[i];
        if (c == '&') {
            size_t semi = x.find(';', i);
            if (semi == std::string::npos || semi - i > 8) return "bare & at " + std::to_string(i);
            i = semi + 1;
            continue;
        }
        if (c != '<') { ++i; continue; }
        size_t end = x.find('>', i);
        if (end == std::string::npos) return "unterminated tag at " + std::to_string(i);
        std::string tag = x.substr(i + 1, end - i - 1);
        if (tag.find('<') != std::string::npos) return "'<' inside tag at " + std::to_string(i);
        i = end + 1;
        if (tag.empty()) return "empty tag";
        if (tag[0] == '?' || tag[0] == '!') continue;
        if (tag[0] == '/') {
            std::string name = tag.substr(1);
            if (stack.empty() || stack.back() != name) return "mismatched </" + name + ">";
            stack.pop_back();
            continue;
        }
        if (tag.back() == '/') continue;
        stack.push_back(tag.substr(0, tag.find_first_of(" \t\n")));
    }
    return stack.empty() ? "" : "unclosed <" + stack.back() + ">";
}

std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

struct TempDir {
    fs::path path;
    TempDir() {
        std::string t = (fs::temp_directory_path() / "msc-report-XXXXXX").string();
        REQUIRE(::mkdtemp(t.data()) != nullptr);
        path = t;
    }
    ~TempDir() { std::error_code ec; fs::remove_all(path, ec); }
};

} // namespace

TEST_CASE("xml_escape neutralises markup and control characters") {
    CHECK(xml_escape("<a href=\"x\">&'</a>") == "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
    CHECK(xml_escape(std::string("a\x01" "b", 3)) == "a\xEF\xBF\xBD" "b");
    CHECK(xml_escape("tab\tok") == "tab\tok");
}

TEST_CASE("number formatting is locale-free and compact") {
    CHECK(num(3) == "3");
    CHECK(num(2.5) == "2.5");
    CHECK(num(0.126, 2) == "0.13");
    CHECK(num(-0.0001, 2) == "0");
    CHECK(num(NAN) == "0");
    CHECK(tick_label(13050) == "13,050");
    CHECK(tick_label(1000000) == "1,000,000");
    CHECK(tick_label(0.05) == "0.05");
    CHECK(tick_label(0) == "0");
}

TEST_CASE("histogram clamps outliers into the edge bins and ignores NaN") {
    auto h = histogram({-1, 0, 0.05, 0.1, 0.99, 1.0, 7, NAN}, 0, 1, 10);
    REQUIRE(h.size() == 10);
    CHECK(h[0] == 3);   // -1, 0, 0.05
    CHECK(h[1] == 1);   // 0.1
    CHECK(h[9] == 3);   // 0.99, 1.0, 7
    uint64_t total = 0;
    for (auto v : h) total += v;
    CHECK(total == 7);
    CHECK(histogram({1, 2}, 1, 1, 4) == std::vector<uint64_t>(4, 0)); // empty range: nothing counted
}

TEST_CASE("binned keeps the total") {
    auto b = binned({0.1, 0.2, 0.95}, 0, 1, 10);
    CHECK(b.total == 3);
    CHECK(b.counts[9] == 1);
}

TEST_CASE("in-degree median comes from the weighted distribution") {
    ReportData d;
    d.in_degree = {{1, 3}, {10, 1}};   // values 1,1,1,10 -> median 1, mean 3.25
    auto f = plot_in_degree(d);
    CHECK(f.svg.find("4 IPs, mean 3.25, median 1") != std::string::npos);
}

TEST_CASE("frequency counts distinct positive values") {
    auto f = frequency({1, 1, 2, 5, 5, 5, 0});
    REQUIRE(f.size() == 3);
    CHECK(f[0] == std::pair<uint64_t, uint64_t>{1, 2});
    CHECK(f[1] == std::pair<uint64_t, uint64_t>{2, 1});
    CHECK(f[2] == std::pair<uint64_t, uint64_t>{5, 3});
}

TEST_CASE("axes map linearly and logarithmically with nice ticks") {
    Axis lin{0, 10, 100, 200, false};
    CHECK(lin.map(5) == doctest::Approx(150));
    Axis y{0, 10, 300, 100, false};
    CHECK(y.map(10) == doctest::Approx(100));
    auto t = lin.ticks(5);
    REQUIRE(!t.empty());
    CHECK(t.front() == 0);
    CHECK(t.back() == 10);
    Axis lg{1, 1000, 0, 300, true};
    CHECK(lg.map(10) == doctest::Approx(100));
    CHECK(lg.ticks() == std::vector<double>{1, 10, 100, 1000});
}

TEST_CASE("in-degree plot has one point per distinct in-degree") {
    ReportData d;
    d.in_degree = frequency({1, 1, 2, 5, 5, 5});
    auto f = plot_in_degree(d);
    CHECK(f.has_data);
    CHECK(count(f.svg, "<circle") == 3);
    CHECK(f.svg.find("k=5: 3 IPs") != std::string::npos);
    CHECK(f.svg.find("median 3.5") != std::string::npos);
    CHECK(xml_problem(f.svg) == "");
}

TEST_CASE("empty inputs give an explicit 'no data' figure, never a blank one") {
    ReportData d;
    for (auto& f : all_figures(d)) {
        CAPTURE(f.name);
        CHECK_FALSE(f.has_data);
        CHECK(f.svg.find("no data") != std::string::npos);
        CHECK(xml_problem(f.svg) == "");
    }
}

TEST_CASE("every figure of the fixture is well-formed, has data and escapes text") {
    auto d = test::fixture_data();
    auto figs = all_figures(d);
    REQUIRE(figs.size() == 8);
    std::set<std::string> names;
    for (auto& f : figs) {
        CAPTURE(f.name);
        CHECK(f.has_data);
        CHECK(xml_problem(f.svg) == "");
        CHECK(f.svg.find("<Example") == std::string::npos);
        names.insert(f.name);
    }
    CHECK(names.size() == 8);
    auto subnets = plot_top_subnets(d);
    CHECK(subnets.svg.find("AS64500 &lt;Example &amp; Co&gt;") != std::string::npos);
    CHECK(subnets.svg.find("unknown AS") != std::string::npos);
    // One coloured + one background bar per /24.
    CHECK(subnets.svg.find("91.198.115.0/24 (AS54098 LionLink Networks): 60 connecting IPs") != std::string::npos);
    auto overlap = plot_overlap(d);
    CHECK(count(overlap.svg, "<rect") == 1 + 2 * 16);   // background + two 4x4 matrices
    CHECK(overlap.svg.find("LST ∩ PLD: 2 IPs") != std::string::npos);
    auto tl = plot_timelines(d);
    CHECK(tl.svg.find("+2 later") != std::string::npos);  // 660.1 s and 700 s are outside 660 s
    CHECK(tl.svg.find("1003 ping") != std::string::npos);
    auto ts = plot_ts_intervals(d);
    CHECK(ts.svg.find("threshold 90 s") != std::string::npos);
    auto jac = plot_jaccard(d);
    CHECK(jac.svg.find("vantage pairs (n=40, sampled)") != std::string::npos);
    CHECK(jac.svg.find("other pairs (n=300)") != std::string::npos);
    auto div = plot_diversity(d);
    CHECK(div.svg.find("12 below threshold") != std::string::npos);
}

TEST_CASE("malformed overlap matrices are reported, not drawn out of bounds") {
    ReportData d;
    d.overlap.labels = {"A", "B"};
    d.overlap.ips = {{1, 2}};   // one row missing
    auto f = plot_overlap(d);
    CHECK_FALSE(f.has_data);
    CHECK(f.svg.find("malformed overlap matrix") != std::string::npos);
}

TEST_CASE("report.html is self-contained and escapes peer-supplied text") {
    auto d = test::fixture_data();
    auto figs = all_figures(d);
    HtmlOptions opt;
    opt.figure_formats = {"png"};
    std::string h = render_html(d, figs, opt);
    CHECK(h.find("<script>alert(1)</script>") == std::string::npos);
    CHECK(h.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
    CHECK(count(h, "<svg ") == figs.size());
    CHECK(h.find("<?xml") == std::string::npos);
    CHECK(h.find("plots/in_degree.png") != std::string::npos);
    CHECK(h.find("href=\"peers.csv\"") != std::string::npos);
    // No external resources: nothing loaded over http(s), no src= attributes at all.
    CHECK(h.find("src=") == std::string::npos);
    CHECK(h.find("url(") == std::string::npos);
    CHECK(h.find("<link") == std::string::npos);
    CHECK(count(h, "<tr data-classes=") == d.anomalies.size());
    CHECK(h.find("<option>Ping</option>") != std::string::npos);
    CHECK(h.find("data-sort=\"4:091.198.115.009\"") != std::string::npos);
}

TEST_CASE("write_report writes SVG, PNG, PDF and report.html") {
    TempDir t;
    auto res = write_report(test::fixture_data(), t.path.string());
    CHECK(res.warnings.empty());
    CHECK(res.html == (t.path / "report.html").string());
    for (const char* name : {"in_degree", "peerlist_similarity", "peerlist_diversity", "top_subnets",
                             "anomaly_overlap", "connection_saturation", "timed_sync_intervals",
                             "command_timelines"}) {
        CAPTURE(name);
        auto base = t.path / "plots" / name;
        CHECK(read(fs::path(base) += ".svg").rfind("<?xml", 0) == 0);
        CHECK(read(fs::path(base) += ".png").substr(0, 8) == "\x89PNG\r\n\x1a\n");
        CHECK(read(fs::path(base) += ".pdf").rfind("%PDF-", 0) == 0);
    }
    std::string html = read(t.path / "report.html");
    CHECK(html.find("plots/command_timelines.pdf") != std::string::npos);
    for (auto& e : fs::directory_iterator(t.path / "plots")) CHECK(e.path().extension() != ".tmp");
}

TEST_CASE("write_report without a converter still writes SVG + HTML and says how to fix it") {
    TempDir t;
    RenderOptions opt;
    opt.rsvg_convert = "/nonexistent/rsvg-convert";
    auto res = write_report(test::fixture_data(), t.path.string(), opt);
    REQUIRE(res.warnings.size() == 1);
    CHECK(res.warnings[0].find("librsvg2-bin") != std::string::npos);
    CHECK(fs::exists(t.path / "plots" / "in_degree.svg"));
    CHECK_FALSE(fs::exists(t.path / "plots" / "in_degree.png"));
    std::string html = read(t.path / "report.html");
    CHECK(html.find("librsvg2-bin") != std::string::npos);
    CHECK(html.find("in_degree.png") == std::string::npos);
}

TEST_CASE("write_report fails loudly on an unwritable output directory") {
    CHECK_THROWS_AS(write_report(ReportData{}, "/proc/msc-no-such-dir/out"), std::runtime_error);
}

TEST_CASE("long AS names are shortened in legends but kept in tooltips") {
    ReportData d;
    std::string as = "AS64500 A Very Long Hosting Company Name Incorporated Worldwide";
    d.top_subnets = {{"203.0.113.0/24", as, 3, 5}};
    auto f = plot_top_subnets(d);
    CHECK(f.svg.find(">" + as.substr(0, 33) + "\xE2\x80\xA6<") != std::string::npos);
    CHECK(f.svg.find("203.0.113.0/24 (" + as + "): 3 connecting IPs") != std::string::npos);
}

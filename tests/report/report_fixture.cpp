// Writes the hand-made fixture report into a directory: `report_fixture OUT_DIR`.
// Used by the browser test (tests/report/browser-test.sh) to check report.html in Chromium
// independently of the capture pipeline.
#include "fixture.hpp"
#include "report/render.hpp"

#include <cstdio>
#include <exception>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
        return 2;
    }
    try {
        auto res = msc::report::write_report(msc::report::test::fixture_data(), argv[1]);
        for (auto& w : res.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
        std::printf("%s\n", res.html.c_str());
        return res.warnings.empty() ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "report_fixture: %s\n", e.what());
        return 1;
    }
}

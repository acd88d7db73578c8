// Writes the figures (SVG, plus PNG/PDF through rsvg-convert) and report.html into a directory.
//
//   msc::report::RenderOptions opt;            // defaults: PNG + PDF, figures in <out>/plots/
//   auto res = msc::report::write_report(data, "results", opt);
//   // res.html == "results/report.html"; res.warnings lists what could not be produced.
//
// PNG/PDF need `rsvg-convert` (Debian librsvg2-bin). Without it the SVGs and report.html are still
// written (report.html inlines the SVGs) and a warning says how to get PNG/PDF.
#pragma once

#include "report/report_data.hpp"

#include <string>
#include <vector>

namespace msc::report {

struct RenderOptions {
    bool png = true;
    bool pdf = true;
    std::string rsvg_convert = "rsvg-convert";   // program name or path
    std::string figure_dir = "plots";            // below the output directory
    double png_zoom = 1.5;                       // PNG resolution multiplier
};

struct RenderResult {
    std::string html;                  // path of report.html
    std::vector<std::string> files;    // every file written
    std::vector<std::string> warnings; // non-fatal problems (missing converter, failed conversion)
};

// Throws std::runtime_error when the output directory or report.html cannot be written.
RenderResult write_report(const ReportData& data, const std::string& out_dir, const RenderOptions& opt = {});

// Runs `argv` (argv[0] searched in PATH) without a shell and waits; returns the exit status, or
// -1 when the program could not be started. stdout/stderr go to /dev/null.
int run_quiet(const std::vector<std::string>& argv);

} // namespace msc::report

// report.html: one self-contained file (inline CSS, inline SVG, inline vanilla JS, no external
// resource of any kind; a Content-Security-Policy forbids fetching anything).
#pragma once

#include "report/plots.hpp"
#include "report/report_data.hpp"

#include <string>
#include <vector>

namespace msc::report {

struct HtmlOptions {
    // Extra image formats written next to each SVG ("png", "pdf"); linked from the figure.
    std::vector<std::string> figure_formats;
    std::string figure_dir = "plots";   // relative to report.html
};

std::string render_html(const ReportData& d, const std::vector<Figure>& figures, const HtmlOptions& opt);

} // namespace msc::report

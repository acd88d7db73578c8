// The paper's figures as standalone SVG documents, built from ReportData only.
#pragma once

#include "report/report_data.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace msc::report {

struct Figure {
    std::string name;     // file stem: "in_degree" -> in_degree.svg/.png/.pdf
    std::string title;    // heading in report.html
    std::string caption;  // one or two sentences: what is shown, how to read it
    std::string svg;      // standalone SVG document
    bool has_data = false;
};

// Counts of `values` in `bins` equal-width bins over [lo, hi]; values below lo go into the first,
// values above hi into the last bin (so nothing is silently dropped); NaN values are ignored.
std::vector<uint64_t> histogram(const std::vector<double>& values, double lo, double hi, size_t bins);
// The same as a BinnedHistogram over [lo, hi].
BinnedHistogram binned(const std::vector<double>& values, double lo, double hi, size_t bins);
// (k, number of values equal to k) for every distinct k > 0, sorted by k.
std::vector<std::pair<uint64_t, uint64_t>> frequency(const std::vector<uint64_t>& values);

Figure plot_in_degree(const ReportData& d);
Figure plot_jaccard(const ReportData& d);
Figure plot_diversity(const ReportData& d);
Figure plot_top_subnets(const ReportData& d);
Figure plot_overlap(const ReportData& d);
Figure plot_saturation(const ReportData& d);
Figure plot_ts_intervals(const ReportData& d);
Figure plot_timelines(const ReportData& d);

// All figures in report order.
std::vector<Figure> all_figures(const ReportData& d);

// Display name of a Levin command for legends ("1002 timed sync").
std::string command_name(uint32_t command);

} // namespace msc::report

// Fills ReportData from the analysis: the model (for connection timelines and the vantage-list
// similarity sample) and the AnalysisResult (everything else).
//
//   auto data = msc::report::from_analysis(model, result, cfg, {{"Per-peer table (CSV)", "peers.csv"}});
//   data.notes.push_back("capture x.pcapng: cut short");   // caller-specific notes
//   msc::report::write_report(data, out_dir);
#pragma once

#include "metrics/config.hpp"
#include "metrics/result.hpp"
#include "model/model.hpp"
#include "report/report_data.hpp"

#include <vector>

namespace msc::report {

struct FromAnalysisOptions {
    size_t max_timelines = 12;          // example connections shown (spread over the groups)
    size_t histogram_bins = 20;         // Jaccard histograms are re-binned to at most this many bins
    size_t vantage_pairs_own_lists = 100;    // sample sizes for the vantage-vs-other Jaccard
    size_t vantage_pairs_other_lists = 1000; // (per vantage, evenly spaced, deterministic)
};

ReportData from_analysis(const Model& model, const AnalysisResult& result, const Config& cfg,
                         const std::vector<FileLink>& files, const FromAnalysisOptions& opt = {});

// Merges adjacent bins so that at most `max_bins` remain (only when the bin count is a multiple).
BinnedHistogram rebin(const BinnedHistogram& h, size_t max_bins);

// "2025-06-02 14:35:50 UTC" from UTC nanoseconds.
std::string utc_time(int64_t ns);

} // namespace msc::report

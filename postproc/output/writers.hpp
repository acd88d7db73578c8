// Output stage: renders a Model + AnalysisResult into the files of `moneroscope analyze --out DIR`
// (schema and columns: docs/report-schema.md) and the human summary.
//
//   report.json        everything, machine-readable (nlohmann::json)
//   peers.csv          one row per peer IP (PeerResult), 0/1 class columns + evidence
//   connections.csv    one row per connection (Model::connections joined with ConnectionResult)
//   peer_lists.csv     one row per peer list (Model::peer_lists joined with ListResult)
//   ban_list.txt       flagged (non-standard, not allow-listed) IPs in monerod --ban-list format
//   results.tex        the paper's macros (\newcommand), reference formatting
//   graph/graph.graphml, graph/edges.csv   popularity topology (sender -> announced IP)
#pragma once

#include "metrics/config.hpp"
#include "metrics/result.hpp"
#include "model/model.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace msc::output {

struct RunInfo {
    std::string tool_version = "0.1.0";
    std::vector<std::string> command_line;   // argv
    std::string run_id = "non";              // results.tex suffix of per-run macros (P: "non", L: "with")
    int64_t generated_ns = 0;                // wall-clock time of the run (0: omitted)
    double ingest_seconds = 0, analyze_seconds = 0;   // measured stage times (0: omitted)
};

// ---- Formatting helpers (exposed for tests) ----------------------------------------------------
std::string csv_field(std::string_view s);            // RFC 4180 quoting when needed
std::string iso_utc(int64_t ns);                      // 2023-11-27T17:08:00.123456789Z ("" for 0)
std::string tex_number(double v, bool integer);       // 16,894,368 / 364.61 / 4
std::string format_fixed(double v, int decimals);     // plain, no separators, "-" for NaN/inf
// Macro names written without the trailing space inside the braces (reference results.tex).
bool tex_no_trailing_space(std::string_view name);

// ---- Individual writers ------------------------------------------------------------------------
nlohmann::json report_json(const Model& m, const AnalysisResult& r, const Config& cfg, const RunInfo& run);
void write_peers_csv(std::ostream& os, const Model& m, const AnalysisResult& r);
void write_connections_csv(std::ostream& os, const Model& m, const AnalysisResult& r);
void write_peer_lists_csv(std::ostream& os, const Model& m, const AnalysisResult& r);
// All high PLS pairs, one row per pair of distinct /24 sets with the number of list pairs it
// stands for (report.json holds at most kMaxPairsInJson rows; docs/report-schema.md).
void write_similar_pairs_csv(std::ostream& os, const AnalysisResult& r);
constexpr size_t kMaxPairsInJson = 10000;
void write_ban_list(std::ostream& os, const Model& m, const AnalysisResult& r, const RunInfo& run);
void write_results_tex(std::ostream& os, const AnalysisResult& r, const RunInfo& run);
void write_graphml(std::ostream& os, const Model& m, const AnalysisResult& r);
void write_edges_csv(std::ostream& os, const Model& m, const AnalysisResult& r);
std::string human_summary(const Model& m, const AnalysisResult& r, const std::string& out_dir);

// Peers written to ban_list.txt: non_standard (NS classes fired, not allow-listed), sorted.
std::vector<IpAddr> ban_list_ips(const AnalysisResult& r);

// Writes every file into `dir` (created with parents; graph/ below it). Returns an error sentence
// on the first I/O failure, nullopt on success.
std::optional<std::string> write_all(const std::string& dir, const Model& m, const AnalysisResult& r,
                                     const Config& cfg, const RunInfo& run);

} // namespace msc::output

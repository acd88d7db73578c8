// `moneroscope run` as a library: captures → tshark (parallel, streamed) → model → analyze →
// the outputs of `analyze` (output::write_all) → figures + report.html (report::write_report).
//
//   msc::run::PipelineOptions opt;
//   opt.paths = {"data/pcapng"};               // files or the seed's data/pcapng/<server_id>/ layout
//   opt.out_dir = "results";
//   int rc = msc::run::run_pipeline(opt);      // exit code, see PipelineExit
//
// Outputs are written into a staging directory inside out_dir and moved into place only when
// everything succeeded, so an interrupted or failed run never leaves a half-written result set.
#pragma once

#include "metrics/config.hpp"
#include "model/builder.hpp"
#include "model/ip.hpp"
#include "output/writers.hpp"
#include "report/render.hpp"
#include "run/runner.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace msc::run {

enum PipelineExit : int {
    kRunOk = 0,
    kRunUsage = 1,        // no captures / bad arguments / vantage IP not inferable
    kRunDamaged = 2,      // some captures failed or were cut short, or ek lines were malformed; results written
    kRunIo = 3,           // outputs could not be written, or no capture could be read at all
    kRunNoTshark = 4,     // tshark missing or the plugin not loaded (message says how to fix)
    kRunInterrupted = 130 // Ctrl-C / SIGTERM: nothing written
};

struct PipelineOptions {
    std::vector<std::string> paths;                          // capture files / directories
    std::vector<std::pair<std::string, IpAddr>> vantage_ips; // --vantage ID=IP (else inferred)
    uint16_t p2p_port = 18080;
    Tshark tshark;
    RunOptions run;                                          // jobs, progress, keep_ek_dir
    bool keep_ek = false;                                    // keep ek in <out_dir>/ek/<vantage>/
    std::string out_dir = "results";
    Config config;
    ModelBuilder::Options builder;                           // connection split gap, min messages
    output::RunInfo info;
    bool report = true;                                      // figures + report.html
    report::RenderOptions render;
    bool quiet = false;                                      // no summary on stdout
};

int run_pipeline(const PipelineOptions& opt);

} // namespace msc::run

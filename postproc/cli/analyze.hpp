// `moneroscope analyze` as a library: input/vantage resolution, ingest → model → metrics → outputs.
// main.cpp only parses the command line (CLI11) into AnalyzeOptions. Exit codes: see ExitCode.
#pragma once

#include "metrics/config.hpp"
#include "model/builder.hpp"
#include "output/writers.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace msc::cli {

enum ExitCode : int {
    kExitOk = 0,        // success
    kExitUsage = 1,     // bad command line / config, no input, vantage IP not inferable
    kExitDamaged = 2,   // some input lines were malformed and skipped; results were still written
    kExitIo = 3,        // an input could not be opened/read, or the output could not be written
};

struct VantageOpt {
    std::string id;
    std::optional<IpAddr> ip;        // nullopt: inferred from the traffic
    std::optional<uint16_t> p2p_port;
    std::vector<VantageAlias> aliases;   // --vantage-alias / config "aliases"
};

struct InputSpec {
    std::string vantage;             // vantage id
    std::string path;                // file or "-"
};

struct AnalyzePlan {
    std::vector<VantageOpt> vantages;
    std::vector<InputSpec> inputs;
    VantageOpt& vantage(const std::string& id);   // finds or appends
};

// Vantage ids: [A-Za-z0-9_.-]+ (also directory names of the layout).
bool valid_vantage_id(const std::string& id);
// True for ek file names: *.ek, *.json, *.ndjson, *.ek.json, *.jsonl.
bool is_ek_name(const std::string& name);

// "ID", "ID=IP" (IPv4 / IPv6). Sets err and returns false on a bad spec.
bool parse_vantage_arg(const std::string& arg, VantageOpt& out, std::string& err);
// An alias address: "IP", "IPv4:PORT", "[IPv6]", "[IPv6]:PORT".
bool parse_alias(const std::string& text, VantageAlias& out);

// "ID=PORT" or "PORT" (id empty: default for all vantages).
bool parse_port_arg(const std::string& arg, std::string& id, uint16_t& port, std::string& err);

// Adds one INPUT argument:
//   "-"            stdin, vantage `default_vantage`
//   "ID=PATH"      PATH (file, "-" or directory of ek files) attributed to vantage ID
//   DIRECTORY      the seed's layout <dir>/<server_id>/<ek files>: one vantage per subdirectory;
//                  a directory holding ek files directly is one vantage named after it
//   FILE           vantage `default_vantage`
// Files in directories are taken in name order. Returns false (err set) for missing paths or
// directories without ek files.
bool add_input_arg(const std::string& arg, const std::string& default_vantage, AnalyzePlan& plan,
                   std::string& err);

// Loads a vantage/input config file, JSON or INI (detected by the first non-blank character '{').
//   JSON: {"vantages":[{"id":"ams","ip":"164.92.217.0","p2p_port":18080,"aliases":["127.0.0.1:18083"],
//          "inputs":["ams/a.ek",…]}]}
//   INI:  [vantage ams]  ip = 164.92.217.0  p2p_port = 18080  alias = 127.0.0.1:18083
//         input = ams/a.ek  (alias and input repeatable)
// Relative input paths are relative to the config file's directory. Inputs may be directories.
bool load_plan_file(const std::string& path, AnalyzePlan& plan, std::string& err);

struct AnalyzeOptions {
    AnalyzePlan plan;
    uint16_t default_p2p_port = 18080;
    ModelBuilder::Options builder;
    Config config;
    std::string out_dir = "results";
    bool quiet = false;              // nothing on stdout; errors still on stderr
    bool json = false;               // report.json on stdout instead of the human summary
    size_t max_errors = 20;          // malformed-line diagnostics printed on stderr
    size_t max_line_bytes = size_t(512) << 20;   // longer ek lines are skipped (malformed)
    output::RunInfo run;
};

// Runs the whole pipeline; returns an ExitCode.
int run_analyze(const AnalyzeOptions& opt);

} // namespace msc::cli

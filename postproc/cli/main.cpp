// moneroscope — command line entry point (docs/cli.md).
#include "cli/analyze.hpp"
#include "model/builder.hpp"
#include "run/pipeline.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <iostream>

using namespace msc;

namespace {

template <class T>
void set_if(const std::optional<T>& v, T& dst) {
    if (v) dst = *v;
}

// Analysis options shared by `analyze` and `run` (only one subcommand is parsed, so both
// register the same variables): thresholds on top of the preset, connection model, lists.
struct SharedOptions {
    std::vector<std::string> ban_list_args;
    std::string preset = "paper";
    int64_t split_gap_s = 120;
    uint32_t min_messages = 2;
    std::optional<uint32_t> pld_min, pls_min, pls_pairs, slc_min, ping_above, idc_ids, idc_ips, sub_top, pois_min,
        pls_sender_total;
    std::optional<double> pld_div, pls_jac, short_lived, ts_above, ts_min_dur, ts_own;
    std::optional<unsigned> v6bits;
    bool independent = false, precedence = false, own_lists = false, no_own_lists = false;
};

void add_shared_options(CLI::App* sub, SharedOptions& o, Config& cfg) {
    sub->add_option("--preset", o.preset, "Thresholds: paper (default) or latest")
        ->check(CLI::IsMember({"paper", "latest"}))->capture_default_str();
    sub->add_option("--split-gap", o.split_gap_s, "Seconds without messages that split a connection")->capture_default_str();
    sub->add_option("--min-messages", o.min_messages, "Connections with fewer messages are marked few_messages")
        ->capture_default_str();
    sub->add_flag("--independent-rules", o.independent, "Evaluate every connection rule independently (latest default)");
    sub->add_flag("--category-precedence", o.precedence, "One category per connection by precedence (paper default)");
    sub->add_option("--pld-min-list-size", o.pld_min, "PLD: minimum IP entries per list");
    sub->add_option("--pld-diversity-below", o.pld_div, "PLD: flag lists with distinct /24s / entries below this");
    sub->add_option("--pls-min-list-size", o.pls_min, "PLS: minimum IP entries of eligible lists");
    sub->add_option("--pls-min-sender-total", o.pls_sender_total, "PLS: minimum total entries of a sender's lists");
    sub->add_option("--pls-jaccard-above", o.pls_jac, "PLS: /24 Jaccard threshold of a high pair");
    sub->add_option("--pls-min-high-pairs", o.pls_pairs, "PLS: flag IPs in at least this many high pairs");
    sub->add_flag("--own-lists", o.own_lists, "Include the vantages' own lists in PLD/PLS");
    sub->add_flag("--no-own-lists", o.no_own_lists, "Exclude the vantages' own lists from PLD/PLS");
    sub->add_option("--short-lived-below", o.short_lived, "SlC: connection duration below this (s)");
    sub->add_option("--slc-min-connections", o.slc_min, "SlC: flag IPs with at least this many short-lived connections");
    sub->add_option("--ping-above", o.ping_above, "Ping flooding: peer pings per connection above this");
    sub->add_option("--ts-interval-above", o.ts_above, "TS: peer timed-sync interval above this (s)");
    sub->add_option("--ts-min-duration", o.ts_min_dur, "TS: measure only connections longer than this (s)");
    sub->add_option("--ts-own-interval-below", o.ts_own, "TS: vantage's own interval gate (s)");
    sub->add_option("--id-cluster-min-ids", o.idc_ids, "ID clusters: IPs with at least this many peer ids");
    sub->add_option("--id-cluster-min-ips", o.idc_ips, "ID clusters: clusters with at least this many IPs");
    sub->add_option("--sub-top-subnets", o.sub_top, "Sub: number of top /24s");
    sub->add_option("--poisoning-min-distinct", o.pois_min, "Poisoning: senders with at least this many distinct IPs");
    sub->add_option("--ipv6-subnet-bits", o.v6bits, "IPv6 analogue of /24 (default 48)");
    sub->add_option("--asn-file", cfg.asn_file, "ASN range data (compact file or CSV start,end,asn[,org])");
    sub->add_option("--asn-mmdb", cfg.asn_mmdb, "MaxMind-format ASN database (.mmdb)");
    sub->add_flag("--no-default-asn", cfg.no_default_asn, "Do not search the default ASN data locations");
    sub->add_option("--ban-list", o.ban_list_args, "Ban list to compare with: NAME=PATH or PATH (repeatable)")
        ->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    sub->add_flag("--no-default-ban-lists", cfg.no_default_ban_lists, "Do not load the shipped MRL ban lists");
    sub->add_option("--allow-list", cfg.allow_list_files, "Allow-list file of IPs/CIDRs never flagged (repeatable)")
        ->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    sub->add_option("--allow", cfg.allow_cidrs, "Allow-listed IP/CIDR (repeatable)")
        ->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    sub->add_option("--threads", cfg.threads, "Worker threads for the metrics")->capture_default_str();
}

// Preset first, explicit options on top. False (message printed) on contradictory options.
bool apply_shared_options(const SharedOptions& o, const Config& cfg, const char* who, Config& base,
                          ModelBuilder::Options& builder) {
    base = cfg;
    if (!base.apply_preset(o.preset)) {
        std::cerr << who << ": unknown preset " << o.preset << "\n";
        return false;
    }
    set_if(o.pld_min, base.pld_min_list_size);
    set_if(o.pld_div, base.pld_diversity_below);
    set_if(o.pls_min, base.pls_min_list_size);
    set_if(o.pls_sender_total, base.pls_min_sender_total);
    set_if(o.pls_jac, base.pls_jaccard_above);
    set_if(o.pls_pairs, base.pls_min_high_pairs);
    set_if(o.short_lived, base.short_lived_below_s);
    set_if(o.slc_min, base.slc_min_connections);
    set_if(o.ping_above, base.ping_above);
    set_if(o.ts_above, base.ts_interval_above_s);
    set_if(o.ts_min_dur, base.ts_min_duration_above_s);
    set_if(o.ts_own, base.ts_own_interval_below_s);
    set_if(o.idc_ids, base.id_cluster_min_ids);
    set_if(o.idc_ips, base.id_cluster_min_ips);
    set_if(o.sub_top, base.sub_top_subnets);
    set_if(o.pois_min, base.poisoning_min_distinct);
    set_if(o.v6bits, base.ipv6_subnet_bits);
    if (o.independent && o.precedence) {
        std::cerr << who << ": --independent-rules and --category-precedence exclude each other\n";
        return false;
    }
    if (o.independent) base.category_precedence = false;
    if (o.precedence) base.category_precedence = true;
    if (o.own_lists && o.no_own_lists) {
        std::cerr << who << ": --own-lists and --no-own-lists exclude each other\n";
        return false;
    }
    if (o.own_lists || o.no_own_lists) base.pld_include_own_lists = base.pls_include_own_lists = o.own_lists;
    for (const auto& b : o.ban_list_args) {
        const size_t eq = b.find('=');
        if (eq == std::string::npos) base.ban_lists.emplace_back(b, b);
        else base.ban_lists.emplace_back(b.substr(0, eq), b.substr(eq + 1));
    }
    if (o.split_gap_s <= 0 || o.split_gap_s > 86400 * 365) {
        std::cerr << who << ": --split-gap must be between 1 and 31536000 seconds\n";
        return false;
    }
    base.connection_split_gap_s = o.split_gap_s;
    base.connection_min_messages = o.min_messages;
    builder.split_gap_ns = o.split_gap_s * 1000000000LL;
    builder.min_messages = o.min_messages;
    builder.max_evidence = base.evidence_max_items;
    return true;
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"moneroscope: anomalous peers in Monero's P2P network, from tshark -T ek output of the "
                 "moneroscope Wireshark plugin"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "moneroscope 0.1.0");

    auto* an = app.add_subcommand("analyze", "Analyse ek output (files, '-' for stdin, or <dir>/<server_id>/ layout)");
    std::vector<std::string> inputs, vantage_args, port_args, alias_args;
    std::string config_file, out_dir = "results", run_id = "non";
    bool quiet = false, json = false;
    size_t max_errors = 20;
    size_t max_line_mb = 512;
    Config cfg;
    SharedOptions shared;

    an->add_option("INPUT", inputs, "ek file, '-' (stdin), ID=PATH (input of vantage ID), or a directory "
                                    "<dir>/<server_id>/*.ek|*.json|*.ndjson");
    an->add_option("--vantage,-V", vantage_args, "Vantage ID=IP (repeatable); ID alone: IP inferred")
        ->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    an->add_option("--vantage-alias", alias_args, "Further address of a vantage: ID=IP, ID=IPv4:PORT, ID=[IPv6]:PORT "
                                                  "(e.g. its IPv6 address, or 127.0.0.1:18083 for a local Tor hop)")
        ->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    an->add_option("--vantage-port", port_args, "Listening P2P port: ID=PORT, or PORT for all vantages (default 18080)")
        ->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    an->add_option("--config,-c", config_file, "Vantage/input config file (JSON or INI, docs/cli.md)");
    an->add_option("--out,-o", out_dir, "Output directory (created)")->capture_default_str();
    an->add_flag("--quiet,-q", quiet, "No summary on stdout");
    an->add_flag("--json", json, "Print report.json on stdout instead of the human summary");
    an->add_option("--max-errors", max_errors, "Malformed-line diagnostics printed on stderr")->capture_default_str();
    an->add_option("--max-line-mb", max_line_mb, "Longer ek lines are skipped and counted malformed (memory bound)")
        ->check(CLI::Range(size_t(1), size_t(1) << 20))->capture_default_str();
    an->add_option("--run-id", run_id, "Suffix of per-run results.tex macros (paper: non, latest: with)")
        ->capture_default_str();
    add_shared_options(an, shared, cfg);

    // `run`: captures -> tshark + plugin -> analysis -> outputs + report (postproc/run/pipeline.hpp).
    // Takes the same analysis options as analyze (add_shared_options).
    auto* rn = app.add_subcommand("run", "Dissect captures with tshark + the plugin and analyse them "
                                         "(files or the data/pcapng/<server_id>/ layout); writes results and report.html");
    run::PipelineOptions ropt;
    std::vector<std::string> rpaths, tshark_cmd;
    std::string progress = "auto";
    bool no_report = false;
    rn->add_option("PATH", rpaths, "Capture file or directory (searched recursively; vantage = directory name)")->required();
    rn->add_option("--out,-o", out_dir, "Output directory (created)")->capture_default_str();
    rn->add_option("--jobs,-j", ropt.run.jobs, "Parallel tshark processes (default: all cores)");
    rn->add_flag("--keep-ek", ropt.keep_ek, "Also keep the ek output in <out>/ek/<vantage>/");
    rn->add_option("--tshark", tshark_cmd, "tshark program (and leading args), e.g. tests/tshark-msc")->expected(1, 8);
    rn->add_option("--vantage,-V", vantage_args, "Vantage ID=IP (repeatable; ID = capture directory name)")
        ->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    rn->add_option("--progress", progress, "Progress on stderr: auto (terminal only), always, never")
        ->check(CLI::IsMember({"auto", "always", "never"}))->capture_default_str();
    rn->add_flag("--no-report", no_report, "Skip figures and report.html");
    rn->add_flag("--quiet,-q", quiet, "No summary on stdout");
    rn->add_option("--run-id", run_id, "Suffix of per-run results.tex macros")->capture_default_str();
    add_shared_options(rn, shared, cfg);

    // The tshark arguments of the export (docs/ek-contract.md §1), one per line, for scripts:
    //   tshark -n -r CAPTURE $(moneroscope tshark-args) > CAPTURE.ek
    auto* ta = app.add_subcommand("tshark-args", "Print the tshark arguments that export what analyze reads, one per "
                                                 "line (after `tshark -n -r CAPTURE`)");
    std::string ta_form = "ek";
    ta->add_option("--form", ta_form, "ek (-T ek, what analyze documents), fields (-T fields) or tap "
                                      "(-q -z monero,records, what run uses; lines as with fields)")
        ->check(CLI::IsMember({"ek", "fields", "tap"}))->capture_default_str();

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int rc = app.exit(e);
        return rc == 0 ? 0 : cli::kExitUsage;
    }

    if (*ta) {
        run::Tshark none;
        none.command.clear();
        const auto form = ta_form == "ek" ? run::TsharkOutput::Ek
                          : ta_form == "fields" ? run::TsharkOutput::Fields : run::TsharkOutput::Tap;
        const auto args = run::tshark_argv(none, "CAPTURE", form);
        // drop the "-n -r CAPTURE" prefix: the caller writes it
        for (size_t i = 3; i < args.size(); ++i) std::cout << args[i] << "\n";
        return 0;
    }
    if (*an) {
        cli::AnalyzeOptions opt;
        std::string err;
        Config base;
        if (!apply_shared_options(shared, cfg, "moneroscope analyze", base, opt.builder)) return cli::kExitUsage;
        opt.config = base;

        for (const auto& p : port_args) {
            std::string id;
            uint16_t port = 0;
            if (!cli::parse_port_arg(p, id, port, err)) {
                std::cerr << "moneroscope analyze: " << err << "\n";
                return cli::kExitUsage;
            }
            if (id.empty()) opt.default_p2p_port = port;
            else opt.plan.vantage(id).p2p_port = port;
        }
        for (const auto& a : vantage_args) {
            cli::VantageOpt v;
            if (!cli::parse_vantage_arg(a, v, err)) {
                std::cerr << "moneroscope analyze: " << err << "\n";
                return cli::kExitUsage;
            }
            auto& dst = opt.plan.vantage(v.id);
            if (v.ip) dst.ip = v.ip;
        }
        for (const auto& a : alias_args) {
            const size_t eq = a.find('=');
            VantageAlias al;
            if (eq == std::string::npos || !cli::valid_vantage_id(a.substr(0, eq)) ||
                !cli::parse_alias(a.substr(eq + 1), al)) {
                std::cerr << "moneroscope analyze: invalid --vantage-alias " << a << " (ID=IP[:PORT])\n";
                return cli::kExitUsage;
            }
            opt.plan.vantage(a.substr(0, eq)).aliases.push_back(al);
        }
        if (!config_file.empty() && !cli::load_plan_file(config_file, opt.plan, err)) {
            std::cerr << "moneroscope analyze: " << err << "\n";
            return cli::kExitUsage;
        }
        const std::string default_vantage = opt.plan.vantages.size() == 1 ? opt.plan.vantages[0].id : "default";
        for (const auto& in : inputs) {
            if (!cli::add_input_arg(in, default_vantage, opt.plan, err)) {
                std::cerr << "moneroscope analyze: " << err << "\n";
                // A missing/unreadable input is an I/O failure, anything else a usage error.
                return err.find("no such file") != std::string::npos ? cli::kExitIo : cli::kExitUsage;
            }
        }
        // Vantages declared but without any input are dropped silently only if others have inputs.
        opt.out_dir = out_dir;
        opt.quiet = quiet;
        opt.json = json;
        opt.max_errors = max_errors;
        opt.max_line_bytes = max_line_mb << 20;
        opt.run.run_id = run_id;
        opt.run.command_line.assign(argv, argv + argc);
        opt.run.generated_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch()).count();
        return cli::run_analyze(opt);
    }
    if (*rn) {
        if (!apply_shared_options(shared, cfg, "moneroscope run", ropt.config, ropt.builder)) return cli::kExitUsage;
        for (const auto& a : vantage_args) {
            cli::VantageOpt v;
            std::string err;
            if (!cli::parse_vantage_arg(a, v, err)) {
                std::cerr << "moneroscope run: " << err << "\n";
                return cli::kExitUsage;
            }
            if (v.ip) ropt.vantage_ips.emplace_back(v.id, *v.ip);
        }
        ropt.paths = rpaths;
        ropt.out_dir = out_dir;
        ropt.quiet = quiet;
        ropt.report = !no_report;
        if (!tshark_cmd.empty()) ropt.tshark.command = tshark_cmd;
        ropt.run.progress = progress == "always" ? run::ProgressMode::Always
                            : progress == "never" ? run::ProgressMode::Never : run::ProgressMode::Auto;
        ropt.info.run_id = run_id;
        ropt.info.command_line.assign(argv, argv + argc);
        ropt.info.generated_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::system_clock::now().time_since_epoch()).count();
        return run::run_pipeline(ropt);
    }
    return cli::kExitUsage;
}

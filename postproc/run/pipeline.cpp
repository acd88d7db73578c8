#include "run/pipeline.hpp"

#include "ingest/ek_ingest.hpp"
#include "metrics/analyze.hpp"
#include "model/builder.hpp"
#include "report/from_analysis.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>
#include <unistd.h>

namespace msc::run {

namespace fs = std::filesystem;

namespace {

// One capture's ek → LevinMessages → the shared builder (guarded by a mutex).
class IngestSink : public CaptureSink {
public:
    IngestSink(uint32_t input, const std::string& name, ModelBuilder& b, std::mutex& mu)
        : input_(input), builder_(b), mu_(mu),
          ingest_(input, name, [this](const LevinMessage& m) {
              std::lock_guard<std::mutex> lk(mu_);
              builder_.add(m);
          }) {}
    void line(std::string_view l) override { ingest_.feed_line(l); }
    void finish(const CaptureOutcome& o) override {
        std::lock_guard<std::mutex> lk(mu_);
        ingest_.merge_into(builder_.diagnostics());
        const auto& st = ingest_.stats();
        builder_.set_input_stats(input_, st.lines, st.messages, st.malformed_lines, o.status == CaptureStatus::Failed);
    }
private:
    uint32_t input_;
    ModelBuilder& builder_;
    std::mutex& mu_;
    EkIngest ingest_;
};

void say(const std::string& s) { std::fprintf(stderr, "moneroscope run: %s\n", s.c_str()); }

// Moves every entry of `stage` into `out` (replacing same-named entries) and removes `stage`.
std::optional<std::string> publish(const fs::path& stage, const fs::path& out) {
    std::error_code ec;
    for (auto& e : fs::directory_iterator(stage, ec)) {
        fs::path target = out / e.path().filename();
        fs::remove_all(target, ec);
        fs::rename(e.path(), target, ec);
        if (ec) return "cannot move " + e.path().string() + " to " + target.string() + ": " + ec.message();
    }
    if (ec) return "cannot read " + stage.string() + ": " + ec.message();
    fs::remove_all(stage, ec);
    return std::nullopt;
}

struct StageGuard {
    fs::path dir;
    bool keep = false;
    ~StageGuard() {
        if (keep || dir.empty()) return;
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
};

} // namespace

int run_pipeline(const PipelineOptions& opt) {
    using Clock = std::chrono::steady_clock;
    InterruptScope interrupts;   // covers every stage, not only the tshark runs
    std::vector<std::string> errors;
    auto captures = discover(opt.paths, errors);
    for (auto& e : errors) say(e);
    if (captures.empty()) {
        say(opt.paths.empty() ? "no capture given: moneroscope run [options] CAPTURE|DIR..."
                              : "no capture files to analyse");
        return kRunUsage;
    }
    if (auto why = check_tshark(opt.tshark, opt.keep_ek ? TsharkOutput::Ek : TsharkOutput::Tap)) {
        say(*why);
        return kRunNoTshark;
    }

    std::error_code ec;
    fs::path out(opt.out_dir);
    fs::create_directories(out, ec);
    if (ec) {
        say("cannot create output directory " + out.string() + ": " + ec.message());
        return kRunIo;
    }
    StageGuard stage{out / (".moneroscope-partial-" + std::to_string(::getpid()))};
    fs::remove_all(stage.dir, ec);
    fs::create_directories(stage.dir, ec);
    if (ec) {
        say("cannot write into " + out.string() + ": " + ec.message());
        return kRunIo;
    }

    // Vantages (one per capture directory) and inputs (one per capture), registered up front so
    // the worker threads only call ModelBuilder::add.
    ModelBuilder builder(opt.builder);
    std::map<std::string, uint32_t> vantage_ids;
    for (auto& c : captures) {
        if (vantage_ids.count(c.vantage)) continue;
        VantageSpec spec{c.vantage, std::nullopt, opt.p2p_port};
        for (auto& [id, ip] : opt.vantage_ips)
            if (id == c.vantage) spec.ip = ip;
        vantage_ids[c.vantage] = builder.add_vantage(spec);
    }
    for (auto& [id, ip] : opt.vantage_ips)
        if (!vantage_ids.count(id)) say("warning: --vantage " + id + ": no capture directory of that name");
    std::vector<uint32_t> inputs;
    for (auto& c : captures) inputs.push_back(builder.add_input(vantage_ids[c.vantage], c.path));

    RunOptions ro = opt.run;
    if (opt.keep_ek) ro.keep_ek_dir = (stage.dir / "ek").string();
    std::mutex mu;
    auto t0 = Clock::now();
    auto summary = run_captures(captures, opt.tshark, ro, [&](size_t i) {
        return std::make_unique<IngestSink>(inputs[i], captures[i].path, builder, mu);
    });
    double ingest_s = std::chrono::duration<double>(Clock::now() - t0).count();
    if (summary.interrupted || InterruptScope::requested()) {
        say("interrupted: stopped every tshark, nothing written");
        return kRunInterrupted;
    }
    bool damaged = false;
    std::vector<std::string> notes;
    for (size_t i = 0; i < captures.size(); ++i) {
        const auto& o = summary.captures[i];
        if (o.status == CaptureStatus::Ok && o.message.empty()) continue;
        std::string what = "capture " + captures[i].path + ": " + to_string(o.status) +
                           (o.message.empty() ? "" : " (" + o.message + ")");
        if (o.status == CaptureStatus::Truncated) what += "; the packets before the cut were analysed";
        if (o.status == CaptureStatus::Failed) what += "; skipped, the other captures were analysed";
        say(what);
        notes.push_back(what);
        damaged |= o.status != CaptureStatus::Ok;
    }
    if (summary.ok() == 0) {
        say("no capture could be read");
        return kRunIo;
    }

    Model model = builder.finish();
    if (model.input.malformed_lines) damaged = true;
    if (InterruptScope::requested()) { say("interrupted: nothing written"); return kRunInterrupted; }
    auto t1 = Clock::now();
    AnalysisResult result = analyze(model, opt.config);
    output::RunInfo info = opt.info;
    info.ingest_seconds = ingest_s;
    info.analyze_seconds = std::chrono::duration<double>(Clock::now() - t1).count();
    if (InterruptScope::requested()) { say("interrupted: nothing written"); return kRunInterrupted; }

    if (auto err = output::write_all(stage.dir.string(), model, result, opt.config, info)) {
        say(*err);
        return kRunIo;
    }
    std::string html;
    if (opt.report) {
        std::vector<report::FileLink> files;
        const std::pair<const char*, const char*> known[] = {
            {"Full result (JSON)", "report.json"},           {"Per-peer table (CSV)", "peers.csv"},
            {"Connections (CSV)", "connections.csv"},         {"Peer lists (CSV)", "peer_lists.csv"},
            {"monerod --ban-list file", "ban_list.txt"},      {"LaTeX macros (results.tex)", "results.tex"},
            {"Popularity graph (GraphML)", "graph/graph.graphml"}, {"Popularity edges (CSV)", "graph/edges.csv"}};
        for (auto& [label, file] : known)
            if (fs::exists(stage.dir / file)) files.push_back({label, file});
        auto data = report::from_analysis(model, result, opt.config, files);
        for (auto& n : notes) data.notes.push_back(n);
        try {
            auto res = report::write_report(data, stage.dir.string(), opt.render);
            for (auto& w : res.warnings) say("warning: " + w);
            html = (out / "report.html").string();
        } catch (const std::exception& e) {
            say(std::string("report: ") + e.what());
            return kRunIo;
        }
    }
    if (InterruptScope::requested()) { say("interrupted: nothing written"); return kRunInterrupted; }
    if (auto err = publish(stage.dir, out)) {
        say(*err);
        return kRunIo;
    }
    stage.keep = true;   // published (the directory itself is gone)

    if (!opt.quiet) {
        std::fputs(output::human_summary(model, result, out.string()).c_str(), stdout);
        unsigned jobs = opt.run.jobs ? opt.run.jobs : std::max(1u, std::thread::hardware_concurrency());
        std::printf("tshark: %zu capture(s), %llu packets in %.1f s (%.0f packets/s), %zu parallel job(s)\n",
                    captures.size(), static_cast<unsigned long long>(summary.packets), summary.seconds,
                    summary.seconds > 0 ? static_cast<double>(summary.packets) / summary.seconds : 0.0,
                    std::min<size_t>(captures.size(), jobs));
        if (!html.empty()) std::printf("report: %s\n", html.c_str());
    }
    return damaged ? kRunDamaged : kRunOk;
}

} // namespace msc::run

// Runs tshark with the moneroscope plugin on many captures in parallel and streams each capture's
// `-T ek` output, line by line, into a consumer — no temporary JSON files (unless asked to keep
// the ek next to the results).
//
//   msc::run::Tshark ts;                       // "tshark" from PATH, or a wrapper such as tests/tshark-msc
//   if (auto why = msc::run::check_tshark(ts)) { print(*why); return 2; }   // one sentence on how to fix
//   msc::run::RunOptions opt;  opt.jobs = 4;
//   auto summary = msc::run::run_captures(captures, ts, opt, [&](size_t i) { return make_sink(i); });
//
// Each capture gets its own CaptureSink, called from one worker thread only (different captures'
// sinks run concurrently). Ctrl-C / SIGTERM while run_captures() is active stops every tshark,
// starts no new one, and returns with summary.interrupted set (the caller then writes nothing).
#pragma once

#include "run/captures.hpp"

#include <csignal>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace msc::run {

struct Tshark {
    // Program and leading arguments; the ek-contract invocation is appended. The program is looked
    // up in PATH unless it contains a '/'.
    std::vector<std::string> command{"tshark"};
    // Extra arguments placed before the invocation (e.g. "-o", "tcp.desegment_tcp_streams:TRUE").
    std::vector<std::string> extra_args;
    // The field the plugin must register (checked with `-G fields`): the export record.
    std::string required_field = "monero.record";
};

// How tshark hands the messages over (docs/ek-contract.md §1, §3b, §3c). All three carry one
// monero.record per Levin message and give identical analyses:
//   Tap     `-q -z monero,records`: the plugin's tap writes each frame's records from tshark's tap
//           pass; no protocol tree, display filter or per-packet printing (what run uses; cheaper
//           than a bare `tshark -r` pass, docs/performance.md §2)
//   Fields  `-T fields -Y monero -e monero.record`: the same lines through tshark's print path
//   Ek      `-T ek ... -e monero.record`: a real ek file (what --keep-ek keeps)
enum class TsharkOutput { Tap, Fields, Ek };

// The full argv for one capture.
std::vector<std::string> tshark_argv(const Tshark& ts, const std::string& capture,
                                     TsharkOutput form = TsharkOutput::Tap);

// nullopt when tshark runs and the plugin's fields are registered (and, for the Tap form, its
// `-z monero,records` listener); otherwise one sentence saying what is wrong and how to fix it
// (tshark missing, plugin not loaded or too old, tshark failing).
std::optional<std::string> check_tshark(const Tshark& ts, TsharkOutput form = TsharkOutput::Tap);

// SIGINT/SIGTERM handling for the lifetime of the object: the first signal only sets a flag
// (requested()), the previous handlers are restored on destruction. Nests: the flag is reset only
// by the outermost scope. run_captures() opens one itself; callers open an outer one to cover
// their later stages too.
class InterruptScope {
public:
    InterruptScope();
    ~InterruptScope();
    InterruptScope(const InterruptScope&) = delete;
    InterruptScope& operator=(const InterruptScope&) = delete;
    static bool requested();
private:
    struct sigaction old_int_ {}, old_term_ {};
};

enum class CaptureStatus { Ok, Truncated, Failed, Interrupted };
const char* to_string(CaptureStatus s);

struct CaptureOutcome {
    CaptureStatus status = CaptureStatus::Ok;
    std::string message;        // tshark's own explanation for Truncated/Failed (first lines of stderr)
    int exit_code = 0;          // tshark's exit status (128+N for signal N), -1 if it did not start
    uint64_t lines = 0;         // ek lines read
    uint64_t packets = 0;       // frames read by tshark up to the last Levin frame (monero.frame)
    double seconds = 0;
    std::string ek_path;        // kept ek file, if any
};

class CaptureSink {
public:
    virtual ~CaptureSink() = default;
    virtual void line(std::string_view line) = 0;               // one ek line, without '\n'
    virtual void finish(const CaptureOutcome& outcome) { (void)outcome; }
};
using SinkFactory = std::function<std::unique_ptr<CaptureSink>(size_t capture_index)>;

enum class ProgressMode { Auto, Always, Never };   // Auto: only when stderr is a terminal

struct RunOptions {
    unsigned jobs = 0;                 // 0: all cores
    std::string keep_ek_dir;           // non-empty: also write <dir>/<vantage>/<capture>.ek.json
    ProgressMode progress = ProgressMode::Auto;
    size_t max_line_bytes = 512u << 20; // longer ek lines abort that capture (Failed)
};

struct RunSummary {
    std::vector<CaptureOutcome> captures;   // same order as the input captures
    bool interrupted = false;
    uint64_t packets = 0, lines = 0;
    double seconds = 0;
    size_t ok() const;
    size_t failed() const;
};

RunSummary run_captures(const std::vector<CaptureInput>& captures, const Tshark& ts, const RunOptions& opt,
                        const SinkFactory& make_sink);

// The frame number of one output line (a line is one frame): N of the first `|frame=N` of its
// records, or of the first `"monero_monero_frame":"N"` of a -J ek line; 0 if absent. run keeps the
// largest as the capture's progress and as the packet count of a truncated capture.
uint64_t last_frame_number(std::string_view line);

} // namespace msc::run

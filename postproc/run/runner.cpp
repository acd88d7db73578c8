#include "run/runner.hpp"

#include "ingest/line_splitter.hpp"
#include "sys/exec_path.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <mutex>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace msc::run {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

std::atomic<bool> g_stop{false};
std::atomic<int> g_scope_depth{0};

extern "C" void on_stop_signal(int) { g_stop.store(true); }


struct Child {
    pid_t pid = -1;
    int out = -1, err = -1;
};

// Spawns argv with stdin from /dev/null and stdout/stderr to fresh pipes (close-on-exec in the
// parent, so concurrently spawned children never inherit each other's pipe ends).
Child spawn(const std::vector<std::string>& argv, std::string& error) {
    Child c;
    int out[2], err[2];
    if (::pipe2(out, O_CLOEXEC) != 0) { error = std::strerror(errno); return c; }
#ifdef F_SETPIPE_SZ
    // 1 MiB instead of 64 KiB: tshark writes ~100 MB per capture; a larger pipe means fewer
    // wake-ups of both sides (best effort: the limit is /proc/sys/fs/pipe-max-size)
    (void)::fcntl(out[0], F_SETPIPE_SZ, 1 << 20);
#endif
    if (::pipe2(err, O_CLOEXEC) != 0) {
        error = std::strerror(errno);
        ::close(out[0]); ::close(out[1]);
        return c;
    }
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    pid_t pid = -1;
    int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(out[1]);
    ::close(err[1]);
    if (rc != 0) {
        error = std::string("cannot start ") + argv[0] + ": " + std::strerror(rc);
        ::close(out[0]);
        ::close(err[0]);
        return c;
    }
    c.pid = pid;
    c.out = out[0];
    c.err = err[0];
    return c;
}

int wait_exit(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

// Runs argv to completion, collecting stdout (up to `limit` bytes) and stderr.
int capture_output(const std::vector<std::string>& argv, std::string& out, std::string& err, size_t limit) {
    std::string error;
    Child c = spawn(argv, error);
    if (c.pid < 0) { err = error; return -1; }
    pollfd fds[2] = {{c.out, POLLIN, 0}, {c.err, POLLIN, 0}};
    int open = 2;
    char buf[65536];
    while (open > 0) {
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (auto& f : fds) {
            if (f.fd < 0 || !(f.revents & (POLLIN | POLLHUP | POLLERR))) continue;
            ssize_t n = ::read(f.fd, buf, sizeof buf);
            if (n > 0) {
                std::string& dst = f.fd == c.out ? out : err;
                if (dst.size() < limit) dst.append(buf, static_cast<size_t>(std::min<ssize_t>(n, static_cast<ssize_t>(limit - dst.size()))));
            } else if (n == 0 || errno != EINTR) {
                ::close(f.fd);
                f.fd = -1;
                --open;
            }
        }
    }
    return wait_exit(c.pid);
}

// tshark's own message without the root warning and blank lines; at most a few lines.
std::string explain(const std::string& stderr_text) {
    std::string out;
    size_t start = 0, lines = 0;
    while (start < stderr_text.size() && lines < 4) {
        size_t end = stderr_text.find('\n', start);
        if (end == std::string::npos) end = stderr_text.size();
        std::string l = stderr_text.substr(start, end - start);
        start = end + 1;
        if (l.empty() || l.find("Running as user \"root\"") != std::string::npos) continue;
        if (!out.empty()) out += " ";
        out += l;
        ++lines;
    }
    return out;
}

// Byte position of `pid` in the file `path`, read from /proc (0 when unknown).
uint64_t read_position(pid_t pid, const std::string& path, int& fd_hint) {
    if (pid <= 0) return 0;
    std::string base = "/proc/" + std::to_string(pid);
    if (fd_hint < 0) {
        std::error_code ec;
        for (auto& e : fs::directory_iterator(base + "/fd", ec)) {
            std::error_code ec2;
            if (fs::read_symlink(e.path(), ec2) == path) {
                fd_hint = std::atoi(e.path().filename().c_str());
                break;
            }
        }
        if (fd_hint < 0) return 0;
    }
    std::FILE* f = std::fopen((base + "/fdinfo/" + std::to_string(fd_hint)).c_str(), "r");
    if (!f) return 0;
    unsigned long long pos = 0;
    char line[256];
    while (std::fgets(line, sizeof line, f))
        if (std::sscanf(line, "pos: %llu", &pos) == 1) break;
    std::fclose(f);
    return pos;
}

std::string human_bytes(double b) {
    const char* unit[] = {"B", "KB", "MB", "GB", "TB"};
    int u = 0;
    while (b >= 1000 && u < 4) { b /= 1000; ++u; }
    char buf[32];
    std::snprintf(buf, sizeof buf, u ? "%.1f %s" : "%.0f %s", b, unit[u]);
    return buf;
}

std::string human_count(double n) {
    char buf[32];
    if (n >= 1e6) std::snprintf(buf, sizeof buf, "%.1fM", n / 1e6);
    else if (n >= 1e4) std::snprintf(buf, sizeof buf, "%.1fk", n / 1e3);
    else std::snprintf(buf, sizeof buf, "%.0f", n);
    return buf;
}

std::string human_time(double s) {
    char buf[32];
    long t = static_cast<long>(s + 0.5);
    if (t >= 3600) std::snprintf(buf, sizeof buf, "%ldh%02ldm", t / 3600, (t / 60) % 60);
    else if (t >= 60) std::snprintf(buf, sizeof buf, "%ldm%02lds", t / 60, t % 60);
    else std::snprintf(buf, sizeof buf, "%lds", t);
    return buf;
}

struct Active {
    pid_t pid = -1;
    int fd_hint = -1;
};

} // namespace

InterruptScope::InterruptScope() {
    if (g_scope_depth.fetch_add(1) == 0) g_stop.store(false);
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
}

InterruptScope::~InterruptScope() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
    g_scope_depth.fetch_sub(1);
}

bool InterruptScope::requested() { return g_stop.load(); }

std::vector<std::string> tshark_argv(const Tshark& ts, const std::string& capture, TsharkOutput form) {
    std::vector<std::string> argv = ts.command;
    argv.insert(argv.end(), ts.extra_args.begin(), ts.extra_args.end());
    for (const char* a : {"-n", "-r"}) argv.emplace_back(a);
    argv.push_back(capture);
    // tshark (4.0 and 4.4) defaults to FALSE and then drops a Levin message whose TCP segments arrive out of
    // order at the capture point; reordering costs nothing on in-order traffic (docs/ek-contract.md §1)
    for (const char* a : {"-o", "tcp.reassemble_out_of_order:TRUE"}) argv.emplace_back(a);
    if (form == TsharkOutput::Tap) {
        // nothing but the tap's lines on stdout; tshark builds no tree and no columns
        for (const char* a : {"-q", "-z", "monero,records"}) argv.emplace_back(a);
        return argv;
    }
    // gui.column.format: one cheap column instead of the default seven; the export prints none, but
    // tshark and the dissectors fill them per packet (~15 % of the export's CPU, docs/performance.md §2)
    for (const char* a : {"-T", form == TsharkOutput::Ek ? "ek" : "fields", "-Y", "monero", "-o",
                          "monero.payload_tree:FALSE", "-o", "monero.export_records:TRUE", "-o",
                          "gui.column.format:\"No.\",\"%m\"", "-e", "monero.record"})
        argv.emplace_back(a);
    return argv;
}

std::optional<std::string> check_tshark(const Tshark& ts, TsharkOutput form) {
    if (ts.command.empty() || ts.command[0].empty()) return std::string("no tshark command given");
    const std::string& prog = ts.command[0];
    if (!sys::executable_in_path(prog)) {
        if (prog.find('/') != std::string::npos)
            return "'" + prog + "' does not exist or is not executable: check the --tshark path";
        return std::string("tshark is not installed: install it with `apt-get install tshark` "
                           "(or run `bash scripts/deps.sh`)");
    }
    std::vector<std::string> argv = ts.command;
    argv.insert(argv.end(), {"-G", "fields"});
    std::string out, err;
    int rc = capture_output(argv, out, err, 64u << 20);
    if (rc != 0)
        return "'" + prog + " -G fields' failed (exit " + std::to_string(rc) + "): " + explain(err);
    std::string needle = "\t" + ts.required_field + "\t";
    if (out.find(needle) == std::string::npos)
        return "the moneroscope Wireshark plugin is not loaded by '" + prog + "' (no field " + ts.required_field +
               "): install it with `cmake --install build` (copies it into Wireshark's global plugin "
               "directory), or pass --tshark tests/tshark-msc to use the freshly built one";
    if (form == TsharkOutput::Tap) {
        // Probe the listener: tshark rejects an unregistered -z argument ("Invalid -z argument
        // "monero,records"") before it opens the input, and with the listener it fails on
        // /dev/null instead. (`-z help` would list it too, but also starts every extcap helper,
        // which hangs under a sanitizer-preloaded tshark.)
        argv = ts.command;
        argv.insert(argv.end(), {"-n", "-r", "/dev/null", "-q", "-z", "monero,records"});
        capture_output(argv, out, err, 64u << 20);
        if ((out + err).find("-z argument \"monero,records\"") != std::string::npos)
            return "the moneroscope Wireshark plugin loaded by '" + prog + "' is older than this moneroscope "
                   "(no `-z monero,records` export): reinstall it with `cmake --install build`, or pass "
                   "--tshark tests/tshark-msc to use the freshly built one";
    }
    return std::nullopt;
}

const char* to_string(CaptureStatus s) {
    switch (s) {
    case CaptureStatus::Ok: return "ok";
    case CaptureStatus::Truncated: return "truncated";
    case CaptureStatus::Failed: return "failed";
    case CaptureStatus::Interrupted: return "interrupted";
    }
    return "?";
}

size_t RunSummary::ok() const {
    return static_cast<size_t>(std::count_if(captures.begin(), captures.end(), [](const CaptureOutcome& c) {
        return c.status == CaptureStatus::Ok || c.status == CaptureStatus::Truncated;
    }));
}

size_t RunSummary::failed() const {
    return static_cast<size_t>(std::count_if(captures.begin(), captures.end(),
                                             [](const CaptureOutcome& c) { return c.status == CaptureStatus::Failed; }));
}

uint64_t last_frame_number(std::string_view line) {
    // A line is one frame: every record (every monero object of a -J ek line) carries the same
    // frame number, so the first one near the start of the line is read. (rfind scanned the
    // line's last record backwards, a peer list of up to ~8 KB: 6 % of run's own CPU.)
    size_t p = std::string_view::npos;
    for (std::string_view key : {std::string_view("|frame="), std::string_view("\"monero_monero_frame\":")}) {
        const size_t q = line.find(key);
        if (q != std::string_view::npos) { p = q + key.size(); break; }
    }
    if (p == std::string_view::npos) return 0;
    while (p < line.size() && (line[p] == '"' || line[p] == '[' || line[p] == ' ')) ++p;
    uint64_t v = 0;
    int digits = 0;
    while (p < line.size() && line[p] >= '0' && line[p] <= '9' && digits < 19) {
        v = v * 10 + static_cast<uint64_t>(line[p] - '0');
        ++p;
        ++digits;
    }
    return v;
}

RunSummary run_captures(const std::vector<CaptureInput>& captures, const Tshark& ts, const RunOptions& opt,
                        const SinkFactory& make_sink) {
    RunSummary summary;
    summary.captures.resize(captures.size());
    const size_t n = captures.size();
    if (n == 0) return summary;

    InterruptScope signals;
    auto t0 = Clock::now();
    unsigned hw = std::max(1u, std::thread::hardware_concurrency());
    unsigned jobs = std::max(1u, std::min<unsigned>(opt.jobs ? opt.jobs : hw, static_cast<unsigned>(n)));

    // Largest captures first: the last job to finish is then a small one.
    std::vector<size_t> order(n);
    for (size_t i = 0; i < n; ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return captures[a].bytes > captures[b].bytes; });

    std::mutex mu;                               // guards active, done_bytes
    std::vector<Active> active(n);
    std::vector<std::atomic<uint64_t>> packets(n);
    std::atomic<size_t> next{0}, done{0};
    uint64_t done_bytes = 0, total_bytes = 0;
    for (auto& c : captures) total_bytes += c.bytes;
    // /proc/<pid>/fd links name the resolved file, so compare against the canonical path.
    std::vector<std::string> real_paths;
    for (auto& c : captures) {
        std::error_code ec;
        auto p = fs::canonical(c.path, ec);
        real_paths.push_back(ec ? c.path : p.string());
    }

    auto work_one = [&](size_t idx) {
        const CaptureInput& cap = captures[idx];
        CaptureOutcome& oc = summary.captures[idx];
        auto start = Clock::now();
        std::unique_ptr<CaptureSink> sink = make_sink(idx);
        std::FILE* keep = nullptr;
        if (!opt.keep_ek_dir.empty()) {
            fs::path dir = fs::path(opt.keep_ek_dir) / cap.vantage;
            std::error_code ec;
            fs::create_directories(dir, ec);
            oc.ek_path = (dir / (fs::path(cap.path).filename().string() + ".ek.json")).string();
            keep = std::fopen(oc.ek_path.c_str(), "wb");
            if (!keep) {
                oc.message = "cannot write " + oc.ek_path + ": " + std::strerror(errno) + "; ";
                oc.ek_path.clear();
            }
        }
        std::string error;
        Child child;
        {
            std::lock_guard<std::mutex> lk(mu);
            if (!g_stop.load())
                child = spawn(tshark_argv(ts, cap.path, keep ? TsharkOutput::Ek : TsharkOutput::Tap), error);
            else error = "interrupted";
            active[idx].pid = child.pid;
        }
        std::string err_text;
        bool overflow = false, sink_failed = false;
        if (child.pid > 0) {
            LineSplitter split(opt.max_line_bytes, LineSplitter::Overlong::Stop);
            auto no_overlong = [](uint64_t) {};   // never called in Stop mode: skipping() ends the capture
            std::vector<char> buf(256 * 1024);
            pollfd fds[2] = {{child.out, POLLIN, 0}, {child.err, POLLIN, 0}};
            int open = 2;
            auto emit = [&](std::string_view l) {
                ++oc.lines;
                if (uint64_t f = last_frame_number(l)) packets[idx].store(std::max(packets[idx].load(), f));
                if (keep) {
                    std::fwrite(l.data(), 1, l.size(), keep);
                    std::fputc('\n', keep);
                }
                if (!sink_failed) {
                    try {
                        sink->line(l);
                    } catch (const std::exception& e) {
                        sink_failed = true;
                        oc.message += std::string("analysis of this capture failed: ") + e.what() + "; ";
                    }
                }
            };
            while (open > 0) {
                if (::poll(fds, 2, -1) < 0) {
                    if (errno == EINTR) continue;
                    break;
                }
                for (auto& f : fds) {
                    if (f.fd < 0 || !(f.revents & (POLLIN | POLLHUP | POLLERR))) continue;
                    ssize_t r = ::read(f.fd, buf.data(), buf.size());
                    if (r < 0 && errno == EINTR) continue;
                    if (r <= 0) {
                        ::close(f.fd);
                        f.fd = -1;
                        --open;
                        continue;
                    }
                    std::string_view chunk(buf.data(), static_cast<size_t>(r));
                    if (f.fd == child.err) {
                        if (err_text.size() < 16384) err_text.append(chunk.substr(0, 16384 - err_text.size()));
                        continue;
                    }
                    if (overflow) continue;   // drain until tshark has exited
                    split.feed(chunk, emit, no_overlong);
                    if (split.skipping()) {   // a line over the cap: this capture fails, tshark is stopped
                        overflow = true;
                        ::kill(child.pid, SIGTERM);
                    }
                }
            }
            if (!overflow) split.finish(emit, no_overlong);   // last line without newline
            {
                std::lock_guard<std::mutex> lk(mu);
                active[idx].pid = -1;   // no more kill() from the progress thread after this point
            }
            oc.exit_code = wait_exit(child.pid);
        } else {
            oc.exit_code = -1;
        }
        if (keep) std::fclose(keep);
        oc.packets = packets[idx].load();
        oc.seconds = std::chrono::duration<double>(Clock::now() - start).count();
        std::string why = explain(err_text);
        if (g_stop.load()) {
            oc.status = CaptureStatus::Interrupted;
            oc.message += "stopped by interrupt";
        } else if (child.pid <= 0) {
            oc.status = CaptureStatus::Failed;
            oc.message += error;
        } else if (overflow) {
            oc.status = CaptureStatus::Failed;
            oc.message += "tshark produced an ek line longer than " + std::to_string(opt.max_line_bytes) + " bytes";
        } else if (sink_failed) {
            oc.status = CaptureStatus::Failed;
        } else if (err_text.find("cut short") != std::string::npos) {
            oc.status = CaptureStatus::Truncated;   // everything before the cut was analysed
            oc.message += why;
        } else if (oc.exit_code != 0) {
            oc.status = CaptureStatus::Failed;
            oc.message += why.empty() ? "tshark exited with status " + std::to_string(oc.exit_code) : why;
        } else {
            oc.status = CaptureStatus::Ok;
            if (!why.empty()) oc.message += why;   // warnings on a successful run
        }
        sink->finish(oc);
        std::lock_guard<std::mutex> lk(mu);
        done_bytes += cap.bytes;
        done.fetch_add(1);
    };

    std::vector<std::thread> workers;
    for (unsigned w = 0; w < jobs; ++w)
        workers.emplace_back([&] {
            for (;;) {
                size_t k = next.fetch_add(1);
                if (k >= n) return;
                work_one(order[k]);
            }
        });

    bool show = opt.progress == ProgressMode::Always ||
                (opt.progress == ProgressMode::Auto && ::isatty(STDERR_FILENO));
    bool killed = false;
    auto last_print = Clock::now() - std::chrono::seconds(1);
    while (done.load() < n) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        if (g_stop.load() && !killed) {
            std::lock_guard<std::mutex> lk(mu);
            for (auto& a : active)
                if (a.pid > 0) ::kill(a.pid, SIGTERM);
            killed = true;
        }
        if (!show || Clock::now() - last_print < std::chrono::milliseconds(500)) continue;
        last_print = Clock::now();
        uint64_t bytes, pk = 0;
        {
            std::lock_guard<std::mutex> lk(mu);
            bytes = done_bytes;
            for (size_t i = 0; i < n; ++i)
                if (active[i].pid > 0) bytes += std::min(captures[i].bytes, read_position(active[i].pid, real_paths[i], active[i].fd_hint));
        }
        for (auto& p : packets) pk += p.load();
        double el = std::chrono::duration<double>(Clock::now() - t0).count();
        std::string line = "\r[" + std::to_string(done.load()) + "/" + std::to_string(n) + " captures] " +
                           human_count(static_cast<double>(pk)) + " packets, " +
                           human_count(el > 0 ? static_cast<double>(pk) / el : 0) + " pkt/s, " +
                           human_bytes(static_cast<double>(bytes)) + " of " + human_bytes(static_cast<double>(total_bytes));
        if (bytes > 0 && el > 1 && total_bytes > bytes)
            line += ", ETA " + human_time(el * static_cast<double>(total_bytes - bytes) / static_cast<double>(bytes));
        line += "   ";
        std::fputs(line.c_str(), stderr);
        std::fflush(stderr);
    }
    for (auto& t : workers) t.join();
    if (show) {
        std::fputs("\r\033[K", stderr);
        std::fflush(stderr);
    }
    summary.interrupted = g_stop.load();
    summary.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    for (auto& c : summary.captures) {
        summary.packets += c.packets;
        summary.lines += c.lines;
    }
    return summary;
}

} // namespace msc::run

#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "run/captures.hpp"
#include "run/runner.hpp"

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>
#include <unistd.h>

using namespace msc::run;
namespace fs = std::filesystem;

#ifndef FAKE_TSHARK
#error "FAKE_TSHARK must point to tests/postproc/run/fake-tshark.sh"
#endif

namespace {

struct TempDir {
    fs::path path;
    TempDir() {
        std::string t = (fs::temp_directory_path() / "msc-run-XXXXXX").string();
        REQUIRE(::mkdtemp(t.data()) != nullptr);
        path = t;
    }
    ~TempDir() { std::error_code ec; fs::remove_all(path, ec); }
    fs::path file(const std::string& rel, const std::string& content) const {
        fs::path p = path / rel;
        fs::create_directories(p.parent_path());
        std::ofstream(p) << content;
        return p;
    }
};

std::string read(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

Tshark fake() {
    Tshark t;
    t.command = {"bash", FAKE_TSHARK};
    return t;
}

std::string ek(uint64_t frame) {
    return "{\"timestamp\":\"1\",\"layers\":{\"monero\":{\"monero_monero_frame\":\"" + std::to_string(frame) +
           "\",\"monero_monero_command\":\"1001\"}}}";
}

// Collects lines per capture; thread-safe across captures.
struct Collector {
    std::mutex mu;
    std::map<size_t, std::vector<std::string>> lines;
    std::map<size_t, CaptureStatus> finished;
    SinkFactory factory() {
        return [this](size_t i) {
            struct S : CaptureSink {
                Collector* c;
                size_t i;
                std::vector<std::string> mine;
                void line(std::string_view l) override { mine.emplace_back(l); }
                void finish(const CaptureOutcome& o) override {
                    std::lock_guard<std::mutex> lk(c->mu);
                    c->lines[i] = mine;
                    c->finished[i] = o.status;
                }
            };
            auto s = std::make_unique<S>();
            s->c = this;
            s->i = i;
            return std::unique_ptr<CaptureSink>(std::move(s));
        };
    }
};

RunOptions quiet(unsigned jobs) {
    RunOptions o;
    o.jobs = jobs;
    o.progress = ProgressMode::Never;
    return o;
}

} // namespace

TEST_CASE("capture names") {
    CHECK(is_capture_name("a.pcapng"));
    CHECK(is_capture_name("A.PCAP"));
    CHECK(is_capture_name("x.pcapng.gz"));
    CHECK(is_capture_name("x.cap"));
    CHECK_FALSE(is_capture_name("notes.txt"));
    CHECK_FALSE(is_capture_name("pcapng"));
}

TEST_CASE("discover follows the data/pcapng/<server_id>/ layout") {
    TempDir t;
    t.file("data/pcapng/sfo/2.pcapng", "x");
    t.file("data/pcapng/ams/b.pcap", "xy");
    t.file("data/pcapng/ams/a.pcapng", "xyz");
    t.file("data/pcapng/ams/notes.txt", "n");
    fs::create_directories(t.path / "empty");
    std::vector<std::string> errors;
    auto caps = discover({(t.path / "data/pcapng").string(), (t.path / "data/pcapng/ams/a.pcapng").string(),
                          (t.path / "missing").string(), (t.path / "empty").string()},
                         errors);
    REQUIRE(caps.size() == 3);   // a.pcapng given twice is used once, notes.txt ignored
    CHECK(caps[0].vantage == "ams");
    CHECK(fs::path(caps[0].path).filename() == "a.pcapng");
    CHECK(caps[0].bytes == 3);
    CHECK(fs::path(caps[1].path).filename() == "b.pcap");
    CHECK(caps[2].vantage == "sfo");
    REQUIRE(errors.size() == 2);
    CHECK(errors[0].find("does not exist") != std::string::npos);
    CHECK(errors[1].find("no capture files") != std::string::npos);
}

TEST_CASE("tshark argv is the record invocation of the ek contract (tap, fields, or ek with --keep-ek)") {
    Tshark t;
    t.command = {"/x/tshark-msc"};
    std::vector<std::string> tail{"-Y", "monero", "-o", "monero.payload_tree:FALSE",
                                  "-o", "monero.export_records:TRUE", "-o", "gui.column.format:\"No.\",\"%m\"",
                                  "-e", "monero.record"};
    // every form reorders out-of-order TCP segments before the dissector sees them (tests/plugin/tcp_disorder.sh)
    std::vector<std::string> fields{"/x/tshark-msc", "-n", "-r", "c.pcapng", "-o", "tcp.reassemble_out_of_order:TRUE",
                                    "-T", "fields"};
    fields.insert(fields.end(), tail.begin(), tail.end());
    CHECK(tshark_argv(t, "c.pcapng", TsharkOutput::Fields) == fields);
    // run's default: the plugin's tap listener, nothing else on stdout
    CHECK(tshark_argv(t, "c.pcapng") ==
          std::vector<std::string>{"/x/tshark-msc", "-n", "-r", "c.pcapng", "-o", "tcp.reassemble_out_of_order:TRUE",
                                   "-q", "-z", "monero,records"});
    std::vector<std::string> ek{"/x/tshark-msc", "-n", "-r", "c.pcapng", "-o", "tcp.reassemble_out_of_order:TRUE",
                                "-T", "ek"};
    ek.insert(ek.end(), tail.begin(), tail.end());
    CHECK(tshark_argv(t, "c.pcapng", TsharkOutput::Ek) == ek);
    t.extra_args = {"-o", "tcp.desegment_tcp_streams:TRUE"};
    CHECK(tshark_argv(t, "c.pcapng")[1] == "-o");
    CHECK(tshark_argv(t, "c.pcapng")[2] == "tcp.desegment_tcp_streams:TRUE");
}

TEST_CASE("check_tshark explains a missing tshark and a missing plugin in one sentence") {
    Tshark missing;
    missing.command = {"msc-no-such-tshark-binary"};
    auto why = check_tshark(missing);
    REQUIRE(why);
    CHECK(why->find("apt-get install tshark") != std::string::npos);

    Tshark bad_path;
    bad_path.command = {"/nonexistent/tshark"};
    REQUIRE(check_tshark(bad_path));
    CHECK(check_tshark(bad_path)->find("--tshark") != std::string::npos);

    ::setenv("FAKE_TSHARK_NO_PLUGIN", "1", 1);
    auto no_plugin = check_tshark(fake());
    ::unsetenv("FAKE_TSHARK_NO_PLUGIN");
    REQUIRE(no_plugin);
    CHECK(no_plugin->find("plugin is not loaded") != std::string::npos);
    CHECK(no_plugin->find("cmake --install") != std::string::npos);

    // a plugin without the tap listener (older build): the tap form is refused with the fix, the
    // ek form (--keep-ek) still works
    ::setenv("FAKE_TSHARK_NO_TAP", "1", 1);
    auto no_tap = check_tshark(fake());
    auto ek_ok = check_tshark(fake(), TsharkOutput::Ek);
    ::unsetenv("FAKE_TSHARK_NO_TAP");
    REQUIRE(no_tap);
    CHECK(no_tap->find("-z monero,records") != std::string::npos);
    CHECK(no_tap->find("cmake --install") != std::string::npos);
    CHECK_FALSE(ek_ok);

    CHECK_FALSE(check_tshark(fake()));
}

TEST_CASE("last_frame_number reads monero.frame") {
    CHECK(last_frame_number(ek(42)) == 42);
    CHECK(last_frame_number("{\"a\":1}") == 0);
    CHECK(last_frame_number("\"monero_monero_frame\":[\"7\",\"9\"]") == 7);   // first of an array
    CHECK(last_frame_number("\"monero_monero_frame\":\"99999999999999999999999\"") == 9999999999999999999ULL);
    // monero.record lines (-T fields / tap: records joined by ','; ek: "monero_record":[…]): one frame
    // per line, so every record has the same frame; a marker record first has none
    CHECK(last_frame_number("frame_time=1.000000000|frame=13|command=1001,frame_time=1.000000000|frame=13|src=a") == 13);
    CHECK(last_frame_number("resync_skipped=4356,frame_time=1.000000000|frame=8|command=1002") == 8);
    CHECK(last_frame_number("sig_segment=1") == 0);
    CHECK(last_frame_number("{\"layers\":{\"monero_record\":[\"frame_time=1.0|frame=77|command=1002\"]}}") == 77);
    CHECK(last_frame_number("frame_time=1.000000000|command=1001") == 0);   // frame_time is not frame
}

TEST_CASE("captures run in parallel; broken and truncated ones are reported, the rest analysed") {
    TempDir t;
    std::vector<CaptureInput> caps;
    auto add = [&](const std::string& name, const std::string& content) {
        caps.push_back({t.file(name, content).string(), "v", content.size()});
    };
    add("ok1.pcapng", "#ok\n" + ek(1) + "\n" + ek(5) + "\n");
    add("broken.pcapng", "#broken\n");
    add("trunc.pcapng", "#truncated\n" + ek(3) + "\n");
    add("ok2.pcapng", "#ok\n" + ek(2) + "\n" + ek(8) + "\n" + ek(11));   // last line without newline
    Collector col;
    auto s = run_captures(caps, fake(), quiet(2), col.factory());
    REQUIRE(s.captures.size() == 4);
    CHECK_FALSE(s.interrupted);
    CHECK(s.captures[0].status == CaptureStatus::Ok);
    CHECK(s.captures[0].packets == 5);
    CHECK(s.captures[1].status == CaptureStatus::Failed);
    CHECK(s.captures[1].message.find("isn't a capture file") != std::string::npos);
    CHECK(s.captures[1].message.find("Running as user") == std::string::npos);
    CHECK(s.captures[2].status == CaptureStatus::Truncated);
    CHECK(s.captures[2].message.find("cut short") != std::string::npos);
    CHECK(s.captures[3].status == CaptureStatus::Ok);
    CHECK(s.ok() == 3);
    CHECK(s.failed() == 1);
    CHECK(col.lines[0] == std::vector<std::string>{ek(1), ek(5)});
    CHECK(col.lines[2] == std::vector<std::string>{ek(3)});
    CHECK(col.lines[3] == std::vector<std::string>{ek(2), ek(8), ek(11)});
    CHECK(col.lines[1].empty());
    CHECK(col.finished.size() == 4);
    CHECK(s.lines == 6);
    CHECK(s.packets == 5 + 3 + 11);
}

TEST_CASE("jobs run concurrently") {
    TempDir t;
    std::vector<CaptureInput> caps;
    for (int i = 0; i < 2; ++i)
        caps.push_back({t.file("s" + std::to_string(i) + ".pcapng", "#sleep 1.5\n" + ek(1) + "\n").string(), "v", 1});
    Collector col;
    auto start = std::chrono::steady_clock::now();
    auto s = run_captures(caps, fake(), quiet(2), col.factory());
    double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    CHECK(s.ok() == 2);
    CHECK(el < 2.8);   // sequential would take >= 3 s
}

TEST_CASE("--keep-ek writes exactly the streamed lines") {
    TempDir t;
    std::string body = ek(1) + "\n" + ek(2) + "\n";
    std::vector<CaptureInput> caps{{t.file("in/ams/c.pcapng", "#ok\n" + body).string(), "ams", 1}};
    RunOptions o = quiet(1);
    o.keep_ek_dir = (t.path / "ek").string();
    Collector col;
    auto s = run_captures(caps, fake(), o, col.factory());
    REQUIRE(s.captures[0].status == CaptureStatus::Ok);
    CHECK(s.captures[0].ek_path == (t.path / "ek/ams/c.pcapng.ek.json").string());
    CHECK(read(s.captures[0].ek_path) == body);
}

TEST_CASE("an over-long ek line fails that capture without buffering it") {
    TempDir t;
    std::vector<CaptureInput> caps{{t.file("long.pcapng", "#ok\n" + std::string(5000, 'x') + "\n").string(), "v", 1},
                                   {t.file("fine.pcapng", "#ok\n" + ek(4) + "\n").string(), "v", 1}};
    RunOptions o = quiet(1);
    o.max_line_bytes = 1000;
    Collector col;
    auto s = run_captures(caps, fake(), o, col.factory());
    CHECK(s.captures[0].status == CaptureStatus::Failed);
    CHECK(s.captures[0].message.find("longer than 1000") != std::string::npos);
    CHECK(s.captures[1].status == CaptureStatus::Ok);
}

TEST_CASE("SIGINT stops every tshark promptly and marks the run interrupted") {
    TempDir t;
    std::vector<CaptureInput> caps;
    for (int i = 0; i < 4; ++i)
        caps.push_back({t.file("s" + std::to_string(i) + ".pcapng", "#sleep 30\n" + ek(1) + "\n").string(), "v", 1});
    Collector col;
    struct sigaction before {};
    sigaction(SIGINT, nullptr, &before);
    std::thread raiser([] {
        std::this_thread::sleep_for(std::chrono::milliseconds(700));
        ::kill(::getpid(), SIGINT);
    });
    auto start = std::chrono::steady_clock::now();
    auto s = run_captures(caps, fake(), quiet(2), col.factory());
    double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    raiser.join();
    CHECK(s.interrupted);
    CHECK(el < 10);
    for (auto& c : s.captures) CHECK(c.status == CaptureStatus::Interrupted);
    // The handler is uninstalled afterwards: the previous disposition is back.
    struct sigaction cur {};
    sigaction(SIGINT, nullptr, &cur);
    CHECK((cur.sa_handler == before.sa_handler));
}

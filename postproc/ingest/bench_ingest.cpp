// msc-bench-ingest: throughput of the ek reader on a file, compared with a null nlohmann SAX pass
// over the same lines (the cheapest possible nlohmann-based reader: no mapping, no DOM).
//   msc-bench-ingest FILE [--nlohmann]
#include "ingest/ek_ingest.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <sys/resource.h>
#include <sys/types.h>

namespace {
double cpu_seconds() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}
struct NullSax : nlohmann::json::json_sax_t {
    uint64_t keys = 0;
    bool null() override { return true; }
    bool boolean(bool) override { return true; }
    bool number_integer(number_integer_t) override { return true; }
    bool number_unsigned(number_unsigned_t) override { return true; }
    bool number_float(number_float_t, const string_t&) override { return true; }
    bool string(string_t&) override { return true; }
    bool binary(binary_t&) override { return true; }
    bool start_object(std::size_t) override { return true; }
    bool key(string_t&) override { ++keys; return true; }
    bool end_object() override { return true; }
    bool start_array(std::size_t) override { return true; }
    bool end_array() override { return true; }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }
};
} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: msc-bench-ingest FILE [--nlohmann]\n";
        return 1;
    }
    const bool nl = argc > 2 && std::strcmp(argv[2], "--nlohmann") == 0;
    using clock = std::chrono::steady_clock;
    const auto t0 = clock::now();
    const double c0 = cpu_seconds();
    uint64_t msgs = 0, peers = 0, bytes = 0, lines = 0;
    if (!nl) {
        msc::EkIngest ing(0, argv[1], [&](const msc::LevinMessage& m) { ++msgs; peers += m.peers.size(); });
        if (!ing.read_path(argv[1])) {
            std::cerr << ing.io_error() << "\n";
            return 3;
        }
        bytes = ing.stats().bytes;
        lines = ing.stats().lines;
        if (ing.stats().malformed_lines) std::cerr << ing.stats().malformed_lines << " malformed lines\n";
    } else {
        std::FILE* f = std::fopen(argv[1], "rb");
        if (!f) return 3;
        char* buf = nullptr;
        size_t cap = 0;
        ssize_t n;
        NullSax sax;
        while ((n = getline(&buf, &cap, f)) >= 0) {
            ++lines;
            bytes += size_t(n);
            nlohmann::json::sax_parse(buf, buf + n, &sax);
        }
        std::free(buf);
        std::fclose(f);
        msgs = sax.keys;
    }
    const double wall = std::chrono::duration<double>(clock::now() - t0).count();
    const double s = cpu_seconds() - c0;   // CPU time: robust on a loaded machine
    std::printf("%s: %llu lines, %.1f MB in %.3f s CPU (%.3f s wall): %.1f MB/s, %llu %s (%.0f/s CPU), %llu peer entries\n",
                nl ? "nlohmann null SAX" : "EkIngest", (unsigned long long)lines, bytes / 1e6, s, wall, bytes / 1e6 / s,
                (unsigned long long)msgs, nl ? "keys" : "messages", msgs / s, (unsigned long long)peers);
    return 0;
}

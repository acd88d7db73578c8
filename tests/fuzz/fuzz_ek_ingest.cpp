// libFuzzer entry point: moneroscope's streaming ek reader (postproc/ingest/ek_ingest.*).
//
// The input is treated as the text of an ek file. It is read twice:
//   A) split into lines here and handed to EkIngest::feed_line one by one;
//   B) through EkIngest::read_stream on an fmemopen() stream (the getline path used for files).
// Both readers must agree on every counter and on every delivered message; counters must be
// consistent with what was delivered; nothing delivered may claim more peer entries than the
// line has bytes for (the reader must never allocate from a claimed count). Any violation
// abort()s, which libFuzzer reports as a crash.
#include "ingest/ek_ingest.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct Seen {
    uint64_t line, frame;
    uint32_t index_in_frame, command;
    int64_t time_ns;
    size_t peers;
};

void check(bool ok) {
    if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    // --- A: line by line -------------------------------------------------------------------
    std::vector<Seen> a;
    std::vector<size_t> line_len;   // byte length of each line (1-based line numbers)
    uint64_t a_errors = 0;
    msc::EkIngest ia(
        3, "fuzz-a",
        [&](const msc::LevinMessage& m) {
            check(m.input == 3);
            check(m.line >= 1 && m.line <= line_len.size());
            // every peer entry needs at least its "keys" value (e.g. `0,`) in its line's text
            check(m.peers.size() <= line_len[m.line - 1] / 2 + 1);
            a.push_back({m.line, m.frame, m.index_in_frame, m.command, m.time_ns, m.peers.size()});
        },
        [&](const std::string& e) {
            check(!e.empty());
            ++a_errors;
        });
    uint64_t lines = 0, false_returns = 0, bytes = 0;
    size_t pos = 0;
    while (pos < size) {   // getline semantics: no empty last line after a final '\n'
        size_t nl = text.find('\n', pos);
        const size_t end = nl == std::string_view::npos ? size : nl;
        std::string_view line = text.substr(pos, end - pos);
        line_len.push_back(line.size());
        ++lines;
        bytes += line.size();
        if (!ia.feed_line(line)) ++false_returns;
        pos = nl == std::string_view::npos ? size : nl + 1;
    }
    const msc::EkStats& sa = ia.stats();
    check(sa.lines == lines);
    check(sa.messages == a.size());
    check(sa.malformed_lines == false_returns);
    check(sa.malformed_lines <= sa.lines);
    check(sa.index_lines + sa.frames <= sa.lines);
    check(sa.frames_without_monero <= sa.frames);
    check(a_errors >= sa.malformed_lines);
    check(ia.first_errors().size() <= msc::EkIngest::kMaxStoredErrors);
    // messages arrive in line order
    for (size_t i = 1; i < a.size(); ++i) check(a[i - 1].line <= a[i].line);
    (void)bytes;

    // --- B: the stdio path ---------------------------------------------------------------
    if (size == 0) return 0;   // fmemopen() rejects an empty buffer
    std::FILE* f = fmemopen(const_cast<uint8_t*>(data), size, "rb");
    if (!f) return 0;
    std::vector<Seen> b;
    msc::EkIngest ib(3, "fuzz-b", [&](const msc::LevinMessage& m) {
        b.push_back({m.line, m.frame, m.index_in_frame, m.command, m.time_ns, m.peers.size()});
    });
    const bool ok = ib.read_stream(f);
    std::fclose(f);
    check(ok);
    const msc::EkStats& sb = ib.stats();
    check(sb.lines == sa.lines && sb.messages == sa.messages && sb.frames == sa.frames &&
          sb.index_lines == sa.index_lines && sb.malformed_lines == sa.malformed_lines &&
          sb.skipped_objects == sa.skipped_objects &&
          sb.frames_without_monero == sa.frames_without_monero);
    check(b.size() == a.size());
    for (size_t i = 0; i < a.size(); ++i)
        check(a[i].line == b[i].line && a[i].frame == b[i].frame &&
              a[i].index_in_frame == b[i].index_in_frame && a[i].command == b[i].command &&
              a[i].time_ns == b[i].time_ns && a[i].peers == b[i].peers);
    return 0;
}

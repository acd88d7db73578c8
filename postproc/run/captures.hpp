// Finding capture files and the vantage they belong to.
//
// Layout (the seed's): data/pcapng/<server_id>/*.pcapng. Every capture belongs to the vantage named
// after the directory that contains it; a directory argument is searched recursively, so both
// `data/pcapng` (several vantages) and `data/pcapng/ams` (one) work, and a file argument
// `data/pcapng/ams/x.pcapng` belongs to "ams".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace msc::run {

struct CaptureInput {
    std::string path;       // as found (relative paths stay relative)
    std::string vantage;    // server_id = name of the containing directory
    uint64_t bytes = 0;     // file size, for progress/ETA and scheduling
};

// True for names that look like capture files: .pcap, .pcapng, .cap, .ntar, also with .gz/.zst.
bool is_capture_name(const std::string& name);

// Expands files and directories into captures, sorted by (vantage, path) — rotated dumpcap files
// then come in time order. Problems (missing path, directory without captures, unreadable entry)
// are appended to `errors` as one sentence each; the other paths are still used. A path given
// twice is used once.
std::vector<CaptureInput> discover(const std::vector<std::string>& paths, std::vector<std::string>& errors);

} // namespace msc::run

#include "run/captures.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

namespace msc::run {

namespace fs = std::filesystem;

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string vantage_of(const fs::path& file) {
    fs::path parent = file.parent_path();
    std::string name = parent.filename().string();
    if (name.empty() || name == "." || name == "..") {
        std::error_code ec;
        fs::path abs = fs::absolute(parent.empty() ? fs::path(".") : parent, ec).lexically_normal();
        name = abs.filename().string();
        if (name.empty()) name = abs.parent_path().filename().string();
    }
    return name.empty() ? "default" : name;
}

} // namespace

bool is_capture_name(const std::string& name_in) {
    std::string name = name_in;
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const char* z : {".gz", ".zst", ".lz4"})
        if (ends_with(name, z)) name.resize(name.size() - std::char_traits<char>::length(z));
    for (const char* ext : {".pcap", ".pcapng", ".cap", ".ntar"})
        if (ends_with(name, ext)) return true;
    return false;
}

std::vector<CaptureInput> discover(const std::vector<std::string>& paths, std::vector<std::string>& errors) {
    std::vector<CaptureInput> out;
    std::set<std::string> seen;
    auto add = [&](const fs::path& p) {
        std::error_code ec;
        fs::path canon = fs::weakly_canonical(p, ec);
        std::string key = ec ? p.string() : canon.string();
        if (!seen.insert(key).second) return;
        CaptureInput c;
        c.path = p.string();
        c.vantage = vantage_of(p);
        c.bytes = fs::file_size(p, ec);
        if (ec) c.bytes = 0;
        out.push_back(std::move(c));
    };
    for (const auto& arg : paths) {
        std::error_code ec;
        fs::path p(arg);
        auto st = fs::status(p, ec);
        if (ec || !fs::exists(st)) {
            errors.push_back("'" + arg + "' does not exist");
            continue;
        }
        if (fs::is_directory(st)) {
            size_t before = out.size();
            fs::recursive_directory_iterator it(p, fs::directory_options::skip_permission_denied, ec), end;
            for (; !ec && it != end; it.increment(ec)) {
                std::error_code ec2;
                if (it->is_regular_file(ec2) && is_capture_name(it->path().filename().string())) add(it->path());
            }
            if (ec) errors.push_back("cannot read directory '" + arg + "': " + ec.message());
            if (out.size() == before)
                errors.push_back("no capture files (*.pcap, *.pcapng) under '" + arg + "'");
        } else if (fs::is_regular_file(st)) {
            add(p);   // an explicitly named file is used whatever its extension
        } else {
            errors.push_back("'" + arg + "' is not a regular file or directory");
        }
    }
    std::sort(out.begin(), out.end(), [](const CaptureInput& a, const CaptureInput& b) {
        return a.vantage != b.vantage ? a.vantage < b.vantage : a.path < b.path;
    });
    return out;
}

} // namespace msc::run

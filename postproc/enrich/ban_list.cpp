#include "enrich/ban_list.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>

namespace msc::enrich {

namespace {

std::string_view trim(std::string_view s) {
    const char* ws = " \t\r\n\v\f";
    size_t b = s.find_first_not_of(ws);
    if (b == std::string_view::npos) return {};
    size_t e = s.find_last_not_of(ws);
    return s.substr(b, e - b + 1);
}

void note_error(CidrListStats& st, uint64_t line, const std::string& what) {
    ++st.invalid;
    if (st.first_errors.size() < 5) st.first_errors.push_back("line " + std::to_string(line) + ": " + what);
}

} // namespace

bool CidrList::add(std::string_view text) {
    text = trim(text);
    if (text.empty()) return false;
    auto c = Cidr::parse(text);
    if (!c) return false;
    if (std::find_if(entries.begin(), entries.end(), [&](const Cidr& x) {
            return x.bits == c->bits && x.network == c->network; }) != entries.end()) {
        ++stats.entries;   // duplicate line: counted as an entry, matched once
        return true;
    }
    const unsigned total = c->network.is_v4() ? 32 : 128;
    ++stats.entries;
    if (c->bits < total) ++stats.cidrs;
    else if (c->network.is_v4()) ++stats.single_v4;
    else ++stats.single_v6;
    if (c->network.is_v4()) stats.v4_addresses += uint64_t(1) << (32 - c->bits);
    entries.push_back(*c);
    set_.add(*c);
    set_.finish();
    return true;
}

CidrList CidrList::parse(std::string_view text, std::string name) {
    CidrList out;
    out.name = std::move(name);
    std::vector<Cidr> staged;
    std::set<std::pair<IpAddr, unsigned>> seen;
    uint64_t lineno = 0;
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t nl = text.find('\n', pos);
        std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
        ++lineno;
        if (nl == std::string_view::npos && line.empty()) { --lineno; break; }
        ++out.stats.lines;
        size_t hash = line.find('#');
        if (hash != std::string_view::npos) {
            if (out.header.empty() && trim(line.substr(0, hash)).empty()) {
                auto h = trim(line.substr(hash + 1));
                out.header.assign(h.substr(0, 512));
            }
            line = line.substr(0, hash);
        }
        line = trim(line);
        if (line.empty()) continue;
        if (line.size() > 64) { note_error(out.stats, lineno, "line too long"); continue; }
        auto c = Cidr::parse(line);
        if (!c) { note_error(out.stats, lineno, "not an IP address or subnet: '" + std::string(line) + "'"); continue; }
        ++out.stats.entries;
        if (!seen.insert({c->network, c->bits}).second) continue;
        const unsigned total = c->network.is_v4() ? 32 : 128;
        if (c->bits < total) ++out.stats.cidrs;
        else if (c->network.is_v4()) ++out.stats.single_v4;
        else ++out.stats.single_v6;
        if (c->network.is_v4()) out.stats.v4_addresses += uint64_t(1) << (32 - c->bits);
        out.entries.push_back(*c);
    }
    out.index();
    return out;
}

void CidrList::index() {
    set_ = IpRangeSet{};
    for (const auto& c : entries) set_.add(c);
    set_.finish();
}

std::optional<CidrList> CidrList::load(const std::string& path, std::string name, std::string* error,
                                       uint64_t max_bytes) {
    std::ifstream f(path, std::ios::binary);
    if (!f) {
        if (error) *error = path + ": cannot open";
        return std::nullopt;
    }
    std::string data;
    char buf[65536];
    while (f) {
        f.read(buf, sizeof buf);
        data.append(buf, size_t(f.gcount()));
        if (data.size() > max_bytes) {
            if (error) *error = path + ": larger than " + std::to_string(max_bytes) + " bytes";
            return std::nullopt;
        }
    }
    if (f.bad()) {
        if (error) *error = path + ": read error";
        return std::nullopt;
    }
    return parse(data, std::move(name));
}

std::optional<Cidr> CidrList::match(const IpAddr& ip) const {
    std::optional<Cidr> best;
    for (const auto& c : entries)
        if (c.contains(ip) && (!best || c.bits > best->bits)) best = c;
    return best;
}

std::string default_data_dir() {
    if (const char* e = std::getenv("MSC_DATA_DIR"); e && *e) return e;
#ifdef MSC_INSTALLED_DATA_DIR
    {
        std::ifstream probe(std::string(MSC_INSTALLED_DATA_DIR) + "/ban-lists/mrl-ban-list-v1-2024-12-04.txt");
        if (probe) return MSC_INSTALLED_DATA_DIR;
    }
#endif
#ifdef MSC_SOURCE_DATA_DIR
    return MSC_SOURCE_DATA_DIR;
#else
    return "postproc/data";
#endif
}

std::vector<std::pair<std::string, std::string>> default_ban_lists() {
    const std::string d = default_data_dir() + "/ban-lists/";
    return {{"mrl-v1", d + "mrl-ban-list-v1-2024-12-04.txt"}, {"mrl-v2", d + "mrl-ban-list-v2-2025-12-10.txt"}};
}

} // namespace msc::enrich

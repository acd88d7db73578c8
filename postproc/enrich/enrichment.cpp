#include "enrich/enrichment.hpp"

namespace msc::enrich {

Enrichment load_enrichment(const Config& cfg, std::vector<std::string>* errors) {
    Enrichment e;
    auto err = [&](const std::string& s) { if (errors) errors->push_back(s); };
    std::string msg;
    if (!cfg.asn_mmdb.empty() && !e.asn.load_mmdb(cfg.asn_mmdb, &msg)) err("ASN mmdb " + msg);
    std::string asn_file = cfg.asn_file;
    if (asn_file.empty() && !cfg.no_default_asn) {
        if (auto d = default_asn_file()) asn_file = *d;
    }
    if (!asn_file.empty()) {
        if (!e.asn.load_file(asn_file, &msg)) err("ASN data " + msg);
        for (const auto& x : e.asn.stats().first_errors) err("ASN data " + asn_file + ": " + x);
    }
    auto lists = cfg.ban_lists;
    if (lists.empty() && !cfg.no_default_ban_lists) lists = default_ban_lists();
    for (const auto& [name, path] : lists) {
        auto l = CidrList::load(path, name, &msg);
        if (!l) { err("ban list " + msg); continue; }
        for (const auto& x : l->stats.first_errors) err("ban list " + path + ": " + x);
        e.ban_lists.push_back(std::move(*l));
    }
    e.allow = AllowList::build(cfg.allow_list_files, cfg.allow_cidrs, errors);
    return e;
}

} // namespace msc::enrich

#include "enrich/allow_list.hpp"

namespace msc::enrich {

AllowList AllowList::build(const std::vector<std::string>& files, const std::vector<std::string>& inline_cidrs,
                           std::vector<std::string>* errors) {
    AllowList out;
    out.list_.name = "allow-list";
    std::string text;
    for (const auto& f : files) {
        std::string err;
        auto l = CidrList::load(f, f, &err);
        if (!l) {
            if (errors) errors->push_back("allow-list " + err);
            continue;
        }
        for (const auto& e : l->stats.first_errors)
            if (errors) errors->push_back("allow-list " + f + ": " + e);
        for (const auto& c : l->entries) text += c.to_string() + "\n";
    }
    for (const auto& s : inline_cidrs) {
        if (!Cidr::parse(s)) {
            if (errors) errors->push_back("allow-list entry '" + s + "' is not an IP address or subnet");
            continue;
        }
        text += s + "\n";
    }
    out.list_ = CidrList::parse(text, "allow-list");
    return out;
}

} // namespace msc::enrich

// All enrichment data of one analysis run, loaded once from the Config.
#pragma once

#include "enrich/allow_list.hpp"
#include "enrich/asn.hpp"
#include "enrich/ban_list.hpp"
#include "metrics/config.hpp"

#include <string>
#include <vector>

namespace msc::enrich {

struct Enrichment {
    AsnDb asn;
    std::vector<BanList> ban_lists;
    AllowList allow;
};

// Loads what cfg names (and the defaults it does not disable). Problems -> *errors, never fatal.
Enrichment load_enrichment(const Config& cfg, std::vector<std::string>* errors);

} // namespace msc::enrich

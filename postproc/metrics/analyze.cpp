// The metrics pipeline: enrichment lookups, then every metric family in dependency order.
#include "metrics/analyze.hpp"

#include "metrics/internal.hpp"

namespace msc {

AnalysisResult analyze(const Model& model, const Config& cfg, const enrich::Enrichment& data) {
    AnalysisResult r;
    r.preset = Config::preset_name(cfg.preset);
    r.asn_source = data.asn.description();
    r.capture_first_ns = model.first_ns;
    r.capture_last_ns = model.last_ns;
    metrics::Ctx ctx(model, cfg, data);
    metrics::init_peers(ctx, r);
    metrics::deviations(ctx, r);
    metrics::fragmentation(ctx, r);
    metrics::node_attributes(ctx, r);
    metrics::sequences(ctx, r);
    metrics::connection_classes(ctx, r);
    metrics::peer_lists(ctx, r);
    metrics::similarity(ctx, r);
    metrics::popularity(ctx, r);
    metrics::subnets(ctx, r);
    metrics::summary(ctx, r);
    metrics::ngrams(ctx, r);
    return r;
}

AnalysisResult analyze(const Model& model, const Config& cfg) {
    std::vector<std::string> errors;
    enrich::Enrichment data = enrich::load_enrichment(cfg, &errors);
    AnalysisResult r = analyze(model, cfg, data);
    r.diagnostics.insert(r.diagnostics.begin(), errors.begin(), errors.end());
    return r;
}

} // namespace msc

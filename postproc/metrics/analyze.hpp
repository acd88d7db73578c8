// Entry point of the metrics stage: a pure, deterministic function of the model and the config.
#pragma once

#include "metrics/config.hpp"
#include "metrics/result.hpp"
#include "model/model.hpp"

namespace msc {

namespace enrich { struct Enrichment; }

// Loads the enrichment files named by cfg (ASN data, ban lists, allow-list; load problems go to
// AnalysisResult::diagnostics) and runs every metric.
AnalysisResult analyze(const Model& model, const Config& cfg);

// Same with enrichment data already loaded (tests, repeated runs).
AnalysisResult analyze(const Model& model, const Config& cfg, const enrich::Enrichment& data);

} // namespace msc

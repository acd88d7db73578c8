// Scenario definitions for msc-synth: nodes with monerod-like or anomalous behaviour, driven
// through the simulator; writes capture files and the ground-truth JSON.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace msc::synth {

constexpr const char* kGeneratorVersion = "msc-synth 1.0";

struct RunOptions {
  std::string scenario;
  uint64_t seed = 1;
  std::string out_dir;
  unsigned scale = 0;  // only for scenario "scale": multiplies peers and duration
  unsigned rotate_seconds = 0;  // only for scenario "scale": one file per this many seconds, named as
                                // dumpcap -b duration:N names its ring files (0: one scale.pcapng)
  bool quiet = false;
};

struct RunStats {
  uint64_t frames = 0, bytes = 0, messages = 0, connections = 0;
  double seconds = 0;
  std::vector<std::string> files;
};

const std::vector<std::string>& scenario_names();
// Throws std::invalid_argument for an unknown scenario.
RunStats run_scenario(const RunOptions& opt);

// Malformed corpus: one classic pcap per defect plus a JSON description next to it.
RunStats write_malformed(const std::string& out_dir, uint64_t seed);

}  // namespace msc::synth

// msc-synth: deterministic synthetic Monero P2P captures with ground truth.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "scenario.h"

int main(int argc, char** argv) {
  using namespace msc::synth;
  CLI::App app{"msc-synth: synthetic Levin/Monero P2P captures with ground-truth JSON"};
  RunOptions opt;
  std::string list_help = "scenario: ";
  for (const auto& n : scenario_names()) list_help += n + " ";
  list_help += "malformed";
  app.add_option("--scenario", opt.scenario, list_help)->required();
  app.add_option("--seed", opt.seed, "seed (deterministic output)")->default_val(1);
  app.add_option("--out", opt.out_dir, "output directory")->required();
  app.add_option("--scale", opt.scale, "scale factor K for --scenario scale (K x 100 peers over 2 h, ~37 MB per unit)")->default_val(0);
  app.add_option("--rotate", opt.rotate_seconds,
                 "--scenario scale: cut the 2 h into files of this many seconds, named like dumpcap -b duration:N")
      ->default_val(0);
  app.add_flag("--quiet", opt.quiet, "no summary line");
  CLI11_PARSE(app, argc, argv);
  try {
    std::filesystem::create_directories(opt.out_dir);
    if (opt.scale && opt.scenario != "scale") throw std::invalid_argument("--scale only applies to --scenario scale");
    if (opt.rotate_seconds && opt.scenario != "scale")
      throw std::invalid_argument("--rotate only applies to --scenario scale");
    RunStats st = opt.scenario == "malformed" ? write_malformed(opt.out_dir, opt.seed) : run_scenario(opt);
    if (!opt.quiet) {
      std::printf("%s seed=%llu: %llu frames, %llu messages, %llu bytes in %.2f s (%.1f MB/s, %.0f msg/s); files:",
                  opt.scenario.c_str(), static_cast<unsigned long long>(opt.seed),
                  static_cast<unsigned long long>(st.frames), static_cast<unsigned long long>(st.messages),
                  static_cast<unsigned long long>(st.bytes), st.seconds,
                  st.seconds > 0 ? st.bytes / 1e6 / st.seconds : 0.0,
                  st.seconds > 0 ? st.messages / st.seconds : 0.0);
      for (const auto& f : st.files) std::printf(" %s", f.c_str());
      std::printf("\n");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "msc-synth: %s\n", e.what());
    return 1;
  }
  return 0;
}

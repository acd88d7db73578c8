// Deterministic PRNG for msc-synth. std:: distributions are implementation-defined, so every
// draw goes through this class to keep the corpus bit-for-bit reproducible across toolchains.
#pragma once
#include <cstdint>
#include <vector>

namespace msc::synth {

class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed ^ 0x9e3779b97f4a7c15ULL) {}
  // splitmix64
  uint64_t next() {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // uniform in [0, n) (n > 0), rejection sampling to avoid modulo bias
  uint64_t below(uint64_t n) {
    if (n <= 1) return 0;
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t v;
    do { v = next(); } while (v >= limit);
    return v % n;
  }
  // uniform in [lo, hi] inclusive
  int64_t range(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi - lo) + 1));
  }
  bool chance(unsigned percent) { return below(100) < percent; }
  Rng fork(uint64_t salt) { return Rng(next() ^ (salt * 0xd6e8feb86659fd93ULL)); }
  template <class T> void shuffle(std::vector<T>& v) {
    for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(i)]);
  }

 private:
  uint64_t s_;
};

}  // namespace msc::synth

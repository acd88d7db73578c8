// epee portable-storage varint (levin-protocol.md §3.2): low 2 bits = width code.
#include "levin_core.h"

namespace levin {

uint8_t minimal_varint_width(uint64_t v) {
  if (v <= 63) return 1;
  if (v <= 16383) return 2;
  if (v <= 1073741823ULL) return 4;
  return 8;
}

bool read_varint(const uint8_t* p, size_t n, Varint& out) {
  if (p == nullptr || n == 0) return false;
  static const uint8_t widths[4] = {1, 2, 4, 8};
  const uint8_t w = widths[p[0] & 3];
  if (n < w) return false;
  uint64_t raw = 0;
  for (int i = w - 1; i >= 0; --i) raw = (raw << 8) | p[i];
  out.value = raw >> 2;
  out.width = w;
  out.minimal = minimal_varint_width(out.value) == w;
  return true;
}

size_t write_varint(uint64_t v, uint8_t out[8]) {
  if (v > (UINT64_MAX >> 2)) return 0;
  const uint8_t w = minimal_varint_width(v);
  const uint64_t code = w == 1 ? 0 : w == 2 ? 1 : w == 4 ? 2 : 3;
  uint64_t raw = (v << 2) | code;
  for (uint8_t i = 0; i < w; ++i) {
    out[i] = static_cast<uint8_t>(raw & 0xff);
    raw >>= 8;
  }
  return w;
}

}  // namespace levin

// libFuzzer entry point: epee varint read, and minimal re-encoding round trip.
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "levin_core.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  levin::Varint v;
  if (!levin::read_varint(data, size, v)) return 0;
  if (v.width > size) abort();
  uint8_t out[8];
  size_t w = levin::write_varint(v.value, out);
  if (w == 0 || w > v.width) abort();
  if (v.minimal != (w == v.width)) abort();
  levin::Varint back;
  if (!levin::read_varint(out, w, back) || back.value != v.value || !back.minimal) abort();
  if (v.minimal && std::memcmp(out, data, w) != 0) abort();
  return 0;
}

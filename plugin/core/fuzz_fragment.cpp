// libFuzzer entry point: Levin fragment reassembly state machine over a stream of buckets.
// Input: repeated [flags byte][len byte][len body bytes]; completed messages are header-parsed.
#include <cstdint>
#include <cstdlib>

#include "levin_core.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  levin::FragmentReassembler fr(4096, true);
  size_t pos = 0;
  while (pos + 2 <= size) {
    const uint32_t flags = data[pos] & 0x0f;
    size_t len = data[pos + 1];
    pos += 2;
    if (len > size - pos) len = size - pos;
    auto r = fr.feed(flags, data + pos, len);
    pos += len;
    if (fr.buffered() > 4096) abort();
    if (r.event == levin::FragmentReassembler::Event::Completed) {
      levin::Header h;
      if (!levin::parse_header(fr.message().data(), fr.message().size(), h)) abort();
      const size_t body = fr.message().size() - levin::kHeaderSize;
      (void)levin::walk(fr.message().data() + levin::kHeaderSize, body);
    }
  }
  return 0;
}

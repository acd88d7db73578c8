// libFuzzer entry point: Levin header parse/classify/issues and signature search.
#include <cstdint>
#include <cstdlib>

#include "levin_core.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  levin::Header h;
  if (levin::parse_header(data, size, h)) {
    levin::MsgType t = levin::classify(h);
    (void)levin::msg_type_name(t);
    (void)levin::header_issues(h);
    (void)levin::command_name(h.command);
    (void)levin::return_code_name(h.return_code);
    if ((h.signature == levin::kSignature) != (t != levin::MsgType::Invalid)) abort();
  }
  size_t pos = levin::find_signature(data, size);
  if (pos != SIZE_MAX && (pos + 8 > size || !levin::signature_prefix_matches(data + pos, 8))) abort();
  return 0;
}

// libFuzzer entry point: portable-storage walker + schema interpretation for every command.
// The first input byte selects the command and request/response; the rest is the body.
#include <cstdint>
#include <cstdlib>

#include "levin_core.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const uint32_t cmds[] = {1001, 1002, 1003, 1007, 2001, 2002, 2003, 2004,
                                  2006, 2007, 2008, 2009, 2010, 0, 1004, 42};
  const uint32_t cmd = cmds[data[0] & 15];
  const bool resp = data[0] & 16;
  levin::WalkResult w = levin::walk(data + 1, size - 1);
  for (size_t i = 0; i < w.nodes.size(); ++i) {
    const levin::Node& n = w.nodes[i];
    if (n.parent != levin::kNoParent && n.parent >= i) abort();
    if (n.complete && size_t(n.offset) + n.length > size - 1) abort();
    if (size_t(n.value_off) + (n.base_type == levin::kPsString ? n.value_len : 0) > size - 1) abort();
  }
  if (w.fatal && w.fatal_offset > size - 1) abort();
  levin::Semantic s = levin::interpret(data + 1, w, cmd, resp);
  if (s.roles.size() != w.nodes.size()) abort();
  for (const levin::PeerEntry& p : s.peers)
    if (p.node >= w.nodes.size()) abort();
  return 0;
}

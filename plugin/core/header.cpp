// Levin header parsing and classification (levin-protocol.md §1).
#include "levin_core.h"

#include <cstring>

namespace levin {
namespace {
uint64_t rd64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
uint32_t rd32(const uint8_t* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}
}  // namespace

bool parse_header(const uint8_t* p, size_t n, Header& h) {
  if (p == nullptr || n < kHeaderSize) return false;
  h.signature = rd64(p);
  h.length = rd64(p + 8);
  h.expect_raw = p[16];
  h.command = rd32(p + 17);
  h.return_code = static_cast<int32_t>(rd32(p + 21));
  h.flags = rd32(p + 25);
  h.version = rd32(p + 29);
  return true;
}

bool signature_prefix_matches(const uint8_t* p, size_t n) {
  if (p == nullptr) return false;
  size_t k = n < 8 ? n : 8;
  return std::memcmp(p, kSignatureBytes, k) == 0;
}

size_t find_signature(const uint8_t* p, size_t n, size_t from) {
  if (p == nullptr || n < 8) return SIZE_MAX;
  for (size_t i = from; i + 8 <= n; ++i) {
    const void* hit = std::memchr(p + i, kSignatureBytes[0], n - 8 + 1 - i);
    if (hit == nullptr) return SIZE_MAX;
    i = static_cast<size_t>(static_cast<const uint8_t*>(hit) - p);
    if (std::memcmp(p + i, kSignatureBytes, 8) == 0) return i;
  }
  return SIZE_MAX;
}

MsgType classify(const Header& h) {
  if (h.signature != kSignature) return MsgType::Invalid;
  const bool q = h.flags & kFlagRequest, s = h.flags & kFlagResponse;
  const bool b = h.flags & kFlagBegin, e = h.flags & kFlagEnd;
  if (!q && !s) {
    if (b && e) return MsgType::Dummy;
    if (b) return MsgType::FragmentBegin;
    if (e) return MsgType::FragmentEnd;
    return MsgType::FragmentMiddle;
  }
  if (h.version == kProtocolVersion && s) return MsgType::Response;
  return h.expect_raw != 0 ? MsgType::Request : MsgType::Notification;
}

uint64_t command_limit(uint32_t command) {
  switch (command) {
    case 1001: case 1002: return 65536;
    case 1003: case 1007: return 4096;
    case 2001: case 2002: case 2004: return 100000000;  // 128 MiB, capped by the 100 MB limit
    case 2003: return 2 * 1024 * 1024;
    case 2006: return 512 * 1024;
    case 2007: case 2008: case 2010: return 4 * 1024 * 1024;
    case 2009: return 1024 * 1024;
    default: return 0;
  }
}

uint32_t header_issues(const Header& h) {
  uint32_t r = 0;
  if (h.signature != kSignature) r |= kIssueBadSignature;
  if (h.version != kProtocolVersion) r |= kIssueBadVersion;
  if (h.flags & kFlagReserved) r |= kIssueReservedFlags;
  const bool q = h.flags & kFlagRequest, s = h.flags & kFlagResponse;
  const bool be = h.flags & (kFlagBegin | kFlagEnd);
  if ((q && s) || ((q || s) && be)) r |= kIssueFlagCombination;
  if (h.length > kMaxMessageLength) r |= kIssueOversize;
  uint64_t lim = command_limit(h.command);
  if (lim != 0 && h.length > lim) r |= kIssueCommandLimit;
  MsgType t = classify(h);
  if (h.expect_raw > 1 ||
      (h.expect_raw != 0 && t != MsgType::Request && t != MsgType::Invalid))
    r |= kIssueExpectMismatch;
  if (t == MsgType::Request || t == MsgType::Notification || t == MsgType::FragmentBegin ||
      t == MsgType::FragmentMiddle || t == MsgType::FragmentEnd || t == MsgType::Dummy) {
    if (h.return_code != 0) r |= kIssueReturnCode;
  } else if (t == MsgType::Response) {
    int32_t rc = h.return_code;
    if (rc != 1 && rc != -1 && rc != -4 && rc != -6) r |= kIssueReturnCode;
  }
  return r;
}

const char* command_name(uint32_t c) {
  switch (c) {
    case 0: return "Noise/Fragment";
    case 1001: return "Handshake";
    case 1002: return "TimedSync";
    case 1003: return "Ping";
    case 1004: return "RequestStatInfo";
    case 1005: return "RequestNetworkState";
    case 1006: return "RequestPeerId";
    case 1007: return "RequestSupportFlags";
    case 2001: return "NewBlock";
    case 2002: return "NewTransactions";
    case 2003: return "RequestGetObjects";
    case 2004: return "ResponseGetObjects";
    case 2006: return "RequestChain";
    case 2007: return "ResponseChainEntry";
    case 2008: return "NewFluffyBlock";
    case 2009: return "RequestFluffyMissingTx";
    case 2010: return "GetTxPoolComplement";
    default: return nullptr;
  }
}

const char* msg_type_name(MsgType t) {
  switch (t) {
    case MsgType::Request: return "request";
    case MsgType::Response: return "response";
    case MsgType::Notification: return "notification";
    case MsgType::FragmentBegin: return "fragment-begin";
    case MsgType::FragmentMiddle: return "fragment-middle";
    case MsgType::FragmentEnd: return "fragment-end";
    case MsgType::Dummy: return "dummy";
    case MsgType::Invalid: return "invalid";
  }
  return "invalid";
}

const char* return_code_name(int32_t rc) {
  switch (rc) {
    case 1: return "OK (handler success)";
    case 0: return "LEVIN_OK";
    case -1: return "LEVIN_ERROR_CONNECTION";
    case -2: return "LEVIN_ERROR_CONNECTION_NOT_FOUND";
    case -3: return "LEVIN_ERROR_CONNECTION_DESTROYED";
    case -4: return "LEVIN_ERROR_CONNECTION_TIMEDOUT";
    case -5: return "LEVIN_ERROR_CONNECTION_NO_DUPLEX_PROTOCOL";
    case -6: return "LEVIN_ERROR_CONNECTION_HANDLER_NOT_DEFINED";
    case -7: return "LEVIN_ERROR_FORMAT";
    default: return nullptr;
  }
}

}  // namespace levin

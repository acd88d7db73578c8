// Peer-address formatting, network ids, pruning seeds, 128-bit difficulty (levin-protocol.md §4.1).
#include "levin_core.h"

#include <arpa/inet.h>
#include <cstdio>
#include <cstring>

namespace levin {

std::string format_ipv4(const uint8_t b[4]) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
  return buf;
}

std::string format_ipv4_le(uint32_t v) {
  const uint8_t b[4] = {uint8_t(v & 0xff), uint8_t(v >> 8 & 0xff), uint8_t(v >> 16 & 0xff),
                        uint8_t(v >> 24 & 0xff)};
  return format_ipv4(b);
}

std::string format_ipv6(const uint8_t b[16]) {
  char buf[INET6_ADDRSTRLEN];
  if (inet_ntop(AF_INET6, b, buf, sizeof buf) == nullptr) return std::string();
  return buf;  // glibc follows RFC 5952 (lower case, longest zero run, no "::" for one group)
}

std::string format_peer_addr(uint8_t type, const uint8_t* a, size_t len, uint16_t port) {
  const std::string p = std::to_string(port);
  switch (type) {
    case 1:
      if (len != 4) return std::string();
      return format_ipv4(a) + ":" + p;
    case 2:
      if (len != 16) return std::string();
      return "[" + format_ipv6(a) + "]:" + p;
    case 3:
    case 4: {
      if (len == 0 || len > 255) return std::string();
      std::string h;
      for (size_t i = 0; i < len; ++i) {
        const char c = static_cast<char>(a[i]);
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                        c == '.' || c == '-' || c == '_';
        if (!ok) return std::string();
        h.push_back(c);
      }
      return h + ":" + p;
    }
    default:
      return std::string();
  }
}

Zone zone_of_type(uint8_t t) {
  switch (t) {
    case 1: case 2: return Zone::Public;
    case 3: return Zone::I2p;
    case 4: return Zone::Tor;
    default: return Zone::Unknown;
  }
}

Network classify_network_id(const uint8_t* id) {
  static const uint8_t base[15] = {0x12, 0x30, 0xf1, 0x71, 0x61, 0x04, 0x41, 0x61,
                                   0x17, 0x31, 0x00, 0x82, 0x16, 0xa1, 0xa1};
  if (id == nullptr || std::memcmp(id, base, 15) != 0) return Network::Unknown;
  switch (id[15]) {
    case 0x10: return Network::Mainnet;
    case 0x11: return Network::Testnet;
    case 0x12: return Network::Stagenet;
    default: return Network::Unknown;
  }
}

const char* network_name(Network n) {
  switch (n) {
    case Network::Mainnet: return "mainnet";
    case Network::Testnet: return "testnet";
    case Network::Stagenet: return "stagenet";
    default: return "unknown";
  }
}

uint32_t pruning_stripe(uint32_t seed) { return seed == 0 ? 0 : (seed & 0x7f) + 1; }
uint32_t pruning_log_stripes(uint32_t seed) { return (seed >> 7) & 0x7; }
bool pruning_seed_valid(uint32_t seed) {
  return seed == 0 || (seed >= 384 && seed <= 391);
}

std::string u128_to_decimal(uint64_t hi, uint64_t lo) {
  unsigned __int128 v = (static_cast<unsigned __int128>(hi) << 64) | lo;
  if (v == 0) return "0";
  char buf[48];
  int i = 47;
  buf[i] = '\0';
  while (v != 0 && i > 0) {
    buf[--i] = static_cast<char>('0' + static_cast<int>(v % 10));
    v /= 10;
  }
  return std::string(buf + i);
}

void append_peer_compact(std::string& out, const PeerEntry& p) {
  out += std::to_string(p.keys);
  out += ';';
  out += std::to_string(p.type);
  out += ';';
  out += p.addr;
  out += ';';
  if (p.keys & kPeerHasId) out += std::to_string(p.id);
  out += ';';
  if (p.keys & kPeerHasLastSeen) out += std::to_string(p.last_seen);
  out += ';';
  if (p.keys & kPeerHasPruningSeed) out += std::to_string(p.pruning_seed);
  out += ';';
  if (p.keys & kPeerHasRpcPort) out += std::to_string(p.rpc_port);
  out += ';';
  if (p.keys & kPeerHasRpcCredits) out += std::to_string(p.rpc_credits);
}

}  // namespace levin

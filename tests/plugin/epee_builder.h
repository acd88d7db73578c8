// Tiny epee portable-storage / Levin writer used only by the unit tests to build inputs.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "levin_core.h"

namespace tb {
using Bytes = std::vector<uint8_t>;

inline void put(Bytes& b, const Bytes& x) { b.insert(b.end(), x.begin(), x.end()); }
inline void le(Bytes& b, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
inline Bytes varint(uint64_t v) {
  uint8_t o[8];
  size_t w = levin::write_varint(v, o);
  return Bytes(o, o + w);
}
// Non-minimal varint of the given width.
inline Bytes varint_w(uint64_t v, int width) {
  uint64_t code = width == 1 ? 0 : width == 2 ? 1 : width == 4 ? 2 : 3;
  Bytes b;
  le(b, (v << 2) | code, width);
  return b;
}
inline Bytes key(const std::string& k) {
  Bytes b{static_cast<uint8_t>(k.size())};
  b.insert(b.end(), k.begin(), k.end());
  return b;
}
// entry builders: key + type + value
inline Bytes e_u64(const std::string& k, uint64_t v) { Bytes b = key(k); b.push_back(5); le(b, v, 8); return b; }
inline Bytes e_i64(const std::string& k, int64_t v) { Bytes b = key(k); b.push_back(1); le(b, uint64_t(v), 8); return b; }
inline Bytes e_u32(const std::string& k, uint32_t v) { Bytes b = key(k); b.push_back(6); le(b, v, 4); return b; }
inline Bytes e_u16(const std::string& k, uint16_t v) { Bytes b = key(k); b.push_back(7); le(b, v, 2); return b; }
inline Bytes e_u8(const std::string& k, uint8_t v) { Bytes b = key(k); b.push_back(8); b.push_back(v); return b; }
inline Bytes e_bool(const std::string& k, uint8_t v) { Bytes b = key(k); b.push_back(11); b.push_back(v); return b; }
inline Bytes e_str(const std::string& k, const Bytes& s) {
  Bytes b = key(k); b.push_back(10); put(b, varint(s.size())); put(b, s); return b;
}
inline Bytes e_str(const std::string& k, const std::string& s) { return e_str(k, Bytes(s.begin(), s.end())); }
// section body: count + entries
inline Bytes section(const std::vector<Bytes>& entries) {
  Bytes b = varint(entries.size());
  for (auto& e : entries) put(b, e);
  return b;
}
inline Bytes e_obj(const std::string& k, const std::vector<Bytes>& entries) {
  Bytes b = key(k); b.push_back(12); put(b, section(entries)); return b;
}
inline Bytes e_objarr(const std::string& k, const std::vector<std::vector<Bytes>>& elems) {
  Bytes b = key(k); b.push_back(0x8C); put(b, varint(elems.size()));
  for (auto& el : elems) put(b, section(el));
  return b;
}
inline Bytes e_strarr(const std::string& k, const std::vector<Bytes>& elems) {
  Bytes b = key(k); b.push_back(0x8A); put(b, varint(elems.size()));
  for (auto& el : elems) { put(b, varint(el.size())); put(b, el); }
  return b;
}
inline Bytes storage(const std::vector<Bytes>& entries) {
  Bytes b(levin::kPsMagic, levin::kPsMagic + 9);
  put(b, section(entries));
  return b;
}
inline Bytes header(uint64_t len, bool expect, uint32_t cmd, int32_t rc, uint32_t flags, uint32_t ver = 1) {
  Bytes b(levin::kSignatureBytes, levin::kSignatureBytes + 8);
  le(b, len, 8);
  b.push_back(expect ? 1 : 0);
  le(b, cmd, 4);
  le(b, uint32_t(rc), 4);
  le(b, flags, 4);
  le(b, ver, 4);
  return b;
}
inline Bytes hexbytes(const char* s) {
  Bytes b;
  auto hv = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  for (const char* p = s; p[0] && p[1];) {
    if (*p == ' ' || *p == '|') { ++p; continue; }
    b.push_back(static_cast<uint8_t>(hv(p[0]) << 4 | hv(p[1])));
    p += 2;
  }
  return b;
}
}  // namespace tb

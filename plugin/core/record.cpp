// monero.record: one Levin message as one "key=value|…" export string (docs/ek-contract.md §3b).
// Pure formatting, no Wireshark types: the dissector feeds it next to the tree items it adds.
#include "levin_core.h"

#include <charconv>

namespace levin {

namespace {
bool plain(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '.' || c == '_' ||
         c == '~' || c == '-';
}
// Bytes the dissector's own text contains besides plain(): addresses ("[v6]:port") and the
// compact peer list (';', ' ', ':'). Everything else is percent-encoded, in particular '|' and
// '=' (record syntax), ',' (the -T fields aggregator between records), '%' and '"' / '\\'.
bool raw_ok(unsigned char c) {
  return plain(c) || c == ':' || c == ';' || c == ' ' || c == '[' || c == ']';
}
void pct(std::string& s, unsigned char c) {
  static const char hex[] = "0123456789ABCDEF";
  s += '%';
  s += hex[c >> 4];
  s += hex[c & 15];
}
}  // namespace

void RecordWriter::key(const char* k) {
  if (!s_.empty()) s_ += '|';
  s_ += k;
  s_ += '=';
}

void RecordWriter::add_uint(const char* k, uint64_t v) {
  key(k);
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  s_.append(buf, r.ptr);
}

void RecordWriter::add_int(const char* k, int64_t v) {
  key(k);
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  s_.append(buf, r.ptr);
}

void RecordWriter::add_time(const char* k, int64_t secs, int32_t nsecs) {
  // Wireshark's nstime_t keeps both parts with one sign; written as a signed decimal
  // "[-]sec.nnnnnnnnn" (magnitudes taken separately, so INT64_MIN cannot overflow).
  const bool neg = secs < 0 || (secs == 0 && nsecs < 0);
  const uint64_t mag_s = secs < 0 ? 0 - static_cast<uint64_t>(secs) : static_cast<uint64_t>(secs);
  uint32_t mag_ns = nsecs < 0 ? 0u - static_cast<uint32_t>(nsecs) : static_cast<uint32_t>(nsecs);
  mag_ns %= 1000000000u;
  key(k);
  if (neg) s_ += '-';
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, mag_s);
  s_.append(buf, r.ptr);
  s_ += '.';
  char frac[9];
  for (int i = 8; i >= 0; --i) { frac[i] = static_cast<char>('0' + mag_ns % 10); mag_ns /= 10; }
  s_.append(frac, 9);
}

void RecordWriter::add_raw(const char* k, const char* v, size_t n) {
  key(k);
  for (size_t i = 0; i < n; ++i) {
    const unsigned char c = static_cast<unsigned char>(v[i]);
    if (raw_ok(c)) s_ += static_cast<char>(c); else pct(s_, c);
  }
}

void RecordWriter::add_text(const char* k, const uint8_t* v, size_t n) {
  key(k);
  for (size_t i = 0; i < n; ++i) {
    if (plain(v[i])) s_ += static_cast<char>(v[i]); else pct(s_, v[i]);
  }
}

}  // namespace levin

#include "epee.h"

#include <algorithm>
#include <stdexcept>

namespace msc::synth::epee {

Section& Section::set(const std::string& key, Value v) {
  for (auto& e : entries)
    if (e.first == key) { e.second = std::move(v); return *this; }
  return add(key, std::move(v));
}

const Value* Section::find(const std::string& key) const {
  for (auto& e : entries)
    if (e.first == key) return &e.second;
  return nullptr;
}

unsigned minimal_varint_width(uint64_t v) {
  if (v <= 63) return 1;
  if (v <= 16383) return 2;
  if (v <= 1073741823ULL) return 4;
  return 8;
}

void put_varint(std::string& out, uint64_t v, unsigned width) {
  if (v > kVarintMax) throw std::invalid_argument("epee varint value above 2^62-1");
  unsigned w = std::max(minimal_varint_width(v), width == 0 ? 1u : width);
  if (w != 1 && w != 2 && w != 4 && w != 8) throw std::invalid_argument("epee varint width must be 1/2/4/8");
  const uint64_t code = w == 1 ? 0 : w == 2 ? 1 : w == 4 ? 2 : 3;
  const uint64_t word = (v << 2) | code;
  for (unsigned i = 0; i < w; ++i) out.push_back(static_cast<char>((word >> (8 * i)) & 0xff));
}

const std::string& storage_header() {
  static const std::string h("\x01\x11\x01\x01\x01\x01\x02\x01\x01", 9);
  return h;
}

namespace {

void put_le(std::string& out, uint64_t v, unsigned n) {
  for (unsigned i = 0; i < n; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void put_scalar(std::string& out, uint8_t type, const Value& v, const Options& opt) {
  switch (type) {
    case I64: case U64: case F64: put_le(out, v.num, 8); break;
    case I32: case U32: put_le(out, v.num, 4); break;
    case I16: case U16: put_le(out, v.num, 2); break;
    case I8: case U8: case BOOL: put_le(out, v.num, 1); break;
    case STR: put_varint(out, v.str.size(), opt.varint_width); out += v.str; break;
    case OBJ:
      if (v.preencoded) { out += v.str; break; }
      if (!v.obj) throw std::invalid_argument("epee object value without section");
      encode_section(out, *v.obj, opt);
      break;
    default: throw std::invalid_argument("epee encoder: unsupported type code");
  }
}

void put_value(std::string& out, const Value& v, const Options& opt) {
  if (v.array) {
    put_varint(out, v.elems.size(), opt.varint_width);
    for (const auto& e : v.elems) put_scalar(out, v.type, e, opt);
  } else {
    put_scalar(out, v.type, v, opt);
  }
}

}  // namespace

void encode_section(std::string& out, const Section& s, const Options& opt) {
  std::vector<const std::pair<std::string, Value>*> order;
  order.reserve(s.entries.size());
  for (const auto& e : s.entries) order.push_back(&e);
  if (!s.keep_order)
    std::stable_sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->first < b->first; });
  put_varint(out, order.size(), opt.varint_width);
  for (const auto* e : order) {
    if (e->first.empty() || e->first.size() > 255) throw std::invalid_argument("epee key length must be 1..255");
    out.push_back(static_cast<char>(e->first.size()));
    out += e->first;
    out.push_back(static_cast<char>(e->second.type | (e->second.array ? kArrayFlag : 0)));
    put_value(out, e->second, opt);
  }
}

std::string encode(const Section& root, const Options& opt) {
  std::string out = storage_header();
  encode_section(out, root, opt);
  return out;
}

}  // namespace msc::synth::epee

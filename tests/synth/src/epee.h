// epee portable-storage ("epee binary") encoder, written from levin-protocol.md §3.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace msc::synth::epee {

enum Type : uint8_t {
  I64 = 1, I32 = 2, I16 = 3, I8 = 4, U64 = 5, U32 = 6, U16 = 7, U8 = 8,
  F64 = 9, STR = 10, BOOL = 11, OBJ = 12, ARR = 13,
};
constexpr uint8_t kArrayFlag = 0x80;
constexpr uint64_t kVarintMax = (uint64_t{1} << 62) - 1;

struct Section;

// One typed value. Integers keep their bit pattern in `num` (two's complement for signed types,
// IEEE bits for F64); `array` means "type | 0x80" with `elems` of the base type.
struct Value {
  uint8_t type = 0;
  bool array = false;
  uint64_t num = 0;
  std::string str;
  std::shared_ptr<Section> obj;
  std::vector<Value> elems;
  bool preencoded = false;  // OBJ whose section bytes (count + entries) are already in `str`

  static Value integer(Type t, uint64_t v) { Value x; x.type = t; x.num = v; return x; }
  static Value u64(uint64_t v) { return integer(U64, v); }
  static Value u32(uint32_t v) { return integer(U32, v); }
  static Value u16(uint16_t v) { return integer(U16, v); }
  static Value u8(uint8_t v) { return integer(U8, v); }
  static Value i64(int64_t v) { return integer(I64, static_cast<uint64_t>(v)); }
  static Value boolean(bool b) { return integer(BOOL, b ? 1 : 0); }
  static Value string(std::string s) { Value x; x.type = STR; x.str = std::move(s); return x; }
  static Value object(Section s);
  static Value raw_object(std::string section_bytes) {
    Value x; x.type = OBJ; x.preencoded = true; x.str = std::move(section_bytes); return x;
  }
  static Value array_of(Type t, std::vector<Value> elems) {
    Value x; x.type = t; x.array = true; x.elems = std::move(elems); return x;
  }
};

// A section (object). Entries are kept in insertion order; the encoder sorts them bytewise like
// monerod's std::map unless `keep_order` is set (Cuprate-like / deliberately unsorted).
// add() appends and therefore allows duplicate keys (malformed inputs); set() replaces.
struct Section {
  std::vector<std::pair<std::string, Value>> entries;
  bool keep_order = false;

  Section& add(std::string key, Value v) { entries.emplace_back(std::move(key), std::move(v)); return *this; }
  Section& set(const std::string& key, Value v);
  const Value* find(const std::string& key) const;
};

inline Value Value::object(Section s) {
  Value x; x.type = OBJ; x.obj = std::make_shared<Section>(std::move(s)); return x;
}

struct Options {
  // 0 = minimal width (monerod); 1/2/4/8 = force at least that byte width for every varint
  // (counts and string lengths) — a non-minimal encoding that monerod accepts but never writes.
  unsigned varint_width = 0;
};

// Appends an epee varint. width 0 picks the narrowest; a wider width yields a non-minimal encoding.
// Throws std::invalid_argument for values above 2^62-1 or a width too small for the value.
void put_varint(std::string& out, uint64_t v, unsigned width = 0);
unsigned minimal_varint_width(uint64_t v);

// 9-byte storage header 01 11 01 01 01 01 02 01 01.
const std::string& storage_header();

// Encodes header + root section.
std::string encode(const Section& root, const Options& opt = {});
// Encodes only a section body (count + entries), for embedding in hand-crafted payloads.
void encode_section(std::string& out, const Section& s, const Options& opt = {});

}  // namespace msc::synth::epee

// Bounded epee portable-storage walker (levin-protocol.md §3).
//
// Guarantees: every loop iteration consumes at least one input byte or stops; nothing is reserved
// from a count or length read from the input (containers grow only with parsed items, bounded by
// Limits::max_nodes); nesting is bounded by Limits::max_depth; on a fatal error everything parsed
// before it stays in WalkResult::nodes.
#include "levin_core.h"

#include <algorithm>
#include <cstring>

namespace levin {

const char* ps_type_name(uint8_t t) {
  switch (t) {
    case kPsInt64: return "int64";
    case kPsInt32: return "int32";
    case kPsInt16: return "int16";
    case kPsInt8: return "int8";
    case kPsUint64: return "uint64";
    case kPsUint32: return "uint32";
    case kPsUint16: return "uint16";
    case kPsUint8: return "uint8";
    case kPsDouble: return "double";
    case kPsString: return "string";
    case kPsBool: return "bool";
    case kPsObject: return "object";
    case kPsArray: return "array";
    default: return nullptr;
  }
}

DiagSeverity diag_severity(DiagCode c) {
  switch (c) {
    case DiagCode::BoolRange:
    case DiagCode::DuplicateKey:
    case DiagCode::EmptyKey:
      return DiagSeverity::Reject;
    case DiagCode::UnsortedKeys:
    case DiagCode::NonMinimalVarint:
    case DiagCode::NestedArrayType13:
    case DiagCode::TrailingNonzero:
      return DiagSeverity::Note;
    default:
      return DiagSeverity::Fatal;
  }
}

const char* diag_name(DiagCode c) {
  switch (c) {
    case DiagCode::Truncated: return "ps.truncated";
    case DiagCode::BadMagic: return "ps.bad_magic";
    case DiagCode::BadFormatVersion: return "ps.bad_version";
    case DiagCode::UnknownType: return "ps.unknown_type";
    case DiagCode::ArrayOfArrays: return "ps.array_of_arrays";
    case DiagCode::DepthLimit: return "ps.depth_limit";
    case DiagCode::CountLimit: return "ps.count_limit";
    case DiagCode::ObjectLimit: return "ps.object_limit";
    case DiagCode::FieldLimit: return "ps.field_limit";
    case DiagCode::StringLimit: return "ps.string_limit";
    case DiagCode::NodeLimit: return "ps.node_limit";
    case DiagCode::BoolRange: return "ps.bool_range";
    case DiagCode::DuplicateKey: return "ps.duplicate_key";
    case DiagCode::EmptyKey: return "ps.empty_key";
    case DiagCode::UnsortedKeys: return "ps.unsorted_keys";
    case DiagCode::NonMinimalVarint: return "ps.nonminimal_varint";
    case DiagCode::NestedArrayType13: return "ps.nested_array";
    case DiagCode::TrailingNonzero: return "ps.trailing_nonzero";
  }
  return "ps.unknown";
}

bool WalkResult::has(DiagCode c) const {
  for (const Diag& d : diags)
    if (d.code == c) return true;
  return false;
}

bool WalkResult::clean() const {
  if (fatal || !magic_ok) return false;
  for (const Diag& d : diags)
    if (diag_severity(d.code) != DiagSeverity::Note) return false;
  return true;
}

std::string node_key(const uint8_t* buf, const Node& n) {
  if (n.is_element || buf == nullptr) return std::string();
  return std::string(reinterpret_cast<const char*>(buf + n.key_off), n.key_len);
}

namespace {

class Walker {
 public:
  Walker(const uint8_t* p, size_t n, const Limits& l, WalkResult& r) : p_(p), n_(n), L_(l), r_(r) {}

  void run() {
    if (n_ < 8 || std::memcmp(p_, kPsMagic, 8) != 0) {
      fatal(n_ < 8 && std::memcmp(p_, kPsMagic, n_) == 0 ? DiagCode::Truncated : DiagCode::BadMagic, 0);
      return;
    }
    r_.magic_ok = true;
    if (n_ < 9) { fatal(DiagCode::Truncated, 8); return; }
    r_.format_version = p_[8];
    if (p_[8] != 1) { fatal(DiagCode::BadFormatVersion, 8, p_[8]); return; }
    size_t pos = 9;
    if (!section(pos, kNoParent, 0, true)) return;
    r_.end_offset = static_cast<uint32_t>(pos);
    uint64_t nonzero = 0;
    for (size_t i = pos; i < n_; ++i)
      if (p_[i] != 0) ++nonzero;
    if (nonzero) note(DiagCode::TrailingNonzero, pos, n_ - pos);
  }

 private:
  const uint8_t* p_;
  size_t n_;
  const Limits& L_;
  WalkResult& r_;

  void fatal(DiagCode c, size_t off, uint64_t d = 0) {
    if (r_.fatal) return;
    r_.fatal = true;
    r_.fatal_offset = static_cast<uint32_t>(off);
    r_.diags.push_back(Diag{c, static_cast<uint32_t>(off), d});
  }
  void note(DiagCode c, size_t off, uint64_t d = 0) {
    if (r_.diags.size() < 100000) r_.diags.push_back(Diag{c, static_cast<uint32_t>(off), d});
  }

  bool varint(size_t& pos, uint64_t& v) {
    Varint vi;
    if (!read_varint(p_ + pos, n_ - pos, vi)) { fatal(DiagCode::Truncated, pos); return false; }
    if (!vi.minimal) note(DiagCode::NonMinimalVarint, pos, vi.width);
    pos += vi.width;
    v = vi.value;
    return true;
  }

  bool new_node(uint32_t parent, uint16_t depth, size_t off, uint32_t& idx) {
    if (r_.nodes.size() >= L_.max_nodes) { fatal(DiagCode::NodeLimit, off, L_.max_nodes); return false; }
    Node nd;
    nd.parent = parent;
    nd.depth = depth;
    nd.offset = static_cast<uint32_t>(off);
    idx = static_cast<uint32_t>(r_.nodes.size());
    r_.nodes.push_back(nd);
    return true;
  }

  void finish(uint32_t idx, size_t end) {
    Node& nd = r_.nodes[idx];
    nd.length = static_cast<uint32_t>(end - nd.offset);
    nd.complete = true;
  }

  int key_cmp(uint32_t ao, uint8_t al, uint32_t bo, uint8_t bl) const {
    int c = std::memcmp(p_ + ao, p_ + bo, std::min(al, bl));
    if (c != 0) return c;
    return al < bl ? -1 : al > bl ? 1 : 0;
  }

  void check_keys(std::vector<std::pair<uint32_t, uint8_t>>& keys) {
    bool unsorted = false;
    for (size_t i = 1; i < keys.size() && !unsorted; ++i) {
      if (key_cmp(keys[i - 1].first, keys[i - 1].second, keys[i].first, keys[i].second) > 0) {
        unsorted = true;
        note(DiagCode::UnsortedKeys, keys[i].first - 1);
      }
    }
    if (unsorted) {  // duplicates need not be adjacent: sort a copy
      std::stable_sort(keys.begin(), keys.end(), [this](const auto& a, const auto& b) {
        return key_cmp(a.first, a.second, b.first, b.second) < 0;
      });
    }
    for (size_t i = 1; i < keys.size(); ++i)
      if (key_cmp(keys[i - 1].first, keys[i - 1].second, keys[i].first, keys[i].second) == 0)
        note(DiagCode::DuplicateKey, std::max(keys[i].first, keys[i - 1].first) - 1);
  }

  // Reads a section (count + entries) at pos. parent = owning node (or kNoParent for the root).
  bool section(size_t& pos, uint32_t parent, uint16_t depth, bool root) {
    if (depth > L_.max_depth) { fatal(DiagCode::DepthLimit, pos, depth); return false; }
    if (++r_.objects > L_.max_objects) { fatal(DiagCode::ObjectLimit, pos, L_.max_objects); return false; }
    uint64_t count = 0;
    const size_t count_pos = pos;
    if (!varint(pos, count)) return false;
    if (root) { r_.root_count = count; r_.root_count_ok = true; }
    if (parent != kNoParent) r_.nodes[parent].count = count;
    if (count > L_.max_fields || r_.fields + count > L_.max_fields) {
      fatal(DiagCode::FieldLimit, count_pos, count);
      return false;
    }
    r_.fields += static_cast<uint32_t>(count);
    std::vector<std::pair<uint32_t, uint8_t>> keys;
    bool ok = true;
    for (uint64_t e = 0; e < count; ++e) {
      const size_t start = pos;
      if (pos >= n_) { fatal(DiagCode::Truncated, pos); ok = false; break; }
      const uint8_t klen = p_[pos];
      if (klen == 0) note(DiagCode::EmptyKey, pos);
      if (n_ - pos - 1 < klen) { fatal(DiagCode::Truncated, pos); ok = false; break; }
      const size_t key_off = pos + 1;
      pos += 1 + klen;
      if (pos >= n_) { fatal(DiagCode::Truncated, pos); ok = false; break; }
      uint32_t idx;
      if (!new_node(parent, depth, start, idx)) { ok = false; break; }
      {
        Node& nd = r_.nodes[idx];
        nd.key_off = static_cast<uint32_t>(key_off);
        nd.key_len = klen;
        nd.type_byte = p_[pos];
      }
      keys.emplace_back(static_cast<uint32_t>(key_off), klen);
      const uint8_t t = p_[pos++];
      if (!entry_value(pos, t, idx, depth)) { ok = false; break; }
      finish(idx, pos);
    }
    check_keys(keys);
    return ok;
  }

  static size_t scalar_size(uint8_t base) {
    switch (base) {
      case kPsInt64: case kPsUint64: case kPsDouble: return 8;
      case kPsInt32: case kPsUint32: return 4;
      case kPsInt16: case kPsUint16: return 2;
      case kPsInt8: case kPsUint8: case kPsBool: return 1;
      default: return 0;
    }
  }

  bool entry_value(size_t& pos, uint8_t t, uint32_t idx, uint16_t depth) {
    const size_t tpos = pos - 1;
    if (t & kPsArrayFlag) {
      const uint8_t base = t & 0x7f;
      if (base == kPsArray) { fatal(DiagCode::ArrayOfArrays, tpos, t); return false; }
      if (base == 0 || base > kPsArray) { fatal(DiagCode::UnknownType, tpos, t); return false; }
      return array(pos, base, idx, depth);
    }
    if (t == kPsArray) {
      note(DiagCode::NestedArrayType13, tpos);
      if (pos >= n_) { fatal(DiagCode::Truncated, pos); return false; }
      const uint8_t t2 = p_[pos++];
      if (!(t2 & kPsArrayFlag)) { fatal(DiagCode::UnknownType, pos - 1, t2); return false; }
      const uint8_t base = t2 & 0x7f;
      if (base == kPsArray) { fatal(DiagCode::ArrayOfArrays, pos - 1, t2); return false; }
      if (base == 0 || base > kPsArray) { fatal(DiagCode::UnknownType, pos - 1, t2); return false; }
      return array(pos, base, idx, depth);
    }
    if (t == 0 || t > kPsArray) { fatal(DiagCode::UnknownType, tpos, t); return false; }
    r_.nodes[idx].base_type = t;
    return value(pos, t, idx, depth);
  }

  bool array(size_t& pos, uint8_t base, uint32_t idx, uint16_t depth) {
    {
      Node& nd = r_.nodes[idx];
      nd.is_array = true;
      nd.base_type = base;
      nd.value_off = static_cast<uint32_t>(pos);
    }
    if (depth + 1u > L_.max_depth) { fatal(DiagCode::DepthLimit, pos, depth + 1u); return false; }
    uint64_t count = 0;
    const size_t cpos = pos;
    if (!varint(pos, count)) return false;
    r_.nodes[idx].count = count;
    const size_t min_size = base == kPsString ? 2 : base == kPsObject ? 1 : scalar_size(base);
    const size_t remaining = n_ - pos;
    if (min_size == 0 || count > remaining / min_size) {
      fatal(DiagCode::CountLimit, cpos, count);
      return false;
    }
    for (uint64_t i = 0; i < count; ++i) {
      uint32_t el;
      if (!new_node(idx, static_cast<uint16_t>(depth + 1), pos, el)) return false;
      {
        Node& e = r_.nodes[el];
        e.is_element = true;
        e.type_byte = base;
        e.base_type = base;
        e.index = static_cast<uint32_t>(i);
      }
      if (!value(pos, base, el, static_cast<uint16_t>(depth + 1))) return false;
      finish(el, pos);
    }
    r_.nodes[idx].value_len = static_cast<uint32_t>(pos - r_.nodes[idx].value_off);
    return true;
  }

  bool value(size_t& pos, uint8_t base, uint32_t idx, uint16_t depth) {
    if (base == kPsObject) {
      r_.nodes[idx].value_off = static_cast<uint32_t>(pos);
      const size_t start = pos;
      bool ok = section(pos, idx, static_cast<uint16_t>(depth + 1), false);
      r_.nodes[idx].value_len = static_cast<uint32_t>(pos - start);
      return ok;
    }
    if (base == kPsString) {
      if (++r_.strings > L_.max_strings) { fatal(DiagCode::StringLimit, pos, L_.max_strings); return false; }
      uint64_t len = 0;
      const size_t lpos = pos;
      if (!varint(pos, len)) return false;
      if (len > n_ - pos) { fatal(DiagCode::Truncated, lpos, len); return false; }
      Node& nd = r_.nodes[idx];
      nd.value_off = static_cast<uint32_t>(pos);
      nd.value_len = static_cast<uint32_t>(len);
      nd.u = len;
      pos += static_cast<size_t>(len);
      return true;
    }
    const size_t sz = scalar_size(base);
    if (sz == 0) { fatal(DiagCode::UnknownType, pos, base); return false; }
    if (n_ - pos < sz) { fatal(DiagCode::Truncated, pos, sz); return false; }
    uint64_t raw = 0;
    for (size_t i = sz; i-- > 0;) raw = (raw << 8) | p_[pos + i];
    Node& nd = r_.nodes[idx];
    nd.value_off = static_cast<uint32_t>(pos);
    nd.value_len = static_cast<uint32_t>(sz);
    switch (base) {
      case kPsInt64: nd.i = static_cast<int64_t>(raw); nd.u = raw; break;
      case kPsInt32: nd.i = static_cast<int32_t>(static_cast<uint32_t>(raw)); nd.u = raw; break;
      case kPsInt16: nd.i = static_cast<int16_t>(static_cast<uint16_t>(raw)); nd.u = raw; break;
      case kPsInt8: nd.i = static_cast<int8_t>(static_cast<uint8_t>(raw)); nd.u = raw; break;
      case kPsDouble: { double d; std::memcpy(&d, &raw, 8); nd.d = d; nd.u = raw; break; }
      default: nd.u = raw; nd.i = static_cast<int64_t>(raw); break;
    }
    if (base == kPsBool && raw > 1) note(DiagCode::BoolRange, pos, raw);
    pos += sz;
    return true;
  }
};

}  // namespace

WalkResult walk(const uint8_t* p, size_t n, const Limits& limits) {
  WalkResult r;
  if (p == nullptr) n = 0;
  static const uint8_t empty = 0;
  Walker w(p ? p : &empty, n, limits, r);
  w.run();
  return r;
}

}  // namespace levin

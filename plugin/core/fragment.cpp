// Levin fragment reassembly state machine (levin-protocol.md §2.3, monerod v0.18.4.x rules):
// dummies (B+E, no Q/S) are dropped; any other Q/S-less bucket: B clears the buffer, the body is
// appended, E completes (buffer must hold >= 33 bytes). E without B is accepted (orphan).
#include "levin_core.h"

namespace levin {

FragmentReassembler::FragmentReassembler(size_t max_bytes, bool store_data)
    : max_bytes_(max_bytes), store_(store_data) {}

FragmentReassembler::Result FragmentReassembler::feed(uint32_t flags, const uint8_t* body, size_t len) {
  Result r;
  if (flags & (kFlagRequest | kFlagResponse)) return r;  // NotFragment
  const bool b = flags & kFlagBegin, e = flags & kFlagEnd;
  if (b && e) {
    r.event = Event::Dummy;
    return r;
  }
  if (body == nullptr && store_) len = 0;  // state-only mode needs the length only
  if (b || !active_) {
    // B starts a new reassembly; a middle/end without one starts an orphan reassembly
    buf_.clear();
    buffered_ = 0;
    active_ = true;
    orphan_ = !b;
    cur_id_ = next_id_++;
    cur_index_ = 0;
  }
  r.message_id = cur_id_;
  r.fragment_index = cur_index_++;
  r.orphan = orphan_;
  if (len > max_bytes_ - buffered_) {
    active_ = false;
    buf_.clear();
    buffered_ = 0;
    r.event = Event::Overflow;
    return r;
  }
  if (store_ && len) buf_.insert(buf_.end(), body, body + len);
  buffered_ += len;
  if (!e) {
    r.event = b ? Event::Started : Event::Appended;
    return r;
  }
  active_ = false;
  if (buffered_ < kHeaderSize) {
    buf_.clear();
    buffered_ = 0;
    r.event = Event::TooShort;
    return r;
  }
  done_.swap(buf_);
  buf_.clear();
  buffered_ = 0;
  r.event = Event::Completed;
  return r;
}

}  // namespace levin

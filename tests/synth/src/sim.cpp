#include "sim.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace msc::synth {

std::string fmt_time(Ns t) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%llu.%09llu", static_cast<unsigned long long>(t / kSec),
                static_cast<unsigned long long>(t % kSec));
  return buf;
}

// ---------------------------------------------------------------------------------------------
Conn::Conn(Sim& sim, uint64_t id, Endpoint initiator, Endpoint responder, int vantage, int vside, Ns rtt,
           uint32_t isn0, uint32_t isn1)
    : sim_(sim), id_(id), ep_{initiator, responder}, vantage_(vantage), vside_(vside), rtt_(rtt) {
  nxt_[0] = isn0;
  nxt_[1] = isn1;
  ipid_[0] = static_cast<uint16_t>(isn0 >> 7);
  ipid_[1] = static_cast<uint16_t>(isn1 >> 7);
}

Ns Conn::reply_at(int side, Ns t, Ns proc) const { return t + proc + (side == vside_ ? 0 : rtt_); }

Ns Conn::emit(int side, Ns t, uint8_t flags, const std::string& payload, uint16_t mss_opt,
              std::vector<std::pair<uint64_t, int>> ann) {
  if (closed_) throw std::logic_error("emit on a closed connection");
  const Ns ts = std::max(t, cursor_ + kUs);
  cursor_ = ts;
  const int other = 1 - side;
  const uint32_t seq = nxt_[side];
  const uint32_t ack = nxt_[other];
  std::string frame = build_tcp_frame(ep_[side], ep_[other], seq, ack, flags, 64240, payload, ipid_[side]++,
                                      mss_opt);
  nxt_[side] += static_cast<uint32_t>(payload.size()) + ((flags & (SYN | FIN)) ? 1 : 0);
  std::vector<Sim::Annot> a;
  for (auto& [msg, kind] : ann) a.push_back({msg, kind, 0});
  sim_.push_frame(ts, *this, std::move(frame), std::move(a), flags);
  return ts;
}

Ns Conn::open(Ns t) {
  const uint16_t mss = ep_[0].ip.v6 ? 1440 : 1460;
  Ns t1 = emit(0, t, SYN, "", mss);
  Ns t2 = emit(1, reply_at(1, t1, 40 * kUs), SYN | ACK, "", mss);
  Ns t3 = emit(0, reply_at(0, t2, 40 * kUs), ACK, "");
  if (auto* ct = sim_.conn_truth(id_)) ct->syn = true;
  return t3;
}

Ns Conn::ack_from(int side, Ns t) { return emit(side, reply_at(side, t, 40 * kUs), ACK, ""); }

Ns Conn::send(int side, Ns t, std::vector<Outgoing> msgs) {
  // Lay the messages out back to back and collect the segment boundaries.
  std::string stream;
  std::vector<size_t> cuts;
  std::vector<std::pair<size_t, size_t>> ranges;
  for (auto& o : msgs) {
    const size_t off = stream.size();
    stream += o.msg.bytes();
    ranges.emplace_back(off, stream.size());
    for (size_t c : o.cuts)
      if (c > 0 && c < o.msg.size()) cuts.push_back(off + c);
  }
  if (stream.empty()) return t;
  const size_t mss = ep_[0].ip.v6 ? 1440 : 1460;
  cuts.push_back(stream.size());
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  std::vector<std::pair<size_t, size_t>> segs;  // [begin, end)
  size_t pos = 0;
  for (size_t c : cuts) {
    while (pos < c) {
      const size_t e = std::min(c, pos + mss);
      segs.emplace_back(pos, e);
      pos = e;
    }
  }
  // Register messages in the truth table.
  std::vector<uint64_t> ids(msgs.size(), 0);
  for (size_t i = 0; i < msgs.size(); ++i) {
    MsgTruth m;
    m.conn = id_;
    m.dir = side;
    m.src = ep_[side].ip.str();
    m.dst = ep_[1 - side].ip.str();
    m.sport = ep_[side].port;
    m.dport = ep_[1 - side].port;
    m.h = msgs[i].msg.h;
    m.wire_len = msgs[i].msg.size();
    m.msg_type = levin::classify(m.h);
    const auto [b, e] = ranges[i];
    bool first = true;
    for (const auto& [sb, se] : segs) {
      if (se <= b || sb >= e) continue;
      ++m.segments;
      if (first) {
        m.first_segment_len = std::min(se, e) - std::max(sb, b);
        m.sig_only = sb == b && se - sb == 8;
        m.header_split = se < b + levin::kHeaderSize && e >= b + levin::kHeaderSize;
        first = false;
      }
    }
    m.meta = std::move(msgs[i].meta);
    ids[i] = sim_.new_message(std::move(m));
  }
  Ns last = t;
  size_t since_ack = 0;
  const Ns gap = side == vside_ ? 2 * kUs : 12 * kUs;
  for (size_t k = 0; k < segs.size(); ++k) {
    const auto [sb, se] = segs[k];
    std::vector<std::pair<uint64_t, int>> ann;
    for (size_t i = 0; i < ranges.size(); ++i) {
      if (ranges[i].first >= sb && ranges[i].first < se) ann.emplace_back(ids[i], 0);
      if (ranges[i].second > sb && ranges[i].second <= se) ann.emplace_back(ids[i], 1);
    }
    const bool last_seg = k + 1 == segs.size();
    last = emit(side, k == 0 ? t : last + gap, last_seg ? (PSH | ACK) : ACK, stream.substr(sb, se - sb), 0,
                std::move(ann));
    if (++since_ack == 16 && !last_seg) {
      ack_from(1 - side, last);
      since_ack = 0;
    }
  }
  ack_from(1 - side, last);
  return last;
}

Ns Conn::send_raw(int side, Ns t, const std::string& bytes, const std::vector<size_t>& cuts_in) {
  std::vector<size_t> cuts = cuts_in;
  cuts.push_back(bytes.size());
  std::sort(cuts.begin(), cuts.end());
  const size_t mss = ep_[0].ip.v6 ? 1440 : 1460;
  size_t pos = 0;
  Ns last = t;
  bool first = true;
  for (size_t c : cuts) {
    if (c > bytes.size()) break;
    while (pos < c) {
      const size_t e = std::min(c, pos + mss);
      last = emit(side, first ? t : last + 12 * kUs, e == bytes.size() ? (PSH | ACK) : ACK,
                  bytes.substr(pos, e - pos), 0);
      first = false;
      pos = e;
    }
  }
  ack_from(1 - side, last);
  return last;
}

Ns Conn::fin(int side, Ns t) {
  Ns t1 = emit(side, t, FIN | ACK, "");
  Ns t2 = emit(1 - side, reply_at(1 - side, t1, 60 * kUs), FIN | ACK, "");
  Ns t3 = emit(side, reply_at(side, t2, 40 * kUs), ACK, "");
  if (auto* ct = sim_.conn_truth(id_)) ct->closed_by = "fin";
  closed_ = true;
  return t3;
}

Ns Conn::rst(int side, Ns t) {
  Ns t1 = emit(side, t, RST | ACK, "");
  if (auto* ct = sim_.conn_truth(id_)) ct->closed_by = "rst";
  closed_ = true;
  return t1;
}

// ---------------------------------------------------------------------------------------------
int Sim::add_file(CaptureFile f) {
  files_.push_back(std::move(f));
  return static_cast<int>(files_.size()) - 1;
}

void Sim::open_files(const std::string& dir) {
  for (const auto& f : files_) {
    const std::string path = dir + "/" + f.name;
    if (f.pcapng)
      writers_.push_back(std::make_unique<PcapngWriter>(path, "v" + std::to_string(f.vantage + 1)));
    else
      writers_.push_back(std::make_unique<PcapWriter>(path));
    next_stream_.push_back(0);
  }
}

void Sim::at(Ns t, std::function<void()> fn) {
  if (t < now_) throw std::logic_error("event scheduled in the past");
  events_.push(Event{t, ev_seq_++, std::move(fn)});
}

std::shared_ptr<Conn> Sim::connect(const Endpoint& initiator, const Endpoint& responder, int vantage, int vside,
                                   Ns rtt, const std::string& purpose, uint32_t isn0, uint32_t isn1) {
  const uint64_t id = conn_ids_++;
  if (truth_) {
    ConnTruth ct;
    ct.id = id;
    ct.vantage = vantage;
    ct.vside = vside;
    const Endpoint& peer = vside == 0 ? responder : initiator;
    const Endpoint& v = vside == 0 ? initiator : responder;
    ct.peer_ip = peer.ip.str();
    ct.peer_port = peer.port;
    ct.vantage_port = v.port;
    ct.purpose = purpose;
    conns_.push_back(std::move(ct));
  }
  return std::make_shared<Conn>(*this, id, initiator, responder, vantage, vside, rtt, isn0, isn1);
}

uint64_t Sim::new_message(MsgTruth m) {
  ++msg_count_;
  if (!truth_) return 0;
  if (auto* ct = conn_truth(m.conn)) ++ct->messages;
  msgs_.push_back(std::move(m));
  return msgs_.size() - 1;
}

void Sim::push_frame(Ns ts, const Conn& c, std::string bytes, std::vector<Annot> ann, uint8_t tcp_flags) {
  if (ts < now_) throw std::logic_error("frame earlier than the current event");
  pending_.push(Pending{ts, fr_seq_++, c.vantage_, c.id_, tcp_flags, std::move(bytes), std::move(ann)});
}

void Sim::write_frame(const Pending& p) {
  for (size_t fi = 0; fi < files_.size(); ++fi) {
    const auto& f = files_[fi];
    if (f.vantage != p.vantage || p.ts < f.begin || p.ts >= f.end) continue;
    auto& w = *writers_[fi];
    w.write(p.ts, p.bytes);
    const uint64_t frame_no = w.frames();
    if (!truth_) continue;
    int idx = 0;
    for (const auto& a : p.ann) {
      MsgTruth& m = msgs_[a.msg];
      if (a.kind == 0) {
        m.first_file = static_cast<int>(fi);
        m.first_frame = frame_no;
      } else {
        m.file = static_cast<int>(fi);
        m.frame = frame_no;
        m.time = p.ts;
        m.index_in_frame = idx++;
      }
    }
    ConnTruth& ct = conns_[p.conn];
    if (!ct.any_frame) ct.start = p.ts;
    ct.any_frame = true;
    ct.end = p.ts;
    if (!ct.streams.count(static_cast<int>(fi))) ct.streams[static_cast<int>(fi)] = next_stream_[fi]++;
  }
}

void Sim::flush_before(Ns t) {
  while (!pending_.empty() && pending_.top().ts < t) {
    write_frame(pending_.top());
    pending_.pop();
  }
}

void Sim::run() {
  while (!events_.empty()) {
    Event e = events_.top();
    events_.pop();
    now_ = e.t;
    flush_before(e.t);
    e.fn();
  }
  flush_before(UINT64_MAX);
}

void Sim::finish() {
  flush_before(UINT64_MAX);
  for (auto& w : writers_) w->close();
}

uint64_t Sim::frames_written() const {
  uint64_t n = 0;
  for (auto& w : writers_) n += w->frames();
  return n;
}

uint64_t Sim::bytes_written() const {
  uint64_t n = 0;
  for (auto& w : writers_) n += w->bytes();
  return n;
}

}  // namespace msc::synth

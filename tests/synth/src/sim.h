// Virtual-clock simulator: an event queue drives TCP connections (seq/ack, MSS segmentation,
// explicit split control, SYN/FIN/RST); frames are merged in time order into capture files with
// bounded memory (a frame is written as soon as no pending event can produce an earlier one).
// Ground truth (messages, connections) is recorded as frames are written.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <vector>

#include "levin.h"
#include "net.h"

namespace msc::synth {

using Ns = uint64_t;
constexpr Ns kUs = 1000, kMs = 1000 * kUs, kSec = 1000 * kMs;

std::string fmt_time(Ns t);  // "<epoch s>.<9 digits>"

// What a message carries, as known by the generator (used for the ground truth).
struct MsgMeta {
  std::optional<size_t> peerlist_count;
  size_t pl_ipv4 = 0, pl_ipv6 = 0, pl_tor = 0, pl_i2p = 0, last_seen_entries = 0;
  std::optional<bool> has_support_flags;  // set for messages with node_data
  std::optional<uint64_t> peer_id;        // node_data.peer_id
  std::optional<uint32_t> my_port;
  std::optional<uint64_t> ping_peer_id;   // 1003 response
  bool local_time = false;
  bool well_formed = true;                // body is a valid portable-storage payload
  std::string note;
};

struct Outgoing {
  levin::Message msg;
  MsgMeta meta;
  std::vector<size_t> cuts;  // explicit segment boundaries, offsets relative to this message's start
};

struct MsgTruth {
  uint64_t conn = 0;
  int dir = 0;  // 0 = sent by the TCP initiator
  std::string src, dst;
  uint16_t sport = 0, dport = 0;
  levin::Header h;
  size_t wire_len = 0;
  int msg_type = 0;
  bool sig_only = false, header_split = false;
  int segments = 0;
  size_t first_segment_len = 0;
  MsgMeta meta;
  int file = -1, first_file = -1;
  uint64_t frame = 0, first_frame = 0;
  int index_in_frame = 0;
  Ns time = 0;
};

struct ConnTruth {
  uint64_t id = 0;
  int vantage = 0;
  int vside = 0;  // which endpoint (0 initiator, 1 responder) is the vantage
  std::string peer_ip;
  uint16_t peer_port = 0, vantage_port = 0;
  std::string purpose;
  Ns start = 0, end = 0;
  bool any_frame = false, syn = false;
  uint64_t messages = 0;
  std::string closed_by = "none";
  std::map<int, uint32_t> streams;  // file -> tcp.stream index in that file
};

struct CaptureFile {
  std::string name;
  int vantage = 0;
  Ns begin = 0, end = UINT64_MAX;
  bool pcapng = true;
};

class Sim;

class Conn {
 public:
  Conn(Sim& sim, uint64_t id, Endpoint initiator, Endpoint responder, int vantage, int vside, Ns rtt, uint32_t isn0,
       uint32_t isn1);
  uint64_t id() const { return id_; }
  const Endpoint& ep(int side) const { return ep_[side]; }
  int vside() const { return vside_; }
  Ns rtt() const { return rtt_; }
  Ns cursor() const { return cursor_; }
  bool closed() const { return closed_; }

  // Capture time at which `side` answers something it received (captured) at t.
  Ns reply_at(int side, Ns t, Ns proc = 300 * kUs) const;
  // TCP three-way handshake starting at t (SYN from side 0). Returns capture time of the final ACK.
  Ns open(Ns t);
  // Sends messages from `side` back to back in one write starting at t. Segments by MSS and the
  // messages' explicit cuts. The receiver ACKs. Returns the capture time of the last data segment.
  Ns send(int side, Ns t, std::vector<Outgoing> msgs);
  // Sends raw bytes (no Levin truth), e.g. a malformed stream.
  Ns send_raw(int side, Ns t, const std::string& bytes, const std::vector<size_t>& cuts = {});
  Ns fin(int side, Ns t);  // FIN from side, FIN from the other, final ACK
  Ns rst(int side, Ns t);

 private:
  Ns emit(int side, Ns t, uint8_t flags, const std::string& payload, uint16_t mss_opt = 0,
          std::vector<std::pair<uint64_t, int>> ann = {});
  Ns ack_from(int side, Ns t);
  Sim& sim_;
  uint64_t id_;
  Endpoint ep_[2];
  int vantage_, vside_;
  Ns rtt_;
  Ns cursor_ = 0;
  uint32_t nxt_[2];
  uint16_t ipid_[2];
  bool closed_ = false;
  friend class Sim;
};

class Sim {
 public:
  explicit Sim(bool record_truth) : truth_(record_truth) {}
  int add_file(CaptureFile f);
  void open_files(const std::string& dir);
  void at(Ns t, std::function<void()> fn);
  Ns now() const { return now_; }
  void run();
  void finish();

  std::shared_ptr<Conn> connect(const Endpoint& initiator, const Endpoint& responder, int vantage, int vside, Ns rtt,
                const std::string& purpose, uint32_t isn0, uint32_t isn1);

  const std::vector<CaptureFile>& files() const { return files_; }
  const std::vector<MsgTruth>& messages() const { return msgs_; }
  const std::vector<ConnTruth>& conns() const { return conns_; }
  std::vector<ConnTruth>& conns() { return conns_; }
  uint64_t frames_written() const;
  uint64_t bytes_written() const;
  uint64_t messages_sent() const { return msg_count_; }
  bool truth() const { return truth_; }

  // internal (used by Conn)
  struct Annot { uint64_t msg; int kind; int index; };  // kind 0 = first segment, 1 = completes
  void push_frame(Ns ts, const Conn& c, std::string bytes, std::vector<Annot> ann, uint8_t tcp_flags);
  uint64_t new_message(MsgTruth m);
  MsgTruth* msg(uint64_t id) { return truth_ ? &msgs_[id] : nullptr; }
  ConnTruth* conn_truth(uint64_t id) { return truth_ ? &conns_[id] : nullptr; }

 private:
  struct Event {
    Ns t;
    uint64_t seq;
    std::function<void()> fn;
    bool operator>(const Event& o) const { return t != o.t ? t > o.t : seq > o.seq; }
  };
  struct Pending {
    Ns ts;
    uint64_t seq;
    int vantage;
    uint64_t conn;
    uint8_t tcp_flags;
    std::string bytes;
    std::vector<Annot> ann;
    bool operator>(const Pending& o) const { return ts != o.ts ? ts > o.ts : seq > o.seq; }
  };
  void flush_before(Ns t);
  void write_frame(const Pending& p);

  bool truth_;
  Ns now_ = 0;
  uint64_t ev_seq_ = 0, fr_seq_ = 0, msg_count_ = 0;
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> events_;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<Pending>> pending_;
  std::vector<CaptureFile> files_;
  std::vector<std::unique_ptr<CaptureWriter>> writers_;
  std::vector<uint32_t> next_stream_;
  std::vector<ConnTruth> conns_;
  std::vector<MsgTruth> msgs_;
  uint64_t conn_ids_ = 0;
};

}  // namespace msc::synth

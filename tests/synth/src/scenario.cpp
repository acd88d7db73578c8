#include "scenario.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "levin.h"
#include "rng.h"
#include "sim.h"

namespace msc::synth {
namespace {

using levin::Message;
using levin::NodeData;
using levin::PeerEntry;
using levin::Style;
using levin::SyncData;
using json = nlohmann::ordered_json;

constexpr Ns kEpoch = 1750000000ULL * kSec;  // 2025-06-15T15:06:40Z, virtual clock origin
constexpr uint64_t kBaseHeight = 3400000;

std::string hex64(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%016llx", static_cast<unsigned long long>(v));
  return b;
}

std::array<uint8_t, 32> hash32(uint64_t a, uint64_t b) {
  Rng r(a * 0x9e3779b97f4a7c15ULL ^ b);
  std::array<uint8_t, 32> h{};
  for (size_t i = 0; i < 32; i += 8) {
    const uint64_t v = r.next();
    for (int k = 0; k < 8; ++k) h[i + k] = static_cast<uint8_t>(v >> (8 * k));
  }
  return h;
}

std::string blob(Rng& r, size_t n) {
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(r.below(256));
  return s;
}

// ---------------------------------------------------------------------------------------------
struct Node {
  std::string label;
  Ip ip;
  uint16_t port = 18080;
  NodeData nd;
  Style style;
  std::vector<uint64_t> id_seq;  // peer_id per successive handshake (ID anomalies); empty = nd.peer_id
  size_t id_next = 0;
  bool sig_only = false;      // writes the 8 signature bytes in a TCP segment of their own
  bool old_node = false;      // <= v0.17: no support_flags, sends 1007 after every handshake
  bool full_list_every_ts = false;
  bool pings_back = true;     // back-pings inbound handshakes with my_port != 0
  Ns ts_interval = 60 * kSec;
  Ns ts_phase = 0;
  std::vector<PeerEntry> white;
  std::vector<std::string> white_enc;  // encode_peer_entry(white[i], style), filled lazily
  // Alternative to `white` (scale scenario): the white list as indices into a shared pool of
  // pre-encoded entries (default style), so thousands of distinct white lists stay small.
  struct Pool {
    std::vector<PeerEntry> entries;
    std::vector<std::string> enc;
  };
  std::shared_ptr<const Pool> pool;
  std::vector<uint16_t> white_idx;
  size_t list_max = 250;
  std::optional<uint32_t> pruning_seed;
  std::vector<std::string> classes;
  std::string why;
  int vantage = -1;
  uint16_t next_eph = 40000;
  uint64_t take_id() {
    if (id_seq.empty()) return nd.peer_id;
    const uint64_t id = id_seq[std::min(id_next, id_seq.size() - 1)];
    ++id_next;
    return id;
  }
  bool has_sf() const { return nd.support_flags.has_value() && *nd.support_flags != 0; }
};

struct Session {
  std::shared_ptr<Conn> c;
  Node* n[2] = {nullptr, nullptr};
  Ns end = 0;  // 0 = stays open
  int closer = 0;
  bool rst = false;
  std::vector<bool> sent[2];
  bool ts_resp_done[2] = {false, false};
  uint64_t hs_id[2] = {0, 0};
};
using SessionP = std::shared_ptr<Session>;

struct SessionSpec {
  Node* initiator = nullptr;
  Node* responder = nullptr;
  Ns start = 0;
  Ns duration = 0;  // 0 = open until the end of the capture
  int closer = 0;   // side that closes
  bool rst = false;
  bool timed_sync = true;
  bool handshake = true;
};

class Builder {
 public:
  Builder(const std::string& scenario, uint64_t seed, bool truth)
      : name_(scenario), seed_(seed), rng_(seed), sim_(truth) {}

  Rng& rng() { return rng_; }
  Sim& sim() { return sim_; }

  Node& node(const std::string& label, const std::string& ip, uint16_t port = 18080) {
    auto n = std::make_unique<Node>();
    n->label = label;
    n->ip = Ip::parse(ip);
    n->port = port;
    n->nd.my_port = port;
    n->nd.peer_id = rng_.next();
    n->ts_phase = static_cast<Ns>(rng_.below(60 * kMs)) * 1000;
    n->next_eph = static_cast<uint16_t>(rng_.range(33000, 58000));
    nodes_.push_back(std::move(n));
    return *nodes_.back();
  }
  Node& vantage(const std::string& ip) {
    Node& v = node("v" + std::to_string(vantages_.size() + 1), ip);
    v.vantage = static_cast<int>(vantages_.size());
    v.pruning_seed = 0x180 + static_cast<uint32_t>(rng_.below(8));
    vantages_.push_back(&v);
    return v;
  }

  // ---- peer-list material ------------------------------------------------------------------
  uint64_t id_of(const std::string& key) {
    auto it = ids_.find(key);
    if (it != ids_.end()) return it->second;
    return ids_[key] = rng_.next();
  }
  PeerEntry entry_v4(const std::string& ip, uint16_t port = 18080) {
    PeerEntry e;
    e.adr.type = levin::AddrType::IPv4;
    e.adr.ip = Ip::parse(ip).b;
    e.adr.port = port;
    e.id = id_of(ip);
    return e;
  }
  PeerEntry entry_v6(const std::string& ip, uint16_t port = 18080) {
    PeerEntry e;
    e.adr.type = levin::AddrType::IPv6;
    e.adr.ip = Ip::parse(ip).b;
    e.adr.port = port;
    e.id = id_of(ip);
    return e;
  }
  PeerEntry entry_anon(levin::AddrType t, const std::string& host, uint16_t port) {
    PeerEntry e;
    e.adr.type = t;
    e.adr.host = host;
    e.adr.port = port;
    e.id = 1;
    return e;
  }
  static std::string b32(Rng& r, size_t n) {
    static const char* a = "abcdefghijklmnopqrstuvwxyz234567";
    std::string s;
    for (size_t i = 0; i < n; ++i) s.push_back(a[r.below(32)]);
    return s;
  }
  void decorate(PeerEntry& e, Rng& r) {  // realistic optional-key mix (levin-protocol.md §4.4)
    const uint64_t x = r.below(100);
    if (x < 15) e.pruning_seed = 0x180 + static_cast<uint32_t>(r.below(8));
    else if (x < 27) e.rpc_port = 18089;
    else if (x < 33) { e.pruning_seed = 0x180 + static_cast<uint32_t>(r.below(8)); e.rpc_port = 18089; }
  }
  // Standard white list: n24 distinct /24s of 198.18.0.0/15 with per24 hosts each, plus n6 IPv6.
  std::vector<PeerEntry> standard_white(size_t n24 = 125, size_t per24 = 2, size_t n6 = 30) {
    Rng r = rng_.fork(0x5717);
    std::vector<size_t> nets(512);
    for (size_t i = 0; i < nets.size(); ++i) nets[i] = i;
    r.shuffle(nets);
    std::vector<PeerEntry> out;
    for (size_t k = 0; k < n24 && k < nets.size(); ++k) {
      std::set<unsigned> hosts;
      while (hosts.size() < per24) hosts.insert(static_cast<unsigned>(r.range(1, 254)));
      for (unsigned h : hosts) {
        const std::string ip = "198." + std::to_string(18 + nets[k] / 256) + "." + std::to_string(nets[k] % 256) +
                               "." + std::to_string(h);
        out.push_back(entry_v4(ip));
        decorate(out.back(), r);
      }
    }
    for (size_t k = 0; k < n6; ++k) {
      char b[64];
      std::snprintf(b, sizeof b, "2001:db8:%x:%x::%x", static_cast<unsigned>(r.range(1, 0xffff)),
                    static_cast<unsigned>(r.range(0, 0xffff)), static_cast<unsigned>(r.range(1, 0xffff)));
      out.push_back(entry_v6(b));
      decorate(out.back(), r);
    }
    r.shuffle(out);
    return out;
  }
  // Low-diversity list: `n` IPv4 entries inside a handful of LinkingLion /24s (like the real
  // 100.42.27.58 sample of analysis-methods.md §13).
  std::vector<PeerEntry> lowdiv_white(size_t n, bool last_seen) {
    Rng r = rng_.fork(0x10d1);
    static const char* nets[] = {"162.218.65", "91.198.115", "209.222.252", "23.92.36"};
    std::vector<PeerEntry> out;
    std::set<std::string> used;
    while (out.size() < n) {
      const std::string ip = std::string(nets[r.below(4)]) + "." + std::to_string(r.range(1, 254));
      if (!used.insert(ip).second) continue;
      out.push_back(entry_v4(ip));
      if (last_seen) out.back().last_seen = static_cast<int64_t>(kEpoch / kSec) + 3600;  // all identical
    }
    return out;
  }

  // ---- messages ------------------------------------------------------------------------------
  SyncData sync_of(const Node& n, Ns t) const {
    SyncData s;
    s.current_height = kBaseHeight + (t - kEpoch) / (120 * kSec);
    s.cumulative_difficulty = s.current_height * 297000000000ULL;
    s.top_id = hash32(s.current_height, 7);
    s.top_version = 16;
    s.pruning_seed = n.pruning_seed;
    return s;
  }
  static MsgMeta list_meta(const std::vector<PeerEntry>& l) {
    MsgMeta m;
    if (l.empty()) return m;
    m.peerlist_count = l.size();
    for (const auto& e : l) {
      switch (e.adr.type) {
        case levin::AddrType::IPv4: ++m.pl_ipv4; break;
        case levin::AddrType::IPv6: ++m.pl_ipv6; break;
        case levin::AddrType::Tor: ++m.pl_tor; break;
        case levin::AddrType::I2P: ++m.pl_i2p; break;
      }
      if (e.last_seen) ++m.last_seen_entries;
    }
    return m;
  }
  static void node_meta(MsgMeta& m, const NodeData& nd) {
    m.has_support_flags = nd.support_flags.has_value();
    m.peer_id = nd.peer_id;
    m.my_port = nd.my_port;
    m.local_time = nd.local_time.has_value();
  }
  static Outgoing out(const Node& from, Message m, MsgMeta meta = {}) {
    Outgoing o{std::move(m), std::move(meta), {}};
    if (from.sig_only) o.cuts = {8};
    return o;
  }
  // Entries `who` shares on session side s: the first list is a full sample, later ones only
  // entries not yet sent on this connection (monerod v0.16+), unless full_list_every_ts.
  struct List {
    levin::EncodedPeers enc;
    MsgMeta meta;
  };
  List take_list(Session& ss, int s, bool first) {
    Node& who = *ss.n[s];
    const bool pooled = who.pool != nullptr;
    const size_t wsize = pooled ? who.white_idx.size() : who.white.size();
    if (!pooled && who.white_enc.size() != who.white.size()) {
      who.white_enc.clear();
      for (const auto& e : who.white) who.white_enc.push_back(levin::encode_peer_entry(e, who.style));
    }
    auto& sent = ss.sent[s];
    sent.resize(wsize, false);
    std::vector<size_t> cand;
    cand.reserve(wsize);
    for (size_t i = 0; i < wsize; ++i)
      if (who.full_list_every_ts || !sent[i]) cand.push_back(i);
    Rng r = rng_.fork(ss.c->id() * 31 + static_cast<uint64_t>(s));
    size_t n = std::min(cand.size(), who.list_max);
    if (!first && !who.full_list_every_ts) n = std::min<size_t>(n, r.below(4));
    for (size_t k = 0; k < n; ++k) std::swap(cand[k], cand[k + r.below(cand.size() - k)]);  // partial shuffle
    List l;
    std::vector<PeerEntry> picked;
    for (size_t k = 0; k < n; ++k) {
      sent[cand[k]] = true;
      if (pooled) {
        const uint16_t idx = who.white_idx[cand[k]];
        l.enc.push_back(&who.pool->enc[idx]);
        picked.push_back(who.pool->entries[idx]);
      } else {
        l.enc.push_back(&who.white_enc[cand[k]]);
        picked.push_back(who.white[cand[k]]);
      }
    }
    l.meta = list_meta(picked);
    return l;
  }

  Ns send(Session& ss, int s, Ns t, std::vector<Outgoing> v) { return ss.c->send(s, t, std::move(v)); }

  Ns handshake(const SessionP& sp, Ns t) {
    Session& ss = *sp;
    Node& a = *ss.n[0];
    Node& b = *ss.n[1];
    NodeData nda = a.nd;
    nda.peer_id = ss.hs_id[0] = a.take_id();
    MsgMeta ma;
    node_meta(ma, nda);
    t = send(ss, 0, t, {out(a, levin::request(1001, levin::handshake_request(nda, sync_of(a, t), a.style)), ma)});
    // Responder: back-ping to the initiator's advertised port on a separate connection.
    if (nda.my_port != 0 && b.pings_back) {
      const Ns tp = ss.c->reply_at(1, t, 2 * kMs);
      Node* pa = &a;
      Node* pb = &b;
      const uint64_t pid = nda.peer_id;
      sim_.at(tp, [this, pa, pb, tp, pid] { backping(*pb, *pa, tp, pid); });
    }
    Ns tb = ss.c->reply_at(1, t);
    if (!a.has_sf() && !b.old_node) {  // 1007 only when the peer advertised no flags (v0.18+)
      tb = send(ss, 1, tb, {out(b, levin::request(1007, levin::empty_body(b.style)))});
      Ns ta = send(ss, 0, ss.c->reply_at(0, tb),
                   {out(a, levin::response(1007, levin::support_flags_response(1, a.style)))});
      tb = ss.c->reply_at(1, ta);
    }
    NodeData ndb = b.nd;
    ndb.peer_id = ss.hs_id[1] = b.take_id();
    auto list = take_list(ss, 1, true);
    MsgMeta mb = list.meta;
    node_meta(mb, ndb);
    tb = send(ss, 1, tb,
              {out(b, levin::response(1001, levin::handshake_response(ndb, sync_of(b, tb), list.enc, b.style)), mb)});
    Ns ta = ss.c->reply_at(0, tb);
    if ((!b.has_sf() && !a.old_node) || a.old_node) {
      ta = send(ss, 0, ta, {out(a, levin::request(1007, levin::empty_body(a.style)))});
      tb = send(ss, 1, ss.c->reply_at(1, ta), {out(b, levin::response(1007, levin::support_flags_response(1, b.style)))});
      ta = ss.c->reply_at(0, tb);
    }
    if (b.old_node) {
      tb = send(ss, 1, ta + 5 * kMs, {out(b, levin::request(1007, levin::empty_body(b.style)))});
      ta = send(ss, 0, ss.c->reply_at(0, tb), {out(a, levin::response(1007, levin::support_flags_response(1, a.style)))});
    }
    return ta;
  }

  void backping(Node& pinger, Node& target, Ns t, uint64_t expect_id) {
    const int vside = pinger.vantage >= 0 ? 0 : 1;
    const int vidx = pinger.vantage >= 0 ? pinger.vantage : target.vantage;
    if (vidx < 0) return;  // not captured
    auto sp = std::make_shared<Session>();
    sp->n[0] = &pinger;
    sp->n[1] = &target;
    sp->c = connect(pinger, target, target.nd.my_port, vidx, vside, "backping");
    Session& ss = *sp;
    Ns x = ss.c->open(t);
    x = send(ss, 0, x + 50 * kUs, {out(pinger, levin::request(1003, levin::empty_body(pinger.style)))});
    MsgMeta m;
    m.ping_peer_id = expect_id;
    x = send(ss, 1, ss.c->reply_at(1, x),
             {out(target, levin::response(1003, levin::ping_response(expect_id, target.style)), m)});
    ss.c->fin(0, ss.c->reply_at(0, x, 200 * kUs));
  }

  std::shared_ptr<Conn> connect(Node& a, Node& b, uint16_t bport, int vidx, int vside, const std::string& purpose) {
    Endpoint ea{a.ip, a.next_eph++};
    if (a.next_eph < 32768) a.next_eph = 32768;
    Endpoint eb{b.ip, bport};
    const Ns rtt = static_cast<Ns>(rng_.range(15, 180)) * kMs + static_cast<Ns>(rng_.below(1000)) * kUs;
    return sim_.connect(ea, eb, vidx, vside, rtt, purpose, static_cast<uint32_t>(rng_.next()),
                        static_cast<uint32_t>(rng_.next()));
  }

  void timed_sync(const SessionP& sp, int s, Ns t) {
    Session& ss = *sp;
    if (ss.c->closed() || (ss.end && t >= ss.end) || t >= end_) return;
    Node& me = *ss.n[s];
    Node& other = *ss.n[1 - s];
    Ns x = send(ss, s, t, {out(me, levin::request(1002, levin::timed_sync_request(sync_of(me, t), me.style)))});
    auto list = take_list(ss, 1 - s, !ss.ts_resp_done[1 - s]);
    ss.ts_resp_done[1 - s] = true;
    x = ss.c->reply_at(1 - s, x);
    send(ss, 1 - s, x,
         {out(other, levin::response(1002, levin::timed_sync_response(sync_of(other, x), list.enc, other.style)),
              list.meta)});
    const Ns jitter = static_cast<Ns>(rng_.below(1000)) * kMs;  // 60-61 s effective period
    const Ns next = t + me.ts_interval + jitter;
    sim_.at(next, [this, sp, s, next] { timed_sync(sp, s, next); });
  }

  Ns first_ts(const Node& n, Ns after) const {
    // the node's global timer: phase + k*interval
    Ns k = (after > kEpoch + n.ts_phase) ? (after - kEpoch - n.ts_phase) / n.ts_interval + 1 : 0;
    return kEpoch + n.ts_phase + k * n.ts_interval;
  }

  SessionP session(const SessionSpec& sp) {
    auto ss = std::make_shared<Session>();
    ss->n[0] = sp.initiator;
    ss->n[1] = sp.responder;
    const int vside = sp.initiator->vantage >= 0 ? 0 : 1;
    const int vidx = ss->n[vside]->vantage;
    if (vidx < 0) throw std::logic_error("session without a vantage");
    ss->c = connect(*sp.initiator, *sp.responder, sp.responder->port, vidx, vside,
                    sp.handshake ? "p2p" : "no-handshake");
    ss->end = sp.duration ? sp.start + sp.duration : 0;
    ss->closer = sp.closer;
    ss->rst = sp.rst;
    const Ns start = sp.start;
    const bool do_ts = sp.timed_sync, do_hs = sp.handshake;
    sim_.at(start, [this, ss, start, do_ts, do_hs] {
      Ns t = ss->c->open(start);
      if (do_hs) t = handshake(ss, t + 100 * kUs);
      if (do_ts)
        for (int s = 0; s < 2; ++s) {
          const Ns ft = first_ts(*ss->n[s], t + kSec);
          sim_.at(ft, [this, ss, s, ft] { timed_sync(ss, s, ft); });
        }
    });
    if (ss->end)
      sim_.at(ss->end, [ss] {
        if (ss->c->closed()) return;
        if (ss->rst) ss->c->rst(ss->closer, std::max(ss->end, ss->c->cursor()));
        else ss->c->fin(ss->closer, std::max(ss->end, ss->c->cursor()));
      });
    return ss;
  }

  // Side s sends `req` at t; if `resp` is set, the other side answers it.
  void exchange(const SessionP& sp, int s, Ns t, std::function<Message()> req, std::function<Message()> resp = {},
                MsgMeta req_meta = {}, MsgMeta resp_meta = {}) {
    sim_.at(t, [this, sp, s, t, req, resp, req_meta, resp_meta] {
      if (sp->c->closed()) return;
      Ns x = send(*sp, s, t, {out(*sp->n[s], req(), req_meta)});
      if (resp) send(*sp, 1 - s, sp->c->reply_at(1 - s, x), {out(*sp->n[1 - s], resp(), resp_meta)});
    });
  }

  void set_end(Ns e) { end_ = e; }
  Ns end() const { return end_; }

  // ---- output ----------------------------------------------------------------------------------
  json truth_json(const std::vector<Node*>& extra_peers_order = {}) const;
  const std::string& name() const { return name_; }
  uint64_t seed() const { return seed_; }
  std::vector<std::unique_ptr<Node>>& nodes() { return nodes_; }
  std::vector<Node*>& vantages() { return vantages_; }

 private:
  std::string name_;
  uint64_t seed_;
  Rng rng_;
  Sim sim_;
  Ns end_ = UINT64_MAX;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<Node*> vantages_;
  std::map<std::string, uint64_t> ids_;
};

json msg_json(const MsgTruth& m, const std::vector<ConnTruth>& conns) {
  (void)conns;
  json j;
  j["file"] = m.file >= 0 ? json(m.file) : json(nullptr);
  j["frame"] = m.file >= 0 ? json(m.frame) : json(nullptr);
  j["index_in_frame"] = m.index_in_frame;
  j["first_file"] = m.first_file >= 0 ? json(m.first_file) : json(nullptr);
  j["first_frame"] = m.first_file >= 0 ? json(m.first_frame) : json(nullptr);
  j["time"] = m.file >= 0 ? json(fmt_time(m.time)) : json(nullptr);
  j["conn"] = m.conn;
  j["src"] = m.src;
  j["sport"] = m.sport;
  j["dst"] = m.dst;
  j["dport"] = m.dport;
  j["command"] = m.h.command;
  j["flags"] = m.h.flags;
  j["expect_response"] = m.h.expect != 0;
  j["return_code"] = m.h.rc;
  j["length"] = m.h.cb;
  j["msg_type"] = m.msg_type;
  j["sig_only"] = m.sig_only;
  j["segments"] = m.segments;
  j["header_split"] = m.header_split;
  j["first_segment_len"] = m.first_segment_len;
  const auto& x = m.meta;
  // Always present (null when not applicable): peerlist_count, last_seen_entries, has_support_flags,
  // peer_id, well_formed. Present only when meaningful: the per-type list counts (with a list),
  // my_port/local_time (with node_data), ping_peer_id (1003 response), note (when set).
  j["peerlist_count"] = x.peerlist_count ? json(*x.peerlist_count) : json(nullptr);
  if (x.peerlist_count) {
    j["peerlist_ipv4"] = x.pl_ipv4;
    j["peerlist_ipv6"] = x.pl_ipv6;
    j["peerlist_tor"] = x.pl_tor;
    j["peerlist_i2p"] = x.pl_i2p;
  }
  j["last_seen_entries"] = x.last_seen_entries;
  j["has_support_flags"] = x.has_support_flags ? json(*x.has_support_flags) : json(nullptr);
  j["peer_id"] = x.peer_id ? json(hex64(*x.peer_id)) : json(nullptr);
  if (x.my_port) j["my_port"] = *x.my_port;
  if (x.has_support_flags) j["local_time"] = x.local_time;
  if (x.ping_peer_id) j["ping_peer_id"] = hex64(*x.ping_peer_id);
  j["well_formed"] = x.well_formed;
  if (!x.note.empty()) j["note"] = x.note;
  return j;
}

json Builder::truth_json(const std::vector<Node*>&) const {
  json t;
  t["scenario"] = name_;
  t["seed"] = seed_;
  t["generator"] = kGeneratorVersion;
  t["schema_version"] = 1;
  t["epoch"] = fmt_time(kEpoch);
  t["thresholds"] = "paper";
  json files = json::array();
  for (const auto& f : sim_.files()) {
    json jf;
    jf["name"] = f.name;
    jf["vantage"] = "v" + std::to_string(f.vantage + 1);
    jf["format"] = f.pcapng ? "pcapng" : "pcap";
    jf["begin"] = f.begin ? json(fmt_time(f.begin)) : json(nullptr);
    jf["end"] = f.end != UINT64_MAX ? json(fmt_time(f.end)) : json(nullptr);
    files.push_back(jf);
  }
  t["files"] = files;
  json vs = json::array();
  for (const Node* v : vantages_) {
    json aliases = json::array();  // other local addresses of the same vantage (IPv6, Tor/I2P local hop)
    for (const auto& n : nodes_)
      if (n->vantage == v->vantage && n.get() != v) aliases.push_back({{"ip", n->ip.str()}, {"port", n->port}});
    vs.push_back({{"id", v->label}, {"ip", v->ip.str()}, {"port", v->port}, {"peer_id", hex64(v->nd.peer_id)},
                  {"aliases", aliases}});
  }
  t["vantages"] = vs;
  json ms = json::array();
  for (const auto& m : sim_.messages()) ms.push_back(msg_json(m, sim_.conns()));
  t["messages"] = ms;
  json cs = json::array();
  for (const auto& c : sim_.conns()) {
    json jc;
    jc["id"] = c.id;
    jc["vantage"] = "v" + std::to_string(c.vantage + 1);
    jc["peer_ip"] = c.peer_ip;
    jc["peer_port"] = c.peer_port;
    jc["vantage_port"] = c.vantage_port;
    jc["direction"] = c.vside == 0 ? "out" : "in";
    jc["purpose"] = c.purpose;
    jc["start"] = c.any_frame ? json(fmt_time(c.start)) : json(nullptr);
    jc["end"] = c.any_frame ? json(fmt_time(c.end)) : json(nullptr);
    jc["syn"] = c.syn;
    jc["messages"] = c.messages;
    jc["closed_by"] = c.closed_by;
    json st = json::array();
    for (const auto& [f, s] : c.streams) st.push_back({{"file", f}, {"stream", s}});
    jc["streams"] = st;
    cs.push_back(jc);
  }
  t["connections"] = cs;

  // Connecting IPs (distinct sources of captured messages) per /24 -> subnet saturation.
  std::map<std::string, std::set<std::string>> per24;
  for (const auto& m : sim_.messages()) {
    if (m.file < 0 || m.src.find(':') != std::string::npos) continue;
    per24[m.src.substr(0, m.src.rfind('.')) + ".0/24"].insert(m.src);
  }
  std::vector<std::pair<size_t, std::string>> ranked;
  for (const auto& [net, ips] : per24) ranked.emplace_back(ips.size(), net);
  std::sort(ranked.begin(), ranked.end(), [](auto& a, auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  const size_t cut = ranked.size() > 15 ? ranked[15].first : 0;  // count of the 16th /24
  std::set<std::string> saturated;
  json sn = json::array();
  for (const auto& [n, net] : ranked) {
    const bool sat = n > cut;
    if (sat) saturated.insert(net);
    sn.push_back({{"subnet", net}, {"connecting_ips", n}, {"saturated", sat}});
  }
  t["subnets"] = sn;

  json ps = json::array();
  for (const auto& up : nodes_) {
    const Node& n = *up;
    if (n.vantage >= 0) continue;
    std::vector<std::string> cls = n.classes;
    const std::string ip = n.ip.str();
    if (!n.ip.v6 && saturated.count(ip.substr(0, ip.rfind('.')) + ".0/24")) cls.push_back("subnet_saturation");
    std::sort(cls.begin(), cls.end());
    cls.erase(std::unique(cls.begin(), cls.end()), cls.end());
    ps.push_back({{"ip", ip}, {"label", n.label}, {"classes", cls}, {"why", n.why}});
  }
  t["peers"] = ps;
  std::map<std::string, uint64_t> by_cmd;
  for (const auto& m : sim_.messages())
    if (m.file >= 0) ++by_cmd[std::to_string(m.h.command)];
  t["summary"] = {{"messages", sim_.messages().size()}, {"connections", sim_.conns().size()},
                  {"by_command", by_cmd}};
  return t;
}

// One record per line inside the big arrays: diffable, greppable, still plain JSON.
std::string dump_truth(const json& t) {
  std::string s = "{\n";
  bool first = true;
  for (auto it = t.begin(); it != t.end(); ++it) {
    if (!first) s += ",\n";
    first = false;
    s += "  " + json(it.key()).dump() + ": ";
    if (it.value().is_array() && !it.value().empty() && it.value().front().is_object()) {
      s += "[\n";
      for (size_t i = 0; i < it.value().size(); ++i)
        s += "    " + it.value()[i].dump() + (i + 1 < it.value().size() ? ",\n" : "\n");
      s += "  ]";
    } else {
      s += it.value().dump();
    }
  }
  return s + "\n}\n";
}

}  // namespace
}  // namespace msc::synth

namespace msc::synth {
namespace {

Node& standard_peer(Builder& b, const std::string& label, const std::string& ip, bool ipv4_only = false) {
  Node& p = b.node(label, ip);
  p.white = ipv4_only ? b.standard_white(125, 2, 0) : b.standard_white(125, 2, 30);
  p.list_max = 250;
  p.why = "standard monerod v0.18.4 behaviour (must not be flagged)";
  return p;
}

Node& make_vantage(Builder& b, const std::string& ip) {
  Node& v = b.vantage(ip);
  v.white = b.standard_white(30, 2, 6);  // a young vantage: 66 white peers
  return v;
}

// Aliases share the vantage's identity but listen on another address/port (IPv6, Tor/I2P hop).
Node& vantage_alias(Builder& b, Node& v, const std::string& ip, uint16_t port) {
  Node& a = b.node(v.label + "@" + ip, ip, port);
  a.vantage = v.vantage;
  a.nd = v.nd;
  a.nd.my_port = port;
  a.white = v.white;
  a.pruning_seed = v.pruning_seed;
  a.ts_phase = v.ts_phase;
  return a;
}

std::vector<std::string> txs(Rng& r, size_t n) {
  std::vector<std::string> v;
  for (size_t i = 0; i < n; ++i) v.push_back(blob(r, static_cast<size_t>(r.range(300, 900))));
  return v;
}
std::vector<std::array<uint8_t, 32>> hashes(Rng& r, size_t n) {
  std::vector<std::array<uint8_t, 32>> v;
  for (size_t i = 0; i < n; ++i) v.push_back(hash32(r.next(), i));
  return v;
}

// Notifications and request/response pairs of the cryptonote protocol on one session.
void protocol_traffic(Builder& b, const SessionP& s, int peer_side, Ns t) {
  Rng r = b.rng().fork(0x2000 + s->c->id());
  const int v = 1 - peer_side;
  const uint64_t h = kBaseHeight + 5;
  auto tx = txs(r, 2);
  b.exchange(s, peer_side, t, [tx] { return levin::notification(2002, levin::new_transactions(tx, false)); });
  auto ids = hashes(r, 12);
  b.exchange(s, peer_side, t + 7 * kSec, [ids] { return levin::notification(2006, levin::request_chain(ids, false)); },
             [ids, h] {
               std::vector<uint64_t> w(ids.size(), 300000);
               return levin::notification(2007, levin::response_chain_entry(h - 11, h + 1, h * 297000000000ULL, ids,
                                                                            w, std::string(600, '\x0b')));
             });
  auto want = hashes(r, 3);
  std::vector<levin::BlockEntry> blocks;
  for (int i = 0; i < 3; ++i) blocks.push_back({blob(r, 700), txs(r, 1)});
  b.exchange(s, peer_side, t + 9 * kSec, [want] { return levin::notification(2003, levin::request_get_objects(want, true)); },
             [blocks, h] { return levin::notification(2004, levin::response_get_objects(blocks, h)); });
  levin::BlockEntry nb{blob(r, 400), {}};
  auto bh = hash32(r.next(), 1);
  auto miss = txs(r, 2);
  b.exchange(s, v, t + 20 * kSec, [nb, h] { return levin::notification(2008, levin::new_block(nb, h)); },
             [bh, h] { return levin::notification(2009, levin::fluffy_missing_tx(bh, h, {0, 2})); });
  b.exchange(s, v, t + 20 * kSec + 400 * kMs,
             [nb, miss, h] { return levin::notification(2008, levin::new_block({nb.block, miss}, h)); });
  auto pool = hashes(r, 4);
  b.exchange(s, v, t + 30 * kSec, [pool] { return levin::notification(2010, levin::txpool_complement(pool)); });
}

void scenario_basic(Builder& b) {
  Node& v = make_vantage(b, "198.51.100.10");
  b.sim().add_file({"basic.pcap", 0, 0, UINT64_MAX, false});
  const Ns T = kEpoch;
  b.set_end(T + 900 * kSec);
  const char* in_ips[] = {"203.0.113.11", "192.0.2.21", "198.18.7.31", "198.19.200.51"};
  const char* out_ips[] = {"203.0.113.61", "198.18.99.71"};
  std::vector<SessionP> in, out;
  for (int i = 0; i < 4; ++i) {
    Node& p = standard_peer(b, "s" + std::to_string(i + 1), in_ips[i], i == 3);
    SessionSpec sp{&p, &v, T + static_cast<Ns>(3 + 17 * i) * kSec};
    if (i == 2) { sp.duration = 600 * kSec; sp.closer = 0; }
    in.push_back(b.session(sp));
  }
  for (int i = 0; i < 2; ++i) {
    Node& p = standard_peer(b, "s" + std::to_string(i + 5), out_ips[i]);
    out.push_back(b.session({&v, &p, T + static_cast<Ns>(11 + 23 * i) * kSec}));
  }
  // A legacy (<= v0.15) peer: local_time, no support_flags, 1004-1006 requests and 2001.
  Node& l = b.node("l1", "192.0.2.88");
  l.white = b.standard_white(40, 2, 0);
  l.nd.support_flags.reset();
  l.nd.local_time = kEpoch / kSec + 60;
  l.old_node = true;
  l.classes = {"sf_omission"};
  l.why = "legacy node: node_data without support_flags (has local_time), sends 1004-1006 and 2001";
  auto ls = b.session({&l, &v, T + 45 * kSec, 240 * kSec, 0});
  Rng r = b.rng().fork(0x1e9);
  const std::string sign(64, '\x5a');
  const uint64_t lid = l.nd.peer_id;
  b.exchange(ls, 0, T + 60 * kSec, [lid, sign] { return levin::request(1004, levin::stat_info_request(lid, kEpoch / kSec + 75, sign)); },
             [] { return levin::response(1004, "", -6); });
  b.exchange(ls, 0, T + 62 * kSec, [lid, sign] { return levin::request(1005, levin::network_state_request(lid, kEpoch / kSec + 77, sign)); },
             [] { return levin::response(1005, "", -6); });
  b.exchange(ls, 0, T + 64 * kSec, [] { return levin::request(1006, levin::empty_body()); },
             [] { return levin::response(1006, "", -6); });
  levin::BlockEntry blk{blob(r, 500), txs(r, 1)};
  b.exchange(ls, 0, T + 70 * kSec, [blk] { return levin::notification(2001, levin::new_block(blk, kBaseHeight + 1)); });
  // cryptonote protocol traffic on one inbound and one outbound connection
  protocol_traffic(b, in[0], 0, T + 100 * kSec);
  protocol_traffic(b, out[0], 1, T + 300 * kSec);
  // stem transaction from the vantage to an outbound peer (Dandelion++ stem, dandelionpp_fluff=false)
  auto stem = txs(r, 1);
  b.exchange(out[1], 0, T + 200 * kSec, [stem] { return levin::notification(2002, levin::new_transactions(stem, true)); });
}

void scenario_anomalies(Builder& b) {
  Node& v = make_vantage(b, "198.51.100.10");
  b.sim().add_file({"anomalies.pcapng", 0, 0, UINT64_MAX, true});
  const Ns T = kEpoch;
  const Ns D = 1200 * kSec;
  b.set_end(T + D);
  Rng r = b.rng().fork(0xa70);
  auto at = [&](unsigned s) { return T + static_cast<Ns>(s) * kSec + static_cast<Ns>(r.below(900)) * kMs; };

  // standard peers: 4 inbound, 2 outbound, whole capture; st4/st5 send all-IPv4 250-entry lists
  const char* st_ips[] = {"203.0.113.11", "192.0.2.21", "198.18.7.31", "198.19.200.51", "198.18.130.17",
                          "198.19.14.61"};
  std::vector<Node*> st;
  for (int i = 0; i < 6; ++i) st.push_back(&standard_peer(b, "st" + std::to_string(i + 1), st_ips[i], i == 3 || i == 4));
  for (int i = 0; i < 4; ++i) b.session({st[i], &v, at(2 + 9 * i)});
  for (int i = 4; i < 6; ++i) b.session({&v, st[i], at(40 + 9 * i)});
  // st1 also makes 3 handshake-and-close probes (< 1 s): normal gray-list housekeeping, <= 10
  for (int k = 0; k < 3; ++k) b.session({st[0], &v, at(300 + 200 * k), 400 * kMs, 0, false, false});

  // sf_omission: v0.17-like node (no support_flags; 1007 after every handshake)
  Node& sf = b.node("sf1", "198.18.131.131");
  sf.white = b.standard_white(60, 2, 10);
  sf.nd.support_flags.reset();
  sf.old_node = true;
  sf.classes = {"sf_omission"};
  sf.why = "node_data without support_flags (pre-v0.18 node); vantage sends 1007";
  b.session({&sf, &v, at(60), 600 * kSec, 0});

  // ls_transmission: standard-diversity lists whose entries carry last_seen
  Node& ls = standard_peer(b, "ls1", "198.18.33.141");
  for (auto& e : ls.white) e.last_seen = static_cast<int64_t>(kEpoch / kSec) - static_cast<int64_t>(r.below(86400));
  ls.classes = {"ls_transmission"};
  ls.why = "peer-list entries carry last_seen";
  b.session({&ls, &v, at(70), 600 * kSec, 0});

  // pl_diversity + ls_transmission + ban_listed: like the real 100.42.27.58 (outbound, port 18085)
  Node& pd = b.node("pd1", "100.42.27.58", 18085);
  pd.white = b.lowdiv_white(250, true);
  pd.classes = {"pl_diversity", "ls_transmission", "ban_listed"};
  pd.why = "250-entry handshake list over 4 LinkingLion /24s (diversity 0.016), all entries with last_seen; IP in ban-listed 100.42.27.0/24";
  b.session({&v, &pd, at(90), 400 * kSec, 0});

  // pl_similarity: 5 IPs that answer every timed sync with the same 250 IPv4 entries (100 /24s)
  {
    std::vector<PeerEntry> clone;
    auto base = b.standard_white(100, 3, 0);
    for (size_t i = 0; i < 250; ++i) clone.push_back(base[i]);
    const char* ps_ips[] = {"198.18.61.151", "198.19.62.152", "198.18.163.153", "198.19.164.154", "198.18.155.155"};
    for (int i = 0; i < 5; ++i) {
      Node& p = b.node("ps" + std::to_string(i + 1), ps_ips[i]);
      p.white = clone;
      p.full_list_every_ts = true;
      p.classes = {"pl_similarity"};
      p.why = "answers each timed sync with the same 250 entries as ps1-ps5 (/24 Jaccard 1.0)";
      if (i == 4) { p.sig_only = true; p.classes.push_back("sig_only"); p.why += "; writes the signature in its own segment"; }
      b.session({&p, &v, at(120 + 13 * i), 170 * kSec, 0});
    }
  }

  // id_anomaly (a): one IP reusing an old peer_id (A -> B -> A)
  Node& idr = standard_peer(b, "id1", "198.18.171.171");
  {
    const uint64_t A = r.next(), B = r.next();
    idr.id_seq = {A, B, A};
  }
  idr.classes = {"id_anomaly"};
  idr.why = "peer_id sequence A, B, A over three connections";
  idr.white = b.standard_white(40, 2, 0);
  for (int k = 0; k < 3; ++k) b.session({&idr, &v, at(200 + 250 * k), 70 * kSec, 0});
  // id_anomaly (b): two IPs with 3 ids each sharing one id -> one ID:IP cluster
  {
    const uint64_t x1 = r.next(), x2 = r.next(), x3 = r.next(), x4 = r.next(), x5 = r.next();
    Node& c1 = b.node("ic1", "198.18.181.181");
    Node& c2 = b.node("ic2", "198.19.182.182");
    c1.id_seq = {x1, x2, x3};
    c2.id_seq = {x3, x4, x5};
    for (Node* c : {&c1, &c2}) {
      c->white = b.standard_white(40, 2, 0);
      c->classes = {"id_anomaly"};
      c->why = "3 distinct peer_ids, one shared with the other cluster member (ID:IP cluster ic1+ic2)";
    }
    for (int k = 0; k < 3; ++k) {
      b.session({&c1, &v, at(230 + 300 * k), 50 * kSec, 0});
      b.session({&c2, &v, at(260 + 300 * k), 50 * kSec, 0});
    }
  }

  // short_lived: > 10 handshake-and-close connections (< 1 s), crawler style (my_port 0)
  Node& sl = b.node("sl1", "198.18.191.191");
  sl.nd.my_port = 0;
  sl.classes = {"short_lived"};
  sl.why = "14 connections with handshake then close after ~0.4 s";
  for (int k = 0; k < 14; ++k) b.session({&sl, &v, at(100 + 97 * k), 400 * kMs, 0, false, false});
  Node& sl2 = b.node("sl2", "198.19.192.192");
  sl2.nd.my_port = 0;
  sl2.sig_only = true;
  sl2.classes = {"short_lived", "sig_only"};
  sl2.why = "12 short-lived connections, every message's signature in its own TCP segment";
  for (int k = 0; k < 12; ++k) b.session({&sl2, &v, at(130 + 111 * k), 600 * kMs, 0, false, false});

  // ping_flooding: handshake, then 5 pings on the same connection (proxy-checker pattern)
  auto pinger = [&](Node& p, unsigned start, int n) {
    auto s = b.session({&p, &v, at(start), 150 * kSec, 0});
    MsgMeta pong;
    pong.ping_peer_id = v.nd.peer_id;
    for (int k = 0; k < n; ++k)
      b.exchange(s, 0, T + static_cast<Ns>(start + 5 + 9 * k) * kSec + kSec,
                 [] { return levin::request(1003, levin::empty_body()); },
                 [&v] { return levin::response(1003, levin::ping_response(v.nd.peer_id)); }, {}, pong);
  };
  Node& pf = standard_peer(b, "pf1", "198.19.201.201");
  pf.white = b.standard_white(40, 2, 0);
  pf.classes = {"ping_flooding"};
  pf.why = "5 ping requests on the handshaked connection";
  pinger(pf, 400, 5);
  Node& pf2 = b.node("pf2", "91.198.115.23");
  pf2.white = b.lowdiv_white(30, false);
  pf2.sig_only = true;
  pf2.pings_back = false;
  pf2.classes = {"ping_flooding", "sig_only", "ban_listed"};
  pf2.why = "spy-like: 4 pings after the handshake, signature-only segments, IP in ban-listed 91.198.115.0/24";
  pinger(pf2, 700, 4);

  // throttled_ts: timed sync every 180 s (and 150 s + sf omission) on long connections
  Node& tt = standard_peer(b, "tt1", "198.18.211.211");
  tt.ts_interval = 180 * kSec;
  tt.classes = {"throttled_ts"};
  tt.why = "sends timed sync every 180 s on a 19 min connection";
  b.session({&tt, &v, at(20), 1140 * kSec, 0});
  Node& tt2 = b.node("tt2", "198.18.212.212");
  tt2.white = b.standard_white(60, 2, 0);
  tt2.ts_interval = 150 * kSec;
  tt2.nd.support_flags.reset();
  tt2.old_node = true;
  tt2.classes = {"throttled_ts", "sf_omission"};
  tt2.why = "timed sync every 150 s and no support_flags";
  b.session({&tt2, &v, at(25), 1000 * kSec, 0});

  // sig_only: otherwise standard
  Node& so = standard_peer(b, "so1", "198.19.221.221");
  so.sig_only = true;
  so.classes = {"sig_only"};
  so.why = "writes every message's 8 signature bytes in a TCP segment of their own";
  b.session({&so, &v, at(30), 800 * kSec, 0});

  // ban_listed only
  Node& bl = standard_peer(b, "bl1", "193.142.4.77");
  bl.classes = {"ban_listed"};
  bl.why = "standard behaviour from an IP inside ban-listed 193.142.4.0/24";
  b.session({&v, &bl, at(35), 700 * kSec, 0});

  // subnet_saturation: 8 connecting IPs inside one LinkingLion /24 (also ban-listed)
  for (int i = 0; i < 8; ++i) {
    Node& p = b.node("sat" + std::to_string(i + 1), "162.218.65." + std::to_string(10 + 11 * i));
    p.white = b.standard_white(20, 2, 0);
    p.classes = {"ban_listed"};
    p.why = "one of 8 connecting IPs in 162.218.65.0/24 (LinkingLion, ban-listed)";
    b.session({&p, &v, at(500 + 41 * i), 130 * kSec, 0});
  }
}

void scenario_multi(Builder& b) {
  Node* v[3] = {&make_vantage(b, "198.51.100.10"), &make_vantage(b, "198.51.100.20"), &make_vantage(b, "198.51.100.30")};
  for (int i = 0; i < 3; ++i) b.sim().add_file({"multi-v" + std::to_string(i + 1) + ".pcapng", i, 0, UINT64_MAX, true});
  const Ns T = kEpoch;
  b.set_end(T + 480 * kSec);
  Rng r = b.rng().fork(0x3a1);
  auto at = [&](unsigned s) { return T + static_cast<Ns>(s) * kSec + static_cast<Ns>(r.below(900)) * kMs; };
  const char* st_ips[] = {"203.0.113.11", "192.0.2.21", "198.18.7.31", "198.19.200.51"};
  for (int i = 0; i < 4; ++i) {
    Node& p = standard_peer(b, "s" + std::to_string(i + 1), st_ips[i], i % 2 == 1);
    p.why = "standard node connected to several vantages with one peer_id (must not be flagged)";
    for (int k = 0; k < 3; ++k)
      if (k != i % 3 || i < 3) b.session({&p, v[k], at(3 + 5 * i + 2 * k)});
  }
  // pl_similarity only when pooled over vantages: each IP sends one clone list per vantage
  {
    auto base = b.standard_white(100, 3, 0);
    std::vector<PeerEntry> clone(base.begin(), base.begin() + 250);
    const char* ips[] = {"198.18.61.151", "198.19.62.152", "192.0.2.153"};
    for (int i = 0; i < 3; ++i) {
      Node& p = b.node("pc" + std::to_string(i + 1), ips[i]);
      p.white = clone;
      p.full_list_every_ts = true;
      p.classes = {"pl_similarity"};
      p.why = "same 250-entry list at all 3 vantages; > 4 high-Jaccard pairs only when pooled over vantages";
      for (int k = 0; k < 3; ++k) b.session({&p, v[k], at(100 + 20 * i + 5 * k), 62 * kSec, 0});
    }
  }
  // ID anomalies across vantages
  const uint64_t a = r.next(), bb = r.next(), c = r.next(), d = r.next(), e = r.next(), x = r.next(), y = r.next();
  Node& m1 = b.node("mc1", "198.18.90.91");
  Node& m2 = b.node("mc2", "203.0.113.92");
  Node& m3 = b.node("mr1", "198.19.93.93");
  m1.id_seq = {a, bb, c};
  m2.id_seq = {c, d, e};
  m3.id_seq = {x, y, x};
  for (Node* m : {&m1, &m2, &m3}) {
    m->white = b.standard_white(30, 2, 0);
    m->classes = {"id_anomaly"};
  }
  m1.why = m2.why = "3 peer_ids each across v1/v2/v3, sharing one id: ID:IP cluster mc1+mc2";
  m3.why = "peer_id X at v1, Y at v2, X again at v3 (reuse, visible only when pooled)";
  for (int k = 0; k < 3; ++k) {
    b.session({&m1, v[k], at(180 + 70 * k), 40 * kSec, 0});
    b.session({&m2, v[k], at(195 + 70 * k), 40 * kSec, 0});
    b.session({&m3, v[k], at(210 + 70 * k), 40 * kSec, 0});
  }
}

}  // namespace
}  // namespace msc::synth

namespace msc::synth {
namespace {

void scenario_corner(Builder& b) {
  Node& v = make_vantage(b, "198.51.100.10");
  const Ns T = kEpoch;
  const Ns rot = T + 150 * kSec + 60 * kUs;  // rotation lands inside the big 2004 sent at T+150 s
  b.sim().add_file({"corner-a.pcapng", 0, 0, rot, true});
  b.sim().add_file({"corner-b.pcapng", 0, rot, UINT64_MAX, true});
  b.set_end(T + 300 * kSec);
  Rng r = b.rng().fork(0xc0);

  // c1: long connection split across the rotated files; a 2004 of ~20 KB straddles the rotation,
  // so corner-b.pcapng starts in the middle of a message.
  Node& p1 = standard_peer(b, "c1", "203.0.113.21");
  p1.white = b.standard_white(60, 2, 20);
  p1.why = "standard peer; its connection spans corner-a and corner-b, a 2004 crosses the rotation";
  auto s1 = b.session({&p1, &v, T + 2 * kSec});
  std::vector<levin::BlockEntry> blocks;
  for (int i = 0; i < 6; ++i) blocks.push_back({blob(r, 2500), txs(r, 2)});
  b.exchange(s1, 0, T + 150 * kSec, [blocks] { return levin::notification(2004, levin::response_get_objects(blocks, kBaseHeight + 9)); });

  // c2: three notifications coalesced in one TCP segment
  Node& p2 = standard_peer(b, "c2", "192.0.2.22");
  p2.white = b.standard_white(50, 2, 10);
  p2.why = "standard peer; sends 2002+2008+2010 in a single TCP segment";
  auto s2 = b.session({&v, &p2, T + 5 * kSec, 200 * kSec, 1});
  {
    auto tx = txs(r, 1);
    levin::BlockEntry nb{blob(r, 300), {}};
    auto pool = hashes(r, 2);
    b.sim().at(T + 40 * kSec, [&b, s2, tx, nb, pool, T] {
      Node& n = *s2->n[1];
      b.send(*s2, 1, T + 40 * kSec,
             {Builder::out(n, levin::notification(2002, levin::new_transactions(tx, false))),
              Builder::out(n, levin::notification(2008, levin::new_block(nb, kBaseHeight + 3))),
              Builder::out(n, levin::notification(2010, levin::txpool_complement(pool)))});
    });
  }

  // c3: signature alone, header split at byte 20, and one message cut into 100-byte segments
  Node& p3 = standard_peer(b, "c3", "198.18.3.33");
  p3.white = b.standard_white(50, 2, 0);
  p3.sig_only = true;
  p3.classes = {"sig_only"};
  p3.why = "signature-only first segments; also a header split at byte 20 and a 2002 in 100-byte segments";
  auto s3 = b.session({&p3, &v, T + 8 * kSec, 250 * kSec, 0});
  {
    auto tx = txs(r, 2);
    b.sim().at(T + 50 * kSec, [&b, s3, tx, T] {
      Outgoing o{levin::notification(2002, levin::new_transactions(tx, false)), {}, {20}};
      o.meta.note = "header split at byte 20";
      Ns x = b.send(*s3, 0, T + 50 * kSec, {o});
      Outgoing tiny{levin::notification(2002, levin::new_transactions(tx, false)), {}, {}};
      for (size_t c = 100; c < tiny.msg.size(); c += 100) tiny.cuts.push_back(c);
      tiny.meta.note = "one message in 100-byte segments";
      b.send(*s3, 0, x + 3 * kSec, {tiny});
    });
  }

  // c4: noise channel (tx-proxy local hop): dummies every ~10 s, a 2002 fragmented into 3 buckets,
  // a timed sync interleaved between fragments
  Node& p4 = standard_peer(b, "c4", "198.18.44.4", true);
  p4.white = b.standard_white(30, 2, 0);
  p4.port = 18083;
  p4.why = "noise/fragment channel (command 0, flags 0x0C dummies and B/-/E fragments)";
  p4.classes = {};
  auto s4 = b.session({&v, &p4, T + 12 * kSec, 0, 0, false, false});
  {
    auto tx = txs(r, 12);  // ~7 KB -> inner message > 3072 bytes -> fragmented
    auto frags = std::make_shared<std::vector<Message>>(
        levin::fragment(levin::notification(2002, levin::new_transactions(tx, false))));
    const int nf = static_cast<int>(frags->size());
    for (int k = 0; k < nf + 3; ++k) {
      const Ns t = T + static_cast<Ns>(20 + 11 * k) * kSec;
      b.sim().at(t, [&b, s4, frags, k, t, nf] {
        const bool frag = k >= 1 && k <= nf;
        Message m = frag ? (*frags)[k - 1] : levin::dummy();
        MsgMeta meta;
        meta.note = frag ? "fragment " + std::to_string(k) + "/" + std::to_string(nf) + " of a 2002" : "dummy";
        b.send(*s4, 0, t, {Builder::out(*s4->n[0], m, meta)});
      });
    }
    b.sim().at(T + 37 * kSec, [&b, s4] { b.timed_sync(s4, 0, b.sim().now()); });
  }

  // c5/c6: Tor and I2P zone inbound connections on the local hop (127.0.0.1), anonymous-zone
  // node_data (peer_id 1, my_port 0, no support_flags) and Tor / I2P peer entries
  for (int z = 0; z < 2; ++z) {
    const bool tor = z == 0;
    Node& va = vantage_alias(b, v, "127.0.0.1", tor ? 18083 : 18085);
    va.nd.peer_id = 1;
    va.nd.my_port = 0;
    va.nd.support_flags.reset();
    va.white.clear();
    Node& p = b.node(tor ? "tor1" : "i2p1", "127.0.0.1", tor ? 18083 : 18085);
    p.nd.peer_id = 1;
    p.nd.my_port = 0;
    p.nd.support_flags.reset();
    for (int k = 0; k < 12; ++k) {
      const auto t = tor ? levin::AddrType::Tor : levin::AddrType::I2P;
      const std::string host = tor ? Builder::b32(r, 56) + ".onion" : Builder::b32(r, 52) + ".b32.i2p";
      (k % 2 ? va.white : p.white).push_back(b.entry_anon(t, host, tor ? 18083 : 1));
    }
    p.classes = {"sf_omission"};
    p.why = std::string(tor ? "Tor" : "I2P") +
            "-zone peer via the local hop: anonymous node_data without support_flags (as the paper counts it)";
    b.session({&p, &va, T + static_cast<Ns>(15 + 5 * z) * kSec, 200 * kSec, 0});
  }

  // c7: IPv6 transport, peer list mixing IPv4/IPv6, closed by RST
  Node& v6 = vantage_alias(b, v, "2001:db8:5100::10", 18080);
  Node& p7 = standard_peer(b, "c7", "2001:db8:77::7");
  p7.white = b.standard_white(40, 2, 40);
  p7.why = "standard peer over IPv6; the vantage resets the connection";
  b.session({&p7, &v6, T + 25 * kSec, 130 * kSec, 1, true});

  // c8: Cuprate-like encoder: declaration-order keys and non-minimal varints (valid, not monerod)
  Node& p8 = standard_peer(b, "c8", "198.19.8.88");
  p8.white = b.standard_white(40, 2, 0);
  p8.style.unsorted = true;
  p8.style.varint_width = 4;
  p8.why = "well-formed but unsorted keys and 4-byte varints everywhere";
  auto s8 = b.session({&v, &p8, T + 30 * kSec, 200 * kSec, 0});
  protocol_traffic(b, s8, 1, T + 60 * kSec);

  // c9: legacy peer (local_time, 1004-1006 answered with -6, 2001)
  Node& l = b.node("c9", "192.0.2.99");
  l.white = b.standard_white(30, 2, 0);
  l.nd.support_flags.reset();
  l.nd.local_time = kEpoch / kSec + 5;
  l.old_node = true;
  l.classes = {"sf_omission"};
  l.why = "legacy node: local_time, no support_flags, 1004-1006 requests, 2001";
  auto s9 = b.session({&l, &v, T + 33 * kSec, 120 * kSec, 0});
  const std::string sign(64, '\x33');
  const uint64_t lid = l.nd.peer_id;
  b.exchange(s9, 0, T + 40 * kSec, [lid, sign] { return levin::request(1004, levin::stat_info_request(lid, kEpoch / kSec + 40, sign)); },
             [] { return levin::response(1004, "", -6); });
  b.exchange(s9, 0, T + 41 * kSec, [lid, sign] { return levin::request(1005, levin::network_state_request(lid, kEpoch / kSec + 41, sign)); },
             [] { return levin::response(1005, "", -6); });
  b.exchange(s9, 0, T + 42 * kSec, [] { return levin::request(1006, levin::empty_body()); },
             [] { return levin::response(1006, "", -6); });
  levin::BlockEntry blk{blob(r, 500), txs(r, 1)};
  b.exchange(s9, 0, T + 45 * kSec, [blk] { return levin::notification(2001, levin::new_block(blk, kBaseHeight + 1)); });
}

// Benchmark traffic that grows linearly with K: K x 100 peers (mixed in/out) over 2 h of timed
// syncs, a quarter re-sending full peer lists, 10 % also crawling (20 handshake-and-close
// connections each). About 37 MB and 26 k messages per unit of K; K = 28 gives > 1 GB.
// White lists look like the real network (docs/performance.md): a reachable network of 3,000
// IPv4 nodes (a quarter in 20 popular /24s of 198.18.0.0/16, the rest mostly alone in their /24
// of 100.64.0.0/12) and 60 IPv6 nodes; every honest peer keeps its own white list of 400 of them
// (a random subset, so honest lists share few /24s: /24 Jaccard around 0.05); one peer in 25 is
// part of a spy fleet whose members all announce the same 250 addresses of 6 /24s of
// 198.19.0.0/16 (identical lists from many IPs). White lists are indices into one shared pool of
// pre-encoded entries: memory stays flat. Streams to disk; no ground truth is kept.
// With rotate_s > 0 the 2 h are cut into files of rotate_s seconds each, as `dumpcap -b
// duration:rotate_s -w scale.pcapng` writes them (scale_00001_20250615150640.pcapng, ...): a
// connection or a message in flight at a cut continues in the next file.
void scenario_scale(Builder& b, unsigned k, unsigned rotate_s) {
  Node& v = make_vantage(b, "198.51.100.10");
  const Ns T = kEpoch;
  const Ns D = 7200 * kSec;
  if (rotate_s == 0) {
    b.sim().add_file({"scale.pcapng", 0, 0, UINT64_MAX, true});
  } else {
    const Ns step = static_cast<Ns>(rotate_s) * kSec;
    unsigned n = 0;
    for (Ns t = T; t < T + D; t += step) {
      const std::time_t secs = static_cast<std::time_t>(t / kSec);
      std::tm tm{};
      gmtime_r(&secs, &tm);
      char name[64];
      std::snprintf(name, sizeof name, "scale_%05u_%04d%02d%02d%02d%02d%02d.pcapng", ++n, tm.tm_year + 1900,
                    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
      b.sim().add_file({name, 0, n == 1 ? 0 : t, t + step >= T + D ? UINT64_MAX : t + step, true});
    }
  }
  b.set_end(T + D);
  Rng r = b.rng().fork(0x5ca1e);
  const unsigned peers = 100 * k;
  auto pool = std::make_shared<Node::Pool>();
  std::vector<uint16_t> fleet;
  size_t honest = 0;
  {
    Rng pr = b.rng().fork(0x9001);
    std::set<std::string> seen;
    auto add = [&](const std::string& ip, bool v6) {
      if (!seen.insert(ip).second) return;
      pool->entries.push_back(v6 ? b.entry_v6(ip) : b.entry_v4(ip));
      b.decorate(pool->entries.back(), pr);
    };
    while (seen.size() < 750) {  // popular /24s (hosting providers), skewed towards the first ones
      const unsigned n24 = static_cast<unsigned>(std::min<uint64_t>(19, (pr.below(20) * pr.below(20)) / 19));
      add("198.18." + std::to_string(n24) + "." + std::to_string(pr.range(1, 254)), false);
    }
    while (seen.size() < 3000) {  // the rest: one node per /24 mostly
      const uint64_t n24 = pr.below(4096);
      add("100." + std::to_string(64 + n24 / 256) + "." + std::to_string(n24 % 256) + "." + std::to_string(pr.range(1, 254)),
          false);
    }
    while (seen.size() < 3060) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "2001:db8:%x:%x::%x", static_cast<unsigned>(pr.range(1, 0xffff)),
                    static_cast<unsigned>(pr.range(0, 0xffff)), static_cast<unsigned>(pr.range(1, 0xffff)));
      add(buf, true);
    }
    honest = pool->entries.size();
    for (unsigned q = 0; q < 6; ++q)  // the spy fleet's own /24s
      for (unsigned h = 1; h <= 42; ++h) add("198.19." + std::to_string(q) + "." + std::to_string(h), false);
    pool->entries.resize(std::min<size_t>(pool->entries.size(), honest + 250));
    for (const auto& e : pool->entries) pool->enc.push_back(levin::encode_peer_entry(e, Style{}));
    for (size_t i = honest; i < pool->entries.size(); ++i) fleet.push_back(static_cast<uint16_t>(i));
  }
  std::vector<uint16_t> all(honest);
  for (size_t i = 0; i < honest; ++i) all[i] = static_cast<uint16_t>(i);
  Rng wr = b.rng().fork(0x3417e);
  for (unsigned i = 0; i < peers; ++i) {
    const unsigned net = i % 512;
    const std::string ip = "198." + std::to_string(18 + net / 256) + "." + std::to_string(net % 256) + "." +
                           std::to_string(1 + (i / 512) % 254);
    Node& p = b.node("p" + std::to_string(i), ip);
    p.pool = pool;
    if (i % 25 == 7) {
      p.white_idx = fleet;
      p.full_list_every_ts = true;
    } else {
      for (size_t j = 0; j < 400; ++j) std::swap(all[j], all[j + wr.below(all.size() - j)]);  // partial shuffle
      p.white_idx.assign(all.begin(), all.begin() + 400);
      p.full_list_every_ts = (i % 4 == 0);  // a quarter re-send full lists every timed sync
    }
    const Ns start = T + static_cast<Ns>(r.below(static_cast<uint64_t>(D / kSec / 4))) * kSec;
    const Ns dur = static_cast<Ns>(r.range(600, static_cast<int64_t>(D / kSec))) * kSec;
    if (i % 3 == 0) b.session({&v, &p, start, std::min(dur, T + D - start), 0});
    else b.session({&p, &v, start, std::min(dur, T + D - start), 0});
    if (i % 10 == 0)  // crawler-style handshake-and-close connections
      for (int c = 0; c < 20; ++c)
        b.session({&p, &v, T + static_cast<Ns>(r.below(D / kSec)) * kSec, 300 * kMs, 0, false, false});
  }
}

}  // namespace

const std::vector<std::string>& scenario_names() {
  static const std::vector<std::string> n = {"basic", "anomalies", "corner", "multi", "scale"};
  return n;
}

RunStats run_scenario(const RunOptions& opt) {
  const auto t0 = std::chrono::steady_clock::now();
  const bool truth = opt.scenario != "scale";
  Builder b(opt.scenario, opt.seed, truth);
  if (opt.scenario == "basic") scenario_basic(b);
  else if (opt.scenario == "anomalies") scenario_anomalies(b);
  else if (opt.scenario == "corner") scenario_corner(b);
  else if (opt.scenario == "multi") scenario_multi(b);
  else if (opt.scenario == "scale") scenario_scale(b, opt.scale ? opt.scale : 1, opt.rotate_seconds);
  else throw std::invalid_argument("unknown scenario: " + opt.scenario);
  b.sim().open_files(opt.out_dir);
  // close every still-open session at the end of the capture window? No: like a live capture,
  // connections that are still open simply stop being recorded (closed_by "none").
  b.sim().run();
  b.sim().finish();
  RunStats st;
  st.frames = b.sim().frames_written();
  st.bytes = b.sim().bytes_written();
  st.messages = b.sim().messages_sent();
  for (const auto& f : b.sim().files()) st.files.push_back(f.name);
  if (truth) {
    st.connections = b.sim().conns().size();
    const std::string path = opt.out_dir + "/" + opt.scenario + ".truth.json";
    std::ofstream o(path, std::ios::binary);
    o << dump_truth(b.truth_json());
    if (!o) throw std::runtime_error("cannot write " + path);
    st.files.push_back(opt.scenario + ".truth.json");
  }
  st.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return st;
}

}  // namespace msc::synth

namespace msc::synth {
namespace {

struct Defect {
  std::string name;
  std::string description;
  std::string monerod;  // how monerod v0.18.4 reacts
  std::function<Message(Rng&)> make;
  size_t defect_offset;  // offset of the defect inside the Levin message (header included)
  bool truncate_and_fin = false;  // stream ends before m_cb bytes
};

std::string storage_with(const std::string& section_bytes) { return epee::storage_header() + section_bytes; }

std::vector<Defect> defects() {
  using levin::request;
  std::vector<Defect> d;
  d.push_back({"bad_signature", "Levin signature 01 21 01 01 01 01 01 02 instead of 01 21 01 01 01 01 01 01",
               "closes the connection after 8 bytes",
               [](Rng&) { Message m = request(1003, levin::empty_body()); m.h.signature = 0x0201010101012101ULL; return m; }, 7});
  d.push_back({"absurd_length", "m_cb = 0x8000000000000000 (2^63) followed by a 10-byte body",
               "closes the connection (m_cb above the 256 KiB pre-handshake limit)",
               [](Rng&) { Message m = request(1001, levin::empty_body()); m.h.cb = 0x8000000000000000ULL; return m; }, 8});
  d.push_back({"oversize_length", "m_cb = 150000000 (above the 100 MB cap) followed by 2000 bytes",
               "closes the connection",
               [](Rng& r) { Message m = levin::notification(2002, blob(r, 2000)); m.h.cb = 150000000; return m; }, 8});
  d.push_back({"truncated_payload", "m_cb = 5000 but only 1000 body bytes follow before FIN",
               "waits for the rest; the connection then closes",
               [](Rng& r) { Message m = levin::notification(2002, levin::new_transactions({blob(r, 950)}, false)); m.h.cb = 5000; return m; }, 33, true});
  d.push_back({"deep_nesting", "1001 request whose body nests 200 objects (key \"a\", type 12) inside each other",
               "rejects the body (recursion limit), answers -1",
               [](Rng&) {
                 std::string s;
                 for (int i = 0; i < 200; ++i) s += std::string("\x01\x01" "a\x0c", 4);
                 s += std::string("\x00", 1);
                 return request(1001, storage_with(s));
               }, 33 + 9});
  d.push_back({"huge_array_count", "array of UINT64 (0x85) whose varint count is 2^40 with 16 bytes of data",
               "rejects (count > remaining/8)",
               [](Rng&) {
                 std::string s("\x04", 1);
                 s += "\x05" "items" "\x85";
                 epee::put_varint(s, uint64_t{1} << 40);
                 s += std::string(16, '\x07');
                 return request(1002, storage_with(s));
               }, 33 + 9 + 1 + 6 + 1});
  d.push_back({"huge_string_length", "STRING whose varint length is 2^61 with 4 bytes of data",
               "rejects (length > remaining bytes)",
               [](Rng&) {
                 std::string s("\x04", 1);
                 s += "\x06" "status" "\x0a";
                 epee::put_varint(s, uint64_t{1} << 61);
                 s += "OKOK";
                 return levin::response(1003, storage_with(s));
               }, 33 + 9 + 1 + 7 + 1});
  d.push_back({"unknown_type_codes", "entries with type codes 14, 0x8e and 0",
               "rejects (unknown entry type)",
               [](Rng&) {
                 std::string s("\x0c", 1);  // 3 entries
                 s += std::string("\x01" "x" "\x0e" "\x01\x02\x03\x04", 8);
                 s += std::string("\x01" "y" "\x8e" "\x04" "\x01\x02", 6);
                 s += std::string("\x01" "z" "\x00" "\x00", 4);
                 return levin::notification(2002, storage_with(s));
               }, 33 + 9 + 1 + 2});
  d.push_back({"nonminimal_varints", "valid 1002 request with every varint written as 8 bytes",
               "accepts (readers take non-minimal varints); never emitted by monerod",
               [](Rng&) {
                 levin::SyncData sd;
                 sd.current_height = kBaseHeight;
                 sd.cumulative_difficulty = kBaseHeight * 297000000000ULL;
                 Style st;
                 st.varint_width = 8;
                 return request(1002, levin::timed_sync_request(sd, st));
               }, 33 + 9});
  d.push_back({"duplicate_keys", "1001 request whose root section has node_data twice",
               "rejects (duplicate key, since v0.17.1.9)",
               [](Rng&) {
                 levin::NodeData nd;
                 nd.peer_id = 0x1122334455667788ULL;
                 levin::SyncData sd;
                 sd.current_height = kBaseHeight;
                 epee::Section s;
                 s.add("node_data", epee::Value::object(levin::node_data_section(nd)));
                 s.add("node_data", epee::Value::object(levin::node_data_section(nd)));
                 s.add("payload_data", epee::Value::object(levin::sync_section(sd)));
                 return request(1001, epee::encode(s));
               }, 33 + 9 + 1});
  d.push_back({"bad_storage_magic", "1003 request whose portable-storage header is 01 11 01 01 01 01 02 01 02 (version 2)",
               "rejects the body, answers -1",
               [](Rng&) { std::string b = levin::empty_body(); b[8] = 2; return request(1003, b); }, 33 + 8});
  d.push_back({"bool_out_of_range", "2003 request with prune (BOOL) = 7", "rejects (bool must be 0 or 1)",
               [](Rng&) {
                 std::string s("\x08", 1);
                 s += "\x06" "blocks" "\x0a";
                 epee::put_varint(s, 32);
                 s += std::string(32, '\x42');
                 s += std::string("\x05" "prune" "\x0b" "\x07", 8);
                 return levin::notification(2003, storage_with(s));
               }, 33 + 9 + 1 + 8 + 1 + 32 + 7});
  return d;
}

}  // namespace

RunStats write_malformed(const std::string& out_dir, uint64_t seed) {
  RunStats st;
  const auto t0 = std::chrono::steady_clock::now();
  uint64_t i = 0;
  for (const auto& d : defects()) {
    Builder b("malformed", seed + i++, true);
    Node& v = make_vantage(b, "198.51.100.10");
    Node& p = b.node("m", "203.0.113.66");
    b.sim().add_file({d.name + ".pcap", 0, 0, UINT64_MAX, false});
    Rng r(seed * 1000 + i);
    Message m = d.make(r);
    const Ns t = kEpoch + kSec;
    auto c = b.connect(p, v, v.port, 0, 1, "malformed");
    b.sim().at(t, [&, c, m, t] {
      Ns x = c->open(t);
      Outgoing o{m, {}, {}};
      o.meta.well_formed = false;
      o.meta.note = d.name;
      x = c->send(0, x + 100 * kUs, {o});
      if (d.truncate_and_fin) c->fin(0, x + 2 * kSec);
      else c->rst(1, c->reply_at(1, x));
    });
    b.sim().open_files(out_dir);
    b.sim().run();
    b.sim().finish();
    const MsgTruth& mt = b.sim().messages().at(0);
    json j;
    j["defect"] = d.name;
    j["file"] = d.name + ".pcap";
    j["generator"] = kGeneratorVersion;
    j["seed"] = seed;
    j["description"] = d.description;
    j["monerod_v0_18_4"] = d.monerod;
    j["sender"] = p.ip.str() + ":" + std::to_string(c->ep(0).port);
    j["receiver"] = v.ip.str() + ":" + std::to_string(v.port);
    j["first_frame"] = mt.first_frame;
    j["last_frame"] = mt.frame;
    j["message_bytes_on_wire"] = mt.wire_len;
    j["m_cb"] = mt.h.cb;
    j["command"] = mt.h.command;
    j["defect_offset_in_message"] = d.defect_offset;
    j["levin_header_hex"] = [&] {
      std::string h = levin::encode_header(m.h), s;
      char buf[4];
      for (unsigned char ch : h) { std::snprintf(buf, sizeof buf, "%02x", ch); s += buf; }
      return s;
    }();
    std::ofstream o(out_dir + "/" + d.name + ".json", std::ios::binary);
    o << j.dump(2) << "\n";
    st.files.push_back(d.name + ".pcap");
    st.frames += b.sim().frames_written();
    st.bytes += b.sim().bytes_written();
    ++st.messages;
  }
  st.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return st;
}

}  // namespace msc::synth

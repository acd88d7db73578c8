// Unit tests of the msc-synth encoder, frame builder, capture writers and simulator against
// hand-computed bytes (levin-protocol.md §1.5 and §3.2 vectors, RFC 1071 example).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "epee.h"
#include "levin.h"
#include "net.h"
#include "scenario.h"
#include "sim.h"

using namespace msc::synth;

namespace {
std::string hex(const std::string& s) {
  static const char* d = "0123456789abcdef";
  std::string o;
  for (unsigned char c : s) { o.push_back(d[c >> 4]); o.push_back(d[c & 15]); }
  return o;
}
std::string unhex(const std::string& h) {
  std::string o;
  for (size_t i = 0; i + 1 < h.size(); i += 2) {
    if (h[i] == ' ') { --i; continue; }
    o.push_back(static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16)));
  }
  return o;
}
std::string varint(uint64_t v, unsigned w = 0) {
  std::string s;
  epee::put_varint(s, v, w);
  return hex(s);
}
std::string slurp(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}
uint32_t le32(const std::string& s, size_t at) {
  return uint32_t(uint8_t(s[at])) | uint32_t(uint8_t(s[at + 1])) << 8 | uint32_t(uint8_t(s[at + 2])) << 16 |
         uint32_t(uint8_t(s[at + 3])) << 24;
}
std::filesystem::path tmpdir(const std::string& name) {
  auto p = std::filesystem::temp_directory_path() / ("msc-synth-test-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p;
}
}  // namespace

TEST_CASE("epee varint: levin-protocol.md §3.2 examples") {
  CHECK(varint(0) == "00");
  CHECK(varint(7) == "1c");
  CHECK(varint(63) == "fc");
  CHECK(varint(64) == "0101");
  CHECK(varint(101) == "9501");
  CHECK(varint(16383) == "fdff");
  CHECK(varint(16384) == "02000100");
  CHECK(varint(17000) == "a2090100");
  CHECK(varint(1073741824) == "0300000001000000");
  CHECK(varint(epee::kVarintMax) == "ffffffffffffffff");
  CHECK_THROWS_AS(varint(epee::kVarintMax + 1), std::invalid_argument);
}

TEST_CASE("epee varint: non-minimal widths") {
  CHECK(varint(7, 2) == "1d00");
  CHECK(varint(7, 4) == "1e000000");
  CHECK(varint(7, 8) == "1f00000000000000");
  CHECK(varint(64, 1) == "0101");  // width below minimum is widened, never truncated
  CHECK_THROWS_AS(varint(1, 3), std::invalid_argument);
}

TEST_CASE("portable storage: sorted keys like monerod, declaration order on request, duplicates kept") {
  epee::Section s;
  s.add("b", epee::Value::u8(2));
  s.add("a", epee::Value::u8(1));
  CHECK(hex(epee::encode(s)) == "011101010101020101" "08" "0161" "08" "01" "0162" "08" "02");
  s.keep_order = true;
  CHECK(hex(epee::encode(s)) == "011101010101020101" "08" "0162" "08" "02" "0161" "08" "01");
  epee::Section d;
  d.add("k", epee::Value::u8(1)).add("k", epee::Value::u8(1));
  CHECK(hex(epee::encode(d)) == "011101010101020101" "08" "016b0801" "016b0801");
  epee::Options o;
  o.varint_width = 4;
  epee::Section e;
  e.add("s", epee::Value::string("OK"));
  CHECK(hex(epee::encode(e, o)) == "011101010101020101" "06000000" "01730a" "0a000000" "4f4b");
  epee::Section bad;
  bad.add("", epee::Value::u8(1));
  CHECK_THROWS(epee::encode(bad));
}

TEST_CASE("portable storage: typed arrays and nested objects") {
  epee::Section inner;
  inner.add("x", epee::Value::u16(0x1234));
  epee::Section s;
  s.add("o", epee::Value::array_of(epee::OBJ, {epee::Value::object(inner), epee::Value::object(inner)}));
  s.add("v", epee::Value::array_of(epee::U32, {epee::Value::u32(1), epee::Value::u32(0x01020304)}));
  CHECK(hex(epee::encode(s)) == "011101010101020101" "08"
                                "016f8c" "08" "04" "0178073412" "04" "0178073412"
                                "01768608" "01000000" "04030201");
}

TEST_CASE("Levin §1.5 vector: 1003 request") {
  const auto m = levin::request(1003, levin::empty_body());
  CHECK(hex(m.bytes()) == "0121010101010101" "0a00000000000000" "01" "eb030000" "00000000" "01000000" "01000000"
                          "01110101010102010100");
  CHECK(levin::classify(m.h) == levin::REQUEST);
}

TEST_CASE("Levin §1.5 vector: 1003 response with peer_id 0x0123456789abcdef") {
  const auto m = levin::response(1003, levin::ping_response(0x0123456789abcdefULL));
  CHECK(m.h.cb == 38);
  CHECK(hex(m.bytes()) ==
        "0121010101010101" "2600000000000000" "00" "eb030000" "01000000" "02000000" "01000000"
        "011101010101020101" "08" "07" + hex("peer_id") + "05" "efcdab8967452301" "06" + hex("status") + "0a" "08" "4f4b");
  CHECK(levin::classify(m.h) == levin::RESPONSE);
}

TEST_CASE("Levin §1.5 vector: 3072-byte dummy and §2.2 fragmentation example") {
  const auto d = levin::dummy();
  CHECK(hex(levin::encode_header(d.h)) ==
        "0121010101010101" "df0b000000000000" "00" "00000000" "00000000" "0c000000" "01000000");
  CHECK(d.size() == 3072);
  CHECK(d.body == std::string(3039, '\0'));
  CHECK(levin::classify(d.h) == levin::DUMMY);
  // 7000-byte 2002 body -> inner 7033 bytes -> 3 fragments, 9216 bytes on the wire
  const auto inner = levin::notification(2002, std::string(7000, 'x'));
  const auto f = levin::fragment(inner);
  REQUIRE(f.size() == 3);
  CHECK(f[0].h.flags == levin::B);
  CHECK(f[1].h.flags == 0);
  CHECK(f[2].h.flags == levin::E);
  size_t wire = 0;
  for (const auto& x : f) {
    CHECK(x.h.cb == 3039);
    CHECK(x.h.command == 0);
    wire += x.size();
  }
  CHECK(wire == 9216);
  CHECK(levin::classify(f[0].h) == levin::FRAG_BEGIN);
  CHECK(levin::classify(f[1].h) == levin::FRAG_MIDDLE);
  CHECK(levin::classify(f[2].h) == levin::FRAG_END);
  const std::string joined = f[0].body + f[1].body + f[2].body;
  CHECK(joined.substr(0, 7033) == inner.bytes());
  CHECK(joined.substr(7033) == std::string(3 * 3039 - 7033, '\0'));
  CHECK_THROWS(levin::fragment(levin::notification(2002, "small")));
}

TEST_CASE("peer entries: IPv4 octets in wire order, sorted keys adr<id, addr<type") {
  levin::PeerEntry e;
  e.adr.ip = Ip::parse("107.200.125.246").b;
  e.adr.port = 18080;
  e.id = 0x1122334455667788ULL;
  const std::string enc = levin::encode_peer_entry(e);
  CHECK(hex(enc) == "08" "03" + hex("adr") + "0c" "08" "04" + hex("addr") + "0c" "08" "04" + hex("m_ip") + "06" "6bc87df6" "06" +
                        hex("m_port") + "07" "a046" "04" + hex("type") + "08" "01"
                        "02" + hex("id") + "05" "8877665544332211");
  levin::PeerEntry t;
  t.adr.type = levin::AddrType::Tor;
  t.adr.host = "abc.onion";
  t.adr.port = 18083;
  t.last_seen = 1700000000;
  const std::string te = levin::encode_peer_entry(t);
  CHECK(te.find("host") != std::string::npos);
  CHECK(te.find("last_seen") != std::string::npos);
}

TEST_CASE("node_data: support_flags omitted when unset, local_time legacy key, unsorted style") {
  levin::NodeData nd;
  nd.peer_id = 5;
  auto with = levin::handshake_request(nd, {});
  CHECK(with.find("support_flags") != std::string::npos);
  nd.support_flags.reset();
  nd.local_time = 1234;
  auto without = levin::handshake_request(nd, {});
  CHECK(without.find("support_flags") == std::string::npos);
  CHECK(without.find("local_time") != std::string::npos);
  levin::Style st;
  st.unsorted = true;
  auto uns = levin::handshake_request(nd, {}, st);
  CHECK(uns.find("payload_data") < uns.find("node_data"));
  CHECK(with.find("node_data") < with.find("payload_data"));
}

TEST_CASE("RFC 1071 checksum example and frame checksums verify") {
  const std::string ex = unhex("0001f203f4f5f6f7");
  CHECK(csum_add(0, reinterpret_cast<const uint8_t*>(ex.data()), ex.size()) == 0xddf2);
  CHECK(csum_fold(0xddf2) == 0x220d);
  for (const char* a : {"198.51.100.10", "2001:db8::10"}) {
    const bool v6 = std::string(a).find(':') != std::string::npos;
    Endpoint s{Ip::parse(a), 18080}, d{Ip::parse(v6 ? "2001:db8::20" : "203.0.113.5"), 40000};
    const std::string f = build_tcp_frame(s, d, 1000, 2000, ACK | PSH, 64240, "hello levin", 7);
    const auto* u = reinterpret_cast<const uint8_t*>(f.data());
    size_t tcp_at;
    uint32_t acc = 0;
    if (!v6) {
      CHECK(csum_fold(csum_add(0, u + kEthLen, 20)) == 0);  // header incl. checksum folds to 0
      tcp_at = kEthLen + 20;
      acc = csum_add(acc, u + kEthLen + 12, 8);
      const uint8_t tail[4] = {0, 6, 0, static_cast<uint8_t>(f.size() - tcp_at)};
      acc = csum_add(acc, tail, 4);
    } else {
      tcp_at = kEthLen + 40;
      acc = csum_add(acc, u + kEthLen + 8, 32);
      const uint8_t tail[8] = {0, 0, 0, static_cast<uint8_t>(f.size() - tcp_at), 0, 0, 0, 6};
      acc = csum_add(acc, tail, 8);
    }
    acc = csum_add(acc, u + tcp_at, f.size() - tcp_at);
    CHECK(csum_fold(acc) == 0);
    CHECK(f.substr(f.size() - 11) == "hello levin");
  }
  CHECK_THROWS(build_tcp_frame({Ip::parse("192.0.2.1"), 1}, {Ip::parse("2001:db8::1"), 2}, 0, 0, ACK, 1, "", 0));
  CHECK_THROWS(Ip::parse("not an ip"));
  CHECK(Ip::parse("2001:db8:0:0:0:0:0:1").str() == "2001:db8::1");
}

TEST_CASE("pcap and pcapng writers: structure") {
  const auto dir = tmpdir("writers");
  const std::string frame(61, 'z');
  {
    PcapWriter w((dir / "a.pcap").string());
    w.write(1750000000123456789ULL, frame);
    w.close();
  }
  const std::string p = slurp((dir / "a.pcap").string());
  REQUIRE(p.size() == 24 + 16 + 61);
  CHECK(le32(p, 0) == 0xa1b23c4d);
  CHECK(le32(p, 20) == 1);
  CHECK(le32(p, 24) == 1750000000u);
  CHECK(le32(p, 28) == 123456789u);
  CHECK(le32(p, 32) == 61);
  {
    PcapngWriter w((dir / "a.pcapng").string(), "v1");
    w.write(1750000000123456789ULL, frame);
    w.write(1750000001000000000ULL, frame + "x");
    w.close();
  }
  const std::string n = slurp((dir / "a.pcapng").string());
  size_t off = 0;
  std::vector<uint32_t> types;
  while (off < n.size()) {
    const uint32_t t = le32(n, off), len = le32(n, off + 4);
    REQUIRE(len % 4 == 0);
    REQUIRE(off + len <= n.size());
    CHECK(le32(n, off + len - 4) == len);
    types.push_back(t);
    if (t == 6 && types.size() == 3) {
      const uint64_t ts = uint64_t(le32(n, off + 12)) << 32 | le32(n, off + 16);
      CHECK(ts == 1750000000123456789ULL);
      CHECK(le32(n, off + 20) == 61);
    }
    off += len;
  }
  CHECK(types == std::vector<uint32_t>{0x0A0D0D0A, 1, 6, 6});
  CHECK(n.find(std::string("\x09\x00\x01\x00\x09", 5)) != std::string::npos);  // if_tsresol = 9
  std::filesystem::remove_all(dir);
}

TEST_CASE("simulator: seq/ack, MSS segmentation, explicit cuts and ground-truth annotations") {
  const auto dir = tmpdir("sim");
  Sim sim(true);
  sim.add_file({"s.pcap", 0, 0, UINT64_MAX, false});
  sim.open_files(dir.string());
  Endpoint a{Ip::parse("203.0.113.7"), 45000}, b{Ip::parse("198.51.100.10"), 18080};
  auto c = sim.connect(a, b, 0, 1, 50 * kMs, "test", 1000, 5000);
  sim.at(kSec, [&] {
    Ns t = c->open(kSec);
    Outgoing big{levin::notification(2002, std::string(5000, 'q')), {}, {8}};        // sig alone, then MSS
    Outgoing small1{levin::request(1003, levin::empty_body()), {}, {20}};             // header split at 20
    Outgoing small2{levin::response(1007, levin::support_flags_response(1)), {}, {}};
    t = c->send(0, t + kMs, {big});
    t = c->send(0, t + kMs, {small1, small2});
    c->fin(0, t + kSec);
  });
  sim.run();
  sim.finish();
  const auto& m = sim.messages();
  REQUIRE(m.size() == 3);
  CHECK(m[0].sig_only);
  CHECK(m[0].segments == 1 + 4);  // 8 | 1460 | 1460 | 1460 | 645  (5033 bytes)
  CHECK(m[0].first_segment_len == 8);
  CHECK(m[0].header_split);
  CHECK(m[0].first_frame == 4);
  CHECK(m[0].frame == 8);  // frames 4..8
  CHECK_FALSE(m[1].sig_only);
  CHECK(m[1].header_split);
  CHECK(m[1].segments == 2);
  CHECK(m[1].first_segment_len == 20);
  CHECK(m[2].segments == 1);
  CHECK(m[2].frame == m[1].frame);  // second segment of the write carries the end of 1003 and all of 1007
  CHECK(m[1].index_in_frame == 0);
  CHECK(m[2].index_in_frame == 1);
  CHECK(m[2].msg_type == levin::RESPONSE);
  const auto& ct = sim.conns().at(0);
  CHECK(ct.closed_by == "fin");
  CHECK(ct.messages == 3);
  CHECK(ct.syn);
  CHECK(ct.streams.at(0) == 0);
  // sequence numbers: walk the capture and check that every data segment continues the stream
  const std::string p = slurp((dir / "s.pcap").string());
  size_t off = 24;
  uint32_t next[2] = {0, 0};
  bool have[2] = {false, false};
  int frames = 0;
  while (off < p.size()) {
    const uint32_t len = le32(p, off + 8);
    const std::string f = p.substr(off + 16, len);
    off += 16 + len;
    ++frames;
    const int dir_ = f.substr(kEthLen + 12, 4) == std::string("\xcb\x00\x71\x07", 4) ? 0 : 1;
    auto be32 = [&](size_t at) {
      return uint32_t(uint8_t(f[at])) << 24 | uint32_t(uint8_t(f[at + 1])) << 16 | uint32_t(uint8_t(f[at + 2])) << 8 |
             uint32_t(uint8_t(f[at + 3]));
    };
    const size_t tcp = kEthLen + 20;
    const uint32_t seq = be32(tcp + 4);
    const uint8_t flags = static_cast<uint8_t>(f[tcp + 13]);
    const size_t hl = (uint8_t(f[tcp + 12]) >> 4) * 4;
    const size_t plen = f.size() - tcp - hl;
    if (have[dir_]) CHECK(seq == next[dir_]);
    next[dir_] = seq + static_cast<uint32_t>(plen) + ((flags & (SYN | FIN)) ? 1 : 0);
    have[dir_] = true;
    if ((flags & ACK) && have[1 - dir_]) CHECK(be32(tcp + 8) == next[1 - dir_]);
  }
  CHECK(frames == static_cast<int>(sim.frames_written()));
  CHECK(frames == 3 + 5 + 1 + 2 + 1 + 3);  // handshake, 5 data + ACK, 2 data + ACK, FIN/FIN/ACK
  std::filesystem::remove_all(dir);
}

TEST_CASE("scenarios are deterministic per seed and differ across seeds") {
  const auto d1 = tmpdir("det1"), d2 = tmpdir("det2"), d3 = tmpdir("det3");
  RunOptions o;
  o.scenario = "corner";
  o.seed = 7;
  o.out_dir = d1.string();
  run_scenario(o);
  o.out_dir = d2.string();
  run_scenario(o);
  o.seed = 8;
  o.out_dir = d3.string();
  run_scenario(o);
  for (const char* f : {"corner-a.pcapng", "corner-b.pcapng", "corner.truth.json"}) {
    const std::string a = slurp((d1 / f).string()), b = slurp((d2 / f).string()), c = slurp((d3 / f).string());
    CHECK(a.size() > 1000);
    CHECK(a == b);
    CHECK(a != c);
  }
  o.scenario = "no-such-scenario";
  CHECK_THROWS_AS(run_scenario(o), std::invalid_argument);
  for (const auto& d : {d1, d2, d3}) std::filesystem::remove_all(d);
}

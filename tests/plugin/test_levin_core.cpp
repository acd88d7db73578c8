// Unit tests of plugin/core (levin_core): header, varint, walker, schema, addresses, fragments.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <cstring>

#include "epee_builder.h"
#include "levin_core.h"

using namespace levin;
using tb::Bytes;

static WalkResult W(const Bytes& b, const Limits& l = Limits()) { return walk(b.data(), b.size(), l); }

// ---------------------------------------------------------------- §1.5 test vectors
TEST_CASE("1003 request vector (levin-protocol.md §1.5)") {
  Bytes m = tb::hexbytes(
      "01 21 01 01 01 01 01 01 | 0a 00 00 00 00 00 00 00 | 01 | eb 03 00 00 | 00 00 00 00 | 01 00 00 00 | 01 00 00 00"
      "01 11 01 01 01 01 02 01 01 00");
  REQUIRE(m.size() == 43);
  Header h;
  REQUIRE(parse_header(m.data(), m.size(), h));
  CHECK(h.signature == kSignature);
  CHECK(h.length == 10);
  CHECK(h.have_to_return_data());
  CHECK(h.command == 1003);
  CHECK(h.return_code == 0);
  CHECK(h.flags == 1);
  CHECK(h.version == 1);
  CHECK(classify(h) == MsgType::Request);
  CHECK(header_issues(h) == 0);
  WalkResult w = walk(m.data() + 33, 10);
  CHECK(w.clean());
  CHECK(w.root_count == 0);
  CHECK(w.end_offset == 10);
  Semantic s = interpret(m.data() + 33, w, 1003, false);
  CHECK(s.issues.empty());
}

TEST_CASE("1003 response vector") {
  Bytes hdr = tb::hexbytes("01 21 01 01 01 01 01 01 26 00 00 00 00 00 00 00 00 eb 03 00 00 01 00 00 00 02 00 00 00 01 00 00 00");
  Bytes body = tb::hexbytes("01 11 01 01 01 01 02 01 01 08");
  Bytes k1 = tb::key("peer_id");
  body.insert(body.end(), k1.begin(), k1.end());
  tb::put(body, tb::hexbytes("05 ef cd ab 89 67 45 23 01"));
  tb::put(body, tb::key("status"));
  tb::put(body, tb::hexbytes("0a 08 4f 4b"));
  REQUIRE(body.size() == 38);
  Header h;
  REQUIRE(parse_header(hdr.data(), hdr.size(), h));
  CHECK(h.length == 38);
  CHECK(!h.have_to_return_data());
  CHECK(h.return_code == 1);
  CHECK(classify(h) == MsgType::Response);
  CHECK(header_issues(h) == 0);
  WalkResult w = W(body);
  REQUIRE(w.clean());
  CHECK(w.root_count == 2);
  REQUIRE(w.nodes.size() == 2);
  CHECK(node_key(body.data(), w.nodes[0]) == "peer_id");
  CHECK(w.nodes[0].u == 0x0123456789abcdefULL);
  CHECK(node_key(body.data(), w.nodes[1]) == "status");
  Semantic s = interpret(body.data(), w, 1003, true);
  CHECK(s.has_ping_status);
  CHECK(s.ping_status == "OK");
  CHECK(s.ping_peer_id == 0x0123456789abcdefULL);
  CHECK(s.issues.empty());
  // the same body as a 1003 *request* has unexpected keys
  Semantic r = interpret(body.data(), w, 1003, false);
  CHECK(r.issues.size() == 2);
  CHECK(r.issues[0].issue == SchemaIssue::UnexpectedKey);
}

TEST_CASE("noise header vector") {
  Bytes m = tb::hexbytes("01 21 01 01 01 01 01 01 df 0b 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 0c 00 00 00 01 00 00 00");
  Header h;
  REQUIRE(parse_header(m.data(), m.size(), h));
  CHECK(h.length == 3039);
  CHECK(h.command == 0);
  CHECK(h.flags == 0x0c);
  CHECK(classify(h) == MsgType::Dummy);
  CHECK(header_issues(h) == 0);
  CHECK(std::string(command_name(0)) == "Noise/Fragment");
}

TEST_CASE("header classification and issues") {
  Header h;
  Bytes m = tb::header(10, true, 1001, 0, 1);
  REQUIRE(parse_header(m.data(), m.size(), h));
  CHECK(!parse_header(m.data(), 32, h));
  CHECK(classify(h) == MsgType::Request);
  h.expect_raw = 0;
  CHECK(classify(h) == MsgType::Notification);
  h.flags = 2; h.return_code = 1;
  CHECK(classify(h) == MsgType::Response);
  h.version = 0;  // monerod: not a response unless version 1
  CHECK(classify(h) == MsgType::Notification);
  CHECK((header_issues(h) & kIssueBadVersion));
  h.version = 1;
  h.flags = 0x04; h.return_code = 0;
  CHECK(classify(h) == MsgType::FragmentBegin);
  h.flags = 0x00;
  CHECK(classify(h) == MsgType::FragmentMiddle);
  h.flags = 0x08;
  CHECK(classify(h) == MsgType::FragmentEnd);
  h.flags = 0x03;
  CHECK(classify(h) == MsgType::Response);
  CHECK((header_issues(h) & kIssueFlagCombination));
  h.flags = 0x11;
  CHECK((header_issues(h) & kIssueReservedFlags));
  h.flags = 1;
  h.signature = 0x0121010101010101ULL;  // big-endian reading of the signature
  CHECK(classify(h) == MsgType::Invalid);
  CHECK((header_issues(h) & kIssueBadSignature));
  h.signature = kSignature;
  h.command = 1003; h.length = 4097;
  CHECK((header_issues(h) & kIssueCommandLimit));
  CHECK(!(header_issues(h) & kIssueOversize));
  h.length = 100000001;
  CHECK((header_issues(h) & kIssueOversize));
  h.length = 10; h.flags = 2; h.return_code = 7;
  CHECK((header_issues(h) & kIssueReturnCode));
  h.return_code = -6;
  CHECK(!(header_issues(h) & kIssueReturnCode));
}

TEST_CASE("signature search") {
  Bytes b = {0x00, 0x01, 0x21, 0x01, 0x01};
  Bytes sig(kSignatureBytes, kSignatureBytes + 8);
  tb::put(b, sig);
  CHECK(find_signature(b.data(), b.size()) == 5);
  CHECK(find_signature(b.data(), b.size(), 6) == SIZE_MAX);
  CHECK(find_signature(b.data(), 12) == SIZE_MAX);
  CHECK(signature_prefix_matches(sig.data(), 3));
  CHECK(!signature_prefix_matches(b.data(), 3));
}

// ---------------------------------------------------------------- §3.2 varints
TEST_CASE("varint examples") {
  struct { uint64_t v; const char* hex; } ex[] = {
      {0, "00"}, {7, "1c"}, {63, "fc"}, {64, "01 01"}, {101, "95 01"}, {16384, "02 00 01 00"},
      {17000, "a2 09 01 00"}, {1073741824ULL, "03 00 00 00 01 00 00 00"}};
  for (auto& e : ex) {
    Bytes want = tb::hexbytes(e.hex);
    CHECK(tb::varint(e.v) == want);
    Varint vi;
    REQUIRE(read_varint(want.data(), want.size(), vi));
    CHECK(vi.value == e.v);
    CHECK(vi.width == want.size());
    CHECK(vi.minimal);
    CHECK(!read_varint(want.data(), want.size() - 1, vi));
  }
  Varint vi;
  Bytes nm = tb::varint_w(5, 2);
  REQUIRE(read_varint(nm.data(), nm.size(), vi));
  CHECK(vi.value == 5);
  CHECK(!vi.minimal);
  nm = tb::varint_w(100, 8);
  REQUIRE(read_varint(nm.data(), nm.size(), vi));
  CHECK(vi.value == 100);
  CHECK(vi.width == 8);
  CHECK(!vi.minimal);
  CHECK(!read_varint(nm.data(), 0, vi));
  uint8_t out[8];
  CHECK(write_varint(1ULL << 62, out) == 0);
  CHECK(write_varint((1ULL << 62) - 1, out) == 8);
}

// ---------------------------------------------------------------- walker
static Bytes sample_handshake_response() {
  using namespace tb;
  Bytes ip = hexbytes("6b c8 7d f6");  // 107.200.125.246
  std::vector<std::vector<Bytes>> peers;
  // IPv4 entry (wire bytes as m_ip u32 LE)
  {
    Bytes mip = key("m_ip"); mip.push_back(6); put(mip, ip);
    peers.push_back({e_obj("adr", {e_obj("addr", {mip, e_u16("m_port", 18080)}), e_u8("type", 1)}),
                     e_u64("id", 0x1122334455667788ULL), e_u32("pruning_seed", 385)});
  }
  // IPv6 entry with rpc_port
  {
    Bytes a6 = hexbytes("20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01");
    peers.push_back({e_obj("adr", {e_obj("addr", {e_str("addr", a6), e_u16("m_port", 18080)}), e_u8("type", 2)}),
                     e_u64("id", 2), e_u16("rpc_port", 18089)});
  }
  // IPv4 entry with last_seen (anomalous)
  {
    Bytes mip = key("m_ip"); mip.push_back(6); put(mip, hexbytes("64 2a 1b 3a"));
    peers.push_back({e_obj("adr", {e_obj("addr", {mip, e_u16("m_port", 18085)}), e_u8("type", 1)}),
                     e_u64("id", 3), e_i64("last_seen", 1701108541)});
  }
  // Tor entry: zone mismatch
  {
    std::string host(56, 'a');
    host += ".onion";
    peers.push_back({e_obj("adr", {e_obj("addr", {e_str("host", host), e_u16("port", 18083)}), e_u8("type", 4)}),
                     e_u64("id", 4)});
  }
  Bytes netid = hexbytes("12 30 f1 71 61 04 41 61 17 31 00 82 16 a1 a1 10");
  Bytes top(32, 0xab);
  return storage({e_objarr("local_peerlist_new", peers),
                  e_obj("node_data", {e_u32("my_port", 18080), e_str("network_id", netid),
                                      e_u64("peer_id", 0xacacc23b48619611ULL), e_u32("support_flags", 1)}),
                  e_obj("payload_data", {e_u64("cumulative_difficulty", 5), e_u64("cumulative_difficulty_top64", 1),
                                         e_u64("current_height", 3412345), e_u32("pruning_seed", 391),
                                         e_str("top_id", top), e_u8("top_version", 16)})});
}

TEST_CASE("walker: well-formed handshake response") {
  Bytes b = sample_handshake_response();
  WalkResult w = W(b);
  CHECK(w.clean());
  CHECK(w.magic_ok);
  CHECK(w.root_count == 3);
  CHECK(w.end_offset == b.size());
  CHECK(!w.has(DiagCode::UnsortedKeys));
  // every node has a valid parent that precedes it
  for (size_t i = 0; i < w.nodes.size(); ++i) {
    if (w.nodes[i].parent != kNoParent) CHECK(w.nodes[i].parent < i);
    CHECK(w.nodes[i].complete);
    CHECK(w.nodes[i].offset + w.nodes[i].length <= b.size());
  }
}

TEST_CASE("semantic: handshake response") {
  Bytes b = sample_handshake_response();
  WalkResult w = W(b);
  Semantic s = interpret(b.data(), w, 1001, true);
  CHECK(s.has_node_data);
  CHECK(s.peer_id == 0xacacc23b48619611ULL);
  CHECK(s.my_port == 18080);
  CHECK(s.has_support_flags);
  CHECK(s.support_flags == 1);
  CHECK(s.network == Network::Mainnet);
  CHECK(s.height == 3412345);
  CHECK(s.cd == 5);
  CHECK(s.cd_top == 1);
  CHECK(s.has_peerlist);
  CHECK(s.peerlist_declared == 4);
  REQUIRE(s.peers.size() == 4);
  CHECK(s.peers[0].addr == "107.200.125.246:18080");
  CHECK(s.peers[0].type == 1);
  CHECK(s.peers[0].keys == (kPeerHasId | kPeerHasPruningSeed | kPeerHasAdr));
  CHECK(s.peers[0].pruning_seed == 385);
  CHECK(s.peers[1].addr == "[2001:db8::1]:18080");
  CHECK(s.peers[1].keys == (kPeerHasId | kPeerHasRpcPort | kPeerHasAdr));
  CHECK(s.peers[1].rpc_port == 18089);
  CHECK(s.peers[2].addr == "100.42.27.58:18085");
  CHECK(s.peers[2].keys == (kPeerHasId | kPeerHasLastSeen | kPeerHasAdr));
  CHECK(s.peers[2].last_seen == 1701108541);
  CHECK(s.peers[3].type == 4);
  CHECK(s.peers[3].addr == std::string(56, 'a') + ".onion:18083");
  CHECK(s.last_seen_entries == 1);
  int last_seen = 0, zone = 0, other = 0;
  for (auto& i : s.issues) {
    if (i.issue == SchemaIssue::LastSeenPresent) ++last_seen;
    else if (i.issue == SchemaIssue::ZoneMismatch) ++zone;
    else ++other;
  }
  CHECK(last_seen == 1);
  CHECK(zone == 1);
  CHECK(other == 0);
}

TEST_CASE("semantic: handshake request without support_flags, legacy local_time") {
  using namespace tb;
  Bytes b = storage({e_obj("node_data", {e_u64("local_time", 1500000000), e_u32("my_port", 0),
                                         e_u64("peer_id", 1)}),
                     e_obj("payload_data", {e_u64("current_height", 1)})});
  WalkResult w = W(b);
  REQUIRE(w.clean());
  Semantic s = interpret(b.data(), w, 1001, false);
  bool missing = false, legacy = false;
  for (auto& i : s.issues) {
    missing |= i.issue == SchemaIssue::SupportFlagsMissing;
    legacy |= i.issue == SchemaIssue::LegacyField;
  }
  CHECK(missing);
  CHECK(legacy);
  CHECK(!s.has_support_flags);
}

TEST_CASE("semantic: type mismatch is reported but integer value still used") {
  using namespace tb;
  Bytes b = storage({e_obj("node_data", {e_u64("my_port", 18080), e_u64("peer_id", 9), e_u32("support_flags", 1)})});
  WalkResult w = W(b);
  Semantic s = interpret(b.data(), w, 1001, false);
  CHECK(s.my_port == 18080);
  REQUIRE(s.issues.size() == 1);
  CHECK(s.issues[0].issue == SchemaIssue::TypeMismatch);
}

TEST_CASE("semantic: notifications") {
  using namespace tb;
  SUBCASE("2002 stem with padding") {
    Bytes b = storage({e_str("_", std::string(100, ' ')), e_bool("dandelionpp_fluff", 0),
                       e_strarr("txs", {Bytes(300, 1), Bytes(200, 2)})});
    WalkResult w = W(b);
    REQUIRE(w.clean());
    Semantic s = interpret(b.data(), w, 2002, false);
    CHECK(s.tx_count == 2);
    CHECK(s.tx_bytes == 500);
    CHECK(s.has_fluff_key);
    CHECK(!s.fluff);
    CHECK(s.padding_len == 100);
    CHECK(s.issues.empty());
  }
  SUBCASE("2007 chain entry") {
    Bytes b = storage({e_u64("cumulative_difficulty", 7), e_u64("cumulative_difficulty_top64", 0),
                       e_str("first_block", Bytes(10, 3)), e_str("m_block_ids", Bytes(32 * 5, 4)),
                       e_str("m_block_weights", Bytes(8 * 5, 0)), e_u64("start_height", 100),
                       e_u64("total_height", 105)});
    WalkResult w = W(b);
    Semantic s = interpret(b.data(), w, 2007, false);
    CHECK(s.hash_count == 5);
    CHECK(s.block_weight_count == 5);
    CHECK(s.start_height == 100);
    CHECK(s.total_height == 105);
    CHECK(s.issues.empty());
  }
  SUBCASE("2008 fluffy block and 2009 missing tx with bad length") {
    Bytes b = storage({e_obj("b", {e_str("block", Bytes(80, 5)), e_strarr("txs", {Bytes(10, 1)})}),
                       e_u64("current_blockchain_height", 3000000)});
    WalkResult w = W(b);
    Semantic s = interpret(b.data(), w, 2008, false);
    REQUIRE(s.blocks.size() == 1);
    CHECK(s.blocks[0].blob_len == 80);
    CHECK(s.blocks[0].tx_count == 1);
    CHECK(s.current_height == 3000000);
    Bytes c = storage({e_str("block_hash", Bytes(32, 1)), e_u64("current_blockchain_height", 5),
                       e_str("missing_tx_indices", Bytes(12, 0))});
    WalkResult w2 = W(c);
    Semantic s2 = interpret(c.data(), w2, 2009, false);
    REQUIRE(s2.issues.size() == 1);
    CHECK(s2.issues[0].issue == SchemaIssue::BadHashListLength);
  }
}

TEST_CASE("walker: every truncation of a valid payload is reported and keeps the prefix") {
  Bytes b = sample_handshake_response();
  size_t prev_nodes = 0;
  for (size_t n = 0; n < b.size(); ++n) {
    WalkResult w = walk(b.data(), n);
    CHECK(w.fatal);
    CHECK(!w.clean());
    CHECK(w.fatal_offset <= n);
    // more bytes never yield fewer parsed nodes
    CHECK(w.nodes.size() >= prev_nodes);
    prev_nodes = w.nodes.size();
    if (n >= 9) CHECK((w.has(DiagCode::Truncated) || w.has(DiagCode::CountLimit)));
  }
  // a cut inside the peer list still yields the complete entries before it
  WalkResult w = walk(b.data(), b.size() - 150);
  Semantic s = interpret(b.data(), w, 1001, true);
  CHECK(s.peers.size() >= 2);
  CHECK(s.peers[0].addr == "107.200.125.246:18080");
  // a cut inside a value: the value is not reported (no id = 0 invented for a partial entry)
  for (size_t n = 9; n < b.size(); ++n) {
    WalkResult wn = walk(b.data(), n);
    Semantic sn = interpret(b.data(), wn, 1001, true);
    for (const PeerEntry& p : sn.peers) {
      if (p.keys & kPeerHasId) CHECK(wn.nodes[p.id_node].complete);
      if (p.keys & kPeerHasAdr) CHECK(!p.addr.empty());
    }
    if (sn.has_peer_id) CHECK(sn.peer_id == 0xacacc23b48619611ULL);
    if (sn.has_height) CHECK(sn.height == 3412345);
  }
}

TEST_CASE("walker: malformed inputs") {
  using namespace tb;
  SUBCASE("bad magic") {
    Bytes b = storage({});
    b[1] = 0x12;
    WalkResult w = W(b);
    CHECK(w.fatal);
    CHECK(w.has(DiagCode::BadMagic));
    CHECK(!w.magic_ok);
  }
  SUBCASE("bad format version") {
    Bytes b = storage({});
    b[8] = 2;
    CHECK(W(b).has(DiagCode::BadFormatVersion));
  }
  SUBCASE("unknown type code 14 and 0") {
    for (uint8_t t : {uint8_t(0), uint8_t(14), uint8_t(0x7f), uint8_t(0x8e)}) {
      Bytes b = storage({});
      b.back() = 4;  // one entry (varint 1)
      put(b, key("x"));
      b.push_back(t);
      put(b, Bytes(16, 0));
      WalkResult w = W(b);
      CHECK(w.fatal);
      CHECK(w.has(DiagCode::UnknownType));
      CHECK(w.fatal_offset == 9 + 1 + 2);
    }
  }
  SUBCASE("type 13 wrapper is accepted with a note, 0x8D is fatal") {
    Bytes b = storage({});
    b.back() = 4;
    put(b, key("arr"));
    b.push_back(13);
    b.push_back(0x85);  // array of u64
    put(b, varint(2));
    le(b, 7, 8);
    le(b, 9, 8);
    WalkResult w = W(b);
    CHECK(!w.fatal);
    CHECK(w.has(DiagCode::NestedArrayType13));
    REQUIRE(w.nodes.size() == 3);
    CHECK(w.nodes[2].u == 9);
    Bytes c = storage({});
    c.back() = 4;
    put(c, key("arr"));
    c.push_back(0x8D);
    put(c, varint(0));
    CHECK(W(c).has(DiagCode::ArrayOfArrays));
  }
  SUBCASE("huge array count does not allocate") {
    Bytes b = storage({});
    b.back() = 4;
    put(b, key("a"));
    b.push_back(0x8C);
    put(b, varint((1ULL << 62) - 1));
    put(b, Bytes(8, 0));
    WalkResult w = W(b);
    CHECK(w.has(DiagCode::CountLimit));
    CHECK(w.nodes.size() == 1);
    // strings need 2 bytes each (monerod sanity rule)
    Bytes c = storage({});
    c.back() = 4;
    put(c, key("s"));
    c.push_back(0x8A);
    put(c, varint(5));
    put(c, Bytes(9, 0));
    CHECK(W(c).has(DiagCode::CountLimit));
    c.push_back(0);  // now 10 bytes: 5 empty strings fit
    CHECK(!W(c).fatal);
  }
  SUBCASE("huge string length") {
    Bytes b = storage({});
    b.back() = 4;
    put(b, key("s"));
    b.push_back(10);
    put(b, varint(1ULL << 40));
    put(b, Bytes(4, 'x'));
    WalkResult w = W(b);
    CHECK(w.has(DiagCode::Truncated));
  }
  SUBCASE("huge section count terminates") {
    Bytes b(kPsMagic, kPsMagic + 9);
    put(b, varint_w(3, 8));
    WalkResult w = W(b);
    CHECK(w.fatal);
    b = Bytes(kPsMagic, kPsMagic + 9);
    put(b, varint(1000000));
    CHECK(W(b).has(DiagCode::FieldLimit));
  }
  SUBCASE("deep nesting") {
    Bytes inner = section({});
    for (int i = 0; i < 200; ++i) {
      Bytes s = varint(1);
      put(s, key("o"));
      s.push_back(12);
      put(s, inner);
      inner = s;
    }
    Bytes b(kPsMagic, kPsMagic + 9);
    put(b, inner);
    WalkResult w = W(b);
    CHECK(w.has(DiagCode::DepthLimit));
    CHECK(w.nodes.size() == Limits().max_depth + 1);  // entries at depth 0..max_depth
    Limits l;
    l.max_depth = 300;
    l.max_objects = 1000;
    WalkResult w2 = W(b, l);
    CHECK(!w2.fatal);
    CHECK(w2.nodes.size() == 200);
  }
  SUBCASE("deep nesting of arrays of objects") {
    Bytes inner = section({});
    for (int i = 0; i < 100; ++i) {
      Bytes s = varint(1);
      put(s, key("a"));
      s.push_back(0x8C);
      put(s, varint(1));
      put(s, inner);
      inner = s;
    }
    Bytes b(kPsMagic, kPsMagic + 9);
    put(b, inner);
    CHECK(W(b).has(DiagCode::DepthLimit));
  }
  SUBCASE("non-minimal varints are notes") {
    Bytes b(kPsMagic, kPsMagic + 9);
    put(b, varint_w(1, 4));
    put(b, key("s"));
    b.push_back(10);
    put(b, varint_w(2, 2));
    put(b, Bytes{'O', 'K'});
    WalkResult w = W(b);
    CHECK(!w.fatal);
    CHECK(w.clean());
    int n = 0;
    for (auto& d : w.diags) n += d.code == DiagCode::NonMinimalVarint;
    CHECK(n == 2);
  }
  SUBCASE("duplicate, unsorted and empty keys") {
    Bytes b = storage({e_u8("b", 1), e_u8("a", 2), e_u8("b", 3)});
    WalkResult w = W(b);
    CHECK(!w.fatal);
    CHECK(w.has(DiagCode::UnsortedKeys));
    CHECK(w.has(DiagCode::DuplicateKey));
    CHECK(!w.clean());
    Bytes c = storage({e_u8("a", 1), e_u8("a", 2)});
    WalkResult wc = W(c);
    CHECK(wc.has(DiagCode::DuplicateKey));
    CHECK(!wc.has(DiagCode::UnsortedKeys));
    Bytes d = storage({e_u8("", 1)});
    CHECK(W(d).has(DiagCode::EmptyKey));
    Bytes ok = storage({e_u8("a", 1), e_u8("ab", 2), e_u8("b", 3)});
    CHECK(W(ok).clean());
  }
  SUBCASE("bool out of range") {
    Bytes b = storage({e_bool("prune", 2)});
    WalkResult w = W(b);
    CHECK(w.has(DiagCode::BoolRange));
    CHECK(!w.clean());
  }
  SUBCASE("trailing bytes: zeros are padding, non-zero noted") {
    Bytes b = storage({e_u8("a", 1)});
    const size_t end = b.size();
    put(b, Bytes(100, 0));
    WalkResult w = W(b);
    CHECK(w.clean());
    CHECK(w.end_offset == end);
    b.push_back(7);
    CHECK(W(b).has(DiagCode::TrailingNonzero));
  }
  SUBCASE("node limit") {
    Bytes b = storage({e_strarr("txs", std::vector<Bytes>(50, Bytes(1, 1)))});
    Limits l;
    l.max_nodes = 10;
    WalkResult w = W(b, l);
    CHECK(w.has(DiagCode::NodeLimit));
    CHECK(w.nodes.size() == 10);
  }
  SUBCASE("object and string limits") {
    Bytes b = storage({e_strarr("txs", std::vector<Bytes>(20, Bytes(1, 1)))});
    Limits l;
    l.max_strings = 5;
    CHECK(W(b, l).has(DiagCode::StringLimit));
    std::vector<std::vector<Bytes>> objs(20);
    Bytes c = storage({e_objarr("o", objs)});
    Limits l2;
    l2.max_objects = 5;
    CHECK(W(c, l2).has(DiagCode::ObjectLimit));
  }
  SUBCASE("empty input and null") {
    CHECK(walk(nullptr, 0).fatal);
    Bytes e;
    CHECK(W(e).fatal);
  }
}

// ---------------------------------------------------------------- addresses and helpers
TEST_CASE("address formatting") {
  const uint8_t v4[4] = {107, 200, 125, 246};
  CHECK(format_ipv4(v4) == "107.200.125.246");
  CHECK(format_ipv4_le(4135438443u) == "107.200.125.246");  // §4.1 real sample
  uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1};
  CHECK(format_ipv6(v6) == "2001:db8::1:0:0:1");
  uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4};
  CHECK(format_ipv6(mapped) == "::ffff:1.2.3.4");
  uint8_t one0[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1};
  CHECK(format_ipv6(one0) == "2001:db8:0:1:1:1:1:1");
  CHECK(format_peer_addr(2, v6, 16, 18080) == "[2001:db8::1:0:0:1]:18080");
  CHECK(format_peer_addr(1, v4, 3, 1).empty());
  const char* host = "abc.b32.i2p";
  CHECK(format_peer_addr(3, reinterpret_cast<const uint8_t*>(host), strlen(host), 1) == "abc.b32.i2p:1");
  const char* bad = "a b";
  CHECK(format_peer_addr(4, reinterpret_cast<const uint8_t*>(bad), 3, 1).empty());
  CHECK(format_peer_addr(9, v4, 4, 1).empty());
}

TEST_CASE("network ids, pruning seeds, 128-bit difficulty") {
  uint8_t id[16] = {0x12, 0x30, 0xf1, 0x71, 0x61, 0x04, 0x41, 0x61, 0x17, 0x31, 0x00, 0x82, 0x16, 0xa1, 0xa1, 0x10};
  CHECK(classify_network_id(id) == Network::Mainnet);
  id[15] = 0x11;
  CHECK(classify_network_id(id) == Network::Testnet);
  id[15] = 0x12;
  CHECK(classify_network_id(id) == Network::Stagenet);
  id[0] = 0;
  CHECK(classify_network_id(id) == Network::Unknown);
  CHECK(pruning_stripe(384) == 1);
  CHECK(pruning_stripe(391) == 8);
  CHECK(pruning_log_stripes(391) == 3);
  CHECK(pruning_stripe(0) == 0);
  CHECK(pruning_seed_valid(0));
  CHECK(pruning_seed_valid(388));
  CHECK(!pruning_seed_valid(392));
  CHECK(!pruning_seed_valid(383));
  CHECK(u128_to_decimal(0, 0) == "0");
  CHECK(u128_to_decimal(1, 0) == "18446744073709551616");
  CHECK(u128_to_decimal(0, 240000000000000000ULL) == "240000000000000000");
  CHECK(u128_to_decimal(UINT64_MAX, UINT64_MAX) == "340282366920938463463374607431768211455");
}

// ---------------------------------------------------------------- §2 fragments
TEST_CASE("fragment reassembly: 7000-byte 2002 example (§2.2)") {
  using namespace tb;
  Bytes inner_body(7000, 0x5a);
  Bytes inner = header(7000, false, 2002, 0, 1);
  put(inner, inner_body);
  REQUIRE(inner.size() == 7033);
  std::vector<Bytes> frags;
  for (size_t off = 0; off < inner.size(); off += 3039) {
    Bytes f(inner.begin() + off, inner.begin() + std::min(inner.size(), off + 3039));
    f.resize(3039, 0);
    frags.push_back(f);
  }
  REQUIRE(frags.size() == 3);
  FragmentReassembler fr;
  auto r0 = fr.feed(0x04, frags[0].data(), 3039);
  CHECK(r0.event == FragmentReassembler::Event::Started);
  CHECK(r0.message_id == 1);
  // a dummy and an ordinary message in between do not disturb it
  CHECK(fr.feed(0x0c, nullptr, 0).event == FragmentReassembler::Event::Dummy);
  CHECK(fr.feed(0x01, nullptr, 0).event == FragmentReassembler::Event::NotFragment);
  auto r1 = fr.feed(0x00, frags[1].data(), 3039);
  CHECK(r1.event == FragmentReassembler::Event::Appended);
  CHECK(r1.fragment_index == 1);
  auto r2 = fr.feed(0x08, frags[2].data(), 3039);
  CHECK(r2.event == FragmentReassembler::Event::Completed);
  CHECK(r2.message_id == 1);
  CHECK(!r2.orphan);
  REQUIRE(fr.message().size() == 3 * 3039);
  CHECK(std::equal(inner.begin(), inner.end(), fr.message().begin()));
  Header h;
  REQUIRE(parse_header(fr.message().data(), fr.message().size(), h));
  CHECK(h.command == 2002);
  CHECK(h.length == 7000);
  CHECK(fr.message().size() - 33 - h.length == 2084);  // zero padding
  CHECK(!fr.in_progress());
}

TEST_CASE("fragment reassembly: orphan end, restart, too short, overflow") {
  Bytes body(40, 1);
  FragmentReassembler fr;
  auto e = fr.feed(0x08, body.data(), body.size());
  CHECK(e.event == FragmentReassembler::Event::Completed);
  CHECK(e.orphan);
  auto b1 = fr.feed(0x04, body.data(), 10);
  auto b2 = fr.feed(0x04, body.data(), 10);  // B again: restart
  CHECK(b2.message_id == b1.message_id + 1);
  CHECK(fr.buffered() == 10);
  auto s = fr.feed(0x08, body.data(), 5);
  CHECK(s.event == FragmentReassembler::Event::TooShort);
  FragmentReassembler small(100, false);
  small.feed(0x04, body.data(), 40);
  small.feed(0x00, body.data(), 40);
  CHECK(small.feed(0x00, body.data(), 40).event == FragmentReassembler::Event::Overflow);
  CHECK(!small.in_progress());
  // state-only mode keeps no bytes
  FragmentReassembler st(1000, false);
  st.feed(0x04, body.data(), 40);
  CHECK(st.feed(0x08, body.data(), 40).event == FragmentReassembler::Event::Completed);
  CHECK(st.message().empty());
  // state-only mode as used by the dissector: no body pointer, lengths only
  FragmentReassembler so(1000, false);
  CHECK(so.feed(0x04, nullptr, 3039 % 1000).event == FragmentReassembler::Event::Started);
  CHECK(so.feed(0x00, nullptr, 39).event == FragmentReassembler::Event::Appended);
  auto done = so.feed(0x08, nullptr, 39);
  CHECK(done.event == FragmentReassembler::Event::Completed);
  CHECK(done.fragment_index == 2);
}

TEST_CASE("monero.record writer: numbers, times, booleans, raw and peer-supplied text (ek-contract §3b)") {
  RecordWriter r;
  CHECK(r.empty());
  r.add_uint("frame", 18446744073709551615ull);
  r.add_int("return_code", -2147483648ll);
  r.add_bool("sig_only", true);
  r.add_bool("header_split", false);
  r.add_time("frame_time", 1700000000, 5);
  r.add_time("neg", -4, -750000000);     // nstime_t: both parts negative = -4.75 s
  r.add_time("zero_neg", 0, -1);
  r.add_time("min", INT64_MIN, 0);
  r.add_raw("src", "[2001:db8::7]:18080");
  r.add_raw("peerlist_compact", "33;1;1.2.3.4:18080;5;;;; 32;4;abc.onion:18083;;;;;");
  r.add_raw("evil", "a|b=c,d%e\"f\\g");
  const uint8_t ping[] = {'O', 'K', '|', '=', ',', ' ', 0x00, 0xff, '%'};
  r.add_text("ping_status", ping, sizeof ping);
  CHECK(r.str() ==
        "frame=18446744073709551615|return_code=-2147483648|sig_only=1|header_split=0|"
        "frame_time=1700000000.000000005|neg=-4.750000000|zero_neg=-0.000000001|min=-9223372036854775808.000000000|"
        "src=[2001:db8::7]:18080|peerlist_compact=33;1;1.2.3.4:18080;5;;;; 32;4;abc.onion:18083;;;;;|"
        "evil=a%7Cb%3Dc%2Cd%25e%22f%5Cg|ping_status=OK%7C%3D%2C%20%00%FF%25");
  // nothing in a record can split it: no '|' or '=' inside a value, no ',' anywhere
  const std::string& s = r.str();
  size_t items = 1, eqs = 0;
  for (char c : s) { items += c == '|'; eqs += c == '='; CHECK(c != ','); CHECK(c != '"'); CHECK(c != '\\'); }
  CHECK(items == 12);
  CHECK(eqs == 12);
  r.clear();
  CHECK(r.str().empty());
  r.add_text("empty", nullptr, 0);
  CHECK(r.str() == "empty=");
}

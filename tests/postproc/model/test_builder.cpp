// Unit tests of msc::ModelBuilder on hand-built message sequences with known answers.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "model/builder.hpp"

using namespace msc;

namespace {

constexpr int64_t S = 1000000000LL;   // one second in ns
constexpr int64_t T0 = 1700000000LL * S;

IpAddr ip(const char* s) { return *IpAddr::parse(s); }

struct M {
    LevinMessage m;
    M(uint32_t input, uint64_t frame, int64_t t, const char* src, uint16_t sp, const char* dst, uint16_t dp,
      uint32_t command, MsgType type) {
        m.input = input;
        m.frame = frame;
        m.time_ns = t;
        m.src = ip(src);
        m.dst = ip(dst);
        m.sport = sp;
        m.dport = dp;
        m.command = command;
        m.type = type;
        m.payload_decoded = true;
    }
    M& syn(bool sender_initiated, int64_t start) {
        m.sender_initiated = sender_initiated;
        m.stream_start_ns = start;
        return *this;
    }
    M& node(std::optional<uint32_t> flags, uint64_t peer_id = 0x42) {
        NodeData nd;
        nd.peer_id = peer_id;
        nd.my_port = 18080;
        nd.support_flags = flags;
        m.node = nd;
        return *this;
    }
    M& list(std::initializer_list<const char*> ips, bool last_seen = false) {
        m.has_peerlist = true;
        for (const char* s : ips) {
            PeerEntry e;
            e.ip = ip(s);
            e.type = e.ip->is_v4() ? PeerAddrType::IPv4 : PeerAddrType::IPv6;
            e.port = 18080;
            if (last_seen) e.last_seen = 1701108541;
            m.peers.push_back(e);
        }
        PeerEntry tor;
        tor.type = PeerAddrType::Tor;
        tor.host = "x.onion";
        m.peers.push_back(tor);
        return *this;
    }
    M& sig() { m.sig_only = true; m.segments = 2; return *this; }
};

const char* V = "10.0.0.1";
const char* P = "1.2.3.4";

} // namespace

TEST_CASE("incoming connection with SYN: direction, events, peer observations, lists") {
    ModelBuilder b;
    const uint32_t v = b.add_vantage({"ams", ip(V), 18080});
    const uint32_t in = b.add_input(v, "ams/a.ek");
    b.add(M(in, 4, T0 + 1 * S, P, 50000, V, 18080, cmd::Handshake, MsgType::Request).syn(true, T0).node(std::nullopt).sig().m);
    b.add(M(in, 6, T0 + 2 * S, V, 18080, P, 50000, cmd::Handshake, MsgType::Response).syn(false, T0).node(1u).list({"5.5.5.5", "6.6.6.6"}).m);
    b.add(M(in, 8, T0 + 3 * S, P, 50000, V, 18080, cmd::TimedSync, MsgType::Request).syn(true, T0).m);
    b.add(M(in, 9, T0 + 4 * S, V, 18080, P, 50000, cmd::TimedSync, MsgType::Response).syn(false, T0).list({"7.7.7.7"}).m);
    b.add(M(in, 10, T0 + 5 * S, P, 50000, V, 18080, cmd::TimedSync, MsgType::Response).syn(true, T0)
              .list({"8.8.8.8", "8.8.8.9", "2001:db8::1"}, true).m);
    b.add(M(in, 11, T0 + 6 * S, P, 50000, V, 18080, cmd::Ping, MsgType::Response).syn(true, T0).m);
    b.add(M(in, 12, T0 + 7 * S, P, 50000, V, 18080, 1004, MsgType::Request).syn(true, T0).m);   // not kept
    Model m = b.finish();

    REQUIRE(m.vantages.size() == 1);
    CHECK(m.vantages[0].ip == ip(V));
    CHECK_FALSE(m.vantages[0].ip_inferred);
    REQUIRE(m.connections.size() == 1);
    const Connection& c = m.connections[0];
    CHECK(c.direction == Direction::Incoming);
    CHECK(c.direction_from_syn);
    CHECK(*c.syn_ns == T0);
    CHECK(m.ips.at(c.peer) == ip(P));
    CHECK(c.peer_port == 50000);
    CHECK(c.vantage_port == 18080);
    CHECK(c.events.size() == 6);
    CHECK_FALSE(c.few_messages);
    CHECK(c.events[0].from_peer);
    CHECK_FALSE(c.events[1].from_peer);
    CHECK(c.events[0].sig_only);
    CHECK(c.first_ns() == T0 + S);
    CHECK(c.last_ns() == T0 + 6 * S);

    CHECK(m.total_messages == 6);
    CHECK(m.messages_by_command.at(1004) == 1);
    CHECK(m.messages_by_command.at(cmd::TimedSync) == 3);
    CHECK(m.input.other_commands == 1);
    CHECK(m.segments.messages == 6);
    CHECK(m.segments.sig_only == 1);
    CHECK(m.segments.segments_histogram[2] == 1);
    CHECK(m.segments.segments_histogram[1] == 5);

    REQUIRE(m.peer_lists.size() == 3);
    CHECK(m.peer_lists[0].from_vantage);
    CHECK(m.peer_lists[0].size_ip() == 2);
    CHECK(m.peer_lists[0].entries_total == 3);
    CHECK(m.peer_lists[0].entries_anon == 1);
    CHECK(m.peer_lists[0].command == cmd::Handshake);
    CHECK(m.peer_lists[1].from_vantage);
    const PeerList& pl = m.peer_lists[2];
    CHECK_FALSE(pl.from_vantage);
    CHECK(m.ips.at(pl.source) == ip(P));
    CHECK(pl.size_ip() == 3);
    CHECK(pl.last_seen_entries == 3);
    CHECK(pl.connection == c.id);
    CHECK(m.ips.at(*m.list_begin(pl)) == ip("8.8.8.8"));
    CHECK(m.ips.at(*(m.list_end(pl) - 1)) == ip("2001:db8::1"));

    REQUIRE(m.peers.size() == 1);
    const PeerNode& pn = m.peers.at(c.peer);
    CHECK(pn.vantage_mask == 1);
    CHECK(pn.connections_in == 1);
    CHECK(pn.connections_out == 0);
    CHECK(pn.messages_sent == 4);
    CHECK(pn.messages_received == 2);
    CHECK(pn.sent_to_vantage_port);
    CHECK_FALSE(pn.vantage_handshake_completed);
    REQUIRE(pn.handshakes.size() == 1);
    CHECK(pn.handshakes[0].is_request);
    CHECK(pn.handshakes[0].node_decoded);
    CHECK_FALSE(pn.handshakes[0].has_support_flags);
    CHECK(*pn.handshakes[0].peer_id == 0x42);
    REQUIRE(pn.pings.size() == 1);
    CHECK(pn.sig_only_msgs == 1);
    REQUIRE(pn.sig_only_evidence.size() == 1);
    CHECK(pn.sig_only_evidence[0].frame == 4);
    CHECK(pn.lists_sent == 1);
    CHECK(pn.lists_with_last_seen == 1);
    CHECK(pn.last_seen_entries == 3);
    CHECK(pn.last_seen_evidence[0].frame == 10);
    CHECK(m.is_vantage_ip(*m.ips.find(ip(V))));
    CHECK_FALSE(m.is_vantage_ip(c.peer));
    CHECK(m.first_ns == T0 + S);
    CHECK(m.last_ns == T0 + 6 * S);
}

TEST_CASE("port rule without SYN, outgoing handshake completed, custom P2P port") {
    ModelBuilder b;
    const uint32_t v = b.add_vantage({"sfo", ip(V), 28080});
    const uint32_t in = b.add_input(v, "x");
    // V (ephemeral 40000) -> peer:18080: outgoing.
    b.add(M(in, 1, T0, V, 40000, P, 18080, cmd::Handshake, MsgType::Request).node(1u).m);
    b.add(M(in, 2, T0 + S, P, 18080, V, 40000, cmd::Handshake, MsgType::Response).node(1u).m);
    // peer -> V:28080 (the vantage's P2P port): incoming.
    b.add(M(in, 3, T0 + 2 * S, "9.9.9.9", 1234, V, 28080, cmd::Handshake, MsgType::Request).node(1u).m);
    // peer -> V:18080 with V listening on 28080: the port rule says outgoing.
    b.add(M(in, 4, T0 + 3 * S, "9.9.9.8", 1234, V, 18080, cmd::Ping, MsgType::Request).m);
    Model m = b.finish();
    REQUIRE(m.connections.size() == 3);
    CHECK(m.connections[0].direction == Direction::Outgoing);
    CHECK_FALSE(m.connections[0].direction_from_syn);
    CHECK(m.connections[1].direction == Direction::Incoming);
    CHECK(m.connections[2].direction == Direction::Outgoing);
    CHECK(m.connections[1].few_messages);
    const PeerNode& p = m.peers.at(m.connections[0].peer);
    CHECK(p.vantage_handshake_completed);
    CHECK(p.connections_out == 1);
    CHECK_FALSE(p.sent_to_vantage_port);
    CHECK(m.peers.at(m.connections[1].peer).sent_to_vantage_port);
    CHECK_FALSE(m.peers.at(m.connections[2].peer).sent_to_vantage_port);
}

TEST_CASE("split: gap > 120 s and a new SYN start new connections; rotated files join") {
    ModelBuilder b;
    const uint32_t v = b.add_vantage({"ams", ip(V), 18080});
    const uint32_t f1 = b.add_input(v, "part1");
    const uint32_t f2 = b.add_input(v, "part2");
    // Connection A spans two rotated files (SYN only in part1), fed interleaved/out of order.
    b.add(M(f2, 1, T0 + 100 * S, P, 50000, V, 18080, cmd::TimedSync, MsgType::Request).m);   // part2, frame 1
    b.add(M(f1, 1, T0 + 1 * S, P, 50000, V, 18080, cmd::Handshake, MsgType::Request).syn(true, T0).m);
    b.add(M(f1, 2, T0 + 60 * S, P, 50000, V, 18080, cmd::TimedSync, MsgType::Request).syn(true, T0).m);
    b.add(M(f2, 2, T0 + 160 * S, P, 50000, V, 18080, cmd::TimedSync, MsgType::Request).m);
    // 120 s exactly is not a gap > 120 s.
    b.add(M(f2, 3, T0 + 280 * S, P, 50000, V, 18080, cmd::TimedSync, MsgType::Request).m);
    // 121 s later: new connection B.
    b.add(M(f2, 4, T0 + 401 * S, P, 50000, V, 18080, cmd::TimedSync, MsgType::Request).m);
    // Same 4-tuple reused within 10 s but with a new SYN: connection C.
    b.add(M(f2, 5, T0 + 410 * S, P, 50000, V, 18080, cmd::Handshake, MsgType::Request).syn(true, T0 + 409 * S).m);
    b.add(M(f2, 6, T0 + 411 * S, V, 18080, P, 50000, cmd::Handshake, MsgType::Response).syn(false, T0 + 409 * S).m);
    Model m = b.finish();
    REQUIRE(m.connections.size() == 3);
    CHECK(m.connections[0].events.size() == 5);
    CHECK(*m.connections[0].syn_ns == T0);
    CHECK(m.connections[0].events[2].input == f2);
    CHECK(m.connections[1].events.size() == 1);
    CHECK(m.connections[1].few_messages);
    CHECK_FALSE(m.connections[1].syn_ns);
    CHECK(m.connections[2].events.size() == 2);
    CHECK(*m.connections[2].syn_ns == T0 + 409 * S);
    for (uint32_t k = 0; k < 3; ++k) CHECK(m.connections[k].id == k);
    CHECK(m.peers.at(m.connections[0].peer).connections_in == 3);
    REQUIRE(m.inputs.size() == 2);
    CHECK(m.inputs[1].name == "part2");
}

TEST_CASE("vantage inference: unique common address, ambiguity, several vantages") {
    ModelBuilder b;
    const uint32_t a = b.add_vantage({"a", std::nullopt, 18080});
    const uint32_t c = b.add_vantage({"c", std::nullopt, 18080});
    const uint32_t ia = b.add_input(a, "a.ek");
    const uint32_t ic = b.add_input(c, "c.ek");
    b.add(M(ia, 1, T0, "192.168.2.100", 40000, "159.69.36.66", 18080, cmd::Handshake, MsgType::Request).m);
    b.add(M(ia, 2, T0 + S, "78.56.22.89", 18080, "192.168.2.100", 40001, cmd::Handshake, MsgType::Response).m);
    // Vantage c sees only one peer: both addresses are in every connection.
    b.add(M(ic, 1, T0, "172.16.0.1", 40000, "172.16.0.2", 18080, cmd::Handshake, MsgType::Request).m);
    Model m = b.finish();
    CHECK(m.vantages[0].ip == ip("192.168.2.100"));
    CHECK(m.vantages[0].ip_inferred);
    REQUIRE(m.input.vantage_errors.size() == 1);
    CHECK(m.input.vantage_errors[0].find("vantage c") != std::string::npos);
    CHECK(m.input.foreign_messages == 1);   // c's messages cannot be attributed
    CHECK(m.connections.size() == 2);
    CHECK(m.peers.size() == 2);
}

TEST_CASE("foreign traffic, two vantages, evidence cap and determinism") {
    ModelBuilder::Options o;
    o.max_evidence = 2;
    auto build = [&](bool reverse) {
        ModelBuilder b(o);
        const uint32_t v0 = b.add_vantage({"v0", ip(V), 18080});
        const uint32_t v1 = b.add_vantage({"v1", ip("10.0.0.2"), 18080});
        const uint32_t i0 = b.add_input(v0, "v0.ek");
        const uint32_t i1 = b.add_input(v1, "v1.ek");
        std::vector<LevinMessage> ms;
        for (int k = 0; k < 4; ++k) {
            ms.push_back(M(i0, 10 + k, T0 + k * S, P, uint16_t(50000 + k), V, 18080, cmd::Ping, MsgType::Request).sig().m);
            ms.push_back(M(i1, 20 + k, T0 + k * S, P, uint16_t(50000 + k), "10.0.0.2", 18080, cmd::Ping, MsgType::Request).m);
        }
        ms.push_back(M(i0, 99, T0, "3.3.3.3", 1, "4.4.4.4", 18080, cmd::Ping, MsgType::Request).m);  // foreign
        if (reverse) std::reverse(ms.begin(), ms.end());
        for (auto& x : ms) b.add(x);
        return b.finish();
    };
    Model m1 = build(false), m2 = build(true);
    CHECK(m1.input.foreign_messages == 1);
    REQUIRE(m1.connections.size() == 8);
    const PeerNode& p = m1.peers.at(*m1.ips.find(ip(P)));
    CHECK(p.vantage_mask == 3);
    CHECK(p.connections_in == 8);
    CHECK(p.sig_only_msgs == 4);
    REQUIRE(p.sig_only_evidence.size() == 2);
    CHECK(p.sig_only_evidence[0].frame == 10);
    CHECK(p.sig_only_evidence[1].frame == 11);
    const PeerNode& q = m2.peers.at(*m2.ips.find(ip(P)));
    CHECK(q.sig_only_evidence[0].frame == 10);
    for (size_t k = 0; k < 8; ++k) {
        CHECK(m1.connections[k].vantage == m2.connections[k].vantage);
        CHECK(m1.connections[k].peer_port == m2.connections[k].peer_port);
    }
    CHECK(m1.connections[0].vantage == 0);
    CHECK(m1.connections[7].vantage == 1);
}

TEST_CASE("identical peer lists share one stored range; contents of dropped lists are compacted away") {
    ModelBuilder b;
    const uint32_t v = b.add_vantage({"v", ip(V), 18080});
    const uint32_t in = b.add_input(v, "v.ek");
    // a foreign list first (dropped in finish), then the same content twice, a reordered one, one
    // with a duplicate entry, and the first content again on another connection
    b.add(M(in, 1, T0, "3.3.3.3", 1, "4.4.4.4", 18080, cmd::TimedSync, MsgType::Response).list({"7.7.7.7"}).m);
    b.add(M(in, 2, T0 + 1 * S, P, 50000, V, 18080, cmd::TimedSync, MsgType::Response).list({"5.5.5.5", "6.6.6.6"}).m);
    b.add(M(in, 3, T0 + 2 * S, P, 50000, V, 18080, cmd::TimedSync, MsgType::Response).list({"5.5.5.5", "6.6.6.6"}).m);
    b.add(M(in, 4, T0 + 3 * S, P, 50000, V, 18080, cmd::TimedSync, MsgType::Response).list({"6.6.6.6", "5.5.5.5"}).m);
    b.add(M(in, 5, T0 + 4 * S, P, 50000, V, 18080, cmd::TimedSync, MsgType::Response).list({"5.5.5.5", "5.5.5.5"}).m);
    b.add(M(in, 6, T0 + 5 * S, "2.2.2.2", 50001, V, 18080, cmd::TimedSync, MsgType::Response).list({"5.5.5.5", "6.6.6.6"}).m);
    Model m = b.finish();
    CHECK(m.input.foreign_messages == 1);
    REQUIRE(m.peer_lists.size() == 5);
    auto ips_of = [&](const PeerList& l) {
        std::vector<std::string> out;
        for (const IpId* p = m.list_begin(l); p != m.list_end(l); ++p) out.push_back(m.ips.at(*p).to_string());
        return out;
    };
    using VS = std::vector<std::string>;
    CHECK(ips_of(m.peer_lists[0]) == VS{"5.5.5.5", "6.6.6.6"});
    CHECK(ips_of(m.peer_lists[1]) == VS{"5.5.5.5", "6.6.6.6"});
    CHECK(ips_of(m.peer_lists[2]) == VS{"6.6.6.6", "5.5.5.5"});   // wire order kept
    CHECK(ips_of(m.peer_lists[3]) == VS{"5.5.5.5", "5.5.5.5"});   // duplicates kept
    CHECK(ips_of(m.peer_lists[4]) == VS{"5.5.5.5", "6.6.6.6"});
    CHECK(m.peer_lists[0].ips_begin == m.peer_lists[1].ips_begin);
    CHECK(m.peer_lists[0].ips_begin == m.peer_lists[4].ips_begin);
    CHECK(m.peer_lists[0].ips_begin != m.peer_lists[2].ips_begin);
    for (const auto& l : m.peer_lists) CHECK(l.entries_total == 3);   // + the Tor entry of M::list
    // stored once each: {5,6}, {6,5}, {5,5}; the foreign list's 7.7.7.7 is gone
    CHECK(m.list_ips.size() == 6);
    for (IpId x : m.list_ips) CHECK(m.ips.at(x).to_string() != "7.7.7.7");
}

TEST_CASE("empty builder") {
    ModelBuilder b;
    b.add_vantage({"x", std::nullopt, 18080});
    Model m = b.finish();
    CHECK(m.connections.empty());
    CHECK(m.total_messages == 0);
    CHECK(m.input.vantage_errors.empty());
    CHECK(m.vantages.size() == 1);
}

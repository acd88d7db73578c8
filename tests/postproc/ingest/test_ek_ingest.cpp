// Unit tests of the streaming ek reader (postproc/ingest/ek_ingest.*) on hand-written ek lines
// shaped as docs/ek-contract.md describes for tshark 4.0 and 4.4.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "ingest/ek_ingest.hpp"
#include "ingest/line_splitter.hpp"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

using namespace msc;

namespace {

// The always-present fields of one message, as "key":value pairs (without braces).
std::string base_fields(const std::string& cmd = "1002", const std::string& type = "1",
                        const std::string& frame = "5") {
    return R"("monero_monero_frame_time":"1700000000.123456789","monero_monero_frame":")" + frame +
           R"(","monero_monero_src":"10.0.0.1","monero_monero_dst":"10.0.0.2",)"
           R"("monero_monero_srcport":"18080","monero_monero_dstport":"40000","monero_monero_stream":"3",)"
           R"("monero_monero_signature":"0x0101010101012101","monero_monero_length":"10",)"
           R"("monero_monero_have_to_return_data":false,"monero_monero_command":")" + cmd +
           R"(","monero_monero_return_code":"1","monero_monero_flags":"0x00000002","monero_monero_version":"1",)"
           R"("monero_monero_msg_type":")" + type +
           R"(","monero_monero_sig_only":false,"monero_monero_segments":"1","monero_monero_header_split":false,)"
           R"("monero_monero_first_segment_len":"43","monero_monero_payload_decoded":true)";
}

std::string doc(const std::string& monero_layer) {
    return R"({"timestamp":"1700000000123","layers":{"frame":{"filtered":"frame"},"tcp":{"filtered":"tcp"},"monero":)" +
           monero_layer + "}}";
}

struct Run {
    std::vector<LevinMessage> msgs;
    std::vector<std::string> errors;
    EkIngest ing;
    Run()
        : ing(7, "test.ek", [this](const LevinMessage& m) { msgs.push_back(m); },
              [this](const std::string& e) { errors.push_back(e); }) {}
    bool feed(const std::string& line) { return ing.feed_line(line); }
};

// Replaces the first occurrence of `from` (which must exist) by `to`.
std::string replaced(std::string s, const std::string& from, const std::string& to) {
    const size_t at = s.find(from);
    REQUIRE(at != std::string::npos);
    return s.replace(at, from.size(), to);
}

long max_rss_kb() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

} // namespace

TEST_CASE("scalar parsers: exact times, integers, IPs") {
    int64_t t = 0;
    CHECK(parse_time_ns("1700000000.123456789", t));
    CHECK(t == 1700000000123456789LL);
    CHECK(parse_time_ns("1700000000.5", t));
    CHECK(t == 1700000000500000000LL);
    CHECK(parse_time_ns("1700000000", t));
    CHECK(t == 1700000000000000000LL);
    CHECK(parse_time_ns("1.0000000019", t));   // 10th digit truncated, never rounded
    CHECK(t == 1000000001LL);
    CHECK_FALSE(parse_time_ns("-1.5", t));
    CHECK_FALSE(parse_time_ns("1e9", t));
    CHECK_FALSE(parse_time_ns("", t));
    CHECK_FALSE(parse_time_ns("12.", t));
    CHECK_FALSE(parse_time_ns("99999999999999999999.1", t));   // absurd, no overflow

    uint64_t u = 0;
    CHECK(parse_uint("0xacacc23b48619611", UINT64_MAX, u));
    CHECK(u == 0xacacc23b48619611ULL);
    CHECK(parse_uint("18446744073709551615", UINT64_MAX, u));
    CHECK(u == UINT64_MAX);
    CHECK_FALSE(parse_uint("18446744073709551616", UINT64_MAX, u));
    CHECK_FALSE(parse_uint("0x1ffffffffffffffff", UINT64_MAX, u));
    CHECK(parse_uint("0x00000000000000000001", UINT64_MAX, u));
    CHECK(u == 1);
    CHECK_FALSE(parse_uint("65536", 65535, u));
    CHECK_FALSE(parse_uint("-1", 65535, u));
    CHECK_FALSE(parse_uint("12a", 65535, u));
    int64_t i = 0;
    CHECK(parse_int("-4", INT32_MIN, INT32_MAX, i));
    CHECK(i == -4);
    CHECK_FALSE(parse_int("2147483648", INT32_MIN, INT32_MAX, i));

    CHECK(parse_ip_fast("1.2.3.4")->to_string() == "1.2.3.4");
    CHECK(parse_ip_fast("255.255.255.255"));
    CHECK_FALSE(parse_ip_fast("256.1.1.1"));
    CHECK_FALSE(parse_ip_fast("1.2.3"));
    CHECK_FALSE(parse_ip_fast("1.2.3.4.5"));
    CHECK_FALSE(parse_ip_fast("01.2.3.4"));
    CHECK_FALSE(parse_ip_fast(""));
    CHECK(parse_ip_fast("2001:db8::1")->is_v6());
    CHECK(parse_ip_fast("[2001:db8::1]")->to_string() == "2001:db8::1");
}

TEST_CASE("one object: every contract field mapped") {
    Run r;
    const std::string obj = "{" + base_fields("1001", "0") +
        R"(,"monero_monero_sender_initiated":true,"monero_monero_stream_start":"1699999999.000000001",)"
        R"("monero_monero_node_data_peer_id":"0xacacc23b48619611","monero_monero_node_data_my_port":"18080",)"
        R"("monero_monero_node_data_rpc_port":"18089","monero_monero_node_data_support_flags":"0x00000001",)"
        R"("monero_monero_node_data_network":"1","monero_monero_sync_current_height":"3000000",)"
        R"("monero_monero_sync_cumulative_difficulty":"0xffffffffffffffff","monero_monero_sync_top_version":"16",)"
        R"("monero_monero_sync_pruning_seed":"0x181"})";
    CHECK(r.feed(R"({"index":{"_index":"packets-2023-11-27","_type":"doc"}})"));
    CHECK(r.feed(doc(obj)));
    REQUIRE(r.msgs.size() == 1);
    const LevinMessage& m = r.msgs[0];
    CHECK(m.input == 7);
    CHECK(m.line == 2);
    CHECK(m.frame == 5);
    CHECK(m.index_in_frame == 0);
    CHECK(m.time_ns == 1700000000123456789LL);
    CHECK(m.src.to_string() == "10.0.0.1");
    CHECK(m.dst.to_string() == "10.0.0.2");
    CHECK(m.sport == 18080);
    CHECK(m.dport == 40000);
    CHECK(m.stream == 3);
    REQUIRE(m.sender_initiated);
    CHECK(*m.sender_initiated);
    REQUIRE(m.stream_start_ns);
    CHECK(*m.stream_start_ns == 1699999999000000001LL);
    CHECK(m.length == 10);
    CHECK(m.command == 1001);
    CHECK(m.return_code == 1);
    CHECK(m.flags == 2);
    CHECK(m.version == 1);
    CHECK(m.type == MsgType::Request);
    CHECK(m.payload_decoded);
    CHECK_FALSE(m.sig_only);
    CHECK(m.first_segment_len == 43);
    REQUIRE(m.node);
    CHECK(*m.node->peer_id == 0xacacc23b48619611ULL);
    CHECK(*m.node->my_port == 18080);
    CHECK(*m.node->rpc_port == 18089);
    CHECK(*m.node->support_flags == 1);
    CHECK(*m.node->network == 1);
    REQUIRE(m.sync);
    CHECK(*m.sync->current_height == 3000000);
    CHECK(*m.sync->cumulative_difficulty == UINT64_MAX);
    CHECK(*m.sync->top_version == 16);
    CHECK(*m.sync->pruning_seed == 0x181);
    CHECK_FALSE(m.has_peerlist);
    CHECK(r.ing.stats().index_lines == 1);
    CHECK(r.ing.stats().frames == 1);
    CHECK(r.ing.stats().malformed_lines == 0);
    CHECK(r.errors.empty());
}

TEST_CASE("array of objects: several messages in one frame, marker objects skipped") {
    Run r;
    const std::string layer = "[{" + base_fields("1003", "0") + "}," +
        "{" + base_fields("2002", "2") + R"(,"monero_monero_fragment_inner":true})" + "," +
        R"({"monero_monero_sig_segment":true,"monero_monero_sig_segment_message_in":"9"},)" +
        "{" + base_fields("1007", "1") + R"(,"monero_monero_support_flags":"0x00000001"}])";
    CHECK(r.feed(doc(layer)));
    REQUIRE(r.msgs.size() == 2);
    CHECK(r.msgs[0].command == 1003);
    CHECK(r.msgs[0].index_in_frame == 0);
    CHECK(r.msgs[1].command == 1007);
    CHECK(r.msgs[1].index_in_frame == 1);
    CHECK(*r.msgs[1].support_flags_response == 1);
    CHECK(r.ing.stats().skipped_objects == 1);
    CHECK(r.ing.stats().fragment_inner == 1);
    CHECK(r.ing.stats().messages == 2);
}

TEST_CASE("tshark 4.0 duplicate keys concatenate; 4.4 reordered keys and True/False strings") {
    // Duplicate peer_addr / peer_keys keys (values concatenate in order).
    Run r;
    const std::string obj40 = "{" + base_fields() +
        R"(,"monero_monero_peerlist_count":"3","monero_monero_peer_keys":["0x0001","0x0000"],"monero_monero_peer_type":["1","1"],)"
        R"("monero_monero_peer_addr":"1.1.1.1:18080","monero_monero_peer_id":"0x11",)"
        R"("monero_monero_peer_addr":["2.2.2.2:18080","3.3.3.3:18081"],"monero_monero_peer_keys":"0x0000","monero_monero_peer_type":"1"})";
    CHECK(r.feed(doc(obj40)));
    REQUIRE(r.msgs.size() == 1);
    REQUIRE(r.msgs[0].peers.size() == 3);
    CHECK(r.msgs[0].peers[0].ip->to_string() == "1.1.1.1");
    CHECK(*r.msgs[0].peers[0].id == 0x11);
    CHECK(r.msgs[0].peers[2].ip->to_string() == "3.3.3.3");
    CHECK(r.msgs[0].peers[2].port == 18081);

    // 4.4: keys in hash order, booleans as "True"/"False", layers reordered.
    Run r2;
    const std::string obj44 =
        R"({"monero_monero_payload_decoded":"True","monero_monero_msg_type":"0","monero_monero_command":"1001",)"
        R"("monero_monero_sig_only":"True","monero_monero_dst":"10.0.0.2","monero_monero_stream":"1",)"
        R"("monero_monero_srcport":"40000","monero_monero_frame":"2","monero_monero_src":"10.0.0.1",)"
        R"("monero_monero_header_split":"False","monero_monero_dstport":"18080","monero_monero_sender_initiated":"1",)"
        R"("monero_monero_frame_time":"1700000001.000000000","monero_monero_have_to_return_data":"True"})";
    CHECK(r2.feed(R"({"layers":{"monero":)" + obj44 + R"(,"tcp":{"filtered":"tcp"}},"timestamp":"1700000001000"})"));
    REQUIRE(r2.msgs.size() == 1);
    CHECK(r2.msgs[0].sig_only);
    CHECK(r2.msgs[0].payload_decoded);
    CHECK(r2.msgs[0].expect_response);
    CHECK(*r2.msgs[0].sender_initiated);
    CHECK_FALSE(r2.msgs[0].header_split);
    CHECK(r2.msgs[0].sport == 40000);
}

TEST_CASE("peer entries: optional values assigned by counting the bit masks") {
    Run r;
    // e0: id+last_seen; e1: nothing; e2: id+pruning+rpc_port+credits; e3: Tor host; e4: IPv6 + last_seen;
    // e5: invalid address (type 0, "").
    const std::string obj = "{" + base_fields() +
        R"(,"monero_monero_peerlist_count":"6",)"
        R"("monero_monero_peer_keys":["0x0023","0x0020","0x003d","0x0020","0x0062","0x0000"],)"
        R"("monero_monero_peer_type":["1","1","1","4","2","0"],)"
        R"("monero_monero_peer_addr":["100.42.27.58:18080","8.8.8.8:18080","9.9.9.9:18089","abcdefghijklmnop.onion:18083","[2001:db8::7]:18080",""],)"
        R"("monero_monero_peer_id":["0xa","0xc"],)"
        R"("monero_monero_peer_last_seen":["1701108541.000000000","1701108542.000000000"],)"
        R"("monero_monero_peer_pruning_seed":"0x181","monero_monero_peer_rpc_port":"18089",)"
        R"("monero_monero_peer_rpc_credits_per_hash":"100"})";
    CHECK(r.feed(doc(obj)));
    REQUIRE(r.msgs.size() == 1);
    const auto& p = r.msgs[0].peers;
    REQUIRE(p.size() == 6);
    CHECK(r.msgs[0].has_peerlist);
    CHECK(p[0].type == PeerAddrType::IPv4);
    CHECK(p[0].ip->to_string() == "100.42.27.58");
    CHECK(p[0].port == 18080);
    CHECK(*p[0].id == 0xa);
    CHECK(*p[0].last_seen == 1701108541);
    CHECK_FALSE(p[1].id);
    CHECK_FALSE(p[1].last_seen);
    CHECK(*p[2].id == 0xc);
    CHECK(*p[2].pruning_seed == 0x181);
    CHECK(*p[2].rpc_port == 18089);
    CHECK(*p[2].rpc_credits_per_hash == 100);
    CHECK_FALSE(p[2].last_seen);
    CHECK(p[3].type == PeerAddrType::Tor);
    CHECK_FALSE(p[3].ip);
    CHECK(p[3].host == "abcdefghijklmnop.onion");
    CHECK(p[3].port == 18083);
    CHECK(p[4].type == PeerAddrType::IPv6);
    CHECK(p[4].ip->to_string() == "2001:db8::7");
    CHECK(*p[4].last_seen == 1701108542);
    CHECK(p[4].unknown_keys);
    CHECK(p[5].type == PeerAddrType::Invalid);
    CHECK_FALSE(p[5].ip);
}

TEST_CASE("peer entries: inconsistent masks are malformed, the line's other messages are kept") {
    Run r;
    const std::string bad = "{" + base_fields("1002", "1", "6") +
        R"(,"monero_monero_peer_keys":["0x0021","0x0021"],"monero_monero_peer_type":["1","1"],)"
        R"("monero_monero_peer_addr":["1.1.1.1:1","2.2.2.2:2"],"monero_monero_peer_id":"0x1"})";
    const std::string good = "{" + base_fields("1003", "0", "6") + "}";
    CHECK_FALSE(r.feed(doc("[" + bad + "," + good + "]")));
    REQUIRE(r.msgs.size() == 1);
    CHECK(r.msgs[0].command == 1003);
    CHECK(r.msgs[0].index_in_frame == 0);
    CHECK(r.ing.stats().malformed_lines == 1);
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].rfind("test.ek:1: peer entries", 0) == 0);
}

TEST_CASE("peer entries: the compact form gives the same entries as the per-entry tree") {
    Run r;
    // the six entries of the test above, as monero.peerlist.compact writes them
    const std::string obj = "{" + base_fields() +
        R"(,"monero_monero_peerlist_count":"6","monero_monero_peerlist_compact":")"
        R"(35;1;100.42.27.58:18080;10;1701108541;;; 32;1;8.8.8.8:18080;;;;; 61;1;9.9.9.9:18089;12;;385;18089;100 )"
        R"(32;4;abcdefghijklmnop.onion:18083;;;;; 98;2;[2001:db8::7]:18080;;1701108542;;; 0;0;;;;;;"})";
    CHECK(r.feed(doc(obj)));
    REQUIRE(r.errors.empty());
    REQUIRE(r.msgs.size() == 1);
    const auto& p = r.msgs[0].peers;
    REQUIRE(p.size() == 6);
    CHECK(r.msgs[0].has_peerlist);
    CHECK(p[0].ip->to_string() == "100.42.27.58");
    CHECK(p[0].port == 18080);
    CHECK(*p[0].id == 10);
    CHECK(*p[0].last_seen == 1701108541);
    CHECK_FALSE(p[1].id);
    CHECK(*p[2].id == 12);
    CHECK(*p[2].pruning_seed == 385);
    CHECK(*p[2].rpc_port == 18089);
    CHECK(*p[2].rpc_credits_per_hash == 100);
    CHECK(p[3].type == PeerAddrType::Tor);
    CHECK(p[3].host == "abcdefghijklmnop.onion");
    CHECK(p[4].type == PeerAddrType::IPv6);
    CHECK(p[4].ip->to_string() == "2001:db8::7");
    CHECK(*p[4].last_seen == 1701108542);
    CHECK(p[4].unknown_keys);
    CHECK(p[5].type == PeerAddrType::Invalid);

    // an empty list is a list with no entries
    CHECK(r.feed(doc("{" + base_fields("1002", "1", "7") +
                     R"(,"monero_monero_peerlist_count":"0","monero_monero_peerlist_compact":""})")));
    REQUIRE(r.msgs.size() == 2);
    CHECK(r.msgs[1].has_peerlist);
    CHECK(r.msgs[1].peers.empty());
}

TEST_CASE("peer entries: malformed compact strings are reported, other messages kept") {
    const char* bad[] = {
        "35;1;1.2.3.4:1;10;1701108541;;",          // 7 values
        "35;1;1.2.3.4:1;10;1701108541;;;;",        // 9 values
        "33;1;1.2.3.4:1;;;;;",                     // id bit set, id empty
        "32;1;1.2.3.4:1;5;;;;",                    // id given, bit not set
        "33;1;1.2.3.4:1;x;;;;",                    // id not a number
        "65536;1;1.2.3.4:1;;;;;",                  // keys out of range
        "40;1;1.2.3.4:1;;;;70000;",                // rpc_port out of range
        "34;1;1.2.3.4:1;;9223372036854775808;;;",  // last_seen beyond int64
        "32;1;1.2.3.4:1;;;;; ",                    // trailing space
        "32;1;1.2.3.4:1;;;;;  32;1;1.2.3.4:1;;;;;",// empty entry
    };
    for (const char* c : bad) {
        CAPTURE(c);
        Run r;
        const std::string m1 = "{" + base_fields("1002", "1", "6") + R"(,"monero_monero_peerlist_compact":")" + c + "\"}";
        const std::string m2 = "{" + base_fields("1003", "0", "6") + "}";
        CHECK_FALSE(r.feed(doc("[" + m1 + "," + m2 + "]")));
        REQUIRE(r.msgs.size() == 1);
        CHECK(r.msgs[0].command == 1003);
        REQUIRE(r.errors.size() == 1);
        CHECK(r.errors[0].find("peerlist_compact") != std::string::npos);
    }
    // both forms in one message
    Run r;
    CHECK_FALSE(r.feed(doc("{" + base_fields() + R"(,"monero_monero_peerlist_compact":"32;1;1.2.3.4:1;;;;;",)"
                           R"("monero_monero_peer_keys":"0x0020","monero_monero_peer_type":"1","monero_monero_peer_addr":"1.2.3.4:1"})")));
    CHECK(r.msgs.empty());
    // a negative last_seen is a value the peer sent, not an error
    Run ok;
    CHECK(ok.feed(doc("{" + base_fields() + R"(,"monero_monero_peerlist_compact":"34;1;1.2.3.4:1;;-5;;;"})")));
    REQUIRE(ok.msgs.size() == 1);
    CHECK(*ok.msgs[0].peers[0].last_seen == -5);
}

// Every field of a message as text, to compare what two input forms produced.
std::string describe(const LevinMessage& m) {
    auto o = [](const auto& v) { return v ? std::to_string(*v) : std::string("-"); };
    std::string s = std::to_string(m.frame) + "/" + std::to_string(m.index_in_frame) + " t" + std::to_string(m.time_ns) +
        " " + m.src.to_string() + ":" + std::to_string(m.sport) + ">" + m.dst.to_string() + ":" + std::to_string(m.dport) +
        " s" + std::to_string(m.stream) + " si" + (m.sender_initiated ? std::to_string(*m.sender_initiated) : "-") +
        " ss" + o(m.stream_start_ns) + " len" + std::to_string(m.length) + " exp" + std::to_string(m.expect_response) +
        " cmd" + std::to_string(m.command) + " rc" + std::to_string(m.return_code) + " fl" + std::to_string(m.flags) +
        " v" + std::to_string(m.version) + " ty" + std::to_string(int(m.type)) + " so" + std::to_string(m.sig_only) +
        " seg" + std::to_string(m.segments) + " hs" + std::to_string(m.header_split) + " fsl" +
        std::to_string(m.first_segment_len) + " dec" + std::to_string(m.payload_decoded);
    if (m.node) s += " nd" + o(m.node->peer_id) + "," + o(m.node->my_port) + "," + o(m.node->rpc_port) + "," +
                     o(m.node->rpc_credits_per_hash) + "," + o(m.node->support_flags) + "," + o(m.node->network);
    if (m.sync) s += " sy" + o(m.sync->current_height) + "," + o(m.sync->cumulative_difficulty) + "," +
                     o(m.sync->cumulative_difficulty_top64) + "," + o(m.sync->top_version) + "," + o(m.sync->pruning_seed);
    s += " pl" + std::to_string(m.has_peerlist) + ":" + std::to_string(m.peers.size());
    for (const auto& p : m.peers)
        s += " [" + std::to_string(int(p.type)) + " " + (p.ip ? p.ip->to_string() : p.host) + ":" + std::to_string(p.port) +
             " " + o(p.id) + " " + o(p.last_seen) + " " + o(p.pruning_seed) + " " + o(p.rpc_port) + " " +
             o(p.rpc_credits_per_hash) + " " + std::to_string(p.unknown_keys) + "]";
    s += " ps" + (m.ping_status ? *m.ping_status : std::string("-")) + " pid" + o(m.ping_peer_id) + " sf" +
         o(m.support_flags_response);
    return s;
}

// base_fields() as a monero.record (ek-contract.md §3b), as the plugin writes it.
std::string base_record(const std::string& cmd = "1002", const std::string& type = "1", const std::string& frame = "5") {
    return "frame_time=1700000000.123456789|frame=" + frame + "|src=10.0.0.1|dst=10.0.0.2|srcport=18080|dstport=40000|"
           "stream=3|signature=72340172838084865|length=10|have_to_return_data=0|command=" + cmd +
           "|return_code=1|flags=2|version=1|msg_type=" + type + "|segments=1|header_split=0|first_segment_len=43|"
           "payload_decoded=1";
}

TEST_CASE("monero.record: ek (-e monero.record) and -T fields lines give the same messages as the object form") {
    const std::string nd_obj =
        R"(,"monero_monero_sender_initiated":true,"monero_monero_stream_start":"1699999999.000000001",)"
        R"("monero_monero_node_data_peer_id":"0xacacc23b48619611","monero_monero_node_data_my_port":"18080",)"
        R"("monero_monero_node_data_rpc_port":"18089","monero_monero_node_data_support_flags":"0x00000001",)"
        R"("monero_monero_node_data_network":"1","monero_monero_sync_current_height":"3000000",)"
        R"("monero_monero_sync_cumulative_difficulty":"0xffffffffffffffff","monero_monero_sync_top_version":"16",)"
        R"("monero_monero_sync_pruning_seed":"0x181","monero_monero_peerlist_count":"2",)"
        R"("monero_monero_peerlist_compact":"35;1;100.42.27.58:18080;10;1701108541;;; 98;2;[2001:db8::7]:18080;;-3;;;")";
    const std::string nd_rec =
        "|sender_initiated=1|stream_start=1699999999.000000001|node_data_peer_id=12442533430391051793|"
        "node_data_my_port=18080|node_data_rpc_port=18089|node_data_support_flags=1|node_data_network=1|"
        "sync_current_height=3000000|sync_cumulative_difficulty=18446744073709551615|sync_top_version=16|"
        "sync_pruning_seed=385|peerlist_count=2|"
        "peerlist_compact=35;1;100.42.27.58:18080;10;1701108541;;; 98;2;[2001:db8::7]:18080;;-3;;;";
    const std::string ping_obj = R"(,"monero_monero_ping_status":"OK|=,%","monero_monero_ping_peer_id":"0x10"})";
    const std::string ping_rec = "|ping_status=OK%7C%3D%2C%25|ping_peer_id=16";

    Run obj;
    REQUIRE(obj.feed(doc("[{" + base_fields("1001", "0") + nd_obj + "},{" + base_fields("1003", "2") + ping_obj + "]")));
    REQUIRE(obj.msgs.size() == 2);
    CHECK(*obj.msgs[1].ping_status == "OK|=,%");

    const std::string r1 = base_record("1001", "0") + nd_rec, r2 = base_record("1003", "2") + ping_rec;
    Run ek, fields;
    REQUIRE(ek.feed(R"({"timestamp":"1700000000123","layers":{"monero_record":[")" + r1 + "\",\"" + r2 + "\"]}}"));
    REQUIRE(fields.feed(r1 + "," + r2));
    for (Run* r : {&ek, &fields}) {
        REQUIRE(r->errors.empty());
        REQUIRE(r->msgs.size() == 2);
        for (size_t i = 0; i < 2; ++i) CHECK(describe(r->msgs[i]) == describe(obj.msgs[i]));
        CHECK(r->ing.stats().frames == 1);
        CHECK(r->ing.stats().messages == 2);
    }
    // a single record as a scalar, the signature-segment marker, an inner fragment message
    Run more;
    CHECK(more.feed(R"({"layers":{"monero_record":")" + base_record("1007", "1") + "|support_flags=1\"}}"));
    CHECK(more.feed("sig_segment=1|sig_segment_message_in=9"));
    CHECK(more.feed(base_record("2002", "2") + "|fragment_inner=1," + base_record("1003", "0")));
    REQUIRE(more.msgs.size() == 2);
    CHECK(*more.msgs[0].support_flags_response == 1);
    CHECK(more.msgs[1].command == 1003);
    CHECK(more.msgs[1].index_in_frame == 0);
    CHECK(more.ing.stats().skipped_objects == 1);
    CHECK(more.ing.stats().fragment_inner == 1);
    CHECK(more.ing.stats().malformed_lines == 0);
    // unknown keys (a newer plugin) are ignored
    Run fwd;
    CHECK(fwd.feed(base_record() + "|some_future_field=x%41"));
    CHECK(fwd.msgs.size() == 1);
}

TEST_CASE("monero.record: malformed records are skipped on their own, the line's other records kept") {
    const std::string bad[] = {
        base_record() + "|nokey",                  // item without '='
        base_record() + "|=5",                     // empty key
        base_record() + "|",                       // trailing '|'
        base_record() + "||segments=1",            // empty item
        base_record() + "|ping_status=a%4",        // truncated percent escape
        base_record() + "|ping_status=%zz",        // not hex
        replaced(base_record(), "srcport=18080", "srcport=70000"),   // out of range
        replaced(base_record(), "frame=5|", ""),                     // required field missing
        replaced(base_record(), "src=10.0.0.1", "src=10.0.0.1%7C"),  // not an IP after decoding
    };
    for (const std::string& b : bad) {
        CAPTURE(b);
        for (int form = 0; form < 2; ++form) {
            Run r;
            const std::string good = base_record("1003", "0", "6");
            const std::string line = form == 0 ? b + "," + good
                                               : R"({"layers":{"monero_record":[")" + b + "\",\"" + good + "\"]}}";
            CHECK_FALSE(r.feed(line));
            REQUIRE(r.msgs.size() == 1);
            CHECK(r.msgs[0].command == 1003);
            CHECK(r.ing.stats().malformed_lines == 1);
            REQUIRE(r.errors.size() == 1);
        }
    }
    // a non-string in the ek array is reported; the strings next to it are kept
    Run r;
    CHECK_FALSE(r.feed(R"({"layers":{"monero_record":[7,")" + base_record() + "\"]}}"));
    CHECK(r.msgs.size() == 1);
    CHECK(r.errors.at(0).find("not a string") != std::string::npos);
    // an empty fields line is an empty line; a lone "," is two empty records (no command: skipped)
    Run e;
    CHECK(e.feed(""));
    CHECK(e.feed(","));
    CHECK(e.msgs.empty());
    CHECK(e.ing.stats().skipped_objects == 2);
    CHECK(e.ing.stats().malformed_lines == 0);
}

TEST_CASE("LineSplitter: any chunking gives the same lines; overlong lines are reported, never held") {
    const std::string text = "alpha\n\nbravo-bravo\n" + std::string(40, 'x') + "\ncharlie\nlast-without-newline";
    for (size_t chunk = 1; chunk <= text.size(); ++chunk) {
        CAPTURE(chunk);
        LineSplitter split(20);
        std::vector<std::string> lines;
        std::vector<uint64_t> overlong;
        bool skipped_seen = false;
        auto on_line = [&](std::string_view l) { lines.emplace_back(l); };
        auto on_over = [&](uint64_t n) { overlong.push_back(n); };
        for (size_t at = 0; at < text.size(); at += chunk) {
            split.feed(std::string_view(text).substr(at, chunk), on_line, on_over);
            skipped_seen |= split.skipping();
        }
        split.finish(on_line, on_over);
        CHECK(lines == std::vector<std::string>{"alpha", "", "bravo-bravo", "charlie", "last-without-newline"});
        CHECK(overlong == std::vector<uint64_t>{40});
        if (chunk == 1) CHECK(skipped_seen);   // byte by byte, the skipping state is visible between feeds
        CHECK_FALSE(split.skipping());
    }
    // an overlong last line without a newline is reported at finish()
    LineSplitter s(4);
    std::vector<uint64_t> over;
    s.feed("ok\n0123456789", [](std::string_view) {}, [&](uint64_t n) { over.push_back(n); });
    CHECK(s.skipping());
    s.finish([](std::string_view) {}, [&](uint64_t n) { over.push_back(n); });
    CHECK(over == std::vector<uint64_t>{10});
    // Stop mode (run's tshark pipe): nothing after the byte over the cap, even in the same chunk
    LineSplitter stop(4, LineSplitter::Overlong::Stop);
    std::vector<std::string> got;
    auto keep = [&](std::string_view l) { got.emplace_back(l); };
    auto never = [&](uint64_t) { FAIL("no overlong report in Stop mode"); };
    stop.feed("ok\n0123456789\nafter\n", keep, never);
    CHECK(stop.skipping());
    stop.feed("more\n", keep, never);
    CHECK(got == std::vector<std::string>{"ok"});
    CHECK(stop.skipping());
}

TEST_CASE("malformed lines: truncated, garbage, wrong types, absurd numbers") {
    Run r;
    const std::string ok = doc("{" + base_fields() + "}");
    CHECK(r.feed(ok));
    CHECK_FALSE(r.feed(ok.substr(0, ok.size() / 2)));                 // truncated
    CHECK_FALSE(r.feed(ok + "x"));                                     // trailing garbage
    CHECK_FALSE(r.feed("not json at all"));
    CHECK_FALSE(r.feed(R"({"layers":{"monero":{"monero_monero_command":"1002"}}})"));   // required fields missing
    const std::string wrong = replaced(ok, R"("monero_monero_srcport":"18080")", R"("monero_monero_srcport":{"a":1})");
    CHECK_FALSE(r.feed(wrong));                                        // wrong type
    const std::string absurd = replaced(ok, R"("monero_monero_dstport":"40000")", R"("monero_monero_dstport":"99999999999999999999999")");
    CHECK_FALSE(r.feed(absurd));                                       // absurd number
    const std::string badtime = replaced(ok, "1700000000.123456789", "1700000000.12345678x");
    CHECK_FALSE(r.feed(badtime));
    const std::string badip = replaced(ok, "10.0.0.1", "10.0.0.x");
    CHECK_FALSE(r.feed(badip));
    CHECK(r.feed(ok));
    CHECK(r.msgs.size() == 2);
    CHECK(r.ing.stats().malformed_lines == 8);
    CHECK(r.ing.stats().lines == 10);
    REQUIRE(r.errors.size() == 8);
    CHECK(r.errors[0].rfind("test.ek:2: truncated line", 0) == 0);
    CHECK(r.errors[1].rfind("test.ek:3: invalid JSON", 0) == 0);
    CHECK(r.errors[4].find("monero_monero_srcport: wrong type") != std::string::npos);
    CHECK(r.errors[5].find("monero_monero_dstport: not an unsigned integer in range") != std::string::npos);
    CHECK(r.errors[6].find("monero_monero_frame_time") != std::string::npos);
    CHECK(r.errors[7].find("monero_monero_src: not an IP address") != std::string::npos);
    CHECK(r.ing.first_errors().size() == 8);
}

TEST_CASE("hostile structure: deep nesting, huge claimed counts, escapes, no monero layer") {
    Run r;
    std::string deep = R"({"layers":{"x":)" + std::string(100000, '[') + std::string(100000, ']') + "}}";
    CHECK_FALSE(r.feed(deep));                                           // depth limit, no stack overflow
    CHECK(r.errors.back().find("nesting too deep") != std::string::npos);
    // A claimed peer-list count of 4 billion allocates nothing.
    CHECK(r.feed(doc("{" + base_fields() + R"(,"monero_monero_peerlist_count":"4294967295"})")));
    CHECK(r.msgs.back().has_peerlist);
    CHECK(r.msgs.back().peers.empty());
    // Escaped strings decode.
    CHECK(r.feed(doc("{" + base_fields("1003", "1") + R"(,"monero_monero_ping_status":"O\u004b","monero_monero_ping_peer_id":"0x1"})")));
    CHECK(*r.msgs.back().ping_status == "OK");
    CHECK(*r.msgs.back().ping_peer_id == 1);
    // Frames without a monero layer, empty lines, CRLF.
    CHECK(r.feed(R"({"timestamp":"1","layers":{"frame":{"filtered":"frame"}}})"));
    CHECK(r.feed(""));
    CHECK(r.feed(doc("{" + base_fields() + "}") + "\r"));
    CHECK(r.ing.stats().frames_without_monero == 1);
    CHECK(r.msgs.size() == 3);
    CHECK_FALSE(r.feed(R"({"a":"\x"})"));
    CHECK_FALSE(r.feed("{\"a\":\"tab\there\"}"));
    CHECK_FALSE(r.feed(R"({"a":01})"));
    CHECK_FALSE(r.feed(R"({"a":[1,]})"));
    CHECK_FALSE(r.feed(R"({"a":tru})"));
}

TEST_CASE("msg_type derived from the flags when the generated field is absent") {
    Run r;
    std::string line = doc("{" + base_fields("1002", "1") + "}");
    line = replaced(line, R"("monero_monero_msg_type":"1",)", "");
    line = replaced(line, R"("monero_monero_flags":"0x00000002")", R"("monero_monero_flags":"0x00000001")");
    line = replaced(line, R"("monero_monero_have_to_return_data":false)", R"("monero_monero_have_to_return_data":true)");
    CHECK(r.feed(line));
    REQUIRE(r.msgs.size() == 1);
    CHECK(r.msgs[0].type == MsgType::Request);
}

TEST_CASE("empty input and read_path errors") {
    Run r;
    char path[] = "/tmp/msc-ingest-XXXXXX";
    const int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    close(fd);
    CHECK(r.ing.read_path(path));
    CHECK(r.ing.stats().lines == 0);
    CHECK(r.msgs.empty());
    std::remove(path);
    EkIngest missing(0, "x", nullptr);
    CHECK_FALSE(missing.read_path("/nonexistent/dir/file.ek"));
    CHECK(missing.io_error().find("No such file") != std::string::npos);
}

TEST_CASE("a 50 MB single line is parsed without holding more than that line") {
    // One frame whose monero object carries a 50 MB unknown array (e.g. a huge generic payload
    // tree) plus a valid message, followed by a normal line.
    char path[] = "/tmp/msc-ingest-big-XXXXXX";
    const int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    {
        std::FILE* f = fdopen(fd, "wb");
        REQUIRE(f);
        std::string head = R"({"timestamp":"1","layers":{"monero":{)" + base_fields() + R"(,"monero_monero_payload_item_key":[)";
        std::fwrite(head.data(), 1, head.size(), f);
        const std::string item = R"("local_peerlist_new",)";
        size_t written = head.size();
        while (written < 50u * 1024 * 1024) {
            std::fwrite(item.data(), 1, item.size(), f);
            written += item.size();
        }
        const std::string tail = R"("end"]}}})" "\n" + doc("{" + base_fields("1003", "0") + "}") + "\n";
        std::fwrite(tail.data(), 1, tail.size(), f);
        std::fclose(f);
    }
    Run r;
    const long before = max_rss_kb();
    CHECK(r.ing.read_path(path));
    const long grown_mb = (max_rss_kb() - before) / 1024;
    std::remove(path);
    REQUIRE(r.msgs.size() == 2);
    CHECK(r.msgs[0].command == 1002);
    CHECK(r.msgs[1].command == 1003);
    CHECK(r.ing.stats().malformed_lines == 0);
    MESSAGE("peak RSS growth for a 50 MB line: " << grown_mb << " MB");
#if !defined(__SANITIZE_ADDRESS__)
    CHECK(grown_mb < 160);   // the line buffer (getline doubles: ≤ 2 × 50 MB) and nothing per item
#endif
}

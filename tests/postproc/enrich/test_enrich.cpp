#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "enrich/allow_list.hpp"
#include "enrich/asn.hpp"
#include "enrich/ban_list.hpp"

#include <cstdio>
#include <fstream>
#include <random>
#include <string>

using namespace msc;
using namespace msc::enrich;

static IpAddr ip(const char* s) { return *IpAddr::parse(s); }

TEST_CASE("MRL ban lists load with the documented counts and match by prefix") {
    const std::string d = std::string(MSC_DATA_DIR_FOR_TESTS) + "/ban-lists/";
    std::string err;
    auto v1 = CidrList::load(d + "mrl-ban-list-v1-2024-12-04.txt", "v1", &err);
    REQUIRE_MESSAGE(v1, err);
    CHECK(v1->stats.entries == 423);
    CHECK(v1->stats.cidrs == 6);
    CHECK(v1->stats.single_v4 == 417);
    CHECK(v1->stats.v4_addresses == 1953);
    CHECK(v1->stats.invalid == 0);
    CHECK(v1->header.empty());
    auto v2 = CidrList::load(d + "mrl-ban-list-v2-2025-12-10.txt", "v2", &err);
    REQUIRE_MESSAGE(v2, err);
    CHECK(v2->stats.entries == 431);
    CHECK(v2->stats.cidrs == 14);
    CHECK(v2->stats.single_v4 == 417);
    CHECK(v2->stats.v4_addresses == 4001);
    CHECK(v2->stats.invalid == 0);
    CHECK(v2->header == "Monero Research Lab spy node ban list version 2, 2025-12-10");
    // network and broadcast addresses of a listed /24 match (reference defect §9.8)
    CHECK(v1->contains(ip("100.42.27.0")));
    CHECK(v1->contains(ip("100.42.27.255")));
    CHECK(v1->contains(ip("100.42.27.58")));
    CHECK_FALSE(v1->contains(ip("100.42.28.0")));
    CHECK_FALSE(v1->contains(ip("45.13.179.7")));   // v2-only /24
    CHECK(v2->contains(ip("45.13.179.7")));
    CHECK(v1->contains(ip("5.75.129.208")));        // single address
    CHECK_FALSE(v1->contains(ip("5.75.129.209")));
    CHECK_FALSE(v1->contains(ip("::ffff:100.42.27.1"))); // mapped IPv6 is another family
    // every v1 entry is in v2
    for (const auto& c : v1->entries) CHECK(v2->contains(c.network));
    auto m = v2->match(ip("162.218.65.9"));
    REQUIRE(m);
    CHECK(m->to_string() == "162.218.65.0/24");
}

TEST_CASE("ban-list syntax: comments, inline comments, CRLF, IPv6, invalid lines") {
    auto l = CidrList::parse("# my list version 3, 2026-01-01\r\n"
                             "1.2.3.0/24 # inline\r\n"
                             "  10.0.0.1  \n"
                             "2001:db8::1\n"
                             "2001:db8:1::/48\n"
                             "not-an-ip\n"
                             "1.2.3.4/33\n"
                             "10.0.0.1\n"
                             "\n#only comment\n"
                             "8.8.8.8", "t");
    CHECK(l.header == "my list version 3, 2026-01-01");
    CHECK(l.stats.entries == 6);          // incl. one duplicate line
    CHECK(l.entries.size() == 5);
    CHECK(l.stats.invalid == 2);
    CHECK(l.stats.first_errors.size() == 2);
    CHECK(l.contains(ip("1.2.3.255")));
    CHECK(l.contains(ip("10.0.0.1")));
    CHECK(l.contains(ip("2001:db8::1")));
    CHECK_FALSE(l.contains(ip("2001:db8::2")));
    CHECK(l.contains(ip("2001:db8:1:ffff::5")));
    CHECK(l.contains(ip("8.8.8.8")));   // last line without newline still counts
    CHECK(CidrList::parse("8.8.8.8", "x").contains(ip("8.8.8.8")));
}

TEST_CASE("hostile loader input never crashes") {
    std::mt19937 rng(42);
    const std::string alphabet = "0123456789./:#abcdef \t\r\n,\"AR\xff";
    for (int round = 0; round < 300; ++round) {
        std::string s;
        size_t n = rng() % 400;
        for (size_t i = 0; i < n; ++i) s += alphabet[rng() % alphabet.size()];
        auto l = CidrList::parse(s, "fuzz");
        (void)l.contains(ip("1.2.3.4"));
        AsnDb db;
        db.load_text(s);
        (void)db.lookup(ip("1.2.3.4"));
        (void)db.lookup(ip("2001:db8::1"));
    }
    std::string zeros(1 << 16, '\0');
    CHECK(CidrList::parse(zeros, "z").entries.empty());
    std::string longline(1 << 20, '1');
    CHECK(CidrList::parse(longline, "l").stats.invalid == 1);
    AsnDb db;
    db.load_text(longline);
    CHECK(db.ranges() == 0);
    db.load_text("1.2.3.4,1.2.3.5,99999999999\n\"unterminated,1.2.3.4,5\n::1,1.2.3.4,5\nR\t1.2.3.4\tx\t5\n");
    CHECK(db.ranges() == 0);
    CHECK(db.stats().invalid == 5);   // 1 (long line) + 4
    std::string err;
    CHECK_FALSE(CidrList::load("/nonexistent/ban.txt", "n", &err));
    CHECK(!err.empty());
    CHECK_FALSE(db.load_file("/nonexistent/asn.csv", &err));
    CHECK_FALSE(db.load_mmdb("/nonexistent/x.mmdb", &err));
    // A garbage .mmdb is rejected by libmaxminddb, not crashed on.
    const std::string junk = "/tmp/msc-test-junk.mmdb";
    { std::ofstream(junk) << "definitely not a maxmind db\xab\xcd\xef" << std::string(1000, 'x'); }
    CHECK_FALSE(db.load_mmdb(junk, &err));
    std::remove(junk.c_str());
    std::vector<std::string> errs;
    auto al = AllowList::build({"/nonexistent/allow"}, {"garbage", "192.0.2.0/24"}, &errs);
    CHECK(errs.size() == 2);
    CHECK(al.contains(ip("192.0.2.77")));
    CHECK(al.size() == 1);
}

TEST_CASE("ASN range table from the test CSV: bisection, IPv4 and IPv6, quoted orgs") {
    AsnDb db;
    std::string err;
    REQUIRE_MESSAGE(db.load_file(std::string(MSC_TEST_DIR) + "/asn-test.csv", &err), err);
    CHECK(db.ranges() == 9);
    CHECK(db.stats().invalid == 0);
    CHECK(db.lookup_asn(ip("100.42.27.58")) == 401476u);
    CHECK(db.lookup_asn(ip("23.92.36.1")) == 54098u);
    CHECK(db.lookup_asn(ip("23.92.32.0")) == 54098u);
    CHECK(db.lookup_asn(ip("23.92.47.255")) == 54098u);
    CHECK_FALSE(db.lookup_asn(ip("23.92.48.0")));
    CHECK_FALSE(db.lookup_asn(ip("23.92.31.255")));
    CHECK_FALSE(db.lookup_asn(ip("0.0.0.1")));
    CHECK_FALSE(db.lookup_asn(ip("255.255.255.255")));
    auto cf = db.lookup(ip("1.0.0.1"));
    REQUIRE(cf);
    CHECK(cf->org == "Cloudflare, Inc.");
    CHECK(db.lookup(ip("2604:d500:1::5"))->asn == 54098u);
    CHECK(db.lookup(ip("2001:db8:5::1"))->org == "Doc \"Example\" Net");
    CHECK_FALSE(db.lookup_asn(ip("2604:d501::1")));
    CHECK_FALSE(db.lookup_asn(ip("::ffff:1.0.0.1")));  // IPv4-mapped is not IPv4
}

TEST_CASE("ASN compact format (scripts/asn-data.sh output) and numeric CSV") {
    AsnDb db;
    db.load_text("# moneroscope-asn 1\n# source: test data\n# date: 2026-06-17\n"
                 "A\t54098\tLIONLINK NETWORKS\nA\t13335\tCloudflare, Inc.\n"
                 "R\t162.218.65.0\t162.218.65.255\t54098\nR\t2604:d500::\t2604:d500:ffff:ffff:ffff:ffff:ffff:ffff\t54098\n"
                 "R\t1.0.0.0\t1.0.0.255\t13335\n"
                 "16777472,16777727,4242,Numeric\n");   // 1.0.1.0 - 1.0.1.255
    CHECK(db.ranges() == 4);
    CHECK(db.lookup(ip("162.218.65.200"))->org == "LIONLINK NETWORKS");
    CHECK(db.lookup(ip("1.0.0.7"))->org == "Cloudflare, Inc.");
    CHECK(db.lookup_asn(ip("1.0.1.9")) == 4242u);
    CHECK(db.lookup_asn(ip("2604:d500::1")) == 54098u);
    CHECK(db.description().find("date: 2026-06-17") != std::string::npos);
}

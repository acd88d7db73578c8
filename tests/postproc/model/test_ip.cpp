#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "model/ip.hpp"

using msc::Cidr;
using msc::IpAddr;

TEST_CASE("IPv4 parse, print and /24") {
    auto a = IpAddr::parse("107.200.125.246");
    REQUIRE(a);
    CHECK(a->is_v4());
    CHECK(a->v4_host_order() == 0x6bc87df6u);
    CHECK(a->to_string() == "107.200.125.246");
    CHECK(a->subnet().to_string() == "107.200.125.0");
    CHECK(a->prefix(0).to_string() == "0.0.0.0");
    CHECK(a->prefix(20).to_string() == "107.200.112.0");
    CHECK_FALSE(IpAddr::parse("1.2.3"));
    CHECK_FALSE(IpAddr::parse("1.2.3.256"));
    CHECK_FALSE(IpAddr::parse(""));
}

TEST_CASE("IPv6 parse, print, prefix, and mapped addresses stay IPv6") {
    auto a = IpAddr::parse("[2001:db8:0:0:1::1]");
    REQUIRE(a);
    CHECK(a->is_v6());
    CHECK(a->to_string() == "2001:db8::1:0:0:1");
    CHECK(a->subnet().to_string() == "2001:db8::");
    auto m = IpAddr::parse("::ffff:1.2.3.4");
    REQUIRE(m);
    CHECK(m->is_v6());
    CHECK(*m != *IpAddr::parse("1.2.3.4"));
}

TEST_CASE("CIDR matching by prefix, including network and broadcast addresses") {
    auto c = Cidr::parse("91.198.115.0/24");
    REQUIRE(c);
    CHECK(c->contains(*IpAddr::parse("91.198.115.0")));
    CHECK(c->contains(*IpAddr::parse("91.198.115.255")));
    CHECK_FALSE(c->contains(*IpAddr::parse("91.198.116.0")));
    CHECK_FALSE(c->contains(*IpAddr::parse("::ffff:91.198.115.1")));
    auto host = Cidr::parse("1.2.3.4");
    REQUIRE(host);
    CHECK(host->bits == 32);
    CHECK(host->to_string() == "1.2.3.4");
    CHECK(Cidr::parse("10.1.2.3/8")->to_string() == "10.0.0.0/8");
    CHECK_FALSE(Cidr::parse("1.2.3.4/33"));
    CHECK_FALSE(Cidr::parse("1.2.3.4/"));
    CHECK_FALSE(Cidr::parse("1.2.3.4/2x"));
    CHECK(Cidr::parse("2604:d500::/32")->contains(*IpAddr::parse("2604:d500:1::5")));
}

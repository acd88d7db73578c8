// IP addresses as analysed by moneroscope: IPv4 and IPv6 in one value type, ordered and hashable,
// plus the prefix rules the study uses (/24 for IPv4; a configurable prefix, /48 by default, for IPv6).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace msc {

class IpAddr {
public:
    IpAddr() = default;
    static IpAddr v4(uint32_t host_order);               // 0x01020304 -> 1.2.3.4
    static IpAddr v6(const std::array<uint8_t, 16>& bytes); // IPv4-mapped ::ffff:a.b.c.d stays IPv6
    // Parses dotted IPv4 or RFC 4291 IPv6 text (with optional [..] brackets). nullopt on error.
    static std::optional<IpAddr> parse(std::string_view text);

    bool is_v4() const { return !v6_; }
    bool is_v6() const { return v6_; }
    uint32_t v4_host_order() const;              // only for is_v4()
    const std::array<uint8_t, 16>& bytes() const { return b_; } // v4: ::ffff:a.b.c.d layout
    std::string to_string() const;               // dotted quad / RFC 5952

    // Network prefix of this address: the address with all bits after `bits` cleared.
    IpAddr prefix(unsigned bits) const;          // bits counted within the family (v4: 0..32, v6: 0..128)
    // The study's "subnet" of an address: /24 for IPv4, /v6_bits for IPv6.
    IpAddr subnet(unsigned v6_bits = 48) const { return is_v4() ? prefix(24) : prefix(v6_bits); }

    friend bool operator==(const IpAddr& a, const IpAddr& b) { return a.v6_ == b.v6_ && a.b_ == b.b_; }
    friend bool operator!=(const IpAddr& a, const IpAddr& b) { return !(a == b); }
    friend bool operator<(const IpAddr& a, const IpAddr& b) {
        return a.v6_ != b.v6_ ? a.v6_ < b.v6_ : a.b_ < b.b_;
    }
    size_t hash() const;

private:
    std::array<uint8_t, 16> b_{};
    bool v6_ = false;
};

// A CIDR block (IPv4 or IPv6), matched by prefix: never expanded into host lists.
struct Cidr {
    IpAddr network;   // already masked
    unsigned bits = 0;
    static std::optional<Cidr> parse(std::string_view text); // "a.b.c.d", "a.b.c.d/n", "v6", "v6/n"
    bool contains(const IpAddr& ip) const;
    std::string to_string() const;
};

} // namespace msc

template <> struct std::hash<msc::IpAddr> {
    size_t operator()(const msc::IpAddr& a) const noexcept { return a.hash(); }
};

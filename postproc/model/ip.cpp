#include "model/ip.hpp"

#include <arpa/inet.h>
#include <cstring>

namespace msc {

IpAddr IpAddr::v4(uint32_t h) {
    IpAddr a;
    a.b_[10] = 0xff;
    a.b_[11] = 0xff;
    a.b_[12] = uint8_t(h >> 24);
    a.b_[13] = uint8_t(h >> 16);
    a.b_[14] = uint8_t(h >> 8);
    a.b_[15] = uint8_t(h);
    return a;
}

IpAddr IpAddr::v6(const std::array<uint8_t, 16>& bytes) {
    IpAddr a;
    a.b_ = bytes;
    a.v6_ = true;
    return a;
}

std::optional<IpAddr> IpAddr::parse(std::string_view text) {
    if (!text.empty() && text.front() == '[' && text.back() == ']')
        text = text.substr(1, text.size() - 2);
    if (text.empty() || text.size() > 63) return std::nullopt;
    char buf[64];
    std::memcpy(buf, text.data(), text.size());
    buf[text.size()] = '\0';
    if (text.find(':') == std::string_view::npos) {
        in_addr a4{};
        if (inet_pton(AF_INET, buf, &a4) != 1) return std::nullopt;
        return v4(ntohl(a4.s_addr));
    }
    std::array<uint8_t, 16> b{};
    if (inet_pton(AF_INET6, buf, b.data()) != 1) return std::nullopt;
    return v6(b);
}

uint32_t IpAddr::v4_host_order() const {
    return (uint32_t(b_[12]) << 24) | (uint32_t(b_[13]) << 16) | (uint32_t(b_[14]) << 8) | b_[15];
}

std::string IpAddr::to_string() const {
    char buf[INET6_ADDRSTRLEN];
    if (!v6_) {
        std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", b_[12], b_[13], b_[14], b_[15]);
        return buf;
    }
    if (!inet_ntop(AF_INET6, b_.data(), buf, sizeof buf)) return "?";
    return buf;
}

IpAddr IpAddr::prefix(unsigned bits) const {
    IpAddr out = *this;
    const unsigned total = v6_ ? 128 : 32;
    if (bits >= total) return out;
    const unsigned start = v6_ ? 0 : 12; // first byte of the family's address bits
    for (unsigned i = 0; i < total / 8; ++i) {
        const unsigned bit0 = i * 8;
        uint8_t& byte = out.b_[start + i];
        if (bit0 >= bits) byte = 0;
        else if (bit0 + 8 > bits) byte &= uint8_t(0xff << (8 - (bits - bit0)));
    }
    return out;
}

size_t IpAddr::hash() const {
    // FNV-1a over the 16 bytes and the family.
    uint64_t h = 1469598103934665603ull ^ uint64_t(v6_);
    for (uint8_t c : b_) h = (h ^ c) * 1099511628211ull;
    return size_t(h);
}

std::optional<Cidr> Cidr::parse(std::string_view text) {
    auto slash = text.find('/');
    auto ip = IpAddr::parse(text.substr(0, slash));
    if (!ip) return std::nullopt;
    const unsigned total = ip->is_v4() ? 32 : 128;
    unsigned bits = total;
    if (slash != std::string_view::npos) {
        auto num = text.substr(slash + 1);
        if (num.empty() || num.size() > 3) return std::nullopt;
        bits = 0;
        for (char c : num) {
            if (c < '0' || c > '9') return std::nullopt;
            bits = bits * 10 + unsigned(c - '0');
        }
        if (bits > total) return std::nullopt;
    }
    return Cidr{ip->prefix(bits), bits};
}

bool Cidr::contains(const IpAddr& ip) const {
    return ip.is_v4() == network.is_v4() && ip.prefix(bits) == network;
}

std::string Cidr::to_string() const {
    const unsigned total = network.is_v4() ? 32 : 128;
    return bits == total ? network.to_string() : network.to_string() + "/" + std::to_string(bits);
}

} // namespace msc

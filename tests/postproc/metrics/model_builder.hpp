// Hand-built models for the metric unit tests (independent of the ingest/model builder).
#pragma once

#include "model/model.hpp"

#include <string>
#include <vector>

namespace mt {

using namespace msc;

constexpr int64_t S = 1000000000;   // ns per second
constexpr int64_t T0 = int64_t(1748736000) * S;   // 2025-06-01T00:00:00Z

struct TB {
    Model m;
    uint32_t next_conn = 0, next_list = 0;
    uint64_t frame = 1;

    IpId ip(const std::string& s) { return m.ips.intern(*IpAddr::parse(s)); }
    uint32_t vantage(const std::string& id, const std::string& addr) {
        Vantage v;
        v.id = id;
        v.ip = *IpAddr::parse(addr);
        ip(addr);
        m.vantages.push_back(v);
        return uint32_t(m.vantages.size() - 1);
    }
    PeerNode& peer(const std::string& addr) {
        IpId id = ip(addr);
        auto& n = m.peers[id];
        n.ip = id;
        return n;
    }
    // A connection with events; each event (t seconds from T0, command, type, from_peer).
    struct E { double t; uint32_t cmd; MsgType type; bool from_peer; };
    Connection& conn(uint32_t v, const std::string& addr, Direction d, const std::vector<E>& evs) {
        Connection c;
        c.id = next_conn++;
        c.vantage = v;
        c.peer = ip(addr);
        c.direction = d;
        for (const auto& e : evs) {
            ConnEvent ce;
            ce.time_ns = T0 + int64_t(e.t * double(S));
            ce.command = e.cmd;
            ce.type = e.type;
            ce.from_peer = e.from_peer;
            ce.frame = frame++;
            c.events.push_back(ce);
        }
        PeerNode& n = peer(addr);
        n.vantage_mask |= 1ull << v;
        for (const auto& e : evs) (e.from_peer ? n.messages_sent : n.messages_received)++;
        (d == Direction::Incoming ? n.connections_in : n.connections_out)++;
        if (d == Direction::Incoming) n.sent_to_vantage_port = true;
        m.connections.push_back(c);
        return m.connections.back();
    }
    // A handshake-and-close connection: both 1001 within `dur` seconds.
    void short_conn(uint32_t v, const std::string& addr, double start, double dur) {
        conn(v, addr, Direction::Incoming,
             {{start, cmd::Handshake, MsgType::Request, true}, {start + dur, cmd::Handshake, MsgType::Response, false}});
    }
    // A peer list sent by `src` (IP entries given), at vantage v.
    PeerList& list(uint32_t v, const std::string& src, const std::vector<std::string>& entries, uint32_t last_seen = 0) {
        PeerList l;
        l.id = next_list++;
        l.vantage = v;
        l.source = ip(src);
        l.from_vantage = m.vantages[v].ip == *IpAddr::parse(src);
        l.command = cmd::Handshake;
        l.time_ns = T0 + int64_t(l.id) * S;
        l.frame = frame++;
        l.ips_begin = uint32_t(m.list_ips.size());
        for (const auto& e : entries) m.list_ips.push_back(ip(e));
        l.ips_end = uint32_t(m.list_ips.size());
        l.entries_total = uint32_t(entries.size());
        l.last_seen_entries = last_seen;
        if (!l.from_vantage) {
            PeerNode& n = peer(src);
            ++n.lists_sent;
            if (last_seen) { ++n.lists_with_last_seen; n.last_seen_entries += last_seen; }
            if (n.messages_sent == 0) n.messages_sent = 1;
        }
        m.peer_lists.push_back(l);
        return m.peer_lists.back();
    }
    void handshake(const std::string& addr, uint32_t v, double t, std::optional<uint64_t> id, bool decoded = true,
                   bool has_sf = true, std::optional<uint32_t> my_port = 18080) {
        PeerNode& n = peer(addr);
        HandshakeObs h;
        h.time_ns = T0 + int64_t(t * double(S));
        h.vantage = v;
        h.frame = frame++;
        h.node_decoded = decoded;
        h.has_support_flags = decoded && has_sf;
        if (h.has_support_flags) h.support_flags = 1;
        h.peer_id = id;
        h.my_port = my_port;
        n.handshakes.push_back(h);
        ++n.messages_sent;
    }
};

// n entries "a.b.c.d" spread over `subnets` /24s starting at base (first two octets fixed).
inline std::vector<std::string> entries(int n, int subnets, int base = 10, int second = 0) {
    std::vector<std::string> v;
    for (int i = 0; i < n; ++i)
        v.push_back(std::to_string(base) + "." + std::to_string(second) + "." + std::to_string(i % subnets) + "." +
                    std::to_string(1 + i / subnets));
    return v;
}

} // namespace mt

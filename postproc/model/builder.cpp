#include "model/builder.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <numeric>
#include <unordered_map>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace msc {

bool is_kept_command(uint32_t c) {
    switch (c) {
    case cmd::Handshake: case cmd::TimedSync: case cmd::Ping: case cmd::SupportFlags:
    case 2001: case 2002: case 2003: case 2004:
    case 2006: case 2007: case 2008: case 2009: case 2010:
        return true;
    default:
        return false;
    }
}

namespace {

constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();
constexpr int64_t kNoTime = std::numeric_limits<int64_t>::min();

// A TCP 4-tuple of one vantage, side-neutral: (a, pa) <= (b, pb).
struct GroupKey {
    uint32_t vantage;
    IpId a, b;
    uint16_t pa, pb;
    bool operator==(const GroupKey& o) const {
        return vantage == o.vantage && a == o.a && b == o.b && pa == o.pa && pb == o.pb;
    }
};
struct GroupKeyHash {
    size_t operator()(const GroupKey& k) const noexcept {
        uint64_t h = 1469598103934665603ull;
        auto mix = [&](uint64_t v) { h = (h ^ v) * 1099511628211ull; h ^= h >> 29; };
        mix(k.vantage);
        mix((uint64_t(k.a) << 32) | k.b);
        mix((uint64_t(k.pa) << 16) | k.pb);
        return size_t(h);
    }
};

enum : uint8_t { kFromA = 1, kSigOnly = 2, kSiKnown = 4, kSiValue = 8 };

// One per kept message until finish(): 40 bytes, 5 M of them at paper scale.
struct RawEvent {
    int64_t time_ns;
    int64_t stream_start_ns;   // kNoTime when the SYN was not captured
    uint32_t frame;            // tshark numbers frames with 32 bits (clamped, see ConnEvent)
    uint32_t input;
    uint32_t index_in_frame;
    uint32_t obs;              // index into hs_ (1001) or pings_ (1003 response), kNone otherwise
    uint32_t list;             // index into lists_, kNone otherwise
    uint16_t command;          // a kept command (analysis-methods.md §2.1): all below 65536
    MsgType type;
    uint8_t bits;
};
static_assert(sizeof(RawEvent) == 40, "RawEvent layout");

// Keeps the `cap` earliest evidence items.
void add_evidence(std::vector<Evidence>& v, const Evidence& e, size_t cap) {
    auto less = [](const Evidence& x, const Evidence& y) {
        if (x.time_ns != y.time_ns) return x.time_ns < y.time_ns;
        if (x.vantage != y.vantage) return x.vantage < y.vantage;
        if (x.input != y.input) return x.input < y.input;
        return x.frame < y.frame;
    };
    if (cap == 0) return;
    if (v.size() >= cap && !less(e, v.back())) return;
    v.insert(std::upper_bound(v.begin(), v.end(), e, less), e);
    if (v.size() > cap) v.pop_back();
}

} // namespace

struct ModelBuilder::Impl {
    Options opt;
    std::vector<Vantage> vantages;
    std::vector<std::optional<IpAddr>> given_ip;
    std::vector<InputInfo> inputs;
    IpTable ips;

    // Vantage inference: addresses present in every message of the vantage so far.
    struct Cand { std::array<IpId, 2> ip{kNoIp, kNoIp}; uint8_t n = 0; bool any = false; };
    std::vector<Cand> cand;

    std::unordered_map<GroupKey, std::vector<RawEvent>, GroupKeyHash> groups;
    std::vector<HandshakeObs> hs;
    std::vector<PingObs> pings;
    std::vector<PeerList> lists;
    std::vector<uint32_t> list_index_in_frame;
    // Peer-list contents, interned: identical IpId sequences (a peer re-sending the same list on
    // every timed sync) are stored once; list_ips holds each distinct content once, ranges[r] is
    // where, list_range[k] the content of lists[k]. At paper scale this storage was the largest
    // single item of the model (docs/performance.md §2).
    struct Range { uint32_t begin, end; };
    std::vector<IpId> list_ips;
    std::vector<Range> ranges;
    std::unordered_map<uint64_t, uint32_t> range_by_hash;   // content hash -> first range with it
    std::vector<uint32_t> list_range;
    std::vector<IpId> scratch;

    uint32_t intern_list(const std::vector<IpId>& ids) {
        uint64_t h = 0xcbf29ce484222325ull ^ ids.size();
        for (IpId x : ids) h = (h ^ x) * 0x100000001b3ull;
        h ^= h >> 29;
        auto [it, fresh] = range_by_hash.try_emplace(h, uint32_t(ranges.size()));
        if (!fresh) {
            const Range& r = ranges[it->second];
            if (r.end - r.begin == ids.size() && std::equal(ids.begin(), ids.end(), list_ips.begin() + r.begin))
                return it->second;
            // a different list with the same hash (possible, and constructible by an attacker):
            // stored separately, the index keeps pointing at the first one
        }
        const Range r{uint32_t(list_ips.size()), uint32_t(list_ips.size() + ids.size())};
        list_ips.insert(list_ips.end(), ids.begin(), ids.end());
        ranges.push_back(r);
        return uint32_t(ranges.size() - 1);
    }

    SegmentStats segments;
    std::unordered_map<uint32_t, uint64_t> by_command;
    uint64_t total = 0;
    InputDiagnostics diag;
    int64_t first_ns = 0, last_ns = 0;
    bool have_time = false;

    void update_candidates(uint32_t v, IpId s, IpId d) {
        Cand& c = cand[v];
        if (!c.any) {
            c.any = true;
            c.ip[0] = s;
            c.ip[1] = d;
            c.n = s == d ? 1 : 2;
            return;
        }
        uint8_t k = 0;
        std::array<IpId, 2> keep{kNoIp, kNoIp};
        for (uint8_t i = 0; i < c.n; ++i)
            if (c.ip[i] == s || c.ip[i] == d) keep[k++] = c.ip[i];
        c.ip = keep;
        c.n = k;
    }
};

ModelBuilder::ModelBuilder() : ModelBuilder(Options{}) {}
ModelBuilder::ModelBuilder(Options opt) : d_(std::make_unique<Impl>()) {
    d_->opt = opt;
    if (d_->opt.segment_buckets < 2) d_->opt.segment_buckets = 2;
    d_->segments.segments_histogram.assign(d_->opt.segment_buckets + 1, 0);
}
ModelBuilder::~ModelBuilder() = default;

uint32_t ModelBuilder::add_vantage(const VantageSpec& spec) {
    if (auto v = find_vantage(spec.id)) {
        if (spec.ip) d_->given_ip[*v] = spec.ip;
        d_->vantages[*v].p2p_port = spec.p2p_port;
        return *v;
    }
    Vantage v;
    v.id = spec.id;
    v.p2p_port = spec.p2p_port;
    d_->vantages.push_back(std::move(v));
    d_->given_ip.push_back(spec.ip);
    d_->cand.emplace_back();
    return uint32_t(d_->vantages.size() - 1);
}

void ModelBuilder::add_vantage_alias(uint32_t v, const VantageAlias& alias) {
    if (v < d_->vantages.size()) d_->vantages[v].aliases.push_back(alias);
}

std::optional<uint32_t> ModelBuilder::find_vantage(const std::string& id) const {
    for (size_t i = 0; i < d_->vantages.size(); ++i)
        if (d_->vantages[i].id == id) return uint32_t(i);
    return std::nullopt;
}

size_t ModelBuilder::vantage_count() const { return d_->vantages.size(); }

uint32_t ModelBuilder::add_input(uint32_t vantage, const std::string& name) {
    if (vantage >= d_->vantages.size()) vantage = add_vantage({"default", std::nullopt, 18080});
    InputInfo in;
    in.name = name;
    in.vantage = vantage;
    d_->inputs.push_back(in);
    d_->vantages[vantage].inputs.push_back(name);
    return uint32_t(d_->inputs.size() - 1);
}

void ModelBuilder::set_input_stats(uint32_t input, uint64_t lines, uint64_t messages,
                                   uint64_t malformed_lines, bool io_error) {
    if (input >= d_->inputs.size()) return;
    auto& in = d_->inputs[input];
    in.lines = lines;
    in.messages = messages;
    in.malformed_lines = malformed_lines;
    in.io_error = io_error;
}

InputDiagnostics& ModelBuilder::diagnostics() { return d_->diag; }

void ModelBuilder::add(const LevinMessage& m) {
    Impl& d = *d_;
    uint32_t input = m.input;
    if (input >= d.inputs.size()) {
        if (d.inputs.empty()) add_input(d.vantages.empty() ? add_vantage({"default", std::nullopt, 18080}) : 0, "-");
        input = 0;
    }
    const uint32_t v = d.inputs[input].vantage;
    ++d.by_command[m.command];
    const IpId src = d.ips.intern(m.src);
    const IpId dst = d.ips.intern(m.dst);
    d.update_candidates(v, src, dst);
    if (!is_kept_command(m.command)) {
        ++d.diag.other_commands;
        return;
    }
    ++d.total;
    if (!d.have_time) { d.first_ns = d.last_ns = m.time_ns; d.have_time = true; }
    d.first_ns = std::min(d.first_ns, m.time_ns);
    d.last_ns = std::max(d.last_ns, m.time_ns);

    ++d.segments.messages;
    if (m.sig_only) ++d.segments.sig_only;
    if (m.header_split) ++d.segments.header_split;
    const size_t nb = d.opt.segment_buckets;
    ++d.segments.segments_histogram[std::min<size_t>(std::max<uint32_t>(m.segments, 1), nb)];

    GroupKey key{v, src, dst, m.sport, m.dport};
    bool from_a = true;
    if (std::make_pair(dst, m.dport) < std::make_pair(src, m.sport)) {
        key = GroupKey{v, dst, src, m.dport, m.sport};
        from_a = false;
    }
    RawEvent e{};
    e.time_ns = m.time_ns;
    e.stream_start_ns = m.stream_start_ns ? *m.stream_start_ns : kNoTime;
    e.frame = uint32_t(std::min<uint64_t>(m.frame, UINT32_MAX));
    e.input = input;
    e.index_in_frame = m.index_in_frame;
    e.command = uint16_t(m.command);   // is_kept_command() above: < 65536
    e.obs = kNone;
    e.list = kNone;
    e.type = m.type;
    e.bits = uint8_t((from_a ? kFromA : 0) | (m.sig_only ? kSigOnly : 0) |
                     (m.sender_initiated ? kSiKnown : 0) |
                     (m.sender_initiated && *m.sender_initiated ? kSiValue : 0));

    if (m.command == cmd::Handshake && (m.is_request() || m.is_response())) {
        HandshakeObs h;
        h.time_ns = m.time_ns;
        h.vantage = v;
        h.input = input;
        h.frame = m.frame;
        h.is_request = m.is_request();
        h.node_decoded = m.payload_decoded && m.node.has_value();
        if (m.node) {
            h.has_support_flags = m.node->support_flags.has_value();
            h.peer_id = m.node->peer_id;
            h.my_port = m.node->my_port;
            h.rpc_port = m.node->rpc_port;
            h.support_flags = m.node->support_flags;
        }
        e.obs = uint32_t(d.hs.size());
        d.hs.push_back(h);
    } else if (m.command == cmd::Ping && m.is_response()) {
        PingObs p;
        p.time_ns = m.time_ns;
        p.vantage = v;
        p.frame = m.frame;
        p.peer_id = m.ping_peer_id;
        e.obs = uint32_t(d.pings.size());
        d.pings.push_back(p);
    }
    if (m.has_peerlist && !m.peers.empty()) {
        PeerList l;
        l.vantage = v;
        l.source = src;
        l.command = m.command;
        l.type = m.type;
        l.time_ns = m.time_ns;
        l.frame = m.frame;
        l.input = input;
        d.scratch.clear();
        for (const PeerEntry& pe : m.peers) {
            ++l.entries_total;
            if (pe.type == PeerAddrType::Tor || pe.type == PeerAddrType::I2P) ++l.entries_anon;
            if (pe.last_seen) ++l.last_seen_entries;
            if (pe.ip) d.scratch.push_back(d.ips.intern(*pe.ip));
        }
        const uint32_t range = d.intern_list(d.scratch);
        l.ips_begin = d.ranges[range].begin;
        l.ips_end = d.ranges[range].end;
        l.connection = kNone;   // set in finish()
        e.list = uint32_t(d.lists.size());
        d.lists.push_back(l);
        d.list_range.push_back(range);
        d.list_index_in_frame.push_back(m.index_in_frame);
    }
    d.groups[key].push_back(e);
}

Model ModelBuilder::finish() {
    Impl& d = *d_;
    Model model;
    const size_t nv = d.vantages.size();

    // 1. Vantage IPs.
    std::vector<IpId> vip(nv, kNoIp);
    for (size_t v = 0; v < nv; ++v) {
        Vantage& V = d.vantages[v];
        if (d.given_ip[v]) {
            V.ip = *d.given_ip[v];
            V.ip_inferred = false;
            vip[v] = d.ips.intern(V.ip);
            continue;
        }
        const auto& c = d.cand[v];
        if (!c.any) continue;   // no traffic at all: nothing to infer, nothing to attribute
        if (c.n == 1) {
            vip[v] = c.ip[0];
            V.ip = d.ips.at(c.ip[0]);
            V.ip_inferred = true;
        } else if (c.n == 2) {
            d.diag.vantage_errors.push_back(
                "cannot infer the IP of vantage " + V.id + ": both " + d.ips.at(c.ip[0]).to_string() +
                " and " + d.ips.at(c.ip[1]).to_string() +
                " are in every connection; give it with --vantage " + V.id + "=IP");
        } else {
            d.diag.vantage_errors.push_back(
                "cannot infer the IP of vantage " + V.id +
                ": no address is present in every connection (several vantages mixed in one input?); "
                "give it with --vantage " + V.id + "=IP");
        }
    }

    // 2. Connections per group.
    std::vector<char> list_keep(d.lists.size(), 0);
    std::vector<Connection> conns;
    std::vector<uint32_t> list_conn(d.lists.size(), kNone);   // temp connection index
    auto& peers = model.peers;
    const size_t cap = d.opt.max_evidence;

    // Alias endpoints per vantage.
    std::vector<std::vector<std::pair<IpId, int32_t>>> alias(nv);   // port -1: any
    for (size_t v = 0; v < nv; ++v)
        for (const auto& a : d.vantages[v].aliases)
            alias[v].emplace_back(d.ips.intern(a.ip), a.port ? int32_t(*a.port) : -1);
    // An alias port only matters when both ends share the address (e.g. 127.0.0.1 of a local
    // Tor/I2P hop); otherwise the alias address is the vantage on any port (outgoing connections).
    auto is_vantage = [&](uint32_t v, IpId ip, uint16_t port, IpId other) {
        if (ip == kNoIp) return false;
        if (ip == vip[v]) return true;
        for (const auto& [aip, aport] : alias[v])
            if (aip == ip && (aport < 0 || aport == port || other != ip)) return true;
        return false;
    };

    for (auto& [key, evs] : d.groups) {
        const uint32_t v = key.vantage;
        const bool a_is_v = is_vantage(v, key.a, key.pa, key.b), b_is_v = is_vantage(v, key.b, key.pb, key.a);
        bool v_is_a;
        if (a_is_v && !b_is_v) v_is_a = true;
        else if (b_is_v && !a_is_v) v_is_a = false;
        else {
            d.diag.foreign_messages += evs.size();
            std::vector<RawEvent>().swap(evs);
            continue;
        }
        std::sort(evs.begin(), evs.end(), [](const RawEvent& x, const RawEvent& y) {
            if (x.time_ns != y.time_ns) return x.time_ns < y.time_ns;
            if (x.input != y.input) return x.input < y.input;
            if (x.frame != y.frame) return x.frame < y.frame;
            return x.index_in_frame < y.index_in_frame;
        });
        const IpId peer_ip = v_is_a ? key.b : key.a;
        const uint16_t peer_port = v_is_a ? key.pb : key.pa;
        const uint16_t v_port = v_is_a ? key.pa : key.pb;
        const uint16_t p2p = d.vantages[v].p2p_port;

        size_t i = 0;
        while (i < evs.size()) {
            // Determine the extent [i, j) of one connection.
            size_t j = i + 1;
            int64_t syn = evs[i].stream_start_ns;
            while (j < evs.size()) {
                const RawEvent& prev = evs[j - 1];
                const RawEvent& e = evs[j];
                if (e.time_ns - prev.time_ns > d.opt.split_gap_ns) break;
                if (e.stream_start_ns != kNoTime) {
                    if (syn != kNoTime && e.stream_start_ns != syn) break;
                    if (syn == kNoTime && e.stream_start_ns > prev.time_ns) break;
                    syn = e.stream_start_ns;
                }
                ++j;
            }
            Connection c;
            c.vantage = v;
            c.peer = peer_ip;
            c.peer_port = peer_port;
            c.vantage_port = v_port;
            if (syn != kNoTime) c.syn_ns = syn;
            c.events.reserve(j - i);
            bool dir_known = false;
            bool v_hs_req = false, peer_hs_resp = false;
            PeerNode& pn = peers[peer_ip];
            pn.ip = peer_ip;
            const uint32_t conn_index = uint32_t(conns.size());
            for (size_t k = i; k < j; ++k) {
                const RawEvent& e = evs[k];
                const bool sender_is_a = (e.bits & kFromA) != 0;
                const bool from_peer = sender_is_a != v_is_a;
                ConnEvent ce;
                ce.time_ns = e.time_ns;
                ce.command = e.command;
                ce.type = e.type;
                ce.from_peer = from_peer;
                ce.sig_only = (e.bits & kSigOnly) != 0;
                ce.frame = e.frame;
                ce.input = e.input;
                c.events.push_back(ce);
                if (!dir_known && (e.bits & kSiKnown)) {
                    const bool sender_initiated = (e.bits & kSiValue) != 0;
                    const bool v_initiated = from_peer ? !sender_initiated : sender_initiated;
                    c.direction = v_initiated ? Direction::Outgoing : Direction::Incoming;
                    c.direction_from_syn = true;
                    dir_known = true;
                }
                if (from_peer) {
                    ++pn.messages_sent;
                    if (e.command == cmd::SupportFlags) ++pn.support_flags_msgs;
                    if (ce.sig_only) {
                        ++pn.sig_only_msgs;
                        add_evidence(pn.sig_only_evidence, Evidence{v, e.input, e.frame, e.time_ns}, cap);
                    }
                    if (e.obs != kNone) {
                        if (e.command == cmd::Handshake) {
                            pn.handshakes.push_back(d.hs[e.obs]);
                            if (e.type == MsgType::Response) peer_hs_resp = true;
                        } else if (e.command == cmd::Ping) {
                            pn.pings.push_back(d.pings[e.obs]);
                        }
                    }
                } else {
                    ++pn.messages_received;
                    if (e.command == cmd::Handshake && e.type == MsgType::Request) v_hs_req = true;
                }
                if (e.list != kNone) {
                    list_keep[e.list] = 1;
                    list_conn[e.list] = conn_index;
                    d.lists[e.list].from_vantage = !from_peer;
                }
            }
            if (!dir_known) {
                c.direction = v_port == p2p ? Direction::Incoming : Direction::Outgoing;
                c.direction_from_syn = false;
            }
            c.few_messages = c.events.size() < d.opt.min_messages;
            if (v < 64) pn.vantage_mask |= uint64_t(1) << v;
            if (c.direction == Direction::Incoming) {
                ++pn.connections_in;
                if (v_port == p2p) pn.sent_to_vantage_port = true;
            } else {
                ++pn.connections_out;
                if (v_hs_req && peer_hs_resp) pn.vantage_handshake_completed = true;
            }
            conns.push_back(std::move(c));
            i = j;
        }
        std::vector<RawEvent>().swap(evs);
    }
    d.groups.clear();
#if defined(__GLIBC__)
    malloc_trim(0);   // the raw event blocks just freed (see the end of finish())
#endif

    // 3. Deterministic connection order and ids.
    std::vector<uint32_t> order(conns.size());
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) {
        const Connection& a = conns[x];
        const Connection& b = conns[y];
        if (a.vantage != b.vantage) return a.vantage < b.vantage;
        if (a.first_ns() != b.first_ns()) return a.first_ns() < b.first_ns();
        if (a.peer != b.peer) return d.ips.at(a.peer) < d.ips.at(b.peer);
        if (a.peer_port != b.peer_port) return a.peer_port < b.peer_port;
        return a.vantage_port < b.vantage_port;
    });
    std::vector<uint32_t> new_id(conns.size());
    model.connections.reserve(conns.size());
    for (uint32_t k = 0; k < order.size(); ++k) {
        new_id[order[k]] = k;
        model.connections.push_back(std::move(conns[order[k]]));
        model.connections.back().id = k;
    }
    std::vector<Connection>().swap(conns);

    // 4. Peer lists: keep those on vantage connections, sort, compact their entries.
    std::vector<uint32_t> lorder;
    for (uint32_t k = 0; k < d.lists.size(); ++k)
        if (list_keep[k]) lorder.push_back(k);
    std::sort(lorder.begin(), lorder.end(), [&](uint32_t x, uint32_t y) {
        const PeerList& a = d.lists[x];
        const PeerList& b = d.lists[y];
        if (a.vantage != b.vantage) return a.vantage < b.vantage;
        if (a.time_ns != b.time_ns) return a.time_ns < b.time_ns;
        if (a.input != b.input) return a.input < b.input;
        if (a.frame != b.frame) return a.frame < b.frame;
        return d.list_index_in_frame[x] < d.list_index_in_frame[y];
    });
    // Contents no kept list uses are dropped, in place (ranges lie in ascending storage order), so
    // that Model::list_ips holds exactly the distinct contents of the model's lists.
    {
        std::vector<uint8_t> used(d.ranges.size(), 0);
        for (uint32_t k : lorder) used[d.list_range[k]] = 1;
        uint32_t w = 0;
        for (size_t r = 0; r < d.ranges.size(); ++r) {
            auto& rg = d.ranges[r];
            if (!used[r]) continue;
            const uint32_t len = rg.end - rg.begin;
            if (w != rg.begin) std::copy(d.list_ips.begin() + rg.begin, d.list_ips.begin() + rg.end, d.list_ips.begin() + w);
            rg = {w, w + len};
            w += len;
        }
        d.list_ips.resize(w);
        model.list_ips = std::move(d.list_ips);
    }
    std::unordered_map<uint64_t, uint32_t>().swap(d.range_by_hash);
    model.peer_lists.reserve(lorder.size());
    for (uint32_t k : lorder) {
        PeerList l = d.lists[k];
        l.ips_begin = d.ranges[d.list_range[k]].begin;
        l.ips_end = d.ranges[d.list_range[k]].end;
        l.id = uint32_t(model.peer_lists.size());
        l.connection = new_id[list_conn[k]];
        if (!l.from_vantage) {
            auto it = peers.find(l.source);
            if (it != peers.end()) {
                PeerNode& pn = it->second;
                ++pn.lists_sent;
                if (l.last_seen_entries > 0) {
                    ++pn.lists_with_last_seen;
                    pn.last_seen_entries += l.last_seen_entries;
                    add_evidence(pn.last_seen_evidence, Evidence{l.vantage, l.input, l.frame, l.time_ns}, cap);
                }
            }
        }
        model.peer_lists.push_back(l);
    }
    std::vector<PeerList>().swap(d.lists);
    std::vector<IpId>().swap(d.list_ips);
    std::vector<Impl::Range>().swap(d.ranges);
    std::vector<uint32_t>().swap(d.list_range);

    // 5. Per-peer observation order.
    for (auto& [ip, pn] : peers) {
        std::sort(pn.handshakes.begin(), pn.handshakes.end(), [](const HandshakeObs& a, const HandshakeObs& b) {
            if (a.time_ns != b.time_ns) return a.time_ns < b.time_ns;
            if (a.vantage != b.vantage) return a.vantage < b.vantage;
            if (a.input != b.input) return a.input < b.input;
            return a.frame < b.frame;
        });
        std::sort(pn.pings.begin(), pn.pings.end(), [](const PingObs& a, const PingObs& b) {
            if (a.time_ns != b.time_ns) return a.time_ns < b.time_ns;
            if (a.vantage != b.vantage) return a.vantage < b.vantage;
            return a.frame < b.frame;
        });
    }

    // 6. The rest.
    for (size_t v = 0; v < nv; ++v) model.vantages.push_back(d.vantages[v]);
    model.ips = std::move(d.ips);
    model.segments = std::move(d.segments);
    model.messages_by_command = std::move(d.by_command);
    model.total_messages = d.total;
    model.input = std::move(d.diag);
    model.first_ns = d.first_ns;
    model.last_ns = d.last_ns;
    model.inputs = std::move(d.inputs);

    // Leave the builder empty but usable.
    Options opt = d.opt;
    d_ = std::make_unique<Impl>();
    d_->opt = opt;
    d_->segments.segments_histogram.assign(opt.segment_buckets + 1, 0);
#if defined(__GLIBC__)
    // The builder's per-connection event vectors were many mid-sized heap blocks, now free but
    // scattered between live ones; glibc keeps such pages resident until trimmed. Returning them
    // lowers the metrics stage's RSS (docs/performance.md §2).
    malloc_trim(0);
#endif
    return model;
}

} // namespace msc

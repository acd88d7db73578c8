// Node attributes (analysis-methods.md §4.5, §12): distinct my_port / peer_id / rpc_port per IP,
// peer-id reuse (A -> B -> A on one IP, all vantages pooled, chronological), peer-id/IP clusters
// (IPs with >= id_cluster_min_ids distinct ids linked by shared ids; clusters of >=
// id_cluster_min_ips IPs), and the handshake-id vs ping-response-id fingerprint.
#include "metrics/internal.hpp"

#include <map>
#include <numeric>
#include <set>

namespace msc::metrics {

namespace {
template <class T> void sort_unique(std::vector<T>& v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
}
struct Dsu {
    std::vector<uint32_t> p;
    explicit Dsu(size_t n) : p(n) { std::iota(p.begin(), p.end(), 0u); }
    uint32_t find(uint32_t x) { while (p[x] != x) x = p[x] = p[p[x]]; return x; }
    void unite(uint32_t a, uint32_t b) { a = find(a); b = find(b); if (a != b) p[std::max(a, b)] = std::min(a, b); }
};
} // namespace

void node_attributes(const Ctx& ctx, AnalysisResult& r) {
    const Config& cfg = ctx.cfg;
    // Attribute sets + chronological observations.
    struct Obs { int64_t t; uint32_t vantage; uint64_t frame; uint64_t id; size_t peer; };
    std::vector<Obs> obs;
    for (size_t k = 0; k < r.peers.size(); ++k) {
        auto& p = r.peers[k];
        const PeerNode& n = ctx.m.peers.at(p.ip);
        for (const auto& h : n.handshakes) {
            if (h.my_port) p.my_ports.push_back(*h.my_port);
            if (h.rpc_port) p.rpc_ports.push_back(*h.rpc_port);
            if (h.peer_id) {
                p.peer_ids.push_back(*h.peer_id);
                obs.push_back({h.time_ns, h.vantage, h.frame, *h.peer_id, k});
            }
        }
        sort_unique(p.my_ports);
        sort_unique(p.rpc_ports);
        sort_unique(p.peer_ids);
        // Ping-response id differs from every handshake id of this IP.
        if (!p.peer_ids.empty()) {
            for (const auto& pg : n.pings) {
                if (pg.peer_id && !std::binary_search(p.peer_ids.begin(), p.peer_ids.end(), *pg.peer_id)) {
                    p.ping_id_mismatch = true;
                    break;
                }
            }
        }
    }
    // (a) ID reuse.
    std::sort(obs.begin(), obs.end(), [](const Obs& a, const Obs& b) {
        if (a.t != b.t) return a.t < b.t;
        if (a.vantage != b.vantage) return a.vantage < b.vantage;
        if (a.frame != b.frame) return a.frame < b.frame;
        return a.peer < b.peer;
    });
    struct St { uint64_t cur = 0; bool has = false; std::set<uint64_t> seen; };
    std::unordered_map<size_t, St> state;
    r.id_reuse_events.clear();
    for (const auto& o : obs) {
        St& s = state[o.peer];
        if (s.has && o.id != s.cur && s.seen.count(o.id)) {
            r.id_reuse_events.push_back({r.peers[o.peer].ip, o.id, o.t, o.vantage, o.frame});
            ++r.peers[o.peer].id_reuse_events;
        }
        s.cur = o.id;
        s.has = true;
        s.seen.insert(o.id);
    }
    // (b) clusters over IPs with many ids.
    std::vector<size_t> many;
    for (size_t k = 0; k < r.peers.size(); ++k)
        if (r.peers[k].peer_ids.size() >= cfg.id_cluster_min_ids) many.push_back(k);
    std::map<uint64_t, std::vector<uint32_t>> by_id;   // id -> positions in `many`
    for (uint32_t i = 0; i < many.size(); ++i)
        for (uint64_t id : r.peers[many[i]].peer_ids) by_id[id].push_back(i);
    Dsu dsu(many.size());
    for (const auto& [id, v] : by_id)
        for (size_t j = 1; j < v.size(); ++j) dsu.unite(v[0], v[j]);
    std::map<uint32_t, std::vector<uint32_t>> comps;
    for (uint32_t i = 0; i < many.size(); ++i) comps[dsu.find(i)].push_back(i);
    r.id_clusters.clear();
    for (const auto& [root, members] : comps) {
        if (members.size() < cfg.id_cluster_min_ips) continue;
        IdCluster c;
        for (uint32_t i : members) c.ips.push_back(r.peers[many[i]].ip);
        std::set<uint64_t> shared;
        for (const auto& [id, v] : by_id)
            if (v.size() >= 2 && dsu.find(v[0]) == root) shared.insert(id);
        c.shared_ids.assign(shared.begin(), shared.end());
        r.id_clusters.push_back(std::move(c));
    }
    // peers are sorted by address and members in ascending `many` order, so clusters are sorted
    // by the address of their first IP; keep ips sorted by address as well.
    for (size_t ci = 0; ci < r.id_clusters.size(); ++ci) {
        for (IpId ip : r.id_clusters[ci].ips) ctx.peer(r, ip)->id_cluster = int32_t(ci);
    }
    for (auto& p : r.peers) {
        const bool reuse = p.id_reuse_events > 0, clus = p.id_cluster >= 0;
        if (!reuse && !clus) continue;
        p.classes |= class_bit(AnomalyClass::ID);
        std::string ids;
        for (size_t i = 0; i < p.peer_ids.size() && i < cfg.evidence_max_items; ++i) {
            char buf[24];
            std::snprintf(buf, sizeof buf, "%s%016llx", i ? "," : "", (unsigned long long)p.peer_ids[i]);
            ids += buf;
        }
        if (p.peer_ids.size() > cfg.evidence_max_items) ids += ",...";
        std::string e = "ID:";
        if (reuse) e += " switched back to an earlier peer_id " + std::to_string(p.id_reuse_events) + " time(s);";
        if (clus)
            e += " in peer-id cluster #" + std::to_string(p.id_cluster) + " (" +
                 std::to_string(r.id_clusters[size_t(p.id_cluster)].ips.size()) + " IPs, >= " +
                 std::to_string(cfg.id_cluster_min_ids) + " ids per IP);";
        e += " " + std::to_string(p.peer_ids.size()) + " distinct peer_ids [" + ids + "]";
        p.evidence.push_back(e);
    }
}

} // namespace msc::metrics

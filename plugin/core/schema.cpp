// Schema knowledge of every Levin command body (levin-protocol.md §4) and semantic extraction.
#include "levin_core.h"

#include <cstring>

namespace levin {

const char* schema_issue_name(SchemaIssue s) {
  switch (s) {
    case SchemaIssue::UnexpectedKey: return "schema.unexpected_key";
    case SchemaIssue::TypeMismatch: return "schema.type_mismatch";
    case SchemaIssue::LegacyField: return "legacy_field";
    case SchemaIssue::LastSeenPresent: return "peer.last_seen_present";
    case SchemaIssue::ZoneMismatch: return "peer.zone_mismatch";
    case SchemaIssue::PeerListTooLong: return "peerlist_too_long";
    case SchemaIssue::SupportFlagsMissing: return "handshake.support_flags_missing";
    case SchemaIssue::SupportFlagsRedundant: return "support_flags_redundant";
    case SchemaIssue::AnonPeerIdOnClearnet: return "anon_peer_id_on_clearnet";
    case SchemaIssue::BadHashListLength: return "schema.bad_blob_length";
  }
  return "schema.unknown";
}

namespace {

enum class Ctx : uint8_t {
  None,      // no schema knowledge (unknown command, or below an unknown key): no checks
  Empty,     // body must be an empty section (1003/1007 requests)
  R1001Req, R1001Resp, R1002Req, R1002Resp, R1003Resp, R1007Resp,
  R2001, R2002, R2003, R2004, R2006, R2007, R2009, R2010,
  NodeData, Sync, PeerEntry, Adr, AddrObj, BlockEntry, TxObj,
};

constexpr uint8_t kAnyInt = 0xFE;   // any integer type accepted without a mismatch note
constexpr uint8_t kTxsAny = 0xFD;   // string array or object array (block_complete_entry.txs)

struct KeySpec {
  const char* key;
  uint8_t type;      // expected base type (as monerod writes it)
  bool array;
  Role role;         // role of the entry
  Ctx child;         // context of the object (or of array elements)
  Role elem_role;    // role of array elements
  bool legacy;
};

#define K(key, type, role) {key, type, false, role, Ctx::None, Role::None, false}
#define O(key, role, child) {key, kPsObject, false, role, child, Role::None, false}
#define A(key, type, role, child, elem) {key, type, true, role, child, elem, false}
#define L(key, type, role) {key, type, false, role, Ctx::None, Role::None, true}

const KeySpec kNodeData[] = {
    K("local_time", kPsUint64, Role::NodeLocalTime), K("my_port", kPsUint32, Role::NodeMyPort),
    K("network_id", kPsString, Role::NodeNetworkId), K("peer_id", kPsUint64, Role::NodePeerId),
    K("rpc_credits_per_hash", kPsUint32, Role::NodeRpcCredits),
    K("rpc_port", kPsUint16, Role::NodeRpcPort), K("support_flags", kPsUint32, Role::NodeSupportFlags),
};
const KeySpec kSync[] = {
    K("cumulative_difficulty", kPsUint64, Role::SyncCumDiff),
    K("cumulative_difficulty_top64", kPsUint64, Role::SyncCumDiffTop64),
    K("current_height", kPsUint64, Role::SyncHeight), K("pruning_seed", kPsUint32, Role::SyncPruningSeed),
    K("top_id", kPsString, Role::SyncTopId), K("top_version", kPsUint8, Role::SyncTopVersion),
};
const KeySpec kPeerEntry[] = {
    O("adr", Role::PeerAdr, Ctx::Adr), K("id", kPsUint64, Role::PeerId),
    K("last_seen", kPsInt64, Role::PeerLastSeen), K("pruning_seed", kPsUint32, Role::PeerPruningSeed),
    K("rpc_credits_per_hash", kPsUint32, Role::PeerRpcCredits), K("rpc_port", kPsUint16, Role::PeerRpcPort),
};
const KeySpec kAdr[] = {O("addr", Role::PeerAddrObj, Ctx::AddrObj), K("type", kPsUint8, Role::PeerType)};
const KeySpec kAddrObj[] = {
    K("addr", kPsString, Role::PeerIpv6), K("host", kPsString, Role::PeerHost),
    K("m_ip", kPsUint32, Role::PeerIp), K("m_port", kPsUint16, Role::PeerPort),
    K("port", kPsUint16, Role::PeerPort),
};
const KeySpec kBlockEntry[] = {
    K("block", kPsString, Role::BlockBlob), K("block_weight", kPsUint64, Role::BlockWeight),
    K("pruned", kPsBool, Role::BlockPruned), A("txs", kTxsAny, Role::BlockTxs, Ctx::TxObj, Role::TxBlob),
};
const KeySpec kTxObj[] = {K("blob", kPsString, Role::TxBlob), K("prunable_hash", kPsString, Role::TxPrunableHash)};

const KeySpec k1001Req[] = {O("node_data", Role::NodeData, Ctx::NodeData), O("payload_data", Role::SyncData, Ctx::Sync)};
const KeySpec k1001Resp[] = {
    A("local_peerlist_new", kPsObject, Role::PeerList, Ctx::PeerEntry, Role::Peer),
    L("local_peerlist", kPsString, Role::LegacyPeerList),
    O("node_data", Role::NodeData, Ctx::NodeData), O("payload_data", Role::SyncData, Ctx::Sync)};
const KeySpec k1002Req[] = {O("payload_data", Role::SyncData, Ctx::Sync)};
const KeySpec k1002Resp[] = {
    A("local_peerlist_new", kPsObject, Role::PeerList, Ctx::PeerEntry, Role::Peer),
    L("local_peerlist", kPsString, Role::LegacyPeerList), L("local_time", kPsUint64, Role::NodeLocalTime),
    O("payload_data", Role::SyncData, Ctx::Sync)};
const KeySpec k1003Resp[] = {K("peer_id", kPsUint64, Role::PingPeerId), K("status", kPsString, Role::PingStatus)};
const KeySpec k1007Resp[] = {K("support_flags", kPsUint32, Role::SupportFlags)};
const KeySpec k2001[] = {O("b", Role::BlockEntryObj, Ctx::BlockEntry),
                         K("current_blockchain_height", kPsUint64, Role::CurrentHeight)};
const KeySpec k2002[] = {K("_", kPsString, Role::Padding), K("dandelionpp_fluff", kPsBool, Role::DandelionFluff),
                         A("txs", kPsString, Role::Txs, Ctx::None, Role::TxBlob)};
const KeySpec k2003[] = {K("blocks", kPsString, Role::Hashes), K("prune", kPsBool, Role::GetObjectsPrune),
                         L("txs", kPsString, Role::Hashes)};
const KeySpec k2004[] = {A("blocks", kPsObject, Role::None, Ctx::BlockEntry, Role::BlockEntryObj),
                         K("current_blockchain_height", kPsUint64, Role::CurrentHeight),
                         K("missed_ids", kPsString, Role::Hashes), L("txs", kPsString, Role::None)};
const KeySpec k2006[] = {K("block_ids", kPsString, Role::Hashes), K("prune", kPsBool, Role::ChainPrune)};
const KeySpec k2007[] = {
    K("cumulative_difficulty", kPsUint64, Role::ChainCumDiff),
    K("cumulative_difficulty_top64", kPsUint64, Role::ChainCumDiffTop64),
    K("first_block", kPsString, Role::ChainFirstBlock), K("m_block_ids", kPsString, Role::Hashes),
    K("m_block_weights", kPsString, Role::ChainBlockWeights), K("start_height", kPsUint64, Role::ChainStartHeight),
    K("total_height", kPsUint64, Role::ChainTotalHeight)};
const KeySpec k2009[] = {K("block_hash", kPsString, Role::FluffyBlockHash),
                         K("current_blockchain_height", kPsUint64, Role::CurrentHeight),
                         K("missing_tx_indices", kPsString, Role::FluffyMissingTxIndices)};
const KeySpec k2010[] = {K("hashes", kPsString, Role::Hashes)};

#undef K
#undef O
#undef A
#undef L

struct Table {
  const KeySpec* specs;
  size_t n;
};
template <size_t N>
Table T(const KeySpec (&a)[N]) { return Table{a, N}; }

Table table_for(Ctx c) {
  switch (c) {
    case Ctx::R1001Req: return T(k1001Req);
    case Ctx::R1001Resp: return T(k1001Resp);
    case Ctx::R1002Req: return T(k1002Req);
    case Ctx::R1002Resp: return T(k1002Resp);
    case Ctx::R1003Resp: return T(k1003Resp);
    case Ctx::R1007Resp: return T(k1007Resp);
    case Ctx::R2001: return T(k2001);
    case Ctx::R2002: return T(k2002);
    case Ctx::R2003: return T(k2003);
    case Ctx::R2004: return T(k2004);
    case Ctx::R2006: return T(k2006);
    case Ctx::R2007: return T(k2007);
    case Ctx::R2009: return T(k2009);
    case Ctx::R2010: return T(k2010);
    case Ctx::NodeData: return T(kNodeData);
    case Ctx::Sync: return T(kSync);
    case Ctx::PeerEntry: return T(kPeerEntry);
    case Ctx::Adr: return T(kAdr);
    case Ctx::AddrObj: return T(kAddrObj);
    case Ctx::BlockEntry: return T(kBlockEntry);
    case Ctx::TxObj: return T(kTxObj);
    default: return Table{nullptr, 0};
  }
}

Ctx root_ctx(uint32_t command, bool response) {
  switch (command) {
    case 1001: return response ? Ctx::R1001Resp : Ctx::R1001Req;
    case 1002: return response ? Ctx::R1002Resp : Ctx::R1002Req;
    case 1003: return response ? Ctx::R1003Resp : Ctx::Empty;
    case 1007: return response ? Ctx::R1007Resp : Ctx::Empty;
    case 2001: case 2008: return Ctx::R2001;
    case 2002: return Ctx::R2002;
    case 2003: return Ctx::R2003;
    case 2004: return Ctx::R2004;
    case 2006: return Ctx::R2006;
    case 2007: return Ctx::R2007;
    case 2009: return Ctx::R2009;
    case 2010: return Ctx::R2010;
    default: return Ctx::None;
  }
}

bool is_int(uint8_t t) { return t >= kPsInt64 && t <= kPsUint8; }

const KeySpec* lookup(Ctx c, const uint8_t* key, size_t klen) {
  Table t = table_for(c);
  for (size_t i = 0; i < t.n; ++i) {
    const size_t l = std::strlen(t.specs[i].key);
    if (l == klen && std::memcmp(t.specs[i].key, key, l) == 0) return &t.specs[i];
  }
  return nullptr;
}

}  // namespace

Semantic interpret(const uint8_t* buf, const WalkResult& w, uint32_t command, bool response) {
  Semantic s;
  const size_t n = w.nodes.size();
  s.roles.assign(n, Role::None);
  std::vector<Ctx> child(n, Ctx::None);
  std::vector<Role> elem_role(n, Role::None);
  std::vector<uint32_t> peer_of(n, kNone);
  std::vector<bool> type_ok(n, false);
  const Ctx root = root_ctx(command, response);

  for (size_t i = 0; i < n; ++i) {
    const Node& nd = w.nodes[i];
    if (nd.parent != kNoParent) peer_of[i] = peer_of[nd.parent];
    if (nd.is_element) {
      const uint32_t p = nd.parent;
      s.roles[i] = elem_role[p];
      child[i] = child[p];
      if (s.roles[i] == Role::Peer) {
        PeerEntry pe;
        pe.node = static_cast<uint32_t>(i);
        peer_of[i] = static_cast<uint32_t>(s.peers.size());
        s.peers.push_back(pe);
      }
      // elements of a txs array of a block entry: strings are blobs, objects are pruned txs
      if (s.roles[i] == Role::TxBlob && nd.base_type == kPsObject) s.roles[i] = Role::TxObj;
      if (s.roles[i] == Role::TxObj) child[i] = Ctx::TxObj;
      if (s.roles[i] == Role::TxBlob && nd.base_type != kPsString) child[i] = Ctx::None;
      type_ok[i] = true;
      continue;
    }
    const Ctx c = nd.parent == kNoParent ? root : child[nd.parent];
    if (c == Ctx::None) continue;
    const KeySpec* ks = lookup(c, buf + nd.key_off, nd.key_len);
    if (ks == nullptr) {
      s.roles[i] = Role::Unknown;
      s.issues.push_back(SchemaDiag{SchemaIssue::UnexpectedKey, static_cast<uint32_t>(i), 0});
      if (peer_of[i] != kNone) s.peers[peer_of[i]].keys |= kPeerHasUnknown;
      continue;
    }
    s.roles[i] = ks->role;
    if (ks->legacy) s.issues.push_back(SchemaDiag{SchemaIssue::LegacyField, static_cast<uint32_t>(i), 0});
    bool ok;
    if (ks->type == kTxsAny)
      ok = nd.is_array && (nd.base_type == kPsString || nd.base_type == kPsObject);
    else if (ks->type == kAnyInt)
      ok = !nd.is_array && is_int(nd.base_type);
    else
      ok = nd.is_array == ks->array && nd.base_type == ks->type;
    // monerod coerces integer widths on read: still report (it never writes them), but use the value
    const bool usable = ok || (!ks->array && !nd.is_array && is_int(ks->type) && is_int(nd.base_type));
    if (!ok)
      s.issues.push_back(SchemaDiag{SchemaIssue::TypeMismatch, static_cast<uint32_t>(i), ks->type});
    type_ok[i] = usable;
    if (!usable) {
      s.roles[i] = Role::Unknown;
      continue;
    }
    child[i] = ks->child;
    elem_role[i] = ks->elem_role;
    if (ks->role == Role::NodeLocalTime && c == Ctx::NodeData)
      s.issues.push_back(SchemaDiag{SchemaIssue::LegacyField, static_cast<uint32_t>(i), 0});
  }

  // Extract values.
  uint32_t node_data_node = kNone;
  for (size_t i = 0; i < n; ++i) {
    const Node& nd = w.nodes[i];
    const Role r = s.roles[i];
    const uint8_t* v = buf + nd.value_off;
    PeerEntry* pe = peer_of[i] != kNone ? &s.peers[peer_of[i]] : nullptr;
    // a value cut off by the end of the data is not a value: only containers may be partial
    const bool container = r == Role::NodeData || r == Role::SyncData || r == Role::PeerList ||
                           r == Role::BlockEntryObj || r == Role::Txs || r == Role::PeerAdr ||
                           r == Role::PeerAddrObj;
    if (!nd.complete && !container) continue;
    switch (r) {
      case Role::NodeData: s.has_node_data = true; node_data_node = static_cast<uint32_t>(i); break;
      case Role::NodeMyPort: s.has_my_port = true; s.my_port = static_cast<uint32_t>(nd.u); break;
      case Role::NodePeerId: s.has_peer_id = true; s.peer_id = nd.u; break;
      case Role::NodeSupportFlags: s.has_support_flags = true; s.support_flags = static_cast<uint32_t>(nd.u); break;
      case Role::NodeNetworkId:
        s.has_network_id = true;
        s.network = nd.value_len == 16 ? classify_network_id(v) : Network::Unknown;
        if (nd.value_len != 16)
          s.issues.push_back(SchemaDiag{SchemaIssue::BadHashListLength, static_cast<uint32_t>(i), 16});
        break;
      case Role::SyncData: s.has_sync = true; break;
      case Role::SyncHeight: s.has_height = true; s.height = nd.u; break;
      case Role::SyncCumDiff: s.has_cd = true; s.cd = nd.u; break;
      case Role::SyncCumDiffTop64: s.has_cd_top = true; s.cd_top = nd.u; break;
      case Role::PeerList:
        s.has_peerlist = true;
        s.peerlist_node = static_cast<uint32_t>(i);
        s.peerlist_declared = nd.count;
        if (nd.count > 250)
          s.issues.push_back(SchemaDiag{SchemaIssue::PeerListTooLong, static_cast<uint32_t>(i), nd.count});
        break;
      case Role::PeerAdr: if (pe) pe->keys |= 0; break;
      case Role::PeerType: if (pe) { pe->type_node = static_cast<uint32_t>(i); pe->type = static_cast<uint8_t>(nd.u); } break;
      case Role::PeerIp: case Role::PeerIpv6: case Role::PeerHost:
        if (pe) pe->addr_node = static_cast<uint32_t>(i);
        break;
      case Role::PeerPort: if (pe) { pe->port_node = static_cast<uint32_t>(i); pe->port = static_cast<uint16_t>(nd.u); } break;
      case Role::PeerId: if (pe) { pe->keys |= kPeerHasId; pe->id_node = static_cast<uint32_t>(i); pe->id = nd.u; } break;
      case Role::PeerLastSeen:
        if (pe) { pe->keys |= kPeerHasLastSeen; pe->last_seen_node = static_cast<uint32_t>(i); pe->last_seen = nd.i; }
        break;
      case Role::PeerPruningSeed:
        if (pe) { pe->keys |= kPeerHasPruningSeed; pe->pruning_seed_node = static_cast<uint32_t>(i); pe->pruning_seed = static_cast<uint32_t>(nd.u); }
        break;
      case Role::PeerRpcPort:
        if (pe) { pe->keys |= kPeerHasRpcPort; pe->rpc_port_node = static_cast<uint32_t>(i); pe->rpc_port = static_cast<uint16_t>(nd.u); }
        break;
      case Role::PeerRpcCredits:
        if (pe) { pe->keys |= kPeerHasRpcCredits; pe->rpc_credits_node = static_cast<uint32_t>(i); pe->rpc_credits = static_cast<uint32_t>(nd.u); }
        break;
      case Role::PingStatus:
        s.has_ping_status = true;
        s.ping_status.assign(reinterpret_cast<const char*>(v), nd.value_len > 64 ? 64 : nd.value_len);
        break;
      case Role::PingPeerId: s.has_ping_peer_id = true; s.ping_peer_id = nd.u; break;
      case Role::SupportFlags: s.has_support_flags_resp = true; s.support_flags_resp = static_cast<uint32_t>(nd.u); break;
      case Role::CurrentHeight: s.has_current_height = true; s.current_height = nd.u; break;
      case Role::BlockEntryObj: {
        BlockInfo b;
        b.node = static_cast<uint32_t>(i);
        s.blocks.push_back(b);
        break;
      }
      case Role::Txs: s.tx_count = static_cast<uint32_t>(nd.count); break;
      case Role::TxBlob:
        if (nd.parent != kNoParent && s.roles[nd.parent] == Role::Txs) s.tx_bytes += nd.value_len;
        break;
      case Role::Padding: s.has_padding = true; s.padding_len = nd.value_len; break;
      case Role::DandelionFluff: s.has_fluff_key = true; s.fluff = nd.u != 0; break;
      case Role::Hashes:
        s.hash_count += nd.value_len / 32;
        if (nd.value_len % 32)
          s.issues.push_back(SchemaDiag{SchemaIssue::BadHashListLength, static_cast<uint32_t>(i), 32});
        break;
      case Role::ChainStartHeight: s.has_start_height = true; s.start_height = nd.u; break;
      case Role::ChainTotalHeight: s.has_total_height = true; s.total_height = nd.u; break;
      case Role::ChainBlockWeights:
        s.block_weight_count = nd.value_len / 8;
        if (nd.value_len % 8)
          s.issues.push_back(SchemaDiag{SchemaIssue::BadHashListLength, static_cast<uint32_t>(i), 8});
        break;
      case Role::FluffyMissingTxIndices:
        s.missing_tx_count = nd.value_len / 8;
        if (nd.value_len % 8)
          s.issues.push_back(SchemaDiag{SchemaIssue::BadHashListLength, static_cast<uint32_t>(i), 8});
        break;
      default: break;
    }
    // block entry details (children of a BlockEntryObj)
    if (nd.parent != kNoParent && s.roles[nd.parent] == Role::BlockEntryObj && !s.blocks.empty()) {
      BlockInfo& b = s.blocks.back();
      if (b.node == nd.parent) {
        if (r == Role::BlockBlob) b.blob_len = nd.value_len;
        if (r == Role::BlockWeight) { b.has_weight = true; b.weight = nd.u; }
        if (r == Role::BlockPruned) b.pruned = nd.u != 0;
        if (r == Role::BlockTxs) b.tx_count = static_cast<uint32_t>(nd.count);
      }
    }
  }

  // Finalise peer entries.
  Zone list_zone = Zone::Unknown;
  for (PeerEntry& pe : s.peers) {
    if (pe.type_node != kNone && pe.addr_node != kNone && pe.port_node != kNone) {
      const Node& an = w.nodes[pe.addr_node];
      const Role ar = s.roles[pe.addr_node];
      if (pe.type == 1 && ar == Role::PeerIp) {
        const uint8_t* b = buf + an.value_off;  // LE u32 wire bytes = dotted quad in order
        uint8_t ip[4];
        if (an.value_len == 4) std::memcpy(ip, b, 4);
        else { const uint32_t v = static_cast<uint32_t>(an.u); ip[0] = v & 0xff; ip[1] = v >> 8 & 0xff; ip[2] = v >> 16 & 0xff; ip[3] = v >> 24 & 0xff; }
        pe.addr = format_peer_addr(1, ip, 4, pe.port);
      } else if (pe.type == 2 && ar == Role::PeerIpv6) {
        pe.addr = format_peer_addr(2, buf + an.value_off, an.value_len, pe.port);
      } else if ((pe.type == 3 || pe.type == 4) && ar == Role::PeerHost) {
        pe.addr = format_peer_addr(pe.type, buf + an.value_off, an.value_len, pe.port);
      }
    }
    if (!pe.addr.empty()) pe.keys |= kPeerHasAdr;
    else pe.type = pe.type_node != kNone && zone_of_type(pe.type) != Zone::Unknown ? pe.type : 0;
    if (pe.keys & kPeerHasLastSeen) {
      ++s.last_seen_entries;
      s.issues.push_back(SchemaDiag{SchemaIssue::LastSeenPresent, pe.node, 0});
    }
    const Zone z = zone_of_type(pe.type);
    if (z != Zone::Unknown) {
      if (list_zone == Zone::Unknown) list_zone = z;
      else if (z != list_zone) s.issues.push_back(SchemaDiag{SchemaIssue::ZoneMismatch, pe.node, static_cast<uint64_t>(z)});
    }
  }
  if (command == 1001 && s.has_node_data && !s.has_support_flags)
    s.issues.push_back(SchemaDiag{SchemaIssue::SupportFlagsMissing, node_data_node, 0});
  if (s.has_peer_id && s.peer_id == 1 && list_zone == Zone::Public)
    s.issues.push_back(SchemaDiag{SchemaIssue::AnonPeerIdOnClearnet, node_data_node, 0});
  (void)type_ok;
  return s;
}

}  // namespace levin
